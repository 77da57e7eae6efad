//! Object manifests (TAXII 2.1 §5.3): one record per version with its date added, version and
//! media type; the same filters as objects.

use std::collections::HashSet;

use crate::helpers::http::is_taxii;
use crate::helpers::stix::{self, indicator_version, ipv4, malware, version};
use crate::helpers::{Backend, STIX, spawn_app};

both_backends!(
    manifest_describes_the_latest_version_of_each_object,
    manifest_version_without_modified_is_the_date_added,
    manifest_honours_match_filters,
);

async fn manifest_describes_the_latest_version_of_each_object(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = stix::new_id("indicator");
    let family = malware();
    app.add(
        &shared,
        &[
            indicator_version(&id, 1),
            indicator_version(&id, 2),
            family.clone(),
        ],
    )
    .await;
    let reply = app.manifest(&shared, &[]).await.expect(200);
    assert!(is_taxii(reply.content_type()));
    let records = reply.objects();
    assert_eq!(records.len(), 2, "one record per object: {}", reply.text);
    let record = records.iter().find(|r| r["id"] == id.as_str()).unwrap();
    assert_eq!(record["version"], version(2).as_str());
    assert_eq!(record["media_type"], STIX);
    assert!(
        record["date_added"]
            .as_str()
            .is_some_and(|d| d.ends_with('Z'))
    );
    let record = records.iter().find(|r| r["id"] == family["id"]).unwrap();
    assert_eq!(record["version"], family["modified"]);
}

async fn manifest_version_without_modified_is_the_date_added(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let address = ipv4("192.0.2.44");
    app.add(&shared, &[address.clone()]).await;
    let reply = app.manifest(&shared, &[]).await.expect(200);
    let record = &reply.objects()[0];
    assert_eq!(record["id"], address["id"]);
    assert_eq!(record["version"], record["date_added"], "{}", reply.text);
}

async fn manifest_honours_match_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let shared = app.shared().await;
    let id = stix::new_id("indicator");
    let family = malware();
    let address = ipv4("192.0.2.45");
    app.add(
        &shared,
        &[
            indicator_version(&id, 1),
            indicator_version(&id, 2),
            family.clone(),
            address.clone(),
        ],
    )
    .await;
    let ids =
        |reply: &crate::helpers::Reply| -> HashSet<String> { reply.ids().into_iter().collect() };

    let reply = app
        .manifest(&shared, &[("match[type]", "malware,ipv4-addr")])
        .await
        .expect(200);
    assert_eq!(
        ids(&reply),
        stix::ids(&[family.clone(), address]).into_iter().collect()
    );

    let reply = app
        .manifest(&shared, &[("match[id]", &id), ("match[version]", "all")])
        .await
        .expect(200);
    let versions: Vec<_> = reply
        .objects()
        .iter()
        .map(|r| r["version"].clone())
        .collect();
    assert_eq!(versions, vec![version(1), version(2)]);

    let reply = app
        .manifest(&shared, &[("match[version]", "first"), ("match[id]", &id)])
        .await
        .expect(200);
    let versions: Vec<_> = reply
        .objects()
        .iter()
        .map(|r| r["version"].clone())
        .collect();
    assert_eq!(versions, vec![version(1)]);

    let reply = app
        .manifest(&shared, &[("match[spec_version]", "2.1"), ("limit", "2")])
        .await
        .expect(200);
    assert_eq!(reply.objects().len(), 2);
    assert!(reply.more());
}
