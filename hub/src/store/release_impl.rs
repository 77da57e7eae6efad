// Partner-scoped fan-out, written once for both backends: included after `shared_impl.rs` in
// the same `shared` module of `sqlite.rs` and `postgres.rs` (see there for what the module
// imports). The decisions themselves are made in `crate::fanout`; this file loads what they
// need and writes what they decide.
//
// Reads: a reader's view is the shared stream (`objects.shared`) merged with its audience's
// own rows (`object_views`), each an ordered keyset scan with its own `LIMIT`, in one
// statement (one snapshot). Every row is then re-checked against the reader's current
// subject under the latest rule set, and rows that fail are dropped and the page refilled.
//
// Writes: `submit` labels each new version, places it (re-posts judged by what the submitter
// may see), decides shared or split, and refreshes the views of every object whose
// visibility changed and of the objects that reference them (closure), in its transaction.

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use release_rules::{Ceiling, Partner, RuleSet, Subject};
use sha2::Digest as _;

use crate::fanout::view::{self, AsStored, AudiencePk, Release, VersionState, ViewRow};
use crate::fanout::{self, Fanout, Reader, Snapshot, SnapshotRows, Verdict, VersionFacts};
use crate::store::plan::{Seen, Submitter};
use crate::store::{Explanation, JobStep};

/// Object ids per refresh chunk and per `IN (…)` list of ids.
const REFRESH_CHUNK: usize = 500;

/// How many times a page is refilled when the re-check drops rows, at most.
const REFILLS: usize = 8;

/// Audience sets one audience may belong to: a reader merges one keyset scan per set, so
/// beyond this a new combination of audiences gets view rows instead.
const MAX_SETS_PER_AUDIENCE: i64 = 16;

/// What a listing returns per row before the re-check.
struct ScopedRow {
    position: Position,
    seq: i64,
    facts: VersionFacts,
    object_id: String,
    raw: Option<String>,
    version_text: String,
    spec_version: String,
}

/// Which columns a listing reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    Objects,
    Manifest,
}

/// `o.`-prefixed filters of a listing over the objects table, and the view's date/seq/flags
/// under `date` (`o` for the shared stream, `v` for the audience's).
fn push_scoped_filters(
    qb: &mut QueryBuilder<Db>,
    date: &str,
    query: &ObjectQuery,
    after: Option<Position>,
) {
    if let Some(added_after) = query.added_after {
        qb.push(format_args!(" AND {date}.date_added > "));
        qb.push_bind(added_after.micros());
    }
    if let Some(Position { date_added, seq }) = after {
        qb.push(format_args!(" AND {date}.date_added >= "));
        qb.push_bind(date_added.micros());
        qb.push(format_args!(" AND ({date}.date_added > "));
        qb.push_bind(date_added.micros());
        qb.push(format_args!(" OR {date}.seq > "));
        qb.push_bind(seq);
        qb.push(")");
    }
    push_in_list(qb, "o.object_id", &query.ids);
    push_in_list(qb, "o.type_name", &query.types);
    push_in_list(qb, "o.spec_version", &query.spec_versions);
    push_scoped_version_filter(qb, date, &query.versions);
}

/// `match[version]` with the flags of the stream (`o` shared, `v` per audience) and the
/// version instant of the object row.
fn push_scoped_version_filter(qb: &mut QueryBuilder<Db>, flags: &str, versions: &VersionFilter) {
    if versions.all {
        return;
    }
    let mut parts = 0;
    qb.push(" AND (");
    if versions.first {
        qb.push(format_args!("{flags}.is_first = TRUE"));
        parts += 1;
    }
    if versions.last {
        if parts > 0 {
            qb.push(" OR ");
        }
        qb.push(format_args!("{flags}.is_last = TRUE"));
        parts += 1;
    }
    for instant in &versions.at {
        let key = VersionKey::from_instant(*instant);
        if parts > 0 {
            qb.push(" OR ");
        }
        qb.push("(o.version_us = ");
        qb.push_bind(key.us);
        qb.push(" AND o.version_ns = ");
        qb.push_bind(key.ns);
        qb.push(")");
        parts += 1;
    }
    if parts == 0 {
        qb.push("FALSE");
    }
    qb.push(")");
}

/// What a reader's view merges besides the shared stream: its audience's view rows and the
/// streams of the audience sets it belongs to.
struct Streams {
    audience: AudiencePk,
    sets: Vec<i64>,
}

/// One page of a reader's view, before the re-check: `limit + 1` rows at most, in the
/// reader's date-added order.
async fn scoped_page(
    conn: &mut <Db as sqlx::Database>::Connection,
    collection_pk: i64,
    streams: &Streams,
    now: i64,
    query: &ObjectQuery,
    after: Option<Position>,
    listing: Listing,
) -> Result<Vec<ScopedRow>, StoreError> {
    let limit = i64::try_from(query.limit)
        .unwrap_or(i64::MAX - 1)
        .saturating_add(1);
    let by_id = !query.ids.is_empty();
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT u.seq, u.date_added, o.object_id, o.label_pk, o.type_name, o.submitter, \
         o.date_added, o.version_text, o.spec_version",
    );
    if listing == Listing::Objects {
        qb.push(", o.raw");
    }
    qb.push(" FROM (SELECT * FROM (SELECT o.seq, o.date_added FROM ");
    qb.push(if by_id {
        OBJECTS_BY_ID_AS_O
    } else {
        "objects o"
    });
    qb.push(" WHERE o.collection_pk = ");
    qb.push_bind(collection_pk);
    qb.push(" AND o.shared = TRUE AND o.audience_set = 0");
    push_scoped_filters(&mut qb, "o", query, after);
    qb.push(" ORDER BY o.date_added, o.seq LIMIT ");
    qb.push_bind(limit);
    qb.push(") s UNION ALL ");
    // One stream per audience set of the reader's: set-shared versions, as stored.
    let audience = streams.audience;
    for (index, set) in streams.sets.iter().enumerate() {
        qb.push("SELECT * FROM (SELECT o.seq, o.date_added FROM ");
        qb.push(if by_id {
            OBJECTS_BY_ID_AS_O
        } else {
            "objects o"
        });
        qb.push(" WHERE o.collection_pk = ");
        qb.push_bind(collection_pk);
        qb.push(" AND o.shared = FALSE AND o.audience_set = ");
        qb.push_bind(*set);
        push_scoped_filters(&mut qb, "o", query, after);
        qb.push(" ORDER BY o.date_added, o.seq LIMIT ");
        qb.push_bind(limit);
        qb.push(format_args!(") s{index} UNION ALL "));
    }
    qb.push("SELECT * FROM (SELECT v.seq, v.date_added FROM ");
    // The join order matters to SQLite, which follows CROSS JOIN as written: by id, from the
    // object rows to their view rows; otherwise down the audience's index in date order.
    if by_id {
        qb.push(OBJECTS_BY_ID_AS_O);
        qb.push(" CROSS JOIN object_views v WHERE v.seq = o.seq AND v.audience_pk = ");
    } else {
        qb.push("object_views v CROSS JOIN objects o WHERE o.seq = v.seq AND v.audience_pk = ");
    }
    qb.push_bind(audience);
    qb.push(" AND v.collection_pk = ");
    qb.push_bind(collection_pk);
    qb.push(" AND o.collection_pk = ");
    qb.push_bind(collection_pk);
    qb.push(" AND (v.embargoed = FALSE OR v.date_added <= ");
    qb.push_bind(now);
    qb.push(")");
    push_scoped_filters(&mut qb, "v", query, after);
    qb.push(" ORDER BY v.date_added, v.seq LIMIT ");
    qb.push_bind(limit);
    qb.push(") p) u CROSS JOIN objects o WHERE o.seq = u.seq ORDER BY u.date_added, u.seq LIMIT ");
    qb.push_bind(limit);
    let rows = qb
        .build()
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
    rows.iter()
        .map(|row| {
            Ok(ScopedRow {
                position: position_from_row(row)?,
                seq: row.try_get(0).map_err(store_error)?,
                object_id: row.try_get(2).map_err(store_error)?,
                facts: VersionFacts {
                    label_pk: row.try_get(3).map_err(store_error)?,
                    type_name: row.try_get(4).map_err(store_error)?,
                    submitter: row.try_get(5).map_err(store_error)?,
                    received_at: row.try_get(6).map_err(store_error)?,
                },
                version_text: row.try_get(7).map_err(store_error)?,
                spec_version: row.try_get(8).map_err(store_error)?,
                raw: if listing == Listing::Objects {
                    Some(row.try_get(9).map_err(store_error)?)
                } else {
                    None
                },
            })
        })
        .collect()
}

/// The audience sets an audience belongs to.
async fn sets_of(
    conn: &mut <Db as sqlx::Database>::Connection,
    audience: AudiencePk,
) -> Result<Vec<i64>, StoreError> {
    sqlx::query_scalar(
        "SELECT set_pk FROM audience_set_members WHERE audience_pk = $1 ORDER BY set_pk",
    )
    .bind(audience)
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)
}

fn set_key(members: &[AudiencePk]) -> String {
    members
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Loads into the cache the members of the sets of `pks` it does not hold yet (0: no set).
async fn ensure_sets(
    conn: &mut <Db as sqlx::Database>::Connection,
    release: &Fanout,
    pks: impl IntoIterator<Item = i64>,
) -> Result<(), StoreError> {
    let missing: Vec<i64> = pks
        .into_iter()
        .filter(|pk| *pk != 0)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|pk| release.set_members(*pk).is_none())
        .collect();
    for chunk in missing.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new("SELECT pk, members FROM audience_sets WHERE pk IN (");
        let mut list = qb.separated(", ");
        for pk in chunk {
            list.push_bind(*pk);
        }
        list.push_unseparated(")");
        for row in qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?
        {
            let pk: i64 = row.try_get(0).map_err(store_error)?;
            let text: String = row.try_get(1).map_err(store_error)?;
            let members = text
                .split(',')
                .map(str::parse::<i64>)
                .collect::<Result<Vec<_>, _>>()
                .map_err(|error| {
                    StoreError::Backend(format!("stored audience set {pk}: {error}"))
                })?;
            release.remember_set(pk, members.into());
        }
    }
    Ok(())
}

