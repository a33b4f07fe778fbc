//! Regions, effective-dated rules and the audit trail's scoping.

use e2e::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn the_region_table_is_seeded() {
    let app = TestApp::spawn().await;
    let portal = app.client("portal", None, None).await;
    let regions: Value = app
        .http
        .get(app.url("/api/v1/regions"))
        .bearer_auth(&portal.token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let items = regions["items"].as_array().expect("items");
    assert_eq!(items[0]["code"], "410000");
    assert_eq!(items.iter().filter(|r| r["level"] == "city").count(), 18);
    let gongyi = items.iter().find(|r| r["code"] == "410181").expect("巩义");
    assert_eq!((gongyi["name"].as_str(), gongyi["supervisor_code"].as_str()), (Some("巩义市"), Some("410181")));
    let jiyuan = items.iter().find(|r| r["code"] == "419001").expect("济源");
    assert_eq!(jiyuan["level"], "city");
    assert_eq!(app.http.get(app.url("/api/v1/regions")).send().await.expect("get").status(), StatusCode::UNAUTHORIZED);
}

async fn rule(app: &TestApp, on: &str, name: &str) -> Value {
    let rules: Value = app
        .http
        .get(app.url(&format!("/api/v1/rules?on={on}")))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(rules["on"], on);
    rules["items"].as_array().expect("items").iter().find(|r| r["name"] == name).cloned().unwrap_or(Value::Null)
}

#[tokio::test]
async fn rules_in_force_follow_their_effective_dates() {
    let app = TestApp::spawn().await;
    let before = rule(&app, "2025-03-28", "min_cover_per_person_fen").await;
    assert_eq!(
        (before["value"].as_str(), before["version"].as_str()),
        (Some("30000000"), Some("min_cover_per_person_fen@2018-01-01"))
    );
    let on = rule(&app, "2025-03-29", "min_cover_per_person_fen").await;
    assert_eq!((on["value"].as_str(), on["unit"].as_str()), (Some("40000000"), Some("fen")));
    assert_eq!(rule(&app, "2017-12-31", "min_cover_per_person_fen").await, Value::Null);
    assert_eq!(rule(&app, "2024-02-29", "prevention_fund_share_bp").await["value"], "1000");
    assert_eq!(rule(&app, "2026-05-31", "certificate_review_regime").await["value"], "periodic_review");
    assert_eq!(rule(&app, "2026-06-01", "certificate_review_regime").await["value"], "renewal");
    assert_eq!(rule(&app, "2025-03-28", "prevention_fund_cap_bp").await, Value::Null);
    assert_eq!(rule(&app, "2025-03-29", "prevention_fund_cap_bp").await["value"], "2100");

    let bad =
        app.http.get(app.url("/api/v1/rules?on=2025-02-29")).bearer_auth(app.admin_token()).send().await.expect("get");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = bad.json().await.expect("json");
    assert_eq!(
        (problem["errors"][0]["field"].as_str(), problem["errors"][0]["code"].as_str()),
        (Some("on"), Some("invalid_date"))
    );
}

#[tokio::test]
async fn regulators_read_the_audit_trail_of_their_jurisdiction_only() {
    let app = TestApp::spawn().await;
    let zhengzhou_org = app.enterprise(1, "410100").await;
    app.enterprise(2, "410300").await;
    let audit_ids = |token: String| {
        let http = app.http.clone();
        let url = app.url("/api/v1/audit?resource_type=organization");
        async move {
            let response = http.get(url).bearer_auth(token).send().await.expect("audit");
            assert_eq!(response.status(), StatusCode::OK);
            let page: Value = response.json().await.expect("json");
            page["items"].as_array().expect("items").iter().map(|e| e["resource_region"].clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(audit_ids(app.regulator("410100").await.token).await, vec![Value::from("410100")]);
    assert_eq!(
        audit_ids(app.regulator("410000").await.token).await,
        vec![Value::from("410300"), Value::from("410100")]
    );
    assert_eq!(audit_ids(app.admin_token().to_owned()).await.len(), 2);

    let portal = app.client("portal", None, None).await;
    let denied = app.http.get(app.url("/api/v1/audit")).bearer_auth(&portal.token).send().await.expect("audit");
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);

    // Filter by resource, and page through with the cursor.
    let url = app.url(&format!("/api/v1/audit?resource={}&limit=1", zhengzhou_org["id"].as_str().expect("id")));
    let page: Value =
        app.http.get(url).bearer_auth(app.admin_token()).send().await.expect("audit").json().await.expect("json");
    assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["items"][0]["action"], "organization.create");
    assert_eq!(page["next_cursor"], Value::Null);
    let all: Value = app
        .http
        .get(app.url("/api/v1/audit?limit=1"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let cursor = all["next_cursor"].as_str().expect("more pages");
    let next: Value = app
        .http
        .get(app.url(&format!("/api/v1/audit?limit=1&cursor={cursor}")))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    assert!(next["items"][0]["id"].as_i64() < all["items"][0]["id"].as_i64());
}
