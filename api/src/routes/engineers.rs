//! Registered safety engineers and staffing compliance (豫安委〔2017〕17号
//! 四(一)): units producing or storing dangerous goods, mines, metal
//! smelting units and technical service agencies must employ them.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::engineers::{
    must_employ_engineers, registration_valid_until, staffing_verdict, EngineerCategory, EngineerLevel, StaffingFacts,
};
use domain::events::EventType;
use domain::organization::{OrganizationKind, Role, Sector};
use domain::region::RegionCode;
use domain::validation::Collector;
use persistence::engineers::{self, NewEngineer};
use persistence::organizations::Organization;
use persistence::{people, rules, DbConnection, StoreError};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::access::{may_register_in, organization_list_scope, ListScope, Sight};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::events::{self, Subject};
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
use crate::schemas::engineer::{CreateEngineer, EngineerView, NoncompliantOrganization, StaffingView};
use crate::schemas::fields::{collect_validator, date_or_today, past_date};
use crate::schemas::person::PersonView;
use crate::state::AppState;

fn register_engineer(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateEngineer,
) -> Result<Done<EngineerView>, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let named = check_person("person", &body.person, &mut v);
    let level = v.check("level", EngineerLevel::parse(&body.level));
    let category = v.check("category", EngineerCategory::parse(&body.category));
    let registered_on = past_date("registered_on", &body.registered_on, &mut v);
    // An employer outside the caller's sight is as unknown as a missing one.
    let employer = match visible_organization(conn, &actor.caller, body.employer_id) {
        Ok((org, region, Sight::Full)) => Some((org, region)),
        Ok(_) | Err(_) => {
            v.push("employer_id", "unknown_organization", "no such organisation in your jurisdiction");
            None
        }
    };
    v.finish()?;
    let (Some(named), Some(level), Some(category), Some(registered_on), Some((employer, region))) =
        (named, level, category, registered_on, employer)
    else {
        return Err(ApiError::internal("engineer validated without its parts"));
    };
    may_register_in(&actor.caller, &region)?;
    let hours = u32::try_from(body.continuing_education_hours).map_err(ApiError::internal)?;
    let book = rules::load_rule_book(conn)?;
    // A registration date before any validity rule is the caller's 422, not a 500.
    let valid_until = registration_valid_until(&book, registered_on).map_err(|e| ApiError::rule("registered_on", e))?;
    let person = find_or_create(conn, "person", &named)?;
    let engineer = engineers::insert(
        conn,
        &NewEngineer {
            person_id: person.id,
            level,
            category,
            registration_number: body.registration_number,
            registered_on,
            valid_until: valid_until.value,
            validity_rule_version: valid_until.version,
            employer_id: employer.id,
            continuing_education_hours: hours,
        },
        crate::clock::now(),
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => ApiError::conflict("duplicate_registration_number"),
        other => other.into(),
    })?;
    actor.record(conn, "engineer.register", "engineer", &engineer.id.to_string(), Some(&employer.region_code))?;
    // The employer's staffing changes; the person and the registration
    // number stay out of the feed.
    events::publish(
        conn,
        EventType::EngineerRegistered,
        Subject {
            resource_type: "engineer",
            resource_id: engineer.id.to_string(),
            region: Some(&employer.region_code),
            organization_id: Some(employer.id),
            counterparty_id: None,
        },
        serde_json::json!({
            "employer_credit_code": employer.credit_code.as_str(),
            "level": engineer.level.as_str(),
            "category": engineer.category.as_str(),
            "registered_on": engineer.registered_on,
            "valid_until": engineer.valid_until,
        }),
    )?;
    Ok(Done::created(
        EngineerView::new(&engineer, PersonView::new(&person, true)),
        format!("/api/v1/engineers/{}", engineer.id),
    ))
}

