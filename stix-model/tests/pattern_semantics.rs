//! One test per semantic rule the parser enforces beyond the grammar (STIX 2.1 §9, and the
//! checks the OASIS validators make), plus how errors point at the offending token.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers fail loudly

use stix_model::pattern::{MAX_SAFE_INTEGER, PatternError, parse};

fn ok(text: &str) {
    if let Err(e) = parse(text) {
        panic!("{text:?} should parse: {e}");
    }
}

fn err(text: &str) -> PatternError {
    match parse(text) {
        Ok(p) => panic!("{text:?} should not parse, got {p:?}"),
        Err(e) => e,
    }
}

/// The error's offset and token, checked against where `token` first occurs in `text`.
fn err_at(text: &str, token: &str) -> PatternError {
    let e = err(text);
    let offset = text.find(token).expect("token occurs in the text");
    let mut shown: String = token.chars().take(40).collect();
    if shown.len() < token.len() {
        shown.push('…');
    }
    assert_eq!(
        (e.offset, e.token.as_str()),
        (offset, shown.as_str()),
        "{e}"
    );
    e
}

#[test]
fn object_type_must_be_a_valid_type_name() {
    ok("[x-acme-widget:name = 'a']");
    err_at("[ab:name = 'a']", "ab");
    err_at("[File:name = 'a']", "File");
    err_at("[x_whatever:name = 'a']", "x_whatever");
    err_at("[x--double:name = 'a']", "x--double");
    err_at(
        &format!("[{}:name = 'a']", "a".repeat(251)),
        &"a".repeat(251),
    );
}

#[test]
fn first_property_must_be_a_valid_property_name() {
    ok("[file:id = 'file--4d1c3c4e-2c5a-4b8e-9d5b-6a8c2f6c1e3e']");
    ok("[file:name_2 = 'a']");
    err_at("[file:Name = 'a']", "Name");
    err_at("[file:_name = 'a']", "_name");
    err_at("[file:nm = 'a']", "nm");
    err_at("[file:'bad-name' = 'a']", "'bad-name'");
    err_at("[file:'' = 'a']", "''");
    // Later steps may be dictionary keys, which may be short or hold hyphens.
    ok(
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    );
    ok("[file:x_map.a = 'short key']");
}

#[test]
fn within_must_be_positive() {
    err_at("[file:name = 'a'] WITHIN 0 SECONDS", "0");
    err_at("[file:name = 'a'] WITHIN 0.0 SECONDS", "0.0");
    err_at("[file:name = 'a'] WITHIN -5 SECONDS", "-5");
    ok("[file:name = 'a'] WITHIN 0.001 SECONDS");
}

#[test]
fn repeats_must_be_a_positive_integer() {
    err_at("[file:name = 'a'] REPEATS 0 TIMES", "0");
    err_at("[file:name = 'a'] REPEATS -5 TIMES", "-5");
    err_at("[file:name = 'a'] REPEATS 1.5 TIMES", "1.5");
    ok("[file:name = 'a'] REPEATS 1 TIMES");
}

#[test]
fn stop_must_be_later_than_start() {
    err_at(
        "[file:name = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2015-01-01T00:00:00Z'",
        "t'2015-01-01T00:00:00Z'",
    );
    // Equal instants in different spellings are still an empty window.
    err("[file:name = 'a'] START t'2016-01-01T00:00:00.1Z' STOP t'2016-01-01T00:00:00.100Z'");
    ok("[file:name = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2016-01-01T00:00:00.001Z'");
}

#[test]
fn one_qualifier_of_each_kind_per_observation_expression() {
    let e = err("[file:name = 'a'] WITHIN 5 SECONDS WITHIN 6 SECONDS");
    assert_eq!((e.offset, e.token.as_str()), (35, "WITHIN"));
    err("[file:name = 'a'] REPEATS 2 TIMES WITHIN 5 SECONDS REPEATS 3 TIMES");
    err(
        "[file:name = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z' \
         START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'",
    );
    err("([file:name = 'a']) WITHIN 5 SECONDS WITHIN 6 SECONDS");
    err("([file:name = 'a'] AND [file:name = 'b']) REPEATS 2 TIMES REPEATS 3 TIMES");
    // A parenthesised, qualified expression is a new observation expression.
    ok("([file:name = 'a'] WITHIN 5 SECONDS) WITHIN 6 SECONDS");
    ok("[file:name = 'a'] WITHIN 5 SECONDS AND [file:name = 'b'] WITHIN 6 SECONDS");
}

