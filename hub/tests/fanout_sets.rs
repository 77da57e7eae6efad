//! Set-shared objects: a version released as stored to some audiences is one row in the stream
//! of that audience set, and a reader merges its sets' streams with the shared stream and its
//! own view rows — in date-added order, with no gap and no repeat across pages.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{Hub, Kind, TLP_AMBER_STRICT, TLP_CLEAR, hub, indicator, malware, new_id};

/// Every id a partner pages through, two at a time, in the order served.
async fn paged_ids(h: &Hub, partner: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("limit", "2")];
        if let Some(n) = &next {
            query.push(("next", n.as_str()));
        }
        let page = h.objects(partner, &query).await;
        assert_eq!(page.status, 200, "{}", page.body);
        for object in page.body["objects"].as_array().into_iter().flatten() {
            ids.push(object["id"].as_str().unwrap().to_owned());
        }
        match page.body["next"].as_str() {
            Some(n) => next = Some(n.to_owned()),
            None => return ids,
        }
    }
}

async fn readers_merge_their_set_streams_in_date_added_order(kind: Kind) {
    let h = hub(kind).await;
    // Shared (TLP:CLEAR), GBR's alone (AMBER+STRICT) and all but the observer (malware),
    // interleaved, one envelope each so that each has its own date added.
    let mut posted = Vec::new();
    for round in 0..4 {
        let clear = new_id("indicator");
        let strict = new_id("indicator");
        let family = new_id("malware");
        for object in [
            indicator(&clear, "2025-01-01T00:00:00.000Z", &[TLP_CLEAR]),
            indicator(&strict, "2025-01-01T00:00:00.000Z", &[TLP_AMBER_STRICT]),
            malware(&family),
        ] {
            let status = h.post("GBR", &[object]).await;
            assert_eq!(status["success_count"], 1, "round {round}: {status}");
        }
        posted.push((clear, strict, family));
    }
    let gbr: Vec<String> = posted
        .iter()
        .flat_map(|(c, s, m)| [c.clone(), s.clone(), m.clone()])
        .collect();
    let fra: Vec<String> = posted
        .iter()
        .flat_map(|(c, _, m)| [c.clone(), m.clone()])
        .collect();
    let obs: Vec<String> = posted.iter().map(|(c, _, _)| c.clone()).collect();
    assert_eq!(paged_ids(&h, "GBR").await, gbr);
    assert_eq!(paged_ids(&h, "FRA").await, fra);
    assert_eq!(paged_ids(&h, "OBS").await, obs);

    // A new version of a set-shared object released to fewer audiences leaves the set: the
    // audience that lost it keeps the version it had, the others get the new one.
    let (_, _, family) = &posted[0];
    let mut narrower = malware(family);
    narrower["modified"] = "2025-06-01T00:00:00.000Z".into();
    narrower["object_marking_refs"] = serde_json::json!([TLP_AMBER_STRICT]);
    let status = h.post("GBR", &[narrower]).await;
    assert_eq!(status["success_count"], 1, "{status}");
    let versions = |seen: fanout_support::Seen| {
        seen.body["versions"]
            .as_array()
            .map(|v| v.len())
            .unwrap_or_default()
    };
    assert_eq!(versions(h.versions("GBR", family, &[]).await), 2);
    assert_eq!(versions(h.versions("FRA", family, &[]).await), 1);
    assert_eq!(h.object("OBS", family, &[]).await.status, 404);
}

both_backends!(readers_merge_their_set_streams_in_date_added_order);
