//! TAXII 2.1 resources as they go on the wire.
//!
//! Small resources (discovery, API root, collections, status, error message) are serde types.
//! The resources that carry many rows — the envelope of objects (§3.7), the manifest (§5.3.1)
//! and versions (§5.8.1) — are written straight into one byte buffer: objects are copied as
//! stored, byte for byte, never parsed or re-serialized, which is what lets a page of a
//! thousand objects go out in well under a millisecond.
//!
//! TAXII forbids empty lists (§2.1, `list`), so an empty list property is left out.

use serde::Serialize;

use crate::error::TaxiiError;
use crate::media_type::{STIX_2_1, TAXII_2_1};
use crate::store::{
    Access, ApiRootRecord, CollectionRecord, ManifestRecord, ObjectRecord, StatusDetail,
    StatusRecord,
};

/// The discovery resource (§4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub api_roots: Vec<String>,
}

/// The API root resource (§4.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiRoot {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub versions: Vec<&'static str>,
    pub max_content_length: u64,
}

impl ApiRoot {
    pub fn from_record(record: &ApiRootRecord) -> ApiRoot {
        ApiRoot {
            title: record.title.clone(),
            description: record.description.clone(),
            versions: vec![TAXII_2_1],
            max_content_length: record.max_content_length,
        }
    }
}

/// The collections resource (§5.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collections {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Collection>,
}

/// The collection resource (§5.2.1), with the requester's rights.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collection {
    pub id: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub can_read: bool,
    pub can_write: bool,
    pub media_types: Vec<&'static str>,
}

impl Collection {
    pub fn from_record(record: &CollectionRecord, access: Access) -> Collection {
        Collection {
            id: record.id.to_string(),
            title: record.title.clone(),
            description: record.description.clone(),
            alias: record.alias.clone(),
            can_read: access.can_read,
            can_write: access.can_write,
            media_types: vec![STIX_2_1],
        }
    }
}

/// The status resource (§4.3.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    pub id: String,
    pub status: String,
    pub request_timestamp: String,
    pub total_count: u64,
    pub success_count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub successes: Vec<StatusDetailWire>,
    pub failure_count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<StatusDetailWire>,
    pub pending_count: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pendings: Vec<StatusDetailWire>,
}

/// A status detail (§4.3.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusDetailWire {
    pub id: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Status {
    pub fn from_record(record: &StatusRecord) -> Status {
        let details = |list: &[StatusDetail]| -> Vec<StatusDetailWire> {
            list.iter()
                .map(|d| StatusDetailWire {
                    id: d.id.clone(),
                    version: d.version.clone(),
                    message: d.message.clone(),
                })
                .collect()
        };
        let count = |list: &[StatusDetail]| list.len() as u64;
        Status {
            id: record.id.to_string(),
            status: record.status.clone(),
            request_timestamp: record.request_timestamp.to_string(),
            total_count: count(&record.successes)
                + count(&record.failures)
                + count(&record.pendings),
            success_count: count(&record.successes),
            successes: details(&record.successes),
            failure_count: count(&record.failures),
            failures: details(&record.failures),
            pending_count: count(&record.pendings),
            pendings: details(&record.pendings),
        }
    }
}

/// The error message resource (§3.6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorMessage {
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_details: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl ErrorMessage {
    /// The error message for `error`, sent with `http_status` (which the hub chooses). A
    /// storage failure says only that: its cause is for the logs.
    pub fn for_error(error: &TaxiiError, http_status: u16) -> ErrorMessage {
        let (title, description, code): (&str, Option<String>, &str) = match error {
            TaxiiError::Unauthenticated => (
                "Authentication required",
                Some(
                    "send Authorization: Bearer TOKEN, or HTTP Basic with the partner id and token"
                        .to_owned(),
                ),
                "unauthenticated",
            ),
            TaxiiError::Forbidden(why) => ("Forbidden", Some(why.clone()), "forbidden"),
            TaxiiError::NotFound => (
                "Not found",
                Some(
                    "no such resource, or the credentials used do not give access to it".to_owned(),
                ),
                "not-found",
            ),
            TaxiiError::NotAcceptable(why) => {
                ("Not acceptable", Some(why.clone()), "not-acceptable")
            }
            TaxiiError::UnsupportedMediaType(why) => (
                "Unsupported media type",
                Some(why.clone()),
                "unsupported-media-type",
            ),
            TaxiiError::PayloadTooLarge { .. } => (
                "Request body too large",
                Some(error.to_string()),
                "payload-too-large",
            ),
            TaxiiError::BadRequest { title, description } => {
                (title.as_str(), Some(description.clone()), "bad-request")
            }
            TaxiiError::Store(_) => (
                "Service unavailable",
                Some("the server could not complete the request; try again".to_owned()),
                "storage",
            ),
        };
        ErrorMessage {
            title: title.to_owned(),
            description,
            error_id: None,
            error_code: Some(code.to_owned()),
            http_status: Some(http_status.to_string()),
            external_details: None,
            details: None,
        }
    }
}

