//! Settlement by quorum in the hub's store, on both backends: proposals and attestations
//! signed with partners' keys (as their tooling would), tallied under the quorum of the rule
//! set in force, closed and applied; time is passed in.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod fanout_support;
// The fan-out harness keeps its database private; this test opens one of its own too.
#[allow(clippy::duplicate_mod)]
#[path = "test_db/mod.rs"]
mod test_db;

use std::collections::BTreeMap;

use fanout_support::{Hub, Kind, START, hub_with, malware, new_id};
use hub::store::settlement::{ProposalView, instant};
use hub::store::{PartnerStatus, StoreAdminError};
use release_rules::RuleSet;
use release_rules::settlement::{
    Attestation, Change, MembershipChange, PartnerKey, Proposal, Vote,
};
use serde_json::Value;
use taxii::store::{CredentialKind, Store};

const MISSION: &str = r#"
mission: {id: settle-mission}
policies: [nato.yaml]
default_label: {policy: NATO, classification: UNCLASSIFIED}
partners:
  - {id: GBR, nation: GBR, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
  - {id: USA, nation: USA, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
  - {id: DEU, nation: DEU, communities: [NATO], clearance: {NATO: SECRET}, role: supporting}
  - {id: OBS, nation: NOR, communities: [NATO], clearance: {NATO: SECRET}, role: observing}
api_roots:
  - name: mission
    title: Mission
    collections:
      - {alias: shared, title: Shared}
rules:
  id: settle/release
  version: 1
  quorum:
    roles: {lead: {weight: 2, veto: true}, supporting: {weight: 1}, observing: {weight: 0}}
    min_weight: 4
    require_roles: {lead: 1}
    deadline: P7D
  rules:
    - {id: base-release, effect: release}
    - id: no-malware-to-observers
      effect: withhold
      scope: {attr: object.type, op: eq, value: malware}
      audience: {attr: subject.role, op: eq, value: observing}
"#;

const QUORUM: &str = "quorum: {roles: {lead: {weight: 2, veto: true}, supporting: {weight: 1}, \
     observing: {weight: 0}}, min_weight: 4, require_roles: {lead: 1}, deadline: P7D}";

/// Rule set 2 without the observer rule: widens (observers get malware).
fn widening() -> String {
    format!(
        "id: settle/release\nversion: 2\n{QUORUM}\nrules: [{{id: base-release, effect: release}}]\n"
    )
}

/// Rule set 2 adding a withhold rule: malware to nobody but leads. Narrows.
fn narrowing() -> String {
    format!(
        "id: settle/release\nversion: 2\n{QUORUM}\nrules: [{{id: base-release, effect: release}}, {{id: no-malware-to-observers, effect: withhold, scope: {{attr: object.type, op: eq, value: malware}}, audience: {{attr: subject.role, op: eq, value: observing}}}}, {{id: malware-to-leads, effect: withhold, scope: {{attr: object.type, op: eq, value: malware}}, audience: {{attr: subject.role, op: ne, value: lead}}}}]\n"
    )
}

const SECOND: i64 = 1_000_000;
const DAY: i64 = 86_400 * SECOND;

struct Mission {
    hub: Hub,
    keys: BTreeMap<&'static str, PartnerKey>,
}

fn key(seed: u8) -> PartnerKey {
    PartnerKey::from_seed(&[seed; 32]).unwrap()
}

async fn mission(kind: Kind) -> Mission {
    let hub = hub_with(kind, MISSION).await;
    let mut keys = BTreeMap::new();
    for (seed, partner) in [(1, "GBR"), (2, "USA"), (3, "DEU"), (4, "OBS")] {
        let k = key(seed);
        hub.store
            .register_partner_key(partner, &k.public_key(), START)
            .await
            .unwrap();
        keys.insert(partner, k);
    }
    Mission { hub, keys }
}

impl Mission {
    async fn propose(&self, by: &str, change: Change, now: i64) -> Result<i64, StoreAdminError> {
        let (in_force, membership) = self.hub.store.settlement_base(now).await?;
        let p = Proposal::new(&in_force, membership.epoch, by, instant(now), change).unwrap();
        let signature = p.signed_by(&self.keys[by]);
        self.hub
            .store
            .submit_proposal(&p.to_json(), &signature, "test", now)
            .await
    }

    async fn propose_rules(&self, by: &str, text: &str, now: i64) -> i64 {
        let (in_force, _) = self.hub.store.settlement_base(now).await.unwrap();
        let mut doc: Value = serde_norway::from_str(text).unwrap();
        doc["base"] = serde_json::json!({"version": in_force.version, "digest": in_force.digest()});
        let next = RuleSet::from_value(doc).unwrap();
        self.propose(by, Change::RuleSet(Box::new(next)), now)
            .await
            .unwrap()
    }

    async fn attest_with(
        &self,
        id: i64,
        partner: &str,
        vote: Vote,
        now: i64,
        keys: &[&PartnerKey],
    ) -> Result<ProposalView, StoreAdminError> {
        let view = self.hub.store.proposal_view(id, now).await?;
        let p = Proposal::from_json(&view.proposal).unwrap();
        let reason = (vote == Vote::Dissent).then_some("not for our observers");
        let mut a = Attestation::new(&p, partner, vote, reason, instant(now)).unwrap();
        for k in keys {
            a = a.signed_by(k);
        }
        self.hub.store.submit_attestation(id, &a, "test", now).await
    }

    async fn attest(&self, id: i64, partner: &str, vote: Vote, now: i64) -> ProposalView {
        self.attest_with(id, partner, vote, now, &[&self.keys[partner]])
            .await
            .unwrap()
    }

    async fn sees_malware(&self, partner: &str, id: &str) -> bool {
        self.hub.ids(partner, &[]).await.contains(&id.to_owned())
    }
}

fn not_heard(view: &ProposalView) -> Vec<String> {
    serde_json::from_value(view.record["not_heard"].clone()).unwrap()
}

async fn settled_rule_set_takes_effect_and_widens_only_then(kind: Kind) {
    let m = mission(kind).await;
    let id = new_id("malware");
    m.hub.post("GBR", &[malware(&id)]).await;
    assert!(!m.sees_malware("OBS", &id).await);

    let t = START + 10 * SECOND;
    let n = m.propose_rules("GBR", &widening(), t).await;
    assert_eq!(
        m.attest(n, "GBR", Vote::Approve, t + SECOND).await.outcome,
        "pending"
    );
    let view = m.attest(n, "DEU", Vote::Approve, t + 2 * SECOND).await;
    assert_eq!(view.outcome, "pending");
    assert_eq!(view.record["weight_for"], 3);
    // Widening: nothing provisional, the observer still gets no malware.
    assert!(view.effects.is_empty());
    assert!(!m.sees_malware("OBS", &id).await);

    let view = m.attest(n, "USA", Vote::Approve, t + 3 * SECOND).await;
    assert_eq!(view.outcome, "settled");
    assert!(view.closed);
    assert_eq!(view.record["weight_for"], 5);
    assert_eq!(not_heard(&view), ["OBS"]);
    assert_eq!(view.effects.len(), 1);
    assert_eq!(view.effects[0].kind, "applied");
    assert_eq!(view.effects[0].version, Some(2));
    // In force, views recomputed: the observer now gets the malware.
    assert!(m.sees_malware("OBS", &id).await);
    let (in_force, _) = m.hub.store.settlement_base(t + 4 * SECOND).await.unwrap();
    assert_eq!(in_force.version, 2);
    // A closed proposal takes no more attestations.
    let late = m
        .attest_with(
            n,
            "OBS",
            Vote::Acknowledge,
            t + 5 * SECOND,
            &[&m.keys["OBS"]],
        )
        .await;
    assert!(matches!(late, Err(StoreAdminError::Invalid(msg)) if msg.contains("closed")));
}

async fn a_lead_dissent_vetoes_and_nothing_changes(kind: Kind) {
    let m = mission(kind).await;
    let id = new_id("malware");
    m.hub.post("GBR", &[malware(&id)]).await;
    let t = START + 10 * SECOND;
    let n = m.propose_rules("GBR", &widening(), t).await;
    m.attest(n, "GBR", Vote::Approve, t + SECOND).await;
    m.attest(n, "DEU", Vote::Approve, t + 2 * SECOND).await;
    let view = m.attest(n, "USA", Vote::Dissent, t + 3 * SECOND).await;
    assert_eq!(view.outcome, "rejected");
    assert_eq!(view.record["rejection"]["by"], "veto");
    assert_eq!(view.record["rejection"]["partner"], "USA");
    let dissent = view.record["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["partner"] == "USA")
        .unwrap();
    assert_eq!(dissent["reason"], "not for our observers");
    assert!(view.effects.is_empty());
    assert!(!m.sees_malware("OBS", &id).await);
    let (in_force, _) = m.hub.store.settlement_base(t + 4 * SECOND).await.unwrap();
    assert_eq!(in_force.version, 1);
}

async fn a_proposal_lapses_at_its_deadline_listing_who_was_not_heard(kind: Kind) {
    let m = mission(kind).await;
    let t = START + 10 * SECOND;
    let n = m.propose_rules("GBR", &widening(), t).await;
    m.attest(n, "GBR", Vote::Approve, t + SECOND).await;
    m.attest(n, "OBS", Vote::Acknowledge, t + 2 * SECOND).await;
    // Partial quorum before the deadline: pending, with who has not been heard.
    let view = m.hub.store.proposal_view(n, t + 6 * DAY).await.unwrap();
    assert_eq!(view.outcome, "pending");
    assert!(!view.closed);
    assert_eq!(not_heard(&view), ["DEU", "USA"]);
    // Past the deadline (P7D): lapsed, and the record is stored as such.
    let view = m.hub.store.proposal_view(n, t + 7 * DAY).await.unwrap();
    assert_eq!(view.outcome, "lapsed");
    assert!(view.closed);
    assert_eq!(view.record["weight_for"], 2);
    assert_eq!(not_heard(&view), ["DEU", "USA"]);
    let heard: Vec<&str> = view.record["attestations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["partner"].as_str().unwrap())
        .collect();
    assert_eq!(heard, ["GBR", "OBS"]);
    // An attestation after the deadline is refused: made out of the window.
    let late = m
        .attest_with(n, "USA", Vote::Approve, t + 8 * DAY, &[&m.keys["USA"]])
        .await;
    assert!(late.is_err());
    let (in_force, _) = m.hub.store.settlement_base(t + 8 * DAY).await.unwrap();
    assert_eq!(in_force.version, 1);
}

async fn a_membership_change_mid_proposal_keeps_its_electorate(kind: Kind) {
    let m = mission(kind).await;
    let deu_token = fanout_support::digest("deu-token");
    m.hub
        .store
        .create_credential("DEU", CredentialKind::Token, None, deu_token)
        .await
        .unwrap();
    let active = m
        .hub
        .store
        .authenticate_credential(CredentialKind::Token, &deu_token)
        .await
        .unwrap();
    assert_eq!(active.unwrap().partner_id, "DEU");
    let t = START + 10 * SECOND;
    let rules = m.propose_rules("GBR", &widening(), t).await;
    let suspend = m
        .propose(
            "USA",
            Change::Membership(MembershipChange::Suspension {
                partner: "DEU".into(),
            }),
            t + SECOND,
        )
        .await
        .unwrap();
    // DEU does not vote on its own suspension: the two leads settle it.
    m.attest(suspend, "GBR", Vote::Approve, t + 2 * SECOND)
        .await;
    let view = m
        .attest(suspend, "USA", Vote::Approve, t + 3 * SECOND)
        .await;
    assert_eq!(view.outcome, "settled");
    let electorate: Vec<&str> = view.record["electorate"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["partner"].as_str().unwrap())
        .collect();
    assert_eq!(electorate, ["GBR", "OBS", "USA"]);
    let deu = m
        .hub
        .store
        .list_partners()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "DEU")
        .unwrap();
    assert_eq!(deu.status, PartnerStatus::Suspended);
    // Suspended: its credentials no longer authenticate (quarantining its submissions
    // instead needs a change in the ingest path, see the report).
    let who = m
        .hub
        .store
        .authenticate_credential(CredentialKind::Token, &deu_token)
        .await
        .unwrap();
    assert!(who.is_none());
    let (_, membership) = m.hub.store.settlement_base(t + 4 * SECOND).await.unwrap();
    assert_eq!(membership.epoch, 1);

    // The rule-set proposal was made at epoch 0: DEU still votes on it.
    m.attest(rules, "GBR", Vote::Approve, t + 5 * SECOND).await;
    let view = m.attest(rules, "DEU", Vote::Approve, t + 6 * SECOND).await;
    assert_eq!(view.record["membership_epoch"], 0);
    assert_eq!(view.record["weight_for"], 3);
    let view = m.attest(rules, "USA", Vote::Approve, t + 7 * SECOND).await;
    assert_eq!(view.outcome, "settled");
    // A new proposal is made at epoch 1, where DEU has no vote.
    let next = m
        .propose(
            "GBR",
            Change::Membership(MembershipChange::RoleChange {
                partner: "OBS".into(),
                role: "supporting".into(),
            }),
            t + 8 * SECOND,
        )
        .await
        .unwrap();
    let refused = m
        .attest_with(
            next,
            "DEU",
            Vote::Approve,
            t + 9 * SECOND,
            &[&m.keys["DEU"]],
        )
        .await;
    assert!(
        matches!(&refused, Err(StoreAdminError::Invalid(msg)) if msg.contains("not in the electorate")),
        "{refused:?}"
    );
}

async fn a_key_rotation_retires_the_old_key_and_the_new_one_counts(kind: Kind) {
    let m = mission(kind).await;
    let t = START + 10 * SECOND;
    let new_key = key(21);
    let n = m
        .propose(
            "GBR",
            Change::Membership(MembershipChange::KeyRotation {
                partner: "GBR".into(),
                add: vec![new_key.public_key()],
                retire: vec![m.keys["GBR"].public_key()],
            }),
            t,
        )
        .await
        .unwrap();
    // Without proof of possession of the new key, the subject's approval cannot settle it.
    m.attest(n, "USA", Vote::Approve, t + SECOND).await;
    let view = m
        .attest_with(
            n,
            "GBR",
            Vote::Approve,
            t + 2 * SECOND,
            &[&m.keys["GBR"], &new_key],
        )
        .await
        .unwrap();
    assert_eq!(view.outcome, "settled");
    let keys = m.hub.store.partner_keys(Some("GBR")).await.unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].valid_until.is_some());
    assert_eq!(keys[1].key, new_key.public_key().to_string());
    assert_eq!(keys[1].source, format!("proposal:{n}"));

    // GBR's old key no longer signs; its new one does.
    let r = m.propose_rules("USA", &widening(), t + 3 * SECOND).await;
    let old = m
        .attest_with(r, "GBR", Vote::Approve, t + 4 * SECOND, &[&m.keys["GBR"]])
        .await;
    assert!(
        matches!(&old, Err(StoreAdminError::Invalid(msg)) if msg.contains("was not valid")),
        "{old:?}"
    );
    let view = m
        .attest_with(r, "GBR", Vote::Approve, t + 5 * SECOND, &[&new_key])
        .await
        .unwrap();
    assert_eq!(view.record["weight_for"], 2);
}

async fn bad_signatures_are_refused_with_what_is_wrong(kind: Kind) {
    let m = mission(kind).await;
    let t = START + 10 * SECOND;
    let n = m.propose_rules("GBR", &widening(), t).await;
    let stranger = key(99);
    let unknown = m
        .attest_with(n, "DEU", Vote::Approve, t + SECOND, &[&stranger])
        .await;
    assert!(
        matches!(&unknown, Err(StoreAdminError::Invalid(msg)) if msg.contains("DEU") && msg.contains("unknown key")),
        "{unknown:?}"
    );
    // Another partner's key is not DEU's.
    let borrowed = m
        .attest_with(n, "DEU", Vote::Approve, t + SECOND, &[&m.keys["USA"]])
        .await;
    assert!(borrowed.is_err());
    // A proposal signed by a key its proposer does not hold is refused.
    let (in_force, membership) = m.hub.store.settlement_base(t).await.unwrap();
    let mut doc: Value = serde_norway::from_str(&narrowing()).unwrap();
    doc["base"] = serde_json::json!({"version": in_force.version, "digest": in_force.digest()});
    let p = Proposal::new(
        &in_force,
        membership.epoch,
        "DEU",
        instant(t),
        Change::RuleSet(Box::new(RuleSet::from_value(doc).unwrap())),
    )
    .unwrap();
    let refused = m
        .hub
        .store
        .submit_proposal(&p.to_json(), &p.signed_by(&m.keys["GBR"]), "test", t)
        .await;
    assert!(
        matches!(&refused, Err(StoreAdminError::Invalid(msg)) if msg.contains("DEU has no key")),
        "{refused:?}"
    );
    // Nothing refused was stored.
    let view = m.hub.store.proposal_view(n, t + 2 * SECOND).await.unwrap();
    assert!(view.record["attestations"].as_array().unwrap().is_empty());
    assert_eq!(m.hub.store.proposal_views(t).await.unwrap().len(), 1);
}

async fn a_narrowing_change_is_provisional_on_a_lead_and_undone_when_it_lapses(kind: Kind) {
    let m = mission(kind).await;
    let id = new_id("malware");
    m.hub.post("GBR", &[malware(&id)]).await;
    assert!(m.sees_malware("DEU", &id).await);
    let t = START + 10 * SECOND;
    let n = m.propose_rules("USA", &narrowing(), t).await;
    // One lead's approval: in effect at once, pending settlement.
    let view = m.attest(n, "GBR", Vote::Approve, t + SECOND).await;
    assert_eq!(view.outcome, "pending");
    assert_eq!(view.effects[0].kind, "provisional");
    assert!(!m.sees_malware("DEU", &id).await);
    // Not ratified within the deadline: lapsed, the base rules come back as version 3.
    let view = m.hub.store.proposal_view(n, t + 8 * DAY).await.unwrap();
    assert_eq!(view.outcome, "lapsed");
    let restored = view.effects.iter().find(|e| e.kind == "restored").unwrap();
    assert_eq!(restored.version, Some(3));
    assert!(m.sees_malware("DEU", &id).await);
    let (in_force, _) = m.hub.store.settlement_base(t + 8 * DAY).await.unwrap();
    assert_eq!(in_force.version, 3);
    assert!(in_force.rule("malware-to-leads").is_none());
}

async fn proposals_attestations_and_settlements_enter_the_audit_chain(kind: Kind) {
    let m = mission(kind).await;
    let t = START + 10 * SECOND;
    let log = m.hub.store.audit();
    let before = log.head().await.unwrap().size;
    let n = m
        .propose(
            "GBR",
            Change::Membership(MembershipChange::Suspension {
                partner: "DEU".into(),
            }),
            t,
        )
        .await
        .unwrap();
    m.attest(n, "GBR", Vote::Approve, t + SECOND).await;
    m.attest(n, "USA", Vote::Approve, t + 2 * SECOND).await;
    let size = log.head().await.unwrap().size;
    let records: Vec<Value> = log
        .records(before, size)
        .await
        .unwrap()
        .iter()
        .map(|r| serde_json::from_str(&r.body).unwrap())
        .collect();
    let settlement: Vec<&Value> = records
        .iter()
        .filter(|r| r["target"]["proposal"] == n)
        .collect();
    let kinds: Vec<&str> = settlement
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "proposal",
            "attestation",
            "attestation",
            "settlement",
            "membership"
        ]
    );
    assert_eq!(settlement[1]["actor"]["partner"], "GBR");
    assert_eq!(settlement[1]["decision"]["effect"], "approve");
    assert_eq!(settlement[3]["decision"]["effect"], "settled");
    assert_eq!(
        settlement[3]["detail"]["not_heard"],
        serde_json::json!(["OBS"])
    );
    assert_eq!(settlement[4]["target"]["partner"], "DEU");
    assert!(log.verify(&[]).await.unwrap().is_ok());
}

