//! Part-time safety manager equivalence (豫安委〔2017〕17号 九(三); 安全生产法 第二十四条) over real
//! HTTP, on the backend TEST_DATABASE names: an enterprise retaining a provider for at least 12
//! months is deemed to have part-time safety staff — at 100 employees but not 101, never in a
//! sector that needs full-time staff — and who may ask.

use e2e::insurance::{count, field_errors, get_json, id_of, pairs, post, status_json};
use e2e::market::{create_engagement, engagement_body, enterprise, provider, provider_of_kind, Party, ENGAGEMENTS};
use e2e::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
const RULES: [&str; 2] = ["part_time_safety_max_employees@2017-11-08", "long_term_retention_months@2017-11-08"];

fn path(org: &str, on: &str) -> String {
    format!("/api/v1/organizations/{org}/safety-management?on={on}")
}

/// The answer for `org` on `on` as `token` sees it; panics unless 200.
async fn answer(app: &TestApp, token: &str, org: &str, on: &str) -> Value {
    let (status, body) = get_json(app, token, &path(org, on)).await;
    assert_eq!(status, StatusCode::OK, "safety management failed: {body}");
    body
}

/// `(deemed, reason, retaining engagement id or null)`.
fn verdict(view: &Value) -> (bool, String, Value) {
    (
        view["deemed"].as_bool().expect("deemed"),
        view["reason"].as_str().expect("reason").to_owned(),
        view["retaining_engagement"]["engagement_id"].clone(),
    )
}

/// An engagement from `starts_on` to `ends_on`, signed on `starts_on`, created by admin.
async fn retain(app: &TestApp, enterprise: &Party, provider: &Party, starts_on: &str, ends_on: &str) -> String {
    let body = engagement_body(&enterprise.id, &provider.id, 120_000, starts_on, ends_on);
    id_of(&create_engagement(app, app.admin_token(), &body).await)
}

#[tokio::test]
async fn a_twelve_month_engagement_makes_100_employees_equivalent_but_not_101_nor_a_mine() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let hundred = enterprise(&app, 2, ZHENGZHOU, "other", 100).await;
    let hundred_one = enterprise(&app, 3, ZHENGZHOU, "other", 101).await;
    let mine = enterprise(&app, 4, ZHENGZHOU, "mining", 10).await;
    // Exactly 12 months: 2026-01-01 to 2026-12-31, both included.
    let engagement = retain(&app, &hundred, &agency, "2026-01-01", "2026-12-31").await;
    retain(&app, &hundred_one, &agency, "2026-01-01", "2026-12-31").await;
    retain(&app, &mine, &agency, "2026-01-01", "2026-12-31").await;
    let mut conn = app.db.connect();
    for party in [&hundred, &hundred_one, &mine] {
        let stored = format!(
            "engagements WHERE enterprise_id = '{}' AND starts_on = '2026-01-01' AND ends_on = '2026-12-31' \
             AND status = 'signed'",
            party.id
        );
        assert_eq!(count(&mut conn, &stored), 1);
    }

    let view = answer(&app, hundred.token(), &hundred.id, "2026-06-30").await;
    assert_eq!(verdict(&view), (true, "retains_provider_long_term".into(), json!(engagement)));
    assert_eq!(view["organization_id"], json!(hundred.id));
    assert_eq!(view["on"], json!("2026-06-30"));
    assert_eq!(view["sector"], json!("other"));
    assert_eq!(view["employee_count"], json!(100));
    assert_eq!(view["retaining_engagement"]["provider_id"], json!(agency.id));
    assert_eq!(view["retaining_engagement"]["provider_name"], json!("河南安全技术服务有限公司1"));
    assert_eq!(view["retaining_engagement"]["starts_on"], json!("2026-01-01"));
    assert_eq!(view["retaining_engagement"]["ends_on"], json!("2026-12-31"));
    assert_eq!(view["rule_versions"], json!(RULES));
    assert!(view["explanation"].as_str().is_some_and(|e| e.contains("deemed")));

    let view = answer(&app, hundred_one.token(), &hundred_one.id, "2026-06-30").await;
    assert_eq!(verdict(&view), (false, "more_than_max_employees".into(), Value::Null));
    assert_eq!(view["retaining_engagement"], Value::Null);
    assert_eq!(view["rule_versions"], json!(RULES));

    let view = answer(&app, mine.token(), &mine.id, "2026-06-30").await;
    assert_eq!(verdict(&view), (false, "sector_requires_full_time_staff".into(), Value::Null));

    // The term's first and last day are covered, the days around them are not.
    for (on, deemed) in [("2025-12-31", false), ("2026-01-01", true), ("2026-12-31", true), ("2027-01-01", false)] {
        let view = answer(&app, app.admin_token(), &hundred.id, on).await;
        assert_eq!(view["deemed"], json!(deemed), "on {on}");
        let reason = if deemed { "retains_provider_long_term" } else { "no_long_term_retention" };
        assert_eq!(view["reason"], json!(reason), "on {on}");
    }
}