/// The set holding exactly `members` (sorted), interned if new; `None` when a member already
/// belongs to [`MAX_SETS_PER_AUDIENCE`] sets. The caller holds the counter lock, which
/// serializes interning across processes.
async fn intern_set(
    conn: &mut <Db as sqlx::Database>::Connection,
    release: &Fanout,
    snapshot: &Snapshot,
    members: Vec<AudiencePk>,
) -> Result<Option<i64>, StoreError> {
    if let Some(pk) = release.set_pk(&members) {
        return Ok(Some(pk));
    }
    if snapshot.set_refused(&members) {
        return Ok(None);
    }
    let key = set_key(&members);
    let found: Option<i64> = sqlx::query_scalar("SELECT pk FROM audience_sets WHERE members = $1")
        .bind(key.clone())
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    if let Some(pk) = found {
        release.remember_set(pk, members.into());
        return Ok(Some(pk));
    }
    let mut qb = QueryBuilder::<Db>::new(
        "SELECT audience_pk FROM audience_set_members WHERE audience_pk IN (",
    );
    let mut list = qb.separated(", ");
    for audience in &members {
        list.push_bind(*audience);
    }
    list.push_unseparated(") GROUP BY audience_pk HAVING COUNT(*) >= ");
    qb.push_bind(MAX_SETS_PER_AUDIENCE);
    qb.push(" LIMIT 1");
    let full: Option<i64> = qb
        .build_query_scalar()
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    if full.is_some() {
        snapshot.refuse_set(members);
        return Ok(None);
    }
    let pk: i64 =
        sqlx::query_scalar("INSERT INTO audience_sets (members) VALUES ($1) RETURNING pk")
            .bind(key)
            .fetch_one(&mut *conn)
            .await
            .map_err(store_error)?;
    for chunk in members.chunks(500) {
        let mut qb =
            QueryBuilder::<Db>::new("INSERT INTO audience_set_members (audience_pk, set_pk) ");
        qb.push_values(chunk, |mut values, audience| {
            values.push_bind(*audience).push_bind(pk);
        });
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    release.remember_set(pk, members.into());
    Ok(Some(pk))
}

/// The facts of every version of the given objects of a collection, by object id.
async fn facts_of_ids(
    conn: &mut <Db as sqlx::Database>::Connection,
    collection_pk: i64,
    ids: &[String],
) -> Result<Vec<(String, VersionFacts)>, StoreError> {
    Ok(load_object_rows(conn, collection_pk, ids)
        .await?
        .into_iter()
        .map(|row| (row.object_id, row.facts))
        .collect())
}

/// The referenced ids of the given versions.
async fn refs_of_seqs(
    conn: &mut <Db as sqlx::Database>::Connection,
    seqs: &[i64],
) -> Result<Vec<(i64, String)>, StoreError> {
    let mut out = Vec::new();
    for chunk in seqs.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new("SELECT seq, ref_id FROM object_refs WHERE seq IN (");
        let mut list = qb.separated(", ");
        for seq in chunk {
            list.push_bind(*seq);
        }
        list.push_unseparated(")");
        let rows = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
        for row in rows {
            out.push((
                row.try_get(0).map_err(store_error)?,
                row.try_get(1).map_err(store_error)?,
            ));
        }
    }
    Ok(out)
}

impl ThisStore {
    /// The re-check of one page: what the reader's current subject may see now under the latest
    /// rule set, references included. Returns the kept rows with the raw text to send (redacted
    /// where the decision says so).
    async fn recheck_rows(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
        snapshot: &Snapshot,
        reader: &Reader,
        collection_pk: i64,
        now: i64,
        rows: Vec<ScopedRow>,
    ) -> Result<Vec<(ScopedRow, Option<Box<RawValue>>)>, StoreError> {
        self.ensure_labels(conn, rows.iter().filter_map(|r| r.facts.label_pk))
            .await?;
        let closure_seqs: Vec<i64> = rows
            .iter()
            .filter(|row| fanout::refs::has_closure(&row.facts.type_name))
            .map(|row| row.seq)
            .collect();
        let refs = if closure_seqs.is_empty() {
            Vec::new()
        } else {
            refs_of_seqs(conn, &closure_seqs).await?
        };
        let ref_ids: Vec<String> = refs
            .iter()
            .map(|(_, id)| id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut releasable: HashSet<String> = HashSet::new();
        if !ref_ids.is_empty() {
            let targets = facts_of_ids(conn, collection_pk, &ref_ids).await?;
            self.ensure_labels(conn, targets.iter().filter_map(|(_, f)| f.label_pk))
                .await?;
            for (id, facts) in targets {
                if snapshot.recheck(reader, &facts, now).is_release() {
                    releasable.insert(id);
                }
            }
        }
        let mut kept = Vec::with_capacity(rows.len());
        for row in rows {
            let verdict = snapshot.recheck(reader, &row.facts, now);
            let Verdict::Release { redact, .. } = verdict else {
                continue;
            };
            let dangling = refs
                .iter()
                .any(|(seq, id)| *seq == row.seq && !releasable.contains(id));
            if dangling {
                continue;
            }
            let raw = match (&row.raw, redact) {
                (Some(raw), Some(paths)) => {
                    match fanout::redact::redacted_raw(raw, &paths, snapshot.validator()) {
                        Some(redacted) => Some(redacted),
                        None => continue,
                    }
                }
                (Some(raw), None) => Some(RawValue::from_string(raw.clone()).map_err(|error| {
                    StoreError::Backend(format!("stored object is not JSON: {error}"))
                })?),
                (None, _) => None,
            };
            kept.push((row, raw));
        }
        Ok(kept)
    }

    /// The release snapshot for the current epoch, loading it when another process (or this
    /// one) changed rules, policies, partners or audiences since.
    async fn snapshot(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
    ) -> Result<Arc<Snapshot>, StoreError> {
        let epoch: i64 = sqlx::query_scalar("SELECT epoch FROM release_state WHERE id = 1")
            .fetch_one(&mut *conn)
            .await
            .map_err(store_error)?;
        if let Some(snapshot) = self.release().current(epoch) {
            return Ok(snapshot);
        }
        let rows = load_snapshot_rows(conn, epoch).await?;
        self.release().install(rows)
    }

    /// A page of what `reader` may see of a collection.
    async fn scoped_listing(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
        listing: Listing,
    ) -> Result<(Vec<(ScopedRow, Option<Box<RawValue>>)>, bool), StoreError> {
        let mut conn = self.read_pool().acquire().await.map_err(store_error)?;
        let snapshot = self.snapshot(&mut conn).await?;
        let Some(pk) = collection_pk(&mut conn, collection).await? else {
            return Ok((Vec::new(), false));
        };
        let view = snapshot.reader(&reader.partner_id);
        let Some(audience) = view.audience else {
            // Not yet computed (a new audience) or no audience at all: nothing is visible.
            return Ok((Vec::new(), false));
        };
        let now = (self.clock())();
        let streams = Streams {
            audience,
            sets: sets_of(&mut conn, audience).await?,
        };
        let mut kept = Vec::new();
        let mut after = query.after;
        for _ in 0..REFILLS {
            let want = query.limit.saturating_sub(kept.len());
            let page_query = ObjectQuery {
                limit: want,
                ..query.clone()
            };
            let rows =
                scoped_page(&mut conn, pk, &streams, now, &page_query, after, listing).await?;
            let fetched = rows.len();
            after = rows.last().map(|row| row.position);
            let more_rows = fetched > want;
            kept.extend(
                self.recheck_rows(&mut conn, &snapshot, &view, pk, now, rows)
                    .await?,
            );
            if kept.len() > query.limit || !more_rows {
                let more = kept.len() > query.limit;
                kept.truncate(query.limit);
                return Ok((kept, more));
            }
        }
        // Many rows withheld on re-check in a row (a narrowing rule change being applied):
        // what was gathered is a page; `more` sends the client on from the last one kept.
        let more = !kept.is_empty();
        Ok((kept, more))
    }

    pub(crate) async fn scoped_objects(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ObjectRecord>, StoreError> {
        let (rows, more) = self
            .scoped_listing(collection, reader, query, Listing::Objects)
            .await?;
        let items = rows
            .into_iter()
            .filter_map(|(row, raw)| {
                raw.map(|raw| ObjectRecord {
                    position: row.position,
                    raw,
                })
            })
            .collect();
        Ok(Page { items, more })
    }

    pub(crate) async fn scoped_manifest(
        &self,
        collection: CollectionId,
        reader: &Principal,
        query: &ObjectQuery,
    ) -> Result<Page<ManifestRecord>, StoreError> {
        let (rows, more) = self
            .scoped_listing(collection, reader, query, Listing::Manifest)
            .await?;
        let items = rows
            .into_iter()
            .map(|(row, _)| ManifestRecord {
                position: row.position,
                id: row.object_id,
                version: row.version_text,
                spec_version: row.spec_version,
            })
            .collect();
        Ok(Page { items, more })
    }
}

/// Everything a snapshot is built from.
async fn load_snapshot_rows(
    conn: &mut <Db as sqlx::Database>::Connection,
    epoch: i64,
) -> Result<SnapshotRows, StoreError> {
    let settings = sqlx::query("SELECT default_label, mission FROM release_state WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(store_error)?;
    let rule_sets = sqlx::query(
        "SELECT version, document, applied FROM rule_sets WHERE superseded IS NULL \
         ORDER BY version",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    let policies = sqlx::query("SELECT document FROM policies ORDER BY id")
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
    let partners = sqlx::query(
        "SELECT p.id, p.role, p.status, a.document FROM partners p \
         LEFT JOIN partner_attributes a ON a.partner_id = p.id ORDER BY p.id",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(store_error)?;
    let audiences =
        sqlx::query("SELECT pk, ruleset, digest, ready, predecessor FROM audiences ORDER BY pk")
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
    let mut out = SnapshotRows {
        epoch,
        default_label: settings.try_get(0).map_err(store_error)?,
        mission: settings.try_get(1).map_err(store_error)?,
        ..SnapshotRows::default()
    };
    for row in &rule_sets {
        let applied: Option<i64> = row.try_get(2).map_err(store_error)?;
        out.rule_sets.push(fanout::RuleSetRow {
            version: row.try_get(0).map_err(store_error)?,
            document: row.try_get(1).map_err(store_error)?,
            applied: applied.is_some(),
        });
    }
    for row in &policies {
        out.policies.push(row.try_get(0).map_err(store_error)?);
    }
    for row in &partners {
        out.partners.push(fanout::PartnerRow {
            id: row.try_get(0).map_err(store_error)?,
            role: row.try_get(1).map_err(store_error)?,
            status: row.try_get(2).map_err(store_error)?,
            attributes: row.try_get(3).map_err(store_error)?,
        });
    }
    for row in &audiences {
        out.audiences.push(fanout::AudienceRow {
            pk: row.try_get(0).map_err(store_error)?,
            ruleset: row.try_get(1).map_err(store_error)?,
            digest: row.try_get(2).map_err(store_error)?,
            ready: row.try_get(3).map_err(store_error)?,
            predecessor: row.try_get(4).map_err(store_error)?,
        });
    }
    Ok(out)
}

/// What a refresh of one collection's views works with.
struct Refresh<'a> {
    snapshot: &'a Snapshot,
    collection_pk: i64,
    /// Versions with a higher `seq` were inserted by the calling transaction.
    new_after: i64,
    now: i64,
    /// Hands out fresh dates added (see `fanout::view`).
    fresh: &'a mut (dyn FnMut() -> i64 + Send),
}

/// A stored version as a refresh reads it.
#[derive(Debug, Clone)]
struct StoredRow {
    seq: i64,
    object_id: String,
    key: (i64, i32),
    variant: i32,
    date_added: i64,
    shared: bool,
    /// 0, or the set of a set-shared version.
    audience_set: i64,
    is_first: bool,
    is_last: bool,
    version_text: String,
    content_hash: Vec<u8>,
    facts: VersionFacts,
}

impl StoredRow {
    fn as_stored(&self) -> AsStored {
        AsStored {
            seq: self.seq,
            date_added: self.date_added,
            is_first: self.is_first,
            is_last: self.is_last,
        }
    }
}

/// The view rows set-shared versions among `rows` stand for (their sets must be cached:
/// [`ensure_sets`]).
fn set_view_rows(release: &Fanout, rows: &[StoredRow]) -> Vec<ViewRow> {
    rows.iter()
        .filter(|r| !r.shared && r.audience_set != 0)
        .flat_map(|r| {
            let members = release.set_members(r.audience_set).unwrap_or_default();
            view::set_rows(&members, &[r.as_stored()])
        })
        .collect()
}

/// Every view row of the given versions: stored ones and those their sets stand for.
async fn view_rows_of(
    conn: &mut <Db as sqlx::Database>::Connection,
    release: &Fanout,
    rows: &[StoredRow],
) -> Result<Vec<ViewRow>, StoreError> {
    let split: Vec<i64> = rows
        .iter()
        .filter(|r| !r.shared && r.audience_set == 0)
        .map(|r| r.seq)
        .collect();
    let mut out = load_view_rows(conn, &split).await?;
    ensure_sets(conn, release, rows.iter().map(|r| r.audience_set)).await?;
    out.extend(set_view_rows(release, rows));
    Ok(out)
}

/// Every version of the given objects of a collection.
async fn load_object_rows(
    conn: &mut <Db as sqlx::Database>::Connection,
    collection_pk: i64,
    ids: &[String],
) -> Result<Vec<StoredRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT seq, object_id, version_us, version_ns, variant, date_added, shared, \
             label_pk, type_name, submitter, audience_set, is_first, is_last, version_text, \
             content_hash FROM",
        );
        qb.push(OBJECTS_BY_ID);
        qb.push(" WHERE collection_pk = ");
        qb.push_bind(collection_pk);
        push_in_list(&mut qb, "object_id", chunk);
        let rows = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
        for row in rows {
            let date_added: i64 = row.try_get(5).map_err(store_error)?;
            out.push(StoredRow {
                seq: row.try_get(0).map_err(store_error)?,
                object_id: row.try_get(1).map_err(store_error)?,
                key: (
                    row.try_get(2).map_err(store_error)?,
                    row.try_get(3).map_err(store_error)?,
                ),
                variant: row.try_get(4).map_err(store_error)?,
                date_added,
                shared: row.try_get(6).map_err(store_error)?,
                audience_set: row.try_get(10).map_err(store_error)?,
                is_first: row.try_get(11).map_err(store_error)?,
                is_last: row.try_get(12).map_err(store_error)?,
                version_text: row.try_get(13).map_err(store_error)?,
                content_hash: row.try_get(14).map_err(store_error)?,
                facts: VersionFacts {
                    label_pk: row.try_get(7).map_err(store_error)?,
                    type_name: row.try_get(8).map_err(store_error)?,
                    submitter: row.try_get(9).map_err(store_error)?,
                    received_at: date_added,
                },
            });
        }
    }
    Ok(out)
}

/// The view rows of the given versions.
async fn load_view_rows(
    conn: &mut <Db as sqlx::Database>::Connection,
    seqs: &[i64],
) -> Result<Vec<ViewRow>, StoreError> {
    let mut out = Vec::new();
    for chunk in seqs.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT audience_pk, seq, date_added, is_first, is_last, embargoed FROM object_views \
             WHERE seq IN (",
        );
        let mut list = qb.separated(", ");
        for seq in chunk {
            list.push_bind(*seq);
        }
        list.push_unseparated(")");
        let rows = qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?;
        for row in rows {
            out.push(ViewRow {
                audience: row.try_get(0).map_err(store_error)?,
                seq: row.try_get(1).map_err(store_error)?,
                date_added: row.try_get(2).map_err(store_error)?,
                is_first: row.try_get(3).map_err(store_error)?,
                is_last: row.try_get(4).map_err(store_error)?,
                embargoed: row.try_get(5).map_err(store_error)?,
            });
        }
    }
    Ok(out)
}

