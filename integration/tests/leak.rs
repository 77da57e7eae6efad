//! Issue 4, end to end: no withheld object, id, count or timestamp reaches a partner.
//!
//! Six partners of `data/leak-mission.yaml` (DEU: NATO+EU, GBR: NATO+FVEY, AUS: FVEY only,
//! AUT: EU only, NOR: NATO observer, CERT-X: embargoed indicators) post the objects of
//! [`EXPECTED`] under the worked examples of the design note §7.3; each then pages through
//! every endpoint of the real `accord` binary. What each gets must be exactly its row of the
//! table (written by hand from §7.3 and §7.4, not computed by the engine), every page full but
//! the last, the date headers those of released versions, and the raw bytes of every response
//! (body and headers) free of every id, version timestamp and date added it may not see. A
//! withheld object or version is answered exactly as one nobody ever posted (by id, versions,
//! `match[id]`, `match[version]`, status resources, DELETE, marking definitions named in a
//! post), posting a version someone else holds looks like posting a new one, and a partner
//! whose attributes narrow on a running hub loses exactly what it may no longer see.
//!
//! The labels of the worked examples are ISA ACS 3.0 markings mapped into the mission's NATO
//! policy; `accord_label_markings_can_be_posted` shows Accord's own label marking over TAXII.
//! A count channel the hub still has is shown by an ignored test at the end
//! (`dates_added_do_not_count_withheld_versions`); `cursors_do_not_count_withheld_versions`
//! shows one that is closed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::mission::{MissionApp, spawn_mission};
use crate::helpers::stix::{T0, envelope, new_id};
use crate::helpers::{Backend, Caller, ROOT, Reply, objects_path};

both_backends!(
    every_partner_gets_exactly_its_released_versions_on_every_endpoint,
    withheld_objects_and_versions_answer_like_absent_ones,
    reposting_a_version_someone_else_holds_looks_like_posting_a_new_one,
    naming_a_withheld_marking_definition_is_refused_as_naming_an_unknown_one,
    narrowing_a_partner_withholds_what_it_may_no_longer_see,
);

const DEU: &str = "DEU-BSI";
const GBR: &str = "GBR-NCSC";
const AUS: &str = "AUS-ACSC";
const AUT: &str = "AUT-CERT";
const NOR: &str = "NOR-NSM";
const CERTX: &str = "CERT-X";
/// The columns of [`EXPECTED`], in order.
const PARTNERS: [&str; 6] = [DEU, GBR, AUS, AUT, NOR, CERTX];

/// Who may see which object version, one row per version in the order they are posted
/// (`x` released, `.` withheld), derived by hand from the mission's partners and §7.3:
/// baseline (classification, "Releasable To", TLP), ex1 (REL FVEY pinned to FVEY nations),
/// ex2 (AMBER+STRICT: the originator only), ex3 (REL NATO/EU: not to observers), ex4
/// (CERT-X indicators: others after 24 h, i.e. never during this test), and the closure of
/// §7.4 step 7 (a relationship, sighting or report needs every object it references).
/// `name@n` is version n of object `name`; [`corpus`] builds the objects. A granular marking
/// (§7.4 step 6) removes the property it marks for those its label withholds.
const EXPECTED: &str = "
# version        DEU GBR AUS AUT NOR CRX  why
mk-fvey           x   x   x   x   x   x   marking definitions are unmarked: NATO UNCLASSIFIED
mk-nato           x   x   x   x   x   x   (ditto)
mk-nato-eu        x   x   x   x   x   x   (ditto)
ind-multi@1       x   x   x   x   x   x   unmarked
ind-open          x   x   x   x   x   x   unmarked, by DEU
ind-fvey          .   x   x   .   .   .   NATO SECRET REL FVEY by GBR: baseline + ex1 (not FVEY)
mal-multi@1       .   x   .   .   .   .   TLP:AMBER+STRICT by GBR: ex2
ind-nato-secret   x   x   .   .   .   .   NATO SECRET REL NATO: AUS, AUT not NATO; NOR ex3; CERT-X cleared RESTRICTED
mal-amber         x   .   .   .   .   .   TLP:AMBER+STRICT by DEU: ex2
ind-multi@2       .   x   x   .   .   .   REL FVEY, as ind-fvey
ind-amber-aut     .   .   .   x   .   .   TLP:AMBER+STRICT by AUT: ex2
ind-nato-eu       x   x   .   x   .   x   NATO RESTRICTED REL NATO, EU: AUS in neither; NOR ex3
ind-certx         .   .   .   .   .   x   indicator by CERT-X: ex4 embargo
mal-certx         x   x   x   x   x   x   malware by CERT-X: ex4 is for indicators only
rel-fvey          .   x   x   .   .   .   relationship ind-open -> ind-fvey: closure
rel-certx         .   .   .   .   .   x   relationship ind-certx -> mal-certx: closure (embargo)
mal-multi@2       x   x   x   x   x   x   unmarked
sight-nato-eu     x   x   .   x   .   x   sighting of ind-nato-eu: closure
ind-redacted      x   x   x   x   x   x   unmarked, its description AMBER+STRICT by GBR: others get it without
report-open       x   x   x   x   x   x   report of ind-open, mal-certx
report-amber      x   .   .   .   .   .   report of ind-open, mal-amber: closure (strict containers)
ind-multi@3       x   x   .   x   .   x   NATO RESTRICTED REL NATO, EU, as ind-nato-eu
";

const ACCORD_LABEL: &str = "extension-definition--5da5c0ff-af90-41d8-82c2-114a328f01e7";
const ACS_3_0: &str = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce";
const NATO_POLICY: &str = "urn:oid:1.3.26.1.3.1";
const RELEASABLE_TO: &str = "urn:oid:1.3.26.1.4.2";
const TLP_AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
/// The description of `ind-redacted`, for its originator's eyes only.
const REDACTED_SECRET: &str = "GBR only: the source is HUMINT-7";
/// A version timestamp no object has (versions are minutes 1.. of 2024-02-01).
const NEVER_POSTED_VERSION: &str = "2024-02-01T00:59:00.000Z";
/// The page size of every listing: small, so that every listing has several pages.
const LIMIT: usize = 2;

/// (object id, version): `modified`, or `created` for objects without one.
type Key = (String, String);
/// Query parameters.
type Query<'a> = Vec<(&'a str, &'a str)>;

/// What goes into an object version.
enum Body {
    /// A label marking definition: NATO classification, "Releasable To" values. Written as
    /// an ISA ACS 3.0 marking into the mission's NATO policy (`data/leak-nato-policy.yaml`
    /// says why not as Accord's own label marking).
    Label(&'static str, &'static [&'static str]),
    Indicator(&'static [&'static str]),
    Malware(&'static [&'static str]),
    Relationship(&'static str, &'static str),
    /// An unmarked indicator whose description (this text) is marked AMBER+STRICT.
    Redacted(&'static str),
    Sighting(&'static str),
    Report(&'static [&'static str]),
}

/// One posted object version.
struct Version {
    /// Its row in [`EXPECTED`].
    row: &'static str,
    by: &'static str,
    id: String,
    version: String,
    object: Value,
}

impl Version {
    fn key(&self) -> Key {
        (self.id.clone(), self.version.clone())
    }

