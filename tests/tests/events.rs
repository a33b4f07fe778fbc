//! The event feed (issue 8) over real HTTP, on the backend TEST_DATABASE names: every change
//! of each area publishes its event in its own transaction (read back through
//! `GET /api/v1/events` and from the `events` table), a rolled-back write publishes nothing,
//! each role sees what it may, the `types` filter, paging with `after`/`limit`, bad parameters,
//! and — on PostgreSQL — that concurrent writers never leave a reader a gap.
//!
//! "Today" is read from the clock (CST); dates are chosen relative to it or in the past.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use domain::events::EventType;
use e2e::insurance::{
    batch, count, field_errors, id_of, insurer, item, pairs, policy, post, status_json, store_premiums, write_policy,
};
use e2e::market::{create_engagement, engagement_body, enterprise, provider, provider_of_kind, ENGAGEMENTS};
use e2e::{credit_code, Backend, TestApp};
use persistence::outbox::{self, Event, EventSight};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const FEED: &str = "/api/v1/events";
const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
/// 巩义: a province-managed county, not supervised by Zhengzhou.
const GONGYI: &str = "410181";

// -------------------------------------------------------------------------------------------
// Helpers

fn today() -> NaiveDate {
    domain::time::cst_date(Utc::now())
}

fn days_from_today(offset: i64) -> NaiveDate {
    let date = if offset < 0 {
        today().checked_sub_days(Days::new(offset.unsigned_abs()))
    } else {
        today().checked_add_days(Days::new(offset.unsigned_abs()))
    };
    date.expect("date in range")
}

async fn feed(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    let response = app.http.get(app.url(&format!("{FEED}{query}"))).bearer_auth(token).send().await.expect("GET");
    status_json(response).await
}

/// One read of the feed; panics unless 200.
async fn feed_ok(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, body) = feed(app, token, query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// Every event the caller sees, read to the end in pages of `limit`.
async fn everything(app: &TestApp, token: &str, types: &str, limit: i64) -> Vec<Value> {
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = feed_ok(app, token, &format!("?after={after}&types={types}&limit={limit}")).await;
        let items = page["items"].as_array().expect("items").clone();
        if items.is_empty() {
            assert_eq!(page["next_after"], after, "an empty page leaves next_after where it was");
            return seen;
        }
        after = page["next_after"].as_i64().expect("next_after");
        assert_eq!(items.last().map(|i| i["position"].as_i64()), Some(Some(after)));
        seen.extend(items);
    }
}

fn types_of(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["type"].as_str().expect("type").to_owned()).collect()
}

fn positions_of(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["position"].as_i64().expect("position")).collect()
}

/// Every stored event, in position order.
fn stored(app: &TestApp) -> Vec<Event> {
    outbox::after(&mut app.db.connect(), 0, &[], &EventSight::All, 1_000_000).expect("stored events")
}

fn stored_of(app: &TestApp, event_type: EventType) -> Vec<Event> {
    outbox::after(&mut app.db.connect(), 0, &[event_type], &EventSight::All, 1_000_000).expect("stored events")
}

fn head(app: &TestApp) -> i64 {
    outbox::head(&mut app.db.connect()).expect("head")
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

/// The feed's item is the stored row, field by field.
fn assert_is_row(item: &Value, row: &Event) {
    assert_eq!(item["position"], row.position, "{item}");
    assert_eq!(item["id"], row.id.to_string(), "{item}");
    assert_eq!(item["type"], row.event_type.as_str(), "{item}");
    assert_eq!(item["resource"], json!({"type": row.resource_type, "id": row.resource_id}), "{item}");
    assert_eq!(item["region_code"], json!(row.region_code), "{item}");
    assert_eq!(item["organization_id"], json!(row.organization_id.map(|u| u.to_string())), "{item}");
    assert_eq!(item["counterparty_id"], json!(row.counterparty_id.map(|u| u.to_string())), "{item}");
    assert_eq!(item["data"], row.data, "{item}");
    let at = DateTime::parse_from_rfc3339(item["occurred_at"].as_str().expect("occurred_at")).expect("RFC 3339");
    assert_eq!(at.with_timezone(&Utc).naive_utc(), row.occurred_at, "{item}");
    assert_eq!(row.public, row.event_type.is_public());
}

/// The one stored event of `event_type` about `resource_id`, read through the feed as admin
/// and compared with its row.
async fn the_event(app: &TestApp, event_type: EventType, resource_id: &str) -> Value {
    let rows: Vec<Event> = stored_of(app, event_type).into_iter().filter(|e| e.resource_id == resource_id).collect();
    assert_eq!(rows.len(), 1, "{event_type} about {resource_id}: {rows:?}");
    let row = &rows[0];
    let page = feed_ok(app, app.admin_token(), &format!("?after={}&limit=1", row.position - 1)).await;
    let item = &page["items"][0];
    assert_is_row(item, row);
    item.clone()
}

/// No event names a person, an identity number or a phone: every test organisation has the
/// same phone and one of a few legal representatives.
fn assert_no_personal_data(app: &TestApp, personal: &[&str]) {
    for event in stored(app) {
        let text = event.data.to_string();
        for needle in ["13812345678", "13912345678", "张三", "李四", "王建国"].iter().chain(personal) {
            assert!(!text.contains(needle), "{needle:?} in {} data {text}", event.event_type);
        }
    }
}

async fn token_for(app: &TestApp, role: &str, organization: &str) -> String {
    app.client(role, Some(organization), None).await.token
}

// -------------------------------------------------------------------------------------------
// 1. The registry

#[tokio::test]
async fn registry_changes_publish_their_events_and_refused_writes_none() {
    let app = TestApp::spawn().await;
    let created = app.enterprise(1, ZHENGZHOU).await;
    let id = id_of(&created);
    assert_eq!(head(&app), 1);

    // A second registration of the credit code is refused and publishes nothing.
    let duplicate = json!({
        "credit_code": credit_code(1), "name": "重复企业", "kind": "enterprise", "region_code": ZHENGZHOU,
        "sector": "mining",
    });
    let (status, problem) =
        status_json(post(&app, app.admin_token(), "/api/v1/organizations", None, &duplicate).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("duplicate_credit_code")));
    assert_eq!(head(&app), 1);

    let url = app.url(&format!("/api/v1/organizations/{id}"));
    let patch = |if_match: &'static str, body: Value| {
        app.http.patch(&url).bearer_auth(app.admin_token()).header("If-Match", if_match).json(&body).send()
    };
    // A renaming: updated, status unchanged.
    assert_eq!(patch("\"1\"", json!({"name": "新名称"})).await.expect("patch").status(), StatusCode::OK);
    // A suspension in the registry: updated and status changed.
    assert_eq!(patch("\"2\"", json!({"status": "suspended"})).await.expect("patch").status(), StatusCode::OK);
    // Stale and invalid patches change nothing and publish nothing.
    assert_eq!(
        patch("\"1\"", json!({"name": "又一个"})).await.expect("patch").status(),
        StatusCode::PRECONDITION_FAILED
    );
    assert_eq!(
        patch("\"3\"", json!({"region_code": "999999"})).await.expect("patch").status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let items = everything(&app, app.admin_token(), "", 100).await;
    assert_eq!(
        types_of(&items),
        ["organization_created", "organization_updated", "organization_updated", "organization_status_changed"]
    );
    assert_eq!(positions_of(&items), [1, 2, 3, 4]);
    let rows = stored(&app);
    assert_eq!(rows.len(), 4);
    for (item, row) in items.iter().zip(&rows) {
        assert_is_row(item, row);
        assert_eq!(item["resource"], json!({"type": "organization", "id": id}));
        assert_eq!(
            (item["region_code"].as_str(), item["organization_id"].as_str()),
            (Some(ZHENGZHOU), Some(id.as_str()))
        );
        assert_eq!(item["counterparty_id"], Value::Null);
    }
    assert_eq!(
        items[0]["data"],
        json!({"credit_code": credit_code(1), "kind": "enterprise", "region_code": ZHENGZHOU, "status": "active", "version": 1})
    );
    assert_eq!(items[1]["data"]["version"], 2);
    assert_eq!(
        items[3]["data"],
        json!({"credit_code": credit_code(1), "previous_status": "active", "status": "suspended", "version": 3})
    );
    assert!(items[0]["occurred_at"].as_str().is_some_and(|t| t.len() >= 20));
    assert_no_personal_data(&app, &["新名称", "测试企业"]);
}

