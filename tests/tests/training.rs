//! Training institutions' exam results and half-yearly pass rates (豫安委〔2017〕17号 五(一)) over
//! real HTTP, on the backend TEST_DATABASE names: batches, idempotency, the 80-point pass mark,
//! exact rates, filters and the freezing of a published period.
//!
//! Periods are computed from today's CST date: "current" is the half-year containing today (not
//! publishable), "ended" is the one before it (publishable).

use chrono::{Days, NaiveDate, Utc};
use domain::training::Period;
use e2e::insurance::{count, field_errors, get_json, id_of, pairs, post, status_json};
use e2e::{credit_code, Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const RESULTS: &str = "/api/v1/training/exam-results";
const PUBLICATIONS: &str = "/api/v1/training/pass-rate-publications";
const PASS_MARK_RULE: &str = "exam_theory_pass_mark@2010-07-01";

fn today() -> NaiveDate {
    domain::time::cst_date(Utc::now())
}

fn current() -> Period {
    Period::of(today())
}

fn ended() -> Period {
    Period::of(current().first_day().pred_opt().expect("a day before"))
}

/// The `n`th day of `period` (from 0), never after today.
fn day(period: Period, n: u64) -> String {
    let date = period.first_day().checked_add_days(Days::new(n)).expect("date");
    date.min(today()).to_string()
}

/// A valid resident identity number (GB 11643-1999), distinct per seed below 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("41010219900101{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// One exam result of candidate `seed`.
fn exam(seed: u32, category: &str, exam_on: &str, theory: i64, practical: Option<i64>) -> Value {
    json!({
        "candidate": {"resident_id": resident_id(seed), "name": format!("考生{seed}")},
        "category": category,
        "exam_on": exam_on,
        "theory_score": theory,
        "practical_score": practical,
    })
}

fn batch(items: Vec<Value>) -> Value {
    json!({ "items": items })
}

/// A training institution in `region` and an `agency` client acting for it.
struct Institution {
    id: String,
    client: Client,
}

impl Institution {
    fn token(&self) -> &str {
        &self.client.token
    }
}

async fn institution(app: &TestApp, seed: u32, region: &str) -> Institution {
    let org = app
        .organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南安全培训中心{seed}"),
            "kind": "training_institution",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "赵六",
        }))
        .await;
    let id = id_of(&org);
    let client = app.client("agency", Some(&id), None).await;
    Institution { id, client }
}

/// Posts a batch and panics unless it is 201; returns the receipt.
async fn store(app: &TestApp, token: &str, key: &str, items: Vec<Value>) -> Value {
    let (status, receipt) = status_json(post(app, token, RESULTS, Some(key), &batch(items)).await).await;
    assert_eq!(status, StatusCode::CREATED, "exam batch failed: {receipt}");
    receipt
}

fn exam_rows(app: &TestApp) -> i64 {
    count(&mut app.db.connect(), "exam_results")
}

fn person_rows(app: &TestApp) -> i64 {
    count(&mut app.db.connect(), "persons")
}

/// Pass rates as a regulator (or admin) sees them.
async fn rates(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, page) = get_json(app, token, &format!("/api/v1/training/pass-rates?{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page
}

/// Public pass rates: status and body, without a token.
async fn public_rates(app: &TestApp, query: &str) -> (StatusCode, Value) {
    let url = app.url(&format!("/api/v1/public/training/pass-rates?{query}"));
    status_json(app.http.get(url).send().await.expect("GET request")).await
}

/// `(institution_id, candidates, passed, pass_rate, pass_rate_bp)` of every listed institution.
fn figures(page: &Value) -> Vec<(String, u64, u64, String, Option<u64>)> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["institution_id"].as_str().expect("id").to_owned(),
                i["candidates"].as_u64().expect("candidates"),
                i["passed"].as_u64().expect("passed"),
                i["pass_rate"].as_str().expect("pass_rate").to_owned(),
                i["pass_rate_bp"].as_u64(),
            )
        })
        .collect()
}

fn row(id: &str, candidates: u64, passed: u64, bp: u64) -> (String, u64, u64, String, Option<u64>) {
    (id.to_owned(), candidates, passed, format!("{passed}/{candidates}"), Some(bp))
}

