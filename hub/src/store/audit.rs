//! The audit chain in the database: records appended in the same transaction as what they
//! record, the head row that serializes every append, signed checkpoints, verification in
//! seq order, proofs and export.
//!
//! One chain across processes: an append first locks the head row — `SELECT … FOR UPDATE` on
//! PostgreSQL; on SQLite the writing transaction already holds the database's single write
//! lock (`BEGIN IMMEDIATE`) — reads the size, the last hash and the tree's frontier, and writes
//! them back with the new records before commit. A second writer, in this process or another,
//! waits on that lock and then sees the new head, so no two records ever get one seq or one
//! `prev`. Writers that also lock the store counter take it first, then the head.
//!
//! The hub's checkpoint key is a file (`SigningKey` text, mode 0600), never a row: whoever can
//! rewrite the tables still cannot sign a checkpoint over what they wrote.

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use sqlx::{PgPool, Pool, Postgres, Sqlite};
use taxii::store::StoreError;

use super::{AnyStore, Clock, store_error};
use crate::audit::checkpoint::{Checkpoint, SigningKey};
use crate::audit::merkle::{self, Frontier, Hash};
use crate::audit::record::{AuditEntry, RulesetRef, Sha256, record_hash};
use crate::audit::verify::{Head, Problem, Verified, Verifier};
use crate::audit::{AuditError, VerifierKey};

/// The hub's checkpoint key, in the data directory.
pub const KEY_FILE: &str = "audit.key";

/// When the log signs a checkpoint on its own: once `every_records` records were appended
/// since the last one (at append time), or `every_micros` after it ([`AuditLog::checkpoint`]
/// from a timer).
#[derive(Debug, Clone)]
pub struct CheckpointPolicy {
    pub key: Arc<SigningKey>,
    pub every_records: u64,
    pub every_micros: i64,
}

/// The head row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeadRow {
    pub origin: String,
    pub size: u64,
    pub last: Sha256,
    pub frontier: Frontier,
    pub checkpoint_size: u64,
    pub checkpoint_at: i64,
}

impl HeadRow {
    /// What the verifier compares the walked records with.
    pub fn head(&self) -> Head {
        Head {
            size: self.size,
            last: self.last,
            root: self.frontier.root(),
        }
    }
}

/// A record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub seq: u64,
    pub body: String,
    pub leaf_hash: Vec<u8>,
}

/// The first line of an export: which log, how many records. Checkpoint lines follow, then
/// the records' canonical bytes, one a line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportHeader {
    pub accord_audit_export: u32,
    pub origin: String,
    pub size: u64,
}

/// A checkpoint line of an export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportCheckpoint {
    pub tree_size: u64,
    pub checkpoint: String,
}

fn audit_error(error: AuditError) -> StoreError {
    StoreError::Backend(format!("audit: {error}"))
}

fn to_i64(n: u64) -> Result<i64, StoreError> {
    i64::try_from(n).map_err(|_| StoreError::Backend(format!("audit: {n} is out of range")))
}

fn to_u64(n: i64) -> Result<u64, StoreError> {
    u64::try_from(n).map_err(|_| StoreError::Backend(format!("audit: {n} is out of range")))
}

fn hash_from(bytes: &[u8]) -> Result<Hash, StoreError> {
    Hash::try_from(bytes)
        .map_err(|_| StoreError::Backend("audit: a stored hash is not 32 bytes".to_owned()))
}

/// The RFC 3339 form records carry, microseconds, UTC.
fn record_time(micros: i64) -> String {
    taxii::query::DateAdded(micros).to_string()
}

/// A record ready to insert.
struct NewRecord {
    seq: i64,
    kind: &'static str,
    partner: Option<String>,
    object_id: Option<String>,
    body: String,
    leaf: Hash,
}

/// A checkpoint signed during an append: size, root, signed note.
type Signed = (u64, Hash, String);

