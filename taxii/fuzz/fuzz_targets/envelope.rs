//! Any bytes as an Add Objects body: read as an envelope of objects or refused as a client
//! error, never a panic, and never more objects than the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let validator = stix_model::Validator::default();
    if let Ok(ingested) = taxii::ingest::read_envelope(body, &validator, 100) {
        assert!(ingested.total() <= 100);
    }
});
