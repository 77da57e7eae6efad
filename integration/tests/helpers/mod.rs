//! The harness: [`spawn_app`] starts the real `accord` binary (`accord serve --listen
//! 127.0.0.1:0`) on a fresh database and hands back a [`TestApp`] that speaks TAXII 2.1 to it.
//!
//! Every server gets its own temporary data directory and either a fresh SQLite file in it or a
//! fresh PostgreSQL database (`accord_test_<random>` on `ACCORD_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`), dropped when the last process using it is
//! gone. The process is killed when its `TestApp` is dropped. Server logs are shown only when
//! `TEST_LOG` is set; otherwise the tail of stderr is kept and printed if the server fails to
//! start.

pub mod http;
pub mod mission;
pub mod stix;

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use reqwest::Method;
use serde_json::Value;
use sqlx::Connection;
use tokio::sync::{OnceCell, oneshot};

pub use http::Reply;

/// The TAXII 2.1 media type, as the server must write it.
pub const TAXII: &str = "application/taxii+json;version=2.1";
/// The STIX 2.1 media type.
pub const STIX: &str = "application/stix+json;version=2.1";
/// The API root every fresh server has.
pub const ROOT: &str = "default";

/// Generates, for each named `async fn NAME(backend: Backend)` in the calling module, a test
/// `sqlite::NAME` and a test `postgres::NAME`, so that every rule is shown on both stores.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::helpers::Backend::Postgres).await
                }
            )*
        }
    };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Starts a server with the defaults of a first start.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, &[]).await
}

/// Starts a server with extra environment (`ACCORD_MAX_CONTENT_LENGTH`, `ACCORD_PAGE_LIMIT`, …).
pub async fn spawn_app_with(backend: Backend, env: &[(&str, &str)]) -> TestApp {
    spawn(backend, env, Some(random_token()), false).await
}

/// Starts a server as a first-time user would: no `ACCORD_BOOTSTRAP_TOKEN` (the server makes
/// one and writes it to `<data-dir>/bootstrap.token`, which the app then uses) and, on SQLite,
/// no `ACCORD_DATABASE_URL` either (the default file in the data directory).
pub async fn spawn_app_zero_config(backend: Backend, env: &[(&str, &str)]) -> TestApp {
    spawn(backend, env, None, true).await
}

async fn spawn(
    backend: Backend,
    env: &[(&str, &str)],
    token: Option<String>,
    default_database: bool,
) -> TestApp {
    let root = tempfile::Builder::new()
        .prefix("accord-it-")
        .tempdir()
        .expect("a temporary directory");
    let database = match backend {
        Backend::Sqlite if default_database => Database {
            url: None,
            postgres: None,
        },
        Backend::Sqlite => Database {
            url: Some(format!(
                "sqlite://{}",
                root.path().join("accord.db").display()
            )),
            postgres: None,
        },
        Backend::Postgres => Database::create_postgres().await,
    };
    let site = Arc::new(Site {
        database,
        token,
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        root,
        processes: AtomicUsize::new(0),
    });
    TestApp::start(site).await
}

/// What the processes of one test share: the database, the bootstrap token, the environment
/// and the directory their data directories live in. The database is dropped with it.
struct Site {
    // Dropped first: the PostgreSQL database goes before the directory that holds SQLite's file.
    database: Database,
    /// `ACCORD_BOOTSTRAP_TOKEN`, when set.
    token: Option<String>,
    env: Vec<(String, String)>,
    root: tempfile::TempDir,
    processes: AtomicUsize,
}

