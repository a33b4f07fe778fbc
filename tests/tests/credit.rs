//! Credit scores of service providers (豫安委〔2017〕17号 八(三)) over real HTTP, on the backend
//! TEST_DATABASE names: recording events and who may, the explained score and its clamping, the
//! 00:00 CST expiry, blacklist triggers, the public card with its ETag, the signed statement, the
//! portals' change feed while events keep arriving, the sweeper, and the incremental score
//! against full recomputes over a generated history.
//!
//! Expected points, validities, the scale and the blacklist term are read from the seed CSV
//! files, not restated here. "Today" is the CST date of the clock.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;
use std::time::Instant;

use api::audit::Actor;
use api::auth::Caller;
use api::credit::{computed, current, recompute_all, record_event, sweep_due, EventInput};
use api::error::ApiError;
use api::middleware::request_id::RequestId;
use chrono::{DateTime, Days, Months, NaiveDate, SecondsFormat, Utc};
use domain::credit::CreditEventType;
use domain::organization::Role;
use domain::time::cst_date;
use e2e::insurance::{count, field_errors, get_json, id_of, pairs, post, status_json};
use e2e::{credit_code, TestApp};
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use persistence::credit::{self as store, CreditScore};
use persistence::{audit, blacklist, organizations};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const EVENTS: &str = "/api/v1/credit/events";
const REPORTS: &str = "/api/v1/credit/organizations";
const FEED: &str = "/api/v1/credit/scores";
const PUBLIC: &str = "/api/v1/public/credit";
const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
const EVIDENCE: &str = "郑应急执〔2026〕118号 现场检查记录";

const RULES_CSV: &str = include_str!("../../persistence/seed/credit_event_rules.csv");
const PARAMETERS_CSV: &str = include_str!("../../persistence/seed/rule_parameters.csv");

// ---------------------------------------------------------------------------------------------
// The seed tables, read independently of the code under test.

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_else(|e| panic!("{text:?}: {e}"))
}

/// Data lines of a seed CSV, split into six fields (the last, the clause, may hold commas).
fn csv_rows(text: &str) -> Vec<Vec<&str>> {
    text.lines().skip(1).filter(|l| !l.trim().is_empty()).map(|l| l.splitn(6, ',').collect()).collect()
}

fn in_period(from: &str, to: &str, on: NaiveDate) -> bool {
    date(from) <= on && (to.is_empty() || on <= date(to))
}

/// One row of `credit_event_rules.csv`.
#[derive(Debug, Clone)]
struct Rule {
    event_type: String,
    points: i64,
    months: u32,
    effective_from: NaiveDate,
    effective_to: Option<NaiveDate>,
    clause: String,
}

impl Rule {
    /// The first day an event that occurred on `occurred_on` no longer counts.
    fn expires(&self, occurred_on: NaiveDate) -> NaiveDate {
        occurred_on.checked_add_months(Months::new(self.months)).expect("date in range")
    }

    fn version(&self) -> String {
        format!("{}@{}", self.event_type, self.effective_from)
    }
}

/// The points table of the CSV, parsed once.
fn rule_table() -> &'static [Rule] {
    static TABLE: OnceLock<Vec<Rule>> = OnceLock::new();
    TABLE.get_or_init(|| {
        csv_rows(RULES_CSV)
            .into_iter()
            .map(|f| Rule {
                event_type: f[0].to_owned(),
                points: f[1].parse().expect("points"),
                months: f[2].parse().expect("validity_months"),
                effective_from: date(f[3]),
                effective_to: (!f[4].is_empty()).then(|| date(f[4])),
                clause: f[5].to_owned(),
            })
            .collect()
    })
}

/// The rule of `event_type` in force on `on`, from the CSV.
fn rule(event_type: &str, on: NaiveDate) -> &'static Rule {
    rule_table()
        .iter()
        .find(|r| r.event_type == event_type && r.effective_from <= on && r.effective_to.is_none_or(|to| on <= to))
        .unwrap_or_else(|| panic!("no {event_type} rule on {on} in the CSV"))
}

/// Every event type of the CSV.
fn event_types() -> Vec<String> {
    let mut types: Vec<String> = rule_table().iter().map(|r| r.event_type.clone()).collect();
    types.dedup();
    types
}

/// `(value, version label, effective_from)` of a rule parameter on `on`, from the CSV.
fn parameter(name: &str, on: NaiveDate) -> (i64, String, NaiveDate) {
    csv_rows(PARAMETERS_CSV)
        .into_iter()
        .find(|f| f[0] == name && in_period(f[3], f[4], on))
        .map(|f| (f[1].parse().expect("integer value"), format!("{name}@{}", f[3]), date(f[3])))
        .unwrap_or_else(|| panic!("no {name} on {on} in the CSV"))
}

/// The credit scale in force on a date, from the CSV.
#[derive(Debug, Clone)]
struct Scale {
    base: i64,
    min: i64,
    max: i64,
    a_min: i64,
    b_min: i64,
    c_min: i64,
    versions: Vec<String>,
}

impl Scale {
    fn on(on: NaiveDate) -> Scale {
        let mut versions = Vec::new();
        let mut read = |name: &str| {
            let (value, version, _) = parameter(name, on);
            versions.push(version);
            value
        };
        let base = read("credit_base_score");
        let min = read("credit_score_min");
        let max = read("credit_score_max");
        let a_min = read("credit_grade_a_min");
        let b_min = read("credit_grade_b_min");
        let c_min = read("credit_grade_c_min");
        Scale { base, min, max, a_min, b_min, c_min, versions }
    }

    fn score(&self, events_sum: i64) -> i64 {
        (self.base + events_sum).clamp(self.min, self.max)
    }

    fn grade(&self, score: i64) -> &'static str {
        if score >= self.a_min {
            "a"
        } else if score >= self.b_min {
            "b"
        } else if score >= self.c_min {
            "c"
        } else {
            "d"
        }
    }
}

/// Σ points of the events in force on `on`: `occurred_on <= on < expires_on`.
fn expected_sum(history: &[(String, NaiveDate)], on: NaiveDate) -> i64 {
    history
        .iter()
        .map(|(event_type, occurred)| (rule(event_type, *occurred), *occurred))
        .filter(|(rule, occurred)| *occurred <= on && on < rule.expires(*occurred))
        .map(|(rule, _)| rule.points)
        .sum()
}

// ---------------------------------------------------------------------------------------------
// Helpers.

/// Today in CST as the server will see it. Within `margin_seconds` of midnight CST it waits for
/// the new day, so a test and its requests agree on the date.
async fn settled_today(margin_seconds: i64) -> NaiveDate {
    loop {
        let now = Utc::now();
        let today = cst_date(now);
        let midnight =
            (today + Days::new(1)).and_hms_opt(0, 0, 0).expect("midnight").and_utc() - chrono::Duration::hours(8);
        let left = (midnight - now).num_seconds();
        if left > margin_seconds {
            return today;
        }
        tokio::time::sleep(std::time::Duration::from_secs(u64::try_from(left.max(0)).unwrap_or(0) + 1)).await;
    }
}

fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day - Days::new(n)
}

fn months_before(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_sub_months(Months::new(n)).expect("date in range")
}

