//! The rules of the STIX Domain Objects (STIX 2.1 §4) and of the common properties (§3.2),
//! one test per rule: a minimal valid object passes, a variant breaking the rule fails with
//! the expected rule at the expected JSON path.

// Test helpers outside `#[test]` functions fail as loudly as the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::{Value, json};
mod common;
use common::*;
use stix_model::Rule;

const CREATED: &str = "2016-04-06T20:03:48.000Z";

const SDO_TYPES: &[&str] = &[
    "attack-pattern",
    "campaign",
    "course-of-action",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "location",
    "malware",
    "malware-analysis",
    "note",
    "observed-data",
    "opinion",
    "report",
    "threat-actor",
    "tool",
    "vulnerability",
];

/// The smallest object of each type that draws neither error nor warning.
fn minimal(kind: &str) -> Value {
    let mut object = json!({
        "type": kind,
        "spec_version": "2.1",
        "id": format!("{kind}--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
        "created": CREATED,
        "modified": CREATED,
    });
    let own = match kind {
        "attack-pattern" | "campaign" | "course-of-action" | "identity" | "incident"
        | "infrastructure" | "intrusion-set" | "threat-actor" | "tool" | "vulnerability" => {
            json!({"name": "Example"})
        }
        "grouping" => json!({
            "context": "suspicious-activity",
            "object_refs": ["indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2"]
        }),
        "indicator" => json!({
            "name": "Poison Ivy file",
            "description": "A file of Poison Ivy",
            "pattern": "[file:name = 'foo.dll']",
            "pattern_type": "stix",
            "valid_from": "2016-01-01T00:00:00Z"
        }),
        "location" => json!({"region": "northern-america"}),
        "malware" => json!({"is_family": false}),
        "malware-analysis" => json!({"product": "microsoft", "result": "malicious"}),
        "note" => json!({
            "content": "Seen on a forum",
            "object_refs": ["campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]
        }),
        "observed-data" => json!({
            "first_observed": "2015-12-21T19:00:00Z",
            "last_observed": "2015-12-21T19:00:00Z",
            "number_observed": 1,
            "object_refs": ["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]
        }),
        "opinion" => json!({
            "opinion": "agree",
            "object_refs": ["relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471"]
        }),
        "report" => json!({
            "name": "Black Vine",
            "published": "2016-01-20T17:00:00.000Z",
            "object_refs": ["campaign--83422c77-904c-4dc1-aff5-5c38f3a2c55c"]
        }),
        _ => unreachable!("{kind}"),
    };
    for (k, v) in own.as_object().unwrap() {
        object[k] = v.clone();
    }
    object
}

#[test]
fn every_minimal_sdo_is_valid_without_warnings() {
    for kind in SDO_TYPES {
        assert_clean(&minimal(kind));
    }
}

#[test]
fn required_properties_are_required() {
    let required: &[(&str, &[&str])] = &[
        ("attack-pattern", &["name"]),
        ("campaign", &["name"]),
        ("course-of-action", &["name"]),
        ("grouping", &["context", "object_refs"]),
        ("identity", &["name"]),
        ("incident", &["name"]),
        ("indicator", &["pattern", "pattern_type", "valid_from"]),
        ("infrastructure", &["name"]),
        ("intrusion-set", &["name"]),
        ("malware", &["is_family"]),
        ("malware-analysis", &["product"]),
        ("note", &["content", "object_refs"]),
        (
            "observed-data",
            &["first_observed", "last_observed", "number_observed"],
        ),
        ("opinion", &["opinion", "object_refs"]),
        ("report", &["name", "published", "object_refs"]),
        ("threat-actor", &["name"]),
        ("tool", &["name"]),
        ("vulnerability", &["name"]),
    ];
    for (kind, keys) in required {
        for key in keys.iter().chain(&["created", "modified", "spec_version"]) {
            let object = unset(minimal(kind), key);
            assert_error(&object, Rule::RequiredProperty, &format!("/{key}"));
        }
    }
}

// ---- common properties (§3.2) ----

#[test]
fn created_must_be_precise_to_the_millisecond() {
    for created in [
        "2016-04-06T20:03:48Z",
        "2016-04-06T20:03:48.1Z",
        "2016-04-06T20:03:48.12Z",
    ] {
        let object = set(minimal("campaign"), "created", json!(created));
        let object = set(object, "modified", json!("2016-04-07T00:00:00.000Z"));
        assert_error(&object, Rule::TimestampPrecision, "/created");
    }
}

#[test]
fn modified_must_be_precise_to_the_millisecond() {
    let object = set(minimal("tool"), "modified", json!("2016-04-07T00:00:00Z"));
    assert_error(&object, Rule::TimestampPrecision, "/modified");
}

#[test]
fn created_and_modified_may_be_more_precise_than_milliseconds() {
    let object = set(
        minimal("tool"),
        "created",
        json!("2016-04-06T20:03:48.123456Z"),
    );
    let object = set(object, "modified", json!("2016-04-06T20:03:48.123456789Z"));
    assert_clean(&object);
}

#[test]
fn other_timestamps_need_no_sub_second_precision() {
    let object = set(
        minimal("campaign"),
        "first_seen",
        json!("2016-04-06T20:03:48Z"),
    );
    assert_clean(&object);
}

#[test]
fn ids_should_use_uuid_version_4() {
    let object = set(
        minimal("campaign"),
        "id",
        json!("campaign--f6e5a9c4-3c6b-5a33-9d0b-0d2a7c4f8e11"),
    );
    assert_warning(&object, Rule::Recommendation, "/id");
}

#[test]
fn modified_must_not_be_before_created() {
    let object = set(
        minimal("tool"),
        "modified",
        json!("2016-04-06T20:03:47.999Z"),
    );
    assert_error(&object, Rule::ModifiedBeforeCreated, "/modified");
}

#[test]
fn confidence_must_be_0_to_100() {
    assert_clean(&set(minimal("tool"), "confidence", json!(100)));
    assert_error(
        &set(minimal("tool"), "confidence", json!(101)),
        Rule::Range,
        "/confidence",
    );
}

#[test]
fn lang_must_be_an_rfc_5646_language_tag() {
    assert_clean(&set(minimal("campaign"), "lang", json!("de-CH")));
    assert_error(
        &set(minimal("campaign"), "lang", json!("en_US")),
        Rule::ValueFormat,
        "/lang",
    );
    assert_error(
        &set(minimal("campaign"), "lang", json!("")),
        Rule::EmptyString,
        "/lang",
    );
}

#[test]
fn granular_marking_lang_must_be_an_rfc_5646_language_tag() {
    let marked = |lang: &str| {
        set(
            minimal("campaign"),
            "granular_markings",
            json!([{"selectors": ["name"], "lang": lang}]),
        )
    };
    assert_clean(&marked("ja"));
    assert_error(
        &marked("Japanese!"),
        Rule::ValueFormat,
        "/granular_markings/0/lang",
    );
}

#[test]
fn reserved_property_names_may_not_be_used() {
    let object = set(minimal("course-of-action"), "action", json!("block"));
    assert_error(&object, Rule::PropertyNotAllowed, "/action");
    for key in ["severity", "username", "phone_number"] {
        let object = set(minimal("indicator"), key, json!("x"));
        assert_error(&object, Rule::PropertyNotAllowed, &format!("/{key}"));
    }
}

#[test]
fn defanged_may_only_be_used_on_scos() {
    let object = set(minimal("campaign"), "defanged", json!(true));
    assert_error(&object, Rule::PropertyNotAllowed, "/defanged");
}

#[test]
fn created_by_ref_must_refer_to_an_identity() {
    let by = |id: &str| set(minimal("campaign"), "created_by_ref", json!(id));
    assert_clean(&by("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"));
    assert_error(
        &by("malware--f431f809-377b-45e0-aa1c-6a4751cae5ff"),
        Rule::ReferenceType,
        "/created_by_ref",
    );
}

#[test]
fn lists_must_not_be_empty() {
    let object = set(minimal("campaign"), "aliases", json!([]));
    assert_error(&object, Rule::EmptyList, "/aliases");
}

#[test]
fn custom_property_values_must_be_stix_values() {
    assert_clean(&set(minimal("campaign"), "x_acme_tags", json!(["a"])));
    let object = set(minimal("campaign"), "x_acme_tags", json!(null));
    assert_error(&object, Rule::PropertyType, "/x_acme_tags");
    let object = set(minimal("campaign"), "x_acme_tags", json!([]));
    assert_error(&object, Rule::EmptyList, "/x_acme_tags");
}

#[test]
fn extensions_may_not_redefine_a_type_of_the_specification() {
    let extension = |kind: &str| {
        set(
            minimal("indicator"),
            "extensions",
            json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {
                "extension_type": kind, "rank": 5
            }}),
        )
    };
    assert_clean(&extension("property-extension"));
    assert_error(
        &extension("new-sdo"),
        Rule::Extension,
        "/extensions/extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e/extension_type",
    );
}

#[test]
fn external_reference_hashes_must_come_from_hash_algorithm_ov() {
    let reference = |hashes: Value| {
        set(
            minimal("campaign"),
            "external_references",
            json!([{"source_name": "acme", "url": "https://example.com/r", "hashes": hashes}]),
        )
    };
    assert_clean(&reference(json!({
        "SHA-256": "6db12788c37247f2316052e142f42f4b259d6561751e5f401a1ae2a6df9c674b"
    })));
    assert_error(
        &reference(json!({"x_foo_hash": "aaaabbbb"})),
        Rule::Hashes,
        "/external_references/0/hashes/x_foo_hash",
    );
}

#[test]
fn open_vocabulary_values_outside_the_vocabulary_draw_a_warning() {
    let object = set(
        minimal("indicator"),
        "indicator_types",
        json!(["x-acme-suspicious"]),
    );
    assert_warning(&object, Rule::OpenVocabulary, "/indicator_types/0");
}

#[test]
fn kill_chain_phase_names_should_be_lowercase_with_hyphens() {
    let phases = |name: &str| {
        set(
            minimal("attack-pattern"),
            "kill_chain_phases",
            json!([{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": name}]),
        )
    };
    assert_clean(&phases("reconnaissance"));
    assert_warning(
        &phases("Initial Access"),
        Rule::Recommendation,
        "/kill_chain_phases/0/phase_name",
    );
}

#[test]
fn kill_chain_phases_need_both_names() {
    let object = set(
        minimal("tool"),
        "kill_chain_phases",
        json!([{"kill_chain_name": "mitre-attack"}]),
    );
    assert_error(
        &object,
        Rule::RequiredProperty,
        "/kill_chain_phases/0/phase_name",
    );
}

// ---- attack-pattern (§4.1) ----

#[test]
fn attack_pattern_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "attack-pattern",
        "spec_version": "2.1",
        "id": "attack-pattern--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "created": "2016-05-12T08:17:27.000Z",
        "modified": "2016-05-12T08:17:27.000Z",
        "name": "Spear Phishing",
        "description": "...",
        "external_references": [{"source_name": "capec", "external_id": "CAPEC-163"}]
    }));
}

