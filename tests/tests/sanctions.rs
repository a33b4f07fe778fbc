//! Sanctions (豫安委〔2017〕17号 八(一) exit ladder) and bans (八(二)) over real HTTP, on the
//! backend TEST_DATABASE names: each rung with its credit event (八(三)), the status it gives the
//! organisation in registry, portal and public views, rectification orders over time, who may
//! sanction whom, and industry and occupational bans.

use chrono::{Days, NaiveDate, Utc};
use domain::region::RegionCode;
use domain::sanctions::{rectification_status, suspended_on, RectificationStatus, SanctionKind};
use e2e::insurance::{count, enterprise_in, field_errors, get, get_json, id_of, pairs, post, status_json};
use e2e::{credit_code, Client, TestApp};
use persistence::sanctions::{self, NewSanction, RectificationFilter};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
const SANCTIONS: &str = "/api/v1/sanctions";
const BANS: &str = "/api/v1/bans";

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

/// A technical service agency in `region`; returns its id.
async fn agency(app: &TestApp, seed: u32, region: &str) -> String {
    id_of(
        &app.organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南安评技术服务有限公司{seed}"),
            "kind": "technical_service_agency",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "王建国",
            "service_types": ["safety_assessment"],
            "qualification": {"number": format!("APJ-(豫)-{seed:03}"), "valid_from": "2024-01-01", "valid_until": "2028-12-31"},
        }))
        .await,
    )
}

fn sanction(org: &str, kind: &str, decided_on: &str) -> Value {
    json!({"organization_id": org, "kind": kind, "decided_on": decided_on, "reason": "评价报告未按规定进行现场勘验"})
}

fn order(org: &str, decided_on: &str, deadline: &str) -> Value {
    let mut body = sanction(org, "rectification_order", decided_on);
    body["deadline"] = json!(deadline);
    body["case_ref"] = json!("豫应急罚〔2026〕12号");
    body
}

fn suspension(org: &str, decided_on: &str, from: &str, to: &str) -> Value {
    let mut body = sanction(org, "service_suspension", decided_on);
    body["from"] = json!(from);
    body["to"] = json!(to);
    body
}

