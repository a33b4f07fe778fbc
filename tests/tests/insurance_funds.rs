//! The prevention fund (三(二)) over real HTTP, on the backend TEST_DATABASE
//! names: the yearly levy and its rounding, spending against the earmarked
//! balance, who may see and spend, and the regulators' overview.

use chrono::NaiveDate;
use e2e::insurance::{
    batch, field_errors, get_json, id_of, insurer, item, pairs, policy, post, premium_total, status_json,
    store_premiums, write_policy, Insurer,
};
use e2e::TestApp;
use persistence::{audit, expenditures};
use reqwest::StatusCode;
use serde_json::{json, Value};

const RULE: &str = "prevention_fund_share_bp@2017-11-08";

/// An insurer in `region` with policy `P-0` on an enterprise there.
async fn insurer_with_policy(app: &TestApp, seed: u32, region: &str) -> Insurer {
    let insurer = insurer(app, seed, region).await;
    let enterprise_id = id_of(&app.enterprise(seed + 1, region).await);
    write_policy(app, insurer.token(), &policy("P-0", &enterprise_id, "2024-01-01", "2026-12-31")).await;
    insurer
}

fn fund_path(insurer: &Insurer, year: i32) -> String {
    format!("/api/v1/insurance/prevention-funds/{}/{year}", insurer.id)
}

fn spend_path(insurer: &Insurer) -> String {
    format!("/api/v1/insurance/prevention-funds/{}/expenditures", insurer.id)
}

fn spending(category: &str, amount_fen: i64, spent_on: &str) -> Value {
    json!({
        "category": category,
        "amount_fen": amount_fen,
        "spent_on": spent_on,
        "description": "聘请专家参与危化企业安全检查",
        "beneficiary_organization_id": null,
    })
}

/// Spends and panics unless it is 201; returns the expenditure.
async fn spend(app: &TestApp, insurer: &Insurer, key: &str, body: &Value) -> Value {
    let (status, spent) = status_json(post(app, insurer.token(), &spend_path(insurer), Some(key), body).await).await;
    assert_eq!(status, StatusCode::CREATED, "expenditure failed: {spent}");
    spent
}

fn stored_spending(app: &TestApp, insurer: &Insurer) -> Vec<(NaiveDate, String, i64)> {
    let mut conn = app.db.connect();
    let from = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date");
    let to = NaiveDate::from_ymd_opt(2030, 12, 31).expect("date");
    expenditures::list(&mut conn, insurer.uuid, from, to)
        .expect("expenditures")
        .into_iter()
        .map(|e| (e.spent_on, e.category.as_str().to_owned(), e.amount.value()))
        .collect()
}

/// Twelve months with the given `(month, net, accrued, spent)` and zeros elsewhere.
fn months(entries: &[(u32, i64, i64, i64)]) -> Value {
    (1..=12u32)
        .map(|m| {
            let (net, accrued, spent) =
                entries.iter().find(|e| e.0 == m).map_or((0, 0, 0), |&(_, net, accrued, spent)| (net, accrued, spent));
            json!({"month": m, "net_premium_fen": net, "levy_accrued_fen": accrued, "spent_fen": spent})
        })
        .collect()
}

