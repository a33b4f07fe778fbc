//! Engagements (豫安委〔2017〕17号 二, 八(三)) over real HTTP, on the backend TEST_DATABASE names:
//! the cross-region notice of 二(一) counted in working days, no charge outside the contract
//! (二(三)), the charging-without-service flag and its confirmation (八(三)), report combinations
//! (二(二)), the status order, the enterprise's evaluation, and the engineer rule (四(一)).

use e2e::insurance::{count, field_errors, get_json, id_of, pairs, post, status_json};
use e2e::market::{create_engagement, engagement_body, enterprise, provider, Party, ENGAGEMENTS};
use e2e::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ZHENGZHOU: &str = "410100";
const KAIFENG: &str = "410200";
const LUOYANG: &str = "410300";
/// 巩义: a province-managed county, its own unit although its code starts with 4101.
const GONGYI: &str = "410181";
const NOTICES: &str = "/api/v1/cross-region-notices";
const CHARGING: &str = "/api/v1/engagements/charging-without-service";

/// A valid resident identity number (GB 11643-1999), distinct per seed below 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("41010219800101{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

fn id(value: &Value) -> String {
    value["id"].as_str().expect("id").to_owned()
}

fn engagement_path(id: &str, action: &str) -> String {
    format!("{ENGAGEMENTS}/{id}/{action}")
}

/// `(field, code)` pairs of a problem, for assertions.
fn errors_of(problem: &Value) -> Vec<(String, String)> {
    field_errors(problem)
}

async fn pair(app: &TestApp, seed: u32, provider_region: &str, enterprise_region: &str) -> (Party, Party) {
    let provider = provider(app, seed, provider_region, &["consulting", "safety_assessment"], "2030-12-31").await;
    let enterprise = enterprise(app, seed + 1, enterprise_region, "other", 50).await;
    (provider, enterprise)
}

