//! Adversarial input over real HTTP, on the backend TEST_DATABASE names.
//!
//! Money fields that overflow `i64`, are fractional, strings or negative where
//! that is not allowed; dates out of range or not dates at all; control
//! characters and 10,000-character strings in text fields; cursors, query
//! parameters and path ids that do not parse; malformed, mistyped, unknown and
//! oversized bodies on the business write endpoints. Each must be answered
//! with the exact 4xx the code documents (400 unparseable, 413 too large, 415
//! not JSON, 422 well-formed but invalid), as `application/problem+json` with
//! a stable `code`, and must store nothing. Two property-based tests throw
//! generated premium batches and fund expenditures at the server and compare
//! every answer with an oracle that knows what was stored.
//!
//! `errors.rs` covers the token endpoint and the generic cases (malformed
//! token bodies, 413 on the token endpoint and organisations, unknown query
//! parameters, `GET /organizations/not-a-uuid`); this file does not repeat them.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU32, Ordering};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat, Utc};
use e2e::insurance::{batch, count, field_errors, id_of, insurer, item, policy, store_premiums, write_policy, Insurer};
use e2e::{credit_code, TestApp};
use persistence::organizations::OrganizationFilter;
use persistence::DbConnection;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use uuid::Uuid;

const PROBLEM: &str = "application/problem+json";
const JSON: &str = "application/json";
const MERGE_PATCH: &str = "application/merge-patch+json";
/// One posting may carry at most 10^15 fen either way.
const MAX_POSTING_FEN: i64 = 1_000_000_000_000_000;
/// Control characters the text cases embed (all of Unicode category Cc).
const CONTROLS: [char; 3] = ['\u{0}', '\n', '\u{1b}'];

// ---------------------------------------------------------------------------
// Requests and answers
// ---------------------------------------------------------------------------

/// A response read to the end.
struct Reply {
    status: StatusCode,
    content_type: Option<String>,
    text: String,
}

impl Reply {
    async fn of(response: reqwest::Response) -> Reply {
        let status = response.status();
        let content_type = response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let text = response.text().await.expect("response body");
        Reply { status, content_type, text }
    }

    fn body(&self) -> Option<Value> {
        serde_json::from_str(&self.text).ok()
    }

    fn code(&self) -> String {
        self.body().and_then(|b| b["code"].as_str().map(str::to_owned)).unwrap_or_default()
    }

    /// What keeps this response from being a well-formed problem (nothing
    /// when it is one): media type, JSON body, a snake_case `code`, `type`
    /// and `status` that agree with it.
    fn problem_defects(&self) -> Vec<String> {
        let mut defects = Vec::new();
        if self.content_type.as_deref() != Some(PROBLEM) {
            defects.push(format!("content type {:?}, not {PROBLEM}", self.content_type));
        }
        let Some(body) = self.body() else {
            defects.push("the body is not JSON".to_owned());
            return defects;
        };
        let code = body["code"].as_str().unwrap_or("");
        if code.is_empty() || !code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            defects.push(format!("code {} is not a stable snake_case code", body["code"]));
        }
        if body["type"] != format!("urn:henan-safety:problem:{code}") {
            defects.push(format!("type {} does not name code {code:?}", body["type"]));
        }
        if body["status"] != self.status.as_u16() {
            defects.push(format!("status member {} differs from the status line", body["status"]));
        }
        defects
    }
}

/// At most `max` characters of `bytes` as a debug string, control
/// characters escaped.
fn preview(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let chars = text.chars().count();
    if chars <= max {
        format!("{text:?}")
    } else {
        format!("{:?}… ({chars} characters, {} bytes)", text.chars().take(max).collect::<String>(), bytes.len())
    }
}

/// Percent-encodes everything but unreserved characters (RFC 3986).
fn enc(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// One HTTP request, kept whole so that a failure can show it.
#[derive(Clone)]
struct Req {
    method: Method,
    path: String,
    token: String,
    content_type: Option<&'static str>,
    headers: Vec<(&'static str, HeaderValue)>,
    body: Option<Vec<u8>>,
}

impl Req {
    fn new(method: Method, path: impl Into<String>, token: &str) -> Req {
        Req { method, path: path.into(), token: token.to_owned(), content_type: None, headers: Vec::new(), body: None }
    }

    fn get(path: impl Into<String>, token: &str) -> Req {
        Req::new(Method::GET, path, token)
    }

    fn body(mut self, content_type: Option<&'static str>, body: impl Into<Vec<u8>>) -> Req {
        self.content_type = content_type;
        self.body = Some(body.into());
        self
    }

    fn header(mut self, name: &'static str, value: HeaderValue) -> Req {
        self.headers.retain(|(n, _)| *n != name);
        self.headers.push((name, value));
        self
    }

    fn without_header(mut self, name: &'static str) -> Req {
        self.headers.retain(|(n, _)| *n != name);
        self
    }

    async fn send(&self, app: &TestApp) -> Reply {
        let mut request = app.http.request(self.method.clone(), app.url(&self.path)).bearer_auth(&self.token);
        if let Some(content_type) = self.content_type {
            request = request.header(CONTENT_TYPE, content_type);
        }
        for (name, value) in &self.headers {
            request = request.header(*name, value.clone());
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        Reply::of(request.send().await.unwrap_or_else(|e| panic!("{}: {e}", self.describe()))).await
    }

    /// The request for a failure message, the body cut at `max_body` characters.
    fn describe_with(&self, max_body: usize) -> String {
        let mut text = format!("{} {}", self.method, preview(self.path.as_bytes(), 160));
        if let Some(content_type) = self.content_type {
            text.push_str(&format!(" [Content-Type: {content_type}]"));
        }
        for (name, value) in &self.headers {
            text.push_str(&format!(" [{name}: {}]", preview(value.as_bytes(), 40)));
        }
        if let Some(body) = &self.body {
            text.push_str(&format!(" body {}", preview(body, max_body)));
        }
        text
    }

    fn describe(&self) -> String {
        self.describe_with(240)
    }
}

/// What a case must be answered with.
#[derive(Debug, Clone)]
enum Expect {
    /// This status and `code` (`*`: any), and, when given, a field error with
    /// this field and code (`*`: any code) among `errors`.
    Problem(StatusCode, &'static str, Option<(String, &'static str)>),
    /// No 5xx; a 4xx must be a well-formed problem (free-text filters, whose
    /// refusal the contract leaves open).
    NoServerError,
    /// The control: the unmutated request succeeds with this status.
    Success(StatusCode),
}

fn problem(status: StatusCode, code: &'static str) -> Expect {
    Expect::Problem(status, code, None)
}

/// 422 `validation_failed` naming `field` with `code`.
fn invalid(field: impl Into<String>, code: &'static str) -> Expect {
    Expect::Problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", Some((field.into(), code)))
}

fn malformed() -> Expect {
    problem(StatusCode::BAD_REQUEST, "malformed_json")
}

struct Case {
    label: String,
    req: Req,
    expect: Expect,
}

fn case(label: impl Into<String>, req: Req, expect: Expect) -> Case {
    Case { label: label.into(), req, expect }
}

fn check(expect: &Expect, reply: &Reply) -> Vec<String> {
    let mut defects = Vec::new();
    if reply.status.is_server_error() {
        defects.push(format!("server error {}", reply.status));
    }
    match expect {
        Expect::Problem(status, code, field) => {
            if reply.status != *status {
                defects.push(format!("status {} (expected {})", reply.status.as_u16(), status.as_u16()));
            }
            if !reply.status.is_success() {
                defects.extend(reply.problem_defects());
            }
            let got = reply.code();
            if *code != "*" && got != *code {
                defects.push(format!("code {got:?} (expected {code:?})"));
            }
            if let (Some((field, field_code)), Some(body)) = (field, reply.body()) {
                let errors = field_errors(&body);
                if !errors.iter().any(|(f, c)| f == field && (*field_code == "*" || c == field_code)) {
                    defects.push(format!("errors {errors:?} lack ({field:?}, {field_code:?})"));
                }
            }
        }
        Expect::NoServerError => {
            if reply.status.is_client_error() {
                defects.extend(reply.problem_defects());
            }
        }
        Expect::Success(status) => {
            if reply.status != *status {
                defects.push(format!("status {} (expected {})", reply.status.as_u16(), status.as_u16()));
            }
            if reply.status.is_success() && reply.content_type.as_deref() != Some(JSON) {
                defects.push(format!("content type {:?}", reply.content_type));
            }
        }
    }
    defects
}

fn report(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what} mishandled:\n\n{}",
        failures.len(),
        failures.iter().take(60).cloned().collect::<Vec<_>>().join("\n\n")
    );
}

// ---------------------------------------------------------------------------
// The world the cases act on, and what it stores
// ---------------------------------------------------------------------------

/// The write endpoints under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    OrgPost,
    OrgPatch,
    Policy,
    Premiums,
    Expenditure,
    Accident,
    Quote,
    Client,
}

use Endpoint::*;

const WRITES: [Endpoint; 8] = [OrgPost, OrgPatch, Policy, Premiums, Expenditure, Accident, Quote, Client];

impl Endpoint {
    /// Every body is read as a `Value` first and a JSON type error names its
    /// path (`items[0].amount_fen`); only the merge patch, validated after
    /// merging, names `body`.
    fn names_body_on_type_errors(self) -> bool {
        matches!(self, OrgPatch)
    }

    /// The field a JSON type error at `pointer` is reported under.
    fn type_error_field(self, pointer: &str) -> String {
        if self.names_body_on_type_errors() {
            "body".to_owned()
        } else {
            field_of(pointer)
        }
    }

    fn success(self) -> StatusCode {
        match self {
            OrgPatch | Quote => StatusCode::OK,
            _ => StatusCode::CREATED,
        }
    }
}

/// `/items/0/amount_fen` → `items[0].amount_fen`.
fn field_of(pointer: &str) -> String {
    let mut field = String::new();
    for segment in pointer.split('/').filter(|s| !s.is_empty()) {
        if segment.bytes().all(|b| b.is_ascii_digit()) {
            field.push_str(&format!("[{segment}]"));
        } else {
            if !field.is_empty() {
                field.push('.');
            }
            field.push_str(segment);
        }
    }
    field
}

/// An insurer with policy `P-0` on an enterprise and 1,000,000 fen of 2025
/// premium (levy 100,000 fen), a service agency with a qualification, and a
/// regulator of their city.
struct World {
    insurer: Insurer,
    admin: String,
    regulator: String,
    enterprise_id: String,
    agency_id: String,
    agency_uuid: Uuid,
    agency_version: i64,
    counter: AtomicU32,
}

fn agency_body(seed: u32) -> Value {
    json!({
        "credit_code": credit_code(seed),
        "name": format!("郑州安泰安全评价有限公司{seed}"),
        "kind": "technical_service_agency",
        "region_code": "410100",
        "address": "郑州市金水区花园路 1 号",
        "legal_representative": "王建国",
        "contact_phone": "13812345678",
        "employee_count": 30,
        "service_types": ["safety_assessment"],
        "qualification": {"number": "APJ-(豫)-001", "scope": "金属冶炼", "valid_from": "2024-01-01", "valid_until": "2028-12-31"},
    })
}

