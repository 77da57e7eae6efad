//! Release labels, policies, subjects, rule sets and compiled release decisions (issue 4,
//! design in `shared/reference/release-rules.md`). Pure: no I/O, no clock; the hub passes
//! file contents, marking catalogues, receive times and "now".
//!
//! - [`policy`]: value domains from policy files (a YAML/JSON rendering of an XML SPIF subset).
//! - [`label`]: the canonical label, its id and the most-restrictive merge.
//! - [`markings`]: labels from TLP 1.0/2.0, statement, ACS 3.0 and Accord label markings.
//! - [`subject`]: partners, credential ceilings, effective subjects.
//! - [`rules`]: the rule-set document and its closed operator set.
//! - [`mission`]: the mission file.
//! - [`compile`]: the [`Engine`]: baseline in code, rules that only narrow, cached decisions.
//! - [`decision`]: decisions, windows and explanations.

mod bits;
pub mod compile;
pub mod decision;
pub mod error;
pub mod label;
pub mod markings;
pub mod mission;
pub mod policy;
pub mod rules;
pub mod settlement;
mod spif;
pub mod subject;
pub mod time;

pub use compile::{
    AudienceClass, Engine, GranularRelease, LabelledObject, Receipt, Release, ReleaseFacts,
    ReleaseKey,
};
pub use decision::{Clause, Decision, Effect, Explanation, Window};
pub use error::Error;
pub use label::{Label, LabelId, Tlp};
pub use markings::{ACCORD_LABEL_EXTENSION_ID, MarkingCatalogue};
pub use mission::Mission;
pub use policy::{Policy, PolicyId};
pub use rules::RuleSet;
pub use subject::{Ceiling, Partner, Subject};
