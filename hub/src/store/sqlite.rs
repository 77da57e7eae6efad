//! The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, so that a commit
//! that returned is on disk. Writers go through a pool of one connection and open their
//! transactions with `BEGIN IMMEDIATE`, so they queue in the pool rather than spin on SQLite's
//! busy handler, and take the database write lock before reading the counter row; readers
//! have their own pool and, thanks to WAL, never wait for writers. Other processes on the same
//! file (the admin CLI while a server runs) wait on the busy timeout.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite, Transaction};
use taxii::store::StoreError;

use super::plan::NewRow;
use super::{Clock, migrate_error, store_error};
use crate::fanout::Fanout;

type Db = Sqlite;

/// Rows per multi-row INSERT: 18 parameters a row stays far below SQLite's 32,766.
const INSERT_CHUNK: usize = 500;

/// Reading connections. Two cores serve the whole hub; more would only queue in SQLite.
const READERS: u32 = 4;

#[derive(Clone)]
pub struct SqliteStore {
    reader: Pool<Sqlite>,
    writer: Pool<Sqlite>,
    clock: Clock,
    release: Arc<Fanout>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens `sqlite://PATH` (creating the file and its directory), applies the migrations.
    pub async fn open(url: &str, clock: Clock) -> Result<SqliteStore, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|error| StoreError::Unavailable(format!("bad SQLite URL: {error}")))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            // 16 MiB of page cache per connection (the default is 2 MiB).
            .pragma("cache_size", "-16384")
            .pragma("temp_store", "memory");
        if let Some(parent) = options.get_filename().parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent).map_err(|error| {
                    StoreError::Unavailable(format!(
                        "cannot create the directory {}: {error}",
                        parent.display()
                    ))
                })?;
            }
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options.clone())
            .await
            .map_err(store_error)?;
        sqlx::migrate!("../migrations/sqlite")
            .run(&writer)
            .await
            .map_err(migrate_error)?;
        let reader = SqlitePoolOptions::new()
            .max_connections(READERS)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(options)
            .await
            .map_err(store_error)?;
        let store = SqliteStore {
            reader,
            writer,
            clock,
            release: Arc::new(Fanout::new()),
        };
        store.ensure_release_genesis().await?;
        Ok(store)
    }

    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    fn read_pool(&self) -> &Pool<Db> {
        &self.reader
    }

    fn write_pool(&self) -> &Pool<Db> {
        &self.writer
    }

    fn clock(&self) -> &Clock {
        &self.clock
    }

    fn release(&self) -> &Fanout {
        &self.release
    }

    /// `BEGIN IMMEDIATE` takes the write lock at once: the counter row read next is then the
    /// latest, and no other writer can commit in between.
    async fn begin_write(&self) -> Result<Transaction<'static, Db>, sqlx::Error> {
        self.writer.begin_with("BEGIN IMMEDIATE").await
    }

    /// Nothing to maintain: without statistics SQLite's planner picks the indexes it should
    /// (and `OBJECTS_BY_ID` names the one it would not).
    fn after_submit(&self, _last_seq: i64) {}
}

/// The write lock is already held (`BEGIN IMMEDIATE`).
const LOCK_COUNTER_SQL: &str = "SELECT last_date_added, last_seq FROM store_counter WHERE id = 1";

/// Queries for given object ids name the index by id: without statistics SQLite would rather
/// walk `objects_last` in date-added order, which reads the whole collection to find a few ids.
const OBJECTS_BY_ID: &str = " objects INDEXED BY objects_version";
/// The same, aliased `o`.
const OBJECTS_BY_ID_AS_O: &str = "objects AS o INDEXED BY objects_version";

/// Claims the next job, preferring one already started. The caller holds the write lock and
/// has checked that no other worker holds a job: SQLite has one writer.
const CLAIM_JOB_SQL: &str = "UPDATE release_jobs SET claimed_by = $1, claimed_at = $2 \
     WHERE id = (SELECT id FROM release_jobs WHERE run_after <= $2 \
     ORDER BY claimed_by IS NULL, id LIMIT 1) RETURNING id, progress";

async fn insert_rows(
    conn: &mut sqlx::SqliteConnection,
    rows: Vec<NewRow>,
) -> Result<(), StoreError> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let mut qb = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO objects (seq, collection_pk, object_id, type_name, version_us, \
             version_ns, version_text, spec_version, date_added, raw, content_hash, is_first, \
             is_last, variant, submitter, label_pk, shared, audience_set) ",
        );
        qb.push_values(rows.by_ref().take(INSERT_CHUNK), |mut values, row| {
            values
                .push_bind(row.seq)
                .push_bind(row.collection_pk)
                .push_bind(row.object_id)
                .push_bind(row.type_name)
                .push_bind(row.key.us)
                .push_bind(row.key.ns)
                .push_bind(row.version_text)
                .push_bind(row.spec_version)
                .push_bind(row.date_added)
                .push_bind(row.raw)
                .push_bind(row.content_hash)
                .push_bind(row.is_first)
                .push_bind(row.is_last)
                .push_bind(row.variant)
                .push_bind(row.submitter)
                .push_bind(row.label_pk)
                .push_bind(row.shared)
                .push_bind(row.audience_set);
        });
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

/// View rows, one multi-row INSERT per 500 (7 parameters a row).
async fn insert_view_rows(
    conn: &mut sqlx::SqliteConnection,
    collection_pk: i64,
    rows: &[crate::fanout::view::ViewRow],
) -> Result<(), StoreError> {
    for chunk in rows.chunks(500) {
        let mut qb = sqlx::QueryBuilder::<Db>::new(
            "INSERT INTO object_views (audience_pk, collection_pk, date_added, seq, is_first, \
             is_last, embargoed) ",
        );
        qb.push_values(chunk, |mut values, row| {
            values
                .push_bind(row.audience)
                .push_bind(collection_pk)
                .push_bind(row.date_added)
                .push_bind(row.seq)
                .push_bind(row.is_first)
                .push_bind(row.is_last)
                .push_bind(row.embargoed);
        });
        qb.build().execute(&mut *conn).await.map_err(store_error)?;
    }
    Ok(())
}

mod shared {
    use super::{
        CLAIM_JOB_SQL, Db, LOCK_COUNTER_SQL, OBJECTS_BY_ID, OBJECTS_BY_ID_AS_O,
        SqliteStore as ThisStore, insert_rows, insert_view_rows,
    };

    include!("shared_impl.rs");
    include!("release_impl.rs");
    include!("cursor_key_impl.rs");
    mod settlement_sql {
        include!("settlement_sql.rs");
    }
}

impl SqliteStore {
    /// The audit chain on this store's connections (`store::audit`).
    pub(super) fn audit(&self) -> super::audit::AuditLog {
        super::audit::AuditLog::sqlite(self.reader.clone(), self.writer.clone(), self.clock.clone())
    }
}
