//! The storage contract: one suite, instantiated for SQLite and for PostgreSQL, one test per
//! rule, each on a fresh database (`test_db`: a temporary SQLite file, or a PostgreSQL
//! database dropped when the test ends, also when it fails).

// Helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Instant as WallInstant;

use hub::store::{AnyStore, Clock, PartnerStatus, StoreAdminError, system_clock};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use stix_model::Timestamp;
use stix_model::timestamp::Instant;
use taxii::ids::{ApiRootName, CollectionId, StatusId};
use taxii::query::{DateAdded, ObjectQuery, VersionFilter};
use taxii::store::CredentialKind;
use taxii::store::{
    Access, AuthMethod, NewObject, Principal, RefusedObject, StatusDetail, Store, Submission,
};
use uuid::Uuid;

mod test_db;

use test_db::{Kind, TestDb};

/// A fresh, migrated, bootstrapped store.
struct TestStore {
    store: AnyStore,
    url: String,
    shared: CollectionId,
    bootstrap_token: [u8; 32],
    _db: TestDb,
}

async fn fresh_with_clock(kind: Kind, clock: Clock) -> TestStore {
    let db = TestDb::fresh(kind).await;
    let url = db.url.clone();
    let store = AnyStore::open_with_clock(&url, clock).await.unwrap();
    let bootstrap_token = digest("bootstrap-token");
    assert!(store.bootstrap(bootstrap_token).await.unwrap());
    let shared = store.find_collection("shared").await.unwrap().id;
    TestStore {
        store,
        url,
        shared,
        bootstrap_token,
        _db: db,
    }
}

async fn fresh(kind: Kind) -> TestStore {
    fresh_with_clock(kind, system_clock()).await
}

fn digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn root() -> ApiRootName {
    ApiRootName::parse("default").unwrap()
}

fn local() -> Principal {
    Principal {
        partner_id: "local".to_owned(),
        credential_id: "test".to_owned(),
        method: AuthMethod::Bearer,
    }
}

fn stix_time(seconds: i64) -> (String, Instant) {
    let instant = Instant { seconds, nanos: 0 };
    (
        Timestamp::from_instant_millis(instant).as_str().to_owned(),
        instant,
    )
}

/// An indicator version; `salt` changes the content without changing the version.
fn indicator(n: usize, modified: i64, salt: &str) -> NewObject {
    let id = format!("indicator--{:08x}-0000-4000-8000-000000000000", n);
    let (text, instant) = stix_time(modified);
    let raw = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"2020-01-01T00:00:00.000Z","modified":"{text}","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z","name":"{salt}"}}"#
    );
    object(id, "indicator", Some((text, instant)), raw)
}

/// An SCO: no version of its own.
fn ipv4(n: usize, note: &str) -> NewObject {
    let id = format!("ipv4-addr--{:08x}-0000-5000-8000-000000000000", n);
    let raw = format!(
        r#"{{"type":"ipv4-addr","spec_version":"2.1","id":"{id}","value":"10.0.0.{}","x_note":"{note}"}}"#,
        n % 250
    );
    object(id, "ipv4-addr", None, raw)
}

fn object(
    id: String,
    type_name: &str,
    version: Option<(String, Instant)>,
    raw: String,
) -> NewObject {
    NewObject {
        content_hash: Sha256::digest(raw.as_bytes()).into(),
        id,
        type_name: type_name.to_owned(),
        version,
        spec_version: "2.1".to_owned(),
        raw: RawValue::from_string(raw).unwrap(),
    }
}

fn submission(collection: CollectionId, objects: Vec<NewObject>) -> Submission {
    Submission {
        status_id: StatusId::from_uuid(Uuid::new_v4()),
        api_root: root(),
        collection,
        submitter: local(),
        objects,
        refused: Vec::new(),
    }
}

