//! Filtering (TAXII 2.1 §3.4): `added_after` (exclusive), `limit`, `next`, `match[id]`,
//! `match[type]`, `match[version]` (`last`, `first`, `all`, timestamps, comma lists) and
//! `match[spec_version]`, alone and combined; malformed values are TAXII 400s.

use std::collections::HashSet;

use serde_json::Value;

use crate::helpers::stix::{self, indicator, indicator_version, ipv4, malware, version};
use crate::helpers::{Backend, Reply, TestApp, spawn_app, spawn_app_with};

both_backends!(
    added_after_is_exclusive,
    malformed_added_after_is_a_taxii_400,
    limit_caps_the_page,
    limit_above_the_server_maximum_is_reduced,
    malformed_limit_is_a_taxii_400,
    next_works_without_limit,
    match_id_selects_the_listed_ids,
    match_type_selects_the_listed_types,
    match_version_last_is_the_default,
    match_version_first_and_all,
    match_version_timestamps_and_comma_lists,
    match_version_compares_instants_not_text,
    match_spec_version_selects_by_spec_version,
    malformed_match_version_is_a_taxii_400,
    filters_combine,
    object_by_id_honours_match_version,
);

fn id_set(reply: &Reply) -> HashSet<String> {
    reply.ids().into_iter().collect()
}

fn set(objects: &[Value]) -> HashSet<String> {
    stix::ids(objects).into_iter().collect()
}

