//! Settlement by quorum in the hub (issue 5): partners' authority keys, membership epochs,
//! proposals, attestations and settlement records, on both backends. The decisions are
//! `release_rules::settlement`'s; this module stores what it needs and applies what it
//! settles.
//!
//! The SQL lives in `settlement_sql.rs`, included by `sqlite.rs` and `postgres.rs` like the
//! rest of the store. Every function takes `now` (microseconds since the Unix epoch) so that
//! deadlines are tested without waiting.
//!
//! Closing a proposal (its record, and for a membership change the next epoch and its keys)
//! is one transaction. Changing the hub's own partners and rule sets then goes through the
//! existing public paths (`load_rules`, `set_partner_status`, `set_partner_attributes`,
//! `add_partner`), each its own transaction, followed by the view recomputation; every step
//! is recorded in `settlement_effects` and idempotent, and [`AnyStore::settlement_follow_up`]
//! (run by every settlement operation) finishes whatever a crash interrupted.

use std::collections::BTreeMap;

use release_rules::settlement::{
    Attestation, KeyRing, Member, Membership, MembershipChange, Tally,
};
use release_rules::subject::Status;
use release_rules::time::Duration;
use release_rules::{RuleSet, settlement::PublicKey};
use serde::Serialize;
use serde_json::Value;
use stix_model::timestamp::Instant;

use super::{AnyStore, PartnerStatus, StoreAdminError};

/// How far a signed statement's `at` may be from the hub's receive time.
pub const SKEW_SECONDS: i64 = 300;

/// The skew as a release-rules duration.
pub fn skew() -> Duration {
    Duration::from_seconds(SKEW_SECONDS).unwrap_or(Duration::ZERO)
}

/// Microseconds since the epoch as an instant.
pub fn instant(micros: i64) -> Instant {
    Instant {
        seconds: micros.div_euclid(1_000_000),
        nanos: u32::try_from(micros.rem_euclid(1_000_000) * 1_000).unwrap_or(0),
    }
}

/// An instant as microseconds since the epoch.
pub fn micros(at: Instant) -> i64 {
    at.seconds
        .saturating_mul(1_000_000)
        .saturating_add(i64::from(at.nanos / 1_000))
}

/// Microseconds since the epoch as an RFC 3339 timestamp.
pub fn stamp(micros: i64) -> String {
    taxii::query::DateAdded(micros).to_string()
}

/// A registered key with its validity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyView {
    pub partner: String,
    pub key: String,
    pub valid_from: String,
    pub valid_until: Option<String>,
    pub source: String,
}

