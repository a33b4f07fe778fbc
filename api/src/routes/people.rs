//! Persons and their employment (四(一)): an organisation's staff, and who
//! heads its safety management department.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::organization::Role;
use domain::time::cst_date;
use domain::validation::Collector;
use persistence::people::{self, NewEmployment};
use persistence::DbConnection;
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::access::Sight;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::people::{check_person, find_or_create, person_sight};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::visible_organization;
use crate::schemas::fields::{collect_validator, parse_date};
use crate::schemas::person::{CreateEmployment, EmploymentView, PersonDetail, PersonView, StaffMember};
use crate::state::AppState;

fn record_employment(
    conn: &mut DbConnection,
    actor: &Actor,
    organization_id: Uuid,
    body: CreateEmployment,
) -> Result<Done<StaffMember>, ApiError> {
    let (org, _, sight) = visible_organization(conn, &actor.caller, organization_id)?;
    if sight != Sight::Full {
        return Err(ApiError::not_found());
    }
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let named = check_person("person", &body.person, &mut v);
    let from = parse_date("from", &body.from, &mut v);
    let to = body.to.as_deref().and_then(|to| parse_date("to", to, &mut v));
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            v.push("to", "invalid_range", "must not be before from");
        }
    }
    v.finish()?;
    let (Some(named), Some(from)) = (named, from) else {
        return Err(ApiError::internal("employment validated without its parts"));
    };
    let person = find_or_create(conn, "person", &named)?;
    let employment = people::insert_employment(
        conn,
        &NewEmployment {
            person_id: person.id,
            organization_id: org.id,
            position: body.position,
            safety_head: body.safety_head,
            from,
            to,
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "employment.create", "employment", &employment.id.to_string(), Some(&org.region_code))?;
    // Naming a known person in a past or future employment must not reveal
    // what others recorded of them: whole only as `GET /persons/{id}` shows it.
    let full = person_sight(conn, &actor.caller, person.id, cst_date(crate::clock::now()))? == Sight::Full;
    Ok(Done::created(
        StaffMember { employment: EmploymentView::from(&employment), person: PersonView::new(&person, full) },
        format!("/api/v1/persons/{}", person.id),
    ))
}

/// Record that the organisation employs a person.
///
/// Admins, or regulators of the organisation's jurisdiction: provincial
/// systems record who works where, since the employer sees its staff's
/// identity numbers whole. The person is named by identity number and
/// created on first mention; a known person must be named as recorded
/// (`name_mismatch`). The person in the answer is shown as
/// `GET /persons/{id}` would show it to the caller. An optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "people",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateEmployment,
    responses(
        (status = 201, description = "Recorded", body = StaffMember),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/organizations/{id}/employments")]
pub async fn create_employment(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    // Provincial systems record employment. An organisation recording its
    // own would gain sight of anyone it names (the employer sees staff whole).
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let operation = "POST /api/v1/organizations/{id}/employments";
    let (scope, body) = idempotency::scoped_body::<CreateEmployment>(
        &req,
        caller.client_id.clone(),
        operation,
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        record_employment(conn, &actor, id, body)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The organisation's staff: every employment on record with the person.
///
/// Ordered by employment id (recording order). The organisation itself,
/// admins and regulators of its jurisdiction. Each person is shown as
/// `GET /persons/{id}` shows it to the caller: the organisation sees the
/// persons it employs today whole, former and future staff masked.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "Organisation id"), StaffQuery),
    responses(
        (status = 200, description = "One page", body = Page<StaffMember>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/employments")]
pub async fn list_staff(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<StaffQuery>,
) -> Result<web::Json<Page<StaffMember>>, ApiError> {
    let id = id.into_inner();
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let page = db::run(&state.pool, move |conn| {
        let (org, _, sight) = visible_organization(conn, &caller, id)?;
        if sight != Sight::Full || caller.role == Role::Portal {
            return Err(ApiError::forbidden());
        }
        let page = people::staff_page(conn, org.id, after, limit)?;
        let today = cst_date(crate::clock::now());
        let mut items = Vec::with_capacity(page.items.len());
        for employment in &page.items {
            let person = people::find(conn, employment.person_id)?
                .ok_or_else(|| ApiError::internal("employment of an unknown person"))?;
            // Former staff are masked to their former employer, as GET /persons/{id} shows them.
            let full = person_sight(conn, &caller, person.id, today)? == Sight::Full;
            items.push(StaffMember {
                employment: EmploymentView::from(employment),
                person: PersonView::new(&person, full),
            });
        }
        let next_cursor = page.next_after.map(|key| pagination::encode_cursor(&key));
        Ok(Page { items, next_cursor })
    })
    .await?;
    Ok(web::Json(page))
}

/// Fetch a person with every employment on record.
///
/// Admins see the identity number whole, and so do regulators whose
/// jurisdiction covers the person (a current employer, a certificate or an
/// engineer registration in it; the province covers everyone) and the
/// person's current employer; other regulators and portals see it masked;
/// anyone else gets 404.
#[utoipa::path(
    tag = "people",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person", body = PersonDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/persons/{id}")]
pub async fn get_person(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PersonDetail>, ApiError> {
    let id = id.into_inner();
    let detail = db::run(&state.pool, move |conn| {
        let person = people::find(conn, id)?.ok_or_else(ApiError::not_found)?;
        let sight = person_sight(conn, &caller, person.id, cst_date(crate::clock::now()))?;
        if sight == Sight::Hidden {
            return Err(ApiError::not_found());
        }
        let employments = people::employments_of(conn, person.id)?;
        Ok(PersonDetail {
            person: PersonView::new(&person, sight == Sight::Full),
            employments: employments.iter().map(EmploymentView::from).collect(),
        })
    })
    .await?;
    Ok(web::Json(detail))
}
