//! Property tests: generated valid STIX objects validate, survive the trip through
//! `StixObject` byte for byte, canonicalize the same way however they are written, and keep
//! their timestamps' precision. Canonicalization is idempotent.

// Test helpers outside `#[test]` functions fail as loudly as the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::fmt::Write as _;

use proptest::prelude::*;
use serde_json::{Map, Number, Value, json};
use stix_model::Validator;
use stix_model::canonical::{content_hash, sco_id_for, to_canonical_bytes};
use stix_model::markings::Tlp;
use stix_model::object::StixObject;
use stix_model::timestamp::parse_instant;

// ---------------------------------------------------------------------------------------------
// Generators

fn uuid4() -> impl Strategy<Value = String> {
    any::<u128>().prop_map(|n| {
        let mut b = n.to_be_bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    })
}

fn id_of(type_name: &'static str) -> impl Strategy<Value = String> {
    uuid4().prop_map(move |u| format!("{type_name}--{u}"))
}

/// A timestamp with `min..=9` fractional digits (none when 0).
fn timestamp(min_digits: usize) -> impl Strategy<Value = String> {
    (
        1970u32..2100,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..60,
        min_digits..=9usize,
        any::<u32>(),
    )
        .prop_map(|(y, mo, d, h, mi, s, digits, frac)| {
            let mut t = format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}");
            if digits > 0 {
                let frac = format!("{:09}", frac % 1_000_000_000);
                t.push('.');
                t.push_str(&frac[..digits]);
            }
            t.push('Z');
            t
        })
}

/// `created` and `modified` (at least millisecond precision, modified not before created).
fn created_modified() -> impl Strategy<Value = (String, String)> {
    (timestamp(3), timestamp(3), any::<bool>()).prop_map(|(a, b, same)| {
        if same {
            return (a.clone(), a);
        }
        if parse_instant(&a).unwrap() <= parse_instant(&b).unwrap() {
            (a, b)
        } else {
            (b, a)
        }
    })
}

/// Any string: every Unicode scalar value, controls, quotes and backslashes included.
fn any_text(min: usize) -> impl Strategy<Value = String> {
    let special = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('/'),
        Just('\u{0}'),
        Just('\u{1f}'),
        Just('\u{7f}'),
        Just('\u{2028}'),
        Just('\u{fb33}'),
        Just('\u{1f600}'),
    ];
    prop::collection::vec(prop_oneof![3 => any::<char>(), 1 => special], min..12)
        .prop_map(String::from_iter)
}

/// A name that is not blank (the validator may refuse whitespace-only names).
fn name() -> impl Strategy<Value = String> {
    (any_text(0), "[A-Za-z0-9]{1,8}").prop_map(|(a, b)| format!("{b}{a}"))
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        prop::num::f64::NORMAL | prop::num::f64::SUBNORMAL | prop::num::f64::ZERO,
        Just(333_333_333.333_333_3),
        Just(1e21),
        Just(1e-7),
        Just(9_007_199_254_740_992.0),
    ]
}

