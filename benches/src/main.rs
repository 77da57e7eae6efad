//! `accord-load`: the load benchmark of the TAXII server (issue 3) and of its fan-out
//! (issue 4).
//!
//! Starts the real `accord` binary on a fresh SQLite file or a fresh PostgreSQL database,
//! drives it over loopback with bounded request counts and times, prints one line per
//! scenario and optionally writes a JSON summary. It stops the server and drops the database
//! by itself, also when a scenario fails or the overall time limit is reached.
//!
//! `cargo build --release -p hub -p accord-bench && target/release/accord-load --backend sqlite`
//! (`scripts/load_bench.sh` runs both backends; `scripts/fanout_bench.sh` the fan-out
//! scenarios, `--scenario fanout-paging` and `--scenario fanout-ingest`).

mod client;
mod fanout;
mod labels;
mod server;
mod stats;
mod stix;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use serde_json::{Value, json};

use client::{Taxii, encode};
use server::{Backend, Cpu, Server};
use stats::{Latencies, LoadWatch, thousands};
use stix::Generator;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BackendArg {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// Issue 3 on the zero-config hub: ingest, single-object POSTs, bulk load and paging of
    /// `--objects`, empty poll, object by id.
    Load,
    /// Issue 4: a collection of `--objects` of which partner NARROW may see 1 % and WIDE all;
    /// both page through it in the same run.
    FanoutPaging,
    /// Issue 4: ingest of `--ingest-objects` on a hub with 1 partner and one with
    /// `--partners`, a realistic label mix and TLP:GREEN to half of the partners.
    FanoutIngest,
}

/// Load benchmark of the accord TAXII 2.1 server, over loopback.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// The accord binary to start.
    #[arg(long, default_value = "target/release/accord")]
    accord: PathBuf,
    /// What to measure.
    #[arg(long, value_enum, default_value = "load")]
    scenario: Scenario,
    /// The store the server runs on.
    #[arg(long, value_enum, default_value = "sqlite")]
    backend: BackendArg,
    /// The PostgreSQL server on which a database `accord_bench_<random>` is created and dropped
    /// [default: $ACCORD_TEST_PG_URL, else postgres://postgres@127.0.0.1:5432/postgres].
    #[arg(long)]
    pg_url: Option<String>,
    /// Objects in the paged collection (issue 3 asks for 1,000,000; scale down for quick runs).
    #[arg(long, default_value_t = 1_000_000)]
    objects: u64,
    /// Concurrent clients loading the paged collection with 1,000-object envelopes.
    #[arg(long, default_value_t = 2)]
    load_clients: u64,
    /// Time limit of each timed scenario, in seconds.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Time limit of the whole run, in minutes; the server is stopped and the database dropped
    /// when it is reached.
    #[arg(long, default_value_t = 60)]
    max_minutes: u64,
    /// Skip the ingest and single-object POST scenarios (load the paged collection, then read).
    #[arg(long)]
    skip_writes: bool,
    /// fanout-ingest: objects posted to each hub.
    #[arg(long, default_value_t = 200_000)]
    ingest_objects: u64,
    /// fanout-ingest: concurrent clients posting.
    #[arg(long, default_value_t = 4)]
    ingest_clients: u64,
    /// fanout-ingest: objects per envelope.
    #[arg(long, default_value_t = 500)]
    envelope: u64,
    /// fanout-ingest: partners of the large hub.
    #[arg(long, default_value_t = 50)]
    partners: usize,
    /// Write the summary as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The server's stderr goes here (default: a file in the temporary directory).
    #[arg(long)]
    server_log: Option<PathBuf>,
}

/// What the run measured, line by line and as JSON.
struct Report {
    backend: &'static str,
    results: serde_json::Map<String, Value>,
    goals: Vec<Value>,
}

impl Report {
    fn record(&mut self, key: &str, line: String, value: Value) {
        println!("{:<9}{line}", self.backend);
        self.results.insert(key.to_owned(), value);
    }

