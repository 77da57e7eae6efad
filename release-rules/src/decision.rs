//! Decisions and their explanations.

use std::fmt;
use std::sync::Arc;

use stix_model::timestamp::Instant;

use crate::label::Tlp;
use crate::policy::Level;
use crate::subject::Status;
use crate::time;

/// What a reader gets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Effect {
    Release,
    /// Released without the properties these STIX selectors name.
    ReleaseRedacted {
        paths: Arc<[String]>,
    },
    Withhold,
}

impl Effect {
    pub fn is_release(&self) -> bool {
        !matches!(self, Effect::Withhold)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Effect::Release => "release",
            Effect::ReleaseRedacted { .. } => "release-redacted",
            Effect::Withhold => "withhold",
        }
    }
}

/// The interval of time, containing the instant asked about, over which a decision stays the
/// same: `[from, until)`, unbounded where `None`. A decision with an embargo is withheld with
/// `until` = the end of the embargo, then released from that instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Window {
    pub from: Option<Instant>,
    pub until: Option<Instant>,
}

impl Window {
    pub const ALWAYS: Window = Window {
        from: None,
        until: None,
    };

    pub fn contains(&self, at: Instant) -> bool {
        self.from.is_none_or(|f| f <= at) && self.until.is_none_or(|u| at < u)
    }

    /// The intersection of two windows that both contain some instant.
    pub fn intersect(self, other: Window) -> Window {
        Window {
            from: match (self.from, other.from) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            },
            until: match (self.until, other.until) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
        }
    }
}

/// The baseline clause that failed (design §0.3: fixed code, not rule text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Clause {
    /// The partner is suspended or has left.
    Status(Status),
    /// The subject holds no clearance under the label's policy.
    NotCleared { policy: String },
    /// Classification dominance: the subject's level is below the label's.
    Classification {
        policy: String,
        label: Level,
        subject: Level,
    },
    /// Restrictive category: every label value must be held.
    Restrictive {
        policy: String,
        tag_set: String,
        missing: Vec<String>,
    },
    /// Permissive category: at least one label value must be held.
    Permissive { policy: String, tag_set: String },
    /// The TLP level, as the mission defines organisation and community.
    Tlp { tlp: Tlp },
    /// Embargo from the hub's receive time, for readers other than the originator.
    Embargo { until: Instant },
}

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Clause::Status(s) => write!(f, "baseline status: the partner is {s}"),
            Clause::NotCleared { policy } => {
                write!(
                    f,
                    "baseline classification: no clearance under policy {policy}"
                )
            }
            Clause::Classification {
                policy,
                label,
                subject,
            } => write!(
                f,
                "baseline classification: {policy} level {label} is above the subject's {subject}"
            ),
            Clause::Restrictive {
                policy,
                tag_set,
                missing,
            } => write!(
                f,
                "baseline restrictive category {policy}/{tag_set}: subject lacks {}",
                missing.join(", ")
            ),
            Clause::Permissive { policy, tag_set } => write!(
                f,
                "baseline permissive category {policy}/{tag_set}: subject holds none of the label's values"
            ),
            Clause::Tlp { tlp } => write!(
                f,
                "baseline TLP:{}: the subject is outside its audience",
                tlp.as_str().to_uppercase()
            ),
            Clause::Embargo { until } => {
                write!(f, "baseline embargo until {}", time::render(*until))
            }
        }
    }
}

/// Why a decision came out as it did.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Explanation {
    /// A baseline clause failed; rules were not needed.
    Baseline(Clause),
    /// These withhold rules matched (withhold overrides release).
    WithheldByRules(Vec<String>),
    /// No release rule matched (default withhold).
    NoReleaseRule,
    /// The baseline passed and these release rules matched.
    Released(Vec<String>),
    /// A granular marking withholds a property the object's type requires, so the object
    /// cannot be served without it.
    RequiredPropertyWithheld { selector: String },
}

impl Explanation {
    /// The rule ids the decision names (for audit records).
    pub fn rule_ids(&self) -> &[String] {
        match self {
            Explanation::WithheldByRules(ids) | Explanation::Released(ids) => ids,
            Explanation::Baseline(_)
            | Explanation::NoReleaseRule
            | Explanation::RequiredPropertyWithheld { .. } => &[],
        }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Explanation::Baseline(c) => write!(f, "withhold: {c}"),
            Explanation::WithheldByRules(ids) => write!(f, "withhold: rule {}", ids.join(", ")),
            Explanation::NoReleaseRule => {
                f.write_str("withhold: no release rule matched (default)")
            }
            Explanation::Released(ids) => write!(f, "release: rule {}", ids.join(", ")),
            Explanation::RequiredPropertyWithheld { selector } => write!(
                f,
                "withhold: granular marking withholds {selector}, which the object's type requires"
            ),
        }
    }
}

/// A decision for one (release, audience, instant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub effect: Effect,
    pub window: Window,
    pub explanation: Arc<Explanation>,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.explanation)?;
        if let Effect::ReleaseRedacted { paths } = &self.effect {
            write!(f, " (redacting {})", paths.join(", "))?;
        }
        match (self.window.from, self.window.until) {
            (None, None) => Ok(()),
            (from, until) => write!(
                f,
                " [from {} until {}]",
                from.map_or("-".into(), time::render),
                until.map_or("-".into(), time::render)
            ),
        }
    }
}
