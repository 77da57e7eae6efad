//! Release records (issue 5; release-rules note §7.4 step 9, §7.6): one `release` audit
//! record per read response that released at least one object version.
//!
//! A record says who read (partner, credential, auth method as authenticated), what
//! (`target.collection`; `detail.endpoint` is `objects` — the objects and object endpoints —
//! or `manifest` — the manifest and versions endpoints; `target.object` when the request
//! named one id), how many versions (`released.count`) and the RFC 9162 Merkle root over them
//! (`released.merkle_root`), a leaf per version in the order served (`detail.leaf` names the
//! leaf data):
//! - `served_bytes` (objects): the object's bytes exactly as they appear in the envelope, so a
//!   partner proves what it got from the response alone, redactions included;
//! - `id_version_spec` (manifest): `id`, `version` and `spec_version` joined by `\n` — all a
//!   manifest record releases.
//!
//! `ruleset` is the latest applied rule set when the record is appended (at most one flush,
//! [`FLUSH_EVERY`], after the read), not the epoch the read ran at: a rule change in that
//! window names the newer set. Withheld counts are not known here (the store answers with
//! what it released only) and are not recorded.
//!
//! The read never waits: the record is queued; one task appends what is queued in one
//! transaction per flush; a record that finds the queue full is counted, and the next record
//! says how many were lost (`detail.unrecorded`), as for authentication failures.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use taxii::ids::CollectionId;
use taxii::query::ObjectQuery;
use taxii::store::{AuthMethod, ManifestRecord, ObjectRecord, Page, Principal};
use tokio::sync::{mpsc, oneshot};

use crate::audit::merkle::{Hash, leaf_hash, root};
use crate::audit::record::{Actor, AuditEntry, AuditKind, Released, RulesetRef, Sha256, Target};
use crate::store::audit::{AuditLog, CheckpointPolicy};

/// Most records one flush appends.
const BATCH: usize = 500;
/// Records waiting at most (each is a few hundred bytes: the leaves are hashed on the read
/// path, so a queued record holds a root, not a page).
const QUEUE: usize = 8_192;
/// The shortest time between two flushes.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Names the rule set when none is applied yet (a hub before `accord init`).
const NO_RULESET: &str = "none";

enum Message {
    Record(Box<AuditEntry>),
    /// Answered once everything queued before it is appended.
    Flush(oneshot::Sender<()>),
}

/// Queues release records for the audit log; cheap to clone.
#[derive(Debug, Clone)]
pub struct ReleaseRecorder {
    queue: mpsc::Sender<Message>,
    unrecorded: Arc<AtomicU64>,
}

impl std::fmt::Debug for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Record(_) => f.write_str("Record"),
            Message::Flush(_) => f.write_str("Flush"),
        }
    }
}

/// The leaf of one object version served by the objects endpoints.
pub fn object_leaf(served: &str) -> Hash {
    leaf_hash(served.as_bytes())
}

/// The leaf of one manifest record.
pub fn manifest_leaf(id: &str, version: &str, spec_version: &str) -> Hash {
    leaf_hash(format!("{id}\n{version}\n{spec_version}").as_bytes())
}

fn actor(reader: &Principal) -> Actor {
    let auth = match reader.method {
        AuthMethod::Bearer => "token",
        AuthMethod::Basic => "basic",
        AuthMethod::ClientCertificate => "mtls",
    };
    Actor {
        auth: Some(auth.to_owned()),
        credential: Some(reader.credential_id.clone()),
        partner: reader.partner_id.clone(),
        role: None,
    }
}

fn entry(
    collection: CollectionId,
    reader: &Principal,
    query: &ObjectQuery,
    endpoint: &str,
    leaf: &str,
    leaves: &[Hash],
) -> AuditEntry {
    let mut entry = AuditEntry::new(AuditKind::Release);
    entry.actor = Some(actor(reader));
    let object = match query.ids.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    entry.target = Some(Target {
        collection: Some(collection.to_string()),
        object,
        ..Target::default()
    });
    entry.released = Some(Released {
        count: leaves.len() as u64,
        merkle_root: Sha256(root(leaves)),
    });
    let mut detail = serde_json::Map::new();
    detail.insert("endpoint".to_owned(), endpoint.into());
    detail.insert("leaf".to_owned(), leaf.into());
    entry.detail = Some(detail);
    entry
}