    fn type_name(&self) -> &str {
        self.object["type"].as_str().unwrap()
    }

    /// The object as `partner` must get it: as posted, but for the granularly marked
    /// description, which only the originator keeps (with the marking that pointed at it).
    fn served(&self, partner: &str) -> Value {
        let mut object = self.object.clone();
        if partner != self.by && object.get("granular_markings").is_some() {
            let map = object.as_object_mut().unwrap();
            map.remove("description");
            map.remove("granular_markings");
        }
        object
    }
}

/// Every object version of the test, in posting order, with fresh ids.
struct Corpus {
    versions: Vec<Version>,
    /// Object name (a row without `@n`) → STIX id.
    ids: BTreeMap<&'static str, String>,
}

impl Corpus {
    /// Adds the next version: its object id is the one of `row`'s object (a new id for a new
    /// object); its version a minute of its own, so that every version timestamp is unique
    /// in the test and can be looked for in responses.
    fn add(&mut self, row: &'static str, by: &'static str, body: Body) {
        let name = row.split('@').next().unwrap();
        let minute = self.versions.len() + 1;
        assert!(minute < 59, "versions are minutes of an hour");
        let version = format!("2024-02-01T00:{minute:02}:00.000Z");
        let type_name = match &body {
            Body::Label(..) => "marking-definition",
            Body::Indicator(_) | Body::Redacted(_) => "indicator",
            Body::Malware(_) => "malware",
            Body::Relationship(..) => "relationship",
            Body::Sighting(_) => "sighting",
            Body::Report(_) => "report",
        };
        let id = self
            .ids
            .entry(name)
            .or_insert_with(|| new_id(type_name))
            .clone();
        let marks = |names: &[&str]| -> Value {
            names
                .iter()
                .map(|name| match *name {
                    "amber+strict" => TLP_AMBER_STRICT.to_owned(),
                    other => self.ids[other].clone(),
                })
                .collect()
        };
        let mut object = json!({
            "type": type_name,
            "spec_version": "2.1",
            "id": id,
            "created": T0,
            "modified": version,
        });
        let fields = match body {
            Body::Label(classification, releasable_to) => {
                // Marking definitions have no `modified`: `created` is their version.
                object["created"] = json!(version);
                object.as_object_mut().unwrap().remove("modified");
                json!({ "extensions": { ACS_3_0: {
                    "extension_type": "property-extension",
                    "identifier": format!("isa:guide.19001.ACS3-{row}"),
                    "create_date_time": "2024-01-01T00:00:00Z",
                    "responsible_entity_custodian": "GBR.NCSC",
                    "policy_reference": NATO_POLICY,
                    "control_set": {
                        "classification": classification,
                        "permitted_nationalities": releasable_to,
                    },
                }}})
            }
            Body::Indicator(markings) => json!({
                "name": row,
                "pattern": format!("[ipv4-addr:value = '198.51.100.{minute}']"),
                "pattern_type": "stix",
                "valid_from": T0,
                "object_marking_refs": marks(markings),
            }),
            Body::Redacted(secret) => json!({
                "name": row,
                "description": secret,
                "pattern": format!("[ipv4-addr:value = '198.51.100.{minute}']"),
                "pattern_type": "stix",
                "valid_from": T0,
                "granular_markings": [{"selectors": ["description"], "marking_ref": TLP_AMBER_STRICT}],
            }),
            Body::Malware(markings) => json!({
                "name": row,
                "is_family": false,
                "object_marking_refs": marks(markings),
            }),
            Body::Relationship(source, target) => json!({
                "relationship_type": "related-to",
                "source_ref": self.ids[source],
                "target_ref": self.ids[target],
            }),
            Body::Sighting(of) => json!({ "sighting_of_ref": self.ids[of] }),
            Body::Report(members) => json!({
                "name": row,
                "published": T0,
                "object_refs": members.iter().map(|m| self.ids[m].clone()).collect::<Vec<_>>(),
            }),
        };
        let map = object.as_object_mut().unwrap();
        for (key, value) in fields.as_object().unwrap() {
            // An empty marking list is no marking list.
            if value.as_array().is_some_and(Vec::is_empty) {
                continue;
            }
            map.insert(key.clone(), value.clone());
        }
        self.versions.push(Version {
            row,
            by,
            id,
            version,
            object,
        });
    }

    fn version(&self, row: &str) -> &Version {
        self.versions
            .iter()
            .find(|v| v.row == row)
            .unwrap_or_else(|| panic!("no version {row}"))
    }

    /// Every object id, once, in posting order of first versions.
    fn object_ids(&self) -> Vec<(String, String)> {
        let mut seen = BTreeSet::new();
        self.versions
            .iter()
            .filter(|v| seen.insert(v.id.clone()))
            .map(|v| (v.id.clone(), v.type_name().to_owned()))
            .collect()
    }
}

/// The objects of [`EXPECTED`], row by row.
fn corpus() -> Corpus {
    let mut c = Corpus {
        versions: Vec::new(),
        ids: BTreeMap::new(),
    };
    c.add("mk-fvey", GBR, Body::Label("SECRET", &["FVEY"]));
    c.add("mk-nato", GBR, Body::Label("SECRET", &["NATO"]));
    c.add(
        "mk-nato-eu",
        GBR,
        Body::Label("RESTRICTED", &["NATO", "EU"]),
    );
    c.add("ind-multi@1", GBR, Body::Indicator(&[]));
    c.add("ind-open", DEU, Body::Indicator(&[]));
    c.add("ind-fvey", GBR, Body::Indicator(&["mk-fvey"]));
    c.add("mal-multi@1", GBR, Body::Malware(&["amber+strict"]));
    c.add("ind-nato-secret", GBR, Body::Indicator(&["mk-nato"]));
    c.add("mal-amber", DEU, Body::Malware(&["amber+strict"]));
    c.add("ind-multi@2", GBR, Body::Indicator(&["mk-fvey"]));
    c.add("ind-amber-aut", AUT, Body::Indicator(&["amber+strict"]));
    c.add("ind-nato-eu", GBR, Body::Indicator(&["mk-nato-eu"]));
    c.add("ind-certx", CERTX, Body::Indicator(&[]));
    c.add("mal-certx", CERTX, Body::Malware(&[]));
    c.add("rel-fvey", GBR, Body::Relationship("ind-open", "ind-fvey"));
    c.add(
        "rel-certx",
        CERTX,
        Body::Relationship("ind-certx", "mal-certx"),
    );
    c.add("mal-multi@2", GBR, Body::Malware(&[]));
    c.add("sight-nato-eu", DEU, Body::Sighting("ind-nato-eu"));
    c.add("ind-redacted", GBR, Body::Redacted(REDACTED_SECRET));
    c.add("report-open", DEU, Body::Report(&["ind-open", "mal-certx"]));
    c.add(
        "report-amber",
        DEU,
        Body::Report(&["ind-open", "mal-amber"]),
    );
    c.add("ind-multi@3", GBR, Body::Indicator(&["mk-nato-eu"]));
    c
}

/// [`EXPECTED`] read: per partner, the versions it may see.
fn expected(corpus: &Corpus) -> BTreeMap<&'static str, BTreeSet<Key>> {
    let rows: Vec<(&str, Vec<bool>)> = EXPECTED
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let mut words = line.split_whitespace();
            let row = words.next().unwrap();
            let marks: Vec<bool> = words
                .take(PARTNERS.len())
                .map(|w| match w {
                    "x" => true,
                    "." => false,
                    other => panic!("row {row}: {other:?} is neither x nor ."),
                })
                .collect();
            assert_eq!(marks.len(), PARTNERS.len(), "row {row}");
            (row, marks)
        })
        .collect();
    let posted: Vec<&str> = corpus.versions.iter().map(|v| v.row).collect();
    let rows_named: Vec<&str> = rows.iter().map(|(row, _)| *row).collect();
    assert_eq!(
        rows_named, posted,
        "EXPECTED and corpus() list the same versions"
    );
    PARTNERS
        .iter()
        .enumerate()
        .map(|(column, partner)| {
            let seen = rows
                .iter()
                .filter(|(_, marks)| marks[column])
                .map(|(row, _)| corpus.version(row).key())
                .collect();
            (*partner, seen)
        })
        .collect()
}