/// Registers a technical service agency; returns its id as text and as a UUID.
async fn agency(app: &TestApp, seed: u32, region: &str) -> (String, Uuid) {
    let org = app
        .organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南安评技术服务有限公司{seed}"),
            "kind": "technical_service_agency",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "李四",
            "service_types": ["safety_assessment"],
        }))
        .await;
    let id = id_of(&org);
    let uuid = Uuid::parse_str(&id).expect("uuid");
    (id, uuid)
}

fn event(org: &str, event_type: &str, occurred_on: NaiveDate) -> Value {
    json!({
        "organization_id": org,
        "event_type": event_type,
        "occurred_on": occurred_on.to_string(),
        "evidence": EVIDENCE,
    })
}

async fn record(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    status_json(post(app, token, EVENTS, None, body).await).await
}

/// Records an event and panics unless 201; returns the receipt.
async fn recorded(app: &TestApp, token: &str, org: &str, event_type: &str, occurred_on: NaiveDate) -> Value {
    let (status, receipt) = record(app, token, &event(org, event_type, occurred_on)).await;
    assert_eq!(status, StatusCode::CREATED, "{event_type} on {occurred_on}: {receipt}");
    receipt
}

async fn report(app: &TestApp, token: &str, org: &str) -> Value {
    let (status, body) = get_json(app, token, &format!("{REPORTS}/{org}")).await;
    assert_eq!(status, StatusCode::OK, "report of {org}: {body}");
    body
}

fn stored_score(app: &TestApp, org: Uuid) -> Option<CreditScore> {
    store::score_of(&mut app.db.connect(), org).expect("score_of")
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

/// Audit entries about `resource_id`, oldest first.
fn audit_trail(app: &TestApp, resource_id: &str) -> Vec<audit::AuditEntry> {
    let filter = audit::AuditFilter { resource_id: Some(resource_id.to_owned()), ..Default::default() };
    let mut items = audit::list(&mut app.db.connect(), &filter, None, 100).expect("audit").items;
    items.reverse();
    items
}

fn text<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field].as_str().unwrap_or_else(|| panic!("no string {field} in {value}"))
}

fn int(value: &Value, field: &str) -> i64 {
    value[field].as_i64().unwrap_or_else(|| panic!("no integer {field} in {value}"))
}

fn day_of(value: &Value, field: &str) -> NaiveDate {
    date(text(value, field))
}

/// Checks that a report explains itself: the scale is the CSV's, `events_sum` is the sum of the
/// listed events in force (by their own dates), `unclamped = base + events_sum`,
/// `score = clamp(unclamped)`, the grade is the band of the score, every event cites its rule,
/// and `next_change_on` is the earliest expiry in force. Returns `events_sum`.
fn check_explained(report: &Value, scale: &Scale, on: NaiveDate) -> i64 {
    assert_eq!(day_of(report, "as_of"), on, "{report}");
    assert_eq!(
        [int(report, "base"), int(report, "min"), int(report, "max")],
        [scale.base, scale.min, scale.max],
        "{report}"
    );
    assert_eq!(
        [int(report, "a_min"), int(report, "b_min"), int(report, "c_min")],
        [scale.a_min, scale.b_min, scale.c_min],
        "{report}"
    );
    assert_eq!(report["rule_versions"], json!(scale.versions));
    assert_eq!(report["clause"], "豫安委〔2017〕17号 八(三)");
    let events = report["events"].as_array().expect("events");
    let mut sum = 0;
    let mut next: Option<NaiveDate> = None;
    for e in events {
        let occurred = day_of(e, "occurred_on");
        let rule = rule(text(e, "event_type"), occurred);
        assert_eq!(int(e, "points"), rule.points, "{e}");
        assert_eq!(day_of(e, "expires_on"), rule.expires(occurred), "{e}");
        assert_eq!(text(e, "rule_version"), rule.version(), "{e}");
        assert_eq!(text(e, "clause"), rule.clause, "{e}");
        let in_force = occurred <= on && on < rule.expires(occurred);
        assert_eq!(e["in_force"], in_force, "{e}");
        if in_force {
            sum += rule.points;
            let expires = rule.expires(occurred);
            next = Some(next.map_or(expires, |n| n.min(expires)));
        }
    }
    assert_eq!(int(report, "events_sum"), sum, "{report}");
    assert_eq!(int(report, "unclamped"), scale.base + sum, "{report}");
    let score = scale.score(sum);
    assert_eq!(int(report, "score"), score, "{report}");
    assert_eq!(report["grade"], scale.grade(score), "{report}");
    assert_eq!(report["next_change_on"], json!(next.map(|d| d.to_string())), "{report}");
    sum
}

/// An anonymous GET.
async fn public_get(app: &TestApp, path: &str) -> reqwest::Response {
    app.http.get(app.url(path)).send().await.expect("public GET")
}

/// One page of the change feed: its items and `next_cursor`.
async fn feed_page(app: &TestApp, token: &str, query: &[(&str, &str)]) -> (Vec<Value>, Option<String>) {
    let response = app.http.get(app.url(FEED)).bearer_auth(token).query(query).send().await.expect("feed");
    let (status, page) = status_json(response).await;
    assert_eq!(status, StatusCode::OK, "{query:?}: {page}");
    let items = page["items"].as_array().expect("items").clone();
    let cursor = match &page["next_cursor"] {
        Value::Null => None,
        Value::String(c) => Some(c.clone()),
        other => panic!("next_cursor {other}"),
    };
    (items, cursor)
}

// ---------------------------------------------------------------------------------------------
// 1. Recording.