    fn goal(&mut self, what: &str, goal: &str, value: f64, met: bool) {
        println!(
            "{:<9}  goal {what}: {goal} -> {} ({})",
            self.backend,
            round(value),
            if met { "met" } else { "MISSED" }
        );
        self.goals
            .push(json!({"what": what, "goal": goal, "value": round(value), "met": met}));
    }

    fn error(&mut self, key: &str, error: &anyhow::Error) {
        println!("{:<9}{key:<36} FAILED: {error:#}", self.backend);
        self.results
            .insert(key.to_owned(), json!({"error": format!("{error:#}")}));
    }
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// Everything the scenarios share.
struct Bench {
    taxii: Taxii,
    generator: Generator,
    /// The next unused object index of the run.
    next_index: Arc<AtomicU64>,
    shared: String,
    limit: Duration,
}

impl Bench {
    fn take(&self, count: u64) -> u64 {
        self.next_index.fetch_add(count, Ordering::Relaxed)
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(args))
}

async fn run(mut args: Args) -> anyhow::Result<()> {
    if !args.accord.is_file() {
        bail!(
            "{} not found: build it with `cargo build --release -p hub`",
            args.accord.display()
        );
    }
    // The tree is shared and rebuilt by others: which build the run started with, and a copy
    // of it, so that every server of the run (several hubs in fanout-ingest) is that build.
    let accord_modified = std::fs::metadata(&args.accord)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    let accord_path = args.accord.display().to_string();
    let binary_dir = tempfile::Builder::new()
        .prefix("accord-load-bin-")
        .tempdir()
        .context("creating a directory for the binary")?;
    let copy = binary_dir.path().join("accord");
    std::fs::copy(&args.accord, &copy)
        .with_context(|| format!("copying {}", args.accord.display()))?;
    args.accord = copy;
    let backend = match args.backend {
        BackendArg::Sqlite => Backend::Sqlite,
        BackendArg::Postgres => Backend::Postgres {
            admin_url: args
                .pg_url
                .clone()
                .or_else(|| std::env::var("ACCORD_TEST_PG_URL").ok())
                .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/postgres".to_owned()),
        },
    };
    let mut report = Report {
        backend: backend.name(),
        results: serde_json::Map::new(),
        goals: Vec::new(),
    };
    let started = Instant::now();
    let watch = LoadWatch::start();
    let outcome = match args.scenario {
        Scenario::Load => load_run(&args, &backend, started, &mut report).await,
        Scenario::FanoutPaging => fanout::paging(&args, &backend, started, &mut report).await,
        Scenario::FanoutIngest => fanout::ingest(&args, &backend, started, &mut report).await,
    };
    let failure = outcome.err().map(|e| format!("{e:#}"));
    if let Some(failure) = &failure {
        println!("{:<9}run stopped: {failure}", backend.name());
    }
    let (load_mean, load_min, load_max) = watch.summary();
    println!(
        "{:<9}load average (1 min) during the run: mean {load_mean:.2}, min {load_min:.2}, max {load_max:.2}",
        backend.name()
    );
    let summary = json!({
        "backend": backend.name(),
        "scenario": format!("{:?}", args.scenario),
        "accord": accord_path,
        "accord_modified_unix": accord_modified,
        "objects": args.objects,
        "load_clients": args.load_clients,
        "seconds_per_scenario": args.seconds,
        "wall_seconds": round(started.elapsed().as_secs_f64()),
        "load_average": {"mean": round(load_mean), "min": round(load_min), "max": round(load_max)},
        "failure": failure,
        "results": report.results,
        "goals": report.goals,
    });
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&summary)?)
            .with_context(|| format!("writing {}", path.display()))?;
        println!("{:<9}summary written to {}", backend.name(), path.display());
    }
    match failure {
        Some(failure) => bail!(failure),
        None => Ok(()),
    }
}