fn with_reference(kind: &str, source_name: &str, external_id: &str) -> Value {
    set(
        minimal(kind),
        "external_references",
        json!([{"source_name": source_name, "external_id": external_id}]),
    )
}

#[test]
fn attack_pattern_capec_id_must_be_formatted_capec_id() {
    assert_error(
        &with_reference("attack-pattern", "capec", "163"),
        Rule::ExternalReference,
        "/external_references/0/external_id",
    );
}

#[test]
fn attack_pattern_capec_id_needs_source_name_capec() {
    assert_error(
        &with_reference("attack-pattern", "mitre", "CAPEC-163"),
        Rule::ExternalReference,
        "/external_references/0/source_name",
    );
}

#[test]
fn cve_and_capec_ids_are_checked_in_the_external_references_of_every_object() {
    assert_clean(&with_reference("indicator", "cve", "CVE-2021-44228"));
    assert_error(
        &with_reference("indicator", "cve", "CVE-21-44228"),
        Rule::ExternalReference,
        "/external_references/0/external_id",
    );
    assert_error(
        &with_reference("malware", "mitre", "CAPEC-66"),
        Rule::ExternalReference,
        "/external_references/0/source_name",
    );
}

// ---- campaign, infrastructure, intrusion-set, malware, threat-actor ----

