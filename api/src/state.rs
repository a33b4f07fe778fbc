use std::sync::Arc;

use persistence::DbPool;

use crate::auth::keys::KeySet;
use crate::config::Settings;

/// Shared by every worker: the pool, the signing keys and the settings.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub keys: Arc<KeySet>,
    pub settings: Arc<Settings>,
}
