//! RFC 8785 (JCS) canonical JSON, the SHA-256 content hash over it, and the deterministic
//! identifiers of cyber-observables (STIX 2.1 §2.9), which are UUIDv5 over the same form.
//!
//! The content hash is how labels and signatures are bound to one object version, so it must
//! not depend on how a partner happened to write the JSON: property order, whitespace, string
//! escapes (`"\u00e9"` or `"é"`) and number spellings (`1E2`, `100.0`) all vanish in the
//! canonical form. Property values are never altered otherwise (no Unicode normalisation).
//!
//! serde_json's `preserve_order` feature is on in this workspace, so a `Map` iterates in
//! document order; the canonicalizer sorts every object's keys by UTF-16 code units itself.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::StixError;
use crate::jcs;

/// The namespace of STIX 2.1 deterministic SCO identifiers (§2.9).
pub const SCO_ID_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The RFC 8785 (JCS) canonical bytes of a JSON value. Infallible: a `serde_json::Value`
/// holds only finite numbers and string keys, unique per object.
pub fn to_canonical_bytes(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    jcs::write_value(value, &mut out);
    out
}

/// The canonical bytes of a JSON object given as a map (the object a `StixObject` holds),
/// without building a `Value` around it.
pub fn map_to_canonical_bytes(map: &Map<String, Value>) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    jcs::write_object(map, &mut out);
    out
}

/// The SHA-256 of the canonical form of a JSON value.
pub fn content_hash(value: &Value) -> ContentHash {
    ContentHash::of_canonical_bytes(&to_canonical_bytes(value))
}

/// The content hash of JSON text as received: parsed as I-JSON (duplicate property names are
/// refused, see [`parse_i_json`]), canonicalized and hashed.
pub fn content_hash_of_bytes(raw_json: &[u8]) -> Result<ContentHash, StixError> {
    let value = parse_i_json(raw_json)?;
    Ok(content_hash(&value))
}

/// The deterministic identifier of a cyber-observable (STIX 2.1 §2.9): `type--UUIDv5` in the
/// STIX namespace over the canonical form of its ID contributing properties. `contributing` is
/// the JSON object of those properties as they appear in the SCO (e.g. `{"value": "…"}` for
/// `email-addr`); which properties contribute is the caller's business (`TypeSpec`).
pub fn sco_id_for(type_name: &str, contributing: &Value) -> String {
    let uuid = Uuid::new_v5(&SCO_ID_NAMESPACE, &to_canonical_bytes(contributing));
    format!("{type_name}--{uuid}")
}

/// Parses JSON text as I-JSON (RFC 7493), the input RFC 8785 requires: like
/// `serde_json::from_slice`, but an object with a duplicate property name is an error instead
/// of silently keeping the last value. Two readers that resolve duplicates differently would
/// otherwise see two different objects behind one content hash.
pub fn parse_i_json(bytes: &[u8]) -> Result<Value, StixError> {
    let IJson(value) = serde_json::from_slice(bytes)?;
    Ok(value)
}

/// A JSON value deserialized without accepting duplicate property names.
struct IJson(Value);

impl<'de> Deserialize<'de> for IJson {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(IJsonVisitor).map(IJson)
    }
}

struct IJsonVisitor;

impl<'de> Visitor<'de> for IJsonVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("a JSON number must be finite"))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        IJson::deserialize(deserializer).map(|IJson(v)| v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(IJson(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate property name {key:?}"
                )));
            }
            let IJson(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

/// The SHA-256 of an object's canonical JSON form. Shown and parsed as 64 lower-case hex
/// digits, so that comparing texts is comparing hashes.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ContentHash([u8; 32]);

impl ContentHash {
    /// The hash of bytes that are already in canonical form.
    pub fn of_canonical_bytes(canonical: &[u8]) -> ContentHash {
        ContentHash(Sha256::digest(canonical).into())
    }

    pub fn from_bytes(bytes: [u8; 32]) -> ContentHash {
        ContentHash(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }

    /// Parses 64 lower-case hex digits; upper case is refused so that one hash has one text.
    pub fn parse_hex(text: &str) -> Result<ContentHash, StixError> {
        let fault = || StixError::ContentHash(text.to_owned());
        if text.len() != 64 {
            return Err(fault());
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.as_bytes().chunks_exact(2)) {
            let [hi, lo] = pair else {
                return Err(fault());
            };
            *byte = (lower_hex_digit(*hi).ok_or_else(fault)? << 4)
                | lower_hex_digit(*lo).ok_or_else(fault)?;
        }
        Ok(ContentHash(bytes))
    }
}

fn lower_hex_digit(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({self})")
    }
}

impl FromStr for ContentHash {
    type Err = StixError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ContentHash::parse_hex(s)
    }
}

impl TryFrom<String> for ContentHash {
    type Error = StixError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        ContentHash::parse_hex(&value)
    }
}

impl From<ContentHash> for String {
    fn from(hash: ContentHash) -> String {
        hash.to_hex()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_out_of_double_range_do_not_parse() {
        // `to_canonical_bytes` is infallible only while serde_json refuses numbers that are
        // not finite doubles (its `arbitrary_precision` feature off).
        assert!(serde_json::from_str::<Value>("1e400").is_err());
        assert!(parse_i_json(b"[-1e400]").is_err());
    }

    #[test]
    fn canonicalization_of_a_value_does_not_fail() {
        let value: Value = serde_json::from_str(
            r#"{"b":[1,-0,1.5e300,18446744073709551615,-9223372036854775808],"a":{"\u0000":null}}"#,
        )
        .unwrap();
        assert_eq!(
            to_canonical_bytes(&value),
            br#"{"a":{"\u0000":null},"b":[1,0,1.5e+300,18446744073709552000,-9223372036854776000]}"#
        );
    }
}
