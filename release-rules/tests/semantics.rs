//! One test per semantic rule: baseline clauses, operators, rule combination, embargo
//! windows, marking sources, merging, granular markings, and fail-closed errors.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test helpers

mod common;

use std::collections::BTreeMap;

use common::*;
use release_rules::label::{Handling, Originator, PolicyPart, part_from_names};
use release_rules::markings::ACS_3_0_EXTENSION_ID;
use release_rules::policy::{ACS_EXAMPLE_YAML, NATO_EXAMPLE_YAML};
use release_rules::subject::Status;
use release_rules::time::Duration;
use release_rules::{
    AudienceClass, Ceiling, Clause, Effect, Engine, Error, Explanation, Label, Partner, Policy,
    Receipt, Release, ReleaseFacts, RuleSet, Tlp,
};
use serde_json::json;
use stix_model::markings::Tlp as StixTlp;
use stix_model::timestamp::Instant;

const T0: &str = "2026-05-01T08:00:00Z";

fn policies() -> Vec<Policy> {
    vec![
        Policy::parse(NATO_EXAMPLE_YAML).unwrap(),
        Policy::parse(ACS_EXAMPLE_YAML).unwrap(),
    ]
}

fn partner(id: &str, nation: &str, communities: &[&str], clearance: &str) -> Partner {
    let mut p = Partner::named(id);
    p.nation = Some(nation.into());
    p.communities = communities.iter().map(|c| (*c).to_owned()).collect();
    if !clearance.is_empty() {
        p.clearance.insert("NATO".into(), clearance.into());
    }
    p
}

fn partners() -> Vec<Partner> {
    let mut gbr = partner("GBR", "GBR", &["NATO", "FVEY"], "SECRET");
    gbr.orgs = vec!["UK-GOV".into()];
    gbr.clients = vec!["CLIENT".into()];
    let mut gbr2 = partner("GBR-2", "GBR", &["NATO", "FVEY"], "SECRET");
    gbr2.orgs = vec!["UK-GOV".into()];
    let mut atomal = partner("ATOMAL-HOLDER", "USA", &["NATO", "FVEY"], "TOP SECRET");
    atomal.caveats.insert(
        "Additional Sensitivity".into(),
        vec!["ATOMAL".into(), "CRYPTO".into()],
    );
    let mut fra_rel = partner("FRA-REL", "FRA", &["NATO"], "SECRET");
    fra_rel
        .caveats
        .insert("Releasable To".into(), vec!["USA".into()]);
    let mut suspended = partner("SUSPENDED", "GBR", &["NATO"], "SECRET");
    suspended.status = Status::Suspended;
    let mut observer = partner("OBS", "NOR", &["NATO"], "SECRET");
    observer.role = "observing".into();
    let mut acs = partner("ACS-READER", "USA", &["NATO"], "SECRET");
    acs.clearance.insert("ACS".into(), "TS".into());
    vec![
        gbr,
        gbr2,
        atomal,
        fra_rel,
        suspended,
        observer,
        acs,
        partner("FRA", "FRA", &["NATO", "EU"], "SECRET"),
        partner("LOW", "DEU", &["NATO", "EU"], "CONFIDENTIAL"),
        partner("NONE", "DEU", &["EU"], ""),
        partner("CLIENT", "NLD", &["NATO"], "SECRET"),
        partner("OUTSIDER", "SWE", &[], "SECRET"),
    ]
}

const RELEASE_ALL: &str = "id: t\nversion: 1\ngroups: {MISSION: {communities: [NATO]}}\nsemantics: {tlp_community: MISSION}\nrules: [{id: all, effect: release}]";

fn engine_with(rules: &str) -> Engine {
    let nato = Policy::parse(NATO_EXAMPLE_YAML).unwrap();
    let default = part_from_names(&nato, "UNCLASSIFIED", &[]).unwrap();
    Engine::compile(
        &RuleSet::parse(rules).unwrap(),
        &policies(),
        &partners(),
        Some(default),
    )
    .unwrap()
}

fn nato_part(class: &str, cats: &[(&str, &[&str])]) -> PolicyPart {
    part_from_names(&Policy::parse(NATO_EXAMPLE_YAML).unwrap(), class, cats).unwrap()
}

fn label(parts: Vec<PolicyPart>, originator: &str) -> Label {
    Label {
        parts,
        originator: Some(Originator {
            partner: originator.into(),
            id_type: None,
            id: None,
        }),
        ..Label::empty()
    }
}

fn release(engine: &Engine, label: Label) -> Release {
    let facts = ReleaseFacts {
        object_type: "indicator".into(),
        created_by_ref: None,
        submitter: "GBR".into(),
    };
    engine.release(label, facts, at(T0)).unwrap()
}

fn aud(engine: &Engine, partner: &str) -> AudienceClass {
    engine.audience_of(&engine.subject(partner, &Ceiling::None).unwrap())
}

