//! Special-operation certificates (豫安委〔2017〕17号 五(二); 总局令第30号) over real HTTP, on the
//! backend TEST_DATABASE names: issue, review dates and the 6-year interval, the 2026-06-01
//! regime switch, failed reviews, revocation and its re-issue bar, the public check and its
//! signed attestation, and who may see or write what.
//!
//! "Today" is read from the clock: every date used here lies in the past.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use e2e::insurance::{count, field_errors, get, get_json, id_of, pairs, post, status_json};
use e2e::{credit_code, TestApp};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use persistence::{audit, certificates, people};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const CERTIFICATES: &str = "/api/v1/certificates";
const PUBLIC_CHECK: &str = "/api/v1/public/certificates";
const ATTESTATION: &str = "/api/v1/public/certificates/attestation";
const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// A valid resident identity number (GB 11643-1999) for `seed` < 1000, distinct per seed.
fn resident_id(seed: u32) -> String {
    let first17 = format!("4101021990{:02}{:02}{:03}", 1 + seed % 12, 1 + (seed / 12) % 28, seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// The certificate number of `seed`'s holder: `T` + the identity number.
fn number(seed: u32) -> String {
    format!("T{}", resident_id(seed))
}

/// The identity number as every public or third-party response shows it (CONVENTIONS.md:
/// `410***********1234`).
fn masked_id(seed: u32) -> String {
    let id = resident_id(seed);
    format!("{}{}{}", &id[..3], "*".repeat(11), &id[14..])
}

fn masked_number(seed: u32) -> String {
    format!("T{}", masked_id(seed))
}

/// A certificate body for `seed`'s holder, issued in Zhengzhou.
fn certificate(seed: u32, name: &str, category: &str, issued_on: &str) -> Value {
    json!({
        "holder": {"resident_id": resident_id(seed), "name": name},
        "number": number(seed),
        "category": category,
        "issuing_region": ZHENGZHOU,
        "issued_on": issued_on,
    })
}

async fn issue(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    status_json(post(app, token, CERTIFICATES, None, body).await).await
}

/// Issues and panics unless 201; returns the certificate's JSON.
async fn issued(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = issue(app, token, body).await;
    assert_eq!(status, StatusCode::CREATED, "issue failed: {created}");
    created
}

/// `POST /api/v1/certificates/{id}/{what}`.
async fn post_to(app: &TestApp, token: &str, id: &str, what: &str, body: &Value) -> (StatusCode, Value) {
    status_json(post(app, token, &format!("{CERTIFICATES}/{id}/{what}"), None, body).await).await
}

/// The standing on `on`; panics unless 200.
async fn standing(app: &TestApp, token: &str, id: &str, on: &str) -> Value {
    let (status, body) = get_json(app, token, &format!("{CERTIFICATES}/{id}/status?on={on}")).await;
    assert_eq!(status, StatusCode::OK, "status on {on}: {body}");
    assert_eq!(body["on"], on);
    body
}

fn review(applied_on: &str, outcome: &str, failures: &[&str]) -> Value {
    json!({"applied_on": applied_on, "outcome": outcome, "failures": failures})
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

fn stored(app: &TestApp, id: &str) -> certificates::Certificate {
    let mut conn = app.db.connect();
    certificates::find(&mut conn, Uuid::parse_str(id).expect("uuid")).expect("find").expect("stored certificate")
}

fn stored_reviews(app: &TestApp, id: &str) -> Vec<certificates::Review> {
    certificates::reviews_of(&mut app.db.connect(), Uuid::parse_str(id).expect("uuid")).expect("reviews")
}

/// Audit actions recorded about `resource_id`, oldest first.
fn audit_trail(app: &TestApp, resource_id: &str) -> Vec<audit::AuditEntry> {
    let filter = audit::AuditFilter { resource_id: Some(resource_id.to_owned()), ..Default::default() };
    let mut items = audit::list(&mut app.db.connect(), &filter, None, 100).expect("audit").items;
    items.reverse();
    items
}

fn actions(trail: &[audit::AuditEntry]) -> Vec<&str> {
    trail.iter().map(|e| e.action.as_str()).collect()
}

/// The message of the error entry naming `field`.
fn message_of<'a>(problem: &'a Value, field: &str) -> &'a str {
    problem["errors"]
        .as_array()
        .and_then(|errors| errors.iter().find(|e| e["field"] == field))
        .and_then(|e| e["message"].as_str())
        .unwrap_or_else(|| panic!("no error on {field}: {problem}"))
}

fn sorted(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    pairs.sort();
    pairs
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|window| window == needle.as_bytes())
}

/// An anonymous GET of a public check endpoint.
async fn public_get(app: &TestApp, path: &str, number: &str, name: &str) -> reqwest::Response {
    app.http.get(app.url(path)).query(&[("number", number), ("name", name)]).send().await.expect("public GET")
}

/// A training institution in `region` and an agency client acting for it.
async fn training_institution(app: &TestApp, seed: u32, region: &str) -> (String, String) {
    let org = app
        .organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南特种作业培训中心{seed}"),
            "kind": "training_institution",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "周敏",
            "service_types": ["training"],
        }))
        .await;
    let id = id_of(&org);
    let client = app.client("agency", Some(&id), None).await;
    (id, client.token)
}

/// An enterprise in Zhengzhou and an enterprise client acting for it.
async fn enterprise_client(app: &TestApp, seed: u32) -> (String, String) {
    let id = id_of(&app.enterprise(seed, ZHENGZHOU).await);
    let client = app.client("enterprise", Some(&id), None).await;
    (id, client.token)
}

