//! The typed syntax tree of a STIX pattern (STIX 2.1 §9).
//!
//! Operator chains are n-ary (`a AND b AND c` is one `And` with three operands), so a pattern
//! of thousands of ORed observations is flat, not thousands of levels deep. Parentheses are
//! not stored: they are implied by the tree, and `Display` prints the ones the tree needs.
//! Invariants the parser guarantees (and `Display` relies on for a faithful round trip):
//! `And`/`Or`/`FollowedBy` have at least two operands, `Qualified` has at least one qualifier.

use crate::timestamp::Timestamp;

/// A parsed STIX pattern: one observation expression, possibly compound.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    pub expression: ObservationExpr,
}

/// An observation expression (§9.5): `[...]`, observation operators, and qualifiers.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationExpr {
    /// `[ comparison expression ]`, matched against one observation.
    Observation(ComparisonExpr),
    /// Operands joined by the observation operator AND (binds tighter than OR).
    And(Vec<ObservationExpr>),
    /// Operands joined by the observation operator OR (binds tighter than FOLLOWEDBY).
    Or(Vec<ObservationExpr>),
    /// Operands joined by FOLLOWEDBY, the loosest operator.
    FollowedBy(Vec<ObservationExpr>),
    /// An expression with qualifiers, each applying to the expression and the qualifiers
    /// before it. `[a] WITHIN 5 SECONDS REPEATS 2 TIMES` is one `Qualified` with two
    /// qualifiers; `([a] WITHIN 5 SECONDS) REPEATS 2 TIMES` nests a `Qualified` in another.
    Qualified {
        expr: Box<ObservationExpr>,
        qualifiers: Vec<Qualifier>,
    },
}

/// A qualifier after an observation expression (§9.5.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN x SECONDS`, x positive.
    Within(f64),
    /// `REPEATS x TIMES`, x positive.
    Repeats(u64),
    /// `START t'..' STOP t'..'`, start before stop.
    StartStop { start: Timestamp, stop: Timestamp },
}

/// The kind of a qualifier; an observation expression has at most one of each (§9.5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QualifierKind {
    Within,
    Repeats,
    StartStop,
}

impl Qualifier {
    pub fn kind(&self) -> QualifierKind {
        match self {
            Qualifier::Within(_) => QualifierKind::Within,
            Qualifier::Repeats(_) => QualifierKind::Repeats,
            Qualifier::StartStop { .. } => QualifierKind::StartStop,
        }
    }
}

/// The expression inside `[...]` (§9.6): comparisons joined by AND (tighter) and OR.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    Comparison(Comparison),
    And(Vec<ComparisonExpr>),
    Or(Vec<ComparisonExpr>),
}

/// One comparison: an object path, an operator (optionally negated) and its operand.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub path: ObjectPath,
    /// `NOT` before the operator (`a NOT = b`, `NOT EXISTS a`).
    pub negated: bool,
    pub test: Test,
}

/// The operator of a comparison with its operand (§9.6.1).
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// `=`, `!=`, `<`, `<=`, `>`, `>=` against a constant (ordering never takes a boolean).
    Compare(CompareOp, Constant),
    /// `IN (x, y, ...)`: constants of one kind.
    In(Vec<Constant>),
    /// `LIKE 'pattern'` with SQL wildcards `%` and `_`.
    Like(String),
    /// `MATCHES 'regex'` (PCRE).
    Matches(String),
    /// `ISSUBSET 'ip/prefix'`.
    IsSubset(String),
    /// `ISSUPERSET 'ip/prefix'`.
    IsSuperset(String),
    /// `EXISTS path`.
    Exists,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// `object-type:property.key[0].other` (§9.7).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    pub object_type: String,
    /// The first property, unquoted.
    pub property: String,
    pub steps: Vec<PathStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.name` or `.'quoted-name'`: a nested property, dictionary key or dereferenced property.
    Key(String),
    /// `[n]`: one list item.
    Index(u64),
    /// `[*]`: any list item.
    AnyIndex,
}

/// A constant operand (§9.2).
#[derive(Debug, Clone, PartialEq)]
pub enum Constant {
    /// `'...'`, unescaped.
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    /// `b'...'`, decoded from base64.
    Binary(Vec<u8>),
    /// `h'...'`, decoded from hex.
    Hex(Vec<u8>),
    /// `t'...'`, a valid STIX timestamp.
    Timestamp(Timestamp),
}

impl Constant {
    /// The name used in error messages.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Constant::String(_) => "string",
            Constant::Integer(_) => "integer",
            Constant::Float(_) => "float",
            Constant::Boolean(_) => "boolean",
            Constant::Binary(_) => "binary",
            Constant::Hex(_) => "hex",
            Constant::Timestamp(_) => "timestamp",
        }
    }
}
