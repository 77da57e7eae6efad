//! `accord serve` end to end, briefly: the real binary on a fresh SQLite data directory, driven
//! over loopback with plain HTTP/1.1 written by hand (so that the test controls every header
//! and byte, e.g. a `Content-Length` with no body behind it). The full per-rule suite on both
//! backends lives in `integration/`.

// Test helpers, not library code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

const TOKEN: &str = "smoke-test-token-0123456789abcdef";
const TAXII: &str = "application/taxii+json;version=2.1";
/// The body limit the test server runs with, small so that going over it is cheap.
const LIMIT: usize = 100_000;

/// A running `accord serve`, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    data_dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "accord-server-smoke-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn start(envs: &[(&str, &str)]) -> Server {
    let data_dir = temp_dir();
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data_dir)
        .env_remove("ACCORD_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("accord listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    Server {
        addr: url.parse().unwrap(),
        child,
        data_dir,
    }
}

fn start_default() -> Server {
    start(&[
        ("ACCORD_BOOTSTRAP_TOKEN", TOKEN),
        ("ACCORD_MAX_CONTENT_LENGTH", &LIMIT.to_string()),
    ])
}

struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// Asserts a TAXII error message with this status.
    fn assert_taxii_error(&self, status: u16) {
        assert_eq!(
            self.status,
            status,
            "{}",
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(self.header("content-type"), Some(TAXII));
        let body = self.json();
        assert!(body["title"].is_string(), "{body}");
        assert_eq!(body["http_status"], status.to_string());
    }
}

/// Sends one request (`head` is the request line and headers, without the final blank line)
/// and reads the response; the connection is closed after it.
fn exchange(addr: SocketAddr, head: &str, body: &[u8]) -> Response {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let request = format!("{head}\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    // The server may answer (and stop reading) before the whole body is sent; write it from
    // another thread so that a full socket buffer cannot block reading the answer.
    let mut writer = stream.try_clone().unwrap();
    let body = body.to_vec();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
    });
    let response = read_response(&mut stream);
    let _ = sender.join();
    response
}

fn read_response(stream: &mut TcpStream) -> Response {
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status: u16 = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').unwrap();
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse::<usize>().unwrap());
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).unwrap();
        }
        None => {
            reader.read_to_end(&mut body).unwrap();
        }
    }
    Response {
        status,
        headers,
        body,
    }
}

fn bearer() -> String {
    format!("Authorization: Bearer {TOKEN}")
}

fn get(server: &Server, path: &str) -> Response {
    exchange(
        server.addr,
        &format!("GET {path} HTTP/1.1\r\n{}\r\nAccept: {TAXII}", bearer()),
        b"",
    )
}

fn post_envelope(server: &Server, path: &str, envelope: &Value) -> Response {
    let body = serde_json::to_vec(envelope).unwrap();
    exchange(
        server.addr,
        &format!(
            "POST {path} HTTP/1.1\r\n{}\r\nAccept: {TAXII}\r\nContent-Type: {TAXII}\r\nContent-Length: {}",
            bearer(),
            body.len()
        ),
        &body,
    )
}

fn indicator() -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
        "name": "smoke",
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z"
    })
}

