//! Test harness: boots the real server on a random port over a fresh
//! database (a temporary SQLite file, or a PostgreSQL database created for the
//! test and dropped afterwards) and talks to it over HTTP.
//!
//! `TEST_DATABASE=sqlite|postgres` picks the backend (default sqlite);
//! `TEST_POSTGRES_URL` is the maintenance database used to create and drop
//! per-test databases (default `postgres://postgres@127.0.0.1:5432/postgres`).

use std::net::TcpListener;
use std::path::PathBuf;

use api::auth::keys::KeySet;
use api::Settings;
use diesel::{Connection, PgConnection, RunQueryDsl};
use persistence::DbConnection;
use serde_json::{json, Value};
use uuid::Uuid;

pub mod insurance;
pub mod market;
pub mod tokens;

pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Registry fields for a test that writes through `persistence` directly:
/// a name, a region and a sector, active, everything else empty. Tests set
/// more with struct-update syntax (`OrganizationFields { status, ..bare_fields(…) }`).
pub fn bare_fields(
    name: impl Into<String>,
    region_code: &str,
    sector: Option<domain::organization::Sector>,
) -> persistence::organizations::OrganizationFields {
    persistence::organizations::OrganizationFields {
        name: name.into(),
        region_code: domain::region::RegionCode::parse(region_code).expect("region code"),
        address: None,
        legal_representative: None,
        contact_phone: None,
        sector,
        employee_count: None,
        service_types: Vec::new(),
        qualification: None,
        status: domain::organization::OrganizationStatus::Active,
    }
}

/// A valid credit code (GB 32100-2015) for `seed`, distinct per seed.
pub fn credit_code(seed: u32) -> String {
    let first17 = format!("9141{:04}MA{:07}", seed % 10_000, seed);
    let check = domain::check_character(&first17).expect("valid prefix");
    format!("{first17}{check}")
}

/// Which database the suite runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_env() -> Backend {
        match std::env::var("TEST_DATABASE").as_deref() {
            Ok("postgres") => Backend::Postgres,
            Ok("sqlite") | Err(_) => Backend::Sqlite,
            Ok(other) => panic!("TEST_DATABASE must be sqlite or postgres, not {other:?}"),
        }
    }
}

/// A database that exists for one test.
pub struct TestDatabase {
    pub url: String,
    postgres_name: Option<String>,
    _dir: tempfile::TempDir,
}

fn admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.to_owned())
}

fn with_database(url: &str, name: &str) -> String {
    match url.rfind('/') {
        Some(slash) if url[..slash].contains("://") && slash > url.find("://").map_or(0, |i| i + 2) => {
            format!("{}/{name}", &url[..slash])
        }
        _ => format!("{url}/{name}"),
    }
}

impl TestDatabase {
    pub fn create(backend: Backend) -> TestDatabase {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.path().join("test.sqlite3").display()),
                postgres_name: None,
                _dir: dir,
            },
            Backend::Postgres => {
                let name = format!("hsp_test_{}", Uuid::new_v4().simple());
                let mut admin = PgConnection::establish(&admin_url())
                    .unwrap_or_else(|e| panic!("PostgreSQL at TEST_POSTGRES_URL is not reachable: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut admin).expect("create database");
                // No TLS on the loopback: OpenSSL's exit-time clean-up can race with the
                // server threads a test leaves behind and crash the test process.
                let url = format!("{}?sslmode=disable", with_database(&admin_url(), &name));
                TestDatabase { url, postgres_name: Some(name), _dir: dir }
            }
        }
    }

    /// A direct connection, to check what a request left in the database.
    pub fn connect(&self) -> DbConnection {
        DbConnection::establish(&self.url).expect("connect to test database")
    }

    /// Runs raw SQL behind the application's back (tamper tests).
    pub fn execute(&self, sql: &str) -> usize {
        match self.url.strip_prefix("sqlite://") {
            Some(path) => {
                let mut conn = diesel::SqliteConnection::establish(path).expect("sqlite");
                diesel::sql_query(sql).execute(&mut conn).expect("raw sql")
            }
            None => {
                let mut conn = PgConnection::establish(&self.url).expect("postgres");
                diesel::sql_query(sql).execute(&mut conn).expect("raw sql")
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some(name) = &self.postgres_name {
            if let Ok(mut admin) = PgConnection::establish(&admin_url()) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut admin);
            }
        }
    }
}

/// Settings for a test server: random port, the given database, keys in a
/// temporary directory.
pub fn test_settings(database_url: &str, keys_dir: PathBuf) -> Settings {
    Settings {
        bind: "127.0.0.1:0".into(),
        database_url: database_url.into(),
        db_pool_size: 4,
        db_timeout_seconds: 5,
        migrate_on_start: true,
        keys_dir,
        jwt_private_key: None,
        jwt_key_id: "env-key".into(),
        jwt_issuer: "henan-safety-platform".into(),
        jwt_audience: "henan-safety-api".into(),
        token_ttl_seconds: 900,
        max_body_bytes: api::config::DEFAULT_MAX_BODY_BYTES,
        // Tests log in often; the rate-limit test sets its own.
        rate_limit_per_minute: 0,
        cors_allowed_origins: Vec::new(),
        workers: 2,
        // Tests call the sweep directly; a thread per test server would outlive its database.
        credit_sweep_seconds: 0,
        public_credit_cache_bytes: api::public_cache::DEFAULT_BUDGET_BYTES,
        read_database_url: None,
        read_pool_size: 2,
        // Webhook tests turn the worker on with a receiver on 127.0.0.1.
        webhook_worker: false,
        webhook_poll_millis: 50,
        webhook_backoff_millis: 50,
        webhook_max_attempts: 3,
        webhook_timeout_seconds: 5,
        webhook_allow_private: true,
    }
}

