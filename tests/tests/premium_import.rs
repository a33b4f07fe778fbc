//! Premium batches as CSV (`POST /api/v1/insurance/premium-postings` with
//! `Content-Type: text/csv`, docs/decisions/0016) over real HTTP on the
//! backend TEST_DATABASE names: the same checks, storage, receipt and
//! idempotency as the JSON batch, errors named by line, and one
//! `premiums_posted` event per batch on either path.

use diesel::sql_types::{BigInt, Text};
use diesel::{QueryableByName, RunQueryDsl};
use e2e::insurance::{
    batch, count, enterprise_in, field_errors, id_of, insurer, item, pairs, policy, post_premiums, premium_total,
    status_json, write_policy, Insurer, PREMIUMS,
};
use e2e::TestApp;
use persistence::DbConnection;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

const REPLAYED: &str = "idempotent-replayed";
const HEADER: &str = "policy_number,received_at,amount_fen,external_ref\r\n";

/// An insurer in Zhengzhou with 2025 policies `P-0` and `P-1`.
async fn insurer_with_policies(app: &TestApp, seed: u32) -> Insurer {
    let insurer = insurer(app, seed, "410100").await;
    let enterprise = id_of(&enterprise_in(app, seed + 1, "410100", "mining").await);
    for number in ["P-0", "P-1"] {
        write_policy(app, insurer.token(), &policy(number, &enterprise, "2025-01-01", "2025-12-31")).await;
    }
    insurer
}

/// `POST` a CSV body with a content type and an optional key.
async fn post_csv(app: &TestApp, token: &str, key: Option<&str>, content_type: &str, body: &[u8]) -> Response {
    let mut request =
        app.http.post(app.url(PREMIUMS)).bearer_auth(token).header(CONTENT_TYPE, content_type).body(body.to_vec());
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("POST request")
}

/// The rows of a batch, as CSV and as JSON items.
fn rows() -> Vec<(&'static str, &'static str, i64, &'static str)> {
    vec![
        ("P-0", "2025-12-31T23:30:00+08:00", 3_240_000, "RCPT-1"),
        ("P-1", "2025-03-01T09:00:00+08:00", 1_000_000, "RCPT-2"),
        ("P-0", "2025-06-01T10:00:00+08:00", -40_000, "RFND,\"1\""),
    ]
}

fn as_csv(rows: &[(&str, &str, i64, &str)]) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_owned()
        }
    };
    let body: String =
        rows.iter().map(|(p, at, fen, r)| format!("{},{},{},{}\r\n", quote(p), at, fen, quote(r))).collect();
    format!("{HEADER}{body}")
}

fn as_json(rows: &[(&str, &str, i64, &str)]) -> Value {
    batch(rows.iter().map(|(p, at, fen, r)| item(p, at, *fen, r)).collect())
}

#[derive(QueryableByName, Debug, PartialEq, Eq)]
struct StoredRow {
    #[diesel(sql_type = Text)]
    policy_number: String,
    #[diesel(sql_type = Text)]
    external_ref: String,
    #[diesel(sql_type = BigInt)]
    amount_fen: i64,
    #[diesel(sql_type = Text)]
    received: String,
}

/// The insurer's stored postings, by reference.
fn stored(app: &TestApp, insurer: &Insurer) -> Vec<StoredRow> {
    let sql = format!(
        "SELECT p.policy_number AS policy_number, s.external_ref AS external_ref, s.amount_fen AS amount_fen, \
         CAST(s.received_at AS TEXT) || ' ' || CAST(s.received_on AS TEXT) AS received \
         FROM premium_postings s JOIN insurance_policies p ON p.id = s.policy_id \
         WHERE s.insurer_id = '{}' ORDER BY s.external_ref",
        insurer.id
    );
    match &mut app.db.connect() {
        DbConnection::Postgres(c) => diesel::sql_query(sql).load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
    }
    .expect("stored postings")
}

#[derive(QueryableByName, Debug)]
struct EventRow {
    #[diesel(sql_type = Text)]
    organization_id: String,
    #[diesel(sql_type = Text)]
    region_code: String,
    #[diesel(sql_type = Text)]
    resource_id: String,
    #[diesel(sql_type = Text)]
    data: String,
}

/// The `premiums_posted` events about the insurer, oldest first.
fn premium_events(app: &TestApp, insurer: &Insurer) -> Vec<(String, String, String, Value)> {
    let sql = format!(
        "SELECT organization_id, region_code, resource_id, data FROM events \
         WHERE event_type = 'premiums_posted' AND organization_id = '{}' ORDER BY position",
        insurer.id
    );
    let rows: Vec<EventRow> = match &mut app.db.connect() {
        DbConnection::Postgres(c) => diesel::sql_query(sql).load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
    }
    .expect("events");
    rows.into_iter()
        .map(|r| (r.organization_id, r.region_code, r.resource_id, serde_json::from_str(&r.data).expect("json")))
        .collect()
}

fn without_batch_id(mut receipt: Value) -> Value {
    receipt["batch_id"] = Value::Null;
    receipt
}

