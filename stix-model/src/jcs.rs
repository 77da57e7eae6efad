//! The RFC 8785 (JCS) serializer: object members sorted by the UTF-16 code units of their
//! names, no insignificant whitespace, strings with the minimal escapes of §3.2.2.2, numbers as
//! ECMAScript prints doubles (§3.2.2.3).
//!
//! Written for the hot path of ingest: one pass, no intermediate values, no re-parsing of keys.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// Appends the canonical form of `value` to `out`.
pub(crate) fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, out);
            }
            out.push(b']');
        }
        Value::Object(map) => write_object(map, out),
    }
}

/// Appends the canonical form of a JSON object to `out`.
pub(crate) fn write_object(map: &Map<String, Value>, out: &mut Vec<u8>) {
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_unstable_by(|a, b| utf16_order(a.0, b.0));
    out.push(b'{');
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_string(key, out);
        out.push(b':');
        write_value(value, out);
    }
    out.push(b'}');
}

/// RFC 8785 §3.2.3: member names compare as arrays of UTF-16 code units. UTF-8 byte order is
/// the same except between supplementary characters and U+E000..U+FFFF, so bytes decide unless
/// the first difference involves a byte that can start either.
fn utf16_order(a: &str, b: &str) -> Ordering {
    let first_difference = a.bytes().zip(b.bytes()).find(|(x, y)| x != y);
    match first_difference {
        Some((x, y)) if x >= 0xEE && y >= 0xEE => a.encode_utf16().cmp(b.encode_utf16()),
        _ => a.as_bytes().cmp(b.as_bytes()),
    }
}

/// Integers of magnitude up to 2^53 print the same as the double they denote.
const EXACT_INTEGER: u64 = 1 << 53;

fn write_number(n: &Number, out: &mut Vec<u8>) {
    if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() <= EXACT_INTEGER) {
        out.extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
    } else if let Some(f) = n.as_f64() {
        // serde_json (without arbitrary_precision) holds only finite doubles and 64-bit
        // integers, and JCS treats every number as the double nearest to it.
        out.extend_from_slice(ryu_js::Buffer::new().format_finite(f).as_bytes());
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(bytes.get(start..i).unwrap_or_default());
        if escape.is_empty() {
            let hex = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
            out.extend_from_slice(&[b'\\', b'u', b'0', b'0', hex(b >> 4), hex(b & 0xf)]);
        } else {
            out.extend_from_slice(escape);
        }
        start = i + 1;
    }
    out.extend_from_slice(bytes.get(start..).unwrap_or_default());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canon(text: &str) -> String {
        let value: Value = serde_json::from_str(text).unwrap();
        let mut out = Vec::new();
        write_value(&value, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn control_characters_use_short_escapes_or_lowercase_hex() {
        assert_eq!(
            canon(r#""\u0000\u0008\u000c\n\r\t\u001f\"\\/é""#),
            "\"\\u0000\\b\\f\\n\\r\\t\\u001f\\\"\\\\/é\""
        );
    }

    #[test]
    fn integers_beyond_two_to_the_53_print_as_doubles() {
        assert_eq!(canon("9007199254740992"), "9007199254740992");
        assert_eq!(canon("9007199254740993"), "9007199254740992");
        assert_eq!(canon("18446744073709551615"), "18446744073709552000");
        assert_eq!(canon("-9223372036854775808"), "-9223372036854776000");
    }

    #[test]
    fn supplementary_characters_sort_before_high_bmp_characters() {
        // U+1F600 is D83D DE00 in UTF-16, below U+FB33; in UTF-8 it is F0…, above EF….
        assert_eq!(
            canon("{\"\u{fb33}\":1,\"\u{1f600}\":2}"),
            "{\"\u{1f600}\":2,\"\u{fb33}\":1}"
        );
    }
}
