//! Object versions (TAXII 2.1 §5.8): every version of one object, oldest first, paged.

use crate::helpers::http::is_taxii;
use crate::helpers::stix::{self, indicator_version, version};
use crate::helpers::{Backend, TestApp, spawn_app};

both_backends!(
    versions_are_listed_oldest_first,
    versions_page_with_limit_and_next,
    versions_honour_added_after_and_spec_version,
    versions_of_an_unknown_object_is_404,
);

/// Posts versions 1..=n of one indicator, one envelope each (so date added follows version).
async fn posted_versions(app: &TestApp, collection: &str, n: u32) -> String {
    let id = stix::new_id("indicator");
    for v in 1..=n {
        app.add(collection, &[indicator_version(&id, v)]).await;
    }
    id
}

fn listed(reply: &crate::helpers::Reply) -> Vec<String> {
    reply.json()["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("a versions resource: {}", reply.text))
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

async fn versions_are_listed_oldest_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = posted_versions(&app, &shared, 3).await;
    let reply = app.versions(&shared, &id, &[]).await.expect(200);
    assert!(is_taxii(reply.content_type()));
    assert_eq!(listed(&reply), vec![version(1), version(2), version(3)]);
    assert!(!reply.more());
}

async fn versions_page_with_limit_and_next(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = posted_versions(&app, &shared, 5).await;
    let first = app
        .versions(&shared, &id, &[("limit", "2")])
        .await
        .expect(200);
    assert_eq!(listed(&first), vec![version(1), version(2)]);
    assert!(first.more());
    let next = first.next().unwrap();
    let second = app
        .versions(&shared, &id, &[("limit", "2"), ("next", &next)])
        .await
        .expect(200);
    assert_eq!(listed(&second), vec![version(3), version(4)]);
    assert!(second.more());
    let next = second.next().unwrap();
    let third = app
        .versions(&shared, &id, &[("limit", "2"), ("next", &next)])
        .await
        .expect(200);
    assert_eq!(listed(&third), vec![version(5)]);
    assert!(!third.more(), "`more` is exact: {}", third.text);
}

async fn versions_honour_added_after_and_spec_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = posted_versions(&app, &shared, 3).await;
    let manifest = app
        .manifest(&shared, &[("match[id]", &id), ("match[version]", "all")])
        .await
        .expect(200);
    let added: Vec<String> = manifest
        .objects()
        .iter()
        .map(|m| m["date_added"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(added.len(), 3, "{}", manifest.text);
    let reply = app
        .versions(&shared, &id, &[("added_after", &added[0])])
        .await
        .expect(200);
    assert_eq!(listed(&reply), vec![version(2), version(3)]);
    let reply = app
        .versions(&shared, &id, &[("match[spec_version]", "2.1")])
        .await
        .expect(200);
    assert_eq!(listed(&reply), vec![version(1), version(2), version(3)]);
}

async fn versions_of_an_unknown_object_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    app.versions(&shared, &stix::new_id("indicator"), &[])
        .await
        .expect_taxii_error(404);
}
