//! The seeded GB/T 2260 region table (Henan only).

use diesel::prelude::*;
use domain::region::{RegionCode, RegionInfo};

use crate::error::{StoreError, StoreResult};
use crate::schema::regions;
use crate::DbConnection;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = regions)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub level: String,
    pub supervisor_code: String,
}

impl Region {
    /// The region as the domain's jurisdiction rule needs it.
    pub fn info(&self) -> StoreResult<RegionInfo> {
        let parse = |s: &str| RegionCode::parse(s).map_err(|_| StoreError::Corrupt(format!("region code {s:?}")));
        Ok(RegionInfo { code: parse(&self.code)?, supervisor: parse(&self.supervisor_code)? })
    }
}

/// All regions, province first, then by code.
pub fn list(conn: &mut DbConnection) -> StoreResult<Vec<Region>> {
    Ok(with_conn!(conn, c => regions::table
        .select(Region::as_select())
        .order((regions::level.ne("province"), regions::code))
        .load(c))?)
}

pub fn find(conn: &mut DbConnection, code: &RegionCode) -> StoreResult<Option<Region>> {
    Ok(with_conn!(conn, c => regions::table
        .find(code.as_str())
        .select(Region::as_select())
        .first(c)
        .optional())?)
}

/// Codes of the regions a regulator of `jurisdiction` supervises: the region
/// itself and every region whose supervisor it is. The province is handled by
/// callers (it sees everything) so that its queries need no filter at all.
pub fn supervised_codes(conn: &mut DbConnection, jurisdiction: &RegionCode) -> StoreResult<Vec<String>> {
    let code = jurisdiction.as_str();
    Ok(with_conn!(conn, c => regions::table
        .select(regions::code)
        .filter(regions::code.eq(code).or(regions::supervisor_code.eq(code)))
        .order(regions::code)
        .load(c))?)
}