#[tokio::test]
async fn a_batch_is_stored_whole_and_a_pass_needs_both_exams_at_80_or_more() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    let on = day(current(), 0);
    let items = vec![
        exam(1, "electrical", &on, 80, Some(80)),      // exactly at the mark: pass
        exam(2, "electrical", &on, 79, None),          // theory one short: fail
        exam(3, "electrical", &on, 95, None),          // theory passed, practical not taken: not a pass
        exam(4, "welding_cutting", &on, 90, Some(79)), // practical one short: fail
        exam(5, "welding_cutting", &on, 100, Some(100)),
    ];
    let response = post(&app, school.token(), RESULTS, Some("first"), &batch(items)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], format!("/api/v1/training/pass-rates?period={}", current()).as_str());
    let receipt: Value = response.json().await.expect("json");
    assert_eq!(receipt["institution_id"], school.id);
    assert_eq!(receipt["recorded"], 5);
    assert_eq!(receipt["already_recorded"], 0);
    assert_eq!(receipt["passed"], 2);
    assert_eq!(receipt["pass_mark"], 80);
    assert_eq!(receipt["pass_mark_rule_version"], PASS_MARK_RULE);
    let items = receipt["items"].as_array().expect("items");
    let outcome: Vec<(u64, bool, bool)> = items
        .iter()
        .map(|i| (i["index"].as_u64().expect("index"), i["passed"] == true, i["already_recorded"] == true))
        .collect();
    assert_eq!(
        outcome,
        vec![(0, true, false), (1, false, false), (2, false, false), (3, false, false), (4, true, false)]
    );

    // One row per item under the ids the receipt names, judged the same way.
    let mut conn = app.db.connect();
    assert_eq!(count(&mut conn, &format!("exam_results WHERE institution_id = '{}'", school.id)), 5);
    assert_eq!(count(&mut conn, "exam_results WHERE passed"), 2);
    for item in items {
        let id = item["id"].as_str().expect("id");
        let passed = if item["passed"] == true { "passed" } else { "NOT passed" };
        assert_eq!(count(&mut conn, &format!("exam_results WHERE id = '{id}' AND {passed}")), 1, "{item}");
    }
    assert_eq!(
        count(
            &mut conn,
            &format!("exam_results WHERE theory_score = 95 AND practical_score IS NULL AND exam_on = '{on}'")
        ),
        1
    );
    assert_eq!(count(&mut conn, "persons"), 5);
    assert_eq!(
        count(&mut conn, &format!("audit_log WHERE action = 'exam_results.post' AND resource_id = '{}'", school.id)),
        1
    );
}

