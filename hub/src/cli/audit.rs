//! `accord audit …`: check the audit chain and take it away.
//!
//! - `accord audit verify [--file EXPORT] [--key FILE]…` recomputes the hash chain, the
//!   Merkle tree and every checkpoint signature, from the database (with the stored leaf hashes
//!   and the log head) or from an export, and names the first record that does not match.
//!   Exit status 0 when the log verifies, 2 when it does not, 1 when it could not be read.
//! - `accord audit export FILE` signs a checkpoint of the head, writes the log as JSON lines
//!   (header, checkpoints, records) and records the export in the log.
//! - `accord audit proof SEQ` prints one record with its inclusion proof and the signed
//!   checkpoint it leads to; `accord audit verify --proof FILE --key HUB.pub` checks it
//!   offline.
//! - `accord audit show [--from SEQ] [--limit N]` prints records as stored.
//! - `accord audit key` prints the hub's verifier key, the line partners keep to check
//!   checkpoints offline.
//!
//! The hub's checkpoint key is `<data dir>/audit.key` unless `--key` names another file;
//! verification trusts the keys given with `--key` (verifier keys, one a line, or the hub's
//! key file), never a key found in the database.

use std::io::{BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use sha2::{Digest, Sha256};

use super::admin::{self, StoreArgs};
use crate::audit::checkpoint;
use crate::audit::proof::RecordProof;
use crate::audit::record::{Actor, AuditEntry, AuditKind};
use crate::audit::{Problem, Verified, VerifierKey};
use crate::config::{Overrides, Settings};
use crate::store::audit::{KEY_FILE, load_or_create_key, read_verifier_keys, verify_export_with};
use crate::store::{AnyStore, LOCAL_PARTNER};

/// The exit status of a log that does not verify.
const TAMPERED: u8 = 2;

/// Check or export the audit chain.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
    #[command(flatten)]
    pub store: StoreArgs,
}

