//! Verification of a log: walks its records in order and recomputes the hash chain, the Merkle
//! tree and every checkpoint's signature and root, and names the first record that does not
//! match — which seq, and whether it was changed, is missing or is out of order.
//!
//! How a single change shows:
//! - a record's content changed: the next record's `prev` no longer matches its hash (or, for
//!   the last record, the log head's); its seq is named;
//! - a record's `prev` changed: its own link and the next one break: it is named;
//! - a record deleted: its place holds a later seq and the chain breaks there; nothing later
//!   holds it: *missing*;
//! - two records swapped: a later seq comes first and the expected one turns up further on:
//!   *reordered*;
//! - records rewritten and the chain recomputed after them: the first signed checkpoint past
//!   the change no longer matches: the records between the last matching checkpoint and it
//!   are named.

use std::collections::VecDeque;
use std::fmt;

use serde::Deserialize;

use super::checkpoint::{self, VerifierKey};
use super::merkle::{Frontier, Hash};
use super::record::{AuditRecord, Sha256, record_hash};

/// What is wrong with a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// The record at `seq` is not what the chain, the tree or the log head committed to.
    Changed { seq: u64, why: String },
    /// No record holds `seq`.
    Missing { seq: u64 },
    /// The record `seq` is not in its place: it turned up at position `found_at`.
    Reordered { seq: u64, found_at: u64 },
    /// Records past the log head: the log never appended `seq`.
    Extra { seq: u64 },
    /// Records `from..=to` are chained but no signed checkpoint covers them, where one must (an
    /// export ends with a checkpoint of all it holds).
    Unsigned { from: u64, to: u64 },
    /// Records `from..to` (or a checkpoint itself) do not match the checkpoint signed at `size`.
    Checkpoint { size: u64, from: u64, why: String },
}

impl Problem {
    /// The record named, when one is.
    pub fn seq(&self) -> Option<u64> {
        match self {
            Problem::Changed { seq, .. }
            | Problem::Missing { seq }
            | Problem::Reordered { seq, .. }
            | Problem::Extra { seq }
            | Problem::Unsigned { from: seq, .. } => Some(*seq),
            Problem::Checkpoint { .. } => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Changed { seq, why } => write!(f, "record {seq} was changed: {why}"),
            Problem::Missing { seq } => write!(f, "record {seq} is missing"),
            Problem::Reordered { seq, found_at } => write!(
                f,
                "record {seq} is out of order: it was found at position {found_at}"
            ),
            Problem::Extra { seq } => write!(
                f,
                "record {seq} is past the log head: it was not appended by the log"
            ),
            Problem::Unsigned { from, to } => write!(
                f,
                "records {from}..{to} are not covered by any signed checkpoint"
            ),
            Problem::Checkpoint { size, from, why } => write!(
                f,
                "the checkpoint at tree size {size} does not match records {from}..{}: {why}",
                size.saturating_sub(1)
            ),
        }
    }
}

/// What the log's head row says: its size, the last record's hash and the tree's frontier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub size: u64,
    pub last: Sha256,
    pub root: Hash,
}

/// What a log that verified holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub records: u64,
    pub root: Hash,
    pub checkpoints: u64,
    /// The size of the last signed checkpoint; records past it are chained, not yet signed.
    pub signed_size: u64,
}

#[derive(Debug)]
enum State {
    Walking,
    /// The link into record `seq` is broken but the record is in its place: either the record
    /// before it changed, or its own `prev` did. The next link decides.
    Suspect {
        seq: u64,
    },
    /// The record expected at `seq` did not come: it may be further on.
    Hunting {
        seq: u64,
    },
    Decided(Problem),
}