/// Register a safety engineer with an employer (regulators of the
/// employer's jurisdiction, admins).
///
/// The registration is valid 5 years (rule parameter in force on the
/// registration date); its last day and the rule version are returned. A
/// registration number already recorded is a 409. An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "engineers",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateEngineer,
    responses(
        (status = 201, description = "Registered", body = EngineerView),
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
#[post("/engineers")]
pub async fn create_engineer(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateEngineer>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/engineers",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| register_engineer(conn, &actor, body))
        .await
}

/// Fetch an engineer's registration.
///
/// Admins, the employer and regulators whose jurisdiction covers the
/// engineer see the identity number whole; other regulators and portals
/// masked; anyone else gets 404.
#[utoipa::path(
    tag = "engineers",
    params(("id" = Uuid, Path, description = "Engineer registration id")),
    responses(
        (status = 200, description = "The registration", body = EngineerView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/engineers/{id}")]
pub async fn get_engineer(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<EngineerView>, ApiError> {
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| {
        let engineer = engineers::find(conn, id)?.ok_or_else(ApiError::not_found)?;
        let sight = match caller.role {
            Role::Admin => Sight::Full,
            Role::Regulator => person_sight(conn, &caller, engineer.person_id, today())?,
            Role::Portal => Sight::Masked,
            _ if caller.organization_id == Some(engineer.employer_id) => Sight::Full,
            _ => Sight::Hidden,
        };
        if sight == Sight::Hidden {
            return Err(ApiError::not_found());
        }
        let person = people::find(conn, engineer.person_id)?
            .ok_or_else(|| ApiError::internal("engineer of an unknown person"))?;
        Ok(EngineerView::new(&engineer, PersonView::new(&person, sight == Sight::Full)))
    })
    .await?;
    Ok(web::Json(body))
}

/// The organisation's staffing on `on`, judged by 四(一).
fn staffing(conn: &mut DbConnection, org: &Organization, on: NaiveDate) -> Result<StaffingView, ApiError> {
    let valid_registrations = engineers::count_in_force(conn, org.id, on)?;
    let mut head_of_safety_registered = None;
    for head in people::staff_of(conn, org.id)?.iter().filter(|e| e.safety_head && e.on(on)) {
        let registered = engineers::person_registered(conn, head.person_id, on)?;
        head_of_safety_registered = Some(head_of_safety_registered.unwrap_or(false) || registered);
    }
    let verdict =
        staffing_verdict(org.kind, org.sector, StaffingFacts { valid_registrations, head_of_safety_registered });
    Ok(StaffingView {
        organization_id: org.id,
        on,
        required: verdict.required,
        compliant: verdict.compliant,
        valid_registrations,
        head_of_safety_registered: verdict.head_of_safety_registered,
        reasons: verdict.reasons,
        clause: verdict.clause.to_owned(),
    })
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// The date judged (CST); defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// Whether an organisation's engineer staffing meets 四(一) on a date.
///
/// Whether the rule names it, how many of its engineers' registrations are
/// in force, whether the head of its safety management department holds
/// one (advisory), and the verdict with its clause. The organisation
/// itself, admins and regulators of its jurisdiction.
#[utoipa::path(
    tag = "engineers",
    params(("id" = Uuid, Path, description = "Organisation id"), OnQuery),
    responses(
        (status = 200, description = "The verdict", body = StaffingView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/staffing-compliance")]
pub async fn organization_staffing(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<OnQuery>,
) -> Result<web::Json<StaffingView>, ApiError> {
    let id = id.into_inner();
    let on = date_or_today("on", query.on.as_deref())?;
    let body = db::run(&state.pool, move |conn| {
        let (org, _, sight) = visible_organization(conn, &caller, id)?;
        if sight != Sight::Full || caller.role == Role::Portal {
            return Err(ApiError::forbidden());
        }
        staffing(conn, &org, on)
    })
    .await?;
    Ok(web::Json(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoncompliantQuery {
    /// Only this region (a city includes its counties); must lie in the caller's jurisdiction.
    #[param(example = "410100")]
    pub region: Option<String>,
    /// The date judged (CST); defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Organisations failing the engineer staffing rule (regulators, admins).
///
/// Organisations the rule names (not revoked) with no engineer registration
/// in force on the date, in the caller's jurisdiction, in id order.
#[utoipa::path(
    tag = "engineers",
    params(NoncompliantQuery),
    responses(
        (status = 200, description = "One page", body = Page<NoncompliantOrganization>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/staffing-compliance")]
pub async fn noncompliant_organizations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<NoncompliantQuery>,
) -> Result<web::Json<Page<NoncompliantOrganization>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let mut v = Collector::new();
    let region = query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r)));
    v.finish()?;
    let on = date_or_today("on", query.on.as_deref())?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let jurisdiction = match organization_list_scope(&caller) {
        ListScope::Everything => None,
        ListScope::Jurisdiction(j) => Some(j),
        ListScope::Only(_) | ListScope::Nothing => return Err(ApiError::forbidden()),
    };
    let kinds: Vec<OrganizationKind> = OrganizationKind::ALL
        .iter()
        .copied()
        .filter(|&k| k != OrganizationKind::Enterprise && must_employ_engineers(k, None))
        .collect();
    let sectors: Vec<Sector> =
        Sector::ALL.iter().copied().filter(|&s| must_employ_engineers(OrganizationKind::Enterprise, Some(s))).collect();
    let page = db::run(&state.pool, move |conn| {
        let page =
            engineers::noncompliant(conn, on, &kinds, &sectors, region.as_ref(), jurisdiction.as_ref(), after, limit)?;
        let mut items = Vec::with_capacity(page.items.len());
        for org in &page.items {
            items.push(NoncompliantOrganization {
                organization_id: org.id,
                name: org.name.clone(),
                credit_code: org.credit_code.as_str().to_owned(),
                kind: org.kind,
                sector: org.sector,
                region_code: org.region_code.as_str().to_owned(),
                staffing: staffing(conn, org, on)?,
            });
        }
        Ok(Page { items, next_cursor: page.next_after.map(|key| pagination::encode_cursor(&key)) })
    })
    .await?;
    Ok(web::Json(page))
}
