//! The audit record (release-rules note §7.6): one JSON object per event, identified by its
//! place in the log (`seq`, from 0, which is also its leaf index in the Merkle tree) and chained
//! to its predecessor by `prev`, the leaf hash of the record before it. What is stored, hashed,
//! exported and signed over is its RFC 8785 canonical form ([`AuditRecord::canonical_bytes`]).
//!
//! Callers describe an event as an [`AuditEntry`]; the log assigns `seq`, `prev` and `time`
//! when it appends it ([`AuditEntry::seal`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::AuditError;
use super::merkle::{Hash, leaf_hash};

/// The `schema` of every record this code writes.
pub const SCHEMA: &str = "accord.audit/1";

/// What a record is about (§7.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// An accepted object version (a credentialed event).
    Submission,
    /// A new label on a stored object by its originator's release authority.
    Relabel,
    /// One response that released object versions to a partner.
    Release,
    /// Per-rule counts of what a response withheld.
    WithholdSummary,
    Proposal,
    Attestation,
    Settlement,
    Membership,
    Credential,
    AuthFailure,
    Export,
    CrossDomain,
}

impl AuditKind {
    pub const ALL: [AuditKind; 12] = [
        AuditKind::Submission,
        AuditKind::Relabel,
        AuditKind::Release,
        AuditKind::WithholdSummary,
        AuditKind::Proposal,
        AuditKind::Attestation,
        AuditKind::Settlement,
        AuditKind::Membership,
        AuditKind::Credential,
        AuditKind::AuthFailure,
        AuditKind::Export,
        AuditKind::CrossDomain,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::Submission => "submission",
            AuditKind::Relabel => "relabel",
            AuditKind::Release => "release",
            AuditKind::WithholdSummary => "withhold_summary",
            AuditKind::Proposal => "proposal",
            AuditKind::Attestation => "attestation",
            AuditKind::Settlement => "settlement",
            AuditKind::Membership => "membership",
            AuditKind::Credential => "credential",
            AuditKind::AuthFailure => "auth_failure",
            AuditKind::Export => "export",
            AuditKind::CrossDomain => "cross_domain",
        }
    }
}

impl fmt::Display for AuditKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A SHA-256 value written `sha256:` and 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Sha256(pub Hash);

impl Sha256 {
    /// The `prev` of the first record.
    pub const ZERO: Sha256 = Sha256([0; 32]);

    pub fn parse(text: &str) -> Result<Sha256, AuditError> {
        let bad = || AuditError::Malformed(format!("{text:?} is not sha256: and 64 hex digits"));
        let hex = text.strip_prefix("sha256:").ok_or_else(bad)?;
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let (Some(hi), Some(lo)) = (
                pair.first().and_then(|c| hex_value(*c)),
                pair.get(1).and_then(|c| hex_value(*c)),
            ) else {
                return Err(bad());
            };
            *byte = hi << 4 | lo;
        }
        Ok(Sha256(out))
    }
}

/// Lower-case only: one spelling per value, as canonical bytes need.
fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Sha256, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Sha256::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Who acted: the authenticated partner, the credential used and the role it held.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// How it authenticated: `token`, `basic`, `mtls`, or `cli` for the operator's verbs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    pub partner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

/// The rule set in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesetRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<Sha256>,
    pub id: String,
    pub version: u64,
}

/// What a record is about; every field optional, each kind requires its own (see
/// [`AuditEntry::check`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_root: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collection: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_hash: Option<Sha256>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object: Option<String>,
    /// The partner a membership change, credential change or proposal vote is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<String>,
    /// The proposal (rule-set version) an attestation or settlement is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proposal: Option<u64>,
    /// The object version (`modified`), for submissions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// `release`, `withhold`, `approve`, `dissent`, `abstain`, `acknowledge`, `settled`,
    /// `rejected`, `lapsed`, …
    pub effect: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub label_ids: Vec<Sha256>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_ids: Vec<String>,
}

/// What one response released: how many object versions, and the RFC 9162 root over one leaf
/// per version in the order served (the record's `detail.leaf` says what a leaf is: the bytes
/// of the object as served, or `id\nversion\nspec_version` for manifests), so that a partner
/// can prove what it got from the response alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Released {
    pub count: u64,
    pub merkle_root: Sha256,
}

