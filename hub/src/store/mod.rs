//! The hub's storage: [`taxii::store::Store`] on SQLite (the embedded default) and PostgreSQL,
//! plus the administrative operations the CLI and the first start need.
//!
//! Both backends share one implementation (`shared_impl.rs`, compiled once per backend with
//! that backend's concrete sqlx types) so that their behaviour cannot drift; the few things
//! that differ — how a writing transaction starts, how the counter row is locked, how rows are
//! bulk-inserted — live in `sqlite.rs` and `postgres.rs`.
//!
//! `date_added` is assigned here, inside the writing transaction, after locking the counter
//! row: it is unique and strictly increasing in commit order, so a keyset page that ends at a
//! position never misses a row committed later.

pub mod audit;
mod plan;
pub mod postgres;
pub mod settlement;
pub mod sqlite;

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use taxii::ids::{ApiRootName, CollectionId, StatusId};
use taxii::query::{DateAdded, ObjectQuery, VersionFilter};
use taxii::store::CredentialKind;
use taxii::store::{
    Access, ApiRootRecord, CollectionRecord, ManifestRecord, ObjectRecord, Page, Principal,
    StatusRecord, Store, StoreError, Submission,
};

pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// The clock the store reads `date_added` and other timestamps from: microseconds since the
/// Unix epoch. Injected so that tests can freeze or skew it.
pub type Clock = Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|elapsed| i64::try_from(elapsed.as_micros()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    })
}

/// The API root every hub starts with.
pub const DEFAULT_API_ROOT: &str = "default";
/// The alias of the collection every hub starts with.
pub const DEFAULT_COLLECTION_ALIAS: &str = "shared";
/// The partner every hub starts with: the local analyst.
pub const LOCAL_PARTNER: &str = "local";
/// The default `max_content_length` of API roots: 100 MiB.
pub const DEFAULT_MAX_CONTENT_LENGTH: u64 = 104_857_600;

