//! The `accord` binary. Everything it does lives in the `hub` library so that tests can
//! drive it; this only hands over the command line and the exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    // Before anything builds a TLS configuration (server, PostgreSQL connections).
    hub::server::tls::install_crypto_provider();
    hub::cli::main()
}