/// Per object id, from when each audience (in the snapshot's order) sees some version of it,
/// as the views stand.
async fn visibility_of_ids(
    conn: &mut <Db as sqlx::Database>::Connection,
    release: &Fanout,
    collection_pk: i64,
    audiences: &[AudiencePk],
    ids: &[String],
) -> Result<HashMap<String, Vec<Release>>, StoreError> {
    let mut out: HashMap<String, Vec<Release>> = HashMap::new();
    let rows = load_object_rows(conn, collection_pk, ids).await?;
    let mut split: HashMap<i64, String> = HashMap::new();
    for row in &rows {
        let entry = out
            .entry(row.object_id.clone())
            .or_insert_with(|| vec![None; audiences.len()]);
        if row.shared {
            entry.iter_mut().for_each(|r| *r = Some(view::ALWAYS));
        } else {
            split.insert(row.seq, row.object_id.clone());
        }
    }
    for view_row in view_rows_of(conn, release, &rows).await? {
        let (Some(id), Some(index)) = (
            split.get(&view_row.seq),
            audiences.iter().position(|a| *a == view_row.audience),
        ) else {
            continue;
        };
        let from = if view_row.embargoed {
            view_row.date_added
        } else {
            view::ALWAYS
        };
        if let Some(slot) = out.get_mut(id).and_then(|v| v.get_mut(index)) {
            *slot = Some(slot.map_or(from, |f| f.min(from)));
        }
    }
    Ok(out)
}

