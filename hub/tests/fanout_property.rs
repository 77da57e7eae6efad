//! Property (issue 4): for random missions, rule sets, labels and objects, what the hub serves
//! each partner equals what the pure `release_rules::Engine` allows that partner — over GET
//! objects (every page, `match[version]=all`, content included), the manifest (every page)
//! and GET object by id (404 when nothing is allowed) — on SQLite and on PostgreSQL; also
//! while a second rule set is pending (it narrows at once and widens nothing) and after the
//! recomputation has applied it together with new attributes for one partner. Refusals at
//! ingest are the engine's too.
//!
//! Per case, from one seed: 3–8 partners with random nation, organisations, clients,
//! communities, NATO and ACS clearances, caveats and role; two rule sets in the §7.3 language
//! (release and withhold rules whose scope, audience, `when` and `unless` predicates read the
//! label, the subject, the object, the receive time and "now", sometimes an embargo rule,
//! sometimes redaction); 2–4 ISA ACS 3.0 marking definitions (classification, permitted
//! nationalities, mapped into the loaded ACS policy) and now and then a statement; 20–60
//! objects — indicators and malware (some in two versions) with TLP 1.0 / 2.0 and ACS
//! markings, granular markings on `description`, and relationships and reports referencing
//! them — posted by random partners in envelopes that sometimes carry the marking
//! definitions again (a new variant when the submitter could not see the stored one).
//!
//! The expected side uses the engine alone, from the same mission text and marking
//! definitions: refused = the label the engine computes fails (with only the marking
//! definitions the submitter may see); served = the engine releases the version now (of
//! several variants, the one the audience may read earliest); relationships and reports also
//! need every referenced object to have a version released now (closure one level deep: only
//! indicators and malware are referenced). Accord label markings are generated unless
//! `ACCORD_PROPTEST_ACCORD_LABELS=0`, see [`accord_labels`].
//!
//! Receive times are known only within the bounds of their `post` call (envelopes a second
//! apart); reads happen at least nine minutes from any time boundary a rule or embargo can draw
//! (all are whole or half hours from the start), and the expected side checks that both
//! bounds give the same decision.
//!
//! `ACCORD_PROPTEST_CASES` sets the cases per backend (default 8); `ACCORD_PROPTEST_SEED` runs
//! only the case of that seed (as printed on failure, decimal or `0x…`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod fanout_support;

use std::collections::{BTreeMap, BTreeSet};

use fanout_support::{HOUR, Hub, Kind, START, hub_with};
use release_rules::{Ceiling, Effect, Engine, Mission, Receipt};
use serde_json::{Map, Value, json};
use stix_model::timestamp::Instant;

const DEFAULT_CASES: u64 = 8;
/// Seeds are this plus the case number, spread by the generator.
const BASE_SEED: u64 = 0x4143_434f_5244_0004;
const MINUTE: i64 = 60_000_000;

// ---------------------------------------------------------------------------------------------
// A small seeded generator (SplitMix64): a case is a pure function of its seed.

struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// In `low..=high`.
    fn range(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    fn some<T: Clone>(&mut self, items: &[T], percent: u64) -> Vec<T> {
        items
            .iter()
            .filter(|_| self.chance(percent))
            .cloned()
            .collect()
    }

    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            b >> 52,
            b & 0xffff_ffff_ffff
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Value pools.

const NATIONS: &[&str] = &["GBR", "USA", "FRA", "DEU", "NOR", "EST", "AUS", "CAN"];
const COMMUNITIES: &[&str] = &["NATO", "EU", "FVEY"];
const ORGS: &[&str] = &["ORG-A", "ORG-B", "ORG-C"];
const ROLES: &[&str] = &["lead", "supporting", "observing"];
const CLASSES: &[&str] = &[
    "UNCLASSIFIED",
    "RESTRICTED",
    "CONFIDENTIAL",
    "SECRET",
    "TOP SECRET",
];
/// Releasable To values; BLR is excluded above UNCLASSIFIED and EU at TOP SECRET, so some
/// labels fail the policy and their objects are refused.
const REL_TO: &[&str] = &[
    "GBR", "USA", "FRA", "DEU", "NOR", "EST", "AUS", "CAN", "NATO", "EU", "FVEY", "BLR",
];
const SENSITIVITY: &[&str] = &["ATOMAL", "CRYPTO", "SIOP"];
const CONTEXT: &[&str] = &["ISAF", "KFOR"];
const TLP_WORDS: &[&str] = &["clear", "green", "amber", "amber+strict", "red"];
const GROUPS: &[&str] = &["FVEY", "NATO", "EU", "CORE", "MIX"];
const TYPES: &[&str] = &["indicator", "malware", "relationship", "report"];
const CREATORS: &[&str] = &[
    "identity--0b5a3d1c-3f9e-4c55-9d0e-2a7c1b6e8f41",
    "identity--7e2c4a90-1d3b-4f6a-8b5c-9e0f1a2b3c4d",
];
/// Whole and half hours: every boundary a rule or embargo can draw is on one.
const DURATIONS: &[&str] = &["PT0S", "PT1H", "PT90M", "PT24H", "P1D"];
/// The TLP 1.0 and 2.0 marking definitions, by their fixed ids.
const TLP_MARKINGS: &[&str] = &[
    "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", // 1.0 white
    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", // 1.0 green
    "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", // 1.0 amber
    "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", // 1.0 red
    "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", // 2.0 clear
    "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", // 2.0 green
    "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", // 2.0 amber
    "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", // 2.0 amber+strict
    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", // 2.0 red
];
const NATO_ID: &str = "urn:oid:1.3.26.1.3.1";
const ACS_ID: &str = "urn:isa:policy:acs:ns:v3.0";
const ACS_EXTENSION: &str = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce";
const ACS_CLASSES: &[&str] = &["U", "C", "S", "TS"];
/// Permitted nationalities; NOR is not in the ACS policy, so a few labels fail it.
const ACS_NATIONS: &[&str] = &["USA", "GBR", "CAN", "AUS", "NZL", "DEU", "FRA"];
const REL_TO_TAG: &str = "urn:oid:1.3.26.1.4.2";
const SENSITIVITY_TAG: &str = "urn:oid:1.3.26.1.4.1";
const CONTEXT_TAG: &str = "urn:oid:1.3.26.1.4.4";
const ACCORD_LABEL: &str = release_rules::ACCORD_LABEL_EXTENSION_ID;
/// Only properties no generated type requires: redacting them never invalidates an object.
const REDACTABLE: &[&str] = &["description", "labels", "external_references"];

// ---------------------------------------------------------------------------------------------
// Missions and rule sets.

fn partners(rng: &mut Rng, ids: &[String]) -> Vec<Value> {
    ids.iter().map(|id| partner(rng, id, ids)).collect()
}

/// One mission partner's declaration with random attributes.
fn partner(rng: &mut Rng, id: &str, ids: &[String]) -> Value {
    let mut p = Map::new();
    p.insert("id".into(), json!(id));
    if rng.chance(90) {
        p.insert("nation".into(), json!(rng.pick(NATIONS)));
    }
    p.insert("orgs".into(), json!(rng.some(ORGS, 40)));
    p.insert("clients".into(), json!(rng.some(ids, 20)));
    p.insert("communities".into(), json!(rng.some(COMMUNITIES, 55)));
    if rng.chance(90) {
        // Leaning high, so that classification withholds sometimes, not mostly.
        let level = *rng.pick(&[4usize, 4, 3, 3, 2, 1, 0]);
        let mut clearance = json!({"NATO": CLASSES[level]});
        if rng.chance(60) {
            clearance["ACS"] = json!(rng.pick(&["TS", "S", "S", "C", "U"]));
        }
        p.insert("clearance".into(), clearance);
    }
    let mut caveats = Map::new();
    for (tag, pool, percent) in [
        ("Additional Sensitivity", SENSITIVITY, 50),
        ("Releasable To", REL_TO, 10),
        ("Context", CONTEXT, 40),
        ("permitted_nationalities", ACS_NATIONS, 20),
    ] {
        let values = rng.some(pool, percent);
        if !values.is_empty() {
            caveats.insert(tag.into(), json!(values));
        }
    }
    p.insert("caveats".into(), Value::Object(caveats));
    p.insert("role".into(), json!(rng.pick(ROLES)));
    Value::Object(p)
}

fn groups(ids: &[String]) -> Value {
    json!({
        "FVEY": {"nations": ["AUS", "CAN", "GBR", "NZL", "USA"]},
        "NATO": {"communities": ["NATO"]},
        "EU": {"communities": ["EU"]},
        "CORE": {"partners": [ids[0], ids[1]]},
        "MIX": {"nations": ["FRA"], "communities": ["FVEY"], "partners": [ids[ids.len() - 1]]}
    })
}

/// An instant as rule text: `hours` whole hours after the start.
fn stamp(hours: u64) -> String {
    let seconds = START / 1_000_000 + 3_600 * hours as i64;
    release_rules::time::render(Instant { seconds, nanos: 0 })
}

fn leaf(rng: &mut Rng, ids: &[String]) -> Value {
    let group = |rng: &mut Rng| json!({"group": rng.pick(GROUPS)});
    let partner = |rng: &mut Rng| json!(rng.pick(ids));
    let (attr, op, value): (&str, &str, Value) = match rng.range(0, 32) {
        0 => ("subject.partner", "eq", partner(rng)),
        1 => ("subject.partner", "in", json!(rng.some(ids, 40))),
        2 => ("subject.partner", *rng.pick(&["in", "not_in"]), group(rng)),
        3 => ("subject.partner", "eq", json!({"ref": "label.originator"})),
        4 => ("subject.partner", "eq", json!({"ref": "event.submitter"})),
        5 => (
            "subject.nation",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(NATIONS)),
        ),
        6 => ("subject.nation", *rng.pick(&["in", "not_in"]), group(rng)),
        7 => (
            "subject.role",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(ROLES)),
        ),
        8 => (
            "subject.communities",
            "intersects",
            json!(rng.some(COMMUNITIES, 50)),
        ),
        9 => (
            "subject.communities",
            *rng.pick(&["intersects", "subset_of"]),
            group(rng),
        ),
        10 => (
            "subject.orgs",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(ORGS)),
        ),
        11 => (
            "subject.clearance.NATO",
            *rng.pick(&["gte", "lte"]),
            json!(rng.pick(CLASSES)),
        ),
        12 => (
            "subject.clearance.NATO",
            "gte",
            json!({"ref": "label.classification.NATO"}),
        ),
        13 => (
            "subject.caveats.Additional Sensitivity",
            "intersects",
            json!(rng.some(SENSITIVITY, 50)),
        ),
        14 => (
            "label.rel_to",
            *rng.pick(&["intersects", "subset_of"]),
            json!(rng.some(REL_TO, 30)),
        ),
        15 => ("label.rel_to", "intersects", group(rng)),
        16 => ("label.rel_to", "eq", json!({"ref": "subject.nation"})),
        17 => (
            "label.classification.NATO",
            *rng.pick(&["gte", "lte"]),
            json!(rng.pick(CLASSES)),
        ),
        18 => (
            "label.tlp",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(TLP_WORDS)),
        ),
        19 => (
            "label.tlp",
            *rng.pick(&["in", "not_in"]),
            json!(rng.some(TLP_WORDS, 40)),
        ),
        20 => ("label.originator", *rng.pick(&["eq", "ne"]), partner(rng)),
        21 => ("label.originator", "ne", json!({"ref": "subject.partner"})),
        22 => (
            "label.release_authority",
            "eq",
            json!({"ref": "subject.partner"}),
        ),
        23 => (
            "label.categories.Additional Sensitivity",
            "intersects",
            json!(rng.some(SENSITIVITY, 50)),
        ),
        24 => (
            "object.type",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(TYPES)),
        ),
        25 => ("object.type", "in", json!(rng.some(TYPES, 50))),
        26 => ("object.created_by_ref", "eq", json!(rng.pick(CREATORS))),
        27 => ("event.submitter", *rng.pick(&["eq", "ne"]), partner(rng)),
        28 => (
            "env.now",
            *rng.pick(&["before", "after"]),
            if rng.chance(70) {
                json!({"ref": "event.received_at", "plus": rng.pick(DURATIONS)})
            } else {
                json!(stamp(rng.range(0, 30)))
            },
        ),
        29 => (
            "label.classification.ACS",
            *rng.pick(&["gte", "lte"]),
            json!(rng.pick(ACS_CLASSES)),
        ),
        30 => (
            "label.policy",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(&[NATO_ID, ACS_ID])),
        ),
        31 => (
            "subject.clearance.ACS",
            "gte",
            json!({"ref": "label.classification.ACS"}),
        ),
        _ => (
            "event.received_at",
            *rng.pick(&["before", "after"]),
            json!(stamp(rng.range(0, 2))),
        ),
    };
    json!({"attr": attr, "op": op, "value": value})
}

