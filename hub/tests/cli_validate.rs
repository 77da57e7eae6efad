//! `accord validate` end to end: the real binary on real files and standard input.
//!
//! The objects here are custom (`x-acme-widget`) so that their verdicts rest on the common
//! rules (ids, timestamps, `modified` ≥ `created`) and not on any one type's specification.

// Test helpers, not library code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

const BUNDLE_ID: &str = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d";

fn widget(n: u32) -> Value {
    json!({
        "type": "x-acme-widget",
        "spec_version": "2.1",
        "id": widget_id(n),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-02T00:00:00.000Z",
        "name": format!("widget {n}"),
    })
}

fn widget_id(n: u32) -> String {
    format!("x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd{n:02}")
}

/// A widget whose only fault is `modified` before `created`.
fn bad_widget(n: u32) -> Value {
    let mut w = widget(n);
    w["modified"] = json!("2023-01-01T00:00:00.000Z");
    w
}

fn bundle(objects: &[Value]) -> String {
    json!({"type": "bundle", "id": BUNDLE_ID, "objects": objects}).to_string()
}

/// A directory of its own per test, removed at the end.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "accord-cli-validate-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn accord(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn validate(args: &[&str]) -> Output {
    let mut all = vec!["validate"];
    all.extend_from_slice(args);
    accord(&all, None)
}

fn stdout_lines(output: &Output) -> Vec<String> {
    String::from_utf8(output.stdout.clone())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn exit_code(output: &Output) -> i32 {
    output.status.code().unwrap()
}

#[test]
fn valid_bundle_exits_0_with_a_summary() {
    let dir = Scratch::new();
    let file = dir.file("ok.json", bundle(&[widget(1), widget(2)]));
    let output = validate(&[&file]);
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(stdout_lines(&output).is_empty());
    assert_eq!(
        stderr(&output).trim(),
        "2 objects, 0 errors, 0 warnings in 1 file"
    );
}

#[test]
fn invalid_object_exits_1_with_a_line_naming_file_object_path_and_rule() {
    let dir = Scratch::new();
    let file = dir.file("bad.json", bundle(&[widget(1), bad_widget(2), widget(3)]));
    let output = validate(&[&file]);
    assert_eq!(exit_code(&output), 1);
    assert_eq!(
        stdout_lines(&output),
        [format!(
            "{file}: {}: /modified: error: modified-before-created: modified must be later than or equal to created",
            widget_id(2)
        )]
    );
    assert_eq!(
        stderr(&output).trim(),
        "3 objects, 1 error, 0 warnings in 1 file"
    );
}

#[test]
fn every_error_of_an_object_is_reported() {
    let dir = Scratch::new();
    let mut w = bad_widget(1);
    w["created_by_ref"] = json!("identity--not-a-uuid");
    let file = dir.file("two.json", bundle(&[w]));
    let output = validate(&[&file]);
    assert_eq!(exit_code(&output), 1);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": /created_by_ref: error: "))
    );
    assert!(lines.iter().any(|l| l.contains(": /modified: error: ")));
}

#[test]
fn warnings_alone_exit_0() {
    let dir = Scratch::new();
    let text =
        json!({"type": "bundle", "id": BUNDLE_ID, "spec_version": "2.1", "objects": [widget(1)]})
            .to_string();
    let file = dir.file("warn.json", text);
    let output = validate(&[&file]);
    assert_eq!(exit_code(&output), 0);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 1);
    assert!(
        lines[0].starts_with(&format!(
            "{file}: {BUNDLE_ID}: /spec_version: warning: bundle: "
        )),
        "{lines:?}"
    );
    assert!(stderr(&output).contains("0 errors, 1 warning in 1 file"));
}

#[test]
fn bundle_problems_exit_1() {
    let dir = Scratch::new();
    let file = dir.file(
        "noid.json",
        json!({"type": "bundle", "objects": [widget(1)]}).to_string(),
    );
    let output = validate(&[&file]);
    assert_eq!(exit_code(&output), 1);
    assert_eq!(
        stdout_lines(&output),
        [format!(
            "{file}: (document): /id: error: bundle: required property id is missing"
        )]
    );
}

#[test]
fn object_without_id_is_named_by_its_place() {
    let dir = Scratch::new();
    let mut w = widget(2);
    w.as_object_mut().unwrap().remove("id");
    let file = dir.file("noid.json", bundle(&[widget(1), w]));
    let output = validate(&[&file]);
    assert_eq!(exit_code(&output), 1);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&format!("{file}: (no id, /objects/1): /id: error: ")),
        "{lines:?}"
    );
}

#[test]
fn single_object_and_list_are_validated() {
    let dir = Scratch::new();
    let object = dir.file("object.json", bad_widget(1).to_string());
    let list = dir.file(
        "list.json",
        serde_json::to_string_pretty(&json!([widget(1), bad_widget(2)])).unwrap(),
    );
    let output = validate(&[&object, &list]);
    assert_eq!(exit_code(&output), 1);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with(&format!("{object}: {}: /modified: ", widget_id(1))));
    assert!(lines[1].starts_with(&format!("{list}: {}: /modified: ", widget_id(2))));
    assert!(stderr(&output).contains("3 objects, 2 errors, 0 warnings in 2 files"));
}

#[test]
fn stdin_is_read_when_no_file_is_given() {
    let output = accord(&["validate"], Some(&bundle(&[bad_widget(1)])));
    assert_eq!(exit_code(&output), 1);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with(&format!("<stdin>: {}: /modified: ", widget_id(1))));
}

