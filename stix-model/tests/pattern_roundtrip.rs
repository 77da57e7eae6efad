//! Printing a pattern gives text that parses back to the same tree: for random trees
//! (proptest) and for every valid pattern of the conformance corpus.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers fail loudly

use proptest::prelude::*;
use stix_model::Timestamp;
use stix_model::pattern::{
    CompareOp, Comparison, ComparisonExpr, Constant, MAX_SAFE_INTEGER, ObjectPath, ObservationExpr,
    PathStep, Pattern, Qualifier, Test, parse,
};

const OBJECT_TYPES: &[&str] = &[
    "file",
    "ipv4-addr",
    "network-traffic",
    "x-acme-widget",
    "windows-registry-key",
];

fn property() -> impl Strategy<Value = String> {
    // Valid property names; `hashes` is left out so no digest rule applies.
    "[a-z][a-z0-9_]{2,12}".prop_filter("not hashes", |p| p != "hashes")
}

fn step() -> impl Strategy<Value = PathStep> {
    prop_oneof![
        // Any text is a valid key once quoted.
        any::<String>()
            .prop_filter("not hashes", |k| k != "hashes")
            .prop_map(PathStep::Key),
        (0..=MAX_SAFE_INTEGER as u64).prop_map(PathStep::Index),
        Just(PathStep::AnyIndex),
    ]
}

fn path(object_type: &'static str) -> impl Strategy<Value = ObjectPath> {
    (property(), prop::collection::vec(step(), 0..4)).prop_map(move |(property, steps)| {
        ObjectPath {
            object_type: object_type.to_owned(),
            property,
            steps,
        }
    })
}

fn timestamp() -> impl Strategy<Value = Timestamp> {
    (
        1970u32..2100,
        1u32..=12,
        1u32..=28,
        0u32..24,
        0u32..60,
        0u32..=60,
        prop::option::of("[0-9]{1,9}"),
    )
        .prop_map(|(y, mo, d, h, mi, s, fraction)| {
            let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
            Timestamp::parse(&format!(
                "{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{fraction}Z"
            ))
            .unwrap()
        })
}

fn finite_float() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>().prop_filter("finite", |x| x.is_finite()),
        (-1000i32..1000).prop_map(|i| f64::from(i) / 8.0),
    ]
}

/// Constants of one IN-compatible kind, chosen by `kind`.
fn constant_of_kind(kind: u8) -> BoxedStrategy<Constant> {
    match kind {
        0 => prop_oneof![
            (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Constant::Integer),
            finite_float().prop_map(Constant::Float),
        ]
        .boxed(),
        1 => prop_oneof![
            prop::collection::vec(any::<u8>(), 1..20).prop_map(Constant::Binary),
            prop::collection::vec(any::<u8>(), 0..20).prop_map(Constant::Hex),
        ]
        .boxed(),
        2 => any::<String>().prop_map(Constant::String).boxed(),
        3 => any::<bool>().prop_map(Constant::Boolean).boxed(),
        _ => timestamp().prop_map(Constant::Timestamp).boxed(),
    }
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop_oneof![
        Just(CompareOp::Eq),
        Just(CompareOp::Ne),
        Just(CompareOp::Lt),
        Just(CompareOp::Le),
        Just(CompareOp::Gt),
        Just(CompareOp::Ge),
    ]
}

fn ip_range() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<[u8; 4]>(), prop::option::of(0u8..=32)).prop_map(|(a, p)| {
            let prefix = p.map(|p| format!("/{p}")).unwrap_or_default();
            format!("{}.{}.{}.{}{prefix}", a[0], a[1], a[2], a[3])
        }),
        (any::<u128>(), 0u8..=128)
            .prop_map(|(a, p)| format!("{}/{p}", std::net::Ipv6Addr::from(a))),
    ]
}

fn test() -> impl Strategy<Value = Test> {
    prop_oneof![
        (compare_op(), 0u8..5).prop_flat_map(|(op, kind)| {
            // Booleans are only compared for (in)equality.
            let kind = if kind == 3 && !matches!(op, CompareOp::Eq | CompareOp::Ne) {
                2
            } else {
                kind
            };
            constant_of_kind(kind).prop_map(move |c| Test::Compare(op, c))
        }),
        (0u8..5).prop_flat_map(|kind| {
            prop::collection::vec(constant_of_kind(kind), 0..4).prop_map(Test::In)
        }),
        any::<String>().prop_map(Test::Like),
        any::<String>().prop_map(Test::Matches),
        ip_range().prop_map(Test::IsSubset),
        ip_range().prop_map(Test::IsSuperset),
        Just(Test::Exists),
    ]
}

