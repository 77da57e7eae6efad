//! `GET /admin/v1/explain` over HTTP: authenticated; the lead role may explain any partner's
//! decisions, any other partner its own only — and only for versions it is given, so that
//! the endpoint is no existence oracle.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use hub::store::AnyStore;
use hub::{Application, Settings};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use taxii::store::{Access, CredentialKind};

const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";
const AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";

/// One HTTP request; (status, body).
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Accept: application/taxii+json;version=2.1\r\n\
         Content-Type: application/taxii+json;version=2.1\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
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
    (status, body)
}

fn indicator(id: &str, marking: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1", "id": id,
        "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
        "valid_from": "2025-01-01T00:00:00Z", "object_marking_refs": [marking]
    })
}

#[actix_web::test]
async fn explain_is_for_the_lead_or_the_partner_itself_and_no_oracle() {
    let dir = std::env::temp_dir().join(format!("accord-admin-{}", uuid::Uuid::new_v4().simple()));
    let settings = Settings::for_test(&dir);
    let url = settings.database_url().unwrap().expose().to_owned();
    let lead = settings
        .bootstrap_token
        .clone()
        .unwrap()
        .expose()
        .to_owned();
    let app = Application::build(settings).await.unwrap();
    let addr = app.local_addr();
    let handle = app.handle();
    let server = actix_web::rt::spawn(app.run_until_stopped());

    // A second partner, `peer`, reading and writing `shared` (zero-config: both see unmarked
    // and TLP:CLEAR objects; AMBER+STRICT only reaches its originator).
    let store = AnyStore::open(&url).await.unwrap();
    store
        .add_partner("peer", "Peer", "supporting")
        .await
        .unwrap();
    let peer = "peer-token-0123456789";
    store
        .create_credential(
            "peer",
            CredentialKind::Token,
            None,
            Sha256::digest(peer).into(),
        )
        .await
        .unwrap();
    let shared = store.find_collection("shared").await.unwrap().id;
    store
        .grant(
            "peer",
            shared,
            Access {
                can_read: true,
                can_write: true,
            },
        )
        .await
        .unwrap();
    store.close().await;

    let (open, secret) = (
        format!("indicator--{}", uuid::Uuid::new_v4()),
        format!("indicator--{}", uuid::Uuid::new_v4()),
    );
    let envelope = json!({"objects": [indicator(&open, CLEAR), indicator(&secret, AMBER_STRICT)]});
    let lead_token = lead.clone();
    let collection = shared.to_string();
    let call = move |method: &'static str, path: String, token: Option<String>, body: String| {
        actix_web::rt::task::spawn_blocking(move || {
            request(addr, method, &path, token.as_deref(), &body)
        })
    };
    let (status, body) = call(
        "POST",
        format!("/default/collections/{collection}/objects/"),
        Some(lead_token.clone()),
        envelope.to_string(),
    )
    .await
    .unwrap();
    assert_eq!(status, 202, "{body}");
    let explain = |object: &str, partner: &str| {
        format!("/admin/v1/explain?object={object}&partner={partner}")
    };

    // The lead: any partner, every version, and why.
    let (status, body) = call(
        "GET",
        explain(&secret, "peer"),
        Some(lead.clone()),
        String::new(),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let value: Value = serde_json::from_str(&body).unwrap();
    let decision = &value["versions"][0]["rule_sets"][0];
    assert_eq!(decision["effect"], "withhold");
    assert!(
        decision["explanation"]
            .as_str()
            .unwrap()
            .contains("TLP:AMBER+STRICT"),
        "{body}"
    );
    assert_eq!(value["versions"][0]["in_view"], false);

    // Unauthenticated: 401.
    let (status, _) = call("GET", explain(&open, "peer"), None, String::new())
        .await
        .unwrap();
    assert_eq!(status, 401);
    // Another partner's decisions: 403.
    let (status, _) = call(
        "GET",
        explain(&open, "local"),
        Some(peer.to_owned()),
        String::new(),
    )
    .await
    .unwrap();
    assert_eq!(status, 403);
    // Its own, for what it is given: why.
    let (status, body) = call(
        "GET",
        explain(&open, "peer"),
        Some(peer.to_owned()),
        String::new(),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("release: rule release-all"), "{body}");
    // Its own, for what is withheld from it: exactly what an unknown id gets.
    let withheld = call(
        "GET",
        explain(&secret, "peer"),
        Some(peer.to_owned()),
        String::new(),
    )
    .await
    .unwrap();
    let unknown = call(
        "GET",
        explain(&format!("indicator--{}", uuid::Uuid::new_v4()), "peer"),
        Some(peer.to_owned()),
        String::new(),
    )
    .await
    .unwrap();
    assert_eq!(withheld.0, 404);
    assert_eq!(withheld, unknown);

    handle.stop(true).await;
    server.await.unwrap().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
