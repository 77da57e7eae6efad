//! What a submission does to the objects table, decided in memory: which objects become new
//! rows (with their date added, sequence number and first/last flags), which are identical
//! re-posts of stored versions, which conflict with a stored version, and which stored rows
//! lose their first/last flag. Both backends load the stored versions of the submitted ids,
//! run this, and write the result, all inside one transaction.
//!
//! Only versions the submitter may see count: a re-post of a version withheld from the
//! submitter, identical or not, is stored as if that version did not exist (a new *variant*
//! under the same id and version, released by its own label with the submitter as its
//! originator), so that the status resource, the submitter's own view and its dates are
//! exactly what they would be had nobody else held the version. Each audience sees at most one
//! variant of a version (the first released to it; see `fanout::view`).

use std::collections::{HashMap, HashSet};

use stix_model::timestamp::Instant;
use taxii::query::DateAdded;
use taxii::store::NewObject;

/// A version instant as stored: microseconds since the epoch, plus the nanoseconds below them
/// (STIX timestamps may carry nanoseconds; TAXII compares versions as instants).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct VersionKey {
    pub us: i64,
    pub ns: i32,
}

impl VersionKey {
    pub fn from_instant(instant: Instant) -> VersionKey {
        let sub_second_micros = i64::from(instant.nanos / 1_000);
        VersionKey {
            us: instant
                .seconds
                .saturating_mul(1_000_000)
                .saturating_add(sub_second_micros),
            // Below 1,000, so it fits.
            ns: i32::try_from(instant.nanos % 1_000).unwrap_or(0),
        }
    }

    pub fn from_date_added(date_added: i64) -> VersionKey {
        VersionKey {
            us: date_added,
            ns: 0,
        }
    }
}

/// Who may see a version, as far as re-posts are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seen {
    /// A shared version: every audience.
    Everyone,
    /// A split version: these audiences (rows visible now).
    Audiences(Vec<i64>),
    /// Placed by this transaction for a submitter in this audience (`None`: an audience-less
    /// submitter, which sees only its own posts of this transaction).
    Placed(Option<i64>, String),
}

impl Seen {
    fn includes(&self, audience: Option<i64>, partner: &str) -> bool {
        match self {
            Seen::Everyone => true,
            Seen::Audiences(list) => audience.is_some_and(|a| list.contains(&a)),
            Seen::Placed(placed, by) => match (placed, audience) {
                (Some(placed), Some(audience)) => *placed == audience,
                _ => by == partner,
            },
        }
    }
}

/// A stored version of one of the submitted object ids.
#[derive(Debug, Clone)]
pub(crate) struct StoredVersion {
    pub collection_pk: i64,
    pub object_id: String,
    pub seq: i64,
    pub key: VersionKey,
    pub variant: i32,
    pub version_text: String,
    pub content_hash: Vec<u8>,
    pub is_first: bool,
    pub is_last: bool,
    pub seen: Seen,
}

/// Who submits an object: the partner, its audience under the rule set in force, and the
/// stored versions (by `seq`) that the re-check of its current subject withholds although
/// its view still has them (a change being recomputed): those count as unseen too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Submitter<'a> {
    pub partner: &'a str,
    pub audience: Option<i64>,
    pub withheld: &'a HashSet<i64>,
}

impl Submitter<'_> {
    fn sees(&self, known: &Known) -> bool {
        known.seen.includes(self.audience, self.partner)
            && known.seq.is_none_or(|seq| !self.withheld.contains(&seq))
    }
}

/// A row to insert.
#[derive(Debug, Clone)]
pub(crate) struct NewRow {
    pub seq: i64,
    pub collection_pk: i64,
    pub object_id: String,
    pub type_name: String,
    pub key: VersionKey,
    pub variant: i32,
    pub version_text: String,
    pub spec_version: String,
    pub date_added: i64,
    pub raw: String,
    pub content_hash: Vec<u8>,
    pub is_first: bool,
    pub is_last: bool,
    pub submitter: String,
    /// Set by the caller once the row's release is decided.
    pub label_pk: Option<i64>,
    pub shared: bool,
    /// 0, or the audience set of a set-shared row.
    pub audience_set: i64,
}

/// Where the current first or last version of an object lives.
#[derive(Debug, Clone, Copy)]
enum RowRef {
    Stored(i64),
    New(usize),
}

