//! The audit trail is hash-chained: editing, deleting or reordering any
//! record directly in the database is detected.

use e2e::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

async fn verification(app: &TestApp) -> Value {
    let response =
        app.http.get(app.url("/api/v1/audit/verification")).bearer_auth(app.admin_token()).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

/// An app with five audited writes (ids 1..=5).
async fn audited_app() -> TestApp {
    let app = TestApp::spawn().await;
    for seed in 1..=5 {
        app.enterprise(seed, "410100").await;
    }
    let report = verification(&app).await;
    assert_eq!(report["valid"], true, "{report}");
    assert_eq!(report["records_checked"], 5);
    app
}

fn broken_at(report: &Value, id: i64, reason: &str) {
    assert_eq!(report["valid"], false, "{report}");
    assert_eq!(report["first_broken_id"], id, "{report}");
    assert_eq!(report["reason"], reason, "{report}");
}

#[tokio::test]
async fn an_edited_record_is_detected() {
    let app = audited_app().await;
    assert_eq!(app.db.execute("UPDATE audit_log SET actor = 'mallory' WHERE id = 3"), 1);
    broken_at(&verification(&app).await, 3, "content_hash_mismatch");
}

#[tokio::test]
async fn a_deleted_record_is_detected() {
    let app = audited_app().await;
    assert_eq!(app.db.execute("DELETE FROM audit_log WHERE id = 2"), 1);
    broken_at(&verification(&app).await, 3, "previous_hash_mismatch");
}

#[tokio::test]
async fn deleting_the_newest_record_is_detected() {
    let app = audited_app().await;
    assert_eq!(app.db.execute("DELETE FROM audit_log WHERE id = 5"), 1);
    broken_at(&verification(&app).await, 5, "chain_head_mismatch");
}

#[tokio::test]
async fn reordered_records_are_detected() {
    let app = audited_app().await;
    // Swap records 2 and 4 wholesale, hashes included.
    app.db.execute("UPDATE audit_log SET id = -2 WHERE id = 2");
    app.db.execute("UPDATE audit_log SET id = 2 WHERE id = 4");
    app.db.execute("UPDATE audit_log SET id = 4 WHERE id = -2");
    broken_at(&verification(&app).await, 2, "previous_hash_mismatch");
}

#[tokio::test]
async fn only_admins_verify_and_new_writes_extend_a_valid_chain() {
    let app = audited_app().await;
    let regulator = app.regulator("410000").await;
    let denied =
        app.http.get(app.url("/api/v1/audit/verification")).bearer_auth(&regulator.token).send().await.expect("get");
    assert_eq!(denied.status(), StatusCode::FORBIDDEN);
    // Creating the regulator client was audited too and chained.
    let report = verification(&app).await;
    assert_eq!((report["valid"].as_bool(), report["records_checked"].as_i64()), (Some(true), Some(6)), "{report}");
}