#[tokio::test]
async fn a_write_rolled_back_after_publishing_leaves_no_event_and_no_gap() {
    let app = TestApp::spawn().await;
    let org = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await.id;
    let regulator = app.regulator(ZHENGZHOU).await;
    let before = head(&app);
    // The sanction publishes `sanction_issued`, then its credit event fails to insert: the whole
    // transaction, event included, rolls back.
    let refuse = match Backend::from_env() {
        Backend::Sqlite => vec!["CREATE TRIGGER refuse_credit_events BEFORE INSERT ON credit_events \
             BEGIN SELECT RAISE(ABORT, 'refused by the test'); END"
            .to_owned()],
        Backend::Postgres => vec![
            "CREATE FUNCTION refuse_insert() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END \
             $$ LANGUAGE plpgsql"
                .to_owned(),
            "CREATE TRIGGER refuse_credit_events BEFORE INSERT ON credit_events FOR EACH ROW EXECUTE FUNCTION \
             refuse_insert()"
                .to_owned(),
        ],
    };
    for sql in &refuse {
        app.db.execute(sql);
    }
    let body = json!({
        "organization_id": org, "kind": "public_criticism", "decided_on": days_from_today(-1),
        "reason": "评价报告未按规定进行现场勘验",
    });
    let response = post(&app, &regulator.token, "/api/v1/sanctions", None, &body).await;
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(head(&app), before, "the head moved back with the rollback");
    assert!(stored_of(&app, EventType::SanctionIssued).is_empty());
    assert_eq!(rows(&app, "sanctions"), 0);

    app.db.execute(match Backend::from_env() {
        Backend::Sqlite => "DROP TRIGGER refuse_credit_events",
        Backend::Postgres => "DROP TRIGGER refuse_credit_events ON credit_events",
    });
    let (status, created) = status_json(post(&app, &regulator.token, "/api/v1/sanctions", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let issued = stored_of(&app, EventType::SanctionIssued);
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].position, before + 1, "the next event takes the position the rolled-back one had");
    let positions: Vec<i64> = stored(&app).iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=head(&app)).collect::<Vec<_>>(), "dense from 1");
}

// -------------------------------------------------------------------------------------------
// 2. Insurance

