//! `accord partner add|list|set`.

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use super::admin::{self, StoreArgs};

/// Manage partners.
#[derive(Debug, Clone, Args)]
pub struct PartnerArgs {
    #[command(subcommand)]
    pub command: PartnerCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum PartnerCommand {
    /// Add an active partner.
    Add {
        /// Partner id (1-64 of A-Z a-z 0-9 . _ - @); also its HTTP Basic user name.
        id: String,
        /// Display name (default: the id).
        #[arg(long)]
        name: Option<String>,
        /// Role in the mission: lead, supporting or observing.
        #[arg(long, default_value = "supporting")]
        role: String,
    },
    /// List partners: id, role, status, name.
    List,
    /// Change a partner's release attributes; each option given replaces that attribute.
    /// Returns once the views it changes are recomputed.
    Set(SetArgs),
    /// Partners' authority keys (public halves) registered with the hub.
    Key {
        #[command(subcommand)]
        command: super::keys::KeyCommand,
    },
    /// Write a new authority key pair locally (the hub never holds private keys).
    Keygen(super::keys::KeygenArgs),
    /// Propose a membership change, signed with the proposer's key file.
    Propose {
        #[command(subcommand)]
        change: super::settle::MembershipCommand,
    },
}

/// `accord partner set`.
#[derive(Debug, Clone, Args)]
pub struct SetArgs {
    pub id: String,
    /// ISO 3166 alpha-3 nation.
    #[arg(long)]
    pub nation: Option<String>,
    /// Organisations (repeat the option for several).
    #[arg(long = "org")]
    pub orgs: Vec<String>,
    /// Partners that are this partner's clients (TLP:AMBER).
    #[arg(long = "client")]
    pub clients: Vec<String>,
    /// Communities (NATO, EU, FVEY, ...).
    #[arg(long = "community")]
    pub communities: Vec<String>,
    /// POLICY=CLASSIFICATION, e.g. NATO=SECRET.
    #[arg(long = "clearance")]
    pub clearances: Vec<String>,
    /// TAGSET=VALUE, e.g. "Additional Sensitivity=ATOMAL".
    #[arg(long = "caveat")]
    pub caveats: Vec<String>,
    /// lead, supporting or observing.
    #[arg(long)]
    pub role: Option<String>,
}

pub fn main(args: &PartnerArgs) -> ExitCode {
    if let PartnerCommand::Keygen(keygen) = &args.command {
        return super::keys::keygen(keygen);
    }
    admin::run(&args.store, async |store| match &args.command {
        PartnerCommand::Set(set) => {
            let mut partner = store.partner_attributes(&set.id).await?;
            super::partner_set::apply(&mut partner, set)?;
            store.set_partner_attributes(&partner).await?;
            store
                .run_release_jobs(&crate::fanout::jobs::worker_id())
                .await?;
            eprintln!("partner {} updated", set.id);
            Ok(())
        }
        PartnerCommand::Add { id, name, role } => {
            store
                .add_partner(id, name.as_deref().unwrap_or(id), role)
                .await?;
            eprintln!("partner {id} added");
            Ok(())
        }
        PartnerCommand::List => {
            let mut out = std::io::stdout().lock();
            for p in store.list_partners().await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}",
                    p.id,
                    p.role,
                    p.status.as_str(),
                    p.display_name
                )?;
            }
            Ok(())
        }
        PartnerCommand::Key { command } => super::keys::run(store, command).await,
        PartnerCommand::Propose { change } => super::settle::run_membership(store, change).await,
        PartnerCommand::Keygen(_) => Ok(()),
    })
}
