//! Measurement (ignored by default; run with `--release -- --ignored --nocapture`): a partner
//! that may see 1 % of a large collection pages through it at least half as fast as a partner
//! that sees everything — its view is an index of its own, not a filter over the collection.
//! `ACCORD_FANOUT_OBJECTS` sets the collection size (default 100,000).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use std::time::Instant;

use fanout_support::{Hub, Kind, TLP_AMBER_STRICT, TLP_CLEAR, hub, indicator, new_id};

/// Pages through everything a partner sees; (objects, seconds).
async fn page_through(h: &Hub, partner: &str) -> (usize, f64) {
    let started = Instant::now();
    let mut count = 0;
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("limit", "1000")];
        if let Some(n) = &next {
            query.push(("next", n.as_str()));
        }
        let page = h.objects(partner, &query).await;
        assert_eq!(page.status, 200);
        count += page.body["objects"].as_array().map_or(0, Vec::len);
        match page.body["next"].as_str() {
            Some(n) => next = Some(n.to_owned()),
            None => break,
        }
    }
    (count, started.elapsed().as_secs_f64())
}

async fn one_percent_pages_at_least_half_as_fast(kind: Kind) {
    let total: usize = std::env::var("ACCORD_FANOUT_OBJECTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let h = hub(kind).await;
    let loading = Instant::now();
    for chunk in 0..total / 1000 {
        let objects: Vec<_> = (0..1000)
            .map(|n| {
                let marking = if (chunk * 1000 + n) % 100 == 0 {
                    TLP_CLEAR
                } else {
                    TLP_AMBER_STRICT
                };
                indicator(&new_id("indicator"), "2025-01-01T00:00:00.000Z", &[marking])
            })
            .collect();
        h.post("GBR", &objects).await;
    }
    let load = loading.elapsed().as_secs_f64();
    let (all, all_secs) = page_through(&h, "GBR").await;
    let (few, few_secs) = page_through(&h, "FRA").await;
    assert_eq!(all, total);
    assert_eq!(few, total / 100);
    // Throughput in the collection's terms: how fast each partner gets through it.
    let all_rate = total as f64 / all_secs;
    let few_rate = total as f64 / few_secs;
    println!(
        "{kind:?}: {total} objects loaded in {load:.1} s ({:.0}/s); GBR pages {all} in {all_secs:.2} s ({:.0} objects/s); \
         FRA pages {few} in {few_secs:.3} s ({:.0} collection objects/s, {:.0} served/s)",
        total as f64 / load,
        all as f64 / all_secs,
        few_rate,
        few as f64 / few_secs,
    );
    assert!(
        few_rate >= all_rate / 2.0,
        "1 % reader: {few_rate:.0}/s, full reader: {all_rate:.0}/s"
    );
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn paging_sqlite() {
    one_percent_pages_at_least_half_as_fast(Kind::Sqlite).await;
}

#[tokio::test]
#[ignore = "a measurement, not a rule; run with --release"]
async fn paging_postgres() {
    one_percent_pages_at_least_half_as_fast(Kind::Postgres).await;
}
