//! Lexical formats of STIX property values (STIX 2.1 §2: binary, hex, dictionary keys,
//! property names, URLs).

/// Base64 (RFC 4648 §4) with padding, as STIX `binary` requires.
pub fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() % 4 != 0 {
        return false;
    }
    let pad = b.iter().rev().take_while(|c| **c == b'=').count();
    if pad > 2 {
        return false;
    }
    b.iter()
        .take(b.len() - pad)
        .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
}

/// An even number of hexadecimal digits.
pub fn is_hex(s: &str) -> bool {
    s.len() % 2 == 0 && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// STIX 2.1 §3.1 property names: lowercase ASCII letters, digits and `_`, beginning with a
/// letter, 3 to 250 characters.
pub fn is_property_name(s: &str) -> bool {
    (3..=250).contains(&s.len())
        && s.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
        && s.bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
}

/// STIX 2.1 §2.8 dictionary keys: ASCII letters, digits, `_` and `-`, at most 250 characters.
pub fn is_dictionary_key(s: &str) -> bool {
    (1..=250).contains(&s.len())
        && s.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-')
}

/// An absolute URI: a scheme (RFC 3986 §3.1), a colon, and no whitespace.
pub fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && !s.chars().any(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_needs_padding_to_four() {
        assert!(is_base64("aGVsbG8="));
        assert!(is_base64(""));
        assert!(!is_base64("aGVsbG8"));
        assert!(!is_base64("aGVs*G8="));
        assert!(!is_base64("a==="));
    }

    #[test]
    fn hex_is_pairs_of_digits() {
        assert!(is_hex("0aFF"));
        assert!(!is_hex("0aF"));
        assert!(!is_hex("zz"));
    }

    #[test]
    fn property_names_are_3_to_250_word_characters() {
        assert!(is_property_name("x_acme"));
        assert!(!is_property_name("ab"));
        assert!(!is_property_name("x-acme"));
        assert!(!is_property_name(&"a".repeat(251)));
        assert!(!is_property_name("_acme"));
        assert!(!is_property_name("x_Acme"));
    }

    #[test]
    fn dictionary_keys_allow_hyphens() {
        assert!(is_dictionary_key("Content-Type"));
        assert!(!is_dictionary_key("a b"));
        assert!(!is_dictionary_key(""));
    }

    #[test]
    fn urls_need_a_scheme() {
        assert!(is_url("https://example.com/a"));
        assert!(is_url("mailto:a@example.com"));
        assert!(!is_url("example.com"));
        assert!(!is_url("http://exa mple.com"));
    }
}
