//! Pagination (TAXII 2.1 §3.4, §3.7): keyset pages with opaque `next` cursors lose and repeat
//! nothing across any number of pages, also while objects are added or deleted between pages;
//! `more` is exact; `X-TAXII-Date-Added-First` / `-Last` name the first and last row of a page.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::Value;

use crate::helpers::stix::{self, indicator_version};
use crate::helpers::{Backend, Reply, spawn_app};

both_backends!(
    paging_thousands_loses_and_repeats_nothing,
    more_is_exact,
    paging_while_objects_are_added_loses_nothing,
    object_deleted_mid_paging_is_not_returned_later,
    date_added_headers_are_exact,
);

/// A TAXII timestamp as (seconds part, nanoseconds), so that equal instants compare equal
/// whatever their precision.
fn instant(text: &str) -> (String, u32) {
    let body = text
        .strip_suffix('Z')
        .unwrap_or_else(|| panic!("not UTC: {text}"));
    let (seconds, fraction) = body.split_once('.').unwrap_or((body, ""));
    let digits = format!("{fraction:0<9}");
    (
        seconds.to_owned(),
        digits.get(..9).unwrap().parse().unwrap(),
    )
}

fn header_instant(reply: &Reply, name: &str) -> (String, u32) {
    instant(
        reply
            .header(name)
            .unwrap_or_else(|| panic!("{name} missing from a non-empty page: {:?}", reply.headers)),
    )
}

async fn paging_thousands_loses_and_repeats_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let mut expected = HashSet::new();
    for _ in 0..5 {
        let objects: Vec<Value> = (0..500).map(|_| stix::indicator_1k()).collect();
        expected.extend(stix::ids(&objects));
        app.add(&shared, &objects).await;
    }

    let mut seen = HashSet::new();
    let mut pages = 0;
    let mut previous_last: Option<(String, u32)> = None;
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("limit", "100")];
        if let Some(next) = &next {
            query.push(("next", next));
        }
        let reply = app.get_objects(&shared, &query).await.expect(200);
        pages += 1;
        let ids = reply.ids();
        for id in &ids {
            assert!(
                seen.insert(id.clone()),
                "{id} returned twice (page {pages})"
            );
        }
        let first = header_instant(&reply, "X-TAXII-Date-Added-First");
        if let Some(previous) = &previous_last {
            assert!(&first > previous, "pages overlap in date added");
        }
        previous_last = Some(header_instant(&reply, "X-TAXII-Date-Added-Last"));
        if !reply.more() {
            break;
        }
        assert_eq!(ids.len(), 100, "a page with more after it is full");
        next = reply.next();
    }
    assert_eq!(pages, 25);
    assert_eq!(seen, expected);

    // The manifest pages the same rows.
    let mut manifest_ids = HashSet::new();
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("limit", "333")];
        if let Some(next) = &next {
            query.push(("next", next));
        }
        let reply = app.manifest(&shared, &query).await.expect(200);
        for id in reply.ids() {
            assert!(
                manifest_ids.insert(id.clone()),
                "{id} twice in the manifest"
            );
        }
        if !reply.more() {
            break;
        }
        next = reply.next();
    }
    assert_eq!(manifest_ids, expected);
}

async fn more_is_exact(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    app.add(&shared, &stix::indicators(6)).await;

    let whole = app
        .get_objects(&shared, &[("limit", "6")])
        .await
        .expect(200);
    assert_eq!(whole.objects().len(), 6);
    assert!(
        !whole.more(),
        "exactly `limit` objects and nothing after: {}",
        whole.text
    );

    let half = app
        .get_objects(&shared, &[("limit", "3")])
        .await
        .expect(200);
    assert!(half.more());
    let next = half.next().unwrap();
    let rest = app
        .get_objects(&shared, &[("limit", "3"), ("next", &next)])
        .await
        .expect(200);
    assert_eq!(rest.objects().len(), 3);
    assert!(
        !rest.more(),
        "the last full page says no more: {}",
        rest.text
    );

    let five = app
        .get_objects(&shared, &[("limit", "5")])
        .await
        .expect(200);
    assert!(five.more());
    let next = five.next().unwrap();
    let one = app
        .get_objects(&shared, &[("limit", "5"), ("next", &next)])
        .await
        .expect(200);
    assert_eq!(one.objects().len(), 1);
    assert!(!one.more());
}

