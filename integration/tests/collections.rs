//! Collections (TAXII 2.1 §5.1, §5.2): listed and described with `can_read` / `can_write` as
//! the requesting partner may; collections a partner can neither read nor write do not exist
//! for it.

use serde_json::Value;

use crate::helpers::http::is_taxii;
use crate::helpers::{Backend, STIX, TestApp, spawn_app};

both_backends!(
    first_start_has_the_shared_collection_readable_and_writable,
    single_collection_is_described_like_in_the_list,
    rights_are_those_of_the_requesting_partner,
    unknown_collection_is_404,
);

fn find<'a>(list: &'a Value, id: &str) -> Option<&'a Value> {
    list["collections"]
        .as_array()?
        .iter()
        .find(|c| c["id"] == id)
}

async fn list(app: &TestApp, token: &str) -> Value {
    app.as_token(token)
        .collections()
        .await
        .expect(200)
        .json()
        .clone()
}

async fn first_start_has_the_shared_collection_readable_and_writable(backend: Backend) {
    let app = spawn_app(backend).await;
    let reply = app.caller().collections().await.expect(200);
    assert!(is_taxii(reply.content_type()));
    let shared = app.shared().await;
    assert!(
        uuid::Uuid::try_parse(&shared).is_ok(),
        "collection ids are UUIDs"
    );
    let collection = find(reply.json(), &shared).unwrap();
    assert_eq!(collection["title"], "Shared");
    assert_eq!(collection["alias"], "shared");
    assert_eq!(collection["can_read"], true);
    assert_eq!(collection["can_write"], true);
    if let Some(types) = collection.get("media_types") {
        assert!(
            types
                .as_array()
                .is_some_and(|t| t.iter().any(|t| t == STIX)),
            "media_types lists STIX 2.1: {types}"
        );
    }
}

async fn single_collection_is_described_like_in_the_list(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let listed = find(&list(&app, &app.token).await, &shared)
        .unwrap()
        .clone();
    let reply = app.caller().collection(&shared).await.expect(200);
    assert!(is_taxii(reply.content_type()));
    assert_eq!(reply.json(), &listed);
}

async fn rights_are_those_of_the_requesting_partner(backend: Backend) {
    let app = spawn_app(backend).await;
    let reader = app.partner_with_token("reader").await;
    let writer = app.partner_with_token("writer").await;
    let nobody = app.partner_with_token("nobody").await;
    let intel = app.add_collection("intel").await;
    app.grant("reader", &intel, true, false).await;
    app.grant("writer", &intel, false, true).await;

    let seen = list(&app, &reader).await;
    let c = find(&seen, &intel).unwrap_or_else(|| panic!("reader sees intel: {seen}"));
    assert_eq!(
        (c["can_read"].as_bool(), c["can_write"].as_bool()),
        (Some(true), Some(false))
    );
    let seen = list(&app, &writer).await;
    let c = find(&seen, &intel).unwrap_or_else(|| panic!("writer sees intel: {seen}"));
    assert_eq!(
        (c["can_read"].as_bool(), c["can_write"].as_bool()),
        (Some(false), Some(true))
    );
    let single = app.as_token(&writer).collection(&intel).await.expect(200);
    assert_eq!(single.json()["can_write"], true);
    assert_eq!(single.json()["can_read"], false);

    // Neither right: the collection is not listed and does not exist for that partner.
    let seen = list(&app, &nobody).await;
    assert!(
        find(&seen, &intel).is_none(),
        "nobody must not see intel: {seen}"
    );
    let shared = app.shared().await;
    assert!(
        find(&seen, &shared).is_none(),
        "nobody must not see shared: {seen}"
    );
    app.as_token(&nobody)
        .collection(&intel)
        .await
        .expect_taxii_error(404);

    // Granted both rights, a partner sees both.
    app.grant("local", &intel, true, true).await;
    let seen = list(&app, &app.token).await;
    let c = find(&seen, &intel).unwrap();
    assert_eq!(
        (c["can_read"].as_bool(), c["can_write"].as_bool()),
        (Some(true), Some(true))
    );
}

async fn unknown_collection_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let caller = app.caller();
    let missing = uuid::Uuid::new_v4().to_string();
    caller.collection(&missing).await.expect_taxii_error(404);
    caller
        .get_objects(&missing, &[])
        .await
        .expect_taxii_error(404);
    caller
        .collection("not-a-uuid")
        .await
        .expect_taxii_error(404);
    caller
        .get_objects("shared", &[])
        .await
        .expect_taxii_error(404);
}