/// Any JSON value, nested; numbers cover floats, large and negative integers.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        finite_f64().prop_map(|f| Value::Number(Number::from_f64(f).unwrap())),
        any_text(0).prop_map(Value::String),
        timestamp(0).prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((any_text(0), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// A custom property name. Names ending in `_bin` or `_hex` promise base64 or hex values
/// (OASIS schemas), so they are left out.
fn custom_name() -> impl Strategy<Value = String> {
    "x_[a-z][a-z0-9_]{0,12}".prop_filter("no _bin/_hex suffix", |n| {
        !n.ends_with("_bin") && !n.ends_with("_hex")
    })
}

/// A custom property value: anything but `null` or an empty list at the top (STIX forbids
/// both for properties), anything below.
fn custom_value() -> impl Strategy<Value = Value> {
    any_json().prop_filter("not null or empty list", |v| {
        !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty())
    })
}

/// Custom properties `x_…` with any values.
fn custom_properties() -> impl Strategy<Value = Vec<(String, Value)>> {
    prop::collection::vec((custom_name(), custom_value()), 0..4)
}

fn tlp_refs() -> impl Strategy<Value = Vec<String>> {
    prop::sample::subsequence(Tlp::ALL.to_vec(), 0..3)
        .prop_map(|ts| ts.into_iter().map(|t| t.id().to_owned()).collect())
}

/// Optional common properties of SDOs and SROs.
fn sdo_common() -> impl Strategy<Value = Vec<(String, Value)>> {
    (
        prop::option::of(id_of("identity")),
        prop::option::of(0u64..=100),
        prop::option::of(prop::collection::vec(name(), 1..3)),
        prop::option::of(any::<bool>()),
        tlp_refs(),
        prop::option::of(("[a-z]{3,10}", "[A-Z]{2,4}-[0-9]{1,6}", "[a-z0-9]{1,10}")),
        prop::option::of(Just("en")),
    )
        .prop_map(
            |(created_by, confidence, labels, revoked, markings, ext_ref, lang)| {
                let mut props = Vec::new();
                if let Some(c) = created_by {
                    props.push(("created_by_ref".into(), json!(c)));
                }
                if let Some(c) = confidence {
                    props.push(("confidence".into(), json!(c)));
                }
                if let Some(l) = labels {
                    props.push(("labels".into(), json!(l)));
                }
                if let Some(r) = revoked {
                    props.push(("revoked".into(), json!(r)));
                }
                if !markings.is_empty() {
                    props.push(("object_marking_refs".into(), json!(markings)));
                }
                if let Some((source, ext_id, path)) = ext_ref {
                    props.push((
                        "external_references".into(),
                        json!([{
                            "source_name": source,
                            "external_id": ext_id,
                            "url": format!("https://example.com/{path}")
                        }]),
                    ));
                }
                if let Some(l) = lang {
                    props.push(("lang".into(), json!(l)));
                }
                props
            },
        )
}

/// A granular marking over `selector`, sometimes.
fn granular(selector: &'static str) -> impl Strategy<Value = Option<Value>> {
    prop::option::of(prop::sample::select(Tlp::ALL.to_vec()))
        .prop_map(move |t| t.map(|t| json!([{"marking_ref": t.id(), "selectors": [selector]}])))
}

fn assemble(
    head: Vec<(&str, Value)>,
    rest: Vec<Vec<(String, Value)>>,
    granular: Option<Value>,
) -> Value {
    let mut map = Map::new();
    for (k, v) in head {
        map.insert(k.to_owned(), v);
    }
    for (k, v) in rest.into_iter().flatten() {
        map.insert(k, v);
    }
    if let Some(g) = granular {
        map.insert("granular_markings".into(), g);
    }
    Value::Object(map)
}

fn indicator() -> impl Strategy<Value = Value> {
    (
        id_of("indicator"),
        created_modified(),
        timestamp(0),
        prop_oneof![
            (0u8..=255, 0u8..=255, 0u8..=255, 0u8..=255)
                .prop_map(|(a, b, c, d)| format!("[ipv4-addr:value = '{a}.{b}.{c}.{d}']")),
            "[a-z]{1,10}".prop_map(|d| format!("[domain-name:value = '{d}.example']")),
        ],
        prop::option::of(any_text(0)),
        sdo_common(),
        custom_properties(),
        granular("pattern"),
    )
        .prop_map(
            |(id, (created, modified), valid_from, pattern, description, common, custom, g)| {
                let mut head = vec![
                    ("type", json!("indicator")),
                    ("spec_version", json!("2.1")),
                    ("id", json!(id)),
                    ("created", json!(created)),
                    ("modified", json!(modified)),
                    ("pattern", json!(pattern)),
                    ("pattern_type", json!("stix")),
                    ("valid_from", json!(valid_from)),
                ];
                if let Some(d) = description {
                    head.push(("description", json!(d)));
                }
                assemble(head, vec![common, custom], g)
            },
        )
}

fn malware() -> impl Strategy<Value = Value> {
    (
        id_of("malware"),
        created_modified(),
        name(),
        any::<bool>(),
        prop::option::of(timestamp(0)),
        sdo_common(),
        custom_properties(),
        granular("name"),
    )
        .prop_map(
            |(id, (created, modified), name, is_family, first_seen, common, custom, g)| {
                let mut head = vec![
                    ("type", json!("malware")),
                    ("spec_version", json!("2.1")),
                    ("id", json!(id)),
                    ("created", json!(created)),
                    ("modified", json!(modified)),
                    ("name", json!(name)),
                    ("is_family", json!(is_family)),
                ];
                if let Some(f) = first_seen {
                    head.push(("first_seen", json!(f)));
                }
                assemble(head, vec![common, custom], g)
            },
        )
}

fn relationship() -> impl Strategy<Value = Value> {
    (
        id_of("relationship"),
        created_modified(),
        id_of("indicator"),
        id_of("malware"),
        sdo_common(),
        custom_properties(),
        granular("relationship_type"),
    )
        .prop_map(
            |(id, (created, modified), source, target, common, custom, g)| {
                let head = vec![
                    ("type", json!("relationship")),
                    ("spec_version", json!("2.1")),
                    ("id", json!(id)),
                    ("created", json!(created)),
                    ("modified", json!(modified)),
                    ("relationship_type", json!("indicates")),
                    ("source_ref", json!(source)),
                    ("target_ref", json!(target)),
                ];
                assemble(head, vec![common, custom], g)
            },
        )
}

fn identity() -> impl Strategy<Value = Value> {
    (
        id_of("identity"),
        created_modified(),
        name(),
        prop::option::of(prop::sample::select(vec![
            "individual",
            "group",
            "organization",
            "class",
            "unknown",
        ])),
        sdo_common(),
        custom_properties(),
        granular("name"),
    )
        .prop_map(
            |(id, (created, modified), name, class, common, custom, g)| {
                let mut head = vec![
                    ("type", json!("identity")),
                    ("spec_version", json!("2.1")),
                    ("id", json!(id)),
                    ("created", json!(created)),
                    ("modified", json!(modified)),
                    ("name", json!(name)),
                ];
                if let Some(c) = class {
                    head.push(("identity_class", json!(c)));
                }
                assemble(head, vec![common, custom], g)
            },
        )
}

/// A `file` SCO whose id is the deterministic one (STIX 2.1 §2.9) over `hashes` and `name`.
fn file() -> impl Strategy<Value = Value> {
    (
        name(),
        prop::option::of("[0-9a-f]{64}"),
        prop::option::of(0u64..=u64::from(u32::MAX)),
        any::<bool>(),
        tlp_refs(),
        custom_properties(),
    )
        .prop_map(|(name, sha256, size, spec_version, markings, custom)| {
            let mut contributing = Map::new();
            if let Some(h) = &sha256 {
                contributing.insert("hashes".into(), json!({"SHA-256": h}));
            }
            contributing.insert("name".into(), json!(name));
            let id = sco_id_for("file", &Value::Object(contributing));
            let mut head = vec![("type", json!("file")), ("id", json!(id))];
            if spec_version {
                head.push(("spec_version", json!("2.1")));
            }
            if let Some(h) = sha256 {
                head.push(("hashes", json!({"SHA-256": h})));
            }
            head.push(("name", json!(name)));
            if let Some(s) = size {
                head.push(("size", json!(s)));
            }
            let mut rest = vec![custom];
            if !markings.is_empty() {
                rest.push(vec![("object_marking_refs".into(), json!(markings))]);
            }
            assemble(head, rest, None)
        })
}

/// A custom object type `x-…` with nested custom properties.
fn custom_object() -> impl Strategy<Value = Value> {
    (
        "x-[a-z]{2,8}(-[a-z]{2,8})?",
        uuid4(),
        created_modified(),
        prop::collection::vec((custom_name(), custom_value()), 1..5),
        sdo_common(),
        any_text(1),
    )
        .prop_map(
            |(type_name, uuid, (created, modified), custom, common, text)| {
                let head = vec![
                    ("type", json!(type_name)),
                    ("spec_version", json!("2.1")),
                    ("id", json!(format!("{type_name}--{uuid}"))),
                    ("created", json!(created)),
                    ("modified", json!(modified)),
                    (
                        "x_nested",
                        json!({"level1": {"level2": [text, {"k": 1.5}]}}),
                    ),
                ];
                assemble(head, vec![custom, common], None)
            },
        )
}

fn stix_object() -> impl Strategy<Value = Value> {
    prop_oneof![
        indicator(),
        malware(),
        relationship(),
        identity(),
        file(),
        custom_object(),
    ]
}

// ---------------------------------------------------------------------------------------------
// A JSON writer with the freedoms a partner has: whitespace, property order, which characters
// to escape and how, how to spell a number.

#[derive(Debug, Clone, Copy)]
struct Style {
    pretty: bool,
    reverse_keys: bool,
    /// Escape a character as `\uXXXX` when this pseudo-random stream says so.
    escape_seed: u64,
    exponent_floats: bool,
}

fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>(), any::<u64>(), any::<bool>()).prop_map(
        |(pretty, reverse_keys, escape_seed, exponent_floats)| Style {
            pretty,
            reverse_keys,
            escape_seed,
            exponent_floats,
        },
    )
}

