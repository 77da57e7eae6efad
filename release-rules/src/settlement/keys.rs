//! Partner authority keys: Ed25519 public keys as the hub registers them (with the period
//! each was valid in), and the private-key helper a partner signs with. The hub only ever
//! holds public keys; [`PartnerKey`] is for the partner's own tooling (the CLI signs with the
//! partner's key file) and for tests.

use std::collections::BTreeMap;
use std::fmt;

use aws_lc_rs::signature::{self, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use stix_model::timestamp::Instant;

use crate::error::Error;

const PREFIX: &str = "ed25519:";
const KEY_LEN: usize = 32;

/// An Ed25519 public key, written `ed25519:<base64url of the 32 key bytes, no padding>`;
/// the same text is the JWS `kid` of the signatures it verifies.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicKey {
    bytes: [u8; KEY_LEN],
}

impl PublicKey {
    pub fn parse(text: &str) -> Result<PublicKey, Error> {
        let fault = |m: &str| Error::Key {
            message: format!("{text:?}: {m}"),
        };
        let body = text
            .strip_prefix(PREFIX)
            .ok_or_else(|| fault("a public key is written ed25519:<base64url>"))?;
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| fault("not unpadded base64url"))?;
        let bytes: [u8; KEY_LEN] = raw
            .try_into()
            .map_err(|_| fault("an Ed25519 public key is 32 bytes"))?;
        Ok(PublicKey { bytes })
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> PublicKey {
        PublicKey { bytes }
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }

    /// Whether `signature` is this key's Ed25519 signature over `message`.
    pub fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&signature::ED25519, &self.bytes)
            .verify(message, signature)
            .is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{PREFIX}{}", URL_SAFE_NO_PAD.encode(self.bytes))
    }
}

impl TryFrom<String> for PublicKey {
    type Error = Error;
    fn try_from(text: String) -> Result<PublicKey, Error> {
        PublicKey::parse(&text)
    }
}

impl From<PublicKey> for String {
    fn from(k: PublicKey) -> String {
        k.to_string()
    }
}

/// A partner's private signing key. Never given to the hub.
pub struct PartnerKey {
    pair: Ed25519KeyPair,
}

impl fmt::Debug for PartnerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The private half is never printed.
        write!(f, "PartnerKey({})", self.public_key())
    }
}

impl PartnerKey {
    /// A new key from the operating system's random source (aws-lc).
    pub fn generate() -> Result<PartnerKey, Error> {
        let pair = Ed25519KeyPair::generate().map_err(|_| Error::Key {
            message: "Ed25519 key generation failed".into(),
        })?;
        Ok(PartnerKey { pair })
    }

    /// The key derived from a 32-byte seed (deterministic: tests, or a seed the caller drew).
    pub fn from_seed(seed: &[u8; KEY_LEN]) -> Result<PartnerKey, Error> {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).map_err(|e| Error::Key {
            message: format!("seed refused: {e}"),
        })?;
        Ok(PartnerKey { pair })
    }

    /// Reads a PKCS #8 (v1 or v2) DER private key, as a key file holds it.
    pub fn from_pkcs8(der: &[u8]) -> Result<PartnerKey, Error> {
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|e| Error::Key {
            message: format!("not an Ed25519 PKCS #8 key: {e}"),
        })?;
        Ok(PartnerKey { pair })
    }

    /// The PKCS #8 v2 DER encoding (private and public key), for the partner's key file.
    pub fn to_pkcs8(&self) -> Result<Vec<u8>, Error> {
        self.pair
            .to_pkcs8()
            .map(|d| d.as_ref().to_vec())
            .map_err(|_| Error::Key {
                message: "PKCS #8 encoding failed".into(),
            })
    }

    pub fn public_key(&self) -> PublicKey {
        let mut bytes = [0u8; KEY_LEN];
        let raw = self.pair.public_key().as_ref();
        if raw.len() == KEY_LEN {
            bytes.copy_from_slice(raw);
        }
        PublicKey { bytes }
    }

    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// One registered key and the period it is valid in: `[from, until)`; `until` is set when a
