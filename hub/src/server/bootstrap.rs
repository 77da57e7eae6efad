//! Zero-config first start (DESIGN.md): API root `default`, collection `shared`, partner
//! `local` (role `lead`) with read and write, and one token for `local` — taken from
//! `ACCORD_BOOTSTRAP_TOKEN` when set, otherwise generated, printed once to standard error and
//! written to `<data-dir>/bootstrap.token` (mode 0600). Later starts change nothing: a revoked
//! bootstrap token stays revoked.

use std::io::Write as _;
use std::path::Path;

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
        write_secret(&path, &token)
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

/// Writes `secret` to `path`, readable by its owner only.
fn write_secret(path: &Path, secret: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
        options.mode(0o600);
        let mut file = options.open(path)?;
        // A file left from an earlier data directory keeps its mode on open; tighten it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        writeln!(file, "{secret}")?;
        file.sync_all()
    }
    #[cfg(not(unix))]
    {
        let mut file = options.open(path)?;
        writeln!(file, "{secret}")?;
        file.sync_all()
    }
}
