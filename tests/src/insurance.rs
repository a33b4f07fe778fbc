//! Shared helpers of the liability-insurance end-to-end tests (三).

use diesel::sql_types::BigInt;
use diesel::{QueryableByName, RunQueryDsl};
use persistence::DbConnection;
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{credit_code, Client, TestApp};

pub const POLICIES: &str = "/api/v1/insurance/policies";
pub const PREMIUMS: &str = "/api/v1/insurance/premium-postings";

/// An insurer organisation and a logged-in insurer client acting for it.
pub struct Insurer {
    pub id: String,
    pub uuid: Uuid,
    pub client: Client,
}

impl Insurer {
    pub fn token(&self) -> &str {
        &self.client.token
    }
}

/// Registers an insurer in `region` and a client for it.
pub async fn insurer(app: &TestApp, seed: u32, region: &str) -> Insurer {
    let org = app
        .organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("测试财产保险公司{seed}"),
            "kind": "insurer",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "李四",
        }))
        .await;
    let id = org["id"].as_str().expect("insurer id").to_owned();
    let client = app.client("insurer", Some(&id), None).await;
    Insurer { uuid: Uuid::parse_str(&id).expect("uuid"), id, client }
}

/// Registers an enterprise of `sector` in `region`.
pub async fn enterprise_in(app: &TestApp, seed: u32, region: &str, sector: &str) -> Value {
    app.organization(json!({
        "credit_code": credit_code(seed),
        "name": format!("测试企业{seed}"),
        "kind": "enterprise",
        "region_code": region,
        "sector": sector,
        "contact_phone": "13812345678",
        "legal_representative": "张三",
    }))
    .await
}

/// The id of an organisation's JSON.
pub fn id_of(org: &Value) -> String {
    org["id"].as_str().expect("id").to_owned()
}

/// A valid policy body: cover 400,000 yuan, base 36,000 yuan at −10 %.
pub fn policy(number: &str, enterprise_id: &str, start: &str, end: &str) -> Value {
    json!({
        "policy_number": number,
        "enterprise_id": enterprise_id,
        "start_date": start,
        "end_date": end,
        "insured_headcount": 120,
        "cover_per_person_fen": 40_000_000,
        "base_premium_fen": 3_600_000,
        "charged_premium_fen": 3_240_000,
        "risk_adjustment_bp": -1000,
    })
}

/// `POST path` with a bearer token, an optional `Idempotency-Key` and a JSON body.
pub async fn post(app: &TestApp, token: &str, path: &str, key: Option<&str>, body: &Value) -> Response {
    let mut request = app.http.post(app.url(path)).bearer_auth(token).json(body);
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("POST request")
}

/// `GET path` with a bearer token.
pub async fn get(app: &TestApp, token: &str, path: &str) -> Response {
    app.http.get(app.url(path)).bearer_auth(token).send().await.expect("GET request")
}

/// Status and JSON body of a response.
pub async fn status_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text:?}"));
    (status, body)
}

/// `GET path` answered as status and JSON.
pub async fn get_json(app: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    status_json(get(app, token, path).await).await
}

/// Writes a policy and panics unless it is 201; returns its JSON.
pub async fn write_policy(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = status_json(post(app, token, POLICIES, None, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "policy creation failed: {created}");
    created
}

/// One premium posting.
pub fn item(policy_number: &str, received_at: &str, amount_fen: i64, external_ref: &str) -> Value {
    json!({
        "policy_number": policy_number,
        "received_at": received_at,
        "amount_fen": amount_fen,
        "external_ref": external_ref,
    })
}

/// A batch body of `items`.
pub fn batch(items: Vec<Value>) -> Value {
    json!({ "items": items })
}

/// `POST /api/v1/insurance/premium-postings`.
pub async fn post_premiums(app: &TestApp, token: &str, key: Option<&str>, body: &Value) -> Response {
    post(app, token, PREMIUMS, key, body).await
}

/// Posts a batch and panics unless it is 201; returns the receipt.
pub async fn store_premiums(app: &TestApp, token: &str, key: &str, body: &Value) -> Value {
    let (status, receipt) = status_json(post_premiums(app, token, Some(key), body).await).await;
    assert_eq!(status, StatusCode::CREATED, "premium batch failed: {receipt}");
    receipt
}

/// `(row count, sum in fen)` of the insurer's stored postings.
pub fn premium_total(app: &TestApp, insurer: Uuid) -> (i64, i64) {
    let mut conn = app.db.connect();
    let (count, sum) = persistence::premiums::total(&mut conn, insurer).expect("premium total");
    (count, sum.value())
}

/// `(field, code)` of every error a problem names, in order.
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| (e["field"].as_str().unwrap_or("").to_owned(), e["code"].as_str().unwrap_or("").to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// `(field, code)` pairs from string literals, to compare with [`field_errors`].
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(f, c)| ((*f).to_owned(), (*c).to_owned())).collect()
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// `SELECT COUNT(*) AS n FROM …` as written, on either backend.
pub fn count(conn: &mut DbConnection, from_where: &str) -> i64 {
    let sql = format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {from_where}");
    let rows: Vec<Count> = match conn {
        DbConnection::Postgres(c) => diesel::sql_query(sql).load(c),
        DbConnection::Sqlite(c) => diesel::sql_query(sql).load(c),
    }
    .expect("count query");
    rows.first().map_or(0, |r| r.n)
}
