//! Ingest: every new version gets its label; a marking nobody can resolve refuses the object,
//! naming it and the marking; and a re-post of a version the submitter may not see gives no
//! hint that it exists — not in the status, not in the submitter's view, not in the dates.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{Kind, TLP_AMBER_STRICT, TLP_CLEAR, TLP_GREEN, hub, indicator, new_id};
use serde_json::json;

fn statement(id: &str) -> serde_json::Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": id,
        "created": "2025-01-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2025 Example"}
    })
}

async fn an_unknown_marking_refuses_the_object_naming_both(kind: Kind) {
    let h = hub(kind).await;
    let (object, marking, fine) = (
        new_id("indicator"),
        new_id("marking-definition"),
        new_id("indicator"),
    );
    let status = h
        .post(
            "GBR",
            &[
                indicator(&object, "2025-01-01T00:00:00.000Z", &[marking.as_str()]),
                indicator(&fine, "2025-01-01T00:00:00.000Z", &[]),
            ],
        )
        .await;
    assert_eq!(status["success_count"], 1, "{status}");
    assert_eq!(status["failure_count"], 1, "{status}");
    let failure = &status["failures"][0];
    assert_eq!(failure["id"], object.as_str());
    let message = failure["message"].as_str().unwrap();
    assert!(
        message.contains(&object) && message.contains(&marking),
        "{message}"
    );
    assert_eq!(h.object("GBR", &object, &[]).await.status, 404);
}

async fn marking_definitions_resolve_from_the_envelope_and_the_collection(kind: Kind) {
    let h = hub(kind).await;
    let (marking, first, second) = (
        new_id("marking-definition"),
        new_id("indicator"),
        new_id("indicator"),
    );
    let status = h
        .post(
            "GBR",
            &[
                statement(&marking),
                indicator(&first, "2025-01-01T00:00:00.000Z", &[marking.as_str()]),
            ],
        )
        .await;
    assert_eq!(status["success_count"], 2, "{status}");
    let status = h
        .post(
            "FRA",
            &[indicator(
                &second,
                "2025-01-01T00:00:00.000Z",
                &[marking.as_str()],
            )],
        )
        .await;
    assert_eq!(status["success_count"], 1, "{status}");
    // A statement restricts nothing.
    assert!(h.ids("OBS", &[]).await.contains(&second));
}

async fn a_repost_of_a_version_the_submitter_cannot_see_gives_no_hint(kind: Kind) {
    let h = hub(kind).await;
    let secret = new_id("indicator");
    let original = indicator(&secret, "2025-01-01T00:00:00.000Z", &[TLP_AMBER_STRICT]);
    h.post("GBR", std::slice::from_ref(&original)).await;

    // What a post of something nobody holds looks like, for comparison.
    let fresh_id = new_id("indicator");
    let fresh = h
        .post(
            "FRA",
            &[indicator(
                &fresh_id,
                "2025-01-01T00:00:00.000Z",
                &[TLP_AMBER_STRICT],
            )],
        )
        .await;
    let shape = |status: &serde_json::Value| {
        (
            status["status"].clone(),
            status["success_count"].clone(),
            status["failure_count"].clone(),
            status["successes"][0]["version"].clone(),
        )
    };

    // The same content: a success like any, and FRA then holds it as any submitter would.
    let same = h.post("FRA", std::slice::from_ref(&original)).await;
    assert_eq!(shape(&same), shape(&fresh), "{same}");
    assert_eq!(
        h.object("FRA", &secret, &[]).await.body["objects"][0],
        original
    );

    // Different content under the same id and version: no conflict either.
    let other = new_id("indicator");
    h.post(
        "GBR",
        &[indicator(
            &other,
            "2025-01-01T00:00:00.000Z",
            &[TLP_AMBER_STRICT],
        )],
    )
    .await;
    let mut changed = indicator(&other, "2025-01-01T00:00:00.000Z", &[TLP_AMBER_STRICT]);
    changed["name"] = json!("FRA's own");
    let different = h.post("FRA", &[changed.clone()]).await;
    assert_eq!(shape(&different), shape(&fresh), "{different}");
    assert_eq!(
        h.object("FRA", &other, &[]).await.body["objects"][0],
        changed
    );
    // GBR still sees its own, once.
    let gbr = h.versions("GBR", &other, &[]).await;
    assert_eq!(gbr.body["versions"].as_array().unwrap().len(), 1);
    assert_eq!(
        h.object("GBR", &other, &[]).await.body["objects"][0]["name"],
        "bad address"
    );
}

async fn a_repost_of_a_version_the_submitter_sees_keeps_the_usual_answers(kind: Kind) {
    let h = hub(kind).await;
    let id = new_id("indicator");
    let object = indicator(&id, "2025-01-01T00:00:00.000Z", &[TLP_CLEAR]);
    h.post("GBR", std::slice::from_ref(&object)).await;
    let same = h.post("FRA", std::slice::from_ref(&object)).await;
    assert_eq!(same["success_count"], 1);
    let mut changed = object.clone();
    changed["name"] = json!("changed");
    let conflict = h.post("FRA", &[changed]).await;
    assert_eq!(conflict["failure_count"], 1, "{conflict}");
    // Stored once.
    assert_eq!(
        h.versions("FRA", &id, &[]).await.body["versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

async fn a_repost_gives_no_hint_while_a_narrowing_change_is_recomputed(kind: Kind) {
    let h = hub(kind).await;
    let id = new_id("indicator");
    h.post(
        "GBR",
        &[indicator(&id, "2025-01-01T00:00:00.000Z", &[TLP_GREEN])],
    )
    .await;
    // FRA leaves the TLP:GREEN community; its view is not recomputed yet.
    let mut fra = h.store.partner_attributes("FRA").await.unwrap();
    fra.communities.clear();
    h.store.set_partner_attributes(&fra).await.unwrap();
    let mut changed = indicator(&id, "2025-01-01T00:00:00.000Z", &[TLP_GREEN]);
    changed["name"] = json!("FRA's own");
    let status = h.post("FRA", &[changed]).await;
    assert_eq!(status["success_count"], 1, "{status}");
    assert_eq!(status["failure_count"], 0, "{status}");
}

both_backends!(
    a_repost_gives_no_hint_while_a_narrowing_change_is_recomputed,
    an_unknown_marking_refuses_the_object_naming_both,
    marking_definitions_resolve_from_the_envelope_and_the_collection,
    a_repost_of_a_version_the_submitter_cannot_see_gives_no_hint,
    a_repost_of_a_version_the_submitter_sees_keeps_the_usual_answers,
);