/// The id of the `shared` collection, as the collections endpoint lists it.
fn shared_collection(server: &Server) -> String {
    let response = get(server, "/default/collections/");
    assert_eq!(response.status, 200);
    let body = response.json();
    let shared = body["collections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["alias"] == "shared")
        .unwrap_or_else(|| panic!("no shared collection in {body}"));
    assert_eq!(shared["can_read"], true);
    assert_eq!(shared["can_write"], true);
    shared["id"].as_str().unwrap().to_owned()
}

#[test]
fn first_start_serves_discovery_collections_post_get_and_status() {
    let server = start_default();

    let discovery = get(&server, "/taxii2/");
    assert_eq!(discovery.status, 200);
    assert_eq!(discovery.header("content-type"), Some(TAXII));
    let roots = discovery.json()["api_roots"].to_string();
    assert!(roots.contains("/default/"), "{roots}");

    let root = get(&server, "/default/");
    assert_eq!(root.status, 200);
    assert!(root.json()["max_content_length"].is_u64());

    let id = shared_collection(&server);
    let objects = format!("/default/collections/{id}/objects/");
    let posted = post_envelope(&server, &objects, &json!({ "objects": [indicator()] }));
    assert_eq!(
        posted.status,
        202,
        "{}",
        String::from_utf8_lossy(&posted.body)
    );
    let status = posted.json();
    assert_eq!(status["status"], "complete");
    assert_eq!(status["success_count"], 1);

    let fetched = get(&server, &objects);
    assert_eq!(fetched.status, 200);
    assert!(fetched.header("X-TAXII-Date-Added-First").is_some());
    assert!(fetched.header("X-TAXII-Date-Added-Last").is_some());
    let envelope = fetched.json();
    assert_eq!(envelope["objects"][0]["id"], indicator()["id"]);

    // Without the trailing slash too.
    let again = get(
        &server,
        &format!("/default/status/{}", status["id"].as_str().unwrap()),
    );
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["success_count"], 1);
}

#[test]
fn requests_without_valid_credentials_get_401() {
    let server = start_default();
    let none = exchange(server.addr, "GET /taxii2/ HTTP/1.1", b"");
    none.assert_taxii_error(401);
    assert!(none.header("www-authenticate").unwrap().contains("Basic"));
    let wrong = exchange(
        server.addr,
        "GET /taxii2/ HTTP/1.1\r\nAuthorization: Bearer not-the-token",
        b"",
    );
    wrong.assert_taxii_error(401);
    // Basic with the right token but another partner's name.
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("someone:{TOKEN}"));
    let mismatched = exchange(
        server.addr,
        &format!("GET /taxii2/ HTTP/1.1\r\nAuthorization: Basic {basic}"),
        b"",
    );
    mismatched.assert_taxii_error(401);
}

#[test]
fn basic_authentication_takes_the_partner_id_and_token() {
    let server = start_default();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("local:{TOKEN}"));
    let response = exchange(
        server.addr,
        &format!("GET /taxii2/ HTTP/1.1\r\nAuthorization: Basic {basic}"),
        b"",
    );
    assert_eq!(response.status, 200);
}

#[test]
fn a_declared_length_over_the_limit_is_413_before_the_body_is_sent() {
    let server = start_default();
    let id = shared_collection(&server);
    // No body follows the headers: the answer must come from the headers alone.
    let response = exchange(
        server.addr,
        &format!(
            "POST /default/collections/{id}/objects/ HTTP/1.1\r\n{}\r\nContent-Type: {TAXII}\r\nContent-Length: 104857600000",
            bearer()
        ),
        b"",
    );
    response.assert_taxii_error(413);
}

