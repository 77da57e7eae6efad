//! RFC 8785 canonical JSON, the content hash and deterministic SCO identifiers.
//!
//! The vectors are those of RFC 8785: §3.2.2 (the sample object), §3.2.3 (property sorting)
//! and Appendix B (number serialisation, given there as IEEE 754 bit patterns).

// Test helpers outside `#[test]` functions fail as loudly as the tests themselves.
#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use stix_model::StixError;
use stix_model::canonical::{
    ContentHash, content_hash, content_hash_of_bytes, parse_i_json, sco_id_for, to_canonical_bytes,
};

fn canon(text: &str) -> String {
    let value: Value = serde_json::from_str(text).unwrap();
    String::from_utf8(to_canonical_bytes(&value)).unwrap()
}

#[test]
fn rfc8785_sample_object_is_canonicalized() {
    // RFC 8785 §3.2.2: whitespace removed, properties sorted, numbers in ECMAScript form,
    // strings with only the mandatory escapes.
    let input = r#"{
      "numbers": [333333333.33333329, 1E30, 4.50,
                  2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }"#;
    let expected = "{\"literals\":[null,true,false],\
                    \"numbers\":[333333333.3333333,1e+30,4.5,0.002,1e-27],\
                    \"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(canon(input), expected);
}

#[test]
fn properties_are_sorted_by_utf16_code_units() {
    // RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33, although it is the
    // larger code point; sorting by UTF-8 bytes or by code points would get this wrong.
    let input = r#"{
      "\u20ac": "Euro Sign",
      "\r": "Carriage Return",
      "\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\ud83d\ude00": "Emoji: Grinning Face",
      "\u0080": "Control",
      "\u00f6": "Latin Small Letter O With Diaeresis"
    }"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
                    \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
                    \"\u{1f600}\":\"Emoji: Grinning Face\",\
                    \"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(canon(input), expected);
}

