//! Errors a person can act on: each points at the offending token and says what was expected.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers fail loudly

use stix_model::pattern::{PatternError, parse};

fn err(text: &str) -> PatternError {
    match parse(text) {
        Ok(p) => panic!("{text:?} should not parse, got {p:?}"),
        Err(e) => e,
    }
}

#[test]
fn error_display_names_offset_token_and_expectation() {
    let e = err("[file:name = 'a' AND AND file:size = 1]");
    assert_eq!(e.offset, 21);
    assert_eq!(e.token, "AND");
    assert!(
        e.to_string()
            .starts_with("at offset 21 near \"AND\": expected a comparison"),
        "{e}"
    );
}

#[test]
fn error_at_end_of_pattern_says_so() {
    let e = err("[file:name = 'a'");
    assert_eq!(e.offset, 16);
    assert_eq!(e.token, "");
    assert!(
        e.to_string()
            .starts_with("at offset 16 (end of pattern): expected ']'"),
        "{e}"
    );
}

#[test]
fn unclosed_bracket_error_names_where_it_opened() {
    let e = err("[file:name = 'a'] AND ([file:size = 1] OR [file:size = 2]");
    assert!(e.message.contains("the '(' at offset 22"), "{e}");
    let e = err("[file:name = 'a' AND file:size = 1 [");
    assert!(e.message.contains("the '[' at offset 0"), "{e}");
}

#[test]
fn error_lists_expected_tokens() {
    let e = err("[file:size = 1] WITHIN 5");
    assert_eq!(e.expected, ["SECONDS"]);
    let e = err("[file:size = 1");
    assert_eq!(e.expected, ["']'", "AND", "OR"]);
}

#[test]
fn lower_case_keyword_error_suggests_upper_case() {
    let e = err("[file:name = 'a'] within 5 SECONDS");
    assert_eq!(e.token, "within");
    assert!(e.message.contains("keywords are upper case: WITHIN"), "{e}");
}

#[test]
fn unquoted_string_error_says_strings_are_quoted() {
    let e = err("[file:hashes.MD5 = cead3f77f6cda6ec00f57d76c9a6879f]");
    assert_eq!(e.offset, 19);
    assert!(e.message.contains("strings must be quoted"), "{e}");
}

#[test]
fn missing_brackets_error_shows_the_bracketed_form() {
    let e = err("file:size = 1280");
    assert_eq!((e.offset, e.token.as_str()), (0, "file"));
    assert!(e.message.contains("square brackets"), "{e}");
}

#[test]
fn period_instead_of_colon_error_shows_the_colon_form() {
    let e = err("[file.size = 1280]");
    assert_eq!((e.offset, e.token.as_str()), (5, "."));
    assert!(e.message.contains("file:value"), "{e}");
}

#[test]
fn lexical_errors_point_into_the_constant() {
    let e = err(r"[file:name = 'a\qb']");
    assert_eq!((e.offset, e.token.as_str()), (15, r"\q"));
    let e = err("[file:name = 'never closed]");
    assert_eq!(e.offset, 13);
    let e = err("[file:size = 007]");
    assert_eq!((e.offset, e.token.as_str()), (13, "007"));
}

#[test]
fn long_tokens_are_shortened_in_errors() {
    let long = format!("'{}'", "x".repeat(500));
    let e = err(&format!("[file:hashes.MD5 = {long}]"));
    assert_eq!(e.token.chars().count(), 41);
    assert!(e.token.ends_with('…'));
}

#[test]
fn offsets_are_byte_offsets() {
    let e = err("[file:name = 'é'] X");
    assert_eq!(e.offset, 19);
}
