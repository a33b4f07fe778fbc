//! Regional indicators (豫安委〔2017〕17号 九(四)) over real HTTP, on the backend TEST_DATABASE
//! names: every figure for two cities, a province-managed county and the province-level
//! unattributed part in 2025, the province equal to the sum of its parts, the CST year boundary
//! of premiums, zero denominators, the current year cut today, and who may ask for which region.
//!
//! Data is written through the endpoints where they accept past dates; blacklist listings before
//! the national term rule and spot-check draws dated in 2025 go through `persistence`, as the
//! blacklist and spot-check suites do, because the API stamps draws with the current instant.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use domain::region::RegionCode;
use e2e::insurance::{
    batch, enterprise_in, field_errors, get, get_json, id_of, insurer, item, pairs, policy, post, status_json,
    store_premiums, write_policy,
};
use e2e::market::{create_engagement, engagement_body, enterprise, provider, Party};
use e2e::{credit_code, TestApp};
use persistence::blacklist::{self, NewListing};
use persistence::spot_checks::{self, NewDraw};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const INDICATORS: &str = "/api/v1/indicators";
const PROVINCE: &str = "410000";
const ZHENGZHOU: &str = "410100";
const KAIFENG: &str = "410200";
const GONGYI: &str = "410181";
const LEVY_RULE: &str = "prevention_fund_share_bp@2017-11-08";

/// Ratio figures: `(numerator, denominator, value_bp)` fields.
const RATIOS: [&str; 5] =
    ["high_risk_insured", "annual_reports_published", "staffing_compliant", "training_passed", "spot_checks_completed"];
/// Count figures.
const COUNTS: [&str; 6] = [
    "blacklist_listed",
    "blacklist_in_force",
    "sanctions_decided",
    "sanctions_in_force",
    "cross_region_notices_received",
    "cross_region_notices_flagged",
];

fn today() -> NaiveDate {
    domain::time::cst_date(Utc::now())
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("instant").with_timezone(&Utc)
}

fn uuid(id: &str) -> Uuid {
    Uuid::parse_str(id).expect("uuid")
}

/// `GET /indicators?query` as `token`.
async fn indicators(app: &TestApp, token: &str, query: &str) -> (StatusCode, Value) {
    get_json(app, token, &format!("{INDICATORS}{query}")).await
}

/// The report, asserting 200.
async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, body) = indicators(app, token, query).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    body
}

/// `(numerator, denominator, value_bp)` of a ratio figure.
fn ratio(figures: &Value, name: &str) -> (u64, u64, Option<u64>) {
    let figure = &figures[name];
    assert!(figure["computation"].as_str().is_some_and(|c| !c.is_empty()), "{name} explains itself");
    (
        figure["numerator"].as_u64().unwrap_or_else(|| panic!("{name}.numerator: {figure}")),
        figure["denominator"].as_u64().unwrap_or_else(|| panic!("{name}.denominator: {figure}")),
        figure["value_bp"].as_u64(),
    )
}

/// The count of a count figure.
fn count_of(figures: &Value, name: &str) -> u64 {
    assert!(figures[name]["computation"].as_str().is_some_and(|c| !c.is_empty()), "{name} explains itself");
    figures[name]["count"].as_u64().unwrap_or_else(|| panic!("{name}.count: {figures}"))
}

/// `(insurers, net_premium_fen, owed = denominator_fen, spent = numerator_fen, value_bp)`.
fn levy(figures: &Value) -> (u64, i64, i64, i64, Option<u64>) {
    let levy = &figures["prevention_levy"];
    (
        levy["insurers"].as_u64().expect("insurers"),
        levy["net_premium_fen"].as_i64().expect("net_premium_fen"),
        levy["denominator_fen"].as_i64().expect("denominator_fen"),
        levy["numerator_fen"].as_i64().expect("numerator_fen"),
        levy["value_bp"].as_u64(),
    )
}

/// The figures of the part for `code` in a province report.
fn part<'a>(report: &'a Value, code: &str) -> &'a Value {
    let parts = report["parts"].as_array().expect("parts");
    &parts.iter().find(|p| p["region"]["code"] == code).unwrap_or_else(|| panic!("no part {code}"))["figures"]
}