impl World {
    async fn new(app: &TestApp) -> World {
        let insurer = insurer(app, 100, "410100").await;
        let enterprise_id = id_of(&app.enterprise(101, "410100").await);
        write_policy(app, insurer.token(), &policy("P-0", &enterprise_id, "2024-01-01", "2026-12-31")).await;
        let fixture = batch(vec![item("P-0", "2025-03-01T10:00:00+08:00", 1_000_000, "FIXTURE-1")]);
        store_premiums(app, insurer.token(), "fixture", &fixture).await;
        let agency = app.organization(agency_body(102)).await;
        let regulator = app.regulator("410100").await.token;
        let agency_id = id_of(&agency);
        World {
            insurer,
            admin: app.admin_token().to_owned(),
            regulator,
            enterprise_id,
            agency_uuid: Uuid::parse_str(&agency_id).expect("uuid"),
            agency_id,
            agency_version: agency["version"].as_i64().expect("version"),
            counter: AtomicU32::new(0),
        }
    }

    fn next(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    fn key(&self) -> HeaderValue {
        HeaderValue::from_str(&format!("bad-input-{}", self.next())).expect("key")
    }

    /// A valid body for `endpoint`, with fresh identifiers each time so that
    /// one wrongly stored case cannot turn the next into a conflict.
    fn base(&self, endpoint: Endpoint) -> Value {
        let n = self.next();
        match endpoint {
            OrgPost => json!({
                "credit_code": credit_code(1000 + n),
                "name": format!("测试企业{n}"),
                "kind": "enterprise",
                "region_code": "410100",
                "sector": "mining",
                "contact_phone": "13812345678",
                "legal_representative": "张三",
                "address": "郑州市金水区花园路 1 号",
                "employee_count": 100,
            }),
            OrgPatch => json!({"name": format!("郑州安泰安全评价有限公司（更名{n}）")}),
            Policy => policy(&format!("P-NEW-{n}"), &self.enterprise_id, "2025-01-01", "2025-12-31"),
            Premiums => batch(vec![item("P-0", "2025-04-01T10:00:00+08:00", 1000, &format!("NEW-{n}"))]),
            Expenditure => json!({
                "category": "expert_inspection",
                "amount_fen": 100,
                "spent_on": "2025-06-18",
                "description": "聘请专家参与危化企业安全检查",
                "beneficiary_organization_id": null,
            }),
            Accident => json!({
                "enterprise_id": self.enterprise_id,
                "occurred_on": "2025-08-02",
                "grade": "general",
                "deaths": 1,
                "injuries": 2,
                "summary": "井下运输巷道冒顶",
            }),
            Quote => json!({"enterprise_id": self.enterprise_id, "base_premium_fen": 3_600_000}),
            Client => {
                json!({"name": format!("郑州市应急管理局业务系统{n}"), "role": "regulator", "region_code": "410100"})
            }
        }
    }

    /// `endpoint` with `body` as its caller sends it: the right token, media
    /// type, a fresh `Idempotency-Key` where one is required, `If-Match` on
    /// the patch.
    fn request(&self, endpoint: Endpoint, body: impl Into<Vec<u8>>) -> Req {
        let (method, path, token) = match endpoint {
            OrgPost => (Method::POST, "/api/v1/organizations".to_owned(), &self.admin),
            OrgPatch => (Method::PATCH, format!("/api/v1/organizations/{}", self.agency_id), &self.admin),
            Policy => (Method::POST, "/api/v1/insurance/policies".to_owned(), &self.insurer.client.token),
            Premiums => (Method::POST, "/api/v1/insurance/premium-postings".to_owned(), &self.insurer.client.token),
            Expenditure => (
                Method::POST,
                format!("/api/v1/insurance/prevention-funds/{}/expenditures", self.insurer.id),
                &self.insurer.client.token,
            ),
            Accident => (Method::POST, "/api/v1/accidents".to_owned(), &self.regulator),
            Quote => (Method::POST, "/api/v1/insurance/rate-quotes".to_owned(), &self.insurer.client.token),
            Client => (Method::POST, "/api/v1/clients".to_owned(), &self.admin),
        };
        let content_type = if endpoint == OrgPatch { MERGE_PATCH } else { JSON };
        let mut req = Req::new(method, path, token).body(Some(content_type), body);
        if matches!(endpoint, Premiums | Expenditure) {
            req = req.header("idempotency-key", self.key());
        }
        if endpoint == OrgPatch {
            let tag = HeaderValue::from_str(&format!("\"{}\"", self.agency_version)).expect("etag");
            req = req.header("if-match", tag);
        }
        req
    }

    fn json(&self, endpoint: Endpoint, body: &Value) -> Req {
        self.request(endpoint, body.to_string())
    }
}

/// Stand-in for a raw JSON token that `serde_json::Value` cannot hold.
const RAW: &str = "\u{1}raw\u{1}";

/// `body` with the value at `pointer` replaced (or added).
fn with(body: &Value, pointer: &str, value: Value) -> Value {
    let mut body = body.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    let parent = body.pointer_mut(parent).unwrap_or_else(|| panic!("no {parent} in the body"));
    match parent {
        Value::Object(map) => {
            map.insert(key.to_owned(), value);
        }
        Value::Array(items) => items[key.parse::<usize>().expect("index")] = value,
        other => panic!("cannot set {key} in {other}"),
    }
    body
}

/// `body` without the member at `pointer`.
fn without(body: &Value, pointer: &str) -> Value {
    let mut body = body.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer");
    body.pointer_mut(parent).and_then(Value::as_object_mut).expect("object").remove(key);
    body
}

/// `body` as JSON text with the value at `pointer` written as `raw`.
fn with_raw(body: &Value, pointer: &str, raw: &str) -> String {
    let placeholder = serde_json::to_string(RAW).expect("json");
    with(body, pointer, json!(RAW)).to_string().replacen(&placeholder, raw, 1)
}

/// `body` as JSON bytes with the value at `pointer` written as `raw`.
fn with_raw_bytes(body: &Value, pointer: &str, raw: &[u8]) -> Vec<u8> {
    let placeholder = serde_json::to_string(RAW).expect("json");
    let text = with(body, pointer, json!(RAW)).to_string();
    let (before, after) = text.split_once(&placeholder).expect("placeholder");
    [before.as_bytes(), raw, after.as_bytes()].concat()
}

/// A string member of each endpoint's base body.
const TEXT_MEMBER: [(Endpoint, &str); 8] = [
    (OrgPost, "/name"),
    (OrgPatch, "/name"),
    (Policy, "/policy_number"),
    (Premiums, "/items/0/external_ref"),
    (Expenditure, "/description"),
    (Accident, "/summary"),
    (Quote, "/enterprise_id"),
    (Client, "/name"),
];

/// `value` with `inserted` in its middle.
fn insert_middle(value: &str, inserted: char) -> String {
    let chars: Vec<char> = value.chars().collect();
    let middle = chars.len() / 2;
    chars[..middle].iter().chain(std::iter::once(&inserted)).chain(&chars[middle..]).collect()
}

/// Everything a refused request must leave as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Snapshot {
    organizations: usize,
    agency: (i64, String),
    premiums: (i64, i64),
    tables: Vec<(&'static str, i64)>,
}

const TABLES: [&str; 8] = [
    "api_clients",
    "insurance_policies",
    "premium_batches",
    "premium_postings",
    "prevention_fund_expenditures",
    "accidents",
    "idempotency_records",
    "audit_log",
];

fn snapshot(conn: &mut DbConnection, world: &World) -> Snapshot {
    let organizations =
        persistence::organizations::list(conn, &OrganizationFilter::default(), None, 500).expect("organisations");
    let agency = persistence::organizations::find(conn, world.agency_uuid).expect("agency").expect("agency exists");
    let (rows, sum) = persistence::premiums::total(conn, world.insurer.uuid).expect("premium total");
    Snapshot {
        organizations: organizations.items.len(),
        agency: (agency.version, agency.name),
        premiums: (rows, sum.value()),
        tables: TABLES.iter().map(|t| (*t, count(conn, t))).collect(),
    }
}

/// What changed between two snapshots; a refused expenditure for want of
/// funds is audited by design, so its one audit record is not a change.
fn changes(before: &Snapshot, after: &Snapshot, audited_refusal: bool) -> Vec<String> {
    let mut changed = Vec::new();
    if before.organizations != after.organizations {
        changed.push(format!("organizations {} → {}", before.organizations, after.organizations));
    }
    if before.agency != after.agency {
        changed.push(format!("agency {:?} → {:?}", before.agency, after.agency));
    }
    if before.premiums != after.premiums {
        changed.push(format!("premium total {:?} → {:?}", before.premiums, after.premiums));
    }
    for ((table, a), (_, b)) in before.tables.iter().zip(&after.tables) {
        let allowed = if audited_refusal && *table == "audit_log" { 1 } else { 0 };
        if b - a != 0 && b - a != allowed {
            changed.push(format!("{table} {a} → {b}"));
        }
    }
    changed
}

/// Sends every case, checks its answer and that a refusal stored nothing;
/// returns one line per mishandled case.
async fn run_cases(app: &TestApp, world: &World, cases: Vec<Case>) -> Vec<String> {
    let mut conn = app.db.connect();
    let mut failures = Vec::new();
    eprintln!("{} cases", cases.len());
    for case in cases {
        let before = snapshot(&mut conn, world);
        let reply = case.req.send(app).await;
        let after = snapshot(&mut conn, world);
        let mut defects = check(&case.expect, &reply);
        if !matches!(case.expect, Expect::Success(_)) {
            let changed = changes(&before, &after, reply.code() == "insufficient_prevention_fund");
            if !changed.is_empty() {
                defects.push(format!("stored something: {}", changed.join(", ")));
            }
        }
        if !defects.is_empty() {
            failures.push(format!(
                "{}: {}\n    request:  {}\n    response: {} {:?} {}",
                case.label,
                defects.join("; "),
                case.req.describe(),
                reply.status.as_u16(),
                reply.content_type.as_deref().unwrap_or("-"),
                preview(reply.text.as_bytes(), 300),
            ));
        }
    }
    failures
}

// ---------------------------------------------------------------------------
// Table-driven cases
// ---------------------------------------------------------------------------

/// JSON numbers and strings that are not an `i64`: past either end, beyond
/// `u64`, fractional or in exponent form, negative zero, a string.
const NOT_I64: [&str; 8] =
    ["9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e30", "1.5", "1.0", "-0", "\"100\""];
/// Integers that fit `i64` but not the `i32` of headcounts, deaths and basis points.
const NOT_I32: [&str; 2] = ["2147483648", "-2147483649"];

/// Money and other integer fields: `(endpoint, pointer, is_i32)`.
const INTEGER_FIELDS: [(Endpoint, &str, bool); 12] = [
    (Policy, "/cover_per_person_fen", false),
    (Policy, "/base_premium_fen", false),
    (Policy, "/charged_premium_fen", false),
    (Policy, "/insured_headcount", false),
    (Policy, "/risk_adjustment_bp", true),
    (Premiums, "/items/0/amount_fen", false),
    (Expenditure, "/amount_fen", false),
    (Accident, "/deaths", true),
    (Accident, "/injuries", true),
    (Quote, "/base_premium_fen", false),
    (OrgPost, "/employee_count", false),
    (OrgPatch, "/employee_count", false),
];

#[tokio::test]
async fn money_fields_refuse_overflow_fractions_strings_and_forbidden_negatives() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let mut cases = Vec::new();

    for (endpoint, pointer, is_i32) in INTEGER_FIELDS {
        let field = endpoint.type_error_field(pointer);
        let encodings = NOT_I64.iter().chain(if is_i32 { &NOT_I32[..] } else { &[] });
        for raw in encodings {
            let body = with_raw(&world.base(endpoint), pointer, raw);
            cases.push(case(
                format!("{endpoint:?} {pointer} = {raw}"),
                world.request(endpoint, body),
                invalid(field.clone(), "invalid_value"),
            ));
        }
        // Beyond f64: the JSON itself cannot be read.
        let body = with_raw(&world.base(endpoint), pointer, "1e400");
        cases.push(case(format!("{endpoint:?} {pointer} = 1e400"), world.request(endpoint, body), malformed()));
    }

