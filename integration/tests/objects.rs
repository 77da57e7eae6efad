//! Objects: add (TAXII 2.1 §5.5) with its status resource (§4.3), get (§5.4), get one (§5.6).

use std::collections::HashSet;

use serde_json::json;

use crate::helpers::http::is_taxii;
use crate::helpers::stix::{self, indicator, indicator_version, ipv4, malware};
use crate::helpers::{Backend, TAXII, spawn_app};

both_backends!(
    add_returns_a_complete_status_listing_every_success,
    objects_are_served_byte_for_byte_as_posted,
    empty_collection_gives_an_empty_envelope,
    get_object_returns_the_latest_version_by_default,
    unknown_object_is_404,
    status_is_persisted_and_fetchable_later,
    unknown_status_is_404,
    identical_repost_is_a_success,
    different_content_under_a_stored_version_is_a_failure,
    bad_object_fails_alone_naming_id_and_property,
    objects_stay_in_their_collection,
    identical_object_twice_in_one_envelope_is_stored_once,
    concurrent_posts_each_get_their_own_status,
    status_is_shown_only_to_its_submitter,
    identical_repost_of_an_sco_is_stored_once,
    deleted_object_can_be_posted_again,
    versions_posted_out_of_order_keep_first_and_last_by_modified,
);

async fn add_returns_a_complete_status_listing_every_success(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let objects = vec![indicator(), malware(), ipv4("203.0.113.9")];
    let reply = app
        .post_envelope(&shared, &stix::envelope(&objects))
        .await
        .expect(202);
    assert!(is_taxii(reply.content_type()), "{}", reply.content_type());
    let status = reply.json();
    assert!(uuid::Uuid::try_parse(status["id"].as_str().unwrap()).is_ok());
    assert_eq!(status["status"], "complete", "{}", reply.text);
    assert_eq!(status["total_count"], 3);
    assert_eq!(status["success_count"], 3);
    assert_eq!(status["failure_count"], 0);
    assert_eq!(status["pending_count"], 0);
    let successes = status["successes"].as_array().unwrap();
    let ids: HashSet<&str> = successes.iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(
        ids,
        stix::ids(&objects).iter().map(String::as_str).collect()
    );
    let indicator_detail = successes
        .iter()
        .find(|s| s["id"] == objects[0]["id"])
        .unwrap();
    assert_eq!(indicator_detail["version"], objects[0]["modified"]);

    let stored = app.get_objects(&shared, &[]).await.expect(200);
    assert!(is_taxii(stored.content_type()));
    assert_eq!(
        stored.ids().into_iter().collect::<HashSet<_>>(),
        stix::ids(&objects).into_iter().collect()
    );
}

async fn objects_are_served_byte_for_byte_as_posted(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = stix::new_id("indicator");
    // Odd spacing, key order and escapes: a relay must hand the object on exactly as received.
    let object = format!(
        r#"{{ "name" : "caf\u00e9 \u2603 ☃",   "type":"indicator","spec_version":"2.1","id":"{id}",
        "created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",
        "pattern":"[ipv4-addr:value = '198.51.100.7']","pattern_type":"stix",
        "valid_from":"2024-01-01T00:00:00Z", "x_ratio": 1.50e0 }}"#
    );
    let body = format!(r#"{{"objects": [ {object} ]}}"#);
    let status = app
        .caller()
        .post_raw(&shared, TAXII, body.into_bytes())
        .await
        .expect(202);
    assert_eq!(status.json()["success_count"], 1, "{}", status.text);
    let all = app.get_objects(&shared, &[]).await.expect(200);
    assert!(
        all.text.contains(&object),
        "GET objects re-serialized the object: {}",
        all.text
    );
    let one = app.get_object(&shared, &id, &[]).await.expect(200);
    assert!(
        one.text.contains(&object),
        "GET object re-serialized the object: {}",
        one.text
    );
}

