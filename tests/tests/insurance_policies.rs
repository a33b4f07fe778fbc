//! Liability-insurance policies (三(一)) over real HTTP, on the backend
//! TEST_DATABASE names: writing, the minimum cover, visibility and lists.

use e2e::insurance::{
    field_errors, get_json, id_of, insurer, pairs, policy, post, status_json, write_policy, POLICIES,
};
use e2e::{credit_code, TestApp};
use persistence::{audit, policies};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn stored_policies(app: &TestApp) -> Vec<policies::Policy> {
    let mut conn = app.db.connect();
    policies::list(&mut conn, &policies::PolicyFilter::default(), None, 500).expect("list policies").items
}

fn ids(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|p| p["id"].as_str().expect("id").to_owned()).collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn an_insurer_writes_policies_by_enterprise_id_and_by_credit_code() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let enterprise = app.enterprise(1, "410100").await;
    let enterprise_id = id_of(&enterprise);

    // By id.
    let response = post(
        &app,
        insurer.token(),
        POLICIES,
        None,
        &policy("PICC-HN-2025-0001", &enterprise_id, "2025-04-01", "2026-03-31"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    let (_, created) = status_json(response).await;
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("/api/v1/insurance/policies/{id}"));
    assert_eq!(created["insurer_id"], insurer.id.as_str());
    assert_eq!(created["enterprise_id"], enterprise_id.as_str());
    assert_eq!(created["policy_number"], "PICC-HN-2025-0001");
    assert_eq!(created["start_date"], "2025-04-01");
    assert_eq!(created["end_date"], "2026-03-31");
    assert_eq!(created["insured_headcount"], 120);
    assert_eq!(created["cover_per_person_fen"], 40_000_000);
    assert_eq!(created["base_premium_fen"], 3_600_000);
    assert_eq!(created["charged_premium_fen"], 3_240_000);
    assert_eq!(created["risk_adjustment_bp"], -1000);
    assert_eq!(created["min_cover_rule"], "min_cover_per_person_fen@2025-03-29");

    // The Location serves the same representation.
    let (status, fetched) = get_json(&app, insurer.token(), &location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fetched, created);

    // By credit code.
    let mut by_code = policy("PICC-HN-2025-0002", &enterprise_id, "2025-01-01", "2025-12-31");
    by_code.as_object_mut().expect("object").remove("enterprise_id");
    by_code["enterprise_credit_code"] = json!(credit_code(1));
    let response = post(&app, insurer.token(), POLICIES, None, &by_code).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let second_location = response.headers()["location"].to_str().expect("location").to_owned();
    let (_, second) = status_json(response).await;
    assert_eq!(second_location, format!("/api/v1/insurance/policies/{}", second["id"].as_str().expect("id")));
    assert_eq!(second["enterprise_id"], enterprise_id.as_str());
    // Started before 2025-03-29: the 300,000-yuan minimum applied.
    assert_eq!(second["min_cover_rule"], "min_cover_per_person_fen@2018-01-01");

    // Both rows are stored as answered, each with an audit record.
    let mut conn = app.db.connect();
    let stored = policies::find(&mut conn, Uuid::parse_str(&id).expect("uuid")).expect("find").expect("row");
    assert_eq!(stored.insurer_id, insurer.uuid);
    assert_eq!(stored.enterprise_id.to_string(), enterprise_id);
    assert_eq!(stored.policy_number, "PICC-HN-2025-0001");
    assert_eq!(stored.charged_premium.value(), 3_240_000);
    assert_eq!(stored.cover_per_person.value(), 40_000_000);
    assert_eq!(stored.min_cover_rule.as_deref(), Some("min_cover_per_person_fen@2025-03-29"));
    assert_eq!(stored_policies(&app).len(), 2);
    let trail =
        audit::list(&mut conn, &audit::AuditFilter { resource_id: Some(id.clone()), ..Default::default() }, None, 10)
            .expect("audit");
    assert_eq!(trail.items.len(), 1);
    assert_eq!(trail.items[0].action, "insurance_policy.create");
    assert_eq!(trail.items[0].actor, insurer.client.id);
    assert_eq!(trail.items[0].resource_region.as_deref(), Some("410100"));
}

