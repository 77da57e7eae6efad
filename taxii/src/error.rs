//! The one error type of `taxii`: what went wrong with a TAXII request, in protocol terms. It
//! carries no HTTP status; the hub's `ApiError` is the only code that chooses one, and renders
//! every error as a TAXII error message resource.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum TaxiiError {
    /// No credentials, or credentials that do not authenticate.
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated, but this partner may not do this to a resource it can see.
    #[error("{0}")]
    Forbidden(String),
    /// The resource does not exist or this partner may not know that it does.
    #[error("not found")]
    NotFound,
    /// No media type in `Accept` that this endpoint can produce.
    #[error("none of the accepted media types can be produced: {0}")]
    NotAcceptable(String),
    /// A request body of a media type this endpoint does not take.
    #[error("unsupported content type: {0}")]
    UnsupportedMediaType(String),
    /// A request body over the API root's `max_content_length`.
    #[error("request body exceeds the maximum content length of {limit} bytes")]
    PayloadTooLarge { limit: u64 },
    /// A malformed request: bad filter, bad cursor, malformed envelope. `title` is short;
    /// `description` names the parameter or property at fault.
    #[error("{title}: {description}")]
    BadRequest { title: String, description: String },
    /// The storage failed; the cause is logged, never sent to the client.
    #[error("storage failure")]
    Store(#[from] StoreError),
}

impl TaxiiError {
    pub fn bad_request(title: impl Into<String>, description: impl Into<String>) -> TaxiiError {
        TaxiiError::BadRequest {
            title: title.into(),
            description: description.into(),
        }
    }
}
