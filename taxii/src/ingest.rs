//! Reading an Add Objects body (TAXII 2.1 §5.5): the envelope, then each object on its own.
//!
//! The envelope must be `{"objects": [...]}` (the paging properties `more` and `next` are
//! tolerated and ignored); anything else is a 400 for the whole request. Inside it, each
//! object is parsed as I-JSON and validated independently: a bad object is refused alone, with
//! a message naming its id, the JSON path and the rule at fault, and the others go on to the
//! store. Objects are borrowed from the body while parsing, so an envelope costs one copy of
//! each valid object (the one the store keeps).

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;
use stix_model::object::StixObject;
use stix_model::timestamp::Instant;
use stix_model::{Problem, Validator};

use crate::error::TaxiiError;
use crate::store::{NewObject, RefusedObject};

/// How many problems one refusal message lists before it only counts the rest.
const MAX_PROBLEMS_LISTED: usize = 10;

/// The objects of an envelope, sorted into those to store and those refused.
#[derive(Debug, Default)]
pub struct Ingested {
    pub objects: Vec<NewObject>,
    pub refused: Vec<RefusedObject>,
}

impl Ingested {
    pub fn total(&self) -> usize {
        self.objects.len() + self.refused.len()
    }
}

/// Reads an envelope body and validates each object. Errors are about the envelope as a whole
/// (not JSON, not an envelope, empty, more than `max_objects` objects); object problems are
/// in [`Ingested::refused`].
pub fn read_envelope(
    body: &[u8],
    validator: &Validator,
    max_objects: usize,
) -> Result<Ingested, TaxiiError> {
    read_envelope_with(
        body,
        validator,
        &Limits {
            max_objects,
            max_string_length: DEFAULT_MAX_STRING_LENGTH,
        },
    )
}

/// The largest string value an object may hold by default: room for an artifact's embedded
/// sample (`payload_bin`), not for a body that is one huge string.
pub const DEFAULT_MAX_STRING_LENGTH: usize = 8 * 1024 * 1024;

/// Limits on an envelope beyond its size in bytes.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most objects one envelope may carry.
    pub max_objects: usize,
    /// The longest string value (in bytes, once decoded) an object may hold.
    pub max_string_length: usize,
}

/// As [`read_envelope`], with every limit given.
pub fn read_envelope_with(
    body: &[u8],
    validator: &Validator,
    limits: &Limits,
) -> Result<Ingested, TaxiiError> {
    let raws = parse_envelope(body, limits.max_objects)?;
    let mut ingested = Ingested {
        objects: Vec::with_capacity(raws.len()),
        refused: Vec::new(),
    };
    // (id, version) → content hash of the first object of the envelope with that key.
    let mut seen: HashMap<(String, Instant), [u8; 32]> = HashMap::new();
    for raw in raws {
        match StixObject::from_raw(raw.to_owned(), validator) {
            Ok((object, _warnings)) => {
                // An object shorter than the limit cannot hold a longer string: the walk is
                // skipped on every ordinary object.
                if raw.get().len() > limits.max_string_length {
                    if let Some(path) =
                        long_string_path(object.properties(), limits.max_string_length)
                    {
                        let (id, version) = identity_of(raw);
                        ingested.refused.push(RefusedObject {
                            message: format!(
                                "{}: {path}: a string value is longer than the limit of {} bytes",
                                id.as_deref().unwrap_or("(no id)"),
                                limits.max_string_length
                            ),
                            id,
                            version,
                        });
                        continue;
                    }
                }
                let new = new_object(object);
                if let Some((_, instant)) = &new.version {
                    let key = (new.id.clone(), *instant);
                    match seen.get(&key) {
                        Some(hash) if *hash != new.content_hash => {
                            ingested.refused.push(RefusedObject {
                                id: Some(new.id),
                                version: new.version.map(|(text, _)| text),
                                message: "another object with the same id and version, but \
                                          different content, comes earlier in this envelope; a \
                                          changed object needs a new modified timestamp"
                                    .to_owned(),
                            });
                            continue;
                        }
                        Some(_) => {}
                        None => {
                            seen.insert(key, new.content_hash);
                        }
                    }
                }
                ingested.objects.push(new);
            }
            Err(problems) => ingested.refused.push(refusal(raw, &problems)),
        }
    }
    Ok(ingested)
}

