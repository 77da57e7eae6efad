//! Bundles (STIX 2.1 §8), read as a stream of objects in bounded memory.
//!
//! A bundle is never held whole: its top-level map is walked with serde_json's streaming
//! deserializer, and each element of `objects` is handed to the caller as raw JSON, one at a
//! time, so memory is bounded by the largest single object, not by the bundle. The reader also
//! takes a single object or a top-level JSON list of objects.
//!
//! The reader checks the bundle itself (`type`, `id`, `objects`); validating each object is the
//! caller's job, with [`crate::Validator`]. It reads from whatever [`Read`] it is given and does no
//! I/O of its own.

use std::collections::HashSet;
use std::fmt;
use std::io::{BufRead, BufReader, Cursor, Read};

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::error::StixError;
use crate::id::StixId;
use crate::json_pointer::PointerStack;
use crate::problem::{Problem, Rule, Severity};
use crate::validate::value::json_type;

/// What the top level of a document is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Decided from the document: `[` starts a list; `{` is a bundle when its `type` is
    /// `bundle`, or when an `objects` list comes before any `type`, and a single object
    /// otherwise.
    #[default]
    Auto,
    /// `{"type": "bundle", "id": ..., "objects": [...]}`.
    Bundle,
    /// One STIX object.
    Object,
    /// A JSON list of STIX objects.
    List,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Auto => "auto",
            Shape::Bundle => "bundle",
            Shape::Object => "object",
            Shape::List => "list",
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an object sits in its document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Location {
    /// The n-th element of a bundle's `objects`.
    Bundle(usize),
    /// The n-th element of a top-level list.
    List(usize),
    /// The document is the object.
    Document,
}

impl Location {
    /// The position in the list it came from; 0 for a single object.
    pub fn index(self) -> usize {
        match self {
            Location::Bundle(i) | Location::List(i) => i,
            Location::Document => 0,
        }
    }

    /// JSON Pointer of the object within its document: `/objects/3`, `/3`, or `""`.
    pub fn pointer(self) -> String {
        match self {
            Location::Bundle(i) => format!("/objects/{i}"),
            Location::List(i) => format!("/{i}"),
            Location::Document => String::new(),
        }
    }
}

/// One object of a document, as the raw JSON it came as.
#[derive(Debug)]
pub struct BundleItem {
    pub location: Location,
    pub raw: Box<RawValue>,
}

impl BundleItem {
    pub fn index(&self) -> usize {
        self.location.index()
    }

    /// Parses the object. Nesting deeper than serde_json's limit (128) is an error here.
    pub fn parse(&self) -> Result<Value, StixError> {
        // I-JSON: a duplicate property name is an error, not a silent last-one-wins.
        crate::canonical::parse_i_json(self.raw.get().as_bytes())
    }
}

/// What the reader hands to its caller, in document order.
#[derive(Debug)]
pub enum Item {
    /// An object to validate.
    Object(BundleItem),
    /// A problem of the bundle itself (rule [`Rule::Bundle`]), with paths relative to the
    /// bundle. Problems that need the whole bundle seen (a missing `id`) come last.
    Problem(Problem),
}

/// What was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleSummary {
    /// [`Shape::Bundle`], [`Shape::Object`] or [`Shape::List`]; never `Auto`.
    pub shape: Shape,
    /// The bundle's `id` when it is a string (valid or not).
    pub bundle_id: Option<String>,
    /// How many objects were handed over.
    pub objects: usize,
}

