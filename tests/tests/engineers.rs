//! Registered safety engineers and staffing compliance (豫安委〔2017〕17号 四(一)) over real HTTP,
//! on the backend TEST_DATABASE names: registration validity from the rule table, who may
//! register and see an engineer, and which organisations fail the staffing rule on a date.

use chrono::{Months, NaiveDate, Utc};
use domain::resident_id::ResidentId;
use e2e::insurance::{count, enterprise_in, field_errors, get, get_json, id_of, pairs, post, status_json};
use e2e::{credit_code, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ENGINEERS: &str = "/api/v1/engineers";
const VALIDITY_RULE: &str = "engineer_registration_validity_years@2017-11-08";

fn today() -> NaiveDate {
    domain::time::cst_date(Utc::now())
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// A valid resident identity number (GB 11643-1999), distinct per seed below 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("41030519850615{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// The same number with a wrong check character.
fn wrong_check(id: &str) -> String {
    let wrong = if id.ends_with('0') { '1' } else { '0' };
    format!("{}{wrong}", &id[..17])
}

fn masked(seed: u32) -> String {
    ResidentId::parse(&resident_id(seed)).expect("resident id").masked()
}

/// A registration of person `seed` with `employer_id`.
fn engineer(seed: u32, number: &str, registered_on: &str, employer_id: &str) -> Value {
    json!({
        "person": {"resident_id": resident_id(seed), "name": format!("工程师{seed}"), "phone": "13912345678"},
        "level": "intermediate",
        "category": "chemical",
        "registration_number": number,
        "registered_on": registered_on,
        "employer_id": employer_id,
        "continuing_education_hours": 48,
    })
}

/// A technical service agency in `region`.
async fn agency(app: &TestApp, seed: u32, region: &str) -> String {
    let org = app
        .organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南安评技术服务有限公司{seed}"),
            "kind": "technical_service_agency",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "王建国",
            "service_types": ["safety_assessment"],
            "qualification": {"number": "APJ-(豫)-001", "valid_from": "2024-01-01", "valid_until": "2028-12-31"},
        }))
        .await;
    id_of(&org)
}

