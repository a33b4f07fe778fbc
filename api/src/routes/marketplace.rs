//! Demands, matches and bids (豫安委〔2017〕17号 九(三)).

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(_cfg: &mut ServiceConfig) {}
