//! Every read response of the running server that released something is one `release` audit
//! record, on both backends: the reader, the collection, the count and an RFC 9162 root equal
//! to the root recomputed from what the reader received; withheld objects never count; empty
//! pages record nothing; the log still verifies (`accord audit verify`) after the reads.
//!
//! Measurement (ignored by default; `cargo test --release -p hub --test audit_release --
//! --ignored --nocapture`): 200 page reads through the server's store wrapper with and without
//! the recorder.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "test_db/mod.rs"]
mod test_db;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hub::audit::AuditRecord;
use hub::audit::merkle::{Hash, root};
use hub::audit::record::AuditKind;
use hub::config::Secret;
use hub::server::Batched;
use hub::server::release_audit::ReleaseRecorder;
use hub::store::AnyStore;
use hub::{Application, Settings};
use serde_json::Value;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use taxii::query::ObjectQuery;
use taxii::store::{AuthMethod, CredentialKind, Principal, Store};
use test_db::{Kind, TestDb};

/// Two partners: the lead (GBR) and an observer (OBS) that may not see malware.
const MISSION: &str = r#"
mission: {id: release-audit, name: Release audit}
policies: [nato.yaml]
default_label: {policy: NATO, classification: UNCLASSIFIED}
partners:
  - {id: GBR, nation: GBR, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
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
    MISSION: {communities: [NATO]}
  semantics: {tlp_organisation: partner, tlp_community: MISSION}
  rules:
    - {id: base-release, effect: release}
    - id: no-malware-to-observers
      effect: withhold
      scope: {attr: object.type, op: eq, value: malware}
      audience: {attr: subject.role, op: eq, value: observing}
"#;

const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

fn new_id(type_name: &str) -> String {
    format!("{type_name}--{}", uuid::Uuid::new_v4())
}

fn indicator(id: &str) -> Value {
    serde_json::json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-06-01T00:00:00.000Z",
        "name": "bad address",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2025-01-01T00:00:00Z",
        "object_marking_refs": [TLP_CLEAR]
    })
}

fn malware(id: &str) -> Value {
    serde_json::json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": id,
        "created": "2025-01-01T00:00:00.000Z",
        "modified": "2025-01-01T00:00:00.000Z",
        "name": "dropper",
        "is_family": false,
        "object_marking_refs": [TLP_CLEAR]
    })
}

const ACCEPT: &str = "application/taxii+json;version=2.1";

/// One HTTP/1.1 exchange on a fresh connection; (status, body).
fn exchange(addr: SocketAddr, method: &str, path: &str, token: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Accept: {ACCEPT}\r\nContent-Type: {ACCEPT}\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, rest) = response.split_once("\r\n\r\n").unwrap();
    let status = head[9..12].parse().unwrap();
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        rest.to_owned()
    };
    (status, body)
}

