//! Complaints and reports (豫安委〔2017〕17号 八(二) 举报投诉) over real HTTP, on the backend
//! TEST_DATABASE names: anonymous filing and its limits (size, rate, validation), following a
//! complaint by tracking code without learning anything else, regulators' triage and the credit
//! event a substantiated complaint records (八(三)), and who may see or decide what.

use chrono::NaiveDate;
use domain::complaints::{parse_tracking_code, ComplaintCategory, ComplaintStatus};
use e2e::insurance::{count, field_errors, get, get_json, id_of, pairs, status_json};
use e2e::{credit_code, TestApp};
use persistence::{audit, complaints, credit};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use uuid::Uuid;

const FILE: &str = "/api/v1/public/complaints";
const LIST: &str = "/api/v1/complaints";
const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
/// 巩义: a province-managed county that Zhengzhou does not supervise.
const GONGYI: &str = "410181";

/// A technical service agency in `region`; returns its JSON.
async fn agency(app: &TestApp, seed: u32, region: &str) -> Value {
    app.organization(json!({
        "credit_code": credit_code(seed),
        "name": format!("河南安评技术服务有限公司{seed}"),
        "kind": "technical_service_agency",
        "region_code": region,
        "contact_phone": "13812345678",
        "legal_representative": "王建国",
        "service_types": ["safety_assessment"],
    }))
    .await
}

fn complaint(seed: u32, description: &str) -> Value {
    json!({
        "organization_credit_code": credit_code(seed),
        "category": "charging_without_service",
        "description": description,
        "contact": "13900001111",
    })
}

/// An anonymous `POST /api/v1/public/complaints`.
async fn file(app: &TestApp, body: &Value) -> (StatusCode, Value) {
    status_json(app.http.post(app.url(FILE)).json(body).send().await.expect("POST complaint")).await
}

/// Files and panics unless 201; returns the receipt.
async fn filed(app: &TestApp, body: &Value) -> Value {
    let (status, receipt) = file(app, body).await;
    assert_eq!(status, StatusCode::CREATED, "filing failed: {receipt}");
    receipt
}

fn tracking_of(receipt: &Value) -> String {
    receipt["tracking_code"].as_str().expect("tracking_code").to_owned()
}

/// The stored complaint behind a tracking code.
fn stored(app: &TestApp, tracking_code: &str) -> complaints::Complaint {
    complaints::find_by_tracking_code(&mut app.db.connect(), tracking_code).expect("find").expect("stored complaint")
}

/// Files a complaint about `seed`'s organisation; returns (tracking code, complaint id).
async fn file_about(app: &TestApp, seed: u32, description: &str) -> (String, String) {
    let code = tracking_of(&filed(app, &complaint(seed, description)).await);
    let id = stored(app, &code).id.to_string();
    (code, id)
}

async fn track(app: &TestApp, code: &str) -> reqwest::Response {
    app.http.get(app.url(&format!("{FILE}/{code}"))).send().await.expect("GET tracking")
}