fn sql_count(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

fn paid_fen(app: &TestApp, engagement: &str) -> i64 {
    // The stored total, read from the database rather than from a response.
    let id = uuid::Uuid::parse_str(engagement).expect("uuid");
    persistence::engagements::find(&mut app.db.connect(), id).expect("find").expect("engagement").paid_fen
}

async fn pay(
    app: &TestApp,
    token: &str,
    engagement: &str,
    key: &str,
    amount: i64,
    paid_on: &str,
) -> (StatusCode, Value) {
    let body = json!({"amount_fen": amount, "paid_on": paid_on});
    status_json(post(app, token, &engagement_path(engagement, "payments"), Some(key), &body).await).await
}

async fn act(app: &TestApp, token: &str, engagement: &str, action: &str, body: Value) -> (StatusCode, Value) {
    status_json(post(app, token, &engagement_path(engagement, action), None, &body).await).await
}

#[tokio::test]
async fn a_cross_region_engagement_notifies_the_enterprise_city_once_counting_working_days() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 10, ZHENGZHOU, KAIFENG).await;
    // Notice on Tue 2026-09-29. Working days after it: Wed 30 Sep (1); 1–7 Oct are the National
    // Day holiday; Thu 8 (2), Fri 9 (3), Sat 10 Oct is a make-up workday (4), Sun 11 is not,
    // Mon 12 (5), Tue 13 (6), Wed 14 (7). Without the holiday table it would be 8 Oct.
    let earliest = "2026-10-14";
    let mut body = engagement_body(&enterprise.id, &provider.id, 100_000, "2026-09-29", "2026-12-31");
    body["planned_on_site_dates"] = json!(["2026-10-13", earliest]);
    let created = create_engagement(&app, provider.token(), &body).await;
    let engagement = id(&created);
    let notice = &created["cross_region_notice"];
    assert_eq!(notice["regulator_region"], KAIFENG);
    assert_eq!(notice["provider_region"], ZHENGZHOU);
    assert_eq!(notice["notified_on"], "2026-09-29");
    assert_eq!(notice["earliest_on_site"], earliest);
    assert_eq!(notice["late_dates"], json!(["2026-10-13"]));
    assert_eq!(notice["flagged"], true);
    assert_eq!(notice["calendar_covered"], true);
    assert_eq!(sql_count(&app, &format!("cross_region_notices WHERE engagement_id = '{engagement}'")), 1);
    assert_eq!(sql_count(&app, "cross_region_notices"), 1);
    assert_eq!(
        sql_count(
            &app,
            &format!("audit_log WHERE action = 'cross_region_notice.create' AND resource_region = '{KAIFENG}'")
        ),
        1
    );

    // Planned on the earliest day only: in time, not flagged.
    let mut in_time = engagement_body(&enterprise.id, &provider.id, 100_000, "2026-09-29", "2026-12-31");
    in_time["planned_on_site_dates"] = json!([earliest]);
    let second = create_engagement(&app, provider.token(), &in_time).await;
    assert_eq!(second["cross_region_notice"]["flagged"], false);
    assert_eq!(second["cross_region_notice"]["late_dates"], json!([]));

    // Visible to Kaifeng's regulator, not Zhengzhou's (the provider's) or Luoyang's.
    let kaifeng = app.regulator(KAIFENG).await;
    let (status, page) = get_json(&app, &kaifeng.token, NOTICES).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().expect("items").len(), 2);
    let (_, flagged) = get_json(&app, &kaifeng.token, &format!("{NOTICES}?flagged=true")).await;
    let flagged: Vec<&Value> = flagged["items"].as_array().expect("items").iter().collect();
    assert_eq!(flagged.len(), 1);
    assert_eq!(flagged[0]["engagement_id"], engagement.as_str());
    for other in [ZHENGZHOU, LUOYANG] {
        let regulator = app.regulator(other).await;
        let (status, page) = get_json(&app, &regulator.token, NOTICES).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(page["items"], json!([]), "{other} must not see Kaifeng's notices");
    }
    let province = app.regulator("410000").await;
    let (_, page) = get_json(&app, &province.token, NOTICES).await;
    assert_eq!(page["items"].as_array().expect("items").len(), 2);
    // Parties are not regulators.
    let (status, _) = get_json(&app, provider.token(), NOTICES).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The engagement itself: both parties and the regulators of either side see it, Luoyang not.
    for token in [provider.token(), enterprise.token(), kaifeng.token.as_str()] {
        let (status, view) = get_json(&app, token, &format!("{ENGAGEMENTS}/{engagement}")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["cross_region_notice"]["earliest_on_site"], earliest);
    }
    let luoyang = app.regulator(LUOYANG).await;
    let (status, _) = get_json(&app, &luoyang.token, &format!("{ENGAGEMENTS}/{engagement}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_same_city_engagement_has_no_notice_and_a_province_managed_county_is_its_own_unit() {
    let app = TestApp::spawn().await;
    let (provider, local) = pair(&app, 20, ZHENGZHOU, ZHENGZHOU).await;
    let created = create_engagement(
        &app,
        provider.token(),
        &engagement_body(&local.id, &provider.id, 50_000, "2026-11-02", "2026-12-31"),
    )
    .await;
    assert_eq!(created["cross_region_notice"], Value::Null);
    assert_eq!(sql_count(&app, "cross_region_notices"), 0);
    assert_eq!(sql_count(&app, &format!("engagements WHERE id = '{}'", id(&created))), 1);

    // 巩义 answers to the province, not to Zhengzhou: a Zhengzhou provider there notifies 巩义.
    let gongyi = enterprise(&app, 22, GONGYI, "other", 30).await;
    let created = create_engagement(
        &app,
        provider.token(),
        &engagement_body(&gongyi.id, &provider.id, 50_000, "2026-11-02", "2026-12-31"),
    )
    .await;
    assert_eq!(created["cross_region_notice"]["regulator_region"], GONGYI);
    assert_eq!(sql_count(&app, "cross_region_notices"), 1);
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let (_, page) = get_json(&app, &zhengzhou.token, NOTICES).await;
    assert_eq!(page["items"], json!([]));
    let county = app.regulator(GONGYI).await;
    let (_, page) = get_json(&app, &county.token, NOTICES).await;
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
}

#[tokio::test]
async fn payments_never_exceed_the_contract_fee() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 30, ZHENGZHOU, ZHENGZHOU).await;
    let created = create_engagement(
        &app,
        enterprise.token(),
        &engagement_body(&enterprise.id, &provider.id, 100_000, "2026-11-02", "2026-12-31"),
    )
    .await;
    let engagement = id(&created);
    assert_eq!(created["contract_fee_fen"], 100_000);

    // One fen over the fee.
    let (status, problem) = pay(&app, enterprise.token(), &engagement, "p-1", 100_001, "2026-11-03").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "charge_outside_contract");
    assert_eq!(errors_of(&problem), pairs(&[("amount_fen", "charge_outside_contract")]));
    let detail = problem["detail"].as_str().expect("detail");
    assert!(detail.contains("100000") && detail.contains("100001"), "{detail}");
    assert_eq!(paid_fen(&app, &engagement), 0);
    assert_eq!(sql_count(&app, "engagement_payments"), 0);

    // Money needs an Idempotency-Key; zero and future dates are refused.
    let no_key = json!({"amount_fen": 1, "paid_on": "2026-11-03"});
    let (status, problem) =
        status_json(post(&app, enterprise.token(), &engagement_path(&engagement, "payments"), None, &no_key).await)
            .await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::BAD_REQUEST, json!("idempotency_key_required")));
    let (status, problem) = pay(&app, enterprise.token(), &engagement, "p-0", 0, "2099-01-01").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_of(&problem), pairs(&[("amount_fen", "invalid_amount"), ("paid_on", "out_of_range")]));

    // Part, then one fen too many, then exactly the rest.
    let (status, paid) = pay(&app, enterprise.token(), &engagement, "p-2", 60_000, "2026-11-03").await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    assert_eq!(paid["paid_fen"], 60_000);
    let (status, replay) = pay(&app, enterprise.token(), &engagement, "p-2", 60_000, "2026-11-03").await;
    assert_eq!((status, replay["id"].clone()), (StatusCode::CREATED, paid["id"].clone()));
    assert_eq!(paid_fen(&app, &engagement), 60_000);
    let (status, problem) = pay(&app, provider.token(), &engagement, "p-3", 40_001, "2026-11-04").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["code"], "charge_outside_contract");
    assert_eq!(paid_fen(&app, &engagement), 60_000);
    let (status, paid) = pay(&app, provider.token(), &engagement, "p-4", 40_000, "2026-11-04").await;
    assert_eq!(status, StatusCode::CREATED, "{paid}");
    assert_eq!((paid["paid_fen"].clone(), paid["contract_fee_fen"].clone()), (json!(100_000), json!(100_000)));
    assert_eq!(paid_fen(&app, &engagement), 100_000);
    assert_eq!(sql_count(&app, &format!("engagement_payments WHERE engagement_id = '{engagement}'")), 2);
    assert_eq!(sql_count(&app, "audit_log WHERE action = 'engagement.payment'"), 2);

    // Regulators do not record payments; strangers do not see the engagement.
    let regulator = app.regulator(ZHENGZHOU).await;
    let (status, _) = pay(&app, &regulator.token, &engagement, "p-5", 1, "2026-11-04").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = enterprise_party(&app, 33).await;
    let (status, _) = pay(&app, stranger.token(), &engagement, "p-6", 1, "2026-11-04").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