fn predicate(rng: &mut Rng, ids: &[String], depth: u32) -> Value {
    if depth >= 2 || rng.chance(65) {
        return leaf(rng, ids);
    }
    let children = |rng: &mut Rng| -> Vec<Value> {
        (0..rng.range(1, 3))
            .map(|_| predicate(rng, ids, depth + 1))
            .collect()
    };
    match rng.range(0, 2) {
        0 => json!({"all": children(rng)}),
        1 => json!({"any": children(rng)}),
        _ => json!({"not": predicate(rng, ids, depth + 1)}),
    }
}

/// A rule set in the §7.3 language: mostly a base release narrowed by random rules.
fn rule_set(rng: &mut Rng, ids: &[String], version: u64) -> Value {
    let mut rules = Vec::new();
    if rng.chance(90) {
        rules.push(json!({"id": "base-release", "effect": "release"}));
    }
    for n in 0..rng.range(0, 4) {
        let release = rng.chance(35);
        let mut rule = Map::new();
        rule.insert("id".into(), json!(format!("rule-{n}")));
        rule.insert(
            "effect".into(),
            json!(if release { "release" } else { "withhold" }),
        );
        for key in ["scope", "audience", "when", "unless"] {
            let percent = if key == "when" { 25 } else { 50 };
            if rng.chance(percent) {
                rule.insert(key.into(), predicate(rng, ids, 0));
            }
        }
        // A withhold rule without scope or audience withholds most things from everyone:
        // rare in a real rule set, and it would leave little to compare.
        if !release && !rule.contains_key("scope") && !rule.contains_key("audience") {
            let key = *rng.pick(&["scope", "audience"]);
            rule.insert(key.into(), predicate(rng, ids, 0));
        }
        if release && rng.chance(35) {
            let paths = rng.some(REDACTABLE, 50);
            if !paths.is_empty() {
                rule.insert("redact".into(), json!(paths));
            }
        }
        rules.push(Value::Object(rule));
    }
    // An embargo rule now and then: one partner's reports wait a while for everyone else.
    if rng.chance(30) {
        let who = rng.pick(ids).clone();
        rules.push(json!({
            "id": "embargo",
            "effect": "withhold",
            "scope": {"attr": "label.originator", "op": "eq", "value": who},
            "when": {"attr": "env.now", "op": "before",
                     "value": {"ref": "event.received_at", "plus": rng.pick(DURATIONS)}},
            "unless": {"attr": "subject.partner", "op": "eq", "value": who}
        }));
    }
    let community = match rng.range(0, 2) {
        0 => Value::Null,
        1 => json!("NATO"),
        _ => json!("MIX"),
    };
    json!({
        "id": "property/release",
        "version": version,
        "groups": groups(ids),
        "semantics": {
            "tlp_organisation": *rng.pick(&["partner", "org"]),
            "tlp_community": community
        },
        "rules": rules
    })
}

fn mission_text(partners: &[Value], default_class: &str, rules: &Value) -> String {
    json!({
        "mission": {"id": "property", "name": "Property"},
        "policies": ["nato.yaml", "acs.yaml"],
        "default_label": {"policy": "NATO", "classification": default_class},
        "partners": partners,
        "api_roots": [{"name": "mission", "title": "Mission",
                       "collections": [{"alias": "shared", "title": "Shared"}]}],
        "rules": rules
    })
    .to_string()
}

fn parse_mission(text: &str) -> Mission {
    Mission::parse(text, &mut |path: &str| match path {
        "nato.yaml" => Ok(release_rules::policy::NATO_EXAMPLE_YAML.to_owned()),
        "acs.yaml" => Ok(release_rules::policy::ACS_EXAMPLE_YAML.to_owned()),
        other => Err(format!("no policy {other}")),
    })
    .unwrap()
}

// ---------------------------------------------------------------------------------------------
// Markings and objects.

/// An Accord label marking definition with a random label.
fn accord_marking(rng: &mut Rng, ids: &[String]) -> Value {
    let mut body = Map::new();
    body.insert("extension_type".into(), json!("property-extension"));
    body.insert("label_version".into(), json!(1));
    if rng.chance(80) {
        let class = *rng.pick(&CLASSES[..4]);
        body.insert("policy".into(), json!({"id": NATO_ID}));
        body.insert("classification".into(), json!({"name": class}));
        let mut categories = Vec::new();
        if rng.chance(60) {
            let mut values = rng.some(REL_TO, 25);
            // Mostly within the policy: BLR only at UNCLASSIFIED.
            if class != "UNCLASSIFIED" && rng.chance(85) {
                values.retain(|v| *v != "BLR");
            }
            categories.push(json!({"tag_set": REL_TO_TAG, "values": values}));
        }
        if rng.chance(25) {
            let mut values = rng.some(SENSITIVITY, 40);
            if matches!(class, "UNCLASSIFIED" | "RESTRICTED") && rng.chance(85) {
                values.retain(|v| *v == "SIOP");
            }
            categories.push(json!({"tag_set": SENSITIVITY_TAG, "values": values}));
        }
        if rng.chance(15) {
            categories.push(json!({"tag_set": CONTEXT_TAG, "values": rng.some(CONTEXT, 60)}));
        }
        if !categories.is_empty() {
            body.insert("categories".into(), json!(categories));
        }
    }
    if rng.chance(35) {
        body.insert("tlp".into(), json!(rng.pick(TLP_WORDS)));
    }
    if rng.chance(30) {
        body.insert(
            "handling".into(),
            json!({"embargo": rng.pick(&["PT0S", "PT1H", "PT24H"])}),
        );
    }
    if rng.chance(40) {
        body.insert("originator".into(), json!({"partner": rng.pick(ids)}));
    }
    if rng.chance(25) {
        body.insert(
            "release_authority".into(),
            json!({"partner": rng.pick(ids)}),
        );
    }
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": format!("marking-definition--{}", rng.uuid()),
        "created": "2025-06-01T00:00:00.000Z",
        "extensions": {ACCORD_LABEL: body}
    })
}

/// An ISA ACS 3.0 marking definition: classification and permitted nationalities under the
/// ACS policy.
fn acs_marking(rng: &mut Rng) -> Value {
    let mut control = Map::new();
    control.insert("classification".into(), json!(rng.pick(ACS_CLASSES)));
    control.insert(
        "formal_determination".into(),
        json!(["INFORMATION-DIRECTLY-RELATED-TO-CYBERSECURITY-THREAT"]),
    );
    if rng.chance(60) {
        let mut nations = rng.some(ACS_NATIONS, 35);
        if rng.chance(5) {
            nations.push("NOR");
        }
        control.insert("permitted_nationalities".into(), json!(nations));
    }
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": format!("marking-definition--{}", rng.uuid()),
        "created": "2025-06-01T00:00:00.000Z",
        "extensions": {ACS_EXTENSION: {
            "extension_type": "property-extension",
            "identifier": format!("isa:guide.19001.ACS3-{}", rng.uuid()),
            "create_date_time": "2025-06-01T00:00:00Z",
            "responsible_entity_custodian": "USA.DHS.CISA",
            "policy_reference": format!("{ACS_ID}?privdefault=deny&sharedefault=deny"),
            "control_set": control
        }}
    })
}

