//! Demands, matching and bids (豫安委〔2017〕17号 九(三)) over real HTTP, on the backend
//! TEST_DATABASE names: who is matched and why the others are not (八(一)–八(三)), the ranking by
//! grade, city and score, the demand lifecycle with bids and award, and who sees what.

use chrono::{Days, NaiveDate, Utc};
use e2e::insurance::{count, field_errors, get, get_json, id_of, pairs, post, status_json};
use e2e::market::{
    create_engagement, engagement_body, enterprise, provider, provider_of_kind, Party, DEMANDS, ENGAGEMENTS,
};
use e2e::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
/// 巩义: a province-managed county with a 4101 code, its own city.
const GONGYI: &str = "410181";

fn today() -> NaiveDate {
    domain::time::cst_date(Utc::now())
}

fn day(offset: i64) -> NaiveDate {
    let date = if offset < 0 {
        today().checked_sub_days(Days::new(offset.unsigned_abs()))
    } else {
        today().checked_add_days(Days::new(offset.unsigned_abs()))
    };
    date.expect("date in range")
}

/// `day(offset)` as the API writes it.
fn d(offset: i64) -> String {
    day(offset).to_string()
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

fn audit_rows(app: &TestApp, action: &str, resource_id: &str) -> i64 {
    rows(app, &format!("audit_log WHERE action = '{action}' AND resource_id = '{resource_id}'"))
}

fn demand_body(enterprise_id: Option<&str>, service: &str, region: &str, deadline: &str) -> Value {
    let mut body = json!({
        "service_type": service,
        "region_code": region,
        "budget_fen": 5_000_000,
        "deadline": deadline,
        "description": "年度隐患排查治理服务，含两次现场排查及整改复查",
    });
    if let Some(id) = enterprise_id {
        body["enterprise_id"] = json!(id);
    }
    body
}

/// Posts a demand and panics unless 201; returns it.
async fn post_demand(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, demand) = status_json(post(app, token, DEMANDS, None, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "demand failed: {demand}");
    demand
}

fn bid_body(price: i64) -> Value {
    json!({"price_fen": price, "plan": "两名注册安全工程师，两周内完成现场排查并出具报告"})
}

async fn bid(app: &TestApp, party: &Party, demand: &str, price: i64) -> (StatusCode, Value) {
    status_json(post(app, party.token(), &format!("{DEMANDS}/{demand}/bids"), None, &bid_body(price)).await).await
}

async fn matches(app: &TestApp, token: &str, demand: &str, on: Option<&str>) -> (StatusCode, Value) {
    let path = match on {
        Some(on) => format!("{DEMANDS}/{demand}/matches?on={on}"),
        None => format!("{DEMANDS}/{demand}/matches"),
    };
    get_json(app, token, &path).await
}

/// Ids of the matches, in rank order.
fn match_ids(list: &Value) -> Vec<String> {
    list["matches"].as_array().expect("matches").iter().map(|m| m["id"].as_str().expect("id").to_owned()).collect()
}

/// `(id, code)` of the excluded, sorted by id.
fn excluded(list: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = list["excluded"]
        .as_array()
        .expect("excluded")
        .iter()
        .map(|e| (e["id"].as_str().expect("id").to_owned(), e["code"].as_str().expect("code").to_owned()))
        .collect();
    out.sort();
    out
}

async fn credit_event(app: &TestApp, org: &str, event_type: &str) {
    let body = json!({
        "organization_id": org,
        "event_type": event_type,
        "occurred_on": d(-1),
        "evidence": "郑应急执〔2026〕118号 现场检查记录",
    });
    let (status, receipt) = status_json(post(app, app.admin_token(), "/api/v1/credit/events", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{event_type}: {receipt}");
}

#[tokio::test]
async fn matching_excludes_each_ineligible_provider_with_its_rule() {
    let app = TestApp::spawn().await;
    let deadline = 60;
    let needy = enterprise(&app, 1, ZHENGZHOU, "other", 30).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let hazard = ["hazard_investigation"];

    let eligible = provider(&app, 10, ZHENGZHOU, &hazard, "2030-12-31").await;
    // Valid through the deadline itself: still eligible; one day less: not.
    let on_deadline = provider(&app, 11, ZHENGZHOU, &hazard, &d(deadline)).await;
    let lapses = provider(&app, 12, ZHENGZHOU, &hazard, &d(deadline - 1)).await;
    let suspended = provider(&app, 13, ZHENGZHOU, &hazard, "2030-12-31").await;
    let blacklisted = provider(&app, 14, ZHENGZHOU, &hazard, "2030-12-31").await;
    let banned = provider(&app, 15, ZHENGZHOU, &hazard, "2030-12-31").await;
    let wrong_scope = provider(&app, 16, ZHENGZHOU, &["safety_assessment"], "2030-12-31").await;
    // 托管服务 (四(二)) covers hazard investigation.
    let entrusted = provider_of_kind(&app, 17, LUOYANG, "engineer_firm", &["entrusted_management"], "2030-12-31").await;
    let revoked = provider(&app, 18, ZHENGZHOU, &hazard, "2030-12-31").await;

    let suspension = json!({
        "organization_id": suspended.id, "kind": "service_suspension", "decided_on": d(-1),
        "from": d(-1), "to": d(30), "reason": "评价报告未按规定进行现场勘验",
    });
    let (status, body) = status_json(post(&app, &zhengzhou.token, "/api/v1/sanctions", None, &suspension).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let revocation = json!({
        "organization_id": revoked.id, "kind": "qualification_revocation", "decided_on": d(-1),
        "reason": "出租出借资质证书",
    });
    let (status, body) = status_json(post(&app, &zhengzhou.token, "/api/v1/sanctions", None, &revocation).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let ban = json!({
        "kind": "industry_ban", "organization_id": banned.id, "from": d(-1), "to": d(365),
        "case_ref": "郑州市“2025·11·3”较大事故调查报告", "reason": "对事故发生负有责任",
    });
    let (status, body) = status_json(post(&app, &zhengzhou.token, "/api/v1/bans", None, &ban).await).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    credit_event(&app, &blacklisted.id, "false_report").await;
    assert_eq!(rows(&app, &format!("blacklist_listings WHERE organization_id = '{}'", blacklisted.id)), 1);

    let demand =
        post_demand(&app, needy.token(), &demand_body(None, "hazard_investigation", ZHENGZHOU, &d(deadline))).await;
    let demand_id = id_of(&demand);

    // The regulator sees who is matched and why everyone else is not.
    let (status, list) = matches(&app, &zhengzhou.token, &demand_id, None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["qualification_on"], d(deadline));
    assert_eq!(list["on"], d(0));
    let mut matched = match_ids(&list);
    matched.sort();
    let mut expected = vec![eligible.id.clone(), on_deadline.id.clone(), entrusted.id.clone()];
    expected.sort();
    assert_eq!(matched, expected, "{list}");
    let mut expected_excluded = vec![
        (lapses.id.clone(), "qualification_expired".to_owned()),
        (suspended.id.clone(), "suspended".to_owned()),
        (blacklisted.id.clone(), "blacklisted".to_owned()),
        (banned.id.clone(), "banned".to_owned()),
        (wrong_scope.id.clone(), "wrong_scope".to_owned()),
        (revoked.id.clone(), "revoked".to_owned()),
    ];
    expected_excluded.sort();
    assert_eq!(excluded(&list), expected_excluded, "{list}");
    let lapsed = list["excluded"].as_array().unwrap().iter().find(|e| e["id"] == lapses.id.as_str()).unwrap();
    assert_eq!(lapsed["credit_code"], e2e::credit_code(12));
    assert!(lapsed["reason"].as_str().unwrap().contains("deadline"), "{lapsed}");
    // The enterprise is not a provider and is never a candidate.
    assert!(!list.to_string().contains(&needy.id));

    // Admins see the exclusions too; the enterprise sees the same matches without them.
    let (status, admin_list) = matches(&app, app.admin_token(), &demand_id, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(excluded(&admin_list), expected_excluded);
    let (status, own) = matches(&app, needy.token(), &demand_id, None).await;
    assert_eq!(status, StatusCode::OK, "{own}");
    assert_eq!(match_ids(&own), match_ids(&list));
    assert!(own.get("excluded").is_none_or(Value::is_null), "{own}");

    // After the suspension's last day the provider is matched again; the others stay out.
    let (status, later) = matches(&app, &zhengzhou.token, &demand_id, Some(&d(31))).await;
    assert_eq!(status, StatusCode::OK, "{later}");
    assert!(match_ids(&later).contains(&suspended.id), "{later}");
    assert_eq!(excluded(&later).len(), 5);
    // On its last day it is still suspended.
    let (_, last_day) = matches(&app, &zhengzhou.token, &demand_id, Some(&d(30))).await;
    assert!(excluded(&last_day).contains(&(suspended.id.clone(), "suspended".to_owned())));

    // An excluded provider cannot bid either, and the rule is named.
    for (party, code) in [
        (&lapses, "qualification_expired"),
        (&suspended, "suspended"),
        (&blacklisted, "blacklisted"),
        (&banned, "banned"),
        (&wrong_scope, "wrong_scope"),
        (&revoked, "revoked"),
    ] {
        let (status, problem) = bid(&app, party, &demand_id, 100_000).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["code"], "provider_not_eligible");
        assert_eq!(field_errors(&problem), pairs(&[("provider", code)]), "{problem}");
    }
    assert_eq!(rows(&app, "bids"), 0);
    let (status, created) = bid(&app, &on_deadline, &demand_id, 100_000).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (status, created) = bid(&app, &entrusted, &demand_id, 90_000).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(rows(&app, &format!("bids WHERE demand_id = '{demand_id}'")), 2);

    // Only the enterprise in need, regulators of the location and admins see matches.
    let luoyang = app.regulator(LUOYANG).await;
    assert_eq!(matches(&app, &luoyang.token, &demand_id, None).await.0, StatusCode::NOT_FOUND);
    let stranger = enterprise(&app, 2, ZHENGZHOU, "other", 30).await;
    assert_eq!(matches(&app, stranger.token(), &demand_id, None).await.0, StatusCode::NOT_FOUND);
    assert_eq!(matches(&app, eligible.token(), &demand_id, None).await.0, StatusCode::FORBIDDEN);
    let portal = app.client("portal", None, None).await;
    assert_eq!(matches(&app, &portal.token, &demand_id, None).await.0, StatusCode::FORBIDDEN);
    let (status, problem) = matches(&app, &zhengzhou.token, &demand_id, Some("2026-13-01")).await;
    assert_eq!((status, field_errors(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("on", "invalid_date")])));
}

#[tokio::test]
async fn ranks_by_grade_then_same_city_then_score() {
    let app = TestApp::spawn().await;
    let needy = enterprise(&app, 1, ZHENGZHOU, "other", 30).await;
    let service = ["safety_assessment"];
    // Base score 80 (grade B); commendation +5, rectification_order -5; A from 90, C below 75.
    let a_same = provider(&app, 10, ZHENGZHOU, &service, "2030-12-31").await;
    let a_other = provider(&app, 11, LUOYANG, &service, "2030-12-31").await;
    let a_gongyi = provider(&app, 12, GONGYI, &service, "2030-12-31").await;
    let b_same = provider(&app, 13, ZHENGZHOU, &service, "2030-12-31").await;
    let c_same = provider(&app, 14, ZHENGZHOU, &service, "2030-12-31").await;
    for _ in 0..2 {
        credit_event(&app, &a_same.id, "commendation").await;
    }
    for _ in 0..3 {
        credit_event(&app, &a_other.id, "commendation").await;
    }
    for _ in 0..4 {
        credit_event(&app, &a_gongyi.id, "commendation").await;
    }
    for _ in 0..2 {
        credit_event(&app, &c_same.id, "rectification_order").await;
    }

    let demand = post_demand(&app, needy.token(), &demand_body(None, "safety_assessment", ZHENGZHOU, &d(30))).await;
    let (status, list) = matches(&app, needy.token(), &id_of(&demand), None).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    // A same-city (90) above A other-city (100 in 巩义, 95 in 洛阳) above B same-city (80).
    assert_eq!(
        match_ids(&list),
        [&a_same.id, &a_gongyi.id, &a_other.id, &b_same.id, &c_same.id].map(String::clone),
        "{list}"
    );
    let m = list["matches"].as_array().unwrap();
    let summary: Vec<(String, i64, bool)> = m
        .iter()
        .map(|m| (m["grade"].as_str().unwrap().to_owned(), m["score"].as_i64().unwrap(), m["same_city"] == true))
        .collect();
    assert_eq!(
        summary,
        [
            ("a".to_owned(), 90, true),
            ("a".to_owned(), 100, false),
            ("a".to_owned(), 95, false),
            ("b".to_owned(), 80, true),
            ("c".to_owned(), 70, true)
        ]
    );
    assert_eq!(m[0]["reasons"], json!(["grade A", "same city as the demand (410100)", "score 90"]));
    assert_eq!(m[1]["reasons"], json!(["grade A", "other city (410181) than the demand (410100)", "score 100"]));
    assert_eq!(m[3]["reasons"], json!(["grade B", "same city as the demand (410100)", "score 80"]));
    assert_eq!(
        (m[0]["credit_code"].as_str(), m[0]["region_code"].as_str()),
        (Some(e2e::credit_code(10).as_str()), Some(ZHENGZHOU))
    );
    assert!(m[0]["name"].as_str().unwrap().ends_with("10"));
}

#[tokio::test]
async fn demand_lifecycle_with_bids_and_award() {
    let app = TestApp::spawn().await;
    let needy = enterprise(&app, 1, ZHENGZHOU, "other", 30).await;
    let other = enterprise(&app, 2, ZHENGZHOU, "other", 30).await;
    let service = ["emergency_planning"];
    let first = provider(&app, 10, ZHENGZHOU, &service, "2030-12-31").await;
    let second = provider(&app, 11, LUOYANG, &service, "2030-12-31").await;
    let late = provider(&app, 12, ZHENGZHOU, &service, "2030-12-31").await;

    // Validation names every bad field; nothing is stored.
    let bad = json!({
        "service_type": "fortune_telling", "region_code": "420100", "budget_fen": -1,
        "deadline": d(-1), "description": "",
    });
    let (status, problem) = status_json(post(&app, needy.token(), DEMANDS, None, &bad).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut errors = field_errors(&problem);
    errors.sort();
    assert_eq!(
        errors,
        pairs(&[
            ("budget_fen", "invalid_range"),
            ("deadline", "out_of_range"),
            ("description", "invalid_length"),
            ("region_code", "invalid_region_code"),
            ("service_type", "invalid_service_type"),
        ]),
        "{problem}"
    );
    let unknown = demand_body(None, "emergency_planning", "410199", &d(10));
    let (status, problem) = status_json(post(&app, needy.token(), DEMANDS, None, &unknown).await).await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("region_code", "unknown_region")]))
    );
    let fractional = json!({"service_type": "emergency_planning", "region_code": ZHENGZHOU, "budget_fen": 1.5,
        "deadline": d(10), "description": "x"});
    assert_eq!(post(&app, needy.token(), DEMANDS, None, &fractional).await.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // For another enterprise: as if it did not exist.
    let for_other = demand_body(Some(&other.id), "emergency_planning", ZHENGZHOU, &d(10));
    assert_eq!(post(&app, needy.token(), DEMANDS, None, &for_other).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(post(&app, first.token(), DEMANDS, None, &for_other).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(rows(&app, "demands"), 0);

    // Posted, with the deadline today at the earliest; a retry with the key is replayed.
    let body = demand_body(Some(&needy.id), "emergency_planning", ZHENGZHOU, &d(20));
    let response = post(&app, needy.token(), DEMANDS, Some("demand-1"), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (_, demand) = status_json(response).await;
    let demand_id = id_of(&demand);
    assert_eq!(location, format!("{DEMANDS}/{demand_id}"));
    assert_eq!((demand["status"].as_str(), demand["enterprise_id"].as_str()), (Some("open"), Some(needy.id.as_str())));
    assert_eq!((demand["budget_fen"].as_i64(), demand["deadline"].as_str()), (Some(5_000_000), Some(d(20).as_str())));
    let replay = post(&app, needy.token(), DEMANDS, Some("demand-1"), &body).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(rows(&app, "demands"), 1);
    assert_eq!(
        rows(
            &app,
            &format!(
                "demands WHERE id = '{demand_id}' AND status = 'open' AND version = 1 AND budget_fen = 5000000 \
                 AND service_type = 'emergency_planning' AND region_code = '{ZHENGZHOU}' AND awarded_bid_id IS NULL"
            )
        ),
        1
    );
    assert_eq!(audit_rows(&app, "demand.create", &demand_id), 1);

    // Bids: one per provider.
    let (status, first_bid) = bid(&app, &first, &demand_id, 4_500_000).await;
    assert_eq!(status, StatusCode::CREATED, "{first_bid}");
    let first_bid_id = id_of(&first_bid);
    assert_eq!(
        (first_bid["provider_id"].as_str(), first_bid["price_fen"].as_i64()),
        (Some(first.id.as_str()), Some(4_500_000))
    );
    assert_eq!(audit_rows(&app, "bid.create", &first_bid_id), 1);
    let (status, problem) = bid(&app, &first, &demand_id, 4_000_000).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("bid_exists")), "{problem}");
    let (status, second_bid) = bid(&app, &second, &demand_id, 4_800_000).await;
    assert_eq!(status, StatusCode::CREATED, "{second_bid}");
    assert_eq!(rows(&app, &format!("bids WHERE demand_id = '{demand_id}'")), 2);
    assert_eq!(
        rows(
            &app,
            &format!("bids WHERE demand_id = '{demand_id}' AND provider_id = '{}' AND price_fen = 4500000", first.id)
        ),
        1
    );
    let (status, problem) = status_json(
        post(&app, first.token(), &format!("{DEMANDS}/{demand_id}/bids"), None, &json!({"price_fen": -1, "plan": "x"}))
            .await,
    )
    .await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("price_fen", "invalid_range")]))
    );

    // The enterprise sees every bid, a provider only its own.
    let bids_path = format!("{DEMANDS}/{demand_id}/bids");
    let (status, all) = get_json(&app, needy.token(), &bids_path).await;
    assert_eq!((status, all["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
    let (status, own) = get_json(&app, first.token(), &bids_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        own["items"].as_array().unwrap().iter().map(|b| b["id"].clone()).collect::<Vec<_>>(),
        [json!(first_bid_id)]
    );
    let (_, none) = get_json(&app, late.token(), &bids_path).await;
    assert_eq!(none["items"], json!([]));

    // Award: only a bid on this demand.
    let award_path = format!("{DEMANDS}/{demand_id}/award");
    let elsewhere = post_demand(&app, needy.token(), &demand_body(None, "emergency_planning", ZHENGZHOU, &d(20))).await;
    let (_, elsewhere_bid) = bid(&app, &late, &id_of(&elsewhere), 1).await;
    let (status, problem) =
        status_json(post(&app, needy.token(), &award_path, None, &json!({"bid_id": id_of(&elsewhere_bid)})).await)
            .await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("bid_id", "bid_not_of_demand")]))
    );
    assert_eq!(
        post(&app, other.token(), &award_path, None, &json!({"bid_id": first_bid_id})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&app, first.token(), &award_path, None, &json!({"bid_id": first_bid_id})).await.status(),
        StatusCode::FORBIDDEN
    );
    let (status, awarded) =
        status_json(post(&app, needy.token(), &award_path, None, &json!({"bid_id": first_bid_id})).await).await;
    assert_eq!(status, StatusCode::OK, "{awarded}");
    assert_eq!(
        (awarded["status"].as_str(), awarded["awarded_bid_id"].as_str()),
        (Some("awarded"), Some(first_bid_id.as_str()))
    );
    assert_eq!(
        rows(
            &app,
            &format!(
                "demands WHERE id = '{demand_id}' AND status = 'awarded' AND version = 2 \
                 AND awarded_bid_id = '{first_bid_id}'"
            )
        ),
        1
    );
    assert_eq!(audit_rows(&app, "demand.award", &demand_id), 1);

    // The award becomes a contract: the winner may sign it against the demand, the loser may not.
    let mut contract = engagement_body(&needy.id, &first.id, 50_000, &d(0), &d(30));
    contract["demand_id"] = json!(demand_id);
    let engagement = create_engagement(&app, first.token(), &contract).await;
    assert_eq!(engagement["demand_id"].as_str(), Some(demand_id.as_str()), "{engagement}");
    assert_eq!(rows(&app, &format!("engagements WHERE demand_id = '{demand_id}' AND provider_id = '{}'", first.id)), 1);
    let mut loser = engagement_body(&needy.id, &second.id, 50_000, &d(0), &d(30));
    loser["demand_id"] = json!(demand_id);
    let (status, problem) = status_json(post(&app, second.token(), ENGAGEMENTS, None, &loser).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("demand_id", "demand_not_awarded")]));
    assert_eq!(rows(&app, &format!("engagements WHERE demand_id = '{demand_id}'")), 1);

    // Closed: no second award, no withdrawal, no more bids; the winner still sees it, others not.
    let (status, problem) =
        status_json(post(&app, needy.token(), &award_path, None, &json!({"bid_id": first_bid_id})).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("demand_not_open")));
    let withdraw_path = format!("{DEMANDS}/{demand_id}/withdrawal");
    let (status, problem) = status_json(post(&app, needy.token(), &withdraw_path, None, &json!({})).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("demand_not_open")));
    let (status, problem) = bid(&app, &late, &demand_id, 1).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("demand_not_open")));
    assert_eq!(rows(&app, &format!("bids WHERE demand_id = '{demand_id}'")), 2);
    assert_eq!(get(&app, first.token(), &format!("{DEMANDS}/{demand_id}")).await.status(), StatusCode::OK);
    assert_eq!(get(&app, late.token(), &format!("{DEMANDS}/{demand_id}")).await.status(), StatusCode::NOT_FOUND);

    // Withdrawn: bids are refused.
    let withdrawn =
        id_of(&post_demand(&app, needy.token(), &demand_body(None, "emergency_planning", ZHENGZHOU, &d(20))).await);
    let path = format!("{DEMANDS}/{withdrawn}/withdrawal");
    assert_eq!(post(&app, other.token(), &path, None, &json!({})).await.status(), StatusCode::NOT_FOUND);
    let (status, view) = status_json(post(&app, needy.token(), &path, None, &json!({})).await).await;
    assert_eq!((status, view["status"].as_str()), (StatusCode::OK, Some("withdrawn")), "{view}");
    assert_eq!(rows(&app, &format!("demands WHERE id = '{withdrawn}' AND status = 'withdrawn' AND version = 2")), 1);
    assert_eq!(audit_rows(&app, "demand.withdraw", &withdrawn), 1);
    let (status, problem) = bid(&app, &first, &withdrawn, 1).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("demand_not_open")));
    let (status, problem) = status_json(post(&app, needy.token(), &path, None, &json!({})).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("demand_not_open")));
    assert_eq!(rows(&app, &format!("bids WHERE demand_id = '{withdrawn}'")), 0);

    // Expiry: open through the deadline, expired from the day after (never stored).
    let due_today =
        id_of(&post_demand(&app, needy.token(), &demand_body(None, "emergency_planning", ZHENGZHOU, &d(0))).await);
    let (_, view) = get_json(&app, needy.token(), &format!("{DEMANDS}/{due_today}")).await;
    assert_eq!(view["status"], "open");
    let (_, view) = get_json(&app, needy.token(), &format!("{DEMANDS}/{due_today}?on={}", d(1))).await;
    assert_eq!((view["status"].as_str(), view["on"].as_str()), (Some("expired"), Some(d(1).as_str())));
    let (_, page) = get_json(&app, needy.token(), &format!("{DEMANDS}?status=expired&on={}", d(1))).await;
    let expired_ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(expired_ids, [due_today.as_str()]);
    let (_, page) = get_json(&app, needy.token(), &format!("{DEMANDS}?status=open&on={}", d(1))).await;
    let open_ids: Vec<&str> = page["items"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap()).collect();
    assert_eq!(open_ids, [id_of(&elsewhere).as_str()]);
    // A deadline that has passed (set in the database; the API refuses one in the past).
    app.db.execute(&format!("UPDATE demands SET deadline = '{}' WHERE id = '{due_today}'", d(-1)));
    let (_, view) = get_json(&app, needy.token(), &format!("{DEMANDS}/{due_today}")).await;
    assert_eq!(view["status"], "expired");
    let (status, problem) = bid(&app, &first, &due_today, 1).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("demand_not_open")));
    let (status, problem) =
        status_json(post(&app, needy.token(), &format!("{DEMANDS}/{due_today}/withdrawal"), None, &json!({})).await)
            .await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("demand_not_open")));
    assert_eq!(rows(&app, &format!("demands WHERE id = '{due_today}' AND status = 'open' AND version = 1")), 1);
    assert_eq!(rows(&app, &format!("bids WHERE demand_id = '{due_today}'")), 0);
    // Providers no longer see it.
    assert_eq!(get(&app, first.token(), &format!("{DEMANDS}/{due_today}")).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn who_sees_and_posts_which_demands() {
    let app = TestApp::spawn().await;
    let needy = enterprise(&app, 1, ZHENGZHOU, "other", 30).await;
    let other = enterprise(&app, 2, ZHENGZHOU, "other", 30).await;
    let luoyang_firm = enterprise(&app, 3, LUOYANG, "other", 30).await;
    let agency = provider(&app, 10, LUOYANG, &["consulting"], "2030-12-31").await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let province = app.regulator("410000").await;
    let portal = app.client("portal", None, None).await;
    let insurer_org = e2e::insurance::insurer(&app, 20, ZHENGZHOU).await;

    let own = id_of(&post_demand(&app, needy.token(), &demand_body(None, "consulting", ZHENGZHOU, &d(10))).await);
    // A regulator posts for a small enterprise in its jurisdiction, where it supervises.
    let by_regulator =
        post_demand(&app, &zhengzhou.token, &demand_body(Some(&other.id), "consulting", ZHENGZHOU, &d(10))).await;
    assert_eq!(by_regulator["enterprise_id"], other.id.as_str());
    let by_regulator = id_of(&by_regulator);
    assert_eq!(rows(&app, &format!("demands WHERE id = '{by_regulator}' AND enterprise_id = '{}'", other.id)), 1);
    let outside = demand_body(Some(&other.id), "consulting", LUOYANG, &d(10));
    let (status, problem) = status_json(post(&app, &zhengzhou.token, DEMANDS, None, &outside).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("outside_jurisdiction")));
    let foreign = demand_body(Some(&luoyang_firm.id), "consulting", ZHENGZHOU, &d(10));
    assert_eq!(post(&app, &zhengzhou.token, DEMANDS, None, &foreign).await.status(), StatusCode::NOT_FOUND);
    let unnamed = demand_body(None, "consulting", ZHENGZHOU, &d(10));
    let (status, problem) = status_json(post(&app, &zhengzhou.token, DEMANDS, None, &unnamed).await).await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("enterprise_id", "required")]))
    );
    let not_enterprise = demand_body(Some(&agency.id), "consulting", LUOYANG, &d(10));
    let (status, problem) = status_json(post(&app, app.admin_token(), DEMANDS, None, &not_enterprise).await).await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("enterprise_id", "not_an_enterprise")]))
    );
    for token in [&portal.token, insurer_org.token()] {
        assert_eq!(post(&app, token, DEMANDS, None, &unnamed).await.status(), StatusCode::FORBIDDEN);
    }
    let luoyang_demand =
        id_of(&post_demand(&app, luoyang_firm.token(), &demand_body(None, "consulting", LUOYANG, &d(10))).await);
    let closed = id_of(&post_demand(&app, needy.token(), &demand_body(None, "consulting", ZHENGZHOU, &d(10))).await);
    let (status, _) =
        status_json(post(&app, needy.token(), &format!("{DEMANDS}/{closed}/withdrawal"), None, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows(&app, "demands"), 4);

    // One demand: its enterprise, regulators of its location and the province, admins,
    // and providers while it is open.
    let path = format!("{DEMANDS}/{own}");
    for token in [needy.token(), &zhengzhou.token, &province.token, app.admin_token(), agency.token()] {
        let (status, view) = get_json(&app, token, &path).await;
        assert_eq!((status, view["id"].as_str()), (StatusCode::OK, Some(own.as_str())), "{view}");
    }
    for token in [other.token(), &luoyang.token, luoyang_firm.token()] {
        assert_eq!(get(&app, token, &path).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(get(&app, token, &format!("{path}/bids")).await.status(), StatusCode::NOT_FOUND);
    }
    for token in [&portal.token, insurer_org.token()] {
        assert_eq!(get(&app, token, &path).await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(get(&app, agency.token(), &format!("{DEMANDS}/{closed}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        post(&app, &luoyang.token, &format!("{path}/withdrawal"), None, &json!({})).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&app, agency.token(), &format!("{path}/withdrawal"), None, &json!({})).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(rows(&app, &format!("demands WHERE id = '{own}' AND status = 'open'")), 1);

    // Lists.
    let ids = |page: &Value| -> Vec<String> {
        let mut ids: Vec<String> =
            page["items"].as_array().expect("items").iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect();
        ids.sort();
        ids
    };
    let sorted = |mut v: Vec<&String>| -> Vec<String> {
        v.sort();
        v.into_iter().cloned().collect()
    };
    let (_, page) = get_json(&app, needy.token(), DEMANDS).await;
    assert_eq!(ids(&page), sorted(vec![&own, &closed]));
    let (_, page) = get_json(&app, agency.token(), DEMANDS).await;
    assert_eq!(ids(&page), sorted(vec![&own, &by_regulator, &luoyang_demand]), "providers see open demands everywhere");
    let (_, page) = get_json(&app, agency.token(), &format!("{DEMANDS}?status=withdrawn")).await;
    assert_eq!(ids(&page), Vec::<String>::new());
    let (_, page) = get_json(&app, &zhengzhou.token, DEMANDS).await;
    assert_eq!(ids(&page), sorted(vec![&own, &by_regulator, &closed]));
    let (_, page) = get_json(&app, &luoyang.token, DEMANDS).await;
    assert_eq!(ids(&page), vec![luoyang_demand.clone()]);
    let (_, page) = get_json(&app, &zhengzhou.token, &format!("{DEMANDS}?status=withdrawn")).await;
    assert_eq!(ids(&page), vec![closed.clone()]);
    let (_, page) = get_json(&app, app.admin_token(), &format!("{DEMANDS}?limit=3")).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(3));
    let cursor = page["next_cursor"].as_str().expect("more").to_owned();
    let (_, rest) = get_json(&app, app.admin_token(), &format!("{DEMANDS}?limit=3&cursor={cursor}")).await;
    assert_eq!((rest["items"].as_array().map(Vec::len), rest["next_cursor"].clone()), (Some(1), Value::Null));
    for token in [&portal.token, insurer_org.token()] {
        assert_eq!(get(&app, token, DEMANDS).await.status(), StatusCode::FORBIDDEN);
    }
    let (status, problem) = get_json(&app, needy.token(), &format!("{DEMANDS}?status=pending")).await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("status", "invalid_demand_status")]))
    );
}
