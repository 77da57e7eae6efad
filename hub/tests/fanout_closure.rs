//! Closure: a relationship, sighting or container whose references are withheld from an
//! audience is withheld from it too — also while a referenced object has not arrived, and
//! until it is released.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{
    Kind, RULES_V2, TLP_AMBER_STRICT, TLP_CLEAR, hub, indicator, malware, new_id, relationship,
    report,
};

async fn relationship_to_a_withheld_object_is_withheld(kind: Kind) {
    let h = hub(kind).await;
    let (open, secret, rel) = (
        new_id("indicator"),
        new_id("indicator"),
        new_id("relationship"),
    );
    h.post(
        "GBR",
        &[
            indicator(&open, "2025-01-01T00:00:00.000Z", &[TLP_CLEAR]),
            indicator(&secret, "2025-01-01T00:00:00.000Z", &[TLP_AMBER_STRICT]),
            relationship(&rel, &open, &secret),
        ],
    )
    .await;
    assert!(h.ids("GBR", &[]).await.contains(&rel));
    assert_eq!(h.ids("FRA", &[]).await, [open.as_str()]);
    assert_eq!(h.object("FRA", &rel, &[]).await.status, 404);
}

async fn relationship_waits_for_a_target_that_arrives_later(kind: Kind) {
    let h = hub(kind).await;
    let (ind, mal, rel) = (
        new_id("indicator"),
        new_id("malware"),
        new_id("relationship"),
    );
    h.post(
        "GBR",
        &[
            indicator(&ind, "2025-01-01T00:00:00.000Z", &[]),
            relationship(&rel, &ind, &mal),
        ],
    )
    .await;
    // The target is nowhere: the relationship would name an object nobody can see.
    for partner in ["GBR", "FRA"] {
        assert_eq!(h.ids(partner, &[]).await, [ind.as_str()], "{partner}");
    }
    let before = h.manifest("FRA", &[]).await.last.unwrap();
    h.post("FRA", &[malware(&mal)]).await;
    // Now both arrive for pollers, with dates after what they had seen.
    let after = h.ids("FRA", &[("added_after", &before)]).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after.contains(&mal) && after.contains(&rel));
    assert!(h.ids("GBR", &[]).await.contains(&rel));
    // The observer gets no malware (rule 1), so no relationship to it either.
    let observer = h.ids("OBS", &[]).await;
    assert_eq!(observer, [ind.as_str()]);
}

async fn containers_need_every_member(kind: Kind) {
    let h = hub(kind).await;
    let (a, secret, whole, partial) = (
        new_id("indicator"),
        new_id("indicator"),
        new_id("report"),
        new_id("report"),
    );
    h.post(
        "GBR",
        &[
            indicator(&a, "2025-01-01T00:00:00.000Z", &[]),
            indicator(&secret, "2025-01-01T00:00:00.000Z", &[TLP_AMBER_STRICT]),
            report(&whole, &[a.as_str()]),
            report(&partial, &[a.as_str(), secret.as_str()]),
        ],
    )
    .await;
    let fra = h.ids("FRA", &[]).await;
    assert!(fra.contains(&whole));
    assert!(!fra.contains(&partial));
    assert!(h.ids("GBR", &[]).await.contains(&partial));
}

async fn closure_follows_a_rule_change_that_releases_the_target(kind: Kind) {
    let h = hub(kind).await;
    let (ind, mal, rel) = (
        new_id("indicator"),
        new_id("malware"),
        new_id("relationship"),
    );
    h.post(
        "GBR",
        &[
            indicator(&ind, "2025-01-01T00:00:00.000Z", &[]),
            malware(&mal),
            relationship(&rel, &ind, &mal),
        ],
    )
    .await;
    assert_eq!(h.ids("OBS", &[]).await, [ind.as_str()]);
    let seen = h.manifest("OBS", &[]).await.last.unwrap();
    h.store.load_rules(RULES_V2).await.unwrap();
    h.recompute().await;
    let released = h.ids("OBS", &[("added_after", &seen)]).await;
    assert_eq!(released.len(), 2, "{released:?}");
    assert!(released.contains(&mal) && released.contains(&rel));
}

async fn deleting_a_referenced_object_withholds_what_references_it(kind: Kind) {
    let h = hub(kind).await;
    let (ind, mal, rel) = (
        new_id("indicator"),
        new_id("malware"),
        new_id("relationship"),
    );
    h.post(
        "GBR",
        &[
            indicator(&ind, "2025-01-01T00:00:00.000Z", &[]),
            malware(&mal),
            relationship(&rel, &ind, &mal),
        ],
    )
    .await;
    assert!(h.ids("FRA", &[]).await.contains(&rel));
    assert_eq!(h.delete("GBR", &mal).await.status, 200);
    for partner in ["GBR", "FRA"] {
        assert_eq!(h.ids(partner, &[]).await, [ind.as_str()], "{partner}");
        assert_eq!(h.object(partner, &rel, &[]).await.status, 404);
    }
}

both_backends!(
    deleting_a_referenced_object_withholds_what_references_it,
    relationship_to_a_withheld_object_is_withheld,
    relationship_waits_for_a_target_that_arrives_later,
    containers_need_every_member,
    closure_follows_a_rule_change_that_releases_the_target,
);