    let ranged: Vec<(Endpoint, &str, Value, Expect)> = vec![
        (Policy, "/cover_per_person_fen", json!(-1), invalid("cover_per_person_fen", "invalid_range")),
        (Policy, "/cover_per_person_fen", json!(0), invalid("cover_per_person_fen", "invalid_range")),
        (Policy, "/cover_per_person_fen", json!(i64::MIN), invalid("cover_per_person_fen", "invalid_range")),
        (Policy, "/base_premium_fen", json!(-1), invalid("base_premium_fen", "invalid_range")),
        (Policy, "/base_premium_fen", json!(i64::MIN), invalid("base_premium_fen", "invalid_range")),
        (Policy, "/charged_premium_fen", json!(-3_240_000), invalid("charged_premium_fen", "invalid_range")),
        (Policy, "/insured_headcount", json!(0), invalid("insured_headcount", "invalid_range")),
        (Policy, "/insured_headcount", json!(-1), invalid("insured_headcount", "invalid_range")),
        (Policy, "/insured_headcount", json!(i64::MAX), invalid("insured_headcount", "invalid_range")),
        (Policy, "/risk_adjustment_bp", json!(-10_001), invalid("risk_adjustment_bp", "invalid_range")),
        (Premiums, "/items/0/amount_fen", json!(0), invalid("items[0].amount_fen", "invalid_amount")),
        (Premiums, "/items/0/amount_fen", json!(i64::MAX), invalid("items[0].amount_fen", "out_of_range")),
        (Premiums, "/items/0/amount_fen", json!(i64::MIN), invalid("items[0].amount_fen", "out_of_range")),
        (Premiums, "/items/0/amount_fen", json!(MAX_POSTING_FEN + 1), invalid("items[0].amount_fen", "out_of_range")),
        // P-0 holds 1,000,000 fen: a larger refund would take it below zero.
        (Premiums, "/items/0/amount_fen", json!(-1_000_001), invalid("items[0].amount_fen", "negative_net_premium")),
        (Expenditure, "/amount_fen", json!(-1), invalid("amount_fen", "invalid_range")),
        (Expenditure, "/amount_fen", json!(0), invalid("amount_fen", "invalid_range")),
        (Expenditure, "/amount_fen", json!(i64::MIN), invalid("amount_fen", "invalid_range")),
        (
            Expenditure,
            "/amount_fen",
            json!(i64::MAX),
            Expect::Problem(
                StatusCode::UNPROCESSABLE_ENTITY,
                "insufficient_prevention_fund",
                Some(("amount_fen".into(), "*")),
            ),
        ),
        (Accident, "/deaths", json!(-1), invalid("deaths", "invalid_range")),
        (Accident, "/injuries", json!(100_001), invalid("injuries", "invalid_range")),
        (Quote, "/base_premium_fen", json!(-1), invalid("base_premium_fen", "invalid_range")),
        (Quote, "/base_premium_fen", json!(i64::MIN), invalid("base_premium_fen", "invalid_range")),
        (OrgPost, "/employee_count", json!(-1), invalid("employee_count", "invalid_range")),
        (OrgPost, "/employee_count", json!(10_000_001), invalid("employee_count", "invalid_range")),
        (OrgPatch, "/employee_count", json!(-1), invalid("employee_count", "invalid_range")),
        (OrgPatch, "/employee_count", json!(i64::MAX), invalid("employee_count", "invalid_range")),
    ];
    for (endpoint, pointer, value, expect) in ranged {
        let body = with(&world.base(endpoint), pointer, value.clone());
        cases.push(case(format!("{endpoint:?} {pointer} = {value}"), world.json(endpoint, &body), expect));
    }

    // Overflow inside the computation: base × (1 + 1000 %) does not fit i64.
    let mut body = world.base(Policy);
    body["base_premium_fen"] = json!(i64::MAX);
    body["charged_premium_fen"] = json!(i64::MAX);
    body["risk_adjustment_bp"] = json!(100_000);
    cases.push(case(
        "Policy base × adjustment overflows",
        world.json(Policy, &body),
        invalid("risk_adjustment_bp", "amount_overflow"),
    ));

    let mut failures = run_cases(&app, &world, cases).await;

    // Controls: every unmutated body goes through, so each refusal above was
    // for the mutation alone.
    let controls = WRITES
        .iter()
        .map(|&e| case(format!("control {e:?}"), world.json(e, &world.base(e)), Expect::Success(e.success())))
        .collect();
    failures.extend(run_cases(&app, &world, controls).await);
    report("money-field requests", &failures);
}

#[tokio::test]
async fn dates_out_of_range_or_not_dates_are_refused() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let tomorrow = (Utc::now() + Duration::hours(8) + Duration::days(2)).date_naive().to_string();
    let mut cases = Vec::new();

    // Calendar dates (YYYY-MM-DD exactly) that cannot be read at all.
    let not_dates =
        ["2025-02-30", "2025-1-1", "10000-01-01", "+2025-01-01", "2025-01-01T00:00:00+08:00", "", "２０２５-０１-０１"];
    let date_fields: [(Endpoint, &str); 6] = [
        (Policy, "/start_date"),
        (Policy, "/end_date"),
        (Expenditure, "/spent_on"),
        (Accident, "/occurred_on"),
        (Quote, "/on"),
        (OrgPost, "/qualification/valid_until"),
    ];
    for (endpoint, pointer) in date_fields {
        for text in not_dates {
            let base = if pointer.starts_with("/qualification") {
                let mut agency = agency_body(2000 + world.next());
                agency["credit_code"] = json!(credit_code(3000 + world.next()));
                agency
            } else {
                world.base(endpoint)
            };
            let body = with(&base, pointer, json!(text));
            cases.push(case(
                format!("{endpoint:?} {pointer} = {text:?}"),
                world.json(endpoint, &body),
                invalid(field_of(pointer), "invalid_date"),
            ));
        }
    }

    // Real dates outside what the field can mean: before the ledger starts
    // (2000-01-01), in the future, year 0 and year 9999.
    for (endpoint, pointer) in [(Expenditure, "/spent_on"), (Accident, "/occurred_on")] {
        for text in ["0000-01-01", "1999-12-31", tomorrow.as_str(), "9999-12-31"] {
            let body = with(&world.base(endpoint), pointer, json!(text));
            cases.push(case(
                format!("{endpoint:?} {pointer} = {text}"),
                world.json(endpoint, &body),
                invalid(field_of(pointer), "out_of_range"),
            ));
        }
    }
    // A policy cannot start in year 0 or run until 9999; a qualification
    // cannot have been issued in year 0. No code is documented for these, so
    // any field error on the date will do.
    let body = with(&world.base(Policy), "/start_date", json!("0000-01-01"));
    cases.push(case("Policy start_date = 0000-01-01", world.json(Policy, &body), invalid("start_date", "*")));
    let body = with(&world.base(Policy), "/end_date", json!("9999-12-31"));
    cases.push(case("Policy end_date = 9999-12-31", world.json(Policy, &body), invalid("end_date", "*")));
    let mut agency = agency_body(4000);
    agency["qualification"]["valid_from"] = json!("0000-01-01");
    cases.push(case(
        "OrgPost qualification.valid_from = 0000-01-01",
        world.json(OrgPost, &agency),
        invalid("qualification.valid_from", "*"),
    ));
    let body = with(&world.base(Policy), "/end_date", json!("2024-12-31"));
    cases.push(case("Policy ends before it starts", world.json(Policy, &body), invalid("end_date", "invalid_period")));

    // Instants (RFC 3339 with offset) on premium postings.
    let future = (Utc::now() + Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true);
    let instants: [(&str, &str); 13] = [
        ("2025-03-01T10:00:00", "invalid_instant"),
        ("2025-03-01", "invalid_instant"),
        ("2025-02-30T10:00:00+08:00", "invalid_instant"),
        ("10000-01-01T00:00:00Z", "invalid_instant"),
        ("2025-03-01T10:00:00+24:00", "invalid_instant"),
        ("2025-03-01T25:00:00+08:00", "invalid_instant"),
        ("1741000000", "invalid_instant"),
        ("", "invalid_instant"),
        ("0000-01-01T00:00:00Z", "out_of_range"),
        ("1999-12-31T23:59:59.999999Z", "out_of_range"),
        ("2000-01-01T07:59:59+08:00", "out_of_range"),
        ("9999-12-31T23:59:59Z", "out_of_range"),
        (future.as_str(), "out_of_range"),
    ];
    for (text, code) in instants {
        let body = with(&world.base(Premiums), "/items/0/received_at", json!(text));
        cases.push(case(
            format!("Premiums received_at = {text:?}"),
            world.json(Premiums, &body),
            invalid("items[0].received_at", code),
        ));
    }

    // Dates in query strings and paths.
    let fund = |year: &str| format!("/api/v1/insurance/prevention-funds/{}/{year}", world.insurer.id);
    let queries: Vec<(String, &str, Expect)> = vec![
        ("/api/v1/insurance/policies?in_force_on=2025-02-30".into(), "insurer", invalid("in_force_on", "invalid_date")),
        ("/api/v1/insurance/policies?in_force_on=2025-1-1".into(), "insurer", invalid("in_force_on", "invalid_date")),
        ("/api/v1/insurance/uncovered?on=10000-01-01".into(), "admin", invalid("on", "invalid_date")),
        (
            format!("/api/v1/organizations/{}/insurance-coverage?on=2025-13-01", world.enterprise_id),
            "admin",
            invalid("on", "invalid_date"),
        ),
        (fund("10000"), "insurer", invalid("year", "invalid_range")),
        (fund("1999"), "insurer", invalid("year", "invalid_range")),
        (fund("-1"), "insurer", invalid("year", "invalid_range")),
        (fund("2147483648"), "insurer", problem(StatusCode::BAD_REQUEST, "invalid_path")),
        (fund("2025.0"), "insurer", problem(StatusCode::BAD_REQUEST, "invalid_path")),
        ("/api/v1/insurance/prevention-funds?year=10000".into(), "admin", invalid("year", "invalid_range")),
        ("/api/v1/insurance/prevention-funds?year=0".into(), "admin", invalid("year", "invalid_range")),
        (
            "/api/v1/insurance/prevention-funds?year=2025.5".into(),
            "admin",
            problem(StatusCode::BAD_REQUEST, "invalid_query"),
        ),
        ("/api/v1/insurance/prevention-funds".into(), "admin", problem(StatusCode::BAD_REQUEST, "invalid_query")),
    ];
    for (path, who, expect) in queries {
        let token = if who == "admin" { world.admin.as_str() } else { world.insurer.token() };
        cases.push(case(format!("GET {path}"), Req::get(path, token), expect));
    }

    let failures = run_cases(&app, &world, cases).await;
    report("date requests", &failures);
}

/// A text field: where it is, the valid value to mutate, and the field code
/// for a control character and for 10,000 characters.
struct TextField {
    endpoint: Endpoint,
    base: Option<Value>,
    pointer: &'static str,
    valid: &'static str,
    control: &'static str,
    long: &'static str,
}

fn text(
    endpoint: Endpoint,
    pointer: &'static str,
    valid: &'static str,
    control: &'static str,
    long: &'static str,
) -> TextField {
    TextField { endpoint, base: None, pointer, valid, control, long }
}

