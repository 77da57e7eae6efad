//! Who is asking: every TAXII request resolves to a [`Principal`] (partner and credential) or
//! is refused with 401.
//!
//! Three ways in, one lookup:
//! - `Authorization: Bearer TOKEN`;
//! - `Authorization: Basic` with user = partner id and password = token (what taxii2-client
//!   sends); the partner id must be the token's partner;
//! - a TLS client certificate, already verified against `[tls] client_ca` during the handshake,
//!   registered with `accord token create --partner P --cert client.pem`.
//!
//! Tokens are 256-bit random values stored as SHA-256 digests: a fast hash is right for
//! high-entropy secrets, where a slow password KDF on every request would cap the server at a
//! few requests per second. A certificate is identified by the SHA-256 of its
//! SubjectPublicKeyInfo (so a renewed certificate for the same key keeps working), prefixed with
//! a domain tag that contains a NUL byte; presented tokens must be visible ASCII, so no token,
//! not even one forged from a public certificate, can hash to a certificate's digest.
//!
//! Successful lookups are cached in process for [`CACHE_TTL`]: at thousands of requests per
//! second, the database is not asked about the same token each time. The cost: a revoked token
//! or a suspended partner keeps working for at most that long on each server process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use actix_web::http::header;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use taxii::TaxiiError;
use taxii::store::CredentialKind;
use taxii::store::{AuthMethod, Principal, Store};

use crate::audit::record::{AuditEntry, AuditKind, RequestRef, Sha256 as AuditDigest};
use crate::store::audit::FailureRecorder;
use crate::telemetry::EVENT_AUTH_FAILURE;

/// How long a successful authentication is reused without asking the store again.
pub const CACHE_TTL: Duration = Duration::from_secs(5);

/// Cached entries at most; past this the cache is emptied (a flood of distinct valid tokens is
/// not a realistic load, so a simple bound is enough).
const CACHE_CAPACITY: usize = 10_000;

/// The longest token accepted; ours are 64 characters.
const MAX_TOKEN_LEN: usize = 512;

/// Domain tag of certificate digests (see the module documentation).
const CERTIFICATE_DIGEST_TAG: &[u8] = b"accord-mtls-spki-v1\0";

/// The verified client certificate of a TLS connection, reduced to what identifies it. Put into
/// the connection's data when the connection opens (see `server::tls`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerCertificate {
    pub digest: [u8; 32],
}

/// What a request presented.
#[derive(Debug)]
enum Presented {
    Bearer(String),
    Basic { user: String, password: String },
    Certificate([u8; 32]),
}

impl Presented {
    fn method(&self) -> AuthMethod {
        match self {
            Presented::Bearer(_) => AuthMethod::Bearer,
            Presented::Basic { .. } => AuthMethod::Basic,
            Presented::Certificate(_) => AuthMethod::ClientCertificate,
        }
    }
}

/// The stored digest of a token.
pub fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The stored digest of a client certificate's key, from its SubjectPublicKeyInfo DER.
pub fn certificate_digest(spki_der: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(CERTIFICATE_DIGEST_TAG);
    hasher.update(spki_der);
    hasher.finalize().into()
}

/// A new token: 256 random bits as 64 lowercase hex digits.
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(hex(&bytes))
}

pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// Whether `token` has a token's form: 1 to 512 visible ASCII characters.
pub fn is_token_shaped(token: &str) -> bool {
    (1..=MAX_TOKEN_LEN).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic())
}

/// A credential as presented: its kind and digest.
type CacheKey = (CredentialKind, [u8; 32]);

/// Resolves requests to principals, with a short-lived cache in front of the store.
#[derive(Debug, Default)]
pub struct Authenticator {
    cache: Mutex<HashMap<CacheKey, (Instant, Principal)>>,
    /// Where refusals go into the audit chain, when they do.
    failures: Option<FailureRecorder>,
}

impl Authenticator {
    pub fn new() -> Authenticator {
        Authenticator::default()
    }

    /// An authenticator that records every refusal in the audit chain.
    pub fn recording(failures: FailureRecorder) -> Authenticator {
        Authenticator {
            failures: Some(failures),
            ..Authenticator::default()
        }
    }

    /// The principal of `request`, or `Unauthenticated`.
    pub async fn authenticate<S: Store>(
        &self,
        store: &S,
        request: &HttpRequest,
    ) -> Result<Principal, TaxiiError> {
        let presented = match presented(request) {
            Ok(Some(p)) => p,
            Ok(None) => return Err(self.refuse(request, None, "no credentials")),
            Err(reason) => return Err(self.refuse(request, None, reason)),
        };
        let method = presented.method();
        let (digest, basic_user) = match &presented {
            Presented::Bearer(token) => (token_digest(token), None),
            Presented::Basic { user, password } => (token_digest(password), Some(user.as_str())),
            Presented::Certificate(digest) => (*digest, None),
        };
        let kind = match presented {
            Presented::Certificate(_) => CredentialKind::ClientCertificate,
            Presented::Bearer(_) | Presented::Basic { .. } => CredentialKind::Token,
        };
        let principal = match self.cached(kind, &digest) {
            Some(p) => p,
            None => match store.authenticate_credential(kind, &digest).await? {
                Some(p) => {
                    self.remember(kind, digest, p.clone());
                    p
                }
                None => {
                    return Err(self.refuse(
                        request,
                        Some(method),
                        "unknown or revoked credential",
                    ));
                }
            },
        };
        if let Some(user) = basic_user
            && user != principal.partner_id
        {
            return Err(self.refuse(
                request,
                Some(method),
                "basic user is not the token's partner",
            ));
        }
        Ok(Principal {
            method,
            ..principal
        })
    }

