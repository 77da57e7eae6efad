//! Partner-scoped fan-out: what each partner may see of each collection, decided by the
//! `release-rules` engine and indexed at ingest so that a read is a keyset scan of the
//! reader's own view (design note §4.4, §7.4).
//!
//! - [`Fanout`] is the per-store cache: the [`Snapshot`] of the release state in force (rule
//!   sets compiled to engines, policies, partners, audience classes) for the current epoch, and
//!   the interned labels of stored versions.
//! - [`view`] decides, per object, whether it is shared (every audience sees every version)
//!   or split into per-audience rows with their own dates added and first/last flags.
//! - [`refs`] reads what an object's release depends on (closure), [`redact`] removes what
//!   granular markings withhold on the way out.
//! - [`jobs`] runs the background recomputation when rules or partner attributes change.
//!
//! Rule sets: the *applied* version is the one every view was computed under, the one in
//! force for reads. A newer version is *pending* until the background job has recomputed
//! every view under it: new objects are indexed for its audiences too, and reads re-check
//! every row against it (so it narrows at once), but it widens nothing before it is applied.
//!
//! Audience classes are stored per rule-set version, keyed by the digest of the effective
//! subject (equal subjects share a class). A partner whose subject has no class, or whose
//! class is not yet `ready` (its view is being computed), sees nothing: never more than it
//! may, and a poller's `added_after` then still finds everything once the view is ready.

pub mod jobs;
pub mod redact;
pub mod refs;
pub mod view;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, PoisonError, RwLock};

use release_rules::compile::{GranularRelease, LabelledObject, Receipt, ReleaseFacts};
use release_rules::mission::DefaultLabel;
use release_rules::{
    AudienceClass, Ceiling, Decision, Effect, Engine, Label, MarkingCatalogue, Mission, Partner,
    Policy, RuleSet, Subject,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use stix_model::Validator;
use stix_model::timestamp::Instant;
use taxii::store::StoreError;

use self::view::{ALWAYS, AudiencePk, Release};

/// The mission id a hub has when nobody ran `accord init --mission`.
pub const ZERO_CONFIG_MISSION: &str = "local";

/// Microseconds since the epoch as an instant.
pub fn instant(micros: i64) -> Instant {
    Instant {
        seconds: micros.div_euclid(1_000_000),
        nanos: u32::try_from(micros.rem_euclid(1_000_000) * 1_000).unwrap_or(0),
    }
}

/// An instant as microseconds since the epoch (rounded down).
pub fn micros(at: Instant) -> i64 {
    at.seconds
        .saturating_mul(1_000_000)
        .saturating_add(i64::from(at.nanos / 1_000))
}

/// What a stored version's release depends on, besides the audience: its interned label and
/// the hub's receive time (its date added).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionFacts {
    /// `None` for versions stored before labels existed: read as unmarked.
    pub label_pk: Option<i64>,
    pub type_name: String,
    pub submitter: Option<String>,
    /// Microseconds since the epoch.
    pub received_at: i64,
}

/// What an audience gets of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Withhold,
    Release {
        /// From when (microseconds; [`ALWAYS`] when there is no embargo).
        from: i64,
        /// Properties to remove on the way out.
        redact: Option<Arc<[String]>>,
    },
}

impl Verdict {
    pub fn is_release(&self) -> bool {
        matches!(self, Verdict::Release { .. })
    }

    /// As an index entry: from when the audience sees the version.
    pub fn release(&self) -> Release {
        match self {
            Verdict::Withhold => None,
            Verdict::Release { from, .. } => Some(*from),
        }
    }

    /// Released whole and without embargo: what a shared version needs.
    pub fn plainly_released_by(&self, date_added: i64) -> bool {
        matches!(self, Verdict::Release { from, redact: None } if *from <= date_added)
    }
}

/// The interned label of a version: its labels (whole object and granular selector sets)
/// and the facts rules read, as stored in `labels.document`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReleaseDoc {
    pub object: Label,
    #[serde(default)]
    pub granular: Vec<(Vec<String>, Label)>,
    pub facts: ReleaseFacts,
}