/// A failure of an administrative operation.
#[derive(Debug, thiserror::Error)]
pub enum StoreAdminError {
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0} already exists")]
    AlreadyExists(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerStatus {
    Active,
    Suspended,
}

impl PartnerStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PartnerStatus::Active => "active",
            PartnerStatus::Suspended => "suspended",
        }
    }

    fn parse(text: &str) -> Result<PartnerStatus, StoreError> {
        match text {
            "active" => Ok(PartnerStatus::Active),
            "suspended" => Ok(PartnerStatus::Suspended),
            other => Err(StoreError::Backend(format!(
                "unknown partner status {other:?}"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRecord {
    pub id: String,
    pub display_name: String,
    pub role: String,
    pub status: PartnerStatus,
    /// Microseconds since the Unix epoch.
    pub created: i64,
}

/// A credential as listed: never the secret, which is not stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialRecord {
    pub id: String,
    pub partner_id: String,
    /// `token` (a bearer token, also usable as the HTTP Basic password) or `mtls` (a client
    /// certificate).
    pub kind: String,
    pub label: Option<String>,
    /// Microseconds since the Unix epoch.
    pub created: i64,
    /// When it was revoked, in microseconds since the Unix epoch.
    pub revoked: Option<i64>,
}

/// What one step of the background release jobs did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStep {
    /// No job is due.
    Idle,
    /// Another worker is running a job.
    Busy,
    /// A chunk of a job was done; more remain.
    Progressed,
    /// A job finished.
    Finished,
}

/// Why one stored version of an object is released to a partner or withheld from it.
#[derive(Debug, Clone)]
pub struct Explanation {
    pub collection: CollectionId,
    pub version: String,
    /// 0, or the variant a partner that could not see the stored version posted.
    pub variant: i32,
    pub submitter: Option<String>,
    /// The hub's receive time (date added), microseconds since the epoch.
    pub received_at: i64,
    /// Whether the version is in the partner's view now.
    pub in_view: bool,
    /// Referenced objects withheld from the partner (closure).
    pub withheld_refs: Vec<String>,
    /// Per rule-set version in force (applied, then pending): the decision now.
    pub rule_sets: Vec<(i64, crate::fanout::Explained)>,
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A store on either backend, chosen by the URL it is opened with.
#[derive(Debug, Clone)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $body:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $body,
            AnyStore::Postgres($store) => $body,
        }
    };
}

impl AnyStore {
    /// Opens (creating if needed) the store at `url` — `sqlite://PATH` (the file and its
    /// directory are created) or `postgres://…` — and applies the migrations.
    pub async fn open(url: &str) -> Result<AnyStore, StoreError> {
        AnyStore::open_with_clock(url, system_clock()).await
    }

    pub async fn open_with_clock(url: &str, clock: Clock) -> Result<AnyStore, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(AnyStore::Sqlite(SqliteStore::open(url, clock).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(AnyStore::Postgres(PgStore::open(url, clock).await?))
        } else {
            Err(StoreError::Unavailable(
                "the database URL must start with sqlite: or postgres://".to_owned(),
            ))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            AnyStore::Sqlite(_) => Backend::Sqlite,
            AnyStore::Postgres(_) => Backend::Postgres,
        }
    }

    /// The key TAXII `next` cursors are sealed with: the database's, made on first use.
    pub async fn cursor_key(&self) -> Result<taxii::cursor::CursorKey, StoreError> {
        dispatch!(self, store => store.cursor_key().await)
    }

    /// Closes the connection pools, waiting for connections in use to be returned.
    pub async fn close(&self) {
        dispatch!(self, store => store.close().await)
    }

    /// Creates, where missing, what a first start needs: API root `default` (title "Accord"),
    /// the collection with alias `shared` (title "Shared") readable and writable by partner
    /// `local` (role `lead`), and — when `local` has never had a credential — a credential
    /// whose token has the SHA-256 `new_token_digest`. Returns whether that credential was
    /// created, i.e. whether the caller must show the token. Safe to run concurrently from
    /// several processes.
    pub async fn bootstrap(&self, new_token_digest: [u8; 32]) -> Result<bool, StoreError> {
        let created = dispatch!(self, store => store.bootstrap(new_token_digest).await)?;
        // A store upgraded from before release labels computes its views once, here.
        self.run_release_jobs(&crate::fanout::jobs::worker_id())
            .await?;
        Ok(created)
    }

    pub async fn add_api_root(
        &self,
        name: &ApiRootName,
        title: &str,
        description: Option<&str>,
        max_content_length: u64,
    ) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.add_api_root(name, title, description, max_content_length).await)
    }

    /// Adds an active partner. Partner ids are 1–64 characters of `A-Z a-z 0-9 . _ - @`
    /// (they are the HTTP Basic user name, so never a colon).
    pub async fn add_partner(
        &self,
        id: &str,
        display_name: &str,
        role: &str,
    ) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.add_partner(id, display_name, role).await)?;
        // Returns once the new partner's view is computed.
        self.run_release_jobs(&crate::fanout::jobs::worker_id())
            .await?;
        Ok(())
    }

    pub async fn list_partners(&self) -> Result<Vec<PartnerRecord>, StoreAdminError> {
        dispatch!(self, store => store.list_partners().await)
    }

    /// Suspends or reactivates a partner; a suspended partner's credentials do not
    /// authenticate.
    pub async fn set_partner_status(
        &self,
        id: &str,
        status: PartnerStatus,
    ) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.set_partner_status(id, status).await)?;
        self.run_release_jobs(&crate::fanout::jobs::worker_id())
            .await?;
        Ok(())
    }

    /// Adds a collection with a new random id, which it returns.
    pub async fn add_collection(
        &self,
        api_root: &ApiRootName,
        alias: Option<&str>,
        title: &str,
        description: Option<&str>,
    ) -> Result<CollectionId, StoreAdminError> {
        dispatch!(self, store => store.add_collection(api_root, alias, title, description).await)
    }

    /// Every collection of every API root.
    pub async fn list_collections(&self) -> Result<Vec<CollectionRecord>, StoreAdminError> {
        dispatch!(self, store => store.list_collections().await)
    }

    /// A collection by id, or by alias when the alias is unique across API roots.
    pub async fn find_collection(
        &self,
        id_or_alias: &str,
    ) -> Result<CollectionRecord, StoreAdminError> {
        dispatch!(self, store => store.find_collection(id_or_alias).await)
    }

    /// Sets exactly the given rights of a partner in a collection.
    pub async fn grant(
        &self,
        partner: &str,
        collection: CollectionId,
        access: Access,
    ) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.grant(partner, collection, access).await)
    }

    /// Stores a credential (by its SHA-256 digest) for a partner; returns its id.
    pub async fn create_credential(
        &self,
        partner: &str,
        kind: CredentialKind,
        label: Option<&str>,
        digest: [u8; 32],
    ) -> Result<String, StoreAdminError> {
        dispatch!(self, store => store.create_credential(partner, kind, label, digest).await)
    }

    pub async fn list_credentials(
        &self,
        partner: Option<&str>,
    ) -> Result<Vec<CredentialRecord>, StoreAdminError> {
        dispatch!(self, store => store.list_credentials(partner).await)
    }

    /// Revokes a credential (revoking a revoked one changes nothing).
    pub async fn revoke_credential(&self, id: &str) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.revoke_credential(id).await)
    }

    /// Sets a partner's release attributes (nation, organisations, communities, clearances,
    /// caveats, role) and queues the recomputation of the views it changes.
    pub async fn set_partner_attributes(
        &self,
        partner: &release_rules::Partner,
    ) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.set_partner_attributes(partner).await)
    }

    /// A partner's release attributes as they stand.
    pub async fn partner_attributes(
        &self,
        id: &str,
    ) -> Result<release_rules::Partner, StoreAdminError> {
        dispatch!(self, store => store.partner_attributes(id).await)
    }

    /// Loads a rule-set version (YAML or JSON); pending until the views are recomputed.
    pub async fn load_rules(&self, text: &str) -> Result<u64, StoreAdminError> {
        dispatch!(self, store => store.load_rules(text).await)
    }

    /// Sets up the hub from a parsed mission (policy texts in the mission's order). Returns
    /// the collections declared, as `api-root/alias` with their ids.
    pub async fn init_mission(
        &self,
        mission: &release_rules::Mission,
        policy_texts: &[String],
    ) -> Result<Vec<(String, CollectionId)>, StoreAdminError> {
        dispatch!(self, store => store.init_mission(mission, policy_texts).await)
    }

    /// Release or withhold, and why, for each stored version of an object and a partner.
    pub async fn explain(
        &self,
        object_id: &str,
        partner: &str,
    ) -> Result<Vec<Explanation>, StoreAdminError> {
        dispatch!(self, store => store.explain(object_id, partner).await)
    }

    /// Runs one step of the next due release job as `worker`.
    pub async fn run_job_step(&self, worker: &str) -> Result<JobStep, StoreError> {
        dispatch!(self, store => store.run_job_step(worker).await)
    }

    /// Records a failed step of the job `worker` holds; it is retried after `backoff`.
    pub async fn record_job_failure(
        &self,
        worker: &str,
        error: &str,
        backoff: std::time::Duration,
    ) -> Result<(), StoreError> {
        let micros = i64::try_from(backoff.as_micros()).unwrap_or(i64::MAX);
        dispatch!(self, store => store.record_job_failure(worker, error, micros).await)
    }

    /// Runs release jobs until none is left (waiting while another worker holds one).
    pub async fn run_release_jobs(&self, worker: &str) -> Result<(), StoreError> {
        dispatch!(self, store => store.run_release_jobs(worker).await)
    }
}

