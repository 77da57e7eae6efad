//! The compiled engine: one per settled rule-set version.
//!
//! Compilation resolves every attribute path and literal against the loaded policies and the
//! rule set's groups, and interns strings to symbols so that set tests are bit tests. At run
//! time labels (with the object facts rules may read) are interned to release keys and
//! subjects to audience classes; the first decision for a (release key, audience class) pair
//! partially evaluates baseline and rules down to what still depends on time (embargoes,
//! `env.now` and `event.received_at` tests) and caches that. Later decisions for the pair are
//! a cache lookup and, where time matters, a few comparisons that also give the window over
//! which the decision holds. A cache belongs to one engine, so to one rule-set version.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::{Arc, PoisonError, RwLock};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use stix_model::timestamp::Instant;

use crate::bits::Bits;
use crate::decision::{Clause, Decision, Effect, Explanation, Window};
use crate::error::Error;
use crate::label::{Label, LabelId, Originator, PolicyPart, Tlp};
use crate::markings::{LabelReader, MarkingCatalogue};
use crate::mission::Mission;
use crate::policy::{self, CategoryType, Policy};
use crate::rules::{Group, Leaf, Op, Operand, Path, Pred, RuleEffect, RuleSet, TlpOrganisation};
use crate::subject::{Ceiling, Partner, Status, Subject};
use crate::time::{self, Duration};

/// An interned release: (label id, object type, created_by_ref, submitter). Process-local.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReleaseKey(u32);

/// An interned effective subject: subjects with identical attributes share a class.
/// Process-local and per engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AudienceClass(u32);

impl AudienceClass {
    pub fn index(self) -> u32 {
        self.0
    }
}

/// Facts about an object version, other than its label, that rules may read.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReleaseFacts {
    pub object_type: String,
    pub created_by_ref: Option<String>,
    /// The partner that submitted this version to the hub.
    pub submitter: String,
}

/// Who submitted an object version and when the hub received it (never a STIX timestamp).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub submitter: String,
    pub received_at: Instant,
}

/// A labelled object version (or granular selector set), ready for decisions.
#[derive(Debug, Clone)]
pub struct Release {
    pub key: ReleaseKey,
    pub label_id: LabelId,
    pub label: Arc<Label>,
    pub facts: ReleaseFacts,
    pub received_at: Instant,
}

/// The labels of one object version: the whole object, and each set of granular selectors
/// whose label differs.
#[derive(Debug, Clone)]
pub struct LabelledObject {
    pub object: Release,
    pub granular: Vec<GranularRelease>,
}

#[derive(Debug, Clone)]
pub struct GranularRelease {
    pub selectors: Vec<String>,
    pub release: Release,
}

