//! Reference data shipped with the binary: the Henan region list, the
//! effective-dated rule parameters of DOMAIN.md, the floating-rate table,
//! the credit points table and the official holiday calendar. Kept as data files, not
//! code, because divisions and rules change; inserting is idempotent so the
//! seed runs after every migration on both backends.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::credit::CreditTable;

use crate::error::{StoreError, StoreResult};
use crate::schema::{credit_event_rules, holidays, rate_factors, regions, rule_parameters};
use crate::DbConnection;

const REGIONS_CSV: &str = include_str!("../seed/regions.csv");
const RULE_PARAMETERS_CSV: &str = include_str!("../seed/rule_parameters.csv");
const RATE_FACTORS_CSV: &str = include_str!("../seed/rate_factors.csv");
const CREDIT_EVENT_RULES_CSV: &str = include_str!("../seed/credit_event_rules.csv");
/// Official holidays and make-up working days (国务院办公厅 annual notices),
/// for counting working days (二(一)).
const HOLIDAYS_CSV: &str = include_str!("../seed/holidays.csv");

#[derive(Insertable)]
#[diesel(table_name = regions)]
struct RegionSeed<'a> {
    code: &'a str,
    name: &'a str,
    level: &'a str,
    supervisor_code: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = rule_parameters)]
struct RuleSeed<'a> {
    name: &'a str,
    value: &'a str,
    unit: &'a str,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    clause: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = rate_factors)]
struct RateFactorSeed<'a> {
    province_code: &'a str,
    factor: &'a str,
    adjustment_bp: i32,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    source: &'a str,
}

#[derive(Insertable)]
#[diesel(table_name = credit_event_rules)]
struct CreditRuleSeed {
    event_type: &'static str,
    points: i32,
    validity_months: i32,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    clause: String,
}

#[derive(Insertable)]
#[diesel(table_name = holidays)]
struct HolidaySeed<'a> {
    day: NaiveDate,
    kind: &'a str,
    name: &'a str,
}

/// Data lines of a seed CSV, split into at most `columns` fields (the last
/// field may contain commas).
fn records(csv: &str, columns: usize) -> impl Iterator<Item = Vec<&str>> {
    csv.lines().skip(1).filter(|line| !line.trim().is_empty()).map(move |line| line.splitn(columns, ',').collect())
}

fn date(field: &str) -> StoreResult<NaiveDate> {
    NaiveDate::parse_from_str(field, "%Y-%m-%d").map_err(|_| StoreError::Corrupt(format!("seed date {field:?}")))
}

fn region_seeds() -> StoreResult<Vec<RegionSeed<'static>>> {
    records(REGIONS_CSV, 4)
        .map(|f| match f.as_slice() {
            [code, name, level, supervisor_code] => Ok(RegionSeed { code, name, level, supervisor_code }),
            _ => Err(StoreError::Corrupt(format!("region seed line {f:?}"))),
        })
        .collect()
}

fn rule_seeds() -> StoreResult<Vec<RuleSeed<'static>>> {
    records(RULE_PARAMETERS_CSV, 6)
        .map(|f| match f.as_slice() {
            [name, value, unit, from, to, clause] => Ok(RuleSeed {
                name,
                value,
                unit,
                effective_from: date(from)?,
                effective_to: if to.is_empty() { None } else { Some(date(to)?) },
                clause,
            }),
            _ => Err(StoreError::Corrupt(format!("rule seed line {f:?}"))),
        })
        .collect()
}

fn rate_factor_seeds() -> StoreResult<Vec<RateFactorSeed<'static>>> {
    records(RATE_FACTORS_CSV, 6)
        .map(|f| match f.as_slice() {
            [province_code, factor, bp, from, to, source] => Ok(RateFactorSeed {
                province_code,
                factor,
                adjustment_bp: bp.parse().map_err(|_| StoreError::Corrupt(format!("rate factor bp {bp:?}")))?,
                effective_from: date(from)?,
                effective_to: if to.is_empty() { None } else { Some(date(to)?) },
                source,
            }),
            _ => Err(StoreError::Corrupt(format!("rate factor seed line {f:?}"))),
        })
        .collect()
}

