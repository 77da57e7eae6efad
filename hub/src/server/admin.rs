//! The admin API: `GET /admin/v1/explain?object=ID&partner=P` — release or withhold, and why,
//! for each stored version of an object and a partner (the JSON form of `accord explain`).
//!
//! Authenticated like TAXII. A partner with the `lead` role may ask about any partner and sees
//! every version; any other partner may ask about itself only, and sees only the versions it
//! is given: otherwise "why can't I see X?" would answer whether X exists, which is exactly the
//! existence oracle the fan-out removes. Versions it does not get are answered as absent (404
//! when none is left).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use taxii::TaxiiError;
use taxii::store::Store;

use super::error::ApiError;
use super::{AppState, Batched};
use crate::fanout::view::ALWAYS;
use crate::store::{AnyStore, Explanation};

/// What the admin routes need of the store besides TAXII: the hub's own store.
pub trait ReleaseAdmin {
    fn admin_store(&self) -> &AnyStore;
}

impl ReleaseAdmin for Batched<AnyStore> {
    fn admin_store(&self) -> &AnyStore {
        self.inner()
    }
}

/// Registers the admin routes.
pub fn configure<S: Store + ReleaseAdmin + 'static>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource(["/admin/v1/explain", "/admin/v1/explain/"])
            .route(web::get().to(explain::<S>))
            .default_service(web::to(|| async {
                actix_web::ResponseError::error_response(&ApiError::MethodNotAllowed {
                    allow: "GET",
                })
            })),
    );
}

#[derive(Debug, serde::Deserialize)]
struct ExplainQuery {
    object: String,
    partner: String,
}

#[derive(Debug, Serialize)]
struct ExplainBody {
    object: String,
    partner: String,
    versions: Vec<VersionBody>,
}

#[derive(Debug, Serialize)]
struct VersionBody {
    collection: String,
    version: String,
    variant: i32,
    submitter: Option<String>,
    received_at: String,
    in_view: bool,
    withheld_references: Vec<String>,
    rule_sets: Vec<DecisionBody>,
}

#[derive(Debug, Serialize)]
struct DecisionBody {
    rule_set_version: i64,
    /// `release`, `release-redacted` or `withhold`, now.
    effect: String,
    /// The rule ids or baseline clause that decided, in words.
    explanation: String,
    /// Selectors removed on the way out.
    redacted: Vec<String>,
    /// When the partner sees the version: `received` (no embargo), a timestamp, or null.
    visible_from: Option<String>,
    label: Option<String>,
}

fn body(e: &Explanation) -> VersionBody {
    VersionBody {
        collection: e.collection.to_string(),
        version: e.version.clone(),
        variant: e.variant,
        submitter: e.submitter.clone(),
        received_at: taxii::query::DateAdded(e.received_at).to_string(),
        in_view: e.in_view,
        withheld_references: e.withheld_refs.clone(),
        rule_sets: e
            .rule_sets
            .iter()
            .map(|(version, x)| DecisionBody {
                rule_set_version: *version,
                effect: x
                    .decision
                    .as_ref()
                    .map_or("withhold", |d| d.effect.as_str())
                    .to_owned(),
                explanation: x.decision.as_ref().map_or_else(
                    || "withhold: its label no longer checks against the loaded policies".into(),
                    ToString::to_string,
                ),
                redacted: match x.decision.as_ref().map(|d| &d.effect) {
                    Some(release_rules::Effect::ReleaseRedacted { paths }) => paths.to_vec(),
                    _ => Vec::new(),
                },
                visible_from: x.visible_from.map(|micros| {
                    if micros == ALWAYS {
                        "received".to_owned()
                    } else {
                        taxii::query::DateAdded(micros).to_string()
                    }
                }),
                label: x.label.clone(),
            })
            .collect(),
    }
}

async fn explain<S: Store + ReleaseAdmin>(
    state: web::Data<AppState<S>>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let principal = state.auth.authenticate(&state.store, &req).await?;
    tracing::Span::current().record("partner", principal.partner_id.as_str());
    let query = web::Query::<ExplainQuery>::from_query(req.query_string()).map_err(|e| {
        TaxiiError::bad_request(
            "Invalid query string",
            format!("explain takes object=ID and partner=ID: {e}"),
        )
    })?;
    let store = state.store.admin_store();
    let caller = store
        .partner_attributes(&principal.partner_id)
        .await
        .map_err(|_| TaxiiError::Forbidden("unknown partner".to_owned()))?;
    let lead = caller.role == "lead";
    if !lead && principal.partner_id != query.partner {
        return Err(TaxiiError::Forbidden(format!(
            "partner {} may explain its own decisions only (the lead role may explain any)",
            principal.partner_id
        ))
        .into());
    }
    let explanations = match store.explain(&query.object, &query.partner).await {
        Ok(found) => found,
        Err(crate::store::StoreAdminError::NotFound(_)) => Vec::new(),
        Err(crate::store::StoreAdminError::Store(e)) => return Err(e.into()),
        Err(other) => {
            return Err(
                TaxiiError::bad_request("Invalid explain request", other.to_string()).into(),
            );
        }
    };
    let versions: Vec<VersionBody> = explanations
        .iter()
        .filter(|e| lead || e.in_view)
        .map(body)
        .collect();
    if versions.is_empty() {
        return Err(TaxiiError::NotFound.into());
    }
    let body = ExplainBody {
        object: query.object.clone(),
        partner: query.partner.clone(),
        versions,
    };
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .body(serde_json::to_vec(&body).unwrap_or_default()))
}