impl Store for AnyStore {
    async fn api_roots(&self) -> Result<Vec<ApiRootRecord>, StoreError> {
        dispatch!(self, store => store.api_roots().await)
    }

    async fn api_root(&self, name: &ApiRootName) -> Result<Option<ApiRootRecord>, StoreError> {
        dispatch!(self, store => store.api_root(name).await)
    }

    async fn collections(
        &self,
        api_root: &ApiRootName,
        partner: &str,
    ) -> Result<Vec<(CollectionRecord, Access)>, StoreError> {
        dispatch!(self, store => store.collections(api_root, partner).await)
    }

    async fn collection(
        &self,
        api_root: &ApiRootName,
        id: CollectionId,
        partner: &str,
    ) -> Result<Option<(CollectionRecord, Access)>, StoreError> {
        dispatch!(self, store => store.collection(api_root, id, partner).await)
    }

    async fn objects(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ObjectRecord>, StoreError> {
        dispatch!(self, store => store.objects(collection, reader, query).await)
    }

    async fn manifest(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ManifestRecord>, StoreError> {
        dispatch!(self, store => store.manifest(collection, reader, query).await)
    }

    async fn submit(&self, submissions: Vec<Submission>) -> Result<Vec<StatusRecord>, StoreError> {
        dispatch!(self, store => store.submit(submissions).await)
    }

    async fn delete_object(
        &self,
        collection: CollectionId,
        reader: &Principal,
        object_id: &str,
        versions: &VersionFilter,
        spec_versions: &[String],
    ) -> Result<u64, StoreError> {
        dispatch!(self, store => store.delete_object(collection, reader, object_id, versions, spec_versions).await)
    }

    async fn status(
        &self,
        api_root: &ApiRootName,
        id: StatusId,
    ) -> Result<Option<StatusRecord>, StoreError> {
        dispatch!(self, store => store.status(api_root, id).await)
    }

    async fn authenticate_credential(
        &self,
        kind: CredentialKind,
        digest: &[u8; 32],
    ) -> Result<Option<Principal>, StoreError> {
        dispatch!(self, store => store.authenticate_credential(kind, digest).await)
    }
}

/// Storage failures: lost connections and exhausted pools are `Unavailable` (worth a retry
/// and a 503), everything else `Backend`.
fn store_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::Tls(_) => StoreError::Unavailable(error.to_string()),
        other => StoreError::Backend(other.to_string()),
    }
}

