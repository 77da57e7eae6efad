//! What a partner takes away to check one record offline: the record, its RFC 9162
//! inclusion proof, and the hub's signed checkpoint of the tree the proof leads to. Checked
//! with the hub's verifier key only — no database, no trust in whoever handed it over.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};

use super::AuditError;
use super::checkpoint::{self, VerifierKey};
use super::merkle::{Hash, verify_inclusion};
use super::record::{AuditRecord, record_hash};

/// One record with the proof that the signed tree holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordProof {
    /// The record's canonical JSON, as stored.
    pub record: String,
    pub tree_size: u64,
    /// The audit path, bottom sibling first, base64.
    pub inclusion: Vec<String>,
    /// The hub's signed checkpoint of `tree_size`.
    pub checkpoint: String,
}

impl RecordProof {
    pub fn new(record: String, tree_size: u64, path: &[Hash], checkpoint: String) -> RecordProof {
        RecordProof {
            record,
            tree_size,
            inclusion: path.iter().map(|hash| BASE64.encode(hash)).collect(),
            checkpoint,
        }
    }

    /// The record, when the checkpoint is signed by one of `keys` for `tree_size` and the
    /// path leads from the record to its root.
    pub fn verify(&self, keys: &[VerifierKey]) -> Result<AuditRecord, AuditError> {
        let checkpoint = checkpoint::open(&self.checkpoint, keys)?;
        if checkpoint.size != self.tree_size {
            return Err(AuditError::Checkpoint(format!(
                "the checkpoint is for size {}, the proof for size {}",
                checkpoint.size, self.tree_size
            )));
        }
        let record = AuditRecord::parse_canonical(self.record.as_bytes())?;
        let path = self
            .inclusion
            .iter()
            .map(|text| {
                BASE64
                    .decode(text)
                    .ok()
                    .and_then(|bytes| Hash::try_from(bytes.as_slice()).ok())
                    .ok_or_else(|| {
                        AuditError::Malformed("a proof hash is not 32 bytes of base64".to_owned())
                    })
            })
            .collect::<Result<Vec<Hash>, AuditError>>()?;
        let leaf = record_hash(self.record.as_bytes());
        if !verify_inclusion(record.seq, self.tree_size, &leaf.0, &path, &checkpoint.root) {
            return Err(AuditError::Malformed(format!(
                "record {} is not in the tree of {} records the checkpoint signs",
                record.seq, self.tree_size
            )));
        }
        Ok(record)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::audit::checkpoint::{Checkpoint, SigningKey};
    use crate::audit::merkle::{Frontier, inclusion_proof};
    use crate::audit::record::{Actor, AuditEntry, AuditKind, Sha256};

    fn bodies(n: u64) -> Vec<String> {
        let mut prev = Sha256::ZERO;
        (0..n)
            .map(|seq| {
                let entry = AuditEntry {
                    actor: Some(Actor {
                        partner: format!("p{seq}"),
                        ..Actor::default()
                    }),
                    target: Some(crate::audit::record::Target {
                        partner: Some("x".to_owned()),
                        ..Default::default()
                    }),
                    ..AuditEntry::new(AuditKind::Membership)
                };
                let bytes = entry
                    .seal(seq, prev, "t".to_owned())
                    .canonical_bytes()
                    .unwrap();
                prev = record_hash(&bytes);
                String::from_utf8(bytes).unwrap()
            })
            .collect()
    }

    #[test]
    fn a_record_proves_its_place_under_the_signed_checkpoint() {
        let key = SigningKey::generate("accord.audit/p").unwrap();
        let keys = [key.verifier().clone()];
        let bodies = bodies(13);
        let leaves: Vec<Hash> = bodies.iter().map(|b| record_hash(b.as_bytes()).0).collect();
        let mut frontier = Frontier::new();
        leaves.iter().for_each(|l| frontier.push(*l));
        let note = key.sign(&Checkpoint {
            origin: "accord.audit/p".to_owned(),
            size: 13,
            root: frontier.root(),
        });
        for seq in [0usize, 6, 12] {
            let path = inclusion_proof(seq as u64, &leaves).unwrap();
            let proof = RecordProof::new(bodies[seq].clone(), 13, &path, note.clone());
            assert_eq!(proof.verify(&keys).unwrap().seq, seq as u64);

            let mut other = proof.clone();
            other.record = bodies[(seq + 1) % 13].clone();
            assert!(other.verify(&keys).is_err(), "another record");
            let mut changed = proof.clone();
            changed.record = changed.record.replace("\"p", "\"q");
            assert!(changed.verify(&keys).is_err(), "a changed record");
            let mut resized = proof.clone();
            resized.tree_size = 14;
            assert!(resized.verify(&keys).is_err(), "another size");
            let stranger = SigningKey::generate("accord.audit/p").unwrap();
            assert!(proof.verify(&[stranger.verifier().clone()]).is_err());
        }
    }
}
