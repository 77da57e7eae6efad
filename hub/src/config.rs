//! Settings of `accord serve` and of the admin verbs, layered: built-in defaults, then an
//! optional TOML file (`--config`, unknown keys refused), then `ACCORD_*` environment variables,
//! then command-line flags. [`Settings::validate`] checks the result once, before anything
//! binds or connects.
//!
//! The file:
//!
//! ```toml
//! version = 1                          # optional; the only format so far
//!
//! [server]
//! listen = "127.0.0.1:6363"
//! data_dir = "./accord-data"
//! workers = 2                          # HTTP worker threads; default: one per core
//! log_format = "text"                  # or "json"
//!
//! [store]
//! url = "postgres://accord@db:5432/accord"   # default: SQLite in <data_dir>/accord.db
//!
//! [tls]                                # HTTPS when present
//! cert = "server.pem"                  # certificate chain, PEM
//! key = "server.key"                   # private key, PEM
//! client_ca = "clients-ca.pem"         # optional: ask for client certificates signed by it
//!
//! [limits]
//! max_content_length = 104857600       # bytes of a request body
//! max_objects_per_envelope = 10000
//! max_string_length = 8388608          # bytes of one string value in an object
//! page_limit = 1000                    # the largest `limit` a GET may ask for
//! ```
//!
//! Environment: `ACCORD_LISTEN`, `ACCORD_DATA_DIR`, `ACCORD_DATABASE_URL`,
//! `ACCORD_BOOTSTRAP_TOKEN`, `ACCORD_MAX_CONTENT_LENGTH`, `ACCORD_MAX_OBJECTS_PER_ENVELOPE`, `ACCORD_MAX_STRING_LENGTH`,
//! `ACCORD_PAGE_LIMIT`, `ACCORD_WORKERS`, `ACCORD_LOG_FORMAT`, `ACCORD_TLS_CERT`,
//! `ACCORD_TLS_KEY`, `ACCORD_TLS_CLIENT_CA`.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 6363);
pub const DEFAULT_DATA_DIR: &str = "./accord-data";
pub const DEFAULT_MAX_CONTENT_LENGTH: u64 = 104_857_600;
pub const DEFAULT_MAX_OBJECTS_PER_ENVELOPE: usize = 10_000;
pub const DEFAULT_PAGE_LIMIT: usize = 1000;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("configuration file {path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{name}: {message}")]
    Env { name: &'static str, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// A value that must never reach a log: its `Debug` prints a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Secret {
        Secret(value)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    fn parse(text: &str) -> Result<LogFormat, String> {
        match text {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            other => Err(format!("unknown log format {other:?} (text or json)")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest request body, in bytes (the API roots' `max_content_length`).
    pub max_content_length: u64,
    pub max_objects_per_envelope: usize,
    /// The longest string value an object may hold, in bytes.
    pub max_string_length: usize,
    /// The largest page a GET may ask for with `limit`, and the page size without one.
    pub page_limit: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_content_length: DEFAULT_MAX_CONTENT_LENGTH,
            max_objects_per_envelope: DEFAULT_MAX_OBJECTS_PER_ENVELOPE,
            max_string_length: taxii::ingest::DEFAULT_MAX_STRING_LENGTH,
            page_limit: DEFAULT_PAGE_LIMIT,
        }
    }
}

/// Everything the server and the admin verbs are configured with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; `None` means SQLite in `<data_dir>/accord.db`. Kept as
    /// a secret because a PostgreSQL URL may hold a password.
    pub database_url: Option<Secret>,
    pub tls: Option<TlsSettings>,
    /// Allows plain HTTP on a non-loopback address.
    pub insecure: bool,
    pub limits: Limits,
    /// The `local` partner's token on first start; generated when `None`.
    pub bootstrap_token: Option<Secret>,
    /// HTTP worker threads; `None`: one per core.
    pub workers: Option<usize>,
    pub log_format: LogFormat,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            listen: DEFAULT_LISTEN,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            database_url: None,
            tls: None,
            insecure: false,
            limits: Limits::default(),
            bootstrap_token: None,
            workers: None,
            log_format: LogFormat::Text,
        }
    }
}

