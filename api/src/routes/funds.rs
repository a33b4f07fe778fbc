//! The prevention fund: `/api/v1/insurance/prevention-funds` (三(二)).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Datelike;
use domain::events::EventType;
use domain::insurance::{
    balances, check_expenditure, monthly_accruals, underspent_at_year_end, ExpenditureCategory, FundError,
};
use domain::money::Fen;
use domain::organization::{OrganizationKind, Role};
use domain::time::cst_date;
use domain::validation::Collector;
use persistence::expenditures::{self, NewExpenditure};
use persistence::organizations::{self, Organization, OrganizationFilter};
use persistence::{premiums, rules, DbConnection};
use uuid::Uuid;
use validator::Validate;

use crate::access::{organization_list_scope, ListScope};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::StrictJson;
use crate::funds::{ledger, ledger_start, YearFigures};
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::visible_organization;
use crate::routes::policies::acting_insurer;
use crate::schemas::fields::{collect_validator, parse_date};
use crate::schemas::fund::{
    CategoryAmount, CreateExpenditure, ExpenditureView, FundMonth, FundOverviewItem, FundOverviewQuery, FundYearView,
};
use crate::state::AppState;

fn current_year() -> i32 {
    domain::time::cst_year(crate::clock::now())
}

fn check_year(year: i32) -> Result<i32, ApiError> {
    if (2000..=9998).contains(&year) {
        Ok(year)
    } else {
        Err(ApiError::invalid_field("year", "invalid_range", "year must be between 2000 and 9998"))
    }
}

/// The insurer a caller may read the fund of, or 404.
fn visible_insurer(conn: &mut DbConnection, caller: &Caller, insurer_id: Uuid) -> Result<Organization, ApiError> {
    let (org, _, sight) = visible_organization(conn, caller, insurer_id)?;
    if org.kind != OrganizationKind::Insurer || sight != crate::access::Sight::Full {
        return Err(ApiError::not_found());
    }
    Ok(org)
}

/// The figures of `year` with the balance carried in and left.
fn year_view(insurer_id: Uuid, years: &[YearFigures], year: i32) -> Result<FundYearView, ApiError> {
    let fund_years: Vec<_> = years.iter().map(YearFigures::fund_year).collect();
    let running = balances(&fund_years).map_err(ApiError::internal)?;
    let (_, carried_in, balance) =
        running.iter().find(|(y, _, _)| *y == year).copied().ok_or_else(|| ApiError::internal("year missing"))?;
    let figures = years.iter().find(|f| f.year == year).ok_or_else(|| ApiError::internal("year missing"))?;
    let accruals = match &figures.rate {
        Some(rate) => monthly_accruals(&figures.monthly_net, rate.value).map_err(ApiError::internal)?,
        None => [Fen::ZERO; 12],
    };
    Ok(FundYearView {
        insurer_id,
        year,
        net_premium_fen: figures.net_premium.value(),
        levy_rate_bp: figures.rate.as_ref().map(|r| r.value.value()),
        rule_version: figures.rate.as_ref().map(|r| r.version.clone()),
        levy_fen: figures.levy.value(),
        spent_fen: figures.spent.value(),
        spent_by_category: figures
            .spent_by_category
            .iter()
            .map(|(category, amount)| CategoryAmount { category: *category, amount_fen: amount.value() })
            .collect(),
        carried_in_fen: carried_in.value(),
        balance_fen: balance.value(),
        underspent: underspent_at_year_end(&figures.fund_year(), current_year()),
        months: (0..12)
            .map(|m| FundMonth {
                month: u32::try_from(m + 1).unwrap_or(0),
                net_premium_fen: figures.monthly_net[m].value(),
                levy_accrued_fen: accruals[m].value(),
                spent_fen: figures.monthly_spent[m].value(),
            })
            .collect(),
    })
}