/// Every additive number of a figure set, by field path.
fn additive(figures: &Value) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for name in RATIOS {
        for field in ["numerator", "denominator"] {
            out.push((format!("{name}.{field}"), figures[name][field].as_i64().expect("integer")));
        }
    }
    for name in COUNTS {
        out.push((format!("{name}.count"), figures[name]["count"].as_i64().expect("integer")));
    }
    for field in ["insurers", "net_premium_fen", "denominator_fen", "numerator_fen"] {
        out.push((format!("prevention_levy.{field}"), figures["prevention_levy"][field].as_i64().expect("integer")));
    }
    out
}

/// The province's additive numbers equal the sum over its parts and the unattributed part, and
/// each of its ratios is recomputed from the sums (half up).
fn assert_province_is_the_sum(report: &Value) {
    let province = additive(&report["figures"]);
    let mut sums: Vec<(String, i64)> = province.iter().map(|(k, _)| (k.clone(), 0)).collect();
    let parts = report["parts"].as_array().expect("parts");
    for figures in parts.iter().map(|p| &p["figures"]).chain([&report["unattributed"]]) {
        for ((_, sum), (_, value)) in sums.iter_mut().zip(additive(figures)) {
            *sum += value;
        }
    }
    assert_eq!(province, sums, "the province is the sum of its parts");
    for name in RATIOS {
        let (n, d, bp) = ratio(&report["figures"], name);
        assert_eq!(bp, (d > 0).then(|| (2 * n * 10_000 + d) / (2 * d)), "{name}");
    }
}

/// A technical service agency in `region` with an agency client (qualified to 2030).
async fn agency(app: &TestApp, seed: u32, region: &str) -> Party {
    provider(app, seed, region, &["consulting", "safety_assessment"], "2030-12-31").await
}

/// A training institution in `region` with an agency client.
async fn institution(app: &TestApp, seed: u32, region: &str) -> Party {
    let org = app
        .organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南安全培训中心{seed}"),
            "kind": "training_institution",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "赵六",
        }))
        .await;
    let id = id_of(&org);
    let client = app.client("agency", Some(&id), None).await;
    Party { uuid: uuid(&id), id, client }
}

