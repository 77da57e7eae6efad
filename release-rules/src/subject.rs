//! Partners, credential ceilings and the effective subject (design §7.2).
//!
//! The effective subject is what every decision reads: the partner's attributes with each
//! clearance lowered to the ceiling of the credential in use (the accreditation of the system
//! it is used from). Clearances and caveats are resolved against the loaded policies once,
//! here, so that the engine compares levels and value sets only.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::policy::{self, Level, Policy, PolicyId};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Active,
    Suspended,
    Left,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Left => "left",
        })
    }
}

/// A mission partner as a mission file declares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partner {
    pub id: String,
    /// ISO 3166 alpha-3.
    #[serde(default)]
    pub nation: Option<String>,
    /// The partner organisation and declared sub-organisations (TLP "organisation" when the
    /// mission says `tlp_organisation: org`). The partner id always counts as one.
    #[serde(default)]
    pub orgs: Vec<String>,
    /// Partners that are this partner's clients (TLP:AMBER reaches them).
    #[serde(default)]
    pub clients: Vec<String>,
    #[serde(default)]
    pub communities: Vec<String>,
    /// Policy (id or name) → classification (name or level).
    #[serde(default)]
    pub clearance: BTreeMap<String, String>,
    /// Tag set (id or name) → values held.
    #[serde(default)]
    pub caveats: BTreeMap<String, Vec<String>>,
    #[serde(default = "default_role")]
    pub role: String,
    #[serde(default)]
    pub status: Status,
}

fn default_role() -> String {
    "supporting".to_owned()
}

impl Partner {
    /// A partner with only an id (zero-config).
    pub fn named(id: &str) -> Partner {
        Partner {
            id: id.to_owned(),
            nation: None,
            orgs: Vec::new(),
            clients: Vec::new(),
            communities: Vec::new(),
            clearance: BTreeMap::new(),
            caveats: BTreeMap::new(),
            role: default_role(),
            status: Status::Active,
        }
    }
}

/// The clearance ceiling of a credential.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Ceiling {
    /// The credential does not lower the partner's clearances.
    #[default]
    None,
    /// Per policy; a policy that is not listed is not readable through this credential.
    Levels(BTreeMap<PolicyId, Level>),
}

impl Ceiling {
    /// Resolves `policy (id or name) → classification (name or level)` against policies.
    pub fn parse(levels: &BTreeMap<String, String>, policies: &[Policy]) -> Result<Ceiling, Error> {
        let mut out = BTreeMap::new();
        for (p, c) in levels {
            let (id, level) =
                resolve_clearance(p, c, policies).map_err(|message| Error::Subject {
                    partner: "(credential)".into(),
                    message,
                })?;
            out.insert(id, level);
        }
        Ok(Ceiling::Levels(out))
    }
}

/// The effective subject of a request: the ABAC input.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Subject {
    pub partner: String,
    pub nation: Option<String>,
    /// Includes the partner id.
    pub orgs: BTreeSet<String>,
    pub communities: BTreeSet<String>,
    pub clearance: BTreeMap<PolicyId, Level>,
    /// Tag set id → values.
    pub caveats: BTreeMap<String, BTreeSet<String>>,
    pub role: String,
    pub status: Status,
}

impl Subject {
    /// The effective subject of `partner` using a credential with `ceiling`.
    pub fn effective(
        partner: &Partner,
        ceiling: &Ceiling,
        policies: &[Policy],
    ) -> Result<Subject, Error> {
        let fault = |message: String| Error::Subject {
            partner: partner.id.clone(),
            message,
        };
        let mut clearance = BTreeMap::new();
        for (p, c) in &partner.clearance {
            let (id, level) = resolve_clearance(p, c, policies).map_err(fault)?;
            let level = match ceiling {
                Ceiling::None => Some(level),
                Ceiling::Levels(max) => max.get(&id).map(|m| level.min(*m)),
            };
            if let Some(level) = level {
                clearance.insert(id, level);
            }
        }
        let mut caveats: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (t, values) in &partner.caveats {
            let (policy, tag_set) = policies
                .iter()
                .find_map(|p| p.tag_set(t).map(|ts| (p, ts)))
                .ok_or_else(|| fault(format!("caveats: unknown tag set {t}")))?;
            if let Some(v) = values.iter().find(|v| tag_set.value(v).is_none()) {
                return Err(fault(format!(
                    "caveats: {} of policy {} has no value {v}",
                    tag_set.name,
                    policy.name()
                )));
            }
            caveats
                .entry(tag_set.id.clone())
                .or_default()
                .extend(values.iter().cloned());
        }
        let mut orgs: BTreeSet<String> = partner.orgs.iter().cloned().collect();
        orgs.insert(partner.id.clone());
        Ok(Subject {
            partner: partner.id.clone(),
            nation: partner.nation.clone(),
            orgs,
            communities: partner.communities.iter().cloned().collect(),
            clearance,
            caveats,
            role: partner.role.clone(),
            status: partner.status,
        })
    }
}

fn resolve_clearance(
    policy_name: &str,
    class: &str,
    policies: &[Policy],
) -> Result<(PolicyId, Level), String> {
    let p = policy::find(policies, policy_name)
        .ok_or_else(|| format!("clearance: unknown policy {policy_name}"))?;
    let level = p.level_of(class).ok_or_else(|| {
        format!(
            "clearance: policy {} has no classification {class}",
            p.name()
        )
    })?;
    Ok((p.id().clone(), level))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::NATO_EXAMPLE_YAML;

    fn gbr() -> Partner {
        let mut p = Partner::named("GBR-NCSC");
        p.nation = Some("GBR".into());
        p.clearance.insert("NATO".into(), "SECRET".into());
        p
    }

    #[test]
    fn effective_clearance_is_lowered_to_the_credential_ceiling() {
        let policies = [Policy::parse(NATO_EXAMPLE_YAML).unwrap()];
        let ceiling = Ceiling::parse(
            &BTreeMap::from([("NATO".into(), "RESTRICTED".into())]),
            &policies,
        )
        .unwrap();
        let s = Subject::effective(&gbr(), &ceiling, &policies).unwrap();
        assert_eq!(s.clearance.values().copied().collect::<Vec<_>>(), [2]);
        let s = Subject::effective(&gbr(), &Ceiling::None, &policies).unwrap();
        assert_eq!(s.clearance.values().copied().collect::<Vec<_>>(), [4]);
        let s = Subject::effective(&gbr(), &Ceiling::Levels(BTreeMap::new()), &policies).unwrap();
        assert!(s.clearance.is_empty());
    }

    #[test]
    fn subject_refuses_unknown_policy_and_values() {
        let policies = [Policy::parse(NATO_EXAMPLE_YAML).unwrap()];
        let mut p = gbr();
        p.clearance.insert("XX".into(), "SECRET".into());
        assert!(Subject::effective(&p, &Ceiling::None, &policies).is_err());
        let mut p = gbr();
        p.caveats
            .insert("Additional Sensitivity".into(), vec!["NOPE".into()]);
        assert!(Subject::effective(&p, &Ceiling::None, &policies).is_err());
    }

    #[test]
    fn orgs_include_the_partner() {
        let policies = [Policy::parse(NATO_EXAMPLE_YAML).unwrap()];
        let s = Subject::effective(&gbr(), &Ceiling::None, &policies).unwrap();
        assert!(s.orgs.contains("GBR-NCSC"));
    }
}