/// A hub running the mission with every version of [`corpus`] posted by its submitter, one
/// envelope each (so that dates added follow the posting order).
struct Fixture {
    hub: MissionApp,
    shared: String,
    corpus: Corpus,
    expected: BTreeMap<&'static str, BTreeSet<Key>>,
    /// The status resource id of each posting, with its poster.
    statuses: Vec<(&'static str, String)>,
}

impl Fixture {
    async fn new(backend: Backend) -> Fixture {
        let mission = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/leak-mission.yaml");
        let hub = spawn_mission(backend, &mission, &PARTNERS).await;
        let shared = hub.collection(&format!("{ROOT}/shared")).to_owned();
        let corpus = corpus();
        let expected = expected(&corpus);
        let mut statuses = Vec::new();
        for version in &corpus.versions {
            let status = hub
                .app
                .as_token(hub.token(version.by))
                .add(&shared, std::slice::from_ref(&version.object))
                .await;
            statuses.push((version.by, status["id"].as_str().unwrap().to_owned()));
        }
        Fixture {
            hub,
            shared,
            corpus,
            expected,
            statuses,
        }
    }

    fn caller(&self, partner: &str) -> Caller<'_> {
        self.hub.app.as_token(self.hub.token(partner))
    }

    /// What `partner` must never read in any response: the ids of the objects it sees no
    /// version of (also as bare UUIDs), the timestamps of the versions it does not see (to
    /// the second, whatever the precision they would be written with), redacted text, and
    /// `withheld_dates`.
    fn forbidden(&self, partner: &str, withheld_dates: &BTreeSet<String>) -> Vec<String> {
        let seen = &self.expected[partner];
        let visible_ids: BTreeSet<&String> = seen.iter().map(|(id, _)| id).collect();
        let mut forbidden: BTreeSet<String> = withheld_dates.clone();
        if partner != self.corpus.version("ind-redacted").by {
            forbidden.insert(REDACTED_SECRET.to_owned());
        }
        for version in &self.corpus.versions {
            if seen.contains(&version.key()) {
                continue;
            }
            forbidden.insert(version.version.get(..19).unwrap().to_owned());
            if !visible_ids.contains(&version.id) {
                forbidden.insert(version.id.clone());
                let uuid = version.id.split_once("--").unwrap().1;
                forbidden.insert(uuid.to_owned());
            }
        }
        forbidden.into_iter().collect()
    }
}

/// Fails if any of `forbidden` occurs in the body or in a header name or value of `reply`.
#[track_caller]
fn assert_no_leak(partner: &str, what: &str, reply: &Reply, forbidden: &[String]) {
    for needle in forbidden {
        assert!(
            !reply.text.contains(needle.as_str()),
            "LEAK to {partner}: {what} has {needle} in its body: {}",
            reply.text
        );
        for (name, value) in &reply.headers {
            let value = String::from_utf8_lossy(value.as_bytes());
            assert!(
                !name.as_str().contains(needle.as_str()) && !value.contains(needle.as_str()),
                "LEAK to {partner}: {what} has {needle} in header {name}: {value}"
            );
        }
    }
}

/// A TAXII timestamp as (seconds part, nanoseconds), so that equal instants compare equal
/// whatever their precision.
fn instant(text: &str) -> (String, u32) {
    let body = text
        .strip_suffix('Z')
        .unwrap_or_else(|| panic!("not UTC: {text}"));
    let (seconds, fraction) = body.split_once('.').unwrap_or((body, ""));
    (
        seconds.to_owned(),
        format!("{fraction:0<9}").get(..9).unwrap().parse().unwrap(),
    )
}

/// What a listing endpoint answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listing {
    /// An envelope (`objects` of STIX objects): objects, object by id.
    Envelope,
    /// A manifest (`objects` of manifest records).
    Manifest,
    /// A versions resource of one object.
    Versions,
}

/// The (id, version) of a STIX object.
fn object_key(object: &Value) -> Key {
    let version = object.get("modified").or_else(|| object.get("created"));
    (
        object["id"].as_str().unwrap().to_owned(),
        version.and_then(Value::as_str).unwrap().to_owned(),
    )
}

/// The (id, version) of each item of a page, and its date added when the page says it.
fn items(listing: Listing, reply: &Reply, object_id: Option<&str>) -> Vec<(Key, Option<String>)> {
    let body = reply.json();
    match listing {
        Listing::Envelope => body["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|o| (object_key(o), None))
            .collect(),
        Listing::Manifest => body["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| {
                let key = (
                    m["id"].as_str().unwrap().to_owned(),
                    m["version"].as_str().unwrap().to_owned(),
                );
                (key, Some(m["date_added"].as_str().unwrap().to_owned()))
            })
            .collect(),
        Listing::Versions => body["versions"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                let key = (
                    object_id.unwrap().to_owned(),
                    v.as_str().unwrap().to_owned(),
                );
                (key, None)
            })
            .collect(),
    }
}

/// Everything one paging through a listing got.
struct Paged {
    keys: Vec<Key>,
    replies: Vec<Reply>,
}

impl Paged {
    fn set(&self) -> BTreeSet<Key> {
        self.keys.iter().cloned().collect()
    }
}

