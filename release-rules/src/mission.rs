//! The mission file (`accord init --mission mission.yaml`): partners, policies, API roots and
//! collections, and the genesis rule set. Parsing is pure: policy files named by path are read
//! through a resolver the caller passes (the hub does the I/O).
//!
//! ```yaml
//! mission: {id: mission-x, name: Mission X}
//! policies:
//!   - policies/nato-example.yaml        # a path, read through the resolver
//!   - {policy: {id: "urn:x", name: X}, classifications: [{name: U, hierarchy: 1}]}   # inline
//! default_label: {policy: NATO, classification: UNCLASSIFIED}   # for objects no marking labels
//! partners:
//!   - {id: GBR-NCSC, nation: GBR, communities: [NATO, FVEY], clearance: {NATO: SECRET}, role: lead}
//! api_roots:
//!   - name: mission-x
//!     title: Mission X
//!     collections:
//!       - {alias: shared, title: Shared, can_read: true, can_write: true}
//! rules: {id: mission-x/release, version: 1, groups: {}, rules: [{id: base-release, effect: release}]}
//! ```

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::Error;
use crate::policy::{self, Policy};
use crate::rules::RuleSet;
use crate::subject::{Ceiling, Partner, Subject};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissionHeader {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// The label given to objects that no marking places under a policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultLabel {
    /// Policy id or name.
    pub policy: String,
    pub classification: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectionSpec {
    /// A UUID; the hub mints one when absent.
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub alias: Option<String>,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "yes")]
    pub can_read: bool,
    #[serde(default = "yes")]
    pub can_write: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiRootSpec {
    pub name: String,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub collections: Vec<CollectionSpec>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct MissionDocument {
    mission: MissionHeader,
    #[serde(default)]
    policies: Vec<Value>,
    #[serde(default)]
    default_label: Option<DefaultLabel>,
    partners: Vec<Partner>,
    #[serde(default)]
    api_roots: Vec<ApiRootSpec>,
    rules: Value,
}

/// A parsed, cross-checked mission.
#[derive(Debug, Clone)]
pub struct Mission {
    pub header: MissionHeader,
    pub policies: Vec<Policy>,
    pub default_label: Option<DefaultLabel>,
    pub partners: Vec<Partner>,
    pub api_roots: Vec<ApiRootSpec>,
    pub rules: RuleSet,
}

impl Mission {
    /// Parses a mission file. `read_policy` returns the text of a policy file named by path
    /// (relative to the mission file, as the caller decides).
    pub fn parse(
        text: &str,
        read_policy: &mut dyn FnMut(&str) -> Result<String, String>,
    ) -> Result<Mission, Error> {
        let doc: MissionDocument =
            serde_norway::from_str(text).map_err(|e| Error::parse("mission file", e))?;
        let mut policies = Vec::new();
        for p in &doc.policies {
            let policy = match p {
                Value::String(path) => {
                    let text = read_policy(path).map_err(|e| Error::Mission {
                        message: format!("policy file {path}: {e}"),
                    })?;
                    Policy::parse(&text)?
                }
                inline => Policy::parse(&inline.to_string())?,
            };
            policies.push(policy);
        }
        let rules = RuleSet::from_value(doc.rules)?;
        let mission = Mission {
            header: doc.mission,
            policies,
            default_label: doc.default_label,
            partners: doc.partners,
            api_roots: doc.api_roots,
            rules,
        };
        mission.check()?;
        // Resolve the rules' policy and tag-set references now, so that `accord init` names
        // a bad rule instead of the first request failing.
        crate::compile::Engine::from_mission(&mission)?;
        Ok(mission)
    }

    /// Cross-checks: unique policies and partners, partners' clearances and caveats resolve,
    /// the default label resolves, API roots and collection aliases are unique.
    pub fn check(&self) -> Result<(), Error> {
        let fault = |message: String| Error::Mission { message };
        let mut ids = BTreeSet::new();
        for p in &self.policies {
            if !ids.insert(p.id().as_str()) {
                return Err(fault(format!("policy {} loaded twice", p.id())));
            }
        }
        let mut partners = BTreeSet::new();
        for p in &self.partners {
            if p.id.is_empty() || !partners.insert(p.id.as_str()) {
                return Err(fault(format!("partner {:?} empty or declared twice", p.id)));
            }
            Subject::effective(p, &Ceiling::None, &self.policies)?;
        }
        if let Some(d) = &self.default_label {
            let p = policy::find(&self.policies, &d.policy)
                .ok_or_else(|| fault(format!("default_label: unknown policy {}", d.policy)))?;
            if p.classification(&d.classification).is_none() {
                return Err(fault(format!(
                    "default_label: policy {} has no classification {}",
                    p.name(),
                    d.classification
                )));
            }
        }
        let mut roots = BTreeSet::new();
        for r in &self.api_roots {
            if !roots.insert(r.name.as_str()) {
                return Err(fault(format!("api root {} declared twice", r.name)));
            }
            let mut aliases = BTreeSet::new();
            for c in &r.collections {
                if let Some(a) = &c.alias {
                    if !aliases.insert(a.as_str()) {
                        return Err(fault(format!("api root {}: alias {a} used twice", r.name)));
                    }
                }
            }
        }
        Ok(())
    }

    pub fn partner(&self, id: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| p.id == id)
    }

    /// The zero-config mission: one partner (`partner_id`, normally `local`) that sees
    /// everything it may: a one-level local policy that every unmarked object gets, the
    /// partner cleared to it, and the permissive rule set. TLP markings still mean what the
    /// baseline says, and with one partner that partner is every originator.
    pub fn zero_config(partner_id: &str) -> Mission {
        let policy = Policy::parse(LOCAL_POLICY_YAML).ok();
        let mut partner = Partner::named(partner_id);
        partner.clearance.insert(
            LOCAL_POLICY_NAME.to_owned(),
            LOCAL_CLASSIFICATION.to_owned(),
        );
        Mission {
            header: MissionHeader {
                id: "local".to_owned(),
                name: Some("zero-config".to_owned()),
            },
            default_label: policy.as_ref().map(|_| DefaultLabel {
                policy: LOCAL_POLICY_NAME.to_owned(),
                classification: LOCAL_CLASSIFICATION.to_owned(),
            }),
            policies: policy.into_iter().collect(),
            partners: vec![partner],
            api_roots: Vec::new(),
            rules: RuleSet::permissive(),
        }
    }
}

