//! Government purchase of services (豫安委〔2017〕17号 九(二)) over real HTTP, on the backend
//! TEST_DATABASE names: award to an eligible provider only, three parties evaluating once each,
//! the composite at the weights in force, the provider's credit event, and the public result.

use e2e::insurance::{count, field_errors, get_json, pairs, post, status_json};
use e2e::market::{enterprise, provider, provider_of_kind, Party};
use e2e::{credit_code, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

const ZHENGZHOU: &str = "410100";
const LUOYANG: &str = "410300";
const PROJECTS: &str = "/api/v1/procurement/projects";
const PUBLIC: &str = "/api/v1/public/procurement/projects";

/// A provider, a social organisation as third party and two enterprises as recipients, all in
/// Zhengzhou.
struct Cast {
    provider: Party,
    third: Party,
    recipient: Party,
    other_recipient: Party,
}

async fn cast(app: &TestApp, seed: u32) -> Cast {
    Cast {
        provider: provider(app, seed, ZHENGZHOU, &["consulting"], "2030-12-31").await,
        third: provider_of_kind(app, seed + 1, ZHENGZHOU, "social_organization", &["consulting"], "2030-12-31").await,
        recipient: enterprise(app, seed + 2, ZHENGZHOU, "other", 30).await,
        other_recipient: enterprise(app, seed + 3, ZHENGZHOU, "mining", 80).await,
    }
}

fn project_body(cast: &Cast, title: &str) -> Value {
    json!({
        "area": "safety_inspection",
        "title": title,
        "budget_fen": 12_000_000,
        "recipient_ids": [cast.recipient.id, cast.other_recipient.id],
        "provider_id": cast.provider.id,
        "third_party_id": cast.third.id,
        "awarded_on": "2026-03-01",
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> (StatusCode, Value) {
    status_json(post(app, token, PROJECTS, None, body).await).await
}

async fn evaluate(app: &TestApp, token: &str, project: &str, party: &str, score: i64, on: &str) -> (StatusCode, Value) {
    let body = json!({"party": party, "score": score, "comment": "按合同完成服务", "evaluated_on": on});
    status_json(post(app, token, &format!("{PROJECTS}/{project}/evaluations"), None, &body).await).await
}

async fn public_get(app: &TestApp, id: &str) -> (StatusCode, Value) {
    let response = app.http.get(app.url(&format!("{PUBLIC}/{id}"))).send().await.expect("GET");
    status_json(response).await
}

fn rows(app: &TestApp, from_where: &str) -> i64 {
    count(&mut app.db.connect(), from_where)
}

#[tokio::test]
async fn three_parties_evaluate_once_and_the_composite_becomes_a_credit_event() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let cast = cast(&app, 10).await;

    let (status, project) = create(&app, &regulator.token, &project_body(&cast, "2026年小微企业安全检查")).await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    let id = project["id"].as_str().expect("id").to_owned();
    assert_eq!(project["status"], "awarded");
    assert_eq!(project["region_code"], ZHENGZHOU, "defaults to the regulator's jurisdiction");
    assert_eq!(project["composite"], Value::Null);
    assert_eq!(rows(&app, &format!("procurement_projects WHERE id = '{id}' AND status = 'awarded'")), 1);
    assert_eq!(rows(&app, &format!("procurement_recipients WHERE project_id = '{id}'")), 2);
    assert_eq!(
        rows(&app, &format!("audit_log WHERE action = 'procurement_project.create' AND resource_id = '{id}'")),
        1
    );
    // Nothing is public before all three have evaluated.
    assert_eq!(public_get(&app, &id).await.0, StatusCode::NOT_FOUND);

    // The provider may never evaluate its own project, whatever party it claims.
    for party in ["third_party", "recipient", "purchaser"] {
        let (status, problem) = evaluate(&app, cast.provider.token(), &id, party, 100, "2026-06-01").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert_eq!(problem["code"], "self_evaluation");
    }
    // A recipient is not the purchaser; the third party is not a recipient.
    let (status, problem) = evaluate(&app, cast.recipient.token(), &id, "purchaser", 90, "2026-06-01").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_evaluating_party")));
    let (status, problem) = evaluate(&app, cast.third.token(), &id, "recipient", 90, "2026-06-01").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_evaluating_party")));
    // A regulator elsewhere does not see the project.
    let luoyang = app.regulator(LUOYANG).await;
    assert_eq!(evaluate(&app, &luoyang.token, &id, "purchaser", 90, "2026-06-01").await.0, StatusCode::NOT_FOUND);
    // Out-of-range scores and dates before the award are named.
    let (status, problem) = evaluate(&app, &regulator.token, &id, "purchaser", 101, "2026-02-28").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("score", "invalid_range"), ("evaluated_on", "out_of_range")]));
    assert_eq!(rows(&app, &format!("procurement_evaluations WHERE project_id = '{id}'")), 0);

    let (status, body) = evaluate(&app, &regulator.token, &id, "purchaser", 100, "2026-06-01").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["status"], "awarded");
    assert_eq!(body["evaluations"].as_array().map(Vec::len), Some(1));

    // Each party evaluates once: the second purchaser evaluation is refused and changes nothing.
    let (status, problem) = evaluate(&app, &regulator.token, &id, "purchaser", 10, "2026-06-02").await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "already_evaluated");
    assert_eq!(rows(&app, &format!("procurement_evaluations WHERE project_id = '{id}' AND party = 'purchaser'")), 1);
    assert_eq!(
        rows(
            &app,
            &format!("procurement_evaluations WHERE project_id = '{id}' AND party = 'purchaser' AND score = 100")
        ),
        1
    );

    let (status, body) = evaluate(&app, cast.other_recipient.token(), &id, "recipient", 50, "2026-06-10").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // A second recipient is the same party.
    let (status, problem) = evaluate(&app, cast.recipient.token(), &id, "recipient", 70, "2026-06-10").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("already_evaluated")));
    let provider_events = format!("credit_events WHERE organization_id = '{}'", cast.provider.id);
    assert_eq!(rows(&app, &provider_events), 0, "no credit event before the third evaluation");

    let (status, body) = evaluate(&app, cast.third.token(), &id, "third_party", 80, "2026-06-30").await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // 0.4 × 100 + 0.3 × 50 + 0.3 × 80 = 79.00 at the default weights.
    assert_eq!(body["status"], "evaluated");
    assert_eq!(body["composite"], "79.00");
    assert_eq!(body["composite_hundredths"], 7900);
    assert_eq!(body["evaluated_on"], "2026-06-30");
    let weights = body["weights_version"].as_str().expect("weights_version");
    for parameter in
        ["procurement_weight_purchaser_bp@", "procurement_weight_recipient_bp@", "procurement_weight_third_party_bp@"]
    {
        assert!(weights.contains(parameter), "{weights}");
    }
    let scores: Vec<_> =
        body["evaluations"].as_array().expect("evaluations").iter().map(|e| e["score"].clone()).collect();
    assert_eq!(scores, [json!(100), json!(50), json!(80)]);

    // 79.00 lies between 60 and 85: a neutral evaluation event, recorded once, citing the project.
    assert_eq!(rows(&app, &provider_events), 1);
    assert_eq!(
        rows(
            &app,
            &format!(
                "{provider_events} AND event_type = 'service_evaluation_neutral' AND source_type = \
                 'procurement_project' AND source_id = '{id}' AND occurred_on = '2026-06-30' AND id = '{}'",
                body["credit_event_id"].as_str().expect("credit_event_id")
            )
        ),
        1
    );
    assert_eq!(
        rows(
            &app,
            &format!(
                "procurement_projects WHERE id = '{id}' AND status = 'evaluated' AND composite_hundredths = 7900 AND \
                 evaluated_on = '2026-06-30'"
            )
        ),
        1
    );

    // Nobody evaluates an evaluated project again.
    let (status, problem) = evaluate(&app, cast.third.token(), &id, "third_party", 10, "2026-07-01").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("already_evaluated")));
    assert_eq!(rows(&app, &format!("procurement_evaluations WHERE project_id = '{id}'")), 3);
    assert_eq!(rows(&app, &provider_events), 1);

    // The result is public, without authentication.
    let (status, result) = public_get(&app, &id).await;
    assert_eq!(status, StatusCode::OK, "{result}");
    assert_eq!(result["composite"], "79.00");
    assert_eq!(result["composite_hundredths"], 7900);
    assert_eq!(result["provider"]["credit_code"], credit_code(10));
    assert_eq!(result["provider"]["name"], "河南安全技术服务有限公司10");
    assert_eq!(result["scores"], json!({"purchaser": 100, "recipient": 50, "third_party": 80}));
    assert_eq!(result["evaluated_on"], "2026-06-30");
    assert_eq!(result["area"], "safety_inspection");

    // Everyone taking part reads the project; others do not.
    for token in [&regulator.token, cast.provider.token(), cast.third.token(), cast.recipient.token()] {
        let (status, view) = get_json(&app, token, &format!("{PROJECTS}/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["composite_hundredths"], 7900);
    }
    assert_eq!(get_json(&app, &luoyang.token, &format!("{PROJECTS}/{id}")).await.0, StatusCode::NOT_FOUND);
    let stranger = enterprise(&app, 19, ZHENGZHOU, "other", 5).await;
    assert_eq!(get_json(&app, stranger.token(), &format!("{PROJECTS}/{id}")).await.0, StatusCode::NOT_FOUND);
    let (status, page) = get_json(&app, stranger.token(), PROJECTS).await;
    assert_eq!((status, page["items"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    let (_, page) = get_json(&app, &luoyang.token, PROJECTS).await;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(0));
    let (_, page) = get_json(&app, cast.third.token(), PROJECTS).await;
    assert_eq!(page["items"][0]["id"], id.as_str());
}

#[tokio::test]
async fn composites_at_the_band_edges_earn_the_banded_event() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    // 85/85/85 is exactly 85.00: good (inclusive). 60/60/60 is 60.00: adequate. 59/60/60 is
    // 59.60: poor.
    for (i, (scores, hundredths, event)) in [
        ([85, 85, 85], 8500, "service_evaluation_positive"),
        ([60, 60, 60], 6000, "service_evaluation_neutral"),
        ([59, 60, 60], 5960, "service_evaluation_negative"),
        ([0, 0, 0], 0, "service_evaluation_negative"),
        ([100, 100, 100], 10_000, "service_evaluation_positive"),
    ]
    .into_iter()
    .enumerate()
    {
        let seed = 30 + 10 * u32::try_from(i).expect("small");
        let cast = cast(&app, seed).await;
        let (status, project) = create(&app, app.admin_token(), &{
            let mut body = project_body(&cast, "应急救援服务");
            body["region_code"] = json!(ZHENGZHOU);
            body["area"] = json!("emergency_rescue");
            body
        })
        .await;
        assert_eq!(status, StatusCode::CREATED, "{project}");
        let id = project["id"].as_str().expect("id");
        let [p, r, t] = scores;
        assert_eq!(evaluate(&app, &regulator.token, id, "purchaser", p, "2026-05-01").await.0, StatusCode::CREATED);
        assert_eq!(
            evaluate(&app, cast.recipient.token(), id, "recipient", r, "2026-05-02").await.0,
            StatusCode::CREATED
        );
        let (status, body) = evaluate(&app, cast.third.token(), id, "third_party", t, "2026-05-03").await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["composite_hundredths"], hundredths, "{scores:?}");
        assert_eq!(
            rows(
                &app,
                &format!(
                    "credit_events WHERE organization_id = '{}' AND event_type = '{event}' AND source_id = '{id}'",
                    cast.provider.id
                )
            ),
            1,
            "{scores:?}"
        );
    }
}

#[tokio::test]
async fn only_an_eligible_provider_is_awarded() {
    let app = TestApp::spawn().await;
    let regulator = app.regulator(ZHENGZHOU).await;
    let cast = cast(&app, 60).await;

    // A false report lists the provider on the blacklist (八(三)): not eligible for award.
    let (status, receipt) = status_json(
        post(
            &app,
            &regulator.token,
            "/api/v1/credit/events",
            None,
            &json!({
                "organization_id": cast.provider.id,
                "event_type": "false_report",
                "occurred_on": "2026-01-10",
                "evidence": "出具虚假安全评价报告",
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
    let (status, problem) = create(&app, &regulator.token, &project_body(&cast, "专项整治")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["code"], "provider_not_eligible");
    assert_eq!(field_errors(&problem), pairs(&[("provider_id", "blacklisted")]));
    assert_eq!(rows(&app, "procurement_projects"), 0);
    assert_eq!(rows(&app, "procurement_recipients"), 0);

    // A social organisation is a provider like any other.
    let association = provider_of_kind(&app, 70, ZHENGZHOU, "social_organization", &["training"], "2030-12-31").await;
    let mut body = project_body(&cast, "安全宣传教育");
    body["provider_id"] = json!(association.id);
    body["area"] = json!("publicity");
    let (status, project) = create(&app, &regulator.token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{project}");
    assert_eq!(project["provider_id"], association.id.as_str());

    // An enterprise is no provider.
    let mut body = project_body(&cast, "风险评估");
    body["provider_id"] = json!(cast.other_recipient.id);
    body["recipient_ids"] = json!([cast.recipient.id]);
    let (status, problem) = create(&app, &regulator.token, &body).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("provider_not_eligible")));
    assert_eq!(field_errors(&problem), pairs(&[("provider_id", "not_a_provider")]));

    // The third party is an institution other than the provider and the recipients.
    let mut body = project_body(&cast, "风险评估");
    body["provider_id"] = json!(association.id);
    body["third_party_id"] = json!(cast.recipient.id);
    let (status, problem) = create(&app, &regulator.token, &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("recipient_ids[0]", "third_party_is_recipient")]));
    body["recipient_ids"] = json!([cast.other_recipient.id]);
    let (status, problem) = create(&app, &regulator.token, &body).await;
    assert_eq!(field_errors(&problem), pairs(&[("third_party_id", "invalid_third_party")]), "{status}");
    body["third_party_id"] = json!(association.id);
    let (_, problem) = create(&app, &regulator.token, &body).await;
    assert_eq!(field_errors(&problem), pairs(&[("third_party_id", "same_as_provider")]));

    // Every bad field at once.
    let (status, problem) = create(
        &app,
        &regulator.token,
        &json!({
            "area": "road_building",
            "title": "",
            "budget_fen": -1,
            "recipient_ids": [],
            "provider_id": association.id,
            "third_party_id": cast.third.id,
            "awarded_on": "2099-01-01",
        }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        field_errors(&problem),
        pairs(&[
            ("title", "invalid_length"),
            ("area", "invalid_procurement_area"),
            ("budget_fen", "invalid_range"),
            ("awarded_on", "out_of_range"),
            ("recipient_ids", "invalid_length"),
        ])
    );

    // Regulators purchase inside their jurisdiction only; others may not purchase at all.
    let mut body = project_body(&cast, "安全检查");
    body["provider_id"] = json!(association.id);
    let luoyang = app.regulator(LUOYANG).await;
    let mut elsewhere = body.clone();
    elsewhere["region_code"] = json!(ZHENGZHOU);
    let (status, problem) = create(&app, &luoyang.token, &elsewhere).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::FORBIDDEN, Some("outside_jurisdiction")));
    assert_eq!(create(&app, cast.recipient.token(), &body).await.0, StatusCode::FORBIDDEN);
    // An admin names the region.
    let (status, problem) = create(&app, app.admin_token(), &body).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("region_code", "required")]));
    assert_eq!(rows(&app, "procurement_projects"), 1);
}
