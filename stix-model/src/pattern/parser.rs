//! A recursive-descent parser with one token of lookahead: no backtracking, so time is linear
//! in the input, and recursion only deepens at parentheses and brackets, which are bounded by
//! [`MAX_DEPTH`](super::MAX_DEPTH).
//!
//! Grammar (the OASIS `STIXPattern.g4` in spirit; precedence from STIX 2.1 §9.5.3 and §9.6):
//!
//! ```text
//! pattern      := followed_by EOF
//! followed_by  := obs_or ( FOLLOWEDBY obs_or )*
//! obs_or       := obs_and ( OR obs_and )*
//! obs_and      := qualified ( AND qualified )*
//! qualified    := primary qualifier*
//! primary      := '[' cmp_or ']' | '(' followed_by ')'
//! qualifier    := WITHIN number SECONDS | REPEATS int TIMES | START ts STOP ts
//! cmp_or       := cmp_and ( OR cmp_and )*
//! cmp_and      := cmp_primary ( AND cmp_primary )*
//! cmp_primary  := '(' cmp_or ')' | NOT? EXISTS path | path NOT? operator operand
//! path         := type ':' name ( '.' name | '[' ( int | '*' ) ']' )*
//! ```
//!
//! Semantic rules are checked where the offending token is still at hand, so every error
//! points at it.

use super::ast::{
    CompareOp, Comparison, ComparisonExpr, Constant, ObjectPath, ObservationExpr, PathStep,
    Pattern, Qualifier, QualifierKind, Test,
};
use super::lexer::{Keyword, Lexer, Tok, Token};
use super::literal::{
    HashFormat, decode_base64, decode_hex, hash_format, is_ip_or_cidr, parse_float, parse_integer,
    unescape,
};
use super::{MAX_DEPTH, PatternError};
use crate::id::check_type_name;
use crate::timestamp::Timestamp;
use crate::validate::is_property_name;

const CONSTANT: &str =
    "a constant ('string', number, true, false, b'base64', h'hex' or t'timestamp')";

/// The object types a comparison expression can match: AND intersects, OR unites (§9.5).
type Types<'a> = Vec<&'a str>;

pub(crate) struct Parser<'a> {
    text: &'a str,
    lexer: Lexer<'a>,
    tok: Token<'a>,
    depth: usize,
}

impl<'a> Parser<'a> {
    pub(crate) fn new(text: &'a str) -> Result<Parser<'a>, PatternError> {
        let mut lexer = Lexer::new(text);
        let tok = lexer.next_token()?;
        Ok(Parser {
            text,
            lexer,
            tok,
            depth: 0,
        })
    }

    pub(crate) fn parse_pattern(mut self) -> Result<Pattern, PatternError> {
        if self.tok.tok == Tok::Eof {
            return Err(self.expected(
                &["'['", "'('"],
                "the pattern is empty: expected '[' to start an observation expression such as [file:name = 'x']",
            ));
        }
        let expression = self.observation_expr()?;
        match self.tok.tok {
            Tok::Eof => Ok(Pattern { expression }),
            Tok::RParen => Err(self.expected(&["end of pattern"], "this ')' closes no '('")),
            Tok::LBracket | Tok::LParen => Err(self.expected(
                &["AND", "OR", "FOLLOWEDBY"],
                "expected AND, OR or FOLLOWEDBY between two observation expressions",
            )),
            _ => Err(self.expected(
                &["AND", "OR", "FOLLOWEDBY", "WITHIN", "REPEATS", "START", "end of pattern"],
                "expected AND, OR, FOLLOWEDBY, a qualifier (WITHIN, REPEATS, START) or the end of the pattern",
            )),
        }
    }

    // ----- tokens -----

    fn bump(&mut self) -> Result<Token<'a>, PatternError> {
        let current = self.tok;
        self.tok = self.lexer.next_token()?;
        Ok(current)
    }

    fn at(&self, keyword: Keyword) -> bool {
        self.tok.tok == Tok::Keyword(keyword)
    }

    fn error_at(&self, token: Token<'a>, message: impl Into<String>) -> PatternError {
        PatternError::new(
            self.text,
            token.start,
            token.end,
            message.into(),
            Vec::new(),
        )
    }

