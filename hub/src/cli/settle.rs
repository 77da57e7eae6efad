//! Settlement from the command line: `accord rules propose|attest|status|show|proposals` and
//! `accord partner propose join|role|suspend|leave|rotate-key`. The partner's tooling side:
//! each statement is built from what the hub holds, signed here with the partner's key file,
//! and stored through the same checks as the admin API (the hub verifies every signature
//! against the registered keys).

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use release_rules::RuleSet;
use release_rules::settlement::{
    Attestation, Change, MembershipChange, PartnerKey, Proposal, Vote,
};
use serde_json::Value;

use super::keys;
use crate::store::settlement::{ProposalView, instant};
use crate::store::{AnyStore, system_clock};

/// Who signs, with which key files.
#[derive(Debug, Clone, Args)]
pub struct Signer {
    /// The partner making the statement.
    #[arg(long = "as", id = "as", value_name = "PARTNER")]
    pub partner: String,
    /// The partner's key file (repeat: a key rotation's subject signs with every new key too).
    #[arg(long = "key", id = "key", value_name = "KEYFILE", required = true)]
    pub keys: Vec<PathBuf>,
}

impl Signer {
    fn read(&self) -> anyhow::Result<Vec<PartnerKey>> {
        self.keys.iter().map(|k| keys::read_key(k)).collect()
    }
}

/// The decision of an attestation: exactly one.
#[derive(Debug, Clone, Args)]
#[group(required = true, multiple = false)]
pub struct VoteArgs {
    #[arg(long)]
    pub approve: bool,
    /// Dissent, with the reason (signed as its SHA-256).
    #[arg(long, value_name = "REASON")]
    pub dissent: Option<String>,
    #[arg(long)]
    pub abstain: bool,
    /// "I have seen it": heard, counts neither way.
    #[arg(long)]
    pub acknowledge: bool,
}

/// `accord rules …` settlement verbs.
#[derive(Debug, Clone, Subcommand)]
pub enum SettleCommand {
    /// Propose the next rule-set version (YAML or JSON; `base` is filled in when absent).
    Propose {
        #[arg(value_name = "FILE")]
        file: PathBuf,
        #[command(flatten)]
        signer: Signer,
    },
    /// Approve, dissent, abstain or acknowledge proposal N, signed with the key file.
    Attest {
        #[arg(value_name = "N")]
        id: i64,
        #[command(flatten)]
        signer: Signer,
        #[command(flatten)]
        vote: VoteArgs,
    },
    /// The state of proposal N: outcome, weights, who attested, who was not heard.
    Status {
        #[arg(value_name = "N")]
        id: i64,
    },
    /// Proposal N in full (JSON): the signed proposal and its settlement record.
    Show {
        #[arg(value_name = "N")]
        id: i64,
    },
    /// Every proposal, newest first: number, kind, by, outcome, deadline.
    Proposals,
}

/// `accord partner propose …`.
#[derive(Debug, Clone, Subcommand)]
pub enum MembershipCommand {
    /// Admit a partner with its role and authority key(s).
    Join {
        partner: String,
        #[arg(long)]
        role: String,
        /// `ed25519:…` or a `.pub` file (repeat for several).
        #[arg(long = "pubkey", required = true)]
        keys: Vec<String>,
        #[command(flatten)]
        signer: Signer,
    },
    /// Change a partner's role.
    Role {
        partner: String,
        role: String,
        #[command(flatten)]
        signer: Signer,
    },
    /// Suspend a partner: it sees nothing and does not vote.
    Suspend {
        partner: String,
        #[command(flatten)]
        signer: Signer,
    },
    /// A partner leaves: its keys are retired at settlement.
    Leave {
        partner: String,
        #[command(flatten)]
        signer: Signer,
    },
    /// New authority keys for a partner, and keys it retires.
    RotateKey {
        partner: String,
        #[arg(long = "add", required = true)]
        add: Vec<String>,
        #[arg(long = "retire")]
        retire: Vec<String>,
        #[command(flatten)]
        signer: Signer,
    },
}

fn now() -> i64 {
    (system_clock())()
}

/// Builds, signs and stores a proposal; prints its number.
async fn propose(store: &AnyStore, change: Change, signer: &Signer) -> anyhow::Result<()> {
    let keys = signer.read()?;
    let key = keys.first().context("a key file is required")?;
    let at = now();
    let (in_force, membership) = store.settlement_base(at).await?;
    let proposal = Proposal::new(
        &in_force,
        membership.epoch,
        &signer.partner,
        instant(at),
        change,
    )?;
    let signature = proposal.signed_by(key);
    let id = store
        .submit_proposal(&proposal.to_json(), &signature, "cli", at)
        .await?;
    let view = store.proposal_view(id, now()).await?;
    eprintln!(
        "proposal {id} ({}) by {}: {}, deadline {}",
        view.kind, view.by, view.outcome, view.deadline
    );
    println!("{id}");
    Ok(())
}

