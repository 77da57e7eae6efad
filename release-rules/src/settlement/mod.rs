//! Settling rule-set versions and membership changes among partners (issue 5, design §5 and
//! §7.5): TUF-like — version N+1 settles under the quorum declared by version N, by an
//! attributable set of Ed25519 signatures, dissents included. Pure: no I/O, no clock; the
//! hub passes "now" and stores proposals, attestations and records.
//!
//! - [`proposal`]: what is proposed (a rule-set version or a membership change), its
//!   canonical bytes (RFC 8785) and digest, and the version and membership epoch it builds on.
//! - [`attestation`]: approve / dissent (with a reason) / abstain / acknowledge, signed as a
//!   detached JWS (RFC 7515 + RFC 7797, EdDSA per RFC 8037) over the canonical statement.
//! - [`jws`]: the signature envelope (detached JWS, unencoded payload, EdDSA).
//! - [`keys`]: partners' public keys with their validity periods; the signing helper.
//! - [`membership`]: partners, roles, status and keys per membership epoch.
//! - [`quorum`]: the quorum a rule set declares, the electorate of a proposal, and
//!   [`tally`]: settled / rejected / lapsed / pending, with the full record.
//! - [`narrowing`]: whether a proposed rule set can only narrow releases (provisional on one
//!   lead's approval) or may widen them (only when settled).

pub mod attestation;
pub mod jws;
pub mod keys;
pub mod membership;
pub mod narrowing;
pub mod proposal;
pub mod quorum;

pub use attestation::{Attestation, Vote};
pub use keys::{KeyRecord, KeyRing, PartnerKey, PublicKey};
pub use membership::{Member, Membership, MembershipChange};
pub use narrowing::Reach;
pub use proposal::{Change, Proposal};
pub use quorum::{Electorate, Outcome, Quorum, Tally, tally};

use stix_model::timestamp::Instant;

/// The instant truncated to milliseconds: what a signed statement writes, so that an instant
/// read back from a statement is the one that was signed.
pub(crate) fn to_millis(at: Instant) -> Instant {
    Instant {
        seconds: at.seconds,
        nanos: at.nanos - at.nanos % 1_000_000,
    }
}

/// Serde for an instant as a STIX timestamp string.
pub(crate) mod instant_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use stix_model::timestamp::Instant;

    pub(crate) fn serialize<S: Serializer>(at: &Instant, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::time::render(*at))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Instant, D::Error> {
        let text = String::deserialize(d)?;
        crate::time::parse_instant(&text).map_err(serde::de::Error::custom)
    }
}

/// Serde for an optional instant as a STIX timestamp string or null.
pub(crate) mod opt_instant_text {
    use serde::{Deserialize, Deserializer, Serializer};
    use stix_model::timestamp::Instant;

    pub(crate) fn serialize<S: Serializer>(at: &Option<Instant>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(at) => s.serialize_str(&crate::time::render(*at)),
            None => s.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Instant>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| crate::time::parse_instant(&text).map_err(serde::de::Error::custom))
            .transpose()
    }
}
