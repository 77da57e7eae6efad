//! Markings (STIX 2.1 §7.2) as the release engine needs them: the marking references of an
//! object, object-level and granular (with their selectors), and the TLP level they carry.
//!
//! TLP markings are recognised by the fixed identifiers of their marking definitions: TLP 1.0
//! from STIX 2.1 §7.2.1.4, TLP 2.0 from the FIRST/OASIS extension definition
//! `extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d`. Extraction is lenient (values
//! of the wrong shape are skipped); whether markings are well formed is the validator's job.

use serde_json::{Map, Value};

/// The extension definition that carries TLP 2.0 levels on marking definitions.
pub const TLP_2_0_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The TLP version a marking belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlpVersion {
    /// TLP 1.0, as STIX 2.1 §7.2.1.4 defines its marking definitions.
    V1,
    /// TLP 2.0 (FIRST, 2022), through the TLP 2.0 extension definition.
    V2,
}

/// How restrictive a TLP marking is, across versions: TLP 1.0 WHITE is TLP 2.0 CLEAR.
/// The order is the order of restriction: `Clear < Green < Amber < AmberStrict < Red`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TlpLevel {
    Clear,
    Green,
    Amber,
    /// TLP 2.0 only.
    AmberStrict,
    Red,
}

/// One of the nine standard TLP marking definitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tlp {
    V1White,
    V1Green,
    V1Amber,
    V1Red,
    V2Clear,
    V2Green,
    V2Amber,
    V2AmberStrict,
    V2Red,
}

macro_rules! tlp1_json {
    ($id:literal, $name:literal, $level:literal) => {
        concat!(
            r#"{"created":"2017-01-20T00:00:00.000Z","definition":{"tlp":""#,
            $level,
            r#""},"definition_type":"tlp","id":""#,
            $id,
            r#"","name":""#,
            $name,
            r#"","spec_version":"2.1","type":"marking-definition"}"#
        )
    };
}

macro_rules! tlp2_json {
    ($id:literal, $name:literal, $level:literal) => {
        concat!(
            r#"{"created":"2022-10-01T00:00:00.000Z","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":""#,
            $level,
            r#""}},"id":""#,
            $id,
            r#"","name":""#,
            $name,
            r#"","spec_version":"2.1","type":"marking-definition"}"#
        )
    };
}

/// TLP 1.0 WHITE (STIX 2.1 §7.2.1.4), in RFC 8785 canonical form.
pub const TLP_V1_WHITE_JSON: &str = tlp1_json!(
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "TLP:WHITE",
    "white"
);
/// TLP 1.0 GREEN (STIX 2.1 §7.2.1.4), in RFC 8785 canonical form.
pub const TLP_V1_GREEN_JSON: &str = tlp1_json!(
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "TLP:GREEN",
    "green"
);
/// TLP 1.0 AMBER (STIX 2.1 §7.2.1.4), in RFC 8785 canonical form.
pub const TLP_V1_AMBER_JSON: &str = tlp1_json!(
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "TLP:AMBER",
    "amber"
);
/// TLP 1.0 RED (STIX 2.1 §7.2.1.4), in RFC 8785 canonical form.
pub const TLP_V1_RED_JSON: &str = tlp1_json!(
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
    "TLP:RED",
    "red"
);
/// TLP 2.0 CLEAR (TLP 2.0 extension definition), in RFC 8785 canonical form.
pub const TLP_V2_CLEAR_JSON: &str = tlp2_json!(
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "TLP:CLEAR",
    "clear"
);
/// TLP 2.0 GREEN (TLP 2.0 extension definition), in RFC 8785 canonical form.
pub const TLP_V2_GREEN_JSON: &str = tlp2_json!(
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "TLP:GREEN",
    "green"
);
/// TLP 2.0 AMBER (TLP 2.0 extension definition), in RFC 8785 canonical form.
pub const TLP_V2_AMBER_JSON: &str = tlp2_json!(
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "TLP:AMBER",
    "amber"
);
/// TLP 2.0 AMBER+STRICT (TLP 2.0 extension definition), in RFC 8785 canonical form.
pub const TLP_V2_AMBER_STRICT_JSON: &str = tlp2_json!(
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "TLP:AMBER+STRICT",
    "amber+strict"
);
/// TLP 2.0 RED (TLP 2.0 extension definition), in RFC 8785 canonical form.
pub const TLP_V2_RED_JSON: &str = tlp2_json!(
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    "TLP:RED",
    "red"
);

