//! The rules of the 18 cyber-observable objects and their predefined extensions (STIX 2.1
//! §6): one test per rule, each with a minimal valid object that passes and a variant that
//! breaks the rule, checked for the rule and JSON path; then the specification's examples,
//! one per type and per extension.

// Helpers outside `#[test]` functions fail as loudly as the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
#![recursion_limit = "256"]

use serde_json::{Value, json};
use stix_model::spec::sco::deterministic_ids;
use stix_model::{Options, Problem, Rule, Severity, Validator};

use Severity::{Error, Warning};

const UUID4: &str = "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

fn problems(v: &Value) -> Vec<Problem> {
    Validator::default().validate(v)
}

/// Gives an SCO the id the specification recommends: the UUIDv5 of its ID contributing
/// properties, or a UUIDv4 when none is present. Tests then see only the rule they break.
fn sco(mut v: Value) -> Value {
    let map = v.as_object_mut().unwrap();
    let type_name = map["type"].as_str().unwrap().to_owned();
    let spec = stix_model::spec::lookup(&type_name).unwrap();
    let id = deterministic_ids(&type_name, map, spec.id_contributing)
        .into_iter()
        .next()
        .unwrap_or_else(|| format!("{type_name}--{UUID4}"));
    map.insert("id".into(), Value::String(id));
    v
}

/// Sets one property (a JSON pointer) and recomputes the id.
fn with(v: &Value, pointer: &str, value: Value) -> Value {
    let mut v = v.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(parent).unwrap()
    };
    match target {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().unwrap()] = value,
        _ => panic!("{pointer} does not point into an object or list"),
    }
    sco(v)
}

/// Removes one property (a JSON pointer) and recomputes the id.
fn without(v: &Value, pointer: &str) -> Value {
    let mut v = v.clone();
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut v
    } else {
        v.pointer_mut(parent).unwrap()
    };
    target.as_object_mut().unwrap().remove(key);
    sco(v)
}

#[track_caller]
fn assert_clean(v: &Value) {
    let found = problems(v);
    assert!(found.is_empty(), "expected no problems, got {found:#?}");
}

/// Asserts that the object has exactly these problems, in any order.
#[track_caller]
fn assert_problems(v: &Value, expected: &[(Severity, Rule, &str)]) {
    let mut found: Vec<(Severity, Rule, String)> = problems(v)
        .into_iter()
        .map(|p| (p.severity, p.rule, p.path))
        .collect();
    let mut expected: Vec<(Severity, Rule, String)> = expected
        .iter()
        .map(|(s, r, p)| (*s, *r, (*p).to_owned()))
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(
        found,
        expected,
        "\nobject: {v:#}\nproblems: {:#?}",
        problems(v)
    );
}

#[track_caller]
fn assert_error(v: &Value, rule: Rule, path: &str) {
    assert_problems(v, &[(Error, rule, path)]);
}

#[track_caller]
fn assert_warning(v: &Value, rule: Rule, path: &str) {
    assert_problems(v, &[(Warning, rule, path)]);
}

// ---------------------------------------------------------------------------------------------
// Minimal valid objects

fn artifact() -> Value {
    sco(json!({"type": "artifact", "spec_version": "2.1", "payload_bin": "aGVsbG8="}))
}

fn autonomous_system() -> Value {
    sco(json!({"type": "autonomous-system", "number": 15139}))
}

fn directory() -> Value {
    sco(json!({"type": "directory", "path": "C:\\Windows\\System32"}))
}

fn domain_name() -> Value {
    sco(json!({"type": "domain-name", "value": "example.com"}))
}

fn email_addr() -> Value {
    sco(json!({"type": "email-addr", "value": "jdoe@example.com"}))
}

fn email_message() -> Value {
    sco(json!({"type": "email-message", "is_multipart": false, "subject": "Saying Hello"}))
}

fn file() -> Value {
    sco(json!({"type": "file", "name": "foo.dll"}))
}

fn ipv4() -> Value {
    sco(json!({"type": "ipv4-addr", "value": "198.51.100.3"}))
}

fn ipv6() -> Value {
    sco(json!({"type": "ipv6-addr", "value": "2001:db8::1"}))
}

fn mac() -> Value {
    sco(json!({"type": "mac-addr", "value": "d2:fb:49:24:37:18"}))
}

fn mutex() -> Value {
    sco(json!({"type": "mutex", "name": "__CLEANSWEEP__"}))
}

fn network_traffic() -> Value {
    sco(json!({
        "type": "network-traffic",
        "src_ref": "ipv4-addr--9cf4a8ec-7640-5f40-a006-79942896168b",
        "src_port": 2487,
        "dst_port": 80,
        "protocols": ["ipv4", "tcp"]
    }))
}

fn process() -> Value {
    sco(json!({"type": "process", "pid": 1221}))
}

fn software() -> Value {
    sco(json!({"type": "software", "name": "Word"}))
}

fn url() -> Value {
    sco(json!({"type": "url", "value": "https://example.com/research/index.html"}))
}

fn user_account() -> Value {
    sco(json!({"type": "user-account", "user_id": "1001"}))
}

fn registry_key() -> Value {
    sco(json!({"type": "windows-registry-key", "key": "HKEY_LOCAL_MACHINE\\System\\Foo"}))
}

fn x509() -> Value {
    sco(json!({"type": "x509-certificate", "serial_number": "36:f7:d4:32"}))
}

/// A file carrying one predefined extension.
fn file_with(extension: &str, content: Value) -> Value {
    sco(json!({"type": "file", "name": "foo.bin", "extensions": {extension: content}}))
}

/// A network-traffic carrying one predefined extension (and the protocol that goes with it).
fn traffic_with(extension: &str, protocol: &str, content: Value) -> Value {
    sco(json!({
        "type": "network-traffic",
        "dst_ref": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
        "src_port": 2487,
        "dst_port": 80,
        "protocols": ["ipv4", protocol],
        "extensions": {extension: content}
    }))
}

fn process_with(extension: &str, content: Value) -> Value {
    sco(json!({"type": "process", "pid": 314, "extensions": {extension: content}}))
}

fn account_with(content: Value) -> Value {
    sco(
        json!({"type": "user-account", "user_id": "1001", "extensions": {"unix-account-ext": content}}),
    )
}

#[test]
fn minimal_objects_of_every_type_are_valid() {
    for v in [
        artifact(),
        autonomous_system(),
        directory(),
        domain_name(),
        email_addr(),
        email_message(),
        file(),
        ipv4(),
        ipv6(),
        mac(),
        mutex(),
        network_traffic(),
        process(),
        software(),
        url(),
        user_account(),
        registry_key(),
        x509(),
    ] {
        assert_clean(&v);
    }
}

#[test]
fn every_sco_type_is_specified() {
    let names: Vec<&str> = stix_model::spec::sco::TYPES
        .iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(names.len(), 18);
    for t in stix_model::spec::sco::TYPES {
        assert!(stix_model::spec::is_sco(t.name));
        assert_eq!(t.category, stix_model::spec::Category::Sco);
    }
}

// ---------------------------------------------------------------------------------------------
// Common to all SCOs

#[test]
fn spec_version_is_optional_on_scos() {
    assert_clean(&without(&ipv4(), "/spec_version"));
    assert_error(
        &with(&ipv4(), "/spec_version", json!("2.0")),
        Rule::SpecVersion,
        "/spec_version",
    );
}

#[test]
fn defanged_is_a_boolean() {
    assert_clean(&with(&url(), "/defanged", json!(true)));
    assert_error(
        &with(&url(), "/defanged", json!("yes")),
        Rule::PropertyType,
        "/defanged",
    );
}

#[test]
fn sco_id_should_be_uuid5_of_contributing_properties() {
    // The specification's own example (§2.9).
    assert_clean(&json!({
        "type": "ipv4-addr",
        "id": "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
        "value": "198.51.100.3"
    }));
    let mut v4 = ipv4();
    v4["id"] = json!(format!("ipv4-addr--{UUID4}"));
    assert_warning(&v4, Rule::DeterministicId, "/id");
    // A UUIDv5 of something else (here: of another address).
    let mut other = ipv4();
    other["id"] = json!("ipv4-addr--1ea47840-aa39-5aa8-b4a2-cd203eb6662a");
    assert_warning(&other, Rule::DeterministicId, "/id");
    // Upper-case hex digits name the same UUID.
    assert_clean(&json!({
        "type": "ipv4-addr",
        "id": "ipv4-addr--28BB3599-77CD-5A82-A950-B5BC3CAF07C4",
        "value": "198.51.100.3"
    }));
}

#[test]
fn sco_id_from_hashes_uses_one_preferred_hash() {
    let md5 = "3773a88f65a5e780c8dff9cdc3a056f3";
    let sha256 = "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db";
    let both = json!({"type": "file", "hashes": {"SHA-256": sha256, "MD5": md5}});
    let map = both.as_object().unwrap();
    let ids = deterministic_ids(
        "file",
        map,
        &["hashes", "name", "extensions", "parent_directory_ref"],
    );
    // §6.7: one hash, MD5 first in the order of preference.
    let md5_only = deterministic_ids(
        "file",
        json!({"hashes": {"MD5": md5}}).as_object().unwrap(),
        &["hashes"],
    );
    assert_eq!(ids[0], md5_only[0]);
    // Producers that kept another single hash, or the whole dictionary, are accepted too.
    for id in &ids {
        let mut v = both.clone();
        v["id"] = json!(id);
        assert_clean(&v);
    }
    assert_eq!(ids.len(), 3);
}

#[test]
fn sco_without_contributing_properties_must_use_uuid4() {
    // email-message: none of from_ref, subject, body.
    let bare = sco(json!({"type": "email-message", "is_multipart": false}));
    assert_clean(&bare);
    let mut v5 = bare.clone();
    v5["id"] = json!("email-message--92fa1bfd-2c62-5a30-8b7c-5b91ea73cf29");
    assert_error(&v5, Rule::DeterministicId, "/id");
}

