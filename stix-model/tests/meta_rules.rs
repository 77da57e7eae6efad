//! The rules of the STIX Meta Objects (STIX 2.1 §7): language-content, marking-definition
//! (statement, TLP 1.0, extension-based such as TLP 2.0) and extension-definition, one test
//! per rule.

// Test helpers outside `#[test]` functions fail as loudly as the tests themselves.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use serde_json::{Value, json};
use stix_model::spec::meta::{TLP_1, TLP_2, TLP_2_EXTENSION};
mod common;
use common::*;
use stix_model::Rule;

/// The errors, as (rule, path), in the order reported.
fn error_list(object: &Value) -> Vec<(Rule, String)> {
    errors(object)
        .into_iter()
        .map(|p| (p.rule, p.path))
        .collect()
}

// ---- language-content (§7.1) ----

fn language_content() -> Value {
    json!({
        "type": "language-content",
        "id": "language-content--b86bd89f-98bb-4fa9-8cb2-9ad421da981d",
        "spec_version": "2.1",
        "created": "2017-02-08T21:31:22.007Z",
        "modified": "2017-02-08T21:31:22.007Z",
        "object_ref": "campaign--12a111f0-b824-4baf-a224-83b80237a094",
        "object_modified": "2017-02-08T21:31:22.007Z",
        "contents": {
            "de": {
                "name": "Bank Angriff",
                "description": "Weitere Informationen über Banküberfall"
            },
            "fr": {
                "name": "Attaque Bank",
                "description": "Plus d'informations sur la crise bancaire"
            }
        }
    })
}

#[test]
fn language_content_spec_examples_are_valid() {
    assert_clean(&language_content());
    assert_clean(&json!({
        "type": "language-content",
        "id": "language-content--0911f616-727f-48cb-a4c5-9420299562a4",
        "spec_version": "2.1",
        "created": "2019-06-08T21:31:22.007Z",
        "modified": "2019-07-08T21:31:22.007Z",
        "object_ref": "threat-actor--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        "contents": {
            "de": {"goals": ["Bankgeld stehlen", "Kreditkarten stehlen"]},
            "fr": {"goals": ["Voler de l'argent en banque", ""]}
        }
    }));
}

#[test]
fn language_content_required_properties_are_required() {
    for key in [
        "object_ref",
        "contents",
        "created",
        "modified",
        "spec_version",
    ] {
        assert_error(
            &unset(language_content(), key),
            Rule::RequiredProperty,
            &format!("/{key}"),
        );
    }
}

#[test]
fn language_content_contents_keys_must_be_language_codes() {
    let object = set(
        language_content(),
        "contents",
        json!({"de-CH": {"name": "Bankangriff"}, "en_US": {"name": "Bank Attack"}}),
    );
    assert_error(&object, Rule::ValueFormat, "/contents/en_US");
}

#[test]
fn language_content_contents_must_not_be_empty() {
    let object = set(language_content(), "contents", json!({}));
    assert_error(&object, Rule::EmptyList, "/contents");
}

#[test]
fn language_content_translations_must_be_objects() {
    let object = set(
        language_content(),
        "contents",
        json!({"de": "Bank Angriff"}),
    );
    assert_error(&object, Rule::PropertyType, "/contents/de");
}

#[test]
fn language_content_translation_keys_must_be_property_names() {
    let object = set(
        language_content(),
        "contents",
        json!({"de": {"name": "Bank Angriff", "na-me": "x"}}),
    );
    assert_error(&object, Rule::PropertyName, "/contents/de/na-me");
}

#[test]
fn language_content_object_ref_may_not_be_a_bundle() {
    let object = set(
        language_content(),
        "object_ref",
        json!("bundle--44af6c39-c09b-49c5-9de2-394224b04982"),
    );
    assert_error(&object, Rule::ReferenceType, "/object_ref");
}

#[test]
fn language_content_may_not_have_lang() {
    let object = set(language_content(), "lang", json!("en"));
    assert_error(&object, Rule::PropertyNotAllowed, "/lang");
}

// ---- marking-definition (§7.2.1) ----

fn statement() -> Value {
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd",
        "created": "2016-08-01T00:00:00.000Z",
        "definition_type": "statement",
        "definition": {"statement": "Copyright 2019, Example Corp"}
    })
}

fn tlp_1(index: usize) -> Value {
    let tlp = &TLP_1[index];
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp.id,
        "created": "2017-01-20T00:00:00.000Z",
        "definition_type": "tlp",
        "name": tlp.name,
        "definition": {"tlp": tlp.level}
    })
}

fn tlp_2(index: usize) -> Value {
    let tlp = &TLP_2[index];
    json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": tlp.id,
        "created": "2022-10-01T00:00:00.000Z",
        "name": tlp.name,
        "extensions": {
            TLP_2_EXTENSION: {
                "extension_type": "property-extension",
                "tlp_2_0": tlp.level
            }
        }
    })
}