/// The request that caused the record, without its secrets: path and query only as digests.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_digest: Option<Sha256>,
    /// The peer address, for authentication failures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_digest: Option<Sha256>,
    /// Why it failed, for authentication failures (`unknown_token`, `revoked`, `suspended`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// An event to record, before the log places it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub kind: AuditKind,
    pub actor: Option<Actor>,
    pub ruleset: Option<RulesetRef>,
    pub target: Option<Target>,
    pub decision: Option<Decision>,
    pub released: Option<Released>,
    /// Withheld counts by rule id.
    pub withheld: BTreeMap<String, u64>,
    pub request: Option<RequestRef>,
    pub label_id: Option<Sha256>,
    /// Kind-specific facts that have no field of their own (an export's file digest, a
    /// settlement's quorum), as a JSON object.
    pub detail: Option<serde_json::Map<String, serde_json::Value>>,
}

impl AuditEntry {
    /// An entry of `kind` with nothing else set.
    pub fn new(kind: AuditKind) -> AuditEntry {
        AuditEntry {
            kind,
            actor: None,
            ruleset: None,
            target: None,
            decision: None,
            released: None,
            withheld: BTreeMap::new(),
            request: None,
            label_id: None,
            detail: None,
        }
    }

    /// What each kind must say to be of use to an auditor: who acted (except for an
    /// authentication failure, where nobody is authenticated: the request says what came),
    /// and what it acted on.
    pub fn check(&self) -> Result<(), AuditError> {
        let missing = |what: &str| {
            Err(AuditError::Invalid(format!(
                "a {} record needs {what}",
                self.kind
            )))
        };
        let target = self.target.clone().unwrap_or_default();
        if self.kind != AuditKind::AuthFailure && self.actor.is_none() {
            return missing("an actor");
        }
        if let Some(actor) = &self.actor {
            if actor.partner.is_empty() {
                return missing("an actor partner");
            }
        }
        match self.kind {
            AuditKind::Submission | AuditKind::Relabel | AuditKind::CrossDomain => {
                if target.object.is_none() || target.collection.is_none() {
                    return missing("a target object and collection");
                }
                if self.kind == AuditKind::Relabel && self.label_id.is_none() {
                    return missing("the new label_id");
                }
            }
            AuditKind::Release => {
                if self.released.is_none() || self.ruleset.is_none() {
                    return missing("what was released and the rule set in force");
                }
            }
            AuditKind::WithholdSummary => {
                if self.withheld.is_empty() || self.ruleset.is_none() {
                    return missing("withheld counts and the rule set in force");
                }
            }
            AuditKind::Proposal | AuditKind::Settlement => {
                if self.ruleset.is_none() {
                    return missing("the rule-set version");
                }
                if self.kind == AuditKind::Settlement && self.decision.is_none() {
                    return missing("the outcome (decision)");
                }
            }
            AuditKind::Attestation => {
                if target.proposal.is_none() || self.decision.is_none() {
                    return missing("the proposal and the decision");
                }
            }
            AuditKind::Membership => {
                if target.partner.is_none() {
                    return missing("the target partner");
                }
            }
            AuditKind::Credential => {
                if target.credential.is_none() {
                    return missing("the target credential");
                }
            }
            AuditKind::AuthFailure => {
                if self
                    .request
                    .as_ref()
                    .and_then(|r| r.reason.as_ref())
                    .is_none()
                {
                    return missing("the request and the reason it failed");
                }
            }
            AuditKind::Export => {
                if self.detail.is_none() {
                    return missing("a detail of what was exported");
                }
            }
        }
        Ok(())
    }

    /// The record this entry becomes at `seq` after the record whose leaf hash is `prev`, at
    /// `time` (RFC 3339, UTC).
    pub fn seal(self, seq: u64, prev: Sha256, time: String) -> AuditRecord {
        AuditRecord {
            schema: SCHEMA.to_owned(),
            seq,
            prev,
            time,
            kind: self.kind,
            actor: self.actor,
            ruleset: self.ruleset,
            target: self.target,
            decision: self.decision,
            released: self.released,
            withheld: self.withheld,
            request: self.request,
            label_id: self.label_id,
            detail: self.detail,
        }
    }
}

/// The largest integer JSON numbers (IEEE doubles) hold exactly.
const MAX_EXACT: u64 = 1 << 53;

/// `detail` in canonical form, whatever order its members came in.
fn canonical_detail<S: serde::Serializer>(
    detail: &Option<serde_json::Map<String, serde_json::Value>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let Some(map) = detail else {
        return serializer.serialize_none();
    };
    let text = String::from_utf8(stix_model::canonical::map_to_canonical_bytes(map))
        .map_err(serde::ser::Error::custom)?;
    let raw = serde_json::value::RawValue::from_string(text).map_err(serde::ser::Error::custom)?;
    raw.serialize(serializer)
}