/// Posts a sanction and panics unless it is 201; returns the response body.
async fn sanction_ok(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = status_json(post(app, token, SANCTIONS, None, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "sanction failed: {created}");
    created
}

fn sanction_id(created: &Value) -> String {
    created["sanction"]["id"].as_str().expect("sanction id").to_owned()
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

fn audit_rows(app: &TestApp, action: &str, resource_id: &str) -> i64 {
    rows(app, &format!("audit_log WHERE action = '{action}' AND resource_id = '{resource_id}'"))
}

/// The status a page of `GET /organizations` (as a portal) gives the organisation `id`.
async fn listed_status(app: &TestApp, portal: &Client, id: &str) -> String {
    let (status, page) = get_json(app, &portal.token, "/api/v1/organizations?limit=500").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().expect("items");
    let item = items.iter().find(|o| o["id"] == id).unwrap_or_else(|| panic!("{id} not listed: {page}"));
    item["status"].as_str().expect("status").to_owned()
}

/// The status on the public card of the organisation with credit code `seed`.
async fn public_status(app: &TestApp, seed: u32) -> String {
    let path = format!("/api/v1/public/organizations/{}", credit_code(seed));
    let response = app.http.get(app.url(&path)).send().await.expect("public card");
    let (status, card) = status_json(response).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    card["status"].as_str().expect("status").to_owned()
}

#[tokio::test]
async fn each_rung_is_stored_with_its_credit_event_and_moves_the_score() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, ZHENGZHOU).await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let decided = d(-10);

    // Base score 80 (grade b); points from persistence/seed/credit_event_rules.csv.
    let steps = [
        (order(&org, &decided, &d(20)), "rectification_order", -5, 75, "b"),
        (sanction(&org, "public_criticism", &decided), "public_criticism", -10, 65, "c"),
        (suspension(&org, &decided, &d(-5), &d(5)), "service_suspension", -20, 45, "d"),
        (sanction(&org, "qualification_revocation", &decided), "qualification_revocation", -40, 5, "d"),
    ];
    let mut ids = Vec::new();
    for (i, (body, kind, points, score, grade)) in steps.iter().enumerate() {
        let key = format!("s-{i}");
        let response = post(&app, &regulator.token, SANCTIONS, Some(&key), body).await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()["location"].to_str().expect("location").to_owned();
        let created: Value = response.json().await.expect("json");
        let id = sanction_id(&created);
        assert_eq!(location, format!("/api/v1/sanctions/{id}"));
        let s = &created["sanction"];
        assert_eq!((s["organization_id"].as_str(), s["kind"].as_str()), (Some(org.as_str()), Some(*kind)), "{created}");
        assert_eq!((s["decided_on"].as_str(), s["decided_region"].as_str()), (Some(decided.as_str()), Some(ZHENGZHOU)));
        assert_eq!(s["in_force"], true, "{created}");
        let event = &created["credit_event"];
        assert_eq!((event["event_type"].as_str(), event["points"].as_i64()), (Some(*kind), Some(*points)), "{created}");
        assert_eq!((created["score"].as_i64(), created["grade"].as_str()), (Some(*score), Some(*grade)), "{created}");

        let event_id = event["id"].as_str().expect("event id");
        let stored_event = format!(
            "credit_events WHERE id = '{event_id}' AND organization_id = '{org}' AND event_type = '{kind}' \
             AND points = {points} AND source_type = 'sanction' AND source_id = '{id}' AND occurred_on = '{decided}'"
        );
        assert_eq!(rows(&app, &stored_event), 1);
        assert_eq!(rows(&app, &format!("credit_scores WHERE organization_id = '{org}' AND score = {score}")), 1);
        assert_eq!(
            rows(&app, &format!("sanctions WHERE id = '{id}' AND kind = '{kind}' AND decided_on = '{decided}'")),
            1
        );
        assert_eq!(audit_rows(&app, "sanction.create", &id), 1);
        assert_eq!(audit_rows(&app, "credit_event.record", event_id), 1);

        // A retry under the same key is answered from the first response, with no second effect.
        let replay = post(&app, &regulator.token, SANCTIONS, Some(&key), body).await;
        assert_eq!(replay.headers()["idempotent-replayed"], "true");
        let replayed: Value = replay.json().await.expect("json");
        assert_eq!(replayed, created);
        assert_eq!(rows(&app, &format!("sanctions WHERE organization_id = '{org}'")), i64::try_from(i + 1).unwrap());
        ids.push((id, created));
    }
    assert_eq!(rows(&app, &format!("credit_events WHERE organization_id = '{org}'")), 4);

    // The dated fields: the deadline of the order, the period of the suspension.
    let (order_id, order_created) = &ids[0];
    assert_eq!(order_created["sanction"]["deadline"], d(20));
    assert_eq!(order_created["sanction"]["rectification_status"], "open");
    assert_eq!(rows(&app, &format!("sanctions WHERE id = '{order_id}' AND deadline = '{}'", d(20))), 1);
    let (suspension_id, suspension_created) = &ids[2];
    assert_eq!(
        (suspension_created["sanction"]["from"].as_str(), suspension_created["sanction"]["to"].as_str()),
        (Some(d(-5).as_str()), Some(d(5).as_str()))
    );
    assert_eq!(
        rows(
            &app,
            &format!("sanctions WHERE id = '{suspension_id}' AND from_date = '{}' AND to_date = '{}'", d(-5), d(5))
        ),
        1
    );

    // Only the revocation lists on the blacklist, and it revokes the organisation.
    for (_, created) in &ids[..3] {
        assert_eq!(created["blacklist_listing_id"], Value::Null);
    }
    let (revocation_id, revocation) = &ids[3];
    let listing = revocation["blacklist_listing_id"].as_str().expect("listing id");
    let event_id = revocation["credit_event"]["id"].as_str().expect("event id");
    assert_eq!(
        rows(&app, &format!("blacklist_listings WHERE id = '{listing}' AND organization_id = '{org}' AND credit_event_id = '{event_id}' AND listed_on = '{decided}'")),
        1
    );
    assert_eq!(rows(&app, &format!("organizations WHERE id = '{org}' AND status = 'revoked' AND version = 2")), 1);
    assert_eq!(audit_rows(&app, "organization.revoke", &org), 1);
    assert_eq!(audit_rows(&app, "blacklist.list", listing), 1);

    // Revoking twice is a conflict, and stores nothing.
    let again = sanction(&org, "qualification_revocation", &d(-1));
    let (status, problem) = status_json(post(&app, &regulator.token, SANCTIONS, None, &again).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("already_revoked")), "{problem}");
    assert_eq!(rows(&app, &format!("sanctions WHERE organization_id = '{org}'")), 4);
    assert_eq!(rows(&app, &format!("blacklist_listings WHERE organization_id = '{org}'")), 1);

    // The organisation's list shows all four, oldest first, with their status on the date asked.
    let (status, list) =
        get_json(&app, app.admin_token(), &format!("/api/v1/organizations/{org}/sanctions?on={}", d(-11))).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["on"], d(-11));
    let items = list["items"].as_array().expect("items");
    assert_eq!(items.len(), 4);
    assert!(items.iter().all(|s| s["in_force"] == false), "nothing is in force before its decision: {list}");
    assert_eq!(items[0]["rectification_status"], Value::Null);
    let (_, list) = get_json(&app, app.admin_token(), &format!("/api/v1/organizations/{org}/sanctions")).await;
    let kinds: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|s| s["kind"].as_str()).collect();
    assert_eq!(kinds, ["rectification_order", "public_criticism", "service_suspension", "qualification_revocation"]);
    assert_eq!(list["items"][3]["id"], json!(revocation_id));
}

