//! Pagination cursors (TAXII 2.1 §3.5 `next`): opaque to clients, stateless on the server.
//!
//! A cursor carries the keyset position of the last row of a page and a fingerprint of the
//! request it continues (endpoint, collection, object, every filter but `limit`), so that the
//! next page is "rows after this position that match the same filters" — no server-side state,
//! valid on any `accord serve` process sharing the database, and immune to rows added or
//! deleted between pages. A cursor sent with other filters, or altered, is refused with a
//! clear 400 instead of silently paging something else.
//!
//! The cursor is sealed with the hub's cursor key (one per database, so that every process
//! sharing it reads every other's cursors): the tiebreak sequence number of the position is
//! masked and the whole token carries a keyed tag. The sequence number counts rows of every
//! partner, so in clear two cursors would tell a partner how many versions withheld from it
//! were stored between them; the date added is the partner's own and is in its headers anyway.
//!
//! Layout, base64url without padding: `version (1) | date_added (8, BE) | seq ⊕ mask (8) |
//! fingerprint (8) | tag (8)`, where `mask = HMAC(key, "mask" ‖ date_added ‖ fingerprint)` and
//! `tag = HMAC(key, "tag" ‖ everything before it)`, both truncated to 8 bytes.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::TaxiiError;
use crate::ids::CollectionId;
use crate::params::Endpoint;
use crate::query::{DateAdded, ObjectQuery, Position};

const VERSION: u8 = 2;
const PAYLOAD_LEN: usize = 1 + 8 + 8 + 8;
const TOKEN_LEN: usize = PAYLOAD_LEN + 8;
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

/// The secret cursors are sealed with: one per database, shared by every process on it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct CursorKey([u8; 32]);

impl CursorKey {
    pub const fn from_bytes(bytes: [u8; 32]) -> CursorKey {
        CursorKey(bytes)
    }

    /// A fresh random key, for a hub that has no database to keep one in (tests, tools).
    pub fn random() -> CursorKey {
        let mut bytes = [0u8; 32];
        // The OS generator does not fail on the platforms Accord runs on; should it, the
        // clock-derived fallback still differs per process.
        if getrandom::fill(&mut bytes).is_err() {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            bytes.copy_from_slice(&Sha256::digest(now.to_be_bytes()));
        }
        CursorKey(bytes)
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 8] {
        let out = hmac_sha256(&self.0, parts);
        let mut short = [0u8; 8];
        short.copy_from_slice(out.get(..8).unwrap_or(&[0; 8]));
        short
    }
}

impl std::fmt::Debug for CursorKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorKey(..)")
    }
}

/// HMAC-SHA-256 (RFC 2104) over the concatenation of `parts`.
fn hmac_sha256(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut inner_pad = [0x36u8; 64];
    let mut outer_pad = [0x5cu8; 64];
    for (i, byte) in key.iter().enumerate() {
        if let (Some(inner), Some(outer)) = (inner_pad.get_mut(i), outer_pad.get_mut(i)) {
            *inner ^= byte;
            *outer ^= byte;
        }
    }
    let mut inner = Sha256::new().chain_update(inner_pad);
    for part in parts {
        inner.update(part);
    }
    Sha256::new()
        .chain_update(outer_pad)
        .chain_update(inner.finalize())
        .finalize()
        .into()
}

/// A digest of everything a page depends on except where it starts and how long it is, with
/// the key the page's cursor is sealed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint {
    digest: [u8; 8],
    key: CursorKey,
}

impl Fingerprint {
    /// Lists are compared as sets: `match[type]=a,b` and `match[type]=b,a` ask the same.
    pub fn of(key: CursorKey, scope: &Scope<'_>, query: &ObjectQuery) -> Fingerprint {
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
        Fingerprint { digest: out, key }
    }

    /// What the sequence number of a position at `date_added` is masked with.
    fn mask(&self, date_added: [u8; 8]) -> [u8; 8] {
        self.key.mac(&[b"mask", &date_added, &self.digest])
    }
}

