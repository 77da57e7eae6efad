//! STIX type names and identifiers (STIX 2.1 §2.7 Identifier, §2.9 type names).

use std::fmt;

use crate::error::StixError;

/// Why a type name or identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentifierFault {
    TypeLength,
    TypeCharacters,
    TypeDoubleHyphen,
    MissingSeparator,
    Uuid,
}

impl fmt::Display for IdentifierFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            IdentifierFault::TypeLength => "a type name must be 3 to 250 characters long",
            IdentifierFault::TypeCharacters => {
                "a type name must start with a lowercase letter and contain only a-z, 0-9 and hyphens"
            }
            IdentifierFault::TypeDoubleHyphen => "a type name must not contain a double hyphen",
            IdentifierFault::MissingSeparator => "an identifier must be of the form type--UUID",
            IdentifierFault::Uuid => {
                "the UUID part of an identifier must be an RFC 4122 UUID (version 1-5, variant 10xx)"
            }
        })
    }
}

/// Checks a STIX type name: 3–250 characters, a–z, 0–9 and `-`, starting with a letter, no
/// `--` (the identifier separator).
pub fn check_type_name(name: &str) -> Result<(), IdentifierFault> {
    if name.len() < 3 || name.len() > 250 {
        return Err(IdentifierFault::TypeLength);
    }
    let bytes = name.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_lowercase)
        || !bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    {
        return Err(IdentifierFault::TypeCharacters);
    }
    if name.contains("--") {
        return Err(IdentifierFault::TypeDoubleHyphen);
    }
    Ok(())
}

/// Checks the UUID part of an identifier: 8-4-4-4-12 hex digits with an RFC 4122 version
/// (1–5) and variant (`10xx`), as the OASIS identifier schema requires.
pub fn check_uuid(uuid: &str) -> Result<(), IdentifierFault> {
    let b = uuid.as_bytes();
    if b.len() != 36 {
        return Err(IdentifierFault::Uuid);
    }
    for (i, c) in b.iter().enumerate() {
        let ok = match i {
            8 | 13 | 18 | 23 => *c == b'-',
            14 => (b'1'..=b'5').contains(c),
            19 => matches!(c, b'8' | b'9' | b'a' | b'b' | b'A' | b'B'),
            _ => c.is_ascii_hexdigit(),
        };
        if !ok {
            return Err(IdentifierFault::Uuid);
        }
    }
    Ok(())
}

/// A STIX identifier `type--UUID`, checked once at the boundary.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StixId {
    value: String,
    /// Byte offset of the `--` separator.
    split: usize,
}

impl StixId {
    pub fn parse(value: &str) -> Result<StixId, StixError> {
        Self::check(value)
            .map(|split| StixId {
                value: value.to_owned(),
                split,
            })
            .map_err(|fault| StixError::Identifier {
                value: value.to_owned(),
                fault,
            })
    }

    /// Checks an identifier without allocating; returns the separator offset.
    pub fn check(value: &str) -> Result<usize, IdentifierFault> {
        // The UUID is fixed-width, so the separator sits 38 bytes from the end.
        let split = value
            .len()
            .checked_sub(38)
            .filter(|&s| value.get(s..s + 2) == Some("--"))
            .ok_or(IdentifierFault::MissingSeparator)?;
        let (type_part, rest) = value.split_at(split);
        check_type_name(type_part)?;
        check_uuid(rest.get(2..).unwrap_or_default())?;
        Ok(split)
    }

    /// The type part, e.g. `indicator`.
    pub fn type_name(&self) -> &str {
        self.value.get(..self.split).unwrap_or_default()
    }

    /// The UUID part.
    pub fn uuid(&self) -> &str {
        self.value.get(self.split + 2..).unwrap_or_default()
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }
}

impl fmt::Display for StixId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl TryFrom<String> for StixId {
    type Error = StixError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        StixId::parse(&value)
    }
}

impl From<StixId> for String {
    fn from(id: StixId) -> String {
        id.value
    }
}

/// The type part of an identifier string, if it has the `type--…` shape (without checking).
pub fn type_of_identifier(value: &str) -> Option<&str> {
    value.len().checked_sub(38).and_then(|s| {
        (value.get(s..s + 2) == Some("--"))
            .then(|| value.get(..s))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_parts_are_type_and_uuid() {
        let id = StixId::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.type_name(), "indicator");
        assert_eq!(id.uuid(), "8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    }

    #[test]
    fn identifier_type_may_contain_hyphens() {
        let id = StixId::parse("x-acme-widget--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.type_name(), "x-acme-widget");
    }

    #[test]
    fn identifier_without_separator_is_refused() {
        assert!(StixId::parse("indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").is_err());
        assert_eq!(
            StixId::check("indicator"),
            Err(IdentifierFault::MissingSeparator)
        );
    }

    #[test]
    fn identifier_uuid_must_have_rfc4122_version_and_variant() {
        assert_eq!(
            StixId::check("indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f"),
            Err(IdentifierFault::Uuid)
        );
        assert_eq!(
            StixId::check("indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f"),
            Err(IdentifierFault::Uuid)
        );
        assert_eq!(
            StixId::check("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3"),
            Err(IdentifierFault::MissingSeparator)
        );
    }

    #[test]
    fn type_name_rules() {
        assert!(check_type_name("ipv4-addr").is_ok());
        assert_eq!(check_type_name("ab"), Err(IdentifierFault::TypeLength));
        assert_eq!(
            check_type_name("Indicator"),
            Err(IdentifierFault::TypeCharacters)
        );
        assert_eq!(
            check_type_name("1ndicator"),
            Err(IdentifierFault::TypeCharacters)
        );
        assert_eq!(
            check_type_name("x--thing"),
            Err(IdentifierFault::TypeDoubleHyphen)
        );
        assert_eq!(
            check_type_name(&"a".repeat(251)),
            Err(IdentifierFault::TypeLength)
        );
    }

    #[test]
    fn type_of_identifier_splits_before_uuid() {
        assert_eq!(
            type_of_identifier("identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            Some("identity")
        );
        assert_eq!(type_of_identifier("identity"), None);
    }
}
