//! The 18 STIX 2.1 cyber-observable objects (§6): their properties, reference targets, value
//! formats and the checks specific to each, including the deterministic identifier rule of
//! §2.9 that every SCO shares.

use std::net::{Ipv4Addr, Ipv6Addr};

use serde_json::{Map, Value};
use uuid::Uuid;

use super::common::is_language_tag;
use super::sco_extensions as ext;
use super::sco_vocab as vocab;
use super::vocab::HASH_ALGORITHM;
use super::{Category, Prop, PropSpec, TypeSpec, opt, req};
use crate::canonical::sco_id_for;
use crate::id::{StixId, type_of_identifier};
use crate::problem::Rule;
use crate::timestamp::parse_instant;
use crate::validate::Ctx;
use crate::validate::value::{check_object, check_value, json_type};

/// An identifier property that may point at the listed types.
macro_rules! id_ref {
    ($($t:literal),+) => {
        Prop::Identifier { types: &[$($t),+] }
    };
}

/// A non-empty list of identifiers that may point at the listed types.
macro_rules! id_refs {
    ($($t:literal),+) => {
        Prop::List(&Prop::Identifier { types: &[$($t),+] })
    };
}

const INTEGER: Prop = Prop::Integer {
    min: None,
    max: None,
};

const NON_NEGATIVE: Prop = Prop::Integer {
    min: Some(0),
    max: None,
};

const PORT: Prop = Prop::Integer {
    min: Some(0),
    max: Some(65_535),
};

/// A `hashes` dictionary on an SCO: the common checks, plus a warning for algorithm names
/// outside hash-algorithm-ov (§2.7: the name SHOULD come from it).
pub(crate) const SCO_HASHES: Prop = Prop::Custom(check_sco_hashes);

// ---------------------------------------------------------------------------------------------
// Property tables

/// §6.1 artifact.
const ARTIFACT: &[PropSpec] = &[
    opt("mime_type", Prop::Custom(check_mime_type)),
    opt("payload_bin", Prop::Binary),
    opt("url", Prop::Url),
    opt("hashes", SCO_HASHES),
    opt(
        "encryption_algorithm",
        Prop::Vocab(&vocab::ENCRYPTION_ALGORITHM),
    ),
    opt("decryption_key", Prop::String),
];

/// §6.2 autonomous-system. AS numbers are 32-bit unsigned (RFC 6793).
const AUTONOMOUS_SYSTEM: &[PropSpec] = &[
    req(
        "number",
        Prop::Integer {
            min: Some(0),
            max: Some(4_294_967_295),
        },
    ),
    opt("name", Prop::String),
    opt("rir", Prop::String),
];

/// §6.3 directory.
const DIRECTORY: &[PropSpec] = &[
    req("path", Prop::String),
    opt("path_enc", Prop::Custom(check_charset)),
    opt("ctime", Prop::Timestamp),
    opt("mtime", Prop::Timestamp),
    opt("atime", Prop::Timestamp),
    opt("contains_refs", id_refs!("file", "directory")),
];

/// §6.4 domain-name.
const DOMAIN_NAME: &[PropSpec] = &[
    req("value", Prop::Custom(check_domain_name)),
    opt(
        "resolves_to_refs",
        id_refs!("ipv4-addr", "ipv6-addr", "domain-name"),
    ),
];

/// §6.5 email-addr.
const EMAIL_ADDR: &[PropSpec] = &[
    req("value", Prop::Custom(check_email_address)),
    opt("display_name", Prop::String),
    opt("belongs_to_ref", id_ref!("user-account")),
];

/// §6.6.2 email-mime-part-type.
const EMAIL_MIME_PART: &[PropSpec] = &[
    opt("body", Prop::String),
    opt("body_raw_ref", id_ref!("artifact", "file")),
    opt("content_type", Prop::String),
    opt("content_disposition", Prop::String),
];

/// §6.6 email-message.
const EMAIL_MESSAGE: &[PropSpec] = &[
    req("is_multipart", Prop::Boolean),
    opt("date", Prop::Timestamp),
    opt("content_type", Prop::String),
    opt("from_ref", id_ref!("email-addr")),
    opt("sender_ref", id_ref!("email-addr")),
    opt("to_refs", id_refs!("email-addr")),
    opt("cc_refs", id_refs!("email-addr")),
    opt("bcc_refs", id_refs!("email-addr")),
    opt("message_id", Prop::String),
    opt("subject", Prop::String),
    opt("received_lines", Prop::List(&Prop::String)),
    opt(
        "additional_header_fields",
        Prop::Custom(check_additional_header_fields),
    ),
    opt("body", Prop::String),
    opt("body_multipart", Prop::List(&Prop::Custom(check_mime_part))),
    opt("raw_email_ref", id_ref!("artifact")),
];

/// §6.7 file.
const FILE: &[PropSpec] = &[
    opt("hashes", SCO_HASHES),
    opt("size", NON_NEGATIVE),
    opt("name", Prop::String),
    opt("name_enc", Prop::Custom(check_charset)),
    opt("magic_number_hex", Prop::Hex),
    opt("mime_type", Prop::Custom(check_mime_type)),
    opt("ctime", Prop::Timestamp),
    opt("mtime", Prop::Timestamp),
    opt("atime", Prop::Timestamp),
    opt("parent_directory_ref", id_ref!("directory")),
    opt(
        "contains_refs",
        Prop::List(&Prop::Custom(check_sco_reference)),
    ),
    opt("content_ref", id_ref!("artifact")),
];

