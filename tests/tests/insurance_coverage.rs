//! Coverage (三(一)), accidents and floating-rate quotes (三(三)) over real
//! HTTP, on the backend TEST_DATABASE names.

use chrono::{Days, NaiveDate};
use e2e::insurance::{
    enterprise_in, field_errors, get_json, id_of, insurer, pairs, policy, post, status_json, write_policy,
};
use e2e::{credit_code, TestApp};
use persistence::{accidents, audit};
use reqwest::StatusCode;
use serde_json::{json, Value};
use uuid::Uuid;

const TABLE: &str = "410000-rate-table@2017-11-08";

fn coverage_path(org_id: &str, on: &str) -> String {
    format!("/api/v1/organizations/{org_id}/insurance-coverage?on={on}")
}

fn listed(page: &Value) -> Vec<String> {
    page["items"].as_array().expect("items").iter().map(|o| o["id"].as_str().expect("id").to_owned()).collect()
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

#[tokio::test]
async fn coverage_holds_from_the_first_to_the_last_day_of_a_policy() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let mine = id_of(&app.enterprise(1, "410100").await);
    let office = id_of(&enterprise_in(&app, 2, "410100", "other").await);
    let covering = write_policy(&app, insurer.token(), &policy("P-1", &mine, "2025-04-01", "2026-03-31")).await;
    let office_policy = write_policy(&app, insurer.token(), &policy("P-2", &office, "2025-01-01", "2025-12-31")).await;
    let regulator = app.regulator("410100").await;

    for on in ["2025-04-01", "2025-10-15", "2026-03-31"] {
        let (status, body) = get_json(&app, &regulator.token, &coverage_path(&mine, on)).await;
        assert_eq!(status, StatusCode::OK, "{on}: {body}");
        assert_eq!(
            body,
            json!({
                "organization_id": mine,
                "on": on,
                "sector": "mining",
                "mandatory": true,
                "covered": true,
                "policies": [covering],
            }),
            "{on}"
        );
    }
    for on in ["2025-03-31", "2026-04-01"] {
        let (status, body) = get_json(&app, &regulator.token, &coverage_path(&mine, on)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!((body["covered"].clone(), body["policies"].clone()), (json!(false), json!([])), "{on}");
        assert_eq!(body["mandatory"], true);
    }

    // Insurance is not mandatory outside the high-risk sectors, covered or not.
    let (_, body) = get_json(&app, &regulator.token, &coverage_path(&office, "2025-06-01")).await;
    assert_eq!(
        (body["sector"].clone(), body["mandatory"].clone(), body["covered"].clone()),
        (json!("other"), json!(false), json!(true))
    );
    assert_eq!(body["policies"], json!([office_policy]));
    let (_, body) = get_json(&app, &regulator.token, &coverage_path(&office, "2026-01-01")).await;
    assert_eq!((body["mandatory"].clone(), body["covered"].clone()), (json!(false), json!(false)));

    // The enterprise itself may ask; a regulator of another city may not.
    let own = app.client("enterprise", Some(&mine), None).await;
    let (status, body) = get_json(&app, &own.token, &coverage_path(&mine, "2025-04-01")).await;
    assert_eq!((status, body["covered"].clone()), (StatusCode::OK, json!(true)));
    let luoyang = app.regulator("410300").await;
    let (status, _) = get_json(&app, &luoyang.token, &coverage_path(&mine, "2025-04-01")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, problem) = get_json(&app, &regulator.token, &coverage_path(&mine, "2025-13-01")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem)[0].0, "on");
}