fn dechunk(mut rest: &str) -> String {
    let mut out = String::new();
    loop {
        let (size, after) = rest.split_once("\r\n").unwrap();
        let size = usize::from_str_radix(size.trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.push_str(&after[..size]);
        rest = &after[size + 2..];
    }
}

#[derive(serde::Deserialize)]
struct Envelope {
    #[serde(default)]
    objects: Vec<Box<RawValue>>,
    next: Option<String>,
}

/// A hub set up from the fan-out tests' mission, with tokens for GBR and OBS (the observer,
/// which may not see malware), served by the real server.
struct Served {
    db: TestDb,
    dir: std::path::PathBuf,
    collection: String,
    addr: SocketAddr,
    handle: actix_web::dev::ServerHandle,
    server: actix_web::rt::task::JoinHandle<std::io::Result<()>>,
}

const GBR_TOKEN: &str = "gbr-test-token-0123456789";
const OBS_TOKEN: &str = "obs-test-token-0123456789";

async fn set_up(kind: Kind) -> (TestDb, String) {
    let db = TestDb::fresh(kind).await;
    let store = AnyStore::open(&db.url).await.unwrap();
    store
        .bootstrap(hub::auth::token_digest("bootstrap"))
        .await
        .unwrap();
    let mut texts = Vec::new();
    let mut read = |name: &str| -> Result<String, String> {
        assert_eq!(name, "nato.yaml");
        texts.push(release_rules::policy::NATO_EXAMPLE_YAML.to_owned());
        Ok(release_rules::policy::NATO_EXAMPLE_YAML.to_owned())
    };
    let mission = release_rules::Mission::parse(MISSION, &mut read).unwrap();
    let created = store.init_mission(&mission, &texts).await.unwrap();
    store.run_release_jobs("test").await.unwrap();
    for (partner, token) in [("GBR", GBR_TOKEN), ("OBS", OBS_TOKEN)] {
        store
            .create_credential(
                partner,
                CredentialKind::Token,
                None,
                hub::auth::token_digest(token),
            )
            .await
            .unwrap();
    }
    store.close().await;
    (db, created[0].1.to_string())
}

async fn serve(kind: Kind) -> Served {
    let (db, collection) = set_up(kind).await;
    let dir = std::env::temp_dir().join(format!("accord-audit-release-{}", uuid::Uuid::new_v4()));
    let mut settings = Settings::for_test(&dir);
    settings.database_url = Some(Secret::new(db.url.clone()));
    let app = Application::build(settings).await.unwrap();
    let addr = app.local_addr();
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());
    Served {
        db,
        dir,
        collection,
        addr,
        handle,
        server,
    }
}

async fn call(
    addr: SocketAddr,
    method: &'static str,
    path: String,
    token: &'static str,
    body: String,
) -> (u16, String) {
    actix_web::rt::task::spawn_blocking(move || exchange(addr, method, &path, token, &body))
        .await
        .unwrap()
}

/// Pages through a collection's objects; the served bytes of each page.
async fn page_through(s: &Served, token: &'static str, limit: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut path = format!(
            "/mission/collections/{}/objects/?limit={limit}",
            s.collection
        );
        if let Some(n) = &next {
            path.push_str(&format!("&next={n}"));
        }
        let (status, body) = call(s.addr, "GET", path, token, String::new()).await;
        assert_eq!(status, 200, "{body}");
        let envelope: Envelope = serde_json::from_str(&body).unwrap();
        pages.push(
            envelope
                .objects
                .iter()
                .map(|o| o.get().to_owned())
                .collect(),
        );
        match envelope.next {
            Some(n) => next = Some(n),
            None => return pages,
        }
    }
}

fn releases(records: &[hub::store::audit::StoredRecord]) -> Vec<AuditRecord> {
    records
        .iter()
        .map(|r| AuditRecord::parse_canonical(r.body.as_bytes()).unwrap())
        .filter(|r| r.kind == AuditKind::Release)
        .collect()
}

