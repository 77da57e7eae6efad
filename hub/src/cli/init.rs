//! `accord init --mission mission.yaml`: sets a fresh hub up for a mission — policies, the
//! default label, partners with their attributes, API roots and collections (every partner
//! gets the access the collection declares), and the genesis rule set in force. Policy files
//! named in the mission are read relative to the mission file. Without `init` a hub runs the
//! zero-config mission (one local partner, permissive rules).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use release_rules::Mission;
use serde_json::Value;

use super::admin::{self, StoreArgs};

/// Set up a hub from a mission file.
#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// The mission file (YAML): partners, policies, API roots, collections, genesis rules.
    #[arg(long, value_name = "FILE")]
    pub mission: PathBuf,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// Reads and parses a mission file, with the text of each of its policies in order (files
/// relative to the mission's directory; inline policies as JSON).
pub fn read_mission(path: &Path) -> anyhow::Result<(Mission, Vec<String>)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let mut read_policy = |name: &str| -> Result<String, String> {
        std::fs::read_to_string(dir.join(name)).map_err(|e| e.to_string())
    };
    let mission = Mission::parse(&text, &mut read_policy)
        .with_context(|| format!("mission file {}", path.display()))?;
    // The policies' own texts, stored as loaded: the parsed form has no writer.
    let document: Value = serde_norway::from_str(&text)
        .with_context(|| format!("mission file {}", path.display()))?;
    let mut texts = Vec::new();
    for entry in document
        .get("policies")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        texts.push(match entry {
            Value::String(name) => std::fs::read_to_string(dir.join(name))
                .with_context(|| format!("policy file {name}"))?,
            inline => inline.to_string(),
        });
    }
    Ok((mission, texts))
}

pub fn main(args: &InitArgs) -> ExitCode {
    admin::run(&args.store, async |store| {
        let (mission, texts) = read_mission(&args.mission)?;
        let collections = store.init_mission(&mission, &texts).await?;
        store
            .run_release_jobs(&crate::fanout::jobs::worker_id())
            .await?;
        eprintln!(
            "mission {}: {} partners, {} policies, rule set {} version {} in force",
            mission.header.id,
            mission.partners.len(),
            mission.policies.len(),
            mission.rules.id,
            mission.rules.version
        );
        let mut out = std::io::stdout().lock();
        for (name, id) in collections {
            writeln!(out, "{id}\t{name}")?;
        }
        Ok(())
    })
}