#[tokio::test]
async fn cover_must_reach_the_minimum_in_force_on_the_start_date() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let with_cover = |number: &str, start: &str, cover: i64| {
        let mut body = policy(number, &enterprise_id, start, "2026-03-27");
        body["cover_per_person_fen"] = json!(cover);
        body
    };

    // 350,000 yuan starting 2025-03-28: the 300,000-yuan minimum governs.
    let created = write_policy(&app, insurer.token(), &with_cover("P-0328", "2025-03-28", 35_000_000)).await;
    assert_eq!(created["cover_per_person_fen"], 35_000_000);
    assert_eq!(created["min_cover_rule"], "min_cover_per_person_fen@2018-01-01");

    // The same cover starting a day later is below the 400,000-yuan minimum.
    for cover in [35_000_000, 39_999_999] {
        let (status, problem) =
            status_json(post(&app, insurer.token(), POLICIES, None, &with_cover("P-0329", "2025-03-29", cover)).await)
                .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["code"], "validation_failed");
        assert_eq!(field_errors(&problem), pairs(&[("cover_per_person_fen", "cover_below_minimum")]));
        // The refusal cites the rule version and its clause.
        let detail = problem["detail"].as_str().unwrap_or_default();
        assert!(detail.contains("min_cover_per_person_fen@2025-03-29") && detail.contains("400000.00"), "{detail}");
        assert!(detail.contains("应急〔2025〕27号"), "{detail}");
    }
    assert_eq!(stored_policies(&app).len(), 1);

    // Exactly the minimum is enough.
    let created = write_policy(&app, insurer.token(), &with_cover("P-0329", "2025-03-29", 40_000_000)).await;
    assert_eq!(created["min_cover_rule"], "min_cover_per_person_fen@2025-03-29");
    let numbers: Vec<String> = stored_policies(&app).into_iter().map(|p| p.policy_number).collect();
    assert_eq!(sorted(numbers), ["P-0328", "P-0329"]);
}

#[tokio::test]
async fn a_period_ending_before_it_starts_and_a_wrong_premium_are_refused() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);

    let backwards = policy("P-1", &enterprise_id, "2025-06-01", "2025-05-31");
    let (status, problem) = status_json(post(&app, insurer.token(), POLICIES, None, &backwards).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("end_date", "invalid_period")]));

    let mut mismatch = policy("P-1", &enterprise_id, "2025-06-01", "2026-05-31");
    mismatch["charged_premium_fen"] = json!(3_240_001);
    let (status, problem) = status_json(post(&app, insurer.token(), POLICIES, None, &mismatch).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("charged_premium_fen", "premium_mismatch")]));

    // Both at once are both reported.
    mismatch["end_date"] = json!("2025-05-31");
    let (status, problem) = status_json(post(&app, insurer.token(), POLICIES, None, &mismatch).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = field_errors(&problem);
    fields.sort();
    assert_eq!(fields, pairs(&[("charged_premium_fen", "premium_mismatch"), ("end_date", "invalid_period")]));
    assert!(stored_policies(&app).is_empty());

    // A one-day policy is a valid period.
    let one_day = write_policy(&app, insurer.token(), &policy("P-1", &enterprise_id, "2025-06-01", "2025-06-01")).await;
    assert_eq!(one_day["end_date"], "2025-06-01");
    assert_eq!(stored_policies(&app).len(), 1);
}

#[tokio::test]
async fn a_duplicate_policy_number_is_a_conflict_within_one_insurer_only() {
    let app = TestApp::spawn().await;
    let first = insurer(&app, 900, "410100").await;
    let second = insurer(&app, 901, "410300").await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let original =
        write_policy(&app, first.token(), &policy("DUP-1", &enterprise_id, "2025-04-01", "2026-03-31")).await;

    let again = policy("DUP-1", &enterprise_id, "2026-04-01", "2027-03-31");
    let (status, problem) = status_json(post(&app, first.token(), POLICIES, None, &again).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "duplicate_policy_number");
    let stored = stored_policies(&app);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id.to_string(), original["id"].as_str().expect("id"));
    assert_eq!(stored[0].start_date.to_string(), "2025-04-01");

    // Policy numbers are unique per insurer: another insurer may use the same one.
    let other = write_policy(&app, second.token(), &again).await;
    assert_eq!(other["insurer_id"], second.id.as_str());
    assert_eq!(stored_policies(&app).len(), 2);
}

