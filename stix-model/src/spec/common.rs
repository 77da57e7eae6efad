//! Common properties (STIX 2.1 §3.2), reserved names (§3.8), granular markings (§7.2.3) and
//! the small checks shared by many types (time windows, kill chain phase names, language
//! tags).

use serde_json::{Map, Value};

use super::{Category, Prop, PropSpec, opt, req};
use crate::problem::Rule;
use crate::timestamp::{Instant, fraction_digits, parse_instant};
use crate::validate::Ctx;
use crate::validate::value::{check_custom_property, check_value};

const MARKING_REFS: Prop = Prop::List(&Prop::Identifier {
    types: &["marking-definition"],
});

/// Common properties of SDOs, SROs and the meta objects (which forbid some of them, see each
/// type's `forbidden_common`). `type`, `id` and `spec_version` are checked by the object walk
/// itself.
pub const SDO_COMMON: &[PropSpec] = &[
    opt(
        "created_by_ref",
        Prop::Identifier {
            types: &["identity"],
        },
    ),
    req("created", Prop::Custom(check_millisecond_timestamp)),
    req("modified", Prop::Custom(check_millisecond_timestamp)),
    opt("revoked", Prop::Boolean),
    opt("labels", Prop::List(&Prop::String)),
    opt(
        "confidence",
        Prop::Integer {
            min: Some(0),
            max: Some(100),
        },
    ),
    opt("lang", Prop::Custom(check_language_tag)),
    opt("external_references", Prop::List(&Prop::ExternalReference)),
    opt("object_marking_refs", MARKING_REFS),
    opt("granular_markings", Prop::List(&Prop::GranularMarking)),
    opt("extensions", Prop::Extensions),
];

/// Common properties of SCOs.
pub const SCO_COMMON: &[PropSpec] = &[
    opt("object_marking_refs", MARKING_REFS),
    opt("granular_markings", Prop::List(&Prop::GranularMarking)),
    opt("defanged", Prop::Boolean),
    opt("extensions", Prop::Extensions),
];

/// The common properties of a category.
pub fn properties(category: Category) -> &'static [PropSpec] {
    match category {
        Category::Sdo | Category::Sro | Category::Meta => SDO_COMMON,
        Category::Sco => SCO_COMMON,
    }
}

/// Any STIX Object: what `object_refs` and `object_ref` may point at. A bundle is not a STIX
/// Object and "MUST NOT have any relationships to or from it" (§8.2).
pub const ANY_STIX_OBJECT: &[&str] = &[
    "<sdo>",
    "<sco>",
    "<custom>",
    "relationship",
    "sighting",
    "language-content",
    "marking-definition",
    "extension-definition",
];

/// §3.8: names reserved across all STIX Objects; they MUST NOT be present in conforming
/// content. (The OASIS validator checks `phone_numbers`; the specification says
/// `phone_number`.)
pub const RESERVED_PROPERTIES: &[&str] = &["severity", "username", "phone_number", "action"];

/// Names no object of the category may carry, beyond those a type forbids itself: the
/// reserved names, and `defanged` outside SCOs (§3.2: "MUST NOT be used on any STIX Objects
/// other than SCOs").
pub fn excluded(category: Category) -> &'static [&'static str] {
    match category {
        Category::Sco => RESERVED_PROPERTIES,
        Category::Sdo | Category::Sro | Category::Meta => {
            &["severity", "username", "phone_number", "action", "defanged"]
        }
    }
}

/// Reports the names of `excluded(category)` that `map` carries.
pub fn check_excluded(map: &Map<String, Value>, category: Category, ctx: &mut Ctx<'_>) {
    for key in excluded(category).iter().filter(|k| map.contains_key(**k)) {
        let message = if RESERVED_PROPERTIES.contains(key) {
            format!("{key} is a reserved property name and may not be used")
        } else {
            format!("{key} may only be used on cyber-observable objects")
        };
        ctx.error_at(key, Rule::PropertyNotAllowed, message);
    }
}

/// §2.9: "STIX Domain Objects, STIX Relationship Objects, STIX Meta Objects, and STIX Bundle
/// Object SHOULD use UUIDv4 for the UUID portion of the identifier" (SCOs use UUIDv5 and are
/// checked with their ID contributing properties).
pub fn check_uuid_version(map: &Map<String, Value>, category: Category, ctx: &mut Ctx<'_>) {
    if category == Category::Sco {
        return;
    }
    let Some(id) = map.get("id").and_then(Value::as_str) else {
        return;
    };
    if crate::id::StixId::check(id).is_err() {
        return; // reported with the id
    }
    let version = id
        .split_once("--")
        .and_then(|(_, uuid)| uuid.as_bytes().get(14));
    if version != Some(&b'4') {
        ctx.warn_at(
            "id",
            Rule::Recommendation,
            format!("{id} should use a version 4 (random) UUID"),
        );
    }
}

