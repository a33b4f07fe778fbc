//! Reading the audit trail: `/api/v1/audit`.

use actix_web::{get, web};
use chrono::{DateTime, Utc};
use domain::organization::Role;
use persistence::audit::{self, AuditEntry, AuditFilter};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::{self, Page};
use crate::problem::{BadRequest, Forbidden, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::schemas::fields::query_text;
use crate::state::AppState;
use domain::validation::Collector;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Id of the resource written.
    pub resource: Option<String>,
    /// Type of the resource written, e.g. `organization`.
    pub resource_type: Option<String>,
    /// Client id of the actor.
    pub actor: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// One recorded write.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryView {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Client id of the caller.
    pub actor: String,
    pub role: String,
    pub actor_region: Option<String>,
    #[schema(example = "organization.create")]
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub resource_region: Option<String>,
    pub request_id: String,
}

impl From<AuditEntry> for AuditEntryView {
    fn from(e: AuditEntry) -> Self {
        AuditEntryView {
            id: e.id,
            at: e.at_utc(),
            actor: e.actor,
            role: e.role,
            actor_region: e.actor_region,
            action: e.action,
            resource_type: e.resource_type,
            resource_id: e.resource_id,
            resource_region: e.resource_region,
            request_id: e.request_id,
        }
    }
}

/// The result of checking the audit trail's hash chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditVerification {
    /// No record was edited, deleted or reordered.
    pub valid: bool,
    pub records_checked: u64,
    /// The first record (or chain head id) whose links do not hold.
    pub first_broken_id: Option<i64>,
    /// `previous_hash_mismatch`, `content_hash_mismatch` or `chain_head_mismatch`.
    pub reason: Option<String>,
}

impl From<audit::ChainVerification> for AuditVerification {
    fn from(v: audit::ChainVerification) -> Self {
        AuditVerification {
            valid: v.first_broken.is_none(),
            records_checked: v.records_checked,
            first_broken_id: v.first_broken.map(|(id, _)| id),
            reason: v.first_broken.map(|(_, reason)| reason.to_owned()),
        }
    }
}

/// Verify the audit trail's hash chain (admins).
///
/// Recomputes every record's hash in id order; any edited, deleted or
/// reordered record breaks the chain from that record on.
#[utoipa::path(
    tag = "audit",
    responses(
        (status = 200, description = "The verification (valid or not)", body = AuditVerification),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/audit/verification")]
pub async fn verify_audit(
    state: web::Data<AppState>,
    caller: Caller,
) -> Result<web::Json<AuditVerification>, ApiError> {
    caller.require(&[Role::Admin])?;
    let result = db::run(&state.pool, |conn| Ok(audit::verify_chain(conn)?)).await?;
    Ok(web::Json(result.into()))
}

/// List audit records, newest first.
///
/// Admins see everything; regulators the records about resources in their
/// jurisdiction (the province sees all).
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page, newest first", body = Page<AuditEntryView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/audit")]
pub async fn list_audit(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntryView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let mut v = Collector::new();
    let resource_id = query_text("resource", query.resource, 200, &mut v);
    let resource_type = query_text("resource_type", query.resource_type, 100, &mut v);
    let actor = query_text("actor", query.actor, 200, &mut v);
    v.finish()?;
    let limit = pagination::limit(query.limit)?;
    let before = pagination::decode_cursor(query.cursor.as_deref(), |k| k.parse::<i64>().ok())?;
    let filter = AuditFilter {
        resource_id,
        resource_type,
        actor,
        jurisdiction: caller.jurisdiction().filter(|j| !j.is_province()).map(|j| j.as_str().to_owned()),
    };
    let page = db::run(&state.pool, move |conn| Ok(audit::list(conn, &filter, before, limit)?)).await?;
    Ok(web::Json(Page::from_store(page, AuditEntryView::from)))
}
