//! Random spot checks (豫安委〔2017〕17号 八(二) 随机抽查, "double random") over real HTTP, on the
//! backend TEST_DATABASE names: the population a regulator draws from, the public verification
//! that re-derives every draw (and notices tampering), determinism in the inputs, bad inputs,
//! who may draw and see, and results recorded once against the draw.

use std::collections::{BTreeSet, HashSet};

use chrono::{NaiveDate, Utc};
use domain::sanctions::SanctionKind;
use domain::spot_check::{self, DrawInputs};
use e2e::insurance::{count, field_errors, get_json, id_of, pairs, post, status_json};
use e2e::{credit_code, TestApp};
use persistence::sanctions::{self, NewSanction};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const DRAWS: &str = "/api/v1/supervision/spot-check-draws";
const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
const AGENCY: &str = "technical_service_agency";
const BEACON: &str = "2026-03-02 中国福利彩票3D第2026055期 开奖号码 7 3 1";
const OTHER_BEACON: &str = "2026-03-03 中国福利彩票3D第2026056期 开奖号码 0 9 4";
const ZHENGZHOU_CRITERIA: &str = "kind=technical_service_agency;region=;sector=;jurisdiction=410100;status=not_revoked";

fn inspectors() -> Vec<String> {
    (1..=5).map(|i| format!("郑应急执{i:03}")).collect()
}

/// A draw body over the agencies of the caller's jurisdiction.
fn draw_body(sample_size: i64, beacon: &str) -> Value {
    json!({
        "kind": AGENCY,
        "sample_size": sample_size,
        "inspectors": inspectors(),
        "inspectors_per_target": 2,
        "beacon": beacon,
    })
}

/// The registry a draw picks from: 12 active agencies in Zhengzhou, one revoked there, one
/// Zhengzhou enterprise, and 3 agencies in Luoyang.
struct World {
    zhengzhou: Vec<String>,
    luoyang: Vec<String>,
    revoked: String,
    enterprise: String,
}

async fn agency(app: &TestApp, seed: u32, region: &str) -> String {
    id_of(
        &app.organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南安评技术服务有限公司{seed}"),
            "kind": AGENCY,
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "王建国",
            "service_types": ["safety_assessment"],
        }))
        .await,
    )
}

impl World {
    async fn new(app: &TestApp) -> World {
        let mut zhengzhou = Vec::new();
        for seed in 1..=12 {
            zhengzhou.push(agency(app, seed, ZHENGZHOU).await);
        }
        let mut luoyang = Vec::new();
        for seed in 13..=15 {
            luoyang.push(agency(app, seed, LUOYANG).await);
        }
        let revoked = agency(app, 16, ZHENGZHOU).await;
        app.db.execute(&format!("UPDATE organizations SET status = 'revoked' WHERE id = '{revoked}'"));
        let enterprise = id_of(&app.enterprise(17, ZHENGZHOU).await);
        World { zhengzhou, luoyang, revoked, enterprise }
    }
}

async fn draw(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    status_json(post(app, token, DRAWS, None, body).await).await
}

/// Draws and panics unless 201; returns the draw.
async fn drawn(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = draw(app, token, body).await;
    assert_eq!(status, StatusCode::CREATED, "draw failed: {created}");
    created
}

/// `(organisation id, inspectors)` of a draw's targets, in draw order.
fn selection(draw: &Value) -> Vec<(String, Vec<String>)> {
    draw["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            let inspectors = t["inspectors"].as_array().expect("inspectors");
            (
                t["organization_id"].as_str().expect("organization_id").to_owned(),
                inspectors.iter().map(|i| i.as_str().expect("inspector").to_owned()).collect(),
            )
        })
        .collect()
}

