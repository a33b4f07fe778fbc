//! Typed settings. Every setting has a default that runs with no setup and
//! can be overridden by a flag or an environment variable; secrets (the
//! signing keys) live in files under `keys_dir`, never in the repository.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Largest accepted request body. Sized for the premium batch endpoint's
/// maximum item count with room to spare.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Address and port to listen on.
    #[arg(long, env = "HSP_BIND", default_value = "127.0.0.1:8080")]
    pub bind: String,

    /// `sqlite://PATH` (zero-setup default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://data/platform.sqlite3")]
    pub database_url: String,

    /// Maximum pooled database connections.
    #[arg(long, env = "HSP_DB_POOL_SIZE", default_value_t = 10)]
    pub db_pool_size: u32,

    /// Seconds to wait for a pooled connection before answering 503.
    #[arg(long, env = "HSP_DB_TIMEOUT_SECONDS", default_value_t = 5)]
    pub db_timeout_seconds: u64,

    /// Apply pending migrations and reference data when the server starts.
    #[arg(long, env = "HSP_MIGRATE_ON_START", default_value_t = true, action = clap::ArgAction::Set)]
    pub migrate_on_start: bool,

    /// Directory of Ed25519 signing keys (`<kid>.pem`, PKCS#8); one is
    /// generated on first start when the directory holds none.
    #[arg(long, env = "HSP_KEYS_DIR", default_value = "data/keys")]
    pub keys_dir: PathBuf,

    /// `iss` claim of issued tokens.
    #[arg(long, env = "HSP_JWT_ISSUER", default_value = "henan-safety-platform")]
    pub jwt_issuer: String,

    /// `aud` claim of issued tokens, required on every presented token.
    #[arg(long, env = "HSP_JWT_AUDIENCE", default_value = "henan-safety-api")]
    pub jwt_audience: String,

    /// Lifetime of issued access tokens in seconds.
    #[arg(long, env = "HSP_TOKEN_TTL_SECONDS", default_value_t = 900)]
    pub token_ttl_seconds: i64,

    /// Largest request body in bytes (413 beyond it).
    #[arg(long, env = "HSP_MAX_BODY_BYTES", default_value_t = DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,

    /// Requests per minute per client address to the token endpoint and
    /// `/api/v1/public/` (0 = unlimited); 429 with `Retry-After` beyond.
    #[arg(long, env = "HSP_RATE_LIMIT_PER_MINUTE", default_value_t = 120)]
    pub rate_limit_per_minute: u32,

    /// HTTP worker threads (0 = one per core).
    #[arg(long, env = "HSP_WORKERS", default_value_t = 0)]
    pub workers: usize,
}

impl Settings {
    pub fn db_timeout(&self) -> Duration {
        Duration::from_secs(self.db_timeout_seconds)
    }
}