#[tokio::test]
async fn an_insurer_id_in_the_body_is_refused_not_trusted() {
    let app = TestApp::spawn().await;
    let insurer_a = insurer(&app, 900, "410100").await;
    let insurer_b = insurer(&app, 901, "410100").await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let mut body = policy("P-1", &enterprise_id, "2025-04-01", "2026-03-31");
    body["insurer_id"] = json!(insurer_b.id);
    let (status, problem) = status_json(post(&app, insurer_a.token(), POLICIES, None, &body).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("insurer_id", "unknown_field")]));
    assert!(stored_policies(&app).is_empty());
}

#[tokio::test]
async fn only_insurers_write_policies() {
    let app = TestApp::spawn().await;
    let enterprise = app.enterprise(1, "410100").await;
    let enterprise_id = id_of(&enterprise);
    let agency = app
        .organization(json!({
            "credit_code": credit_code(2), "name": "河南安评技术服务有限公司", "kind": "technical_service_agency",
            "region_code": "410100", "contact_phone": "13812345678", "legal_representative": "王建国",
            "service_types": ["safety_assessment"],
        }))
        .await;
    let regulator = app.regulator("410100").await;
    let province = app.regulator("410000").await;
    let agency_client = app.client("agency", Some(&id_of(&agency)), None).await;
    let portal = app.client("portal", None, None).await;
    let enterprise_client = app.client("enterprise", Some(&enterprise_id), None).await;
    let body = policy("P-1", &enterprise_id, "2025-04-01", "2026-03-31");
    for (who, token) in [
        ("regulator", regulator.token.as_str()),
        ("province regulator", province.token.as_str()),
        ("agency", agency_client.token.as_str()),
        ("portal", portal.token.as_str()),
        ("enterprise", enterprise_client.token.as_str()),
        ("admin", app.admin_token()),
    ] {
        let (status, problem) = status_json(post(&app, token, POLICIES, None, &body).await).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {problem}");
        assert_eq!(problem["code"], "forbidden", "{who}");
    }
    assert!(stored_policies(&app).is_empty());
}

#[tokio::test]
async fn a_policy_is_visible_to_its_insurer_and_the_enterprises_regulators_only() {
    let app = TestApp::spawn().await;
    let writer = insurer(&app, 900, "410100").await;
    let stranger = insurer(&app, 901, "410100").await;
    let enterprise = app.enterprise(1, "410300").await;
    let enterprise_id = id_of(&enterprise);
    let created = write_policy(&app, writer.token(), &policy("P-1", &enterprise_id, "2025-04-01", "2026-03-31")).await;
    let path = format!("{POLICIES}/{}", created["id"].as_str().expect("id"));

    let luoyang = app.regulator("410300").await;
    let zhengzhou = app.regulator("410100").await;
    let province = app.regulator("410000").await;
    let enterprise_client = app.client("enterprise", Some(&enterprise_id), None).await;
    let portal = app.client("portal", None, None).await;

    for (who, token) in [
        ("writer", writer.token()),
        ("regulator of the enterprise's city", luoyang.token.as_str()),
        ("province regulator", province.token.as_str()),
        ("the insured enterprise", enterprise_client.token.as_str()),
        ("admin", app.admin_token()),
    ] {
        let (status, body) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::OK, "{who}: {body}");
        assert_eq!(body, created, "{who}");
    }
    for (who, token) in [
        ("another insurer", stranger.token()),
        ("regulator of another city", zhengzhou.token.as_str()),
        ("portal", portal.token.as_str()),
    ] {
        let (status, body) = get_json(&app, token, &path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}: {body}");
        assert_eq!(body["code"], "not_found", "{who}");
    }
    let (status, _) = get_json(&app, writer.token(), &format!("{POLICIES}/{}", Uuid::now_v7())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Reading changed nothing.
    assert_eq!(stored_policies(&app).len(), 1);
}

