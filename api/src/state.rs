use std::sync::Arc;

use persistence::DbPool;

use crate::auth::keys::KeySet;
use crate::config::Settings;
use crate::public_cache::PublicCreditCache;

/// Shared by every worker: the pools, the signing keys, the settings and the
/// cache of public credit cards.
#[derive(Clone)]
pub struct AppState {
    pub pool: DbPool,
    /// Public reads: a replica's pool when `HSP_READ_DATABASE_URL` is set,
    /// else the primary's (docs/deploy.md). Never written through.
    pub read_pool: DbPool,
    pub keys: Arc<KeySet>,
    pub settings: Arc<Settings>,
    pub public_credit: Arc<PublicCreditCache>,
}
