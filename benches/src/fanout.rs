//! The fan-out measurements of issue 4, on hubs set up with `accord init --mission`:
//!
//! - **1 %-visible paging**: one collection, partner NARROW may see 1 % of it and WIDE all of
//!   it; both walk it with `next` in the same run. NARROW's view is indexed, so it should get
//!   its objects at least half as fast as WIDE gets its own (not 100 times slower, as a filter
//!   over the collection would be).
//! - **ingest with many partners**: the same objects posted to a hub with one partner and to
//!   one with 50, under a realistic label mix and under TLP:GREEN to half of the partners
//!   (each such object costs a view row per partner that sees it).

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use serde_json::json;

use crate::client::Taxii;
use crate::labels::{ACS_POLICY_YAML, LabelMix, NATO_POLICY_YAML};
use crate::server::{Backend, Server};
use crate::stats::{Latencies, thousands};
use crate::stix::Generator;
use crate::{
    Args, Report, cpu_json, post_preamble, post_range, rand_u32, round, walk, with_server,
};

/// Partner nations: the seven ACS nationalities first (labels name them), the writer's first,
/// then other NATO nations.
const NATIONS: [&str; 18] = [
    "GBR", "USA", "FRA", "DEU", "CAN", "AUS", "NZL", "NOR", "POL", "NLD", "ITA", "ESP", "BEL",
    "DNK", "EST", "FIN", "SWE", "AUT",
];

/// Every partner's clearance: the labels are NATO UNCLASSIFIED (the default) or ACS U.
const CLEARANCE: &str = "{NATO: SECRET, ACS: S}";

/// A mission file and its policy in a temporary directory (removed when dropped).
struct MissionFile {
    dir: tempfile::TempDir,
}

impl MissionFile {
    fn write(text: &str) -> anyhow::Result<MissionFile> {
        let dir = tempfile::Builder::new()
            .prefix("accord-load-mission-")
            .tempdir()
            .context("creating the mission directory")?;
        std::fs::write(dir.path().join("nato.yaml"), NATO_POLICY_YAML)?;
        std::fs::write(dir.path().join("acs.yaml"), ACS_POLICY_YAML)?;
        std::fs::write(dir.path().join("mission.yaml"), text)?;
        Ok(MissionFile { dir })
    }

    fn path(&self) -> PathBuf {
        self.dir.path().join("mission.yaml")
    }
}

/// The mission text around its partners: the NATO example and ACS policies, one API root `default`
/// with the collection `shared` every partner reads and writes, and a rule set that releases
/// what the labels allow, TLP:GREEN going to the partners of `green_communities`.
fn mission(id: &str, partners: &[String], green_communities: &str) -> String {
    let mut text = format!(
        "mission: {{id: {id}, name: accord-load {id}}}\npolicies: [nato.yaml, acs.yaml]\n\
         default_label: {{policy: NATO, classification: UNCLASSIFIED}}\npartners:\n"
    );
    for partner in partners {
        text.push_str(&format!("  - {partner}\n"));
    }
    text.push_str(&format!(
        "api_roots:\n  - name: default\n    title: Accord\n    collections:\n\
         \x20     - {{alias: shared, title: Shared, can_read: true, can_write: true}}\n\
         rules:\n  id: {id}/release\n  version: 1\n\
         \x20 groups: {{COMMUNITY: {{communities: [{green_communities}]}}}}\n\
         \x20 semantics: {{tlp_organisation: partner, tlp_community: COMMUNITY}}\n\
         \x20 rules: [{{id: base-release, effect: release}}]\n"
    ));
    text
}

/// The paging mission: SRC (USA) writes, WIDE (GBR) may see everything the 1 % mix labels,
/// NARROW (FRA) only what is also releasable to FRA.
fn paging_mission() -> String {
    let partner = |id: &str, nation: &str, role: &str| {
        format!(
            "{{id: {id}, nation: {nation}, communities: [NATO], clearance: {CLEARANCE}, role: {role}}}"
        )
    };
    mission(
        "bench-paging",
        &[
            partner("SRC", "USA", "lead"),
            partner("WIDE", "GBR", "supporting"),
            partner("NARROW", "FRA", "supporting"),
        ],
        "NATO",
    )
}

