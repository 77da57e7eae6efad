//! A fresh database for one test, on either backend: a SQLite file in a temporary directory
//! that does not exist yet (the store creates it), or a PostgreSQL database
//! `accord_test_<random>` created on `ACCORD_TEST_PG_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). Either is removed when the [`TestDb`] is
//! dropped, also when the test fails.

#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::path::PathBuf;

use sqlx::Connection;
use uuid::Uuid;

/// The backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A database nobody else uses; gone when dropped.
pub struct TestDb {
    /// What `AnyStore::open` takes.
    pub url: String,
    cleanup: Cleanup,
}

impl TestDb {
    /// A new, empty database (not migrated: opening the store migrates it).
    pub async fn fresh(kind: Kind) -> TestDb {
        let suffix = Uuid::new_v4().simple().to_string();
        match kind {
            Kind::Sqlite => {
                let dir = std::env::temp_dir().join(format!("accord_test_{suffix}"));
                let url = format!("sqlite://{}", dir.join("data").join("accord.db").display());
                TestDb {
                    url,
                    cleanup: Cleanup::Dir(dir),
                }
            }
            Kind::Postgres => {
                let name = format!("accord_test_{suffix}");
                let admin_url = pg_admin_url();
                let mut admin = sqlx::PgConnection::connect(&admin_url).await.unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let base = admin_url
                    .split('?')
                    .next()
                    .unwrap()
                    .rsplit_once('/')
                    .unwrap()
                    .0
                    .to_owned();
                TestDb {
                    url: format!("{base}/{name}"),
                    cleanup: Cleanup::PgDatabase(name),
                }
            }
        }
    }
}

fn pg_admin_url() -> String {
    std::env::var("ACCORD_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

/// What dropping removes: the SQLite directory, or the PostgreSQL database (`WITH (FORCE)`
/// ends connections a failed test left open).
enum Cleanup {
    Dir(PathBuf),
    PgDatabase(String),
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Dir(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Cleanup::PgDatabase(name) => {
                let name = name.clone();
                let target = name.clone();
                // A thread of its own: drop may run inside the test's runtime, which cannot
                // be blocked on.
                let dropped = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    runtime.block_on(async {
                        let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await?;
                        sqlx::query(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {target} WITH (FORCE)"
                        )))
                        .execute(&mut admin)
                        .await?;
                        Ok::<(), sqlx::Error>(())
                    })
                })
                .join();
                if !matches!(dropped, Ok(Ok(()))) {
                    eprintln!("could not drop test database {name}: {dropped:?}");
                }
            }
        }
    }
}
