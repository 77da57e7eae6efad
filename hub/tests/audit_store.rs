//! The audit chain in the store, on both backends: appends chain and verify, ride the caller's
//! transaction, never fork under concurrent writers, are checkpointed by policy, serve proofs
//! that check against signed checkpoints, export; and any changed, deleted or reordered row
//! is named by `verify`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "test_db/mod.rs"]
mod test_db;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use hub::audit::merkle::{verify_consistency, verify_inclusion};
use hub::audit::record::{Actor, AuditEntry, AuditKind, RequestRef, Target};
use hub::audit::{Checkpoint, Problem, SigningKey, VerifierKey, checkpoint};
use hub::store::audit::{CheckpointPolicy, verify_export};
use hub::store::{AnyStore, Clock};
use sqlx::Connection;
use test_db::{Kind, TestDb};

/// 2026-11-22T00:00:00Z, advancing one millisecond per reading.
fn clock() -> Clock {
    let now = Arc::new(AtomicI64::new(1_795_305_600_000_000));
    Arc::new(move || now.fetch_add(1_000, Ordering::Relaxed))
}

struct Log {
    store: AnyStore,
    key: Arc<SigningKey>,
    _db: TestDb,
}

impl Log {
    fn keys(&self) -> Vec<VerifierKey> {
        vec![self.key.verifier().clone()]
    }

    fn policy(&self, every: u64) -> CheckpointPolicy {
        CheckpointPolicy {
            key: Arc::clone(&self.key),
            every_records: every,
            every_micros: 60_000_000,
        }
    }

    /// Runs SQL straight on the database, as someone with access to it but not to the hub.
    async fn tamper(&self, kind: Kind, sql: &str) {
        match kind {
            Kind::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self._db.url)
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self._db.url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
    }
}

async fn log(kind: Kind) -> Log {
    let db = TestDb::fresh(kind).await;
    let store = AnyStore::open_with_clock(&db.url, clock()).await.unwrap();
    let origin = store.audit().head().await.unwrap().origin;
    Log {
        store,
        key: Arc::new(SigningKey::generate(&origin).unwrap()),
        _db: db,
    }
}

fn submission(n: u64) -> AuditEntry {
    AuditEntry {
        actor: Some(Actor {
            partner: format!("partner-{}", n % 3),
            credential: Some(format!("cred-{n}")),
            role: Some("supporting".to_owned()),
            auth: Some("token".to_owned()),
        }),
        target: Some(Target {
            object: Some(format!("indicator--{n:08}")),
            collection: Some("shared".to_owned()),
            ..Target::default()
        }),
        ..AuditEntry::new(AuditKind::Submission)
    }
}

/// `n` records, appended in batches of 5, checkpointed every 10 and at the end.
async fn filled(kind: Kind, n: u64) -> Log {
    let log = log(kind).await;
    let policy = log.policy(10);
    let mut next = 0;
    while next < n {
        let batch: Vec<AuditEntry> = (next..n.min(next + 5)).map(submission).collect();
        next += batch.len() as u64;
        log.store
            .audit()
            .append(batch, Some(&policy))
            .await
            .unwrap();
    }
    log.store.audit().checkpoint(&log.key, None).await.unwrap();
    log
}

// ---------------------------------------------------------------------------------------------

async fn appended_records_chain_in_seq_order_and_verify(kind: Kind) {
    let log = filled(kind, 30).await;
    let head = log.store.audit().head().await.unwrap();
    assert_eq!(head.size, 30);
    let records = log.store.audit().records(0, 30).await.unwrap();
    assert_eq!(records.len(), 30);
    let mut prev = hub::audit::Sha256::ZERO;
    for (i, stored) in records.iter().enumerate() {
        let record = hub::audit::AuditRecord::parse_canonical(stored.body.as_bytes()).unwrap();
        assert_eq!(record.seq, i as u64);
        assert_eq!(stored.seq, i as u64);
        assert_eq!(record.prev, prev);
        prev = hub::audit::record::record_hash(stored.body.as_bytes());
        assert_eq!(stored.leaf_hash, prev.0.to_vec());
    }
    assert_eq!(head.last, prev);
    let verified = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.records, 30);
    assert_eq!(verified.signed_size, 30);
    assert_eq!(verified.checkpoints, 3);
}

