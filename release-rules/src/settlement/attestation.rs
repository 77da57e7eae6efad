//! Attestations: a partner approves, dissents (with a reason), abstains or acknowledges a
//! proposal, signed with its authority key(s).
//!
//! Each signature is a detached JWS with unencoded payload (RFC 7515 + RFC 7797, EdDSA per
//! RFC 8037; see [`super::jws`] for the choice) over the RFC 8785 canonical JSON of the
//! attestation statement, so anyone can rebuild the payload from the record and check it
//! offline.
//!
//! The statement:
//! ```json
//! {"type": "accord-attestation", "proposal": "sha256:…", "partner": "FRA-ANSSI",
//!  "decision": "dissent", "reason_digest": "sha256:…", "at": "2026-03-02T09:00:00.000Z"}
//! ```
//! The proposal digest binds the rule set, the proposed version and digest, the base and the
//! membership epoch. A dissent signs the SHA-256 of its reason (UTF-8), so the reason text can
//! later be withheld from some readers while the signature still verifies.
//!
//! `at` is the signer's claim. The hub must refuse at submission an attestation whose `at` is
//! not close to its own receive time ([`Attestation::check_received`]): otherwise the holder
//! of a key retired by rotation could backdate a statement into the key's validity.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stix_model::timestamp::Instant;

use super::jws;
use super::keys::{KeyRing, PartnerKey, PublicKey};
use super::proposal::Proposal;
use super::to_millis;
use crate::error::Error;
use crate::policy::sha256_tagged;
use crate::time::{self, Duration};

/// A partner's position on a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Vote {
    /// Counts its weight for the proposal.
    Approve,
    /// Counts its weight against; from a role with veto, rejects the proposal. Carries a reason.
    Dissent,
    /// Heard, counts neither way.
    Abstain,
    /// Heard ("I have seen it"), counts neither way; what weightless roles usually send.
    Acknowledge,
}

impl Vote {
    pub fn as_str(self) -> &'static str {
        match self {
            Vote::Approve => "approve",
            Vote::Dissent => "dissent",
            Vote::Abstain => "abstain",
            Vote::Acknowledge => "acknowledge",
        }
    }
}

/// A signed attestation as the hub stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    /// The digest of the proposal attested.
    pub proposal: String,
    pub partner: String,
    #[serde(rename = "decision")]
    pub vote: Vote,
    /// The dissent reason (dissents only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(with = "super::instant_text")]
    pub at: Instant,
    /// Detached compact JWS, one per signing key.
    pub jws: Vec<String>,
}

/// The keys an attestation verified under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// Registered keys of the partner, valid when the attestation was made.
    pub registered: Vec<PublicKey>,
    /// Keys that a key rotation by this partner proposes (proof of possession).
    pub proposed: Vec<PublicKey>,
}

impl Attestation {
    /// An unsigned attestation of `proposal` by `partner` at `at` (kept to the millisecond).
    /// A dissent needs a non-empty reason; other votes take none.
    pub fn new(
        proposal: &Proposal,
        partner: &str,
        vote: Vote,
        reason: Option<&str>,
        at: Instant,
    ) -> Result<Attestation, Error> {
        let a = Attestation {
            proposal: proposal.digest().to_owned(),
            partner: partner.to_owned(),
            vote,
            reason: reason.map(str::to_owned),
            at: to_millis(at),
            jws: Vec::new(),
        };
        a.check_shape()?;
        Ok(a)
    }

    /// Adds a signature by `key` (call once per key; a key rotation's own approval is signed
    /// by a current key and by every new key).
    pub fn signed_by(mut self, key: &PartnerKey) -> Attestation {
        self.jws.push(jws::sign(key, &self.payload()));
        self
    }

    /// The signed statement (see the module documentation).
    pub fn statement(&self) -> Value {
        let mut s = json!({
            "type": "accord-attestation",
            "proposal": self.proposal,
            "partner": self.partner,
            "decision": self.vote.as_str(),
            "at": time::render(self.at),
        });
        if let (Some(digest), Some(map)) = (self.reason_digest(), s.as_object_mut()) {
            map.insert("reason_digest".into(), Value::String(digest));
        }
        s
    }

