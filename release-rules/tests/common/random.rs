//! Random missions, rule sets, labels, subjects and instants from a seed (deterministic), for
//! the property test against the reference evaluator and the differential test against Cedar.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // test generator

use std::collections::BTreeMap;

use release_rules::label::{Handling, Originator, PolicyPart, ReleaseAuthority, part_from_names};
use release_rules::policy::{ACS_EXAMPLE_YAML, NATO_EXAMPLE_YAML};
use release_rules::subject::Status;
use release_rules::time::Duration;
use release_rules::{Ceiling, Label, Partner, Policy, ReleaseFacts, RuleSet, Subject, Tlp};
use serde_json::{Value, json};
use stix_model::timestamp::Instant;

/// SplitMix64: small, fast, and good enough to spread test cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn subset<T: Clone>(&mut self, items: &[T], percent: u64) -> Vec<T> {
        items
            .iter()
            .filter(|_| self.chance(percent))
            .cloned()
            .collect()
    }
}

pub const PARTNERS: &[&str] = &["P0", "P1", "P2", "P3", "P4", "P5", "P6", "P7"];
const NATIONS: &[&str] = &["GBR", "USA", "FRA", "DEU", "NOR", "EST", "AUS"];
const COMMUNITIES: &[&str] = &["NATO", "EU", "FVEY"];
const ORGS: &[&str] = &["ORG-A", "ORG-B"];
const REL_TO: &[&str] = &[
    "GBR", "USA", "FRA", "DEU", "NOR", "EST", "AUS", "NATO", "EU", "FVEY", "BLR",
];
const SENSITIVITY: &[&str] = &["ATOMAL", "CRYPTO", "SIOP"];
const ADMIN: &[&str] = &["STAFF", "MEDICAL"];
const CONTEXT: &[&str] = &["ISAF", "KFOR"];
const NATO_CLASSES: &[&str] = &[
    "UNCLASSIFIED",
    "RESTRICTED",
    "CONFIDENTIAL",
    "SECRET",
    "TOP SECRET",
];
/// Clearances lean high and labels low, so that both outcomes are common.
const CLEARANCES: &[&str] = &[
    "SECRET",
    "TOP SECRET",
    "SECRET",
    "TOP SECRET",
    "CONFIDENTIAL",
    "RESTRICTED",
    "UNCLASSIFIED",
];
const LABEL_CLASSES: &[&str] = &[
    "UNCLASSIFIED",
    "UNCLASSIFIED",
    "RESTRICTED",
    "RESTRICTED",
    "CONFIDENTIAL",
    "SECRET",
    "TOP SECRET",
];
const LABEL_TLPS: &[&str] = &[
    "clear",
    "clear",
    "green",
    "green",
    "amber",
    "amber+strict",
    "red",
];
const ACS_CLASSES: &[&str] = &["U", "C", "S", "TS"];
const ROLES: &[&str] = &["lead", "supporting", "observing"];
const TYPES: &[&str] = &["indicator", "malware", "report"];
const CREATORS: &[&str] = &[
    "identity--0f4b2d9e-8c1a-4e3b-9d7f-6a5c4b3e2d1f",
    "identity--1a5c3e0f-9d2b-4f4c-8e8a-7b6d5c4f3e2a",
];
pub const TLPS: &[&str] = &["clear", "green", "amber", "amber+strict", "red"];
pub const NATO_ID: &str = "urn:oid:1.3.26.1.3.1";

/// Whole seconds from this base keep Cedar's Long seconds exact.
pub const BASE: i64 = 1_780_272_000; // 2026-06-01T00:00:00Z

pub fn policies() -> Vec<Policy> {
    vec![
        Policy::parse(NATO_EXAMPLE_YAML).unwrap(),
        Policy::parse(ACS_EXAMPLE_YAML).unwrap(),
    ]
}