/// The anonymous verification of a draw.
async fn verification(app: &TestApp, id: &str) -> (StatusCode, Value) {
    let response = app.http.get(app.url(&format!("{DRAWS}/{id}/verification"))).send().await.expect("GET");
    status_json(response).await
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_draw_picks_from_the_jurisdiction_and_anyone_can_reproduce_it() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let regulator = app.regulator(ZHENGZHOU).await;

    let response = post(&app, &regulator.token, DRAWS, None, &draw_body(4, BEACON)).await;
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    let (status, created) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(location.as_deref(), Some(format!("{DRAWS}/{id}").as_str()));
    assert_eq!(created["criteria"], ZHENGZHOU_CRITERIA);
    assert_eq!(created["region_code"], ZHENGZHOU);
    assert_eq!(created["beacon"], BEACON);
    assert_eq!(created["sample_size"], 4);
    assert_eq!(created["inspectors_per_target"], 2);
    assert_eq!(created["inspectors"], json!(inspectors()));
    assert_eq!(created["algorithm"], "hsp-spot-check-v1");
    assert_eq!(created["drawn_by"], regulator.id.as_str());
    assert_eq!(created["verification"], format!("{DRAWS}/{id}/verification"));
    // Only the 12 active Zhengzhou agencies: not the revoked one, the enterprise or Luoyang's.
    assert_eq!(created["population_size"], 12);
    assert_eq!(created["population_digest"], spot_check::population_digest(&world.zhengzhou));

    let picked = selection(&created);
    assert_eq!(picked.len(), 4);
    let zhengzhou: HashSet<&String> = world.zhengzhou.iter().collect();
    let distinct: HashSet<&String> = picked.iter().map(|(id, _)| id).collect();
    assert_eq!(distinct.len(), 4, "a target was drawn twice");
    assert!(picked.iter().all(|(id, _)| zhengzhou.contains(id)));
    assert!(!distinct.contains(&world.revoked) && !distinct.contains(&world.enterprise));
    assert!(world.luoyang.iter().all(|id| !distinct.contains(id)));
    for (_, names) in &picked {
        assert_eq!(names.len(), 2);
        assert_ne!(names[0], names[1], "an inspector was drawn twice for one target");
        assert!(names.iter().all(|n| inspectors().contains(n)));
    }
    for (position, target) in created["targets"].as_array().expect("targets").iter().enumerate() {
        assert_eq!(target["position"], position);
        let seed = 1 + world.zhengzhou.iter().position(|id| target["organization_id"] == id.as_str()).expect("ours");
        assert_eq!(target["credit_code"], credit_code(seed as u32));
        assert_eq!(target["name"], format!("河南安评技术服务有限公司{seed}"));
        assert_eq!(target["findings"], Value::Null);
        assert_eq!(target["sanction"], Value::Null);
    }

    // The documented algorithm, run here on the same inputs, gives the same draw.
    let expected = spot_check::draw(&DrawInputs {
        population: world.zhengzhou.clone(),
        inspectors: inspectors(),
        sample_size: 4,
        inspectors_per_target: 2,
        criteria: ZHENGZHOU_CRITERIA.to_owned(),
        beacon: BEACON.to_owned(),
    })
    .expect("draw");
    assert_eq!(created["seed"], expected.seed_hex.as_str());
    let expected: Vec<(String, Vec<String>)> =
        expected.targets.iter().map(|t| (t.target.clone(), t.inspectors.clone())).collect();
    assert_eq!(picked, expected);

    assert_eq!(rows(&app, &format!("spot_check_draws WHERE id = '{id}' AND region_code = '410100'")), 1);
    assert_eq!(rows(&app, &format!("spot_check_targets WHERE draw_id = '{id}' AND recorded_at IS NULL")), 4);
    assert_eq!(
        rows(
            &app,
            &format!(
                "audit_log WHERE action = 'spot_check.draw' AND resource_id = '{id}' AND actor = '{}'",
                regulator.id
            )
        ),
        1
    );

    // The GET shows the same draw.
    let (status, fetched) = get_json(&app, &regulator.token, &format!("{DRAWS}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    // Anyone, without a token, re-derives it.
    let response = app.http.get(app.url(&format!("{DRAWS}/{id}/verification"))).send().await.expect("GET");
    let etag = response.headers().get("etag").and_then(|e| e.to_str().ok()).expect("etag").to_owned();
    assert!(response.headers().get("cache-control").is_some_and(|c| c.to_str().unwrap_or("").contains("public")));
    let (status, checked) = status_json(response).await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert_eq!(checked["draw_id"], id.as_str());
    assert_eq!(checked["verified"], true);
    assert_eq!(checked["digest_matches"], true);
    assert_eq!(checked["algorithm"], "hsp-spot-check-v1");
    assert_eq!(checked["clause"], "豫安委〔2017〕17号 八(二)");
    assert_eq!(checked["inputs"]["criteria"], ZHENGZHOU_CRITERIA);
    assert_eq!(checked["inputs"]["population"], json!(sorted(&world.zhengzhou)));
    assert_eq!(checked["inputs"]["population_digest"], created["population_digest"]);
    assert_eq!(checked["inputs"]["inspectors"], json!(inspectors()));
    assert_eq!(checked["inputs"]["sample_size"], 4);
    assert_eq!(checked["inputs"]["inspectors_per_target"], 2);
    assert_eq!(checked["inputs"]["beacon"], BEACON);
    assert_eq!(checked["recorded"]["seed"], created["seed"]);
    assert_eq!(checked["rederived"], checked["recorded"]);
    let recorded: Vec<(String, Vec<String>)> = checked["recorded"]["targets"]
        .as_array()
        .expect("targets")
        .iter()
        .map(|t| {
            let names = t["inspectors"].as_array().expect("inspectors").iter().map(|n| n.as_str().expect("name"));
            (t["organization_id"].as_str().expect("id").to_owned(), names.map(str::to_owned).collect())
        })
        .collect();
    assert_eq!(recorded, picked);
    let not_modified = app
        .http
        .get(app.url(&format!("{DRAWS}/{id}/verification")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(not_modified.status(), StatusCode::NOT_MODIFIED);

    // Someone rewrites the stored beacon: the recorded selection no longer follows from the inputs.
    app.db.execute(&format!("UPDATE spot_check_draws SET beacon = '2026-03-09 another value' WHERE id = '{id}'"));
    let (status, tampered) = verification(&app, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tampered["verified"], false);
    assert_eq!(tampered["digest_matches"], true);
    assert_eq!(tampered["inputs"]["beacon"], "2026-03-09 another value");
    assert_eq!(tampered["recorded"], checked["recorded"]);
    assert_ne!(tampered["rederived"]["seed"], tampered["recorded"]["seed"]);
    assert_ne!(tampered["rederived"]["targets"], tampered["recorded"]["targets"]);
    let refreshed = app
        .http
        .get(app.url(&format!("{DRAWS}/{id}/verification")))
        .header("If-None-Match", &etag)
        .send()
        .await
        .expect("GET");
    assert_eq!(refreshed.status(), StatusCode::OK, "a changed verification must not answer 304");

    // Someone drops a member from the snapshot: the digest gives it away too.
    app.db
        .execute(&format!("UPDATE spot_check_draws SET population = '[\"{}\"]' WHERE id = '{id}'", world.zhengzhou[0]));
    let (_, shrunk) = verification(&app, &id).await;
    assert_eq!(shrunk["digest_matches"], false);
    assert_eq!(shrunk["verified"], false);

    let (status, problem) = verification(&app, &Uuid::now_v7().to_string()).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
}

#[tokio::test]
async fn the_same_inputs_draw_the_same_selection_and_another_beacon_another() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let regulator = app.regulator(ZHENGZHOU).await;

    let first = drawn(&app, &regulator.token, &draw_body(4, BEACON)).await;
    let second = drawn(&app, &regulator.token, &draw_body(4, BEACON)).await;
    assert_ne!(first["id"], second["id"], "each draw is its own record");
    assert_eq!(first["seed"], second["seed"]);
    assert_eq!(selection(&first), selection(&second));
    assert_eq!(first["population_digest"], second["population_digest"]);

    let other = drawn(&app, &regulator.token, &draw_body(4, OTHER_BEACON)).await;
    assert_eq!(other["population_digest"], first["population_digest"]);
    assert_ne!(other["seed"], first["seed"]);
    assert_ne!(selection(&other), selection(&first));

    // An admin drawing over the same population names another jurisdiction in its criteria,
    // which is part of the seed.
    let admin = drawn(
        &app,
        app.admin_token(),
        &json!({
            "kind": AGENCY, "region": ZHENGZHOU, "sample_size": 4,
            "inspectors": inspectors(), "inspectors_per_target": 2, "beacon": BEACON,
        }),
    )
    .await;
    assert_eq!(
        admin["criteria"],
        "kind=technical_service_agency;region=410100;sector=;jurisdiction=410000;status=not_revoked"
    );
    assert_eq!(admin["region_code"], ZHENGZHOU);
    assert_eq!(admin["population_digest"], first["population_digest"]);
    assert_ne!(admin["seed"], first["seed"]);

    // The order and repetition of inspectors do not matter: the pool is recorded sorted.
    let mut shuffled = inspectors();
    shuffled.reverse();
    shuffled.push(format!("  {}  ", shuffled[0]));
    let mut body = draw_body(4, BEACON);
    body["inspectors"] = json!(shuffled);
    let reordered = drawn(&app, &regulator.token, &body).await;
    assert_eq!(reordered["inspectors"], json!(inspectors()));
    assert_eq!(reordered["seed"], first["seed"]);
    assert_eq!(selection(&reordered), selection(&first));

    for draw in [&first, &second, &other, &admin] {
        let (status, checked) = verification(&app, draw["id"].as_str().expect("id")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(checked["verified"], true, "{checked}");
    }
    assert_eq!(rows(&app, "spot_check_draws"), 5);
    assert_eq!(world.zhengzhou.len(), 12);

    // The same Idempotency-Key replays the first answer without a second draw.
    let key = "spot-check-2026-03-02";
    let (status, once) = status_json(post(&app, &regulator.token, DRAWS, Some(key), &draw_body(3, BEACON)).await).await;
    assert_eq!(status, StatusCode::CREATED);
    let replay = post(&app, &regulator.token, DRAWS, Some(key), &draw_body(3, BEACON)).await;
    assert_eq!(replay.headers().get("idempotent-replayed").and_then(|v| v.to_str().ok()), Some("true"));
    let (status, again) = status_json(replay).await;
    assert_eq!((status, &again), (StatusCode::CREATED, &once));
    let (status, problem) =
        status_json(post(&app, &regulator.token, DRAWS, Some(key), &draw_body(5, BEACON)).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("idempotency_conflict")));
    assert_eq!(rows(&app, "spot_check_draws"), 6);
}

#[tokio::test]
async fn a_sample_larger_than_the_population_draws_everyone_and_an_empty_one_nobody() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let regulator = app.regulator(ZHENGZHOU).await;

    let everyone = drawn(&app, &regulator.token, &draw_body(50, BEACON)).await;
    assert_eq!(everyone["population_size"], 12);
    let picked: BTreeSet<String> = selection(&everyone).into_iter().map(|(id, _)| id).collect();
    assert_eq!(picked, world.zhengzhou.iter().cloned().collect::<BTreeSet<_>>());
    let id = everyone["id"].as_str().expect("id");
    assert_eq!(rows(&app, &format!("spot_check_targets WHERE draw_id = '{id}'")), 12);

    // The province regulator draws Luoyang's agencies through the region filter.
    let province = app.regulator("410000").await;
    let mut body = draw_body(10, BEACON);
    body["region"] = json!(LUOYANG);
    let luoyang = drawn(&app, &province.token, &body).await;
    assert_eq!(luoyang["region_code"], LUOYANG);
    let picked: BTreeSet<String> = selection(&luoyang).into_iter().map(|(id, _)| id).collect();
    assert_eq!(picked, world.luoyang.iter().cloned().collect::<BTreeSet<_>>());

    // Nothing matches: the attempt is recorded, with no target, and still verifies.
    let mut body = draw_body(3, BEACON);
    body["kind"] = json!("insurer");
    let empty = drawn(&app, &regulator.token, &body).await;
    assert_eq!(empty["population_size"], 0);
    assert_eq!(empty["targets"], json!([]));
    assert_eq!(empty["population_digest"], spot_check::population_digest(&[]));
    let id = empty["id"].as_str().expect("id");
    assert_eq!(rows(&app, &format!("spot_check_targets WHERE draw_id = '{id}'")), 0);
    let (status, checked) = verification(&app, id).await;
    assert_eq!((status, &checked["verified"]), (StatusCode::OK, &json!(true)));

    // The sector filter only keeps enterprises of that sector.
    let mut body = draw_body(3, BEACON);
    body["kind"] = Value::Null;
    body["sector"] = json!("mining");
    let mining = drawn(&app, &regulator.token, &body).await;
    assert_eq!(mining["criteria"], "kind=;region=;sector=mining;jurisdiction=410100;status=not_revoked");
    assert_eq!(selection(&mining).into_iter().map(|(id, _)| id).collect::<Vec<_>>(), vec![world.enterprise.clone()]);
}

#[tokio::test]
async fn bad_inputs_name_every_field() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;

    let (status, problem) = draw(
        &app,
        &regulator.token,
        &json!({
            "kind": "bank",
            "region": "41010",
            "sector": "farming",
            "sample_size": 0,
            "inspectors": ["郑应急执001", "  ", "x".repeat(51), "郑应急执001"],
            "inspectors_per_target": 2,
            "beacon": "   ",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(
        field_errors(&problem),
        pairs(&[
            ("kind", "invalid_kind"),
            ("sector", "invalid_sector"),
            ("region", "invalid_region_code"),
            ("inspectors[1]", "required"),
            ("inspectors[2]", "invalid_length"),
            ("beacon", "required"),
            ("sample_size", "invalid_sample_size"),
            // One distinct valid inspector cannot give two per target.
            ("inspectors_per_target", "not_enough_inspectors"),
        ])
    );

    let (status, problem) = draw(
        &app,
        &regulator.token,
        &json!({
            "region": "410199",
            "sample_size": 10_001,
            "inspectors": [],
            "inspectors_per_target": 1,
            "beacon": "x".repeat(201),
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(
        field_errors(&problem),
        pairs(&[
            ("region", "unknown_region"),
            ("inspectors", "invalid_length"),
            ("beacon", "invalid_length"),
            ("sample_size", "invalid_sample_size"),
            ("inspectors_per_target", "not_enough_inspectors"),
        ])
    );

    let mut body = draw_body(4, BEACON);
    body["inspectors_per_target"] = json!(0);
    body["sample_size"] = json!(-3);
    let (status, problem) = draw(&app, &regulator.token, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&problem),
        pairs(&[("sample_size", "invalid_sample_size"), ("inspectors_per_target", "not_enough_inspectors")])
    );

    let mut body = draw_body(4, BEACON);
    body["inspectors"] = json!((0..201).map(|i| format!("检查员{i}")).collect::<Vec<_>>());
    let (status, problem) = draw(&app, &regulator.token, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("inspectors", "invalid_length")]));

    let mut body = draw_body(4, BEACON);
    body["seed"] = json!("0000");
    let (status, problem) = draw(&app, &regulator.token, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("seed", "unknown_field")]));

    let mut body = draw_body(4, BEACON);
    body.as_object_mut().expect("object").remove("beacon");
    let (status, problem) = draw(&app, &regulator.token, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("beacon", "required")]));

    // A region outside the caller's jurisdiction is refused, not silently emptied.
    let mut body = draw_body(4, BEACON);
    body["region"] = json!(LUOYANG);
    let (status, problem) = draw(&app, &regulator.token, &body).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("outside_jurisdiction")));

    assert_eq!(rows(&app, "spot_check_draws"), 0);
    assert_eq!(rows(&app, "spot_check_targets"), 0);
    assert_eq!(rows(&app, "audit_log WHERE action = 'spot_check.draw'"), 0);
}

