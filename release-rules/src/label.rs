//! The canonical release label (design §7.1) and how labels merge.
//!
//! A label is the originator release authority's ceiling: rules may withhold more, never
//! release more. Departure from the §7.1 sketch: instead of one `policy` plus
//! `alternatives`, a label holds a list of confidentiality `parts`, one per policy, and a
//! reader must pass every part. Merging markings under different policies ("keep both labels
//! and require both to pass") then stays one label with one id, and an alternative label
//! given in an Accord marking becomes one more part (the restrictive reading of
//! `alternativeConfidentialityLabel`, which is fail-closed).
//!
//! `label_id` = SHA-256 of the RFC 8785 canonical JSON of the label without `sources`.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use stix_model::markings::TlpLevel;

use crate::error::Error;
use crate::policy::{self, CategoryType, Level, Policy, PolicyId};
use crate::time::Duration;

/// TLP as a label attribute (TLP 1.0 WHITE is CLEAR). Ordered by restriction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tlp {
    #[serde(rename = "clear")]
    Clear,
    #[serde(rename = "green")]
    Green,
    #[serde(rename = "amber")]
    Amber,
    #[serde(rename = "amber+strict")]
    AmberStrict,
    #[serde(rename = "red")]
    Red,
}

impl Tlp {
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    pub fn parse(word: &str) -> Option<Tlp> {
        match word {
            "white" => Some(Tlp::Clear),
            _ => Tlp::ALL.into_iter().find(|t| t.as_str() == word),
        }
    }
}

