//! Pagination cursors (TAXII 2.1 §3.5 `next`): opaque to clients, stateless on the server.
//!
//! A cursor carries the keyset position of the last row of a page and a fingerprint of the
//! request it continues (endpoint, collection, object, every filter but `limit`), so that the
//! next page is "rows after this position that match the same filters" — no server-side state,
//! valid on any `accord serve` process sharing the database, and immune to rows added or
//! deleted between pages. A cursor sent with other filters, or altered, is refused with a
//! clear 400 instead of silently paging something else.
//!
//! The cursor is not a secret and needs no key: its position only says where to resume among
//! rows the requester may read anyway. The check digest catches corruption and edits.
//!
//! Layout, base64url without padding: `version (1) | date_added (8, BE) | seq (8, BE) |
//! fingerprint (8) | check (4)`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::TaxiiError;
use crate::ids::CollectionId;
use crate::params::Endpoint;
use crate::query::{DateAdded, ObjectQuery, Position};

const VERSION: u8 = 1;
const PAYLOAD_LEN: usize = 1 + 8 + 8 + 8;
const TOKEN_LEN: usize = PAYLOAD_LEN + 4;
/// Base64 of `TOKEN_LEN` bytes; longer text is refused before decoding.
const MAX_TEXT_LEN: usize = TOKEN_LEN.div_ceil(3) * 4;

/// What a cursor's filters must match: the request's target and its filters.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    pub endpoint: Endpoint,
    pub collection: CollectionId,
    /// The object of the object and versions endpoints.
    pub object_id: Option<&'a str>,
}

/// A digest of everything a page depends on except where it starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint([u8; 8]);

impl Fingerprint {
    /// Lists are compared as sets: `match[type]=a,b` and `match[type]=b,a` ask the same.
    pub fn of(scope: &Scope<'_>, query: &ObjectQuery) -> Fingerprint {
        let mut hash = Sha256::new();
        let mut field = |bytes: &[u8]| {
            hash.update((bytes.len() as u64).to_be_bytes());
            hash.update(bytes);
        };
        field(b"accord-taxii-cursor-scope");
        field(scope.endpoint.as_str().as_bytes());
        field(scope.collection.uuid().as_bytes());
        field(scope.object_id.unwrap_or("").as_bytes());
        field(
            &query
                .added_after
                .map_or(i64::MIN, DateAdded::micros)
                .to_be_bytes(),
        );
        for list in [&query.ids, &query.types, &query.spec_versions] {
            let mut items: Vec<&str> = list.iter().map(String::as_str).collect();
            items.sort_unstable();
            items.dedup();
            field(&(items.len() as u64).to_be_bytes());
            for item in items {
                field(item.as_bytes());
            }
        }
        let v = &query.versions;
        field(&[u8::from(v.all), u8::from(v.first), u8::from(v.last)]);
        let mut at = v.at.clone();
        at.sort_unstable();
        at.dedup();
        field(&(at.len() as u64).to_be_bytes());
        for instant in at {
            field(&instant.seconds.to_be_bytes());
            field(&instant.nanos.to_be_bytes());
        }
        let digest = hash.finalize();
        let mut out = [0u8; 8];
        out.copy_from_slice(digest.get(..8).unwrap_or(&[0; 8]));
        Fingerprint(out)
    }
}

/// The `next` value for a page that ended at `last`.
pub fn encode(last: Position, fingerprint: Fingerprint) -> String {
    let mut bytes = Vec::with_capacity(TOKEN_LEN);
    bytes.push(VERSION);
    bytes.extend_from_slice(&last.date_added.micros().to_be_bytes());
    bytes.extend_from_slice(&last.seq.to_be_bytes());
    bytes.extend_from_slice(&fingerprint.0);
    let check = check_of(&bytes);
    bytes.extend_from_slice(&check);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The position a `next` value resumes after, if it was issued for the same scope and filters.
pub fn decode(text: &str, fingerprint: Fingerprint) -> Result<Position, TaxiiError> {
    let not_ours = || {
        TaxiiError::bad_request(
            "Invalid cursor",
            "next is not a cursor this server issued; use the next value of the previous page as it was given",
        )
    };
    if text.len() > MAX_TEXT_LEN {
        return Err(not_ours());
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| not_ours())?;
    let (Some(payload), Some(check)) = (bytes.get(..PAYLOAD_LEN), bytes.get(PAYLOAD_LEN..)) else {
        return Err(not_ours());
    };
    if bytes.len() != TOKEN_LEN || payload.first() != Some(&VERSION) {
        return Err(not_ours());
    }
    if check != check_of(payload) {
        return Err(TaxiiError::bad_request(
            "Invalid cursor",
            "next has been altered; use the next value of the previous page as it was given",
        ));
    }
    let field = |range: std::ops::Range<usize>| -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(payload.get(range).unwrap_or(&[0; 8]));
        out
    };
    if field(17..25) != fingerprint.0 {
        return Err(TaxiiError::bad_request(
            "Invalid cursor",
            "next was issued for another request; follow it with the same endpoint and the same \
             added_after and match[...] filters as the page it came from (only limit may change)",
        ));
    }
    Ok(Position {
        date_added: DateAdded(i64::from_be_bytes(field(1..9))),
        seq: i64::from_be_bytes(field(9..17)),
    })
}

