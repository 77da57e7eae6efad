//! `accord explain` / `GET /admin/v1/explain`: release or withhold, and why, per version.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

mod fanout_support;

use fanout_support::{Kind, TLP_AMBER_STRICT, hub, indicator, malware, new_id, relationship};

fn said(e: &hub::store::Explanation) -> String {
    e.rule_sets
        .iter()
        .map(|(_, x)| x.decision.as_ref().unwrap().to_string())
        .collect::<Vec<_>>()
        .join(" | ")
}

async fn explain_names_the_rule_or_baseline_clause_per_version(kind: Kind) {
    let h = hub(kind).await;
    let (secret, mal, rel) = (
        new_id("indicator"),
        new_id("malware"),
        new_id("relationship"),
    );
    h.post(
        "GBR",
        &[
            indicator(&secret, "2025-01-01T00:00:00.000Z", &[TLP_AMBER_STRICT]),
            indicator(&secret, "2025-02-01T00:00:00.000Z", &[]),
            malware(&mal),
            relationship(&rel, &secret, &mal),
        ],
    )
    .await;
    let for_fra = h.store.explain(&secret, "FRA").await.unwrap();
    assert_eq!(for_fra.len(), 2, "one explanation per version");
    assert!(
        said(&for_fra[0]).starts_with("withhold: baseline TLP:AMBER+STRICT"),
        "{}",
        said(&for_fra[0])
    );
    assert!(!for_fra[0].in_view);
    assert_eq!(said(&for_fra[1]), "release: rule base-release");
    assert!(for_fra[1].in_view);

    let for_gbr = h.store.explain(&secret, "GBR").await.unwrap();
    assert!(for_gbr.iter().all(|e| e.in_view));

    let malware_for_observer = h.store.explain(&mal, "OBS").await.unwrap();
    assert_eq!(
        said(&malware_for_observer[0]),
        "withhold: rule no-malware-to-observers"
    );

    let rel_for_observer = h.store.explain(&rel, "OBS").await.unwrap();
    assert_eq!(rel_for_observer[0].withheld_refs, [mal.as_str()]);
    assert!(!rel_for_observer[0].in_view);

    let lines = hub::cli::explain::render(&rel, "OBS", &rel_for_observer[0]);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("withheld by closure") && l.contains(&mal))
    );
}

both_backends!(explain_names_the_rule_or_baseline_clause_per_version);
