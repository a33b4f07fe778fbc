//! Bulk exports (`GET /api/v1/exports/{resource}`, docs/decisions/0016) over
//! real HTTP on the backend TEST_DATABASE names: NDJSON and CSV with their
//! headers, the BOM, the same rows the JSON endpoints give each caller, and
//! a large export streamed whole and in order.

use std::collections::BTreeSet;

use chrono::Utc;
use domain::credit_code::CreditCode;
use domain::organization::{OrganizationKind, OrganizationStatus, Sector};
use domain::phone::PhoneNumber;
use domain::region::RegionCode;
use e2e::insurance::{
    batch, enterprise_in, get_json, id_of, insurer, item, policy, post, status_json, store_premiums, write_policy,
};
use e2e::{credit_code, Client, TestApp};
use persistence::organizations::OrganizationFields;
use reqwest::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

const ZHENGZHOU: &str = "410100";
/// A county the province administers directly: not part of Zhengzhou's jurisdiction.
const GONGYI: &str = "410181";
const LUOYANG: &str = "410300";
const NDJSON: &str = "application/x-ndjson";
const CSV: &str = "text/csv; charset=utf-8";
const BOM: &str = "\u{feff}";

/// `GET /api/v1/exports/{path}` with an optional `Accept`.
async fn export(app: &TestApp, token: &str, path: &str, accept: Option<&str>) -> Response {
    let mut request = app.http.get(app.url(&format!("/api/v1/exports/{path}"))).bearer_auth(token);
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    request.send().await.expect("export request")
}

fn header(response: &Response, name: reqwest::header::HeaderName) -> String {
    response.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// The NDJSON export's rows; panics unless it is a 200 of NDJSON lines.
async fn ndjson(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let response = export(app, token, path, None).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(header(&response, CONTENT_TYPE), NDJSON);
    let text = response.text().await.expect("body");
    assert!(text.is_empty() || text.ends_with('\n'), "every line ends with a newline");
    text.lines().map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"))).collect()
}

/// RFC 4180 records of a CSV text (quotes, doubled quotes, CRLF), written
/// here independently of the server's encoder.
fn csv_records(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "CR only before LF"),
            (false, '\n') => panic!("records end with CRLF"),
            (false, c) => field.push(c),
        }
        if !quoted && c == '\r' {
            record.push(std::mem::take(&mut field));
            records.push(std::mem::take(&mut record));
        }
    }
    assert!(field.is_empty() && record.is_empty(), "the last record ends with CRLF");
    records
}

/// The CSV export as records (header first) and whether it began with a BOM.
async fn csv(app: &TestApp, token: &str, path: &str) -> (Vec<Vec<String>>, bool) {
    let response = export(app, token, path, None).await;
    let status = response.status();
    assert_eq!(status, StatusCode::OK, "{path}: {:?}", response.text().await);
    assert_eq!(header(&response, CONTENT_TYPE), CSV);
    let text = response.text().await.expect("body");
    let bom = text.starts_with(BOM);
    (csv_records(text.strip_prefix(BOM).unwrap_or(&text)), bom)
}

/// Every item of a cursor-paginated list, following `next_cursor`.
async fn all_items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let separator = if path.contains('?') { '&' } else { '?' };
        let url = match &cursor {
            Some(c) => format!("{path}{separator}limit=500&cursor={c}"),
            None => format!("{path}{separator}limit=500"),
        };
        let (status, page) = get_json(app, token, &url).await;
        assert_eq!(status, StatusCode::OK, "{url}: {page}");
        let page_items = page["items"].as_array().expect("items").clone();
        let done = page_items.is_empty() || page["next_cursor"].is_null();
        items.extend(page_items);
        if done {
            return items;
        }
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(id_of).collect()
}

struct Registry {
    zhengzhou: String,
    gongyi: String,
    luoyang: String,
}

async fn registry(app: &TestApp) -> Registry {
    Registry {
        zhengzhou: id_of(&enterprise_in(app, 1, ZHENGZHOU, "mining").await),
        gongyi: id_of(&enterprise_in(app, 2, GONGYI, "hazardous_chemicals").await),
        luoyang: id_of(&enterprise_in(app, 3, LUOYANG, "mining").await),
    }
}

