//! The TAXII 2.1 endpoints as plain async functions over a [`Store`]: they take what the web
//! layer read from the request (path segments, query pairs, the `Accept` and `Content-Type`
//! values, the body, the authenticated principal) and return the response to send, so that
//! they know nothing of the web framework and the protocol rules live here once.
//!
//! Each function checks, in this order: the media types, the query parameters, the resource
//! and the requester's access, then talks to the store. Errors are [`TaxiiError`]s; the hub
//! chooses their HTTP status.

use stix_model::Validator;
use stix_model::id::StixId;

use crate::cursor::{self, CursorKey, Fingerprint, Scope};
use crate::error::TaxiiError;
use crate::ids::{ApiRootName, CollectionId, StatusId};
use crate::ingest::{self, Ingested};
use crate::media_type;
use crate::params::{self, Endpoint};
use crate::query::{DateAdded, ObjectQuery, Position, VersionFilter};
use crate::resources::{self, ApiRoot, Collection, Collections, Discovery, Status};
use crate::store::{Access, CollectionRecord, Principal, Store, StoreError, Submission};

/// What to send back: the status (200 or 202), the media type, the body, and the
/// `X-TAXII-Date-Added-First` / `-Last` header values when the response lists object versions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxiiResponse {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub date_added_first: Option<DateAdded>,
    pub date_added_last: Option<DateAdded>,
}

/// Server-wide settings the endpoints need.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The discovery resource's `title`, `description` and `contact`.
    pub title: String,
    pub description: Option<String>,
    pub contact: Option<String>,
    /// The discovery resource's `default` API root, when it exists.
    pub default_api_root: Option<ApiRootName>,
    /// The largest `limit` a client may ask for, and the page size when it asks for none.
    pub page_limit: usize,
    /// The most objects one envelope may carry.
    pub max_envelope_objects: usize,
    /// The longest string value an object may hold, in bytes.
    pub max_string_length: usize,
    /// The largest request body, in bytes (the web layer enforces it before reading; this is
    /// the second line).
    pub max_content_length: u64,
    /// How posted objects are validated.
    pub validator: Validator,
    /// What `next` cursors are sealed with; the hub sets its database's key so that every
    /// process on one database reads every other's cursors.
    pub cursor_key: CursorKey,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            title: "Accord".to_owned(),
            description: None,
            contact: None,
            default_api_root: ApiRootName::parse("default").ok(),
            page_limit: 1000,
            max_envelope_objects: 10_000,
            max_string_length: ingest::DEFAULT_MAX_STRING_LENGTH,
            max_content_length: 104_857_600,
            validator: Validator::default(),
            cursor_key: CursorKey::random(),
        }
    }
}

/// What every request carries: who asks, what it accepts, and its query parameters
/// (percent-decoded, in order, repeated names kept).
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub principal: &'a Principal,
    /// The `Accept` header value; several header lines joined with `", "`. `None` when absent.
    pub accept: Option<&'a str>,
    pub query: &'a [(String, String)],
}

/// The body of an Add Objects request and the id its status resource gets (ids are minted by
/// the caller, so that this crate needs no randomness).
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    /// The `Content-Type` header value, `None` when absent.
    pub content_type: Option<&'a str>,
    pub body: &'a [u8],
    pub status_id: StatusId,
}

/// `GET /taxii2/` (TAXII 2.1 §4.1). `base_url` is the server's URL without a trailing slash
/// (`https://hub.example:6363`); API root URLs are built on it.
pub async fn discovery<S: Store>(
    store: &S,
    settings: &Settings,
    base_url: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    params::parse(Endpoint::Plain, request.query, settings.page_limit)?;
    let roots = store.api_roots().await?;
    let base = base_url.trim_end_matches('/');
    let url = |name: &ApiRootName| format!("{base}/{name}/");
    let default = settings
        .default_api_root
        .as_ref()
        .filter(|name| roots.iter().any(|r| &r.name == *name))
        .map(url);
    let resource = Discovery {
        title: settings.title.clone(),
        description: settings.description.clone(),
        contact: settings.contact.clone(),
        default,
        api_roots: roots.iter().map(|r| url(&r.name)).collect(),
    };
    Ok(ok(content_type, resources::to_body(&resource)))
}