/// One insurer's prevention fund for a calendar year.
///
/// Premium income, the levy rate with its rule version, the levy owed (on
/// the yearly total), spending by category, the balance carried from earlier
/// years, the balance now and a month-by-month breakdown. The insurer
/// itself, admins and regulators of its jurisdiction.
#[utoipa::path(
    tag = "insurance",
    params(
        ("insurer_id" = Uuid, Path, description = "The insurer organisation"),
        ("year" = i32, Path, description = "Calendar year (CST), 2000–9998", minimum = 2000, maximum = 9998),
    ),
    responses(
        (status = 200, description = "The fund year", body = FundYearView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/insurance/prevention-funds/{insurer_id}/{year}")]
pub async fn fund_year(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, i32)>,
) -> Result<web::Json<FundYearView>, ApiError> {
    let (insurer_id, year) = path.into_inner();
    let year = check_year(year)?;
    let view = db::run(&state.pool, move |conn| {
        visible_insurer(conn, &caller, insurer_id)?;
        let book = rules::load_rule_book(conn)?;
        let years = ledger(conn, &book, insurer_id, year)?;
        year_view(insurer_id, &years, year)
    })
    .await?;
    Ok(web::Json(view))
}

struct CheckedExpenditure {
    spend: NewExpenditure,
    spend_year: i32,
}

fn check_body(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    body: CreateExpenditure,
) -> Result<CheckedExpenditure, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let category = v.check("category", ExpenditureCategory::parse(&body.category));
    let spent_on = parse_date("spent_on", &body.spent_on, &mut v);
    if let Some(day) = spent_on {
        if day > cst_date(crate::clock::now()) || day < ledger_start() {
            v.push("spent_on", "out_of_range", "between 2000-01-01 and today (CST)");
        }
    }
    if let Some(beneficiary) = body.beneficiary_organization_id {
        if organizations::find(conn, beneficiary)?.is_none() {
            v.push("beneficiary_organization_id", "unknown_organization", "no such organisation");
        }
    }
    v.finish()?;
    let (Some(category), Some(spent_on)) = (category, spent_on) else {
        return Err(ApiError::internal("expenditure validated without its parts"));
    };
    Ok(CheckedExpenditure {
        spend: NewExpenditure {
            insurer_id,
            category,
            amount: Fen::new(body.amount_fen),
            spent_on,
            description: body.description,
            beneficiary_id: body.beneficiary_organization_id,
        },
        spend_year: spent_on.year(),
    })
}

/// Spends from the fund if the earmarked balance allows it.
fn spend(
    conn: &mut DbConnection,
    actor: &Actor,
    insurer: &Organization,
    body: CreateExpenditure,
) -> Result<Done<ExpenditureView>, ApiError> {
    premiums::lock_insurer_ledger(conn, insurer.id)?;
    let checked = check_body(conn, insurer.id, body)?;
    let book = rules::load_rule_book(conn)?;
    let through = current_year().max(checked.spend_year);
    let years = ledger(conn, &book, insurer.id, through)?;
    let fund_years: Vec<_> = years.iter().map(YearFigures::fund_year).collect();
    if let Err(error) = check_expenditure(&fund_years, checked.spend_year, checked.spend.amount) {
        let mut problem = ApiError::invalid_field("amount_fen", error.code(), error.to_string());
        if let FundError::Insufficient { available } = error {
            problem = ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "insufficient_prevention_fund")
                .with_detail(format!("可用余额 {} 元", available), format!("available balance: {available} yuan"))
                .with_errors(problem.field_errors().to_vec());
        }
        return Err(problem);
    }
    let expenditure = expenditures::insert(conn, &checked.spend, crate::clock::now())?;
    let balance_before = balances(&fund_years).map_err(ApiError::internal)?.last().map_or(Fen::ZERO, |(_, _, b)| *b);
    let balance_after = balance_before.checked_sub(expenditure.amount).map_err(ApiError::internal)?.value();
    actor.record(
        conn,
        "prevention_fund.expenditure",
        "prevention_fund_expenditure",
        &expenditure.id.to_string(),
        Some(&insurer.region_code),
    )?;
    // The fund is the insurer's own business (三(二)): the beneficiary is a
    // fact of the event, not a party that sees it.
    events::publish(
        conn,
        EventType::FundExpenditureRecorded,
        Subject {
            resource_type: "prevention_fund_expenditure",
            resource_id: expenditure.id.to_string(),
            region: Some(&insurer.region_code),
            organization_id: Some(insurer.id),
            counterparty_id: None,
        },
        serde_json::json!({
            "category": expenditure.category.as_str(),
            "amount_fen": expenditure.amount.value(),
            "spent_on": expenditure.spent_on,
            "year": expenditure.spent_on.year(),
            "balance_after_fen": balance_after,
            "beneficiary_organization_id": expenditure.beneficiary_id,
        }),
    )?;
    Ok(Done::created(
        ExpenditureView::new(&expenditure, balance_after),
        format!("/api/v1/insurance/prevention-funds/{}/expenditures/{}", insurer.id, expenditure.id),
    ))
}