/// The nine standard TLP marking definitions with their levels, as a hub publishes them.
pub const TLP_MARKING_DEFINITIONS: &[(Tlp, &str)] = &[
    (Tlp::V1White, TLP_V1_WHITE_JSON),
    (Tlp::V1Green, TLP_V1_GREEN_JSON),
    (Tlp::V1Amber, TLP_V1_AMBER_JSON),
    (Tlp::V1Red, TLP_V1_RED_JSON),
    (Tlp::V2Clear, TLP_V2_CLEAR_JSON),
    (Tlp::V2Green, TLP_V2_GREEN_JSON),
    (Tlp::V2Amber, TLP_V2_AMBER_JSON),
    (Tlp::V2AmberStrict, TLP_V2_AMBER_STRICT_JSON),
    (Tlp::V2Red, TLP_V2_RED_JSON),
];

impl Tlp {
    pub const ALL: [Tlp; 9] = [
        Tlp::V1White,
        Tlp::V1Green,
        Tlp::V1Amber,
        Tlp::V1Red,
        Tlp::V2Clear,
        Tlp::V2Green,
        Tlp::V2Amber,
        Tlp::V2AmberStrict,
        Tlp::V2Red,
    ];

    pub fn version(self) -> TlpVersion {
        match self {
            Tlp::V1White | Tlp::V1Green | Tlp::V1Amber | Tlp::V1Red => TlpVersion::V1,
            Tlp::V2Clear | Tlp::V2Green | Tlp::V2Amber | Tlp::V2AmberStrict | Tlp::V2Red => {
                TlpVersion::V2
            }
        }
    }

    pub fn level(self) -> TlpLevel {
        match self {
            Tlp::V1White | Tlp::V2Clear => TlpLevel::Clear,
            Tlp::V1Green | Tlp::V2Green => TlpLevel::Green,
            Tlp::V1Amber | Tlp::V2Amber => TlpLevel::Amber,
            Tlp::V2AmberStrict => TlpLevel::AmberStrict,
            Tlp::V1Red | Tlp::V2Red => TlpLevel::Red,
        }
    }

    /// The fixed identifier of the marking definition.
    pub fn id(self) -> &'static str {
        match self {
            Tlp::V1White => "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
            Tlp::V1Green => "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            Tlp::V1Amber => "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            Tlp::V1Red => "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
            Tlp::V2Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
            Tlp::V2Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
            Tlp::V2Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
            Tlp::V2AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            Tlp::V2Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        }
    }

    /// The `name` of the marking definition, e.g. `TLP:AMBER+STRICT`.
    pub fn name(self) -> &'static str {
        match self {
            Tlp::V1White => "TLP:WHITE",
            Tlp::V2Clear => "TLP:CLEAR",
            Tlp::V1Green | Tlp::V2Green => "TLP:GREEN",
            Tlp::V1Amber | Tlp::V2Amber => "TLP:AMBER",
            Tlp::V2AmberStrict => "TLP:AMBER+STRICT",
            Tlp::V1Red | Tlp::V2Red => "TLP:RED",
        }
    }

    /// The level word inside the definition (`definition.tlp` or `tlp_2_0`).
    fn word(self) -> &'static str {
        match self {
            Tlp::V1White => "white",
            Tlp::V2Clear => "clear",
            Tlp::V1Green | Tlp::V2Green => "green",
            Tlp::V1Amber | Tlp::V2Amber => "amber",
            Tlp::V2AmberStrict => "amber+strict",
            Tlp::V1Red | Tlp::V2Red => "red",
        }
    }

    /// The marking definition object, in RFC 8785 canonical form.
    pub fn marking_definition_json(self) -> &'static str {
        match self {
            Tlp::V1White => TLP_V1_WHITE_JSON,
            Tlp::V1Green => TLP_V1_GREEN_JSON,
            Tlp::V1Amber => TLP_V1_AMBER_JSON,
            Tlp::V1Red => TLP_V1_RED_JSON,
            Tlp::V2Clear => TLP_V2_CLEAR_JSON,
            Tlp::V2Green => TLP_V2_GREEN_JSON,
            Tlp::V2Amber => TLP_V2_AMBER_JSON,
            Tlp::V2AmberStrict => TLP_V2_AMBER_STRICT_JSON,
            Tlp::V2Red => TLP_V2_RED_JSON,
        }
    }

    /// The TLP marking with this marking-definition identifier (exact match).
    pub fn from_id(id: &str) -> Option<Tlp> {
        Tlp::ALL.into_iter().find(|t| t.id() == id)
    }

    /// Recognises a TLP marking definition by its content: `definition_type` `tlp` with
    /// `definition.tlp` (TLP 1.0), or the TLP 2.0 extension with its `tlp_2_0` property.
    /// `None` for other marking definitions, for other objects, and when an object claims both
    /// forms. The identifier is not looked at: STIX requires the fixed ones, and a TLP
    /// definition under another id is for the validator to refuse, not for this to hide.
    pub fn from_marking_definition(map: &Map<String, Value>) -> Option<Tlp> {
        if map.get("type").and_then(Value::as_str) != Some("marking-definition") {
            return None;
        }
        let v1_word = (map.get("definition_type").and_then(Value::as_str) == Some("tlp"))
            .then(|| map.get("definition")?.get("tlp")?.as_str())
            .flatten();
        let v2_word = map
            .get("extensions")
            .and_then(|e| e.get(TLP_2_0_EXTENSION_ID))
            .and_then(|e| e.get("tlp_2_0"))
            .and_then(Value::as_str);
        let find = |version: TlpVersion, word: &str| {
            Tlp::ALL
                .into_iter()
                .find(|t| t.version() == version && t.word() == word)
        };
        match (v1_word, v2_word) {
            (Some(word), None) => find(TlpVersion::V1, word),
            (None, Some(word)) => find(TlpVersion::V2, word),
            _ => None,
        }
    }
}

