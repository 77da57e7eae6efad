//! STIX Domain Objects (STIX 2.1 §4): the nineteen SDO types, their properties and the rules
//! specific to each. Common properties come from `common::SDO_COMMON`.

use serde_json::{Map, Value};

use super::common::{
    ANY_STIX_OBJECT, Order, check_time_order, kill_chain_phase_names,
    last_seen_not_before_first_seen,
};
use super::vocab;
use super::{Category, Prop, PropSpec, TypeSpec, opt, req};
use crate::id::check_type_name;
use crate::problem::Rule;
use crate::validate::Ctx;

const STRINGS: Prop = Prop::List(&Prop::String);
const KILL_CHAIN_PHASES: Prop = Prop::List(&Prop::KillChainPhase);
/// `object_refs` of grouping, note, opinion and report: any STIX Object.
const ANY_OBJECT_REFS: Prop = Prop::List(&Prop::Identifier {
    types: ANY_STIX_OBJECT,
});
const SOFTWARE_REF: Prop = Prop::Identifier {
    types: &["software"],
};
const MOTIVATIONS: Prop = Prop::List(&Prop::Vocab(&vocab::ATTACK_MOTIVATION));

const ATTACK_PATTERN: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt("aliases", STRINGS),
    opt("kill_chain_phases", KILL_CHAIN_PHASES),
];

const CAMPAIGN: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt("aliases", STRINGS),
    opt("first_seen", Prop::Timestamp),
    opt("last_seen", Prop::Timestamp),
    opt("objective", Prop::String),
];

/// `action` is RESERVED (§4.3) and refused with the other reserved names.
const COURSE_OF_ACTION: &[PropSpec] =
    &[req("name", Prop::String), opt("description", Prop::String)];

/// `name` is optional in the STIX 2.1 OASIS Standard (Errata 01 makes it required).
const GROUPING: &[PropSpec] = &[
    opt("name", Prop::String),
    opt("description", Prop::String),
    req("context", Prop::Vocab(&vocab::GROUPING_CONTEXT)),
    req("object_refs", ANY_OBJECT_REFS),
];

const IDENTITY: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt("roles", STRINGS),
    opt("identity_class", Prop::Vocab(&vocab::IDENTITY_CLASS)),
    opt("sectors", Prop::List(&Prop::Vocab(&vocab::INDUSTRY_SECTOR))),
    opt("contact_information", Prop::String),
];

/// Incident is a stub in STIX 2.1: a name and a description.
const INCIDENT: &[PropSpec] = &[req("name", Prop::String), opt("description", Prop::String)];

const INDICATOR: &[PropSpec] = &[
    opt("name", Prop::String),
    opt("description", Prop::String),
    opt(
        "indicator_types",
        Prop::List(&Prop::Vocab(&vocab::INDICATOR_TYPE)),
    ),
    req("pattern", Prop::String),
    req("pattern_type", Prop::Vocab(&vocab::PATTERN_TYPE)),
    opt("pattern_version", Prop::String),
    req("valid_from", Prop::Timestamp),
    opt("valid_until", Prop::Timestamp),
    opt("kill_chain_phases", KILL_CHAIN_PHASES),
];

const INFRASTRUCTURE: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt(
        "infrastructure_types",
        Prop::List(&Prop::Vocab(&vocab::INFRASTRUCTURE_TYPE)),
    ),
    opt("aliases", STRINGS),
    opt("kill_chain_phases", KILL_CHAIN_PHASES),
    opt("first_seen", Prop::Timestamp),
    opt("last_seen", Prop::Timestamp),
];

const INTRUSION_SET: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt("aliases", STRINGS),
    opt("first_seen", Prop::Timestamp),
    opt("last_seen", Prop::Timestamp),
    opt("goals", STRINGS),
    opt("resource_level", Prop::Vocab(&vocab::ATTACK_RESOURCE_LEVEL)),
    opt("primary_motivation", Prop::Vocab(&vocab::ATTACK_MOTIVATION)),
    opt("secondary_motivations", MOTIVATIONS),
];

const LOCATION: &[PropSpec] = &[
    opt("name", Prop::String),
    opt("description", Prop::String),
    opt(
        "latitude",
        Prop::Float {
            min: Some(-90.0),
            max: Some(90.0),
        },
    ),
    opt(
        "longitude",
        Prop::Float {
            min: Some(-180.0),
            max: Some(180.0),
        },
    ),
    opt(
        "precision",
        Prop::Float {
            min: None,
            max: None,
        },
    ),
    opt("region", Prop::Vocab(&vocab::REGION)),
    opt("country", Prop::String),
    opt("administrative_area", Prop::String),
    opt("city", Prop::String),
    opt("street_address", Prop::String),
    opt("postal_code", Prop::String),
];