#[test]
fn process_id_must_be_uuid4() {
    // §6.13: a process has no ID contributing properties.
    assert_clean(&process());
    let mut v5 = process();
    v5["id"] = json!("process--65a99d8a-e5b2-54bb-8311-963a580ee9a1");
    assert_error(&v5, Rule::DeterministicId, "/id");
}

#[test]
fn versioned_sco_must_not_use_the_deterministic_namespace() {
    // §3.6: a producer versioning an SCO uses its own ids, not the default namespace.
    let mut own = with(&mutex(), "/modified", json!("2020-01-01T00:00:00.000Z"));
    own["id"] = json!(format!("mutex--{UUID4}"));
    assert_clean(&own);
    let deterministic = with(&mutex(), "/modified", json!("2020-01-01T00:00:00.000Z"));
    assert_error(&deterministic, Rule::DeterministicId, "/id");
}

#[test]
fn sco_hash_algorithm_names_should_come_from_the_vocabulary() {
    let sha256 = "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db";
    assert_clean(&with(
        &file(),
        "/hashes",
        json!({"SHA-256": sha256, "x_acme_hash": "aa"}),
    ));
    assert_warning(
        &with(&file(), "/hashes", json!({"WHIRLPOOL": "aa"})),
        Rule::OpenVocabulary,
        "/hashes/WHIRLPOOL",
    );
    assert_error(
        &with(&file(), "/hashes", json!({"SHA-256": "abc"})),
        Rule::Hashes,
        "/hashes/SHA-256",
    );
}

// ---------------------------------------------------------------------------------------------
// artifact (§6.1)

#[test]
fn artifact_needs_payload_bin_or_url() {
    assert_clean(&artifact());
    assert_error(
        &without(&artifact(), "/payload_bin"),
        Rule::PropertyCombination,
        "",
    );
    let both = with(
        &with(&artifact(), "/url", json!("https://example.com/a.bin")),
        "/hashes",
        json!({"MD5": "3773a88f65a5e780c8dff9cdc3a056f3"}),
    );
    assert_error(&both, Rule::PropertyCombination, "/url");
}

#[test]
fn artifact_url_requires_hashes() {
    let by_url = sco(json!({
        "type": "artifact",
        "url": "https://example.com/a.bin",
        "hashes": {"MD5": "3773a88f65a5e780c8dff9cdc3a056f3"}
    }));
    assert_clean(&by_url);
    assert_error(
        &without(&by_url, "/hashes"),
        Rule::RequiredProperty,
        "/hashes",
    );
}

#[test]
fn artifact_payload_bin_is_base64() {
    assert_error(
        &with(&artifact(), "/payload_bin", json!("not base64!")),
        Rule::ValueFormat,
        "/payload_bin",
    );
}

#[test]
fn artifact_url_is_a_url() {
    let v = sco(json!({
        "type": "artifact",
        "url": "not a url",
        "hashes": {"MD5": "3773a88f65a5e780c8dff9cdc3a056f3"}
    }));
    assert_error(&v, Rule::ValueFormat, "/url");
}

#[test]
fn encryption_algorithm_is_a_closed_enumeration() {
    let encrypted = with(
        &artifact(),
        "/encryption_algorithm",
        json!("mime-type-indicated"),
    );
    assert_clean(&encrypted);
    assert_error(
        &with(&artifact(), "/encryption_algorithm", json!("rot13")),
        Rule::ClosedVocabulary,
        "/encryption_algorithm",
    );
}

#[test]
fn decryption_key_requires_encryption_algorithm() {
    let encrypted = with(
        &with(&artifact(), "/encryption_algorithm", json!("AES-256-GCM")),
        "/decryption_key",
        json!("My voice is my passport"),
    );
    assert_clean(&encrypted);
    assert_error(
        &without(&encrypted, "/encryption_algorithm"),
        Rule::PropertyCombination,
        "/decryption_key",
    );
}

#[test]
fn mime_type_should_be_an_iana_media_type() {
    assert_clean(&with(&artifact(), "/mime_type", json!("image/jpeg")));
    assert_clean(&with(
        &file(),
        "/mime_type",
        json!("text/plain; charset=utf-8"),
    ));
    assert_warning(
        &with(&artifact(), "/mime_type", json!("jpeg")),
        Rule::Recommendation,
        "/mime_type",
    );
    assert_warning(
        &with(&file(), "/mime_type", json!("executable/pe")),
        Rule::Recommendation,
        "/mime_type",
    );
}

// ---------------------------------------------------------------------------------------------
// autonomous-system (§6.2)

#[test]
fn autonomous_system_requires_number() {
    assert_error(
        &without(&autonomous_system(), "/number"),
        Rule::RequiredProperty,
        "/number",
    );
}

#[test]
fn autonomous_system_number_is_a_32_bit_unsigned_integer() {
    assert_clean(&with(
        &autonomous_system(),
        "/number",
        json!(4_294_967_295u64),
    ));
    assert_error(
        &with(&autonomous_system(), "/number", json!(-1)),
        Rule::Range,
        "/number",
    );
    assert_error(
        &with(&autonomous_system(), "/number", json!(4_294_967_296u64)),
        Rule::Range,
        "/number",
    );
    assert_error(
        &with(&autonomous_system(), "/number", json!("AS15139")),
        Rule::PropertyType,
        "/number",
    );
}

// ---------------------------------------------------------------------------------------------
// directory (§6.3)

#[test]
fn directory_requires_path() {
    assert_error(
        &without(&directory(), "/path"),
        Rule::RequiredProperty,
        "/path",
    );
}

#[test]
fn directory_contains_refs_point_at_files_or_directories() {
    let ok = with(
        &directory(),
        "/contains_refs",
        json!([
            "file--949eb97a-da1e-5292-8959-03c4249dc9f3",
            "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"
        ]),
    );
    assert_clean(&ok);
    assert_error(
        &with(
            &directory(),
            "/contains_refs",
            json!([
                "file--949eb97a-da1e-5292-8959-03c4249dc9f3",
                "mutex--f93fe911-e545-5239-b9b0-597840d0c871"
            ]),
        ),
        Rule::ReferenceType,
        "/contains_refs/1",
    );
}

#[test]
fn encoding_is_an_iana_character_set_name() {
    assert_clean(&with(&directory(), "/path_enc", json!("windows-1252")));
    assert_clean(&with(&file(), "/name_enc", json!("Shift_JIS")));
    // IANA compares names without regard to case.
    assert_clean(&with(&file(), "/name_enc", json!("utf-8")));
    assert_error(
        &with(&directory(), "/path_enc", json!("windows 1252")),
        Rule::ValueFormat,
        "/path_enc",
    );
    // An alias, not the preferred MIME name ISO-8859-1.
    assert_error(
        &with(&file(), "/name_enc", json!("ISO_8859-1:1987")),
        Rule::ValueFormat,
        "/name_enc",
    );
}

#[test]
fn directory_times_are_timestamps() {
    assert_clean(&with(&directory(), "/ctime", json!("2016-01-20T12:31:12Z")));
    assert_error(
        &with(&directory(), "/mtime", json!("yesterday")),
        Rule::TimestampFormat,
        "/mtime",
    );
}

// ---------------------------------------------------------------------------------------------
// domain-name (§6.4)

#[test]
fn domain_name_value_is_a_domain_name() {
    for good in [
        "example.com",
        "www.example.com.",
        "bücher.example",
        "_dmarc.example.com",
        "*.example.com",
    ] {
        assert_clean(&with(&domain_name(), "/value", json!(good)));
    }
    for bad in [
        "",
        "exa mple.com",
        "example..com",
        "http://example.com/",
        "-example.com",
        "a.*.com",
    ] {
        assert_error(
            &with(&domain_name(), "/value", json!(bad)),
            Rule::ValueFormat,
            "/value",
        );
    }
    let long_label = format!("{}.com", "a".repeat(64));
    assert_error(
        &with(&domain_name(), "/value", json!(long_label)),
        Rule::ValueFormat,
        "/value",
    );
}

#[test]
fn domain_name_resolves_to_addresses_or_domain_names() {
    assert_clean(&with(
        &domain_name(),
        "/resolves_to_refs",
        json!([
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
            "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"
        ]),
    ));
    assert_error(
        &with(
            &domain_name(),
            "/resolves_to_refs",
            json!(["mac-addr--757b1725-9903-54f5-a855-1240691d7659"]),
        ),
        Rule::ReferenceType,
        "/resolves_to_refs/0",
    );
    assert_error(
        &with(&domain_name(), "/resolves_to_refs", json!([])),
        Rule::EmptyList,
        "/resolves_to_refs",
    );
}

// ---------------------------------------------------------------------------------------------
// email-addr (§6.5)

#[test]
fn email_addr_value_is_an_addr_spec() {
    assert_clean(&with(
        &email_addr(),
        "/value",
        json!("\"john doe\"@example.com"),
    ));
    for bad in [
        "John Doe <jdoe@example.com>",
        "jdoe",
        "@example.com",
        "jdoe@",
        "j doe@example.com",
    ] {
        assert_error(
            &with(&email_addr(), "/value", json!(bad)),
            Rule::ValueFormat,
            "/value",
        );
    }
}

#[test]
fn email_addr_belongs_to_a_user_account() {
    assert_clean(&with(
        &email_addr(),
        "/belongs_to_ref",
        json!("user-account--f94d689e-707d-58c3-b803-c720bb6ed096"),
    ));
    assert_error(
        &with(
            &email_addr(),
            "/belongs_to_ref",
            json!("identity--f94d689e-707d-48c3-b803-c720bb6ed096"),
        ),
        Rule::ReferenceType,
        "/belongs_to_ref",
    );
}

// ---------------------------------------------------------------------------------------------
// email-message (§6.6)

#[test]
fn email_message_requires_is_multipart() {
    assert_error(
        &without(&email_message(), "/is_multipart"),
        Rule::RequiredProperty,
        "/is_multipart",
    );
}