/// Starts a server (set up from `mission` when given), runs `body` on it within what is left
/// of the run's time limit, reads its peak RSS, stops it and drops its database — also when
/// `body` fails, the time runs out or the run is interrupted. The body's value and the peak
/// RSS in MB.
async fn with_server<T>(
    args: &Args,
    backend: &Backend,
    started: Instant,
    mission: Option<&Path>,
    log_name: &str,
    report: &mut Report,
    body: impl AsyncFnOnce(&Server, &mut Report) -> anyhow::Result<T>,
) -> anyhow::Result<(T, f64)> {
    let log_path = match &args.server_log {
        Some(path) if log_name.is_empty() => path.clone(),
        Some(path) => path.with_file_name(format!(
            "{}-{log_name}.log",
            path.file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("server")
        )),
        None => std::env::temp_dir().join(format!(
            "accord-load-{}{}{log_name}.log",
            backend.name(),
            if log_name.is_empty() { "" } else { "-" }
        )),
    };
    let server = Server::start(&args.accord, backend, &log_path, mission).await?;
    println!(
        "{:<9}server pid {} at {} (log: {})",
        backend.name(),
        server.pid(),
        server.base_url,
        server.log_path.display()
    );
    let left = Duration::from_secs(args.max_minutes * 60).saturating_sub(started.elapsed());
    let outcome = tokio::select! {
        outcome = tokio::time::timeout(left, body(&server, report)) => match outcome {
            Ok(outcome) => outcome,
            Err(_) => Err(anyhow::anyhow!("the run reached its {} minute limit", args.max_minutes)),
        },
        _ = interrupted() => Err(anyhow::anyhow!("interrupted")),
    };
    let rss_mb = server.memory_bytes("VmHWM").unwrap_or(0) as f64 / 1e6;
    let size = server.database_bytes().await.unwrap_or(0);
    println!(
        "{:<9}database size at the end: {:.0} MB",
        backend.name(),
        size as f64 / 1e6
    );
    let stopped = server.stop().await;
    let value = outcome?;
    stopped?;
    Ok((value, rss_mb))
}

/// Issue 3: the zero-config hub under every scenario, on one server.
async fn load_run(
    args: &Args,
    backend: &Backend,
    started: Instant,
    report: &mut Report,
) -> anyhow::Result<()> {
    let outcome = with_server(
        args,
        backend,
        started,
        None,
        "",
        report,
        async |server, report| {
            let outcome = scenarios(args, server, report).await;
            // What the resident set is made of at the end: heap, mapped files, shared memory
            // (SQLite's WAL index).
            let now_mb = |field| round(server.memory_bytes(field).unwrap_or(0) as f64 / 1e6);
            anyhow::Ok((
                outcome,
                now_mb("RssAnon"),
                now_mb("RssFile"),
                now_mb("RssShmem"),
            ))
        },
    )
    .await;
    let ((outcome, anon, file, shmem), rss_mb) = outcome?;
    report.record(
        "peak_rss",
        format!(
            "{:<36} {:.1} MB (VmHWM; at the end: {anon} MB anonymous, {file} MB file, {shmem} MB shared)",
            "peak RSS of the server", rss_mb
        ),
        json!({
            "bytes": (rss_mb * 1e6).round(),
            "megabytes": round(rss_mb),
            "end_anon_megabytes": anon,
            "end_file_megabytes": file,
            "end_shmem_megabytes": shmem,
        }),
    );
    report.goal(
        "peak RSS",
        "< 200 MB",
        rss_mb,
        rss_mb > 0.0 && rss_mb < 200.0,
    );
    outcome
}