#[test]
fn campaign_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "campaign",
        "spec_version": "2.1",
        "id": "campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:00.000Z",
        "modified": "2016-04-06T20:03:00.000Z",
        "name": "Green Group Attacks Against Finance",
        "description": "Campaign by Green Group against a series of targets in the financial services sector."
    }));
}

#[test]
fn last_seen_must_not_precede_first_seen() {
    for kind in [
        "campaign",
        "infrastructure",
        "intrusion-set",
        "malware",
        "threat-actor",
    ] {
        let object = set(minimal(kind), "first_seen", json!("2016-01-02T00:00:00Z"));
        assert_clean(&set(
            object.clone(),
            "last_seen",
            json!("2016-01-02T00:00:00Z"),
        ));
        let object = set(object, "last_seen", json!("2016-01-01T23:59:59.999Z"));
        assert_error(&object, Rule::TimeOrder, "/last_seen");
    }
}

// ---- course-of-action (§4.3) ----

#[test]
fn course_of_action_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "course-of-action",
        "spec_version": "2.1",
        "id": "course-of-action--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "name": "Add TCP port 80 Filter Rule to the existing Block UDP 1434 Filter",
        "description": "This is how to add a filter rule to block inbound access to TCP port 80 to the existing UDP 1434 filter ..."
    }));
}

// ---- grouping, note, opinion, report ----

