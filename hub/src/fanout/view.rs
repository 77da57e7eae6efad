//! How one object's versions are indexed for the audiences that may see them, decided in
//! memory from what the release decisions say; the store loads the inputs and writes the
//! result in the same transaction.
//!
//! An object is either *shared* — every audience sees every version, as stored: its date
//! added, its first/last flags — or *split*: one view row per (audience, version) the audience
//! may see, with the audience's own date added and first/last flags computed over what that
//! audience sees. Shared is the common case and costs no view rows; an object becomes split
//! when any version is withheld from, embargoed for, or ambiguous to any audience, and never
//! goes back (re-sharing would move dates an audience has already polled past).
//!
//! Dates added per audience (what `added_after`, ordering, cursors and the
//! `X-TAXII-Date-Added-*` headers read):
//! - a version the audience already has keeps its date (also when the audience is new and its
//!   predecessor — the class its partner had before — had it);
//! - a version new in this transaction gets `max(date added, visible_from)`;
//! - a version of a shared object keeps the version's date added when the object splits;
//! - a version released to the audience later (rule change, attribute change, a referenced
//!   object arriving) gets a fresh date from the store counter, so that pollers receive it.

use std::collections::{BTreeMap, HashMap};

/// An audience class's key in the store.
pub type AudiencePk = i64;

/// When an audience may see something: `None` never; `Some(t)` from `t` (microseconds since
/// the epoch; [`ALWAYS`] when there is no embargo).
pub type Release = Option<i64>;

/// The `visible_from` of what is not embargoed.
pub const ALWAYS: i64 = i64::MIN;

/// One stored or new version of the object.
#[derive(Debug, Clone)]
pub struct VersionState {
    pub seq: i64,
    /// The version instant (`version_us`, `version_ns`).
    pub key: (i64, i32),
    pub variant: i32,
    pub date_added: i64,
    /// Inserted by the transaction that is planning.
    pub is_new: bool,
    /// Per audience, in the order of the `audiences` given to [`plan`]: whether and from when
    /// the audience may see this version (its label, closure and redaction already decided).
    pub release: Vec<Release>,
}

/// A stored view row of the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewRow {
    pub audience: AudiencePk,
    pub seq: i64,
    pub date_added: i64,
    pub is_first: bool,
    pub is_last: bool,
    pub embargoed: bool,
}

/// What to write for the object.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub shared: bool,
    pub delete: Vec<ViewRow>,
    pub insert: Vec<ViewRow>,
    /// Per audience: from when it sees some version of the object (closure of referrers).
    pub visible: Vec<Release>,
    /// Whether `visible` differs from before (referrers need another look).
    pub changed: bool,
}

/// What the planner needs besides the object.
pub struct Inputs<'a> {
    /// Every audience class (ready or being built): an object is shared only if all see it.
    pub audiences: &'a [AudiencePk],
    /// A class's predecessor (the class its partner had before the change that created it):
    /// what the predecessor had, the class has with the same date.
    pub predecessors: &'a HashMap<AudiencePk, AudiencePk>,
    pub now: i64,
    /// Hands out a fresh date added (strictly after every one handed out before).
    pub fresh: &'a mut (dyn FnMut() -> i64 + Send),
}

