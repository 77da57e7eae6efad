//! Settlement by quorum (issue 5, design §5 and §7.5): one test per rule, with real Ed25519
//! keys and signatures, plus a property: the outcome does not depend on arrival order.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use proptest::prelude::*;
use release_rules::RuleSet;
use release_rules::settlement::quorum::{Rejection, Threshold};
use release_rules::settlement::{
    Attestation, Change, Electorate, Membership, MembershipChange, Outcome, PartnerKey, Proposal,
    Quorum, Reach, Tally, Vote, tally,
};
use release_rules::subject::Status;
use serde_json::{Value, json};
use stix_model::timestamp::{Instant, Timestamp};

/// The §7.5 electorate: two leads with veto, three supporting partners, one observer.
const PARTNERS: &[(&str, &str)] = &[
    ("GBR-NCSC", "lead"),
    ("USA-CISA", "lead"),
    ("DEU-BSI", "supporting"),
    ("FRA-ANSSI", "supporting"),
    ("ITA-CSIRT", "supporting"),
    ("NOR-NSM", "observing"),
];

fn t0() -> Instant {
    Timestamp::parse("2026-03-01T10:00:00Z").unwrap().instant()
}

/// `hours` after the start of the scenario.
fn t(hours: i64) -> Instant {
    Instant {
        seconds: t0().seconds + hours * 3600,
        nanos: 0,
    }
}

/// A partner's authority key; `generation` > 0 for keys made by rotation.
fn key(partner: &str, generation: u8) -> PartnerKey {
    let mut seed = [generation; 32];
    for (i, b) in partner.bytes().enumerate() {
        seed[i % 32] ^= b;
    }
    PartnerKey::from_seed(&seed).unwrap()
}

fn in_force() -> RuleSet {
    RuleSet::from_value(json!({
        "id": "mission-x/release",
        "version": 7,
        "membership_epoch": 12,
        "groups": {"FVEY": {"nations": ["AUS", "CAN", "GBR", "NZL", "USA"]}},
        "quorum": {
            "roles": {"lead": {"weight": 2, "veto": true}, "supporting": {"weight": 1},
                      "observing": {"weight": 0}},
            "min_weight": 4,
            "require_roles": {"lead": 1},
            "deadline": "P7D"
        },
        "rules": [
            {"id": "base-release", "effect": "release"},
            {"id": "no-observers", "effect": "withhold",
             "audience": {"attr": "subject.role", "op": "eq", "value": "observing"}}
        ]
    }))
    .unwrap()
}

/// Version 8 with `rules` (a JSON list), building on the version in force.
fn next_version(rules: Value) -> RuleSet {
    let base = in_force();
    let mut doc = base.source().clone();
    doc["version"] = json!(8);
    doc["base"] = json!({"version": base.version, "digest": base.digest()});
    doc["rules"] = rules;
    RuleSet::from_value(doc).unwrap()
}

/// Adds a withhold rule: narrows.
fn narrowing_version() -> RuleSet {
    next_version(json!([
        {"id": "base-release", "effect": "release"},
        {"id": "no-observers", "effect": "withhold",
         "audience": {"attr": "subject.role", "op": "eq", "value": "observing"}},
        {"id": "no-red", "effect": "withhold",
         "scope": {"attr": "label.tlp", "op": "eq", "value": "red"}}
    ]))
}

/// Removes a withhold rule: widens.
fn widening_version() -> RuleSet {
    next_version(json!([{"id": "base-release", "effect": "release"}]))
}

/// Membership epoch 12: every partner active, first-generation keys valid from a day before.
fn membership() -> Membership {
    let mut m = Membership::new(12);
    for (p, role) in PARTNERS {
        m.insert(p, role, Status::Active).unwrap();
        m.keys.register(p, key(p, 0).public_key(), t(-24)).unwrap();
    }
    m
}

fn propose(change: Change, at: Instant) -> Proposal {
    Proposal::new(&in_force(), 12, "GBR-NCSC", at, change).unwrap()
}

fn rules_proposal() -> Proposal {
    propose(Change::RuleSet(Box::new(narrowing_version())), t(0))
}

