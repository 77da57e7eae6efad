//! The rule-set document (design §7.3): groups, declared semantics, and rules over a closed
//! operator set. Parsing checks attribute paths, operators, operand types, groups and TLP
//! words, and every error names the rule id; policy and tag-set qualifiers are resolved when
//! the engine is compiled against the loaded policies.
//!
//! ```yaml
//! id: mission-x/release
//! version: 1
//! groups:
//!   FVEY: {nations: [AUS, CAN, GBR, NZL, USA]}
//! semantics: {tlp_organisation: partner, tlp_community: MISSION}
//! rules:
//!   - id: base-release
//!     effect: release
//!   - id: ex3-no-observers
//!     effect: withhold
//!     scope: {attr: label.rel_to, op: intersects, value: [NATO, EU]}
//!     audience: {attr: subject.role, op: eq, value: observing}
//! ```
//!
//! Evaluation: `baseline ∧ ∃ matching release rule ∧ ¬∃ matching withhold rule`; a rule
//! matches when `scope`, `audience` and `when` hold (absent = true) and `unless` does not.
//! Absent scalar attributes (no TLP, no originator, no clearance under a policy) make `eq`,
//! `in`, `gte`, `lte` false; `ne` and `not_in` are their negations. Absent sets are empty.
//! On a set attribute, `eq x` means "contains x" and `ne x` "does not contain x".

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::label::Tlp;
use crate::policy::sha256_tagged;
use crate::time::{self, Duration};

/// Whether a rule releases or withholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleEffect {
    Release,
    Withhold,
}

/// What "organisation" means for TLP:AMBER and AMBER+STRICT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlpOrganisation {
    /// The originating partner only.
    #[default]
    Partner,
    /// Any partner sharing an organisation with the originator (`orgs`).
    Org,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownMarking {
    /// Refuse at ingest; withhold if already stored.
    #[default]
    Withhold,
}

/// The declared meaning of TLP in this mission (TLP is not a control marking; the mission
/// says what "organisation" and "community" are).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Semantics {
    #[serde(default)]
    pub tlp_organisation: TlpOrganisation,
    /// The group that is the TLP:GREEN community; absent = every mission partner.
    #[serde(default)]
    pub tlp_community: Option<String>,
    #[serde(default)]
    pub unknown_marking: UnknownMarking,
}

/// A named set of nations, communities and partners.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    #[serde(default)]
    pub nations: BTreeSet<String>,
    #[serde(default)]
    pub communities: BTreeSet<String>,
    #[serde(default)]
    pub partners: BTreeSet<String>,
}

impl Group {
    /// The group as a value set: its name, nations, communities and partners.
    pub fn values(&self, name: &str) -> BTreeSet<String> {
        let mut out: BTreeSet<String> = self.nations.union(&self.communities).cloned().collect();
        out.extend(self.partners.iter().cloned());
        out.insert(name.to_owned());
        out
    }
}

/// An attribute a predicate reads.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Path {
    SubjectPartner,
    SubjectNation,
    SubjectOrgs,
    SubjectCommunities,
    SubjectRole,
    /// `subject.clearance.<policy id or name>`
    SubjectClearance(String),
    /// `subject.caveats.<tag set id or name>`
    SubjectCaveats(String),
    LabelPolicy,
    /// `label.classification.<policy id or name>`
    LabelClassification(String),
    LabelRelTo,
    LabelTlp,
    LabelOriginator,
    LabelReleaseAuthority,
    /// `label.categories.<tag set id or name>`
    LabelCategories(String),
    ObjectType,
    ObjectCreatedByRef,
    EventReceivedAt,
    EventSubmitter,
    EnvNow,
}

/// The type of an attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Set,
    Level,
    Time,
}