/// Registers as `token` and panics unless it is 201; returns the registration.
async fn register(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = status_json(post(app, token, ENGINEERS, None, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "engineer registration failed: {created}");
    created
}

/// Records an employment as admin.
async fn employ(app: &TestApp, org_id: &str, person: u32, safety_head: bool, from: &str, to: Option<&str>) {
    let body = json!({
        "person": {"resident_id": resident_id(person), "name": format!("工程师{person}")},
        "position": if safety_head { "安全管理部部长" } else { "安全员" },
        "safety_head": safety_head,
        "from": from,
        "to": to,
    });
    let path = format!("/api/v1/organizations/{org_id}/employments");
    let (status, created) = status_json(post(app, app.admin_token(), &path, None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "employment failed: {created}");
}

/// The staffing verdict of `org_id` as `token` sees it, on `on` or today.
async fn staffing(app: &TestApp, token: &str, org_id: &str, on: Option<NaiveDate>) -> Value {
    let query = on.map(|d| format!("?on={d}")).unwrap_or_default();
    let (status, view) =
        get_json(app, token, &format!("/api/v1/organizations/{org_id}/staffing-compliance{query}")).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    view
}

/// `(required, compliant, valid_registrations, head_of_safety_registered)` of a verdict.
fn verdict(view: &Value) -> (bool, bool, u64, Value) {
    (
        view["required"].as_bool().expect("required"),
        view["compliant"].as_bool().expect("compliant"),
        view["valid_registrations"].as_u64().expect("valid_registrations"),
        view["head_of_safety_registered"].clone(),
    )
}

fn engineer_rows(app: &TestApp) -> i64 {
    count(&mut app.db.connect(), "engineers")
}

#[tokio::test]
async fn a_registration_is_valid_five_years_less_a_day_under_the_rule_in_force() {
    let app = TestApp::spawn().await;
    let employer = id_of(&enterprise_in(&app, 1, "410100", "hazardous_chemicals").await);
    let regulator = app.regulator("410100").await;
    let response = post(&app, &regulator.token, ENGINEERS, None, &engineer(1, "ZJ-1", "2022-03-15", &employer)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let created: Value = response.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("/api/v1/engineers/{id}"));
    assert_eq!(created["registered_on"], "2022-03-15");
    assert_eq!(created["valid_until"], "2027-03-14");
    assert_eq!(created["rule_version"], VALIDITY_RULE);
    assert_eq!(created["employer_id"], employer);
    assert_eq!(
        (created["level"].clone(), created["category"].clone(), created["registration_number"].clone()),
        (json!("intermediate"), json!("chemical"), json!("ZJ-1"))
    );
    assert_eq!(created["continuing_education_hours"], 48);
    assert_eq!(created["person"]["resident_id"], resident_id(1));
    assert_eq!(created["person"]["name"], "工程师1");

    let mut conn = app.db.connect();
    let row = format!(
        "engineers WHERE id = '{id}' AND employer_id = '{employer}' AND registration_number = 'ZJ-1' \
         AND registered_on = '2022-03-15' AND valid_until = '2027-03-14' AND validity_rule_version = '{VALIDITY_RULE}'"
    );
    assert_eq!(count(&mut conn, &row), 1);
    assert_eq!(count(&mut conn, &format!("persons WHERE resident_id = '{}'", resident_id(1))), 1);
    assert_eq!(count(&mut conn, &format!("audit_log WHERE action = 'engineer.register' AND resource_id = '{id}'")), 1);

    // The first day of the rule gives the first five-year term; admins register anywhere.
    let first = register(&app, app.admin_token(), &engineer(2, "ZJ-2", "2017-11-08", &employer)).await;
    assert_eq!(
        (first["valid_until"].clone(), first["rule_version"].clone()),
        (json!("2022-11-07"), json!(VALIDITY_RULE))
    );
    assert_eq!(engineer_rows(&app), 2);
}

#[tokio::test]
async fn a_registration_number_already_recorded_is_a_409_and_stores_nothing() {
    let app = TestApp::spawn().await;
    let employer = agency(&app, 1, "410100").await;
    register(&app, app.admin_token(), &engineer(1, "ZJ-1", "2022-03-15", &employer)).await;
    let (status, problem) = status_json(
        post(&app, app.admin_token(), ENGINEERS, None, &engineer(2, "ZJ-1", "2023-01-01", &employer)).await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "duplicate_registration_number");
    assert_eq!(engineer_rows(&app), 1);
    // The second person, created on the way, went with the rolled-back transaction.
    assert_eq!(count(&mut app.db.connect(), "persons"), 1);
}

#[tokio::test]
async fn an_employer_outside_the_callers_sight_is_an_unknown_organization() {
    let app = TestApp::spawn().await;
    let employer = id_of(&enterprise_in(&app, 1, "410100", "mining").await);
    let luoyang = app.regulator("410300").await;
    let (status, problem) =
        status_json(post(&app, &luoyang.token, ENGINEERS, None, &engineer(1, "ZJ-1", "2022-03-15", &employer)).await)
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("employer_id", "unknown_organization")]));

    // A missing employer reads the same, and every other bad field is named with it.
    let mut bad = engineer(1, "ZJ-1", "2099-01-01", &uuid::Uuid::nil().to_string());
    bad["level"] = json!("grandmaster");
    bad["category"] = json!("fire");
    bad["person"]["resident_id"] = json!(wrong_check(&resident_id(1)));
    let (status, problem) = status_json(post(&app, app.admin_token(), ENGINEERS, None, &bad).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut errors = field_errors(&problem);
    errors.sort();
    assert_eq!(
        errors,
        pairs(&[
            ("category", "invalid_engineer_category"),
            ("employer_id", "unknown_organization"),
            ("level", "invalid_engineer_level"),
            ("person.resident_id", "invalid_resident_id"),
            ("registered_on", "out_of_range"),
        ])
    );

    // Only admins and regulators register.
    let own = app.client("enterprise", Some(&employer), None).await;
    let portal = app.client("portal", None, None).await;
    for token in [&own.token, &portal.token] {
        let (status, _) =
            status_json(post(&app, token, ENGINEERS, None, &engineer(1, "ZJ-1", "2022-03-15", &employer)).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(engineer_rows(&app), 0);
    assert_eq!(count(&mut app.db.connect(), "persons"), 0);
}

#[tokio::test]
async fn a_registration_date_before_the_validity_rule_is_a_422_not_a_500() {
    let app = TestApp::spawn().await;
    let employer = agency(&app, 1, "410100").await;
    let (status, problem) = status_json(
        post(&app, app.admin_token(), ENGINEERS, None, &engineer(1, "ZJ-1", "2017-11-07", &employer)).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("registered_on", "rule_not_in_force")]));
    assert_eq!(engineer_rows(&app), 0);
    assert_eq!(count(&mut app.db.connect(), "persons"), 0);
}

