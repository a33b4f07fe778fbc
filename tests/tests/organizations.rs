//! The organisation registry over real HTTP, on the backend TEST_DATABASE names.

use e2e::{credit_code, TestApp};
use persistence::{audit, organizations};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

fn agency(seed: u32, region: &str) -> Value {
    json!({
        "credit_code": credit_code(seed),
        "name": format!("河南安评技术服务有限公司{seed}"),
        "kind": "technical_service_agency",
        "region_code": region,
        "address": "郑州市金水区花园路 1 号",
        "legal_representative": "王建国",
        "contact_phone": "13812345678",
        "service_types": ["safety_assessment", "testing_inspection"],
        "qualification": {"number": "APJ-(豫)-001", "scope": "金属冶炼", "valid_from": "2024-02-29", "valid_until": "2029-02-28"}
    })
}

#[tokio::test]
async fn create_fetch_list_and_audit() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(app.admin_token())
        .json(&agency(1, "410100"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().expect("location").to_owned();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let created: Value = response.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    assert_eq!(location, format!("/api/v1/organizations/{id}"));
    assert_eq!(created["credit_code"], credit_code(1));
    assert_eq!(created["status"], "active");
    assert_eq!(created["contact_phone"], "13812345678");
    assert_eq!(created["qualification"]["valid_from"], "2024-02-29");

    let fetched: Value = app
        .http
        .get(app.url(&location))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(fetched, created);

    let listed: Value = app
        .http
        .get(app.url(&format!("/api/v1/organizations?credit_code={}", credit_code(1))))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(listed["items"], json!([created]));
    assert_eq!(listed["next_cursor"], Value::Null);

    // The database holds the row and one audit record naming the admin.
    let mut conn = app.db.connect();
    let stored = organizations::find(&mut conn, Uuid::parse_str(&id).expect("uuid")).expect("query").expect("row");
    assert_eq!(stored.name, "河南安评技术服务有限公司1");
    let trail =
        audit::list(&mut conn, &audit::AuditFilter { resource_id: Some(id.clone()), ..Default::default() }, None, 10)
            .expect("audit");
    assert_eq!(trail.items.len(), 1);
    let entry = &trail.items[0];
    assert_eq!(entry.action, "organization.create");
    assert_eq!(entry.role, "admin");
    assert_eq!(entry.resource_region.as_deref(), Some("410100"));
    assert!(!entry.request_id.is_empty());
}

#[tokio::test]
async fn duplicate_credit_code_is_a_conflict_and_stores_nothing() {
    let app = TestApp::spawn().await;
    app.organization(agency(2, "410100")).await;
    let mut second = agency(2, "410300");
    second["name"] = json!("另一家公司");
    let response = app
        .http
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(app.admin_token())
        .json(&second)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "duplicate_credit_code");
    let mut conn = app.db.connect();
    let page = organizations::list(&mut conn, &Default::default(), None, 10).expect("list");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].name, "河南安评技术服务有限公司2");
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let mut corrupt = credit_code(3);
    corrupt.replace_range(17..18, if corrupt.ends_with('0') { "1" } else { "0" });
    let response = app
        .http
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(app.admin_token())
        .header("Accept-Language", "en")
        .json(&json!({"credit_code": corrupt, "name": "某公司", "kind": "bank", "region_code": "410199"}))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["code"], "validation_failed");
    assert_eq!(problem["title"], "The request failed validation");
    let fields: Vec<(&str, &str)> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| (e["field"].as_str().unwrap_or(""), e["code"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        fields,
        [("credit_code", "invalid_credit_code"), ("kind", "invalid_kind"), ("region_code", "unknown_region")]
    );
    let mut conn = app.db.connect();
    assert!(organizations::list(&mut conn, &Default::default(), None, 10).expect("list").items.is_empty());
}

#[tokio::test]
async fn kind_specific_fields_are_checked() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(app.admin_token())
        .json(&json!({
            "credit_code": credit_code(4), "name": "矿业公司", "kind": "enterprise", "region_code": "410300",
            "service_types": ["consulting"], "contact_phone": "12345", "employee_count": -1,
            "name_typo": 1
        }))
        .send()
        .await
        .expect("request");
    // Unknown fields are refused before anything else.
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.expect("json");
    assert_eq!(problem["errors"][0]["code"], "unknown_field");
    assert_eq!(problem["errors"][0]["field"], "name_typo");

    let response = app
        .http
        .post(app.url("/api/v1/organizations"))
        .bearer_auth(app.admin_token())
        .json(&json!({
            "credit_code": credit_code(4), "name": "矿业公司\n", "kind": "enterprise", "region_code": "410300",
            "service_types": ["consulting"], "contact_phone": "12345", "employee_count": -1
        }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = response.json().await.expect("json");
    let mut fields: Vec<String> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| format!("{}:{}", e["field"].as_str().unwrap_or(""), e["code"].as_str().unwrap_or("")))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            "contact_phone:invalid_phone",
            "employee_count:invalid_range",
            "name:invalid_text",
            "sector:required",
            "service_types:not_applicable",
        ]
    );
}

