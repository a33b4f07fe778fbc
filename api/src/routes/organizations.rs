//! The organisation registry: `/api/v1/organizations`.

use actix_web::http::header::{CacheControl, CacheDirective, ETag, EntityTag, LOCATION, VARY};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use domain::credit_code::CreditCode;
use domain::events::EventType;
use domain::organization::{OrganizationKind, OrganizationStatus, Role, Sector};
use domain::region::{RegionCode, RegionInfo};
use domain::time::cst_date;
use domain::validation::Collector;
use persistence::organizations::{self, Organization, OrganizationFilter};
use persistence::{regions, sanctions, DbConnection, StoreError};
use serde_json::Value;
use uuid::Uuid;

use crate::access::{may_register_in, organization_list_scope, organization_sight, ListScope, Sight};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::{Body, StrictJson};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired,
    ServiceUnavailable, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::schemas::fields::query_text;
use crate::schemas::organization::{
    effective_status, entity_tag, merge_patch, CreateOrganization, OrganizationQuery, OrganizationView,
    UpdateOrganization,
};
use crate::state::AppState;
use crate::{db, etag};

pub fn region_info(conn: &mut DbConnection, code: &RegionCode) -> Result<Option<RegionInfo>, ApiError> {
    regions::find(conn, code)?.map(|r| r.info()).transpose().map_err(ApiError::from)
}

/// The region of a stored organisation; a missing one is a broken reference,
/// so a 500, never the caller's fault.
pub fn organization_region(conn: &mut DbConnection, org: &Organization) -> Result<RegionInfo, ApiError> {
    region_info(conn, &org.region_code)?
        .ok_or_else(|| ApiError::internal(format!("organisation {} has an unknown region", org.id)))
}

/// The organisation with its region, or 404 when the caller may not see it.
pub fn visible_organization(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(Organization, RegionInfo, Sight), ApiError> {
    let org = organizations::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let region = organization_region(conn, &org)?;
    match organization_sight(caller, org.id, &region) {
        Sight::Hidden => Err(ApiError::not_found()),
        sight => Ok((org, region, sight)),
    }
}

/// The status each of `orgs` is in today (CST), in one query for the page
/// (八(一): a service suspension in force shows as `suspended`).
pub fn statuses_today(conn: &mut DbConnection, orgs: &[Organization]) -> Result<Vec<OrganizationStatus>, ApiError> {
    let ids: Vec<Uuid> = orgs.iter().map(|o| o.id).collect();
    let suspended = sanctions::suspended_among(conn, &ids, cst_date(crate::clock::now()))?;
    Ok(orgs.iter().map(|o| effective_status(o.status, suspended.contains(&o.id))).collect())
}

/// The status `org` is in today (CST).
pub fn status_today(conn: &mut DbConnection, org: &Organization) -> Result<OrganizationStatus, ApiError> {
    statuses_today(conn, std::slice::from_ref(org))?
        .pop()
        .ok_or_else(|| ApiError::internal("no status for an organisation"))
}

/// The event subject of an organisation: its region's regulators and the
/// organisation itself see the event.
pub fn organization_subject(org: &Organization) -> Subject<'_> {
    Subject {
        resource_type: "organization",
        resource_id: org.id.to_string(),
        region: Some(&org.region_code),
        organization_id: Some(org.id),
        counterparty_id: None,
    }
}

/// The registry facts an organisation event carries: the public register's
/// identifiers and the stored version, never the contact person or phone.
fn organization_facts(org: &Organization) -> Value {
    serde_json::json!({
        "credit_code": org.credit_code.as_str(),
        "kind": org.kind.as_str(),
        "region_code": org.region_code.as_str(),
        "status": org.status.as_str(),
        "version": org.version,
    })
}

/// Publishes `organization_status_changed` for a change of the stored
/// registry status (a suspension in force is derived from its sanction and
/// announced by `sanction_issued`, not here).
pub fn publish_status_change(
    conn: &mut DbConnection,
    org: &Organization,
    previous: OrganizationStatus,
) -> Result<i64, ApiError> {
    events::publish(
        conn,
        EventType::OrganizationStatusChanged,
        organization_subject(org),
        serde_json::json!({
            "credit_code": org.credit_code.as_str(),
            "previous_status": previous.as_str(),
            "status": org.status.as_str(),
            "version": org.version,
        }),
    )
}