#[tokio::test]
async fn bad_field_combinations_are_named_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, ZHENGZHOU).await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let decided = d(-10);

    let mut order_with_period = sanction(&org, "rectification_order", &decided);
    order_with_period["from"] = json!(d(-5));
    order_with_period["to"] = json!(d(5));
    let mut suspension_with_deadline = sanction(&org, "service_suspension", &decided);
    suspension_with_deadline["deadline"] = json!(d(5));
    suspension_with_deadline["from"] = json!(d(-5));
    let mut criticism_with_deadline = sanction(&org, "public_criticism", &decided);
    criticism_with_deadline["deadline"] = json!(d(5));
    let mut bad_date = order(&org, &decided, "2026-02-30");
    bad_date["to"] = json!("soon");
    let mut unknown = sanction(&org, "public_criticism", &decided);
    unknown["until"] = json!(d(5));
    let cases = [
        (order_with_period, vec![("deadline", "required"), ("from", "not_applicable"), ("to", "not_applicable")]),
        (suspension_with_deadline, vec![("deadline", "not_applicable"), ("to", "required")]),
        (suspension(&org, &decided, &d(-11), &d(-12)), vec![("from", "invalid_range"), ("to", "invalid_period")]),
        (criticism_with_deadline, vec![("deadline", "not_applicable")]),
        (order(&org, &decided, &decided), vec![("deadline", "invalid_range")]),
        (order(&org, &d(1), &d(20)), vec![("decided_on", "out_of_range")]),
        (sanction(&org, "warning", &decided), vec![("kind", "invalid_sanction_kind")]),
        (bad_date, vec![("deadline", "invalid_date"), ("to", "invalid_date")]),
        (sanction(&org, "public_criticism", "2017-01-01"), vec![("decided_on", "credit_rule_not_in_force")]),
        (unknown, vec![("until", "unknown_field")]),
    ];
    for (body, expected) in cases {
        let (status, problem) = status_json(post(&app, &regulator.token, SANCTIONS, None, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&expected), "{body}: {problem}");
    }
    assert_eq!(rows(&app, "sanctions"), 0);
    assert_eq!(rows(&app, "credit_events"), 0);
    assert_eq!(rows(&app, "audit_log WHERE action = 'sanction.create'"), 0);
    assert_eq!(rows(&app, &format!("organizations WHERE id = '{org}' AND status = 'active' AND version = 1")), 1);

    // A revocation before the national blacklist rule (2023-10-01, 应急管理部令第11号) revokes and
    // costs its points, but lists nobody: no blacklist term was in force.
    let early = sanction(&org, "qualification_revocation", "2023-09-30");
    let (status, created) = status_json(post(&app, &regulator.token, SANCTIONS, None, &early).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(created["blacklist_listing_id"].is_null(), "{created}");
    assert_eq!(rows(&app, "blacklist_listings"), 0);
    assert_eq!(rows(&app, &format!("organizations WHERE id = '{org}' AND status = 'revoked'")), 1);

    // Compliance applies to rectification orders only, and not before the order.
    let criticism =
        sanction_id(&sanction_ok(&app, &regulator.token, &sanction(&org, "public_criticism", &decided)).await);
    let order_id = sanction_id(&sanction_ok(&app, &regulator.token, &order(&org, &decided, &d(5))).await);
    for (id, complied_on, expected) in [
        (&criticism, d(-1), ("complied_on", "not_applicable")),
        (&order_id, d(-11), ("complied_on", "invalid_range")),
        (&order_id, d(1), ("complied_on", "out_of_range")),
        (&order_id, "2026-13-01".to_owned(), ("complied_on", "invalid_date")),
    ] {
        let path = format!("{SANCTIONS}/{id}/compliance");
        let (status, problem) =
            status_json(post(&app, &regulator.token, &path, None, &json!({"complied_on": complied_on})).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(field_errors(&problem), pairs(&[expected]), "{problem}");
    }
    assert_eq!(rows(&app, "sanctions WHERE complied_on IS NOT NULL"), 0);

    // Bad query dates.
    let (status, problem) = get_json(&app, &regulator.token, &format!("{SANCTIONS}/{order_id}?on=yesterday")).await;
    assert_eq!((status, field_errors(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("on", "invalid_date")])));
    let (status, problem) = get_json(&app, &regulator.token, &format!("{SANCTIONS}?status=late")).await;
    assert_eq!(
        (status, field_errors(&problem)),
        (StatusCode::UNPROCESSABLE_ENTITY, pairs(&[("status", "invalid_rectification_status")]))
    );
}