/// §6.8 ipv4-addr.
const IPV4_ADDR: &[PropSpec] = &[
    req("value", Prop::Custom(check_ipv4)),
    opt("resolves_to_refs", id_refs!("mac-addr")),
    opt("belongs_to_refs", id_refs!("autonomous-system")),
];

/// §6.9 ipv6-addr.
const IPV6_ADDR: &[PropSpec] = &[
    req("value", Prop::Custom(check_ipv6)),
    opt("resolves_to_refs", id_refs!("mac-addr")),
    opt("belongs_to_refs", id_refs!("autonomous-system")),
];

/// §6.10 mac-addr.
const MAC_ADDR: &[PropSpec] = &[req("value", Prop::Custom(check_mac))];

/// §6.11 mutex.
const MUTEX: &[PropSpec] = &[req("name", Prop::String)];

/// §6.12 network-traffic.
const NETWORK_TRAFFIC: &[PropSpec] = &[
    opt("start", Prop::Timestamp),
    opt("end", Prop::Timestamp),
    opt("is_active", Prop::Boolean),
    opt(
        "src_ref",
        id_ref!("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
    ),
    opt(
        "dst_ref",
        id_ref!("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
    ),
    opt("src_port", PORT),
    opt("dst_port", PORT),
    req("protocols", Prop::List(&Prop::String)),
    opt("src_byte_count", NON_NEGATIVE),
    opt("dst_byte_count", NON_NEGATIVE),
    opt("src_packets", NON_NEGATIVE),
    opt("dst_packets", NON_NEGATIVE),
    opt("ipfix", Prop::Custom(check_ipfix)),
    opt("src_payload_ref", id_ref!("artifact")),
    opt("dst_payload_ref", id_ref!("artifact")),
    opt("encapsulates_refs", id_refs!("network-traffic")),
    opt("encapsulated_by_ref", id_ref!("network-traffic")),
];

/// §6.13 process.
const PROCESS: &[PropSpec] = &[
    opt("is_hidden", Prop::Boolean),
    opt("pid", INTEGER),
    opt("created_time", Prop::Timestamp),
    opt("cwd", Prop::String),
    opt("command_line", Prop::String),
    opt("environment_variables", Prop::DictionaryOf(&Prop::String)),
    opt("opened_connection_refs", id_refs!("network-traffic")),
    opt("creator_user_ref", id_ref!("user-account")),
    opt("image_ref", id_ref!("file")),
    opt("parent_ref", id_ref!("process")),
    opt("child_refs", id_refs!("process")),
];

/// §6.14 software.
const SOFTWARE: &[PropSpec] = &[
    req("name", Prop::String),
    opt("cpe", Prop::Custom(check_cpe)),
    opt("swid", Prop::String),
    opt("languages", Prop::List(&Prop::Custom(check_language_tag))),
    opt("vendor", Prop::String),
    opt("version", Prop::String),
];

/// §6.15 url.
const URL: &[PropSpec] = &[req("value", Prop::Url)];

/// §6.16 user-account.
const USER_ACCOUNT: &[PropSpec] = &[
    opt("user_id", Prop::String),
    opt("credential", Prop::String),
    opt("account_login", Prop::String),
    opt("account_type", Prop::Vocab(&vocab::ACCOUNT_TYPE)),
    opt("display_name", Prop::String),
    opt("is_service_account", Prop::Boolean),
    opt("is_privileged", Prop::Boolean),
    opt("can_escalate_privs", Prop::Boolean),
    opt("is_disabled", Prop::Boolean),
    opt("account_created", Prop::Timestamp),
    opt("account_expires", Prop::Timestamp),
    opt("credential_last_changed", Prop::Timestamp),
    opt("account_first_login", Prop::Timestamp),
    opt("account_last_login", Prop::Timestamp),
];

/// §6.17.2 windows-registry-value-type.
const WINDOWS_REGISTRY_VALUE: &[PropSpec] = &[
    opt("name", Prop::String),
    opt("data", Prop::String),
    opt("data_type", Prop::Vocab(&vocab::WINDOWS_REGISTRY_DATATYPE)),
];

/// §6.17 windows-registry-key.
const WINDOWS_REGISTRY_KEY: &[PropSpec] = &[
    opt("key", Prop::Custom(check_registry_key)),
    opt("values", Prop::List(&Prop::Custom(check_registry_value))),
    opt("modified_time", Prop::Timestamp),
    opt("creator_user_ref", id_ref!("user-account")),
    opt("number_of_subkeys", INTEGER),
];

/// §6.18.2 x509-v3-extensions-type.
const X509_V3_EXTENSIONS: &[PropSpec] = &[
    opt("basic_constraints", Prop::String),
    opt("name_constraints", Prop::String),
    opt("policy_constraints", Prop::String),
    opt("key_usage", Prop::String),
    opt("extended_key_usage", Prop::String),
    opt("subject_key_identifier", Prop::String),
    opt("authority_key_identifier", Prop::String),
    opt("subject_alternative_name", Prop::String),
    opt("issuer_alternative_name", Prop::String),
    opt("subject_directory_attributes", Prop::String),
    opt("crl_distribution_points", Prop::String),
    opt("inhibit_any_policy", Prop::String),
    opt("private_key_usage_period_not_before", Prop::Timestamp),
    opt("private_key_usage_period_not_after", Prop::Timestamp),
    opt("certificate_policies", Prop::String),
    opt("policy_mappings", Prop::String),
];

/// §6.18 x509-certificate.
const X509_CERTIFICATE: &[PropSpec] = &[
    opt("is_self_signed", Prop::Boolean),
    opt("hashes", SCO_HASHES),
    opt("version", Prop::String),
    opt("serial_number", Prop::String),
    opt("signature_algorithm", Prop::String),
    opt("issuer", Prop::String),
    opt("validity_not_before", Prop::Timestamp),
    opt("validity_not_after", Prop::Timestamp),
    opt("subject", Prop::String),
    opt("subject_public_key_algorithm", Prop::String),
    opt("subject_public_key_modulus", Prop::String),
    opt("subject_public_key_exponent", INTEGER),
    opt("x509_v3_extensions", Prop::Custom(check_x509_v3_extensions)),
];

// ---------------------------------------------------------------------------------------------
// The types

pub const TYPES: &[TypeSpec] = &[
    TypeSpec {
        properties: ARTIFACT,
        checks: &[
            artifact_needs_payload_bin_or_url,
            artifact_url_requires_hashes,
            decryption_key_requires_encryption_algorithm,
            deterministic_id,
        ],
        id_contributing: &["hashes", "payload_bin"],
        ..TypeSpec::new("artifact", Category::Sco)
    },
    TypeSpec {
        properties: AUTONOMOUS_SYSTEM,
        checks: &[deterministic_id],
        id_contributing: &["number"],
        ..TypeSpec::new("autonomous-system", Category::Sco)
    },
    TypeSpec {
        properties: DIRECTORY,
        checks: &[deterministic_id],
        id_contributing: &["path"],
        ..TypeSpec::new("directory", Category::Sco)
    },
    TypeSpec {
        properties: DOMAIN_NAME,
        checks: &[deterministic_id],
        id_contributing: &["value"],
        ..TypeSpec::new("domain-name", Category::Sco)
    },
    TypeSpec {
        properties: EMAIL_ADDR,
        checks: &[deterministic_id],
        id_contributing: &["value"],
        ..TypeSpec::new("email-addr", Category::Sco)
    },
    TypeSpec {
        properties: EMAIL_MESSAGE,
        checks: &[
            email_body_agrees_with_is_multipart,
            email_headers_are_decoded,
            deterministic_id,
        ],
        id_contributing: &["from_ref", "subject", "body"],
        ..TypeSpec::new("email-message", Category::Sco)
    },
    TypeSpec {
        properties: FILE,
        checks: &[
            file_needs_hashes_or_name,
            name_enc_needs_name,
            deterministic_id,
        ],
        id_contributing: &["hashes", "name", "extensions", "parent_directory_ref"],
        extensions: ext::FILE,
        ..TypeSpec::new("file", Category::Sco)
    },
    TypeSpec {
        properties: IPV4_ADDR,
        checks: &[deterministic_id],
        id_contributing: &["value"],
        ..TypeSpec::new("ipv4-addr", Category::Sco)
    },
    TypeSpec {
        properties: IPV6_ADDR,
        checks: &[deterministic_id],
        id_contributing: &["value"],
        ..TypeSpec::new("ipv6-addr", Category::Sco)
    },
    TypeSpec {
        properties: MAC_ADDR,
        checks: &[deterministic_id],
        id_contributing: &["value"],
        ..TypeSpec::new("mac-addr", Category::Sco)
    },
    TypeSpec {
        properties: MUTEX,
        checks: &[deterministic_id],
        id_contributing: &["name"],
        ..TypeSpec::new("mutex", Category::Sco)
    },
    TypeSpec {
        properties: NETWORK_TRAFFIC,
        checks: &[
            network_traffic_needs_src_or_dst_ref,
            network_traffic_end_not_before_start,
            network_traffic_end_not_with_is_active,
            network_traffic_should_have_ports,
            protocols_should_be_lowercase,
            extension_protocol_should_be_listed,
            deterministic_id,
        ],
        id_contributing: &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        extensions: ext::NETWORK_TRAFFIC,
        ..TypeSpec::new("network-traffic", Category::Sco)
    },
    TypeSpec {
        properties: PROCESS,
        checks: &[process_needs_a_property, deterministic_id],
        // §6.13: none; the id is a UUIDv4.
        id_contributing: &[],
        extensions: ext::PROCESS,
        ..TypeSpec::new("process", Category::Sco)
    },
    TypeSpec {
        properties: SOFTWARE,
        checks: &[deterministic_id],
        id_contributing: &["name", "cpe", "swid", "vendor", "version"],
        ..TypeSpec::new("software", Category::Sco)
    },
    TypeSpec {
        properties: URL,
        checks: &[deterministic_id],
        id_contributing: &["value"],
        ..TypeSpec::new("url", Category::Sco)
    },
    TypeSpec {
        properties: USER_ACCOUNT,
        checks: &[user_account_needs_a_property, deterministic_id],
        id_contributing: &["account_type", "user_id", "account_login"],
        extensions: ext::USER_ACCOUNT,
        ..TypeSpec::new("user-account", Category::Sco)
    },
    TypeSpec {
        properties: WINDOWS_REGISTRY_KEY,
        checks: &[registry_key_needs_a_property, deterministic_id],
        id_contributing: &["key", "values"],
        ..TypeSpec::new("windows-registry-key", Category::Sco)
    },
    TypeSpec {
        properties: X509_CERTIFICATE,
        checks: &[
            x509_needs_a_property,
            x509_validity_should_be_ordered,
            deterministic_id,
        ],
        id_contributing: &["hashes", "serial_number"],
        ..TypeSpec::new("x509-certificate", Category::Sco)
    },
];

// ---------------------------------------------------------------------------------------------
// Helpers shared with the extensions

/// Reports an error when a non-empty extension or nested object has none of the properties its
/// type defines (§6: "at least one property from this extension"). An empty one is reported by
/// the walker already.
pub(crate) fn require_one_of_known(
    map: &Map<String, Value>,
    ctx: &mut Ctx<'_>,
    props: &[PropSpec],
    what: &str,
) {
    if map.is_empty() || props.iter().any(|p| map.contains_key(p.name)) {
        return;
    }
    ctx.error(
        Rule::PropertyCombination,
        format!(
            "{what} must contain at least one of its properties ({})",
            names(props)
        ),
    );
}

fn names(props: &[PropSpec]) -> String {
    props.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// A dictionary whose every value must satisfy `ok`; the others are reported at their key.
pub(crate) fn check_dictionary_values(
    value: &Value,
    ctx: &mut Ctx<'_>,
    ok: impl Fn(&Value) -> bool,
    expected: &str,
) {
    check_value(&Prop::Dictionary, value, ctx);
    if let Some(map) = value.as_object() {
        for (key, item) in map.iter().filter(|(_, item)| !ok(item)) {
            ctx.error_at(
                key,
                Rule::PropertyType,
                format!("must be {expected}, not {}", json_type(item)),
            );
        }
    }
}

/// Warns when a string property the specification asks to be lowercase is not.
pub(crate) fn warn_unless_lowercase(map: &Map<String, Value>, ctx: &mut Ctx<'_>, key: &str) {
    if let Some(s) = map.get(key).and_then(Value::as_str) {
        if s.chars().any(char::is_uppercase) {
            ctx.warn_at(
                key,
                Rule::Recommendation,
                format!("{key} {s:?} should be lowercase"),
            );
        }
    }
}

/// Reports an error when none of `props` (nor `extensions`, when it counts) is present.
fn require_any_property(
    map: &Map<String, Value>,
    ctx: &mut Ctx<'_>,
    props: &[PropSpec],
    with_extensions: bool,
    what: &str,
) {
    let present = props.iter().any(|p| map.contains_key(p.name))
        || (with_extensions && map.contains_key("extensions"));
    if !present {
        let also = if with_extensions { ", extensions" } else { "" };
        ctx.error(
            Rule::PropertyCombination,
            format!(
                "{what} must contain at least one of its properties ({}{also})",
                names(props)
            ),
        );
    }
}

fn instant_of(map: &Map<String, Value>, key: &str) -> Option<crate::timestamp::Instant> {
    map.get(key)
        .and_then(Value::as_str)
        .and_then(|s| parse_instant(s).ok())
}

// ---------------------------------------------------------------------------------------------
// Value formats

/// §2.7: hash algorithm names SHOULD come from hash-algorithm-ov; `x_` names are the customary
/// way to name a custom algorithm and are left alone.
fn check_sco_hashes(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(&Prop::Hashes, value, ctx);
    if let Some(map) = value.as_object() {
        for key in map.keys() {
            if !HASH_ALGORITHM.contains(key) && !key.starts_with("x_") {
                ctx.warn_at(
                    key,
                    Rule::OpenVocabulary,
                    format!("{key:?} is not in the open vocabulary hash-algorithm-ov"),
                );
            }
        }
    }
}

/// The top-level media types of the IANA media type registry.
const MEDIA_TOP_LEVEL: &[&str] = &[
    "application",
    "audio",
    "example",
    "font",
    "haptics",
    "image",
    "message",
    "model",
    "multipart",
    "text",
    "video",
];

/// §6.1, §6.7 `mime_type`: SHOULD be a value from the IANA media type registry, i.e. of the
/// form `type/subtype` with a registered top-level type.
fn check_mime_type(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let essence = s.split(';').next().unwrap_or_default().trim();
    let well_formed = essence.split_once('/').is_some_and(|(top, sub)| {
        MEDIA_TOP_LEVEL.contains(&top.to_ascii_lowercase().as_str())
            && !sub.is_empty()
            && sub
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$&^_.+-".contains(&b))
    });
    if !well_formed {
        ctx.warn(
            Rule::Recommendation,
            format!("{s:?} should be an IANA media type of the form type/subtype"),
        );
    }
}

/// §3.9.1 `_enc` properties: the name of an IANA character set, its preferred MIME name where
/// the registry defines one.
fn check_charset(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    if !vocab::IANA_CHARACTER_SETS
        .iter()
        .any(|name| name.eq_ignore_ascii_case(s))
    {
        ctx.error(
            Rule::ValueFormat,
            format!(
                "{s:?} is not an IANA character set name (use the preferred MIME name, e.g. ISO-8859-1)"
            ),
        );
    }
}

/// §6.4: a domain name per RFC 1034 with RFC 5890 (IDNA) labels: dot-separated labels of 1 to
/// 63 octets, at most 253 octets in all, no spaces or URL punctuation. Underscores (service
/// labels) and a leading `*` wildcard label are tolerated since they occur in real data.
fn check_domain_name(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let name = s.strip_suffix('.').unwrap_or(s);
    let label_ok = |(i, label): (usize, &str)| {
        (1..=63).contains(&label.len())
            && (label == "*" && i == 0
                || (!label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| {
                        !c.is_ascii() || c.is_ascii_alphanumeric() || c == '-' || c == '_'
                    })))
    };
    if name.is_empty() || name.len() > 253 || !name.split('.').enumerate().all(label_ok) {
        ctx.error(
            Rule::ValueFormat,
            format!("{s:?} is not a domain name (RFC 1034)"),
        );
    }
}

/// §6.5: an RFC 5322 addr-spec (`local@domain`), without a display name.
fn check_email_address(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let well_formed = s.rsplit_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.is_empty()
            && !s.contains(['<', '>'])
            && !domain.chars().any(char::is_whitespace)
            && (local.starts_with('"') || !local.chars().any(char::is_whitespace))
    });
    if !well_formed {
        ctx.error(
            Rule::ValueFormat,
            format!("{s:?} is not an email address (addr-spec, without a display name)"),
        );
    }
}