/// The ingest mission with `count` partners P00…: nations cycle through [`NATIONS`]; P00–P24
/// are in community NATO, P25–P39 in EU, the rest in PFP; P00 (the writer, GBR) has P01–P03
/// as clients (TLP:AMBER reaches them). TLP:GREEN goes to `green_communities`.
fn ingest_mission(count: usize, green_communities: &str) -> String {
    let partners: Vec<String> = (0..count)
        .map(|i| {
            let nation = NATIONS.get(i % NATIONS.len()).copied().unwrap_or("GBR");
            let community = match i {
                0..25 => "NATO",
                25..40 => "EU",
                _ => "PFP",
            };
            let clients = if i == 0 && count > 3 {
                ", clients: [P01, P02, P03]"
            } else {
                ""
            };
            format!(
                "{{id: P{i:02}, nation: {nation}, communities: [{community}], clearance: {CLEARANCE}, role: {}{clients}}}",
                if i == 0 { "lead" } else { "supporting" }
            )
        })
        .collect();
    mission(
        &format!("bench-ingest-{count}"),
        &partners,
        green_communities,
    )
}

/// Creates a token for `partner` with the admin CLI and a client that uses it.
async fn client_for(server: &Server, partner: &str) -> anyhow::Result<Taxii> {
    let token = server
        .admin(&[
            "token",
            "create",
            "--partner",
            partner,
            "--label",
            "accord-load",
        ])
        .await?;
    if token.is_empty() || token.contains(char::is_whitespace) {
        bail!("`accord token create` printed no token: {token:?}");
    }
    Taxii::new(&server.base_url, &token)
}

/// One walk's figures.
struct Walked {
    objects: u64,
    pages: Latencies,
    seconds: f64,
}

impl Walked {
    fn objects_per_s(&self) -> f64 {
        self.objects as f64 / self.seconds.max(1e-9)
    }

    fn pages_per_s(&self) -> f64 {
        self.pages.len() as f64 / self.seconds.max(1e-9)
    }
}

/// Walks `collection` as `taxii` `times` times; the walks together, each checked for
/// `expected` objects.
async fn walks(
    taxii: &Taxii,
    collection: &str,
    times: usize,
    expected: u64,
) -> anyhow::Result<Walked> {
    let mut total = Walked {
        objects: 0,
        pages: Latencies::default(),
        seconds: 0.0,
    };
    for _ in 0..times {
        let start = Instant::now();
        let (pages, objects, _) = walk(taxii, collection).await?;
        total.seconds += start.elapsed().as_secs_f64();
        if objects != expected {
            bail!("a walk returned {objects} objects, {expected} expected");
        }
        total.objects += objects;
        total.pages.extend(pages);
    }
    Ok(total)
}

/// NARROW's walks: its 1 % of 1,000,000 objects is 11 pages, too few to time alone.
const NARROW_WALKS: usize = 10;

/// 1 %-visible paging: load `--objects` objects as SRC, then WIDE walks them once and NARROW
/// walks its 1 % [`NARROW_WALKS`] times.
pub async fn paging(
    args: &Args,
    backend: &Backend,
    started: Instant,
    report: &mut Report,
) -> anyhow::Result<()> {
    let mission = MissionFile::write(&paging_mission())?;
    let path = mission.path();
    let ((), rss) = with_server(
        args,
        backend,
        started,
        Some(&path),
        "",
        report,
        async |server, report| paging_on(args, server, report).await,
    )
    .await?;
    report.record(
        "fanout_paging_peak_rss",
        format!("{:<36} {rss:.1} MB (VmHWM)", "peak RSS of the server"),
        json!({"megabytes": round(rss)}),
    );
    Ok(())
}