#[tokio::test]
async fn twelve_months_less_a_day_and_disputed_engagements_do_not_count_but_an_engineer_firm_does() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let firm = provider_of_kind(&app, 5, ZHENGZHOU, "engineer_firm", &["consulting"], "2030-12-31").await;
    let small = enterprise(&app, 2, ZHENGZHOU, "other", 12).await;

    // One day short of 12 months.
    retain(&app, &small, &agency, "2026-01-01", "2026-12-30").await;
    let view = answer(&app, small.token(), &small.id, "2026-06-30").await;
    assert_eq!(verdict(&view), (false, "no_long_term_retention".into(), Value::Null));

    // A full 12 months, then disputed: no longer a retention.
    let disputed = retain(&app, &small, &agency, "2026-01-01", "2026-12-31").await;
    let view = answer(&app, small.token(), &small.id, "2026-06-30").await;
    assert_eq!(verdict(&view), (true, "retains_provider_long_term".into(), json!(disputed)));
    let steps = [
        ("start", agency.token(), json!({"started_on": "2026-01-02"})),
        (
            "delivery",
            agency.token(),
            json!({"delivered_on": "2026-02-01", "procedure": "现场检查", "main_content": "隐患排查报告"}),
        ),
        ("dispute", small.token(), json!({"disputed_on": "2026-02-10", "reason": "报告内容与现场不符"})),
    ];
    for (step, token, body) in steps {
        let (status, view) =
            status_json(post(&app, token, &format!("{ENGAGEMENTS}/{disputed}/{step}"), None, &body).await).await;
        assert_eq!(status, StatusCode::OK, "{step}: {view}");
    }
    let mut conn = app.db.connect();
    assert_eq!(count(&mut conn, &format!("engagements WHERE id = '{disputed}' AND status = 'disputed'")), 1);
    let view = answer(&app, small.token(), &small.id, "2026-06-30").await;
    assert_eq!(verdict(&view), (false, "no_long_term_retention".into(), Value::Null));

    // An engineer firm retained for 13 months stands for a registered engineer.
    let retained = retain(&app, &small, &firm, "2026-03-01", "2027-03-31").await;
    let view = answer(&app, small.token(), &small.id, "2026-06-30").await;
    assert_eq!(verdict(&view), (true, "retains_provider_long_term".into(), json!(retained)));
    assert_eq!(view["retaining_engagement"]["provider_id"], json!(firm.id));
    assert_eq!(count(&mut conn, &format!("engagements WHERE enterprise_id = '{}'", small.id)), 3);
}

#[tokio::test]
async fn unrecorded_size_is_not_deemed() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let unknown = app
        .organization(json!({
            "credit_code": e2e::credit_code(9),
            "name": "测试企业9",
            "kind": "enterprise",
            "region_code": ZHENGZHOU,
            "sector": "other",
            "contact_phone": "13812345678",
            "legal_representative": "张三",
        }))
        .await;
    let id = id_of(&unknown);
    let body = engagement_body(&id, &agency.id, 1, "2026-01-01", "2026-12-31");
    create_engagement(&app, app.admin_token(), &body).await;
    let view = answer(&app, app.admin_token(), &id, "2026-06-30").await;
    assert_eq!(verdict(&view), (false, "employee_count_unknown".into(), Value::Null));
    assert_eq!(view["employee_count"], Value::Null);
}

#[tokio::test]
async fn the_enterprise_its_regulators_admins_and_portals_may_ask_and_nobody_else() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let small = enterprise(&app, 2, ZHENGZHOU, "other", 20).await;
    let other = enterprise(&app, 3, ZHENGZHOU, "other", 20).await;
    retain(&app, &small, &agency, "2026-01-01", "2026-12-31").await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let province = app.regulator("410000").await;
    let portal = app.client("portal", None, None).await;

    for token in
        [small.token(), zhengzhou.token.as_str(), province.token.as_str(), portal.token.as_str(), app.admin_token()]
    {
        assert_eq!(answer(&app, token, &small.id, "2026-06-30").await["deemed"], json!(true));
    }
    for token in [other.token(), agency.token(), luoyang.token.as_str()] {
        let (status, problem) = get_json(&app, token, &path(&small.id, "2026-06-30")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    }
    let (status, problem) = get_json(&app, agency.token(), &path(&agency.id, "2026-06-30")).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_an_enterprise")));
    let (status, problem) = get_json(&app, small.token(), &path(&small.id, "2026-02-30")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("on", "invalid_date")]));
    // Before the rules took effect there is no answer.
    let (status, problem) = get_json(&app, small.token(), &path(&small.id, "2017-11-07")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("on", "rule_not_in_force")]));
    // Without a date: today (CST).
    let (status, view) =
        get_json(&app, small.token(), &format!("/api/v1/organizations/{}/safety-management", small.id)).await;
    assert_eq!(status, StatusCode::OK);
    let today = domain::time::cst_date(chrono::Utc::now()).to_string();
    assert_eq!(view["on"], json!(today));
    // Reading writes nothing.
    let mut conn = app.db.connect();
    assert_eq!(count(&mut conn, "audit_log WHERE action LIKE 'safety%'"), 0);
}