#[tokio::test]
async fn an_engineer_is_whole_for_regulators_and_the_employer_masked_for_portals_and_hidden_from_others() {
    let app = TestApp::spawn().await;
    let employer = id_of(&enterprise_in(&app, 1, "410100", "mining").await);
    let created = register(&app, app.admin_token(), &engineer(7, "ZJ-7", "2022-03-15", &employer)).await;
    let path = format!("{ENGINEERS}/{}", created["id"].as_str().expect("id"));

    let regulator = app.regulator("410100").await;
    let own = app.client("enterprise", Some(&employer), None).await;
    for token in [app.admin_token(), &regulator.token, &own.token] {
        let (status, view) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view, created);
    }

    let portal = app.client("portal", None, None).await;
    let response = get(&app, &portal.token, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let raw = response.text().await.expect("body");
    assert!(!raw.contains(&resident_id(7)), "{raw}");
    assert!(!raw.contains("13912345678"), "{raw}");
    let view: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(view["person"]["resident_id"], masked(7));
    assert_eq!(view["person"]["resident_id"], format!("410***********{}", &resident_id(7)[14..]));
    assert_eq!(view["person"]["phone"], "139****5678");
    assert_eq!(view["registration_number"], "ZJ-7");

    let other = id_of(&enterprise_in(&app, 2, "410100", "mining").await);
    let stranger = app.client("enterprise", Some(&other), None).await;
    let response = get(&app, &stranger.token, &path).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(!response.text().await.expect("body").contains(&resident_id(7)));
    let (status, _) = get_json(&app, app.admin_token(), &format!("{ENGINEERS}/{}", uuid::Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_agency_is_compliant_through_the_last_day_of_its_only_registration() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, "410100").await;
    // Registered five years ago today: the last day in force was yesterday.
    let registered_on = today().checked_sub_months(Months::new(60)).expect("date");
    let created = register(&app, app.admin_token(), &engineer(1, "ZJ-1", &registered_on.to_string(), &org)).await;
    let valid_until = date(created["valid_until"].as_str().expect("valid_until"));
    assert_eq!(valid_until, today().pred_opt().expect("yesterday"));

    let regulator = app.regulator("410100").await;
    let now = staffing(&app, &regulator.token, &org, None).await;
    assert_eq!(now["on"], today().to_string());
    assert_eq!(now["organization_id"], org);
    assert_eq!(verdict(&now), (true, false, 0, Value::Null));
    assert_eq!(now["clause"], "豫安委〔2017〕17号 四(一)");
    let expired = staffing(&app, &regulator.token, &org, valid_until.succ_opt()).await;
    assert_eq!(verdict(&expired), (true, false, 0, Value::Null));
    let last_day = staffing(&app, &regulator.token, &org, Some(valid_until)).await;
    assert_eq!(verdict(&last_day), (true, true, 1, Value::Null));
    let first_day = staffing(&app, &regulator.token, &org, Some(registered_on)).await;
    assert_eq!(verdict(&first_day), (true, true, 1, Value::Null));
    let before = staffing(&app, &regulator.token, &org, registered_on.pred_opt()).await;
    assert_eq!(verdict(&before), (true, false, 0, Value::Null));

    // A bad date is named.
    let (status, problem) =
        get_json(&app, &regulator.token, &format!("/api/v1/organizations/{org}/staffing-compliance?on=2026-02-30"))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("on", "invalid_date")]));
}