#[tokio::test]
async fn a_regulator_records_an_event_in_its_jurisdiction_and_every_bad_event_is_refused() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let (org, org_uuid) = agency(&app, 1, ZHENGZHOU).await;
    let enterprise = id_of(&app.enterprise(2, ZHENGZHOU).await);
    let enterprise_client = app.client("enterprise", Some(&enterprise), None).await;
    let agency_client = app.client("agency", Some(&org), None).await;
    let portal = app.client("portal", None, None).await;

    let occurred = days_before(today, 10);
    let absent = rule("staff_absent_from_site", occurred);
    let scale = Scale::on(today);
    let score = scale.score(absent.points);

    let response = post(&app, &zhengzhou.token, EVENTS, None, &event(&org, "staff_absent_from_site", occurred)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    assert_eq!(location, format!("{REPORTS}/{org}"));
    let (_, receipt) = status_json(response).await;
    let e = &receipt["event"];
    let event_id = text(e, "id").to_owned();
    assert_eq!(e["event_type"], "staff_absent_from_site");
    assert_eq!(day_of(e, "occurred_on"), occurred);
    assert_eq!(int(e, "points"), absent.points);
    assert_eq!(day_of(e, "expires_on"), absent.expires(occurred));
    assert_eq!(e["in_force"], true);
    assert_eq!(text(e, "rule_version"), absent.version());
    assert_eq!(text(e, "clause"), absent.clause);
    assert_eq!(e["evidence"], EVIDENCE);
    assert_eq!((&e["source_type"], &e["source_id"]), (&Value::Null, &Value::Null));
    assert_eq!(int(&receipt["score"], "score"), score);
    assert_eq!(receipt["score"]["grade"], scale.grade(score));
    assert_eq!(day_of(&receipt["score"], "as_of"), today);
    assert_eq!(receipt["blacklist_listing_id"], Value::Null);

    // Stored: the event with its rule, the score, the audit record.
    let mut conn = app.db.connect();
    let events = store::events_of(&mut conn, org_uuid).expect("events");
    assert_eq!(events.len(), 1);
    let stored = &events[0];
    assert_eq!(stored.id.to_string(), event_id);
    assert_eq!(stored.event_type.as_str(), "staff_absent_from_site");
    assert_eq!((stored.occurred_on, stored.expires_on), (occurred, absent.expires(occurred)));
    assert_eq!(i64::from(stored.points), absent.points);
    assert_eq!(stored.rule_version, absent.version());
    assert_eq!(stored.clause, absent.clause);
    assert_eq!(stored.evidence, EVIDENCE);
    assert_eq!(stored.source, None);
    assert_eq!(stored.recorded_by, zhengzhou.id);
    let row = stored_score(&app, org_uuid).expect("a stored score");
    assert_eq!(i64::from(row.score), score);
    assert_eq!(row.grade.as_str(), scale.grade(score));
    assert_eq!((row.events_sum, row.in_force), (absent.points, 1));
    assert_eq!(row.next_change_on, Some(absent.expires(occurred)));
    assert_eq!(row.as_of, today);
    assert_eq!(row.scale_versions, scale.versions);
    assert!(row.change_seq > 0);
    let trail = audit_trail(&app, &event_id);
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].action, "credit_event.record");
    assert_eq!(trail[0].actor, zhengzhou.id);
    assert_eq!(trail[0].resource_type, "credit_event");
    assert_eq!(trail[0].resource_region.as_deref(), Some(ZHENGZHOU));

    // Outside the jurisdiction, the organisation is unknown; so is one that does not exist.
    for (token, id) in [(&luoyang.token, org.clone()), (&zhengzhou.token, Uuid::new_v4().to_string())] {
        let (status, problem) = record(&app, token, &event(&id, "staff_absent_from_site", occurred)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(field_errors(&problem), pairs(&[("organization_id", "unknown_organization")]));
    }
    // Enterprises are no service providers.
    let (status, problem) = record(&app, &zhengzhou.token, &event(&enterprise, "commendation", occurred)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("organization_id", "not_a_service_provider")]));
    // Only regulators and admins record.
    for token in [&enterprise_client.token, &portal.token, &agency_client.token] {
        let (status, problem) = record(&app, token, &event(&org, "commendation", occurred)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert_eq!(problem["code"], "forbidden");
    }
    // Not in the future (CST), not before the points table, not an unknown type.
    let tomorrow = today + Days::new(1);
    let (status, problem) = record(&app, &zhengzhou.token, &event(&org, "commendation", tomorrow)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("occurred_on", "out_of_range")]));
    let first_rule = rule("commendation", occurred).effective_from;
    let (status, problem) =
        record(&app, &zhengzhou.token, &event(&org, "commendation", first_rule.pred_opt().expect("day"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("occurred_on", "credit_rule_not_in_force")]));
    let (status, problem) = record(&app, &zhengzhou.token, &event(&org, "late_invoice", occurred)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("event_type", "invalid_credit_event_type")]));

    // None of the refused events left a trace.
    assert_eq!(rows(&app, "credit_events"), 1);
    assert_eq!(rows(&app, "credit_scores"), 1);
    assert_eq!(rows(&app, "audit_log WHERE action = 'credit_event.record'"), 1);
    assert_eq!(stored_score(&app, org_uuid).expect("score").change_seq, row.change_seq);

    // An admin records anywhere.
    let receipt = recorded(&app, app.admin_token(), &org, "commendation", occurred).await;
    let both = absent.points + rule("commendation", occurred).points;
    assert_eq!(int(&receipt["score"], "score"), scale.score(both));
    assert_eq!(rows(&app, "credit_events"), 2);
}

// ---------------------------------------------------------------------------------------------
// 2. Explanation and clamping.

