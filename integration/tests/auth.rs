//! Authentication and access: bearer tokens and HTTP Basic (user = partner id, password =
//! token); 401 with a TAXII error without valid credentials; per-collection read and write
//! rights giving 403 (visible collection, missing right) or 404 (invisible collection);
//! revoked tokens stop working (within the servers' few seconds of authentication cache).

use reqwest::Method;

use crate::helpers::stix::{self, indicator};
use crate::helpers::{Backend, Caller, ROOT, Reply, objects_path, spawn_app};

both_backends!(
    no_credentials_is_401_with_a_taxii_error,
    unknown_token_is_401,
    basic_auth_takes_the_partner_id_and_token,
    read_right_alone_cannot_write,
    write_right_alone_cannot_read,
    collection_without_rights_is_404,
    revoked_token_is_401,
);

/// Every TAXII endpoint of one collection, as (method, path, body).
fn endpoints(collection: &str, object_id: &str) -> Vec<(Method, String)> {
    vec![
        (Method::GET, "/taxii2/".to_owned()),
        (Method::GET, format!("/{ROOT}/")),
        (Method::GET, format!("/{ROOT}/collections/")),
        (Method::GET, format!("/{ROOT}/collections/{collection}/")),
        (Method::GET, objects_path(collection)),
        (Method::POST, objects_path(collection)),
        (
            Method::GET,
            format!("{}{object_id}/", objects_path(collection)),
        ),
        (
            Method::DELETE,
            format!("{}{object_id}/", objects_path(collection)),
        ),
        (
            Method::GET,
            format!("{}{object_id}/versions/", objects_path(collection)),
        ),
        (
            Method::GET,
            format!("/{ROOT}/collections/{collection}/manifest/"),
        ),
        (
            Method::GET,
            format!("/{ROOT}/status/{}/", uuid::Uuid::new_v4()),
        ),
    ]
}

async fn call(caller: &Caller<'_>, method: Method, path: &str) -> Reply {
    let mut request = caller.request(method.clone(), path, &[]);
    if method == Method::POST {
        request = request
            .header("Content-Type", crate::helpers::TAXII)
            .body(serde_json::to_vec(&stix::envelope(&[indicator()])).unwrap());
    }
    Reply::from(request).await
}

async fn no_credentials_is_401_with_a_taxii_error(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let object = indicator();
    app.add(&shared, &[object.clone()]).await;
    let anonymous = app.anonymous();
    for (method, path) in endpoints(&shared, object["id"].as_str().unwrap()) {
        let reply = call(&anonymous, method.clone(), &path).await;
        let reply = reply.expect_taxii_error(401);
        assert!(
            reply.header("www-authenticate").is_some(),
            "{method} {path}: a 401 says how to authenticate (RFC 9110 §11.6.1)"
        );
    }
    assert_eq!(
        app.get_objects(&shared, &[])
            .await
            .expect(200)
            .objects()
            .len(),
        1
    );
}

async fn unknown_token_is_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let forged = app.as_token(&"0".repeat(64));
    forged.discovery().await.expect_taxii_error(401);
    forged
        .get_objects(&shared, &[])
        .await
        .expect_taxii_error(401);
    let garbage = app.as_token("not a token at all");
    garbage.collections().await.expect_taxii_error(401);
    let malformed = Reply::from(
        app.anonymous()
            .request(Method::GET, "/taxii2/", &[])
            .header("Authorization", "Bearer"),
    )
    .await;
    malformed.expect_taxii_error(401);
}

async fn basic_auth_takes_the_partner_id_and_token(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let basic = app.basic("local", &app.token);
    basic.discovery().await.expect(200);
    let reply = basic
        .post_envelope(&shared, &stix::envelope(&[indicator()]))
        .await
        .expect(202);
    assert_eq!(reply.json()["success_count"], 1);
    basic.get_objects(&shared, &[]).await.expect(200);

    // The user must be the token's partner, and the token right.
    let other = app.partner_with_token("other").await;
    app.basic("other", &app.token)
        .discovery()
        .await
        .expect_taxii_error(401);
    app.basic("local", &other)
        .discovery()
        .await
        .expect_taxii_error(401);
    app.basic("local", "wrong")
        .discovery()
        .await
        .expect_taxii_error(401);
    app.basic("other", &other).discovery().await.expect(200);
}

