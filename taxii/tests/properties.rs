//! Properties of the request readers over arbitrary input: they answer every input with a
//! value or a client error, never a panic, and what they encode they decode.

use proptest::prelude::*;
use taxii::TaxiiError;
use taxii::cursor::{self, Fingerprint, Scope};
use taxii::ids::CollectionId;
use taxii::params::{self, Endpoint};
use taxii::query::{DateAdded, ObjectQuery, Position, VersionFilter};
use uuid::Uuid;

const ENDPOINTS: [Endpoint; 6] = [
    Endpoint::Objects,
    Endpoint::Manifest,
    Endpoint::Object,
    Endpoint::Versions,
    Endpoint::DeleteObject,
    Endpoint::Plain,
];

fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("added_after".to_owned()),
        Just("limit".to_owned()),
        Just("next".to_owned()),
        Just("match[id]".to_owned()),
        Just("match[type]".to_owned()),
        Just("match[version]".to_owned()),
        Just("match[spec_version]".to_owned()),
        ".{0,12}",
    ]
}

fn query(types: Vec<String>, added_after: Option<i64>, all: bool) -> ObjectQuery {
    ObjectQuery {
        added_after: added_after.map(DateAdded),
        after: None,
        limit: 10,
        ids: Vec::new(),
        types,
        versions: if all {
            VersionFilter::all()
        } else {
            VersionFilter::last()
        },
        spec_versions: Vec::new(),
    }
}

proptest! {
    #[test]
    fn query_parameters_never_panic(
        endpoint in 0..ENDPOINTS.len(),
        pairs in prop::collection::vec((param_name(), ".{0,40}"), 0..6),
        page_limit in 0usize..5000,
    ) {
        match params::parse(ENDPOINTS[endpoint], &pairs, page_limit) {
            Ok(filters) => {
                if let Some(limit) = filters.limit {
                    prop_assert!(limit >= 1 && limit <= page_limit.max(1));
                }
            }
            Err(TaxiiError::BadRequest { title, description }) => {
                prop_assert!(!title.is_empty() && !description.is_empty());
            }
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn accept_headers_never_panic(accept in ".{0,80}") {
        match taxii::media_type::negotiate(Some(&accept)) {
            Ok(media_type) => prop_assert_eq!(media_type, taxii::media_type::TAXII_2_1),
            Err(TaxiiError::NotAcceptable(_)) => {}
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
        let _ = taxii::media_type::check_content_type(Some(&accept));
    }

    #[test]
    fn cursors_round_trip(
        date_added in any::<i64>(),
        seq in any::<i64>(),
        types in prop::collection::vec("[a-z]{3,8}", 0..3),
        added_after in prop::option::of(any::<i64>()),
        all in any::<bool>(),
        collection in any::<u128>(),
    ) {
        let scope = Scope {
            endpoint: Endpoint::Objects,
            collection: CollectionId::from_uuid(Uuid::from_u128(collection)),
            object_id: None,
        };
        let fingerprint = Fingerprint::of(cursor::CursorKey::from_bytes([5; 32]), &scope, &query(types, added_after, all));
        let position = Position { date_added: DateAdded(date_added), seq };
        let token = cursor::encode(position, fingerprint);
        prop_assert_eq!(cursor::decode(&token, fingerprint).unwrap(), position);
    }

    #[test]
    fn arbitrary_cursors_are_client_errors(text in ".{0,60}") {
        let scope = Scope {
            endpoint: Endpoint::Objects,
            collection: CollectionId::from_uuid(Uuid::from_u128(1)),
            object_id: None,
        };
        let fingerprint = Fingerprint::of(cursor::CursorKey::from_bytes([5; 32]), &scope, &query(Vec::new(), None, false));
        let refused = matches!(
            cursor::decode(&text, fingerprint),
            Err(TaxiiError::BadRequest { .. })
        );
        prop_assert!(refused);
    }

    #[test]
    fn arbitrary_bodies_never_panic(body in prop::collection::vec(any::<u8>(), 0..200)) {
        let validator = stix_model::Validator::default();
        match taxii::ingest::read_envelope(&body, &validator, 10) {
            Ok(ingested) => prop_assert!(ingested.total() >= 1 && ingested.total() <= 10),
            Err(TaxiiError::BadRequest { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }

    #[test]
    fn envelopes_of_arbitrary_json_never_panic(objects in prop::collection::vec(json(), 1..5)) {
        let body = serde_json::json!({ "objects": objects }).to_string();
        let validator = stix_model::Validator::default();
        let ingested = taxii::ingest::read_envelope(body.as_bytes(), &validator, 10).unwrap();
        prop_assert_eq!(ingested.total(), objects.len());
    }
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        prop_oneof![
            Just("indicator".to_owned()),
            Just("2.1".to_owned()),
            Just("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".to_owned()),
            Just("2016-01-01T00:00:00Z".to_owned()),
            ".{0,8}",
        ]
        .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("type".to_owned()),
                    Just("id".to_owned()),
                    Just("spec_version".to_owned()),
                    Just("created".to_owned()),
                    Just("modified".to_owned()),
                    "[a-z_]{1,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