/// §7.3: the extension facility "MUST NOT be used to redefine existing standardized objects":
/// an object of a type the specification defines may not declare itself a new type.
pub fn check_not_redefined(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(extensions) = map.get("extensions").and_then(Value::as_object) else {
        return;
    };
    for (name, extension) in extensions {
        let kind = extension.get("extension_type").and_then(Value::as_str);
        if let Some(kind @ ("new-sdo" | "new-sco" | "new-sro")) = kind {
            ctx.at("extensions", |ctx| {
                ctx.at_owned(name, |ctx| {
                    ctx.error_at(
                        "extension_type",
                        Rule::Extension,
                        format!("a {kind} extension may not redefine a type of the specification"),
                    )
                })
            });
        }
    }
}

/// §3.2 `created` and `modified`: a timestamp whose "minimum precision MUST be milliseconds
/// (three digits after the decimal place in seconds), but MAY be more precise".
pub fn check_millisecond_timestamp(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(&Prop::Timestamp, value, ctx);
    if let Some(s) = value.as_str() {
        if parse_instant(s).is_ok() && fraction_digits(s) < 3 {
            ctx.error(
                Rule::TimestampPrecision,
                format!(
                    "{s:?} must be precise to the millisecond at least (three digits after the decimal point)"
                ),
            );
        }
    }
}

/// `lang` (§3.2, §7.2.3): an RFC 5646 language tag.
pub fn check_language_tag(value: &Value, ctx: &mut Ctx<'_>) {
    match value.as_str() {
        Some(s) if is_language_tag(s) => {}
        Some("") => ctx.error(Rule::EmptyString, "a language tag must not be empty"),
        Some(s) => ctx.error(
            Rule::ValueFormat,
            format!("{s:?} is not an RFC 5646 language tag"),
        ),
        None => check_value(&Prop::String, value, ctx),
    }
}

/// RFC 5646 "irregular" grandfathered tags, which the `langtag` production does not cover
/// (the "regular" ones are well-formed `langtag`s).
const IRREGULAR_TAGS: &[&str] = &[
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
];

fn is_alpha(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphabetic())
}

fn is_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

/// Whether `tag` is a well-formed RFC 5646 language tag (§2.1 syntax; registry membership is
/// not checked, as the registry changes).
pub fn is_language_tag(tag: &str) -> bool {
    let lower = tag.to_ascii_lowercase();
    if IRREGULAR_TAGS.contains(&lower.as_str()) {
        return true;
    }
    let subtags: Vec<&str> = lower.split('-').collect();
    if subtags
        .iter()
        .any(|s| s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return false;
    }
    let mut rest = subtags.as_slice();
    if rest.first() == Some(&"x") {
        return rest.len() >= 2;
    }
    // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
    match rest.split_first() {
        Some((lang, tail)) if lang.len() >= 2 && is_alpha(lang) => {
            rest = tail;
            if lang.len() <= 3 {
                // extlang = 3ALPHA *2("-" 3ALPHA)
                for _ in 0..3 {
                    match rest.split_first() {
                        Some((s, tail)) if s.len() == 3 && is_alpha(s) => rest = tail,
                        _ => break,
                    }
                }
            }
        }
        _ => return false,
    }
    // script = 4ALPHA
    if let Some((s, tail)) = rest.split_first() {
        if s.len() == 4 && is_alpha(s) {
            rest = tail;
        }
    }
    // region = 2ALPHA / 3DIGIT
    if let Some((s, tail)) = rest.split_first() {
        if (s.len() == 2 && is_alpha(s)) || (s.len() == 3 && is_digits(s)) {
            rest = tail;
        }
    }
    // variant = 5*8alphanum / (DIGIT 3alphanum)
    while let Some((s, tail)) = rest.split_first() {
        let digit_led = s.len() == 4 && s.bytes().next().is_some_and(|b| b.is_ascii_digit());
        if s.len() >= 5 || digit_led {
            rest = tail;
        } else {
            break;
        }
    }
    // extension = singleton 1*("-" (2*8alphanum))
    while let Some((s, tail)) = rest.split_first() {
        if s.len() != 1 || *s == "x" {
            break;
        }
        rest = tail;
        let mut parts = 0;
        while let Some((e, tail)) = rest.split_first() {
            if e.len() >= 2 {
                rest = tail;
                parts += 1;
            } else {
                break;
            }
        }
        if parts == 0 {
            return false;
        }
    }
    // privateuse = "x" 1*("-" (1*8alphanum))
    match rest.first() {
        None => true,
        Some(&"x") => rest.len() >= 2,
        Some(_) => false,
    }
}

