//! Security policies: the value domains of labels, loaded from a policy file, never
//! hard-coded.
//!
//! The file is a YAML (or JSON) rendering of a subset of an Open XML SPIF
//! (`http://www.xmlspif.org/spif`): the security policy id and name, the classifications with
//! their `lacv` and `hierarchy`, and the security category tag sets with their tag type
//! (permissive / restrictive / informative), values (`lacv`) and `excludedClass`. Reading the
//! XML SPIF itself is the stated target; this shape maps one to one onto it:
//!
//! ```yaml
//! policy: {id: "urn:oid:1.3.26.1.3.1", name: NATO}
//! classifications:
//!   - {name: UNCLASSIFIED, lacv: 1, hierarchy: 1}
//!   - {name: SECRET, lacv: 4, hierarchy: 4}
//! tag_sets:
//!   - id: "urn:oid:1.3.26.1.4.2"
//!     name: Releasable To
//!     type: permissive
//!     releasable_to: true          # values of this tag set are what `label.rel_to` reads
//!     values:
//!       - {name: GBR, lacv: 826}
//!       - {name: BLR, lacv: 112, excluded_classes: [RESTRICTED, CONFIDENTIAL, SECRET]}
//! ```
//!
//! A classification's `hierarchy` is its level: a subject cleared to level n may read levels
//! up to n.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::Error;

/// A classification level (`hierarchy` in a SPIF).
pub type Level = u32;

/// The identifier of a security policy (a URN such as `urn:oid:1.3.26.1.3.1`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PolicyId(String);

impl PolicyId {
    pub fn parse(text: &str) -> Result<PolicyId, Error> {
        if text.trim().is_empty() || text.trim() != text || text.len() > 512 {
            return Err(Error::Policy {
                policy: text.to_owned(),
                message: "a policy id is a non-empty string without surrounding spaces".into(),
            });
        }
        Ok(PolicyId(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PolicyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PolicyId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        PolicyId::parse(&value)
    }
}

impl From<PolicyId> for String {
    fn from(id: PolicyId) -> String {
        id.0
    }
}

/// How a category restricts access (STANAG 4774 `Category/@Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CategoryType {
    /// The reader must hold at least one of the label's values.
    Permissive,
    /// The reader must hold every one of the label's values.
    Restrictive,
    /// Displayed only; never restricts access.
    Informative,
}

impl fmt::Display for CategoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CategoryType::Permissive => "permissive",
            CategoryType::Restrictive => "restrictive",
            CategoryType::Informative => "informative",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyHeader {
    pub id: PolicyId,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Classification {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lacv: Option<u32>,
    /// The level: higher is more sensitive.
    pub hierarchy: Level,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagValue {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lacv: Option<u32>,
    /// Classifications (by name) this value may not be combined with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_classes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TagSet {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: CategoryType,
    /// Whether this tag set's values are release-to values (read by `label.rel_to`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub releasable_to: bool,
    pub values: Vec<TagValue>,
}

impl TagSet {
    pub fn value(&self, name: &str) -> Option<&TagValue> {
        self.values.iter().find(|v| v.name == name)
    }
}

/// The document as written in a policy file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyDocument {
    policy: PolicyHeader,
    classifications: Vec<Classification>,
    #[serde(default)]
    tag_sets: Vec<TagSet>,
}

/// A loaded, checked security policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    header: PolicyHeader,
    classifications: Vec<Classification>,
    tag_sets: Vec<TagSet>,
    digest: String,
}

impl Policy {
    /// Parses a policy file and checks it: an XML SPIF (the document starts with `<`; see
    /// [`Policy::from_spif_xml`]) or the YAML form (JSON is YAML too).
    pub fn parse(text: &str) -> Result<Policy, Error> {
        if text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('<')
        {
            return Policy::from_spif_xml(text);
        }
        let doc: PolicyDocument =
            serde_norway::from_str(text).map_err(|e| Error::parse("policy file", e))?;
        Policy::from_document(doc)
    }

    /// Reads an Open XML SPIF (the subset described in the `spif` module).
    pub fn from_spif_xml(text: &str) -> Result<Policy, Error> {
        let parts = crate::spif::parse(text)?;
        Policy::from_document(PolicyDocument {
            policy: parts.header,
            classifications: parts.classifications,
            tag_sets: parts.tag_sets,
        })
    }