/// The tests' HTTP client. Idle connections are dropped after 2 s, before
/// the server's 5 s keep-alive closes them: reusing a connection the server
/// is closing at that instant fails the request (seen under load).
pub fn test_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("client")
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub address: String,
    pub http: reqwest::Client,
    pub db: TestDatabase,
    pub settings: Settings,
    pub keys_dir: tempfile::TempDir,
    admin_token: String,
}

/// A credential for one role.
#[derive(Debug, Clone)]
pub struct Client {
    pub id: String,
    pub secret: String,
    pub token: String,
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Spawns with settings adjusted by `tune`.
    pub async fn spawn_with(tune: impl FnOnce(&mut Settings)) -> TestApp {
        let db = TestDatabase::create(Backend::from_env());
        let keys_dir = tempfile::tempdir().expect("keys dir");
        let mut settings = test_settings(&db.url, keys_dir.path().to_path_buf());
        tune(&mut settings);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let pool = api::startup::prepare_database(&settings).expect("database ready");
        let keys = KeySet::load_or_generate(&settings.keys_dir, chrono::Utc::now()).expect("keys");
        let app = api::Application::with_listener(settings.clone(), pool, keys, listener).expect("server");
        tokio::spawn(app.run_until_stopped());
        let mut app = TestApp { address, http: test_http_client(), db, settings, keys_dir, admin_token: String::new() };
        app.admin_token = app.bootstrap_admin().await.token;
        app
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// Creates an admin client directly in the database (as `clients create`
    /// does) and logs it in over HTTP.
    async fn bootstrap_admin(&self) -> Client {
        let (secret, hash) = api::clients::new_secret().expect("secret");
        let mut conn = self.db.connect();
        let body = api::schemas::client::CreateClient {
            name: "bootstrap admin".into(),
            role: "admin".into(),
            organization_id: None,
            region_code: None,
        };
        let client = api::clients::register_client(&mut conn, body, hash).expect("admin client");
        let id = client.id.to_string();
        let token = self.login(&id, &secret).await;
        Client { id, secret, token }
    }

    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// `POST /api/v1/auth/token`; panics unless it succeeds.
    pub async fn login(&self, client_id: &str, secret: &str) -> String {
        let response = self
            .http
            .post(self.url("/api/v1/auth/token"))
            .json(&json!({"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}))
            .send()
            .await
            .expect("token request");
        assert_eq!(response.status(), 200, "login failed");
        let body: Value = response.json().await.expect("token body");
        body["access_token"].as_str().expect("access_token").to_owned()
    }

    /// Creates a client through the admin API and logs it in.
    pub async fn client(&self, role: &str, organization_id: Option<&str>, region_code: Option<&str>) -> Client {
        let response = self
            .http
            .post(self.url("/api/v1/clients"))
            .bearer_auth(&self.admin_token)
            .json(&json!({
                "name": format!("{role} test client"),
                "role": role,
                "organization_id": organization_id,
                "region_code": region_code,
            }))
            .send()
            .await
            .expect("create client");
        assert_eq!(response.status(), 201, "client creation failed: {:?}", response.text().await);
        let body: Value = response.json().await.expect("client body");
        let id = body["client_id"].as_str().expect("client_id").to_owned();
        let secret = body["client_secret"].as_str().expect("client_secret").to_owned();
        let token = self.login(&id, &secret).await;
        Client { id, secret, token }
    }

    pub async fn regulator(&self, region: &str) -> Client {
        self.client("regulator", None, Some(region)).await
    }

    /// Registers an organisation as admin; returns its JSON.
    pub async fn organization(&self, body: Value) -> Value {
        let response = self
            .http
            .post(self.url("/api/v1/organizations"))
            .bearer_auth(&self.admin_token)
            .json(&body)
            .send()
            .await
            .expect("create organisation");
        assert_eq!(response.status(), 201, "organisation creation failed: {:?}", response.text().await);
        response.json().await.expect("organisation body")
    }

    /// A minimal valid enterprise in `region`.
    pub async fn enterprise(&self, seed: u32, region: &str) -> Value {
        self.organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("测试企业{seed}"),
            "kind": "enterprise",
            "region_code": region,
            "sector": "mining",
            "contact_phone": "13812345678",
            "legal_representative": "张三",
        }))
        .await
    }
}

impl TestApp {
    /// A second server on this app's database and signing keys, as a second
    /// instance behind a load balancer would be (migrations ran once, with the
    /// first), with settings adjusted by `tune`. Returns its address. It runs
    /// as a task of the test's runtime and stops with it.
    pub async fn spawn_twin(&self, tune: impl FnOnce(&mut Settings)) -> String {
        let mut settings = self.settings.clone();
        settings.migrate_on_start = false;
        tune(&mut settings);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = format!("http://{}", listener.local_addr().expect("addr"));
        let pool = api::startup::prepare_database(&settings).expect("database ready");
        let keys = KeySet::load_or_generate(&settings.keys_dir, chrono::Utc::now()).expect("keys");
        let app = api::Application::with_listener(settings, pool, keys, listener).expect("server");
        tokio::spawn(app.run_until_stopped());
        address
    }
}