async fn a_rolled_back_transaction_leaves_no_record(kind: Kind) {
    let log = log(kind).await;
    log.store
        .audit()
        .append(vec![submission(0)], None)
        .await
        .unwrap();
    let url = log._db.url.clone();
    // The caller's own transaction: what it records and the audit record commit together.
    match kind {
        Kind::Sqlite => {
            let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
            let seqs = hub::store::audit::sqlite::append(&mut tx, 5, vec![submission(1)], None)
                .await
                .unwrap();
            assert_eq!(seqs, vec![1]);
            tx.rollback().await.unwrap();
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.unwrap();
            let seqs = hub::store::audit::sqlite::append(&mut tx, 6, vec![submission(2)], None)
                .await
                .unwrap();
            assert_eq!(seqs, vec![1]);
            tx.commit().await.unwrap();
        }
        Kind::Postgres => {
            let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            let seqs = hub::store::audit::postgres::append(&mut tx, 5, vec![submission(1)], None)
                .await
                .unwrap();
            assert_eq!(seqs, vec![1]);
            tx.rollback().await.unwrap();
            let mut tx = conn.begin().await.unwrap();
            let seqs = hub::store::audit::postgres::append(&mut tx, 6, vec![submission(2)], None)
                .await
                .unwrap();
            assert_eq!(seqs, vec![1]);
            tx.commit().await.unwrap();
        }
    }
    let records = log.store.audit().records(0, 10).await.unwrap();
    assert_eq!(records.len(), 2);
    assert!(records[1].body.contains("indicator--00000002"));
    log.store.audit().checkpoint(&log.key, None).await.unwrap();
    assert!(log.store.audit().verify(&log.keys()).await.unwrap().is_ok());
}