impl ReleaseDoc {
    fn of(labelled: &LabelledObject) -> ReleaseDoc {
        ReleaseDoc {
            object: (*labelled.object.label).clone(),
            granular: labelled
                .granular
                .iter()
                .map(|g| (g.selectors.clone(), (*g.release.label).clone()))
                .collect(),
            facts: labelled.object.facts.clone(),
        }
    }

    /// The interning key: SHA-256 over the label ids (not their `sources`) and the facts.
    pub fn digest(&self) -> Vec<u8> {
        let key = serde_json::json!({
            "object": self.object.id().as_str(),
            "granular": self.granular.iter().map(|(s, l)| (s, l.id().as_str().to_owned())).collect::<Vec<_>>(),
            "facts": self.facts,
        });
        Sha256::digest(stix_model::canonical::to_canonical_bytes(&key)).to_vec()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The release-relevant parts of a posted object, read in one pass over its text.
#[derive(Debug, Clone, Default)]
pub struct Peek {
    /// `type`, `created_by_ref`, `object_marking_refs`, `granular_markings`: what labels are
    /// read from.
    pub label_input: Map<String, Value>,
    /// The marking definitions it names.
    pub marking_refs: Vec<String>,
    /// The objects its release depends on.
    pub closure_refs: Vec<String>,
    /// The whole object, when it is a marking definition (catalogue entry for its envelope).
    pub marking_definition: Option<Map<String, Value>>,
}

impl Peek {
    pub fn of(raw: &str, type_name: &str) -> Peek {
        #[derive(Deserialize)]
        struct Fields {
            #[serde(default)]
            created_by_ref: Option<Value>,
            #[serde(default)]
            object_marking_refs: Option<Value>,
            #[serde(default)]
            granular_markings: Option<Value>,
        }
        let mut peek = Peek::default();
        if type_name == "marking-definition" || refs::has_closure(type_name) {
            let Ok(Value::Object(map)) = serde_json::from_str::<Value>(raw) else {
                return peek;
            };
            peek.closure_refs = refs::closure_refs(type_name, &map);
            peek.fill(type_name, &map);
            if type_name == "marking-definition" {
                peek.marking_definition = Some(map);
            }
            return peek;
        }
        let Ok(fields) = serde_json::from_str::<Fields>(raw) else {
            return peek;
        };
        let mut map = Map::new();
        for (key, value) in [
            ("created_by_ref", fields.created_by_ref),
            ("object_marking_refs", fields.object_marking_refs),
            ("granular_markings", fields.granular_markings),
        ] {
            if let Some(value) = value {
                map.insert(key.to_owned(), value);
            }
        }
        peek.fill(type_name, &map);
        peek
    }

    fn fill(&mut self, type_name: &str, map: &Map<String, Value>) {
        let mut input = Map::new();
        input.insert("type".to_owned(), Value::String(type_name.to_owned()));
        for key in ["created_by_ref", "object_marking_refs", "granular_markings"] {
            if let Some(value) = map.get(key) {
                input.insert(key.to_owned(), value.clone());
            }
        }
        self.marking_refs = stix_model::markings::Markings::of(&input)
            .all_refs()
            .into_iter()
            .map(str::to_owned)
            .collect();
        self.label_input = input;
    }

    /// What determines the label, as a cache key.
    fn label_key(&self, submitter: &str) -> String {
        serde_json::to_string(&(submitter, &self.label_input)).unwrap_or_default()
    }
}

/// A stored rule-set version.
#[derive(Debug, Clone)]
pub struct RuleSetRow {
    pub version: i64,
    pub document: String,
    pub applied: bool,
}

/// A stored partner with its attributes document (`None`: the mission's defaults).
#[derive(Debug, Clone)]
pub struct PartnerRow {
    pub id: String,
    pub role: String,
    pub status: String,
    pub attributes: Option<String>,
}

/// A stored audience class.
#[derive(Debug, Clone)]
pub struct AudienceRow {
    pub pk: i64,
    pub ruleset: i64,
    pub digest: Vec<u8>,
    pub ready: bool,
    pub predecessor: Option<i64>,
}

/// Everything a snapshot is built from, as the store read it.
#[derive(Debug, Clone, Default)]
pub struct SnapshotRows {
    pub epoch: i64,
    pub default_label: Option<String>,
    pub mission: Option<String>,
    pub rule_sets: Vec<RuleSetRow>,
    pub policies: Vec<String>,
    pub partners: Vec<PartnerRow>,
    pub audiences: Vec<AudienceRow>,
}

/// One compiled rule-set version.
pub struct Compiled {
    pub version: i64,
    pub engine: Engine,
}

/// An audience class as the snapshot knows it.
#[derive(Debug, Clone)]
struct Audience {
    pk: AudiencePk,
    /// Index into `Snapshot::rule_sets`.
    engine: usize,
    class: AudienceClass,
    ready: bool,
}

/// Who reads: the partner, its audience in the applied rule set (if ready) and its subject.
#[derive(Debug, Clone)]
pub struct Reader {
    pub partner: String,
    pub audience: Option<AudiencePk>,
    subject: Option<Subject>,
}

/// The labelled object of an interned label, for one engine, at receive time zero.
type Template = Option<Arc<LabelledObject>>;

/// The release state in force at one epoch.
pub struct Snapshot {
    pub epoch: i64,
    /// The applied version first, then the pending one if any.
    rule_sets: Vec<Compiled>,
    policies: Vec<Policy>,
    partners: BTreeMap<String, Partner>,
    audiences: Vec<Audience>,
    audience_pks: Vec<AudiencePk>,
    predecessors: HashMap<AudiencePk, AudiencePk>,
    /// Per engine: subject digest → audience.
    by_digest: Vec<HashMap<Vec<u8>, usize>>,
    default_label: Option<String>,
    labels: Arc<Labels>,
    templates: RwLock<HashMap<(usize, i64), Template>>,
    /// Per label: what every audience gets, when no decision depends on time.
    timeless: RwLock<HashMap<i64, Arc<[Verdict]>>>,
    /// Label documents of posted objects, by what determines them.
    label_docs: RwLock<HashMap<String, Arc<ReleaseDoc>>>,
    /// Audience sets not interned because a member has as many as it may (until the next
    /// epoch, when a job may have removed some).
    refused_sets: RwLock<std::collections::HashSet<Vec<AudiencePk>>>,
    validator: Validator,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("epoch", &self.epoch)
            .finish_non_exhaustive()
    }
}

/// Interned labels of stored versions, shared by every snapshot of a store.
#[derive(Debug, Default)]
pub struct Labels {
    docs: RwLock<HashMap<i64, Arc<ReleaseDoc>>>,
    pks: RwLock<HashMap<Vec<u8>, i64>>,
}

/// The per-store cache of the release state.
#[derive(Debug, Default)]
pub struct Fanout {
    current: RwLock<Option<Arc<Snapshot>>>,
    labels: Arc<Labels>,
    sets: AudienceSets,
}

/// Interned audience sets (see `view::set_members`). A set never changes once interned, so
/// what is cached stays true whatever the epoch.
#[derive(Debug, Default)]
struct AudienceSets {
    members: RwLock<HashMap<i64, Arc<[AudiencePk]>>>,
    pks: RwLock<HashMap<Arc<[AudiencePk]>, i64>>,
}

fn read<T>(lock: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}

impl Fanout {
    pub fn new() -> Fanout {
        Fanout::default()
    }

