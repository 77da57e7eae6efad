//! Authentication failures of the running server are audit records, on both backends: one
//! per refused request, with method, peer, reason and path digest, never the secret; an
//! accepted request records nothing; the server signs checkpoints with its key.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[path = "test_db/mod.rs"]
mod test_db;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use hub::audit::AuditRecord;
use hub::audit::record::AuditKind;
use hub::config::Secret;
use hub::store::AnyStore;
use hub::{Application, Settings};
use sha2::{Digest, Sha256};
use test_db::{Kind, TestDb};

fn get(addr: SocketAddr, path: &str, authorization: Option<&str>) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = authorization
        .map(|a| format!("Authorization: {a}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

async fn refused_requests_are_audit_records(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let dir = std::env::temp_dir().join(format!("accord-audit-auth-{}", uuid::Uuid::new_v4()));
    let mut settings = Settings::for_test(&dir);
    settings.database_url = Some(Secret::new(db.url.clone()));
    let token = settings
        .bootstrap_token
        .clone()
        .unwrap()
        .expose()
        .to_owned();
    let app = Application::build(settings).await.unwrap();
    let addr = app.local_addr();
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());

    let wrong = "f".repeat(64);
    let responses = actix_web::rt::task::spawn_blocking(move || {
        vec![
            get(addr, "/taxii2/", Some(&format!("Bearer {token}"))),
            get(addr, "/taxii2/", Some(&format!("Bearer {wrong}"))),
            get(addr, "/default/collections/", None),
            get(addr, "/taxii2/", Some("Digest abc")),
        ]
    })
    .await
    .unwrap();
    assert!(responses[0].starts_with("HTTP/1.1 200"), "{}", responses[0]);
    for response in &responses[1..] {
        assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    }

    let store = AnyStore::open(&db.url).await.unwrap();
    // Whatever else the start records comes along; the refusals are what is counted.
    let failures = |records: &[hub::store::audit::StoredRecord]| -> Vec<AuditRecord> {
        records
            .iter()
            .map(|r| AuditRecord::parse_canonical(r.body.as_bytes()).unwrap())
            .filter(|r| r.kind == AuditKind::AuthFailure)
            .collect()
    };
    let mut records = Vec::new();
    for _ in 0..100 {
        records = store.audit().records(0, 1_000).await.unwrap();
        if failures(&records).len() >= 3 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    handle.stop(true).await;
    server.await.unwrap().unwrap();

    // They chain and verify with the hub's key, which the server created in its data dir;
    // the next start signs whatever the last run left unsigned.
    let keys = hub::store::audit::read_verifier_keys(&dir.join("audit.key")).unwrap();
    let logged = records.len() as u64;
    let verified = store.audit().verify(&keys).await.unwrap().unwrap();
    assert_eq!(verified.records, logged);
    let mut settings = Settings::for_test(&dir);
    settings.database_url = Some(Secret::new(db.url.clone()));
    let app = Application::build(settings).await.unwrap();
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());
    let mut signed = Vec::new();
    for _ in 0..100 {
        signed = store.audit().checkpoints(1_000).await.unwrap();
        if signed.iter().any(|(size, _)| *size >= logged) {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    handle.stop(true).await;
    server.await.unwrap().unwrap();
    assert!(signed.iter().any(|(size, _)| *size >= logged), "{signed:?}");
    let verified = store.audit().verify(&keys).await.unwrap().unwrap();
    assert!(verified.signed_size >= logged);
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    let parsed = failures(&records);
    assert_eq!(
        parsed.len(),
        3,
        "one record per refusal, none for the accepted request"
    );
    let mut reasons: Vec<String> = parsed
        .iter()
        .map(|r| {
            assert_eq!(r.kind, AuditKind::AuthFailure);
            assert!(r.actor.is_none());
            let request = r.request.as_ref().unwrap();
            assert_eq!(request.method.as_deref(), Some("GET"));
            assert_eq!(request.peer.as_deref(), Some("127.0.0.1"));
            request.reason.clone().unwrap()
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            "no credentials",
            "unknown or revoked credential",
            "unsupported authorization scheme"
        ]
    );
    let collections_digest: [u8; 32] = Sha256::digest(b"/default/collections/").into();
    assert!(parsed.iter().any(|r| {
        r.request.as_ref().unwrap().path_digest == Some(hub::audit::Sha256(collections_digest))
    }));
    for record in &records {
        assert!(
            !record.body.contains(&"f".repeat(64)),
            "a secret in the log"
        );
    }
}

#[actix_web::test]
async fn refused_requests_are_audit_records_sqlite() {
    refused_requests_are_audit_records(Kind::Sqlite).await;
}

#[actix_web::test]
async fn refused_requests_are_audit_records_postgres() {
    refused_requests_are_audit_records(Kind::Postgres).await;
}