fn attest(p: &Proposal, partner: &str, vote: Vote, at: Instant) -> Attestation {
    let reason = (vote == Vote::Dissent).then_some("not needed");
    Attestation::new(p, partner, vote, reason, at)
        .unwrap()
        .signed_by(&key(partner, 0))
}

fn run(p: &Proposal, attestations: &[Attestation], now: Instant) -> Tally {
    let m = membership();
    let electorate = Electorate::for_proposal(p, &in_force(), &m).unwrap();
    tally(p, &electorate, &m.keys, attestations, now).unwrap()
}

fn counted(tally: &Tally) -> Vec<(&str, Vote)> {
    tally
        .attestations
        .iter()
        .filter(|h| h.counted)
        .map(|h| (h.partner.as_str(), h.decision))
        .collect()
}

#[test]
fn proposal_settles_when_weight_and_required_roles_hold() {
    let p = rules_proposal();
    let atts = [
        attest(&p, "GBR-NCSC", Vote::Approve, t(1)),
        attest(&p, "DEU-BSI", Vote::Approve, t(2)),
        attest(&p, "ITA-CSIRT", Vote::Abstain, t(3)),
        attest(&p, "FRA-ANSSI", Vote::Approve, t(4)),
    ];
    let before = run(&p, &atts[..3], t(5));
    assert_eq!(before.outcome, Outcome::Pending, "weight 3 < 4");
    let r = run(&p, &atts, t(5));
    assert_eq!(r.outcome, Outcome::Settled);
    assert_eq!(r.effective_from, Some(t(4)));
    assert_eq!((r.weight_for, r.weight_against), (4, 0));
    assert_eq!(r.not_heard, vec!["NOR-NSM", "USA-CISA"]);
    // Narrowing, so in provisional effect from the lead's approval until it settled.
    let prov = r.provisional.clone().unwrap();
    assert_eq!((prov.from, prov.until), (t(1), t(4)));
    assert!(!r.in_effect_at(t(0)) && r.in_effect_at(t(3)) && r.in_effect_at(t(100)));
}

#[test]
fn quorum_that_can_no_longer_be_reached_is_rejected() {
    let p = rules_proposal();
    let quorum = Quorum::of(&in_force()).unwrap();
    assert_eq!(quorum.min_weight, Threshold::Weight(4));
    let atts = [
        attest(&p, "DEU-BSI", Vote::Approve, t(1)),
        attest(&p, "FRA-ANSSI", Vote::Approve, t(1)),
        attest(&p, "ITA-CSIRT", Vote::Approve, t(1)),
        attest(&p, "GBR-NCSC", Vote::Abstain, t(2)),
    ];
    let r = run(&p, &atts, t(3));
    assert_eq!(r.outcome, Outcome::Pending, "USA-CISA could still approve");
    let mut atts = atts.to_vec();
    atts.push(attest(&p, "USA-CISA", Vote::Abstain, t(3)));
    let r = run(&p, &atts, t(4));
    assert!(
        matches!(&r.outcome, Outcome::Rejected { rejection: Rejection::Unreachable { detail } }
                 if detail.contains("below min_weight 4")),
        "{:?}",
        r.outcome
    );
    assert_eq!(r.effective_from, Some(t(3)));
}

#[test]
fn a_dissent_from_a_lead_vetoes() {
    let p = rules_proposal();
    let atts = [
        attest(&p, "GBR-NCSC", Vote::Approve, t(1)),
        attest(&p, "DEU-BSI", Vote::Approve, t(1)),
        attest(&p, "USA-CISA", Vote::Dissent, t(2)),
        attest(&p, "FRA-ANSSI", Vote::Approve, t(3)),
    ];
    let r = run(&p, &atts, t(4));
    assert_eq!(
        r.outcome,
        Outcome::Rejected {
            rejection: Rejection::Veto {
                partner: "USA-CISA".into()
            }
        }
    );
    assert_eq!(r.effective_from, Some(t(2)));
    // FRA's later approval is recorded but cannot revive a rejected proposal.
    let fra = r
        .attestations
        .iter()
        .find(|h| h.partner == "FRA-ANSSI")
        .unwrap();
    assert!(!fra.counted);
    // A dissent from a supporting partner is no veto.
    let atts = [
        attest(&p, "DEU-BSI", Vote::Dissent, t(1)),
        attest(&p, "GBR-NCSC", Vote::Approve, t(1)),
    ];
    assert_eq!(run(&p, &atts, t(2)).outcome, Outcome::Pending);
}

