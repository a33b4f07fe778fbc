//! Small-enterprise subsidy programmes (豫安委〔2017〕17号 九(三)) over real HTTP, on the backend
//! TEST_DATABASE names: who may apply and for how much, the queue with high-risk sectors first,
//! decisions, the cap per enterprise, and a budget that concurrent approvals never exceed.

use e2e::insurance::{count, field_errors, get_json, id_of, pairs, post, status_json};
use e2e::market::{create_engagement, engagement_body, enterprise, provider, Party};
use e2e::{credit_code, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ZHENGZHOU: &str = "410100";
const GONGYI: &str = "410181";
const LUOYANG: &str = "410300";
const PROGRAMMES: &str = "/api/v1/subsidy-programmes";

fn programme_body(budget: i64, share_bp: i64, cap: i64) -> Value {
    json!({
        "title": "2026年郑州市小微企业安全服务补贴",
        "region_code": ZHENGZHOU,
        "budget_fen": budget,
        "share_bp": share_bp,
        "cap_per_enterprise_fen": cap,
        "max_employees": 100,
        "opens_on": "2026-01-01",
        "closes_on": "2026-10-31",
    })
}

async fn create_programme(app: &TestApp, token: &str, body: &Value) -> String {
    let (status, programme) = status_json(post(app, token, PROGRAMMES, None, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{programme}");
    id_of(&programme)
}

/// An engagement of `enterprise` with `provider` for `fee` fen, signed on `signed_on`; its id.
async fn engagement(app: &TestApp, enterprise: &Party, provider: &Party, fee: i64, signed_on: &str) -> String {
    let body = engagement_body(&enterprise.id, &provider.id, fee, signed_on, "2026-12-31");
    id_of(&create_engagement(app, enterprise.token(), &body).await)
}

async fn apply(app: &TestApp, token: &str, programme: &str, engagement: &str) -> (StatusCode, Value) {
    let path = format!("{PROGRAMMES}/{programme}/applications");
    status_json(post(app, token, &path, None, &json!({"engagement_id": engagement})).await).await
}

async fn applied(app: &TestApp, enterprise: &Party, programme: &str, engagement: &str) -> Value {
    let (status, application) = apply(app, enterprise.token(), programme, engagement).await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    application
}

async fn decide(
    app: &TestApp,
    token: &str,
    programme: &str,
    application: &str,
    verb: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let path = format!("{PROGRAMMES}/{programme}/applications/{application}/{verb}");
    status_json(post(app, token, &path, None, body).await).await
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

#[tokio::test]
async fn small_enterprises_of_the_region_apply_and_regulators_decide() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let provider = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;

    // Every bad field at once; a regulator elsewhere may not define a Zhengzhou programme.
    let (status, problem) = status_json(
        post(
            &app,
            &regulator.token,
            PROGRAMMES,
            None,
            &json!({
                "title": "补贴",
                "region_code": ZHENGZHOU,
                "budget_fen": 0,
                "share_bp": 10_001,
                "cap_per_enterprise_fen": 0,
                "max_employees": 0,
                "opens_on": "2026-05-01",
                "closes_on": "2026-04-30",
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&problem),
        pairs(&[
            ("budget_fen", "invalid_range"),
            ("share_bp", "invalid_range"),
            ("cap_per_enterprise_fen", "invalid_range"),
            ("max_employees", "invalid_range"),
            ("closes_on", "out_of_range"),
        ])
    );
    let luoyang = app.regulator(LUOYANG).await;
    let (status, problem) =
        status_json(post(&app, &luoyang.token, PROGRAMMES, None, &programme_body(1_000_000, 5000, 60_000)).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("outside_jurisdiction")));
    assert_eq!(rows(&app, "subsidy_programmes"), 0);

    let (status, programme) =
        status_json(post(&app, &regulator.token, PROGRAMMES, None, &programme_body(1_000_000, 5000, 60_000)).await)
            .await;
    assert_eq!(status, StatusCode::CREATED, "{programme}");
    let pid = id_of(&programme);
    assert_eq!((programme["committed_fen"].as_i64(), programme["remaining_fen"].as_i64()), (Some(0), Some(1_000_000)));
    assert_eq!(
        rows(&app, &format!("audit_log WHERE action = 'subsidy_programme.create' AND resource_id = '{pid}'")),
        1
    );

    let small = enterprise(&app, 2, ZHENGZHOU, "other", 100).await;
    let mining = enterprise(&app, 3, ZHENGZHOU, "mining", 20).await;
    let big = enterprise(&app, 4, ZHENGZHOU, "other", 101).await;
    let elsewhere = enterprise(&app, 5, GONGYI, "other", 10).await;
    let org = app
        .organization(json!({
            "credit_code": credit_code(6),
            "name": "测试企业6",
            "kind": "enterprise",
            "region_code": ZHENGZHOU,
            "sector": "other",
            "contact_phone": "13812345678",
            "legal_representative": "张三",
        }))
        .await;
    let headless_id = id_of(&org);
    let headless = Party {
        uuid: uuid::Uuid::parse_str(&headless_id).expect("uuid"),
        client: app.client("enterprise", Some(&headless_id), None).await,
        id: headless_id,
    };

    // 50 % of 100,001 fen is 50,000.5 fen: rounded half up to 50,001 (domain::money::share_of).
    let first = engagement(&app, &small, &provider, 100_001, "2026-03-02").await;
    let application = applied(&app, &small, &pid, &first).await;
    let first_app = id_of(&application);
    assert_eq!(application["amount_fen"], 50_001);
    assert_eq!(application["priority"], "standard");
    assert_eq!(application["status"], "pending");
    // One application per engagement.
    let (status, problem) = apply(&app, small.token(), &pid, &first).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("already_applied")));
    assert_eq!(rows(&app, &format!("subsidy_applications WHERE engagement_id = '{first}'")), 1);

    // Not yet approved, so the whole share is asked: 20,000 fen.
    let second = engagement(&app, &small, &provider, 40_000, "2026-10-31").await;
    let second_app = applied(&app, &small, &pid, &second).await;
    assert_eq!(second_app["amount_fen"], 20_000);
    let mining_engagement = engagement(&app, &mining, &provider, 30_000, "2026-01-01").await;
    let mining_app = applied(&app, &mining, &pid, &mining_engagement).await;
    assert_eq!((mining_app["priority"].as_str(), mining_app["amount_fen"].as_i64()), (Some("high_risk"), Some(15_000)));

    // Who may not apply, and why: 巩义 answers to the province, not to 郑州.
    let refusals = [
        (&big, engagement(&app, &big, &provider, 10_000, "2026-03-02").await, "not_small_enterprise"),
        (&elsewhere, engagement(&app, &elsewhere, &provider, 10_000, "2026-03-02").await, "outside_programme_region"),
        (&headless, engagement(&app, &headless, &provider, 10_000, "2026-03-02").await, "employee_count_unknown"),
        (&small, engagement(&app, &small, &provider, 10_000, "2025-12-31").await, "outside_programme_period"),
        (&small, engagement(&app, &small, &provider, 10_000, "2026-11-01").await, "outside_programme_period"),
    ];
    for (party, engagement, code) in &refusals {
        let (status, problem) = apply(&app, party.token(), &pid, engagement).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(*code)), "{problem}");
    }
    // Another enterprise's engagement does not exist for the caller; agencies do not apply.
    assert_eq!(apply(&app, mining.token(), &pid, &first).await.0, StatusCode::NOT_FOUND);
    assert_eq!(apply(&app, provider.token(), &pid, &first).await.0, StatusCode::FORBIDDEN);
    assert_eq!(rows(&app, "subsidy_applications"), 3);

    // The queue: pending high-risk first, then the other pending ones by filing.
    let (status, page) = get_json(&app, &regulator.token, &format!("{PROGRAMMES}/{pid}/applications")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let order: Vec<_> = page["items"].as_array().expect("items").iter().map(|a| a["id"].clone()).collect();
    assert_eq!(order, [mining_app["id"].clone(), json!(first_app), second_app["id"].clone()]);
    // Two at a time, the cursor keeps the order.
    let (_, one) = get_json(&app, &regulator.token, &format!("{PROGRAMMES}/{pid}/applications?limit=2")).await;
    let cursor = one["next_cursor"].as_str().expect("cursor");
    let (_, two) =
        get_json(&app, &regulator.token, &format!("{PROGRAMMES}/{pid}/applications?limit=2&cursor={cursor}")).await;
    assert_eq!(two["items"][0]["id"], second_app["id"]);
    assert_eq!(two["next_cursor"], Value::Null);
    assert_eq!(
        get_json(&app, &luoyang.token, &format!("{PROGRAMMES}/{pid}/applications")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get_json(&app, small.token(), &format!("{PROGRAMMES}/{pid}/applications")).await.0,
        StatusCode::FORBIDDEN
    );

    // Approval reserves the amount.
    let (status, decision) = decide(&app, &regulator.token, &pid, &first_app, "approval", &json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{decision}");
    assert_eq!(decision["application"]["status"], "approved");
    assert_eq!(decision["programme"]["committed_fen"], 50_001);
    assert_eq!(rows(&app, &format!("subsidy_programmes WHERE id = '{pid}' AND committed_fen = 50001")), 1);
    assert_eq!(
        rows(&app, &format!("audit_log WHERE action = 'subsidy_application.approve' AND resource_id = '{first_app}'")),
        1
    );
    let (status, problem) = decide(&app, &regulator.token, &pid, &first_app, "approval", &json!({})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("already_decided")));

    // 50,001 + 20,000 would pass the 60,000 cap: refused, and the reservation is undone.
    let second_id = id_of(&second_app);
    let (status, problem) = decide(&app, &regulator.token, &pid, &second_id, "approval", &json!({})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("enterprise_cap_reached")));
    assert_eq!(rows(&app, &format!("subsidy_programmes WHERE id = '{pid}' AND committed_fen = 50001")), 1);
    assert_eq!(rows(&app, &format!("subsidy_applications WHERE id = '{second_id}' AND status = 'pending'")), 1);
    // A new application asks only what remains of the cap: 60,000 − 50,001 = 9,999 fen.
    let third = engagement(&app, &small, &provider, 100_000, "2026-04-01").await;
    let third_app = applied(&app, &small, &pid, &third).await;
    assert_eq!(third_app["amount_fen"], 9_999);

    // A rejection needs its reason and reserves nothing.
    let (status, problem) = decide(&app, &regulator.token, &pid, &second_id, "rejection", &json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("note", "required")]));
    let (status, decision) =
        decide(&app, &regulator.token, &pid, &second_id, "rejection", &json!({"note": "超过单户补贴上限"})).await;
    assert_eq!(status, StatusCode::CREATED, "{decision}");
    assert_eq!(
        (decision["application"]["status"].as_str(), decision["application"]["note"].as_str()),
        (Some("rejected"), Some("超过单户补贴上限"))
    );
    let (status, problem) = decide(&app, &regulator.token, &pid, &second_id, "approval", &json!({})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("already_decided")));
    assert_eq!(
        decide(&app, &luoyang.token, &pid, &id_of(&mining_app), "approval", &json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(rows(&app, &format!("subsidy_programmes WHERE id = '{pid}' AND committed_fen = 50001")), 1);

    // The programme as regulators and the region's enterprises read it.
    for token in [&regulator.token, small.token(), mining.token()] {
        let (status, view) = get_json(&app, token, &format!("{PROGRAMMES}/{pid}")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!((view["committed_fen"].as_i64(), view["remaining_fen"].as_i64()), (Some(50_001), Some(949_999)));
    }
    for token in [&luoyang.token, elsewhere.token()] {
        assert_eq!(get_json(&app, token, &format!("{PROGRAMMES}/{pid}")).await.0, StatusCode::NOT_FOUND);
    }
    assert_eq!(get_json(&app, provider.token(), &format!("{PROGRAMMES}/{pid}")).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_approvals_never_commit_more_than_the_budget() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let provider = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    // 10,000 fen per application at 100 %; the budget covers fifteen.
    let pid = create_programme(&app, &regulator.token, &programme_body(150_000, 10_000, 10_000)).await;
    let mut applications = Vec::new();
    for seed in 100..120 {
        let small = enterprise(&app, seed, ZHENGZHOU, "other", 10).await;
        let engagement = engagement(&app, &small, &provider, 10_000, "2026-03-02").await;
        let application = applied(&app, &small, &pid, &engagement).await;
        assert_eq!(application["amount_fen"], 10_000);
        applications.push(id_of(&application));
    }

    let mut tasks = Vec::new();
    for application in &applications {
        let path = format!("{PROGRAMMES}/{pid}/applications/{application}/approval");
        let (http, url, token) = (app.http.clone(), app.url(&path), regulator.token.clone());
        tasks.push(tokio::spawn(async move {
            let response = http.post(url).bearer_auth(token).json(&json!({})).send().await.expect("request");
            status_json(response).await
        }));
    }
    let (mut approved, mut exhausted) = (0, 0);
    for task in tasks {
        let (status, body) = task.await.expect("task");
        match status {
            StatusCode::CREATED => {
                approved += 1;
                let committed = body["programme"]["committed_fen"].as_i64().expect("committed");
                assert!(committed <= 150_000, "{body}");
            }
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(body["code"], "budget_exhausted", "{body}");
                exhausted += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((approved, exhausted), (15, 5));
    assert_eq!(rows(&app, &format!("subsidy_programmes WHERE id = '{pid}' AND committed_fen = 150000")), 1);
    assert_eq!(rows(&app, &format!("subsidy_applications WHERE programme_id = '{pid}' AND status = 'approved'")), 15);
    assert_eq!(rows(&app, &format!("subsidy_applications WHERE programme_id = '{pid}' AND status = 'pending'")), 5);
    assert_eq!(rows(&app, "audit_log WHERE action = 'subsidy_application.approve'"), 15);
    let (status, view) = get_json(&app, &regulator.token, &format!("{PROGRAMMES}/{pid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((view["committed_fen"].as_i64(), view["remaining_fen"].as_i64()), (Some(150_000), Some(0)));
}