#[tokio::test]
async fn the_report_explains_the_score_as_base_plus_the_points_in_force() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    let scale = Scale::on(today);
    let regulator = app.regulator(ZHENGZHOU).await;
    let (org, _) = agency(&app, 10, ZHENGZHOU).await;
    let (other, _) = agency(&app, 11, ZHENGZHOU).await;

    // One event expired long ago (its validity plus two months), the others in force.
    let expired_type = "rectification_order";
    let long_ago = months_before(today, rule(expired_type, today).months + 2);
    let history = [
        (expired_type, long_ago),
        ("commendation", days_before(today, 30)),
        ("staff_absent_from_site", days_before(today, 100)),
        ("public_criticism", days_before(today, 5)),
        ("service_evaluation_positive", today),
    ];
    for (event_type, occurred) in history {
        recorded(&app, &regulator.token, &org, event_type, occurred).await;
    }
    let explained = report(&app, &regulator.token, &org).await;
    let sum = check_explained(&explained, &scale, today);
    let owned: Vec<(String, NaiveDate)> = history.iter().map(|(t, d)| ((*t).to_owned(), *d)).collect();
    assert_eq!(sum, expected_sum(&owned, today));
    let events = explained["events"].as_array().expect("events");
    assert_eq!(events.len(), history.len());
    // Oldest first; the expired one is listed but does not count.
    assert_eq!(events[0]["event_type"], expired_type);
    assert_eq!(events[0]["in_force"], false);
    assert!(events[1..].iter().all(|e| e["in_force"] == true), "{explained}");
    let dates: Vec<NaiveDate> = events.iter().map(|e| day_of(e, "occurred_on")).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    assert_eq!(explained["organization_id"], org);
    assert_eq!(explained["credit_code"], credit_code(10));
    assert_eq!(explained["blacklisted"], false);

    // The same report to everyone entitled; 404 to everyone else.
    let itself = app.client("agency", Some(&org), None).await;
    let portal = app.client("portal", None, None).await;
    let province = app.regulator("410000").await;
    for token in [app.admin_token(), &itself.token, &portal.token, &province.token] {
        assert_eq!(report(&app, token, &org).await, explained);
    }
    let luoyang = app.regulator(LUOYANG).await;
    let other_agency = app.client("agency", Some(&other), None).await;
    let enterprise = id_of(&app.enterprise(12, ZHENGZHOU).await);
    let enterprise_client = app.client("enterprise", Some(&enterprise), None).await;
    for token in [&luoyang.token, &other_agency.token, &enterprise_client.token] {
        let (status, problem) = get_json(&app, token, &format!("{REPORTS}/{org}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
        assert_eq!(problem["code"], "not_found");
    }
    let (status, _) = get_json(&app, &regulator.token, &format!("{REPORTS}/{}", Uuid::new_v4())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An organisation without events has the base score.
    let fresh = report(&app, &regulator.token, &other).await;
    assert_eq!(check_explained(&fresh, &scale, today), 0);
    assert_eq!(int(&fresh, "score"), scale.score(0));

    // Clamped at the minimum: enough public criticisms to go below it.
    let criticism = rule("public_criticism", today);
    let (low, _) = agency(&app, 13, ZHENGZHOU).await;
    let below = (scale.base - scale.min) / -criticism.points + 1;
    for n in 0..below {
        recorded(&app, &regulator.token, &low, "public_criticism", days_before(today, u64::try_from(n).expect("n")))
            .await;
    }
    let clamped = report(&app, &regulator.token, &low).await;
    let sum = check_explained(&clamped, &scale, today);
    assert_eq!(sum, below * criticism.points);
    assert!(int(&clamped, "unclamped") < scale.min, "{clamped}");
    assert_eq!(int(&clamped, "score"), scale.min);
    assert_eq!(clamped["grade"], "d");

    // Clamped at the maximum: enough commendations to go above it.
    let commendation = rule("commendation", today);
    let (high, _) = agency(&app, 14, ZHENGZHOU).await;
    let above = (scale.max - scale.base) / commendation.points + 1;
    for n in 0..above {
        recorded(&app, &regulator.token, &high, "commendation", days_before(today, u64::try_from(n).expect("n"))).await;
    }
    let clamped = report(&app, &regulator.token, &high).await;
    check_explained(&clamped, &scale, today);
    assert!(int(&clamped, "unclamped") > scale.max, "{clamped}");
    assert_eq!(int(&clamped, "score"), scale.max);
    assert_eq!(clamped["grade"], "a");
    // The stored scores agree with the reports.
    let mut conn = app.db.connect();
    for (id, score) in [(&low, scale.min), (&high, scale.max)] {
        let stored = store::score_of(&mut conn, Uuid::parse_str(id).expect("uuid")).expect("read").expect("row");
        assert_eq!(i64::from(stored.score), score);
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Expiry at 00:00 CST.

#[tokio::test]
async fn an_event_stops_counting_at_midnight_cst_on_its_expiry_date() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    assert_eq!(today, cst_date(Utc::now()));
    let scale = Scale::on(today);
    let regulator = app.regulator(ZHENGZHOU).await;
    let (org, org_uuid) = agency(&app, 20, ZHENGZHOU).await;
    let months = rule("staff_absent_from_site", today).months;

    // Occurred exactly `validity_months` before today: expires today, so no longer counts.
    let boundary = months_before(today, months);
    let expired = recorded(&app, &regulator.token, &org, "staff_absent_from_site", boundary).await;
    let expires_on = day_of(&expired["event"], "expires_on");
    assert_eq!(expires_on, rule("staff_absent_from_site", boundary).expires(boundary));
    // Equal to today unless today is a day of month the boundary month lacks (clamped).
    assert!(expires_on <= today);
    if boundary.checked_add_months(Months::new(months)) == Some(today) {
        assert_eq!(expires_on, today);
    }
    assert_eq!(expired["event"]["in_force"], false);
    assert_eq!(int(&expired["score"], "score"), scale.score(0));
    let row = stored_score(&app, org_uuid).expect("row");
    assert_eq!((row.events_sum, row.in_force, row.next_change_on), (0, 0, None));

    // A day later: still counts today, and until tomorrow at the earliest.
    let later = boundary + Days::new(1);
    let rule = rule("staff_absent_from_site", later);
    let counting = recorded(&app, &regulator.token, &org, "staff_absent_from_site", later).await;
    assert_eq!(counting["event"]["in_force"], true);
    assert!(day_of(&counting["event"], "expires_on") > today);
    assert_eq!(int(&counting["score"], "score"), scale.score(rule.points));
    let row = stored_score(&app, org_uuid).expect("row");
    assert_eq!((row.events_sum, row.in_force), (rule.points, 1));
    assert_eq!(row.next_change_on, Some(rule.expires(later)));

    let explained = report(&app, &regulator.token, &org).await;
    assert_eq!(check_explained(&explained, &scale, today), rule.points);
    let flags: Vec<&Value> = explained["events"].as_array().expect("events").iter().map(|e| &e["in_force"]).collect();
    assert_eq!(flags, [&json!(false), &json!(true)]);
}

// ---------------------------------------------------------------------------------------------
// 4. Blacklist triggers.

#[tokio::test]
async fn a_false_report_puts_the_agency_on_the_blacklist_for_the_term_in_force() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let (org, org_uuid) = agency(&app, 30, ZHENGZHOU).await;
    let (clean, clean_uuid) = agency(&app, 31, ZHENGZHOU).await;

    let occurred = days_before(today, 3);
    let receipt = recorded(&app, &regulator.token, &org, "false_report", occurred).await;
    let listing_id = Uuid::parse_str(text(&receipt, "blacklist_listing_id")).expect("listing id");
    let event_id = Uuid::parse_str(text(&receipt["event"], "id")).expect("event id");
    let scale = Scale::on(today);
    assert_eq!(int(&receipt["score"], "score"), scale.score(rule("false_report", occurred).points));

    let listings = blacklist::listings_of(&mut app.db.connect(), org_uuid).expect("listings");
    assert_eq!(listings.len(), 1);
    let listing = &listings[0];
    let (term, version, _) = parameter("blacklist_term_months", occurred);
    assert_eq!(listing.id, listing_id);
    assert_eq!(listing.trigger_type, "false_report");
    assert_eq!(listing.credit_event_id, Some(event_id));
    assert_eq!(listing.listed_on, occurred);
    assert_eq!(
        listing.ends_on,
        occurred.checked_add_months(Months::new(u32::try_from(term).expect("months"))).expect("d")
    );
    assert_eq!(listing.term_rule_version, version);
    assert_eq!(listing.removed_on, None);
    assert_eq!(listing.decided_by, regulator.id);
    assert_eq!(listing.decided_region.as_str(), ZHENGZHOU);
    let trail = audit_trail(&app, &listing_id.to_string());
    assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["blacklist.list"]);

    let (status, card) = status_json(public_get(&app, &format!("{PUBLIC}/{}", credit_code(30))).await).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    assert_eq!(card["blacklisted"], true);
    assert_eq!(report(&app, &regulator.token, &org).await["blacklisted"], true);

    // An event that is no trigger lists nobody.
    let receipt = recorded(&app, &regulator.token, &clean, "staff_absent_from_site", occurred).await;
    assert_eq!(receipt["blacklist_listing_id"], Value::Null);
    assert!(blacklist::listings_of(&mut app.db.connect(), clean_uuid).expect("listings").is_empty());
    let (_, card) = status_json(public_get(&app, &format!("{PUBLIC}/{}", credit_code(31))).await).await;
    assert_eq!(card["blacklisted"], false);
    assert_eq!(rows(&app, "blacklist_listings"), 1);

    // Before the national blacklist rule took effect (2023-10-01) a false report costs its points
    // but lists nobody; from that day on it lists.
    let (early, early_uuid) = agency(&app, 32, ZHENGZHOU).await;
    let receipt = recorded(&app, &regulator.token, &early, "false_report", date("2023-09-30")).await;
    assert_eq!(receipt["blacklist_listing_id"], Value::Null, "{receipt}");
    assert_eq!(rows(&app, &format!("credit_events WHERE organization_id = '{early_uuid}'")), 1);
    assert!(blacklist::listings_of(&mut app.db.connect(), early_uuid).expect("listings").is_empty());
    let receipt = recorded(&app, &regulator.token, &early, "false_report", date("2023-10-01")).await;
    assert!(receipt["blacklist_listing_id"].is_string(), "{receipt}");
    let listings = blacklist::listings_of(&mut app.db.connect(), early_uuid).expect("listings");
    assert_eq!(listings.iter().map(|l| l.listed_on).collect::<Vec<_>>(), [date("2023-10-01")]);
}

// ---------------------------------------------------------------------------------------------
// 5. The public card.

#[tokio::test]
async fn the_public_card_is_cacheable_and_answers_if_none_match() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    let scale = Scale::on(today);
    let regulator = app.regulator(ZHENGZHOU).await;
    let (org, _) = agency(&app, 40, ZHENGZHOU).await;
    let occurred = days_before(today, 7);
    recorded(&app, &regulator.token, &org, "public_criticism", occurred).await;
    let path = format!("{PUBLIC}/{}", credit_code(40));

    let response = public_get(&app, &path).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let cache = headers["cache-control"].to_str().expect("cache-control");
    assert!(cache.contains("public") && cache.contains("max-age=60"), "{cache}");
    let etag = headers["etag"].to_str().expect("etag").to_owned();
    assert!(!etag.starts_with("W/") && etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2, "{etag}");
    let (_, card) = status_json(response).await;
    let score = scale.score(rule("public_criticism", occurred).points);
    assert_eq!(card["credit_code"], credit_code(40));
    assert_eq!(card["name"], "河南安评技术服务有限公司40");
    assert_eq!(card["kind"], "technical_service_agency");
    assert_eq!(card["region_code"], ZHENGZHOU);
    assert_eq!(card["status"], "active");
    assert_eq!(int(&card, "score"), score);
    assert_eq!(card["grade"], scale.grade(score));
    assert_eq!(card["blacklisted"], false);
    assert_eq!(card["sanctions_in_force"], json!([]));
    assert_eq!(day_of(&card, "as_of"), today);
    // No personal data on the card.
    assert!(card.get("contact_phone").is_none() && card.get("legal_representative").is_none(), "{card}");

    // The same tag: 304, no body.
    let response = app.http.get(app.url(&path)).header("If-None-Match", &etag).send().await.expect("conditional");
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(response.headers()["etag"].to_str().expect("etag"), etag);
    assert!(response.bytes().await.expect("body").is_empty());
    // Unchanged content, unchanged tag.
    let again = public_get(&app, &path).await;
    assert_eq!(again.headers()["etag"].to_str().expect("etag"), etag);

    // A new event changes the card, so the old tag gets the new card.
    recorded(&app, &regulator.token, &org, "commendation", today).await;
    let response = app.http.get(app.url(&path)).header("If-None-Match", &etag).send().await.expect("conditional");
    assert_eq!(response.status(), StatusCode::OK);
    let new_tag = response.headers()["etag"].to_str().expect("etag").to_owned();
    assert_ne!(new_tag, etag);
    let (_, card) = status_json(response).await;
    let sum = rule("public_criticism", occurred).points + rule("commendation", today).points;
    assert_eq!(int(&card, "score"), scale.score(sum));

    // Unknown code: 404; a wrong check character: 422 on the code.
    let (status, problem) = status_json(public_get(&app, &format!("{PUBLIC}/{}", credit_code(41))).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
    assert_eq!(problem["code"], "not_found");
    let good = credit_code(40);
    let wrong = if good.ends_with('0') { '1' } else { '0' };
    let (status, problem) = status_json(public_get(&app, &format!("{PUBLIC}/{}{wrong}", &good[..17])).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("credit_code", "invalid_credit_code")]));
}

