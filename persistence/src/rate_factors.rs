//! The per-province floating-rate table (三(三)), held as data.

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::insurance::{RateFactor, RateFactorVersion, RateTable};

use crate::error::{StoreError, StoreResult};
use crate::schema::rate_factors;
use crate::DbConnection;

#[derive(Queryable, Selectable)]
#[diesel(table_name = rate_factors)]
struct RateFactorRow {
    factor: String,
    adjustment_bp: i32,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    source: String,
}

/// Every version of every factor of `province`, as a checked table.
pub fn load(conn: &mut DbConnection, province: &str) -> StoreResult<RateTable> {
    let rows: Vec<RateFactorRow> = with_conn!(conn, c => rate_factors::table
        .filter(rate_factors::province_code.eq(province))
        .select(RateFactorRow::as_select())
        .order((rate_factors::factor, rate_factors::effective_from))
        .load(c))?;
    let versions = rows
        .into_iter()
        .map(|r| {
            Ok(RateFactorVersion {
                factor: RateFactor::parse(&r.factor)
                    .map_err(|_| StoreError::Corrupt(format!("rate factor {:?}", r.factor)))?,
                adjustment_bp: r.adjustment_bp,
                effective_from: r.effective_from,
                effective_to: r.effective_to,
                source: r.source,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    RateTable::new(province.to_owned(), versions).map_err(|e| StoreError::Corrupt(e.to_string()))
}