    /// The snapshot of `epoch`, if it is the one held.
    pub fn current(&self, epoch: i64) -> Option<Arc<Snapshot>> {
        read(&self.current)
            .as_ref()
            .filter(|s| s.epoch == epoch)
            .cloned()
    }

    /// Builds and holds the snapshot of the rows read.
    pub fn install(&self, rows: SnapshotRows) -> Result<Arc<Snapshot>, StoreError> {
        let snapshot = Arc::new(Snapshot::build(rows, Arc::clone(&self.labels))?);
        *write(&self.current) = Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }

    pub fn has_label(&self, pk: i64) -> bool {
        read(&self.labels.docs).contains_key(&pk)
    }

    /// Caches a stored label document (an unreadable one is left out: withheld).
    pub fn remember_label_text(&self, pk: i64, document: &str) {
        match serde_json::from_str::<ReleaseDoc>(document) {
            Ok(doc) => {
                let digest = doc.digest();
                self.remember_label(pk, digest, Arc::new(doc));
            }
            Err(error) => tracing::warn!(pk, %error, "stored label is unreadable; withheld"),
        }
    }

    pub fn label_pk(&self, digest: &[u8]) -> Option<i64> {
        read(&self.labels.pks).get(digest).copied()
    }

    pub fn remember_label(&self, pk: i64, digest: Vec<u8>, doc: Arc<ReleaseDoc>) {
        write(&self.labels.docs).insert(pk, doc);
        write(&self.labels.pks).insert(digest, pk);
    }

