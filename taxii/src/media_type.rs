//! Media types (TAXII 2.1 §1.6.8): content negotiation on `Accept` and the check of a request
//! body's `Content-Type`.
//!
//! Every TAXII 2.1 response, the envelope of objects included, is
//! `application/taxii+json;version=2.1`; `application/stix+json;version=2.1` only names the
//! media type of the objects inside (collection `media_types`, manifest `media_type`). A media
//! type without a `version` parameter means the latest version (§1.6.8.2), which for this server
//! is 2.1; any other version is one it cannot produce or read.

use crate::error::TaxiiError;

/// The media type of every TAXII 2.1 resource.
pub const TAXII_2_1: &str = "application/taxii+json;version=2.1";

/// The media type of STIX 2.1 content, as collections and manifests name it.
pub const STIX_2_1: &str = "application/stix+json;version=2.1";

/// The only TAXII version this server speaks.
const VERSION: &str = "2.1";

/// One element of an `Accept` list, parsed.
#[derive(Debug, Clone, PartialEq)]
struct MediaRange<'a> {
    main: &'a str,
    sub: &'a str,
    /// Media type parameters before `q`, names lowercased by comparison, values unquoted.
    params: Vec<(&'a str, String)>,
    /// The weight, 0.0 to 1.0.
    q: f32,
}

/// Chooses the media type of a response from the `Accept` header. `None` (no header) and an
/// empty header accept anything. The TAXII type is chosen when the most specific range that
/// matches it has a weight above 0 (RFC 9110 §12.5.1); otherwise the request gets 406.
pub fn negotiate(accept: Option<&str>) -> Result<&'static str, TaxiiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(TAXII_2_1);
    };
    // (specificity, weight) of the most specific range matching the TAXII type so far.
    let mut best: Option<(u8, f32)> = None;
    for element in split_unquoted(accept, b',') {
        let Some(range) = parse_range(element) else {
            // A malformed element is ignored, as a server does with any it cannot read.
            continue;
        };
        let Some(specificity) = matches_taxii(&range) else {
            continue;
        };
        best = match best {
            Some((s, q)) if s > specificity || (s == specificity && q >= range.q) => Some((s, q)),
            _ => Some((specificity, range.q)),
        };
    }
    match best {
        Some((_, q)) if q > 0.0 => Ok(TAXII_2_1),
        _ => Err(TaxiiError::NotAcceptable(format!(
            "this server produces only {TAXII_2_1}; the request accepts {}",
            accept.trim()
        ))),
    }
}

/// Checks the `Content-Type` of an Add Objects body: a TAXII envelope,
/// `application/taxii+json` with no version (the latest) or version 2.1, optionally with
/// `charset=utf-8`. Anything else, or no header, is 415.
pub fn check_content_type(content_type: Option<&str>) -> Result<(), TaxiiError> {
    let refuse = |given: &str| {
        TaxiiError::UnsupportedMediaType(format!(
            "{given}; an Add Objects request body must be {TAXII_2_1}"
        ))
    };
    let Some(text) = content_type.map(str::trim).filter(|t| !t.is_empty()) else {
        return Err(refuse("no Content-Type"));
    };
    let ok = parse_media_type(text).is_some_and(|(main, sub, params)| {
        main.eq_ignore_ascii_case("application")
            && sub.eq_ignore_ascii_case("taxii+json")
            && params
                .iter()
                .all(|(name, value)| taxii_param_fits(name, value))
    });
    if ok { Ok(()) } else { Err(refuse(text)) }
}

/// How specifically a range names the TAXII 2.1 type: 3 with `version=2.1`, 2 for the type
/// without a version, 1 for `application/*`, 0 for `*/*`; `None` when it does not match.
fn matches_taxii(range: &MediaRange<'_>) -> Option<u8> {
    let params_fit = range
        .params
        .iter()
        .all(|(name, value)| taxii_param_fits(name, value));
    if !params_fit {
        return None;
    }
    let versioned = range
        .params
        .iter()
        .any(|(name, _)| name.eq_ignore_ascii_case("version"));
    match (range.main, range.sub) {
        ("*", "*") => Some(0),
        (main, "*") if main.eq_ignore_ascii_case("application") => Some(1),
        (main, sub)
            if main.eq_ignore_ascii_case("application")
                && sub.eq_ignore_ascii_case("taxii+json") =>
        {
            Some(if versioned { 3 } else { 2 })
        }
        _ => None,
    }
}

