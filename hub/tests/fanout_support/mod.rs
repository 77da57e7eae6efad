//! What the fan-out tests share: a fresh store per test (`test_db`: a temporary SQLite file,
//! or a PostgreSQL database dropped when the test ends), set up from a
//! test mission with four partners, an injected clock, and the TAXII endpoints called through
//! `taxii::service` exactly as the HTTP routes call them (status, body and date headers).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    dead_code
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use hub::store::{AnyStore, Clock};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use taxii::TaxiiError;
use taxii::service::{self, Request, Settings, TaxiiResponse, Upload};
use taxii::store::{AuthMethod, Principal};
use uuid::Uuid;

#[path = "../test_db/mod.rs"]
mod test_db;

pub use test_db::Kind;
use test_db::TestDb;

/// Generates `sqlite::NAME` and `postgres::NAME` for each `async fn NAME(kind: Kind)`.
#[macro_export]
macro_rules! both_backends {
    ($($rule:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $rule() {
                    super::$rule($crate::fanout_support::Kind::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $rule() {
                    super::$rule($crate::fanout_support::Kind::Postgres).await;
                }
            )*
        }
    };
}

pub const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
pub const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
pub const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
pub const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

/// The lead (GBR), two supporting partners (FRA; CERT-X, whose indicators are embargoed for
/// 24 hours) and an observer (OBS) that gets no malware under rule set 1.
pub const MISSION: &str = r#"
mission: {id: test-mission, name: Test mission}
policies: [nato.yaml]
default_label: {policy: NATO, classification: UNCLASSIFIED}
partners:
  - {id: GBR, nation: GBR, communities: [NATO, FVEY], clearance: {NATO: SECRET}, role: lead}
  - {id: FRA, nation: FRA, communities: [NATO, EU], clearance: {NATO: SECRET}, role: supporting}
  - {id: CERT-X, nation: EST, communities: [NATO, EU], clearance: {NATO: SECRET}, role: supporting}
  - {id: OBS, nation: NOR, communities: [NATO], clearance: {NATO: SECRET}, role: observing}
api_roots:
  - name: mission
    title: Mission
    collections:
      - {alias: shared, title: Shared}
rules:
  id: test/release
  version: 1
  groups:
    MISSION: {communities: [NATO, EU, FVEY]}
  semantics: {tlp_organisation: partner, tlp_community: MISSION}
  rules:
    - {id: base-release, effect: release}
    - id: no-malware-to-observers
      effect: withhold
      scope: {attr: object.type, op: eq, value: malware}
      audience: {attr: subject.role, op: eq, value: observing}
    - id: certx-embargo
      effect: withhold
      scope: {all: [{attr: label.originator, op: eq, value: CERT-X},
                    {attr: object.type, op: eq, value: indicator}]}
      when: {attr: env.now, op: before, value: {ref: event.received_at, plus: PT24H}}
      unless: {attr: subject.partner, op: eq, value: CERT-X}
"#;

/// Rule set 2: rule set 1 without the observer rule.
pub const RULES_V2: &str = r#"
id: test/release
version: 2
groups:
  MISSION: {communities: [NATO, EU, FVEY]}
semantics: {tlp_organisation: partner, tlp_community: MISSION}
rules:
  - {id: base-release, effect: release}
  - id: certx-embargo
    effect: withhold
    scope: {all: [{attr: label.originator, op: eq, value: CERT-X},
                  {attr: object.type, op: eq, value: indicator}]}
    when: {attr: env.now, op: before, value: {ref: event.received_at, plus: PT24H}}
    unless: {attr: subject.partner, op: eq, value: CERT-X}
"#;

/// A test clock: microseconds, moved by hand.
#[derive(Debug, Clone)]
pub struct TestClock(Arc<AtomicI64>);

impl TestClock {
    pub fn at(micros: i64) -> TestClock {
        TestClock(Arc::new(AtomicI64::new(micros)))
    }

    pub fn now(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    pub fn advance(&self, micros: i64) {
        self.0.fetch_add(micros, Ordering::SeqCst);
    }

    pub fn as_clock(&self) -> Clock {
        let inner = Arc::clone(&self.0);
        Arc::new(move || inner.fetch_add(1, Ordering::SeqCst))
    }
}

pub const HOUR: i64 = 3_600_000_000;

/// A store set up from [`MISSION`], with its clock.
pub struct Hub {
    pub store: AnyStore,
    pub clock: TestClock,
    pub collection: String,
    pub settings: Settings,
    _db: TestDb,
}

/// 2026-01-01T00:00:00Z.
pub const START: i64 = 1_767_225_600_000_000;

pub async fn hub(kind: Kind) -> Hub {
    hub_with(kind, MISSION).await
}

/// A store set up from a mission text (policy files: `nato.yaml` = the NATO example policy,
/// `acs.yaml` = the ISA ACS 3.0 mapping).
pub async fn hub_with(kind: Kind, mission: &str) -> Hub {
    let db = TestDb::fresh(kind).await;
    let clock = TestClock::at(START);
    let store = AnyStore::open_with_clock(&db.url, clock.as_clock())
        .await
        .unwrap();
    store.bootstrap(digest("bootstrap")).await.unwrap();
    // The policy texts in the mission's order, as `accord init` passes them.
    let mut texts = Vec::new();
    let mut read = |name: &str| -> Result<String, String> {
        let text = match name {
            "nato.yaml" => release_rules::policy::NATO_EXAMPLE_YAML,
            "acs.yaml" => release_rules::policy::ACS_EXAMPLE_YAML,
            other => panic!("no test policy {other}"),
        };
        texts.push(text.to_owned());
        Ok(text.to_owned())
    };
    let mission = release_rules::Mission::parse(mission, &mut read).unwrap();
    let created = store.init_mission(&mission, &texts).await.unwrap();
    store.run_release_jobs("test").await.unwrap();
    let collection = created[0].1.to_string();
    Hub {
        store,
        clock,
        collection,
        settings: Settings::default(),
        _db: db,
    }
}

pub fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

pub fn principal(partner: &str) -> Principal {
    Principal {
        partner_id: partner.to_owned(),
        credential_id: format!("{partner}-credential"),
        method: AuthMethod::Bearer,
    }
}

pub fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// A fresh STIX id of a type.
pub fn new_id(type_name: &str) -> String {
    format!("{type_name}--{}", Uuid::new_v4())
}

pub fn indicator(id: &str, modified: &str, markings: &[&str]) -> Value {
    let mut object = json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2025-01-01T00:00:00.000Z",
        "modified": modified,
        "name": "bad address",
        "description": "seen in the wild",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2025-01-01T00:00:00Z"
    });
    if !markings.is_empty() {
        object["object_marking_refs"] = json!(markings);
    }
    object
}