/// Pages through `path` with `query` and `limit` = [`LIMIT`] until `more` is false, checking
/// what a partner could count: every page but the last is full, so there are exactly
/// ⌈n / limit⌉ pages (one when there is nothing); no version comes twice; and each non-empty
/// page's `X-TAXII-Date-Added-First`/`-Last` are the first and last date added (from `dates`,
/// the partner's own manifest) of its items, an empty page having neither.
async fn page(
    caller: &Caller<'_>,
    what: &str,
    path: &str,
    query: &[(&str, &str)],
    listing: Listing,
    object_id: Option<&str>,
    dates: Option<&BTreeMap<Key, String>>,
) -> Paged {
    let limit = LIMIT.to_string();
    let mut keys = Vec::new();
    let mut replies = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut q = query.to_vec();
        q.push(("limit", &limit));
        if let Some(next) = &next {
            q.push(("next", next));
        }
        let reply = caller.get(path, &q).await.expect(200);
        let page = items(listing, &reply, object_id);
        let more = reply.more();
        assert!(page.len() <= LIMIT, "{what}: a page over the limit");
        assert!(
            !more || page.len() == LIMIT,
            "{what}: page {} has {} of {LIMIT} items and says there is more: a short page \
             counts withheld versions: {}",
            replies.len() + 1,
            page.len(),
            reply.text
        );
        let page_dates: Vec<(String, u32)> = page
            .iter()
            .map(|(key, own)| match (own, dates) {
                (Some(date), _) => instant(date),
                (None, Some(dates)) => instant(
                    dates
                        .get(key)
                        .unwrap_or_else(|| panic!("{what}: {key:?} is not in the manifest")),
                ),
                (None, None) => panic!("{what}: no dates to check the headers against"),
            })
            .collect();
        let first = reply.header("X-TAXII-Date-Added-First").map(instant);
        let last = reply.header("X-TAXII-Date-Added-Last").map(instant);
        assert_eq!(
            first,
            page_dates.iter().min().cloned(),
            "{what}: X-TAXII-Date-Added-First of page {}",
            replies.len() + 1
        );
        assert_eq!(
            last,
            page_dates.iter().max().cloned(),
            "{what}: X-TAXII-Date-Added-Last of page {}",
            replies.len() + 1
        );
        for (key, _) in page {
            assert!(!keys.contains(&key), "{what}: {key:?} came twice");
            keys.push(key);
        }
        replies.push(reply);
        if !more {
            break;
        }
        next = Some(
            replies
                .last()
                .and_then(Reply::next)
                .unwrap_or_else(|| panic!("{what}: `more` without `next`")),
        );
    }
    assert_eq!(
        replies.len(),
        keys.len().div_ceil(LIMIT).max(1),
        "{what}: {} versions in limit={LIMIT} pages make ⌈n/limit⌉ pages, no more",
        keys.len()
    );
    Paged { keys, replies }
}

/// Each object of these envelopes is the version posted, as `partner` may get it.
#[track_caller]
fn assert_served_as_posted(f: &Fixture, partner: &str, what: &str, replies: &[Reply]) {
    for object in replies.iter().flat_map(Reply::objects) {
        let key = object_key(&object);
        let posted = f
            .corpus
            .versions
            .iter()
            .find(|v| v.key() == key)
            .unwrap_or_else(|| panic!("{what}: {key:?} was never posted"));
        assert_eq!(object, posted.served(partner), "{what}: {}", posted.row);
    }
}

/// The latest (or, with `first`, the earliest) of each object's versions in `keys`.
fn one_per_object(keys: &BTreeSet<Key>, first: bool) -> BTreeSet<Key> {
    let mut by_id: BTreeMap<&String, &String> = BTreeMap::new();
    for (id, version) in keys {
        let entry = by_id.entry(id).or_insert(version);
        if (first && version < *entry) || (!first && version > *entry) {
            *entry = version;
        }
    }
    by_id
        .into_iter()
        .map(|(id, version)| (id.clone(), version.clone()))
        .collect()
}

fn of_types(corpus: &Corpus, keys: &BTreeSet<Key>, types: &[&str]) -> BTreeSet<Key> {
    keys.iter()
        .filter(|key| {
            corpus
                .versions
                .iter()
                .any(|v| v.key() == **key && types.contains(&v.type_name()))
        })
        .cloned()
        .collect()
}

/// Each partner's manifest of every version: checked against its row and returned with the
/// dates added it reads, with the dates of every version as anyone reads them.
async fn manifests(
    f: &Fixture,
) -> (
    BTreeMap<&'static str, BTreeMap<Key, String>>,
    BTreeMap<Key, BTreeSet<String>>,
) {
    let path = format!("/{ROOT}/collections/{}/manifest/", f.shared);
    let mut per_partner = BTreeMap::new();
    let mut everyone: BTreeMap<Key, BTreeSet<String>> = BTreeMap::new();
    for partner in PARTNERS {
        let what = format!("{partner}: manifest, every version");
        let paged = page(
            &f.caller(partner),
            &what,
            &path,
            &[("match[version]", "all")],
            Listing::Manifest,
            None,
            None,
        )
        .await;
        assert_eq!(paged.set(), f.expected[partner], "{what}");
        let mut dates = BTreeMap::new();
        for reply in &paged.replies {
            for (key, date) in items(Listing::Manifest, reply, None) {
                let date = date.unwrap();
                everyone
                    .entry(key.clone())
                    .or_default()
                    .insert(date.clone());
                dates.insert(key, date);
            }
        }
        per_partner.insert(partner, dates);
    }
    (per_partner, everyone)
}

/// The dates added `partner` must not read: those others read for versions it does not see
/// (none of which it reads for its own).
fn withheld_dates(
    f: &Fixture,
    partner: &str,
    own: &BTreeMap<Key, String>,
    everyone: &BTreeMap<Key, BTreeSet<String>>,
) -> BTreeSet<String> {
    let mine: BTreeSet<&String> = own.values().collect();
    everyone
        .iter()
        .filter(|(key, _)| !f.expected[partner].contains(*key))
        .flat_map(|(_, dates)| dates.iter())
        .filter(|date| !mine.contains(date))
        .cloned()
        .collect()
}

async fn every_partner_gets_exactly_its_released_versions_on_every_endpoint(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (dates, everyone) = manifests(&f).await;
    // The partners page at the same time, as they would.
    let [a, b, c, d, e, g] = PARTNERS.map(|partner| sweep(&f, partner, &dates, &everyone));
    let lists = tokio::join!(a, b, c, d, e, g);
    let collection_lists: BTreeSet<String> =
        [lists.0, lists.1, lists.2, lists.3, lists.4, lists.5].into();
    assert_eq!(
        collection_lists.len(),
        1,
        "every partner lists the same collections: {collection_lists:?}"
    );
}