#[tokio::test]
async fn enterprises_in_listed_sectors_need_an_engineer_and_others_do_not() {
    let app = TestApp::spawn().await;
    let mine = id_of(&enterprise_in(&app, 1, "410100", "mining").await);
    let builder = id_of(&enterprise_in(&app, 2, "410100", "construction").await);
    let smelter = id_of(&enterprise_in(&app, 3, "410100", "metal_smelting").await);
    register(&app, app.admin_token(), &engineer(1, "ZJ-1", "2024-01-10", &smelter)).await;

    let mine_view = staffing(&app, app.admin_token(), &mine, None).await;
    assert_eq!(verdict(&mine_view), (true, false, 0, Value::Null));
    let reasons = mine_view["reasons"].as_array().expect("reasons");
    assert!(
        reasons.iter().any(|r| r == "units in sector mining must employ registered safety engineers"),
        "{mine_view}"
    );
    assert!(reasons.iter().any(|r| r == "no registered safety engineer with a registration in force"), "{mine_view}");

    let builder_view = staffing(&app, app.admin_token(), &builder, None).await;
    assert_eq!(verdict(&builder_view), (false, true, 0, Value::Null));
    assert_eq!(builder_view["reasons"], json!(["not a unit that must employ registered safety engineers"]));

    let smelter_view = staffing(&app, app.admin_token(), &smelter, None).await;
    assert_eq!(verdict(&smelter_view), (true, true, 1, Value::Null));
}

#[tokio::test]
async fn an_unregistered_head_of_safety_is_noted_but_does_not_break_compliance() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, "410100").await;
    register(&app, app.admin_token(), &engineer(1, "ZJ-1", "2024-01-10", &org)).await;
    employ(&app, &org, 2, true, "2024-03-01", None).await;

    let view = staffing(&app, app.admin_token(), &org, None).await;
    assert_eq!(verdict(&view), (true, true, 1, json!(false)));
    assert!(
        view["reasons"].as_array().expect("reasons").iter().any(
            |r| r == "the head of the safety management department should normally be a registered safety engineer"
        ),
        "{view}"
    );
    // Before the head's employment began, no head is recorded.
    let earlier = staffing(&app, app.admin_token(), &org, Some(date("2024-02-29"))).await;
    assert_eq!(verdict(&earlier), (true, true, 1, Value::Null));

    // Once the head holds a registration (with any employer), the note goes away.
    let other = agency(&app, 2, "410100").await;
    register(&app, app.admin_token(), &engineer(2, "ZJ-2", "2025-06-01", &other)).await;
    assert_eq!(verdict(&staffing(&app, app.admin_token(), &org, None).await), (true, true, 1, json!(true)));
    assert_eq!(
        verdict(&staffing(&app, app.admin_token(), &org, Some(date("2025-05-31"))).await),
        (true, true, 1, json!(false))
    );

    // A registered head does not stand in for the organisation's own engineers.
    let headless = agency(&app, 3, "410100").await;
    employ(&app, &headless, 2, true, "2024-03-01", None).await;
    assert_eq!(verdict(&staffing(&app, app.admin_token(), &headless, None).await), (true, false, 0, json!(true)));
}

