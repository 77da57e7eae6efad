//! Property: the compiled, cached decision equals a straightforward reference evaluation over
//! the un-compiled rule set, for random rule sets × labels × subjects × times; and a
//! decision's window is honest (the decision is the same at both ends of it).
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod common;

use common::random::{self, Rng};
use common::reference::{self, Case, Outcome, World};
use proptest::prelude::*;
use release_rules::{Effect, Engine};

fn outcome(effect: &Effect) -> Outcome {
    match effect {
        Effect::Release => Outcome::Release(Default::default()),
        Effect::ReleaseRedacted { paths } => Outcome::Release(paths.iter().cloned().collect()),
        Effect::Withhold => Outcome::Withhold,
    }
}

fn nanos(seconds: i64) -> i128 {
    i128::from(seconds) * 1_000_000_000
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn compiled_decision_equals_reference_evaluation(seed in any::<u64>()) {
        let mut rng = Rng::new(seed);
        let policies = random::policies();
        let partners = random::partners(&mut rng);
        let rules = random::rule_set(&mut rng);
        let engine = Engine::compile(&rules, &policies, &partners, None).unwrap();
        let world = World { rules: &rules, policies: &policies, partners: &partners };
        let labels: Vec<_> = (0..8).map(|_| random::label(&mut rng, &policies)).collect();
        let subjects: Vec<_> = (0..6).map(|_| random::subject(&mut rng, &partners, &policies)).collect();
        for _ in 0..24 {
            let label = rng.pick(&labels).clone();
            let subject = rng.pick(&subjects).clone();
            let facts = random::facts(&mut rng);
            let received = random::received(&mut rng);
            let now = random::now(&mut rng, received);
            let release = engine.release(label.clone(), facts.clone(), random::instant(received)).unwrap();
            let audience = engine.audience_of(&subject);
            let decision = engine.decide(&release, audience, random::instant(now));
            let expected = reference::evaluate(&world, &Case {
                label: &label, subject: &subject, facts: &facts, received: nanos(received), now: nanos(now),
            });
            prop_assert_eq!(outcome(&decision.effect), expected, "seed {} decision {}\nlabel {:?}\nsubject {:?}\nfacts {:?} received {} now {}\nrules {}", seed, decision, label, subject, facts, received, now, rules.source());
            prop_assert_eq!(&decision, &engine.decide_uncached(&release, audience, random::instant(now)));
            if let Some(from) = decision.window.from {
                prop_assert_eq!(&engine.decide(&release, audience, from).effect, &decision.effect);
            }
            if let Some(until) = decision.window.until {
                let last = release_rules::time::render(until);
                let before = stix_model::timestamp::Instant {
                    seconds: if until.nanos == 0 { until.seconds - 1 } else { until.seconds },
                    nanos: if until.nanos == 0 { 999_999_999 } else { until.nanos - 1 },
                };
                prop_assert_eq!(&engine.decide(&release, audience, before).effect, &decision.effect, "until {}", last);
            }
        }
    }
}

fn arbitrary_json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::{Value, json};
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        prop::sample::select(vec![
            "urn:oid:1.3.26.1.3.1",
            "urn:oid:1.3.26.1.4.2",
            "SECRET",
            "FVEY",
            "PT24H",
            "amber",
            "P1",
            "",
            "policy",
            "classification",
            "categories",
            "values",
            "tag_set",
            "handling",
            "embargo",
        ])
        .prop_map(|s| json!(s)),
        "[a-zA-Z0-9+:. ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "extension_type",
                    "label_version",
                    "policy",
                    "id",
                    "name",
                    "classification",
                    "level",
                    "categories",
                    "tag_set",
                    "values",
                    "type",
                    "tlp",
                    "handling",
                    "embargo",
                    "originator",
                    "partner",
                    "alternatives",
                    "privacy_mark",
                    "release_authority",
                ]),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Accord label markings come from partners: any body is read or refused, never a panic,
    /// and what is read passes the policy check.
    #[test]
    fn accord_label_reader_never_panics(body in arbitrary_json()) {
        let reader = release_rules::markings::LabelReader::new().unwrap();
        let policies = random::policies();
        if let Ok(label) = reader.accord_label("marking-definition--x", &body, &policies) {
            prop_assert!(label.check(&policies).is_ok());
        }
    }

    #[test]
    fn duration_parser_never_panics(text in "P?[0-9WDTHMSY-]{0,12}") {
        if let Ok(d) = release_rules::time::Duration::parse(&text) {
            prop_assert_eq!(release_rules::time::Duration::parse(&d.to_string()).unwrap(), d);
        }
    }

    #[test]
    fn rule_set_parser_never_panics(doc in arbitrary_json()) {
        let _ = release_rules::RuleSet::from_value(doc);
    }
}

fn well_formed_marking_body() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::json;
    let policy = prop::sample::select(vec![
        "urn:oid:1.3.26.1.3.1",
        "NATO",
        "urn:isa:policy:acs:ns:v3.0",
        "urn:oid:9.9",
    ]);
    let class = prop::sample::select(vec![
        "UNCLASSIFIED",
        "RESTRICTED",
        "SECRET",
        "TOP SECRET",
        "S",
        "NOPE",
    ]);
    let tag = prop::sample::select(vec![
        "urn:oid:1.3.26.1.4.1",
        "urn:oid:1.3.26.1.4.2",
        "Releasable To",
        "urn:oid:1.3.26.1.4.3",
        "permitted_nationalities",
        "x",
    ]);
    let value = prop::sample::select(vec!["ATOMAL", "FVEY", "BLR", "GBR", "STAFF", "USA", "ZZZ"]);
    let category = (tag, prop::collection::btree_set(value, 0..4))
        .prop_map(|(t, v)| json!({"tag_set": t, "values": v}));
    (
        policy,
        class,
        prop::option::of(0u32..7),
        prop::collection::vec(category, 0..3),
        prop::option::of(prop::sample::select(vec!["clear", "green", "amber", "amber+strict", "red"])),
    )
        .prop_map(|(p, c, level, cats, tlp)| {
            let mut class = json!({"name": c});
            if let Some(l) = level {
                class["level"] = json!(l);
            }
            let mut body = json!({"extension_type": "property-extension", "label_version": 1, "policy": {"id": p},
                                  "classification": class, "categories": cats});
            if let Some(t) = tlp {
                body["tlp"] = json!(t);
            }
            body
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    /// Schema-valid bodies with known and unknown policies, classifications, tag sets and
    /// values: read (and then valid under the policy) or refused with a label error.
    #[test]
    fn accord_label_values_are_checked_against_the_policy(body in well_formed_marking_body()) {
        let reader = release_rules::markings::LabelReader::new().unwrap();
        let policies = random::policies();
        match reader.accord_label("marking-definition--x", &body, &policies) {
            Ok(label) => prop_assert!(label.check(&policies).is_ok()),
            Err(e) => prop_assert!(e.is_label_error(), "{}", e),
        }
    }
}