async fn paging_on(args: &Args, server: &Server, report: &mut Report) -> anyhow::Result<()> {
    let src = client_for(server, "SRC").await?;
    let wide = client_for(server, "WIDE").await?;
    let narrow = client_for(server, "NARROW").await?;
    let collection = src.collection_by_alias("shared").await?;
    let mix = LabelMix::OnePercent;
    let generator = Generator::with_labels(rand_u32(), mix);
    let preamble = post_preamble(&src, &generator, &collection).await?;
    let total = args.objects.max(20);

    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let latencies = post_range(
        &src,
        generator,
        &collection,
        0..total,
        args.load_clients,
        1_000,
    )
    .await?;
    let wall = start.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu0;
    let rate = total as f64 / wall;
    report.record(
        "fanout_paging_load",
        format!(
            "{:<36} {:>9} objects/s  ({} objects in {:.1} s by {} clients, 1,000 per envelope, {}; per envelope p50 {:.1} ms, p99 {:.1} ms; server CPU {:.1} s, database CPU {:.1} s)",
            "load, 3 partners",
            thousands(rate),
            thousands(total as f64),
            wall,
            args.load_clients,
            mix.name(),
            latencies.p50_ms(),
            latencies.p99_ms(),
            cpu.server,
            cpu.database
        ),
        json!({
            "objects": total,
            "labels": mix.name(),
            "clients": args.load_clients,
            "seconds": round(wall),
            "objects_per_s": round(rate),
            "p50_ms": round(latencies.p50_ms()),
            "p99_ms": round(latencies.p99_ms()),
            "cpu": cpu_json(cpu, wall),
        }),
    );

    let collection_size = total + preamble;
    let narrow_expected = preamble
        + (0..total)
            .filter(|&i| mix.releasable_to_nation(i, "FRA"))
            .count() as u64;
    let mut measured = Vec::new();
    for (who, taxii, times, expected) in [
        ("WIDE", &wide, 1, collection_size),
        ("NARROW", &narrow, NARROW_WALKS, narrow_expected),
    ] {
        let cpu0 = server.cpu_seconds();
        let walked = walks(taxii, &collection, times, expected)
            .await
            .with_context(|| format!("{who} paging"))?;
        let cpu = server.cpu_seconds() - cpu0;
        let per_walk = walked.seconds / times as f64;
        // How fast the reader gets through the collection (its own view of it).
        let collection_rate = collection_size as f64 / per_walk.max(1e-9);
        report.record(
            &format!("fanout_paging_{}", who.to_lowercase()),
            format!(
                "{:<36} {:>9} objects/s  ({:.1} pages/s; {} objects of {} in {} pages, {} walk(s) of {:.2} s; page p50 {:.2} ms, p99 {:.2} ms; {} collection objects/s; server CPU {:.1} s, database CPU {:.1} s)",
                format!("paging as {who}, limit=1000"),
                thousands(walked.objects_per_s()),
                walked.pages_per_s(),
                thousands(expected as f64),
                thousands(collection_size as f64),
                walked.pages.len() / times,
                times,
                per_walk,
                walked.pages.p50_ms(),
                walked.pages.p99_ms(),
                thousands(collection_rate),
                cpu.server,
                cpu.database
            ),
            json!({
                "partner": who,
                "visible_objects": expected,
                "collection_objects": collection_size,
                "walks": times,
                "pages": walked.pages.len(),
                "seconds": round(walked.seconds),
                "objects_per_s": round(walked.objects_per_s()),
                "pages_per_s": round(walked.pages_per_s()),
                "collection_objects_per_s": round(collection_rate),
                "p50_ms": round(walked.pages.p50_ms()),
                "p99_ms": round(walked.pages.p99_ms()),
                "cpu": cpu_json(cpu, walked.seconds),
            }),
        );
        measured.push(walked);
    }
    if let [wide, narrow] = measured.as_slice() {
        let ratio = narrow.objects_per_s() / wide.objects_per_s().max(1e-9);
        let pages_ratio = narrow.pages_per_s() / wide.pages_per_s().max(1e-9);
        report.record(
            "fanout_paging_ratio",
            format!(
                "{:<36} {ratio:.2} (objects/s), {pages_ratio:.2} (pages/s)",
                "NARROW / WIDE, same run"
            ),
            json!({"objects_per_s": round(ratio), "pages_per_s": round(pages_ratio)}),
        );
        report.goal(
            "1 %-visible paging, NARROW objects/s / WIDE objects/s",
            ">= 0.5",
            ratio,
            ratio >= 0.5,
        );
    }
    Ok(())
}

/// One ingest hub: how many partners, which labels.
struct IngestHub {
    partners: usize,
    mix: LabelMix,
    green_communities: &'static str,
    key: String,
}

