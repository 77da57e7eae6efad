//! `accord token create|list|revoke`. A token is shown once, by `create`, on standard output
//! and nowhere else; the store keeps only its SHA-256.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};

use taxii::store::CredentialKind;

use super::admin::{self, StoreArgs, timestamp};
use crate::auth::{generate_token, token_digest};
use crate::server::tls::{certificate_credential_digest, read_certificates};

/// Manage credentials: bearer tokens and client certificates.
#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub command: TokenCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum TokenCommand {
    /// Create a token for a partner and print it (only it) on standard output. With --cert,
    /// register that client certificate (by its public key) instead, and print nothing.
    Create {
        #[arg(long)]
        partner: String,
        #[arg(long)]
        label: Option<String>,
        /// A PEM client certificate to register for mTLS instead of a token.
        #[arg(long, value_name = "PEM")]
        cert: Option<PathBuf>,
    },
    /// List credentials: id, partner, kind, label, created, revoked.
    List {
        #[arg(long)]
        partner: Option<String>,
    },
    /// Revoke a credential by its id (servers stop accepting it within 5 seconds).
    Revoke {
        #[arg(value_name = "CREDENTIAL_ID")]
        id: String,
    },
}

pub fn main(args: &TokenArgs) -> ExitCode {
    admin::run(&args.store, async |store| match &args.command {
        TokenCommand::Create {
            partner,
            label,
            cert: None,
        } => {
            let token = generate_token()?;
            let id = store
                .create_credential(
                    partner,
                    CredentialKind::Token,
                    label.as_deref(),
                    token_digest(&token),
                )
                .await?;
            eprintln!("credential {id} for partner {partner}");
            let mut out = std::io::stdout().lock();
            writeln!(out, "{token}")?;
            out.flush()?;
            Ok(())
        }
        TokenCommand::Create {
            partner,
            label,
            cert: Some(path),
        } => {
            let certs = read_certificates(path)?;
            let first = certs
                .first()
                .ok_or_else(|| anyhow::anyhow!("no certificate in {}", path.display()))?;
            let digest = certificate_credential_digest(first)?;
            let label = label
                .clone()
                .unwrap_or_else(|| format!("client certificate {}", path.display()));
            let id = store
                .create_credential(
                    partner,
                    CredentialKind::ClientCertificate,
                    Some(&label),
                    digest,
                )
                .await?;
            eprintln!("credential {id} for partner {partner}: client certificate registered");
            Ok(())
        }
        TokenCommand::List { partner } => {
            let mut out = std::io::stdout().lock();
            for c in store.list_credentials(partner.as_deref()).await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    c.id,
                    c.partner_id,
                    c.kind,
                    c.label.as_deref().unwrap_or("-"),
                    timestamp(c.created),
                    c.revoked.map_or_else(|| "-".to_owned(), timestamp),
                )?;
            }
            Ok(())
        }
        TokenCommand::Revoke { id } => {
            store.revoke_credential(id).await?;
            eprintln!("credential {id} revoked");
            Ok(())
        }
    })
}