/// Two stores on one database stand for two `accord serve` processes: their appends
/// interleave and the chain stays one.
async fn concurrent_writers_never_fork_the_chain(kind: Kind) {
    let log = log(kind).await;
    let other = AnyStore::open_with_clock(&log._db.url, clock())
        .await
        .unwrap();
    let policy = log.policy(25);
    let mut tasks = Vec::new();
    for writer in 0..8u64 {
        let store = if writer % 2 == 0 {
            log.store.clone()
        } else {
            other.clone()
        };
        let policy = policy.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..10u64 {
                let entries = vec![
                    submission(writer * 100 + i),
                    submission(writer * 100 + 50 + i),
                ];
                store.audit().append(entries, Some(&policy)).await.unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    other.close().await;
    let head = log.store.audit().head().await.unwrap();
    assert_eq!(head.size, 160);
    let checkpoints = log.store.audit().checkpoints(160).await.unwrap();
    assert!(checkpoints.len() >= 6, "{} checkpoints", checkpoints.len());
    let verified = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verified.records, 160);
}

async fn checkpoints_are_signed_every_n_records_and_on_demand(kind: Kind) {
    let log = log(kind).await;
    let policy = log.policy(10);
    for n in 0..25 {
        log.store
            .audit()
            .append(vec![submission(n)], Some(&policy))
            .await
            .unwrap();
    }
    let sizes: Vec<u64> = log
        .store
        .audit()
        .checkpoints(100)
        .await
        .unwrap()
        .into_iter()
        .map(|(size, _)| size)
        .collect();
    assert_eq!(sizes, vec![10, 20]);
    // Not due yet: the last one was signed moments ago.
    assert_eq!(
        log.store
            .audit()
            .checkpoint(&log.key, Some(60_000_000))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        log.store.audit().checkpoint(&log.key, None).await.unwrap(),
        Some(25)
    );
    // Nothing new: nothing to sign.
    assert_eq!(
        log.store.audit().checkpoint(&log.key, None).await.unwrap(),
        None
    );
    let (_, note) = log
        .store
        .audit()
        .checkpoints(25)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let opened = checkpoint::open(&note, &log.keys()).unwrap();
    assert_eq!(opened.size, 25);
    assert_eq!(
        opened.origin,
        log.store.audit().head().await.unwrap().origin
    );
}

async fn proofs_check_against_signed_checkpoints(kind: Kind) {
    let log = filled(kind, 30).await;
    let checkpoints = log.store.audit().checkpoints(30).await.unwrap();
    let open = |size: u64| -> Checkpoint {
        let note = &checkpoints.iter().find(|(s, _)| *s == size).unwrap().1;
        checkpoint::open(note, &log.keys()).unwrap()
    };
    let (at_20, at_30) = (open(20), open(30));
    let records = log.store.audit().records(0, 30).await.unwrap();
    for seq in [0u64, 13, 19] {
        let proof = log.store.audit().inclusion_proof(seq, 20).await.unwrap();
        let leaf: [u8; 32] = records[seq as usize].leaf_hash.clone().try_into().unwrap();
        assert!(verify_inclusion(seq, 20, &leaf, &proof, &at_20.root));
        assert!(!verify_inclusion(seq, 20, &leaf, &proof, &at_30.root));
    }
    let proof = log.store.audit().consistency_proof(20, 30).await.unwrap();
    assert!(verify_consistency(20, 30, &at_20.root, &at_30.root, &proof));
    assert!(log.store.audit().inclusion_proof(30, 30).await.is_err());
}

async fn entries_lacking_what_their_kind_needs_store_nothing(kind: Kind) {
    let log = log(kind).await;
    let bad = AuditEntry::new(AuditKind::AuthFailure);
    let good = AuditEntry {
        request: Some(RequestRef {
            reason: Some("unknown_token".to_owned()),
            ..RequestRef::default()
        }),
        ..AuditEntry::new(AuditKind::AuthFailure)
    };
    assert!(
        log.store
            .audit()
            .append(vec![good.clone(), bad], None)
            .await
            .is_err()
    );
    assert_eq!(log.store.audit().head().await.unwrap().size, 0);
    assert_eq!(
        log.store.audit().append(vec![good], None).await.unwrap(),
        vec![0]
    );
}

async fn a_changed_row_is_named(kind: Kind) {
    let log = filled(kind, 30).await;
    log.tamper(
        kind,
        "UPDATE audit_records SET body = replace(body, 'cred-12', 'cred-99') WHERE seq = 12",
    )
    .await;
    let problem = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(problem, Problem::Changed { seq: 12, .. }),
        "{problem}"
    );
}

async fn a_changed_last_row_is_named(kind: Kind) {
    let log = filled(kind, 30).await;
    log.tamper(
        kind,
        "UPDATE audit_records SET body = replace(body, 'cred-29', 'cred-99') WHERE seq = 29",
    )
    .await;
    let problem = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(problem, Problem::Changed { seq: 29, .. }),
        "{problem}"
    );
}

async fn a_deleted_row_is_missing(kind: Kind) {
    let log = filled(kind, 30).await;
    log.tamper(kind, "DELETE FROM audit_records WHERE seq = 17")
        .await;
    let problem = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(problem, Problem::Missing { seq: 17 });
}

async fn a_deleted_last_row_is_missing(kind: Kind) {
    let log = filled(kind, 30).await;
    log.tamper(kind, "DELETE FROM audit_records WHERE seq = 29")
        .await;
    let problem = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(problem, Problem::Missing { seq: 29 });
}

async fn reordered_rows_are_named(kind: Kind) {
    let log = filled(kind, 30).await;
    log.tamper(kind, "UPDATE audit_records SET seq = -1 WHERE seq = 8")
        .await;
    log.tamper(kind, "UPDATE audit_records SET seq = 8 WHERE seq = 9")
        .await;
    log.tamper(kind, "UPDATE audit_records SET seq = 9 WHERE seq = -1")
        .await;
    let problem = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap_err();
    assert_eq!(
        problem,
        Problem::Reordered {
            seq: 8,
            found_at: 9
        }
    );
}

