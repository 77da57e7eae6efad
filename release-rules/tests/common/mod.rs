//! Shared test fixtures: the example mission, Accord label markings, objects.
#![allow(clippy::unwrap_used)] // test fixtures: a broken fixture should fail loudly
#![allow(dead_code)]

use std::collections::BTreeMap;

use release_rules::markings::ACCORD_LABEL_EXTENSION_ID;
use release_rules::{Engine, Mission};
use serde_json::{Map, Value, json};
use stix_model::timestamp::{Instant, Timestamp};

pub fn mission() -> Mission {
    Mission::parse(
        include_str!("../data/mission.yaml"),
        &mut |path: &str| match path {
            "policies/nato-example.yaml" => Ok(release_rules::policy::NATO_EXAMPLE_YAML.to_owned()),
            _ => Err(format!("no file {path}")),
        },
    )
    .unwrap()
}

pub fn engine() -> Engine {
    Engine::from_mission(&mission()).unwrap()
}

pub fn at(text: &str) -> Instant {
    Timestamp::parse(text).unwrap().instant()
}

/// A marking definition carrying an Accord label.
pub fn accord_marking(uuid: &str, body: Value) -> (String, Map<String, Value>) {
    let id = format!("marking-definition--{uuid}");
    let mut ext = body.as_object().cloned().unwrap();
    ext.insert("extension_type".into(), json!("property-extension"));
    ext.insert("label_version".into(), json!(1));
    let def = json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2026-01-01T00:00:00.000Z",
        "extensions": {ACCORD_LABEL_EXTENSION_ID: ext}
    });
    (id, def.as_object().cloned().unwrap())
}

pub fn catalogue(
    entries: Vec<(String, Map<String, Value>)>,
) -> BTreeMap<String, Map<String, Value>> {
    entries.into_iter().collect()
}

pub fn indicator(markings: &[&str]) -> Map<String, Value> {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "created": "2026-01-01T00:00:00.000Z",
        "modified": "2026-01-01T00:00:00.000Z",
        "pattern": "[ipv4-addr:value = '198.51.100.1']",
        "pattern_type": "stix",
        "valid_from": "2026-01-01T00:00:00Z",
        "description": "x",
        "object_marking_refs": markings
    })
    .as_object()
    .cloned()
    .unwrap()
}

pub const NATO: &str = "urn:oid:1.3.26.1.3.1";
pub mod random;
pub mod reference;

pub const REL_TO: &str = "urn:oid:1.3.26.1.4.2";
