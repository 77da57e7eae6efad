//! Parse + validate + content hash throughput, per object, on one core.
//!
//! `cargo bench -p stix-model --bench throughput`; figures go to BENCHMARKS.md next to the
//! OASIS validator's, measured in the same run by `scripts/bench_vs_oasis.sh`.

// A benchmark aborts on bad setup; there is no caller to hand an error to.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use stix_model::Validator;
use stix_model::canonical::content_hash;

mod typical;
use typical::indicator;

fn process(validator: &Validator, bytes: &[u8]) -> usize {
    let value: Value = serde_json::from_slice(bytes).expect("bench input is JSON");
    let problems = validator.validate(&value);
    let hash = content_hash(&value);
    problems.len() + usize::from(hash.as_bytes()[0])
}

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/objects/valid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn bench(c: &mut Criterion) {
    let validator = Validator::default();
    let indicators: Vec<Vec<u8>> = (0..1000).map(|i| indicator(i).into_bytes()).collect();
    for i in &indicators {
        let v: Value = serde_json::from_slice(i).expect("json");
        let errors: Vec<_> = validator
            .validate(&v)
            .into_iter()
            .filter(|p| p.is_error())
            .collect();
        assert!(
            errors.is_empty(),
            "bench indicator must be valid: {errors:?}"
        );
    }

    let mut group = c.benchmark_group("parse_validate_hash");
    group.throughput(Throughput::Elements(indicators.len() as u64));
    group.bench_function("typical_indicator_x1000", |b| {
        b.iter(|| {
            indicators
                .iter()
                .map(|i| process(&validator, black_box(i)))
                .sum::<usize>()
        })
    });
    let corpus = corpus();
    if !corpus.is_empty() {
        group.throughput(Throughput::Elements(corpus.len() as u64));
        group.bench_function("valid_corpus", |b| {
            b.iter(|| {
                corpus
                    .iter()
                    .map(|o| process(&validator, black_box(o)))
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
