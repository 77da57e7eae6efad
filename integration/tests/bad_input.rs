//! Bad input: each gets a clear TAXII error (or, for one bad object among good ones, a failure
//! entry naming it), the server stays up, and nothing is partially stored.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::http::{is_taxii, raw_request};
use crate::helpers::stix::{self, indicator};
use crate::helpers::{
    Backend, ROOT, Reply, TAXII, TestApp, objects_path, spawn_app, spawn_app_with,
};

both_backends!(
    malformed_json_is_a_taxii_400,
    wrong_json_types_are_refused_cleanly,
    envelope_of_10000_objects_on_both_sides_of_the_limit,
    deeply_nested_input_is_refused_cleanly,
    body_over_the_limit_is_413_before_it_is_read,
    chunked_body_over_the_limit_is_413,
    string_of_10_mb_is_refused_by_name,
    invalid_utf8_is_refused_cleanly,
    unknown_query_parameters_are_a_taxii_400,
    bad_cursors_are_a_taxii_400,
    unknown_paths_and_methods_are_taxii_errors,
);

/// Refused as a whole (a TAXII 400) or object by object (a status with no success).
#[track_caller]
fn assert_refused(reply: Reply, what: &str) -> String {
    match reply.status {
        400 => reply.expect_taxii_error(400).error_text(),
        202 => {
            let status = reply.json();
            assert_eq!(status["success_count"], 0, "{what}: {}", reply.text);
            assert!(
                status["failure_count"].as_u64().is_some_and(|n| n > 0),
                "{what}: a refused object is listed as a failure: {}",
                reply.text
            );
            status["failures"].to_string()
        }
        other => panic!(
            "{what}: expected a TAXII 400 or a status of failures, got HTTP {other}: {}",
            reply.text
        ),
    }
}

async fn assert_nothing_stored(app: &TestApp, collection: &str) {
    app.assert_healthy().await;
    let stored = app
        .get_objects(collection, &[("match[version]", "all")])
        .await
        .expect(200);
    assert!(
        stored.objects().is_empty(),
        "nothing may be stored: {}",
        stored.text
    );
}

async fn post_bytes(app: &TestApp, collection: &str, body: Vec<u8>) -> Reply {
    app.caller().post_raw(collection, TAXII, body).await
}