    /// The members of an interned audience set, if cached.
    pub fn set_members(&self, pk: i64) -> Option<Arc<[AudiencePk]>> {
        read(&self.sets.members).get(&pk).cloned()
    }

    /// The pk of the set with exactly these (sorted) members, if cached.
    pub fn set_pk(&self, members: &[AudiencePk]) -> Option<i64> {
        read(&self.sets.pks).get(members).copied()
    }

    pub fn remember_set(&self, pk: i64, members: Arc<[AudiencePk]>) {
        write(&self.sets.pks).insert(Arc::clone(&members), pk);
        write(&self.sets.members).insert(pk, members);
    }
}

fn backend(message: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("release state: {message}"))
}

/// The attributes a partner has when none were set: in the zero-config hub, those of the
/// local partner (so that every partner sees what the permissive rules release); otherwise
/// none at all.
pub fn default_partner(id: &str, mission: Option<&str>) -> Partner {
    if mission.is_none_or(|m| m == ZERO_CONFIG_MISSION) {
        Mission::zero_config(id)
            .partners
            .into_iter()
            .next()
            .unwrap_or_else(|| Partner::named(id))
    } else {
        Partner::named(id)
    }
}

/// The digest that names an audience class: SHA-256 of the subject's canonical JSON.
pub fn subject_digest(subject: &Subject) -> Vec<u8> {
    let value = serde_json::to_value(subject).unwrap_or(Value::Null);
    Sha256::digest(stix_model::canonical::to_canonical_bytes(&value)).to_vec()
}

/// The partners of the rows, with their current role and status.
pub fn partners_of(rows: &SnapshotRows) -> Result<Vec<Partner>, StoreError> {
    rows.partners
        .iter()
        .map(|row| {
            let mut partner = match &row.attributes {
                Some(doc) => serde_json::from_str::<Partner>(doc)
                    .map_err(|e| backend(format!("partner {}: {e}", row.id)))?,
                None => default_partner(&row.id, rows.mission.as_deref()),
            };
            partner.id = row.id.clone();
            partner.role = row.role.clone();
            partner.status = match row.status.as_str() {
                "active" => release_rules::subject::Status::Active,
                _ => release_rules::subject::Status::Suspended,
            };
            Ok(partner)
        })
        .collect()
}

/// The policies of the rows, parsed.
pub fn policies_of(rows: &SnapshotRows) -> Result<Vec<Policy>, StoreError> {
    rows.policies
        .iter()
        .map(|text| Policy::parse(text).map_err(backend))
        .collect()
}

