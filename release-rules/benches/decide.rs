//! Release decisions per second, cached and uncached, on the example mission (the worked
//! examples of the design note: 6 partners, 5 rules, the NATO example policy).
//!
//! `cargo bench -p release-rules --bench decide`
//!
//! - `cached`: the hot path of a TAXII page: (release key, audience class) found in the
//!   engine's cache, then the window/time check.
//! - `uncached`: baseline and rules evaluated for the pair from scratch (what the first
//!   request for a new label and audience costs).
//! - `label_for`: an object's markings to an interned label (per object version, at ingest).

// A benchmark aborts on bad setup; there is no caller to hand an error to.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use release_rules::markings::ACCORD_LABEL_EXTENSION_ID;
use release_rules::{AudienceClass, Ceiling, Engine, Mission, Receipt, Release};
use serde_json::{Map, Value, json};
use stix_model::markings::Tlp;
use stix_model::timestamp::Instant;

const NATO: &str = "urn:oid:1.3.26.1.3.1";
const REL_TO: &str = "urn:oid:1.3.26.1.4.2";
const PARTNERS: [&str; 6] = [
    "GBR-NCSC",
    "USA-CISA",
    "DEU-BSI",
    "FRA-ANSSI",
    "NOR-NSM",
    "CERT-X",
];

fn engine() -> Engine {
    let mission = Mission::parse(include_str!("../tests/data/mission.yaml"), &mut |_| {
        Ok(release_rules::policy::NATO_EXAMPLE_YAML.to_owned())
    })
    .expect("mission");
    Engine::from_mission(&mission).expect("engine")
}

/// 40 Accord label markings over classifications and release-to sets.
fn catalogue() -> (BTreeMap<String, Map<String, Value>>, Vec<String>) {
    let classes = ["UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET"];
    let rel = [
        vec!["FVEY"],
        vec!["NATO"],
        vec!["NATO", "EU"],
        vec!["GBR", "USA", "DEU"],
        vec!["EU"],
        vec!["FRA", "DEU"],
        vec!["NATO", "FVEY"],
        vec!["USA"],
        vec!["GBR", "FRA"],
        vec!["NOR", "EST"],
    ];
    let mut cat = BTreeMap::new();
    let mut ids = Vec::new();
    for (i, c) in classes.iter().enumerate() {
        for (j, r) in rel.iter().enumerate() {
            let id = format!("marking-definition--{:08x}-0000-4000-8000-{:012x}", i, j);
            let def = json!({"type": "marking-definition", "spec_version": "2.1", "id": id,
                "created": "2026-01-01T00:00:00.000Z",
                "extensions": {ACCORD_LABEL_EXTENSION_ID: {"extension_type": "property-extension", "label_version": 1,
                    "policy": {"id": NATO}, "classification": {"name": c},
                    "categories": [{"tag_set": REL_TO, "values": r}]}}});
            cat.insert(id.clone(), def.as_object().cloned().expect("object"));
            ids.push(id);
        }
    }
    (cat, ids)
}

fn object(i: usize, markings: &[&str]) -> Map<String, Value> {
    json!({"type": if i % 3 == 0 { "indicator" } else { "malware" }, "spec_version": "2.1",
           "id": format!("indicator--{:08x}-1111-4111-8111-111111111111", i),
           "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
           "object_marking_refs": markings})
    .as_object()
    .cloned()
    .expect("object")
}

fn instant(seconds: i64) -> Instant {
    Instant { seconds, nanos: 0 }
}

type Catalogue = BTreeMap<String, Map<String, Value>>;
type Fixture = (
    Engine,
    Vec<(Release, AudienceClass)>,
    Catalogue,
    Vec<Map<String, Value>>,
);

fn setup() -> Fixture {
    let engine = engine();
    let (cat, ids) = catalogue();
    let tlps = [
        None,
        Some(Tlp::V2Green),
        Some(Tlp::V2Amber),
        Some(Tlp::V2AmberStrict),
    ];
    let mut objects = Vec::new();
    for i in 0..1_000 {
        let mut refs: Vec<&str> = vec![ids[i % ids.len()].as_str()];
        if let Some(t) = tlps[i % tlps.len()] {
            refs.push(t.id());
        }
        objects.push(object(i, &refs));
    }
    let audiences: Vec<AudienceClass> = PARTNERS
        .iter()
        .map(|p| engine.audience_of(&engine.subject(p, &Ceiling::None).expect("subject")))
        .collect();
    let mut pairs = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        let receipt = Receipt {
            submitter: PARTNERS[i % PARTNERS.len()].to_owned(),
            received_at: instant(1_780_272_000 + i as i64),
        };
        let labelled = engine.label_for(o, &cat, &receipt).expect("label");
        pairs.push((labelled.object, audiences[i % audiences.len()]));
    }
    (engine, pairs, cat, objects)
}

fn bench(c: &mut Criterion) {
    let (engine, pairs, cat, objects) = setup();
    let now = instant(1_780_272_000 + 50_000);
    let mut group = c.benchmark_group("decide");
    group.sample_size(30);
    group.throughput(Throughput::Elements(pairs.len() as u64));
    group.bench_function("cached", |b| {
        b.iter(|| {
            let mut released = 0usize;
            for (release, audience) in &pairs {
                released += usize::from(engine.decide(release, *audience, now).effect.is_release());
            }
            black_box(released)
        })
    });
    group.bench_function("uncached", |b| {
        b.iter(|| {
            let mut released = 0usize;
            for (release, audience) in &pairs {
                released += usize::from(
                    engine
                        .decide_uncached(release, *audience, now)
                        .effect
                        .is_release(),
                );
            }
            black_box(released)
        })
    });
    group.throughput(Throughput::Elements(objects.len() as u64));
    group.bench_function("label_for", |b| {
        b.iter(|| {
            for (i, o) in objects.iter().enumerate() {
                let receipt = Receipt {
                    submitter: PARTNERS[i % PARTNERS.len()].to_owned(),
                    received_at: instant(1_780_272_000),
                };
                black_box(engine.label_for(o, &cat, &receipt).expect("label"));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