fn statement_marking(rng: &mut Rng) -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": format!("marking-definition--{}", rng.uuid()),
        "created": "2025-06-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2025 Example"}
    })
}

/// Object-level markings: none, TLP (1.0 or 2.0), Accord labels, statements, now and then a
/// marking nobody posted (the object is refused).
fn markings(rng: &mut Rng, catalogue: &[String]) -> Vec<String> {
    let mut refs = Vec::new();
    for _ in 0..*rng.pick(&[0, 0, 0, 1, 1, 1, 1, 2]) {
        refs.push(rng.pick(TLP_MARKINGS).to_string());
    }
    for _ in 0..*rng.pick(&[0, 0, 0, 0, 1, 1, 1, 2]) {
        refs.push(rng.pick(catalogue).clone());
    }
    if rng.chance(3) {
        refs.push(format!("marking-definition--{}", rng.uuid()));
    }
    refs.sort();
    refs.dedup();
    refs
}

/// The properties every generated object may carry.
fn decorate(rng: &mut Rng, object: &mut Map<String, Value>, catalogue: &[String]) {
    if rng.chance(70) {
        object.insert("description".into(), json!("seen in the wild"));
    }
    if rng.chance(40) {
        object.insert("labels".into(), json!(["malicious-activity"]));
    }
    if rng.chance(25) {
        object.insert(
            "external_references".into(),
            json!([{"source_name": "example", "url": "https://example.org/ref"}]),
        );
    }
    if rng.chance(50) {
        object.insert("created_by_ref".into(), json!(rng.pick(CREATORS)));
    }
    let refs = markings(rng, catalogue);
    if !refs.is_empty() {
        object.insert("object_marking_refs".into(), json!(refs));
    }
    if object.contains_key("description") && rng.chance(15) {
        let marking = if rng.chance(50) {
            rng.pick(TLP_MARKINGS).to_string()
        } else {
            rng.pick(catalogue).clone()
        };
        object.insert(
            "granular_markings".into(),
            json!([{"selectors": ["description"], "marking_ref": marking}]),
        );
    }
}

fn modified(minutes: u64) -> String {
    let seconds = 1_735_689_600 + 60 * minutes as i64; // 2025-01-01T00:00:00Z
    stix_model::Timestamp::from_instant_millis(Instant { seconds, nanos: 0 })
        .as_str()
        .to_owned()
}

fn sdo(rng: &mut Rng, type_name: &str, id: &str, version: u64, catalogue: &[String]) -> Value {
    let stamp = modified(version);
    let mut object = Map::new();
    object.insert("type".into(), json!(type_name));
    object.insert("spec_version".into(), json!("2.1"));
    object.insert("id".into(), json!(id));
    object.insert("created".into(), json!(modified(0)));
    object.insert("modified".into(), json!(stamp));
    if type_name == "indicator" {
        object.insert("name".into(), json!("bad address"));
        object.insert(
            "pattern".into(),
            json!(format!(
                "[ipv4-addr:value = '198.51.100.{}']",
                rng.range(1, 254)
            )),
        );
        object.insert("pattern_type".into(), json!("stix"));
        object.insert("valid_from".into(), json!("2025-01-01T00:00:00Z"));
    } else {
        object.insert("name".into(), json!("dropper"));
        object.insert("is_family".into(), json!(false));
    }
    decorate(rng, &mut object, catalogue);
    Value::Object(object)
}

/// A relationship or report over `targets` (which may include an id nobody posted).
fn referencing(rng: &mut Rng, type_name: &str, targets: &[String], catalogue: &[String]) -> Value {
    let id = format!("{type_name}--{}", rng.uuid());
    let mut object = Map::new();
    object.insert("type".into(), json!(type_name));
    object.insert("spec_version".into(), json!("2.1"));
    object.insert("id".into(), json!(id));
    object.insert("created".into(), json!(modified(0)));
    object.insert("modified".into(), json!(modified(0)));
    if type_name == "relationship" {
        object.insert("relationship_type".into(), json!("related-to"));
        object.insert("source_ref".into(), json!(targets[0]));
        object.insert("target_ref".into(), json!(targets[1 % targets.len()]));
    } else {
        object.insert("name".into(), json!("weekly"));
        object.insert("published".into(), json!("2025-01-02T00:00:00Z"));
        object.insert("object_refs".into(), json!(targets));
    }
    decorate(rng, &mut object, catalogue);
    Value::Object(object)
}

// ---------------------------------------------------------------------------------------------
// A case.

struct Case {
    partners: Vec<String>,
    mission: String,
    /// The mission text with the second rule set in place of the first (while it is pending).
    pending: String,
    /// The mission text with the second rule set in place of the first and `moved` in place
    /// of its first declaration (for the expected side).
    mission2: String,
    /// A partner with new attributes, set together with the second rule set.
    moved: release_rules::Partner,
    rules2: String,
    /// Envelopes in posting order: (poster, objects). The first holds the marking definitions.
    envelopes: Vec<(String, Vec<Value>)>,
    /// Microseconds after the start: the first read, and the read after the recomputation.
    read1: i64,
    read2: i64,
}