fn query(limit: usize) -> ObjectQuery {
    ObjectQuery {
        added_after: None,
        after: None,
        limit,
        ids: Vec::new(),
        types: Vec::new(),
        versions: VersionFilter::last(),
        spec_versions: Vec::new(),
    }
}

impl TestStore {
    async fn submit(&self, objects: Vec<NewObject>) -> taxii::store::StatusRecord {
        let mut records = self
            .store
            .submit(vec![submission(self.shared, objects)])
            .await
            .unwrap();
        assert_eq!(records.len(), 1);
        records.pop().unwrap()
    }

    /// (id, version) of every manifest row matching `query`, across all pages.
    async fn manifest_all(&self, mut query: ObjectQuery) -> Vec<(String, String)> {
        let mut rows = Vec::new();
        loop {
            let page = self
                .store
                .manifest(self.shared, &local(), &query)
                .await
                .unwrap();
            let last = page.items.last().map(|item| item.position);
            rows.extend(page.items.into_iter().map(|item| (item.id, item.version)));
            if !page.more {
                return rows;
            }
            query.after = last;
        }
    }
}

fn version_text(seconds: i64) -> String {
    stix_time(seconds).0
}

// ---------------------------------------------------------------------------------------------
// The rules.

async fn keyset_paging_returns_every_row_once_while_rows_are_added(kind: Kind) {
    let t = fresh(kind).await;
    let mut expected: Vec<String> = Vec::new();
    let first: Vec<NewObject> = (0..250).map(|n| indicator(n, 1_600_000_000, "a")).collect();
    expected.extend(first.iter().map(|o| o.id.clone()));
    t.submit(first).await;

    let mut seen: Vec<String> = Vec::new();
    let mut q = query(40);
    let mut next = 250;
    loop {
        let page = t.store.objects(t.shared, &local(), &q).await.unwrap();
        for item in &page.items {
            let value: serde_json::Value = serde_json::from_str(item.raw.get()).unwrap();
            seen.push(value["id"].as_str().unwrap().to_owned());
        }
        if !page.more {
            break;
        }
        q.after = page.items.last().map(|item| item.position);
        // Rows committed between pages come after every position already handed out.
        let added: Vec<NewObject> = (next..next + 7)
            .map(|n| indicator(n, 1_600_000_000, "a"))
            .collect();
        next += 7;
        expected.extend(added.iter().map(|o| o.id.clone()));
        t.submit(added).await;
    }
    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "a row was returned twice");
    assert_eq!(seen.len(), expected.len(), "rows missing");
    assert!(seen == expected, "rows out of date-added order");
    assert!(next > 280, "rows were added during paging");
}

async fn more_is_exact(kind: Kind) {
    let t = fresh(kind).await;
    t.submit((0..10).map(|n| indicator(n, 1_600_000_000, "a")).collect())
        .await;
    let page = t
        .store
        .objects(t.shared, &local(), &query(10))
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.more), (10, false));
    let page = t
        .store
        .objects(t.shared, &local(), &query(11))
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.more), (10, false));
    let page = t
        .store
        .objects(t.shared, &local(), &query(9))
        .await
        .unwrap();
    assert_eq!((page.items.len(), page.more), (9, true));
    let mut rest = query(1);
    rest.after = page.items.last().map(|item| item.position);
    let page = t.store.objects(t.shared, &local(), &rest).await.unwrap();
    assert_eq!((page.items.len(), page.more), (1, false));
    let empty = t
        .store
        .objects(
            CollectionId::from_uuid(Uuid::new_v4()),
            &local(),
            &query(10),
        )
        .await
        .unwrap();
    assert_eq!((empty.items.len(), empty.more), (0, false));
}

