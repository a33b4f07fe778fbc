//! Disclosure (豫安委〔2017〕17号 二(三), 七) over real HTTP, on the backend TEST_DATABASE names:
//! each engagement is published on delivery — personnel by name and engineer registration number,
//! never by identity number — and a provider's annual report is built from its engagements,
//! written with a versioned narrative, published once the year is over and frozen from then on.

use e2e::insurance::{count, field_errors, get, get_json, id_of, pairs, post, status_json};
use e2e::market::{create_engagement, engagement_body, enterprise, provider, Party, ENGAGEMENTS};
use e2e::{credit_code, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";

/// A valid resident identity number (GB 11643-1999), distinct per seed below 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("41030519850615{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

fn disclosures_path(code: &str) -> String {
    format!("/api/v1/public/organizations/{code}/disclosures")
}

fn report_path(org: &str, year: i32) -> String {
    format!("/api/v1/organizations/{org}/annual-reports/{year}")
}

fn public_report_path(code: &str, year: i32) -> String {
    format!("/api/v1/public/organizations/{code}/annual-reports/{year}")
}

/// An unauthenticated GET: status and the raw body.
async fn public_get(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.http.get(app.url(path)).send().await.expect("GET request");
    (response.status(), response.text().await.expect("body"))
}

/// An unauthenticated GET answered as JSON.
async fn public_json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let (status, text) = public_get(app, path).await;
    (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}")))
}

/// `PUT path` with a bearer token and a JSON body.
async fn put(app: &TestApp, token: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    status_json(app.http.put(app.url(path)).bearer_auth(token).json(body).send().await.expect("PUT request")).await
}

/// `POST path` with the body `{}`.
async fn post_empty(app: &TestApp, token: &str, path: &str, key: Option<&str>) -> reqwest::Response {
    let mut request = app.http.post(app.url(path)).bearer_auth(token).json(&json!({}));
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    request.send().await.expect("POST request")
}

