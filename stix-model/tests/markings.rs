//! Markings: TLP 1.0 and 2.0 recognition, object-level and granular refs, selectors.

// Test helpers outside `#[test]` functions fail as loudly as the tests themselves.
#![allow(clippy::unwrap_used)]

use serde_json::{Map, Value, json};
use stix_model::Validator;
use stix_model::canonical::to_canonical_bytes;
use stix_model::markings::{
    GranularMarking, Markings, TLP_MARKING_DEFINITIONS, Tlp, TlpLevel, TlpVersion,
};

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test objects are JSON objects"),
    }
}

fn parse(text: &str) -> Map<String, Value> {
    object(serde_json::from_str(text).unwrap())
}

#[test]
fn tlp_marking_definitions_validate() {
    let validator = Validator::default();
    for (tlp, text) in TLP_MARKING_DEFINITIONS {
        let problems = validator.validate(&serde_json::from_str(text).unwrap());
        assert!(
            !problems.iter().any(|p| p.is_error()),
            "{tlp:?}: {problems:#?}"
        );
    }
}

#[test]
fn tlp_marking_definitions_are_canonical() {
    for (tlp, text) in TLP_MARKING_DEFINITIONS {
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(to_canonical_bytes(&value), text.as_bytes(), "{tlp:?}");
    }
}

#[test]
fn tlp_marking_definitions_cover_every_level_once() {
    let listed: Vec<Tlp> = TLP_MARKING_DEFINITIONS.iter().map(|(t, _)| *t).collect();
    assert_eq!(listed, Tlp::ALL);
    for tlp in Tlp::ALL {
        assert_eq!(tlp.marking_definition_json(), {
            let (_, text) = TLP_MARKING_DEFINITIONS
                .iter()
                .find(|(t, _)| *t == tlp)
                .unwrap();
            *text
        });
    }
}

#[test]
fn tlp_marking_definition_ids_map_to_their_levels() {
    for (tlp, text) in TLP_MARKING_DEFINITIONS {
        let map = parse(text);
        let id = map["id"].as_str().unwrap();
        assert_eq!(id, tlp.id());
        assert_eq!(Tlp::from_id(id), Some(*tlp));
        assert_eq!(map["name"], tlp.name());
    }
}