/// Compiles a rule set with the rows' policies, partners and default label.
pub fn compile(
    rules: &RuleSet,
    policies: &[Policy],
    partners: &[Partner],
    default_label: Option<&str>,
) -> Result<Engine, StoreError> {
    let default_part = match default_label {
        Some(text) => {
            let label: DefaultLabel = serde_json::from_str(text).map_err(backend)?;
            let policy = release_rules::policy::find(policies, &label.policy).ok_or_else(|| {
                backend(format!("default label: unknown policy {}", label.policy))
            })?;
            Some(
                release_rules::label::part_from_names(policy, &label.classification, &[])
                    .map_err(backend)?,
            )
        }
        None => None,
    };
    Engine::compile(rules, policies, partners, default_part).map_err(backend)
}

/// The applied rule set (latest applied) and the pending one (a later unapplied version).
pub fn in_force(rows: &SnapshotRows) -> (Option<&RuleSetRow>, Option<&RuleSetRow>) {
    let applied = rows
        .rule_sets
        .iter()
        .filter(|r| r.applied)
        .max_by_key(|r| r.version);
    let pending = rows
        .rule_sets
        .iter()
        .filter(|r| !r.applied && applied.is_none_or(|a| r.version > a.version))
        .max_by_key(|r| r.version);
    (applied, pending)
}

impl Snapshot {
    fn build(rows: SnapshotRows, labels: Arc<Labels>) -> Result<Snapshot, StoreError> {
        let policies = policies_of(&rows)?;
        let partners = partners_of(&rows)?;
        let (applied, pending) = in_force(&rows);
        let applied = applied.ok_or_else(|| backend("no rule set is in force"))?;
        let mut rule_sets = Vec::new();
        for row in std::iter::once(applied).chain(pending) {
            let rules = RuleSet::parse(&row.document).map_err(backend)?;
            rule_sets.push(Compiled {
                version: row.version,
                engine: compile(&rules, &policies, &partners, rows.default_label.as_deref())?,
            });
        }
        let mut audiences = Vec::new();
        let mut by_digest = vec![HashMap::new(); rule_sets.len()];
        // Subjects of the current partners, by digest: the classes' engines intern them.
        let subjects: HashMap<Vec<u8>, Subject> = partners
            .iter()
            .filter_map(|p| Subject::effective(p, &Ceiling::None, &policies).ok())
            .map(|s| (subject_digest(&s), s))
            .collect();
        for row in &rows.audiences {
            let Some(engine) = rule_sets.iter().position(|r| r.version == row.ruleset) else {
                continue;
            };
            // A class no partner has any more is left out: nobody reads it, nothing indexes
            // for it, and the next job removes it.
            let Some(subject) = subjects.get(&row.digest) else {
                continue;
            };
            let Some(compiled) = rule_sets.get(engine) else {
                continue;
            };
            let class = compiled.engine.audience_of(subject);
            if let Some(map) = by_digest.get_mut(engine) {
                map.insert(row.digest.clone(), audiences.len());
            }
            audiences.push(Audience {
                pk: row.pk,
                engine,
                class,
                ready: row.ready,
            });
        }
        let audience_pks = audiences.iter().map(|a| a.pk).collect();
        let predecessors = rows
            .audiences
            .iter()
            .filter_map(|a| a.predecessor.map(|p| (a.pk, p)))
            .collect();
        Ok(Snapshot {
            epoch: rows.epoch,
            rule_sets,
            policies,
            partners: partners.into_iter().map(|p| (p.id.clone(), p)).collect(),
            audiences,
            audience_pks,
            predecessors,
            by_digest,
            default_label: rows.default_label,
            labels,
            templates: RwLock::new(HashMap::new()),
            timeless: RwLock::new(HashMap::new()),
            label_docs: RwLock::new(HashMap::new()),
            refused_sets: RwLock::new(std::collections::HashSet::new()),
            validator: Validator::default(),
        })
    }

    /// Every audience class indexed (applied and pending rule sets), in a fixed order.
    pub fn audience_pks(&self) -> &[AudiencePk] {
        &self.audience_pks
    }

    /// Each class's predecessor (see `view::Inputs::predecessors`).
    pub fn predecessors(&self) -> &HashMap<AudiencePk, AudiencePk> {
        &self.predecessors
    }