async fn empty_collection_gives_an_empty_envelope(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let reply = app.get_objects(&shared, &[]).await.expect(200);
    assert!(is_taxii(reply.content_type()));
    assert!(reply.objects().is_empty());
    assert!(!reply.more());
    assert!(
        reply.next().is_none(),
        "no `next` without more: {}",
        reply.text
    );
}

async fn get_object_returns_the_latest_version_by_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = stix::new_id("indicator");
    let versions: Vec<_> = (1..=3).map(|n| indicator_version(&id, n)).collect();
    app.add(&shared, &versions).await;
    let reply = app.get_object(&shared, &id, &[]).await.expect(200);
    assert!(is_taxii(reply.content_type()));
    let objects = reply.objects();
    assert_eq!(objects.len(), 1, "{}", reply.text);
    assert_eq!(objects[0], versions[2]);
}

async fn unknown_object_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    app.add(&shared, &[indicator()]).await;
    app.get_object(&shared, &stix::new_id("indicator"), &[])
        .await
        .expect_taxii_error(404);
}

async fn status_is_persisted_and_fetchable_later(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let shared = app.shared().await;
    let good = indicator();
    let mut bad = indicator();
    bad["created"] = json!("yesterday");
    let posted = app
        .post_envelope(&shared, &stix::envelope(&[good, bad]))
        .await
        .expect(202);
    let posted = posted.json().clone();
    let id = posted["id"].as_str().unwrap().to_owned();

    let fetched = app.status(&id).await.expect(200);
    assert!(is_taxii(fetched.content_type()));
    assert_eq!(fetched.json(), &posted);

    // Persisted: a restarted server still has it.
    app.restart().await;
    let fetched = app.status(&id).await.expect(200);
    assert_eq!(fetched.json(), &posted);
}

async fn unknown_status_is_404(backend: Backend) {
    let app = spawn_app(backend).await;
    app.status(&uuid::Uuid::new_v4().to_string())
        .await
        .expect_taxii_error(404);
    app.status("not-a-uuid").await.expect_taxii_error(404);
}