/// One partner's pass over every endpoint: what it gets is its row of [`EXPECTED`], paged
/// exactly, with no trace of anything else. Returns its list of collections.
async fn sweep(
    f: &Fixture,
    partner: &str,
    dates: &BTreeMap<&'static str, BTreeMap<Key, String>>,
    everyone: &BTreeMap<Key, BTreeSet<String>>,
) -> String {
    let caller = f.caller(partner);
    let objects = objects_path(&f.shared);
    let manifest = format!("/{ROOT}/collections/{}/manifest/", f.shared);
    let own = &dates[partner];
    let forbidden = f.forbidden(partner, &withheld_dates(f, partner, own, everyone));
    let all = &f.expected[partner];
    let mut replies: Vec<(String, Reply)> = Vec::new();

    // Discovery, the API root, the collections: the same for every partner.
    for path in ["/taxii2/".to_owned(), format!("/{ROOT}/")] {
        let reply = caller.get(&path, &[]).await.expect(200);
        replies.push((format!("GET {path}"), reply));
    }
    let list = caller.collections().await.expect(200);
    let mut collections: Vec<Value> = list.json()["collections"].as_array().unwrap().clone();
    collections.sort_by_key(|c| c["alias"].as_str().unwrap_or_default().to_owned());
    assert_eq!(collections.len(), 2, "{partner}: {}", list.text);
    for collection in &collections {
        let id = collection["id"].as_str().unwrap();
        let reply = caller.collection(id).await.expect(200);
        assert_eq!(reply.json(), collection, "{partner}: collection {id}");
        replies.push((format!("collection {id}"), reply));
    }
    replies.push(("collections".to_owned(), list));
    let bulletin = f.hub.collection(&format!("{ROOT}/bulletin"));
    for path in [
        objects_path(bulletin),
        format!("/{ROOT}/collections/{bulletin}/manifest/"),
    ] {
        let reply = caller.get(&path, &[]).await.expect(200);
        assert!(
            reply.json()["objects"].is_null(),
            "{partner}: {path} is empty"
        );
        replies.push((format!("GET {path}"), reply));
    }

    // Listings of the shared collection, paged.
    let middle = {
        let mut sorted: Vec<&String> = own.values().collect();
        sorted.sort_by_key(|d| instant(d));
        sorted[sorted.len() / 2].clone()
    };
    let after = |keys: &BTreeSet<Key>| -> BTreeSet<Key> {
        keys.iter()
            .filter(|key| instant(&own[*key]) > instant(&middle))
            .cloned()
            .collect()
    };
    let last = one_per_object(all, false);
    // Every id anyone posted, in one filter.
    let every_id = f
        .corpus
        .object_ids()
        .into_iter()
        .map(|(id, _)| id)
        .collect::<Vec<_>>()
        .join(",");
    // (endpoint, query, what it answers with, the versions it must give)
    let listings: Vec<(&str, Query<'_>, Listing, BTreeSet<Key>)> = vec![
        ("objects", vec![], Listing::Envelope, last.clone()),
        (
            "objects",
            vec![("match[version]", "last")],
            Listing::Envelope,
            last.clone(),
        ),
        (
            "objects",
            vec![("match[version]", "all")],
            Listing::Envelope,
            all.clone(),
        ),
        (
            "objects",
            vec![("match[version]", "first")],
            Listing::Envelope,
            one_per_object(all, true),
        ),
        (
            "objects",
            vec![("match[type]", "indicator")],
            Listing::Envelope,
            of_types(&f.corpus, &last, &["indicator"]),
        ),
        (
            "objects",
            vec![("match[type]", "indicator"), ("match[version]", "all")],
            Listing::Envelope,
            of_types(&f.corpus, all, &["indicator"]),
        ),
        (
            "objects",
            vec![("match[type]", "relationship,sighting,report")],
            Listing::Envelope,
            of_types(&f.corpus, &last, &["relationship", "sighting", "report"]),
        ),
        (
            "objects",
            vec![("added_after", &middle)],
            Listing::Envelope,
            after(&last),
        ),
        (
            "objects",
            vec![("added_after", &middle), ("match[version]", "all")],
            Listing::Envelope,
            after(all),
        ),
        (
            "objects",
            vec![("match[id]", &every_id), ("match[version]", "all")],
            Listing::Envelope,
            all.clone(),
        ),
        (
            "objects",
            vec![("match[spec_version]", "2.1")],
            Listing::Envelope,
            last.clone(),
        ),
        ("manifest", vec![], Listing::Manifest, last.clone()),
        (
            "manifest",
            vec![("match[id]", &every_id)],
            Listing::Manifest,
            last.clone(),
        ),
        (
            "manifest",
            vec![("match[version]", "all")],
            Listing::Manifest,
            all.clone(),
        ),
        (
            "manifest",
            vec![
                ("match[type]", "indicator,malware"),
                ("match[version]", "all"),
            ],
            Listing::Manifest,
            of_types(&f.corpus, all, &["indicator", "malware"]),
        ),
        (
            "manifest",
            vec![("added_after", &middle), ("match[version]", "all")],
            Listing::Manifest,
            after(all),
        ),
    ];
    for (endpoint, query, listing, expected) in listings {
        let path = if endpoint == "objects" {
            &objects
        } else {
            &manifest
        };
        let what = format!("{partner}: {endpoint} {query:?}");
        let paged = page(&caller, &what, path, &query, listing, None, Some(own)).await;
        assert_eq!(paged.set(), expected, "{what}");
        if listing == Listing::Envelope {
            assert_served_as_posted(f, partner, &what, &paged.replies);
        }
        replies.extend(paged.replies.into_iter().map(|r| (what.clone(), r)));
    }

    // Every object anyone posted, by id, for those it sees (the others are in
    // `withheld_objects_and_versions_answer_like_absent_ones`).
    for (id, _) in f.corpus.object_ids() {
        let versions: BTreeSet<Key> = all.iter().filter(|(i, _)| *i == id).cloned().collect();
        if versions.is_empty() {
            continue;
        }
        let path = format!("{objects}{id}/");
        for (query, expected) in [
            (vec![], one_per_object(&versions, false)),
            (vec![("match[version]", "all")], versions.clone()),
            (
                vec![("match[version]", "first")],
                one_per_object(&versions, true),
            ),
        ] {
            let what = format!("{partner}: object {id} {query:?}");
            let paged = page(
                &caller,
                &what,
                &path,
                &query,
                Listing::Envelope,
                None,
                Some(own),
            )
            .await;
            assert_eq!(paged.set(), expected, "{what}");
            assert_served_as_posted(f, partner, &what, &paged.replies);
            replies.extend(paged.replies.into_iter().map(|r| (what.clone(), r)));
        }
        let what = format!("{partner}: versions of {id}");
        let paged = page(
            &caller,
            &what,
            &format!("{path}versions/"),
            &[],
            Listing::Versions,
            Some(&id),
            Some(own),
        )
        .await;
        // Oldest first, as the versions were posted.
        assert_eq!(
            paged.keys,
            versions.into_iter().collect::<Vec<_>>(),
            "{what}"
        );
        replies.extend(paged.replies.into_iter().map(|r| (what.clone(), r)));
    }

    for (what, reply) in &replies {
        assert_no_leak(partner, what, reply, &forbidden);
    }
    serde_json::to_string(&collections).unwrap()
}

/// A reply reduced to what a client could compare: status, headers but `date` (with
/// `replace` written as `<id>`), and body (likewise).
fn observable(reply: &Reply, replace: &[&str]) -> (u16, Vec<(String, String)>, String) {
    let hide = |text: &str| {
        replace
            .iter()
            .fold(text.to_owned(), |text, r| text.replace(r, "<id>"))
    };
    let mut headers: Vec<(String, String)> = reply
        .headers
        .iter()
        .filter(|(name, _)| name.as_str() != "date")
        .map(|(name, value)| {
            (
                name.as_str().to_owned(),
                hide(&String::from_utf8_lossy(value.as_bytes())),
            )
        })
        .collect();
    headers.sort();
    (reply.status, headers, hide(&reply.text))
}

/// The requests by which a partner could ask about one object id.
fn probes(objects: &str, manifest: &str, id: &str) -> Vec<(String, Vec<(String, String)>)> {
    let q = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    };
    vec![
        (format!("{objects}{id}/"), vec![]),
        (format!("{objects}{id}/"), q(&[("match[version]", "all")])),
        (format!("{objects}{id}/"), q(&[("match[version]", "first")])),
        (format!("{objects}{id}/versions/"), vec![]),
        (objects.to_owned(), q(&[("match[id]", id)])),
        (
            objects.to_owned(),
            q(&[("match[id]", id), ("match[version]", "all")]),
        ),
        (manifest.to_owned(), q(&[("match[id]", id)])),
        (
            manifest.to_owned(),
            q(&[("match[id]", id), ("match[version]", "all")]),
        ),
    ]
}