fn tlp_2_extension(object: &mut Value) -> &mut Value {
    &mut object["extensions"][TLP_2_EXTENSION]
}

#[test]
fn statement_marking_spec_example_is_valid() {
    assert_clean(&statement());
}

#[test]
fn tlp_1_marking_definitions_of_the_specification_are_valid() {
    assert_eq!(TLP_1.len(), 4);
    for i in 0..TLP_1.len() {
        assert_clean(&tlp_1(i));
    }
}

#[test]
fn tlp_2_marking_definitions_are_valid() {
    assert_eq!(TLP_2.len(), 5);
    for i in 0..TLP_2.len() {
        assert_clean(&tlp_2(i));
    }
}

#[test]
fn marking_definition_may_not_have_modified() {
    let object = set(statement(), "modified", json!("2016-08-01T00:00:00.000Z"));
    assert_error(&object, Rule::PropertyNotAllowed, "/modified");
}

#[test]
fn marking_definition_may_not_have_revoked_labels_confidence_or_lang() {
    for (key, value) in [
        ("revoked", json!(false)),
        ("labels", json!(["copyright"])),
        ("confidence", json!(50)),
        ("lang", json!("en")),
        ("defanged", json!(false)),
    ] {
        let object = set(statement(), key, value);
        assert_error(&object, Rule::PropertyNotAllowed, &format!("/{key}"));
    }
}

#[test]
fn marking_definition_required_properties_are_required() {
    for key in ["created", "spec_version", "id"] {
        assert_error(
            &unset(statement(), key),
            Rule::RequiredProperty,
            &format!("/{key}"),
        );
    }
}

#[test]
fn marking_definition_created_must_be_precise_to_the_millisecond() {
    let object = set(statement(), "created", json!("2016-08-01T00:00:00Z"));
    assert_error(&object, Rule::TimestampPrecision, "/created");
}

#[test]
fn marking_definition_needs_a_definition_or_extensions() {
    let object = unset(unset(statement(), "definition"), "definition_type");
    assert_eq!(
        error_list(&object),
        [
            (Rule::RequiredProperty, "/definition_type".to_owned()),
            (Rule::RequiredProperty, "/definition".to_owned())
        ]
    );
}

#[test]
fn statement_marking_needs_a_statement() {
    let object = set(statement(), "definition", json!({"text": "Copyright"}));
    let errors = error_list(&object);
    assert!(
        errors.contains(&(Rule::RequiredProperty, "/definition/statement".to_owned())),
        "{errors:?}"
    );
}

#[test]
fn statement_marking_statement_must_be_a_string() {
    let object = set(statement(), "definition", json!({"statement": 2019}));
    assert_error(&object, Rule::PropertyType, "/definition/statement");
}

#[test]
fn marking_definition_definition_must_be_an_object() {
    let object = set(statement(), "definition", json!("Copyright 2019"));
    assert_error(&object, Rule::PropertyType, "/definition");
}

#[test]
fn marking_definition_type_is_an_open_vocabulary() {
    let object = set(statement(), "definition_type", json!("iep"));
    let object = set(object, "definition", json!({"policy": "x"}));
    assert_warning(&object, Rule::OpenVocabulary, "/definition_type");
}

#[test]
fn extension_based_marking_needs_an_extension_definition_entry() {
    let object = unset(unset(statement(), "definition"), "definition_type");
    let object = set(
        object,
        "extensions",
        json!({"x-acme-marking-ext": {"level": 3}}),
    );
    assert_error(&object, Rule::Extension, "/extensions");
}

#[test]
fn extension_based_marking_definition_is_valid() {
    let object = unset(unset(statement(), "definition"), "definition_type");
    let object = set(
        object,
        "extensions",
        json!({
            "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce": {
                "extension_type": "property-extension",
                "pii": "reshare-with-permission"
            }
        }),
    );
    assert_clean(&object);
}

#[test]
fn extension_definition_entries_need_extension_type() {
    let mut object = tlp_2(0);
    tlp_2_extension(&mut object)
        .as_object_mut()
        .unwrap()
        .remove("extension_type");
    assert_error(
        &object,
        Rule::RequiredProperty,
        &format!("/extensions/{TLP_2_EXTENSION}/extension_type"),
    );
}

#[test]
fn extension_property_names_are_lowercase_words() {
    let mut object = tlp_2(0);
    tlp_2_extension(&mut object)["Tlp"] = json!("clear");
    let path = format!("/extensions/{TLP_2_EXTENSION}/Tlp");
    let errors = error_list(&object);
    assert!(errors.contains(&(Rule::PropertyName, path)), "{errors:?}");
}