pub fn groups() -> Value {
    json!({
        "FVEY": {"nations": ["AUS", "CAN", "GBR", "NZL", "USA"]},
        "NATO": {"communities": ["NATO"]},
        "EU": {"communities": ["EU"]},
        "CORE": {"partners": ["P0", "P1"]},
        "MIX": {"nations": ["FRA"], "communities": ["FVEY"], "partners": ["P7"]}
    })
}

pub fn partners(rng: &mut Rng) -> Vec<Partner> {
    PARTNERS
        .iter()
        .map(|id| {
            let mut p = Partner::named(id);
            if rng.chance(90) {
                p.nation = Some((*rng.pick(NATIONS)).to_owned());
            }
            p.communities = rng
                .subset(COMMUNITIES, 50)
                .into_iter()
                .map(str::to_owned)
                .collect();
            p.orgs = rng
                .subset(ORGS, 40)
                .into_iter()
                .map(str::to_owned)
                .collect();
            p.clients = rng
                .subset(PARTNERS, 15)
                .into_iter()
                .map(str::to_owned)
                .collect();
            if rng.chance(90) {
                p.clearance
                    .insert("NATO".into(), (*rng.pick(CLEARANCES)).to_owned());
            }
            if rng.chance(50) {
                p.clearance
                    .insert("ACS".into(), (*rng.pick(ACS_CLASSES)).to_owned());
            }
            let mut caveat = |rng: &mut Rng, tag: &str, pool: &[&str], percent: u64| {
                let v: Vec<String> = rng
                    .subset(pool, percent)
                    .into_iter()
                    .map(str::to_owned)
                    .collect();
                if !v.is_empty() {
                    p.caveats.insert(tag.into(), v);
                }
            };
            caveat(rng, "Additional Sensitivity", SENSITIVITY, 50);
            caveat(rng, "Releasable To", REL_TO, 15);
            caveat(rng, "Context", CONTEXT, 40);
            caveat(rng, "permitted_nationalities", &["USA", "GBR", "CAN"], 40);
            p.role = (*rng.pick(ROLES)).to_owned();
            p.status = match rng.below(40) {
                0 => Status::Suspended,
                1 => Status::Left,
                _ => Status::Active,
            };
            p
        })
        .collect()
}

/// An effective subject of a random partner through a random credential ceiling.
pub fn subject(rng: &mut Rng, partners: &[Partner], policies: &[Policy]) -> Subject {
    let p = rng.pick(partners);
    let ceiling = if rng.chance(85) {
        Ceiling::None
    } else {
        let mut m = BTreeMap::new();
        if rng.chance(95) {
            m.insert("NATO".to_owned(), (*rng.pick(NATO_CLASSES)).to_owned());
        }
        if rng.chance(50) {
            m.insert("ACS".to_owned(), (*rng.pick(ACS_CLASSES)).to_owned());
        }
        Ceiling::parse(&m, policies).unwrap()
    };
    Subject::effective(p, &ceiling, policies).unwrap()
}

fn allowed(policy: &Policy, class: &str, tag: &str, values: Vec<&str>) -> Vec<String> {
    let t = policy.tag_set(tag).unwrap();
    values
        .into_iter()
        .filter(|v| {
            !t.value(v)
                .unwrap()
                .excluded_classes
                .iter()
                .any(|c| c == class)
        })
        .map(str::to_owned)
        .collect()
}