fn decide(engine: &Engine, label: Label, partner: &str) -> release_rules::Decision {
    let r = release(engine, label);
    engine.decide(&r, aud(engine, partner), at("2026-05-01T09:00:00Z"))
}

fn baseline(d: &release_rules::Decision) -> Option<&Clause> {
    match &*d.explanation {
        Explanation::Baseline(c) => Some(c),
        _ => None,
    }
}

// --- baseline -------------------------------------------------------------------------

#[test]
fn baseline_classification_dominance() {
    let e = engine_with(RELEASE_ALL);
    let l = label(vec![nato_part("SECRET", &[])], "GBR");
    assert_eq!(decide(&e, l.clone(), "FRA").effect, Effect::Release);
    let d = decide(&e, l, "LOW");
    assert_eq!(
        baseline(&d),
        Some(&Clause::Classification {
            policy: "NATO".into(),
            label: 4,
            subject: 3
        })
    );
}

#[test]
fn baseline_needs_a_clearance_under_the_labels_policy() {
    let e = engine_with(RELEASE_ALL);
    let d = decide(
        &e,
        label(vec![nato_part("UNCLASSIFIED", &[])], "GBR"),
        "NONE",
    );
    assert_eq!(
        baseline(&d),
        Some(&Clause::NotCleared {
            policy: "NATO".into()
        })
    );
}

#[test]
fn baseline_restrictive_requires_every_value() {
    let e = engine_with(RELEASE_ALL);
    let l = label(
        vec![nato_part(
            "SECRET",
            &[("Additional Sensitivity", &["ATOMAL", "CRYPTO"])],
        )],
        "GBR",
    );
    assert_eq!(
        decide(&e, l.clone(), "ATOMAL-HOLDER").effect,
        Effect::Release
    );
    let d = decide(&e, l, "GBR");
    assert!(
        matches!(baseline(&d), Some(Clause::Restrictive { missing, .. }) if missing == &["ATOMAL", "CRYPTO"]),
        "{d}"
    );
}

#[test]
fn baseline_permissive_requires_one_value() {
    let e = engine_with(RELEASE_ALL);
    let l = label(
        vec![nato_part("SECRET", &[("Releasable To", &["GBR", "USA"])])],
        "GBR",
    );
    assert_eq!(decide(&e, l.clone(), "GBR").effect, Effect::Release);
    // Held as an explicit caveat rather than as nation or community.
    assert_eq!(decide(&e, l.clone(), "FRA-REL").effect, Effect::Release);
    let d = decide(&e, l, "FRA");
    assert!(
        matches!(baseline(&d), Some(Clause::Permissive { .. })),
        "{d}"
    );
}

#[test]
fn baseline_permissive_matches_group_membership() {
    // REL FVEY: GBR is in the FVEY community and nation group.
    let e = engine_with(
        "id: t\nversion: 1\ngroups: {FVEY: {nations: [GBR, USA]}}\nrules: [{id: all, effect: release}]",
    );
    let l = label(
        vec![nato_part("SECRET", &[("Releasable To", &["FVEY"])])],
        "GBR",
    );
    assert_eq!(decide(&e, l.clone(), "GBR").effect, Effect::Release);
    assert_eq!(decide(&e, l, "FRA").effect, Effect::Withhold);
}

#[test]
fn baseline_empty_permissive_category_is_releasable_to_no_one() {
    let e = engine_with(RELEASE_ALL);
    let l = label(vec![nato_part("SECRET", &[("Releasable To", &[])])], "GBR");
    assert_eq!(decide(&e, l, "GBR").effect, Effect::Withhold);
}

#[test]
fn baseline_absent_category_imposes_nothing() {
    let e = engine_with(RELEASE_ALL);
    assert_eq!(
        decide(&e, label(vec![nato_part("SECRET", &[])], "GBR"), "OUTSIDER").effect,
        Effect::Release
    );
}

#[test]
fn baseline_informative_category_is_ignored() {
    let e = engine_with(RELEASE_ALL);
    let l = label(
        vec![nato_part("SECRET", &[("Administrative", &["STAFF"])])],
        "GBR",
    );
    assert_eq!(decide(&e, l, "FRA").effect, Effect::Release);
}

#[test]
fn baseline_every_policy_part_must_pass() {
    let e = engine_with(RELEASE_ALL);
    let acs = part_from_names(&Policy::parse(ACS_EXAMPLE_YAML).unwrap(), "S", &[]).unwrap();
    let l = label(vec![acs, nato_part("SECRET", &[])], "GBR");
    assert_eq!(decide(&e, l.clone(), "ACS-READER").effect, Effect::Release);
    let d = decide(&e, l, "GBR");
    assert_eq!(
        baseline(&d),
        Some(&Clause::NotCleared {
            policy: "ACS".into()
        })
    );
}

#[test]
fn baseline_suspended_partner_sees_nothing() {
    let e = engine_with(RELEASE_ALL);
    let d = decide(
        &e,
        label(vec![nato_part("UNCLASSIFIED", &[])], "GBR"),
        "SUSPENDED",
    );
    assert_eq!(baseline(&d), Some(&Clause::Status(Status::Suspended)));
}