/// A CIDR prefix length: decimal without leading zeros, at most `max`.
fn prefix_ok(prefix: &str, max: u8) -> bool {
    let leading_zero = prefix.len() > 1 && prefix.starts_with('0');
    !leading_zero
        && !prefix.is_empty()
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && prefix.parse::<u8>().is_ok_and(|p| p <= max)
}

/// §6.8: one or more IPv4 addresses in CIDR notation (`/32` may be omitted).
fn check_ipv4(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let (addr, prefix) = match s.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (s, None),
    };
    // The standard parser refuses leading zeros, which some readers take as octal.
    let ok = addr.parse::<Ipv4Addr>().is_ok() && prefix.is_none_or(|p| prefix_ok(p, 32));
    if !ok {
        ctx.error(
            Rule::ValueFormat,
            format!("{s:?} is not an IPv4 address or CIDR block"),
        );
    }
}

/// §6.9: one or more IPv6 addresses in CIDR notation (`/128` may be omitted); a zone index
/// (`%eth0`) is tolerated.
fn check_ipv6(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let (addr, prefix) = match s.split_once('/') {
        Some((addr, prefix)) => (addr, Some(prefix)),
        None => (s, None),
    };
    let addr = match addr.split_once('%') {
        Some((addr, zone)) if !zone.is_empty() => addr,
        Some(_) => "",
        None => addr,
    };
    let ok = addr.parse::<Ipv6Addr>().is_ok() && prefix.is_none_or(|p| prefix_ok(p, 128));
    if !ok {
        ctx.error(
            Rule::ValueFormat,
            format!("{s:?} is not an IPv6 address or CIDR block"),
        );
    }
}