pub fn label(rng: &mut Rng, policies: &[Policy]) -> Label {
    let mut parts: Vec<PolicyPart> = Vec::new();
    if rng.chance(85) {
        let nato = &policies[0];
        let class = *rng.pick(LABEL_CLASSES);
        let mut cats: Vec<(&str, Vec<String>)> = Vec::new();
        if rng.chance(30) {
            cats.push((
                "Additional Sensitivity",
                allowed(
                    nato,
                    class,
                    "Additional Sensitivity",
                    rng.subset(SENSITIVITY, 40),
                ),
            ));
        }
        if rng.chance(60) {
            cats.push((
                "Releasable To",
                allowed(nato, class, "Releasable To", rng.subset(REL_TO, 25)),
            ));
        }
        if rng.chance(20) {
            cats.push((
                "Administrative",
                rng.subset(ADMIN, 50)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            ));
        }
        if rng.chance(15) {
            cats.push((
                "Context",
                rng.subset(CONTEXT, 50)
                    .into_iter()
                    .map(str::to_owned)
                    .collect(),
            ));
        }
        let refs: Vec<(&str, Vec<&str>)> = cats
            .iter()
            .map(|(t, v)| (*t, v.iter().map(String::as_str).collect()))
            .collect();
        let refs: Vec<(&str, &[&str])> = refs.iter().map(|(t, v)| (*t, v.as_slice())).collect();
        parts.push(part_from_names(nato, class, &refs).unwrap());
    }
    if rng.chance(10) {
        let acs = &policies[1];
        let nats: Vec<&str> = rng.subset(&["USA", "GBR", "CAN"], 50);
        let cats: Vec<(&str, &[&str])> = if rng.chance(50) {
            vec![("permitted_nationalities", &nats)]
        } else {
            vec![]
        };
        parts.push(part_from_names(acs, rng.pick::<&str>(ACS_CLASSES), &cats).unwrap());
    }
    parts.sort_by(|a, b| a.policy.id.cmp(&b.policy.id));
    let originator = if rng.chance(90) {
        Some(Originator {
            partner: (*rng.pick(PARTNERS)).to_owned(),
            id_type: None,
            id: None,
        })
    } else if rng.chance(50) {
        Some(Originator {
            partner: "EXT".into(),
            id_type: None,
            id: None,
        })
    } else {
        None
    };
    Label {
        parts,
        tlp: if rng.chance(40) {
            Tlp::parse(rng.pick::<&str>(LABEL_TLPS))
        } else {
            None
        },
        handling: Handling {
            embargo: match rng.below(8) {
                0 => Some(Duration::parse("PT1H").unwrap()),
                1 => Some(Duration::parse("PT24H").unwrap()),
                2 => Some(Duration::ZERO),
                _ => None,
            },
            no_further_sharing: rng.chance(10),
        },
        originator,
        release_authority: rng.chance(30).then(|| ReleaseAuthority {
            partner: (*rng.pick(PARTNERS)).to_owned(),
            credential: None,
            role: None,
        }),
        ..Label::empty()
    }
}

pub fn facts(rng: &mut Rng) -> ReleaseFacts {
    ReleaseFacts {
        object_type: (*rng.pick(TYPES)).to_owned(),
        created_by_ref: rng.chance(60).then(|| (*rng.pick(CREATORS)).to_owned()),
        submitter: (*rng.pick(PARTNERS)).to_owned(),
    }
}

pub fn received(rng: &mut Rng) -> i64 {
    BASE + rng.below(3 * 86_400) as i64
}

pub fn now(rng: &mut Rng, received: i64) -> i64 {
    if rng.chance(25) {
        let edge = *rng.pick(&[0i64, 3_600, 86_400, 90_000]);
        received + edge + *rng.pick(&[-1i64, 0, 1])
    } else {
        received - 7_200 + rng.below(52 * 3_600) as i64
    }
}

pub fn instant(seconds: i64) -> Instant {
    Instant { seconds, nanos: 0 }
}

fn stamp(seconds: i64) -> String {
    release_rules::time::render(instant(seconds))
}

fn level_value(rng: &mut Rng, acs: bool) -> Value {
    if rng.chance(50) {
        json!(rng.below(if acs { 5 } else { 6 }))
    } else if acs {
        json!(rng.pick(ACS_CLASSES))
    } else {
        json!(rng.pick(NATO_CLASSES))
    }
}

fn partner_list(rng: &mut Rng) -> Value {
    json!(rng.subset(PARTNERS, 35))
}