/// Places `entries` after `head` (which it advances) and, when `policy` says one is due,
/// signs a checkpoint of the new head.
fn place(
    head: &mut HeadRow,
    time: i64,
    entries: Vec<AuditEntry>,
    policy: Option<&CheckpointPolicy>,
) -> Result<(Vec<NewRecord>, Option<Signed>), StoreError> {
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        entry.check().map_err(audit_error)?;
        let kind = entry.kind.as_str();
        let partner = entry.actor.as_ref().map(|a| a.partner.clone());
        let object_id = entry.target.as_ref().and_then(|t| t.object.clone());
        let seq = head.size;
        let record = entry.seal(seq, head.last, record_time(time));
        let bytes = record.canonical_bytes().map_err(audit_error)?;
        let leaf = record_hash(&bytes);
        let body = String::from_utf8(bytes)
            .map_err(|_| StoreError::Backend("audit: a record is not UTF-8".to_owned()))?;
        head.frontier.push(leaf.0);
        head.size += 1;
        head.last = leaf;
        rows.push(NewRecord {
            seq: to_i64(seq)?,
            kind,
            partner,
            object_id,
            body,
            leaf: leaf.0,
        });
    }
    let checkpoint = policy
        .filter(|p| {
            head.size > head.checkpoint_size && head.size - head.checkpoint_size >= p.every_records
        })
        .map(|p| sign(head, &p.key, time));
    Ok((rows, checkpoint))
}

/// Signs the head as it stands and marks it checkpointed.
fn sign(head: &mut HeadRow, key: &SigningKey, time: i64) -> Signed {
    let root = head.frontier.root();
    let note = key.sign(&Checkpoint {
        origin: head.origin.clone(),
        size: head.size,
        root,
    });
    head.checkpoint_size = head.size;
    head.checkpoint_at = time;
    (head.size, root, note)
}

/// Rows per multi-row INSERT: 7 parameters a row stays far below SQLite's 32,766.
const INSERT_CHUNK: usize = 500;

