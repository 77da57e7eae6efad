//! The audit chain (release-rules note §7.6, issue 5): every event the coalition must be able
//! to reconstruct is a record, hash-chained to the one before it and entered as a leaf in an
//! RFC 9162 Merkle tree whose heads the hub signs as C2SP checkpoints.
//!
//! Pure: no I/O. [`record`] is the record and its canonical bytes, [`merkle`] the tree and
//! its proofs, [`checkpoint`] the signed tree heads, [`verify`] the walk that names the first
//! record that does not match, [`proof`] what a partner checks one record with. The store
//! appends records and keeps the tree's frontier (`store::audit`); `accord audit` drives both.

pub mod checkpoint;
pub mod merkle;
pub mod proof;
pub mod record;
pub mod verify;

pub use checkpoint::{Checkpoint, SigningKey, VerifierKey};
pub use record::{AuditEntry, AuditKind, AuditRecord, Sha256};
pub use verify::{Head, Problem, Verified, Verifier};

/// A failure of the audit code: bad input, bad keys, bad checkpoints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuditError {
    /// Bytes that are not a record of this schema in canonical form.
    #[error("{0}")]
    Malformed(String),
    /// An entry that lacks what its kind must say.
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Key(String),
    #[error("{0}")]
    Checkpoint(String),
}
