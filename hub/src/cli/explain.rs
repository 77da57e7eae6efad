//! `accord explain --object ID --partner P`: for every stored version of an object, whether
//! the partner gets it and why — the rule or baseline clause that decided, under the rule set
//! in force (and a pending one), from when (embargo), what is redacted, which referenced
//! objects withhold it (closure), and whether it is in the partner's view now.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Args;

use super::admin::{self, StoreArgs, timestamp};
use crate::fanout::view::ALWAYS;
use crate::store::Explanation;

/// Explain a release decision.
#[derive(Debug, Clone, Args)]
pub struct ExplainArgs {
    /// The STIX id of the object.
    #[arg(long, value_name = "ID")]
    pub object: String,
    /// The partner the decision is for.
    #[arg(long, value_name = "PARTNER")]
    pub partner: String,
    #[command(flatten)]
    pub store: StoreArgs,
}

/// The explanation of one version as lines of text.
pub fn render(object: &str, partner: &str, e: &Explanation) -> Vec<String> {
    let mut lines = vec![format!(
        "{object} version {}{} in collection {} (submitted by {} at {}): {} for {partner}",
        e.version,
        if e.variant > 0 {
            format!(" (variant {})", e.variant)
        } else {
            String::new()
        },
        e.collection,
        e.submitter.as_deref().unwrap_or("(unknown)"),
        timestamp(e.received_at),
        if e.in_view {
            "in the view"
        } else {
            "not in the view"
        },
    )];
    for (version, explained) in &e.rule_sets {
        let decision = match &explained.decision {
            Some(d) => d.to_string(),
            None => "withhold: its label no longer checks against the loaded policies".to_owned(),
        };
        let from = match explained.visible_from {
            Some(ALWAYS) => "visible since receipt".to_owned(),
            Some(micros) => format!("visible from {}", timestamp(micros)),
            None => "never visible under this rule set".to_owned(),
        };
        lines.push(format!("  rule set version {version}: {decision}; {from}"));
    }
    if !e.withheld_refs.is_empty() {
        lines.push(format!(
            "  withheld by closure: references {}",
            e.withheld_refs.join(", ")
        ));
    }
    lines
}

pub fn main(args: &ExplainArgs) -> ExitCode {
    admin::run(&args.store, async |store| {
        let explanations = store.explain(&args.object, &args.partner).await?;
        if explanations.is_empty() {
            anyhow::bail!("no object {} is stored", args.object);
        }
        let mut out = std::io::stdout().lock();
        for e in &explanations {
            for line in render(&args.object, &args.partner, e) {
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    })
}