#[test]
fn proposal_lapses_at_the_deadline() {
    let p = rules_proposal();
    let deadline = t(7 * 24);
    let atts = [
        attest(&p, "GBR-NCSC", Vote::Approve, t(1)),
        attest(&p, "DEU-BSI", Vote::Approve, t(2)),
    ];
    let open = run(&p, &atts, t(7 * 24 - 1));
    assert_eq!(open.outcome, Outcome::Pending);
    assert_eq!(open.deadline, deadline);
    let r = run(&p, &atts, deadline);
    assert_eq!(r.outcome, Outcome::Lapsed);
    assert_eq!(r.effective_from, None);
    // An approval made at the deadline is too late to settle it.
    let mut late = atts.to_vec();
    late.push(attest(&p, "FRA-ANSSI", Vote::Approve, deadline));
    let r = run(&p, &late, t(8 * 24));
    assert_eq!(r.outcome, Outcome::Lapsed);
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].reason, "made after the deadline");
}

#[test]
fn partial_quorum_lists_partners_not_heard() {
    let p = rules_proposal();
    let atts = [
        attest(&p, "GBR-NCSC", Vote::Approve, t(1)),
        attest(&p, "DEU-BSI", Vote::Approve, t(2)),
        attest(&p, "NOR-NSM", Vote::Acknowledge, t(3)),
    ];
    let r = run(&p, &atts, t(4));
    assert_eq!(r.outcome, Outcome::Pending);
    assert_eq!(r.not_heard, vec!["FRA-ANSSI", "ITA-CSIRT", "USA-CISA"]);
    assert_eq!((r.weight_for, r.weight_against), (3, 0));
    let record = serde_json::to_value(&r).unwrap();
    assert_eq!(record["type"], "accord-settlement");
    assert_eq!(record["outcome"], "pending");
    assert_eq!(
        record["not_heard"],
        json!(["FRA-ANSSI", "ITA-CSIRT", "USA-CISA"])
    );
    assert_eq!(record["electorate"].as_array().unwrap().len(), 6);
    assert_eq!(record["electorate"][0]["partner"], "DEU-BSI");
    assert_eq!(
        record["electorate"][0]["keys"][0],
        key("DEU-BSI", 0).public_key().to_string()
    );
    assert_eq!(record["attestations"][2]["decision"], "acknowledge");
    assert_eq!(record["proposal_digest"], p.digest());
    assert_eq!(record["quorum"]["min_weight"], 4);
}