/// The JSON Pointer of the first string longer than `limit` bytes, if any.
fn long_string_path(map: &serde_json::Map<String, Value>, limit: usize) -> Option<String> {
    fn walk(value: &Value, limit: usize, path: &mut String) -> bool {
        match value {
            Value::String(s) => s.len() > limit,
            Value::Array(items) => items.iter().enumerate().any(|(i, item)| {
                let len = path.len();
                path.push_str(&format!("/{i}"));
                let found = walk(item, limit, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            Value::Object(map) => map.iter().any(|(key, item)| {
                let len = path.len();
                path.push('/');
                path.push_str(&key.replace('~', "~0").replace('/', "~1"));
                let found = key.len() > limit || walk(item, limit, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    map.iter()
        .any(|(key, value)| {
            path = format!("/{}", key.replace('~', "~0").replace('/', "~1"));
            key.len() > limit || walk(value, limit, &mut path)
        })
        .then_some(path)
}

/// A valid object as the store takes it.
fn new_object(object: StixObject) -> NewObject {
    let content_hash = *object.content_hash().as_bytes();
    let id = object.id().as_str().to_owned();
    let type_name = object.type_name().to_owned();
    let version = object
        .version()
        .map(|t| (t.as_str().to_owned(), t.instant()));
    // SCOs may leave spec_version out; everything this server accepts is STIX 2.1.
    let spec_version = object.common().spec_version().unwrap_or("2.1").to_owned();
    NewObject {
        id,
        type_name,
        version,
        spec_version,
        raw: object.into_raw(),
        content_hash,
    }
}

/// The refusal of an invalid object: its id and version when it has readable ones, and every
/// error (warnings are not reasons to refuse) in the form `accord validate` prints.
pub fn refusal(raw: &RawValue, problems: &[Problem]) -> RefusedObject {
    let (id, version) = identity_of(raw);
    let errors: Vec<&Problem> = problems.iter().filter(|p| p.is_error()).collect();
    let mut message = errors
        .iter()
        .take(MAX_PROBLEMS_LISTED)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    if errors.len() > MAX_PROBLEMS_LISTED {
        message.push_str(&format!(
            "; and {} more errors",
            errors.len() - MAX_PROBLEMS_LISTED
        ));
    }
    if message.is_empty() {
        message = "the object is not valid STIX 2.1".to_owned();
    }
    RefusedObject {
        id,
        version,
        message,
    }
}

/// The `id` and version (`modified`, else `created`) of an object, as far as they are strings.
fn identity_of(raw: &RawValue) -> (Option<String>, Option<String>) {
    #[derive(serde::Deserialize)]
    struct Identity {
        id: Option<Value>,
        modified: Option<Value>,
        created: Option<Value>,
    }
    let Ok(identity) = serde_json::from_str::<Identity>(raw.get()) else {
        return (None, None);
    };
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => Some(s),
        _ => None,
    };
    let version = text(identity.modified).or_else(|| text(identity.created));
    (text(identity.id), version)
}

/// What went wrong with an envelope, beyond what serde reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    TooMany,
}

/// Parses the envelope, borrowing each object's text from the body.
fn parse_envelope(body: &[u8], max_objects: usize) -> Result<Vec<&RawValue>, TaxiiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(TaxiiError::bad_request(
            "Empty request body",
            "an Add Objects request carries an envelope: {\"objects\": [...]}",
        ));
    }
    let fault = Cell::new(None);
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let result = EnvelopeSeed {
        max_objects,
        fault: &fault,
    }
    .deserialize(&mut deserializer)
    .and_then(|objects| deserializer.end().map(|()| objects));
    match (result, fault.get()) {
        (_, Some(Fault::TooMany)) => Err(TaxiiError::bad_request(
            "Too many objects",
            format!(
                "an envelope may carry at most {max_objects} objects; split the objects over \
                 several requests"
            ),
        )),
        (Ok(objects), None) if objects.is_empty() => Err(TaxiiError::bad_request(
            "Empty envelope",
            "the envelope's objects list is empty; TAXII lists must have at least one value",
        )),
        (Ok(objects), None) => Ok(objects),
        (Err(e), None) => Err(TaxiiError::bad_request(
            "Malformed envelope",
            format!("the body must be a TAXII envelope {{\"objects\": [...]}} in UTF-8 JSON: {e}"),
        )),
    }
}

struct EnvelopeSeed<'f> {
    max_objects: usize,
    fault: &'f Cell<Option<Fault>>,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = Vec<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an envelope object {\"objects\": [...]}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut objects = None;
        let mut seen_more = false;
        let mut seen_next = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            let duplicate = || de::Error::custom(format_args!("duplicate property {key:?}"));
            match key.as_ref() {
                "objects" => {
                    if objects.is_some() {
                        return Err(duplicate());
                    }
                    objects = Some(map.next_value_seed(ObjectsSeed {
                        max_objects: self.max_objects,
                        fault: self.fault,
                    })?);
                }
                "more" | "next" => {
                    let seen = if key == "more" {
                        &mut seen_more
                    } else {
                        &mut seen_next
                    };
                    if *seen {
                        return Err(duplicate());
                    }
                    *seen = true;
                    map.next_value::<IgnoredAny>()?;
                }
                other => {
                    return Err(de::Error::custom(format_args!(
                        "an envelope has no property {other:?} (a STIX bundle is not a TAXII \
                         2.1 envelope: send {{\"objects\": [...]}})"
                    )));
                }
            }
        }
        objects.ok_or_else(|| de::Error::missing_field("objects"))
    }
}

struct ObjectsSeed<'f> {
    max_objects: usize,
    fault: &'f Cell<Option<Fault>>,
}