#[test]
fn grouping_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "grouping",
        "spec_version": "2.1",
        "id": "grouping--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
        "created_by_ref": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
        "created": "2015-12-21T19:59:11.000Z",
        "modified": "2015-12-21T19:59:11.000Z",
        "name": "The Black Vine Cyberespionage Group",
        "description": "A simple collection of Black Vine Cyberespionage Group attributed intel",
        "context": "suspicious-activity",
        "object_refs": [
            "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2",
            "campaign--83422c77-904c-4dc1-aff5-5c38f3a2c55c",
            "relationship--f82356ae-fe6c-437c-9c24-6b64314ae68a",
            "file--0203b5c8-f8b6-4ddb-9ad0-527d727f968b"
        ]
    }));
}

#[test]
fn grouping_context_is_an_open_vocabulary() {
    let object = set(minimal("grouping"), "context", json!("threat-hunt"));
    assert_warning(&object, Rule::OpenVocabulary, "/context");
}

#[test]
fn object_refs_must_not_be_empty() {
    for kind in ["grouping", "note", "opinion", "report"] {
        let object = set(minimal(kind), "object_refs", json!([]));
        assert_error(&object, Rule::EmptyList, "/object_refs");
    }
}

#[test]
fn object_refs_must_be_identifiers() {
    for kind in ["grouping", "note", "opinion", "report"] {
        let object = set(minimal(kind), "object_refs", json!(["not-an-id"]));
        assert_error(&object, Rule::IdentifierFormat, "/object_refs/0");
    }
}

#[test]
fn object_refs_may_not_refer_to_a_bundle() {
    for kind in ["grouping", "note", "opinion", "report"] {
        let object = set(
            minimal(kind),
            "object_refs",
            json!(["bundle--44af6c39-c09b-49c5-9de2-394224b04982"]),
        );
        assert_error(&object, Rule::ReferenceType, "/object_refs/0");
    }
}

#[test]
fn note_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "note",
        "spec_version": "2.1",
        "id": "note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "created": "2016-05-12T08:17:27.000Z",
        "modified": "2016-05-12T08:17:27.000Z",
        "external_references": [{"source_name": "job-tracker", "external_id": "job-id-1234"}],
        "abstract": "Tracking Team Note#1",
        "content": "This note indicates the various steps taken by the threat analyst team to investigate this specific campaign.",
        "authors": ["John Doe"],
        "object_refs": ["campaign--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]
    }));
}

#[test]
fn opinion_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "opinion",
        "spec_version": "2.1",
        "id": "opinion--b01efc25-77b4-4003-b18b-f6e24b5cd9f7",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-05-12T08:17:27.000Z",
        "modified": "2016-05-12T08:17:27.000Z",
        "object_refs": ["relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471"],
        "opinion": "strongly-disagree",
        "explanation": "This doesn't seem like it is feasible."
    }));
}

#[test]
fn opinion_must_come_from_opinion_enum() {
    let object = set(minimal("opinion"), "opinion", json!("somewhat-agree"));
    assert_error(&object, Rule::ClosedVocabulary, "/opinion");
}

#[test]
fn report_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "report",
        "spec_version": "2.1",
        "id": "report--84e4d88f-44ea-4bcd-bbf3-b2c1c320bcb3",
        "created_by_ref": "identity--a463ffb3-1bd9-4d94-b02d-74e4f1658283",
        "created": "2015-12-21T19:59:11.000Z",
        "modified": "2015-12-21T19:59:11.000Z",
        "name": "The Black Vine Cyberespionage Group",
        "description": "A simple report with an indicator and campaign",
        "published": "2016-01-20T17:00:00.000Z",
        "report_types": ["campaign"],
        "object_refs": [
            "indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2",
            "campaign--83422c77-904c-4dc1-aff5-5c38f3a2c55c",
            "relationship--f82356ae-fe6c-437c-9c24-6b64314ae68a"
        ]
    }));
}

#[test]
fn report_published_must_be_a_timestamp() {
    let object = set(minimal("report"), "published", json!("20 January 2016"));
    assert_error(&object, Rule::TimestampFormat, "/published");
}

// ---- identity (§4.5) ----

#[test]
fn identity_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": "identity--023d105b-752e-4e3c-941c-7d3f3cb15e9e",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:00.000Z",
        "modified": "2016-04-06T20:03:00.000Z",
        "name": "John Smith",
        "identity_class": "individual"
    }));
}

#[test]
fn identity_class_is_an_open_vocabulary() {
    let object = set(minimal("identity"), "identity_class", json!("company"));
    assert_warning(&object, Rule::OpenVocabulary, "/identity_class");
}