#[tokio::test]
async fn only_regulators_of_the_jurisdiction_and_admins_sanction() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, ZHENGZHOU).await;
    let other = agency(&app, 2, ZHENGZHOU).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let province = app.regulator("410000").await;
    let own = app.client("agency", Some(&org), None).await;
    let stranger = app.client("agency", Some(&other), None).await;
    let portal = app.client("portal", None, None).await;
    let body = order(&org, &d(-10), &d(10));

    // A city regulator cannot sanction outside its city: the organisation is as unknown as a missing one.
    let (status, problem) = status_json(post(&app, &luoyang.token, SANCTIONS, None, &body).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")), "{problem}");
    let mut missing = body.clone();
    missing["organization_id"] = json!(Uuid::now_v7());
    let (status, _) = status_json(post(&app, &zhengzhou.token, SANCTIONS, None, &missing).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for token in [&own.token, &portal.token] {
        let (status, problem) = status_json(post(&app, token, SANCTIONS, None, &body).await).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")), "{problem}");
    }
    assert_eq!(rows(&app, "sanctions"), 0);
    assert_eq!(rows(&app, "credit_events"), 0);
    assert_eq!(rows(&app, "credit_scores"), 0);
    assert_eq!(rows(&app, "audit_log WHERE action IN ('sanction.create', 'credit_event.record')"), 0);

    // The province and admins reach every city.
    let by_province = sanction_ok(&app, &province.token, &body).await;
    assert_eq!(by_province["sanction"]["decided_region"], "410000");
    let by_admin = sanction_ok(&app, app.admin_token(), &sanction(&org, "public_criticism", &d(-3))).await;
    assert_eq!(by_admin["sanction"]["decided_region"], ZHENGZHOU);
    let id = sanction_id(&by_province);

    // Reading: admins, the regulators of the city and the province, the organisation itself.
    let path = format!("{SANCTIONS}/{id}");
    for token in [app.admin_token(), &zhengzhou.token, &province.token, &own.token] {
        let (status, view) = get_json(&app, token, &path).await;
        assert_eq!((status, view["id"].as_str()), (StatusCode::OK, Some(id.as_str())), "{view}");
    }
    for token in [&luoyang.token, &stranger.token] {
        assert_eq!(get(&app, token, &path).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(get(&app, &portal.token, &path).await.status(), StatusCode::FORBIDDEN);
    // The organisation's sanctions are public record: portals read them too.
    let list = format!("/api/v1/organizations/{org}/sanctions");
    for token in [&portal.token, &own.token, &zhengzhou.token] {
        let (status, view) = get_json(&app, token, &list).await;
        assert_eq!((status, view["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(2)), "{view}");
    }
    for token in [&luoyang.token, &stranger.token] {
        assert_eq!(get(&app, token, &list).await.status(), StatusCode::NOT_FOUND);
    }
    // Compliance is the regulators' too: Luoyang cannot see the order.
    let compliance = format!("{path}/compliance");
    let (status, _) =
        status_json(post(&app, &luoyang.token, &compliance, None, &json!({"complied_on": d(-1)})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) =
        status_json(post(&app, &own.token, &compliance, None, &json!({"complied_on": d(-1)})).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(rows(&app, "sanctions WHERE complied_on IS NOT NULL"), 0);
    // The rectification list is the regulators' and admins'.
    for token in [&own.token, &portal.token] {
        assert_eq!(get(&app, token, SANCTIONS).await.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_rectification_order_is_open_to_its_deadline_overdue_after_and_complied_once_recorded() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, ZHENGZHOU).await;
    let elsewhere = agency(&app, 2, LUOYANG).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let province = app.regulator("410000").await;
    let deadline = -10;
    let id = sanction_id(&sanction_ok(&app, &zhengzhou.token, &order(&org, &d(-20), &d(deadline))).await);
    let other = sanction_id(&sanction_ok(&app, &luoyang.token, &order(&elsewhere, &d(-20), &d(5))).await);
    sanction_ok(&app, &zhengzhou.token, &sanction(&org, "public_criticism", &d(-20))).await;

    let status_on = |on: i64| {
        let path = format!("{SANCTIONS}/{id}?on={}", d(on));
        let token = zhengzhou.token.clone();
        let app = &app;
        async move {
            let (status, view) = get_json(app, &token, &path).await;
            assert_eq!(status, StatusCode::OK, "{view}");
            assert_eq!(view["on"], d(on));
            (view["rectification_status"].clone(), view["in_force"].clone())
        }
    };
    assert_eq!(status_on(-21).await, (Value::Null, json!(false)));
    assert_eq!(status_on(-20).await, (json!("open"), json!(true)));
    assert_eq!(status_on(deadline).await, (json!("open"), json!(true)));
    assert_eq!(status_on(deadline + 1).await, (json!("overdue"), json!(true)));
    assert_eq!(status_on(0).await, (json!("overdue"), json!(true)));
    let (_, view) = get_json(&app, &zhengzhou.token, &format!("{SANCTIONS}/{id}")).await;
    assert_eq!((view["on"].as_str(), view["rectification_status"].as_str()), (Some(d(0).as_str()), Some("overdue")));

    // The overdue list on a given date.
    let listed = |status: &str, on: i64, token: String| {
        let path = format!("{SANCTIONS}?status={status}&on={}", d(on));
        let app = &app;
        async move {
            let (code, page) = get_json(app, &token, &path).await;
            assert_eq!(code, StatusCode::OK, "{page}");
            assert_eq!(page["next_cursor"], Value::Null);
            let items = page["items"].as_array().expect("items");
            assert!(items.iter().all(|s| s["kind"] == "rectification_order" && s["on"] == d(on)), "{page}");
            items.iter().filter_map(|s| s["id"].as_str().map(str::to_owned)).collect::<Vec<_>>()
        }
    };
    let z = || zhengzhou.token.clone();
    assert_eq!(listed("overdue", deadline, z()).await, Vec::<String>::new());
    assert_eq!(listed("open", deadline, z()).await, [id.as_str()]);
    assert_eq!(listed("overdue", deadline + 1, z()).await, [id.as_str()]);
    assert_eq!(listed("overdue", 0, z()).await, [id.as_str()]);
    // Regulators see their jurisdiction; the province and admins everything.
    assert_eq!(listed("overdue", 0, luoyang.token.clone()).await, Vec::<String>::new());
    assert_eq!(listed("open", 0, luoyang.token.clone()).await, [other.as_str()]);
    assert_eq!(listed("open", deadline, province.token.clone()).await, [id.as_str(), other.as_str()]);
    assert_eq!(listed("overdue", 6, app.admin_token().to_owned()).await, [id.as_str(), other.as_str()]);

    // Late compliance: overdue until the day before, complied from that day.
    let compliance = format!("{SANCTIONS}/{id}/compliance");
    let response = post(&app, &zhengzhou.token, &compliance, Some("c-1"), &json!({"complied_on": d(-2)})).await;
    let (status, view) = status_json(response).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        (view["complied_on"].as_str(), view["rectification_status"].as_str()),
        (Some(d(-2).as_str()), Some("complied"))
    );
    assert_eq!((view["complied_late"].clone(), view["in_force"].clone()), (json!(true), json!(false)));
    assert_eq!(rows(&app, &format!("sanctions WHERE id = '{id}' AND complied_on = '{}'", d(-2))), 1);
    assert_eq!(audit_rows(&app, "sanction.comply", &id), 1);
    let replay = post(&app, &zhengzhou.token, &compliance, Some("c-1"), &json!({"complied_on": d(-2)})).await;
    assert_eq!(replay.status(), StatusCode::OK);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(status_on(-3).await, (json!("overdue"), json!(true)));
    assert_eq!(status_on(-2).await, (json!("complied"), json!(false)));
    assert_eq!(listed("overdue", -3, z()).await, [id.as_str()]);
    assert_eq!(listed("overdue", 0, z()).await, Vec::<String>::new());
    assert_eq!(listed("complied", 0, z()).await, [id.as_str()]);
    assert_eq!(listed("complied", -3, z()).await, Vec::<String>::new());

    // Twice is a conflict; the first date stands.
    let (status, problem) =
        status_json(post(&app, &zhengzhou.token, &compliance, None, &json!({"complied_on": d(-1)})).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("already_complied")), "{problem}");
    assert_eq!(rows(&app, &format!("sanctions WHERE id = '{id}' AND complied_on = '{}'", d(-2))), 1);
    assert_eq!(audit_rows(&app, "sanction.comply", &id), 1);

    // Compliance by the deadline is not late.
    let on_time = sanction_id(&sanction_ok(&app, &luoyang.token, &order(&elsewhere, &d(-20), &d(-5))).await);
    let (status, view) = status_json(
        post(&app, &luoyang.token, &format!("{SANCTIONS}/{on_time}/compliance"), None, &json!({"complied_on": d(-5)}))
            .await,
    )
    .await;
    assert_eq!((status, view["complied_late"].clone()), (StatusCode::OK, json!(false)), "{view}");

    // Without a status: every order decided by the date, paginated in recording order.
    let (_, first) = get_json(&app, app.admin_token(), &format!("{SANCTIONS}?limit=2")).await;
    let firsts: Vec<&str> = first["items"].as_array().expect("items").iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(firsts, [id.as_str(), other.as_str()]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = get_json(&app, app.admin_token(), &format!("{SANCTIONS}?limit=2&cursor={cursor}")).await;
    assert_eq!(second["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        (second["items"][0]["id"].as_str(), second["next_cursor"].clone()),
        (Some(on_time.as_str()), Value::Null)
    );
    let (_, before) = get_json(&app, app.admin_token(), &format!("{SANCTIONS}?on={}", d(-21))).await;
    assert_eq!(before["items"], json!([]));
}

/// The rectification list filters in SQL and the suspended set is one query; both mirror the
/// domain's rules (domain::sanctions::rectification_status, suspended_on), and must agree with
/// them on every date around every boundary.
#[tokio::test]
async fn the_sql_filters_agree_with_the_domain_rules() {
    let app = TestApp::spawn().await;
    let org = Uuid::parse_str(&agency(&app, 1, ZHENGZHOU).await).expect("uuid");
    let second = Uuid::parse_str(&agency(&app, 2, ZHENGZHOU).await).expect("uuid");
    let mut conn = app.db.connect();
    let base = NaiveDate::from_ymd_opt(2025, 3, 10).expect("date");
    let at = |offset: u64| base.checked_add_days(Days::new(offset)).expect("date");
    let region = RegionCode::parse(ZHENGZHOU).expect("region");
    let new = |organization_id: Uuid, kind: SanctionKind, decided: u64| NewSanction {
        organization_id,
        kind,
        decided_on: at(decided),
        deadline: None,
        from: None,
        to: None,
        reason: "测试".into(),
        case_ref: None,
        decided_by: "test".into(),
        decided_region: region.clone(),
    };
    // Orders: (decided, deadline, complied) — in time, on the deadline, late, never, and one
    // stored without a deadline (which the API refuses, and which must never turn overdue).
    let orders: [(u64, Option<u64>, Option<u64>); 6] = [
        (0, Some(5), Some(3)),
        (0, Some(5), Some(5)),
        (0, Some(5), Some(8)),
        (2, Some(4), None),
        (0, None, None),
        (6, Some(9), Some(6)),
    ];
    for (decided, deadline, complied) in orders {
        let stored = sanctions::insert(
            &mut conn,
            &NewSanction { deadline: deadline.map(at), ..new(org, SanctionKind::RectificationOrder, decided) },
            Utc::now(),
        )
        .expect("order");
        if let Some(complied) = complied {
            sanctions::mark_complied(&mut conn, stored.id, at(complied)).expect("complied");
        }
    }
    let suspension = |organization_id, decided, from, to| NewSanction {
        from: Some(at(from)),
        to: Some(at(to)),
        ..new(organization_id, SanctionKind::ServiceSuspension, decided)
    };
    sanctions::insert(&mut conn, &suspension(org, 1, 3, 5), Utc::now()).expect("suspension");
    sanctions::insert(&mut conn, &suspension(second, 7, 7, 7), Utc::now()).expect("one-day suspension");
    sanctions::insert(&mut conn, &new(second, SanctionKind::PublicCriticism, 0), Utc::now()).expect("criticism");

    let mut all = sanctions::of_organization(&mut conn, org).expect("all");
    all.extend(sanctions::of_organization(&mut conn, second).expect("all"));
    for offset in 0..12 {
        let on = at(offset);
        for status in [
            None,
            Some(RectificationStatus::Open),
            Some(RectificationStatus::Overdue),
            Some(RectificationStatus::Complied),
        ] {
            let filter = RectificationFilter { status, jurisdiction: None };
            let page = sanctions::rectification_page(&mut conn, on, &filter, None, 500).expect("page");
            let mut from_sql: Vec<Uuid> = page.items.iter().map(|s| s.id).collect();
            let mut from_domain: Vec<Uuid> = all
                .iter()
                .filter(|s| match (rectification_status(&s.decision(), on), status) {
                    (Some(found), Some(wanted)) => found == wanted,
                    (Some(_), None) => true,
                    (None, _) => false,
                })
                .map(|s| s.id)
                .collect();
            from_sql.sort();
            from_domain.sort();
            assert_eq!(from_sql, from_domain, "{status:?} on {on}");
        }
        let suspended = sanctions::suspended_among(&mut conn, &[org, second, Uuid::now_v7()], on).expect("suspended");
        for id in [org, second] {
            let decisions: Vec<_> = all.iter().filter(|s| s.organization_id == id).map(|s| s.decision()).collect();
            assert_eq!(suspended.contains(&id), suspended_on(&decisions, on), "{id} on {on}");
        }
    }
    assert!(sanctions::suspended_among(&mut conn, &[], at(4)).expect("empty").is_empty());
    // A Luoyang regulator's list leaves out Zhengzhou's orders.
    let luoyang = RectificationFilter { status: None, jurisdiction: Some(RegionCode::parse(LUOYANG).expect("region")) };
    assert!(sanctions::rectification_page(&mut conn, at(11), &luoyang, None, 500).expect("page").items.is_empty());
}

#[tokio::test]
async fn a_suspended_organisation_is_reported_suspended_within_its_period_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().to_owned();
    let portal = app.client("portal", None, None).await;
    // (seed, from, to): today is the last day, the first day, before the period, after it.
    let periods = [(1, -2, 0, "suspended"), (2, 0, 2, "suspended"), (3, 1, 5, "active"), (4, -5, -1, "active")];
    let mut ids = Vec::new();
    for (seed, _, _, _) in periods {
        ids.push(agency(&app, seed, ZHENGZHOU).await);
    }
    let first = &ids[0];
    let path = format!("/api/v1/organizations/{first}");
    let before = get(&app, &admin, &path).await;
    let tag_before = before.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(tag_before, "\"1\"");
    for ((_, from, to, _), id) in periods.iter().zip(&ids) {
        sanction_ok(&app, &admin, &suspension(id, &d(-5), &d(*from), &d(*to))).await;
    }
    for ((seed, _, _, expected), id) in periods.iter().zip(&ids) {
        assert_eq!(public_status(&app, *seed).await, *expected, "public card of {seed}");
        assert_eq!(listed_status(&app, &portal, id).await, *expected, "portal list, {seed}");
        let (status, view) = get_json(&app, &admin, &format!("/api/v1/organizations/{id}")).await;
        assert_eq!((status, view["status"].as_str()), (StatusCode::OK, Some(*expected)), "{view}");
        // The stored registry status is unchanged: a suspension ends by itself.
        assert_eq!(rows(&app, &format!("organizations WHERE id = '{id}' AND status = 'active' AND version = 1")), 1);
    }

    // The tag of the suspended organisation changed without a write: a cached copy is stale.
    let response = app
        .http
        .get(app.url(&path))
        .bearer_auth(&admin)
        .header("If-None-Match", &tag_before)
        .send()
        .await
        .expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    let tag = response.headers()["etag"].to_str().expect("etag").to_owned();
    assert_eq!(tag, "\"1-suspended\"");
    let cached =
        app.http.get(app.url(&path)).bearer_auth(&admin).header("If-None-Match", &tag).send().await.expect("get");
    assert_eq!(cached.status(), StatusCode::NOT_MODIFIED);
    let public = format!("/api/v1/public/organizations/{}", credit_code(1));
    let card = app.http.get(app.url(&public)).header("If-None-Match", &tag_before).send().await.expect("card");
    assert_eq!((card.status(), card.headers()["etag"].to_str().ok()), (StatusCode::OK, Some("\"1-suspended\"")));
    let card = app.http.get(app.url(&public)).header("If-None-Match", &tag).send().await.expect("card");
    assert_eq!(card.status(), StatusCode::NOT_MODIFIED);

    // The served tag is good for an update, which keeps the suspension in effect.
    let patch = app
        .http
        .patch(app.url(&path))
        .bearer_auth(&admin)
        .header("If-Match", &tag)
        .json(&json!({"address": "郑州市金水区花园路 2 号"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(patch.status(), StatusCode::OK);
    assert_eq!(patch.headers()["etag"].to_str().ok(), Some("\"2-suspended\""));
    let updated: Value = patch.json().await.expect("json");
    assert_eq!((updated["status"].as_str(), updated["version"].as_i64()), (Some("suspended"), Some(2)));
    let stale = app
        .http
        .patch(app.url(&path))
        .bearer_auth(&admin)
        .header("If-Match", &tag)
        .json(&json!({"address": "郑州市金水区花园路 3 号"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(stale.status(), StatusCode::PRECONDITION_FAILED);
}

#[tokio::test]
async fn a_revoked_organisation_is_reported_revoked_and_blacklisted() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, ZHENGZHOU).await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let portal = app.client("portal", None, None).await;
    assert_eq!(public_status(&app, 1).await, "active");
    assert_eq!(listed_status(&app, &portal, &org).await, "active");

    let created = sanction_ok(&app, &regulator.token, &sanction(&org, "qualification_revocation", &d(0))).await;
    let listing = created["blacklist_listing_id"].as_str().expect("listing id");
    assert_eq!(public_status(&app, 1).await, "revoked");
    assert_eq!(listed_status(&app, &portal, &org).await, "revoked");
    let response = get(&app, &regulator.token, &format!("/api/v1/organizations/{org}")).await;
    assert_eq!(response.headers()["etag"].to_str().ok(), Some("\"2\""));
    let view: Value = response.json().await.expect("json");
    assert_eq!((view["status"].as_str(), view["version"].as_i64()), (Some("revoked"), Some(2)));
    assert_eq!(
        rows(&app, &format!("blacklist_listings WHERE id = '{listing}' AND organization_id = '{org}' AND listed_on = '{}' AND removed_on IS NULL", d(0))),
        1
    );
    // A later suspension does not hide the revocation.
    sanction_ok(&app, &regulator.token, &suspension(&org, &d(0), &d(0), &d(3))).await;
    assert_eq!(public_status(&app, 1).await, "revoked");
    assert_eq!(listed_status(&app, &portal, &org).await, "revoked");
}

/// A valid resident identity number (GB 11643-1999), distinct per seed below 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("41010219880808{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

fn masked(resident_id: &str) -> String {
    format!("{}***********{}", &resident_id[..3], &resident_id[14..])
}

#[tokio::test]
async fn bans_on_an_organisation_and_on_a_person() {
    let app = TestApp::spawn().await;
    let org = agency(&app, 1, ZHENGZHOU).await;
    let other = agency(&app, 2, ZHENGZHOU).await;
    let employer = id_of(&enterprise_in(&app, 3, ZHENGZHOU, "mining").await);
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let province = app.regulator("410000").await;
    let own = app.client("agency", Some(&org), None).await;
    let stranger = app.client("agency", Some(&other), None).await;
    let employer_client = app.client("enterprise", Some(&employer), None).await;
    let portal = app.client("portal", None, None).await;
    let case_ref = "郑州市“2025·11·3”较大事故调查报告";

    // An industry ban on an organisation, for a fixed term.
    let industry = json!({
        "kind": "industry_ban", "organization_id": org, "from": d(-1), "to": d(365 * 5),
        "case_ref": case_ref, "reason": "对事故发生负有责任",
    });
    let (status, problem) = status_json(post(&app, &luoyang.token, BANS, None, &industry).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    for token in [&own.token, &portal.token] {
        assert_eq!(post(&app, token, BANS, None, &industry).await.status(), StatusCode::FORBIDDEN);
    }
    assert_eq!(rows(&app, "bans"), 0);
    let response = post(&app, &zhengzhou.token, BANS, Some("b-1"), &industry).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let ban: Value = response.json().await.expect("json");
    let ban_id = ban["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("{BANS}/{ban_id}"));
    assert_eq!((ban["kind"].as_str(), ban["organization_id"].as_str()), (Some("industry_ban"), Some(org.as_str())));
    assert_eq!((ban["person"].clone(), ban["case_ref"].as_str()), (Value::Null, Some(case_ref)));
    assert_eq!((ban["from"].as_str(), ban["to"].as_str()), (Some(d(-1).as_str()), Some(d(365 * 5).as_str())));
    assert_eq!((ban["permanent"].clone(), ban["in_force"].clone()), (json!(false), json!(true)));
    assert_eq!(ban["decided_region"], ZHENGZHOU);
    let stored = format!(
        "bans WHERE id = '{ban_id}' AND kind = 'industry_ban' AND organization_id = '{org}' AND person_id IS NULL \
         AND from_date = '{}' AND to_date = '{}' AND decided_region = '{ZHENGZHOU}'",
        d(-1),
        d(365 * 5)
    );
    assert_eq!(rows(&app, &stored), 1);
    assert_eq!(audit_rows(&app, "ban.create", &ban_id), 1);
    let replay = post(&app, &zhengzhou.token, BANS, Some("b-1"), &industry).await;
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(rows(&app, "bans"), 1);
    let path = format!("{BANS}/{ban_id}");
    for token in [app.admin_token(), &zhengzhou.token, &province.token, &own.token] {
        let (status, view) = get_json(&app, token, &path).await;
        assert_eq!((status, view["id"].as_str()), (StatusCode::OK, Some(ban_id.as_str())), "{view}");
    }
    for token in [&luoyang.token, &stranger.token] {
        assert_eq!(get(&app, token, &path).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(get(&app, &portal.token, &path).await.status(), StatusCode::FORBIDDEN);

    // A permanent occupational ban on a person, who is recorded when new.
    let person = resident_id(7);
    let occupational = json!({
        "kind": "occupational_ban", "person": {"resident_id": person, "name": "张伟"}, "from": d(0), "to": null,
        "case_ref": case_ref, "reason": "对事故发生负有主要责任",
    });
    let (status, ban) = status_json(post(&app, &zhengzhou.token, BANS, None, &occupational).await).await;
    assert_eq!(status, StatusCode::CREATED, "{ban}");
    let ban_id = ban["id"].as_str().expect("id").to_owned();
    let person_id = ban["person"]["id"].as_str().expect("person id").to_owned();
    assert_eq!(
        (ban["person"]["resident_id"].as_str(), ban["person"]["name"].as_str()),
        (Some(person.as_str()), Some("张伟"))
    );
    assert_eq!((ban["organization_id"].clone(), ban["to"].clone()), (Value::Null, Value::Null));
    assert_eq!((ban["permanent"].clone(), ban["in_force"].clone()), (json!(true), json!(true)));
    assert_eq!(rows(&app, &format!("persons WHERE id = '{person_id}' AND resident_id = '{person}'")), 1);
    let stored = format!(
        "bans WHERE id = '{ban_id}' AND kind = 'occupational_ban' AND person_id = '{person_id}' \
         AND organization_id IS NULL AND to_date IS NULL AND case_ref = '{case_ref}'"
    );
    assert_eq!(rows(&app, &stored), 1);
    assert_eq!(audit_rows(&app, "ban.create", &ban_id), 1);

    // Admins and the regulators of the deciding city and the province see the number whole.
    let path = format!("{BANS}/{ban_id}");
    for token in [app.admin_token(), &zhengzhou.token, &province.token] {
        let (status, view) = get_json(&app, token, &path).await;
        assert_eq!((status, view["person"]["resident_id"].as_str()), (StatusCode::OK, Some(person.as_str())), "{view}");
    }
    for token in [&luoyang.token, &own.token, &employer_client.token] {
        assert_eq!(get(&app, token, &path).await.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(get(&app, &portal.token, &path).await.status(), StatusCode::FORBIDDEN);
    // The person's current employer sees the ban, with the number masked.
    let employment = json!({
        "person": {"resident_id": person, "name": "张伟"}, "position": "安全员", "safety_head": false,
        "from": d(-30), "to": null,
    });
    let (status, body) = status_json(
        post(&app, &zhengzhou.token, &format!("/api/v1/organizations/{employer}/employments"), None, &employment).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let response = get(&app, &employer_client.token, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = response.text().await.expect("body");
    assert!(!text.contains(&person), "the identity number leaks to the employer: {text}");
    let view: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(view["person"]["resident_id"], masked(&person));

    // Bad combinations name every field; nothing is stored.
    let mut both = industry.clone();
    both["person"] = json!({"resident_id": person, "name": "张伟"});
    both.as_object_mut().expect("object").remove("organization_id");
    let mut swapped = occupational.clone();
    swapped["organization_id"] = json!(org);
    swapped.as_object_mut().expect("object").remove("person");
    let mut reversed = industry.clone();
    reversed["to"] = json!(d(-2));
    let mut bad_person = occupational.clone();
    bad_person["person"] = json!({"resident_id": "410102198808080010", "name": "张伟"});
    let mut renamed = occupational.clone();
    renamed["person"]["name"] = json!("李四");
    let mut no_case = occupational.clone();
    no_case["case_ref"] = json!("");
    let cases = [
        (both, vec![("organization_id", "required"), ("person", "not_applicable")]),
        (swapped, vec![("person", "required"), ("organization_id", "not_applicable")]),
        (reversed, vec![("to", "invalid_period")]),
        (bad_person, vec![("person.resident_id", "invalid_resident_id")]),
        (renamed, vec![("person.name", "name_mismatch")]),
        (no_case, vec![("case_ref", "invalid_length")]),
        (
            json!({"kind": "lifetime_ban", "from": d(0), "case_ref": case_ref, "reason": "x"}),
            vec![("kind", "invalid_ban_kind")],
        ),
    ];
    for (body, expected) in cases {
        let (status, problem) = status_json(post(&app, &zhengzhou.token, BANS, None, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {problem}");
        let mut found = field_errors(&problem);
        let mut wanted = pairs(&expected);
        found.sort();
        wanted.sort();
        assert_eq!(found, wanted, "{body}: {problem}");
    }
    assert_eq!(rows(&app, "bans"), 2);
    assert_eq!(rows(&app, "persons"), 1);
}