// ---------------------------------------------------------------------------------------------
// 6. The signed statement.

#[tokio::test]
async fn a_credit_attestation_verifies_with_the_published_key_and_is_no_access_token() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let (org, _) = agency(&app, 50, ZHENGZHOU).await;
    recorded(&app, &regulator.token, &org, "illegal_affiliation", days_before(today, 2)).await;
    let code = credit_code(50);
    let (status, jwks) = status_json(public_get(&app, "/api/v1/auth/jwks.json").await).await;
    assert_eq!(status, StatusCode::OK);

    let verify = |token: &str, audience: &str| {
        let header = decode_header(token).expect("header");
        assert_eq!(header.alg, Algorithm::EdDSA);
        let kid = header.kid.expect("kid");
        let jwk = jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .find(|k| k["kid"] == kid.as_str())
            .unwrap_or_else(|| panic!("kid {kid} not in {jwks}"));
        let key = DecodingKey::from_ed_components(jwk["x"].as_str().expect("x")).expect("key");
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_audience(&[audience]);
        validation.set_issuer(&[app.settings.jwt_issuer.as_str()]);
        decode::<Value>(token, &key, &validation).map(|data| data.claims)
    };

    let (status, card) = status_json(public_get(&app, &format!("{PUBLIC}/{code}")).await).await;
    assert_eq!(status, StatusCode::OK, "{card}");
    let response = public_get(&app, &format!("{PUBLIC}/{code}/attestation")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"].to_str().expect("cache-control"), "no-store");
    let (_, attestation) = status_json(response).await;
    let token = text(&attestation, "token").to_owned();
    assert_eq!(decode_header(&token).expect("header").kid.as_deref(), attestation["kid"].as_str());
    let claims = verify(&token, "credit-attestation").expect("the attestation verifies");
    assert_eq!(claims["aud"], "credit-attestation");
    assert_eq!(claims["sub"], code);
    assert_eq!(claims["name"], card["name"]);
    assert_eq!(claims["score"], card["score"]);
    assert_eq!(claims["grade"], card["grade"]);
    assert_eq!(claims["blacklisted"], card["blacklisted"]);
    assert_eq!(claims["blacklisted"], true);
    assert_eq!(claims["as_of"], card["as_of"]);
    let (iat, exp) = (int(&claims, "iat"), int(&claims, "exp"));
    assert_eq!(exp - iat, 900);
    let now = Utc::now().timestamp();
    assert!((now - 60..=now + 5).contains(&iat), "iat {iat}, now {now}");
    let expires_at = DateTime::parse_from_rfc3339(text(&attestation, "expires_at")).expect("RFC 3339");
    assert_eq!(expires_at.timestamp(), exp);

    // One payload character changed: the signature no longer holds.
    let payload_start = token.find('.').expect("dot") + 1;
    let mut tampered = token.clone().into_bytes();
    let at = payload_start + 12;
    tampered[at] = if tampered[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    assert!(verify(&tampered, "credit-attestation").is_err());
    // Not for the API's audience, and refused as a bearer token.
    assert!(verify(&token, &app.settings.jwt_audience).is_err());
    let (status, problem) = get_json(&app, &token, &format!("{REPORTS}/{org}")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{problem}");

    // Unknown code 404, bad check character 422.
    assert_eq!(public_get(&app, &format!("{PUBLIC}/{}/attestation", credit_code(51))).await.status(), 404);
    let wrong = if code.ends_with('0') { '1' } else { '0' };
    let (status, problem) =
        status_json(public_get(&app, &format!("{PUBLIC}/{}{wrong}/attestation", &code[..17])).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("credit_code", "invalid_credit_code")]));
}

// ---------------------------------------------------------------------------------------------
// 7. The change feed.

