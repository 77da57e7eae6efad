//! The rules of the STIX Relationship Objects (STIX 2.1 §5), one test per rule: a minimal
//! valid object passes, a variant breaking the rule fails with the expected rule at the
//! expected JSON path.

// Test helpers outside `#[test]` functions fail as loudly as the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::{Value, json};
mod common;
use common::*;
use stix_model::Rule;

const INDICATOR: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
const MALWARE: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";

fn relationship() -> Value {
    json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
        "created": "2016-04-06T20:06:37.000Z",
        "modified": "2016-04-06T20:06:37.000Z",
        "relationship_type": "indicates",
        "source_ref": INDICATOR,
        "target_ref": MALWARE
    })
}

fn sighting() -> Value {
    json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
        "created": "2016-04-06T20:08:31.000Z",
        "modified": "2016-04-06T20:08:31.000Z",
        "sighting_of_ref": INDICATOR
    })
}

#[test]
fn every_minimal_sro_is_valid_without_warnings() {
    assert_clean(&relationship());
    assert_clean(&sighting());
}

#[test]
fn required_properties_are_required() {
    for key in [
        "relationship_type",
        "source_ref",
        "target_ref",
        "created",
        "modified",
    ] {
        assert_error(
            &unset(relationship(), key),
            Rule::RequiredProperty,
            &format!("/{key}"),
        );
    }
    for key in ["sighting_of_ref", "created", "modified", "spec_version"] {
        assert_error(
            &unset(sighting(), key),
            Rule::RequiredProperty,
            &format!("/{key}"),
        );
    }
}

#[test]
fn sros_may_not_be_defanged() {
    assert_error(
        &set(relationship(), "defanged", json!(false)),
        Rule::PropertyNotAllowed,
        "/defanged",
    );
}

// ---- relationship (§5.1) ----

#[test]
fn relationship_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": "relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9e",
        "created": "2016-05-12T08:17:27.000Z",
        "modified": "2016-05-12T08:17:27.000Z",
        "relationship_type": "uses",
        "source_ref": "intrusion-set--0c7e22ad-b099-4dc3-b0df-2ea3f49ae2e6",
        "target_ref": "attack-pattern--7e33a43e-e34b-40ec-89da-36c9bb2cacd5"
    }));
}

#[test]
fn relationship_type_may_only_contain_lowercase_letters_digits_and_hyphens() {
    for kind in ["Indicates", "indicates_malware", "indicates malware", ""] {
        assert_error(
            &set(relationship(), "relationship_type", json!(kind)),
            Rule::ValueFormat,
            "/relationship_type",
        );
    }
}

#[test]
fn relationship_source_ref_may_not_be_an_sro() {
    let object = set(
        relationship(),
        "source_ref",
        json!("sighting--ee20065d-2555-424f-ad9e-0f8428623c75"),
    );
    assert_error(&object, Rule::ReferenceType, "/source_ref");
}

#[test]
fn relationship_target_ref_may_not_be_a_meta_object_or_bundle() {
    for target in [
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        "language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d",
        "extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62",
        "bundle--44af6c39-c09b-49c5-9de2-394224b04982",
        "relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9e",
    ] {
        let object = set(relationship(), "target_ref", json!(target));
        assert_error(&object, Rule::ReferenceType, "/target_ref");
    }
}

#[test]
fn relationship_may_connect_cyber_observables_and_custom_objects() {
    let object = set(relationship(), "relationship_type", json!("hosted-on"));
    let object = set(
        object,
        "source_ref",
        json!("ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"),
    );
    let object = set(
        object,
        "target_ref",
        json!("x-acme-server--b7a4d4c0-9d13-4b4c-8d11-6c1c4d1f0c2a"),
    );
    assert_clean(&object);
}

#[test]
fn relationship_stop_time_must_be_after_start_time() {
    let object = set(relationship(), "start_time", json!("2016-01-01T00:00:00Z"));
    assert_clean(&set(
        object.clone(),
        "stop_time",
        json!("2016-01-01T00:00:00.001Z"),
    ));
    assert_error(
        &set(object, "stop_time", json!("2016-01-01T00:00:00.000Z")),
        Rule::TimeOrder,
        "/stop_time",
    );
}