#[tokio::test]
async fn policy_lists_filter_and_are_scoped_to_the_caller() {
    let app = TestApp::spawn().await;
    let a = insurer(&app, 900, "410100").await;
    let b = insurer(&app, 901, "410100").await;
    let e1 = id_of(&app.enterprise(1, "410100").await);
    let e2 = id_of(&app.enterprise(2, "410300").await);

    let p1 = write_policy(&app, a.token(), &policy("A-1", &e1, "2025-01-01", "2025-12-31")).await;
    let p2 = write_policy(&app, a.token(), &policy("A-2", &e2, "2026-01-01", "2026-12-31")).await;
    let p3 = write_policy(&app, a.token(), &policy("A-3", &e1, "2026-01-01", "2026-12-31")).await;
    let p4 = write_policy(&app, b.token(), &policy("B-1", &e1, "2025-06-01", "2026-05-31")).await;
    let id = |p: &Value| p["id"].as_str().expect("id").to_owned();
    let (p1, p2, p3, p4) = (id(&p1), id(&p2), id(&p3), id(&p4));

    let list = |token: String, query: String| {
        let app = &app;
        async move {
            let (status, page) = get_json(app, &token, &format!("{POLICIES}{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {page}");
            assert_eq!(page["next_cursor"], Value::Null);
            let listed = ids(&page);
            // Ordered by id (creation).
            assert_eq!(listed, sorted(listed.clone()), "{query}");
            listed
        }
    };
    let a_token = a.token().to_owned();
    assert_eq!(list(a_token.clone(), String::new()).await, sorted(vec![p1.clone(), p2.clone(), p3.clone()]));
    assert_eq!(list(a_token.clone(), format!("?enterprise={e1}")).await, sorted(vec![p1.clone(), p3.clone()]));
    assert_eq!(list(a_token.clone(), "?in_force_on=2025-06-01".into()).await, vec![p1.clone()]);
    assert_eq!(list(a_token.clone(), "?in_force_on=2025-12-31".into()).await, vec![p1.clone()]);
    assert_eq!(list(a_token.clone(), "?in_force_on=2026-01-01".into()).await, sorted(vec![p2.clone(), p3.clone()]));
    assert_eq!(list(a_token.clone(), "?region=410300".into()).await, vec![p2.clone()]);
    assert_eq!(list(a_token.clone(), format!("?enterprise={e1}&in_force_on=2026-06-01")).await, vec![p3.clone()]);
    assert!(list(a_token.clone(), "?in_force_on=2024-12-31".into()).await.is_empty());

    // The other insurer sees only its own, whatever it asks for.
    let b_token = b.token().to_owned();
    assert_eq!(list(b_token.clone(), String::new()).await, vec![p4.clone()]);
    assert_eq!(list(b_token.clone(), format!("?enterprise={e1}")).await, vec![p4.clone()]);
    assert!(list(b_token, "?region=410300".into()).await.is_empty());

    // Regulators see the policies of enterprises in their jurisdiction.
    let zhengzhou = app.regulator("410100").await.token;
    let luoyang = app.regulator("410300").await.token;
    let province = app.regulator("410000").await.token;
    assert_eq!(list(zhengzhou.clone(), String::new()).await, sorted(vec![p1.clone(), p3.clone(), p4.clone()]));
    assert_eq!(list(zhengzhou, "?in_force_on=2025-06-01".into()).await, sorted(vec![p1.clone(), p4.clone()]));
    assert_eq!(list(luoyang.clone(), String::new()).await, vec![p2.clone()]);
    assert!(list(luoyang, format!("?enterprise={e1}")).await.is_empty());
    assert_eq!(list(province.clone(), String::new()).await, sorted(vec![p1.clone(), p2.clone(), p3, p4.clone()]));
    assert_eq!(list(province, "?region=410100&in_force_on=2025-06-01".into()).await, sorted(vec![p1, p4]));

    // Bad filters are 422; portals may not list.
    let (status, problem) = get_json(&app, a.token(), &format!("{POLICIES}?in_force_on=2025-02-30")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem)[0].0, "in_force_on");
    let portal = app.client("portal", None, None).await;
    let (status, _) = get_json(&app, &portal.token, POLICIES).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(stored_policies(&app).len(), 4);
}

