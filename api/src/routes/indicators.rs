//! Regional indicators (豫安委〔2017〕17号 九(四)): yearly figures per supervising unit and for
//! the province, computed from the stored data.

use actix_web::http::StatusCode;
use actix_web::{get, web};
use chrono::Datelike;
use domain::engineers::must_employ_engineers;
use domain::indicators::{self, criticism_listed_since, Period, UnitCounts};
use domain::insurance::{insurance_mandatory, levy_rate_for_year};
use domain::organization::{OrganizationKind, Role, Sector};
use domain::region::{jurisdiction_covers, RegionCode};
use domain::rules::RuleError;
use domain::validation::Collector;
use persistence::indicators::{unit_counts, Rules};
use persistence::regions::{self, Region};
use persistence::{rules, DbConnection};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::problem::{BadRequest, Forbidden, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::schemas::indicator::{IndicatorFigures, IndicatorPart, IndicatorQuery, IndicatorRegion, IndicatorReport};
use crate::state::AppState;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(regional_indicators);
}

/// Who the figures count, from the domain's rules.
fn counting_rules(period: &Period) -> Rules {
    Rules {
        insurance_sectors: Sector::ALL.iter().copied().filter(|&s| insurance_mandatory(s)).collect(),
        staffing_kinds: OrganizationKind::ALL
            .iter()
            .copied()
            .filter(|&k| k != OrganizationKind::Enterprise && must_employ_engineers(k, None))
            .collect(),
        staffing_sectors: Sector::ALL
            .iter()
            .copied()
            .filter(|&s| must_employ_engineers(OrganizationKind::Enterprise, Some(s)))
            .collect(),
        criticism_since: criticism_listed_since(period.as_of),
    }
}

fn named(region: &Region) -> IndicatorRegion {
    IndicatorRegion { code: region.code.clone(), name: region.name.clone() }
}

/// The region asked for, if it is the province or a supervising unit the caller may see.
fn checked_region(conn: &mut DbConnection, caller: &Caller, code: &RegionCode) -> Result<Region, ApiError> {
    let region = regions::find(conn, code)?
        .ok_or_else(|| ApiError::invalid_field("region", "unknown_region", "no such region in Henan"))?;
    let info = region.info()?;
    if info.code != info.supervisor {
        // Figures of a county inside a city would be a different cut from every other unit's,
        // and adding them to the city's silently would answer a question not asked.
        return Err(ApiError::invalid_field(
            "region",
            "not_supervising_unit",
            format!("region {} answers to {}: ask for that unit or the province", info.code, info.supervisor),
        ));
    }
    let allowed = match caller.role {
        Role::Admin => true,
        Role::Regulator => caller.jurisdiction().is_some_and(|j| jurisdiction_covers(j, &info)),
        _ => false,
    };
    if !allowed {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "outside_jurisdiction"));
    }
    Ok(region)
}

fn report(
    conn: &mut DbConnection,
    caller: &Caller,
    code: &RegionCode,
    period: Period,
) -> Result<IndicatorReport, ApiError> {
    let region = checked_region(conn, caller, code)?;
    let book = rules::load_rule_book(conn)?;
    let rate = match levy_rate_for_year(&book, period.year) {
        Ok(rate) => Some(rate),
        Err(RuleError::NotInForce { .. }) => None,
        Err(other) => return Err(ApiError::internal(other)),
    };
    let figures = |counts: &UnitCounts| -> Result<IndicatorFigures, ApiError> {
        let figures = indicators::figures(counts, &period, rate.as_ref()).map_err(ApiError::internal)?;
        Ok(IndicatorFigures::from(&figures))
    };
    let rules = counting_rules(&period);
    let (own, parts, unattributed, summation) = if code.is_province() {
        let counts = unit_counts(conn, &period, None, &rules)?;
        let units: Vec<Region> =
            regions::list(conn)?.into_iter().filter(|r| r.code == r.supervisor_code && r.code != region.code).collect();
        let keys = units.iter().map(|r| r.info().map(|info| info.code)).collect::<Result<Vec<_>, _>>()?;
        let (parts, rest) = indicators::split(&keys, counts).map_err(ApiError::internal)?;
        let total = indicators::sum(parts.iter().map(|(_, c)| c).chain([&rest])).map_err(ApiError::internal)?;
        let parts = units
            .iter()
            .zip(&parts)
            .map(|(unit, (_, counts))| Ok(IndicatorPart { region: named(unit), figures: figures(counts)? }))
            .collect::<Result<_, ApiError>>()?;
        (figures(&total)?, parts, Some(figures(&rest)?), Some(indicators::SUMMATION.to_owned()))
    } else {
        let mut counts = unit_counts(conn, &period, Some(code), &rules)?;
        (figures(&counts.remove(code).unwrap_or_default())?, Vec::new(), None, None)
    };
    Ok(IndicatorReport {
        region: named(&region),
        year: period.year,
        as_of: period.as_of,
        complete: period.complete,
        clause: indicators::CLAUSE.to_owned(),
        figures: own,
        parts,
        unattributed,
        summation,
    })
}

/// Regional indicators of the safety-service system for a year (豫安委〔2017〕17号 九(四)).
///
/// Computed from the stored data, per supervising unit (a prefecture city, 济源 or a
/// province-managed county) and for the province: insured share of high-risk enterprises,
/// prevention levy owed vs spent, agencies with a published annual report, staffing
/// compliance, training pass rate, blacklist and sanction counts, spot checks drawn and
/// completed, cross-region notices received. Each figure carries its numerator and denominator
/// (or count, or fen), its value in integer basis points (rounded half up; `null` for a zero
/// denominator) and a `computation` saying what was counted, the date cut and the clause.
/// Flows count what is dated from 1 January to `as_of` (31 December, or today in the current
/// year, CST); stocks are taken on `as_of`. An object counts for the unit supervising the region
/// of the organisation it concerns (a notice: the region that received it).
///
/// `region=410000` answers the province's figures, each unit's in `parts` and the objects
/// registered at the province level in `unattributed`: the province's counts, numerators,
/// denominators and fen equal the sum of `parts` and `unattributed`.
///
/// Admins and the provincial regulator: any region. A city or county regulator: its own unit
/// only (403 `outside_jurisdiction` for another, or for the province). Other roles: 403. 422
/// names each bad parameter: `region` (`invalid_region_code`, `unknown_region`,
/// `not_supervising_unit` for a region that answers to another unit), `year` (`invalid_year`:
/// 2017 to the current year).
#[utoipa::path(
    tag = "indicators",
    params(IndicatorQuery),
    responses(
        (status = 200, description = "The region's indicators", body = IndicatorReport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/indicators")]
pub async fn regional_indicators(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<IndicatorQuery>,
) -> Result<web::Json<IndicatorReport>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let today = crate::clock::today();
    let mut v = Collector::new();
    let region = match query.region.as_deref() {
        Some(text) => v.check("region", RegionCode::parse(text)),
        None => Some(caller.jurisdiction().cloned().unwrap_or_else(RegionCode::province)),
    };
    let period = v.check("year", Period::new(query.year.unwrap_or(today.year()), today));
    v.finish()?;
    let (Some(region), Some(period)) = (region, period) else {
        return Err(ApiError::internal("indicator query validated without its parts"));
    };
    let body = db::run(&state.pool, move |conn| report(conn, &caller, &region, period)).await?;
    Ok(web::Json(body))
}
