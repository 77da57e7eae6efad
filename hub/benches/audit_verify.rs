//! How fast `accord audit verify` walks a log: parse and canonical check of each record, hash
//! chain, Merkle tree, and a signed checkpoint every 1,000 records. Issue 5 asks for at least
//! 100,000 records/s.
//!
//! `cargo bench -p hub --bench audit_verify`

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hub::audit::checkpoint::Checkpoint;
use hub::audit::merkle::Frontier;
use hub::audit::record::{
    Actor, AuditEntry, AuditKind, Decision, Released, RulesetRef, Sha256, Target, record_hash,
};
use hub::audit::{SigningKey, Verifier};

const RECORDS: u64 = 100_000;
const CHECKPOINT_EVERY: u64 = 1_000;
const ORIGIN: &str = "accord.audit/bench";

/// Submissions and releases alternating, the shape of a busy hub's log (~450 bytes each).
fn entry(i: u64) -> AuditEntry {
    let actor = Some(Actor {
        partner: format!("CERT-{}", i % 25),
        credential: Some(format!("cred-{:016x}", i % 97)),
        role: Some("supporting".to_owned()),
        auth: Some("mtls".to_owned()),
    });
    let ruleset = Some(RulesetRef {
        id: "mission-x/release".to_owned(),
        version: 7,
        digest: Some(Sha256([7; 32])),
    });
    if i % 2 == 0 {
        AuditEntry {
            actor,
            ruleset,
            target: Some(Target {
                event_id: Some(format!("evt--{i:012}")),
                object: Some(format!("indicator--00000000-0000-4000-8000-{i:012}")),
                version: Some("2026-11-22T04:00:00.000Z".to_owned()),
                content_hash: Some(Sha256([(i % 251) as u8; 32])),
                collection: Some("9b1a3c2e-5f7d-4e8a-9c0b-1d2e3f4a5b6c".to_owned()),
                api_root: Some("default".to_owned()),
                ..Target::default()
            }),
            label_id: Some(Sha256([3; 32])),
            ..AuditEntry::new(AuditKind::Submission)
        }
    } else {
        AuditEntry {
            actor,
            ruleset,
            decision: Some(Decision {
                effect: "release".to_owned(),
                rule_ids: vec!["base-release".to_owned()],
                label_ids: vec![],
            }),
            released: Some(Released {
                count: 500,
                merkle_root: Sha256([(i % 13) as u8; 32]),
            }),
            withheld: BTreeMap::from([("ex3-no-observers".to_owned(), i % 17)]),
            ..AuditEntry::new(AuditKind::Release)
        }
    }
}

fn bench_verify(c: &mut Criterion) {
    let key = SigningKey::generate(ORIGIN).unwrap();
    let mut frontier = Frontier::new();
    let mut prev = Sha256::ZERO;
    let mut records = Vec::with_capacity(RECORDS as usize);
    let mut checkpoints = Vec::new();
    for seq in 0..RECORDS {
        let bytes = entry(seq)
            .seal(seq, prev, "2026-11-22T04:00:00.123456Z".to_owned())
            .canonical_bytes()
            .unwrap();
        prev = record_hash(&bytes);
        frontier.push(prev.0);
        records.push(bytes);
        if frontier.size() % CHECKPOINT_EVERY == 0 {
            let checkpoint = Checkpoint {
                origin: ORIGIN.to_owned(),
                size: frontier.size(),
                root: frontier.root(),
            };
            checkpoints.push((checkpoint.size, key.sign(&checkpoint)));
        }
    }
    let bytes: usize = records.iter().map(Vec::len).sum();
    eprintln!(
        "{RECORDS} records, {} bytes each on average",
        bytes / RECORDS as usize
    );
    let keys = [key.verifier().clone()];

    let mut group = c.benchmark_group("audit");
    group.sample_size(10);
    group.throughput(Throughput::Elements(RECORDS));
    group.bench_function("verify_100k_records", |b| {
        b.iter(|| {
            let mut verifier = Verifier::new(&keys, Some(ORIGIN.to_owned()));
            for (size, note) in &checkpoints {
                verifier.checkpoint(*size, note.clone());
            }
            for record in &records {
                verifier.record(record, None);
            }
            let verified = verifier.finish(None).unwrap();
            assert_eq!(verified.records, RECORDS);
        });
    });
    if std::env::var_os("AUDIT_BENCH_PARTS").is_some() {
        group.bench_function("parse_only", |b| {
            b.iter(|| {
                for record in &records {
                    let r: hub::audit::AuditRecord = serde_json::from_slice(record).unwrap();
                    std::hint::black_box(r);
                }
            });
        });
        group.bench_function("parse_canonical", |b| {
            b.iter(|| {
                for record in &records {
                    std::hint::black_box(hub::audit::AuditRecord::parse_canonical(record).unwrap());
                }
            });
        });
        group.bench_function("hash_only", |b| {
            b.iter(|| {
                let mut frontier = Frontier::new();
                for record in &records {
                    frontier.push(record_hash(record).0);
                }
                std::hint::black_box(frontier.root());
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_verify);
criterion_main!(benches);
