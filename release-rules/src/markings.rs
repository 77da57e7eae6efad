//! Label sources: every marking an object may carry becomes a label, and the labels of one
//! object (or one granular selector) merge into the most restrictive one.
//!
//! - TLP 1.0 and 2.0 marking definitions, recognised by their fixed ids.
//! - Statement markings (`definition_type: statement`): informative, they restrict nothing.
//! - ISA ACS 3.0 markings (extension `extension-definition--3a65884d-…`): the classification
//!   and the permitted nationalities and organisations, mapped into the loaded policy whose id
//!   is the marking's `policy_reference` without its query part.
//! - Accord label markings: a marking-definition carrying Accord's own property-extension
//!   ([`ACCORD_LABEL_EXTENSION_ID`]) whose body is a label, validated against the published
//!   JSON schema ([`ACCORD_LABEL_SCHEMA_JSON`]) before it is read.
//!
//! Marking definitions referenced by id come from a caller-provided catalogue (the hub keeps
//! the marking-definition objects partners post). An id the catalogue does not hold, a
//! marking of a kind Accord cannot interpret, an unknown policy or value is an error: the hub
//! refuses the object at ingest, or withholds it if it is already stored (fail closed).

use std::collections::{BTreeMap, HashMap};
use std::sync::{PoisonError, RwLock};

use serde_json::{Map, Value};
use stix_model::markings::{Markings, Tlp as StixTlp};

use crate::error::Error;
use crate::label::{
    self, Category, ClassificationRef, Handling, Label, Originator, PolicyPart, PolicyRef,
    ReleaseAuthority, Tlp,
};
use crate::policy::{self, Policy};
use crate::time::Duration;

/// Accord's extension definition for label markings (minted for Accord; fixed forever: a
/// changed extension is a new id).
pub const ACCORD_LABEL_EXTENSION_ID: &str =
    "extension-definition--5da5c0ff-af90-41d8-82c2-114a328f01e7";
/// The identity that publishes Accord's extension definition.
pub const ACCORD_IDENTITY_ID: &str = "identity--247203e3-6e14-4eeb-975f-4cb1ac1d7d27";
/// The extension-definition object (STIX 2.1 §7.3) the hub publishes.
pub const ACCORD_LABEL_EXTENSION_DEFINITION_JSON: &str =
    include_str!("../schema/extension-definition--5da5c0ff-af90-41d8-82c2-114a328f01e7.json");
/// The JSON schema (draft 2020-12) of the extension body.
pub const ACCORD_LABEL_SCHEMA_JSON: &str =
    include_str!("../schema/accord-label-marking.schema.json");
/// ISA ACS 3.0 marking extension.
pub const ACS_3_0_EXTENSION_ID: &str = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce";

/// Where marking definitions referenced by id are looked up.
pub trait MarkingCatalogue {
    fn marking_definition(&self, id: &str) -> Option<&Map<String, Value>>;
}

impl MarkingCatalogue for HashMap<String, Map<String, Value>> {
    fn marking_definition(&self, id: &str) -> Option<&Map<String, Value>> {
        self.get(id)
    }
}

impl MarkingCatalogue for BTreeMap<String, Map<String, Value>> {
    fn marking_definition(&self, id: &str) -> Option<&Map<String, Value>> {
        self.get(id)
    }
}

/// The labels of one object before defaults are applied: the whole object's, and one per set
/// of granular selectors that share a label.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectLabels {
    pub object: Label,
    pub granular: Vec<(Vec<String>, Label)>,
}

/// Marking-definition id → (the definition as read, its label).
type ReadCache = HashMap<String, (Map<String, Value>, Label)>;

/// Reads markings into labels. Holds the compiled schema of Accord label markings and the
/// labels already read, so one reader must always be used with the same policies (the
/// engine owns one per rule-set version).
pub struct LabelReader {
    schema: jsonschema::Validator,
    /// Labels already read, by marking-definition id, with the definition they were read
    /// from. Marking definitions cannot be versioned (a change is a new id), but the entry is
    /// reused only if the catalogue still holds an equal definition.
    read: RwLock<ReadCache>,
}

