//! Assertions shared by the rule tests of the SDOs, SROs and meta objects.

// Each test file uses its own subset.
#![allow(dead_code, clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::Value;
use stix_model::{Problem, Rule, Severity, Validator};

pub fn problems(object: &Value) -> Vec<Problem> {
    Validator::default().validate(object)
}

pub fn errors(object: &Value) -> Vec<Problem> {
    problems(object)
        .into_iter()
        .filter(|p| p.severity == Severity::Error)
        .collect()
}

#[track_caller]
pub fn assert_clean(object: &Value) {
    let problems = problems(object);
    assert!(problems.is_empty(), "{object:#}\n{problems:#?}");
}

/// Exactly one error, of `rule`, at `path`.
#[track_caller]
pub fn assert_error(object: &Value, rule: Rule, path: &str) {
    let errors = errors(object);
    assert_eq!(errors.len(), 1, "{object:#}\n{errors:#?}");
    assert_eq!(
        (errors[0].rule, errors[0].path.as_str()),
        (rule, path),
        "{errors:#?}"
    );
}

/// No error, and a warning of `rule` at `path`.
#[track_caller]
pub fn assert_warning(object: &Value, rule: Rule, path: &str) {
    let problems = problems(object);
    assert!(
        !problems.iter().any(Problem::is_error),
        "{object:#}\n{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.severity == Severity::Warning && p.rule == rule && p.path == path),
        "expected a {rule} warning at {path}: {problems:#?}"
    );
}

pub fn set(mut object: Value, key: &str, value: Value) -> Value {
    object[key] = value;
    object
}

pub fn unset(mut object: Value, key: &str) -> Value {
    object.as_object_mut().unwrap().remove(key);
    object
}
