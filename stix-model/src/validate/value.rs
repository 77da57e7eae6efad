//! Checks a property value against its kind (`spec::Prop`).

use serde_json::{Map, Value};

use super::Ctx;
use super::formats::{is_base64, is_dictionary_key, is_hex, is_property_name, is_url};
use crate::id::{StixId, type_of_identifier};
use crate::problem::Rule;
use crate::spec::{self, ExtensionSpec, Prop, PropSpec, vocab};
use crate::timestamp::parse_instant;

/// A short name of a JSON value's type, for messages.
pub(crate) fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(ctx: &mut Ctx<'_>, expected: &str, value: &Value) {
    ctx.error(
        Rule::PropertyType,
        format!("must be {expected}, not {}", json_type(value)),
    );
}

/// Checks `value` (at the current path) against `prop`.
pub(crate) fn check_value(prop: &'static Prop, value: &Value, ctx: &mut Ctx<'_>) {
    match prop {
        Prop::Any => {}
        Prop::String => {
            if !value.is_string() {
                wrong_type(ctx, "a string", value);
            }
        }
        Prop::NonEmptyString => match value.as_str() {
            Some("") => ctx.error(Rule::EmptyString, "must not be empty"),
            Some(_) => {}
            None => wrong_type(ctx, "a string", value),
        },
        Prop::Boolean => {
            if !value.is_boolean() {
                wrong_type(ctx, "a boolean", value);
            }
        }
        Prop::Integer { min, max } => match value.as_i64() {
            Some(n) => check_range(ctx, n as f64, min.map(|m| m as f64), max.map(|m| m as f64)),
            None if value.as_u64().is_some() => ctx.error(Rule::Range, "integer is too large"),
            None => wrong_type(ctx, "an integer", value),
        },
        Prop::Float { min, max } => match value.as_f64() {
            Some(n) => check_range(ctx, n, *min, *max),
            None => wrong_type(ctx, "a number", value),
        },
        Prop::Timestamp => match value.as_str() {
            Some(s) => {
                if let Err(fault) = parse_instant(s) {
                    ctx.error(Rule::TimestampFormat, format!("{s:?}: {fault}"));
                }
            }
            None => wrong_type(ctx, "a timestamp string", value),
        },
        Prop::Identifier { types } => match value.as_str() {
            Some(s) => check_identifier(ctx, s, types),
            None => wrong_type(ctx, "an identifier string", value),
        },
        Prop::Literal(expected) => match value.as_str() {
            Some(s) if s == *expected => {}
            Some(s) => ctx.error(
                Rule::ClosedVocabulary,
                format!("must be {expected:?}, not {s:?}"),
            ),
            None => wrong_type(ctx, "a string", value),
        },
        Prop::Binary => match value.as_str() {
            Some(s) if is_base64(s) => {}
            Some(_) => ctx.error(Rule::ValueFormat, "must be base64-encoded binary"),
            None => wrong_type(ctx, "a base64 string", value),
        },
        Prop::Hex => match value.as_str() {
            Some(s) if is_hex(s) => {}
            Some(_) => ctx.error(Rule::ValueFormat, "must be a hexadecimal string"),
            None => wrong_type(ctx, "a hex string", value),
        },
        Prop::Url => match value.as_str() {
            Some(s) if is_url(s) => {}
            Some(s) => ctx.error(Rule::ValueFormat, format!("{s:?} is not a URL")),
            None => wrong_type(ctx, "a URL string", value),
        },
        Prop::Vocab(v) => match value.as_str() {
            Some(s) if v.contains(s) => {}
            Some(s) if v.open => ctx.warn(
                Rule::OpenVocabulary,
                format!("{s:?} is not in the open vocabulary {}", v.name),
            ),
            Some(s) => ctx.error(
                Rule::ClosedVocabulary,
                format!("{s:?} is not one of the values of {}", v.name),
            ),
            None => wrong_type(ctx, "a string", value),
        },
        Prop::Hashes => check_hashes(ctx, value),
        Prop::Dictionary => {
            check_dictionary(ctx, value, None);
        }
        Prop::DictionaryOf(inner) => {
            check_dictionary(ctx, value, Some(inner));
        }
        Prop::KillChainPhase => check_object(ctx, value, KILL_CHAIN_PHASE),
        Prop::ExternalReference => check_external_reference(ctx, value),
        Prop::GranularMarking => spec::common::check_granular_marking(value, ctx),
        Prop::Extensions => check_extensions(ctx, value),
        Prop::Object(props) => check_object(ctx, value, props),
        Prop::List(inner) => match value.as_array() {
            Some(items) if items.is_empty() => ctx.error(Rule::EmptyList, "must not be empty"),
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    ctx.at_index(i, |ctx| check_value(inner, item, ctx));
                }
            }
            None => wrong_type(ctx, "a list", value),
        },
        Prop::Custom(f) => f(value, ctx),
    }
}