/// (id, modified) of each object of an envelope, in order.
fn versions(reply: &Reply) -> Vec<(String, String)> {
    reply
        .objects()
        .iter()
        .map(|o| {
            (
                o["id"].as_str().unwrap().to_owned(),
                o["modified"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// One object per envelope, so each has its own date added; returns them with their dates.
async fn one_by_one(app: &TestApp, collection: &str, n: usize) -> Vec<(Value, String)> {
    let mut added = Vec::new();
    for _ in 0..n {
        let object = indicator();
        app.add(collection, &[object.clone()]).await;
        let id = object["id"].as_str().unwrap().to_owned();
        let manifest = app
            .manifest(collection, &[("match[id]", &id)])
            .await
            .expect(200);
        let date = manifest.objects()[0]["date_added"]
            .as_str()
            .unwrap()
            .to_owned();
        added.push((object, date));
    }
    added
}

async fn added_after_is_exclusive(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let added = one_by_one(&app, &shared, 3).await;
    let after_second = app
        .get_objects(&shared, &[("added_after", &added[1].1)])
        .await
        .expect(200);
    assert_eq!(after_second.objects(), vec![added[2].0.clone()]);
    let after_first = app
        .get_objects(&shared, &[("added_after", &added[0].1)])
        .await
        .expect(200);
    assert_eq!(
        after_first.objects(),
        vec![added[1].0.clone(), added[2].0.clone()]
    );
    let after_last = app
        .get_objects(&shared, &[("added_after", &added[2].1)])
        .await
        .expect(200);
    assert!(after_last.objects().is_empty(), "{}", after_last.text);
    let long_ago = app
        .get_objects(&shared, &[("added_after", "2000-01-01T00:00:00Z")])
        .await
        .expect(200);
    assert_eq!(long_ago.objects().len(), 3);
}

async fn malformed_added_after_is_a_taxii_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for bad in [
        "yesterday",
        "2024-13-01T00:00:00Z",
        "2024-01-01T00:00:00+02:00",
    ] {
        let reply = app.get_objects(&shared, &[("added_after", bad)]).await;
        let reply = reply.expect_taxii_error(400);
        assert!(
            reply.error_text().contains("added_after"),
            "the error names the parameter for {bad:?}: {}",
            reply.text
        );
    }
}

async fn limit_caps_the_page(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    app.add(&shared, &stix::indicators(5)).await;
    let reply = app
        .get_objects(&shared, &[("limit", "2")])
        .await
        .expect(200);
    assert_eq!(reply.objects().len(), 2);
    assert!(reply.more());
    assert!(reply.next().is_some());
}

async fn limit_above_the_server_maximum_is_reduced(backend: Backend) {
    let app = spawn_app_with(backend, &[("ACCORD_PAGE_LIMIT", "3")]).await;
    let shared = app.shared().await;
    app.add(&shared, &stix::indicators(5)).await;
    let reply = app
        .get_objects(&shared, &[("limit", "100")])
        .await
        .expect(200);
    assert_eq!(reply.objects().len(), 3, "{}", reply.text);
    assert!(reply.more());
}

async fn malformed_limit_is_a_taxii_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for bad in ["abc", "-1", "1.5"] {
        let reply = app.get_objects(&shared, &[("limit", bad)]).await;
        let reply = reply.expect_taxii_error(400);
        assert!(
            reply.error_text().contains("limit"),
            "the error names the parameter for {bad:?}: {}",
            reply.text
        );
    }
}

async fn next_works_without_limit(backend: Backend) {
    let app = spawn_app_with(backend, &[("ACCORD_PAGE_LIMIT", "3")]).await;
    let shared = app.shared().await;
    let objects = stix::indicators(7);
    app.add(&shared, &objects).await;
    let mut seen = Vec::new();
    let mut reply = app.get_objects(&shared, &[]).await.expect(200);
    let mut pages = 1;
    loop {
        seen.extend(reply.ids());
        if !reply.more() {
            break;
        }
        let next = reply.next().unwrap();
        reply = app
            .get_objects(&shared, &[("next", &next)])
            .await
            .expect(200);
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7, "{seen:?}");
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), set(&objects));
}

async fn match_id_selects_the_listed_ids(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let objects = stix::indicators(4);
    app.add(&shared, &objects).await;
    let ids = stix::ids(&objects);
    let reply = app
        .get_objects(&shared, &[("match[id]", &ids[1])])
        .await
        .expect(200);
    assert_eq!(reply.objects(), vec![objects[1].clone()]);
    let list = format!("{},{}", ids[0], ids[3]);
    let reply = app
        .get_objects(&shared, &[("match[id]", &list)])
        .await
        .expect(200);
    assert_eq!(
        id_set(&reply),
        set(&[objects[0].clone(), objects[3].clone()])
    );
    let unknown = stix::new_id("indicator");
    let reply = app
        .get_objects(&shared, &[("match[id]", &unknown)])
        .await
        .expect(200);
    assert!(reply.objects().is_empty());
}

async fn match_type_selects_the_listed_types(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let (a, b, c) = (indicator(), malware(), ipv4("198.51.100.20"));
    app.add(&shared, &[a.clone(), b.clone(), c.clone()]).await;
    let reply = app
        .get_objects(&shared, &[("match[type]", "malware")])
        .await
        .expect(200);
    assert_eq!(reply.objects(), vec![b.clone()]);
    let reply = app
        .get_objects(&shared, &[("match[type]", "indicator,ipv4-addr")])
        .await
        .expect(200);
    assert_eq!(id_set(&reply), set(&[a, c]));
    let reply = app
        .get_objects(&shared, &[("match[type]", "campaign")])
        .await
        .expect(200);
    assert!(reply.objects().is_empty());
}

/// Object A in versions 1, 2, 3 and object B in version 0, all in one envelope.
async fn versioned(app: &TestApp, collection: &str) -> (String, String) {
    let a = stix::new_id("indicator");
    let b = indicator();
    let mut objects: Vec<Value> = (1..=3).map(|n| indicator_version(&a, n)).collect();
    objects.push(b.clone());
    app.add(collection, &objects).await;
    (a, b["id"].as_str().unwrap().to_owned())
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

async fn match_version_last_is_the_default(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let (a, b) = versioned(&app, &shared).await;
    let expected = sorted(vec![(a.clone(), version(3)), (b.clone(), version(0))]);
    let default = app.get_objects(&shared, &[]).await.expect(200);
    assert_eq!(sorted(versions(&default)), expected);
    let last = app
        .get_objects(&shared, &[("match[version]", "last")])
        .await
        .expect(200);
    assert_eq!(sorted(versions(&last)), expected);
}

async fn match_version_first_and_all(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let (a, b) = versioned(&app, &shared).await;
    let first = app
        .get_objects(&shared, &[("match[version]", "first")])
        .await
        .expect(200);
    assert_eq!(
        sorted(versions(&first)),
        sorted(vec![(a.clone(), version(1)), (b.clone(), version(0))])
    );
    let all = app
        .get_objects(&shared, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(
        sorted(versions(&all)),
        sorted(vec![
            (a.clone(), version(1)),
            (a.clone(), version(2)),
            (a.clone(), version(3)),
            (b, version(0)),
        ])
    );
}

async fn match_version_timestamps_and_comma_lists(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let (a, b) = versioned(&app, &shared).await;
    let one = app
        .get_objects(&shared, &[("match[version]", &version(2))])
        .await
        .expect(200);
    assert_eq!(versions(&one), vec![(a.clone(), version(2))]);
    let two = format!("{},{}", version(1), version(3));
    let reply = app
        .get_objects(&shared, &[("match[version]", &two)])
        .await
        .expect(200);
    assert_eq!(
        sorted(versions(&reply)),
        sorted(vec![(a.clone(), version(1)), (a.clone(), version(3))])
    );
    // A version selected twice (B is both its first and its last) is returned once.
    let reply = app
        .get_objects(&shared, &[("match[version]", "first,last")])
        .await
        .expect(200);
    assert_eq!(
        sorted(versions(&reply)),
        sorted(vec![
            (a.clone(), version(1)),
            (a.clone(), version(3)),
            (b.clone(), version(0))
        ])
    );
    let mixed = format!("first,{}", version(2));
    let reply = app
        .get_objects(&shared, &[("match[version]", &mixed)])
        .await
        .expect(200);
    assert_eq!(
        sorted(versions(&reply)),
        sorted(vec![
            (a.clone(), version(1)),
            (a, version(2)),
            (b, version(0))
        ])
    );
}

async fn match_version_compares_instants_not_text(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let (a, _) = versioned(&app, &shared).await;
    // version(2) is 2024-01-01T00:00:02.000Z; the same instant written otherwise.
    for same in [
        "2024-01-01T00:00:02Z",
        "2024-01-01T00:00:02.0Z",
        "2024-01-01T00:00:02.000000Z",
    ] {
        let reply = app
            .get_objects(&shared, &[("match[version]", same)])
            .await
            .expect(200);
        assert_eq!(
            versions(&reply),
            vec![(a.clone(), version(2))],
            "for {same}"
        );
    }
}

async fn match_spec_version_selects_by_spec_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let objects = vec![indicator(), malware()];
    app.add(&shared, &objects).await;
    let reply = app
        .get_objects(&shared, &[("match[spec_version]", "2.1")])
        .await
        .expect(200);
    assert_eq!(id_set(&reply), set(&objects));
    let reply = app
        .get_objects(&shared, &[("match[spec_version]", "2.0")])
        .await
        .expect(200);
    assert!(reply.objects().is_empty(), "{}", reply.text);
    let reply = app
        .get_objects(&shared, &[("match[spec_version]", "2.0,2.1")])
        .await
        .expect(200);
    assert_eq!(id_set(&reply), set(&objects));
}

async fn malformed_match_version_is_a_taxii_400(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    for bad in ["latest", "2024-99-99T00:00:00Z", "first,", "yesterday"] {
        let reply = app.get_objects(&shared, &[("match[version]", bad)]).await;
        let reply = reply.expect_taxii_error(400);
        assert!(
            reply.error_text().contains("version"),
            "the error names the parameter for {bad:?}: {}",
            reply.text
        );
    }
}

async fn filters_combine(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let early = malware();
    app.add(&shared, &[early.clone()]).await;
    let cutoff = app.manifest(&shared, &[]).await.expect(200).objects()[0]["date_added"]
        .as_str()
        .unwrap()
        .to_owned();
    let (a, _) = versioned(&app, &shared).await;
    let late = malware();
    let address = ipv4("198.51.100.77");
    app.add(&shared, &[late.clone(), address]).await;

    // Indicators and malware added after the first envelope, every version, two per page.
    let query = [
        ("added_after", cutoff.as_str()),
        ("match[type]", "indicator,malware"),
        ("match[version]", "all"),
        ("match[spec_version]", "2.1"),
        ("limit", "2"),
    ];
    let mut seen = Vec::new();
    let mut reply = app.get_objects(&shared, &query).await.expect(200);
    loop {
        assert!(reply.objects().len() <= 2);
        seen.extend(versions(&reply));
        if !reply.more() {
            break;
        }
        let next = reply.next().unwrap();
        let mut paged = query.to_vec();
        paged.push(("next", &next));
        reply = app.get_objects(&shared, &paged).await.expect(200);
    }
    let late_id = late["id"].as_str().unwrap().to_owned();
    let b_count = seen
        .iter()
        .filter(|(id, _)| id != &a && id != &late_id)
        .count();
    assert_eq!(b_count, 1, "object B once: {seen:?}");
    assert_eq!(seen.len(), 5, "A ×3, B, late malware: {seen:?}");
    assert!(
        !seen
            .iter()
            .any(|(id, _)| id == early["id"].as_str().unwrap())
    );

    // match[id] with match[version]=first: one object's first version only.
    let reply = app
        .get_objects(&shared, &[("match[id]", &a), ("match[version]", "first")])
        .await
        .expect(200);
    assert_eq!(versions(&reply), vec![(a, version(1))]);
}

async fn object_by_id_honours_match_version(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let (a, _) = versioned(&app, &shared).await;
    let all = app
        .get_object(&shared, &a, &[("match[version]", "all")])
        .await
        .expect(200);
    assert_eq!(
        sorted(versions(&all)),
        vec![
            (a.clone(), version(1)),
            (a.clone(), version(2)),
            (a.clone(), version(3))
        ]
    );
    let first = app
        .get_object(&shared, &a, &[("match[version]", "first")])
        .await
        .expect(200);
    assert_eq!(versions(&first), vec![(a.clone(), version(1))]);
    let exact = app
        .get_object(&shared, &a, &[("match[version]", &version(2))])
        .await
        .expect(200);
    assert_eq!(versions(&exact), vec![(a.clone(), version(2))]);
    let paged = app
        .get_object(&shared, &a, &[("match[version]", "all"), ("limit", "2")])
        .await
        .expect(200);
    assert_eq!(paged.objects().len(), 2);
    assert!(paged.more());
    let next = paged.next().unwrap();
    let rest = app
        .get_object(
            &shared,
            &a,
            &[("match[version]", "all"), ("limit", "2"), ("next", &next)],
        )
        .await
        .expect(200);
    assert_eq!(rest.objects().len(), 1);
    assert!(!rest.more());
}
