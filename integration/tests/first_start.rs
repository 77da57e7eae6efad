//! Zero-config first start (DESIGN.md "External interfaces"): without `ACCORD_BOOTSTRAP_TOKEN`
//! the server makes the `local` partner's token, prints it once to stderr and writes it to
//! `<data-dir>/bootstrap.token` with mode 0600; without `ACCORD_DATABASE_URL` it keeps SQLite
//! in the data directory. Restarting changes nothing.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use crate::helpers::{Backend, spawn_app_zero_config};

both_backends!(first_start_makes_and_keeps_the_bootstrap_token);

async fn first_start_makes_and_keeps_the_bootstrap_token(backend: Backend) {
    // Info level: the token is announced in the log.
    let mut app = spawn_app_zero_config(backend, &[("RUST_LOG", "info")]).await;
    let file = app.data_dir().join("bootstrap.token");
    let mode = std::fs::metadata(&file)
        .unwrap_or_else(|e| panic!("{} should exist: {e}", file.display()))
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o777,
        0o600,
        "bootstrap.token is readable by its owner only"
    );
    let token = app.token.clone();
    assert!(
        token.len() >= 43,
        "a 256-bit token, got {} characters",
        token.len()
    );
    if backend == Backend::Sqlite {
        assert!(
            app.data_dir().join("accord.db").exists(),
            "SQLite in the data directory"
        );
    }

    let shared = app.shared().await;
    app.get_objects(&shared, &[]).await.expect(200);
    app.basic("local", &token).discovery().await.expect(200);

    // Printed once, to stderr (give the log reader a moment).
    let mut printed = false;
    for _ in 0..50 {
        if app.logs().contains(&token) {
            printed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        printed,
        "the first start shows the token on stderr:\n{}",
        app.logs()
    );

    app.restart().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        !app.logs().contains(&token),
        "a later start does not show the token again"
    );
    let again = std::fs::read_to_string(&file).unwrap();
    assert_eq!(again.trim(), token, "the token is kept");
    let collection = app.caller().collection(&shared).await.expect(200);
    assert_eq!(
        collection.json()["alias"],
        "shared",
        "the same collection, not a second one"
    );
    let listed = app.caller().collections().await.expect(200);
    assert_eq!(listed.json()["collections"].as_array().unwrap().len(), 1);
}