/// Whether a media type parameter allows the TAXII 2.1 type: `version` must be 2.1, `charset`
/// UTF-8 (what every JSON response is); any other parameter names something this server does
/// not know, so it does not match.
fn taxii_param_fits(name: &str, value: &str) -> bool {
    if name.eq_ignore_ascii_case("version") {
        value == VERSION
    } else if name.eq_ignore_ascii_case("charset") {
        value.eq_ignore_ascii_case("utf-8")
    } else {
        false
    }
}

/// Parses one `Accept` element: a media range, its parameters, `q`, and extension parameters
/// after `q` (ignored, RFC 9110 §12.5.1).
fn parse_range(element: &str) -> Option<MediaRange<'_>> {
    let (main, sub, all_params) = parse_media_type(element)?;
    if main == "*" && sub != "*" {
        return None;
    }
    let mut params = Vec::new();
    let mut q = 1.0;
    let mut iter = all_params.into_iter();
    for (name, value) in iter.by_ref() {
        if name.eq_ignore_ascii_case("q") {
            q = parse_weight(&value)?;
            break;
        }
        params.push((name, value));
    }
    Some(MediaRange {
        main,
        sub,
        params,
        q,
    })
}

/// A media type split into type, subtype and parameters.
type Parts<'a> = (&'a str, &'a str, Vec<(&'a str, String)>);

/// `type/subtype *(; name=value)`, with tokens checked and quoted values unquoted.
fn parse_media_type(text: &str) -> Option<Parts<'_>> {
    let mut parts = split_unquoted(text, b';');
    let essence = parts.next()?.trim();
    let (main, sub) = essence.split_once('/')?;
    if !is_token(main) || !is_token(sub) {
        return None;
    }
    let mut params = Vec::new();
    for part in parts {
        let part = part.trim();
        if part.is_empty() {
            // `a/b;` and `a/b;;c=d` are sloppy but harmless.
            continue;
        }
        let (name, value) = part.split_once('=')?;
        let name = name.trim();
        if !is_token(name) {
            return None;
        }
        params.push((name, unquote(value.trim())?));
    }
    Some((main, sub, params))
}

/// A weight: `0`, `1`, or `0.` / `1.` followed by up to three digits (RFC 9110 §12.4.2).
fn parse_weight(text: &str) -> Option<f32> {
    let (int, frac) = match text.split_once('.') {
        Some((int, frac)) => (int, frac),
        None => (text, ""),
    };
    let well_formed = matches!(int, "0" | "1")
        && frac.len() <= 3
        && frac.bytes().all(|c| c.is_ascii_digit())
        && (int == "0" || frac.bytes().all(|c| c == b'0'));
    if !well_formed {
        return None;
    }
    text.parse::<f32>().ok()
}

/// A parameter value: a token, or a quoted string with `\` escapes.
fn unquote(value: &str) -> Option<String> {
    let Some(inner) = value.strip_prefix('"') else {
        return is_token(value).then(|| value.to_owned());
    };
    let inner = inner.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push(chars.next()?),
            '"' => return None,
            c => out.push(c),
        }
    }
    Some(out)
}

/// An RFC 9110 token: visible ASCII except delimiters.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'!' | b'#'
                        | b'$'
                        | b'%'
                        | b'&'
                        | b'\''
                        | b'*'
                        | b'+'
                        | b'-'
                        | b'.'
                        | b'^'
                        | b'_'
                        | b'`'
                        | b'|'
                        | b'~'
                )
        })
}