fn case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    let ids: Vec<String> = (0..rng.range(3, 8)).map(|n| format!("P{n}")).collect();
    let declared = partners(&mut rng, &ids);
    let default_class = *rng.pick(&["UNCLASSIFIED", "UNCLASSIFIED", "RESTRICTED"]);
    let rules1 = rule_set(&mut rng, &ids, 1);
    let rules2 = rule_set(&mut rng, &ids, 2);
    // With the second rule set, one partner's attributes change too.
    let mut declared2 = declared.clone();
    let moved = rng.range(0, ids.len() as u64 - 1) as usize;
    declared2[moved] = partner(&mut rng, &ids[moved], &ids);

    let mut definitions: Vec<Value> = (0..rng.range(2, 4))
        .map(|_| acs_marking(&mut rng))
        .collect();
    if accord_labels() {
        definitions.extend((0..rng.range(2, 4)).map(|_| accord_marking(&mut rng, &ids)));
    }
    if rng.chance(30) {
        definitions.push(statement_marking(&mut rng));
    }
    let catalogue: Vec<String> = definitions
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect();

    let total = rng.range(20, 60) as usize;
    let mut objects: Vec<Value> = Vec::new();
    let mut sdo_ids: Vec<String> = Vec::new();
    while objects.len() < total {
        let type_name = if sdo_ids.len() < 2 {
            *rng.pick(&TYPES[..2])
        } else {
            *rng.pick(&[
                "indicator",
                "indicator",
                "malware",
                "relationship",
                "report",
            ])
        };
        match type_name {
            "indicator" | "malware" => {
                let id = format!("{type_name}--{}", rng.uuid());
                objects.push(sdo(&mut rng, type_name, &id, 1, &catalogue));
                if rng.chance(25) {
                    let later = rng.range(2, 6);
                    objects.push(sdo(&mut rng, type_name, &id, later, &catalogue));
                }
                sdo_ids.push(id);
            }
            _ => {
                let mut targets = rng.some(&sdo_ids, 20);
                while targets.len() < 2 {
                    targets.push(rng.pick(&sdo_ids).clone());
                }
                if rng.chance(5) {
                    targets.push(format!("malware--{}", rng.uuid()));
                }
                targets.sort();
                targets.dedup();
                targets.truncate(3);
                objects.push(referencing(&mut rng, type_name, &targets, &catalogue));
            }
        }
    }
    // Shuffled, so that a referencing object sometimes arrives before what it references.
    for i in (1..objects.len()).rev() {
        let j = rng.range(0, i as u64) as usize;
        objects.swap(i, j);
    }
    let mut envelopes = vec![(rng.pick(&ids).clone(), definitions.clone())];
    let mut rest = objects.into_iter().peekable();
    while rest.peek().is_some() {
        let size = rng.range(1, 10) as usize;
        let mut envelope: Vec<Value> = rest.by_ref().take(size).collect();
        // Clients often send the marking definitions an envelope names along with it (a
        // repost: a new variant if the submitter could not see the stored one).
        let named: BTreeSet<&str> = envelope
            .iter()
            .flat_map(|o| o["object_marking_refs"].as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        let along: Vec<Value> = definitions
            .iter()
            .filter(|d| named.contains(d["id"].as_str().unwrap()))
            .filter(|_| rng.chance(40))
            .cloned()
            .collect();
        envelope.splice(0..0, along);
        envelopes.push((rng.pick(&ids).clone(), envelope));
    }
    // Ten minutes or more from every whole and half hour (see the module note).
    let read1 = *rng.pick(&[10 * MINUTE, 70 * MINUTE, 100 * MINUTE]);
    let read2 = read1 + *rng.pick(&[0, HOUR, 24 * HOUR]);
    Case {
        partners: ids,
        mission: mission_text(&declared, default_class, &rules1),
        pending: mission_text(&declared, default_class, &rules2),
        mission2: mission_text(&declared2, default_class, &rules2),
        moved: serde_json::from_value(declared2[moved].clone()).unwrap(),
        rules2: rules2.to_string(),
        envelopes,
        read1,
        read2,
    }
}

// ---------------------------------------------------------------------------------------------
// The expected side: the engine alone.

/// A posted object version and the bounds of its receive time (microseconds).
struct Posted {
    object: Map<String, Value>,
    id: String,
    version: String,
    submitter: String,
    received: (i64, i64),
}

type Key = (String, String);

fn instant(micros: i64) -> Instant {
    Instant {
        seconds: micros.div_euclid(1_000_000),
        nanos: (micros.rem_euclid(1_000_000) * 1_000) as u32,
    }
}

fn version_of(object: &Value) -> String {
    object
        .get("modified")
        .or_else(|| object.get("created"))
        .and_then(Value::as_str)
        .unwrap()
        .to_owned()
}

fn closure_refs(object: &Map<String, Value>) -> Vec<String> {
    let own = object["id"].as_str().unwrap();
    let mut refs = BTreeSet::new();
    for key in ["source_ref", "target_ref"] {
        if let Some(id) = object.get(key).and_then(Value::as_str) {
            refs.insert(id.to_owned());
        }
    }
    if object["type"] == "report" {
        for id in object["object_refs"].as_array().unwrap() {
            refs.insert(id.as_str().unwrap().to_owned());
        }
    }
    refs.remove(own);
    refs.into_iter().collect()
}

/// Whether the engine accepts the object's label (the hub refuses what it does not), given the
/// marking definitions its submitter can name.
fn accepted(
    engine: &Engine,
    catalogue: &BTreeMap<String, Map<String, Value>>,
    object: &Map<String, Value>,
    submitter: &str,
) -> bool {
    let receipt = Receipt {
        submitter: submitter.to_owned(),
        received_at: instant(START),
    };
    engine.label_for(object, catalogue, &receipt).is_ok()
}

/// The engine's decision on one stored version for `partner` at each of `nows`, the same
/// whichever instant within its bounds it was received at (asserted: otherwise the test could
/// not know what to expect).
fn decision(
    engine: &Engine,
    catalogue: &BTreeMap<String, Map<String, Value>>,
    posted: &Posted,
    partner: &str,
    nows: &[i64],
    context: &str,
) -> Effect {
    let subject = engine.subject(partner, &Ceiling::None).unwrap();
    let audience = engine.audience_of(&subject);
    let mut effects = BTreeSet::new();
    for received in [posted.received.0, posted.received.1] {
        let receipt = Receipt {
            submitter: posted.submitter.clone(),
            received_at: instant(received),
        };
        let labelled = engine
            .label_for(&posted.object, catalogue, &receipt)
            .unwrap();
        for now in nows {
            let effect = engine
                .decide_object(&labelled, audience, instant(*now))
                .effect;
            effects.insert(format!("{effect:?}"));
            if effects.len() > 1 {
                panic!(
                    "{context}: the test cannot tell what {partner} gets of {} (a read too \
                     close to a time boundary): {effects:?}",
                    posted.id
                );
            }
        }
    }
    let receipt = Receipt {
        submitter: posted.submitter.clone(),
        received_at: instant(posted.received.0),
    };
    let labelled = engine
        .label_for(&posted.object, catalogue, &receipt)
        .unwrap();
    engine
        .decide_object(&labelled, audience, instant(nows[0]))
        .effect
}

/// When `partner` may first read a stored version under `engine`, as the index orders the
/// variants of one version: `None` never; `Some(None)` from its receipt; `Some(Some(t))` from
/// `t` (microseconds).
fn first_visible(
    engine: &Engine,
    catalogue: &BTreeMap<String, Map<String, Value>>,
    posted: &Posted,
    partner: &str,
) -> Option<Option<i64>> {
    let subject = engine.subject(partner, &Ceiling::None).unwrap();
    let audience = engine.audience_of(&subject);
    let received = instant(posted.received.0);
    let receipt = Receipt {
        submitter: posted.submitter.clone(),
        received_at: received,
    };
    let labelled = engine
        .label_for(&posted.object, catalogue, &receipt)
        .unwrap();
    let (from, _) = engine.visible_from(&labelled.object, audience)?;
    Some((from != received).then(|| from.seconds * 1_000_000 + i64::from(from.nanos / 1_000)))
}