impl<'de> DeserializeSeed<'de> for ObjectsSeed<'_> {
    type Value = Vec<&'de RawValue>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ObjectsSeed<'_> {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut objects = Vec::new();
        while let Some(raw) = seq.next_element::<&'de RawValue>()? {
            if objects.len() == self.max_objects {
                // Stop reading: the rest of a list this long is not worth parsing.
                self.fault.set(Some(Fault::TooMany));
                return Err(de::Error::custom("too many objects"));
            }
            objects.push(raw);
        }
        Ok(objects)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INDICATOR: &str = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2016-01-01T00:00:00Z"}"#;
    const IPV4: &str = r#"{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.3"}"#;

    fn read(body: &str) -> Result<Ingested, TaxiiError> {
        read_envelope(body.as_bytes(), &Validator::default(), 100)
    }

    fn bad_request(result: Result<Ingested, TaxiiError>) -> (String, String) {
        match result {
            Err(TaxiiError::BadRequest { title, description }) => (title, description),
            other => panic!("expected BadRequest, got {other:?}"),
        }
    }

    #[test]
    fn string_longer_than_the_limit_fails_alone() {
        let description = "x".repeat(100);
        let long = INDICATOR.replace(
            "\"pattern_type\"",
            &format!("\"description\":\"{description}\",\"pattern_type\""),
        );
        let body = format!("{{\"objects\":[{long}, {IPV4}]}}");
        let read_with = |max_string_length| {
            let limits = Limits {
                max_objects: 10,
                max_string_length,
            };
            read_envelope_with(body.as_bytes(), &Validator::default(), &limits).unwrap()
        };
        assert_eq!(read_with(100).objects.len(), 2);
        let ingested = read_with(99);
        assert_eq!(ingested.objects.len(), 1, "{ingested:?}");
        let message = &ingested.refused[0].message;
        assert!(message.contains("/description:"), "{message}");
        assert!(message.contains("limit of 99 bytes"), "{message}");
    }

    #[test]
    fn valid_objects_become_new_objects() {
        let ingested = read(&format!("{{\"objects\":[{INDICATOR}, {IPV4}]}}")).unwrap();
        assert!(ingested.refused.is_empty());
        let [indicator, ipv4] = ingested.objects.as_slice() else {
            panic!("two objects expected");
        };
        assert_eq!(
            indicator.id,
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        );
        assert_eq!(indicator.type_name, "indicator");
        assert_eq!(
            indicator.version.as_ref().map(|(t, _)| t.as_str()),
            Some("2016-04-06T20:03:48.000Z")
        );
        assert_eq!(indicator.spec_version, "2.1");
        assert_eq!(indicator.raw.get(), INDICATOR);
        let expected_hash =
            stix_model::canonical::content_hash_of_bytes(INDICATOR.as_bytes()).unwrap();
        assert_eq!(&indicator.content_hash, expected_hash.as_bytes());
        // SCOs have no version of their own: the store uses the date added.
        assert_eq!(ipv4.version, None);
    }

    #[test]
    fn objects_are_kept_byte_for_byte() {
        let spaced = INDICATOR.replace(",\"", ",  \"");
        let ingested = read(&format!("{{\"objects\":[\n  {spaced}\n]}}")).unwrap();
        assert_eq!(ingested.objects[0].raw.get(), spaced);
    }

    #[test]
    fn a_bad_object_fails_alone_naming_id_path_and_rule() {
        let bad = INDICATOR.replace("\"pattern_type\":\"stix\"", "\"pattern_type\":7");
        let ingested = read(&format!("{{\"objects\":[{IPV4},{bad}]}}")).unwrap();
        assert_eq!(ingested.objects.len(), 1);
        let [refused] = ingested.refused.as_slice() else {
            panic!("one refusal expected");
        };
        assert_eq!(
            refused.id.as_deref(),
            Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
        );
        assert_eq!(refused.version.as_deref(), Some("2016-04-06T20:03:48.000Z"));
        assert!(
            refused
                .message
                .contains("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: /pattern_type: error:"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn objects_with_duplicate_keys_are_refused() {
        let dup = INDICATOR.replace(
            "{\"type\":\"indicator\",",
            "{\"type\":\"indicator\",\"type\":\"indicator\",",
        );
        let ingested = read(&format!("{{\"objects\":[{dup}]}}")).unwrap();
        assert!(ingested.objects.is_empty());
        assert!(
            ingested.refused[0].message.contains("duplicate"),
            "{}",
            ingested.refused[0].message
        );
    }

    #[test]
    fn non_objects_in_the_list_are_refused_alone() {
        let ingested = read(&format!(
            "{{\"objects\":[1, \"x\", null, [], {INDICATOR}]}}"
        ))
        .unwrap();
        assert_eq!(ingested.objects.len(), 1);
        assert_eq!(ingested.refused.len(), 4);
        assert!(ingested.refused.iter().all(|r| r.id.is_none()));
    }

    #[test]
    fn conflicting_versions_within_an_envelope_refuse_the_later() {
        let changed = INDICATOR.replace("198.51.100.1", "198.51.100.2");
        let ingested = read(&format!(
            "{{\"objects\":[{INDICATOR},{changed},{INDICATOR}]}}"
        ))
        .unwrap();
        // The identical repeat goes to the store, which treats it as a re-post.
        assert_eq!(ingested.objects.len(), 2);
        assert_eq!(ingested.refused.len(), 1);
        assert!(ingested.refused[0].message.contains("same id and version"));
        assert_eq!(ingested.total(), 3);
    }

    #[test]
    fn the_body_must_be_an_envelope() {
        for body in [
            "",
            "  ",
            "[]",
            "null",
            "{}",
            "{\"objects\": {}}",
            "{\"objects\": \"x\"}",
            "{\"objects\": [] , \"objects\": []}",
            "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[{}]}",
            "{\"objects\": [{}]} trailing",
            "{\"objects\": [{}]",
            "{\"objects\": []}",
        ] {
            let (title, description) = bad_request(read(body));
            assert!(!title.is_empty() && !description.is_empty(), "{body}");
        }
    }

    #[test]
    fn a_bundle_is_refused_with_a_hint() {
        let (_, description) = bad_request(read(&format!(
            "{{\"type\":\"bundle\",\"objects\":[{INDICATOR}]}}"
        )));
        assert!(description.contains("\"type\""), "{description}");
        assert!(description.contains("bundle"), "{description}");
    }

    #[test]
    fn paging_properties_are_tolerated() {
        let ingested = read(&format!(
            "{{\"more\":false,\"next\":\"x\",\"objects\":[{INDICATOR}]}}"
        ))
        .unwrap();
        assert_eq!(ingested.objects.len(), 1);
    }

    #[test]
    fn invalid_utf8_is_a_malformed_envelope() {
        let mut body = b"{\"objects\":[{\"type\":\"".to_vec();
        body.extend_from_slice(&[0xff, 0xfe]);
        body.extend_from_slice(b"\"}]}");
        let (title, _) = bad_request(read_envelope(&body, &Validator::default(), 10));
        assert_eq!(title, "Malformed envelope");
    }

    #[test]
    fn too_many_objects_are_refused_before_validation() {
        let body = format!("{{\"objects\":[{}]}}", vec!["{}"; 101].join(","));
        let (title, description) = bad_request(read(&body));
        assert_eq!(title, "Too many objects");
        assert!(description.contains("at most 100"), "{description}");
        let body = format!("{{\"objects\":[{}]}}", vec!["{}"; 100].join(","));
        assert_eq!(read(&body).unwrap().refused.len(), 100);
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 100_000;
        let body = format!(
            "{{\"objects\":[{}{}]}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        // Refused as a whole or object by object, but never a crash.
        match read(&body) {
            Ok(ingested) => assert_eq!(ingested.refused.len(), 1),
            Err(TaxiiError::BadRequest { .. }) => {}
            Err(other) => panic!("{other:?}"),
        }
        let nested_object = format!(
            "{{\"objects\":[{}{}]}}",
            "{\"a\":".repeat(depth),
            "}".repeat(depth)
        );
        assert!(matches!(
            read(&nested_object),
            Ok(_) | Err(TaxiiError::BadRequest { .. })
        ));
    }

    #[test]
    fn long_problem_lists_are_cut() {
        let problems: Vec<Problem> = (0..25)
            .map(|i| Problem {
                severity: stix_model::Severity::Error,
                object_id: None,
                path: format!("/x{i}"),
                rule: stix_model::Rule::PropertyType,
                message: "bad".into(),
            })
            .collect();
        let raw = RawValue::from_string("{}".into()).unwrap();
        let refused = refusal(&raw, &problems);
        assert!(
            refused.message.ends_with("; and 15 more errors"),
            "{}",
            refused.message
        );
        assert_eq!(refused.message.matches("/x").count(), 10);
    }
}
