//! Liability-insurance policies: `/api/v1/insurance/policies` (三(一)).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::credit_code::CreditCode;
use domain::events::EventType;
use domain::insurance::{apply_adjustment, check_minimum_cover, check_policy_period, CoverError};
use domain::money::Fen;
use domain::organization::{OrganizationKind, Role};
use domain::region::RegionCode;
use domain::validation::Collector;
use persistence::organizations::{self, Organization};
use persistence::policies::{self, NewPolicy, Policy, PolicyFilter};
use persistence::{regions, rules, DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::access::{organization_sight, Sight};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::schemas::fields::{collect_validator, parse_date};
use crate::schemas::policy::{CreatePolicy, PolicyQuery, PolicyView};
use crate::state::AppState;

/// The insurer organisation a caller acts for (403 for any other caller).
pub fn acting_insurer(caller: &Caller) -> Result<Uuid, ApiError> {
    caller.require(&[Role::Insurer])?;
    caller.organization_id.ok_or_else(ApiError::forbidden)
}

fn resolve_enterprise(
    conn: &mut DbConnection,
    body: &CreatePolicy,
    v: &mut Collector,
) -> Result<Option<Organization>, ApiError> {
    let found = match (&body.enterprise_id, &body.enterprise_credit_code) {
        (Some(id), None) => organizations::find(conn, *id)?,
        (None, Some(code)) => match v.check("enterprise_credit_code", CreditCode::parse(code)) {
            Some(code) => organizations::find_by_credit_code(conn, &code)?,
            None => return Ok(None),
        },
        (None, None) => {
            v.push("enterprise_id", "required", "give enterprise_id or enterprise_credit_code");
            return Ok(None);
        }
        (Some(_), Some(_)) => {
            v.push("enterprise_id", "ambiguous", "give enterprise_id or enterprise_credit_code, not both");
            return Ok(None);
        }
    };
    let field = if body.enterprise_id.is_some() { "enterprise_id" } else { "enterprise_credit_code" };
    match found {
        None => v.push(field, "unknown_organization", "no such organisation"),
        Some(org) if org.kind != OrganizationKind::Enterprise => {
            v.push(field, "not_an_enterprise", "only enterprises are insured")
        }
        Some(org) => return Ok(Some(org)),
    }
    Ok(None)
}

/// Checks a policy against the registry and the rules in force and stores it.
fn write_policy(
    conn: &mut DbConnection,
    actor: &Actor,
    insurer_id: Uuid,
    body: CreatePolicy,
) -> Result<Policy, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let enterprise = resolve_enterprise(conn, &body, &mut v)?;
    let start = parse_date("start_date", &body.start_date, &mut v);
    let end = parse_date("end_date", &body.end_date, &mut v);
    if let (Some(start), Some(end)) = (start, end) {
        if let Err(e) = check_policy_period(start, end) {
            v.push("end_date", e.code(), e.to_string());
        }
    }
    let mut min_cover_rule = None;
    // The refusal cites the rule version and clause that set the minimum.
    let mut cover_detail = None;
    if let Some(start) = start {
        let book = rules::load_rule_book(conn)?;
        match check_minimum_cover(&book, start, Fen::new(body.cover_per_person_fen)) {
            Ok(version) => min_cover_rule = version,
            Err(e) => {
                if let CoverError::BelowMinimum { minimum, version, clause } = &e {
                    cover_detail = Some((
                        format!("{start} 起每人死亡伤残保障金额不得低于 {minimum} 元（{version}；{clause}）"),
                        format!("from {start} cover per person must be at least {minimum} yuan ({version}; {clause})"),
                    ));
                }
                v.push("cover_per_person_fen", e.code(), e.to_string());
            }
        }
    }
    match apply_adjustment(Fen::new(body.base_premium_fen), body.risk_adjustment_bp) {
        Ok(expected) if expected.value() == body.charged_premium_fen => {}
        Ok(expected) => v.push(
            "charged_premium_fen",
            "premium_mismatch",
            format!("base × adjustment gives {} fen", expected.value()),
        ),
        Err(e) => v.push("risk_adjustment_bp", e.code(), e.to_string()),
    }
    if let Err(errors) = v.finish() {
        let problem = ApiError::validation(errors);
        return Err(match cover_detail {
            Some((zh, en)) => problem.with_detail(zh, en),
            None => problem,
        });
    }
    let (Some(enterprise), Some(start_date), Some(end_date)) = (enterprise, start, end) else {
        return Err(ApiError::internal("policy validated without its parts"));
    };
    let policy = policies::insert(
        conn,
        &NewPolicy {
            insurer_id,
            policy_number: body.policy_number,
            enterprise_id: enterprise.id,
            start_date,
            end_date,
            insured_headcount: i32::try_from(body.insured_headcount).map_err(ApiError::internal)?,
            cover_per_person: Fen::new(body.cover_per_person_fen),
            base_premium: Fen::new(body.base_premium_fen),
            charged_premium: Fen::new(body.charged_premium_fen),
            risk_adjustment_bp: body.risk_adjustment_bp,
            min_cover_rule,
        },
        crate::clock::now(),
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => ApiError::conflict("duplicate_policy_number"),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "insurance_policy.create",
        "insurance_policy",
        &policy.id.to_string(),
        Some(&enterprise.region_code),
    )?;
    events::publish(
        conn,
        EventType::PolicyCreated,
        Subject {
            resource_type: "insurance_policy",
            resource_id: policy.id.to_string(),
            region: Some(&enterprise.region_code),
            organization_id: Some(enterprise.id),
            counterparty_id: Some(insurer_id),
        },
        serde_json::json!({
            "policy_number": policy.policy_number,
            "enterprise_credit_code": enterprise.credit_code.as_str(),
            "start_date": policy.start_date,
            "end_date": policy.end_date,
            "insured_headcount": policy.insured_headcount,
            "cover_per_person_fen": policy.cover_per_person.value(),
            "charged_premium_fen": policy.charged_premium.value(),
        }),
    )?;
    Ok(policy)
}

