//! The server under test: the real `accord` binary on a fresh database, started on a free
//! loopback port, and everything read about it from `/proc`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::Connection;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Which store the server runs on.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// The administrative URL of the PostgreSQL server; a database is created on it per run.
    Postgres {
        admin_url: String,
    },
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }
}

/// A running `accord serve` and the database it owns.
pub struct Server {
    child: Child,
    pid: u32,
    pub base_url: String,
    pub token: String,
    accord: PathBuf,
    data_dir: tempfile::TempDir,
    database_url: String,
    /// The PostgreSQL database created for the run and the URL to drop it with.
    postgres: Option<(String, String)>,
    pub log_path: PathBuf,
}

impl Server {
    /// Creates the database, sets the hub up from `mission` (`accord init --mission`) when one
    /// is given, starts the server and waits for its "listening" line. A failure drops the
    /// database it created.
    pub async fn start(
        accord: &Path,
        backend: &Backend,
        log_path: &Path,
        mission: Option<&Path>,
    ) -> anyhow::Result<Server> {
        let data_dir = tempfile::Builder::new()
            .prefix("accord-load-")
            .tempdir()
            .context("creating the data directory")?;
        let run = uuid::Uuid::new_v4().simple().to_string();
        let (database_url, postgres) = match backend {
            Backend::Sqlite => (
                format!("sqlite://{}", data_dir.path().join("accord.db").display()),
                None,
            ),
            Backend::Postgres { admin_url } => {
                let name = format!("accord_bench_{}", run.get(..12).unwrap_or(&run));
                let mut admin = sqlx::PgConnection::connect(admin_url)
                    .await
                    .with_context(|| format!("connecting to {admin_url}"))?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .context("creating the benchmark database")?;
                admin.close().await.ok();
                (
                    with_database(admin_url, &name)?,
                    Some((name, admin_url.clone())),
                )
            }
        };
        // Two v4 UUIDs: 244 random bits, as hex; the server takes any bootstrap token text.
        let token = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        let started = spawn(
            accord,
            data_dir.path(),
            &database_url,
            &token,
            log_path,
            mission,
        )
        .await;
        let (child, pid, base_url) = match started {
            Ok(started) => started,
            Err(e) => {
                if let Some((name, admin_url)) = &postgres {
                    drop_database(admin_url, name).await.ok();
                }
                return Err(e);
            }
        };
        Ok(Server {
            child,
            pid,
            base_url,
            token,
            accord: accord.to_owned(),
            data_dir,
            database_url,
            postgres,
            log_path: log_path.to_owned(),
        })
    }

    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Runs an admin verb of the same binary on the same database; its stdout, trimmed.
    pub async fn admin(&self, args: &[&str]) -> anyhow::Result<String> {
        let mut command = Command::new(&self.accord);
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        set_env(
            &mut command,
            self.data_dir.path(),
            &self.database_url,
            &self.token,
        );
        let output = tokio::time::timeout(Duration::from_secs(60), command.output())
            .await
            .context("admin command timed out")??;
        if !output.status.success() {
            bail!(
                "accord {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    /// A memory figure of the server from `/proc/PID/status`, in bytes: `VmHWM` (the peak
    /// resident set so far), `VmRSS` and its parts `RssAnon`, `RssFile`, `RssShmem` (now).
    pub fn memory_bytes(&self, field: &str) -> anyhow::Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))?;
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .with_context(|| format!("no {field} in /proc status"))?;
        let kib: u64 = line.trim().trim_end_matches("kB").trim().parse()?;
        Ok(kib * 1024)
    }

    /// CPU seconds used so far by the server process and, on PostgreSQL, by the backends
    /// serving the run's database (what the database did for the requests).
    pub fn cpu_seconds(&self) -> Cpu {
        let server = process_cpu_seconds(self.pid).unwrap_or(0.0);
        let database = match &self.postgres {
            Some((name, _)) => postgres_backends_cpu_seconds(name),
            None => 0.0,
        };
        let client = process_cpu_seconds(std::process::id()).unwrap_or(0.0);
        Cpu {
            server,
            database,
            client,
            machine: machine_busy_seconds().unwrap_or(0.0),
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 10 s) and drops the database.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let term = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status();
        let graceful = match term {
            Ok(status) if status.success() => {
                tokio::time::timeout(Duration::from_secs(10), self.child.wait())
                    .await
                    .is_ok()
            }
            _ => false,
        };
        if !graceful {
            self.child.start_kill().ok();
            self.child.wait().await.ok();
        }
        if let Some((name, admin_url)) = &self.postgres {
            drop_database(admin_url, name).await?;
        }
        // The SQLite data directory goes with `data_dir` (a TempDir) when `self` is dropped.
        Ok(())
    }

    /// Bytes of the SQLite data directory, or of the PostgreSQL database.
    pub async fn database_bytes(&self) -> anyhow::Result<u64> {
        match &self.postgres {
            Some((name, admin_url)) => {
                let mut admin = sqlx::PgConnection::connect(admin_url).await?;
                let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size($1)")
                    .bind(name)
                    .fetch_one(&mut admin)
                    .await?;
                admin.close().await.ok();
                Ok(u64::try_from(bytes).unwrap_or(0))
            }
            None => {
                let mut total = 0;
                for entry in std::fs::read_dir(self.data_dir.path())? {
                    total += entry?.metadata()?.len();
                }
                Ok(total)
            }
        }
    }
}

