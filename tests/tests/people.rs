//! Persons and their employment (豫安委〔2017〕17号 四(一): who staffs whom) over real HTTP, on
//! the backend TEST_DATABASE names: who may record employment, and who sees a person's identity
//! number whole, masked or not at all (CONVENTIONS.md, "Personal data").

use chrono::{Days, NaiveDate, Utc};
use domain::resident_id::ResidentId;
use e2e::insurance::{count, enterprise_in, field_errors, get, get_json, id_of, pairs, post, status_json};
use e2e::{Client, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const PHONE: &str = "13712345678";

fn today() -> NaiveDate {
    domain::time::cst_date(Utc::now())
}

fn days_from_today(days: i64) -> String {
    let date = if days < 0 {
        today().checked_sub_days(Days::new(days.unsigned_abs()))
    } else {
        today().checked_add_days(Days::new(days.unsigned_abs()))
    };
    date.expect("date").to_string()
}

/// A valid resident identity number (GB 11643-1999), distinct per seed below 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("41010219880808{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

fn employment(seed: u32, from: &str, to: Option<&str>) -> Value {
    json!({
        "person": {"resident_id": resident_id(seed), "name": format!("职工{seed}"), "phone": PHONE},
        "position": "安全员",
        "safety_head": false,
        "from": from,
        "to": to,
    })
}

fn employments_path(org_id: &str) -> String {
    format!("/api/v1/organizations/{org_id}/employments")
}

/// An enterprise in `region` and a client acting for it.
async fn enterprise(app: &TestApp, seed: u32, region: &str) -> (String, Client) {
    let id = id_of(&enterprise_in(app, seed, region, "mining").await);
    let client = app.client("enterprise", Some(&id), None).await;
    (id, client)
}

/// Records an employment and panics unless it is 201; returns the staff member.
async fn employ(app: &TestApp, token: &str, org_id: &str, body: &Value) -> Value {
    let (status, created) = status_json(post(app, token, &employments_path(org_id), None, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "employment failed: {created}");
    created
}

fn employment_rows(app: &TestApp, org_id: &str) -> i64 {
    count(&mut app.db.connect(), &format!("employments WHERE organization_id = '{org_id}'"))
}

/// `GET /persons/{id}` as `token`: status and the raw body.
async fn person_raw(app: &TestApp, token: &str, person_id: &str) -> (StatusCode, String) {
    let response = get(app, token, &format!("/api/v1/persons/{person_id}")).await;
    (response.status(), response.text().await.expect("body"))
}

#[tokio::test]
async fn admins_and_its_regulators_record_employment_and_the_organisation_itself_may_not() {
    let app = TestApp::spawn().await;
    let (org, own) = enterprise(&app, 1, "410100").await;
    let regulator = app.regulator("410100").await;
    let mut body = employment(1, "2024-03-01", None);
    body["safety_head"] = json!(true);
    body["position"] = json!("安全管理部部长");
    // An organisation recording its own staff would see whole anyone it names: provincial systems record.
    let (status, problem) = status_json(post(&app, &own.token, &employments_path(&org), None, &body).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{problem}");
    assert_eq!(employment_rows(&app, &org), 0);
    assert_eq!(count(&mut app.db.connect(), "persons"), 0);

    let response = post(&app, &regulator.token, &employments_path(&org), Some("e-1"), &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let created: Value = response.json().await.expect("json");
    let person_id = created["person"]["id"].as_str().expect("person id").to_owned();
    assert_eq!(location, format!("/api/v1/persons/{person_id}"));
    assert_eq!(created["person"]["resident_id"], resident_id(1));
    assert_eq!(created["person"]["phone"], PHONE);
    let e = &created["employment"];
    assert_eq!(
        (e["organization_id"].clone(), e["person_id"].clone(), e["position"].clone(), e["safety_head"].clone()),
        (json!(org), json!(person_id), json!("安全管理部部长"), json!(true))
    );
    assert_eq!((e["from"].clone(), e["to"].clone()), (json!("2024-03-01"), Value::Null));

    let employment_id = e["id"].as_str().expect("id");
    let mut conn = app.db.connect();
    let row = format!(
        "employments WHERE id = '{employment_id}' AND organization_id = '{org}' AND person_id = '{person_id}' \
         AND safety_head AND from_date = '2024-03-01' AND to_date IS NULL"
    );
    assert_eq!(count(&mut conn, &row), 1);
    assert_eq!(
        count(&mut conn, &format!("audit_log WHERE action = 'employment.create' AND resource_id = '{employment_id}'")),
        1
    );

    // A retry under the same key is answered from the first response.
    let replay = post(&app, &regulator.token, &employments_path(&org), Some("e-1"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(employment_rows(&app, &org), 1);

    // Admins record too; the same person is found again.
    let again = employ(&app, app.admin_token(), &org, &employment(1, "2020-01-01", Some("2023-12-31"))).await;
    assert_eq!(again["person"]["id"], person_id);
    employ(&app, &regulator.token, &org, &employment(2, "2024-05-01", None)).await;
    assert_eq!(employment_rows(&app, &org), 3);
    assert_eq!(count(&mut conn, "persons"), 2);
}

#[tokio::test]
async fn others_may_not_record_employment_at_an_organisation() {
    let app = TestApp::spawn().await;
    let (org, _) = enterprise(&app, 1, "410100").await;
    let (_, stranger) = enterprise(&app, 2, "410100").await;
    let luoyang = app.regulator("410300").await;
    let body = employment(1, "2024-03-01", None);
    let (status, problem) = status_json(post(&app, &luoyang.token, &employments_path(&org), None, &body).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    let portal = app.client("portal", None, None).await;
    for token in [&stranger.token, &portal.token] {
        let (status, problem) = status_json(post(&app, token, &employments_path(&org), None, &body).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
    let (status, _) = status_json(
        post(&app, app.admin_token(), &employments_path(&uuid::Uuid::now_v7().to_string()), None, &body).await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(employment_rows(&app, &org), 0);
    assert_eq!(count(&mut app.db.connect(), "persons"), 0);
}

#[tokio::test]
async fn bad_employment_dates_and_a_renamed_person_are_refused() {
    let app = TestApp::spawn().await;
    let (org, _) = enterprise(&app, 1, "410100").await;
    let own = app.regulator("410100").await;
    let path = employments_path(&org);
    let (status, problem) =
        status_json(post(&app, &own.token, &path, None, &employment(1, "2024-03-01", Some("2024-02-29"))).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("to", "invalid_range")]));

    let mut bad = employment(1, "2024-13-01", None);
    let id = resident_id(1);
    bad["person"]["resident_id"] = json!(format!("{}{}", &id[..17], if id.ends_with('0') { '1' } else { '0' }));
    bad["position"] = json!("");
    let (status, problem) = status_json(post(&app, &own.token, &path, None, &bad).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    let mut errors = field_errors(&problem);
    errors.sort();
    assert_eq!(
        errors,
        pairs(&[
            ("from", "invalid_date"),
            ("person.resident_id", "invalid_resident_id"),
            ("position", "invalid_length")
        ])
    );
    assert_eq!(employment_rows(&app, &org), 0);
    assert_eq!(count(&mut app.db.connect(), "persons"), 0);

    // One day is a valid employment; a known person must keep the recorded name.
    employ(&app, &own.token, &org, &employment(1, "2024-03-01", Some("2024-03-01"))).await;
    let mut renamed = employment(1, "2024-04-01", None);
    renamed["person"]["name"] = json!("改名");
    let (status, problem) = status_json(post(&app, &own.token, &path, None, &renamed).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("person.name", "name_mismatch")]));
    assert_eq!(employment_rows(&app, &org), 1);
}

#[tokio::test]
async fn a_person_is_whole_for_regulators_and_the_employer_masked_for_portals_and_hidden_from_others() {
    let app = TestApp::spawn().await;
    let (org, own) = enterprise(&app, 1, "410100").await;
    let created = employ(&app, app.admin_token(), &org, &employment(1, "2024-03-01", None)).await;
    let person_id = created["person"]["id"].as_str().expect("person id").to_owned();
    let full_id = resident_id(1);

    // Whole for admins, the province, the regulator of the employer's city and the employer.
    let city = app.regulator("410100").await;
    let province = app.regulator("410000").await;
    for token in [app.admin_token(), &city.token, &province.token, &own.token] {
        let (status, raw) = person_raw(&app, token, &person_id).await;
        assert_eq!(status, StatusCode::OK, "{raw}");
        let detail: Value = serde_json::from_str(&raw).expect("json");
        assert_eq!(detail["person"]["resident_id"], full_id);
        assert_eq!(detail["person"]["phone"], PHONE);
        assert_eq!(detail["person"]["name"], "职工1");
        assert_eq!(detail["employments"], json!([created["employment"]]));
    }

    // Masked for portals and for a regulator whose jurisdiction does not cover the person.
    let portal = app.client("portal", None, None).await;
    let luoyang = app.regulator("410300").await;
    for token in [&portal.token, &luoyang.token] {
        let (status, raw) = person_raw(&app, token, &person_id).await;
        assert_eq!(status, StatusCode::OK, "{raw}");
        assert!(!raw.contains(&full_id), "{raw}");
        assert!(!raw.contains(PHONE), "{raw}");
        let detail: Value = serde_json::from_str(&raw).expect("json");
        let masked = ResidentId::parse(&full_id).expect("resident id").masked();
        assert_eq!(detail["person"]["resident_id"], masked);
        assert_eq!(detail["person"]["resident_id"], format!("410***********{}", &full_id[14..]));
        assert_eq!(detail["person"]["phone"], "137****5678");
    }

    let (_, stranger) = enterprise(&app, 2, "410100").await;
    let (status, raw) = person_raw(&app, &stranger.token, &person_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{raw}");
    assert!(!raw.contains(&full_id) && !raw.contains(&full_id[14..]), "{raw}");
    let (unknown, _) = person_raw(&app, app.admin_token(), &uuid::Uuid::now_v7().to_string()).await;
    assert_eq!(unknown, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_the_current_employer_sees_a_person_whole() {
    let app = TestApp::spawn().await;
    let (former, former_client) = enterprise(&app, 1, "410100").await;
    let (current, current_client) = enterprise(&app, 2, "410100").await;
    let (future, future_client) = enterprise(&app, 3, "410100").await;
    let (ending, ending_client) = enterprise(&app, 4, "410100").await;
    let yesterday = days_from_today(-1);
    let today = days_from_today(0);
    let created = employ(&app, app.admin_token(), &former, &employment(1, "2020-01-01", Some(&yesterday))).await;
    let person_id = created["person"]["id"].as_str().expect("id").to_owned();
    employ(&app, app.admin_token(), &current, &employment(1, &today, None)).await;
    employ(&app, app.admin_token(), &future, &employment(1, &days_from_today(1), None)).await;
    employ(&app, app.admin_token(), &ending, &employment(1, "2022-01-01", Some(&today))).await;

    for token in [&current_client.token, &ending_client.token] {
        let (status, raw) = person_raw(&app, token, &person_id).await;
        assert_eq!(status, StatusCode::OK, "{raw}");
        let detail: Value = serde_json::from_str(&raw).expect("json");
        assert_eq!(detail["person"]["resident_id"], resident_id(1));
        assert_eq!(detail["employments"].as_array().expect("employments").len(), 4);
    }
    for token in [&former_client.token, &future_client.token] {
        let (status, raw) = person_raw(&app, token, &person_id).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{raw}");
        assert!(!raw.contains(&resident_id(1)), "{raw}");
    }
}

#[tokio::test]
async fn staff_lists_page_through_every_employment_in_recording_order() {
    let app = TestApp::spawn().await;
    let (org, own) = enterprise(&app, 1, "410100").await;
    let mut recorded = Vec::new();
    // Recorded out of date order: the list follows recording order, not dates.
    for (seed, from) in [(1, "2024-05-01"), (2, "2020-01-01"), (3, "2022-07-15")] {
        let created = employ(&app, app.admin_token(), &org, &employment(seed, from, None)).await;
        recorded.push(created["employment"]["id"].as_str().expect("id").to_owned());
    }
    let (other, _) = enterprise(&app, 2, "410100").await;
    employ(&app, app.admin_token(), &other, &employment(4, "2024-01-01", None)).await;

    let path = employments_path(&org);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..4 {
        let query = match &cursor {
            Some(c) => format!("{path}?limit=1&cursor={c}"),
            None => format!("{path}?limit=1"),
        };
        let (status, page) = get_json(&app, &own.token, &query).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{page}");
        assert_eq!(items[0]["employment"]["organization_id"], org);
        assert_eq!(items[0]["person"]["resident_id"].as_str().map(str::len), Some(18));
        seen.push(items[0]["employment"]["id"].as_str().expect("id").to_owned());
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, recorded);
    let (_, whole) = get_json(&app, app.admin_token(), &path).await;
    assert_eq!(whole["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(whole["next_cursor"], Value::Null);

    let (_, stranger) = enterprise(&app, 3, "410100").await;
    let luoyang = app.regulator("410300").await;
    for token in [&stranger.token, &luoyang.token] {
        let (status, _) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let portal = app.client("portal", None, None).await;
    let (status, _) = get_json(&app, &portal.token, &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = get_json(&app, &own.token, &format!("{path}?limit=0")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
}

#[tokio::test]
async fn a_former_employer_sees_its_former_staff_masked_everywhere() {
    let app = TestApp::spawn().await;
    let (current, current_client) = enterprise(&app, 1, "410100").await;
    let (former, former_client) = enterprise(&app, 2, "410100").await;
    employ(&app, app.admin_token(), &current, &employment(1, "2024-01-01", None)).await;
    let full_id = resident_id(1);

    // A past employment, recorded by the admin; the former employer cannot record one itself.
    let mut past = employment(1, "2019-01-01", Some("2023-12-31"));
    past["person"]["phone"] = Value::Null;
    let response = post(&app, &former_client.token, &employments_path(&former), None, &past).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let created = employ(&app, app.admin_token(), &former, &past).await;
    assert_eq!(created["employment"]["to"], "2023-12-31");
    assert_eq!(employment_rows(&app, &former), 1);

    // Its staff list keeps the employment but masks the person; the current employer's does not.
    let response = get(&app, &former_client.token, &employments_path(&former)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let raw = response.text().await.expect("body");
    assert!(!raw.contains(&full_id) && !raw.contains(PHONE), "{raw}");
    let page: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(page["items"][0]["employment"]["organization_id"], former);
    assert_eq!(page["items"][0]["person"]["phone"], "137****5678");
    let (_, page) = get_json(&app, &current_client.token, &employments_path(&current)).await;
    assert_eq!(page["items"][0]["person"]["resident_id"], full_id);
    assert_eq!(page["items"][0]["person"]["phone"], PHONE);
    // Regulators and admins see every list whole.
    let (_, page) = get_json(&app, app.admin_token(), &employments_path(&former)).await;
    assert_eq!(page["items"][0]["person"]["resident_id"], full_id);
}