#[tokio::test]
async fn a_city_regulator_issues_a_certificate_and_every_bad_issue_is_refused() {
    let app = TestApp::spawn().await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;

    let response =
        post(&app, &zhengzhou.token, CERTIFICATES, None, &certificate(1, "王强", "electrical", "2024-03-15")).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let (_, created) = status_json(response).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("{CERTIFICATES}/{id}"));
    assert_eq!(created["number"], number(1));
    assert_eq!(created["holder"]["resident_id"], resident_id(1));
    assert_eq!(created["holder"]["name"], "王强");
    assert_eq!(created["category"], "electrical");
    assert_eq!(created["issuing_region"], ZHENGZHOU);
    assert_eq!(created["issued_on"], "2024-03-15");
    assert_eq!(created["issued_by"], Value::Null);
    // Six years, the last day being the day before the anniversary.
    assert_eq!(created["valid_until"], "2030-03-14");
    assert_eq!(created["status"], "valid");
    assert_eq!(created["revoked_on"], Value::Null);
    assert_eq!(created["obtained_by_fraud"], false);
    assert_eq!(created["reissue_barred_until"], Value::Null);
    let (status, fetched) = get_json(&app, &zhengzhou.token, &location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    let row = stored(&app, &id);
    assert_eq!(row.number.as_str(), number(1));
    assert_eq!(row.person_id.to_string(), created["holder"]["id"].as_str().expect("holder id"));
    assert_eq!(row.category.as_str(), "electrical");
    assert_eq!(row.issuing_region.as_str(), ZHENGZHOU);
    assert_eq!(row.issued_on.to_string(), "2024-03-15");
    assert_eq!((row.issued_by, row.revoked_on), (None, None));
    let trail = audit_trail(&app, &id);
    assert_eq!(actions(&trail), ["certificate.issue"]);
    assert_eq!(trail[0].actor, zhengzhou.id);
    assert_eq!(trail[0].resource_type, "certificate");
    assert_eq!(trail[0].resource_region.as_deref(), Some(ZHENGZHOU));

    // A Luoyang regulator may not issue in Zhengzhou.
    let (status, problem) = issue(&app, &luoyang.token, &certificate(2, "赵敏", "electrical", "2024-03-15")).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "outside_jurisdiction");

    // The number must be T + the holder's identity number.
    let mut mismatch = certificate(3, "孙丽", "electrical", "2024-03-15");
    mismatch["number"] = json!(number(4));
    let (status, problem) = issue(&app, &zhengzhou.token, &mismatch).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(field_errors(&problem), pairs(&[("number", "number_holder_mismatch")]));

    // A wrong check character is named on the holder's identity number.
    let good = resident_id(5);
    let wrong = if good.ends_with('0') { '1' } else { '0' };
    let bad = format!("{}{wrong}", &good[..17]);
    let mut bad_check = certificate(5, "钱进", "electrical", "2024-03-15");
    bad_check["holder"]["resident_id"] = json!(bad);
    bad_check["number"] = json!(format!("T{bad}"));
    let (status, problem) = issue(&app, &zhengzhou.token, &bad_check).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        sorted(field_errors(&problem)),
        pairs(&[("holder.resident_id", "invalid_resident_id"), ("number", "invalid_certificate_number")])
    );

    // The same number in the same category again.
    let (status, problem) = issue(&app, &zhengzhou.token, &certificate(1, "王强", "electrical", "2025-01-02")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "certificate_exists");

    // A known holder under another name.
    let (status, problem) =
        issue(&app, &zhengzhou.token, &certificate(1, "王小强", "welding_cutting", "2024-03-15")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("holder.name", "name_mismatch")]));

    // An issue date before the certificate rules were in force (2010-07-01), or in the future.
    for (issued_on, code) in [("2010-06-30", "rule_not_in_force"), ("2099-01-01", "out_of_range")] {
        let (status, problem) = issue(&app, &zhengzhou.token, &certificate(6, "吴刚", "electrical", issued_on)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{issued_on}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&[("issued_on", code)]), "{issued_on}");
    }

    // Nothing of the refused issues was stored, nor audited.
    assert_eq!(rows(&app, "certificates"), 1);
    assert_eq!(rows(&app, "persons"), 1);
    assert_eq!(rows(&app, "audit_log WHERE action = 'certificate.issue'"), 1);
    let person = people::find(&mut app.db.connect(), row.person_id).expect("find").expect("person");
    assert_eq!(person.name, "王强");
}

