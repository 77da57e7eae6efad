//! Identifiers of TAXII resources, checked once at the boundary.

use std::fmt;

use uuid::Uuid;

use crate::error::TaxiiError;

/// A collection id (TAXII 2.1 §5.2: an identifier, in Accord always a UUID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CollectionId(Uuid);

impl CollectionId {
    pub fn parse(text: &str) -> Result<CollectionId, TaxiiError> {
        Uuid::try_parse(text)
            .map(CollectionId)
            .map_err(|_| TaxiiError::NotFound)
    }

    pub fn from_uuid(uuid: Uuid) -> CollectionId {
        CollectionId(uuid)
    }

    pub fn uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for CollectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// A status resource id (TAXII 2.1 §4.3.1), a UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatusId(Uuid);

impl StatusId {
    pub fn parse(text: &str) -> Result<StatusId, TaxiiError> {
        Uuid::try_parse(text)
            .map(StatusId)
            .map_err(|_| TaxiiError::NotFound)
    }

    pub fn from_uuid(uuid: Uuid) -> StatusId {
        StatusId(uuid)
    }

    pub fn uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for StatusId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.hyphenated().fmt(f)
    }
}

/// The name of an API root: one URL path segment of 1–64 characters from `a-z A-Z 0-9 - _ .`,
/// never `taxii2`, `admin` or another name the hub routes itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ApiRootName(String);

/// Path segments that belong to the hub, not to API roots.
const RESERVED_ROOTS: &[&str] = &[
    "taxii2",
    "admin",
    "healthz",
    "readyz",
    "metrics",
    "openapi.json",
];

impl ApiRootName {
    pub fn parse(text: &str) -> Result<ApiRootName, TaxiiError> {
        let ok = (1..=64).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && text != "."
            && text != ".."
            && !RESERVED_ROOTS.contains(&text);
        if ok {
            Ok(ApiRootName(text.to_owned()))
        } else {
            Err(TaxiiError::NotFound)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ApiRootName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_root_names_are_single_safe_segments() {
        assert!(ApiRootName::parse("default").is_ok());
        assert!(ApiRootName::parse("nato-mission_1.v2").is_ok());
        assert!(ApiRootName::parse("").is_err());
        assert!(ApiRootName::parse("a/b").is_err());
        assert!(ApiRootName::parse("..").is_err());
        assert!(ApiRootName::parse("taxii2").is_err());
        assert!(ApiRootName::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn collection_ids_are_uuids() {
        let id = CollectionId::parse("91a7b528-80eb-42ed-a74d-c6fbd5a26116").unwrap();
        assert_eq!(id.to_string(), "91a7b528-80eb-42ed-a74d-c6fbd5a26116");
        assert!(CollectionId::parse("shared").is_err());
    }
}