#[tokio::test]
async fn text_fields_refuse_control_characters_and_10000_characters() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let agency = || {
        let mut body = agency_body(5000 + world.next());
        body["credit_code"] = json!(credit_code(6000 + world.next()));
        body
    };
    let (t, l) = ("invalid_text", "invalid_length");
    let mut fields = vec![
        text(OrgPost, "/name", "测试企业", t, l),
        text(OrgPost, "/address", "郑州市金水区花园路 1 号", t, l),
        text(OrgPost, "/legal_representative", "张三", t, l),
        text(OrgPost, "/contact_phone", "13812345678", "invalid_phone", "invalid_phone"),
        text(OrgPost, "/credit_code", "91410100MA0000001X", "invalid_credit_code", "invalid_credit_code"),
        text(OrgPost, "/region_code", "410100", "invalid_region_code", "invalid_region_code"),
        text(OrgPost, "/kind", "enterprise", "invalid_kind", "invalid_kind"),
        text(OrgPost, "/sector", "mining", "invalid_sector", "invalid_sector"),
        text(OrgPost, "/status", "active", "invalid_status", "invalid_status"),
        TextField { base: Some(agency()), ..text(OrgPost, "/qualification/number", "APJ-(豫)-001", t, l) },
        TextField { base: Some(agency()), ..text(OrgPost, "/qualification/scope", "金属冶炼", t, l) },
        TextField {
            base: Some(agency()),
            ..text(OrgPost, "/service_types/0", "safety_assessment", "invalid_service_type", "invalid_service_type")
        },
        text(OrgPatch, "/name", "郑州安泰安全评价有限公司", t, l),
        text(OrgPatch, "/address", "郑州市金水区花园路 1 号", t, l),
        text(OrgPatch, "/legal_representative", "王建国", t, l),
        text(OrgPatch, "/contact_phone", "0371-65432100", "invalid_phone", "invalid_phone"),
        text(OrgPatch, "/region_code", "410100", "invalid_region_code", "invalid_region_code"),
        text(OrgPatch, "/status", "suspended", "invalid_status", "invalid_status"),
        text(Policy, "/policy_number", "PICC-HN-2025-000123", t, l),
        text(Policy, "/start_date", "2025-01-01", "invalid_date", "invalid_date"),
        text(Premiums, "/items/0/policy_number", "P-0", "unknown_policy", "unknown_policy"),
        text(Premiums, "/items/0/external_ref", "RCPT-20250401-0001", t, l),
        text(Premiums, "/items/0/received_at", "2025-04-01T10:00:00+08:00", "invalid_instant", "invalid_instant"),
        text(Expenditure, "/description", "聘请专家参与危化企业安全检查", t, l),
        text(
            Expenditure,
            "/category",
            "expert_inspection",
            "invalid_expenditure_category",
            "invalid_expenditure_category",
        ),
        text(Expenditure, "/spent_on", "2025-06-18", "invalid_date", "invalid_date"),
        text(Accident, "/summary", "井下运输巷道冒顶", t, l),
        text(Accident, "/grade", "general", "invalid_accident_grade", "invalid_accident_grade"),
        text(Accident, "/occurred_on", "2025-08-02", "invalid_date", "invalid_date"),
        text(Client, "/name", "郑州市应急管理局业务系统", t, l),
        text(Client, "/role", "regulator", "invalid_role", "invalid_role"),
        text(Client, "/region_code", "410100", "invalid_region_code", "invalid_region_code"),
        text(Quote, "/on", "2025-06-18", "invalid_date", "invalid_date"),
    ];
    // By credit code instead of id.
    let by_code = without(&world.base(Policy), "/enterprise_id");
    fields.push(TextField {
        base: Some(by_code),
        ..text(Policy, "/enterprise_credit_code", "91410100MA0000001X", "invalid_credit_code", "invalid_credit_code")
    });
    let by_code = without(&world.base(Quote), "/enterprise_id");
    fields.push(TextField {
        base: Some(by_code),
        ..text(Quote, "/enterprise_credit_code", "91410100MA0000001X", "invalid_credit_code", "invalid_credit_code")
    });

    let long = "郑a".repeat(5_000);
    assert_eq!(long.chars().count(), 10_000);
    let mut cases = Vec::new();
    for field in &fields {
        let base = || field.base.clone().unwrap_or_else(|| world.base(field.endpoint));
        let name = field_of(field.pointer);
        for control in CONTROLS {
            let value = insert_middle(field.valid, control);
            let body = with(&base(), field.pointer, json!(value));
            cases.push(case(
                format!("{:?} {} with {control:?}", field.endpoint, field.pointer),
                world.json(field.endpoint, &body),
                invalid(name.clone(), field.control),
            ));
        }
        let body = with(&base(), field.pointer, json!(long));
        cases.push(case(
            format!("{:?} {} with 10,000 characters", field.endpoint, field.pointer),
            world.json(field.endpoint, &body),
            invalid(name.clone(), field.long),
        ));
    }

    // Free-text filters: a refusal or an empty page are both fine, a 500 is not.
    for q in ["a\u{0}b", "a\nb", "\u{1b}[31m"] {
        cases.push(case(
            format!("organisations q = {q:?}"),
            Req::get(format!("/api/v1/organizations?q={}", enc(q)), &world.admin),
            Expect::NoServerError,
        ));
        for parameter in ["resource", "resource_type", "actor"] {
            cases.push(case(
                format!("audit {parameter} = {q:?}"),
                Req::get(format!("/api/v1/audit?{parameter}={}", enc(q)), &world.admin),
                Expect::NoServerError,
            ));
        }
    }
    cases.push(case(
        "audit actor with 10,000 characters",
        Req::get(format!("/api/v1/audit?actor={}", enc(&long)), &world.admin),
        Expect::NoServerError,
    ));
    let queries: [(&str, &str, Expect); 6] = [
        ("q", &"字".repeat(101), invalid("q", "invalid_length")),
        ("q", &long, invalid("q", "invalid_length")),
        ("region", "41\u{0}100", invalid("region", "invalid_region_code")),
        ("kind", "enterprise\n", invalid("kind", "invalid_kind")),
        ("sector", "\u{1b}mining", invalid("sector", "invalid_sector")),
        ("credit_code", &long, invalid("credit_code", "invalid_credit_code")),
    ];
    for (parameter, value, expect) in queries {
        cases.push(case(
            format!("organisations {parameter} = {}", preview(value.as_bytes(), 20)),
            Req::get(format!("/api/v1/organizations?{parameter}={}", enc(value)), &world.admin),
            expect,
        ));
    }
    cases.push(case(
        "policies region with 10,000 characters",
        Req::get(format!("/api/v1/insurance/policies?region={}", enc(&long)), world.insurer.token()),
        invalid("region", "invalid_region_code"),
    ));
    for code in ["91410100MA0000001X\u{0}", "91410100MA\n0000001X", long.as_str()] {
        cases.push(case(
            format!("public card of {}", preview(code.as_bytes(), 24)),
            Req::get(format!("/api/v1/public/organizations/{}", enc(code)), &world.admin),
            invalid("credit_code", "invalid_credit_code"),
        ));
    }
    cases.push(case(
        "uncovered sector with NUL",
        Req::get("/api/v1/insurance/uncovered?sector=mining%00", &world.admin),
        invalid("sector", "invalid_sector"),
    ));

    let failures = run_cases(&app, &world, cases).await;
    report("text-field requests", &failures);
}

#[tokio::test]
async fn cursors_limits_and_path_ids_that_do_not_parse_are_refused() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let admin = world.admin.as_str();
    let insurer = world.insurer.token();

    // A real cursor to mangle: organisations in pages of one.
    let page = Req::get("/api/v1/organizations?limit=1", admin).send(&app).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    let real = page.body().and_then(|b| b["next_cursor"].as_str().map(str::to_owned)).expect("a next page");
    let follow = Req::get(format!("/api/v1/organizations?limit=1&cursor={real}"), admin).send(&app).await;
    assert_eq!(follow.status, StatusCode::OK, "the real cursor works: {}", follow.text);
    // An empty cursor is the first page (the contract allows an empty string).
    let first = Req::get("/api/v1/organizations?limit=1&cursor=".to_owned(), admin).send(&app).await;
    assert_eq!((first.status, first.body()), (page.status, page.body()), "empty cursor = first page");

    let uuid = Uuid::new_v4();
    let cursors: Vec<(String, String)> = vec![
        ("random base64".into(), "q83vEjRWeJA".into()),
        ("random bytes".into(), URL_SAFE_NO_PAD.encode([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x10, 0x80, 0x7f])),
        ("not base64".into(), "%%%".into()),
        ("unencoded key".into(), format!("v1:{uuid}")),
        ("other version".into(), URL_SAFE_NO_PAD.encode(format!("v2:{uuid}"))),
        ("key not a uuid".into(), URL_SAFE_NO_PAD.encode("v1:not-a-uuid")),
        ("key with NUL".into(), URL_SAFE_NO_PAD.encode(format!("v1:{uuid}\u{0}"))),
        ("real minus one".into(), real[..real.len() - 1].to_owned()),
        ("real minus four".into(), real[..real.len() - 4].to_owned()),
        ("real halved".into(), real[..real.len() / 2].to_owned()),
        ("real plus one".into(), format!("{real}A")),
        ("real padded".into(), format!("{real}==")),
        ("10,000 characters".into(), "x".repeat(10_000)),
    ];
    let lists: [(&str, &str); 5] = [
        ("/api/v1/organizations?", admin),
        ("/api/v1/insurance/policies?", insurer),
        ("/api/v1/insurance/uncovered?", admin),
        ("/api/v1/insurance/prevention-funds?year=2025&", admin),
        ("/api/v1/audit?", admin),
    ];
    let mut cases = Vec::new();
    for (list, token) in lists {
        for (what, cursor) in &cursors {
            // The audit list pages by number; its cursors are checked below.
            if list.starts_with("/api/v1/audit") && what.starts_with("key") {
                continue;
            }
            cases.push(case(
                format!("{list} cursor {what}"),
                Req::get(format!("{list}cursor={}", enc(cursor)), token),
                problem(StatusCode::BAD_REQUEST, "invalid_cursor"),
            ));
        }
    }
    for key in ["v1:not-a-number", "v1:99999999999999999999", "v1:", "v1:1.5"] {
        cases.push(case(
            format!("audit cursor {key}"),
            Req::get(format!("/api/v1/audit?cursor={}", URL_SAFE_NO_PAD.encode(key)), admin),
            problem(StatusCode::BAD_REQUEST, "invalid_cursor"),
        ));
    }

    // Limits and other query parameters.
    for (list, token) in lists {
        for limit in ["0", "501", "-1"] {
            cases.push(case(
                format!("{list} limit={limit}"),
                Req::get(format!("{list}limit={limit}"), token),
                invalid("limit", "invalid_range"),
            ));
        }
        for limit in ["99999999999999999999", "1.5", "", "1e2", "ten"] {
            cases.push(case(
                format!("{list} limit={limit:?}"),
                Req::get(format!("{list}limit={limit}"), token),
                problem(StatusCode::BAD_REQUEST, "invalid_query"),
            ));
        }
        cases.push(case(
            format!("{list} limit twice"),
            Req::get(format!("{list}limit=1&limit=2"), token),
            problem(StatusCode::BAD_REQUEST, "invalid_query"),
        ));
    }
    let bad_queries: [(&str, &str); 4] = [
        ("/api/v1/insurance/policies?enterprise=not-a-uuid", insurer),
        ("/api/v1/insurance/policies?bogus=1", insurer),
        ("/api/v1/insurance/uncovered?nmae=x", admin),
        ("/api/v1/audit?resource=x&resource=y", admin),
    ];
    for (path, token) in bad_queries {
        cases.push(case(
            format!("GET {path}"),
            Req::get(path, token),
            problem(StatusCode::BAD_REQUEST, "invalid_query"),
        ));
    }

    // Path ids that are not UUIDs.
    let bad_ids = [
        "not-a-uuid".to_owned(),
        "0".to_owned(),
        "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7".to_owned(),
        "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7g".to_owned(),
        "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e0".to_owned(),
        "%E4%B8%AD".to_owned(),
        "%00".to_owned(),
        "a".repeat(300),
    ];
    for id in &bad_ids {
        let reqs = [
            Req::get(format!("/api/v1/insurance/policies/{id}"), admin),
            Req::get(format!("/api/v1/insurance/prevention-funds/{id}/2025"), admin),
            Req::get(format!("/api/v1/organizations/{id}/insurance-coverage"), admin),
            Req::get(format!("/api/v1/organizations/{id}/accidents"), admin),
            Req { path: format!("/api/v1/organizations/{id}"), ..world.json(OrgPatch, &world.base(OrgPatch)) },
            Req {
                path: format!("/api/v1/insurance/prevention-funds/{id}/expenditures"),
                ..world.json(Expenditure, &world.base(Expenditure))
            },
        ];
        for req in reqs {
            cases.push(case(
                format!("{} {}", req.method, preview(req.path.as_bytes(), 60)),
                req,
                problem(StatusCode::BAD_REQUEST, "invalid_path"),
            ));
        }
    }

    let failures = run_cases(&app, &world, cases).await;
    report("cursor, query and path requests", &failures);
}

