//! What the admin verbs share: selecting the store exactly as `accord serve` does (`--config`,
//! `ACCORD_*`, `--data-dir`) and running one async operation on it. They work while a server
//! runs on the same database.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::{Overrides, Settings};
use crate::store::AnyStore;
use crate::telemetry;

#[derive(Debug, Clone, Args)]
pub struct StoreArgs {
    /// Configuration file (TOML), as for `accord serve`.
    #[arg(long, value_name = "FILE", global = true)]
    pub config: Option<PathBuf>,
    /// Data directory, as for `accord serve`.
    #[arg(long, value_name = "DIR", global = true)]
    pub data_dir: Option<PathBuf>,
}

/// Opens the store of `args` and runs `operation` on it.
pub fn run(
    args: &StoreArgs,
    operation: impl AsyncFnOnce(&AnyStore) -> anyhow::Result<()>,
) -> ExitCode {
    let overrides = Overrides {
        config: args.config.clone(),
        data_dir: args.data_dir.clone(),
        ..Overrides::default()
    };
    let result = Settings::load(&overrides)
        .map_err(anyhow::Error::from)
        .and_then(|settings| {
            telemetry::init(settings.log_format);
            actix_web::rt::System::new().block_on(async move {
                let url = settings.database_url()?;
                if settings.database_url.is_none() {
                    std::fs::create_dir_all(&settings.data_dir)?;
                }
                let store = AnyStore::open(url.expose()).await?;
                let result = operation(&store).await;
                store.close().await;
                result
            })
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(e.as_ref()),
    }
}

/// A store timestamp (microseconds since the Unix epoch) as RFC 3339.
pub fn timestamp(micros: i64) -> String {
    taxii::query::DateAdded(micros).to_string()
}
