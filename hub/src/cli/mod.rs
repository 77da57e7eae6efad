//! The `accord` command line: one subcommand per verb, each in its own module.

mod admin;
pub mod audit;
pub mod collection;
pub mod explain;
pub mod grant;
pub mod init;
pub mod keys;
pub mod partner;
mod partner_set;
pub mod rules;
pub mod serve;
pub mod settle;
pub mod token;
pub mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Accord: a CTI federation hub for STIX 2.1 over TAXII 2.1.
#[derive(Debug, Parser)]
#[command(name = "accord", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Serve(serve::ServeArgs),
    Validate(validate::ValidateArgs),
    Partner(partner::PartnerArgs),
    Collection(collection::CollectionArgs),
    Grant(grant::GrantArgs),
    Token(token::TokenArgs),
    Init(init::InitArgs),
    Rules(rules::RulesArgs),
    Explain(explain::ExplainArgs),
    Audit(audit::AuditArgs),
}

/// Parses the command line and runs the command; what `main` returns.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve::main(&args),
        Command::Validate(args) => validate::main(&args),
        Command::Partner(args) => partner::main(&args),
        Command::Collection(args) => collection::main(&args),
        Command::Grant(args) => grant::main(&args),
        Command::Token(args) => token::main(&args),
        Command::Init(args) => init::main(&args),
        Command::Rules(args) => rules::main(&args),
        Command::Explain(args) => explain::main(&args),
        Command::Audit(args) => audit::main(&args),
    }
}

/// Reports a failed command on standard error with its causes; exit status 1.
fn fail(error: &(dyn std::error::Error + 'static)) -> ExitCode {
    let mut text = format!("accord: error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    eprintln!("{text}");
    ExitCode::FAILURE
}