fn leaf(rng: &mut Rng) -> Value {
    let p = |rng: &mut Rng| json!(rng.pick(PARTNERS));
    let group = |rng: &mut Rng| json!({"group": rng.pick(&["FVEY", "NATO", "EU", "CORE", "MIX"])});
    let dur = |rng: &mut Rng| *rng.pick(&["PT0S", "PT1H", "PT24H", "P1D", "PT90M"]);
    let abs = |rng: &mut Rng| json!(stamp(BASE + 3_600 * rng.below(96) as i64));
    let (attr, op, value): (&str, &str, Value) = match rng.below(40) {
        0 => ("subject.partner", "eq", p(rng)),
        1 => ("subject.partner", "ne", json!({"ref": "label.originator"})),
        2 => ("subject.partner", "eq", json!({"ref": "event.submitter"})),
        3 => ("subject.partner", "in", partner_list(rng)),
        4 => ("subject.partner", "not_in", group(rng)),
        5 => (
            "subject.nation",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(NATIONS)),
        ),
        6 => ("subject.nation", *rng.pick(&["in", "not_in"]), group(rng)),
        7 => ("subject.orgs", "intersects", json!(rng.subset(ORGS, 50))),
        8 => (
            "subject.orgs",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(ORGS)),
        ),
        9 => (
            "subject.communities",
            *rng.pick(&["intersects", "subset_of"]),
            group(rng),
        ),
        10 => ("subject.communities", "eq", json!(rng.pick(COMMUNITIES))),
        11 => (
            "subject.role",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(ROLES)),
        ),
        12 => ("subject.role", "in", json!(rng.subset(ROLES, 50))),
        13 => (
            "subject.clearance.NATO",
            *rng.pick(&["gte", "lte", "eq", "ne"]),
            level_value(rng, false),
        ),
        14 => (
            "subject.clearance.urn:isa:policy:acs:ns:v3.0",
            *rng.pick(&["gte", "lte"]),
            level_value(rng, true),
        ),
        15 => (
            "subject.clearance.NATO",
            *rng.pick(&["gte", "lte", "eq"]),
            json!({"ref": "label.classification.NATO"}),
        ),
        16 => (
            "subject.caveats.Additional Sensitivity",
            *rng.pick(&["intersects", "subset_of"]),
            json!(rng.subset(SENSITIVITY, 50)),
        ),
        17 => (
            "subject.caveats.urn:oid:1.3.26.1.4.2",
            "eq",
            json!(rng.pick(REL_TO)),
        ),
        18 => (
            "label.policy",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(&[NATO_ID, "urn:isa:policy:acs:ns:v3.0"])),
        ),
        19 => (
            "label.classification.NATO",
            *rng.pick(&["gte", "lte", "eq", "ne"]),
            level_value(rng, false),
        ),
        20 => (
            "label.classification.ACS",
            *rng.pick(&["gte", "lte"]),
            level_value(rng, true),
        ),
        21 => (
            "label.rel_to",
            *rng.pick(&["intersects", "subset_of"]),
            json!(rng.subset(REL_TO, 30)),
        ),
        22 => (
            "label.rel_to",
            *rng.pick(&["intersects", "subset_of"]),
            group(rng),
        ),
        23 => (
            "label.rel_to",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(REL_TO)),
        ),
        24 => (
            "label.rel_to",
            "intersects",
            json!({"ref": "subject.communities"}),
        ),
        25 => ("label.rel_to", "eq", json!({"ref": "subject.nation"})),
        26 => ("label.tlp", *rng.pick(&["eq", "ne"]), json!(rng.pick(TLPS))),
        27 => (
            "label.tlp",
            *rng.pick(&["in", "not_in"]),
            json!(rng.subset(TLPS, 40)),
        ),
        28 => ("label.originator", *rng.pick(&["eq", "ne"]), p(rng)),
        29 => ("label.originator", *rng.pick(&["in", "not_in"]), group(rng)),
        30 => (
            "label.release_authority",
            *rng.pick(&["eq", "ne"]),
            json!({"ref": "subject.partner"}),
        ),
        31 => {
            if rng.chance(50) {
                (
                    "label.categories.Additional Sensitivity",
                    "intersects",
                    json!(rng.subset(SENSITIVITY, 50)),
                )
            } else {
                (
                    "label.categories.Additional Sensitivity",
                    "eq",
                    json!(rng.pick(SENSITIVITY)),
                )
            }
        }
        32 => (
            "label.categories.Releasable To",
            "subset_of",
            json!({"ref": "subject.caveats.Releasable To"}),
        ),
        33 => (
            "object.type",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(TYPES)),
        ),
        34 => (
            "object.type",
            *rng.pick(&["in", "not_in"]),
            json!(rng.subset(TYPES, 50)),
        ),
        35 => (
            "object.created_by_ref",
            *rng.pick(&["eq", "ne"]),
            json!(rng.pick(CREATORS)),
        ),
        36 => (
            "event.submitter",
            *rng.pick(&["eq", "in"]),
            if rng.chance(50) {
                p(rng)
            } else {
                partner_list(rng)
            },
        ),
        37 => (
            "env.now",
            *rng.pick(&["before", "after"]),
            json!({"ref": "event.received_at", "plus": dur(rng)}),
        ),
        38 => ("env.now", *rng.pick(&["before", "after"]), abs(rng)),
        _ => (
            "event.received_at",
            *rng.pick(&["before", "after"]),
            if rng.chance(50) {
                abs(rng)
            } else {
                json!({"ref": "env.now", "plus": dur(rng)})
            },
        ),
    };
    // `eq` on a scalar takes a string; fix the few combinations that picked a list.
    let value = match (op, &value) {
        ("eq" | "ne", Value::Array(a)) => a.first().cloned().unwrap_or(json!("P0")),
        ("in", Value::String(s)) => json!([s]),
        _ => value,
    };
    json!({"attr": attr, "op": op, "value": value})
}