async fn malformed_json_is_a_taxii_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let valid = indicator().to_string();
    for body in [
        format!(r#"{{"objects": [{valid}"#),
        format!(r#"{{"objects": [{valid},]}}"#),
        "not json".to_owned(),
        String::new(),
        format!(r#"{{"objects": [{valid}]}} trailing"#),
        r#"{"objects": [{"type": "indicator", "id": "indicator--x}]}"#.to_owned(),
    ] {
        let reply = post_bytes(&app, &shared, body.clone().into_bytes()).await;
        reply.expect_taxii_error(400);
    }
    assert_nothing_stored(&app, &shared).await;
}

async fn wrong_json_types_are_refused_cleanly(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for envelope in [
        json!([]),
        json!("objects"),
        json!(42),
        json!({"objects": "x"}),
        json!({"objects": {}}),
        json!({"objects": null}),
        json!({"objects": [1, "a", null, []]}),
        json!({"objects": [{"type": 5, "id": true}]}),
        json!({"objects": [{"type": "indicator"}]}),
    ] {
        let reply = app.post_envelope(&shared, &envelope).await;
        assert_refused(reply, &envelope.to_string());
    }
    // A property of the wrong type is named.
    let mut object = indicator();
    object["created"] = json!(20_240_101);
    let reply = app.post_envelope(&shared, &stix::envelope(&[object])).await;
    let text = assert_refused(reply, "created as a number");
    assert!(text.contains("created"), "names the property: {text}");
    assert_nothing_stored(&app, &shared).await;
}

/// The default maximum of objects per envelope.
const MAX_OBJECTS: usize = 10_000;

async fn envelope_of_10000_objects_on_both_sides_of_the_limit(backend: Backend) {
    let objects: Vec<Value> = (0..MAX_OBJECTS).map(|_| indicator()).collect();
    let body = serde_json::to_vec(&stix::envelope(&objects)).unwrap();
    // Room for the envelope plus a little, so that the next envelope is within the byte limit.
    let limit = body.len() + 1000;
    let app = spawn_app_with(
        backend,
        &[("ACCORD_MAX_CONTENT_LENGTH", &limit.to_string())],
    )
    .await;
    let shared = app.shared().await;
    let padded = |len: usize| {
        let mut padded = body.clone();
        padded.resize(len, b' ');
        padded
    };

    // One byte over the content length: refused whole, before parsing.
    let reply = post_bytes(&app, &shared, padded(limit + 1))
        .await
        .expect_taxii_error(413);
    assert!(
        reply.error_text().contains(&limit.to_string()),
        "names the limit: {}",
        reply.text
    );
    assert_nothing_stored(&app, &shared).await;

    // Exactly at the limit, with the maximum number of objects: accepted whole.
    let reply = post_bytes(&app, &shared, padded(limit)).await.expect(202);
    let status = reply.json();
    assert_eq!(status["total_count"], MAX_OBJECTS);
    assert_eq!(
        status["success_count"],
        MAX_OBJECTS,
        "{}",
        &reply.text[..reply.text.len().min(2000)]
    );
    assert_eq!(app.all_objects(&shared, 1000, &[]).await.len(), MAX_OBJECTS);

    // One object more than the maximum (within the byte limit): refused whole, with a message.
    let mut over: Vec<Value> = (0..MAX_OBJECTS).map(|_| indicator()).collect();
    over.push(stix::ipv4("192.0.2.1"));
    let over_body = serde_json::to_vec(&stix::envelope(&over)).unwrap();
    assert!(over_body.len() <= limit);
    let reply = post_bytes(&app, &shared, over_body).await;
    let status = reply.status;
    assert!(matches!(status, 400 | 413), "HTTP {status}: {}", reply.text);
    let reply = reply.expect_taxii_error(status);
    assert!(
        reply.error_text().contains(&MAX_OBJECTS.to_string()),
        "names the maximum: {}",
        reply.text
    );
    app.assert_healthy().await;
    assert_eq!(
        app.all_objects(&shared, 1000, &[]).await.len(),
        MAX_OBJECTS,
        "nothing more stored"
    );
}

async fn deeply_nested_input_is_refused_cleanly(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let depth = 100_000;
    let mut object = indicator();
    object["x_nested"] = json!("PLACEHOLDER");
    let template = stix::envelope(&[object]).to_string();
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
    for nested in [arrays, objects] {
        let body = template.replace(r#""PLACEHOLDER""#, &nested);
        let reply = post_bytes(&app, &shared, body.into_bytes()).await;
        assert_refused(reply, "deep nesting");
        app.assert_healthy().await;
    }
    // Deep nesting in the envelope itself.
    let body = format!(
        r#"{{"objects": {}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let reply = post_bytes(&app, &shared, body.into_bytes()).await;
    assert_refused(reply, "deep envelope");
    assert_nothing_stored(&app, &shared).await;
}

async fn body_over_the_limit_is_413_before_it_is_read(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let declared = 104_857_600 + 1;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nAccept: {TAXII}\r\n\
         Content-Type: {TAXII}\r\nContent-Length: {declared}",
        objects_path(&shared),
        app.token
    );
    // Send one MiB of the declared hundred and then nothing: only a server that decides from
    // Content-Length can answer.
    let mut first = br#"{"objects": ["#.to_vec();
    first.resize(1 << 20, b' ');
    let reply = raw_request(
        &app.address,
        &head,
        std::iter::once(first),
        Duration::from_secs(20),
    )
    .await
    .unwrap_or_else(|e| panic!("no 413 while the body was unsent: {e}"));
    assert_eq!(
        reply.status,
        413,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(is_taxii(&reply.header("content-type").unwrap_or_default()));
    assert!(reply.json()["title"].is_string());
    assert_nothing_stored(&app, &shared).await;
}

async fn chunked_body_over_the_limit_is_413(backend: Backend) {
    let app = spawn_app_with(backend, &[("ACCORD_MAX_CONTENT_LENGTH", "1048576")]).await;
    let shared = app.shared().await;
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {}\r\nAccept: {TAXII}\r\n\
         Content-Type: {TAXII}\r\nTransfer-Encoding: chunked",
        objects_path(&shared),
        app.token
    );
    // Four MiB in 64 KiB chunks, never the final chunk: the server must stop at one MiB.
    let chunks = (0..64).map(|i| {
        let mut data = if i == 0 {
            br#"{"objects": ["#.to_vec()
        } else {
            Vec::new()
        };
        data.resize(64 * 1024, b' ');
        let mut chunk = format!("{:x}\r\n", data.len()).into_bytes();
        chunk.extend_from_slice(&data);
        chunk.extend_from_slice(b"\r\n");
        chunk
    });
    let reply = raw_request(&app.address, &head, chunks, Duration::from_secs(20))
        .await
        .unwrap_or_else(|e| panic!("no 413 for an endless chunked body: {e}"));
    assert_eq!(
        reply.status,
        413,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(is_taxii(&reply.header("content-type").unwrap_or_default()));
    assert_nothing_stored(&app, &shared).await;
}

async fn string_of_10_mb_is_refused_by_name(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let mut object = indicator();
    // Over the default limit on one string value (8 MiB), under the body limit.
    object["description"] = json!("x".repeat(10 * 1024 * 1024));
    let reply = app
        .post_envelope(&shared, &stix::envelope(&[object.clone()]))
        .await;
    let text = assert_refused(reply, "10 MB string");
    assert!(text.contains("/description"), "names the property: {text}");
    assert!(text.contains("limit"), "says why: {text}");
    assert_nothing_stored(&app, &shared).await;
}

async fn invalid_utf8_is_refused_cleanly(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let mut object = indicator();
    object["name"] = json!("BAD");
    let text = stix::envelope(&[object]).to_string();
    for bad in [&b"\xff\xfe"[..], b"\xc3\x28", b"\xed\xa0\x80", b"caf\xe9"] {
        let (before, after) = text.split_once("BAD").unwrap();
        let mut body = before.as_bytes().to_vec();
        body.extend_from_slice(bad);
        body.extend_from_slice(after.as_bytes());
        let reply = post_bytes(&app, &shared, body).await;
        assert_refused(reply, &format!("invalid UTF-8 {bad:?}"));
    }
    assert_nothing_stored(&app, &shared).await;
}

async fn unknown_query_parameters_are_a_taxii_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let objects = stix::indicators(3);
    let id = objects[0]["id"].as_str().unwrap().to_owned();
    app.add(&shared, &objects).await;
    // A misspelt filter silently ignored would hand back everything; refuse it by name.
    for (key, value) in [
        ("colour", "red"),
        ("match[colour]", "red"),
        ("match[]", "x"),
        ("limit[", "2"),
        ("added-after", "2024-01-01T00:00:00Z"),
    ] {
        let reply = app.get_objects(&shared, &[(key, value)]).await;
        let reply = reply.expect_taxii_error(400);
        assert!(
            reply.error_text().contains(key),
            "the error names {key}: {}",
            reply.text
        );
        app.manifest(&shared, &[(key, value)])
            .await
            .expect_taxii_error(400);
    }
    // A filter the endpoint does not take (§3.4.1 lists them per endpoint).
    for (key, value) in [
        ("match[type]", "indicator"),
        ("match[id]", id.as_str()),
        ("match[version]", "all"),
    ] {
        let reply = app.versions(&shared, &id, &[(key, value)]).await;
        let reply = reply.expect_taxii_error(400);
        assert!(
            reply.error_text().contains(key),
            "the error names {key}: {}",
            reply.text
        );
    }
    // A single-valued parameter given twice.
    let reply = app
        .get_objects(&shared, &[("limit", "1"), ("limit", "2")])
        .await
        .expect_taxii_error(400);
    assert!(reply.error_text().contains("limit"), "{}", reply.text);
    // Filters on the collection or API root resources.
    app.caller()
        .get(&format!("/{ROOT}/collections/"), &[("limit", "1")])
        .await
        .expect_taxii_error(400);
    app.assert_healthy().await;
}

async fn bad_cursors_are_a_taxii_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let objects = stix::indicators(3);
    let id = objects[0]["id"].as_str().unwrap().to_owned();
    app.add(&shared, &objects).await;
    let long = "A".repeat(10_000);
    for cursor in [
        "garbage!",
        "%%%",
        "AAAA",
        "eyJmb28iOiJiYXIifQ",
        "-1",
        "0",
        long.as_str(),
    ] {
        let reply = app.get_objects(&shared, &[("next", cursor)]).await;
        let reply = reply.expect_taxii_error(400);
        assert!(
            reply.error_text().contains("next"),
            "names the parameter: {}",
            reply.text
        );
        app.manifest(&shared, &[("next", cursor)])
            .await
            .expect_taxii_error(400);
        app.versions(&shared, &id, &[("next", cursor)])
            .await
            .expect_taxii_error(400);
    }
    let raw = Reply::from(app.caller().request(
        Method::GET,
        &format!("{}?next=%FF%FE", objects_path(&shared)),
        &[],
    ))
    .await;
    raw.expect_taxii_error(400);
    app.assert_healthy().await;
}

async fn unknown_paths_and_methods_are_taxii_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let caller = app.caller();
    for path in [
        format!("/{ROOT}/collections/{shared}/nope/"),
        format!("/{ROOT}/nope/"),
        "/taxii2/nope/".to_owned(),
    ] {
        caller.get(&path, &[]).await.expect_taxii_error(404);
    }
    for (method, path) in [
        (Method::PUT, objects_path(&shared)),
        (Method::PATCH, objects_path(&shared)),
        (Method::DELETE, objects_path(&shared)),
        (Method::POST, format!("/{ROOT}/collections/")),
        (Method::POST, "/taxii2/".to_owned()),
    ] {
        let reply = Reply::from(caller.request(method.clone(), &path, &[])).await;
        let reply = reply.expect_taxii_error(405);
        assert!(
            reply.header("allow").is_some(),
            "{method} {path}: 405 lists the allowed methods"
        );
    }
    app.assert_healthy().await;
}