#[test]
fn marking_definition_may_not_mark_itself() {
    let object = set(
        statement(),
        "object_marking_refs",
        json!([
            "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd"
        ]),
    );
    assert_error(&object, Rule::Marking, "/object_marking_refs/1");
}

#[test]
fn marking_definition_granular_markings_may_not_reference_itself() {
    let object = set(
        statement(),
        "granular_markings",
        json!([{
            "marking_ref": "marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd",
            "selectors": ["definition.statement"]
        }]),
    );
    assert_error(&object, Rule::Marking, "/granular_markings/0/marking_ref");
}

#[test]
fn granular_marking_selectors_must_resolve() {
    let object = set(
        statement(),
        "granular_markings",
        json!([{
            "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
            "selectors": ["definition.statement", "description"]
        }]),
    );
    assert_error(&object, Rule::Marking, "/granular_markings/0/selectors/1");
}

// ---- TLP 1.0 (§7.2.1.4) ----

#[test]
fn tlp_1_marking_must_be_one_of_the_four_of_the_specification() {
    let object = set(
        tlp_1(1),
        "id",
        json!("marking-definition--4a0042fe-8b88-40fe-9600-dfa128ce6fbd"),
    );
    assert_error(&object, Rule::Marking, "/id");
}

#[test]
fn tlp_1_marking_level_must_match_its_id() {
    let object = set(tlp_1(1), "definition", json!({"tlp": "red"}));
    assert_error(&object, Rule::Marking, "/definition/tlp");
}

#[test]
fn tlp_1_levels_are_white_green_amber_and_red() {
    let object = set(tlp_1(1), "definition", json!({"tlp": "purple"}));
    assert_error(&object, Rule::ClosedVocabulary, "/definition/tlp");
}

#[test]
fn tlp_1_marking_name_must_match_its_id() {
    let object = set(tlp_1(2), "name", json!("TLP:RED"));
    assert_error(&object, Rule::Marking, "/name");
    assert_error(&unset(tlp_1(2), "name"), Rule::Marking, "/name");
}

#[test]
fn tlp_1_marking_created_is_fixed() {
    let object = set(tlp_1(0), "created", json!("2018-01-20T00:00:00.000Z"));
    assert_error(&object, Rule::Marking, "/created");
}

#[test]
fn tlp_1_marking_is_used_exactly_as_given() {
    let object = set(
        tlp_1(3),
        "created_by_ref",
        json!("identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"),
    );
    assert_error(&object, Rule::Marking, "/created_by_ref");
}

#[test]
fn tlp_1_marking_id_requires_definition_type_tlp() {
    let object = set(tlp_1(1), "definition_type", json!("statement"));
    let object = set(object, "definition", json!({"statement": "green"}));
    assert_error(&object, Rule::Marking, "/definition_type");
}

// ---- TLP 2.0 (OASIS TLP 2.0 marking extension) ----

#[test]
fn tlp_2_marking_level_must_be_a_tlp_2_level() {
    let mut object = tlp_2(0);
    tlp_2_extension(&mut object)["tlp_2_0"] = json!("white");
    assert_error(
        &object,
        Rule::Marking,
        &format!("/extensions/{TLP_2_EXTENSION}/tlp_2_0"),
    );
}

#[test]
fn tlp_2_marking_id_must_match_its_level() {
    let object = set(tlp_2(4), "id", json!(TLP_2[0].id));
    assert_error(&object, Rule::Marking, "/id");
}

#[test]
fn tlp_2_marking_name_must_match_its_level() {
    let object = set(tlp_2(3), "name", json!("TLP:AMBER"));
    assert_error(&object, Rule::Marking, "/name");
}

#[test]
fn tlp_2_extension_needs_a_level() {
    let mut object = tlp_2(1);
    tlp_2_extension(&mut object)
        .as_object_mut()
        .unwrap()
        .remove("tlp_2_0");
    assert_error(
        &object,
        Rule::RequiredProperty,
        &format!("/extensions/{TLP_2_EXTENSION}/tlp_2_0"),
    );
}

#[test]
fn tlp_2_extension_carries_only_its_level() {
    let mut object = tlp_2(2);
    tlp_2_extension(&mut object)["tlp_1_0"] = json!("amber");
    assert_error(
        &object,
        Rule::Marking,
        &format!("/extensions/{TLP_2_EXTENSION}/tlp_1_0"),
    );
}

#[test]
fn tlp_2_extension_is_a_property_extension() {
    let mut object = tlp_2(2);
    tlp_2_extension(&mut object)["extension_type"] = json!("toplevel-property-extension");
    assert_error(
        &object,
        Rule::Extension,
        &format!("/extensions/{TLP_2_EXTENSION}/extension_type"),
    );
}

#[test]
fn tlp_2_marking_id_requires_the_tlp_2_extension() {
    let object = set(statement(), "id", json!(TLP_2[1].id));
    assert_error(&object, Rule::Marking, "/extensions");
}

