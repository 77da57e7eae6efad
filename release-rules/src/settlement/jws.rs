//! The signature envelope of settlement statements: a detached JWS with unencoded payload
//! (RFC 7515 compact serialization, RFC 7797 `b64: false`), EdDSA over Ed25519 (RFC 8037).
//!
//! Chosen over a compact JWS whose payload is a digest because the statement is already in
//! the record field by field: the JWS carries only `<header>..<signature>`, the verifier
//! rebuilds the payload (the RFC 8785 bytes of the statement) itself, and no second copy of
//! the statement can disagree with the record. The protected header is exactly
//! `{"alg":"EdDSA","b64":false,"crit":["b64"],"kid":"ed25519:…"}` written as canonical JSON;
//! any other algorithm, header parameter or critical extension is refused. The signing
//! input is `BASE64URL(header) || "." || payload` (RFC 7797 §3).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::keys::{PartnerKey, PublicKey};

const SIGNATURE_LEN: usize = 64;

/// Signs `payload` with `key`; returns `<header>..<signature>`.
pub fn sign(key: &PartnerKey, payload: &[u8]) -> String {
    let header = json!({"alg": "EdDSA", "b64": false, "crit": ["b64"],
                        "kid": key.public_key().to_string()});
    let header_b64 = URL_SAFE_NO_PAD.encode(stix_model::canonical::to_canonical_bytes(&header));
    let signature = key.sign(&signing_input(&header_b64, payload));
    format!("{header_b64}..{}", URL_SAFE_NO_PAD.encode(signature))
}

/// A parsed detached JWS whose header has been checked.
#[derive(Debug, Clone)]
pub struct Detached<'a> {
    /// The key the header names.
    pub kid: PublicKey,
    header_b64: &'a str,
    signature: Vec<u8>,
}

impl<'a> Detached<'a> {
    /// Splits `<header>..<signature>` and checks the header; the message says what is wrong.
    pub fn parse(jws: &'a str) -> Result<Detached<'a>, String> {
        let mut parts = jws.split('.');
        let (Some(header_b64), Some(""), Some(sig_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err("signature is not a detached compact JWS (header..signature)".into());
        };
        let header_bytes = URL_SAFE_NO_PAD
            .decode(header_b64)
            .map_err(|_| "JWS header is not base64url")?;
        let header: Value =
            serde_json::from_slice(&header_bytes).map_err(|_| "JWS header is not JSON")?;
        let map = header.as_object().ok_or("JWS header is not an object")?;
        if let Some(k) = map
            .keys()
            .find(|k| !["alg", "b64", "crit", "kid"].contains(&k.as_str()))
        {
            return Err(format!("JWS header parameter {k} is not supported"));
        }
        if map.get("alg") != Some(&json!("EdDSA")) {
            return Err("JWS alg must be EdDSA (Ed25519)".into());
        }
        if map.get("b64") != Some(&json!(false)) || map.get("crit") != Some(&json!(["b64"])) {
            return Err("JWS header must be b64: false with crit: [\"b64\"] (RFC 7797)".into());
        }
        let kid = map
            .get("kid")
            .and_then(Value::as_str)
            .ok_or("JWS header has no kid")?;
        let kid = PublicKey::parse(kid).map_err(|e| e.to_string())?;
        let signature = URL_SAFE_NO_PAD
            .decode(sig_b64)
            .map_err(|_| "JWS signature is not base64url")?;
        if signature.len() != SIGNATURE_LEN {
            return Err("an Ed25519 signature is 64 bytes".into());
        }
        Ok(Detached {
            kid,
            header_b64,
            signature,
        })
    }

    /// Whether the signature is the `kid` key's over `payload`.
    pub fn verifies(&self, payload: &[u8]) -> bool {
        self.kid
            .verifies(&signing_input(self.header_b64, payload), &self.signature)
    }
}

fn signing_input(header_b64: &str, payload: &[u8]) -> Vec<u8> {
    let mut input = Vec::with_capacity(header_b64.len() + 1 + payload.len());
    input.extend_from_slice(header_b64.as_bytes());
    input.push(b'.');
    input.extend_from_slice(payload);
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_over_its_payload_only() {
        let key = PartnerKey::from_seed(&[9; 32]).unwrap();
        let jws = sign(&key, b"{\"a\":1}");
        let d = Detached::parse(&jws).unwrap();
        assert_eq!(d.kid, key.public_key());
        assert!(d.verifies(b"{\"a\":1}"));
        assert!(!d.verifies(b"{\"a\":2}"));
    }

    #[test]
    fn other_headers_are_refused() {
        let sig = URL_SAFE_NO_PAD.encode([0u8; 64]);
        let kid = PartnerKey::from_seed(&[9; 32]).unwrap().public_key();
        for header in [
            json!({"alg": "none", "b64": false, "crit": ["b64"], "kid": kid.to_string()}),
            json!({"alg": "EdDSA", "kid": kid.to_string()}),
            json!({"alg": "EdDSA", "b64": false, "crit": ["b64"]}),
            json!({"alg": "EdDSA", "b64": false, "crit": ["b64"], "kid": kid.to_string(), "jku": "https://x"}),
        ] {
            let h = URL_SAFE_NO_PAD.encode(header.to_string());
            assert!(Detached::parse(&format!("{h}..{sig}")).is_err(), "{header}");
        }
    }
}
