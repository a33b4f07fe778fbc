//! Demands, matches and bids (豫安委〔2017〕17号 九(三)).
//!
//! An enterprise (or a regulator for a small one) posts a demand; the platform matches it with
//! the providers that may serve it — qualified for the service on the deadline, not suspended,
//! revoked, banned or blacklisted (八(一)–八(三)) — ranked by credit grade, city and score;
//! providers bid; the enterprise awards one bid.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::marketplace::{effective_status, rank, Candidate, DemandStatus, Exclusion};
use domain::organization::{OrganizationKind, Role, ServiceType};
use domain::region::{jurisdiction_covers, RegionCode, RegionInfo};
use domain::validation::{Collector, FieldError};
use persistence::marketplace::{self, Bid, Demand, DemandFilter, NewBid, NewDemand};
use persistence::organizations::{self, Organization};
use persistence::{regions, DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::access::{may_register_in, Sight};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::db;
use crate::eligibility;
use crate::error::ApiError;
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::{region_info, visible_organization};
use crate::schemas::fields::{collect_validator, date_or_today, parse_date};
use crate::schemas::marketplace::{
    BidList, BidView, CreateAward, CreateBid, CreateDemand, DemandOnQuery, DemandQuery, DemandView, ExcludedView,
    MatchList, MatchView,
};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_demand)
        .service(list_demands)
        .service(get_demand)
        .service(withdraw_demand)
        .service(demand_matches)
        .service(create_bid)
        .service(list_bids)
        .service(award_demand);
}

fn demand_not_open(status: DemandStatus) -> ApiError {
    ApiError::conflict("demand_not_open")
        .with_detail(format!("需求当前状态为 {status}，不再接受此操作"), format!("the demand is {status}, not open"))
}

fn not_eligible(exclusion: Exclusion) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "provider_not_eligible")
        .with_detail(format!("服务机构不符合条件：{}", exclusion.code()), exclusion.message())
        .with_errors(vec![FieldError {
            field: "provider".to_owned(),
            code: exclusion.code(),
            message: exclusion.message().to_owned(),
        }])
}

fn demand_region(conn: &mut DbConnection, demand: &Demand) -> Result<RegionInfo, ApiError> {
    region_info(conn, &demand.region_code)?
        .ok_or_else(|| ApiError::internal(format!("demand {} has an unknown region", demand.id)))
}

/// Whether the caller answers for the demand: the enterprise that needs it, a regulator whose
/// jurisdiction covers its location, or an admin.
fn answers_for(caller: &Caller, demand: &Demand, region: &RegionInfo) -> bool {
    match caller.role {
        Role::Admin => true,
        Role::Regulator => caller.jurisdiction().is_some_and(|j| jurisdiction_covers(j, region)),
        Role::Enterprise => caller.organization_id == Some(demand.enterprise_id),
        _ => false,
    }
}

/// The demand if the caller answers for it ([`answers_for`]); 404 otherwise.
fn owned_demand(conn: &mut DbConnection, caller: &Caller, demand: Option<Demand>) -> Result<Demand, ApiError> {
    let demand = demand.ok_or_else(ApiError::not_found)?;
    let region = demand_region(conn, &demand)?;
    if answers_for(caller, &demand, &region) {
        Ok(demand)
    } else {
        Err(ApiError::not_found())
    }
}