#[test]
fn identity_sectors_use_industry_sector_ov() {
    assert_clean(&set(
        minimal("identity"),
        "sectors",
        json!(["financial-services"]),
    ));
    let object = set(minimal("identity"), "sectors", json!(["banking"]));
    assert_warning(&object, Rule::OpenVocabulary, "/sectors/0");
}

// ---- incident (§4.6) ----

#[test]
fn incident_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "incident",
        "spec_version": "2.1",
        "id": "incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "name": "Incident 43",
        "description": "This incident addresses APT 28 ..."
    }));
}

// ---- indicator (§4.7) ----

#[test]
fn indicator_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "indicator_types": ["malicious-activity"],
        "name": "Poison Ivy Malware",
        "description": "This file is part of Poison Ivy",
        "pattern": "[ file:hashes.'SHA-256' = '4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877' ]",
        "pattern_type": "stix",
        "valid_from": "2016-01-01T00:00:00Z"
    }));
}

#[test]
fn indicator_valid_until_must_be_after_valid_from() {
    let object = minimal("indicator");
    assert_clean(&set(
        object.clone(),
        "valid_until",
        json!("2016-01-01T00:00:00.001Z"),
    ));
    assert_error(
        &set(object.clone(), "valid_until", json!("2016-01-01T00:00:00Z")),
        Rule::TimeOrder,
        "/valid_until",
    );
    assert_error(
        &set(object, "valid_until", json!("2015-12-31T00:00:00Z")),
        Rule::TimeOrder,
        "/valid_until",
    );
}

#[test]
fn indicator_stix_pattern_must_parse() {
    let object = set(
        minimal("indicator"),
        "pattern",
        json!("[file:name = 'foo.dll'"),
    );
    assert_error(&object, Rule::Pattern, "/pattern");
    let message = &errors(&object)[0].message;
    let expected = stix_model::pattern::parse("[file:name = 'foo.dll'")
        .unwrap_err()
        .to_string();
    assert_eq!(message, &expected);
}

#[test]
fn indicator_patterns_of_other_languages_are_not_parsed_as_stix() {
    let object = set(minimal("indicator"), "pattern_type", json!("yara"));
    let object = set(object, "pattern", json!("rule x { condition: true }"));
    assert_clean(&object);
}

#[test]
fn indicator_pattern_type_is_an_open_vocabulary() {
    let object = set(minimal("indicator"), "pattern_type", json!("kql"));
    let object = set(
        object,
        "pattern",
        json!("SecurityEvent | where EventID == 4625"),
    );
    assert_warning(&object, Rule::OpenVocabulary, "/pattern_type");
}

#[test]
fn indicator_pattern_version_should_be_a_stix_version() {
    assert_clean(&set(minimal("indicator"), "pattern_version", json!("2.1")));
    let object = set(minimal("indicator"), "pattern_version", json!("7"));
    assert_warning(&object, Rule::Recommendation, "/pattern_version");
}

#[test]
fn indicator_should_have_a_name_and_a_description() {
    let object = unset(unset(minimal("indicator"), "name"), "description");
    assert_warning(&object, Rule::Recommendation, "/name");
    assert_warning(&object, Rule::Recommendation, "/description");
}

// ---- infrastructure, intrusion-set (§4.8, §4.9) ----

#[test]
fn infrastructure_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "infrastructure",
        "spec_version": "2.1",
        "id": "infrastructure--38c47d93-d984-4fd9-b87b-d69d0841628d",
        "created": "2016-05-07T11:22:30.000Z",
        "modified": "2016-05-07T11:22:30.000Z",
        "name": "Poison Ivy C2",
        "infrastructure_types": ["command-and-control"]
    }));
}

#[test]
fn intrusion_set_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "intrusion-set",
        "spec_version": "2.1",
        "id": "intrusion-set--4e78f46f-a023-4e5f-bc24-71b3ca22ec29",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "name": "Bobcat Breakin",
        "description": "Incidents usually feature a shared TTP of a bobcat being released within the building containing network access.",
        "aliases": ["Zookeeper"],
        "goals": ["acquisition-theft", "harassment", "damage"]
    }));
}

#[test]
fn intrusion_set_motivations_use_attack_motivation_ov() {
    let object = set(
        minimal("intrusion-set"),
        "secondary_motivations",
        json!(["boredom"]),
    );
    assert_warning(&object, Rule::OpenVocabulary, "/secondary_motivations/0");
}

// ---- location (§4.10) ----