async fn delete_view_rows(
    conn: &mut <Db as sqlx::Database>::Connection,
    rows: &[ViewRow],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(200) {
        let mut qb = QueryBuilder::<Db>::new("DELETE FROM object_views WHERE ");
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push("(seq = ");
            qb.push_bind(row.seq);
            qb.push(" AND audience_pk = ");
            qb.push_bind(row.audience);
            qb.push(")");
        }
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

/// Moves versions to the shared stream, to a set's (`set` > 0) or to view rows (neither).
async fn set_stream(
    conn: &mut <Db as sqlx::Database>::Connection,
    seqs: &[i64],
    shared: bool,
    set: i64,
) -> Result<(), StoreError> {
    for chunk in seqs.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new("UPDATE objects SET shared = ");
        qb.push_bind(shared);
        qb.push(", audience_set = ");
        qb.push_bind(set);
        qb.push(" WHERE seq IN (");
        let mut list = qb.separated(", ");
        for seq in chunk {
            list.push_bind(*seq);
        }
        list.push_unseparated(")");
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

async fn insert_refs(
    conn: &mut <Db as sqlx::Database>::Connection,
    collection_pk: i64,
    refs: &[(i64, String)],
) -> Result<(), StoreError> {
    for chunk in refs.chunks(500) {
        let mut qb =
            QueryBuilder::<Db>::new("INSERT INTO object_refs (collection_pk, ref_id, seq) ");
        qb.push_values(chunk, |mut values, (seq, id)| {
            values
                .push_bind(collection_pk)
                .push_bind(id.clone())
                .push_bind(*seq);
        });
        qb.push(" ON CONFLICT DO NOTHING");
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

/// The raw text of the given versions.
async fn raws_of(
    conn: &mut <Db as sqlx::Database>::Connection,
    seqs: &[i64],
) -> Result<HashMap<i64, String>, StoreError> {
    let mut out = HashMap::new();
    for chunk in seqs.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new("SELECT seq, raw FROM objects WHERE seq IN (");
        let mut list = qb.separated(", ");
        for seq in chunk {
            list.push_bind(*seq);
        }
        list.push_unseparated(")");
        for row in qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?
        {
            out.insert(
                row.try_get(0).map_err(store_error)?,
                row.try_get(1).map_err(store_error)?,
            );
        }
    }
    Ok(out)
}

/// The objects of a collection that reference any of `ids` (split ones only, when
/// `split_only`: at ingest visibility only grows, and a shared referrer already sees all).
async fn referrers_of(
    conn: &mut <Db as sqlx::Database>::Connection,
    collection_pk: i64,
    ids: &[String],
    split_only: bool,
) -> Result<Vec<String>, StoreError> {
    let mut out = BTreeSet::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let mut qb = QueryBuilder::<Db>::new(
            "SELECT DISTINCT o.object_id FROM object_refs r CROSS JOIN objects o \
             WHERE o.seq = r.seq AND r.collection_pk = ",
        );
        qb.push_bind(collection_pk);
        push_in_list(&mut qb, "r.ref_id", chunk);
        if split_only {
            qb.push(" AND o.shared = FALSE");
        }
        for row in qb
            .build()
            .fetch_all(&mut *conn)
            .await
            .map_err(store_error)?
        {
            out.insert(row.try_get::<String, _>(0).map_err(store_error)?);
        }
    }
    Ok(out.into_iter().collect())
}

/// Whether a collection holds any split object (only then can a new object complete the
/// closure of another).
async fn has_split_objects(
    conn: &mut <Db as sqlx::Database>::Connection,
    collection_pk: i64,
) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM objects WHERE collection_pk = $1 AND shared = FALSE LIMIT 1",
    )
    .bind(collection_pk)
    .fetch_optional(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(found.is_some())
}

impl ThisStore {
    /// Loads into the label cache the interned labels of `pks` it does not hold yet.
    async fn ensure_labels(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
        pks: impl IntoIterator<Item = i64>,
    ) -> Result<(), StoreError> {
        let missing: Vec<i64> = pks
            .into_iter()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter(|pk| !self.release().has_label(*pk))
            .collect();
        for chunk in missing.chunks(ID_CHUNK) {
            let mut qb = QueryBuilder::<Db>::new("SELECT pk, document FROM labels WHERE pk IN (");
            let mut list = qb.separated(", ");
            for pk in chunk {
                list.push_bind(*pk);
            }
            list.push_unseparated(")");
            for row in qb
                .build()
                .fetch_all(&mut *conn)
                .await
                .map_err(store_error)?
            {
                let pk: i64 = row.try_get(0).map_err(store_error)?;
                let document: String = row.try_get(1).map_err(store_error)?;
                self.release().remember_label_text(pk, &document);
            }
        }
        Ok(())
    }

    /// Interns labels by digest; returns each one's pk.
    async fn intern_labels(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
        labels: &[(Vec<u8>, Arc<fanout::ReleaseDoc>)],
    ) -> Result<HashMap<Vec<u8>, i64>, StoreError> {
        let mut out = HashMap::new();
        let mut missing = Vec::new();
        for (digest, doc) in labels {
            match self.release().label_pk(digest) {
                Some(pk) => {
                    out.insert(digest.clone(), pk);
                }
                None => missing.push((digest.clone(), Arc::clone(doc))),
            }
        }
        missing.sort_by(|a, b| a.0.cmp(&b.0));
        missing.dedup_by(|a, b| a.0 == b.0);
        for (digest, doc) in missing {
            let text = doc.to_json();
            sqlx::query(
                "INSERT INTO labels (digest, document) VALUES ($1, $2) \
                 ON CONFLICT (digest) DO NOTHING",
            )
            .bind(digest.clone())
            .bind(text)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
            let pk: i64 = sqlx::query_scalar("SELECT pk FROM labels WHERE digest = $1")
                .bind(digest.clone())
                .fetch_one(&mut *conn)
                .await
                .map_err(store_error)?;
            self.release().remember_label(pk, digest.clone(), doc);
            out.insert(digest, pk);
        }
        Ok(out)
    }

    /// Recomputes the views of the given objects of a collection from their labels, the
    /// audiences and their references, and writes what changed. Versions with `seq` above
    /// `new_after` were inserted by the calling transaction. Returns the ids whose visibility
    /// changed for some audience (their referrers need the same).
    async fn refresh_objects(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
        ctx: &mut Refresh<'_>,
        ids: &[String],
    ) -> Result<Vec<String>, StoreError> {
        let snapshot = ctx.snapshot;
        let collection_pk = ctx.collection_pk;
        let new_after = ctx.new_after;
        let now = ctx.now;
        let audiences = snapshot.audience_pks();
        let mut changed = Vec::new();
        for chunk in ids.chunks(REFRESH_CHUNK) {
            let rows = load_object_rows(conn, collection_pk, chunk).await?;
            self.ensure_labels(conn, rows.iter().filter_map(|r| r.facts.label_pk))
                .await?;
            let seqs: Vec<i64> = rows.iter().map(|r| r.seq).collect();
            // Stored rows (of every version: a stray one goes), then those sets stand for.
            let existing = load_view_rows(conn, &seqs).await?;
            ensure_sets(conn, self.release(), rows.iter().map(|r| r.audience_set)).await?;
            let from_sets = set_view_rows(self.release(), &rows);
            let closure_seqs: Vec<i64> = rows
                .iter()
                .filter(|r| fanout::refs::has_closure(&r.facts.type_name))
                .map(|r| r.seq)
                .collect();
            let refs = refs_of_seqs(conn, &closure_seqs).await?;
            let ref_ids: Vec<String> = refs
                .iter()
                .map(|(_, id)| id.clone())
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let targets =
                visibility_of_ids(conn, self.release(), collection_pk, audiences, &ref_ids).await?;
            // Label decisions (granular redaction of a required property already withholds),
            // then closure.
            let verdicts: HashMap<i64, Vec<Verdict>> = rows
                .iter()
                .map(|row| (row.seq, snapshot.verdicts(&row.facts)))
                .collect();
            let mut by_object: BTreeMap<&str, Vec<VersionState>> = BTreeMap::new();
            let mut shared_now: HashMap<&str, bool> = HashMap::new();
            for row in &rows {
                let own = verdicts.get(&row.seq).map_or(&[][..], Vec::as_slice);
                let row_refs: Vec<&str> = refs
                    .iter()
                    .filter(|(seq, _)| *seq == row.seq)
                    .map(|(_, id)| id.as_str())
                    .collect();
                let release: Vec<Release> = audiences
                    .iter()
                    .enumerate()
                    .map(|(index, _)| {
                        let label = own.get(index).and_then(Verdict::release);
                        view::with_closure(
                            label,
                            row_refs.iter().map(|id| {
                                targets
                                    .get(*id)
                                    .and_then(|v| v.get(index).copied())
                                    .flatten()
                            }),
                        )
                    })
                    .collect();
                if row.seq <= new_after {
                    let entry = shared_now.entry(row.object_id.as_str()).or_insert(false);
                    *entry |= row.shared;
                }
                by_object
                    .entry(row.object_id.as_str())
                    .or_default()
                    .push(VersionState {
                        seq: row.seq,
                        key: row.key,
                        variant: row.variant,
                        date_added: row.date_added,
                        is_new: row.seq > new_after,
                        release,
                    });
            }
            let stored: HashMap<i64, &StoredRow> = rows.iter().map(|r| (r.seq, r)).collect();
            let mut delete = Vec::new();
            let mut insert = Vec::new();
            // Per target stream (shared, set): the versions to move there.
            let mut moves: BTreeMap<(bool, i64), Vec<i64>> = BTreeMap::new();
            for (id, versions) in &by_object {
                let was_shared = shared_now.get(id).copied().unwrap_or(false);
                let seqs: HashSet<i64> = versions.iter().map(|v| v.seq).collect();
                let real: Vec<ViewRow> = existing
                    .iter()
                    .filter(|r| seqs.contains(&r.seq))
                    .copied()
                    .collect();
                let virtual_rows: Vec<ViewRow> = from_sets
                    .iter()
                    .filter(|r| seqs.contains(&r.seq))
                    .copied()
                    .collect();
                let old: Vec<ViewRow> = real.iter().chain(&virtual_rows).copied().collect();
                let mut inputs = view::Inputs {
                    audiences,
                    predecessors: snapshot.predecessors(),
                    now,
                    fresh: &mut *ctx.fresh,
                };
                let plan = view::plan(&mut inputs, versions, was_shared, &old);
                if plan.changed {
                    changed.push((*id).to_owned());
                }
                let target = if plan.shared {
                    delete.extend(real);
                    (true, 0)
                } else {
                    // What the audiences are to see, stored as a set when it is one.
                    let dropped: HashSet<ViewRow> = plan.delete.iter().copied().collect();
                    let mut desired: Vec<ViewRow> = old
                        .iter()
                        .filter(|r| !dropped.contains(r))
                        .copied()
                        .collect();
                    desired.extend(plan.insert.iter().copied());
                    let as_stored: Vec<AsStored> = versions
                        .iter()
                        .filter_map(|v| stored.get(&v.seq).map(|r| r.as_stored()))
                        .collect();
                    let set = match view::set_members(&as_stored, &desired) {
                        Some(members) => {
                            intern_set(conn, self.release(), snapshot, members).await?
                        }
                        None => None,
                    };
                    match set {
                        Some(set) => {
                            delete.extend(real);
                            (false, set)
                        }
                        None if virtual_rows.is_empty() => {
                            delete.extend(plan.delete);
                            insert.extend(plan.insert);
                            (false, 0)
                        }
                        None => {
                            // Out of its set: every row the audiences are to see is written.
                            delete.extend(real);
                            insert.extend(desired);
                            (false, 0)
                        }
                    }
                };
                for version in versions {
                    let now_at = stored.get(&version.seq).map(|r| (r.shared, r.audience_set));
                    if now_at != Some(target) {
                        moves.entry(target).or_default().push(version.seq);
                    }
                }
            }
            delete_view_rows(conn, &delete).await?;
            insert_view_rows(conn, collection_pk, &insert).await?;
            for ((shared, set), seqs) in &moves {
                set_stream(conn, seqs, *shared, *set).await?;
            }
        }
        Ok(changed)
    }

    /// Refreshes `ids` and then, round after round, the objects that reference whatever
    /// changed, until nothing changes (or a bound on rounds, against reference cycles that
    /// keep flipping).
    async fn refresh_with_referrers(
        &self,
        conn: &mut <Db as sqlx::Database>::Connection,
        ctx: &mut Refresh<'_>,
        ids: Vec<String>,
        mut changed: Vec<String>,
        split_only: bool,
    ) -> Result<(), StoreError> {
        let collection_pk = ctx.collection_pk;
        if !ids.is_empty() {
            changed.extend(self.refresh_objects(conn, ctx, &ids).await?);
        }
        for _ in 0..16 {
            if changed.is_empty() || (split_only && !has_split_objects(conn, collection_pk).await?)
            {
                return Ok(());
            }
            changed.sort_unstable();
            changed.dedup();
            let referrers = referrers_of(conn, collection_pk, &changed, split_only).await?;
            if referrers.is_empty() {
                return Ok(());
            }
            changed = self.refresh_objects(conn, ctx, &referrers).await?;
        }
        tracing::warn!(collection_pk, "closure did not settle in 16 rounds");
        Ok(())
    }
}

/// The marking definitions stored in a collection that a submitter may see, by id.
async fn stored_markings(
    conn: &mut <Db as sqlx::Database>::Connection,
    release: &Fanout,
    collection_pk: i64,
    audience: Option<AudiencePk>,
    ids: &[String],
    now: i64,
) -> Result<HashMap<String, serde_json::Map<String, serde_json::Value>>, StoreError> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = load_object_rows(conn, collection_pk, ids).await?;
    let views = view_rows_of(conn, release, &rows).await?;
    let visible: Vec<i64> = rows
        .iter()
        .filter(|r| {
            r.shared
                || views.iter().any(|v| {
                    v.seq == r.seq
                        && Some(v.audience) == audience
                        && (!v.embargoed || v.date_added <= now)
                })
        })
        .map(|r| r.seq)
        .collect();
    for raw in raws_of(conn, &visible).await?.into_values() {
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_str(&raw) {
            if let Some(id) = map.get("id").and_then(serde_json::Value::as_str) {
                out.insert(id.to_owned(), map);
            }
        }
    }
    Ok(out)
}