#[tokio::test]
async fn a_fund_year_shows_income_levy_spending_carry_and_months() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policy(&app, 900, "410100").await;
    store_premiums(
        &app,
        insurer.token(),
        "k1",
        &batch(vec![
            item("P-0", "2024-03-15T10:00:00+08:00", 600_000, "R-1"),
            item("P-0", "2024-11-20T10:00:00+08:00", 400_000, "R-2"),
            item("P-0", "2025-02-10T10:00:00+08:00", 1_500_000, "R-3"),
            item("P-0", "2025-07-05T10:00:00+08:00", 600_000, "R-4"),
            item("P-0", "2025-09-01T10:00:00+08:00", -100_000, "F-1"),
        ]),
    )
    .await;
    assert_eq!(premium_total(&app, insurer.uuid), (5, 3_000_000));

    let response = post(
        &app,
        insurer.token(),
        &spend_path(&insurer),
        Some("s1"),
        &spending("expert_inspection", 30_000, "2024-06-01"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let (_, first) = status_json(response).await;
    assert_eq!(location, format!("{}/{}", spend_path(&insurer), first["id"].as_str().expect("id")));
    assert_eq!(first["insurer_id"], insurer.id.as_str());
    assert_eq!(first["category"], "expert_inspection");
    assert_eq!(first["amount_fen"], 30_000);
    assert_eq!(first["spent_on"], "2024-06-01");
    // Levy 2024 100,000 + 2025 200,000, less this spend.
    assert_eq!(first["balance_after_fen"], 270_000);
    let second = spend(&app, &insurer, "s2", &spending("publicity_education", 50_000, "2025-05-01")).await;
    assert_eq!(second["balance_after_fen"], 220_000);
    let third = spend(&app, &insurer, "s3", &spending("emergency_drill", 20_000, "2025-10-01")).await;
    assert_eq!(third["balance_after_fen"], 200_000);

    let (status, y2024) = get_json(&app, insurer.token(), &fund_path(&insurer, 2024)).await;
    assert_eq!(status, StatusCode::OK, "{y2024}");
    assert_eq!(
        y2024,
        json!({
            "insurer_id": insurer.id,
            "year": 2024,
            "net_premium_fen": 1_000_000,
            "levy_rate_bp": 1000,
            "rule_version": RULE,
            "levy_fen": 100_000,
            "spent_fen": 30_000,
            "spent_by_category": [{"category": "expert_inspection", "amount_fen": 30_000}],
            "carried_in_fen": 0,
            "balance_fen": 70_000,
            "underspent": true,
            "months": months(&[(3, 600_000, 60_000, 0), (6, 0, 0, 30_000), (11, 400_000, 40_000, 0)]),
        })
    );

    let (status, y2025) = get_json(&app, insurer.token(), &fund_path(&insurer, 2025)).await;
    assert_eq!(status, StatusCode::OK, "{y2025}");
    assert_eq!(
        y2025,
        json!({
            "insurer_id": insurer.id,
            "year": 2025,
            "net_premium_fen": 2_000_000,
            "levy_rate_bp": 1000,
            "rule_version": RULE,
            "levy_fen": 200_000,
            "spent_fen": 70_000,
            "spent_by_category": [
                {"category": "publicity_education", "amount_fen": 50_000},
                {"category": "emergency_drill", "amount_fen": 20_000},
            ],
            "carried_in_fen": 70_000,
            "balance_fen": 200_000,
            "underspent": true,
            "months": months(&[
                (2, 1_500_000, 150_000, 0),
                (5, 0, 0, 50_000),
                (7, 600_000, 60_000, 0),
                (9, -100_000, -10_000, 0),
                (10, 0, 0, 20_000),
            ]),
        })
    );

    // The current year carries everything in; nothing is due yet.
    let (status, y2026) = get_json(&app, insurer.token(), &fund_path(&insurer, 2026)).await;
    assert_eq!(status, StatusCode::OK, "{y2026}");
    assert_eq!(y2026["net_premium_fen"], 0);
    assert_eq!(y2026["levy_fen"], 0);
    assert_eq!(y2026["levy_rate_bp"], 1000);
    assert_eq!(y2026["spent_by_category"], json!([]));
    assert_eq!(y2026["carried_in_fen"], 200_000);
    assert_eq!(y2026["balance_fen"], 200_000);
    assert_eq!(y2026["underspent"], false);
    assert_eq!(y2026["months"], months(&[]));

    assert_eq!(
        stored_spending(&app, &insurer),
        [
            (NaiveDate::from_ymd_opt(2024, 6, 1).expect("date"), "expert_inspection".to_owned(), 30_000),
            (NaiveDate::from_ymd_opt(2025, 5, 1).expect("date"), "publicity_education".to_owned(), 50_000),
            (NaiveDate::from_ymd_opt(2025, 10, 1).expect("date"), "emergency_drill".to_owned(), 20_000),
        ]
    );
}

#[tokio::test]
async fn the_levy_is_rounded_once_on_the_yearly_net_premium() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policy(&app, 900, "410100").await;
    let levy_of = |receipt: &Value| {
        (receipt["levy_accrued"][0]["net_premium_fen"].clone(), receipt["levy_accrued"][0]["levy_fen"].clone())
    };

    // 15 fen → 1.5 → 2 fen.
    let receipt =
        store_premiums(&app, insurer.token(), "k1", &batch(vec![item("P-0", "2025-03-10T10:00:00+08:00", 15, "R-1")]))
            .await;
    assert_eq!(levy_of(&receipt), (json!(15), json!(2)));
    // Net 5 fen → 0.5 → 1 fen.
    let receipt =
        store_premiums(&app, insurer.token(), "k2", &batch(vec![item("P-0", "2025-07-01T10:00:00+08:00", -10, "F-1")]))
            .await;
    assert_eq!(levy_of(&receipt), (json!(5), json!(1)));
    let (_, year) = get_json(&app, insurer.token(), &fund_path(&insurer, 2025)).await;
    assert_eq!(year["levy_fen"], 1);
    assert_eq!(year["months"], months(&[(3, 15, 2, 0), (7, -10, -1, 0)]));

    // Net 4 fen (+15 −11) → 0.4 → nothing.
    let receipt =
        store_premiums(&app, insurer.token(), "k3", &batch(vec![item("P-0", "2025-08-01T10:00:00+08:00", -1, "F-2")]))
            .await;
    assert_eq!(levy_of(&receipt), (json!(4), json!(0)));
    assert_eq!(premium_total(&app, insurer.uuid), (3, 4));
    let (status, year) = get_json(&app, insurer.token(), &fund_path(&insurer, 2025)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(year["net_premium_fen"], 4);
    assert_eq!(year["levy_fen"], 0);
    assert_eq!(year["balance_fen"], 0);
    assert_eq!(year["months"], months(&[(3, 15, 2, 0), (7, -10, -1, 0), (8, -1, -1, 0)]));
    let accrued: i64 =
        year["months"].as_array().expect("months").iter().map(|m| m["levy_accrued_fen"].as_i64().expect("i64")).sum();
    assert_eq!(accrued, 0);

    // Another insurer posting +15 and −11 in one batch gets the same answer.
    let other = insurer_with_policy(&app, 910, "410100").await;
    let receipt = store_premiums(
        &app,
        other.token(),
        "k1",
        &batch(vec![
            item("P-0", "2025-04-01T10:00:00+08:00", 15, "R-1"),
            item("P-0", "2025-04-02T10:00:00+08:00", -11, "F-1"),
        ]),
    )
    .await;
    assert_eq!(levy_of(&receipt), (json!(4), json!(0)));
    assert_eq!(premium_total(&app, other.uuid), (2, 4));
    // Nothing to spend.
    let (status, problem) = status_json(
        post(&app, other.token(), &spend_path(&other), Some("s1"), &spending("standardization", 1, "2025-05-01")).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "insufficient_prevention_fund");
}

#[tokio::test]
async fn spending_is_limited_to_the_balance_and_audited() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policy(&app, 900, "410100").await;
    // 1,000,005 fen → levy 100,000.5 → 100,001 fen.
    store_premiums(
        &app,
        insurer.token(),
        "k1",
        &batch(vec![item("P-0", "2025-04-01T10:00:00+08:00", 1_000_005, "R-1")]),
    )
    .await;
    let (_, year) = get_json(&app, insurer.token(), &fund_path(&insurer, 2025)).await;
    assert_eq!(year["levy_fen"], 100_001);
    assert_eq!(year["balance_fen"], 100_001);

    // One fen more than the balance.
    let (status, problem) = status_json(
        post(
            &app,
            insurer.token(),
            &spend_path(&insurer),
            Some("s0"),
            &spending("hazard_investigation", 100_002, "2025-06-01"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "insufficient_prevention_fund");
    assert_eq!(field_errors(&problem), pairs(&[("amount_fen", "insufficient_prevention_fund")]));
    assert!(stored_spending(&app, &insurer).is_empty());

    // Exactly the balance.
    let body = spending("hazard_investigation", 100_001, "2025-06-01");
    let response = post(&app, insurer.token(), &spend_path(&insurer), Some("s1"), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let first_text = response.text().await.expect("body");
    let spent: Value = serde_json::from_str(&first_text).expect("json");
    assert_eq!(spent["amount_fen"], 100_001);
    assert_eq!(spent["balance_after_fen"], 0);
    let spent_id = spent["id"].as_str().expect("id").to_owned();

    // A retry under the same key is the first answer, not a second spend.
    let replay = post(&app, insurer.token(), &spend_path(&insurer), Some("s1"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.text().await.expect("body"), first_text);

    // Then one fen is too much.
    let (status, problem) = status_json(
        post(&app, insurer.token(), &spend_path(&insurer), Some("s2"), &spending("emergency_drill", 1, "2025-12-31"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "insufficient_prevention_fund");
    // Dated today it is still too much.
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive().to_string();
    let (status, problem) = status_json(
        post(&app, insurer.token(), &spend_path(&insurer), Some("s3"), &spending("emergency_drill", 1, &today)).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "insufficient_prevention_fund");

    // Without a key nothing happens.
    let (status, problem) = status_json(
        post(&app, insurer.token(), &spend_path(&insurer), None, &spending("emergency_drill", 1, "2025-12-31")).await,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "idempotency_key_required");

    assert_eq!(
        stored_spending(&app, &insurer),
        [(NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"), "hazard_investigation".to_owned(), 100_001)]
    );
    let (_, year) = get_json(&app, insurer.token(), &fund_path(&insurer, 2025)).await;
    assert_eq!((year["spent_fen"].clone(), year["balance_fen"].clone()), (json!(100_001), json!(0)));

    // The spend and every refusal are in the audit trail, newest first.
    let mut conn = app.db.connect();
    let trail = audit::list(
        &mut conn,
        &audit::AuditFilter { actor: Some(insurer.client.id.clone()), ..Default::default() },
        None,
        100,
    )
    .expect("audit");
    let fund_entries: Vec<(String, String, String)> = trail
        .items
        .iter()
        .filter(|e| e.action.starts_with("prevention_fund."))
        .map(|e| (e.action.clone(), e.resource_type.clone(), e.resource_id.clone()))
        .collect();
    let refused = ("prevention_fund.expenditure_refused".to_owned(), "prevention_fund".to_owned(), insurer.id.clone());
    assert_eq!(
        fund_entries,
        [
            refused.clone(),
            refused.clone(),
            ("prevention_fund.expenditure".to_owned(), "prevention_fund_expenditure".to_owned(), spent_id),
            refused,
        ]
    );
    assert!(trail
        .items
        .iter()
        .filter(|e| e.action.starts_with("prevention_fund."))
        .all(|e| e.role == "insurer" && e.resource_region.as_deref() == Some("410100") && !e.request_id.is_empty()));
}

#[tokio::test]
async fn only_the_insurer_spends_and_only_it_and_its_regulators_read_the_fund() {
    let app = TestApp::spawn().await;
    let owner = insurer_with_policy(&app, 900, "410100").await;
    let other = insurer_with_policy(&app, 910, "410100").await;
    store_premiums(&app, owner.token(), "k1", &batch(vec![item("P-0", "2025-04-01T10:00:00+08:00", 1_000_000, "R-1")]))
        .await;
    let zhengzhou = app.regulator("410100").await;
    let luoyang = app.regulator("410300").await;
    let province = app.regulator("410000").await;
    let portal = app.client("portal", None, None).await;
    let body = spending("expert_inspection", 1_000, "2025-06-01");

    let (status, problem) = status_json(post(&app, other.token(), &spend_path(&owner), Some("x"), &body).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    for token in [zhengzhou.token.as_str(), app.admin_token()] {
        let (status, problem) = status_json(post(&app, token, &spend_path(&owner), Some("x"), &body).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
    assert!(stored_spending(&app, &owner).is_empty());
    assert!(stored_spending(&app, &other).is_empty());

    for (who, token) in [
        ("owner", owner.token()),
        ("regulator of its city", zhengzhou.token.as_str()),
        ("province regulator", province.token.as_str()),
        ("admin", app.admin_token()),
    ] {
        let (status, year) = get_json(&app, token, &fund_path(&owner, 2025)).await;
        assert_eq!(status, StatusCode::OK, "{who}: {year}");
        assert_eq!(year["levy_fen"], 100_000, "{who}");
    }
    for (who, token) in [
        ("another insurer", other.token()),
        ("regulator of another city", luoyang.token.as_str()),
        ("portal", portal.token.as_str()),
    ] {
        let (status, problem) = get_json(&app, token, &fund_path(&owner, 2025)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {problem}");
    }
    // Only insurers have a fund; years are bounded.
    let enterprise_id = id_of(&app.enterprise(990, "410100").await);
    let (status, _) =
        get_json(&app, app.admin_token(), &format!("/api/v1/insurance/prevention-funds/{enterprise_id}/2025")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = get_json(&app, owner.token(), &fund_path(&owner, 1999)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("year", "invalid_range")]));
    assert_eq!(premium_total(&app, owner.uuid), (1, 1_000_000));
}

#[tokio::test]
async fn the_overview_flags_finished_years_with_unspent_levy() {
    let app = TestApp::spawn().await;
    let zhengzhou_insurer = insurer_with_policy(&app, 900, "410100").await;
    let luoyang_insurer = insurer_with_policy(&app, 910, "410300").await;
    store_premiums(
        &app,
        zhengzhou_insurer.token(),
        "k1",
        &batch(vec![
            item("P-0", "2025-04-01T10:00:00+08:00", 1_000_000, "R-1"),
            item("P-0", "2026-03-01T10:00:00+08:00", 500_000, "R-2"),
        ]),
    )
    .await;
    store_premiums(
        &app,
        luoyang_insurer.token(),
        "k1",
        &batch(vec![item("P-0", "2025-05-01T10:00:00+08:00", 30_000, "R-1")]),
    )
    .await;
    let zhengzhou = app.regulator("410100").await;
    let luoyang = app.regulator("410300").await;
    let province = app.regulator("410000").await;
    let overview = |token: String, year: i32| {
        let app = &app;
        async move {
            let (status, page) =
                get_json(app, &token, &format!("/api/v1/insurance/prevention-funds?year={year}")).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(page["next_cursor"], Value::Null);
            page["items"].as_array().expect("items").clone()
        }
    };
    let entry =
        |insurer: &Insurer, seed: u32, year: i32, net: i64, levy: i64, spent: i64, balance: i64, underspent: bool| {
            json!({
                "insurer_id": insurer.id,
                "insurer_name": format!("测试财产保险公司{seed}"),
                "credit_code": e2e::credit_code(seed),
                "year": year,
                "net_premium_fen": net,
                "levy_fen": levy,
                "spent_fen": spent,
                "balance_fen": balance,
                "underspent": underspent,
            })
        };

    assert_eq!(
        overview(zhengzhou.token.clone(), 2025).await,
        [entry(&zhengzhou_insurer, 900, 2025, 1_000_000, 100_000, 0, 100_000, true)]
    );
    assert_eq!(
        overview(luoyang.token.clone(), 2025).await,
        [entry(&luoyang_insurer, 910, 2025, 30_000, 3_000, 0, 3_000, true)]
    );
    let mut all = vec![
        entry(&zhengzhou_insurer, 900, 2025, 1_000_000, 100_000, 0, 100_000, true),
        entry(&luoyang_insurer, 910, 2025, 30_000, 3_000, 0, 3_000, true),
    ];
    all.sort_by_key(|e| e["insurer_id"].as_str().expect("id").to_owned());
    assert_eq!(overview(province.token.clone(), 2025).await, all);
    // The current year is not over: nothing is underspent yet.
    assert_eq!(
        overview(zhengzhou.token.clone(), 2026).await,
        [entry(&zhengzhou_insurer, 900, 2026, 500_000, 50_000, 0, 150_000, false)]
    );

    // Spending part of the levy leaves 2025 underspent; the whole levy clears it.
    spend(&app, &zhengzhou_insurer, "s1", &spending("standardization", 40_000, "2025-08-01")).await;
    assert_eq!(
        overview(zhengzhou.token.clone(), 2025).await,
        [entry(&zhengzhou_insurer, 900, 2025, 1_000_000, 100_000, 40_000, 60_000, true)]
    );
    spend(&app, &zhengzhou_insurer, "s2", &spending("prevention_technology", 60_000, "2025-12-31")).await;
    assert_eq!(
        overview(zhengzhou.token.clone(), 2025).await,
        [entry(&zhengzhou_insurer, 900, 2025, 1_000_000, 100_000, 100_000, 0, false)]
    );
    assert_eq!(stored_spending(&app, &zhengzhou_insurer).len(), 2);

    // Insurers and portals have no overview.
    let portal = app.client("portal", None, None).await;
    for token in [zhengzhou_insurer.token(), portal.token.as_str()] {
        let (status, _) = get_json(&app, token, "/api/v1/insurance/prevention-funds?year=2025").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_spending_cannot_overdraw_the_fund() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policy(&app, 900, "410100").await;
    store_premiums(
        &app,
        insurer.token(),
        "k1",
        &batch(vec![item("P-0", "2025-04-01T10:00:00+08:00", 1_000_000, "R-1")]),
    )
    .await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        let (http, url, token) = (app.http.clone(), app.url(&spend_path(&insurer)), insurer.token().to_owned());
        let body = spending("expert_inspection", 100_000, "2025-06-01");
        tasks.push(tokio::spawn(async move {
            let response = http
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", format!("spend-{i}"))
                .json(&body)
                .send()
                .await
                .expect("request");
            status_json(response).await
        }));
    }
    let mut spent = 0;
    for task in tasks {
        let (status, body) = task.await.expect("task");
        match status {
            StatusCode::CREATED => {
                assert_eq!(body["balance_after_fen"], 0);
                spent += 1;
            }
            StatusCode::UNPROCESSABLE_ENTITY => assert_eq!(body["code"], "insufficient_prevention_fund"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(spent, 1);
    assert_eq!(
        stored_spending(&app, &insurer),
        [(NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"), "expert_inspection".to_owned(), 100_000)]
    );
    let mut conn = app.db.connect();
    let trail = audit::list(
        &mut conn,
        &audit::AuditFilter { actor: Some(insurer.client.id.clone()), ..Default::default() },
        None,
        100,
    )
    .expect("audit");
    let refused = trail.items.iter().filter(|e| e.action == "prevention_fund.expenditure_refused").count();
    assert_eq!(refused, 9);
}
