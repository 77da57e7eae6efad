//! URL query parameters (TAXII 2.1 §3.4 filtering, §3.5 pagination) read into typed filters,
//! per endpoint: each endpoint takes only the parameters its table in §4–§5 lists, and any
//! other parameter is refused by name, so a misspelt filter never silently matches everything.

use stix_model::id::{StixId, check_type_name};
use stix_model::timestamp::parse_instant;

use crate::error::TaxiiError;
use crate::query::{DateAdded, VersionFilter};

/// The endpoints, as far as their query parameters go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Get Objects (§5.4).
    Objects,
    /// Get Object Manifests (§5.3).
    Manifest,
    /// Get An Object (§5.6).
    Object,
    /// Get Object Versions (§5.8).
    Versions,
    /// Delete An Object (§5.7).
    DeleteObject,
    /// Discovery, API root, status, collections, collection, Add Objects: no parameters.
    Plain,
}

impl Endpoint {
    /// The endpoint's name, in error messages and cursor fingerprints.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Objects => "Get Objects",
            Endpoint::Manifest => "Get Object Manifests",
            Endpoint::Object => "Get An Object",
            Endpoint::Versions => "Get Object Versions",
            Endpoint::DeleteObject => "Delete An Object",
            Endpoint::Plain => "this endpoint",
        }
    }

    fn allows(self, param: Param) -> bool {
        use Param::*;
        match self {
            Endpoint::Objects | Endpoint::Manifest => true,
            Endpoint::Object => matches!(
                param,
                AddedAfter | Limit | Next | MatchVersion | MatchSpecVersion
            ),
            Endpoint::Versions => matches!(param, AddedAfter | Limit | Next | MatchSpecVersion),
            Endpoint::DeleteObject => matches!(param, MatchVersion | MatchSpecVersion),
            Endpoint::Plain => false,
        }
    }

    /// `match[version]` when the request gives none: the latest version, except for the
    /// versions endpoint and DELETE, which concern every version.
    pub fn default_versions(self) -> VersionFilter {
        match self {
            Endpoint::Versions | Endpoint::DeleteObject => VersionFilter::all(),
            _ => VersionFilter::last(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    AddedAfter,
    Limit,
    Next,
    MatchId,
    MatchType,
    MatchVersion,
    MatchSpecVersion,
}

impl Param {
    fn from_name(name: &str) -> Option<Param> {
        Some(match name {
            "added_after" => Param::AddedAfter,
            "limit" => Param::Limit,
            "next" => Param::Next,
            "match[id]" => Param::MatchId,
            "match[type]" => Param::MatchType,
            "match[version]" => Param::MatchVersion,
            "match[spec_version]" => Param::MatchSpecVersion,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Param::AddedAfter => "added_after",
            Param::Limit => "limit",
            Param::Next => "next",
            Param::MatchId => "match[id]",
            Param::MatchType => "match[type]",
            Param::MatchVersion => "match[version]",
            Param::MatchSpecVersion => "match[spec_version]",
        }
    }

    /// `match[...]` parameters take comma lists and may be repeated (the lists are joined);
    /// the others take one value.
    fn is_list(self) -> bool {
        matches!(
            self,
            Param::MatchId | Param::MatchType | Param::MatchVersion | Param::MatchSpecVersion
        )
    }
}

/// The query parameters of one request, checked, before endpoint defaults are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    pub added_after: Option<DateAdded>,
    /// The requested page size, clamped to the server's maximum; `None` when not given.
    pub limit: Option<usize>,
    /// The `next` cursor as sent (decoded by [`crate::cursor`]).
    pub next: Option<String>,
    pub ids: Vec<String>,
    pub types: Vec<String>,
    /// `None` when `match[version]` is not given.
    pub versions: Option<VersionFilter>,
    pub spec_versions: Vec<String>,
}

/// Reads the query pairs of a request to `endpoint`. `page_limit` is the largest `limit` the
/// server serves; larger requests are clamped to it (§3.5 lets a server return fewer).
pub fn parse(
    endpoint: Endpoint,
    pairs: &[(String, String)],
    page_limit: usize,
) -> Result<Filters, TaxiiError> {
    let mut filters = Filters::default();
    let mut seen: Vec<Param> = Vec::new();
    for (name, value) in pairs {
        let Some(param) = Param::from_name(name) else {
            return Err(TaxiiError::bad_request(
                "Unknown query parameter",
                format!(
                    "{} takes no query parameter {name:?}{}",
                    endpoint.as_str(),
                    allowed_list(endpoint)
                ),
            ));
        };
        if !endpoint.allows(param) {
            return Err(TaxiiError::bad_request(
                "Query parameter not allowed here",
                format!(
                    "{} does not take {}{}",
                    endpoint.as_str(),
                    param.name(),
                    allowed_list(endpoint)
                ),
            ));
        }
        if !param.is_list() && seen.contains(&param) {
            return Err(invalid(param, "is given more than once"));
        }
        seen.push(param);
        match param {
            Param::AddedAfter => filters.added_after = Some(parse_added_after(value)?),
            Param::Limit => filters.limit = Some(parse_limit(value, page_limit)?),
            Param::Next => {
                if value.is_empty() {
                    return Err(invalid(param, "is empty"));
                }
                filters.next = Some(value.clone());
            }
            Param::MatchId => {
                for item in list_items(param, value)? {
                    StixId::check(item)
                        .map_err(|fault| invalid(param, &format!("value {item:?}: {fault}")))?;
                    filters.ids.push(item.to_owned());
                }
            }
            Param::MatchType => {
                for item in list_items(param, value)? {
                    check_type_name(item)
                        .map_err(|fault| invalid(param, &format!("value {item:?}: {fault}")))?;
                    filters.types.push(item.to_owned());
                }
            }
            Param::MatchVersion => {
                let versions = filters.versions.get_or_insert_with(VersionFilter::default);
                for item in list_items(param, value)? {
                    match item {
                        "all" => versions.all = true,
                        "first" => versions.first = true,
                        "last" => versions.last = true,
                        timestamp => versions.at.push(parse_instant(timestamp).map_err(|_| {
                            invalid(
                                param,
                                &format!(
                                    "value {timestamp:?} is none of last, first, all or a \
                                     timestamp such as 2016-01-01T01:01:01.000Z"
                                ),
                            )
                        })?),
                    }
                }
            }
            Param::MatchSpecVersion => {
                for item in list_items(param, value)? {
                    if !is_spec_version(item) {
                        return Err(invalid(
                            param,
                            &format!("value {item:?} is not a spec version such as 2.1"),
                        ));
                    }
                    filters.spec_versions.push(item.to_owned());
                }
            }
        }
    }
    Ok(filters)
}

fn invalid(param: Param, what: &str) -> TaxiiError {
    TaxiiError::bad_request(
        "Invalid query parameter",
        format!("{} {what}", param.name()),
    )
}

/// `, takes only a, b` for an error message.
fn allowed_list(endpoint: Endpoint) -> String {
    let all = [
        Param::AddedAfter,
        Param::Limit,
        Param::Next,
        Param::MatchId,
        Param::MatchType,
        Param::MatchVersion,
        Param::MatchSpecVersion,
    ];
    let names: Vec<&str> = all
        .into_iter()
        .filter(|p| endpoint.allows(*p))
        .map(Param::name)
        .collect();
    if names.is_empty() {
        " (it takes none)".to_owned()
    } else {
        format!(" (it takes {})", names.join(", "))
    }
}

/// The items of a comma-separated list; an empty list or an empty item is an error.
fn list_items(param: Param, value: &str) -> Result<impl Iterator<Item = &str>, TaxiiError> {
    if value.split(',').any(str::is_empty) {
        return Err(invalid(
            param,
            &format!("{value:?} has an empty item; give a comma-separated list of values"),
        ));
    }
    Ok(value.split(','))
}

/// `added_after`: a timestamp (the TAXII form has microseconds; any STIX timestamp is read).
/// Precision finer than a microsecond is truncated, which keeps "strictly after" exact since
/// dates added are whole microseconds.
fn parse_added_after(value: &str) -> Result<DateAdded, TaxiiError> {
    parse_instant(value)
        .map(DateAdded::from_instant)
        .map_err(|fault| {
            invalid(
                Param::AddedAfter,
                &format!(
                    "value {value:?} is not a timestamp such as 2016-01-01T01:01:01.000000Z ({fault})"
                ),
            )
        })
}

/// `limit`: a positive integer; above `page_limit` it is clamped.
fn parse_limit(value: &str, page_limit: usize) -> Result<usize, TaxiiError> {
    let digits = !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit());
    if !digits || value.bytes().all(|b| b == b'0') {
        return Err(invalid(
            Param::Limit,
            &format!("value {value:?} is not a positive integer"),
        ));
    }
    // All digits: a value too large for usize is simply more than the server serves.
    let requested = value.parse::<usize>().unwrap_or(usize::MAX);
    Ok(requested.min(page_limit.max(1)))
}

/// A spec version: `2.1`, `2.0`, ... (digits, a dot, digits).
fn is_spec_version(value: &str) -> bool {
    value.split_once('.').is_some_and(|(major, minor)| {
        !major.is_empty()
            && !minor.is_empty()
            && major.len() <= 3
            && minor.len() <= 3
            && major.bytes().all(|b| b.is_ascii_digit())
            && minor.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use stix_model::timestamp::Instant;

    use super::*;

    const ID: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";
    const ID2: &str = "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b";

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn parse_objects(list: &[(&str, &str)]) -> Result<Filters, TaxiiError> {
        parse(Endpoint::Objects, &pairs(list), 1000)
    }

    fn description(err: TaxiiError) -> String {
        match err {
            TaxiiError::BadRequest { description, .. } => description,
            other => panic!("expected BadRequest, got {other:?}"),
        }
    }

    #[test]
    fn no_parameters_give_no_filters() {
        assert_eq!(parse_objects(&[]).unwrap(), Filters::default());
    }

    #[test]
    fn unknown_parameters_are_refused_by_name() {
        let text = description(parse_objects(&[("match[colour]", "red")]).unwrap_err());
        assert!(text.contains("\"match[colour]\""), "{text}");
        let text = description(parse_objects(&[("type", "indicator")]).unwrap_err());
        assert!(text.contains("\"type\""), "{text}");
        // Names are exact: TAXII parameter names are lowercase.
        assert!(parse_objects(&[("Limit", "5")]).is_err());
    }

    #[test]
    fn endpoints_without_filters_refuse_every_parameter() {
        let text = description(parse(Endpoint::Plain, &pairs(&[("limit", "5")]), 10).unwrap_err());
        assert!(
            text.contains("limit") && text.contains("takes none"),
            "{text}"
        );
    }

    #[test]
    fn each_endpoint_takes_its_own_parameters() {
        let all = [
            ("added_after", "2016-01-01T00:00:00Z"),
            ("limit", "5"),
            ("next", "x"),
            ("match[id]", ID),
            ("match[type]", "indicator"),
            ("match[version]", "all"),
            ("match[spec_version]", "2.1"),
        ];
        let allowed = |endpoint: Endpoint| -> Vec<&str> {
            all.iter()
                .filter(|pair| parse(endpoint, &pairs(&[**pair]), 10).is_ok())
                .map(|(name, _)| *name)
                .collect()
        };
        assert_eq!(allowed(Endpoint::Objects).len(), 7);
        assert_eq!(allowed(Endpoint::Manifest).len(), 7);
        assert_eq!(
            allowed(Endpoint::Object),
            [
                "added_after",
                "limit",
                "next",
                "match[version]",
                "match[spec_version]"
            ]
        );
        assert_eq!(
            allowed(Endpoint::Versions),
            ["added_after", "limit", "next", "match[spec_version]"]
        );
        assert_eq!(
            allowed(Endpoint::DeleteObject),
            ["match[version]", "match[spec_version]"]
        );
        assert!(allowed(Endpoint::Plain).is_empty());
    }

    #[test]
    fn a_parameter_not_of_this_endpoint_is_named() {
        let err = parse(
            Endpoint::Object,
            &pairs(&[("match[type]", "indicator")]),
            10,
        );
        let text = description(err.unwrap_err());
        assert!(
            text.contains("Get An Object does not take match[type]"),
            "{text}"
        );
    }

    #[test]
    fn limit_is_a_positive_integer_clamped_to_the_page_limit() {
        assert_eq!(parse_objects(&[("limit", "5")]).unwrap().limit, Some(5));
        assert_eq!(
            parse_objects(&[("limit", "1000")]).unwrap().limit,
            Some(1000)
        );
        assert_eq!(
            parse_objects(&[("limit", "1001")]).unwrap().limit,
            Some(1000)
        );
        assert_eq!(
            parse_objects(&[("limit", "99999999999999999999999999")])
                .unwrap()
                .limit,
            Some(1000)
        );
        assert_eq!(parse_objects(&[("limit", "007")]).unwrap().limit, Some(7));
        for bad in ["0", "000", "-1", "+1", "1.5", "", "ten", " 5", "5 "] {
            let text = description(parse_objects(&[("limit", bad)]).unwrap_err());
            assert!(text.starts_with("limit "), "{text}");
        }
    }

    #[test]
    fn single_valued_parameters_may_not_repeat() {
        let text = description(parse_objects(&[("limit", "5"), ("limit", "5")]).unwrap_err());
        assert_eq!(text, "limit is given more than once");
        assert!(
            parse_objects(&[
                ("added_after", "2016-01-01T00:00:00Z"),
                ("added_after", "2017-01-01T00:00:00Z")
            ])
            .is_err()
        );
        assert!(parse_objects(&[("next", "a"), ("next", "b")]).is_err());
    }

    #[test]
    fn added_after_is_a_timestamp() {
        let filters = parse_objects(&[("added_after", "2016-11-01T03:04:05.123456Z")]).unwrap();
        let expected = DateAdded::from_instant(Instant {
            seconds: 1_477_969_445,
            nanos: 123_456_000,
        });
        assert_eq!(filters.added_after, Some(expected));
        // Any precision is read; below a microsecond it is truncated.
        assert!(parse_objects(&[("added_after", "2016-11-01T03:04:05Z")]).is_ok());
        let fine = parse_objects(&[("added_after", "2016-11-01T03:04:05.1234569Z")]).unwrap();
        assert_eq!(fine.added_after, Some(expected));
        for bad in [
            "yesterday",
            "2016-11-01",
            "2016-11-01T03:04:05+01:00",
            "2016-13-01T03:04:05Z",
            "",
        ] {
            let text = description(parse_objects(&[("added_after", bad)]).unwrap_err());
            assert!(text.starts_with("added_after value"), "{text}");
        }
    }

    #[test]
    fn match_id_takes_stix_identifiers() {
        let filters = parse_objects(&[("match[id]", &format!("{ID},{ID2}"))]).unwrap();
        assert_eq!(filters.ids, [ID, ID2]);
        let text = description(parse_objects(&[("match[id]", "indicator--1")]).unwrap_err());
        assert!(
            text.starts_with("match[id] value \"indicator--1\""),
            "{text}"
        );
    }

    #[test]
    fn match_type_takes_type_names() {
        let filters = parse_objects(&[("match[type]", "indicator,x-acme-widget")]).unwrap();
        assert_eq!(filters.types, ["indicator", "x-acme-widget"]);
        for bad in ["Indicator", "in", "indicator--x", "a b c", "ind;cator"] {
            assert!(parse_objects(&[("match[type]", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn match_parameters_repeat_as_one_list() {
        let filters =
            parse_objects(&[("match[type]", "indicator"), ("match[type]", "malware")]).unwrap();
        assert_eq!(filters.types, ["indicator", "malware"]);
    }

    #[test]
    fn comma_lists_refuse_empty_items() {
        for bad in ["", ",", "indicator,", ",indicator", "indicator,,malware"] {
            let text = description(parse_objects(&[("match[type]", bad)]).unwrap_err());
            assert!(text.contains("empty item"), "{text}");
        }
    }

    #[test]
    fn match_version_takes_keywords_and_timestamps() {
        let filters =
            parse_objects(&[("match[version]", "first,last,2016-01-01T00:00:00.000Z")]).unwrap();
        let versions = filters.versions.unwrap();
        assert!(versions.first && versions.last && !versions.all);
        assert_eq!(
            versions.at,
            [parse_instant("2016-01-01T00:00:00Z").unwrap()]
        );
        assert!(
            parse_objects(&[("match[version]", "all")])
                .unwrap()
                .versions
                .unwrap()
                .all
        );
        assert_eq!(parse_objects(&[]).unwrap().versions, None);
        for bad in ["latest", "ALL", "2016-01-01", "last;first"] {
            let text = description(parse_objects(&[("match[version]", bad)]).unwrap_err());
            assert!(text.starts_with("match[version] value"), "{text}");
        }
    }

    #[test]
    fn match_spec_version_takes_versions() {
        let filters = parse_objects(&[("match[spec_version]", "2.0,2.1")]).unwrap();
        assert_eq!(filters.spec_versions, ["2.0", "2.1"]);
        for bad in ["2", "two", "2.", ".1", "2.1.0"] {
            assert!(
                parse_objects(&[("match[spec_version]", bad)]).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn next_is_kept_as_given() {
        assert_eq!(
            parse_objects(&[("next", "abc")]).unwrap().next.as_deref(),
            Some("abc")
        );
        assert!(parse_objects(&[("next", "")]).is_err());
    }

    #[test]
    fn version_defaults_are_per_endpoint() {
        assert_eq!(Endpoint::Objects.default_versions(), VersionFilter::last());
        assert_eq!(Endpoint::Object.default_versions(), VersionFilter::last());
        assert_eq!(Endpoint::Manifest.default_versions(), VersionFilter::last());
        assert_eq!(Endpoint::Versions.default_versions(), VersionFilter::all());
        assert_eq!(
            Endpoint::DeleteObject.default_versions(),
            VersionFilter::all()
        );
    }
}
