//! The filters of TAXII 2.1 §3.4 as typed values: what a request asks the store for.

use std::fmt;

use stix_model::timestamp::Instant;

/// When an object version was added to a collection: microseconds since the Unix epoch. Unique
/// and increasing in commit order within a store, so it is also a pagination key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DateAdded(pub i64);

impl DateAdded {
    pub fn from_instant(instant: Instant) -> DateAdded {
        DateAdded(instant.seconds * 1_000_000 + i64::from(instant.nanos / 1_000))
    }

    pub fn micros(self) -> i64 {
        self.0
    }
}

impl fmt::Display for DateAdded {
    /// TAXII timestamps with microsecond precision: `2016-11-01T03:04:05.123456Z`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        let text = stix_model::Timestamp::from_instant_millis(Instant { seconds, nanos: 0 });
        // `from_instant_millis` gives `…SS.000Z`; swap in six digits.
        let base = text.as_str().get(..19).unwrap_or_default();
        write!(f, "{base}.{micros:06}Z")
    }
}

/// `match[version]` (TAXII 2.1 §3.4.2): a version matches when any of the parts selects it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionFilter {
    pub all: bool,
    pub first: bool,
    pub last: bool,
    /// Exact versions, as instants (`.1Z` and `.100Z` are the same version).
    pub at: Vec<Instant>,
}

impl VersionFilter {
    /// The default of the objects, object and manifest endpoints.
    pub fn last() -> VersionFilter {
        VersionFilter {
            last: true,
            ..VersionFilter::default()
        }
    }

    /// The default of the versions endpoint and of DELETE.
    pub fn all() -> VersionFilter {
        VersionFilter {
            all: true,
            ..VersionFilter::default()
        }
    }
}

/// Where the previous page ended: the last row's date added and its tiebreak sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub date_added: DateAdded,
    pub seq: i64,
}

/// What a GET of objects, manifest or versions asks for, filters already parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectQuery {
    /// Only versions added strictly after this.
    pub added_after: Option<DateAdded>,
    /// Only rows after this position (from a `next` cursor).
    pub after: Option<Position>,
    /// At most this many rows (already clamped to the server's maximum).
    pub limit: usize,
    /// `match[id]`: object ids (any when empty).
    pub ids: Vec<String>,
    /// `match[type]`: object types (any when empty).
    pub types: Vec<String>,
    pub versions: VersionFilter,
    /// `match[spec_version]`: spec versions (when empty: the latest spec version of each
    /// object, which for Accord is always 2.1).
    pub spec_versions: Vec<String>,
}