/// `GET /{api-root}/` (§4.2).
pub async fn api_root<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    params::parse(Endpoint::Plain, request.query, settings.page_limit)?;
    let name = ApiRootName::parse(api_root)?;
    let mut record = store.api_root(&name).await?.ok_or(TaxiiError::NotFound)?;
    // The server-wide limit caps every root's: advertise what is enforced.
    record.max_content_length = record.max_content_length.min(settings.max_content_length);
    Ok(ok(
        content_type,
        resources::to_body(&ApiRoot::from_record(&record)),
    ))
}

/// `GET /{api-root}/status/{status-id}/` (§4.3). A status lists what a partner posted, so only
/// that partner sees it; to anyone else it does not exist.
pub async fn status<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    status_id: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    params::parse(Endpoint::Plain, request.query, settings.page_limit)?;
    let name = ApiRootName::parse(api_root)?;
    let id = StatusId::parse(status_id)?;
    let record = store
        .status(&name, id)
        .await?
        .filter(|r| r.submitter == request.principal.partner_id)
        .ok_or(TaxiiError::NotFound)?;
    Ok(ok(
        content_type,
        resources::to_body(&Status::from_record(&record)),
    ))
}

/// `GET /{api-root}/collections/` (§5.1): the collections the requester can read or write.
pub async fn collections<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    params::parse(Endpoint::Plain, request.query, settings.page_limit)?;
    let name = ApiRootName::parse(api_root)?;
    // An unknown API root is a 404, not an empty list.
    store.api_root(&name).await?.ok_or(TaxiiError::NotFound)?;
    let all = store
        .collections(&name, &request.principal.partner_id)
        .await?;
    let resource = Collections {
        collections: all
            .iter()
            .filter(|(_, access)| access.is_visible())
            .map(|(record, access)| Collection::from_record(record, *access))
            .collect(),
    };
    Ok(ok(content_type, resources::to_body(&resource)))
}

/// `GET /{api-root}/collections/{id}/` (§5.2).
pub async fn collection<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    params::parse(Endpoint::Plain, request.query, settings.page_limit)?;
    let name = ApiRootName::parse(api_root)?;
    let id = CollectionId::parse(collection_id)?;
    let (record, access) = visible_collection(store, &name, id, request.principal).await?;
    Ok(ok(
        content_type,
        resources::to_body(&Collection::from_record(&record, access)),
    ))
}

/// `GET /{api-root}/collections/{id}/manifest/` (§5.3).
pub async fn manifest<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    let name = ApiRootName::parse(api_root)?;
    let id = CollectionId::parse(collection_id)?;
    let listing = listing(
        &Scope {
            endpoint: Endpoint::Manifest,
            collection: id,
            object_id: None,
        },
        request.query,
        settings.page_limit,
        settings.cursor_key,
    )?;
    readable_collection(store, &name, id, request.principal).await?;
    let page = store
        .manifest(id, request.principal, &listing.query)
        .await?;
    Ok(paged(
        content_type,
        &page.items,
        page.more,
        listing.fingerprint,
        |r| r.position,
        resources::manifest_body,
    ))
}

/// `GET /{api-root}/collections/{id}/objects/` (§5.4).
pub async fn get_objects<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    let name = ApiRootName::parse(api_root)?;
    let id = CollectionId::parse(collection_id)?;
    let listing = listing(
        &Scope {
            endpoint: Endpoint::Objects,
            collection: id,
            object_id: None,
        },
        request.query,
        settings.page_limit,
        settings.cursor_key,
    )?;
    readable_collection(store, &name, id, request.principal).await?;
    let page = store.objects(id, request.principal, &listing.query).await?;
    Ok(paged(
        content_type,
        &page.items,
        page.more,
        listing.fingerprint,
        |r| r.position,
        resources::envelope_body,
    ))
}

