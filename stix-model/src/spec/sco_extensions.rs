//! Predefined extensions of cyber-observable objects (STIX 2.1 §6): file's archive, NTFS, PDF,
//! raster image and Windows PE binary extensions; network-traffic's HTTP request, ICMP, socket
//! and TCP extensions; process's Windows process and service extensions; user-account's UNIX
//! account extension.

use serde_json::{Map, Value};

use super::sco::{
    SCO_HASHES, check_dictionary_values, require_one_of_known, warn_unless_lowercase,
};
use super::sco_vocab as vocab;
use super::{ExtensionSpec, Prop, PropSpec, opt, req};
use crate::problem::Rule;
use crate::timestamp::fraction_digits;
use crate::validate::Ctx;
use crate::validate::value::{check_object, check_value};

const fn int_min0() -> Prop {
    Prop::Integer {
        min: Some(0),
        max: None,
    }
}

const INTEGER: Prop = Prop::Integer {
    min: None,
    max: None,
};

// ---------------------------------------------------------------------------------------------
// file

/// §6.7.2 archive-ext.
const ARCHIVE: &[PropSpec] = &[
    req(
        "contains_refs",
        Prop::List(&Prop::Identifier {
            types: &["file", "directory"],
        }),
    ),
    opt("comment", Prop::String),
];

/// §6.7.3.2 alternate-data-stream-type.
const ALTERNATE_DATA_STREAM: &[PropSpec] = &[
    req("name", Prop::String),
    opt("hashes", SCO_HASHES),
    opt("size", int_min0()),
];

/// §6.7.3 ntfs-ext.
const NTFS: &[PropSpec] = &[
    opt("sid", Prop::String),
    opt(
        "alternate_data_streams",
        Prop::List(&Prop::Object(ALTERNATE_DATA_STREAM)),
    ),
];

/// §6.7.4 pdf-ext.
const PDF: &[PropSpec] = &[
    opt("version", Prop::String),
    opt("is_optimized", Prop::Boolean),
    opt("document_info_dict", Prop::DictionaryOf(&Prop::String)),
    opt("pdfid0", Prop::String),
    opt("pdfid1", Prop::String),
];

/// §6.7.5 raster-image-ext.
const RASTER_IMAGE: &[PropSpec] = &[
    opt("image_height", INTEGER),
    opt("image_width", INTEGER),
    opt("bits_per_pixel", INTEGER),
    opt("exif_tags", Prop::Custom(check_exif_tags)),
];

/// §6.7.6.2 windows-pe-optional-header-type.
const PE_OPTIONAL_HEADER: &[PropSpec] = &[
    opt("magic_hex", Prop::Hex),
    opt("major_linker_version", INTEGER),
    opt("minor_linker_version", INTEGER),
    opt("size_of_code", int_min0()),
    opt("size_of_initialized_data", int_min0()),
    opt("size_of_uninitialized_data", int_min0()),
    opt("address_of_entry_point", INTEGER),
    opt("base_of_code", INTEGER),
    opt("base_of_data", INTEGER),
    opt("image_base", INTEGER),
    opt("section_alignment", INTEGER),
    opt("file_alignment", INTEGER),
    opt("major_os_version", INTEGER),
    opt("minor_os_version", INTEGER),
    opt("major_image_version", INTEGER),
    opt("minor_image_version", INTEGER),
    opt("major_subsystem_version", INTEGER),
    opt("minor_subsystem_version", INTEGER),
    opt("win32_version_value_hex", Prop::Hex),
    opt("size_of_image", int_min0()),
    opt("size_of_headers", int_min0()),
    opt("checksum_hex", Prop::Hex),
    opt("subsystem_hex", Prop::Hex),
    opt("dll_characteristics_hex", Prop::Hex),
    opt("size_of_stack_reserve", int_min0()),
    opt("size_of_stack_commit", int_min0()),
    opt("size_of_heap_reserve", int_min0()),
    opt("size_of_heap_commit", int_min0()),
    opt("loader_flags_hex", Prop::Hex),
    opt("number_of_rva_and_sizes", INTEGER),
    opt("hashes", SCO_HASHES),
];

/// §6.7.6.3 windows-pe-section-type.
const PE_SECTION: &[PropSpec] = &[
    req("name", Prop::String),
    opt("size", int_min0()),
    opt("entropy", Prop::Custom(check_entropy)),
    opt("hashes", SCO_HASHES),
];