#[test]
fn membership_change_mid_proposal_does_not_change_the_electorate() {
    let rules = rules_proposal();
    // While the rule-set proposal is open, POL-CERT joins and DEU-BSI becomes an observer.
    let pol = key("POL-CERT", 0);
    let join = propose(
        Change::Membership(MembershipChange::Join {
            partner: "POL-CERT".into(),
            role: "lead".into(),
            keys: vec![pol.public_key()],
        }),
        t(1),
    );
    let m12 = membership();
    let e = Electorate::for_proposal(&join, &in_force(), &m12).unwrap();
    let settled_join = tally(
        &join,
        &e,
        &m12.keys,
        &[
            attest(&join, "GBR-NCSC", Vote::Approve, t(2)),
            attest(&join, "USA-CISA", Vote::Approve, t(2)),
        ],
        t(3),
    )
    .unwrap();
    assert_eq!(settled_join.outcome, Outcome::Settled);
    let m13 = m12
        .apply(
            &MembershipChange::Join {
                partner: "POL-CERT".into(),
                role: "lead".into(),
                keys: vec![pol.public_key()],
            },
            settled_join.effective_from.unwrap(),
        )
        .unwrap();
    let m14 = m13
        .apply(
            &MembershipChange::RoleChange {
                partner: "DEU-BSI".into(),
                role: "observing".into(),
            },
            t(3),
        )
        .unwrap();
    assert_eq!(m14.epoch, 14);

    // The rule-set proposal still counts under epoch 12: POL-CERT does not vote on it and
    // DEU-BSI still weighs 1.
    let electorate = Electorate::for_proposal(&rules, &in_force(), &m12).unwrap();
    let atts = [
        attest(&rules, "GBR-NCSC", Vote::Approve, t(4)),
        Attestation::new(&rules, "POL-CERT", Vote::Approve, None, t(4))
            .unwrap()
            .signed_by(&pol),
        attest(&rules, "DEU-BSI", Vote::Approve, t(5)),
        attest(&rules, "FRA-ANSSI", Vote::Approve, t(6)),
    ];
    let r = tally(&rules, &electorate, &m14.keys, &atts, t(7)).unwrap();
    assert_eq!(r.outcome, Outcome::Settled);
    assert_eq!(r.membership_epoch, 12);
    assert!(r.electorate.iter().all(|v| v.partner != "POL-CERT"));
    assert_eq!(r.weight_for, 4);
    assert_eq!(r.refused.len(), 1);
    assert_eq!(r.refused[0].partner, "POL-CERT");
    assert_eq!(
        r.refused[0].reason,
        "not in the electorate of this proposal"
    );
    // The electorate is tied to the epoch the proposal names.
    assert!(Electorate::for_proposal(&rules, &in_force(), &m14).is_err());
    // The joining partner does not vote on its own admission.
    assert!(e.voter("POL-CERT").is_none());
}

#[test]
fn key_rotation_refuses_the_old_key_after_it_and_counts_the_new_key() {
    let old = key("DEU-BSI", 0);
    let new = key("DEU-BSI", 1);
    let rotation = MembershipChange::KeyRotation {
        partner: "DEU-BSI".into(),
        add: vec![new.public_key()],
        retire: vec![old.public_key()],
    };
    // A rule-set proposal opened before the rotation.
    let rules = rules_proposal();
    let rot = propose(Change::Membership(rotation.clone()), t(1));
    let m12 = membership();
    let e = Electorate::for_proposal(&rot, &in_force(), &m12).unwrap();

    // The rotating partner approves with its current key and proves the new one.
    let deu_consent = Attestation::new(&rot, "DEU-BSI", Vote::Approve, None, t(2))
        .unwrap()
        .signed_by(&old)
        .signed_by(&new);
    let leads = [
        attest(&rot, "GBR-NCSC", Vote::Approve, t(2)),
        attest(&rot, "USA-CISA", Vote::Approve, t(3)),
    ];
    let without = tally(&rot, &e, &m12.keys, &leads, t(4)).unwrap();
    assert_eq!(
        without.outcome,
        Outcome::Pending,
        "weight 4 but no consent from the rotating partner"
    );
    let mut all = leads.to_vec();
    all.push(deu_consent);
    let r = tally(&rot, &e, &m12.keys, &all, t(4)).unwrap();
    assert_eq!(r.outcome, Outcome::Settled);
    let rotated_at = r.effective_from.unwrap();
    assert_eq!(rotated_at, t(3));
    let m13 = m12.apply(&rotation, rotated_at).unwrap();
    // The record still verifies against the key ring after the rotation.
    assert_eq!(
        tally(&rot, &e, &m13.keys, &all, t(5)).unwrap().outcome,
        Outcome::Settled
    );

    // On the earlier proposal: an attestation made after the rotation with the old key is
    // refused; the same with the new key counts.
    let electorate = Electorate::for_proposal(&rules, &in_force(), &m12).unwrap();
    let with_old = attest(&rules, "DEU-BSI", Vote::Approve, t(6));
    let refused = tally(
        &rules,
        &electorate,
        &m13.keys,
        std::slice::from_ref(&with_old),
        t(7),
    )
    .unwrap();
    assert!(counted(&refused).is_empty());
    assert!(
        refused.refused[0].reason.contains("was not valid at"),
        "{}",
        refused.refused[0].reason
    );
    let err = with_old.verify(&rules, &m13.keys, &[]).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("attestation by DEU-BSI: key ed25519:")
    );
    let with_new = Attestation::new(&rules, "DEU-BSI", Vote::Approve, None, t(6))
        .unwrap()
        .signed_by(&new);
    let r = tally(&rules, &electorate, &m13.keys, &[with_new], t(7)).unwrap();
    assert_eq!(counted(&r), vec![("DEU-BSI", Vote::Approve)]);
    // Made before the rotation, the old key's attestation stays valid.
    let early = attest(&rules, "DEU-BSI", Vote::Approve, t(2));
    let r = tally(&rules, &electorate, &m13.keys, &[early], t(7)).unwrap();
    assert_eq!(counted(&r), vec![("DEU-BSI", Vote::Approve)]);
}