/// `POST /{api-root}/collections/{id}/objects/` (§5.5): 202 with the status resource. The
/// envelope is stored in one transaction with its status; a bad object fails alone.
pub async fn add_objects<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    request: &Request<'_>,
    upload: &Upload<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    media_type::check_content_type(upload.content_type)?;
    params::parse(Endpoint::Plain, request.query, settings.page_limit)?;
    let name = ApiRootName::parse(api_root)?;
    let id = CollectionId::parse(collection_id)?;
    if upload.body.len() as u64 > settings.max_content_length {
        return Err(TaxiiError::PayloadTooLarge {
            limit: settings.max_content_length,
        });
    }
    let (_, access) = visible_collection(store, &name, id, request.principal).await?;
    if !access.can_write {
        return Err(TaxiiError::Forbidden(format!(
            "partner {} may not write to collection {id}",
            request.principal.partner_id
        )));
    }
    let Ingested { objects, refused } = read_upload(settings, upload)?;
    let submission = Submission {
        status_id: upload.status_id,
        api_root: name,
        collection: id,
        submitter: request.principal.clone(),
        objects,
        refused,
    };
    let status = store
        .submit(vec![submission])
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| StoreError::Backend("submit returned no status resource".to_owned()))?;
    Ok(TaxiiResponse {
        status: 202,
        ..ok(
            content_type,
            resources::to_body(&Status::from_record(&status)),
        )
    })
}

/// Reads and validates an Add Objects body: the CPU-bound part of a POST, pure, for a caller
/// that wants to run it off the I/O threads.
pub fn read_upload(settings: &Settings, upload: &Upload<'_>) -> Result<Ingested, TaxiiError> {
    ingest::read_envelope_with(
        upload.body,
        &settings.validator,
        &ingest::Limits {
            max_objects: settings.max_envelope_objects,
            max_string_length: settings.max_string_length,
        },
    )
}

/// `GET /{api-root}/collections/{id}/objects/{object-id}/` (§5.6): the object's versions that
/// match, in an envelope. 404 when the collection has no such object; an object whose
/// versions the filters all exclude gives an empty envelope.
pub async fn get_object<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    object_id: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let (content_type, id, object_id, listing) = object_listing(
        store,
        settings,
        api_root,
        collection_id,
        object_id,
        Endpoint::Object,
        request,
    )
    .await?;
    let page = store.objects(id, request.principal, &listing.query).await?;
    if page.items.is_empty() && listing.query.after.is_none() {
        require_object(store, id, request.principal, &object_id).await?;
    }
    Ok(paged(
        content_type,
        &page.items,
        page.more,
        listing.fingerprint,
        |r| r.position,
        resources::envelope_body,
    ))
}

/// `DELETE /{api-root}/collections/{id}/objects/{object-id}/` (§5.7): 200 with an empty body.
/// Needs both read and write access. Without `match[version]` every version goes.
pub async fn delete_object<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    object_id: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    let filters = params::parse(Endpoint::DeleteObject, request.query, settings.page_limit)?;
    let name = ApiRootName::parse(api_root)?;
    let id = CollectionId::parse(collection_id)?;
    let object_id = object_id_of(object_id)?;
    let (_, access) = visible_collection(store, &name, id, request.principal).await?;
    if !(access.can_read && access.can_write) {
        return Err(TaxiiError::Forbidden(format!(
            "deleting from collection {id} needs read and write access, which partner {} does \
             not have",
            request.principal.partner_id
        )));
    }
    let versions = filters
        .versions
        .unwrap_or_else(|| Endpoint::DeleteObject.default_versions());
    let deleted = store
        .delete_object(
            id,
            request.principal,
            object_id.as_str(),
            &versions,
            &filters.spec_versions,
        )
        .await?;
    if deleted == 0 {
        require_object(store, id, request.principal, &object_id).await?;
    }
    Ok(ok(content_type, Vec::new()))
}