/// The demand if the caller may see it: those who answer for it, and providers (agency) while
/// it is open today or when they bid on it; 404 otherwise.
fn visible_demand(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Demand, ApiError> {
    let demand = marketplace::find_demand(conn, id)?.ok_or_else(ApiError::not_found)?;
    if caller.role == Role::Agency {
        let Some(provider) = caller.organization_id else { return Err(ApiError::not_found()) };
        if effective_status(demand.status, demand.deadline, today()) == DemandStatus::Open
            || !marketplace::bids_of_demand(conn, demand.id, Some(provider))?.is_empty()
        {
            return Ok(demand);
        }
        return Err(ApiError::not_found());
    }
    owned_demand(conn, caller, Some(demand))
}

// ---------------------------------------------------------------------------
// Demands
// ---------------------------------------------------------------------------

struct CheckedDemand {
    service_type: ServiceType,
    region: RegionInfo,
    deadline: NaiveDate,
}

fn check_demand(conn: &mut DbConnection, body: &CreateDemand) -> Result<CheckedDemand, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let service_type = v.check("service_type", ServiceType::parse(&body.service_type));
    let code = v.check("region_code", RegionCode::parse(&body.region_code));
    let region = match &code {
        Some(code) => {
            let region = region_info(conn, code)?;
            if region.is_none() {
                v.push("region_code", "unknown_region", "no such region in the region table");
            }
            region
        }
        None => None,
    };
    let deadline = parse_date("deadline", &body.deadline, &mut v);
    let deadline = match deadline {
        Some(d) if d < today() => {
            v.push("deadline", "out_of_range", "must not be in the past (CST)");
            None
        }
        other => other,
    };
    v.finish()?;
    match (service_type, region, deadline) {
        (Some(service_type), Some(region), Some(deadline)) => Ok(CheckedDemand { service_type, region, deadline }),
        _ => Err(ApiError::internal("demand validated without its parts")),
    }
}

/// The enterprise the demand is for: an enterprise's own organisation (an `enterprise_id` naming
/// another is a 404, as if it did not exist); for regulators and admins the named one, which a
/// regulator must see (its jurisdiction) and which must be an enterprise.
fn demand_enterprise(conn: &mut DbConnection, caller: &Caller, named: Option<Uuid>) -> Result<Organization, ApiError> {
    let id = match (caller.role, named) {
        (Role::Enterprise, named) => {
            let own = caller.organization_id.ok_or_else(ApiError::forbidden)?;
            if named.is_some_and(|n| n != own) {
                return Err(ApiError::not_found());
            }
            own
        }
        (_, Some(named)) => named,
        (_, None) => {
            return Err(ApiError::invalid_field("enterprise_id", "required", "name the enterprise in need"));
        }
    };
    let org = match visible_organization(conn, caller, id)? {
        (org, _, Sight::Full) => org,
        _ => return Err(ApiError::not_found()),
    };
    if org.kind != OrganizationKind::Enterprise {
        return Err(ApiError::invalid_field(
            "enterprise_id",
            "not_an_enterprise",
            "demands are posted for enterprises",
        ));
    }
    Ok(org)
}

fn post_demand(conn: &mut DbConnection, actor: &Actor, body: CreateDemand) -> Result<Done<DemandView>, ApiError> {
    let enterprise = demand_enterprise(conn, &actor.caller, body.enterprise_id)?;
    let checked = check_demand(conn, &body)?;
    if actor.caller.role == Role::Regulator {
        // A regulator posts only where it supervises, so it can follow the demand up.
        may_register_in(&actor.caller, &checked.region)?;
    }
    let demand = marketplace::insert_demand(
        conn,
        &NewDemand {
            enterprise_id: enterprise.id,
            service_type: checked.service_type,
            region_code: checked.region.code.clone(),
            budget_fen: body.budget_fen,
            deadline: checked.deadline,
            description: body.description,
            posted_by: actor.caller.client_id.clone(),
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "demand.create", "demand", &demand.id.to_string(), Some(&demand.region_code))?;
    Ok(Done::created(DemandView::new(&demand, today()), format!("/api/v1/marketplace/demands/{}", demand.id)))
}

/// Post a service demand (豫安委〔2017〕17号 九(三)).
///
/// An enterprise posts for itself (`enterprise_id` omitted or its own; another enterprise's is a
/// 404); a regulator posts on behalf of an enterprise in its jurisdiction (404 outside it), for a
/// location it supervises (403 `outside_jurisdiction` otherwise); an admin for any enterprise.
/// Regulators and admins must name `enterprise_id` (422 `required`), which must be an enterprise
/// (422 `not_an_enterprise`). `region_code` must be in the region table (422 `unknown_region`),
/// `budget_fen` an integer of at least 0, `deadline` today or later (422 `out_of_range`),
/// `description` 1 to 2000 characters. The demand starts `open`. An optional `Idempotency-Key`
/// makes retries safe. Other roles: 403.
#[utoipa::path(
    tag = "marketplace",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateDemand,
    responses(
        (status = 201, description = "Posted", body = DemandView,
            headers(("Location" = String, description = "URL of the demand"))),
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
#[post("/marketplace/demands")]
pub async fn create_demand(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise])?;
    let (scope, body) = idempotency::scoped_body::<CreateDemand>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/marketplace/demands",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| post_demand(conn, &actor, body)).await
}

