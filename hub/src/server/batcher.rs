//! Group commit: a [`Store`] whose `submit` merges concurrent envelopes into one transaction.
//!
//! A committed transaction costs a durable flush (fsync) whatever its size, so one commit per
//! single-object POST caps ingest at a few hundred requests per second. Here every `submit`
//! hands its envelopes to one writer task; the writer takes everything queued by the time it is
//! free (up to [`MAX_BATCH_OBJECTS`] objects), stores it with one call to the inner store's
//! `submit` (one transaction), and only then answers each caller with its own status
//! resources. No caller is answered before the commit that holds its objects, and no delay is
//! added to wait for company: a lone request is written at once, and requests arriving while a
//! commit is in flight share the next one.
//!
//! When a merged batch fails, each envelope of it is retried on its own, so that one
//! envelope's failure is not every caller's.
//!
//! Reads pass through to the inner store; with a [`ReleaseRecorder`], each read that
//! released at least one version also queues its `release` audit record (never waiting for
//! it). The other methods pass straight through.

use std::sync::Arc;

use taxii::ids::{ApiRootName, CollectionId, StatusId};
use taxii::query::{ObjectQuery, VersionFilter};
use taxii::store::CredentialKind;
use taxii::store::{
    Access, ApiRootRecord, CollectionRecord, ManifestRecord, ObjectRecord, Page, Principal,
    StatusRecord, Store, StoreError, Submission,
};
use tokio::sync::{mpsc, oneshot};

use super::release_audit::ReleaseRecorder;

/// Objects merged into one transaction at most (an envelope larger than this goes alone).
pub const MAX_BATCH_OBJECTS: usize = 10_000;

/// Envelopes waiting for the writer at most; past this, `submit` waits for room.
const QUEUE_DEPTH: usize = 4096;

type Reply = oneshot::Sender<Result<Vec<StatusRecord>, StoreError>>;

struct Job {
    submissions: Vec<Submission>,
    reply: Reply,
}

impl Job {
    fn objects(&self) -> usize {
        self.submissions
            .iter()
            .map(|s| s.objects.len() + s.refused.len())
            .sum::<usize>()
            .max(1)
    }
}

/// A store whose writes go through one group-committing writer task.
pub struct Batched<S> {
    inner: Arc<S>,
    queue: mpsc::Sender<Job>,
    releases: Option<ReleaseRecorder>,
}

impl<S: Store + 'static> Batched<S> {
    /// Starts the writer task on the current thread's local task set (the actix system's, in
    /// the server); it ends when the last `Batched` handle is dropped.
    pub fn start(inner: Arc<S>) -> Batched<S> {
        let (queue, jobs) = mpsc::channel(QUEUE_DEPTH);
        actix_web::rt::spawn(writer(Arc::clone(&inner), jobs));
        Batched {
            inner,
            queue,
            releases: None,
        }
    }
}

impl<S> Batched<S> {
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// Records every read that releases something with `recorder`.
    pub fn recording_releases(mut self, recorder: ReleaseRecorder) -> Batched<S> {
        self.releases = Some(recorder);
        self
    }
}

async fn writer<S: Store>(store: Arc<S>, mut jobs: mpsc::Receiver<Job>) {
    let mut carried: Option<Job> = None;
    loop {
        let first = match carried.take() {
            Some(job) => job,
            None => match jobs.recv().await {
                Some(job) => job,
                None => return,
            },
        };
        let mut objects = first.objects();
        let mut batch = vec![first];
        while objects < MAX_BATCH_OBJECTS {
            match jobs.try_recv() {
                Ok(job) if objects + job.objects() > MAX_BATCH_OBJECTS => {
                    carried = Some(job);
                    break;
                }
                Ok(job) => {
                    objects += job.objects();
                    batch.push(job);
                }
                Err(_) => break,
            }
        }
        commit(&*store, batch).await;
    }
}

/// Stores `batch` in one transaction and answers every job; on failure, retries each job alone.
async fn commit<S: Store>(store: &S, batch: Vec<Job>) {
    if batch.len() == 1 {
        for job in batch {
            let result = store.submit(job.submissions).await;
            // A caller that went away (client disconnected) needs no answer; its objects are
            // committed all the same.
            let _ = job.reply.send(result);
        }
        return;
    }
    let counts: Vec<usize> = batch.iter().map(|job| job.submissions.len()).collect();
    let merged: Vec<Submission> = batch
        .iter()
        .flat_map(|job| job.submissions.iter().cloned())
        .collect();
    tracing::debug!(
        envelopes = merged.len(),
        requests = batch.len(),
        "group commit"
    );
    match store.submit(merged).await {
        Ok(statuses) if statuses.len() == counts.iter().sum::<usize>() => {
            let mut statuses = statuses.into_iter();
            for (job, count) in batch.into_iter().zip(counts) {
                let own: Vec<StatusRecord> = statuses.by_ref().take(count).collect();
                let _ = job.reply.send(Ok(own));
            }
        }
        Ok(statuses) => {
            // The inner store broke its contract; the batch is committed but cannot be split
            // with certainty, so no caller is told success.
            tracing::error!(
                expected = counts.iter().sum::<usize>(),
                got = statuses.len(),
                "store returned a status count unlike the envelope count"
            );
            for job in batch {
                let _ = job.reply.send(Err(StoreError::Backend(
                    "status resources do not match the envelopes".to_owned(),
                )));
            }
        }
        Err(error) => {
            tracing::warn!(%error, requests = batch.len(), "group commit failed; retrying each request alone");
            for job in batch {
                let result = store.submit(job.submissions).await;
                let _ = job.reply.send(result);
            }
        }
    }
}

impl<S: Store> Store for Batched<S> {
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
        let page = self.inner.objects(collection, reader, query).await?;
        if let Some(releases) = &self.releases {
            releases.objects(collection, reader, query, &page);
        }
        Ok(page)
    }

    async fn manifest(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ManifestRecord>, StoreError> {
        let page = self.inner.manifest(collection, reader, query).await?;
        if let Some(releases) = &self.releases {
            releases.manifest(collection, reader, query, &page);
        }
        Ok(page)
    }

    async fn submit(&self, submissions: Vec<Submission>) -> Result<Vec<StatusRecord>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job { submissions, reply };
        self.queue
            .send(job)
            .await
            .map_err(|_| StoreError::Unavailable("the writer task has stopped".to_owned()))?;
        answer
            .await
            .map_err(|_| StoreError::Unavailable("the writer task has stopped".to_owned()))?
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
