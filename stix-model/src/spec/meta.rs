//! STIX Meta Objects (STIX 2.1 §7): language-content, marking-definition (statement, TLP 1.0,
//! and extension-based markings such as TLP 2.0) and extension-definition.

use serde_json::{Map, Value};

use super::common::{ANY_STIX_OBJECT, is_extension_property_name, is_language_tag};
use super::vocab;
use super::{Category, Prop, PropSpec, TypeSpec, opt, req};
use crate::problem::Rule;
use crate::validate::Ctx;
use crate::validate::is_property_name;
use crate::validate::value::check_object;

/// A TLP marking definition whose id, name and level are fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TlpMarking {
    pub id: &'static str,
    pub name: &'static str,
    /// The value of `definition.tlp` (TLP 1.0) or of the extension's `tlp_2_0` (TLP 2.0).
    pub level: &'static str,
}

/// §7.2.1.4: "the only instances of TLP marking definitions permitted are those defined
/// here".
pub const TLP_1: &[TlpMarking] = &[
    TlpMarking {
        id: "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        name: "TLP:WHITE",
        level: "white",
    },
    TlpMarking {
        id: "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        name: "TLP:GREEN",
        level: "green",
    },
    TlpMarking {
        id: "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        name: "TLP:AMBER",
        level: "amber",
    },
    TlpMarking {
        id: "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        name: "TLP:RED",
        level: "red",
    },
];

/// The `created` of every TLP 1.0 marking definition.
pub const TLP_1_CREATED: &str = "2017-01-20T00:00:00.000Z";

/// The properties a TLP 1.0 marking definition has; it is used exactly as given.
const TLP_1_PROPERTIES: &[&str] = &[
    "type",
    "spec_version",
    "id",
    "created",
    "definition_type",
    "name",
    "definition",
];

/// The OASIS TLP 2.0 marking extension (cti-stix-common-objects,
/// extension-definition-specifications/tlp-2.0).
pub const TLP_2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The TLP 2.0 marking definitions that the extension fixes.
pub const TLP_2: &[TlpMarking] = &[
    TlpMarking {
        id: "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        name: "TLP:CLEAR",
        level: "clear",
    },
    TlpMarking {
        id: "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        name: "TLP:GREEN",
        level: "green",
    },
    TlpMarking {
        id: "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        name: "TLP:AMBER",
        level: "amber",
    },
    TlpMarking {
        id: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        name: "TLP:AMBER+STRICT",
        level: "amber+strict",
    },
    TlpMarking {
        id: "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        name: "TLP:RED",
        level: "red",
    },
];

const LANGUAGE_CONTENT: &[PropSpec] = &[
    req(
        "object_ref",
        Prop::Identifier {
            types: ANY_STIX_OBJECT,
        },
    ),
    opt("object_modified", Prop::Timestamp),
    req("contents", Prop::Custom(check_contents)),
];

const MARKING_DEFINITION: &[PropSpec] = &[
    opt("name", Prop::String),
    opt(
        "definition_type",
        Prop::Vocab(&vocab::MARKING_DEFINITION_TYPE),
    ),
    opt("definition", Prop::Custom(check_definition)),
];

const STATEMENT: &[PropSpec] = &[req("statement", Prop::String)];
const TLP: &[PropSpec] = &[req("tlp", Prop::String)];

const EXTENSION_DEFINITION: &[PropSpec] = &[
    // Optional on other objects, required here (§7.3.1).
    req(
        "created_by_ref",
        Prop::Identifier {
            types: &["identity"],
        },
    ),
    req("name", Prop::String),
    opt("description", Prop::String),
    req("schema", Prop::String),
    req("version", Prop::String),
    req(
        "extension_types",
        Prop::List(&Prop::Vocab(&vocab::EXTENSION_TYPE)),
    ),
    opt(
        "extension_properties",
        Prop::List(&Prop::Custom(check_extension_property_name)),
    ),
];

