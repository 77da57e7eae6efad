//! Objects kept as they came, byte for byte, with a typed view of their common properties.
//!
//! What Accord serves is what the partner sent, so a `StixObject` holds the received JSON text
//! and hands it out unchanged; the parsed map and the [`Common`] view are for reading only.
//! An object exists only once it has been validated without errors.

use std::sync::OnceLock;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::canonical::{ContentHash, map_to_canonical_bytes, parse_i_json};
use crate::id::StixId;
use crate::markings::Markings;
use crate::problem::{Problem, Rule, Severity};
use crate::spec::{self, Category};
use crate::timestamp::Timestamp;
use crate::validate::Validator;

/// The common properties of an object (STIX 2.1 §3.2), typed. Those that SCOs do not have
/// (`created`, `modified`, `revoked`, `created_by_ref`, `confidence`) are only read on other
/// objects, so a custom property of that name on an SCO does not give it a version.
#[derive(Debug, Clone)]
pub struct Common {
    type_name: String,
    id: StixId,
    spec_version: Option<String>,
    created: Option<Timestamp>,
    modified: Option<Timestamp>,
    revoked: bool,
    created_by_ref: Option<StixId>,
    object_marking_refs: Vec<StixId>,
    confidence: Option<u8>,
    category: Category,
}

impl Common {
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    pub fn id(&self) -> &StixId {
        &self.id
    }

    pub fn spec_version(&self) -> Option<&str> {
        self.spec_version.as_deref()
    }

    pub fn created(&self) -> Option<&Timestamp> {
        self.created.as_ref()
    }

    pub fn modified(&self) -> Option<&Timestamp> {
        self.modified.as_ref()
    }

    pub fn revoked(&self) -> bool {
        self.revoked
    }

    pub fn created_by_ref(&self) -> Option<&StixId> {
        self.created_by_ref.as_ref()
    }

    pub fn object_marking_refs(&self) -> &[StixId] {
        &self.object_marking_refs
    }

    pub fn confidence(&self) -> Option<u8> {
        self.confidence
    }

    /// The type's family; custom types are SDO-like unless an extension definition declares
    /// them `new-sco` or `new-sro`.
    pub fn category(&self) -> Category {
        self.category
    }
}

/// One valid STIX object: the JSON text as received, the parsed properties, and the typed
/// common properties.
#[derive(Debug, Clone)]
pub struct StixObject {
    raw: Box<RawValue>,
    properties: Map<String, Value>,
    common: Common,
    content_hash: OnceLock<ContentHash>,
}

impl StixObject {
    /// Validates one object given as raw JSON text. `Ok` carries the warnings; `Err` carries
    /// every problem (errors and warnings) when there is at least one error. The JSON must be
    /// I-JSON: a duplicate property name is an error, because readers that resolve duplicates
    /// differently would see different objects behind the same text.
    pub fn from_raw(
        raw: Box<RawValue>,
        validator: &Validator,
    ) -> Result<(StixObject, Vec<Problem>), Vec<Problem>> {
        let value = parse_i_json(raw.get().as_bytes())
            .map_err(|e| vec![object_problem(None, Rule::Json, e.to_string())])?;
        let problems = validator.validate(&value);
        if problems.iter().any(Problem::is_error) {
            return Err(problems);
        }
        let Value::Object(properties) = value else {
            // The validator reports non-objects as errors; this keeps the walk total.
            return Err(vec![object_problem(
                None,
                Rule::NotAnObject,
                "a STIX object must be a JSON object".into(),
            )]);
        };
        let common = common_view(&properties)?;
        Ok((
            StixObject {
                raw,
                properties,
                common,
                content_hash: OnceLock::new(),
            },
            problems,
        ))
    }

    /// Validates one object given as bytes. The raw text is the JSON value without the
    /// whitespace around it; inside it, nothing is changed.
    pub fn parse(
        bytes: &[u8],
        validator: &Validator,
    ) -> Result<(StixObject, Vec<Problem>), Vec<Problem>> {
        let raw: Box<RawValue> = serde_json::from_slice(bytes)
            .map_err(|e| vec![object_problem(None, Rule::Json, e.to_string())])?;
        StixObject::from_raw(raw, validator)
    }

