//! A proposal: a new rule-set version or a membership change, made by a partner at an
//! instant, building on the rule-set version in force (`base`: version and digest, whose
//! quorum decides) and the membership epoch in force (which fixes the electorate).
//!
//! What partners sign is the proposal *statement*, as RFC 8785 canonical JSON:
//! ```json
//! {"type": "accord-proposal", "ruleset_id": "mission-x/release",
//!  "base": {"version": 7, "digest": "sha256:…"}, "membership_epoch": 12,
//!  "by": "GBR-NCSC", "at": "2026-03-01T10:00:00.000Z",
//!  "change": {"kind": "ruleset", "version": 8, "digest": "sha256:…"}}
//! ```
//! A rule-set change is bound by the digest of the proposed document (itself JCS + SHA-256),
//! so the statement stays small; membership changes are written in full
//! (`{"kind": "join", "partner": …, "role": …, "keys": ["ed25519:…"]}`, `role_change`,
//! `suspension`, `departure`, `key_rotation` with `add` and `retire`).
//! The proposal digest is `sha256:<hex>` of the statement's canonical bytes.

use serde_json::{Value, json};
use stix_model::timestamp::Instant;

use super::jws;
use super::keys::{KeyRing, PartnerKey};
use super::membership::MembershipChange;
use super::to_millis;
use crate::error::Error;
use crate::policy::sha256_tagged;
use crate::rules::{Base, RuleSet};

/// What a proposal changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new rule-set version (the parsed document).
    RuleSet(Box<RuleSet>),
    Membership(MembershipChange),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    ruleset_id: String,
    base: Base,
    membership_epoch: u64,
    by: String,
    at: Instant,
    change: Change,
    statement: Value,
    digest: String,
}

impl Proposal {
    /// A proposal by `by` at `at` (kept to the millisecond, as the statement writes it),
    /// building on `in_force` and membership epoch `membership_epoch`. A rule-set change must
    /// be the next version of the same rule set and name `in_force` as its base.
    pub fn new(
        in_force: &RuleSet,
        membership_epoch: u64,
        by: &str,
        at: Instant,
        change: Change,
    ) -> Result<Proposal, Error> {
        let base = Base {
            version: in_force.version,
            digest: in_force.digest().to_owned(),
        };
        if let Change::RuleSet(next) = &change {
            if next.id != in_force.id {
                return Err(fault(format!(
                    "proposed rule set {} is not {}",
                    next.id, in_force.id
                )));
            }
            if next.version != in_force.version + 1 {
                return Err(fault(format!(
                    "proposed version {} does not follow version {} in force",
                    next.version, in_force.version
                )));
            }
            if next.base.as_ref() != Some(&base) {
                return Err(fault(format!(
                    "proposed rule set must name base {{version: {}, digest: {}}}",
                    base.version, base.digest
                )));
            }
        }
        Proposal::assemble(
            in_force.id.clone(),
            base,
            membership_epoch,
            by.to_owned(),
            to_millis(at),
            change,
        )
    }

    fn assemble(
        ruleset_id: String,
        base: Base,
        membership_epoch: u64,
        by: String,
        at: Instant,
        change: Change,
    ) -> Result<Proposal, Error> {
        if by.is_empty() {
            return Err(fault("a proposal names the partner making it".into()));
        }
        let change_json = match &change {
            Change::RuleSet(r) => {
                json!({"kind": "ruleset", "version": r.version, "digest": r.digest()})
            }
            Change::Membership(m) => serde_json::to_value(m).map_err(|e| fault(e.to_string()))?,
        };
        let statement = json!({
            "type": "accord-proposal",
            "ruleset_id": ruleset_id,
            "base": {"version": base.version, "digest": base.digest},
            "membership_epoch": membership_epoch,
            "by": by,
            "at": crate::time::render(at),
            "change": change_json,
        });
        let digest = sha256_tagged(&stix_model::canonical::to_canonical_bytes(&statement));
        Ok(Proposal {
            ruleset_id,
            base,
            membership_epoch,
            by,
            at,
            change,
            statement,
            digest,
        })
    }

    /// The statement partners sign (see the module documentation).
    pub fn statement(&self) -> &Value {
        &self.statement
    }