    /// An error at the current token, listing what would have been accepted there.
    fn expected(&self, expected: &[&str], message: &str) -> PatternError {
        let mut message = message.to_owned();
        if let Tok::Ident(word) | Tok::HyphenIdent(word) = self.tok.tok {
            let upper = word.to_ascii_uppercase();
            if let Some(k) = Keyword::ALL.iter().find(|k| k.as_str() == upper) {
                message.push_str(&format!(" (keywords are upper case: {})", k.as_str()));
            }
        }
        PatternError::new(
            self.text,
            self.tok.start,
            self.tok.end,
            message,
            expected.iter().map(|s| (*s).to_owned()).collect(),
        )
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_at(
                self.tok,
                format!("brackets and parentheses are nested more than {MAX_DEPTH} levels deep"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ----- observation expressions -----

    /// `qualified ( (AND | OR | FOLLOWEDBY) qualified )*`, grouped by precedence in one loop so
    /// that recursion deepens only at parentheses.
    fn observation_expr(&mut self) -> Result<ObservationExpr, PatternError> {
        let first = self.qualified()?;
        if observation_operator(self.tok.tok).is_none() {
            return Ok(first);
        }
        let mut followed_by: Vec<ObservationExpr> = Vec::new();
        let mut or: Vec<ObservationExpr> = Vec::new();
        let mut and = vec![first];
        while let Some(operator) = observation_operator(self.tok.tok) {
            self.bump()?;
            let operand = self.qualified()?;
            if operator != Keyword::And {
                or.push(collapse(std::mem::take(&mut and), ObservationExpr::And));
                if operator == Keyword::FollowedBy {
                    followed_by.push(collapse(std::mem::take(&mut or), ObservationExpr::Or));
                }
            }
            and.push(operand);
        }
        or.push(collapse(and, ObservationExpr::And));
        followed_by.push(collapse(or, ObservationExpr::Or));
        Ok(collapse(followed_by, ObservationExpr::FollowedBy))
    }

    fn qualified(&mut self) -> Result<ObservationExpr, PatternError> {
        let expr = self.obs_primary()?;
        if !matches!(
            self.tok.tok,
            Tok::Keyword(Keyword::Within | Keyword::Repeats | Keyword::Start)
        ) {
            return Ok(expr);
        }
        let qualifiers = self.qualifiers()?;
        Ok(ObservationExpr::Qualified {
            expr: Box::new(expr),
            qualifiers,
        })
    }

    /// The qualifiers after one observation expression (kept out of the recursive path so
    /// that its stack frames stay small).
    #[inline(never)]
    fn qualifiers(&mut self) -> Result<Vec<Qualifier>, PatternError> {
        let mut qualifiers: Vec<Qualifier> = Vec::new();
        loop {
            let keyword_token = self.tok;
            let qualifier = match self.tok.tok {
                Tok::Keyword(Keyword::Within) => self.within()?,
                Tok::Keyword(Keyword::Repeats) => self.repeats()?,
                Tok::Keyword(Keyword::Start) => self.start_stop()?,
                _ => return Ok(qualifiers),
            };
            if qualifiers.iter().any(|q| q.kind() == qualifier.kind()) {
                return Err(self.duplicate_qualifier(keyword_token, qualifier.kind()));
            }
            qualifiers.push(qualifier);
        }
    }

    fn obs_primary(&mut self) -> Result<ObservationExpr, PatternError> {
        match self.tok.tok {
            Tok::LBracket => self.bracketed(),
            Tok::LParen => {
                let open = self.tok;
                self.enter()?;
                self.bump()?;
                let inner = self.observation_expr()?;
                if self.tok.tok != Tok::RParen {
                    return Err(self.unclosed(open, false));
                }
                self.bump()?;
                self.leave();
                Ok(inner)
            }
            _ => Err(self.not_an_observation()),
        }
    }

    /// `[ comparison expression ]`.
    #[inline(never)]
    fn bracketed(&mut self) -> Result<ObservationExpr, PatternError> {
        let open = self.tok;
        self.enter()?;
        self.bump()?;
        if self.tok.tok == Tok::RBracket {
            return Err(self.empty_brackets());
        }
        let (comparison, _) = self.comparison_expr()?;
        if self.tok.tok != Tok::RBracket {
            return Err(self.unclosed(open, false));
        }
        self.bump()?;
        self.leave();
        Ok(ObservationExpr::Observation(comparison))
    }

    #[cold]
    #[inline(never)]
    fn duplicate_qualifier(&self, keyword: Token<'a>, kind: QualifierKind) -> PatternError {
        let name = match kind {
            QualifierKind::Within => "WITHIN",
            QualifierKind::Repeats => "REPEATS",
            QualifierKind::StartStop => "START/STOP",
        };
        self.error_at(
            keyword,
            format!(
                "a second {name} qualifier on the same observation expression (STIX 2.1 §9.5.1 allows one of each kind)"
            ),
        )
    }

    #[cold]
    #[inline(never)]
    fn empty_brackets(&self) -> PatternError {
        self.expected(
            &["object path", "EXISTS", "NOT", "'('"],
            "an observation expression must contain a comparison, such as [file:name = 'x']",
        )
    }

    /// The closing bracket or parenthesis of `open` is missing where the current token is.
    #[cold]
    #[inline(never)]
    fn unclosed(&self, open: Token<'a>, in_comparison: bool) -> PatternError {
        let at = open.start;
        let (expected, message): (&[&str], String) = match open.tok {
            Tok::LBracket => (
                &["']'", "AND", "OR"],
                format!("expected ']' (to close the '[' at offset {at}), AND or OR"),
            ),
            _ if in_comparison => (
                &["')'", "AND", "OR"],
                format!("expected ')' (to close the '(' at offset {at}), AND or OR"),
            ),
            _ => (
                &[
                    "')'",
                    "AND",
                    "OR",
                    "FOLLOWEDBY",
                    "WITHIN",
                    "REPEATS",
                    "START",
                ],
                format!(
                    "expected ')' (to close the '(' at offset {at}), AND, OR, FOLLOWEDBY or a qualifier"
                ),
            ),
        };
        self.expected(expected, &message)
    }

    #[cold]
    #[inline(never)]
    fn not_an_observation(&self) -> PatternError {
        match self.tok.tok {
            Tok::Ident(_) | Tok::HyphenIdent(_) if self.depth == 0 => self.expected(
                &["'['", "'('"],
                "expected '[': comparisons must be enclosed in square brackets, as in [file:name = 'x']",
            ),
            _ => self.expected(
                &["'['", "'('"],
                "expected '[' to start an observation expression or '(' to group them",
            ),
        }
    }

    // ----- qualifiers -----

    fn within(&mut self) -> Result<Qualifier, PatternError> {
        self.bump()?;
        let number = self.tok;
        let seconds = match number.tok {
            Tok::Int(text) => parse_integer(text)
                .map(|i| i as f64)
                .map_err(|fault| self.error_at(number, fault.message()))?,
            Tok::Float(text) => {
                parse_float(text).map_err(|fault| self.error_at(number, fault.message()))?
            }
            _ => {
                return Err(self.expected(
                    &["number"],
                    "expected a number of seconds after WITHIN, as in WITHIN 300 SECONDS",
                ));
            }
        };
        if seconds <= 0.0 {
            return Err(self.error_at(
                number,
                "the WITHIN duration must be positive (STIX 2.1 §9.5.1)",
            ));
        }
        self.bump()?;
        if !self.at(Keyword::Seconds) {
            return Err(self.expected(
                &["SECONDS"],
                "expected SECONDS after the WITHIN duration (the only unit)",
            ));
        }
        self.bump()?;
        Ok(Qualifier::Within(seconds))
    }

    fn repeats(&mut self) -> Result<Qualifier, PatternError> {
        self.bump()?;
        let number = self.tok;
        let times = match number.tok {
            Tok::Int(text) => {
                parse_integer(text).map_err(|fault| self.error_at(number, fault.message()))?
            }
            Tok::Float(_) => {
                return Err(self.error_at(number, "REPEATS takes a whole number of times"));
            }
            _ => {
                return Err(self.expected(
                    &["integer"],
                    "expected a number after REPEATS, as in REPEATS 5 TIMES",
                ));
            }
        };
        let Ok(times) = u64::try_from(times) else {
            return Err(self.error_at(
                number,
                "the REPEATS count must be positive (STIX 2.1 §9.5.1)",
            ));
        };
        if times == 0 {
            return Err(self.error_at(
                number,
                "the REPEATS count must be positive (STIX 2.1 §9.5.1)",
            ));
        }
        self.bump()?;
        if !self.at(Keyword::Times) {
            return Err(self.expected(&["TIMES"], "expected TIMES after the REPEATS count"));
        }
        self.bump()?;
        Ok(Qualifier::Repeats(times))
    }

    fn timestamp(&mut self, after: &str) -> Result<Timestamp, PatternError> {
        let token = self.tok;
        let Tok::Timestamp(inner) = token.tok else {
            return Err(self.expected(
                &["timestamp"],
                &format!("expected a timestamp constant t'YYYY-MM-DDTHH:MM:SSZ' after {after}"),
            ));
        };
        let timestamp = Timestamp::parse(inner).map_err(|e| self.error_at(token, e.to_string()))?;
        self.bump()?;
        Ok(timestamp)
    }

    fn start_stop(&mut self) -> Result<Qualifier, PatternError> {
        self.bump()?;
        let start = self.timestamp("START")?;
        if !self.at(Keyword::Stop) {
            return Err(self.expected(&["STOP"], "expected STOP after the START timestamp"));
        }
        self.bump()?;
        let stop_token = self.tok;
        let stop = self.timestamp("STOP")?;
        if stop <= start {
            return Err(self.error_at(
                stop_token,
                "the STOP time must be later than the START time; observations must fall at or after START and before STOP (STIX 2.1 §9.5.1)",
            ));
        }
        Ok(Qualifier::StartStop { start, stop })
    }

    // ----- comparison expressions -----

    /// `cmp_primary ( (AND | OR) cmp_primary )*`, AND binding tighter, in one loop. Also
    /// returns the object types the expression can match (AND intersects, OR unites).
    fn comparison_expr(&mut self) -> Result<(ComparisonExpr, Types<'a>), PatternError> {
        let (first, first_types) = self.cmp_primary()?;
        if comparison_operator(self.tok.tok).is_none() {
            return Ok((first, first_types));
        }
        let mut or: Vec<ComparisonExpr> = Vec::new();
        let mut or_types: Types<'a> = Vec::new();
        let mut and = vec![first];
        let mut and_types = first_types;
        while let Some(operator) = comparison_operator(self.tok.tok) {
            let operator_token = self.bump()?;
            let (operand, types) = self.cmp_primary()?;
            if operator == Keyword::And {
                if !and_types.iter().any(|t| types.contains(t)) {
                    return Err(self.unsatisfiable_and(operator_token, &and_types, &types));
                }
                and_types.retain(|t| types.contains(t));
            } else {
                or.push(collapse(std::mem::take(&mut and), ComparisonExpr::And));
                unite(&mut or_types, std::mem::replace(&mut and_types, types));
            }
            and.push(operand);
        }
        or.push(collapse(and, ComparisonExpr::And));
        unite(&mut or_types, and_types);
        Ok((collapse(or, ComparisonExpr::Or), or_types))
    }

    #[cold]
    #[inline(never)]
    fn unsatisfiable_and(&self, and: Token<'a>, left: &[&str], right: &[&str]) -> PatternError {
        self.error_at(
            and,
            format!(
                "AND joins comparisons on different object types ({} and {}); inside one observation expression, AND must be satisfiable by a single object, so use OR or separate [...] (STIX 2.1 §9.5)",
                left.join(", "),
                right.join(", ")
            ),
        )
    }

    fn cmp_primary(&mut self) -> Result<(ComparisonExpr, Types<'a>), PatternError> {
        match self.tok.tok {
            Tok::LParen => {
                let open = self.tok;
                self.enter()?;
                self.bump()?;
                let inner = self.comparison_expr()?;
                if self.tok.tok != Tok::RParen {
                    return Err(self.unclosed(open, true));
                }
                self.bump()?;
                self.leave();
                Ok(inner)
            }
            Tok::Keyword(Keyword::Not) => {
                self.bump()?;
                if !self.at(Keyword::Exists) {
                    return Err(self.expected(
                        &["EXISTS"],
                        "expected EXISTS after a leading NOT; to negate a comparison put NOT before its operator, as in file:name NOT = 'x'",
                    ));
                }
                self.bump()?;
                self.exists(true)
            }
            Tok::Keyword(Keyword::Exists) => {
                self.bump()?;
                self.exists(false)
            }
            Tok::Ident(_) | Tok::HyphenIdent(_) => self.comparison(),
            _ => Err(self.expected(
                &["object path", "EXISTS", "NOT", "'('"],
                "expected a comparison: an object path (like file:name), EXISTS, NOT EXISTS or '('",
            )),
        }
    }

    fn exists(&mut self, negated: bool) -> Result<(ComparisonExpr, Types<'a>), PatternError> {
        let (path, object_type) = self.path()?;
        let comparison = Comparison {
            path,
            negated,
            test: Test::Exists,
        };
        Ok((ComparisonExpr::Comparison(comparison), vec![object_type]))
    }

    fn comparison(&mut self) -> Result<(ComparisonExpr, Types<'a>), PatternError> {
        let (path, object_type) = self.path()?;
        let negated = self.at(Keyword::Not);
        if negated {
            self.bump()?;
        }
        let operator = self.tok;
        let hash = hash_check(&path);
        let test = match operator.tok {
            Tok::Eq | Tok::Ne | Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => {
                let op = match operator.tok {
                    Tok::Eq => CompareOp::Eq,
                    Tok::Ne => CompareOp::Ne,
                    Tok::Lt => CompareOp::Lt,
                    Tok::Le => CompareOp::Le,
                    Tok::Gt => CompareOp::Gt,
                    _ => CompareOp::Ge,
                };
                self.bump()?;
                let (constant, token) = self.constant(&format!("'{}'", op.as_str()))?;
                if let Constant::Boolean(_) = constant {
                    if !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                        return Err(self.error_at(
                            token,
                            format!("a boolean cannot be ordered with '{}'", op.as_str()),
                        ));
                    }
                }
                self.check_hash(hash, &constant, token)?;
                Test::Compare(op, constant)
            }
            Tok::Keyword(Keyword::In) => {
                self.bump()?;
                Test::In(self.set(hash)?)
            }
            Tok::Keyword(
                k @ (Keyword::Like | Keyword::Matches | Keyword::IsSubset | Keyword::IsSuperset),
            ) => {
                self.bump()?;
                let token = self.tok;
                let Tok::Str(inner) = token.tok else {
                    return Err(self.expected(
                        &["string"],
                        &format!("expected a 'string' constant after {}", k.as_str()),
                    ));
                };
                self.bump()?;
                let value = unescape(inner);
                match k {
                    Keyword::Like => Test::Like(value),
                    Keyword::Matches => Test::Matches(value),
                    _ => {
                        if !is_ip_or_cidr(&value) {
                            return Err(self.error_at(
                                token,
                                format!(
                                    "{} takes an IPv4 or IPv6 address or CIDR range, such as '198.51.100.0/24' (STIX 2.1 §9.6.1)",
                                    k.as_str()
                                ),
                            ));
                        }
                        if k == Keyword::IsSubset {
                            Test::IsSubset(value)
                        } else {
                            Test::IsSuperset(value)
                        }
                    }
                }
            }
            Tok::Keyword(Keyword::Exists) => {
                return Err(self.expected(
                    &["comparison operator"],
                    "EXISTS goes before the object path, as in EXISTS file:name",
                ));
            }
            _ => {
                return Err(self.expected(
                    &[
                        "'='", "'!='", "'<'", "'<='", "'>'", "'>='", "IN", "LIKE", "MATCHES",
                        "ISSUBSET", "ISSUPERSET", "NOT", "'.'", "'['",
                    ],
                    if negated {
                        "expected a comparison operator after NOT (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)"
                    } else {
                        "expected a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET), NOT, or '.' or '[' to continue the object path"
                    },
                ));
            }
        };
        let comparison = Comparison {
            path,
            negated,
            test,
        };
        Ok((ComparisonExpr::Comparison(comparison), vec![object_type]))
    }

    /// `( constant, ... )` after IN: possibly empty, constants of one kind.
    fn set(&mut self, hash: Option<(HashFormat, String)>) -> Result<Vec<Constant>, PatternError> {
        if self.tok.tok != Tok::LParen {
            return Err(self.expected(&["'('"], "expected '(' after IN, as in IN ('a', 'b')"));
        }
        self.bump()?;
        let mut set: Vec<Constant> = Vec::new();
        if self.tok.tok == Tok::RParen {
            self.bump()?;
            return Ok(set);
        }
        loop {
            let (constant, token) = self.constant("IN")?;
            if let Some(first) = set.first() {
                if set_kind(first) != set_kind(&constant) {
                    return Err(self.error_at(
                        token,
                        format!(
                            "the constants of an IN set must be of one type (STIX 2.1 §9.6.1), not {} and {}",
                            first.kind_name(),
                            constant.kind_name()
                        ),
                    ));
                }
            }
            self.check_hash(hash.clone(), &constant, token)?;
            set.push(constant);
            match self.tok.tok {
                Tok::Comma => {
                    self.bump()?;
                }
                Tok::RParen => {
                    self.bump()?;
                    return Ok(set);
                }
                _ => {
                    return Err(self.expected(&["','", "')'"], "expected ',' or ')' in the IN set"));
                }
            }
        }
    }

    fn constant(&mut self, after: &str) -> Result<(Constant, Token<'a>), PatternError> {
        let token = self.tok;
        let fail = |p: &Self, message: &str| Err(p.error_at(token, message));
        let constant = match token.tok {
            Tok::Str(inner) => Constant::String(unescape(inner)),
            Tok::Int(text) => match parse_integer(text) {
                Ok(i) => Constant::Integer(i),
                Err(fault) => return fail(self, fault.message()),
            },
            Tok::Float(text) => match parse_float(text) {
                Ok(x) => Constant::Float(x),
                Err(fault) => return fail(self, fault.message()),
            },
            Tok::Bool(b) => Constant::Boolean(b),
            Tok::Hex(inner) => match decode_hex(inner) {
                Ok(bytes) => Constant::Hex(bytes),
                Err(message) => return fail(self, message),
            },
            Tok::Binary(inner) => match decode_base64(inner) {
                Ok(bytes) => Constant::Binary(bytes),
                Err(message) => return fail(self, message),
            },
            Tok::Timestamp(inner) => match Timestamp::parse(inner) {
                Ok(t) => Constant::Timestamp(t),
                Err(e) => return fail(self, &e.to_string()),
            },
            Tok::Ident(_) | Tok::HyphenIdent(_) => {
                return Err(self.expected(
                    &["constant"],
                    &format!("expected {CONSTANT} after {after}; strings must be quoted with '"),
                ));
            }
            _ => {
                return Err(
                    self.expected(&["constant"], &format!("expected {CONSTANT} after {after}"))
                );
            }
        };
        self.bump()?;
        Ok((constant, token))
    }

    fn check_hash(
        &self,
        hash: Option<(HashFormat, String)>,
        constant: &Constant,
        token: Token<'a>,
    ) -> Result<(), PatternError> {
        let Some((format, algorithm)) = hash else {
            return Ok(());
        };
        match constant {
            Constant::String(digest) if format.accepts(digest) => Ok(()),
            Constant::String(_) => Err(self.error_at(
                token,
                format!(
                    "not a valid {algorithm} hash: expected {}",
                    format.describe()
                ),
            )),
            other => Err(self.error_at(
                token,
                format!(
                    "a {algorithm} hash is compared with a string, not a {}",
                    other.kind_name()
                ),
            )),
        }
    }

    // ----- object paths -----

    /// Returns the path and its object type as written (borrowed, for the AND type check).
    fn path(&mut self) -> Result<(ObjectPath, &'a str), PatternError> {
        let type_token = self.tok;
        let object_type = match type_token.tok {
            Tok::Ident(t) | Tok::HyphenIdent(t) => t,
            Tok::Keyword(_) | Tok::Bool(_) => {
                return Err(self.expected(
                    &["object type"],
                    "expected an object type; this is a keyword",
                ));
            }
            _ => {
                return Err(self.expected(
                    &["object type"],
                    "expected an object path such as file:name",
                ));
            }
        };
        if let Err(fault) = check_type_name(object_type) {
            return Err(self.error_at(type_token, format!("not a valid object type: {fault}")));
        }
        self.bump()?;
        if self.tok.tok != Tok::Colon {
            return Err(self.expected(
                &["':'"],
                &format!(
                    "expected ':' between the object type and the property, as in {object_type}:value"
                ),
            ));
        }
        self.bump()?;
        let property_token = self.tok;
        let property = match property_token.tok {
            Tok::Ident(name) => name.to_owned(),
            Tok::Str(inner) => unescape(inner),
            Tok::HyphenIdent(name) => {
                return Err(self.error_at(
                    property_token,
                    format!(
                        "a property name with a hyphen must be quoted: '{name}' (STIX 2.1 §9.7)"
                    ),
                ));
            }
            Tok::Keyword(_) | Tok::Bool(_) => {
                return Err(self.expected(
                    &["property name"],
                    "expected a property name; a keyword used as a name must be quoted",
                ));
            }
            _ => {
                return Err(self.expected(
                    &["property name"],
                    &format!("expected a property name after '{object_type}:'"),
                ));
            }
        };
        if property != "id" && !is_property_name(&property) {
            return Err(self.error_at(
                property_token,
                "not a valid property name: 3 to 250 characters of a-z, 0-9 and _, starting with a letter (STIX 2.1 §3.1)",
            ));
        }
        self.bump()?;
        let mut steps = Vec::new();
        loop {
            match self.tok.tok {
                Tok::Dot => {
                    self.bump()?;
                    let key_token = self.tok;
                    let key = match key_token.tok {
                        Tok::Ident(name) => name.to_owned(),
                        Tok::Str(inner) => unescape(inner),
                        Tok::HyphenIdent(name) => {
                            return Err(self.error_at(
                                key_token,
                                format!(
                                    "a name with a hyphen must be quoted: '{name}' (STIX 2.1 §9.7)"
                                ),
                            ));
                        }
                        _ => {
                            return Err(self.expected(
                                &["name", "'quoted name'"],
                                "expected a property name or 'quoted key' after '.'",
                            ));
                        }
                    };
                    self.bump()?;
                    steps.push(PathStep::Key(key));
                }
                Tok::LBracket => {
                    self.bump()?;
                    let index_token = self.tok;
                    let step = match index_token.tok {
                        Tok::Star => PathStep::AnyIndex,
                        Tok::Int(text) => {
                            let index = parse_integer(text)
                                .map_err(|fault| self.error_at(index_token, fault.message()))?;
                            let index = u64::try_from(index).map_err(|_| {
                                self.error_at(
                                    index_token,
                                    "a list index must be 0 or more, or * for any item (STIX 2.1 §9.7.2)",
                                )
                            })?;
                            PathStep::Index(index)
                        }
                        _ => {
                            return Err(self.expected(
                                &["integer", "'*'"],
                                "expected a list index (0, 1, ...) or * after '['",
                            ));
                        }
                    };
                    self.bump()?;
                    if self.tok.tok != Tok::RBracket {
                        return Err(self.expected(&["']'"], "expected ']' after the list index"));
                    }
                    self.bump()?;
                    steps.push(step);
                }
                _ => break,
            }
        }
        let path = ObjectPath {
            object_type: object_type.to_owned(),
            property,
            steps,
        };
        Ok((path, object_type))
    }
}

/// The digest format to enforce when a path ends in a known hash algorithm under `hashes`
/// (what the OASIS validator checks), with the algorithm as written.
fn hash_check(path: &ObjectPath) -> Option<(HashFormat, String)> {
    let under_hashes = path.property == "hashes"
        || path
            .steps
            .iter()
            .any(|s| matches!(s, PathStep::Key(k) if k == "hashes"));
    if !under_hashes {
        return None;
    }
    let Some(PathStep::Key(algorithm)) = path.steps.last() else {
        return None;
    };
    hash_format(algorithm).map(|f| (f, algorithm.clone()))
}

/// Constants that may share an IN set: numbers, octets (binary or hex), or one other kind.
fn set_kind(c: &Constant) -> u8 {
    match c {
        Constant::Integer(_) | Constant::Float(_) => 0,
        Constant::Binary(_) | Constant::Hex(_) => 1,
        Constant::String(_) => 2,
        Constant::Boolean(_) => 3,
        Constant::Timestamp(_) => 4,
    }
}

fn observation_operator(tok: Tok<'_>) -> Option<Keyword> {
    match tok {
        Tok::Keyword(k @ (Keyword::And | Keyword::Or | Keyword::FollowedBy)) => Some(k),
        _ => None,
    }
}

fn comparison_operator(tok: Tok<'_>) -> Option<Keyword> {
    match tok {
        Tok::Keyword(k @ (Keyword::And | Keyword::Or)) => Some(k),
        _ => None,
    }
}

/// One operand stands for itself; more become an operator node.
fn collapse<T>(mut operands: Vec<T>, make: fn(Vec<T>) -> T) -> T {
    if operands.len() == 1 {
        if let Some(only) = operands.pop() {
            return only;
        }
    }
    make(operands)
}

fn unite<'a>(into: &mut Types<'a>, more: Types<'a>) {
    for t in more {
        if !into.contains(&t) {
            into.push(t);
        }
    }
}
