//! Accord, the CTI federation hub: the `accord` binary's library — command line, configuration,
//! authentication, the TAXII 2.1 HTTP server and storage — so that tests can build the
//! application without going through `main`.

pub mod audit;
pub mod auth;
pub mod cli;
pub mod config;
pub mod fanout;
pub mod secret_file;
pub mod server;
pub mod store;
pub mod telemetry;

pub use config::Settings;
pub use server::Application;