/// The same code for both backends, compiled against each one's concrete sqlx types (as the
/// store does with `shared_impl.rs`); only the head lock differs.
macro_rules! backend {
    ($module:ident, $db:ty, $lock_head:expr, $snapshot:expr) => {
        pub mod $module {
            use futures_util::TryStreamExt as _;
            use sqlx::{QueryBuilder, Row as _};

            use super::*;

            type Db = $db;
            type Conn = <Db as sqlx::Database>::Connection;

            /// Reads the head row, locked for the rest of the transaction.
            pub async fn lock_head(conn: &mut Conn) -> Result<HeadRow, StoreError> {
                let row = sqlx::query($lock_head)
                    .fetch_one(&mut *conn)
                    .await
                    .map_err(store_error)?;
                head_from_row(&row)
            }

            fn head_from_row(row: &<Db as sqlx::Database>::Row) -> Result<HeadRow, StoreError> {
                let size = to_u64(row.try_get(1).map_err(store_error)?)?;
                let frontier: Vec<u8> = row.try_get(3).map_err(store_error)?;
                let last: Vec<u8> = row.try_get(2).map_err(store_error)?;
                Ok(HeadRow {
                    origin: row.try_get(0).map_err(store_error)?,
                    size,
                    last: Sha256(hash_from(&last)?),
                    frontier: Frontier::from_bytes(size, &frontier)
                        .map_err(|e| StoreError::Backend(format!("audit head: {e}")))?,
                    checkpoint_size: to_u64(row.try_get(4).map_err(store_error)?)?,
                    checkpoint_at: row.try_get(5).map_err(store_error)?,
                })
            }

            /// Appends `entries`, in order, inside the caller's writing transaction (the one
            /// that stores what they record), at `time` (microseconds since the epoch).
            /// Returns their seqs.
            pub async fn append(
                conn: &mut Conn,
                time: i64,
                entries: Vec<AuditEntry>,
                policy: Option<&CheckpointPolicy>,
            ) -> Result<Vec<u64>, StoreError> {
                if entries.is_empty() {
                    return Ok(Vec::new());
                }
                let mut head = lock_head(conn).await?;
                let first = head.size;
                let (rows, checkpoint) = place(&mut head, time, entries, policy)?;
                for chunk in rows.chunks(INSERT_CHUNK) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO audit_records (seq, time, kind, partner, object_id, body, \
                         leaf_hash) ",
                    );
                    qb.push_values(chunk, |mut values, row| {
                        values
                            .push_bind(row.seq)
                            .push_bind(time)
                            .push_bind(row.kind)
                            .push_bind(row.partner.clone())
                            .push_bind(row.object_id.clone())
                            .push_bind(row.body.clone())
                            .push_bind(row.leaf.to_vec());
                    });
                    qb.build().execute(&mut *conn).await.map_err(store_error)?;
                }
                if let Some((size, root, note)) = checkpoint {
                    insert_checkpoint(conn, size, &root, time, &note).await?;
                }
                write_head(conn, &head).await?;
                Ok((first..head.size).collect())
            }

            async fn insert_checkpoint(
                conn: &mut Conn,
                size: u64,
                root: &Hash,
                time: i64,
                note: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO audit_checkpoints (tree_size, root_hash, signed_at, note) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING",
                )
                .bind(to_i64(size)?)
                .bind(root.to_vec())
                .bind(time)
                .bind(note)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            async fn write_head(conn: &mut Conn, head: &HeadRow) -> Result<(), StoreError> {
                sqlx::query(
                    "UPDATE audit_head SET tree_size = $1, last_hash = $2, frontier = $3, \
                     checkpoint_size = $4, checkpoint_at = $5 WHERE id = 1",
                )
                .bind(to_i64(head.size)?)
                .bind(head.last.0.to_vec())
                .bind(head.frontier.to_bytes())
                .bind(to_i64(head.checkpoint_size)?)
                .bind(head.checkpoint_at)
                .execute(&mut *conn)
                .await
                .map_err(store_error)?;
                Ok(())
            }

            /// Signs a checkpoint of the head when it grew since the last one and `force`
            /// is set or the policy's interval has passed. Returns the size signed.
            pub async fn checkpoint(
                conn: &mut Conn,
                key: &SigningKey,
                time: i64,
                due_after: Option<i64>,
            ) -> Result<Option<u64>, StoreError> {
                let mut head = lock_head(conn).await?;
                let grown = head.size > head.checkpoint_size;
                let due = due_after.is_none_or(|after| time - head.checkpoint_at >= after);
                if !grown || !due {
                    return Ok(None);
                }
                let (size, root, note) = sign(&mut head, key, time);
                insert_checkpoint(conn, size, &root, time, &note).await?;
                write_head(conn, &head).await?;
                Ok(Some(size))
            }

            /// The latest applied rule set: version, digest and document.
            pub async fn ruleset_in_force(
                pool: &sqlx::Pool<Db>,
            ) -> Result<Option<(i64, Vec<u8>, String)>, StoreError> {
                let row = sqlx::query(
                    "SELECT version, digest, document FROM rule_sets \
                     WHERE applied IS NOT NULL AND superseded IS NULL \
                     ORDER BY version DESC LIMIT 1",
                )
                .fetch_optional(pool)
                .await
                .map_err(store_error)?;
                match row {
                    None => Ok(None),
                    Some(row) => Ok(Some((
                        row.try_get(0).map_err(store_error)?,
                        row.try_get(1).map_err(store_error)?,
                        row.try_get(2).map_err(store_error)?,
                    ))),
                }
            }

            pub async fn head(pool: &sqlx::Pool<Db>) -> Result<HeadRow, StoreError> {
                let row = sqlx::query(
                    "SELECT origin, tree_size, last_hash, frontier, checkpoint_size, \
                     checkpoint_at FROM audit_head WHERE id = 1",
                )
                .fetch_one(pool)
                .await
                .map_err(store_error)?;
                head_from_row(&row)
            }

            /// Signed checkpoints of sizes up to `size`, smallest first.
            pub async fn checkpoints(
                pool: &sqlx::Pool<Db>,
                size: u64,
            ) -> Result<Vec<(u64, String)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT tree_size, note FROM audit_checkpoints WHERE tree_size <= $1 \
                     ORDER BY tree_size",
                )
                .bind(to_i64(size)?)
                .fetch_all(pool)
                .await
                .map_err(store_error)?;
                rows.iter()
                    .map(|row| {
                        Ok((
                            to_u64(row.try_get(0).map_err(store_error)?)?,
                            row.try_get(1).map_err(store_error)?,
                        ))
                    })
                    .collect()
            }

            /// Walks every record in seq order: chain, tree, stored leaf hashes, checkpoints
            /// and the head. Records are streamed, not loaded at once.
            pub async fn verify(
                pool: &sqlx::Pool<Db>,
                keys: &[VerifierKey],
                trusted: &[(u64, String)],
            ) -> Result<Result<Verified, Problem>, StoreError> {
                // One snapshot: the head, checkpoints and records as of one moment. Appends
                // that commit meanwhile are past the head and not read.
                let mut tx = pool.begin_with($snapshot).await.map_err(store_error)?;
                let row = sqlx::query(
                    "SELECT origin, tree_size, last_hash, frontier, checkpoint_size, \
                     checkpoint_at FROM audit_head WHERE id = 1",
                )
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                let head = head_from_row(&row)?;
                let mut verifier = Verifier::new(keys, Some(head.origin.clone()));
                for (size, note) in trusted {
                    verifier.checkpoint(*size, note.clone());
                }
                let notes =
                    sqlx::query("SELECT tree_size, note FROM audit_checkpoints ORDER BY tree_size")
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(store_error)?;
                for row in &notes {
                    verifier.checkpoint(
                        to_u64(row.try_get(0).map_err(store_error)?)?,
                        row.try_get(1).map_err(store_error)?,
                    );
                }
                {
                    let mut rows =
                        sqlx::query("SELECT body, leaf_hash FROM audit_records ORDER BY seq")
                            .fetch(&mut *tx);
                    while let Some(row) = rows.try_next().await.map_err(store_error)? {
                        let body: String = row.try_get(0).map_err(store_error)?;
                        let leaf: Vec<u8> = row.try_get(1).map_err(store_error)?;
                        let stored = Hash::try_from(leaf.as_slice()).unwrap_or([0; 32]);
                        verifier.record(body.as_bytes(), Some(&stored));
                        if verifier.decided() {
                            break;
                        }
                    }
                }
                tx.rollback().await.map_err(store_error)?;
                Ok(verifier.finish(Some(&head.head())))
            }

            /// Records `from..to` in seq order.
            pub async fn records(
                pool: &sqlx::Pool<Db>,
                from: u64,
                to: u64,
            ) -> Result<Vec<StoredRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT seq, body, leaf_hash FROM audit_records WHERE seq >= $1 AND seq < $2 \
                     ORDER BY seq",
                )
                .bind(to_i64(from)?)
                .bind(to_i64(to)?)
                .fetch_all(pool)
                .await
                .map_err(store_error)?;
                rows.iter()
                    .map(|row| {
                        Ok(StoredRecord {
                            seq: to_u64(row.try_get(0).map_err(store_error)?)?,
                            body: row.try_get(1).map_err(store_error)?,
                            leaf_hash: row.try_get(2).map_err(store_error)?,
                        })
                    })
                    .collect()
            }

            /// The leaf hashes of the first `size` records (for proofs).
            pub async fn leaves(pool: &sqlx::Pool<Db>, size: u64) -> Result<Vec<Hash>, StoreError> {
                let rows =
                    sqlx::query("SELECT leaf_hash FROM audit_records WHERE seq < $1 ORDER BY seq")
                        .bind(to_i64(size)?)
                        .fetch_all(pool)
                        .await
                        .map_err(store_error)?;
                let leaves = rows
                    .iter()
                    .map(|row| hash_from(&row.try_get::<Vec<u8>, _>(0).map_err(store_error)?))
                    .collect::<Result<Vec<Hash>, StoreError>>()?;
                if leaves.len() as u64 != size {
                    return Err(StoreError::Backend(format!(
                        "audit: {} of {size} records are stored",
                        leaves.len()
                    )));
                }
                Ok(leaves)
            }

            /// Writes the log up to its current head: a header line, the checkpoints, then
            /// every record's canonical bytes, one a line. Returns the header.
            pub async fn export(
                pool: &sqlx::Pool<Db>,
                out: &mut (dyn Write + Send),
            ) -> Result<ExportHeader, StoreError> {
                let io = |e: std::io::Error| StoreError::Backend(format!("audit export: {e}"));
                let head = head(pool).await?;
                // Up to the last signed checkpoint only: records other processes append
                // meanwhile are not signed yet, and an export must be checkable on its own.
                let header = ExportHeader {
                    accord_audit_export: 1,
                    origin: head.origin.clone(),
                    size: head.checkpoint_size,
                };
                let line = serde_json::to_string(&header)
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                writeln!(out, "{line}").map_err(io)?;
                for (tree_size, checkpoint) in checkpoints(pool, header.size).await? {
                    let line = serde_json::to_string(&ExportCheckpoint {
                        tree_size,
                        checkpoint,
                    })
                    .map_err(|e| StoreError::Backend(e.to_string()))?;
                    writeln!(out, "{line}").map_err(io)?;
                }
                let mut rows =
                    sqlx::query("SELECT body FROM audit_records WHERE seq < $1 ORDER BY seq")
                        .bind(to_i64(header.size)?)
                        .fetch(pool);
                while let Some(row) = rows.try_next().await.map_err(store_error)? {
                    let body: String = row.try_get(0).map_err(store_error)?;
                    writeln!(out, "{body}").map_err(io)?;
                }
                out.flush().map_err(io)?;
                Ok(header)
            }
        }
    };
}

