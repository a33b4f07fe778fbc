//! Small-enterprise subsidy programmes (豫安委〔2017〕17号 九(三)): a
//! regulator's programme pays a share of small enterprises' service
//! contracts, high-risk sectors first, up to a cap per enterprise; approval
//! reserves budget so that the programme never commits more than it has,
//! however many approvals run at once.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::organization::Role;
use domain::region::{jurisdiction_covers, RegionCode};
use domain::subsidies::{amount, eligibility, priority, signed_within, within_cap, ApplicationStatus, SubsidyError};
use domain::validation::Collector;
use domain::{BasisPoints, Fen};
use persistence::subsidies::{self, Application, Decision, NewApplication, NewProgramme, Programme};
use persistence::{organizations, DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::access::may_register_in;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::{organization_region, region_info};
use crate::schemas::fields::{collect_validator, parse_date};
use crate::schemas::subsidy::{
    ApplicationQuery, ApplicationView, Approval, CreateApplication, CreateProgramme, DecisionView, ProgrammeView,
    Rejection,
};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_programme)
        .service(get_programme)
        .service(create_application)
        .service(list_applications)
        .service(approve_application)
        .service(reject_application);
}

/// The checked parts of a programme.
fn check_programme(body: &CreateProgramme, created_by: &str) -> Result<NewProgramme, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let region = v.check("region_code", RegionCode::parse(&body.region_code));
    if body.budget_fen <= 0 {
        v.push("budget_fen", "invalid_range", "must be positive");
    }
    let share = u32::try_from(body.share_bp).ok().filter(|bp| (1..=10_000).contains(bp));
    if share.is_none() {
        v.push("share_bp", "invalid_range", "value must be between 1 and 10000");
    }
    if body.cap_per_enterprise_fen <= 0 {
        v.push("cap_per_enterprise_fen", "invalid_range", "must be positive");
    }
    let max_employees = i32::try_from(body.max_employees).ok().filter(|n| *n > 0);
    if max_employees.is_none() {
        v.push("max_employees", "invalid_range", format!("value must be between 1 and {}", i32::MAX));
    }
    let opens_on = parse_date("opens_on", &body.opens_on, &mut v);
    let closes_on = parse_date("closes_on", &body.closes_on, &mut v);
    if let (Some(opens), Some(closes)) = (opens_on, closes_on) {
        if closes < opens {
            v.push("closes_on", "out_of_range", "must not be before opens_on");
        }
    }
    v.finish()?;
    let (Some(region_code), Some(share), Some(max_employees), Some(opens_on), Some(closes_on)) =
        (region, share, max_employees, opens_on, closes_on)
    else {
        return Err(ApiError::internal("programme validated without its parts"));
    };
    Ok(NewProgramme {
        title: body.title.clone(),
        region_code,
        budget: Fen::new(body.budget_fen),
        share: BasisPoints::new(share),
        cap_per_enterprise: Fen::new(body.cap_per_enterprise_fen),
        max_employees,
        opens_on,
        closes_on,
        created_by: created_by.to_owned(),
    })
}

fn record_programme(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateProgramme,
) -> Result<Done<ProgrammeView>, ApiError> {
    let new = check_programme(&body, &actor.caller.client_id)?;
    let region = region_info(conn, &new.region_code)?
        .ok_or_else(|| ApiError::invalid_field("region_code", "unknown_region", "no such region in Henan"))?;
    may_register_in(&actor.caller, &region)?;
    let programme = subsidies::insert_programme(conn, &new, crate::clock::now())?;
    actor.record(
        conn,
        "subsidy_programme.create",
        "subsidy_programme",
        &programme.id.to_string(),
        Some(&programme.region_code),
    )?;
    Ok(Done::created(ProgrammeView::from(&programme), format!("/api/v1/subsidy-programmes/{}", programme.id)))
}

