//! `accord rules load FILE`: loads a new rule-set version (YAML or JSON, version greater than
//! every one loaded before), checked and compiled against the policies and partners, and
//! returns once every view has been recomputed under it — it is then in force. Until then the
//! version in force stays, and reads are already re-checked against the new one (it narrows
//! at once, widens only when applied). Settlement by a quorum of partners is issue 5.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};

use super::admin::{self, StoreArgs};

/// Manage release rule sets.
#[derive(Debug, Clone, Args)]
pub struct RulesArgs {
    #[command(subcommand)]
    pub command: RulesCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum RulesCommand {
    /// Load a rule-set version and apply it once views are recomputed.
    Load {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    #[command(flatten)]
    Settle(super::settle::SettleCommand),
}

pub fn main(args: &RulesArgs) -> ExitCode {
    admin::run(&args.store, async |store| match &args.command {
        RulesCommand::Load { file } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let version = store.load_rules(&text).await?;
            store
                .run_release_jobs(&crate::fanout::jobs::worker_id())
                .await?;
            eprintln!("rule set version {version} in force");
            Ok(())
        }
        RulesCommand::Settle(command) => super::settle::run(store, command).await,
    })
}
