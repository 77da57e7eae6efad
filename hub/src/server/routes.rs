//! The TAXII 2.1 routes (§4, §5) and the probes. Each handler authenticates, reads its inputs
//! from the request, calls the matching `taxii::service` function and turns the
//! [`TaxiiResponse`] into an HTTP response; every failure becomes an [`ApiError`].
//!
//! The specification's URLs end with `/`; each route also answers without it.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use futures_util::StreamExt as _;
use taxii::TaxiiError;
use taxii::ids::ApiRootName;
use taxii::service::{self, Request, TaxiiResponse, Upload};
use taxii::store::{Principal, Store};

use super::AppState;
use super::error::ApiError;

/// Registers every route on an actix `App`.
pub fn configure<S: Store + 'static>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(["/healthz", "/healthz/"])
            .route(web::get().to(healthz))
            .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource(["/readyz", "/readyz/"])
            .route(web::get().to(readyz::<S>))
            .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource(["/taxii2/", "/taxii2"])
            .route(web::get().to(discovery::<S>))
            .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource(["/{api_root}/", "/{api_root}"])
            .route(web::get().to(api_root::<S>))
            .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource([
            "/{api_root}/status/{status_id}/",
            "/{api_root}/status/{status_id}",
        ])
        .route(web::get().to(status::<S>))
        .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource(["/{api_root}/collections/", "/{api_root}/collections"])
            .route(web::get().to(collections::<S>))
            .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource([
            "/{api_root}/collections/{collection}/",
            "/{api_root}/collections/{collection}",
        ])
        .route(web::get().to(collection::<S>))
        .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource([
            "/{api_root}/collections/{collection}/manifest/",
            "/{api_root}/collections/{collection}/manifest",
        ])
        .route(web::get().to(manifest::<S>))
        .default_service(web::to(not_allowed_get)),
    )
    .service(
        web::resource([
            "/{api_root}/collections/{collection}/objects/",
            "/{api_root}/collections/{collection}/objects",
        ])
        .route(web::get().to(get_objects::<S>))
        .route(web::post().to(add_objects::<S>))
        .default_service(web::to(not_allowed_get_post)),
    )
    .service(
        web::resource([
            "/{api_root}/collections/{collection}/objects/{object}/",
            "/{api_root}/collections/{collection}/objects/{object}",
        ])
        .route(web::get().to(get_object::<S>))
        .route(web::delete().to(delete_object::<S>))
        .default_service(web::to(not_allowed_get_delete)),
    )
    .service(
        web::resource([
            "/{api_root}/collections/{collection}/objects/{object}/versions/",
            "/{api_root}/collections/{collection}/objects/{object}/versions",
        ])
        .route(web::get().to(object_versions::<S>))
        .default_service(web::to(not_allowed_get)),
    );
}

/// Everything under no route: a TAXII 404.
pub async fn no_route() -> HttpResponse {
    ApiError::NoRoute.error_response()
}

async fn not_allowed_get() -> HttpResponse {
    ApiError::MethodNotAllowed { allow: "GET" }.error_response()
}

async fn not_allowed_get_post() -> HttpResponse {
    ApiError::MethodNotAllowed { allow: "GET, POST" }.error_response()
}

async fn not_allowed_get_delete() -> HttpResponse {
    ApiError::MethodNotAllowed {
        allow: "GET, DELETE",
    }
    .error_response()
}

/// `GET /healthz`: the process is up. No authentication.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(r#"{"status":"ok"}"#)
}

/// `GET /readyz`: the store answers. No authentication.
async fn readyz<S: Store>(state: web::Data<AppState<S>>) -> HttpResponse {
    match state.store.api_roots().await {
        Ok(_) => HttpResponse::Ok()
            .content_type("application/json")
            .body(r#"{"status":"ready"}"#),
        Err(error) => {
            tracing::warn!(%error, "not ready: the store does not answer");
            HttpResponse::ServiceUnavailable()
                .content_type("application/json")
                .body(r#"{"status":"unavailable"}"#)
        }
    }
}

/// What every TAXII handler reads from a request besides its path.
struct Inputs {
    principal: Principal,
    accept: Option<String>,
    query: Vec<(String, String)>,
}

impl Inputs {
    async fn read<S: Store>(state: &AppState<S>, req: &HttpRequest) -> Result<Inputs, ApiError> {
        let principal = state.auth.authenticate(&state.store, req).await?;
        tracing::Span::current().record("partner", principal.partner_id.as_str());
        let accept = joined(req.headers(), header::ACCEPT)?;
        let query = web::Query::<Vec<(String, String)>>::from_query(req.query_string())
            .map_err(|e| {
                TaxiiError::bad_request("Invalid query string", format!("the query string: {e}"))
            })?
            .into_inner();
        Ok(Inputs {
            principal,
            accept,
            query,
        })
    }

    fn request(&self) -> Request<'_> {
        Request {
            principal: &self.principal,
            accept: self.accept.as_deref(),
            query: &self.query,
        }
    }
}

/// A header's value, its lines joined with `", "` (RFC 9110 §5.3); `None` when absent.
fn joined(headers: &HeaderMap, name: header::HeaderName) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(&name).peekable();
    if values.peek().is_none() {
        return Ok(None);
    }
    let mut text = String::new();
    for value in values {
        let part = value.to_str().map_err(|_| {
            TaxiiError::bad_request(
                "Invalid header",
                format!("the {name} header is not visible ASCII"),
            )
        })?;
        if !text.is_empty() {
            text.push_str(", ");
        }
        text.push_str(part);
    }
    Ok(Some(text))
}

