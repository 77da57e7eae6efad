//! Settlement through the real `accord` binary, on both backends: partners' key pairs made
//! locally (`partner keygen`), public keys registered (`partner key add`), a rule-set version
//! proposed and attested with the key files (`rules propose|attest|status|show`), then a
//! suspension and a key rotation (`partner propose …`).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

#[path = "test_db/mod.rs"]
mod test_db;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hub::store::{AnyStore, PartnerStatus};
use test_db::{Kind, TestDb};

const MISSION: &str = r#"
mission: {id: cli-settle}
policies: [policies/nato.yaml]
default_label: {policy: NATO, classification: UNCLASSIFIED}
partners:
  - {id: GBR, nation: GBR, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
  - {id: USA, nation: USA, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
  - {id: DEU, nation: DEU, communities: [NATO], clearance: {NATO: SECRET}, role: supporting}
  - {id: OBS, nation: NOR, communities: [NATO], clearance: {NATO: SECRET}, role: observing}
api_roots:
  - name: mission
    title: Mission
    collections:
      - {alias: shared, title: Shared}
rules:
  id: cli/release
  version: 1
  quorum:
    roles: {lead: {weight: 2, veto: true}, supporting: {weight: 1}, observing: {weight: 0}}
    min_weight: 4
    require_roles: {lead: 1}
  rules:
    - {id: base-release, effect: release}
    - id: no-malware-to-observers
      effect: withhold
      scope: {attr: object.type, op: eq, value: malware}
      audience: {attr: subject.role, op: eq, value: observing}
"#;

/// Version 2 without the observer rule (no `base`: the CLI fills it in).
const RULES_V2: &str = "id: cli/release\nversion: 2\nquorum: {roles: {lead: {weight: 2, veto: true}, \
     supporting: {weight: 1}, observing: {weight: 0}}, min_weight: 4, require_roles: {lead: 1}}\n\
     rules: [{id: base-release, effect: release}]\n";

struct Cli {
    dir: PathBuf,
    url: Option<String>,
}

impl Cli {
    fn run(&self, args: &[&str]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_accord"));
        command
            .args(args)
            .arg("--data-dir")
            .arg(self.dir.join("data"));
        match &self.url {
            Some(url) => command.env("ACCORD_DATABASE_URL", url),
            None => command.env_remove("ACCORD_DATABASE_URL"),
        };
        command.output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(
            output.status.success(),
            "accord {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    fn fails(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert!(!output.status.success(), "accord {args:?} succeeded");
        String::from_utf8(output.stderr).unwrap()
    }

    fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    fn attest(&self, n: &str, partner: &str, vote: &[&str]) -> String {
        let key = self.path(&format!("{partner}.key"));
        let mut args = vec!["rules", "attest", n, "--as", partner, "--key", &key];
        args.extend_from_slice(vote);
        let output = self.run(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stderr).unwrap()
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn settlement_through_the_command_line(kind: Kind) {
    let db = TestDb::fresh(kind).await;
    let dir = std::env::temp_dir().join(format!(
        "accord-settle-cli-{}",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    std::fs::write(dir.join("mission.yaml"), MISSION).unwrap();
    std::fs::write(
        dir.join("policies/nato.yaml"),
        release_rules::policy::NATO_EXAMPLE_YAML,
    )
    .unwrap();
    std::fs::write(dir.join("rules-v2.yaml"), RULES_V2).unwrap();
    let url = match kind {
        Kind::Sqlite => format!("sqlite://{}", dir.join("data/accord.db").display()),
        Kind::Postgres => db.url.clone(),
    };
    let cli = Cli {
        dir: dir.clone(),
        url: (kind == Kind::Postgres).then(|| db.url.clone()),
    };
    cli.ok(&["init", "--mission", &cli.path("mission.yaml")]);

    // Each partner makes its key pair locally; the hub gets the public half only.
    for partner in ["GBR", "USA", "DEU", "OBS"] {
        let key = cli.path(&format!("{partner}.key"));
        let public = cli.ok(&["partner", "keygen", "--out", &key]);
        assert!(public.starts_with("ed25519:"), "{public}");
        assert_eq!(mode(Path::new(&key)), 0o600);
        cli.ok(&["partner", "key", "add", partner, &format!("{key}.pub")]);
    }
    let listed = cli.ok(&["partner", "key", "list"]);
    assert_eq!(listed.lines().count(), 4, "{listed}");
    // A second key comes only by settled rotation.
    cli.ok(&["partner", "keygen", "--out", &cli.path("GBR2.key")]);
    let refused = cli.fails(&["partner", "key", "add", "GBR", &cli.path("GBR2.key.pub")]);
    assert!(refused.contains("rotate-key"), "{refused}");

    // Rule set 2, proposed by GBR; DEU dissents (no veto), two leads settle it.
    let n = cli.ok(&[
        "rules",
        "propose",
        &cli.path("rules-v2.yaml"),
        "--as",
        "GBR",
        "--key",
        &cli.path("GBR.key"),
    ]);
    let n = n.trim();
    cli.attest(n, "GBR", &["--approve"]);
    cli.attest(n, "DEU", &["--dissent", "observers should not get malware"]);
    let status = cli.ok(&["rules", "status", n]);
    assert!(status.contains(": pending"), "{status}");
    assert!(status.contains("not heard: OBS, USA"), "{status}");
    // Signed with another partner's key: refused, saying which key.
    let wrong = cli.fails(&[
        "rules",
        "attest",
        n,
        "--as",
        "USA",
        "--key",
        &cli.path("OBS.key"),
        "--approve",
    ]);
    assert!(
        wrong.contains("USA") && wrong.contains("unknown key"),
        "{wrong}"
    );
    let settled = cli.attest(n, "USA", &["--approve"]);
    assert!(settled.contains("settled"), "{settled}");
    let status = cli.ok(&["rules", "status", n]);
    assert!(status.contains("weight for: 4, against: 1"), "{status}");
    assert!(status.contains("not heard: OBS"), "{status}");
    assert!(
        status.contains("effect: applied (rule set version 2)"),
        "{status}"
    );
    let shown: serde_json::Value = serde_json::from_str(&cli.ok(&["rules", "show", n])).unwrap();
    assert_eq!(shown["outcome"], "settled");
    assert!(
        shown["record"]["attestations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["reason"] == "observers should not get malware")
    );
    let store = AnyStore::open(&url).await.unwrap();
    assert_eq!(store.settlement_base(0).await.unwrap().0.version, 2);

    // Suspension of DEU, proposed by USA, settled by the two leads.
    let s = cli.ok(&[
        "partner",
        "propose",
        "suspend",
        "DEU",
        "--as",
        "USA",
        "--key",
        &cli.path("USA.key"),
    ]);
    let s = s.trim();
    cli.attest(s, "GBR", &["--approve"]);
    cli.attest(s, "USA", &["--approve"]);
    let deu = store
        .list_partners()
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.id == "DEU")
        .unwrap();
    assert_eq!(deu.status, PartnerStatus::Suspended);

    // GBR rotates its key: signed with the old and the new key.
    let r = cli.ok(&[
        "partner",
        "propose",
        "rotate-key",
        "GBR",
        "--add",
        &cli.path("GBR2.key.pub"),
        "--retire",
        &cli.path("GBR.key.pub"),
        "--as",
        "GBR",
        "--key",
        &cli.path("GBR.key"),
    ]);
    let r = r.trim();
    cli.ok(&[
        "rules",
        "attest",
        r,
        "--as",
        "GBR",
        "--key",
        &cli.path("GBR.key"),
        "--key",
        &cli.path("GBR2.key"),
        "--approve",
    ]);
    cli.attest(r, "USA", &["--approve"]);
    assert!(cli.ok(&["rules", "status", r]).contains(": settled"));
    let keys = cli.ok(&["partner", "key", "list", "GBR"]);
    let lines: Vec<&str> = keys.lines().collect();
    assert_eq!(lines.len(), 2, "{keys}");
    assert!(!lines[0].contains("\t-\t"), "old key retired: {keys}");
    assert!(lines[1].ends_with(&format!("proposal:{r}")), "{keys}");
    let proposals = cli.ok(&["rules", "proposals"]);
    assert_eq!(proposals.lines().count(), 3, "{proposals}");
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn sqlite_settlement_through_the_command_line() {
    settlement_through_the_command_line(Kind::Sqlite).await;
}

#[tokio::test]
async fn postgres_settlement_through_the_command_line() {
    settlement_through_the_command_line(Kind::Postgres).await;
}