/// Serializes a small resource. Serializing these types cannot fail (string keys, no maps with
/// non-string keys, no floats), but the error path stays total.
pub fn to_body<T: Serialize>(resource: &T) -> Vec<u8> {
    serde_json::to_vec(resource).unwrap_or_else(|_| b"{}".to_vec())
}

/// Writes an envelope (§3.7): `{"more":…,"next":…,"objects":[…]}` with each object's stored
/// JSON copied as it is.
pub fn envelope_body(objects: &[ObjectRecord], more: bool, next: Option<&str>) -> Vec<u8> {
    let raw_len: usize = objects.iter().map(|o| o.raw.get().len() + 1).sum();
    let mut out = Vec::with_capacity(raw_len + 128);
    open_paged(&mut out, more, next);
    if !objects.is_empty() {
        out.extend_from_slice(b",\"objects\":[");
        for (i, object) in objects.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(object.raw.get().as_bytes());
        }
        out.push(b']');
    }
    out.push(b'}');
    out
}

/// Writes a manifest resource (§5.3.1). `next` is not in the manifest's property table, but a
/// client cannot page without it, and clients ignore properties they do not know.
pub fn manifest_body(records: &[ManifestRecord], more: bool, next: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() * 160 + 128);
    open_paged(&mut out, more, next);
    if !records.is_empty() {
        out.extend_from_slice(b",\"objects\":[");
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(b"{\"id\":");
            json_string(&mut out, &record.id);
            out.extend_from_slice(b",\"date_added\":\"");
            out.extend_from_slice(record.position.date_added.to_string().as_bytes());
            out.extend_from_slice(b"\",\"version\":");
            json_string(&mut out, &record.version);
            out.extend_from_slice(b",\"media_type\":");
            json_string(&mut out, &media_type_of(&record.spec_version));
            out.push(b'}');
        }
        out.push(b']');
    }
    out.push(b'}');
    out
}

/// Writes a versions resource (§5.8.1); `next` as for the manifest.
pub fn versions_body(records: &[ManifestRecord], more: bool, next: Option<&str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(records.len() * 32 + 128);
    open_paged(&mut out, more, next);
    if !records.is_empty() {
        out.extend_from_slice(b",\"versions\":[");
        for (i, record) in records.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            json_string(&mut out, &record.version);
        }
        out.push(b']');
    }
    out.push(b'}');
    out
}

/// `{"more":…` and `,"next":…` when there is a next page.
fn open_paged(out: &mut Vec<u8>, more: bool, next: Option<&str>) {
    out.extend_from_slice(if more {
        b"{\"more\":true"
    } else {
        b"{\"more\":false"
    });
    if let Some(next) = next {
        out.extend_from_slice(b",\"next\":");
        json_string(out, next);
    }
}

/// The STIX media type of an object of `spec_version`.
fn media_type_of(spec_version: &str) -> String {
    if spec_version == "2.1" {
        STIX_2_1.to_owned()
    } else {
        format!("application/stix+json;version={spec_version}")
    }
}