/// Person `seed`, employed by `org` since 2020 as admin records it.
async fn employ(app: &TestApp, org: &str, seed: u32, name: &str) {
    let body = json!({
        "person": {"resident_id": resident_id(seed), "name": name, "phone": "13912345678"},
        "position": "安全评价师",
        "safety_head": false,
        "from": "2020-01-01",
        "to": null,
    });
    let path = format!("/api/v1/organizations/{org}/employments");
    let (status, created) = status_json(post(app, app.admin_token(), &path, None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "employment failed: {created}");
}

/// Registers person `seed` as a registered safety engineer employed by `org`.
async fn register_engineer(app: &TestApp, org: &str, seed: u32, name: &str, number: &str) {
    let body = json!({
        "person": {"resident_id": resident_id(seed), "name": name, "phone": "13912345678"},
        "level": "intermediate",
        "category": "chemical",
        "registration_number": number,
        "registered_on": "2024-01-01",
        "employer_id": org,
        "continuing_education_hours": 48,
    });
    let (status, created) = status_json(post(app, app.admin_token(), "/api/v1/engineers", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "engineer registration failed: {created}");
}

/// Moves an engagement through a transition; panics unless 200 (201 for an evaluation).
async fn step(app: &TestApp, token: &str, engagement: &str, step: &str, body: Value) {
    let (status, view) =
        status_json(post(app, token, &format!("{ENGAGEMENTS}/{engagement}/{step}"), None, &body).await).await;
    let expected = if step == "evaluation" { StatusCode::CREATED } else { StatusCode::OK };
    assert_eq!(status, expected, "{step} failed: {view}");
}

async fn deliver(app: &TestApp, provider: &Party, engagement: &str, started_on: &str, delivered_on: &str) {
    step(app, provider.token(), engagement, "start", json!({"started_on": started_on})).await;
    let body = json!({
        "delivered_on": delivered_on,
        "procedure": "资料审查、现场勘验、编制报告、内部审核",
        "main_content": format!("安全现状评价报告（{delivered_on}）"),
    });
    step(app, provider.token(), engagement, "delivery", body).await;
}

/// An engagement of `services` (type, fee) signed on `signed_on`, with a year to deliver.
fn engagement_of(enterprise: &Party, provider: &Party, services: &[(&str, i64)], signed_on: &str) -> Value {
    let mut body = engagement_body(&enterprise.id, &provider.id, 1, signed_on, "2027-11-30");
    body["services"] = services.iter().map(|(s, fee)| json!({"service_type": s, "fee_fen": fee})).collect();
    body
}

#[tokio::test]
async fn engagements_are_disclosed_on_delivery_with_names_and_registration_numbers_only() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 1, ZHENGZHOU, &["safety_assessment", "consulting"], "2030-12-31").await;
    let client = enterprise(&app, 2, LUOYANG, "other", 50).await;
    let code = credit_code(1);
    employ(&app, &agency.id, 7, "赵工").await;
    register_engineer(&app, &agency.id, 7, "赵工", "ZJ-2024-0007").await;
    employ(&app, &agency.id, 8, "钱员").await;

    let mut body =
        engagement_of(&client, &agency, &[("safety_assessment", 300_000), ("consulting", 50_000)], "2026-03-01");
    body["personnel"] = json!([
        {"resident_id": resident_id(7), "name": "赵工"},
        {"resident_id": resident_id(8), "name": "钱员"},
    ]);
    let first = id_of(&create_engagement(&app, agency.token(), &body).await);

    // Signed, then in progress: nothing is disclosed yet.
    let (status, page) = public_json(&app, &disclosures_path(&code)).await;
    assert_eq!((status, page), (StatusCode::OK, json!({"items": [], "next_cursor": null})));
    step(&app, agency.token(), &first, "start", json!({"started_on": "2026-03-02"})).await;
    let (_, page) = public_json(&app, &disclosures_path(&code)).await;
    assert_eq!(page["items"], json!([]));

    let delivery =
        json!({"delivered_on": "2026-04-01", "procedure": "资料审查、现场勘验", "main_content": "安全现状评价"});
    step(&app, agency.token(), &first, "delivery", delivery).await;
    let mut conn = app.db.connect();
    let delivered = format!("engagements WHERE provider_id = '{}' AND delivered_on IS NOT NULL", agency.id);
    assert_eq!(count(&mut conn, &delivered), 1);
    assert_eq!(count(&mut conn, &format!("engagement_personnel WHERE engagement_id = '{first}'")), 2);

    let (status, text) = public_get(&app, &disclosures_path(&code)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    for secret in [resident_id(7), resident_id(8), "13912345678".to_owned(), "13812345678".to_owned()] {
        assert!(!text.contains(&secret), "the disclosure leaks {secret}: {text}");
    }
    let page: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(
        page,
        json!({
            "items": [{
                "engagement_id": first,
                "services": ["safety_assessment", "consulting"],
                "enterprise": {"name": "测试企业2", "region_code": LUOYANG},
                "personnel": [
                    {"name": "赵工", "registration_number": "ZJ-2024-0007"},
                    {"name": "钱员", "registration_number": null},
                ],
                "procedure": "资料审查、现场勘验",
                "main_content": "安全现状评价",
                "delivered_on": "2026-04-01",
            }],
            "next_cursor": null,
        })
    );

    // A later delivery comes first; pages of one follow the same order.
    let second = id_of(
        &create_engagement(&app, agency.token(), &engagement_of(&client, &agency, &[("consulting", 9)], "2026-04-10"))
            .await,
    );
    deliver(&app, &agency, &second, "2026-04-11", "2026-05-01").await;
    let (_, page) = public_json(&app, &disclosures_path(&code)).await;
    let ids: Vec<&Value> = page["items"].as_array().expect("items").iter().map(|i| &i["engagement_id"]).collect();
    assert_eq!(ids, [&json!(second), &json!(first)]);
    let (_, one) = public_json(&app, &format!("{}?limit=1", disclosures_path(&code))).await;
    assert_eq!(one["items"][0]["engagement_id"], json!(second));
    let cursor = one["next_cursor"].as_str().expect("a next page").to_owned();
    let (_, two) = public_json(&app, &format!("{}?limit=1&cursor={cursor}", disclosures_path(&code))).await;
    assert_eq!(two["items"][0]["engagement_id"], json!(first));
    assert_eq!(two["next_cursor"], Value::Null);
    assert_eq!(count(&mut conn, &delivered), 2);
}

#[tokio::test]
async fn disclosures_need_a_valid_credit_code_of_a_known_provider() {
    let app = TestApp::spawn().await;
    provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    enterprise(&app, 2, ZHENGZHOU, "other", 5).await;
    let mut wrong = credit_code(1);
    let last = if wrong.ends_with('0') { "1" } else { "0" };
    wrong.replace_range(17.., last);
    let (status, problem) = public_json(&app, &disclosures_path(&wrong)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem).first().map(|(f, _)| f.as_str()), Some("credit_code"));
    for code in [credit_code(3), credit_code(2)] {
        let (status, problem) = public_json(&app, &disclosures_path(&code)).await;
        assert_eq!((status, problem["code"].clone()), (StatusCode::NOT_FOUND, json!("not_found")), "{code}");
    }
    let (status, problem) = public_json(&app, &format!("{}?cursor=garbage", disclosures_path(&credit_code(1)))).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_cursor")));
}