/// Write a policy (insurers, for their own organisation).
///
/// The cover per person must reach the minimum in force on the start date
/// (rule `min_cover_per_person_fen`: 300 000 yuan, 400 000 yuan from
/// 2025-03-29); the charged premium must equal the base premium adjusted by
/// `risk_adjustment_bp` under the platform's rounding rule. An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "insurance",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreatePolicy,
    responses(
        (status = 201, description = "Written", body = PolicyView,
            headers(("Location" = String, description = "URL of the policy"))),
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
#[post("/insurance/policies")]
pub async fn create_policy(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    let insurer_id = acting_insurer(&caller)?;
    let (scope, body) = idempotency::scoped_body::<CreatePolicy>(
        &req,
        insurer_id.to_string(),
        "POST /api/v1/insurance/policies",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        let policy = write_policy(conn, &actor, insurer_id, body)?;
        Ok(Done::created(PolicyView::from(&policy), format!("/api/v1/insurance/policies/{}", policy.id)))
    })
    .await
}

/// The insurer that wrote it, the insured enterprise, admins and regulators
/// of the enterprise's jurisdiction may see a policy.
fn policy_visible(conn: &mut DbConnection, caller: &Caller, policy: &Policy) -> Result<bool, ApiError> {
    if caller.role == Role::Insurer {
        return Ok(caller.organization_id == Some(policy.insurer_id));
    }
    let Some(enterprise) = organizations::find(conn, policy.enterprise_id)? else { return Ok(false) };
    let Some(region) = regions::find(conn, &enterprise.region_code)? else { return Ok(false) };
    Ok(match caller.role {
        Role::Admin | Role::Regulator | Role::Enterprise => {
            organization_sight(caller, enterprise.id, &region.info()?) == Sight::Full
        }
        _ => false,
    })
}

/// Fetch one policy.
#[utoipa::path(
    tag = "insurance",
    params(("id" = Uuid, Path, description = "Policy id")),
    responses(
        (status = 200, description = "The policy", body = PolicyView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/insurance/policies/{id}")]
pub async fn get_policy(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<PolicyView>, ApiError> {
    let id = id.into_inner();
    let policy = db::run(&state.pool, move |conn| {
        let policy = policies::find(conn, id)?.ok_or_else(ApiError::not_found)?;
        if policy_visible(conn, &caller, &policy)? {
            Ok(policy)
        } else {
            Err(ApiError::not_found())
        }
    })
    .await?;
    Ok(web::Json(PolicyView::from(&policy)))
}

/// List policies.
///
/// Insurers see the policies they wrote, enterprises their own, regulators
/// those of enterprises in their jurisdiction, admins all. Ordered by
/// creation (ascending id).
#[utoipa::path(
    tag = "insurance",
    params(PolicyQuery),
    responses(
        (status = 200, description = "One page", body = Page<PolicyView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/insurance/policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PolicyQuery>,
) -> Result<web::Json<Page<PolicyView>>, ApiError> {
    let query = query.into_inner();
    let mut v = Collector::new();
    let in_force_on = query.in_force_on.as_deref().and_then(|d| parse_date("in_force_on", d, &mut v));
    let region = query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r)));
    v.finish()?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let mut filter = PolicyFilter {
        enterprise_id: query.enterprise,
        in_force_on,
        region: region.map(|r| r.as_str().to_owned()),
        ..PolicyFilter::default()
    };
    match caller.role {
        Role::Admin => {}
        Role::Regulator => {
            filter.jurisdiction = caller.jurisdiction().filter(|j| !j.is_province()).map(|j| j.as_str().to_owned());
        }
        Role::Insurer => filter.insurer_id = Some(acting_insurer(&caller)?),
        Role::Enterprise => filter.enterprise_id = Some(caller.organization_id.ok_or_else(ApiError::forbidden)?),
        Role::Agency | Role::Portal => return Err(ApiError::forbidden()),
    }
    if caller.role == Role::Enterprise && query.enterprise.is_some_and(|e| Some(e) != caller.organization_id) {
        return Ok(web::Json(Page { items: Vec::new(), next_cursor: None }));
    }
    let page = db::run(&state.pool, move |conn| Ok(policies::list(conn, &filter, after, limit)?)).await?;
    Ok(web::Json(Page::from_store(page, |p| PolicyView::from(&p))))
}
