//! Small-enterprise subsidy programmes (九(三)).

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(_cfg: &mut ServiceConfig) {}