/// A record in the log. Fields in sorted order: see [`AuditRecord::canonical_bytes`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "canonical_detail"
    )]
    pub detail: Option<serde_json::Map<String, serde_json::Value>>,
    pub kind: AuditKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_id: Option<Sha256>,
    pub prev: Sha256,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released: Option<Released>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<RequestRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ruleset: Option<RulesetRef>,
    pub schema: String,
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
    pub time: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub withheld: BTreeMap<String, u64>,
}

impl AuditRecord {
    /// The RFC 8785 form: what is stored, hashed and exported.
    ///
    /// Written straight by serde_json, which for these types *is* RFC 8785: every struct
    /// declares its fields in sorted order, serde_json escapes strings as §3.2.2.2 does,
    /// integers up to 2^53 print as JCS prints them (larger ones are refused), and `detail`
    /// goes in already canonical. Only `withheld` keys outside ASCII, where UTF-8 and UTF-16
    /// order can differ, take the general path. Half the cost of verifying a record.
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, AuditError> {
        let numbers = [self.seq]
            .into_iter()
            .chain(self.ruleset.as_ref().map(|r| r.version))
            .chain(self.released.as_ref().map(|r| r.count))
            .chain(self.target.as_ref().and_then(|t| t.proposal))
            .chain(self.withheld.values().copied());
        if numbers.into_iter().any(|n| n > MAX_EXACT) {
            return Err(AuditError::Malformed(format!(
                "record {}: a number above 2^53 is not I-JSON",
                self.seq
            )));
        }
        let malformed = |error: serde_json::Error| {
            AuditError::Malformed(format!("record {}: {error}", self.seq))
        };
        if self.withheld.keys().all(|key| key.is_ascii()) {
            serde_json::to_vec(self).map_err(malformed)
        } else {
            let value = serde_json::to_value(self).map_err(malformed)?;
            Ok(stix_model::canonical::to_canonical_bytes(&value))
        }
    }

    /// Parses stored bytes, which must be a record of this schema in canonical form: one
    /// spelling per record, so that the bytes and the record they denote cannot disagree.
    pub fn parse_canonical(bytes: &[u8]) -> Result<AuditRecord, AuditError> {
        let record: AuditRecord = serde_json::from_slice(bytes)
            .map_err(|error| AuditError::Malformed(format!("not an audit record: {error}")))?;
        if record.schema != SCHEMA {
            return Err(AuditError::Malformed(format!(
                "record {}: unknown schema {:?}",
                record.seq, record.schema
            )));
        }
        if record.canonical_bytes()? != bytes {
            return Err(AuditError::Malformed(format!(
                "record {}: not in canonical (RFC 8785) form",
                record.seq
            )));
        }
        Ok(record)
    }
}