    /// Each partner's class under the applied rule set: what a change records as the
    /// predecessor of the classes it creates.
    pub fn applied_audiences(&self) -> HashMap<String, AudiencePk> {
        self.partners
            .keys()
            .filter_map(|id| {
                let subject = self.subject(id)?;
                Some((id.clone(), self.audience_of(0, &subject)?.pk))
            })
            .collect()
    }

    /// Whether interning this audience set was refused in this epoch.
    pub fn set_refused(&self, members: &[AudiencePk]) -> bool {
        read(&self.refused_sets).contains(members)
    }

    pub fn refuse_set(&self, members: Vec<AudiencePk>) {
        write(&self.refused_sets).insert(members);
    }

    pub fn validator(&self) -> &Validator {
        &self.validator
    }

    /// The engines: applied first, then pending.
    pub fn rule_sets(&self) -> &[Compiled] {
        &self.rule_sets
    }

    pub fn policies(&self) -> &[Policy] {
        &self.policies
    }

    /// A partner's attributes as they stand.
    pub fn partner(&self, id: &str) -> Option<Partner> {
        self.partners.get(id).cloned()
    }

    /// Whether a rule set compiles against the policies and partners in force.
    pub fn check_rules(&self, rules: &RuleSet) -> Result<(), StoreError> {
        let partners: Vec<Partner> = self.partners.values().cloned().collect();
        compile(
            rules,
            &self.policies,
            &partners,
            self.default_label.as_deref(),
        )
        .map(|_| ())
    }

    /// The effective subject of a partner now (no credential ceiling).
    pub fn subject(&self, partner: &str) -> Option<Subject> {
        let partner = self.partners.get(partner)?;
        Subject::effective(partner, &Ceiling::None, &self.policies).ok()
    }

    fn audience_of(&self, engine: usize, subject: &Subject) -> Option<&Audience> {
        let index = *self.by_digest.get(engine)?.get(&subject_digest(subject))?;
        self.audiences.get(index)
    }

    /// The reader a partner is now.
    pub fn reader(&self, partner: &str) -> Reader {
        let subject = self.subject(partner);
        let audience = subject
            .as_ref()
            .and_then(|s| self.audience_of(0, s))
            .filter(|a| a.ready)
            .map(|a| a.pk);
        Reader {
            partner: partner.to_owned(),
            audience,
            subject,
        }
    }

    /// The audience (applied rule set, ready or not) whose view decides what a submitter
    /// already holds.
    pub fn submitter_audience(&self, partner: &str) -> Option<AudiencePk> {
        let subject = self.subject(partner)?;
        self.audience_of(0, &subject).map(|a| a.pk)
    }

    /// The label of a new object version, or why it is refused (unknown marking, policy or
    /// value).
    pub fn label_doc(
        &self,
        peek: &Peek,
        submitter: &str,
        catalogue: &dyn MarkingCatalogue,
    ) -> Result<Arc<ReleaseDoc>, String> {
        let key = peek.label_key(submitter);
        if let Some(doc) = read(&self.label_docs).get(&key) {
            // The cache saves reading the markings, not resolving them: a definition the
            // submitter could name before (carried in an earlier envelope) may be one it
            // cannot name now, and then the object is refused as it would be uncached.
            if let Some(unknown) = peek.marking_refs.iter().find(|id| {
                stix_model::markings::Tlp::from_id(id).is_none()
                    && catalogue.marking_definition(id).is_none()
            }) {
                let unknown = release_rules::Error::UnknownMarking {
                    id: unknown.clone(),
                };
                return Err(unknown.to_string());
            }
            return Ok(Arc::clone(doc));
        }
        let compiled = self
            .rule_sets
            .first()
            .ok_or_else(|| "no rule set is in force".to_owned())?;
        let receipt = Receipt {
            submitter: submitter.to_owned(),
            received_at: instant(0),
        };
        let labelled = compiled
            .engine
            .label_for(&peek.label_input, catalogue, &receipt)
            .map_err(|e| e.to_string())?;
        let doc = Arc::new(ReleaseDoc::of(&labelled));
        write(&self.label_docs).insert(key, Arc::clone(&doc));
        Ok(doc)
    }