const MALWARE: &[PropSpec] = &[
    opt("name", Prop::String),
    opt("description", Prop::String),
    opt(
        "malware_types",
        Prop::List(&Prop::Vocab(&vocab::MALWARE_TYPE)),
    ),
    req("is_family", Prop::Boolean),
    opt("aliases", STRINGS),
    opt("kill_chain_phases", KILL_CHAIN_PHASES),
    opt("first_seen", Prop::Timestamp),
    opt("last_seen", Prop::Timestamp),
    opt("operating_system_refs", Prop::List(&SOFTWARE_REF)),
    opt(
        "architecture_execution_envs",
        Prop::List(&Prop::Vocab(&vocab::PROCESSOR_ARCHITECTURE)),
    ),
    opt(
        "implementation_languages",
        Prop::List(&Prop::Vocab(&vocab::IMPLEMENTATION_LANGUAGE)),
    ),
    opt(
        "capabilities",
        Prop::List(&Prop::Vocab(&vocab::MALWARE_CAPABILITIES)),
    ),
    opt(
        "sample_refs",
        Prop::List(&Prop::Identifier {
            types: &["file", "artifact"],
        }),
    ),
];

const MALWARE_ANALYSIS: &[PropSpec] = &[
    req("product", Prop::String),
    opt("version", Prop::String),
    opt("host_vm_ref", SOFTWARE_REF),
    opt("operating_system_ref", SOFTWARE_REF),
    opt("installed_software_refs", Prop::List(&SOFTWARE_REF)),
    opt("configuration_version", Prop::String),
    opt("modules", STRINGS),
    opt("analysis_engine_version", Prop::String),
    opt("analysis_definition_version", Prop::String),
    opt("submitted", Prop::Timestamp),
    opt("analysis_started", Prop::Timestamp),
    opt("analysis_ended", Prop::Timestamp),
    opt("result_name", Prop::String),
    opt("result", Prop::Vocab(&vocab::MALWARE_RESULT)),
    // Cyber-observables, predefined or custom.
    opt(
        "analysis_sco_refs",
        Prop::List(&Prop::Identifier {
            types: &["<sco>", "<custom>"],
        }),
    ),
    opt(
        "sample_ref",
        Prop::Identifier {
            types: &["file", "network-traffic", "artifact"],
        },
    ),
];

const NOTE: &[PropSpec] = &[
    opt("abstract", Prop::String),
    req("content", Prop::String),
    opt("authors", STRINGS),
    req("object_refs", ANY_OBJECT_REFS),
];

/// `object_refs` are "SCOs and SROs" (§4.14); custom types may be either.
const OBSERVED_DATA_REF_TYPES: &[&str] = &["<sco>", "relationship", "sighting", "<custom>"];

const OBSERVED_DATA: &[PropSpec] = &[
    req("first_observed", Prop::Timestamp),
    req("last_observed", Prop::Timestamp),
    req(
        "number_observed",
        Prop::Integer {
            min: Some(1),
            max: Some(999_999_999),
        },
    ),
    opt("objects", Prop::Custom(check_observable_container)),
    opt(
        "object_refs",
        Prop::List(&Prop::Identifier {
            types: OBSERVED_DATA_REF_TYPES,
        }),
    ),
];

const OPINION: &[PropSpec] = &[
    opt("explanation", Prop::String),
    opt("authors", STRINGS),
    req("opinion", Prop::Vocab(&vocab::OPINION)),
    req("object_refs", ANY_OBJECT_REFS),
];

const REPORT: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt(
        "report_types",
        Prop::List(&Prop::Vocab(&vocab::REPORT_TYPE)),
    ),
    req("published", Prop::Timestamp),
    req("object_refs", ANY_OBJECT_REFS),
];

const THREAT_ACTOR: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt(
        "threat_actor_types",
        Prop::List(&Prop::Vocab(&vocab::THREAT_ACTOR_TYPE)),
    ),
    opt("aliases", STRINGS),
    opt("first_seen", Prop::Timestamp),
    opt("last_seen", Prop::Timestamp),
    opt("roles", Prop::List(&Prop::Vocab(&vocab::THREAT_ACTOR_ROLE))),
    opt("goals", STRINGS),
    opt(
        "sophistication",
        Prop::Vocab(&vocab::THREAT_ACTOR_SOPHISTICATION),
    ),
    opt("resource_level", Prop::Vocab(&vocab::ATTACK_RESOURCE_LEVEL)),
    opt("primary_motivation", Prop::Vocab(&vocab::ATTACK_MOTIVATION)),
    opt("secondary_motivations", MOTIVATIONS),
    opt("personal_motivations", MOTIVATIONS),
];