/// List demands (豫安委〔2017〕17号 九(三)).
///
/// An enterprise sees its own; a provider (agency) sees every demand open on `on`, in all regions
/// — it needs to find work (asking for another `status` gives an empty page); a regulator those
/// located in its jurisdiction; an admin all. Portals and insurers: 403. Ordered by id (posting
/// order) and cursor-paginated; `status` narrows to a status on `on` (CST, default today; an open
/// demand past its deadline is `expired`).
#[utoipa::path(
    tag = "marketplace",
    params(DemandQuery),
    responses(
        (status = 200, description = "One page", body = Page<DemandView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/marketplace/demands")]
pub async fn list_demands(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<DemandQuery>,
) -> Result<web::Json<Page<DemandView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise, Role::Agency])?;
    let query = query.into_inner();
    let mut v = Collector::new();
    let status = query.status.as_deref().and_then(|s| v.check("status", DemandStatus::parse(s)));
    v.finish()?;
    let on = date_or_today("on", query.on.as_deref())?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let mut filter = DemandFilter { status, ..DemandFilter::default() };
    match caller.role {
        Role::Admin => {}
        Role::Regulator => filter.jurisdiction = Some(caller.jurisdiction().cloned().ok_or_else(ApiError::forbidden)?),
        Role::Enterprise => filter.enterprise_id = Some(caller.organization_id.ok_or_else(ApiError::forbidden)?),
        _ => {
            if status.is_some_and(|s| s != DemandStatus::Open) {
                return Ok(web::Json(Page { items: Vec::new(), next_cursor: None }));
            }
            filter.status = Some(DemandStatus::Open);
        }
    }
    let page = db::run(&state.pool, move |conn| Ok(marketplace::demand_page(conn, on, &filter, after, limit)?)).await?;
    Ok(web::Json(Page::from_store(page, |d| DemandView::new(&d, on))))
}

/// Fetch a demand (豫安委〔2017〕17号 九(三)).
///
/// The enterprise in need, regulators whose jurisdiction covers its location, admins; a
/// provider (agency) while the demand is open today or when it has bid on it. Anyone else bound
/// to an organisation, or a regulator elsewhere: 404. Portals and insurers: 403. `status`
/// describes `on` (CST, default today).
#[utoipa::path(
    tag = "marketplace",
    params(("id" = Uuid, Path, description = "Demand id"), DemandOnQuery),
    responses(
        (status = 200, description = "The demand", body = DemandView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/marketplace/demands/{id}")]
pub async fn get_demand(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DemandOnQuery>,
) -> Result<web::Json<DemandView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise, Role::Agency])?;
    let id = id.into_inner();
    let on = date_or_today("on", query.on.as_deref())?;
    let demand = db::run(&state.pool, move |conn| visible_demand(conn, &caller, id)).await?;
    Ok(web::Json(DemandView::new(&demand, on)))
}

fn withdraw(conn: &mut DbConnection, actor: &Actor, id: Uuid) -> Result<Done<DemandView>, ApiError> {
    let locked = marketplace::lock_demand(conn, id)?;
    let demand = owned_demand(conn, &actor.caller, locked)?;
    let now = today();
    let status = effective_status(demand.status, demand.deadline, now);
    if status != DemandStatus::Open {
        return Err(demand_not_open(status));
    }
    let demand =
        marketplace::set_demand_status(conn, id, demand.version, DemandStatus::Withdrawn, None, crate::clock::now())?;
    actor.record(conn, "demand.withdraw", "demand", &id.to_string(), Some(&demand.region_code))?;
    Ok(Done::ok(DemandView::new(&demand, now)))
}