fn pred(rng: &mut Rng, depth: u32) -> Value {
    if depth >= 2 || rng.chance(60) {
        return leaf(rng);
    }
    match rng.below(3) {
        0 => {
            json!({"all": (0..1 + rng.below(3)).map(|_| pred(rng, depth + 1)).collect::<Vec<_>>()})
        }
        1 => {
            json!({"any": (0..1 + rng.below(3)).map(|_| pred(rng, depth + 1)).collect::<Vec<_>>()})
        }
        _ => json!({"not": pred(rng, depth + 1)}),
    }
}

pub fn rule_set(rng: &mut Rng) -> RuleSet {
    let mut rules = Vec::new();
    if rng.chance(80) {
        rules.push(json!({"id": "base-release", "effect": "release"}));
    }
    for i in 0..rng.below(6) {
        let release = rng.chance(40);
        let mut r = serde_json::Map::new();
        r.insert("id".into(), json!(format!("r{i}")));
        r.insert(
            "effect".into(),
            json!(if release { "release" } else { "withhold" }),
        );
        for key in ["scope", "audience", "when", "unless"] {
            if rng.chance(45) {
                r.insert(key.into(), pred(rng, 0));
            }
        }
        if release && rng.chance(30) {
            r.insert(
                "redact".into(),
                json!(rng.subset(&["description", "external_references", "labels"], 50)),
            );
        }
        rules.push(Value::Object(r));
    }
    let community = match rng.below(3) {
        0 => Value::Null,
        1 => json!("NATO"),
        _ => json!("MIX"),
    };
    let doc = json!({
        "id": "random",
        "version": rng.below(100),
        "groups": groups(),
        "semantics": {"tlp_organisation": if rng.chance(50) { "partner" } else { "org" }, "tlp_community": community},
        "rules": rules
    });
    RuleSet::from_value(doc).unwrap()
}