/// §6.10: a single colon-delimited, lowercase MAC-48 address with leading zeros
/// (`00:00:ab:cd:ef:01`).
fn check_mac(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let ok = s.len() == 17
        && s.bytes().enumerate().all(|(i, b)| {
            if i % 3 == 2 {
                b == b':'
            } else {
                b.is_ascii_digit() || (b'a'..=b'f').contains(&b)
            }
        });
    if !ok {
        ctx.error(
            Rule::ValueFormat,
            format!(
                "{s:?} is not a lowercase, colon-delimited MAC-48 address like 00:00:ab:cd:ef:01"
            ),
        );
    }
}

/// §6.14 `cpe`: a CPE 2.3 formatted string: `cpe:2.3:` and eleven more colon-separated
/// components (colons inside a component are escaped with `\`), the part being a, h, o, `*` or
/// `-`.
fn check_cpe(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let mut components = Vec::with_capacity(13);
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ':' => {
                components.push(s.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
    }
    components.push(s.get(start..).unwrap_or_default());
    let ok = components.len() == 13
        && components.first() == Some(&"cpe")
        && components.get(1) == Some(&"2.3")
        && components
            .get(2)
            .is_some_and(|part| matches!(*part, "a" | "h" | "o" | "*" | "-"))
        && components
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| ch.is_ascii_graphic()));
    if !ok {
        ctx.error(
            Rule::ValueFormat,
            format!("{s:?} is not a CPE 2.3 formatted string (cpe:2.3:part:vendor:product:...)"),
        );
    }
}

