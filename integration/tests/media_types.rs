//! Media types (TAXII 2.1 §1.6.8): `application/taxii+json;version=2.1`; no version parameter
//! means the latest version; `Accept` q-weights count; an unsupported `Accept` is 406 and an
//! unsupported `Content-Type` 415, both as TAXII error messages.

use reqwest::Method;

use crate::helpers::http::is_taxii;
use crate::helpers::stix::{self, indicator};
use crate::helpers::{Backend, Reply, TestApp, objects_path, spawn_app};

both_backends!(
    accept_without_version_means_the_latest,
    accept_q_weights_are_honoured,
    unsupported_accept_is_406,
    content_type_without_version_means_the_latest,
    unsupported_content_type_is_415,
);

async fn get_with_accept(app: &TestApp, path: &str, accept: Option<&str>) -> Reply {
    let mut request = app.caller().bare(Method::GET, path, &[]);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    Reply::from(request).await
}

async fn accept_without_version_means_the_latest(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for path in [
        "/taxii2/".to_owned(),
        "/default/".to_owned(),
        objects_path(&shared),
    ] {
        let reply = get_with_accept(&app, &path, Some("application/taxii+json"))
            .await
            .expect(200);
        assert!(
            is_taxii(reply.content_type()),
            "{path}: {}",
            reply.content_type()
        );
    }
    // No Accept at all accepts anything.
    let reply = get_with_accept(&app, &objects_path(&shared), None)
        .await
        .expect(200);
    assert!(is_taxii(reply.content_type()));
}

async fn accept_q_weights_are_honoured(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let path = objects_path(&shared);
    for accept in [
        "application/xml;q=0.9, application/taxii+json;version=2.1;q=0.5",
        "text/html, application/taxii+json;version=2.1;q=0.1",
        "application/taxii+json; version=2.1; q=1.0",
        "*/*;q=0.1",
        "application/*",
    ] {
        let reply = get_with_accept(&app, &path, Some(accept)).await;
        let reply = reply.expect(200);
        assert!(
            is_taxii(reply.content_type()),
            "for {accept}: {}",
            reply.content_type()
        );
    }
    // q=0 means "not acceptable".
    for accept in [
        "application/taxii+json;version=2.1;q=0",
        "application/taxii+json;q=0, application/xml",
    ] {
        get_with_accept(&app, &path, Some(accept))
            .await
            .expect_taxii_error(406);
    }
}

async fn unsupported_accept_is_406(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for accept in [
        "application/xml",
        "application/taxii+json;version=2.0",
        "text/html",
        "application/vnd.oasis.taxii+json; version=2.0",
    ] {
        for path in ["/taxii2/".to_owned(), objects_path(&shared)] {
            get_with_accept(&app, &path, Some(accept))
                .await
                .expect_taxii_error(406);
        }
    }
}

async fn content_type_without_version_means_the_latest(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let body = serde_json::to_vec(&stix::envelope(&[indicator()])).unwrap();
    let reply = app
        .caller()
        .post_raw(&shared, "application/taxii+json", body)
        .await
        .expect(202);
    assert_eq!(reply.json()["success_count"], 1);
    let body = serde_json::to_vec(&stix::envelope(&[indicator()])).unwrap();
    app.caller()
        .post_raw(&shared, "application/taxii+json; version=2.1", body)
        .await
        .expect(202);
}

async fn unsupported_content_type_is_415(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for content_type in [
        "text/plain",
        "application/xml",
        "application/taxii+json;version=2.0",
        "application/x-www-form-urlencoded",
    ] {
        let body = serde_json::to_vec(&stix::envelope(&[indicator()])).unwrap();
        app.caller()
            .post_raw(&shared, content_type, body)
            .await
            .expect_taxii_error(415);
    }
    // No Content-Type at all.
    let body = serde_json::to_vec(&stix::envelope(&[indicator()])).unwrap();
    let request = app
        .caller()
        .request(Method::POST, &objects_path(&shared), &[])
        .body(body);
    let reply = Reply::from(request).await;
    assert!(
        reply.status == 415 || reply.status == 400,
        "a body without Content-Type is refused: HTTP {} {}",
        reply.status,
        reply.text
    );
    assert!(is_taxii(reply.content_type()));
    let stored = app.get_objects(&shared, &[]).await.expect(200);
    assert!(
        stored.objects().is_empty(),
        "nothing stored: {}",
        stored.text
    );
}
