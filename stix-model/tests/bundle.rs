//! The streaming bundle reader: bundles, single objects and lists, the bundle's own rules,
//! and malformed input.

// Test helpers, not library code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::io::Read;

use serde_json::{Value, json};
use stix_model::bundle::{BundleItem, Item, Location, Shape, read_bundle, read_stix};
use stix_model::{Problem, Rule, Severity, StixError};

const BUNDLE_ID: &str = "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d";

fn widget(n: u32) -> Value {
    json!({
        "type": "x-acme-widget",
        "spec_version": "2.1",
        "id": format!("x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd{n:02}"),
        "created": "2024-01-01T00:00:00.000Z",
        "modified": "2024-01-01T00:00:00.000Z",
    })
}

struct Outcome {
    shape: Shape,
    summary: stix_model::bundle::BundleSummary,
    objects: Vec<BundleItem>,
    problems: Vec<Problem>,
}

fn read_as(text: &str, shape: Shape) -> Outcome {
    try_read(text, shape).unwrap()
}

fn read(text: &str) -> Outcome {
    read_as(text, Shape::Auto)
}

fn try_read(text: &str, shape: Shape) -> Result<Outcome, StixError> {
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    let summary = read_stix(text.as_bytes(), shape, |item| match item {
        Item::Object(o) => objects.push(o),
        Item::Problem(p) => problems.push(p),
    })?;
    Ok(Outcome {
        shape: summary.shape,
        summary,
        objects,
        problems,
    })
}

fn rules(problems: &[Problem]) -> Vec<(Severity, Rule, &str)> {
    problems
        .iter()
        .map(|p| (p.severity, p.rule, p.path.as_str()))
        .collect()
}

fn bundle_of(objects: &[Value]) -> String {
    json!({"type": "bundle", "id": BUNDLE_ID, "objects": objects}).to_string()
}

#[test]
fn bundle_objects_are_handed_over_in_order_as_they_came() {
    let text = format!(
        r#"{{"type": "bundle", "id": "{BUNDLE_ID}", "objects": [ {}, {{"type":"x-b", "n": 1.50}} ]}}"#,
        widget(1)
    );
    let r = read(&text);
    assert_eq!(r.shape, Shape::Bundle);
    assert_eq!(r.summary.bundle_id.as_deref(), Some(BUNDLE_ID));
    assert_eq!(r.summary.objects, 2);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.objects[0].location, Location::Bundle(0));
    assert_eq!(r.objects[0].parse().unwrap(), widget(1));
    assert_eq!(r.objects[1].location.pointer(), "/objects/1");
    // Byte for byte, number formatting included.
    assert_eq!(r.objects[1].raw.get(), r#"{"type":"x-b", "n": 1.50}"#);
}