#[test]
fn key_rotation_without_proof_of_the_new_key_cannot_settle() {
    let new = key("DEU-BSI", 1);
    let rot = propose(
        Change::Membership(MembershipChange::KeyRotation {
            partner: "DEU-BSI".into(),
            add: vec![new.public_key()],
            retire: vec![],
        }),
        t(1),
    );
    let m = membership();
    let e = Electorate::for_proposal(&rot, &in_force(), &m).unwrap();
    let atts = [
        attest(&rot, "GBR-NCSC", Vote::Approve, t(2)),
        attest(&rot, "USA-CISA", Vote::Approve, t(2)),
        attest(&rot, "DEU-BSI", Vote::Approve, t(3)),
    ];
    let r = tally(&rot, &e, &m.keys, &atts, t(4)).unwrap();
    assert!(
        matches!(&r.outcome, Outcome::Rejected { rejection: Rejection::Unreachable { detail } }
                 if detail.contains("new keys")),
        "{:?}",
        r.outcome
    );
}

#[test]
fn dissent_reason_is_recorded_and_signed() {
    let p = rules_proposal();
    let reason = "the new rule withholds our own TLP:RED reports from us";
    let dissent = Attestation::new(&p, "FRA-ANSSI", Vote::Dissent, Some(reason), t(1))
        .unwrap()
        .signed_by(&key("FRA-ANSSI", 0));
    let r = run(&p, std::slice::from_ref(&dissent), t(2));
    assert_eq!(r.weight_against, 1);
    let heard = &r.attestations[0];
    assert_eq!(heard.decision, Vote::Dissent);
    assert_eq!(heard.reason.as_deref(), Some(reason));
    let digest = heard.reason_digest.clone().unwrap();
    assert!(digest.starts_with("sha256:") && digest.len() == 71);
    assert_eq!(dissent.statement()["reason_digest"], json!(digest));
    // The signature covers the reason: another reason does not verify.
    let mut altered = dissent.clone();
    altered.reason = Some("no objection really".into());
    let r = run(&p, &[altered], t(2));
    assert!(r.attestations.is_empty());
    assert!(r.refused[0].reason.contains("bad signature"));
    // A dissent needs a reason.
    assert!(Attestation::new(&p, "FRA-ANSSI", Vote::Dissent, None, t(1)).is_err());
    assert!(Attestation::new(&p, "FRA-ANSSI", Vote::Dissent, Some("  "), t(1)).is_err());
}

#[test]
fn the_first_attestation_of_a_partner_counts() {
    let p = rules_proposal();
    let first = attest(&p, "USA-CISA", Vote::Approve, t(1));
    let second = attest(&p, "USA-CISA", Vote::Dissent, t(2));
    for atts in [
        vec![first.clone(), second.clone()],
        vec![second.clone(), first.clone()],
    ] {
        let r = run(&p, &atts, t(3));
        assert_eq!(r.outcome, Outcome::Pending, "the later dissent is no veto");
        assert_eq!(counted(&r), vec![("USA-CISA", Vote::Approve)]);
        let dup = &r.attestations[1];
        assert!(!dup.counted);
        assert_eq!(
            dup.note.as_deref(),
            Some("duplicate: the partner's first attestation counts")
        );
    }
}