// ---- extension-definition (§7.3) ----

fn extension_definition() -> Value {
    json!({
        "id": "extension-definition--9c59fd79-4215-4ba2-920d-3e4f320e1e62",
        "type": "extension-definition",
        "spec_version": "2.1",
        "name": "New SDO 1",
        "description": "This schema creates a new object type called my-favorite-sdo-1",
        "created": "2014-02-20T09:16:08.989000Z",
        "modified": "2014-02-20T09:16:08.989000Z",
        "created_by_ref": "identity--11b76a96-5d2b-45e0-8a5a-f6994f370731",
        "schema": "https://www.example.com/schema-my-favorite-sdo-1/v1/",
        "version": "1.2.1",
        "extension_types": ["new-sdo"]
    })
}

#[test]
fn extension_definition_spec_examples_are_valid() {
    assert_clean(&extension_definition());
    assert_clean(&json!({
        "id": "extension-definition--71736db5-10db-43d3-b0e3-65cf81601fe1",
        "type": "extension-definition",
        "spec_version": "2.1",
        "name": "Extension Foo 1a",
        "description": "This schema adds two properties to a STIX object at the toplevel",
        "created": "2014-02-20T09:16:08.989000Z",
        "modified": "2014-02-20T09:16:08.989000Z",
        "created_by_ref": "identity--11b76a96-5d2b-45e0-8a5a-f6994f370731",
        "schema": "https://www.example.com/schema-foo-1a/v1/",
        "version": "1.2.1",
        "extension_types": ["toplevel-property-extension"],
        "extension_properties": ["toxicity", "rank"]
    }));
    assert_clean(&json!({
        "id": "extension-definition--c5333451-c08c-4c48-be5e-9ad4c947776a",
        "type": "extension-definition",
        "spec_version": "2.1",
        "name": "Extension My Favorite SDO and Sub-Comp",
        "description": "This schema adds a new object my-favorite-sdo and some sub-component to existing objects",
        "created": "2014-02-20T09:16:08.989000Z",
        "modified": "2014-02-20T09:16:08.989000Z",
        "created_by_ref": "identity--c1694394-c150-4f80-a69a-59ca5e850df4",
        "schema": "https://www.example.com/schema-newobj-subcomp/v1/schema.json",
        "version": "1.2.1",
        "extension_types": ["new-sdo", "new-sco", "property-extension"]
    }));
}

#[test]
fn extension_definition_required_properties_are_required() {
    for key in [
        "created_by_ref",
        "name",
        "schema",
        "version",
        "extension_types",
        "created",
        "modified",
    ] {
        assert_error(
            &unset(extension_definition(), key),
            Rule::RequiredProperty,
            &format!("/{key}"),
        );
    }
}

#[test]
fn extension_definition_types_come_from_extension_type_enum() {
    let object = set(
        extension_definition(),
        "extension_types",
        json!(["new-sdo", "new-smo"]),
    );
    assert_error(&object, Rule::ClosedVocabulary, "/extension_types/1");
}

#[test]
fn extension_definition_may_not_have_confidence_lang_or_extensions() {
    for (key, value) in [
        ("confidence", json!(90)),
        ("lang", json!("en")),
        (
            "extensions",
            json!({"extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e": {
                "extension_type": "property-extension", "rank": 5
            }}),
        ),
    ] {
        let object = set(extension_definition(), key, value);
        assert_error(&object, Rule::PropertyNotAllowed, &format!("/{key}"));
    }
}

#[test]
fn extension_definition_properties_only_for_toplevel_property_extensions() {
    let object = set(
        extension_definition(),
        "extension_properties",
        json!(["rank"]),
    );
    assert_error(&object, Rule::PropertyCombination, "/extension_properties");
}

#[test]
fn extension_definition_toplevel_extension_should_list_its_properties() {
    let object = set(
        extension_definition(),
        "extension_types",
        json!(["toplevel-property-extension"]),
    );
    assert_warning(&object, Rule::Recommendation, "/extension_properties");
}

#[test]
fn extension_definition_property_names_are_lowercase_words() {
    let object = set(
        extension_definition(),
        "extension_types",
        json!(["toplevel-property-extension"]),
    );
    let object = set(object, "extension_properties", json!(["rank", "Toxicity"]));
    assert_error(&object, Rule::ValueFormat, "/extension_properties/1");
}

#[test]
fn extension_definition_should_have_a_description() {
    let object = unset(extension_definition(), "description");
    assert_warning(&object, Rule::Recommendation, "/description");
}

#[test]
fn extension_definition_created_by_ref_must_refer_to_an_identity() {
    let object = set(
        extension_definition(),
        "created_by_ref",
        json!("tool--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
    );
    assert_error(&object, Rule::ReferenceType, "/created_by_ref");
}
