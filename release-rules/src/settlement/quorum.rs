//! The quorum a rule set declares, the electorate of a proposal, and the tally.
//!
//! ```yaml
//! quorum:
//!   roles:                        # weight per role; veto: a dissent rejects
//!     lead: {weight: 2, veto: true}
//!     supporting: {weight: 1}
//!     observing: {weight: 0}      # may acknowledge or dissent, never counts
//!   min_weight: 4                 # or "all": every voter with weight approves
//!   require_roles: {lead: 1}      # at least this many approvals from the role
//!   deadline: P14D                # from the proposal instant
//!   provisional: [lead]           # whose approval makes a narrowing change provisional
//! ```
//! Roles not listed weigh 0 and have no veto. `deadline` defaults to `P14D`, `provisional` to
//! the roles with veto. A rule set with no `quorum` section asks for unanimity: every role
//! weighs 1, `min_weight: all`, no veto, no provisional effect.
//!
//! Choices, in the order the tally applies them:
//! - **The quorum is the one declared by the version in force** (TUF: N+1 settles under N).
//! - **The electorate is fixed when the proposal is made**: the active members of the
//!   membership epoch the proposal names, with their roles then. A membership change that
//!   settles while the proposal is open does not change who votes on it or with what weight.
//!   The subject of a join, role change, suspension or departure does not vote on it; the
//!   subject of a key rotation does (and must approve, signing with every new key).
//! - **Keys are the key ring as it is now**, each checked at the attestation's `at`: an
//!   attestation signed with a key retired before it was made is refused, and after a key
//!   rotation settles the new key counts, also for proposals opened before it.
//! - An attestation counts if it names this proposal, comes from a voter, is made between the
//!   proposal and the deadline (and not after "now"), and every signature verifies; refused
//!   ones are listed with the reason.
//! - **The first attestation of a partner counts** (by `at`, then signature text): a signed
//!   vote is final, so "rejected because unreachable" is final too; later ones are listed as
//!   not counted. A partner that changes its mind asks for a new proposal.
//! - Attestations are taken in time order and the outcome is the first decisive state:
//!   settled (threshold, required roles and, for a key rotation, the subject's approval
//!   with its new keys) or rejected (a dissent from a veto role, or quorum no longer
//!   reachable even if every voter not yet heard approved). If neither happens before the
//!   deadline the proposal lapses; before the deadline it is pending. Because the order is
//!   fixed by the attestations themselves, the outcome does not depend on the order in which
//!   they arrive.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Serialize, Serializer};
use serde_json::Value;
use stix_model::timestamp::Instant;

use super::attestation::{Attestation, Verified, Vote};
use super::keys::{KeyRing, PublicKey};
use super::membership::{Membership, MembershipChange};
use super::narrowing::{self, Reach};
use super::proposal::{Change, Proposal};
use crate::error::Error;
use crate::rules::{Base, RuleSet};
use crate::subject::Status;
use crate::time::{self, Duration};

const DEFAULT_DEADLINE_SECONDS: i64 = 14 * 86_400;

/// Weight and veto of a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoleTerms {
    pub weight: u32,
    pub veto: bool,
}

/// How much approval settles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// At least this total weight of approvals.
    Weight(u32),
    /// Every voter with weight approves.
    All,
}

impl Serialize for Threshold {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Threshold::Weight(n) => s.serialize_u32(*n),
            Threshold::All => s.serialize_str("all"),
        }
    }
}

/// The quorum section of a rule set, interpreted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Quorum {
    pub roles: BTreeMap<String, RoleTerms>,
    /// Weight of a role not listed.
    #[serde(skip)]
    pub default_weight: u32,
    pub min_weight: Threshold,
    pub require_roles: BTreeMap<String, u32>,
    pub deadline: Duration,
    pub provisional: BTreeSet<String>,
}

impl Quorum {
    /// The quorum `ruleset` declares (unanimity when it declares none).
    pub fn of(ruleset: &RuleSet) -> Result<Quorum, Error> {
        match &ruleset.quorum {
            None | Some(Value::Null) => Ok(Quorum::unanimity()),
            Some(v) => Quorum::from_value(v),
        }
    }

    /// Every role weighs 1; every voter must approve.
    pub fn unanimity() -> Quorum {
        Quorum {
            roles: BTreeMap::new(),
            default_weight: 1,
            min_weight: Threshold::All,
            require_roles: BTreeMap::new(),
            deadline: Duration::from_seconds(DEFAULT_DEADLINE_SECONDS).unwrap_or(Duration::ZERO),
            provisional: BTreeSet::new(),
        }
    }