async fn scenarios(args: &Args, server: &Server, report: &mut Report) -> anyhow::Result<()> {
    let taxii = Taxii::new(&server.base_url, &server.token)?;
    let shared = taxii
        .collection_by_alias("shared")
        .await
        .context("finding the `shared` collection")?;
    let bench = Bench {
        taxii,
        generator: Generator::new(rand_u32()),
        next_index: Arc::new(AtomicU64::new(0)),
        shared,
        limit: Duration::from_secs(args.seconds),
    };
    post_preamble(&bench.taxii, &bench.generator, &bench.shared).await?;
    if !args.skip_writes {
        write_scenarios(&bench, server, report).await;
    }
    let paged = paging(args, &bench, server, report).await?;
    empty_poll(&bench, &paged, report).await;
    for clients in [1u64, 8, 32] {
        let key = format!("object_by_id_{clients}_clients");
        match object_by_id(&bench, server, &paged, clients).await {
            Ok((line, value, rate, p99)) => {
                let not_found = value.get("not_found").and_then(Value::as_u64).unwrap_or(0);
                report.record(&key, line, value);
                if not_found > 0 {
                    report.error(
                        &format!("{key}_not_found"),
                        &anyhow::anyhow!("{not_found} requests for stored objects answered 404"),
                    );
                }
                if clients == 32 {
                    report.goal(
                        "object-by-id at 32 clients",
                        ">= 5,000 req/s",
                        rate,
                        rate >= 5_000.0,
                    );
                    report.goal("object-by-id p99 at 32 clients", "< 20 ms", p99, p99 < 20.0);
                }
            }
            Err(e) => report.error(&key, &e),
        }
    }
    Ok(())
}

