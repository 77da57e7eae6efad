//! `accord collection add|list`.

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use taxii::ids::ApiRootName;

use super::admin::{self, StoreArgs};

/// Manage collections.
#[derive(Debug, Clone, Args)]
pub struct CollectionArgs {
    #[command(subcommand)]
    pub command: CollectionCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum CollectionCommand {
    /// Add a collection; prints its new id. Nobody has access until `accord grant`.
    Add {
        #[arg(long, default_value = "default")]
        api_root: String,
        /// A short name, unique in the API root, usable instead of the id in the CLI.
        #[arg(long)]
        alias: Option<String>,
        #[arg(long)]
        title: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// List collections: id, API root, alias, title.
    List,
}

pub fn main(args: &CollectionArgs) -> ExitCode {
    admin::run(&args.store, async |store| match &args.command {
        CollectionCommand::Add {
            api_root,
            alias,
            title,
            description,
        } => {
            let root = ApiRootName::parse(api_root)
                .map_err(|_| anyhow::anyhow!("invalid API root name {api_root:?}"))?;
            let id = store
                .add_collection(&root, alias.as_deref(), title, description.as_deref())
                .await?;
            writeln!(std::io::stdout().lock(), "{id}")?;
            Ok(())
        }
        CollectionCommand::List => {
            let mut out = std::io::stdout().lock();
            for c in store.list_collections().await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    c.id,
                    c.api_root,
                    c.alias.as_deref().unwrap_or("-"),
                    c.title
                )?;
            }
            Ok(())
        }
    })
}