/// Splits on `separator` outside double-quoted strings (a quoted parameter value may contain
/// commas and semicolons).
fn split_unquoted(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let mut quoted = false;
        let mut escaped = false;
        for (i, b) in current.bytes().enumerate() {
            if escaped {
                escaped = false;
            } else if quoted && b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                quoted = !quoted;
            } else if !quoted && b == separator {
                rest = current.get(i + 1..);
                return current.get(..i);
            }
        }
        rest = None;
        Some(current)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accepts(accept: &str) -> bool {
        match negotiate(Some(accept)) {
            Ok(media_type) => {
                assert_eq!(media_type, TAXII_2_1);
                true
            }
            Err(TaxiiError::NotAcceptable(_)) => false,
            Err(e) => panic!("unexpected error {e:?}"),
        }
    }

    #[test]
    fn missing_or_empty_accept_means_the_taxii_type() {
        assert_eq!(negotiate(None).unwrap(), TAXII_2_1);
        assert_eq!(negotiate(Some("")).unwrap(), TAXII_2_1);
        assert_eq!(negotiate(Some("  ")).unwrap(), TAXII_2_1);
    }

    #[test]
    fn taxii_2_1_is_accepted() {
        assert!(accepts("application/taxii+json;version=2.1"));
        assert!(accepts("application/taxii+json; version=2.1"));
        assert!(accepts("application/taxii+json;version=\"2.1\""));
    }

    #[test]
    fn taxii_without_version_means_the_latest() {
        assert!(accepts("application/taxii+json"));
    }

    #[test]
    fn other_taxii_versions_are_refused() {
        assert!(!accepts("application/taxii+json;version=2.0"));
        assert!(!accepts("application/vnd.oasis.taxii+json;version=2.0"));
        assert!(!accepts("application/taxii+json;version=2.2"));
    }

    #[test]
    fn stix_media_type_is_not_a_response_type() {
        assert!(!accepts("application/stix+json;version=2.1"));
        assert!(!accepts("application/json"));
        assert!(!accepts("text/html"));
    }

    #[test]
    fn wildcards_accept_the_taxii_type() {
        assert!(accepts("*/*"));
        assert!(accepts("application/*"));
        assert!(accepts("text/html, */*;q=0.1"));
        assert!(!accepts("text/*"));
    }

    #[test]
    fn media_types_are_case_insensitive() {
        assert!(accepts("Application/TAXII+JSON;Version=2.1"));
        assert!(accepts("APPLICATION/*"));
    }

    #[test]
    fn lists_pick_any_acceptable_element() {
        assert!(accepts(
            "application/taxii+json;version=2.0, application/taxii+json;version=2.1"
        ));
        assert!(accepts(
            "application/stix+json;version=2.1,application/taxii+json"
        ));
    }

    #[test]
    fn weight_zero_refuses() {
        assert!(!accepts("application/taxii+json;version=2.1;q=0"));
        assert!(!accepts("application/taxii+json;q=0.000"));
        assert!(!accepts("*/*;q=0"));
    }

    #[test]
    fn most_specific_range_decides() {
        // The explicit refusal of the TAXII type outweighs the wildcard.
        assert!(!accepts("application/taxii+json;version=2.1;q=0, */*"));
        assert!(!accepts("application/taxii+json;q=0, application/*;q=1"));
        // The explicit acceptance outweighs a refused wildcard.
        assert!(accepts("*/*;q=0, application/taxii+json;q=0.5"));
    }

    #[test]
    fn weights_are_honoured() {
        assert!(accepts("application/taxii+json;version=2.1;q=0.5"));
        assert!(accepts("application/taxii+json;q=1.000"));
        assert!(accepts("application/taxii+json;q=0.001"));
    }

    #[test]
    fn malformed_weights_make_the_element_ignored() {
        assert!(!accepts("application/taxii+json;q=2"));
        assert!(!accepts("application/taxii+json;q=0.5555"));
        assert!(!accepts("application/taxii+json;q=abc"));
        assert!(accepts("application/taxii+json;q=abc, application/*"));
    }

    #[test]
    fn parameters_after_the_weight_are_extensions() {
        assert!(accepts("application/taxii+json;version=2.1;q=0.9;foo=bar"));
    }

    #[test]
    fn charset_utf8_is_accepted_and_unknown_parameters_do_not_match() {
        assert!(accepts("application/taxii+json;version=2.1;charset=UTF-8"));
        assert!(!accepts("application/taxii+json;charset=latin1"));
        assert!(!accepts("application/taxii+json;profile=x"));
    }

    #[test]
    fn garbage_accept_is_not_acceptable() {
        assert!(!accepts("garbage"));
        assert!(!accepts(";;;,,,"));
        assert!(!accepts("application/"));
        assert!(!accepts("*/json"));
    }

    #[test]
    fn quoted_values_may_hold_separators() {
        assert!(accepts("text/plain;x=\"a,b\", application/taxii+json"));
    }

    #[test]
    fn content_type_must_be_a_taxii_envelope() {
        assert!(check_content_type(Some("application/taxii+json;version=2.1")).is_ok());
        assert!(check_content_type(Some("application/taxii+json")).is_ok());
        assert!(check_content_type(Some("application/taxii+json; charset=utf-8")).is_ok());
        assert!(check_content_type(Some("Application/Taxii+Json;Version=\"2.1\"")).is_ok());
        for bad in [
            None,
            Some(""),
            Some("application/json"),
            Some("application/stix+json;version=2.1"),
            Some("application/taxii+json;version=2.0"),
            Some("application/*"),
            Some("*/*"),
            Some("text/plain"),
        ] {
            assert!(
                matches!(
                    check_content_type(bad),
                    Err(TaxiiError::UnsupportedMediaType(_))
                ),
                "{bad:?}"
            );
        }
    }
}