async fn get(caller: &Caller<'_>, path: &str, query: &[(String, String)]) -> Reply {
    let query: Vec<(&str, &str)> = query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    caller.get(path, &query).await
}

async fn withheld_objects_and_versions_answer_like_absent_ones(backend: Backend) {
    let f = Fixture::new(backend).await;
    let (dates, everyone) = manifests(&f).await;
    let [a, b, c, d, e, g] = PARTNERS.map(|partner| probe_withheld(&f, partner, &dates, &everyone));
    tokio::join!(a, b, c, d, e, g);

    // Another partner's status resource (which names what it posted) is one nobody issued.
    for partner in PARTNERS {
        let caller = f.caller(partner);
        for (poster, status) in f.statuses.iter().filter(|(by, _)| *by != partner) {
            let absent = uuid::Uuid::new_v4().to_string();
            let theirs = caller.status(status).await;
            let none = caller.status(&absent).await;
            assert_eq!(
                observable(&theirs, &[status]),
                observable(&none, &[&absent]),
                "{partner}: GET the status of a posting by {poster}"
            );
        }
    }

    // Deleting what one may not see deletes nothing, and says so as for a never-posted id.
    for partner in PARTNERS {
        let caller = f.caller(partner);
        for (id, type_name) in f.corpus.object_ids() {
            if f.expected[partner].iter().any(|(i, _)| *i == id) {
                continue;
            }
            let absent = new_id(&type_name);
            let withheld = caller.delete_object(&f.shared, &id, &[]).await;
            let none = caller.delete_object(&f.shared, &absent, &[]).await;
            assert_eq!(
                observable(&withheld, &[&id]),
                observable(&none, &[&absent]),
                "{partner}: DELETE a withheld object"
            );
        }
    }
    // Every partner still gets exactly its row.
    manifests(&f).await;
}

/// Every question `partner` can ask about an object or a version it may not see, answered
/// as the same question about one nobody posted.
async fn probe_withheld(
    f: &Fixture,
    partner: &str,
    dates: &BTreeMap<&'static str, BTreeMap<Key, String>>,
    everyone: &BTreeMap<Key, BTreeSet<String>>,
) {
    let caller = f.caller(partner);
    let objects = objects_path(&f.shared);
    let manifest = format!("/{ROOT}/collections/{}/manifest/", f.shared);
    let forbidden = f.forbidden(
        partner,
        &withheld_dates(f, partner, &dates[partner], everyone),
    );
    let seen = &f.expected[partner];
    for (id, type_name) in f.corpus.object_ids() {
        let versions: Vec<&String> = seen
            .iter()
            .filter(|(i, _)| *i == id)
            .map(|(_, v)| v)
            .collect();
        if versions.is_empty() {
            // Withheld: every question about it is answered as about an id nobody posted.
            let absent = new_id(&type_name);
            let asked = probes(&objects, &manifest, &id);
            let control = probes(&objects, &manifest, &absent);
            for ((path, query), (absent_path, absent_query)) in asked.iter().zip(&control) {
                let what = format!("{partner}: GET {path} {query:?} (withheld)");
                let withheld = get(&caller, path, query).await;
                let none = get(&caller, absent_path, absent_query).await;
                assert_eq!(
                    observable(&withheld, &[&id]),
                    observable(&none, &[&absent]),
                    "{what} differs from the same request for a never-posted id"
                );
                assert_no_leak(partner, &what, &withheld, &forbidden);
            }
            // And that answer is "not found" where TAXII has one.
            get(&caller, &control[0].0, &[])
                .await
                .expect_taxii_error(404);
            get(&caller, &control[3].0, &[])
                .await
                .expect_taxii_error(404);
            continue;
        }
        // Seen in part: a withheld version is answered as a version nobody posted.
        for version in f.corpus.versions.iter().filter(|v| v.id == id) {
            if versions.contains(&&version.version) {
                continue;
            }
            for (path, query) in [
                (format!("{objects}{id}/"), vec![]),
                (objects.clone(), vec![("match[id]", id.as_str())]),
                (manifest.clone(), vec![("match[id]", id.as_str())]),
            ] {
                let ask = |v: &str| -> Vec<(String, String)> {
                    query
                        .iter()
                        .chain(&[("match[version]", v)])
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect()
                };
                let what = format!("{partner}: GET {path} version {} (withheld)", version.row);
                let withheld = get(&caller, &path, &ask(&version.version)).await;
                let none = get(&caller, &path, &ask(NEVER_POSTED_VERSION)).await;
                assert_eq!(
                    observable(&withheld, &[&version.version]),
                    observable(&none, &[NEVER_POSTED_VERSION]),
                    "{what} differs from a version nobody posted"
                );
                assert_no_leak(partner, &what, &withheld, &forbidden);
            }
        }
    }
}

/// The versions [`EXPECTED`] gives AUT and CERT-X that they lose when AUT leaves the EU
/// (its communities become `PFP`) and CERT-X's NATO clearance drops to UNCLASSIFIED: REL
/// NATO, EU at RESTRICTED reaches neither any more, nor what references it.
const NARROWED: [(&str, &str); 6] = [
    (AUT, "ind-nato-eu"),
    (AUT, "sight-nato-eu"),
    (AUT, "ind-multi@3"),
    (CERTX, "ind-nato-eu"),
    (CERTX, "sight-nato-eu"),
    (CERTX, "ind-multi@3"),
];

/// Attributes change while the server runs (`accord partner set`): every partner then gets
/// exactly its row less [`NARROWED`], on every endpoint, and what it lost answers as absent.
async fn narrowing_a_partner_withholds_what_it_may_no_longer_see(backend: Backend) {
    let mut f = Fixture::new(backend).await;
    manifests(&f).await;
    f.hub
        .app
        .admin(&["partner", "set", AUT, "--community", "PFP"])
        .await;
    f.hub
        .app
        .admin(&["partner", "set", CERTX, "--clearance", "NATO=UNCLASSIFIED"])
        .await;
    for (partner, row) in NARROWED {
        let key = f.corpus.version(row).key();
        assert!(f.expected.get_mut(partner).unwrap().remove(&key), "{row}");
    }
    let (dates, everyone) = manifests(&f).await;
    let f = &f;
    let [a, b, c, d, e, g] = PARTNERS.map(|partner| async {
        sweep(f, partner, &dates, &everyone).await;
        probe_withheld(f, partner, &dates, &everyone).await;
    });
    tokio::join!(a, b, c, d, e, g);
}

/// A status resource with what differs between any two posts (its id, its time, the object
/// ids) written as placeholders.
fn status_shape(status: &Value) -> Value {
    let mut shape = status.clone();
    let map = shape.as_object_mut().unwrap();
    map.remove("id");
    map.remove("request_timestamp");
    for list in ["successes", "failures", "pendings"] {
        if let Some(Value::Array(items)) = map.get_mut(list) {
            for item in items {
                item["id"] = json!("<id>");
            }
        }
    }
    shape
}

