//! A real client: the OASIS `taxii2-client` (2.3.0, `taxii2client.v21`) lists the collections,
//! adds an envelope, pages through thousands of objects with `as_pages`, and reads versions and
//! the manifest (`integration/python/test_taxii2client.py`), against the running binary.

use std::path::Path;

use serde_json::Value;

use crate::helpers::stix;
use crate::helpers::{Backend, spawn_app};

both_backends!(taxii2client_lists_adds_pages_and_reads_versions);

const PRELOADED: usize = 3_000;

async fn taxii2client_lists_adds_pages_and_reads_versions(backend: Backend) {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = workspace.join(".venv/bin/python");
    if !python.exists() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{} is missing; .ci/run creates it with taxii2-client==2.3.0",
            python.display()
        );
        eprintln!(
            "SKIPPED taxii2client test: {} is missing (create it as .ci/run does)",
            python.display()
        );
        return;
    }
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for _ in 0..(PRELOADED / 500) {
        let objects: Vec<Value> = (0..500).map(|_| stix::indicator_1k()).collect();
        app.add(&shared, &objects).await;
    }
    let script = workspace.join("integration/python/test_taxii2client.py");
    let output = tokio::process::Command::new(&python)
        .arg(&script)
        .env("ACCORD_URL", &app.address)
        .env("ACCORD_TOKEN", &app.token)
        .env("ACCORD_PRELOADED", PRELOADED.to_string())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "taxii2client test failed ({}):\n{stdout}\n{stderr}",
        output.status
    );
    assert!(stdout.contains("all checks passed"), "{stdout}");
}