fn check_range(ctx: &mut Ctx<'_>, n: f64, min: Option<f64>, max: Option<f64>) {
    if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
        let lo = min.map_or("-∞".to_owned(), |m| m.to_string());
        let hi = max.map_or("∞".to_owned(), |m| m.to_string());
        ctx.error(Rule::Range, format!("{n} is outside {lo}..{hi}"));
    }
}

/// Whether a type name matches an allowed-type pattern of `Prop::Identifier`.
pub(crate) fn type_matches(pattern: &str, type_name: &str) -> bool {
    match pattern {
        "<sco>" => spec::is_sco(type_name),
        "<sdo>" => spec::is_sdo(type_name),
        // A type the specification does not define (a custom or extension-defined object);
        // a bundle is not a STIX Object and so never a reference target.
        "<custom>" => spec::lookup(type_name).is_none() && type_name != "bundle",
        _ => match pattern.strip_suffix('*') {
            Some(prefix) => type_name.starts_with(prefix),
            None => pattern == type_name,
        },
    }
}

/// Checks an identifier's form and that its type is one of `types` (any when empty).
pub(crate) fn check_identifier(ctx: &mut Ctx<'_>, s: &str, types: &[&str]) {
    if let Err(fault) = StixId::check(s) {
        ctx.error(Rule::IdentifierFormat, format!("{s:?}: {fault}"));
        return;
    }
    let type_name = type_of_identifier(s).unwrap_or_default();
    if !types.is_empty() && !types.iter().any(|t| type_matches(t, type_name)) {
        ctx.error(
            Rule::ReferenceType,
            format!(
                "may not refer to a {type_name} (allowed: {})",
                types.join(", ")
            ),
        );
    }
}

/// Checks a fixed-shape object: known keys against their specs, required keys present, other
/// keys treated as custom properties.
pub(crate) fn check_object(ctx: &mut Ctx<'_>, value: &Value, props: &'static [PropSpec]) {
    let Some(map) = value.as_object() else {
        wrong_type(ctx, "an object", value);
        return;
    };
    check_map(ctx, map, &[props], false);
}