/// Record prevention spending (the insurer itself).
///
/// Only the six prevention categories of 三(二). Spending beyond the
/// available balance is 422 `insufficient_prevention_fund`: the earmark is
/// enforced, not just reported; refused attempts are audited too. Requires
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "insurance",
    params(
        ("insurer_id" = Uuid, Path, description = "The insurer organisation (the caller's own)"),
        ("Idempotency-Key" = String, Header, description = "Required; 1–200 visible ASCII characters"),
    ),
    request_body = CreateExpenditure,
    responses(
        (status = 201, description = "Recorded", body = ExpenditureView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = crate::problem::Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/insurance/prevention-funds/{insurer_id}/expenditures")]
pub async fn create_expenditure(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    insurer_id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    let insurer_id = insurer_id.into_inner();
    if acting_insurer(&caller)? != insurer_id {
        return Err(ApiError::not_found());
    }
    let (scope, body) = idempotency::required_scoped_body::<CreateExpenditure>(
        &req,
        insurer_id.to_string(),
        "POST /api/v1/insurance/prevention-funds/{insurer_id}/expenditures",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let attempt = actor.clone();
    let result = idempotency::run_once(&state.pool, Some(scope), StatusCode::CREATED, move |conn| {
        let insurer = organizations::find(conn, insurer_id)?.ok_or_else(ApiError::not_found)?;
        spend(conn, &attempt, &insurer, body)
    })
    .await;
    if let Err(refused) = &result {
        if refused.code() == "insufficient_prevention_fund" {
            db::transaction(&state.pool, move |conn| {
                let region = organizations::find(conn, insurer_id)?.map(|o| o.region_code);
                actor.record(
                    conn,
                    "prevention_fund.expenditure_refused",
                    "prevention_fund",
                    &insurer_id.to_string(),
                    region.as_ref(),
                )
            })
            .await?;
        }
    }
    result
}

/// Every insurer's fund for a year (admins and regulators).
///
/// Levy, spending and balance per insurer of the caller's jurisdiction, with
/// `underspent` for insurers that spent less than their levy in a finished
/// year. Ordered by insurer id.
#[utoipa::path(
    tag = "insurance",
    params(FundOverviewQuery),
    responses(
        (status = 200, description = "One page", body = Page<FundOverviewItem>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/insurance/prevention-funds")]
pub async fn fund_overview(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FundOverviewQuery>,
) -> Result<web::Json<Page<FundOverviewItem>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let year = check_year(query.year)?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let mut filter = OrganizationFilter { kind: Some(OrganizationKind::Insurer), ..OrganizationFilter::default() };
    if let ListScope::Jurisdiction(j) = organization_list_scope(&caller) {
        filter.jurisdiction = Some(j);
    }
    let page = db::run(&state.pool, move |conn| {
        let insurers = organizations::list(conn, &filter, after, limit)?;
        let book = rules::load_rule_book(conn)?;
        let mut items = Vec::with_capacity(insurers.items.len());
        for insurer in &insurers.items {
            let years = ledger(conn, &book, insurer.id, year)?;
            let view = year_view(insurer.id, &years, year)?;
            items.push(FundOverviewItem {
                insurer_id: insurer.id,
                insurer_name: insurer.name.clone(),
                credit_code: insurer.credit_code.as_str().to_owned(),
                year,
                net_premium_fen: view.net_premium_fen,
                levy_fen: view.levy_fen,
                spent_fen: view.spent_fen,
                balance_fen: view.balance_fen,
                underspent: view.underspent,
            });
        }
        Ok(Page { items, next_cursor: insurers.next_after.map(|k| pagination::encode_cursor(&k)) })
    })
    .await?;
    Ok(web::Json(page))
}