/// The HTTP response of a TAXII response.
fn respond(response: TaxiiResponse) -> HttpResponse {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let mut builder = HttpResponse::build(status);
    builder.insert_header((
        header::CONTENT_TYPE,
        HeaderValue::from_static(response.content_type),
    ));
    if let Some(first) = response.date_added_first {
        builder.insert_header(("X-TAXII-Date-Added-First", first.to_string()));
    }
    if let Some(last) = response.date_added_last {
        builder.insert_header(("X-TAXII-Date-Added-Last", last.to_string()));
    }
    builder.body(response.body)
}

/// The base URL clients reached this server by, for the discovery resource's API root URLs.
fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

async fn discovery<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let response = service::discovery(
        &state.store,
        &state.taxii,
        &base_url(&req),
        &inputs.request(),
    )
    .await?;
    Ok(respond(response))
}

async fn api_root<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let response = service::api_root(&state.store, &state.taxii, &path, &inputs.request()).await?;
    Ok(respond(response))
}

async fn status<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, id) = path.into_inner();
    let response =
        service::status(&state.store, &state.taxii, &root, &id, &inputs.request()).await?;
    Ok(respond(response))
}

async fn collections<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let response =
        service::collections(&state.store, &state.taxii, &path, &inputs.request()).await?;
    Ok(respond(response))
}

async fn collection<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, collection) = path.into_inner();
    let response = service::collection(
        &state.store,
        &state.taxii,
        &root,
        &collection,
        &inputs.request(),
    )
    .await?;
    Ok(respond(response))
}

async fn manifest<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, collection) = path.into_inner();
    let response = service::manifest(
        &state.store,
        &state.taxii,
        &root,
        &collection,
        &inputs.request(),
    )
    .await?;
    Ok(respond(response))
}

async fn get_objects<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, collection) = path.into_inner();
    let response = service::get_objects(
        &state.store,
        &state.taxii,
        &root,
        &collection,
        &inputs.request(),
    )
    .await?;
    Ok(respond(response))
}

/// `POST …/objects/`: everything that can refuse the request without its body (credentials,
/// the API root, `Accept`, `Content-Type`, `Content-Length`) is decided before the body is
/// read, and a body without a length is read only up to the limit.
async fn add_objects<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, collection) = path.into_inner();
    let content_type = joined(req.headers(), header::CONTENT_TYPE)?;
    let root_name = ApiRootName::parse(&root)?;
    let record = state
        .store
        .api_root(&root_name)
        .await?
        .ok_or(TaxiiError::NotFound)?;
    taxii::media_type::negotiate(inputs.accept.as_deref())?;
    taxii::media_type::check_content_type(content_type.as_deref())?;
    let limit = record
        .max_content_length
        .min(state.limits.max_content_length);
    let too_large = || ApiError::Taxii(TaxiiError::PayloadTooLarge { limit });
    let declared = declared_length(req.headers())?;
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let capacity = declared.unwrap_or(0).min(limit);
    let mut body = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            TaxiiError::bad_request("Unreadable request body", format!("the request body: {e}"))
        })?;
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    let upload = Upload {
        content_type: content_type.as_deref(),
        body: &body,
        status_id: taxii::StatusId::from_uuid(uuid::Uuid::new_v4()),
    };
    let response = service::add_objects(
        &state.store,
        &state.taxii,
        &root,
        &collection,
        &inputs.request(),
        &upload,
    )
    .await?;
    Ok(respond(response))
}

/// The `Content-Length` of a request, if it declares one; a malformed one is a 400.
fn declared_length(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::CONTENT_LENGTH) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::Taxii(TaxiiError::bad_request(
                "Invalid Content-Length",
                "Content-Length is not a number",
            ))
        })
}

async fn get_object<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, collection, object) = path.into_inner();
    let response = service::get_object(
        &state.store,
        &state.taxii,
        &root,
        &collection,
        &object,
        &inputs.request(),
    )
    .await?;
    Ok(respond(response))
}

async fn delete_object<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, collection, object) = path.into_inner();
    let response = service::delete_object(
        &state.store,
        &state.taxii,
        &root,
        &collection,
        &object,
        &inputs.request(),
    )
    .await?;
    Ok(respond(response))
}

async fn object_versions<S: Store>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    let inputs = Inputs::read(&state, &req).await?;
    let (root, collection, object) = path.into_inner();
    let response = service::object_versions(
        &state.store,
        &state.taxii,
        &root,
        &collection,
        &object,
        &inputs.request(),
    )
    .await?;
    Ok(respond(response))
}