#[test]
fn a_chunked_body_over_the_limit_is_413() {
    let server = start_default();
    let id = shared_collection(&server);
    let chunk = vec![b' '; 16 * 1024];
    let mut body = Vec::new();
    for _ in 0..(LIMIT / chunk.len() + 2) {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(&chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(b"0\r\n\r\n");
    let response = exchange(
        server.addr,
        &format!(
            "POST /default/collections/{id}/objects/ HTTP/1.1\r\n{}\r\nContent-Type: {TAXII}\r\nTransfer-Encoding: chunked",
            bearer()
        ),
        &body,
    );
    response.assert_taxii_error(413);
    // And the server is still up.
    assert_eq!(get(&server, "/taxii2/").status, 200);
}

#[test]
fn unsupported_accept_is_406_and_unsupported_content_type_is_415() {
    let server = start_default();
    let id = shared_collection(&server);
    let not_acceptable = exchange(
        server.addr,
        &format!("GET /taxii2/ HTTP/1.1\r\n{}\r\nAccept: text/html", bearer()),
        b"",
    );
    not_acceptable.assert_taxii_error(406);
    let body = serde_json::to_vec(&json!({ "objects": [indicator()] })).unwrap();
    let unsupported = exchange(
        server.addr,
        &format!(
            "POST /default/collections/{id}/objects/ HTTP/1.1\r\n{}\r\nContent-Type: application/json\r\nContent-Length: {}",
            bearer(),
            body.len()
        ),
        &body,
    );
    unsupported.assert_taxii_error(415);
}

#[test]
fn unknown_paths_are_404_and_wrong_methods_405_as_taxii_errors() {
    let server = start_default();
    get(&server, "/default/collections/x/objects/y/z/w/").assert_taxii_error(404);
    let put = exchange(
        server.addr,
        &format!("PUT /taxii2/ HTTP/1.1\r\n{}\r\nContent-Length: 0", bearer()),
        b"",
    );
    put.assert_taxii_error(405);
    assert_eq!(put.header("allow"), Some("GET"));
}

#[test]
fn health_and_readiness_need_no_credentials() {
    let server = start_default();
    assert_eq!(
        exchange(server.addr, "GET /healthz HTTP/1.1", b"").status,
        200
    );
    assert_eq!(
        exchange(server.addr, "GET /readyz HTTP/1.1", b"").status,
        200
    );
}

#[test]
fn a_generated_bootstrap_token_is_written_owner_only_and_works() {
    let server = start(&[]);
    let path = server.data_dir.join("bootstrap.token");
    let token = std::fs::read_to_string(&path).unwrap();
    let token = token.trim();
    assert_eq!(token.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let response = exchange(
        server.addr,
        &format!("GET /taxii2/ HTTP/1.1\r\nAuthorization: Bearer {token}"),
        b"",
    );
    assert_eq!(response.status, 200);
}

/// Runs an admin verb against the server's data directory; returns its standard output.
fn admin(server: &Server, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .arg("--data-dir")
        .arg(&server.data_dir)
        .env_remove("ACCORD_DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "accord {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn get_as(server: &Server, token: &str, path: &str) -> Response {
    exchange(
        server.addr,
        &format!("GET {path} HTTP/1.1\r\nAuthorization: Bearer {token}"),
        b"",
    )
}

#[test]
fn admin_verbs_work_beside_a_running_server() {
    let server = start_default();
    let id = shared_collection(&server);
    admin(&server, &["partner", "add", "cert-fr", "--name", "CERT-FR"]);
    assert!(admin(&server, &["partner", "list"]).contains("cert-fr"));
    let token = admin(&server, &["token", "create", "--partner", "cert-fr"]);
    let token = token.trim();
    assert_eq!(token.len(), 64);
    let collection = format!("/default/collections/{id}/");

    // No rights: the collection is invisible.
    get_as(&server, token, &collection).assert_taxii_error(404);

    // Read only: visible, readable, not writable.
    admin(
        &server,
        &[
            "grant",
            "--partner",
            "cert-fr",
            "--collection",
            "shared",
            "--read",
        ],
    );
    let seen = get_as(&server, token, &collection);
    assert_eq!(seen.status, 200);
    assert_eq!(seen.json()["can_write"], false);
    let body = serde_json::to_vec(&json!({ "objects": [indicator()] })).unwrap();
    let refused = exchange(
        server.addr,
        &format!(
            "POST {collection}objects/ HTTP/1.1\r\nAuthorization: Bearer {token}\r\nContent-Type: {TAXII}\r\nContent-Length: {}",
            body.len()
        ),
        &body,
    );
    refused.assert_taxii_error(403);

    // A new collection, listed with its id.
    let new_id = admin(
        &server,
        &[
            "collection",
            "add",
            "--api-root",
            "default",
            "--alias",
            "fr-only",
            "--title",
            "FR",
        ],
    );
    assert!(admin(&server, &["collection", "list"]).contains(new_id.trim()));

    // Revoked before first use: refused at once.
    let spare = admin(
        &server,
        &[
            "token",
            "create",
            "--partner",
            "cert-fr",
            "--label",
            "spare",
        ],
    );
    let listed = admin(&server, &["token", "list", "--partner", "cert-fr"]);
    let spare_id = listed
        .lines()
        .find(|line| line.contains("spare"))
        .and_then(|line| line.split('\t').next())
        .unwrap();
    admin(&server, &["token", "revoke", spare_id]);
    get_as(&server, spare.trim(), "/taxii2/").assert_taxii_error(401);
}
