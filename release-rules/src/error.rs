//! The one error type of the crate. Variants describe domain failures and name what failed
//! (the file, rule id, marking id, policy, value); they carry no transport status. The hub
//! maps label errors at ingest to a refusal naming the object, and the same errors for an
//! object already stored to "withhold".

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// A YAML or JSON document did not parse into the expected shape.
    #[error("{what}: {message}")]
    Parse { what: String, message: String },

    #[error("duration {value:?}: {reason}")]
    Duration { value: String, reason: &'static str },

    #[error("instant {value:?}: expected a STIX timestamp such as 2026-01-01T00:00:00Z")]
    Instant { value: String },

    /// A policy file is inconsistent (duplicate name, unknown excluded class, ...).
    #[error("policy {policy}: {message}")]
    Policy { policy: String, message: String },

    /// A rule set or rule is not well formed; `rule` is the rule id, or the section.
    #[error("rule {rule}: {message}")]
    Rule { rule: String, message: String },

    /// A mission file is inconsistent (unknown policy, duplicate partner, ...).
    #[error("mission: {message}")]
    Mission { message: String },

    /// An object references a marking definition that the catalogue does not hold.
    #[error("unknown marking definition {id}")]
    UnknownMarking { id: String },

    /// A marking definition is of a kind Accord cannot interpret (fail closed).
    #[error("marking definition {id}: {message}")]
    UnsupportedMarking { id: String, message: String },

    /// A label names a policy that is not loaded.
    #[error("unknown policy {policy}")]
    UnknownPolicy { policy: String },

    /// A label names a classification or category value its policy does not define, or
    /// combines a value with a classification it is excluded from.
    #[error("policy {policy}: {message}")]
    InvalidLabel { policy: String, message: String },

    /// An Accord label marking does not satisfy the published schema.
    #[error("Accord label marking {id}: {message}")]
    LabelSchema { id: String, message: String },

    /// A subject names a policy or value that is not loaded.
    #[error("subject {partner}: {message}")]
    Subject { partner: String, message: String },

    /// A settlement proposal is malformed or does not build on the version and membership
    /// epoch in force.
    #[error("proposal: {message}")]
    Proposal { message: String },

    /// An attestation is refused: bad signature, key not registered to the partner or not
    /// valid when the attestation was made, wrong proposal, outside the voting window.
    #[error("attestation by {partner}: {message}")]
    Attestation { partner: String, message: String },

    /// A key could not be generated, read or used.
    #[error("key: {message}")]
    Key { message: String },

    /// A membership change does not apply to the membership it is applied to.
    #[error("membership: {message}")]
    Membership { message: String },
}

impl Error {
    pub(crate) fn parse(what: impl Into<String>, message: impl ToString) -> Error {
        Error::Parse {
            what: what.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn rule(rule: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Rule {
            rule: rule.into(),
            message: message.into(),
        }
    }

    /// Whether this error is about an object's label (refuse at ingest, withhold if stored),
    /// as opposed to a configuration file.
    pub fn is_label_error(&self) -> bool {
        matches!(
            self,
            Error::UnknownMarking { .. }
                | Error::UnsupportedMarking { .. }
                | Error::UnknownPolicy { .. }
                | Error::InvalidLabel { .. }
                | Error::LabelSchema { .. }
                | Error::Duration { .. }
                | Error::Instant { .. }
        )
    }
}