const TOOL: &[PropSpec] = &[
    req("name", Prop::String),
    opt("description", Prop::String),
    opt("tool_types", Prop::List(&Prop::Vocab(&vocab::TOOL_TYPE))),
    opt("aliases", STRINGS),
    opt("kill_chain_phases", KILL_CHAIN_PHASES),
    opt("tool_version", Prop::String),
];

const VULNERABILITY: &[PropSpec] = &[req("name", Prop::String), opt("description", Prop::String)];

pub const TYPES: &[TypeSpec] = &[
    TypeSpec {
        properties: ATTACK_PATTERN,
        checks: &[kill_chain_phase_names],
        ..TypeSpec::new("attack-pattern", Category::Sdo)
    },
    TypeSpec {
        properties: CAMPAIGN,
        checks: &[last_seen_not_before_first_seen],
        ..TypeSpec::new("campaign", Category::Sdo)
    },
    TypeSpec {
        properties: COURSE_OF_ACTION,
        ..TypeSpec::new("course-of-action", Category::Sdo)
    },
    TypeSpec {
        properties: GROUPING,
        ..TypeSpec::new("grouping", Category::Sdo)
    },
    TypeSpec {
        properties: IDENTITY,
        ..TypeSpec::new("identity", Category::Sdo)
    },
    TypeSpec {
        properties: INCIDENT,
        ..TypeSpec::new("incident", Category::Sdo)
    },
    TypeSpec {
        properties: INDICATOR,
        checks: &[
            valid_until_after_valid_from,
            stix_pattern_parses,
            stix_pattern_version,
            indicator_name_and_description,
            kill_chain_phase_names,
        ],
        ..TypeSpec::new("indicator", Category::Sdo)
    },
    TypeSpec {
        properties: INFRASTRUCTURE,
        checks: &[last_seen_not_before_first_seen, kill_chain_phase_names],
        ..TypeSpec::new("infrastructure", Category::Sdo)
    },
    TypeSpec {
        properties: INTRUSION_SET,
        checks: &[last_seen_not_before_first_seen],
        ..TypeSpec::new("intrusion-set", Category::Sdo)
    },
    TypeSpec {
        properties: LOCATION,
        checks: &[
            location_needs_region_country_or_coordinates,
            latitude_and_longitude_go_together,
            precision_needs_coordinates,
            country_is_iso_3166_1,
            administrative_area_is_iso_3166_2,
        ],
        ..TypeSpec::new("location", Category::Sdo)
    },
    TypeSpec {
        properties: MALWARE,
        checks: &[
            last_seen_not_before_first_seen,
            malware_family_needs_name,
            kill_chain_phase_names,
        ],
        ..TypeSpec::new("malware", Category::Sdo)
    },
    TypeSpec {
        properties: MALWARE_ANALYSIS,
        checks: &[result_or_analysis_sco_refs, product_name_style],
        ..TypeSpec::new("malware-analysis", Category::Sdo)
    },
    TypeSpec {
        properties: NOTE,
        ..TypeSpec::new("note", Category::Sdo)
    },
    TypeSpec {
        properties: OBSERVED_DATA,
        checks: &[
            last_observed_not_before_first_observed,
            objects_or_object_refs,
            object_refs_include_an_sco,
        ],
        ..TypeSpec::new("observed-data", Category::Sdo)
    },
    TypeSpec {
        properties: OPINION,
        ..TypeSpec::new("opinion", Category::Sdo)
    },
    TypeSpec {
        properties: REPORT,
        ..TypeSpec::new("report", Category::Sdo)
    },
    TypeSpec {
        properties: THREAT_ACTOR,
        checks: &[last_seen_not_before_first_seen],
        ..TypeSpec::new("threat-actor", Category::Sdo)
    },
    TypeSpec {
        properties: TOOL,
        checks: &[kill_chain_phase_names],
        ..TypeSpec::new("tool", Category::Sdo)
    },
    TypeSpec {
        properties: VULNERABILITY,
        ..TypeSpec::new("vulnerability", Category::Sdo)
    },
];

fn str_at<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    map.get(key).and_then(Value::as_str)
}