impl From<TlpLevel> for Tlp {
    fn from(level: TlpLevel) -> Tlp {
        match level {
            TlpLevel::Clear => Tlp::Clear,
            TlpLevel::Green => Tlp::Green,
            TlpLevel::Amber => Tlp::Amber,
            TlpLevel::AmberStrict => Tlp::AmberStrict,
            TlpLevel::Red => Tlp::Red,
        }
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRef {
    pub id: PolicyId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassificationRef {
    pub name: String,
    pub level: Level,
}

/// One security category of a label: a tag set and the values marked under it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub tag_set: String,
    pub tag_name: String,
    #[serde(rename = "type")]
    pub kind: CategoryType,
    /// Sorted, without repeats. A permissive category with no values is releasable to no one.
    pub values: BTreeSet<String>,
}

/// The part of a label under one security policy (4774 `ConfidentialityInformation`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyPart {
    pub policy: PolicyRef,
    pub classification: ClassificationRef,
    /// Displayed, never an access control.
    #[serde(default)]
    pub privacy_mark: Option<String>,
    /// Sorted by tag set id, one entry per tag set.
    #[serde(default)]
    pub categories: Vec<Category>,
}

impl PolicyPart {
    pub fn category(&self, tag_set: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.tag_set == tag_set)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Handling {
    /// Readers other than the originator see the object this long after the hub received it.
    #[serde(default)]
    pub embargo: Option<Duration>,
    /// Recipients may not share it further (carried; it does not change who may read).
    #[serde(default)]
    pub no_further_sharing: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Originator {
    /// The mission partner that set the label (the submitter when no marking says).
    pub partner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReleaseAuthority {
    pub partner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// The canonical label of one object (or of one granular selector).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Label {
    pub v: u8,
    /// Sorted by policy id, one per policy. Empty only when no marking names a policy and the
    /// mission declares no default label.
    pub parts: Vec<PolicyPart>,
    pub tlp: Option<Tlp>,
    pub handling: Handling,
    pub originator: Option<Originator>,
    pub release_authority: Option<ReleaseAuthority>,
    /// Where the label came from (marking-definition ids, `submitter`, `default`). Not part of
    /// the label id.
    #[serde(default)]
    pub sources: Vec<String>,
}

/// `sha256:<hex>` of the canonical label without its sources.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LabelId(String);

impl LabelId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for LabelId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Default for Label {
    fn default() -> Label {
        Label::empty()
    }
}

impl Label {
    /// A label that imposes nothing.
    pub fn empty() -> Label {
        Label {
            v: 1,
            parts: Vec::new(),
            tlp: None,
            handling: Handling::default(),
            originator: None,
            release_authority: None,
            sources: Vec::new(),
        }
    }

    pub fn part(&self, policy: &PolicyId) -> Option<&PolicyPart> {
        self.parts.iter().find(|p| &p.policy.id == policy)
    }

    /// The canonical JSON of the label as identified (without `sources`).
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let Some(map) = value.as_object_mut() {
            map.remove("sources");
        }
        stix_model::canonical::to_canonical_bytes(&value)
    }

    pub fn id(&self) -> LabelId {
        LabelId(policy::sha256_tagged(&self.canonical_bytes()))
    }

    /// The values of every release-to category (tag sets marked `releasable_to` in their
    /// policy), across parts: what `label.rel_to` reads.
    pub fn rel_to(&self, policies: &[Policy]) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for part in &self.parts {
            let Some(policy) = policy::find(policies, part.policy.id.as_str()) else {
                continue;
            };
            for category in &part.categories {
                if policy
                    .tag_set(&category.tag_set)
                    .is_some_and(|t| t.releasable_to)
                {
                    out.extend(category.values.iter().cloned());
                }
            }
        }
        out
    }

    /// Merges two labels into the most restrictive one (design §7.1): per policy,
    /// classification max, restrictive union, permissive intersection, informative union;
    /// parts under other policies are kept (all must pass); TLP most restrictive; embargo
    /// longest; no-further-sharing if either says so. Two different originators or release
    /// authorities are a conflict: nobody can say whose organisation TLP then means.
    pub fn merge(mut self, other: Label) -> Result<Label, Error> {
        for part in other.parts {
            match self
                .parts
                .iter_mut()
                .find(|p| p.policy.id == part.policy.id)
            {
                Some(mine) => merge_part(mine, part),
                None => self.parts.push(part),
            }
        }
        self.parts.sort_by(|a, b| a.policy.id.cmp(&b.policy.id));
        self.tlp = self.tlp.max(other.tlp);
        self.handling.embargo = self.handling.embargo.max(other.handling.embargo);
        self.handling.no_further_sharing |= other.handling.no_further_sharing;
        self.originator = same_or_conflict(self.originator, other.originator, "originators")?;
        self.release_authority = same_or_conflict(
            self.release_authority,
            other.release_authority,
            "release authorities",
        )?;
        for s in other.sources {
            if !self.sources.contains(&s) {
                self.sources.push(s);
            }
        }
        Ok(self)
    }

    /// Checks every part against its loaded policy: policy known, classification and its
    /// level as the policy defines them, tag sets known with their declared type, values
    /// known, no value combined with a classification it excludes.
    pub fn check(&self, policies: &[Policy]) -> Result<(), Error> {
        for part in &self.parts {
            let policy = policy::find(policies, part.policy.id.as_str()).ok_or_else(|| {
                Error::UnknownPolicy {
                    policy: part.policy.id.to_string(),
                }
            })?;
            let invalid = |message: String| Error::InvalidLabel {
                policy: policy.name().to_owned(),
                message,
            };
            let class = policy
                .classification(&part.classification.name)
                .ok_or_else(|| {
                    invalid(format!(
                        "unknown classification {}",
                        part.classification.name
                    ))
                })?;
            if class.hierarchy != part.classification.level {
                return Err(invalid(format!(
                    "classification {} is level {}, not {}",
                    class.name, class.hierarchy, part.classification.level
                )));
            }
            for category in &part.categories {
                let tag_set = policy
                    .tag_set(&category.tag_set)
                    .ok_or_else(|| invalid(format!("unknown tag set {}", category.tag_set)))?;
                if tag_set.kind != category.kind || tag_set.id != category.tag_set {
                    return Err(invalid(format!(
                        "tag set {} is {} ({}), not {}",
                        tag_set.name, tag_set.kind, tag_set.id, category.kind
                    )));
                }
                for value in &category.values {
                    let v = tag_set.value(value).ok_or_else(|| {
                        invalid(format!("{}: unknown value {value}", tag_set.name))
                    })?;
                    if v.excluded_classes.contains(&class.name) {
                        return Err(invalid(format!(
                            "{}: {value} may not be combined with {}",
                            tag_set.name, class.name
                        )));
                    }
                }
            }
        }
        Ok(())
    }
}

fn merge_part(mine: &mut PolicyPart, theirs: PolicyPart) {
    if theirs.classification.level > mine.classification.level {
        mine.classification = theirs.classification;
    }
    mine.privacy_mark = match (mine.privacy_mark.take(), theirs.privacy_mark) {
        (Some(a), Some(b)) if a != b => {
            let (first, second) = if a <= b { (a, b) } else { (b, a) };
            Some(format!("{first} / {second}"))
        }
        (a, b) => a.or(b),
    };
    for category in theirs.categories {
        match mine
            .categories
            .iter_mut()
            .find(|c| c.tag_set == category.tag_set)
        {
            Some(c) => {
                c.values = match c.kind {
                    CategoryType::Permissive => {
                        c.values.intersection(&category.values).cloned().collect()
                    }
                    CategoryType::Restrictive | CategoryType::Informative => {
                        c.values.union(&category.values).cloned().collect()
                    }
                }
            }
            None => mine.categories.push(category),
        }
    }
    mine.categories.sort_by(|a, b| a.tag_set.cmp(&b.tag_set));
}

fn same_or_conflict<T: PartialEq>(
    a: Option<T>,
    b: Option<T>,
    what: &str,
) -> Result<Option<T>, Error> {
    match (a, b) {
        (Some(a), Some(b)) if a != b => Err(Error::InvalidLabel {
            policy: "-".into(),
            message: format!("markings name two different {what}"),
        }),
        (a, b) => Ok(a.or(b)),
    }
}

/// Builds a policy part from names, resolving levels, tag names and types from the policy.
/// Values are checked by [`Label::check`].
pub fn part_from_names(
    policy: &Policy,
    classification: &str,
    categories: &[(&str, &[&str])],
) -> Result<PolicyPart, Error> {
    let invalid = |message: String| Error::InvalidLabel {
        policy: policy.name().to_owned(),
        message,
    };
    let class = policy
        .classification(classification)
        .ok_or_else(|| invalid(format!("unknown classification {classification}")))?;
    let mut cats = Vec::new();
    for (tag_set, values) in categories {
        let t = policy
            .tag_set(tag_set)
            .ok_or_else(|| invalid(format!("unknown tag set {tag_set}")))?;
        let category = Category {
            tag_set: t.id.clone(),
            tag_name: t.name.clone(),
            kind: t.kind,
            values: values.iter().map(|v| (*v).to_owned()).collect(),
        };
        match cats
            .iter_mut()
            .find(|c: &&mut Category| c.tag_set == category.tag_set)
        {
            Some(c) => c.values.extend(category.values),
            None => cats.push(category),
        }
    }
    cats.sort_by(|a, b| a.tag_set.cmp(&b.tag_set));
    Ok(PolicyPart {
        policy: PolicyRef {
            id: policy.id().clone(),
            name: policy.name().to_owned(),
        },
        classification: ClassificationRef {
            name: class.name.clone(),
            level: class.hierarchy,
        },
        privacy_mark: None,
        categories: cats,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::NATO_EXAMPLE_YAML;

    fn nato() -> Policy {
        Policy::parse(NATO_EXAMPLE_YAML).unwrap()
    }

    fn label(part: PolicyPart) -> Label {
        Label {
            parts: vec![part],
            ..Label::empty()
        }
    }

    #[test]
    fn label_id_ignores_sources() {
        let p = nato();
        let mut a = label(part_from_names(&p, "SECRET", &[("Releasable To", &["FVEY"])]).unwrap());
        let b = a.clone();
        a.sources.push("marking-definition--x".into());
        assert_eq!(a.id(), b.id());
        assert!(a.id().as_str().starts_with("sha256:"));
    }

    #[test]
    fn merge_takes_max_classification() {
        let p = nato();
        let a = label(part_from_names(&p, "RESTRICTED", &[]).unwrap());
        let b = label(part_from_names(&p, "SECRET", &[]).unwrap());
        let m = a.merge(b).unwrap();
        assert_eq!(m.parts[0].classification.level, 4);
    }

    #[test]
    fn merge_unions_restrictive_and_intersects_permissive() {
        let p = nato();
        let a = label(
            part_from_names(
                &p,
                "SECRET",
                &[
                    ("Additional Sensitivity", &["ATOMAL"]),
                    ("Releasable To", &["GBR", "USA"]),
                ],
            )
            .unwrap(),
        );
        let b = label(
            part_from_names(
                &p,
                "SECRET",
                &[
                    ("Additional Sensitivity", &["CRYPTO"]),
                    ("Releasable To", &["USA", "FRA"]),
                ],
            )
            .unwrap(),
        );
        let m = a.merge(b).unwrap();
        let restrictive = m.parts[0].category("urn:oid:1.3.26.1.4.1").unwrap();
        assert_eq!(
            restrictive.values.iter().collect::<Vec<_>>(),
            ["ATOMAL", "CRYPTO"]
        );
        let permissive = m.parts[0].category("urn:oid:1.3.26.1.4.2").unwrap();
        assert_eq!(permissive.values.iter().collect::<Vec<_>>(), ["USA"]);
    }

    #[test]
    fn merge_of_disjoint_permissive_is_releasable_to_no_one() {
        let p = nato();
        let a = label(part_from_names(&p, "SECRET", &[("Releasable To", &["GBR"])]).unwrap());
        let b = label(part_from_names(&p, "SECRET", &[("Releasable To", &["FRA"])]).unwrap());
        let m = a.merge(b).unwrap();
        assert!(
            m.parts[0]
                .category("urn:oid:1.3.26.1.4.2")
                .unwrap()
                .values
                .is_empty()
        );
    }

    #[test]
    fn merge_keeps_parts_of_different_policies() {
        let p = nato();
        let acs = Policy::parse(policy::ACS_EXAMPLE_YAML).unwrap();
        let m = label(part_from_names(&p, "SECRET", &[]).unwrap())
            .merge(label(part_from_names(&acs, "S", &[]).unwrap()))
            .unwrap();
        assert_eq!(m.parts.len(), 2);
    }

    #[test]
    fn merge_takes_strictest_tlp_and_longest_embargo() {
        let a = Label {
            tlp: Some(Tlp::Green),
            handling: Handling {
                embargo: Some(Duration::parse("PT1H").unwrap()),
                no_further_sharing: false,
            },
            ..Label::empty()
        };
        let b = Label {
            tlp: Some(Tlp::AmberStrict),
            handling: Handling {
                embargo: Some(Duration::parse("PT24H").unwrap()),
                no_further_sharing: true,
            },
            ..Label::empty()
        };
        let m = a.merge(b).unwrap();
        assert_eq!(m.tlp, Some(Tlp::AmberStrict));
        assert_eq!(m.handling.embargo.unwrap().seconds(), 86_400);
        assert!(m.handling.no_further_sharing);
    }

    #[test]
    fn merge_refuses_two_originators() {
        let o = |p: &str| Label {
            originator: Some(Originator {
                partner: p.into(),
                id_type: None,
                id: None,
            }),
            ..Label::empty()
        };
        assert!(o("A").merge(o("B")).is_err());
        assert!(o("A").merge(o("A")).is_ok());
    }

    #[test]
    fn check_refuses_excluded_class() {
        let p = nato();
        let l = label(part_from_names(&p, "SECRET", &[("Releasable To", &["BLR"])]).unwrap());
        assert!(matches!(
            l.check(std::slice::from_ref(&p)),
            Err(Error::InvalidLabel { .. })
        ));
        let ok =
            label(part_from_names(&p, "UNCLASSIFIED", &[("Releasable To", &["BLR"])]).unwrap());
        assert!(ok.check(&[p]).is_ok());
    }

    #[test]
    fn check_refuses_unknown_value_and_policy() {
        let p = nato();
        let l = label(part_from_names(&p, "SECRET", &[("Releasable To", &["XXX"])]).unwrap());
        assert!(matches!(
            l.check(std::slice::from_ref(&p)),
            Err(Error::InvalidLabel { .. })
        ));
        let l = label(part_from_names(&p, "SECRET", &[]).unwrap());
        assert!(matches!(l.check(&[]), Err(Error::UnknownPolicy { .. })));
    }
}
