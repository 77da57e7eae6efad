//! Acknowledged means committed: SIGKILL the server in the middle of a stream of POSTs, start
//! it again on the same database, and find every object whose envelope got a `success` status
//! and no envelope half-stored (an envelope is one transaction). Several rounds, each killing at
//! a random moment, so that some kills land inside a commit.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::helpers::stix;
use crate::helpers::{Backend, TAXII, TestApp, objects_path, spawn_app};

both_backends!(sigkill_during_posts_loses_no_acknowledged_object);

/// What became of one envelope.
struct Sent {
    ids: Vec<String>,
    /// The id of its status resource when the server acknowledged every object.
    acknowledged: Option<String>,
}

const STREAMS: usize = 4;
const PER_ENVELOPE: usize = 25;
const ROUNDS: usize = 3;

async fn sigkill_during_posts_loses_no_acknowledged_object(backend: Backend) {
    let mut app = spawn_app(backend).await;
    let shared = app.shared().await;
    let sent: Arc<Mutex<Vec<Sent>>> = Arc::new(Mutex::new(Vec::new()));
    for _ in 0..ROUNDS {
        post_until_killed(&mut app, &shared, &sent).await;
        app.restart().await;
        check(&app, &shared, &sent).await;
    }
    // And the restarted server takes new envelopes.
    app.add(&shared, &stix::indicators(3)).await;
}

/// Runs `STREAMS` concurrent streams of envelopes and kills the server with SIGKILL after a
/// random number of acknowledgements, while the streams are in flight.
async fn post_until_killed(app: &mut TestApp, shared: &str, sent: &Arc<Mutex<Vec<Sent>>>) {
    let url = app.url(&objects_path(shared));
    let already = acknowledged(sent);
    let mut streams = Vec::new();
    for _ in 0..STREAMS {
        let (client, url, token, sent) = (
            app.client.clone(),
            url.clone(),
            app.token.clone(),
            sent.clone(),
        );
        streams.push(tokio::spawn(async move {
            loop {
                let objects: Vec<Value> = (0..PER_ENVELOPE).map(|_| stix::indicator_1k()).collect();
                let ids = stix::ids(&objects);
                let response = client
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Accept", TAXII)
                    .header("Content-Type", TAXII)
                    .body(serde_json::to_vec(&stix::envelope(&objects)).unwrap())
                    .send()
                    .await;
                let status: Option<Value> = match response {
                    Ok(r) if r.status().as_u16() == 202 => r.json().await.ok(),
                    _ => None,
                };
                let acknowledged = status.as_ref().and_then(|s| {
                    (s["success_count"].as_u64() == Some(PER_ENVELOPE as u64))
                        .then(|| s["id"].as_str().unwrap().to_owned())
                });
                let done = acknowledged.is_none();
                sent.lock().unwrap().push(Sent { ids, acknowledged });
                if done {
                    // The server is gone (or refused): this stream ends.
                    return;
                }
            }
        }));
    }

    let wanted = already + 8 + (uuid::Uuid::new_v4().as_u128() % 16) as usize;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while acknowledged(sent) < wanted {
        assert!(
            tokio::time::Instant::now() < deadline,
            "only {} envelopes acknowledged in 60 s",
            acknowledged(sent)
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // A random moment more, so that the kill does not always follow an acknowledgement.
    tokio::time::sleep(Duration::from_micros(
        (uuid::Uuid::new_v4().as_u128() % 20_000) as u64,
    ))
    .await;
    app.kill();
    for stream in streams {
        stream.await.unwrap();
    }
}

fn acknowledged(sent: &Mutex<Vec<Sent>>) -> usize {
    sent.lock()
        .unwrap()
        .iter()
        .filter(|s| s.acknowledged.is_some())
        .count()
}

/// Every acknowledged envelope whole (with its status), every other one whole or absent, and
/// nothing else stored.
async fn check(app: &TestApp, shared: &str, sent: &Mutex<Vec<Sent>>) {
    let stored: HashSet<String> = app
        .all_objects(shared, 1000, &[])
        .await
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_owned())
        .collect();
    let statuses: Vec<String> = {
        let sent = sent.lock().unwrap();
        let mut expected = 0;
        for envelope in sent.iter() {
            let present = envelope
                .ids
                .iter()
                .filter(|id| stored.contains(*id))
                .count();
            if envelope.acknowledged.is_some() {
                assert_eq!(
                    present,
                    PER_ENVELOPE,
                    "an acknowledged envelope lost {} objects",
                    PER_ENVELOPE - present
                );
            } else {
                assert!(
                    present == 0 || present == PER_ENVELOPE,
                    "an unacknowledged envelope is half stored: {present} of {PER_ENVELOPE}"
                );
            }
            expected += present;
        }
        assert_eq!(stored.len(), expected, "nothing else is stored");
        let unacknowledged: Vec<usize> = sent
            .iter()
            .filter(|s| s.acknowledged.is_none())
            .map(|s| s.ids.iter().filter(|id| stored.contains(*id)).count())
            .collect();
        eprintln!(
            "durability: {} envelopes acknowledged; unacknowledged ones found stored: {unacknowledged:?}",
            sent.len() - unacknowledged.len()
        );
        sent.iter().filter_map(|s| s.acknowledged.clone()).collect()
    };
    for status in statuses {
        let reply = app.status(&status).await.expect(200);
        assert_eq!(
            reply.json()["success_count"].as_u64(),
            Some(PER_ENVELOPE as u64)
        );
    }
}