pub fn malware(id: &str) -> Value {
    json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": id,
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "name": "dropper",
        "is_family": false
    })
}

pub fn relationship(id: &str, source: &str, target: &str) -> Value {
    json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": id,
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "relationship_type": "indicates",
        "source_ref": source,
        "target_ref": target
    })
}

pub fn report(id: &str, members: &[&str]) -> Value {
    json!({
        "type": "report",
        "spec_version": "2.1",
        "id": id,
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "name": "weekly",
        "published": "2025-01-02T00:00:00Z",
        "object_refs": members
    })
}

/// What a partner gets from one endpoint, reduced to what it could observe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub status: u16,
    pub body: Value,
    pub first: Option<String>,
    pub last: Option<String>,
}

/// The HTTP status and TAXII error title an error would be answered with.
fn seen_error(error: &TaxiiError) -> Seen {
    let status = match error {
        TaxiiError::NotFound => 404,
        TaxiiError::Forbidden(_) => 403,
        TaxiiError::BadRequest { .. } => 400,
        _ => 500,
    };
    Seen {
        status,
        body: json!({ "error": format!("{error}") }),
        first: None,
        last: None,
    }
}

fn seen(result: Result<TaxiiResponse, TaxiiError>) -> Seen {
    match result {
        Ok(response) => Seen {
            status: response.status,
            body: serde_json::from_slice(&response.body).unwrap_or(Value::Null),
            first: response.date_added_first.map(|d| d.to_string()),
            last: response.date_added_last.map(|d| d.to_string()),
        },
        Err(error) => seen_error(&error),
    }
}