impl std::fmt::Debug for LabelReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LabelReader")
    }
}

impl LabelReader {
    pub fn new() -> Result<LabelReader, Error> {
        let schema: Value = serde_json::from_str(ACCORD_LABEL_SCHEMA_JSON)
            .map_err(|e| Error::parse("Accord label schema", e))?;
        let schema = jsonschema::validator_for(&schema)
            .map_err(|e| Error::parse("Accord label schema", e))?;
        Ok(LabelReader {
            schema,
            read: RwLock::new(HashMap::new()),
        })
    }

    /// The labels of an object from all its markings (object-level and granular).
    pub fn labels_of(
        &self,
        object: &Map<String, Value>,
        catalogue: &dyn MarkingCatalogue,
        policies: &[Policy],
    ) -> Result<ObjectLabels, Error> {
        let markings = Markings::of(object);
        let mut cache: BTreeMap<&str, Label> = BTreeMap::new();
        for id in markings.all_refs() {
            let l = self.label_of_marking(id, catalogue, policies)?;
            cache.insert(id, l);
        }
        let merge_refs = |refs: &[&str]| -> Result<Label, Error> {
            let mut out = Label::empty();
            for r in refs {
                if let Some(l) = cache.get(r) {
                    out = out.merge(l.clone())?;
                }
            }
            Ok(out)
        };
        let object_refs: Vec<&str> = markings
            .object_marking_refs
            .iter()
            .map(String::as_str)
            .collect();
        let object_label = merge_refs(&object_refs)?;
        let mut selectors: Vec<&str> = markings
            .granular
            .iter()
            .filter(|g| g.marking_ref.is_some())
            .flat_map(|g| g.selectors.iter().map(String::as_str))
            .collect();
        selectors.sort_unstable();
        selectors.dedup();
        let mut granular: Vec<(Vec<String>, Label)> = Vec::new();
        for s in selectors {
            let label = merge_refs(&markings.effective_refs_for(s))?;
            match granular.iter_mut().find(|(_, l)| *l == label) {
                Some((sels, _)) => sels.push(s.to_owned()),
                None => granular.push((vec![s.to_owned()], label)),
            }
        }
        Ok(ObjectLabels {
            object: object_label,
            granular,
        })
    }

    /// The label one marking definition contributes.
    pub fn label_of_marking(
        &self,
        id: &str,
        catalogue: &dyn MarkingCatalogue,
        policies: &[Policy],
    ) -> Result<Label, Error> {
        let source = |mut l: Label| {
            l.sources = vec![id.to_owned()];
            l
        };
        if let Some(tlp) = StixTlp::from_id(id) {
            return Ok(source(Label {
                tlp: Some(Tlp::from(tlp.level())),
                ..Label::empty()
            }));
        }
        let definition = catalogue
            .marking_definition(id)
            .ok_or_else(|| Error::UnknownMarking { id: id.to_owned() })?;
        if let Some((seen, label)) = self
            .read
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
        {
            if seen == definition {
                return Ok(label.clone());
            }
        }
        let label = self.read_definition(id, definition, policies).map(source)?;
        // Bounded: a hub holds at most a few thousand marking definitions; past that, read
        // again rather than grow.
        let mut read = self.read.write().unwrap_or_else(PoisonError::into_inner);
        if read.len() < 65_536 {
            read.insert(id.to_owned(), (definition.clone(), label.clone()));
        }
        Ok(label)
    }

