//! The STIX patterning language (STIX 2.1 §9).
//!
//! [`parse`] turns a pattern into a typed [`Pattern`] tree or a [`PatternError`] that points
//! at the offending token. Beyond the grammar (the OASIS `STIXPattern.g4`), it enforces the
//! rules of §9 that the OASIS validators check and a few more MUSTs of the specification:
//!
//! - constants are well formed: `\'` and `\\` are the only string escapes, hex has an even
//!   number of digits, binary is padded base64, timestamps are real instants (no 30 February),
//!   integers fit 54 bits and positive numbers carry no `+` (§9.2, §2.10);
//! - object types are valid type names and the first property a valid property name (§9.7,
//!   §3.1), as the OASIS `stix2-validator` requires of indicator patterns;
//! - an observation expression has at most one qualifier of each kind, `WITHIN` and `REPEATS`
//!   are positive, `STOP` is after `START` (§9.5.1);
//! - the operands of `AND` inside `[...]` can be satisfied by one object type (§9.5);
//! - an `IN` set holds constants of one type, `ISSUBSET`/`ISSUPERSET` take an IP address or
//!   CIDR range, a list index is not negative (§9.6.1, §9.7.2);
//! - a value compared with `hashes.<algorithm>` is a digest of that algorithm's form (as the
//!   OASIS pattern validator checks).
//!
//! Nesting of brackets and parentheses is limited to [`MAX_DEPTH`] levels; parsing is linear
//! in the input (one token of lookahead, no backtracking). `Display` on the tree prints a
//! pattern that parses back to the same tree.

pub mod ast;
mod display;
mod lexer;
mod literal;
mod parser;

use std::fmt;

pub use ast::{
    CompareOp, Comparison, ComparisonExpr, Constant, ObjectPath, ObservationExpr, PathStep,
    Pattern, Qualifier, QualifierKind, Test,
};
pub use literal::MAX_SAFE_INTEGER;

/// How many brackets and parentheses may be nested.
pub const MAX_DEPTH: usize = 64;

/// A pattern that does not parse, with the offending position.
///
/// Displays as `at offset 14 near "AND": expected ']' ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Byte offset of the offending token in the pattern.
    pub offset: usize,
    /// What is wrong, for a person.
    pub message: String,
    /// The offending token as written (shortened when long); empty at the end of the input.
    pub token: String,
    /// What the grammar would have accepted at `offset`, when the error is a syntax error.
    pub expected: Vec<String>,
}

/// Longest token text quoted in an error.
const TOKEN_EXCERPT_CHARS: usize = 40;

impl PatternError {
    pub(crate) fn new(
        text: &str,
        start: usize,
        end: usize,
        message: String,
        expected: Vec<String>,
    ) -> PatternError {
        let written = text.get(start..end).unwrap_or("");
        let mut token: String = written.chars().take(TOKEN_EXCERPT_CHARS).collect();
        if token.len() < written.len() {
            token.push('…');
        }
        PatternError {
            offset: start,
            message,
            token,
            expected,
        }
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.token.is_empty() {
            write!(
                f,
                "at offset {} (end of pattern): {}",
                self.offset, self.message
            )
        } else {
            write!(
                f,
                "at offset {} near {:?}: {}",
                self.offset, self.token, self.message
            )
        }
    }
}

impl std::error::Error for PatternError {}

/// Parses a STIX 2.1 pattern.
pub fn parse(text: &str) -> Result<Pattern, PatternError> {
    parser::Parser::new(text)?.parse_pattern()
}

impl std::str::FromStr for Pattern {
    type Err = PatternError;

    fn from_str(text: &str) -> Result<Pattern, PatternError> {
        parse(text)
    }
}