/// §6.14 `languages`: an RFC 5646 language code. Beyond the tag syntax (`common`), the
/// primary language subtag must be one that can be registered: the registry holds only 2–3
/// letter language subtags (4 letters are reserved and 5–8 letter ones have never been
/// assigned), so `english` is refused while `en`, `fra` and `zh-Hant-TW` pass.
fn check_language_tag(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let primary_ok = s.split('-').next().is_some_and(|p| p.len() <= 3);
    if !(is_language_tag(s) && primary_ok) {
        ctx.error(
            Rule::ValueFormat,
            format!("{s:?} is not an RFC 5646 language code (e.g. en, fra, zh-Hant-TW)"),
        );
    }
}

/// Abbreviated registry hive names that §6.17 forbids in favour of the full names.
const ABBREVIATED_HIVES: &[&str] = &["HKLM", "HKCU", "HKCR", "HKU", "HKCC", "HKPD"];

/// §6.17 `key`: the hive portion MUST be fully expanded (HKEY_LOCAL_MACHINE, not HKLM).
fn check_registry_key(value: &Value, ctx: &mut Ctx<'_>) {
    let Some(s) = value.as_str() else {
        check_value(&Prop::String, value, ctx);
        return;
    };
    let hive = s.split('\\').next().unwrap_or_default();
    if ABBREVIATED_HIVES
        .iter()
        .any(|h| h.eq_ignore_ascii_case(hive))
    {
        ctx.error(
            Rule::ValueFormat,
            format!("the hive {hive:?} must be fully expanded (e.g. HKEY_LOCAL_MACHINE, not HKLM)"),
        );
    }
}

/// §6.17.2: a registry value has at least one of `name`, `data` and `data_type`.
fn check_registry_value(value: &Value, ctx: &mut Ctx<'_>) {
    check_object(ctx, value, WINDOWS_REGISTRY_VALUE);
    if let Some(map) = value.as_object() {
        require_any_property(
            map,
            ctx,
            WINDOWS_REGISTRY_VALUE,
            false,
            "a windows-registry-value-type",
        );
    }
}