/// Leading whitespace kept to find the first token; more than this is not a document.
const MAX_LEADING_WHITESPACE: usize = 1 << 20;
const BUFFER_SIZE: usize = 1 << 16;
const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads a bundle, a single object or a list of objects from `reader`, handing each object
/// and each bundle problem to `on_item` as it is read.
///
/// Errors:
/// - [`StixError::Bundle`] when the input is not a JSON object or list at all (empty, binary,
///   a bare scalar); nothing was handed over then.
/// - [`StixError::Json`] when the JSON is malformed (the message says the line and column) or
///   the reader fails (`serde_json::Error::is_io`); the objects before the fault were handed
///   over, and so were the bundle problems found up to it.
///
/// `reader` need not be buffered.
pub fn read_stix<R: Read>(
    reader: R,
    shape: Shape,
    mut on_item: impl FnMut(Item),
) -> Result<BundleSummary, StixError> {
    let mut buffered = BufReader::with_capacity(BUFFER_SIZE, reader);
    let available = buffered.fill_buf().map_err(serde_json::Error::io)?;
    // A UTF-8 byte order mark is skipped, as RFC 8259 §8.1 lets parsers do.
    if available.starts_with(UTF8_BOM) {
        buffered.consume(UTF8_BOM.len());
    }
    let available = buffered.fill_buf().map_err(serde_json::Error::io)?;
    match available.iter().position(|b| !is_json_whitespace(*b)) {
        // The common case: the first token is in the first buffer. The reader stays a plain
        // `BufReader`, which the standard library reads byte by byte fastest.
        Some(at) => {
            let first = check_first_byte(available.get(at).copied())?;
            read_document(buffered, first, shape, &mut on_item)
        }
        None => {
            let (prefix, first) = find_first_token(&mut buffered).map_err(serde_json::Error::io)?;
            let first = check_first_byte(first)?;
            // The whitespace read on the way is given back so that serde_json's line and
            // column numbers are those of the input.
            read_document(
                Cursor::new(prefix).chain(buffered),
                first,
                shape,
                &mut on_item,
            )
        }
    }
}

fn check_first_byte(first: Option<u8>) -> Result<u8, StixError> {
    match first {
        Some(b @ (b'{' | b'[')) => Ok(b),
        Some(other) => Err(StixError::Bundle(format!(
            "not a STIX document: expected a JSON object or list, found {}",
            describe_byte(other)
        ))),
        None => Err(StixError::Bundle(
            "not a STIX document: the input is empty".into(),
        )),
    }
}

/// Reads the document whose first token, `first`, is `{` or `[`.
fn read_document<I: Read, F: FnMut(Item)>(
    input: I,
    first: u8,
    shape: Shape,
    on_item: &mut F,
) -> Result<BundleSummary, StixError> {
    let mut de = serde_json::Deserializer::from_reader(input);

    if shape == Shape::Object {
        let raw = Box::<RawValue>::deserialize(&mut de)?;
        de.end()?;
        on_item(Item::Object(BundleItem {
            location: Location::Document,
            raw,
        }));
        return Ok(BundleSummary {
            shape: Shape::Object,
            bundle_id: None,
            objects: 1,
        });
    }

    let mut state = State {
        requested: shape,
        on_item,
        objects: 0,
        type_seen: TypeSeen::Unseen,
        objects_seen: ObjectsSeen::Absent,
        entries: Vec::new(),
        keys: HashSet::new(),
        duplicates: Vec::new(),
    };
    let result = if first == b'[' {
        if shape == Shape::Bundle {
            (state.on_item)(Item::Problem(bundle_problem(
                None,
                "",
                Severity::Error,
                "expected a bundle, found a JSON list; its elements are read as objects",
            )));
        }
        de::Deserializer::deserialize_seq(&mut de, ListVisitor { state: &mut state })
            .and_then(|()| de.end())
    } else {
        if shape == Shape::List {
            (state.on_item)(Item::Problem(bundle_problem(
                None,
                "",
                Severity::Error,
                "expected a JSON list of objects, found a JSON object",
            )));
        }
        de::Deserializer::deserialize_map(&mut de, MapVisitor { state: &mut state })
            .and_then(|()| de.end())
    };

    let complete = result.is_ok();
    let read_as = if first == b'[' {
        Shape::List
    } else if state.is_bundle() {
        Shape::Bundle
    } else {
        Shape::Object
    };
    let bundle_id = if read_as == Shape::Bundle {
        state.finish_bundle(complete)
    } else {
        None
    };
    if let Err(err) = result {
        return Err(err.into());
    }
    if read_as == Shape::Object {
        let raw = state.single_object()?;
        (state.on_item)(Item::Object(BundleItem {
            location: Location::Document,
            raw,
        }));
        state.objects = 1;
    }
    Ok(BundleSummary {
        shape: read_as,
        bundle_id,
        objects: state.objects,
    })
}