async fn post_observed(caller: &Caller<'_>, collection: &str, object: &Value) -> Reply {
    let body = serde_json::to_vec(&envelope(std::slice::from_ref(object))).unwrap();
    let request = caller
        .request(Method::POST, &objects_path(collection), &[])
        .header("Content-Type", crate::helpers::TAXII)
        .body(body);
    Reply::from(request).await
}

async fn reposting_a_version_someone_else_holds_looks_like_posting_a_new_one(backend: Backend) {
    let f = Fixture::new(backend).await;
    // Each re-post is compared with a post of a fresh id of the same type, content and
    // version, by the same partner: what the poster reads back must be the same.
    let amber = f.corpus.version("mal-amber");
    let aut_amber = f.corpus.version("ind-amber-aut");
    let mut changed = aut_amber.object.clone();
    changed["name"] = json!("NOR's own");
    let cases = [
        // AUT re-posts DEU's AMBER+STRICT malware, byte for byte.
        (AUT, amber.object.clone()),
        // NOR posts other content under the id and version of AUT's AMBER+STRICT indicator.
        (NOR, changed.clone()),
    ];
    for (partner, repost) in &cases {
        let caller = f.caller(partner);
        let mut fresh = repost.clone();
        fresh["id"] = json!(new_id(repost["type"].as_str().unwrap()));
        let held_id = repost["id"].as_str().unwrap();
        let fresh_id = fresh["id"].as_str().unwrap();
        let new_post = post_observed(&caller, &f.shared, &fresh).await;
        let re_post = post_observed(&caller, &f.shared, repost).await;
        let what = format!("{partner} posting {held_id}, held by another partner");
        assert_eq!(new_post.status, 202, "{}", new_post.text);
        assert_eq!(
            (re_post.status, status_shape(re_post.json())),
            (new_post.status, status_shape(new_post.json())),
            "{what}: the status differs from a new object's"
        );
        assert_eq!(
            re_post.json()["success_count"],
            1,
            "{what}: {}",
            re_post.text
        );
        let header_names = |reply: &Reply| -> BTreeSet<String> {
            reply
                .headers
                .keys()
                .map(|n| n.as_str().to_owned())
                .collect()
        };
        assert_eq!(header_names(&re_post), header_names(&new_post), "{what}");
        assert_eq!(re_post.content_type(), new_post.content_type(), "{what}");
        // Asked again later, the status resources agree too.
        let status_of = |reply: &Reply| reply.json()["id"].as_str().unwrap().to_owned();
        let later_re = caller.status(&status_of(&re_post)).await.expect(200);
        let later_new = caller.status(&status_of(&new_post)).await.expect(200);
        assert_eq!(
            status_shape(later_re.json()),
            status_shape(later_new.json()),
            "{what}: GET status"
        );
        // The poster reads back what it posted, as it reads its fresh object.
        for (id, sent) in [(held_id, repost), (fresh_id, &fresh)] {
            let own = caller.get_object(&f.shared, id, &[]).await.expect(200);
            assert_eq!(
                own.objects(),
                [sent.clone()],
                "{what}: {partner} reads {id}"
            );
            let versions = caller.versions(&f.shared, id, &[]).await.expect(200);
            assert_eq!(
                versions.json()["versions"],
                json!([sent["modified"]]),
                "{what}: {partner}'s versions of {id}"
            );
        }
    }

    // The holders keep exactly their own version; nobody else gets either copy.
    for (holder, held) in [(DEU, amber), (AUT, aut_amber)] {
        let reply = f
            .caller(holder)
            .get_object(&f.shared, &held.id, &[])
            .await
            .expect(200);
        assert_eq!(
            reply.objects(),
            [held.object.clone()],
            "{holder} keeps its own"
        );
        let versions = f
            .caller(holder)
            .versions(&f.shared, &held.id, &[])
            .await
            .expect(200);
        assert_eq!(
            versions.json()["versions"],
            json!([held.version]),
            "{holder}"
        );
    }
    for partner in [GBR, AUS, CERTX] {
        let caller = f.caller(partner);
        for held in [amber, aut_amber] {
            let absent = new_id(held.type_name());
            let withheld = caller.get_object(&f.shared, &held.id, &[]).await;
            let none = caller.get_object(&f.shared, &absent, &[]).await;
            assert_eq!(
                observable(&withheld, &[&held.id]),
                observable(&none, &[&absent]),
                "{partner} reads {} after the re-posts",
                held.row
            );
        }
    }
    // A re-poster sees only its own copy, not the holder's nor another re-poster's.
    let nor = f.caller(NOR).get_object(&f.shared, &amber.id, &[]).await;
    let absent = new_id("malware");
    let none = f.caller(NOR).get_object(&f.shared, &absent, &[]).await;
    assert_eq!(
        observable(&nor, &[&amber.id]),
        observable(&none, &[&absent]),
        "NOR reads DEU's or AUT's copy of mal-amber"
    );
}

/// A marking definition is an object like any: one a partner may not see is, when that
/// partner names it in an object it posts, refused exactly as a marking nobody posted.
async fn naming_a_withheld_marking_definition_is_refused_as_naming_an_unknown_one(
    backend: Backend,
) {
    let f = Fixture::new(backend).await;
    let marking = new_id("marking-definition");
    let statement = json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking,
        "created": T0,
        "definition_type": "statement",
        "definition": {"statement": "Handle via DEU-BSI channels only"},
        // DEU's own (ex2).
        "object_marking_refs": [TLP_AMBER_STRICT],
    });
    f.caller(DEU).add(&f.shared, &[statement]).await;
    let absent = new_id("marking-definition");
    let marked = |id: &str, marking: &str| {
        let mut object = f.corpus.version("ind-open").object.clone();
        object["id"] = json!(id);
        object["object_marking_refs"] = json!([marking]);
        object
    };
    for partner in [GBR, AUS, AUT, NOR, CERTX] {
        let caller = f.caller(partner);
        let (a, b) = (new_id("indicator"), new_id("indicator"));
        let withheld = post_observed(&caller, &f.shared, &marked(&a, &marking)).await;
        let none = post_observed(&caller, &f.shared, &marked(&b, &absent)).await;
        let what = format!("{partner} naming DEU's AMBER+STRICT marking definition");
        assert_eq!(
            withheld.json()["failure_count"],
            1,
            "{what}: {}",
            withheld.text
        );
        let shape = |reply: &Reply, ids: &[&str]| {
            let text = serde_json::to_string(&status_shape(reply.json())).unwrap();
            ids.iter().fold(text, |text, id| text.replace(id, "<id>"))
        };
        assert_eq!(
            (withheld.status, shape(&withheld, &[&a, &marking])),
            (none.status, shape(&none, &[&b, &absent])),
            "{what}"
        );
        // What the marking says stays with those who may see it.
        assert_no_leak(partner, &what, &withheld, &["DEU-BSI channels".to_owned()]);
    }
    // DEU, which sees it, may use it.
    f.caller(DEU)
        .add(&f.shared, &[marked(&new_id("indicator"), &marking)])
        .await;
}