fn tlp(t: Tlp) -> Label {
    Label {
        tlp: Some(t),
        ..label(vec![nato_part("UNCLASSIFIED", &[])], "GBR")
    }
}

#[test]
fn baseline_tlp_clear_reaches_everyone() {
    let e = engine_with(RELEASE_ALL);
    assert_eq!(
        decide(&e, tlp(Tlp::Clear), "OUTSIDER").effect,
        Effect::Release
    );
}

#[test]
fn baseline_tlp_green_reaches_the_declared_community() {
    let e = engine_with(RELEASE_ALL);
    assert_eq!(decide(&e, tlp(Tlp::Green), "FRA").effect, Effect::Release);
    let d = decide(&e, tlp(Tlp::Green), "OUTSIDER");
    assert_eq!(baseline(&d), Some(&Clause::Tlp { tlp: Tlp::Green }));
}

#[test]
fn baseline_tlp_amber_reaches_organisation_and_clients() {
    let e = engine_with(RELEASE_ALL);
    assert_eq!(decide(&e, tlp(Tlp::Amber), "GBR").effect, Effect::Release);
    assert_eq!(
        decide(&e, tlp(Tlp::Amber), "CLIENT").effect,
        Effect::Release
    );
    assert_eq!(decide(&e, tlp(Tlp::Amber), "FRA").effect, Effect::Withhold);
    // organisation = partner (the default): another partner of the same org is outside.
    assert_eq!(
        decide(&e, tlp(Tlp::Amber), "GBR-2").effect,
        Effect::Withhold
    );
}

#[test]
fn baseline_tlp_amber_strict_organisation_by_declared_meaning() {
    let by_partner = engine_with(RELEASE_ALL);
    assert_eq!(
        decide(&by_partner, tlp(Tlp::AmberStrict), "GBR-2").effect,
        Effect::Withhold
    );
    assert_eq!(
        decide(&by_partner, tlp(Tlp::AmberStrict), "CLIENT").effect,
        Effect::Withhold
    );
    let by_org = engine_with(
        "id: t\nversion: 1\nsemantics: {tlp_organisation: org}\nrules: [{id: all, effect: release}]",
    );
    assert_eq!(
        decide(&by_org, tlp(Tlp::AmberStrict), "GBR-2").effect,
        Effect::Release
    );
    assert_eq!(
        decide(&by_org, tlp(Tlp::AmberStrict), "CLIENT").effect,
        Effect::Withhold
    );
}

#[test]
fn baseline_tlp_red_reaches_the_originator_only() {
    let e = engine_with(
        "id: t\nversion: 1\nsemantics: {tlp_organisation: org}\nrules: [{id: all, effect: release}]",
    );
    assert_eq!(decide(&e, tlp(Tlp::Red), "GBR").effect, Effect::Release);
    assert_eq!(decide(&e, tlp(Tlp::Red), "GBR-2").effect, Effect::Withhold);
}

#[test]
fn baseline_embargo_runs_from_receive_time_except_for_the_originator() {
    let e = engine_with(RELEASE_ALL);
    let mut l = label(vec![nato_part("UNCLASSIFIED", &[])], "GBR");
    l.handling = Handling {
        embargo: Some(Duration::parse("PT2H").unwrap()),
        no_further_sharing: false,
    };
    let r = release(&e, l);
    let fra = aud(&e, "FRA");
    let d = e.decide(&r, fra, at("2026-05-01T09:59:59Z"));
    assert_eq!(
        baseline(&d),
        Some(&Clause::Embargo {
            until: at("2026-05-01T10:00:00Z")
        })
    );
    assert_eq!(d.window.until, Some(at("2026-05-01T10:00:00Z")));
    assert_eq!(
        e.decide(&r, fra, at("2026-05-01T10:00:00Z")).effect,
        Effect::Release
    );
    assert_eq!(e.decide(&r, aud(&e, "GBR"), at(T0)).effect, Effect::Release);
}

// --- rules ----------------------------------------------------------------------------

#[test]
fn default_withhold_without_a_release_rule() {
    let e = engine_with(
        "id: t\nversion: 1\nrules: [{id: w, effect: withhold, audience: {attr: subject.partner, op: eq, value: NOBODY}}]",
    );
    let d = decide(
        &e,
        label(vec![nato_part("UNCLASSIFIED", &[])], "GBR"),
        "GBR",
    );
    assert_eq!(d.effect, Effect::Withhold);
    assert_eq!(*d.explanation, Explanation::NoReleaseRule);
}