impl ReleaseRecorder {
    /// Starts the recording task on the current tokio runtime; it ends when every recorder
    /// is dropped, after appending what is queued. `policy` signs checkpoints as it appends.
    pub fn start(log: AuditLog, policy: Option<CheckpointPolicy>) -> ReleaseRecorder {
        let (queue, pending) = mpsc::channel(QUEUE);
        let unrecorded = Arc::new(AtomicU64::new(0));
        tokio::spawn(recorder(log, policy, pending, Arc::clone(&unrecorded)));
        ReleaseRecorder { queue, unrecorded }
    }

    /// Records an objects (or object) response; an empty page records nothing.
    pub fn objects(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
        page: &Page<ObjectRecord>,
    ) {
        if page.items.is_empty() {
            return;
        }
        let leaves: Vec<Hash> = page
            .items
            .iter()
            .map(|o| object_leaf(o.raw.get()))
            .collect();
        self.queue(entry(
            collection,
            reader,
            query,
            "objects",
            "served_bytes",
            &leaves,
        ));
    }

    /// Records a manifest (or versions) response; an empty page records nothing.
    pub fn manifest(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
        page: &Page<ManifestRecord>,
    ) {
        if page.items.is_empty() {
            return;
        }
        let leaves: Vec<Hash> = page
            .items
            .iter()
            .map(|m| manifest_leaf(&m.id, &m.version, &m.spec_version))
            .collect();
        self.queue(entry(
            collection,
            reader,
            query,
            "manifest",
            "id_version_spec",
            &leaves,
        ));
    }

    /// Never waits: a full queue (or a stopped task) counts the record as unrecorded.
    fn queue(&self, entry: AuditEntry) {
        if self
            .queue
            .try_send(Message::Record(Box::new(entry)))
            .is_err()
        {
            self.unrecorded.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Waits until every record queued before the call is appended (or failed): for
    /// shutdown, before the store's connections close.
    pub async fn flush(&self) {
        let (done, flushed) = oneshot::channel();
        if self.queue.send(Message::Flush(done)).await.is_ok() {
            let _ = flushed.await;
        }
    }
}

async fn recorder(
    log: AuditLog,
    policy: Option<CheckpointPolicy>,
    mut pending: mpsc::Receiver<Message>,
    unrecorded: Arc<AtomicU64>,
) {
    // The rule set is read once per flush: one indexed row.
    while let Some(first) = pending.recv().await {
        let mut batch = Vec::new();
        let mut flushed = Vec::new();
        let mut next = Some(first);
        while let Some(message) = next.take() {
            match message {
                Message::Record(entry) => batch.push(*entry),
                Message::Flush(done) => flushed.push(done),
            }
            if batch.len() < BATCH {
                next = pending.try_recv().ok();
            }
        }
        if !batch.is_empty() {
            append(&log, policy.as_ref(), batch, &unrecorded).await;
        }
        let waited_on = !flushed.is_empty();
        for done in flushed {
            let _ = done.send(());
        }
        if !waited_on {
            tokio::time::sleep(FLUSH_EVERY).await;
        }
    }
}

async fn append(
    log: &AuditLog,
    policy: Option<&CheckpointPolicy>,
    mut batch: Vec<AuditEntry>,
    unrecorded: &AtomicU64,
) {
    let ruleset = match log.ruleset_in_force().await {
        Ok(Some(ruleset)) => ruleset,
        Ok(None) => RulesetRef {
            digest: None,
            id: NO_RULESET.to_owned(),
            version: 0,
        },
        Err(error) => {
            tracing::error!(%error, count = batch.len(), "cannot read the rule set for release records");
            unrecorded.fetch_add(batch.len() as u64, Ordering::Relaxed);
            return;
        }
    };
    for entry in &mut batch {
        entry.ruleset = Some(ruleset.clone());
    }
    let missed = unrecorded.swap(0, Ordering::Relaxed);
    if missed > 0 {
        if let Some(entry) = batch.first_mut() {
            entry
                .detail
                .get_or_insert_with(serde_json::Map::new)
                .insert("unrecorded".to_owned(), missed.into());
        }
    }
    let count = batch.len();
    if let Err(error) = log.append(batch, policy).await {
        tracing::error!(%error, count, "cannot record releases");
        unrecorded.fetch_add(count as u64 + missed, Ordering::Relaxed);
    }
}