/// A proposal as the admin API and CLI show it.
#[derive(Debug, Clone, Serialize)]
pub struct ProposalView {
    pub id: i64,
    pub digest: String,
    /// `ruleset`, `join`, `role_change`, `suspension`, `departure` or `key_rotation`.
    pub kind: String,
    pub by: String,
    pub made_at: String,
    pub deadline: String,
    /// `pending`, `settled`, `rejected`, `lapsed` or `superseded`.
    pub outcome: String,
    /// Whether the outcome is final (the record is stored).
    pub closed: bool,
    /// The proposal as signed (statement, plus the proposed rule-set document).
    pub proposal: Value,
    pub proposer_jws: String,
    /// The settlement record (§7.5): electorate, quorum, attestations, refused, not heard,
    /// weights, outcome, effective from, provisional effect.
    pub record: Value,
    /// What the proposal did to the hub: `provisional`, `applied`, `restored` (with the
    /// rule-set version loaded, where one was).
    pub effects: Vec<EffectView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EffectView {
    pub kind: String,
    pub version: Option<i64>,
    pub at: String,
}

/// A step the hub owes after a settlement transaction, found by `settle_review`.
#[derive(Debug, Clone)]
pub enum FollowUp {
    /// A settled rule set to put in force (unless already loaded, provisionally).
    ApplyRules { proposal: i64, document: Value },
    /// A settled membership change to make in the hub's partners.
    ApplyMembership {
        proposal: i64,
        change: MembershipChange,
    },
    /// A narrowing rule set approved by a provisional role: in force until the outcome.
    Provisional { proposal: i64, document: Value },
    /// A provisional rule set whose proposal did not settle: load the base content again.
    Restore { proposal: i64, base: Value },
}

/// Reads a stored membership: the members of the epoch, the key ring as it is now.
pub(crate) fn membership_of(
    epoch: i64,
    members_json: &str,
    keys: &[(String, String, i64, Option<i64>)],
) -> Result<Membership, StoreAdminError> {
    let members: Vec<Member> = serde_json::from_str(members_json)
        .map_err(|e| StoreAdminError::Invalid(format!("membership epoch {epoch}: {e}")))?;
    let mut m = Membership::new(u64::try_from(epoch).unwrap_or(0));
    for member in &members {
        m.insert(&member.partner, &member.role, member.status)
            .map_err(invalid)?;
    }
    m.keys = key_ring(keys)?;
    Ok(m)
}

/// The key ring from `(partner, key, valid_from, valid_until)` rows.
pub(crate) fn key_ring(
    keys: &[(String, String, i64, Option<i64>)],
) -> Result<KeyRing, StoreAdminError> {
    let mut ring = KeyRing::new();
    for (partner, key, from, until) in keys {
        let key = PublicKey::parse(key).map_err(invalid)?;
        ring.register(partner, key.clone(), instant(*from))
            .map_err(invalid)?;
        if let Some(until) = until {
            ring.retire(partner, &key, instant(*until))
                .map_err(invalid)?;
        }
    }
    Ok(ring)
}

/// The JSON of an epoch's members.
pub(crate) fn members_json(m: &Membership) -> String {
    let members: Vec<&Member> = m.members().collect();
    serde_json::to_string(&members).unwrap_or_else(|_| "[]".to_owned())
}

/// The kind column of a proposal.
pub(crate) fn kind_of(proposal: &release_rules::settlement::Proposal) -> &'static str {
    match proposal.change() {
        release_rules::settlement::Change::RuleSet(_) => "ruleset",
        release_rules::settlement::Change::Membership(m) => match m {
            MembershipChange::Join { .. } => "join",
            MembershipChange::RoleChange { .. } => "role_change",
            MembershipChange::Suspension { .. } => "suspension",
            MembershipChange::Departure { .. } => "departure",
            MembershipChange::KeyRotation { .. } => "key_rotation",
        },
    }
}

/// The outcome word of a tally.
pub(crate) fn outcome_of(tally: &Tally) -> &'static str {
    match tally.outcome {
        release_rules::settlement::Outcome::Settled => "settled",
        release_rules::settlement::Outcome::Rejected { .. } => "rejected",
        release_rules::settlement::Outcome::Lapsed => "lapsed",
        release_rules::settlement::Outcome::Pending => "pending",
    }
}

/// The base rule set's document made the next version after `latest`: what undoing a
/// provisional change loads (rule-set versions only go forward).
pub(crate) fn restoration(base: &RuleSet, latest: &RuleSet) -> Value {
    let mut doc = base.source().clone();
    if let Some(map) = doc.as_object_mut() {
        map.insert("version".into(), Value::from(latest.version + 1));
        map.insert(
            "base".into(),
            serde_json::json!({"version": latest.version, "digest": latest.digest()}),
        );
    }
    doc
}

pub(crate) fn invalid(e: impl ToString) -> StoreAdminError {
    StoreAdminError::Invalid(e.to_string())
}

macro_rules! dispatch {
    ($self:ident, $store:ident => $body:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $body,
            AnyStore::Postgres($store) => $body,
        }
    };
}

