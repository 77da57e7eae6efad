//! `accord grant --partner P --collection ID_OR_ALIAS [--read] [--write]`: sets exactly the
//! given rights (neither flag removes the partner's access).

use std::process::ExitCode;

use clap::Args;
use taxii::store::Access;

use super::admin::{self, StoreArgs};

/// Set a partner's rights in a collection to exactly the given ones.
#[derive(Debug, Clone, Args)]
pub struct GrantArgs {
    #[arg(long)]
    pub partner: String,
    /// Collection id, or an alias that is unique across API roots.
    #[arg(long)]
    pub collection: String,
    /// May read (GET objects, manifest, versions).
    #[arg(long)]
    pub read: bool,
    /// May write (POST and DELETE objects).
    #[arg(long)]
    pub write: bool,
    #[command(flatten)]
    pub store: StoreArgs,
}

pub fn main(args: &GrantArgs) -> ExitCode {
    admin::run(&args.store, async |store| {
        let collection = store.find_collection(&args.collection).await?;
        let access = Access {
            can_read: args.read,
            can_write: args.write,
        };
        store.grant(&args.partner, collection.id, access).await?;
        eprintln!(
            "partner {} in collection {}: read={} write={}",
            args.partner, collection.id, access.can_read, access.can_write
        );
        Ok(())
    })
}