/// Ingest with 1 partner and with `--partners`: a realistic mix (TLP:GREEN to the 40 of 50
/// partners in NATO or EU) and TLP:GREEN to the 25 in NATO. The hubs run one after the other,
/// 1 then many for each mix, on the same generated objects.
pub async fn ingest(
    args: &Args,
    backend: &Backend,
    started: Instant,
    report: &mut Report,
) -> anyhow::Result<()> {
    let many = args.partners.max(2);
    let hubs = [
        (1, LabelMix::Realistic, "NATO, EU"),
        (many, LabelMix::Realistic, "NATO, EU"),
        (1, LabelMix::GreenToCommunity, "NATO"),
        (many, LabelMix::GreenToCommunity, "NATO"),
    ]
    .map(|(partners, mix, green_communities)| IngestHub {
        partners,
        mix,
        green_communities,
        key: format!(
            "fanout_ingest_{partners}_{}",
            match mix {
                LabelMix::Realistic => "realistic",
                _ => "green",
            }
        ),
    });
    let prefix = rand_u32();
    let mut rates = Vec::new();
    for hub in &hubs {
        let mission = MissionFile::write(&ingest_mission(hub.partners, hub.green_communities))?;
        let path = mission.path();
        let (rate, rss) = with_server(
            args,
            backend,
            started,
            Some(&path),
            &hub.key,
            report,
            async |server, report| ingest_on(args, server, report, hub, prefix).await,
        )
        .await?;
        report.record(
            &format!("{}_peak_rss", hub.key),
            format!("{:<36} {rss:.1} MB (VmHWM)", "peak RSS of the server"),
            json!({"megabytes": round(rss)}),
        );
        rates.push(rate);
    }
    let ratio = |many: usize, one: usize| {
        rates.get(many).copied().unwrap_or(0.0) / rates.get(one).copied().unwrap_or(0.0).max(1e-9)
    };
    for (many_at, one_at, what) in [(1, 0, "realistic mix"), (3, 2, "TLP:GREEN to 25 of 50")] {
        let value = ratio(many_at, one_at);
        let key = match many_at {
            1 => "fanout_ingest_ratio_realistic",
            _ => "fanout_ingest_ratio_green",
        };
        report.record(
            key,
            format!(
                "{:<36} {:.0} % of one partner's ingest",
                format!("{many} partners / 1, {what}"),
                100.0 * value
            ),
            json!({"ratio": round(value), "what": what, "partners": many}),
        );
        report.goal(
            &format!("ingest with {many} partners / 1 partner, {what}"),
            ">= 0.70",
            value,
            value >= 0.7,
        );
    }
    Ok(())
}

async fn ingest_on(
    args: &Args,
    server: &Server,
    report: &mut Report,
    hub: &IngestHub,
    prefix: u32,
) -> anyhow::Result<f64> {
    let writer = client_for(server, "P00").await?;
    let collection = writer.collection_by_alias("shared").await?;
    let generator = Generator::with_labels(prefix, hub.mix);
    post_preamble(&writer, &generator, &collection).await?;
    let total = args.ingest_objects.max(1);
    let cpu0 = server.cpu_seconds();
    let start = Instant::now();
    let latencies = post_range(
        &writer,
        generator,
        &collection,
        0..total,
        args.ingest_clients,
        args.envelope,
    )
    .await?;
    let wall = start.elapsed().as_secs_f64();
    let cpu = server.cpu_seconds() - cpu0;
    let rate = total as f64 / wall;
    report.record(
        &hub.key,
        format!(
            "{:<36} {:>9} objects/s  ({} objects in {:.1} s, {} clients, {} per envelope, {}; per envelope p50 {:.1} ms, p99 {:.1} ms; server CPU {:.1} s, database CPU {:.1} s)",
            format!(
                "ingest, {} partner{}, {}",
                hub.partners,
                if hub.partners == 1 { "" } else { "s" },
                match hub.mix {
                    LabelMix::Realistic => "realistic",
                    _ => "GREEN",
                }
            ),
            thousands(rate),
            thousands(total as f64),
            wall,
            args.ingest_clients,
            args.envelope,
            hub.mix.name(),
            latencies.p50_ms(),
            latencies.p99_ms(),
            cpu.server,
            cpu.database
        ),
        json!({
            "partners": hub.partners,
            "labels": hub.mix.name(),
            "tlp_green_to": hub.green_communities,
            "objects": total,
            "clients": args.ingest_clients,
            "envelope": args.envelope,
            "seconds": round(wall),
            "objects_per_s": round(rate),
            "p50_ms": round(latencies.p50_ms()),
            "p99_ms": round(latencies.p99_ms()),
            "cpu": cpu_json(cpu, wall),
        }),
    );
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ingest_mission_has_the_partners_asked_for() {
        let text = ingest_mission(50, "NATO");
        assert_eq!(text.matches("  - {id: P").count(), 50);
        assert_eq!(text.matches("communities: [NATO], clearance").count(), 25);
        assert!(text.contains("{id: P00, nation: GBR"));
        assert!(text.contains("clients: [P01, P02, P03]"));
        let one = ingest_mission(1, "NATO, EU");
        assert!(!one.contains("clients"));
        assert!(one.contains("communities: [NATO, EU]"));
    }

    #[test]
    fn mission_file_sits_beside_its_policy() {
        let file = MissionFile::write(&paging_mission()).unwrap();
        let dir = file.path().parent().unwrap().to_owned();
        assert!(dir.join("nato.yaml").is_file());
        drop(file);
        assert!(!std::path::Path::new(&dir).exists());
    }
}