/// Loads every stored version of the given ids of one collection into the planner, each with
/// who may see it now.
async fn load_versions_seen(
    conn: &mut <Db as sqlx::Database>::Connection,
    release: &Fanout,
    planner: &mut Planner,
    pk: i64,
    ids: &[String],
    now: i64,
) -> Result<(HashMap<String, bool>, Vec<(String, i64, VersionFacts)>), StoreError> {
    let mut stored_shared: HashMap<String, bool> = HashMap::new();
    let mut facts = Vec::new();
    for chunk in ids.chunks(ID_CHUNK) {
        let rows = load_object_rows(conn, pk, chunk).await?;
        let views = view_rows_of(conn, release, &rows).await?;
        for row in rows {
            let seen = if row.shared {
                Seen::Everyone
            } else {
                Seen::Audiences(
                    views
                        .iter()
                        .filter(|v| v.seq == row.seq && (!v.embargoed || v.date_added <= now))
                        .map(|v| v.audience)
                        .collect(),
                )
            };
            *stored_shared.entry(row.object_id.clone()).or_insert(true) &= row.shared;
            facts.push((row.object_id.clone(), row.seq, row.facts));
            planner.load(StoredVersion {
                collection_pk: pk,
                object_id: row.object_id,
                seq: row.seq,
                key: VersionKey {
                    us: row.key.0,
                    ns: row.key.1,
                },
                variant: row.variant,
                version_text: row.version_text,
                content_hash: row.content_hash,
                is_first: row.is_first,
                is_last: row.is_last,
                seen,
            });
        }
    }
    Ok((stored_shared, facts))
}

/// A new version's release inputs, kept until the row is written.
struct Labelled {
    row: usize,
    digest: Vec<u8>,
    refs: Vec<String>,
}

impl ThisStore {
    /// `Store::submit`: see the module comment.
    async fn submit_scoped(
        &self,
        submissions: Vec<Submission>,
    ) -> Result<Vec<StatusRecord>, StoreError> {
        if submissions.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_write().await.map_err(store_error)?;
        let (last_date_added, last_seq) = lock_counter(&mut tx).await?;
        let now = (self.clock())();
        let snapshot = self.snapshot(&mut tx).await?;
        let mut planner = Planner::new(now, last_date_added, last_seq);

        // Resolve each collection once and load the stored versions of every submitted id.
        let mut ids_by_collection: BTreeMap<CollectionId, Vec<String>> = BTreeMap::new();
        for submission in &submissions {
            let ids = ids_by_collection.entry(submission.collection).or_default();
            ids.extend(submission.objects.iter().map(|object| object.id.clone()));
        }
        let mut pks: HashMap<CollectionId, i64> = HashMap::new();
        // Per (collection, object id): whether every stored version is shared.
        let mut stored_shared: HashMap<(i64, String), bool> = HashMap::new();
        // Per (collection, object id): the stored versions and what their release reads.
        let mut stored_facts: HashMap<(i64, String), Vec<(i64, VersionFacts)>> = HashMap::new();
        for (collection, mut ids) in ids_by_collection {
            let Some(pk) = collection_pk(&mut tx, collection).await? else {
                continue;
            };
            pks.insert(collection, pk);
            ids.sort_unstable();
            ids.dedup();
            let (shared, facts) =
                load_versions_seen(&mut tx, self.release(), &mut planner, pk, &ids, now).await?;
            for (id, shared) in shared {
                stored_shared.insert((pk, id), shared);
            }
            for (id, seq, facts) in facts {
                stored_facts.entry((pk, id)).or_default().push((seq, facts));
            }
        }
        self.ensure_labels(
            &mut tx,
            stored_facts
                .values()
                .flatten()
                .filter_map(|(_, f)| f.label_pk),
        )
        .await?;

        let mut records = Vec::with_capacity(submissions.len());
        let mut labelled: Vec<Labelled> = Vec::new();
        let mut docs: Vec<(Vec<u8>, Arc<fanout::ReleaseDoc>)> = Vec::new();
        for submission in submissions {
            let pk = pks.get(&submission.collection).copied();
            let partner = submission.submitter.partner_id.clone();
            let audience = snapshot.submitter_audience(&partner);
            let mut successes = Vec::with_capacity(submission.objects.len());
            let mut failures: Vec<StatusDetail> = submission
                .refused
                .into_iter()
                .map(|refused| StatusDetail {
                    id: refused.id.unwrap_or_default(),
                    version: refused.version.unwrap_or_default(),
                    message: Some(refused.message),
                })
                .collect();
            let Some(pk) = pk else {
                for object in submission.objects {
                    failures.push(StatusDetail {
                        version: object.version.map(|(text, _)| text).unwrap_or_default(),
                        id: object.id,
                        message: Some("the collection does not exist".to_owned()),
                    });
                }
                records.push(status_record(
                    submission.status_id,
                    submission.api_root,
                    partner,
                    now,
                    successes,
                    failures,
                ));
                continue;
            };
            // The marking definitions this envelope carries, then those it names that the
            // collection holds and the submitter may see.
            let peeks: Vec<fanout::Peek> = submission
                .objects
                .iter()
                .map(|object| fanout::Peek::of(object.raw.get(), &object.type_name))
                .collect();
            let mut catalogue: HashMap<String, serde_json::Map<String, serde_json::Value>> = peeks
                .iter()
                .filter_map(|peek| peek.marking_definition.clone())
                .filter_map(|map| {
                    let id = map.get("id")?.as_str()?.to_owned();
                    Some((id, map))
                })
                .collect();
            let wanted: Vec<String> = peeks
                .iter()
                .flat_map(|peek| peek.marking_refs.iter())
                .filter(|id| {
                    !catalogue.contains_key(*id)
                        && stix_model::markings::Tlp::from_id(id.as_str()).is_none()
                })
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            catalogue.extend(
                stored_markings(&mut tx, self.release(), pk, audience, &wanted, now).await?,
            );
            // What the submitter's view still has but its current subject may not see (a
            // change being recomputed) counts as unseen too.
            let reader = snapshot.reader(&partner);
            let withheld: HashSet<i64> = submission
                .objects
                .iter()
                .filter_map(|object| stored_facts.get(&(pk, object.id.clone())))
                .flatten()
                .filter(|(_, facts)| !snapshot.recheck(&reader, facts, now).is_release())
                .map(|(seq, _)| *seq)
                .collect();
            let submitter = Submitter {
                partner: &partner,
                audience,
                withheld: &withheld,
            };
            for (object, peek) in submission.objects.into_iter().zip(peeks) {
                let id = object.id.clone();
                let version = object.version.as_ref().map(|(text, _)| text.clone());
                let doc = match snapshot.label_doc(&peek, &partner, &catalogue) {
                    Ok(doc) => doc,
                    Err(message) => {
                        failures.push(StatusDetail {
                            id: id.clone(),
                            version: version.unwrap_or_default(),
                            message: Some(format!("{id}: {message}")),
                        });
                        continue;
                    }
                };
                let rows_before = planner.rows.len();
                match planner.place(pk, object, submitter) {
                    Placement::Success { version } => successes.push(StatusDetail {
                        id,
                        version,
                        message: None,
                    }),
                    Placement::Conflict { version, message } => failures.push(StatusDetail {
                        id,
                        version,
                        message: Some(message),
                    }),
                }
                if planner.rows.len() > rows_before {
                    let digest = doc.digest();
                    labelled.push(Labelled {
                        row: rows_before,
                        digest: digest.clone(),
                        refs: peek.closure_refs,
                    });
                    docs.push((digest, doc));
                }
            }
            records.push(status_record(
                submission.status_id,
                submission.api_root,
                partner,
                now,
                successes,
                failures,
            ));
        }

        // Labels, then shared or split for each new row.
        let label_pks = self.intern_labels(&mut tx, &docs).await?;
        let mut rows = std::mem::take(&mut planner.rows);
        for item in &labelled {
            if let Some(row) = rows.get_mut(item.row) {
                row.label_pk = label_pks.get(&item.digest).copied();
            }
        }
        let mut all_refs: Vec<(i64, i64, String)> = Vec::new();
        let mut ref_targets: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        for item in &labelled {
            if let Some(row) = rows.get(item.row) {
                for target in &item.refs {
                    all_refs.push((row.collection_pk, row.seq, target.clone()));
                    ref_targets
                        .entry(row.collection_pk)
                        .or_default()
                        .insert(target.clone());
                }
            }
        }
        // Targets every audience sees: stored shared versions.
        let mut everyone_sees: HashSet<(i64, String)> = HashSet::new();
        for (pk, targets) in &ref_targets {
            let ids: Vec<String> = targets.iter().cloned().collect();
            for row in load_object_rows(&mut tx, *pk, &ids).await? {
                if row.shared {
                    everyone_sees.insert((*pk, row.object_id));
                }
            }
        }
        let audience_count = snapshot.audience_pks().len();
        // Objects stored before this transaction, and how many new rows each object has.
        let stored_before: HashSet<(i64, String)> = stored_shared.keys().cloned().collect();
        let mut new_rows: HashMap<(i64, String), usize> = HashMap::new();
        for row in &rows {
            *new_rows
                .entry((row.collection_pk, row.object_id.clone()))
                .or_default() += 1;
        }
        let mut slow: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let mut newly_visible: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
        let mut view_rows: BTreeMap<i64, Vec<ViewRow>> = BTreeMap::new();
        for (index, row) in rows.iter_mut().enumerate() {
            let state_key = (row.collection_pk, row.object_id.clone());
            let prior = stored_shared.get(&state_key).copied();
            let facts = VersionFacts {
                label_pk: row.label_pk,
                type_name: row.type_name.clone(),
                submitter: Some(row.submitter.clone()),
                received_at: row.date_added,
            };
            let verdicts = snapshot.verdicts(&facts);
            let refs_ok = labelled
                .iter()
                .find(|item| item.row == index)
                .is_none_or(|item| {
                    item.refs
                        .iter()
                        .all(|target| everyone_sees.contains(&(row.collection_pk, target.clone())))
                });
            if refs_ok
                && !stored_before.contains(&state_key)
                && new_rows.get(&state_key) == Some(&1)
            {
                // A new object in one version whose references every audience sees: planned
                // here, without reading back what was just decided.
                let version = VersionState {
                    seq: row.seq,
                    key: (row.key.us, row.key.ns),
                    variant: row.variant,
                    date_added: row.date_added,
                    is_new: true,
                    release: verdicts.iter().map(Verdict::release).collect(),
                };
                let mut fresh = || planner.next_date_added();
                let mut inputs = view::Inputs {
                    audiences: snapshot.audience_pks(),
                    predecessors: snapshot.predecessors(),
                    now,
                    fresh: &mut fresh,
                };
                let plan = view::plan(&mut inputs, std::slice::from_ref(&version), false, &[]);
                row.shared = plan.shared;
                if plan.shared {
                    everyone_sees.insert(state_key.clone());
                }
                if plan.visible.iter().any(Option::is_some) {
                    newly_visible
                        .entry(row.collection_pk)
                        .or_default()
                        .insert(row.object_id.clone());
                }
                // Released to some audiences as stored (the usual split): one row in a set's
                // stream instead of a view row per audience.
                let as_stored = AsStored {
                    seq: row.seq,
                    date_added: row.date_added,
                    is_first: row.is_first,
                    is_last: row.is_last,
                };
                let set = match (plan.shared, view::set_members(&[as_stored], &plan.insert)) {
                    (false, Some(members)) => {
                        intern_set(&mut tx, self.release(), &snapshot, members).await?
                    }
                    _ => None,
                };
                match set {
                    Some(set) => row.audience_set = set,
                    None => view_rows
                        .entry(row.collection_pk)
                        .or_default()
                        .extend(plan.insert),
                }
                stored_shared.insert(state_key, plan.shared);
                continue;
            }
            let everyone = verdicts.len() == audience_count
                && verdicts
                    .iter()
                    .all(|v| v.plainly_released_by(row.date_added));
            let fast = prior.is_none_or(|shared| shared) && row.variant == 0 && everyone && refs_ok;
            row.shared = fast;
            if fast {
                everyone_sees.insert(state_key.clone());
                stored_shared.insert(state_key, true);
                if prior.is_none() {
                    newly_visible
                        .entry(row.collection_pk)
                        .or_default()
                        .insert(row.object_id.clone());
                }
            } else {
                // Later rows of this object follow it into the slow path.
                stored_shared.insert(state_key, false);
                slow.entry(row.collection_pk)
                    .or_default()
                    .insert(row.object_id.clone());
            }
        }

        clear_flag(&mut tx, "is_first", &planner.clear_first).await?;
        clear_flag(&mut tx, "is_last", &planner.clear_last).await?;
        insert_rows(&mut tx, rows).await?;
        for (pk, group) in &view_rows {
            insert_view_rows(&mut tx, *pk, group).await?;
        }
        for (pk, group) in all_refs.into_iter().fold(
            BTreeMap::<i64, Vec<(i64, String)>>::new(),
            |mut acc, (pk, seq, id)| {
                acc.entry(pk).or_default().push((seq, id));
                acc
            },
        ) {
            insert_refs(&mut tx, pk, &group).await?;
        }
        let collections: BTreeSet<i64> = slow.keys().chain(newly_visible.keys()).copied().collect();
        for pk in collections {
            let ids: Vec<String> = slow.remove(&pk).unwrap_or_default().into_iter().collect();
            let visible: Vec<String> = newly_visible
                .remove(&pk)
                .unwrap_or_default()
                .into_iter()
                .collect();
            let mut fresh = || planner.next_date_added();
            let mut ctx = Refresh {
                snapshot: &snapshot,
                collection_pk: pk,
                new_after: last_seq,
                now,
                fresh: &mut fresh,
            };
            self.refresh_with_referrers(&mut tx, &mut ctx, ids, visible, true)
                .await?;
        }
        insert_statuses(&mut tx, &records).await?;
        let next_date_added = planner.last_date_added();
        let next_seq = planner.last_seq();
        sqlx::query("UPDATE store_counter SET last_date_added = $1, last_seq = $2 WHERE id = 1")
            .bind(next_date_added)
            .bind(next_seq)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        self.after_submit(next_seq);
        Ok(records)
    }
}