impl Path {
    pub fn parse(text: &str) -> Option<Path> {
        let qualified = |prefix: &str| {
            text.strip_prefix(prefix)
                .filter(|q| !q.is_empty())
                .map(str::to_owned)
        };
        Some(match text {
            "subject.partner" => Path::SubjectPartner,
            "subject.nation" => Path::SubjectNation,
            "subject.orgs" => Path::SubjectOrgs,
            "subject.communities" => Path::SubjectCommunities,
            "subject.role" => Path::SubjectRole,
            "label.policy" => Path::LabelPolicy,
            "label.rel_to" => Path::LabelRelTo,
            "label.tlp" => Path::LabelTlp,
            "label.originator" => Path::LabelOriginator,
            "label.release_authority" => Path::LabelReleaseAuthority,
            "object.type" => Path::ObjectType,
            "object.created_by_ref" => Path::ObjectCreatedByRef,
            "event.received_at" => Path::EventReceivedAt,
            "event.submitter" => Path::EventSubmitter,
            "env.now" => Path::EnvNow,
            _ => {
                if let Some(q) = qualified("subject.clearance.") {
                    Path::SubjectClearance(q)
                } else if let Some(q) = qualified("subject.caveats.") {
                    Path::SubjectCaveats(q)
                } else if let Some(q) = qualified("label.classification.") {
                    Path::LabelClassification(q)
                } else if let Some(q) = qualified("label.categories.") {
                    Path::LabelCategories(q)
                } else {
                    return None;
                }
            }
        })
    }

    pub fn kind(&self) -> Kind {
        match self {
            Path::SubjectPartner
            | Path::SubjectNation
            | Path::SubjectRole
            | Path::LabelTlp
            | Path::LabelOriginator
            | Path::LabelReleaseAuthority
            | Path::ObjectType
            | Path::ObjectCreatedByRef
            | Path::EventSubmitter => Kind::Scalar,
            Path::SubjectOrgs
            | Path::SubjectCommunities
            | Path::SubjectCaveats(_)
            | Path::LabelPolicy
            | Path::LabelRelTo
            | Path::LabelCategories(_) => Kind::Set,
            Path::SubjectClearance(_) | Path::LabelClassification(_) => Kind::Level,
            Path::EventReceivedAt | Path::EnvNow => Kind::Time,
        }
    }

    /// Whether the attribute belongs to the subject (the audience side of a decision).
    pub fn is_subject(&self) -> bool {
        matches!(
            self,
            Path::SubjectPartner
                | Path::SubjectNation
                | Path::SubjectOrgs
                | Path::SubjectCommunities
                | Path::SubjectRole
                | Path::SubjectClearance(_)
                | Path::SubjectCaveats(_)
        )
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::SubjectPartner => f.write_str("subject.partner"),
            Path::SubjectNation => f.write_str("subject.nation"),
            Path::SubjectOrgs => f.write_str("subject.orgs"),
            Path::SubjectCommunities => f.write_str("subject.communities"),
            Path::SubjectRole => f.write_str("subject.role"),
            Path::SubjectClearance(q) => write!(f, "subject.clearance.{q}"),
            Path::SubjectCaveats(q) => write!(f, "subject.caveats.{q}"),
            Path::LabelPolicy => f.write_str("label.policy"),
            Path::LabelClassification(q) => write!(f, "label.classification.{q}"),
            Path::LabelRelTo => f.write_str("label.rel_to"),
            Path::LabelTlp => f.write_str("label.tlp"),
            Path::LabelOriginator => f.write_str("label.originator"),
            Path::LabelReleaseAuthority => f.write_str("label.release_authority"),
            Path::LabelCategories(q) => write!(f, "label.categories.{q}"),
            Path::ObjectType => f.write_str("object.type"),
            Path::ObjectCreatedByRef => f.write_str("object.created_by_ref"),
            Path::EventReceivedAt => f.write_str("event.received_at"),
            Path::EventSubmitter => f.write_str("event.submitter"),
            Path::EnvNow => f.write_str("env.now"),
        }
    }
}

/// The closed operator set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Ne,
    In,
    NotIn,
    Intersects,
    SubsetOf,
    Gte,
    Lte,
    After,
    Before,
}