    /// RFC 8785 canonical bytes of the statement.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        stix_model::canonical::to_canonical_bytes(&self.statement)
    }

    /// `sha256:<hex>` of the canonical statement: what attestations name.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn ruleset_id(&self) -> &str {
        &self.ruleset_id
    }

    /// The rule-set version in force when the proposal was made.
    pub fn base(&self) -> &Base {
        &self.base
    }

    /// The membership epoch in force when the proposal was made (fixes the electorate).
    pub fn membership_epoch(&self) -> u64 {
        self.membership_epoch
    }

    pub fn by(&self) -> &str {
        &self.by
    }

    pub fn at(&self) -> Instant {
        self.at
    }

    pub fn change(&self) -> &Change {
        &self.change
    }

    /// Whether another version settled first: a rule-set proposal whose base is no longer
    /// the version in force can never take effect, and the hub closes it as superseded.
    /// Membership changes are not superseded by each other: [`super::Membership::apply`]
    /// checks each against the membership it is applied to.
    pub fn superseded_by(&self, in_force: &RuleSet) -> bool {
        matches!(self.change, Change::RuleSet(_))
            && (in_force.id != self.ruleset_id
                || in_force.version != self.base.version
                || in_force.digest() != self.base.digest)
    }

    /// The proposer's signature over the canonical statement (detached JWS, see
    /// [`super::jws`]), made with the proposer's key by the proposer's own tooling.
    pub fn signed_by(&self, key: &PartnerKey) -> String {
        jws::sign(key, &self.canonical_bytes())
    }

    /// Checks the proposer's signature: a key registered to `by` and valid at `at`.
    pub fn verify_proposer(&self, signature: &str, keys: &KeyRing) -> Result<(), Error> {
        let detached = jws::Detached::parse(signature).map_err(fault)?;
        let record = keys
            .of(&self.by)
            .iter()
            .find(|r| r.key == detached.kid)
            .ok_or_else(|| fault(format!("{} has no key {}", self.by, detached.kid)))?;
        if !record.valid_at(self.at) {
            return Err(fault(format!(
                "key {} of {} was not valid at {}",
                detached.kid,
                self.by,
                crate::time::render(self.at)
            )));
        }
        if !detached.verifies(&self.canonical_bytes()) {
            return Err(fault(format!(
                "bad signature by {} key {}",
                self.by, detached.kid
            )));
        }
        Ok(())
    }

    /// The proposal for storage: the statement plus, for a rule-set change, the proposed
    /// document under `document`.
    pub fn to_json(&self) -> Value {
        let mut out = self.statement.clone();
        if let (Change::RuleSet(r), Some(map)) = (&self.change, out.as_object_mut()) {
            map.insert("document".into(), r.source().clone());
        }
        out
    }

    /// Reads back what [`Proposal::to_json`] wrote; the digest is recomputed, and a
    /// rule-set document must match the digest in the statement.
    pub fn from_json(value: &Value) -> Result<Proposal, Error> {
        let map = value
            .as_object()
            .ok_or_else(|| fault("a proposal is an object".into()))?;
        let text = |key: &str| -> Result<String, Error> {
            map.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| fault(format!("{key} (a string) is required")))
        };
        if text("type")? != "accord-proposal" {
            return Err(fault("type must be accord-proposal".into()));
        }
        let known = [
            "type",
            "ruleset_id",
            "base",
            "membership_epoch",
            "by",
            "at",
            "change",
            "document",
        ];
        if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(fault(format!("unknown key {k}")));
        }
        let base: Base = serde_json::from_value(map.get("base").cloned().unwrap_or(Value::Null))
            .map_err(|e| fault(format!("base: {e}")))?;
        let membership_epoch = map
            .get("membership_epoch")
            .and_then(Value::as_u64)
            .ok_or_else(|| fault("membership_epoch (an integer) is required".into()))?;
        let at = crate::time::parse_instant(&text("at")?)?;
        let change_json = map
            .get("change")
            .ok_or_else(|| fault("change is required".into()))?;
        let change = if change_json.get("kind").and_then(Value::as_str) == Some("ruleset") {
            let document = map
                .get("document")
                .cloned()
                .ok_or_else(|| fault("a rule-set change carries its document".into()))?;
            let ruleset = RuleSet::from_value(document)?;
            if change_json.get("digest").and_then(Value::as_str) != Some(ruleset.digest())
                || change_json.get("version").and_then(Value::as_u64) != Some(ruleset.version)
            {
                return Err(fault(
                    "the document does not match the version and digest proposed".into(),
                ));
            }
            Change::RuleSet(Box::new(ruleset))
        } else {
            Change::Membership(
                serde_json::from_value(change_json.clone())
                    .map_err(|e| fault(format!("change: {e}")))?,
            )
        };
        Proposal::assemble(
            text("ruleset_id")?,
            base,
            membership_epoch,
            text("by")?,
            at,
            change,
        )
    }
}

