//! How `accord partner set` options change a partner's attributes.

use std::collections::BTreeMap;

use release_rules::Partner;

use super::partner::SetArgs;

/// `KEY=VALUE` split at the first `=`.
fn pair(text: &str) -> anyhow::Result<(String, String)> {
    let (key, value) = text
        .split_once('=')
        .ok_or_else(|| anyhow::anyhow!("{text:?} is not KEY=VALUE"))?;
    Ok((key.trim().to_owned(), value.trim().to_owned()))
}

/// Replaces each attribute an option was given for.
pub fn apply(partner: &mut Partner, set: &SetArgs) -> anyhow::Result<()> {
    if let Some(nation) = &set.nation {
        partner.nation = Some(nation.clone());
    }
    if !set.orgs.is_empty() {
        partner.orgs = set.orgs.clone();
    }
    if !set.clients.is_empty() {
        partner.clients = set.clients.clone();
    }
    if !set.communities.is_empty() {
        partner.communities = set.communities.clone();
    }
    if !set.clearances.is_empty() {
        partner.clearance = set
            .clearances
            .iter()
            .map(|c| pair(c))
            .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
    }
    if !set.caveats.is_empty() {
        let mut caveats: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for c in &set.caveats {
            let (tag_set, value) = pair(c)?;
            caveats.entry(tag_set).or_default().push(value);
        }
        partner.caveats = caveats;
    }
    if let Some(role) = &set.role {
        partner.role = role.clone();
    }
    Ok(())
}