/// What `partner` may have now: version → the effect (release, maybe redacted). The index is
/// built under `view` (the applied rule set), each read re-checked under `check` (the latest;
/// the same engine unless a rule set is pending).
///
/// Of the variants of one version (the same version stored again by a submitter that could
/// not see it), an audience's index holds the one it may read earliest, the first posted among
/// equals; the version is served if that variant is released now. Closure: every object a
/// relationship or report references has some version released now.
fn allowed(
    view: &Engine,
    check: &Engine,
    catalogue: &BTreeMap<String, Map<String, Value>>,
    stored: &[Posted],
    partner: &str,
    now: i64,
    context: &str,
) -> BTreeMap<Key, Effect> {
    let mut variants: BTreeMap<Key, Vec<&Posted>> = BTreeMap::new();
    for posted in stored {
        variants
            .entry((posted.id.clone(), posted.version.clone()))
            .or_default()
            .push(posted);
    }
    let released = |engine: &Engine, posted: &Posted| {
        decision(engine, catalogue, posted, partner, &[now], context)
    };
    let mut own = BTreeMap::new();
    for (key, list) in &variants {
        let chosen = list
            .iter()
            .enumerate()
            .filter_map(|(n, p)| Some((first_visible(view, catalogue, p, partner)?, n, *p)))
            .min_by_key(|(from, n, _)| (*from, *n));
        let Some((_, _, posted)) = chosen else {
            continue;
        };
        if !released(view, posted).is_release() {
            continue;
        }
        let effect = released(check, posted);
        if effect.is_release() {
            own.insert(key.clone(), effect);
        }
    }
    let visible = |engine: &Engine, id: &str| {
        stored
            .iter()
            .any(|p| p.id == id && released(engine, p).is_release())
    };
    own.into_iter()
        .filter(|(key, _)| {
            closure_refs(&variants[key][0].object)
                .iter()
                .all(|r| visible(view, r) && visible(check, r))
        })
        .collect()
}

/// The posted object as the decision lets it out.
fn redacted(object: &Map<String, Value>, effect: &Effect) -> Value {
    let mut out = object.clone();
    if let Effect::ReleaseRedacted { paths } = effect {
        for path in paths.iter() {
            out.remove(path);
        }
        if let Some(Value::Array(granular)) = out.get_mut("granular_markings") {
            granular.retain(|g| {
                g["selectors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|s| !paths.iter().any(|p| s == p))
            });
            if granular.is_empty() {
                out.remove("granular_markings");
            }
        }
    }
    Value::Object(out)
}

// ---------------------------------------------------------------------------------------------
// What the hub serves.

/// Every page of GET objects or the manifest with `match[version]=all`: (id, version) →
/// object (or manifest entry). Pages must not repeat what an earlier page gave.
async fn every_page(
    h: &Hub,
    partner: &str,
    manifest: bool,
    limit: &str,
    context: &str,
) -> BTreeMap<Key, Value> {
    let mut out = BTreeMap::new();
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("match[version]", "all"), ("limit", limit)];
        if let Some(n) = &next {
            query.push(("next", n.as_str()));
        }
        let page = if manifest {
            h.manifest(partner, &query).await
        } else {
            h.objects(partner, &query).await
        };
        assert_eq!(page.status, 200, "{context}: {partner}: {:?}", page.body);
        for item in page.body["objects"].as_array().into_iter().flatten() {
            let id = item["id"].as_str().unwrap().to_owned();
            let version = if manifest {
                item["version"].as_str().unwrap().to_owned()
            } else {
                version_of(item)
            };
            let again = out.insert((id.clone(), version.clone()), item.clone());
            assert!(
                again.is_none(),
                "{context}: {partner} got {id} {version} twice"
            );
        }
        match page.body["next"].as_str() {
            Some(n) => next = Some(n.to_owned()),
            None => break,
        }
    }
    out
}

fn keys<V>(map: &BTreeMap<Key, V>) -> BTreeSet<Key> {
    map.keys().cloned().collect()
}

/// For every partner: GET objects, the manifest and GET object by id serve exactly `expected`.
async fn served_equals_allowed(
    h: &Hub,
    case: &Case,
    expected: &BTreeMap<String, BTreeMap<Key, Effect>>,
    stored: &[Posted],
    every_id: &BTreeSet<String>,
    context: &str,
) {
    let objects_by_key: BTreeMap<Key, &Posted> = stored
        .iter()
        .map(|p| ((p.id.clone(), p.version.clone()), p))
        .collect();
    for (n, partner) in case.partners.iter().enumerate() {
        let want = &expected[partner];
        let limit = ["3", "7", "25", "100"][n % 4];
        let objects = every_page(h, partner, false, limit, context).await;
        assert_eq!(
            keys(&objects),
            keys(want),
            "{context}: GET objects as {partner}: served (left) vs allowed (right)"
        );
        for (key, object) in &objects {
            let effect = &want[key];
            assert_eq!(
                *object,
                redacted(&objects_by_key[key].object, effect),
                "{context}: {partner} got {key:?} with the wrong content ({effect:?})"
            );
        }
        let manifest = every_page(h, partner, true, limit, context).await;
        assert_eq!(
            keys(&manifest),
            keys(want),
            "{context}: manifest as {partner}: served (left) vs allowed (right)"
        );
        for id in every_id {
            let versions: BTreeSet<Key> = want.keys().filter(|(i, _)| i == id).cloned().collect();
            let seen = h.object(partner, id, &[("match[version]", "all")]).await;
            if versions.is_empty() {
                assert_eq!(
                    seen.status, 404,
                    "{context}: GET {id} as {partner}: allowed nothing, served {:?}",
                    seen.body
                );
            } else {
                assert_eq!(seen.status, 200, "{context}: GET {id} as {partner}");
                let served: BTreeSet<Key> = seen.body["objects"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| (id.clone(), version_of(o)))
                    .collect();
                assert_eq!(
                    served, versions,
                    "{context}: GET {id} as {partner}: served (left) vs allowed (right)"
                );
            }
        }
    }
}