#[tokio::test]
async fn each_caller_exports_the_organisations_its_list_shows() {
    let app = TestApp::spawn().await;
    let orgs = registry(&app).await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let enterprise = app.client("enterprise", Some(&orgs.gongyi), None).await;
    let portal = app.client("portal", None, None).await;

    for (token, expected) in [
        (app.admin_token(), vec![&orgs.zhengzhou, &orgs.gongyi, &orgs.luoyang]),
        (zhengzhou.token.as_str(), vec![&orgs.zhengzhou]),
        (luoyang.token.as_str(), vec![&orgs.luoyang]),
        (enterprise.token.as_str(), vec![&orgs.gongyi]),
        (portal.token.as_str(), vec![&orgs.zhengzhou, &orgs.gongyi, &orgs.luoyang]),
    ] {
        let exported = ndjson(&app, token, "organizations").await;
        // Line for line what the list endpoint gives the same caller.
        assert_eq!(exported, all_items(&app, token, "/api/v1/organizations").await);
        assert_eq!(ids(&exported), expected.into_iter().cloned().collect::<Vec<_>>());
    }

    // Personal data as in the JSON endpoints: whole for the regulator, masked for the portal.
    let whole = ndjson(&app, &zhengzhou.token, "organizations").await;
    assert_eq!(whole[0]["contact_phone"], "13812345678");
    let masked = ndjson(&app, &portal.token, "organizations").await;
    assert!(masked.iter().all(|o| o["contact_phone"] == "138****5678"), "{masked:?}");

    // Filters as in the list.
    let mining = ndjson(&app, app.admin_token(), "organizations?sector=mining").await;
    assert_eq!(ids(&mining), [orgs.zhengzhou.clone(), orgs.luoyang.clone()]);
    assert_eq!(mining, all_items(&app, app.admin_token(), "/api/v1/organizations?sector=mining").await);
}

#[tokio::test]
async fn csv_has_a_header_row_and_the_same_rows_and_an_optional_bom() {
    let app = TestApp::spawn().await;
    let orgs = registry(&app).await;
    let portal = app.client("portal", None, None).await;
    let lines = ndjson(&app, &portal.token, "organizations").await;

    let response = export(&app, &portal.token, "organizations?format=csv", None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, CONTENT_TYPE), CSV);
    assert_eq!(header(&response, CONTENT_DISPOSITION), "attachment; filename=\"organizations.csv\"");
    assert!(response.content_length().is_none(), "streamed, not buffered with a length");

    let (records, bom) = csv(&app, &portal.token, "organizations?format=csv").await;
    assert!(!bom, "no BOM unless asked for");
    let (with_bom, bom) = csv(&app, &portal.token, "organizations?format=csv&bom=true").await;
    assert!(bom);
    assert_eq!(with_bom, records);

    let header_row = &records[0];
    assert_eq!(header_row[..3], ["id", "credit_code", "name"]);
    // Every JSON member is a column (nested objects as `qualification.number`).
    let members: BTreeSet<&str> = lines[0].as_object().expect("object").keys().map(String::as_str).collect();
    let columns: BTreeSet<&str> = header_row.iter().map(|c| c.split('.').next().unwrap_or_default()).collect();
    assert_eq!(members, columns);
    assert_eq!(records.len(), 1 + lines.len());
    let column = |name: &str| header_row.iter().position(|c| c == name).expect("column");
    for (record, line) in records[1..].iter().zip(&lines) {
        assert_eq!(record.len(), header_row.len());
        assert_eq!(record[column("id")], line["id"].as_str().expect("id"));
        assert_eq!(record[column("name")], line["name"].as_str().expect("name"));
        assert_eq!(record[column("contact_phone")], "138****5678");
        assert_eq!(record[column("employee_count")], "");
        assert_eq!(record[column("version")], "1");
        assert_eq!(record[column("created_at")], line["created_at"].as_str().expect("instant"));
        assert_eq!(record[column("qualification.number")], "");
    }
    assert_eq!(records[1][column("id")], orgs.zhengzhou);

    // An empty export is the header alone.
    let (empty, _) = csv(&app, &portal.token, "organizations?format=csv&region=410300&sector=fishery").await;
    assert_eq!(empty, std::slice::from_ref(header_row));
}