#[tokio::test]
async fn a_replay_returns_the_first_response_and_the_key_is_required_and_bound_to_its_body() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    let on = day(current(), 0);
    let body = batch(vec![exam(1, "electrical", &on, 88, Some(90)), exam(2, "electrical", &on, 60, None)]);

    let first = post(&app, school.token(), RESULTS, Some("k-1"), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_body = first.text().await.expect("body");
    assert_eq!(exam_rows(&app), 2);

    let replay = post(&app, school.token(), RESULTS, Some("k-1"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.text().await.expect("body"), first_body);
    assert_eq!(exam_rows(&app), 2);

    let mut changed = body.clone();
    changed["items"][1]["theory_score"] = json!(61);
    let (status, problem) = status_json(post(&app, school.token(), RESULTS, Some("k-1"), &changed).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "idempotency_conflict");

    let fresh = batch(vec![exam(3, "electrical", &on, 90, Some(90))]);
    let (status, problem) = status_json(post(&app, school.token(), RESULTS, None, &fresh).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "idempotency_key_required");
    assert_eq!(exam_rows(&app), 2);
    assert_eq!(person_rows(&app), 2);
}

#[tokio::test]
async fn results_already_stored_are_recognised_and_a_different_result_is_refused() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    let on = day(current(), 0);
    let items = vec![exam(1, "electrical", &on, 88, Some(90)), exam(2, "electrical", &on, 60, None)];
    let first = store(&app, school.token(), "k-1", items.clone()).await;

    // The same results under a new key: reported with their stored ids, not counted again.
    let again = store(&app, school.token(), "k-2", items.clone()).await;
    assert_eq!((again["recorded"].clone(), again["already_recorded"].clone()), (json!(0), json!(2)));
    assert_eq!(again["passed"], 1);
    for (index, item) in again["items"].as_array().expect("items").iter().enumerate() {
        assert_eq!(item["already_recorded"], true);
        assert_eq!(item["id"], first["items"][index]["id"]);
    }
    assert_eq!(exam_rows(&app), 2);

    // A known result next to a new one: only the new one is stored.
    let mixed =
        store(&app, school.token(), "k-3", vec![exam(3, "electrical", &on, 85, Some(85)), items[1].clone()]).await;
    assert_eq!((mixed["recorded"].clone(), mixed["already_recorded"].clone()), (json!(1), json!(1)));
    assert_eq!(mixed["items"][1]["already_recorded"], true);
    assert_eq!(mixed["items"][0]["already_recorded"], false);
    assert_eq!(exam_rows(&app), 3);

    // A changed score for the same candidate, category and date: the whole batch is refused.
    let (status, problem) = status_json(
        post(
            &app,
            school.token(),
            RESULTS,
            Some("k-4"),
            &batch(vec![exam(4, "electrical", &on, 90, Some(90)), exam(2, "electrical", &on, 61, None)]),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items[1].theory_score", "conflicts_with_recorded")]));

    // A known identity number under another name.
    let mut renamed = exam(1, "welding_cutting", &on, 90, Some(90));
    renamed["candidate"]["name"] = json!("别名");
    let (status, problem) =
        status_json(post(&app, school.token(), RESULTS, Some("k-5"), &batch(vec![renamed])).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items[0].candidate.name", "name_mismatch")]));

    // Neither refused batch left a result or a person behind.
    assert_eq!(exam_rows(&app), 3);
    assert_eq!(person_rows(&app), 3);
    assert_eq!(count(&mut app.db.connect(), "exam_results WHERE theory_score = 61"), 0);
}

#[tokio::test]
async fn every_bad_item_is_named_in_one_422_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    let on = day(current(), 0);
    let future = today().checked_add_days(Days::new(2)).expect("date").to_string();
    let mut bad_check = exam(2, "electrical", &on, 90, Some(90));
    let id = resident_id(2);
    let wrong_last = if id.ends_with('0') { "1" } else { "0" };
    bad_check["candidate"]["resident_id"] = json!(format!("{}{wrong_last}", &id[..17]));
    let items = vec![
        exam(1, "electrical", &on, 90, Some(90)), // fine
        bad_check,
        exam(3, "basket_weaving", &on, 90, Some(90)),
        exam(4, "electrical", &future, 90, Some(90)),
        exam(5, "electrical", &on, 101, None),
        exam(6, "electrical", &on, 79, Some(95)),
        exam(1, "electrical", &on, 90, Some(90)), // duplicate of item 0
        exam(7, "electrical", &on, 90, Some(101)),
        exam(8, "electrical", "2026-02-30", 90, Some(90)),
    ];
    let (status, problem) = status_json(post(&app, school.token(), RESULTS, Some("bad"), &batch(items)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation_failed");
    let mut errors = field_errors(&problem);
    errors.sort();
    assert_eq!(
        errors,
        pairs(&[
            ("items[1].candidate.resident_id", "invalid_resident_id"),
            ("items[2].category", "invalid_work_category"),
            ("items[3].exam_on", "out_of_range"),
            ("items[4].theory_score", "invalid_range"),
            ("items[5].practical_score", "practical_before_theory_passed"),
            ("items[6].candidate", "duplicate_in_batch"),
            ("items[7].practical_score", "invalid_range"),
            ("items[8].exam_on", "invalid_date"),
        ])
    );
    assert_eq!(exam_rows(&app), 0);
    assert_eq!(person_rows(&app), 0);

    // An empty batch and one over 1,000 items are refused as a whole.
    for items in [vec![], (0..1001).map(|i| exam(i, "electrical", &on, 90, Some(90))).collect()] {
        let (status, problem) =
            status_json(post(&app, school.token(), RESULTS, Some("size"), &batch(items)).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(field_errors(&problem), pairs(&[("items", "invalid_length")]));
    }
    assert_eq!(exam_rows(&app), 0);
}

#[tokio::test]
async fn an_exam_dated_before_any_pass_mark_rule_is_a_422_naming_the_item() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    // The 80-point mark is in force from 2010-07-01; nothing says what passed before.
    let items = vec![
        exam(1, "electrical", "2010-07-01", 80, Some(80)),
        exam(2, "electrical", "2010-06-30", 90, Some(90)),
        exam(3, "electrical", "2009-01-05", 90, None),
    ];
    let (status, problem) = status_json(post(&app, school.token(), RESULTS, Some("old"), &batch(items)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        field_errors(&problem),
        pairs(&[("items[1].exam_on", "rule_not_in_force"), ("items[2].exam_on", "rule_not_in_force")])
    );
    assert_eq!(exam_rows(&app), 0);

    let receipt = store(&app, school.token(), "old-ok", vec![exam(1, "electrical", "2010-07-01", 80, Some(80))]).await;
    assert_eq!(
        (receipt["passed"].clone(), receipt["pass_mark_rule_version"].clone()),
        (json!(1), json!(PASS_MARK_RULE))
    );
}

#[tokio::test]
async fn only_training_institutions_post_exam_results() {
    let app = TestApp::spawn().await;
    let agency = app
        .organization(json!({
            "credit_code": credit_code(2),
            "name": "河南安评技术服务有限公司",
            "kind": "technical_service_agency",
            "region_code": "410100",
            "contact_phone": "13812345678",
            "legal_representative": "王建国",
            "service_types": ["safety_assessment"],
            "qualification": {"number": "APJ-(豫)-001", "valid_from": "2024-01-01", "valid_until": "2028-12-31"},
        }))
        .await;
    let agency_client = app.client("agency", Some(&id_of(&agency)), None).await;
    let enterprise = app.enterprise(3, "410100").await;
    let enterprise_client = app.client("enterprise", Some(&id_of(&enterprise)), None).await;
    let regulator = app.regulator("410000").await;
    let portal = app.client("portal", None, None).await;
    let body = batch(vec![exam(1, "electrical", &day(current(), 0), 90, Some(90))]);
    for token in [&agency_client.token, &enterprise_client.token, &regulator.token, &portal.token, app.admin_token()] {
        let (status, problem) = status_json(post(&app, token, RESULTS, Some("k"), &body).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert_eq!(problem["code"], "forbidden");
    }
    let response =
        app.http.post(app.url(RESULTS)).header("Idempotency-Key", "k").json(&body).send().await.expect("post");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(exam_rows(&app), 0);
    assert_eq!(person_rows(&app), 0);
}

#[tokio::test]
async fn regulators_see_the_current_period_with_exact_rates_and_the_public_does_not() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    let period = current();
    store(
        &app,
        school.token(),
        "k",
        vec![
            exam(1, "electrical", &day(period, 0), 70, None),
            exam(2, "electrical", &day(period, 0), 85, Some(90)),
            exam(3, "electrical", &day(period, 0), 80, Some(80)),
        ],
    )
    .await;
    let regulator = app.regulator("410100").await;
    let page = rates(&app, &regulator.token, &format!("period={period}")).await;
    assert_eq!(page["period"], period.to_string());
    assert_eq!(page["first_day"], period.first_day().to_string());
    assert_eq!(page["last_day"], period.last_day().to_string());
    assert_eq!(page["published"], false);
    assert_eq!(page["published_at"], Value::Null);
    assert_eq!(page["next_cursor"], Value::Null);
    assert_eq!(page["items"][0]["institution_name"], "河南安全培训中心1");
    assert_eq!(page["items"][0]["region_code"], "410100");
    assert_eq!(figures(&page), vec![row(&school.id, 3, 2, 6667)]);
    assert_eq!(rates(&app, app.admin_token(), &format!("period={period}")).await["items"], page["items"]);

    let (status, problem) = public_rates(&app, &format!("period={period}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["code"], "period_not_published");

    // Institutions see neither list.
    let (status, _) = get_json(&app, school.token(), &format!("/api/v1/training/pass-rates?period={period}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = get_json(&app, &regulator.token, "/api/v1/training/pass-rates?period=2026H3").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("period", "invalid_period")]));
}

#[tokio::test]
async fn institutions_without_results_are_absent_and_a_period_without_results_is_an_empty_list() {
    let app = TestApp::spawn().await;
    let failing = institution(&app, 1, "410100").await;
    let _silent = institution(&app, 2, "410100").await;
    store(&app, failing.token(), "k", vec![exam(1, "electrical", &day(current(), 0), 50, None)]).await;
    let regulator = app.regulator("410000").await;

    let page = rates(&app, &regulator.token, &format!("period={}", current())).await;
    assert_eq!(figures(&page), vec![row(&failing.id, 1, 0, 0)]);

    for query in [format!("period={}", ended()), format!("period={}&category=fireworks", current())] {
        let page = rates(&app, &regulator.token, &query).await;
        assert_eq!(page["items"], json!([]), "{query}");
        assert_eq!(page["next_cursor"], Value::Null);
    }
}

#[tokio::test]
async fn pass_rates_filter_by_region_and_category_and_paginate() {
    let app = TestApp::spawn().await;
    let zhengzhou = institution(&app, 1, "410100").await;
    let luoyang = institution(&app, 2, "410300").await;
    let on = day(current(), 0);
    store(
        &app,
        zhengzhou.token(),
        "k",
        vec![
            exam(1, "electrical", &on, 90, Some(90)),
            exam(2, "electrical", &on, 90, Some(10)),
            exam(3, "welding_cutting", &on, 90, Some(90)),
        ],
    )
    .await;
    store(
        &app,
        luoyang.token(),
        "k",
        vec![exam(4, "electrical", &on, 90, Some(90)), exam(5, "electrical", &on, 0, None)],
    )
    .await;
    let province = app.regulator("410000").await;
    let p = current();
    let mut both = vec![row(&zhengzhou.id, 3, 2, 6667), row(&luoyang.id, 2, 1, 5000)];
    both.sort();

    let cases = [
        (format!("period={p}&region=410100"), vec![row(&zhengzhou.id, 3, 2, 6667)]),
        (format!("period={p}&region=410300"), vec![row(&luoyang.id, 2, 1, 5000)]),
        (format!("period={p}&region=410000"), both.clone()),
        (format!("period={p}"), both.clone()),
        (format!("period={p}&region=410200"), vec![]),
        (format!("period={p}&region=410100&category=welding_cutting"), vec![row(&zhengzhou.id, 1, 1, 10000)]),
        (format!("period={p}&region=410300&category=welding_cutting"), vec![]),
    ];
    for (query, expected) in cases {
        assert_eq!(figures(&rates(&app, &province.token, &query).await), expected, "{query}");
    }
    let mut electrical = vec![row(&zhengzhou.id, 2, 1, 5000), row(&luoyang.id, 2, 1, 5000)];
    electrical.sort();
    assert_eq!(figures(&rates(&app, &province.token, &format!("period={p}&category=electrical")).await), electrical);

    // One institution per page, in id order.
    let first = rates(&app, &province.token, &format!("period={p}&limit=1")).await;
    assert_eq!(figures(&first), vec![both[0].clone()]);
    let cursor = first["next_cursor"].as_str().expect("next_cursor");
    let second = rates(&app, &province.token, &format!("period={p}&limit=1&cursor={cursor}")).await;
    assert_eq!(figures(&second), vec![both[1].clone()]);
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn a_province_regulator_publishes_an_ended_period_once() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    let period = ended();
    store(
        &app,
        school.token(),
        "k",
        // Candidate 1 fails, then passes a retake the next day: two sittings.
        vec![
            exam(1, "electrical", &day(period, 10), 70, None),
            exam(1, "electrical", &day(period, 11), 90, Some(90)),
            exam(2, "electrical", &day(period, 10), 90, None),
        ],
    )
    .await;
    let (status, _) = public_rates(&app, &format!("period={period}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Neither a city regulator nor an institution may publish.
    let city = app.regulator("410100").await;
    for token in [&city.token, &school.client.token] {
        let (status, problem) =
            status_json(post(&app, token, PUBLICATIONS, None, &json!({"period": period.to_string()})).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
    assert_eq!(count(&mut app.db.connect(), "pass_rate_publications"), 0);

    let province = app.regulator("410000").await;
    let response = post(&app, &province.token, PUBLICATIONS, None, &json!({"period": period.to_string()})).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], format!("/api/v1/public/training/pass-rates?period={period}").as_str());
    let publication: Value = response.json().await.expect("json");
    assert_eq!(publication["period"], period.to_string());
    assert_eq!(publication["published_by"], province.id);
    let mut conn = app.db.connect();
    assert_eq!(count(&mut conn, &format!("pass_rate_publications WHERE period = '{period}'")), 1);
    assert_eq!(
        count(&mut conn, &format!("audit_log WHERE action = 'pass_rates.publish' AND resource_id = '{period}'")),
        1
    );

    let (status, page) = public_rates(&app, &format!("period={period}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["published"], true);
    assert_eq!(page["published_at"], publication["published_at"]);
    assert_eq!(figures(&page), vec![row(&school.id, 3, 1, 3333)]);

    let (status, problem) =
        status_json(post(&app, &province.token, PUBLICATIONS, None, &json!({"period": period.to_string()})).await)
            .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "already_published");

    // The current period has not ended; a later one neither.
    for later in [current().to_string(), "2100H1".to_owned()] {
        let (status, problem) =
            status_json(post(&app, &province.token, PUBLICATIONS, None, &json!({"period": later})).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(field_errors(&problem), pairs(&[("period", "period_not_ended")]));
    }
    let (status, problem) =
        status_json(post(&app, &province.token, PUBLICATIONS, None, &json!({"period": "2026-H1"})).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("period", "invalid_period")]));

    // An admin may publish too, and an ended period without results publishes as an empty list.
    let (status, _) =
        status_json(post(&app, app.admin_token(), PUBLICATIONS, None, &json!({"period": "2020H2"})).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, page) = public_rates(&app, "period=2020H2").await;
    assert_eq!((status, page["items"].clone()), (StatusCode::OK, json!([])));
    assert_eq!(count(&mut conn, "pass_rate_publications"), 2);
}

#[tokio::test]
async fn results_dated_in_a_published_period_are_refused_and_its_figures_never_change() {
    let app = TestApp::spawn().await;
    let school = institution(&app, 1, "410100").await;
    let period = ended();
    let stored = vec![exam(1, "electrical", &day(period, 59), 90, Some(90))];
    store(&app, school.token(), "k-1", stored.clone()).await;
    let province = app.regulator("410000").await;
    let (status, _) =
        status_json(post(&app, &province.token, PUBLICATIONS, None, &json!({"period": period.to_string()})).await)
            .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, before) = public_rates(&app, &format!("period={period}")).await;
    let rows_before = exam_rows(&app);

    // Its last day is inside; the first day of the next period is not.
    let items = vec![
        exam(2, "electrical", &period.last_day().to_string(), 90, Some(90)),
        exam(3, "electrical", &day(current(), 0), 90, Some(90)),
        exam(4, "welding_cutting", &period.first_day().to_string(), 10, None),
    ];
    let (status, problem) = status_json(post(&app, school.token(), RESULTS, Some("k-2"), &batch(items)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        field_errors(&problem),
        pairs(&[("items[0].exam_on", "period_published"), ("items[2].exam_on", "period_published")])
    );
    // Even a result identical to a stored one is not taken in again.
    let (status, problem) = status_json(post(&app, school.token(), RESULTS, Some("k-3"), &batch(stored)).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("items[0].exam_on", "period_published")]));

    assert_eq!(exam_rows(&app), rows_before);
    let (status, after) = public_rates(&app, &format!("period={period}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(after, before);
    assert_eq!(figures(&after), vec![row(&school.id, 1, 1, 10000)]);

    // The next period still takes results.
    let receipt =
        store(&app, school.token(), "k-4", vec![exam(3, "electrical", &day(current(), 0), 90, Some(90))]).await;
    assert_eq!(receipt["recorded"], 1);
}