/// key rotation or departure settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRecord {
    pub key: PublicKey,
    #[serde(with = "super::instant_text")]
    pub from: Instant,
    #[serde(default, with = "super::opt_instant_text")]
    pub until: Option<Instant>,
}

impl KeyRecord {
    pub fn valid_at(&self, at: Instant) -> bool {
        self.from <= at && self.until.is_none_or(|u| at < u)
    }
}

/// Every partner's key history. Signatures are checked against the key ring as it is *now*
/// (so a key rotation that settles while a proposal is open applies to it), at the instant
/// the attestation was made.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyRing {
    keys: BTreeMap<String, Vec<KeyRecord>>,
}

impl KeyRing {
    pub fn new() -> KeyRing {
        KeyRing::default()
    }

    /// Registers `key` for `partner` from `from` on. A key already registered to another
    /// partner is refused: a `kid` must name one partner.
    pub fn register(&mut self, partner: &str, key: PublicKey, from: Instant) -> Result<(), Error> {
        if let Some(owner) = self.owner_of(&key) {
            return Err(Error::Membership {
                message: format!("key {key} is already registered to {owner}"),
            });
        }
        self.keys
            .entry(partner.to_owned())
            .or_default()
            .push(KeyRecord {
                key,
                from,
                until: None,
            });
        Ok(())
    }

    /// Ends the validity of `key` (a key of `partner`) at `at`.
    pub fn retire(&mut self, partner: &str, key: &PublicKey, at: Instant) -> Result<(), Error> {
        let record = self
            .keys
            .get_mut(partner)
            .and_then(|ks| ks.iter_mut().find(|r| &r.key == key && r.until.is_none()))
            .ok_or_else(|| Error::Membership {
                message: format!("{partner} has no current key {key}"),
            })?;
        record.until = Some(at);
        Ok(())
    }

    /// Ends the validity of every key of `partner` at `at` (departure).
    pub fn retire_all(&mut self, partner: &str, at: Instant) {
        for r in self.keys.get_mut(partner).into_iter().flatten() {
            if r.until.is_none() {
                r.until = Some(at);
            }
        }
    }

    pub fn of(&self, partner: &str) -> &[KeyRecord] {
        self.keys.get(partner).map_or(&[], Vec::as_slice)
    }

    /// The keys of `partner` valid at `at`.
    pub fn valid_at(&self, partner: &str, at: Instant) -> Vec<PublicKey> {
        self.of(partner)
            .iter()
            .filter(|r| r.valid_at(at))
            .map(|r| r.key.clone())
            .collect()
    }

    /// The partner a key is (or was) registered to.
    pub fn owner_of(&self, key: &PublicKey) -> Option<&str> {
        self.keys
            .iter()
            .find(|(_, ks)| ks.iter().any(|r| &r.key == key))
            .map(|(p, _)| p.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_text_round_trips() {
        let k = PartnerKey::from_seed(&[7; 32]).unwrap().public_key();
        let text = k.to_string();
        assert!(text.starts_with("ed25519:"));
        assert_eq!(PublicKey::parse(&text).unwrap(), k);
    }

    #[test]
    fn malformed_public_keys_are_refused() {
        for bad in ["", "ed25519:", "ed25519:AAAA", "rsa:AAAA", "ed25519:!!!"] {
            assert!(PublicKey::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn pkcs8_round_trips_to_the_same_key() {
        let k = PartnerKey::generate().unwrap();
        let again = PartnerKey::from_pkcs8(&k.to_pkcs8().unwrap()).unwrap();
        assert_eq!(again.public_key(), k.public_key());
        let sig = k.sign(b"m");
        assert!(again.public_key().verifies(b"m", &sig));
        assert!(!again.public_key().verifies(b"n", &sig));
    }

    #[test]
    fn a_key_names_one_partner() {
        let key = PartnerKey::from_seed(&[1; 32]).unwrap().public_key();
        let t = Instant {
            seconds: 0,
            nanos: 0,
        };
        let mut ring = KeyRing::new();
        ring.register("A", key.clone(), t).unwrap();
        assert!(ring.register("B", key, t).is_err());
    }
}
