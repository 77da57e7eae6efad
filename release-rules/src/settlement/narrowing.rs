//! Narrowing or widening: can a proposed rule set only release less than the one in force?
//! (§5.2: a narrowing change may take effect provisionally on one lead's approval; anything
//! else waits for settlement.)
//!
//! The check is syntactic and conservative: it answers [`Reach::Narrows`] only when it can
//! see that every release the proposed set allows, the set in force allows too, under
//! `decision = baseline ∧ ∃ release rule ∧ ¬∃ withhold rule`. It accepts, and nothing else:
//! - the rule-set id, groups, semantics, quorum and `spifs` unchanged (a group feeds the
//!   baseline and rules; a quorum change is a change of governance);
//! - release rules only removed, kept identical, or tightened: `scope`, `audience` or `when`
//!   added where absent, or replaced by `{all: [old, …]}`; `unless` added where absent or
//!   replaced by `{any: [old, …]}`; `redact` a superset of the old list;
//! - withhold rules only added, kept identical, or loosened: `scope`, `audience` or `when`
//!   removed or replaced by `{any: [old, …]}`; `unless` removed or replaced by
//!   `{all: [old, …]}`; the note may change on any rule.
//!
//! Everything else (a new release rule, a withhold rule removed or edited otherwise, a rule
//! whose effect flips) counts as widening, with the reasons listed.
//! Membership changes are never provisional: they change who votes, not only who sees.

use serde::Serialize;

use crate::rules::{Pred, Rule, RuleEffect, RuleSet};

/// What a rule-set change can do to releases.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reach", rename_all = "snake_case")]
pub enum Reach {
    /// Every release the proposed set allows, the set in force allows.
    Narrows,
    /// The check could not show narrowing; each reason names a rule or section.
    Widens { reasons: Vec<String> },
}

impl Reach {
    pub fn narrows(&self) -> bool {
        matches!(self, Reach::Narrows)
    }
}

/// Compares the rule set in force with a proposed one.
pub fn classify(in_force: &RuleSet, proposed: &RuleSet) -> Reach {
    let mut reasons = Vec::new();
    if in_force.id != proposed.id {
        reasons.push(format!(
            "rule-set id {} becomes {}",
            in_force.id, proposed.id
        ));
    }
    if in_force.groups != proposed.groups {
        reasons.push("groups change".to_owned());
    }
    if in_force.semantics != proposed.semantics {
        reasons.push("semantics change".to_owned());
    }
    if in_force.quorum != proposed.quorum {
        reasons.push("quorum changes".to_owned());
    }
    if in_force.source().get("spifs") != proposed.source().get("spifs") {
        reasons.push("spifs change".to_owned());
    }
    for new in &proposed.rules {
        let old = in_force.rule(&new.id);
        match (new.effect, old) {
            (RuleEffect::Release, None) => {
                reasons.push(format!("release rule {} is added", new.id));
            }
            (_, Some(old)) if old.effect != new.effect => {
                reasons.push(format!("rule {} changes effect", new.id));
            }
            (RuleEffect::Release, Some(old)) if !release_tightened(old, new) => {
                reasons.push(format!("release rule {} is not only tightened", new.id));
            }
            (RuleEffect::Withhold, Some(old)) if !withhold_loosened(old, new) => {
                reasons.push(format!("withhold rule {} is not only broadened", new.id));
            }
            _ => {}
        }
    }
    for old in &in_force.rules {
        if old.effect == RuleEffect::Withhold && proposed.rule(&old.id).is_none() {
            reasons.push(format!("withhold rule {} is removed", old.id));
        }
    }
    if reasons.is_empty() {
        Reach::Narrows
    } else {
        Reach::Widens { reasons }
    }
}

/// A condition (absent = always true) that matches no more than before: unchanged, newly
/// present, or `{all: [old, …]}`.
fn condition_stricter(old: &Option<Pred>, new: &Option<Pred>) -> bool {
    match (old, new) {
        (None, _) => true,
        (Some(o), Some(n)) => o == n || matches!(n, Pred::All(ps) if ps.contains(o)),
        (Some(_), None) => false,
    }
}

/// A condition (absent = always true) that matches no less than before: unchanged, removed,
/// or `{any: [old, …]}`.
fn condition_looser(old: &Option<Pred>, new: &Option<Pred>) -> bool {
    match (old, new) {
        (_, None) => true,
        (Some(o), Some(n)) => o == n || matches!(n, Pred::Any(ps) if ps.contains(o)),
        (None, Some(_)) => false,
    }
}

