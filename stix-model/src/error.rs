//! The one error type of `stix-model`. It describes what is wrong with STIX content in domain
//! terms and carries no transport status; the hub maps it to TAXII responses in one place.

use crate::id::IdentifierFault;
use crate::pattern::PatternError;
use crate::problem::Problem;
use crate::timestamp::TimestampFault;

#[derive(Debug, thiserror::Error)]
pub enum StixError {
    #[error("not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("a STIX object must be a JSON object")]
    NotAnObject,
    #[error("invalid identifier {value:?}: {fault}")]
    Identifier {
        value: String,
        fault: IdentifierFault,
    },
    #[error("invalid timestamp {value:?}: {fault}")]
    Timestamp {
        value: String,
        fault: TimestampFault,
    },
    #[error("invalid pattern: {0}")]
    Pattern(#[from] PatternError),
    #[error("{} problem(s), the first: {}", .0.len(), .0.first().map(ToString::to_string).unwrap_or_default())]
    Invalid(Vec<Problem>),
    #[error("invalid bundle: {0}")]
    Bundle(String),
    #[error("invalid content hash {0:?}: must be 64 lower-case hex digits")]
    ContentHash(String),
}