#[tokio::test]
async fn malformed_mistyped_and_unknown_bodies_are_refused() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let mut cases = Vec::new();
    let json_415 = problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");

    for endpoint in WRITES {
        let base = world.base(endpoint);
        let text = base.to_string();
        let open = &text[..text.len() - 1];
        let mut bom = "\u{feff}".as_bytes().to_vec();
        bom.extend_from_slice(text.as_bytes());
        let mut unparseable: Vec<(&str, Vec<u8>)> = vec![
            ("truncated", text.as_bytes()[..text.len() / 2].to_vec()),
            ("trailing garbage", format!("{text} }}").into_bytes()),
            ("trailing comma", format!("{open},}}").into_bytes()),
            ("single quotes", text.replace('"', "'").into_bytes()),
            ("byte order mark", bom),
            ("empty", Vec::new()),
        ];
        // Tokens no JSON parser may accept, as the value of a known string
        // member (a typed body reads members in order and would stop at an
        // unknown one first).
        let pointer = TEXT_MEMBER.iter().find(|(e, _)| *e == endpoint).map(|(_, p)| *p).expect("a text member");
        let bad_tokens: [(&str, &[u8]); 6] = [
            ("NaN", b"NaN"),
            ("Infinity", b"Infinity"),
            ("invalid UTF-8", b"\"\xff\xfe\xc3\""),
            ("raw control character", b"\"a\x01b\""),
            ("lone surrogate", b"\"\\ud800\""),
            ("unquoted word", b"enterprise"),
        ];
        for (what, token) in bad_tokens {
            unparseable.push((what, with_raw_bytes(&base, pointer, token)));
        }
        for (what, body) in unparseable {
            cases.push(case(format!("{endpoint:?} {what}"), world.request(endpoint, body), malformed()));
        }
        // 50,000 levels are well-formed JSON but past the parser's depth
        // limit: unreadable as a document (400).
        let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
        let deep_expected = malformed();
        cases.push(case(format!("{endpoint:?} nested 50,000 deep"), world.request(endpoint, deep), deep_expected));

        for content_type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
            let req = world.request(endpoint, text.clone()).body(Some(content_type), text.clone());
            cases.push(case(format!("{endpoint:?} as {content_type}"), req, json_415.clone()));
        }
        let req = world.request(endpoint, text.clone()).body(None, text.clone());
        cases.push(case(format!("{endpoint:?} without a content type"), req, json_415.clone()));

        for scalar in ["[]", "null", "\"text\"", "42", "true"] {
            cases.push(case(
                format!("{endpoint:?} body {scalar}"),
                world.request(endpoint, scalar),
                invalid("body", "invalid_value"),
            ));
        }
        // An array of the wrong things: refused, whatever it is named.
        cases.push(case(
            format!("{endpoint:?} body [{{}}]"),
            world.request(endpoint, "[{}]"),
            Expect::Problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", None),
        ));
        let unknown_field = if endpoint == OrgPatch { "body" } else { "bogus" };
        let body = with(&world.base(endpoint), "/bogus", json!(1));
        cases.push(case(
            format!("{endpoint:?} unknown field"),
            world.json(endpoint, &body),
            invalid(unknown_field, "unknown_field"),
        ));
    }

    let extra: Vec<(&str, Endpoint, String, Expect)> = vec![
        ("empty object", Premiums, "{}".into(), invalid("items", "required")),
        ("empty batch", Premiums, batch(vec![]).to_string(), invalid("items", "too_many_items")),
        ("items null", Premiums, json!({"items": null}).to_string(), invalid("items", "invalid_value")),
        ("items an object", Premiums, json!({"items": {}}).to_string(), invalid("items", "invalid_value")),
        ("item a number", Premiums, json!({"items": [1]}).to_string(), invalid("items[0]", "invalid_value")),
        (
            "item with an unknown field",
            Premiums,
            with(&world.base(Premiums), "/items/0/insurer_id", json!(world.insurer.id)).to_string(),
            invalid("items[0].insurer_id", "unknown_field"),
        ),
        (
            "item without external_ref",
            Premiums,
            without(&world.base(Premiums), "/items/0/external_ref").to_string(),
            invalid("items[0].external_ref", "required"),
        ),
        (
            "duplicated external_ref",
            Premiums,
            batch(vec![
                item("P-0", "2025-04-01T10:00:00+08:00", 1000, "DUP-1"),
                item("P-0", "2025-04-02T10:00:00+08:00", 2000, "DUP-1"),
            ])
            .to_string(),
            invalid("items[1].external_ref", "duplicate_in_batch"),
        ),
        (
            "policy naming its insurer",
            Policy,
            with(&world.base(Policy), "/insurer_id", json!(world.insurer.id)).to_string(),
            invalid("insurer_id", "unknown_field"),
        ),
        (
            "policy enterprise_id not a uuid",
            Policy,
            with(&world.base(Policy), "/enterprise_id", json!("not-a-uuid")).to_string(),
            invalid("enterprise_id", "invalid_value"),
        ),
        (
            "policy without policy_number",
            Policy,
            without(&world.base(Policy), "/policy_number").to_string(),
            invalid("policy_number", "required"),
        ),
        (
            "accident enterprise_id not a uuid",
            Accident,
            with(&world.base(Accident), "/enterprise_id", json!("01934f0e")).to_string(),
            invalid("enterprise_id", "invalid_value"),
        ),
        (
            "expenditure beneficiary not a uuid",
            Expenditure,
            with(&world.base(Expenditure), "/beneficiary_organization_id", json!("nobody")).to_string(),
            invalid("beneficiary_organization_id", "invalid_value"),
        ),
        (
            "client organization_id not a uuid",
            Client,
            with(&world.base(Client), "/organization_id", json!("x")).to_string(),
            invalid("organization_id", "invalid_value"),
        ),
        (
            "quote enterprise_id not a uuid",
            Quote,
            with(&world.base(Quote), "/enterprise_id", json!(12)).to_string(),
            invalid("enterprise_id", "invalid_value"),
        ),
        (
            "organisation with a duplicated member",
            OrgPost,
            {
                let text = world.base(OrgPost).to_string();
                format!("{{\"name\":\"x\",{}", &text[1..])
            },
            invalid("body", "invalid_value"),
        ),
        (
            "organisation with an unknown qualification member",
            OrgPost,
            with(&agency_body(7000), "/qualification/bogus", json!("x")).to_string(),
            invalid("qualification.bogus", "unknown_field"),
        ),
    ];
    for (what, endpoint, body, expect) in extra {
        cases.push(case(format!("{endpoint:?} {what}"), world.request(endpoint, body), expect));
    }

    // Idempotency keys that are not 1–200 visible ASCII characters.
    let bad_keys = [
        HeaderValue::from_static(""),
        HeaderValue::from_static("has space"),
        HeaderValue::from_str(&"k".repeat(201)).expect("key"),
        HeaderValue::from_bytes(&[b'k', 0xc3, 0xa9]).expect("obs-text"),
    ];
    for endpoint in [Premiums, Expenditure] {
        for key in &bad_keys {
            let req = world.json(endpoint, &world.base(endpoint)).header("idempotency-key", key.clone());
            cases.push(case(
                format!("{endpoint:?} Idempotency-Key {}", preview(key.as_bytes(), 12)),
                req,
                problem(StatusCode::BAD_REQUEST, "invalid_idempotency_key"),
            ));
        }
    }
    let req = world.json(Expenditure, &world.base(Expenditure)).without_header("idempotency-key");
    cases.push(case(
        "Expenditure without Idempotency-Key",
        req,
        problem(StatusCode::BAD_REQUEST, "idempotency_key_required"),
    ));

    // Last, as they change the agency when wrongly accepted.
    // Media types that are JSON-shaped but not the two the contract names
    // (`application/json`, and `application/merge-patch+json` for patches).
    for (endpoint, content_type) in
        [(Premiums, "text/json"), (OrgPatch, "application/json-patch+json"), (Policy, "application/vnd.henan+json")]
    {
        let text = world.base(endpoint).to_string();
        let req = world.request(endpoint, text.clone()).body(Some(content_type), text);
        cases.push(case(format!("{endpoint:?} as {content_type}"), req, json_415.clone()));
    }

    // The contract's bodies are objects; the same members given by position
    // in an array are not one.
    let positional: [(Endpoint, String); 3] = [
        (Client, json!(["郑州市应急管理局按位置", "regulator", null, "410100"]).to_string()),
        (Premiums, json!([[["P-0", "2025-04-01T10:00:00+08:00", 1000, "BY-POSITION-1"]]]).to_string()),
        (Expenditure, json!(["expert_inspection", 100, "2025-06-18", "按位置提交", null]).to_string()),
    ];
    for (endpoint, body) in positional {
        cases.push(case(
            format!("{endpoint:?} members by position"),
            world.request(endpoint, body),
            Expect::Problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed", None),
        ));
    }

    let failures = run_cases(&app, &world, cases).await;
    report("malformed-body requests", &failures);
}

#[tokio::test]
async fn bodies_over_the_limit_are_413_on_every_write_endpoint() {
    let app = TestApp::spawn_with(|s| s.max_body_bytes = 16 * 1024).await;
    let world = World::new(&app).await;
    let padding = "填".repeat(8 * 1024);
    let mut cases = Vec::new();
    for endpoint in WRITES {
        // An unknown member carries the weight: the size is refused before
        // the content is looked at.
        let body = with(&world.base(endpoint), "/padding", json!(padding));
        cases.push(case(
            format!("{endpoint:?} with 24 KiB"),
            world.json(endpoint, &body),
            problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
        ));
    }
    // A batch whose items are each fine but which together exceed the limit.
    let items = (0..200).map(|i| item("P-0", "2025-04-01T10:00:00+08:00", 1000, &format!("BIG-{i:04}"))).collect();
    cases.push(case(
        "Premiums with 200 items",
        world.json(Premiums, &batch(items)),
        problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
    ));
    // Controls under the limit.
    for endpoint in [Premiums, Expenditure] {
        cases.push(case(
            format!("control {endpoint:?}"),
            world.json(endpoint, &world.base(endpoint)),
            Expect::Success(endpoint.success()),
        ));
    }
    let failures = run_cases(&app, &world, cases).await;
    report("oversized requests", &failures);
}