pub const TYPES: &[TypeSpec] = &[
    TypeSpec {
        properties: LANGUAGE_CONTENT,
        forbidden_common: &["lang"],
        ..TypeSpec::new("language-content", Category::Meta)
    },
    TypeSpec {
        properties: MARKING_DEFINITION,
        // Marking definitions are not versioned (§7.2.1).
        forbidden_common: &["modified", "revoked", "labels", "confidence", "lang"],
        checks: &[
            definition_or_extension,
            tlp_1_marking,
            tlp_2_marking,
            no_circular_marking_refs,
        ],
        ..TypeSpec::new("marking-definition", Category::Meta)
    },
    TypeSpec {
        properties: EXTENSION_DEFINITION,
        forbidden_common: &["confidence", "lang", "extensions"],
        checks: &[
            extension_properties_only_for_toplevel,
            extension_description,
        ],
        ..TypeSpec::new("extension-definition", Category::Meta)
    },
];

fn str_at<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m str> {
    map.get(key).and_then(Value::as_str)
}

// ---- language-content ----

/// §7.1: `contents` is keyed by RFC 5646 language codes; each value mirrors (a subset of) the
/// properties of the object, so its keys are property names.
fn check_contents(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(contents) = value.as_object() else {
        ctx.error(
            Rule::PropertyType,
            "contents must be a dictionary keyed by language code",
        );
        return;
    };
    if contents.is_empty() {
        ctx.error(Rule::EmptyList, "contents must not be empty");
    }
    for (lang, translation) in contents {
        if !is_language_tag(lang) {
            ctx.error_at(
                lang,
                Rule::ValueFormat,
                format!("{lang:?} is not an RFC 5646 language code"),
            );
        }
        ctx.at_owned(lang, |ctx| match translation.as_object() {
            None => ctx.error(
                Rule::PropertyType,
                "a translation must be an object mirroring the properties of the object",
            ),
            Some(properties) => {
                if properties.is_empty() {
                    ctx.error(Rule::EmptyList, "a translation must not be empty");
                }
                for key in properties.keys().filter(|k| !is_property_name(k)) {
                    ctx.error_at(
                        key,
                        Rule::PropertyName,
                        format!("{key:?} is not a property name"),
                    );
                }
            }
        });
    }
}

// ---- marking-definition ----

/// `definition` holds the marking object of the type `definition_type` names (§7.2.1.3,
/// §7.2.1.4); other marking types are defined elsewhere and only need to be objects.
fn check_definition(value: &Value, ctx: &mut Ctx<'_>) {
    if !value.is_object() {
        ctx.error(Rule::PropertyType, "definition must be a marking object");
        return;
    }
    match str_at(ctx.root, "definition_type") {
        Some("statement") => check_object(ctx, value, STATEMENT),
        Some("tlp") => {
            check_object(ctx, value, TLP);
            if let Some(level) = value.get("tlp").and_then(Value::as_str) {
                if !TLP_1.iter().any(|t| t.level == level) {
                    ctx.error_at(
                        "tlp",
                        Rule::ClosedVocabulary,
                        format!("{level:?} is not a TLP 1.0 level (white, green, amber, red)"),
                    );
                }
            }
        }
        _ => {}
    }
}

/// §7.2.1: "If the extensions property is not present, this property MUST be present" (both
/// `definition_type` and `definition`); a marking defined by an extension needs an
/// extension-definition entry, and a statement or TLP marking needs its definition.
fn definition_or_extension(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let extensions = map.get("extensions").and_then(Value::as_object);
    match extensions {
        None => {
            for key in ["definition_type", "definition"] {
                if !map.contains_key(key) {
                    ctx.error_at(
                        key,
                        Rule::RequiredProperty,
                        format!("{key} is required when extensions is absent"),
                    );
                }
            }
        }
        Some(extensions) => {
            if matches!(str_at(map, "definition_type"), Some("statement" | "tlp"))
                && !map.contains_key("definition")
            {
                ctx.error_at(
                    "definition",
                    Rule::RequiredProperty,
                    "a statement or TLP marking needs its definition",
                );
            }
            let defined_by_extension = extensions
                .keys()
                .any(|k| k.starts_with("extension-definition--"));
            if !map.contains_key("definition") && !defined_by_extension {
                ctx.error_at(
                    "extensions",
                    Rule::Extension,
                    "a marking definition without definition is defined by an extension-definition extension, and has none",
                );
            }
        }
    }
}