#[test]
fn and_operands_must_be_satisfiable_by_one_object_type() {
    err_at("[file:name = 'a' AND process:name = 'b']", "AND");
    err_at(
        "[(file:name = 'a' OR process:name = 'b') AND ipv4-addr:value = '198.51.100.1']",
        "AND",
    );
    ok("[file:name = 'a' OR process:name = 'b']");
    ok("[(file:name = 'a' OR process:name = 'b') AND file:size = 1]");
    ok("[(file:name = 'a' AND file:size = 1) OR (process:name = 'b' AND process:pid = 4)]");
    // Across observation expressions, AND joins different observations: any types.
    ok("[file:name = 'a'] AND [process:name = 'b']");
}

#[test]
fn in_set_constants_must_share_a_type() {
    err_at("[file:name IN ('a', 1)]", "1");
    err_at("[file:name IN (true, 'a')]", "'a'");
    ok("[file:size IN (1, 2.5, -3)]");
    ok("[file:magic_number_hex IN (h'ffd8', b'AAA=')]");
}

#[test]
fn issubset_and_issuperset_take_an_ip_address_or_range() {
    err_at("[ipv4-addr:value ISSUBSET 'example.com']", "'example.com'");
    err("[ipv4-addr:value ISSUBSET '198.51.100.0/33']");
    err("[ipv6-addr:value ISSUPERSET '2001:db8::/129']");
    ok("[ipv4-addr:value ISSUBSET '198.51.100.0/24']");
    ok("[ipv6-addr:value NOT ISSUPERSET '2001:db8::1']");
}

#[test]
fn integers_must_fit_54_bits() {
    ok(&format!("[file:size = {MAX_SAFE_INTEGER}]"));
    ok(&format!("[file:size = -{MAX_SAFE_INTEGER}]"));
    err_at("[file:size = 9007199254740992]", "9007199254740992");
    err("[file:size = 99999999999999999999999999999]");
    err("[file:name = 'a'] REPEATS 99999999999999999999 TIMES");
    err("[network-traffic:protocols[9007199254740992] = 'tcp']");
}

#[test]
fn floats_must_be_finite() {
    let huge = format!("1{}.0", "0".repeat(400));
    err_at(&format!("[file:size = {huge}]"), &huge);
}

#[test]
fn positive_numbers_carry_no_plus_sign() {
    err_at("[file:size = +5]", "+5");
    err_at("[file:size = +0.5]", "+0.5");
    err_at("[file:name = 'a'] WITHIN +1 SECONDS", "+1");
    err_at("[network-traffic:protocols[+1] = 'tcp']", "+1");
}

#[test]
fn list_index_must_not_be_negative() {
    err_at("[network-traffic:protocols[-1] = 'tcp']", "-1");
    ok("[network-traffic:protocols[0] = 'tcp']");
}

#[test]
fn hash_values_must_match_the_algorithm() {
    err_at("[file:hashes.MD5 = 'x']", "'x'");
    err_at("[file:hashes.'SHA-256' = 'f00']", "'f00'");
    err("[file:hashes.sha256 = 'aa']");
    err("[file:hashes.MD5 != 'cead3f77f6cda6ec00f57d76c9a6879']");
    err("[file:hashes.SSDEEP = 'spaces are not allowed']");
    err("[email-message:body_multipart[0].body_raw_ref.hashes.MD5 = 'x']");
    err_at(
        "[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f', 'x')]",
        "'x'",
    );
    err_at("[file:hashes.MD5 = 12345]", "12345");
    ok("[file:hashes.MD5 = 'CEAD3F77F6CDA6EC00F57D76C9A6879F']");
    ok("[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f')]");
    // Patterns and unknown algorithms are not digests.
    ok("[file:hashes.MD5 LIKE 'cead%']");
    ok("[file:hashes.x_custom = 'x']");
    ok("[file:hashes[*] = 'x']");
}