impl Hub {
    /// `POST …/objects/` as `partner`; the status resource.
    pub async fn post(&self, partner: &str, objects: &[Value]) -> Value {
        let body = serde_json::to_vec(&json!({ "objects": objects })).unwrap();
        let who = principal(partner);
        let response = service::add_objects(
            &self.store,
            &self.settings,
            "mission",
            &self.collection,
            &Request {
                principal: &who,
                accept: None,
                query: &[],
            },
            &Upload {
                content_type: Some("application/taxii+json;version=2.1"),
                body: &body,
                status_id: taxii::StatusId::from_uuid(Uuid::new_v4()),
            },
        )
        .await
        .unwrap();
        assert_eq!(response.status, 202);
        serde_json::from_slice(&response.body).unwrap()
    }

    /// `GET …/objects/`.
    pub async fn objects(&self, partner: &str, query: &[(&str, &str)]) -> Seen {
        let who = principal(partner);
        let query = pairs(query);
        seen(
            service::get_objects(
                &self.store,
                &self.settings,
                "mission",
                &self.collection,
                &Request {
                    principal: &who,
                    accept: None,
                    query: &query,
                },
            )
            .await,
        )
    }

    /// `GET …/manifest/`.
    pub async fn manifest(&self, partner: &str, query: &[(&str, &str)]) -> Seen {
        let who = principal(partner);
        let query = pairs(query);
        seen(
            service::manifest(
                &self.store,
                &self.settings,
                "mission",
                &self.collection,
                &Request {
                    principal: &who,
                    accept: None,
                    query: &query,
                },
            )
            .await,
        )
    }

    /// `GET …/objects/{id}/`.
    pub async fn object(&self, partner: &str, id: &str, query: &[(&str, &str)]) -> Seen {
        let who = principal(partner);
        let query = pairs(query);
        seen(
            service::get_object(
                &self.store,
                &self.settings,
                "mission",
                &self.collection,
                id,
                &Request {
                    principal: &who,
                    accept: None,
                    query: &query,
                },
            )
            .await,
        )
    }

    /// `GET …/objects/{id}/versions/`.
    pub async fn versions(&self, partner: &str, id: &str, query: &[(&str, &str)]) -> Seen {
        let who = principal(partner);
        let query = pairs(query);
        seen(
            service::object_versions(
                &self.store,
                &self.settings,
                "mission",
                &self.collection,
                id,
                &Request {
                    principal: &who,
                    accept: None,
                    query: &query,
                },
            )
            .await,
        )
    }

    /// `DELETE …/objects/{id}/`.
    pub async fn delete(&self, partner: &str, id: &str) -> Seen {
        let who = principal(partner);
        seen(
            service::delete_object(
                &self.store,
                &self.settings,
                "mission",
                &self.collection,
                id,
                &Request {
                    principal: &who,
                    accept: None,
                    query: &[],
                },
            )
            .await,
        )
    }

    /// The ids a partner gets from `GET …/objects/` with `query`, in order.
    pub async fn ids(&self, partner: &str, query: &[(&str, &str)]) -> Vec<String> {
        ids_of(&self.objects(partner, query).await)
    }

    /// Runs the release jobs to completion, as the worker would.
    pub async fn recompute(&self) {
        self.store.run_release_jobs("test").await.unwrap();
    }
}

/// The `id`s of an envelope.
pub fn ids_of(seen: &Seen) -> Vec<String> {
    seen.body["objects"]
        .as_array()
        .map(|objects| {
            objects
                .iter()
                .map(|o| o["id"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}