struct Writer {
    style: Style,
    state: u64,
    out: String,
}

impl Writer {
    fn render(value: &Value, style: Style) -> String {
        let mut w = Writer {
            style,
            state: style.escape_seed | 1,
            out: String::new(),
        };
        w.value(value, 0);
        w.out
    }

    fn coin(&mut self) -> bool {
        // xorshift64
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        self.state % 3 == 0
    }

    fn newline(&mut self, depth: usize) {
        if self.style.pretty {
            self.out.push('\n');
            self.out.push_str(&"  ".repeat(depth));
        }
    }

    fn value(&mut self, value: &Value, depth: usize) {
        match value {
            Value::Null | Value::Bool(_) => self.out.push_str(&value.to_string()),
            Value::Number(n) => match n.as_f64() {
                Some(f) if n.is_f64() && self.style.exponent_floats => {
                    write!(self.out, "{f:e}").unwrap()
                }
                _ => self.out.push_str(&n.to_string()),
            },
            Value::String(s) => self.string(s),
            Value::Array(items) => {
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(depth + 1);
                    self.value(item, depth + 1);
                }
                if !items.is_empty() {
                    self.newline(depth);
                }
                self.out.push(']');
            }
            Value::Object(map) => {
                self.out.push('{');
                let mut entries: Vec<_> = map.iter().collect();
                if self.style.reverse_keys {
                    entries.reverse();
                }
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(depth + 1);
                    self.string(k);
                    self.out.push(':');
                    if self.style.pretty {
                        self.out.push(' ');
                    }
                    self.value(v, depth + 1);
                }
                if !entries.is_empty() {
                    self.newline(depth);
                }
                self.out.push('}');
            }
        }
    }

    fn string(&mut self, s: &str) {
        self.out.push('"');
        for c in s.chars() {
            let must = c == '"' || c == '\\' || c < ' ';
            if must || self.coin() {
                match c {
                    '"' if !self.coin() => self.out.push_str("\\\""),
                    '\\' if !self.coin() => self.out.push_str("\\\\"),
                    '/' => self.out.push_str("\\/"),
                    '\n' if !self.coin() => self.out.push_str("\\n"),
                    _ => {
                        let mut units = [0u16; 2];
                        for u in c.encode_utf16(&mut units) {
                            write!(self.out, "\\u{u:04X}").unwrap();
                        }
                    }
                }
            } else {
                self.out.push(c);
            }
        }
        self.out.push('"');
    }
}