impl Op {
    pub fn parse(text: &str) -> Option<Op> {
        Some(match text {
            "eq" => Op::Eq,
            "ne" => Op::Ne,
            "in" => Op::In,
            "not_in" => Op::NotIn,
            "intersects" => Op::Intersects,
            "subset_of" => Op::SubsetOf,
            "gte" => Op::Gte,
            "lte" => Op::Lte,
            "after" => Op::After,
            "before" => Op::Before,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Ne => "ne",
            Op::In => "in",
            Op::NotIn => "not_in",
            Op::Intersects => "intersects",
            Op::SubsetOf => "subset_of",
            Op::Gte => "gte",
            Op::Lte => "lte",
            Op::After => "after",
            Op::Before => "before",
        }
    }
}

/// The right-hand side of a leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operand {
    /// A string: a scalar value, a classification name, or an instant (for time leaves).
    Str(String),
    /// A list of strings.
    List(BTreeSet<String>),
    /// An integer level.
    Int(u32),
    /// Another attribute, optionally plus a duration (time attributes only).
    Ref { path: Path, plus: Option<Duration> },
    /// A group of the rule set, as a value set (see [`Group::values`]).
    Group(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leaf {
    pub attr: Path,
    pub op: Op,
    pub value: Operand,
}

/// A predicate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pred {
    All(Vec<Pred>),
    Any(Vec<Pred>),
    Not(Box<Pred>),
    Leaf(Leaf),
}

impl Pred {
    /// Calls `f` on every leaf.
    pub fn leaves<'a>(&'a self, f: &mut impl FnMut(&'a Leaf)) {
        match self {
            Pred::All(ps) | Pred::Any(ps) => ps.iter().for_each(|p| p.leaves(f)),
            Pred::Not(p) => p.leaves(f),
            Pred::Leaf(l) => f(l),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub effect: RuleEffect,
    pub scope: Option<Pred>,
    pub audience: Option<Pred>,
    pub when: Option<Pred>,
    pub unless: Option<Pred>,
    /// STIX selectors removed when this (release) rule releases.
    pub redact: Vec<String>,
    pub note: Option<String>,
}

/// `base: {version, digest}`: the version this one succeeds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base {
    pub version: u64,
    pub digest: String,
}

/// A parsed, checked rule set.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleSet {
    pub id: String,
    pub version: u64,
    pub base: Option<Base>,
    pub membership_epoch: u64,
    pub groups: BTreeMap<String, Group>,
    pub semantics: Semantics,
    /// Carried for settlement (§5); not interpreted here.
    pub quorum: Option<Value>,
    pub rules: Vec<Rule>,
    /// The document as JSON: what is signed (as JCS) and digested.
    source: Value,
    digest: String,
}

const TOP_KEYS: &[&str] = &[
    "id",
    "version",
    "base",
    "membership_epoch",
    "spifs",
    "groups",
    "quorum",
    "semantics",
    "rules",
];
const RULE_KEYS: &[&str] = &[
    "id", "effect", "scope", "audience", "when", "unless", "redact", "note",
];

impl RuleSet {
    /// Parses a rule-set document (YAML or JSON).
    pub fn parse(text: &str) -> Result<RuleSet, Error> {
        let value: Value = serde_norway::from_str(text).map_err(|e| Error::parse("rule set", e))?;
        RuleSet::from_value(value)
    }