async fn paging_while_objects_are_added_loses_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let before: Vec<Value> = stix::indicators(300);
    app.add(&shared, &before).await;

    let stop = AtomicBool::new(false);
    let acked: Mutex<Vec<(Instant, Vec<String>)>> = Mutex::new(Vec::new());
    let writer = async {
        while !stop.load(Ordering::SeqCst) {
            let objects = stix::indicators(5);
            app.add(&shared, &objects).await;
            acked
                .lock()
                .unwrap()
                .push((Instant::now(), stix::ids(&objects)));
        }
    };
    let reader = async {
        let mut seen: Vec<String> = Vec::new();
        let mut next: Option<String> = None;
        let mut pages = 0;
        let last_started = loop {
            // Interleave: before each page the writer has added an envelope per two pages.
            let waiting = Instant::now();
            while acked.lock().unwrap().len() < pages / 2 && waiting.elapsed().as_secs() < 10 {
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            }
            let mut query = vec![("limit", "10")];
            if let Some(next) = &next {
                query.push(("next", next));
            }
            let started = Instant::now();
            let reply = app.get_objects(&shared, &query).await.expect(200);
            pages += 1;
            seen.extend(reply.ids());
            if !reply.more() {
                break started;
            }
            next = reply.next();
        };
        stop.store(true, Ordering::SeqCst);
        (seen, last_started)
    };
    let ((seen, last_started), ()) = tokio::join!(reader, writer);

    let unique: HashSet<&String> = seen.iter().collect();
    assert_eq!(unique.len(), seen.len(), "an object was returned twice");
    for id in stix::ids(&before) {
        assert!(
            unique.contains(&id),
            "{id}, stored before paging began, was lost"
        );
    }
    let acked = acked.into_inner().unwrap();
    let mut checked = 0;
    for (when, ids) in &acked {
        if *when < last_started {
            for id in ids {
                assert!(
                    unique.contains(id),
                    "{id}, acknowledged before the last page, was lost"
                );
                checked += 1;
            }
        }
    }
    assert!(
        checked > 0,
        "the writer should have added objects while paging"
    );
}

async fn object_deleted_mid_paging_is_not_returned_later(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let objects = stix::indicators(20);
    app.add(&shared, &objects).await;

    let first = app
        .get_objects(&shared, &[("limit", "5")])
        .await
        .expect(200);
    let mut seen: Vec<String> = first.ids();
    let unseen: Vec<String> = stix::ids(&objects)
        .into_iter()
        .filter(|id| !seen.contains(id))
        .collect();
    // One that would have come on a later page.
    let doomed = unseen[unseen.len() / 2].clone();
    app.delete_object(&shared, &doomed, &[]).await.expect(200);

    let mut next = first.next();
    while let Some(cursor) = next {
        let reply = app
            .get_objects(&shared, &[("limit", "5"), ("next", &cursor)])
            .await
            .expect(200);
        seen.extend(reply.ids());
        next = if reply.more() { reply.next() } else { None };
    }
    assert!(
        !seen.contains(&doomed),
        "a deleted object came back on a later page"
    );
    let expected: HashSet<String> = stix::ids(&objects)
        .into_iter()
        .filter(|id| id != &doomed)
        .collect();
    assert_eq!(seen.len(), 19);
    assert_eq!(seen.into_iter().collect::<HashSet<_>>(), expected);
}

async fn date_added_headers_are_exact(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = stix::new_id("indicator");
    app.add(&shared, &stix::indicators(4)).await;
    for n in 1..=3 {
        app.add(&shared, &[indicator_version(&id, n), stix::malware()])
            .await;
    }
    let manifest = app
        .manifest(&shared, &[("match[version]", "all"), ("limit", "1000")])
        .await
        .expect(200);
    let added: HashMap<(String, String), (String, u32)> = manifest
        .objects()
        .iter()
        .map(|m| {
            (
                (
                    m["id"].as_str().unwrap().to_owned(),
                    m["version"].as_str().unwrap().to_owned(),
                ),
                instant(m["date_added"].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(added.len(), 10);
    let key = |o: &Value| {
        (
            o["id"].as_str().unwrap().to_owned(),
            o["modified"].as_str().unwrap().to_owned(),
        )
    };

    // Objects: pages of 3.
    let mut next: Option<String> = None;
    loop {
        let mut query = vec![("limit", "3"), ("match[version]", "all")];
        if let Some(next) = &next {
            query.push(("next", next));
        }
        let reply = app.get_objects(&shared, &query).await.expect(200);
        let objects = reply.objects();
        assert_eq!(
            header_instant(&reply, "X-TAXII-Date-Added-First"),
            added[&key(&objects[0])]
        );
        assert_eq!(
            header_instant(&reply, "X-TAXII-Date-Added-Last"),
            added[&key(objects.last().unwrap())]
        );
        if !reply.more() {
            break;
        }
        next = reply.next();
    }

    // Manifest: the headers agree with the records' own date_added.
    let page = app
        .manifest(&shared, &[("limit", "4"), ("match[version]", "all")])
        .await
        .expect(200);
    let records = page.objects();
    assert_eq!(
        header_instant(&page, "X-TAXII-Date-Added-First"),
        instant(records[0]["date_added"].as_str().unwrap())
    );
    assert_eq!(
        header_instant(&page, "X-TAXII-Date-Added-Last"),
        instant(records[3]["date_added"].as_str().unwrap())
    );

    // Versions of one object.
    let versions = app.versions(&shared, &id, &[]).await.expect(200);
    assert_eq!(
        header_instant(&versions, "X-TAXII-Date-Added-First"),
        added[&(id.clone(), stix::version(1))]
    );
    assert_eq!(
        header_instant(&versions, "X-TAXII-Date-Added-Last"),
        added[&(id.clone(), stix::version(3))]
    );

    // Polling from the last header gives exactly what came after.
    let page = app
        .get_objects(&shared, &[("limit", "5"), ("match[version]", "all")])
        .await
        .expect(200);
    let last = page.header("X-TAXII-Date-Added-Last").unwrap().to_owned();
    let after = app
        .get_objects(
            &shared,
            &[("added_after", &last), ("match[version]", "all")],
        )
        .await
        .expect(200);
    assert_eq!(after.objects().len(), 5, "{}", after.text);
}