const LOCAL_POLICY_NAME: &str = "LOCAL";
const LOCAL_CLASSIFICATION: &str = "UNMARKED";
/// The one-level policy of the zero-config start.
pub const LOCAL_POLICY_YAML: &str = "policy: {id: \"urn:accord:policy:local\", name: LOCAL}\nclassifications: [{name: UNMARKED, hierarchy: 0}]\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn read(path: &str) -> Result<String, String> {
        match path {
            "policies/nato-example.yaml" => Ok(policy::NATO_EXAMPLE_YAML.to_owned()),
            _ => Err("no such file".into()),
        }
    }

    #[test]
    fn example_mission_parses() {
        let m = Mission::parse(include_str!("../tests/data/mission.yaml"), &mut read).unwrap();
        assert_eq!(m.partners.len(), 6);
        assert_eq!(m.rules.rules.len(), 5);
        assert_eq!(m.api_roots.len(), 1);
    }

    #[test]
    fn zero_config_mission_checks() {
        let m = Mission::zero_config("local");
        m.check().unwrap();
        assert_eq!(m.policies.len(), 1);
    }

    #[test]
    fn mission_refuses_unknown_policy_in_clearance() {
        let text = "mission: {id: m}\npartners: [{id: A, clearance: {NATO: SECRET}}]\nrules: {id: r, version: 1, rules: []}";
        assert!(Mission::parse(text, &mut read).is_err());
    }

    #[test]
    fn mission_refuses_a_rule_naming_an_unknown_policy() {
        let text = "mission: {id: m}\npolicies: [policies/nato-example.yaml]\npartners: []\nrules: {id: r, version: 1, rules: [{id: bad, effect: withhold, audience: {attr: subject.clearance.NOPE, op: gte, value: 1}}]}";
        assert!(
            matches!(Mission::parse(text, &mut read), Err(Error::Rule { rule, .. }) if rule == "bad")
        );
    }

    #[test]
    fn mission_refuses_missing_policy_file() {
        let text = "mission: {id: m}\npolicies: [nope.yaml]\npartners: []\nrules: {id: r, version: 1, rules: []}";
        assert!(matches!(
            Mission::parse(text, &mut read),
            Err(Error::Mission { .. })
        ));
    }
}