    pub fn from_value(v: &Value) -> Result<Quorum, Error> {
        let err = |m: String| Error::rule("(quorum)", m);
        let map = v
            .as_object()
            .ok_or_else(|| err("the quorum is an object".into()))?;
        let known = [
            "roles",
            "min_weight",
            "require_roles",
            "deadline",
            "provisional",
        ];
        if let Some(k) = map.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(err(format!("unknown key {k}")));
        }
        let mut roles = BTreeMap::new();
        if let Some(raw) = map.get("roles") {
            let raw = raw
                .as_object()
                .ok_or_else(|| err("roles maps a role to {weight, veto}".into()))?;
            for (role, terms) in raw {
                let t = terms
                    .as_object()
                    .ok_or_else(|| err(format!("roles.{role} is {{weight, veto}}")))?;
                if let Some(k) = t.keys().find(|k| *k != "weight" && *k != "veto") {
                    return Err(err(format!("roles.{role}: unknown key {k}")));
                }
                let weight = match t.get("weight") {
                    None => 0,
                    Some(w) => w
                        .as_u64()
                        .and_then(|w| u32::try_from(w).ok())
                        .ok_or_else(|| err(format!("roles.{role}.weight is a small integer")))?,
                };
                let veto = match t.get("veto") {
                    None => false,
                    Some(b) => b
                        .as_bool()
                        .ok_or_else(|| err(format!("roles.{role}.veto is true or false")))?,
                };
                roles.insert(role.clone(), RoleTerms { weight, veto });
            }
        }
        let min_weight = match map.get("min_weight") {
            Some(Value::String(s)) if s == "all" => Threshold::All,
            Some(n) => Threshold::Weight(
                n.as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| err("min_weight is a positive integer or \"all\"".into()))?,
            ),
            None => return Err(err("min_weight is required".into())),
        };
        let mut require_roles = BTreeMap::new();
        if let Some(raw) = map.get("require_roles") {
            let raw = raw
                .as_object()
                .ok_or_else(|| err("require_roles maps a role to a count".into()))?;
            for (role, n) in raw {
                let n = n
                    .as_u64()
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| err(format!("require_roles.{role} is a count")))?;
                require_roles.insert(role.clone(), n);
            }
        }
        let deadline = match map.get("deadline") {
            None => Duration::from_seconds(DEFAULT_DEADLINE_SECONDS)?,
            Some(d) => {
                let text = d
                    .as_str()
                    .ok_or_else(|| err("deadline is an ISO 8601 duration".into()))?;
                let d = Duration::parse(text)?;
                if d == Duration::ZERO {
                    return Err(err("deadline must be longer than zero".into()));
                }
                d
            }
        };
        let provisional = match map.get("provisional") {
            None => roles
                .iter()
                .filter(|(_, t)| t.veto)
                .map(|(r, _)| r.clone())
                .collect(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|r| {
                    r.as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| err("provisional lists roles".into()))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(err("provisional lists roles".into())),
        };
        Ok(Quorum {
            roles,
            default_weight: 0,
            min_weight,
            require_roles,
            deadline,
            provisional,
        })
    }

    pub fn terms(&self, role: &str) -> RoleTerms {
        self.roles.get(role).copied().unwrap_or(RoleTerms {
            weight: self.default_weight,
            veto: false,
        })
    }
}

/// One member of a proposal's electorate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Voter {
    pub partner: String,
    pub role: String,
    pub weight: u32,
    pub veto: bool,
    /// The partner's keys valid when the proposal was made (for the record).
    pub keys: Vec<PublicKey>,
}

/// Who votes on a proposal and under which terms, fixed when it is made.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Electorate {
    /// The digest of the proposal this electorate votes on.
    pub proposal: String,
    pub membership_epoch: u64,
    pub quorum: Quorum,
    pub voters: Vec<Voter>,
    #[serde(with = "super::instant_text")]
    pub deadline: Instant,
    /// For a rule-set change: whether it can only narrow releases.
    pub reach: Reach,
}