/// A known version (stored or placed in this transaction).
#[derive(Debug, Clone)]
struct Known {
    /// The stored row; `None` when placed by this transaction.
    seq: Option<i64>,
    key: VersionKey,
    variant: i32,
    version_text: String,
    hash: Vec<u8>,
    seen: Seen,
}

#[derive(Debug, Default)]
struct ObjectState {
    known: Vec<Known>,
    first: Option<(VersionKey, RowRef)>,
    last: Option<(VersionKey, RowRef)>,
}

impl ObjectState {
    /// The version at `key` the submitter sees, if any.
    fn seen_at(&self, key: VersionKey, submitter: Submitter<'_>) -> Option<&Known> {
        self.known
            .iter()
            .find(|k| k.key == key && submitter.sees(k))
    }

    /// The version with this content the submitter sees, if any.
    fn seen_with(&self, hash: &[u8], submitter: Submitter<'_>) -> Option<&Known> {
        self.known
            .iter()
            .find(|k| k.hash == hash && submitter.sees(k))
    }

    /// The variant number a new row at `key` takes.
    fn next_variant(&self, key: VersionKey) -> i32 {
        self.known
            .iter()
            .filter(|k| k.key == key)
            .map(|k| k.variant.saturating_add(1))
            .max()
            .unwrap_or(0)
    }
}

/// The outcome of one submitted object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Placement {
    /// Stored now, or already stored identically; the version text to report.
    Success { version: String },
    /// A different object is stored under the same id and version.
    Conflict { version: String, message: String },
}

/// Decides a whole transaction's worth of submissions.
#[derive(Debug)]
pub(crate) struct Planner {
    now: i64,
    last_date_added: i64,
    last_seq: i64,
    states: HashMap<(i64, String), ObjectState>,
    pub rows: Vec<NewRow>,
    /// Stored rows that are no longer their object's first version.
    pub clear_first: Vec<i64>,
    /// Stored rows that are no longer their object's last version.
    pub clear_last: Vec<i64>,
}

impl Planner {
    /// `now` is the clock's reading and `last_date_added`/`last_seq` the counter row's, both
    /// read inside the transaction that holds the counter lock.
    pub fn new(now: i64, last_date_added: i64, last_seq: i64) -> Planner {
        Planner {
            now,
            last_date_added,
            last_seq,
            states: HashMap::new(),
            rows: Vec::new(),
            clear_first: Vec::new(),
            clear_last: Vec::new(),
        }
    }

    /// The date added the store hands out next: the clock, but never at or before the last one.
    /// Also what a version released to an audience after it was stored gets as that
    /// audience's date added.
    pub fn next_date_added(&mut self) -> i64 {
        self.last_date_added = self.now.max(self.last_date_added.saturating_add(1));
        self.last_date_added
    }

    pub fn last_date_added(&self) -> i64 {
        self.last_date_added
    }

    pub fn last_seq(&self) -> i64 {
        self.last_seq
    }

    /// Records a stored version of a submitted id.
    pub fn load(&mut self, stored: StoredVersion) {
        let state = self
            .states
            .entry((stored.collection_pk, stored.object_id))
            .or_default();
        if stored.is_first {
            state.first = Some((stored.key, RowRef::Stored(stored.seq)));
        }
        if stored.is_last {
            state.last = Some((stored.key, RowRef::Stored(stored.seq)));
        }
        state.known.push(Known {
            seq: Some(stored.seq),
            key: stored.key,
            variant: stored.variant,
            version_text: stored.version_text,
            hash: stored.content_hash,
            seen: stored.seen,
        });
    }

