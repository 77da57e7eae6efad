//! Measurement (ignored by default; run with `--release -- --ignored --nocapture`): ingest
//! throughput with 50 partners against one. Objects every partner sees are shared (one row,
//! as with one partner); objects released as stored to some partners are one row in the stream
//! of that audience set (also one row), which this also measures. `ACCORD_FANOUT_OBJECTS` sets the object count
//! (default 50,000).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use std::time::Instant;

use fanout_support::{Kind, TLP_AMBER_STRICT, TLP_GREEN, indicator, new_id};

/// A mission with `n` partners; the first half in the TLP:GREEN community.
fn mission(n: usize) -> String {
    let mut text = String::from(
        "mission: {id: scale}\npolicies: [nato.yaml]\n\
         default_label: {policy: NATO, classification: UNCLASSIFIED}\npartners:\n",
    );
    for i in 0..n {
        let community = if i < n.div_ceil(2) { "NATO" } else { "OTHER" };
        text.push_str(&format!(
            "  - {{id: P{i:02}, nation: N{i:02}, communities: [{community}], clearance: {{NATO: SECRET}}}}\n"
        ));
    }
    text.push_str(
        "api_roots:\n  - name: mission\n    title: M\n    collections:\n      - {alias: shared, title: S}\n\
         rules:\n  id: scale/release\n  version: 1\n  groups: {MISSION: {communities: [NATO]}}\n\
         \x20 semantics: {tlp_organisation: partner, tlp_community: MISSION}\n\
         \x20 rules: [{id: base-release, effect: release}]\n",
    );
    text
}

async fn ingest_rate(kind: Kind, partners: usize, marking: Option<&str>, total: usize) -> f64 {
    let h = fanout_support::hub_with(kind, &mission(partners)).await;
    let started = Instant::now();
    for _ in 0..total / 500 {
        let objects: Vec<_> = (0..500)
            .map(|_| {
                indicator(
                    &new_id("indicator"),
                    "2025-01-01T00:00:00.000Z",
                    marking.as_slice(),
                )
            })
            .collect();
        let status = h.post("P00", &objects).await;
        assert_eq!(status["success_count"], 500, "{status}");
    }
    total as f64 / started.elapsed().as_secs_f64()
}

async fn fifty_partners_against_one(kind: Kind) {
    let total: usize = std::env::var("ACCORD_FANOUT_OBJECTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(50_000);
    let one = ingest_rate(kind, 1, None, total).await;
    let fifty = ingest_rate(kind, 50, None, total).await;
    let strict = ingest_rate(kind, 50, Some(TLP_AMBER_STRICT), total).await;
    let green = ingest_rate(kind, 50, Some(TLP_GREEN), total).await;
    println!(
        "{kind:?}: {total} objects; 1 partner {one:.0}/s; 50 partners, every one sees all \
         {fifty:.0}/s ({:.0} %); 50 partners, AMBER+STRICT (1 sees) {strict:.0}/s ({:.0} %); \
         50 partners, GREEN to 25 {green:.0}/s ({:.0} %)",
        100.0 * fifty / one,
        100.0 * strict / one,
        100.0 * green / one,
    );
    assert!(fifty >= 0.7 * one, "{fifty:.0}/s against {one:.0}/s");
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn ingest_sqlite() {
    fifty_partners_against_one(Kind::Sqlite).await;
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn ingest_postgres() {
    fifty_partners_against_one(Kind::Postgres).await;
}