/// `GET /{api-root}/collections/{id}/objects/{object-id}/versions/` (§5.8): the object's
/// versions in date-added order, oldest first. 404 when the collection has no such object.
pub async fn object_versions<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    object_id: &str,
    request: &Request<'_>,
) -> Result<TaxiiResponse, TaxiiError> {
    let (content_type, id, object_id, listing) = object_listing(
        store,
        settings,
        api_root,
        collection_id,
        object_id,
        Endpoint::Versions,
        request,
    )
    .await?;
    let page = store
        .manifest(id, request.principal, &listing.query)
        .await?;
    if page.items.is_empty() && listing.query.after.is_none() {
        require_object(store, id, request.principal, &object_id).await?;
    }
    Ok(paged(
        content_type,
        &page.items,
        page.more,
        listing.fingerprint,
        |r| r.position,
        resources::versions_body,
    ))
}

/// What the two per-object listings (object by id, versions) read before asking the store:
/// the response type, the collection, the object id and the listing, once the requester is
/// known to be able to read the collection.
async fn object_listing<S: Store>(
    store: &S,
    settings: &Settings,
    api_root: &str,
    collection_id: &str,
    object_id: &str,
    endpoint: Endpoint,
    request: &Request<'_>,
) -> Result<(&'static str, CollectionId, StixId, Listing), TaxiiError> {
    let content_type = media_type::negotiate(request.accept)?;
    let name = ApiRootName::parse(api_root)?;
    let id = CollectionId::parse(collection_id)?;
    let object_id = object_id_of(object_id)?;
    let listing = listing(
        &Scope {
            endpoint,
            collection: id,
            object_id: Some(object_id.as_str()),
        },
        request.query,
        settings.page_limit,
        settings.cursor_key,
    )?;
    readable_collection(store, &name, id, request.principal).await?;
    Ok((content_type, id, object_id, listing))
}

/// A listing request read: what to ask the store, and the fingerprint its cursors carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub query: ObjectQuery,
    pub fingerprint: Fingerprint,
}

/// Reads the query parameters of a listing endpoint (objects, manifest, object, versions) into
/// the store query: endpoint defaults applied, `limit` clamped, the object of the path as the
/// only id, and a `next` cursor checked against the same filters.
pub fn listing(
    scope: &Scope<'_>,
    pairs: &[(String, String)],
    page_limit: usize,
    cursor_key: CursorKey,
) -> Result<Listing, TaxiiError> {
    let filters = params::parse(scope.endpoint, pairs, page_limit)?;
    let page_limit = page_limit.max(1);
    let ids = match scope.object_id {
        Some(id) => vec![id.to_owned()],
        None => filters.ids,
    };
    let versions = match scope.endpoint {
        // Every version is listed; match[version] is not a filter of this endpoint.
        Endpoint::Versions => VersionFilter::all(),
        endpoint => filters
            .versions
            .unwrap_or_else(|| endpoint.default_versions()),
    };
    let mut query = ObjectQuery {
        added_after: filters.added_after,
        after: None,
        limit: filters.limit.unwrap_or(page_limit).min(page_limit),
        ids,
        types: filters.types,
        versions,
        spec_versions: filters.spec_versions,
    };
    let fingerprint = Fingerprint::of(cursor_key, scope, &query);
    if let Some(next) = &filters.next {
        query.after = Some(cursor::decode(next, fingerprint)?);
    }
    Ok(Listing { query, fingerprint })
}

/// The response for one page of rows: the body written by `write`, `next` when more rows
/// match, and the date-added headers of the rows returned.
pub fn paged<T>(
    content_type: &'static str,
    items: &[T],
    more: bool,
    fingerprint: Fingerprint,
    position: impl Fn(&T) -> Position,
    write: impl Fn(&[T], bool, Option<&str>) -> Vec<u8>,
) -> TaxiiResponse {
    let first = items.first().map(&position);
    let last = items.last().map(&position);
    // `more` without a cursor to follow would send a client round in circles.
    let next = last
        .filter(|_| more)
        .map(|last| cursor::encode(last, fingerprint));
    TaxiiResponse {
        date_added_first: first.map(|p| p.date_added),
        date_added_last: last.map(|p| p.date_added),
        ..ok(content_type, write(items, next.is_some(), next.as_deref()))
    }
}