#[tokio::test]
async fn updates_need_the_current_etag() {
    let app = TestApp::spawn().await;
    let created = app.organization(agency(5, "410100")).await;
    let url = app.url(&format!("/api/v1/organizations/{}", created["id"].as_str().expect("id")));

    let response = app
        .http
        .patch(&url)
        .bearer_auth(app.admin_token())
        .json(&json!({"name": "新名称"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), StatusCode::PRECONDITION_REQUIRED);
    assert_eq!(response.json::<Value>().await.expect("json")["code"], "precondition_required");

    let response = app
        .http
        .patch(&url)
        .bearer_auth(app.admin_token())
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "新名称", "contact_phone": null, "status": "suspended"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"], "\"2\"");
    let updated: Value = response.json().await.expect("json");
    assert_eq!(updated["name"], "新名称");
    assert_eq!(updated["contact_phone"], Value::Null);
    assert_eq!(updated["status"], "suspended");
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["credit_code"], created["credit_code"]);

    // The first version is stale now.
    let response = app
        .http
        .patch(&url)
        .bearer_auth(app.admin_token())
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "又一个名称"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), StatusCode::PRECONDITION_FAILED);

    // Identity cannot change; invalid patches change nothing.
    let response = app
        .http
        .patch(&url)
        .bearer_auth(app.admin_token())
        .header("If-Match", "\"2\"")
        .json(&json!({"credit_code": credit_code(6), "region_code": "999999"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut conn = app.db.connect();
    let id = Uuid::parse_str(created["id"].as_str().expect("id")).expect("uuid");
    let stored = organizations::find(&mut conn, id).expect("query").expect("row");
    assert_eq!((stored.name.as_str(), stored.version), ("新名称", 2));
    let trail = audit::list(
        &mut conn,
        &audit::AuditFilter { resource_id: Some(id.to_string()), ..Default::default() },
        None,
        10,
    )
    .expect("audit");
    let actions: Vec<&str> = trail.items.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["organization.update", "organization.create"]);
}

#[tokio::test]
async fn roles_and_jurisdictions_decide_who_sees_and_writes() {
    let app = TestApp::spawn().await;
    let zhengzhou_org = app.organization(agency(7, "410100")).await;
    let gongyi_org = app.enterprise(8, "410181").await; // province-managed county
    let zhengzhou = app.regulator("410100").await;
    let luoyang = app.regulator("410300").await;
    let province = app.regulator("410000").await;
    let insurer_org = app
        .organization(json!({"credit_code": credit_code(9), "name": "某保险公司河南分公司", "kind": "insurer", "region_code": "410100"}))
        .await;
    let insurer = app.client("insurer", insurer_org["id"].as_str(), None).await;
    let portal = app.client("portal", None, None).await;

    let get = |token: String, org: &Value| {
        let url = app.url(&format!("/api/v1/organizations/{}", org["id"].as_str().unwrap_or("")));
        let http = app.http.clone();
        async move { http.get(url).bearer_auth(token).send().await.expect("get") }
    };
    // A city regulator sees its own city but neither another city nor a province-managed county.
    assert_eq!(get(zhengzhou.token.clone(), &zhengzhou_org).await.status(), StatusCode::OK);
    assert_eq!(get(luoyang.token.clone(), &zhengzhou_org).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(zhengzhou.token.clone(), &gongyi_org).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(province.token.clone(), &gongyi_org).await.status(), StatusCode::OK);
    // Organisations see only themselves; a portal sees everyone, masked.
    assert_eq!(get(insurer.token.clone(), &zhengzhou_org).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(get(insurer.token.clone(), &insurer_org).await.status(), StatusCode::OK);
    let masked: Value = get(portal.token.clone(), &zhengzhou_org).await.json().await.expect("json");
    assert_eq!(masked["contact_phone"], "138****5678");
    let whole: Value = get(zhengzhou.token.clone(), &zhengzhou_org).await.json().await.expect("json");
    assert_eq!(whole["contact_phone"], "13812345678");

    // Lists follow the same scopes.
    let list = |token: String| {
        let http = app.http.clone();
        let url = app.url("/api/v1/organizations");
        async move {
            let page: Value = http.get(url).bearer_auth(token).send().await.expect("list").json().await.expect("json");
            page["items"].as_array().expect("items").iter().map(|o| o["id"].clone()).collect::<Vec<_>>()
        }
    };
    assert_eq!(list(zhengzhou.token.clone()).await, vec![zhengzhou_org["id"].clone(), insurer_org["id"].clone()]);
    assert_eq!(list(luoyang.token.clone()).await, Vec::<Value>::new());
    assert_eq!(list(province.token.clone()).await.len(), 3);
    assert_eq!(list(insurer.token.clone()).await, vec![insurer_org["id"].clone()]);

    // An insurer may not register; a regulator only inside its jurisdiction.
    let create = |token: String, body: Value| {
        let http = app.http.clone();
        let url = app.url("/api/v1/organizations");
        async move { http.post(url).bearer_auth(token).json(&body).send().await.expect("post") }
    };
    assert_eq!(create(insurer.token.clone(), agency(10, "410100")).await.status(), StatusCode::FORBIDDEN);
    let outside = create(zhengzhou.token.clone(), agency(11, "410300")).await;
    assert_eq!(outside.status(), StatusCode::FORBIDDEN);
    assert_eq!(outside.json::<Value>().await.expect("json")["code"], "outside_jurisdiction");
    let inside = create(zhengzhou.token.clone(), agency(12, "410100")).await;
    assert_eq!(inside.status(), StatusCode::CREATED);

    // The audit trail names the regulator as the actor.
    let mut conn = app.db.connect();
    let trail = audit::list(
        &mut conn,
        &audit::AuditFilter { actor: Some(zhengzhou.id.clone()), ..Default::default() },
        None,
        10,
    )
    .expect("audit");
    assert_eq!(trail.items.len(), 1);
    assert_eq!((trail.items[0].role.as_str(), trail.items[0].actor_region.as_deref()), ("regulator", Some("410100")));

    // A regulator of another city cannot update (404, existence not confirmed).
    let response = app
        .http
        .patch(app.url(&format!("/api/v1/organizations/{}", zhengzhou_org["id"].as_str().unwrap_or(""))))
        .bearer_auth(&luoyang.token)
        .header("If-Match", "\"1\"")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .expect("patch");
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn public_card_hides_personal_data_and_supports_conditional_get() {
    let app = TestApp::spawn().await;
    app.organization(agency(13, "410100")).await;
    let url = app.url(&format!("/api/v1/public/organizations/{}", credit_code(13)));
    let response = app.http.get(&url).send().await.expect("get");
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["cache-control"].to_str().expect("cc").contains("public"));
    let etag = response.headers()["etag"].clone();
    let raw = response.text().await.expect("body");
    assert!(!raw.contains("13812345678") && !raw.contains("138****") && !raw.contains("王建国"), "{raw}");
    let card: Value = serde_json::from_str(&raw).expect("json");
    assert_eq!(card["name"], "河南安评技术服务有限公司13");
    assert_eq!(card["qualification_valid_until"], "2029-02-28");
    let again = app.http.get(&url).header("If-None-Match", etag).send().await.expect("get");
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);

    let missing =
        app.http.get(app.url(&format!("/api/v1/public/organizations/{}", credit_code(14)))).send().await.expect("get");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let invalid = app.http.get(app.url("/api/v1/public/organizations/91350100M000100Y44")).send().await.expect("get");
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn lists_paginate_with_cursors_and_filters() {
    let app = TestApp::spawn().await;
    for seed in 20..25 {
        app.enterprise(seed, "410100").await;
    }
    app.organization(agency(25, "410100")).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = app.url("/api/v1/organizations?kind=enterprise&limit=2");
        if let Some(c) = &cursor {
            url.push_str(&format!("&cursor={c}"));
        }
        let page: Value =
            app.http.get(url).bearer_auth(app.admin_token()).send().await.expect("list").json().await.expect("json");
        seen.extend(
            page["items"].as_array().expect("items").iter().map(|o| o["credit_code"].as_str().unwrap_or("").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, (20..25).map(credit_code).collect::<Vec<_>>());

    let bad = app
        .http
        .get(app.url("/api/v1/organizations?cursor=not-a-cursor"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("list");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<Value>().await.expect("json")["code"], "invalid_cursor");
    let bad = app
        .http
        .get(app.url("/api/v1/organizations?limit=501&kind=bank"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("list");
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let by_name: Value = app
        .http
        .get(app.url("/api/v1/organizations?q=%E5%AE%89%E8%AF%84"))
        .bearer_auth(app.admin_token())
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(by_name["items"].as_array().map(Vec::len), Some(1));
}
