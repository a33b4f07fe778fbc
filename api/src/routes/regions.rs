//! The seeded region table: `/api/v1/regions`.

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::problem::{ServiceUnavailable, Unauthorized};
use crate::state::AppState;

/// A GB/T 2260 division of Henan known to the platform.
#[derive(Debug, Serialize, ToSchema)]
pub struct RegionView {
    #[schema(example = "410181")]
    pub code: String,
    #[schema(example = "巩义市")]
    pub name: String,
    /// `province`, `city` or `county`.
    #[schema(example = "county")]
    pub level: String,
    /// The prefecture-level unit it answers to: itself for cities, 济源 and
    /// province-managed counties (省直管县).
    #[schema(example = "410181")]
    pub supervisor_code: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RegionList {
    pub items: Vec<RegionView>,
}

/// List the region table (province first, then by code; not paginated).
#[utoipa::path(
    tag = "reference",
    responses(
        (status = 200, description = "Every region", body = RegionList),
        (status = 401, response = Unauthorized),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/regions")]
pub async fn list_regions(state: web::Data<AppState>, _caller: Caller) -> Result<web::Json<RegionList>, ApiError> {
    let regions = db::run(&state.pool, |conn| Ok(persistence::regions::list(conn)?)).await?;
    Ok(web::Json(RegionList {
        items: regions
            .into_iter()
            .map(|r| RegionView { code: r.code, name: r.name, level: r.level, supervisor_code: r.supervisor_code })
            .collect(),
    }))
}
