//! The counts behind the regional indicators (豫安委〔2017〕17号 九(四)).
//!
//! One grouped query per figure, each grouped by the supervising unit of the region an object is
//! attributed to (`regions.supervisor_code`, joined on the organisation's or notice's region), so
//! the cost does not grow with the number of units and every object is counted in exactly one
//! group. The caller names who counts (the sectors and kinds the rules name, the criticism
//! threshold) from the domain; the SQL only applies those lists and the period's dates. Where a
//! condition mirrors a domain rule (sanctions in force, `domain::sanctions::in_force`), the rule
//! stays in the domain and tests/tests/indicators.rs checks the two agree.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::dsl::{case_when, count, count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use domain::indicators::{Period, Share, UnitCounts};
use domain::money::Fen;
use domain::organization::{OrganizationKind, OrganizationStatus, Sector};
use domain::region::RegionCode;
use domain::sanctions::SanctionKind;

use crate::error::{StoreError, StoreResult};
use crate::schema::{
    annual_reports, blacklist_listings, cross_region_notices, engineers, exam_results, insurance_policies,
    organizations, premium_daily_totals, prevention_fund_expenditures, regions, sanctions, spot_check_draws,
    spot_check_targets,
};
use crate::DbConnection;

// An insurer's premiums are summed per insurer within its unit.
diesel::allow_columns_to_appear_in_same_group_by_clause!(regions::supervisor_code, premium_daily_totals::insurer_id);

/// Who the rules count, decided by the caller from the domain.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Sectors in which liability insurance is mandatory (三(一)).
    pub insurance_sectors: Vec<Sector>,
    /// Kinds of organisation that must employ registered safety engineers whatever their sector
    /// (四(一)).
    pub staffing_kinds: Vec<OrganizationKind>,
    /// Sectors whose enterprises must employ them (四(一)).
    pub staffing_sectors: Vec<Sector>,
    /// The earliest decision date of a public criticism still in force on the cut
    /// (`domain::indicators::criticism_listed_since`).
    pub criticism_since: NaiveDate,
}

/// Per supervising unit, everything counted for `period`: every unit when `unit` is `None`, else
/// that unit only (a unit with nothing counted is absent). Keys are `regions.supervisor_code`,
/// so objects registered at the province level are keyed 410000.
pub fn unit_counts(
    conn: &mut DbConnection,
    period: &Period,
    unit: Option<&RegionCode>,
    rules: &Rules,
) -> StoreResult<BTreeMap<RegionCode, UnitCounts>> {
    let unit = unit.map(|u| u.as_str().to_owned());
    let unit = unit.as_deref();
    let mut counts: BTreeMap<RegionCode, UnitCounts> = BTreeMap::new();
    for (code, numerator, denominator) in insured(conn, period, unit, rules)? {
        entry(&mut counts, code)?.insured = share(numerator, denominator)?;
    }
    for (code, net) in insurer_premiums(conn, period, unit)? {
        entry(&mut counts, code)?.insurer_net_premiums.push(Fen::new(net));
    }
    for (code, spent) in prevention_spent(conn, period, unit)? {
        entry(&mut counts, code)?.prevention_spent = Fen::new(spent);
    }
    for (code, numerator, denominator) in annual_reports(conn, period, unit)? {
        entry(&mut counts, code)?.annual_reports = share(numerator, denominator)?;
    }
    for (code, numerator, denominator) in staffing(conn, period, unit, rules)? {
        entry(&mut counts, code)?.staffing = share(numerator, denominator)?;
    }
    for (code, numerator, denominator) in exams(conn, period, unit)? {
        entry(&mut counts, code)?.exams = share(numerator, denominator)?;
    }
    for (code, listed, in_force) in blacklist(conn, period, unit)? {
        let counts = entry(&mut counts, code)?;
        counts.blacklist_listed = natural(listed)?;
        counts.blacklist_in_force = natural(in_force)?;
    }
    for (code, decided, in_force) in sanctions(conn, period, unit, rules)? {
        let counts = entry(&mut counts, code)?;
        counts.sanctions_decided = natural(decided)?;
        counts.sanctions_in_force = natural(in_force)?;
    }
    for (code, numerator, denominator) in spot_checks(conn, period, unit)? {
        entry(&mut counts, code)?.spot_checks = share(numerator, denominator)?;
    }
    for (code, received, flagged) in notices(conn, period, unit)? {
        let counts = entry(&mut counts, code)?;
        counts.notices_received = natural(received)?;
        counts.notices_flagged = natural(flagged)?;
    }
    Ok(counts)
}

fn entry(counts: &mut BTreeMap<RegionCode, UnitCounts>, code: String) -> StoreResult<&mut UnitCounts> {
    let code =
        RegionCode::parse(&code).map_err(|_| StoreError::Corrupt(format!("regions.supervisor_code = {code:?}")))?;
    Ok(counts.entry(code).or_default())
}

fn natural(n: i64) -> StoreResult<u64> {
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")))
}

fn share(numerator: i64, denominator: i64) -> StoreResult<Share> {
    Ok(Share { numerator: natural(numerator)?, denominator: natural(denominator)? })
}

