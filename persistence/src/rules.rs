//! The effective-dated rule parameters table.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::rules::{RuleBook, RuleParameter, RuleVersion};

use crate::error::{StoreError, StoreResult};
use crate::schema::rule_parameters;
use crate::DbConnection;

#[derive(Queryable, Selectable)]
#[diesel(table_name = rule_parameters)]
struct RuleRow {
    name: String,
    value: String,
    unit: String,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    clause: String,
}

pub(crate) fn to_domain(
    name: &str,
    value: &str,
    unit: &str,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    clause: &str,
) -> StoreResult<RuleVersion> {
    let parameter = RuleParameter::parse(name).map_err(|_| StoreError::Corrupt(format!("rule parameter {name:?}")))?;
    Ok(RuleVersion {
        parameter,
        value: value.to_owned(),
        unit: unit.to_owned(),
        effective_from,
        effective_to,
        clause: clause.to_owned(),
    })
}

/// Loads every version of every parameter into a checked [`RuleBook`].
pub fn load_rule_book(conn: &mut DbConnection) -> StoreResult<RuleBook> {
    let rows: Vec<RuleRow> = with_conn!(conn, c => rule_parameters::table
        .select(RuleRow::as_select())
        .order((rule_parameters::name, rule_parameters::effective_from))
        .load(c))?;
    let versions = rows
        .iter()
        .map(|r| to_domain(&r.name, &r.value, &r.unit, r.effective_from, r.effective_to, &r.clause))
        .collect::<StoreResult<Vec<_>>>()?;
    RuleBook::new(versions).map_err(|e| StoreError::Corrupt(e.to_string()))
}