    /// The JWS payload: the canonical bytes of the statement.
    pub fn payload(&self) -> Vec<u8> {
        stix_model::canonical::to_canonical_bytes(&self.statement())
    }

    /// `sha256:<hex>` of the reason's UTF-8 bytes.
    pub fn reason_digest(&self) -> Option<String> {
        self.reason.as_deref().map(|r| sha256_tagged(r.as_bytes()))
    }

    fn fault(&self, message: impl Into<String>) -> Error {
        Error::Attestation {
            partner: self.partner.clone(),
            message: message.into(),
        }
    }

    fn check_shape(&self) -> Result<(), Error> {
        if self.partner.is_empty() {
            return Err(self.fault("an attestation names its partner"));
        }
        match (self.vote, self.reason.as_deref()) {
            (Vote::Dissent, None) => Err(self.fault("a dissent carries a reason")),
            (Vote::Dissent, Some(r)) if r.trim().is_empty() => {
                Err(self.fault("a dissent carries a reason"))
            }
            (Vote::Dissent, Some(_)) | (_, None) => Ok(()),
            (v, Some(_)) => Err(self.fault(format!("a reason goes with a dissent, not {v:?}"))),
        }
    }

    /// For the hub at submission: refuses an attestation whose `at` is more than `skew` away
    /// from `received_at` (the hub's clock), so that statements cannot be backdated into the
    /// validity of a retired key or postdated past a deadline.
    pub fn check_received(&self, received_at: Instant, skew: Duration) -> Result<(), Error> {
        let gap = (time::nanos(self.at) - time::nanos(received_at)).abs();
        if gap > skew.nanos() {
            return Err(self.fault(format!(
                "made at {} but received at {}: more than {skew} apart",
                time::render(self.at),
                time::render(received_at)
            )));
        }
        Ok(())
    }

    /// Verifies that this attestation is about `proposal` and that every signature is valid,
    /// by a key registered to the partner in `keys` and valid at `at`, or by one of
    /// `proposed` (the new keys of a key rotation by this partner). At least one signature
    /// must be by a registered key. Errors name the partner, the key and what failed.
    pub fn verify(
        &self,
        proposal: &Proposal,
        keys: &KeyRing,
        proposed: &[PublicKey],
    ) -> Result<Verified, Error> {
        self.check_shape()?;
        if self.proposal != proposal.digest() {
            return Err(self.fault(format!(
                "names proposal {}, not {}",
                self.proposal,
                proposal.digest()
            )));
        }
        if self.jws.is_empty() {
            return Err(self.fault("unsigned"));
        }
        let payload = self.payload();
        let mut verified = Verified {
            registered: Vec::new(),
            proposed: Vec::new(),
        };
        for jws in &self.jws {
            let detached = jws::Detached::parse(jws).map_err(|m| self.fault(m))?;
            let kid = detached.kid.clone();
            if verified.registered.contains(&kid) || verified.proposed.contains(&kid) {
                return Err(self.fault(format!("signed twice with key {kid}")));
            }
            let record = keys.of(&self.partner).iter().find(|r| r.key == kid);
            let is_proposed = proposed.contains(&kid);
            match record {
                Some(r) if !r.valid_at(self.at) && !is_proposed => {
                    let until = r.until.map_or_else(|| "open".to_owned(), time::render);
                    return Err(self.fault(format!(
                        "key {kid} was not valid at {} (valid from {} until {until})",
                        time::render(self.at),
                        time::render(r.from)
                    )));
                }
                None if !is_proposed => {
                    return Err(self.fault(format!("unknown key {kid}")));
                }
                _ => {}
            }
            if !detached.verifies(&payload) {
                return Err(self.fault(format!("bad signature by key {kid}")));
            }
            if record.is_some_and(|r| r.valid_at(self.at)) {
                verified.registered.push(kid);
            } else {
                verified.proposed.push(kid);
            }
        }
        if verified.registered.is_empty() {
            return Err(self.fault("not signed by any registered key of the partner"));
        }
        Ok(verified)
    }
}
