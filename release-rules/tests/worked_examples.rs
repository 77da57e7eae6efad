//! The worked examples of the design note §7.3, end to end through markings, the mission
//! file and the compiled engine.

mod common;

use std::collections::BTreeMap;

use common::*;
use release_rules::{Ceiling, Clause, Effect, Explanation, Receipt};
use serde_json::json;
use stix_model::markings::Tlp as StixTlp;

#[test]
fn example_1_nato_secret_rel_fvey() {
    let engine = engine();
    let (id, def) = accord_marking(
        "1b7c3f90-6a52-4d4b-8a3e-0e4f1c9d2a11",
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"},
               "categories": [{"tag_set": REL_TO, "values": ["FVEY"]}]}),
    );
    let cat = catalogue(vec![(id.clone(), def)]);
    let receipt = Receipt {
        submitter: "GBR-NCSC".into(),
        received_at: at("2026-03-01T10:00:00Z"),
    };
    let object = engine
        .label_for(&indicator(&[&id]), &cat, &receipt)
        .unwrap();
    let now = at("2026-03-01T11:00:00Z");

    let gbr = engine.audience_of(&engine.subject("GBR-NCSC", &Ceiling::None).unwrap());
    assert_eq!(
        engine.decide(&object.object, gbr, now).effect,
        Effect::Release
    );

    let fra = engine.audience_of(&engine.subject("FRA-ANSSI", &Ceiling::None).unwrap());
    let d = engine.decide(&object.object, fra, now);
    assert_eq!(d.effect, Effect::Withhold);
    assert!(
        matches!(
            &*d.explanation,
            Explanation::Baseline(Clause::Permissive { .. })
        ),
        "{d}"
    );

    let policies = engine.policies().to_vec();
    let ceiling = Ceiling::parse(
        &BTreeMap::from([("NATO".into(), "RESTRICTED".into())]),
        &policies,
    )
    .unwrap();
    let usa_low = engine.audience_of(&engine.subject("USA-CISA", &ceiling).unwrap());
    let d = engine.decide(&object.object, usa_low, now);
    assert_eq!(d.effect, Effect::Withhold);
    assert!(
        matches!(
            &*d.explanation,
            Explanation::Baseline(Clause::Classification {
                label: 4,
                subject: 2,
                ..
            })
        ),
        "{d}"
    );
}

#[test]
fn example_1_rule_pins_fvey_to_nations() {
    // A partner whose communities include FVEY passes the baseline, but ex1 withholds it
    // because its nation is not an FVEY nation.
    let mut mission = mission();
    let mut p = mission.partner("FRA-ANSSI").unwrap().clone();
    p.id = "FRA-FVEY-LIAISON".into();
    p.communities.push("FVEY".into());
    mission.partners.push(p);
    let engine = release_rules::Engine::from_mission(&mission).unwrap();
    let (id, def) = accord_marking(
        "1b7c3f90-6a52-4d4b-8a3e-0e4f1c9d2a11",
        json!({"policy": {"id": NATO}, "classification": {"name": "SECRET"},
               "categories": [{"tag_set": REL_TO, "values": ["FVEY"]}]}),
    );
    let cat = catalogue(vec![(id.clone(), def)]);
    let receipt = Receipt {
        submitter: "GBR-NCSC".into(),
        received_at: at("2026-03-01T10:00:00Z"),
    };
    let object = engine
        .label_for(&indicator(&[&id]), &cat, &receipt)
        .unwrap();
    let a = engine.audience_of(&engine.subject("FRA-FVEY-LIAISON", &Ceiling::None).unwrap());
    let d = engine.decide(&object.object, a, at("2026-03-01T11:00:00Z"));
    assert_eq!(d.effect, Effect::Withhold);
    assert_eq!(d.explanation.rule_ids(), ["ex1-fvey-secret"]);
    assert_eq!(d.to_string(), "withhold: rule ex1-fvey-secret");
}