// ---------------------------------------------------------------------------
// Property-based: premium batches
// ---------------------------------------------------------------------------

/// A JSON value as written into a generated body.
#[derive(Debug, Clone)]
enum Val {
    Str(String),
    Int(i64),
    /// Raw JSON text of the wrong type for its field.
    Raw(&'static str),
}

impl Val {
    fn json(&self) -> String {
        match self {
            Val::Str(s) => serde_json::to_string(s).expect("json"),
            Val::Int(n) => n.to_string(),
            Val::Raw(raw) => (*raw).to_owned(),
        }
    }

    fn str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn int(&self) -> Option<i64> {
        match self {
            Val::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// A number no `f64` holds: the whole body is unreadable.
const UNREADABLE: &str = "1e400";
const NOT_A_STRING: [&str; 7] = ["null", "true", "42", "[]", "{}", "[\"P-0\"]", "1.5"];
const NOT_AN_I64: [&str; 12] = [
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "1e30",
    "1.5",
    "1.0",
    "-0",
    "\"100\"",
    "null",
    "true",
    "[]",
    "{}",
];
const STRAY_CONTROLS: [char; 8] = ['\u{0}', '\n', '\r', '\t', '\u{1b}', '\u{7f}', '\u{85}', '\u{9f}'];

/// Short strings of any Unicode, Latin letters, odd punctuation and control
/// characters.
fn any_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => any::<char>(),
        3 => proptest::char::range('A', 'Z'),
        2 => prop::sample::select(vec!['-', '_', '/', ' ', '字', '\u{feff}', '\u{202e}', '"', '\\']),
        2 => prop::sample::select(STRAY_CONTROLS.to_vec()),
    ];
    proptest::collection::vec(ch, 0..24).prop_map(|chars| chars.into_iter().collect())
}

/// A string member gone wrong: arbitrary text, another JSON type, or absent.
fn wrong_string() -> BoxedStrategy<Option<Val>> {
    prop_oneof![
        2 => any_text().prop_map(|s| Some(Val::Str(s))),
        1 => prop::sample::select(NOT_A_STRING.to_vec()).prop_map(|r| Some(Val::Raw(r))),
        1 => Just(None),
    ]
    .boxed()
}

#[derive(Debug, Clone)]
enum Ref {
    Fresh,
    Text(String),
    /// The reference of the item before it in the batch.
    DuplicatePrevious,
    /// A stored item repeated exactly (→ `already_recorded`).
    ReplayStored(usize),
    /// A stored item's reference on other content (→ 409 unless identical).
    ConflictStored(usize),
    Raw(&'static str),
    Missing,
}

#[derive(Debug, Clone)]
struct ItemSpec {
    policy_number: Option<Val>,
    received_at: Option<Val>,
    amount_fen: Option<Val>,
    external_ref: Ref,
    extra_field: bool,
}

#[derive(Debug, Clone)]
enum Shape {
    Normal,
    ExtraTopLevel,
    MissingItems,
    ItemsAre(&'static str),
    BodyIs(&'static str),
}

#[derive(Debug, Clone)]
struct BatchSpec {
    items: Vec<ItemSpec>,
    shape: Shape,
    truncate_at: Option<f64>,
}

/// Instants from 2000 to the end of 2025 at assorted offsets and precisions
/// (a fixed range, so that the seed alone decides every case).
fn instants() -> impl Strategy<Value = String> {
    let start = DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").expect("start").timestamp();
    let end = DateTime::parse_from_rfc3339("2025-12-31T23:59:59Z").expect("end").timestamp();
    (start..=end, 0u8..3, 0u32..1_000_000_000, prop::sample::select(vec![0, 480, -300, 330, 840, -720, 345])).prop_map(
        |(secs, precision, nanos, offset_minutes)| {
            let nanos = match precision {
                0 => 0,
                1 => nanos / 1000 * 1000,
                _ => nanos,
            };
            let at = DateTime::from_timestamp(secs, nanos).expect("instant");
            let offset = FixedOffset::east_opt(offset_minutes * 60).expect("offset");
            at.with_timezone(&offset).to_rfc3339_opts(SecondsFormat::AutoSi, true)
        },
    )
}

fn item_spec(now: DateTime<Utc>) -> impl Strategy<Value = ItemSpec> {
    let odd_instants: Vec<String> = vec![
        "2000-01-01T00:00:00Z".into(),
        "1999-12-31T23:59:59.999999Z".into(),
        "2000-01-01T07:59:59+08:00".into(),
        "0000-01-01T00:00:00Z".into(),
        "9999-12-31T23:59:59Z".into(),
        "10000-01-01T00:00:00Z".into(),
        "2025-03-01T10:00:00".into(),
        "2025-03-01".into(),
        "2025-02-30T10:00:00+08:00".into(),
        "2025-03-01t10:00:00z".into(),
        "2025-03-01 10:00:00+08:00".into(),
        "2016-12-31T23:59:60Z".into(),
        "2025-03-01T10:00:00+24:00".into(),
        "2025-03-01T10:00:00.123456789+08:00".into(),
        String::new(),
        (now + Duration::days(1)).to_rfc3339_opts(SecondsFormat::Secs, true),
    ];
    let policy_number = prop_oneof![
        16 => prop::sample::select(vec!["P-0", "P-1"]).prop_map(|s| Some(Val::Str(s.to_owned()))),
        1 => Just(Some(Val::Str("Q-0".to_owned()))),
        3 => wrong_string(),
    ];
    let received_at = prop_oneof![
        16 => instants().prop_map(|s| Some(Val::Str(s))),
        4 => prop::sample::select(odd_instants).prop_map(|s| Some(Val::Str(s))),
        3 => wrong_string(),
    ];
    let amount = prop_oneof![
        24 => (1i64..=1_000_000_000).prop_map(|n| Some(Val::Int(n))),
        6 => (-1_000_000i64..=-1).prop_map(|n| Some(Val::Int(n))),
        2 => Just(Some(Val::Int(0))),
        2 => prop::sample::select(vec![
            MAX_POSTING_FEN,
            -MAX_POSTING_FEN,
            MAX_POSTING_FEN + 1,
            -MAX_POSTING_FEN - 1,
            i64::MAX,
            i64::MIN
        ])
        .prop_map(|n| Some(Val::Int(n))),
        2 => (MAX_POSTING_FEN + 1..=i64::MAX).prop_map(|n| Some(Val::Int(n))),
        2 => prop::sample::select(NOT_AN_I64.to_vec()).prop_map(|r| Some(Val::Raw(r))),
        1 => Just(Some(Val::Raw(UNREADABLE))),
        2 => Just(None),
    ];
    let external_ref = prop_oneof![
        28 => Just(Ref::Fresh),
        4 => any_text().prop_map(Ref::Text),
        2 => Just(Ref::DuplicatePrevious),
        4 => any::<usize>().prop_map(Ref::ReplayStored),
        2 => any::<usize>().prop_map(Ref::ConflictStored),
        1 => (101usize..=300).prop_map(|n| Ref::Text("R".repeat(n))),
        1 => Just(Ref::Text(String::new())),
        1 => Just(Ref::Text("字".repeat(100))),
        1 => prop::sample::select(NOT_A_STRING.to_vec()).prop_map(Ref::Raw),
        1 => Just(Ref::Missing),
    ];
    (policy_number, received_at, amount, external_ref, prop::bool::weighted(0.03)).prop_map(
        |(policy_number, received_at, amount_fen, external_ref, extra_field)| ItemSpec {
            policy_number,
            received_at,
            amount_fen,
            external_ref,
            extra_field,
        },
    )
}

fn batch_spec(now: DateTime<Utc>) -> impl Strategy<Value = BatchSpec> {
    let items = prop_oneof![
        1 => Just(Vec::new()),
        9 => proptest::collection::vec(item_spec(now), 1..=3),
    ];
    let shape = prop_oneof![
        40 => Just(Shape::Normal),
        1 => Just(Shape::ExtraTopLevel),
        1 => Just(Shape::MissingItems),
        1 => prop::sample::select(vec!["null", "{}", "\"items\"", "1", "[1]", "[null]"]).prop_map(Shape::ItemsAre),
        1 => prop::sample::select(vec!["[]", "null", "\"x\"", "0"]).prop_map(Shape::BodyIs),
    ];
    let truncate_at = prop_oneof![60 => Just(None), 1 => (0.0..1.0f64).prop_map(Some)];
    (items, shape, truncate_at).prop_map(|(items, shape, truncate_at)| BatchSpec { items, shape, truncate_at })
}

/// A stored posting as the oracle remembers it.
#[derive(Debug, Clone)]
struct StoredPosting {
    external_ref: String,
    policy_number: String,
    received_at: String,
    instant: DateTime<Utc>,
    amount: i64,
}

/// What the oracle knows is stored for the insurer.
#[derive(Debug, Default)]
struct Ledger {
    postings: Vec<StoredPosting>,
    by_ref: HashMap<String, usize>,
    net: HashMap<String, i64>,
    rows: i64,
    sum: i64,
}

impl Ledger {
    fn store(&mut self, posting: StoredPosting) {
        *self.net.entry(posting.policy_number.clone()).or_default() += posting.amount;
        self.rows += 1;
        self.sum += posting.amount;
        self.by_ref.insert(posting.external_ref.clone(), self.postings.len());
        self.postings.push(posting);
    }
}

/// One item as sent: `None` = member absent.
#[derive(Debug, Clone)]
struct SentItem {
    policy_number: Option<Val>,
    received_at: Option<Val>,
    amount_fen: Option<Val>,
    external_ref: Option<Val>,
    extra_field: bool,
}

impl SentItem {
    fn json(&self) -> String {
        let mut members = Vec::new();
        for (name, value) in [
            ("policy_number", &self.policy_number),
            ("received_at", &self.received_at),
            ("amount_fen", &self.amount_fen),
            ("external_ref", &self.external_ref),
        ] {
            if let Some(value) = value {
                members.push(format!("\"{name}\":{}", value.json()));
            }
        }
        if self.extra_field {
            members.push("\"insurer_id\":\"01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e\"".to_owned());
        }
        format!("{{{}}}", members.join(","))
    }

    fn unreadable(&self) -> bool {
        [&self.policy_number, &self.received_at, &self.amount_fen, &self.external_ref]
            .iter()
            .any(|v| matches!(v, Some(Val::Raw(r)) if *r == UNREADABLE))
    }

    /// The typed content, when every member is present with its type.
    fn typed(&self) -> Option<(&str, &str, i64, &str)> {
        if self.extra_field {
            return None;
        }
        Some((
            self.policy_number.as_ref()?.str()?,
            self.received_at.as_ref()?.str()?,
            self.amount_fen.as_ref()?.int()?,
            self.external_ref.as_ref()?.str()?,
        ))
    }
}

struct SentBatch {
    items: Vec<SentItem>,
    shape: Shape,
    body: Vec<u8>,
    truncated: bool,
}

fn render_batch(spec: &BatchSpec, case: usize, ledger: &Ledger) -> SentBatch {
    let mut items: Vec<SentItem> = Vec::new();
    for (i, spec) in spec.items.iter().enumerate() {
        let fresh = || Some(Val::Str(format!("C{case}-{i}")));
        let mut item = SentItem {
            policy_number: spec.policy_number.clone(),
            received_at: spec.received_at.clone(),
            amount_fen: spec.amount_fen.clone(),
            external_ref: None,
            extra_field: spec.extra_field,
        };
        item.external_ref = match &spec.external_ref {
            Ref::Fresh => fresh(),
            Ref::Text(text) => Some(Val::Str(text.clone())),
            Ref::DuplicatePrevious => match items.last() {
                Some(previous) => previous.external_ref.clone().or_else(fresh),
                None => fresh(),
            },
            Ref::ReplayStored(k) if !ledger.postings.is_empty() => {
                let stored = &ledger.postings[k % ledger.postings.len()];
                item.policy_number = Some(Val::Str(stored.policy_number.clone()));
                item.received_at = Some(Val::Str(stored.received_at.clone()));
                item.amount_fen = Some(Val::Int(stored.amount));
                Some(Val::Str(stored.external_ref.clone()))
            }
            Ref::ConflictStored(k) if !ledger.postings.is_empty() => {
                Some(Val::Str(ledger.postings[k % ledger.postings.len()].external_ref.clone()))
            }
            Ref::ReplayStored(_) | Ref::ConflictStored(_) => fresh(),
            Ref::Raw(raw) => Some(Val::Raw(raw)),
            Ref::Missing => None,
        };
        items.push(item);
    }
    let items_json = format!("[{}]", items.iter().map(SentItem::json).collect::<Vec<_>>().join(","));
    let text = match spec.shape {
        Shape::Normal => format!("{{\"items\":{items_json}}}"),
        Shape::ExtraTopLevel => format!("{{\"items\":{items_json},\"insurer_id\":null}}"),
        Shape::MissingItems => "{}".to_owned(),
        Shape::ItemsAre(raw) => format!("{{\"items\":{raw}}}"),
        Shape::BodyIs(raw) => raw.to_owned(),
    };
    let mut body = text.into_bytes();
    let truncated = match spec.truncate_at {
        Some(at) => {
            // Truncated f64 → usize: a cut strictly inside the body.
            let cut = (body.len() as f64 * at) as usize;
            body.truncate(cut.min(body.len() - 1));
            true
        }
        None => false,
    };
    SentBatch { items, shape: spec.shape.clone(), body, truncated }
}

/// `received_at` as the contract reads it: RFC 3339 with offset, from
/// 2000-01-01 (UTC) to five minutes from now.
fn accepted_instant(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let at = domain::time::truncate_to_micros(DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc));
    let earliest = DateTime::parse_from_rfc3339("2000-01-01T00:00:00Z").expect("earliest").with_timezone(&Utc);
    (at >= earliest && at <= now + Duration::minutes(5)).then_some(at)
}

#[derive(Debug, PartialEq, Eq)]
enum Predicted {
    /// 201: indexes stored now and indexes already recorded.
    Created {
        fresh: Vec<usize>,
        already: Vec<usize>,
    },
    Refused(StatusCode, &'static str),
}

const OWN_POLICIES: [&str; 2] = ["P-0", "P-1"];

fn predict_batch(sent: &SentBatch, ledger: &Ledger, now: DateTime<Utc>) -> Predicted {
    let unprocessable = Predicted::Refused(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    if sent.truncated || sent.items.iter().any(SentItem::unreadable) {
        return Predicted::Refused(StatusCode::BAD_REQUEST, "malformed_json");
    }
    if !matches!(sent.shape, Shape::Normal) {
        return unprocessable;
    }
    let Some(typed) = sent.items.iter().map(SentItem::typed).collect::<Option<Vec<_>>>() else {
        return unprocessable;
    };
    if typed.is_empty() || typed.len() > 5000 {
        return unprocessable;
    }
    let mut seen = HashSet::new();
    let mut postings = Vec::new();
    for &(policy_number, received_at, amount, external_ref) in &typed {
        let instant = accepted_instant(received_at, now);
        let ref_ok = !external_ref.is_empty()
            && external_ref.chars().count() <= 100
            && !external_ref.chars().any(char::is_control)
            && seen.insert(external_ref);
        let amount_ok = amount != 0 && amount.unsigned_abs() <= MAX_POSTING_FEN.unsigned_abs();
        match instant {
            Some(instant) if OWN_POLICIES.contains(&policy_number) && ref_ok && amount_ok => {
                postings.push((policy_number, instant, amount, external_ref));
            }
            _ => return unprocessable,
        }
    }
    let (mut fresh, mut already) = (Vec::new(), Vec::new());
    for (index, (policy_number, instant, amount, external_ref)) in postings.iter().enumerate() {
        match ledger.by_ref.get(*external_ref).map(|&i| &ledger.postings[i]) {
            None => fresh.push(index),
            Some(s) if s.policy_number == *policy_number && s.instant == *instant && s.amount == *amount => {
                already.push(index);
            }
            Some(_) => return Predicted::Refused(StatusCode::CONFLICT, "external_reference_conflict"),
        }
    }
    for policy_number in OWN_POLICIES {
        let mine: Vec<i64> = fresh.iter().map(|&i| postings[i]).filter(|p| p.0 == policy_number).map(|p| p.2).collect();
        if mine.iter().any(|a| *a < 0) {
            let mut running = ledger.net.get(policy_number).copied().unwrap_or(0);
            for amount in mine {
                running += amount;
                if running < 0 {
                    return unprocessable;
                }
            }
        }
    }
    Predicted::Created { fresh, already }
}

/// Checks one batch answer against the prediction; on any 201 the ledger
/// learns what the receipt says was stored.
fn judge_batch(reply: &Reply, sent: &SentBatch, predicted: &Predicted, ledger: &mut Ledger) -> Vec<String> {
    let mut defects = Vec::new();
    if reply.status.is_server_error() {
        defects.push(format!("server error {}", reply.status));
    }
    if reply.status.is_client_error() {
        defects.extend(reply.problem_defects());
    }
    match predicted {
        Predicted::Refused(status, code) => {
            if reply.status != *status || reply.code() != *code {
                defects.push(format!(
                    "expected {} {code}, got {} {:?}",
                    status.as_u16(),
                    reply.status.as_u16(),
                    reply.code()
                ));
            }
        }
        Predicted::Created { .. } if reply.status != StatusCode::CREATED => {
            defects.push(format!("a valid batch was refused: {} {:?}", reply.status.as_u16(), reply.code()));
        }
        Predicted::Created { .. } => {}
    }
    if reply.status == StatusCode::CREATED {
        let receipt = reply.body().unwrap_or(Value::Null);
        let already: Vec<usize> = receipt["already_recorded"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).filter_map(|i| usize::try_from(i).ok()).collect())
            .unwrap_or_default();
        let stored_now: Vec<usize> = (0..sent.items.len()).filter(|i| !already.contains(i)).collect();
        if receipt["received"] != sent.items.len() || receipt["stored"] != stored_now.len() {
            defects.push(format!("receipt does not add up: {receipt}"));
        }
        if let Predicted::Created { fresh, already: expected_already } = predicted {
            if *fresh != stored_now || *expected_already != already {
                defects.push(format!("receipt {receipt} differs from stored {fresh:?} / already {expected_already:?}"));
            }
        }
        for index in stored_now {
            match sent.items[index].typed() {
                Some((policy_number, received_at, amount, external_ref)) => ledger.store(StoredPosting {
                    external_ref: external_ref.to_owned(),
                    policy_number: policy_number.to_owned(),
                    received_at: received_at.to_owned(),
                    instant: accepted_instant(received_at, Utc::now()).unwrap_or(DateTime::<Utc>::MIN_UTC),
                    amount,
                }),
                None => defects.push(format!("item {index} was stored though it is not even well-typed")),
            }
        }
    }
    defects
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_premium_batches_are_stored_exactly_when_valid() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 300, "410100").await;
    let enterprise_id = id_of(&app.enterprise(301, "410100").await);
    for number in OWN_POLICIES {
        write_policy(&app, insurer.token(), &policy(number, &enterprise_id, "2024-01-01", "2026-12-31")).await;
    }
    // Another insurer's policy number is unknown to this one.
    let other = e2e::insurance::insurer(&app, 302, "410100").await;
    write_policy(&app, other.token(), &policy("Q-0", &enterprise_id, "2024-01-01", "2026-12-31")).await;