async fn triage(app: &TestApp, token: &str, id: &str, body: &Value) -> (StatusCode, Value) {
    let response = app
        .http
        .post(app.url(&format!("{LIST}/{id}/triage")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("POST triage");
    status_json(response).await
}

/// Triages and panics unless 200; returns the answer.
async fn decided(app: &TestApp, token: &str, id: &str, status: &str, note: Option<&str>) -> Value {
    let (code, body) = triage(app, token, id, &json!({"status": status, "note": note})).await;
    assert_eq!(code, StatusCode::OK, "triage to {status} failed: {body}");
    assert_eq!(body["complaint"]["status"], status);
    body
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

/// Audit entries about `resource_id`, oldest first.
fn audit_trail(app: &TestApp, resource_id: &str) -> Vec<audit::AuditEntry> {
    let filter = audit::AuditFilter { resource_id: Some(resource_id.to_owned()), ..Default::default() };
    let mut items = audit::list(&mut app.db.connect(), &filter, None, 100).expect("audit").items;
    items.reverse();
    items
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

fn keys(body: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = body.as_object().expect("object").keys().map(String::as_str).collect();
    keys.sort_unstable();
    keys
}

fn today() -> NaiveDate {
    domain::time::cst_date(chrono::Utc::now())
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|c| c["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn anyone_files_a_complaint_and_gets_a_tracking_code() {
    let app = TestApp::spawn().await;
    let subject = agency(&app, 1, ZHENGZHOU).await;
    let description = "2026年9月签订安全评价合同并付款。\n至今未派人到现场，也未出具报告。";
    let (status, receipt) = file(&app, &complaint(1, description)).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    assert_eq!(keys(&receipt), ["received_at", "status", "tracking_code"]);
    assert_eq!(receipt["status"], "received");
    let code = tracking_of(&receipt);
    assert_eq!(parse_tracking_code(&code).as_deref(), Ok(code.as_str()), "canonical XXXX-XXXX-XXXX-XXXX");

    let row = stored(&app, &code);
    assert_eq!(row.status, ComplaintStatus::Received);
    assert_eq!(row.organization_id.to_string(), id_of(&subject));
    assert_eq!(row.category, ComplaintCategory::ChargingWithoutService);
    assert_eq!(row.description, description, "line breaks are kept");
    assert_eq!(row.contact.as_deref(), Some("13900001111"));
    assert_eq!((row.decided_by, row.decision_note, row.credit_event_id), (None, None, None));
    assert_eq!(
        receipt["received_at"].as_str().map(|t| t.parse::<chrono::DateTime<chrono::Utc>>().ok()),
        Some(Some(row.created_at))
    );
    assert_eq!(rows(&app, "complaints"), 1);

    // Written anonymously, in the audit trail under the subject's region.
    let trail = audit_trail(&app, &row.id.to_string());
    assert_eq!(trail.len(), 1);
    let entry = &trail[0];
    assert_eq!(
        (entry.action.as_str(), entry.actor.as_str(), entry.role.as_str(), entry.resource_type.as_str()),
        ("complaint.file", "anonymous", "anonymous", "complaint")
    );
    assert_eq!((entry.actor_region.as_deref(), entry.resource_region.as_deref()), (None, Some(ZHENGZHOU)));

    // A bearer token, valid or not, is ignored: nothing about the caller is kept.
    let portal = app.client("portal", None, None).await;
    for token in ["not-a-token", portal.token.as_str()] {
        let response = app
            .http
            .post(app.url(FILE))
            .bearer_auth(token)
            .json(&json!({"organization_credit_code": credit_code(1), "category": "other", "description": "x"}))
            .send()
            .await
            .expect("POST");
        let (status, receipt) = status_json(response).await;
        assert_eq!(status, StatusCode::CREATED, "{receipt}");
        let row = stored(&app, &tracking_of(&receipt));
        assert_eq!(row.contact, None);
        let trail = audit_trail(&app, &row.id.to_string());
        assert_eq!(
            trail.iter().map(|e| (e.actor.as_str(), e.role.as_str())).collect::<Vec<_>>(),
            [("anonymous", "anonymous")]
        );
    }
    assert_eq!(rows(&app, "complaints"), 3);
    // Three draws, three distinct codes.
    assert_eq!(rows(&app, "(SELECT DISTINCT tracking_code FROM complaints) AS codes"), 3);
}

#[tokio::test]
async fn a_tracking_code_shows_the_status_and_nothing_else() {
    let app = TestApp::spawn().await;
    let subject = agency(&app, 2, ZHENGZHOU).await;
    let description = "出具虚假评价报告，报告中的检测数据与现场不符";
    let contact = "举报人王女士 13912345678";
    let receipt =
        filed(&app, &json!({"organization_credit_code": credit_code(2), "category": "false_report", "description": description, "contact": contact}))
            .await;
    let code = tracking_of(&receipt);
    let row = stored(&app, &code);

    let response = track(&app, &code).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let raw = response.bytes().await.expect("body");
    let (subject_code, subject_id, complaint_id) = (credit_code(2), id_of(&subject), row.id.to_string());
    for secret in [description, contact, "13912345678", &subject_code, &subject_id, &complaint_id, "false_report"] {
        assert!(!contains(&raw, secret), "the tracking answer leaks {secret:?}");
    }
    let body: Value = serde_json::from_slice(&raw).expect("json");
    assert_eq!(keys(&body), ["status", "tracking_code", "updated_at"]);
    assert_eq!((body["tracking_code"].as_str(), body["status"].as_str()), (Some(code.as_str()), Some("received")));

    // Typed by hand: any case, with or without dashes and spaces.
    for typed in [code.to_lowercase(), code.replace('-', ""), code.to_lowercase().replace('-', " ")] {
        let response = track(&app, &typed).await;
        assert_eq!(response.status(), StatusCode::OK, "{typed}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["tracking_code"], code.as_str(), "answered in canonical form");
    }

    // An unknown code is 404; a string that cannot be a code names the parameter.
    let unknown = if code == "2222-2222-2222-2222" { "3333-3333-3333-3333" } else { "2222-2222-2222-2222" };
    let (status, problem) = status_json(track(&app, unknown).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, problem) = status_json(track(&app, "OOOO-IIII-1111-0000").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("tracking_code", "invalid_tracking_code")]));

    // Once a regulator decides, the status moves and nothing more is shown.
    let regulator = app.regulator(ZHENGZHOU).await;
    decided(&app, &regulator.token, &row.id.to_string(), "accepted", Some("内部研判意见：线索具体")).await;
    let raw = track(&app, &code).await.bytes().await.expect("body");
    assert!(!contains(&raw, "内部研判意见"), "the decision note stays internal");
    let body: Value = serde_json::from_slice(&raw).expect("json");
    assert_eq!(body["status"], "accepted");
    let updated_at: chrono::DateTime<chrono::Utc> =
        body["updated_at"].as_str().expect("updated_at").parse().expect("instant");
    assert_eq!(updated_at, stored(&app, &code).status_changed_at);
    assert!(updated_at >= row.created_at);
}

/// A raw HTTP/1.1 request with a chunked body of `body` in 1 KiB chunks; returns the status code.
async fn post_chunked(app: &TestApp, body: &[u8]) -> u16 {
    let address = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST {FILE} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    for chunk in body.chunks(1024) {
        // The server may answer and close as soon as the limit is passed.
        if stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer);
    text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("no status line in {text:?}"))
}

#[tokio::test]
async fn a_complaint_body_is_limited_to_16_kib_however_it_is_sent() {
    let app = TestApp::spawn().await;
    agency(&app, 3, ZHENGZHOU).await;
    // Far below the platform-wide limit, but above this route's.
    let oversize = complaint(3, &"很".repeat(6_000));
    let bytes = serde_json::to_vec(&oversize).expect("json");
    assert!(bytes.len() > 16 * 1024 && bytes.len() < api::config::DEFAULT_MAX_BODY_BYTES);
    let (status, problem) = file(&app, &oversize).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(problem["code"], "payload_too_large");
    // Without a Content-Length the body is counted as it streams.
    assert_eq!(post_chunked(&app, &bytes).await, 413);
    assert_eq!(rows(&app, "complaints"), 0);

    // The largest valid complaint fits, by either framing.
    let largest = json!({
        "organization_credit_code": credit_code(3),
        "category": "improper_fees",
        "description": "很".repeat(2_000),
        "contact": "联".repeat(100),
    });
    let bytes = serde_json::to_vec(&largest).expect("json");
    assert!(bytes.len() < 16 * 1024);
    filed(&app, &largest).await;
    assert_eq!(post_chunked(&app, &bytes).await, 201);
    assert_eq!(rows(&app, "complaints"), 2);
    // Past the limit by one byte of padding is refused; the limit is exact.
    let mut padded = bytes.clone();
    padded.resize(16 * 1024, b' ');
    let response = app
        .http
        .post(app.url(FILE))
        .header("Content-Type", "application/json")
        .body(padded.clone())
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::CREATED);
    padded.push(b' ');
    let response = app
        .http
        .post(app.url(FILE))
        .header("Content-Type", "application/json")
        .body(padded)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(rows(&app, "complaints"), 3);
}

#[tokio::test]
async fn an_invalid_complaint_is_422_naming_each_field() {
    let app = TestApp::spawn().await;
    agency(&app, 4, ZHENGZHOU).await;
    let with = |field: &str, value: Value| {
        let mut body = complaint(4, "未到现场");
        body[field] = value;
        body
    };
    let mut wrong_check = credit_code(4);
    let last = if wrong_check.ends_with('0') { "1" } else { "0" };
    wrong_check.replace_range(17.., last);
    let cases = [
        (with("category", json!("bribery")), vec![("category", "invalid_complaint_category")]),
        (with("description", json!("")), vec![("description", "invalid_length")]),
        (with("description", json!("  \n ")), vec![("description", "required")]),
        (with("description", json!("很".repeat(2_001))), vec![("description", "invalid_length")]),
        (with("description", json!("a\u{0}b")), vec![("description", "invalid_text")]),
        (
            with("organization_credit_code", json!(credit_code(999))),
            vec![("organization_credit_code", "unknown_organization")],
        ),
        (
            with("organization_credit_code", json!(wrong_check)),
            vec![("organization_credit_code", "invalid_credit_code")],
        ),
        (with("contact", json!("1".repeat(101))), vec![("contact", "invalid_length")]),
        (with("contact", json!("a\nb")), vec![("contact", "invalid_text")]),
        (with("extra", json!(1)), vec![("extra", "unknown_field")]),
    ];
    for (body, expected) in cases {
        let (status, problem) = file(&app, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&expected), "{body}");
    }
    // Every bad field at once.
    let body = json!({"organization_credit_code": credit_code(998), "category": "", "description": ""});
    let (status, problem) = file(&app, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut found = field_errors(&problem);
    found.sort();
    assert_eq!(
        found,
        pairs(&[
            ("category", "invalid_complaint_category"),
            ("description", "invalid_length"),
            ("organization_credit_code", "unknown_organization"),
        ])
    );
    // Malformed JSON and a repeated member are refused before any of that.
    let response =
        app.http.post(app.url(FILE)).header("Content-Type", "application/json").body("{").send().await.expect("POST");
    assert_eq!(status_json(response).await.1["code"], "malformed_json");
    let response = app
        .http
        .post(app.url(FILE))
        .header("Content-Type", "application/json")
        .body(r#"{"category":"other","category":"false_report"}"#)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response =
        app.http.post(app.url(FILE)).header("Content-Type", "text/plain").body("{}").send().await.expect("POST");
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(rows(&app, "complaints"), 0);
    assert_eq!(rows(&app, "audit_log WHERE action = 'complaint.file'"), 0);
}

#[tokio::test]
async fn filing_and_tracking_share_the_public_rate_limit() {
    let app = TestApp::spawn_with(|s| s.rate_limit_per_minute = 3).await;
    // Registering the subject is an authenticated write, outside the public bucket.
    agency(&app, 5, ZHENGZHOU).await;
    // The harness's admin login took one of the three from this address.
    let code = tracking_of(&filed(&app, &complaint(5, "第一次")).await);
    assert_eq!(track(&app, &code).await.status(), StatusCode::OK);
    let response = app
        .http
        .post(app.url(FILE))
        .header("Accept-Language", "en")
        .json(&complaint(5, "第二次"))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers()["retry-after"].to_str().expect("ascii").parse::<u64>().expect("seconds") >= 1);
    assert_eq!(status_json(response).await.1["code"], "rate_limited");
    assert_eq!(track(&app, &code).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(rows(&app, "complaints"), 1);
    // Regulators' endpoints are authenticated and not in the public bucket.
    let (status, page) = get_json(&app, app.admin_token(), LIST).await;
    assert_eq!((status, ids(&page).len()), (StatusCode::OK, 1));
}

#[tokio::test]
async fn substantiating_records_one_credit_event_and_lowers_the_score() {
    let app = TestApp::spawn().await;
    let subject = agency(&app, 6, ZHENGZHOU).await;
    let org_id = Uuid::parse_str(&id_of(&subject)).expect("uuid");
    let regulator = app.regulator(ZHENGZHOU).await;
    let (code, id) = file_about(&app, 6, "只收费不服务").await;
    let before = api::credit::current(&mut app.db.connect(), org_id, today()).expect("score");
    assert_eq!(before.value, 80, "the base score with no events");

    // The detail shows everything, the contact included.
    let (status, detail) = get_json(&app, &regulator.token, &format!("{LIST}/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{detail}");
    assert_eq!(
        (detail["tracking_code"].as_str(), detail["contact"].as_str(), detail["description"].as_str()),
        (Some(code.as_str()), Some("13900001111"), Some("只收费不服务"))
    );
    assert_eq!(
        (detail["organization_id"].as_str(), detail["status"].as_str()),
        (Some(org_id.to_string().as_str()), Some("received"))
    );

    let accepted = decided(&app, &regulator.token, &id, "accepted", None).await;
    assert!(accepted["credit"].is_null());
    let row = stored(&app, &code);
    assert_eq!(
        (row.status, row.decided_by.as_deref(), row.credit_event_id),
        (ComplaintStatus::Accepted, Some(regulator.id.as_str()), None)
    );
    assert_eq!(rows(&app, "credit_events"), 0);

    let note = "经核查，收取评价费后未开展任何服务，情况属实";
    let substantiated = decided(&app, &regulator.token, &id, "substantiated", Some(note)).await;
    let credit = &substantiated["credit"];
    assert_eq!(credit["points"], -5, "{substantiated}");
    assert_eq!(credit["rule_version"], "complaint_substantiated@2017-11-08");
    assert_eq!((credit["score"].as_i64(), credit["grade"].as_str()), (Some(75), Some("b")));
    assert!(credit["blacklist_listing_id"].is_null(), "not a blacklist trigger");

    // Exactly one event, tied to the complaint, and the stored score moved with it.
    assert_eq!(rows(&app, &format!("credit_events WHERE organization_id = '{org_id}'")), 1);
    assert_eq!(
        rows(&app, &format!(
            "credit_events WHERE source_type = 'complaint' AND source_id = '{id}' AND event_type = 'complaint_substantiated'"
        )),
        1
    );
    let events = credit::events_of(&mut app.db.connect(), org_id).expect("events");
    let event = &events[0];
    // The evidence names the complaint, never the note or the tracking code: the organisation and
    // portals read it in the credit report.
    let evidence = format!("complaint {id} substantiated");
    assert_eq!((event.points, event.occurred_on, event.evidence.as_str()), (-5, today(), evidence.as_str()));
    assert_eq!(credit["credit_event_id"], event.id.to_string().as_str());
    let score = credit::score_of(&mut app.db.connect(), org_id).expect("score").expect("stored score");
    assert_eq!((score.score, score.events_sum), (75, -5));
    let row = stored(&app, &code);
    assert_eq!(
        (row.status, row.credit_event_id, row.decision_note.as_deref()),
        (ComplaintStatus::Substantiated, Some(event.id), Some(note))
    );
    assert_eq!(substantiated["complaint"]["credit_event_id"], event.id.to_string().as_str());

    let actions: Vec<String> = audit_trail(&app, &id).into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["complaint.file", "complaint.triage", "complaint.triage"]);
    assert_eq!(
        rows(&app, &format!("audit_log WHERE action = 'credit_event.record' AND resource_id = '{}'", event.id)),
        1
    );
    assert_eq!(track(&app, &code).await.json::<Value>().await.expect("json")["status"], "substantiated");

    // Without a note the evidence is the same: the tracking code never leaves the complainant.
    let (code, id) = file_about(&app, 6, "再次举报").await;
    decided(&app, &regulator.token, &id, "accepted", None).await;
    let answer = decided(&app, &regulator.token, &id, "substantiated", None).await;
    assert_eq!(answer["credit"]["score"], 70);
    let events = credit::events_of(&mut app.db.connect(), org_id).expect("events");
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| !e.evidence.contains(&code) && !e.evidence.contains(note)));
    assert!(events.iter().any(|e| e.evidence == format!("complaint {id} substantiated")));
}

#[tokio::test]
async fn closed_complaints_and_wrong_moves_are_409() {
    let app = TestApp::spawn().await;
    let subject = agency(&app, 7, ZHENGZHOU).await;
    let regulator = app.regulator(ZHENGZHOU).await;

    // Substantiated twice: the second is refused and records nothing.
    let (code, id) = file_about(&app, 7, "挂靠").await;
    // Straight from received to substantiated skips the investigation.
    let (status, problem) = triage(&app, &regulator.token, &id, &json!({"status": "substantiated"})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    decided(&app, &regulator.token, &id, "accepted", None).await;
    decided(&app, &regulator.token, &id, "substantiated", None).await;
    let (status, problem) = triage(&app, &regulator.token, &id, &json!({"status": "substantiated"})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")));
    assert_eq!(rows(&app, &format!("credit_events WHERE organization_id = '{}'", id_of(&subject))), 1);
    assert_eq!(stored(&app, &code).status, ComplaintStatus::Substantiated);

    // Rejected is final.
    let (code, id) = file_about(&app, 7, "不实举报").await;
    decided(&app, &regulator.token, &id, "rejected", Some("无具体线索")).await;
    for to in ["accepted", "substantiated", "rejected"] {
        let (status, problem) = triage(&app, &regulator.token, &id, &json!({"status": to})).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("invalid_transition")), "{to}");
    }
    let row = stored(&app, &code);
    assert_eq!((row.status, row.decision_note.as_deref()), (ComplaintStatus::Rejected, Some("无具体线索")));

    // `received` is no decision; unknown statuses and fields name the field.
    for (body, expected) in [
        (json!({"status": "received"}), vec![("status", "invalid_complaint_status")]),
        (json!({"status": "closed"}), vec![("status", "invalid_complaint_status")]),
        (json!({"status": "accepted", "note": ""}), vec![("note", "invalid_length")]),
        (json!({"status": "accepted", "reason": "x"}), vec![("reason", "unknown_field")]),
    ] {
        let (code, _) = file_about(&app, 7, "待处理").await;
        let id = stored(&app, &code).id.to_string();
        let (status, problem) = triage(&app, &regulator.token, &id, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&expected), "{body}");
        assert_eq!(stored(&app, &code).status, ComplaintStatus::Received);
    }

    // A retry under the same Idempotency-Key gets the first answer, not a 409, and no second event.
    let (_, id) = file_about(&app, 7, "重试").await;
    decided(&app, &regulator.token, &id, "accepted", None).await;
    let send = || {
        app.http
            .post(app.url(&format!("{LIST}/{id}/triage")))
            .bearer_auth(&regulator.token)
            .header("Idempotency-Key", "triage-1")
            .json(&json!({"status": "substantiated", "note": "属实"}))
            .send()
    };
    let (first_status, first) = status_json(send().await.expect("POST")).await;
    let replay = send().await.expect("POST");
    assert_eq!(replay.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    let (second_status, second) = status_json(replay).await;
    assert_eq!((first_status, second_status), (StatusCode::OK, StatusCode::OK));
    assert_eq!(first, second);
    assert_eq!(rows(&app, &format!("credit_events WHERE organization_id = '{}'", id_of(&subject))), 2);
    // The same key on another complaint is another request.
    let (_, other) = file_about(&app, 7, "另一件").await;
    let response = app
        .http
        .post(app.url(&format!("{LIST}/{other}/triage")))
        .bearer_auth(&regulator.token)
        .header("Idempotency-Key", "triage-1")
        .json(&json!({"status": "substantiated", "note": "属实"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(status_json(response).await.1["code"], "idempotency_conflict");
}

#[tokio::test]
async fn only_admins_and_the_subjects_regulators_see_or_decide() {
    let app = TestApp::spawn().await;
    let subject = agency(&app, 8, ZHENGZHOU).await;
    let (code, id) = file_about(&app, 8, "租借资质").await;
    let detail = format!("{LIST}/{id}");

    // Luoyang's regulator does not learn the complaint exists.
    let luoyang = app.regulator(LUOYANG).await;
    let (status, problem) = get_json(&app, &luoyang.token, &detail).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, _) = triage(&app, &luoyang.token, &id, &json!({"status": "accepted"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, page) = get_json(&app, &luoyang.token, LIST).await;
    assert_eq!((status, ids(&page)), (StatusCode::OK, Vec::<String>::new()));
    // Nor does an unknown id tell anything else.
    let (status, _) = get_json(&app, &luoyang.token, &format!("{LIST}/{}", Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Organisations, the subject itself included, and portals are refused outright.
    let own = app.client("agency", Some(&id_of(&subject)), None).await;
    let enterprise = app.enterprise(9, ZHENGZHOU).await;
    let enterprise = app.client("enterprise", Some(&id_of(&enterprise)), None).await;
    let portal = app.client("portal", None, None).await;
    for (who, token) in [("agency", &own.token), ("enterprise", &enterprise.token), ("portal", &portal.token)] {
        for path in [LIST, detail.as_str()] {
            let (status, problem) = get_json(&app, token, path).await;
            assert_eq!(
                (status, problem["code"].as_str()),
                (StatusCode::FORBIDDEN, Some("forbidden")),
                "{who} GET {path}"
            );
        }
        let (status, _) = triage(&app, token, &id, &json!({"status": "accepted"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who} triage");
    }
    // No token at all is 401 on the regulator endpoints.
    assert_eq!(app.http.get(app.url(LIST)).send().await.expect("GET").status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.http.get(app.url(&detail)).send().await.expect("GET").status(), StatusCode::UNAUTHORIZED);
    let response = app
        .http
        .post(app.url(&format!("{detail}/triage")))
        .json(&json!({"status": "accepted"}))
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let row = stored(&app, &code);
    assert_eq!((row.status, row.decided_by), (ComplaintStatus::Received, None));
    assert_eq!(rows(&app, "audit_log WHERE action = 'complaint.triage'"), 0);

    // The province and admins see it whole.
    let province = app.regulator("410000").await;
    for token in [province.token.as_str(), app.admin_token()] {
        let (status, body) = get_json(&app, token, &detail).await;
        assert_eq!((status, body["contact"].as_str()), (StatusCode::OK, Some("13900001111")));
    }
    let response = get(&app, app.admin_token(), &format!("{LIST}/not-a-uuid")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_list_filters_by_status_and_jurisdiction_and_paginates() {
    let app = TestApp::spawn().await;
    agency(&app, 10, ZHENGZHOU).await;
    agency(&app, 11, GONGYI).await;
    agency(&app, 12, LUOYANG).await;
    let mut zhengzhou = Vec::new();
    for n in 0..3 {
        zhengzhou.push(file_about(&app, 10, &format!("郑州第{n}件")).await.1);
    }
    let gongyi = file_about(&app, 11, "巩义").await.1;
    let mut luoyang = Vec::new();
    for n in 0..2 {
        luoyang.push(file_about(&app, 12, &format!("洛阳第{n}件")).await.1);
    }
    let regulator = app.regulator(ZHENGZHOU).await;
    decided(&app, &regulator.token, &zhengzhou[1], "accepted", None).await;
    decided(&app, &regulator.token, &zhengzhou[2], "rejected", None).await;

    // Zhengzhou sees its own three (not province-managed Gongyi), in filing order.
    let (status, page) = get_json(&app, &regulator.token, LIST).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(&page), zhengzhou);
    assert!(page["next_cursor"].is_null());
    assert_eq!(page["items"][0]["contact"], "13900001111");
    for (status, expected) in [
        ("received", vec![zhengzhou[0].clone()]),
        ("accepted", vec![zhengzhou[1].clone()]),
        ("rejected", vec![zhengzhou[2].clone()]),
        ("substantiated", vec![]),
    ] {
        let (code, page) = get_json(&app, &regulator.token, &format!("{LIST}?status={status}")).await;
        assert_eq!((code, ids(&page)), (StatusCode::OK, expected), "{status}");
    }
    let (_, page) = get_json(&app, &app.regulator(LUOYANG).await.token, LIST).await;
    assert_eq!(ids(&page), luoyang);
    let (_, page) = get_json(&app, &app.regulator(GONGYI).await.token, LIST).await;
    assert_eq!(ids(&page), std::slice::from_ref(&gongyi));

    // Admins and the province see everything, page by page, in id order.
    let mut all: Vec<String> = zhengzhou.iter().chain([&gongyi]).chain(&luoyang).cloned().collect();
    all.sort();
    let province = app.regulator("410000").await;
    for token in [app.admin_token(), province.token.as_str()] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &cursor {
                Some(c) => format!("{LIST}?limit=4&cursor={c}"),
                None => format!("{LIST}?limit=4"),
            };
            let (status, page) = get_json(&app, token, &path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert!(ids(&page).len() <= 4);
            seen.extend(ids(&page));
            pages += 1;
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!((seen.clone(), pages), (all.clone(), 2));
    }
    let (_, page) = get_json(&app, app.admin_token(), &format!("{LIST}?status=received&limit=2")).await;
    assert_eq!(ids(&page).len(), 2);
    assert!(page["next_cursor"].is_string());

    // Bad parameters.
    let (status, problem) = get_json(&app, &regulator.token, &format!("{LIST}?status=open")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("status", "invalid_complaint_status")]));
    let (status, problem) = get_json(&app, &regulator.token, &format!("{LIST}?limit=0")).await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("limit", "invalid_range")]))
    );
    let (status, problem) = get_json(&app, &regulator.token, &format!("{LIST}?cursor=garbage")).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_cursor")));
}

#[tokio::test]
async fn a_clashing_tracking_code_can_be_redrawn_inside_the_transaction() {
    // The filing handler draws again when a code is taken; on PostgreSQL that only works if the
    // clash does not abort the transaction it happens in.
    let app = TestApp::spawn().await;
    let subject = Uuid::parse_str(&id_of(&agency(&app, 13, ZHENGZHOU).await)).expect("uuid");
    let new = |code: &str| complaints::NewComplaint {
        tracking_code: code.to_owned(),
        organization_id: subject,
        category: ComplaintCategory::Other,
        description: "重复".to_owned(),
        contact: None,
    };
    let now = chrono::Utc::now();
    let mut conn = app.db.connect();
    let stored: Result<Uuid, persistence::StoreError> = conn.transaction(|conn| {
        let first = complaints::insert(conn, &new("2222-2222-2222-2222"), now)?;
        match complaints::insert(conn, &new("2222-2222-2222-2222"), now) {
            Err(persistence::StoreError::Duplicate(_)) => {}
            other => panic!("a taken code must be Duplicate, got {other:?}"),
        }
        let second = complaints::insert(conn, &new("3333-3333-3333-3333"), now)?;
        assert_ne!(first.id, second.id);
        Ok(second.id)
    });
    let second = stored.expect("the transaction commits after the clash");
    assert_eq!(rows(&app, "complaints"), 2);
    assert_eq!(
        complaints::find(&mut conn, second).expect("find").map(|c| c.tracking_code),
        Some("3333-3333-3333-3333".into())
    );
}
