//! Hostile input: nesting is bounded, long input parses in linear time and stays flat.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test helpers fail loudly

use std::time::{Duration, Instant};

use stix_model::pattern::{ComparisonExpr, MAX_DEPTH, ObservationExpr, parse};

fn nested_observation(depth: usize) -> String {
    format!(
        "{}[file:name = 'a']{}",
        "(".repeat(depth),
        ")".repeat(depth)
    )
}

#[test]
fn nesting_up_to_max_depth_is_accepted() {
    // The brackets of the observation count as one level.
    assert!(parse(&nested_observation(MAX_DEPTH - 1)).is_ok());
    let comparison = format!(
        "[{}file:name = 'a'{}]",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert!(parse(&comparison).is_ok());
}

#[test]
fn nesting_deeper_than_max_depth_is_refused() {
    let e = parse(&nested_observation(MAX_DEPTH)).unwrap_err();
    assert_eq!(e.offset, MAX_DEPTH);
    assert!(e.message.contains("nested more than 64 levels"), "{e}");
    let comparison = format!("[{}file:name = 'a'{}]", "(".repeat(80), ")".repeat(80));
    assert!(parse(&comparison).is_err());
}

#[test]
fn hostile_nesting_does_not_overflow_the_stack() {
    // A million '(' on a 1 MiB stack (half a default thread's): a parser that recursed once
    // per '(' without a limit would overflow it. At MAX_DEPTH the parser needs about 0.5 MiB
    // in a debug build and about 0.1 MiB optimised.
    let result = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(|| {
            let open = "(".repeat(1_000_000);
            let brackets = format!("[{}", "(".repeat(1_000_000));
            (parse(&open).is_err(), parse(&brackets).is_err())
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(result, (true, true));
}

fn or_chain(n: usize) -> String {
    let one = "[ipv4-addr:value = '198.51.100.1']";
    vec![one; n].join(" OR ")
}

#[test]
fn long_operator_chains_stay_flat() {
    let p = parse(&or_chain(20_000)).unwrap();
    let ObservationExpr::Or(operands) = &p.expression else {
        panic!("not an OR");
    };
    assert_eq!(operands.len(), 20_000);
    let inside = format!("[{}]", vec!["file:name = 'a'"; 20_000].join(" AND "));
    let p = parse(&inside).unwrap();
    let ObservationExpr::Observation(ComparisonExpr::And(operands)) = &p.expression else {
        panic!("not an AND");
    };
    assert_eq!(operands.len(), 20_000);
    // Printing and dropping a flat tree needs no deep recursion either.
    assert_eq!(parse(&p.to_string()).unwrap(), p);
}

fn time_to_parse(text: &str) -> Duration {
    let start = Instant::now();
    assert!(parse(text).is_ok());
    start.elapsed()
}

#[test]
fn parse_time_grows_linearly_with_input() {
    let small = or_chain(5_000);
    let large = or_chain(50_000);
    // Warm up, then take the best of three to damp noise from other processes.
    time_to_parse(&small);
    let best = |text: &str| (0..3).map(|_| time_to_parse(text)).min().unwrap();
    let (t_small, t_large) = (best(&small), best(&large));
    // Ten times the input; allow generous slack, but nothing like quadratic (100x).
    assert!(
        t_large < t_small * 40,
        "5k operands: {t_small:?}, 50k operands: {t_large:?}"
    );
}

#[test]
fn long_strings_and_garbage_are_rejected_quickly() {
    let garbage = "[file:name = '".to_owned() + &"\\".repeat(1_000_000);
    let start = Instant::now();
    assert!(parse(&garbage).is_err());
    let unclosed = "[file:name = 'a' OR ".repeat(100_000);
    assert!(parse(&unclosed).is_err());
    assert!(start.elapsed() < Duration::from_secs(5));
}

/// `cargo test --release -p stix-model --test pattern_limits -- --ignored --nocapture`
/// prints the time to parse a typical indicator pattern.
#[test]
#[ignore]
fn typical_indicator_parse_time() {
    let text = "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] OR [ipv4-addr:value = '198.51.100.1/32']";
    let rounds = 200_000;
    for _ in 0..10_000 {
        std::hint::black_box(parse(std::hint::black_box(text)).unwrap());
    }
    let start = Instant::now();
    for _ in 0..rounds {
        std::hint::black_box(parse(std::hint::black_box(text)).unwrap());
    }
    let per = start.elapsed() / rounds;
    println!("typical indicator pattern: {per:?} per parse");
}