impl Electorate {
    /// The electorate of `proposal`: `in_force` must be the version it builds on and
    /// `membership` the membership of the epoch it names.
    pub fn for_proposal(
        proposal: &Proposal,
        in_force: &RuleSet,
        membership: &Membership,
    ) -> Result<Electorate, Error> {
        let fault = |message: String| Error::Proposal { message };
        let in_force_base = Base {
            version: in_force.version,
            digest: in_force.digest().to_owned(),
        };
        if proposal.ruleset_id() != in_force.id || proposal.base() != &in_force_base {
            return Err(fault(format!(
                "builds on {} version {}, not on {} version {} in force",
                proposal.ruleset_id(),
                proposal.base().version,
                in_force.id,
                in_force.version
            )));
        }
        if proposal.membership_epoch() != membership.epoch {
            return Err(fault(format!(
                "names membership epoch {}, not {}",
                proposal.membership_epoch(),
                membership.epoch
            )));
        }
        if membership
            .member(proposal.by())
            .is_none_or(|m| m.status != Status::Active)
        {
            return Err(fault(format!(
                "{} is not an active member and cannot propose",
                proposal.by()
            )));
        }
        let quorum = Quorum::of(in_force)?;
        let (excluded, reach) = match proposal.change() {
            Change::RuleSet(next) => {
                // A proposed quorum that does not parse could never settle anything after it.
                Quorum::of(next)?;
                (None, narrowing::classify(in_force, next))
            }
            Change::Membership(change) => {
                membership.check(change)?;
                let reason = "a membership change is never provisional".to_owned();
                (
                    change.excludes_subject().then(|| change.subject()),
                    Reach::Widens {
                        reasons: vec![reason],
                    },
                )
            }
        };
        let voters = membership
            .members()
            .filter(|m| m.status == Status::Active && Some(m.partner.as_str()) != excluded)
            .map(|m| {
                let terms = quorum.terms(&m.role);
                Voter {
                    partner: m.partner.clone(),
                    role: m.role.clone(),
                    weight: terms.weight,
                    veto: terms.veto,
                    keys: membership.keys.valid_at(&m.partner, proposal.at()),
                }
            })
            .collect();
        let deadline = time::from_nanos(time::nanos(proposal.at()) + quorum.deadline.nanos());
        Ok(Electorate {
            proposal: proposal.digest().to_owned(),
            membership_epoch: membership.epoch,
            quorum,
            voters,
            deadline,
            reach,
        })
    }

    pub fn voter(&self, partner: &str) -> Option<&Voter> {
        self.voters.iter().find(|v| v.partner == partner)
    }
}

/// Why a proposal was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Rejection {
    /// A voter whose role has a veto dissented.
    Veto { partner: String },
    /// Quorum can no longer be reached even if every voter not yet heard approves.
    Unreachable { detail: String },
}

/// The outcome of a tally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    Settled,
    Rejected {
        rejection: Rejection,
    },
    /// The deadline passed without a decision.
    Lapsed,
    Pending,
}

/// An attestation as the record lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heard {
    pub partner: String,
    pub decision: Vote,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_digest: Option<String>,
    #[serde(with = "super::instant_text")]
    pub at: Instant,
    pub jws: Vec<String>,
    /// Whether it counted (false: a later duplicate, or made after the outcome).
    pub counted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An attestation the tally refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refused {
    pub partner: String,
    #[serde(with = "super::instant_text")]
    pub at: Instant,
    pub reason: String,
}

/// A narrowing change in provisional effect: from the first approval by a provisional role
/// until the deadline, or until the outcome (when settled it stays, from `effective_from`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Provisional {
    pub by: String,
    #[serde(with = "super::instant_text")]
    pub from: Instant,
    #[serde(with = "super::instant_text")]
    pub until: Instant,
}

/// The settlement record (§7.5), whatever the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Tally {
    #[serde(rename = "type")]
    pub record_type: &'static str,
    pub ruleset_id: String,
    pub base: Base,
    pub proposal_digest: String,
    /// The signed proposal statement (what changes, by whom, when).
    pub proposal: Value,
    pub membership_epoch: u64,
    pub electorate: Vec<Voter>,
    pub quorum: Quorum,
    #[serde(with = "super::instant_text")]
    pub deadline: Instant,
    pub reach: Reach,
    pub attestations: Vec<Heard>,
    pub refused: Vec<Refused>,
    pub not_heard: Vec<String>,
    pub weight_for: u32,
    pub weight_against: u32,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// When the outcome was reached (settled or rejected): the deciding attestation's `at`.
    #[serde(with = "super::opt_instant_text")]
    pub effective_from: Option<Instant>,
    pub provisional: Option<Provisional>,
}