// ---- indicator ----

/// §4.7: `valid_until` "MUST be greater than the timestamp in the valid_from property".
fn valid_until_after_valid_from(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    check_time_order(map, ctx, "valid_from", "valid_until", Order::After);
}

/// §4.7 and §9: a pattern of `pattern_type` `stix` is a STIX pattern.
fn stix_pattern_parses(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if str_at(map, "pattern_type") != Some("stix") {
        return;
    }
    if let Some(pattern) = str_at(map, "pattern") {
        if let Err(fault) = crate::pattern::parse(pattern) {
            ctx.error_at("pattern", Rule::Pattern, fault.to_string());
        }
    }
}

/// §4.7: `pattern_version` "MUST match the type of pattern data"; for STIX patterns the
/// versions are those of STIX (2.0, 2.1). Other values are doubtful rather than wrong.
fn stix_pattern_version(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if str_at(map, "pattern_type") != Some("stix") {
        return;
    }
    if let Some(version) = str_at(map, "pattern_version") {
        if !matches!(version, "2.0" | "2.1") {
            ctx.warn_at(
                "pattern_version",
                Rule::Recommendation,
                format!("{version:?} is not a version of the STIX patterning language (2.0, 2.1)"),
            );
        }
    }
}

/// §4.7: producers SHOULD provide `name` and `description`.
fn indicator_name_and_description(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    for key in ["name", "description"] {
        if !map.contains_key(key) {
            ctx.warn_at(
                key,
                Rule::Recommendation,
                format!("an indicator should have a {key}, to tell what it detects"),
            );
        }
    }
}

// ---- location ----

fn location_needs_region_country_or_coordinates(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let has = |k| map.contains_key(k);
    if !(has("region") || has("country") || (has("latitude") && has("longitude"))) {
        ctx.error(
            Rule::PropertyCombination,
            "a location needs at least region, country, or latitude and longitude",
        );
    }
}

fn latitude_and_longitude_go_together(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    match (map.contains_key("latitude"), map.contains_key("longitude")) {
        (true, false) => ctx.error_at(
            "longitude",
            Rule::PropertyCombination,
            "longitude must be present when latitude is",
        ),
        (false, true) => ctx.error_at(
            "latitude",
            Rule::PropertyCombination,
            "latitude must be present when longitude is",
        ),
        _ => {}
    }
}

fn precision_needs_coordinates(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if map.contains_key("precision")
        && !(map.contains_key("latitude") && map.contains_key("longitude"))
    {
        ctx.error_at(
            "precision",
            Rule::PropertyCombination,
            "precision requires latitude and longitude",
        );
    }
}

/// `country` SHOULD be an ISO 3166-1 alpha-2 code; its form is checked, not the code list.
fn country_is_iso_3166_1(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if let Some(country) = str_at(map, "country") {
        if !(country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic())) {
            ctx.warn_at(
                "country",
                Rule::Recommendation,
                format!("{country:?} should be an ISO 3166-1 alpha-2 country code"),
            );
        }
    }
}