/// Reads a bundle (or a single object, or a list: see [`Shape::Auto`]), handing each object
/// to `on_object` and collecting the bundle's own problems into the result.
///
/// On malformed JSON the bundle problems found so far are dropped with the summary; use
/// [`read_stix`] to keep them.
pub fn read_bundle<R: Read>(
    reader: R,
    mut on_object: impl FnMut(BundleItem),
) -> Result<(BundleSummary, Vec<Problem>), StixError> {
    let mut problems = Vec::new();
    let summary = read_stix(reader, Shape::Auto, |item| match item {
        Item::Object(object) => on_object(object),
        Item::Problem(problem) => problems.push(problem),
    })?;
    Ok((summary, problems))
}

/// Finds the first byte that is not JSON whitespace, without consuming it. Returns the
/// whitespace read on the way.
fn find_first_token<R: Read>(reader: &mut BufReader<R>) -> std::io::Result<(Vec<u8>, Option<u8>)> {
    let mut prefix = Vec::new();
    loop {
        let available = reader.fill_buf()?;
        if available.is_empty() {
            return Ok((prefix, None));
        }
        match available.iter().position(|b| !is_json_whitespace(*b)) {
            Some(at) => {
                let first = available.get(at).copied();
                prefix.extend_from_slice(available.get(..at).unwrap_or_default());
                reader.consume(at);
                return Ok((prefix, first));
            }
            None => {
                let len = available.len();
                prefix.extend_from_slice(available);
                reader.consume(len);
                if prefix.len() > MAX_LEADING_WHITESPACE {
                    return Ok((Vec::new(), None));
                }
            }
        }
    }
}

fn is_json_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn describe_byte(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("{:?}", char::from(b))
    } else {
        format!("byte 0x{b:02x}")
    }
}

fn bundle_problem(id: Option<&str>, path: &str, severity: Severity, message: &str) -> Problem {
    Problem {
        severity,
        object_id: id.map(str::to_owned),
        path: path.to_owned(),
        rule: Rule::Bundle,
        message: message.to_owned(),
    }
}

/// What the top-level `type` said, as far as it has been read.
enum TypeSeen {
    Unseen,
    Bundle,
    Other(Value),
}

/// What the top-level `objects` was, as far as it has been read.
enum ObjectsSeen {
    Absent,
    /// A list, whose elements went to the caller.
    Streamed {
        len: usize,
    },
    /// Not a list (kept in `entries` too, in case the document is a single object).
    NotAList(&'static str),
}

struct State<'f, F> {
    requested: Shape,
    on_item: &'f mut F,
    objects: usize,
    type_seen: TypeSeen,
    objects_seen: ObjectsSeen,
    /// Top-level members other than a streamed `objects`, as they came: the bundle's own
    /// properties, or the whole object when the document turns out to be one.
    entries: Vec<(String, Box<RawValue>)>,
    keys: HashSet<String>,
    duplicates: Vec<String>,
}

