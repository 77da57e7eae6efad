//! The walk over one whole object: `type`, `id`, `spec_version`, common and type-specific
//! properties, custom content, then the checks specific to the type.

use serde_json::{Map, Value};

use super::Ctx;
use super::value::{json_type, walk_properties};
use crate::id::{StixId, check_type_name, type_of_identifier};
use crate::problem::Rule;
use crate::spec::{self, Category, PropSpec, common};
use crate::timestamp::parse_instant;

pub(crate) fn validate_object(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let type_name = check_type(map, ctx);
    check_id(map, type_name, ctx);
    ctx.toplevel_extension = declares_extension_type(map, "toplevel-property-extension");

    let spec = type_name.and_then(spec::lookup);
    let category = match spec {
        Some(spec) => spec.category,
        None => custom_category(map, type_name, ctx),
    };
    check_spec_version(map, category, ctx);

    let common = common::properties(category);
    let own: &'static [PropSpec] = spec.map_or(&[], |s| s.properties);
    let forbidden: &[&str] = spec.map_or(&[], |s| s.forbidden_common);
    for key in forbidden.iter().filter(|k| map.contains_key(**k)) {
        ctx.error_at(
            key,
            Rule::PropertyNotAllowed,
            format!("{key} is not allowed on this type"),
        );
    }
    // Reserved names and `defanged` outside SCOs are refused whatever the type.
    common::check_excluded(map, category, ctx);
    common::check_uuid_version(map, category, ctx);
    let excluded = common::excluded(category);
    // `type`, `id` and `spec_version` were checked above.
    let mut skip: Vec<&str> = Vec::with_capacity(3 + forbidden.len() + excluded.len());
    skip.extend(["type", "id", "spec_version"]);
    skip.extend_from_slice(forbidden);
    skip.extend_from_slice(excluded);
    walk_properties(ctx, map, &[common, own], &skip, true);

    check_modified_after_created(map, ctx);
    if let Some(spec) = spec {
        common::check_not_redefined(map, ctx);
        for check in spec.checks {
            check(map, ctx);
        }
    }
}

/// `type` is required and must be a valid type name.
fn check_type<'m>(map: &'m Map<String, Value>, ctx: &mut Ctx<'_>) -> Option<&'m str> {
    match map.get("type") {
        None => {
            ctx.error_at(
                "type",
                Rule::RequiredProperty,
                "required property type is missing",
            );
            None
        }
        Some(Value::String(t)) => {
            if let Err(fault) = check_type_name(t) {
                ctx.error_at("type", Rule::TypeName, format!("{t:?}: {fault}"));
            }
            Some(t.as_str())
        }
        Some(other) => {
            ctx.error_at(
                "type",
                Rule::PropertyType,
                format!("must be a string, not {}", json_type(other)),
            );
            None
        }
    }
}

/// `id` is required, of the form `type--UUID`, and its type part is the object's `type`.
fn check_id(map: &Map<String, Value>, type_name: Option<&str>, ctx: &mut Ctx<'_>) {
    match map.get("id") {
        None => ctx.error_at(
            "id",
            Rule::RequiredProperty,
            "required property id is missing",
        ),
        Some(Value::String(id)) => {
            if let Err(fault) = StixId::check(id) {
                ctx.error_at("id", Rule::IdentifierFormat, format!("{id:?}: {fault}"));
            } else if let Some(t) = type_name {
                if type_of_identifier(id) != Some(t) {
                    ctx.error_at(
                        "id",
                        Rule::IdentifierType,
                        format!("the type part of {id:?} does not match type {t:?}"),
                    );
                }
            }
        }
        Some(other) => ctx.error_at(
            "id",
            Rule::PropertyType,
            format!("must be a string, not {}", json_type(other)),
        ),
    }
}

/// Whether any `extensions` entry declares the given `extension_type`.
fn declares_extension_type(map: &Map<String, Value>, kind: &str) -> bool {
    map.get("extensions")
        .and_then(Value::as_object)
        .is_some_and(|exts| {
            exts.values()
                .any(|e| e.get("extension_type").and_then(Value::as_str) == Some(kind))
        })
}

/// The category of a type the specification does not define: a custom SCO when an
/// extension-definition declares it `new-sco`, a custom SRO for `new-sro`, otherwise SDO-like.
fn custom_category(
    map: &Map<String, Value>,
    type_name: Option<&str>,
    ctx: &mut Ctx<'_>,
) -> Category {
    let category = if declares_extension_type(map, "new-sco") {
        Category::Sco
    } else if declares_extension_type(map, "new-sro") {
        Category::Sro
    } else {
        Category::Sdo
    };
    let declared = ["new-sdo", "new-sco", "new-sro"]
        .iter()
        .any(|k| declares_extension_type(map, k));
    if let Some(t) = type_name {
        if ctx.options.is_strict() && !declared {
            ctx.error_at(
                "type",
                Rule::CustomObject,
                format!("{t:?} is not a STIX 2.1 type and no extension-definition declares it"),
            );
        }
    }
    category
}

/// `spec_version` is required on SDOs, SROs and meta objects, optional on SCOs, and is `2.1`.
fn check_spec_version(map: &Map<String, Value>, category: Category, ctx: &mut Ctx<'_>) {
    match map.get("spec_version") {
        None if category != Category::Sco => ctx.error_at(
            "spec_version",
            Rule::RequiredProperty,
            "required property spec_version is missing",
        ),
        None => {}
        Some(Value::String(v)) if v == "2.1" => {}
        Some(Value::String(v)) => ctx.error_at(
            "spec_version",
            Rule::SpecVersion,
            format!("spec_version must be \"2.1\", not {v:?}"),
        ),
        Some(other) => ctx.error_at(
            "spec_version",
            Rule::PropertyType,
            format!("must be a string, not {}", json_type(other)),
        ),
    }
}

/// STIX 2.1 §3.2: `modified` must be later than or equal to `created`.
fn check_modified_after_created(map: &Map<String, Value>, ctx: &mut Ctx<'_>) {
    let instant = |k| {
        map.get(k)
            .and_then(Value::as_str)
            .and_then(|s| parse_instant(s).ok())
    };
    if let (Some(created), Some(modified)) = (instant("created"), instant("modified")) {
        if modified < created {
            ctx.error_at(
                "modified",
                Rule::ModifiedBeforeCreated,
                "modified must be later than or equal to created",
            );
        }
    }
}