/// §7.3.2: extension property names are a-z, 0-9 and `_`, 3 to 250 characters.
pub fn is_extension_property_name(name: &str) -> bool {
    (3..=250).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// `CAPEC-[id]`.
pub fn is_capec_id(id: &str) -> bool {
    id.strip_prefix("CAPEC-")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// `CVE-YYYY-NNNN…`: a four-digit year and a sequence number of at least four digits, with a
/// leading zero only when it has exactly four.
pub fn is_cve_id(id: &str) -> bool {
    let Some((year, number)) = id.strip_prefix("CVE-").and_then(|r| r.split_once('-')) else {
        return false;
    };
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4
        && digits(year)
        && number.len() >= 4
        && digits(number)
        && (number.len() == 4 || !number.starts_with('0'))
}

/// A recognizer of an external id kind.
type IdForm = fn(&str) -> bool;

/// The external ids the specification gives a source name and form for.
const EXTERNAL_ID_KINDS: [(&str, IdForm, &str); 2] = [
    ("cve", is_cve_id, "CVE-YYYY-NNNN"),
    ("capec", is_capec_id, "CAPEC-[id]"),
];

/// §4.1 and §4.19: "When specifying a CAPEC ID, the source_name property of the external
/// reference MUST be set to capec and the external_id property MUST be formatted as
/// CAPEC-[id]"; likewise `cve` with "the exact CVE identifier". Applied to the external
/// references of every object, since an id of either kind means the same wherever it is given.
pub fn check_external_id(reference: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(id) = reference.get("external_id").and_then(Value::as_str) else {
        return;
    };
    let source = reference.get("source_name").and_then(Value::as_str);
    for (name, well_formed, form) in EXTERNAL_ID_KINDS {
        let names_source = source == Some(name);
        if names_source && !well_formed(id) {
            ctx.error_at(
                "external_id",
                Rule::ExternalReference,
                format!(
                    "the external_id of a {name} reference must be of the form {form}, not {id:?}"
                ),
            );
        } else if !names_source && well_formed(id) {
            ctx.error_at(
                "source_name",
                Rule::ExternalReference,
                format!("a reference to {id} must have source_name {name:?}"),
            );
        }
    }
}

/// STIX 2.1 §7.2.3: a granular marking has non-empty `selectors` and exactly one of
/// `marking_ref` and `lang`; every selector must resolve to a property of the object.
pub fn check_granular_marking(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(map) = value.as_object() else {
        ctx.error(Rule::PropertyType, "a granular marking must be an object");
        return;
    };
    match (map.get("marking_ref"), map.get("lang")) {
        (Some(_), Some(_)) => ctx.error(
            Rule::Marking,
            "a granular marking must have marking_ref or lang, not both",
        ),
        (None, None) => ctx.error(
            Rule::Marking,
            "a granular marking must have one of marking_ref and lang",
        ),
        (Some(r), None) => ctx.at("marking_ref", |ctx| {
            check_value(
                &Prop::Identifier {
                    types: &["marking-definition"],
                },
                r,
                ctx,
            )
        }),
        (None, Some(lang)) => ctx.at("lang", |ctx| check_language_tag(lang, ctx)),
    }
    for key in map.keys() {
        if !matches!(key.as_str(), "selectors" | "marking_ref" | "lang") {
            check_custom_property(ctx, key, false);
        }
    }
    match map.get("selectors") {
        None => ctx.error_at(
            "selectors",
            Rule::RequiredProperty,
            "required property selectors is missing",
        ),
        Some(Value::Array(selectors)) if selectors.is_empty() => {
            ctx.error_at("selectors", Rule::EmptyList, "selectors must not be empty")
        }
        Some(Value::Array(selectors)) => ctx.at("selectors", |ctx| {
            for (i, selector) in selectors.iter().enumerate() {
                ctx.at_index(i, |ctx| match selector.as_str() {
                    Some(s) => {
                        if !selector_resolves(ctx.root, s) {
                            ctx.error(
                                Rule::Marking,
                                format!(
                                    "selector {s:?} does not resolve to a property of the object"
                                ),
                            );
                        }
                    }
                    None => ctx.error(Rule::PropertyType, "a selector must be a string"),
                });
            }
        }),
        Some(_) => ctx.error_at("selectors", Rule::PropertyType, "selectors must be a list"),
    }
}

/// STIX 2.1 §7.2.3.1: a selector is a dotted path of property names and list indices
/// (`external_references.[0].url`) that must resolve within the object.
pub fn selector_resolves(object: &Map<String, Value>, selector: &str) -> bool {
    let mut steps = selector.split('.');
    let Some(mut current) = steps.next().and_then(|first| object.get(first)) else {
        return false;
    };
    for step in steps {
        let next = match step.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(index) => index
                .parse::<usize>()
                .ok()
                .and_then(|i| current.as_array().and_then(|a| a.get(i))),
            None => current.as_object().and_then(|m| m.get(step)),
        };
        match next {
            Some(v) => current = v,
            None => return false,
        }
    }
    true
}

/// The instant of a timestamp property, when it is present and well formed (malformed ones
/// are reported by the property walk).
pub fn instant(map: &Map<String, Value>, key: &str) -> Option<Instant> {
    map.get(key)
        .and_then(Value::as_str)
        .and_then(|s| parse_instant(s).ok())
}

/// Whether the later timestamp of a window may equal the earlier one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// `later` ≥ `earlier`.
    NotBefore,
    /// `later` > `earlier`.
    After,
}