#[tokio::test]
async fn a_training_institution_issues_only_to_candidates_who_passed_its_exam() {
    let app = TestApp::spawn().await;
    let (institution_id, institution) = training_institution(&app, 10, ZHENGZHOU).await;

    let exams = json!({"items": [
        {"candidate": {"resident_id": resident_id(11), "name": "王芳"}, "category": "electrical",
         "exam_on": "2026-03-18", "theory_score": 85, "practical_score": 90},
        {"candidate": {"resident_id": resident_id(12), "name": "赵刚"}, "category": "electrical",
         "exam_on": "2026-03-18", "theory_score": 60, "practical_score": null},
    ]});
    let (status, receipt) =
        status_json(post(&app, &institution, "/api/v1/training/exam-results", Some("exams-2026-03-18"), &exams).await)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    assert_eq!((receipt["recorded"].as_u64(), receipt["passed"].as_u64()), (Some(2), Some(1)), "{receipt}");

    // The candidate who passed gets the certificate, recorded as the institution's.
    let created = issued(&app, &institution, &certificate(11, "王芳", "electrical", "2026-04-01")).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(created["issued_by"], institution_id.as_str());
    // The answer to the write shows no more than the institution's GET does.
    assert_eq!(created["number"], masked_number(11));
    assert_eq!(created["holder"]["resident_id"], masked_id(11));
    assert_eq!(created["valid_until"], "2032-03-31");
    assert_eq!(stored(&app, &id).issued_by.map(|u| u.to_string()), Some(institution_id.clone()));
    let trail = audit_trail(&app, &id);
    assert_eq!(actions(&trail), ["certificate.issue"]);
    assert_eq!(trail[0].role, "agency");

    // The institution sees what it recorded, with the personal data masked.
    let (status, seen) = get_json(&app, &institution, &format!("{CERTIFICATES}/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["number"], masked_number(11));
    assert_eq!(seen["holder"]["resident_id"], masked_id(11));

    // An exam after the issue date does not count: the certificate cannot predate it.
    let predated = certificate(11, "王芳", "electrical", "2026-03-17");
    let (status, problem) = status_json(post(&app, &institution, CERTIFICATES, None, &predated).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("holder.resident_id", "not_a_passed_candidate")]), "{problem}");

    // Failed the exam, never examined, or passed in another category: refused.
    for (body, what) in [
        (certificate(12, "赵刚", "electrical", "2026-04-01"), "failed"),
        (certificate(13, "李雷", "electrical", "2026-04-01"), "never examined"),
        (certificate(11, "王芳", "welding_cutting", "2026-04-01"), "other category"),
    ] {
        let (status, problem) = issue(&app, &institution, &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&[("holder.resident_id", "not_a_passed_candidate")]), "{what}");
    }
    // The institution's certificates are issued by the authority covering it.
    let mut elsewhere = certificate(11, "王芳", "refrigeration_ac", "2026-04-01");
    elsewhere["issuing_region"] = json!(LUOYANG);
    let (status, problem) = issue(&app, &institution, &elsewhere).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("issuing_region", "not_institution_region")]));

    // A technical service agency and an enterprise are agencies of no exam.
    let agency = app
        .organization(json!({
            "credit_code": credit_code(20),
            "name": "河南安评技术服务有限公司",
            "kind": "technical_service_agency",
            "region_code": ZHENGZHOU,
            "contact_phone": "13812345678",
            "legal_representative": "王建国",
            "service_types": ["safety_assessment"],
        }))
        .await;
    let agency = app.client("agency", Some(&id_of(&agency)), None).await;
    let (_, enterprise_token) = enterprise_client(&app, 21).await;
    for token in [&agency.token, &enterprise_token] {
        let (status, problem) = issue(&app, token, &certificate(11, "王芳", "oil_gas", "2026-04-01")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert_eq!(problem["code"], "forbidden");
    }

    assert_eq!(rows(&app, "certificates"), 1);
    // The never-examined holder was not left behind by the refused issue.
    let unknown = domain::resident_id::ResidentId::parse(&resident_id(13)).expect("id");
    assert!(people::find_by_resident_id(&mut app.db.connect(), &unknown).expect("query").is_none());
}

#[tokio::test]
async fn a_leap_day_certificate_is_reviewed_in_the_sixty_days_up_to_its_clamped_due_date() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let created = issued(&app, &regulator.token, &certificate(30, "陈静", "working_at_height", "2020-02-29")).await;
    let id = created["id"].as_str().expect("id").to_owned();

    // 2020-02-29 + 3 years = 2023-02-28; the window opens 60 days before.
    let before = standing(&app, &regulator.token, &id, "2022-12-29").await;
    assert_eq!(before["status"], "valid");
    assert_eq!(before["valid_until"], "2026-02-27");
    assert_eq!(before["next_review_due"], "2023-02-28");
    assert_eq!(before["review_window_opens"], "2022-12-30");
    assert_eq!(before["clause"], domain::certificates::CLAUSE);
    for on in ["2022-12-30", "2023-02-28"] {
        let open = standing(&app, &regulator.token, &id, on).await;
        assert_eq!(open["status"], "review_window_open", "{on}: {open}");
        assert_eq!(open["next_review_due"], "2023-02-28", "{on}");
    }
    let overdue = standing(&app, &regulator.token, &id, "2023-03-01").await;
    assert_eq!(overdue["status"], "review_overdue");
    assert_eq!(overdue["next_review_due"], "2023-02-28");

    // One day before the window, and the day after the due date: refused, naming the window.
    for applied_on in ["2022-12-29", "2023-03-01"] {
        let (status, problem) =
            post_to(&app, &regulator.token, &id, "reviews", &review(applied_on, "passed", &[])).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{applied_on}: {problem}");
        assert_eq!(problem["code"], "outside_review_window");
        assert_eq!(field_errors(&problem), pairs(&[("applied_on", "outside_review_window")]));
        let message = message_of(&problem, "applied_on");
        assert!(message.contains("2022-12-30") && message.contains("2023-02-28"), "{message}");
    }
    assert!(stored_reviews(&app, &id).is_empty());

    // On the window's first day: accepted.
    let response = post(
        &app,
        &regulator.token,
        &format!("{CERTIFICATES}/{id}/reviews"),
        None,
        &review("2022-12-30", "passed", &[]),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], format!("{CERTIFICATES}/{id}/status").as_str());
    let (_, passed) = status_json(response).await;
    assert_eq!(passed["certificate_id"], id.as_str());
    assert_eq!(passed["applied_on"], "2022-12-30");
    assert_eq!(passed["due_on"], "2023-02-28");
    assert_eq!(passed["passed"], true);
    assert_eq!(passed["failures"], json!([]));
    assert_eq!((passed["second_failure"].as_bool(), passed["re_review_allowed"].as_bool()), (Some(false), Some(false)));
    assert_eq!(passed["status"], "valid");
    let reviews = stored_reviews(&app, &id);
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].id.to_string(), passed["id"].as_str().expect("review id"));
    assert_eq!(
        (reviews[0].applied_on.to_string(), reviews[0].due_on.to_string()),
        ("2022-12-30".into(), "2023-02-28".into())
    );
    assert!(reviews[0].passed && reviews[0].failures.is_empty());
    assert_eq!(actions(&audit_trail(&app, &id)), ["certificate.issue", "certificate.review"]);

    // Reviewed: the next review falls due on the sixth anniversary.
    let after = standing(&app, &regulator.token, &id, "2023-03-01").await;
    assert_eq!(after["status"], "valid");
    assert_eq!(after["next_review_due"], "2026-02-28");
    assert_eq!(after["review_window_opens"], "2025-12-30");
}

