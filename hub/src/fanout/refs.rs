//! What an object's release depends on besides its own label: the objects it references.
//!
//! Closure covers what the reference note (§7.4 step 7) names: a `relationship` or `sighting`
//! is withheld from an audience when anything it references is, and so is a container
//! (`report`, `grouping`, `note`, `opinion`, `observed-data`) unless every member of
//! `object_refs` is released. Other `_ref` properties (`created_by_ref`, `sample_ref`, …) do
//! not gate release: an identity or a file named in passing is not the subject of the object.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

/// The properties whose targets gate an object's release, by type.
fn closure_properties(type_name: &str) -> &'static [&'static str] {
    match type_name {
        "relationship" => &["source_ref", "target_ref"],
        "sighting" => &[
            "sighting_of_ref",
            "observed_data_refs",
            "where_sighted_refs",
        ],
        "report" | "grouping" | "note" | "opinion" | "observed-data" => &["object_refs"],
        _ => &[],
    }
}

/// Whether objects of this type can depend on others for their release.
pub fn has_closure(type_name: &str) -> bool {
    !closure_properties(type_name).is_empty()
}

/// The ids whose release gates this object's, sorted, without repeats and without the
/// object's own id (a self-reference never withholds anything).
pub fn closure_refs(type_name: &str, object: &Map<String, Value>) -> Vec<String> {
    let own = object.get("id").and_then(Value::as_str);
    let mut refs = BTreeSet::new();
    for property in closure_properties(type_name) {
        match object.get(*property) {
            Some(Value::String(id)) => {
                refs.insert(id.as_str());
            }
            Some(Value::Array(ids)) => refs.extend(ids.iter().filter_map(Value::as_str)),
            _ => {}
        }
    }
    refs.into_iter()
        .filter(|id| Some(*id) != own)
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    #[test]
    fn relationships_depend_on_both_ends() {
        let rel = map(serde_json::json!({
            "type": "relationship", "id": "relationship--1",
            "source_ref": "indicator--b", "target_ref": "malware--a",
        }));
        assert_eq!(
            closure_refs("relationship", &rel),
            ["indicator--b", "malware--a"]
        );
    }

    #[test]
    fn containers_depend_on_every_member_but_not_on_themselves() {
        let report = map(serde_json::json!({
            "type": "report", "id": "report--1", "created_by_ref": "identity--x",
            "object_refs": ["report--1", "indicator--a", "indicator--a", "malware--b"],
        }));
        assert_eq!(
            closure_refs("report", &report),
            ["indicator--a", "malware--b"]
        );
    }

    #[test]
    fn other_types_depend_on_nothing() {
        let indicator = map(serde_json::json!({
            "type": "indicator", "id": "indicator--1", "created_by_ref": "identity--x",
        }));
        assert!(closure_refs("indicator", &indicator).is_empty());
        assert!(!has_closure("indicator"));
    }
}