/// Withdraw an open demand (豫安委〔2017〕17号 九(三)).
///
/// The enterprise in need, a regulator whose jurisdiction covers the demand's location, or an
/// admin; anyone else bound to an organisation or a regulator elsewhere gets 404; agencies,
/// insurers and portals 403. Only an open demand (today, CST) can be withdrawn: an awarded,
/// withdrawn or expired one is a 409 `demand_not_open`. The body is an empty JSON object `{}`
/// (every POST carries JSON; none is 415).
#[utoipa::path(
    tag = "marketplace",
    params(("id" = Uuid, Path, description = "Demand id")),
    responses(
        (status = 200, description = "Withdrawn", body = DemandView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/marketplace/demands/{id}/withdrawal")]
pub async fn withdraw_demand(
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise])?;
    let id = id.into_inner();
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, None, StatusCode::OK, move |conn| withdraw(conn, &actor, id)).await
}

// ---------------------------------------------------------------------------
// Matches
// ---------------------------------------------------------------------------

fn matches_of(conn: &mut DbConnection, caller: &Caller, id: Uuid, on: NaiveDate) -> Result<MatchList, ApiError> {
    let found = marketplace::find_demand(conn, id)?;
    let demand = owned_demand(conn, caller, found)?;
    let region = demand_region(conn, &demand)?;
    let providers = marketplace::provider_candidates(conn)?;
    let exclusions = eligibility::exclusions(conn, &providers, Some(demand.service_type), on, demand.deadline)?;
    let regions: HashMap<String, RegionInfo> = regions::list(conn)?
        .into_iter()
        .map(|r| r.info().map(|info| (info.code.as_str().to_owned(), info)))
        .collect::<Result<_, StoreError>>()?;
    let mut eligible = Vec::new();
    let mut candidates = Vec::new();
    let mut excluded = Vec::new();
    for (provider, exclusion) in providers.into_iter().zip(exclusions) {
        if let Some(exclusion) = exclusion {
            excluded.push(ExcludedView {
                id: provider.id,
                credit_code: provider.credit_code.as_str().to_owned(),
                name: provider.name,
                code: exclusion.code(),
                reason: exclusion.message(),
            });
            continue;
        }
        let home = regions
            .get(provider.region_code.as_str())
            .cloned()
            .ok_or_else(|| ApiError::internal(format!("organisation {} has an unknown region", provider.id)))?;
        eligible.push((provider, home));
    }
    // The eligible providers' scores in one query per 500 (八(三) credit ranks them).
    let ids: Vec<Uuid> = eligible.iter().map(|(provider, _)| provider.id).collect();
    let mut scores = crate::credit::current_among(conn, &ids, on)?;
    for (provider, home) in eligible {
        let score = scores
            .remove(&provider.id)
            .ok_or_else(|| ApiError::internal(format!("no score for provider {}", provider.id)))?;
        candidates.push(Candidate {
            credit_code: provider.credit_code.as_str().to_owned(),
            grade: score.grade,
            score: score.value,
            region: home,
            provider,
        });
    }
    let matches = rank(&region, candidates)
        .into_iter()
        .map(|m| MatchView {
            id: m.provider.id,
            credit_code: m.credit_code,
            name: m.provider.name,
            region_code: m.provider.region_code.as_str().to_owned(),
            grade: m.grade,
            score: m.score,
            same_city: m.same_city,
            reasons: m.reasons,
        })
        .collect();
    let sees_exclusions = matches!(caller.role, Role::Admin | Role::Regulator);
    Ok(MatchList {
        demand_id: demand.id,
        service_type: demand.service_type.as_str().to_owned(),
        on,
        qualification_on: demand.deadline,
        matches,
        excluded: sees_exclusions.then_some(excluded),
    })
}