fn check_of(payload: &[u8]) -> [u8; 4] {
    let digest = Sha256::new()
        .chain_update(b"accord-taxii-cursor-check")
        .chain_update(payload)
        .finalize();
    let mut out = [0u8; 4];
    out.copy_from_slice(digest.get(..4).unwrap_or(&[0; 4]));
    out
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::query::VersionFilter;

    fn scope() -> Scope<'static> {
        Scope {
            endpoint: Endpoint::Objects,
            collection: CollectionId::from_uuid(Uuid::from_u128(7)),
            object_id: None,
        }
    }

    fn query() -> ObjectQuery {
        ObjectQuery {
            added_after: None,
            after: None,
            limit: 10,
            ids: vec![],
            types: vec!["indicator".into(), "malware".into()],
            versions: VersionFilter::last(),
            spec_versions: vec![],
        }
    }

    const POSITION: Position = Position {
        date_added: DateAdded(1_700_000_000_123_456),
        seq: 42,
    };

    fn description(err: TaxiiError) -> String {
        match err {
            TaxiiError::BadRequest { description, .. } => description,
            other => panic!("expected BadRequest, got {other:?}"),
        }
    }

    #[test]
    fn cursor_round_trips() {
        let fp = Fingerprint::of(&scope(), &query());
        let token = encode(POSITION, fp);
        assert_eq!(decode(&token, fp).unwrap(), POSITION);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        let negative = Position {
            date_added: DateAdded(-5),
            seq: i64::MIN,
        };
        assert_eq!(decode(&encode(negative, fp), fp).unwrap(), negative);
    }

    #[test]
    fn cursor_is_stateless() {
        // The same inputs give the same token in any process.
        let fp = Fingerprint::of(&scope(), &query());
        assert_eq!(encode(POSITION, fp), encode(POSITION, fp));
    }

    #[test]
    fn limit_and_position_are_not_part_of_the_fingerprint() {
        let mut other = query();
        other.limit = 500;
        other.after = Some(POSITION);
        assert_eq!(
            Fingerprint::of(&scope(), &query()),
            Fingerprint::of(&scope(), &other)
        );
    }

    #[test]
    fn list_order_does_not_change_the_fingerprint() {
        let mut other = query();
        other.types.reverse();
        assert_eq!(
            Fingerprint::of(&scope(), &query()),
            Fingerprint::of(&scope(), &other)
        );
    }

    #[test]
    fn cursor_with_other_filters_is_refused() {
        let token = encode(POSITION, Fingerprint::of(&scope(), &query()));
        let mut variants = Vec::new();
        let mut q = query();
        q.types.pop();
        variants.push((scope(), q));
        let mut q = query();
        q.added_after = Some(DateAdded(1));
        variants.push((scope(), q));
        let mut q = query();
        q.versions = VersionFilter::all();
        variants.push((scope(), q));
        let mut q = query();
        q.spec_versions = vec!["2.1".into()];
        variants.push((scope(), q));
        let mut q = query();
        q.ids = vec!["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into()];
        variants.push((scope(), q));
        let mut s = scope();
        s.endpoint = Endpoint::Manifest;
        variants.push((s, query()));
        let mut s = scope();
        s.collection = CollectionId::from_uuid(Uuid::from_u128(8));
        variants.push((s, query()));
        let mut s = scope();
        s.object_id = Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
        variants.push((s, query()));
        for (s, q) in variants {
            let text = description(decode(&token, Fingerprint::of(&s, &q)).unwrap_err());
            assert!(text.contains("issued for another request"), "{text}");
        }
    }

    #[test]
    fn tampered_cursor_is_refused() {
        let fp = Fingerprint::of(&scope(), &query());
        let token = encode(POSITION, fp);
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[16] ^= 1; // the last byte of seq
        let text = description(decode(&URL_SAFE_NO_PAD.encode(&bytes), fp).unwrap_err());
        assert!(text.contains("altered"), "{text}");
    }

    #[test]
    fn foreign_cursors_are_refused() {
        let fp = Fingerprint::of(&scope(), &query());
        let token = encode(POSITION, fp);
        for bad in [
            "",
            "abc",
            "!!!!",
            "a5dddad9-cf65-4c76-a6e9-8308169dc753",
            &token[..token.len() - 1],
            &format!("{token}AA"),
            &"A".repeat(10_000),
        ] {
            let text = description(decode(bad, fp).unwrap_err());
            assert!(
                text.contains("not a cursor this server issued") || text.contains("altered"),
                "{bad}: {text}"
            );
        }
        // A future layout version is not read as this one.
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[0] = 2;
        assert!(decode(&URL_SAFE_NO_PAD.encode(&bytes), fp).is_err());
    }
}