/// Rewrites the log from record 25 on, as someone with the database but not the key could:
/// through the hub's own code path, the head moved along; only signatures cannot follow.
async fn rewrite_from_25(log: &Log, kind: Kind) {
    log.tamper(kind, "DELETE FROM audit_records WHERE seq >= 25")
        .await;
    let records = log.store.audit().records(24, 25).await.unwrap();
    let leaf = &records[0].leaf_hash;
    let mut frontier = hub::audit::merkle::Frontier::new();
    for stored in log.store.audit().records(0, 25).await.unwrap() {
        frontier.push(stored.leaf_hash.try_into().unwrap());
    }
    let hex: String = leaf.iter().map(|b| format!("{b:02x}")).collect();
    let frontier_hex: String = frontier
        .to_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let set = match kind {
        Kind::Sqlite => format!(
            "UPDATE audit_head SET tree_size = 25, last_hash = x'{hex}', frontier = x'{frontier_hex}'"
        ),
        Kind::Postgres => format!(
            "UPDATE audit_head SET tree_size = 25, last_hash = '\\x{hex}'::bytea, \
             frontier = '\\x{frontier_hex}'::bytea"
        ),
    };
    log.tamper(kind, &set).await;
    let forged: Vec<AuditEntry> = (25..30)
        .map(|n| {
            let mut entry = submission(n);
            entry.actor.as_mut().unwrap().partner = "mallory".to_owned();
            entry
        })
        .collect();
    log.store.audit().append(forged, None).await.unwrap();
}

async fn a_rewritten_and_rechained_log_fails_its_checkpoint(kind: Kind) {
    let log = filled(kind, 30).await;
    rewrite_from_25(&log, kind).await;
    let problem = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            problem,
            Problem::Checkpoint {
                size: 30,
                from: 20,
                ..
            }
        ),
        "{problem}"
    );
}

/// The rewrite also removes the log's own checkpoint past 20: the log alone now verifies
/// (signed up to 20 only), a checkpoint the auditor kept does not let it.
async fn a_kept_checkpoint_catches_a_rewrite_that_removed_the_logs_own(kind: Kind) {
    let log = filled(kind, 30).await;
    let kept = log.store.audit().checkpoints(30).await.unwrap();
    rewrite_from_25(&log, kind).await;
    log.tamper(kind, "DELETE FROM audit_checkpoints WHERE tree_size > 20")
        .await;
    let verified = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((verified.records, verified.signed_size), (30, 20));
    let problem = log
        .store
        .audit()
        .verify_with(&log.keys(), &kept)
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(
            problem,
            Problem::Checkpoint {
                size: 30,
                from: 20,
                ..
            }
        ),
        "{problem}"
    );
}

async fn a_stranger_key_verifies_nothing(kind: Kind) {
    let log = filled(kind, 12).await;
    let stranger = SigningKey::generate("accord.audit/stranger").unwrap();
    let problem = log
        .store
        .audit()
        .verify(&[stranger.verifier().clone()])
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(problem, Problem::Checkpoint { size: 10, .. }),
        "{problem}"
    );
}

async fn an_export_verifies_and_names_a_tampered_line(kind: Kind) {
    let log = filled(kind, 30).await;
    let mut out = Vec::new();
    let header = log.store.audit().export(&mut out).await.unwrap();
    assert_eq!(header.size, 30);
    let keys = log.keys();
    let verified = verify_export(out.as_slice(), &keys).unwrap().unwrap();
    assert_eq!(verified.records, 30);
    assert_eq!(verified.signed_size, 30);

    let lines: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
    // The header, the checkpoints at 10, 20 and 30, then the records.
    assert_eq!(lines.len(), 1 + 3 + 30);
    let first = lines.iter().position(|l| l.contains("\"seq\":0,")).unwrap();
    let rebuild = |lines: &[String]| lines.join("\n").into_bytes();
    let owned: Vec<String> = lines.iter().map(|l| (*l).to_owned()).collect();

    let mut changed = owned.clone();
    changed[first + 5] = changed[first + 5].replace("cred-5", "cred-6");
    let problem = verify_export(rebuild(&changed).as_slice(), &keys)
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(problem, Problem::Changed { seq: 5, .. }),
        "{problem}"
    );

    let mut deleted = owned.clone();
    deleted.remove(first + 21);
    let problem = verify_export(rebuild(&deleted).as_slice(), &keys)
        .unwrap()
        .unwrap_err();
    assert_eq!(problem, Problem::Missing { seq: 21 });

    let mut swapped = owned.clone();
    swapped.swap(first + 3, first + 4);
    let problem = verify_export(rebuild(&swapped).as_slice(), &keys)
        .unwrap()
        .unwrap_err();
    assert_eq!(
        problem,
        Problem::Reordered {
            seq: 3,
            found_at: 4
        }
    );

    // Without its checkpoints an export proves nothing: it is refused.
    let unsigned: Vec<String> = owned
        .iter()
        .filter(|l| !l.starts_with("{\"tree_size\""))
        .cloned()
        .collect();
    let problem = verify_export(rebuild(&unsigned).as_slice(), &keys)
        .unwrap()
        .unwrap_err();
    assert_eq!(problem, Problem::Unsigned { from: 0, to: 29 });

    let mut truncated = owned.clone();
    truncated.pop();
    let problem = verify_export(rebuild(&truncated).as_slice(), &keys)
        .unwrap()
        .unwrap_err();
    assert_eq!(problem, Problem::Missing { seq: 29 });
}