    fn from_document(doc: PolicyDocument) -> Result<Policy, Error> {
        let fault = |message: String| Error::Policy {
            policy: doc.policy.id.to_string(),
            message,
        };
        if doc.classifications.is_empty() {
            return Err(fault("a policy defines at least one classification".into()));
        }
        let mut names = BTreeSet::new();
        let mut levels = BTreeSet::new();
        for c in &doc.classifications {
            if !names.insert(c.name.as_str()) {
                return Err(fault(format!("classification {} defined twice", c.name)));
            }
            if !levels.insert(c.hierarchy) {
                return Err(fault(format!(
                    "two classifications share hierarchy {}",
                    c.hierarchy
                )));
            }
        }
        let mut tag_ids = BTreeSet::new();
        let mut tag_names = BTreeSet::new();
        for t in &doc.tag_sets {
            if !tag_ids.insert(t.id.as_str()) || !tag_names.insert(t.name.as_str()) {
                return Err(fault(format!(
                    "tag set {} ({}) defined twice",
                    t.name, t.id
                )));
            }
            let mut values = BTreeSet::new();
            for v in &t.values {
                if v.name.is_empty() || !values.insert(v.name.as_str()) {
                    return Err(fault(format!(
                        "tag set {}: value {:?} empty or defined twice",
                        t.name, v.name
                    )));
                }
                if let Some(unknown) = v
                    .excluded_classes
                    .iter()
                    .find(|c| !names.contains(c.as_str()))
                {
                    return Err(fault(format!(
                        "tag set {}: value {} excludes unknown classification {unknown}",
                        t.name, v.name
                    )));
                }
            }
        }
        let canonical = serde_json::to_value(&doc).map_err(|e| fault(e.to_string()))?;
        let digest = sha256_tagged(&stix_model::canonical::to_canonical_bytes(&canonical));
        let mut classifications = doc.classifications;
        classifications.sort_by_key(|c| c.hierarchy);
        Ok(Policy {
            header: doc.policy,
            classifications,
            tag_sets: doc.tag_sets,
            digest,
        })
    }

    pub fn id(&self) -> &PolicyId {
        &self.header.id
    }

    pub fn name(&self) -> &str {
        &self.header.name
    }

    /// `sha256:<hex>` of the canonical JSON of the policy document.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Classifications, lowest level first.
    pub fn classifications(&self) -> &[Classification] {
        &self.classifications
    }

    pub fn tag_sets(&self) -> &[TagSet] {
        &self.tag_sets
    }

    pub fn classification(&self, name: &str) -> Option<&Classification> {
        self.classifications.iter().find(|c| c.name == name)
    }

    pub fn classification_at(&self, level: Level) -> Option<&Classification> {
        self.classifications.iter().find(|c| c.hierarchy == level)
    }

    /// The lowest classification.
    pub fn lowest(&self) -> Option<&Classification> {
        self.classifications.first()
    }

    /// A tag set by id, or by name.
    pub fn tag_set(&self, id_or_name: &str) -> Option<&TagSet> {
        self.tag_sets
            .iter()
            .find(|t| t.id == id_or_name)
            .or_else(|| self.tag_sets.iter().find(|t| t.name == id_or_name))
    }

    /// Whether this policy is named by `id_or_name`.
    pub fn is_named(&self, id_or_name: &str) -> bool {
        self.header.id.as_str() == id_or_name || self.header.name == id_or_name
    }

    /// Resolves a classification given by name or by level (as text) to its level.
    pub fn level_of(&self, name_or_level: &str) -> Option<Level> {
        self.classification(name_or_level)
            .map(|c| c.hierarchy)
            .or_else(|| {
                name_or_level
                    .parse::<Level>()
                    .ok()
                    .filter(|l| self.classification_at(*l).is_some())
            })
    }
}

/// Finds a policy by id or name among those loaded.
pub fn find<'a>(policies: &'a [Policy], id_or_name: &str) -> Option<&'a Policy> {
    policies
        .iter()
        .find(|p| p.id().as_str() == id_or_name)
        .or_else(|| policies.iter().find(|p| p.name() == id_or_name))
}