/// `(unit, numerator, denominator)` or `(unit, a, b)` rows of a grouped count.
type Rows = Vec<(String, i64, i64)>;

/// High-risk enterprises not revoked (denominator) and those with a policy in force on the cut
/// (numerator), as `GET /insurance/uncovered` decides coverage.
fn insured(conn: &mut DbConnection, period: &Period, unit: Option<&str>, rules: &Rules) -> StoreResult<Rows> {
    let sectors: Vec<&str> = rules.insurance_sectors.iter().map(|s| s.as_str()).collect();
    let on = period.as_of;
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let mut query = organizations::table
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .left_join(
                insurance_policies::table.on(insurance_policies::enterprise_id
                    .eq(organizations::id)
                    .and(insurance_policies::start_date.le(on))
                    .and(insurance_policies::end_date.ge(on))),
            )
            .filter(organizations::kind.eq(OrganizationKind::Enterprise.as_str()))
            .filter(organizations::status.ne(OrganizationStatus::Revoked.as_str()))
            .filter(organizations::sector.assume_not_null().eq_any(&sectors))
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                count(insurance_policies::enterprise_id.nullable()).aggregate_distinct(),
                count(organizations::id).aggregate_distinct(),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}

/// Organisations the engineer rule names, not revoked (denominator), and those employing an
/// engineer whose registration is in force on the cut (numerator), as
/// `GET /staffing-compliance` decides.
fn staffing(conn: &mut DbConnection, period: &Period, unit: Option<&str>, rules: &Rules) -> StoreResult<Rows> {
    let kinds: Vec<&str> = rules.staffing_kinds.iter().map(|k| k.as_str()).collect();
    let sectors: Vec<&str> = rules.staffing_sectors.iter().map(|s| s.as_str()).collect();
    let on = period.as_of;
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let mut query = organizations::table
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .left_join(
                engineers::table.on(engineers::employer_id
                    .eq(organizations::id)
                    .and(engineers::registered_on.le(on))
                    .and(engineers::valid_until.ge(on))),
            )
            .filter(organizations::status.ne(OrganizationStatus::Revoked.as_str()))
            .filter(
                organizations::kind.eq_any(&kinds).or(organizations::kind
                    .eq(OrganizationKind::Enterprise.as_str())
                    .and(organizations::sector.assume_not_null().eq_any(&sectors))),
            )
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                count(engineers::employer_id.nullable()).aggregate_distinct(),
                count(organizations::id).aggregate_distinct(),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}

/// Technical service agencies not revoked (denominator) and those with a published report on
/// the year (numerator).
fn annual_reports(conn: &mut DbConnection, period: &Period, unit: Option<&str>) -> StoreResult<Rows> {
    let year = period.year;
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let mut query = organizations::table
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .left_join(
                annual_reports::table
                    .on(annual_reports::organization_id.eq(organizations::id).and(annual_reports::year.eq(year))),
            )
            .filter(organizations::kind.eq(OrganizationKind::TechnicalServiceAgency.as_str()))
            .filter(organizations::status.ne(OrganizationStatus::Revoked.as_str()))
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                count(annual_reports::organization_id.nullable()).aggregate_distinct(),
                count(organizations::id).aggregate_distinct(),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}

/// Exam sittings dated in the period at the unit's training institutions (denominator) and
/// those passed (numerator).
fn exams(conn: &mut DbConnection, period: &Period, unit: Option<&str>) -> StoreResult<Rows> {
    let (first, last) = (period.first_day, period.as_of);
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let mut query = exam_results::table
            .inner_join(organizations::table.on(organizations::id.eq(exam_results::institution_id)))
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .filter(exam_results::exam_on.between(first, last))
            .group_by(regions::supervisor_code)
            .select((regions::supervisor_code, count(case_when(exam_results::passed, exam_results::id)), count_star()))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}