/// Define a subsidy programme for small enterprises (豫安委〔2017〕17号 九(三)).
///
/// Admins, and regulators for a region within their jurisdiction (403
/// `outside_jurisdiction` otherwise; 422 `unknown_region` for a code not in
/// the table). `budget_fen`, `cap_per_enterprise_fen` and `max_employees`
/// are positive; `share_bp` is 1 to 10,000; engagements signed from
/// `opens_on` to `closes_on` inclusive qualify. Every bad field is named at
/// once. An optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "procurement",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateProgramme,
    responses(
        (status = 201, description = "Defined", body = ProgrammeView,
            headers(("Location" = String, description = "URL of the programme"))),
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
#[post("/subsidy-programmes")]
pub async fn create_programme(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateProgramme>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/subsidy-programmes",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_programme(conn, &actor, body))
        .await
}

/// Whether a regulator's jurisdiction covers the programme's region.
fn administers(conn: &mut DbConnection, caller: &Caller, programme: &Programme) -> Result<bool, ApiError> {
    Ok(match caller.role {
        Role::Admin => true,
        Role::Regulator => match (caller.jurisdiction(), region_info(conn, &programme.region_code)?) {
            (Some(jurisdiction), Some(region)) => jurisdiction_covers(jurisdiction, &region),
            _ => false,
        },
        _ => false,
    })
}

/// The programme if an admin or a regulator of its region asks; 404 otherwise.
fn administered_programme(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Programme, ApiError> {
    let programme = subsidies::find_programme(conn, id)?.ok_or_else(ApiError::not_found)?;
    if administers(conn, caller, &programme)? {
        Ok(programme)
    } else {
        Err(ApiError::not_found())
    }
}

/// Whether the caller's enterprise is located in the programme's region.
fn enterprise_in_region(conn: &mut DbConnection, caller: &Caller, programme: &Programme) -> Result<bool, ApiError> {
    let Some(org) = caller.organization_id else { return Ok(false) };
    let Some(org) = organizations::find(conn, org)? else { return Ok(false) };
    Ok(region_info(conn, &org.region_code)?.is_some_and(|region| jurisdiction_covers(&programme.region_code, &region)))
}

/// Fetch a subsidy programme with its budget, committed and remaining amounts (豫安委〔2017〕17号 九(三)).
///
/// Admins, regulators whose jurisdiction covers the programme's region, and
/// enterprises located in that region (who may apply); 404 for other
/// regulators and enterprises; other roles 403.
#[utoipa::path(
    tag = "procurement",
    params(("id" = Uuid, Path, description = "Programme id")),
    responses(
        (status = 200, description = "The programme", body = ProgrammeView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/subsidy-programmes/{id}")]
pub async fn get_programme(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ProgrammeView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise])?;
    let id = id.into_inner();
    let programme = db::run(&state.pool, move |conn| {
        let programme = subsidies::find_programme(conn, id)?.ok_or_else(ApiError::not_found)?;
        let visible = match caller.role {
            Role::Enterprise => enterprise_in_region(conn, &caller, &programme)?,
            _ => administers(conn, &caller, &programme)?,
        };
        if visible {
            Ok(programme)
        } else {
            Err(ApiError::not_found())
        }
    })
    .await?;
    Ok(web::Json(ProgrammeView::from(&programme)))
}

/// A subsidy rule's refusal, as a 422 with the rule's code.
fn refused(error: SubsidyError) -> ApiError {
    let zh = match error {
        SubsidyError::OutsideRegion => "企业不在补贴项目的区域内".to_owned(),
        SubsidyError::EmployeeCountUnknown => "企业未登记从业人员数量，无法认定为小微企业".to_owned(),
        SubsidyError::TooManyEmployees { count, max } => format!("企业从业人员 {count} 人，超过本项目上限 {max} 人"),
        SubsidyError::OutsidePeriod { signed_on, opens_on, closes_on } => {
            format!("合同签订日 {signed_on} 不在项目期间 {opens_on} 至 {closes_on} 内")
        }
        SubsidyError::NothingToSubsidise => "按补贴比例计算的金额为零".to_owned(),
        SubsidyError::CapReached { cap, already } => {
            format!("企业补贴已达上限 {cap} 分（已批准 {already} 分）")
        }
        SubsidyError::Overflow => "金额超出范围".to_owned(),
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, error.code()).with_detail(zh, error.to_string())
}

fn apply(
    conn: &mut DbConnection,
    actor: &Actor,
    programme_id: Uuid,
    body: CreateApplication,
) -> Result<Done<ApplicationView>, ApiError> {
    let org_id = actor.caller.organization_id.ok_or_else(ApiError::forbidden)?;
    let programme = subsidies::find_programme(conn, programme_id)?.ok_or_else(ApiError::not_found)?;
    // Another enterprise's engagement is answered as if it did not exist.
    let engagement = subsidies::engagement_terms(conn, body.engagement_id)?
        .filter(|e| e.enterprise_id == org_id)
        .ok_or_else(ApiError::not_found)?;
    let enterprise = organizations::find(conn, org_id)?.ok_or_else(ApiError::not_found)?;
    let region = organization_region(conn, &enterprise)?;
    eligibility(enterprise.employee_count, programme.max_employees, &region, &programme.region_code)
        .map_err(refused)?;
    signed_within(engagement.signed_on, programme.opens_on, programme.closes_on).map_err(refused)?;
    let already = subsidies::approved_for(conn, programme.id, org_id, None)?;
    let amount =
        amount(engagement.contract_fee, programme.share, programme.cap_per_enterprise, already).map_err(refused)?;
    let application = subsidies::insert_application(
        conn,
        &NewApplication {
            programme_id: programme.id,
            enterprise_id: org_id,
            engagement_id: engagement.id,
            amount,
            priority: priority(enterprise.sector),
            created_by: actor.caller.client_id.clone(),
        },
        crate::clock::now(),
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => ApiError::conflict("already_applied")
            .with_detail("该合同已申请过本项目补贴", "this engagement has already been entered in the programme"),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "subsidy_application.create",
        "subsidy_application",
        &application.id.to_string(),
        Some(&enterprise.region_code),
    )?;
    Ok(Done::created(
        ApplicationView::from(&application),
        format!("/api/v1/subsidy-programmes/{programme_id}/applications/{}", application.id),
    ))
}

/// Apply for a subsidy of one engagement (豫安委〔2017〕17号 九(三)).
///
/// Enterprise callers only, for an engagement of their own enterprise (any
/// other engagement, or an unknown programme, is a 404). The enterprise must
/// be located in the programme's region (422 `outside_programme_region`),
/// have a recorded headcount (422 `employee_count_unknown`) of at most
/// `max_employees` (422 `not_small_enterprise`), and the engagement must be
/// signed within the programme's period (422 `outside_programme_period`).
/// The amount asked is the programme's share of the contract fee (rounded to
/// the nearest fen, halves up), at most what remains of the enterprise's
/// cap after its approved applications (422 `enterprise_cap_reached` when
/// nothing remains, `nothing_to_subsidise` when the share is zero). Enterprises of
/// the eight high-risk sectors get priority `high_risk`. One application per
/// engagement and programme: a second is a 409 `already_applied`. An
/// optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "procurement",
    params(
        ("id" = Uuid, Path, description = "Programme id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateApplication,
    responses(
        (status = 201, description = "Pending", body = ApplicationView,
            headers(("Location" = String, description = "URL of the application"))),
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
#[post("/subsidy-programmes/{id}/applications")]
pub async fn create_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Enterprise])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateApplication>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/subsidy-programmes/{id}/applications",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| apply(conn, &actor, id, body)).await
}

/// A programme's applications in the order they are considered (豫安委〔2017〕17号 九(三)).
///
/// Admins and regulators whose jurisdiction covers the programme's region
/// (404 for other regulators; other roles 403). Pending applications of
/// enterprises in high-risk sectors first, then the other pending ones, then
/// the decided ones; within each group in the order of filing.
/// Cursor-paginated.
#[utoipa::path(
    tag = "procurement",
    params(("id" = Uuid, Path, description = "Programme id"), ApplicationQuery),
    responses(
        (status = 200, description = "One page", body = Page<ApplicationView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/subsidy-programmes/{id}/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ApplicationQuery>,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), subsidies::parse_queue_key)?;
    let page = db::run(&state.pool, move |conn| {
        administered_programme(conn, &caller, id)?;
        Ok(subsidies::queue(conn, id, after, limit)?)
    })
    .await?;
    Ok(web::Json(Page::from_store(page, |a| ApplicationView::from(&a))))
}

/// The programme (administered by the caller) and its pending application.
fn pending_application(
    conn: &mut DbConnection,
    caller: &Caller,
    programme_id: Uuid,
    application_id: Uuid,
) -> Result<(Programme, Application), ApiError> {
    let programme = administered_programme(conn, caller, programme_id)?;
    let application = subsidies::find_application(conn, application_id)?
        .filter(|a| a.programme_id == programme_id)
        .ok_or_else(ApiError::not_found)?;
    if application.status != ApplicationStatus::Pending {
        return Err(already_decided());
    }
    Ok((programme, application))
}

fn already_decided() -> ApiError {
    ApiError::conflict("already_decided").with_detail("该申请已作出决定", "the application has already been decided")
}

fn decide(
    conn: &mut DbConnection,
    actor: &Actor,
    application_id: Uuid,
    status: ApplicationStatus,
    note: Option<String>,
    decided_on: NaiveDate,
) -> Result<Application, ApiError> {
    let decided = subsidies::decide(
        conn,
        application_id,
        &Decision { status, decided_on, decided_by: actor.caller.client_id.clone(), note },
    )
    .map_err(|e| match e {
        StoreError::VersionConflict => already_decided(),
        other => other.into(),
    })?;
    Ok(decided)
}

fn approve(
    conn: &mut DbConnection,
    actor: &Actor,
    programme_id: Uuid,
    application_id: Uuid,
    body: Approval,
) -> Result<Done<DecisionView>, ApiError> {
    let (programme, application) = pending_application(conn, &actor.caller, programme_id, application_id)?;
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    v.finish()?;
    // The reservation comes first: it takes the programme's row lock, so
    // the cap check below sees every approval committed before it.
    if !subsidies::reserve(conn, programme_id, application.amount)? {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "budget_exhausted").with_detail(
            format!("补贴项目剩余预算不足以支付 {} 分", application.amount.value()),
            format!("the programme's remaining budget does not cover {} fen", application.amount.value()),
        ));
    }
    let already = subsidies::approved_for(conn, programme_id, application.enterprise_id, Some(application_id))?;
    // An error rolls the whole transaction back, the reservation included.
    within_cap(already, application.amount, programme.cap_per_enterprise).map_err(refused)?;
    let decided = decide(conn, actor, application_id, ApplicationStatus::Approved, body.note, today())?;
    actor.record(
        conn,
        "subsidy_application.approve",
        "subsidy_application",
        &application_id.to_string(),
        Some(&programme.region_code),
    )?;
    let programme = subsidies::find_programme(conn, programme_id)?.ok_or_else(ApiError::not_found)?;
    Ok(Done::created(
        DecisionView { application: ApplicationView::from(&decided), programme: ProgrammeView::from(&programme) },
        format!("/api/v1/subsidy-programmes/{programme_id}/applications/{application_id}"),
    ))
}