#[tokio::test]
async fn only_admins_and_covering_regulators_draw_and_see() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let province = app.regulator("410000").await;
    let enterprise = app.client("enterprise", Some(&world.enterprise), None).await;
    let agency = app.client("agency", Some(&world.zhengzhou[0]), None).await;
    let portal = app.client("portal", None, None).await;

    let created = drawn(&app, &zhengzhou.token, &draw_body(4, BEACON)).await;
    let id = created["id"].as_str().expect("id");
    let path = format!("{DRAWS}/{id}");
    let result = format!("{path}/targets/0/result");
    let finding = json!({"findings": "现场检查未发现问题"});

    for client in [&enterprise, &agency, &portal] {
        let (status, problem) = draw(&app, &client.token, &draw_body(4, BEACON)).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
        let (status, problem) = get_json(&app, &client.token, &path).await;
        assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("forbidden")));
        let (status, _) = status_json(post(&app, &client.token, &result, None, &finding).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let anonymous = app.http.post(app.url(DRAWS)).json(&draw_body(4, BEACON)).send().await.expect("POST");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let anonymous = app.http.get(app.url(&path)).send().await.expect("GET");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Luoyang's regulator is not told the draw exists, and cannot record a result on it.
    let (status, problem) = get_json(&app, &luoyang.token, &path).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (status, _) = status_json(post(&app, &luoyang.token, &result, None, &finding).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Luoyang draws from Luoyang only.
    let own = drawn(&app, &luoyang.token, &draw_body(10, BEACON)).await;
    assert_eq!(own["population_size"], 3);
    assert_eq!(own["region_code"], LUOYANG);

    for token in [app.admin_token(), province.token.as_str(), zhengzhou.token.as_str()] {
        let (status, fetched) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(fetched["id"], id);
    }
    let (status, _) = get_json(&app, &zhengzhou.token, &format!("{DRAWS}/{}", Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = get_json(&app, &zhengzhou.token, &format!("{DRAWS}/not-a-uuid")).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_path")));
    assert_eq!(rows(&app, "spot_check_targets WHERE recorded_at IS NOT NULL"), 0);
}

fn sanction_of(app: &TestApp, organization_id: &str) -> Uuid {
    let mut conn = app.db.connect();
    sanctions::insert(
        &mut conn,
        &NewSanction {
            organization_id: Uuid::parse_str(organization_id).expect("uuid"),
            kind: SanctionKind::RectificationOrder,
            decided_on: NaiveDate::from_ymd_opt(2026, 3, 5).expect("date"),
            deadline: NaiveDate::from_ymd_opt(2026, 4, 5),
            from: None,
            to: None,
            reason: "抽查发现项目负责人未到现场".to_owned(),
            case_ref: Some("郑应急责改〔2026〕12号".to_owned()),
            decided_by: "fixture".to_owned(),
            decided_region: domain::region::RegionCode::parse(ZHENGZHOU).expect("region"),
        },
        Utc::now(),
    )
    .expect("sanction")
    .id
}

#[tokio::test]
async fn results_are_recorded_once_against_the_draw() {
    let app = TestApp::spawn().await;
    let world = World::new(&app).await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let created = drawn(&app, &regulator.token, &draw_body(4, BEACON)).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let picked = selection(&created);
    let target = picked[0].0.clone();
    let bystander = world.zhengzhou.iter().find(|o| !picked.iter().any(|(t, _)| t == *o)).expect("not drawn").clone();
    let own_sanction = sanction_of(&app, &target);
    let foreign_sanction = sanction_of(&app, &bystander);
    let result = |position: u32| format!("{DRAWS}/{id}/targets/{position}/result");

    for sanction_id in [foreign_sanction, Uuid::now_v7()] {
        let body = json!({"findings": "项目负责人未到现场", "sanction_id": sanction_id});
        let (status, problem) = status_json(post(&app, &regulator.token, &result(0), None, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(field_errors(&problem), pairs(&[("sanction_id", "sanction_not_of_target")]));
    }
    for (findings, code) in [(" ".to_owned(), "required"), ("查".repeat(2001), "invalid_length")] {
        let (status, problem) =
            status_json(post(&app, &regulator.token, &result(0), None, &json!({"findings": findings})).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&problem), pairs(&[("findings", code)]));
    }
    let (status, _) =
        status_json(post(&app, &regulator.token, &result(4), None, &json!({"findings": "无"})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "position beyond the draw");
    assert_eq!(rows(&app, "spot_check_targets WHERE recorded_at IS NOT NULL"), 0);

    let findings = "项目负责人未到现场（应到而不到现场）。\n已责令限期整改。";
    let body = json!({"findings": findings, "sanction_id": own_sanction});
    let response = post(&app, &regulator.token, &result(0), None, &body).await;
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    let (status, recorded) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{recorded}");
    assert_eq!(location.as_deref(), Some(format!("{DRAWS}/{id}").as_str()));
    assert_eq!(recorded["position"], 0);
    assert_eq!(recorded["organization_id"], target.as_str());
    assert_eq!(recorded["findings"], findings);
    assert_eq!(recorded["inspectors"], json!(picked[0].1));
    assert_eq!(
        recorded["sanction"],
        json!({"id": own_sanction, "kind": "rectification_order", "decided_on": "2026-03-05"})
    );
    assert!(recorded["recorded_at"].is_string());
    assert_eq!(
        rows(
            &app,
            &format!(
                "spot_check_targets WHERE draw_id = '{id}' AND position = 0 AND sanction_id = '{own_sanction}' \
                 AND recorded_at IS NOT NULL"
            )
        ),
        1
    );
    assert_eq!(rows(&app, &format!("audit_log WHERE action = 'spot_check.result' AND resource_id = '{id}'")), 1);

    // Once only.
    let (status, problem) =
        status_json(post(&app, &regulator.token, &result(0), None, &json!({"findings": "改写"})).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("result_already_recorded")));

    // A result without a sanction, by an admin, retried with its Idempotency-Key.
    let key = "spot-check-result-1";
    let body = json!({"findings": "未发现问题"});
    let (status, first) = status_json(post(&app, app.admin_token(), &result(1), Some(key), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["sanction"], Value::Null);
    let (status, replayed) = status_json(post(&app, app.admin_token(), &result(1), Some(key), &body).await).await;
    assert_eq!((status, &replayed), (StatusCode::CREATED, &first));
    let (status, problem) = status_json(post(&app, app.admin_token(), &result(2), Some(key), &body).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("idempotency_conflict")));

    // The draw shows the results; the verification, which covers only the draw, still holds.
    let (status, fetched) = get_json(&app, &regulator.token, &format!("{DRAWS}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched["targets"][0]["findings"], findings);
    assert_eq!(fetched["targets"][0]["sanction"]["id"], own_sanction.to_string());
    assert_eq!(fetched["targets"][1]["findings"], "未发现问题");
    assert_eq!(fetched["targets"][2]["findings"], Value::Null);
    assert_eq!(fetched["seed"], created["seed"]);
    let (_, checked) = verification(&app, &id).await;
    assert_eq!(checked["verified"], true);
    assert_eq!(rows(&app, "spot_check_targets WHERE recorded_at IS NOT NULL"), 2);
    assert_eq!(rows(&app, &format!("audit_log WHERE action = 'spot_check.result' AND resource_id = '{id}'")), 2);
}
