//! STIX Relationship Objects (STIX 2.1 §5): relationship and sighting.

use serde_json::{Map, Value};

use super::common::{Order, check_time_order, last_seen_not_before_first_seen};
use super::{Category, Prop, PropSpec, TypeSpec, lookup, opt, req};
use crate::id::type_of_identifier;
use crate::problem::Rule;
use crate::validate::Ctx;
use crate::validate::value::{check_value, type_matches};

/// §5.1: source and target are "an SDO or SCO (i.e., it cannot point to an SRO, Bundle,
/// Language Content, or Marking Definition)"; custom objects stand with SDOs and SCOs.
const NODE_REF: Prop = Prop::Identifier {
    types: &["<sdo>", "<sco>", "<custom>"],
};

const RELATIONSHIP: &[PropSpec] = &[
    req("relationship_type", Prop::Custom(check_relationship_type)),
    opt("description", Prop::String),
    req("source_ref", NODE_REF),
    req("target_ref", NODE_REF),
    opt("start_time", Prop::Timestamp),
    opt("stop_time", Prop::Timestamp),
];

const SIGHTING: &[PropSpec] = &[
    opt("description", Prop::String),
    opt("first_seen", Prop::Timestamp),
    opt("last_seen", Prop::Timestamp),
    opt(
        "count",
        Prop::Integer {
            min: Some(0),
            max: Some(999_999_999),
        },
    ),
    // "MUST reference only an SDO or a Custom Object".
    req(
        "sighting_of_ref",
        Prop::Identifier {
            types: &["<sdo>", "<custom>"],
        },
    ),
    opt(
        "observed_data_refs",
        Prop::List(&Prop::Identifier {
            types: &["observed-data"],
        }),
    ),
    opt(
        "where_sighted_refs",
        Prop::List(&Prop::Identifier {
            types: &["identity", "location"],
        }),
    ),
    opt("summary", Prop::Boolean),
];

pub const TYPES: &[TypeSpec] = &[
    TypeSpec {
        properties: RELATIONSHIP,
        checks: &[stop_time_after_start_time, relationship_is_spec_defined],
        ..TypeSpec::new("relationship", Category::Sro)
    },
    TypeSpec {
        properties: SIGHTING,
        checks: &[last_seen_not_before_first_seen],
        ..TypeSpec::new("sighting", Category::Sro)
    },
];

/// §5.1: `relationship_type` "MUST be in ASCII and is limited to characters a-z (lowercase
/// ASCII), 0-9, and hyphen (-)".
fn check_relationship_type(value: &Value, ctx: &mut Ctx<'_>) {
    match value.as_str() {
        Some(s)
            if !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') => {}
        Some(s) => ctx.error(
            Rule::ValueFormat,
            format!("relationship_type {s:?} may only contain a-z, 0-9 and hyphens"),
        ),
        None => check_value(&Prop::String, value, ctx),
    }
}

/// §5.1: "If start_time and stop_time are both defined, then stop_time MUST be later than the
/// start_time value."
fn stop_time_after_start_time(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    check_time_order(map, ctx, "start_time", "stop_time", Order::After);
}