backend!(
    sqlite,
    Sqlite,
    // The writing transaction holds SQLite's write lock (`BEGIN IMMEDIATE`).
    "SELECT origin, tree_size, last_hash, frontier, checkpoint_size, checkpoint_at \
     FROM audit_head WHERE id = 1",
    // In WAL mode a read transaction sees one snapshot from its first read.
    "BEGIN"
);
backend!(
    postgres,
    Postgres,
    "SELECT origin, tree_size, last_hash, frontier, checkpoint_size, checkpoint_at \
     FROM audit_head WHERE id = 1 FOR UPDATE",
    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
);

/// The audit log of a store, on that store's connections.
#[derive(Clone)]
pub struct AuditLog {
    backend: LogBackend,
    clock: Clock,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
enum LogBackend {
    Sqlite {
        reader: Pool<Sqlite>,
        writer: Pool<Sqlite>,
    },
    Postgres(PgPool),
}

impl AuditLog {
    pub(super) fn sqlite(reader: Pool<Sqlite>, writer: Pool<Sqlite>, clock: Clock) -> AuditLog {
        AuditLog {
            backend: LogBackend::Sqlite { reader, writer },
            clock,
        }
    }

    pub(super) fn postgres(pool: PgPool, clock: Clock) -> AuditLog {
        AuditLog {
            backend: LogBackend::Postgres(pool),
            clock,
        }
    }