/// The figures of the 2025 report described in the annual-report test, with `ratings` (count of
/// 1 to 5) and their mean in hundredths.
fn figures_2025(by_rating: [u64; 5], mean: Option<u64>) -> Value {
    let count: u64 = by_rating.iter().sum();
    let sum: u64 = by_rating.iter().zip(1u64..).map(|(n, r)| n * r).sum();
    json!({
        "year": 2025,
        "engagements": 2,
        "value_fen": 150_000,
        "by_service": [
            {"service_type": "consulting", "engagements": 2, "value_fen": 120_000},
            {"service_type": "training", "engagements": 1, "value_fen": 30_000},
        ],
        "regions": [
            {"region_code": ZHENGZHOU, "engagements": 1},
            {"region_code": LUOYANG, "engagements": 1},
        ],
        "evaluations": {
            "count": count,
            "by_rating": (1..=5).zip(by_rating).map(|(rating, count)| json!({"rating": rating, "count": count})).collect::<Vec<_>>(),
            "rating_sum": sum,
            "mean_hundredths": mean,
        },
        "sanctions": [{"kind": "public_criticism", "decided_on": "2025-06-01"}],
    })
}

#[tokio::test]
async fn an_annual_report_is_published_once_the_year_is_over_and_then_frozen() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 1, ZHENGZHOU, &["consulting", "training"], "2030-12-31").await;
    let near = enterprise(&app, 2, ZHENGZHOU, "other", 50).await;
    let far = enterprise(&app, 3, LUOYANG, "other", 50).await;
    let code = credit_code(1);

    // 2025: two engagements, one of them with two service lines, signed on the year's first
    // and last days. The days just outside the year do not count.
    let january = id_of(
        &create_engagement(
            &app,
            agency.token(),
            &engagement_of(&near, &agency, &[("consulting", 100_000)], "2025-01-01"),
        )
        .await,
    );
    let december = id_of(
        &create_engagement(
            &app,
            agency.token(),
            &engagement_of(&far, &agency, &[("consulting", 20_000), ("training", 30_000)], "2025-12-31"),
        )
        .await,
    );
    create_engagement(&app, agency.token(), &engagement_of(&near, &agency, &[("consulting", 7)], "2024-12-31")).await;
    create_engagement(&app, agency.token(), &engagement_of(&near, &agency, &[("consulting", 11)], "2026-01-01")).await;
    deliver(&app, &agency, &january, "2025-01-02", "2025-02-01").await;
    step(&app, near.token(), &january, "acceptance", json!({"accepted_on": "2025-02-05"})).await;
    step(
        &app,
        near.token(),
        &january,
        "evaluation",
        json!({"rating": 5, "comment": "专业细致", "evaluated_on": "2025-02-06"}),
    )
    .await;
    deliver(&app, &agency, &december, "2026-01-02", "2026-02-01").await;
    step(&app, far.token(), &december, "acceptance", json!({"accepted_on": "2026-02-05"})).await;
    let sanction = json!({"organization_id": agency.id, "kind": "public_criticism", "decided_on": "2025-06-01", "reason": "未按规定公开信息"});
    let (status, created) =
        status_json(post(&app, app.admin_token(), "/api/v1/sanctions", None, &sanction).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let (status, draft) = get_json(&app, agency.token(), &report_path(&agency.id, 2025)).await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    assert_eq!(draft["figures"], figures_2025([0, 0, 0, 0, 1], Some(500)));
    assert_eq!((draft["published"].clone(), draft["narrative"].clone()), (json!(false), Value::Null));

    // Narrative versions: each new text appends one; the same text again does not.
    let mut conn = app.db.connect();
    let narratives = format!("annual_report_narratives WHERE organization_id = '{}' AND year = 2025", agency.id);
    for (text, version) in [("初稿", 1), ("本年度共完成服务项目2项。", 2), ("本年度共完成服务项目2项。", 2)]
    {
        let (status, written) =
            put(&app, agency.token(), &report_path(&agency.id, 2025), &json!({"narrative": text})).await;
        assert_eq!(status, StatusCode::OK, "{written}");
        assert_eq!((written["version"].clone(), written["narrative"].clone()), (json!(version), json!(text)));
    }
    assert_eq!(count(&mut conn, &narratives), 2);
    assert_eq!(count(&mut conn, "audit_log WHERE action = 'annual_report.write_narrative'"), 2);

    // The current year is not over: 422, and nothing is stored.
    let reports = format!("annual_reports WHERE organization_id = '{}'", agency.id);
    let (status, problem) = status_json(
        post_empty(&app, agency.token(), &format!("{}/publication", report_path(&agency.id, 2026)), None).await,
    )
    .await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("year_not_ended")));
    assert_eq!(count(&mut conn, &reports), 0);
    let (status, _) = public_json(&app, &public_report_path(&code, 2025)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // 2025 is over: published, with the latest narrative version.
    let publication = format!("{}/publication", report_path(&agency.id, 2025));
    let response = post_empty(&app, agency.token(), &publication, Some("publish-2025")).await;
    let location = response.headers().get("location").and_then(|l| l.to_str().ok()).map(str::to_owned);
    let (status, published) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{published}");
    assert_eq!(location.as_deref(), Some(public_report_path(&code, 2025).as_str()));
    assert_eq!(published["figures"], figures_2025([0, 0, 0, 0, 1], Some(500)));
    assert_eq!(published["narrative"]["version"], json!(2));
    assert_eq!(published["narrative"]["narrative"], json!("本年度共完成服务项目2项。"));
    assert_eq!((published["credit_code"].clone(), published["year"].clone()), (json!(code), json!(2025)));
    let frozen =
        format!("{reports} AND year = 2025 AND narrative_version = 2 AND published_by = '{}'", agency.client.id);
    assert_eq!(count(&mut conn, &frozen), 1);
    assert_eq!(count(&mut conn, "audit_log WHERE action = 'annual_report.publish'"), 1);

    // A retry with the key replays; a second publication is a 409; the narrative is closed.
    let (status, replayed) =
        status_json(post_empty(&app, agency.token(), &publication, Some("publish-2025")).await).await;
    assert_eq!((status, &replayed), (StatusCode::CREATED, &published));
    let (status, problem) = status_json(post_empty(&app, app.admin_token(), &publication, None).await).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("already_published")));
    let (status, problem) =
        put(&app, agency.token(), &report_path(&agency.id, 2025), &json!({"narrative": "改稿"})).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::CONFLICT, json!("report_published")));
    assert_eq!(count(&mut conn, &narratives), 2);
    assert_eq!(count(&mut conn, &reports), 1);

    // The public reads the snapshot.
    let (status, public) = public_json(&app, &public_report_path(&code, 2025)).await;
    assert_eq!((status, &public), (StatusCode::OK, &published));

    // A later evaluation of a 2025 engagement changes the live figures, not the published report.
    step(
        &app,
        far.token(),
        &december,
        "evaluation",
        json!({"rating": 3, "comment": "一般", "evaluated_on": "2026-02-06"}),
    )
    .await;
    assert_eq!(
        count(&mut conn, &format!("engagement_evaluations WHERE engagement_id = '{december}' AND rating = 3")),
        1
    );
    let (_, draft) = get_json(&app, agency.token(), &report_path(&agency.id, 2025)).await;
    assert_eq!(draft["figures"], figures_2025([0, 0, 1, 0, 1], Some(400)));
    assert_eq!((draft["published"].clone(), draft["published_on"].is_string()), (json!(true), true));
    let (status, after) = public_json(&app, &public_report_path(&code, 2025)).await;
    assert_eq!((status, &after), (StatusCode::OK, &published));
}