fn canon(value: &Value) -> Vec<u8> {
    to_canonical_bytes(value)
}

fn errors(value: &Value) -> Vec<stix_model::Problem> {
    Validator::default()
        .validate(value)
        .into_iter()
        .filter(|p| p.is_error())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_objects_validate(object in stix_object()) {
        let errors = errors(&object);
        prop_assert!(errors.is_empty(), "{}\n{errors:#?}", object);
    }

    #[test]
    fn canonicalization_is_idempotent(value in prop_oneof![stix_object(), any_json()]) {
        let once = canon(&value);
        let reparsed: Value = serde_json::from_slice(&once).unwrap();
        prop_assert_eq!(canon(&reparsed), once);
    }

    #[test]
    fn canonical_form_does_not_depend_on_how_json_is_written(
        value in prop_oneof![stix_object(), any_json()],
        a in style(),
        b in style(),
    ) {
        let text_a = Writer::render(&value, a);
        let text_b = Writer::render(&value, b);
        let parsed_a: Value = serde_json::from_str(&text_a).unwrap();
        let parsed_b: Value = serde_json::from_str(&text_b).unwrap();
        prop_assert_eq!(canon(&parsed_a), canon(&value));
        prop_assert_eq!(canon(&parsed_b), canon(&value));
        prop_assert_eq!(content_hash(&parsed_a), content_hash(&parsed_b));
    }

    #[test]
    fn stix_object_keeps_raw_text_byte_for_byte(object in stix_object(), style in style()) {
        let text = Writer::render(&object, style);
        let (parsed, _warnings) = StixObject::parse(text.as_bytes(), &Validator::default())
            .map_err(|p| TestCaseError::fail(format!("{text}\n{p:#?}")))?;
        prop_assert_eq!(parsed.raw_json(), text.as_str());
        // Whitespace around the value is not part of it.
        let padded = format!(" \n{text}\t ");
        let (parsed, _) = StixObject::parse(padded.as_bytes(), &Validator::default()).unwrap();
        prop_assert_eq!(parsed.raw_json(), text.as_str());
    }

    #[test]
    fn stix_object_canonical_form_is_that_of_the_input(object in stix_object(), style in style()) {
        let text = Writer::render(&object, style);
        let (parsed, _) = StixObject::parse(text.as_bytes(), &Validator::default()).unwrap();
        prop_assert_eq!(parsed.canonical_bytes(), canon(&object));
        prop_assert_eq!(parsed.content_hash(), content_hash(&object));
        // And what it serves canonicalizes to the same bytes again.
        let served: Value = serde_json::from_str(parsed.raw_json()).unwrap();
        prop_assert_eq!(canon(&served), canon(&object));
    }

    #[test]
    fn timestamps_keep_their_precision(object in stix_object(), style in style()) {
        let text = Writer::render(&object, style);
        let (parsed, _) = StixObject::parse(text.as_bytes(), &Validator::default()).unwrap();
        let canonical = String::from_utf8(parsed.canonical_bytes()).unwrap();
        for key in ["created", "modified", "valid_from", "first_seen"] {
            if let Some(Value::String(ts)) = object.get(key) {
                // Escapes may hide the text in the raw JSON; the parsed value must not change.
                prop_assert_eq!(parsed.get(key), Some(&Value::String(ts.clone())));
                let quoted = format!("\"{ts}\"");
                prop_assert!(canonical.contains(&quoted), "{key} {ts} in {canonical}");
            }
        }
        let common = parsed.common();
        let as_text = |t: Option<&stix_model::Timestamp>| t.map(|t| t.as_str().to_owned());
        prop_assert_eq!(
            as_text(common.created()),
            object.get("created").and_then(Value::as_str).map(str::to_owned)
        );
        prop_assert_eq!(
            as_text(common.modified()),
            object.get("modified").and_then(Value::as_str).map(str::to_owned)
        );
        prop_assert_eq!(as_text(parsed.version()), as_text(common.modified()));
    }
}