#[tokio::test]
async fn uncovered_high_risk_enterprises_are_listed_for_their_regulators() {
    let app = TestApp::spawn().await;
    let insurer = insurer(&app, 900, "410100").await;
    let ended = id_of(&app.enterprise(1, "410100").await);
    let starting = id_of(&enterprise_in(&app, 2, "410100", "hazardous_chemicals").await);
    let office = id_of(&enterprise_in(&app, 3, "410100", "other").await);
    let builder = id_of(&enterprise_in(&app, 4, "410100", "construction").await);
    let luoyang_mine = id_of(&app.enterprise(5, "410300").await);
    let gongyi_fishery = id_of(&enterprise_in(&app, 6, "410181", "fishery").await);
    write_policy(&app, insurer.token(), &policy("P-1", &ended, "2024-07-01", "2025-06-30")).await;
    write_policy(&app, insurer.token(), &policy("P-2", &starting, "2025-07-01", "2026-06-30")).await;

    let zhengzhou = app.regulator("410100").await.token;
    let luoyang = app.regulator("410300").await.token;
    let gongyi = app.regulator("410181").await.token;
    let province = app.regulator("410000").await.token;
    let uncovered = |token: String, query: &'static str| {
        let app = &app;
        async move {
            let (status, page) = get_json(app, &token, &format!("/api/v1/insurance/uncovered{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query}: {page}");
            assert_eq!(page["next_cursor"], Value::Null);
            let ids = listed(&page);
            assert_eq!(ids, sorted(ids.clone()), "ordered by id");
            ids
        }
    };

    // On 2025-07-01 the first policy ended the day before; the second starts that day.
    assert_eq!(uncovered(zhengzhou.clone(), "?on=2025-07-01").await, sorted(vec![ended.clone(), builder.clone()]));
    assert_eq!(uncovered(luoyang.clone(), "?on=2025-07-01").await, vec![luoyang_mine.clone()]);
    // A province-managed county answers to the province, not its former city.
    assert_eq!(uncovered(gongyi, "?on=2025-07-01").await, vec![gongyi_fishery.clone()]);
    assert_eq!(
        uncovered(province.clone(), "?on=2025-07-01").await,
        sorted(vec![ended.clone(), builder.clone(), luoyang_mine.clone(), gongyi_fishery.clone()])
    );
    // The day before, the first policy was still in force and the second not yet.
    assert_eq!(uncovered(zhengzhou.clone(), "?on=2025-06-30").await, sorted(vec![starting.clone(), builder.clone()]));
    // Filters.
    assert_eq!(
        uncovered(province.clone(), "?on=2025-07-01&sector=mining").await,
        sorted(vec![ended.clone(), luoyang_mine.clone()])
    );
    assert_eq!(uncovered(province.clone(), "?on=2025-07-01&region=410300").await, [luoyang_mine]);
    // The `other` sector is never listed.
    for query in ["?on=2025-07-01", "?on=2025-06-30", "?on=2020-01-01"] {
        assert!(!uncovered(province.clone(), query).await.contains(&office), "{query}");
    }
    let (status, problem) = get_json(&app, &province, "/api/v1/insurance/uncovered?sector=other").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("sector", "not_high_risk")]));

    let portal = app.client("portal", None, None).await;
    for token in [portal.token.as_str(), insurer.token()] {
        let (status, problem) = get_json(&app, token, "/api/v1/insurance/uncovered?on=2025-07-01").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
    }
}

fn accident(enterprise_id: &str, occurred_on: &str, grade: &str) -> Value {
    json!({
        "enterprise_id": enterprise_id,
        "occurred_on": occurred_on,
        "grade": grade,
        "deaths": 1,
        "injuries": 2,
        "summary": "井下运输巷道冒顶",
    })
}