#[test]
fn email_body_agrees_with_is_multipart() {
    let single = with(&email_message(), "/body", json!("Cats are funny!"));
    assert_clean(&single);
    assert_error(
        &with(&single, "/is_multipart", json!(true)),
        Rule::PropertyCombination,
        "/body",
    );
    let multi = with(
        &with(&email_message(), "/is_multipart", json!(true)),
        "/body_multipart",
        json!([{"content_type": "text/plain", "body": "Cats are funny!"}]),
    );
    assert_clean(&multi);
    assert_error(
        &with(&multi, "/is_multipart", json!(false)),
        Rule::PropertyCombination,
        "/body_multipart",
    );
}

#[test]
fn email_addresses_are_email_addr_references() {
    let ok = with(
        &with(
            &email_message(),
            "/from_ref",
            json!("email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171"),
        ),
        "/to_refs",
        json!(["email-addr--2aeeb98c-9db4-525e-874d-221fdfe9f76e"]),
    );
    assert_clean(&ok);
    assert_error(
        &with(
            &ok,
            "/cc_refs",
            json!(["user-account--f94d689e-707d-58c3-b803-c720bb6ed096"]),
        ),
        Rule::ReferenceType,
        "/cc_refs/0",
    );
    assert_error(
        &with(
            &ok,
            "/raw_email_ref",
            json!("file--949eb97a-da1e-5292-8959-03c4249dc9f3"),
        ),
        Rule::ReferenceType,
        "/raw_email_ref",
    );
}

#[test]
fn mime_part_has_exactly_one_of_body_and_body_raw_ref() {
    let multi = sco(json!({
        "type": "email-message",
        "is_multipart": true,
        "body_multipart": [
            {"content_type": "text/plain", "body": "Cats are funny!"},
            {"content_type": "image/png", "body_raw_ref": "artifact--0682152c-646a-513b-bc07-e516494ed178"}
        ]
    }));
    assert_clean(&multi);
    assert_error(
        &with(
            &multi,
            "/body_multipart/0",
            json!({"content_type": "text/plain"}),
        ),
        Rule::PropertyCombination,
        "/body_multipart/0",
    );
    assert_error(
        &with(
            &multi,
            "/body_multipart/1",
            json!({"body": "x", "body_raw_ref": "artifact--0682152c-646a-513b-bc07-e516494ed178"}),
        ),
        Rule::PropertyCombination,
        "/body_multipart/1",
    );
    assert_error(
        &with(
            &multi,
            "/body_multipart/1/body_raw_ref",
            json!("url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"),
        ),
        Rule::ReferenceType,
        "/body_multipart/1/body_raw_ref",
    );
}

#[test]
fn additional_header_fields_are_lists_of_strings() {
    let ok = with(
        &email_message(),
        "/additional_header_fields",
        json!({"Reply-To": ["steve@example.com", "jane@example.com"]}),
    );
    assert_clean(&ok);
    // The specification's own example uses plain strings: tolerated with a warning.
    assert_warning(
        &with(
            &email_message(),
            "/additional_header_fields",
            json!({"X-Mailer": "Mutt/1.5.23"}),
        ),
        Rule::Recommendation,
        "/additional_header_fields/X-Mailer",
    );
    assert_error(
        &with(
            &email_message(),
            "/additional_header_fields",
            json!({"X-Priority": 1}),
        ),
        Rule::PropertyType,
        "/additional_header_fields/X-Priority",
    );
    assert_warning(
        &with(
            &email_message(),
            "/additional_header_fields",
            json!({"Subject": ["hi"]}),
        ),
        Rule::Recommendation,
        "/additional_header_fields/Subject",
    );
}

#[test]
fn email_headers_are_decoded() {
    assert_clean(&with(
        &email_message(),
        "/subject",
        json!("this is some text =? maybe"),
    ));
    assert_error(
        &with(
            &email_message(),
            "/subject",
            json!("=?iso-8859-1?q?this=20is=20some=20text?="),
        ),
        Rule::ValueFormat,
        "/subject",
    );
    assert_error(
        &with(
            &email_message(),
            "/additional_header_fields",
            json!({"Organization": ["=?UTF-8?B?QUNNRQ==?="]}),
        ),
        Rule::ValueFormat,
        "/additional_header_fields/Organization",
    );
}

// ---------------------------------------------------------------------------------------------
// file (§6.7)

#[test]
fn file_needs_hashes_or_name() {
    assert_clean(&file());
    let hashed =
        sco(json!({"type": "file", "hashes": {"MD5": "3773a88f65a5e780c8dff9cdc3a056f3"}}));
    assert_clean(&hashed);
    assert_error(
        &sco(json!({"type": "file", "size": 25536})),
        Rule::PropertyCombination,
        "",
    );
}

#[test]
fn name_enc_needs_name() {
    let hashed =
        sco(json!({"type": "file", "hashes": {"MD5": "3773a88f65a5e780c8dff9cdc3a056f3"}}));
    assert_clean(&with(&file(), "/name_enc", json!("windows-1252")));
    assert_error(
        &with(&hashed, "/name_enc", json!("windows-1252")),
        Rule::PropertyCombination,
        "/name_enc",
    );
}

#[test]
fn file_size_is_not_negative() {
    assert_clean(&with(&file(), "/size", json!(0)));
    assert_error(&with(&file(), "/size", json!(-1)), Rule::Range, "/size");
}

#[test]
fn file_magic_number_is_hex() {
    assert_clean(&with(&file(), "/magic_number_hex", json!("504b0304")));
    assert_error(
        &with(&file(), "/magic_number_hex", json!("504b030")),
        Rule::ValueFormat,
        "/magic_number_hex",
    );
}

#[test]
fn file_references_have_fixed_types() {
    let ok = with(
        &with(
            &file(),
            "/parent_directory_ref",
            json!("directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"),
        ),
        "/content_ref",
        json!("artifact--0682152c-646a-513b-bc07-e516494ed178"),
    );
    assert_clean(&ok);
    assert_error(
        &with(
            &file(),
            "/parent_directory_ref",
            json!("file--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"),
        ),
        Rule::ReferenceType,
        "/parent_directory_ref",
    );
    assert_error(
        &with(
            &file(),
            "/content_ref",
            json!("file--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"),
        ),
        Rule::ReferenceType,
        "/content_ref",
    );
}

