//! Abuse resistance: rate limits on the unauthenticated surface and the
//! lock after repeated wrong client secrets.

use e2e::TestApp;
use persistence::clients;
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

async fn token_attempt(app: &TestApp, client_id: &str, secret: &str) -> reqwest::Response {
    app.http
        .post(app.url("/api/v1/auth/token"))
        .json(&json!({"client_id": client_id, "client_secret": secret}))
        .send()
        .await
        .expect("token")
}

#[tokio::test]
async fn repeated_wrong_secrets_lock_only_that_client() {
    let app = TestApp::spawn().await;
    let victim = app.client("portal", None, None).await;
    let bystander = app.client("portal", None, None).await;
    for attempt in 1..=5 {
        let response = token_attempt(&app, &victim.id, "wrong").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    // Locked now: even the right secret is refused for a while.
    let locked = token_attempt(&app, &victim.id, &victim.secret).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = locked.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    let problem: Value = locked.json().await.expect("json");
    assert_eq!(problem["code"], "client_locked");
    // Another client is not affected, and its success clears nothing of the victim's.
    assert_eq!(token_attempt(&app, &bystander.id, &bystander.secret).await.status(), StatusCode::OK);
    let mut conn = app.db.connect();
    let stored = clients::find(&mut conn, Uuid::parse_str(&victim.id).expect("uuid")).expect("find").expect("client");
    assert!(stored.locked_until.is_some_and(|until| until > chrono::Utc::now()));
    // An old token of the victim still works until it expires (tokens are stateless).
    let regions = app.http.get(app.url("/api/v1/regions")).bearer_auth(&victim.token).send().await.expect("regions");
    assert_eq!(regions.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_success_before_the_limit_resets_the_count() {
    let app = TestApp::spawn().await;
    let client = app.client("portal", None, None).await;
    for _ in 0..4 {
        assert_eq!(token_attempt(&app, &client.id, "wrong").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(token_attempt(&app, &client.id, &client.secret).await.status(), StatusCode::OK);
    for _ in 0..4 {
        assert_eq!(token_attempt(&app, &client.id, "wrong").await.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(token_attempt(&app, &client.id, &client.secret).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_token_endpoint_and_public_reads_are_rate_limited() {
    let app = TestApp::spawn_with(|s| s.rate_limit_per_minute = 5).await;
    let url = app.url(&format!("/api/v1/public/organizations/{}", e2e::credit_code(1)));
    // The harness's admin login took one of the five from this address.
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(app.http.get(&url).header("Accept-Language", "en").send().await.expect("get"));
    }
    let last = statuses.pop().expect("six");
    assert!(statuses.iter().all(|r| r.status() == StatusCode::NOT_FOUND));
    assert_eq!(last.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(last.headers()["retry-after"].to_str().expect("ascii").parse::<u64>().expect("seconds") >= 1);
    assert_eq!(last.headers()["content-type"], "application/problem+json");
    let problem: Value = last.json().await.expect("json");
    assert_eq!(
        (problem["code"].as_str(), problem["title"].as_str()),
        (Some("rate_limited"), Some("Too many requests; retry later"))
    );
    assert!(problem["request_id"].is_string());
    // The token endpoint shares the address's bucket; authenticated reads do not.
    assert_eq!(token_attempt(&app, &Uuid::new_v4().to_string(), "x").await.status(), StatusCode::TOO_MANY_REQUESTS);
    let regions =
        app.http.get(app.url("/api/v1/regions")).bearer_auth(app.admin_token()).send().await.expect("regions");
    assert_eq!(regions.status(), StatusCode::OK);
}

#[tokio::test]
async fn certificate_checks_cannot_be_used_to_enumerate_holders() {
    // Guessing names for a number (or numbers for a name) runs into the same
    // per-address bucket as every public read.
    let app = TestApp::spawn_with(|s| s.rate_limit_per_minute = 4).await;
    let mut statuses = Vec::new();
    for guess in ["张伟", "王伟", "李伟", "刘伟"] {
        let url = app.url(&format!("/api/v1/public/certificates?number=T11010519491231002X&name={guess}"));
        statuses.push(app.http.get(url).send().await.expect("get").status());
    }
    // The harness's admin login took one of the four.
    assert_eq!(
        statuses,
        [StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::NOT_FOUND, StatusCode::TOO_MANY_REQUESTS]
    );
    let attestation =
        app.url("/api/v1/public/certificates/attestation?number=T11010519491231002X&name=%E5%BC%A0%E4%BC%9F");
    assert_eq!(app.http.get(attestation).send().await.expect("get").status(), StatusCode::TOO_MANY_REQUESTS);
}