async fn added_after_is_exclusive(kind: Kind) {
    let t = fresh(kind).await;
    t.submit((0..3).map(|n| indicator(n, 1_600_000_000, "a")).collect())
        .await;
    let all = t
        .store
        .manifest(t.shared, &local(), &query(10))
        .await
        .unwrap()
        .items;
    let mut q = query(10);
    q.added_after = Some(all[1].position.date_added);
    let after = t
        .store
        .manifest(t.shared, &local(), &q)
        .await
        .unwrap()
        .items;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, all[2].id);
    q.added_after = Some(all[2].position.date_added);
    assert!(
        t.store
            .manifest(t.shared, &local(), &q)
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

/// Object 1 gets versions 300, 100, 200 (out of order, one submit each); object 2 one version.
async fn versioned_store(kind: Kind) -> TestStore {
    let t = fresh(kind).await;
    t.submit(vec![indicator(1, 300, "a")]).await;
    t.submit(vec![indicator(1, 100, "a"), indicator(2, 500, "a")])
        .await;
    t.submit(vec![indicator(1, 200, "a")]).await;
    t
}

fn sorted(mut rows: Vec<(String, String)>) -> Vec<(String, String)> {
    rows.sort();
    rows
}

fn v(n: usize, seconds: i64) -> (String, String) {
    (
        format!("indicator--{:08x}-0000-4000-8000-000000000000", n),
        version_text(seconds),
    )
}

async fn version_filter_last_selects_the_newest_version(kind: Kind) {
    let t = versioned_store(kind).await;
    let rows = t.manifest_all(query(1)).await;
    assert_eq!(sorted(rows), vec![v(1, 300), v(2, 500)]);
}

async fn version_filter_first_selects_the_oldest_version(kind: Kind) {
    let t = versioned_store(kind).await;
    let mut q = query(1);
    q.versions = VersionFilter {
        first: true,
        ..VersionFilter::default()
    };
    assert_eq!(sorted(t.manifest_all(q).await), vec![v(1, 100), v(2, 500)]);
}

async fn version_filter_all_selects_every_version(kind: Kind) {
    let t = versioned_store(kind).await;
    let mut q = query(2);
    q.versions = VersionFilter::all();
    // In date-added order, not version order.
    assert_eq!(
        t.manifest_all(q).await,
        vec![v(1, 300), v(1, 100), v(2, 500), v(1, 200)]
    );
}

async fn version_filter_timestamps_select_exact_versions(kind: Kind) {
    let t = versioned_store(kind).await;
    let mut q = query(10);
    q.versions = VersionFilter {
        at: vec![stix_time(200).1, stix_time(500).1, stix_time(999).1],
        ..VersionFilter::default()
    };
    assert_eq!(
        sorted(t.manifest_all(q.clone()).await),
        vec![v(1, 200), v(2, 500)]
    );
    // Parts combine: first OR a timestamp.
    q.versions.first = true;
    q.versions.at = vec![stix_time(200).1];
    assert_eq!(
        sorted(t.manifest_all(q).await),
        vec![v(1, 100), v(1, 200), v(2, 500)]
    );
}

async fn id_type_and_spec_version_filters_narrow_the_result(kind: Kind) {
    let t = fresh(kind).await;
    t.submit(vec![
        indicator(1, 100, "a"),
        indicator(2, 100, "a"),
        ipv4(3, "a"),
    ])
    .await;
    let mut q = query(10);
    q.ids = vec![v(2, 0).0, "indicator--nope".to_owned()];
    assert_eq!(t.manifest_all(q).await, vec![v(2, 100)]);
    let mut q = query(10);
    q.types = vec!["ipv4-addr".to_owned()];
    let rows = t.manifest_all(q).await;
    assert_eq!(rows.len(), 1);
    assert!(rows[0].0.starts_with("ipv4-addr--"));
    let mut q = query(10);
    q.spec_versions = vec!["2.0".to_owned()];
    assert!(t.manifest_all(q.clone()).await.is_empty());
    q.spec_versions = vec!["2.0".to_owned(), "2.1".to_owned()];
    assert_eq!(t.manifest_all(q).await.len(), 3);
}

async fn identical_repost_is_a_success_without_a_new_row(kind: Kind) {
    let t = fresh(kind).await;
    t.submit(vec![indicator(1, 100, "a")]).await;
    let status = t
        .submit(vec![indicator(1, 100, "a"), indicator(1, 100, "a")])
        .await;
    assert_eq!(status.successes.len(), 2);
    assert!(status.failures.is_empty());
    let mut q = query(10);
    q.versions = VersionFilter::all();
    assert_eq!(t.manifest_all(q).await, vec![v(1, 100)]);
}

async fn a_different_object_under_a_stored_version_is_a_failure(kind: Kind) {
    let t = fresh(kind).await;
    t.submit(vec![indicator(1, 100, "a")]).await;
    let status = t
        .submit(vec![indicator(1, 100, "changed"), indicator(2, 100, "a")])
        .await;
    assert_eq!(status.successes.len(), 1);
    assert_eq!(status.failures.len(), 1);
    let failure = &status.failures[0];
    assert_eq!((failure.id.clone(), failure.version.clone()), v(1, 100));
    assert!(
        failure
            .message
            .as_deref()
            .unwrap()
            .contains("already stored")
    );
    let page = t
        .store
        .objects(t.shared, &local(), &query(10))
        .await
        .unwrap();
    assert!(page.items[0].raw.get().contains(r#""name":"a""#));
}

async fn objects_without_a_version_are_versioned_by_content(kind: Kind) {
    let t = fresh(kind).await;
    let first = t.submit(vec![ipv4(1, "a")]).await;
    let again = t.submit(vec![ipv4(1, "a")]).await;
    assert_eq!(first.successes, again.successes, "same version reported");
    t.submit(vec![ipv4(1, "b")]).await;
    let mut q = query(10);
    q.versions = VersionFilter::all();
    let page = t.store.manifest(t.shared, &local(), &q).await.unwrap();
    assert_eq!(page.items.len(), 2);
    // Their version is their date added.
    for item in &page.items {
        assert_eq!(item.version, item.position.date_added.to_string());
    }
    assert_eq!(first.successes[0].version, page.items[0].version);
    let last = t
        .store
        .objects(t.shared, &local(), &query(10))
        .await
        .unwrap();
    assert_eq!(last.items.len(), 1);
    assert!(last.items[0].raw.get().contains(r#""x_note":"b""#));
}

async fn date_added_strictly_increases_across_concurrent_submits(kind: Kind) {
    // A frozen clock: every date added must still be unique and increasing.
    let frozen: Clock = Arc::new(|| 1_700_000_000_000_000);
    let t = Arc::new(fresh_with_clock(kind, frozen).await);
    let mut tasks = Vec::new();
    for task in 0..8 {
        let t = Arc::clone(&t);
        tasks.push(tokio::spawn(async move {
            for round in 0..5 {
                let objects = (0..20)
                    .map(|i| indicator(task * 1_000 + round * 100 + i, 100, "a"))
                    .collect();
                t.submit(objects).await;
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let mut q = query(10_000);
    q.versions = VersionFilter::all();
    let page = t.store.manifest(t.shared, &local(), &q).await.unwrap();
    assert_eq!(page.items.len(), 800);
    for pair in page.items.windows(2) {
        assert!(pair[0].position.date_added < pair[1].position.date_added);
        assert!(pair[0].position.seq < pair[1].position.seq);
    }
    assert!(page.items[0].position.date_added >= DateAdded(1_700_000_000_000_000));
}

async fn delete_removes_matching_versions_and_moves_first_and_last(kind: Kind) {
    let t = versioned_store(kind).await;
    let id = v(1, 0).0;
    let deleted = t
        .store
        .delete_object(t.shared, &local(), &id, &VersionFilter::last(), &[])
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(
        sorted(t.manifest_all(query(10)).await),
        vec![v(1, 200), v(2, 500)]
    );
    let mut first = query(10);
    first.versions = VersionFilter {
        first: true,
        ..VersionFilter::default()
    };
    let deleted = t
        .store
        .delete_object(t.shared, &local(), &id, &first.versions, &[])
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    // The one version left is both first and last.
    assert_eq!(
        sorted(t.manifest_all(first).await),
        vec![v(1, 200), v(2, 500)]
    );
    assert_eq!(
        sorted(t.manifest_all(query(10)).await),
        vec![v(1, 200), v(2, 500)]
    );
    let deleted = t
        .store
        .delete_object(t.shared, &local(), &id, &VersionFilter::all(), &[])
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    assert_eq!(t.manifest_all(query(10)).await, vec![v(2, 500)]);
    let deleted = t
        .store
        .delete_object(t.shared, &local(), &id, &VersionFilter::all(), &[])
        .await
        .unwrap();
    assert_eq!(deleted, 0);
}

async fn status_is_persisted_and_read_back(kind: Kind) {
    let t = fresh(kind).await;
    t.submit(vec![indicator(1, 100, "a")]).await;
    let mut envelope = submission(
        t.shared,
        vec![indicator(1, 100, "b"), indicator(2, 100, "a")],
    );
    envelope.refused.push(RefusedObject {
        id: Some("malware--x".to_owned()),
        version: None,
        message: "`name` is required".to_owned(),
    });
    let written = t.store.submit(vec![envelope]).await.unwrap().pop().unwrap();
    assert_eq!(written.status, "complete");
    assert_eq!(written.submitter, "local");
    assert_eq!(
        written.successes,
        vec![StatusDetail {
            id: v(2, 0).0,
            version: version_text(100),
            message: None
        }]
    );
    assert_eq!(written.failures.len(), 2);
    assert_eq!(written.failures[0].id, "malware--x");
    let read = t.store.status(&root(), written.id).await.unwrap();
    assert_eq!(read.as_ref(), Some(&written));
    let other_root = ApiRootName::parse("other").unwrap();
    assert_eq!(t.store.status(&other_root, written.id).await.unwrap(), None);
    let unknown = StatusId::from_uuid(Uuid::new_v4());
    assert_eq!(t.store.status(&root(), unknown).await.unwrap(), None);
}

async fn submissions_to_an_unknown_collection_fail_per_object(kind: Kind) {
    let t = fresh(kind).await;
    let unknown = CollectionId::from_uuid(Uuid::new_v4());
    let records = t
        .store
        .submit(vec![
            submission(unknown, vec![indicator(1, 100, "a")]),
            submission(t.shared, vec![indicator(1, 100, "a")]),
        ])
        .await
        .unwrap();
    assert_eq!(records[0].failures.len(), 1);
    assert_eq!(records[1].successes.len(), 1);
}

async fn tokens_authenticate_only_unrevoked_credentials_of_active_partners(kind: Kind) {
    let t = fresh(kind).await;
    let bootstrap = t
        .store
        .authenticate_credential(CredentialKind::Token, &t.bootstrap_token)
        .await
        .unwrap();
    assert_eq!(bootstrap.unwrap().partner_id, "local");
    t.store
        .add_partner("acme", "ACME CERT", "member")
        .await
        .unwrap();
    let token = digest("acme-token");
    let id = t
        .store
        .create_credential("acme", CredentialKind::Token, Some("laptop"), token)
        .await
        .unwrap();
    let principal = t
        .store
        .authenticate_credential(CredentialKind::Token, &token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            principal.partner_id.as_str(),
            principal.credential_id.as_str()
        ),
        ("acme", id.as_str())
    );
    assert_eq!(
        t.store
            .authenticate_credential(CredentialKind::Token, &digest("unknown"))
            .await
            .unwrap(),
        None
    );

    t.store
        .set_partner_status("acme", PartnerStatus::Suspended)
        .await
        .unwrap();
    assert_eq!(
        t.store
            .authenticate_credential(CredentialKind::Token, &token)
            .await
            .unwrap(),
        None
    );
    t.store
        .set_partner_status("acme", PartnerStatus::Active)
        .await
        .unwrap();
    assert!(
        t.store
            .authenticate_credential(CredentialKind::Token, &token)
            .await
            .unwrap()
            .is_some()
    );

    t.store.revoke_credential(&id).await.unwrap();
    assert_eq!(
        t.store
            .authenticate_credential(CredentialKind::Token, &token)
            .await
            .unwrap(),
        None
    );
    let listed = t.store.list_credentials(Some("acme")).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].label.as_deref(), Some("laptop"));
    assert!(listed[0].revoked.is_some());
    assert!(matches!(
        t.store.revoke_credential("nope").await,
        Err(StoreAdminError::NotFound(_))
    ));
    assert!(matches!(
        t.store
            .create_credential("nobody", CredentialKind::Token, None, digest("x"))
            .await,
        Err(StoreAdminError::NotFound(_))
    ));
}

async fn grants_set_exactly_the_given_rights(kind: Kind) {
    let t = fresh(kind).await;
    t.store.add_partner("acme", "ACME", "member").await.unwrap();
    let other = t
        .store
        .add_collection(&root(), Some("intel"), "Intel", Some("for partners"))
        .await
        .unwrap();
    let seen = t.store.collections(&root(), "acme").await.unwrap();
    assert_eq!(seen.len(), 2);
    assert!(seen.iter().all(|(_, access)| !access.is_visible()));
    let read_only = Access {
        can_read: true,
        can_write: false,
    };
    t.store.grant("acme", other, read_only).await.unwrap();
    let (record, access) = t
        .store
        .collection(&root(), other, "acme")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (record.alias.as_deref(), record.title.as_str()),
        (Some("intel"), "Intel")
    );
    assert_eq!(record.description.as_deref(), Some("for partners"));
    assert_eq!(access, read_only);
    let write_only = Access {
        can_read: false,
        can_write: true,
    };
    t.store.grant("acme", other, write_only).await.unwrap();
    let (_, access) = t
        .store
        .collection(&root(), other, "acme")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(access, write_only);
    let (_, local_access) = t
        .store
        .collection(&root(), t.shared, "local")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        local_access,
        Access {
            can_read: true,
            can_write: true
        }
    );
    // Another API root does not hold the collection.
    t.store
        .add_api_root(&ApiRootName::parse("other").unwrap(), "Other", None, 1_000)
        .await
        .unwrap();
    let elsewhere = t
        .store
        .collection(&ApiRootName::parse("other").unwrap(), other, "acme")
        .await
        .unwrap();
    assert!(elsewhere.is_none());
    assert!(matches!(
        t.store
            .add_collection(&root(), Some("intel"), "Again", None)
            .await,
        Err(StoreAdminError::AlreadyExists(_))
    ));
    assert!(matches!(
        t.store.grant("nobody", other, read_only).await,
        Err(StoreAdminError::NotFound(_))
    ));
    assert_eq!(
        t.store
            .find_collection(&other.to_string())
            .await
            .unwrap()
            .id,
        other
    );
    assert_eq!(t.store.list_collections().await.unwrap().len(), 2);
}

async fn collection_aliases_are_unique_per_api_root(kind: Kind) {
    let t = fresh(kind).await;
    let other = ApiRootName::parse("other").unwrap();
    t.store
        .add_api_root(&other, "Other", None, 1_000)
        .await
        .unwrap();
    let elsewhere = t
        .store
        .add_collection(&other, Some("shared"), "Shared too", None)
        .await
        .unwrap();
    assert!(matches!(
        t.store
            .add_collection(&other, Some("shared"), "Again", None)
            .await,
        Err(StoreAdminError::AlreadyExists(_))
    ));
    // By alias only while the alias names one collection; by id always.
    assert!(matches!(
        t.store.find_collection("shared").await,
        Err(StoreAdminError::Invalid(_))
    ));
    assert_eq!(
        t.store
            .find_collection(&elsewhere.to_string())
            .await
            .unwrap()
            .api_root,
        other
    );
    assert!(matches!(
        t.store.find_collection("nothing").await,
        Err(StoreAdminError::NotFound(_))
    ));
    assert!(matches!(
        t.store
            .add_collection(&ApiRootName::parse("missing").unwrap(), None, "X", None)
            .await,
        Err(StoreAdminError::NotFound(_))
    ));
}

async fn bootstrap_creates_the_first_start_resources_once(kind: Kind) {
    let t = fresh(kind).await;
    assert!(!t.store.bootstrap(digest("another")).await.unwrap());
    let roots = t.store.api_roots().await.unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(
        (roots[0].name.as_str(), roots[0].title.as_str()),
        ("default", "Accord")
    );
    assert_eq!(roots[0].max_content_length, 104_857_600);
    let collections = t.store.collections(&root(), "local").await.unwrap();
    assert_eq!(collections.len(), 1);
    assert_eq!(collections[0].0.alias.as_deref(), Some("shared"));
    assert_eq!(collections[0].0.title, "Shared");
    let partners = t.store.list_partners().await.unwrap();
    assert_eq!(partners.len(), 1);
    assert_eq!(
        (partners[0].id.as_str(), partners[0].role.as_str()),
        ("local", "lead")
    );
    assert_eq!(
        t.store
            .authenticate_credential(CredentialKind::Token, &digest("another"))
            .await
            .unwrap(),
        None
    );
    // Revoking the bootstrap token does not make a restart mint a new one.
    let credential = &t.store.list_credentials(Some("local")).await.unwrap()[0];
    t.store.revoke_credential(&credential.id).await.unwrap();
    assert!(!t.store.bootstrap(digest("another")).await.unwrap());
}

async fn migrations_are_idempotent_on_reopen(kind: Kind) {
    let t = fresh(kind).await;
    t.submit(vec![indicator(1, 100, "a")]).await;
    t.store.close().await;
    let reopened = AnyStore::open(&t.url).await.unwrap();
    assert!(!reopened.bootstrap(digest("again")).await.unwrap());
    let page = reopened
        .objects(t.shared, &local(), &query(10))
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(reopened.list_collections().await.unwrap().len(), 1);
    reopened.close().await;
}

async fn a_credential_authenticates_only_as_its_own_kind(kind: Kind) {
    let t = fresh(kind).await;
    t.store
        .add_partner("acme", "ACME CERT", "member")
        .await
        .unwrap();
    let cert = digest("acme-certificate");
    t.store
        .create_credential("acme", CredentialKind::ClientCertificate, None, cert)
        .await
        .unwrap();
    let principal = t
        .store
        .authenticate_credential(CredentialKind::ClientCertificate, &cert)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(principal.method, AuthMethod::ClientCertificate);
    assert_eq!(
        t.store
            .authenticate_credential(CredentialKind::Token, &cert)
            .await
            .unwrap(),
        None,
        "a certificate's digest is not a token"
    );
    assert_eq!(
        t.store
            .authenticate_credential(CredentialKind::ClientCertificate, &t.bootstrap_token)
            .await
            .unwrap(),
        None,
        "a token's digest is not a certificate"
    );
    let listed = t.store.list_credentials(Some("acme")).await.unwrap();
    assert_eq!(listed[0].kind, "mtls");
}

macro_rules! contract {
    ($($rule:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $rule() {
                    super::$rule(super::Kind::Sqlite).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $rule() {
                    super::$rule(super::Kind::Postgres).await;
                }
            )*
        }
    };
}

contract!(
    keyset_paging_returns_every_row_once_while_rows_are_added,
    more_is_exact,
    added_after_is_exclusive,
    version_filter_last_selects_the_newest_version,
    version_filter_first_selects_the_oldest_version,
    version_filter_all_selects_every_version,
    version_filter_timestamps_select_exact_versions,
    id_type_and_spec_version_filters_narrow_the_result,
    identical_repost_is_a_success_without_a_new_row,
    a_different_object_under_a_stored_version_is_a_failure,
    objects_without_a_version_are_versioned_by_content,
    date_added_strictly_increases_across_concurrent_submits,
    delete_removes_matching_versions_and_moves_first_and_last,
    status_is_persisted_and_read_back,
    submissions_to_an_unknown_collection_fail_per_object,
    tokens_authenticate_only_unrevoked_credentials_of_active_partners,
    a_credential_authenticates_only_as_its_own_kind,
    grants_set_exactly_the_given_rights,
    collection_aliases_are_unique_per_api_root,
    bootstrap_creates_the_first_start_resources_once,
    migrations_are_idempotent_on_reopen,
);

// ---------------------------------------------------------------------------------------------
// A quick store-level throughput figure (not a rule): `cargo test --release -p hub --test
// store_contract -- --ignored --nocapture throughput`. `ACCORD_STORE_BENCH_OBJECTS` sets the
// collection size (default 100,000).

/// A ~1 KiB indicator.
fn bench_indicator(n: usize) -> NewObject {
    let id = format!("indicator--{:08x}-1111-4000-8000-{:012x}", n, n);
    let (text, instant) = stix_time(1_600_000_000 + (n as i64 % 1_000));
    let description = "x".repeat(700);
    let raw = format!(
        r#"{{"type":"indicator","spec_version":"2.1","id":"{id}","created":"{text}","modified":"{text}","name":"bench {n}","description":"{description}","pattern":"[ipv4-addr:value = '10.{}.{}.{}']","pattern_type":"stix","valid_from":"{text}","labels":["malicious-activity"]}}"#,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    );
    object(id, "indicator", Some((text, instant)), raw)
}

async fn throughput(kind: Kind) {
    let total: usize = std::env::var("ACCORD_STORE_BENCH_OBJECTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let t = fresh(kind).await;
    let envelopes: Vec<Vec<NewObject>> = (0..total)
        .map(bench_indicator)
        .collect::<Vec<_>>()
        .chunks(1_000)
        .map(<[NewObject]>::to_vec)
        .collect();
    let started = WallInstant::now();
    for objects in envelopes {
        t.submit(objects).await;
    }
    let ingest = started.elapsed();

    let started = WallInstant::now();
    let mut q = query(1_000);
    let mut seen = 0;
    let mut page_times = Vec::new();
    loop {
        let page_started = WallInstant::now();
        let page = t.store.objects(t.shared, &local(), &q).await.unwrap();
        page_times.push(page_started.elapsed());
        seen += page.items.len();
        if !page.more {
            break;
        }
        q.after = page.items.last().map(|item| item.position);
    }
    let paging = started.elapsed();
    assert_eq!(seen, total);
    let first_pages = &page_times[..page_times.len().min(10)];
    let last_pages = &page_times[page_times.len().saturating_sub(10)..];
    let mean = |times: &[std::time::Duration]| {
        times.iter().map(|d| d.as_secs_f64()).sum::<f64>() / times.len() as f64 * 1e3
    };
    println!(
        "{kind:?}: {total} objects; ingest {:.0} objects/s (1,000 per envelope); paging {:.0} objects/s \
         (limit 1,000); mean page {:.2} ms for the first 10 pages, {:.2} ms for the last 10",
        total as f64 / ingest.as_secs_f64(),
        total as f64 / paging.as_secs_f64(),
        mean(first_pages),
        mean(last_pages),
    );
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn throughput_sqlite() {
    throughput(Kind::Sqlite).await;
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn throughput_postgres() {
    throughput(Kind::Postgres).await;
}