#[tokio::test]
async fn a_csv_batch_stores_what_the_same_json_batch_stores() {
    let app = TestApp::spawn().await;
    let by_csv = insurer_with_policies(&app, 100).await;
    let by_json = insurer_with_policies(&app, 200).await;

    let response = post_csv(&app, by_csv.token(), Some("csv-1"), "text/csv", as_csv(&rows()).as_bytes()).await;
    let (status, csv_receipt) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{csv_receipt}");
    let (status, json_receipt) =
        status_json(post_premiums(&app, by_json.token(), Some("json-1"), &as_json(&rows())).await).await;
    assert_eq!(status, StatusCode::CREATED, "{json_receipt}");

    assert_eq!(csv_receipt["received"], 3);
    assert_eq!(csv_receipt["stored"], 3);
    assert_eq!(without_batch_id(csv_receipt.clone()), without_batch_id(json_receipt.clone()));
    assert_eq!(stored(&app, &by_csv), stored(&app, &by_json));
    assert_eq!(stored(&app, &by_csv).len(), 3);
    assert_eq!(premium_total(&app, by_csv.uuid), (3, 4_200_000));

    // One event per batch, naming the insurer, its region, the batch and its total.
    for (insurer, receipt) in [(&by_csv, &csv_receipt), (&by_json, &json_receipt)] {
        let batch_id = receipt["batch_id"].as_str().expect("batch id").to_owned();
        assert_eq!(
            premium_events(&app, insurer),
            [(
                insurer.id.clone(),
                "410100".to_owned(),
                batch_id.clone(),
                json!({"batch_id": batch_id, "items": 3, "total_fen": 4_200_000})
            )]
        );
    }
    assert_eq!(count(&mut app.db.connect(), "events WHERE event_type = 'premiums_posted'"), 2);
}

#[tokio::test]
async fn a_bom_column_order_and_charset_are_accepted() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 100).await;
    let body = "\u{feff}external_ref,amount_fen,policy_number,received_at\n\
                R-1,500,P-0,2025-05-01T10:00:00+08:00\n\
                R-2,700,P-1,2025-05-02T10:00:00+08:00\n";
    let response = post_csv(&app, insurer.token(), Some("bom"), "text/csv; charset=UTF-8", body.as_bytes()).await;
    let (status, receipt) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    assert_eq!(receipt["stored"], 2);
    assert_eq!(premium_total(&app, insurer.uuid), (2, 1_200));
}

#[tokio::test]
async fn a_retry_with_the_same_bytes_replays_and_other_bytes_conflict() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 100).await;
    let body = as_csv(&rows());
    let first = post_csv(&app, insurer.token(), Some("k"), "text/csv", body.as_bytes()).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get(REPLAYED).is_none());
    let first_body = first.text().await.expect("body");

    let again = post_csv(&app, insurer.token(), Some("k"), "text/csv", body.as_bytes()).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers().get(REPLAYED).and_then(|v| v.to_str().ok()), Some("true"));
    assert_eq!(again.text().await.expect("body"), first_body, "byte for byte");
    assert_eq!(premium_total(&app, insurer.uuid), (3, 4_200_000));

    // Other bytes under the key: the same rows with LF endings, another row, or the JSON batch.
    let lf = body.replace("\r\n", "\n");
    let mut more = rows();
    more.push(("P-1", "2025-04-01T09:00:00+08:00", 5, "RCPT-3"));
    for (content_type, other) in [
        ("text/csv", lf.into_bytes()),
        ("text/csv", as_csv(&more).into_bytes()),
        ("application/json", as_json(&rows()).to_string().into_bytes()),
    ] {
        let (status, problem) =
            status_json(post_csv(&app, insurer.token(), Some("k"), content_type, &other).await).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(problem["code"], "idempotency_conflict");
    }
    assert_eq!(premium_total(&app, insurer.uuid), (3, 4_200_000));
    assert_eq!(count(&mut app.db.connect(), "premium_batches"), 1);
    // A replay announces nothing again.
    assert_eq!(premium_events(&app, &insurer).len(), 1);

    // The same for JSON: a replay emits no second event.
    let json_body = as_json(&[("P-1", "2025-08-01T09:00:00+08:00", 9, "J-1")]);
    for _ in 0..2 {
        let (status, _) = status_json(post_premiums(&app, insurer.token(), Some("j"), &json_body).await).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    assert_eq!(premium_events(&app, &insurer).len(), 2);
    assert_eq!(count(&mut app.db.connect(), "events WHERE event_type = 'premiums_posted'"), 2);
}