    fn read_definition(
        &self,
        id: &str,
        definition: &Map<String, Value>,
        policies: &[Policy],
    ) -> Result<Label, Error> {
        let unsupported = |message: &str| Error::UnsupportedMarking {
            id: id.to_owned(),
            message: message.to_owned(),
        };
        if definition.get("type").and_then(Value::as_str) != Some("marking-definition")
            || definition.get("id").and_then(Value::as_str) != Some(id)
        {
            return Err(unsupported(
                "the catalogue entry is not this marking definition",
            ));
        }
        if StixTlp::from_marking_definition(definition).is_some() {
            return Err(unsupported(
                "a TLP marking definition must use the fixed TLP identifier",
            ));
        }
        let extensions = definition.get("extensions").and_then(Value::as_object);
        if let Some(body) = extensions.and_then(|e| e.get(ACCORD_LABEL_EXTENSION_ID)) {
            return self.accord_label(id, body, policies);
        }
        if let Some(body) = extensions.and_then(|e| e.get(ACS_3_0_EXTENSION_ID)) {
            return acs_label(id, body, policies);
        }
        if let Some(unknown) = extensions.and_then(|e| e.keys().next()) {
            return Err(unsupported(&format!("unknown extension {unknown}")));
        }
        match definition.get("definition_type").and_then(Value::as_str) {
            Some("statement") => Ok(Label::empty()),
            Some(other) => Err(unsupported(&format!("unknown definition_type {other}"))),
            None => Err(unsupported(
                "neither a known definition_type nor a known extension",
            )),
        }
    }

    /// Reads the body of an Accord label marking: schema first, then the policy's values.
    pub fn accord_label(
        &self,
        id: &str,
        body: &Value,
        policies: &[Policy],
    ) -> Result<Label, Error> {
        let messages: Vec<String> = self
            .schema
            .iter_errors(body)
            .take(5)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if !messages.is_empty() {
            return Err(Error::LabelSchema {
                id: id.to_owned(),
                message: messages.join("; "),
            });
        }
        let mut label = Label::empty();
        if let Some(p) = body.get("policy") {
            label.parts.push(part_from_json(p, body, policies)?);
        }
        for alternative in body
            .get("alternatives")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let p = alternative.get("policy").unwrap_or(&Value::Null);
            let part = part_from_json(p, alternative, policies)?;
            label = label.merge(Label {
                parts: vec![part],
                ..Label::empty()
            })?;
        }
        label.parts.sort_by(|a, b| a.policy.id.cmp(&b.policy.id));
        label.tlp = body.get("tlp").and_then(Value::as_str).and_then(Tlp::parse);
        if let Some(h) = body.get("handling") {
            label.handling = Handling {
                embargo: h
                    .get("embargo")
                    .and_then(Value::as_str)
                    .map(Duration::parse)
                    .transpose()?,
                no_further_sharing: h
                    .get("no_further_sharing")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            };
        }
        label.originator = body
            .get("originator")
            .map(|o| serde_json::from_value::<Originator>(o.clone()))
            .transpose()
            .map_err(|e| Error::LabelSchema {
                id: id.to_owned(),
                message: e.to_string(),
            })?;
        label.release_authority = body
            .get("release_authority")
            .map(|o| serde_json::from_value::<ReleaseAuthority>(o.clone()))
            .transpose()
            .map_err(|e| Error::LabelSchema {
                id: id.to_owned(),
                message: e.to_string(),
            })?;
        label.check(policies)?;
        Ok(label)
    }
}