/// Each insurer's net premium received in the period (CST days of the daily totals the fund
/// ledger reads), one row per insurer: the levy is rounded per insurer.
fn insurer_premiums(conn: &mut DbConnection, period: &Period, unit: Option<&str>) -> StoreResult<Vec<(String, i64)>> {
    let (first, last) = (period.first_day, period.as_of);
    let rows: Vec<(String, String, Option<i64>)> = with_conn!(conn, c => {
        let mut query = premium_daily_totals::table
            .inner_join(organizations::table.on(organizations::id.eq(premium_daily_totals::insurer_id)))
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .filter(premium_daily_totals::day.between(first, last))
            .group_by((regions::supervisor_code, premium_daily_totals::insurer_id))
            .select((
                regions::supervisor_code,
                premium_daily_totals::insurer_id,
                // `SUM` of a `BIGINT` is `NUMERIC` in PostgreSQL; the cast keeps one type.
                sql::<Nullable<BigInt>>("CAST(SUM(premium_daily_totals.net_fen) AS BIGINT)"),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows.into_iter().map(|(code, _, net)| (code, net.unwrap_or(0))).collect())
}

/// Prevention-fund expenditures dated in the period by the unit's insurers.
fn prevention_spent(conn: &mut DbConnection, period: &Period, unit: Option<&str>) -> StoreResult<Vec<(String, i64)>> {
    let (first, last) = (period.first_day, period.as_of);
    let rows: Vec<(String, Option<i64>)> = with_conn!(conn, c => {
        let mut query = prevention_fund_expenditures::table
            .inner_join(organizations::table.on(organizations::id.eq(prevention_fund_expenditures::insurer_id)))
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .filter(prevention_fund_expenditures::spent_on.between(first, last))
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                sql::<Nullable<BigInt>>("CAST(SUM(prevention_fund_expenditures.amount_fen) AS BIGINT)"),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows.into_iter().map(|(code, spent)| (code, spent.unwrap_or(0))).collect())
}

/// Listings made in the period, and organisations listed on the cut (listed by then, term not
/// ended, not removed by then), in one pass over the listings made by the cut.
fn blacklist(conn: &mut DbConnection, period: &Period, unit: Option<&str>) -> StoreResult<Rows> {
    let (first, on) = (period.first_day, period.as_of);
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let in_force = blacklist_listings::ends_on
            .gt(on)
            .and(blacklist_listings::removed_on.is_null().or(blacklist_listings::removed_on.gt(on)));
        let mut query = blacklist_listings::table
            .inner_join(organizations::table.on(organizations::id.eq(blacklist_listings::organization_id)))
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .filter(blacklist_listings::listed_on.le(on))
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                count(case_when(blacklist_listings::listed_on.ge(first), blacklist_listings::id)),
                count(case_when(in_force, blacklist_listings::organization_id)).aggregate_distinct(),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}

/// Sanctions decided in the period, and sanctions in force on the cut, in one pass over the
/// sanctions decided by the cut. In force mirrors `domain::sanctions::in_force`: a rectification
/// order not complied with by the cut; a public criticism decided on or after
/// `rules.criticism_since`; a service suspension whose period covers the cut; a revocation.
fn sanctions(conn: &mut DbConnection, period: &Period, unit: Option<&str>, rules: &Rules) -> StoreResult<Rows> {
    let (first, on, since) = (period.first_day, period.as_of, rules.criticism_since);
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let rectifying = sanctions::kind
            .eq(SanctionKind::RectificationOrder.as_str())
            .and(sanctions::complied_on.is_null().or(sanctions::complied_on.gt(on)));
        let criticised =
            sanctions::kind.eq(SanctionKind::PublicCriticism.as_str()).and(sanctions::decided_on.ge(since));
        let suspended = sanctions::kind
            .eq(SanctionKind::ServiceSuspension.as_str())
            .and(sanctions::from_date.le(on))
            .and(sanctions::to_date.ge(on));
        let revoked = sanctions::kind.eq(SanctionKind::QualificationRevocation.as_str());
        let in_force = rectifying.or(criticised).or(suspended).or(revoked);
        let mut query = sanctions::table
            .inner_join(organizations::table.on(organizations::id.eq(sanctions::organization_id)))
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .filter(sanctions::decided_on.le(on))
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                count(case_when(sanctions::decided_on.ge(first), sanctions::id)),
                count(case_when(in_force, sanctions::id)),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}

/// Spot-check targets located in the unit drawn in the period (denominator), and those with
/// findings recorded before the end of the cut day (numerator).
fn spot_checks(conn: &mut DbConnection, period: &Period, unit: Option<&str>) -> StoreResult<Rows> {
    let (start, end) = (period.start.naive_utc(), period.end.naive_utc());
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let completed = spot_check_targets::recorded_at.is_not_null().and(spot_check_targets::recorded_at.lt(end));
        let mut query = spot_check_targets::table
            .inner_join(spot_check_draws::table.on(spot_check_draws::id.eq(spot_check_targets::draw_id)))
            .inner_join(organizations::table.on(organizations::id.eq(spot_check_targets::organization_id)))
            .inner_join(regions::table.on(regions::code.eq(organizations::region_code)))
            .filter(spot_check_draws::created_at.ge(start))
            .filter(spot_check_draws::created_at.lt(end))
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                count(case_when(completed, spot_check_targets::position)),
                count_star(),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}

/// Cross-region notices received in the period by the regulator of the unit, and of those the
/// flagged ones.
fn notices(conn: &mut DbConnection, period: &Period, unit: Option<&str>) -> StoreResult<Rows> {
    let (first, last) = (period.first_day, period.as_of);
    let rows: Vec<(String, i64, i64)> = with_conn!(conn, c => {
        let mut query = cross_region_notices::table
            .inner_join(regions::table.on(regions::code.eq(cross_region_notices::regulator_region)))
            .filter(cross_region_notices::notified_on.between(first, last))
            .group_by(regions::supervisor_code)
            .select((
                regions::supervisor_code,
                count_star(),
                count(case_when(cross_region_notices::flagged, cross_region_notices::id)),
            ))
            .into_boxed();
        if let Some(unit) = unit {
            query = query.filter(regions::supervisor_code.eq(unit));
        }
        query.load(c)
    })?;
    Ok(rows)
}