#[test]
fn dash_reads_stdin_among_files() {
    let dir = Scratch::new();
    let file = dir.file("ok.json", bundle(&[widget(1)]));
    let output = accord(&["validate", &file, "-"], Some(&bundle(&[widget(2)])));
    assert_eq!(exit_code(&output), 0, "{}", stderr(&output));
    assert!(stderr(&output).contains("2 objects, 0 errors, 0 warnings in 2 files"));
}

#[test]
fn missing_file_exits_2() {
    let dir = Scratch::new();
    let missing = dir.path("missing.json");
    let output = validate(&[&missing]);
    assert_eq!(exit_code(&output), 2);
    assert!(stdout_lines(&output).is_empty());
    assert!(
        stderr(&output).contains(&format!("accord: {missing}: cannot read: ")),
        "{}",
        stderr(&output)
    );
    assert!(stderr(&output).contains("1 unreadable"));
}

#[test]
fn input_that_is_not_json_exits_2() {
    let dir = Scratch::new();
    for (name, content) in [
        ("empty.json", ""),
        ("yaml.json", "type: bundle\n"),
        ("scalar.json", "42"),
    ] {
        let file = dir.file(name, content);
        let output = validate(&[&file]);
        assert_eq!(exit_code(&output), 2, "{name}");
        assert!(stderr(&output).contains("not a STIX document"), "{name}");
    }
}

#[test]
fn unreadable_input_wins_over_errors() {
    let dir = Scratch::new();
    let bad = dir.file("bad.json", bundle(&[bad_widget(1)]));
    let output = validate(&[&bad, &dir.path("missing.json")]);
    assert_eq!(exit_code(&output), 2);
    assert_eq!(stdout_lines(&output).len(), 1);
}

#[test]
fn malformed_json_is_an_error_with_line_and_column() {
    let dir = Scratch::new();
    let text = format!(
        "{{\"type\": \"bundle\", \"id\": \"{BUNDLE_ID}\", \"objects\": [\n{},\n{},\n{{\"type\": }}\n]}}",
        bad_widget(1),
        widget(2)
    );
    let file = dir.file("broken.json", text);
    let output = validate(&[&file]);
    assert_eq!(exit_code(&output), 1);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 2, "{lines:?}");
    // The objects before the fault are still validated.
    assert!(lines[0].starts_with(&format!("{file}: {}: /modified: ", widget_id(1))));
    assert!(
        lines[1].starts_with(&format!("{file}: (document): /: error: json: ")),
        "{lines:?}"
    );
    assert!(lines[1].ends_with("at line 4 column 10"), "{lines:?}");
    assert!(stderr(&output).contains("2 objects, 2 errors"));
}

#[test]
fn json_output_is_a_record_per_problem_and_a_summary() {
    let dir = Scratch::new();
    let mut no_id = widget(3);
    no_id.as_object_mut().unwrap().remove("id");
    let file = dir.file("bad.json", bundle(&[widget(1), bad_widget(2), no_id]));
    let missing = dir.path("missing.json");
    let output = validate(&["--json", &file, &missing]);
    assert_eq!(exit_code(&output), 2);
    let records: Vec<Value> = stdout_lines(&output)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 4, "{records:?}");
    assert_eq!(
        records[0],
        json!({
            "kind": "problem",
            "file": file,
            "location": "/objects/1",
            "object_id": widget_id(2),
            "path": "/modified",
            "severity": "error",
            "rule": "modified-before-created",
            "message": "modified must be later than or equal to created",
        })
    );
    assert_eq!(records[1]["location"], "/objects/2");
    assert_eq!(records[1]["object_id"], Value::Null);
    assert_eq!(records[1]["rule"], "required-property");
    assert_eq!(records[2]["kind"], "unreadable");
    assert_eq!(records[2]["file"], missing);
    assert_eq!(
        records[3],
        json!({
            "kind": "summary",
            "files": 2,
            "objects": 3,
            "errors": 2,
            "warnings": 0,
            "unreadable": 1,
            "exit_code": 2,
        })
    );
}

#[test]
fn quiet_prints_only_the_summary() {
    let dir = Scratch::new();
    let file = dir.file("bad.json", bundle(&[bad_widget(1)]));
    let output = validate(&["--quiet", &file]);
    assert_eq!(exit_code(&output), 1);
    assert!(stdout_lines(&output).is_empty());
    assert_eq!(
        stderr(&output).trim(),
        "1 object, 1 error, 0 warnings in 1 file"
    );

    let output = validate(&["--quiet", "--json", &file]);
    let lines = stdout_lines(&output);
    assert_eq!(lines.len(), 1);
    assert!(lines[0].contains(r#""kind":"summary""#));
}

#[test]
fn strict_mode_rejects_custom_objects() {
    let dir = Scratch::new();
    let file = dir.file("custom.json", bundle(&[widget(1)]));
    assert_eq!(exit_code(&validate(&[&file])), 0);
    let output = validate(&["--strict", &file]);
    assert_eq!(exit_code(&output), 1);
    let lines = stdout_lines(&output);
    assert!(
        lines
            .iter()
            .any(|l| l.contains(": /type: error: custom-object: ")),
        "{lines:?}"
    );
}

#[test]
fn shape_option_reads_a_bundle_as_one_object() {
    let dir = Scratch::new();
    let file = dir.file("b.json", bundle(&[widget(1)]));
    let output = validate(&["--shape", "object", &file]);
    // A bundle is not a STIX object: it has no created/modified, so it fails as one.
    assert_eq!(exit_code(&output), 1);
    assert!(stderr(&output).starts_with("1 object, "));
}

#[test]
fn help_documents_the_exit_codes() {
    let output = accord(&["validate", "--help"], None);
    assert_eq!(exit_code(&output), 0);
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("Exit status:"));
    assert!(help.contains("2  some input cannot be read"));
}
