//! `accord audit verify|export|key` of the real binary, on both backends: an untouched log
//! verifies from the database and from its export; one row changed, deleted or reordered in
//! the database, or one line in the export, makes `verify` exit 2 and name the record.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "test_db/mod.rs"]
mod test_db;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use hub::audit::record::{Actor, AuditEntry, AuditKind, Target};
use hub::store::AnyStore;
use hub::store::audit::{CheckpointPolicy, load_or_create_key};
use sqlx::Connection;
use test_db::{Kind, TestDb};

struct Setup {
    db: TestDb,
    dir: PathBuf,
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Setup {
    fn accord(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_accord"))
            .args(args)
            .arg("--data-dir")
            .arg(&self.dir)
            .env("ACCORD_DATABASE_URL", &self.db.url)
            .output()
            .unwrap()
    }

    async fn sql(&self, kind: Kind, sql: &str) {
        match kind {
            Kind::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(&self.db.url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
            Kind::Postgres => {
                let mut conn = sqlx::PgConnection::connect(&self.db.url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&mut conn)
                    .await
                    .unwrap();
            }
        }
    }
}

fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// The message of a verification that failed, which must have exited 2.
fn failure_of(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    stderr
}

/// A hub database with 30 records, checkpointed every 10 with the hub's key in the data dir.
async fn setup(kind: Kind) -> Setup {
    let db = TestDb::fresh(kind).await;
    let dir = std::env::temp_dir().join(format!("accord_audit_cli_{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = AnyStore::open(&db.url).await.unwrap();
    let log = store.audit();
    let origin = log.head().await.unwrap().origin;
    let key = Arc::new(load_or_create_key(&dir.join("audit.key"), &origin).unwrap());
    let policy = CheckpointPolicy {
        key,
        every_records: 10,
        every_micros: 60_000_000,
    };
    for n in 0..30u64 {
        let entry = AuditEntry {
            actor: Some(Actor {
                partner: format!("partner-{}", n % 3),
                credential: Some(format!("cred-{n}")),
                ..Actor::default()
            }),
            target: Some(Target {
                object: Some(format!("indicator--{n:08}")),
                collection: Some("shared".to_owned()),
                ..Target::default()
            }),
            ..AuditEntry::new(AuditKind::Submission)
        };
        log.append(vec![entry], Some(&policy)).await.unwrap();
    }
    store.close().await;
    Setup { db, dir }
}

fn path_str(path: &Path) -> &str {
    path.to_str().unwrap()
}

async fn an_untouched_log_verifies_from_the_database_and_its_export(kind: Kind) {
    let s = setup(kind).await;
    let out = stdout_of(&s.accord(&["audit", "verify"]));
    assert!(out.contains("30 records"), "{out}");
    assert!(out.contains("3 checkpoints"), "{out}");
    let shown = stdout_of(&s.accord(&["audit", "show", "--from", "28"]));
    let seqs: Vec<u64> = shown
        .lines()
        .map(|l| {
            hub::audit::AuditRecord::parse_canonical(l.as_bytes())
                .unwrap()
                .seq
        })
        .collect();
    assert_eq!(seqs, vec![28, 29]);

    let export = s.dir.join("audit.jsonl");
    let out = stdout_of(&s.accord(&["audit", "export", path_str(&export)]));
    assert!(out.contains("exported 30 audit records"), "{out}");
    let out = stdout_of(&s.accord(&["audit", "verify", "--file", path_str(&export)]));
    assert!(out.contains("30 records"), "{out}");

    // The export is itself a record, past the last checkpoint until the next one.
    let out = stdout_of(&s.accord(&["audit", "verify"]));
    assert!(out.contains("31 records"), "{out}");
    assert!(
        out.contains("records 30..30 are chained but not yet"),
        "{out}"
    );

    // The verifier key printed for partners verifies the export on its own.
    let public = stdout_of(&s.accord(&["audit", "key"]));
    let key_file = s.dir.join("hub.pub");
    std::fs::write(&key_file, public).unwrap();
    let out = stdout_of(&s.accord(&[
        "audit",
        "verify",
        "--file",
        path_str(&export),
        "--key",
        path_str(&key_file),
    ]));
    assert!(out.contains("30 records"), "{out}");
}

async fn a_changed_row_fails_verify_and_is_named(kind: Kind) {
    let s = setup(kind).await;
    s.sql(
        kind,
        "UPDATE audit_records SET body = replace(body, 'partner-0', 'partner-9') WHERE seq = 12",
    )
    .await;
    let stderr = failure_of(&s.accord(&["audit", "verify"]));
    assert!(stderr.contains("record 12 was changed"), "{stderr}");
}

async fn a_deleted_row_fails_verify_and_is_named(kind: Kind) {
    let s = setup(kind).await;
    s.sql(kind, "DELETE FROM audit_records WHERE seq = 17")
        .await;
    let stderr = failure_of(&s.accord(&["audit", "verify"]));
    assert!(stderr.contains("record 17 is missing"), "{stderr}");
}

async fn a_reordered_row_fails_verify_and_is_named(kind: Kind) {
    let s = setup(kind).await;
    s.sql(kind, "UPDATE audit_records SET seq = -1 WHERE seq = 4")
        .await;
    s.sql(kind, "UPDATE audit_records SET seq = 4 WHERE seq = 5")
        .await;
    s.sql(kind, "UPDATE audit_records SET seq = 5 WHERE seq = -1")
        .await;
    let stderr = failure_of(&s.accord(&["audit", "verify"]));
    assert!(stderr.contains("record 4 is out of order"), "{stderr}");
}

async fn a_tampered_export_fails_verify_and_is_named(kind: Kind) {
    let s = setup(kind).await;
    let export = s.dir.join("audit.jsonl");
    stdout_of(&s.accord(&["audit", "export", path_str(&export)]));
    let text = std::fs::read_to_string(&export).unwrap();
    let lines: Vec<String> = text.lines().map(str::to_owned).collect();
    let first = lines.iter().position(|l| l.contains("\"seq\":0,")).unwrap();
    let write = |lines: &[String], name: &str| -> PathBuf {
        let path = s.dir.join(name);
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        path
    };

    let mut changed = lines.clone();
    changed[first + 5] = changed[first + 5].replace("cred-5", "cred-7");
    let path = write(&changed, "changed.jsonl");
    let stderr = failure_of(&s.accord(&["audit", "verify", "--file", path_str(&path)]));
    assert!(stderr.contains("record 5 was changed"), "{stderr}");

    let mut deleted = lines.clone();
    deleted.remove(first + 21);
    let path = write(&deleted, "deleted.jsonl");
    let stderr = failure_of(&s.accord(&["audit", "verify", "--file", path_str(&path)]));
    assert!(stderr.contains("record 21 is missing"), "{stderr}");

    let mut reordered = lines.clone();
    reordered.swap(first + 8, first + 9);
    let path = write(&reordered, "reordered.jsonl");
    let stderr = failure_of(&s.accord(&["audit", "verify", "--file", path_str(&path)]));
    assert!(stderr.contains("record 8 is out of order"), "{stderr}");
}

/// Six `accord` processes append to one chain at once (each export is a record and signs a
/// checkpoint) and race to create a new key file: one chain, one key, and it verifies.
async fn concurrent_processes_extend_one_chain(kind: Kind) {
    let s = setup(kind).await;
    let new_key = s.dir.join("new.key");
    let children: Vec<_> = (0..6)
        .map(|i| {
            Command::new(env!("CARGO_BIN_EXE_accord"))
                .args(["audit", "export"])
                .arg(s.dir.join(format!("export-{i}.jsonl")))
                .arg("--key")
                .arg(&new_key)
                .arg("--data-dir")
                .arg(&s.dir)
                .env("ACCORD_DATABASE_URL", &s.db.url)
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let hub_key = s.dir.join("audit.key");
    let out = stdout_of(&s.accord(&[
        "audit",
        "verify",
        "--key",
        path_str(&hub_key),
        "--key",
        path_str(&new_key),
    ]));
    assert!(out.contains("36 records"), "{out}");
    for i in 0..6 {
        let export = s.dir.join(format!("export-{i}.jsonl"));
        let out = stdout_of(&s.accord(&[
            "audit",
            "verify",
            "--file",
            path_str(&export),
            "--key",
            path_str(&hub_key),
            "--key",
            path_str(&new_key),
        ]));
        assert!(out.contains("records"), "{out}");
    }
}

/// Checkpoints kept from an earlier export still vouch for the log when its own are gone.
async fn checkpoints_kept_from_an_export_are_checked(kind: Kind) {
    let s = setup(kind).await;
    let export = s.dir.join("kept.jsonl");
    stdout_of(&s.accord(&["audit", "export", path_str(&export)]));
    s.sql(kind, "DELETE FROM audit_checkpoints").await;
    let out = stdout_of(&s.accord(&["audit", "verify"]));
    assert!(
        out.contains("0 checkpoints, signed up to 0 records"),
        "{out}"
    );
    let out = stdout_of(&s.accord(&["audit", "verify", "--checkpoint", path_str(&export)]));
    assert!(
        out.contains("3 checkpoints, signed up to 30 records"),
        "{out}"
    );
    // A log cut below a kept checkpoint is missing records.
    s.sql(kind, "DELETE FROM audit_records WHERE seq >= 28")
        .await;
    let stderr = failure_of(&s.accord(&["audit", "verify", "--checkpoint", path_str(&export)]));
    assert!(stderr.contains("record 28 is missing"), "{stderr}");
}

/// A partner checks one record offline: the record, its inclusion proof, the signed
/// checkpoint, and the hub's verifier key; nothing else.
async fn a_record_proof_checks_offline(kind: Kind) {
    let s = setup(kind).await;
    let public = s.dir.join("hub.pub");
    std::fs::write(&public, stdout_of(&s.accord(&["audit", "key"]))).unwrap();
    let proof = stdout_of(&s.accord(&["audit", "proof", "12"]));
    assert!(proof.contains("\"tree_size\": 20"), "{proof}");
    let file = s.dir.join("proof-12.json");
    std::fs::write(&file, &proof).unwrap();
    let elsewhere = s.dir.join("offline");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let offline = |file: &Path| {
        Command::new(env!("CARGO_BIN_EXE_accord"))
            .args(["audit", "verify", "--proof"])
            .arg(file)
            .arg("--key")
            .arg(&public)
            .arg("--data-dir")
            .arg(&elsewhere)
            .env("ACCORD_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
            .output()
            .unwrap()
    };
    let out = stdout_of(&offline(&file));
    assert!(
        out.contains("record 12 (submission) is in the audit log"),
        "{out}"
    );

    let forged = s.dir.join("forged-12.json");
    std::fs::write(&forged, proof.replace("cred-12", "cred-13")).unwrap();
    let stderr = failure_of(&offline(&forged));
    assert!(stderr.contains("record 12 is not in the tree"), "{stderr}");
}

async fn verify_without_a_trusted_key_refuses(kind: Kind) {
    let s = setup(kind).await;
    std::fs::remove_file(s.dir.join("audit.key")).unwrap();
    let output = s.accord(&["audit", "verify"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no trusted key"));
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
    an_untouched_log_verifies_from_the_database_and_its_export,
    a_changed_row_fails_verify_and_is_named,
    a_deleted_row_fails_verify_and_is_named,
    a_reordered_row_fails_verify_and_is_named,
    a_tampered_export_fails_verify_and_is_named,
    verify_without_a_trusted_key_refuses,
    concurrent_processes_extend_one_chain,
    checkpoints_kept_from_an_export_are_checked,
    a_record_proof_checks_offline,
);