    /// The labelled object of a version for an engine (`None`: its label no longer checks
    /// against the policies, or is unknown: withheld).
    fn labelled(&self, engine: usize, facts: &VersionFacts) -> Option<LabelledObject> {
        let pk = facts.label_pk.unwrap_or(-1);
        let cached = read(&self.templates).get(&(engine, pk)).cloned();
        let template = match cached {
            Some(t) => t,
            None => {
                let t = self.template(engine, facts).map(Arc::new);
                write(&self.templates).insert((engine, pk), t.clone());
                t
            }
        }?;
        let at = instant(facts.received_at);
        let mut labelled = (*template).clone();
        labelled.object.received_at = at;
        for g in &mut labelled.granular {
            g.release.received_at = at;
        }
        Some(labelled)
    }

    fn template(&self, engine: usize, facts: &VersionFacts) -> Option<LabelledObject> {
        let engine = &self.rule_sets.get(engine)?.engine;
        let doc = match facts.label_pk {
            Some(pk) => read(&self.labels.docs).get(&pk).cloned()?,
            None => {
                // Stored before labels: unmarked, with the mission's defaults.
                let mut map = Map::new();
                map.insert("type".to_owned(), Value::String(facts.type_name.clone()));
                let receipt = Receipt {
                    submitter: facts.submitter.clone().unwrap_or_default(),
                    received_at: instant(0),
                };
                let empty: HashMap<String, Map<String, Value>> = HashMap::new();
                let labelled = engine.label_for(&map, &empty, &receipt).ok()?;
                Arc::new(ReleaseDoc::of(&labelled))
            }
        };
        let at = instant(0);
        let object = engine
            .release(doc.object.clone(), doc.facts.clone(), at)
            .ok()?;
        let mut granular = Vec::with_capacity(doc.granular.len());
        for (selectors, label) in &doc.granular {
            let release = engine.release(label.clone(), doc.facts.clone(), at).ok()?;
            granular.push(GranularRelease {
                selectors: selectors.clone(),
                release,
            });
        }
        Some(LabelledObject { object, granular })
    }

    /// What each audience (in [`Snapshot::audience_pks`] order) gets of a version: whether,
    /// from when, and with what redacted.
    pub fn verdicts(&self, facts: &VersionFacts) -> Vec<Verdict> {
        if let Some(pk) = facts.label_pk {
            if let Some(v) = read(&self.timeless).get(&pk) {
                return v.to_vec();
            }
        }
        let mut timeless = true;
        let mut out = Vec::with_capacity(self.audiences.len());
        let mut labelled: Vec<Option<Option<LabelledObject>>> = vec![None; self.rule_sets.len()];
        for audience in &self.audiences {
            let Some(slot) = labelled.get_mut(audience.engine) else {
                out.push(Verdict::Withhold);
                continue;
            };
            let object = slot.get_or_insert_with(|| self.labelled(audience.engine, facts));
            let (verdict, fixed) = match (object, self.rule_sets.get(audience.engine)) {
                (Some(object), Some(compiled)) => {
                    release_of(&compiled.engine, object, audience.class, facts.received_at)
                }
                _ => (Verdict::Withhold, true),
            };
            timeless &= fixed;
            out.push(verdict);
        }
        if let (true, Some(pk)) = (timeless, facts.label_pk) {
            write(&self.timeless).insert(pk, out.clone().into());
        }
        out
    }

    /// The re-check of a read: what the reader's subject gets now under the latest rule set.
    pub fn recheck(&self, reader: &Reader, facts: &VersionFacts, now: i64) -> Verdict {
        let (Some(subject), Some(last)) = (&reader.subject, self.rule_sets.len().checked_sub(1))
        else {
            return Verdict::Withhold;
        };
        let Some(compiled) = self.rule_sets.get(last) else {
            return Verdict::Withhold;
        };
        let Some(object) = self.labelled(last, facts) else {
            return Verdict::Withhold;
        };
        let class = compiled.engine.audience_of(subject);
        verdict_of(&compiled.engine.decide_object(&object, class, instant(now)))
    }

