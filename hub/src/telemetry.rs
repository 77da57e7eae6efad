//! The one place that sets up logging: `tracing` events to standard error (standard output is
//! kept for what a command prints, such as the `accord listening on …` line or a new token),
//! filtered by `RUST_LOG` (default `info`), as text or JSON lines.
//!
//! What is never logged: tokens, `Authorization` headers, database URLs (they may hold a
//! password) and STIX object bodies. Security events carry a stable `event.kind` field.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// `event.kind` of a refused authentication.
pub const EVENT_AUTH_FAILURE: &str = "auth.failure";

/// Installs the global subscriber. Later calls (tests that build several applications) leave
/// the first one in place.
pub fn init(format: LogFormat) {
    // sqlx logs every statement at info; that is debugging detail, not an operator's log.
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        // Colour only for a person at a terminal, never into files or journald.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let result = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
    // Already installed: keep the existing subscriber.
    drop(result);
}
