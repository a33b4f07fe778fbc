//! The read pool (`HSP_READ_DATABASE_URL`): public reads answer from the
//! configured read database, writes and authenticated reads from the primary
//! (docs/deploy.md, "Read replica for public reads").
//!
//! The "replica" here is a second, independently migrated database holding
//! different data, so the answer shows which database a read went to: a row
//! present only there is found, a row present only in the primary is not.

use e2e::{credit_code, Backend, TestApp, TestDatabase};
use serde_json::Value;

const REPLICA_ONLY: u32 = 9_100;
const PRIMARY_ONLY: u32 = 9_200;
/// A valid resident identity number (GB 11643-1999).
const HOLDER: &str = "11010519491231002X";

/// A migrated database with one organisation and one certificate that the
/// primary does not have.
fn replica() -> TestDatabase {
    // Issued 100 days ago: valid, and far from its first review.
    let issued = (chrono::Utc::now() - chrono::Duration::days(100)).date_naive();
    let db = TestDatabase::create(Backend::from_env());
    let keys = tempfile::tempdir().expect("keys");
    drop(api::startup::prepare_database(&e2e::test_settings(&db.url, keys.path().to_path_buf())).expect("migrate"));
    db.execute(&format!(
        "INSERT INTO organizations (id, credit_code, name, kind, region_code, service_types, status, version, \
         created_at, updated_at) VALUES ('0190c0de-0000-7000-8000-000000000001', '{}', '副本中的企业', 'enterprise', \
         '410100', '[]', 'active', 1, '2025-01-01 00:00:00', '2025-01-01 00:00:00')",
        credit_code(REPLICA_ONLY)
    ));
    db.execute(&format!(
        "INSERT INTO persons (id, resident_id, name, created_at) VALUES \
         ('0190c0de-0000-7000-8000-000000000002', '{HOLDER}', '张伟', '2025-01-01 00:00:00')"
    ));
    db.execute(&format!(
        "INSERT INTO certificates (id, number, person_id, category, issuing_region, issued_on, created_at) VALUES \
         ('0190c0de-0000-7000-8000-000000000003', 'T{HOLDER}', '0190c0de-0000-7000-8000-000000000002', \
         'electrical', '410100', '{issued}', '2025-01-01 00:00:00')"
    ));
    // Listed in the replica only: the public blacklist reads it there.
    let (listed, ends) = (issued, issued + chrono::Duration::days(3 * 365));
    db.execute(&format!(
        "INSERT INTO blacklist_listings (id, organization_id, trigger_type, decided_by, decided_region, listed_on, \
         ends_on, term_rule_version, created_at) VALUES ('0190c0de-0000-7000-8000-000000000004', \
         '0190c0de-0000-7000-8000-000000000001', 'false_report', 'replica-test', '410100', '{listed}', '{ends}', \
         'v1', '2025-01-01 00:00:00')"
    ));
    db
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    let response = app.http.get(app.url(path)).send().await.expect("request");
    let status = response.status().as_u16();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body)
}

fn count(db: &TestDatabase, table: &str, condition: &str) -> usize {
    // `execute` returns the rows an UPDATE touched: a no-op update counts them on both backends.
    db.execute(&format!("UPDATE {table} SET created_at = created_at WHERE {condition}"))
}

#[tokio::test]
async fn public_reads_answer_from_the_read_database_when_one_is_configured() {
    let replica = replica();
    let url = replica.url.clone();
    let app = TestApp::spawn_with(move |s| s.read_database_url = Some(api::config::Redacted(url))).await;
    // Written through the API: lands in the primary only.
    app.enterprise(PRIMARY_ONLY, "410100").await;
    assert_eq!(count(&app.db, "organizations", &format!("credit_code = '{}'", credit_code(PRIMARY_ONLY))), 1);
    assert_eq!(count(&replica, "organizations", &format!("credit_code = '{}'", credit_code(PRIMARY_ONLY))), 0);
    assert_eq!(count(&app.db, "organizations", &format!("credit_code = '{}'", credit_code(REPLICA_ONLY))), 0);

    // The public card comes from the read database: its row is found...
    let (status, body) = get(&app, &format!("/api/v1/public/organizations/{}", credit_code(REPLICA_ONLY))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "副本中的企业");
    assert_eq!(body["credit_code"], credit_code(REPLICA_ONLY));
    // ...and the primary's row is not (as a change the replica has not yet replayed).
    let (status, body) = get(&app, &format!("/api/v1/public/organizations/{}", credit_code(PRIMARY_ONLY))).await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["code"], "not_found");

    // The public certificate check and its attestation read it too.
    let check = format!("/api/v1/public/certificates?number=T{HOLDER}&name=张伟");
    let (status, body) = get(&app, &check).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(body["items"][0]["category"], "electrical");
    assert_eq!(body["items"][0]["status"], "valid");
    let (status, body) =
        get(&app, &format!("/api/v1/public/certificates/attestation?number=T{HOLDER}&name=张伟")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["token"].as_str().is_some_and(|t| t.split('.').count() == 3), "{body}");
    assert_eq!(count(&app.db, "certificates", &format!("number = 'T{HOLDER}'")), 0);

    // The public blacklist too: the listing exists in the read database only.
    let (status, body) = get(&app, "/api/v1/public/blacklist").await;
    assert_eq!(status, 200, "{body}");
    let codes: Vec<&str> =
        body["items"].as_array().expect("items").iter().filter_map(|i| i["credit_code"].as_str()).collect();
    assert_eq!(codes, [credit_code(REPLICA_ONLY).as_str()], "{body}");
    assert_eq!(count(&app.db, "blacklist_listings", "1 = 1"), 0);

    // Authenticated reads stay on the primary: the admin sees the primary's organisation only.
    let list = |code: String| {
        app.http
            .get(app.url(&format!("/api/v1/organizations?credit_code={code}")))
            .bearer_auth(app.admin_token())
            .send()
    };
    let body: Value = list(credit_code(PRIMARY_ONLY)).await.expect("list").json().await.expect("json");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(1), "{body}");
    let body: Value = list(credit_code(REPLICA_ONLY)).await.expect("list").json().await.expect("json");
    assert_eq!(body["items"].as_array().map(Vec::len), Some(0), "{body}");
}

#[tokio::test]
async fn without_a_read_database_public_reads_use_the_primary() {
    let app = TestApp::spawn().await;
    let org = app.enterprise(PRIMARY_ONLY, "410100").await;
    let (status, body) = get(&app, &format!("/api/v1/public/organizations/{}", credit_code(PRIMARY_ONLY))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], org["name"]);
    let (status, _) = get(&app, &format!("/api/v1/public/organizations/{}", credit_code(REPLICA_ONLY))).await;
    assert_eq!(status, 404);
}