fn migrate_error(error: sqlx::migrate::MigrateError) -> StoreError {
    StoreError::Backend(format!("migration failed: {error}"))
}

/// Partner ids are the HTTP Basic user name: no colon, nothing that needs quoting.
fn check_partner_id(id: &str) -> Result<(), StoreAdminError> {
    let ok = (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(StoreAdminError::Invalid(format!(
            "invalid partner id {id:?}: use 1-64 characters of A-Z a-z 0-9 . _ - @"
        )))
    }
}

/// A stored date added as the TAXII timestamp type.
fn date_added(micros: i64) -> DateAdded {
    DateAdded(micros)
}

/// The JSON document that holds a status resource's details.
#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct StatusDetails {
    successes: Vec<StatusDetailDoc>,
    failures: Vec<StatusDetailDoc>,
    pendings: Vec<StatusDetailDoc>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct StatusDetailDoc {
    id: String,
    version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

impl StatusDetails {
    fn from_record(record: &StatusRecord) -> StatusDetails {
        let docs = |details: &[taxii::store::StatusDetail]| {
            details
                .iter()
                .map(|detail| StatusDetailDoc {
                    id: detail.id.clone(),
                    version: detail.version.clone(),
                    message: detail.message.clone(),
                })
                .collect()
        };
        StatusDetails {
            successes: docs(&record.successes),
            failures: docs(&record.failures),
            pendings: docs(&record.pendings),
        }
    }

    fn into_parts(
        self,
    ) -> (
        Vec<taxii::store::StatusDetail>,
        Vec<taxii::store::StatusDetail>,
        Vec<taxii::store::StatusDetail>,
    ) {
        let details = |docs: Vec<StatusDetailDoc>| {
            docs.into_iter()
                .map(|doc| taxii::store::StatusDetail {
                    id: doc.id,
                    version: doc.version,
                    message: doc.message,
                })
                .collect()
        };
        (
            details(self.successes),
            details(self.failures),
            details(self.pendings),
        )
    }
}