async fn proposals_and_attestations_are_append_only(kind: Kind) {
    // The zero-config hub: partner `local`, a rule set with no quorum (unanimity).
    let db = test_db::TestDb::fresh(match kind {
        Kind::Sqlite => test_db::Kind::Sqlite,
        Kind::Postgres => test_db::Kind::Postgres,
    })
    .await;
    let store = hub::store::AnyStore::open(&db.url).await.unwrap();
    store.bootstrap([1; 32]).await.unwrap();
    let local = key(7);
    let t = START;
    store
        .register_partner_key("local", &local.public_key(), t)
        .await
        .unwrap();
    let (in_force, membership) = store.settlement_base(t).await.unwrap();
    let mut doc = in_force.source().clone();
    doc["version"] = serde_json::json!(in_force.version + 1);
    doc["base"] = serde_json::json!({"version": in_force.version, "digest": in_force.digest()});
    let next = RuleSet::from_value(doc).unwrap();
    let p = Proposal::new(
        &in_force,
        membership.epoch,
        "local",
        instant(t),
        Change::RuleSet(Box::new(next)),
    )
    .unwrap();
    let n = store
        .submit_proposal(&p.to_json(), &p.signed_by(&local), "test", t)
        .await
        .unwrap();
    let a = Attestation::new(&p, "local", Vote::Approve, None, instant(t + SECOND))
        .unwrap()
        .signed_by(&local);
    let view = store
        .submit_attestation(n, &a, "test", t + SECOND)
        .await
        .unwrap();
    assert_eq!(view.outcome, "settled");
    store.close().await;
    for statement in [
        "UPDATE settlement_proposals SET by_partner = 'USA'",
        "DELETE FROM settlement_proposals",
        "UPDATE settlement_attestations SET document = '{}'",
        "DELETE FROM settlement_attestations",
        "UPDATE settlement_records SET outcome = 'rejected'",
        "DELETE FROM settlement_records",
    ] {
        use sqlx::Connection;
        let result = match kind {
            Kind::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
                sqlx::query(statement).execute(&mut c).await.map(|_| ())
            }
            Kind::Postgres => {
                let mut c = sqlx::PgConnection::connect(&db.url).await.unwrap();
                sqlx::query(statement).execute(&mut c).await.map(|_| ())
            }
        };
        let error = result.expect_err(statement).to_string();
        assert!(error.contains("append-only"), "{statement}: {error}");
    }
}

both_backends!(
    settled_rule_set_takes_effect_and_widens_only_then,
    a_lead_dissent_vetoes_and_nothing_changes,
    a_proposal_lapses_at_its_deadline_listing_who_was_not_heard,
    a_membership_change_mid_proposal_keeps_its_electorate,
    a_key_rotation_retires_the_old_key_and_the_new_one_counts,
    bad_signatures_are_refused_with_what_is_wrong,
    a_narrowing_change_is_provisional_on_a_lead_and_undone_when_it_lapses,
    proposals_attestations_and_settlements_enter_the_audit_chain,
    proposals_and_attestations_are_append_only,
);