/// §7.2.1.4: TLP 1.0 markings are the four instances the specification gives, used as given.
fn tlp_1_marking(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let id = str_at(map, "id");
    let fixed = TLP_1.iter().find(|t| Some(t.id) == id);
    let is_tlp = str_at(map, "definition_type") == Some("tlp");
    match (is_tlp, fixed) {
        (false, None) => {}
        (true, None) => ctx.error_at(
            "id",
            Rule::Marking,
            "definition_type tlp is reserved to the four TLP 1.0 marking definitions of the specification",
        ),
        (false, Some(tlp)) => ctx.error_at(
            "definition_type",
            Rule::Marking,
            format!(
                "this id is the TLP 1.0 {} marking definition, whose definition_type is tlp",
                tlp.name
            ),
        ),
        (true, Some(tlp)) => {
            let level = map
                .get("definition")
                .and_then(|d| d.get("tlp"))
                .and_then(Value::as_str);
            let known_level = level.is_some_and(|l| TLP_1.iter().any(|t| t.level == l));
            if known_level && level != Some(tlp.level) {
                ctx.at("definition", |ctx| {
                    ctx.error_at(
                        "tlp",
                        Rule::Marking,
                        format!("the {} marking definition has tlp {:?}", tlp.name, tlp.level),
                    )
                });
            }
            if str_at(map, "name") != Some(tlp.name) {
                ctx.error_at(
                    "name",
                    Rule::Marking,
                    format!("the TLP 1.0 marking definition {} has name {:?}", tlp.level, tlp.name),
                );
            }
            if str_at(map, "created") != Some(TLP_1_CREATED) {
                ctx.error_at(
                    "created",
                    Rule::Marking,
                    format!("the TLP 1.0 marking definitions were created {TLP_1_CREATED}"),
                );
            }
            for key in map.keys().filter(|k| !TLP_1_PROPERTIES.contains(&k.as_str())) {
                ctx.error_at(
                    key,
                    Rule::Marking,
                    format!("{key} is not part of the TLP 1.0 marking definition, which is used exactly as the specification gives it"),
                );
            }
        }
    }
}

/// The OASIS TLP 2.0 extension: `tlp_2_0` is one of five levels, each with a fixed id and
/// name; the extension carries nothing else.
fn tlp_2_marking(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let id = str_at(map, "id");
    let extension = map
        .get("extensions")
        .and_then(Value::as_object)
        .and_then(|e| e.get(TLP_2_EXTENSION));
    let Some(extension) = extension else {
        if let Some(tlp) = TLP_2.iter().find(|t| Some(t.id) == id) {
            ctx.error_at(
                "extensions",
                Rule::Marking,
                format!(
                    "this id is the TLP 2.0 {} marking definition, which carries the TLP 2.0 extension",
                    tlp.name
                ),
            );
        }
        return;
    };
    let Some(extension) = extension.as_object() else {
        return; // reported by the extensions walk
    };
    let level = ctx.at("extensions", |ctx| {
        ctx.at(TLP_2_EXTENSION, |ctx| check_tlp_2_extension(extension, ctx))
    });
    let Some(tlp) = level else {
        return;
    };
    if id.is_some_and(|id| id != tlp.id) {
        ctx.error_at(
            "id",
            Rule::Marking,
            format!(
                "the TLP 2.0 {} marking definition has id {}",
                tlp.name, tlp.id
            ),
        );
    }
    if str_at(map, "name") != Some(tlp.name) {
        ctx.error_at(
            "name",
            Rule::Marking,
            format!(
                "the TLP 2.0 {} marking definition has name {:?}",
                tlp.level, tlp.name
            ),
        );
    }
}

