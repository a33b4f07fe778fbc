//! The committed contract is the generated one, the server serves it, and
//! every documented operation answers with a documented status.

use e2e::{credit_code, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

#[test]
fn committed_openapi_yaml_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi.yaml"))
        .expect("openapi.yaml at the repository root");
    let generated = api::openapi::yaml().expect("generate");
    assert!(committed == generated, "openapi.yaml is stale: run `make openapi` and commit the result");
}

fn documented_statuses(operation: &Value) -> Vec<u16> {
    operation["responses"].as_object().map_or_else(Vec::new, |r| r.keys().filter_map(|k| k.parse().ok()).collect())
}

#[tokio::test]
async fn the_server_serves_the_generated_document() {
    let app = TestApp::spawn().await;
    let served: Value =
        app.http.get(app.url("/api/v1/openapi.json")).send().await.expect("get").json().await.expect("json");
    let generated = serde_json::to_value(api::openapi::document()).expect("json");
    assert!(served == generated, "the served document differs from the generated one");
}

#[tokio::test]
async fn every_documented_operation_answers_with_a_documented_status() {
    let app = TestApp::spawn().await;
    let org = app.enterprise(1, "410100").await;
    let id = org["id"].as_str().expect("id");
    // A subscription of the admin's for `/webhooks/{id}`; nothing listens on
    // port 9 of 127.0.0.1, which the test settings allow, and the worker is off.
    let subscription = json!({
        "url": "http://127.0.0.1:9/contract-hook",
        "event_types": [],
        "secret": "contract-webhook-secret-01234567",
    });
    let created = app
        .http
        .post(app.url("/api/v1/webhooks"))
        .bearer_auth(app.admin_token())
        .json(&subscription)
        .send()
        .await
        .expect("subscribe");
    assert_eq!(created.status(), StatusCode::CREATED, "webhook fixture");
    let created: Value = created.json().await.expect("json");
    let webhook_id = created["id"].as_str().expect("webhook id").to_owned();
    // No delivery exists, so redelivery answers its documented 404.
    let delivery_id = uuid::Uuid::new_v4().to_string();
    let document = serde_json::to_value(api::openapi::document()).expect("json");
    let paths = document["paths"].as_object().expect("paths");
    let mut checked = 0;
    for (path, item) in paths {
        let object_id = if path.starts_with("/api/v1/webhooks/") { webhook_id.as_str() } else { id };
        let concrete = path
            .replace("{id}", object_id)
            .replace("{delivery_id}", &delivery_id)
            .replace("{resource}", "organizations")
            .replace("{credit_code}", &credit_code(1))
            .replace("{insurer_id}", id)
            .replace("{year}", "2025")
            .replace("{tracking_code}", "2222-2222-2222-2222")
            .replace("{position}", "0")
            .replace("{application_id}", id);
        assert!(!concrete.contains('{'), "unfilled path parameter in {path}");
        for (method, operation) in item.as_object().expect("path item") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let secured = operation["security"].as_array().is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            let expected = documented_statuses(operation);
            for token in [None, Some(app.admin_token())] {
                let mut request = app.http.request(method.clone(), app.url(&concrete));
                if let Some(token) = token {
                    request = request.bearer_auth(token);
                }
                if method == Method::POST || method == Method::PATCH || method == Method::PUT {
                    request = request.json(&json!({}));
                }
                let response = request.send().await.expect("request");
                let status = response.status();
                if secured && token.is_none() {
                    assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path} without a token");
                }
                assert!(
                    expected.contains(&status.as_u16()),
                    "{method} {path} answered {status}, documented {expected:?}: {}",
                    response.text().await.unwrap_or_default()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 2 * 25, "only {checked} operation calls checked");
}