impl AnyStore {
    /// Registers a partner's first authority key (operator enrolment). A partner that already
    /// has a current key changes keys by a settled key rotation only.
    pub async fn register_partner_key(
        &self,
        partner: &str,
        key: &PublicKey,
        now: i64,
    ) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.settle_register_key(partner, key, now).await)
    }

    /// Registered keys (of one partner, or all), oldest first.
    pub async fn partner_keys(
        &self,
        partner: Option<&str>,
    ) -> Result<Vec<KeyView>, StoreAdminError> {
        dispatch!(self, store => store.settle_keys(partner).await)
    }

    /// What a partner's tooling builds a proposal on: the rule set in force and the current
    /// membership (the genesis epoch is taken from the hub's partners on first use).
    pub async fn settlement_base(
        &self,
        now: i64,
    ) -> Result<(RuleSet, Membership), StoreAdminError> {
        dispatch!(self, store => store.settle_base(now).await)
    }

    /// Stores a signed proposal (`document` as `Proposal::to_json` writes it, `signature` the
    /// proposer's detached JWS) made on the rule set in force and the current epoch; returns
    /// its number. `from` says who relayed it (partner/credential, or `cli`).
    pub async fn submit_proposal(
        &self,
        document: &Value,
        signature: &str,
        from: &str,
        now: i64,
    ) -> Result<i64, StoreAdminError> {
        self.settlement_follow_up(now).await?;
        let id =
            dispatch!(self, store => store.settle_propose(document, signature, from, now).await)?;
        self.settlement_follow_up(now).await?;
        Ok(id)
    }

    /// Stores a signed attestation on proposal `id` after checking it (signatures against the
    /// registered keys, voter, time); tallies, closes and applies when decisive.
    pub async fn submit_attestation(
        &self,
        id: i64,
        attestation: &Attestation,
        from: &str,
        now: i64,
    ) -> Result<ProposalView, StoreAdminError> {
        self.settlement_follow_up(now).await?;
        dispatch!(self, store => store.settle_attest(id, attestation, from, now).await)?;
        self.settlement_follow_up(now).await?;
        self.proposal_view(id, now).await
    }

    /// Proposal `id` with its record as of `now` (a proposal past its deadline is closed as
    /// lapsed first).
    pub async fn proposal_view(&self, id: i64, now: i64) -> Result<ProposalView, StoreAdminError> {
        self.settlement_follow_up(now).await?;
        dispatch!(self, store => store.settle_view(Some(id), now).await)?
            .into_iter()
            .next()
            .ok_or_else(|| StoreAdminError::NotFound(format!("proposal {id}")))
    }

    /// Every proposal, newest first, as of `now`.
    pub async fn proposal_views(&self, now: i64) -> Result<Vec<ProposalView>, StoreAdminError> {
        self.settlement_follow_up(now).await?;
        dispatch!(self, store => store.settle_view(None, now).await)
    }

    /// Closes what is due (lapsed, superseded, decided) and carries out what settled
    /// proposals owe the hub: rule sets put in force (views recomputed), partners changed.
    pub async fn settlement_follow_up(&self, now: i64) -> Result<(), StoreAdminError> {
        let due = dispatch!(self, store => store.settle_review(now).await)?;
        if due.is_empty() {
            return Ok(());
        }
        for step in due {
            match step {
                FollowUp::ApplyRules { proposal, document } => {
                    let version = self.load_rules_once(&document).await?;
                    self.record_effect(proposal, "applied", Some(version), now)
                        .await?;
                }
                FollowUp::Provisional { proposal, document } => {
                    let version = self.load_rules_once(&document).await?;
                    self.record_effect(proposal, "provisional", Some(version), now)
                        .await?;
                }
                FollowUp::Restore { proposal, base } => {
                    let version = self.load_rules_once(&base).await?;
                    self.record_effect(proposal, "restored", Some(version), now)
                        .await?;
                }
                FollowUp::ApplyMembership { proposal, change } => {
                    self.apply_membership(&change).await?;
                    self.record_effect(proposal, "applied", None, now).await?;
                }
            }
        }
        self.run_release_jobs(&crate::fanout::jobs::worker_id())
            .await?;
        Ok(())
    }

    async fn record_effect(
        &self,
        proposal: i64,
        kind: &str,
        version: Option<i64>,
        now: i64,
    ) -> Result<(), StoreAdminError> {
        dispatch!(self, store => store.settle_record_effect(proposal, kind, version, now).await)
    }

    /// Loads a rule-set document through the ordinary path unless that very version (same
    /// digest) is already loaded; returns its version.
    async fn load_rules_once(&self, document: &Value) -> Result<i64, StoreAdminError> {
        let rules = RuleSet::from_value(document.clone()).map_err(invalid)?;
        let version = i64::try_from(rules.version).unwrap_or(i64::MAX);
        let loaded = dispatch!(self, store => store.settle_rule_set_digest(version).await)?;
        if loaded.as_deref() != Some(rules.digest()) {
            self.load_rules(&document.to_string()).await?;
        }
        Ok(version)
    }

    /// Makes a settled membership change in the hub's partners (idempotent: sets the target
    /// state). A departed partner is suspended in the hub (its credentials stop working);
    /// the membership epoch says it left.
    async fn apply_membership(&self, change: &MembershipChange) -> Result<(), StoreAdminError> {
        let subject = change.subject();
        let known: BTreeMap<String, PartnerStatus> = self
            .list_partners()
            .await?
            .into_iter()
            .map(|p| (p.id, p.status))
            .collect();
        match change {
            MembershipChange::Join { partner, role, .. } => {
                if known.contains_key(partner) {
                    if known.get(partner) != Some(&PartnerStatus::Active) {
                        self.set_partner_status(partner, PartnerStatus::Active)
                            .await?;
                    }
                    self.set_role(partner, role).await?;
                } else {
                    self.add_partner(partner, partner, role).await?;
                }
            }
            MembershipChange::RoleChange { partner, role } => {
                self.set_role(partner, role).await?;
            }
            MembershipChange::Suspension { .. } | MembershipChange::Departure { .. } => {
                if known.get(subject) == Some(&PartnerStatus::Active) {
                    self.set_partner_status(subject, PartnerStatus::Suspended)
                        .await?;
                }
            }
            MembershipChange::KeyRotation { .. } => {}
        }
        Ok(())
    }

    async fn set_role(&self, partner: &str, role: &str) -> Result<(), StoreAdminError> {
        let mut attributes = self.partner_attributes(partner).await?;
        if attributes.role != role {
            attributes.role = role.to_owned();
            self.set_partner_attributes(&attributes).await?;
        }
        Ok(())
    }
}

