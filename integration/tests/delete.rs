//! Deleting an object (TAXII 2.1 §5.7): without a version filter every version goes; with
//! `match[version]` only the versions it selects.

use crate::helpers::stix::{self, indicator, indicator_version, version};
use crate::helpers::{Backend, TestApp, spawn_app};

both_backends!(
    delete_without_version_filter_removes_every_version,
    delete_with_match_version_removes_only_those_versions,
    delete_with_match_version_first_and_last,
    delete_of_an_unknown_object_is_404,
    delete_needs_write_access,
);

async fn three_versions(app: &TestApp, collection: &str) -> String {
    let id = stix::new_id("indicator");
    let versions: Vec<_> = (1..=3).map(|n| indicator_version(&id, n)).collect();
    app.add(collection, &versions).await;
    id
}

async fn remaining_versions(app: &TestApp, collection: &str, id: &str) -> Vec<String> {
    let reply = app.versions(collection, id, &[]).await;
    if reply.status == 404 {
        return Vec::new();
    }
    reply.expect(200).json()["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

async fn delete_without_version_filter_removes_every_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = three_versions(&app, &shared).await;
    let other = indicator();
    app.add(&shared, &[other.clone()]).await;

    app.delete_object(&shared, &id, &[]).await.expect(200);
    app.get_object(&shared, &id, &[])
        .await
        .expect_taxii_error(404);
    app.versions(&shared, &id, &[])
        .await
        .expect_taxii_error(404);
    let all = app
        .get_objects(&shared, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(all.objects(), vec![other], "only the other object is left");
    let manifest = app
        .manifest(&shared, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(manifest.ids(), stix::ids(&all.objects()));
}

async fn delete_with_match_version_removes_only_those_versions(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = three_versions(&app, &shared).await;
    app.delete_object(&shared, &id, &[("match[version]", &version(2))])
        .await
        .expect(200);
    assert_eq!(
        remaining_versions(&app, &shared, &id).await,
        vec![version(1), version(3)]
    );

    // A comma list deletes each listed version.
    let id = three_versions(&app, &shared).await;
    let list = format!("{},{}", version(1), version(3));
    app.delete_object(&shared, &id, &[("match[version]", &list)])
        .await
        .expect(200);
    assert_eq!(
        remaining_versions(&app, &shared, &id).await,
        vec![version(2)]
    );
}

async fn delete_with_match_version_first_and_last(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = three_versions(&app, &shared).await;
    app.delete_object(&shared, &id, &[("match[version]", "last")])
        .await
        .expect(200);
    assert_eq!(
        remaining_versions(&app, &shared, &id).await,
        vec![version(1), version(2)]
    );
    app.delete_object(&shared, &id, &[("match[version]", "first")])
        .await
        .expect(200);
    assert_eq!(
        remaining_versions(&app, &shared, &id).await,
        vec![version(2)]
    );
    let latest = app.get_object(&shared, &id, &[]).await.expect(200);
    assert_eq!(latest.objects()[0]["modified"], version(2).as_str());
}

async fn delete_of_an_unknown_object_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    app.delete_object(&shared, &stix::new_id("indicator"), &[])
        .await
        .expect_taxii_error(404);
}

async fn delete_needs_write_access(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let reader = app.partner_with_token("reader").await;
    app.grant("reader", &shared, true, false).await;
    let object = indicator();
    app.add(&shared, &[object.clone()]).await;
    let id = object["id"].as_str().unwrap();
    app.as_token(&reader)
        .delete_object(&shared, id, &[])
        .await
        .expect_taxii_error(403);
    app.get_object(&shared, id, &[]).await.expect(200);
}