    /// Decides one object, in submission order.
    pub fn place(
        &mut self,
        collection_pk: i64,
        object: NewObject,
        submitter: Submitter<'_>,
    ) -> Placement {
        let hash = object.content_hash.to_vec();
        let state_key = (collection_pk, object.id.clone());
        let known = self.states.get(&state_key);
        let (key, version_text, date_added) = match &object.version {
            Some((text, instant)) => {
                let key = VersionKey::from_instant(*instant);
                if let Some(seen) = known.and_then(|state| state.seen_at(key, submitter)) {
                    return if seen.hash == hash {
                        Placement::Success {
                            version: text.clone(),
                        }
                    } else {
                        Placement::Conflict {
                            version: text.clone(),
                            message: format!(
                                "a different object is already stored as {} version {}; a changed \
                                 object needs a later `modified`",
                                object.id, text
                            ),
                        }
                    };
                }
                (key, text.clone(), self.next_date_added())
            }
            None => {
                // No version of its own: identical content is the same version, different
                // content a new version whose version is its date added (TAXII 2.1 §3.6).
                if let Some(seen) = known.and_then(|state| state.seen_with(&hash, submitter)) {
                    return Placement::Success {
                        version: seen.version_text.clone(),
                    };
                }
                let date_added = self.next_date_added();
                (
                    VersionKey::from_date_added(date_added),
                    DateAdded(date_added).to_string(),
                    date_added,
                )
            }
        };
        self.last_seq = self.last_seq.saturating_add(1);
        let index = self.rows.len();
        let state = self.states.entry(state_key).or_default();
        let variant = state.next_variant(key);
        let mut is_first = false;
        let mut is_last = false;
        if state.first.is_none_or(|(first, _)| key < first) {
            match state.first {
                Some((_, RowRef::Stored(seq))) => self.clear_first.push(seq),
                Some((_, RowRef::New(i))) => {
                    if let Some(row) = self.rows.get_mut(i) {
                        row.is_first = false;
                    }
                }
                None => {}
            }
            state.first = Some((key, RowRef::New(index)));
            is_first = true;
        }
        if state.last.is_none_or(|(last, _)| key > last) {
            match state.last {
                Some((_, RowRef::Stored(seq))) => self.clear_last.push(seq),
                Some((_, RowRef::New(i))) => {
                    if let Some(row) = self.rows.get_mut(i) {
                        row.is_last = false;
                    }
                }
                None => {}
            }
            state.last = Some((key, RowRef::New(index)));
            is_last = true;
        }
        state.known.push(Known {
            seq: None,
            key,
            variant,
            version_text: version_text.clone(),
            hash: hash.clone(),
            seen: Seen::Placed(submitter.audience, submitter.partner.to_owned()),
        });
        self.rows.push(NewRow {
            seq: self.last_seq,
            collection_pk,
            object_id: object.id,
            type_name: object.type_name,
            key,
            variant,
            version_text: version_text.clone(),
            spec_version: object.spec_version,
            date_added,
            raw: Box::<str>::from(object.raw).into_string(),
            content_hash: hash,
            is_first,
            is_last,
            submitter: submitter.partner.to_owned(),
            label_pk: None,
            shared: true,
            audience_set: 0,
        });
        Placement::Success {
            version: version_text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::value::RawValue;

    static NOTHING: std::sync::LazyLock<HashSet<i64>> = std::sync::LazyLock::new(HashSet::new);

    fn me() -> Submitter<'static> {
        Submitter {
            partner: "me",
            audience: Some(1),
            withheld: &NOTHING,
        }
    }

    fn other() -> Submitter<'static> {
        Submitter {
            partner: "other",
            audience: Some(2),
            withheld: &NOTHING,
        }
    }

    fn object(id: &str, version: Option<i64>, hash: u8) -> NewObject {
        NewObject {
            id: id.to_owned(),
            type_name: "indicator".to_owned(),
            version: version.map(|seconds| (format!("v{seconds}"), Instant { seconds, nanos: 0 })),
            spec_version: "2.1".to_owned(),
            raw: RawValue::from_string("{}".to_owned()).unwrap(),
            content_hash: [hash; 32],
        }
    }

    #[test]
    fn date_added_never_repeats_under_a_frozen_clock() {
        let mut planner = Planner::new(100, 100, 0);
        planner.place(1, object("a", Some(1), 1), me());
        planner.place(1, object("b", Some(1), 1), me());
        let dates: Vec<i64> = planner.rows.iter().map(|row| row.date_added).collect();
        assert_eq!(dates, vec![101, 102]);
        assert_eq!(planner.last_seq(), 2);
    }

