//! Valid STIX 2.1 objects to post: fresh ids, chosen versions, ~1 KiB each when asked.

use serde_json::{Value, json};

/// The `created` of every generated object, and its first version.
pub const T0: &str = "2024-01-01T00:00:00.000Z";

/// The n-th version timestamp after [`T0`]: `2024-01-01T00:MM:SS.000Z` with n seconds added.
pub fn version(n: u32) -> String {
    format!(
        "2024-01-01T{:02}:{:02}:{:02}.000Z",
        n / 3600,
        (n / 60) % 60,
        n % 60
    )
}

pub fn new_id(type_name: &str) -> String {
    format!("{type_name}--{}", uuid::Uuid::new_v4())
}

/// An indicator with a fresh id, version [`T0`].
pub fn indicator() -> Value {
    indicator_version(&new_id("indicator"), 0)
}

/// Version `n` of indicator `id` (`modified` = [`version`]`(n)`).
pub fn indicator_version(id: &str, n: u32) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": T0,
        "modified": version(n),
        "name": format!("indicator version {n}"),
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": T0,
    })
}

/// An indicator of about 1 KiB, like the ones partners send.
pub fn indicator_1k() -> Value {
    let mut object = indicator();
    object["description"] = json!("Observed in phishing infrastructure. ".repeat(24));
    object
}

/// A malware family with a fresh id.
pub fn malware() -> Value {
    json!({
        "type": "malware",
        "spec_version": "2.1",
        "id": new_id("malware"),
        "created": T0,
        "modified": T0,
        "name": "Poison Ivy",
        "is_family": true,
    })
}

/// An `ipv4-addr` SCO: no `created` or `modified`, its id derived from `value` (STIX 2.1 §2.9).
pub fn ipv4(value: &str) -> Value {
    const SCO_NAMESPACE: uuid::Uuid = uuid::uuid!("00abedb4-aa42-466c-9c01-fed23315a9b7");
    let canonical = json!({ "value": value }).to_string();
    let id = uuid::Uuid::new_v5(&SCO_NAMESPACE, canonical.as_bytes());
    json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": format!("ipv4-addr--{id}"),
        "value": value,
    })
}

/// A TAXII envelope of `objects`.
pub fn envelope(objects: &[Value]) -> Value {
    json!({ "objects": objects })
}

pub fn ids(objects: &[Value]) -> Vec<String> {
    objects
        .iter()
        .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// `n` fresh indicators.
pub fn indicators(n: usize) -> Vec<Value> {
    (0..n).map(|_| indicator()).collect()
}