#[tokio::test]
async fn the_change_feed_delivers_every_change_exactly_once_while_events_keep_arriving() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let portal = app.client("portal", None, None).await;
    let mut agencies = Vec::new();
    for seed in 60..66 {
        agencies.push(agency(&app, seed, ZHENGZHOU).await);
    }
    let day = |n: u64| days_before(today, n);
    recorded(&app, &regulator.token, &agencies[0].0, "staff_absent_from_site", day(40)).await;
    recorded(&app, &regulator.token, &agencies[1].0, "commendation", day(30)).await;
    recorded(&app, &regulator.token, &agencies[2].0, "rectification_order", day(20)).await;
    recorded(&app, &regulator.token, &agencies[0].0, "commendation", day(10)).await;

    // Page through with limit 2; between pages, events for agencies seen and not yet seen.
    let mut received: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    let mut kept = loop {
        let mut query = vec![("limit", "2")];
        if let Some(c) = &cursor {
            query.push(("cursor", c.as_str()));
        }
        let (items, next) = feed_page(&app, &portal.token, &query).await;
        if items.is_empty() {
            assert_eq!(next, None, "an empty page has no cursor");
            break cursor.expect("at least one page");
        }
        assert!(items.len() <= 2);
        let next = next.expect("a page with items gives the position reached");
        received.extend(items);
        cursor = Some(next);
        pages += 1;
        match pages {
            1 => {
                recorded(&app, &regulator.token, &agencies[0].0, "public_criticism", day(5)).await;
                recorded(&app, &regulator.token, &agencies[3].0, "complaint_substantiated", day(4)).await;
            }
            2 => {
                recorded(&app, &regulator.token, &agencies[1].0, "service_evaluation_negative", day(3)).await;
                recorded(&app, &regulator.token, &agencies[4].0, "commendation", day(2)).await;
            }
            3 => {
                recorded(&app, &regulator.token, &agencies[5].0, "service_evaluation_positive", day(1)).await;
                recorded(&app, &regulator.token, &agencies[2].0, "commendation", today).await;
            }
            _ => {}
        }
        assert!(pages < 50, "the feed never ends");
    };
    assert!(pages >= 4, "{pages} pages");

    let sequences: Vec<i64> = received.iter().map(|e| int(e, "sequence")).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "sequences not strictly increasing: {sequences:?}");
    let mut seen = HashSet::new();
    for e in &received {
        assert!(seen.insert((text(e, "organization_id").to_owned(), int(e, "sequence"))), "twice: {e}");
    }
    // Each agency's last delivery is its stored score.
    let mut last: HashMap<String, &Value> = HashMap::new();
    for e in &received {
        last.insert(text(e, "organization_id").to_owned(), e);
    }
    assert_eq!(last.len(), agencies.len(), "every agency delivered");
    let mut conn = app.db.connect();
    for (id, uuid) in &agencies {
        let row = store::score_of(&mut conn, *uuid).expect("read").expect("row");
        let entry = last[id];
        assert_eq!(int(entry, "sequence"), row.change_seq, "{entry}");
        assert_eq!(int(entry, "score"), i64::from(row.score), "{entry}");
        assert_eq!(entry["grade"], row.grade.as_str());
        assert_eq!(day_of(entry, "as_of"), row.as_of);
    }
    let credit_codes: HashSet<&str> = received.iter().map(|e| text(e, "credit_code")).collect();
    assert!(credit_codes.contains(credit_code(60).as_str()));
    // A score that changed again was delivered again, later.
    assert!(received.len() > last.len(), "no score was delivered twice: {received:?}");

    // A later event appears in the next pass exactly once.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = Utc::now().to_rfc3339_opts(SecondsFormat::Micros, true);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    recorded(&app, &regulator.token, &agencies[3].0, "commendation", today).await;
    let (items, next) = feed_page(&app, &portal.token, &[("limit", "2"), ("cursor", kept.as_str())]).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["organization_id"], agencies[3].0.as_str());
    let row = store::score_of(&mut conn, agencies[3].1).expect("read").expect("row");
    assert_eq!(int(&items[0], "sequence"), row.change_seq);
    assert!(row.change_seq > *sequences.last().expect("sequences"));
    kept = next.expect("cursor of the position reached");
    let (items, next) = feed_page(&app, &portal.token, &[("limit", "2"), ("cursor", kept.as_str())]).await;
    assert!(items.is_empty() && next.is_none(), "{items:?}");

    // updated_since filters the first page: only what changed since.
    let (items, _) = feed_page(&app, app.admin_token(), &[("updated_since", since.as_str())]).await;
    let orgs: Vec<&str> = items.iter().map(|e| text(e, "organization_id")).collect();
    assert_eq!(orgs, [agencies[3].0.as_str()]);
    let (items, _) = feed_page(&app, &portal.token, &[("limit", "500")]).await;
    assert_eq!(items.len(), agencies.len());

    // Only portals and admins follow the feed; bad parameters are refused.
    for token in [&regulator.token, &app.client("agency", Some(&agencies[0].0), None).await.token] {
        let (status, problem) = get_json(&app, token, FEED).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
    let (status, problem) = get_json(&app, &portal.token, &format!("{FEED}?updated_since=yesterday")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("updated_since", "invalid_instant")]));
    let (status, problem) = get_json(&app, &portal.token, &format!("{FEED}?cursor=not-a-cursor")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
    assert_eq!(problem["code"], "invalid_cursor");
    let (status, _) = get_json(&app, &portal.token, &format!("{FEED}?limit=501")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

// ---------------------------------------------------------------------------------------------
// 8. Incremental against full recompute.

#[tokio::test]
async fn incremental_scores_agree_with_full_recomputes_over_a_generated_history() {
    let started = Instant::now();
    let app = TestApp::spawn().await;
    // The bulk records with the server's clock: keep it inside one CST day.
    let today = settled_today(900).await;
    // Same counts on both backends: PostgreSQL keeps within the time budget.
    let (agencies, total, walk_days) = (30, 3_000, 400);
    let mut ids = Vec::new();
    for seed in 0..agencies {
        ids.push(agency(&app, 800 + seed, ZHENGZHOU).await.1);
    }
    let mut conn = app.db.connect();
    let orgs: Vec<_> =
        ids.iter().map(|id| organizations::find(&mut conn, *id).expect("find").expect("organisation")).collect();
    let actor = Actor {
        caller: Caller {
            client_id: "e2e-credit-history".into(),
            role: Role::Admin,
            organization_id: None,
            region: None,
        },
        request_id: RequestId("e2e-credit-history".into()),
    };
    // Rewards and penalties from the CSV. Each agency has its own share of rewards, so that the
    // scores spread over the scale instead of all sitting at the minimum.
    let (rewards, penalties): (Vec<String>, Vec<String>) =
        event_types().into_iter().partition(|t| rule(t, today).points > 0);
    let (_, _, blacklist_from) = parameter("blacklist_term_months", today);
    let first = months_before(today, 48);
    let span = u64::try_from((today - first).num_days()).expect("span");
    let mut rng = StdRng::seed_from_u64(0x8_3);
    let reward_share: Vec<f64> = (0..orgs.len()).map(|_| rng.gen_range(0.85..0.9)).collect();
    let mut history: Vec<Vec<(String, NaiveDate)>> = vec![Vec::new(); orgs.len()];
    let mut generated = Vec::with_capacity(total);
    for _ in 0..total {
        let org = rng.gen_range(0..orgs.len());
        let occurred = first + Days::new(rng.gen_range(0..=span));
        // A trigger lists the agency with the term in force that day: none before it existed.
        let event_type = loop {
            let pool = if rng.gen_bool(reward_share[org]) { &rewards } else { &penalties };
            let candidate = CreditEventType::parse(&pool[rng.gen_range(0..pool.len())]).expect("type");
            if !candidate.blacklist_trigger() || occurred >= blacklist_from {
                break candidate;
            }
        };
        history[org].push((event_type.as_str().to_owned(), occurred));
        generated.push((org, event_type, occurred));
    }
    for batch in generated.chunks(50) {
        conn.transaction(|conn| {
            for (org, event_type, occurred_on) in batch {
                let input = EventInput {
                    event_type: *event_type,
                    occurred_on: *occurred_on,
                    evidence: "generated",
                    source: None,
                };
                record_event(conn, &actor, &orgs[*org], &input)?;
            }
            Ok::<_, ApiError>(())
        })
        .unwrap_or_else(|e| panic!("recording failed: {e:?}"));
    }
    let recorded_in = started.elapsed();
    assert_eq!(count(&mut conn, "credit_events"), i64::try_from(total).expect("total"));
    assert_eq!(cst_date(Utc::now()), today, "the bulk crossed midnight CST");

    let scale = Scale::on(today);
    let now = Utc::now();
    let mismatches = recompute_all(&mut conn, today, false, now).expect("recompute_all");
    assert!(mismatches.is_empty(), "{} mismatches on {today}: {mismatches:?}", mismatches.len());
    // And both agree with the CSV arithmetic.
    let mut grades = HashSet::new();
    let mut unclamped = 0;
    for (i, id) in ids.iter().enumerate() {
        let row = store::score_of(&mut conn, *id).expect("read").expect("row");
        let sum = expected_sum(&history[i], today);
        assert_eq!((row.events_sum, i64::from(row.score)), (sum, scale.score(sum)), "agency {i} on {today}");
        grades.insert(row.grade);
        unclamped += usize::from((scale.min..=scale.max).contains(&(scale.base + sum)));
    }
    // The generated history is worth checking: several grades, many scores unclamped.
    assert!(grades.len() >= 3 && unclamped >= ids.len() / 3, "grades {grades:?}, {unclamped} unclamped");

    // Walk forward day by day, checking every 5th day, and every next change of a few tracked
    // agencies and the day before it (checking every agency's change days would check nearly
    // every day). Unchecked days are unswept, so a check also catches up on missed expiries.
    const TRACKED: usize = 3;
    let next_changes = |conn: &mut persistence::DbConnection| -> Vec<Option<NaiveDate>> {
        ids.iter().map(|id| store::score_of(conn, *id).expect("read").expect("row").next_change_on).collect()
    };
    let mut pending = next_changes(&mut conn);
    let (mut samples, mut swept_total) = (0, 0);
    for offset in 1..=walk_days {
        let day = today + Days::new(offset);
        let change_near = pending[..TRACKED].iter().flatten().any(|d| *d == day || *d == day + Days::new(1));
        if offset % 5 != 0 && !change_near {
            continue;
        }
        samples += 1;
        let due = pending.iter().flatten().filter(|d| **d <= day).count();
        let swept = conn.transaction(|conn| sweep_due(conn, day, 10_000)).expect("sweep");
        assert_eq!(swept, due, "sweep on {day}");
        swept_total += swept;
        let mismatches = recompute_all(&mut conn, day, false, now).expect("recompute_all");
        assert!(mismatches.is_empty(), "{} mismatches on {day}: {mismatches:?}", mismatches.len());
        let scale = Scale::on(day);
        let rotating = usize::try_from(offset).expect("offset") % ids.len();
        for i in (0..TRACKED).chain([rotating]) {
            let read = current(&mut conn, ids[i], day).expect("current");
            assert_eq!(read, computed(&mut conn, ids[i], day).expect("computed"), "agency {i} on {day}");
            let sum = expected_sum(&history[i], day);
            assert_eq!((read.events_sum, i64::from(read.value)), (sum, scale.score(sum)), "agency {i} on {day}");
        }
        pending = next_changes(&mut conn);
        assert!(pending.iter().flatten().all(|d| *d > day), "a due score was left behind on {day}");
    }
    assert!(swept_total > ids.len(), "the walk crossed expiries ({swept_total} recomputes)");

    eprintln!(
        "credit history: {total} events over {} agencies recorded in {recorded_in:?}; {samples} of {walk_days} days \
         checked, {swept_total} recomputes; {:?} so far",
        ids.len(),
        started.elapsed()
    );

    // Beyond the last expiry every score is back to the base and nothing is pending.
    let beyond = history.iter().flatten().map(|(t, d)| rule(t, *d).expires(*d)).max().expect("events");
    let due = pending.iter().flatten().count();
    assert_eq!(conn.transaction(|conn| sweep_due(conn, beyond, 10_000)).expect("sweep"), due);
    let mismatches = recompute_all(&mut conn, beyond, false, now).expect("recompute_all");
    assert!(mismatches.is_empty(), "{} mismatches on {beyond}: {mismatches:?}", mismatches.len());
    let scale = Scale::on(beyond);
    for id in &ids {
        let row = store::score_of(&mut conn, *id).expect("read").expect("row");
        assert_eq!((row.events_sum, row.in_force, row.next_change_on), (0, 0, None), "{id} on {beyond}");
        assert_eq!(i64::from(row.score), scale.score(0));
    }
}

// ---------------------------------------------------------------------------------------------
// 9. The sweeper.

#[tokio::test]
async fn the_sweeper_recomputes_a_score_on_the_day_an_event_expires() {
    let app = TestApp::spawn().await;
    let today = settled_today(60).await;
    let tomorrow = today + Days::new(1);
    let scale = Scale::on(today);
    let regulator = app.regulator(ZHENGZHOU).await;
    let portal = app.client("portal", None, None).await;
    let (org, org_uuid) = agency(&app, 90, ZHENGZHOU).await;
    let months = rule("staff_absent_from_site", today).months;
    let occurred = months_before(tomorrow, months);
    let rule = rule("staff_absent_from_site", occurred);
    assert_eq!(rule.expires(occurred), tomorrow, "an event expiring tomorrow");

    let receipt = recorded(&app, &regulator.token, &org, "staff_absent_from_site", occurred).await;
    assert_eq!(day_of(&receipt["event"], "expires_on"), tomorrow);
    assert_eq!(int(&receipt["score"], "score"), scale.score(rule.points));
    let before = stored_score(&app, org_uuid).expect("row");
    assert_eq!(before.next_change_on, Some(tomorrow));
    let (_, cursor) = feed_page(&app, &portal.token, &[]).await;
    let cursor = cursor.expect("cursor");

    let mut conn = app.db.connect();
    // Not due today.
    assert_eq!(sweep_due(&mut conn, today, 100).expect("sweep"), 0);
    assert_eq!(stored_score(&app, org_uuid).expect("row"), before);
    // Until the sweeper runs, a read on the expiry day computes instead of trusting the row.
    let unswept = current(&mut conn, org_uuid, tomorrow).expect("current");
    assert_eq!((unswept.value, unswept.events_sum), (i32::try_from(scale.base).expect("base"), 0));

    assert_eq!(sweep_due(&mut conn, tomorrow, 100).expect("sweep"), 1);
    let after = stored_score(&app, org_uuid).expect("row");
    assert_eq!(i64::from(after.score), scale.score(0));
    assert_eq!(after.grade.as_str(), scale.grade(scale.score(0)));
    assert_eq!((after.events_sum, after.in_force, after.next_change_on), (0, 0, None));
    assert_eq!(after.as_of, tomorrow);
    assert!(after.change_seq > before.change_seq);
    // Swept once: nothing is due any more.
    assert_eq!(sweep_due(&mut conn, tomorrow, 100).expect("sweep"), 0);
    assert!(recompute_all(&mut conn, tomorrow, false, Utc::now()).expect("recompute").is_empty());
    // Today the event still counts: a row swept ahead is not trusted for an earlier day.
    let still = current(&mut conn, org_uuid, today).expect("current");
    assert_eq!(i64::from(still.value), scale.score(rule.points));

    // Portals get the recomputed score once, after their cursor.
    let (items, _) = feed_page(&app, &portal.token, &[("cursor", &cursor)]).await;
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["organization_id"], org);
    assert_eq!(int(&items[0], "sequence"), after.change_seq);
    assert_eq!(int(&items[0], "score"), scale.score(0));
    assert_eq!(day_of(&items[0], "as_of"), tomorrow);
}

// ---------------------------------------------------------------------------------------------
// The public card is served from memory, but never behind a change made on the same server.

#[tokio::test]
async fn a_cached_public_card_shows_a_new_sanction_at_once() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let (org, _) = agency(&app, 40, ZHENGZHOU).await;
    let path = format!("{PUBLIC}/{}", credit_code(40));
    let (_, before) = status_json(public_get(&app, &path).await).await;
    assert_eq!(before["sanctions_in_force"], json!([]), "{before}");
    // Served again from memory: the same body.
    let (_, again) = status_json(public_get(&app, &path).await).await;
    assert_eq!(again, before);

    let criticism = json!({
        "organization_id": org, "kind": "public_criticism", "decided_on": cst_date(Utc::now()).to_string(),
        "reason": "出具报告内容与现场不符",
    });
    let (status, created) =
        status_json(post(&app, &regulator.token, "/api/v1/sanctions", None, &criticism).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let (_, after) = status_json(public_get(&app, &path).await).await;
    assert_eq!(after["sanctions_in_force"][0]["kind"], "public_criticism", "{after}");
    assert!(after["score"].as_i64() < before["score"].as_i64(), "{before} → {after}");
}

/// The full recompute commits a chunk of organisations per transaction: over more organisations
/// than one chunk (500) it still stores every score, publishes one `credit_score_changed` per
/// changed score with its own feed position, skips organisations without events, and leaves
/// nothing to do on a second run.
#[tokio::test]
async fn full_recompute_over_several_chunks_stores_every_score_once() {
    use domain::credit_code::CreditCode;
    use domain::organization::OrganizationKind;

    let app = TestApp::spawn().await;
    let today = settled_today(120).await;
    let now = Utc::now();
    let mut conn = app.db.connect();
    let penalty = event_types().into_iter().find(|t| rule(t, today).points < 0).expect("a penalty in force");
    let rule = rule(&penalty, today);
    let (organisations, every_without) = (1_203_u32, 7);
    let with_events = conn
        .transaction(|conn| {
            let mut with_events = 0_i64;
            for seed in 0..organisations {
                let fields =
                    e2e::bare_fields(format!("重算企业{seed}"), if seed % 2 == 0 { ZHENGZHOU } else { LUOYANG }, None);
                let code = CreditCode::parse(&credit_code(50_000 + seed)).expect("credit code");
                let org = organizations::insert(conn, &code, OrganizationKind::Enterprise, &fields, now)?;
                if seed % every_without == 0 {
                    continue;
                }
                // Stored without its score: only the recompute computes it.
                store::insert_event(
                    conn,
                    &store::NewCreditEvent {
                        organization_id: org.id,
                        event_type: CreditEventType::parse(&penalty).expect("type"),
                        occurred_on: today,
                        points: i32::try_from(rule.points).expect("points"),
                        expires_on: rule.expires(today),
                        rule_version: rule.version(),
                        clause: rule.clause.clone(),
                        evidence: EVIDENCE.into(),
                        source: None,
                        recorded_by: "e2e-recompute".into(),
                    },
                    now,
                )?;
                with_events += 1;
            }
            Ok::<_, persistence::StoreError>(with_events)
        })
        .expect("bulk insert");
    assert!(with_events > 1_000, "more than two chunks");

    let checked = recompute_all(&mut conn, today, false, now).expect("check");
    assert_eq!(i64::try_from(checked.len()).expect("len"), with_events);
    assert_eq!(count(&mut conn, "credit_scores"), 0, "a check stores nothing");

    let fixed = recompute_all(&mut conn, today, true, now).expect("fix");
    assert_eq!(fixed, checked);
    let ids: HashSet<Uuid> = fixed.iter().map(|m| m.organization_id).collect();
    assert_eq!(i64::try_from(ids.len()).expect("len"), with_events, "each organisation once");
    assert!(fixed.windows(2).all(|w| w[0].organization_id < w[1].organization_id), "in id order");
    assert_eq!(count(&mut conn, "credit_scores"), with_events);
    assert_eq!(count(&mut conn, "(SELECT DISTINCT change_seq FROM credit_scores) AS s"), with_events);
    // Positions reserved a chunk at a time stay a dense block ending at the feed lock.
    let outside = format!(
        "credit_scores WHERE change_seq > (SELECT last_seq FROM credit_feed_lock) \
         OR change_seq <= (SELECT last_seq FROM credit_feed_lock) - {with_events}"
    );
    assert_eq!(count(&mut conn, &outside), 0, "feed positions dense");
    // Events appended a chunk at a time keep the outbox dense: the head is the count.
    assert_eq!(count(&mut conn, "event_head WHERE last_position = (SELECT count(*) FROM events)"), 1, "outbox dense");
    assert_eq!(count(&mut conn, "events WHERE position > (SELECT last_position FROM event_head)"), 0);
    let changed = "events WHERE event_type = 'credit_score_changed'";
    assert_eq!(count(&mut conn, changed), with_events, "one event per changed score");
    assert_eq!(count(&mut conn, &format!("(SELECT DISTINCT organization_id FROM {changed}) AS e")), with_events);
    assert_eq!(count(&mut conn, &format!("{changed} AND data LIKE '%\"cause\":\"recompute\"%'")), with_events);
    for id in &ids {
        let row = store::score_of(&mut conn, *id).expect("read").expect("stored");
        let fresh = computed(&mut conn, *id, today).expect("computed");
        assert_eq!(
            (row.score, row.events_sum, row.next_change_on),
            (fresh.value, fresh.events_sum, fresh.next_change_on)
        );
        assert_eq!(row.events_sum, rule.points);
    }

    assert!(recompute_all(&mut conn, today, false, now).expect("check again").is_empty());
    assert!(recompute_all(&mut conn, today, true, now).expect("fix again").is_empty());
    assert_eq!(count(&mut conn, changed), with_events, "nothing published twice");
}
