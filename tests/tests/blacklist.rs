//! The blacklist (豫安委〔2017〕17号 八(三); 应急管理部令第11号) over real HTTP, on the backend
//! TEST_DATABASE names: the 3-year term to the day, early removal from 12 months on, approval,
//! rejection and fraud revocation, who may apply and decide, and the public list with its
//! filters, pagination and conditional GETs.
//!
//! Listings are made by credit events; here they are inserted through `persistence::blacklist`
//! with the term the domain computes from the seeded rule book, dated in the past. "Today" is
//! read from the clock (CST).

use chrono::{Days, Months, NaiveDate, Utc};
use e2e::insurance::{count, field_errors, get_json, id_of, pairs, post, status_json};
use e2e::{credit_code, TestApp};
use persistence::blacklist::{self, Listing, NewListing};
use persistence::{audit, rules};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const PUBLIC: &str = "/api/v1/public/blacklist";
const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";

fn today() -> NaiveDate {
    domain::time::cst_date(Utc::now())
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

/// A service provider of `kind` in `region`; returns its id.
async fn provider(app: &TestApp, seed: u32, kind: &str, region: &str) -> String {
    let mut body = json!({
        "credit_code": credit_code(seed),
        "name": format!("河南安信技术服务有限公司{seed}"),
        "kind": kind,
        "region_code": region,
        "contact_phone": "13812345678",
        "legal_representative": "王建国",
    });
    if kind == "technical_service_agency" {
        body["service_types"] = json!(["safety_assessment"]);
        body["qualification"] =
            json!({"number": "APJ-(豫)-001", "valid_from": "2024-01-01", "valid_until": "2028-12-31"});
    }
    id_of(&app.organization(body).await)
}

/// An agency client acting for the organisation.
async fn agency_token(app: &TestApp, org_id: &str) -> String {
    app.client("agency", Some(org_id), None).await.token
}

/// Lists the organisation from `listed_on` with the term the domain gives (as a trigger event would).
fn list(app: &TestApp, org_id: &str, region: &str, listed_on: NaiveDate, trigger: &str) -> Listing {
    let mut conn = app.db.connect();
    let book = rules::load_rule_book(&mut conn).expect("rule book");
    let term = domain::blacklist::Listing::new(&book, listed_on).expect("term in force");
    blacklist::insert_listing(
        &mut conn,
        &NewListing {
            organization_id: Uuid::parse_str(org_id).expect("uuid"),
            trigger_type: trigger.to_owned(),
            credit_event_id: None,
            decided_by: "fixture".to_owned(),
            decided_region: domain::region::RegionCode::parse(region).expect("region"),
            listed_on,
            ends_on: term.value.ends_on,
            term_rule_version: term.version,
        },
        Utc::now(),
    )
    .expect("insert listing")
}

/// The listing date whose term ends on `ends_on` (the first day off the list): 3 years earlier,
/// found through the domain so that month-end clamping is the domain's.
fn listed_on_ending(app: &TestApp, ends_on: NaiveDate) -> NaiveDate {
    let book = rules::load_rule_book(&mut app.db.connect()).expect("rule book");
    let guess = ends_on.checked_sub_months(Months::new(36)).expect("date");
    (0..7)
        .filter_map(|i| guess.checked_sub_days(Days::new(3))?.checked_add_days(Days::new(i)))
        .find(|d| domain::blacklist::Listing::new(&book, *d).is_ok_and(|l| l.value.ends_on == ends_on))
        .unwrap_or_else(|| panic!("no listing date ends on {ends_on}"))
}

fn stored_listing(app: &TestApp, id: Uuid) -> Listing {
    blacklist::find_listing(&mut app.db.connect(), id).expect("find").expect("stored listing")
}

fn stored_applications(app: &TestApp, listing: Uuid) -> Vec<blacklist::RemovalApplication> {
    blacklist::applications_of(&mut app.db.connect(), listing).expect("applications")
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

/// Audit actions recorded about `resource_id`, oldest first.
fn audit_actions(app: &TestApp, resource_id: &str) -> Vec<String> {
    let filter = audit::AuditFilter { resource_id: Some(resource_id.to_owned()), ..Default::default() };
    let mut items = audit::list(&mut app.db.connect(), &filter, None, 100).expect("audit").items;
    items.reverse();
    items.into_iter().map(|e| e.action).collect()
}

async fn public_get(app: &TestApp, query: &str) -> reqwest::Response {
    app.http.get(app.url(&format!("{PUBLIC}{query}"))).send().await.expect("public GET")
}

async fn public_json(app: &TestApp, query: &str) -> Value {
    let (status, body) = status_json(public_get(app, query).await).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// Credit codes on a public page, in order.
fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["credit_code"].as_str().expect("code").to_owned())
        .collect()
}

async fn apply(app: &TestApp, token: &str, listing: Uuid, body: &Value) -> (StatusCode, Value) {
    status_json(post(app, token, &format!("/api/v1/blacklist/{listing}/removal-applications"), None, body).await).await
}

async fn decide(app: &TestApp, token: &str, application: &str, body: &Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/blacklist/removal-applications/{application}/decision");
    status_json(post(app, token, &path, None, body).await).await
}

async fn revoke(app: &TestApp, token: &str, application: &str, body: &Value) -> (StatusCode, Value) {
    let path = format!("/api/v1/blacklist/removal-applications/{application}/revocation");
    status_json(post(app, token, &path, None, body).await).await
}

async fn organization_blacklist(app: &TestApp, token: &str, org_id: &str) -> (StatusCode, Value) {
    get_json(app, token, &format!("/api/v1/organizations/{org_id}/blacklist")).await
}

#[tokio::test]
async fn the_term_ends_exactly_three_years_after_listing() {
    let app = TestApp::spawn().await;
    let today = today();
    let ended = provider(&app, 1, "technical_service_agency", ZHENGZHOU).await;
    let last_day = provider(&app, 2, "technical_service_agency", ZHENGZHOU).await;
    // Listed 3 years ago today: off the list from today.
    let off_today = list(&app, &ended, ZHENGZHOU, listed_on_ending(&app, today), "false_report");
    assert_eq!(off_today.ends_on, today);
    assert_eq!(off_today.term_rule_version, "blacklist_term_months@2023-10-01");
    // Listed a day later: today is its last day.
    let tomorrow = today.checked_add_days(Days::new(1)).expect("date");
    let listed_on = listed_on_ending(&app, tomorrow);
    let on_last_day = list(&app, &last_day, ZHENGZHOU, listed_on, "qualification_leasing");
    assert_eq!(on_last_day.ends_on, tomorrow);

    let page = public_json(&app, "").await;
    assert_eq!(
        page,
        json!({
            "items": [{
                "organization_name": "河南安信技术服务有限公司2",
                "credit_code": credit_code(2),
                "kind": "technical_service_agency",
                "region_code": ZHENGZHOU,
                "trigger": "qualification_leasing",
                "listed_on": listed_on.to_string(),
                "ends_on": tomorrow.to_string(),
                "listed_until": today.to_string(),
            }],
            "next_cursor": null,
        })
    );

    // The organisations' own records say the same.
    let regulator = app.regulator(ZHENGZHOU).await;
    let (status, record) = organization_blacklist(&app, &regulator.token, &ended).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["listed_today"], false);
    assert_eq!(record["items"][0]["in_force"], false);
    assert_eq!(record["items"][0]["ends_on"], today.to_string());
    let (status, record) = organization_blacklist(&app, &regulator.token, &last_day).await;
    assert_eq!(status, StatusCode::OK, "{record}");
    assert_eq!(record["listed_today"], true);
    assert_eq!(record["items"][0]["in_force"], true);
    assert_eq!(record["items"][0]["listed_until"], today.to_string());
    assert_eq!(record["items"][0]["term_rule_version"], "blacklist_term_months@2023-10-01");

    // The party whose term is over can no longer apply for removal: nothing to remove.
    let token = agency_token(&app, &ended).await;
    let (status, problem) = apply(&app, &token, off_today.id, &json!({"reason": "期满"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "not_listed");
    assert_eq!(rows(&app, "blacklist_removal_applications"), 0);
}

#[tokio::test]
async fn early_removal_from_twelve_months_approval_and_fraud_revocation() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 10, "technical_service_agency", ZHENGZHOU).await;
    let token = agency_token(&app, &agency).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let listing = list(&app, &agency, ZHENGZHOU, date("2025-01-15"), "charging_without_service");
    assert_eq!(listing.ends_on, date("2028-01-15"));
    let listing_id = listing.id.to_string();

    // 11 months and 30 days after listing: too early, and the error names the first accepted day.
    let almost = date("2025-12-15").checked_add_days(Days::new(30)).expect("date");
    assert_eq!(almost, date("2026-01-14"));
    let (status, problem) =
        apply(&app, &token, listing.id, &json!({"reason": "已整改", "applied_on": almost.to_string()})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "removal_too_early");
    assert_eq!(field_errors(&problem), pairs(&[("applied_on", "removal_too_early")]));
    assert!(problem["errors"][0]["message"].as_str().expect("message").contains("2026-01-15"), "{problem}");
    assert!(problem["detail"].as_str().expect("detail").contains("2026-01-15"), "{problem}");
    assert_eq!(rows(&app, "blacklist_removal_applications"), 0);
    // A date in the future or not a date at all is the applicant's 422 too.
    let (status, problem) = apply(&app, &token, listing.id, &json!({"reason": "x", "applied_on": "2999-01-01"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("applied_on", "out_of_range")]));

    // Exactly 12 months: accepted for review.
    let response = post(
        &app,
        &token,
        &format!("/api/v1/blacklist/{listing_id}/removal-applications"),
        None,
        &json!({"reason": "已完成整改并履行全部服务合同", "applied_on": "2026-01-15"}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    assert_eq!(location, format!("/api/v1/organizations/{agency}/blacklist"));
    let (_, application) = status_json(response).await;
    let application_id = application["id"].as_str().expect("id").to_owned();
    assert_eq!(application["listing_id"], listing_id);
    assert_eq!(application["organization_id"], agency);
    assert_eq!(application["applied_on"], "2026-01-15");
    assert_eq!(application["status"], "pending");
    assert_eq!(application["reason"], "已完成整改并履行全部服务合同");
    assert_eq!(application["decided_by"], Value::Null);
    let stored = stored_applications(&app, listing.id);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].status, domain::blacklist::RemovalStatus::Pending);
    assert_eq!(stored[0].applied_on, date("2026-01-15"));

    // One pending application at a time.
    let (status, problem) = apply(&app, &token, listing.id, &json!({"reason": "再次申请"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "removal_pending");
    // Another organisation cannot apply (nor learn the listing exists); deciders never apply.
    let other = provider(&app, 11, "engineer_firm", ZHENGZHOU).await;
    let other_token = agency_token(&app, &other).await;
    let (status, problem) = apply(&app, &other_token, listing.id, &json!({"reason": "x"})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, _) = apply(&app, &token, Uuid::new_v4(), &json!({"reason": "x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for forbidden in
        [zhengzhou.token.clone(), app.admin_token().to_owned(), app.client("portal", None, None).await.token]
    {
        let (status, _) = apply(&app, &forbidden, listing.id, &json!({"reason": "x"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(stored_applications(&app, listing.id).len(), 1);

    // Only regulators covering the organisation (and admins) decide; the party cannot.
    let approve = json!({"decision": "approved", "decided_on": "2026-02-01"});
    let luoyang = app.regulator(LUOYANG).await;
    let (status, _) = decide(&app, &luoyang.token, &application_id, &approve).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = decide(&app, &token, &application_id, &approve).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, problem) = decide(&app, &zhengzhou.token, &application_id, &json!({"decision": "maybe"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("decision", "invalid_decision")]));
    let (status, problem) =
        decide(&app, &zhengzhou.token, &application_id, &json!({"decision": "approved", "decided_on": "2026-01-14"}))
            .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("decided_on", "out_of_range")]));
    assert_eq!(stored_listing(&app, listing.id).removed_on, None);

    // Approval: off the list from the decision date.
    let (status, decided) = decide(&app, &zhengzhou.token, &application_id, &approve).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["id"], listing_id);
    assert_eq!(decided["removed_on"], "2026-02-01");
    assert_eq!(decided["ends_on"], "2028-01-15");
    assert_eq!(decided["in_force"], false);
    assert_eq!(decided["removal_applications_from"], "2026-01-15");
    assert_eq!(decided["removal_applications"][0]["status"], "approved");
    assert_eq!(decided["removal_applications"][0]["decided_on"], "2026-02-01");
    assert_eq!(decided["removal_applications"][0]["decided_by"], zhengzhou.id);
    assert_eq!(stored_listing(&app, listing.id).removed_on, Some(date("2026-02-01")));
    assert_eq!(codes(&public_json(&app, "").await), Vec::<String>::new());
    // Deciding again is a conflict; applying again finds nothing to remove.
    let (status, problem) = decide(&app, &zhengzhou.token, &application_id, &json!({"decision": "rejected"})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("removal_already_decided")));
    let (status, problem) = apply(&app, &token, listing.id, &json!({"reason": "x"})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("not_listed")));

    // The approval turns out to have been obtained by fraud: the listing is back, original term.
    let (status, _) = revoke(&app, &luoyang.token, &application_id, &json!({})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = revoke(&app, &zhengzhou.token, &application_id, &json!({"revoked_on": "2026-01-31"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("revoked_on", "out_of_range")]));
    let (status, restored) =
        revoke(&app, &zhengzhou.token, &application_id, &json!({"revoked_on": "2026-06-01"})).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    assert_eq!(restored["removed_on"], Value::Null);
    assert_eq!(restored["listed_on"], "2025-01-15");
    assert_eq!(restored["ends_on"], "2028-01-15");
    assert_eq!(restored["listed_until"], "2028-01-14");
    assert_eq!(restored["in_force"], true);
    assert_eq!(restored["removal_applications"][0]["status"], "revoked");
    assert_eq!(restored["removal_applications"][0]["decided_on"], "2026-06-01");
    let after = stored_listing(&app, listing.id);
    assert_eq!((after.removed_on, after.ends_on), (None, date("2028-01-15")));
    assert_eq!(stored_applications(&app, listing.id)[0].status, domain::blacklist::RemovalStatus::Revoked);
    let page = public_json(&app, "").await;
    assert_eq!(codes(&page), [credit_code(10)]);
    assert_eq!(page["items"][0]["ends_on"], "2028-01-15");
    // Only an approval can be revoked.
    let (status, problem) = revoke(&app, &zhengzhou.token, &application_id, &json!({})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("removal_not_approved")));

    // Every write is audited, on the application and on the listing.
    assert_eq!(
        audit_actions(&app, &application_id),
        ["blacklist.apply_removal", "blacklist.decide_removal", "blacklist.revoke_removal"]
    );
    assert_eq!(audit_actions(&app, &listing_id), ["blacklist.remove", "blacklist.restore"]);
}

#[tokio::test]
async fn a_rejection_leaves_the_listing_running() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 20, "social_organization", LUOYANG).await;
    let token = agency_token(&app, &agency).await;
    let listing = list(&app, &agency, LUOYANG, date("2024-06-30"), "illegal_affiliation");
    let (status, application) = apply(&app, &token, listing.id, &json!({"reason": "申请提前移出"})).await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    assert_eq!(application["applied_on"], today().to_string());
    let application_id = application["id"].as_str().expect("id").to_owned();

    // The province covers every city; decided today by default.
    let province = app.regulator("410000").await;
    let (status, decided) = decide(&app, &province.token, &application_id, &json!({"decision": "rejected"})).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    assert_eq!(decided["removed_on"], Value::Null);
    assert_eq!(decided["in_force"], true);
    assert_eq!(decided["removal_applications"][0]["status"], "rejected");
    assert_eq!(decided["removal_applications"][0]["decided_on"], today().to_string());
    assert_eq!(stored_listing(&app, listing.id).removed_on, None);
    assert_eq!(codes(&public_json(&app, "").await), [credit_code(20)]);
    // A rejection is not an approval to revoke.
    let (status, problem) = revoke(&app, &province.token, &application_id, &json!({})).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("removal_not_approved")));
    assert_eq!(audit_actions(&app, &listing.id.to_string()), Vec::<String>::new());

    // Nothing pending any more: the party may apply again; a retry under the same
    // Idempotency-Key answers the first response and stores nothing more.
    let path = format!("/api/v1/blacklist/{}/removal-applications", listing.id);
    let body = json!({"reason": "补充材料后再次申请"});
    let (status, again) = status_json(post(&app, &token, &path, Some("reapply-1"), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    let replay = post(&app, &token, &path, Some("reapply-1"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(status_json(replay).await.1, again);
    let (status, problem) =
        status_json(post(&app, &token, &path, Some("reapply-1"), &json!({"reason": "另一份材料"})).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("idempotency_conflict")));
    let statuses: Vec<_> = stored_applications(&app, listing.id).iter().map(|a| a.status.as_str()).collect();
    assert_eq!(statuses, ["rejected", "pending"]);

    // Who sees the record: the party, portals (without reasons), not other organisations.
    let (status, own) = organization_blacklist(&app, &token, &agency).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["items"][0]["removal_applications"][0]["reason"], "申请提前移出");
    let portal = app.client("portal", None, None).await;
    let (status, public_view) = organization_blacklist(&app, &portal.token, &agency).await;
    assert_eq!(status, StatusCode::OK, "{public_view}");
    assert_eq!(public_view["listed_today"], true);
    assert_eq!(public_view["items"][0]["removal_applications"][0]["reason"], Value::Null);
    let stranger = provider(&app, 21, "engineer_firm", LUOYANG).await;
    let (status, _) = organization_blacklist(&app, &agency_token(&app, &stranger).await, &agency).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = organization_blacklist(&app, &app.regulator(ZHENGZHOU).await.token, &agency).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_public_list_pages_filters_and_answers_conditional_gets() {
    let app = TestApp::spawn().await;
    let a = provider(&app, 30, "technical_service_agency", ZHENGZHOU).await;
    let b = provider(&app, 31, "training_institution", LUOYANG).await;
    let c = provider(&app, 32, "engineer_firm", ZHENGZHOU).await;
    list(&app, &a, ZHENGZHOU, date("2025-03-01"), "false_report");
    list(&app, &b, LUOYANG, date("2025-04-01"), "failure_to_perform_contract");
    let listing_c = list(&app, &c, ZHENGZHOU, date("2025-05-01"), "qualification_revocation");
    // Not in force: a listing removed early, and a finished one.
    let d = provider(&app, 33, "technical_service_agency", ZHENGZHOU).await;
    let removed = list(&app, &d, ZHENGZHOU, date("2024-01-10"), "false_report");
    blacklist::set_removed(&mut app.db.connect(), removed.id, Some(date("2025-02-01"))).expect("remove");

    let response = public_get(&app, "").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let etag = response.headers()["etag"].to_str().expect("etag").to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    let (_, all) = status_json(response).await;
    assert_eq!(codes(&all), [credit_code(30), credit_code(31), credit_code(32)]);
    assert_eq!(all["next_cursor"], Value::Null);

    // A matching If-None-Match is a 304 without a body; a stale one gets the page.
    let response = app.http.get(app.url(PUBLIC)).header("If-None-Match", &etag).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"].to_str().expect("etag"), etag);
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    assert!(response.bytes().await.expect("body").is_empty());
    let response = app.http.get(app.url(PUBLIC)).header("If-None-Match", "\"stale\"").send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK);

    // One at a time, in listing order.
    let mut seen = Vec::new();
    let mut query = "?limit=1".to_owned();
    loop {
        let page = public_json(&app, &query).await;
        assert_eq!(page["items"].as_array().expect("items").len(), 1, "{page}");
        seen.extend(codes(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => query = format!("?limit=1&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(seen, codes(&all));
    let (status, _) = status_json(public_get(&app, "?cursor=garbage").await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = status_json(public_get(&app, "?limit=0").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Filters.
    assert_eq!(codes(&public_json(&app, "?kind=training_institution").await), [credit_code(31)]);
    assert_eq!(codes(&public_json(&app, "?region=410100").await), [credit_code(30), credit_code(32)]);
    assert_eq!(codes(&public_json(&app, "?region=410300&kind=training_institution").await), [credit_code(31)]);
    assert_eq!(codes(&public_json(&app, "?region=410300&kind=engineer_firm").await), Vec::<String>::new());
    assert_eq!(codes(&public_json(&app, "?region=410000").await).len(), 3);
    let (status, problem) = status_json(public_get(&app, "?kind=bank&region=4101").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem).iter().map(|(f, _)| f.as_str()).collect::<Vec<_>>(), ["kind", "region"]);
    let (status, problem) = status_json(public_get(&app, "?region=419900").await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("region", "unknown_region")]));

    // A change (an approved early removal) changes the ETag: the old one no longer matches.
    let token = agency_token(&app, &c).await;
    let (status, application) =
        apply(&app, &token, listing_c.id, &json!({"reason": "整改完毕", "applied_on": "2026-05-01"})).await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    let (status, _) = decide(
        &app,
        app.admin_token(),
        application["id"].as_str().expect("id"),
        &json!({"decision": "approved", "decided_on": "2026-05-02"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let response = app.http.get(app.url(PUBLIC)).header("If-None-Match", &etag).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::OK);
    assert_ne!(response.headers()["etag"].to_str().expect("etag"), etag);
    let (_, changed) = status_json(response).await;
    assert_eq!(codes(&changed), [credit_code(30), credit_code(31)]);
}
