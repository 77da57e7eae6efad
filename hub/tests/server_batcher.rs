//! Group commit (`hub::server::Batched`) on a real SQLite store: concurrent submissions share
//! transactions, and each caller gets exactly its own status resources, after the commit.

// Test helpers, not library code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use hub::auth::token_digest;
use hub::server::Batched;
use hub::store::AnyStore;
use serde_json::json;
use stix_model::Validator;
use taxii::ids::{ApiRootName, CollectionId, StatusId};
use taxii::query::{ObjectQuery, VersionFilter};
use taxii::store::CredentialKind;
use taxii::store::{
    Access, ApiRootRecord, CollectionRecord, ManifestRecord, ObjectRecord, Page, Principal,
    StatusRecord, Store, StoreError, Submission,
};

/// The real store, counting the `submit` calls that reach it.
struct Counting {
    inner: AnyStore,
    submits: AtomicUsize,
}

impl Store for Counting {
    async fn api_roots(&self) -> Result<Vec<ApiRootRecord>, StoreError> {
        self.inner.api_roots().await
    }
    async fn api_root(&self, name: &ApiRootName) -> Result<Option<ApiRootRecord>, StoreError> {
        self.inner.api_root(name).await
    }
    async fn collections(
        &self,
        api_root: &ApiRootName,
        partner: &str,
    ) -> Result<Vec<(CollectionRecord, Access)>, StoreError> {
        self.inner.collections(api_root, partner).await
    }
    async fn collection(
        &self,
        api_root: &ApiRootName,
        id: CollectionId,
        partner: &str,
    ) -> Result<Option<(CollectionRecord, Access)>, StoreError> {
        self.inner.collection(api_root, id, partner).await
    }
    async fn objects(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ObjectRecord>, StoreError> {
        self.inner.objects(collection, reader, query).await
    }
    async fn manifest(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ManifestRecord>, StoreError> {
        self.inner.manifest(collection, reader, query).await
    }
    async fn submit(&self, submissions: Vec<Submission>) -> Result<Vec<StatusRecord>, StoreError> {
        self.submits.fetch_add(1, Ordering::SeqCst);
        self.inner.submit(submissions).await
    }
    async fn delete_object(
        &self,
        collection: CollectionId,
        reader: &Principal,
        object_id: &str,
        versions: &VersionFilter,
        spec_versions: &[String],
    ) -> Result<u64, StoreError> {
        self.inner
            .delete_object(collection, reader, object_id, versions, spec_versions)
            .await
    }
    async fn status(
        &self,
        api_root: &ApiRootName,
        id: StatusId,
    ) -> Result<Option<StatusRecord>, StoreError> {
        self.inner.status(api_root, id).await
    }
    async fn authenticate_credential(
        &self,
        kind: CredentialKind,
        digest: &[u8; 32],
    ) -> Result<Option<Principal>, StoreError> {
        self.inner.authenticate_credential(kind, digest).await
    }
}

fn indicator(n: usize) -> serde_json::Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": format!("indicator--8e2e2d2b-17d4-4cbf-938f-{n:012}"),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250),
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z"
    })
}

#[actix_web::test]
async fn concurrent_submissions_share_commits_and_each_caller_gets_its_own_status() {
    let dir = std::env::temp_dir().join(format!("accord-batcher-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let store = AnyStore::open(&format!("sqlite://{}/accord.db", dir.display()))
        .await
        .unwrap();
    store.bootstrap(token_digest("batcher")).await.unwrap();
    let submitter = store
        .authenticate_credential(CredentialKind::Token, &token_digest("batcher"))
        .await
        .unwrap()
        .unwrap();
    let collection = store.find_collection("shared").await.unwrap();
    let counting = Arc::new(Counting {
        inner: store.clone(),
        submits: AtomicUsize::new(0),
    });
    let batched = Rc::new(Batched::start(Arc::clone(&counting)));

    const REQUESTS: usize = 40;
    let validator = Validator::default();
    let mut tasks = Vec::new();
    for n in 0..REQUESTS {
        let body = serde_json::to_vec(&json!({ "objects": [indicator(n)] })).unwrap();
        let ingested = taxii::ingest::read_envelope(&body, &validator, 10).unwrap();
        let status_id = StatusId::from_uuid(uuid::Uuid::new_v4());
        let submission = Submission {
            status_id,
            api_root: collection.api_root.clone(),
            collection: collection.id,
            submitter: submitter.clone(),
            objects: ingested.objects,
            refused: ingested.refused,
        };
        let batched = Rc::clone(&batched);
        tasks.push((
            n,
            status_id,
            actix_web::rt::spawn(async move { batched.submit(vec![submission]).await }),
        ));
    }
    for (n, status_id, task) in tasks {
        let statuses = task.await.unwrap().unwrap();
        assert_eq!(statuses.len(), 1);
        assert_eq!(statuses[0].id, status_id);
        assert_eq!(statuses[0].successes.len(), 1);
        assert_eq!(statuses[0].successes[0].id, indicator(n)["id"]);
    }
    let submits = counting.submits.load(Ordering::SeqCst);
    assert!(
        submits < REQUESTS,
        "{submits} transactions for {REQUESTS} requests"
    );

    let everything = ObjectQuery {
        added_after: None,
        after: None,
        limit: 1000,
        ids: Vec::new(),
        types: Vec::new(),
        versions: VersionFilter::all(),
        spec_versions: Vec::new(),
    };
    let page = store
        .objects(collection.id, &submitter, &everything)
        .await
        .unwrap();
    assert_eq!(page.items.len(), REQUESTS);
    let _ = std::fs::remove_dir_all(&dir);
}
