//! Recomputation: when the rule set or a partner's attributes change, views are recomputed in
//! the background (a job, run here by hand as the worker would), newly released objects reach
//! polling partners through `added_after` with a new date added for them, and what is newly
//! withheld is withheld at once (every read is re-checked against the latest rules and the
//! reader's current attributes).

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{
    Kind, RULES_V2, TLP_CLEAR, TLP_GREEN, hub, ids_of, indicator, malware, new_id,
};

async fn a_rule_change_releases_with_a_new_date_added_for_pollers(kind: Kind) {
    let h = hub(kind).await;
    let (ind, mal) = (new_id("indicator"), new_id("malware"));
    h.post(
        "GBR",
        &[
            malware(&mal),
            indicator(&ind, "2025-01-01T00:00:00.000Z", &[]),
        ],
    )
    .await;
    let polled = h.manifest("OBS", &[]).await;
    assert_eq!(ids_of(&polled), [ind.as_str()]);
    let seen = polled.last.unwrap();
    let original = h
        .manifest("GBR", &[("match[id]", &mal)])
        .await
        .first
        .unwrap();
    assert!(
        original < seen,
        "the malware was added before the indicator"
    );

    h.store.load_rules(RULES_V2).await.unwrap();
    // Pending: it widens nothing before every view is recomputed.
    assert_eq!(h.ids("OBS", &[]).await, [ind.as_str()]);
    h.recompute().await;
    let delivered = h.objects("OBS", &[("added_after", &seen)]).await;
    assert_eq!(ids_of(&delivered), [mal.as_str()]);
    assert!(delivered.first.unwrap() > seen);
    // Everyone else keeps the dates they had.
    assert_eq!(
        h.manifest("GBR", &[("match[id]", &mal)])
            .await
            .first
            .unwrap(),
        original
    );
}

const WITHHOLD_INDICATORS_FROM_FRA: &str = r#"
id: test/release
version: 2
groups:
  MISSION: {communities: [NATO, EU, FVEY]}
semantics: {tlp_organisation: partner, tlp_community: MISSION}
rules:
  - {id: base-release, effect: release}
  - id: no-indicators-to-fra
    effect: withhold
    scope: {attr: object.type, op: eq, value: indicator}
    audience: {attr: subject.partner, op: eq, value: FRA}
"#;

async fn a_narrowing_rule_change_withholds_at_once(kind: Kind) {
    let h = hub(kind).await;
    let ind = new_id("indicator");
    h.post("GBR", &[indicator(&ind, "2025-01-01T00:00:00.000Z", &[])])
        .await;
    assert_eq!(h.ids("FRA", &[]).await, [ind.as_str()]);
    h.store
        .load_rules(WITHHOLD_INDICATORS_FROM_FRA)
        .await
        .unwrap();
    // Before the views are recomputed: the re-check already withholds it, as absent.
    let page = h.objects("FRA", &[]).await;
    assert_eq!(page.body, serde_json::json!({"more": false}));
    assert_eq!(h.object("FRA", &ind, &[]).await.status, 404);
    h.recompute().await;
    assert_eq!(
        h.objects("FRA", &[]).await.body,
        serde_json::json!({"more": false})
    );
    assert_eq!(h.ids("GBR", &[]).await, [ind.as_str()]);
}

async fn a_partner_attribute_change_recomputes_its_view(kind: Kind) {
    let h = hub(kind).await;
    let (clear, green) = (new_id("indicator"), new_id("indicator"));
    h.post(
        "GBR",
        &[
            indicator(&clear, "2025-01-01T00:00:00.000Z", &[TLP_CLEAR]),
            indicator(&green, "2025-01-01T00:00:00.000Z", &[TLP_GREEN]),
        ],
    )
    .await;
    assert_eq!(h.ids("FRA", &[]).await, [clear.as_str(), green.as_str()]);
    let seen = h.manifest("FRA", &[]).await.last.unwrap();

    // FRA leaves every community: TLP:GREEN (the mission community) no longer reaches it.
    let mut fra = h.store.partner_attributes("FRA").await.unwrap();
    let communities = std::mem::take(&mut fra.communities);
    h.store.set_partner_attributes(&fra).await.unwrap();
    h.recompute().await;
    assert_eq!(h.ids("FRA", &[]).await, [clear.as_str()]);
    assert_eq!(h.object("FRA", &green, &[]).await.status, 404);

    // Back in: the GREEN indicator reaches FRA's poller again.
    fra.communities = communities;
    h.store.set_partner_attributes(&fra).await.unwrap();
    h.recompute().await;
    assert_eq!(
        h.ids("FRA", &[("added_after", &seen)]).await,
        [green.as_str()]
    );
    assert_eq!(h.ids("FRA", &[]).await.len(), 2);
}

both_backends!(
    a_rule_change_releases_with_a_new_date_added_for_pollers,
    a_narrowing_rule_change_withholds_at_once,
    a_partner_attribute_change_recomputes_its_view,
);