    /// The decision for a partner and a version under each rule set in force, with the
    /// rule-set version: what `explain` shows.
    pub fn explain(&self, partner: &str, facts: &VersionFacts, now: i64) -> Vec<(i64, Explained)> {
        let Some(subject) = self.subject(partner) else {
            return Vec::new();
        };
        self.rule_sets
            .iter()
            .enumerate()
            .map(|(index, compiled)| {
                let class = compiled.engine.audience_of(&subject);
                let explained = match self.labelled(index, facts) {
                    None => Explained {
                        decision: None,
                        visible_from: None,
                        label: None,
                    },
                    Some(object) => {
                        let decision = compiled.engine.decide_object(&object, class, instant(now));
                        let (verdict, _) =
                            release_of(&compiled.engine, &object, class, facts.received_at);
                        Explained {
                            decision: Some(decision),
                            visible_from: verdict.release(),
                            label: Some(object.object.label_id.as_str().to_owned()),
                        }
                    }
                };
                (compiled.version, explained)
            })
            .collect()
    }
}

/// What `explain` reports for one version under one rule set.
#[derive(Debug, Clone)]
pub struct Explained {
    /// `None`: the stored label no longer checks against the policies (withheld).
    pub decision: Option<Decision>,
    /// From when the partner sees the version (microseconds, [`ALWAYS`]), if ever.
    pub visible_from: Release,
    pub label: Option<String>,
}

fn verdict_of(decision: &Decision) -> Verdict {
    match &decision.effect {
        Effect::Withhold => Verdict::Withhold,
        Effect::Release => Verdict::Release {
            from: ALWAYS,
            redact: None,
        },
        Effect::ReleaseRedacted { paths } => Verdict::Release {
            from: ALWAYS,
            redact: Some(Arc::clone(paths)),
        },
    }
}

/// The first instant at or after receipt at which the audience may read the version, by
/// following decision windows (cached decisions, a few comparisons each); and whether the
/// answer holds whatever the receive time (no decision window at all).
fn release_of(
    engine: &Engine,
    object: &LabelledObject,
    class: AudienceClass,
    received_at: i64,
) -> (Verdict, bool) {
    let received = instant(received_at);
    let mut at = received;
    for step in 0..16 {
        let decision = engine.decide_object(object, class, at);
        let fixed = step == 0 && decision.window.from.is_none() && decision.window.until.is_none();
        if decision.effect.is_release() {
            let from = if at == received { ALWAYS } else { micros(at) };
            let redact = match &decision.effect {
                Effect::ReleaseRedacted { paths } => Some(Arc::clone(paths)),
                _ => None,
            };
            return (Verdict::Release { from, redact }, fixed);
        }
        match decision.window.until {
            Some(until) if until > at => at = until,
            _ => return (Verdict::Withhold, fixed),
        }
    }
    (Verdict::Withhold, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_and_micros_round_trip() {
        for m in [0, 1, 1_700_000_000_123_456, -1] {
            assert_eq!(micros(instant(m)), m);
        }
    }

    #[test]
    fn peek_reads_markings_and_references_without_the_rest() {
        let raw = r#"{"type":"relationship","id":"relationship--1","source_ref":"a--1","target_ref":"b--2","created_by_ref":"identity--x","object_marking_refs":["marking-definition--m"],"description":"long"}"#;
        let peek = Peek::of(raw, "relationship");
        assert_eq!(peek.closure_refs, ["a--1", "b--2"]);
        assert_eq!(peek.marking_refs, ["marking-definition--m"]);
        assert!(!peek.label_input.contains_key("description"));
        assert_eq!(
            peek.label_input.get("type"),
            Some(&Value::from("relationship"))
        );
    }
}