#[tokio::test]
async fn ten_continuous_years_without_violations_extend_the_review_interval_to_six_years() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let mut ids = Vec::new();
    for (seed, name) in [(40, "张磊"), (41, "李娜"), (42, "刘洋")] {
        let created = issued(&app, &regulator.token, &certificate(seed, name, "welding_cutting", "2019-03-01")).await;
        ids.push(created["id"].as_str().expect("id").to_owned());
    }
    let work = |from: &str, to: Option<&str>| json!({"from": from, "to": to});

    // Ten years exactly on the first due date (2022-03-01), in two touching periods.
    let (status, _) =
        post_to(&app, &regulator.token, &ids[0], "work-periods", &work("2012-03-01", Some("2016-12-31"))).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, history) = post_to(&app, &regulator.token, &ids[0], "work-periods", &work("2017-01-01", None)).await;
    assert_eq!(status, StatusCode::CREATED, "{history}");
    assert_eq!(
        history,
        json!({
            "certificate_id": ids[0],
            "work_periods": [{"from": "2012-03-01", "to": "2016-12-31"}, {"from": "2017-01-01", "to": null}],
            "violations": [],
        })
    );
    let granted = standing(&app, &regulator.token, &ids[0], "2022-03-02").await;
    assert_eq!(
        granted["extended_interval"],
        json!({"applies": true, "reason": "10 continuous years in the category and no violations"})
    );
    assert_eq!(granted["status"], "valid");
    // The review moves to the sixth anniversary, the day after the validity's last day.
    assert_eq!(granted["next_review_due"], "2025-03-01");
    assert_eq!(granted["review_window_opens"], "2024-12-31");
    assert_eq!(granted["valid_until"], "2025-02-28");
    let versions = granted["rule_versions"].as_array().expect("rule_versions");
    for version in [
        "certificate_extended_review_interval_years@2017-11-08",
        "certificate_extension_min_continuous_years@2010-07-01",
    ] {
        assert!(versions.iter().any(|v| v == version), "{version} not in {versions:?}");
    }

    // One day short of ten years.
    let (status, _) = post_to(&app, &regulator.token, &ids[1], "work-periods", &work("2012-03-02", None)).await;
    assert_eq!(status, StatusCode::CREATED);
    let short = standing(&app, &regulator.token, &ids[1], "2022-03-02").await;
    assert_eq!(short["extended_interval"], json!({"applies": false, "reason": "only 9 years 364 days continuous"}));
    assert_eq!(short["status"], "review_overdue");
    assert_eq!(short["next_review_due"], "2022-03-01");

    // Ten years, but one violation within the validity.
    let (status, _) = post_to(&app, &regulator.token, &ids[2], "work-periods", &work("2012-03-01", None)).await;
    assert_eq!(status, StatusCode::CREATED);
    let violation = json!({"occurred_on": "2020-05-01", "serious": false, "administrative_penalty": false});
    let (status, history) = post_to(&app, &regulator.token, &ids[2], "violations", &violation).await;
    assert_eq!(status, StatusCode::CREATED, "{history}");
    assert_eq!(
        history["violations"],
        json!([{"occurred_on": "2020-05-01", "serious": false, "administrative_penalty": false}])
    );
    let refused = standing(&app, &regulator.token, &ids[2], "2022-03-02").await;
    assert_eq!(
        refused["extended_interval"],
        json!({"applies": false, "reason": "1 violation recorded within the validity"})
    );
    assert_eq!(refused["next_review_due"], "2022-03-01");
    assert_eq!(standing(&app, &regulator.token, &ids[2], "2022-01-15").await["status"], "review_window_open");

    assert_eq!(rows(&app, "certificate_work_periods"), 4);
    assert_eq!(rows(&app, &format!("certificate_work_periods WHERE certificate_id = '{}'", ids[0])), 2);
    assert_eq!(rows(&app, &format!("certificate_violations WHERE certificate_id = '{}'", ids[2])), 1);
    assert_eq!(
        actions(&audit_trail(&app, &ids[2])),
        ["certificate.issue", "certificate.work_period", "certificate.violation"]
    );
}