    /// Parses a rule set given as JSON (e.g. the `rules` section of a mission file).
    pub fn from_value(value: Value) -> Result<RuleSet, Error> {
        let map = value
            .as_object()
            .ok_or_else(|| Error::rule("(rule set)", "a rule set is an object"))?;
        if let Some(k) = map.keys().find(|k| !TOP_KEYS.contains(&k.as_str())) {
            return Err(Error::rule("(rule set)", format!("unknown key {k}")));
        }
        let id = map
            .get("id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| Error::rule("(rule set)", "id (a non-empty string) is required"))?
            .to_owned();
        let version = map.get("version").and_then(Value::as_u64).ok_or_else(|| {
            Error::rule("(rule set)", "version (a non-negative integer) is required")
        })?;
        let section = |key: &str| map.get(key).cloned().unwrap_or(Value::Null);
        let typed = |key: &str| -> Result<_, Error> { Ok(section(key)) };
        let base: Option<Base> = serde_json::from_value(typed("base")?)
            .map_err(|e| Error::rule("(base)", e.to_string()))?;
        let membership_epoch = map.get("membership_epoch").map_or(Ok(0), |v| {
            v.as_u64()
                .ok_or_else(|| Error::rule("(membership_epoch)", "a non-negative integer"))
        })?;
        let groups: BTreeMap<String, Group> = match map.get("groups") {
            None | Some(Value::Null) => BTreeMap::new(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| Error::rule("(groups)", e.to_string()))?,
        };
        let semantics: Semantics = match map.get("semantics") {
            None | Some(Value::Null) => Semantics::default(),
            Some(v) => serde_json::from_value(v.clone())
                .map_err(|e| Error::rule("(semantics)", e.to_string()))?,
        };
        if let Some(g) = &semantics.tlp_community {
            if !groups.contains_key(g) {
                return Err(Error::rule(
                    "(semantics)",
                    format!("tlp_community names unknown group {g}"),
                ));
            }
        }
        let raw_rules = map
            .get("rules")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::rule("(rule set)", "rules (a list) is required"))?;
        let mut rules = Vec::with_capacity(raw_rules.len());
        let mut ids = BTreeSet::new();
        for (i, raw) in raw_rules.iter().enumerate() {
            let rule = parse_rule(i, raw, &groups)?;
            if !ids.insert(rule.id.clone()) {
                return Err(Error::rule(&rule.id, "rule id used twice"));
            }
            rules.push(rule);
        }
        let digest = sha256_tagged(&stix_model::canonical::to_canonical_bytes(&value));
        Ok(RuleSet {
            id,
            version,
            base,
            membership_epoch,
            groups,
            semantics,
            quorum: map.get("quorum").cloned(),
            rules,
            source: value,
            digest,
        })
    }

    /// The document as JSON.
    pub fn source(&self) -> &Value {
        &self.source
    }

    /// `sha256:<hex>` of the RFC 8785 canonical JSON of the document.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The permissive rule set of the zero-config start: one rule that releases whatever the
    /// label and the baseline allow.
    pub fn permissive() -> RuleSet {
        let value = serde_json::json!({
            "id": "local/release",
            "version": 1,
            "rules": [{"id": "release-all", "effect": "release",
                       "note": "zero-config: release whatever the label and the baseline allow"}]
        });
        // The document above is fixed and well formed; a failure here is a programming error
        // that the unit test `permissive_rule_set_parses` catches.
        RuleSet::from_value(value).unwrap_or_else(|_| RuleSet {
            id: "local/release".into(),
            version: 1,
            base: None,
            membership_epoch: 0,
            groups: BTreeMap::new(),
            semantics: Semantics::default(),
            quorum: None,
            rules: Vec::new(),
            source: Value::Null,
            digest: String::new(),
        })
    }
}

fn parse_rule(index: usize, raw: &Value, groups: &BTreeMap<String, Group>) -> Result<Rule, Error> {
    let fallback = format!("#{}", index + 1);
    let map = raw
        .as_object()
        .ok_or_else(|| Error::rule(&fallback, "a rule is an object"))?;
    let id = map
        .get("id")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Error::rule(&fallback, "id (a non-empty string) is required"))?
        .to_owned();
    let err = |m: String| Error::rule(&id, m);
    if let Some(k) = map.keys().find(|k| !RULE_KEYS.contains(&k.as_str())) {
        return Err(err(format!("unknown key {k}")));
    }
    let effect = match map.get("effect").and_then(Value::as_str) {
        Some("release") => RuleEffect::Release,
        Some("withhold") => RuleEffect::Withhold,
        _ => return Err(err("effect must be release or withhold".into())),
    };
    let pred = |key: &str| -> Result<Option<Pred>, Error> {
        map.get(key)
            .filter(|v| !v.is_null())
            .map(|v| parse_pred(v, groups, 0).map_err(|m| err(format!("{key}: {m}"))))
            .transpose()
    };
    let redact = match map.get("redact") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| {
                s.as_str()
                    .filter(|s| is_selector(s))
                    .map(str::to_owned)
                    .ok_or_else(|| err(format!("redact: {s} is not a STIX selector")))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err("redact is a list of selectors".into())),
    };
    if effect == RuleEffect::Withhold && !redact.is_empty() {
        return Err(err("redact applies to release rules only".into()));
    }
    Ok(Rule {
        scope: pred("scope")?,
        audience: pred("audience")?,
        when: pred("when")?,
        unless: pred("unless")?,
        redact,
        note: map.get("note").and_then(Value::as_str).map(str::to_owned),
        id,
        effect,
    })
}

