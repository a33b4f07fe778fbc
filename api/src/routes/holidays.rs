//! The holiday calendar used to count working days (二(一)).

use std::collections::HashSet;

use actix_web::http::header::ETAG;
use actix_web::{get, put, web, HttpRequest, HttpResponse};
use chrono::Datelike;
use domain::organization::Role;
use domain::region::RegionCode;
use domain::validation::Collector;
use domain::working_days::DayKind;
use persistence::holidays::{self, Holiday};
use validator::Validate;

use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::etag;
use crate::extractors::{typed_body, StrictJson};
use crate::middleware::request_id::RequestId;
use crate::problem::{
    BadRequest, Forbidden, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::schemas::fields::{collect_validator, parse_date};
use crate::schemas::holiday::{HolidayList, HolidayQuery, HolidayView, ReplaceHolidays};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_holidays).service(replace_holidays);
}

const MAX_DAYS: usize = 100;

fn check_year(year: i32) -> Result<i32, ApiError> {
    if (1950..=2100).contains(&year) {
        Ok(year)
    } else {
        Err(ApiError::invalid_field("year", "out_of_range", "between 1950 and 2100"))
    }
}

/// The strong ETag of a year's arrangement: a digest of its rows, so that a
/// replacement made by someone else in between is a 412.
fn etag_of(items: &[HolidayView]) -> Result<String, ApiError> {
    let value = serde_json::to_value(items).map_err(ApiError::internal)?;
    let digest = crate::idempotency::request_hash(&value);
    Ok(format!("\"{}\"", &digest[..digest.len().min(32)]))
}

fn list_of(year: i32, days: &[Holiday]) -> HolidayList {
    HolidayList { year, covered: !days.is_empty(), items: days.iter().map(HolidayView::from).collect() }
}

fn respond(list: &HolidayList) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().insert_header((ETAG, etag_of(&list.items)?)).json(list))
}

/// The official holidays and make-up working days of a year (豫安委〔2017〕17号 二(一)).
///
/// The calendar working days are counted with: Monday to Friday are working
/// days unless listed as a `holiday`; a listed `workday` (调休) is one even
/// on a weekend. `covered` is false for a year with no rows: counts touching
/// it skip weekends only. Any authenticated caller. `year` defaults to the
/// current year (CST). The ETag is the `If-Match` of a replacement.
#[utoipa::path(
    tag = "reference",
    params(HolidayQuery),
    responses(
        (status = 200, description = "The year's listed days, in date order", body = HolidayList,
            headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/reference/holidays")]
pub async fn list_holidays(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<HolidayQuery>,
) -> Result<HttpResponse, ApiError> {
    let year = check_year(query.year.unwrap_or_else(|| today().year()))?;
    let days = db::run(&state.pool, move |conn| Ok(holidays::of_year(conn, year)?)).await?;
    respond(&list_of(year, &days))
}

fn check_days(year: i32, body: &ReplaceHolidays) -> Result<Vec<Holiday>, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    if body.days.len() > MAX_DAYS {
        v.push("days", "invalid_length", format!("at most {MAX_DAYS} days"));
    }
    let mut seen = HashSet::new();
    let mut days = Vec::new();
    for (i, input) in body.days.iter().enumerate() {
        let field = format!("days[{i}].day");
        let day = parse_date(&field, &input.day, &mut v);
        if let Some(day) = day {
            if day.year() != year {
                v.push(&field, "out_of_range", format!("the day must lie in {year}"));
            } else if !seen.insert(day) {
                v.push(&field, "duplicate", "each day once");
            }
        }
        let kind = v.check(&format!("days[{i}].kind"), DayKind::parse(&input.kind));
        if let (Some(day), Some(kind)) = (day, kind) {
            days.push(Holiday { day, kind, name: input.name.clone() });
        }
    }
    v.finish()?;
    days.sort_by_key(|h| h.day);
    Ok(days)
}

/// Replace the official arrangement of a year (豫安委〔2017〕17号 二(一)).
///
/// Admins only (every other role 403). The body lists every holiday and
/// make-up working day of `year` (each day once, inside the year); what was
/// listed before for the year is replaced. `If-Match` with the ETag of
/// `GET /reference/holidays?year=` is required (428 without, 412 when the
/// year changed since). Notices already recorded keep the dates counted
/// when they were made.
#[utoipa::path(
    tag = "reference",
    params(
        ("year" = i32, Path, description = "The year replaced, 1950–2100"),
        ("If-Match" = String, Header, description = "ETag of the year's current arrangement"),
    ),
    request_body = ReplaceHolidays,
    responses(
        (status = 200, description = "The year as now listed", body = HolidayList,
            headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 412, description = "The year changed since the ETag was read"),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, description = "If-Match is required"),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[put("/reference/holidays/{year}")]
pub async fn replace_holidays(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    year: web::Path<i32>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let year = check_year(year.into_inner())?;
    let if_match = etag::if_match(&req).ok_or_else(ApiError::precondition_required)?;
    let body: ReplaceHolidays = typed_body(&body.into_inner().0)?;
    let days = check_days(year, &body)?;
    let actor = Actor::new(&caller, &request_id);
    let list = db::transaction(&state.pool, move |conn| {
        let current = list_of(year, &holidays::of_year(conn, year)?);
        let tag = etag_of(&current.items)?;
        if !if_match.split(',').map(str::trim).any(|t| t == "*" || t == tag) {
            return Err(ApiError::precondition_failed());
        }
        holidays::replace_year(conn, year, &days)?;
        actor.record(conn, "holidays.replace", "holidays", &year.to_string(), Some(&RegionCode::province()))?;
        Ok(list_of(year, &holidays::of_year(conn, year)?))
    })
    .await?;
    respond(&list)
}