/// Checks the TLP 2.0 extension entry and returns the marking its level names.
fn check_tlp_2_extension(
    extension: &Map<String, Value>,
    ctx: &mut Ctx<'_>,
) -> Option<&'static TlpMarking> {
    if let Some(kind) = str_at(extension, "extension_type") {
        if kind != "property-extension" {
            ctx.error_at(
                "extension_type",
                Rule::Extension,
                "the TLP 2.0 extension is a property-extension",
            );
        }
    }
    for key in extension
        .keys()
        .filter(|k| !matches!(k.as_str(), "extension_type" | "tlp_2_0"))
    {
        ctx.error_at(
            key,
            Rule::Marking,
            format!("{key} is not a property of the TLP 2.0 extension"),
        );
    }
    match extension.get("tlp_2_0") {
        None => {
            ctx.error_at(
                "tlp_2_0",
                Rule::RequiredProperty,
                "required property tlp_2_0 is missing",
            );
            None
        }
        Some(Value::String(level)) => {
            let tlp = TLP_2.iter().find(|t| t.level == level);
            if tlp.is_none() {
                ctx.error_at(
                    "tlp_2_0",
                    Rule::Marking,
                    format!(
                        "{level:?} is not a TLP 2.0 level (clear, green, amber, amber+strict, red)"
                    ),
                );
            }
            tlp
        }
        Some(_) => {
            ctx.error_at("tlp_2_0", Rule::PropertyType, "tlp_2_0 must be a string");
            None
        }
    }
}

/// §3.2: a marking definition's `object_marking_refs` and `granular_markings` "MUST NOT contain
/// any references to the same Marking Definition object".
fn no_circular_marking_refs(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(id) = str_at(map, "id") else {
        return;
    };
    if let Some(refs) = map.get("object_marking_refs").and_then(Value::as_array) {
        ctx.at("object_marking_refs", |ctx| {
            for (i, r) in refs.iter().enumerate() {
                if r.as_str() == Some(id) {
                    ctx.at_index(i, |ctx| {
                        ctx.error(Rule::Marking, "a marking definition may not mark itself")
                    });
                }
            }
        });
    }
    if let Some(markings) = map.get("granular_markings").and_then(Value::as_array) {
        ctx.at("granular_markings", |ctx| {
            for (i, marking) in markings.iter().enumerate() {
                if marking.get("marking_ref").and_then(Value::as_str) == Some(id) {
                    ctx.at_index(i, |ctx| {
                        ctx.error_at(
                            "marking_ref",
                            Rule::Marking,
                            "a marking definition may not mark itself",
                        )
                    });
                }
            }
        });
    }
}

// ---- extension-definition ----

/// §7.3.2: extension property names are a-z, 0-9 and `_`, 3 to 250 characters.
fn check_extension_property_name(value: &Value, ctx: &mut Ctx<'_>) {
    match value.as_str() {
        Some(name) if is_extension_property_name(name) => {}
        Some(name) => ctx.error(
            Rule::ValueFormat,
            format!(
                "{name:?} is not a valid extension property name (a-z, 0-9, _; 3 to 250 characters)"
            ),
        ),
        None => ctx.error(Rule::PropertyType, "a property name must be a string"),
    }
}

/// §7.3.1: `extension_properties` "MUST only be used when the extension_types property
/// includes a value of toplevel-property-extension", and then SHOULD list the names.
fn extension_properties_only_for_toplevel(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let toplevel = map
        .get("extension_types")
        .and_then(Value::as_array)
        .is_some_and(|types| {
            types
                .iter()
                .any(|t| t.as_str() == Some("toplevel-property-extension"))
        });
    match (map.contains_key("extension_properties"), toplevel) {
        (true, false) => ctx.error_at(
            "extension_properties",
            Rule::PropertyCombination,
            "extension_properties may only be used when extension_types includes toplevel-property-extension",
        ),
        (false, true) => ctx.warn_at(
            "extension_properties",
            Rule::Recommendation,
            "a toplevel-property-extension should list its property names in extension_properties",
        ),
        _ => {}
    }
}

/// §7.3.1: "While the description property is optional this property SHOULD be populated."
fn extension_description(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if !map.contains_key("description") {
        ctx.warn_at(
            "description",
            Rule::Recommendation,
            "an extension definition should explain itself in description",
        );
    }
}