/// The label marking of the design note §7.1 ("NATO SECRET REL FVEY" as an Accord label
/// marking, the form `release-rules` documents and its worked-example tests use) is accepted
/// over TAXII, and labels what references it.
// Was a bug: the version property was called `v`, shorter than the 3 characters STIX 2.1
// requires of extension property names, so no Accord label could reach the hub over TAXII.
#[tokio::test]
async fn accord_label_markings_can_be_posted() {
    let f = Fixture::new(Backend::Sqlite).await;
    let marking = new_id("marking-definition");
    let definition = json!({
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": marking,
        "created": T0,
        "extensions": { ACCORD_LABEL: {
            "extension_type": "property-extension",
            "label_version": 1,
            "policy": {"id": NATO_POLICY},
            "classification": {"name": "SECRET"},
            "categories": [{"tag_set": RELEASABLE_TO, "values": ["FVEY"]}],
        }},
    });
    let indicator = new_id("indicator");
    let mut object = f.corpus.version("ind-open").object.clone();
    object["id"] = json!(indicator);
    object["object_marking_refs"] = json!([marking]);
    let status = f
        .caller(GBR)
        .post_envelope(&f.shared, &envelope(&[definition, object]))
        .await
        .expect(202);
    assert_eq!(status.json()["success_count"], 2, "{}", status.text);
    for (partner, sees) in [(GBR, true), (AUS, true), (DEU, false), (NOR, false)] {
        let reply = f
            .caller(partner)
            .get_object(&f.shared, &indicator, &[])
            .await;
        assert_eq!(reply.status == 200, sees, "{partner}: {}", reply.text);
    }
}

/// Like `both_backends!`, for tests that show a leak the hub still has: ignored, with the
/// leak described, until it is fixed.
macro_rules! leak_on_both_backends {
    ($name:ident, $leak:literal) => {
        mod $name {
            #[tokio::test]
            #[ignore = $leak]
            async fn sqlite() {
                super::$name(crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            #[ignore = $leak]
            async fn postgres() {
                super::$name(crate::helpers::Backend::Postgres).await
            }
        }
    };
}

/// Like `both_backends!`, for a rule shown by a test of its own module (a leak fixed since).
macro_rules! shown_on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::helpers::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name(crate::helpers::Backend::Postgres).await
            }
        }
    };
}

// Was a leak: the cursor carried the global row number of `objects` in clear, so two
// consecutive cursors were 1 + (versions withheld between them) apart. Cursors are now sealed
// with the hub's key (taxii/src/cursor.rs).
shown_on_both_backends!(cursors_do_not_count_withheld_versions);

leak_on_both_backends!(
    dates_added_do_not_count_withheld_versions,
    "leak: the versions of one envelope get dates added now, now+1µs, now+2µs, … \
     (hub/src/store/plan.rs Planner::next_date_added), so the dates added of two released \
     versions of an envelope, in manifests and X-TAXII-Date-Added-*, differ by 1 µs + 1 µs \
     per version withheld between them"
);

/// base64url without padding, decoded (`None` if `text` is not that).
fn base64url(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// What a partner reads where the cursor layout keeps the row position (`version (1) |
/// date_added (8) | seq (8) | …`; in clear in layout 1, masked since layout 2).
fn cursor_seq(next: &str) -> Option<i64> {
    let bytes = base64url(next)?;
    Some(i64::from_be_bytes(bytes.get(9..17)?.try_into().ok()?))
}

/// Paging one version at a time, a partner gets a cursor after each version it sees; what two
/// consecutive cursors carry must not tell it how many versions it does not see were stored
/// between the two (here: the versions of the corpus posted between them).
async fn cursors_do_not_count_withheld_versions(backend: Backend) {
    let f = Fixture::new(backend).await;
    let objects = objects_path(&f.shared);
    let posted: Vec<Key> = f.corpus.versions.iter().map(Version::key).collect();
    let mut pairs_with_withheld_between = 0;
    for partner in PARTNERS {
        let caller = f.caller(partner);
        let mut rows: Vec<(Key, Option<i64>)> = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let mut query = vec![("match[version]", "all"), ("limit", "1")];
            if let Some(next) = &next {
                query.push(("next", next));
            }
            let reply = caller.get(&objects, &query).await.expect(200);
            let page = items(Listing::Envelope, &reply, None);
            next = reply.next();
            for (key, _) in page {
                rows.push((key, next.as_deref().and_then(cursor_seq)));
            }
            if !reply.more() {
                break;
            }
        }
        for pair in rows.windows(2) {
            let [(before, Some(from)), (after, Some(to))] = pair else {
                continue;
            };
            let start = posted.iter().position(|k| k == before).unwrap();
            let end = posted.iter().position(|k| k == after).unwrap();
            let withheld = posted[start + 1..end]
                .iter()
                .filter(|k| !f.expected[partner].contains(*k))
                .count();
            if withheld == 0 {
                continue;
            }
            pairs_with_withheld_between += 1;
            // Masked fields are 64 random bits: their distance wraps.
            let apart = to.wrapping_sub(*from);
            assert_ne!(
                apart,
                withheld as i64 + 1,
                "LEAK to {partner}: the cursors after {before:?} and {after:?} are {apart} rows \
                 apart: {withheld} versions it may not see lie between"
            );
        }
    }
    assert!(
        pairs_with_withheld_between > 0,
        "the corpus withholds versions between released ones"
    );
}

/// A TAXII timestamp as microseconds since midnight of its day (enough to compare two dates
/// added a few microseconds apart).
fn micros_of_day(text: &str) -> i64 {
    let (seconds, nanos) = instant(text);
    let time = seconds.split_once('T').unwrap().1;
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().unwrap()).collect();
    ((hms[0] * 60 + hms[1]) * 60 + hms[2]) * 1_000_000 + i64::from(nanos / 1_000)
}

/// Versions posted in one envelope: a partner that sees the first and the last, and not the
/// three between, must not learn from their dates added that three lie between.
async fn dates_added_do_not_count_withheld_versions(backend: Backend) {
    let f = Fixture::new(backend).await;
    let mut objects: Vec<Value> = Vec::new();
    for n in 0..5 {
        let mut object = f.corpus.version("ind-open").object.clone();
        object["id"] = json!(new_id("indicator"));
        if (1..4).contains(&n) {
            // DEU's own (ex2): withheld from NOR.
            object["object_marking_refs"] = json!([TLP_AMBER_STRICT]);
        }
        objects.push(object);
    }
    f.caller(DEU).add(&f.shared, &objects).await;
    let first = objects[0]["id"].as_str().unwrap();
    let last = objects[4]["id"].as_str().unwrap();
    let date_of = |reply: &Reply, id: &str| -> i64 {
        let date = items(Listing::Manifest, reply, None)
            .into_iter()
            .find(|((i, _), _)| i == id)
            .and_then(|(_, date)| date)
            .unwrap_or_else(|| panic!("{id} not in {}", reply.text));
        micros_of_day(&date)
    };
    let manifest = format!("/{ROOT}/collections/{}/manifest/", f.shared);
    let query = [("match[id]", &*format!("{first},{last}"))];
    let nor = f.caller(NOR).get(&manifest, &query).await.expect(200);
    assert_eq!(nor.json()["objects"].as_array().unwrap().len(), 2);
    assert_ne!(
        date_of(&nor, last) - date_of(&nor, first),
        4,
        "LEAK to {NOR}: dates added 4 µs apart count the 3 versions withheld between: {}",
        nor.text
    );
}
