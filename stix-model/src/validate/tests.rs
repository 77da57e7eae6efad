//! Tests of the walker itself; the rules of each type are tested beside their specs and in
//! `tests/`.

use serde_json::json;

use super::*;

fn codes(value: &Value, options: Options) -> Vec<&'static str> {
    Validator::new(options)
        .validate(value)
        .iter()
        .map(|p| p.rule.code())
        .collect()
}

#[test]
fn non_object_is_refused() {
    assert_eq!(codes(&json!([1]), Options::default()), ["not-an-object"]);
}

#[test]
fn missing_type_and_id_are_reported_together() {
    let problems = Validator::default().validate(&json!({"spec_version": "2.1"}));
    let paths: Vec<_> = problems.iter().map(|p| p.path.as_str()).collect();
    assert!(paths.contains(&"/type"), "{problems:?}");
    assert!(paths.contains(&"/id"), "{problems:?}");
}

#[test]
fn id_type_must_match_type() {
    let obj = json!({
        "type": "x-acme-widget",
        "id": "x-other--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "spec_version": "2.1",
        "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z"
    });
    assert_eq!(codes(&obj, Options::default()), ["identifier-type"]);
}

#[test]
fn custom_object_is_accepted_when_lenient_and_refused_when_strict() {
    let obj = json!({
        "type": "x-acme-widget",
        "id": "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "spec_version": "2.1",
        "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z",
        "x_acme_size": 3
    });
    assert!(codes(&obj, Options::default()).is_empty());
    assert_eq!(
        codes(&obj, Options::strict()),
        ["custom-object", "custom-property"]
    );
}

#[test]
fn modified_before_created_is_an_error() {
    let obj = json!({
        "type": "x-acme-widget",
        "id": "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "spec_version": "2.1",
        "created": "2020-01-02T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z"
    });
    let problems = Validator::default().validate(&obj);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].rule, Rule::ModifiedBeforeCreated);
    assert_eq!(problems[0].path, "/modified");
    assert_eq!(
        problems[0].object_id.as_deref(),
        Some("x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f")
    );
}

#[test]
fn external_reference_errors_point_into_the_list() {
    let obj = json!({
        "type": "x-acme-widget",
        "id": "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "spec_version": "2.1",
        "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z",
        "external_references": [
            {"source_name": "a", "url": "https://example.com"},
            {"source_name": "b", "url": "not a url"}
        ]
    });
    let problems = Validator::default().validate(&obj);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "/external_references/1/url");
    assert_eq!(problems[0].rule, Rule::ValueFormat);
}

#[test]
fn granular_marking_selector_must_resolve() {
    let obj = json!({
        "type": "x-acme-widget",
        "id": "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "spec_version": "2.1",
        "created": "2020-01-01T00:00:00.000Z",
        "modified": "2020-01-01T00:00:00.000Z",
        "description": "x",
        "granular_markings": [{
            "marking_ref": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
            "selectors": ["description", "external_references.[0].url"]
        }]
    });
    let problems = Validator::default().validate(&obj);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, "/granular_markings/0/selectors/1");
    assert_eq!(problems[0].rule, Rule::Marking);
}