/// The `next` value for a page that ended at `last`.
pub fn encode(last: Position, fingerprint: Fingerprint) -> String {
    let date_added = last.date_added.micros().to_be_bytes();
    let mask = fingerprint.mask(date_added);
    let seq = last.seq.to_be_bytes();
    let mut bytes = Vec::with_capacity(TOKEN_LEN);
    bytes.push(VERSION);
    bytes.extend_from_slice(&date_added);
    bytes.extend(seq.iter().zip(mask).map(|(s, m)| s ^ m));
    bytes.extend_from_slice(&fingerprint.digest);
    let tag = fingerprint.key.mac(&[b"tag", &bytes]);
    bytes.extend_from_slice(&tag);
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
    let (Some(payload), Some(tag)) = (bytes.get(..PAYLOAD_LEN), bytes.get(PAYLOAD_LEN..)) else {
        return Err(not_ours());
    };
    if bytes.len() != TOKEN_LEN || payload.first() != Some(&VERSION) {
        return Err(not_ours());
    }
    let field = |range: std::ops::Range<usize>| -> [u8; 8] {
        let mut out = [0u8; 8];
        out.copy_from_slice(payload.get(range).unwrap_or(&[0; 8]));
        out
    };
    // A token issued under the same key for other filters fails here, before the tag, so
    // that the error says what to do; any other change fails the tag.
    if field(17..25) != fingerprint.digest {
        if fingerprint.key.mac(&[b"tag", payload]) == tag {
            return Err(TaxiiError::bad_request(
                "Invalid cursor",
                "next was issued for another request; follow it with the same endpoint and the same \
                 added_after and match[...] filters as the page it came from (only limit may change)",
            ));
        }
        return Err(altered());
    }
    if fingerprint.key.mac(&[b"tag", payload]) != tag {
        return Err(altered());
    }
    let date_added = field(1..9);
    let mask = fingerprint.mask(date_added);
    let mut seq = field(9..17);
    for (byte, m) in seq.iter_mut().zip(mask) {
        *byte ^= m;
    }
    Ok(Position {
        date_added: DateAdded(i64::from_be_bytes(date_added)),
        seq: i64::from_be_bytes(seq),
    })
}

fn altered() -> TaxiiError {
    TaxiiError::bad_request(
        "Invalid cursor",
        "next has been altered, or was issued by another hub; use the next value of the previous \
         page as it was given",
    )
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

    const KEY: CursorKey = CursorKey([7; 32]);

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
        let fp = Fingerprint::of(KEY, &scope(), &query());
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
        let fp = Fingerprint::of(KEY, &scope(), &query());
        assert_eq!(encode(POSITION, fp), encode(POSITION, fp));
    }

    #[test]
    fn limit_and_position_are_not_part_of_the_fingerprint() {
        let mut other = query();
        other.limit = 500;
        other.after = Some(POSITION);
        assert_eq!(
            Fingerprint::of(KEY, &scope(), &query()),
            Fingerprint::of(KEY, &scope(), &other)
        );
    }

    #[test]
    fn list_order_does_not_change_the_fingerprint() {
        let mut other = query();
        other.types.reverse();
        assert_eq!(
            Fingerprint::of(KEY, &scope(), &query()),
            Fingerprint::of(KEY, &scope(), &other)
        );
    }

    #[test]
    fn cursor_with_other_filters_is_refused() {
        let token = encode(POSITION, Fingerprint::of(KEY, &scope(), &query()));
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
            let text = description(decode(&token, Fingerprint::of(KEY, &s, &q)).unwrap_err());
            assert!(text.contains("issued for another request"), "{text}");
        }
    }

    #[test]
    fn tampered_cursor_is_refused() {
        let fp = Fingerprint::of(KEY, &scope(), &query());
        let token = encode(POSITION, fp);
        let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
        bytes[16] ^= 1; // the last byte of seq
        let text = description(decode(&URL_SAFE_NO_PAD.encode(&bytes), fp).unwrap_err());
        assert!(text.contains("altered"), "{text}");
    }

    #[test]
    fn foreign_cursors_are_refused() {
        let fp = Fingerprint::of(KEY, &scope(), &query());
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
        bytes[0] = 3;
        assert!(decode(&URL_SAFE_NO_PAD.encode(&bytes), fp).is_err());
    }

    #[test]
    fn cursor_does_not_show_the_sequence_number() {
        // Consecutive sequence numbers must not give consecutive (or equal-distance) fields:
        // the distance would count rows withheld from the reader.
        let fp = Fingerprint::of(KEY, &scope(), &query());
        let field = |seq: i64, micros: i64| {
            let token = encode(
                Position {
                    date_added: DateAdded(micros),
                    seq,
                },
                fp,
            );
            let bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
            i64::from_be_bytes(bytes[9..17].try_into().unwrap())
        };
        assert_ne!(field(42, 1_000), 42);
        let (a, b, c) = (field(42, 1_000), field(43, 1_001), field(44, 1_002));
        assert_ne!(b.wrapping_sub(a), 1);
        assert_ne!(b.wrapping_sub(a), c.wrapping_sub(b));
    }

    #[test]
    fn cursor_of_another_hub_is_refused() {
        let other = CursorKey::from_bytes([9; 32]);
        let token = encode(POSITION, Fingerprint::of(other, &scope(), &query()));
        let fp = Fingerprint::of(KEY, &scope(), &query());
        let text = description(decode(&token, fp).unwrap_err());
        assert!(text.contains("altered"), "{text}");
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2 uses a 4-byte key; padded with zeros to 32 bytes it is the
        // same HMAC key (keys shorter than the block are zero-padded).
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = hmac_sha256(&key, &[b"what do ya want ", b"for nothing?"]);
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