#[tokio::test]
async fn reviews_due_from_2026_06_01_give_way_to_renewal() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let last = issued(&app, &regulator.token, &certificate(50, "周杰", "electrical", "2023-05-31")).await;
    let first = issued(&app, &regulator.token, &certificate(51, "吴敏", "electrical", "2023-06-01")).await;
    let (last, first) = (last["id"].as_str().expect("id").to_owned(), first["id"].as_str().expect("id").to_owned());

    // Due 2026-05-31: the last periodic review.
    let periodic = standing(&app, &regulator.token, &last, "2026-04-15").await;
    assert_eq!(periodic["status"], "review_window_open");
    assert_eq!(periodic["next_review_due"], "2026-05-31");
    assert_eq!(periodic["review_window_opens"], "2026-04-01");
    let versions = periodic["rule_versions"].as_array().expect("rule_versions");
    for version in [
        "certificate_review_regime@2010-07-01",
        "certificate_review_interval_years@2010-07-01",
        "certificate_review_window_days@2010-07-01",
    ] {
        assert!(versions.iter().any(|v| v == version), "{version} not in {versions:?}");
    }

    // Due 2026-06-01: no periodic review; the renewal window ends the validity.
    let renewal = standing(&app, &regulator.token, &first, "2026-04-15").await;
    assert_eq!(renewal["status"], "valid");
    assert_eq!(renewal["next_review_due"], Value::Null);
    assert_eq!(renewal["valid_until"], "2029-05-31");
    assert_eq!(renewal["review_window_opens"], "2029-04-02");
    assert_eq!(
        renewal["extended_interval"],
        json!({"applies": false, "reason": "no periodic review under the renewal regime"})
    );
    let versions = renewal["rule_versions"].as_array().expect("rule_versions");
    assert!(versions.iter().any(|v| v == "certificate_review_regime@2026-06-01"), "{versions:?}");

    // A review application is accepted for the first, not for the second.
    let (status, accepted) =
        post_to(&app, &regulator.token, &last, "reviews", &review("2026-04-15", "passed", &[])).await;
    assert_eq!(status, StatusCode::CREATED, "{accepted}");
    assert_eq!(accepted["due_on"], "2026-05-31");
    let (status, problem) =
        post_to(&app, &regulator.token, &first, "reviews", &review("2026-04-15", "passed", &[])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "outside_review_window");
    let message = message_of(&problem, "applied_on");
    assert!(message.contains("2029-04-02") && message.contains("2029-06-01"), "{message}");
    assert_eq!((stored_reviews(&app, &last).len(), stored_reviews(&app, &first).len()), (1, 0));
}

#[tokio::test]
async fn each_ground_fails_a_review_once_and_a_second_failure_invalidates_the_certificate() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let grounds = [
        "failed_health_check",
        "serious_violation_or_repeated",
        "administrative_penalty",
        "refused_inspection",
        "training_or_exam_failed",
    ];
    for (seed, ground) in (60..).zip(grounds) {
        // Issued 2020-01-01: review due 2023-01-01, window from 2022-11-02.
        let created = issued(&app, &regulator.token, &certificate(seed, "郑华", "coal_mine", "2020-01-01")).await;
        let id = created["id"].as_str().expect("id").to_owned();

        let (status, first) =
            post_to(&app, &regulator.token, &id, "reviews", &review("2022-11-10", "failed", &[ground])).await;
        assert_eq!(status, StatusCode::CREATED, "{ground}: {first}");
        assert_eq!(first["passed"], false, "{ground}");
        assert_eq!(first["failures"], json!([ground]));
        assert_eq!(first["due_on"], "2023-01-01");
        assert_eq!(
            (first["second_failure"].as_bool(), first["re_review_allowed"].as_bool()),
            (Some(false), Some(true))
        );
        assert_eq!(first["status"], "review_window_open", "{ground}");

        let (status, second) =
            post_to(&app, &regulator.token, &id, "reviews", &review("2022-12-01", "failed", &[ground])).await;
        assert_eq!(status, StatusCode::CREATED, "{ground}: {second}");
        assert_eq!(second["failures"], json!([ground]));
        assert_eq!(
            (second["second_failure"].as_bool(), second["re_review_allowed"].as_bool()),
            (Some(true), Some(false))
        );
        assert_eq!(second["status"], "invalid", "{ground}");
        assert_eq!(standing(&app, &regulator.token, &id, "2022-12-02").await["status"], "invalid");

        // Invalid: no further review.
        let (status, problem) =
            post_to(&app, &regulator.token, &id, "reviews", &review("2022-12-15", "passed", &[])).await;
        assert_eq!(status, StatusCode::CONFLICT, "{ground}: {problem}");
        assert_eq!(problem["code"], "certificate_not_reviewable");

        let reviews = stored_reviews(&app, &id);
        assert_eq!(reviews.len(), 2, "{ground}");
        for stored in &reviews {
            assert!(!stored.passed);
            assert_eq!(stored.due_on.to_string(), "2023-01-01");
            let names: Vec<&str> = stored.failures.iter().map(|f| f.as_str()).collect();
            assert_eq!(names, [ground]);
        }
    }
    assert_eq!(rows(&app, "certificate_reviews"), 10);
}

#[tokio::test]
async fn a_review_outcome_must_agree_with_the_recorded_violations_and_name_its_grounds() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let created = issued(&app, &regulator.token, &certificate(70, "冯涛", "hazardous_chemicals", "2020-01-01")).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let serious = json!({"occurred_on": "2021-06-01", "serious": true, "administrative_penalty": false});
    let (status, _) = post_to(&app, &regulator.token, &id, "violations", &serious).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, problem) = post_to(&app, &regulator.token, &id, "reviews", &review("2022-11-10", "passed", &[])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("outcome", "review_contradicts_violations")]));
    assert!(message_of(&problem, "outcome").contains("serious_violation_or_repeated"), "{problem}");

    for (body, expected) in [
        (review("2022-11-10", "failed", &[]), ("failures", "failure_without_ground")),
        (json!({"applied_on": "2022-11-10", "outcome": "failed"}), ("failures", "failure_without_ground")),
        (review("2022-11-10", "passed", &["refused_inspection"]), ("failures", "failures_on_pass")),
        (review("2022-11-10", "failed", &["late_for_work"]), ("failures[0]", "invalid_review_failure")),
        (review("2022-11-10", "deferred", &[]), ("outcome", "invalid_outcome")),
    ] {
        let (status, problem) = post_to(&app, &regulator.token, &id, "reviews", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert!(field_errors(&problem).contains(&(expected.0.to_owned(), expected.1.to_owned())), "{body}: {problem}");
    }
    assert!(stored_reviews(&app, &id).is_empty());

    // A failure on another ground carries the violation's ground too.
    let (status, failed) =
        post_to(&app, &regulator.token, &id, "reviews", &review("2022-11-10", "failed", &["failed_health_check"]))
            .await;
    assert_eq!(status, StatusCode::CREATED, "{failed}");
    assert_eq!(failed["failures"], json!(["failed_health_check", "serious_violation_or_repeated"]));
    let reviews = stored_reviews(&app, &id);
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].failures.len(), 2);
}

