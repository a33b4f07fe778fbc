use std::sync::Arc;

use persistence::DbPool;

use crate::auth::keys::KeySet;
use crate::config::Settings;
use crate::public_cache::PublicCreditCache;

/// Shared by every worker: the pool, the signing keys, the settings and the
/// cache of public credit cards.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    pub keys: Arc<KeySet>,
    pub settings: Arc<Settings>,
    pub public_credit: Arc<PublicCreditCache>,
}