impl<F: FnMut(Item)> State<'_, F> {
    fn is_bundle(&self) -> bool {
        self.requested == Shape::Bundle
            || matches!(self.type_seen, TypeSeen::Bundle)
            || matches!(self.objects_seen, ObjectsSeen::Streamed { .. })
    }

    /// Whether an `objects` member met now is streamed as a bundle's.
    fn streams_objects(&self) -> bool {
        match self.requested {
            Shape::Bundle => true,
            Shape::Object => false,
            Shape::Auto | Shape::List => !matches!(self.type_seen, TypeSeen::Other(_)),
        }
    }

    fn entry(&self, key: &str) -> Option<Value> {
        self.entries
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, raw)| serde_json::from_str(raw.get()).ok())
    }

    /// Checks the bundle's own properties and hands the problems over. When the document
    /// was cut short by malformed JSON, what is missing may just not have been reached, so
    /// only what was read is judged. Returns the bundle id.
    fn finish_bundle(&mut self, complete: bool) -> Option<String> {
        let id_value = self.entry("id");
        let bundle_id = match &id_value {
            Some(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        let id = bundle_id.as_deref();
        let mut problems = Vec::new();
        let mut error = |path: &str, message: String| {
            problems.push(bundle_problem(id, path, Severity::Error, &message));
        };

        match &self.type_seen {
            TypeSeen::Bundle => {}
            TypeSeen::Unseen if complete => {
                error("/type", "required property type is missing".into());
            }
            TypeSeen::Unseen => {}
            TypeSeen::Other(value) => {
                let streamed = matches!(self.objects_seen, ObjectsSeen::Streamed { .. });
                let message = match value {
                    Value::String(t) if streamed && self.requested != Shape::Bundle => format!(
                        "type is {t:?}, not \"bundle\", but the objects list came before type so it was read as a bundle; read the document as a single object to validate it as one"
                    ),
                    Value::String(t) => format!("type must be \"bundle\", not {t:?}"),
                    other => format!(
                        "type must be the string \"bundle\", not {}",
                        json_type(other)
                    ),
                };
                error("/type", message);
            }
        }

        match &id_value {
            None if complete => error("/id", "required property id is missing".into()),
            None => {}
            Some(Value::String(s)) => match StixId::check(s) {
                Err(fault) => error("/id", format!("{s:?}: {fault}")),
                Ok(split) if s.get(..split) != Some("bundle") => error(
                    "/id",
                    format!("{s:?}: a bundle id must be of the form bundle--UUID"),
                ),
                Ok(_) => {}
            },
            Some(other) => error(
                "/id",
                format!("id must be a string, not {}", json_type(other)),
            ),
        }

        match self.objects_seen {
            ObjectsSeen::Absent => {}
            // A list that was cut short is not known to be empty.
            ObjectsSeen::Streamed { len: 0 } if complete => error(
                "/objects",
                "objects must not be empty when present (it is a list of one or more objects)"
                    .into(),
            ),
            ObjectsSeen::Streamed { .. } => {}
            ObjectsSeen::NotAList(found) => error(
                "/objects",
                format!("objects must be a list of objects, not {found}"),
            ),
        }

        for key in &self.duplicates {
            let path = PointerStack::new().render_with(key);
            error(
                &path,
                format!("{key} appears more than once; which one counts is ambiguous"),
            );
        }

        if self.keys.contains("spec_version") {
            problems.push(bundle_problem(
                id,
                "/spec_version",
                Severity::Warning,
                "spec_version is not a property of STIX 2.1 bundles (it was one in STIX 2.0); each object carries its own",
            ));
        }

        for problem in problems {
            (self.on_item)(Item::Problem(problem));
        }
        bundle_id
    }

    /// The document as one object, rebuilt from its members as they came (the whitespace
    /// between members aside).
    fn single_object(&mut self) -> Result<Box<RawValue>, StixError> {
        let size: usize = self
            .entries
            .iter()
            .map(|(k, v)| k.len() + v.get().len() + 4)
            .sum();
        let mut json = String::with_capacity(size + 2);
        json.push('{');
        for (i, (key, value)) in self.entries.iter().enumerate() {
            if i > 0 {
                json.push(',');
            }
            json.push_str(&serde_json::to_string(key)?);
            json.push(':');
            json.push_str(value.get());
        }
        json.push('}');
        self.entries.clear();
        Ok(RawValue::from_string(json)?)
    }
}

/// The top-level map: a bundle or a single object.
struct MapVisitor<'s, 'f, F> {
    state: &'s mut State<'f, F>,
}

impl<'de, F: FnMut(Item)> Visitor<'de> for MapVisitor<'_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a STIX bundle or object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let state = self.state;
        while let Some(key) = map.next_key::<String>()? {
            if !state.keys.insert(key.clone()) {
                state.duplicates.push(key.clone());
            }
            if key == "objects" && state.streams_objects() {
                let seen = map.next_value_seed(ObjectsSeed { state: &mut *state })?;
                if let ObjectsValue::Other(value) = seen {
                    state.objects_seen = ObjectsSeen::NotAList(json_type(&value));
                    let raw = serde_json::value::to_raw_value(&value).map_err(de::Error::custom)?;
                    state.entries.push((key, raw));
                } else if let ObjectsValue::Streamed(len) = seen {
                    state.objects_seen = ObjectsSeen::Streamed { len };
                }
                continue;
            }
            let raw: Box<RawValue> = map.next_value()?;
            if key == "type" {
                state.type_seen = match serde_json::from_str::<Value>(raw.get()) {
                    Ok(Value::String(t)) if t == "bundle" => TypeSeen::Bundle,
                    Ok(other) => TypeSeen::Other(other),
                    Err(err) => return Err(de::Error::custom(err)),
                };
            } else if key == "objects" {
                // Not streamed: the document is a single object whose `objects` is its own.
                if !raw.get().starts_with('[') {
                    state.objects_seen = ObjectsSeen::NotAList(raw_json_type(raw.get()));
                }
            }
            state.entries.push((key, raw));
        }
        Ok(())
    }
}