#[tokio::test]
async fn revocation_for_fraud_bars_a_new_certificate_for_three_years() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let created = issued(&app, &regulator.token, &certificate(80, "刘洋", "electrical", "2020-01-10")).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let fraud = json!({"revoked_on": "2022-06-15", "reason": "以欺骗手段取得", "obtained_by_fraud": true});

    let (status, problem) = post_to(&app, &luoyang.token, &id, "revocation", &fraud).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    assert_eq!(problem["code"], "outside_jurisdiction");
    let early = json!({"revoked_on": "2020-01-09", "reason": "以欺骗手段取得", "obtained_by_fraud": true});
    let (status, problem) = post_to(&app, &regulator.token, &id, "revocation", &early).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("revoked_on", "out_of_range")]));
    assert_eq!(stored(&app, &id).revoked_on, None);

    let (status, revoked) = post_to(&app, &regulator.token, &id, "revocation", &fraud).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    assert_eq!(revoked["revoked_on"], "2022-06-15");
    assert_eq!(revoked["revocation_reason"], "以欺骗手段取得");
    assert_eq!(revoked["obtained_by_fraud"], true);
    assert_eq!(revoked["reissue_barred_until"], "2025-06-15");
    let row = stored(&app, &id);
    assert_eq!(row.revoked_on.map(|d| d.to_string()).as_deref(), Some("2022-06-15"));
    assert_eq!(row.revocation_reason.as_deref(), Some("以欺骗手段取得"));
    assert!(row.obtained_by_fraud);
    assert_eq!(actions(&audit_trail(&app, &id)), ["certificate.issue", "certificate.revoke"]);

    // Once only; the first revocation stands.
    let again = json!({"reason": "重复吊销", "obtained_by_fraud": false});
    let (status, problem) = post_to(&app, &regulator.token, &id, "revocation", &again).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "already_revoked");
    let row = stored(&app, &id);
    assert_eq!(row.revocation_reason.as_deref(), Some("以欺骗手段取得"));
    assert!(row.obtained_by_fraud);

    // Within the bar (from the revocation date to the day before its end): refused.
    for issued_on in ["2022-06-15", "2025-06-14"] {
        let (status, problem) =
            issue(&app, &regulator.token, &certificate(80, "刘洋", "welding_cutting", issued_on)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{issued_on}: {problem}");
        assert_eq!(problem["code"], "reissue_barred");
        assert_eq!(field_errors(&problem), pairs(&[("holder.resident_id", "reissue_barred")]));
        assert!(message_of(&problem, "holder.resident_id").contains("2025-06-15"), "{problem}");
    }
    assert_eq!(rows(&app, "certificates"), 1);

    // On the bar's end date: issued. The revoked number may be issued again in its category.
    let other = issued(&app, &regulator.token, &certificate(80, "刘洋", "welding_cutting", "2025-06-15")).await;
    assert_eq!(other["status"], "valid");
    let again = issued(&app, &regulator.token, &certificate(80, "刘洋", "electrical", "2025-07-01")).await;
    assert_eq!(again["number"], number(80));
    assert_ne!(again["id"], created["id"]);
    // ...but only one current certificate per number and category.
    let (status, problem) = issue(&app, &regulator.token, &certificate(80, "刘洋", "electrical", "2025-08-01")).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "certificate_exists");
    assert_eq!(rows(&app, &format!("certificates WHERE number = '{}'", number(80))), 3);
    assert_eq!(rows(&app, &format!("certificates WHERE number = '{}' AND revoked_on IS NULL", number(80))), 2);

    // A revocation without fraud bars nothing.
    let other_id = other["id"].as_str().expect("id");
    let plain = json!({"revoked_on": "2026-01-10", "reason": "违章作业", "obtained_by_fraud": false});
    let (status, revoked) = post_to(&app, &regulator.token, other_id, "revocation", &plain).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(revoked["reissue_barred_until"], Value::Null);
    issued(&app, &regulator.token, &certificate(80, "刘洋", "working_at_height", "2026-01-11")).await;
}