/// STIX 2.1 selector syntax: `^[a-z][a-z0-9_-]{3,249}(\.(\[\d+\]|[a-z0-9_-]{1,250}))*$`.
pub fn is_selector(s: &str) -> bool {
    let mut segments = s.split('.');
    let Some(first) = segments.next() else {
        return false;
    };
    let word = |w: &str, min: usize, max: usize| {
        (min..=max).contains(&w.len())
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    let first_ok =
        first.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) && word(first, 4, 250);
    first_ok
        && segments.all(|seg| {
            seg.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .map_or_else(
                    || word(seg, 1, 250),
                    |digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()),
                )
        })
}

const MAX_DEPTH: usize = 32;

fn parse_pred(v: &Value, groups: &BTreeMap<String, Group>, depth: usize) -> Result<Pred, String> {
    if depth > MAX_DEPTH {
        return Err(format!("predicates nest deeper than {MAX_DEPTH}"));
    }
    let map = v.as_object().ok_or("a predicate is an object")?;
    let only = |key: &str| map.len() == 1 && map.contains_key(key);
    if only("all") || only("any") {
        let list = map
            .get("all")
            .or_else(|| map.get("any"))
            .and_then(Value::as_array)
            .ok_or("all/any take a list")?;
        let preds = list
            .iter()
            .map(|p| parse_pred(p, groups, depth + 1))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(if map.contains_key("all") {
            Pred::All(preds)
        } else {
            Pred::Any(preds)
        });
    }
    if only("not") {
        let inner = map.get("not").ok_or("not takes a predicate")?;
        return Ok(Pred::Not(Box::new(parse_pred(inner, groups, depth + 1)?)));
    }
    parse_leaf(map, groups).map(Pred::Leaf)
}

fn parse_leaf(map: &Map<String, Value>, groups: &BTreeMap<String, Group>) -> Result<Leaf, String> {
    if let Some(k) = map
        .keys()
        .find(|k| !["attr", "op", "value"].contains(&k.as_str()))
    {
        return Err(format!(
            "unknown key {k} (a predicate is all, any, not, or attr/op/value)"
        ));
    }
    let attr_text = map
        .get("attr")
        .and_then(Value::as_str)
        .ok_or("attr is required")?;
    let attr =
        Path::parse(attr_text).ok_or_else(|| format!("unknown attribute path {attr_text}"))?;
    let op_text = map
        .get("op")
        .and_then(Value::as_str)
        .ok_or("op is required")?;
    let op = Op::parse(op_text).ok_or_else(|| format!("unknown operator {op_text}"))?;
    let raw = map.get("value").ok_or("value is required")?;
    let value = parse_operand(raw, groups)?;
    check_types(&attr, op, &value)?;
    Ok(Leaf { attr, op, value })
}