/// A valid resident identity number (GB 11643-1999), distinct per seed below 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("41010219750301{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// Registers engineer `seed` with `employer`, as admin.
async fn engineer(app: &TestApp, seed: u32, registered_on: &str, employer: &str) {
    let body = json!({
        "person": {"resident_id": resident_id(seed), "name": format!("工程师{seed}")},
        "level": "intermediate",
        "category": "chemical",
        "registration_number": format!("ZJ-{seed}"),
        "registered_on": registered_on,
        "employer_id": employer,
        "continuing_education_hours": 48,
    });
    let (status, created) = status_json(post(app, app.admin_token(), "/api/v1/engineers", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "engineer: {created}");
}

/// One exam sitting of candidate `seed`.
fn exam(seed: u32, exam_on: &str, theory: i64, practical: Option<i64>) -> Value {
    json!({
        "candidate": {"resident_id": resident_id(seed), "name": format!("考生{seed}")},
        "category": "electrical",
        "exam_on": exam_on,
        "theory_score": theory,
        "practical_score": practical,
    })
}

/// Posts a sanction as admin and returns its id.
async fn sanction(app: &TestApp, body: Value) -> String {
    let (status, created) = status_json(post(app, app.admin_token(), "/api/v1/sanctions", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "sanction: {created}");
    created["sanction"]["id"].as_str().expect("sanction id").to_owned()
}

fn criticism(org: &str, decided_on: &str) -> Value {
    json!({"organization_id": org, "kind": "public_criticism", "decided_on": decided_on, "reason": "报告失实"})
}

/// A draw dated `at` with `targets`, stored as a draw through the API would be.
fn draw_at(app: &TestApp, at: &str, targets: &[&str]) -> Uuid {
    let population: Vec<String> = targets.iter().map(|t| (*t).to_owned()).collect();
    let new = NewDraw {
        criteria: "kind=;region=;sector=;jurisdiction=410000;status=not_revoked".into(),
        population_digest: domain::spot_check::population_digest(&population),
        population,
        inspectors: vec!["豫应急执001".into()],
        sample_size: u32::try_from(targets.len()).expect("size"),
        inspectors_per_target: 1,
        beacon: "fixture".into(),
        seed_hex: "00".into(),
        drawn_by: "fixture".into(),
        region_code: RegionCode::province(),
        targets: targets.iter().map(|t| (uuid(t), vec!["豫应急执001".to_owned()])).collect(),
    };
    spot_checks::insert_draw(&mut app.db.connect(), &new, instant(at)).expect("insert draw")
}

fn record_at(app: &TestApp, draw: Uuid, position: u32, at: &str) {
    spot_checks::record_result(&mut app.db.connect(), draw, position, "未发现问题", None, instant(at))
        .expect("record result");
}

/// The 2025 world. Zhengzhou: three high-risk enterprises (one insured on 12-31), agencies A1
/// (engineer in force, report published, criticised and suspended) and A2 (engineer expired,
/// blacklisted, ordered to rectify), a training institution, insurer I1. Kaifeng: an insured
/// fireworks enterprise without engineers, agency K1 with an engineer. Gongyi (province-managed,
/// its own unit): an uninsured mine. The province level (410000): insurer I0.
struct World {
    a1: Party,
    a2: Party,
    k1: Party,
    e1: String,
}

async fn world(app: &TestApp) -> World {
    // Zhengzhou enterprises.
    let e1 = id_of(&enterprise_in(app, 1, ZHENGZHOU, "mining").await);
    let e2 = id_of(&enterprise_in(app, 2, ZHENGZHOU, "construction").await);
    let e3 = id_of(&enterprise_in(app, 3, ZHENGZHOU, "hazardous_chemicals").await);
    let e4 = enterprise(app, 4, ZHENGZHOU, "other", 30).await;
    // Kaifeng and Gongyi enterprises.
    let k_e1 = id_of(&enterprise_in(app, 11, KAIFENG, "fireworks").await);
    let k_e2 = enterprise(app, 12, KAIFENG, "other", 30).await;
    enterprise_in(app, 21, GONGYI, "mining").await;
    // Agencies and the training institution.
    let a1 = agency(app, 5, ZHENGZHOU).await;
    let a2 = agency(app, 6, ZHENGZHOU).await;
    let k1 = agency(app, 13, KAIFENG).await;
    let t1 = institution(app, 7, ZHENGZHOU).await;

    // Insurance: I1 (Zhengzhou) insures E1 over 12-31 and E2 only to 06-30, and K-E1 (Kaifeng).
    let i1 = insurer(app, 8, ZHENGZHOU).await;
    write_policy(app, i1.token(), &policy("P-E1", &e1, "2025-01-01", "2026-12-31")).await;
    write_policy(app, i1.token(), &policy("P-E2", &e2, "2024-07-01", "2025-06-30")).await;
    write_policy(app, i1.token(), &policy("P-K1", &k_e1, "2025-03-01", "2026-02-28")).await;
    store_premiums(
        app,
        i1.token(),
        "i1-premiums",
        &batch(vec![
            item("P-E1", "2024-12-31T23:59:00+08:00", 70_000, "R-0"),
            item("P-E1", "2025-03-01T10:00:00+08:00", 1_000_005, "R-1"),
            // 15:30 UTC, still 31 December in Zhengzhou: 2025.
            item("P-E1", "2025-12-31T23:30:00+08:00", 200_000, "R-2"),
            // 16:30 UTC on 31 December is 1 January in Zhengzhou: 2026.
            item("P-E1", "2026-01-01T00:30:00+08:00", 300_000, "R-3"),
        ]),
    )
    .await;
    let spend = json!({
        "category": "expert_inspection",
        "amount_fen": 50_000,
        "spent_on": "2025-05-01",
        "description": "聘请专家参与危化企业安全检查",
        "beneficiary_organization_id": null,
    });
    let path = format!("/api/v1/insurance/prevention-funds/{}/expenditures", i1.id);
    let (status, spent) = status_json(post(app, i1.token(), &path, Some("spend-1"), &spend).await).await;
    assert_eq!(status, StatusCode::CREATED, "expenditure: {spent}");
    // I0 at the province level: 1,000,000 fen in 2025 on a Kaifeng policy.
    let i0 = insurer(app, 9, PROVINCE).await;
    write_policy(app, i0.token(), &policy("P-0", &k_e2.id, "2025-01-01", "2025-12-31")).await;
    store_premiums(
        app,
        i0.token(),
        "i0-premiums",
        &batch(vec![item("P-0", "2025-08-01T09:00:00+08:00", 1_000_000, "Q-1")]),
    )
    .await;

    // Engineers (四(一)): in force on 2025-12-31 for A1, E1 and K1; A2's expired 2025-03-14.
    engineer(app, 1, "2022-03-15", &a1.id).await;
    engineer(app, 2, "2020-03-15", &a2.id).await;
    engineer(app, 3, "2023-01-01", &e1).await;
    engineer(app, 4, "2024-05-01", &k1.id).await;

    // Exams at T1: 2 of 3 passed in 2025; a 2024 pass does not count.
    let exams = json!({"items": [
        exam(101, "2025-04-10", 85, Some(90)),
        exam(102, "2025-04-10", 70, None),
        exam(103, "2025-11-20", 80, Some(80)),
        exam(104, "2024-11-20", 90, Some(90)),
    ]});
    let (status, receipt) =
        status_json(post(app, t1.token(), "/api/v1/training/exam-results", Some("exams-1"), &exams).await).await;
    assert_eq!(status, StatusCode::CREATED, "exams: {receipt}");

    // Cross-region notices: K1 serves a Zhengzhou enterprise with an on-site day the next
    // working day (flagged); A1 serves a Kaifeng enterprise in time; A1's 2024 one is not 2025's.
    let mut late = engagement_body(&e4.id, &k1.id, 100_000, "2025-06-03", "2025-12-31");
    late["planned_on_site_dates"] = json!(["2025-06-04"]);
    let created = create_engagement(app, k1.token(), &late).await;
    assert_eq!(created["cross_region_notice"]["flagged"], true, "{created}");
    let mut in_time = engagement_body(&k_e2.id, &a1.id, 100_000, "2025-09-01", "2025-12-31");
    in_time["planned_on_site_dates"] = json!(["2025-10-20"]);
    let created = create_engagement(app, a1.token(), &in_time).await;
    assert_eq!(created["cross_region_notice"]["flagged"], false, "{created}");
    create_engagement(app, a1.token(), &engagement_body(&k_e2.id, &a1.id, 10_000, "2024-12-20", "2025-03-31")).await;

    // A1 publishes its 2025 annual report; A2 and K1 do not.
    let publication = format!("/api/v1/organizations/{}/annual-reports/2025/publication", a1.id);
    let (status, published) = status_json(post(app, a1.token(), &publication, None, &json!({})).await).await;
    assert_eq!(status, StatusCode::CREATED, "publication: {published}");

    // Blacklist: A2 listed on 2025-04-01 by a false report; A1's 2022 listing ended 2025-11-01.
    let event = json!({
        "organization_id": a2.id,
        "event_type": "false_report",
        "occurred_on": "2025-04-01",
        "evidence": "郑应急执〔2025〕18号 现场检查记录",
    });
    let (status, recorded) =
        status_json(post(app, app.admin_token(), "/api/v1/credit/events", None, &event).await).await;
    assert_eq!(status, StatusCode::CREATED, "credit event: {recorded}");
    blacklist::insert_listing(
        &mut app.db.connect(),
        &NewListing {
            organization_id: a1.uuid,
            trigger_type: "false_report".into(),
            credit_event_id: None,
            decided_by: "fixture".into(),
            decided_region: RegionCode::parse(ZHENGZHOU).expect("region"),
            listed_on: date("2022-11-01"),
            ends_on: date("2025-11-01"),
            term_rule_version: "blacklist_term_months@2023-10-01".into(),
        },
        Utc::now(),
    )
    .expect("old listing");

    // Sanctions (八(一)). Zhengzhou: an open order on A2 and a criticism of A1 (in force on
    // 12-31), a suspension of A1 over May–June and an order complied with (not in force), a
    // 2024 criticism of A2 (neither). Kaifeng: a criticism of K1 decided 2025-01-01, listed
    // through 2025-12-31 exactly.
    sanction(
        app,
        json!({"organization_id": a2.id, "kind": "rectification_order", "decided_on": "2025-03-01",
               "deadline": "2025-04-01", "reason": "评价报告未按规定进行现场勘验"}),
    )
    .await;
    sanction(app, criticism(&a1.id, "2025-02-01")).await;
    sanction(
        app,
        json!({"organization_id": a1.id, "kind": "service_suspension", "decided_on": "2025-05-01",
               "from": "2025-05-01", "to": "2025-06-30", "reason": "应到而不到现场"}),
    )
    .await;
    let complied = sanction(
        app,
        json!({"organization_id": a1.id, "kind": "rectification_order", "decided_on": "2025-01-10",
               "deadline": "2025-02-10", "reason": "档案不全"}),
    )
    .await;
    let path = format!("/api/v1/sanctions/{complied}/compliance");
    let (status, body) =
        status_json(post(app, app.admin_token(), &path, None, &json!({"complied_on": "2025-02-05"})).await).await;
    assert!(status.is_success(), "compliance: {body}");
    sanction(app, criticism(&a2.id, "2024-06-01")).await;
    sanction(app, criticism(&k1.id, "2025-01-01")).await;

    // Spot checks: a 2025 draw of A1, A2 and E1 with A1's findings in 2025 and E1's in January
    // 2026; a draw at 23:30 CST on 2024-12-31 is 2024's.
    let draw = draw_at(app, "2025-06-01T09:00:00+08:00", &[&a1.id, &a2.id, &e1]);
    record_at(app, draw, 0, "2025-06-10T10:00:00+08:00");
    record_at(app, draw, 2, "2026-01-05T10:00:00+08:00");
    let old = draw_at(app, "2024-12-31T23:30:00+08:00", &[&a1.id]);
    record_at(app, old, 0, "2025-01-02T10:00:00+08:00");

    let _ = e3;
    World { a1, a2, k1, e1 }
}

#[tokio::test]
async fn each_unit_has_its_figures_for_2025_and_the_province_is_their_sum() {
    let app = TestApp::spawn().await;
    let world = world(&app).await;
    let zhengzhou_regulator = app.regulator(ZHENGZHOU).await;

    // Zhengzhou, as its own regulator.
    let zz = report(&app, &zhengzhou_regulator.token, "?region=410100&year=2025").await;
    assert_eq!(zz["region"], json!({"code": ZHENGZHOU, "name": "郑州市"}));
    assert_eq!(
        (zz["year"].clone(), zz["as_of"].clone(), zz["complete"].clone()),
        (json!(2025), json!("2025-12-31"), json!(true))
    );
    assert_eq!(zz["clause"], "豫安委〔2017〕17号 九(四)");
    assert_eq!((zz["parts"].clone(), zz["unattributed"].clone()), (json!([]), Value::Null));
    let f = &zz["figures"];
    // E1 of E1, E2, E3.
    assert_eq!(ratio(f, "high_risk_insured"), (1, 3, Some(3_333)));
    assert!(f["high_risk_insured"]["computation"].as_str().expect("text").contains("in force on 2025-12-31"));
    // 1,000,005 + 200,000 (23:30 CST on 31 December) = 1,200,005; 10% = 120,000.5 → 120,001.
    // 50,000 of 120,001 = 4,166.6 → 4,167 bp.
    assert_eq!(levy(f), (1, 1_200_005, 120_001, 50_000, Some(4_167)));
    assert_eq!(f["prevention_levy"]["rate_bp"], 1000);
    assert_eq!(f["prevention_levy"]["rule_version"], LEVY_RULE);
    // A1 of A1, A2.
    assert_eq!(ratio(f, "annual_reports_published"), (1, 2, Some(5_000)));
    // A1 and E1 of A1, A2, E1, E3 (E2, construction, is not named by 四(一)).
    assert_eq!(ratio(f, "staffing_compliant"), (2, 4, Some(5_000)));
    assert_eq!(ratio(f, "training_passed"), (2, 3, Some(6_667)));
    assert_eq!((count_of(f, "blacklist_listed"), count_of(f, "blacklist_in_force")), (1, 1));
    // Decided in 2025: A2's order, A1's criticism, suspension and complied order. In force on
    // 12-31: A2's order and A1's criticism.
    assert_eq!((count_of(f, "sanctions_decided"), count_of(f, "sanctions_in_force")), (4, 2));
    assert_eq!(ratio(f, "spot_checks_completed"), (1, 3, Some(3_333)));
    assert_eq!((count_of(f, "cross_region_notices_received"), count_of(f, "cross_region_notices_flagged")), (1, 1));

    // Kaifeng, as admin.
    let kf = report(&app, app.admin_token(), "?region=410200&year=2025").await;
    let f = &kf["figures"];
    assert_eq!(ratio(f, "high_risk_insured"), (1, 1, Some(10_000)));
    assert_eq!(levy(f), (0, 0, 0, 0, None), "no insurer in Kaifeng: nothing owed, no share");
    assert_eq!(ratio(f, "annual_reports_published"), (0, 1, Some(0)), "a share of 0 is not a missing share");
    assert_eq!(ratio(f, "staffing_compliant"), (1, 2, Some(5_000)));
    assert_eq!(ratio(f, "training_passed"), (0, 0, None), "no training institution: no pass rate");
    assert_eq!((count_of(f, "blacklist_listed"), count_of(f, "blacklist_in_force")), (0, 0));
    assert_eq!((count_of(f, "sanctions_decided"), count_of(f, "sanctions_in_force")), (1, 1));
    assert_eq!(ratio(f, "spot_checks_completed"), (0, 0, None));
    assert_eq!((count_of(f, "cross_region_notices_received"), count_of(f, "cross_region_notices_flagged")), (1, 0));

    // The province, as its regulator: every unit in code order, Gongyi on its own.
    let province_regulator = app.regulator(PROVINCE).await;
    let pv = report(&app, &province_regulator.token, "?year=2025").await;
    assert_eq!(pv["region"], json!({"code": PROVINCE, "name": "河南省"}));
    let codes: Vec<&str> =
        pv["parts"].as_array().expect("parts").iter().filter_map(|p| p["region"]["code"].as_str()).collect();
    assert_eq!(codes.len(), 28, "17 cities, 济源 and 10 province-managed counties: {codes:?}");
    assert!(codes.windows(2).all(|w| w[0] < w[1]), "code order");
    assert!(!codes.contains(&PROVINCE));
    assert_eq!(part(&pv, ZHENGZHOU), &zz["figures"]);
    assert_eq!(part(&pv, KAIFENG), &kf["figures"]);
    assert_eq!(ratio(part(&pv, GONGYI), "high_risk_insured"), (0, 1, Some(0)));
    assert_eq!(ratio(part(&pv, GONGYI), "staffing_compliant"), (0, 1, Some(0)));
    assert_eq!(ratio(part(&pv, "410300"), "high_risk_insured"), (0, 0, None), "Luoyang has nothing");
    // I0, registered at the province level, belongs to no unit.
    let unattributed = &pv["unattributed"];
    assert_eq!(levy(unattributed), (1, 1_000_000, 100_000, 0, Some(0)));
    assert_eq!(ratio(unattributed, "high_risk_insured"), (0, 0, None));
    assert!(pv["summation"].as_str().is_some_and(|s| s.contains("sums of the parts")));
    let f = &pv["figures"];
    assert_eq!(ratio(f, "high_risk_insured"), (2, 5, Some(4_000)));
    // Rounded per insurer, then summed: 120,001 + 100,000. 50,000 / 220,001 = 2,272.7 → 2,273.
    assert_eq!(levy(f), (2, 2_200_005, 220_001, 50_000, Some(2_273)));
    assert_eq!(ratio(f, "annual_reports_published"), (1, 3, Some(3_333)));
    assert_eq!(ratio(f, "staffing_compliant"), (3, 7, Some(4_286)));
    assert_eq!(ratio(f, "training_passed"), (2, 3, Some(6_667)));
    assert_eq!((count_of(f, "sanctions_decided"), count_of(f, "sanctions_in_force")), (5, 3));
    assert_eq!((count_of(f, "cross_region_notices_received"), count_of(f, "cross_region_notices_flagged")), (2, 1));
    assert_province_is_the_sum(&pv);
    // The admin sees the same province.
    assert_eq!(report(&app, app.admin_token(), "?region=410000&year=2025").await, pv);

    // The SQL for sanctions in force agrees with the domain rule over the stored sanctions.
    let mut conn = app.db.connect();
    let mut in_force = 0;
    for org in [world.a1.uuid, world.a2.uuid, world.k1.uuid, uuid(&world.e1)] {
        for s in persistence::sanctions::of_organization(&mut conn, org).expect("sanctions") {
            in_force += u64::from(domain::sanctions::in_force(&s.decision(), date("2025-12-31")));
        }
    }
    assert_eq!(in_force, count_of(f, "sanctions_in_force"));
    // And blacklist in force agrees with the public list on the same date.
    let listed = blacklist::listings_of(&mut conn, world.a2.uuid).expect("listings");
    assert!(listed.iter().all(|l| domain::blacklist::listed_on_date(&l.term(), date("2025-12-31"))));

    // 2024 is another cut: I1's 70,000 fen at 23:59 CST on 2024-12-31, E2's policy in force.
    let y2024 = report(&app, &zhengzhou_regulator.token, "?region=410100&year=2024").await;
    let f = &y2024["figures"];
    assert_eq!(levy(f), (1, 70_000, 7_000, 0, Some(0)));
    assert_eq!(ratio(f, "high_risk_insured"), (1, 3, Some(3_333)));
    assert_eq!(ratio(f, "spot_checks_completed"), (0, 1, Some(0)), "recorded only in 2025");
    assert_eq!((count_of(f, "sanctions_decided"), count_of(f, "sanctions_in_force")), (1, 1));
    assert_eq!(ratio(f, "annual_reports_published"), (0, 2, Some(0)));
}

#[tokio::test]
async fn an_empty_year_has_zero_counts_and_no_ratios() {
    let app = TestApp::spawn().await;
    let pv = report(&app, app.admin_token(), "?year=2025").await;
    for figures in [&pv["figures"], &pv["unattributed"], part(&pv, ZHENGZHOU)] {
        for name in RATIOS {
            assert_eq!(ratio(figures, name), (0, 0, None), "{name}");
            assert_eq!(figures[name]["value_bp"], Value::Null, "null, not absent or 0");
        }
        for name in COUNTS {
            assert_eq!(count_of(figures, name), 0, "{name}");
        }
        assert_eq!(levy(figures), (0, 0, 0, 0, None));
    }
    assert_province_is_the_sum(&pv);
}

#[tokio::test]
async fn the_current_year_is_cut_today() {
    let app = TestApp::spawn().await;
    let this_year = today().year();
    let a1 = agency(&app, 1, ZHENGZHOU).await;
    let insurer = insurer(&app, 2, ZHENGZHOU).await;
    let e1 = id_of(&enterprise_in(&app, 3, ZHENGZHOU, "mining").await);
    // A policy starting tomorrow does not insure today.
    let tomorrow = today().succ_opt().expect("tomorrow");
    write_policy(&app, insurer.token(), &policy("P-1", &e1, &tomorrow.to_string(), "2099-12-31")).await;
    let regulator = app.regulator(ZHENGZHOU).await;

    // A draw made now through the API, with one result recorded now.
    let draw = json!({"kind": "technical_service_agency", "sample_size": 1, "inspectors": ["郑应急执001"],
                      "inspectors_per_target": 1, "beacon": "2026 福彩3D"});
    let (status, drawn) =
        status_json(post(&app, &regulator.token, "/api/v1/supervision/spot-check-draws", None, &draw).await).await;
    assert_eq!(status, StatusCode::CREATED, "{drawn}");
    assert_eq!(drawn["targets"][0]["organization_id"], a1.id.as_str(), "{drawn}");

    // Defaults: the caller's jurisdiction and the current year, cut today.
    let now = report(&app, &regulator.token, "").await;
    assert_eq!(now["region"]["code"], ZHENGZHOU);
    assert_eq!(now["year"], this_year);
    assert_eq!(now["as_of"], today().to_string());
    assert_eq!(now["complete"], false, "the current year is never over");
    let f = &now["figures"];
    assert_eq!(ratio(f, "high_risk_insured"), (0, 1, Some(0)));
    assert_eq!(ratio(f, "spot_checks_completed"), (0, 1, Some(0)));
    assert_eq!(ratio(f, "annual_reports_published"), (0, 1, Some(0)), "this year's report cannot be published yet");

    let draw_id = drawn["id"].as_str().expect("draw id");
    let path = format!("/api/v1/supervision/spot-check-draws/{draw_id}/targets/0/result");
    let (status, recorded) =
        status_json(post(&app, &regulator.token, &path, None, &json!({"findings": "未发现问题"})).await).await;
    assert!(status.is_success(), "{recorded}");
    let now = report(&app, &regulator.token, &format!("?year={this_year}")).await;
    assert_eq!(ratio(&now["figures"], "spot_checks_completed"), (1, 1, Some(10_000)));
    // The admin's default is the province.
    let pv = report(&app, app.admin_token(), "").await;
    assert_eq!(pv["region"]["code"], PROVINCE);
    assert_eq!(ratio(&pv["figures"], "spot_checks_completed"), (1, 1, Some(10_000)));
    assert_province_is_the_sum(&pv);
}

#[tokio::test]
async fn regulators_see_their_own_unit_and_others_are_refused() {
    let app = TestApp::spawn().await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let gongyi = app.regulator(GONGYI).await;
    let province = app.regulator(PROVINCE).await;
    let insurer = insurer(&app, 1, ZHENGZHOU).await;
    let agency = agency(&app, 2, ZHENGZHOU).await;
    let enterprise = enterprise(&app, 3, ZHENGZHOU, "mining", 10).await;
    let portal = app.client("portal", None, None).await;

    for (token, query) in [
        (&zhengzhou.token, "?region=410100"),
        (&gongyi.token, "?region=410181"),
        (&province.token, "?region=410200"),
        (&province.token, "?region=410181"),
        (&province.token, "?region=419001"),
    ] {
        report(&app, token, query).await;
    }
    for (token, query) in [
        (&zhengzhou.token, "?region=410200"),
        (&zhengzhou.token, "?region=410000"),
        (&zhengzhou.token, "?region=410181"),
        (&gongyi.token, "?region=410100"),
    ] {
        let (status, problem) = indicators(&app, token, query).await;
        assert_eq!(
            (status, problem["code"].clone()),
            (StatusCode::FORBIDDEN, json!("outside_jurisdiction")),
            "{query}"
        );
    }
    for token in [insurer.token(), agency.token(), enterprise.token(), &portal.token] {
        let (status, problem) = indicators(&app, token, "?region=410100").await;
        assert_eq!((status, problem["code"].clone()), (StatusCode::FORBIDDEN, json!("forbidden")));
    }
    let response = app.http.get(app.url(&format!("{INDICATORS}?region=410100"))).send().await.expect("GET");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Bad parameters: every one named at once.
    let this_year = today().year();
    let (status, problem) = indicators(&app, app.admin_token(), &format!("?region=4101&year={}", this_year + 1)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("region", "invalid_region_code"), ("year", "invalid_year")]));
    let (_, problem) = indicators(&app, app.admin_token(), "?region=420100&year=2016").await;
    assert_eq!(field_errors(&problem), pairs(&[("region", "invalid_region_code"), ("year", "invalid_year")]));
    let (status, problem) = indicators(&app, app.admin_token(), "?region=410102").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("region", "unknown_region")]));
    let response = get(&app, app.admin_token(), &format!("{INDICATORS}?year=abc")).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // A district inside a city is not a unit of its own: ask for the city.
    app.db.execute(
        "INSERT INTO regions (code, name, level, supervisor_code) VALUES ('410102', '中原区', 'county', '410100')",
    );
    let (status, problem) = indicators(&app, &zhengzhou.token, "?region=410102").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("region", "not_supervising_unit")]));
    assert!(problem["errors"][0]["message"].as_str().is_some_and(|m| m.contains("410100")), "{problem}");
    // Its organisations count for Zhengzhou, and the province still equals its parts.
    let e = id_of(&enterprise_in(&app, 4, "410102", "mining").await);
    let zz = report(&app, &zhengzhou.token, "?region=410100").await;
    assert_eq!(ratio(&zz["figures"], "high_risk_insured"), (0, 2, Some(0)), "{e}");
    let pv = report(&app, &province.token, "").await;
    assert_eq!(pv["parts"].as_array().expect("parts").len(), 28, "the district is no part");
    assert_eq!(ratio(&pv["figures"], "high_risk_insured"), (0, 2, Some(0)));
    assert_province_is_the_sum(&pv);
}