#[tokio::test]
async fn annual_reports_are_for_the_provider_its_regulators_and_admins() {
    let app = TestApp::spawn().await;
    let agency = provider(&app, 1, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let rival = provider(&app, 2, ZHENGZHOU, &["consulting"], "2030-12-31").await;
    let firm = enterprise(&app, 3, ZHENGZHOU, "other", 5).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let path = report_path(&agency.id, 2025);
    let publication = format!("{path}/publication");
    let narrative = json!({"narrative": "年度报告"});

    for token in [agency.token(), zhengzhou.token.as_str(), app.admin_token()] {
        let (status, draft) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!(draft["figures"]["engagements"], json!(0));
        assert_eq!(draft["figures"]["evaluations"]["mean_hundredths"], Value::Null);
    }
    for token in [rival.token(), luoyang.token.as_str()] {
        let (status, _) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let (status, _) = get_json(&app, firm.token(), &path).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Only the provider and admins write and publish.
    let (status, _) = put(&app, rival.token(), &path, &narrative).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = put(&app, zhengzhou.token.as_str(), &path, &narrative).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = status_json(post_empty(&app, rival.token(), &publication, None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = status_json(post_empty(&app, zhengzhou.token.as_str(), &publication, None).await).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut conn = app.db.connect();
    assert_eq!(count(&mut conn, "annual_report_narratives"), 0);
    assert_eq!(count(&mut conn, "annual_reports"), 0);

    // An admin may write for the provider, but an enterprise has no report.
    let (status, written) = put(&app, app.admin_token(), &path, &narrative).await;
    assert_eq!((status, written["version"].clone()), (StatusCode::OK, json!(1)));
    let (status, problem) = put(&app, app.admin_token(), &report_path(&firm.id, 2025), &narrative).await;
    assert_eq!((status, problem["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("not_a_provider")));

    // Years from 2017 to the current one; a blank narrative is refused.
    for year in [2016, 2100] {
        let (status, problem) = get_json(&app, agency.token(), &report_path(&agency.id, year)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_errors(&problem), pairs(&[("year", "invalid_range")]));
        let (status, _) = public_json(&app, &public_report_path(&credit_code(1), year)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let (status, problem) = put(&app, agency.token(), &path, &json!({"narrative": "  "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("narrative", "required")]));
    let (status, problem) = put(&app, agency.token(), &path, &json!({"narrative": "x", "extra": 1})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(count(&mut conn, "annual_report_narratives"), 1);

    // Published reports are public; nothing else is.
    let (status, _) = public_json(&app, &public_report_path(&credit_code(3), 2025)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = status_json(get(&app, "not-a-token", &path).await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