/// An exception (absent = never) that excepts no less than before: unchanged, newly present,
/// or `{any: [old, …]}`.
fn exception_broader(old: &Option<Pred>, new: &Option<Pred>) -> bool {
    match (old, new) {
        (None, _) => true,
        (Some(o), Some(n)) => o == n || matches!(n, Pred::Any(ps) if ps.contains(o)),
        (Some(_), None) => false,
    }
}

/// An exception (absent = never) that excepts no more than before: unchanged, removed, or
/// `{all: [old, …]}`.
fn exception_narrower(old: &Option<Pred>, new: &Option<Pred>) -> bool {
    match (old, new) {
        (_, None) => true,
        (Some(o), Some(n)) => o == n || matches!(n, Pred::All(ps) if ps.contains(o)),
        (None, Some(_)) => false,
    }
}

/// A release rule matches when scope ∧ audience ∧ when ∧ ¬unless, so it narrows when the
/// first three get stricter, `unless` excepts more, and it redacts at least as much.
fn release_tightened(old: &Rule, new: &Rule) -> bool {
    condition_stricter(&old.scope, &new.scope)
        && condition_stricter(&old.audience, &new.audience)
        && condition_stricter(&old.when, &new.when)
        && exception_broader(&old.unless, &new.unless)
        && old.redact.iter().all(|s| new.redact.contains(s))
}

/// A withhold rule withholds more when it matches more.
fn withhold_loosened(old: &Rule, new: &Rule) -> bool {
    condition_looser(&old.scope, &new.scope)
        && condition_looser(&old.audience, &new.audience)
        && condition_looser(&old.when, &new.when)
        && exception_narrower(&old.unless, &new.unless)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(rules: &str) -> RuleSet {
        RuleSet::parse(&format!(
            "id: m\nversion: 1\ngroups: {{G: {{nations: [GBR]}}}}\nrules: {rules}"
        ))
        .unwrap()
    }

    const BASE: &str = "[{id: rel, effect: release, scope: {attr: object.type, op: eq, value: indicator}}, {id: obs, effect: withhold, audience: {attr: subject.role, op: eq, value: observing}}]";

    #[test]
    fn adding_a_withhold_rule_narrows() {
        let next = set(
            "[{id: rel, effect: release, scope: {attr: object.type, op: eq, value: indicator}}, {id: obs, effect: withhold, audience: {attr: subject.role, op: eq, value: observing}}, {id: x, effect: withhold, scope: {attr: label.tlp, op: eq, value: red}}]",
        );
        assert_eq!(classify(&set(BASE), &next), Reach::Narrows);
    }

    #[test]
    fn removing_a_release_rule_narrows_and_adding_one_widens() {
        let fewer = set(
            "[{id: obs, effect: withhold, audience: {attr: subject.role, op: eq, value: observing}}]",
        );
        assert_eq!(classify(&set(BASE), &fewer), Reach::Narrows);
        assert!(!classify(&fewer, &set(BASE)).narrows());
    }

    #[test]
    fn tightening_a_release_rule_narrows_and_loosening_widens() {
        let tight = set(
            "[{id: rel, effect: release, scope: {all: [{attr: object.type, op: eq, value: indicator}, {attr: label.tlp, op: eq, value: clear}]}, redact: [description]}, {id: obs, effect: withhold, audience: {attr: subject.role, op: eq, value: observing}}]",
        );
        assert_eq!(classify(&set(BASE), &tight), Reach::Narrows);
        assert!(!classify(&tight, &set(BASE)).narrows());
    }

    #[test]
    fn broadening_a_withhold_rule_narrows_and_removing_it_widens() {
        let broad = set(
            "[{id: rel, effect: release, scope: {attr: object.type, op: eq, value: indicator}}, {id: obs, effect: withhold}]",
        );
        assert_eq!(classify(&set(BASE), &broad), Reach::Narrows);
        let gone = set(
            "[{id: rel, effect: release, scope: {attr: object.type, op: eq, value: indicator}}]",
        );
        assert_eq!(
            classify(&set(BASE), &gone),
            Reach::Widens {
                reasons: vec!["withhold rule obs is removed".into()]
            }
        );
    }

    #[test]
    fn changing_groups_widens() {
        let other = RuleSet::parse(&format!(
            "id: m\nversion: 1\ngroups: {{G: {{nations: [GBR, USA]}}}}\nrules: {BASE}"
        ))
        .unwrap();
        assert!(!classify(&set(BASE), &other).narrows());
    }
}