#[tokio::test]
async fn the_public_check_needs_number_and_name_and_shows_no_identity_number() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let mut body = certificate(90, "张伟", "electrical", "2024-03-15");
    body["holder"]["phone"] = json!("13912345678");
    let created = issued(&app, &regulator.token, &body).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let full_id = resident_id(90);

    // Anonymous, number and name together.
    let response = public_get(&app, PUBLIC_CHECK, &number(90), "张伟").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let bytes = response.bytes().await.expect("body");
    assert!(!contains(&bytes, &full_id) && !contains(&bytes, "13912345678"));
    let checked: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(
        checked,
        json!({"items": [{
            "number": masked_number(90),
            "holder": "张*",
            "category": "electrical",
            "category_name": "电工作业",
            "issuing_region": ZHENGZHOU,
            "issued_on": "2024-03-15",
            "valid_until": "2030-03-14",
            "status": "valid",
        }]})
    );
    assert!(checked["items"][0]["number"].as_str().expect("number").starts_with("T410***********"));

    // A wrong name and an unknown number are the same 404: no hint which was wrong.
    let (status, wrong_name) = status_json(public_get(&app, PUBLIC_CHECK, &number(90), "张三").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, wrong_number) = status_json(public_get(&app, PUBLIC_CHECK, &number(91), "张伟").await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for field in ["type", "title", "status", "detail", "code", "errors"] {
        assert_eq!(wrong_name.get(field), wrong_number.get(field), "{field}: {wrong_name} vs {wrong_number}");
    }
    assert_eq!(wrong_name["code"], "not_found");
    let (status, problem) = status_json(public_get(&app, PUBLIC_CHECK, "T410102", "张伟").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("number", "invalid_certificate_number")]));

    // Nor does the attestation, as JSON or in its signed payload.
    let response = public_get(&app, ATTESTATION, &number(90), "张伟").await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("body");
    assert!(!contains(&bytes, &full_id));
    let attestation: Value = serde_json::from_slice(&bytes).expect("json");
    let token = attestation["token"].as_str().expect("token");
    let payload = URL_SAFE_NO_PAD.decode(token.split('.').nth(1).expect("payload")).expect("base64url");
    assert!(!contains(&payload, &full_id) && !contains(&payload, "13912345678"));
    assert!(contains(&payload, &masked_number(90)));

    // A portal sees the certificate masked.
    let portal = app.client("portal", None, None).await;
    let response = get(&app, &portal.token, &format!("{CERTIFICATES}/{id}")).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("body");
    assert!(!contains(&bytes, &full_id) && !contains(&bytes, "13912345678"));
    let seen: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(seen["number"], masked_number(90));
    assert_eq!(seen["holder"]["resident_id"], masked_id(90));
    assert_eq!(seen["holder"]["phone"], "139****5678");

    // The holder's current employer sees it whole; another enterprise or a former employer nothing.
    let (employer, employer_token) = enterprise_client(&app, 92).await;
    let (former, former_token) = enterprise_client(&app, 93).await;
    let (_, stranger_token) = enterprise_client(&app, 94).await;
    for (org, from, to) in [(&employer, "2024-01-01", None), (&former, "2020-01-01", Some("2025-12-31"))] {
        let employment = json!({
            "person": {"resident_id": full_id, "name": "张伟"},
            "position": "电工",
            "safety_head": false,
            "from": from,
            "to": to,
        });
        let path = format!("/api/v1/organizations/{org}/employments");
        let (status, recorded) = status_json(post(&app, app.admin_token(), &path, None, &employment).await).await;
        assert_eq!(status, StatusCode::CREATED, "{recorded}");
    }
    assert_eq!(rows(&app, "employments"), 2);
    let (status, whole) = get_json(&app, &employer_token, &format!("{CERTIFICATES}/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{whole}");
    assert_eq!(whole["number"], number(90));
    assert_eq!(whole["holder"]["resident_id"], full_id.as_str());
    assert_eq!(whole["holder"]["phone"], "13912345678");
    for token in [&former_token, &stranger_token] {
        let (status, problem) = get_json(&app, token, &format!("{CERTIFICATES}/{id}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
        assert_eq!(problem["code"], "not_found");
    }
}

#[tokio::test]
async fn an_attestation_is_a_signed_statement_that_verifies_with_the_published_key() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let created = issued(&app, &regulator.token, &certificate(100, "张伟", "fireworks", "2024-03-15")).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, jwks) = status_json(app.http.get(app.url("/api/v1/auth/jwks.json")).send().await.expect("jwks")).await;
    assert_eq!(status, StatusCode::OK);

    let verify = |token: &str, audience: &str| {
        let header = decode_header(token).expect("header");
        assert_eq!(header.alg, Algorithm::EdDSA);
        let kid = header.kid.expect("kid");
        let jwk = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .unwrap_or_else(|| panic!("kid {kid} not in {jwks}"));
        let key = DecodingKey::from_ed_components(jwk["x"].as_str().expect("x")).expect("key");
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[app.settings.jwt_issuer.as_str()]);
        decode::<Value>(token, &key, &validation).map(|data| data.claims)
    };

    let (status, attestation) = status_json(public_get(&app, ATTESTATION, &number(100), "张伟").await).await;
    assert_eq!(status, StatusCode::OK, "{attestation}");
    let token = attestation["token"].as_str().expect("token").to_owned();
    assert_eq!(decode_header(&token).expect("header").kid.as_deref(), attestation["kid"].as_str());
    let claims = verify(&token, "certificate-attestation").expect("the attestation verifies");
    assert_eq!(claims["aud"], "certificate-attestation");
    assert_eq!(claims["sub"], masked_number(100));
    let (iat, exp) = (claims["iat"].as_i64().expect("iat"), claims["exp"].as_i64().expect("exp"));
    assert_eq!(exp - iat, 900);
    let now = chrono::Utc::now().timestamp();
    assert!((now - 60..=now + 5).contains(&iat), "iat {iat}, now {now}");
    let expires_at = chrono::DateTime::parse_from_rfc3339(attestation["expires_at"].as_str().expect("expires_at"))
        .expect("RFC 3339");
    assert_eq!(expires_at.timestamp(), exp);
    let items = claims["certificates"].as_array().expect("certificates");
    assert_eq!(items.len(), 1, "{claims}");
    assert_eq!(items[0]["number"], masked_number(100));
    assert_eq!(items[0]["holder"], "张*");
    assert_eq!(items[0]["category"], "fireworks");
    assert_eq!(items[0]["status"], "valid");
    assert_eq!(items[0]["valid_until"], "2030-03-14");

    // One character of the payload changed: the signature no longer holds.
    let payload_start = token.find('.').expect("dot") + 1;
    let mut tampered = token.clone().into_bytes();
    let at = payload_start + 12;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    assert!(verify(&tampered, "certificate-attestation").is_err());
    // It is no access token: not for the API's audience, and refused as a bearer token.
    assert!(verify(&token, &app.settings.jwt_audience).is_err());
    let (status, problem) = get_json(&app, &token, &format!("{CERTIFICATES}/{id}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");

    // As a QR code.
    let response = app
        .http
        .get(app.url(ATTESTATION))
        .query(&[("number", number(100).as_str()), ("name", "张伟")])
        .header("Accept", "image/png")
        .send()
        .await
        .expect("png");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/png");
    let png = response.bytes().await.expect("png body");
    assert!(png.starts_with(PNG_SIGNATURE), "not a PNG: {:?}", &png[..png.len().min(16)]);

    // No attestation without the right name.
    assert_eq!(public_get(&app, ATTESTATION, &number(100), "张三").await.status(), StatusCode::NOT_FOUND);

    // Revoked: the next attestation says so.
    let revocation = json!({"reason": "以贿赂手段取得", "obtained_by_fraud": true});
    let (status, revoked) = post_to(&app, &regulator.token, &id, "revocation", &revocation).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    let (status, attestation) = status_json(public_get(&app, ATTESTATION, &number(100), "张伟").await).await;
    assert_eq!(status, StatusCode::OK, "{attestation}");
    let claims = verify(attestation["token"].as_str().expect("token"), "certificate-attestation").expect("verifies");
    assert_eq!(claims["certificates"][0]["status"], "revoked");
}