#[tokio::test]
async fn policies_and_fund_spending_publish_to_their_parties_only() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 1, LUOYANG).await;
    let other_insurer = insurer_in(&app, 2).await;
    let enterprise_id = id_of(&app.enterprise(3, ZHENGZHOU).await);
    let enterprise_token = token_for(&app, "enterprise", &enterprise_id).await;
    let portal = app.client("portal", None, None).await.token;

    let written = write_policy(&app, insurer.token(), &policy("P-0", &enterprise_id, "2024-01-01", "2026-12-31")).await;
    let policy_id = written["id"].as_str().expect("policy id").to_owned();
    // A duplicate number is refused and publishes nothing.
    let (status, _) = status_json(
        post(
            &app,
            insurer.token(),
            "/api/v1/insurance/policies",
            None,
            &policy("P-0", &enterprise_id, "2024-01-01", "2026-12-31"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let event = the_event(&app, EventType::PolicyCreated, &policy_id).await;
    assert_eq!(event["resource"]["type"], "insurance_policy");
    // Supervised where the enterprise is; the enterprise is the subject, the insurer the counterparty.
    assert_eq!(event["region_code"], ZHENGZHOU);
    assert_eq!(
        (event["organization_id"].as_str(), event["counterparty_id"].as_str()),
        (Some(enterprise_id.as_str()), Some(insurer.id.as_str()))
    );
    assert_eq!(
        event["data"],
        json!({
            "policy_number": "P-0", "enterprise_credit_code": credit_code(3), "start_date": "2024-01-01",
            "end_date": "2026-12-31", "insured_headcount": 120, "cover_per_person_fen": 40_000_000,
            "charged_premium_fen": 3_240_000,
        })
    );
    for (token, sees) in [
        (insurer.token(), true),
        (enterprise_token.as_str(), true),
        (other_insurer.as_str(), false),
        (portal.as_str(), false),
    ] {
        let items = everything(&app, token, "policy_created", 10).await;
        assert_eq!(items.len(), usize::from(sees), "{items:?}");
    }

    // 2024 premiums of 600,000 fen levy 60,000 for prevention.
    store_premiums(&app, insurer.token(), "k1", &batch(vec![item("P-0", "2024-03-15T10:00:00+08:00", 600_000, "R-1")]))
        .await;
    let spend_path = format!("/api/v1/insurance/prevention-funds/{}/expenditures", insurer.id);
    let spending = |amount: i64| {
        json!({"category": "expert_inspection", "amount_fen": amount, "spent_on": "2024-06-01",
               "description": "聘请专家参与危化企业安全检查", "beneficiary_organization_id": enterprise_id})
    };
    let (status, spent) =
        status_json(post(&app, insurer.token(), &spend_path, Some("s1"), &spending(30_000)).await).await;
    assert_eq!(status, StatusCode::CREATED, "{spent}");
    let (status, problem) =
        status_json(post(&app, insurer.token(), &spend_path, Some("s2"), &spending(1_000_000)).await).await;
    assert_eq!(
        (status, problem["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("insufficient_prevention_fund"))
    );
    assert_eq!(stored_of(&app, EventType::FundExpenditureRecorded).len(), 1, "the refused spending published nothing");
    let event = the_event(&app, EventType::FundExpenditureRecorded, spent["id"].as_str().expect("id")).await;
    assert_eq!(
        (event["organization_id"].as_str(), event["counterparty_id"].clone()),
        (Some(insurer.id.as_str()), Value::Null)
    );
    assert_eq!(event["region_code"], LUOYANG);
    assert_eq!(
        event["data"],
        json!({"category": "expert_inspection", "amount_fen": 30_000, "spent_on": "2024-06-01", "year": 2024,
               "balance_after_fen": 30_000, "beneficiary_organization_id": enterprise_id})
    );
    assert_eq!(everything(&app, insurer.token(), "fund_expenditure_recorded", 10).await.len(), 1);
    assert!(everything(&app, &enterprise_token, "fund_expenditure_recorded", 10).await.is_empty());
    assert!(everything(&app, &app.regulator(ZHENGZHOU).await.token, "fund_expenditure_recorded", 10).await.is_empty());
    assert_eq!(everything(&app, &app.regulator(LUOYANG).await.token, "fund_expenditure_recorded", 10).await.len(), 1);
    assert_no_personal_data(&app, &["聘请专家"]);
}

/// A second insurer's client token.
async fn insurer_in(app: &TestApp, seed: u32) -> String {
    insurer(app, seed, ZHENGZHOU).await.client.token
}

// -------------------------------------------------------------------------------------------
// 3. Certificates and engineers

/// A valid resident identity number (GB 11643-1999) for `seed` < 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("4101021990{:02}{:02}{:03}", 1 + seed % 12, 1 + (seed / 12) % 28, seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

#[tokio::test]
async fn certificates_and_engineers_publish_without_their_holders() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let portal = app.client("portal", None, None).await.token;
    let holder = resident_id(30);
    let body = json!({
        "holder": {"resident_id": holder, "name": "陈静"}, "number": format!("T{holder}"),
        "category": "working_at_height", "issuing_region": ZHENGZHOU, "issued_on": "2020-02-29",
    });
    let (status, certificate) =
        status_json(post(&app, &regulator.token, "/api/v1/certificates", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{certificate}");
    let id = certificate["id"].as_str().expect("id").to_owned();
    // The same certificate again is a 409 and publishes nothing.
    assert_eq!(post(&app, &regulator.token, "/api/v1/certificates", None, &body).await.status(), StatusCode::CONFLICT);
    let issued = the_event(&app, EventType::CertificateIssued, &id).await;
    assert_eq!(issued["resource"]["type"], "certificate");
    assert_eq!((issued["region_code"].as_str(), issued["organization_id"].clone()), (Some(ZHENGZHOU), Value::Null));
    assert_eq!(
        issued["data"],
        json!({"category": "working_at_height", "issuing_region": ZHENGZHOU, "issued_on": "2020-02-29", "issued_by": null})
    );

    let review = json!({"applied_on": "2022-12-30", "outcome": "passed", "failures": []});
    let path = format!("/api/v1/certificates/{id}/reviews");
    let (status, reviewed) = status_json(post(&app, &regulator.token, &path, None, &review).await).await;
    assert_eq!(status, StatusCode::CREATED, "{reviewed}");
    let event = the_event(&app, EventType::CertificateReviewed, &id).await;
    assert_eq!(
        event["data"],
        json!({"review_id": reviewed["id"], "applied_on": "2022-12-30", "due_on": "2023-02-28", "passed": true,
               "failures": [], "status": "valid"})
    );

    let path = format!("/api/v1/certificates/{id}/revocation");
    let revocation = json!({"revoked_on": "2024-06-15", "reason": "以欺骗手段取得", "obtained_by_fraud": true});
    let (status, revoked) = status_json(post(&app, &regulator.token, &path, None, &revocation).await).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert_eq!(post(&app, &regulator.token, &path, None, &revocation).await.status(), StatusCode::CONFLICT);
    let event = the_event(&app, EventType::CertificateRevoked, &id).await;
    assert_eq!(event["data"], json!({"category": "working_at_height", "revoked_on": "2024-06-15"}));

    // The register is public; reviews are not.
    assert_eq!(
        types_of(&everything(&app, &portal, "", 100).await)
            .into_iter()
            .filter(|t| t.starts_with("certificate"))
            .collect::<Vec<_>>(),
        ["certificate_issued", "certificate_revoked"]
    );
    assert!(everything(&app, &app.regulator(LUOYANG).await.token, "certificate_issued", 10).await.is_empty());

    // An engineer registered with an agency: the employer sees it, the person is not in it.
    let employer = provider(&app, 40, ZHENGZHOU, &["safety_assessment"], "2030-12-31").await;
    let person = resident_id(41);
    let engineer = json!({
        "person": {"resident_id": person, "name": "工程师甲", "phone": "13912345678"},
        "level": "intermediate", "category": "chemical", "registration_number": "ZJ-1",
        "registered_on": "2022-03-15", "employer_id": employer.id, "continuing_education_hours": 48,
    });
    let (status, registered) =
        status_json(post(&app, &regulator.token, "/api/v1/engineers", None, &engineer).await).await;
    assert_eq!(status, StatusCode::CREATED, "{registered}");
    assert_eq!(post(&app, &regulator.token, "/api/v1/engineers", None, &engineer).await.status(), StatusCode::CONFLICT);
    let event = the_event(&app, EventType::EngineerRegistered, registered["id"].as_str().expect("id")).await;
    assert_eq!(
        (event["organization_id"].as_str(), event["region_code"].as_str()),
        (Some(employer.id.as_str()), Some(ZHENGZHOU))
    );
    assert_eq!(event["data"]["employer_credit_code"], credit_code(40));
    assert_eq!(
        (event["data"]["level"].as_str(), event["data"]["category"].as_str()),
        (Some("intermediate"), Some("chemical"))
    );
    assert_eq!(event["data"]["registered_on"], "2022-03-15");
    assert_eq!(everything(&app, employer.token(), "engineer_registered", 10).await.len(), 1);
    assert!(everything(&app, &portal, "engineer_registered", 10).await.is_empty());
    let holder_digits = &holder[..];
    let person_digits = &person[..];
    assert_no_personal_data(&app, &[holder_digits, person_digits, "陈静", "工程师甲", "ZJ-1", "欺骗"]);
}

// -------------------------------------------------------------------------------------------
// 4. Credit and the blacklist

async fn record_credit_event(app: &TestApp, token: &str, org: &str, event_type: &str, on: NaiveDate) -> Value {
    let body = json!({"organization_id": org, "event_type": event_type, "occurred_on": on, "evidence": "郑应急执〔2026〕118号"});
    let (status, created) = status_json(post(app, token, "/api/v1/credit/events", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

#[tokio::test]
async fn score_changes_listing_and_removal_publish_only_when_something_changed() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let portal = app.client("portal", None, None).await.token;
    let agency = provider(&app, 1, ZHENGZHOU, &["safety_assessment"], "2030-12-31").await;

    // A false report 13 months ago: 80 (b) → 50 (d), and a listing from that day.
    let listed_on = today().checked_sub_months(Months::new(13)).expect("date");
    let recorded = record_credit_event(&app, &regulator.token, &agency.id, "false_report", listed_on).await;
    let changed = the_event(&app, EventType::CreditScoreChanged, &agency.id).await;
    assert_eq!(changed["resource"], json!({"type": "credit_score", "id": agency.id}));
    assert_eq!(
        changed["data"],
        json!({"credit_code": credit_code(1), "previous_score": 80, "score": 50, "previous_grade": "b", "grade": "d",
               "as_of": today(), "cause": "credit_event", "credit_event_id": recorded["event"]["id"]})
    );
    let listings = stored_of(&app, EventType::BlacklistListed);
    assert_eq!(listings.len(), 1);
    let listing_id = listings[0].resource_id.clone();
    assert_eq!(recorded["blacklist_listing_id"], listing_id.as_str());
    assert_eq!(listings[0].position, changed["position"].as_i64().expect("position") + 1, "listed right after");
    let listed = the_event(&app, EventType::BlacklistListed, &listing_id).await;
    assert_eq!(
        listed["data"],
        json!({"credit_code": credit_code(1), "trigger_type": "false_report", "credit_event_id": recorded["event"]["id"],
               "listed_on": listed_on, "ends_on": listed["data"]["ends_on"]})
    );
    assert_eq!(rows(&app, &format!("blacklist_listings WHERE id = '{listing_id}'")), 1);

    // An act whose points have long expired changes no score: no event.
    record_credit_event(
        &app,
        &regulator.token,
        &agency.id,
        "rectification_order",
        NaiveDate::from_ymd_opt(2019, 1, 10).expect("date"),
    )
    .await;
    assert_eq!(stored_of(&app, EventType::CreditScoreChanged).len(), 1);

    // Early removal, approved: removed; the approval revoked as fraudulent: listed again.
    let apply = json!({"reason": "已完成整改并履行全部服务合同"});
    let (status, application) = status_json(
        post(&app, agency.token(), &format!("/api/v1/blacklist/{listing_id}/removal-applications"), None, &apply).await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{application}");
    let application_id = application["id"].as_str().expect("id").to_owned();
    assert!(stored_of(&app, EventType::BlacklistRemoved).is_empty(), "an application removes nothing yet");
    let decision = format!("/api/v1/blacklist/removal-applications/{application_id}/decision");
    let (status, decided) =
        status_json(post(&app, &regulator.token, &decision, None, &json!({"decision": "approved"})).await).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
    let removed = the_event(&app, EventType::BlacklistRemoved, &listing_id).await;
    assert_eq!(
        removed["data"],
        json!({"credit_code": credit_code(1), "removal_application_id": application_id, "listed_on": listed_on,
               "ends_on": listed["data"]["ends_on"], "removed_on": today()})
    );
    let revocation = format!("/api/v1/blacklist/removal-applications/{application_id}/revocation");
    let (status, restored) = status_json(post(&app, &regulator.token, &revocation, None, &json!({})).await).await;
    assert_eq!(status, StatusCode::OK, "{restored}");
    let relisted = stored_of(&app, EventType::BlacklistListed);
    assert_eq!(relisted.len(), 2);
    assert_eq!(relisted[1].data["restored_after_removal_revoked_on"], json!(today()));
    assert_eq!(relisted[1].data["removal_application_id"], json!(application_id));

    // The portal sees scores and the blacklist; the agency its own; Luoyang nothing of it.
    let public =
        types_of(&everything(&app, &portal, "credit_score_changed,blacklist_listed,blacklist_removed", 2).await);
    assert_eq!(public, ["credit_score_changed", "blacklist_listed", "blacklist_removed", "blacklist_listed"]);
    assert_eq!(
        everything(&app, agency.token(), "credit_score_changed,blacklist_listed,blacklist_removed", 10).await.len(),
        4
    );
    assert!(everything(&app, &app.regulator(LUOYANG).await.token, "credit_score_changed", 10).await.is_empty());
    assert_no_personal_data(&app, &["郑应急执", "已完成整改"]);
}

#[tokio::test]
async fn the_sweeper_publishes_a_score_that_changes_by_expiry_once() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let agency = provider(&app, 1, ZHENGZHOU, &["safety_assessment"], "2030-12-31").await;
    // A rectification order (−5 for 12 months) that expires in three days.
    let occurred = days_from_today(3).checked_sub_months(Months::new(12)).expect("date");
    let recorded = record_credit_event(&app, &regulator.token, &agency.id, "rectification_order", occurred).await;
    let first = stored_of(&app, EventType::CreditScoreChanged);
    assert_eq!(first.len(), 1);
    assert_eq!((first[0].data["previous_score"].clone(), first[0].data["score"].clone()), (json!(80), json!(75)));
    let expires = recorded["event"]["expires_on"].as_str().expect("expires_on").to_owned();

    let mut conn = app.db.connect();
    // Before the expiry there is nothing to sweep; after it, one recompute and one event.
    assert_eq!(conn.transaction(|c| api::credit::sweep_due(c, today(), 100)).expect("sweep"), 0);
    let later = days_from_today(5);
    assert!(later.to_string() > expires, "{later} after {expires}");
    assert_eq!(conn.transaction(|c| api::credit::sweep_due(c, later, 100)).expect("sweep"), 1);
    assert_eq!(conn.transaction(|c| api::credit::sweep_due(c, later, 100)).expect("sweep"), 0);
    let changes = stored_of(&app, EventType::CreditScoreChanged);
    assert_eq!(changes.len(), 2);
    let event = the_event_at(&app, changes[1].position).await;
    assert_eq!(
        event["data"],
        json!({"credit_code": credit_code(1), "previous_score": 75, "score": 80, "previous_grade": "b", "grade": "b",
               "as_of": later, "cause": "expiry", "credit_event_id": null})
    );
}

/// The event at `position`, read through the feed as admin and compared with its row.
async fn the_event_at(app: &TestApp, position: i64) -> Value {
    let row = stored(app).into_iter().find(|e| e.position == position).expect("stored event");
    let page = feed_ok(app, app.admin_token(), &format!("?after={}&limit=1", position - 1)).await;
    assert_is_row(&page["items"][0], &row);
    page["items"][0].clone()
}

// -------------------------------------------------------------------------------------------
// 5. Sanctions

#[tokio::test]
async fn sanctions_and_industry_bans_publish_and_a_revocation_changes_the_status() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let agency = provider(&app, 1, ZHENGZHOU, &["safety_assessment"], "2030-12-31").await;
    let reason = "评价报告未按规定进行现场勘验";
    let order = json!({
        "organization_id": agency.id, "kind": "rectification_order", "decided_on": days_from_today(-1),
        "deadline": days_from_today(30), "reason": reason, "case_ref": "豫应急罚〔2026〕12号",
    });
    let (status, created) = status_json(post(&app, &regulator.token, "/api/v1/sanctions", None, &order).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let sanction_id = created["sanction"]["id"].as_str().expect("id").to_owned();
    let event = the_event(&app, EventType::SanctionIssued, &sanction_id).await;
    assert_eq!(event["resource"]["type"], "sanction");
    assert_eq!(
        event["data"],
        json!({"credit_code": credit_code(1), "kind": "rectification_order", "decided_on": days_from_today(-1),
               "deadline": days_from_today(30), "from": null, "to": null})
    );

    let before = head(&app);
    let revocation = json!({
        "organization_id": agency.id, "kind": "qualification_revocation", "decided_on": days_from_today(0),
        "reason": reason,
    });
    let (status, revoked) =
        status_json(post(&app, &regulator.token, "/api/v1/sanctions", None, &revocation).await).await;
    assert_eq!(status, StatusCode::CREATED, "{revoked}");
    let after: Vec<Event> = stored(&app).into_iter().filter(|e| e.position > before).collect();
    let kinds: Vec<&str> = after.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["sanction_issued", "credit_score_changed", "blacklist_listed", "organization_status_changed"]);
    assert_eq!(after[3].data["previous_status"], "active");
    assert_eq!(after[3].data["status"], "revoked");
    assert_eq!(after[3].resource_id, agency.id);
    // Revoking again is refused: nothing more.
    let (status, _) = status_json(post(&app, &regulator.token, "/api/v1/sanctions", None, &revocation).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(head(&app), before + 4);

    // An industry ban names the organisation; an occupational ban names a person and stays out.
    let other = provider(&app, 2, ZHENGZHOU, &["safety_assessment"], "2030-12-31").await;
    let industry = json!({
        "kind": "industry_ban", "organization_id": other.id, "from": days_from_today(-1), "to": days_from_today(365),
        "case_ref": "郑州市事故调查报告", "reason": "对事故发生负有责任",
    });
    let (status, ban) = status_json(post(&app, &regulator.token, "/api/v1/bans", None, &industry).await).await;
    assert_eq!(status, StatusCode::CREATED, "{ban}");
    let event = the_event(&app, EventType::SanctionIssued, ban["id"].as_str().expect("id")).await;
    assert_eq!(
        (event["resource"]["type"].as_str(), event["organization_id"].as_str()),
        (Some("ban"), Some(other.id.as_str()))
    );
    assert_eq!(
        event["data"],
        json!({"credit_code": credit_code(2), "kind": "industry_ban", "from": days_from_today(-1), "to": days_from_today(365)})
    );
    let person = resident_id(7);
    let occupational = json!({
        "kind": "occupational_ban", "person": {"resident_id": person, "name": "张伟"}, "from": days_from_today(0),
        "to": null, "case_ref": "郑州市事故调查报告", "reason": "对事故发生负有主要责任",
    });
    let before = head(&app);
    let (status, ban) = status_json(post(&app, &regulator.token, "/api/v1/bans", None, &occupational).await).await;
    assert_eq!(status, StatusCode::CREATED, "{ban}");
    assert_eq!(head(&app), before, "no event about a person");

    // Sanctions are supervision, not public.
    let portal = app.client("portal", None, None).await.token;
    assert!(everything(&app, &portal, "sanction_issued", 10).await.is_empty());
    assert_eq!(everything(&app, agency.token(), "sanction_issued", 10).await.len(), 2);
    assert_no_personal_data(&app, &[reason, "豫应急罚", "事故", &person, "张伟"]);
}

// -------------------------------------------------------------------------------------------
// 6. Engagements and cross-region notices

async fn act(app: &TestApp, token: &str, engagement: &str, action: &str, body: Value) -> Value {
    let path = format!("{ENGAGEMENTS}/{engagement}/{action}");
    let (status, answered) = status_json(post(app, token, &path, None, &body).await).await;
    assert!(status.is_success(), "{action}: {status} {answered}");
    answered
}

#[tokio::test]
async fn an_engagement_publishes_each_status_its_notice_and_its_evaluation() {
    let app = TestApp::spawn().await;
    let provider = provider(&app, 10, LUOYANG, &["consulting", "safety_assessment"], "2030-12-31").await;
    let enterprise = enterprise(&app, 11, ZHENGZHOU, "other", 50).await;
    let body = engagement_body(&enterprise.id, &provider.id, 80_000, "2026-11-02", "2026-12-31");
    let created = create_engagement(&app, provider.token(), &body).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let notice_id = created["cross_region_notice"]["id"].as_str().expect("notice id").to_owned();

    // A transition by the wrong party is refused and publishes nothing.
    let path = format!("{ENGAGEMENTS}/{id}/start");
    let refused = post(&app, enterprise.token(), &path, None, &json!({"started_on": "2026-11-03"})).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    act(&app, provider.token(), &id, "start", json!({"started_on": "2026-11-03"})).await;
    let delivery = json!({"delivered_on": "2026-11-20", "procedure": "现场勘查", "main_content": "安全咨询报告"});
    act(&app, provider.token(), &id, "delivery", delivery).await;
    act(&app, enterprise.token(), &id, "acceptance", json!({"accepted_on": "2026-11-21"})).await;
    let evaluation = act(
        &app,
        enterprise.token(),
        &id,
        "evaluation",
        json!({"rating": 3, "comment": "一般，报告格式不规范", "evaluated_on": "2026-11-22"}),
    )
    .await;

    let statuses: Vec<Event> =
        stored_of(&app, EventType::EngagementStatusChanged).into_iter().filter(|e| e.resource_id == id).collect();
    let moves: Vec<(Value, Value, Value)> = statuses
        .iter()
        .map(|e| (e.data["previous_status"].clone(), e.data["status"].clone(), e.data["on"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (Value::Null, json!("signed"), json!("2026-11-02")),
            (json!("signed"), json!("in_progress"), json!("2026-11-03")),
            (json!("in_progress"), json!("delivered"), json!("2026-11-20")),
            (json!("delivered"), json!("accepted"), json!("2026-11-21")),
        ]
    );
    for e in &statuses {
        assert_eq!(e.data["contract_fee_fen"], 80_000);
        assert_eq!(
            (e.region_code.as_deref(), e.organization_id, e.counterparty_id),
            (Some(ZHENGZHOU), Some(enterprise.uuid), Some(provider.uuid))
        );
    }
    let notice = the_event(&app, EventType::NoticeCreated, &notice_id).await;
    assert_eq!(notice["resource"]["type"], "cross_region_notice");
    assert_eq!(
        (notice["region_code"].as_str(), notice["organization_id"].as_str(), notice["counterparty_id"].as_str()),
        (Some(ZHENGZHOU), Some(enterprise.id.as_str()), Some(provider.id.as_str()))
    );
    assert_eq!(notice["data"]["engagement_id"], id.as_str());
    assert_eq!(
        (notice["data"]["regulator_region"].as_str(), notice["data"]["provider_region"].as_str()),
        (Some(ZHENGZHOU), Some(LUOYANG))
    );
    assert_eq!(notice["data"]["notified_on"], "2026-11-02");
    assert_eq!(notice["position"].as_i64(), Some(statuses[0].position + 1), "published with the engagement");

    let evaluated = the_event(&app, EventType::EvaluationRecorded, &id).await;
    assert_eq!(
        evaluated["data"],
        json!({"subject": "engagement", "engagement_id": id, "rating": 3, "evaluated_on": "2026-11-22",
               "credit_event_id": evaluation["credit_event_id"], "credit_event_type": "service_evaluation_neutral",
               "points": 0})
    );
    // A neutral evaluation costs nothing: the provider's score did not change.
    assert!(stored_of(&app, EventType::CreditScoreChanged).is_empty());

    // Both parties and the enterprise's regulators see it all; the provider's city and the portal do not.
    let kinds = "engagement_status_changed,notice_created,evaluation_recorded";
    for token in [provider.token(), enterprise.token(), &app.regulator(ZHENGZHOU).await.token] {
        assert_eq!(everything(&app, token, kinds, 3).await.len(), 6);
    }
    assert!(everything(&app, &app.regulator(LUOYANG).await.token, kinds, 10).await.is_empty());
    assert!(everything(&app, &app.client("portal", None, None).await.token, kinds, 10).await.is_empty());
    assert_no_personal_data(&app, &["一般，报告", "现场勘查", "安全咨询报告"]);
}

// -------------------------------------------------------------------------------------------
// 7. Government purchase of services

#[tokio::test]
async fn each_procurement_evaluation_and_the_result_publish() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let provider = provider(&app, 10, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let third = provider_of_kind(&app, 11, ZHENGZHOU, "social_organization", &["consulting"], "2030-12-31").await;
    let recipient = enterprise(&app, 12, ZHENGZHOU, "other", 30).await;
    let project = json!({
        "area": "safety_inspection", "title": "2026年小微企业安全检查", "budget_fen": 12_000_000,
        "recipient_ids": [recipient.id], "provider_id": provider.id, "third_party_id": third.id,
        "awarded_on": "2026-03-01",
    });
    let (status, created) =
        status_json(post(&app, &regulator.token, "/api/v1/procurement/projects", None, &project).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/procurement/projects/{id}/evaluations");
    let evaluate = |token: String, party: &'static str, on: &'static str| {
        let body = json!({"party": party, "score": 100, "comment": "按合同完成服务", "evaluated_on": on});
        let (app, path) = (&app, path.clone());
        async move { status_json(post(app, &token, &path, None, &body).await).await }
    };
    // The provider may not evaluate itself: refused, nothing published.
    let (status, _) = evaluate(provider.token().to_owned(), "third_party", "2026-06-01").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (token, party, on) in [
        (regulator.token.clone(), "purchaser", "2026-06-01"),
        (recipient.token().to_owned(), "recipient", "2026-06-10"),
        (third.token().to_owned(), "third_party", "2026-06-30"),
    ] {
        let (status, body) = evaluate(token, party, on).await;
        assert_eq!(status, StatusCode::CREATED, "{party}: {body}");
    }
    let events: Vec<Event> =
        stored_of(&app, EventType::EvaluationRecorded).into_iter().filter(|e| e.resource_id == id).collect();
    let parties: Vec<(Value, Value, Option<Uuid>)> =
        events.iter().map(|e| (e.data["subject"].clone(), e.data["party"].clone(), e.counterparty_id)).collect();
    assert_eq!(
        parties,
        [
            (json!("procurement_evaluation"), json!("purchaser"), None),
            (json!("procurement_evaluation"), json!("recipient"), Some(recipient.uuid)),
            (json!("procurement_evaluation"), json!("third_party"), Some(third.uuid)),
            (json!("procurement_result"), Value::Null, None),
        ]
    );
    for e in &events {
        assert_eq!((e.organization_id, e.region_code.as_deref()), (Some(provider.uuid), Some(ZHENGZHOU)));
    }
    let result = the_event_at(&app, events[3].position).await;
    assert_eq!(result["data"]["composite_hundredths"], 10_000);
    assert_eq!(result["data"]["credit_event_type"], "service_evaluation_positive");
    // A good composite raises the provider's score, published just before the result.
    let raised = stored_of(&app, EventType::CreditScoreChanged);
    assert_eq!(raised.len(), 1);
    assert_eq!((raised[0].data["previous_score"].clone(), raised[0].data["score"].clone()), (json!(80), json!(82)));
    assert_eq!(raised[0].position + 1, events[3].position);
    // The recipient sees its own evaluation only; the provider all four.
    assert_eq!(everything(&app, recipient.token(), "evaluation_recorded", 10).await.len(), 1);
    assert_eq!(everything(&app, provider.token(), "evaluation_recorded", 10).await.len(), 4);
    assert_no_personal_data(&app, &["按合同完成服务"]);
}

// -------------------------------------------------------------------------------------------
// 8. Who sees what

#[tokio::test]
async fn each_role_sees_only_the_events_it_may() {
    let app = TestApp::spawn().await;
    let a = id_of(&app.enterprise(1, ZHENGZHOU).await);
    let b = id_of(&app.enterprise(2, LUOYANG).await);
    let c = id_of(&app.enterprise(3, GONGYI).await);
    let insurer = insurer(&app, 4, LUOYANG).await;
    let written = write_policy(&app, insurer.token(), &policy("P-1", &a, "2026-01-01", "2026-12-31")).await;
    let policy_id = written["id"].as_str().expect("id").to_owned();
    let all = stored(&app);
    assert_eq!(all.len(), 5);
    let resource = |i: &Value| i["resource"]["id"].as_str().expect("resource id").to_owned();
    let seen = |items: Vec<Value>| -> Vec<String> { items.iter().map(resource).collect() };

    let admin = everything(&app, app.admin_token(), "", 2).await;
    assert_eq!(positions_of(&admin), [1, 2, 3, 4, 5]);
    for (item, row) in admin.iter().zip(&all) {
        assert_is_row(item, row);
    }
    let province = app.regulator("410000").await.token;
    assert_eq!(seen(everything(&app, &province, "", 100).await), seen(admin.clone()));
    // Zhengzhou: its enterprise and the policy on it, not the province-managed Gongyi.
    let zhengzhou = app.regulator(ZHENGZHOU).await.token;
    assert_eq!(seen(everything(&app, &zhengzhou, "", 100).await), [a.clone(), policy_id.clone()]);
    let luoyang = app.regulator(LUOYANG).await.token;
    assert_eq!(seen(everything(&app, &luoyang, "", 100).await), [b.clone(), insurer.id.clone()]);
    let gongyi = app.regulator(GONGYI).await.token;
    assert_eq!(seen(everything(&app, &gongyi, "", 100).await), vec![c.clone()]);
    // Organisations: what names them.
    let enterprise_a = token_for(&app, "enterprise", &a).await;
    assert_eq!(seen(everything(&app, &enterprise_a, "", 100).await), [a.clone(), policy_id.clone()]);
    let enterprise_b = token_for(&app, "enterprise", &b).await;
    assert_eq!(seen(everything(&app, &enterprise_b, "", 100).await), vec![b.clone()]);
    assert_eq!(seen(everything(&app, insurer.token(), "", 100).await), [insurer.id.clone(), policy_id.clone()]);
    // The portal: the public types only.
    let portal = app.client("portal", None, None).await.token;
    assert_eq!(seen(everything(&app, &portal, "", 100).await), [a.clone(), b.clone(), c.clone(), insurer.id.clone()]);

    // `head` is the newest position the caller may see, not the feed's.
    let page = feed_ok(&app, &enterprise_b, "").await;
    assert_eq!((page["head"].as_i64(), page["next_after"].as_i64()), (Some(2), Some(2)));
    let page = feed_ok(&app, &portal, "").await;
    assert_eq!(page["head"], 4);
    let page = feed_ok(&app, app.admin_token(), "?limit=1").await;
    assert_eq!((page["head"].as_i64(), page["next_after"].as_i64()), (Some(5), Some(1)));
    let page = feed_ok(&app, &gongyi, "?types=policy_created").await;
    assert_eq!((page["head"].clone(), page["next_after"].as_i64()), (Value::Null, Some(0)));
}

// -------------------------------------------------------------------------------------------
// 9. Filters, paging and bad parameters

#[tokio::test]
async fn types_filter_paging_and_bad_parameters() {
    let app = TestApp::spawn().await;
    let mut ids = Vec::new();
    for seed in 1..=5 {
        ids.push(id_of(&app.enterprise(seed, ZHENGZHOU).await));
    }
    let response = app
        .http
        .patch(app.url(&format!("/api/v1/organizations/{}", ids[2])))
        .bearer_auth(app.admin_token())
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "改名"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), StatusCode::OK);
    let admin = app.admin_token();

    // Pages in position order; next_after resumes exactly where the last page ended.
    let page = feed_ok(&app, admin, "?limit=2").await;
    assert_eq!(
        (positions_of(page["items"].as_array().expect("items")), page["next_after"].as_i64(), page["head"].as_i64()),
        (vec![1, 2], Some(2), Some(6))
    );
    let page = feed_ok(&app, admin, "?after=2&limit=3").await;
    assert_eq!(
        (positions_of(page["items"].as_array().expect("items")), page["next_after"].as_i64()),
        (vec![3, 4, 5], Some(5))
    );
    let page = feed_ok(&app, admin, "?after=5").await;
    assert_eq!(
        (positions_of(page["items"].as_array().expect("items")), page["next_after"].as_i64()),
        (vec![6], Some(6))
    );
    let page = feed_ok(&app, admin, "?after=6").await;
    assert_eq!(
        (page["items"].clone(), page["next_after"].as_i64(), page["head"].as_i64()),
        (json!([]), Some(6), Some(6))
    );
    let page = feed_ok(&app, admin, "?after=60").await;
    assert_eq!((page["items"].clone(), page["next_after"].as_i64()), (json!([]), Some(60)));
    // The default limit is 100 and 1000 is allowed.
    assert_eq!(feed_ok(&app, admin, "?limit=1000").await["items"].as_array().map(Vec::len), Some(6));

    // Types: one, several (spaces and empty entries ignored), with after.
    let page = feed_ok(&app, admin, "?types=organization_updated").await;
    assert_eq!((positions_of(page["items"].as_array().expect("items")), page["head"].as_i64()), (vec![6], Some(6)));
    assert_eq!(page["items"][0]["resource"]["id"], ids[2].as_str());
    let page = feed_ok(&app, admin, "?types=organization_created").await;
    assert_eq!(
        (positions_of(page["items"].as_array().expect("items")), page["head"].as_i64()),
        (vec![1, 2, 3, 4, 5], Some(5))
    );
    let page = feed_ok(&app, admin, "?after=4&types=organization_updated,%20organization_created,").await;
    assert_eq!(positions_of(page["items"].as_array().expect("items")), [5, 6]);
    let page = feed_ok(&app, admin, "?types=certificate_issued").await;
    assert_eq!(
        (page["items"].clone(), page["next_after"].as_i64(), page["head"].clone()),
        (json!([]), Some(0), Value::Null)
    );
    let page = feed_ok(&app, admin, "?types=").await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(6));

    // Bad parameters: 422 naming the field, 400 for what does not parse, 401 without a token.
    for (query, field, code) in [
        ("?after=-1", "after", "invalid_range"),
        ("?limit=0", "limit", "invalid_range"),
        ("?limit=1001", "limit", "invalid_range"),
        ("?types=organization_created,organisation_created", "types", "invalid_event_type"),
        ("?types=organization.created", "types", "invalid_event_type"),
    ] {
        let (status, problem) = feed(&app, admin, query).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&[(field, code)]), "{query}");
    }
    let (status, problem) = feed(&app, admin, "?types=bogus,also_bogus&limit=0").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&problem),
        pairs(&[("limit", "invalid_range"), ("types", "invalid_event_type"), ("types", "invalid_event_type")])
    );
    for query in ["?after=abc", "?limit=ten", "?after=1.5"] {
        let (status, problem) = feed(&app, admin, query).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_query")), "{query}");
    }
    let response = app.http.get(app.url(FEED)).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

// -------------------------------------------------------------------------------------------
// 10. Gap-free under concurrent writers (PostgreSQL)

const WRITERS: u32 = 8;
const PER_WRITER: u32 = 25;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_polling_during_concurrent_writes_sees_every_event_once_in_order() {
    if Backend::from_env() != Backend::Postgres {
        eprintln!(
            "skipped: the gap-free proof needs concurrent writers; SQLite serialises every write transaction, \
             so run it with TEST_DATABASE=postgres"
        );
        return;
    }
    let app = TestApp::spawn_with(|s| {
        s.db_pool_size = 12;
        s.workers = 4;
    })
    .await;
    let admin = app.admin_token().to_owned();
    let done = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (http, url, token) = (app.http.clone(), app.url("/api/v1/organizations"), admin.clone());
        writers.push(tokio::spawn(async move {
            let mut created = Vec::new();
            for i in 0..PER_WRITER {
                let seed = 1000 + w * PER_WRITER + i;
                let body = json!({
                    "credit_code": credit_code(seed), "name": format!("并发企业{seed}"), "kind": "enterprise",
                    "region_code": ZHENGZHOU, "sector": "mining",
                });
                let response = http.post(&url).bearer_auth(&token).json(&body).send().await.expect("POST");
                assert_eq!(response.status(), StatusCode::CREATED);
                let org: Value = response.json().await.expect("json");
                created.push(id_of(&org));
            }
            created
        }));
    }
    let reader = {
        let (http, url, token, done) = (app.http.clone(), app.url(FEED), admin.clone(), done.clone());
        tokio::spawn(async move {
            let mut after = 0i64;
            let mut seen = Vec::new();
            let mut pages_while_writing = 0;
            loop {
                let writing = !done.load(Ordering::SeqCst);
                let response =
                    http.get(format!("{url}?after={after}&limit=7")).bearer_auth(&token).send().await.expect("GET");
                assert_eq!(response.status(), StatusCode::OK);
                let page: Value = response.json().await.expect("json");
                let items = page["items"].as_array().expect("items").clone();
                // Every page starts right after the last position seen: nothing was skipped.
                for (offset, item) in items.iter().enumerate() {
                    let expected = after + 1 + i64::try_from(offset).expect("offset");
                    assert_eq!(item["position"].as_i64(), Some(expected), "a gap or a reordering after {after}");
                }
                if writing && !items.is_empty() {
                    pages_while_writing += 1;
                }
                after = page["next_after"].as_i64().expect("next_after");
                seen.extend(items);
                let head = page["head"].as_i64().unwrap_or(0);
                if !writing && after == head {
                    return (seen, pages_while_writing);
                }
                if writing && after == head {
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                }
            }
        })
    };
    let mut created = HashSet::new();
    for writer in writers {
        created.extend(writer.await.expect("writer"));
    }
    done.store(true, Ordering::SeqCst);
    let (seen, pages_while_writing) = reader.await.expect("reader");

    let total = usize::try_from(WRITERS * PER_WRITER).expect("total");
    assert_eq!(created.len(), total);
    assert_eq!(rows(&app, "events"), i64::try_from(total).expect("total"));
    assert_eq!(head(&app), i64::try_from(total).expect("total"));
    assert_eq!(
        positions_of(&seen),
        (1..=i64::try_from(total).expect("total")).collect::<Vec<_>>(),
        "dense 1..N, each once"
    );
    let ids: HashSet<String> = seen.iter().map(|i| i["resource"]["id"].as_str().expect("id").to_owned()).collect();
    assert_eq!(ids, created, "every committed organisation's event, exactly once");
    let event_ids: HashSet<&str> = seen.iter().map(|i| i["id"].as_str().expect("id")).collect();
    assert_eq!(event_ids.len(), total);
    eprintln!("reader saw {total} events; {pages_while_writing} non-empty pages while writers ran");
    assert!(pages_while_writing > 0, "the reader read while the writers wrote");
}

/// The outbox's own guarantee, without the audit chain (whose head lock also serialises the
/// HTTP writers above): transactions that append and then linger before committing, from many
/// threads, while a reader polls. A position taken from a sequence, or a head read without its
/// row lock, would show the reader a gap or fail a writer here.
#[test]
fn outbox_appends_from_concurrent_transactions_reach_readers_in_position_order() {
    if Backend::from_env() != Backend::Postgres {
        eprintln!("skipped: concurrent write transactions need PostgreSQL (TEST_DATABASE=postgres)");
        return;
    }
    const THREADS: usize = 8;
    const APPENDS: usize = 40;
    let db = e2e::TestDatabase::create(Backend::Postgres);
    let settings = e2e::test_settings(&db.url, std::env::temp_dir());
    api::startup::prepare_database(&settings).expect("migrated");
    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (url, done) = (db.url.clone(), done.clone());
        std::thread::spawn(move || {
            let mut conn = persistence::DbConnection::establish(&url).expect("connect");
            let mut after = 0i64;
            let mut polls_with_items = 0usize;
            loop {
                let writing = !done.load(Ordering::SeqCst);
                let page = outbox::after(&mut conn, after, &[], &EventSight::All, 5).expect("read");
                for (offset, event) in page.iter().enumerate() {
                    let expected = after + 1 + i64::try_from(offset).expect("offset");
                    assert_eq!(event.position, expected, "a gap or a reordering after {after}");
                }
                if let Some(last) = page.last() {
                    after = last.position;
                    polls_with_items += 1;
                } else if !writing {
                    return (after, polls_with_items);
                } else {
                    std::thread::sleep(std::time::Duration::from_micros(100));
                }
            }
        })
    };
    let writers: Vec<_> = (0..THREADS)
        .map(|t| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                let mut conn = persistence::DbConnection::establish(&url).expect("connect");
                for i in 0..APPENDS {
                    conn.transaction::<_, persistence::StoreError, _>(|conn| {
                        outbox::append(
                            conn,
                            &outbox::NewEvent {
                                event_type: EventType::OrganizationCreated,
                                occurred_at: Utc::now().naive_utc(),
                                resource_type: "organization",
                                resource_id: Uuid::new_v4().to_string(),
                                region_code: Some(ZHENGZHOU.to_owned()),
                                organization_id: None,
                                counterparty_id: None,
                                data: json!({"writer": t, "n": i}),
                            },
                        )?;
                        // Hold the transaction open after taking the position.
                        std::thread::sleep(std::time::Duration::from_micros(200 * ((t + i) % 5) as u64));
                        Ok(())
                    })
                    .expect("append commits");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().expect("writer");
    }
    done.store(true, Ordering::SeqCst);
    let (last, polls) = reader.join().expect("reader");
    let total = i64::try_from(THREADS * APPENDS).expect("total");
    assert_eq!(last, total, "the reader reached every position");
    assert_eq!(outbox::head(&mut db.connect()).expect("head"), total);
    assert_eq!(count(&mut db.connect(), "events"), total);
    eprintln!("outbox: {total} appends from {THREADS} threads, reader saw them in {polls} polls");
}
