//! A straightforward reference evaluation over the un-compiled rule set, written separately
//! from the engine: strings and sets, no interning, no partial evaluation, no cache.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::collections::BTreeSet;

use release_rules::label::Label;
use release_rules::policy::{CategoryType, Policy};
use release_rules::rules::{Group, Op, Operand, Path, Pred, RuleEffect, RuleSet, TlpOrganisation};
use release_rules::subject::Status;
use release_rules::{Partner, ReleaseFacts, Subject};

/// Release (with the union of redactions of the matching release rules) or withhold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Release(BTreeSet<String>),
    Withhold,
}

pub struct World<'a> {
    pub rules: &'a RuleSet,
    pub policies: &'a [Policy],
    pub partners: &'a [Partner],
}

pub struct Case<'a> {
    pub label: &'a Label,
    pub subject: &'a Subject,
    pub facts: &'a ReleaseFacts,
    /// Nanoseconds since the epoch.
    pub received: i128,
    pub now: i128,
}

enum V {
    One(Option<String>),
    Many(BTreeSet<String>),
    Level(Option<u32>),
    Time(i128),
}

fn policy<'a>(w: &'a World<'_>, name: &str) -> &'a Policy {
    w.policies
        .iter()
        .find(|p| p.id().as_str() == name || p.name() == name)
        .unwrap()
}

fn tag_set_id(w: &World<'_>, name: &str) -> String {
    w.policies
        .iter()
        .find_map(|p| p.tag_set(name).map(|t| t.id.clone()))
        .unwrap()
}

fn in_group(s: &Subject, g: &Group) -> bool {
    s.nation.as_ref().is_some_and(|n| g.nations.contains(n))
        || !s.communities.is_disjoint(&g.communities)
        || g.partners.contains(&s.partner)
}

fn value(w: &World<'_>, c: &Case<'_>, path: &Path, plus: i128) -> V {
    let s = c.subject;
    let l = c.label;
    match path {
        Path::SubjectPartner => V::One(Some(s.partner.clone())),
        Path::SubjectNation => V::One(s.nation.clone()),
        Path::SubjectOrgs => V::Many(s.orgs.clone()),
        Path::SubjectCommunities => V::Many(s.communities.clone()),
        Path::SubjectRole => V::One(Some(s.role.clone())),
        Path::SubjectClearance(p) => V::Level(s.clearance.get(policy(w, p).id()).copied()),
        Path::SubjectCaveats(t) => V::Many(
            s.caveats
                .get(&tag_set_id(w, t))
                .cloned()
                .unwrap_or_default(),
        ),
        Path::LabelPolicy => V::Many(l.parts.iter().map(|p| p.policy.id.to_string()).collect()),
        Path::LabelClassification(p) => V::Level(
            l.part(policy(w, p).id())
                .map(|part| part.classification.level),
        ),
        Path::LabelRelTo => V::Many(l.rel_to(w.policies)),
        Path::LabelTlp => V::One(l.tlp.map(|t| t.as_str().to_owned())),
        Path::LabelOriginator => V::One(l.originator.as_ref().map(|o| o.partner.clone())),
        Path::LabelReleaseAuthority => {
            V::One(l.release_authority.as_ref().map(|o| o.partner.clone()))
        }
        Path::LabelCategories(t) => {
            let id = tag_set_id(w, t);
            V::Many(
                l.parts
                    .iter()
                    .flat_map(|p| p.categories.iter())
                    .filter(|cat| cat.tag_set == id)
                    .flat_map(|cat| cat.values.iter().cloned())
                    .collect(),
            )
        }
        Path::ObjectType => V::One(Some(c.facts.object_type.clone())),
        Path::ObjectCreatedByRef => V::One(c.facts.created_by_ref.clone()),
        Path::EventSubmitter => V::One(Some(c.facts.submitter.clone())),
        Path::EventReceivedAt => V::Time(c.received + plus),
        Path::EnvNow => V::Time(c.now + plus),
    }
}

fn operand(w: &World<'_>, c: &Case<'_>, attr: &Path, o: &Operand) -> V {
    match o {
        Operand::Ref { path, plus } => value(
            w,
            c,
            path,
            plus.map_or(0, |d| i128::from(d.seconds()) * 1_000_000_000),
        ),
        Operand::Group(g) => V::Many(w.rules.groups[g].values(g)),
        Operand::List(items) => V::Many(items.clone()),
        Operand::Int(n) => V::Level(Some(*n)),
        Operand::Str(s) => match attr {
            Path::SubjectClearance(p) | Path::LabelClassification(p) => {
                V::Level(policy(w, p).level_of(s))
            }
            Path::EnvNow | Path::EventReceivedAt => {
                let t = stix_model::timestamp::Timestamp::parse(s)
                    .unwrap()
                    .instant();
                V::Time(i128::from(t.seconds) * 1_000_000_000 + i128::from(t.nanos))
            }
            Path::LabelTlp => V::One(Some(if s == "white" {
                "clear".to_owned()
            } else {
                s.clone()
            })),
            _ => V::One(Some(s.clone())),
        },
    }
}