/// What the command line can set; `None` leaves the lower layers' value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub insecure: bool,
}

/// The configuration file, as written. Every section and key is optional; unknown ones are
/// errors, so that a typo does not silently leave a default in force.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    version: Option<u32>,
    #[serde(default)]
    server: FileServer,
    #[serde(default)]
    store: FileStore,
    tls: Option<FileTls>,
    #[serde(default)]
    limits: FileLimits,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileServer {
    listen: Option<SocketAddr>,
    data_dir: Option<PathBuf>,
    workers: Option<usize>,
    log_format: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStore {
    url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTls {
    cert: PathBuf,
    key: PathBuf,
    client_ca: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_content_length: Option<u64>,
    max_objects_per_envelope: Option<usize>,
    max_string_length: Option<usize>,
    page_limit: Option<usize>,
}

impl Settings {
    /// Defaults, then the file named by `overrides.config`, then the process environment, then
    /// `overrides`.
    pub fn load(overrides: &Overrides) -> Result<Settings, ConfigError> {
        Settings::layered(overrides, |name| std::env::var(name).ok())
    }

    /// [`Settings::load`] with the environment given as a lookup function.
    pub fn layered(
        overrides: &Overrides,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut settings = Settings::default();
        if let Some(path) = &overrides.config {
            settings.apply_file(path)?;
        }
        settings.apply_env(env)?;
        if let Some(listen) = overrides.listen {
            settings.listen = listen;
        }
        if let Some(dir) = &overrides.data_dir {
            settings.data_dir = dir.clone();
        }
        settings.insecure |= overrides.insecure;
        Ok(settings)
    }

    /// Settings for tests: an ephemeral loopback port, SQLite in `data_dir`, a known token.
    pub fn for_test(data_dir: &Path) -> Settings {
        Settings {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            data_dir: data_dir.to_path_buf(),
            bootstrap_token: Some(Secret::new("test-bootstrap-token".to_owned())),
            workers: Some(1),
            ..Settings::default()
        }
    }

    fn apply_file(&mut self, path: &Path) -> Result<(), ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let parse_error = |message: String| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        };
        let file: FileSettings = toml::from_str(&text).map_err(|e| parse_error(e.to_string()))?;
        if let Some(version) = file.version
            && version != 1
        {
            return Err(parse_error(format!(
                "unsupported configuration version {version} (this accord reads version 1)"
            )));
        }
        // Relative paths in the file are relative to the file, not to the working directory.
        let base = path.parent().unwrap_or_else(|| Path::new(""));
        if let Some(listen) = file.server.listen {
            self.listen = listen;
        }
        if let Some(dir) = file.server.data_dir {
            self.data_dir = base.join(dir);
        }
        if let Some(workers) = file.server.workers {
            self.workers = Some(workers);
        }
        if let Some(format) = file.server.log_format {
            self.log_format = LogFormat::parse(&format).map_err(parse_error)?;
        }
        if let Some(url) = file.store.url {
            self.database_url = Some(Secret::new(url));
        }
        if let Some(tls) = file.tls {
            self.tls = Some(TlsSettings {
                cert: base.join(tls.cert),
                key: base.join(tls.key),
                client_ca: tls.client_ca.map(|ca| base.join(ca)),
            });
        }
        let limits = file.limits;
        if let Some(n) = limits.max_content_length {
            self.limits.max_content_length = n;
        }
        if let Some(n) = limits.max_objects_per_envelope {
            self.limits.max_objects_per_envelope = n;
        }
        if let Some(n) = limits.max_string_length {
            self.limits.max_string_length = n;
        }
        if let Some(n) = limits.page_limit {
            self.limits.page_limit = n;
        }
        Ok(())
    }

    fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(name: &'static str, value: &str) -> Result<T, ConfigError>
        where
            T::Err: fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                name,
                message: e.to_string(),
            })
        }
        // An empty variable counts as unset, as shells and compose files often leave them.
        let get = |name: &str| env(name).filter(|v| !v.is_empty());
        if let Some(v) = get("ACCORD_LISTEN") {
            self.listen = parsed("ACCORD_LISTEN", &v)?;
        }
        if let Some(v) = get("ACCORD_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("ACCORD_DATABASE_URL") {
            self.database_url = Some(Secret::new(v));
        }
        if let Some(v) = get("ACCORD_BOOTSTRAP_TOKEN") {
            self.bootstrap_token = Some(Secret::new(v));
        }
        if let Some(v) = get("ACCORD_MAX_CONTENT_LENGTH") {
            self.limits.max_content_length = parsed("ACCORD_MAX_CONTENT_LENGTH", &v)?;
        }
        if let Some(v) = get("ACCORD_MAX_OBJECTS_PER_ENVELOPE") {
            self.limits.max_objects_per_envelope = parsed("ACCORD_MAX_OBJECTS_PER_ENVELOPE", &v)?;
        }
        if let Some(v) = get("ACCORD_MAX_STRING_LENGTH") {
            self.limits.max_string_length = parsed("ACCORD_MAX_STRING_LENGTH", &v)?;
        }
        if let Some(v) = get("ACCORD_PAGE_LIMIT") {
            self.limits.page_limit = parsed("ACCORD_PAGE_LIMIT", &v)?;
        }
        if let Some(v) = get("ACCORD_WORKERS") {
            self.workers = Some(parsed("ACCORD_WORKERS", &v)?);
        }
        if let Some(v) = get("ACCORD_LOG_FORMAT") {
            self.log_format = LogFormat::parse(&v).map_err(|message| ConfigError::Env {
                name: "ACCORD_LOG_FORMAT",
                message,
            })?;
        }
        match (
            get("ACCORD_TLS_CERT"),
            get("ACCORD_TLS_KEY"),
            get("ACCORD_TLS_CLIENT_CA"),
        ) {
            (None, None, None) => {}
            (Some(cert), Some(key), client_ca) => {
                self.tls = Some(TlsSettings {
                    cert: PathBuf::from(cert),
                    key: PathBuf::from(key),
                    client_ca: client_ca.map(PathBuf::from),
                });
            }
            (None, None, Some(ca)) => match &mut self.tls {
                Some(tls) => tls.client_ca = Some(PathBuf::from(ca)),
                None => {
                    return Err(ConfigError::Env {
                        name: "ACCORD_TLS_CLIENT_CA",
                        message: "needs a server certificate and key ([tls] cert and key)"
                            .to_owned(),
                    });
                }
            },
            _ => {
                return Err(ConfigError::Env {
                    name: "ACCORD_TLS_CERT",
                    message: "ACCORD_TLS_CERT and ACCORD_TLS_KEY go together".to_owned(),
                });
            }
        }
        Ok(())
    }

    /// Checks what can be checked before binding: limits, the TLS files, and that plain HTTP
    /// stays on loopback unless `--insecure` says otherwise.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if self.limits.max_content_length == 0 {
            return invalid("max_content_length must be positive");
        }
        if self.limits.max_objects_per_envelope == 0 {
            return invalid("max_objects_per_envelope must be positive");
        }
        if self.limits.max_string_length == 0 {
            return invalid("max_string_length must be positive");
        }
        if self.limits.page_limit == 0 {
            return invalid("page_limit must be positive");
        }
        if self.workers == Some(0) {
            return invalid("workers must be positive");
        }
        if let Some(tls) = &self.tls {
            let files = [Some(&tls.cert), Some(&tls.key), tls.client_ca.as_ref()];
            for file in files.into_iter().flatten() {
                if !file.is_file() {
                    return Err(ConfigError::Invalid(format!(
                        "TLS file {} does not exist",
                        file.display()
                    )));
                }
            }
        } else if !self.listen.ip().is_loopback() && !self.insecure {
            return Err(ConfigError::Invalid(format!(
                "refusing to serve plain HTTP on the non-loopback address {}: configure [tls], \
                 or pass --insecure if a TLS proxy is in front",
                self.listen
            )));
        }
        Ok(())
    }

    /// The database URL in force: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> Result<Secret, ConfigError> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        let dir = std::path::absolute(&self.data_dir).map_err(|e| {
            ConfigError::Invalid(format!("data directory {}: {e}", self.data_dir.display()))
        })?;
        let path = dir.join("accord.db");
        let text = path.to_str().ok_or_else(|| {
            ConfigError::Invalid(format!(
                "data directory {} is not valid UTF-8",
                dir.display()
            ))
        })?;
        Ok(Secret::new(format!("sqlite://{text}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn temp_file(name: &str, text: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("accord-config-test-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("accord.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn defaults_listen_on_loopback_6363_with_sqlite_in_accord_data() {
        let s = Settings::layered(&Overrides::default(), env_of(&[])).unwrap();
        assert_eq!(s.listen, "127.0.0.1:6363".parse().unwrap());
        assert_eq!(s.data_dir, PathBuf::from("./accord-data"));
        assert!(s.database_url().unwrap().expose().starts_with("sqlite:///"));
        assert!(
            s.database_url()
                .unwrap()
                .expose()
                .ends_with("accord-data/accord.db")
        );
        assert_eq!(s.limits, Limits::default());
        s.validate().unwrap();
    }

    #[test]
    fn layers_apply_file_then_env_then_flags() {
        let file = temp_file(
            "layers",
            "[server]\nlisten = \"127.0.0.1:7000\"\n[limits]\npage_limit = 50\nmax_content_length = 10\n",
        );
        let overrides = Overrides {
            config: Some(file),
            listen: Some("127.0.0.1:0".parse().unwrap()),
            ..Overrides::default()
        };
        let s = Settings::layered(&overrides, env_of(&[("ACCORD_PAGE_LIMIT", "20")])).unwrap();
        assert_eq!(s.listen, "127.0.0.1:0".parse().unwrap());
        assert_eq!(s.limits.page_limit, 20);
        assert_eq!(s.limits.max_content_length, 10);
    }

    #[test]
    fn unknown_keys_in_the_file_are_errors() {
        let file = temp_file("unknown", "[server]\nlisten_on = \"127.0.0.1:7000\"\n");
        let overrides = Overrides {
            config: Some(file),
            ..Overrides::default()
        };
        let err = Settings::layered(&overrides, env_of(&[])).unwrap_err();
        assert!(err.to_string().contains("listen_on"), "{err}");
    }

    #[test]
    fn malformed_environment_values_name_the_variable() {
        let err = Settings::layered(
            &Overrides::default(),
            env_of(&[("ACCORD_MAX_CONTENT_LENGTH", "lots")]),
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("ACCORD_MAX_CONTENT_LENGTH"),
            "{err}"
        );
    }

    #[test]
    fn plain_http_on_a_public_address_needs_insecure() {
        let mut s = Settings {
            listen: "0.0.0.0:6363".parse().unwrap(),
            ..Settings::default()
        };
        assert!(s.validate().is_err());
        s.insecure = true;
        s.validate().unwrap();
    }

    #[test]
    fn secrets_do_not_print() {
        let s = Settings {
            bootstrap_token: Some(Secret::new("hunter2".to_owned())),
            database_url: Some(Secret::new("postgres://u:pw@h/db".to_owned())),
            ..Settings::default()
        };
        let text = format!("{s:?}");
        assert!(!text.contains("hunter2") && !text.contains("pw@"), "{text}");
    }
}
