//! `accord serve`: the TAXII 2.1 server. After binding it prints exactly one line,
//! `accord listening on http://ADDR` (or `https://…`), to standard output; logs go to standard
//! error.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::config::{Overrides, Settings};
use crate::server::Application;
use crate::telemetry;

/// Serve TAXII 2.1 (plain HTTP on loopback; HTTPS when [tls] is configured).
#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Configuration file (TOML).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Data directory (SQLite database, bootstrap token).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Allow plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    #[arg(long)]
    pub insecure: bool,
}

pub fn main(args: &ServeArgs) -> ExitCode {
    let overrides = Overrides {
        config: args.config.clone(),
        listen: args.listen,
        data_dir: args.data_dir.clone(),
        insecure: args.insecure,
    };
    let settings = match Settings::load(&overrides) {
        Ok(settings) => settings,
        Err(e) => return super::fail(&e),
    };
    telemetry::init(settings.log_format);
    let result = actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings).await?;
        tracing::info!(url = %app.url(), "listening");
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "accord listening on {}", app.url())?;
        stdout.flush()?;
        drop(stdout);
        app.run_until_stopped().await?;
        anyhow::Ok(())
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(e.as_ref()),
    }
}
