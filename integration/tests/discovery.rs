//! Server discovery and API root information (TAXII 2.1 §4.1, §4.2).

use crate::helpers::http::is_taxii;
use crate::helpers::{Backend, TAXII, spawn_app, spawn_app_with};

both_backends!(
    discovery_lists_the_default_api_root,
    api_root_information_gives_versions_and_max_content_length,
    max_content_length_follows_the_configuration,
    unknown_api_root_is_404,
);

async fn discovery_lists_the_default_api_root(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.caller().discovery().await.expect(200);
    assert!(is_taxii(reply.content_type()), "{}", reply.content_type());
    let body = reply.json();
    assert!(
        body["title"].as_str().is_some(),
        "title is required: {}",
        reply.text
    );
    let roots: Vec<&str> = body["api_roots"]
        .as_array()
        .unwrap_or_else(|| panic!("api_roots: {}", reply.text))
        .iter()
        .filter_map(|r| r.as_str())
        .collect();
    assert!(
        roots
            .iter()
            .any(|r| r.trim_end_matches('/').ends_with("/default")),
        "the default API root is listed: {roots:?}"
    );
    if let Some(default) = body["default"].as_str() {
        assert!(
            roots.contains(&default),
            "`default` must be one of `api_roots`"
        );
    }
}

async fn api_root_information_gives_versions_and_max_content_length(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.caller().api_root().await.expect(200);
    assert!(is_taxii(reply.content_type()));
    let body = reply.json();
    assert_eq!(body["title"], "Accord");
    assert!(
        body["versions"]
            .as_array()
            .is_some_and(|v| v.iter().any(|v| v == TAXII)),
        "versions lists TAXII 2.1: {}",
        reply.text
    );
    assert_eq!(body["max_content_length"].as_u64(), Some(104_857_600));
}

async fn max_content_length_follows_the_configuration(backend: Backend) {
    let app = spawn_app_with(backend, &[("ACCORD_MAX_CONTENT_LENGTH", "65536")]).await;
    let reply = app.caller().api_root().await.expect(200);
    assert_eq!(reply.json()["max_content_length"].as_u64(), Some(65536));
}

async fn unknown_api_root_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    app.caller()
        .get("/no-such-root/", &[])
        .await
        .expect_taxii_error(404);
    app.caller()
        .get("/no-such-root/collections/", &[])
        .await
        .expect_taxii_error(404);
}