#[test]
fn withhold_overrides_release() {
    let e = engine_with(
        "id: t\nversion: 1\nrules: [{id: r, effect: release}, {id: w, effect: withhold, audience: {attr: subject.partner, op: eq, value: FRA}}]",
    );
    let l = label(vec![nato_part("UNCLASSIFIED", &[])], "GBR");
    assert_eq!(decide(&e, l.clone(), "GBR").explanation.rule_ids(), ["r"]);
    let d = decide(&e, l, "FRA");
    assert_eq!(
        (d.effect, d.explanation.rule_ids().to_vec()),
        (Effect::Withhold, vec!["w".to_owned()])
    );
}

#[test]
fn rules_only_narrow_the_label() {
    // A release rule aimed at a partner cannot lift the baseline.
    let e = engine_with(
        "id: t\nversion: 1\nrules: [{id: r, effect: release, audience: {attr: subject.partner, op: eq, value: LOW}}]",
    );
    let d = decide(&e, label(vec![nato_part("SECRET", &[])], "GBR"), "LOW");
    assert!(matches!(baseline(&d), Some(Clause::Classification { .. })));
}

#[test]
fn unless_exempts_from_a_rule() {
    let e = engine_with(
        "id: t\nversion: 1\nrules: [{id: r, effect: release}, {id: w, effect: withhold, unless: {attr: subject.nation, op: eq, value: GBR}}]",
    );
    let l = label(vec![nato_part("UNCLASSIFIED", &[])], "GBR");
    assert_eq!(decide(&e, l.clone(), "GBR").effect, Effect::Release);
    assert_eq!(decide(&e, l, "FRA").effect, Effect::Withhold);
}