#[tokio::test]
async fn only_callers_who_may_see_or_supervise_a_certificate_reach_it() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let province = app.regulator("410000").await;
    let portal = app.client("portal", None, None).await;
    let (_, enterprise) = enterprise_client(&app, 111).await;
    let created = issued(&app, &regulator.token, &certificate(110, "马超", "metallurgy", "2021-01-01")).await;
    let id = created["id"].as_str().expect("id").to_owned();

    // An unrelated enterprise learns nothing, not even that the certificate exists.
    for path in [format!("{CERTIFICATES}/{id}/status"), format!("{CERTIFICATES}/{id}")] {
        let (status, problem) = get_json(&app, &enterprise, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {problem}");
        assert_eq!(problem["code"], "not_found");
    }
    let (status, _) = get_json(&app, &regulator.token, &format!("{CERTIFICATES}/{}/status", Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // A portal sees the standing.
    let (status, seen) = get_json(&app, &portal.token, &format!("{CERTIFICATES}/{id}/status?on=2022-01-01")).await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    assert_eq!(seen["next_review_due"], "2024-01-01");

    // Writes belong to the issuing region's authority.
    let violation = json!({"occurred_on": "2022-05-10", "serious": false, "administrative_penalty": false});
    for (token, code) in
        [(&portal.token, "forbidden"), (&enterprise, "forbidden"), (&luoyang.token, "outside_jurisdiction")]
    {
        let (status, problem) = post_to(&app, token, &id, "violations", &violation).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert_eq!(problem["code"], code);
    }
    let writes = [
        ("work-periods", json!({"from": "2015-01-01", "to": null})),
        ("reviews", review("2023-12-01", "passed", &[])),
        ("revocation", json!({"reason": "测试", "obtained_by_fraud": false})),
    ];
    for (what, body) in &writes {
        let (status, problem) = post_to(&app, &luoyang.token, &id, what, body).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {problem}");
        assert_eq!(problem["code"], "outside_jurisdiction", "{what}");
    }
    assert_eq!(rows(&app, "certificate_violations"), 0);
    assert_eq!(rows(&app, "certificate_work_periods"), 0);
    assert_eq!(rows(&app, "certificate_reviews"), 0);
    assert_eq!(stored(&app, &id).revoked_on, None);
    assert_eq!(actions(&audit_trail(&app, &id)), ["certificate.issue"]);

    // The provincial regulator supervises every city.
    let (status, history) = post_to(&app, &province.token, &id, "violations", &violation).await;
    assert_eq!(status, StatusCode::CREATED, "{history}");
    assert_eq!(rows(&app, &format!("certificate_violations WHERE certificate_id = '{id}'")), 1);
}

#[tokio::test]
async fn an_idempotency_key_replays_one_write_to_one_certificate() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;

    // Issue: a retry returns the first certificate; another body under the key is a conflict.
    let body = certificate(120, "杨帆", "oil_gas", "2021-01-01");
    let first = post(&app, &regulator.token, CERTIFICATES, Some("issue-120"), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let (_, first) = status_json(first).await;
    let replay = post(&app, &regulator.token, CERTIFICATES, Some("issue-120"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let (_, replay) = status_json(replay).await;
    assert_eq!(replay, first);
    let other = certificate(121, "杨帆", "oil_gas", "2021-01-01");
    let (status, problem) =
        status_json(post(&app, &regulator.token, CERTIFICATES, Some("issue-120"), &other).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "idempotency_conflict");
    assert_eq!(rows(&app, "certificates"), 1);

    // A violation retried under its key is recorded once; the key names that certificate's
    // write, so the same body under it for another certificate is a conflict, never a replay
    // of the first certificate's answer.
    let second = issued(&app, &regulator.token, &certificate(122, "何平", "oil_gas", "2021-01-01")).await;
    let (a, b) = (first["id"].as_str().expect("id"), second["id"].as_str().expect("id"));
    let violation = json!({"occurred_on": "2022-05-10", "serious": false, "administrative_penalty": true});
    let path = |id: &str| format!("{CERTIFICATES}/{id}/violations");
    for _ in 0..2 {
        let response = post(&app, &regulator.token, &path(a), Some("violation-1"), &violation).await;
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(rows(&app, &format!("certificate_violations WHERE certificate_id = '{a}'")), 1);
    let (status, answer) =
        status_json(post(&app, &regulator.token, &path(b), Some("violation-1"), &violation).await).await;
    assert_ne!(answer["certificate_id"], a, "another certificate's answer was replayed: {answer}");
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert_eq!(answer["code"], "idempotency_conflict");
    assert_eq!(rows(&app, &format!("certificate_violations WHERE certificate_id = '{b}'")), 0);
}