/// Plans one object. `was_shared`: whether its stored versions are shared (meaningless when
/// it has none); `existing`: its stored view rows.
pub fn plan(
    inputs: &mut Inputs<'_>,
    versions: &[VersionState],
    was_shared: bool,
    existing: &[ViewRow],
) -> Plan {
    let audiences = inputs.audiences;
    let has_stored = versions.iter().any(|v| !v.is_new);
    let before = visible_before(audiences, has_stored && was_shared, existing);
    let may_share = !has_stored || was_shared;
    if may_share && shareable(audiences.len(), versions) {
        let visible = vec![
            if versions.is_empty() {
                None
            } else {
                Some(ALWAYS)
            };
            audiences.len()
        ];
        return Plan {
            shared: true,
            delete: existing.to_vec(),
            insert: Vec::new(),
            changed: visible != before,
            visible,
        };
    }
    let old: HashMap<(AudiencePk, i64), ViewRow> = existing
        .iter()
        .map(|row| ((row.audience, row.seq), *row))
        .collect();
    let mut desired = Vec::new();
    let mut visible = Vec::with_capacity(audiences.len());
    for (index, audience) in audiences.iter().enumerate() {
        // Per version instant, the variant released to this audience earliest (the first
        // posted among equals): an embargoed variant must not hide one it may read now.
        let mut seen: BTreeMap<(i64, i32), (&VersionState, i64)> = BTreeMap::new();
        for version in versions {
            let Some(from) = version.release.get(index).copied().flatten() else {
                continue;
            };
            match seen.get(&version.key) {
                Some((kept, kept_from))
                    if (*kept_from, kept.variant) <= (from, version.variant) => {}
                _ => {
                    seen.insert(version.key, (version, from));
                }
            }
        }
        let first = seen.keys().next().copied();
        let last = seen.keys().next_back().copied();
        let mut earliest: Release = None;
        let predecessor = inputs.predecessors.get(audience);
        for (key, (version, from)) in &seen {
            let had = old
                .get(&(*audience, version.seq))
                .or_else(|| predecessor.and_then(|p| old.get(&(*p, version.seq))));
            let (date_added, embargoed) = match had {
                Some(row) if row.date_added <= inputs.now || !row.embargoed => {
                    (row.date_added, row.embargoed)
                }
                // Embargoed and not yet visible: the embargo may have moved.
                Some(row) if *from >= row.date_added => (*from, true),
                Some(_) => release_later(inputs, *from),
                None if has_stored && was_shared && !version.is_new => (version.date_added, false),
                None if version.is_new => {
                    if *from > version.date_added {
                        (*from, true)
                    } else {
                        (version.date_added, false)
                    }
                }
                None => release_later(inputs, *from),
            };
            let seen_from = if embargoed { date_added } else { ALWAYS };
            earliest = Some(earliest.map_or(seen_from, |e| e.min(seen_from)));
            desired.push(ViewRow {
                audience: *audience,
                seq: version.seq,
                date_added,
                is_first: Some(*key) == first,
                is_last: Some(*key) == last,
                embargoed,
            });
        }
        visible.push(earliest);
    }
    let wanted: HashMap<(AudiencePk, i64), ViewRow> = desired
        .iter()
        .map(|row| ((row.audience, row.seq), *row))
        .collect();
    // Rows of classes no longer indexed (no partner has them) go too.
    let delete = existing
        .iter()
        .filter(|row| wanted.get(&(row.audience, row.seq)) != Some(*row))
        .copied()
        .collect();
    let insert = desired
        .into_iter()
        .filter(|row| old.get(&(row.audience, row.seq)) != Some(row))
        .collect();
    Plan {
        shared: false,
        delete,
        insert,
        changed: visible != before,
        visible,
    }
}

/// A version released to an audience after it was stored: a fresh date, or the embargo's end
/// if that is later.
fn release_later(inputs: &mut Inputs<'_>, from: i64) -> (i64, bool) {
    let fresh = (inputs.fresh)();
    if from > fresh {
        (from, true)
    } else {
        (fresh, false)
    }
}

/// Shared needs every version released to every audience with no embargo, and one variant
/// per version instant.
fn shareable(audience_count: usize, versions: &[VersionState]) -> bool {
    let mut keys: Vec<(i64, i32)> = versions.iter().map(|v| v.key).collect();
    keys.sort_unstable();
    let unique = keys.windows(2).all(|pair| pair.first() != pair.get(1));
    unique
        && versions.iter().all(|version| {
            version.release.len() == audience_count
                && version
                    .release
                    .iter()
                    .all(|r| r.is_some_and(|from| from <= version.date_added))
        })
}

/// What each audience saw of the object before this plan.
fn visible_before(
    audiences: &[AudiencePk],
    stored_shared: bool,
    existing: &[ViewRow],
) -> Vec<Release> {
    if stored_shared {
        return vec![Some(ALWAYS); audiences.len()];
    }
    audiences
        .iter()
        .map(|audience| {
            existing
                .iter()
                .filter(|row| row.audience == *audience)
                .map(|row| {
                    if row.embargoed {
                        row.date_added
                    } else {
                        ALWAYS
                    }
                })
                .min()
        })
        .collect()
}

/// A version as its stored row shows it: what a set-shared object's audiences see of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsStored {
    pub seq: i64,
    pub date_added: i64,
    pub is_first: bool,
    pub is_last: bool,
}

/// The view rows a set-shared object stands for: every member sees every version as stored.
pub fn set_rows(members: &[AudiencePk], versions: &[AsStored]) -> Vec<ViewRow> {
    members
        .iter()
        .flat_map(|audience| {
            versions.iter().map(|v| ViewRow {
                audience: *audience,
                seq: v.seq,
                date_added: v.date_added,
                is_first: v.is_first,
                is_last: v.is_last,
                embargoed: false,
            })
        })
        .collect()
}

