//! The settlement admin API (issue 5), authenticated like the other admin endpoints:
//!
//! - `GET /admin/v1/settlement/base`: what a proposal builds on (rule set in force: id,
//!   version, digest; membership epoch and members; registered keys).
//! - `POST /admin/v1/proposals`: `{"proposal": <Proposal::to_json>, "signature": "<JWS>"}`,
//!   the proposer's detached JWS over the canonical statement → 201 with the proposal.
//! - `GET /admin/v1/proposals`: every proposal, newest first.
//! - `GET /admin/v1/proposals/{n}`: one proposal with its record (tally as of now while open).
//! - `POST /admin/v1/proposals/{n}/attestations`: an attestation as signed (`proposal`,
//!   `partner`, `decision`, `reason`, `at`, `jws: [...]`) → 200 with the proposal after it.
//!
//! Any authenticated partner may read and relay: the authority of a statement is its
//! signature, checked against the keys registered to the partner it names, never the bearer
//! credential (which is recorded as who relayed it). A statement that does not verify is a
//! 400 naming the partner, the key and what failed.

use actix_web::{HttpRequest, HttpResponse, web};
use release_rules::settlement::Attestation;
use serde_json::{Value, json};
use taxii::TaxiiError;
use taxii::store::{Principal, Store};

use super::AppState;
use super::admin::ReleaseAdmin;
use super::error::ApiError;
use crate::store::{StoreAdminError, system_clock};

/// Registers the settlement routes.
pub fn configure<S: Store + ReleaseAdmin + 'static>(cfg: &mut web::ServiceConfig) {
    let not_allowed = |allow: &'static str| {
        web::to(move || async move {
            actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed { allow })
        })
    };
    cfg.service(
        web::resource(["/admin/v1/settlement/base", "/admin/v1/settlement/base/"])
            .route(web::get().to(base::<S>))
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource(["/admin/v1/proposals", "/admin/v1/proposals/"])
            .route(web::get().to(list::<S>))
            .route(web::post().to(propose::<S>))
            .default_service(not_allowed("GET, POST")),
    )
    .service(
        web::resource(["/admin/v1/proposals/{n}", "/admin/v1/proposals/{n}/"])
            .route(web::get().to(show::<S>))
            .default_service(not_allowed("GET")),
    )
    .service(
        web::resource([
            "/admin/v1/proposals/{n}/attestations",
            "/admin/v1/proposals/{n}/attestations/",
        ])
        .route(web::post().to(attest::<S>))
        .default_service(not_allowed("POST")),
    );
}

fn json_response(
    status: actix_web::http::StatusCode,
    body: &impl serde::Serialize,
) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("application/json")
        .body(serde_json::to_vec(body).unwrap_or_default())
}

/// The one mapping of settlement failures to HTTP: what the statement got wrong is a 400.
fn refused(what: &str, error: StoreAdminError) -> ApiError {
    match error {
        StoreAdminError::NotFound(_) => TaxiiError::NotFound.into(),
        StoreAdminError::Store(e) => e.into(),
        StoreAdminError::Invalid(m) => TaxiiError::bad_request(format!("Invalid {what}"), m).into(),
        StoreAdminError::AlreadyExists(m) => {
            TaxiiError::bad_request(format!("Duplicate {what}"), format!("{m} already exists"))
                .into()
        }
    }
}

async fn caller<S: Store + ReleaseAdmin>(
    state: &AppState<S>,
    req: &HttpRequest,
) -> Result<Principal, ApiError> {
    let principal = state.auth.authenticate(&state.store, req).await?;
    tracing::Span::current().record("partner", principal.partner_id.as_str());
    Ok(principal)
}

fn relayed_by(p: &Principal) -> String {
    format!("{}/{}", p.partner_id, p.credential_id)
}

fn proposal_number(req: &HttpRequest) -> Result<i64, ApiError> {
    req.match_info()
        .get("n")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| TaxiiError::NotFound.into())
}

fn now() -> i64 {
    (system_clock())()
}

async fn base<S: Store + ReleaseAdmin>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller(&state, &req).await?;
    let store = state.store.admin_store();
    let (rules, membership) = store
        .settlement_base(now())
        .await
        .map_err(|e| refused("request", e))?;
    let keys = store
        .partner_keys(None)
        .await
        .map_err(|e| refused("request", e))?;
    let members: Vec<_> = membership.members().collect();
    Ok(json_response(
        actix_web::http::StatusCode::OK,
        &json!({
            "ruleset": {"id": rules.id, "version": rules.version, "digest": rules.digest(),
                        "document": rules.source()},
            "membership_epoch": membership.epoch,
            "members": members,
            "keys": keys,
        }),
    ))
}

async fn list<S: Store + ReleaseAdmin>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller(&state, &req).await?;
    let views = state
        .store
        .admin_store()
        .proposal_views(now())
        .await
        .map_err(|e| refused("request", e))?;
    Ok(json_response(
        actix_web::http::StatusCode::OK,
        &json!({ "proposals": views }),
    ))
}

async fn show<S: Store + ReleaseAdmin>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    caller(&state, &req).await?;
    let n = proposal_number(&req)?;
    let view = state
        .store
        .admin_store()
        .proposal_view(n, now())
        .await
        .map_err(|e| refused("request", e))?;
    Ok(json_response(actix_web::http::StatusCode::OK, &view))
}

fn parse_body(body: &[u8], what: &str) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        TaxiiError::bad_request(format!("Invalid {what}"), format!("not JSON: {e}")).into()
    })
}

async fn propose<S: Store + ReleaseAdmin>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = caller(&state, &req).await?;
    let body = parse_body(&body, "proposal")?;
    let (Some(proposal), Some(signature)) = (
        body.get("proposal"),
        body.get("signature").and_then(Value::as_str),
    ) else {
        return Err(TaxiiError::bad_request(
            "Invalid proposal",
            "the body is {\"proposal\": {...}, \"signature\": \"<detached JWS>\"}",
        )
        .into());
    };
    let store = state.store.admin_store();
    let at = now();
    let n = store
        .submit_proposal(proposal, signature, &relayed_by(&principal), at)
        .await
        .map_err(|e| refused("proposal", e))?;
    let view = store
        .proposal_view(n, at)
        .await
        .map_err(|e| refused("proposal", e))?;
    Ok(json_response(actix_web::http::StatusCode::CREATED, &view))
}

async fn attest<S: Store + ReleaseAdmin>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let principal = caller(&state, &req).await?;
    let n = proposal_number(&req)?;
    let attestation: Attestation = serde_json::from_value(parse_body(&body, "attestation")?)
        .map_err(|e| TaxiiError::bad_request("Invalid attestation", format!("attestation: {e}")))?;
    let view = state
        .store
        .admin_store()
        .submit_attestation(n, &attestation, &relayed_by(&principal), now())
        .await
        .map_err(|e| refused("attestation", e))?;
    Ok(json_response(actix_web::http::StatusCode::OK, &view))
}
