//! STIX 2.1 for Accord: what an object is, whether it is valid, and what it says about its
//! release. Pure: no I/O, no async runtime, no SQL.
//!
//! - [`validate`] checks objects against the specification (`spec` holds the rules as data)
//!   and reports every problem with the object id, JSON path and rule.
//! - [`pattern`] parses the STIX patterning language.
//! - [`canonical`] gives the RFC 8785 canonical form and the SHA-256 content hash.
//! - [`markings`] extracts TLP levels and marking references for the release engine.
//! - [`object`] and [`bundle`] keep objects as they came, byte for byte, with a typed view.

pub mod bundle;
pub mod canonical;
pub mod error;
pub mod id;
mod jcs;
pub mod json_pointer;
pub mod markings;
pub mod object;
pub mod pattern;
pub mod problem;
pub mod spec;
pub mod timestamp;
pub mod validate;

pub use error::StixError;
pub use id::StixId;
pub use problem::{Problem, Rule, Severity};
pub use timestamp::Timestamp;
pub use validate::{CustomContent, Options, Validator};
