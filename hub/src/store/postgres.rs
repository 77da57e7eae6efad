//! The PostgreSQL store, for production and for several `accord serve` processes on one
//! database. Writing transactions lock the counter row (`SELECT … FOR UPDATE`), which
//! serializes them across processes so that date added follows commit order; object rows go
//! in with one `INSERT … SELECT FROM UNNEST(arrays)` per batch: a single prepared statement
//! whatever the batch size.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Postgres, Transaction};
use taxii::store::StoreError;

use super::plan::NewRow;
use super::{Clock, migrate_error, store_error};
use crate::fanout::Fanout;

type Db = Postgres;

/// Connections per process. Writers serialize on the counter row anyway; readers are what
/// the rest serve.
const CONNECTIONS: u32 = 16;

#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    clock: Clock,
    statistics: Arc<Statistics>,
    release: Arc<Fanout>,
}

/// When this process last had the objects table analyzed, by sequence number.
#[derive(Debug, Default)]
struct Statistics {
    analyzed_at_seq: AtomicI64,
    analyzing: AtomicBool,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
    /// Opens `postgres://…` and applies the migrations (sqlx holds an advisory lock while
    /// migrating, so concurrent starts are safe).
    pub async fn open(url: &str, clock: Clock) -> Result<PgStore, StoreError> {
        let options = PgConnectOptions::from_str(url)
            .map_err(|error| StoreError::Unavailable(format!("bad PostgreSQL URL: {error}")))?;
        let pool = PgPoolOptions::new()
            .max_connections(CONNECTIONS)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        sqlx::migrate!("../migrations/postgres")
            .run(&pool)
            .await
            .map_err(migrate_error)?;
        let store = PgStore {
            pool,
            clock,
            statistics: Arc::default(),
            release: Arc::new(Fanout::new()),
        };
        store.ensure_release_genesis().await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn read_pool(&self) -> &PgPool {
        &self.pool
    }

    fn write_pool(&self) -> &PgPool {
        &self.pool
    }

    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn release(&self) -> &Fanout {
        &self.release
    }

    async fn begin_write(&self) -> Result<Transaction<'static, Db>, sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        // sqlx prepares every statement; after five runs PostgreSQL may switch to a generic plan
        // made without the parameter values, and for `object_id IN (…500 ids…)` on a growing
        // table that plan is a sequential scan (seen: 0.5 s per envelope at 30,000 rows). Writes
        // plan each run with its values; reads keep their cached plans (planning every read
        // was half of PostgreSQL's CPU on object-by-id).
        sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
            .execute(&mut *tx)
            .await?;
        Ok(tx)
    }

    /// Keeps the planner's statistics up with bulk loads. Without them PostgreSQL estimates a
    /// few hundred rows per collection and answers a page with a bitmap scan and a sort of the
    /// whole remainder (18 ms a page at 30,000 rows, growing with the collection) instead of
    /// reading 1,001 rows in index order; autovacuum analyzes only once a minute. So after a
    /// commit that grew the table by a fifth (at least 1,000 rows) since the last analysis,
    /// one `ANALYZE objects, object_views, object_refs` runs in the background (an unanalyzed
    /// `object_refs` made the closure lookup a sequential scan: BENCHMARKS.md).
    fn after_submit(&self, last_seq: i64) {
        let statistics = &self.statistics;
        let analyzed_at = statistics.analyzed_at_seq.load(Ordering::Relaxed);
        let due = last_seq.saturating_sub(analyzed_at) >= (analyzed_at / 5).max(1_000);
        if !due || statistics.analyzing.swap(true, Ordering::AcqRel) {
            return;
        }
        statistics
            .analyzed_at_seq
            .store(last_seq, Ordering::Relaxed);
        let pool = self.pool.clone();
        let statistics = Arc::clone(statistics);
        tokio::spawn(async move {
            if let Err(error) = sqlx::query("ANALYZE objects, object_views, object_refs")
                .execute(&pool)
                .await
            {
                tracing::warn!(%error, "ANALYZE objects failed");
            }
            statistics.analyzing.store(false, Ordering::Release);
        });
    }
}

/// Held until commit: the next writer reads the counter only after this one committed.
const LOCK_COUNTER_SQL: &str =
    "SELECT last_date_added, last_seq FROM store_counter WHERE id = 1 FOR UPDATE";

/// Rows per statement: bounds the arrays' size in memory, not a protocol limit.
const INSERT_CHUNK: usize = 2_000;

/// PostgreSQL's planner has statistics and picks the index by id itself.
const OBJECTS_BY_ID: &str = " objects";
/// The same, aliased `o`.
const OBJECTS_BY_ID_AS_O: &str = "objects AS o";

/// Claims the next job, preferring one already started. The caller holds the counter lock
/// and has checked that no other worker holds a job; `SKIP LOCKED` keeps a claim from waiting
/// on a row another transaction is updating.
const CLAIM_JOB_SQL: &str = "UPDATE release_jobs SET claimed_by = $1, claimed_at = $2 \
     WHERE id = (SELECT id FROM release_jobs WHERE run_after <= $2 \
     ORDER BY claimed_by IS NULL, id LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING id, progress";