/// §6.7.6 windows-pebinary-ext.
const WINDOWS_PEBINARY: &[PropSpec] = &[
    req("pe_type", Prop::Vocab(&vocab::WINDOWS_PEBINARY_TYPE)),
    opt("imphash", Prop::String),
    opt("machine_hex", Prop::Hex),
    opt("number_of_sections", int_min0()),
    opt("time_date_stamp", Prop::Custom(check_second_precision)),
    opt("pointer_to_symbol_table_hex", Prop::Hex),
    opt("number_of_symbols", int_min0()),
    opt("size_of_optional_header", int_min0()),
    opt("characteristics_hex", Prop::Hex),
    opt("file_header_hashes", SCO_HASHES),
    opt("optional_header", Prop::Custom(check_pe_optional_header)),
    opt("sections", Prop::List(&Prop::Object(PE_SECTION))),
];

/// The predefined extensions of `file`.
pub const FILE: &[ExtensionSpec] = &[
    ExtensionSpec {
        name: "archive-ext",
        properties: ARCHIVE,
        checks: &[],
    },
    ExtensionSpec {
        name: "ntfs-ext",
        properties: NTFS,
        checks: &[ntfs_needs_a_property],
    },
    ExtensionSpec {
        name: "pdf-ext",
        properties: PDF,
        checks: &[pdf_needs_a_property],
    },
    ExtensionSpec {
        name: "raster-image-ext",
        properties: RASTER_IMAGE,
        checks: &[raster_image_needs_a_property],
    },
    ExtensionSpec {
        name: "windows-pebinary-ext",
        properties: WINDOWS_PEBINARY,
        checks: &[pebinary_needs_more_than_pe_type],
    },
];

/// §6.7.3: an object using the NTFS extension must contain at least one of its properties.
fn ntfs_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_one_of_known(map, ctx, NTFS, "ntfs-ext");
}

/// §6.7.4: at least one property of the PDF extension.
fn pdf_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_one_of_known(map, ctx, PDF, "pdf-ext");
}

/// §6.7.5: at least one property of the raster image extension.
fn raster_image_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_one_of_known(map, ctx, RASTER_IMAGE, "raster-image-ext");
}

/// §6.7.6: at least one property other than the required `pe_type`.
fn pebinary_needs_more_than_pe_type(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if map.is_empty() {
        return;
    }
    let has_more = WINDOWS_PEBINARY
        .iter()
        .any(|p| p.name != "pe_type" && map.contains_key(p.name));
    if !has_more {
        ctx.error(
            Rule::PropertyCombination,
            "windows-pebinary-ext must contain at least one property besides pe_type",
        );
    }
}

/// §6.7.5 `exif_tags`: each key is the case-preserved EXIF tag name (EXIF tag names start with
/// an upper-case letter, e.g. `XResolution`) and each value an integer or a string.
fn check_exif_tags(value: &Value, ctx: &mut Ctx<'_>) {
    check_dictionary_values(
        value,
        ctx,
        |v| v.is_i64() || v.is_u64() || v.is_string(),
        "an integer or a string",
    );
    if let Some(map) = value.as_object() {
        for key in map.keys() {
            if !key.starts_with(|c: char| c.is_ascii_uppercase()) {
                ctx.error_at(
                    key,
                    Rule::DictionaryKey,
                    format!("{key:?} is not a case-preserved EXIF tag name (e.g. XResolution)"),
                );
            }
        }
    }
}

/// §6.7.6 `time_date_stamp`: a timestamp precise to the second, without fractional seconds.
fn check_second_precision(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(&Prop::Timestamp, value, ctx);
    if let Some(text) = value.as_str() {
        if crate::timestamp::parse_instant(text).is_ok() && fraction_digits(text) > 0 {
            ctx.error(
                Rule::TimestampPrecision,
                format!("{text:?} must be precise to the second, without fractional seconds"),
            );
        }
    }
}

/// §6.7.6.2: the optional header must contain at least one of its properties.
fn check_pe_optional_header(value: &Value, ctx: &mut Ctx<'_>) {
    check_object(ctx, value, PE_OPTIONAL_HEADER);
    if let Some(map) = value.as_object() {
        if !PE_OPTIONAL_HEADER.iter().any(|p| map.contains_key(p.name)) {
            ctx.error(
                Rule::PropertyCombination,
                "optional_header must contain at least one windows-pe-optional-header-type property",
            );
        }
    }
}

