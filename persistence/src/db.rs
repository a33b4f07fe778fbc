//! Connections, the pool, transactions and migrations for both backends.

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::R2D2Connection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{StoreError, StoreResult};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");

/// Per-connection SQLite setup: foreign keys are off by default in SQLite,
/// WAL lets readers proceed during a write, and the busy timeout makes a
/// second writer wait instead of failing at once.
const SQLITE_SETUP: &str = "PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; \
                            PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;";

/// Per-connection PostgreSQL setup. Diesel caches prepared statements, and
/// PostgreSQL would keep a generic plan chosen while a table was still small:
/// a look-up of 900 external references by `= ANY($1)` then stays a sequential
/// scan after the table has grown to millions of rows (measured: one second
/// per batch instead of milliseconds). Planning each execution with its real
/// parameters costs microseconds and keeps index scans.
///
/// Bulk loads are the exception: see [`with_cached_plans`].
const POSTGRES_SETUP: &str = "SET plan_cache_mode = force_custom_plan;";

/// Runs `work` (a bulk statement such as `COPY`) with PostgreSQL's default
/// plan caching, restored to the session's per-execution planning afterwards.
/// Each row a bulk insert writes fires one foreign-key check per reference,
/// and each check is a cached primary-key look-up: forced custom plans made
/// PostgreSQL plan it anew for every row and key, a third of its time during
/// premium ingestion (measured with `perf`; docs/decisions/0017). A primary-key
/// equality has the same plan whatever the table's size, so the generic plan
/// the default mode settles on is safe. `SET LOCAL` confines the change to
/// the caller's transaction, also when `work` fails.
pub fn with_cached_plans<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> StoreResult<T>,
) -> StoreResult<T> {
    conn.batch_execute("SET LOCAL plan_cache_mode = auto")?;
    let result = work(conn)?;
    conn.batch_execute("SET LOCAL plan_cache_mode = force_custom_plan")?;
    Ok(result)
}

/// Which database a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    /// `postgres://…` / `postgresql://…` select PostgreSQL; `sqlite://PATH`
    /// selects SQLite with the file at PATH.
    pub fn from_url(url: &str) -> StoreResult<(Backend, String)> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok((Backend::Postgres, url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            Ok((Backend::Sqlite, path.to_owned()))
        } else {
            Err(StoreError::Unavailable("database URL must start with postgres://, postgresql:// or sqlite://".into()))
        }
    }
}

/// One live connection to either backend.
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

impl DbConnection {
    pub fn establish(url: &str) -> StoreResult<DbConnection> {
        let (backend, target) = Backend::from_url(url)?;
        match backend {
            Backend::Postgres => {
                let mut conn = PgConnection::establish(&target).map_err(|e| StoreError::Unavailable(e.to_string()))?;
                conn.batch_execute(POSTGRES_SETUP)?;
                Ok(DbConnection::Postgres(conn))
            }
            Backend::Sqlite => {
                let mut conn =
                    SqliteConnection::establish(&target).map_err(|e| StoreError::Unavailable(e.to_string()))?;
                conn.batch_execute(SQLITE_SETUP)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Runs `work` in one transaction: committed when it returns `Ok`, rolled
    /// back otherwise. SQLite transactions start `IMMEDIATE` so that two
    /// writers queue on the busy timeout instead of deadlocking on upgrade.
    pub fn transaction<T, E, F>(&mut self, work: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E>,
        E: From<StoreError>,
    {
        let begun = match self {
            DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
            DbConnection::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE"),
        };
        begun.map_err(StoreError::from)?;
        match work(self) {
            Ok(value) => {
                with_conn!(self, c => AnsiTransactionManager::commit_transaction(c)).map_err(StoreError::from)?;
                Ok(value)
            }
            Err(error) => {
                if let Err(rollback) = with_conn!(self, c => AnsiTransactionManager::rollback_transaction(c)) {
                    tracing::error!(error = %rollback, "rollback failed");
                }
                Err(error)
            }
        }
    }

    /// Applies pending migrations of this backend's tree; returns their names.
    pub fn run_migrations(&mut self) -> StoreResult<Vec<String>> {
        let applied = match self {
            DbConnection::Postgres(c) => {
                c.run_pending_migrations(POSTGRES_MIGRATIONS).map(|v| v.iter().map(ToString::to_string).collect())
            }
            DbConnection::Sqlite(c) => {
                c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.iter().map(ToString::to_string).collect())
            }
        };
        applied.map_err(|e| StoreError::Migration(e.to_string()))
    }

    pub fn ping(&mut self) -> StoreResult<()> {
        with_conn!(self, c => c.ping()).map_err(StoreError::from)
    }
}

/// r2d2 manager that picks the backend from the URL. Unlike Diesel's
/// `MultiConnection`, it reports the real connection error at once.
pub struct DbManager {
    url: String,
}

impl r2d2::ManageConnection for DbManager {
    type Connection = DbConnection;
    type Error = StoreError;

    fn connect(&self) -> Result<DbConnection, StoreError> {
        DbConnection::establish(&self.url)
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), StoreError> {
        conn.ping()
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        with_conn!(conn, c => c.is_broken())
    }
}

pub type DbPool = r2d2::Pool<DbManager>;
pub type PooledConnection = r2d2::PooledConnection<DbManager>;

/// Pool settings; defaults suit a single small instance.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    pub connection_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        PoolOptions { max_size: 10, connection_timeout: Duration::from_secs(5) }
    }
}

/// Builds the pool without connecting: the server starts (and reports
/// not-ready) even while the database is down.
pub fn build_pool(url: &str, options: &PoolOptions) -> StoreResult<DbPool> {
    let (backend, target) = Backend::from_url(url)?;
    if backend == Backend::Sqlite {
        if let Some(dir) = std::path::Path::new(&target).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(format!("{}: {e}", dir.display())))?;
            }
        }
    }
    Ok(r2d2::Pool::builder()
        .max_size(options.max_size)
        .min_idle(Some(0))
        .connection_timeout(options.connection_timeout)
        .build_unchecked(DbManager { url: url.to_owned() }))
}
