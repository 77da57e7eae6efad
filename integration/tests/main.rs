//! Accord end to end: the real `accord` binary, started per test on a fresh SQLite file or a
//! fresh PostgreSQL database, spoken to over HTTP as TAXII 2.1 clients speak to it. One test per
//! rule of the specification (OASIS TAXII 2.1, section numbers in the module docs), each on
//! both stores. See `helpers` for the harness.

// Tests fail by panicking: unwraps, indexing into JSON and panics are how they say so.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
// `&[object.clone()]` reads better in a test than `std::slice::from_ref(&object)`.
#![allow(clippy::cloned_ref_to_slice_refs)]

#[macro_use]
mod helpers;

mod auth;
mod bad_input;
mod collections;
mod delete;
mod discovery;
mod durability;
mod filters;
mod first_start;
mod leak;
mod manifest;
mod media_types;
mod objects;
mod pagination;
mod python_client;
mod two_servers;
mod versions;