fn fault(message: String) -> Error {
    Error::Proposal { message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(version: u64, base: Option<&RuleSet>) -> RuleSet {
        let mut doc = json!({"id": "m/release", "version": version,
                             "rules": [{"id": "r", "effect": "release"}]});
        if let (Some(b), Some(map)) = (base, doc.as_object_mut()) {
            map.insert(
                "base".into(),
                json!({"version": b.version, "digest": b.digest()}),
            );
        }
        RuleSet::from_value(doc).unwrap()
    }

    fn t() -> Instant {
        Instant {
            seconds: 1_800_000_000,
            nanos: 123_456_789,
        }
    }

    #[test]
    fn proposal_round_trips_through_json_with_the_same_digest() {
        let v1 = rules(1, None);
        let v2 = rules(2, Some(&v1));
        let p = Proposal::new(&v1, 4, "A", t(), Change::RuleSet(Box::new(v2))).unwrap();
        assert_eq!(p.at().nanos, 123_000_000);
        let back = Proposal::from_json(&p.to_json()).unwrap();
        assert_eq!(back, p);
        assert_eq!(back.digest(), p.digest());
        let m = Proposal::new(
            &v1,
            4,
            "A",
            t(),
            Change::Membership(MembershipChange::Suspension {
                partner: "B".into(),
            }),
        )
        .unwrap();
        assert_eq!(Proposal::from_json(&m.to_json()).unwrap(), m);
        assert_ne!(m.digest(), p.digest());
    }

    #[test]
    fn a_rule_set_proposal_is_superseded_once_another_version_settles() {
        let v1 = rules(1, None);
        let v2 = rules(2, Some(&v1));
        let p = Proposal::new(&v1, 0, "A", t(), Change::RuleSet(Box::new(v2.clone()))).unwrap();
        assert!(!p.superseded_by(&v1));
        assert!(p.superseded_by(&v2));
    }

    #[test]
    fn a_rule_set_must_follow_the_version_in_force() {
        let v1 = rules(1, None);
        let unrelated = rules(2, None);
        assert!(Proposal::new(&v1, 0, "A", t(), Change::RuleSet(Box::new(unrelated))).is_err());
        let v2 = rules(2, Some(&v1));
        let v3 = rules(3, Some(&v2));
        assert!(Proposal::new(&v1, 0, "A", t(), Change::RuleSet(Box::new(v3))).is_err());
    }

    #[test]
    fn the_proposer_signature_verifies_with_its_registered_key() {
        let v1 = rules(1, None);
        let v2 = rules(2, Some(&v1));
        let p = Proposal::new(&v1, 0, "A", t(), Change::RuleSet(Box::new(v2))).unwrap();
        let key = PartnerKey::from_seed(&[3; 32]).unwrap();
        let mut ring = KeyRing::new();
        ring.register(
            "A",
            key.public_key(),
            Instant {
                seconds: 0,
                nanos: 0,
            },
        )
        .unwrap();
        p.verify_proposer(&p.signed_by(&key), &ring).unwrap();
        let stranger = PartnerKey::from_seed(&[4; 32]).unwrap();
        assert!(p.verify_proposer(&p.signed_by(&stranger), &ring).is_err());
    }

    #[test]
    fn a_tampered_document_is_refused() {
        let v1 = rules(1, None);
        let v2 = rules(2, Some(&v1));
        let p = Proposal::new(&v1, 0, "A", t(), Change::RuleSet(Box::new(v2))).unwrap();
        let mut j = p.to_json();
        j["document"]["rules"][0]["effect"] = json!("withhold");
        assert!(matches!(
            Proposal::from_json(&j),
            Err(Error::Proposal { .. })
        ));
    }
}