/// The providers that may serve a demand, ranked (豫安委〔2017〕17号 九(三)).
///
/// Eligible providers are those whose services cover the demand's type (an entrusted-management
/// firm covers hazard investigation, standardisation and emergency planning, 四(二)), whose
/// qualification is valid on the demand's deadline, and who on `on` (CST, default today) are not
/// revoked or suspended (八(一)), under an industry ban (八(二)) or on the blacklist (八(三)).
/// They are ranked by credit grade, then home in the demand's prefecture-level city before other
/// cities, then score, then credit code; each match lists its reasons. `excluded` names every
/// other provider with the rule that excludes it, and is shown to regulators and admins only.
/// The enterprise in need, regulators whose jurisdiction covers the demand's location, admins;
/// others bound to an organisation or regulators elsewhere: 404; agencies, insurers, portals: 403.
#[utoipa::path(
    tag = "marketplace",
    params(("id" = Uuid, Path, description = "Demand id"), DemandOnQuery),
    responses(
        (status = 200, description = "The ranked matches", body = MatchList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/marketplace/demands/{id}/matches")]
pub async fn demand_matches(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DemandOnQuery>,
) -> Result<web::Json<MatchList>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise])?;
    let id = id.into_inner();
    let on = date_or_today("on", query.on.as_deref())?;
    let list = db::run(&state.pool, move |conn| matches_of(conn, &caller, id, on)).await?;
    Ok(web::Json(list))
}

// ---------------------------------------------------------------------------
// Bids and award
// ---------------------------------------------------------------------------

fn bid(conn: &mut DbConnection, actor: &Actor, id: Uuid, body: CreateBid) -> Result<Done<BidView>, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    v.finish()?;
    let provider_id = actor.caller.organization_id.ok_or_else(ApiError::forbidden)?;
    let provider = organizations::find(conn, provider_id)?.ok_or_else(ApiError::forbidden)?;
    let demand = marketplace::lock_demand(conn, id)?.ok_or_else(ApiError::not_found)?;
    let now = today();
    let status = effective_status(demand.status, demand.deadline, now);
    if status != DemandStatus::Open {
        return Err(demand_not_open(status));
    }
    if let Some(exclusion) =
        eligibility::exclusion_judged(conn, &provider, Some(demand.service_type), now, demand.deadline)?
    {
        return Err(not_eligible(exclusion));
    }
    if !marketplace::bids_of_demand(conn, demand.id, Some(provider.id))?.is_empty() {
        return Err(ApiError::conflict("bid_exists"));
    }
    let bid = match marketplace::insert_bid(
        conn,
        &NewBid {
            demand_id: demand.id,
            provider_id: provider.id,
            price_fen: body.price_fen,
            plan: body.plan,
            created_by: actor.caller.client_id.clone(),
        },
        crate::clock::now(),
    ) {
        Ok(bid) => bid,
        Err(StoreError::Duplicate(_)) => return Err(ApiError::conflict("bid_exists")),
        Err(other) => return Err(other.into()),
    };
    actor.record(conn, "bid.create", "bid", &bid.id.to_string(), Some(&demand.region_code))?;
    Ok(Done::created(BidView::from(&bid), format!("/api/v1/marketplace/demands/{}/bids", demand.id)))
}