/// The votes counted so far.
struct Count<'a> {
    electorate: &'a Electorate,
    rotation: Option<(&'a str, &'a [PublicKey])>,
    votes: BTreeMap<&'a str, (Vote, bool)>,
}

impl Count<'_> {
    fn weight(&self, vote: Vote) -> u32 {
        self.electorate
            .voters
            .iter()
            .filter(|v| self.votes.get(v.partner.as_str()).map(|x| x.0) == Some(vote))
            .fold(0u32, |sum, v| sum.saturating_add(v.weight))
    }

    fn decide(&self) -> Option<Outcome> {
        let voters = &self.electorate.voters;
        let quorum = &self.electorate.quorum;
        let vote_of = |p: &str| self.votes.get(p).map(|x| x.0);
        if let Some(v) = voters
            .iter()
            .find(|v| v.veto && vote_of(&v.partner) == Some(Vote::Dissent))
        {
            return Some(Outcome::Rejected {
                rejection: Rejection::Veto {
                    partner: v.partner.clone(),
                },
            });
        }
        let weight_for = self.weight(Vote::Approve);
        let open = voters
            .iter()
            .filter(|v| vote_of(&v.partner).is_none())
            .fold(0u32, |sum, v| sum.saturating_add(v.weight));
        let unreachable = |detail: String| {
            Some(Outcome::Rejected {
                rejection: Rejection::Unreachable { detail },
            })
        };
        let mut settled = true;
        match quorum.min_weight {
            Threshold::Weight(n) => {
                if weight_for.saturating_add(open) < n {
                    return unreachable(format!(
                        "weight for {weight_for} plus weight not heard {open} is below min_weight {n}"
                    ));
                }
                settled &= weight_for >= n;
            }
            Threshold::All => {
                let weighted: Vec<&Voter> = voters.iter().filter(|v| v.weight > 0).collect();
                if weighted.is_empty() {
                    return unreachable("unanimity, but no voter carries weight".into());
                }
                if let Some(v) = weighted
                    .iter()
                    .find(|v| vote_of(&v.partner).is_some_and(|x| x != Vote::Approve))
                {
                    return unreachable(format!("unanimity, and {} did not approve", v.partner));
                }
                settled &= weighted
                    .iter()
                    .all(|v| vote_of(&v.partner) == Some(Vote::Approve));
            }
        }
        for (role, needed) in &quorum.require_roles {
            let of_role = voters.iter().filter(|v| &v.role == role);
            let approved = of_role
                .clone()
                .filter(|v| vote_of(&v.partner) == Some(Vote::Approve))
                .count();
            let possible = approved + of_role.filter(|v| vote_of(&v.partner).is_none()).count();
            let needed_n = usize::try_from(*needed).unwrap_or(usize::MAX);
            if possible < needed_n {
                return unreachable(format!(
                    "needs {needed} approvals from role {role}, at most {possible} possible"
                ));
            }
            settled &= approved >= needed_n;
        }
        if let Some((subject, _)) = self.rotation {
            if self.electorate.voter(subject).is_none() {
                return unreachable(format!(
                    "the rotating partner {subject} is not in the electorate"
                ));
            }
            match self.votes.get(subject) {
                Some((Vote::Approve, true)) => {}
                Some(_) => {
                    return unreachable(format!(
                        "the rotating partner {subject} did not approve with its new keys"
                    ));
                }
                None => settled = false,
            }
        }
        settled.then_some(Outcome::Settled)
    }
}