#[test]
fn a_bad_or_unknown_key_signature_is_refused() {
    let p = rules_proposal();
    let m = membership();
    // Signed by a key that is not registered to the partner (another partner's key).
    let foreign = Attestation::new(&p, "ITA-CSIRT", Vote::Approve, None, t(1))
        .unwrap()
        .signed_by(&key("GBR-NCSC", 0));
    let err = foreign.verify(&p, &m.keys, &[]).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "attestation by ITA-CSIRT: unknown key {}",
            key("GBR-NCSC", 0).public_key()
        )
    );
    // Right key, statement changed after signing.
    let mut forged = attest(&p, "ITA-CSIRT", Vote::Abstain, t(1));
    forged.vote = Vote::Approve;
    let err = forged.verify(&p, &m.keys, &[]).unwrap_err();
    assert!(err.to_string().contains("bad signature by key"), "{err}");
    // Signature bytes damaged.
    let mut damaged = attest(&p, "ITA-CSIRT", Vote::Approve, t(1));
    let jws = damaged.jws[0].clone();
    let (head, sig) = jws.split_once("..").unwrap();
    let flipped = if sig.starts_with('A') { "B" } else { "A" };
    damaged.jws[0] = format!("{head}..{flipped}{}", &sig[1..]);
    assert!(damaged.verify(&p, &m.keys, &[]).is_err());
    // Not a detached JWS, or another algorithm.
    let mut attached = attest(&p, "ITA-CSIRT", Vote::Approve, t(1));
    attached.jws[0] = attached.jws[0].replace("..", ".e30.");
    assert!(
        attached
            .verify(&p, &m.keys, &[])
            .unwrap_err()
            .to_string()
            .contains("detached")
    );
    // Another proposal's attestation.
    let other = propose(Change::RuleSet(Box::new(widening_version())), t(0));
    let elsewhere = attest(&other, "ITA-CSIRT", Vote::Approve, t(1));
    assert!(
        elsewhere
            .verify(&p, &m.keys, &[])
            .unwrap_err()
            .to_string()
            .contains("names proposal")
    );
    let r = run(&p, &[foreign, forged, damaged, attached, elsewhere], t(2));
    assert!(r.attestations.is_empty());
    assert_eq!(r.refused.len(), 5);
    assert_eq!(r.not_heard.len(), 6);
}

#[test]
fn narrowing_change_is_provisional_on_one_lead_and_widening_waits_for_settlement() {
    let narrowing = rules_proposal();
    let electorate = Electorate::for_proposal(&narrowing, &in_force(), &membership()).unwrap();
    assert_eq!(electorate.reach, Reach::Narrows);
    let supporting_only = run(
        &narrowing,
        &[attest(&narrowing, "DEU-BSI", Vote::Approve, t(1))],
        t(2),
    );
    assert_eq!(supporting_only.provisional, None);
    let r = run(
        &narrowing,
        &[attest(&narrowing, "GBR-NCSC", Vote::Approve, t(1))],
        t(2),
    );
    assert_eq!(r.outcome, Outcome::Pending);
    let prov = r.provisional.clone().unwrap();
    assert_eq!(
        (prov.by.as_str(), prov.from, prov.until),
        ("GBR-NCSC", t(1), t(7 * 24))
    );
    assert!(r.in_effect_at(t(1)) && !r.in_effect_at(t(0)) && !r.in_effect_at(t(7 * 24)));
    // Vetoed later: the provisional effect ends at the veto.
    let vetoed = run(
        &narrowing,
        &[
            attest(&narrowing, "GBR-NCSC", Vote::Approve, t(1)),
            attest(&narrowing, "USA-CISA", Vote::Dissent, t(5)),
        ],
        t(6),
    );
    assert_eq!(vetoed.provisional.as_ref().unwrap().until, t(5));
    assert!(!vetoed.in_effect_at(t(5)));

    let widening = propose(Change::RuleSet(Box::new(widening_version())), t(0));
    let e = Electorate::for_proposal(&widening, &in_force(), &membership()).unwrap();
    assert_eq!(
        e.reach,
        Reach::Widens {
            reasons: vec!["withhold rule no-observers is removed".into()]
        }
    );
    let lead = [attest(&widening, "GBR-NCSC", Vote::Approve, t(1))];
    let r = run(&widening, &lead, t(2));
    assert_eq!(
        (r.outcome.clone(), r.provisional.clone()),
        (Outcome::Pending, None)
    );
    assert!(!r.in_effect_at(t(2)));
    let mut all = lead.to_vec();
    all.push(attest(&widening, "USA-CISA", Vote::Approve, t(3)));
    let r = run(&widening, &all, t(4));
    assert_eq!(r.outcome, Outcome::Settled);
    assert!(r.in_effect_at(t(3)) && !r.in_effect_at(t(2)));
}

