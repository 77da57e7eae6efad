//! End-to-end tests of Accord. Everything lives in `tests/`: one test binary (`tests/main.rs`)
//! whose modules start the real `accord` binary on a free port, against a fresh SQLite file or
//! a fresh PostgreSQL database, and speak TAXII 2.1 to it over HTTP. `python/` holds the test
//! driven by the OASIS `taxii2-client`.
//!
//! Run with `cargo test -p integration` after `cargo build -p hub` (a workspace-wide
//! `cargo test` builds the binary first by itself). `ACCORD_BIN` points at another binary,
//! `ACCORD_TEST_PG_URL` at another PostgreSQL server, and `TEST_LOG=1` shows the servers' logs.