#[test]
fn location_spec_examples_are_valid() {
    let base = json!({
        "type": "location",
        "spec_version": "2.1",
        "id": "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:00.000Z",
        "modified": "2016-04-06T20:03:00.000Z"
    });
    assert_clean(&set(base.clone(), "region", json!("northern-america")));
    let thai = set(base.clone(), "region", json!("south-eastern-asia"));
    let thai = set(
        set(thai, "country", json!("th")),
        "postal_code",
        json!("63170"),
    );
    assert_clean(&set(thai, "administrative_area", json!("TH-63")));
    // The specification's third example gives the coordinates as strings, a typo.
    let paris = set(base, "latitude", json!(48.8566));
    assert_clean(&set(paris, "longitude", json!(2.3522)));
}

#[test]
fn location_needs_region_country_or_latitude_and_longitude() {
    let object = unset(minimal("location"), "region");
    assert_error(&object, Rule::PropertyCombination, "");
    assert_clean(&set(object.clone(), "country", json!("us")));
    let object = set(
        set(object, "latitude", json!(-33.9)),
        "longitude",
        json!(151.2),
    );
    assert_clean(&object);
}

#[test]
fn location_latitude_requires_longitude() {
    let object = set(minimal("location"), "latitude", json!(12.5));
    assert_error(&object, Rule::PropertyCombination, "/longitude");
}

#[test]
fn location_longitude_requires_latitude() {
    let object = set(minimal("location"), "longitude", json!(12.5));
    assert_error(&object, Rule::PropertyCombination, "/latitude");
}

#[test]
fn location_latitude_must_be_between_minus_90_and_90() {
    let object = set(minimal("location"), "longitude", json!(0));
    assert_clean(&set(object.clone(), "latitude", json!(-90.0)));
    assert_error(
        &set(object, "latitude", json!(90.5)),
        Rule::Range,
        "/latitude",
    );
}

#[test]
fn location_longitude_must_be_between_minus_180_and_180() {
    let object = set(minimal("location"), "latitude", json!(0));
    assert_clean(&set(object.clone(), "longitude", json!(180)));
    assert_error(
        &set(object, "longitude", json!(-180.01)),
        Rule::Range,
        "/longitude",
    );
}

#[test]
fn location_precision_requires_latitude_and_longitude() {
    let object = set(minimal("location"), "precision", json!(1000.0));
    assert_error(&object, Rule::PropertyCombination, "/precision");
    let object = set(set(object, "latitude", json!(1.0)), "longitude", json!(2.0));
    assert_clean(&object);
}

#[test]
fn location_region_is_an_open_vocabulary() {
    let object = set(minimal("location"), "region", json!("middle-earth"));
    assert_warning(&object, Rule::OpenVocabulary, "/region");
}

#[test]
fn location_country_should_be_an_iso_3166_1_alpha_2_code() {
    let object = set(minimal("location"), "country", json!("United States"));
    assert_warning(&object, Rule::Recommendation, "/country");
}

#[test]
fn location_administrative_area_should_be_an_iso_3166_2_code() {
    assert_clean(&set(
        minimal("location"),
        "administrative_area",
        json!("US-CA"),
    ));
    let object = set(
        minimal("location"),
        "administrative_area",
        json!("California"),
    );
    assert_warning(&object, Rule::Recommendation, "/administrative_area");
}

// ---- malware (§4.11) ----

#[test]
fn malware_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": "malware--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "created": "2016-05-12T08:17:27.000Z",
        "modified": "2016-05-12T08:17:27.000Z",
        "name": "Cryptolocker",
        "description": "A variant of the cryptolocker family",
        "malware_types": ["ransomware"],
        "is_family": false
    }));
}

#[test]
fn malware_family_must_have_a_name() {
    let family = set(minimal("malware"), "is_family", json!(true));
    assert_error(&family, Rule::RequiredProperty, "/name");
    assert_clean(&set(family, "name", json!("Poison Ivy")));
}

#[test]
fn malware_is_family_must_be_a_boolean() {
    let object = set(minimal("malware"), "is_family", json!("false"));
    assert_error(&object, Rule::PropertyType, "/is_family");
}

#[test]
fn malware_sample_refs_must_refer_to_files_or_artifacts() {
    let object = set(
        minimal("malware"),
        "sample_refs",
        json!([
            "file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58",
            "artifact--a785c567-cc53-52a1-abeb-026bb7ddf8ba",
            "url--c1477287-23ac-5971-a010-5c287877fa60"
        ]),
    );
    assert_error(&object, Rule::ReferenceType, "/sample_refs/2");
}

#[test]
fn malware_operating_system_refs_must_refer_to_software() {
    let object = set(
        minimal("malware"),
        "operating_system_refs",
        json!(["file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58"]),
    );
    assert_error(&object, Rule::ReferenceType, "/operating_system_refs/0");
}