fn entity_response(
    mut response: actix_web::HttpResponseBuilder,
    org: &Organization,
    status: OrganizationStatus,
    sight: Sight,
) -> HttpResponse {
    response
        .insert_header(ETag(EntityTag::new_strong(entity_tag(org, status))))
        .insert_header((VARY, "Authorization"))
        .insert_header(CacheControl(vec![CacheDirective::Private, CacheDirective::NoCache]))
        .json(OrganizationView::new(org, sight == Sight::Full).with_status(status))
}

/// `If-Match` of an update: the tag last served (which may carry the status
/// in effect) or the bare version; either names the stored version.
fn require_current(header: Option<&str>, org: &Organization, status: OrganizationStatus) -> Result<(), ApiError> {
    let served = format!("\"{}\"", entity_tag(org, status));
    if header.is_some_and(|value| value.split(',').map(str::trim).any(|tag| tag == served)) {
        return Ok(());
    }
    etag::require_if_match(header, org.version)
}

/// Register an organisation.
///
/// Admins anywhere; regulators inside their jurisdiction. Every invalid field
/// is reported in one 422. A credit code already registered is a 409.
#[utoipa::path(
    tag = "organizations",
    request_body = CreateOrganization,
    responses(
        (status = 201, description = "Registered", body = OrganizationView,
            headers(("Location" = String, description = "URL of the new organisation"),
                    ("ETag" = String, description = "Version tag for If-Match"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/organizations")]
pub async fn create_organization(
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: Body<CreateOrganization>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let body = body.0;
    let actor = Actor::new(&caller, &request_id);
    let org = db::transaction(&state.pool, move |conn| {
        let region = match body.region_code() {
            Some(code) => region_info(conn, &code)?,
            None => None,
        };
        let draft = body.into_draft(region)?;
        may_register_in(&actor.caller, &draft.region)?;
        let org = organizations::insert(conn, &draft.credit_code, draft.kind, &draft.fields, crate::clock::now())
            .map_err(|e| match e {
                StoreError::Duplicate(_) => ApiError::conflict("duplicate_credit_code"),
                other => other.into(),
            })?;
        actor.record(conn, "organization.create", "organization", &org.id.to_string(), Some(&org.region_code))?;
        events::publish(conn, EventType::OrganizationCreated, organization_subject(&org), organization_facts(&org))?;
        Ok(org)
    })
    .await?;
    let mut response = HttpResponse::Created();
    response.insert_header((LOCATION, format!("/api/v1/organizations/{}", org.id)));
    Ok(entity_response(response, &org, org.status, Sight::Full))
}

/// Fetch one organisation.
///
/// 404 when it does not exist or the caller may not see it. The phone is
/// masked unless the caller is the organisation, an admin or a regulator of
/// its jurisdiction. `status` is the status in effect today: `suspended`
/// while a service suspension is in force, `revoked` after a revocation
/// (豫安委〔2017〕17号 八(一)); the ETag changes with it. Honours
/// `If-None-Match`.
#[utoipa::path(
    tag = "organizations",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation", body = OrganizationView,
            headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}")]
pub async fn get_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (org, status, sight) = db::run(&state.pool, move |conn| {
        let (org, _, sight) = visible_organization(conn, &caller, id)?;
        let status = status_today(conn, &org)?;
        Ok((org, status, sight))
    })
    .await?;
    let tag = entity_tag(&org, status);
    if etag::not_modified(&req, &format!("\"{tag}\"")) {
        return Ok(HttpResponse::NotModified().insert_header(ETag(EntityTag::new_strong(tag))).finish());
    }
    Ok(entity_response(HttpResponse::Ok(), &org, status, sight))
}

/// Update an organisation (JSON Merge Patch).
///
/// Requires `If-Match` with the current `ETag` (428 without, 412 when
/// stale). Admins anywhere; regulators inside their jurisdiction, for both the
/// current and a new region. `credit_code` and `kind` cannot change.
#[utoipa::path(
    tag = "organizations",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("If-Match" = String, Header, description = "The current ETag"),
    ),
    request_body = UpdateOrganization,
    responses(
        (status = 200, description = "Updated", body = OrganizationView,
            headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[patch("/organizations/{id}")]
pub async fn update_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    patch: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let patch = patch.into_inner().0;
    check_patch_shape(&patch)?;
    let actor = Actor::new(&caller, &request_id);
    let if_match = etag::if_match(&req);
    let (org, status) = db::transaction(&state.pool, move |conn| {
        let (current, _, _) = visible_organization(conn, &actor.caller, id)?;
        require_current(if_match.as_deref(), &current, status_today(conn, &current)?)?;
        let mut merged = serde_json::to_value(CreateOrganization::from_stored(&current)).map_err(ApiError::internal)?;
        merge_patch(&mut merged, &patch);
        let body: CreateOrganization = serde_json::from_value(merged)
            .map_err(|e| ApiError::invalid_field("body", "invalid_value", e.to_string()))?;
        let region = match body.region_code() {
            Some(code) => region_info(conn, &code)?,
            None => None,
        };
        let draft = body.into_draft(region)?;
        may_register_in(&actor.caller, &draft.region)?;
        let org = organizations::update(conn, id, current.version, &draft.fields, crate::clock::now())?;
        actor.record(conn, "organization.update", "organization", &id.to_string(), Some(&org.region_code))?;
        let mut facts = organization_facts(&org);
        if current.region_code != org.region_code {
            facts["previous_region_code"] = current.region_code.as_str().into();
        }
        events::publish(conn, EventType::OrganizationUpdated, organization_subject(&org), facts)?;
        if current.status != org.status {
            publish_status_change(conn, &org, current.status)?;
        }
        let status = status_today(conn, &org)?;
        Ok((org, status))
    })
    .await?;
    // The public credit card shows the name, kind, region and status.
    state.public_credit.invalidate_all();
    Ok(entity_response(HttpResponse::Ok(), &org, status, Sight::Full))
}

/// A patch must be an object of known, mutable fields.
fn check_patch_shape(patch: &Value) -> Result<(), ApiError> {
    let Value::Object(fields) = patch else {
        return Err(ApiError::invalid_field("body", "invalid_value", "a merge patch must be a JSON object"));
    };
    let mut v = Collector::new();
    for key in ["credit_code", "kind"] {
        if fields.contains_key(key) {
            v.push(key, "immutable", "this field cannot be changed");
        }
    }
    v.finish()?;
    serde_json::from_value::<UpdateOrganization>(patch.clone()).map_err(|e| {
        let code = if e.to_string().starts_with("unknown field") { "unknown_field" } else { "invalid_value" };
        ApiError::invalid_field("body", code, e.to_string())
    })?;
    Ok(())
}

/// List organisations.
///
/// Ordered by registration (ascending id). Regulators see their jurisdiction
/// (the province sees all), organisation-bound callers only themselves,
/// portals everything with personal data masked. `status` is the status in
/// effect today (豫安委〔2017〕17号 八(一): `suspended` while a service
/// suspension is in force, `revoked` after a revocation).
#[utoipa::path(
    tag = "organizations",
    params(OrganizationQuery),
    responses(
        (status = 200, description = "One page", body = Page<OrganizationView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations")]
pub async fn list_organizations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<OrganizationQuery>,
) -> Result<web::Json<Page<OrganizationView>>, ApiError> {
    let query = query.into_inner();
    let mut v = Collector::new();
    let mut filter = OrganizationFilter {
        kind: query.kind.as_deref().and_then(|k| v.check("kind", OrganizationKind::parse(k))),
        region: query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r))),
        sector: query.sector.as_deref().and_then(|s| v.check("sector", Sector::parse(s))),
        credit_code: query.credit_code.as_deref().and_then(|c| v.check("credit_code", CreditCode::parse(c))),
        name_contains: query_text("q", query.q.filter(|q| !q.is_empty()), 100, &mut v),
        ..OrganizationFilter::default()
    };
    v.finish()?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let full = matches!(caller.role, Role::Admin | Role::Regulator | Role::Insurer | Role::Agency | Role::Enterprise);
    match organization_list_scope(&caller) {
        ListScope::Everything => {}
        ListScope::Jurisdiction(j) => filter.jurisdiction = Some(j),
        ListScope::Only(id) => filter.only_id = Some(id),
        ListScope::Nothing => return Err(ApiError::forbidden()),
    }
    let page = db::run(&state.pool, move |conn| {
        let page = organizations::list(conn, &filter, after, limit)?;
        let statuses = statuses_today(conn, &page.items)?;
        Ok(persistence::Page { items: page.items.into_iter().zip(statuses).collect(), next_after: page.next_after })
    })
    .await?;
    // Every scope but the portal's lists only what the caller sees whole.
    Ok(web::Json(Page::from_store(page, |(org, status)| OrganizationView::new(&org, full).with_status(status))))
}