fn holds(w: &World<'_>, c: &Case<'_>, p: &Pred) -> bool {
    match p {
        Pred::All(ps) => ps.iter().all(|p| holds(w, c, p)),
        Pred::Any(ps) => ps.iter().any(|p| holds(w, c, p)),
        Pred::Not(p) => !holds(w, c, p),
        Pred::Leaf(leaf) => {
            let left = value(w, c, &leaf.attr, 0);
            let right = operand(w, c, &leaf.attr, &leaf.value);
            match (leaf.op, left, right) {
                (Op::Eq, V::One(a), V::One(b)) => a.is_some() && a == b,
                (Op::Ne, V::One(a), V::One(b)) => !(a.is_some() && a == b),
                (Op::Eq, V::Many(a), V::One(b)) => b.is_some_and(|b| a.contains(&b)),
                (Op::Ne, V::Many(a), V::One(b)) => !b.is_some_and(|b| a.contains(&b)),
                (Op::In, V::One(a), V::Many(b)) => a.is_some_and(|a| b.contains(&a)),
                (Op::NotIn, V::One(a), V::Many(b)) => !a.is_some_and(|a| b.contains(&a)),
                (Op::Intersects, V::Many(a), V::Many(b)) => !a.is_disjoint(&b),
                (Op::SubsetOf, V::Many(a), V::Many(b)) => a.is_subset(&b),
                (Op::Eq, V::Level(a), V::Level(b)) => a.is_some() && a == b,
                (Op::Ne, V::Level(a), V::Level(b)) => !(a.is_some() && a == b),
                (Op::Gte, V::Level(Some(a)), V::Level(Some(b))) => a >= b,
                (Op::Lte, V::Level(Some(a)), V::Level(Some(b))) => a <= b,
                (Op::Before, V::Time(a), V::Time(b)) => a < b,
                (Op::After, V::Time(a), V::Time(b)) => a > b,
                _ => false,
            }
        }
    }
}

fn baseline(w: &World<'_>, c: &Case<'_>) -> bool {
    let s = c.subject;
    let l = c.label;
    if s.status != Status::Active {
        return false;
    }
    let mut memberships: BTreeSet<String> = s.communities.clone();
    memberships.extend(s.nation.clone());
    for (name, g) in &w.rules.groups {
        if in_group(s, g) {
            memberships.insert(name.clone());
        }
    }
    for part in &l.parts {
        match s.clearance.get(&part.policy.id) {
            Some(level) if *level >= part.classification.level => {}
            _ => return false,
        }
        for cat in &part.categories {
            let held = s.caveats.get(&cat.tag_set).cloned().unwrap_or_default();
            let ok = match cat.kind {
                CategoryType::Informative => true,
                CategoryType::Restrictive => cat.values.is_subset(&held),
                CategoryType::Permissive => cat
                    .values
                    .iter()
                    .any(|v| held.contains(v) || memberships.contains(v)),
            };
            if !ok {
                return false;
            }
        }
    }
    let originator = l.originator.as_ref().map(|o| o.partner.as_str());
    let is_originator = originator == Some(s.partner.as_str());
    if let Some(tlp) = l.tlp {
        let org_partner = originator.and_then(|o| w.partners.iter().find(|p| p.id == o));
        let mut originator_orgs: BTreeSet<String> = org_partner
            .map(|p| p.orgs.iter().cloned().collect())
            .unwrap_or_default();
        originator_orgs.extend(originator.map(str::to_owned));
        let same_org = is_originator
            || (w.rules.semantics.tlp_organisation == TlpOrganisation::Org
                && !s.orgs.is_disjoint(&originator_orgs));
        let client = org_partner.is_some_and(|p| p.clients.contains(&s.partner));
        let community = w
            .rules
            .semantics
            .tlp_community
            .as_ref()
            .is_none_or(|g| in_group(s, &w.rules.groups[g]));
        let ok = is_originator
            || match tlp.as_str() {
                "clear" => true,
                "green" => community,
                "amber" => same_org || client,
                "amber+strict" => same_org,
                _ => false,
            };
        if !ok {
            return false;
        }
    }
    // An embargo of zero is no embargo.
    if let Some(e) = l.handling.embargo.filter(|e| e.seconds() > 0) {
        if !is_originator && c.now < c.received + i128::from(e.seconds()) * 1_000_000_000 {
            return false;
        }
    }
    true
}

pub fn evaluate(w: &World<'_>, c: &Case<'_>) -> Outcome {
    if !baseline(w, c) {
        return Outcome::Withhold;
    }
    let matches = |r: &release_rules::rules::Rule| {
        r.scope.as_ref().is_none_or(|p| holds(w, c, p))
            && r.audience.as_ref().is_none_or(|p| holds(w, c, p))
            && r.when.as_ref().is_none_or(|p| holds(w, c, p))
            && !r.unless.as_ref().is_some_and(|p| holds(w, c, p))
    };
    if w.rules
        .rules
        .iter()
        .any(|r| r.effect == RuleEffect::Withhold && matches(r))
    {
        return Outcome::Withhold;
    }
    let released: Vec<_> = w
        .rules
        .rules
        .iter()
        .filter(|r| r.effect == RuleEffect::Release && matches(r))
        .collect();
    if released.is_empty() {
        return Outcome::Withhold;
    }
    Outcome::Release(
        released
            .iter()
            .flat_map(|r| r.redact.iter().cloned())
            .collect(),
    )
}