fn status_record(
    id: StatusId,
    api_root: ApiRootName,
    submitter: String,
    now: i64,
    successes: Vec<StatusDetail>,
    failures: Vec<StatusDetail>,
) -> StatusRecord {
    StatusRecord {
        id,
        api_root,
        submitter,
        status: "complete".to_owned(),
        request_timestamp: date_added(now),
        successes,
        failures,
        pendings: Vec::new(),
    }
}

/// Bumps the release epoch: every process reloads its snapshot on its next request.
async fn bump_epoch(conn: &mut <Db as sqlx::Database>::Connection) -> Result<(), StoreError> {
    sqlx::query("UPDATE release_state SET epoch = epoch + 1 WHERE id = 1")
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(())
}

async fn holds_objects(conn: &mut <Db as sqlx::Database>::Connection) -> Result<bool, StoreError> {
    let found: Option<i64> = sqlx::query_scalar("SELECT seq FROM objects LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    Ok(found.is_some())
}

async fn enqueue_refresh(
    conn: &mut <Db as sqlx::Database>::Connection,
    now: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO release_jobs (kind, progress, attempts, run_after, created) \
         VALUES ('refresh', '{}', 0, $1, $1)",
    )
    .bind(now)
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// Creates the audience classes that the active partners need under the rule sets in force
/// (ready at once when the hub holds no object yet, otherwise computed by a queued job), and
/// bumps the epoch. Call inside a transaction holding the counter lock, after changing
/// partners, attributes or rule sets; `previous` is each partner's class under the applied
/// rule set before the change (the predecessor of a class created for it).
async fn sync_audiences(
    conn: &mut <Db as sqlx::Database>::Connection,
    now: i64,
    previous: &HashMap<String, i64>,
) -> Result<(), StoreError> {
    bump_epoch(conn).await?;
    let epoch: i64 = sqlx::query_scalar("SELECT epoch FROM release_state WHERE id = 1")
        .fetch_one(&mut *conn)
        .await
        .map_err(store_error)?;
    let rows = load_snapshot_rows(conn, epoch).await?;
    let policies = fanout::policies_of(&rows)?;
    let partners = fanout::partners_of(&rows)?;
    let (applied, pending) = fanout::in_force(&rows);
    let empty = !holds_objects(conn).await?;
    let mut created = false;
    for version in applied.iter().chain(pending.iter()).map(|r| r.version) {
        for partner in &partners {
            if partner.status != release_rules::subject::Status::Active {
                continue;
            }
            let Ok(subject) = Subject::effective(partner, &Ceiling::None, &policies) else {
                continue;
            };
            let digest = fanout::subject_digest(&subject);
            let document = serde_json::to_string(&subject).unwrap_or_default();
            let inserted = sqlx::query(
                "INSERT INTO audiences (ruleset, digest, document, ready, predecessor) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (ruleset, digest) DO NOTHING",
            )
            .bind(version)
            .bind(digest)
            .bind(document)
            .bind(empty)
            .bind(previous.get(&partner.id).copied())
            .execute(&mut *conn)
            .await
            .map_err(store_error)?
            .rows_affected();
            created |= inserted > 0 && !empty;
        }
    }
    if created || pending.is_some() {
        enqueue_refresh(conn, now).await?;
    }
    Ok(())
}

/// The zero-config release state, on a store that has none: the local policy, the default
/// label, the permissive rule set applied.
async fn ensure_genesis(
    conn: &mut <Db as sqlx::Database>::Connection,
    now: i64,
) -> Result<(), StoreError> {
    let any: Option<i64> = sqlx::query_scalar("SELECT version FROM rule_sets LIMIT 1")
        .fetch_optional(&mut *conn)
        .await
        .map_err(store_error)?;
    if any.is_some() {
        return Ok(());
    }
    let mission = release_rules::Mission::zero_config(LOCAL_PARTNER);
    sqlx::query("INSERT INTO policies (id, document, digest, loaded) VALUES ($1, $2, $3, $4)")
        .bind("urn:accord:policy:local")
        .bind(release_rules::mission::LOCAL_POLICY_YAML)
        .bind(Vec::from(
            sha2::Sha256::digest(release_rules::mission::LOCAL_POLICY_YAML.as_bytes()).as_slice(),
        ))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    let default_label = mission
        .default_label
        .as_ref()
        .map(|d| serde_json::to_string(d).unwrap_or_default());
    sqlx::query("UPDATE release_state SET default_label = $1, mission = $2 WHERE id = 1")
        .bind(default_label)
        .bind(fanout::ZERO_CONFIG_MISSION)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    insert_rule_set(conn, &mission.rules, now, true).await?;
    sync_audiences(conn, now, &HashMap::new()).await
}

async fn insert_rule_set(
    conn: &mut <Db as sqlx::Database>::Connection,
    rules: &RuleSet,
    now: i64,
    applied: bool,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO rule_sets (version, document, digest, loaded, applied, superseded) \
         VALUES ($1, $2, $3, $4, $5, NULL)",
    )
    .bind(i64::try_from(rules.version).unwrap_or(i64::MAX))
    .bind(rules.source().to_string())
    .bind(rules.digest().as_bytes().to_vec())
    .bind(now)
    .bind(applied.then_some(now))
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    Ok(())
}

/// A refresh job's progress, kept in `release_jobs.progress` so that a restarted worker
/// resumes where the last one stopped.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Progress {
    /// Captured at the first step: the audiences to mark ready and the rule-set version to
    /// apply when every object has been refreshed.
    #[serde(default)]
    started: bool,
    #[serde(default)]
    audiences: Vec<i64>,
    #[serde(default)]
    rule_set: Option<i64>,
    #[serde(default)]
    collections: Vec<i64>,
    #[serde(default)]
    index: usize,
    #[serde(default)]
    after: Option<String>,
}

/// A claimed job.
struct Claimed {
    id: i64,
    progress: Progress,
}

/// How long a claim stays valid without a step (then another worker may take the job over).
const CLAIM_LEASE_MICROS: i64 = 60_000_000;