#[test]
fn redact_on_a_release_rule_yields_release_redacted() {
    let e = engine_with(
        "id: t\nversion: 1\nrules: [{id: r, effect: release, redact: [description, external_references]}]",
    );
    let d = decide(
        &e,
        label(vec![nato_part("UNCLASSIFIED", &[])], "GBR"),
        "FRA",
    );
    match d.effect {
        Effect::ReleaseRedacted { paths } => {
            assert_eq!(&*paths, ["description", "external_references"])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rule_referencing_unknown_policy_or_tag_set_fails_compilation_naming_the_rule() {
    let rules = RuleSet::parse("id: t\nversion: 1\nrules: [{id: bad, effect: withhold, audience: {attr: subject.clearance.NOPE, op: gte, value: 1}}]").unwrap();
    let e = Engine::compile(&rules, &policies(), &partners(), None).unwrap_err();
    assert!(
        matches!(e, Error::Rule { ref rule, .. } if rule == "bad"),
        "{e}"
    );
    let rules = RuleSet::parse("id: t\nversion: 1\nrules: [{id: bad2, effect: withhold, scope: {attr: label.categories.Nope, op: eq, value: X}}]").unwrap();
    let e = Engine::compile(&rules, &policies(), &partners(), None).unwrap_err();
    assert!(
        matches!(e, Error::Rule { ref rule, .. } if rule == "bad2"),
        "{e}"
    );
}

/// A rule set that withholds when `pred` holds (after releasing everything).
fn op_engine(pred: &str) -> Engine {
    engine_with(&format!(
        "id: t\nversion: 1\ngroups: {{FVEY: {{nations: [GBR, USA]}}}}\nrules: [{{id: r, effect: release}}, {{id: w, effect: withhold, scope: {pred}}}]"
    ))
}

fn withheld(e: &Engine, l: Label, partner: &str) -> bool {
    !decide(e, l, partner).effect.is_release()
}

fn rel(values: &[&str]) -> Label {
    label(
        vec![nato_part("SECRET", &[("Releasable To", values)])],
        "GBR",
    )
}

#[test]
fn operator_eq() {
    let e = op_engine("{attr: subject.nation, op: eq, value: GBR}");
    assert!(withheld(&e, rel(&["NATO"]), "GBR"));
    assert!(!withheld(&e, rel(&["NATO"]), "FRA"));
    // On a set: contains.
    let e = op_engine("{attr: label.rel_to, op: eq, value: NATO}");
    assert!(withheld(&e, rel(&["NATO", "EU"]), "FRA"));
    assert!(!withheld(&e, rel(&["EU"]), "FRA"));
    // Absent scalar: eq is false.
    let e = op_engine("{attr: label.tlp, op: eq, value: green}");
    assert!(!withheld(&e, rel(&["NATO"]), "FRA"));
}

#[test]
fn operator_ne() {
    let e = op_engine("{attr: subject.nation, op: ne, value: GBR}");
    assert!(!withheld(&e, rel(&["NATO"]), "GBR"));
    assert!(withheld(&e, rel(&["NATO"]), "FRA"));
    // Absent scalar: ne is true.
    let e = op_engine("{attr: label.tlp, op: ne, value: green}");
    assert!(withheld(&e, rel(&["NATO"]), "FRA"));
}

#[test]
fn operator_in() {
    let e = op_engine("{attr: subject.nation, op: in, value: {group: FVEY}}");
    assert!(withheld(&e, rel(&["NATO"]), "GBR"));
    assert!(!withheld(&e, rel(&["NATO"]), "FRA"));
    let e = op_engine("{attr: subject.nation, op: in, value: [FRA, DEU]}");
    assert!(withheld(&e, rel(&["NATO"]), "FRA"));
}

#[test]
fn operator_not_in() {
    let e = op_engine("{attr: subject.nation, op: not_in, value: [GBR]}");
    assert!(!withheld(&e, rel(&["NATO"]), "GBR"));
    assert!(withheld(&e, rel(&["NATO"]), "FRA"));
}

#[test]
fn operator_intersects() {
    let e = op_engine("{attr: label.rel_to, op: intersects, value: [EU, KFOR]}");
    assert!(withheld(&e, rel(&["NATO", "EU"]), "FRA"));
    assert!(!withheld(&e, rel(&["NATO"]), "FRA"));
    // Against another attribute.
    let e = op_engine("{attr: label.rel_to, op: intersects, value: {ref: subject.communities}}");
    assert!(withheld(&e, rel(&["EU"]), "FRA"));
    assert!(!withheld(&e, rel(&["FVEY", "FRA"]), "FRA"));
}

#[test]
fn operator_subset_of() {
    let e = op_engine("{attr: label.rel_to, op: subset_of, value: [NATO, EU]}");
    assert!(withheld(&e, rel(&["NATO", "EU"]), "FRA"));
    assert!(!withheld(&e, rel(&["NATO", "GBR"]), "FRA"));
}

#[test]
fn operator_gte() {
    let e = op_engine("{attr: label.classification.NATO, op: gte, value: CONFIDENTIAL}");
    assert!(withheld(&e, rel(&["NATO"]), "FRA"));
    let low = label(vec![nato_part("RESTRICTED", &[])], "GBR");
    assert!(!withheld(&e, low, "FRA"));
    // Absent level: false.
    let e = op_engine("{attr: label.classification.ACS, op: gte, value: 0}");
    assert!(!withheld(&e, rel(&["NATO"]), "FRA"));
}

#[test]
fn operator_lte() {
    let e = op_engine(
        "{attr: subject.clearance.NATO, op: lte, value: {ref: label.classification.NATO}}",
    );
    assert!(withheld(&e, rel(&["NATO"]), "FRA"));
    assert!(!withheld(&e, rel(&["NATO"]), "ATOMAL-HOLDER"));
}

#[test]
fn operator_before() {
    let e = op_engine("{attr: env.now, op: before, value: \"2026-05-01T12:00:00Z\"}");
    let r = release(&e, rel(&["NATO"]));
    let fra = aud(&e, "FRA");
    let d = e.decide(&r, fra, at("2026-05-01T11:00:00Z"));
    assert_eq!(
        (d.effect.clone(), d.window.until),
        (Effect::Withhold, Some(at("2026-05-01T12:00:00Z")))
    );
    assert_eq!(
        e.decide(&r, fra, at("2026-05-01T12:00:00Z")).effect,
        Effect::Release
    );
}

#[test]
fn operator_after() {
    let e = op_engine("{attr: env.now, op: after, value: {ref: event.received_at, plus: PT1H}}");
    let r = release(&e, rel(&["NATO"]));
    let fra = aud(&e, "FRA");
    assert_eq!(
        e.decide(&r, fra, at("2026-05-01T09:00:00Z")).effect,
        Effect::Release
    );
    let d = e.decide(&r, fra, at("2026-05-01T09:00:00.001Z"));
    assert_eq!(d.effect, Effect::Withhold);
    assert_eq!(
        d.window.from,
        Some(Instant {
            seconds: at("2026-05-01T09:00:00Z").seconds,
            nanos: 1
        })
    );
}

#[test]
fn boolean_combinators_all_any_not() {
    let e = op_engine(
        "{all: [{attr: subject.nation, op: eq, value: FRA}, {not: {any: [{attr: subject.role, op: eq, value: lead}, {attr: subject.communities, op: eq, value: EU}]}}]}",
    );
    assert!(!withheld(&e, rel(&["NATO"]), "FRA")); // FRA is in EU
    assert!(withheld(&e, rel(&["NATO"]), "FRA-REL")); // FRA, not EU, not lead
}

// --- marking sources ------------------------------------------------------------------

fn receipt() -> Receipt {
    Receipt {
        submitter: "GBR".into(),
        received_at: at(T0),
    }
}

#[test]
fn tlp_1_0_marking_by_fixed_id() {
    let e = engine_with(RELEASE_ALL);
    let o = e
        .label_for(
            &indicator(&[StixTlp::V1Amber.id()]),
            &catalogue(vec![]),
            &receipt(),
        )
        .unwrap();
    assert_eq!(o.object.label.tlp, Some(Tlp::Amber));
    let o = e
        .label_for(
            &indicator(&[StixTlp::V1White.id()]),
            &catalogue(vec![]),
            &receipt(),
        )
        .unwrap();
    assert_eq!(o.object.label.tlp, Some(Tlp::Clear));
}

#[test]
fn tlp_2_0_marking_by_fixed_id() {
    let e = engine_with(RELEASE_ALL);
    let o = e
        .label_for(
            &indicator(&[StixTlp::V2AmberStrict.id()]),
            &catalogue(vec![]),
            &receipt(),
        )
        .unwrap();
    assert_eq!(o.object.label.tlp, Some(Tlp::AmberStrict));
    assert_eq!(o.object.label.originator.as_ref().unwrap().partner, "GBR");
}

#[test]
fn tlp_definition_under_another_id_is_refused() {
    let e = engine_with(RELEASE_ALL);
    let id = "marking-definition--3b7e1c1e-2d3f-4a5b-9c6d-7e8f9a0b1c2d";
    let mut def = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(
        StixTlp::V1Red.marking_definition_json(),
    )
    .unwrap();
    def.insert("id".into(), json!(id));
    let err = e
        .label_for(
            &indicator(&[id]),
            &catalogue(vec![(id.into(), def)]),
            &receipt(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedMarking { .. }), "{err}");
}

#[test]
fn statement_marking_is_informative() {
    let e = engine_with(RELEASE_ALL);
    let id = "marking-definition--4c8f2d2f-3e4a-4b6c-8d7e-8f9a0b1c2d3e";
    let def = json!({"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
                     "definition_type": "statement", "definition": {"statement": "Copyright 2026"}});
    let o = e
        .label_for(
            &indicator(&[id]),
            &catalogue(vec![(id.into(), def.as_object().cloned().unwrap())]),
            &receipt(),
        )
        .unwrap();
    assert!(o.object.label.sources.contains(&id.to_owned()));
    assert_eq!(o.object.label.parts, vec![nato_part("UNCLASSIFIED", &[])]);
    assert_eq!(
        e.decide(&o.object, aud(&e, "OUTSIDER"), at(T0)).effect,
        Effect::Release
    );
}

#[test]
fn acs_marking_maps_classification_and_nationalities() {
    let e = engine_with(RELEASE_ALL);
    let id = "marking-definition--5d9a3e3a-4f5b-4c7d-9e8f-9a0b1c2d3e4f";
    let def = json!({"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
        "extensions": {ACS_3_0_EXTENSION_ID: {"extension_type": "property-extension",
            "identifier": "isa:guide.19001.ACS3-x", "create_date_time": "2026-01-01T00:00:00Z",
            "responsible_entity_custodian": "USA.DHS",
            "policy_reference": "urn:isa:policy:acs:ns:v3.0?privdefault=deny&sharedefault=deny",
            "control_set": {"classification": "S", "permitted_nationalities": ["USA", "GBR"]}}}});
    let o = e
        .label_for(
            &indicator(&[id]),
            &catalogue(vec![(id.into(), def.as_object().cloned().unwrap())]),
            &receipt(),
        )
        .unwrap();
    let part = &o.object.label.parts[0];
    assert_eq!(
        (part.policy.name.as_str(), part.classification.level),
        ("ACS", 3)
    );
    assert_eq!(
        part.categories[0].values.iter().collect::<Vec<_>>(),
        ["GBR", "USA"]
    );
    // USA reader cleared under ACS passes; an uncleared one does not.
    assert_eq!(
        e.decide(&o.object, aud(&e, "ACS-READER"), at(T0)).effect,
        Effect::Release
    );
    assert_eq!(
        e.decide(&o.object, aud(&e, "GBR"), at(T0)).effect,
        Effect::Withhold
    );
}

#[test]
fn accord_label_marking_is_read_and_checked() {
    let e = engine_with(RELEASE_ALL);
    let (id, def) = accord_marking(
        "6eab4f4b-5a6c-4d8e-8f9a-0b1c2d3e4f5a",
        json!({
        "policy": {"id": NATO, "name": "NATO"}, "classification": {"name": "SECRET", "level": 4},
        "privacy_mark": "EXERCISE", "categories": [{"tag_set": REL_TO, "type": "permissive", "values": ["FVEY"]}],
        "tlp": "amber", "handling": {"embargo": "PT24H"}, "originator": {"partner": "USA-CISA"}}),
    );
    let o = e
        .label_for(
            &indicator(&[&id]),
            &catalogue(vec![(id.clone(), def)]),
            &receipt(),
        )
        .unwrap();
    let l = &o.object.label;
    assert_eq!(l.parts[0].classification.name, "SECRET");
    assert_eq!(l.parts[0].privacy_mark.as_deref(), Some("EXERCISE"));
    assert_eq!(l.tlp, Some(Tlp::Amber));
    assert_eq!(l.handling.embargo.unwrap().seconds(), 86_400);
    assert_eq!(l.originator.as_ref().unwrap().partner, "USA-CISA");
}

#[test]
fn accord_label_marking_violating_the_schema_is_refused() {
    let e = engine_with(RELEASE_ALL);
    for body in [
        json!({"policy": {"id": NATO}}), // classification missing
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"}, "colour": "red"}),
        json!({"tlp": "purple"}),
        json!({"handling": {"embargo": "1 day"}}),
    ] {
        let (id, def) = accord_marking("7fbc5a5c-6b7d-4e9f-9a0b-1c2d3e4f5a6b", body.clone());
        let err = e
            .label_for(
                &indicator(&[&id]),
                &catalogue(vec![(id.clone(), def)]),
                &receipt(),
            )
            .unwrap_err();
        assert!(matches!(err, Error::LabelSchema { .. }), "{body}: {err}");
    }
}

#[test]
fn unknown_marking_id_is_an_error() {
    let e = engine_with(RELEASE_ALL);
    let err = e
        .label_for(
            &indicator(&["marking-definition--8acd6b6d-7c8e-4f0a-8b1c-2d3e4f5a6b7c"]),
            &catalogue(vec![]),
            &receipt(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::UnknownMarking { .. }));
    assert!(err.is_label_error());
}

#[test]
fn unknown_marking_kind_is_an_error() {
    let e = engine_with(RELEASE_ALL);
    let id = "marking-definition--9bde7c7e-8d9f-4a1b-9c2d-3e4f5a6b7c8d";
    let def = json!({"type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2026-01-01T00:00:00.000Z",
                     "extensions": {"extension-definition--0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e": {"extension_type": "property-extension"}}});
    let err = e
        .label_for(
            &indicator(&[id]),
            &catalogue(vec![(id.into(), def.as_object().cloned().unwrap())]),
            &receipt(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::UnsupportedMarking { .. }), "{err}");
}

#[test]
fn unknown_policy_and_value_are_errors() {
    let e = engine_with(RELEASE_ALL);
    let (id, def) = accord_marking(
        "0c1d2e3f-4a5b-4c6d-8e7f-8a9b0c1d2e3f",
        json!({"policy": {"id": "urn:oid:9.9"}, "classification": {"name": "SECRET"}}),
    );
    let err = e
        .label_for(
            &indicator(&[&id]),
            &catalogue(vec![(id.clone(), def)]),
            &receipt(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::UnknownPolicy { .. }), "{err}");
    let (id, def) = accord_marking(
        "1d2e3f4a-5b6c-4d7e-9f8a-9b0c1d2e3f4a",
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"},
        "categories": [{"tag_set": REL_TO, "values": ["ATLANTIS"]}]}),
    );
    let err = e
        .label_for(
            &indicator(&[&id]),
            &catalogue(vec![(id.clone(), def)]),
            &receipt(),
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidLabel { .. }), "{err}");
}