#[test]
fn tlp_1_0_ids_are_those_of_stix_2_1() {
    // STIX 2.1 §7.2.1.4.
    assert_eq!(
        Tlp::from_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
        Some(Tlp::V1White)
    );
    assert_eq!(
        Tlp::from_id("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"),
        Some(Tlp::V1Green)
    );
    assert_eq!(
        Tlp::from_id("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
        Some(Tlp::V1Amber)
    );
    assert_eq!(
        Tlp::from_id("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"),
        Some(Tlp::V1Red)
    );
}

#[test]
fn tlp_2_0_ids_are_those_of_the_extension_definition() {
    // extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.
    assert_eq!(
        Tlp::from_id("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
        Some(Tlp::V2Clear)
    );
    assert_eq!(
        Tlp::from_id("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
        Some(Tlp::V2Green)
    );
    assert_eq!(
        Tlp::from_id("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
        Some(Tlp::V2Amber)
    );
    assert_eq!(
        Tlp::from_id("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
        Some(Tlp::V2AmberStrict)
    );
    assert_eq!(
        Tlp::from_id("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
        Some(Tlp::V2Red)
    );
}

#[test]
fn tlp_ids_match_exactly() {
    assert_eq!(
        Tlp::from_id("marking-definition--613F2E26-407D-48C7-9ECA-B8E91DF99DC9"),
        None
    );
    assert_eq!(
        Tlp::from_id("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc8"),
        None
    );
}

#[test]
fn tlp_versions() {
    for tlp in [Tlp::V1White, Tlp::V1Green, Tlp::V1Amber, Tlp::V1Red] {
        assert_eq!(tlp.version(), TlpVersion::V1);
    }
    for tlp in [
        Tlp::V2Clear,
        Tlp::V2Green,
        Tlp::V2Amber,
        Tlp::V2AmberStrict,
        Tlp::V2Red,
    ] {
        assert_eq!(tlp.version(), TlpVersion::V2);
    }
}

#[test]
fn tlp_restrictiveness_order() {
    // CLEAR/WHITE < GREEN < AMBER < AMBER+STRICT < RED.
    assert_eq!(Tlp::V1White.level(), Tlp::V2Clear.level());
    assert!(TlpLevel::Clear < TlpLevel::Green);
    assert!(TlpLevel::Green < TlpLevel::Amber);
    assert!(TlpLevel::Amber < TlpLevel::AmberStrict);
    assert!(TlpLevel::AmberStrict < TlpLevel::Red);
    assert_eq!(Tlp::V1Amber.level(), Tlp::V2Amber.level());
    assert!(Tlp::V2AmberStrict.level() > Tlp::V1Amber.level());
    assert!(Tlp::V1Red.level() > Tlp::V2AmberStrict.level());
}

#[test]
fn tlp_is_recognised_by_content() {
    for (tlp, text) in TLP_MARKING_DEFINITIONS {
        assert_eq!(Tlp::from_marking_definition(&parse(text)), Some(*tlp));
    }
    // Written differently (property order, whitespace) it is the same definition.
    let amber_strict = parse(
        r#"{
            "type": "marking-definition",
            "spec_version": "2.1",
            "id": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
            "created": "2022-10-01T00:00:00.000Z",
            "name": "TLP:AMBER+STRICT",
            "extensions": {
                "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d": {
                    "extension_type": "property-extension",
                    "tlp_2_0": "amber+strict"
                }
            }
        }"#,
    );
    assert_eq!(
        Tlp::from_marking_definition(&amber_strict),
        Some(Tlp::V2AmberStrict)
    );
}

#[test]
fn tlp_by_content_refuses_other_marking_definitions() {
    let statement = object(json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--d2c8e7a4-3b4f-4b2c-9f5e-1a2b3c4d5e6f",
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2019, Example Corp"}
    }));
    assert_eq!(Tlp::from_marking_definition(&statement), None);

    let mut not_a_marking = parse(TLP_V1_AMBER);
    not_a_marking.insert("type".into(), json!("x-thing"));
    assert_eq!(Tlp::from_marking_definition(&not_a_marking), None);

    let mut unknown_level = parse(TLP_V1_AMBER);
    unknown_level.insert("definition".into(), json!({"tlp": "purple"}));
    assert_eq!(Tlp::from_marking_definition(&unknown_level), None);

    // A TLP 1.0 word under the TLP 2.0 extension is not a TLP 2.0 level.
    let mut white_in_v2 = parse(stix_model::markings::TLP_V2_CLEAR_JSON);
    white_in_v2["extensions"]["extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"]["tlp_2_0"] =
        json!("white");
    assert_eq!(Tlp::from_marking_definition(&white_in_v2), None);
}

#[test]
fn tlp_by_content_refuses_both_forms_at_once() {
    let mut both = parse(stix_model::markings::TLP_V2_RED_JSON);
    both.insert("definition_type".into(), json!("tlp"));
    both.insert("definition".into(), json!({"tlp": "white"}));
    assert_eq!(Tlp::from_marking_definition(&both), None);
}

const TLP_V1_AMBER: &str = stix_model::markings::TLP_V1_AMBER_JSON;

fn indicator_with(markings: Value) -> Map<String, Value> {
    let mut map = object(json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "description": "x",
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2016-01-01T00:00:00Z",
        "external_references": [{"source_name": "a", "url": "https://example.com/"}]
    }));
    map.extend(object(markings));
    map
}

#[test]
fn object_level_refs_are_extracted() {
    let map = indicator_with(json!({
        "object_marking_refs": [
            Tlp::V2Green.id(),
            "marking-definition--d2c8e7a4-3b4f-4b2c-9f5e-1a2b3c4d5e6f"
        ]
    }));
    let markings = Markings::of(&map);
    assert_eq!(
        markings.object_marking_refs,
        [
            Tlp::V2Green.id(),
            "marking-definition--d2c8e7a4-3b4f-4b2c-9f5e-1a2b3c4d5e6f"
        ]
    );
    assert!(markings.granular.is_empty());
    assert_eq!(markings.tlp(), Some(Tlp::V2Green));
}

#[test]
fn granular_markings_are_extracted_with_selectors() {
    let map = indicator_with(json!({
        "granular_markings": [
            {"marking_ref": Tlp::V1Red.id(), "selectors": ["description", "external_references.[0].url"]},
            {"lang": "fr", "selectors": ["description"]}
        ]
    }));
    let markings = Markings::of(&map);
    assert!(markings.object_marking_refs.is_empty());
    assert_eq!(
        markings.granular,
        [
            GranularMarking {
                marking_ref: Some(Tlp::V1Red.id().to_owned()),
                lang: None,
                selectors: vec!["description".into(), "external_references.[0].url".into()],
            },
            GranularMarking {
                marking_ref: None,
                lang: Some("fr".into()),
                selectors: vec!["description".into()],
            },
        ]
    );
}

#[test]
fn most_restrictive_tlp_wins() {
    let map = indicator_with(json!({
        "object_marking_refs": [Tlp::V1Green.id(), Tlp::V2AmberStrict.id(), Tlp::V2Clear.id()]
    }));
    assert_eq!(Markings::of(&map).tlp(), Some(Tlp::V2AmberStrict));
    let map = indicator_with(json!({
        "object_marking_refs": [Tlp::V1Red.id(), Tlp::V2AmberStrict.id()]
    }));
    assert_eq!(Markings::of(&map).tlp(), Some(Tlp::V1Red));
}

#[test]
fn tlp_2_0_wins_a_tie_with_tlp_1_0() {
    for refs in [
        [Tlp::V1Amber.id(), Tlp::V2Amber.id()],
        [Tlp::V2Amber.id(), Tlp::V1Amber.id()],
    ] {
        let map = indicator_with(json!({ "object_marking_refs": refs }));
        assert_eq!(Markings::of(&map).tlp(), Some(Tlp::V2Amber));
    }
}

#[test]
fn tlp_comes_from_object_level_refs_only() {
    let map = indicator_with(json!({
        "object_marking_refs": ["marking-definition--d2c8e7a4-3b4f-4b2c-9f5e-1a2b3c4d5e6f"],
        "granular_markings": [{"marking_ref": Tlp::V1Red.id(), "selectors": ["description"]}]
    }));
    assert_eq!(Markings::of(&map).tlp(), None);
    assert_eq!(Markings::of(&indicator_with(json!({}))).tlp(), None);
}

#[test]
fn malformed_marking_entries_are_skipped() {
    let map = indicator_with(json!({
        "object_marking_refs": [1, Tlp::V1White.id(), null],
        "granular_markings": ["x", {"marking_ref": 5, "selectors": ["description", 7]}]
    }));
    let markings = Markings::of(&map);
    assert_eq!(markings.object_marking_refs, [Tlp::V1White.id()]);
    assert_eq!(
        markings.granular,
        [GranularMarking {
            marking_ref: None,
            lang: None,
            selectors: vec!["description".into()],
        }]
    );
    let not_lists = indicator_with(json!({"object_marking_refs": "x", "granular_markings": {}}));
    assert!(Markings::of(&not_lists).is_empty());
}

#[test]
fn markings_for_includes_prefix_selectors() {
    let map = indicator_with(json!({
        "object_marking_refs": [Tlp::V2Green.id()],
        "granular_markings": [
            {"marking_ref": Tlp::V2Amber.id(), "selectors": ["external_references"]},
            {"marking_ref": Tlp::V2Red.id(), "selectors": ["external_references.[0].url"]},
            {"marking_ref": Tlp::V1Amber.id(), "selectors": ["description"]},
            {"lang": "de", "selectors": ["external_references.[0]"]}
        ]
    }));
    let markings = Markings::of(&map);
    assert_eq!(
        markings.markings_for("external_references.[0].url"),
        [Tlp::V2Amber.id(), Tlp::V2Red.id()]
    );
    // A selector below the path marks part of it, not all of it.
    assert_eq!(
        markings.markings_for("external_references"),
        [Tlp::V2Amber.id()]
    );
    assert_eq!(markings.markings_for("description"), [Tlp::V1Amber.id()]);
    assert!(markings.markings_for("pattern").is_empty());
    assert_eq!(
        markings.effective_refs_for("external_references.[0].url"),
        [Tlp::V2Green.id(), Tlp::V2Amber.id(), Tlp::V2Red.id()]
    );
    assert_eq!(markings.effective_refs_for("pattern"), [Tlp::V2Green.id()]);
}

#[test]
fn markings_for_matches_whole_path_segments() {
    let map = object(json!({
        "granular_markings": [
            {"marking_ref": Tlp::V2Red.id(), "selectors": ["name"]},
            {"marking_ref": Tlp::V2Amber.id(), "selectors": ["kill_chain_phases.[1]"]}
        ]
    }));
    let markings = Markings::of(&map);
    assert!(markings.markings_for("names").is_empty());
    assert!(markings.markings_for("kill_chain_phases.[10]").is_empty());
    assert_eq!(
        markings.markings_for("kill_chain_phases.[1].phase_name"),
        [Tlp::V2Amber.id()]
    );
}

#[test]
fn all_refs_lists_every_marking_once() {
    let map = indicator_with(json!({
        "object_marking_refs": [Tlp::V2Green.id()],
        "granular_markings": [
            {"marking_ref": Tlp::V2Green.id(), "selectors": ["description"]},
            {"marking_ref": Tlp::V2Red.id(), "selectors": ["pattern"]},
            {"lang": "en", "selectors": ["description"]}
        ]
    }));
    assert_eq!(
        Markings::of(&map).all_refs(),
        [Tlp::V2Green.id(), Tlp::V2Red.id()]
    );
}

#[test]
fn marked_indicator_validates() {
    // The fixture above is itself a valid object, so the extraction tests read real shapes.
    let map = indicator_with(json!({
        "object_marking_refs": [Tlp::V2Green.id()],
        "granular_markings": [
            {"marking_ref": Tlp::V2Red.id(), "selectors": ["description", "external_references.[0].url"]}
        ]
    }));
    let problems = Validator::default().validate(&Value::Object(map));
    assert!(!problems.iter().any(|p| p.is_error()), "{problems:#?}");
}