/// RFC 9162 leaf: SHA-256(0x00 ‖ data), computed here rather than by the code under test.
fn leaf(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

fn root_of(leaves: &[Hash]) -> hub::audit::Sha256 {
    hub::audit::Sha256(root(leaves))
}

async fn each_released_page_is_one_record_with_the_root_of_what_was_received(kind: Kind) {
    let s = serve(kind).await;
    // GBR posts 5 indicators and 3 malware; OBS may see the indicators only.
    let mut objects: Vec<Value> = (0..5).map(|_| indicator(&new_id("indicator"))).collect();
    let malware_ids: Vec<String> = (0..3).map(|_| new_id("malware")).collect();
    objects.extend(malware_ids.iter().map(|id| malware(id)));
    let envelope = serde_json::json!({ "objects": objects }).to_string();
    let (status, body) = call(
        s.addr,
        "POST",
        format!("/mission/collections/{}/objects/", s.collection),
        GBR_TOKEN,
        envelope,
    )
    .await;
    assert_eq!(status, 202, "{body}");

    let obs_pages = page_through(&s, OBS_TOKEN, 2).await;
    let gbr_pages = page_through(&s, GBR_TOKEN, 3).await;
    let obs_received: Vec<&String> = obs_pages.iter().flatten().collect();
    assert_eq!(
        obs_received.len(),
        5,
        "the observer sees the indicators only"
    );
    assert!(
        obs_received
            .iter()
            .all(|o| malware_ids.iter().all(|m| !o.contains(m.as_str())))
    );
    assert_eq!(gbr_pages.iter().flatten().count(), 8);
    // A page that releases nothing records nothing.
    let (status, body) = call(
        s.addr,
        "GET",
        format!(
            "/mission/collections/{}/objects/?match[type]=campaign",
            s.collection
        ),
        OBS_TOKEN,
        String::new(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        serde_json::from_str::<Envelope>(&body)
            .unwrap()
            .objects
            .is_empty()
    );
    // The manifest releases its records, one leaf per (id, version, spec version).
    let (status, manifest) = call(
        s.addr,
        "GET",
        format!("/mission/collections/{}/manifest/", s.collection),
        OBS_TOKEN,
        String::new(),
    )
    .await;
    assert_eq!(status, 200, "{manifest}");
    let manifest: Value = serde_json::from_str(&manifest).unwrap();
    let manifest_leaves: Vec<Hash> = manifest["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let text = format!(
                "{}\n{}\n{}",
                m["id"].as_str().unwrap(),
                m["version"].as_str().unwrap(),
                // The served media type carries the spec version.
                m["media_type"]
                    .as_str()
                    .unwrap()
                    .rsplit_once("version=")
                    .unwrap()
                    .1,
            );
            leaf(text.as_bytes())
        })
        .collect();
    assert_eq!(manifest_leaves.len(), 5);

    // Stopping the server appends what is still queued.
    s.handle.stop(true).await;
    s.server.await.unwrap().unwrap();
    let store = AnyStore::open(&s.db.url).await.unwrap();
    let records = store.audit().records(0, 100_000).await.unwrap();
    let released = releases(&records);

    let nonempty = |pages: &[Vec<String>]| pages.iter().filter(|p| !p.is_empty()).count();
    let of = |partner: &str, endpoint: &str| -> Vec<AuditRecord> {
        released
            .iter()
            .filter(|r| r.actor.as_ref().unwrap().partner == partner)
            .filter(|r| r.detail.as_ref().unwrap()["endpoint"] == endpoint)
            .cloned()
            .collect()
    };
    let obs = of("OBS", "objects");
    let gbr = of("GBR", "objects");
    assert_eq!(
        obs.len(),
        nonempty(&obs_pages),
        "one record per page OBS got"
    );
    assert_eq!(
        gbr.len(),
        nonempty(&gbr_pages),
        "one record per page GBR got"
    );
    assert_eq!(released.len(), obs.len() + gbr.len() + 1);
    for (record, page) in obs
        .iter()
        .zip(obs_pages.iter().filter(|p| !p.is_empty()))
        .chain(gbr.iter().zip(gbr_pages.iter().filter(|p| !p.is_empty())))
    {
        let leaves: Vec<Hash> = page.iter().map(|o| leaf(o.as_bytes())).collect();
        let out = record.released.as_ref().unwrap();
        assert_eq!(out.count, page.len() as u64);
        assert_eq!(out.merkle_root, root_of(&leaves));
        let actor = record.actor.as_ref().unwrap();
        assert_eq!(actor.auth.as_deref(), Some("token"));
        assert!(actor.credential.is_some());
        assert_eq!(
            record.target.as_ref().unwrap().collection.as_deref(),
            Some(s.collection.as_str())
        );
        let ruleset = record.ruleset.as_ref().unwrap();
        assert_eq!((ruleset.id.as_str(), ruleset.version), ("test/release", 1));
    }
    // What OBS was released adds up to the indicators: the withheld malware counts nowhere.
    let obs_count: u64 = obs.iter().map(|r| r.released.as_ref().unwrap().count).sum();
    assert_eq!(obs_count, 5);
    let listed = of("OBS", "manifest");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        listed[0].released.as_ref().unwrap().merkle_root,
        root_of(&manifest_leaves)
    );

    // The chain still verifies, with the key the server signs by.
    let keys = hub::store::audit::read_verifier_keys(&s.dir.join("audit.key")).unwrap();
    let verified = store.audit().verify(&keys).await.unwrap().unwrap();
    assert_eq!(verified.records, records.len() as u64);
    store.close().await;
    let out = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["audit", "verify", "--data-dir"])
        .arg(&s.dir)
        .env("ACCORD_DATABASE_URL", &s.db.url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&s.dir);
}