#[test]
fn excluded_class_combination_is_an_error() {
    let e = engine_with(RELEASE_ALL);
    let (id, def) = accord_marking(
        "2e3f4a5b-6c7d-4e8f-8a9b-0c1d2e3f4a5b",
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"},
        "categories": [{"tag_set": REL_TO, "values": ["BLR"]}]}),
    );
    let err = e
        .label_for(
            &indicator(&[&id]),
            &catalogue(vec![(id.clone(), def)]),
            &receipt(),
        )
        .unwrap_err();
    assert!(
        matches!(err, Error::InvalidLabel { ref message, .. } if message.contains("BLR")),
        "{err}"
    );
}

#[test]
fn several_markings_merge_to_the_most_restrictive_label() {
    let e = engine_with(RELEASE_ALL);
    let (a, da) = accord_marking(
        "3f4a5b6c-7d8e-4f9a-9b0c-1d2e3f4a5b6c",
        json!({"policy": {"id": NATO}, "classification": {"name": "RESTRICTED"},
        "categories": [{"tag_set": REL_TO, "values": ["GBR", "USA", "FRA"]}]}),
    );
    let (b, db) = accord_marking(
        "4a5b6c7d-8e9f-4a0b-8c1d-2e3f4a5b6c7d",
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"},
        "categories": [{"tag_set": REL_TO, "values": ["GBR", "USA"]}]}),
    );
    let o = e
        .label_for(
            &indicator(&[&a, &b, StixTlp::V2Green.id()]),
            &catalogue(vec![(a.clone(), da), (b.clone(), db)]),
            &receipt(),
        )
        .unwrap();
    let l = &o.object.label;
    assert_eq!(l.parts[0].classification.level, 4);
    assert_eq!(
        l.parts[0].categories[0].values.iter().collect::<Vec<_>>(),
        ["GBR", "USA"]
    );
    assert_eq!(l.tlp, Some(Tlp::Green));
    assert_eq!(
        e.decide(&o.object, aud(&e, "FRA"), at(T0)).effect,
        Effect::Withhold
    );
}