/// A comparison expression whose comparisons all start from `object_type`, so every AND is
/// satisfiable by one object.
fn comparison_expr(object_type: &'static str) -> impl Strategy<Value = ComparisonExpr> {
    let leaf = (path(object_type), any::<bool>(), test()).prop_map(|(path, negated, test)| {
        ComparisonExpr::Comparison(Comparison {
            path,
            negated,
            test,
        })
    });
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(ComparisonExpr::And),
            prop::collection::vec(inner, 2..4).prop_map(ComparisonExpr::Or),
        ]
    })
}

fn qualifier(kind: u8) -> BoxedStrategy<Qualifier> {
    match kind {
        0 => prop_oneof![
            (1..=MAX_SAFE_INTEGER).prop_map(|i| i as f64),
            (1e-9f64..1e12),
        ]
        .prop_map(Qualifier::Within)
        .boxed(),
        1 => (1..=MAX_SAFE_INTEGER as u64)
            .prop_map(Qualifier::Repeats)
            .boxed(),
        _ => (timestamp(), timestamp())
            .prop_filter("distinct", |(a, b)| a != b)
            .prop_map(|(a, b)| {
                let (start, stop) = if a < b { (a, b) } else { (b, a) };
                Qualifier::StartStop { start, stop }
            })
            .boxed(),
    }
}

/// One to three qualifiers of distinct kinds, in any order.
fn qualifiers() -> impl Strategy<Value = Vec<Qualifier>> {
    Just(vec![0u8, 1, 2])
        .prop_shuffle()
        .prop_flat_map(|kinds| (1..=3usize).prop_map(move |n| kinds[..n].to_vec()))
        .prop_flat_map(|kinds| kinds.into_iter().map(qualifier).collect::<Vec<_>>())
}

fn observation_expr() -> impl Strategy<Value = ObservationExpr> {
    let leaf = prop::sample::select(OBJECT_TYPES)
        .prop_flat_map(comparison_expr)
        .prop_map(ObservationExpr::Observation);
    leaf.prop_recursive(4, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::Or),
            prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::FollowedBy),
            (inner, qualifiers()).prop_map(|(expr, qualifiers)| ObservationExpr::Qualified {
                expr: Box::new(expr),
                qualifiers,
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_patterns_parse_back_to_the_same_tree(expression in observation_expr()) {
        let pattern = Pattern { expression };
        let printed = pattern.to_string();
        match parse(&printed) {
            Ok(back) => prop_assert_eq!(back, pattern, "{}", printed),
            Err(e) => prop_assert!(false, "{printed}\ndoes not parse: {e}"),
        }
    }
}

#[test]
fn corpus_patterns_print_to_text_that_parses_to_the_same_tree() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/corpus/patterns/valid.txt"
    );
    let text = std::fs::read_to_string(path).unwrap();
    for line in text
        .split('\n')
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let pattern = parse(line).unwrap();
        let printed = pattern.to_string();
        assert_eq!(
            parse(&printed).unwrap(),
            pattern,
            "{line}\nprinted as {printed}"
        );
        // Printing is canonical: the printed form prints as itself.
        assert_eq!(parse(&printed).unwrap().to_string(), printed);
    }
}

#[test]
fn printing_uses_canonical_spelling() {
    let p = parse("( [ file:'name'  ==  'it\\'s'  AND file:size<>+0.5e ] )");
    assert!(p.is_err(), "the exponent makes this invalid");
    let p =
        parse("( [ file:'name'  ==  'it\\'s'  AND file:size<>0.5 ] ) WITHIN 5.0 SECONDS").unwrap();
    assert_eq!(
        p.to_string(),
        "[file:name = 'it\\'s' AND file:size != 0.5] WITHIN 5 SECONDS"
    );
    let p = parse("[file:magic_number_hex = h'FFD8' OR file:x_key.'true' = b'AA==']").unwrap();
    assert_eq!(
        p.to_string(),
        "[file:magic_number_hex = h'ffd8' OR file:x_key.'true' = b'AA==']"
    );
}
