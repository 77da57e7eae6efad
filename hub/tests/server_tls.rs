//! `accord serve` with `[tls]`: HTTPS, client certificates mapped to partners, and the refusal
//! to serve plain HTTP off loopback. Throw-away CA and certificates per test run (rcgen); the
//! client is rustls over a plain socket, so the test sees the handshake's outcome directly.

// Test helpers, not library code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

const TOKEN: &str = "tls-test-token-0123456789abcdef";

struct Pki {
    dir: PathBuf,
    ca_der: CertificateDer<'static>,
    client_chain: Vec<CertificateDer<'static>>,
    client_key: PrivateKeyDer<'static>,
    stranger_chain: Vec<CertificateDer<'static>>,
    stranger_key: PrivateKeyDer<'static>,
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "accord-server-tls-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn new_ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn leaf(
    issuer: &CertifiedIssuer<'static, KeyPair>,
    names: &[&str],
    usage: ExtendedKeyUsagePurpose,
) -> (rcgen::Certificate, KeyPair) {
    let mut params =
        CertificateParams::new(names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("leaf"));
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert, key)
}

fn key_der(key: &KeyPair) -> PrivateKeyDer<'static> {
    PrivateKeyDer::try_from(key.serialize_der()).unwrap()
}

fn pki() -> Pki {
    let dir = temp_dir();
    let ca = new_ca("accord-test-ca");
    let (server, server_key) = leaf(
        &ca,
        &["localhost", "127.0.0.1"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (client, client_key) = leaf(&ca, &["cert-fr"], ExtendedKeyUsagePurpose::ClientAuth);
    let other_ca = new_ca("someone-else");
    let (stranger, stranger_key) =
        leaf(&other_ca, &["mallory"], ExtendedKeyUsagePurpose::ClientAuth);
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    std::fs::write(dir.join("server.pem"), server.pem() + &ca.pem()).unwrap();
    std::fs::write(dir.join("server.key"), server_key.serialize_pem()).unwrap();
    std::fs::write(dir.join("client.pem"), client.pem()).unwrap();
    std::fs::write(
        dir.join("accord.toml"),
        "[server]\ndata_dir = \"data\"\n\n[tls]\ncert = \"server.pem\"\nkey = \"server.key\"\nclient_ca = \"ca.pem\"\n",
    )
    .unwrap();
    Pki {
        dir,
        ca_der: ca.der().clone(),
        // The client sends its chain, CA last: the server must take the first certificate.
        client_chain: vec![client.der().clone(), ca.der().clone()],
        client_key: key_der(&client_key),
        stranger_chain: vec![stranger.der().clone()],
        stranger_key: key_der(&stranger_key),
    }
}

struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `accord ARGS… --config CONFIG`.
fn accord(args: &[&std::ffi::OsStr], config: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
    command
        .env_remove("ACCORD_DATABASE_URL")
        .env_remove("ACCORD_DATA_DIR")
        .env("ACCORD_BOOTSTRAP_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .args(args)
        .arg("--config")
        .arg(config);
    command
}

fn start(pki: &Pki) -> Server {
    let args = ["serve", "--listen", "127.0.0.1:0"].map(std::ffi::OsStr::new);
    let mut child = accord(&args, &pki.dir.join("accord.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("accord listening on https://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .parse()
        .unwrap();
    Server { child, addr }
}

fn client_config(
    pki: &Pki,
    identity: Option<(&[CertificateDer<'static>], &PrivateKeyDer<'static>)>,
) -> Arc<rustls::ClientConfig> {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let builder = rustls::ClientConfig::builder().with_root_certificates(roots);
    let config = match identity {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain.to_vec(), key.clone_key())
            .unwrap(),
        None => builder.with_no_client_auth(),
    };
    Arc::new(config)
}

/// One HTTPS request; `Err` when the TLS handshake or the exchange fails.
fn https_get(
    addr: SocketAddr,
    config: Arc<rustls::ClientConfig>,
    path: &str,
    extra: &str,
) -> Result<(u16, String), std::io::Error> {
    let name = ServerName::try_from("localhost").unwrap();
    let connection = rustls::ClientConnection::new(config, name).unwrap();
    let socket = TcpStream::connect(addr)?;
    socket.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut tls = rustls::StreamOwned::new(connection, socket);
    write!(
        tls,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n{extra}\r\n"
    )?;
    tls.flush()?;
    let mut reader = BufReader::new(tls);
    let mut status_line = String::new();
    reader.read_line(&mut status_line)?;
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line {status_line:?}")))?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok((status, String::from_utf8(body).unwrap()))
}

#[test]
fn a_registered_client_certificate_authenticates_its_partner() {
    let pki = pki();
    let server = start(&pki);
    let client_pem = pki.dir.join("client.pem");
    let args = ["token", "create", "--partner", "local", "--cert"]
        .map(std::ffi::OsStr::new)
        .into_iter()
        .chain([client_pem.as_os_str()])
        .collect::<Vec<_>>();
    let status = accord(&args, &pki.dir.join("accord.toml"))
        .status()
        .unwrap();
    assert!(status.success());
    let config = client_config(&pki, Some((&pki.client_chain, &pki.client_key)));
    let (status, body) = https_get(server.addr, config, "/taxii2/", "").unwrap();
    assert_eq!(status, 200, "{body}");
}

#[test]
fn an_unregistered_client_certificate_is_401() {
    let pki = pki();
    let server = start(&pki);
    let config = client_config(&pki, Some((&pki.client_chain, &pki.client_key)));
    let (status, _) = https_get(server.addr, config, "/taxii2/", "").unwrap();
    assert_eq!(status, 401);
}

#[test]
fn a_client_certificate_from_another_ca_fails_the_handshake() {
    let pki = pki();
    let server = start(&pki);
    let config = client_config(&pki, Some((&pki.stranger_chain, &pki.stranger_key)));
    // The server refuses the certificate with an alert and closes; depending on timing the
    // client sees the alert or a broken pipe, never a response.
    assert!(https_get(server.addr, config, "/taxii2/", "").is_err());
}

#[test]
fn tokens_work_over_https_without_a_client_certificate() {
    let pki = pki();
    let server = start(&pki);
    let config = client_config(&pki, None);
    let (status, _) = https_get(
        server.addr,
        Arc::clone(&config),
        "/taxii2/",
        &format!("Authorization: Bearer {TOKEN}\r\n"),
    )
    .unwrap();
    assert_eq!(status, 200);
    let (status, _) = https_get(server.addr, config, "/taxii2/", "").unwrap();
    assert_eq!(status, 401);
}

#[test]
fn plain_http_off_loopback_is_refused_without_insecure() {
    let dir = temp_dir();
    let output = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(dir.join("data"))
        .env_remove("ACCORD_DATABASE_URL")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("--insecure"), "{stderr}");
}
