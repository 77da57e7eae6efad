//! The release verbs of the real `accord` binary on a SQLite data directory: `init --mission`
//! (policy files relative to the mission file, the zero-config `local` suspended), `partner
//! set`, `rules load` (returns once the rule set is in force) and `explain`.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hub::store::{AnyStore, PartnerStatus};
use serde_json::json;
use taxii::store::{AuthMethod, NewObject, Principal, Store, Submission};

fn accord(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .arg("--data-dir")
        .arg(dir)
        .env_remove("ACCORD_DATABASE_URL")
        .output()
        .unwrap()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).unwrap()
}

const MISSION: &str = r#"
mission: {id: cli-mission}
policies:
  - policies/nato.yaml
default_label: {policy: NATO, classification: UNCLASSIFIED}
partners:
  - {id: GBR, nation: GBR, communities: [NATO], clearance: {NATO: SECRET}, role: lead}
  - {id: OBS, nation: NOR, communities: [NATO], clearance: {NATO: SECRET}, role: observing}
api_roots:
  - name: mission
    title: Mission
    collections:
      - {alias: shared, title: Shared}
rules:
  id: cli/release
  version: 1
  rules:
    - {id: base-release, effect: release}
    - id: no-malware-to-observers
      effect: withhold
      scope: {attr: object.type, op: eq, value: malware}
      audience: {attr: subject.role, op: eq, value: observing}
"#;

const RULES_V2: &str =
    "id: cli/release\nversion: 2\nrules: [{id: base-release, effect: release}]\n";

fn setup() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("accord-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(dir.join("mission/policies")).unwrap();
    std::fs::write(dir.join("mission/mission.yaml"), MISSION).unwrap();
    std::fs::write(
        dir.join("mission/policies/nato.yaml"),
        release_rules::policy::NATO_EXAMPLE_YAML,
    )
    .unwrap();
    std::fs::write(dir.join("mission/rules-v2.yaml"), RULES_V2).unwrap();
    dir
}

fn malware(id: &str) -> NewObject {
    let raw = json!({
        "type": "malware", "spec_version": "2.1", "id": id,
        "created": "2025-01-01T00:00:00.000Z", "modified": "2025-01-01T00:00:00.000Z",
        "name": "dropper", "is_family": false
    })
    .to_string();
    let instant = stix_model::timestamp::Instant {
        seconds: 1_735_689_600,
        nanos: 0,
    };
    NewObject {
        id: id.to_owned(),
        type_name: "malware".to_owned(),
        version: Some(("2025-01-01T00:00:00.000Z".to_owned(), instant)),
        spec_version: "2.1".to_owned(),
        content_hash: [7; 32],
        raw: serde_json::value::RawValue::from_string(raw).unwrap(),
    }
}

fn principal(partner: &str) -> Principal {
    Principal {
        partner_id: partner.to_owned(),
        credential_id: "c".to_owned(),
        method: AuthMethod::Bearer,
    }
}

#[tokio::test]
async fn init_partner_set_rules_load_and_explain() {
    let dir = setup();
    let data = dir.join("data");
    let out = ok(&accord(
        &data,
        &[
            "init",
            "--mission",
            dir.join("mission/mission.yaml").to_str().unwrap(),
        ],
    ));
    assert!(out.trim().ends_with("mission/shared"), "{out}");

    let url = format!("sqlite://{}", data.join("accord.db").display());
    let store = AnyStore::open(&url).await.unwrap();
    // No zero-config partner in a mission hub, not even after a first start.
    assert!(store.bootstrap([1; 32]).await.is_ok_and(|created| !created));
    let partners = store.list_partners().await.unwrap();
    assert!(
        partners
            .iter()
            .all(|p| p.id != "local" || p.status == PartnerStatus::Suspended)
    );
    assert!(
        partners
            .iter()
            .any(|p| p.id == "GBR" && p.status == PartnerStatus::Active)
    );
    let collection = store.find_collection("shared").await.unwrap();
    let id = format!("malware--{}", uuid::Uuid::new_v4());
    store
        .submit(vec![Submission {
            status_id: taxii::StatusId::from_uuid(uuid::Uuid::new_v4()),
            api_root: collection.api_root.clone(),
            collection: collection.id,
            submitter: principal("GBR"),
            objects: vec![malware(&id)],
            refused: Vec::new(),
        }])
        .await
        .unwrap();
    let everything = taxii::query::ObjectQuery {
        added_after: None,
        after: None,
        limit: 10,
        ids: Vec::new(),
        types: Vec::new(),
        versions: taxii::query::VersionFilter::all(),
        spec_versions: Vec::new(),
    };
    let seen = |partner: &'static str| {
        let store = store.clone();
        let query = everything.clone();
        async move {
            store
                .objects(collection.id, &principal(partner), &query)
                .await
                .unwrap()
                .items
                .len()
        }
    };
    assert_eq!(seen("OBS").await, 0);

    let explained = ok(&accord(
        &data,
        &["explain", "--object", &id, "--partner", "OBS"],
    ));
    assert!(
        explained.contains("withhold: rule no-malware-to-observers"),
        "{explained}"
    );

    // OBS stops being an observer: the rule no longer reaches it.
    ok(&accord(
        &data,
        &["partner", "set", "OBS", "--role", "supporting"],
    ));
    assert_eq!(seen("OBS").await, 1);
    ok(&accord(
        &data,
        &["partner", "set", "OBS", "--role", "observing"],
    ));
    assert_eq!(seen("OBS").await, 0);

    // Rule set 2 drops the rule; in force when the command returns.
    let loaded = accord(
        &data,
        &[
            "rules",
            "load",
            dir.join("mission/rules-v2.yaml").to_str().unwrap(),
        ],
    );
    ok(&loaded);
    assert!(String::from_utf8_lossy(&loaded.stderr).contains("version 2 in force"));
    assert_eq!(seen("OBS").await, 1);
    // An older version is refused.
    assert!(
        !accord(
            &data,
            &[
                "rules",
                "load",
                dir.join("mission/rules-v2.yaml").to_str().unwrap()
            ]
        )
        .status
        .success()
    );
    let explained = ok(&accord(
        &data,
        &["explain", "--object", &id, "--partner", "OBS"],
    ));
    assert!(
        explained.contains("rule set version 2: release: rule base-release"),
        "{explained}"
    );
    store.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
