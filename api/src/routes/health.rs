//! Liveness and readiness, outside `/api/v1`.

use std::time::Duration;

use actix_web::{get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::problem::ServiceUnavailable;
use crate::state::AppState;

/// Readiness waits at most this long for a database connection.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: String,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, description = "Alive", body = Health)), security(()))]
#[get("/health/live")]
pub async fn live() -> web::Json<Health> {
    web::Json(Health { status: "ok".into() })
}

/// The process can serve: the database answers.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready", body = Health),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/health/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<web::Json<Health>, ApiError> {
    let pool = state.pool.clone();
    web::block(move || {
        let mut conn = pool.get_timeout(READY_TIMEOUT).map_err(|e| {
            tracing::warn!(error = %e, "readiness: no database connection");
            ApiError::unavailable()
        })?;
        conn.ping().map_err(|e| {
            tracing::warn!(error = %e, "readiness: database ping failed");
            ApiError::unavailable()
        })
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(web::Json(Health { status: "ok".into() }))
}