async fn enterprise_party(app: &TestApp, seed: u32) -> Party {
    enterprise(app, seed, ZHENGZHOU, "other", 10).await
}

#[tokio::test]
async fn charging_without_service_is_flagged_from_the_day_after_the_deadline_and_confirmed_once() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 40, ZHENGZHOU, KAIFENG).await;
    let body = engagement_body(&enterprise.id, &provider.id, 100_000, "2026-09-01", "2026-10-31");
    let engagement = id(&create_engagement(&app, enterprise.token(), &body).await);
    let unpaid = id(&create_engagement(&app, enterprise.token(), &body).await);
    let (status, _) = pay(&app, enterprise.token(), &engagement, "c-1", 30_000, "2026-10-01").await;
    assert_eq!(status, StatusCode::CREATED);

    let kaifeng = app.regulator(KAIFENG).await;
    let listed = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["engagement_id"].as_str().unwrap_or("").to_owned())
            .collect()
    };
    let (status, on_deadline) = get_json(&app, &kaifeng.token, &format!("{CHARGING}?on=2026-10-31")).await;
    assert_eq!(status, StatusCode::OK, "{on_deadline}");
    assert_eq!(listed(&on_deadline), Vec::<String>::new());
    let (_, after) = get_json(&app, &kaifeng.token, &format!("{CHARGING}?on=2026-11-01")).await;
    assert_eq!(listed(&after), vec![engagement.clone()], "the unpaid engagement is never flagged");
    assert_eq!(after["items"][0]["paid_fen"], 30_000);
    assert_eq!(after["items"][0]["delivery_deadline"], "2026-10-31");
    assert_eq!(after["items"][0]["status"], "signed");
    // The provider's city regulator supervises the enterprise's? No: Zhengzhou sees nothing.
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let (_, other) = get_json(&app, &zhengzhou.token, &format!("{CHARGING}?on=2026-11-01")).await;
    assert_eq!(listed(&other), Vec::<String>::new());
    let (status, _) = get_json(&app, enterprise.token(), &format!("{CHARGING}?on=2026-11-01")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let confirm = |on: &str| json!({"decided_on": on, "note": "已收取费用，逾期未提供服务"});
    let path = engagement_path(&engagement, "charging-without-service");
    let (status, problem) = status_json(post(&app, &kaifeng.token, &path, None, &confirm("2026-10-31")).await).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_flagged")));
    let (status, problem) = status_json(
        post(&app, &kaifeng.token, &engagement_path(&unpaid, "charging-without-service"), None, &confirm("2026-11-01"))
            .await,
    )
    .await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_flagged")));
    let (status, _) = status_json(post(&app, &zhengzhou.token, &path, None, &confirm("2026-11-01")).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only the enterprise's regulator confirms");
    assert_eq!(sql_count(&app, "credit_events"), 0);

    let (status, confirmed) = status_json(post(&app, &kaifeng.token, &path, None, &confirm("2026-11-01")).await).await;
    assert_eq!(status, StatusCode::CREATED, "{confirmed}");
    assert_eq!(confirmed["event_type"], "charging_without_service");
    assert_eq!(confirmed["points"], -20);
    let event = confirmed["credit_event_id"].as_str().expect("credit event id");
    let listing = confirmed["blacklist_listing_id"].as_str().expect("blacklist listing id");
    let events = format!(
        "credit_events WHERE id = '{event}' AND organization_id = '{}' AND event_type = 'charging_without_service' \
         AND source_type = 'engagement' AND source_id = '{engagement}'",
        provider.id
    );
    assert_eq!(sql_count(&app, &events), 1);
    let listings = format!("blacklist_listings WHERE id = '{listing}' AND organization_id = '{}'", provider.id);
    assert_eq!(sql_count(&app, &listings), 1);

    let (status, problem) = status_json(post(&app, &kaifeng.token, &path, None, &confirm("2026-11-02")).await).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("already_confirmed")));
    assert_eq!(sql_count(&app, "credit_events"), 1);
    assert_eq!(sql_count(&app, &format!("blacklist_listings WHERE organization_id = '{}'", provider.id)), 1);
}