/// A log walked record by record. Feed it the records in order ([`Verifier::record`]), then
/// call [`Verifier::finish`]; stop feeding once [`Verifier::decided`] says so.
#[derive(Debug)]
pub struct Verifier<'k> {
    keys: &'k [VerifierKey],
    origin: Option<String>,
    checkpoints: VecDeque<(u64, String)>,
    frontier: Frontier,
    prev: Sha256,
    state: State,
    verified_checkpoints: u64,
    signed_size: u64,
    /// A checkpoint whose root differs, held until the next link says whether the last
    /// record read is the one that changed.
    pending_checkpoint: Option<Problem>,
}

#[derive(Deserialize)]
struct SeqOnly {
    seq: u64,
}

impl<'k> Verifier<'k> {
    /// A verifier that trusts `keys` for checkpoints of the log `origin` (any origin when
    /// `None`: an export names its own, and the signature still binds it).
    pub fn new(keys: &'k [VerifierKey], origin: Option<String>) -> Verifier<'k> {
        Verifier {
            keys,
            origin,
            checkpoints: VecDeque::new(),
            frontier: Frontier::new(),
            prev: Sha256::ZERO,
            state: State::Walking,
            verified_checkpoints: 0,
            signed_size: 0,
            pending_checkpoint: None,
        }
    }

    /// Adds a signed checkpoint to check when the walk reaches its size: the log's own, or
    /// one the auditor kept from before (a rewrite of the log cannot remove that one).
    /// Checkpoints must be added before the records they cover.
    pub fn checkpoint(&mut self, size: u64, note: String) {
        let at = self.checkpoints.partition_point(|(s, _)| *s <= size);
        self.checkpoints.insert(at, (size, note));
    }

    /// Whether the outcome is known and no more records are needed.
    pub fn decided(&self) -> bool {
        matches!(self.state, State::Decided(_))
    }

    fn position(&self) -> u64 {
        self.frontier.size()
    }

    fn decide(&mut self, problem: Problem) {
        self.state = State::Decided(problem);
    }

    /// The next record's canonical bytes, with the leaf hash stored next to it when there is
    /// one.
    pub fn record(&mut self, bytes: &[u8], stored_leaf: Option<&Hash>) {
        let position = self.position();
        match self.state {
            State::Decided(_) => return,
            State::Hunting { seq } => {
                if let Ok(found) = serde_json::from_slice::<SeqOnly>(bytes) {
                    if found.seq == seq {
                        self.decide(Problem::Reordered {
                            seq,
                            found_at: position,
                        });
                        return;
                    }
                }
                self.frontier.push(record_hash(bytes).0);
                return;
            }
            State::Walking | State::Suspect { .. } => {}
        }
        let record = match AuditRecord::parse_canonical(bytes) {
            Ok(record) => record,
            Err(error) => {
                self.decide(Problem::Changed {
                    seq: position,
                    why: error.to_string(),
                });
                return;
            }
        };
        let leaf = record_hash(bytes);
        let link_ok = record.prev == self.prev;
        if let Some(problem) = self.pending_checkpoint.take() {
            self.decide(if link_ok {
                problem
            } else {
                Problem::Changed {
                    seq: position - 1,
                    why: format!("its hash is not the prev of record {position}"),
                }
            });
            return;
        }
        if let State::Suspect { seq } = self.state {
            let (culprit, why) = if link_ok {
                (seq - 1, format!("its hash is not the prev of record {seq}"))
            } else {
                (
                    seq,
                    format!(
                        "its prev does not match record {}, nor its hash the prev of record {}",
                        seq - 1,
                        seq + 1
                    ),
                )
            };
            self.decide(Problem::Changed { seq: culprit, why });
            return;
        }
        if record.seq != position {
            if link_ok {
                self.decide(Problem::Changed {
                    seq: position,
                    why: format!("it says it is record {}", record.seq),
                });
            } else {
                self.state = State::Hunting { seq: position };
                self.frontier.push(leaf.0);
            }
            return;
        }
        if let Some(stored) = stored_leaf {
            if *stored != leaf.0 {
                self.decide(Problem::Changed {
                    seq: position,
                    why: "its stored leaf hash is not the hash of its content".to_owned(),
                });
                return;
            }
        }
        if !link_ok {
            if position == 0 {
                self.decide(Problem::Changed {
                    seq: 0,
                    why: "the first record's prev is not zero".to_owned(),
                });
                return;
            }
            self.state = State::Suspect { seq: position };
        }
        self.frontier.push(leaf.0);
        self.prev = leaf;
        self.check_checkpoints();
    }

    /// Checks the checkpoints signed at the current size.
    fn check_checkpoints(&mut self) {
        let size = self.position();
        while let Some((at, _)) = self.checkpoints.front() {
            if *at > size {
                return;
            }
            let Some((at, note)) = self.checkpoints.pop_front() else {
                return;
            };
            let from = self.signed_size;
            let fail = |why: String| Problem::Checkpoint {
                size: at,
                from,
                why,
            };
            if at < size {
                self.decide(fail("it is out of order among the checkpoints".to_owned()));
                return;
            }
            let checkpoint = match checkpoint::open(&note, self.keys) {
                Ok(checkpoint) => checkpoint,
                Err(error) => {
                    self.decide(fail(error.to_string()));
                    return;
                }
            };
            if checkpoint.size != at {
                self.decide(fail(format!("it is signed for size {}", checkpoint.size)));
                return;
            }
            if let Some(origin) = &self.origin {
                if &checkpoint.origin != origin {
                    self.decide(fail(format!(
                        "it is signed for the log {:?}, not {origin:?}",
                        checkpoint.origin
                    )));
                    return;
                }
            }
            if checkpoint.root != self.frontier.root() {
                // A broken link already names a record; the next one says which.
                if matches!(self.state, State::Suspect { .. }) {
                    return;
                }
                self.pending_checkpoint = Some(fail(
                    "the signed root differs: a record in that range was rewritten and the \
                     chain recomputed after it"
                        .to_owned(),
                ));
                return;
            }
            self.verified_checkpoints += 1;
            self.signed_size = at;
        }
    }

    /// The verdict, given the log head when the records came from the database.
    pub fn finish(mut self, head: Option<&Head>) -> Result<Verified, Problem> {
        let position = self.position();
        match std::mem::replace(&mut self.state, State::Walking) {
            State::Decided(problem) => return Err(problem),
            State::Hunting { seq } => return Err(Problem::Missing { seq }),
            State::Suspect { seq } => {
                // The last record: the head says whether it is intact.
                let last_intact = head.is_some_and(|h| h.last == self.prev);
                return Err(if last_intact {
                    Problem::Changed {
                        seq: seq - 1,
                        why: format!("its hash is not the prev of record {seq}"),
                    }
                } else {
                    Problem::Changed {
                        seq,
                        why: format!("its prev does not match the hash of record {}", seq - 1),
                    }
                });
            }
            State::Walking => {}
        }
        if let Some(problem) = self.pending_checkpoint.take() {
            return Err(match head {
                Some(head) if head.last != self.prev => Problem::Changed {
                    seq: position.saturating_sub(1),
                    why: "its hash is not the one the log head holds".to_owned(),
                },
                _ => problem,
            });
        }
        if let Some(head) = head {
            if head.size > position {
                return Err(Problem::Missing { seq: position });
            }
            if head.size < position {
                return Err(Problem::Extra { seq: head.size });
            }
            if head.last != self.prev {
                return Err(Problem::Changed {
                    seq: position.saturating_sub(1),
                    why: "its hash is not the one the log head holds".to_owned(),
                });
            }
            if head.root != self.frontier.root() {
                return Err(Problem::Changed {
                    seq: position.saturating_sub(1),
                    why: "the tree the log head holds has a different root".to_owned(),
                });
            }
        }
        if let Some((size, _)) = self.checkpoints.front() {
            return Err(if *size > position {
                Problem::Missing { seq: position }
            } else {
                Problem::Checkpoint {
                    size: *size,
                    from: self.signed_size,
                    why: "it is out of order among the checkpoints".to_owned(),
                }
            });
        }
        Ok(Verified {
            records: position,
            root: self.frontier.root(),
            checkpoints: self.verified_checkpoints,
            signed_size: self.signed_size,
        })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::audit::checkpoint::{Checkpoint, SigningKey};
    use crate::audit::record::{Actor, AuditEntry, AuditKind, Target};
    use proptest::prelude::*;

    const ORIGIN: &str = "accord.audit/test";

    /// A log of `n` records with a checkpoint every `every` records and at the end.
    struct Log {
        records: Vec<Vec<u8>>,
        checkpoints: Vec<(u64, String)>,
        key: SigningKey,
    }

    fn entry(i: u64) -> AuditEntry {
        AuditEntry {
            actor: Some(Actor {
                partner: format!("partner-{}", i % 3),
                ..Actor::default()
            }),
            target: Some(Target {
                object: Some(format!("indicator--{i:08}")),
                collection: Some("shared".to_owned()),
                ..Target::default()
            }),
            ..AuditEntry::new(AuditKind::Submission)
        }
    }

    fn log(n: u64, every: u64) -> Log {
        let key = SigningKey::generate(ORIGIN).unwrap();
        let mut frontier = Frontier::new();
        let mut prev = Sha256::ZERO;
        let mut records = Vec::new();
        let mut checkpoints = Vec::new();
        for seq in 0..n {
            let bytes = entry(seq)
                .seal(
                    seq,
                    prev,
                    format!("2026-11-22T04:00:{:02}.000000Z", seq % 60),
                )
                .canonical_bytes()
                .unwrap();
            prev = record_hash(&bytes);
            frontier.push(prev.0);
            records.push(bytes);
            if frontier.size() % every == 0 || seq + 1 == n {
                let cp = Checkpoint {
                    origin: ORIGIN.to_owned(),
                    size: frontier.size(),
                    root: frontier.root(),
                };
                checkpoints.push((cp.size, key.sign(&cp)));
            }
        }
        Log {
            records,
            checkpoints,
            key,
        }
    }

    fn verify(log: &Log, records: &[Vec<u8>], head: Option<&Head>) -> Result<Verified, Problem> {
        let keys = [log.key.verifier().clone()];
        let mut verifier = Verifier::new(&keys, Some(ORIGIN.to_owned()));
        for (size, note) in &log.checkpoints {
            verifier.checkpoint(*size, note.clone());
        }
        for bytes in records {
            verifier.record(bytes, None);
            if verifier.decided() {
                break;
            }
        }
        verifier.finish(head)
    }

    fn head_of(records: &[Vec<u8>]) -> Head {
        let mut frontier = Frontier::new();
        for bytes in records {
            frontier.push(record_hash(bytes).0);
        }
        Head {
            size: records.len() as u64,
            last: records.last().map_or(Sha256::ZERO, |b| record_hash(b)),
            root: frontier.root(),
        }
    }

    /// Rewrites record `seq` with a different actor, keeping it canonical.
    fn rewrite(bytes: &[u8]) -> Vec<u8> {
        let mut record = AuditRecord::parse_canonical(bytes).unwrap();
        record.actor = Some(Actor {
            partner: "mallory".to_owned(),
            ..Actor::default()
        });
        record.canonical_bytes().unwrap()
    }

    #[test]
    fn an_untouched_log_verifies() {
        let log = log(50, 16);
        let head = head_of(&log.records);
        let verified = verify(&log, &log.records, Some(&head)).unwrap();
        assert_eq!(verified.records, 50);
        assert_eq!(verified.checkpoints, 4);
        assert_eq!(verified.signed_size, 50);
        assert_eq!(verified.root, head.root);
    }

    #[test]
    fn an_empty_log_verifies() {
        let log = log(0, 16);
        let verified = verify(&log, &[], Some(&head_of(&[]))).unwrap();
        assert_eq!(verified.records, 0);
    }

    #[test]
    fn a_changed_record_is_named() {
        let log = log(40, 16);
        let head = head_of(&log.records);
        for seq in [0usize, 7, 15, 16, 38, 39] {
            let mut records = log.records.clone();
            records[seq] = rewrite(&records[seq]);
            let problem = verify(&log, &records, Some(&head)).unwrap_err();
            assert!(
                matches!(problem, Problem::Changed { seq: s, .. } if s == seq as u64),
                "{seq}: {problem}"
            );
        }
    }

    #[test]
    fn a_changed_prev_names_its_own_record() {
        let log = log(20, 8);
        let head = head_of(&log.records);
        for seq in [1usize, 9, 19] {
            let mut records = log.records.clone();
            let mut record = AuditRecord::parse_canonical(&records[seq]).unwrap();
            record.prev = Sha256([9; 32]);
            records[seq] = record.canonical_bytes().unwrap();
            let problem = verify(&log, &records, Some(&head)).unwrap_err();
            assert_eq!(problem.seq(), Some(seq as u64), "{problem}");
        }
    }

    #[test]
    fn a_deleted_record_is_missing() {
        let log = log(30, 10);
        let head = head_of(&log.records);
        for seq in [0usize, 5, 10, 29] {
            let mut records = log.records.clone();
            records.remove(seq);
            let problem = verify(&log, &records, Some(&head)).unwrap_err();
            assert_eq!(problem, Problem::Missing { seq: seq as u64 });
        }
    }

    #[test]
    fn swapped_records_are_reordered() {
        let log = log(30, 10);
        let head = head_of(&log.records);
        for seq in [0usize, 9, 28] {
            let mut records = log.records.clone();
            records.swap(seq, seq + 1);
            let problem = verify(&log, &records, Some(&head)).unwrap_err();
            assert_eq!(
                problem,
                Problem::Reordered {
                    seq: seq as u64,
                    found_at: seq as u64 + 1
                }
            );
        }
    }

    #[test]
    fn a_rechained_rewrite_fails_the_next_checkpoint() {
        let log = log(40, 10);
        // Rewrite record 23 and recompute every later prev, as an attacker with the database
        // but not the hub's key could.
        let mut records = log.records.clone();
        records[23] = rewrite(&records[23]);
        for seq in 24..40 {
            let mut record = AuditRecord::parse_canonical(&records[seq]).unwrap();
            record.prev = record_hash(&records[seq - 1]);
            records[seq] = record.canonical_bytes().unwrap();
        }
        let head = head_of(&records);
        let problem = verify(&log, &records, Some(&head)).unwrap_err();
        assert!(
            matches!(
                problem,
                Problem::Checkpoint {
                    size: 30,
                    from: 20,
                    ..
                }
            ),
            "{problem}"
        );
    }

    #[test]
    fn a_forged_or_foreign_checkpoint_fails() {
        let mut log = log(20, 10);
        let head = head_of(&log.records);
        let stranger = SigningKey::generate(ORIGIN).unwrap();
        let forged = log.checkpoints[1].1.clone();
        let text = &forged[..forged.rfind("\n\n").unwrap() + 1];
        let forged_root = Checkpoint::parse_text(text).unwrap();
        log.checkpoints[1].1 = stranger.sign(&forged_root);
        let problem = verify(&log, &log.records, Some(&head)).unwrap_err();
        assert!(
            matches!(problem, Problem::Checkpoint { size: 20, .. }),
            "{problem}"
        );

        let mut other = self::log(20, 10);
        let cp = Checkpoint {
            origin: "accord.audit/other".to_owned(),
            size: 10,
            root: {
                let mut f = Frontier::new();
                other.records[..10]
                    .iter()
                    .for_each(|b| f.push(record_hash(b).0));
                f.root()
            },
        };
        other.checkpoints[0].1 = other.key.sign(&cp);
        let problem = verify(&other, &other.records, None).unwrap_err();
        assert!(
            problem.to_string().contains("accord.audit/other"),
            "{problem}"
        );
    }

    #[test]
    fn a_truncated_log_is_missing_its_tail() {
        let log = log(20, 10);
        let head = head_of(&log.records);
        let problem = verify(&log, &log.records[..18], Some(&head)).unwrap_err();
        assert_eq!(problem, Problem::Missing { seq: 18 });
        // Without a head, the last checkpoint still covers the tail.
        let problem = verify(&log, &log.records[..18], None).unwrap_err();
        assert_eq!(problem, Problem::Missing { seq: 18 });
    }

    #[test]
    fn records_past_the_head_are_extra() {
        let log = log(20, 10);
        let head = head_of(&log.records[..19]);
        let problem = verify(&log, &log.records, Some(&head)).unwrap_err();
        assert!(matches!(
            problem,
            Problem::Extra { seq: 19 } | Problem::Checkpoint { .. }
        ));
    }

    #[test]
    fn a_wrong_stored_leaf_hash_is_named() {
        let log = log(5, 10);
        let keys = [log.key.verifier().clone()];
        let mut verifier = Verifier::new(&keys, None);
        for (i, bytes) in log.records.iter().enumerate() {
            let leaf = if i == 3 {
                [0; 32]
            } else {
                record_hash(bytes).0
            };
            verifier.record(bytes, Some(&leaf));
        }
        let problem = verifier.finish(None).unwrap_err();
        assert!(
            matches!(problem, Problem::Changed { seq: 3, .. }),
            "{problem}"
        );
    }

    #[test]
    fn problems_say_which_record_and_what() {
        assert_eq!(
            Problem::Missing { seq: 4 }.to_string(),
            "record 4 is missing"
        );
        assert!(
            Problem::Reordered {
                seq: 4,
                found_at: 5
            }
            .to_string()
            .contains("record 4 is out of order")
        );
        assert!(
            Problem::Changed {
                seq: 9,
                why: "x".to_owned()
            }
            .to_string()
            .starts_with("record 9 was changed")
        );
    }

    #[derive(Debug, Clone)]
    enum Tamper {
        Byte { seq: usize, offset: usize, xor: u8 },
        Delete { seq: usize },
        Swap { seq: usize },
    }

    fn tamper() -> impl Strategy<Value = Tamper> {
        prop_oneof![
            (0..24usize, any::<usize>(), 1..=255u8).prop_map(|(seq, offset, xor)| Tamper::Byte {
                seq,
                offset,
                xor
            }),
            (0..24usize).prop_map(|seq| Tamper::Delete { seq }),
            (0..23usize).prop_map(|seq| Tamper::Swap { seq }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any single-byte change, deletion or swap is detected — with the log head (the
        /// database) and without it (an export, where the final checkpoint is the anchor) —
        /// and a deletion or swap names the record.
        #[test]
        fn any_single_change_is_detected(tamper in tamper(), with_head: bool) {
            let log = log(24, 8);
            let head = head_of(&log.records);
            let mut records = log.records.clone();
            match tamper.clone() {
                Tamper::Byte { seq, offset, xor } => {
                    let bytes = &mut records[seq];
                    let at = offset % bytes.len();
                    bytes[at] ^= xor;
                }
                Tamper::Delete { seq } => {
                    records.remove(seq);
                }
                Tamper::Swap { seq } => records.swap(seq, seq + 1),
            }
            let head = with_head.then_some(&head);
            let problem = verify(&log, &records, head);
            prop_assert!(problem.is_err(), "{tamper:?} went unnoticed");
            let problem = problem.unwrap_err();
            match tamper {
                Tamper::Byte { seq, .. } => prop_assert!(
                    problem.seq().is_none_or(|s| s.abs_diff(seq as u64) <= 1),
                    "{tamper:?}: {problem}"
                ),
                Tamper::Delete { seq } => {
                    prop_assert_eq!(problem, Problem::Missing { seq: seq as u64 })
                }
                Tamper::Swap { seq } => prop_assert_eq!(
                    problem,
                    Problem::Reordered { seq: seq as u64, found_at: seq as u64 + 1 }
                ),
            }
        }
    }
}