/// Approve an application, reserving its amount of the budget (豫安委〔2017〕17号 九(三)).
///
/// Admins and regulators whose jurisdiction covers the programme's region
/// (404 for other regulators and for an application of another programme;
/// other roles 403). In one transaction the amount is reserved by a
/// conditional update that never lets `committed_fen` pass `budget_fen` —
/// concurrent approvals included; when it does not fit, 422
/// `budget_exhausted` and nothing changes. Then the enterprise's cap is
/// checked against its other approved applications (422
/// `enterprise_cap_reached`, reservation undone). An application no longer
/// pending is a 409 `already_decided`. The decision date is today (CST).
#[utoipa::path(
    tag = "procurement",
    params(
        ("id" = Uuid, Path, description = "Programme id"),
        ("application_id" = Uuid, Path, description = "Application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = Approval,
    responses(
        (status = 201, description = "Approved; the programme's new commitment", body = DecisionView,
            headers(("Location" = String, description = "URL of the application"))),
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
#[post("/subsidy-programmes/{id}/applications/{application_id}/approval")]
pub async fn approve_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (id, application_id) = path.into_inner();
    let (scope, body) = idempotency::scoped_body::<Approval>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/subsidy-programmes/{id}/applications/{application_id}/approval",
        Target::Object(application_id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        approve(conn, &actor, id, application_id, body)
    })
    .await
}

fn reject(
    conn: &mut DbConnection,
    actor: &Actor,
    programme_id: Uuid,
    application_id: Uuid,
    body: Rejection,
) -> Result<Done<DecisionView>, ApiError> {
    let (programme, _) = pending_application(conn, &actor.caller, programme_id, application_id)?;
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    v.finish()?;
    let decided = decide(conn, actor, application_id, ApplicationStatus::Rejected, Some(body.note), today())?;
    actor.record(
        conn,
        "subsidy_application.reject",
        "subsidy_application",
        &application_id.to_string(),
        Some(&programme.region_code),
    )?;
    Ok(Done::created(
        DecisionView { application: ApplicationView::from(&decided), programme: ProgrammeView::from(&programme) },
        format!("/api/v1/subsidy-programmes/{programme_id}/applications/{application_id}"),
    ))
}

/// Reject an application, with the reason (豫安委〔2017〕17号 九(三)).
///
/// Admins and regulators whose jurisdiction covers the programme's region
/// (404 otherwise, and for an application of another programme; other roles
/// 403). Nothing is reserved. `note` (1–2000 characters, line breaks
/// allowed) says why. An application no longer pending is a 409
/// `already_decided`. The decision date is today (CST).
#[utoipa::path(
    tag = "procurement",
    params(
        ("id" = Uuid, Path, description = "Programme id"),
        ("application_id" = Uuid, Path, description = "Application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = Rejection,
    responses(
        (status = 201, description = "Rejected", body = DecisionView,
            headers(("Location" = String, description = "URL of the application"))),
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
#[post("/subsidy-programmes/{id}/applications/{application_id}/rejection")]
pub async fn reject_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (id, application_id) = path.into_inner();
    let (scope, body) = idempotency::scoped_body::<Rejection>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/subsidy-programmes/{id}/applications/{application_id}/rejection",
        Target::Object(application_id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        reject(conn, &actor, id, application_id, body)
    })
    .await
}