#[test]
fn malware_vocabularies_are_open() {
    for (key, value) in [
        ("malware_types", "cryptominer"),
        ("architecture_execution_envs", "risc-v"),
        ("implementation_languages", "nim"),
        ("capabilities", "mines-coins"),
    ] {
        let object = set(minimal("malware"), key, json!([value]));
        assert_warning(&object, Rule::OpenVocabulary, &format!("/{key}/0"));
    }
}

// ---- malware-analysis (§4.12) ----

#[test]
fn malware_analysis_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "malware-analysis",
        "spec_version": "2.1",
        "id": "malware-analysis--d25167b7-fed0-4068-9ccd-a73dd2c5b07c",
        "created": "2020-01-16T18:52:24.277Z",
        "modified": "2020-01-16T18:52:24.277Z",
        "product": "microsoft",
        "analysis_engine_version": "5.1.0",
        "analysis_definition_version": "053514-0062",
        "analysis_started": "2012-02-11T08:36:14Z",
        "analysis_ended": "2012-02-11T08:36:14Z",
        "result": "malicious"
    }));
}

#[test]
fn malware_analysis_needs_result_or_analysis_sco_refs() {
    let object = unset(minimal("malware-analysis"), "result");
    assert_error(&object, Rule::PropertyCombination, "");
    let object = set(
        object,
        "analysis_sco_refs",
        json!(["file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58"]),
    );
    assert_clean(&object);
}

#[test]
fn malware_analysis_analysis_sco_refs_must_refer_to_cyber_observables() {
    let object = set(
        minimal("malware-analysis"),
        "analysis_sco_refs",
        json!([
            "file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        ]),
    );
    assert_error(&object, Rule::ReferenceType, "/analysis_sco_refs/1");
}

#[test]
fn malware_analysis_sample_ref_must_be_a_file_network_traffic_or_artifact() {
    let sample = |id: &str| set(minimal("malware-analysis"), "sample_ref", json!(id));
    assert_clean(&sample(
        "network-traffic--2568d22a-8998-58eb-99ec-3c8ca74f527d",
    ));
    assert_error(
        &sample("software--a1827f6d-ca53-5605-9e93-4316cd22a00a"),
        Rule::ReferenceType,
        "/sample_ref",
    );
}

#[test]
fn malware_analysis_environment_refs_must_refer_to_software() {
    for key in ["host_vm_ref", "operating_system_ref"] {
        let object = set(
            minimal("malware-analysis"),
            key,
            json!("file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58"),
        );
        assert_error(&object, Rule::ReferenceType, &format!("/{key}"));
    }
    let object = set(
        minimal("malware-analysis"),
        "installed_software_refs",
        json!(["file--ba8965d8-e4ec-5f9c-a4df-1c460994ca58"]),
    );
    assert_error(&object, Rule::ReferenceType, "/installed_software_refs/0");
}

#[test]
fn malware_analysis_result_is_an_open_vocabulary() {
    let object = set(minimal("malware-analysis"), "result", json!("clean"));
    assert_warning(&object, Rule::OpenVocabulary, "/result");
}

#[test]
fn malware_analysis_product_should_be_lowercase_with_dashes() {
    let object = set(
        minimal("malware-analysis"),
        "product",
        json!("Windows Defender"),
    );
    assert_warning(&object, Rule::Recommendation, "/product");
}

// ---- observed-data (§4.14) ----

#[test]
fn observed_data_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "observed-data",
        "spec_version": "2.1",
        "id": "observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T19:58:16.000Z",
        "modified": "2016-04-06T19:58:16.000Z",
        "first_observed": "2015-12-21T19:00:00Z",
        "last_observed": "2015-12-21T19:00:00Z",
        "number_observed": 50,
        "object_refs": [
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
        ]
    }));
}

#[test]
fn observed_data_last_observed_must_not_precede_first_observed() {
    let object = set(
        minimal("observed-data"),
        "last_observed",
        json!("2015-12-21T18:59:59Z"),
    );
    assert_error(&object, Rule::TimeOrder, "/last_observed");
}

#[test]
fn observed_data_number_observed_must_be_1_to_999999999() {
    let with = |n: Value| set(minimal("observed-data"), "number_observed", n);
    assert_clean(&with(json!(999_999_999)));
    assert_error(&with(json!(0)), Rule::Range, "/number_observed");
    assert_error(&with(json!(1_000_000_000)), Rule::Range, "/number_observed");
    assert_error(&with(json!(1.5)), Rule::PropertyType, "/number_observed");
}

#[test]
fn observed_data_needs_objects_or_object_refs() {
    let object = unset(minimal("observed-data"), "object_refs");
    assert_error(&object, Rule::PropertyCombination, "");
}