fn parse_operand(raw: &Value, groups: &BTreeMap<String, Group>) -> Result<Operand, String> {
    Ok(match raw {
        Value::String(s) => Operand::Str(s.clone()),
        Value::Number(n) => Operand::Int(
            n.as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or("a number operand is a non-negative level")?,
        ),
        Value::Bool(b) => Operand::Str(b.to_string()),
        Value::Array(items) => Operand::List(
            items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_owned)
                        .ok_or("a list operand holds strings")
                })
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(m) if m.contains_key("group") => {
            if m.len() != 1 {
                return Err("{group: NAME} takes nothing else".into());
            }
            let name = m
                .get("group")
                .and_then(Value::as_str)
                .ok_or("group names a group")?;
            if !groups.contains_key(name) {
                return Err(format!("unknown group {name}"));
            }
            Operand::Group(name.to_owned())
        }
        Value::Object(m) if m.contains_key("ref") => {
            if let Some(k) = m.keys().find(|k| *k != "ref" && *k != "plus") {
                return Err(format!("unknown key {k} in a ref"));
            }
            let text = m
                .get("ref")
                .and_then(Value::as_str)
                .ok_or("ref names an attribute")?;
            let path = Path::parse(text).ok_or_else(|| format!("unknown attribute path {text}"))?;
            let plus = match m.get("plus") {
                None => None,
                Some(p) => {
                    let d = p.as_str().ok_or("plus is an ISO 8601 duration")?;
                    if path.kind() != Kind::Time {
                        return Err("plus applies to time attributes only".into());
                    }
                    Some(Duration::parse(d).map_err(|e| e.to_string())?)
                }
            };
            Operand::Ref { path, plus }
        }
        _ => return Err(format!("unsupported operand {raw}")),
    })
}

