//! The background worker of release jobs (STYLE.md §12): recomputation of views after a rule
//! set or partner attributes change is data — rows of `release_jobs`, claimed by one worker
//! at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL, the single writer on SQLite), with its
//! progress saved after every chunk — not a timer in one process's memory. Every `accord
//! serve` runs a worker; the admin commands that queue work run the jobs themselves before
//! returning, and tests call [`AnyStore::run_job_step`] directly.

use std::time::Duration;

use crate::store::{AnyStore, JobStep};

/// How long an idle worker waits before looking for jobs again.
pub const POLL: Duration = Duration::from_millis(500);

/// How long a worker backs off after a failed step.
pub const BACKOFF: Duration = Duration::from_secs(5);

/// A worker id for claims: random, one per process.
pub fn worker_id() -> String {
    format!("worker-{}", uuid::Uuid::new_v4().simple())
}

/// Runs release jobs for as long as the process lives: a step after a step while there is
/// work, a poll every [`POLL`] otherwise.
pub async fn worker(store: AnyStore) {
    let id = worker_id();
    loop {
        match store.run_job_step(&id).await {
            Ok(JobStep::Progressed | JobStep::Finished) => tokio::task::yield_now().await,
            Ok(JobStep::Idle | JobStep::Busy) => tokio::time::sleep(POLL).await,
            Err(error) => {
                tracing::warn!(%error, "release job step failed; retrying");
                if let Err(record) = store
                    .record_job_failure(&id, &error.to_string(), BACKOFF)
                    .await
                {
                    tracing::warn!(error = %record, "cannot record the failed release job step");
                }
                tokio::time::sleep(BACKOFF).await;
            }
        }
    }
}