/// Walks `map` against the union of `prop_sets`. Unknown keys are custom properties; when
/// `toplevel` they are the object's own top-level properties.
pub(crate) fn check_map(
    ctx: &mut Ctx<'_>,
    map: &Map<String, Value>,
    prop_sets: &[&'static [PropSpec]],
    toplevel: bool,
) {
    walk_properties(ctx, map, prop_sets, &[], toplevel);
}

/// As `check_map`, but keys in `skip` are neither walked nor required (they are handled by
/// the caller).
pub(crate) fn walk_properties(
    ctx: &mut Ctx<'_>,
    map: &Map<String, Value>,
    prop_sets: &[&'static [PropSpec]],
    skip: &[&str],
    toplevel: bool,
) {
    for (key, value) in map {
        if skip.contains(&key.as_str()) {
            continue;
        }
        match prop_sets
            .iter()
            .find_map(|set| set.iter().find(|p| p.name == key))
        {
            Some(spec) => ctx.at(spec.name, |ctx| check_value(&spec.prop, value, ctx)),
            None => {
                check_custom_property(ctx, key, toplevel);
                ctx.at_owned(key, |ctx| check_custom_value(value, ctx));
            }
        }
    }
    for set in prop_sets {
        for spec in set.iter().filter(|p| p.required && !skip.contains(&p.name)) {
            if !map.contains_key(spec.name) {
                ctx.error_at(
                    spec.name,
                    Rule::RequiredProperty,
                    format!("required property {} is missing", spec.name),
                );
            }
        }
    }
}

/// The value of a property the specification does not define still has a STIX type: not
/// null, and not an empty list (§2.12). (What custom values contain is their definer's.)
fn check_custom_value(value: &Value, ctx: &mut Ctx<'_>) {
    match value {
        Value::Null => ctx.error(Rule::PropertyType, "null is not a STIX value"),
        Value::Array(items) if items.is_empty() => {
            ctx.error(Rule::EmptyList, "a list must not be empty")
        }
        _ => {}
    }
}

/// A property the specification does not define here.
pub(crate) fn check_custom_property(ctx: &mut Ctx<'_>, key: &str, toplevel: bool) {
    if !is_property_name(key) {
        ctx.error_at(
            key,
            Rule::PropertyName,
            format!("property name {key:?} must be 3 to 250 ASCII letters, digits or underscores"),
        );
    } else if ctx.options.is_strict() && !(toplevel && ctx.toplevel_extension) {
        ctx.error_at(
            key,
            Rule::CustomProperty,
            format!("custom property {key:?} is not allowed in strict mode"),
        );
    }
}

const KILL_CHAIN_PHASE: &[PropSpec] = &[
    spec::req("kill_chain_name", Prop::NonEmptyString),
    spec::req("phase_name", Prop::NonEmptyString),
];

const EXTERNAL_REFERENCE: &[PropSpec] = &[
    spec::req("source_name", Prop::NonEmptyString),
    spec::opt("description", Prop::String),
    spec::opt("url", Prop::Url),
    spec::opt("hashes", Prop::Hashes),
    spec::opt("external_id", Prop::String),
];

/// STIX 2.1 §2.5: `source_name` and at least one of `description`, `url`, `external_id`.
fn check_external_reference(ctx: &mut Ctx<'_>, value: &Value) {
    let Some(map) = value.as_object() else {
        wrong_type(ctx, "an external reference object", value);
        return;
    };
    check_map(ctx, map, &[EXTERNAL_REFERENCE], false);
    spec::common::check_external_id(map, ctx);
    // §2.5.1: here the hash algorithm names MUST come from hash-algorithm-ov.
    if let Some(hashes) = map.get("hashes").and_then(Value::as_object) {
        ctx.at("hashes", |ctx| {
            for algorithm in hashes.keys() {
                if !vocab::HASH_ALGORITHM.contains(algorithm) {
                    ctx.error_at(
                        algorithm,
                        Rule::Hashes,
                        format!(
                            "{algorithm:?} is not in hash-algorithm-ov, which external references must use"
                        ),
                    );
                }
            }
        });
    }
    if !["description", "url", "external_id"]
        .iter()
        .any(|k| map.contains_key(*k))
    {
        ctx.error(
            Rule::ExternalReference,
            "an external reference needs at least one of description, url or external_id",
        );
    }
}

/// Digest lengths in hex digits of the hash algorithms whose format is fixed.
fn digest_hex_len(algorithm: &str) -> Option<usize> {
    match algorithm {
        "MD5" => Some(32),
        "SHA-1" => Some(40),
        "SHA-256" | "SHA3-256" => Some(64),
        "SHA-512" | "SHA3-512" => Some(128),
        _ => None,
    }
}

/// STIX 2.1 §2.6 hashes: a non-empty dictionary of algorithm → digest.
fn check_hashes(ctx: &mut Ctx<'_>, value: &Value) {
    let Some(map) = value.as_object() else {
        wrong_type(ctx, "a hashes dictionary", value);
        return;
    };
    if map.is_empty() {
        ctx.error(Rule::Hashes, "a hashes dictionary must not be empty");
    }
    for (algorithm, digest) in map {
        // §2.7: keys are 3 to 250 of a-z, A-Z, 0-9, '-' and '_'.
        let well_named = vocab::HASH_ALGORITHM.contains(algorithm)
            || ((3..=250).contains(&algorithm.len()) && is_dictionary_key(algorithm));
        if !well_named {
            ctx.error_at(
                algorithm,
                Rule::Hashes,
                format!(
                    "hash algorithm name {algorithm:?} must be 3 to 250 ASCII letters, digits, '-' or '_'"
                ),
            );
        }
        match digest.as_str() {
            Some(d) => {
                if let Some(len) = digest_hex_len(algorithm) {
                    if d.len() != len || !d.bytes().all(|c| c.is_ascii_hexdigit()) {
                        ctx.error_at(
                            algorithm,
                            Rule::Hashes,
                            format!("a {algorithm} digest must be {len} hexadecimal digits"),
                        );
                    }
                }
            }
            None => ctx.error_at(
                algorithm,
                Rule::PropertyType,
                format!("a digest must be a string, not {}", json_type(digest)),
            ),
        }
    }
}

/// STIX 2.1 §2.8 dictionaries; with `inner`, every value is checked against it.
fn check_dictionary(ctx: &mut Ctx<'_>, value: &Value, inner: Option<&'static Prop>) {
    let Some(map) = value.as_object() else {
        wrong_type(ctx, "a dictionary", value);
        return;
    };
    // §2.3: "Empty dictionaries are prohibited in STIX".
    if map.is_empty() {
        ctx.error(Rule::EmptyList, "a dictionary must not be empty");
    }
    for (key, item) in map {
        if !is_dictionary_key(key) {
            ctx.error_at(
                key,
                Rule::DictionaryKey,
                format!(
                    "dictionary key {key:?} must be 1 to 250 ASCII letters, digits, '_' or '-'"
                ),
            );
        }
        if let Some(inner) = inner {
            ctx.at_owned(key, |ctx| check_value(inner, item, ctx));
        }
    }
}

const EXTENSION_DEFINITION_PREFIX: &str = "extension-definition--";

/// STIX 2.1 §7.3 `extensions`: predefined extensions of the object's type are checked against
/// their specs; extension-definition ids are checked for form and `extension_type`.
fn check_extensions(ctx: &mut Ctx<'_>, value: &Value) {
    let Some(map) = value.as_object() else {
        wrong_type(ctx, "an extensions dictionary", value);
        return;
    };
    if map.is_empty() {
        ctx.error(Rule::Extension, "extensions must not be empty");
    }
    let type_spec = ctx.object_type().and_then(spec::lookup);
    for (name, ext) in map {
        ctx.at_owned(name, |ctx| {
            if !ext.is_object() {
                wrong_type(ctx, "an extension object", ext);
                return;
            }
            if name.starts_with(EXTENSION_DEFINITION_PREFIX) {
                check_identifier(ctx, name, &["extension-definition"]);
                // Its other properties are defined by the extension-definition, not by us,
                // but their names follow §7.3.2.
                if let Some(properties) = ext.as_object() {
                    for key in properties.keys().filter(|k| {
                        *k != "extension_type" && !spec::common::is_extension_property_name(k)
                    }) {
                        ctx.error_at(
                            key,
                            Rule::PropertyName,
                            format!("extension property name {key:?} must be 3 to 250 characters of a-z, 0-9 and _"),
                        );
                    }
                }
                match ext.get("extension_type") {
                    Some(kind) => ctx.at("extension_type", |ctx| {
                        check_value(&EXTENSION_TYPE, kind, ctx);
                    }),
                    // §3.2: "When this extension facility is used the extension_type property
                    // MUST be present."
                    None => ctx.error_at(
                        "extension_type",
                        Rule::RequiredProperty,
                        "an extension-definition extension needs extension_type",
                    ),
                }
            } else if let Some(ext_spec) = type_spec.and_then(|t| t.extension(name)) {
                check_predefined_extension(ctx, ext, ext_spec);
            } else if ctx.options.is_strict() {
                ctx.error(
                    Rule::Extension,
                    format!("{name:?} is neither a predefined extension of this type nor an extension-definition id"),
                );
            } else if !name.starts_with("x-") {
                ctx.warn(
                    Rule::Extension,
                    format!("custom extension {name:?} should be declared by an extension-definition"),
                );
            }
        });
    }
}

const EXTENSION_TYPE: Prop = Prop::Vocab(&vocab::EXTENSION_TYPE);

fn check_predefined_extension(ctx: &mut Ctx<'_>, ext: &Value, spec: &'static ExtensionSpec) {
    let Some(map) = ext.as_object() else {
        return;
    };
    if map.is_empty() {
        ctx.error(Rule::Extension, "an extension must not be empty");
    }
    check_map(ctx, map, &[spec.properties], false);
    for check in spec.checks {
        check(map, ctx);
    }
}
