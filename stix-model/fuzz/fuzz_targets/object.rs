//! Any bytes: JSON that parses must validate without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) {
        let _ = stix_model::Validator::default().validate(&value);
    }
});