async fn run_case(kind: Kind, seed: u64, tally: &mut Tally) {
    let case = case(seed);
    let context = format!("{kind:?} case, seed {seed:#x} (ACCORD_PROPTEST_SEED={seed:#x})");
    let mission = parse_mission(&case.mission);
    let engine1 = Engine::from_mission(&mission).unwrap();
    let pending = Engine::from_mission(&parse_mission(&case.pending)).unwrap();
    let engine2 = Engine::from_mission(&parse_mission(&case.mission2)).unwrap();
    let h = hub_with(kind, &case.mission).await;

    // Post, and check each refusal is one the engine makes too. A submitter names the marking
    // definitions of its envelope and the stored ones it may see itself (no existence oracle
    // through refusals); anything else is unknown to it and refuses the object.
    let mut catalogue: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut stored: Vec<Posted> = Vec::new();
    let mut every_id = BTreeSet::new();
    for (poster, objects) in &case.envelopes {
        // A second between envelopes: the store's date counter may run ahead of the clock
        // within one, and "now" at the next must be after every receive time before it.
        h.clock.advance(1_000_000);
        let before = h.clock.now();
        let mut known: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
        for posted in stored
            .iter()
            .filter(|p| p.object["type"] == "marking-definition")
        {
            let effect = decision(&engine1, &catalogue, posted, poster, &[before], &context);
            if effect.is_release() {
                known.insert(posted.id.clone(), posted.object.clone());
            }
        }
        for object in objects {
            if object["type"] == "marking-definition" {
                let map = object.as_object().unwrap().clone();
                known.insert(object["id"].as_str().unwrap().to_owned(), map);
            }
        }
        let status = h.post(poster, objects).await;
        let after = h.clock.now();
        let refused: BTreeSet<String> = status["failures"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect();
        let mut expected_refused = BTreeSet::new();
        for object in objects {
            let map = object.as_object().unwrap();
            let id = map["id"].as_str().unwrap().to_owned();
            every_id.insert(id.clone());
            if accepted(&engine1, &known, map, poster) {
                if object["type"] == "marking-definition" {
                    catalogue.insert(id.clone(), map.clone());
                }
                // A repost of a version the submitter already sees adds nothing; one it does
                // not see is stored again as its own variant.
                let version = version_of(object);
                let seen = stored.iter().any(|p| {
                    p.id == id
                        && p.version == version
                        && decision(&engine1, &catalogue, p, poster, &[before], &context)
                            .is_release()
                });
                if seen {
                    continue;
                }
                stored.push(Posted {
                    object: map.clone(),
                    id,
                    version,
                    submitter: poster.clone(),
                    // The store's date counter runs ahead of the clock by up to one tick
                    // per date handed out.
                    received: (before, after + 1_000),
                });
            } else {
                expected_refused.insert(id);
            }
        }
        tally.refused += refused.len();
        assert_eq!(
            refused, expected_refused,
            "{context}: refused by the hub (left) vs by the engine (right): {status}"
        );
    }
    tally.versions += stored.len();
    // Referenced ids nobody posted: absent for everyone.
    for posted in &stored {
        every_id.extend(closure_refs(&posted.object));
    }

    // Under the genesis rule set.
    h.clock.advance(START + case.read1 - h.clock.now());
    let now = START + case.read1;
    let expected: BTreeMap<String, BTreeMap<Key, Effect>> = case
        .partners
        .iter()
        .map(|p| {
            let allowed = allowed(&engine1, &engine1, &catalogue, &stored, p, now, &context);
            (p.clone(), allowed)
        })
        .collect();
    tally.count(&expected, &stored);
    served_equals_allowed(
        &h,
        &case,
        &expected,
        &stored,
        &every_id,
        &format!("{context}, rule set 1"),
    )
    .await;

    // Rule set 2 pending: it narrows at once and widens nothing.
    h.store.load_rules(&case.rules2).await.unwrap();
    for partner in &case.partners {
        let both = keys(&allowed(
            &engine1, &pending, &catalogue, &stored, partner, now, &context,
        ));
        tally.narrowed_while_pending += expected[partner].len().saturating_sub(both.len());
        let served = every_page(&h, partner, true, "50", &context).await;
        assert_eq!(
            keys(&served),
            both,
            "{context}, rule set 2 pending: manifest as {partner}: served (left) vs allowed by both (right)"
        );
    }

    // Rule set 2 applied, and one partner's attributes changed.
    h.store.set_partner_attributes(&case.moved).await.unwrap();
    h.recompute().await;
    h.clock.advance(START + case.read2 - h.clock.now());
    let now = START + case.read2;
    let expected: BTreeMap<String, BTreeMap<Key, Effect>> = case
        .partners
        .iter()
        .map(|p| {
            let allowed = allowed(&engine2, &engine2, &catalogue, &stored, p, now, &context);
            (p.clone(), allowed)
        })
        .collect();
    tally.count(&expected, &stored);
    served_equals_allowed(
        &h,
        &case,
        &expected,
        &stored,
        &every_id,
        &format!("{context}, rule set 2"),
    )
    .await;
}

/// Whether cases carry Accord label markings: yes unless `ACCORD_PROPTEST_ACCORD_LABELS=0`
/// (to tell apart a failure of the other sources).
fn accord_labels() -> bool {
    std::env::var("ACCORD_PROPTEST_ACCORD_LABELS").map_or(true, |v| v != "0")
}

fn seeds() -> Vec<u64> {
    if let Ok(text) = std::env::var("ACCORD_PROPTEST_SEED") {
        let seed = match text.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16),
            None => text.parse(),
        };
        return vec![seed.expect("ACCORD_PROPTEST_SEED: a number")];
    }
    let cases = std::env::var("ACCORD_PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(DEFAULT_CASES);
    let mut spread = Rng::new(BASE_SEED);
    (0..cases).map(|_| spread.next()).collect()
}

/// What the cases exercised, so that a generator that drifts into deciding everything one way
/// shows (and fails the run).
#[derive(Debug, Default)]
struct Tally {
    cases: usize,
    versions: usize,
    refused: usize,
    /// (partner, version) pairs decided, released, released redacted.
    decided: usize,
    released: usize,
    redacted: usize,
    narrowed_while_pending: usize,
}

impl Tally {
    fn count(&mut self, expected: &BTreeMap<String, BTreeMap<Key, Effect>>, stored: &[Posted]) {
        let versions: BTreeSet<(&str, &str)> = stored
            .iter()
            .map(|p| (p.id.as_str(), p.version.as_str()))
            .collect();
        self.decided += expected.len() * versions.len();
        for allowed in expected.values() {
            self.released += allowed.len();
            self.redacted += allowed
                .values()
                .filter(|e| matches!(e, Effect::ReleaseRedacted { .. }))
                .count();
        }
    }
}