#[tokio::test]
async fn every_bad_row_is_named_by_its_line_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 100).await;

    // Rows that cannot be read at all: all of them at once.
    let unreadable = format!(
        "{HEADER}P-0,2025-05-01T10:00:00+08:00,100,R-1\r\nP-0,2025-05-01T10:00:00+08:00,12.50,R-2\r\n\
         P-0,2025-05-01T10:00:00+08:00\r\nP-0,2025-05-01T10:00:00+08:00,,R-4\r\n"
    );
    let (status, problem) =
        status_json(post_csv(&app, insurer.token(), Some("bad-1"), "text/csv", unreadable.as_bytes()).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        field_errors(&problem),
        pairs(&[
            ("rows[3].amount_fen", "invalid_value"),
            ("rows[4]", "wrong_field_count"),
            ("rows[5].amount_fen", "required")
        ])
    );

    // Rows that read but fail the JSON batch's checks: the same codes, named by line.
    let mut bad = rows();
    bad.push(("NO-SUCH", "2025-05-01T10:00:00+08:00", 100, "R-5"));
    bad.push(("P-0", "yesterday", 0, "R-6"));
    bad.push(("P-1", "2025-05-01T10:00:00+08:00", 100, "RCPT-1"));
    let (status, problem) =
        status_json(post_csv(&app, insurer.token(), Some("bad-2"), "text/csv", as_csv(&bad).as_bytes()).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation_failed");
    let expected = [
        ("rows[5].policy_number", "unknown_policy"),
        ("rows[6].received_at", "invalid_instant"),
        ("rows[6].amount_fen", "invalid_amount"),
        ("rows[7].external_ref", "duplicate_in_batch"),
    ];
    assert_eq!(field_errors(&problem), pairs(&expected));
    // The JSON batch names the same items by index.
    let (_, json_problem) =
        status_json(post_premiums(&app, insurer.token(), Some("bad-3"), &as_json(&bad)).await).await;
    assert_eq!(
        field_errors(&json_problem),
        pairs(&[
            ("items[3].policy_number", "unknown_policy"),
            ("items[4].received_at", "invalid_instant"),
            ("items[4].amount_fen", "invalid_amount"),
            ("items[5].external_ref", "duplicate_in_batch"),
        ])
    );

    // A refund below zero is found after the row checks, as in JSON.
    let refund = as_csv(&[("P-0", "2025-05-01T10:00:00+08:00", -1, "F-1")]);
    let (status, problem) =
        status_json(post_csv(&app, insurer.token(), Some("bad-4"), "text/csv", refund.as_bytes()).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("rows[2].amount_fen", "negative_net_premium")]));

    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));
    assert_eq!(count(&mut app.db.connect(), "premium_batches"), 0);
    assert!(premium_events(&app, &insurer).is_empty());
    // Nothing was remembered under the keys: the corrected file goes in.
    let response = post_csv(&app, insurer.token(), Some("bad-2"), "text/csv", as_csv(&rows()).as_bytes()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn the_header_is_required_and_checked() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 100).await;
    let cases: [(&str, &[(&str, &str)]); 5] = [
        ("", &[("header", "required")]),
        (
            "P-0,2025-05-01T10:00:00+08:00,100,R-1\r\n",
            &[
                ("header", "unknown_column"),
                ("header", "unknown_column"),
                ("header", "unknown_column"),
                ("header", "unknown_column"),
                ("header", "missing_column"),
                ("header", "missing_column"),
                ("header", "missing_column"),
                ("header", "missing_column"),
            ],
        ),
        (
            "policy_number,received_at,amount,external_ref\r\nP-0,x,1,R\r\n",
            &[("header", "unknown_column"), ("header", "missing_column")],
        ),
        ("policy_number,received_at,amount_fen,external_ref,external_ref\r\n", &[("header", "duplicate_column")]),
        (HEADER, &[("rows", "too_many_items")]),
    ];
    for (body, expected) in cases {
        let (status, problem) =
            status_json(post_csv(&app, insurer.token(), Some("h"), "text/csv", body.as_bytes()).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body:?}: {problem}");
        assert_eq!(field_errors(&problem), pairs(expected), "{body:?}");
    }
    let (status, problem) =
        status_json(post_csv(&app, insurer.token(), Some("h"), "text/csv", b"policy_number\r\n\xff\r\n").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("body", "invalid_encoding")]));
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));
}

#[tokio::test]
async fn csv_is_taken_by_this_route_only_and_in_utf8_only() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policies(&app, 100).await;
    let body = as_csv(&rows());
    for content_type in ["text/plain", "text/csv; charset=gbk", "application/csv", "text/tab-separated-values"] {
        let (status, problem) =
            status_json(post_csv(&app, insurer.token(), Some("t"), content_type, body.as_bytes()).await).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{content_type}");
        assert_eq!(problem["code"], "unsupported_media_type");
    }
    // Other writes still refuse CSV.
    let response = app
        .http
        .post(app.url("/api/v1/insurance/policies"))
        .bearer_auth(insurer.token())
        .header(CONTENT_TYPE, "text/csv")
        .body("policy_number\r\nP-9\r\n")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(premium_total(&app, insurer.uuid), (0, 0));

    // The key and the role are required as for JSON.
    let (status, problem) = status_json(post_csv(&app, insurer.token(), None, "text/csv", body.as_bytes()).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "idempotency_key_required");
    let (status, _) =
        status_json(post_csv(&app, app.admin_token(), Some("a"), "text/csv", body.as_bytes()).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Larger than the body limit: 413.
    let huge = vec![b'x'; api::config::DEFAULT_MAX_BODY_BYTES + 1];
    let (status, problem) = status_json(post_csv(&app, insurer.token(), Some("big"), "text/csv", &huge).await).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(problem["code"], "payload_too_large");
}