fn holiday_seeds() -> StoreResult<Vec<HolidaySeed<'static>>> {
    records(HOLIDAYS_CSV, 3)
        .map(|f| match f.as_slice() {
            [day, kind @ ("holiday" | "workday"), name] => Ok(HolidaySeed { day: date(day)?, kind, name }),
            _ => Err(StoreError::Corrupt(format!("holiday seed line {f:?}"))),
        })
        .collect()
}

/// The credit points table, checked by the domain's own parser (the CSV
/// shape and the overlap rules live in one place).
fn credit_rule_seeds() -> StoreResult<Vec<CreditRuleSeed>> {
    let table = CreditTable::from_csv(CREDIT_EVENT_RULES_CSV)
        .map_err(|e| StoreError::Corrupt(format!("credit_event_rules.csv: {e}")))?;
    table
        .rules()
        .iter()
        .map(|rule| {
            Ok(CreditRuleSeed {
                event_type: rule.event_type.as_str(),
                points: rule.points,
                validity_months: i32::try_from(rule.validity_months)
                    .map_err(|_| StoreError::Corrupt(format!("credit rule {} validity", rule.version_label())))?,
                effective_from: rule.effective_from,
                effective_to: rule.effective_to,
                clause: rule.clause.clone(),
            })
        })
        .collect()
}

/// Inserts every seed row that is not there yet. Regions are ordered so a
/// supervisor precedes the regions that point at it.
pub fn apply(conn: &mut DbConnection) -> StoreResult<()> {
    let regions = region_seeds()?;
    let rules = rule_seeds()?;
    let factors = rate_factor_seeds()?;
    let credit_rules = credit_rule_seeds()?;
    let days = holiday_seeds()?;
    conn.transaction(|conn| {
        for region in &regions {
            with_conn!(conn, c => diesel::insert_into(regions::table)
                .values(region)
                .on_conflict(regions::code)
                .do_nothing()
                .execute(c))?;
        }
        for rule in &rules {
            with_conn!(conn, c => diesel::insert_into(rule_parameters::table)
                .values(rule)
                .on_conflict((rule_parameters::name, rule_parameters::effective_from))
                .do_nothing()
                .execute(c))?;
        }
        for factor in &factors {
            with_conn!(conn, c => diesel::insert_into(rate_factors::table)
                .values(factor)
                .on_conflict((rate_factors::province_code, rate_factors::factor, rate_factors::effective_from))
                .do_nothing()
                .execute(c))?;
        }
        for rule in &credit_rules {
            with_conn!(conn, c => diesel::insert_into(credit_event_rules::table)
                .values(rule)
                .on_conflict((credit_event_rules::event_type, credit_event_rules::effective_from))
                .do_nothing()
                .execute(c))?;
        }
        for day in &days {
            with_conn!(conn, c => diesel::insert_into(holidays::table)
                .values(day)
                .on_conflict(holidays::day)
                .do_nothing()
                .execute(c))?;
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_files_parse() {
        let regions = region_seeds().expect("regions parse");
        assert!(regions.iter().any(|r| r.code == "410000" && r.level == "province"));
        assert_eq!(regions.iter().filter(|r| r.level == "city").count(), 18);
        let rules = rule_seeds().expect("rules parse");
        assert!(rules.iter().any(|r| r.name == "prevention_fund_share_bp" && r.value == "1000"));
        let days = holiday_seeds().expect("holidays parse");
        assert!(days.iter().any(|d| d.day == NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() && d.kind == "holiday"));
    }

    #[test]
    fn seeded_rules_form_a_valid_rule_book() {
        let rows = rule_seeds()
            .expect("rules parse")
            .into_iter()
            .map(|r| crate::rules::to_domain(r.name, r.value, r.unit, r.effective_from, r.effective_to, r.clause))
            .collect::<Result<Vec<_>, _>>()
            .expect("known parameters");
        domain::rules::RuleBook::new(rows).expect("no overlaps, values typed");
    }
}