/// The leaf hash of a record's canonical bytes: its entry in the tree, and the next record's
/// `prev`.
pub fn record_hash(canonical: &[u8]) -> Sha256 {
    Sha256(leaf_hash(canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission() -> AuditEntry {
        AuditEntry {
            actor: Some(Actor {
                partner: "CERT-X".to_owned(),
                credential: Some("cred-1".to_owned()),
                role: Some("supporting".to_owned()),
                auth: Some("token".to_owned()),
            }),
            target: Some(Target {
                object: Some("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f".to_owned()),
                collection: Some("shared".to_owned()),
                ..Target::default()
            }),
            ..AuditEntry::new(AuditKind::Submission)
        }
    }

    #[test]
    fn canonical_bytes_sort_members_and_omit_absent_fields() {
        let record = submission().seal(7, Sha256::ZERO, "2026-11-22T04:00:00.000001Z".to_owned());
        let bytes = record.canonical_bytes().unwrap();
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.starts_with(r#"{"actor":{"auth":"token","credential":"cred-1","#));
        assert!(text.contains(r#""kind":"submission""#));
        assert!(text.contains(&format!(r#""prev":"sha256:{}""#, "0".repeat(64))));
        assert!(!text.contains("released") && !text.contains("withheld"));
        assert_eq!(AuditRecord::parse_canonical(&bytes).unwrap(), record);
    }

    fn everything() -> AuditRecord {
        let mut detail = serde_json::Map::new();
        detail.insert(
            "zeta".to_owned(),
            serde_json::json!([1.5, 1e21, -0.0, "\u{e000}"]),
        );
        detail.insert(
            "alpha".to_owned(),
            serde_json::json!({"b": null, "a": true}),
        );
        AuditEntry {
            kind: AuditKind::Release,
            actor: submission().actor,
            ruleset: Some(RulesetRef {
                id: "mission \"x\"\\release\u{1}\u{7f}\u{2028}".to_owned(),
                version: 1 << 53,
                digest: Some(Sha256([2; 32])),
            }),
            target: Some(Target {
                event_id: Some("evt\n\t\r\u{8}\u{c}".to_owned()),
                object: Some("indicator--é€😀".to_owned()),
                version: Some("v".to_owned()),
                content_hash: Some(Sha256([3; 32])),
                collection: Some("c".to_owned()),
                api_root: Some("r".to_owned()),
                partner: Some("p".to_owned()),
                credential: Some("k".to_owned()),
                proposal: Some(9),
            }),
            decision: Some(Decision {
                effect: "release".to_owned(),
                rule_ids: vec!["a".to_owned(), "b".to_owned()],
                label_ids: vec![Sha256([4; 32])],
            }),
            released: Some(Released {
                count: 0,
                merkle_root: Sha256([5; 32]),
            }),
            withheld: BTreeMap::from([("rule-b".to_owned(), 2), ("rule-a".to_owned(), 1)]),
            request: Some(RequestRef {
                method: Some("GET".to_owned()),
                path_digest: Some(Sha256([6; 32])),
                query_digest: Some(Sha256([7; 32])),
                peer: Some("127.0.0.1".to_owned()),
                reason: Some("r".to_owned()),
            }),
            label_id: Some(Sha256([8; 32])),
            detail: Some(detail),
        }
        .seal(u64::from(u32::MAX), Sha256([1; 32]), "t".to_owned())
    }

    /// The direct serialization is RFC 8785: the same bytes as the general canonicalizer.
    #[test]
    fn canonical_bytes_are_the_jcs_of_the_record() {
        let record = everything();
        let jcs =
            stix_model::canonical::to_canonical_bytes(&serde_json::to_value(&record).unwrap());
        assert_eq!(
            String::from_utf8(record.canonical_bytes().unwrap()).unwrap(),
            String::from_utf8(jcs).unwrap()
        );
        let mut non_ascii = record.clone();
        non_ascii.withheld.insert("\u{e000}".to_owned(), 1);
        non_ascii.withheld.insert("😀".to_owned(), 1);
        let jcs =
            stix_model::canonical::to_canonical_bytes(&serde_json::to_value(&non_ascii).unwrap());
        let bytes = non_ascii.canonical_bytes().unwrap();
        assert_eq!(bytes, jcs);
        let parsed = AuditRecord::parse_canonical(&bytes).unwrap();
        assert_eq!(parsed.withheld, non_ascii.withheld);
    }

    #[test]
    fn numbers_beyond_2_pow_53_are_refused() {
        let mut record = everything();
        record.seq = (1 << 53) + 1;
        assert!(record.canonical_bytes().is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_strings_serialize_as_jcs(a in ".*", b in "\\PC*", n in 0..=(1u64 << 53)) {
            let mut record = everything();
            record.time = a;
            record.actor = Some(Actor { partner: b, ..Actor::default() });
            record.seq = n;
            let jcs = stix_model::canonical::to_canonical_bytes(&serde_json::to_value(&record).unwrap());
            proptest::prop_assert_eq!(record.canonical_bytes().unwrap(), jcs);
        }
    }

    #[test]
    fn non_canonical_bytes_are_refused() {
        let record = submission().seal(0, Sha256::ZERO, "2026-11-22T04:00:00.000000Z".to_owned());
        let bytes = record.canonical_bytes().unwrap();
        let mut pretty = serde_json::to_vec_pretty(&record).unwrap();
        assert!(AuditRecord::parse_canonical(&pretty).is_err());
        pretty = bytes.clone();
        pretty.push(b' ');
        assert!(AuditRecord::parse_canonical(&pretty).is_err());
        assert!(AuditRecord::parse_canonical(&bytes).is_ok());
    }

    #[test]
    fn unknown_fields_and_schemas_are_refused() {
        let bytes = submission()
            .seal(0, Sha256::ZERO, "t".to_owned())
            .canonical_bytes()
            .unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let extra = text.replacen('{', r#"{"aaa":1,"#, 1);
        assert!(AuditRecord::parse_canonical(extra.as_bytes()).is_err());
        let other = text.replace(SCHEMA, "accord.audit/2");
        assert!(AuditRecord::parse_canonical(other.as_bytes()).is_err());
    }

    #[test]
    fn digests_have_one_spelling() {
        let hash = Sha256([0xab; 32]);
        let text = hash.to_string();
        assert_eq!(text, format!("sha256:{}", "ab".repeat(32)));
        assert_eq!(Sha256::parse(&text).unwrap(), hash);
        assert!(Sha256::parse(&text.to_uppercase()).is_err());
        assert!(Sha256::parse(&format!("sha256:{}", "AB".repeat(32))).is_err());
        assert!(Sha256::parse(&text[..70]).is_err());
        assert!(Sha256::parse(&format!("sha512:{}", "ab".repeat(32))).is_err());
    }

    #[test]
    fn every_kind_spells_as_in_the_design_note() {
        for kind in AuditKind::ALL {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
            assert_eq!(serde_json::from_str::<AuditKind>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn a_submission_names_who_submitted_what_where() {
        assert!(submission().check().is_ok());
        let mut no_actor = submission();
        no_actor.actor = None;
        assert!(no_actor.check().is_err());
        let mut no_object = submission();
        no_object.target = Some(Target {
            collection: Some("shared".to_owned()),
            ..Target::default()
        });
        assert!(no_object.check().is_err());
    }

    #[test]
    fn a_release_states_what_went_out_under_which_rules() {
        let mut release = AuditEntry {
            actor: submission().actor,
            ..AuditEntry::new(AuditKind::Release)
        };
        assert!(release.check().is_err());
        release.released = Some(Released {
            count: 3,
            merkle_root: Sha256([1; 32]),
        });
        assert!(release.check().is_err());
        release.ruleset = Some(RulesetRef {
            id: "mission/release".to_owned(),
            version: 4,
            digest: None,
        });
        assert!(release.check().is_ok());
    }

    #[test]
    fn an_auth_failure_needs_no_actor_but_a_reason() {
        let mut failure = AuditEntry::new(AuditKind::AuthFailure);
        assert!(failure.check().is_err());
        failure.request = Some(RequestRef {
            method: Some("GET".to_owned()),
            reason: Some("unknown_token".to_owned()),
            ..RequestRef::default()
        });
        assert!(failure.check().is_ok());
    }

    #[test]
    fn votes_settlements_and_membership_name_their_subject() {
        let actor = submission().actor;
        let mut vote = AuditEntry {
            actor: actor.clone(),
            ..AuditEntry::new(AuditKind::Attestation)
        };
        assert!(vote.check().is_err());
        vote.target = Some(Target {
            proposal: Some(8),
            ..Target::default()
        });
        vote.decision = Some(Decision {
            effect: "dissent".to_owned(),
            rule_ids: vec![],
            label_ids: vec![],
        });
        assert!(vote.check().is_ok());

        let mut settlement = AuditEntry {
            actor: actor.clone(),
            ruleset: Some(RulesetRef {
                id: "r".to_owned(),
                version: 8,
                digest: None,
            }),
            ..AuditEntry::new(AuditKind::Settlement)
        };
        assert!(settlement.check().is_err());
        settlement.decision = vote.decision.clone();
        assert!(settlement.check().is_ok());

        let mut join = AuditEntry {
            actor: actor.clone(),
            ..AuditEntry::new(AuditKind::Membership)
        };
        assert!(join.check().is_err());
        join.target = Some(Target {
            partner: Some("DEU-BSI".to_owned()),
            ..Target::default()
        });
        assert!(join.check().is_ok());

        let mut revoke = AuditEntry {
            actor,
            ..AuditEntry::new(AuditKind::Credential)
        };
        assert!(revoke.check().is_err());
        revoke.target = Some(Target {
            credential: Some("cred-9".to_owned()),
            ..Target::default()
        });
        assert!(revoke.check().is_ok());
    }

    #[test]
    fn the_record_hash_is_the_rfc_9162_leaf_hash() {
        use sha2::Digest;
        let bytes = b"{\"a\":1}";
        let mut with_prefix = vec![0u8];
        with_prefix.extend_from_slice(bytes);
        let expected: [u8; 32] = sha2::Sha256::digest(&with_prefix).into();
        assert_eq!(record_hash(bytes), Sha256(expected));
    }
}