/// A membership member's status from the hub's partner status.
pub(crate) fn member_status(status: &str) -> Status {
    match status {
        "active" => Status::Active,
        _ => Status::Suspended,
    }
}

/// The audit chain's in-transaction append for the backend a copy of `settlement_sql.rs` is
/// compiled for.
pub(crate) trait AuditAppend: sqlx::Database {
    async fn append_audit(
        conn: &mut Self::Connection,
        time: i64,
        entries: Vec<crate::audit::record::AuditEntry>,
    ) -> Result<(), taxii::store::StoreError>;
}

impl AuditAppend for sqlx::Sqlite {
    async fn append_audit(
        conn: &mut sqlx::SqliteConnection,
        time: i64,
        entries: Vec<crate::audit::record::AuditEntry>,
    ) -> Result<(), taxii::store::StoreError> {
        super::audit::sqlite::append(conn, time, entries, None)
            .await
            .map(drop)
    }
}

impl AuditAppend for sqlx::Postgres {
    async fn append_audit(
        conn: &mut sqlx::PgConnection,
        time: i64,
        entries: Vec<crate::audit::record::AuditEntry>,
    ) -> Result<(), taxii::store::StoreError> {
        super::audit::postgres::append(conn, time, entries, None)
            .await
            .map(drop)
    }
}
