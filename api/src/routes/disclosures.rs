//! Public disclosures and published annual reports (二(三), 七).

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(_cfg: &mut ServiceConfig) {}
