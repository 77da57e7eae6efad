//! Embargo: a version embargoed for an audience is hidden until its `visible_from` (the hub's
//! receive time plus the embargo, never a STIX timestamp), and then reaches that audience's
//! pollers with `visible_from` as its date added.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{HOUR, Kind, hub, indicator, malware, new_id};

async fn embargoed_versions_appear_at_visible_from_with_that_date_added(kind: Kind) {
    let h = hub(kind).await;
    let (early, tip) = (new_id("malware"), new_id("indicator"));
    h.post("GBR", &[malware(&early)]).await;
    let received = h.clock.now();
    h.post(
        "CERT-X",
        &[indicator(&tip, "2025-01-01T00:00:00.000Z", &[])],
    )
    .await;
    // The originator has it at once; everyone else does not, by any endpoint.
    assert!(h.ids("CERT-X", &[]).await.contains(&tip));
    let polled = h.manifest("FRA", &[]).await;
    assert_eq!(fanout_support::ids_of(&polled), [early.as_str()]);
    let seen = polled.last.unwrap();
    assert_eq!(h.object("FRA", &tip, &[]).await.status, 404);
    assert_eq!(h.ids("FRA", &[("added_after", &seen)]).await.len(), 0);

    h.clock.advance(23 * HOUR);
    assert_eq!(h.object("FRA", &tip, &[]).await.status, 404);
    h.clock.advance(2 * HOUR);
    let after = h.objects("FRA", &[("added_after", &seen)]).await;
    assert_eq!(fanout_support::ids_of(&after), [tip.as_str()]);
    // Its date added for FRA is the end of the embargo, not the receive time.
    let date = after.first.unwrap();
    let expected = taxii::query::DateAdded(received + 24 * HOUR).to_string();
    assert!(date >= expected, "{date} < {expected}");
    assert!(date < taxii::query::DateAdded(received + 24 * HOUR + 1_000_000).to_string());
    assert_eq!(h.object("FRA", &tip, &[]).await.status, 200);
}

both_backends!(embargoed_versions_appear_at_visible_from_with_that_date_added);