#[tokio::test]
async fn a_retry_under_the_same_idempotency_key_returns_the_first_policy() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let body = policy("P-1", &enterprise_id, "2025-04-01", "2026-03-31");
    let first = post(&app, insurer.token(), POLICIES, Some("policy-key-1"), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let location = first.headers()["location"].to_str().expect("location").to_owned();
    let first_text = first.text().await.expect("body");

    let replay = post(&app, insurer.token(), POLICIES, Some("policy-key-1"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    assert_eq!(replay.headers()["location"], location.as_str());
    assert_eq!(replay.text().await.expect("body"), first_text);
    assert_eq!(stored_policies(&app).len(), 1);

    let mut other = body.clone();
    other["policy_number"] = json!("P-2");
    let (status, problem) =
        status_json(post(&app, insurer.token(), POLICIES, Some("policy-key-1"), &other).await).await;
    assert_eq!(status, StatusCode::CONFLICT, "{problem}");
    assert_eq!(problem["code"], "idempotency_conflict");
    assert_eq!(stored_policies(&app).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_of_one_policy_number_store_one_policy() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let body = policy("RACE-1", &enterprise_id, "2025-04-01", "2026-03-31");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (http, url, token, body) = (app.http.clone(), app.url(POLICIES), insurer.token().to_owned(), body.clone());
        tasks.push(tokio::spawn(async move {
            let response = http.post(url).bearer_auth(token).json(&body).send().await.expect("request");
            let status = response.status();
            (status, response.text().await.expect("body"))
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        let (status, text) = task.await.expect("task");
        assert!(status == StatusCode::CREATED || status == StatusCode::CONFLICT, "{status}: {text}");
        if status == StatusCode::CONFLICT {
            assert!(text.contains("duplicate_policy_number"), "{text}");
        }
        statuses.push(status);
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::CREATED).count(), 1);
    let stored = stored_policies(&app);
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].policy_number, "RACE-1");
}

#[tokio::test]
async fn the_insured_must_be_exactly_one_known_enterprise() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let base = policy("P-1", &enterprise_id, "2025-04-01", "2026-03-31");
    let with = |change: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut body = base.clone();
        change(body.as_object_mut().expect("object"));
        body
    };
    let cases: Vec<(&str, Value, (&str, &str))> = vec![
        (
            "unknown id",
            with(&|b| {
                b.insert("enterprise_id".into(), json!(Uuid::now_v7()));
            }),
            ("enterprise_id", "unknown_organization"),
        ),
        (
            "an insurer's id",
            with(&|b| {
                b.insert("enterprise_id".into(), json!(insurer.id));
            }),
            ("enterprise_id", "not_an_enterprise"),
        ),
        (
            "unknown credit code",
            with(&|b| {
                b.remove("enterprise_id");
                b.insert("enterprise_credit_code".into(), json!(credit_code(77)));
            }),
            ("enterprise_credit_code", "unknown_organization"),
        ),
        (
            "an insurer's credit code",
            with(&|b| {
                b.remove("enterprise_id");
                b.insert("enterprise_credit_code".into(), json!(credit_code(900)));
            }),
            ("enterprise_credit_code", "not_an_enterprise"),
        ),
        (
            "both",
            with(&|b| {
                b.insert("enterprise_credit_code".into(), json!(credit_code(1)));
            }),
            ("enterprise_id", "ambiguous"),
        ),
        (
            "neither",
            with(&|b| {
                b.remove("enterprise_id");
            }),
            ("enterprise_id", "required"),
        ),
    ];
    for (what, body, expected) in cases {
        let (status, problem) = status_json(post(&app, insurer.token(), POLICIES, None, &body).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&[expected]), "{what}");
    }
    assert!(stored_policies(&app).is_empty());
}