// ---------------------------------------------------------------------------------------
// Compiled forms

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TimeBase {
    Now,
    Received,
    Abs(i128),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct TimeTerm {
    base: TimeBase,
    plus: i128,
}

impl TimeTerm {
    fn at(self, received: i128, now: i128) -> i128 {
        let base = match self.base {
            TimeBase::Now => now,
            TimeBase::Received => received,
            TimeBase::Abs(a) => a,
        };
        base.saturating_add(self.plus)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term {
    SubjectPartner,
    SubjectNation,
    SubjectOrgs,
    SubjectCommunities,
    SubjectRole,
    SubjectClearance(usize),
    SubjectCaveats(usize),
    LabelPolicy,
    LabelClassification(usize),
    LabelRelTo,
    LabelTlp,
    LabelOriginator,
    LabelReleaseAuthority,
    LabelCategories(usize),
    ObjectType,
    ObjectCreatedByRef,
    EventSubmitter,
    Time(TimeTerm),
}

#[derive(Debug, Clone)]
enum Rhs {
    Sym(u32),
    Bits(Bits),
    Level(u32),
    Term(Term),
}

#[derive(Debug, Clone)]
struct CLeaf {
    attr: Term,
    op: Op,
    rhs: Rhs,
}

#[derive(Debug, Clone)]
enum CPred {
    All(Vec<CPred>),
    Any(Vec<CPred>),
    Not(Box<CPred>),
    Leaf(CLeaf),
}

#[derive(Debug, Clone)]
struct CRule {
    id: String,
    effect: RuleEffect,
    scope: Option<CPred>,
    audience: Option<CPred>,
    when: Option<CPred>,
    unless: Option<CPred>,
    redact: Vec<String>,
}

#[derive(Debug, Clone)]
struct TagSetInfo {
    id: String,
    kind: CategoryType,
}

#[derive(Debug)]
struct CRelease {
    label: Arc<Label>,
    policies: Bits,
    parts: Vec<CPart>,
    rel_to: Bits,
    categories: Vec<Bits>,
    tlp: Option<Tlp>,
    tlp_sym: Option<u32>,
    originator: Option<u32>,
    originator_orgs: Bits,
    originator_clients: Bits,
    release_authority: Option<u32>,
    embargo: Option<i128>,
    object_type: Option<u32>,
    created_by_ref: Option<u32>,
    submitter: Option<u32>,
}

#[derive(Debug)]
struct CPart {
    policy: usize,
    policy_id: policy::PolicyId,
    level: u32,
    categories: Vec<(usize, Bits)>,
}

#[derive(Debug)]
struct CSubject {
    subject: Subject,
    partner: Option<u32>,
    nation: Option<u32>,
    role: Option<u32>,
    orgs: Bits,
    communities: Bits,
    clearance: Vec<Option<u32>>,
    caveats: Vec<Bits>,
    /// Nation, communities and the names of rule-set groups the subject belongs to: what a
    /// permissive category value (e.g. Releasable To FVEY) is matched against.
    memberships: Bits,
    in_tlp_community: bool,
}

/// A predicate reduced to what depends on time.
#[derive(Debug, Clone, PartialEq)]
enum Residual {
    Const(bool),
    Time(TimeTerm, Op, TimeTerm),
    All(Vec<Residual>),
    Any(Vec<Residual>),
    Not(Box<Residual>),
}

impl Residual {
    fn all(items: Vec<Residual>) -> Residual {
        let mut kept = Vec::new();
        for r in items {
            match r {
                Residual::Const(true) => {}
                Residual::Const(false) => return Residual::Const(false),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Residual::Const(true),
            1 => kept.pop().unwrap_or(Residual::Const(true)),
            _ => Residual::All(kept),
        }
    }

    fn any(items: Vec<Residual>) -> Residual {
        let mut kept = Vec::new();
        for r in items {
            match r {
                Residual::Const(false) => {}
                Residual::Const(true) => return Residual::Const(true),
                other => kept.push(other),
            }
        }
        match kept.len() {
            0 => Residual::Const(false),
            1 => kept.pop().unwrap_or(Residual::Const(false)),
            _ => Residual::Any(kept),
        }
    }

    fn not(r: Residual) -> Residual {
        match r {
            Residual::Const(b) => Residual::Const(!b),
            other => Residual::Not(Box::new(other)),
        }
    }

    fn eval(&self, received: i128, now: i128) -> bool {
        match self {
            Residual::Const(b) => *b,
            Residual::Time(a, op, b) => time_test(a.at(received, now), *op, b.at(received, now)),
            Residual::All(rs) => rs.iter().all(|r| r.eval(received, now)),
            Residual::Any(rs) => rs.iter().any(|r| r.eval(received, now)),
            Residual::Not(r) => !r.eval(received, now),
        }
    }

    /// Instants (as nanoseconds) at which the value may change as `now` moves.
    fn boundaries(&self, received: i128, out: &mut Vec<i128>) {
        match self {
            Residual::Const(_) => {}
            Residual::Time(a, op, b) => {
                let now_side = |t: &TimeTerm| t.base == TimeBase::Now;
                let (now_term, other, now_on_left) = match (now_side(a), now_side(b)) {
                    (true, false) => (a, b, true),
                    (false, true) => (b, a, false),
                    _ => return,
                };
                // now + d (op) c  ⇔  now (op) c - d
                let c = other.at(received, 0).saturating_sub(now_term.plus);
                let now_is_less = (*op == Op::Before) == now_on_left;
                // "now < c" flips at c; "now > c" flips at c + 1ns.
                out.push(if now_is_less { c } else { c.saturating_add(1) });
            }
            Residual::All(rs) | Residual::Any(rs) => {
                rs.iter().for_each(|r| r.boundaries(received, out))
            }
            Residual::Not(r) => r.boundaries(received, out),
        }
    }
}

fn time_test(a: i128, op: Op, b: i128) -> bool {
    match op {
        Op::Before => a < b,
        Op::After => a > b,
        _ => false,
    }
}

#[derive(Debug)]
enum Cached {
    Fixed(Decision),
    Timed(Timed),
}

#[derive(Debug)]
struct Timed {
    embargo: Option<i128>,
    withhold: Vec<(usize, Residual)>,
    release: Vec<(usize, Residual)>,
}

#[derive(Debug, Default)]
struct Tables {
    symbols: HashMap<String, u32>,
    names: Vec<String>,
    releases: HashMap<(LabelId, ReleaseFacts), ReleaseKey>,
    release_list: Vec<Arc<CRelease>>,
    audiences: HashMap<Subject, AudienceClass>,
    audience_list: Vec<Arc<CSubject>>,
}

impl Tables {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.symbols.get(s) {
            return id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.symbols.insert(s.to_owned(), id);
        self.names.push(s.to_owned());
        id
    }

    fn bits<'a>(&mut self, values: impl IntoIterator<Item = &'a String>) -> Bits {
        let syms: Vec<u32> = values.into_iter().map(|v| self.intern(v)).collect();
        Bits::of(syms)
    }
}

/// The decision cache: keys are small interned integers chosen by the engine, not by peers,
/// so a fast multiplicative hash (FxHash's) is safe here and keeps the lookup cheap.
type DecisionCache =
    HashMap<(ReleaseKey, AudienceClass), Arc<Cached>, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// The compiled release engine for one rule-set version.
pub struct Engine {
    rules: RuleSet,
    policies: Vec<Policy>,
    partners: BTreeMap<String, Partner>,
    default_part: Option<PolicyPart>,
    reader: LabelReader,
    tag_sets: Vec<TagSetInfo>,
    compiled: Vec<CRule>,
    groups: BTreeMap<String, Group>,
    tables: RwLock<Tables>,
    cache: RwLock<DecisionCache>,
    /// Labels already checked against the policies, with their ids.
    label_ids: RwLock<HashMap<Label, LabelId>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("ruleset", &self.rules.id)
            .field("version", &self.rules.version)
            .finish_non_exhaustive()
    }
}

impl Engine {
    /// Compiles a mission's genesis rule set with its policies and partners.
    pub fn from_mission(mission: &Mission) -> Result<Engine, Error> {
        let default_part = match &mission.default_label {
            Some(d) => {
                let p =
                    policy::find(&mission.policies, &d.policy).ok_or_else(|| Error::Mission {
                        message: format!("default_label: unknown policy {}", d.policy),
                    })?;
                Some(crate::label::part_from_names(p, &d.classification, &[])?)
            }
            None => None,
        };
        Engine::compile(
            &mission.rules,
            &mission.policies,
            &mission.partners,
            default_part,
        )
    }

    /// Compiles a rule set against policies and the mission's partners (whose orgs and
    /// clients give TLP its meaning). `default_part` labels objects that no marking places
    /// under a policy.
    pub fn compile(
        rules: &RuleSet,
        policies: &[Policy],
        partners: &[Partner],
        default_part: Option<PolicyPart>,
    ) -> Result<Engine, Error> {
        let mut tag_sets = Vec::new();
        for p in policies {
            for t in p.tag_sets() {
                tag_sets.push(TagSetInfo {
                    id: t.id.clone(),
                    kind: t.kind,
                });
            }
        }
        let mut engine = Engine {
            rules: rules.clone(),
            policies: policies.to_vec(),
            partners: partners.iter().map(|p| (p.id.clone(), p.clone())).collect(),
            default_part,
            reader: LabelReader::new()?,
            tag_sets,
            compiled: Vec::new(),
            groups: rules.groups.clone(),
            tables: RwLock::new(Tables::default()),
            cache: RwLock::new(DecisionCache::default()),
            label_ids: RwLock::new(HashMap::new()),
        };
        let mut tables = Tables::default();
        let mut compiled = Vec::with_capacity(rules.rules.len());
        for r in &rules.rules {
            let pred = |p: &Option<Pred>, t: &mut Tables| {
                p.as_ref()
                    .map(|p| engine.compile_pred(p, t).map_err(|m| Error::rule(&r.id, m)))
                    .transpose()
            };
            compiled.push(CRule {
                id: r.id.clone(),
                effect: r.effect,
                scope: pred(&r.scope, &mut tables)?,
                audience: pred(&r.audience, &mut tables)?,
                when: pred(&r.when, &mut tables)?,
                unless: pred(&r.unless, &mut tables)?,
                redact: r.redact.clone(),
            });
        }
        engine.compiled = compiled;
        engine.tables = RwLock::new(tables);
        Ok(engine)
    }

    pub fn rule_set(&self) -> &RuleSet {
        &self.rules
    }

    pub fn version(&self) -> u64 {
        self.rules.version
    }

    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    pub fn partner(&self, id: &str) -> Option<&Partner> {
        self.partners.get(id)
    }

    /// The effective subject of a mission partner through a credential with `ceiling`.
    pub fn subject(&self, partner: &str, ceiling: &Ceiling) -> Result<Subject, Error> {
        let p = self.partners.get(partner).ok_or_else(|| Error::Subject {
            partner: partner.to_owned(),
            message: "not a partner of this mission".into(),
        })?;
        Subject::effective(p, ceiling, &self.policies)
    }

    fn policy_index(&self, name: &str) -> Result<usize, String> {
        self.policies
            .iter()
            .position(|p| p.id().as_str() == name)
            .or_else(|| self.policies.iter().position(|p| p.name() == name))
            .ok_or_else(|| format!("unknown policy {name}"))
    }

    fn tag_set_index(&self, name: &str) -> Result<usize, String> {
        if let Some(i) = self.tag_sets.iter().position(|t| t.id == name) {
            return Ok(i);
        }
        let by_name: Vec<usize> = self
            .policies
            .iter()
            .flat_map(|p| {
                p.tag_sets()
                    .iter()
                    .filter(|t| t.name == name)
                    .map(|t| t.id.as_str())
            })
            .filter_map(|id| self.tag_sets.iter().position(|t| t.id == id))
            .collect();
        match by_name.as_slice() {
            [one] => Ok(*one),
            [] => Err(format!("unknown tag set {name}")),
            _ => Err(format!("tag set name {name} is ambiguous; use its id")),
        }
    }

    fn term(&self, path: &Path, plus: Option<Duration>) -> Result<Term, String> {
        let plus = plus.map_or(0, Duration::nanos);
        Ok(match path {
            Path::SubjectPartner => Term::SubjectPartner,
            Path::SubjectNation => Term::SubjectNation,
            Path::SubjectOrgs => Term::SubjectOrgs,
            Path::SubjectCommunities => Term::SubjectCommunities,
            Path::SubjectRole => Term::SubjectRole,
            Path::SubjectClearance(p) => Term::SubjectClearance(self.policy_index(p)?),
            Path::SubjectCaveats(t) => Term::SubjectCaveats(self.tag_set_index(t)?),
            Path::LabelPolicy => Term::LabelPolicy,
            Path::LabelClassification(p) => Term::LabelClassification(self.policy_index(p)?),
            Path::LabelRelTo => Term::LabelRelTo,
            Path::LabelTlp => Term::LabelTlp,
            Path::LabelOriginator => Term::LabelOriginator,
            Path::LabelReleaseAuthority => Term::LabelReleaseAuthority,
            Path::LabelCategories(t) => Term::LabelCategories(self.tag_set_index(t)?),
            Path::ObjectType => Term::ObjectType,
            Path::ObjectCreatedByRef => Term::ObjectCreatedByRef,
            Path::EventSubmitter => Term::EventSubmitter,
            Path::EventReceivedAt => Term::Time(TimeTerm {
                base: TimeBase::Received,
                plus,
            }),
            Path::EnvNow => Term::Time(TimeTerm {
                base: TimeBase::Now,
                plus,
            }),
        })
    }

    fn compile_pred(&self, p: &Pred, t: &mut Tables) -> Result<CPred, String> {
        Ok(match p {
            Pred::All(ps) => CPred::All(
                ps.iter()
                    .map(|p| self.compile_pred(p, t))
                    .collect::<Result<_, _>>()?,
            ),
            Pred::Any(ps) => CPred::Any(
                ps.iter()
                    .map(|p| self.compile_pred(p, t))
                    .collect::<Result<_, _>>()?,
            ),
            Pred::Not(p) => CPred::Not(Box::new(self.compile_pred(p, t)?)),
            Pred::Leaf(l) => CPred::Leaf(self.compile_leaf(l, t)?),
        })
    }

    fn compile_leaf(&self, l: &Leaf, t: &mut Tables) -> Result<CLeaf, String> {
        let attr = self.term(&l.attr, None)?;
        let rhs = match &l.value {
            Operand::Ref { path, plus } => Rhs::Term(self.term(path, *plus)?),
            Operand::Group(g) => {
                let group = self
                    .groups
                    .get(g)
                    .ok_or_else(|| format!("unknown group {g}"))?;
                Rhs::Bits(t.bits(&group.values(g)))
            }
            Operand::List(items) => Rhs::Bits(t.bits(items)),
            Operand::Int(n) => Rhs::Level(*n),
            Operand::Str(s) => match &l.attr {
                Path::SubjectClearance(p) | Path::LabelClassification(p) => {
                    let pi = self.policy_index(p)?;
                    let policy = self.policies.get(pi).ok_or("unknown policy")?;
                    Rhs::Level(policy.level_of(s).ok_or_else(|| {
                        format!("policy {} has no classification {s}", policy.name())
                    })?)
                }
                Path::EnvNow | Path::EventReceivedAt => {
                    let at = time::parse_instant(s).map_err(|e| e.to_string())?;
                    Rhs::Term(Term::Time(TimeTerm {
                        base: TimeBase::Abs(time::nanos(at)),
                        plus: 0,
                    }))
                }
                Path::LabelTlp => Rhs::Sym(match Tlp::parse(s) {
                    Some(word) => t.intern(word.as_str()),
                    None => t.intern(s),
                }),
                _ => Rhs::Sym(t.intern(s)),
            },
        };
        Ok(CLeaf {
            attr,
            op: l.op,
            rhs,
        })
    }

    // -----------------------------------------------------------------------------------
    // Labels and releases

    /// The labels of an object version from its markings, with the mission's defaults
    /// (originator = submitter; the default label for objects no marking places under a
    /// policy), checked against the policies and interned.
    pub fn label_for(
        &self,
        object: &Map<String, Value>,
        catalogue: &dyn MarkingCatalogue,
        receipt: &Receipt,
    ) -> Result<LabelledObject, Error> {
        let labels = self.reader.labels_of(object, catalogue, &self.policies)?;
        let facts = ReleaseFacts {
            object_type: object
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            created_by_ref: object
                .get("created_by_ref")
                .and_then(Value::as_str)
                .map(str::to_owned),
            submitter: receipt.submitter.clone(),
        };
        let whole = self.release(
            self.with_defaults(labels.object, &receipt.submitter),
            facts.clone(),
            receipt.received_at,
        )?;
        let mut granular = Vec::with_capacity(labels.granular.len());
        for (selectors, label) in labels.granular {
            let release = self.release(
                self.with_defaults(label, &receipt.submitter),
                facts.clone(),
                receipt.received_at,
            )?;
            granular.push(GranularRelease { selectors, release });
        }
        Ok(LabelledObject {
            object: whole,
            granular,
        })
    }

    fn with_defaults(&self, mut label: Label, submitter: &str) -> Label {
        if label.originator.is_none() {
            label.originator = Some(Originator {
                partner: submitter.to_owned(),
                id_type: None,
                id: None,
            });
            label.sources.push("submitter".to_owned());
        }
        if label.parts.is_empty() {
            if let Some(part) = &self.default_part {
                label.parts.push(part.clone());
                label.sources.push("default".to_owned());
            }
        }
        label
    }

    /// Interns a label with the facts of an object version (e.g. one read back from storage),
    /// after checking it against the policies.
    pub fn release(
        &self,
        label: Label,
        facts: ReleaseFacts,
        received_at: Instant,
    ) -> Result<Release, Error> {
        let label_id = self.checked_label_id(&label)?;
        let ident = (label_id.clone(), facts.clone());
        let found = {
            let tables = self.tables.read().unwrap_or_else(PoisonError::into_inner);
            tables.releases.get(&ident).and_then(|k| {
                tables
                    .release_list
                    .get(k.0 as usize)
                    .map(|c| (*k, Arc::clone(&c.label)))
            })
        };
        if let Some((key, label)) = found {
            return Ok(Release {
                key,
                label_id,
                label,
                facts,
                received_at,
            });
        }
        let mut tables = self.tables.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(k) = tables.releases.get(&ident).copied() {
            if let Some(c) = tables.release_list.get(k.0 as usize) {
                let label = Arc::clone(&c.label);
                return Ok(Release {
                    key: k,
                    label_id,
                    label,
                    facts,
                    received_at,
                });
            }
        }
        let compiled = self.compile_release(Arc::new(label), &facts, &mut tables);
        let key = ReleaseKey(u32::try_from(tables.release_list.len()).unwrap_or(u32::MAX));
        let label = Arc::clone(&compiled.label);
        tables.release_list.push(Arc::new(compiled));
        tables.releases.insert(ident, key);
        Ok(Release {
            key,
            label_id,
            label,
            facts,
            received_at,
        })
    }

    /// Checks a label against the policies and computes its id, once per distinct label.
    fn checked_label_id(&self, label: &Label) -> Result<LabelId, Error> {
        if let Some(id) = self
            .label_ids
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(label)
        {
            return Ok(id.clone());
        }
        label.check(&self.policies)?;
        let id = label.id();
        let mut ids = self
            .label_ids
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        if ids.len() < 1 << 20 {
            ids.insert(label.clone(), id.clone());
        }
        Ok(id)
    }

    fn compile_release(&self, label: Arc<Label>, facts: &ReleaseFacts, t: &mut Tables) -> CRelease {
        let mut categories = vec![Bits::new(); self.tag_sets.len()];
        let mut parts = Vec::new();
        for part in &label.parts {
            let Ok(pi) = self.policy_index(part.policy.id.as_str()) else {
                continue;
            };
            let mut cats = Vec::new();
            for c in &part.categories {
                if let Some(ti) = self.tag_sets.iter().position(|ts| ts.id == c.tag_set) {
                    let bits = t.bits(&c.values);
                    if let Some(slot) = categories.get_mut(ti) {
                        *slot = bits.clone();
                    }
                    cats.push((ti, bits));
                }
            }
            parts.push(CPart {
                policy: pi,
                policy_id: part.policy.id.clone(),
                level: part.classification.level,
                categories: cats,
            });
        }
        let originator = label.originator.as_ref().map(|o| o.partner.clone());
        let (originator_orgs, originator_clients) = match originator.as_deref() {
            Some(o) => {
                let partner = self.partners.get(o);
                let mut orgs: BTreeSet<String> = partner
                    .map(|p| p.orgs.iter().cloned().collect())
                    .unwrap_or_default();
                orgs.insert(o.to_owned());
                let clients: Vec<String> = partner.map(|p| p.clients.clone()).unwrap_or_default();
                (t.bits(&orgs), t.bits(&clients))
            }
            None => (Bits::new(), Bits::new()),
        };
        let policy_names: Vec<String> = label
            .parts
            .iter()
            .map(|p| p.policy.id.to_string())
            .collect();
        let rel_to = label.rel_to(&self.policies);
        CRelease {
            policies: t.bits(&policy_names),
            parts,
            rel_to: t.bits(&rel_to),
            categories,
            tlp: label.tlp,
            tlp_sym: label.tlp.map(|x| t.intern(x.as_str())),
            originator: originator.as_deref().map(|o| t.intern(o)),
            originator_orgs,
            originator_clients,
            release_authority: label
                .release_authority
                .as_ref()
                .map(|r| t.intern(&r.partner)),
            embargo: label
                .handling
                .embargo
                .map(Duration::nanos)
                .filter(|e| *e > 0),
            object_type: Some(t.intern(&facts.object_type)),
            created_by_ref: facts.created_by_ref.as_deref().map(|c| t.intern(c)),
            submitter: Some(t.intern(&facts.submitter)),
            label,
        }
    }

    // -----------------------------------------------------------------------------------
    // Subjects

    /// The audience class of an effective subject (interned; equal subjects share a class).
    pub fn audience_of(&self, subject: &Subject) -> AudienceClass {
        if let Some(a) = self
            .tables
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .audiences
            .get(subject)
        {
            return *a;
        }
        let mut tables = self.tables.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(a) = tables.audiences.get(subject) {
            return *a;
        }
        let compiled = self.compile_subject(subject, &mut tables);
        let class = AudienceClass(u32::try_from(tables.audience_list.len()).unwrap_or(u32::MAX));
        tables.audience_list.push(Arc::new(compiled));
        tables.audiences.insert(subject.clone(), class);
        class
    }

    /// Every audience class interned so far, with its subject.
    pub fn audiences(&self) -> Vec<(AudienceClass, Subject)> {
        let tables = self.tables.read().unwrap_or_else(PoisonError::into_inner);
        tables
            .audience_list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                (
                    AudienceClass(u32::try_from(i).unwrap_or(u32::MAX)),
                    s.subject.clone(),
                )
            })
            .collect()
    }

    /// The audience classes of every mission partner at full clearance (no credential
    /// ceiling): what the hub indexes at ingest before any credential narrows them.
    pub fn partner_audiences(&self) -> Result<Vec<(String, AudienceClass)>, Error> {
        self.partners
            .keys()
            .map(|id| {
                Ok((
                    id.clone(),
                    self.audience_of(&self.subject(id, &Ceiling::None)?),
                ))
            })
            .collect()
    }

    fn compile_subject(&self, s: &Subject, t: &mut Tables) -> CSubject {
        let clearance = self
            .policies
            .iter()
            .map(|p| s.clearance.get(p.id()).copied())
            .collect();
        let caveats = self
            .tag_sets
            .iter()
            .map(|ts| s.caveats.get(&ts.id).map(|v| t.bits(v)).unwrap_or_default())
            .collect();
        let mut memberships: BTreeSet<String> = s.communities.clone();
        memberships.extend(s.nation.clone());
        for (name, g) in &self.groups {
            if in_group(s, g) {
                memberships.insert(name.clone());
            }
        }
        let in_tlp_community = self
            .rules
            .semantics
            .tlp_community
            .as_ref()
            .is_none_or(|g| self.groups.get(g).is_some_and(|g| in_group(s, g)));
        CSubject {
            partner: Some(t.intern(&s.partner)),
            nation: s.nation.as_deref().map(|n| t.intern(n)),
            role: Some(t.intern(&s.role)),
            orgs: t.bits(&s.orgs),
            communities: t.bits(&s.communities),
            clearance,
            caveats,
            memberships: t.bits(&memberships),
            in_tlp_community,
            subject: s.clone(),
        }
    }

    // -----------------------------------------------------------------------------------
    // Decisions

    /// The decision for a release, an audience class and an instant. Cached per (release
    /// key, audience class) in this engine (so per rule-set version).
    pub fn decide(&self, release: &Release, audience: AudienceClass, now: Instant) -> Decision {
        self.decide_key(release.key, audience, release.received_at, now)
    }

    /// [`Engine::decide`] by key, for callers that keep keys and receive times themselves.
    pub fn decide_key(
        &self,
        key: ReleaseKey,
        audience: AudienceClass,
        received_at: Instant,
        now: Instant,
    ) -> Decision {
        let cached = self.cached(key, audience);
        self.finish(&cached, time::nanos(received_at), time::nanos(now))
    }

    fn cached(&self, key: ReleaseKey, audience: AudienceClass) -> Arc<Cached> {
        if let Some(c) = self
            .cache
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&(key, audience))
        {
            return Arc::clone(c);
        }
        let c = Arc::new(self.evaluate(key, audience));
        self.cache
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((key, audience), Arc::clone(&c));
        c
    }

    /// The same decision without the cache (for measurement and for `explain`).
    pub fn decide_uncached(
        &self,
        release: &Release,
        audience: AudienceClass,
        now: Instant,
    ) -> Decision {
        let c = self.evaluate(release.key, audience);
        self.finish(&c, time::nanos(release.received_at), time::nanos(now))
    }

    /// The first instant at or after the hub received the version at which `audience` may
    /// read it, with the decision then (whose window says until when). `None`: never, under
    /// this rule-set version.
    pub fn visible_from(
        &self,
        release: &Release,
        audience: AudienceClass,
    ) -> Option<(Instant, Decision)> {
        let received = time::nanos(release.received_at);
        let cached = self.cached(release.key, audience);
        let mut instants = vec![received];
        if let Cached::Timed(timed) = &*cached {
            let mut b = Vec::new();
            timed_boundaries(timed, received, &mut b);
            instants.extend(b.into_iter().filter(|x| *x > received));
        }
        instants.sort_unstable();
        instants.dedup();
        instants.into_iter().find_map(|at| {
            let d = self.finish(&cached, received, at);
            d.effect.is_release().then(|| (time::from_nanos(at), d))
        })
    }

    /// The decision for a whole object with its granular labels: withheld if the object is;
    /// otherwise selectors whose label is withheld are redacted (with the paths release rules
    /// redact), and the object is withheld if that would remove a property its type requires.
    pub fn decide_object(
        &self,
        object: &LabelledObject,
        audience: AudienceClass,
        now: Instant,
    ) -> Decision {
        let whole = self.decide(&object.object, audience, now);
        if !whole.effect.is_release() || object.granular.is_empty() {
            return whole;
        }
        let mut paths: BTreeSet<String> = match &whole.effect {
            Effect::ReleaseRedacted { paths } => paths.iter().cloned().collect(),
            _ => BTreeSet::new(),
        };
        let mut window = whole.window;
        for g in &object.granular {
            let d = self.decide(&g.release, audience, now);
            window = window.intersect(d.window);
            match d.effect {
                Effect::Withhold => paths.extend(g.selectors.iter().cloned()),
                Effect::ReleaseRedacted { paths: p } => paths.extend(p.iter().cloned()),
                Effect::Release => {}
            }
        }
        if let Some(selector) = paths
            .iter()
            .find(|p| is_required(&object.object.facts.object_type, p))
        {
            return Decision {
                effect: Effect::Withhold,
                window,
                explanation: Arc::new(Explanation::RequiredPropertyWithheld {
                    selector: selector.clone(),
                }),
            };
        }
        Decision {
            effect: if paths.is_empty() {
                Effect::Release
            } else {
                Effect::ReleaseRedacted {
                    paths: paths.into_iter().collect(),
                }
            },
            window,
            explanation: whole.explanation,
        }
    }

    fn finish(&self, cached: &Cached, received: i128, now: i128) -> Decision {
        match cached {
            Cached::Fixed(d) => d.clone(),
            Cached::Timed(timed) => {
                let mut b = Vec::new();
                timed_boundaries(timed, received, &mut b);
                let from = b.iter().copied().filter(|x| *x <= now).max();
                let until = b.iter().copied().filter(|x| *x > now).min();
                let window = Window {
                    from: from.map(time::from_nanos),
                    until: until.map(time::from_nanos),
                };
                if let Some(e) = timed.embargo {
                    let end = received.saturating_add(e);
                    if now < end {
                        return Decision {
                            effect: Effect::Withhold,
                            window,
                            explanation: Arc::new(Explanation::Baseline(Clause::Embargo {
                                until: time::from_nanos(end),
                            })),
                        };
                    }
                }
                let withheld: Vec<String> = timed
                    .withhold
                    .iter()
                    .filter(|(_, r)| r.eval(received, now))
                    .filter_map(|(i, _)| self.compiled.get(*i).map(|r| r.id.clone()))
                    .collect();
                let released: Vec<usize> = timed
                    .release
                    .iter()
                    .filter(|(_, r)| r.eval(received, now))
                    .map(|(i, _)| *i)
                    .collect();
                self.combine(withheld, &released, window)
            }
        }
    }

    fn combine(&self, withheld: Vec<String>, released: &[usize], window: Window) -> Decision {
        if !withheld.is_empty() {
            return Decision {
                effect: Effect::Withhold,
                window,
                explanation: Arc::new(Explanation::WithheldByRules(withheld)),
            };
        }
        if released.is_empty() {
            return Decision {
                effect: Effect::Withhold,
                window,
                explanation: Arc::new(Explanation::NoReleaseRule),
            };
        }
        let rules: Vec<&CRule> = released
            .iter()
            .filter_map(|i| self.compiled.get(*i))
            .collect();
        let paths: BTreeSet<String> = rules
            .iter()
            .flat_map(|r| r.redact.iter().cloned())
            .collect();
        Decision {
            effect: if paths.is_empty() {
                Effect::Release
            } else {
                Effect::ReleaseRedacted {
                    paths: paths.into_iter().collect(),
                }
            },
            window,
            explanation: Arc::new(Explanation::Released(
                rules.iter().map(|r| r.id.clone()).collect(),
            )),
        }
    }

    /// Baseline and rules for one (release, audience), reduced to what depends on time.
    fn evaluate(&self, key: ReleaseKey, audience: AudienceClass) -> Cached {
        let (rel, sub) = {
            let tables = self.tables.read().unwrap_or_else(PoisonError::into_inner);
            (
                tables.release_list.get(key.0 as usize).cloned(),
                tables.audience_list.get(audience.0 as usize).cloned(),
            )
        };
        let (Some(rel), Some(sub)) = (rel, sub) else {
            // A key or class from another engine: fail closed.
            return Cached::Fixed(Decision {
                effect: Effect::Withhold,
                window: Window::ALWAYS,
                explanation: Arc::new(Explanation::NoReleaseRule),
            });
        };
        let embargo = match self.baseline(&rel, &sub) {
            Err(clause) => {
                return Cached::Fixed(Decision {
                    effect: Effect::Withhold,
                    window: Window::ALWAYS,
                    explanation: Arc::new(Explanation::Baseline(clause)),
                });
            }
            Ok(embargo) => embargo,
        };
        let mut withhold = Vec::new();
        let mut release = Vec::new();
        for (i, r) in self.compiled.iter().enumerate() {
            let part = |p: &Option<CPred>| {
                p.as_ref()
                    .map_or(Residual::Const(true), |p| self.pe(p, &rel, &sub))
            };
            let unless = r
                .unless
                .as_ref()
                .map_or(Residual::Const(false), |p| self.pe(p, &rel, &sub));
            let m = Residual::all(vec![
                part(&r.scope),
                part(&r.audience),
                part(&r.when),
                Residual::not(unless),
            ]);
            if m == Residual::Const(false) {
                continue;
            }
            match r.effect {
                RuleEffect::Withhold => withhold.push((i, m)),
                RuleEffect::Release => release.push((i, m)),
            }
        }
        let timed = Timed {
            embargo,
            withhold,
            release,
        };
        let constant = timed.embargo.is_none()
            && timed
                .withhold
                .iter()
                .chain(&timed.release)
                .all(|(_, r)| matches!(r, Residual::Const(_)));
        if constant {
            Cached::Fixed(self.finish(&Cached::Timed(timed), 0, 0))
        } else {
            Cached::Timed(timed)
        }
    }

    /// The baseline (design §0.3), in code: `Err` names the failing clause; `Ok` gives the
    /// embargo still to wait out (from the hub's receive time), if any.
    fn baseline(&self, rel: &CRelease, sub: &CSubject) -> Result<Option<i128>, Clause> {
        if sub.subject.status != Status::Active {
            return Err(Clause::Status(sub.subject.status));
        }
        let policy_name = |pi: usize| {
            self.policies
                .get(pi)
                .map_or_else(String::new, |p| p.name().to_owned())
        };
        for part in &rel.parts {
            match sub.clearance.get(part.policy).copied().flatten() {
                None => {
                    return Err(Clause::NotCleared {
                        policy: policy_name(part.policy),
                    });
                }
                Some(level) if level < part.level => {
                    return Err(Clause::Classification {
                        policy: policy_name(part.policy),
                        label: part.level,
                        subject: level,
                    });
                }
                Some(_) => {}
            }
        }
        for part in &rel.parts {
            for (ti, bits) in &part.categories {
                let Some(info) = self.tag_sets.get(*ti) else {
                    continue;
                };
                let caveats = sub.caveats.get(*ti).cloned().unwrap_or_default();
                match info.kind {
                    CategoryType::Informative => {}
                    CategoryType::Restrictive => {
                        if !bits.is_subset(&caveats) {
                            let held = sub.subject.caveats.get(&info.id);
                            let missing = rel
                                .label
                                .part(&part.policy_id)
                                .and_then(|p| p.category(&info.id))
                                .map(|c| {
                                    c.values
                                        .iter()
                                        .filter(|v| held.is_none_or(|h| !h.contains(*v)))
                                        .cloned()
                                        .collect()
                                })
                                .unwrap_or_default();
                            return Err(Clause::Restrictive {
                                policy: policy_name(part.policy),
                                tag_set: info.id.clone(),
                                missing,
                            });
                        }
                    }
                    CategoryType::Permissive => {
                        if !bits.intersects(&caveats.union(&sub.memberships)) {
                            return Err(Clause::Permissive {
                                policy: policy_name(part.policy),
                                tag_set: info.id.clone(),
                            });
                        }
                    }
                }
            }
        }
        let is_originator = rel.originator.is_some() && rel.originator == sub.partner;
        if let Some(tlp) = rel.tlp {
            let same_org = match self.rules.semantics.tlp_organisation {
                TlpOrganisation::Partner => is_originator,
                TlpOrganisation::Org => is_originator || sub.orgs.intersects(&rel.originator_orgs),
            };
            let client = sub
                .partner
                .is_some_and(|p| rel.originator_clients.contains(p));
            let ok = is_originator
                || match tlp {
                    Tlp::Clear => true,
                    Tlp::Green => sub.in_tlp_community,
                    Tlp::Amber => same_org || client,
                    Tlp::AmberStrict => same_org,
                    Tlp::Red => false,
                };
            if !ok {
                return Err(Clause::Tlp { tlp });
            }
        }
        Ok(if is_originator { None } else { rel.embargo })
    }

    fn scalar(&self, t: Term, rel: &CRelease, sub: &CSubject) -> Option<u32> {
        match t {
            Term::SubjectPartner => sub.partner,
            Term::SubjectNation => sub.nation,
            Term::SubjectRole => sub.role,
            Term::LabelTlp => rel.tlp_sym,
            Term::LabelOriginator => rel.originator,
            Term::LabelReleaseAuthority => rel.release_authority,
            Term::ObjectType => rel.object_type,
            Term::ObjectCreatedByRef => rel.created_by_ref,
            Term::EventSubmitter => rel.submitter,
            _ => None,
        }
    }

    fn set<'a>(&self, t: Term, rel: &'a CRelease, sub: &'a CSubject) -> Option<&'a Bits> {
        match t {
            Term::SubjectOrgs => Some(&sub.orgs),
            Term::SubjectCommunities => Some(&sub.communities),
            Term::SubjectCaveats(i) => sub.caveats.get(i),
            Term::LabelPolicy => Some(&rel.policies),
            Term::LabelRelTo => Some(&rel.rel_to),
            Term::LabelCategories(i) => rel.categories.get(i),
            _ => None,
        }
    }

    fn level(&self, t: Term, rel: &CRelease, sub: &CSubject) -> Option<u32> {
        match t {
            Term::SubjectClearance(pi) => sub.clearance.get(pi).copied().flatten(),
            Term::LabelClassification(pi) => {
                rel.parts.iter().find(|p| p.policy == pi).map(|p| p.level)
            }
            _ => None,
        }
    }

    /// Partial evaluation of a predicate for one (release, subject).
    fn pe(&self, p: &CPred, rel: &CRelease, sub: &CSubject) -> Residual {
        match p {
            CPred::All(ps) => Residual::all(ps.iter().map(|p| self.pe(p, rel, sub)).collect()),
            CPred::Any(ps) => Residual::any(ps.iter().map(|p| self.pe(p, rel, sub)).collect()),
            CPred::Not(p) => Residual::not(self.pe(p, rel, sub)),
            CPred::Leaf(l) => self.pe_leaf(l, rel, sub),
        }
    }

    fn pe_leaf(&self, l: &CLeaf, rel: &CRelease, sub: &CSubject) -> Residual {
        let empty = Bits::new();
        let rhs_set = |rhs: &Rhs| -> Option<Bits> {
            match rhs {
                Rhs::Bits(b) => Some(b.clone()),
                Rhs::Term(t) => Some(self.set(*t, rel, sub).cloned().unwrap_or_default()),
                _ => None,
            }
        };
        let rhs_scalar = |rhs: &Rhs| -> Option<u32> {
            match rhs {
                Rhs::Sym(s) => Some(*s),
                Rhs::Term(t) => self.scalar(*t, rel, sub),
                _ => None,
            }
        };
        let b = match (l.attr, l.op) {
            (Term::Time(a), op) => {
                return match &l.rhs {
                    Rhs::Term(Term::Time(b)) => Residual::Time(a, op, *b),
                    _ => Residual::Const(false),
                };
            }
            (attr @ (Term::SubjectClearance(_) | Term::LabelClassification(_)), op) => {
                let left = self.level(attr, rel, sub);
                let right = match &l.rhs {
                    Rhs::Level(n) => Some(*n),
                    Rhs::Term(t) => self.level(*t, rel, sub),
                    _ => None,
                };
                let eq = matches!((left, right), (Some(a), Some(b)) if a == b);
                match (op, left, right) {
                    (Op::Eq, ..) => eq,
                    (Op::Ne, ..) => !eq,
                    (Op::Gte, Some(a), Some(b)) => a >= b,
                    (Op::Lte, Some(a), Some(b)) => a <= b,
                    _ => false,
                }
            }
            (attr, op) => {
                if let Some(set) = self.set(attr, rel, sub) {
                    match op {
                        Op::Eq | Op::Ne => {
                            let has = rhs_scalar(&l.rhs).is_some_and(|s| set.contains(s));
                            if op == Op::Eq { has } else { !has }
                        }
                        Op::Intersects => set.intersects(&rhs_set(&l.rhs).unwrap_or_default()),
                        Op::SubsetOf => set.is_subset(&rhs_set(&l.rhs).unwrap_or_default()),
                        _ => false,
                    }
                } else {
                    let left = self.scalar(attr, rel, sub);
                    match op {
                        Op::Eq | Op::Ne => {
                            let eq =
                                matches!((left, rhs_scalar(&l.rhs)), (Some(a), Some(b)) if a == b);
                            if op == Op::Eq { eq } else { !eq }
                        }
                        Op::In | Op::NotIn => {
                            let set = rhs_set(&l.rhs).unwrap_or_else(|| empty.clone());
                            let member = left.is_some_and(|s| set.contains(s));
                            if op == Op::In { member } else { !member }
                        }
                        _ => false,
                    }
                }
            }
        };
        Residual::Const(b)
    }
}

fn timed_boundaries(timed: &Timed, received: i128, out: &mut Vec<i128>) {
    if let Some(e) = timed.embargo {
        out.push(received.saturating_add(e));
    }
    for (_, r) in timed.withhold.iter().chain(&timed.release) {
        r.boundaries(received, out);
    }
}

fn in_group(s: &Subject, g: &Group) -> bool {
    s.nation.as_ref().is_some_and(|n| g.nations.contains(n))
        || s.communities.iter().any(|c| g.communities.contains(c))
        || g.partners.contains(&s.partner)
}

/// Whether removing `selector` would remove a property the STIX type requires.
fn is_required(object_type: &str, selector: &str) -> bool {
    const COMMON: &[&str] = &["type", "id", "spec_version", "created", "modified"];
    let top = selector.split('.').next().unwrap_or(selector);
    COMMON.contains(&top)
        || stix_model::spec::lookup(object_type)
            .and_then(|t| t.property(top))
            .is_some_and(|p| p.required)
}
