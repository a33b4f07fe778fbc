//! Typed settings. Every setting has a default that runs with no setup and
//! can be overridden by a flag or an environment variable; secrets (the
//! signing keys) live in files under `keys_dir`, never in the repository.

use std::path::PathBuf;
use std::time::Duration;

use clap::Args;

/// Largest accepted request body. Sized for the premium batch endpoint's
/// maximum item count with room to spare.
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// A secret setting: never printed, not even by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Redacted(pub String);

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::str::FromStr for Redacted {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Redacted(s.to_owned()))
    }
}

#[derive(Clone, Args)]
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

    /// The signing key as PKCS#8 PEM, for secret stores that inject
    /// environment variables; replaces the files of `keys_dir`.
    #[arg(long, env = "HSP_JWT_PRIVATE_KEY", hide_env_values = true)]
    pub jwt_private_key: Option<Redacted>,

    /// `kid` of `HSP_JWT_PRIVATE_KEY`.
    #[arg(long, env = "HSP_JWT_KEY_ID", default_value = "env-key")]
    pub jwt_key_id: String,

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

    /// Browser origins allowed to call the API cross-origin, comma-separated
    /// (e.g. `https://portal.example.cn`). Empty: CORS stays off.
    #[arg(long, env = "HSP_CORS_ALLOWED_ORIGINS", default_value = "", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,

    /// HTTP worker threads (0 = one per core).
    #[arg(long, env = "HSP_WORKERS", default_value_t = 0)]
    pub workers: usize,

    /// Seconds between sweeps that bring stored credit scores past their
    /// events' expiries (0 = no sweeper; reads still compute a stale score
    /// from the events).
    #[arg(long, env = "HSP_CREDIT_SWEEP_SECONDS", default_value_t = 60)]
    pub credit_sweep_seconds: u64,

    /// Memory for cached public credit cards, in bytes (cards beyond it are
    /// read from the database). About 500 bytes a card.
    #[arg(long, env = "HSP_PUBLIC_CREDIT_CACHE_BYTES", default_value_t = crate::public_cache::DEFAULT_BUDGET_BYTES)]
    pub public_credit_cache_bytes: usize,

    /// A read-only replica for public reads (`postgres://…`); unset, they
    /// use the primary (docs/deploy.md).
    #[arg(long, env = "HSP_READ_DATABASE_URL")]
    pub read_database_url: Option<Redacted>,

    /// Maximum pooled connections to the read replica.
    #[arg(long, env = "HSP_READ_POOL_SIZE", default_value_t = 10)]
    pub read_pool_size: u32,

    /// Run the webhook delivery worker in this instance. Several instances
    /// may all run it: subscriptions are leased in the database.
    #[arg(long, env = "HSP_WEBHOOK_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhook_worker: bool,

    /// Milliseconds the delivery worker sleeps when nothing is due.
    #[arg(long, env = "HSP_WEBHOOK_POLL_MILLIS", default_value_t = 1000)]
    pub webhook_poll_millis: u64,

    /// First retry delay in milliseconds; doubled per attempt, with jitter.
    #[arg(long, env = "HSP_WEBHOOK_BACKOFF_MILLIS", default_value_t = 2000)]
    pub webhook_backoff_millis: u64,

    /// Attempts before an event is dead-lettered for a subscription.
    #[arg(long, env = "HSP_WEBHOOK_MAX_ATTEMPTS", default_value_t = 8)]
    pub webhook_max_attempts: u32,

    /// Seconds to wait for a receiver's answer.
    #[arg(long, env = "HSP_WEBHOOK_TIMEOUT_SECONDS", default_value_t = 10)]
    pub webhook_timeout_seconds: u64,

    /// Allow webhook URLs on loopback, private and link-local addresses
    /// (SSRF guard off: for tests and closed networks only).
    #[arg(long, env = "HSP_WEBHOOK_ALLOW_PRIVATE", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_private: bool,
}

impl Settings {
    pub fn db_timeout(&self) -> Duration {
        Duration::from_secs(self.db_timeout_seconds)
    }

    /// The database URL with any password replaced, for messages.
    pub fn database_url_redacted(&self) -> String {
        redact_url_password(&self.database_url)
    }
}

/// `scheme://user:password@host/db` → `scheme://user:***@host/db`.
pub fn redact_url_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((credentials, host)) if credentials.contains(':') => {
            let user = credentials.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:***@{host}")
        }
        _ => url.to_owned(),
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("bind", &self.bind)
            .field("database_url", &self.database_url_redacted())
            .field("keys_dir", &self.keys_dir)
            .field("jwt_private_key", &self.jwt_private_key)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact_url_password("postgres://app:S3cret@db:5432/hsp"), "postgres://app:***@db:5432/hsp");
        assert_eq!(redact_url_password("postgres://app@db/hsp"), "postgres://app@db/hsp");
        assert_eq!(redact_url_password("sqlite://data/x.sqlite3"), "sqlite://data/x.sqlite3");
        assert_eq!(format!("{:?}", Redacted("-----BEGIN PRIVATE KEY-----".into())), "[redacted]");
    }
}
