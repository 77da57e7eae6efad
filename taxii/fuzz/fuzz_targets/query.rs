//! Any text as a query string, an `Accept` header and a cursor: the readers answer with a value
//! or a client error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use taxii::cursor::{self, Scope};
use taxii::ids::CollectionId;
use taxii::params::Endpoint;

fuzz_target!(|text: &str| {
    let pairs: Vec<(String, String)> = text
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) => (name.to_owned(), value.to_owned()),
            None => (pair.to_owned(), String::new()),
        })
        .collect();
    for endpoint in [
        Endpoint::Objects,
        Endpoint::Manifest,
        Endpoint::Object,
        Endpoint::Versions,
        Endpoint::DeleteObject,
        Endpoint::Plain,
    ] {
        let scope = Scope {
            endpoint,
            collection: CollectionId::from_uuid(uuid_of(text)),
            object_id: Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
        };
        let _ =
            taxii::service::listing(&scope, &pairs, 1000, cursor::CursorKey::from_bytes([1; 32]));
        if let Ok(listing) =
            taxii::service::listing(&scope, &[], 1000, cursor::CursorKey::from_bytes([1; 32]))
        {
            let _ = cursor::decode(text, listing.fingerprint);
        }
    }
    let _ = taxii::media_type::negotiate(Some(text));
    let _ = taxii::media_type::check_content_type(Some(text));
});

fn uuid_of(text: &str) -> uuid::Uuid {
    uuid::Uuid::from_u128(text.len() as u128)
}
