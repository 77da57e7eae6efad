//! Constants of the pattern language (§9.2): their lexical checks and decoding, and the
//! value formats that comparisons against hashes and IP ranges need.

use std::fmt::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

/// STIX integers are signed 54-bit values (§2.10): `[-(2^53)+1, 2^53-1]`.
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Why a numeric constant was refused.
pub(crate) enum NumberFault {
    PlusSign,
    IntegerRange,
    FloatRange,
}

impl NumberFault {
    pub(crate) fn message(&self) -> &'static str {
        match self {
            NumberFault::PlusSign => "a positive number is written without '+' (STIX 2.1 §9.2)",
            NumberFault::IntegerRange => {
                "an integer must be between -(2^53)+1 and 2^53-1 (STIX 2.1 §2.10)"
            }
            NumberFault::FloatRange => "a float must be within the range of an IEEE 754 double",
        }
    }
}

/// Reads an integer token (lexically `[+-]?(0|[1-9][0-9]*)`).
pub(crate) fn parse_integer(text: &str) -> Result<i64, NumberFault> {
    if text.starts_with('+') {
        return Err(NumberFault::PlusSign);
    }
    // Anything longer than 17 digits is out of range; i64 parsing then cannot overflow.
    if text.len() > 18 {
        return Err(NumberFault::IntegerRange);
    }
    let value: i64 = text.parse().map_err(|_| NumberFault::IntegerRange)?;
    if value.abs() > MAX_SAFE_INTEGER {
        return Err(NumberFault::IntegerRange);
    }
    Ok(value)
}

/// Reads a float token (lexically `[+-]?[0-9]*\.[0-9]+`).
pub(crate) fn parse_float(text: &str) -> Result<f64, NumberFault> {
    if text.starts_with('+') {
        return Err(NumberFault::PlusSign);
    }
    let value: f64 = text.parse().map_err(|_| NumberFault::FloatRange)?;
    if !value.is_finite() {
        return Err(NumberFault::FloatRange);
    }
    Ok(value)
}