#[tokio::test]
async fn the_format_comes_from_the_parameter_then_from_accept() {
    let app = TestApp::spawn().await;
    registry(&app).await;
    let token = app.admin_token();
    for (path, accept, expected) in [
        ("organizations", Some("text/csv"), CSV),
        ("organizations", Some("application/x-ndjson"), NDJSON),
        ("organizations", Some("text/csv;q=0.4, application/x-ndjson"), NDJSON),
        ("organizations", Some("application/json"), NDJSON),
        ("organizations", None, NDJSON),
        ("organizations?format=ndjson", Some("text/csv"), NDJSON),
        ("organizations?format=csv", Some("application/x-ndjson"), CSV),
    ] {
        let response = export(&app, token, path, accept).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, CONTENT_TYPE), expected, "{path} with {accept:?}");
    }

    // Errors before the first byte are problem responses.
    let (status, problem) = status_json(export(&app, token, "organizations?bom=true", None).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "bom");
    assert_eq!(problem["errors"][0]["code"], "csv_only");
    let (status, problem) = status_json(export(&app, token, "credit_scores?kind=insurer&year=2025", None).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        problem["errors"],
        json!([
            {"field": "kind", "code": "unsupported_filter", "message": problem["errors"][0]["message"]},
            {"field": "year", "code": "unsupported_filter", "message": problem["errors"][1]["message"]},
        ])
    );
    let (status, problem) = status_json(export(&app, token, "organizations?format=xml", None).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "invalid_query");
    let (status, problem) = status_json(export(&app, token, "organizations?colour=red", None).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(problem["code"], "invalid_query");
    let (status, problem) = status_json(export(&app, token, "organizations?kind=bank", None).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "kind");
    let (status, problem) = status_json(export(&app, token, "people", None).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["code"], "not_found");
    let response = app.http.get(app.url("/api/v1/exports/organizations")).send().await.expect("request");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_large_export_streams_completely_and_in_order() {
    let app = TestApp::spawn().await;
    let total = 3_000_u32;
    {
        let mut conn = app.db.connect();
        conn.transaction::<_, persistence::StoreError, _>(|conn| {
            for seed in 0..total {
                let fields = OrganizationFields {
                    name: format!("批量企业{seed}"),
                    region_code: RegionCode::parse(if seed % 3 == 0 { LUOYANG } else { ZHENGZHOU }).expect("region"),
                    address: Some(format!("测试路{seed}号, \"东\"院")),
                    legal_representative: Some("王五".into()),
                    contact_phone: Some(PhoneNumber::parse("13812345678").expect("phone")),
                    sector: Some(Sector::Mining),
                    employee_count: Some(i32::try_from(seed).expect("count")),
                    service_types: Vec::new(),
                    qualification: None,
                    status: OrganizationStatus::Active,
                };
                let code = CreditCode::parse(&credit_code(10_000 + seed)).expect("credit code");
                persistence::organizations::insert(conn, &code, OrganizationKind::Enterprise, &fields, Utc::now())?;
            }
            Ok(())
        })
        .expect("bulk insert");
    }
    let token = app.admin_token();
    let listed = all_items(&app, token, "/api/v1/organizations").await;
    assert_eq!(listed.len(), 3_000);

    let exported = ndjson(&app, token, "organizations").await;
    assert_eq!(exported.len(), listed.len());
    assert_eq!(exported, listed);
    let exported_ids = ids(&exported);
    assert!(exported_ids.windows(2).all(|w| w[0] < w[1]), "ascending id order");

    let (records, _) = csv(&app, token, "organizations?format=csv").await;
    assert_eq!(records.len(), 3_001);
    let ids_in_csv: Vec<String> = records[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(ids_in_csv, exported_ids);
    // A field with a comma and quotes survives the round trip.
    let address = records[0].iter().position(|c| c == "address").expect("address column");
    assert_eq!(records[1][address], "测试路0号, \"东\"院");

    // The regulator of Zhengzhou gets its 2,000 in the same order.
    let regulator = app.regulator(ZHENGZHOU).await;
    let own = ndjson(&app, &regulator.token, "organizations").await;
    assert_eq!(own.len(), 2_000);
    assert!(own.iter().all(|o| o["region_code"] == ZHENGZHOU));

    // A client that stops reading early does not hurt the server.
    let mut response = export(&app, token, "organizations", None).await;
    let first = response.chunk().await.expect("chunk").expect("a first chunk");
    assert!(!first.is_empty());
    drop(response);
    assert_eq!(ndjson(&app, token, "organizations?region=410300").await.len(), 1_000);
}

/// An insurer in Zhengzhou with one 2025 policy `P-0`.
async fn insurer_with_policy(app: &TestApp, seed: u32) -> e2e::insurance::Insurer {
    let insurer = insurer(app, seed, ZHENGZHOU).await;
    let enterprise = id_of(&enterprise_in(app, seed + 1, ZHENGZHOU, "mining").await);
    write_policy(app, insurer.token(), &policy("P-0", &enterprise, "2025-01-01", "2025-12-31")).await;
    insurer
}

#[tokio::test]
async fn a_fund_year_exports_its_premiums_and_spending() {
    let app = TestApp::spawn().await;
    let insurer = insurer_with_policy(&app, 100).await;
    store_premiums(
        &app,
        insurer.token(),
        "k-1",
        &batch(vec![
            item("P-0", "2025-03-01T10:00:00+08:00", 10_000_000, "R-1"),
            item("P-0", "2025-01-01T00:30:00+08:00", 2_000_000, "R-2"),
            item("P-0", "2025-06-01T10:00:00+08:00", -40_000, "F-1"),
            // 2024-12-31 in UTC, 2025-01-01 in CST: counts in 2025.
            item("P-0", "2024-12-31T16:30:00Z", 5_000, "R-3"),
            item("P-0", "2026-01-01T00:00:00+08:00", 7_000, "R-4"),
        ]),
    )
    .await;
    let path = format!("/api/v1/insurance/prevention-funds/{}/expenditures", insurer.id);
    let body = json!({"category": "expert_inspection", "amount_fen": 150_000, "spent_on": "2025-07-01",
        "description": "聘请专家参与危化企业安全检查", "beneficiary_organization_id": null});
    let (status, spent) = status_json(post(&app, insurer.token(), &path, Some("spend-1"), &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{spent}");

    let query = format!("fund_year?insurer_id={}&year=2025", insurer.id);
    let lines = ndjson(&app, insurer.token(), &query).await;
    let refs: Vec<&str> = lines.iter().map(|l| l["external_ref"].as_str().unwrap_or("-")).collect();
    assert_eq!(refs, ["R-2", "R-3", "R-1", "F-1", "-"], "premiums by CST day, then spending");
    assert!(lines[..4].iter().all(|l| l["entry"] == "premium" && l["policy_number"] == "P-0"));
    assert_eq!(lines[1]["day"], "2025-01-01");
    assert_eq!(lines[3]["amount_fen"], -40_000);
    assert_eq!(lines[4]["entry"], "expenditure");
    assert_eq!(lines[4]["expenditure_id"], spent["id"]);
    assert_eq!(lines[4]["category"], "expert_inspection");

    // The lines add up to the fund year the JSON endpoint shows.
    let (status, year) =
        get_json(&app, insurer.token(), &format!("/api/v1/insurance/prevention-funds/{}/2025", insurer.id)).await;
    assert_eq!(status, StatusCode::OK);
    let sum = |entry: &str| -> i64 {
        lines.iter().filter(|l| l["entry"] == entry).map(|l| l["amount_fen"].as_i64().expect("fen")).sum()
    };
    assert_eq!(sum("premium"), year["net_premium_fen"].as_i64().expect("net"));
    assert_eq!(sum("expenditure"), year["spent_fen"].as_i64().expect("spent"));

    let (records, _) = csv(&app, insurer.token(), &format!("{query}&format=csv")).await;
    assert_eq!(records.len(), 6);
    assert_eq!(records[0][..3], ["entry", "day", "amount_fen"]);
    assert_eq!(records[4][..3], ["premium", "2025-06-01", "-40000"]);
    let response = export(&app, insurer.token(), &format!("{query}&format=csv"), None).await;
    assert_eq!(header(&response, CONTENT_DISPOSITION), "attachment; filename=\"fund_year-2025.csv\"");

    // Who may: as the fund-year endpoint.
    let regulator = app.regulator(ZHENGZHOU).await;
    assert_eq!(ndjson(&app, &regulator.token, &query).await, lines);
    assert_eq!(ndjson(&app, app.admin_token(), &query).await, lines);
    let other = insurer_with_policy(&app, 200).await;
    let luoyang = app.regulator(LUOYANG).await;
    let portal = app.client("portal", None, None).await;
    for token in [other.token(), luoyang.token.as_str(), portal.token.as_str()] {
        let (status, problem) = status_json(export(&app, token, &query, None).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{problem}");
        assert_eq!(problem["code"], "not_found");
    }
    // Another organisation's id is as unknown as a missing one.
    let (status, _) = status_json(
        export(&app, insurer.token(), &format!("fund_year?insurer_id={}&year=2025", uuid::Uuid::now_v7()), None).await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, problem) = status_json(export(&app, insurer.token(), "fund_year", None).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> =
        problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().unwrap_or("")).collect();
    assert_eq!(fields, ["insurer_id", "year"]);
    let (status, problem) = status_json(
        export(&app, insurer.token(), &format!("fund_year?insurer_id={}&year=1999", insurer.id), None).await,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["code"], "invalid_range");
}

/// A technical service agency in `region`.
async fn agency(app: &TestApp, seed: u32, region: &str) -> String {
    id_of(
        &app.organization(json!({
            "credit_code": credit_code(seed),
            "name": format!("河南安评技术服务有限公司{seed}"),
            "kind": "technical_service_agency",
            "region_code": region,
            "contact_phone": "13812345678",
            "legal_representative": "李四",
            "service_types": ["safety_assessment"],
        }))
        .await,
    )
}

async fn credit_event(app: &TestApp, regulator: &Client, org: &str, event_type: &str) {
    let body = json!({"organization_id": org, "event_type": event_type, "occurred_on": "2026-01-05",
        "evidence": "现场检查记录"});
    let (status, receipt) = status_json(post(app, &regulator.token, "/api/v1/credit/events", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{receipt}");
}

#[tokio::test]
async fn credit_scores_and_the_blacklist_are_exported_to_anyone() {
    let app = TestApp::spawn().await;
    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let listed = agency(&app, 300, ZHENGZHOU).await;
    let absent = agency(&app, 301, LUOYANG).await;
    let also_listed = agency(&app, 302, LUOYANG).await;
    credit_event(&app, &zhengzhou, &listed, "false_report").await;
    credit_event(&app, &luoyang, &absent, "staff_absent_from_site").await;
    credit_event(&app, &luoyang, &also_listed, "false_report").await;
    let enterprise_id = id_of(&enterprise_in(&app, 303, GONGYI, "mining").await);
    let enterprise = app.client("enterprise", Some(&enterprise_id), None).await;

    let feed = all_items(&app, app.admin_token(), "/api/v1/credit/scores").await;
    assert_eq!(feed.len(), 3);
    for token in [enterprise.token.as_str(), zhengzhou.token.as_str(), app.admin_token()] {
        assert_eq!(ndjson(&app, token, "credit_scores").await, feed);
    }
    let (records, _) = csv(&app, &enterprise.token, "credit_scores?format=csv").await;
    assert_eq!(records[0], ["organization_id", "credit_code", "score", "grade", "as_of", "sequence", "updated_at"]);
    assert_eq!(records.len(), 4);
    assert_eq!(records[1][2], feed[0]["score"].to_string());

    let public = all_items(&app, app.admin_token(), "/api/v1/public/blacklist").await;
    assert_eq!(public.len(), 2);
    assert_eq!(ndjson(&app, &enterprise.token, "blacklist").await, public);
    let in_luoyang = ndjson(&app, &enterprise.token, "blacklist?region=410300").await;
    assert_eq!(in_luoyang, all_items(&app, app.admin_token(), "/api/v1/public/blacklist?region=410300").await);
    assert_eq!(in_luoyang.len(), 1);
    assert_eq!(in_luoyang[0]["trigger"], "false_report");
    let (status, problem) = status_json(export(&app, &enterprise.token, "blacklist?region=419999", None).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "region");
}

/// A valid resident identity number (GB 11643-1999) for `seed` < 1000.
fn resident_id(seed: u32) -> String {
    let first17 = format!("4101021990{:02}{:02}{:03}", 1 + seed % 12, 1 + (seed / 12) % 28, seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

async fn certificate(app: &TestApp, seed: u32, region: &str) -> String {
    let body = json!({
        "holder": {"resident_id": resident_id(seed), "name": format!("持证人{seed}"), "phone": "13912345678"},
        "number": format!("T{}", resident_id(seed)),
        "category": "electrical",
        "issuing_region": region,
        "issued_on": "2024-03-01",
    });
    let (status, created) = status_json(post(app, app.admin_token(), "/api/v1/certificates", None, &body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    id_of(&created)
}

#[tokio::test]
async fn certificates_are_exported_as_each_caller_reads_them() {
    let app = TestApp::spawn().await;
    let in_zhengzhou = certificate(&app, 1, ZHENGZHOU).await;
    let in_gongyi = certificate(&app, 2, GONGYI).await;
    let in_luoyang = certificate(&app, 3, LUOYANG).await;
    let employer = id_of(&enterprise_in(&app, 400, LUOYANG, "mining").await);
    let employment = json!({
        "person": {"resident_id": resident_id(1), "name": "持证人1"},
        "position": "电工", "safety_head": false, "from": "2024-01-01", "to": null,
    });
    let path = format!("/api/v1/organizations/{employer}/employments");
    let (status, created) = status_json(post(&app, app.admin_token(), &path, None, &employment).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let zhengzhou = app.regulator(ZHENGZHOU).await;
    let luoyang = app.regulator(LUOYANG).await;
    let gongyi = app.regulator(GONGYI).await;
    let enterprise = app.client("enterprise", Some(&employer), None).await;
    for (token, expected) in [
        (app.admin_token(), vec![&in_zhengzhou, &in_gongyi, &in_luoyang]),
        (zhengzhou.token.as_str(), vec![&in_zhengzhou]),
        (luoyang.token.as_str(), vec![&in_luoyang]),
        (gongyi.token.as_str(), vec![&in_gongyi]),
        (enterprise.token.as_str(), vec![&in_zhengzhou]),
    ] {
        let exported = ndjson(&app, token, "certificates").await;
        assert_eq!(ids(&exported), expected.iter().map(|s| (*s).clone()).collect::<Vec<_>>());
        // Each line is what `GET /certificates/{id}` shows the same caller.
        for line in &exported {
            let (status, read) = get_json(&app, token, &format!("/api/v1/certificates/{}", id_of(line))).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(line, &read);
        }
    }
    // The employer sees its employee's certificate whole.
    let own = ndjson(&app, &enterprise.token, "certificates").await;
    assert_eq!(own[0]["holder"]["resident_id"], resident_id(1));
    let (records, _) = csv(&app, &enterprise.token, "certificates?format=csv").await;
    let column = records[0].iter().position(|c| c == "holder.resident_id").expect("column");
    assert_eq!(records[1][column], resident_id(1));

    // Portals check certificates one by one; they do not enumerate holders.
    let portal = app.client("portal", None, None).await;
    assert_eq!(export(&app, &portal.token, "certificates", None).await.status(), StatusCode::FORBIDDEN);
}