#[test]
fn granular_markings_give_labels_per_selector() {
    let e = engine_with(RELEASE_ALL);
    let (id, def) = accord_marking(
        "5b6c7d8e-9f0a-4b1c-9d2e-3f4a5b6c7d8e",
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"},
        "categories": [{"tag_set": "urn:oid:1.3.26.1.4.1", "values": ["ATOMAL"]}]}),
    );
    let cat = catalogue(vec![(id.clone(), def)]);
    let mut obj = indicator(&[]);
    obj.insert(
        "granular_markings".into(),
        json!([{"marking_ref": id, "selectors": ["description"]}]),
    );
    let o = e.label_for(&obj, &cat, &receipt()).unwrap();
    assert_eq!(o.granular.len(), 1);
    assert_eq!(o.granular[0].selectors, ["description"]);
    let now = at(T0);
    assert_eq!(
        e.decide_object(&o, aud(&e, "ATOMAL-HOLDER"), now).effect,
        Effect::Release
    );
    match e.decide_object(&o, aud(&e, "FRA"), now).effect {
        Effect::ReleaseRedacted { paths } => assert_eq!(&*paths, ["description"]),
        other => panic!("{other:?}"),
    }
    // A required property under a withheld granular label withholds the object.
    obj.insert(
        "granular_markings".into(),
        json!([{"marking_ref": id, "selectors": ["pattern"]}]),
    );
    let o = e.label_for(&obj, &cat, &receipt()).unwrap();
    let d = e.decide_object(&o, aud(&e, "FRA"), now);
    assert_eq!(d.effect, Effect::Withhold);
    assert_eq!(
        *d.explanation,
        Explanation::RequiredPropertyWithheld {
            selector: "pattern".into()
        }
    );
}