#[test]
fn membership_changes_are_never_provisional() {
    let p = propose(
        Change::Membership(MembershipChange::Suspension {
            partner: "ITA-CSIRT".into(),
        }),
        t(0),
    );
    let e = Electorate::for_proposal(&p, &in_force(), &membership()).unwrap();
    assert!(!e.reach.narrows());
    assert!(
        e.voter("ITA-CSIRT").is_none(),
        "no vote on one's own suspension"
    );
    let r = run(&p, &[attest(&p, "GBR-NCSC", Vote::Approve, t(1))], t(2));
    assert_eq!(r.provisional, None);
}

#[test]
fn a_rule_set_without_quorum_needs_unanimity() {
    let quorum = Quorum::of(&RuleSet::permissive()).unwrap();
    assert_eq!(quorum.min_weight, Threshold::All);
    assert_eq!(quorum.terms("anything").weight, 1);
    assert!(Quorum::from_value(&json!({"min_weight": 0})).is_err());
    assert!(Quorum::from_value(&json!({"min_weight": 2, "deadline": "P1Y"})).is_err());
    assert!(Quorum::from_value(&json!({"min_weight": 2, "typo": 1})).is_err());
}

#[test]
fn a_hub_refuses_backdated_attestations_at_submission() {
    let p = rules_proposal();
    let a = attest(&p, "DEU-BSI", Vote::Approve, t(1));
    let skew = release_rules::time::Duration::parse("PT5M").unwrap();
    assert!(a.check_received(t(1), skew).is_ok());
    assert!(a.check_received(t(2), skew).is_err());
}

/// One generated attestation: partner index, vote, hour, whether its signature is damaged.
fn arb_attestation() -> impl Strategy<Value = (usize, u8, i64, bool)> {
    (
        0..PARTNERS.len(),
        0u8..4,
        0i64..(8 * 24),
        prop::bool::weighted(0.1),
    )
}

fn build(p: &Proposal, spec: &[(usize, u8, i64, bool)]) -> Vec<Attestation> {
    spec.iter()
        .map(|&(i, v, hour, damaged)| {
            let partner = PARTNERS[i].0;
            let vote = [
                Vote::Approve,
                Vote::Dissent,
                Vote::Abstain,
                Vote::Acknowledge,
            ][v as usize];
            let mut a = attest(p, partner, vote, t(hour));
            if damaged {
                a.vote = if vote == Vote::Approve {
                    Vote::Abstain
                } else {
                    Vote::Approve
                };
                a.reason = None;
            }
            a
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn outcome_does_not_depend_on_arrival_order(
        (spec, shuffled) in prop::collection::vec(arb_attestation(), 0..14)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        now_hour in 0i64..(9 * 24),
    ) {
        let p = rules_proposal();
        let a = run(&p, &build(&p, &spec), t(now_hour));
        let b = run(&p, &build(&p, &shuffled), t(now_hour));
        prop_assert_eq!(&a, &b);
        // Sanity of the record: each voter is either heard (counted) or not heard.
        let heard: BTreeMap<&str, Vote> = counted(&a).into_iter().collect();
        prop_assert_eq!(heard.len() + a.not_heard.len(), PARTNERS.len());
    }
}

#[test]
fn an_electorate_counts_for_its_own_proposal_only() {
    let p = rules_proposal();
    let other = propose(Change::RuleSet(Box::new(widening_version())), t(0));
    let m = membership();
    let e = Electorate::for_proposal(&other, &in_force(), &m).unwrap();
    assert!(tally(&p, &e, &m.keys, &[], t(1)).is_err());
}
