//! One test per grammar rule of the STIX patterning language (STIX 2.1 §9).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers fail loudly

use stix_model::pattern::{
    CompareOp, Comparison, ComparisonExpr, Constant, ObjectPath, ObservationExpr, PathStep,
    Pattern, PatternError, Qualifier, Test, parse,
};

fn ok(text: &str) -> Pattern {
    parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn err(text: &str) -> PatternError {
    match parse(text) {
        Ok(p) => panic!("{text:?} should not parse, got {p:?}"),
        Err(e) => e,
    }
}

/// The comparison of a pattern that is a single `[...]` with a single comparison.
fn only_comparison(text: &str) -> Comparison {
    match ok(text).expression {
        ObservationExpr::Observation(ComparisonExpr::Comparison(c)) => c,
        other => panic!("{text:?} is not one comparison: {other:?}"),
    }
}

fn constant(text: &str) -> Constant {
    match only_comparison(text).test {
        Test::Compare(CompareOp::Eq, c) => c,
        other => panic!("{text:?} is not an equality: {other:?}"),
    }
}

/// A skeleton of the observation tree: `[n]` for the observation whose only comparison is
/// `x:name = 'n'`, operators as `AND(..)`, qualifiers as `Q(..)`.
fn shape(e: &ObservationExpr) -> String {
    let list = |name: &str, v: &[ObservationExpr]| {
        format!(
            "{name}({})",
            v.iter().map(shape).collect::<Vec<_>>().join(",")
        )
    };
    match e {
        ObservationExpr::Observation(ComparisonExpr::Comparison(Comparison {
            test: Test::Compare(_, Constant::String(s)),
            ..
        })) => format!("[{s}]"),
        ObservationExpr::Observation(_) => "[..]".into(),
        ObservationExpr::And(v) => list("AND", v),
        ObservationExpr::Or(v) => list("OR", v),
        ObservationExpr::FollowedBy(v) => list("FB", v),
        ObservationExpr::Qualified { expr, qualifiers } => {
            format!("Q{}({})", qualifiers.len(), shape(expr))
        }
    }
}

fn pattern_shape(text: &str) -> String {
    shape(&ok(text).expression)
}

fn cmp_shape(e: &ComparisonExpr) -> String {
    let list = |name: &str, v: &[ComparisonExpr]| {
        format!(
            "{name}({})",
            v.iter().map(cmp_shape).collect::<Vec<_>>().join(",")
        )
    };
    match e {
        ComparisonExpr::Comparison(c) => c.path.property.clone(),
        ComparisonExpr::And(v) => list("AND", v),
        ComparisonExpr::Or(v) => list("OR", v),
    }
}

fn comparison_shape(text: &str) -> String {
    match ok(text).expression {
        ObservationExpr::Observation(c) => cmp_shape(&c),
        other => panic!("not one observation: {other:?}"),
    }
}

#[test]
fn observation_expression_is_enclosed_in_square_brackets() {
    assert_eq!(pattern_shape("[file:name = 'a']"), "[a]");
    err("file:name = 'a'");
    err("[file:name = 'a'");
    err("file:name = 'a']");
}

#[test]
fn observation_expression_must_contain_a_comparison() {
    err("[]");
    err("[ ]");
    err("()");
}

#[test]
fn empty_pattern_is_refused() {
    err("");
    err("   ");
    err("/* only a comment */");
}

#[test]
fn observation_and_binds_tighter_than_or() {
    assert_eq!(
        pattern_shape("[file:name = 'a'] OR [file:name = 'b'] AND [file:name = 'c']"),
        "OR([a],AND([b],[c]))"
    );
    assert_eq!(
        pattern_shape("[file:name = 'a'] AND [file:name = 'b'] OR [file:name = 'c']"),
        "OR(AND([a],[b]),[c])"
    );
}

#[test]
fn followedby_binds_loosest() {
    assert_eq!(
        pattern_shape(
            "[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] OR [file:name = 'c'] AND [file:name = 'd']"
        ),
        "FB([a],OR([b],AND([c],[d])))"
    );
    assert_eq!(
        pattern_shape("[file:name = 'a'] AND [file:name = 'b'] FOLLOWEDBY [file:name = 'c']"),
        "FB(AND([a],[b]),[c])"
    );
}

#[test]
fn operator_chains_are_one_node_in_source_order() {
    assert_eq!(
        pattern_shape("[file:name = 'a'] OR [file:name = 'b'] OR [file:name = 'c']"),
        "OR([a],[b],[c])"
    );
    assert_eq!(
        pattern_shape(
            "[file:name = 'a'] FOLLOWEDBY [file:name = 'b'] FOLLOWEDBY [file:name = 'c']"
        ),
        "FB([a],[b],[c])"
    );
}

#[test]
fn parentheses_group_observation_expressions() {
    assert_eq!(
        pattern_shape("([file:name = 'a'] OR [file:name = 'b']) AND [file:name = 'c']"),
        "AND(OR([a],[b]),[c])"
    );
    assert_eq!(
        pattern_shape("[file:name = 'a'] AND ([file:name = 'b'] AND [file:name = 'c'])"),
        "AND([a],AND([b],[c]))"
    );
    assert_eq!(pattern_shape("(([file:name = 'a']))"), "[a]");
    err("([file:name = 'a']");
    err("[file:name = 'a'])");
}

#[test]
fn qualifier_applies_to_the_nearest_observation_expression() {
    // §9.5.2: "[ b ] FOLLOWEDBY [ c ] REPEATS 5 TIMES": REPEATS applies to c only.
    assert_eq!(
        pattern_shape("[file:name = 'b'] FOLLOWEDBY [file:name = 'c'] REPEATS 5 TIMES"),
        "FB([b],Q1([c]))"
    );
}

#[test]
fn qualifier_after_parentheses_applies_to_the_group() {
    assert_eq!(
        pattern_shape("([file:name = 'b'] FOLLOWEDBY [file:name = 'c']) REPEATS 5 TIMES"),
        "Q1(FB([b],[c]))"
    );
}

#[test]
fn qualifiers_chain_in_order() {
    let p = ok("[file:name = 'a'] REPEATS 2 TIMES WITHIN 5.5 SECONDS \
                START t'2016-01-01T00:00:00Z' STOP t'2017-01-01T00:00:00Z'");
    let ObservationExpr::Qualified { qualifiers, .. } = p.expression else {
        panic!("not qualified");
    };
    assert!(matches!(
        qualifiers.as_slice(),
        [
            Qualifier::Repeats(2),
            Qualifier::Within(w),
            Qualifier::StartStop { .. }
        ] if *w == 5.5
    ));
}

#[test]
fn within_takes_integer_or_float_seconds() {
    for (text, seconds) in [("5", 5.0), ("1.5", 1.5), (".25", 0.25)] {
        let p = ok(&format!("[file:name = 'a'] WITHIN {text} SECONDS"));
        let ObservationExpr::Qualified { qualifiers, .. } = p.expression else {
            panic!("not qualified");
        };
        assert_eq!(qualifiers, [Qualifier::Within(seconds)]);
    }
    err("[file:name = 'a'] WITHIN 5");
    err("[file:name = 'a'] WITHIN 5 MINUTES");
    err("[file:name = 'a'] WITHIN '5' SECONDS");
}

#[test]
fn repeats_takes_an_integer_and_times() {
    ok("[file:name = 'a'] REPEATS 5 TIMES");
    err("[file:name = 'a'] REPEATS 1.5 TIMES");
    err("[file:name = 'a'] REPEATS 5");
    err("[file:name = 'a'] REPEATS 5 TIME");
}

#[test]
fn start_stop_takes_two_timestamp_constants() {
    ok("[file:name = 'a'] START t'2016-01-01T00:00:00Z' STOP t'2016-01-02T00:00:00Z'");
    err("[file:name = 'a'] START t'2016-01-01T00:00:00Z'");
    err("[file:name = 'a'] START '2016-01-01T00:00:00Z' STOP '2016-01-02T00:00:00Z'");
    err("[file:name = 'a'] STOP t'2016-01-01T00:00:00Z'");
}

#[test]
fn qualifiers_are_not_allowed_inside_brackets() {
    err("[file:name = 'a' WITHIN 5 SECONDS]");
    err("WITHIN 5 SECONDS [file:name = 'a']");
}

#[test]
fn last_is_reserved_and_not_a_qualifier() {
    err("[file:name = 'a'] LAST 5 SECONDS");
    err("[file:LAST = 'a']");
}

#[test]
fn comparison_and_binds_tighter_than_or() {
    assert_eq!(
        comparison_shape("[file:aaa = 1 OR file:bbb = 1 AND file:ccc = 1]"),
        "OR(aaa,AND(bbb,ccc))"
    );
    assert_eq!(
        comparison_shape("[file:aaa = 1 AND file:bbb = 1 OR file:ccc = 1]"),
        "OR(AND(aaa,bbb),ccc)"
    );
}

#[test]
fn comparison_parentheses_group() {
    assert_eq!(
        comparison_shape("[(file:aaa = 1 OR file:bbb = 1) AND file:ccc = 1]"),
        "AND(OR(aaa,bbb),ccc)"
    );
    assert_eq!(
        comparison_shape("[file:aaa = 1 AND (file:bbb = 1 AND file:ccc = 1)]"),
        "AND(aaa,AND(bbb,ccc))"
    );
    assert_eq!(comparison_shape("[((file:aaa = 1))]"), "aaa");
}

#[test]
fn every_comparison_operator_parses() {
    let cases: [(&str, Test); 12] = [
        ("= 1", Test::Compare(CompareOp::Eq, Constant::Integer(1))),
        ("!= 1", Test::Compare(CompareOp::Ne, Constant::Integer(1))),
        ("< 1", Test::Compare(CompareOp::Lt, Constant::Integer(1))),
        ("<= 1", Test::Compare(CompareOp::Le, Constant::Integer(1))),
        ("> 1", Test::Compare(CompareOp::Gt, Constant::Integer(1))),
        (">= 1", Test::Compare(CompareOp::Ge, Constant::Integer(1))),
        (
            "IN (1, 2)",
            Test::In(vec![Constant::Integer(1), Constant::Integer(2)]),
        ),
        ("LIKE 'a%'", Test::Like("a%".into())),
        ("MATCHES '^a'", Test::Matches("^a".into())),
        (
            "ISSUBSET '198.51.100.0/24'",
            Test::IsSubset("198.51.100.0/24".into()),
        ),
        (
            "ISSUPERSET '198.51.100.0/24'",
            Test::IsSuperset("198.51.100.0/24".into()),
        ),
        (
            "= 'x'",
            Test::Compare(CompareOp::Eq, Constant::String("x".into())),
        ),
    ];
    for (operator, test) in cases {
        let c = only_comparison(&format!("[ipv4-addr:value {operator}]"));
        assert_eq!(c.test, test, "{operator}");
        assert!(!c.negated);
    }
}

#[test]
fn not_before_the_operator_negates_the_comparison() {
    for operator in [
        "= 1",
        "!= 1",
        "< 1",
        "<= 1",
        "> 1",
        ">= 1",
        "IN (1)",
        "LIKE 'a'",
        "MATCHES 'a'",
        "ISSUBSET '198.51.100.0/24'",
        "ISSUPERSET '198.51.100.0/24'",
    ] {
        assert!(only_comparison(&format!("[ipv4-addr:value NOT {operator}]")).negated);
    }
    err("[NOT ipv4-addr:value = 1]");
    err("[ipv4-addr:value NOT NOT = 1]");
}

#[test]
fn exists_and_not_exists_precede_the_path() {
    let c = only_comparison("[EXISTS windows-registry-key:values]");
    assert_eq!((c.test, c.negated), (Test::Exists, false));
    let c = only_comparison("[NOT EXISTS windows-registry-key:values]");
    assert_eq!((c.test, c.negated), (Test::Exists, true));
    err("[windows-registry-key:values EXISTS]");
    err("[windows-registry-key:values NOT EXISTS]");
    err("[EXISTS]");
}

#[test]
fn double_equals_and_angle_brackets_are_equality_alternatives() {
    // The OASIS grammar accepts `==` for `=` and `<>` for `!=`.
    assert_eq!(
        only_comparison("[file:size == 1]").test,
        Test::Compare(CompareOp::Eq, Constant::Integer(1))
    );
    assert_eq!(
        only_comparison("[file:size <> 1]").test,
        Test::Compare(CompareOp::Ne, Constant::Integer(1))
    );
    err("[file:size === 1]");
    err("[file:size => 1]");
}

#[test]
fn like_matches_issubset_and_issuperset_take_a_string() {
    for operator in ["LIKE", "MATCHES", "ISSUBSET", "ISSUPERSET"] {
        err(&format!("[ipv4-addr:value {operator} 1]"));
        err(&format!("[ipv4-addr:value {operator} h'00']"));
    }
}

#[test]
fn in_takes_a_parenthesised_set_of_constants() {
    assert_eq!(only_comparison("[file:name IN ()]").test, Test::In(vec![]));
    assert_eq!(
        only_comparison("[file:name IN ('a')]").test,
        Test::In(vec![Constant::String("a".into())])
    );
    err("[file:name IN 'a']");
    err("[file:name IN ('a',)]");
    err("[file:name IN ('a' 'b')]");
    err("[file:name IN (('a'))]");
}

#[test]
fn object_path_has_type_property_and_steps() {
    let c = only_comparison("[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]");
    assert_eq!(
        c.path,
        ObjectPath {
            object_type: "file".into(),
            property: "extensions".into(),
            steps: vec![
                PathStep::Key("windows-pebinary-ext".into()),
                PathStep::Key("sections".into()),
                PathStep::AnyIndex,
                PathStep::Key("entropy".into()),
            ],
        }
    );
    let c = only_comparison("[network-traffic:protocols[0] = 'tcp']");
    assert_eq!(c.path.steps, [PathStep::Index(0)]);
    err("[file.size = 1]");
    err("[file:name. = 1]");
    err("[file:name[] = 1]");
    err("[file:name[x] = 1]");
}

#[test]
fn quoted_names_may_hold_any_characters() {
    let c = only_comparison(
        "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    );
    assert_eq!(c.path.steps, [PathStep::Key("SHA-256".into())]);
    let c = only_comparison(r"[file:x_info.'it\'s a key'.'true' = 1]");
    assert_eq!(
        c.path.steps,
        [
            PathStep::Key("it's a key".into()),
            PathStep::Key("true".into())
        ]
    );
    assert_eq!(only_comparison("[file:'name' = 1]").path.property, "name");
}

#[test]
fn names_with_hyphens_must_be_quoted() {
    err("[file:parent-directory = 'x']");
    err("[file:hashes.SHA-256 = 'x']");
}

#[test]
fn object_types_may_contain_hyphens() {
    assert_eq!(
        only_comparison("[x-acme-widget:serial_no = 'W-1']")
            .path
            .object_type,
        "x-acme-widget"
    );
}

#[test]
fn keywords_are_upper_case_only() {
    err("[file:name = 'a'] and [file:name = 'b']");
    err("[file:name = 'a'] within 5 seconds");
    err("[file:name in ('a')]");
    ok("[file:name = 'a'] AND [file:name = 'b']");
}

#[test]
fn keywords_and_booleans_are_not_bare_names() {
    err("[file:AND = 1]");
    err("[file:true = 1]");
    err("[file:name.IN = 1]");
    err("[true:name = 1]");
    ok("[file:x_map.'AND' = 1]");
}

#[test]
fn string_escapes_are_only_apostrophe_and_backslash() {
    assert_eq!(
        constant(r"[file:name = 'it\'s \\ here']"),
        Constant::String(r"it's \ here".into())
    );
    assert_eq!(
        constant("[file:name = '']"),
        Constant::String(String::new())
    );
    err(r"[file:name = 'a\nb']");
    err(r"[file:name = '\u0041']");
    err(r"[file:name = 'trailing\']");
    err("[file:name = 'unterminated]");
    err("[file:name = \"double quoted\"]");
}

#[test]
fn strings_may_hold_any_unicode_and_line_breaks() {
    assert_eq!(
        constant("[file:name = 'naïve 文字\nline two']"),
        Constant::String("naïve 文字\nline two".into())
    );
}

#[test]
fn integers_are_decimal_without_leading_zeros() {
    assert_eq!(constant("[file:size = 0]"), Constant::Integer(0));
    assert_eq!(constant("[file:size = -42]"), Constant::Integer(-42));
    assert_eq!(constant("[file:size = -0]"), Constant::Integer(0));
    for bad in ["01", "007", "1e5", "0x1F", "1,000", "-", "--1", "1 - 2"] {
        err(&format!("[file:size = {bad}]"));
    }
}

#[test]
fn floats_have_a_point_and_digits_after_it() {
    assert_eq!(constant("[file:size = 7.0]"), Constant::Float(7.0));
    assert_eq!(constant("[file:size = .5]"), Constant::Float(0.5));
    assert_eq!(constant("[file:size = -.5]"), Constant::Float(-0.5));
    assert_eq!(constant("[file:size = 00.5]"), Constant::Float(0.5));
    err("[file:size = 1.]");
    err("[file:size = 1.5e3]");
}

#[test]
fn booleans_are_lower_case_true_and_false() {
    assert_eq!(constant("[file:flag = true]"), Constant::Boolean(true));
    assert_eq!(constant("[file:flag = false]"), Constant::Boolean(false));
    err("[file:flag = True]");
    err("[file:flag = FALSE]");
}

#[test]
fn booleans_cannot_be_ordered() {
    for op in ["<", "<=", ">", ">="] {
        err(&format!("[file:flag {op} true]"));
    }
    ok("[file:flag != true]");
}

#[test]
fn binary_constants_are_padded_base64() {
    assert_eq!(
        constant("[artifact:payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']"),
        Constant::Binary(b"this is a test".to_vec())
    );
    assert_eq!(
        constant("[artifact:payload_bin = b'AA==']"),
        Constant::Binary(vec![0])
    );
    for bad in [
        "''",
        "'AA'",
        "'AAA'",
        "'A==='",
        "'===='",
        "'AAAA='",
        "'AA==AAAA'",
        "'AA*A'",
    ] {
        err(&format!("[artifact:payload_bin = b{bad}]"));
    }
    err("[artifact:payload_bin = B'AAAA']");
}

#[test]
fn binary_constants_ignore_line_feeds() {
    // §9.2: "Line feeds in the base64 encoded data MUST be supported and ignored".
    assert_eq!(
        constant("[artifact:payload_bin = b'dGhp\ncyBp\r\ncyBh']"),
        Constant::Binary(b"this is a".to_vec())
    );
}

#[test]
fn hex_constants_have_an_even_number_of_hex_digits() {
    assert_eq!(
        constant("[file:magic_number_hex = h'FFd8']"),
        Constant::Hex(vec![0xff, 0xd8])
    );
    assert_eq!(
        constant("[file:magic_number_hex = h'']"),
        Constant::Hex(vec![])
    );
    err("[file:magic_number_hex = h'ffd']");
    err("[file:magic_number_hex = h'zz']");
    err("[file:magic_number_hex = h 'ffd8']");
}

#[test]
fn timestamp_constants_must_be_stix_timestamps() {
    let Constant::Timestamp(t) = constant("[file:created = t'2014-01-13T07:03:17.120Z']") else {
        panic!("not a timestamp");
    };
    assert_eq!(t.as_str(), "2014-01-13T07:03:17.120Z");
    for bad in [
        "2014-01-13T07:03:17",
        "2014-01-13 07:03:17Z",
        "2014-01-13T07:03:17+00:00",
        "2014-01-13T07:03:17.Z",
        "2014-13-01T07:03:17Z",
        "2014-01-13T24:00:00Z",
        "2024-02-30T12:00:00Z",
        "2023-02-29T12:00:00Z",
        "not-a-timestamp",
    ] {
        err(&format!("[file:created = t'{bad}']"));
    }
}

#[test]
fn whitespace_is_any_unicode_white_space() {
    let plain = ok("[file:name = 'a'] AND [file:size = 1]");
    for spaced in [
        "[file:name='a']AND[file:size=1]",
        "\t[ file : name\t=\t'a' ]\nAND\r\n[file:size = 1]  ",
        "[file:name\u{3000}=\u{a0}'a']\u{2028}AND\u{85}[file:size\u{200a}=\u{0b}1]",
    ] {
        assert_eq!(ok(spaced), plain, "{spaced:?}");
    }
}

#[test]
fn comments_are_skipped_like_whitespace() {
    assert_eq!(
        ok("[file:name = 'a'] /* block\n comment */ AND // line comment\n [file:size = 1]"),
        ok("[file:name = 'a'] AND [file:size = 1]")
    );
    err("[file:name = 'a'] /* unterminated");
}

#[test]
fn characters_outside_the_language_are_refused() {
    for bad in [
        "[file:name = 'a'] ; [file:name = 'b']",
        "[file:name ~ 'a']",
        "{file:name = 'a'}",
        "[file:name = 'a'] & [file:name = 'b']",
        "[file:name = 'a'] / [file:name = 'b']",
    ] {
        err(bad);
    }
}

#[test]
fn trailing_input_after_the_pattern_is_refused() {
    err("[file:name = 'a'] [file:name = 'b']");
    err("[file:name = 'a'] AND");
    err("[file:name = 'a']]");
}