/// Runs `accord init --mission` when asked, then starts `accord serve` and waits for its
/// listening line: the child, its pid and its base URL.
async fn spawn(
    accord: &Path,
    data_dir: &Path,
    database_url: &str,
    token: &str,
    log_path: &Path,
    mission: Option<&Path>,
) -> anyhow::Result<(Child, u32, String)> {
    if let Some(mission) = mission {
        let mut command = Command::new(accord);
        command
            .arg("init")
            .arg("--mission")
            .arg(mission)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        set_env(&mut command, data_dir, database_url, token);
        let output = tokio::time::timeout(Duration::from_secs(120), command.output())
            .await
            .context("accord init timed out")??;
        if !output.status.success() {
            bail!(
                "accord init --mission {} failed: {}",
                mission.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
    }
    let log = std::fs::File::create(log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut command = Command::new(accord);
    command
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    set_env(&mut command, data_dir, database_url, token);
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", accord.display()))?;
    let pid = child.id().context("the server exited at once")?;
    let stdout = child.stdout.take().context("no stdout pipe")?;
    let mut lines = BufReader::new(stdout).lines();
    // Migrations run before the listening line; a fresh database takes well under this.
    let base_url = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(line) = lines.next_line().await? {
            if let Some(url) = line.strip_prefix("accord listening on ") {
                return Ok(url.trim().trim_end_matches('/').to_owned());
            }
        }
        bail!(
            "the server closed its stdout without a listening line (see {})",
            log_path.display()
        )
    })
    .await
    .context("no listening line within 120 s")??;
    // Keep reading stdout so that the server never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, pid, base_url))
}

async fn drop_database(admin_url: &str, name: &str) -> anyhow::Result<()> {
    let mut admin = sqlx::PgConnection::connect(admin_url).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&mut admin)
    .await
    .context("dropping the benchmark database")?;
    admin.close().await.ok();
    Ok(())
}

/// CPU seconds of the server, of its database, of this load generator (which shares the
/// machine's cores with them), and of the whole machine (everything else is other work).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub server: f64,
    pub database: f64,
    pub client: f64,
    pub machine: f64,
}

impl Cpu {
    /// CPU seconds the machine spent on work other than the benchmark's.
    pub fn others(&self) -> f64 {
        (self.machine - self.server - self.database - self.client).max(0.0)
    }
}

impl std::ops::Sub for Cpu {
    type Output = Cpu;
    fn sub(self, rhs: Cpu) -> Cpu {
        Cpu {
            server: self.server - rhs.server,
            // Backends that closed between the two readings take their CPU time with them.
            database: (self.database - rhs.database).max(0.0),
            client: self.client - rhs.client,
            machine: self.machine - rhs.machine,
        }
    }
}

fn set_env(command: &mut Command, data_dir: &Path, database_url: &str, token: &str) {
    // Only what the run sets: nothing from the caller's shell may pick another database.
    for name in [
        "ACCORD_CONFIG",
        "ACCORD_MAX_CONTENT_LENGTH",
        "ACCORD_PAGE_LIMIT",
        "ACCORD_LISTEN",
    ] {
        command.env_remove(name);
    }
    command
        .env("ACCORD_DATA_DIR", data_dir)
        .env("ACCORD_DATABASE_URL", database_url)
        .env("ACCORD_BOOTSTRAP_TOKEN", token);
}

/// `postgres://u@h:5432/postgres?x=y` with the database replaced by `name`.
fn with_database(admin_url: &str, name: &str) -> anyhow::Result<String> {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let scheme_end = base.find("://").context("not a URL")? + 3;
    let host_end = base
        .get(scheme_end..)
        .and_then(|rest| rest.find('/'))
        .map_or(base.len(), |slash| scheme_end + slash);
    let host = base.get(..host_end).context("not a URL")?;
    Ok(format!("{host}/{name}{query}"))
}

fn clock_ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// Busy CPU seconds of all cores since boot, from the `cpu` line of `/proc/stat` (user, nice,
/// system, irq, softirq, steal; not idle or iowait).
fn machine_busy_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let fields: Vec<f64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    let busy: f64 = [0usize, 1, 2, 5, 6, 7]
        .iter()
        .filter_map(|&n| fields.get(n))
        .sum();
    Some(busy / clock_ticks_per_second())
}

/// The 1-minute load average.
pub fn load_average() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next()?.parse().ok())
        .unwrap_or(0.0)
}

/// utime + stime of a process from `/proc/PID/stat`, in seconds.
fn process_cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let (_, rest) = stat.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 and 15 of the stat line are the 12th and 13th after the name.
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks_per_second())
}

/// CPU seconds of the PostgreSQL backends whose command line names `database`.
fn postgres_backends_cpu_seconds(database: &str) -> f64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    let needle = format!(" {database} ");
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(&needle))
                .unwrap_or(false)
        })
        .filter_map(process_cpu_seconds)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_run_database_replaces_the_admin_database() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "b1").unwrap(),
            "postgres://postgres@127.0.0.1:5432/b1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/postgres?sslmode=disable", "b1").unwrap(),
            "postgres://u:p@h/b1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "b1").unwrap(),
            "postgres://h:5432/b1"
        );
    }
}