/// §6.6.2: a MIME part has exactly one of `body` and `body_raw_ref`.
fn check_mime_part(value: &Value, ctx: &mut Ctx<'_>) {
    check_object(ctx, value, EMAIL_MIME_PART);
    if let Some(map) = value.as_object() {
        match (map.contains_key("body"), map.contains_key("body_raw_ref")) {
            (true, true) => ctx.error(
                Rule::PropertyCombination,
                "a MIME part must have only one of body and body_raw_ref",
            ),
            (false, false) => ctx.error(
                Rule::PropertyCombination,
                "a MIME part must have one of body and body_raw_ref",
            ),
            _ => {}
        }
    }
}

/// Header fields that have dedicated email-message properties (§6.6 `additional_header_fields`
/// holds the others).
const DEDICATED_HEADERS: &[&str] = &[
    "date",
    "received",
    "content-type",
    "from",
    "sender",
    "to",
    "cc",
    "bcc",
    "subject",
];

/// §6.6 `additional_header_fields`: each value MUST be a list of strings. The specification's
/// own example uses plain strings, so a string draws a warning, anything else an error.
fn check_additional_header_fields(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(&Prop::Dictionary, value, ctx);
    let Some(map) = value.as_object() else {
        return;
    };
    for (key, item) in map {
        match item {
            Value::String(_) => ctx.warn_at(
                key,
                Rule::Recommendation,
                "a header field value should be a list of strings",
            ),
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => {}
            other => ctx.error_at(
                key,
                Rule::PropertyType,
                format!(
                    "must be a non-empty list of strings, not {}",
                    json_type(other)
                ),
            ),
        }
        if DEDICATED_HEADERS.contains(&key.to_ascii_lowercase().as_str()) {
            ctx.warn_at(
                key,
                Rule::Recommendation,
                format!("the {key} header has its own email-message property"),
            );
        }
    }
}

/// §6.12 `ipfix`: each value MUST be an integer or a string.
fn check_ipfix(value: &Value, ctx: &mut Ctx<'_>) {
    check_dictionary_values(
        value,
        ctx,
        |v| v.is_i64() || v.is_u64() || v.is_string(),
        "an integer or a string",
    );
}

/// §6.7 file `contains_refs`: references to other cyber-observable objects. Custom SCO types
/// cannot be told apart by name, so only types the specification defines as something other
/// than an SCO are refused.
fn check_sco_reference(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(&Prop::Identifier { types: &[] }, value, ctx);
    let Some(type_name) = value
        .as_str()
        .filter(|s| StixId::check(s).is_ok())
        .and_then(type_of_identifier)
    else {
        return;
    };
    let not_sco = type_name == "bundle"
        || super::lookup(type_name).is_some_and(|t| t.category != Category::Sco);
    if not_sco {
        ctx.error(
            Rule::ReferenceType,
            format!("may not refer to a {type_name} (allowed: cyber-observable objects)"),
        );
    }
}

/// §6.18.2: the X.509 v3 extensions type has at least one of its properties.
fn check_x509_v3_extensions(value: &Value, ctx: &mut Ctx<'_>) {
    check_object(ctx, value, X509_V3_EXTENSIONS);
    if let Some(map) = value.as_object() {
        require_any_property(map, ctx, X509_V3_EXTENSIONS, false, "x509_v3_extensions");
        warn_if_inverted(
            map,
            ctx,
            "private_key_usage_period_not_before",
            "private_key_usage_period_not_after",
        );
    }
}