async fn what_the_hub_serves_is_what_the_engine_allows(kind: Kind) {
    let mut tally = Tally::default();
    for seed in seeds() {
        run_case(kind, seed, &mut tally).await;
        tally.cases += 1;
    }
    eprintln!("{kind:?}: {tally:?}");
    if tally.cases >= 8 {
        let withheld = tally.decided - tally.released;
        assert!(
            tally.released * 5 > tally.decided && withheld * 5 > tally.decided,
            "the cases should both release and withhold often: {tally:?}"
        );
        assert!(tally.refused > 0 && tally.redacted > 0, "{tally:?}");
    }
}

/// The Accord label marking the release-rules README documents, posted with an object it
/// marks: both are accepted, and the label decides who sees the object.
async fn accord_label_marking_definitions_are_accepted(kind: Kind) {
    let h = fanout_support::hub(kind).await;
    let marking = "marking-definition--3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b";
    let definition = json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking,
        "created": "2025-06-01T00:00:00.000Z",
        "extensions": {ACCORD_LABEL: {
            "extension_type": "property-extension",
            "label_version": 1,
            "policy": {"id": NATO_ID},
            "classification": {"name": "UNCLASSIFIED"},
            "categories": [{"tag_set": REL_TO_TAG, "values": ["FRA"]}]
        }}
    });
    let id = fanout_support::new_id("indicator");
    let object = fanout_support::indicator(&id, "2025-01-01T00:00:00.000Z", &[marking]);
    let status = h.post("GBR", &[definition, object]).await;
    assert_eq!(status["success_count"], 2, "{status}");
    assert_eq!(h.object("FRA", &id, &[]).await.status, 200);
    assert_eq!(h.object("OBS", &id, &[]).await.status, 404);
}

#[tokio::test]
async fn accord_label_marking_definitions_are_accepted_sqlite() {
    accord_label_marking_definitions_are_accepted(Kind::Sqlite).await;
}

#[tokio::test]
async fn accord_label_marking_definitions_are_accepted_postgres() {
    accord_label_marking_definitions_are_accepted(Kind::Postgres).await;
}

/// A partner the mission file declares suspended sees nothing, as the engine compiled from
/// the same mission decides. Today the hub serves it everything: `init_mission` stores every
/// mission partner as `active` and the release snapshot takes a partner's status from that
/// row, so the mission's `status:` is lost (a fix for hub/src/store; ignored until then, and
/// the property cases declare every partner active).
async fn a_partner_the_mission_declares_suspended_sees_nothing(kind: Kind) {
    let mission = r#"
mission: {id: status, name: Status}
policies: [nato.yaml]
default_label: {policy: NATO, classification: UNCLASSIFIED}
partners:
  - {id: LEAD, nation: GBR, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
  - {id: AWAY, nation: FRA, communities: [NATO], clearance: {NATO: SECRET}, status: suspended}
api_roots:
  - {name: mission, title: Mission, collections: [{alias: shared, title: Shared}]}
rules:
  id: status/release
  version: 1
  rules: [{id: base-release, effect: release}]
"#;
    let engine = Engine::from_mission(&parse_mission(mission)).unwrap();
    let h = hub_with(kind, mission).await;
    let id = fanout_support::new_id("indicator");
    let object = fanout_support::indicator(&id, "2025-01-01T00:00:00.000Z", &[]);
    h.post("LEAD", std::slice::from_ref(&object)).await;
    let posted = Posted {
        object: object.as_object().unwrap().clone(),
        id: id.clone(),
        version: "2025-01-01T00:00:00.000Z".to_owned(),
        submitter: "LEAD".to_owned(),
        received: (START, START + 1_000),
    };
    let now = [START + 10 * MINUTE];
    let none = BTreeMap::new();
    assert!(decision(&engine, &none, &posted, "LEAD", &now, "status").is_release());
    assert_eq!(
        decision(&engine, &none, &posted, "AWAY", &now, "status"),
        Effect::Withhold
    );
    assert_eq!(h.object("LEAD", &id, &[]).await.status, 200);
    assert_eq!(h.object("AWAY", &id, &[]).await.status, 404);
}

#[tokio::test]
async fn a_partner_the_mission_declares_suspended_sees_nothing_sqlite() {
    a_partner_the_mission_declares_suspended_sees_nothing(Kind::Sqlite).await;
}

#[tokio::test]
async fn a_partner_the_mission_declares_suspended_sees_nothing_postgres() {
    a_partner_the_mission_declares_suspended_sees_nothing(Kind::Postgres).await;
}

/// A submitter that may not see a stored marking definition cannot name it, also after it
/// once carried the definition in its own envelope for an object labelled alike (the hub
/// caches labels by what determines them, not by what the submitter can resolve).
async fn a_marking_definition_carried_once_is_not_known_later(kind: Kind) {
    let mission = r#"
mission: {id: carried, name: Carried}
policies: [nato.yaml]
default_label: {policy: NATO, classification: UNCLASSIFIED}
partners:
  - {id: LEAD, nation: GBR, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
  - {id: P1, nation: FRA, communities: [NATO], clearance: {NATO: SECRET}}
api_roots:
  - {name: mission, title: Mission, collections: [{alias: shared, title: Shared}]}
rules:
  id: carried/release
  version: 1
  rules:
    - {id: base-release, effect: release}
    - id: no-markings-for-p1
      effect: withhold
      scope: {attr: object.type, op: eq, value: marking-definition}
      audience: {attr: subject.partner, op: eq, value: P1}
"#;
    let h = hub_with(kind, mission).await;
    let marking = "marking-definition--5b0c8e2a-1f3d-4a6b-9c7e-2d4f6a8b0c1e";
    let statement = json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking,
        "created": "2025-06-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2025 Example"}
    });
    let (a, b) = (
        fanout_support::new_id("indicator"),
        fanout_support::new_id("malware"),
    );
    let marked = |id: &str| {
        let mut r = fanout_support::relationship(id, &a, &b);
        r["object_marking_refs"] = json!([marking]);
        r
    };
    let (first, second) = (
        fanout_support::new_id("relationship"),
        fanout_support::new_id("relationship"),
    );
    let status = h.post("P1", &[statement, marked(&first)]).await;
    assert_eq!(status["success_count"], 2, "{status}");
    let status = h.post("P1", &[marked(&second)]).await;
    assert_eq!(status["failure_count"], 1, "{status}");
    let message = status["failures"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&second) && message.contains(marking),
        "{message}"
    );
    // LEAD sees the stored definition and may name it.
    let status = h.post("LEAD", &[marked(&second)]).await;
    assert_eq!(status["success_count"], 1, "{status}");
}

both_backends!(
    what_the_hub_serves_is_what_the_engine_allows,
    a_marking_definition_carried_once_is_not_known_later,
);