fn ok(content_type: &'static str, body: Vec<u8>) -> TaxiiResponse {
    TaxiiResponse {
        status: 200,
        content_type,
        body,
        date_added_first: None,
        date_added_last: None,
    }
}

/// The object id of a path: a STIX identifier, or no object at all.
fn object_id_of(text: &str) -> Result<StixId, TaxiiError> {
    StixId::parse(text).map_err(|_| TaxiiError::NotFound)
}

/// A collection the requester can see (read or write); any other is not found.
async fn visible_collection<S: Store>(
    store: &S,
    api_root: &ApiRootName,
    id: CollectionId,
    principal: &Principal,
) -> Result<(CollectionRecord, Access), TaxiiError> {
    store
        .collection(api_root, id, &principal.partner_id)
        .await?
        .filter(|(_, access)| access.is_visible())
        .ok_or(TaxiiError::NotFound)
}

/// A collection the requester may read: 404 when it cannot see it, 403 when it may only write.
async fn readable_collection<S: Store>(
    store: &S,
    api_root: &ApiRootName,
    id: CollectionId,
    principal: &Principal,
) -> Result<(CollectionRecord, Access), TaxiiError> {
    let (record, access) = visible_collection(store, api_root, id, principal).await?;
    if access.can_read {
        Ok((record, access))
    } else {
        Err(TaxiiError::Forbidden(format!(
            "partner {} may not read collection {id}",
            principal.partner_id
        )))
    }
}