/// The value of a string constant: `\'` → `'`, `\\` → `\` (the lexer admits no other escape).
pub(crate) fn unescape(inner: &str) -> String {
    if !inner.contains('\\') {
        return inner.to_owned();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(escaped) = chars.next() {
                out.push(escaped);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Decodes `h'...'`: an even number of hex digits.
pub(crate) fn decode_hex(inner: &str) -> Result<Vec<u8>, &'static str> {
    let bytes = inner.as_bytes();
    if bytes.len() % 2 != 0 {
        return Err("a hex constant needs an even number of hex digits");
    }
    bytes
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some((hex_value(*hi)? << 4) | hex_value(*lo)?),
            _ => None,
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or("a hex constant may contain only the digits 0-9 and a-f")
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn base64_value(b: u8) -> Option<u32> {
    match b {
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'a'..=b'z' => Some(u32::from(b - b'a') + 26),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes `b'...'`: padded base64 (RFC 4648 §4) of at least one quantum, as the OASIS grammar
/// requires. Line breaks are ignored (§9.2: line feeds MUST be supported and ignored).
pub(crate) fn decode_base64(inner: &str) -> Result<Vec<u8>, &'static str> {
    const FAULT: &str = "a binary constant must be padded base64 (groups of four characters from A-Z a-z 0-9 + /, '=' only at the end)";
    let mut out = Vec::with_capacity(inner.len() / 4 * 3);
    let mut quantum = [0u8; 4];
    let mut filled = 0;
    let mut finished = false;
    for b in inner.bytes().filter(|b| *b != b'\n' && *b != b'\r') {
        if finished {
            return Err(FAULT);
        }
        if let Some(slot) = quantum.get_mut(filled) {
            *slot = b;
        }
        filled += 1;
        if filled < 4 {
            continue;
        }
        filled = 0;
        let [a, b, c, d] = quantum;
        let (va, vb) = (base64_value(a).ok_or(FAULT)?, base64_value(b).ok_or(FAULT)?);
        match (c, d) {
            (b'=', b'=') => {
                out.push(((va << 2) | (vb >> 4)) as u8);
                finished = true;
            }
            (_, b'=') => {
                let vc = base64_value(c).ok_or(FAULT)?;
                let n = (va << 18) | (vb << 12) | (vc << 6);
                out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8]);
                finished = true;
            }
            _ => {
                let vc = base64_value(c).ok_or(FAULT)?;
                let vd = base64_value(d).ok_or(FAULT)?;
                let n = (va << 18) | (vb << 12) | (vc << 6) | vd;
                out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
            }
        }
    }
    if filled != 0 {
        return Err(FAULT);
    }
    if out.is_empty() && !finished {
        return Err("a binary constant must contain at least one base64 group");
    }
    Ok(out)
}

/// Writes padded standard base64.
pub(crate) fn encode_base64(f: &mut impl Write, bytes: &[u8]) -> fmt::Result {
    let char_at = |n: u32, shift: u32| -> char {
        BASE64_ALPHABET
            .get(((n >> shift) & 63) as usize)
            .map_or('A', |b| char::from(*b))
    };
    for chunk in bytes.chunks(3) {
        let (a, b, c) = match chunk {
            [a] => (*a, 0, 0),
            [a, b] => (*a, *b, 0),
            [a, b, c, ..] => (*a, *b, *c),
            [] => continue,
        };
        let n = (u32::from(a) << 16) | (u32::from(b) << 8) | u32::from(c);
        f.write_char(char_at(n, 18))?;
        f.write_char(char_at(n, 12))?;
        if chunk.len() > 1 {
            f.write_char(char_at(n, 6))?;
        } else {
            f.write_char('=')?;
        }
        if chunk.len() > 2 {
            f.write_char(char_at(n, 0))?;
        } else {
            f.write_char('=')?;
        }
    }
    Ok(())
}

/// The digest format of a hash algorithm named in an object path, if it has a fixed one.
/// Names match as the OASIS validator matches them: case-insensitive, hyphens ignored.
pub(crate) fn hash_format(algorithm: &str) -> Option<HashFormat> {
    let mut normalized = [0u8; 16];
    let mut len = 0;
    for b in algorithm.bytes().filter(|b| *b != b'-') {
        *normalized.get_mut(len)? = b.to_ascii_uppercase();
        len += 1;
    }
    let name = normalized.get(..len)?;
    let format = match name {
        b"MD5" => HashFormat::Hex(&[32]),
        b"MD6" => HashFormat::Hex(&[32, 40, 56, 64, 96, 128]),
        b"RIPEMD160" | b"SHA1" => HashFormat::Hex(&[40]),
        b"SHA224" | b"SHA3224" => HashFormat::Hex(&[56]),
        b"SHA256" | b"SHA3256" => HashFormat::Hex(&[64]),
        b"SHA384" | b"SHA3384" => HashFormat::Hex(&[96]),
        b"SHA512" | b"SHA3512" | b"WHIRLPOOL" => HashFormat::Hex(&[128]),
        b"SSDEEP" => HashFormat::Ssdeep,
        _ => return None,
    };
    Some(format)
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum HashFormat {
    /// Hex digits, one of these lengths.
    Hex(&'static [usize]),
    /// ssdeep: up to 128 characters of `A-Za-z0-9/+:.`.
    Ssdeep,
}

impl HashFormat {
    pub(crate) fn accepts(self, digest: &str) -> bool {
        match self {
            HashFormat::Hex(lengths) => {
                lengths.contains(&digest.len()) && digest.bytes().all(|b| b.is_ascii_hexdigit())
            }
            HashFormat::Ssdeep => {
                (1..=128).contains(&digest.len())
                    && digest.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.')
                    })
            }
        }
    }

    pub(crate) fn describe(self) -> String {
        match self {
            HashFormat::Hex(lengths) => {
                let lengths: Vec<String> = lengths.iter().map(ToString::to_string).collect();
                format!("{} hexadecimal digits", lengths.join(", "))
            }
            HashFormat::Ssdeep => "1 to 128 characters of A-Z a-z 0-9 / + : .".to_owned(),
        }
    }
}

/// An IPv4 or IPv6 address, optionally with a `/prefix` (what ISSUBSET and ISSUPERSET take).
pub(crate) fn is_ip_or_cidr(text: &str) -> bool {
    let (address, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let max_prefix = if address.parse::<Ipv4Addr>().is_ok() {
        32
    } else if address.parse::<Ipv6Addr>().is_ok() {
        128
    } else {
        return false;
    };
    prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 3
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| n <= max_prefix)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base64(bytes: &[u8]) -> String {
        let mut s = String::new();
        encode_base64(&mut s, bytes).unwrap();
        s
    }

    #[test]
    fn base64_round_trips_every_tail_length() {
        for data in [
            &b"a"[..],
            b"ab",
            b"abc",
            b"abcd",
            b"this is a test",
            &[0, 255, 128],
        ] {
            assert_eq!(decode_base64(&base64(data)).unwrap(), data);
        }
        assert_eq!(base64(b"this is a test"), "dGhpcyBpcyBhIHRlc3Q=");
    }

    #[test]
    fn base64_refuses_bad_padding_and_alphabet() {
        for bad in [
            "", "A", "AA", "AA=", "A===", "====", "AAA=AAAA", "AA*A", "AAAA=",
        ] {
            assert!(decode_base64(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn base64_ignores_line_feeds() {
        assert_eq!(decode_base64("dGhp\ncyBp\r\ncyBh").unwrap(), b"this is a");
    }

    #[test]
    fn hex_needs_pairs_of_hex_digits() {
        assert_eq!(decode_hex("ffC3").unwrap(), [0xff, 0xc3]);
        assert_eq!(decode_hex("").unwrap(), Vec::<u8>::new());
        assert!(decode_hex("abc").is_err());
        assert!(decode_hex("zz").is_err());
    }

    #[test]
    fn integers_are_54_bit() {
        assert_eq!(
            parse_integer("-9007199254740991").ok(),
            Some(-MAX_SAFE_INTEGER)
        );
        assert!(parse_integer("9007199254740992").is_err());
        assert!(parse_integer("99999999999999999999999").is_err());
        assert!(parse_integer("+1").is_err());
    }

    #[test]
    fn ip_ranges_are_addresses_with_optional_prefix() {
        for good in ["198.51.100.0/24", "198.51.100.1", "2001:db8::/32", "::1"] {
            assert!(is_ip_or_cidr(good), "{good}");
        }
        for bad in [
            "198.51.100.0/33",
            "2001:db8::/129",
            "example.com",
            "1.2.3.4/",
            "1.2.3.4/x",
        ] {
            assert!(!is_ip_or_cidr(bad), "{bad}");
        }
    }

    #[test]
    fn hash_names_ignore_case_and_hyphens() {
        assert!(hash_format("SHA-256").is_some_and(|f| f.accepts(&"a".repeat(64))));
        assert!(hash_format("sha256").is_some_and(|f| !f.accepts("abc")));
        assert!(hash_format("x_custom").is_none());
    }
}
