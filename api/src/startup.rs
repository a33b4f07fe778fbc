//! Building and running the server.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use actix_web_prom::PrometheusMetricsBuilder;
use chrono::Utc;
use domain::organization::Role;
use persistence::{build_pool, clients, seed, DbPool, PoolOptions};
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::keys::{KeyError, KeySet};
use crate::config::Settings;
use crate::middleware::localize::localize_problems;
use crate::middleware::rate_limit::{rate_limit, RateLimiter};
use crate::middleware::request_id::request_id;
use crate::middleware::security_headers::{cors, security_headers};
use crate::state::AppState;
use crate::{extractors, routes};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] persistence::StoreError),
    #[error("signing keys: {0}")]
    Keys(#[from] KeyError),
    #[error("listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("metrics: {0}")]
    Metrics(String),
    #[error("credit sweeper thread: {0}")]
    Sweeper(std::io::Error),
    #[error("webhook delivery client: {0}")]
    Webhooks(String),
}

/// Opens the pool and, when asked, migrates and seeds the database.
pub fn prepare_database(settings: &Settings) -> Result<DbPool, StartupError> {
    let pool = build_pool(
        &settings.database_url,
        &PoolOptions { max_size: settings.db_pool_size, connection_timeout: settings.db_timeout() },
    )?;
    if settings.migrate_on_start {
        let mut conn = pool.get().map_err(persistence::StoreError::from)?;
        let applied = conn.run_migrations()?;
        if !applied.is_empty() {
            tracing::info!(migrations = ?applied, "applied migrations");
        }
        seed::apply(&mut conn)?;
        if clients::count_with_role(&mut conn, Role::Admin)? == 0 {
            tracing::warn!(
                "no admin API client exists yet; create one with `make admin` or `henan-safety clients create --role admin --name ops`"
            );
        }
    }
    Ok(pool)
}

/// Where the running server serves its contract (the docs page reads it).
const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// The contract as JSON bytes, built once for every worker.
struct ContractJson(web::Bytes);

async fn serve_contract(contract: web::Data<ContractJson>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type(mime::APPLICATION_JSON).body(contract.0.clone())
}

/// A bound, not yet running server, and its webhook worker if it runs one.
pub struct Application {
    port: u16,
    server: Server,
    worker: Option<crate::webhook_delivery::Worker>,
}

impl Application {
    /// Prepares the database and keys and binds the listener. Blocking work
    /// (migrations) runs before the server accepts anything.
    pub fn build(settings: Settings) -> Result<Application, StartupError> {
        let pool = prepare_database(&settings)?;
        let keys = match &settings.jwt_private_key {
            Some(pem) => KeySet::from_pems(vec![(settings.jwt_key_id.clone(), pem.0.clone())])?,
            None => KeySet::load_or_generate(&settings.keys_dir, Utc::now())?,
        };
        let listener = TcpListener::bind(&settings.bind).map_err(|e| StartupError::Bind(settings.bind.clone(), e))?;
        Application::with_listener(settings, pool, keys, listener)
    }

    pub fn with_listener(
        settings: Settings,
        pool: DbPool,
        keys: KeySet,
        listener: TcpListener,
    ) -> Result<Application, StartupError> {
        let port = listener.local_addr().map_err(|e| StartupError::Bind(settings.bind.clone(), e))?.port();
        let metrics = PrometheusMetricsBuilder::new("hsp")
            .endpoint("/metrics")
            .mask_unmatched_patterns("UNKNOWN")
            .build()
            .map_err(|e| StartupError::Metrics(e.to_string()))?;
        let workers = settings.workers;
        let max_body = settings.max_body_bytes;
        let rate_limit_per_minute = settings.rate_limit_per_minute;
        let cors_origins = settings.cors_allowed_origins.clone();
        let public_credit =
            Arc::new(crate::public_cache::PublicCreditCache::with_budget(settings.public_credit_cache_bytes));
        if settings.credit_sweep_seconds > 0 {
            let every = std::time::Duration::from_secs(settings.credit_sweep_seconds);
            crate::credit::spawn_sweeper(pool.clone(), public_credit.clone(), every).map_err(StartupError::Sweeper)?;
        }
        let read_pool = match &settings.read_database_url {
            Some(url) => build_pool(
                &url.0,
                &PoolOptions { max_size: settings.read_pool_size, connection_timeout: settings.db_timeout() },
            )?,
            None => pool.clone(),
        };
        let worker = if settings.webhook_worker {
            let tuning = crate::webhook_delivery::Tuning::from_settings(&settings);
            let worker = crate::webhook_delivery::Worker::new(pool.clone(), tuning)
                .map_err(|e| StartupError::Webhooks(e.to_string()))?;
            Some(worker)
        } else {
            None
        };
        let state = AppState { pool, read_pool, keys: Arc::new(keys), settings: Arc::new(settings), public_credit };
        // Generated once; the same function backs `openapi.yaml` and its test.
        let document = crate::openapi::document();
        let rate_limiter = web::Data::new(RateLimiter::new(rate_limit_per_minute));
        let known_routes = web::Data::new(routes::fallback::KnownRoutes::from_document(&document));
        // Serialised once and shared: a copy of the document per worker
        // (SwaggerUi's own `url(…, doc)`) cost each worker megabytes.
        let contract = web::Data::new(ContractJson(web::Bytes::from(
            serde_json::to_vec(&document).map_err(|e| StartupError::Metrics(format!("contract: {e}")))?,
        )));
        let swagger_config = utoipa_swagger_ui::Config::new([OPENAPI_PATH]);
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(from_fn(extractors::require_json))
                .wrap(from_fn(rate_limit))
                .wrap(from_fn(localize_problems))
                .wrap(security_headers())
                .wrap(cors(&cors_origins))
                .wrap(from_fn(request_id))
                .wrap(metrics.clone())
                .app_data(web::Data::new(state.clone()))
                .app_data(known_routes.clone())
                .app_data(rate_limiter.clone())
                .app_data(extractors::json_config(max_body))
                .app_data(extractors::query_config())
                .app_data(extractors::path_config())
                // Before the `/api/v1` scope, which would otherwise claim the path.
                .service(SwaggerUi::new("/docs/{_:.*}").config(swagger_config.clone()))
                .service(web::resource(OPENAPI_PATH).app_data(contract.clone()).route(web::get().to(serve_contract)))
                .into_utoipa_app()
                .service(scope("/api/v1").configure(routes::api_v1))
                .configure(routes::health)
                .into_app()
                .default_service(web::to(routes::fallback::fallback))
        })
        .listen(listener)
        .map_err(|e| StartupError::Bind("listener".into(), e))?;
        if workers > 0 {
            server = server.workers(workers);
        }
        Ok(Application { port, server: server.run(), worker })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the server stops. The webhook worker runs as a task of
    /// the runtime that awaits this, and is stopped with the server: it
    /// never outlives it (nor, in tests, the test's runtime and database).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Some(worker) = self.worker else { return self.server.await };
        let task = tokio::spawn(worker.run());
        let stopped = self.server.await;
        task.abort();
        stopped
    }
}
