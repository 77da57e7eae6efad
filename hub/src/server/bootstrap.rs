//! Zero-config first start (DESIGN.md): API root `default`, collection `shared`, partner
//! `local` (role `lead`) with read and write, and one token for `local` — taken from
//! `ACCORD_BOOTSTRAP_TOKEN` when set, otherwise generated, printed once to standard error and
//! written to `<data-dir>/bootstrap.token` (mode 0600). Later starts change nothing: a revoked
//! bootstrap token stays revoked.

use std::io::Write as _;

use crate::auth::{generate_token, is_token_shaped, token_digest};
use crate::config::Settings;
use crate::store::AnyStore;

use super::StartError;

/// The file the generated token is written to, in the data directory.
pub const TOKEN_FILE: &str = "bootstrap.token";

pub async fn run(store: &AnyStore, settings: &Settings) -> Result<(), StartError> {
    let (token, generated) = match &settings.bootstrap_token {
        Some(token) => {
            if !is_token_shaped(token.expose()) {
                return Err(StartError::Bootstrap(
                    "ACCORD_BOOTSTRAP_TOKEN must be 1-512 visible ASCII characters".to_owned(),
                ));
            }
            (token.expose().to_owned(), false)
        }
        None => (
            generate_token()
                .map_err(|e| StartError::Bootstrap(format!("no randomness for the token: {e}")))?,
            true,
        ),
    };
    let created = store.bootstrap(token_digest(&token)).await?;
    if !created {
        return Ok(());
    }
    tracing::info!("first start: created the `local` partner's bootstrap credential");
    if generated {
        let path = settings.data_dir.join(TOKEN_FILE);
        crate::secret_file::replace(&path, format!("{token}\n").as_bytes())
            .map_err(|e| StartError::Bootstrap(format!("cannot write {}: {e}", path.display())))?;
        // The contract: shown once, to the person who started the server, never to the log.
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "accord: bootstrap token for partner `local` (shown once, also in {}):\n{token}",
            path.display()
        );
    }
    Ok(())
}