fn raw_json_type(raw: &str) -> &'static str {
    match raw.as_bytes().first() {
        Some(b'{') => "an object",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        Some(b'n') => "null",
        Some(b'[') => "a list",
        _ => "a number",
    }
}

/// A top-level list of objects.
struct ListVisitor<'s, 'f, F> {
    state: &'s mut State<'f, F>,
}

impl<'de, F: FnMut(Item)> Visitor<'de> for ListVisitor<'_, '_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<(), A::Error> {
        stream_elements(self.state, seq, Location::List).map(|_| ())
    }
}

/// Hands each element of a list to the caller as it is read; never collects the list.
fn stream_elements<'de, A: SeqAccess<'de>, F: FnMut(Item)>(
    state: &mut State<'_, F>,
    mut seq: A,
    location: fn(usize) -> Location,
) -> Result<usize, A::Error> {
    let mut len = 0;
    while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
        (state.on_item)(Item::Object(BundleItem {
            location: location(len),
            raw,
        }));
        len += 1;
        state.objects += 1;
    }
    Ok(len)
}

/// The value of a bundle's `objects`: streamed when it is a list, kept otherwise so that it
/// can be reported (or be part of a single object after all).
enum ObjectsValue {
    Streamed(usize),
    Other(Value),
}

struct ObjectsSeed<'s, 'f, F> {
    state: &'s mut State<'f, F>,
}

impl<'de, F: FnMut(Item)> DeserializeSeed<'de> for ObjectsSeed<'_, '_, F> {
    type Value = ObjectsValue;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<ObjectsValue, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(Item)> Visitor<'de> for ObjectsSeed<'_, '_, F> {
    type Value = ObjectsValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of STIX objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<ObjectsValue, A::Error> {
        stream_elements(self.state, seq, Location::Bundle).map(ObjectsValue::Streamed)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<ObjectsValue, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(ObjectsValue::Other)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<ObjectsValue, E> {
        Ok(ObjectsValue::Other(Value::String(v.to_owned())))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<ObjectsValue, E> {
        Ok(ObjectsValue::Other(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<ObjectsValue, E> {
        Ok(ObjectsValue::Other(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<ObjectsValue, E> {
        Ok(ObjectsValue::Other(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<ObjectsValue, E> {
        Ok(ObjectsValue::Other(Value::from(v)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<ObjectsValue, E> {
        Ok(ObjectsValue::Other(Value::Null))
    }
}