async fn insert_rows(conn: &mut sqlx::PgConnection, rows: Vec<NewRow>) -> Result<(), StoreError> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<NewRow> = rows.by_ref().take(INSERT_CHUNK).collect();
        let n = chunk.len();
        let mut seq = Vec::with_capacity(n);
        let mut collection_pk = Vec::with_capacity(n);
        let mut object_id = Vec::with_capacity(n);
        let mut type_name = Vec::with_capacity(n);
        let mut version_us = Vec::with_capacity(n);
        let mut version_ns = Vec::with_capacity(n);
        let mut version_text = Vec::with_capacity(n);
        let mut spec_version = Vec::with_capacity(n);
        let mut date_added = Vec::with_capacity(n);
        let mut raw = Vec::with_capacity(n);
        let mut content_hash = Vec::with_capacity(n);
        let mut is_first = Vec::with_capacity(n);
        let mut is_last = Vec::with_capacity(n);
        let mut variant = Vec::with_capacity(n);
        let mut submitter = Vec::with_capacity(n);
        let mut label_pk = Vec::with_capacity(n);
        let mut shared = Vec::with_capacity(n);
        let mut audience_set = Vec::with_capacity(n);
        for row in chunk {
            seq.push(row.seq);
            collection_pk.push(row.collection_pk);
            object_id.push(row.object_id);
            type_name.push(row.type_name);
            version_us.push(row.key.us);
            version_ns.push(row.key.ns);
            version_text.push(row.version_text);
            spec_version.push(row.spec_version);
            date_added.push(row.date_added);
            raw.push(row.raw);
            content_hash.push(row.content_hash);
            is_first.push(row.is_first);
            is_last.push(row.is_last);
            variant.push(row.variant);
            submitter.push(row.submitter);
            label_pk.push(row.label_pk);
            shared.push(row.shared);
            audience_set.push(row.audience_set);
        }
        sqlx::query(
            "INSERT INTO objects (seq, collection_pk, object_id, type_name, version_us, \
             version_ns, version_text, spec_version, date_added, raw, content_hash, is_first, \
             is_last, variant, submitter, label_pk, shared, audience_set) \
             SELECT * FROM UNNEST($1::int8[], $2::int8[], $3::text[], $4::text[], $5::int8[], \
             $6::int4[], $7::text[], $8::text[], $9::int8[], $10::text[], $11::bytea[], \
             $12::bool[], $13::bool[], $14::int4[], $15::text[], $16::int8[], $17::bool[], \
             $18::int8[])",
        )
        .bind(seq)
        .bind(collection_pk)
        .bind(object_id)
        .bind(type_name)
        .bind(version_us)
        .bind(version_ns)
        .bind(version_text)
        .bind(spec_version)
        .bind(date_added)
        .bind(raw)
        .bind(content_hash)
        .bind(is_first)
        .bind(is_last)
        .bind(variant)
        .bind(submitter)
        .bind(label_pk)
        .bind(shared)
        .bind(audience_set)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    }
    Ok(())
}

/// View rows, one `INSERT … SELECT FROM UNNEST(arrays)` per chunk: one prepared statement
/// whatever the count (an object released to 25 audiences is 25 rows).
async fn insert_view_rows(
    conn: &mut sqlx::PgConnection,
    collection_pk: i64,
    rows: &[crate::fanout::view::ViewRow],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(INSERT_CHUNK * 5) {
        let audience: Vec<i64> = chunk.iter().map(|r| r.audience).collect();
        let date_added: Vec<i64> = chunk.iter().map(|r| r.date_added).collect();
        let seq: Vec<i64> = chunk.iter().map(|r| r.seq).collect();
        let is_first: Vec<bool> = chunk.iter().map(|r| r.is_first).collect();
        let is_last: Vec<bool> = chunk.iter().map(|r| r.is_last).collect();
        let embargoed: Vec<bool> = chunk.iter().map(|r| r.embargoed).collect();
        sqlx::query(
            "INSERT INTO object_views (audience_pk, collection_pk, date_added, seq, is_first, \
             is_last, embargoed) \
             SELECT a, $2, d, s, f, l, e FROM UNNEST($1::int8[], $3::int8[], $4::int8[], \
             $5::bool[], $6::bool[], $7::bool[]) AS t(a, d, s, f, l, e)",
        )
        .bind(audience)
        .bind(collection_pk)
        .bind(date_added)
        .bind(seq)
        .bind(is_first)
        .bind(is_last)
        .bind(embargoed)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    }
    Ok(())
}

mod shared {
    use super::{
        CLAIM_JOB_SQL, Db, LOCK_COUNTER_SQL, OBJECTS_BY_ID, OBJECTS_BY_ID_AS_O,
        PgStore as ThisStore, insert_rows, insert_view_rows,
    };

    include!("shared_impl.rs");
    include!("release_impl.rs");
    include!("cursor_key_impl.rs");
    mod settlement_sql {
        include!("settlement_sql.rs");
    }
}

impl PgStore {
    /// The audit chain on this store's connections (`store::audit`).
    pub(super) fn audit(&self) -> super::audit::AuditLog {
        super::audit::AuditLog::postgres(self.pool.clone(), self.clock.clone())
    }
}