/// Bid on an open demand (豫安委〔2017〕17号 九(三)).
///
/// Agencies only, for the provider they act for; other roles 403. The demand must be open today
/// (CST), else 409 `demand_not_open` (an unknown demand is a 404). The provider must be eligible
/// for the demand's service — standing judged today, qualification on the deadline — else 422
/// `provider_not_eligible`, whose `errors[0].code` names the exclusion (`wrong_scope`,
/// `qualification_expired`, `suspended`, `revoked`, `banned`, `blacklisted`, `no_qualification`,
/// `not_a_provider`). One bid per provider and demand: a second is a 409 `bid_exists`.
/// `price_fen` is an integer of at least 0, `plan` 1 to 2000 characters. An optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "marketplace",
    params(
        ("id" = Uuid, Path, description = "Demand id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateBid,
    responses(
        (status = 201, description = "Bid recorded", body = BidView,
            headers(("Location" = String, description = "URL of the demand's bids"))),
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
#[post("/marketplace/demands/{id}/bids")]
pub async fn create_bid(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Agency])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateBid>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/marketplace/demands/{id}/bids",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| bid(conn, &actor, id, body)).await
}

fn bids_visible(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Vec<Bid>, ApiError> {
    let demand = visible_demand(conn, caller, id)?;
    let only = match caller.role {
        Role::Agency => Some(caller.organization_id.ok_or_else(ApiError::not_found)?),
        _ => None,
    };
    Ok(marketplace::bids_of_demand(conn, demand.id, only)?)
}

/// The bids on a demand (豫安委〔2017〕17号 九(三)).
///
/// The enterprise in need, regulators whose jurisdiction covers the demand's location and admins
/// see every bid; a provider (agency) sees only its own, on a demand it may see (open, or one it
/// bid on). Otherwise 404; insurers and portals 403. In bidding order.
#[utoipa::path(
    tag = "marketplace",
    params(("id" = Uuid, Path, description = "Demand id")),
    responses(
        (status = 200, description = "The bids", body = BidList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/marketplace/demands/{id}/bids")]
pub async fn list_bids(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<BidList>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise, Role::Agency])?;
    let id = id.into_inner();
    let bids = db::run(&state.pool, move |conn| bids_visible(conn, &caller, id)).await?;
    Ok(web::Json(BidList { items: bids.iter().map(BidView::from).collect() }))
}

fn award(conn: &mut DbConnection, actor: &Actor, id: Uuid, body: CreateAward) -> Result<Done<DemandView>, ApiError> {
    let locked = marketplace::lock_demand(conn, id)?;
    let demand = owned_demand(conn, &actor.caller, locked)?;
    let now = today();
    let status = effective_status(demand.status, demand.deadline, now);
    if status != DemandStatus::Open {
        return Err(demand_not_open(status));
    }
    let bid = marketplace::find_bid(conn, body.bid_id)?
        .filter(|b| b.demand_id == demand.id)
        .ok_or_else(|| ApiError::invalid_field("bid_id", "bid_not_of_demand", "not a bid on this demand"))?;
    let provider = organizations::find(conn, bid.provider_id)?
        .ok_or_else(|| ApiError::internal(format!("bid {} has no provider", bid.id)))?;
    // The provider must still be eligible when the work is awarded (九(三)).
    if let Some(exclusion) =
        eligibility::exclusion_judged(conn, &provider, Some(demand.service_type), now, demand.deadline)?
    {
        return Err(not_eligible(exclusion));
    }
    let demand = marketplace::set_demand_status(
        conn,
        id,
        demand.version,
        DemandStatus::Awarded,
        Some(bid.id),
        crate::clock::now(),
    )?;
    actor.record(conn, "demand.award", "demand", &id.to_string(), Some(&demand.region_code))?;
    Ok(Done::ok(DemandView::new(&demand, now)))
}

/// Award an open demand to one of its bids (豫安委〔2017〕17号 九(三)).
///
/// The enterprise in need, a regulator whose jurisdiction covers the demand's location, or an
/// admin; anyone else bound to an organisation or a regulator elsewhere gets 404; agencies,
/// insurers and portals 403. The demand must be open today (CST), else 409 `demand_not_open`;
/// `bid_id` must be a bid on this demand (422 `bid_not_of_demand`); the bidder must still be
/// eligible (422 `provider_not_eligible`, as for bidding). The demand becomes `awarded` with
/// `awarded_bid_id`. An optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "marketplace",
    params(
        ("id" = Uuid, Path, description = "Demand id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateAward,
    responses(
        (status = 200, description = "Awarded", body = DemandView),
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
#[post("/marketplace/demands/{id}/award")]
pub async fn award_demand(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Enterprise])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateAward>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/marketplace/demands/{id}/award",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::OK, move |conn| award(conn, &actor, id, body)).await
}