/// The rule-set document of FILE, with `base` set to the version in force when absent.
fn next_rules(text: &str, in_force: &RuleSet) -> anyhow::Result<RuleSet> {
    let mut doc: Value = serde_norway::from_str(text).context("rule set")?;
    if let Some(map) = doc.as_object_mut() {
        map.entry("base").or_insert_with(
            || serde_json::json!({"version": in_force.version, "digest": in_force.digest()}),
        );
    }
    Ok(RuleSet::from_value(doc)?)
}

pub async fn run(store: &AnyStore, command: &SettleCommand) -> anyhow::Result<()> {
    match command {
        SettleCommand::Propose { file, signer } => {
            let text = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let (in_force, _) = store.settlement_base(now()).await?;
            let next = next_rules(&text, &in_force)?;
            propose(store, Change::RuleSet(Box::new(next)), signer).await
        }
        SettleCommand::Attest { id, signer, vote } => {
            let view = store.proposal_view(*id, now()).await?;
            let proposal = Proposal::from_json(&view.proposal)?;
            let (decision, reason) = match vote {
                VoteArgs { approve: true, .. } => (Vote::Approve, None),
                VoteArgs {
                    dissent: Some(r), ..
                } => (Vote::Dissent, Some(r.as_str())),
                VoteArgs { abstain: true, .. } => (Vote::Abstain, None),
                _ => (Vote::Acknowledge, None),
            };
            let at = now();
            let mut attestation =
                Attestation::new(&proposal, &signer.partner, decision, reason, instant(at))?;
            for key in signer.read()? {
                attestation = attestation.signed_by(&key);
            }
            let view = store
                .submit_attestation(*id, &attestation, "cli", at)
                .await?;
            eprintln!(
                "proposal {id}: {} by {} recorded; {}",
                decision.as_str(),
                signer.partner,
                view.outcome
            );
            Ok(())
        }
        SettleCommand::Status { id } => {
            let view = store.proposal_view(*id, now()).await?;
            print_status(&view)?;
            Ok(())
        }
        SettleCommand::Show { id } => {
            let view = store.proposal_view(*id, now()).await?;
            println!("{}", serde_json::to_string_pretty(&view)?);
            Ok(())
        }
        SettleCommand::Proposals => {
            let mut out = std::io::stdout().lock();
            for v in store.proposal_views(now()).await? {
                writeln!(
                    out,
                    "{}\t{}\t{}\t{}\t{}",
                    v.id, v.kind, v.by, v.outcome, v.deadline
                )?;
            }
            Ok(())
        }
    }
}

pub async fn run_membership(store: &AnyStore, command: &MembershipCommand) -> anyhow::Result<()> {
    let parse_keys = |texts: &[String]| -> anyhow::Result<Vec<_>> {
        texts.iter().map(|t| keys::public_key(t)).collect()
    };
    let (change, signer) = match command {
        MembershipCommand::Join {
            partner,
            role,
            keys,
            signer,
        } => (
            MembershipChange::Join {
                partner: partner.clone(),
                role: role.clone(),
                keys: parse_keys(keys)?,
            },
            signer,
        ),
        MembershipCommand::Role {
            partner,
            role,
            signer,
        } => (
            MembershipChange::RoleChange {
                partner: partner.clone(),
                role: role.clone(),
            },
            signer,
        ),
        MembershipCommand::Suspend { partner, signer } => (
            MembershipChange::Suspension {
                partner: partner.clone(),
            },
            signer,
        ),
        MembershipCommand::Leave { partner, signer } => (
            MembershipChange::Departure {
                partner: partner.clone(),
            },
            signer,
        ),
        MembershipCommand::RotateKey {
            partner,
            add,
            retire,
            signer,
        } => (
            MembershipChange::KeyRotation {
                partner: partner.clone(),
                add: parse_keys(add)?,
                retire: parse_keys(retire)?,
            },
            signer,
        ),
    };
    propose(store, Change::Membership(change), signer).await
}

/// The human summary of a proposal.
fn print_status(view: &ProposalView) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let r = &view.record;
    let text = |key: &str| r.get(key).map(Value::to_string).unwrap_or_default();
    writeln!(
        out,
        "proposal {} ({}) by {}: {}",
        view.id, view.kind, view.by, view.outcome
    )?;
    writeln!(out, "deadline: {}", view.deadline)?;
    writeln!(
        out,
        "weight for: {}, against: {}",
        text("weight_for"),
        text("weight_against")
    )?;
    if let Some(rejection) = r.get("rejection") {
        writeln!(out, "rejection: {rejection}")?;
    }
    for a in r
        .get("attestations")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        writeln!(
            out,
            "attested: {} {} at {}{}",
            a.get("partner").and_then(Value::as_str).unwrap_or(""),
            a.get("decision").and_then(Value::as_str).unwrap_or(""),
            a.get("at").and_then(Value::as_str).unwrap_or(""),
            a.get("reason")
                .and_then(Value::as_str)
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        )?;
    }
    let not_heard: Vec<&str> = r
        .get("not_heard")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    writeln!(out, "not heard: {}", not_heard.join(", "))?;
    for e in &view.effects {
        writeln!(
            out,
            "effect: {}{} at {}",
            e.kind,
            e.version
                .map(|v| format!(" (rule set version {v})"))
                .unwrap_or_default(),
            e.at
        )?;
    }
    Ok(())
}