    /// Appends records in a transaction of their own (for events that store nothing else:
    /// authentication failures, exports). Returns their seqs.
    pub async fn append(
        &self,
        entries: Vec<AuditEntry>,
        policy: Option<&CheckpointPolicy>,
    ) -> Result<Vec<u64>, StoreError> {
        let time = (self.clock)();
        match &self.backend {
            LogBackend::Sqlite { writer, .. } => {
                let mut tx = writer
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(store_error)?;
                let seqs = sqlite::append(&mut tx, time, entries, policy).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(seqs)
            }
            LogBackend::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(store_error)?;
                let seqs = postgres::append(&mut tx, time, entries, policy).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(seqs)
            }
        }
    }

    /// Signs a checkpoint of the current head if it grew since the last one — always
    /// (`due_after` `None`) or once `due_after` microseconds have passed since the last.
    pub async fn checkpoint(
        &self,
        key: &SigningKey,
        due_after: Option<i64>,
    ) -> Result<Option<u64>, StoreError> {
        let time = (self.clock)();
        match &self.backend {
            LogBackend::Sqlite { writer, .. } => {
                let mut tx = writer
                    .begin_with("BEGIN IMMEDIATE")
                    .await
                    .map_err(store_error)?;
                let size = sqlite::checkpoint(&mut tx, key, time, due_after).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(size)
            }
            LogBackend::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(store_error)?;
                let size = postgres::checkpoint(&mut tx, key, time, due_after).await?;
                tx.commit().await.map_err(store_error)?;
                Ok(size)
            }
        }
    }

    pub async fn head(&self) -> Result<HeadRow, StoreError> {
        match &self.backend {
            LogBackend::Sqlite { reader, .. } => sqlite::head(reader).await,
            LogBackend::Postgres(pool) => postgres::head(pool).await,
        }
    }

    /// The rule set in force (the latest applied version), for records that name it;
    /// `None` before any rule set is applied.
    pub async fn ruleset_in_force(&self) -> Result<Option<RulesetRef>, StoreError> {
        let row = match &self.backend {
            LogBackend::Sqlite { reader, .. } => sqlite::ruleset_in_force(reader).await?,
            LogBackend::Postgres(pool) => postgres::ruleset_in_force(pool).await?,
        };
        let Some((version, digest, document)) = row else {
            return Ok(None);
        };
        let rules = release_rules::RuleSet::parse(&document)
            .map_err(|e| StoreError::Backend(format!("stored rule set {version}: {e}")))?;
        Ok(Some(RulesetRef {
            digest: <[u8; 32]>::try_from(digest.as_slice()).ok().map(Sha256),
            id: rules.id,
            version: rules.version,
        }))
    }

    /// Signed checkpoints up to `size`, smallest first.
    pub async fn checkpoints(&self, size: u64) -> Result<Vec<(u64, String)>, StoreError> {
        match &self.backend {
            LogBackend::Sqlite { reader, .. } => sqlite::checkpoints(reader, size).await,
            LogBackend::Postgres(pool) => postgres::checkpoints(pool, size).await,
        }
    }

    /// Records `from..to`, in seq order.
    pub async fn records(&self, from: u64, to: u64) -> Result<Vec<StoredRecord>, StoreError> {
        match &self.backend {
            LogBackend::Sqlite { reader, .. } => sqlite::records(reader, from, to).await,
            LogBackend::Postgres(pool) => postgres::records(pool, from, to).await,
        }
    }

    /// Recomputes chain, tree and checkpoints from the database; `Ok(Err(problem))` names
    /// the first record that does not match.
    pub async fn verify(
        &self,
        keys: &[VerifierKey],
    ) -> Result<Result<Verified, Problem>, StoreError> {
        self.verify_with(keys, &[]).await
    }

    /// [`AuditLog::verify`], also checking `trusted` checkpoints (size, signed note) the
    /// auditor kept: the log must still match them.
    pub async fn verify_with(
        &self,
        keys: &[VerifierKey],
        trusted: &[(u64, String)],
    ) -> Result<Result<Verified, Problem>, StoreError> {
        match &self.backend {
            LogBackend::Sqlite { reader, .. } => sqlite::verify(reader, keys, trusted).await,
            LogBackend::Postgres(pool) => postgres::verify(pool, keys, trusted).await,
        }
    }

    async fn leaves(&self, size: u64) -> Result<Vec<Hash>, StoreError> {
        match &self.backend {
            LogBackend::Sqlite { reader, .. } => sqlite::leaves(reader, size).await,
            LogBackend::Postgres(pool) => postgres::leaves(pool, size).await,
        }
    }

    /// The RFC 9162 inclusion proof of record `seq` in the tree of `size` records.
    pub async fn inclusion_proof(&self, seq: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        let leaves = self.leaves(size).await?;
        merkle::inclusion_proof(seq, &leaves).map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// The RFC 9162 consistency proof from the tree of `old` records to that of `new`.
    pub async fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        let leaves = self.leaves(new).await?;
        merkle::consistency_proof(old, &leaves).map_err(|e| StoreError::Backend(e.to_string()))
    }

    /// Record `seq` with its inclusion proof in the smallest signed tree that holds it.
    pub async fn record_proof(
        &self,
        seq: u64,
    ) -> Result<crate::audit::proof::RecordProof, StoreError> {
        let head = self.head().await?;
        let (size, note) = self
            .checkpoints(head.size)
            .await?
            .into_iter()
            .find(|(size, _)| *size > seq)
            .ok_or_else(|| {
                StoreError::Backend(format!(
                    "audit: no signed checkpoint covers record {seq} yet"
                ))
            })?;
        let record = self
            .records(seq, seq + 1)
            .await?
            .pop()
            .ok_or_else(|| StoreError::Backend(format!("audit: no record {seq}")))?;
        let path = self.inclusion_proof(seq, size).await?;
        Ok(crate::audit::proof::RecordProof::new(
            record.body,
            size,
            &path,
            note,
        ))
    }

    /// Writes the log to `out` as JSON lines (see [`ExportHeader`]).
    pub async fn export(&self, out: &mut (dyn Write + Send)) -> Result<ExportHeader, StoreError> {
        match &self.backend {
            LogBackend::Sqlite { reader, .. } => sqlite::export(reader, out).await,
            LogBackend::Postgres(pool) => postgres::export(pool, out).await,
        }
    }
}

