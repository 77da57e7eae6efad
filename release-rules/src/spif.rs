//! Reads the subset of an Open XML SPIF (`http://www.xmlspif.org/spif`) that release decisions
//! need: `securityPolicyId` (name, id), `securityClassification` (name, lacv, hierarchy), and
//! `securityCategoryTagSet` (name, id) with its `securityCategoryTag` type and `tagCategory`
//! values (name, lacv, `excludedClass`). Everything else (marking data, equivalences, privilege
//! ids) is ignored. OIDs become `urn:oid:` URNs, as in the YAML form.
//!
//! Tag types: `restrictive`, `permissive`, `enumerated` with `enumType` restrictive or
//! permissive, and `tagType7` (informative). A tag set whose tags disagree on their type is
//! refused (one type per tag set is what a label category carries). Values marked
//! `obsolete="true"` are left out, so new labels cannot use them. A tag set named
//! "Releasable To" (any case) is the release-to set that `label.rel_to` reads.
//!
//! `roxmltree` refuses DTDs by default, so no entity is ever expanded or fetched.

use roxmltree::{Document, Node};

use crate::error::Error;
use crate::policy::{CategoryType, Classification, PolicyHeader, PolicyId, TagSet, TagValue};

pub(crate) const SPIF_NAMESPACE: &str = "http://www.xmlspif.org/spif";

pub(crate) struct SpifParts {
    pub header: PolicyHeader,
    pub classifications: Vec<Classification>,
    pub tag_sets: Vec<TagSet>,
}

fn oid_urn(id: &str) -> String {
    if id.starts_with("urn:") || !id.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        id.to_owned()
    } else {
        format!("urn:oid:{id}")
    }
}

fn spif_children<'a, 'input>(
    node: Node<'a, 'input>,
    name: &'static str,
) -> impl Iterator<Item = Node<'a, 'input>> {
    node.children().filter(move |c| {
        c.is_element()
            && c.tag_name().name() == name
            && c.tag_name().namespace() == Some(SPIF_NAMESPACE)
    })
}

pub(crate) fn parse(text: &str) -> Result<SpifParts, Error> {
    let fault = |message: String| Error::parse("SPIF", message);
    let doc = Document::parse(text).map_err(|e| fault(e.to_string()))?;
    let root = doc.root_element();
    if root.tag_name().name() != "SPIF" || root.tag_name().namespace() != Some(SPIF_NAMESPACE) {
        return Err(fault(format!(
            "the root element is not spif:SPIF ({SPIF_NAMESPACE})"
        )));
    }
    let attr = |n: Node<'_, '_>, a: &str| -> Result<String, Error> {
        n.attribute(a)
            .map(str::to_owned)
            .ok_or_else(|| fault(format!("{} without {a}", n.tag_name().name())))
    };
    let number = |n: Node<'_, '_>, a: &str| -> Result<Option<u32>, Error> {
        n.attribute(a)
            .map(|v| {
                v.trim().parse::<u32>().map_err(|_| {
                    fault(format!("{} {a}={v:?} is not a number", n.tag_name().name()))
                })
            })
            .transpose()
    };
    let policy = spif_children(root, "securityPolicyId")
        .next()
        .ok_or_else(|| fault("no securityPolicyId".into()))?;
    let header = PolicyHeader {
        id: PolicyId::parse(&oid_urn(&attr(policy, "id")?))?,
        name: attr(policy, "name")?,
    };
    let mut classifications = Vec::new();
    for list in spif_children(root, "securityClassifications") {
        for c in spif_children(list, "securityClassification") {
            classifications.push(Classification {
                name: attr(c, "name")?,
                lacv: number(c, "lacv")?,
                hierarchy: number(c, "hierarchy")?
                    .ok_or_else(|| fault("securityClassification without hierarchy".into()))?,
            });
        }
    }
    let mut tag_sets = Vec::new();
    for list in spif_children(root, "securityCategoryTagSets") {
        for set in spif_children(list, "securityCategoryTagSet") {
            let name = attr(set, "name")?;
            let mut kind: Option<CategoryType> = None;
            let mut values: Vec<TagValue> = Vec::new();
            for tag in spif_children(set, "securityCategoryTag") {
                let tag_type = attr(tag, "tagType")?;
                let this = match (tag_type.as_str(), tag.attribute("enumType")) {
                    ("restrictive", _) | ("enumerated", Some("restrictive")) => {
                        CategoryType::Restrictive
                    }
                    ("permissive", _) | ("enumerated", Some("permissive")) => {
                        CategoryType::Permissive
                    }
                    ("tagType7", _) => CategoryType::Informative,
                    (t, e) => {
                        return Err(fault(format!(
                            "tag set {name}: unsupported tagType {t} (enumType {e:?})"
                        )));
                    }
                };
                if kind.is_some_and(|k| k != this) {
                    return Err(fault(format!(
                        "tag set {name}: tags of different types are not supported"
                    )));
                }
                kind = Some(this);
                for value in spif_children(tag, "tagCategory") {
                    if value.attribute("obsolete") == Some("true") {
                        continue;
                    }
                    values.push(TagValue {
                        name: attr(value, "name")?,
                        lacv: number(value, "lacv")?,
                        excluded_classes: spif_children(value, "excludedClass")
                            .filter_map(|e| e.text().map(|t| t.trim().to_owned()))
                            .collect(),
                    });
                }
            }
            let kind =
                kind.ok_or_else(|| fault(format!("tag set {name} has no securityCategoryTag")))?;
            tag_sets.push(TagSet {
                id: oid_urn(&attr(set, "id")?),
                releasable_to: name.eq_ignore_ascii_case("releasable to"),
                name,
                kind,
                values,
            });
        }
    }
    Ok(SpifParts {
        header,
        classifications,
        tag_sets,
    })
}