#[test]
fn sorting_ignores_document_order() {
    // serde_json keeps document order in this workspace (`preserve_order`); the canonical form
    // must not.
    assert_eq!(canon(r#"{"b":1,"a":2}"#), r#"{"a":2,"b":1}"#);
    assert_eq!(canon(r#"{"a":2,"b":1}"#), r#"{"a":2,"b":1}"#);
    assert_eq!(
        canon(r#"[{"z":{"y":1,"x":2},"a":[{"d":0,"c":0}]}]"#),
        r#"[{"a":[{"c":0,"d":0}],"z":{"x":2,"y":1}}]"#
    );
}

#[test]
fn array_order_is_kept() {
    assert_eq!(canon("[3, 1, 2]"), "[3,1,2]");
}

#[test]
fn rfc8785_appendix_b_numbers() {
    // (IEEE 754 bits, expected serialisation), RFC 8785 Appendix B; NaN and Infinity are
    // left out because JSON cannot carry them.
    let vectors: &[(u64, &str)] = &[
        (0x0000000000000000, "0"),
        (0x8000000000000000, "0"),
        (0x0000000000000001, "5e-324"),
        (0x8000000000000001, "-5e-324"),
        (0x7fefffffffffffff, "1.7976931348623157e+308"),
        (0xffefffffffffffff, "-1.7976931348623157e+308"),
        (0x4340000000000000, "9007199254740992"),
        (0xc340000000000000, "-9007199254740992"),
        (0x4430000000000000, "295147905179352830000"),
        (0x44b52d02c7e14af5, "9.999999999999997e+22"),
        (0x44b52d02c7e14af6, "1e+23"),
        (0x44b52d02c7e14af7, "1.0000000000000001e+23"),
        (0x444b1ae4d6e2ef4e, "999999999999999700000"),
        (0x444b1ae4d6e2ef4f, "999999999999999900000"),
        (0x444b1ae4d6e2ef50, "1e+21"),
        (0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"),
        (0x3eb0c6f7a0b5ed8d, "0.000001"),
        (0x41b3de4355555553, "333333333.3333332"),
        (0x41b3de4355555554, "333333333.33333325"),
        (0x41b3de4355555555, "333333333.3333333"),
        (0x41b3de4355555556, "333333333.3333334"),
        (0x41b3de4355555557, "333333333.33333343"),
        (0xbecbf647612f3696, "-0.0000033333333333333333"),
        (0x43143ff3c1cb0959, "1424953923781206.2"),
    ];
    for (bits, expected) in vectors {
        let value = Value::from(f64::from_bits(*bits));
        let got = String::from_utf8(to_canonical_bytes(&value)).unwrap();
        assert_eq!(got, *expected, "bits {bits:016x}");
        // The same number written as JSON text (Rust's shortest round-trip form) parses to the
        // same double and so canonicalizes the same way.
        let text = format!("{:e}", f64::from_bits(*bits));
        assert_eq!(canon(&text), *expected, "text {text}");
    }
}

#[test]
fn integers_are_written_as_doubles() {
    // I-JSON numbers are doubles: integer spellings collapse and integers past 2^53 round.
    assert_eq!(canon("[1E2, 100.0, 100, -0]"), "[100,100,100,0]");
    assert_eq!(canon("9007199254740993"), "9007199254740992");
    assert_eq!(canon("18446744073709551615"), "18446744073709552000");
}

#[test]
fn strings_use_only_the_mandatory_escapes() {
    // RFC 8785 §3.2.2.2: `"` and `\` escaped, U+0000-U+001F as \b \t \n \f \r or lower-case
    // \u00xx, everything else (including `/`, DEL, U+2028 and non-ASCII) written as is.
    let input = r#""\u0000\u0001\u0008\u0009\u000a\u000b\u000c\u000d\u001f\u0020\/\u007f\u2028\u00e9\ud83d\ude00\"\\""#;
    let expected =
        "\"\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f /\u{7f}\u{2028}\u{e9}\u{1f600}\\\"\\\\\"";
    assert_eq!(canon(input), expected);
}

#[test]
fn strings_are_not_unicode_normalized() {
    // "é" precomposed and "e" + combining acute stay distinct.
    assert_eq!(
        canon(r#"["\u00e9", "e\u0301"]"#),
        "[\"\u{e9}\",\"e\u{301}\"]"
    );
}

#[test]
fn content_hash_is_sha256_of_canonical_form() {
    let value = json!({"b": 1, "a": "x"});
    // sha256(b'{"a":"x","b":1}'), computed independently.
    assert_eq!(
        content_hash(&value).to_hex(),
        "cdab067e9f3beb32d1252cfd63e492592fecbf591b0d08cadb24bb17f3864246"
    );
    assert_eq!(
        content_hash(&value),
        ContentHash::of_canonical_bytes(br#"{"a":"x","b":1}"#)
    );
}

#[test]
fn content_hash_ignores_formatting() {
    let a = br#"{"name":"caf\u00e9","n":1.0,"list":[1,2]}"#;
    let b = "{\n  \"list\": [1, 2],\n  \"n\": 1,\n  \"name\": \"caf\u{e9}\"\n}";
    assert_eq!(
        content_hash_of_bytes(a).unwrap(),
        content_hash_of_bytes(b.as_bytes()).unwrap()
    );
    assert_ne!(
        content_hash_of_bytes(a).unwrap(),
        content_hash_of_bytes(br#"{"name":"cafe","n":1,"list":[1,2]}"#).unwrap()
    );
}

#[test]
fn content_hash_of_bytes_refuses_duplicate_property_names() {
    let err = content_hash_of_bytes(br#"{"a":1,"b":{"c":1,"c":2}}"#).unwrap_err();
    assert!(matches!(err, StixError::Json(_)), "{err}");
    assert!(
        err.to_string().contains("duplicate property name \"c\""),
        "{err}"
    );
    // An escape does not hide a duplicate: "\u0061" is "a".
    assert!(parse_i_json(br#"{"a":1,"\u0061":2}"#).is_err());
}

#[test]
fn content_hash_of_bytes_refuses_malformed_json() {
    assert!(content_hash_of_bytes(b"{\"a\":").is_err());
    assert!(content_hash_of_bytes(b"{\"a\":1} x").is_err());
    assert!(content_hash_of_bytes(b"[1e400]").is_err());
}

#[test]
fn content_hash_hex_round_trips() {
    let hash = content_hash(&json!({"a": 1}));
    let hex = hash.to_hex();
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    assert_eq!(hash.to_string(), hex);
    assert_eq!(ContentHash::parse_hex(&hex).unwrap(), hash);
    assert_eq!(hex.parse::<ContentHash>().unwrap(), hash);
    let json = serde_json::to_string(&hash).unwrap();
    assert_eq!(json, format!("\"{hex}\""));
    assert_eq!(serde_json::from_str::<ContentHash>(&json).unwrap(), hash);
}

#[test]
fn content_hash_hex_must_be_64_lower_case_digits() {
    let hex = content_hash(&json!(null)).to_hex();
    assert!(ContentHash::parse_hex(&hex.to_uppercase()).is_err());
    assert!(ContentHash::parse_hex(&hex[..63]).is_err());
    assert!(ContentHash::parse_hex(&format!("{hex}0")).is_err());
    assert!(ContentHash::parse_hex(&format!("{}g", &hex[..63])).is_err());
    assert!(ContentHash::parse_hex("").is_err());
    // 64 bytes but not 64 characters.
    assert!(ContentHash::parse_hex(&format!("{}\u{e9}", &hex[..62])).is_err());
}

#[test]
fn sco_id_is_uuidv5_over_canonical_contributing_properties() {
    // STIX 2.1 §2.9's example.
    assert_eq!(
        sco_id_for("email-addr", &json!({"value": "john@example.com"})),
        "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934"
    );
}

#[test]
fn sco_id_does_not_depend_on_property_order() {
    let a: Value = serde_json::from_str(r#"{"name":"a.exe","hashes":{"MD5":"x"}}"#).unwrap();
    let b: Value = serde_json::from_str(r#"{"hashes":{"MD5":"x"},"name":"a.exe"}"#).unwrap();
    assert_eq!(sco_id_for("file", &a), sco_id_for("file", &b));
}

mod agrees_with_an_independent_implementation {
    use proptest::prelude::*;
    use serde_json::{Map, Number, Value};
    use stix_model::canonical::to_canonical_bytes;

    fn number() -> impl Strategy<Value = Number> {
        prop_oneof![
            any::<i64>().prop_map(Number::from),
            any::<u64>().prop_map(Number::from),
            any::<f64>().prop_filter_map("finite", Number::from_f64),
            (-1e-5f64..1e-5).prop_filter_map("finite", Number::from_f64),
            (1e20f64..1e22).prop_filter_map("finite", Number::from_f64),
        ]
    }

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            number().prop_map(Value::Number),
            any::<String>().prop_map(Value::String),
            "[\\x00-\\x1f\"\\\\a\u{e9}\u{fb33}\u{1f600}]{0,6}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec(
                    (
                        "[a-z\u{e9}\u{fb33}\u{1f600}\u{80}\r1]{0,4}|\\PC{0,4}",
                        inner
                    ),
                    0..6
                )
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Our serializer and `serde_json_canonicalizer` give the same bytes for any value.
        #[test]
        fn canonical_bytes_equal_serde_json_canonicalizer(value in json()) {
            let theirs = serde_json_canonicalizer::to_vec(&value).unwrap();
            prop_assert_eq!(to_canonical_bytes(&value), theirs);
        }
    }
}
