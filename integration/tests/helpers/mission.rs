//! Servers set up from a mission file: `accord init --mission FILE` on a fresh database, then
//! `accord serve` on it, with a bearer token for every partner the mission declares.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use super::{Backend, Database, Site, TestApp, random_token};

/// A server running a mission, and what `accord init` made of it.
pub struct MissionApp {
    pub app: TestApp,
    /// Partner id → a bearer token of that partner.
    pub tokens: BTreeMap<String, String>,
    /// `api-root/alias` (as `accord init` prints it) → collection id.
    pub collections: BTreeMap<String, String>,
}

impl MissionApp {
    /// The bearer token of `partner`.
    pub fn token(&self, partner: &str) -> &str {
        self.tokens
            .get(partner)
            .unwrap_or_else(|| panic!("no token for partner {partner}"))
    }

    /// The id of the collection `api-root/alias`.
    pub fn collection(&self, name: &str) -> &str {
        self.collections
            .get(name)
            .unwrap_or_else(|| panic!("`accord init` made no collection {name}"))
    }
}

/// Starts a server set up from `mission` (a path; its policy files are read relative to it),
/// with one token for each partner in `partners`.
pub async fn spawn_mission(backend: Backend, mission: &Path, partners: &[&str]) -> MissionApp {
    let root = tempfile::Builder::new()
        .prefix("accord-it-mission-")
        .tempdir()
        .expect("a temporary directory");
    let database = match backend {
        Backend::Sqlite => Database {
            url: Some(format!(
                "sqlite://{}",
                root.path().join("accord.db").display()
            )),
            postgres: None,
        },
        Backend::Postgres => Database::create_postgres().await,
    };
    let site = Arc::new(Site {
        database,
        token: Some(random_token()),
        env: Vec::new(),
        root,
        processes: AtomicUsize::new(0),
    });
    // `init` before the first `serve`: a server that started first would have made the
    // zero-config hub, and `init` refuses a hub that holds objects.
    let init_dir = site.data_dir();
    let mut init = tokio::process::Command::from(site.command(&init_dir));
    init.arg("init")
        .arg("--mission")
        .arg(mission)
        .stdin(Stdio::null());
    let output = init
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run accord init: {e}"));
    assert!(
        output.status.success(),
        "accord init --mission {} failed ({}):\n{}",
        mission.display(),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let collections = String::from_utf8(output.stdout)
        .expect("UTF-8 output")
        .lines()
        .filter_map(|line| {
            let (id, name) = line.split_once('\t')?;
            Some((name.trim().to_owned(), id.trim().to_owned()))
        })
        .collect();
    let app = TestApp::start(site).await;
    // One `accord token create` per partner, all at once (each opens the store).
    let mut children = Vec::new();
    for partner in partners {
        let mut cmd = tokio::process::Command::from(app.site.command(&app.data_dir));
        cmd.args(["token", "create", "--partner", partner])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run accord token create: {e}"));
        children.push((*partner, child));
    }
    let mut tokens = BTreeMap::new();
    for (partner, child) in children {
        let output = child
            .wait_with_output()
            .await
            .unwrap_or_else(|e| panic!("accord token create --partner {partner}: {e}"));
        assert!(
            output.status.success(),
            "accord token create --partner {partner} failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let token = String::from_utf8(output.stdout).expect("UTF-8 output");
        tokens.insert(partner.to_owned(), token.trim().to_owned());
    }
    MissionApp {
        app,
        tokens,
        collections,
    }
}