/// Ingest at 1, 100 and 1,000 objects per envelope, and single-object POSTs from 8 clients.
async fn write_scenarios(bench: &Bench, server: &Server, report: &mut Report) {
    let ingest_goal = match report.backend {
        "postgres" => 10_000.0,
        _ => 20_000.0,
    };
    for (envelope, max_objects) in [(1u64, 2_000u64), (100, 20_000), (1_000, 50_000)] {
        let key = format!("ingest_envelope_{envelope}");
        match ingest(bench, server, envelope, max_objects).await {
            Ok((line, value, rate)) => {
                report.record(&key, line, value);
                if envelope == 1_000 {
                    let goal = format!(">= {} objects/s", thousands(ingest_goal));
                    report.goal(
                        "ingest at 1,000 per envelope",
                        &goal,
                        rate,
                        rate >= ingest_goal,
                    );
                }
            }
            Err(e) => report.error(&key, &e),
        }
    }
    match concurrent_single_posts(bench, server, 8, 1_000).await {
        Ok((line, value, rate)) => {
            report.record("single_posts_8_clients", line, value);
            report.goal(
                "single-object POSTs, 8 clients",
                ">= 1,000 objects/s",
                rate,
                rate >= 1_000.0,
            );
        }
        Err(e) => report.error("single_posts_8_clients", &e),
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn interrupted() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            tokio::signal::ctrl_c().await.ok();
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// `(line, json, headline figure)` of a scenario.
type Measured = (String, Value, f64);

fn cpu_json(cpu: Cpu, wall: f64) -> Value {
    json!({
        "server_cpu_s": round(cpu.server),
        "database_cpu_s": round(cpu.database),
        "client_cpu_s": round(cpu.client),
        "server_cores_busy": round(cpu.server / wall.max(1e-9)),
        "machine_cores_busy": round(cpu.machine / wall.max(1e-9)),
        "other_work_cores_busy": round(cpu.others() / wall.max(1e-9)),
    })
}

/// One client posting envelopes of `envelope` objects back to back, bodies prepared first.
async fn ingest(
    bench: &Bench,
    server: &Server,
    envelope: u64,
    max_objects: u64,
) -> anyhow::Result<Measured> {
    let envelopes = (max_objects / envelope).max(1);
    let bodies: Vec<(u64, String)> = (0..envelopes)
        .map(|_| {
            let first = bench.take(envelope);
            (first, bench.generator.envelope(first, envelope))
        })
        .collect();
    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let mut latencies = Latencies::default();
    let mut objects = 0u64;
    for (_, body) in bodies {
        if start.elapsed() >= bench.limit && latencies.len() >= 3 {
            break;
        }
        latencies.push(bench.taxii.post(&bench.shared, body, envelope).await?);
        objects += envelope;
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu0;
    let rate = objects as f64 / wall;
    let line = format!(
        "{:<36} {:>9} objects/s  ({} objects in {:.2} s; per envelope p50 {:.2} ms, p99 {:.2} ms; server CPU {:.2} s, database CPU {:.2} s)",
        format!("ingest, {envelope} per envelope"),
        thousands(rate),
        thousands(objects as f64),
        wall,
        latencies.p50_ms(),
        latencies.p99_ms(),
        cpu.server,
        cpu.database
    );
    let value = json!({
        "envelope": envelope,
        "objects": objects,
        "seconds": round(wall),
        "objects_per_s": round(rate),
        "p50_ms": round(latencies.p50_ms()),
        "p99_ms": round(latencies.p99_ms()),
        "cpu": cpu_json(cpu, wall),
    });
    Ok((line, value, rate))
}

/// `clients` clients each posting single-object envelopes back to back.
async fn concurrent_single_posts(
    bench: &Bench,
    server: &Server,
    clients: u64,
    per_client: u64,
) -> anyhow::Result<Measured> {
    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let bodies: Vec<String> = (0..per_client)
            .map(|_| bench.generator.envelope(bench.take(1), 1))
            .collect();
        let taxii = bench.taxii.clone();
        let collection = bench.shared.clone();
        let limit = bench.limit;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            for body in bodies {
                if start.elapsed() >= limit {
                    break;
                }
                latencies.push(taxii.post(&collection, body, 1).await?);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Latencies::default();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu0;
    let objects = latencies.len() as f64;
    let rate = objects / wall;
    let line = format!(
        "{:<36} {:>9} objects/s  ({} POSTs in {:.2} s; p50 {:.2} ms, p99 {:.2} ms; server CPU {:.2} s, database CPU {:.2} s)",
        format!("single-object POSTs, {clients} clients"),
        thousands(rate),
        thousands(objects),
        wall,
        latencies.p50_ms(),
        latencies.p99_ms(),
        cpu.server,
        cpu.database
    );
    let value = json!({
        "clients": clients,
        "objects": latencies.len(),
        "seconds": round(wall),
        "objects_per_s": round(rate),
        "p50_ms": round(latencies.p50_ms()),
        "p99_ms": round(latencies.p99_ms()),
        "cpu": cpu_json(cpu, wall),
    });
    Ok((line, value, rate))
}

/// The paged collection: where it is, which object indices it holds, and its newest date added.
struct Paged {
    collection: String,
    first_index: u64,
    count: u64,
    newest_date_added: Option<String>,
}

/// Loads objects `range` into `collection` with 1,000-object envelopes from `clients` clients.
async fn load(
    bench: &Bench,
    collection: &str,
    range: std::ops::Range<u64>,
    clients: u64,
) -> anyhow::Result<Latencies> {
    post_range(
        &bench.taxii,
        bench.generator,
        collection,
        range,
        clients,
        1_000,
    )
    .await
}

/// Posts objects `range` into `collection` from `clients` concurrent clients, each taking the
/// next `envelope` objects until none is left; the envelope latencies.
async fn post_range(
    taxii: &Taxii,
    generator: Generator,
    collection: &str,
    range: std::ops::Range<u64>,
    clients: u64,
    envelope: u64,
) -> anyhow::Result<Latencies> {
    let envelope = envelope.max(1);
    let next = Arc::new(AtomicU64::new(range.start));
    let mut tasks = Vec::new();
    for _ in 0..clients.max(1) {
        let next = Arc::clone(&next);
        let taxii = taxii.clone();
        let collection = collection.to_owned();
        let end = range.end;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            loop {
                let first = next.fetch_add(envelope, Ordering::Relaxed);
                if first >= end {
                    break;
                }
                let count = envelope.min(end - first);
                let body = generator.envelope(first, count);
                latencies.push(taxii.post(&collection, body, count).await?);
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Latencies::default();
    for task in tasks {
        latencies.extend(task.await??);
    }
    Ok(latencies)
}

/// Walks the whole collection with `limit=1000`; the page latencies, the objects and the
/// last page's date added.
async fn walk(taxii: &Taxii, collection: &str) -> anyhow::Result<(Latencies, u64, Option<String>)> {
    let mut latencies = Latencies::default();
    let mut objects = 0u64;
    let mut query = "limit=1000".to_owned();
    let mut newest = None;
    loop {
        let (elapsed, page) = taxii.page(collection, &query).await?;
        latencies.push(elapsed);
        objects += page.objects as u64;
        if page.date_added_last.is_some() {
            newest = page.date_added_last;
        }
        match (page.more, page.next) {
            (true, Some(next)) => query = format!("limit=1000&next={}", encode(&next)),
            (true, None) => bail!("a page says more but has no next"),
            (false, _) => break,
        }
    }
    Ok((latencies, objects, newest))
}

async fn paging(
    args: &Args,
    bench: &Bench,
    server: &Server,
    report: &mut Report,
) -> anyhow::Result<Paged> {
    // A collection of its own, so that the page figures are for exactly `objects` objects.
    let collection = match create_collection(server).await {
        Ok(id) => id,
        Err(e) => {
            println!(
                "{:<9}no collection of its own for paging ({e:#}); paging `shared` instead",
                report.backend
            );
            bench.shared.clone()
        }
    };
    let preamble = post_preamble(&bench.taxii, &bench.generator, &collection).await?;
    let total = args.objects.max(1);
    // Whole blocks of 20, so that every relationship and sighting finds its targets.
    let first_index = bench.take(total.div_ceil(20) * 20);
    let small = total.min(10_000);
    let mut paged = Paged {
        collection: collection.clone(),
        first_index,
        count: 0,
        newest_date_added: None,
    };

    // Page latency with 10,000 objects stored.
    load(bench, &collection, first_index..first_index + small, 1).await?;
    paged.count = small;
    let mut small_pages = Latencies::default();
    for _ in 0..3 {
        let (latencies, _, newest) = walk(&bench.taxii, &collection).await?;
        small_pages.extend(latencies);
        paged.newest_date_added = newest;
    }

    // The bulk load is an ingest figure of its own: several clients, 1,000 per envelope.
    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let loaded = load(
        bench,
        &collection,
        first_index + small..first_index + total,
        args.load_clients,
    )
    .await;
    let wall = start.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu0;
    match loaded {
        // Nothing past the first 10,000 objects to load: no bulk-load figure.
        Ok(_) if total == small => {}
        Ok(latencies) => {
            paged.count = total;
            let objects = (total - small) as f64;
            let rate = objects / wall;
            report.record(
                "bulk_load",
                format!(
                    "{:<36} {:>9} objects/s  ({} objects in {:.1} s by {} clients, 1,000 per envelope; per envelope p50 {:.1} ms, p99 {:.1} ms; server CPU {:.1} s, database CPU {:.1} s)",
                    "bulk load of the paged collection",
                    thousands(rate),
                    thousands(objects),
                    wall,
                    args.load_clients,
                    latencies.p50_ms(),
                    latencies.p99_ms(),
                    cpu.server,
                    cpu.database
                ),
                json!({
                    "objects": objects,
                    "clients": args.load_clients,
                    "seconds": round(wall),
                    "objects_per_s": round(rate),
                    "p50_ms": round(latencies.p50_ms()),
                    "p99_ms": round(latencies.p99_ms()),
                    "cpu": cpu_json(cpu, wall),
                }),
            );
        }
        Err(e) => {
            report.error("bulk_load", &e);
            return Ok(paged);
        }
    }

    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let walked = walk(&bench.taxii, &collection).await;
    let wall = start.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu0;
    let (pages, objects, newest) = match walked {
        Ok(walked) => walked,
        Err(e) => {
            report.error("paging", &e);
            return Ok(paged);
        }
    };
    paged.newest_date_added = newest;
    let rate = objects as f64 / wall;
    report.record(
        "paging",
        format!(
            "{:<36} {:>9} objects/s  ({} objects in {} pages in {:.1} s; page p50 {:.2} ms, p99 {:.2} ms; server CPU {:.1} s, database CPU {:.1} s)",
            "paging with limit=1000",
            thousands(rate),
            thousands(objects as f64),
            pages.len(),
            wall,
            pages.p50_ms(),
            pages.p99_ms(),
            cpu.server,
            cpu.database
        ),
        json!({
            "objects": objects,
            "pages": pages.len(),
            "seconds": round(wall),
            "objects_per_s": round(rate),
            "p50_ms": round(pages.p50_ms()),
            "p99_ms": round(pages.p99_ms()),
            "cpu": cpu_json(cpu, wall),
        }),
    );
    if objects != total + preamble {
        report.error(
            "paging_completeness",
            &anyhow::anyhow!(
                "the walk returned {objects} objects of {}",
                total + preamble
            ),
        );
    }
    report.goal(
        "paging",
        ">= 50,000 objects/s",
        rate,
        rate >= 50_000.0 && objects == total + preamble,
    );
    let ratio = pages.p50_ms() / small_pages.p50_ms().max(1e-9);
    // Within the one walk: the first and the last tenth of the pages. Keyset pages cost the
    // same at any depth; OFFSET pages grow with it.
    let tenth = (pages.len() / 10).max(1);
    let (shallow, deep) = (
        pages.slice(0, tenth),
        pages.slice(pages.len().saturating_sub(tenth), pages.len()),
    );
    report.record(
        "page_latency",
        format!(
            "{:<36} p50 {:.2} ms at {} objects, {:.2} ms at {} objects ({:.2}x); in that walk first tenth {:.2} ms, last tenth {:.2} ms",
            "page latency, limit=1000",
            small_pages.p50_ms(),
            thousands(small as f64),
            pages.p50_ms(),
            thousands(total as f64),
            ratio,
            shallow.p50_ms(),
            deep.p50_ms()
        ),
        json!({
            "small_objects": small,
            "small_p50_ms": round(small_pages.p50_ms()),
            "small_p99_ms": round(small_pages.p99_ms()),
            "large_objects": total,
            "large_p50_ms": round(pages.p50_ms()),
            "large_p99_ms": round(pages.p99_ms()),
            "ratio": round(ratio),
            "first_tenth_p50_ms": round(shallow.p50_ms()),
            "last_tenth_p50_ms": round(deep.p50_ms()),
        }),
    );
    report.goal(
        "page latency does not grow",
        "p50 ratio <= 1.5",
        ratio,
        ratio <= 1.5,
    );
    Ok(paged)
}

/// Posts the objects the generated ones reference (identities, label markings) into
/// `collection`, once; how many.
async fn post_preamble(
    taxii: &Taxii,
    generator: &Generator,
    collection: &str,
) -> anyhow::Result<u64> {
    let (body, count) = generator.preamble();
    taxii
        .post(collection, body, count)
        .await
        .context("posting the identities and label markings the objects reference")?;
    Ok(count)
}

/// Creates the paging collection with the admin CLI and lets `local` read and write it.
async fn create_collection(server: &Server) -> anyhow::Result<String> {
    let out = server
        .admin(&[
            "collection",
            "add",
            "--api-root",
            "default",
            "--alias",
            "paging",
            "--title",
            "Paging",
        ])
        .await?;
    let id = out
        .split_whitespace()
        .find(|w| uuid::Uuid::parse_str(w).is_ok())
        .context("`accord collection add` printed no collection id")?
        .to_owned();
    server
        .admin(&[
            "grant",
            "--partner",
            "local",
            "--collection",
            &id,
            "--read",
            "--write",
        ])
        .await?;
    Ok(id)
}

/// Polls with `added_after` = the newest date added: nothing new, as fast as possible.
async fn empty_poll(bench: &Bench, paged: &Paged, report: &mut Report) {
    let outcome = async {
        let newest = paged
            .newest_date_added
            .as_deref()
            .context("no X-TAXII-Date-Added-Last seen")?;
        let query = format!("added_after={}", encode(newest));
        let mut latencies = Latencies::default();
        let start = Instant::now();
        while latencies.len() < 2_000 && start.elapsed() < bench.limit {
            let (elapsed, page) = bench.taxii.page(&paged.collection, &query).await?;
            if page.objects != 0 {
                bail!(
                    "a poll after the newest date added returned {} objects",
                    page.objects
                );
            }
            latencies.push(elapsed);
        }
        anyhow::Ok(latencies)
    }
    .await;
    match outcome {
        Ok(latencies) => {
            report.record(
                "empty_poll",
                format!(
                    "{:<36} p50 {:.3} ms, p99 {:.3} ms  ({} polls of a {}-object collection)",
                    "empty poll (added_after = newest)",
                    latencies.p50_ms(),
                    latencies.p99_ms(),
                    thousands(latencies.len() as f64),
                    thousands(paged.count as f64)
                ),
                json!({
                    "polls": latencies.len(),
                    "collection_objects": paged.count,
                    "p50_ms": (latencies.p50_ms() * 1e3).round() / 1e3,
                    "p99_ms": (latencies.p99_ms() * 1e3).round() / 1e3,
                }),
            );
            report.goal(
                "empty poll p50",
                "< 2 ms",
                latencies.p50_ms(),
                latencies.p50_ms() < 2.0,
            );
        }
        Err(e) => report.error("empty_poll", &e),
    }
}

/// `clients` clients asking for random stored objects by id for the scenario's time limit.
async fn object_by_id(
    bench: &Bench,
    server: &Server,
    paged: &Paged,
    clients: u64,
) -> anyhow::Result<(String, Value, f64, f64)> {
    if paged.count == 0 {
        bail!("no objects stored");
    }
    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let mut tasks = Vec::new();
    for client in 0..clients {
        let taxii = bench.taxii.clone();
        let generator = bench.generator;
        let collection = paged.collection.clone();
        let (first, count) = (paged.first_index, paged.count);
        let limit = bench.limit;
        tasks.push(tokio::spawn(async move {
            let mut latencies = Latencies::default();
            let mut not_found = Vec::new();
            let mut random = XorShift(0x2545_f491_4f6c_dd1d ^ (client + 1).wrapping_mul(0x9e37));
            while start.elapsed() < limit && latencies.len() < 500_000 {
                let id = generator.id(first + random.next() % count);
                let (elapsed, found) = taxii.get_object(&collection, &id).await?;
                latencies.push(elapsed);
                if !found {
                    not_found.push(id);
                }
            }
            anyhow::Ok((latencies, not_found))
        }));
    }
    let mut latencies = Latencies::default();
    let mut not_found = Vec::new();
    for task in tasks {
        let (l, n) = task.await??;
        latencies.extend(l);
        not_found.extend(n);
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu0;
    let rate = latencies.len() as f64 / wall;
    let missing = if not_found.is_empty() {
        String::new()
    } else {
        format!(
            "; {} answered 404 for stored objects, e.g. {}",
            thousands(not_found.len() as f64),
            not_found.first().map_or("", String::as_str)
        )
    };
    let line = format!(
        "{:<36} {:>9} req/s      (p50 {:.2} ms, p99 {:.2} ms; {} requests over {} objects; server CPU {:.1} s, database CPU {:.1} s{missing})",
        format!("object by id, {clients} clients"),
        thousands(rate),
        latencies.p50_ms(),
        latencies.p99_ms(),
        thousands(latencies.len() as f64),
        thousands(paged.count as f64),
        cpu.server,
        cpu.database
    );
    let value = json!({
        "clients": clients,
        "requests": latencies.len(),
        "seconds": round(wall),
        "requests_per_s": round(rate),
        "not_found": not_found.len(),
        "not_found_example": not_found.first(),
        "p50_ms": round(latencies.p50_ms()),
        "p99_ms": round(latencies.p99_ms()),
        "cpu": cpu_json(cpu, wall),
    });
    Ok((line, value, rate, latencies.p99_ms()))
}

/// A tiny PRNG for picking ids: no dependency, and its cost does not show beside a request.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}

fn rand_u32() -> u32 {
    // The low 32 bits of a v4 UUID are all random.
    uuid::Uuid::new_v4().as_u128() as u32
}
