//! Several `accord serve` processes on one PostgreSQL database behave as one server: status
//! resources, `next` cursors and objects created through one are valid through the other, and
//! dates added stay unique when both write at once.

use std::collections::HashSet;

use crate::helpers::stix;
use crate::helpers::{Backend, spawn_app};

#[tokio::test]
async fn postgres_two_servers_behave_as_one() {
    let a = spawn_app(Backend::Postgres).await;
    let b = a.spawn_peer().await;
    assert_ne!(a.address, b.address);
    let shared = a.shared().await;
    assert_eq!(b.shared().await, shared);

    // A status created on A is read on B.
    let objects = stix::indicators(10);
    let status = a.add(&shared, &objects).await;
    let id = status["id"].as_str().unwrap();
    assert_eq!(b.status(id).await.expect(200).json(), &status);

    // A cursor from A continues on B, and B's on A.
    let first = a.get_objects(&shared, &[("limit", "4")]).await.expect(200);
    let second = b
        .get_objects(&shared, &[("limit", "4"), ("next", &first.next().unwrap())])
        .await
        .expect(200);
    let third = a
        .get_objects(
            &shared,
            &[("limit", "4"), ("next", &second.next().unwrap())],
        )
        .await
        .expect(200);
    assert!(!third.more());
    let mut paged: Vec<String> = first.ids();
    paged.extend(second.ids());
    paged.extend(third.ids());
    assert_eq!(paged.len(), 10);
    assert_eq!(
        paged.iter().collect::<HashSet<_>>(),
        stix::ids(&objects).iter().collect()
    );

    // Objects posted to B are served by A.
    let more = stix::indicators(5);
    b.add(&shared, &more).await;
    assert_eq!(a.all_objects(&shared, 100, &[]).await.len(), 15);

    // Both writing at once: nothing lost, no date added given twice.
    let (from_a, from_b) = tokio::join!(
        async {
            let mut ids = Vec::new();
            for _ in 0..10 {
                let objects = stix::indicators(20);
                a.add(&shared, &objects).await;
                ids.extend(stix::ids(&objects));
            }
            ids
        },
        async {
            let mut ids = Vec::new();
            for _ in 0..10 {
                let objects = stix::indicators(20);
                b.add(&shared, &objects).await;
                ids.extend(stix::ids(&objects));
            }
            ids
        }
    );
    let all: HashSet<String> = b
        .all_objects(&shared, 50, &[])
        .await
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all.len(), 15 + 400);
    assert!(
        from_a
            .iter()
            .chain(from_b.iter())
            .all(|id| all.contains(id))
    );
    let manifest = a.manifest(&shared, &[("limit", "1000")]).await.expect(200);
    let dates: HashSet<String> = manifest
        .objects()
        .iter()
        .map(|m| m["date_added"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(dates.len(), 415, "every version has its own date added");

    // A token created by the CLI works on both at once.
    let token = a.partner_with_token("p2").await;
    a.grant("p2", &shared, true, false).await;
    a.as_token(&token)
        .get_objects(&shared, &[("limit", "1")])
        .await
        .expect(200);
    b.as_token(&token)
        .get_objects(&shared, &[("limit", "1")])
        .await
        .expect(200);
}