/// Reports `later` (at its path) when both are present and out of order.
pub fn check_time_order(
    map: &Map<String, Value>,
    ctx: &mut Ctx<'_>,
    earlier: &str,
    later: &str,
    order: Order,
) {
    if let (Some(a), Some(b)) = (instant(map, earlier), instant(map, later)) {
        let (broken, relation) = match order {
            Order::NotBefore => (b < a, "later than or equal to"),
            Order::After => (b <= a, "later than"),
        };
        if broken {
            ctx.error_at(
                later,
                Rule::TimeOrder,
                format!("{later} must be {relation} {earlier}"),
            );
        }
    }
}

/// `last_seen` MUST be greater than or equal to `first_seen` (campaign, infrastructure,
/// intrusion-set, malware, threat-actor, sighting).
pub fn last_seen_not_before_first_seen(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    check_time_order(map, ctx, "first_seen", "last_seen", Order::NotBefore);
}

/// Whether a term follows the style the specification asks of open vocabulary values and kill
/// chain names: all lowercase, hyphens rather than spaces or underscores.
pub fn is_lowercase_hyphenated(s: &str) -> bool {
    !s.chars().any(|c| c.is_uppercase() || c == ' ' || c == '_')
}

/// §2.11: `kill_chain_name` and `phase_name` SHOULD be all lowercase and SHOULD use hyphens as
/// word separators.
pub fn kill_chain_phase_names(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(phases) = map.get("kill_chain_phases").and_then(Value::as_array) else {
        return;
    };
    ctx.at("kill_chain_phases", |ctx| {
        for (i, phase) in phases.iter().enumerate() {
            ctx.at_index(i, |ctx| {
                for key in ["kill_chain_name", "phase_name"] {
                    if let Some(s) = phase.get(key).and_then(Value::as_str) {
                        if !is_lowercase_hyphenated(s) {
                            ctx.warn_at(
                                key,
                                Rule::Recommendation,
                                format!(
                                    "{key} {s:?} should be all lowercase, with hyphens between words"
                                ),
                            );
                        }
                    }
                }
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_follow_rfc_5646() {
        for good in [
            "en",
            "de-CH",
            "zh-Hant-TW",
            "sr-Latn-RS",
            "es-419",
            "zh-yue-HK",
            "sl-rozaj-biske",
            "de-CH-1901",
            "en-a-bbb-x-a-ccc",
            "x-whatever",
            "i-klingon",
            "en-GB-oed",
            "art-lojban",
            "qaa-Qaaa-QM-x-southern",
        ] {
            assert!(is_language_tag(good), "{good}");
        }
        for bad in [
            "",
            "e",
            "en-",
            "-en",
            "en--us",
            "english_us",
            "en-US-x",
            "a-DE",
            "en-a",
            "de-419-DE",
            "123",
            "en-abcdefghi",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn cve_ids_have_a_year_and_four_or_more_digits() {
        assert!(is_cve_id("CVE-2016-1234"));
        assert!(is_cve_id("CVE-2021-0001"));
        assert!(is_cve_id("CVE-2021-44228"));
        assert!(!is_cve_id("CVE-2021-01234"));
        assert!(!is_cve_id("CVE-21-1234"));
        assert!(!is_cve_id("cve-2016-1234"));
        assert!(!is_cve_id("CVE-2016-123"));
    }

    #[test]
    fn capec_ids_are_numbered() {
        assert!(is_capec_id("CAPEC-163"));
        assert!(!is_capec_id("CAPEC-"));
        assert!(!is_capec_id("163"));
    }

    #[test]
    fn lowercase_hyphenated_terms() {
        assert!(is_lowercase_hyphenated("lockheed-martin-cyber-kill-chain"));
        assert!(!is_lowercase_hyphenated("Lockheed"));
        assert!(!is_lowercase_hyphenated("kill chain"));
        assert!(!is_lowercase_hyphenated("kill_chain"));
    }
}