#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Recompute chain, tree and checkpoint signatures; name the first record that does not
    /// match.
    Verify {
        /// Verify this export instead of the database.
        #[arg(long, value_name = "EXPORT", conflicts_with = "proof")]
        file: Option<PathBuf>,
        /// Check one record's proof (from `accord audit proof`) instead of a whole log.
        #[arg(long, value_name = "PROOF")]
        proof: Option<PathBuf>,
        /// Trusted keys: a file of verifier keys (one a line) or the hub's key file. Default:
        /// the hub's key in the data directory.
        #[arg(long, value_name = "FILE")]
        key: Vec<PathBuf>,
        /// A signed checkpoint kept from before (a note file, or an export whose checkpoints
        /// to keep): the log must still match it, whatever its own checkpoints say now.
        #[arg(long, value_name = "FILE")]
        checkpoint: Vec<PathBuf>,
    },
    /// Write the audit log, with its signed checkpoints, to FILE (JSON lines).
    Export {
        file: PathBuf,
        /// The hub's checkpoint key (default: `audit.key` in the data directory).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// Print record SEQ with its inclusion proof and the signed checkpoint it leads to (JSON),
    /// for a partner to check offline with `verify --proof`.
    Proof { seq: u64 },
    /// Print records as stored (canonical JSON, one a line), from seq FROM on.
    Show {
        #[arg(long, default_value_t = 0)]
        from: u64,
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
    /// Print the hub's verifier key (creating the hub's key if it has none yet).
    Key {
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
}

pub fn main(args: &AuditArgs) -> ExitCode {
    match &args.command {
        AuditCommand::Verify {
            proof: Some(proof),
            key,
            ..
        } => {
            let result = trusted_keys(&args.store, key).and_then(|keys| {
                let text = std::fs::read_to_string(proof)
                    .with_context(|| format!("cannot read {}", proof.display()))?;
                let proof: RecordProof = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not a record proof", proof.display()))?;
                Ok((proof.verify(&keys), proof.tree_size))
            });
            match result {
                Ok((Ok(record), size)) => {
                    println!(
                        "record {} ({}) is in the audit log: its proof leads to the signed \
                         checkpoint of {size} records",
                        record.seq, record.kind
                    );
                    ExitCode::SUCCESS
                }
                Ok((Err(error), _)) => {
                    eprintln!("accord: audit proof failed: {error}");
                    ExitCode::from(TAMPERED)
                }
                Err(e) => super::fail(e.as_ref()),
            }
        }
        AuditCommand::Verify {
            file: Some(file),
            key,
            checkpoint,
            ..
        } => {
            let result = trusted_keys(&args.store, key).and_then(|keys| {
                let kept = kept_checkpoints(checkpoint, &keys)?;
                let input = std::fs::File::open(file)
                    .with_context(|| format!("cannot open {}", file.display()))?;
                Ok(verify_export_with(BufReader::new(input), &keys, &kept)?)
            });
            match result {
                Ok(verdict) => report(verdict),
                Err(e) => super::fail(e.as_ref()),
            }
        }
        AuditCommand::Verify {
            file: None,
            key,
            checkpoint,
            ..
        } => {
            let (keys, kept) = match trusted_keys(&args.store, key)
                .and_then(|keys| Ok((kept_checkpoints(checkpoint, &keys)?, keys)))
            {
                Ok((kept, keys)) => (keys, kept),
                Err(e) => return super::fail(e.as_ref()),
            };
            let mut verdict = None;
            let status = admin::run(&args.store, async |store| {
                verdict = Some(store.audit().verify_with(&keys, &kept).await?);
                Ok(())
            });
            match verdict {
                Some(verdict) => report(verdict),
                None => status,
            }
        }
        AuditCommand::Export { file, key } => {
            let key_path = match key_path(&args.store, key.as_deref()) {
                Ok(path) => path,
                Err(e) => return super::fail(e.as_ref()),
            };
            admin::run(&args.store, async |store| {
                export(store, file, &key_path).await
            })
        }
        AuditCommand::Proof { seq } => admin::run(&args.store, async |store| {
            let proof = store.audit().record_proof(*seq).await?;
            println!("{}", serde_json::to_string_pretty(&proof)?);
            Ok(())
        }),
        AuditCommand::Show { from, limit } => admin::run(&args.store, async |store| {
            let to = from.saturating_add(*limit);
            let mut stdout = std::io::stdout().lock();
            for record in store.audit().records(*from, to).await? {
                writeln!(stdout, "{}", record.body)?;
            }
            Ok(())
        }),
        AuditCommand::Key { key } => {
            let key_path = match key_path(&args.store, key.as_deref()) {
                Ok(path) => path,
                Err(e) => return super::fail(e.as_ref()),
            };
            admin::run(&args.store, async |store| {
                let origin = store.audit().head().await?.origin;
                let key = load_or_create_key(&key_path, &origin)?;
                println!("{}", key.verifier());
                Ok(())
            })
        }
    }
}

/// The hub's key file: `--key`, or `audit.key` in the data directory.
fn key_path(store: &StoreArgs, key: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(key) = key {
        return Ok(key.to_path_buf());
    }
    let settings = Settings::load(&Overrides {
        config: store.config.clone(),
        data_dir: store.data_dir.clone(),
        ..Overrides::default()
    })?;
    Ok(settings.data_dir.join(KEY_FILE))
}

fn trusted_keys(store: &StoreArgs, files: &[PathBuf]) -> anyhow::Result<Vec<VerifierKey>> {
    let files = if files.is_empty() {
        let hub_key = key_path(store, None)?;
        if !hub_key.exists() {
            anyhow::bail!(
                "no trusted key: {} does not exist; pass --key with the hub's verifier key",
                hub_key.display()
            );
        }
        vec![hub_key]
    } else {
        files.to_vec()
    };
    let mut keys = Vec::new();
    for file in &files {
        keys.extend(read_verifier_keys(file)?);
    }
    if keys.is_empty() {
        anyhow::bail!("no trusted key in {}", files_list(&files));
    }
    Ok(keys)
}

/// The signed checkpoints in `files`: signed notes, or the checkpoint lines of exports. Each
/// must verify with `keys`.
fn kept_checkpoints(files: &[PathBuf], keys: &[VerifierKey]) -> anyhow::Result<Vec<(u64, String)>> {
    let mut kept = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        let notes: Vec<String> = if text.starts_with('{') {
            text.lines()
                .filter_map(|line| {
                    serde_json::from_str::<crate::store::audit::ExportCheckpoint>(line).ok()
                })
                .map(|line| line.checkpoint)
                .collect()
        } else {
            vec![text]
        };
        for note in notes {
            let opened = checkpoint::open(&note, keys)
                .with_context(|| format!("checkpoint in {}", file.display()))?;
            kept.push((opened.size, note));
        }
    }
    Ok(kept)
}

fn files_list(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|f| f.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn report(verdict: Result<Verified, Problem>) -> ExitCode {
    match verdict {
        Ok(verified) => {
            let root: String = verified.root.iter().map(|b| format!("{b:02x}")).collect();
            println!(
                "audit chain verified: {} records, root sha256:{root}, {} checkpoints, signed up \
                 to {} records",
                verified.records, verified.checkpoints, verified.signed_size
            );
            if verified.signed_size < verified.records {
                println!(
                    "note: records {}..{} are chained but not yet covered by a signed checkpoint",
                    verified.signed_size,
                    verified.records - 1
                );
            }
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("accord: audit verify failed: {problem}");
            ExitCode::from(TAMPERED)
        }
    }
}

async fn export(store: &AnyStore, file: &Path, key_path: &Path) -> anyhow::Result<()> {
    let log = store.audit();
    let origin = log.head().await?.origin;
    let key = load_or_create_key(key_path, &origin)?;
    // Every exported record under a signature: the file can be checked on its own.
    log.checkpoint(&key, None).await?;
    let mut out = std::io::BufWriter::new(
        std::fs::File::create(file).with_context(|| format!("cannot create {}", file.display()))?,
    );
    let header = log.export(&mut out).await?;
    out.flush()?;
    drop(out);
    let digest = Sha256::digest(std::fs::read(file)?);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    let mut detail = serde_json::Map::new();
    detail.insert("records".to_owned(), header.size.into());
    detail.insert("file_sha256".to_owned(), format!("sha256:{hex}").into());
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    detail.insert("file_name".to_owned(), name.into());
    let entry = AuditEntry {
        actor: Some(Actor {
            partner: LOCAL_PARTNER.to_owned(),
            auth: Some("cli".to_owned()),
            ..Actor::default()
        }),
        detail: Some(detail),
        ..AuditEntry::new(AuditKind::Export)
    };
    log.append(vec![entry], None).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "exported {} audit records to {} (sha256:{hex})",
        header.size,
        file.display()
    )?;
    Ok(())
}