    fn cached(&self, kind: CredentialKind, digest: &[u8; 32]) -> Option<Principal> {
        let cache = self.cache.lock().ok()?;
        match cache.get(&(kind, *digest)) {
            Some((at, principal)) if at.elapsed() < CACHE_TTL => Some(principal.clone()),
            _ => None,
        }
    }

    fn remember(&self, kind: CredentialKind, digest: [u8; 32], principal: Principal) {
        if let Ok(mut cache) = self.cache.lock() {
            if cache.len() >= CACHE_CAPACITY {
                cache.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
                if cache.len() >= CACHE_CAPACITY {
                    cache.clear();
                }
            }
            cache.insert((kind, digest), (Instant::now(), principal));
        }
    }
}

impl Authenticator {
    /// Logs a refusal and records it in the audit chain: method, peer address, reason, and
    /// the path only as a digest (paths name collections and objects).
    fn refuse(
        &self,
        request: &HttpRequest,
        method: Option<AuthMethod>,
        reason: &'static str,
    ) -> TaxiiError {
        tracing::warn!(
            event.kind = EVENT_AUTH_FAILURE,
            method = method.map(AuthMethod::as_str),
            reason,
            "authentication refused"
        );
        if let Some(failures) = &self.failures {
            let path_digest: [u8; 32] = Sha256::digest(request.path().as_bytes()).into();
            let detail = method
                .map(|m| serde_json::Map::from_iter([("auth".to_owned(), m.as_str().into())]));
            failures.record(AuditEntry {
                request: Some(RequestRef {
                    method: Some(request.method().as_str().to_owned()),
                    path_digest: Some(AuditDigest(path_digest)),
                    peer: request.peer_addr().map(|addr| addr.ip().to_string()),
                    reason: Some(reason.to_owned()),
                    ..RequestRef::default()
                }),
                detail,
                ..AuditEntry::new(AuditKind::AuthFailure)
            });
        }
        TaxiiError::Unauthenticated
    }
}

/// Reads the credentials of a request: the `Authorization` header when there is one (a
/// malformed one is refused, not skipped), else the connection's client certificate.
fn presented(request: &HttpRequest) -> Result<Option<Presented>, &'static str> {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        return Ok(request
            .conn_data::<PeerCertificate>()
            .map(|peer| Presented::Certificate(peer.digest)));
    };
    let value = value
        .to_str()
        .map_err(|_| "authorization header is not ASCII")?;
    let (scheme, rest) = value
        .trim()
        .split_once(' ')
        .ok_or("authorization header without credentials")?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        if !is_token_shaped(rest) {
            return Err("malformed bearer token");
        }
        return Ok(Some(Presented::Bearer(rest.to_owned())));
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .map_err(|_| "basic credentials are not base64")?;
        let text = String::from_utf8(decoded).map_err(|_| "basic credentials are not UTF-8")?;
        let (user, password) = text
            .split_once(':')
            .ok_or("basic credentials without a password")?;
        if !is_token_shaped(password) {
            return Err("malformed basic password");
        }
        return Ok(Some(Presented::Basic {
            user: user.to_owned(),
            password: password.to_owned(),
        }));
    }
    Err("unsupported authorization scheme")
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn generated_tokens_are_256_bits_of_hex() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(is_token_shaped(&a));
    }

    #[test]
    fn certificate_digests_cannot_be_reached_by_a_token() {
        // A token is visible ASCII; the certificate digest's input starts with a tag holding a
        // NUL byte, so no token hashes the same bytes.
        assert!(CERTIFICATE_DIGEST_TAG.contains(&0));
        assert!(!is_token_shaped("accord-mtls-spki-v1\0abc"));
        assert_ne!(certificate_digest(b"x"), token_digest("x"));
    }

    #[test]
    fn basic_credentials_carry_the_partner_and_the_token() {
        let header = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("cert-fr:abc123")
        );
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, header))
            .to_http_request();
        match presented(&req).unwrap() {
            Some(Presented::Basic { user, password }) => {
                assert_eq!(user, "cert-fr");
                assert_eq!(password, "abc123");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bearer_scheme_is_case_insensitive() {
        let req = TestRequest::default()
            .insert_header((header::AUTHORIZATION, "bearer abc"))
            .to_http_request();
        assert!(matches!(presented(&req), Ok(Some(Presented::Bearer(t))) if t == "abc"));
    }

    #[test]
    fn malformed_authorization_is_refused_not_skipped() {
        for value in ["Bearer", "Bearer a b", "Digest abc", "Basic !!!"] {
            let req = TestRequest::default()
                .insert_header((header::AUTHORIZATION, value))
                .to_http_request();
            assert!(presented(&req).is_err(), "{value}");
        }
        let req = TestRequest::default().to_http_request();
        assert!(matches!(presented(&req), Ok(None)));
    }
}