/// Tallies `attestations` on `proposal` at `now`. `keys` is the key ring as it is now.
/// Pure and deterministic: the same inputs, in any order, give the same record. The only
/// error is an electorate made for another proposal.
pub fn tally(
    proposal: &Proposal,
    electorate: &Electorate,
    keys: &KeyRing,
    attestations: &[Attestation],
    now: Instant,
) -> Result<Tally, Error> {
    if electorate.proposal != proposal.digest() {
        return Err(Error::Proposal {
            message: format!(
                "the electorate was fixed for proposal {}, not {}",
                electorate.proposal,
                proposal.digest()
            ),
        });
    }
    let rotation = match proposal.change() {
        Change::Membership(MembershipChange::KeyRotation { partner, add, .. }) => {
            Some((partner.as_str(), add.as_slice()))
        }
        _ => None,
    };
    let mut accepted: Vec<(&Attestation, Verified)> = Vec::new();
    let mut refused = Vec::new();
    for a in attestations {
        let refuse = |reason: String| Refused {
            partner: a.partner.clone(),
            at: a.at,
            reason,
        };
        if electorate.voter(&a.partner).is_none() {
            refused.push(refuse("not in the electorate of this proposal".to_owned()));
            continue;
        }
        if a.at < proposal.at() {
            refused.push(refuse("made before the proposal".to_owned()));
            continue;
        }
        if a.at >= electorate.deadline {
            refused.push(refuse("made after the deadline".to_owned()));
            continue;
        }
        if a.at > now {
            refused.push(refuse("dated after now".to_owned()));
            continue;
        }
        let proposed: &[PublicKey] = match rotation {
            Some((subject, add)) if subject == a.partner => add,
            _ => &[],
        };
        match a.verify(proposal, keys, proposed) {
            Ok(v) => accepted.push((a, v)),
            Err(e) => refused.push(refuse(e.to_string())),
        }
    }
    // The order of the attestations themselves, never of their arrival.
    accepted.sort_by(|(x, _), (y, _)| (x.at, &x.partner, &x.jws).cmp(&(y.at, &y.partner, &y.jws)));
    refused.sort_by(|x, y| (x.at, &x.partner, &x.reason).cmp(&(y.at, &y.partner, &y.reason)));

    let mut count = Count {
        electorate,
        rotation,
        votes: BTreeMap::new(),
    };
    let mut decided = count.decide().map(|o| (o, proposal.at()));
    let mut heard = Vec::new();
    let mut provisional: Option<Provisional> = None;
    for (a, v) in &accepted {
        let note = if decided.is_some() {
            Some("made after the outcome".to_owned())
        } else if count.votes.contains_key(a.partner.as_str()) {
            Some("duplicate: the partner's first attestation counts".to_owned())
        } else {
            let with_new_keys = rotation.is_some_and(|(subject, add)| {
                subject == a.partner && add.iter().all(|k| v.proposed.contains(k))
            });
            count
                .votes
                .insert(a.partner.as_str(), (a.vote, with_new_keys));
            if provisional.is_none()
                && a.vote == Vote::Approve
                && electorate.reach.narrows()
                && electorate
                    .voter(&a.partner)
                    .is_some_and(|v| electorate.quorum.provisional.contains(&v.role))
            {
                provisional = Some(Provisional {
                    by: a.partner.clone(),
                    from: a.at,
                    until: electorate.deadline,
                });
            }
            decided = count.decide().map(|o| (o, a.at));
            None
        };
        heard.push(Heard {
            partner: a.partner.clone(),
            decision: a.vote,
            reason: a.reason.clone(),
            reason_digest: a.reason_digest(),
            at: a.at,
            jws: a.jws.clone(),
            counted: note.is_none(),
            note,
        });
    }
    let (outcome, effective_from) = match decided {
        Some((o, at)) => (o, Some(at)),
        None if now >= electorate.deadline => (Outcome::Lapsed, None),
        None => (Outcome::Pending, None),
    };
    if let (Some(p), Some(at)) = (provisional.as_mut(), effective_from) {
        p.until = at;
    }
    let not_heard = electorate
        .voters
        .iter()
        .filter(|v| !count.votes.contains_key(v.partner.as_str()))
        .map(|v| v.partner.clone())
        .collect();
    Ok(Tally {
        record_type: "accord-settlement",
        ruleset_id: proposal.ruleset_id().to_owned(),
        base: proposal.base().clone(),
        proposal_digest: proposal.digest().to_owned(),
        proposal: proposal.statement().clone(),
        membership_epoch: electorate.membership_epoch,
        electorate: electorate.voters.clone(),
        quorum: electorate.quorum.clone(),
        deadline: electorate.deadline,
        reach: electorate.reach.clone(),
        attestations: heard,
        refused,
        not_heard,
        weight_for: count.weight(Vote::Approve),
        weight_against: count.weight(Vote::Dissent),
        outcome,
        effective_from,
        provisional,
    })
}

impl Tally {
    /// The record as JSON (what the hub stores and signs).
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// Whether the proposed change is in effect at `at`: settled (from `effective_from`), or
    /// narrowing and provisionally approved (within the provisional period).
    pub fn in_effect_at(&self, at: Instant) -> bool {
        match (&self.outcome, self.effective_from, &self.provisional) {
            (Outcome::Settled, Some(from), _) if at >= from => true,
            (_, _, Some(p)) => p.from <= at && at < p.until,
            _ => false,
        }
    }
}