/// Warns when a validity period ends before it begins.
fn warn_if_inverted(map: &Map<String, Value>, ctx: &mut Ctx<'_>, begin: &str, end: &str) {
    if let (Some(b), Some(e)) = (instant_of(map, begin), instant_of(map, end)) {
        if e < b {
            ctx.warn_at(
                end,
                Rule::TimeOrder,
                format!("{end} is earlier than {begin}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checks of whole objects

/// §6.1: one of `payload_bin` or `url` MUST be provided, and each MUST NOT be present with
/// the other.
fn artifact_needs_payload_bin_or_url(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    match (map.contains_key("payload_bin"), map.contains_key("url")) {
        (true, true) => ctx.error_at(
            "url",
            Rule::PropertyCombination,
            "url must not be present together with payload_bin",
        ),
        (false, false) => ctx.error(
            Rule::PropertyCombination,
            "an artifact must have one of payload_bin and url",
        ),
        _ => {}
    }
}

/// §6.1: `hashes` MUST be present when `url` is.
fn artifact_url_requires_hashes(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if map.contains_key("url") && !map.contains_key("hashes") {
        ctx.error_at(
            "hashes",
            Rule::RequiredProperty,
            "hashes is required when url is present",
        );
    }
}

/// §6.1: `decryption_key` MUST NOT be present without `encryption_algorithm`.
fn decryption_key_requires_encryption_algorithm(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if map.contains_key("decryption_key") && !map.contains_key("encryption_algorithm") {
        ctx.error_at(
            "decryption_key",
            Rule::PropertyCombination,
            "decryption_key must not be present without encryption_algorithm",
        );
    }
}

/// §6.6: `body` MUST NOT be used when `is_multipart` is true, `body_multipart` MUST NOT be used
/// when it is false.
fn email_body_agrees_with_is_multipart(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    match map.get("is_multipart").and_then(Value::as_bool) {
        Some(true) if map.contains_key("body") => ctx.error_at(
            "body",
            Rule::PropertyCombination,
            "body must not be used when is_multipart is true (use body_multipart)",
        ),
        Some(false) if map.contains_key("body_multipart") => ctx.error_at(
            "body_multipart",
            Rule::PropertyCombination,
            "body_multipart must not be used when is_multipart is false (use body)",
        ),
        _ => {}
    }
}

/// Whether `s` holds an RFC 2047 encoded-word (`=?charset?Q?text?=` or `=?charset?B?text?=`).
fn has_encoded_word(s: &str) -> bool {
    let mut rest = s;
    while let Some(start) = rest.find("=?") {
        let after = rest.get(start + 2..).unwrap_or_default();
        let mut parts = after.splitn(3, '?');
        let charset = parts.next().unwrap_or_default();
        let encoding = parts.next().unwrap_or_default();
        let tail = parts.next().unwrap_or_default();
        if !charset.is_empty()
            && !charset.contains(char::is_whitespace)
            && matches!(encoding, "Q" | "q" | "B" | "b")
            && tail
                .find("?=")
                .is_some_and(|end| !tail.get(..end).unwrap_or_default().contains(' '))
        {
            return true;
        }
        rest = after;
    }
    false
}

/// §6.6: header field values encoded per RFC 2047 MUST be decoded before they go into an
/// email-message (`this is some text`, not `=?iso-8859-1?q?this=20is=20some=20text?=`).
fn email_headers_are_decoded(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    const MESSAGE: &str = "RFC 2047 encoded header values must be decoded";
    if map
        .get("subject")
        .and_then(Value::as_str)
        .is_some_and(has_encoded_word)
    {
        ctx.error_at("subject", Rule::ValueFormat, MESSAGE);
    }
    let Some(fields) = map
        .get("additional_header_fields")
        .and_then(Value::as_object)
    else {
        return;
    };
    ctx.at("additional_header_fields", |ctx| {
        for (key, value) in fields {
            let encoded = match value {
                Value::String(s) => has_encoded_word(s),
                Value::Array(items) => items.iter().filter_map(Value::as_str).any(has_encoded_word),
                _ => false,
            };
            if encoded {
                ctx.error_at(key, Rule::ValueFormat, MESSAGE);
            }
        }
    });
}

/// §6.7: a file MUST contain at least one of `hashes` and `name`.
fn file_needs_hashes_or_name(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if !map.contains_key("hashes") && !map.contains_key("name") {
        ctx.error(
            Rule::PropertyCombination,
            "a file must have at least one of hashes and name",
        );
    }
}

/// §3.1: an `_enc` property MUST NOT be present without the property it describes.
fn name_enc_needs_name(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if map.contains_key("name_enc") && !map.contains_key("name") {
        ctx.error_at(
            "name_enc",
            Rule::PropertyCombination,
            "name_enc must not be present without name",
        );
    }
}

/// §6.12: a network-traffic MUST contain at least one of `src_ref` and `dst_ref`.
fn network_traffic_needs_src_or_dst_ref(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if !map.contains_key("src_ref") && !map.contains_key("dst_ref") {
        ctx.error(
            Rule::PropertyCombination,
            "a network-traffic must have at least one of src_ref and dst_ref",
        );
    }
}

/// §6.12: `end` MUST be later than or equal to `start`.
fn network_traffic_end_not_before_start(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if let (Some(start), Some(end)) = (instant_of(map, "start"), instant_of(map, "end")) {
        if end < start {
            ctx.error_at(
                "end",
                Rule::TimeOrder,
                "end must be later than or equal to start",
            );
        }
    }
}

/// §6.12: `end` MUST NOT be present when `is_active` is true.
fn network_traffic_end_not_with_is_active(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if map.get("is_active").and_then(Value::as_bool) == Some(true) && map.contains_key("end") {
        ctx.error_at(
            "end",
            Rule::PropertyCombination,
            "end must not be present when is_active is true",
        );
    }
}

/// §6.12: a network-traffic SHOULD contain `src_port` and `dst_port`.
fn network_traffic_should_have_ports(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    for port in ["src_port", "dst_port"] {
        if !map.contains_key(port) {
            ctx.warn_at(
                port,
                Rule::Recommendation,
                format!("a network-traffic should have {port}"),
            );
        }
    }
}

/// §6.12 `protocols`: lowercase names are recommended, as in the IANA registry.
fn protocols_should_be_lowercase(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(protocols) = map.get("protocols").and_then(Value::as_array) else {
        return;
    };
    ctx.at("protocols", |ctx| {
        for (i, p) in protocols.iter().enumerate() {
            if let Some(p) = p.as_str().filter(|p| p.chars().any(char::is_uppercase)) {
                ctx.at_index(i, |ctx| {
                    ctx.warn(
                        Rule::Recommendation,
                        format!("protocol {p:?} should be lowercase"),
                    );
                });
            }
        }
    });
}

/// The protocol value that goes with each protocol extension (§6.12.2, §6.12.3, §6.12.5).
const EXTENSION_PROTOCOLS: &[(&str, &str)] = &[
    ("http-request-ext", "http"),
    ("icmp-ext", "icmp"),
    ("tcp-ext", "tcp"),
];

/// §6.12: when a protocol extension is present, its protocol SHOULD be listed in `protocols`.
fn extension_protocol_should_be_listed(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let (Some(extensions), Some(protocols)) = (
        map.get("extensions").and_then(Value::as_object),
        map.get("protocols").and_then(Value::as_array),
    ) else {
        return;
    };
    for (extension, protocol) in EXTENSION_PROTOCOLS {
        let listed = protocols
            .iter()
            .filter_map(Value::as_str)
            .any(|p| p.eq_ignore_ascii_case(protocol));
        if extensions.contains_key(*extension) && !listed {
            ctx.warn_at(
                "protocols",
                Rule::Recommendation,
                format!("{extension} is present, so protocols should list {protocol:?}"),
            );
        }
    }
}

/// §6.13: a process MUST contain at least one property (other than `type`) from the object or
/// one of its extensions.
fn process_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_any_property(map, ctx, PROCESS, true, "a process");
}

/// §6.16: a user-account MUST contain at least one of its properties.
fn user_account_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_any_property(map, ctx, USER_ACCOUNT, true, "a user-account");
}

/// §6.17: a windows-registry-key MUST contain at least one of its properties.
fn registry_key_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_any_property(
        map,
        ctx,
        WINDOWS_REGISTRY_KEY,
        false,
        "a windows-registry-key",
    );
}

/// §6.18: an x509-certificate MUST contain at least one object-specific property.
fn x509_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_any_property(map, ctx, X509_CERTIFICATE, false, "an x509-certificate");
}

/// A certificate whose validity period ends before it begins is malformed.
fn x509_validity_should_be_ordered(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    warn_if_inverted(map, ctx, "validity_not_before", "validity_not_after");
}

// ---------------------------------------------------------------------------------------------
// Deterministic identifiers (§2.9)

/// The hash algorithms that §6 prefers, in order, when one hash of a `hashes` dictionary goes
/// into a deterministic id.
const PREFERRED_HASHES: &[&str] = &["MD5", "SHA-1", "SHA-256", "SHA-512"];

/// The deterministic ids an SCO may carry: the UUIDv5 of the canonical JSON of its ID
/// contributing properties (`canonical::sco_id_for`). The first is the one the specification recommends; when `hashes`
/// contributes, producers differ in which hash they keep (§6 says one, preferably the first of
/// MD5, SHA-1, SHA-256, SHA-512), so each single hash and the whole dictionary are candidates.
/// Empty when no contributing property is present.
pub fn deterministic_ids(
    type_name: &str,
    map: &Map<String, Value>,
    contributing: &[&str],
) -> Vec<String> {
    let mut base = Map::new();
    for key in contributing.iter().filter(|k| **k != "hashes") {
        if let Some(v) = map.get(*key) {
            base.insert((*key).to_owned(), v.clone());
        }
    }
    let hashes = contributing
        .contains(&"hashes")
        .then(|| map.get("hashes"))
        .flatten();
    let mut names: Vec<Map<String, Value>> = Vec::new();
    match hashes {
        Some(Value::Object(all)) if !all.is_empty() => {
            let mut algorithms: Vec<&String> = Vec::with_capacity(all.len());
            for preferred in PREFERRED_HASHES {
                algorithms.extend(all.keys().filter(|k| k == preferred));
            }
            algorithms.extend(
                all.keys()
                    .filter(|k| !PREFERRED_HASHES.contains(&k.as_str())),
            );
            for algorithm in algorithms {
                let mut one = Map::new();
                if let Some(digest) = all.get(algorithm.as_str()) {
                    one.insert(algorithm.clone(), digest.clone());
                }
                let mut name = base.clone();
                name.insert("hashes".to_owned(), Value::Object(one));
                names.push(name);
            }
            if all.len() > 1 {
                let mut name = base.clone();
                name.insert("hashes".to_owned(), Value::Object(all.clone()));
                names.push(name);
            }
        }
        Some(other) => {
            let mut name = base.clone();
            name.insert("hashes".to_owned(), other.clone());
            names.push(name);
        }
        None if base.is_empty() => {}
        None => names.push(base),
    }
    names
        .into_iter()
        .map(|name| sco_id_for(type_name, &Value::Object(name)))
        .collect()
}

/// §2.9: an SCO id SHOULD be the UUIDv5 of its ID contributing properties; when none is
/// present the id MUST be a UUIDv4. §3.6: an SCO that is versioned (carries `created` or
/// `modified`) MUST NOT use the deterministic namespace.
fn deterministic_id(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let Some(spec) = map
        .get("type")
        .and_then(Value::as_str)
        .and_then(|t| TYPES.iter().find(|s| s.name == t))
    else {
        return;
    };
    let Some(id) = map.get("id").and_then(Value::as_str) else {
        return;
    };
    let Some(uuid) = StixId::check(id)
        .ok()
        .and_then(|split| id.get(split + 2..))
        .and_then(|u| Uuid::parse_str(u).ok())
    else {
        return;
    };
    let candidates = deterministic_ids(spec.name, map, spec.id_contributing);
    let Some(expected) = candidates.first() else {
        if uuid.get_version_num() != 4 {
            let which = if spec.id_contributing.is_empty() {
                format!("{} has no ID contributing properties", spec.name)
            } else {
                format!(
                    "none of the ID contributing properties ({}) is present",
                    spec.id_contributing.join(", ")
                )
            };
            ctx.error_at(
                "id",
                Rule::DeterministicId,
                format!("{which}, so the id must be a UUIDv4"),
            );
        }
        return;
    };
    let versioned = map.contains_key("created") || map.contains_key("modified");
    let deterministic = candidates.iter().any(|c| c.eq_ignore_ascii_case(id));
    if versioned {
        if deterministic {
            ctx.error_at(
                "id",
                Rule::DeterministicId,
                "a versioned SCO must not use the deterministic id namespace",
            );
        }
        return;
    }
    if !deterministic {
        let kind = if uuid.get_version_num() == 5 {
            "is a UUIDv5 but not the one"
        } else {
            "should be the UUIDv5"
        };
        ctx.warn_at(
            "id",
            Rule::DeterministicId,
            format!(
                "the id {kind} computed from the ID contributing properties ({}): expected {expected}",
                spec.id_contributing.join(", "),
            ),
        );
    }
}