macro_rules! both {
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

both!(
    appended_records_chain_in_seq_order_and_verify,
    a_rolled_back_transaction_leaves_no_record,
    concurrent_writers_never_fork_the_chain,
    checkpoints_are_signed_every_n_records_and_on_demand,
    proofs_check_against_signed_checkpoints,
    entries_lacking_what_their_kind_needs_store_nothing,
    a_changed_row_is_named,
    a_changed_last_row_is_named,
    a_deleted_row_is_missing,
    a_deleted_last_row_is_missing,
    reordered_rows_are_named,
    a_rewritten_and_rechained_log_fails_its_checkpoint,
    a_kept_checkpoint_catches_a_rewrite_that_removed_the_logs_own,
    a_stranger_key_verifies_nothing,
    an_export_verifies_and_names_a_tampered_line,
);

/// The stored leaf hash recomputed along with the body (PostgreSQL can hash in SQL): the
/// chain still names the record.
#[tokio::test]
async fn a_changed_row_with_its_leaf_hash_recomputed_is_named() {
    let log = filled(Kind::Postgres, 30).await;
    log.tamper(
        Kind::Postgres,
        "UPDATE audit_records SET body = replace(body, 'cred-12', 'cred-99') WHERE seq = 12",
    )
    .await;
    log.tamper(
        Kind::Postgres,
        "UPDATE audit_records SET leaf_hash = sha256('\\x00'::bytea || convert_to(body, 'UTF8')) \
         WHERE seq = 12",
    )
    .await;
    let problem = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(problem, Problem::Changed { seq: 12, .. }),
        "{problem}"
    );
    assert!(
        problem.to_string().contains("prev of record 13"),
        "{problem}"
    );
}

/// Verify speed from the database: 100,000 records appended in batches of 1,000.
/// `cargo test --release -p hub --test audit_store -- --ignored --nocapture`
async fn verify_throughput(kind: Kind) {
    let log = log(kind).await;
    let policy = log.policy(1_000);
    let started = std::time::Instant::now();
    for batch in 0..100u64 {
        let entries: Vec<AuditEntry> = (batch * 1_000..(batch + 1) * 1_000)
            .map(submission)
            .collect();
        log.store
            .audit()
            .append(entries, Some(&policy))
            .await
            .unwrap();
    }
    let appended = started.elapsed();
    let started = std::time::Instant::now();
    let verified = log
        .store
        .audit()
        .verify(&log.keys())
        .await
        .unwrap()
        .unwrap();
    let took = started.elapsed();
    assert_eq!(verified.records, 100_000);
    eprintln!(
        "{kind:?}: appended 100,000 records in {appended:.2?} ({:.0}/s); verified in {took:.2?} ({:.0} records/s)",
        100_000.0 / appended.as_secs_f64(),
        100_000.0 / took.as_secs_f64()
    );
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn verify_throughput_sqlite() {
    verify_throughput(Kind::Sqlite).await;
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn verify_throughput_postgres() {
    verify_throughput(Kind::Postgres).await;
}