impl AnyStore {
    /// The audit log kept in this store.
    pub fn audit(&self) -> AuditLog {
        match self {
            AnyStore::Sqlite(store) => store.audit(),
            AnyStore::Postgres(store) => store.audit(),
        }
    }
}

/// Verifies an export (see [`ExportHeader`]) against `keys`: the header, then its checkpoints,
/// then its records in order. Every record must be under a signed checkpoint.
pub fn verify_export(
    input: impl std::io::BufRead,
    keys: &[VerifierKey],
) -> Result<Result<Verified, Problem>, StoreError> {
    verify_export_with(input, keys, &[])
}

/// [`verify_export`], also checking `trusted` checkpoints (size, signed note).
pub fn verify_export_with(
    input: impl std::io::BufRead,
    keys: &[VerifierKey],
    trusted: &[(u64, String)],
) -> Result<Result<Verified, Problem>, StoreError> {
    let io = |e: std::io::Error| StoreError::Backend(format!("audit export: {e}"));
    let bad = |why: String| StoreError::Backend(format!("not an audit export: {why}"));
    let mut lines = input.split(b'\n');
    let header = lines
        .next()
        .ok_or_else(|| bad("it is empty".to_owned()))?
        .map_err(io)?;
    let header: ExportHeader =
        serde_json::from_slice(&header).map_err(|e| bad(format!("its header: {e}")))?;
    let mut verifier = Verifier::new(keys, Some(header.origin.clone()));
    for (size, note) in trusted {
        verifier.checkpoint(*size, note.clone());
    }
    let mut records = 0u64;
    for line in lines {
        let line = line.map_err(io)?;
        if line.is_empty() {
            continue;
        }
        if records == 0 && line.starts_with(b"{\"tree_size\":") {
            if let Ok(cp) = serde_json::from_slice::<ExportCheckpoint>(&line) {
                verifier.checkpoint(cp.tree_size, cp.checkpoint);
                continue;
            }
        }
        records += 1;
        verifier.record(&line, None);
        if verifier.decided() {
            break;
        }
    }
    // The header's size is not signed, but a file cut short of it is missing records.
    Ok(match verifier.finish(None) {
        Ok(_) if records < header.size => Err(Problem::Missing { seq: records }),
        Ok(verified) if verified.signed_size < verified.records => Err(Problem::Unsigned {
            from: verified.signed_size,
            to: verified.records - 1,
        }),
        verdict => verdict,
    })
}

