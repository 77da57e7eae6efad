//! Partners' authority keys: `accord partner keygen --out FILE` (the key pair, written where
//! the partner keeps it: the hub never holds a partner's private key) and `accord partner
//! key add|list` (the public half, registered with the hub).
//!
//! A key file is the PKCS #8 (v2) DER of the Ed25519 key in a PEM `PRIVATE KEY` block, mode
//! 0600; `FILE.pub` holds the public key as `ed25519:<base64url>`, the form the hub registers
//! and signatures name as their `kid`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use release_rules::settlement::{PartnerKey, PublicKey};

use crate::store::AnyStore;
use crate::store::settlement::stamp;

const PEM_LABEL: &str = "PRIVATE KEY";

/// `accord partner keygen`.
#[derive(Debug, Clone, Args)]
pub struct KeygenArgs {
    /// Where to write the private key (PEM, mode 0600); the public key goes to FILE.pub.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

/// `accord partner key …`.
#[derive(Debug, Clone, Subcommand)]
pub enum KeyCommand {
    /// Register a partner's first authority key (later keys come by settled rotation).
    Add {
        partner: String,
        /// `ed25519:<base64url>`, or a file holding it (a `.pub` written by keygen).
        key: String,
    },
    /// List registered keys: partner, key, valid from, valid until, source.
    List { partner: Option<String> },
}

/// Writes a new key pair; prints the public key.
pub fn keygen(args: &KeygenArgs) -> ExitCode {
    match write_pair(&args.out) {
        Ok(public) => {
            println!("{public}");
            ExitCode::SUCCESS
        }
        Err(e) => super::fail(e.as_ref()),
    }
}

fn write_pair(out: &Path) -> anyhow::Result<PublicKey> {
    let key = PartnerKey::generate()?;
    let der = key.to_pkcs8()?;
    let mut pem = format!("-----BEGIN {PEM_LABEL}-----\n");
    let body = STANDARD.encode(der);
    for line in body.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {PEM_LABEL}-----\n"));
    crate::secret_file::create_new(out, pem.as_bytes())
        .with_context(|| format!("cannot create {} (it must not exist)", out.display()))?;
    let public = key.public_key();
    let mut pub_path = out.as_os_str().to_owned();
    pub_path.push(".pub");
    std::fs::write(&pub_path, format!("{public}\n"))
        .with_context(|| format!("cannot write {}", PathBuf::from(&pub_path).display()))?;
    Ok(public)
}

/// Reads a key file written by keygen (PEM), or raw PKCS #8 DER.
pub fn read_key(path: &Path) -> anyhow::Result<PartnerKey> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let der = match std::str::from_utf8(&bytes) {
        Ok(text) if text.contains("-----BEGIN") => {
            let body: String = text
                .lines()
                .filter(|l| !l.starts_with("-----"))
                .collect::<Vec<_>>()
                .concat();
            STANDARD
                .decode(body.trim())
                .with_context(|| format!("{}: not PEM", path.display()))?
        }
        _ => bytes,
    };
    PartnerKey::from_pkcs8(&der).with_context(|| format!("key file {}", path.display()))
}

/// A public key given as text or as a file holding it.
pub fn public_key(text: &str) -> anyhow::Result<PublicKey> {
    let text = if text.starts_with("ed25519:") {
        text.to_owned()
    } else {
        std::fs::read_to_string(text)
            .with_context(|| format!("{text} is neither ed25519:… nor a readable file"))?
    };
    Ok(PublicKey::parse(text.trim())?)
}

pub async fn run(store: &AnyStore, command: &KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::Add { partner, key } => {
            let key = public_key(key)?;
            let now = (crate::store::system_clock())();
            store.register_partner_key(partner, &key, now).await?;
            eprintln!("key {key} registered for {partner} from {}", stamp(now));
            Ok(())
        }
        KeyCommand::List { partner } => {
            let mut out = std::io::stdout().lock();
            for k in store.partner_keys(partner.as_deref()).await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    k.partner,
                    k.key,
                    k.valid_from,
                    k.valid_until.as_deref().unwrap_or("-"),
                    k.source
                )?;
            }
            Ok(())
        }
    }
}
