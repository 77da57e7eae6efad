//! Redaction on the way out: the properties a decision names (STIX granular-marking selectors
//! such as `description` or `external_references.[0].url`) are removed from the object, and the
//! granular markings that pointed at them are adjusted so that the result is still valid STIX.
//! If it is not (a required property went, a list became empty), the caller withholds the
//! whole object instead: a partner never receives an object that does not validate.

use serde_json::value::RawValue;
use serde_json::{Map, Value};
use stix_model::Validator;
use stix_model::object::StixObject;

/// One step of a selector.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Key(String),
    Index(usize),
}

/// A parsed selector; `None` for text that is not one (ignored: nothing to remove).
fn parse(selector: &str) -> Option<Vec<Step>> {
    selector
        .split('.')
        .map(
            |part| match part.strip_prefix('[').and_then(|p| p.strip_suffix(']')) {
                Some(index) => index.parse().ok().map(Step::Index),
                None if !part.is_empty() => Some(Step::Key(part.to_owned())),
                None => None,
            },
        )
        .collect()
}

fn render(path: &[Step]) -> String {
    path.iter()
        .map(|step| match step {
            Step::Key(key) => key.clone(),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect::<Vec<_>>()
        .join(".")
}

/// Removes the value at `path`; whether it was there.
fn remove(value: &mut Value, path: &[Step]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut node = value;
    for step in parents {
        let next = match (step, node) {
            (Step::Key(key), Value::Object(map)) => map.get_mut(key),
            (Step::Index(i), Value::Array(items)) => items.get_mut(*i),
            _ => None,
        };
        match next {
            Some(child) => node = child,
            None => return false,
        }
    }
    match (last, node) {
        (Step::Key(key), Value::Object(map)) => map.remove(key).is_some(),
        (Step::Index(i), Value::Array(items)) if *i < items.len() => {
            items.remove(*i);
            true
        }
        _ => false,
    }
}

/// Where a selector points after `removed` went: `None` if it pointed into it, otherwise the
/// selector with list indices after a removed element shifted down.
fn after_removal(selector: &[Step], removed: &[Step]) -> Option<Vec<Step>> {
    if selector.starts_with(removed) {
        return None;
    }
    let Some((Step::Index(gone), list)) = removed.split_last() else {
        return Some(selector.to_vec());
    };
    let mut moved = selector.to_vec();
    if moved.starts_with(list) {
        if let Some(Step::Index(i)) = moved.get_mut(list.len()) {
            if *i > *gone {
                *i -= 1;
            }
        }
    }
    Some(moved)
}

/// The object without the properties at `selectors`, its granular markings adjusted.
pub fn redact(object: &Map<String, Value>, selectors: &[String]) -> Map<String, Value> {
    let mut paths: Vec<Vec<Step>> = selectors.iter().filter_map(|s| parse(s)).collect();
    // Deepest and highest-indexed first, so that no removal moves a later one's target.
    paths.sort_unstable_by(|a, b| b.cmp(a));
    paths.dedup();
    let mut value = Value::Object(object.clone());
    let mut removed: Vec<Vec<Step>> = Vec::new();
    for path in paths {
        if removed.iter().any(|r| path.starts_with(r)) {
            continue;
        }
        if remove(&mut value, &path) {
            removed.push(path);
        }
    }
    let Value::Object(mut map) = value else {
        return object.clone();
    };
    if let Some(Value::Array(markings)) = map.get_mut("granular_markings") {
        markings.retain_mut(|marking| {
            let Some(Value::Array(list)) = marking.get_mut("selectors") else {
                return true;
            };
            let kept: Vec<Value> = list
                .iter()
                .filter_map(Value::as_str)
                .filter_map(parse)
                .filter_map(|selector| {
                    removed
                        .iter()
                        .try_fold(selector, |s, r| after_removal(&s, r))
                })
                .map(|s| Value::String(render(&s)))
                .collect();
            *list = kept;
            !list.is_empty()
        });
        if markings.is_empty() {
            map.remove("granular_markings");
        }
    }
    map
}

/// The redacted object as JSON text, if it is still a valid STIX object; `None` means the
/// object must be withheld.
pub fn redacted_raw(
    raw: &str,
    selectors: &[String],
    validator: &Validator,
) -> Option<Box<RawValue>> {
    let Ok(Value::Object(object)) = serde_json::from_str::<Value>(raw) else {
        return None;
    };
    let redacted = redact(&object, selectors);
    let text = serde_json::to_string(&Value::Object(redacted)).ok()?;
    let raw = RawValue::from_string(text).ok()?;
    StixObject::from_raw(raw, validator)
        .ok()
        .map(|(object, _)| object.into_raw())
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
    fn redaction_removes_the_marked_property_and_its_marking() {
        let object = map(serde_json::json!({
            "name": "n", "description": "secret",
            "granular_markings": [{"selectors": ["description"], "marking_ref": "m--1"}],
        }));
        let out = redact(&object, &["description".to_owned()]);
        assert_eq!(Value::Object(out), serde_json::json!({"name": "n"}));
    }

    #[test]
    fn redacting_a_list_element_shifts_later_selectors() {
        let object = map(serde_json::json!({
            "external_references": [{"source_name": "a"}, {"source_name": "b"}, {"source_name": "c"}],
            "granular_markings": [
                {"selectors": ["external_references.[0]"], "marking_ref": "m--red"},
                {"selectors": ["external_references.[2].source_name", "name"], "marking_ref": "m--green"},
            ],
        }));
        let out = redact(&object, &["external_references.[0]".to_owned()]);
        assert_eq!(
            Value::Object(out),
            serde_json::json!({
                "external_references": [{"source_name": "b"}, {"source_name": "c"}],
                "granular_markings": [
                    {"selectors": ["external_references.[1].source_name", "name"], "marking_ref": "m--green"},
                ],
            })
        );
    }

    #[test]
    fn redaction_that_removes_a_required_property_withholds() {
        let raw = r#"{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2020-01-01T00:00:00.000Z","modified":"2020-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2020-01-01T00:00:00Z","description":"d","granular_markings":[{"selectors":["pattern"],"marking_ref":"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"}]}"#;
        let validator = Validator::default();
        assert!(redacted_raw(raw, &["pattern".to_owned()], &validator).is_none());
        let kept = redacted_raw(raw, &["description".to_owned()], &validator).unwrap();
        assert!(!kept.get().contains("\"description\""));
        assert!(kept.get().contains("\"pattern\""));
    }
}