    #[test]
    fn a_newer_version_takes_the_last_flag_and_an_older_one_the_first() {
        let mut planner = Planner::new(1_000, 0, 10);
        planner.load(StoredVersion {
            collection_pk: 1,
            object_id: "a".to_owned(),
            seq: 5,
            key: VersionKey {
                us: 5_000_000,
                ns: 0,
            },
            variant: 0,
            version_text: "v5".to_owned(),
            content_hash: vec![9; 32],
            is_first: true,
            is_last: true,
            seen: Seen::Everyone,
        });
        planner.place(1, object("a", Some(7), 1), me());
        planner.place(1, object("a", Some(6), 2), me());
        planner.place(1, object("a", Some(3), 3), me());
        assert_eq!(planner.clear_last, vec![5]);
        assert_eq!(planner.clear_first, vec![5]);
        let flags: Vec<(bool, bool)> = planner
            .rows
            .iter()
            .map(|row| (row.is_first, row.is_last))
            .collect();
        assert_eq!(flags, vec![(false, true), (false, false), (true, false)]);
    }

    #[test]
    fn identical_repost_is_success_and_different_content_a_conflict() {
        let mut planner = Planner::new(1_000, 0, 0);
        assert!(matches!(
            planner.place(1, object("a", Some(1), 1), me()),
            Placement::Success { .. }
        ));
        assert!(matches!(
            planner.place(1, object("a", Some(1), 1), me()),
            Placement::Success { .. }
        ));
        assert!(matches!(
            planner.place(1, object("a", Some(1), 2), me()),
            Placement::Conflict { .. }
        ));
        assert_eq!(planner.rows.len(), 1);
    }

    #[test]
    fn unversioned_objects_are_versions_by_content() {
        let mut planner = Planner::new(1_000, 0, 0);
        planner.place(1, object("ipv4-addr--x", None, 1), me());
        planner.place(1, object("ipv4-addr--x", None, 1), me());
        planner.place(1, object("ipv4-addr--x", None, 2), me());
        assert_eq!(planner.rows.len(), 2);
    }

    #[test]
    fn a_version_the_submitter_cannot_see_is_placed_as_a_new_variant() {
        let mut planner = Planner::new(1_000, 0, 0);
        for (seq, id) in [(1, "a"), (2, "b")] {
            planner.load(StoredVersion {
                collection_pk: 1,
                object_id: id.to_owned(),
                seq,
                key: VersionKey::from_instant(Instant {
                    seconds: 1,
                    nanos: 0,
                }),
                variant: 0,
                version_text: "v1".to_owned(),
                content_hash: vec![7; 32],
                is_first: true,
                is_last: true,
                seen: Seen::Audiences(vec![2]),
            });
        }
        // Different content: no conflict for a submitter that cannot see the stored version.
        assert!(matches!(
            planner.place(1, object("a", Some(1), 1), me()),
            Placement::Success { .. }
        ));
        // The same content as the stored version: stored again, for this submitter.
        assert!(matches!(
            planner.place(1, object("b", Some(1), 7), me()),
            Placement::Success { .. }
        ));
        assert_eq!(planner.rows.len(), 2);
        assert_eq!(planner.rows[0].variant, 1);
        // Whoever sees the stored version gets the usual answers.
        assert!(matches!(
            planner.place(1, object("a", Some(1), 3), other()),
            Placement::Conflict { .. }
        ));
        assert!(matches!(
            planner.place(1, object("a", Some(1), 7), other()),
            Placement::Success { .. }
        ));
        assert_eq!(planner.rows.len(), 2);
    }

    #[test]
    fn a_version_the_submitters_current_subject_may_not_see_is_unseen() {
        // Shared, but the submitter's attributes changed and the re-check withholds it.
        let mut planner = Planner::new(1_000, 0, 0);
        planner.load(StoredVersion {
            collection_pk: 1,
            object_id: "a".to_owned(),
            seq: 4,
            key: VersionKey::from_instant(Instant {
                seconds: 1,
                nanos: 0,
            }),
            variant: 0,
            version_text: "v1".to_owned(),
            content_hash: vec![7; 32],
            is_first: true,
            is_last: true,
            seen: Seen::Everyone,
        });
        let withheld = HashSet::from([4]);
        let submitter = Submitter {
            partner: "me",
            audience: Some(1),
            withheld: &withheld,
        };
        assert!(matches!(
            planner.place(1, object("a", Some(1), 3), submitter),
            Placement::Success { .. }
        ));
        assert_eq!(planner.rows.len(), 1);
        assert_eq!(planner.rows[0].variant, 1);
    }
}