#[test]
fn file_contains_refs_point_at_cyber_observables() {
    let ok = with(
        &file(),
        "/contains_refs",
        json!([
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4",
            "x-acme-gadget--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"
        ]),
    );
    assert_clean(&ok);
    assert_error(
        &with(
            &file(),
            "/contains_refs",
            json!(["indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]),
        ),
        Rule::ReferenceType,
        "/contains_refs/0",
    );
    assert_error(
        &with(&file(), "/contains_refs", json!(["not-an-id"])),
        Rule::IdentifierFormat,
        "/contains_refs/0",
    );
}

// ---------------------------------------------------------------------------------------------
// ipv4-addr, ipv6-addr, mac-addr (§6.8–§6.10)

#[test]
fn ipv4_value_is_an_address_or_cidr_block() {
    for good in [
        "198.51.100.3",
        "198.51.100.0/24",
        "10.2.4.5/24",
        "0.0.0.0/0",
        "1.2.3.4/32",
    ] {
        assert_clean(&with(&ipv4(), "/value", json!(good)));
    }
    for bad in [
        "300.1.1.1",
        "1.2.3",
        "1.2.3.4/33",
        "01.2.3.4",
        "1.2.3.4/",
        "1.2.3.4/08",
        "2001:db8::1",
    ] {
        assert_error(
            &with(&ipv4(), "/value", json!(bad)),
            Rule::ValueFormat,
            "/value",
        );
    }
}

#[test]
fn ipv6_value_is_an_address_or_cidr_block() {
    for good in [
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "2001:0db8::/96",
        "::1",
        "::ffff:198.51.100.3",
        "fe80::1%eth0",
        "::/0",
    ] {
        assert_clean(&with(&ipv6(), "/value", json!(good)));
    }
    for bad in [
        "2001:db8::g",
        "1.2.3.4",
        "2001:db8::/129",
        "2001:db8:::1",
        "fe80::1%",
    ] {
        assert_error(
            &with(&ipv6(), "/value", json!(bad)),
            Rule::ValueFormat,
            "/value",
        );
    }
}

#[test]
fn ip_addresses_resolve_to_mac_addresses_and_belong_to_autonomous_systems() {
    for v in [ipv4(), ipv6()] {
        let ok = with(
            &with(
                &v,
                "/resolves_to_refs",
                json!(["mac-addr--757b1725-9903-54f5-a855-1240691d7659"]),
            ),
            "/belongs_to_refs",
            json!(["autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff"]),
        );
        assert_clean(&ok);
        assert_error(
            &with(
                &v,
                "/resolves_to_refs",
                json!(["domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"]),
            ),
            Rule::ReferenceType,
            "/resolves_to_refs/0",
        );
        assert_error(
            &with(
                &v,
                "/belongs_to_refs",
                json!(["identity--f94d689e-707d-48c3-b803-c720bb6ed096"]),
            ),
            Rule::ReferenceType,
            "/belongs_to_refs/0",
        );
    }
}

#[test]
fn mac_addr_is_lowercase_colon_delimited_mac_48() {
    assert_clean(&with(&mac(), "/value", json!("00:00:ab:cd:ef:01")));
    for bad in [
        "00:00:AB:CD:EF:01",
        "00-00-ab-cd-ef-01",
        "0:0:ab:cd:ef:1",
        "00:00:ab:cd:ef",
        "0000.abcd.ef01",
    ] {
        assert_error(
            &with(&mac(), "/value", json!(bad)),
            Rule::ValueFormat,
            "/value",
        );
    }
}

// ---------------------------------------------------------------------------------------------
// mutex (§6.11)

#[test]
fn mutex_requires_name() {
    assert_error(&without(&mutex(), "/name"), Rule::RequiredProperty, "/name");
}

// ---------------------------------------------------------------------------------------------
// network-traffic (§6.12)

#[test]
fn network_traffic_needs_src_or_dst_ref() {
    assert_clean(&network_traffic());
    let dst_only = with(
        &without(&network_traffic(), "/src_ref"),
        "/dst_ref",
        json!("domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"),
    );
    assert_clean(&dst_only);
    assert_error(
        &without(&network_traffic(), "/src_ref"),
        Rule::PropertyCombination,
        "",
    );
}

#[test]
fn network_traffic_requires_protocols() {
    assert_error(
        &without(&network_traffic(), "/protocols"),
        Rule::RequiredProperty,
        "/protocols",
    );
    assert_error(
        &with(&network_traffic(), "/protocols", json!([])),
        Rule::EmptyList,
        "/protocols",
    );
}

#[test]
fn network_traffic_end_not_before_start() {
    let timed = with(
        &with(&network_traffic(), "/start", json!("2020-01-01T00:00:00Z")),
        "/end",
        json!("2020-01-01T00:00:00Z"),
    );
    assert_clean(&timed);
    assert_error(
        &with(&timed, "/end", json!("2019-12-31T23:59:59.999Z")),
        Rule::TimeOrder,
        "/end",
    );
}

#[test]
fn network_traffic_end_not_with_is_active() {
    let ended = with(&network_traffic(), "/end", json!("2020-01-01T00:00:00Z"));
    assert_clean(&with(&ended, "/is_active", json!(false)));
    assert_clean(&with(&network_traffic(), "/is_active", json!(true)));
    assert_error(
        &with(&ended, "/is_active", json!(true)),
        Rule::PropertyCombination,
        "/end",
    );
}

#[test]
fn network_traffic_ports_are_0_to_65535() {
    assert_clean(&with(&network_traffic(), "/src_port", json!(0)));
    assert_clean(&with(&network_traffic(), "/dst_port", json!(65535)));
    assert_error(
        &with(&network_traffic(), "/src_port", json!(65536)),
        Rule::Range,
        "/src_port",
    );
    assert_error(
        &with(&network_traffic(), "/dst_port", json!(-1)),
        Rule::Range,
        "/dst_port",
    );
}

#[test]
fn network_traffic_should_have_ports() {
    assert_warning(
        &without(&network_traffic(), "/dst_port"),
        Rule::Recommendation,
        "/dst_port",
    );
}

#[test]
fn network_traffic_counts_are_not_negative() {
    assert_clean(&with(&network_traffic(), "/src_byte_count", json!(147600)));
    assert_error(
        &with(&network_traffic(), "/dst_packets", json!(-5)),
        Rule::Range,
        "/dst_packets",
    );
}

#[test]
fn network_traffic_references_have_fixed_types() {
    assert_error(
        &with(
            &network_traffic(),
            "/src_ref",
            json!("url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"),
        ),
        Rule::ReferenceType,
        "/src_ref",
    );
    let ok = with(
        &with(
            &network_traffic(),
            "/src_payload_ref",
            json!("artifact--0682152c-646a-513b-bc07-e516494ed178"),
        ),
        "/encapsulates_refs",
        json!(["network-traffic--8dce0dc4-f5ea-5313-8e6c-03646d419b6a"]),
    );
    assert_clean(&ok);
    assert_error(
        &with(
            &network_traffic(),
            "/encapsulated_by_ref",
            json!("process--8dce0dc4-f5ea-4313-8e6c-03646d419b6a"),
        ),
        Rule::ReferenceType,
        "/encapsulated_by_ref",
    );
}

#[test]
fn protocols_should_be_lowercase() {
    assert_warning(
        &with(&network_traffic(), "/protocols", json!(["ipv4", "TCP"])),
        Rule::Recommendation,
        "/protocols/1",
    );
}

#[test]
fn extension_protocol_should_be_listed() {
    let tcp = traffic_with("tcp-ext", "tcp", json!({"src_flags_hex": "00000002"}));
    assert_clean(&tcp);
    assert_warning(
        &with(&tcp, "/protocols", json!(["ipv4", "udp"])),
        Rule::Recommendation,
        "/protocols",
    );
}

#[test]
fn ipfix_values_are_integers_or_strings() {
    assert_clean(&with(
        &network_traffic(),
        "/ipfix",
        json!({"minimumIpTotalLength": 32, "protocolIdentifier": "tcp"}),
    ));
    assert_error(
        &with(
            &network_traffic(),
            "/ipfix",
            json!({"minimumIpTotalLength": 32.5}),
        ),
        Rule::PropertyType,
        "/ipfix/minimumIpTotalLength",
    );
}

// ---------------------------------------------------------------------------------------------
// process (§6.13)

#[test]
fn process_needs_a_property() {
    assert_clean(&process());
    assert_clean(&process_with(
        "windows-process-ext",
        json!({"aslr_enabled": true}),
    ));
    assert_error(
        &sco(json!({"type": "process", "spec_version": "2.1"})),
        Rule::PropertyCombination,
        "",
    );
}

#[test]
fn process_references_have_fixed_types() {
    let ok = sco(json!({
        "type": "process",
        "image_ref": "file--3eb55c0e-fe96-588b-a7ab-10f55f7ec596",
        "parent_ref": "process--65a99d8a-e5b2-44bb-8311-963a580ee9a1",
        "child_refs": ["process--65a99d8a-e5b2-44bb-8311-963a580ee9a2"],
        "opened_connection_refs": ["network-traffic--6e0cb830-0305-57d4-8536-7be874d42005"],
        "creator_user_ref": "user-account--f94d689e-707d-58c3-b803-c720bb6ed096"
    }));
    assert_clean(&ok);
    for (pointer, bad) in [
        (
            "/image_ref",
            "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622",
        ),
        ("/parent_ref", "file--3eb55c0e-fe96-588b-a7ab-10f55f7ec596"),
        (
            "/creator_user_ref",
            "identity--f94d689e-707d-48c3-b803-c720bb6ed096",
        ),
    ] {
        assert_error(
            &with(&ok, pointer, json!(bad)),
            Rule::ReferenceType,
            pointer,
        );
    }
    assert_error(
        &with(
            &ok,
            "/opened_connection_refs",
            json!(["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]),
        ),
        Rule::ReferenceType,
        "/opened_connection_refs/0",
    );
}

#[test]
fn environment_variables_are_strings() {
    assert_clean(&with(
        &process(),
        "/environment_variables",
        json!({"PATH": "/usr/bin"}),
    ));
    assert_error(
        &with(&process(), "/environment_variables", json!({"SHLVL": 1})),
        Rule::PropertyType,
        "/environment_variables/SHLVL",
    );
}

// ---------------------------------------------------------------------------------------------
// software (§6.14)

#[test]
fn software_requires_name() {
    assert_error(
        &without(&software(), "/name"),
        Rule::RequiredProperty,
        "/name",
    );
}

#[test]
fn software_cpe_is_a_cpe_2_3_string() {
    assert_clean(&with(
        &software(),
        "/cpe",
        json!("cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*"),
    ));
    assert_clean(&with(
        &software(),
        "/cpe",
        json!("cpe:2.3:a:acme:web\\:server:1.0:*:*:*:*:*:*:*"),
    ));
    for bad in [
        "cpe:/a:microsoft:word:2000",
        "cpe:2.3:a:microsoft:word:2000",
        "cpe:2.3:x:microsoft:word:2000:*:*:*:*:*:*:*",
        "cpe:2.3:a:microsoft::2000:*:*:*:*:*:*:*",
    ] {
        assert_error(
            &with(&software(), "/cpe", json!(bad)),
            Rule::ValueFormat,
            "/cpe",
        );
    }
}

#[test]
fn software_languages_are_language_tags() {
    assert_clean(&with(
        &software(),
        "/languages",
        json!(["en", "fra", "zh-Hant-TW"]),
    ));
    assert_error(
        &with(&software(), "/languages", json!(["en", "english language"])),
        Rule::ValueFormat,
        "/languages/1",
    );
    assert_error(
        &with(&software(), "/languages", json!(["english"])),
        Rule::ValueFormat,
        "/languages/0",
    );
}

// ---------------------------------------------------------------------------------------------
// url (§6.15)

#[test]
fn url_value_is_a_url() {
    assert_error(
        &with(&url(), "/value", json!("example.com/index.html")),
        Rule::ValueFormat,
        "/value",
    );
    assert_error(&without(&url(), "/value"), Rule::RequiredProperty, "/value");
}

// ---------------------------------------------------------------------------------------------
// user-account (§6.16)

#[test]
fn user_account_needs_a_property() {
    assert_clean(&user_account());
    assert_clean(&sco(json!({"type": "user-account", "is_disabled": true})));
    assert_error(
        &sco(json!({"type": "user-account", "defanged": false})),
        Rule::PropertyCombination,
        "",
    );
}

#[test]
fn account_type_is_an_open_vocabulary() {
    assert_clean(&with(
        &user_account(),
        "/account_type",
        json!("windows-domain"),
    ));
    assert_warning(
        &with(&user_account(), "/account_type", json!("mastodon")),
        Rule::OpenVocabulary,
        "/account_type",
    );
}

#[test]
fn user_account_times_are_timestamps() {
    assert_error(
        &with(
            &user_account(),
            "/account_last_login",
            json!("2016-07-22 16:08:28"),
        ),
        Rule::TimestampFormat,
        "/account_last_login",
    );
}

// ---------------------------------------------------------------------------------------------
// windows-registry-key (§6.17)

#[test]
fn registry_key_needs_a_property() {
    assert_clean(&registry_key());
    assert_clean(&sco(
        json!({"type": "windows-registry-key", "number_of_subkeys": 2}),
    ));
    assert_error(
        &sco(json!({"type": "windows-registry-key"})),
        Rule::PropertyCombination,
        "",
    );
}

#[test]
fn registry_hive_must_be_fully_expanded() {
    assert_clean(&with(
        &registry_key(),
        "/key",
        json!("hkey_local_machine\\system\\bar\\foo"),
    ));
    assert_error(
        &with(&registry_key(), "/key", json!("HKLM\\Software\\Foo")),
        Rule::ValueFormat,
        "/key",
    );
    assert_error(
        &with(&registry_key(), "/key", json!("hkcu\\Software")),
        Rule::ValueFormat,
        "/key",
    );
}

#[test]
fn registry_value_needs_a_property() {
    // An empty name is the key's default value.
    assert_clean(&with(
        &registry_key(),
        "/values",
        json!([{"name": "", "data": "1"}]),
    ));
    assert_error(
        &with(&registry_key(), "/values", json!([{"name": "Foo"}, {}])),
        Rule::PropertyCombination,
        "/values/1",
    );
}

#[test]
fn registry_data_type_is_a_closed_enumeration() {
    assert_clean(&with(
        &registry_key(),
        "/values",
        json!([{"name": "Bar", "data": "42", "data_type": "REG_DWORD"}]),
    ));
    assert_error(
        &with(
            &registry_key(),
            "/values",
            json!([{"name": "Bar", "data_type": "DWORD"}]),
        ),
        Rule::ClosedVocabulary,
        "/values/0/data_type",
    );
}

#[test]
fn registry_key_creator_is_a_user_account() {
    assert_error(
        &with(
            &registry_key(),
            "/creator_user_ref",
            json!("identity--f94d689e-707d-48c3-b803-c720bb6ed096"),
        ),
        Rule::ReferenceType,
        "/creator_user_ref",
    );
}

// ---------------------------------------------------------------------------------------------
// x509-certificate (§6.18)

#[test]
fn x509_needs_a_property() {
    assert_clean(&x509());
    assert_clean(&sco(
        json!({"type": "x509-certificate", "is_self_signed": false}),
    ));
    assert_error(
        &sco(json!({"type": "x509-certificate", "spec_version": "2.1"})),
        Rule::PropertyCombination,
        "",
    );
}

#[test]
fn x509_v3_extensions_need_a_property() {
    assert_clean(&with(
        &x509(),
        "/x509_v3_extensions",
        json!({"basic_constraints": "critical,CA:TRUE, pathlen:0"}),
    ));
    assert_error(
        &with(&x509(), "/x509_v3_extensions", json!({})),
        Rule::PropertyCombination,
        "/x509_v3_extensions",
    );
    assert_error(
        &with(
            &x509(),
            "/x509_v3_extensions",
            json!({"private_key_usage_period_not_before": "soon"}),
        ),
        Rule::TimestampFormat,
        "/x509_v3_extensions/private_key_usage_period_not_before",
    );
}

#[test]
fn x509_validity_should_be_ordered() {
    let valid = with(
        &with(
            &x509(),
            "/validity_not_before",
            json!("2016-03-12T12:00:00Z"),
        ),
        "/validity_not_after",
        json!("2016-08-21T12:00:00Z"),
    );
    assert_clean(&valid);
    assert_warning(
        &with(&valid, "/validity_not_after", json!("2016-01-01T00:00:00Z")),
        Rule::TimeOrder,
        "/validity_not_after",
    );
}

#[test]
fn x509_exponent_is_an_integer() {
    assert_clean(&with(&x509(), "/subject_public_key_exponent", json!(65537)));
    assert_error(
        &with(&x509(), "/subject_public_key_exponent", json!("65537")),
        Rule::PropertyType,
        "/subject_public_key_exponent",
    );
}

// ---------------------------------------------------------------------------------------------
// Extensions

#[test]
fn predefined_extensions_belong_to_their_type() {
    // tcp-ext is not a file extension: in lenient mode a custom extension draws a warning,
    // in strict mode it is refused.
    let v = file_with("tcp-ext", json!({"src_flags_hex": "02"}));
    assert_warning(&v, Rule::Extension, "/extensions/tcp-ext");
    let strict = Validator::new(Options::strict()).validate(&v);
    assert_eq!(strict.len(), 1, "{strict:#?}");
    assert_eq!(strict[0].rule, Rule::Extension);
}

#[test]
fn archive_ext_requires_contains_refs() {
    let v = file_with(
        "archive-ext",
        json!({"contains_refs": ["file--70221dbf-52fd-5377-9619-c0ce6b3ffc8c"], "comment": "zip"}),
    );
    assert_clean(&v);
    assert_error(
        &file_with("archive-ext", json!({"comment": "zip"})),
        Rule::RequiredProperty,
        "/extensions/archive-ext/contains_refs",
    );
}

#[test]
fn archive_ext_contains_files_or_directories() {
    assert_clean(&file_with(
        "archive-ext",
        json!({"contains_refs": ["directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622"]}),
    ));
    assert_error(
        &file_with(
            "archive-ext",
            json!({"contains_refs": ["url--47c3cf9a-5027-5bf0-997a-017c7edc7c55"]}),
        ),
        Rule::ReferenceType,
        "/extensions/archive-ext/contains_refs/0",
    );
}

#[test]
fn extension_must_not_be_empty() {
    assert_error(
        &file_with("ntfs-ext", json!({})),
        Rule::Extension,
        "/extensions/ntfs-ext",
    );
}

#[test]
fn ntfs_ext_needs_a_property() {
    assert_clean(&file_with("ntfs-ext", json!({"sid": "1234567"})));
    assert_error(
        &file_with("ntfs-ext", json!({"x_acme_note": "n"})),
        Rule::PropertyCombination,
        "/extensions/ntfs-ext",
    );
}

#[test]
fn alternate_data_stream_requires_name() {
    assert_clean(&file_with(
        "ntfs-ext",
        json!({"alternate_data_streams": [{"name": "second.stream", "size": 25536}]}),
    ));
    assert_error(
        &file_with(
            "ntfs-ext",
            json!({"alternate_data_streams": [{"size": 25536}]}),
        ),
        Rule::RequiredProperty,
        "/extensions/ntfs-ext/alternate_data_streams/0/name",
    );
    assert_error(
        &file_with(
            "ntfs-ext",
            json!({"alternate_data_streams": [{"name": "s", "size": -1}]}),
        ),
        Rule::Range,
        "/extensions/ntfs-ext/alternate_data_streams/0/size",
    );
}

#[test]
fn pdf_ext_needs_a_property() {
    assert_clean(&file_with("pdf-ext", json!({"is_optimized": false})));
    assert_error(
        &file_with("pdf-ext", json!({"x_acme_pages": 3})),
        Rule::PropertyCombination,
        "/extensions/pdf-ext",
    );
    assert_error(
        &file_with("pdf-ext", json!({"document_info_dict": {"Pages": 3}})),
        Rule::PropertyType,
        "/extensions/pdf-ext/document_info_dict/Pages",
    );
}

#[test]
fn raster_image_ext_needs_a_property() {
    assert_clean(&file_with("raster-image-ext", json!({"image_height": 768})));
    assert_error(
        &file_with("raster-image-ext", json!({"x_acme_colour": "red"})),
        Rule::PropertyCombination,
        "/extensions/raster-image-ext",
    );
}

#[test]
fn exif_tags_are_integers_or_strings() {
    assert_clean(&file_with(
        "raster-image-ext",
        json!({"exif_tags": {"Make": "Nikon", "XResolution": 4928}}),
    ));
    assert_error(
        &file_with("raster-image-ext", json!({"exif_tags": {"FNumber": 2.8}})),
        Rule::PropertyType,
        "/extensions/raster-image-ext/exif_tags/FNumber",
    );
}

#[test]
fn exif_tag_names_are_case_preserved() {
    assert_error(
        &file_with("raster-image-ext", json!({"exif_tags": {"make": "Nikon"}})),
        Rule::DictionaryKey,
        "/extensions/raster-image-ext/exif_tags/make",
    );
}

#[test]
fn pebinary_ext_requires_pe_type() {
    assert_error(
        &file_with("windows-pebinary-ext", json!({"imphash": "abc"})),
        Rule::RequiredProperty,
        "/extensions/windows-pebinary-ext/pe_type",
    );
}

#[test]
fn pebinary_ext_needs_more_than_pe_type() {
    assert_clean(&file_with(
        "windows-pebinary-ext",
        json!({"pe_type": "dll", "number_of_sections": 4}),
    ));
    assert_error(
        &file_with("windows-pebinary-ext", json!({"pe_type": "dll"})),
        Rule::PropertyCombination,
        "/extensions/windows-pebinary-ext",
    );
}

#[test]
fn pe_type_is_an_open_vocabulary() {
    assert_warning(
        &file_with(
            "windows-pebinary-ext",
            json!({"pe_type": "ocx", "imphash": "abc"}),
        ),
        Rule::OpenVocabulary,
        "/extensions/windows-pebinary-ext/pe_type",
    );
}

#[test]
fn pe_time_date_stamp_is_precise_to_the_second() {
    assert_clean(&file_with(
        "windows-pebinary-ext",
        json!({"pe_type": "exe", "time_date_stamp": "2016-01-22T12:31:12Z"}),
    ));
    assert_error(
        &file_with(
            "windows-pebinary-ext",
            json!({"pe_type": "exe", "time_date_stamp": "2016-01-22T12:31:12.123Z"}),
        ),
        Rule::TimestampPrecision,
        "/extensions/windows-pebinary-ext/time_date_stamp",
    );
}

#[test]
fn pe_optional_header_needs_a_property() {
    assert_clean(&file_with(
        "windows-pebinary-ext",
        json!({"pe_type": "exe", "optional_header": {"magic_hex": "010b"}}),
    ));
    assert_error(
        &file_with(
            "windows-pebinary-ext",
            json!({"pe_type": "exe", "optional_header": {}}),
        ),
        Rule::PropertyCombination,
        "/extensions/windows-pebinary-ext/optional_header",
    );
    assert_error(
        &file_with(
            "windows-pebinary-ext",
            json!({"pe_type": "exe", "optional_header": {"size_of_code": -512}}),
        ),
        Rule::Range,
        "/extensions/windows-pebinary-ext/optional_header/size_of_code",
    );
}

#[test]
fn pe_section_requires_name() {
    assert_error(
        &file_with(
            "windows-pebinary-ext",
            json!({"pe_type": "exe", "sections": [{"entropy": 0.5}]}),
        ),
        Rule::RequiredProperty,
        "/extensions/windows-pebinary-ext/sections/0/name",
    );
}

#[test]
fn pe_section_entropy_lies_in_0_to_8() {
    assert_warning(
        &file_with(
            "windows-pebinary-ext",
            json!({"pe_type": "exe", "sections": [{"name": "CODE", "entropy": 9.1}]}),
        ),
        Rule::Recommendation,
        "/extensions/windows-pebinary-ext/sections/0/entropy",
    );
}

#[test]
fn http_request_ext_requires_method_and_value() {
    let v = traffic_with(
        "http-request-ext",
        "http",
        json!({"request_method": "get", "request_value": "/download.html"}),
    );
    assert_clean(&v);
    assert_error(
        &without(&v, "/extensions/http-request-ext/request_value"),
        Rule::RequiredProperty,
        "/extensions/http-request-ext/request_value",
    );
    assert_error(
        &without(&v, "/extensions/http-request-ext/request_method"),
        Rule::RequiredProperty,
        "/extensions/http-request-ext/request_method",
    );
}

#[test]
fn http_request_header_values_are_lists_of_strings() {
    let v = traffic_with(
        "http-request-ext",
        "http",
        json!({"request_method": "get", "request_value": "/", "request_header": {"Host": ["www.example.com"]}}),
    );
    assert_clean(&v);
    assert_error(
        &with(
            &v,
            "/extensions/http-request-ext/request_header/Host",
            json!("www.example.com"),
        ),
        Rule::PropertyType,
        "/extensions/http-request-ext/request_header/Host",
    );
}

#[test]
fn http_request_method_should_be_lowercase() {
    assert_warning(
        &traffic_with(
            "http-request-ext",
            "http",
            json!({"request_method": "GET", "request_value": "/"}),
        ),
        Rule::Recommendation,
        "/extensions/http-request-ext/request_method",
    );
}

#[test]
fn icmp_ext_requires_hex_type_and_code() {
    let v = traffic_with(
        "icmp-ext",
        "icmp",
        json!({"icmp_type_hex": "08", "icmp_code_hex": "00"}),
    );
    assert_clean(&v);
    assert_error(
        &without(&v, "/extensions/icmp-ext/icmp_code_hex"),
        Rule::RequiredProperty,
        "/extensions/icmp-ext/icmp_code_hex",
    );
    assert_error(
        &with(&v, "/extensions/icmp-ext/icmp_type_hex", json!("zz")),
        Rule::ValueFormat,
        "/extensions/icmp-ext/icmp_type_hex",
    );
}

#[test]
fn icmp_type_should_be_one_byte() {
    assert_warning(
        &traffic_with(
            "icmp-ext",
            "icmp",
            json!({"icmp_type_hex": "0800", "icmp_code_hex": "00"}),
        ),
        Rule::Recommendation,
        "/extensions/icmp-ext/icmp_type_hex",
    );
}

#[test]
fn socket_ext_requires_address_family() {
    let v = traffic_with(
        "socket-ext",
        "tcp",
        json!({"address_family": "AF_INET", "is_listening": true}),
    );
    assert_clean(&v);
    assert_error(
        &without(&v, "/extensions/socket-ext/address_family"),
        Rule::RequiredProperty,
        "/extensions/socket-ext/address_family",
    );
    assert_error(
        &with(
            &v,
            "/extensions/socket-ext/address_family",
            json!("AF_UNIX"),
        ),
        Rule::ClosedVocabulary,
        "/extensions/socket-ext/address_family",
    );
}

#[test]
fn socket_type_is_a_closed_enumeration() {
    let v = traffic_with(
        "socket-ext",
        "tcp",
        json!({"address_family": "AF_INET", "socket_type": "SOCK_DGRAM"}),
    );
    assert_clean(&v);
    assert_error(
        &with(
            &v,
            "/extensions/socket-ext/socket_type",
            json!("SOCK_PACKET"),
        ),
        Rule::ClosedVocabulary,
        "/extensions/socket-ext/socket_type",
    );
}

#[test]
fn socket_options_are_integers() {
    let v = traffic_with(
        "socket-ext",
        "tcp",
        json!({"address_family": "AF_INET", "options": {"SO_ACCEPTCONN": 1}}),
    );
    assert_clean(&v);
    assert_error(
        &with(
            &v,
            "/extensions/socket-ext/options/SO_ACCEPTCONN",
            json!("yes"),
        ),
        Rule::PropertyType,
        "/extensions/socket-ext/options/SO_ACCEPTCONN",
    );
    assert_error(
        &with(&v, "/extensions/socket-ext/socket_descriptor", json!(-3)),
        Rule::Range,
        "/extensions/socket-ext/socket_descriptor",
    );
}

#[test]
fn socket_option_names_should_be_option_names() {
    assert_warning(
        &traffic_with(
            "socket-ext",
            "tcp",
            json!({"address_family": "AF_INET", "options": {"reuse_address": 1}}),
        ),
        Rule::Recommendation,
        "/extensions/socket-ext/options/reuse_address",
    );
}

#[test]
fn tcp_ext_needs_a_property() {
    assert_clean(&traffic_with(
        "tcp-ext",
        "tcp",
        json!({"dst_flags_hex": "12"}),
    ));
    assert_error(
        &traffic_with("tcp-ext", "tcp", json!({"x_acme_window": 5})),
        Rule::PropertyCombination,
        "/extensions/tcp-ext",
    );
    assert_error(
        &traffic_with("tcp-ext", "tcp", json!({"src_flags_hex": "SYN"})),
        Rule::ValueFormat,
        "/extensions/tcp-ext/src_flags_hex",
    );
}

#[test]
fn windows_process_ext_needs_a_property() {
    assert_clean(&process_with(
        "windows-process-ext",
        json!({"owner_sid": "S-1-5-21"}),
    ));
    assert_error(
        &process_with("windows-process-ext", json!({"x_acme_session": 1})),
        Rule::PropertyCombination,
        "/extensions/windows-process-ext",
    );
}

#[test]
fn integrity_level_is_a_closed_enumeration() {
    assert_clean(&process_with(
        "windows-process-ext",
        json!({"integrity_level": "system"}),
    ));
    assert_error(
        &process_with(
            "windows-process-ext",
            json!({"integrity_level": "untrusted"}),
        ),
        Rule::ClosedVocabulary,
        "/extensions/windows-process-ext/integrity_level",
    );
}

#[test]
fn startup_info_keys_are_startupinfo_members() {
    assert_clean(&process_with(
        "windows-process-ext",
        json!({"startup_info": {"lpDesktop": "WinSta0\\Default", "dwFlags": 1}}),
    ));
    assert_error(
        &process_with(
            "windows-process-ext",
            json!({"startup_info": {"desktop": "x"}}),
        ),
        Rule::DictionaryKey,
        "/extensions/windows-process-ext/startup_info/desktop",
    );
}

#[test]
fn windows_process_priority_should_end_in_class() {
    assert_warning(
        &process_with("windows-process-ext", json!({"priority": "HIGH"})),
        Rule::Recommendation,
        "/extensions/windows-process-ext/priority",
    );
}

#[test]
fn windows_service_ext_needs_a_property() {
    assert_clean(&process_with(
        "windows-service-ext",
        json!({"service_name": "sirvizio"}),
    ));
    assert_error(
        &process_with("windows-service-ext", json!({"x_acme_sid_type": "none"})),
        Rule::PropertyCombination,
        "/extensions/windows-service-ext",
    );
}

#[test]
fn windows_service_enumerations_are_closed() {
    for (key, good, bad) in [
        ("start_type", "SERVICE_DEMAND_START", "SERVICE_MANUAL"),
        (
            "service_type",
            "SERVICE_KERNEL_DRIVER",
            "SERVICE_USER_OWN_PROCESS",
        ),
        ("service_status", "SERVICE_STOPPED", "SERVICE_BROKEN"),
    ] {
        assert_clean(&process_with("windows-service-ext", json!({key: good})));
        assert_error(
            &process_with("windows-service-ext", json!({key: bad})),
            Rule::ClosedVocabulary,
            &format!("/extensions/windows-service-ext/{key}"),
        );
    }
}

#[test]
fn service_dll_refs_point_at_files() {
    assert_error(
        &process_with(
            "windows-service-ext",
            json!({"service_dll_refs": ["artifact--0682152c-646a-513b-bc07-e516494ed178"]}),
        ),
        Rule::ReferenceType,
        "/extensions/windows-service-ext/service_dll_refs/0",
    );
}

#[test]
fn unix_account_ext_needs_a_property() {
    assert_clean(&account_with(json!({"shell": "/bin/bash"})));
    assert_error(
        &account_with(json!({"x_acme_uid_range": "1000-2000"})),
        Rule::PropertyCombination,
        "/extensions/unix-account-ext",
    );
    assert_error(
        &account_with(json!({"groups": []})),
        Rule::EmptyList,
        "/extensions/unix-account-ext/groups",
    );
}

// ---------------------------------------------------------------------------------------------
// The specification's examples (§6), with their own ids where the specification computed
// them correctly

#[test]
fn spec_example_artifact() {
    // The example's payload ("VBORw0KGgoAAAANSUhEUgAAADI== ...") is elided text, not base64;
    // a real payload stands in for it.
    assert_clean(&sco(json!({
        "type": "artifact",
        "spec_version": "2.1",
        "mime_type": "application/zip",
        "payload_bin": "ZX7HIBWPQA99NSUhEUgAAADI",
        "encryption_algorithm": "mime-type-indicated",
        "decryption_key": "My voice is my passport"
    })));
}

#[test]
fn spec_example_autonomous_system() {
    assert_clean(&json!({
        "type": "autonomous-system",
        "spec_version": "2.1",
        "id": "autonomous-system--3aa27478-50b5-5ab8-9da9-cdc12b657fff",
        "number": 15139,
        "name": "Slime Industries",
        "rir": "ARIN"
    }));
}

#[test]
fn spec_example_directory() {
    assert_clean(&json!({
        "type": "directory",
        "spec_version": "2.1",
        "id": "directory--0a58d0c1-59e6-5afd-8252-dcd3f13e5622",
        "path": "C:\\Windows\\System32"
    }));
}

#[test]
fn spec_example_domain_name() {
    assert_clean(&json!({
        "type": "domain-name",
        "spec_version": "2.1",
        "id": "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7",
        "value": "example.com",
        "resolves_to_refs": ["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]
    }));
}

#[test]
fn spec_example_email_addr() {
    assert_clean(&json!({
        "type": "email-addr",
        "spec_version": "2.1",
        "id": "email-addr--7165e2a9-671f-585d-b1e1-ca59c671d934",
        "value": "john@example.com",
        "display_name": "John Doe"
    }));
}

#[test]
fn spec_example_email_message() {
    // The specification's id for this example is not the UUIDv5 of its contributing
    // properties (§3.4 admits some example ids are not); the computed one is used.
    let multipart = sco(json!({
        "type": "email-message",
        "spec_version": "2.1",
        "is_multipart": true,
        "received_lines": [
            "from mail.example.com ([198.51.100.3]) by smtp.gmail.com with ESMTPSA id q23sm23309939wme.17.2016.07.19.07.20.32 (version=TLS1_2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128/128); Tue, 19 Jul 2016 07:20:40 -0700 (PDT)"
        ],
        "content_type": "multipart/mixed",
        "date": "2016-06-19T14:20:40.000Z",
        "from_ref": "email-addr--6deb37bd-12b7-54ae-805f-5f7146f3d171",
        "to_refs": ["email-addr--3734e66b-c4e8-5d0b-bca9-befdd5699746"],
        "cc_refs": ["email-addr--2aeeb98c-9db4-525e-874d-221fdfe9f76e"],
        "subject": "Check out this picture of a cat!",
        "additional_header_fields": {
            "Reply-To": ["steve@example.com", "jane@example.com"]
        },
        "body_multipart": [
            {
                "content_type": "text/plain; charset=utf-8",
                "content_disposition": "inline",
                "body": "Cats are funny!"
            },
            {
                "content_type": "image/png",
                "content_disposition": "attachment; filename=\"tabby.png\"",
                "body_raw_ref": "artifact--0682152c-646a-513b-bc07-e516494ed178"
            },
            {
                "content_type": "application/zip",
                "content_disposition": "attachment; filename=\"tabby_pics.zip\"",
                "body_raw_ref": "file--cfebcece-2336-51b0-baf1-d94daae5e1d1"
            }
        ]
    }));
    assert_clean(&multipart);
}

#[test]
fn spec_example_file() {
    assert_clean(&json!({
        "type": "file",
        "spec_version": "2.1",
        "id": "file--7d1e3a18-89e7-5bc5-be36-9879f5b7f5c8",
        "hashes": {
            "SHA-256": "841a8921140aba50671ebb0770fecc4ee308c4952cfeff8de154ab14eeef4649"
        },
        "name": "quêry.dll",
        "name_enc": "windows-1252"
    }));
}

#[test]
fn spec_example_ipv4_addr() {
    assert_clean(&json!({
        "type": "ipv4-addr",
        "spec_version": "2.1",
        "id": "ipv4-addr--1ea47840-aa39-5aa8-b4a2-cd203eb6662a",
        "value": "198.51.100.0/24"
    }));
}

#[test]
fn spec_example_ipv6_addr() {
    assert_clean(&json!({
        "type": "ipv6-addr",
        "spec_version": "2.1",
        "id": "ipv6-addr--85a85a8c-ee99-5722-946d-3c3a3270fc6f",
        "value": "2001:0db8:85a3:0000:0000:8a2e:0370:7334"
    }));
    assert_clean(&json!({
        "type": "ipv6-addr",
        "spec_version": "2.1",
        "id": "ipv6-addr--084d3b4c-7785-568a-a569-0c61c95754ab",
        "value": "2001:0db8::/96"
    }));
}

#[test]
fn spec_example_mac_addr() {
    assert_clean(&json!({
        "type": "mac-addr",
        "spec_version": "2.1",
        "id": "mac-addr--757b1725-9903-54f5-a855-1240691d7659",
        "value": "d2:fb:49:24:37:18"
    }));
}

#[test]
fn spec_example_mutex() {
    assert_clean(&json!({
        "type": "mutex",
        "spec_version": "2.1",
        "id": "mutex--f93fe911-e545-5239-b9b0-597840d0c871",
        "name": "__CLEANSWEEP__"
    }));
}

#[test]
fn spec_example_network_traffic() {
    // As for email-message, the specification's example ids are not deterministic ones.
    assert_clean(&sco(json!({
        "type": "network-traffic",
        "spec_version": "2.1",
        "src_ref": "ipv4-addr--9cf4a8ec-7640-5f40-a006-79942896168b",
        "dst_ref": "ipv4-addr--ad74bc22-43d2-52ed-890e-7d382f58e1eb",
        "src_port": 2487,
        "dst_port": 1723,
        "protocols": ["ipv4", "pptp"],
        "src_byte_count": 35779,
        "dst_byte_count": 935750,
        "encapsulates_refs": ["network-traffic--8dce0dc4-f5ea-5313-8e6c-03646d419b6a"]
    })));
}

#[test]
fn spec_example_process() {
    assert_clean(&json!({
        "type": "process",
        "spec_version": "2.1",
        "id": "process--8fac80fe-a220-4ba9-8ffe-4f43ce8edff8",
        "pid": 1221,
        "created_time": "2016-01-20T14:11:25.55Z",
        "command_line": "./gedit-bin --new-window",
        "image_ref": "file--e04f22d1-be2c-59de-add8-10f61d15fe20"
    }));
}

#[test]
fn spec_example_software() {
    assert_clean(&json!({
        "type": "software",
        "spec_version": "2.1",
        "id": "software--710b0b41-d4d0-5d6c-a400-fc9254554ffc",
        "name": "Word",
        "cpe": "cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*",
        "version": "2002",
        "vendor": "Microsoft"
    }));
}

#[test]
fn spec_example_url() {
    assert_clean(&json!({
        "type": "url",
        "spec_version": "2.1",
        "id": "url--47c3cf9a-5027-5bf0-997a-017c7edc7c55",
        "value": "https://example.com/research/index.html"
    }));
}

#[test]
fn spec_example_user_account() {
    assert_clean(&json!({
        "type": "user-account",
        "spec_version": "2.1",
        "id": "user-account--f94d689e-707d-58c3-b803-c720bb6ed096",
        "user_id": "1001",
        "account_login": "jdoe",
        "account_type": "unix",
        "display_name": "John Doe",
        "is_service_account": false,
        "is_privileged": false,
        "can_escalate_privs": true,
        "account_created": "2016-01-20T12:31:12Z",
        "credential_last_changed": "2016-01-20T14:27:43Z",
        "account_first_login": "2016-01-20T14:26:07Z",
        "account_last_login": "2016-07-22T16:08:28Z"
    }));
}

#[test]
fn spec_example_windows_registry_key() {
    assert_clean(&json!({
        "type": "windows-registry-key",
        "spec_version": "2.1",
        "id": "windows-registry-key--f6a11ddf-fa2b-54c8-97ab-e7f28413095a",
        "key": "hkey_local_machine\\system\\bar\\foo",
        "values": [
            {"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"},
            {"name": "Bar", "data": "42", "data_type": "REG_DWORD"}
        ]
    }));
}

#[test]
fn spec_example_x509_certificate() {
    assert_clean(&sco(json!({
        "type": "x509-certificate",
        "spec_version": "2.1",
        "issuer": "C=ZA, ST=Western Cape, L=Cape Town, O=Thawte Consulting cc, OU=Certification Services Division, CN=Thawte Server CA/emailAddress=server-certs@thawte.com",
        "validity_not_before": "2016-03-12T12:00:00Z",
        "validity_not_after": "2016-08-21T12:00:00Z",
        "subject": "C=US, ST=Maryland, L=Pasadena, O=Brent Baccala, OU=FreeSoft, CN=www.freesoft.org/emailAddress=baccala@freesoft.org",
        "serial_number": "02:08:87:83:f2:13:58:1f:79:52:1e:66:90:0a:02:24:c9:6b:c7:dc",
        "x509_v3_extensions": {
            "basic_constraints": "critical,CA:TRUE, pathlen:0",
            "name_constraints": "permitted;IP:192.168.0.0/255.255.0.0",
            "policy_constraints": "requireExplicitPolicy:3",
            "key_usage": "critical, keyCertSign",
            "extended_key_usage": "critical,codeSigning,1.2.3.4",
            "subject_key_identifier": "hash",
            "authority_key_identifier": "keyid,issuer",
            "subject_alternative_name": "email:my@other.address,RID:1.2.3.4",
            "issuer_alternative_name": "issuer:copy",
            "crl_distribution_points": "URI:http://myhost.com/myca.crl",
            "inhibit_any_policy": "2",
            "private_key_usage_period_not_before": "2016-03-12T12:00:00Z",
            "private_key_usage_period_not_after": "2018-03-12T12:00:00Z",
            "certificate_policies": "1.2.4.5, 1.1.3.4"
        }
    })));
    assert_clean(&json!({
        "type": "x509-certificate",
        "spec_version": "2.1",
        "id": "x509-certificate--bf86f034-2390-54d7-8426-d08433db3fbe",
        "issuer": "C=ZA, ST=Western Cape, L=Cape Town, O=Thawte Consulting cc, OU=Certification Services Division, CN=Thawte Server CA/emailAddress=server-certs@thawte.com",
        "validity_not_before": "2016-03-12T12:00:00Z",
        "validity_not_after": "2016-08-21T12:00:00Z",
        "subject": "C=US, ST=Maryland, L=Pasadena, O=Brent Baccala, OU=FreeSoft, CN=www.freesoft.org/emailAddress=baccala@freesoft.org",
        "serial_number": "36:f7:d4:32:f4:ab:70:ea:d3:ce:98:6e:ea:99:93:49:32:0a:b7:06"
    }));
}

#[test]
fn spec_example_archive_ext() {
    assert_clean(&sco(json!({
        "type": "file",
        "spec_version": "2.1",
        "name": "foo.zip",
        "hashes": {
            "SHA-256": "35a01331e9ad96f751278b891b6ea09699806faedfa237d40513d92ad1b7100f"
        },
        "mime_type": "application/zip",
        "extensions": {
            "archive-ext": {
                "contains_refs": [
                    "file--70221dbf-52fd-5377-9619-c0ce6b3ffc8c",
                    "file--c0e2b1c9-232d-5b64-8b74-b6aee5bb9c47",
                    "file--5d0833b7-065e-571f-8bf2-657cb9569570"
                ]
            }
        }
    })));
}

#[test]
fn spec_example_ntfs_ext() {
    assert_clean(&json!({
        "type": "file",
        "spec_version": "2.1",
        "id": "file--ba04c974-3cef-5f42-adc7-084d467874e2",
        "hashes": {
            "SHA-256": "35a01331e9ad96f751278b891b6ea09699806faedfa237d40513d92ad1b7100f"
        },
        "extensions": {
            "ntfs-ext": {
                "alternate_data_streams": [{"name": "second.stream", "size": 25536}]
            }
        }
    }));
}

#[test]
fn spec_example_pdf_ext() {
    assert_clean(&json!({
        "type": "file",
        "spec_version": "2.1",
        "id": "file--965aa96f-d90a-506a-8317-d38d44b235f9",
        "name": "example.pdf",
        "extensions": {
            "pdf-ext": {
                "version": "1.7",
                "document_info_dict": {
                    "Title": "Sample document",
                    "Author": "Adobe Systems Incorporated",
                    "Creator": "Adobe FrameMaker 5.5.3 for Power Macintosh",
                    "Producer": "Acrobat Distiller 3.01 for Power Macintosh",
                    "CreationDate": "20070412090123-02"
                },
                "pdfid0": "DFCE52BD827ECF765649852119D",
                "pdfid1": "57A1E0F9ED2AE523E313C"
            }
        }
    }));
}

#[test]
fn spec_example_raster_image_ext() {
    assert_clean(&json!({
        "type": "file",
        "spec_version": "2.1",
        "id": "file--66772174-3442-5e0d-b577-4bd7be55fb87",
        "name": "picture.jpg",
        "hashes": {
            "SHA-256": "4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877"
        },
        "extensions": {
            "raster-image-ext": {
                "exif_tags": {
                    "Make": "Nikon",
                    "Model": "D7000",
                    "XResolution": 4928,
                    "YResolution": 3264
                }
            }
        }
    }));
}

#[test]
fn spec_example_windows_pebinary_ext() {
    assert_clean(&sco(json!({
        "type": "file",
        "spec_version": "2.1",
        "name": "example.exe",
        "extensions": {
            "windows-pebinary-ext": {
                "pe_type": "exe",
                "machine_hex": "014c",
                "number_of_sections": 4,
                "time_date_stamp": "2016-01-22T12:31:12Z",
                "pointer_to_symbol_table_hex": "74726144",
                "number_of_symbols": 4542568,
                "size_of_optional_header": 224,
                "characteristics_hex": "818f",
                "optional_header": {
                    "magic_hex": "010b",
                    "major_linker_version": 2,
                    "minor_linker_version": 25,
                    "size_of_code": 512,
                    "size_of_initialized_data": 283648,
                    "size_of_uninitialized_data": 0,
                    "address_of_entry_point": 4096,
                    "base_of_code": 4096,
                    "base_of_data": 8192,
                    "image_base": 14548992,
                    "section_alignment": 4096,
                    "file_alignment": 4096,
                    "major_os_version": 1,
                    "minor_os_version": 0,
                    "major_image_version": 0,
                    "minor_image_version": 0,
                    "major_subsystem_version": 4,
                    "minor_subsystem_version": 0,
                    "win32_version_value_hex": "00",
                    "size_of_image": 299008,
                    "size_of_headers": 4096,
                    "checksum_hex": "00",
                    "subsystem_hex": "03",
                    "dll_characteristics_hex": "00",
                    "size_of_stack_reserve": 100000,
                    "size_of_stack_commit": 8192,
                    "size_of_heap_reserve": 100000,
                    "size_of_heap_commit": 4096,
                    "loader_flags_hex": "abdbffde",
                    "number_of_rva_and_sizes": 3758087646u64
                },
                "sections": [
                    {"name": "CODE", "entropy": 0.061089},
                    {"name": "DATA", "entropy": 7.980693},
                    {"name": "NicolasB", "entropy": 0.607433},
                    {"name": ".idata", "entropy": 0.607433}
                ]
            }
        }
    })));
}

#[test]
fn spec_example_http_request_ext() {
    assert_clean(&sco(json!({
        "type": "network-traffic",
        "spec_version": "2.1",
        "dst_ref": "ipv4-addr--165070a8-c561-58a8-8659-fce2f255c2c0",
        "src_port": 49152,
        "dst_port": 80,
        "protocols": ["tcp", "http"],
        "extensions": {
            "http-request-ext": {
                "request_method": "get",
                "request_value": "/download.html",
                "request_version": "http/1.1",
                "request_header": {
                    "Accept-Encoding": ["gzip,deflate"],
                    "User-Agent": ["Mozilla/5.0 (Windows; U; Windows NT 5.1; en-US; rv:1.6) Gecko/20040113"],
                    "Host": ["www.example.com"]
                }
            }
        }
    })));
}

#[test]
fn spec_example_icmp_ext() {
    // The specification's example has no ports, which draws the §6.12 SHOULD warning.
    let v = sco(json!({
        "type": "network-traffic",
        "spec_version": "2.1",
        "src_ref": "ipv4-addr--4b8ed646-46df-5a9c-b5a6-b3ae128f35a6",
        "dst_ref": "ipv4-addr--826fe3cb-56b0-5620-9d30-4c17ed7b24e3",
        "protocols": ["icmp"],
        "extensions": {
            "icmp-ext": {"icmp_type_hex": "08", "icmp_code_hex": "00"}
        }
    }));
    assert_problems(
        &v,
        &[
            (Warning, Rule::Recommendation, "/src_port"),
            (Warning, Rule::Recommendation, "/dst_port"),
        ],
    );
}

#[test]
fn spec_example_socket_ext() {
    let v = sco(json!({
        "type": "network-traffic",
        "spec_version": "2.1",
        "src_ref": "ipv4-addr--9cf4a8ec-7640-5f40-a006-79942896168b",
        "src_port": 223,
        "protocols": ["ip", "tcp"],
        "extensions": {
            "socket-ext": {
                "is_listening": true,
                "address_family": "AF_INET",
                "socket_type": "SOCK_STREAM"
            }
        }
    }));
    assert_problems(&v, &[(Warning, Rule::Recommendation, "/dst_port")]);
}

#[test]
fn spec_example_tcp_ext() {
    assert_clean(&sco(json!({
        "type": "network-traffic",
        "spec_version": "2.1",
        "src_ref": "ipv4-addr--f85034be-e4ad-5153-aa6b-79c450eb25b3",
        "dst_ref": "ipv4-addr--72073c96-1246-5058-8e5c-6ca59d656dee",
        "src_port": 3372,
        "dst_port": 80,
        "protocols": ["tcp"],
        "extensions": {
            "tcp-ext": {"src_flags_hex": "00000002"}
        }
    })));
}

#[test]
fn spec_example_windows_process_ext() {
    assert_clean(&json!({
        "type": "process",
        "spec_version": "2.1",
        "id": "process--65a99d8a-e5b2-44bb-8311-963a580ee9a1",
        "pid": 314,
        "extensions": {
            "windows-process-ext": {
                "aslr_enabled": true,
                "dep_enabled": true,
                "priority": "HIGH_PRIORITY_CLASS",
                "owner_sid": "S-1-5-21-186985262-1144665072-74031268-1309"
            }
        }
    }));
}

#[test]
fn spec_example_windows_service_ext() {
    assert_clean(&json!({
        "type": "process",
        "spec_version": "2.1",
        "id": "process--ab1ff083-dc96-4896-8c8d-4e623f6e145e",
        "pid": 2217,
        "command_line": "C:\\Windows\\System32\\sirvizio.exe /s",
        "image_ref": "file--3916128d-69af-5525-be7a-99fac2383a59",
        "extensions": {
            "windows-service-ext": {
                "service_name": "sirvizio",
                "display_name": "Sirvizio",
                "start_type": "SERVICE_AUTO_START",
                "service_type": "SERVICE_WIN32_OWN_PROCESS",
                "service_status": "SERVICE_RUNNING"
            }
        }
    }));
}

#[test]
fn spec_example_unix_account_ext() {
    assert_clean(&json!({
        "type": "user-account",
        "spec_version": "2.1",
        "id": "user-account--f94d689e-707d-58c3-b803-c720bb6ed096",
        "user_id": "1001",
        "account_login": "jdoe",
        "account_type": "unix",
        "display_name": "John Doe",
        "is_service_account": false,
        "is_privileged": false,
        "can_escalate_privs": true,
        "extensions": {
            "unix-account-ext": {
                "gid": 1001,
                "groups": ["wheel"],
                "home_dir": "/home/jdoe",
                "shell": "/bin/bash"
            }
        }
    }));
}
