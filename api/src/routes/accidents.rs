//! Accidents (三(三)): recorded by regulators, listed per enterprise.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::insurance::AccidentGrade;
use domain::organization::{OrganizationKind, Role};
use domain::time::cst_date;
use domain::validation::Collector;
use persistence::accidents::{self, NewAccident};
use persistence::DbConnection;
use uuid::Uuid;
use validator::Validate;

use crate::access::Sight;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::extractors::StrictJson;
use crate::funds::ledger_start;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::problem::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::visible_organization;
use crate::schemas::accident::{AccidentList, AccidentView, CreateAccident};
use crate::schemas::fields::{collect_validator, parse_date};
use crate::state::AppState;

fn record_accident(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateAccident,
) -> Result<Done<AccidentView>, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let grade = v.check("grade", AccidentGrade::parse(&body.grade));
    let occurred_on = parse_date("occurred_on", &body.occurred_on, &mut v);
    if occurred_on.is_some_and(|d| d > cst_date(crate::clock::now()) || d < ledger_start()) {
        v.push("occurred_on", "out_of_range", "between 2000-01-01 and today (CST)");
    }
    // An enterprise outside the caller's sight is as unknown as a missing one.
    let enterprise = match visible_organization(conn, &actor.caller, body.enterprise_id) {
        Ok((org, _, Sight::Full)) if org.kind == OrganizationKind::Enterprise => Some(org),
        Ok(_) | Err(_) => {
            v.push("enterprise_id", "unknown_organization", "no such enterprise in your jurisdiction");
            None
        }
    };
    v.finish()?;
    let (Some(grade), Some(occurred_on), Some(enterprise)) = (grade, occurred_on, enterprise) else {
        return Err(ApiError::internal("accident validated without its parts"));
    };
    let accident = accidents::insert(
        conn,
        &NewAccident {
            enterprise_id: enterprise.id,
            occurred_on,
            grade,
            deaths: body.deaths,
            injuries: body.injuries,
            summary: body.summary,
            recorded_by: actor.caller.client_id.clone(),
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "accident.create", "accident", &accident.id.to_string(), Some(&enterprise.region_code))?;
    Ok(Done::created(AccidentView::from(&accident), format!("/api/v1/organizations/{}/accidents", enterprise.id)))
}

/// Record an accident (regulators of the enterprise's jurisdiction).
///
/// The grade (一般/较大/重大/特别重大) drives the floating premium rate of
/// 三(三). An optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "insurance",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateAccident,
    responses(
        (status = 201, description = "Recorded", body = AccidentView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = crate::problem::Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/accidents")]
pub async fn create_accident(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateAccident>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/accidents",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_accident(conn, &actor, body))
        .await
}

/// An enterprise's accidents, most recent first.
#[utoipa::path(
    tag = "insurance",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The accidents", body = AccidentList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/accidents")]
pub async fn list_accidents(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<AccidentList>, ApiError> {
    let id = id.into_inner();
    let items = db::run(&state.pool, move |conn| {
        let (org, _, sight) = visible_organization(conn, &caller, id)?;
        if sight != Sight::Full {
            return Err(ApiError::not_found());
        }
        Ok(accidents::for_enterprise(conn, org.id)?)
    })
    .await?;
    Ok(web::Json(AccidentList { items: items.iter().map(AccidentView::from).collect() }))
}