fn check_types(attr: &Path, op: Op, value: &Operand) -> Result<(), String> {
    let rhs_kind = match value {
        Operand::Ref { path, .. } => Some(path.kind()),
        _ => None,
    };
    let fault = || {
        Err(format!(
            "operator {} does not apply to {attr} with this value",
            op.as_str()
        ))
    };
    let ok = match (attr.kind(), op) {
        (Kind::Scalar, Op::Eq | Op::Ne) => {
            matches!(value, Operand::Str(_)) || rhs_kind == Some(Kind::Scalar)
        }
        (Kind::Scalar, Op::In | Op::NotIn) => {
            matches!(value, Operand::List(_) | Operand::Group(_)) || rhs_kind == Some(Kind::Set)
        }
        (Kind::Set, Op::Eq | Op::Ne) => {
            matches!(value, Operand::Str(_)) || rhs_kind == Some(Kind::Scalar)
        }
        (Kind::Set, Op::Intersects | Op::SubsetOf) => {
            matches!(value, Operand::List(_) | Operand::Group(_)) || rhs_kind == Some(Kind::Set)
        }
        (Kind::Level, Op::Eq | Op::Ne | Op::Gte | Op::Lte) => {
            matches!(value, Operand::Int(_) | Operand::Str(_)) || rhs_kind == Some(Kind::Level)
        }
        (Kind::Time, Op::After | Op::Before) => match value {
            Operand::Str(s) => time::parse_instant(s).is_ok(),
            _ => rhs_kind == Some(Kind::Time),
        },
        _ => false,
    };
    if !ok {
        return fault();
    }
    if *attr == Path::LabelTlp {
        let words: Vec<&str> = match value {
            Operand::Str(s) => vec![s.as_str()],
            Operand::List(l) => l.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        };
        if let Some(w) = words.iter().find(|w| Tlp::parse(w).is_none()) {
            return Err(format!("unknown TLP level {w}"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one_rule(rule: &str) -> Result<RuleSet, Error> {
        RuleSet::parse(&format!(
            "id: t\nversion: 1\ngroups: {{FVEY: {{nations: [GBR, USA]}}}}\nrules:\n  - {rule}"
        ))
    }

    fn rule_error(rule: &str) -> String {
        match one_rule(rule) {
            Err(Error::Rule { rule, message }) => format!("{rule}: {message}"),
            other => panic!("expected a rule error, got {other:?}"),
        }
    }

    #[test]
    fn permissive_rule_set_parses() {
        let r = RuleSet::permissive();
        assert_eq!(r.rules.len(), 1);
        assert!(r.digest().starts_with("sha256:"));
    }

    #[test]
    fn unknown_attribute_path_names_the_rule() {
        let e = rule_error(
            "{id: r1, effect: withhold, scope: {attr: label.colour, op: eq, value: red}}",
        );
        assert!(
            e.starts_with("r1: scope: unknown attribute path label.colour"),
            "{e}"
        );
    }

    #[test]
    fn unknown_operator_names_the_rule() {
        let e = rule_error(
            "{id: r2, effect: withhold, scope: {attr: label.tlp, op: like, value: red}}",
        );
        assert!(e.starts_with("r2: scope: unknown operator like"), "{e}");
    }

    #[test]
    fn unknown_group_names_the_rule() {
        let e = rule_error(
            "{id: r3, effect: withhold, audience: {attr: subject.nation, op: in, value: {group: NOPE}}}",
        );
        assert!(e.contains("r3") && e.contains("unknown group NOPE"), "{e}");
    }

    #[test]
    fn operator_type_mismatch_names_the_rule() {
        let e = rule_error(
            "{id: r4, effect: withhold, audience: {attr: subject.nation, op: intersects, value: [GBR]}}",
        );
        assert!(e.starts_with("r4: audience: operator intersects"), "{e}");
        let e = rule_error(
            "{id: r5, effect: withhold, when: {attr: env.now, op: before, value: tomorrow}}",
        );
        assert!(e.starts_with("r5: when:"), "{e}");
        let e = rule_error(
            "{id: r6, effect: withhold, scope: {attr: label.tlp, op: eq, value: purple}}",
        );
        assert!(e.contains("unknown TLP level purple"), "{e}");
    }

    #[test]
    fn unknown_keys_and_effects_are_refused() {
        assert!(rule_error("{id: r7, effect: allow}").starts_with("r7: effect"));
        assert!(
            rule_error("{id: r8, effect: release, scopes: {}}")
                .starts_with("r8: unknown key scopes")
        );
        assert!(
            rule_error("{id: r9, effect: withhold, redact: [description]}")
                .starts_with("r9: redact")
        );
        assert!(
            rule_error("{id: r10, effect: release, redact: ['Bad..']}").starts_with("r10: redact")
        );
    }

    #[test]
    fn duplicate_rule_ids_are_refused() {
        let e = RuleSet::parse(
            "id: t\nversion: 1\nrules: [{id: a, effect: release}, {id: a, effect: withhold}]",
        );
        assert!(matches!(e, Err(Error::Rule { rule, .. }) if rule == "a"));
    }

    #[test]
    fn worked_example_rules_parse() {
        let r = RuleSet::parse(include_str!("../tests/data/worked-examples-rules.yaml")).unwrap();
        assert_eq!(r.rules.len(), 5);
        assert_eq!(
            r.rule("ex4-certx-embargo").unwrap().effect,
            RuleEffect::Withhold
        );
    }

    #[test]
    fn selectors_follow_stix_syntax() {
        assert!(is_selector("description"));
        assert!(is_selector("external_references.[0].url"));
        assert!(!is_selector("abc"));
        assert!(!is_selector("Description"));
        assert!(!is_selector("description.[x]"));
    }

    #[test]
    fn digest_is_stable_across_formatting() {
        let a = RuleSet::parse("id: t\nversion: 1\nrules: [{id: a, effect: release}]").unwrap();
        let b = RuleSet::parse("{\"rules\": [{\"effect\": \"release\", \"id\": \"a\"}], \"version\": 1, \"id\": \"t\"}").unwrap();
        assert_eq!(a.digest(), b.digest());
    }
}