    /// The JSON text exactly as received.
    pub fn raw_json(&self) -> &str {
        self.raw.get()
    }

    pub fn raw(&self) -> &RawValue {
        &self.raw
    }

    pub fn into_raw(self) -> Box<RawValue> {
        self.raw
    }

    /// The parsed properties, in document order.
    pub fn properties(&self) -> &Map<String, Value> {
        &self.properties
    }

    pub fn get(&self, property: &str) -> Option<&Value> {
        self.properties.get(property)
    }

    pub fn common(&self) -> &Common {
        &self.common
    }

    pub fn id(&self) -> &StixId {
        &self.common.id
    }

    pub fn type_name(&self) -> &str {
        &self.common.type_name
    }

    pub fn category(&self) -> Category {
        self.common.category
    }

    /// The version of the object as TAXII 2.1 defines it: `modified`, else `created`, else
    /// none (SCOs have neither).
    pub fn version(&self) -> Option<&Timestamp> {
        self.common
            .modified
            .as_ref()
            .or(self.common.created.as_ref())
    }

    /// The markings of the object, for the release engine.
    pub fn markings(&self) -> Markings {
        Markings::of(&self.properties)
    }

    /// The RFC 8785 canonical bytes of the object.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        map_to_canonical_bytes(&self.properties)
    }

    /// The SHA-256 of the canonical form, computed once.
    pub fn content_hash(&self) -> ContentHash {
        *self
            .content_hash
            .get_or_init(|| ContentHash::of_canonical_bytes(&self.canonical_bytes()))
    }
}

/// Serializes as the received text, so that a response carrying objects sends them exactly as
/// they came.
impl Serialize for StixObject {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(serializer)
    }
}

fn object_problem(object_id: Option<&str>, rule: Rule, message: String) -> Problem {
    Problem {
        severity: Severity::Error,
        object_id: object_id.map(str::to_owned),
        path: String::new(),
        rule,
        message,
    }
}

/// The typed common properties of an object the validator accepted. The validator has
/// checked every value read here, so the errors below are a second line, not the first.
fn common_view(map: &Map<String, Value>) -> Result<Common, Vec<Problem>> {
    let raw_id = map.get("id").and_then(Value::as_str);
    let mut problems = Vec::new();
    let mut fail = |path: &str, rule: Rule, message: String| {
        problems.push(Problem {
            severity: Severity::Error,
            object_id: raw_id.map(str::to_owned),
            path: format!("/{path}"),
            rule,
            message,
        });
    };

    let type_name = map.get("type").and_then(Value::as_str);
    if type_name.is_none() {
        fail(
            "type",
            Rule::RequiredProperty,
            "type must be a string".into(),
        );
    }
    let id = match raw_id.map(StixId::parse) {
        Some(Ok(id)) => Some(id),
        Some(Err(e)) => {
            fail("id", Rule::IdentifierFormat, e.to_string());
            None
        }
        None => {
            fail("id", Rule::RequiredProperty, "id must be a string".into());
            None
        }
    };
    let category = type_name.map_or(Category::Sdo, |t| category_of(t, map));
    let versioned = category != Category::Sco;

    let mut timestamp = |key: &str| -> Option<Timestamp> {
        let text = map.get(key).filter(|_| versioned)?;
        match text.as_str().map(Timestamp::parse) {
            Some(Ok(t)) => Some(t),
            Some(Err(e)) => {
                fail(key, Rule::TimestampFormat, e.to_string());
                None
            }
            None => {
                fail(key, Rule::PropertyType, format!("{key} must be a string"));
                None
            }
        }
    };
    let created = timestamp("created");
    let modified = timestamp("modified");

    let created_by_ref = match map.get("created_by_ref").filter(|_| versioned) {
        None => None,
        Some(v) => match v.as_str().map(StixId::parse) {
            Some(Ok(id)) => Some(id),
            _ => {
                fail(
                    "created_by_ref",
                    Rule::IdentifierFormat,
                    "created_by_ref must be an identifier".into(),
                );
                None
            }
        },
    };
    let mut object_marking_refs = Vec::new();
    if let Some(refs) = map.get("object_marking_refs") {
        match refs.as_array() {
            Some(refs) => {
                for (i, r) in refs.iter().enumerate() {
                    match r.as_str().map(StixId::parse) {
                        Some(Ok(id)) => object_marking_refs.push(id),
                        _ => fail(
                            &format!("object_marking_refs/{i}"),
                            Rule::IdentifierFormat,
                            "a marking ref must be an identifier".into(),
                        ),
                    }
                }
            }
            None => fail(
                "object_marking_refs",
                Rule::PropertyType,
                "object_marking_refs must be a list".into(),
            ),
        }
    }
    let confidence = match map.get("confidence").filter(|_| versioned) {
        None => None,
        Some(v) => match v.as_u64().and_then(|c| u8::try_from(c).ok()) {
            Some(c) if c <= 100 => Some(c),
            _ => {
                fail(
                    "confidence",
                    Rule::Range,
                    "confidence must be an integer from 0 to 100".into(),
                );
                None
            }
        },
    };
    let revoked = versioned && map.get("revoked").and_then(Value::as_bool).unwrap_or(false);
    let spec_version = map
        .get("spec_version")
        .and_then(Value::as_str)
        .map(str::to_owned);

    match (type_name, id) {
        (Some(type_name), Some(id)) if problems.is_empty() => Ok(Common {
            type_name: type_name.to_owned(),
            id,
            spec_version,
            created,
            modified,
            revoked,
            created_by_ref,
            object_marking_refs,
            confidence,
            category,
        }),
        _ => Err(problems),
    }
}