/// The relationships the specification defines (§4, §6): source type, relationship type,
/// target types.
const SPEC_RELATIONSHIPS: &[(&str, &str, &[&str])] = &[
    ("attack-pattern", "delivers", &["malware"]),
    (
        "attack-pattern",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    ("attack-pattern", "uses", &["malware", "tool"]),
    (
        "campaign",
        "attributed-to",
        &["intrusion-set", "threat-actor"],
    ),
    ("campaign", "compromises", &["infrastructure"]),
    ("campaign", "originates-from", &["location"]),
    (
        "campaign",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "campaign",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("course-of-action", "investigates", &["indicator"]),
    (
        "course-of-action",
        "mitigates",
        &[
            "attack-pattern",
            "indicator",
            "malware",
            "tool",
            "vulnerability",
        ],
    ),
    (
        "course-of-action",
        "remediates",
        &["malware", "vulnerability"],
    ),
    ("identity", "located-at", &["location"]),
    (
        "indicator",
        "indicates",
        &[
            "attack-pattern",
            "campaign",
            "infrastructure",
            "intrusion-set",
            "malware",
            "threat-actor",
            "tool",
        ],
    ),
    ("indicator", "based-on", &["observed-data"]),
    (
        "infrastructure",
        "communicates-with",
        &[
            "infrastructure",
            "ipv4-addr",
            "ipv6-addr",
            "domain-name",
            "url",
        ],
    ),
    (
        "infrastructure",
        "consists-of",
        &["infrastructure", "observed-data", "<sco>"],
    ),
    ("infrastructure", "controls", &["infrastructure", "malware"]),
    ("infrastructure", "delivers", &["malware"]),
    ("infrastructure", "has", &["vulnerability"]),
    ("infrastructure", "hosts", &["tool", "malware"]),
    ("infrastructure", "located-at", &["location"]),
    ("infrastructure", "uses", &["infrastructure"]),
    ("intrusion-set", "attributed-to", &["threat-actor"]),
    ("intrusion-set", "compromises", &["infrastructure"]),
    ("intrusion-set", "hosts", &["infrastructure"]),
    ("intrusion-set", "owns", &["infrastructure"]),
    ("intrusion-set", "originates-from", &["location"]),
    (
        "intrusion-set",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "intrusion-set",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("malware", "authored-by", &["threat-actor", "intrusion-set"]),
    ("malware", "beacons-to", &["infrastructure"]),
    ("malware", "exfiltrates-to", &["infrastructure"]),
    (
        "malware",
        "communicates-with",
        &["ipv4-addr", "ipv6-addr", "domain-name", "url"],
    ),
    ("malware", "controls", &["malware"]),
    ("malware", "downloads", &["malware", "tool", "file"]),
    ("malware", "drops", &["malware", "tool", "file"]),
    ("malware", "exploits", &["vulnerability"]),
    ("malware", "originates-from", &["location"]),
    (
        "malware",
        "targets",
        &["identity", "infrastructure", "location", "vulnerability"],
    ),
    (
        "malware",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("malware", "variant-of", &["malware"]),
    ("malware-analysis", "characterizes", &["malware"]),
    ("malware-analysis", "av-analysis-of", &["malware"]),
    ("malware-analysis", "static-analysis-of", &["malware"]),
    ("malware-analysis", "dynamic-analysis-of", &["malware"]),
    ("threat-actor", "attributed-to", &["identity"]),
    ("threat-actor", "compromises", &["infrastructure"]),
    ("threat-actor", "hosts", &["infrastructure"]),
    ("threat-actor", "owns", &["infrastructure"]),
    ("threat-actor", "impersonates", &["identity"]),
    ("threat-actor", "located-at", &["location"]),
    (
        "threat-actor",
        "targets",
        &["identity", "location", "vulnerability"],
    ),
    (
        "threat-actor",
        "uses",
        &["attack-pattern", "infrastructure", "malware", "tool"],
    ),
    ("tool", "delivers", &["malware"]),
    ("tool", "drops", &["malware"]),
    ("tool", "has", &["vulnerability"]),
    (
        "tool",
        "targets",
        &["identity", "infrastructure", "location", "vulnerability"],
    ),
    ("tool", "uses", &["infrastructure"]),
    (
        "domain-name",
        "resolves-to",
        &["domain-name", "ipv4-addr", "ipv6-addr"],
    ),
    ("ipv4-addr", "resolves-to", &["mac-addr"]),
    ("ipv4-addr", "belongs-to", &["autonomous-system"]),
    ("ipv6-addr", "resolves-to", &["mac-addr"]),
    ("ipv6-addr", "belongs-to", &["autonomous-system"]),
];

/// §5.1: `relationship_type` "SHOULD be an exact value listed in the relationships for the
/// source and target SDO, but MAY be any string"; §3.7: `derived-from` and `duplicate-of`
/// relate objects of the same type. Only relationships between types the specification
/// defines are judged: user-defined types are free to define their own.
fn relationship_is_spec_defined(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let type_of = |key| {
        map.get(key)
            .and_then(Value::as_str)
            .and_then(type_of_identifier)
    };
    let (Some(kind), Some(source), Some(target)) = (
        map.get("relationship_type").and_then(Value::as_str),
        type_of("source_ref"),
        type_of("target_ref"),
    ) else {
        return;
    };
    match kind {
        "related-to" => return,
        "derived-from" | "duplicate-of" => {
            if source != target {
                ctx.warn_at(
                    "relationship_type",
                    Rule::Recommendation,
                    format!("{kind} should relate two objects of the same type, not a {source} and a {target}"),
                );
            }
            return;
        }
        _ => {}
    }
    if lookup(source).is_none() || lookup(target).is_none() {
        return;
    }
    let defined = SPEC_RELATIONSHIPS
        .iter()
        .find(|(s, k, _)| *s == source && *k == kind);
    let message = match defined {
        Some((_, _, targets)) if targets.iter().any(|t| type_matches(t, target)) => return,
        Some((_, _, targets)) => format!(
            "the specification defines {source} {kind} only towards {}, not {target}",
            targets.join(", ")
        ),
        None => format!("{kind:?} is not a relationship the specification defines for {source}"),
    };
    ctx.warn_at("relationship_type", Rule::Recommendation, message);
}