/// One granular marking (STIX 2.1 §7.2.3): a marking definition or a language applied to the
/// properties its selectors name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GranularMarking {
    pub marking_ref: Option<String>,
    pub lang: Option<String>,
    pub selectors: Vec<String>,
}

/// The markings of one object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markings {
    /// `object_marking_refs`: marking definitions that apply to the whole object.
    pub object_marking_refs: Vec<String>,
    /// `granular_markings`, in document order.
    pub granular: Vec<GranularMarking>,
}

impl Markings {
    /// Extracts the markings of an object. Entries of the wrong shape are skipped.
    pub fn of(object: &Map<String, Value>) -> Markings {
        let object_marking_refs = strings(object.get("object_marking_refs"))
            .map(str::to_owned)
            .collect();
        let granular = object
            .get("granular_markings")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter_map(Value::as_object)
            .map(|g| GranularMarking {
                marking_ref: g
                    .get("marking_ref")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
                lang: g.get("lang").and_then(Value::as_str).map(str::to_owned),
                selectors: strings(g.get("selectors")).map(str::to_owned).collect(),
            })
            .collect();
        Markings {
            object_marking_refs,
            granular,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.object_marking_refs.is_empty() && self.granular.is_empty()
    }

    /// The most restrictive TLP marking among the object-level refs, by their fixed
    /// identifiers. Of a TLP 1.0 and a TLP 2.0 marking of the same level, the TLP 2.0 one.
    pub fn tlp(&self) -> Option<Tlp> {
        self.object_marking_refs
            .iter()
            .filter_map(|r| Tlp::from_id(r))
            .max_by_key(|t| (t.level(), t.version()))
    }

    /// Every marking-definition ref of the object, object-level then granular, without
    /// repeats.
    pub fn all_refs(&self) -> Vec<&str> {
        let granular = self
            .granular
            .iter()
            .filter_map(|g| g.marking_ref.as_deref());
        dedup(
            self.object_marking_refs
                .iter()
                .map(String::as_str)
                .chain(granular),
        )
    }

    /// The granular marking refs that apply to a property, given as a selector path
    /// (`external_references.[0].url`): those whose selectors name the property itself or one
    /// of its ancestors (a selector marks the whole subtree under it). Object-level refs are
    /// not included; see [`Markings::effective_refs_for`].
    pub fn markings_for(&self, selector_path: &str) -> Vec<&str> {
        dedup(
            self.granular
                .iter()
                .filter(|g| {
                    g.selectors
                        .iter()
                        .any(|s| selector_covers(s, selector_path))
                })
                .filter_map(|g| g.marking_ref.as_deref()),
        )
    }

    /// All marking refs that apply to a property: the object-level refs, then the granular
    /// ones from [`Markings::markings_for`].
    pub fn effective_refs_for(&self, selector_path: &str) -> Vec<&str> {
        let object_level = self.object_marking_refs.iter().map(String::as_str);
        dedup(object_level.chain(self.markings_for(selector_path)))
    }
}

/// Whether `selector` names `path` or an ancestor of it: equal, or a prefix ending at a
/// segment boundary (`description` covers `description` but not `description_x`).
fn selector_covers(selector: &str, path: &str) -> bool {
    path.strip_prefix(selector)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

fn strings(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(Value::as_str)
}

fn dedup<'a>(refs: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for r in refs {
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}