/// `administrative_area` SHOULD be an ISO 3166-2 code (`CC-XXX`); its form is checked.
fn administrative_area_is_iso_3166_2(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if let Some(area) = str_at(map, "administrative_area") {
        let well_formed = area.split_once('-').is_some_and(|(country, sub)| {
            country.len() == 2
                && country.bytes().all(|b| b.is_ascii_alphabetic())
                && (1..=3).contains(&sub.len())
                && sub.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !well_formed {
            ctx.warn_at(
                "administrative_area",
                Rule::Recommendation,
                format!("{area:?} should be an ISO 3166-2 subdivision code"),
            );
        }
    }
}

// ---- malware, malware-analysis ----

/// §4.11: "For a malware family the name MUST be defined."
fn malware_family_needs_name(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if map.get("is_family") == Some(&Value::Bool(true)) && !map.contains_key("name") {
        ctx.error_at(
            "name",
            Rule::RequiredProperty,
            "name is required when is_family is true",
        );
    }
}

/// §4.12: "One of result or analysis_sco_refs properties MUST be provided."
fn result_or_analysis_sco_refs(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if !map.contains_key("result") && !map.contains_key("analysis_sco_refs") {
        ctx.error(
            Rule::PropertyCombination,
            "a malware analysis needs result or analysis_sco_refs",
        );
    }
}

/// §4.12: product names SHOULD be all lowercase with words separated by a dash.
fn product_name_style(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if let Some(product) = str_at(map, "product") {
        let styled = !product.is_empty()
            && product
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !styled {
            ctx.warn_at(
                "product",
                Rule::Recommendation,
                format!("product {product:?} should be all lowercase, with dashes between words"),
            );
        }
    }
}

// ---- observed-data ----

/// §4.14: `last_observed` "MUST be greater than or equal to" `first_observed`.
fn last_observed_not_before_first_observed(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    check_time_order(
        map,
        ctx,
        "first_observed",
        "last_observed",
        Order::NotBefore,
    );
}

/// §4.14: "either the objects property or the object_refs property MUST be provided, but both
/// MUST NOT be present at the same time"; `objects` is deprecated.
fn objects_or_object_refs(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    match (map.contains_key("objects"), map.contains_key("object_refs")) {
        (true, true) => ctx.error_at(
            "objects",
            Rule::PropertyCombination,
            "objects must not be present together with object_refs",
        ),
        (false, false) => ctx.error(
            Rule::PropertyCombination,
            "an observed-data needs object_refs (or the deprecated objects)",
        ),
        (true, false) => ctx.warn_at(
            "objects",
            Rule::Recommendation,
            "objects is deprecated; reference top-level cyber-observables with object_refs",
        ),
        (false, true) => {}
    }
}

/// §4.14: "The object_refs MUST contain at least one SCO reference if defined."
fn object_refs_include_an_sco(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(refs) = map.get("object_refs").and_then(Value::as_array) else {
        return;
    };
    if refs.is_empty() {
        return; // reported as an empty list
    }
    let is_sco_ref = |r: &Value| {
        r.as_str()
            .and_then(crate::id::type_of_identifier)
            .is_some_and(|t| {
                crate::validate::value::type_matches("<sco>", t)
                    || crate::validate::value::type_matches("<custom>", t)
            })
    };
    if !refs.iter().any(is_sco_ref) {
        ctx.error_at(
            "object_refs",
            Rule::ReferenceType,
            "object_refs must reference at least one cyber-observable object",
        );
    }
}

/// §2.13 observable container (deprecated): a non-empty dictionary of cyber-observable
/// objects whose references point at keys of the same container.
fn check_observable_container(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(container) = value.as_object() else {
        ctx.error(
            Rule::PropertyType,
            "objects must be a dictionary of cyber-observable objects",
        );
        return;
    };
    if container.is_empty() {
        ctx.error(Rule::EmptyList, "objects must contain at least one object");
    }
    for (key, object) in container {
        ctx.at_owned(key, |ctx| {
            let Some(object) = object.as_object() else {
                ctx.error(Rule::PropertyType, "a cyber-observable must be an object");
                return;
            };
            match object.get("type") {
                None => ctx.error_at(
                    "type",
                    Rule::RequiredProperty,
                    "required property type is missing",
                ),
                Some(Value::String(t)) => {
                    if let Err(fault) = check_type_name(t) {
                        ctx.error_at("type", Rule::TypeName, format!("{t:?}: {fault}"));
                    } else if super::lookup(t).is_some_and(|s| s.category != Category::Sco) {
                        ctx.error_at(
                            "type",
                            Rule::PropertyType,
                            format!("{t:?} is not a cyber-observable type"),
                        );
                    }
                }
                Some(_) => ctx.error_at("type", Rule::PropertyType, "type must be a string"),
            }
            check_local_references(object, container, ctx);
        });
    }
}

/// References inside an observable container are keys of that container (§2.13: "the
/// referenced object MUST be provided within the same container").
fn check_local_references(
    object: &Map<String, Value>,
    container: &Map<String, Value>,
    ctx: &mut Ctx<'_>,
) {
    let unresolved = |ctx: &mut Ctx<'_>, r: &str| {
        ctx.error(
            Rule::ReferenceType,
            format!("{r:?} does not name an object of the same container"),
        );
    };
    for (key, value) in object {
        ctx.at_owned(key, |ctx| match value {
            Value::String(r) if key.ends_with("_ref") && !container.contains_key(r) => {
                unresolved(ctx, r);
            }
            Value::String(_) => {}
            Value::Array(items) if key.ends_with("_refs") => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(r) = item.as_str() {
                        if !container.contains_key(r) {
                            ctx.at_index(i, |ctx| unresolved(ctx, r));
                        }
                    }
                }
            }
            Value::Object(inner) => check_local_references(inner, container, ctx),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(inner) = item.as_object() {
                        ctx.at_index(i, |ctx| check_local_references(inner, container, ctx));
                    }
                }
            }
            _ => {}
        });
    }
}