#[test]
fn relationship_type_should_be_one_the_specification_defines() {
    assert_clean(&set(
        relationship(),
        "relationship_type",
        json!("related-to"),
    ));
    let object = set(relationship(), "relationship_type", json!("uses"));
    assert_warning(&object, Rule::Recommendation, "/relationship_type");
    let object = set(
        relationship(),
        "target_ref",
        json!("vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"),
    );
    assert_warning(&object, Rule::Recommendation, "/relationship_type");
}

#[test]
fn derived_from_should_relate_objects_of_the_same_type() {
    let object = set(relationship(), "relationship_type", json!("derived-from"));
    assert_warning(&object, Rule::Recommendation, "/relationship_type");
    let object = set(
        object,
        "target_ref",
        json!("indicator--26ffb872-1dd9-446e-b6f5-d58527e5b5d2"),
    );
    assert_clean(&object);
}

// ---- sighting (§5.2) ----

#[test]
fn sighting_spec_example_is_valid() {
    assert_clean(&json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": "sighting--ee20065d-2555-424f-ad9e-0f8428623c75",
        "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
        "created": "2016-04-06T20:08:31.000Z",
        "modified": "2016-04-06T20:08:31.000Z",
        "first_seen": "2015-12-21T19:00:00Z",
        "last_seen": "2015-12-21T19:00:00Z",
        "count": 50,
        "sighting_of_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "observed_data_refs": ["observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf"],
        "where_sighted_refs": ["identity--b67d30ff-02ac-498a-92f9-32f845f448ff"]
    }));
}

#[test]
fn sighting_last_seen_must_not_precede_first_seen() {
    let object = set(sighting(), "first_seen", json!("2015-12-21T19:00:00Z"));
    assert_clean(&set(
        object.clone(),
        "last_seen",
        json!("2015-12-21T19:00:00Z"),
    ));
    assert_error(
        &set(object, "last_seen", json!("2015-12-21T18:00:00Z")),
        Rule::TimeOrder,
        "/last_seen",
    );
}

#[test]
fn sighting_count_must_be_0_to_999999999() {
    assert_clean(&set(sighting(), "count", json!(0)));
    assert_clean(&set(sighting(), "count", json!(999_999_999)));
    for count in [json!(-1), json!(1_000_000_000)] {
        assert_error(&set(sighting(), "count", count), Rule::Range, "/count");
    }
}

#[test]
fn sighting_of_ref_must_be_an_sdo_or_a_custom_object() {
    assert_clean(&set(
        sighting(),
        "sighting_of_ref",
        json!("x-acme-campaign--b7a4d4c0-9d13-4b4c-8d11-6c1c4d1f0c2a"),
    ));
    for sighted in [
        "relationship--57b56a43-b8b0-4cba-9deb-34e3e1faed9e",
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    ] {
        let object = set(sighting(), "sighting_of_ref", json!(sighted));
        assert_error(&object, Rule::ReferenceType, "/sighting_of_ref");
    }
}

#[test]
fn sighting_observed_data_refs_must_refer_to_observed_data() {
    let object = set(
        sighting(),
        "observed_data_refs",
        json!(["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]),
    );
    assert_error(&object, Rule::ReferenceType, "/observed_data_refs/0");
}

#[test]
fn sighting_where_sighted_refs_must_refer_to_identities_or_locations() {
    let object = set(
        sighting(),
        "where_sighted_refs",
        json!([
            "identity--b67d30ff-02ac-498a-92f9-32f845f448ff",
            "location--a6e9345f-5a15-4c29-8bb3-7dcc5d168d64",
            "infrastructure--38c47d93-d984-4fd9-b87b-d69d0841628d"
        ]),
    );
    assert_error(&object, Rule::ReferenceType, "/where_sighted_refs/2");
}

#[test]
fn sighting_summary_must_be_a_boolean() {
    assert_clean(&set(sighting(), "summary", json!(true)));
    assert_error(
        &set(sighting(), "summary", json!("yes")),
        Rule::PropertyType,
        "/summary",
    );
}