#[actix_web::test]
async fn each_released_page_is_one_record_with_the_root_of_what_was_received_sqlite() {
    each_released_page_is_one_record_with_the_root_of_what_was_received(Kind::Sqlite).await;
}

#[actix_web::test]
async fn each_released_page_is_one_record_with_the_root_of_what_was_received_postgres() {
    each_released_page_is_one_record_with_the_root_of_what_was_received(Kind::Postgres).await;
}

/// 200 page reads of 100 objects through the server's store wrapper, without and with the
/// recorder (which also appends while the second run reads).
async fn paging_cost_of_the_recorder(kind: Kind) {
    let (db, collection) = set_up(kind).await;
    let store = AnyStore::open(&db.url).await.unwrap();
    let gbr = Principal {
        partner_id: "GBR".to_owned(),
        credential_id: "GBR-credential".to_owned(),
        method: AuthMethod::Bearer,
    };
    let objects: Vec<Value> = (0..1_000)
        .map(|_| indicator(&new_id("indicator")))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({ "objects": objects })).unwrap();
    let response = taxii::service::add_objects(
        &store,
        &taxii::service::Settings {
            max_envelope_objects: 10_000,
            ..taxii::service::Settings::default()
        },
        "mission",
        &collection,
        &taxii::service::Request {
            principal: &gbr,
            accept: None,
            query: &[],
        },
        &taxii::service::Upload {
            content_type: Some(ACCEPT),
            body: &body,
            status_id: taxii::StatusId::from_uuid(uuid::Uuid::new_v4()),
        },
    )
    .await
    .unwrap();
    assert_eq!(response.status, 202);
    let id = taxii::CollectionId::parse(&collection).unwrap();
    let plain = Batched::start(Arc::new(store.clone()));
    let recorded = Batched::start(Arc::new(store.clone()))
        .recording_releases(ReleaseRecorder::start(store.audit(), None));
    let query = ObjectQuery {
        added_after: None,
        after: None,
        limit: 100,
        ids: Vec::new(),
        types: Vec::new(),
        versions: taxii::query::VersionFilter::last(),
        spec_versions: Vec::new(),
    };
    // Alternating rounds, so that a warming cache or a neighbour's load falls on both.
    let (mut without, mut with) = (Vec::new(), Vec::new());
    for round in 0..10 {
        let (wrapper, into) = if round % 2 == 0 {
            (&plain, &mut without)
        } else {
            (&recorded, &mut with)
        };
        let started = Instant::now();
        for _ in 0..200 {
            let page = wrapper.objects(id, &gbr, &query).await.unwrap();
            assert_eq!(page.items.len(), 100);
        }
        into.push(started.elapsed().as_secs_f64());
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    println!(
        "{kind:?}: 200 reads of a 100-object page, median of 5 rounds: without the recorder \
         {:.3} s, with it {:.3} s (rounds without {without:.3?}, with {with:.3?})",
        median(&mut without.clone()),
        median(&mut with.clone()),
    );
    // Let the recorder finish before the database goes.
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    let recorded = releases(&store.audit().records(0, 100_000).await.unwrap());
    assert_eq!(
        recorded.len(),
        5 * 200,
        "every read with the recorder is a record"
    );
    store.close().await;
}

#[actix_web::test]
#[ignore = "measurement"]
async fn paging_cost_of_the_recorder_sqlite() {
    paging_cost_of_the_recorder(Kind::Sqlite).await;
}

#[actix_web::test]
#[ignore = "measurement"]
async fn paging_cost_of_the_recorder_postgres() {
    paging_cost_of_the_recorder(Kind::Postgres).await;
}
