//! JSON Pointers (RFC 6901) built up while walking an object, rendered only when a problem is
//! reported so that the happy path allocates nothing.

use std::fmt::Write as _;

#[derive(Debug, Clone)]
pub enum Segment {
    /// A property name from the specification.
    Key(&'static str),
    /// A key taken from the document (dictionary keys, extension names).
    Owned(String),
    Index(usize),
}

/// A path being walked: a stack of segments borrowed from the document.
#[derive(Debug, Default, Clone)]
pub struct PointerStack {
    segments: Vec<Segment>,
}

impl PointerStack {
    pub fn new() -> Self {
        Self {
            segments: Vec::new(),
        }
    }

    pub fn push(&mut self, segment: Segment) {
        self.segments.push(segment);
    }

    pub fn pop(&mut self) {
        self.segments.pop();
    }

    /// Renders the pointer, e.g. `/external_references/2/url`; the root is `""`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Key(key) => escape_into(&mut out, key),
                Segment::Owned(key) => escape_into(&mut out, key),
                Segment::Index(i) => {
                    let _ = write!(out, "{i}");
                }
            }
        }
        out
    }

    /// Renders the pointer with one more key appended, without pushing it.
    pub fn render_with(&self, key: &str) -> String {
        let mut out = self.render();
        out.push('/');
        escape_into(&mut out, key);
        out
    }
}

/// RFC 6901 §3: `~` is written `~0` and `/` is written `~1`.
fn escape_into(out: &mut String, key: &str) {
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_pointer_is_empty() {
        assert_eq!(PointerStack::new().render(), "");
    }

    #[test]
    fn pointer_joins_keys_and_indices() {
        let mut p = PointerStack::new();
        p.push(Segment::Key("external_references"));
        p.push(Segment::Index(2));
        p.push(Segment::Key("url"));
        assert_eq!(p.render(), "/external_references/2/url");
        p.pop();
        assert_eq!(
            p.render_with("source_name"),
            "/external_references/2/source_name"
        );
    }

    #[test]
    fn pointer_escapes_tilde_and_slash() {
        let mut p = PointerStack::new();
        p.push(Segment::Owned("a/b~c".into()));
        assert_eq!(p.render(), "/a~1b~0c");
    }
}