/// Loads the hub's checkpoint key from `path`, creating it (mode 0600, named after `origin`)
/// when the file does not exist. Processes starting together agree on one key: each writes
/// its own candidate to a temporary file and links it into place; a link that finds the file
/// there loses, and its process reads the winner's.
pub fn load_or_create_key(path: &Path, origin: &str) -> Result<SigningKey, StoreError> {
    let io = |e: std::io::Error| StoreError::Backend(format!("audit key {}: {e}", path.display()));
    match std::fs::read_to_string(path) {
        Ok(text) => return SigningKey::parse(&text).map_err(audit_error),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(io(e)),
    }
    let key = SigningKey::generate(origin).map_err(audit_error)?;
    let text = key.to_private_text().map_err(audit_error)?;
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => parent.to_path_buf(),
        None => std::path::PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io)?;
    let candidate = dir.join(format!(
        ".audit-key-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let written = crate::secret_file::create_new(&candidate, format!("{text}\n").as_bytes());
    let linked = written.and_then(|()| std::fs::hard_link(&candidate, path));
    let _ = std::fs::remove_file(&candidate);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let text = std::fs::read_to_string(path).map_err(io)?;
            SigningKey::parse(&text).map_err(audit_error)
        }
        Err(e) => Err(io(e)),
    }
}

/// Reads trusted keys from a file: verifier keys (`name+id+key`), one a line, or the hub's
/// signing key itself.
pub fn read_verifier_keys(path: &Path) -> Result<Vec<VerifierKey>, StoreError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| StoreError::Backend(format!("audit key {}: {e}", path.display())))?;
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            if line.starts_with("PRIVATE+KEY+") {
                SigningKey::parse(line).map(|key| key.verifier().clone())
            } else {
                VerifierKey::parse(line)
            }
            .map_err(audit_error)
        })
        .collect()
}