/// The category of a type: from the specification, or for a custom type, from the
/// extension definition that declares it (`new-sco`, `new-sro`), SDO-like otherwise.
fn category_of(type_name: &str, map: &Map<String, Value>) -> Category {
    if let Some(spec) = spec::lookup(type_name) {
        return spec.category;
    }
    let declares = |kind: &str| {
        map.get("extensions")
            .and_then(Value::as_object)
            .is_some_and(|exts| {
                exts.values()
                    .any(|e| e.get("extension_type").and_then(Value::as_str) == Some(kind))
            })
    };
    if declares("new-sco") {
        Category::Sco
    } else if declares("new-sro") {
        Category::Sro
    } else {
        Category::Sdo
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Severity;

    const INDICATOR: &str = r#"{
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:48.100Z",
        "modified": "2016-04-06T20:03:48.123456789Z",
        "confidence": 85,
        "revoked": true,
        "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],
        "name": "caf\u00e9 \ud83d\ude00",
        "description": "tab\there",
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2016-01-01T00:00:00Z",
        "x_score": 1.50
    }"#;

    fn parse(text: &str) -> Result<(StixObject, Vec<Problem>), Vec<Problem>> {
        StixObject::parse(text.as_bytes(), &Validator::default())
    }

    #[test]
    fn raw_json_is_the_received_text() {
        let (object, _) = parse(INDICATOR).unwrap();
        assert_eq!(object.raw_json(), INDICATOR);
        let (padded, _) = parse(&format!("\n  {INDICATOR}  \n")).unwrap();
        assert_eq!(padded.raw_json(), INDICATOR);
        assert_eq!(object.into_raw().get(), INDICATOR);
    }

    #[test]
    fn common_view_reads_common_properties() {
        let (object, _) = parse(INDICATOR).unwrap();
        let common = object.common();
        assert_eq!(common.type_name(), "indicator");
        assert_eq!(
            common.id().as_str(),
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
        assert_eq!(common.spec_version(), Some("2.1"));
        assert_eq!(
            common.created().map(Timestamp::as_str),
            Some("2016-04-06T20:03:48.100Z")
        );
        assert_eq!(
            common.modified().map(Timestamp::as_str),
            Some("2016-04-06T20:03:48.123456789Z")
        );
        assert!(common.revoked());
        assert_eq!(
            common.created_by_ref().map(StixId::as_str),
            Some("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff")
        );
        assert_eq!(common.object_marking_refs().len(), 1);
        assert_eq!(common.confidence(), Some(85));
        assert_eq!(common.category(), Category::Sdo);
        assert_eq!(object.type_name(), "indicator");
        assert_eq!(object.get("x_score"), Some(&serde_json::json!(1.5)));
    }

    #[test]
    fn version_is_modified_when_present() {
        let (object, _) = parse(INDICATOR).unwrap();
        assert_eq!(
            object.version().map(Timestamp::as_str),
            Some("2016-04-06T20:03:48.123456789Z")
        );
    }

    #[test]
    fn version_is_created_without_modified() {
        // Marking definitions have `created` and no `modified`.
        let (object, _) = parse(crate::markings::TLP_V2_AMBER_JSON).unwrap();
        assert_eq!(object.category(), Category::Meta);
        assert_eq!(object.common().modified(), None);
        assert_eq!(
            object.version().map(Timestamp::as_str),
            Some("2022-10-01T00:00:00.000Z")
        );
    }

    #[test]
    fn serializing_writes_the_received_text() {
        let (object, _) = parse(INDICATOR).unwrap();
        let envelope = serde_json::json!({"objects": [&object]});
        let text = serde_json::to_string(&vec![&object]).unwrap();
        assert_eq!(text, format!("[{INDICATOR}]"));
        assert!(envelope["objects"][0].is_object());
    }

    #[test]
    fn version_is_none_for_scos() {
        let text = r#"{"type":"email-addr","spec_version":"2.1","id":"email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934","value":"john@example.com"}"#;
        let (object, _) = parse(text).unwrap();
        assert_eq!(object.category(), Category::Sco);
        assert_eq!(object.version(), None);
        assert_eq!(object.common().created(), None);
    }

    #[test]
    fn custom_types_are_sdo_like_unless_declared() {
        let custom = r#"{"type":"x-acme-widget","spec_version":"2.1","id":"x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z"}"#;
        let (object, _) = parse(custom).unwrap();
        assert_eq!(object.category(), Category::Sdo);
        let declared: Map<String, Value> = serde_json::from_str(
            r#"{"type":"x-acme-thing","extensions":{"extension-definition--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f":{"extension_type":"new-sco"}}}"#,
        )
        .unwrap();
        assert_eq!(category_of("x-acme-thing", &declared), Category::Sco);
    }

    #[test]
    fn invalid_object_is_refused_with_every_problem() {
        let text = r#"{"type":"indicator","spec_version":"2.0","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2015-04-06T20:03:48.000Z"}"#;
        let problems = parse(text).unwrap_err();
        assert!(problems.iter().any(|p| p.rule == Rule::SpecVersion));
        assert!(
            problems
                .iter()
                .any(|p| p.rule == Rule::ModifiedBeforeCreated)
        );
    }

    #[test]
    fn warnings_do_not_refuse_an_object() {
        let strict_free = r#"{"type":"email-addr","id":"email-addr--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","value":"john@example.com"}"#;
        let (object, warnings) = parse(strict_free).unwrap();
        assert!(warnings.iter().all(|p| p.severity == Severity::Warning));
        assert_eq!(object.raw_json(), strict_free);
    }

    #[test]
    fn duplicate_property_names_are_refused() {
        let text = r#"{"type":"x-acme-widget","spec_version":"2.1","id":"x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","x_a":1,"x_a":2}"#;
        let problems = parse(text).unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].rule, Rule::Json);
        assert!(problems[0].message.contains("duplicate property name"));
    }

    #[test]
    fn malformed_json_is_refused() {
        assert_eq!(parse("{\"type\":").unwrap_err()[0].rule, Rule::Json);
        assert_eq!(parse("{} {}").unwrap_err()[0].rule, Rule::Json);
        assert_eq!(parse("[1]").unwrap_err()[0].rule, Rule::NotAnObject);
    }

    #[test]
    fn content_hash_is_that_of_the_canonical_form() {
        let (object, _) = parse(INDICATOR).unwrap();
        let value: Value = serde_json::from_str(INDICATOR).unwrap();
        assert_eq!(
            object.content_hash(),
            crate::canonical::content_hash(&value)
        );
        assert_eq!(object.content_hash(), object.content_hash());
        assert_eq!(
            object.canonical_bytes(),
            crate::canonical::to_canonical_bytes(&value)
        );
    }

    #[test]
    fn markings_come_from_the_object() {
        let (object, _) = parse(INDICATOR).unwrap();
        assert_eq!(object.markings().tlp(), Some(crate::markings::Tlp::V1Green));
    }
}
