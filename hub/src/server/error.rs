//! The one mapping from failures to HTTP: [`ApiError`] is the only code in Accord that chooses
//! an error status, and every error response is a TAXII 2.1 error message resource (§3.6.1)
//! with the TAXII media type, whatever went wrong and wherever.
//!
//! Policy: library crates describe failures in their own terms (`taxii::TaxiiError`,
//! `taxii::store::StoreError`) and carry no status codes. Client faults are answered with a
//! description that names what is at fault. Server faults (500, 503) are logged here with their
//! whole `source()` chain and answered with a generic message: internal causes never reach a
//! peer.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use taxii::TaxiiError;
use taxii::resources::{self, ErrorMessage};
use taxii::store::StoreError;

/// The TAXII media type, used for every error body.
pub const TAXII_MEDIA_TYPE: &str = taxii::media_type::TAXII_2_1;

/// The challenge sent with every 401: both schemes Accord takes in `Authorization`.
pub const WWW_AUTHENTICATE: &str = "Basic realm=\"accord\", Bearer";

#[derive(Debug)]
pub enum ApiError {
    /// A failure of the TAXII request itself.
    Taxii(TaxiiError),
    /// A path no route serves.
    NoRoute,
    /// A route that exists, with a method it does not take; `allow` lists those it takes.
    MethodNotAllowed { allow: &'static str },
}

impl From<TaxiiError> for ApiError {
    fn from(e: TaxiiError) -> ApiError {
        ApiError::Taxii(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        ApiError::Taxii(TaxiiError::Store(e))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Taxii(e) => e.fmt(f),
            ApiError::NoRoute => f.write_str("no such resource"),
            ApiError::MethodNotAllowed { .. } => f.write_str("method not allowed"),
        }
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ApiError::Taxii(e) => Some(e),
            ApiError::NoRoute | ApiError::MethodNotAllowed { .. } => None,
        }
    }
}

impl ApiError {
    /// The TAXII error message resource (§3.6.1) of this error, sent with `status`.
    fn message(&self, status: StatusCode) -> ErrorMessage {
        let routing = |title: &str, description: &str| ErrorMessage {
            title: title.to_owned(),
            description: Some(description.to_owned()),
            error_id: None,
            error_code: None,
            http_status: Some(status.as_u16().to_string()),
            external_details: None,
            details: None,
        };
        match self {
            ApiError::Taxii(e) => ErrorMessage::for_error(e, status.as_u16()),
            ApiError::NoRoute => routing("Not found", "no TAXII resource or endpoint at this path"),
            ApiError::MethodNotAllowed { allow } => routing(
                "Method not allowed",
                &format!("this resource takes only {allow}"),
            ),
        }
    }
}

/// Writes `error` and its causes on one line, outermost first.
fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::Taxii(e) => match e {
                TaxiiError::Unauthenticated => StatusCode::UNAUTHORIZED,
                TaxiiError::Forbidden(_) => StatusCode::FORBIDDEN,
                TaxiiError::NotFound => StatusCode::NOT_FOUND,
                TaxiiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
                TaxiiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                TaxiiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                TaxiiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
                TaxiiError::Store(StoreError::Unavailable(_)) => StatusCode::SERVICE_UNAVAILABLE,
                TaxiiError::Store(StoreError::Backend(_)) => StatusCode::INTERNAL_SERVER_ERROR,
            },
            ApiError::NoRoute => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        // Server faults are logged here, once, with every cause; the peer gets no cause.
        if status.is_server_error() {
            tracing::error!(cause = %cause_chain(self), "request failed");
        }
        let body = resources::to_body(&self.message(status));
        let mut response = HttpResponse::build(status);
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static(TAXII_MEDIA_TYPE),
        ));
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(WWW_AUTHENTICATE),
            ));
        }
        if let ApiError::MethodNotAllowed { allow } = self {
            response.insert_header((header::ALLOW, HeaderValue::from_static(allow)));
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        response.body(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::body::MessageBody;

    fn body_of(e: ApiError) -> (StatusCode, serde_json::Value, HttpResponse) {
        let response = e.error_response();
        let status = response.status();
        let bytes = response.into_body().try_into_bytes().ok().unwrap();
        let value = serde_json::from_slice(&bytes).unwrap();
        (status, value, e.error_response())
    }

    #[test]
    fn errors_are_taxii_error_messages_with_the_taxii_media_type() {
        let (status, body, response) = body_of(ApiError::Taxii(TaxiiError::bad_request(
            "Invalid added_after",
            "added_after: not a timestamp",
        )));
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(body["title"], "Invalid added_after");
        assert_eq!(body["description"], "added_after: not a timestamp");
        assert_eq!(body["http_status"], "400");
        assert_eq!(
            response.headers().get(header::CONTENT_TYPE).unwrap(),
            TAXII_MEDIA_TYPE
        );
    }

    #[test]
    fn unauthenticated_is_401_with_a_challenge() {
        let response = ApiError::Taxii(TaxiiError::Unauthenticated).error_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            WWW_AUTHENTICATE
        );
    }

    #[test]
    fn storage_failures_do_not_reach_the_client() {
        let (status, body, _) = body_of(ApiError::from(StoreError::Backend(
            "relation \"objects\" does not exist; password=hunter2".to_owned(),
        )));
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        let text = body.to_string();
        assert!(
            !text.contains("hunter2") && !text.contains("relation"),
            "{text}"
        );
    }

    #[test]
    fn statuses_follow_the_taxii_error_kinds() {
        let cases = [
            (TaxiiError::Forbidden("no write".into()), 403),
            (TaxiiError::NotFound, 404),
            (TaxiiError::NotAcceptable("text/html".into()), 406),
            (TaxiiError::PayloadTooLarge { limit: 10 }, 413),
            (TaxiiError::UnsupportedMediaType("text/plain".into()), 415),
        ];
        for (error, code) in cases {
            assert_eq!(ApiError::Taxii(error).status_code().as_u16(), code);
        }
        assert_eq!(
            ApiError::MethodNotAllowed { allow: "GET" }
                .status_code()
                .as_u16(),
            405
        );
        assert_eq!(ApiError::NoRoute.status_code().as_u16(), 404);
    }
}