impl ThisStore {
    /// Creates the zero-config release state if the store has none (first open).
    pub(crate) async fn ensure_release_genesis(&self) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        ensure_genesis(&mut tx, (self.clock())()).await?;
        tx.commit().await.map_err(store_error)
    }

    /// `Store::delete_object`, over the versions `reader` may see.
    async fn delete_scoped(
        &self,
        collection: CollectionId,
        reader: &Principal,
        object_id: &str,
        versions: &VersionFilter,
        spec_versions: &[String],
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await.map_err(store_error)?;
        // Serialized with submits, which read and move the same first/last flags.
        let (last_date_added, _) = lock_counter(&mut tx).await?;
        let now = (self.clock())();
        let snapshot = self.snapshot(&mut tx).await?;
        let Some(pk) = collection_pk(&mut tx, collection).await? else {
            return Ok(0);
        };
        let view = snapshot.reader(&reader.partner_id);
        let Some(audience) = view.audience else {
            return Ok(0);
        };
        let query = ObjectQuery {
            added_after: None,
            after: None,
            limit: usize::try_from(i32::MAX).unwrap_or(usize::MAX),
            ids: vec![object_id.to_owned()],
            types: Vec::new(),
            versions: versions.clone(),
            spec_versions: spec_versions.to_vec(),
        };
        let streams = Streams {
            audience,
            sets: sets_of(&mut tx, audience).await?,
        };
        let rows = scoped_page(&mut tx, pk, &streams, now, &query, None, Listing::Manifest).await?;
        let seen = self
            .recheck_rows(&mut tx, &snapshot, &view, pk, now, rows)
            .await?;
        let seqs: Vec<i64> = seen.iter().map(|(row, _)| row.seq).collect();
        if seqs.is_empty() {
            return Ok(0);
        }
        for table in ["object_views", "object_refs", "objects"] {
            for chunk in seqs.chunks(ID_CHUNK) {
                let mut qb = QueryBuilder::<Db>::new(format!("DELETE FROM {table} WHERE seq IN ("));
                let mut list = qb.separated(", ");
                for seq in chunk {
                    list.push_bind(*seq);
                }
                list.push_unseparated(")");
                qb.build().execute(&mut *tx).await.map_err(store_error)?;
            }
        }
        reflag(&mut tx, pk, object_id).await?;
        let mut last = last_date_added;
        let mut fresh = || {
            last = now.max(last.saturating_add(1));
            last
        };
        let mut ctx = Refresh {
            snapshot: &snapshot,
            collection_pk: pk,
            new_after: i64::MAX,
            now,
            fresh: &mut fresh,
        };
        self.refresh_with_referrers(
            &mut tx,
            &mut ctx,
            vec![object_id.to_owned()],
            Vec::new(),
            false,
        )
        .await?;
        sqlx::query("UPDATE store_counter SET last_date_added = $1 WHERE id = 1")
            .bind(last)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(u64::try_from(seqs.len()).unwrap_or(0))
    }

    /// Sets a partner's attributes (its role too) and queues the recomputation of views.
    pub async fn set_partner_attributes(&self, partner: &Partner) -> Result<(), StoreAdminError> {
        let now = (self.clock())();
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        if !partner_exists(&mut tx, &partner.id).await? {
            return Err(StoreAdminError::NotFound(format!("partner {}", partner.id)));
        }
        let snapshot = self.snapshot(&mut tx).await?;
        Subject::effective(partner, &Ceiling::None, snapshot.policies())
            .map_err(|e| StoreAdminError::Invalid(e.to_string()))?;
        let document =
            serde_json::to_string(partner).map_err(|e| StoreAdminError::Invalid(e.to_string()))?;
        sqlx::query(
            "INSERT INTO partner_attributes (partner_id, document, updated) VALUES ($1, $2, $3) \
             ON CONFLICT (partner_id) DO UPDATE SET document = excluded.document, \
             updated = excluded.updated",
        )
        .bind(partner.id.clone())
        .bind(document)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        sqlx::query("UPDATE partners SET role = $1 WHERE id = $2")
            .bind(partner.role.clone())
            .bind(partner.id.clone())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sync_audiences(&mut tx, now, &snapshot.applied_audiences()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(())
    }

    /// A partner's attributes as they stand (the mission's defaults when none were set).
    pub async fn partner_attributes(&self, id: &str) -> Result<Partner, StoreAdminError> {
        let mut conn = self.read_pool().acquire().await.map_err(store_error)?;
        let snapshot = self.snapshot(&mut conn).await?;
        snapshot
            .partner(id)
            .ok_or_else(|| StoreAdminError::NotFound(format!("partner {id}")))
    }

    /// Loads a new rule-set version: checked and compiled against the policies and partners,
    /// pending until the views are recomputed under it (settlement by quorum is issue 5).
    /// Returns its version.
    pub async fn load_rules(&self, text: &str) -> Result<u64, StoreAdminError> {
        let rules = RuleSet::parse(text).map_err(|e| StoreAdminError::Invalid(e.to_string()))?;
        let now = (self.clock())();
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        let snapshot = self.snapshot(&mut tx).await?;
        let latest: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM rule_sets")
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        let version = i64::try_from(rules.version).unwrap_or(i64::MAX);
        if latest.is_some_and(|latest| version <= latest) {
            return Err(StoreAdminError::Invalid(format!(
                "rule set version {version} is not after the latest loaded, {}",
                latest.unwrap_or_default()
            )));
        }
        snapshot
            .check_rules(&rules)
            .map_err(|e| StoreAdminError::Invalid(e.to_string()))?;
        sqlx::query(
            "UPDATE rule_sets SET superseded = $1 WHERE applied IS NULL AND superseded IS NULL",
        )
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        insert_rule_set(&mut tx, &rules, now, false).await?;
        sync_audiences(&mut tx, now, &snapshot.applied_audiences()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(rules.version)
    }

    /// Sets up a hub from a mission file: policies, default label, partners and their
    /// attributes, API roots and collections with access for every partner, and the genesis
    /// rule set in force. Only on a hub that holds no objects yet.
    pub async fn init_mission(
        &self,
        mission: &release_rules::Mission,
        policy_texts: &[String],
    ) -> Result<Vec<(String, CollectionId)>, StoreAdminError> {
        let now = (self.clock())();
        let mut tx = self.begin_write().await.map_err(store_error)?;
        lock_counter(&mut tx).await?;
        if holds_objects(&mut tx).await? {
            return Err(StoreAdminError::Invalid(
                "this hub already holds objects; change it with `accord rules load` and \
                 `accord partner set`"
                    .to_owned(),
            ));
        }
        for table in [
            "object_views",
            "audiences",
            "rule_sets",
            "policies",
            "release_jobs",
        ] {
            sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        for (policy, text) in mission.policies.iter().zip(policy_texts) {
            sqlx::query(
                "INSERT INTO policies (id, document, digest, loaded) VALUES ($1, $2, $3, $4)",
            )
            .bind(policy.id().as_str().to_owned())
            .bind(text.clone())
            .bind(policy.digest().as_bytes().to_vec())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        let default_label = mission
            .default_label
            .as_ref()
            .map(|d| serde_json::to_string(d).unwrap_or_default());
        sqlx::query("UPDATE release_state SET default_label = $1, mission = $2 WHERE id = 1")
            .bind(default_label)
            .bind(mission.header.id.clone())
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        insert_rule_set(&mut tx, &mission.rules, now, true).await?;
        for partner in &mission.partners {
            check_partner_id(&partner.id)?;
            // The hub's partners table knows active and suspended; a partner that left is
            // kept, suspended, so that its history stays attributable.
            let status = match partner.status {
                release_rules::subject::Status::Active => "active",
                release_rules::subject::Status::Suspended | release_rules::subject::Status::Left => "suspended",
            };
            sqlx::query(
                "INSERT INTO partners (id, display_name, role, status, created) \
                 VALUES ($1, $1, $2, $4, $3) \
                 ON CONFLICT (id) DO UPDATE SET role = excluded.role, status = excluded.status",
            )
            .bind(partner.id.clone())
            .bind(partner.role.clone())
            .bind(now)
            .bind(status)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            let document = serde_json::to_string(partner)
                .map_err(|e| StoreAdminError::Invalid(e.to_string()))?;
            sqlx::query(
                "INSERT INTO partner_attributes (partner_id, document, updated) \
                 VALUES ($1, $2, $3) ON CONFLICT (partner_id) DO UPDATE \
                 SET document = excluded.document, updated = excluded.updated",
            )
            .bind(partner.id.clone())
            .bind(document)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        // Partners the mission does not declare (the zero-config `local`) have no place in it:
        // suspended, their credentials stop working.
        let declared: BTreeSet<&str> = mission.partners.iter().map(|p| p.id.as_str()).collect();
        let existing: Vec<String> = sqlx::query_scalar("SELECT id FROM partners")
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        for id in existing.iter().filter(|id| !declared.contains(id.as_str())) {
            sqlx::query("UPDATE partners SET status = 'suspended' WHERE id = $1")
                .bind(id.clone())
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        let mut created = Vec::new();
        for root in &mission.api_roots {
            let name = ApiRootName::parse(&root.name)
                .map_err(|e| StoreAdminError::Invalid(format!("API root {}: {e}", root.name)))?;
            sqlx::query(
                "INSERT INTO api_roots (name, title, description, max_content_length) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO UPDATE \
                 SET title = excluded.title, description = excluded.description",
            )
            .bind(name.as_str().to_owned())
            .bind(root.title.clone())
            .bind(root.description.clone())
            .bind(i64::try_from(DEFAULT_MAX_CONTENT_LENGTH).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
            for spec in &root.collections {
                let existing: Option<(Uuid, i64)> = match &spec.alias {
                    Some(alias) => sqlx::query_as(
                        "SELECT id, pk FROM collections WHERE api_root = $1 AND alias = $2",
                    )
                    .bind(name.as_str().to_owned())
                    .bind(alias.clone())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(store_error)?,
                    None => None,
                };
                let (id, pk) = match existing {
                    Some(found) => found,
                    None => {
                        let id = match &spec.id {
                            Some(text) => Uuid::try_parse(text).map_err(|_| {
                                StoreAdminError::Invalid(format!(
                                    "collection id {text} is not a UUID"
                                ))
                            })?,
                            None => Uuid::new_v4(),
                        };
                        let pk: i64 = sqlx::query_scalar(
                            "INSERT INTO collections (id, api_root, alias, title, description) \
                             VALUES ($1, $2, $3, $4, $5) RETURNING pk",
                        )
                        .bind(id)
                        .bind(name.as_str().to_owned())
                        .bind(spec.alias.clone())
                        .bind(spec.title.clone())
                        .bind(spec.description.clone())
                        .fetch_one(&mut *tx)
                        .await
                        .map_err(store_error)?;
                        (id, pk)
                    }
                };
                for partner in &mission.partners {
                    sqlx::query(
                        "INSERT INTO collection_access (partner_id, collection_pk, can_read, \
                         can_write) VALUES ($1, $2, $3, $4) ON CONFLICT (partner_id, collection_pk) \
                         DO UPDATE SET can_read = excluded.can_read, can_write = excluded.can_write",
                    )
                    .bind(partner.id.clone())
                    .bind(pk)
                    .bind(spec.can_read)
                    .bind(spec.can_write)
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                }
                created.push((
                    format!(
                        "{}/{}",
                        name,
                        spec.alias.clone().unwrap_or_else(|| id.to_string())
                    ),
                    CollectionId::from_uuid(id),
                ));
            }
        }
        sync_audiences(&mut tx, now, &HashMap::new()).await?;
        tx.commit().await.map_err(store_error)?;
        Ok(created)
    }

    /// Release or withhold, and why, for every stored version of an object and a partner.
    pub async fn explain(
        &self,
        object_id: &str,
        partner: &str,
    ) -> Result<Vec<Explanation>, StoreAdminError> {
        let mut conn = self.read_pool().acquire().await.map_err(store_error)?;
        let snapshot = self.snapshot(&mut conn).await?;
        if snapshot.subject(partner).is_none() {
            return Err(StoreAdminError::NotFound(format!("partner {partner}")));
        }
        let now = (self.clock())();
        let rows = sqlx::query(
            "SELECT o.collection_pk, c.id, o.seq, o.version_text, o.variant, o.label_pk, \
             o.type_name, o.submitter, o.date_added, o.shared, o.audience_set FROM objects o \
             JOIN collections c ON c.pk = o.collection_pk WHERE o.object_id = $1 \
             ORDER BY o.collection_pk, o.version_us, o.version_ns, o.variant",
        )
        .bind(object_id.to_owned())
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
        let reader = snapshot.reader(partner);
        let mut out = Vec::new();
        for row in rows {
            let collection_pk: i64 = row.try_get(0).map_err(store_error)?;
            let collection: Uuid = row.try_get(1).map_err(store_error)?;
            let seq: i64 = row.try_get(2).map_err(store_error)?;
            let facts = VersionFacts {
                label_pk: row.try_get(5).map_err(store_error)?,
                type_name: row.try_get(6).map_err(store_error)?,
                submitter: row.try_get(7).map_err(store_error)?,
                received_at: row.try_get(8).map_err(store_error)?,
            };
            let shared: bool = row.try_get(9).map_err(store_error)?;
            let set: i64 = row.try_get(10).map_err(store_error)?;
            self.ensure_labels(&mut conn, facts.label_pk).await?;
            ensure_sets(&mut conn, self.release(), [set]).await?;
            let in_set = reader.audience.is_some_and(|audience| {
                self.release()
                    .set_members(set)
                    .is_some_and(|members| members.contains(&audience))
            });
            let in_view = shared
                || in_set
                || match reader.audience {
                    Some(audience) => load_view_rows(&mut conn, &[seq])
                        .await?
                        .iter()
                        .any(|v| v.audience == audience && (!v.embargoed || v.date_added <= now)),
                    None => false,
                };
            let refs = refs_of_seqs(&mut conn, &[seq]).await?;
            let mut withheld_refs = Vec::new();
            for (_, id) in &refs {
                let targets =
                    facts_of_ids(&mut conn, collection_pk, std::slice::from_ref(id)).await?;
                self.ensure_labels(&mut conn, targets.iter().filter_map(|(_, f)| f.label_pk))
                    .await?;
                let visible = targets
                    .iter()
                    .any(|(_, f)| snapshot.recheck(&reader, f, now).is_release());
                if !visible {
                    withheld_refs.push(id.clone());
                }
            }
            out.push(Explanation {
                collection: CollectionId::from_uuid(collection),
                version: row.try_get(3).map_err(store_error)?,
                variant: row.try_get(4).map_err(store_error)?,
                submitter: facts.submitter.clone(),
                received_at: facts.received_at,
                in_view: in_view && reader.audience.is_some(),
                withheld_refs,
                rule_sets: snapshot.explain(partner, &facts, now),
            });
        }
        Ok(out)
    }

    /// Claims the next due job (or finds one held by another worker) and runs one step of it.
    pub async fn run_job_step(&self, worker: &str) -> Result<JobStep, StoreError> {
        let now = (self.clock())();
        let mut tx = self.begin_write().await.map_err(store_error)?;
        let (last_date_added, _) = lock_counter(&mut tx).await?;
        let held: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM release_jobs WHERE claimed_by IS NOT NULL AND claimed_by <> $1 \
             AND claimed_at > $2 LIMIT 1",
        )
        .bind(worker.to_owned())
        .bind(now.saturating_sub(CLAIM_LEASE_MICROS))
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        if held.is_some() {
            return Ok(JobStep::Busy);
        }
        let claimed = sqlx::query(CLAIM_JOB_SQL)
            .bind(worker.to_owned())
            .bind(now)
            .fetch_optional(&mut *tx)
            .await
            .map_err(store_error)?;
        let Some(claimed) = claimed else {
            return Ok(JobStep::Idle);
        };
        let progress: String = claimed.try_get(1).map_err(store_error)?;
        let mut job = Claimed {
            id: claimed.try_get(0).map_err(store_error)?,
            progress: serde_json::from_str(&progress).unwrap_or_default(),
        };
        let snapshot = self.snapshot(&mut tx).await?;
        if !job.progress.started {
            self.start_job(&mut tx, &mut job).await?;
        }
        let mut last = last_date_added;
        let step = loop {
            let Some(&collection_pk) = job.progress.collections.get(job.progress.index) else {
                self.finish_job(&mut tx, &job, now).await?;
                break JobStep::Finished;
            };
            let mut qb = QueryBuilder::<Db>::new(
                "SELECT DISTINCT object_id FROM objects WHERE collection_pk = ",
            );
            qb.push_bind(collection_pk);
            if let Some(after) = &job.progress.after {
                qb.push(" AND object_id > ");
                qb.push_bind(after.clone());
            }
            qb.push(" ORDER BY object_id LIMIT ");
            qb.push_bind(i64::try_from(REFRESH_CHUNK).unwrap_or(500));
            let ids: Vec<String> = qb
                .build_query_scalar()
                .fetch_all(&mut *tx)
                .await
                .map_err(store_error)?;
            let Some(last_id) = ids.last().cloned() else {
                job.progress.index += 1;
                job.progress.after = None;
                continue;
            };
            let mut fresh = || {
                last = now.max(last.saturating_add(1));
                last
            };
            let mut ctx = Refresh {
                snapshot: &snapshot,
                collection_pk,
                new_after: i64::MAX,
                now,
                fresh: &mut fresh,
            };
            self.refresh_with_referrers(&mut tx, &mut ctx, ids, Vec::new(), false)
                .await?;
            job.progress.after = Some(last_id);
            break JobStep::Progressed;
        };
        if step == JobStep::Progressed {
            sqlx::query(
                "UPDATE release_jobs SET progress = $1, claimed_at = $2, attempts = attempts + 1 \
                 WHERE id = $3",
            )
            .bind(serde_json::to_string(&job.progress).unwrap_or_default())
            .bind(now)
            .bind(job.id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        sqlx::query("UPDATE store_counter SET last_date_added = $1 WHERE id = 1")
            .bind(last)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(step)
    }

    /// The first step of a job: what it will mark ready or apply, over which collections.
    /// Every other queued job is covered by this run, so they go.
    async fn start_job(
        &self,
        tx: &mut <Db as sqlx::Database>::Connection,
        job: &mut Claimed,
    ) -> Result<(), StoreError> {
        let (applied, pending) = {
            let epoch: i64 = sqlx::query_scalar("SELECT epoch FROM release_state WHERE id = 1")
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
            let rows = load_snapshot_rows(tx, epoch).await?;
            let (a, p) = fanout::in_force(&rows);
            (a.map(|r| r.version), p.map(|r| r.version))
        };
        let _ = applied;
        job.progress.started = true;
        job.progress.rule_set = pending;
        job.progress.audiences = sqlx::query_scalar("SELECT pk FROM audiences WHERE ready = FALSE")
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        job.progress.collections = sqlx::query_scalar("SELECT pk FROM collections ORDER BY pk")
            .fetch_all(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query("DELETE FROM release_jobs WHERE id <> $1 AND claimed_by IS NULL")
            .bind(job.id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// The last step of a job: its audiences ready, its rule set applied, classes nobody needs
    /// any more removed with their rows.
    async fn finish_job(
        &self,
        tx: &mut <Db as sqlx::Database>::Connection,
        job: &Claimed,
        now: i64,
    ) -> Result<(), StoreError> {
        for chunk in job.progress.audiences.chunks(ID_CHUNK) {
            let mut qb = QueryBuilder::<Db>::new("UPDATE audiences SET ready = TRUE WHERE pk IN (");
            let mut list = qb.separated(", ");
            for pk in chunk {
                list.push_bind(*pk);
            }
            list.push_unseparated(")");
            qb.build().execute(&mut *tx).await.map_err(store_error)?;
        }
        if let Some(version) = job.progress.rule_set {
            sqlx::query(
                "UPDATE rule_sets SET applied = $1 WHERE version = $2 AND superseded IS NULL",
            )
            .bind(now)
            .bind(version)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        }
        sqlx::query("DELETE FROM release_jobs WHERE id = $1")
            .bind(job.id)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        // Classes of rule sets no longer in force, and classes no partner has.
        let epoch: i64 = sqlx::query_scalar("SELECT epoch FROM release_state WHERE id = 1")
            .fetch_one(&mut *tx)
            .await
            .map_err(store_error)?;
        let rows = load_snapshot_rows(tx, epoch).await?;
        let (applied, pending) = fanout::in_force(&rows);
        let versions: Vec<i64> = applied
            .iter()
            .chain(pending.iter())
            .map(|r| r.version)
            .collect();
        let policies = fanout::policies_of(&rows)?;
        let needed: HashSet<Vec<u8>> = fanout::partners_of(&rows)?
            .iter()
            .filter(|p| p.status == release_rules::subject::Status::Active)
            .filter_map(|p| Subject::effective(p, &Ceiling::None, &policies).ok())
            .map(|s| fanout::subject_digest(&s))
            .collect();
        let stale: Vec<i64> = rows
            .audiences
            .iter()
            .filter(|a| !versions.contains(&a.ruleset) || !needed.contains(&a.digest))
            .map(|a| a.pk)
            .collect();
        for pk in &stale {
            sqlx::query("DELETE FROM audience_set_members WHERE audience_pk = $1")
                .bind(*pk)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            sqlx::query("DELETE FROM object_views WHERE audience_pk = $1")
                .bind(*pk)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
            sqlx::query("DELETE FROM audiences WHERE pk = $1")
                .bind(*pk)
                .execute(&mut *tx)
                .await
                .map_err(store_error)?;
        }
        bump_epoch(tx).await
    }

    /// Records that a step of the job `worker` holds failed: the error, and a retry after
    /// `backoff` by whichever worker claims it then (progress is kept: the retry resumes).
    pub async fn record_job_failure(
        &self,
        worker: &str,
        error: &str,
        backoff_micros: i64,
    ) -> Result<(), StoreError> {
        let now = (self.clock())();
        sqlx::query(
            "UPDATE release_jobs SET last_error = $1, run_after = $2, claimed_by = NULL, \
             claimed_at = NULL WHERE claimed_by = $3",
        )
        .bind(error.to_owned())
        .bind(now.saturating_add(backoff_micros))
        .bind(worker.to_owned())
        .execute(self.write_pool())
        .await
        .map_err(store_error)?;
        Ok(())
    }

    /// Runs queued jobs until none is left, waiting for one another worker holds. What the
    /// admin commands do after a change, so that they return once the views are ready.
    pub async fn run_release_jobs(&self, worker: &str) -> Result<(), StoreError> {
        loop {
            match self.run_job_step(worker).await? {
                JobStep::Idle => return Ok(()),
                JobStep::Busy => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
                JobStep::Progressed | JobStep::Finished => {}
            }
        }
    }
}