#[test]
fn unmarked_objects_get_the_default_label_and_submitter_as_originator() {
    let e = engine_with(RELEASE_ALL);
    let o = e
        .label_for(&indicator(&[]), &catalogue(vec![]), &receipt())
        .unwrap();
    assert_eq!(o.object.label.parts, vec![nato_part("UNCLASSIFIED", &[])]);
    assert_eq!(o.object.label.originator.as_ref().unwrap().partner, "GBR");
    assert_eq!(o.object.label.sources, ["submitter", "default"]);
}

#[test]
fn zero_config_local_partner_sees_everything_it_posts() {
    let m = release_rules::Mission::zero_config("local");
    let e = Engine::from_mission(&m).unwrap();
    let local = e.audience_of(&e.subject("local", &Ceiling::None).unwrap());
    let receipt = Receipt {
        submitter: "local".into(),
        received_at: at(T0),
    };
    for markings in [
        vec![],
        vec![StixTlp::V2Red.id()],
        vec![StixTlp::V1Amber.id()],
    ] {
        let o = e
            .label_for(&indicator(&markings), &catalogue(vec![]), &receipt)
            .unwrap();
        assert_eq!(
            e.decide_object(&o, local, at(T0)).effect,
            Effect::Release,
            "{markings:?}"
        );
    }
}

#[test]
fn cached_and_uncached_decisions_agree_and_classes_are_shared() {
    let e = engine_with(RELEASE_ALL);
    let r = release(&e, rel(&["NATO"]));
    let a = aud(&e, "FRA");
    assert_eq!(aud(&e, "FRA"), a);
    let now = at(T0);
    assert_eq!(e.decide(&r, a, now), e.decide_uncached(&r, a, now));
    assert_eq!(e.decide(&r, a, now), e.decide(&r, a, now));
    let _ = BTreeMap::<u8, u8>::new();
}

#[test]
fn a_marking_is_read_again_when_the_catalogue_holds_a_different_definition() {
    let e = engine_with(RELEASE_ALL);
    let uuid = "6c7d8e9f-0a1b-4c2d-8e3f-4a5b6c7d8e9f";
    let (id, secret) = accord_marking(
        uuid,
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"}}),
    );
    let (_, restricted) = accord_marking(
        uuid,
        json!({"policy": {"id": NATO}, "classification": {"name": "RESTRICTED"}}),
    );
    let first = e
        .label_for(
            &indicator(&[&id]),
            &catalogue(vec![(id.clone(), secret)]),
            &receipt(),
        )
        .unwrap();
    let second = e
        .label_for(
            &indicator(&[&id]),
            &catalogue(vec![(id.clone(), restricted)]),
            &receipt(),
        )
        .unwrap();
    assert_eq!(first.object.label.parts[0].classification.level, 4);
    assert_eq!(second.object.label.parts[0].classification.level, 2);
}

#[test]
fn engine_is_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Engine>();
}

#[test]
fn stored_label_json_round_trips_to_the_same_id_and_decision() {
    let e = engine_with(RELEASE_ALL);
    let mut l = label(
        vec![nato_part("SECRET", &[("Releasable To", &["GBR", "NATO"])])],
        "GBR",
    );
    l.tlp = Some(Tlp::Amber);
    l.handling.embargo = Some(Duration::parse("PT24H").unwrap());
    let stored = serde_json::to_string(&l).unwrap();
    let back: Label = serde_json::from_str(&stored).unwrap();
    assert_eq!(back, l);
    assert_eq!(back.id(), l.id());
    let a = release(&e, l);
    let b = release(&e, back);
    assert_eq!(a.key, b.key);
}
