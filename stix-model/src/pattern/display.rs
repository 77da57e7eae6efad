//! Printing a pattern back to text that parses to the same tree.
//!
//! Parentheses are printed exactly where the tree needs them: around an operand whose
//! operator binds no tighter than its parent's (so a nested chain of the same operator keeps
//! its grouping), and around anything but a plain `[...]` that carries qualifiers.

use std::fmt::{self, Display, Formatter, Write};

use super::ast::{
    Comparison, ComparisonExpr, Constant, ObjectPath, ObservationExpr, PathStep, Pattern,
    Qualifier, Test,
};
use super::lexer::is_reserved_word;
use super::literal::{MAX_SAFE_INTEGER, encode_base64};

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.expression.fmt(f)
    }
}

fn observation_precedence(e: &ObservationExpr) -> u8 {
    match e {
        ObservationExpr::FollowedBy(_) => 1,
        ObservationExpr::Or(_) => 2,
        ObservationExpr::And(_) => 3,
        ObservationExpr::Qualified { .. } => 4,
        ObservationExpr::Observation(_) => 5,
    }
}

fn write_observation_operand(
    f: &mut Formatter<'_>,
    e: &ObservationExpr,
    parent: u8,
) -> fmt::Result {
    if observation_precedence(e) <= parent {
        write!(f, "({e})")
    } else {
        e.fmt(f)
    }
}

fn write_observation_chain(
    f: &mut Formatter<'_>,
    operands: &[ObservationExpr],
    operator: &str,
    precedence: u8,
) -> fmt::Result {
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            write!(f, " {operator} ")?;
        }
        write_observation_operand(f, operand, precedence)?;
    }
    Ok(())
}

impl Display for ObservationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ObservationExpr::Observation(c) => write!(f, "[{c}]"),
            ObservationExpr::And(v) => write_observation_chain(f, v, "AND", 3),
            ObservationExpr::Or(v) => write_observation_chain(f, v, "OR", 2),
            ObservationExpr::FollowedBy(v) => write_observation_chain(f, v, "FOLLOWEDBY", 1),
            ObservationExpr::Qualified { expr, qualifiers } => {
                write_observation_operand(f, expr, 4)?;
                for q in qualifiers {
                    write!(f, " {q}")?;
                }
                Ok(())
            }
        }
    }
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(seconds) => {
                f.write_str("WITHIN ")?;
                write_number(f, *seconds)?;
                f.write_str(" SECONDS")
            }
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop { start, stop } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

/// A WITHIN value: whole numbers in the integer range print as integers, the rest as floats.
fn write_number(f: &mut Formatter<'_>, value: f64) -> fmt::Result {
    if value.fract() == 0.0 && value.abs() <= MAX_SAFE_INTEGER as f64 {
        write!(f, "{}", value as i64)
    } else {
        write_float(f, value)
    }
}

/// Rust prints floats without an exponent; a whole float gets `.0` so it reads back as a float.
fn write_float(f: &mut Formatter<'_>, value: f64) -> fmt::Result {
    if value.fract() == 0.0 {
        write!(f, "{value}.0")
    } else {
        write!(f, "{value}")
    }
}

fn comparison_precedence(e: &ComparisonExpr) -> u8 {
    match e {
        ComparisonExpr::Or(_) => 1,
        ComparisonExpr::And(_) => 2,
        ComparisonExpr::Comparison(_) => 3,
    }
}

fn write_comparison_chain(
    f: &mut Formatter<'_>,
    operands: &[ComparisonExpr],
    operator: &str,
    precedence: u8,
) -> fmt::Result {
    for (i, operand) in operands.iter().enumerate() {
        if i > 0 {
            write!(f, " {operator} ")?;
        }
        if comparison_precedence(operand) <= precedence {
            write!(f, "({operand})")?;
        } else {
            operand.fmt(f)?;
        }
    }
    Ok(())
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            ComparisonExpr::Comparison(c) => c.fmt(f),
            ComparisonExpr::And(v) => write_comparison_chain(f, v, "AND", 2),
            ComparisonExpr::Or(v) => write_comparison_chain(f, v, "OR", 1),
        }
    }
}

impl Display for Comparison {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        let path = &self.path;
        match &self.test {
            Test::Exists => write!(f, "{not}EXISTS {path}"),
            Test::Compare(op, c) => write!(f, "{path} {not}{} {c}", op.as_str()),
            Test::In(set) => {
                write!(f, "{path} {not}IN (")?;
                for (i, c) in set.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    c.fmt(f)?;
                }
                f.write_str(")")
            }
            Test::Like(s) => write!(f, "{path} {not}LIKE {}", Quoted(s)),
            Test::Matches(s) => write!(f, "{path} {not}MATCHES {}", Quoted(s)),
            Test::IsSubset(s) => write!(f, "{path} {not}ISSUBSET {}", Quoted(s)),
            Test::IsSuperset(s) => write!(f, "{path} {not}ISSUPERSET {}", Quoted(s)),
        }
    }
}

/// A string constant with `'` and `\` escaped.
struct Quoted<'a>(&'a str);

impl Display for Quoted<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('\'')?;
        for part in self.0.split_inclusive(['\'', '\\']) {
            match part.char_indices().last() {
                Some((i, c @ ('\'' | '\\'))) => {
                    f.write_str(part.get(..i).unwrap_or(""))?;
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                _ => f.write_str(part)?,
            }
        }
        f.write_char('\'')
    }
}

/// A property name or key: bare when the grammar reads it back as the same identifier.
fn write_name(f: &mut Formatter<'_>, name: &str) -> fmt::Result {
    let mut bytes = name.bytes();
    let bare = bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !is_reserved_word(name);
    if bare {
        f.write_str(name)
    } else {
        Quoted(name).fmt(f)
    }
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        write_name(f, &self.property)?;
        for step in &self.steps {
            match step {
                PathStep::Key(k) => {
                    f.write_char('.')?;
                    write_name(f, k)?;
                }
                PathStep::Index(i) => write!(f, "[{i}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl Display for Constant {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Constant::String(s) => Quoted(s).fmt(f),
            Constant::Integer(i) => write!(f, "{i}"),
            Constant::Float(x) => write_float(f, *x),
            Constant::Boolean(b) => write!(f, "{b}"),
            Constant::Binary(bytes) => {
                f.write_str("b'")?;
                encode_base64(f, bytes)?;
                f.write_char('\'')
            }
            Constant::Hex(bytes) => {
                f.write_str("h'")?;
                for b in bytes {
                    write!(f, "{b:02x}")?;
                }
                f.write_char('\'')
            }
            Constant::Timestamp(t) => write!(f, "t'{t}'"),
        }
    }
}
