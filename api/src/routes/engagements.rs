//! Engagements: contracts, status, payments, evaluations, cross-region notices and the charging-without-service flag (二, 八(三)).

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(_cfg: &mut ServiceConfig) {}
