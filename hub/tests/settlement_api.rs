//! The settlement admin API over HTTP on the real server, on both backends: a proposal and
//! attestations made by partners' own keys, relayed by any authenticated partner, verified by
//! the hub against the registered keys (a bad signature is a 400 that says what is wrong),
//! settled under the quorum of the rule set in force.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

#[path = "test_db/mod.rs"]
mod test_db;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use hub::config::Secret;
use hub::store::AnyStore;
use hub::store::settlement::instant;
use hub::{Application, Settings};
use release_rules::RuleSet;
use release_rules::settlement::{Attestation, Change, PartnerKey, Proposal, Vote};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use taxii::store::CredentialKind;
use test_db::{Kind, TestDb};

/// One HTTP request; (status, JSON body). Made on a thread of its own: the test's runtime
/// must keep running, as it drives the server's PostgreSQL connections.
async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let (method, path, token, body) = (
        method.to_owned(),
        path.to_owned(),
        token.map(str::to_owned),
        body.to_owned(),
    );
    actix_web::rt::task::spawn_blocking(move || {
        blocking_request(addr, &method, &path, token.as_deref(), &body)
    })
    .await
    .unwrap()
}

fn blocking_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, Value) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn now() -> i64 {
    (hub::store::system_clock())()
}

async fn proposals_settle_over_the_admin_api(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let dir = std::env::temp_dir().join(format!("accord-settle-{}", uuid::Uuid::new_v4().simple()));
    let mut settings = Settings::for_test(&dir);
    settings.database_url = Some(Secret::new(db.url.clone()));
    let lead = "test-bootstrap-token";
    let app = Application::build(settings).await.unwrap();
    let addr = app.local_addr();
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());

    // Zero-config hub: `local` (lead) and a second partner `peer`; a rule set without a
    // quorum section asks for unanimity.
    let local_key = PartnerKey::from_seed(&[1; 32]).unwrap();
    let peer_key = PartnerKey::from_seed(&[2; 32]).unwrap();
    let peer = "peer-token-0123456789";
    let store = AnyStore::open(&db.url).await.unwrap();
    store
        .add_partner("peer", "Peer", "supporting")
        .await
        .unwrap();
    store
        .create_credential(
            "peer",
            CredentialKind::Token,
            None,
            Sha256::digest(peer).into(),
        )
        .await
        .unwrap();
    store
        .register_partner_key("local", &local_key.public_key(), now())
        .await
        .unwrap();
    store
        .register_partner_key("peer", &peer_key.public_key(), now())
        .await
        .unwrap();
    store.close().await;

    assert_eq!(
        request(addr, "GET", "/admin/v1/proposals", None, "")
            .await
            .0,
        401
    );

    // The partner's tooling builds the proposal on what the hub says is in force.
    let (status, base) = request(addr, "GET", "/admin/v1/settlement/base", Some(peer), "").await;
    assert_eq!(status, 200, "{base}");
    assert_eq!(base["membership_epoch"], 0);
    let in_force = RuleSet::from_value(base["ruleset"]["document"].clone()).unwrap();
    let mut next = in_force.source().clone();
    next["version"] = json!(in_force.version + 1);
    next["base"] = json!({"version": in_force.version, "digest": in_force.digest()});
    let next = RuleSet::from_value(next).unwrap();
    let p = Proposal::new(
        &in_force,
        0,
        "local",
        instant(now()),
        Change::RuleSet(Box::new(next)),
    )
    .unwrap();

    // Signed by a key `local` does not hold: refused, saying so.
    let forged = json!({"proposal": p.to_json(), "signature": p.signed_by(&peer_key)});
    let (status, error) = request(
        addr,
        "POST",
        "/admin/v1/proposals",
        Some(lead),
        &forged.to_string(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error["description"]
            .as_str()
            .unwrap()
            .contains("local has no key"),
        "{error}"
    );

    let body = json!({"proposal": p.to_json(), "signature": p.signed_by(&local_key)});
    // Relayed by the peer's credential: the signature is what counts.
    let (status, created) = request(
        addr,
        "POST",
        "/admin/v1/proposals",
        Some(peer),
        &body.to_string(),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let n = created["id"].as_i64().unwrap();
    assert_eq!(created["outcome"], "pending");
    let path = format!("/admin/v1/proposals/{n}/attestations");

    // An attestation by `peer` signed with local's key: 400 naming the partner and the key.
    let wrong = Attestation::new(&p, "peer", Vote::Approve, None, instant(now()))
        .unwrap()
        .signed_by(&local_key);
    let (status, error) = request(
        addr,
        "POST",
        &path,
        Some(peer),
        &serde_json::to_string(&wrong).unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    let text = error["description"].as_str().unwrap();
    assert!(
        text.contains("peer") && text.contains("unknown key"),
        "{error}"
    );
    // A signature over other bytes: a bad signature.
    let mut tampered = Attestation::new(&p, "peer", Vote::Approve, None, instant(now()))
        .unwrap()
        .signed_by(&peer_key);
    tampered.vote = Vote::Abstain;
    let (status, error) = request(
        addr,
        "POST",
        &path,
        Some(peer),
        &serde_json::to_string(&tampered).unwrap(),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        error["description"]
            .as_str()
            .unwrap()
            .contains("bad signature"),
        "{error}"
    );

    let approve = |partner: &str, key: &PartnerKey| {
        Attestation::new(&p, partner, Vote::Approve, None, instant(now()))
            .unwrap()
            .signed_by(key)
    };
    let (status, view) = request(
        addr,
        "POST",
        &path,
        Some(lead),
        &serde_json::to_string(&approve("local", &local_key)).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["outcome"], "pending");
    assert_eq!(view["record"]["not_heard"], json!(["peer"]));
    let (status, view) = request(
        addr,
        "POST",
        &path,
        Some(peer),
        &serde_json::to_string(&approve("peer", &peer_key)).unwrap(),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["outcome"], "settled");

    let (status, shown) = request(
        addr,
        "GET",
        &format!("/admin/v1/proposals/{n}"),
        Some(peer),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(shown["closed"], true);
    assert_eq!(shown["effects"][0]["kind"], "applied");
    assert_eq!(shown["record"]["attestations"].as_array().unwrap().len(), 2);
    let (_, listed) = request(addr, "GET", "/admin/v1/proposals", Some(peer), "").await;
    assert_eq!(listed["proposals"].as_array().unwrap().len(), 1);
    let (_, base) = request(addr, "GET", "/admin/v1/settlement/base", Some(peer), "").await;
    assert_eq!(base["ruleset"]["version"], in_force.version + 1);
    assert_eq!(
        request(addr, "GET", "/admin/v1/proposals/99", Some(peer), "")
            .await
            .0,
        404
    );

    handle.stop(true).await;
    server.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[actix_web::test]
async fn sqlite_proposals_settle_over_the_admin_api() {
    proposals_settle_over_the_admin_api(Kind::Sqlite).await;
}

#[actix_web::test]
async fn postgres_proposals_settle_over_the_admin_api() {
    proposals_settle_over_the_admin_api(Kind::Postgres).await;
}
