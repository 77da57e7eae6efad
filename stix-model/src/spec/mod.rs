//! What each STIX 2.1 type is: its properties, their kinds, which are required, which types
//! each reference may point at, its vocabularies, extensions and the checks specific to it.
//!
//! The specification is written down here as data (`TypeSpec`), one file per family of types,
//! and the validator (`crate::validate`) walks objects against it. Adding a type is adding a
//! `TypeSpec`; the walker does not change.

pub mod common;
pub mod meta;
pub mod sco;
pub mod sco_extensions;
pub mod sco_vocab;
pub mod sdo;
pub mod sro;
pub mod vocab;

use serde_json::{Map, Value};

use crate::validate::Ctx;

/// The family a type belongs to; it decides the common properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// STIX Domain Object.
    Sdo,
    /// STIX Relationship Object.
    Sro,
    /// STIX Cyber-observable Object.
    Sco,
    /// Language content, marking definition, extension definition.
    Meta,
}

/// A vocabulary: closed (an enumeration; other values are errors) or open (other values are
/// allowed but draw a warning).
#[derive(Debug)]
pub struct Vocab {
    pub name: &'static str,
    pub values: &'static [&'static str],
    pub open: bool,
}

impl Vocab {
    pub fn contains(&self, value: &str) -> bool {
        self.values.contains(&value)
    }
}

/// A check specific to one type or extension, run after its properties have been walked.
/// It receives the object (or extension) map and reports through the context.
pub type Check = fn(&Map<String, Value>, &mut Ctx<'_>);

/// The kind of value a property holds.
#[derive(Debug)]
pub enum Prop {
    /// Any JSON value.
    Any,
    /// A string (may be empty unless `NonEmptyString`).
    String,
    /// A string that must not be empty.
    NonEmptyString,
    Boolean,
    /// An integer, optionally bounded (inclusive).
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// A JSON number.
    Float {
        min: Option<f64>,
        max: Option<f64>,
    },
    /// A STIX timestamp.
    Timestamp,
    /// An identifier; `types` lists the types it may point at (empty: any type). A name ending
    /// in `*` matches a prefix (`x-*`), `<sco>` matches any cyber-observable type, `<sdo>`
    /// any domain object type and `<custom>` any type the specification does not define.
    Identifier {
        types: &'static [&'static str],
    },
    /// A fixed value (e.g. `spec_version` "2.1", `type` on a nested object).
    Literal(&'static str),
    /// Base64-encoded binary.
    Binary,
    /// Hexadecimal string.
    Hex,
    /// A URL.
    Url,
    /// A string from a vocabulary.
    Vocab(&'static Vocab),
    /// A `hashes` dictionary (hash algorithm → digest).
    Hashes,
    /// A dictionary: keys follow the dictionary key rules, values are anything.
    Dictionary,
    /// A dictionary whose values all have one kind.
    DictionaryOf(&'static Prop),
    /// A kill chain phase `{kill_chain_name, phase_name}`.
    KillChainPhase,
    /// An external reference.
    ExternalReference,
    /// A granular marking `{selectors, marking_ref | lang}`.
    GranularMarking,
    /// The `extensions` dictionary; entries are checked against the type's extension specs.
    Extensions,
    /// A nested object of fixed shape.
    Object(&'static [PropSpec]),
    /// A list of values of one kind; must not be empty.
    List(&'static Prop),
    /// A value checked by a dedicated function, called with the value.
    Custom(fn(&Value, &mut Ctx<'_>)),
}

/// One property of a type.
#[derive(Debug)]
pub struct PropSpec {
    pub name: &'static str,
    pub prop: Prop,
    pub required: bool,
}

/// A required property.
pub const fn req(name: &'static str, prop: Prop) -> PropSpec {
    PropSpec {
        name,
        prop,
        required: true,
    }
}

/// An optional property.
pub const fn opt(name: &'static str, prop: Prop) -> PropSpec {
    PropSpec {
        name,
        prop,
        required: false,
    }
}

/// A predefined extension (e.g. `archive-ext` on `file`).
#[derive(Debug)]
pub struct ExtensionSpec {
    pub name: &'static str,
    pub properties: &'static [PropSpec],
    pub checks: &'static [Check],
}

/// One STIX type.
#[derive(Debug)]
pub struct TypeSpec {
    pub name: &'static str,
    pub category: Category,
    /// Properties specific to this type (the common ones come from the category).
    pub properties: &'static [PropSpec],
    /// Common properties this type does not allow (e.g. `modified` on marking-definition).
    pub forbidden_common: &'static [&'static str],
    /// Checks run after the properties have been walked.
    pub checks: &'static [Check],
    /// SCOs: the ID contributing properties for the deterministic UUIDv5 id.
    pub id_contributing: &'static [&'static str],
    /// Predefined extensions this type may carry.
    pub extensions: &'static [ExtensionSpec],
}

impl TypeSpec {
    /// A spec with no properties, checks or extensions, to be filled by struct update syntax.
    pub const fn new(name: &'static str, category: Category) -> TypeSpec {
        TypeSpec {
            name,
            category,
            properties: &[],
            forbidden_common: &[],
            checks: &[],
            id_contributing: &[],
            extensions: &[],
        }
    }

    pub fn property(&self, name: &str) -> Option<&'static PropSpec> {
        let props: &'static [PropSpec] = self.properties;
        props.iter().find(|p| p.name == name)
    }

    pub fn extension(&self, name: &str) -> Option<&'static ExtensionSpec> {
        let exts: &'static [ExtensionSpec] = self.extensions;
        exts.iter().find(|e| e.name == name)
    }
}

/// Every type the specification defines.
pub fn all_types() -> impl Iterator<Item = &'static TypeSpec> {
    sdo::TYPES
        .iter()
        .chain(sro::TYPES)
        .chain(sco::TYPES)
        .chain(meta::TYPES)
}

/// The spec of a type defined by STIX 2.1, or `None` for custom types.
pub fn lookup(type_name: &str) -> Option<&'static TypeSpec> {
    all_types().find(|t| t.name == type_name)
}

/// Whether a type name is one of the STIX 2.1 cyber-observable types.
pub fn is_sco(type_name: &str) -> bool {
    sco::TYPES.iter().any(|t| t.name == type_name)
}

/// Whether a type name is one of the STIX 2.1 domain object types.
pub fn is_sdo(type_name: &str) -> bool {
    sdo::TYPES.iter().any(|t| t.name == type_name)
}
