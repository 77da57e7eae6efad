//! No existence oracles: what a partner may not see is answered exactly as what does not
//! exist, on every endpoint, headers and counts included.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{Hub, Kind, TLP_AMBER_STRICT, TLP_CLEAR, hub, indicator, new_id};

/// GBR posts three indicators; the middle one is AMBER+STRICT (GBR only).
async fn three_with_a_secret(h: &Hub) -> (String, String, String) {
    let (a, secret, b) = (
        new_id("indicator"),
        new_id("indicator"),
        new_id("indicator"),
    );
    let status = h
        .post(
            "GBR",
            &[
                indicator(&a, "2025-01-01T00:00:00.000Z", &[TLP_CLEAR]),
                indicator(&secret, "2025-01-01T00:00:00.000Z", &[TLP_AMBER_STRICT]),
                indicator(&b, "2025-01-01T00:00:00.000Z", &[TLP_CLEAR]),
            ],
        )
        .await;
    assert_eq!(status["success_count"], 3, "{status}");
    (a, secret, b)
}

async fn withheld_object_is_answered_as_an_absent_one(kind: Kind) {
    let h = hub(kind).await;
    let (_, secret, _) = three_with_a_secret(&h).await;
    let absent = new_id("indicator");
    // The originator sees it.
    assert_eq!(h.object("GBR", &secret, &[]).await.status, 200);
    // Everyone else: exactly what an id nobody ever posted gets.
    for partner in ["FRA", "OBS", "CERT-X"] {
        assert_eq!(
            h.object(partner, &secret, &[]).await,
            h.object(partner, &absent, &[]).await
        );
        assert_eq!(h.object(partner, &secret, &[]).await.status, 404);
        assert_eq!(
            h.versions(partner, &secret, &[]).await,
            h.versions(partner, &absent, &[]).await
        );
        for query in [
            vec![("match[id]", secret.as_str())],
            vec![("match[id]", secret.as_str()), ("match[version]", "all")],
        ] {
            let withheld = h.objects(partner, &query).await;
            let none = h
                .objects(
                    partner,
                    &query
                        .iter()
                        .map(|(k, v)| (*k, if *v == secret { absent.as_str() } else { *v }))
                        .collect::<Vec<_>>(),
                )
                .await;
            assert_eq!(withheld, none);
            assert_eq!(withheld.body, serde_json::json!({"more": false}));
            assert_eq!((withheld.first, withheld.last), (None, None));
        }
        let manifest = h.manifest(partner, &[("match[id]", &secret)]).await;
        assert_eq!(manifest.body, serde_json::json!({"more": false}));
        // Deleting it is deleting nothing: 404, and it stays for its originator.
        assert_eq!(
            h.delete(partner, &secret).await,
            h.delete(partner, &absent).await
        );
    }
    assert_eq!(h.object("GBR", &secret, &[]).await.status, 200);
}

async fn pages_counts_and_date_headers_cover_released_objects_only(kind: Kind) {
    let h = hub(kind).await;
    let (a, secret, b) = three_with_a_secret(&h).await;
    let all_gbr = h.objects("GBR", &[]).await;
    let dates: Vec<String> = h.manifest("GBR", &[]).await.body["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["date_added"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(dates.len(), 3);
    assert_eq!(
        fanout_support::ids_of(&all_gbr),
        [a.as_str(), secret.as_str(), b.as_str()]
    );

    // A page of exactly the released objects says there is no more.
    let page = h.objects("FRA", &[("limit", "2")]).await;
    assert_eq!(fanout_support::ids_of(&page), [a.as_str(), b.as_str()]);
    assert_eq!(page.body["more"], false);
    assert_eq!(page.first.as_deref(), Some(dates[0].as_str()));
    assert_eq!(page.last.as_deref(), Some(dates[2].as_str()));
    // One at a time: the cursor goes from a to b, never through the withheld one.
    let first = h.objects("FRA", &[("limit", "1")]).await;
    assert_eq!(fanout_support::ids_of(&first), [a.as_str()]);
    assert_eq!(first.body["more"], true);
    let next = first.body["next"].as_str().unwrap().to_owned();
    let second = h.objects("FRA", &[("next", &next)]).await;
    assert_eq!(fanout_support::ids_of(&second), [b.as_str()]);
    assert_eq!(second.body["more"], false);
    assert_eq!(second.first.as_deref(), Some(dates[2].as_str()));
    // added_after the first released object: the next released one, nothing of the other.
    let after = h.objects("FRA", &[("added_after", &dates[0])]).await;
    assert_eq!(fanout_support::ids_of(&after), [b.as_str()]);
    let manifest = h.manifest("FRA", &[]).await;
    assert_eq!(manifest.body["objects"].as_array().unwrap().len(), 2);
}

both_backends!(
    withheld_object_is_answered_as_an_absent_one,
    pages_counts_and_date_headers_cover_released_objects_only,
);
