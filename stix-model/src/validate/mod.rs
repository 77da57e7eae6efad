//! Validation of STIX 2.1 objects against the specification's MUSTs (errors) and SHOULDs
//! (warnings). The rules themselves live in `crate::spec` as data; this module walks objects
//! against them and reports every problem with the object id, JSON path and rule.

mod formats;
mod object;
pub(crate) mod value;

pub use formats::{is_base64, is_dictionary_key, is_hex, is_property_name, is_url};

use serde_json::{Map, Value};

use crate::json_pointer::{PointerStack, Segment};
use crate::problem::{Problem, Rule, Severity};

/// How to treat content the specification does not define.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CustomContent {
    /// Custom objects, properties and extensions are accepted and kept as they came.
    #[default]
    Lenient,
    /// Anything not defined by the specification or by a declared extension-definition is an
    /// error.
    Strict,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    pub custom: CustomContent,
}

impl Options {
    pub fn strict() -> Options {
        Options {
            custom: CustomContent::Strict,
        }
    }

    pub fn is_strict(&self) -> bool {
        self.custom == CustomContent::Strict
    }
}

/// Validates objects. Cheap to build and to share.
#[derive(Debug, Clone, Copy, Default)]
pub struct Validator {
    options: Options,
}

impl Validator {
    pub fn new(options: Options) -> Validator {
        Validator { options }
    }

    pub fn options(&self) -> &Options {
        &self.options
    }

    /// Every problem of one object (errors and warnings), in the order found.
    pub fn validate(&self, value: &Value) -> Vec<Problem> {
        let mut problems = Vec::new();
        match value {
            Value::Object(map) => {
                let mut ctx = Ctx::new(&self.options, map, &mut problems);
                object::validate_object(map, &mut ctx);
            }
            _ => problems.push(Problem {
                severity: Severity::Error,
                object_id: None,
                path: String::new(),
                rule: Rule::NotAnObject,
                message: "a STIX object must be a JSON object".into(),
            }),
        }
        problems
    }

    /// Whether an object has no errors (warnings allowed).
    pub fn is_valid(&self, value: &Value) -> bool {
        !self.validate(value).iter().any(Problem::is_error)
    }
}

/// The state of one object's walk: where we are and what was found.
pub struct Ctx<'a> {
    pub options: &'a Options,
    /// The object being validated, for checks that look across properties (granular
    /// selectors, references).
    pub root: &'a Map<String, Value>,
    object_id: Option<&'a str>,
    path: PointerStack,
    problems: &'a mut Vec<Problem>,
    /// Set when the object declares a toplevel-property-extension: unknown top-level
    /// properties then belong to it and are not custom properties.
    pub(crate) toplevel_extension: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(
        options: &'a Options,
        root: &'a Map<String, Value>,
        problems: &'a mut Vec<Problem>,
    ) -> Ctx<'a> {
        let object_id = root.get("id").and_then(Value::as_str);
        Ctx {
            options,
            root,
            object_id,
            path: PointerStack::new(),
            problems,
            toplevel_extension: false,
        }
    }

    /// Runs `f` with `key` appended to the path.
    pub fn at<R>(&mut self, key: &'static str, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(Segment::Key(key));
        let r = f(self);
        self.path.pop();
        r
    }

    /// Runs `f` with a key taken from the document appended to the path.
    pub fn at_owned<R>(&mut self, key: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(Segment::Owned(key.to_owned()));
        let r = f(self);
        self.path.pop();
        r
    }

    /// Runs `f` with a list index appended to the path.
    pub fn at_index<R>(&mut self, index: usize, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(Segment::Index(index));
        let r = f(self);
        self.path.pop();
        r
    }

    /// Reports an error at the current path.
    pub fn error(&mut self, rule: Rule, message: impl Into<String>) {
        self.report(Severity::Error, rule, None, message.into());
    }

    /// Reports a warning at the current path.
    pub fn warn(&mut self, rule: Rule, message: impl Into<String>) {
        self.report(Severity::Warning, rule, None, message.into());
    }

    /// Reports an error at a child key of the current path.
    pub fn error_at(&mut self, key: &str, rule: Rule, message: impl Into<String>) {
        self.report(Severity::Error, rule, Some(key), message.into());
    }

    /// Reports a warning at a child key of the current path.
    pub fn warn_at(&mut self, key: &str, rule: Rule, message: impl Into<String>) {
        self.report(Severity::Warning, rule, Some(key), message.into());
    }

    fn report(&mut self, severity: Severity, rule: Rule, key: Option<&str>, message: String) {
        let path = match key {
            Some(key) => self.path.render_with(key),
            None => self.path.render(),
        };
        self.problems.push(Problem {
            severity,
            object_id: self.object_id.map(str::to_owned),
            path,
            rule,
            message,
        });
    }

    /// Whether any error has been reported so far for this object.
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(Problem::is_error)
    }

    /// The `type` of the object being validated.
    pub fn object_type(&self) -> Option<&'a str> {
        self.root.get("type").and_then(Value::as_str)
    }
}

#[cfg(test)]
mod tests;