/// 404 unless the collection holds some version of the object that the requester may see
/// (asked only when a request matched nothing, to tell an unknown object from one the filters
/// exclude; a withheld object is an unknown one).
async fn require_object<S: Store>(
    store: &S,
    collection: CollectionId,
    reader: &Principal,
    object_id: &StixId,
) -> Result<(), TaxiiError> {
    let probe = ObjectQuery {
        added_after: None,
        after: None,
        limit: 1,
        ids: vec![object_id.as_str().to_owned()],
        types: Vec::new(),
        versions: VersionFilter::all(),
        spec_versions: Vec::new(),
    };
    let page = store.manifest(collection, reader, &probe).await?;
    if page.items.is_empty() {
        Err(TaxiiError::NotFound)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    const KEY: CursorKey = CursorKey::from_bytes([3; 32]);

    use serde_json::value::RawValue;
    use uuid::Uuid;

    use super::*;
    use crate::media_type::TAXII_2_1;
    use crate::store::ObjectRecord;

    const OBJECT: &str = "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f";

    fn scope(endpoint: Endpoint, object_id: Option<&str>) -> Scope<'_> {
        Scope {
            endpoint,
            collection: CollectionId::from_uuid(Uuid::from_u128(9)),
            object_id,
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn record(micros: i64) -> ObjectRecord {
        ObjectRecord {
            position: Position {
                date_added: DateAdded(micros),
                seq: micros * 10,
            },
            raw: RawValue::from_string(format!("{{\"n\":{micros}}}")).unwrap(),
        }
    }

    fn page(items: &[ObjectRecord], more: bool, fingerprint: Fingerprint) -> TaxiiResponse {
        paged(
            TAXII_2_1,
            items,
            more,
            fingerprint,
            |r| r.position,
            resources::envelope_body,
        )
    }

    fn next_of(response: &TaxiiResponse) -> Option<String> {
        let value: serde_json::Value = serde_json::from_slice(&response.body).unwrap();
        value
            .get("next")
            .and_then(|n| n.as_str())
            .map(str::to_owned)
    }

    #[test]
    fn listing_applies_endpoint_defaults() {
        let objects = listing(&scope(Endpoint::Objects, None), &[], 1000, KEY).unwrap();
        assert_eq!(objects.query.limit, 1000);
        assert_eq!(objects.query.versions, VersionFilter::last());
        assert_eq!(objects.query.after, None);
        assert!(objects.query.ids.is_empty() && objects.query.spec_versions.is_empty());

        let versions = listing(&scope(Endpoint::Versions, Some(OBJECT)), &[], 1000, KEY).unwrap();
        assert_eq!(versions.query.versions, VersionFilter::all());
        assert_eq!(versions.query.ids, [OBJECT]);
    }

    #[test]
    fn object_endpoints_ask_for_the_object_of_the_path() {
        let query = pairs(&[("match[version]", "first")]);
        let object = listing(&scope(Endpoint::Object, Some(OBJECT)), &query, 10, KEY).unwrap();
        assert_eq!(object.query.ids, [OBJECT]);
        assert!(object.query.versions.first && !object.query.versions.last);
    }

    #[test]
    fn limit_is_clamped_to_the_page_limit() {
        let query = pairs(&[("limit", "50")]);
        assert_eq!(
            listing(&scope(Endpoint::Objects, None), &query, 10, KEY)
                .unwrap()
                .query
                .limit,
            10
        );
        assert_eq!(
            listing(&scope(Endpoint::Objects, None), &query, 100, KEY)
                .unwrap()
                .query
                .limit,
            50
        );
    }

    #[test]
    fn next_resumes_after_the_last_row_of_the_page() {
        let query = pairs(&[("match[type]", "indicator"), ("limit", "2")]);
        let first = listing(&scope(Endpoint::Objects, None), &query, 1000, KEY).unwrap();
        let response = page(&[record(5), record(7)], true, first.fingerprint);
        let next = next_of(&response).unwrap();
        // The next request may change `limit`, and need not repeat it at all.
        let follow = pairs(&[("match[type]", "indicator"), ("next", &next)]);
        let second = listing(&scope(Endpoint::Objects, None), &follow, 1000, KEY).unwrap();
        assert_eq!(
            second.query.after,
            Some(Position {
                date_added: DateAdded(7),
                seq: 70
            })
        );
        assert_eq!(second.query.limit, 1000);
    }

    #[test]
    fn next_with_other_filters_is_a_bad_request() {
        let first = listing(&scope(Endpoint::Objects, None), &[], 1000, KEY).unwrap();
        let next = next_of(&page(&[record(1)], true, first.fingerprint)).unwrap();
        let follow = pairs(&[("match[type]", "malware"), ("next", &next)]);
        assert!(matches!(
            listing(&scope(Endpoint::Objects, None), &follow, 1000, KEY),
            Err(TaxiiError::BadRequest { .. })
        ));
        // Nor on another endpoint.
        let follow = pairs(&[("next", &next)]);
        assert!(listing(&scope(Endpoint::Manifest, None), &follow, 1000, KEY).is_err());
    }

    #[test]
    fn pages_carry_date_added_of_their_first_and_last_rows() {
        let fp = listing(&scope(Endpoint::Objects, None), &[], 10, KEY)
            .unwrap()
            .fingerprint;
        let response = page(&[record(3), record(4), record(8)], false, fp);
        assert_eq!(response.status, 200);
        assert_eq!(response.content_type, TAXII_2_1);
        assert_eq!(response.date_added_first, Some(DateAdded(3)));
        assert_eq!(response.date_added_last, Some(DateAdded(8)));
        assert_eq!(next_of(&response), None);
        assert_eq!(
            response.body,
            b"{\"more\":false,\"objects\":[{\"n\":3},{\"n\":4},{\"n\":8}]}"
        );
    }

    #[test]
    fn empty_pages_have_no_headers_and_no_more() {
        let fp = listing(&scope(Endpoint::Objects, None), &[], 10, KEY)
            .unwrap()
            .fingerprint;
        // A store claiming more with no rows cannot give a cursor; `more` would loop clients.
        let response = page(&[], true, fp);
        assert_eq!(response.date_added_first, None);
        assert_eq!(response.date_added_last, None);
        assert_eq!(response.body, b"{\"more\":false}");
    }
}