/// A policy part from the JSON of an Accord marking: levels, tag names and types come from
/// the policy; where the marking states them they must agree.
fn part_from_json(
    policy_json: &Value,
    body: &Value,
    policies: &[Policy],
) -> Result<PolicyPart, Error> {
    let policy_id = policy_json
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let policy = policy::find(policies, policy_id).ok_or_else(|| Error::UnknownPolicy {
        policy: policy_id.to_owned(),
    })?;
    let invalid = |message: String| Error::InvalidLabel {
        policy: policy.name().to_owned(),
        message,
    };
    let class_json = body.get("classification").unwrap_or(&Value::Null);
    let class_name = class_json
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let class = policy
        .classification(class_name)
        .ok_or_else(|| invalid(format!("unknown classification {class_name}")))?;
    if let Some(level) = class_json.get("level").and_then(Value::as_u64) {
        if level != u64::from(class.hierarchy) {
            return Err(invalid(format!(
                "{} is level {}, not {level}",
                class.name, class.hierarchy
            )));
        }
    }
    let mut categories: Vec<Category> = Vec::new();
    for c in body
        .get("categories")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let tag = c.get("tag_set").and_then(Value::as_str).unwrap_or_default();
        let t = policy
            .tag_set(tag)
            .ok_or_else(|| invalid(format!("unknown tag set {tag}")))?;
        if let Some(kind) = c.get("type").and_then(Value::as_str) {
            if kind != t.kind.to_string() {
                return Err(invalid(format!(
                    "tag set {} is {}, not {kind}",
                    t.name, t.kind
                )));
            }
        }
        let values = c
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned);
        match categories.iter_mut().find(|x| x.tag_set == t.id) {
            // The same tag set twice in one marking narrows like two markings would.
            Some(existing) => {
                let incoming: std::collections::BTreeSet<String> = values.collect();
                existing.values = match t.kind {
                    policy::CategoryType::Permissive => {
                        existing.values.intersection(&incoming).cloned().collect()
                    }
                    _ => existing.values.union(&incoming).cloned().collect(),
                };
            }
            None => categories.push(Category {
                tag_set: t.id.clone(),
                tag_name: t.name.clone(),
                kind: t.kind,
                values: values.collect(),
            }),
        }
    }
    categories.sort_by(|a, b| a.tag_set.cmp(&b.tag_set));
    Ok(PolicyPart {
        policy: PolicyRef {
            id: policy.id().clone(),
            name: policy.name().to_owned(),
        },
        classification: ClassificationRef {
            name: class.name.clone(),
            level: class.hierarchy,
        },
        privacy_mark: body
            .get("privacy_mark")
            .and_then(Value::as_str)
            .map(str::to_owned),
        categories,
    })
}

/// An ISA ACS 3.0 marking: `policy_reference` names the policy, `control_set.classification`
/// the classification, `permitted_nationalities` / `permitted_organizations` become the
/// permissive tag sets of those names in that policy. Further-sharing and access-privilege
/// rules are not mapped (they are about re-sharing and actions, not reading).
fn acs_label(id: &str, body: &Value, policies: &[Policy]) -> Result<Label, Error> {
    let unsupported = |message: &str| Error::UnsupportedMarking {
        id: id.to_owned(),
        message: message.to_owned(),
    };
    let reference = body
        .get("policy_reference")
        .and_then(Value::as_str)
        .ok_or_else(|| unsupported("ACS marking without policy_reference"))?;
    let policy_id = reference.split('?').next().unwrap_or(reference);
    let policy = policy::find(policies, policy_id).ok_or_else(|| Error::UnknownPolicy {
        policy: policy_id.to_owned(),
    })?;
    let control = body
        .get("control_set")
        .and_then(Value::as_object)
        .ok_or_else(|| unsupported("ACS marking without control_set"))?;
    let classification = control
        .get("classification")
        .and_then(Value::as_str)
        .ok_or_else(|| unsupported("ACS control_set without classification"))?;
    let strings = |key: &str| -> Vec<&str> {
        control
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    };
    let nationalities = strings("permitted_nationalities");
    let organisations = strings("permitted_organizations");
    let mut categories: Vec<(&str, &[&str])> = Vec::new();
    if control.contains_key("permitted_nationalities") {
        categories.push(("permitted_nationalities", &nationalities));
    }
    if control.contains_key("permitted_organizations") {
        categories.push(("permitted_organizations", &organisations));
    }
    let part = label::part_from_names(policy, classification, &categories)?;
    let label = Label {
        parts: vec![part],
        ..Label::empty()
    };
    label.check(policies)?;
    Ok(label)
}