impl Site {
    /// An `accord` command with this site's environment and nothing inherited that could point
    /// it elsewhere (no `ACCORD_*` of the developer's shell).
    fn command(&self, data_dir: &Path) -> Command {
        let mut cmd = Command::new(accord_bin());
        cmd.env_clear();
        for key in ["PATH", "HOME", "LANG", "TMPDIR"] {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        let log = if test_log() {
            std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned())
        } else {
            "warn".to_owned()
        };
        cmd.env("RUST_LOG", log)
            .env("ACCORD_DATA_DIR", data_dir)
            .current_dir(data_dir);
        if let Some(url) = &self.database.url {
            cmd.env("ACCORD_DATABASE_URL", url);
        }
        if let Some(token) = &self.token {
            cmd.env("ACCORD_BOOTSTRAP_TOKEN", token);
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// A new data directory for one more process on this site.
    fn data_dir(&self) -> PathBuf {
        let n = self.processes.fetch_add(1, Ordering::SeqCst);
        let dir = self.root.path().join(format!("data-{n}"));
        std::fs::create_dir_all(&dir).expect("a data directory");
        dir
    }
}

struct Database {
    /// `ACCORD_DATABASE_URL`; `None`: the server's default.
    url: Option<String>,
    /// The server URL and the name of a PostgreSQL database to drop at the end.
    postgres: Option<(String, String)>,
}

impl Database {
    async fn create_postgres() -> Database {
        let server = std::env::var("ACCORD_TEST_PG_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
        let name = format!("accord_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to PostgreSQL at {server}: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        let _ = conn.close().await;
        Database {
            url: Some(with_database(&server, &name)),
            postgres: Some((server, name)),
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on; a thread with its own
        // runtime can.
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut conn) = sqlx::PgConnection::connect(&server).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(e) = sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await
                    {
                        eprintln!("could not drop test database {name}: {e}");
                    }
                    let _ = conn.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// `postgres://user@host:port/db?opts` with `db` replaced by `name`.
fn with_database(server: &str, name: &str) -> String {
    let (base, query) = match server.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (server, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = base.get(scheme_end..).unwrap_or_default();
    let host = host_part.split('/').next().unwrap_or_default();
    let mut url = format!(
        "{}{host}/{name}",
        base.get(..scheme_end).unwrap_or_default()
    );
    if let Some(query) = query {
        url.push('?');
        url.push_str(query);
    }
    url
}

fn test_log() -> bool {
    std::env::var_os("TEST_LOG").is_some()
}

fn random_token() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// The `accord` binary: `ACCORD_BIN`, else `accord` next to this test binary's `deps/` folder
/// (where `cargo build -p hub` and a workspace `cargo test` put it).
pub fn accord_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(path) = std::env::var_os("ACCORD_BIN") {
            return PathBuf::from(path);
        }
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in target/<profile>/deps");
        let bin = profile_dir.join(format!("accord{}", std::env::consts::EXE_SUFFIX));
        assert!(
            bin.exists(),
            "{} does not exist: run `cargo build -p hub` first (or set ACCORD_BIN)",
            bin.display()
        );
        warn_if_stale(&bin);
        bin
    })
    .clone()
}

/// A binary older than the sources it is built from tests yesterday's server; say so loudly
/// (a warning, not a failure: other people may be editing the sources while this runs).
fn warn_if_stale(bin: &Path) {
    let Ok(built) = std::fs::metadata(bin).and_then(|m| m.modified()) else {
        return;
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let newest = ["hub/src", "taxii/src", "stix-model/src", "migrations"]
        .iter()
        .filter_map(|dir| newest_file(&workspace.join(dir)))
        .max();
    if let Some((modified, path)) = newest
        && modified > built
    {
        eprintln!(
            "WARNING: {} is older than {}: run `cargo build -p hub` to test the current sources",
            bin.display(),
            path.display()
        );
    }
}

fn newest_file(dir: &Path) -> Option<(SystemTime, PathBuf)> {
    let mut newest: Option<(SystemTime, PathBuf)> = None;
    for entry in std::fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        let candidate = if path.is_dir() {
            newest_file(&path)
        } else {
            entry.metadata().ok()?.modified().ok().map(|m| (m, path))
        };
        if let Some(candidate) = candidate
            && newest.as_ref().is_none_or(|n| candidate.0 > n.0)
        {
            newest = Some(candidate);
        }
    }
    newest
}

/// One running `accord serve` process.
struct Server {
    child: Child,
    logs: Arc<Mutex<Vec<u8>>>,
    log_reader: Option<JoinHandle<()>>,
}

impl Server {
    fn logs(&mut self) -> String {
        // After the process is gone its stderr closes; wait for the reader to take it all.
        if let Ok(Some(_)) = self.child.try_wait()
            && let Some(reader) = self.log_reader.take()
        {
            let _ = reader.join();
        }
        let logs = self.logs.lock().map(|l| l.clone()).unwrap_or_default();
        String::from_utf8_lossy(&logs).into_owned()
    }

    /// SIGKILL (what `Child::kill` sends on Unix), then reap.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Keeps the last `LOG_TAIL` bytes of a server's stderr, echoing it when `TEST_LOG` is set.
const LOG_TAIL: usize = 256 * 1024;

fn read_logs(stderr: impl Read + Send + 'static, logs: Arc<Mutex<Vec<u8>>>) -> JoinHandle<()> {
    std::thread::spawn(move || {
        let echo = test_log();
        let mut reader = BufReader::new(stderr);
        let mut line = Vec::new();
        while let Ok(n) = reader.read_until(b'\n', &mut line) {
            if n == 0 {
                break;
            }
            if echo {
                eprint!("{}", String::from_utf8_lossy(&line));
            }
            if let Ok(mut logs) = logs.lock() {
                logs.extend_from_slice(&line);
                if logs.len() > 2 * LOG_TAIL {
                    let cut = logs.len() - LOG_TAIL;
                    logs.drain(..cut);
                }
            }
            line.clear();
        }
    })
}

/// A running server and a client for it, acting as the `local` partner with the bootstrap
/// token unless told otherwise ([`TestApp::as_token`], [`TestApp::basic`],
/// [`TestApp::anonymous`]).
pub struct TestApp {
    // Declared first so that it is dropped (killed) before the site's database goes.
    server: Option<Server>,
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// The bootstrap token of partner `local`.
    pub token: String,
    pub client: reqwest::Client,
    site: Arc<Site>,
    data_dir: PathBuf,
    shared: OnceCell<String>,
}

impl TestApp {
    async fn start(site: Arc<Site>) -> TestApp {
        let data_dir = site.data_dir();
        let (server, address) = start_server(&site, &data_dir).await;
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()
            .expect("an HTTP client");
        let token = match &site.token {
            Some(token) => token.clone(),
            None => std::fs::read_to_string(data_dir.join("bootstrap.token"))
                .map(|t| t.trim().to_owned())
                .unwrap_or_default(),
        };
        TestApp {
            server: Some(server),
            address,
            token,
            client,
            site,
            data_dir,
            shared: OnceCell::new(),
        }
    }

    /// Another `accord serve` process on the same database (with its own data directory).
    pub async fn spawn_peer(&self) -> TestApp {
        TestApp::start(self.site.clone()).await
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub fn kill(&mut self) {
        if let Some(mut server) = self.server.take() {
            server.kill();
        }
    }

    /// Starts the server again on the same database and data directory (after [`kill`]).
    ///
    /// [`kill`]: TestApp::kill
    pub async fn restart(&mut self) {
        self.kill();
        let (server, address) = start_server(&self.site, &self.data_dir).await;
        self.server = Some(server);
        self.address = address;
    }

    /// The server's standard error so far (its last few hundred KiB).
    pub fn logs(&mut self) -> String {
        self.server.as_mut().map(Server::logs).unwrap_or_default()
    }

    /// The data directory of this process.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Runs `accord ARGS…` against the same database and returns its standard output; panics
    /// with its standard error if it fails.
    pub async fn admin(&self, args: &[&str]) -> String {
        let output = self.admin_output(args).await;
        assert!(
            output.status.success(),
            "accord {} failed ({}):\n{}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8 output")
    }

    /// Runs `accord ARGS…` against the same database, whatever its outcome.
    pub async fn admin_output(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = tokio::process::Command::from(self.site.command(&self.data_dir));
        cmd.args(args).stdin(Stdio::null());
        cmd.output()
            .await
            .unwrap_or_else(|e| panic!("cannot run accord {}: {e}", args.join(" ")))
    }

    /// Adds a partner with a token and returns the token.
    pub async fn partner_with_token(&self, partner: &str) -> String {
        self.admin(&["partner", "add", partner]).await;
        let out = self.admin(&["token", "create", "--partner", partner]).await;
        out.trim().to_owned()
    }

    /// Adds a collection to the default API root and returns its id.
    pub async fn add_collection(&self, alias: &str) -> String {
        let out = self
            .admin(&[
                "collection",
                "add",
                "--api-root",
                ROOT,
                "--alias",
                alias,
                "--title",
                &format!("Collection {alias}"),
            ])
            .await;
        let id = out.trim().to_owned();
        assert!(
            uuid::Uuid::try_parse(&id).is_ok(),
            "`accord collection add` should print only the new id, printed {out:?}"
        );
        id
    }

    /// `accord grant`: exactly the given rights for `partner` in `collection`.
    pub async fn grant(&self, partner: &str, collection: &str, read: bool, write: bool) {
        let mut args = vec!["grant", "--partner", partner, "--collection", collection];
        if read {
            args.push("--read");
        }
        if write {
            args.push("--write");
        }
        self.admin(&args).await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// `GET /healthz` answers 200: the server is still up.
    pub async fn assert_healthy(&self) {
        let response = self
            .client
            .get(self.url("/healthz"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("the server is down: {e}"));
        assert_eq!(response.status().as_u16(), 200, "/healthz");
    }

    /// The id of the collection with alias `shared` that every first start creates.
    pub async fn shared(&self) -> String {
        self.shared
            .get_or_init(|| async {
                let reply = self.caller().collections().await.expect(200);
                reply.json()["collections"]
                    .as_array()
                    .and_then(|all| {
                        all.iter()
                            .find(|c| c["alias"] == "shared")
                            .and_then(|c| c["id"].as_str())
                    })
                    .unwrap_or_else(|| panic!("no collection `shared`: {}", reply.text))
                    .to_owned()
            })
            .await
            .clone()
    }

    /// The local partner with its bearer token.
    pub fn caller(&self) -> Caller<'_> {
        Caller {
            app: self,
            auth: Auth::Bearer(self.token.clone()),
        }
    }

    pub fn as_token(&self, token: &str) -> Caller<'_> {
        Caller {
            app: self,
            auth: Auth::Bearer(token.to_owned()),
        }
    }

    pub fn basic(&self, user: &str, password: &str) -> Caller<'_> {
        Caller {
            app: self,
            auth: Auth::Basic(user.to_owned(), password.to_owned()),
        }
    }

    pub fn anonymous(&self) -> Caller<'_> {
        Caller {
            app: self,
            auth: Auth::None,
        }
    }

    // The helpers most tests use, as the local partner.

    pub async fn get_objects(&self, collection: &str, query: &[(&str, &str)]) -> Reply {
        self.caller().get_objects(collection, query).await
    }

    pub async fn get_object(&self, collection: &str, id: &str, query: &[(&str, &str)]) -> Reply {
        self.caller().get_object(collection, id, query).await
    }

    pub async fn delete_object(&self, collection: &str, id: &str, query: &[(&str, &str)]) -> Reply {
        self.caller().delete_object(collection, id, query).await
    }

    pub async fn versions(&self, collection: &str, id: &str, query: &[(&str, &str)]) -> Reply {
        self.caller().versions(collection, id, query).await
    }

    pub async fn manifest(&self, collection: &str, query: &[(&str, &str)]) -> Reply {
        self.caller().manifest(collection, query).await
    }

    pub async fn status(&self, status_id: &str) -> Reply {
        self.caller().status(status_id).await
    }

    pub async fn post_envelope(&self, collection: &str, envelope: &Value) -> Reply {
        self.caller().post_envelope(collection, envelope).await
    }

    /// Posts `objects` in one envelope and checks that every one is a success; returns the
    /// status resource.
    pub async fn add(&self, collection: &str, objects: &[Value]) -> Value {
        self.caller().add(collection, objects).await
    }

    /// Every object of a collection matching `query`, paging with `limit`; checks that no
    /// object version comes twice.
    pub async fn all_objects(
        &self,
        collection: &str,
        limit: usize,
        query: &[(&str, &str)],
    ) -> Vec<Value> {
        self.caller().all_objects(collection, limit, query).await
    }
}

async fn start_server(site: &Site, data_dir: &Path) -> (Server, String) {
    let mut cmd = site.command(data_dir);
    cmd.args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", accord_bin().display()));
    let stdout = child.stdout.take().expect("piped stdout");
    let stderr = child.stderr.take().expect("piped stderr");
    let logs = Arc::new(Mutex::new(Vec::new()));
    let log_reader = read_logs(stderr, logs.clone());
    let (found, listening) = oneshot::channel::<String>();
    std::thread::spawn(move || {
        let mut found = Some(found);
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            match line.strip_prefix("accord listening on ") {
                Some(address) if found.is_some() => {
                    if let Some(found) = found.take() {
                        let _ = found.send(address.trim().trim_end_matches('/').to_owned());
                    }
                }
                _ => {
                    if test_log() {
                        eprintln!("[accord stdout] {line}");
                    }
                }
            }
        }
    });
    let mut server = Server {
        child,
        logs,
        log_reader: Some(log_reader),
    };
    match tokio::time::timeout(Duration::from_secs(60), listening).await {
        Ok(Ok(address)) => {
            assert!(
                address.starts_with("http://127.0.0.1:"),
                "unexpected listening address {address:?}"
            );
            (server, address)
        }
        Ok(Err(_)) => {
            let status = server.child.wait();
            panic!(
                "accord serve exited ({status:?}) without printing its address; stderr:\n{}",
                server.logs()
            )
        }
        Err(_) => {
            server.kill();
            panic!(
                "accord serve printed no `accord listening on` line within 60 s; stderr:\n{}",
                server.logs()
            )
        }
    }
}

/// How a request authenticates.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Bearer(String),
    Basic(String, String),
}

/// Requests to one server as one client identity.
pub struct Caller<'a> {
    pub app: &'a TestApp,
    pub auth: Auth,
}

pub fn objects_path(collection: &str) -> String {
    format!("/{ROOT}/collections/{collection}/objects/")
}

impl Caller<'_> {
    /// A request with this caller's credentials and `Accept: application/taxii+json;version=2.1`.
    pub fn request(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        self.bare(method, path, query).header("Accept", TAXII)
    }

