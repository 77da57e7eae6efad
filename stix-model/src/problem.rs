//! Problems found in STIX content: each names the object, the JSON path and the rule broken.
//!
//! A validator reports every problem of an object, not only the first, so that a partner can
//! fix a rejected object in one round trip.

use std::fmt;

/// Whether a problem rejects the object (a specification MUST) or only warns (a SHOULD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The rule an object broke. Each has a stable kebab-case code (`Rule::code`) that tools can
/// match on and that the verdict corpus uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// Input is not well-formed JSON.
    Json,
    /// A STIX object must be a JSON object.
    NotAnObject,
    /// A required property is missing.
    RequiredProperty,
    /// A property has the wrong JSON type (string where a list is expected, ...).
    PropertyType,
    /// A property name breaks the naming rules (ASCII letters, digits, `_`, 3–250 characters).
    PropertyName,
    /// A property that the object's type does not allow (e.g. `modified` on a marking-definition).
    PropertyNotAllowed,
    /// Strict mode: a property that neither the specification nor a declared extension defines.
    CustomProperty,
    /// Strict mode: an object type that the specification does not define.
    CustomObject,
    /// The `type` value breaks the type-name rules.
    TypeName,
    /// An identifier is not of the form `type--UUID`.
    IdentifierFormat,
    /// The type part of `id` does not match `type`.
    IdentifierType,
    /// A reference (`*_ref`, `*_refs`) points at a type it may not point at.
    ReferenceType,
    /// A timestamp is not RFC 3339 in UTC with `Z`.
    TimestampFormat,
    /// A timestamp does not have the precision the specification requires.
    TimestampPrecision,
    /// `modified` is earlier than `created`.
    ModifiedBeforeCreated,
    /// A time window is inverted (`valid_until` ≤ `valid_from`, `last_seen` < `first_seen`, ...).
    TimeOrder,
    /// `spec_version` is not `2.1`.
    SpecVersion,
    /// A value is not in a closed vocabulary or enumeration.
    ClosedVocabulary,
    /// A value is not in an open vocabulary (a SHOULD: warning only).
    OpenVocabulary,
    /// A number is outside its allowed range (confidence 0–100, ports 0–65535, ...).
    Range,
    /// A list that must not be empty is empty.
    EmptyList,
    /// A string that must not be empty is empty.
    EmptyString,
    /// An `external_references` entry is malformed.
    ExternalReference,
    /// A `hashes` dictionary is malformed (bad key, wrong digest length for its algorithm).
    Hashes,
    /// A dictionary key breaks the key rules.
    DictionaryKey,
    /// A marking (object or granular) is malformed or a selector does not resolve.
    Marking,
    /// An indicator pattern does not parse.
    Pattern,
    /// An SCO id is not the UUIDv5 of its ID contributing properties (a SHOULD).
    DeterministicId,
    /// An `extensions` entry is malformed or not allowed here.
    Extension,
    /// Of a set of properties, at least one (or exactly one) must be present.
    PropertyCombination,
    /// A property value is malformed in a way specific to it (base64, hex, URL, MIME type, ...).
    ValueFormat,
    /// A SHOULD of the specification is not followed; the message says which.
    Recommendation,
    /// A bundle is malformed.
    Bundle,
}

impl Rule {
    /// The stable kebab-case code of the rule.
    pub fn code(self) -> &'static str {
        match self {
            Rule::Json => "json",
            Rule::NotAnObject => "not-an-object",
            Rule::RequiredProperty => "required-property",
            Rule::PropertyType => "property-type",
            Rule::PropertyName => "property-name",
            Rule::PropertyNotAllowed => "property-not-allowed",
            Rule::CustomProperty => "custom-property",
            Rule::CustomObject => "custom-object",
            Rule::TypeName => "type-name",
            Rule::IdentifierFormat => "identifier-format",
            Rule::IdentifierType => "identifier-type",
            Rule::ReferenceType => "reference-type",
            Rule::TimestampFormat => "timestamp-format",
            Rule::TimestampPrecision => "timestamp-precision",
            Rule::ModifiedBeforeCreated => "modified-before-created",
            Rule::TimeOrder => "time-order",
            Rule::SpecVersion => "spec-version",
            Rule::ClosedVocabulary => "closed-vocabulary",
            Rule::OpenVocabulary => "open-vocabulary",
            Rule::Range => "range",
            Rule::EmptyList => "empty-list",
            Rule::EmptyString => "empty-string",
            Rule::ExternalReference => "external-reference",
            Rule::Hashes => "hashes",
            Rule::DictionaryKey => "dictionary-key",
            Rule::Marking => "marking",
            Rule::Pattern => "pattern",
            Rule::DeterministicId => "deterministic-id",
            Rule::Extension => "extension",
            Rule::PropertyCombination => "property-combination",
            Rule::ValueFormat => "value-format",
            Rule::Recommendation => "recommendation",
            Rule::Bundle => "bundle",
        }
    }

    /// Every rule, for tools that list them.
    pub const ALL: &'static [Rule] = &[
        Rule::Json,
        Rule::NotAnObject,
        Rule::RequiredProperty,
        Rule::PropertyType,
        Rule::PropertyName,
        Rule::PropertyNotAllowed,
        Rule::CustomProperty,
        Rule::CustomObject,
        Rule::TypeName,
        Rule::IdentifierFormat,
        Rule::IdentifierType,
        Rule::ReferenceType,
        Rule::TimestampFormat,
        Rule::TimestampPrecision,
        Rule::ModifiedBeforeCreated,
        Rule::TimeOrder,
        Rule::SpecVersion,
        Rule::ClosedVocabulary,
        Rule::OpenVocabulary,
        Rule::Range,
        Rule::EmptyList,
        Rule::EmptyString,
        Rule::ExternalReference,
        Rule::Hashes,
        Rule::DictionaryKey,
        Rule::Marking,
        Rule::Pattern,
        Rule::DeterministicId,
        Rule::Extension,
        Rule::PropertyCombination,
        Rule::ValueFormat,
        Rule::Recommendation,
        Rule::Bundle,
    ];

    /// Looks a rule up by its code.
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|r| r.code() == code)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One problem in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// The `id` of the object at fault, when it has a readable one.
    pub object_id: Option<String>,
    /// JSON Pointer (RFC 6901) to the value at fault, relative to the object; `""` is the object.
    pub path: String,
    pub rule: Rule,
    /// What is wrong, in words a person can act on.
    pub message: String,
}

impl Problem {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    /// `object id: /path: severity: rule: message` — one line, the form `accord validate` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = self.object_id.as_deref().unwrap_or("(no id)");
        let path = if self.path.is_empty() {
            "/"
        } else {
            &self.path
        };
        write!(
            f,
            "{id}: {path}: {}: {}: {}",
            self.severity.as_str(),
            self.rule,
            self.message
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_code_round_trips() {
        for rule in Rule::ALL {
            assert_eq!(Rule::from_code(rule.code()), Some(*rule));
        }
    }

    #[test]
    fn problem_line_names_object_path_and_rule() {
        let p = Problem {
            severity: Severity::Error,
            object_id: Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".into()),
            path: "/external_references/2/url".into(),
            rule: Rule::ValueFormat,
            message: "not a URL".into(),
        };
        assert_eq!(
            p.to_string(),
            "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f: /external_references/2/url: error: value-format: not a URL"
        );
    }
}