fn container() -> Value {
    json!({
        "0": {"type": "ipv4-addr", "value": "198.51.100.3"},
        "1": {"type": "network-traffic", "src_ref": "0", "protocols": ["tcp"]}
    })
}

#[test]
fn observed_data_may_not_have_both_objects_and_object_refs() {
    let object = set(minimal("observed-data"), "objects", container());
    assert_error(&object, Rule::PropertyCombination, "/objects");
}

#[test]
fn observed_data_objects_is_deprecated() {
    let object = unset(minimal("observed-data"), "object_refs");
    let object = set(object, "objects", container());
    assert_warning(&object, Rule::Recommendation, "/objects");
}

#[test]
fn observed_data_objects_must_not_be_empty() {
    let object = unset(minimal("observed-data"), "object_refs");
    let object = set(object, "objects", json!({}));
    assert_error(&object, Rule::EmptyList, "/objects");
}

#[test]
fn observed_data_container_references_must_resolve_in_the_container() {
    let mut objects = container();
    objects["1"]["dst_ref"] = json!("7");
    let object = set(
        unset(minimal("observed-data"), "object_refs"),
        "objects",
        objects,
    );
    assert_error(&object, Rule::ReferenceType, "/objects/1/dst_ref");
}

#[test]
fn observed_data_container_holds_only_cyber_observables() {
    let mut objects = container();
    objects["2"] = json!({"type": "indicator", "name": "x"});
    let object = set(
        unset(minimal("observed-data"), "object_refs"),
        "objects",
        objects,
    );
    assert_error(&object, Rule::PropertyType, "/objects/2/type");
}

#[test]
fn observed_data_object_refs_must_refer_to_scos_or_sros() {
    let object = set(
        minimal("observed-data"),
        "object_refs",
        json!([
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
            "relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471",
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
        ]),
    );
    assert_error(&object, Rule::ReferenceType, "/object_refs/2");
}

#[test]
fn observed_data_object_refs_must_include_an_sco() {
    let object = set(
        minimal("observed-data"),
        "object_refs",
        json!(["relationship--16d2358f-3b0d-4c88-b047-0da2f7ed4471"]),
    );
    assert_error(&object, Rule::ReferenceType, "/object_refs");
}

// ---- threat-actor, tool, vulnerability (§4.17–§4.19) ----

#[test]
fn threat_actor_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "threat-actor",
        "spec_version": "2.1",
        "id": "threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "threat_actor_types": ["crime-syndicate"],
        "name": "Evil Org",
        "description": "The Evil Org threat actor group",
        "aliases": ["Syndicate 1", "Evil Syndicate 99"],
        "roles": ["director"],
        "goals": ["Steal bank money", "Steal credit cards"],
        "sophistication": "advanced",
        "resource_level": "team",
        "primary_motivation": "organizational-gain"
    }));
}

#[test]
fn threat_actor_vocabularies_are_open() {
    for (key, value) in [
        ("sophistication", json!("elite")),
        ("resource_level", json!("nation")),
        ("primary_motivation", json!("fun")),
        ("threat_actor_types", json!(["pirate"])),
        ("roles", json!(["mascot"])),
        ("personal_motivations", json!(["fame"])),
    ] {
        let path = if value.is_array() {
            format!("/{key}/0")
        } else {
            format!("/{key}")
        };
        let object = set(minimal("threat-actor"), key, value);
        assert_warning(&object, Rule::OpenVocabulary, &path);
    }
}

#[test]
fn tool_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "tool",
        "spec_version": "2.1",
        "id": "tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:03:48.000Z",
        "modified": "2016-04-06T20:03:48.000Z",
        "tool_types": ["remote-access"],
        "name": "VNC"
    }));
}

#[test]
fn vulnerability_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "vulnerability",
        "spec_version": "2.1",
        "id": "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
        "created": "2016-05-12T08:17:27.000Z",
        "modified": "2016-05-12T08:17:27.000Z",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "name": "CVE-2016-1234",
        "external_references": [{"source_name": "cve", "external_id": "CVE-2016-1234"}]
    }));
}

#[test]
fn vulnerability_cve_id_must_be_the_exact_cve_identifier() {
    assert_error(
        &with_reference("vulnerability", "cve", "2016-1234"),
        Rule::ExternalReference,
        "/external_references/0/external_id",
    );
}

#[test]
fn vulnerability_cve_id_needs_source_name_cve() {
    assert_error(
        &with_reference("vulnerability", "nvd", "CVE-2016-1234"),
        Rule::ExternalReference,
        "/external_references/0/source_name",
    );
}
