//! The storage TAXII needs, as a trait: the hub implements it on SQLite and PostgreSQL, and
//! the request handling in this crate is written against it alone.
//!
//! Rows handed across this boundary are plain records (`…Record`), not wire resources and not
//! database rows.

use serde_json::value::RawValue;
use stix_model::timestamp::Instant;

use crate::ids::{ApiRootName, CollectionId, StatusId};
use crate::query::{DateAdded, ObjectQuery, Position, VersionFilter};

/// A storage failure. Its text is for logs only.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage backend: {0}")]
    Backend(String),
    #[error("storage is unavailable: {0}")]
    Unavailable(String),
}

/// Who is asking: the partner and the credential it authenticated with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub partner_id: String,
    pub credential_id: String,
    pub method: AuthMethod,
}

/// What a stored credential's digest is the SHA-256 of. Kept apart so that a digest of one
/// kind can never authenticate as the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialKind {
    /// A bearer token, also the HTTP Basic password.
    Token,
    /// A TLS client certificate (its public key).
    ClientCertificate,
}

impl CredentialKind {
    /// The name stored in the database and shown by `accord token list`.
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Token => "token",
            CredentialKind::ClientCertificate => "mtls",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    Bearer,
    Basic,
    ClientCertificate,
}

impl AuthMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Bearer => "bearer",
            AuthMethod::Basic => "basic",
            AuthMethod::ClientCertificate => "mtls",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRootRecord {
    pub name: ApiRootName,
    pub title: String,
    pub description: Option<String>,
    pub max_content_length: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionRecord {
    pub id: CollectionId,
    pub api_root: ApiRootName,
    pub title: String,
    pub description: Option<String>,
    pub alias: Option<String>,
}

/// What a partner may do in a collection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Access {
    pub can_read: bool,
    pub can_write: bool,
}

impl Access {
    /// A collection a partner can neither read nor write is invisible to it.
    pub fn is_visible(self) -> bool {
        self.can_read || self.can_write
    }
}

/// One stored object version, as the objects endpoint returns it.
#[derive(Debug, Clone)]
pub struct ObjectRecord {
    pub position: Position,
    /// The object exactly as the partner sent it.
    pub raw: Box<RawValue>,
}

/// One stored object version, as the manifest and versions endpoints describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestRecord {
    pub position: Position,
    pub id: String,
    /// The version's text: `modified`, else `created`, else the date added (TAXII 2.1 §3.6).
    pub version: String,
    pub spec_version: String,
}

/// A page of rows in date-added order and whether more match after it.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub more: bool,
}

/// A valid object version to store.
#[derive(Debug, Clone)]
pub struct NewObject {
    pub id: String,
    pub type_name: String,
    /// `modified`, else `created`; `None` for objects with neither (most SCOs), whose version
    /// is then their date added.
    pub version: Option<(String, Instant)>,
    pub spec_version: String,
    pub raw: Box<RawValue>,
    pub content_hash: [u8; 32],
}

/// An object of an envelope that was refused before storage, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedObject {
    pub id: Option<String>,
    pub version: Option<String>,
    pub message: String,
}

/// One envelope to store: its valid objects and the ones already refused. Stored in one
/// transaction together with its status resource.
#[derive(Debug, Clone)]
pub struct Submission {
    pub status_id: StatusId,
    pub api_root: ApiRootName,
    pub collection: CollectionId,
    pub submitter: Principal,
    pub objects: Vec<NewObject>,
    pub refused: Vec<RefusedObject>,
}

/// The outcome of one object of an envelope (TAXII 2.1 §4.3.1 status details).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusDetail {
    pub id: String,
    pub version: String,
    pub message: Option<String>,
}

/// A status resource (TAXII 2.1 §4.3.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRecord {
    pub id: StatusId,
    pub api_root: ApiRootName,
    /// The partner id of the submitter (`Submission::submitter.partner_id`): a status resource
    /// lists object ids, so only the partner that posted the envelope may read it.
    pub submitter: String,
    /// `complete` or `pending`.
    pub status: String,
    pub request_timestamp: DateAdded,
    pub successes: Vec<StatusDetail>,
    pub failures: Vec<StatusDetail>,
    pub pendings: Vec<StatusDetail>,
}

/// The storage of TAXII resources. Every method is one transaction.
#[allow(async_fn_in_trait)]
pub trait Store {
    async fn api_roots(&self) -> Result<Vec<ApiRootRecord>, StoreError>;

    async fn api_root(&self, name: &ApiRootName) -> Result<Option<ApiRootRecord>, StoreError>;

    /// The collections of an API root with what `partner` may do in each (invisible ones
    /// included, with no access; the caller filters).
    async fn collections(
        &self,
        api_root: &ApiRootName,
        partner: &str,
    ) -> Result<Vec<(CollectionRecord, Access)>, StoreError>;

    async fn collection(
        &self,
        api_root: &ApiRootName,
        id: CollectionId,
        partner: &str,
    ) -> Result<Option<(CollectionRecord, Access)>, StoreError>;

    /// Object versions of a collection matching `query`, in date-added order, as `reader`
    /// may see them: only versions released to it, with its own date added, and `more`
    /// computed over those alone. A withheld version is indistinguishable from an absent one.
    async fn objects(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ObjectRecord>, StoreError>;

    /// Manifest records of the versions matching `query`, in date-added order (the versions
    /// endpoint is a manifest query for one id), as `reader` may see them (see `objects`).
    async fn manifest(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ManifestRecord>, StoreError>;

    /// Stores envelopes, each with its status resource, all in one transaction: nothing is
    /// acknowledged before it is committed, and several concurrent small POSTs can share one
    /// commit. An identical re-post of a stored version the submitter may see is a success; a
    /// different object under such a version is a failure. A version the submitter may not see
    /// gives no hint: the post is answered and stored as if the version were absent.
    async fn submit(&self, submissions: Vec<Submission>) -> Result<Vec<StatusRecord>, StoreError>;

    /// Deletes the versions of one object that match and that `reader` may see; returns how
    /// many were deleted. An empty `spec_versions` does not filter (DELETE without filters
    /// removes every version).
    async fn delete_object(
        &self,
        collection: CollectionId,
        reader: &Principal,
        object_id: &str,
        versions: &VersionFilter,
        spec_versions: &[String],
    ) -> Result<u64, StoreError>;

    async fn status(
        &self,
        api_root: &ApiRootName,
        id: StatusId,
    ) -> Result<Option<StatusRecord>, StoreError>;

    /// The principal a credential of `kind` (given as its SHA-256 digest) belongs to, if the
    /// credential exists, is not revoked and its partner is active.
    async fn authenticate_credential(
        &self,
        kind: CredentialKind,
        digest: &[u8; 32],
    ) -> Result<Option<Principal>, StoreError>;
}