async fn read_right_alone_cannot_write(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let object = indicator();
    app.add(&shared, &[object.clone()]).await;
    let token = app.partner_with_token("reader").await;
    app.grant("reader", &shared, true, false).await;
    let reader = app.as_token(&token);
    let id = object["id"].as_str().unwrap();

    reader.get_objects(&shared, &[]).await.expect(200);
    reader.get_object(&shared, id, &[]).await.expect(200);
    reader.versions(&shared, id, &[]).await.expect(200);
    reader.manifest(&shared, &[]).await.expect(200);
    reader
        .post_envelope(&shared, &stix::envelope(&[indicator()]))
        .await
        .expect_taxii_error(403);
    assert_eq!(
        app.get_objects(&shared, &[]).await.expect(200).objects(),
        vec![object]
    );
}

async fn write_right_alone_cannot_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let object = indicator();
    app.add(&shared, &[object.clone()]).await;
    let token = app.partner_with_token("writer").await;
    app.grant("writer", &shared, false, true).await;
    let writer = app.as_token(&token);
    let id = object["id"].as_str().unwrap();

    let reply = writer
        .post_envelope(&shared, &stix::envelope(&[indicator()]))
        .await
        .expect(202);
    assert_eq!(reply.json()["success_count"], 1);
    // Its own status resource is readable.
    let status = reply.json()["id"].as_str().unwrap().to_owned();
    writer.status(&status).await.expect(200);

    writer
        .get_objects(&shared, &[])
        .await
        .expect_taxii_error(403);
    writer
        .get_object(&shared, id, &[])
        .await
        .expect_taxii_error(403);
    writer
        .versions(&shared, id, &[])
        .await
        .expect_taxii_error(403);
    writer.manifest(&shared, &[]).await.expect_taxii_error(403);
}

async fn collection_without_rights_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let object = indicator();
    app.add(&shared, &[object.clone()]).await;
    let token = app.partner_with_token("stranger").await;
    let stranger = app.as_token(&token);
    let id = object["id"].as_str().unwrap();
    for (method, path) in endpoints(&shared, id).into_iter().skip(3) {
        if path.contains("/status/") {
            continue;
        }
        call(&stranger, method.clone(), &path)
            .await
            .expect_taxii_error(404);
    }
    // Discovery and the API root stay available to any authenticated partner.
    stranger.discovery().await.expect(200);
    stranger.api_root().await.expect(200);
    assert_eq!(
        app.get_objects(&shared, &[]).await.expect(200).objects(),
        vec![object]
    );
}

async fn revoked_token_is_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    app.admin(&["partner", "add", "leaver"]).await;
    app.grant("leaver", &shared, true, true).await;
    let token = app
        .admin(&[
            "token",
            "create",
            "--partner",
            "leaver",
            "--label",
            "to-revoke",
        ])
        .await
        .trim()
        .to_owned();
    let keeper = app
        .admin(&[
            "token",
            "create",
            "--partner",
            "leaver",
            "--label",
            "to-keep",
        ])
        .await
        .trim()
        .to_owned();
    app.as_token(&token)
        .get_objects(&shared, &[])
        .await
        .expect(200);

    let listing = app.admin(&["token", "list", "--partner", "leaver"]).await;
    assert!(!listing.contains(&token), "token list must not show tokens");
    let credential = credential_id(&listing, "to-revoke");
    app.admin(&["token", "revoke", &credential]).await;

    // Servers may reuse a successful authentication for a few seconds (`hub::auth::CACHE_TTL`,
    // 5 s); past that the token is refused.
    let revoked = tokio::time::Instant::now();
    loop {
        let reply = app.as_token(&token).get_objects(&shared, &[]).await;
        if reply.status == 401 {
            reply.expect_taxii_error(401);
            break;
        }
        assert!(
            revoked.elapsed() < std::time::Duration::from_secs(7),
            "a revoked token still works after 7 s: HTTP {}",
            reply.status
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    app.basic("leaver", &token)
        .discovery()
        .await
        .expect_taxii_error(401);
    app.as_token(&keeper)
        .get_objects(&shared, &[])
        .await
        .expect(200);
}

/// The credential id on the `accord token list` line with this label: its first column.
fn credential_id(listing: &str, label: &str) -> String {
    let line = listing
        .lines()
        .find(|line| line.split_whitespace().any(|field| field == label))
        .unwrap_or_else(|| panic!("no token labelled {label} in:\n{listing}"));
    line.split_whitespace().next().unwrap().to_owned()
}
