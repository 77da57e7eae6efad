//! The typical indicator used by the throughput benchmark and by the OASIS comparison
//! (`examples/typical_indicators.rs` prints the same objects for the Python side).

/// A typical ~1 KiB indicator as national CERTs share them.
pub fn indicator(i: usize) -> String {
    format!(
        r#"{{
  "type": "indicator",
  "spec_version": "2.1",
  "id": "indicator--{i:08x}-8a3b-4c6d-9e0f-1a2b3c4d5e6f",
  "created_by_ref": "identity--f431f809-377b-45e0-aa1c-6a4751cae5ff",
  "created": "2026-03-01T10:{m:02}:00.000Z",
  "modified": "2026-03-01T10:{m:02}:00.000Z",
  "name": "Cobalt Strike beacon C2 {i}",
  "description": "Beacon observed calling back to this address during incident response; seen across several sectors.",
  "indicator_types": ["malicious-activity", "attribution"],
  "pattern": "[ipv4-addr:value = '198.51.{a}.{b}/32'] OR [file:hashes.'SHA-256' = 'ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c']",
  "pattern_type": "stix",
  "pattern_version": "2.1",
  "valid_from": "2026-03-01T10:{m:02}:00Z",
  "valid_until": "2026-09-01T00:00:00Z",
  "kill_chain_phases": [{{"kill_chain_name": "lockheed-martin-cyber-kill-chain", "phase_name": "command-and-control"}}],
  "labels": ["c2", "beacon"],
  "confidence": 80,
  "lang": "en",
  "external_references": [{{"source_name": "cert-xx", "url": "https://cert.example/advisories/2026-{i}", "external_id": "ADV-2026-{i}"}}],
  "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]
}}"#,
        m = i % 60,
        a = i / 256 % 256,
        b = i % 256
    )
}