#[test]
fn example_2_amber_strict_to_organisation_only() {
    let engine = engine();
    let receipt = Receipt {
        submitter: "DEU-BSI".into(),
        received_at: at("2026-03-01T10:00:00Z"),
    };
    let object = engine
        .label_for(
            &indicator(&[StixTlp::V2AmberStrict.id()]),
            &catalogue(vec![]),
            &receipt,
        )
        .unwrap();
    let now = at("2026-03-02T00:00:00Z");
    for (partner, expected) in [
        ("DEU-BSI", true),
        ("GBR-NCSC", false),
        ("FRA-ANSSI", false),
        ("CERT-X", false),
    ] {
        let a = engine.audience_of(&engine.subject(partner, &Ceiling::None).unwrap());
        let d = engine.decide(&object.object, a, now);
        assert_eq!(d.effect.is_release(), expected, "{partner}: {d}");
    }
}

#[test]
fn example_3_no_observers() {
    let engine = engine();
    let (id, def) = accord_marking(
        "2c8d4fa1-7b63-4e5c-9b4f-1f5a2dae3b22",
        json!({"policy": {"id": NATO}, "classification": {"name": "RESTRICTED"},
               "categories": [{"tag_set": REL_TO, "values": ["NATO", "EU"]}]}),
    );
    let cat = catalogue(vec![(id.clone(), def)]);
    let receipt = Receipt {
        submitter: "GBR-NCSC".into(),
        received_at: at("2026-03-01T10:00:00Z"),
    };
    let object = engine
        .label_for(&indicator(&[&id]), &cat, &receipt)
        .unwrap();
    let now = at("2026-03-01T10:00:01Z");
    let deu = engine.audience_of(&engine.subject("DEU-BSI", &Ceiling::None).unwrap());
    assert_eq!(
        engine.decide(&object.object, deu, now).effect,
        Effect::Release
    );
    let nor = engine.audience_of(&engine.subject("NOR-NSM", &Ceiling::None).unwrap());
    let d = engine.decide(&object.object, nor, now);
    assert_eq!(d.effect, Effect::Withhold);
    assert_eq!(d.explanation.rule_ids(), ["ex3-no-observers"]);
}

#[test]
fn example_4_certx_embargo_from_receive_time() {
    let engine = engine();
    let received = at("2026-03-01T10:00:00Z");
    let receipt = Receipt {
        submitter: "CERT-X".into(),
        received_at: received,
    };
    // STIX timestamps in the object say 2026-01-01: they play no part.
    let object = engine
        .label_for(&indicator(&[]), &catalogue(vec![]), &receipt)
        .unwrap();
    let certx = engine.audience_of(&engine.subject("CERT-X", &Ceiling::None).unwrap());
    let deu = engine.audience_of(&engine.subject("DEU-BSI", &Ceiling::None).unwrap());

    assert_eq!(
        engine.decide(&object.object, certx, received).effect,
        Effect::Release
    );
    let d = engine.decide(&object.object, deu, at("2026-03-01T12:00:00Z"));
    assert_eq!(d.effect, Effect::Withhold);
    assert_eq!(d.explanation.rule_ids(), ["ex4-certx-embargo"]);
    assert_eq!(d.window.until, Some(at("2026-03-02T10:00:00Z")));
    assert_eq!(
        engine
            .decide(&object.object, deu, at("2026-03-02T09:59:59.999Z"))
            .effect,
        Effect::Withhold
    );
    let after = engine.decide(&object.object, deu, at("2026-03-02T10:00:00Z"));
    assert_eq!(after.effect, Effect::Release);
    assert_eq!(after.window.from, Some(at("2026-03-02T10:00:00Z")));
    assert_eq!(after.window.until, None);

    let (from, _) = engine.visible_from(&object.object, deu).unwrap();
    assert_eq!(from, at("2026-03-02T10:00:00Z"));
    assert_eq!(
        engine.visible_from(&object.object, certx).unwrap().0,
        received
    );
}