    /// A request with this caller's credentials and no other header.
    pub fn bare(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
    ) -> reqwest::RequestBuilder {
        let mut url = reqwest::Url::parse(&self.app.url(path)).expect("a valid URL");
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (key, value) in query {
                pairs.append_pair(key, value);
            }
        }
        let builder = self.app.client.request(method, url);
        match &self.auth {
            Auth::None => builder,
            Auth::Bearer(token) => builder.bearer_auth(token),
            Auth::Basic(user, password) => builder.basic_auth(user, Some(password)),
        }
    }

    pub async fn get(&self, path: &str, query: &[(&str, &str)]) -> Reply {
        Reply::from(self.request(Method::GET, path, query)).await
    }

    pub async fn discovery(&self) -> Reply {
        self.get("/taxii2/", &[]).await
    }

    pub async fn api_root(&self) -> Reply {
        self.get(&format!("/{ROOT}/"), &[]).await
    }

    pub async fn collections(&self) -> Reply {
        self.get(&format!("/{ROOT}/collections/"), &[]).await
    }

    pub async fn collection(&self, collection: &str) -> Reply {
        self.get(&format!("/{ROOT}/collections/{collection}/"), &[])
            .await
    }

    pub async fn get_objects(&self, collection: &str, query: &[(&str, &str)]) -> Reply {
        self.get(&objects_path(collection), query).await
    }

    pub async fn get_object(&self, collection: &str, id: &str, query: &[(&str, &str)]) -> Reply {
        self.get(&format!("{}{id}/", objects_path(collection)), query)
            .await
    }

    pub async fn delete_object(&self, collection: &str, id: &str, query: &[(&str, &str)]) -> Reply {
        let path = format!("{}{id}/", objects_path(collection));
        Reply::from(self.request(Method::DELETE, &path, query)).await
    }

    pub async fn versions(&self, collection: &str, id: &str, query: &[(&str, &str)]) -> Reply {
        self.get(
            &format!("{}{id}/versions/", objects_path(collection)),
            query,
        )
        .await
    }

    pub async fn manifest(&self, collection: &str, query: &[(&str, &str)]) -> Reply {
        self.get(
            &format!("/{ROOT}/collections/{collection}/manifest/"),
            query,
        )
        .await
    }

    pub async fn status(&self, status_id: &str) -> Reply {
        self.get(&format!("/{ROOT}/status/{status_id}/"), &[]).await
    }

    pub async fn post_raw(&self, collection: &str, content_type: &str, body: Vec<u8>) -> Reply {
        let request = self
            .request(Method::POST, &objects_path(collection), &[])
            .header("Content-Type", content_type)
            .body(body);
        Reply::from(request).await
    }

    pub async fn post_envelope(&self, collection: &str, envelope: &Value) -> Reply {
        let body = serde_json::to_vec(envelope).expect("JSON");
        self.post_raw(collection, TAXII, body).await
    }

    pub async fn add(&self, collection: &str, objects: &[Value]) -> Value {
        let reply = self
            .post_envelope(collection, &stix::envelope(objects))
            .await
            .expect(202);
        let status = reply.json().clone();
        assert_eq!(
            status["success_count"].as_u64(),
            Some(objects.len() as u64),
            "every object should be a success: {}",
            reply.text
        );
        status
    }

    pub async fn all_objects(
        &self,
        collection: &str,
        limit: usize,
        query: &[(&str, &str)],
    ) -> Vec<Value> {
        let limit = limit.to_string();
        let mut all = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let mut next: Option<String> = None;
        for _ in 0..100_000 {
            let mut q: Vec<(&str, &str)> = query.to_vec();
            q.push(("limit", &limit));
            if let Some(next) = &next {
                q.push(("next", next));
            }
            let reply = self.get_objects(collection, &q).await.expect(200);
            for object in reply.objects() {
                let key = (object["id"].clone(), object.get("modified").cloned());
                assert!(
                    seen.insert(key),
                    "object version returned twice: {}",
                    object["id"]
                );
                all.push(object);
            }
            if !reply.more() {
                return all;
            }
            next = Some(
                reply
                    .next()
                    .unwrap_or_else(|| panic!("`more` without `next`: {}", reply.text)),
            );
        }
        panic!("paging did not end")
    }
}