#[tokio::test]
async fn staffing_is_seen_by_the_organisation_and_its_regulators_only() {
    let app = TestApp::spawn().await;
    let org = id_of(&enterprise_in(&app, 1, "410100", "mining").await);
    let own = app.client("enterprise", Some(&org), None).await;
    let province = app.regulator("410000").await;
    let city = app.regulator("410100").await;
    let path = format!("/api/v1/organizations/{org}/staffing-compliance");
    for token in [&own.token, &province.token, &city.token, app.admin_token()] {
        let (status, view) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["compliant"], false);
    }
    let other = id_of(&enterprise_in(&app, 2, "410100", "mining").await);
    let stranger = app.client("enterprise", Some(&other), None).await;
    let luoyang = app.regulator("410300").await;
    for token in [&stranger.token, &luoyang.token] {
        let (status, _) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let portal = app.client("portal", None, None).await;
    let (status, _) = get_json(&app, &portal.token, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn regulators_list_the_noncompliant_organisations_of_their_jurisdiction_page_by_page() {
    let app = TestApp::spawn().await;
    let mine = id_of(&enterprise_in(&app, 1, "410100", "mining").await);
    let bare_agency = agency(&app, 2, "410100").await;
    let staffed_agency = agency(&app, 3, "410100").await;
    let _builder = enterprise_in(&app, 4, "410100", "construction").await;
    let luoyang_mine = id_of(&enterprise_in(&app, 5, "410300", "mining").await);
    register(&app, app.admin_token(), &engineer(1, "ZJ-1", "2024-01-10", &staffed_agency)).await;

    let ids = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["organization_id"].as_str().expect("id").to_owned())
            .collect()
    };
    let mut zhengzhou = vec![mine.clone(), bare_agency.clone()];
    zhengzhou.sort();
    let city = app.regulator("410100").await;
    let (status, page) = get_json(&app, &city.token, "/api/v1/staffing-compliance").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(ids(&page), zhengzhou);
    assert_eq!(page["next_cursor"], Value::Null);
    let first = &page["items"][0];
    assert_eq!(first["staffing"]["compliant"], false);
    assert_eq!(first["staffing"]["required"], true);
    assert_eq!(first["region_code"], "410100");
    let mine_item =
        page["items"].as_array().expect("items").iter().find(|i| i["organization_id"] == mine).expect("mine");
    assert_eq!((mine_item["kind"].clone(), mine_item["sector"].clone()), (json!("enterprise"), json!("mining")));
    assert_eq!(mine_item["credit_code"], credit_code(1));

    // One per page, following the cursor.
    let (_, one) = get_json(&app, &city.token, "/api/v1/staffing-compliance?limit=1").await;
    assert_eq!(ids(&one), vec![zhengzhou[0].clone()]);
    let cursor = one["next_cursor"].as_str().expect("next_cursor");
    let (_, two) = get_json(&app, &city.token, &format!("/api/v1/staffing-compliance?limit=1&cursor={cursor}")).await;
    assert_eq!(ids(&two), vec![zhengzhou[1].clone()]);
    assert_eq!(two["next_cursor"], Value::Null);

    // Before the staffed agency's registration began, it was non-compliant too.
    let (_, earlier) = get_json(&app, &city.token, "/api/v1/staffing-compliance?on=2024-01-09").await;
    let mut then = vec![mine.clone(), bare_agency.clone(), staffed_agency.clone()];
    then.sort();
    assert_eq!(ids(&earlier), then);

    // The province sees every city; Luoyang only its own.
    let mut all = vec![mine.clone(), bare_agency.clone(), luoyang_mine.clone()];
    all.sort();
    let province = app.regulator("410000").await;
    assert_eq!(ids(&get_json(&app, &province.token, "/api/v1/staffing-compliance").await.1), all);
    assert_eq!(ids(&get_json(&app, app.admin_token(), "/api/v1/staffing-compliance").await.1), all);
    let luoyang = app.regulator("410300").await;
    assert_eq!(ids(&get_json(&app, &luoyang.token, "/api/v1/staffing-compliance").await.1), vec![luoyang_mine.clone()]);
    assert_eq!(
        ids(&get_json(&app, &province.token, "/api/v1/staffing-compliance?region=410300").await.1),
        vec![luoyang_mine]
    );

    let own = app.client("enterprise", Some(&mine), None).await;
    let portal = app.client("portal", None, None).await;
    for token in [&own.token, &portal.token] {
        let (status, _) = get_json(&app, token, "/api/v1/staffing-compliance").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}