#[tokio::test]
async fn regulators_record_accidents_in_their_jurisdiction() {
    let app = TestApp::spawn().await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let gongyi_enterprise = id_of(&app.enterprise(2, "410181").await);
    let an_insurer = insurer(&app, 900, "410100").await;
    let regulator = app.regulator("410100").await;
    let luoyang = app.regulator("410300").await;

    let response =
        post(&app, &regulator.token, "/api/v1/accidents", None, &accident(&enterprise_id, "2025-08-02", "general"))
            .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["location"], format!("/api/v1/organizations/{enterprise_id}/accidents").as_str());
    let (_, recorded) = status_json(response).await;
    assert_eq!(recorded["enterprise_id"], enterprise_id.as_str());
    assert_eq!(recorded["occurred_on"], "2025-08-02");
    assert_eq!(recorded["grade"], "general");
    assert_eq!((recorded["deaths"].clone(), recorded["injuries"].clone()), (json!(1), json!(2)));
    assert_eq!(recorded["summary"], "井下运输巷道冒顶");

    // Outside the jurisdiction (another city, a province-managed county), or
    // not an enterprise: as unknown as a missing one.
    for (who, token, target) in [
        ("another city", luoyang.token.as_str(), enterprise_id.clone()),
        ("a province-managed county", regulator.token.as_str(), gongyi_enterprise.clone()),
        ("an insurer", regulator.token.as_str(), an_insurer.id.clone()),
        ("nobody", regulator.token.as_str(), Uuid::now_v7().to_string()),
    ] {
        let (status, problem) =
            status_json(post(&app, token, "/api/v1/accidents", None, &accident(&target, "2025-08-02", "major")).await)
                .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{who}: {problem}");
        assert_eq!(field_errors(&problem), pairs(&[("enterprise_id", "unknown_organization")]), "{who}");
    }
    let tomorrow = (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(1)).date_naive();
    let (status, problem) = status_json(
        post(
            &app,
            &regulator.token,
            "/api/v1/accidents",
            None,
            &accident(&enterprise_id, &tomorrow.to_string(), "general"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), pairs(&[("occurred_on", "out_of_range")]));
    let (status, _) = status_json(
        post(&app, an_insurer.token(), "/api/v1/accidents", None, &accident(&enterprise_id, "2025-08-02", "general"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Listed for the enterprise; stored once, by the regulator, and audited.
    for token in [regulator.token.as_str(), app.admin_token()] {
        let (status, list) = get_json(&app, token, &format!("/api/v1/organizations/{enterprise_id}/accidents")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list, json!({"items": [recorded]}));
    }
    let (status, _) = get_json(&app, &luoyang.token, &format!("/api/v1/organizations/{enterprise_id}/accidents")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let mut conn = app.db.connect();
    let stored =
        accidents::for_enterprise(&mut conn, Uuid::parse_str(&enterprise_id).expect("uuid")).expect("accidents");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id.to_string(), recorded["id"].as_str().expect("id"));
    assert_eq!(stored[0].recorded_by, regulator.id);
    assert!(accidents::for_enterprise(&mut conn, Uuid::parse_str(&gongyi_enterprise).expect("uuid"))
        .expect("accidents")
        .is_empty());
    let trail = audit::list(
        &mut conn,
        &audit::AuditFilter { resource_id: Some(stored[0].id.to_string()), ..Default::default() },
        None,
        10,
    )
    .expect("audit");
    assert_eq!(trail.items.len(), 1);
    assert_eq!(trail.items[0].action, "accident.create");
    assert_eq!(trail.items[0].actor, regulator.id);
}

#[tokio::test]
async fn quotes_float_with_the_accident_record() {
    let app = TestApp::spawn().await;
    let enterprise_id = id_of(&app.enterprise(1, "410100").await);
    let an_insurer = insurer(&app, 900, "410100").await;
    let regulator = app.regulator("410100").await;
    let on = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
    let quote = |token: String, body: Value| {
        let app = &app;
        async move { status_json(post(app, &token, "/api/v1/insurance/rate-quotes", None, &body).await).await }
    };
    let request = json!({"enterprise_id": enterprise_id, "base_premium_fen": 3_600_000, "on": on.to_string()});

    // No accident in the last year: −10 %.
    let (status, clean) = quote(an_insurer.token().to_owned(), request.clone()).await;
    assert_eq!(status, StatusCode::OK, "{clean}");
    assert_eq!(
        clean,
        json!({
            "enterprise_id": enterprise_id,
            "quoted_on": "2026-06-01",
            "base_premium_fen": 3_600_000,
            "factors": [{
                "factor": "no_accident_last_year",
                "adjustment_bp": -1000,
                "version": "no_accident_last_year@2017-11-08",
                "evidence_occurred_on": null,
            }],
            "total_adjustment_bp": -1000,
            "charged_premium_fen": 3_240_000,
            "table_version": TABLE,
            "missing_factors": [],
        })
    );
    // The same by credit code.
    let by_code = json!({"enterprise_credit_code": credit_code(1), "base_premium_fen": 3_600_000, "on": "2026-06-01"});
    let (status, same) = quote(regulator.token.clone(), by_code).await;
    assert_eq!((status, same), (StatusCode::OK, clean));

    // A larger accident 100 days before: +20 %.
    let larger_on = on.checked_sub_days(Days::new(100)).expect("date");
    assert_eq!(larger_on.to_string(), "2026-02-21");
    let (status, _) = status_json(
        post(
            &app,
            &regulator.token,
            "/api/v1/accidents",
            None,
            &accident(&enterprise_id, &larger_on.to_string(), "larger"),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    // A later general accident does not outweigh it.
    let (status, _) = status_json(
        post(&app, &regulator.token, "/api/v1/accidents", None, &accident(&enterprise_id, "2026-05-20", "general"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, surcharged) = quote(an_insurer.token().to_owned(), request.clone()).await;
    assert_eq!(status, StatusCode::OK, "{surcharged}");
    assert_eq!(
        surcharged["factors"],
        json!([{
            "factor": "accident_larger",
            "adjustment_bp": 2000,
            "version": "accident_larger@2017-11-08",
            "evidence_occurred_on": "2026-02-21",
        }])
    );
    assert_eq!(surcharged["total_adjustment_bp"], 2000);
    assert_eq!(surcharged["charged_premium_fen"], 4_320_000);
    assert_eq!(surcharged["table_version"], TABLE);

    // Quoted before the accidents happened, the record was clean.
    let mut earlier = request.clone();
    earlier["on"] = json!("2026-02-20");
    let (_, before) = quote(an_insurer.token().to_owned(), earlier).await;
    assert_eq!(before["factors"][0]["factor"], "no_accident_last_year");
    assert_eq!(before["charged_premium_fen"], 3_240_000);

    // Regulators price only their own jurisdiction; portals not at all.
    let luoyang = app.regulator("410300").await;
    let (status, problem) = quote(luoyang.token, request.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(field_errors(&problem), pairs(&[("enterprise_id", "unknown_organization")]));
    let portal = app.client("portal", None, None).await;
    let (status, _) = quote(portal.token, request).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A quote stores nothing.
    let mut conn = app.db.connect();
    assert_eq!(
        accidents::for_enterprise(&mut conn, Uuid::parse_str(&enterprise_id).expect("uuid")).expect("list").len(),
        2
    );
}

#[tokio::test]
async fn a_blacklisted_enterprise_is_quoted_with_the_blacklist_factor() {
    let app = TestApp::spawn().await;
    let enterprise_id = id_of(&app.enterprise(2, "410100").await);
    let an_insurer = insurer(&app, 901, "410100").await;
    let quote_on = |on: &str| {
        let app = &app;
        let body = json!({"enterprise_id": enterprise_id, "base_premium_fen": 3_600_000, "on": on});
        let token = an_insurer.token().to_owned();
        async move { status_json(post(app, &token, "/api/v1/insurance/rate-quotes", None, &body).await).await }
    };
    // Listed on 2026-03-01 (八(三)), as a trigger event lists a party, for the domain's term.
    let listed_on = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let listing = {
        let mut conn = app.db.connect();
        let book = persistence::rules::load_rule_book(&mut conn).expect("rule book");
        let term = domain::blacklist::Listing::new(&book, listed_on).expect("term");
        persistence::blacklist::insert_listing(
            &mut conn,
            &persistence::blacklist::NewListing {
                organization_id: Uuid::parse_str(&enterprise_id).expect("uuid"),
                trigger_type: "false_report".to_owned(),
                credit_event_id: None,
                decided_by: "fixture".to_owned(),
                decided_region: domain::region::RegionCode::parse("410100").expect("region"),
                listed_on,
                ends_on: term.value.ends_on,
                term_rule_version: term.version,
            },
            chrono::Utc::now(),
        )
        .expect("listing")
    };

    // Listed on the quote date: the blacklist factor (+10 %) follows the accident-record one.
    let (status, listed) = quote_on("2026-06-01").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(
        listed["factors"],
        json!([
            {
                "factor": "no_accident_last_year",
                "adjustment_bp": -1000,
                "version": "no_accident_last_year@2017-11-08",
                "evidence_occurred_on": null,
            },
            {
                "factor": "blacklisted",
                "adjustment_bp": 1000,
                "version": "blacklisted@2017-11-08",
                "evidence_occurred_on": null,
            },
        ])
    );
    assert_eq!(listed["total_adjustment_bp"], 0);
    assert_eq!(listed["charged_premium_fen"], 3_600_000);
    assert_eq!(listed["missing_factors"], json!([]));

    // The first day of the listing counts; the day before does not.
    let (_, first_day) = quote_on("2026-03-01").await;
    assert_eq!(first_day["factors"][1]["factor"], "blacklisted");
    let (_, before) = quote_on("2026-02-28").await;
    assert_eq!(before["factors"].as_array().expect("factors").len(), 1, "{before}");
    assert_eq!(before["charged_premium_fen"], 3_240_000);

    // Removed early from 2026-05-01: quotes from then on carry no blacklist factor.
    persistence::blacklist::set_removed(
        &mut app.db.connect(),
        listing.id,
        Some(NaiveDate::from_ymd_opt(2026, 5, 1).expect("date")),
    )
    .expect("remove");
    let (_, removed) = quote_on("2026-06-01").await;
    assert_eq!(removed["factors"].as_array().expect("factors").len(), 1, "{removed}");
    assert_eq!(removed["factors"][0]["factor"], "no_accident_last_year");
    assert_eq!(removed["charged_premium_fen"], 3_240_000);
    let (_, still_listed) = quote_on("2026-04-30").await;
    assert_eq!(still_listed["factors"][1]["factor"], "blacklisted");
}