/// The audiences (sorted) of `rows` when they are exactly [`set_rows`] of them and
/// `versions`, so that the object can be stored set-shared; `None` otherwise (no row at all,
/// an embargo, a date or a flag of its own for some audience, a version some member lacks).
pub fn set_members(versions: &[AsStored], rows: &[ViewRow]) -> Option<Vec<AudiencePk>> {
    let mut members: Vec<AudiencePk> = rows.iter().map(|r| r.audience).collect();
    members.sort_unstable();
    members.dedup();
    if members.is_empty() || rows.len() != members.len().checked_mul(versions.len())? {
        return None;
    }
    let by_seq: HashMap<i64, &AsStored> = versions.iter().map(|v| (v.seq, v)).collect();
    let mut seen = std::collections::HashSet::with_capacity(rows.len());
    let exact = rows.iter().all(|row| {
        by_seq.get(&row.seq).is_some_and(|v| {
            !row.embargoed
                && row.date_added == v.date_added
                && row.is_first == v.is_first
                && row.is_last == v.is_last
        }) && seen.insert((row.audience, row.seq))
    });
    exact.then_some(members)
}

/// The release of an object that references others, for one audience: its own release, held
/// back until every referenced object is visible (`None` if any never is).
pub fn with_closure(own: Release, refs: impl IntoIterator<Item = Release>) -> Release {
    let mut from = own?;
    for r in refs {
        from = from.max(r?);
    }
    Some(from)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: AudiencePk = 1;
    const B: AudiencePk = 2;
    /// A's successor (its partner's attributes changed).
    const C: AudiencePk = 3;

    fn version(seq: i64, key: i64, date: i64, is_new: bool, release: &[Release]) -> VersionState {
        VersionState {
            seq,
            key: (key, 0),
            variant: 0,
            date_added: date,
            is_new,
            release: release.to_vec(),
        }
    }

    fn run(versions: &[VersionState], was_shared: bool, existing: &[ViewRow]) -> Plan {
        run_with(&[A, B], &HashMap::new(), versions, was_shared, existing)
    }

    fn run_with(
        audiences: &[AudiencePk],
        predecessors: &HashMap<AudiencePk, AudiencePk>,
        versions: &[VersionState],
        was_shared: bool,
        existing: &[ViewRow],
    ) -> Plan {
        let mut next = 1_000;
        let mut fresh = || {
            next += 1;
            next
        };
        let mut inputs = Inputs {
            audiences,
            predecessors,
            now: 500,
            fresh: &mut fresh,
        };
        plan(&mut inputs, versions, was_shared, existing)
    }

    fn row(audience: AudiencePk, seq: i64, date: i64, first: bool, last: bool) -> ViewRow {
        ViewRow {
            audience,
            seq,
            date_added: date,
            is_first: first,
            is_last: last,
            embargoed: false,
        }
    }

    #[test]
    fn a_version_every_audience_sees_is_shared() {
        let plan = run(
            &[version(1, 10, 100, true, &[Some(ALWAYS), Some(ALWAYS)])],
            false,
            &[],
        );
        assert!(plan.shared);
        assert!(plan.insert.is_empty());
        assert_eq!(plan.visible, [Some(ALWAYS), Some(ALWAYS)]);
    }

    #[test]
    fn a_version_withheld_from_one_audience_is_split() {
        let plan = run(
            &[version(1, 10, 100, true, &[Some(ALWAYS), None])],
            false,
            &[],
        );
        assert!(!plan.shared);
        assert_eq!(plan.insert, [row(A, 1, 100, true, true)]);
        assert_eq!(plan.visible, [Some(ALWAYS), None]);
    }

    #[test]
    fn embargoed_versions_take_visible_from_as_their_date_added() {
        let plan = run(
            &[version(1, 10, 100, true, &[Some(ALWAYS), Some(400)])],
            false,
            &[],
        );
        assert!(!plan.shared);
        assert_eq!(plan.insert.len(), 2);
        let b = plan.insert.iter().find(|r| r.audience == B).unwrap();
        assert_eq!((b.date_added, b.embargoed), (400, true));
        assert_eq!(plan.visible, [Some(ALWAYS), Some(400)]);
    }

    #[test]
    fn splitting_a_shared_object_keeps_dates_of_what_audiences_had() {
        let versions = [
            version(1, 10, 100, false, &[Some(ALWAYS), Some(ALWAYS)]),
            version(2, 20, 200, true, &[Some(ALWAYS), None]),
        ];
        let plan = run(&versions, true, &[]);
        assert!(!plan.shared);
        let mut rows = plan.insert.clone();
        rows.sort_by_key(|r| (r.audience, r.seq));
        assert_eq!(
            rows,
            [
                row(A, 1, 100, true, false),
                row(A, 2, 200, false, true),
                // B's last version is the one it sees.
                row(B, 1, 100, true, true),
            ]
        );
        assert!(!plan.changed, "both audiences still see some version");
    }

    #[test]
    fn a_later_release_gets_a_fresh_date() {
        let versions = [version(1, 10, 100, false, &[Some(ALWAYS), Some(ALWAYS)])];
        let existing = [row(A, 1, 100, true, true)];
        let plan = run(&versions, false, &existing);
        assert!(!plan.shared, "split objects stay split");
        assert!(plan.delete.is_empty());
        assert_eq!(plan.insert, [row(B, 1, 1_001, true, true)]);
        assert!(plan.changed);
    }

    #[test]
    fn a_new_class_keeps_the_dates_its_predecessor_had() {
        // A's partner changed attributes: its new class C replaces A.
        let versions = [
            version(1, 10, 100, false, &[Some(ALWAYS), Some(ALWAYS)]),
            version(2, 20, 200, false, &[None, Some(ALWAYS)]),
        ];
        let existing = [row(A, 1, 100, true, true), row(B, 1, 100, true, true)];
        let plan = run_with(
            &[B, C],
            &HashMap::from([(C, A)]),
            &versions,
            false,
            &existing,
        );
        // A's row goes with A; C has version 1 with A's date, version 2 freshly.
        assert_eq!(plan.delete, [row(A, 1, 100, true, true)]);
        assert_eq!(
            plan.insert,
            [row(C, 1, 100, true, false), row(C, 2, 1_001, false, true)]
        );
    }

    #[test]
    fn a_withdrawn_release_deletes_the_row() {
        let versions = [version(1, 10, 100, false, &[None, Some(ALWAYS)])];
        let existing = [row(A, 1, 100, true, true), row(B, 1, 100, true, true)];
        let plan = run(&versions, false, &existing);
        assert_eq!(plan.delete, [row(A, 1, 100, true, true)]);
        assert!(plan.insert.is_empty());
        assert_eq!(plan.visible, [None, Some(ALWAYS)]);
    }

    #[test]
    fn each_audience_sees_the_first_variant_released_to_it() {
        let mut theirs = version(1, 10, 100, false, &[Some(ALWAYS), None]);
        theirs.variant = 0;
        let mut mine = version(2, 10, 200, true, &[Some(ALWAYS), Some(ALWAYS)]);
        mine.variant = 1;
        let existing = [row(A, 1, 100, true, true)];
        let plan = run(&[theirs, mine], false, &existing);
        assert!(plan.delete.is_empty());
        assert_eq!(plan.insert, [row(B, 2, 200, true, true)]);
    }

    #[test]
    fn an_embargoed_variant_does_not_hide_one_released_now() {
        // B may read the first variant only after an embargo, the second at once.
        let mut first = version(1, 10, 100, false, &[Some(ALWAYS), Some(5_000)]);
        first.variant = 0;
        let mut second = version(2, 10, 200, true, &[Some(ALWAYS), Some(ALWAYS)]);
        second.variant = 1;
        let existing = [row(A, 1, 100, true, true)];
        let plan = run(&[first, second], false, &existing);
        assert!(plan.delete.is_empty());
        assert_eq!(plan.insert, [row(B, 2, 200, true, true)]);
        assert_eq!(plan.visible, [Some(ALWAYS), Some(ALWAYS)]);
    }

    #[test]
    fn rows_every_member_sees_as_stored_are_a_set() {
        let versions = [
            AsStored {
                seq: 1,
                date_added: 100,
                is_first: true,
                is_last: false,
            },
            AsStored {
                seq: 2,
                date_added: 200,
                is_first: false,
                is_last: true,
            },
        ];
        let rows = set_rows(&[B, A], &versions);
        assert_eq!(set_members(&versions, &rows), Some(vec![A, B]));
        // A's own date for one version, a missing version, an embargo: not a set.
        let mut dated = rows.clone();
        dated[0].date_added = 150;
        assert_eq!(set_members(&versions, &dated), None);
        assert_eq!(set_members(&versions, &rows[1..]), None);
        let mut embargoed = rows.clone();
        embargoed[3].embargoed = true;
        assert_eq!(set_members(&versions, &embargoed), None);
        assert_eq!(set_members(&versions, &[]), None);
    }

    #[test]
    fn closure_waits_for_every_reference() {
        assert_eq!(
            with_closure(Some(ALWAYS), [Some(ALWAYS), Some(300)]),
            Some(300)
        );
        assert_eq!(with_closure(Some(400), [Some(300)]), Some(400));
        assert_eq!(with_closure(Some(ALWAYS), [Some(ALWAYS), None]), None);
        assert_eq!(with_closure(None, [Some(ALWAYS)]), None);
    }
}