pub(crate) fn sha256_tagged(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// The NATO example policy shipped with the crate (tests, examples, zero-config missions).
pub const NATO_EXAMPLE_YAML: &str = include_str!("../policies/nato-example.yaml");
/// A small ISA ACS 3.0 policy: the classifications and the GENC nations ACS markings use.
pub const ACS_EXAMPLE_YAML: &str = include_str!("../policies/isa-acs-3.0.yaml");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nato_example_policy_loads() {
        let p = Policy::parse(NATO_EXAMPLE_YAML).unwrap();
        assert_eq!(p.id().as_str(), "urn:oid:1.3.26.1.3.1");
        assert_eq!(p.level_of("SECRET"), Some(4));
        assert_eq!(p.level_of("4"), Some(4));
        assert_eq!(p.lowest().unwrap().name, "UNCLASSIFIED");
        let rel = p.tag_set("Releasable To").unwrap();
        assert_eq!(rel.kind, CategoryType::Permissive);
        assert!(rel.releasable_to);
        assert!(p.digest().starts_with("sha256:"));
    }

    #[test]
    fn spif_xml_reads_to_the_same_policy_as_the_yaml_form() {
        let xml = Policy::parse(include_str!("../policies/nato-example.spif.xml")).unwrap();
        let yaml = Policy::parse(NATO_EXAMPLE_YAML).unwrap();
        assert_eq!(xml, yaml);
        assert_eq!(xml.digest(), yaml.digest());
    }

    #[test]
    fn spif_xml_refuses_other_roots_dtds_and_mixed_tag_types() {
        assert!(Policy::from_spif_xml("<policy/>").is_err());
        let dtd = "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><spif:SPIF xmlns:spif=\"http://www.xmlspif.org/spif\">&e;</spif:SPIF>";
        assert!(Policy::from_spif_xml(dtd).is_err());
        let mixed = r#"<spif:SPIF xmlns:spif="http://www.xmlspif.org/spif"><spif:securityPolicyId name="P" id="1.2"/>
            <spif:securityClassifications><spif:securityClassification name="A" hierarchy="1"/></spif:securityClassifications>
            <spif:securityCategoryTagSets><spif:securityCategoryTagSet name="T" id="1.3">
              <spif:securityCategoryTag name="T" tagType="restrictive"><spif:tagCategory name="X"/></spif:securityCategoryTag>
              <spif:securityCategoryTag name="T" tagType="permissive"><spif:tagCategory name="Y"/></spif:securityCategoryTag>
            </spif:securityCategoryTagSet></spif:securityCategoryTagSets></spif:SPIF>"#;
        assert!(matches!(
            Policy::from_spif_xml(mixed),
            Err(Error::Parse { .. })
        ));
    }

    #[test]
    fn spif_xml_leaves_out_obsolete_values() {
        let xml = r#"<spif:SPIF xmlns:spif="http://www.xmlspif.org/spif"><spif:securityPolicyId name="P" id="1.2"/>
            <spif:securityClassifications><spif:securityClassification name="A" lacv="1" hierarchy="1"/></spif:securityClassifications>
            <spif:securityCategoryTagSets><spif:securityCategoryTagSet name="T" id="1.3">
              <spif:securityCategoryTag name="T" tagType="enumerated" enumType="permissive">
                <spif:tagCategory name="X" lacv="1"/><spif:tagCategory name="OLD" lacv="2" obsolete="true"/>
              </spif:securityCategoryTag></spif:securityCategoryTagSet></spif:securityCategoryTagSets></spif:SPIF>"#;
        let p = Policy::from_spif_xml(xml).unwrap();
        assert_eq!(p.id().as_str(), "urn:oid:1.2");
        let t = p.tag_set("urn:oid:1.3").unwrap();
        assert_eq!((t.kind, t.values.len()), (CategoryType::Permissive, 1));
    }

    #[test]
    fn acs_example_policy_loads() {
        let p = Policy::parse(ACS_EXAMPLE_YAML).unwrap();
        assert_eq!(p.level_of("TS"), Some(4));
    }

    #[test]
    fn policy_refuses_duplicates_and_unknown_excluded_class() {
        let dup = "policy: {id: p, name: P}\nclassifications: [{name: A, hierarchy: 1}, {name: A, hierarchy: 2}]";
        assert!(matches!(Policy::parse(dup), Err(Error::Policy { .. })));
        let bad = "policy: {id: p, name: P}\nclassifications: [{name: A, hierarchy: 1}]\ntag_sets: [{id: t, name: T, type: permissive, values: [{name: X, excluded_classes: [B]}]}]";
        assert!(matches!(Policy::parse(bad), Err(Error::Policy { .. })));
        let unknown_field =
            "policy: {id: p, name: P}\nclassifications: [{name: A, hierarchy: 1, colour: red}]";
        assert!(matches!(
            Policy::parse(unknown_field),
            Err(Error::Parse { .. })
        ));
    }

    #[test]
    fn policy_digest_ignores_formatting() {
        let a =
            Policy::parse("policy: {id: p, name: P}\nclassifications: [{name: A, hierarchy: 1}]")
                .unwrap();
        let b = Policy::parse("{\"classifications\": [{\"hierarchy\": 1, \"name\": \"A\"}], \"policy\": {\"name\": \"P\", \"id\": \"p\"}}").unwrap();
        assert_eq!(a.digest(), b.digest());
    }
}
