//! Probes, metrics and the offline documentation page.

use std::net::TcpListener;

use api::auth::keys::KeySet;
use e2e::{test_settings, tokens, TestApp};
use persistence::{build_pool, PoolOptions};
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn live_and_ready_answer_ok_with_a_database() {
    let app = TestApp::spawn().await;
    for path in ["/health/live", "/health/ready"] {
        let response = app.http.get(app.url(path)).send().await.expect("get");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.json::<Value>().await.expect("json")["status"], "ok");
    }
}

#[tokio::test]
async fn without_a_database_ready_and_reads_are_503_problems() {
    let keys_dir = tempfile::tempdir().expect("dir");
    // Nothing listens on port 9: every connection attempt is refused.
    let mut settings = test_settings("postgres://postgres@127.0.0.1:9/none", keys_dir.path().to_path_buf());
    settings.migrate_on_start = false;
    settings.db_timeout_seconds = 1;
    let pool =
        build_pool(&settings.database_url, &PoolOptions { max_size: 2, connection_timeout: settings.db_timeout() })
            .expect("lazy pool");
    let keys = KeySet::load_or_generate(&settings.keys_dir, chrono::Utc::now()).expect("keys");
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let app = api::Application::with_listener(settings, pool, keys, listener).expect("server");
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::new();

    assert_eq!(http.get(format!("{base}/health/live")).send().await.expect("live").status(), StatusCode::OK);
    let ready = http.get(format!("{base}/health/ready")).send().await.expect("ready");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.headers()["content-type"], "application/problem+json");
    assert!(ready.headers().contains_key("retry-after"));
    assert_eq!(ready.json::<Value>().await.expect("json")["code"], "service_unavailable");

    let (kid, pem) = tokens::server_key(keys_dir.path());
    let token = tokens::sign(&kid, &pem, &tokens::admin_claims("someone", chrono::Utc::now().timestamp()));
    let read = http.get(format!("{base}/api/v1/regions")).bearer_auth(token).send().await.expect("regions");
    assert_eq!(read.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = read.text().await.expect("body");
    assert!(body.contains("service_unavailable") && !body.to_lowercase().contains("connection refused"), "{body}");
}

#[tokio::test]
async fn metrics_are_exposed_for_prometheus() {
    let app = TestApp::spawn().await;
    app.http.get(app.url("/health/live")).send().await.expect("warm up");
    let response = app.http.get(app.url("/metrics")).send().await.expect("metrics");
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("text");
    assert!(text.contains("hsp_http_requests_total"), "{text}");
}

#[tokio::test]
async fn the_docs_page_works_offline() {
    let app = TestApp::spawn().await;
    let page = app.http.get(app.url("/docs/")).send().await.expect("docs");
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.expect("html");
    assert!(html.contains("swagger-ui"), "{html}");
    assert!(!html.contains("https://") && !html.contains("http://"), "the page must not load from a CDN: {html}");
    for asset in ["/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/swagger-initializer.js"] {
        let response = app.http.get(app.url(asset)).send().await.expect("asset");
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        let body = response.text().await.expect("asset body");
        if asset.ends_with("initializer.js") {
            assert!(body.contains("/api/v1/openapi.json"), "{body}");
        }
    }
}