/// §6.7.6.3 `entropy`: a Shannon entropy over bytes lies in 0 through 8.
fn check_entropy(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(
        &Prop::Float {
            min: None,
            max: None,
        },
        value,
        ctx,
    );
    if let Some(n) = value.as_f64() {
        if !(0.0..=8.0).contains(&n) {
            ctx.warn(
                Rule::Recommendation,
                format!("an entropy over bytes lies in 0 through 8, not {n}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// network-traffic

/// §6.12.2 http-request-ext.
const HTTP_REQUEST: &[PropSpec] = &[
    req("request_method", Prop::String),
    req("request_value", Prop::String),
    opt("request_version", Prop::String),
    opt("request_header", Prop::Custom(check_string_list_dictionary)),
    opt("message_body_length", INTEGER),
    opt(
        "message_body_data_ref",
        Prop::Identifier {
            types: &["artifact"],
        },
    ),
];

/// §6.12.3 icmp-ext.
const ICMP: &[PropSpec] = &[
    req("icmp_type_hex", Prop::Custom(check_hex_byte)),
    req("icmp_code_hex", Prop::Custom(check_hex_byte)),
];

/// §6.12.4 socket-ext.
const SOCKET: &[PropSpec] = &[
    req(
        "address_family",
        Prop::Vocab(&vocab::NETWORK_SOCKET_ADDRESS_FAMILY),
    ),
    opt("is_blocking", Prop::Boolean),
    opt("is_listening", Prop::Boolean),
    opt("options", Prop::Custom(check_socket_options)),
    opt("socket_type", Prop::Vocab(&vocab::NETWORK_SOCKET_TYPE)),
    opt("socket_descriptor", int_min0()),
    opt("socket_handle", INTEGER),
];

/// §6.12.5 tcp-ext.
const TCP: &[PropSpec] = &[
    opt("src_flags_hex", Prop::Hex),
    opt("dst_flags_hex", Prop::Hex),
];

/// The predefined extensions of `network-traffic`.
pub const NETWORK_TRAFFIC: &[ExtensionSpec] = &[
    ExtensionSpec {
        name: "http-request-ext",
        properties: HTTP_REQUEST,
        checks: &[http_request_parts_are_lowercase],
    },
    ExtensionSpec {
        name: "icmp-ext",
        properties: ICMP,
        checks: &[],
    },
    ExtensionSpec {
        name: "socket-ext",
        properties: SOCKET,
        checks: &[],
    },
    ExtensionSpec {
        name: "tcp-ext",
        properties: TCP,
        checks: &[tcp_needs_a_property],
    },
];

/// §6.12.2: the request method and version are given as lowercase strings.
fn http_request_parts_are_lowercase(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    for key in ["request_method", "request_version"] {
        warn_unless_lowercase(map, ctx, key);
    }
}

/// §6.12.5: at least one property of the TCP extension.
fn tcp_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_one_of_known(map, ctx, TCP, "tcp-ext");
}

/// §6.12.2 `request_header` (and §6.6 `additional_header_fields` shares the rule): every value
/// is a list of strings, so that repeated header fields can be kept.
pub(crate) fn check_string_list_dictionary(value: &Value, ctx: &mut Ctx<'_>) {
    check_dictionary_values(
        value,
        ctx,
        |v| {
            v.as_array()
                .is_some_and(|items| !items.is_empty() && items.iter().all(Value::is_string))
        },
        "a non-empty list of strings",
    );
}

/// §6.12.3: the ICMP type and code are each one byte, i.e. two hex digits.
fn check_hex_byte(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(&Prop::Hex, value, ctx);
    if let Some(s) = value.as_str() {
        if crate::validate::is_hex(s) && s.len() != 2 {
            ctx.warn(
                Rule::Recommendation,
                format!("{s:?} should be a single byte (two hex digits)"),
            );
        }
    }
}

/// The families of socket option names (`SO_ACCEPTCONN`, `IP_TTL`, ...).
const SOCKET_OPTION_PREFIXES: &[&str] = &[
    "SO_", "ICMP_", "ICMP6_", "IP_", "IPV6_", "MCAST_", "TCP_", "IRLMP_",
];

/// §6.12.4 `options`: every value MUST be an integer; each key SHOULD be the case-preserved
/// option name.
fn check_socket_options(value: &Value, ctx: &mut Ctx<'_>) {
    check_dictionary_values(value, ctx, |v| v.is_i64() || v.is_u64(), "an integer");
    if let Some(map) = value.as_object() {
        for key in map.keys() {
            let option_like = SOCKET_OPTION_PREFIXES.iter().any(|p| key.starts_with(p))
                && key
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
            if !option_like {
                ctx.warn_at(
                    key,
                    Rule::Recommendation,
                    format!("{key:?} should be a socket option name such as SO_ACCEPTCONN"),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// process

/// §6.13.2 windows-process-ext.
const WINDOWS_PROCESS: &[PropSpec] = &[
    opt("aslr_enabled", Prop::Boolean),
    opt("dep_enabled", Prop::Boolean),
    opt("priority", Prop::String),
    opt("owner_sid", Prop::String),
    opt("window_title", Prop::String),
    opt("startup_info", Prop::Custom(check_startup_info)),
    opt(
        "integrity_level",
        Prop::Vocab(&vocab::WINDOWS_INTEGRITY_LEVEL),
    ),
];

/// §6.13.3 windows-service-ext.
const WINDOWS_SERVICE: &[PropSpec] = &[
    opt("service_name", Prop::String),
    opt("descriptions", Prop::List(&Prop::String)),
    opt("display_name", Prop::String),
    opt("group_name", Prop::String),
    opt(
        "start_type",
        Prop::Vocab(&vocab::WINDOWS_SERVICE_START_TYPE),
    ),
    opt(
        "service_dll_refs",
        Prop::List(&Prop::Identifier { types: &["file"] }),
    ),
    opt("service_type", Prop::Vocab(&vocab::WINDOWS_SERVICE_TYPE)),
    opt(
        "service_status",
        Prop::Vocab(&vocab::WINDOWS_SERVICE_STATUS),
    ),
];

/// The predefined extensions of `process`.
pub const PROCESS: &[ExtensionSpec] = &[
    ExtensionSpec {
        name: "windows-process-ext",
        properties: WINDOWS_PROCESS,
        checks: &[
            windows_process_needs_a_property,
            priority_should_end_in_class,
        ],
    },
    ExtensionSpec {
        name: "windows-service-ext",
        properties: WINDOWS_SERVICE,
        checks: &[windows_service_needs_a_property],
    },
];

/// §6.13.2: at least one property of the Windows process extension.
fn windows_process_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_one_of_known(map, ctx, WINDOWS_PROCESS, "windows-process-ext");
}

/// §6.13.2: `priority` should be a string that ends in `_CLASS`.
fn priority_should_end_in_class(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    if let Some(priority) = map.get("priority").and_then(Value::as_str) {
        if !priority.ends_with("_CLASS") {
            ctx.warn_at(
                "priority",
                Rule::Recommendation,
                format!("priority {priority:?} should end in _CLASS"),
            );
        }
    }
}

/// The members of the Win32 STARTUPINFO structure.
const STARTUP_INFO_MEMBERS: &[&str] = &[
    "cb",
    "lpReserved",
    "lpDesktop",
    "lpTitle",
    "dwX",
    "dwY",
    "dwXSize",
    "dwYSize",
    "dwXCountChars",
    "dwYCountChars",
    "dwFillAttribute",
    "dwFlags",
    "wShowWindow",
    "cbReserved2",
    "lpReserved2",
    "hStdInput",
    "hStdOutput",
    "hStdError",
];

/// §6.13.2 `startup_info`: each key MUST be the case-preserved name of a STARTUPINFO member.
fn check_startup_info(value: &Value, ctx: &mut Ctx<'_>) {
    check_value(&Prop::Dictionary, value, ctx);
    if let Some(map) = value.as_object() {
        for key in map.keys() {
            if !STARTUP_INFO_MEMBERS.contains(&key.as_str()) {
                ctx.error_at(
                    key,
                    Rule::DictionaryKey,
                    format!(
                        "{key:?} is not a member of the STARTUPINFO structure (e.g. lpDesktop)"
                    ),
                );
            }
        }
    }
}

/// §6.13.3: at least one property of the Windows service extension.
fn windows_service_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_one_of_known(map, ctx, WINDOWS_SERVICE, "windows-service-ext");
}

// ---------------------------------------------------------------------------------------------
// user-account

/// §6.16.2 unix-account-ext.
const UNIX_ACCOUNT: &[PropSpec] = &[
    opt("gid", INTEGER),
    opt("groups", Prop::List(&Prop::String)),
    opt("home_dir", Prop::String),
    opt("shell", Prop::String),
];

/// The predefined extensions of `user-account`.
pub const USER_ACCOUNT: &[ExtensionSpec] = &[ExtensionSpec {
    name: "unix-account-ext",
    properties: UNIX_ACCOUNT,
    checks: &[unix_account_needs_a_property],
}];

/// §6.16.2: at least one property of the UNIX account extension.
fn unix_account_needs_a_property(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    require_one_of_known(map, ctx, UNIX_ACCOUNT, "unix-account-ext");
}