    let now = Utc::now();
    let mut runner =
        TestRunner::new_with_rng(Config::with_cases(200), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = batch_spec(now);
    let mut conn = app.db.connect();
    let mut ledger = Ledger::default();
    let mut failures = Vec::new();
    let mut outcomes: HashMap<u16, usize> = HashMap::new();
    for case in 0..200 {
        let spec = strategy.new_tree(&mut runner).expect("generate a batch").current();
        let sent = render_batch(&spec, case, &ledger);
        let predicted = predict_batch(&sent, &ledger, Utc::now());
        let req = Req::new(Method::POST, "/api/v1/insurance/premium-postings", insurer.token())
            .body(Some(JSON), sent.body.clone())
            .header("idempotency-key", HeaderValue::from_str(&format!("prop-{case}")).expect("key"));
        let reply = req.send(&app).await;
        *outcomes.entry(reply.status.as_u16()).or_default() += 1;
        let mut defects = judge_batch(&reply, &sent, &predicted, &mut ledger);
        let (rows, sum) = persistence::premiums::total(&mut conn, insurer.uuid).expect("premium total");
        if (rows, sum.value()) != (ledger.rows, ledger.sum) {
            defects.push(format!(
                "stored total is {:?}, the 201s account for {:?}",
                (rows, sum.value()),
                (ledger.rows, ledger.sum)
            ));
            (ledger.rows, ledger.sum) = (rows, sum.value());
        }
        if !defects.is_empty() {
            failures.push(format!(
                "case {case}: {}\n    predicted: {predicted:?}\n    request:  {}\n    response: {} {}",
                defects.join("; "),
                req.describe_with(2_000),
                reply.status.as_u16(),
                preview(reply.text.as_bytes(), 300),
            ));
        }
    }

    // One batch over the item limit, every item valid.
    let items: Vec<Value> =
        (0..5001).map(|i| item("P-0", "2025-05-01T10:00:00+08:00", 1, &format!("MANY-{i}"))).collect();
    let req = Req::new(Method::POST, "/api/v1/insurance/premium-postings", insurer.token())
        .body(Some(JSON), batch(items).to_string())
        .header("idempotency-key", HeaderValue::from_static("prop-5001"));
    let reply = req.send(&app).await;
    let defects = check(&invalid("items", "too_many_items"), &reply);
    if !defects.is_empty() {
        failures.push(format!(
            "5,001 items: {}\n    response: {}",
            defects.join("; "),
            preview(reply.text.as_bytes(), 300)
        ));
    }

    let (rows, sum) = persistence::premiums::total(&mut conn, insurer.uuid).expect("premium total");
    assert_eq!((rows, sum.value()), (ledger.rows, ledger.sum), "the stored total is what the 201s reported");
    eprintln!("premium batches: outcomes {outcomes:?}, {} postings stored, {} fen", ledger.rows, ledger.sum);
    report("generated premium batches", &failures);
    assert!(outcomes.get(&201).copied().unwrap_or(0) >= 20, "too few valid batches to mean anything: {outcomes:?}");
}

// ---------------------------------------------------------------------------
// Property-based: fund expenditures
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Beneficiary {
    Null,
    Own,
    Enterprise,
    Unknown(u128),
    NotAUuid(&'static str),
    Raw(&'static str),
}

#[derive(Debug, Clone)]
struct SpendSpec {
    category: Option<Val>,
    amount_fen: Option<Val>,
    spent_on: Option<Val>,
    description: Option<Val>,
    beneficiary: Option<Beneficiary>,
    extra_field: bool,
    truncate_at: Option<f64>,
}

const CATEGORIES: [&str; 6] = [
    "publicity_education",
    "expert_inspection",
    "hazard_investigation",
    "standardization",
    "emergency_drill",
    "prevention_technology",
];
/// The levy of 2018 on 10^13 fen of premium: the whole fund.
const LEVY: i64 = 1_000_000_000_000;

fn spend_spec(today: NaiveDate) -> impl Strategy<Value = SpendSpec> {
    let first = NaiveDate::from_ymd_opt(2018, 1, 1).expect("date");
    // 2018-01-01 to 2025-12-31: a fixed range, so that the seed alone decides.
    let valid_days = (NaiveDate::from_ymd_opt(2026, 1, 1).expect("date") - first).num_days();
    let odd_dates: Vec<String> = vec![
        "0000-01-01".into(),
        "9999-12-31".into(),
        "1999-12-31".into(),
        (today + Duration::days(2)).to_string(),
        "2025-02-30".into(),
        "2025-1-1".into(),
        "10000-01-01".into(),
        "2025-06-18T00:00:00".into(),
        "+2025-06-18".into(),
        String::new(),
    ];
    let category = prop_oneof![
        14 => prop::sample::select(CATEGORIES.to_vec()).prop_map(|c| Some(Val::Str(c.to_owned()))),
        1 => Just(Some(Val::Str("EXPERT_INSPECTION".to_owned()))),
        3 => wrong_string(),
    ];
    let amount = prop_oneof![
        12 => (1i64..=1_000_000).prop_map(|n| Some(Val::Int(n))),
        1 => Just(Some(Val::Int(0))),
        1 => (i64::MIN..0).prop_map(|n| Some(Val::Int(n))),
        2 => (LEVY..=i64::MAX).prop_map(|n| Some(Val::Int(n))),
        1 => prop::sample::select(NOT_AN_I64.to_vec()).prop_map(|r| Some(Val::Raw(r))),
        1 => Just(Some(Val::Raw(UNREADABLE))),
        1 => Just(None),
    ];
    let spent_on = prop_oneof![
        12 => (0..valid_days).prop_map(move |d| Some(Val::Str((first + Duration::days(d)).to_string()))),
        2 => (0i64..6574).prop_map(|d| {
            let start = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
            Some(Val::Str((start + Duration::days(d)).to_string()))
        }),
        3 => prop::sample::select(odd_dates).prop_map(|s| Some(Val::Str(s))),
        3 => wrong_string(),
    ];
    let description = prop_oneof![
        12 => prop::sample::select(vec!["聘请专家参与危化企业安全检查", "应急演练", "a"])
            .prop_map(|s| Some(Val::Str(s.to_owned()))),
        3 => wrong_string(),
        1 => Just(Some(Val::Str(String::new()))),
        1 => Just(Some(Val::Str("字".repeat(500)))),
        1 => Just(Some(Val::Str("字".repeat(501)))),
        1 => Just(Some(Val::Str("字a".repeat(5_000)))),
    ];
    let beneficiary = prop_oneof![
        6 => Just(None),
        3 => Just(Some(Beneficiary::Null)),
        2 => Just(Some(Beneficiary::Own)),
        2 => Just(Some(Beneficiary::Enterprise)),
        1 => any::<u128>().prop_map(|n| Some(Beneficiary::Unknown(n))),
        1 => prop::sample::select(vec!["nobody", "0", "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7", ""])
            .prop_map(|s| Some(Beneficiary::NotAUuid(s))),
        1 => prop::sample::select(vec!["42", "true", "[]", "{}"]).prop_map(|r| Some(Beneficiary::Raw(r))),
    ];
    let extras = (prop::bool::weighted(0.03), prop_oneof![50 => Just(None), 1 => (0.0..1.0f64).prop_map(Some)]);
    (category, amount, spent_on, description, beneficiary, extras).prop_map(
        |(category, amount_fen, spent_on, description, beneficiary, (extra_field, truncate_at))| SpendSpec {
            category,
            amount_fen,
            spent_on,
            description,
            beneficiary,
            extra_field,
            truncate_at,
        },
    )
}

struct Fund {
    insurer_id: Uuid,
    enterprise_id: Uuid,
}

fn render_spend(spec: &SpendSpec, fund: &Fund) -> Vec<u8> {
    let mut members = Vec::new();
    for (name, value) in [
        ("category", &spec.category),
        ("amount_fen", &spec.amount_fen),
        ("spent_on", &spec.spent_on),
        ("description", &spec.description),
    ] {
        if let Some(value) = value {
            members.push(format!("\"{name}\":{}", value.json()));
        }
    }
    let beneficiary = spec.beneficiary.as_ref().map(|b| match b {
        Beneficiary::Null => "null".to_owned(),
        Beneficiary::Own => format!("\"{}\"", fund.insurer_id),
        Beneficiary::Enterprise => format!("\"{}\"", fund.enterprise_id),
        Beneficiary::Unknown(n) => format!("\"{}\"", Uuid::from_u128(*n)),
        Beneficiary::NotAUuid(s) => format!("\"{s}\""),
        Beneficiary::Raw(raw) => (*raw).to_owned(),
    });
    if let Some(beneficiary) = beneficiary {
        members.push(format!("\"beneficiary_organization_id\":{beneficiary}"));
    }
    if spec.extra_field {
        members.push("\"insurer_id\":null".to_owned());
    }
    let mut body = format!("{{{}}}", members.join(",")).into_bytes();
    if let Some(at) = spec.truncate_at {
        let cut = (body.len() as f64 * at) as usize;
        body.truncate(cut.min(body.len() - 1));
    }
    body
}

/// `Some(amount)` when the expenditure must be stored.
fn predict_spend(spec: &SpendSpec, spent: i64, today: NaiveDate) -> Result<i64, (StatusCode, &'static str)> {
    let unprocessable = Err((StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"));
    let fields = [&spec.category, &spec.amount_fen, &spec.spent_on, &spec.description];
    if spec.truncate_at.is_some() || fields.iter().any(|v| matches!(v, Some(Val::Raw(r)) if *r == UNREADABLE)) {
        return Err((StatusCode::BAD_REQUEST, "malformed_json"));
    }
    let typed = || -> Option<(&str, i64, &str, &str)> {
        Some((
            spec.category.as_ref()?.str()?,
            spec.amount_fen.as_ref()?.int()?,
            spec.spent_on.as_ref()?.str()?,
            spec.description.as_ref()?.str()?,
        ))
    };
    let well_typed_beneficiary = !matches!(spec.beneficiary, Some(Beneficiary::NotAUuid(_) | Beneficiary::Raw(_)));
    let Some((category, amount, spent_on, description)) = typed() else { return unprocessable };
    if spec.extra_field || !well_typed_beneficiary {
        return unprocessable;
    }
    let date = (spent_on.len() == 10).then(|| NaiveDate::parse_from_str(spent_on, "%Y-%m-%d").ok()).flatten();
    let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
    let chars = description.chars().count();
    if !CATEGORIES.contains(&category)
        || amount < 1
        || !date.is_some_and(|d| d >= earliest && d <= today)
        || !(1..=500).contains(&chars)
        || description.chars().any(char::is_control)
        || matches!(spec.beneficiary, Some(Beneficiary::Unknown(_)))
    {
        return unprocessable;
    }
    let year = date.map_or(0, |d| chrono::Datelike::year(&d));
    if year < 2018 || amount > LEVY - spent {
        return Err((StatusCode::UNPROCESSABLE_ENTITY, "insufficient_prevention_fund"));
    }
    Ok(amount)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_expenditures_are_stored_exactly_when_valid() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 400, "410100").await;
    let enterprise = app.enterprise(401, "410100").await;
    let enterprise_id = id_of(&enterprise);
    write_policy(&app, insurer.token(), &policy("P-0", &enterprise_id, "2018-01-01", "2018-12-31")).await;
    let premium = batch(vec![item("P-0", "2018-06-01T10:00:00+08:00", 10_000_000_000_000, "LEVY-BASE")]);
    store_premiums(&app, insurer.token(), "fund", &premium).await;
    let fund = Fund { insurer_id: insurer.uuid, enterprise_id: Uuid::parse_str(&enterprise_id).expect("uuid") };

    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let mut runner =
        TestRunner::new_with_rng(Config::with_cases(100), TestRng::deterministic_rng(RngAlgorithm::ChaCha));
    let strategy = spend_spec(today);
    let path = format!("/api/v1/insurance/prevention-funds/{}/expenditures", insurer.id);
    let mut conn = app.db.connect();
    let stored = |conn: &mut DbConnection| -> (usize, i64) {
        let from = NaiveDate::from_ymd_opt(1999, 1, 1).expect("date");
        let to = NaiveDate::from_ymd_opt(2200, 12, 31).expect("date");
        let all = persistence::expenditures::list(conn, insurer.uuid, from, to).expect("expenditures");
        (all.len(), all.iter().map(|e| e.amount.value()).sum())
    };
    let (mut count_model, mut spent) = (0usize, 0i64);
    let mut failures = Vec::new();
    let mut outcomes: HashMap<u16, usize> = HashMap::new();
    for case in 0..100 {
        let spec = strategy.new_tree(&mut runner).expect("generate an expenditure").current();
        let predicted = predict_spend(&spec, spent, today);
        let req = Req::new(Method::POST, path.clone(), insurer.token())
            .body(Some(JSON), render_spend(&spec, &fund))
            .header("idempotency-key", HeaderValue::from_str(&format!("spend-{case}")).expect("key"));
        let reply = req.send(&app).await;
        *outcomes.entry(reply.status.as_u16()).or_default() += 1;
        let mut defects = Vec::new();
        if reply.status.is_server_error() {
            defects.push(format!("server error {}", reply.status));
        }
        if reply.status.is_client_error() {
            defects.extend(reply.problem_defects());
        }
        match predicted {
            Ok(amount) if reply.status == StatusCode::CREATED => {
                let body = reply.body().unwrap_or(Value::Null);
                if body["amount_fen"] != amount || body["balance_after_fen"] != LEVY - spent - amount {
                    defects.push(format!("expected {amount} fen leaving {}", LEVY - spent - amount));
                }
            }
            Ok(_) => defects.push(format!("a valid expenditure was refused: {} {:?}", reply.status, reply.code())),
            Err((status, code)) => {
                if reply.status != status || reply.code() != code {
                    defects.push(format!(
                        "expected {} {code}, got {} {:?}",
                        status.as_u16(),
                        reply.status.as_u16(),
                        reply.code()
                    ));
                }
            }
        }
        if reply.status == StatusCode::CREATED {
            count_model += 1;
            spent += reply.body().and_then(|b| b["amount_fen"].as_i64()).unwrap_or(0);
        }
        let in_db = stored(&mut conn);
        if in_db != (count_model, spent) {
            defects.push(format!("stored {in_db:?}, the 201s account for {:?}", (count_model, spent)));
            (count_model, spent) = in_db;
        }
        if !defects.is_empty() {
            failures.push(format!(
                "case {case}: {}\n    predicted: {predicted:?}\n    request:  {}\n    response: {} {}",
                defects.join("; "),
                req.describe_with(2_000),
                reply.status.as_u16(),
                preview(reply.text.as_bytes(), 300),
            ));
        }
    }
    eprintln!("expenditures: outcomes {outcomes:?}, {count_model} stored, {spent} fen");
    report("generated expenditures", &failures);
    assert!(
        outcomes.get(&201).copied().unwrap_or(0) >= 10,
        "too few valid expenditures to mean anything: {outcomes:?}"
    );
}
