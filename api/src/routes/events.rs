//! (stub; filled in by issue 8 work)

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(_cfg: &mut ServiceConfig) {}