/// What `accord serve` signs by: a checkpoint once this many records were appended since the
/// last one (by writers that pass the policy), and every [`CHECKPOINT_INTERVAL`] while the
/// log grows.
pub const CHECKPOINT_EVERY_RECORDS: u64 = 1_000;
pub const CHECKPOINT_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// Signs a checkpoint of the head every `every` when it grew (the first at once: records a
/// previous run left unsigned). Runs until the runtime stops.
pub fn start_checkpointer(
    log: AuditLog,
    key: Arc<SigningKey>,
    every: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(error) = log.checkpoint(&key, None).await {
                tracing::warn!(%error, "cannot sign an audit checkpoint");
            }
        }
    })
}

/// Most records one flush of [`FailureRecorder`] appends.
const FAILURE_BATCH: usize = 500;
/// Refusals waiting to be recorded at most; past this they are counted, not queued.
const FAILURE_QUEUE: usize = 4_096;
/// The shortest time between two flushes: a flood of refusals costs the database one
/// transaction per interval, not one per request.
const FAILURE_FLUSH: std::time::Duration = std::time::Duration::from_millis(200);

/// Records authentication failures off the request path and bounded: a refusal goes into a
/// queue; a task appends what is queued in one transaction per flush; refusals that find the
/// queue full are counted, and the next record says how many were not recorded one by one
/// (`detail.unrecorded`).
#[derive(Debug, Clone)]
pub struct FailureRecorder {
    queue: tokio::sync::mpsc::Sender<AuditEntry>,
    unrecorded: Arc<std::sync::atomic::AtomicU64>,
}

impl FailureRecorder {
    /// Starts the recording task on the current tokio runtime; it ends when every recorder
    /// is dropped, after appending what is queued. `policy` signs checkpoints as it appends.
    pub fn start(log: AuditLog, policy: Option<CheckpointPolicy>) -> FailureRecorder {
        let (queue, mut pending) = tokio::sync::mpsc::channel::<AuditEntry>(FAILURE_QUEUE);
        let unrecorded = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let counter = Arc::clone(&unrecorded);
        tokio::spawn(async move {
            while let Some(first) = pending.recv().await {
                let mut batch = vec![first];
                while batch.len() < FAILURE_BATCH {
                    match pending.try_recv() {
                        Ok(entry) => batch.push(entry),
                        Err(_) => break,
                    }
                }
                let missed = counter.swap(0, std::sync::atomic::Ordering::Relaxed);
                if missed > 0 {
                    if let Some(entry) = batch.first_mut() {
                        entry
                            .detail
                            .get_or_insert_with(serde_json::Map::new)
                            .insert("unrecorded".to_owned(), missed.into());
                    }
                }
                let count = batch.len();
                if let Err(error) = log.append(batch, policy.as_ref()).await {
                    tracing::error!(%error, count, "cannot record authentication failures");
                    counter.fetch_add(count as u64, std::sync::atomic::Ordering::Relaxed);
                }
                tokio::time::sleep(FAILURE_FLUSH).await;
            }
        });
        FailureRecorder { queue, unrecorded }
    }

    /// Queues a failure (an `auth_failure` entry); never waits.
    pub fn record(&self, entry: AuditEntry) {
        if self.queue.try_send(entry).is_err() {
            self.unrecorded
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// `accord serve`'s checkpoint policy: the hub's key from `<data dir>/audit.key` (created on
/// first start), every [`CHECKPOINT_EVERY_RECORDS`] records.
pub async fn policy(store: &AnyStore, data_dir: &Path) -> Result<CheckpointPolicy, StoreError> {
    let origin = store.audit().head().await?.origin;
    let key = load_or_create_key(&data_dir.join(KEY_FILE), &origin)?;
    Ok(CheckpointPolicy {
        key: Arc::new(key),
        every_records: CHECKPOINT_EVERY_RECORDS,
        every_micros: i64::try_from(CHECKPOINT_INTERVAL.as_micros()).unwrap_or(i64::MAX),
    })
}