/// Appends `text` as a JSON string.
fn json_string(out: &mut Vec<u8>, text: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, text);
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use serde_json::value::RawValue;
    use uuid::Uuid;

    use super::*;
    use crate::ids::{ApiRootName, CollectionId, StatusId};
    use crate::query::{DateAdded, Position};
    use crate::store::StoreError;

    fn position(micros: i64) -> Position {
        Position {
            date_added: DateAdded(micros),
            seq: micros,
        }
    }

    fn value(body: &[u8]) -> serde_json::Value {
        serde_json::from_slice(body).unwrap()
    }

    #[test]
    fn envelope_copies_objects_byte_for_byte() {
        // Odd spacing, escapes and number spellings that a re-serializer would change.
        let raws = [
            "{ \"type\" : \"indicator\",\"name\":\"caf\\u00e9\", \"x\": 1.50E2 }",
            "{\"type\":\"malware\",\"id\":\"m\",\"z\":{\"b\":1,\"a\":2}}",
        ];
        let objects: Vec<ObjectRecord> = raws
            .iter()
            .enumerate()
            .map(|(i, raw)| ObjectRecord {
                position: position(i as i64),
                raw: RawValue::from_string((*raw).to_owned()).unwrap(),
            })
            .collect();
        let body = envelope_body(&objects, true, Some("abc"));
        let expected = format!(
            "{{\"more\":true,\"next\":\"abc\",\"objects\":[{},{}]}}",
            raws[0], raws[1]
        );
        assert_eq!(String::from_utf8(body).unwrap(), expected);
    }

    #[test]
    fn empty_envelope_has_no_objects_list() {
        assert_eq!(envelope_body(&[], false, None), b"{\"more\":false}");
    }

    #[test]
    fn manifest_lists_id_date_added_version_and_media_type() {
        let records = [ManifestRecord {
            position: position(1_477_969_445_000_000),
            id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into(),
            version: "2016-11-01T03:04:05.000Z".into(),
            spec_version: "2.1".into(),
        }];
        assert_eq!(
            value(&manifest_body(&records, false, None)),
            json!({
                "more": false,
                "objects": [{
                    "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
                    "date_added": "2016-11-01T03:04:05.000000Z",
                    "version": "2016-11-01T03:04:05.000Z",
                    "media_type": "application/stix+json;version=2.1"
                }]
            })
        );
        assert_eq!(manifest_body(&[], false, None), b"{\"more\":false}");
    }

    #[test]
    fn versions_lists_version_strings() {
        let record = |v: &str| ManifestRecord {
            position: position(1),
            id: "x".into(),
            version: v.into(),
            spec_version: "2.1".into(),
        };
        let records = [
            record("2016-01-01T00:00:00Z"),
            record("2017-01-01T00:00:00.5Z"),
        ];
        assert_eq!(
            value(&versions_body(&records, true, Some("n"))),
            json!({
                "more": true,
                "next": "n",
                "versions": ["2016-01-01T00:00:00Z", "2017-01-01T00:00:00.5Z"]
            })
        );
        assert_eq!(versions_body(&[], false, None), b"{\"more\":false}");
    }

    #[test]
    fn discovery_shape() {
        let d = Discovery {
            title: "Accord".into(),
            description: None,
            contact: None,
            default: Some("http://h/default/".into()),
            api_roots: vec!["http://h/default/".into()],
        };
        assert_eq!(
            value(&to_body(&d)),
            json!({"title": "Accord", "default": "http://h/default/", "api_roots": ["http://h/default/"]})
        );
    }

    #[test]
    fn api_root_shape() {
        let record = ApiRootRecord {
            name: ApiRootName::parse("default").unwrap(),
            title: "Accord".into(),
            description: Some("d".into()),
            max_content_length: 104_857_600,
        };
        assert_eq!(
            value(&to_body(&ApiRoot::from_record(&record))),
            json!({
                "title": "Accord",
                "description": "d",
                "versions": ["application/taxii+json;version=2.1"],
                "max_content_length": 104_857_600
            })
        );
    }

    #[test]
    fn collection_shape_shows_the_requesters_rights() {
        let record = CollectionRecord {
            id: CollectionId::from_uuid(Uuid::from_u128(1)),
            api_root: ApiRootName::parse("default").unwrap(),
            title: "Shared".into(),
            description: None,
            alias: Some("shared".into()),
        };
        let access = Access {
            can_read: true,
            can_write: false,
        };
        assert_eq!(
            value(&to_body(&Collection::from_record(&record, access))),
            json!({
                "id": "00000000-0000-0000-0000-000000000001",
                "title": "Shared",
                "alias": "shared",
                "can_read": true,
                "can_write": false,
                "media_types": ["application/stix+json;version=2.1"]
            })
        );
        assert_eq!(
            value(&to_body(&Collections {
                collections: vec![]
            })),
            json!({})
        );
    }

    #[test]
    fn status_counts_its_details() {
        let detail = |id: &str, message: Option<&str>| StatusDetail {
            id: id.into(),
            version: "2016-01-01T00:00:00.000Z".into(),
            message: message.map(str::to_owned),
        };
        let record = StatusRecord {
            id: StatusId::from_uuid(Uuid::from_u128(2)),
            api_root: ApiRootName::parse("default").unwrap(),
            submitter: "local".into(),
            status: "complete".into(),
            request_timestamp: DateAdded(1_477_969_445_000_001),
            successes: vec![detail("a", None), detail("b", None)],
            failures: vec![detail("c", Some("bad"))],
            pendings: vec![],
        };
        assert_eq!(
            value(&to_body(&Status::from_record(&record))),
            json!({
                "id": "00000000-0000-0000-0000-000000000002",
                "status": "complete",
                "request_timestamp": "2016-11-01T03:04:05.000001Z",
                "total_count": 3,
                "success_count": 2,
                "successes": [
                    {"id": "a", "version": "2016-01-01T00:00:00.000Z"},
                    {"id": "b", "version": "2016-01-01T00:00:00.000Z"}
                ],
                "failure_count": 1,
                "failures": [{"id": "c", "version": "2016-01-01T00:00:00.000Z", "message": "bad"}],
                "pending_count": 0
            })
        );
    }

    #[test]
    fn error_message_shape() {
        let err =
            TaxiiError::bad_request("Invalid query parameter", "limit is given more than once");
        assert_eq!(
            value(&to_body(&ErrorMessage::for_error(&err, 400))),
            json!({
                "title": "Invalid query parameter",
                "description": "limit is given more than once",
                "error_code": "bad-request",
                "http_status": "400"
            })
        );
    }

    #[test]
    fn storage_errors_do_not_leak_their_cause() {
        let err = TaxiiError::Store(StoreError::Backend("password=hunter2".into()));
        let body = to_body(&ErrorMessage::for_error(&err, 503));
        assert!(!String::from_utf8(body).unwrap().contains("hunter2"));
    }
}