#[test]
fn bundle_keys_may_come_in_any_order() {
    let text = format!(
        r#"{{"objects": [{}], "id": "{BUNDLE_ID}", "type": "bundle"}}"#,
        widget(1)
    );
    let r = read(&text);
    assert_eq!(r.shape, Shape::Bundle);
    assert_eq!(r.objects.len(), 1);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

#[test]
fn bundle_without_objects_is_valid() {
    let r = read(&json!({"type": "bundle", "id": BUNDLE_ID}).to_string());
    assert_eq!(r.shape, Shape::Bundle);
    assert_eq!(r.summary.objects, 0);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
}

#[test]
fn bundle_type_is_required() {
    let r = read(&json!({"id": BUNDLE_ID, "objects": [widget(1)]}).to_string());
    assert_eq!(r.shape, Shape::Bundle);
    assert_eq!(r.objects.len(), 1);
    assert_eq!(
        rules(&r.problems),
        [(Severity::Error, Rule::Bundle, "/type")]
    );
    assert_eq!(r.problems[0].object_id.as_deref(), Some(BUNDLE_ID));
}

#[test]
fn bundle_type_must_be_bundle() {
    let text = json!({"type": "bundel", "id": BUNDLE_ID, "objects": [widget(1)]}).to_string();
    let r = read_as(&text, Shape::Bundle);
    assert_eq!(r.objects.len(), 1);
    assert_eq!(
        rules(&r.problems),
        [(Severity::Error, Rule::Bundle, "/type")]
    );

    // Read automatically, an objects list before a non-bundle type was streamed as a bundle's.
    let text = format!(
        r#"{{"objects": [{}], "type": "x-list", "id": "{BUNDLE_ID}"}}"#,
        widget(1)
    );
    let r = read(&text);
    assert_eq!(r.shape, Shape::Bundle);
    assert_eq!(
        rules(&r.problems),
        [(Severity::Error, Rule::Bundle, "/type")]
    );
    assert!(r.problems[0].message.contains("single object"));

    let r = read_as(
        &json!({"type": 7, "id": BUNDLE_ID}).to_string(),
        Shape::Bundle,
    );
    assert_eq!(
        rules(&r.problems),
        [(Severity::Error, Rule::Bundle, "/type")]
    );
}

#[test]
fn bundle_id_is_required() {
    let r = read(&json!({"type": "bundle", "objects": [widget(1)]}).to_string());
    assert_eq!(rules(&r.problems), [(Severity::Error, Rule::Bundle, "/id")]);
    assert_eq!(r.problems[0].object_id, None);
}

#[test]
fn bundle_id_must_be_a_bundle_identifier() {
    for id in [
        json!("bundle--not-a-uuid"),
        json!("indicator--5d0092c5-5f74-4287-9642-33f4c354e56d"),
        json!(12),
    ] {
        let r = read(&json!({"type": "bundle", "id": id, "objects": [widget(1)]}).to_string());
        assert_eq!(
            rules(&r.problems),
            [(Severity::Error, Rule::Bundle, "/id")],
            "{id}"
        );
    }
}

#[test]
fn bundle_spec_version_is_a_warning() {
    let text =
        json!({"type": "bundle", "id": BUNDLE_ID, "spec_version": "2.0", "objects": [widget(1)]})
            .to_string();
    let r = read(&text);
    assert_eq!(
        rules(&r.problems),
        [(Severity::Warning, Rule::Bundle, "/spec_version")]
    );
}

#[test]
fn bundle_objects_must_be_a_list() {
    for objects in [json!({"0": widget(1)}), json!("x"), json!(null), json!(3)] {
        let r = read(&json!({"type": "bundle", "id": BUNDLE_ID, "objects": objects}).to_string());
        assert_eq!(r.shape, Shape::Bundle);
        assert_eq!(r.summary.objects, 0);
        assert_eq!(
            rules(&r.problems),
            [(Severity::Error, Rule::Bundle, "/objects")],
            "{objects}"
        );
    }
}

#[test]
fn bundle_objects_must_not_be_empty() {
    let r = read(&bundle_of(&[]));
    assert_eq!(
        rules(&r.problems),
        [(Severity::Error, Rule::Bundle, "/objects")]
    );
}

#[test]
fn bundle_property_must_not_repeat() {
    let text = format!(
        r#"{{"type": "bundle", "id": "{BUNDLE_ID}", "objects": [{w}], "objects": [{w}]}}"#,
        w = widget(1)
    );
    let r = read(&text);
    assert_eq!(r.objects.len(), 2);
    assert_eq!(
        rules(&r.problems),
        [(Severity::Error, Rule::Bundle, "/objects")]
    );
}

#[test]
fn bundle_custom_properties_are_allowed() {
    let text =
        json!({"type": "bundle", "id": BUNDLE_ID, "x_acme_batch": 3, "objects": [widget(1)]})
            .to_string();
    assert!(read(&text).problems.is_empty());
}

#[test]
fn single_object_is_one_item_kept_as_it_came() {
    let text = r#"{"id": "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "type": "x-acme-widget", "objects": [1], "size": 1.50}"#;
    let r = read(text);
    assert_eq!(r.shape, Shape::Object);
    assert_eq!(r.summary.bundle_id, None);
    assert_eq!(r.objects.len(), 1);
    assert_eq!(r.objects[0].location, Location::Document);
    assert_eq!(
        r.objects[0].raw.get(),
        r#"{"id":"x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","type":"x-acme-widget","objects":[1],"size":1.50}"#
    );
    assert!(r.problems.is_empty());
}

#[test]
fn single_object_without_type_is_still_an_object() {
    let r = read(r#"{"id": "x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#);
    assert_eq!(r.shape, Shape::Object);
    assert_eq!(r.objects.len(), 1);
    assert!(r.problems.is_empty());
}

#[test]
fn object_shape_reads_the_document_as_one_object() {
    let text = bundle_of(&[widget(1)]);
    let r = read_as(&text, Shape::Object);
    assert_eq!(r.shape, Shape::Object);
    assert_eq!(r.objects.len(), 1);
    assert_eq!(r.objects[0].raw.get(), text);
}

#[test]
fn top_level_list_is_read_element_by_element() {
    let text = format!("[{}, {}, 5]", widget(1), widget(2));
    let r = read(&text);
    assert_eq!(r.shape, Shape::List);
    assert_eq!(r.summary.objects, 3);
    assert_eq!(r.objects[1].location, Location::List(1));
    assert_eq!(r.objects[1].location.pointer(), "/1");
    assert_eq!(r.objects[2].raw.get(), "5");
    assert!(r.problems.is_empty());
}

#[test]
fn shape_asked_for_must_match() {
    let r = read_as(&format!("[{}]", widget(1)), Shape::Bundle);
    assert_eq!(r.objects.len(), 1);
    assert_eq!(rules(&r.problems), [(Severity::Error, Rule::Bundle, "")]);

    let r = read_as(&bundle_of(&[widget(1)]), Shape::List);
    assert_eq!(r.objects.len(), 1);
    assert_eq!(rules(&r.problems), [(Severity::Error, Rule::Bundle, "")]);
}

#[test]
fn malformed_json_says_where_and_keeps_what_came_before() {
    let text = format!(
        "{{\"type\": \"bundle\", \"id\": \"bundle--x\",\n\"objects\": [\n{},\n{{\"type\": \"x-b\",, }}]}}",
        widget(1)
    );
    let mut objects = 0;
    let mut problems = Vec::new();
    let err = read_stix(text.as_bytes(), Shape::Auto, |item| match item {
        Item::Object(_) => objects += 1,
        Item::Problem(p) => problems.push(p),
    })
    .unwrap_err();
    let StixError::Json(json) = &err else {
        panic!("{err:?}")
    };
    assert!(json.is_syntax());
    assert_eq!((json.line(), json.column()), (4, 16));
    assert!(err.to_string().contains("line 4 column 16"), "{err}");
    assert_eq!(objects, 1);
    // What was read of the bundle is judged; what was not reached is not called missing.
    assert_eq!(rules(&problems), [(Severity::Error, Rule::Bundle, "/id")]);
}

#[test]
fn truncated_bundle_is_an_error() {
    let text = bundle_of(&[widget(1), widget(2)]);
    let cut = &text[..text.len() - 40];
    let mut objects = 0;
    let err = read_stix(cut.as_bytes(), Shape::Auto, |item| {
        if let Item::Object(_) = item {
            objects += 1
        }
    })
    .unwrap_err();
    assert!(matches!(&err, StixError::Json(e) if e.is_eof()), "{err:?}");
    assert_eq!(objects, 1);
}

#[test]
fn trailing_content_is_an_error() {
    let text = format!("{} {{}}", widget(1));
    let err = try_read(&text, Shape::Auto).err().unwrap();
    assert!(
        matches!(&err, StixError::Json(e) if e.is_syntax()),
        "{err:?}"
    );
}

#[test]
fn input_that_is_not_a_json_object_or_list_is_refused() {
    for text in [
        "",
        "  \n ",
        "\"bundle\"",
        "42",
        "type: bundle",
        "\u{0}\u{1}",
    ] {
        let err = try_read(text, Shape::Auto).err().unwrap();
        assert!(matches!(err, StixError::Bundle(_)), "{text:?}: {err:?}");
    }
}

#[test]
fn byte_order_mark_is_skipped() {
    let text = format!("\u{feff}{}", bundle_of(&[widget(1)]));
    let r = read(&text);
    assert_eq!(r.objects.len(), 1);
    assert!(r.problems.is_empty());
}

#[test]
fn leading_whitespace_keeps_line_numbers() {
    let text = "\n\n  [{\"type\": }]";
    let err = try_read(text, Shape::Auto).err().unwrap();
    let StixError::Json(json) = err else { panic!() };
    assert_eq!(json.line(), 3);
}

#[test]
fn nesting_deeper_than_the_limit_is_an_error_of_the_object() {
    let deep = format!("{}{}{}", "[".repeat(200), "1", "]".repeat(200));
    let text =
        format!(r#"{{"type": "bundle", "id": "{BUNDLE_ID}", "objects": [{{"deep": {deep}}}]}}"#);
    let r = read(&text);
    assert_eq!(r.objects.len(), 1);
    let err = r.objects[0].parse().unwrap_err();
    assert!(err.to_string().contains("recursion limit"), "{err}");
}

#[test]
fn read_bundle_collects_the_bundle_problems() {
    let text = json!({"type": "bundle", "objects": [widget(1), widget(2)]}).to_string();
    let mut seen = Vec::new();
    let (summary, problems) = read_bundle(text.as_bytes(), |item| seen.push(item.index())).unwrap();
    assert_eq!(seen, [0, 1]);
    assert_eq!(summary.objects, 2);
    assert_eq!(rules(&problems), [(Severity::Error, Rule::Bundle, "/id")]);
}

/// A bundle of `count` objects, produced as it is read and never held whole.
struct GeneratedBundle {
    pending: Vec<u8>,
    next: usize,
    count: usize,
    produced: std::rc::Rc<std::cell::Cell<usize>>,
}

impl Read for GeneratedBundle {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pending.is_empty() {
            self.pending = match self.next {
                0 => format!(r#"{{"type":"bundle","id":"{BUNDLE_ID}","objects":["#).into_bytes(),
                n if n <= self.count => {
                    let sep = if n > 1 { "," } else { "" };
                    format!("{sep}{}", widget((n % 100) as u32)).into_bytes()
                }
                n if n == self.count + 1 => b"]}".to_vec(),
                _ => return Ok(0),
            };
            self.next += 1;
        }
        let n = buf.len().min(self.pending.len());
        buf[..n].copy_from_slice(&self.pending[..n]);
        self.pending.drain(..n);
        self.produced.set(self.produced.get() + n);
        Ok(n)
    }
}

#[test]
fn bundle_is_read_as_a_stream() {
    let produced = std::rc::Rc::new(std::cell::Cell::new(0));
    let bundle = GeneratedBundle {
        pending: Vec::new(),
        next: 0,
        count: 100_000,
        produced: produced.clone(),
    };
    let mut produced_at_first = None;
    let summary = read_stix(bundle, Shape::Auto, |item| {
        if let Item::Object(_) = item {
            produced_at_first.get_or_insert(produced.get());
        }
    })
    .unwrap();
    assert_eq!(summary.objects, 100_000);
    // The first object arrived after one buffer's worth, not after the whole bundle (~20 MB).
    assert!(
        produced_at_first.unwrap() <= 1 << 17,
        "{produced_at_first:?}"
    );
    assert!(produced.get() > 10_000_000);
}

#[test]
fn duplicate_property_in_an_object_is_an_error() {
    let text = r#"{"type":"bundle","id":"bundle--44af6c39-c09b-49c5-9de2-394224b04982","objects":[{"type":"x-a","type":"x-b"}]}"#;
    let mut parsed = Vec::new();
    read_bundle(text.as_bytes(), |item| parsed.push(item.parse())).unwrap();
    assert_eq!(parsed.len(), 1);
    let err = parsed.remove(0).unwrap_err().to_string();
    assert!(err.contains("duplicate"), "{err}");
}