async fn identical_repost_is_a_success(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let object = indicator();
    app.add(&shared, &[object.clone()]).await;
    let again = app.add(&shared, &[object.clone()]).await;
    assert_eq!(again["failure_count"], 0, "{again}");
    assert_eq!(again["successes"][0]["id"], object["id"]);
    let stored = app
        .get_objects(&shared, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(stored.objects(), vec![object], "stored once");
}

async fn different_content_under_a_stored_version_is_a_failure(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let original = indicator();
    app.add(&shared, &[original.clone()]).await;
    let mut changed = original.clone();
    changed["name"] = json!("same id and modified, other content");
    let reply = app
        .post_envelope(&shared, &stix::envelope(&[changed]))
        .await
        .expect(202);
    let status = reply.json();
    assert_eq!(status["success_count"], 0, "{}", reply.text);
    assert_eq!(status["failure_count"], 1, "{}", reply.text);
    assert_eq!(status["failures"][0]["id"], original["id"]);
    assert!(
        status["failures"][0]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
    let stored = app
        .get_objects(&shared, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(stored.objects(), vec![original], "the first content stays");
}

async fn bad_object_fails_alone_naming_id_and_property(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let first = indicator();
    let last = malware();
    let mut bad = indicator();
    bad["created"] = json!("yesterday");
    let reply = app
        .post_envelope(
            &shared,
            &stix::envelope(&[first.clone(), bad.clone(), last.clone()]),
        )
        .await
        .expect(202);
    let status = reply.json();
    assert_eq!(status["total_count"], 3, "{}", reply.text);
    assert_eq!(status["success_count"], 2, "{}", reply.text);
    assert_eq!(status["failure_count"], 1, "{}", reply.text);
    let failure = &status["failures"][0];
    assert_eq!(failure["id"], bad["id"]);
    let message = failure["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("created"),
        "the message names the property: {message:?}"
    );

    let stored: HashSet<String> = app
        .get_objects(&shared, &[])
        .await
        .expect(200)
        .ids()
        .into_iter()
        .collect();
    assert_eq!(stored, stix::ids(&[first, last]).into_iter().collect());
}

async fn objects_stay_in_their_collection(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let other = app.add_collection("other").await;
    app.grant("local", &other, true, true).await;
    let in_shared = indicator();
    let in_other = indicator();
    app.add(&shared, &[in_shared.clone()]).await;
    app.add(&other, &[in_other.clone()]).await;
    assert_eq!(
        app.get_objects(&shared, &[]).await.expect(200).objects(),
        vec![in_shared]
    );
    assert_eq!(
        app.get_objects(&other, &[]).await.expect(200).objects(),
        vec![in_other.clone()]
    );
    app.get_object(&shared, in_other["id"].as_str().unwrap(), &[])
        .await
        .expect_taxii_error(404);
}

async fn identical_object_twice_in_one_envelope_is_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let object = indicator();
    let status = app.add(&shared, &[object.clone(), object.clone()]).await;
    assert_eq!(status["failure_count"], 0, "{status}");
    let stored = app
        .get_objects(&shared, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(stored.objects(), vec![object]);
}

/// Envelopes arriving together may share a commit; each still gets a status about its own
/// objects only, and a failure in one does not touch the others.
async fn concurrent_posts_each_get_their_own_status(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let stored_first = indicator();
    app.add(&shared, &[stored_first.clone()]).await;
    let mut conflicting = stored_first.clone();
    conflicting["name"] = json!("a different object under a stored version");
    let repeated = malware();

    let envelopes: Vec<Vec<serde_json::Value>> = (0..16)
        .map(|i| match i {
            // One envelope with a conflict among good objects.
            3 => vec![indicator(), conflicting.clone(), indicator()],
            // The same new object from several clients at once.
            5..=7 => vec![repeated.clone()],
            _ => vec![indicator(), ipv4(&format!("198.51.100.{i}"))],
        })
        .collect();
    let replies = post_all_at_once(&app, &shared, &envelopes).await;

    let mut expected: HashSet<String> = stix::ids(&[stored_first.clone()]).into_iter().collect();
    for (i, (objects, status)) in envelopes.iter().zip(&replies).enumerate() {
        let successes: HashSet<&str> = status["successes"]
            .as_array()
            .map(|s| s.iter().filter_map(|d| d["id"].as_str()).collect())
            .unwrap_or_default();
        let failures: Vec<&str> = status["failures"]
            .as_array()
            .map(|s| s.iter().filter_map(|d| d["id"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            status["total_count"],
            objects.len(),
            "envelope {i}: {status}"
        );
        if i == 3 {
            assert_eq!(
                failures,
                vec![conflicting["id"].as_str().unwrap()],
                "{status}"
            );
            assert_eq!(successes.len(), 2, "{status}");
        } else {
            assert!(failures.is_empty(), "envelope {i}: {status}");
            let own: HashSet<&str> = objects.iter().filter_map(|o| o["id"].as_str()).collect();
            assert_eq!(successes, own, "envelope {i} lists exactly its own objects");
        }
        for id in successes {
            expected.insert(id.to_owned());
        }
    }
    let stored = app
        .all_objects(&shared, 1000, &[("match[version]", "all")])
        .await;
    assert_eq!(stored.len(), expected.len(), "each object once");
    assert_eq!(
        stix::ids(&stored).into_iter().collect::<HashSet<_>>(),
        expected
    );
    let original = stored
        .iter()
        .find(|o| o["id"] == stored_first["id"])
        .unwrap();
    assert_eq!(original, &stored_first);
}

/// Posts every envelope at once; returns the status resources in the same order.
async fn post_all_at_once(
    app: &crate::helpers::TestApp,
    collection: &str,
    envelopes: &[Vec<serde_json::Value>],
) -> Vec<serde_json::Value> {
    let mut set = tokio::task::JoinSet::new();
    for (i, objects) in envelopes.iter().enumerate() {
        let request = app
            .caller()
            .request(
                reqwest::Method::POST,
                &crate::helpers::objects_path(collection),
                &[],
            )
            .header("Content-Type", TAXII)
            .body(serde_json::to_vec(&stix::envelope(objects)).unwrap());
        set.spawn(async move { (i, crate::helpers::Reply::from(request).await) });
    }
    let mut replies = vec![serde_json::Value::Null; envelopes.len()];
    while let Some(done) = set.join_next().await {
        let (i, reply) = done.unwrap();
        replies[i] = reply.expect(202).json().clone();
    }
    replies
}

async fn status_is_shown_only_to_its_submitter(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let token = app.partner_with_token("peer").await;
    app.grant("peer", &shared, true, true).await;
    let status = app.as_token(&token).add(&shared, &[indicator()]).await;
    let id = status["id"].as_str().unwrap();
    app.as_token(&token).status(id).await.expect(200);
    app.status(id).await.expect_taxii_error(404);
}

async fn identical_repost_of_an_sco_is_stored_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    // No `modified`: its version is its date added, but the same content is the same object.
    let address = ipv4("203.0.113.200");
    app.add(&shared, &[address.clone()]).await;
    let again = app.add(&shared, &[address.clone()]).await;
    assert_eq!(again["failure_count"], 0, "{again}");
    let stored = app
        .get_objects(&shared, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(stored.objects(), vec![address.clone()], "stored once");
    let id = address["id"].as_str().unwrap();
    let versions = app.versions(&shared, id, &[]).await.expect(200);
    assert_eq!(
        versions.json()["versions"].as_array().unwrap().len(),
        1,
        "{}",
        versions.text
    );
}

async fn deleted_object_can_be_posted_again(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let object = indicator();
    let id = object["id"].as_str().unwrap();
    app.add(&shared, &[object.clone()]).await;
    app.delete_object(&shared, id, &[]).await.expect(200);
    app.get_object(&shared, id, &[])
        .await
        .expect_taxii_error(404);
    app.add(&shared, &[object.clone()]).await;
    let back = app.get_object(&shared, id, &[]).await.expect(200);
    assert_eq!(
        back.objects(),
        vec![object],
        "stored again after its deletion"
    );
}

async fn versions_posted_out_of_order_keep_first_and_last_by_modified(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    // Newest first, then the oldest, then the middle one; and the same inside one envelope.
    let apart = stix::new_id("indicator");
    for n in [3, 1, 2] {
        app.add(&shared, &[indicator_version(&apart, n)]).await;
    }
    let together = stix::new_id("indicator");
    app.add(
        &shared,
        &[
            indicator_version(&together, 3),
            indicator_version(&together, 1),
            indicator_version(&together, 2),
        ],
    )
    .await;
    for id in [&apart, &together] {
        let version = |reply: &crate::helpers::Reply| -> Vec<String> {
            reply
                .objects()
                .iter()
                .map(|o| o["modified"].as_str().unwrap().to_owned())
                .collect()
        };
        let last = app.get_object(&shared, id, &[]).await.expect(200);
        assert_eq!(
            version(&last),
            vec![stix::version(3)],
            "last is the newest modified"
        );
        let first = app
            .get_object(&shared, id, &[("match[version]", "first")])
            .await
            .expect(200);
        assert_eq!(
            version(&first),
            vec![stix::version(1)],
            "first is the oldest modified"
        );
        let listed = app
            .get_objects(&shared, &[("match[id]", id), ("match[version]", "last")])
            .await
            .expect(200);
        assert_eq!(version(&listed), vec![stix::version(3)]);
        let manifest = app
            .manifest(&shared, &[("match[id]", id)])
            .await
            .expect(200);
        assert_eq!(manifest.objects()[0]["version"], stix::version(3).as_str());
    }
    // Deleting the newest makes the middle one the last.
    app.delete_object(&shared, &apart, &[("match[version]", &stix::version(3))])
        .await
        .expect(200);
    let last = app.get_object(&shared, &apart, &[]).await.expect(200);
    assert_eq!(last.objects()[0]["modified"], stix::version(2).as_str());
}