#[tokio::test]
async fn report_documents_combine_only_the_three_pairs() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 50, ZHENGZHOU, ZHENGZHOU).await;
    let mut body = engagement_body(&enterprise.id, &provider.id, 10_000, "2026-11-02", "2026-12-31");
    body["reports"] = json!([["safety_status_assessment"], ["safety_pre_assessment", "safety_facilities_design"]]);
    let (status, problem) = status_json(post(&app, provider.token(), ENGAGEMENTS, None, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(errors_of(&problem), pairs(&[("reports[1]", "invalid_report_combination")]));
    assert_eq!(sql_count(&app, "engagements"), 0);

    body["reports"] =
        json!([["safety_acceptance_evaluation", "occupational_control_effect_evaluation"], ["testing_report"]]);
    let created = create_engagement(&app, provider.token(), &body).await;
    assert_eq!(created["reports"], body["reports"]);
    assert_eq!(sql_count(&app, "engagements"), 1);
}

#[tokio::test]
async fn creation_names_every_bad_field_and_checks_who_acts_for_whom() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 60, ZHENGZHOU, ZHENGZHOU).await;
    let unknown = "0190f0a2-7b3c-7d4e-8f90-123456789abc";
    let body = json!({
        "enterprise_id": provider.id,
        "provider_id": unknown,
        "services": [{"service_type": "consulting", "fee_fen": -1}, {"service_type": "consulting", "fee_fen": 5}],
        "reports": [["bogus"]],
        "signed_on": "2099-01-01",
        "starts_on": "2026-11-02",
        "ends_on": "2026-11-01",
        "delivery_deadline": "2026-11-30",
        "planned_on_site_dates": ["2026-13-01"],
        "personnel": [],
    });
    let (status, problem) = status_json(post(&app, app.admin_token(), ENGAGEMENTS, None, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        errors_of(&problem),
        pairs(&[
            ("enterprise_id", "not_an_enterprise"),
            ("provider_id", "unknown_organization"),
            ("services[0].fee_fen", "invalid_amount"),
            ("services[1].service_type", "duplicate"),
            ("reports[0][0]", "invalid_report_type"),
            ("signed_on", "out_of_range"),
            ("ends_on", "invalid_period"),
            ("planned_on_site_dates[0]", "invalid_date"),
        ])
    );
    let good = engagement_body(&enterprise.id, &provider.id, 10_000, "2026-11-02", "2026-12-31");
    // An agency for another provider, an enterprise for another enterprise, an insurer: 403.
    let other = e2e::market::provider(&app, 62, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let (status, _) = status_json(post(&app, other.token(), ENGAGEMENTS, None, &good).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = enterprise_party(&app, 64).await;
    let (status, _) = status_json(post(&app, stranger.token(), ENGAGEMENTS, None, &good).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let regulator = app.regulator(ZHENGZHOU).await;
    let (status, _) = status_json(post(&app, &regulator.token, ENGAGEMENTS, None, &good).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A demand that was never awarded to this provider.
    let mut from_demand = good.clone();
    from_demand["demand_id"] = json!(unknown);
    let (status, problem) = status_json(post(&app, enterprise.token(), ENGAGEMENTS, None, &from_demand).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_of(&problem), pairs(&[("demand_id", "demand_not_awarded")]));
    assert_eq!(sql_count(&app, "engagements"), 0);

    // Idempotent retry: one engagement.
    let first = post(&app, enterprise.token(), ENGAGEMENTS, Some("e-1"), &good).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let (_, first) = status_json(first).await;
    let (status, again) = status_json(post(&app, enterprise.token(), ENGAGEMENTS, Some("e-1"), &good).await).await;
    assert_eq!((status, id(&again)), (StatusCode::CREATED, id(&first)));
    assert_eq!(sql_count(&app, "engagements"), 1);
    assert_eq!(sql_count(&app, "audit_log WHERE action = 'engagement.create'"), 1);

    // The list: each party sees its own; a stranger nothing.
    let (_, page) = get_json(&app, provider.token(), ENGAGEMENTS).await;
    assert_eq!(page["items"].as_array().expect("items").len(), 1);
    let (_, page) = get_json(&app, stranger.token(), ENGAGEMENTS).await;
    assert_eq!(page["items"], json!([]));
    let (status, _) = get_json(&app, stranger.token(), &format!("{ENGAGEMENTS}/{}", id(&first))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn status_moves_forward_by_the_right_party_and_evaluation_follows_acceptance_once() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 70, ZHENGZHOU, ZHENGZHOU).await;
    let engagement = id(&create_engagement(
        &app,
        provider.token(),
        &engagement_body(&enterprise.id, &provider.id, 80_000, "2026-11-02", "2026-12-31"),
    )
    .await);
    let status_in_db =
        |status: &str| sql_count(&app, &format!("engagements WHERE id = '{engagement}' AND status = '{status}'"));

    let (status, _) = act(&app, enterprise.token(), &engagement, "start", json!({"started_on": "2026-11-03"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the enterprise does not start the provider's work");
    let (status, problem) =
        act(&app, enterprise.token(), &engagement, "acceptance", json!({"accepted_on": "2026-11-03"})).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("invalid_transition")));
    let delivery =
        json!({"delivered_on": "2026-11-20", "procedure": "现场勘查、资料审查", "main_content": "安全咨询报告"});
    let (status, problem) = act(&app, provider.token(), &engagement, "delivery", delivery.clone()).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("invalid_transition")));
    assert_eq!(status_in_db("signed"), 1);

    let (status, started) =
        act(&app, provider.token(), &engagement, "start", json!({"started_on": "2026-11-03"})).await;
    assert_eq!((status, started["status"].clone()), (StatusCode::OK, json!("in_progress")));
    let (status, problem) = act(
        &app,
        enterprise.token(),
        &engagement,
        "evaluation",
        json!({"rating": 5, "comment": "好", "evaluated_on": "2026-11-21"}),
    )
    .await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("not_accepted")));
    let (status, delivered) = act(&app, provider.token(), &engagement, "delivery", delivery).await;
    assert_eq!(status, StatusCode::OK, "{delivered}");
    assert_eq!(delivered["procedure"], "现场勘查、资料审查");
    assert_eq!(delivered["delivered_on"], "2026-11-20");
    let (status, _) =
        act(&app, provider.token(), &engagement, "acceptance", json!({"accepted_on": "2026-11-21"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the provider does not accept its own work");
    let (status, problem) =
        act(&app, enterprise.token(), &engagement, "acceptance", json!({"accepted_on": "2026-11-19"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_of(&problem), pairs(&[("accepted_on", "invalid_range")]));
    let (status, accepted) =
        act(&app, enterprise.token(), &engagement, "acceptance", json!({"accepted_on": "2026-11-21"})).await;
    assert_eq!((status, accepted["status"].clone()), (StatusCode::OK, json!("accepted")));
    let (status, problem) =
        act(&app, enterprise.token(), &engagement, "dispute", json!({"disputed_on": "2026-11-22", "reason": "迟了"}))
            .await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("invalid_transition")));
    assert_eq!(status_in_db("accepted"), 1);
    assert_eq!(
        sql_count(&app, &format!("audit_log WHERE resource_id = '{engagement}' AND action IN ('engagement.start', 'engagement.deliver', 'engagement.accept')")),
        3
    );

    // Evaluation: the enterprise only, rating 1–5, once.
    let (status, _) = act(
        &app,
        provider.token(),
        &engagement,
        "evaluation",
        json!({"rating": 5, "comment": "好", "evaluated_on": "2026-11-22"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = act(
        &app,
        enterprise.token(),
        &engagement,
        "evaluation",
        json!({"rating": 6, "comment": "好", "evaluated_on": "2026-11-22"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_of(&problem), pairs(&[("rating", "invalid_rating")]));
    let (status, evaluation) = act(
        &app,
        enterprise.token(),
        &engagement,
        "evaluation",
        json!({"rating": 2, "comment": "报告粗糙", "evaluated_on": "2026-11-22"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{evaluation}");
    assert_eq!(evaluation["event_type"], "service_evaluation_negative");
    assert_eq!(evaluation["points"], -3);
    let event = evaluation["credit_event_id"].as_str().expect("credit event");
    assert_eq!(
        sql_count(
            &app,
            &format!(
                "credit_events WHERE id = '{event}' AND organization_id = '{}' AND source_id = '{engagement}'",
                provider.id
            )
        ),
        1
    );
    assert_eq!(
        sql_count(&app, &format!("engagement_evaluations WHERE engagement_id = '{engagement}' AND rating = 2")),
        1
    );
    let (status, problem) = act(
        &app,
        enterprise.token(),
        &engagement,
        "evaluation",
        json!({"rating": 5, "comment": "改评", "evaluated_on": "2026-11-23"}),
    )
    .await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("already_evaluated")));
    assert_eq!(sql_count(&app, "credit_events"), 1);
    assert_eq!(sql_count(&app, "engagement_evaluations"), 1);
}

#[tokio::test]
async fn safety_assessment_needs_a_registered_engineer_employed_by_the_provider() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 80, ZHENGZHOU, ZHENGZHOU).await;
    let mut body = engagement_body(&enterprise.id, &provider.id, 200_000, "2026-11-02", "2026-12-31");
    body["services"] = json!([{"service_type": "safety_assessment", "fee_fen": 200_000}]);
    let (status, problem) = status_json(post(&app, provider.token(), ENGAGEMENTS, None, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(errors_of(&problem), pairs(&[("personnel", "engineer_required")]));

    // A stranger to the provider is not its personnel.
    body["personnel"] = json!([{"resident_id": resident_id(1), "name": "王工"}]);
    let (status, problem) = status_json(post(&app, provider.token(), ENGAGEMENTS, None, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_of(&problem), pairs(&[("personnel[0]", "not_employed"), ("personnel", "engineer_required")]));

    // Employed but not registered: still no engineer.
    let employ = json!({
        "person": {"resident_id": resident_id(1), "name": "王工"},
        "position": "评价师", "safety_head": false, "from": "2020-01-01", "to": null,
    });
    let path = format!("/api/v1/organizations/{}/employments", provider.id);
    let (status, created) = status_json(post(&app, app.admin_token(), &path, None, &employ).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, problem) = status_json(post(&app, provider.token(), ENGAGEMENTS, None, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_of(&problem), pairs(&[("personnel", "engineer_required")]));

    // Registered with the provider: accepted, with the registration recorded.
    let engineer = json!({
        "person": {"resident_id": resident_id(1), "name": "王工"},
        "level": "intermediate", "category": "other", "registration_number": "ZJ-80",
        "registered_on": "2024-01-01", "employer_id": provider.id, "continuing_education_hours": 48,
    });
    let (status, registration) =
        status_json(post(&app, app.admin_token(), "/api/v1/engineers", None, &engineer).await).await;
    assert_eq!(status, StatusCode::CREATED, "{registration}");
    let created = create_engagement(&app, provider.token(), &body).await;
    let personnel = &created["personnel"][0];
    assert_eq!(personnel["name"], "王工");
    assert_eq!(personnel["engineer_id"], registration["id"]);
    assert_eq!(personnel["registration_number"], "ZJ-80");
    assert!(personnel.get("resident_id").is_none(), "no identity number in the engagement view");
    let engagement = id(&created);
    let engineer_id = id_of(&registration);
    assert_eq!(
        sql_count(
            &app,
            &format!("engagement_personnel WHERE engagement_id = '{engagement}' AND engineer_id = '{engineer_id}'")
        ),
        1
    );
}

#[tokio::test]
async fn the_holiday_calendar_is_data_that_the_notice_count_follows() {
    let app = TestApp::spawn().await;
    let holidays = "/api/v1/reference/holidays";
    let (provider, enterprise) = pair(&app, 90, ZHENGZHOU, KAIFENG).await;
    let (status, year) = get_json(&app, enterprise.token(), &format!("{holidays}?year=2026")).await;
    assert_eq!(status, StatusCode::OK, "{year}");
    assert_eq!(year["covered"], true);
    let items = year["items"].as_array().expect("items");
    assert!(items.iter().any(|d| d["day"] == "2026-10-10" && d["kind"] == "workday"));
    assert!(items.iter().any(|d| d["day"] == "2026-10-01" && d["kind"] == "holiday"));
    let (_, empty) = get_json(&app, enterprise.token(), &format!("{holidays}?year=2030")).await;
    assert_eq!((empty["covered"].clone(), empty["items"].clone()), (json!(false), json!([])));

    // Only admins replace a year, and only against the arrangement they read.
    let path = format!("{holidays}/2026");
    let mut without_makeup: Vec<Value> = items
        .iter()
        .filter(|d| d["day"] != "2026-10-10")
        .map(|d| json!({"day": d["day"], "kind": d["kind"], "name": d["name"]}))
        .collect();
    let body = json!({"days": without_makeup});
    let put = |token: &str, if_match: Option<&str>, body: &Value| {
        let mut request = app.http.put(app.url(&path)).bearer_auth(token).json(body);
        if let Some(tag) = if_match {
            request = request.header("If-Match", tag);
        }
        request.send()
    };
    let response = app
        .http
        .get(app.url(&format!("{holidays}?year=2026")))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("get");
    let tag = response.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(put(enterprise.token(), Some(&tag), &body).await.expect("put").status(), StatusCode::FORBIDDEN);
    assert_eq!(put(app.admin_token(), None, &body).await.expect("put").status(), StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(
        put(app.admin_token(), Some("\"stale\""), &body).await.expect("put").status(),
        StatusCode::PRECONDITION_FAILED
    );
    without_makeup.push(json!({"day": "2027-01-01", "kind": "holiday", "name": "元旦"}));
    let (status, problem) =
        status_json(put(app.admin_token(), Some(&tag), &json!({"days": without_makeup})).await.expect("put")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(errors_of(&problem), pairs(&[(&format!("days[{}].day", without_makeup.len() - 1), "out_of_range")]));
    let (status, replaced) = status_json(put(app.admin_token(), Some(&tag), &body).await.expect("put")).await;
    assert_eq!(status, StatusCode::OK, "{replaced}");
    assert_eq!(sql_count(&app, "holidays WHERE day = '2026-10-10'"), 0);
    assert_eq!(sql_count(&app, "audit_log WHERE action = 'holidays.replace' AND resource_id = '2026'"), 1);

    // Without the Saturday make-up day the seventh working day after 29 Sep is 15 Oct.
    let mut engagement = engagement_body(&enterprise.id, &provider.id, 10_000, "2026-09-29", "2026-12-31");
    engagement["planned_on_site_dates"] = json!(["2026-10-14"]);
    let created = create_engagement(&app, provider.token(), &engagement).await;
    assert_eq!(created["cross_region_notice"]["earliest_on_site"], "2026-10-15");
    assert_eq!(created["cross_region_notice"]["late_dates"], json!(["2026-10-14"]));

    // A year without rows is counted over weekends only, and the notice says so.
    let old = engagement_body(&enterprise.id, &provider.id, 10_000, "2024-12-20", "2025-03-31");
    let created = create_engagement(&app, provider.token(), &old).await;
    // Fri 20 Dec 2024: 23–27 Dec (5), 30 (6), 31 (7).
    assert_eq!(created["cross_region_notice"]["earliest_on_site"], "2024-12-31");
    assert_eq!(created["cross_region_notice"]["calendar_covered"], false);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_payments_never_together_exceed_the_fee() {
    let app = TestApp::spawn().await;
    let (provider, enterprise) = pair(&app, 100, ZHENGZHOU, ZHENGZHOU).await;
    let body = engagement_body(&enterprise.id, &provider.id, 100_000, "2026-11-02", "2026-12-31");
    let engagement = id(&create_engagement(&app, enterprise.token(), &body).await);
    let mut tasks = Vec::new();
    for i in 0..12 {
        let (http, url, token) =
            (app.http.clone(), app.url(&engagement_path(&engagement, "payments")), enterprise.token().to_owned());
        tasks.push(tokio::spawn(async move {
            let response = http
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", format!("race-{i}"))
                .json(&json!({"amount_fen": 20_000, "paid_on": "2026-11-03"}))
                .send()
                .await
                .expect("request");
            status_json(response).await
        }));
    }
    let mut accepted = 0;
    for task in tasks {
        let (status, body) = task.await.expect("task");
        match status {
            StatusCode::CREATED => accepted += 1,
            StatusCode::UNPROCESSABLE_ENTITY => assert_eq!(body["code"], "charge_outside_contract"),
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!(accepted, 5);
    assert_eq!(paid_fen(&app, &engagement), 100_000);
    assert_eq!(sql_count(&app, &format!("engagement_payments WHERE engagement_id = '{engagement}'")), 5);
}
