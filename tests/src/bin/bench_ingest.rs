//! `make bench`: premium ingestion throughput over HTTP on PostgreSQL,
//! beside a plain `COPY` of the same rows into the same table in the same run.
//!
//! BENCH_ROWS (default 1 000 000) rows per scenario, BENCH_CLIENTS (default 4)
//! concurrent insurer back offices, batch sizes 1 000 and 5 000 (BENCH_BATCHES).
//! Appends its section to bench/REPORT.md (target: HTTP ≥ 75 % of the faster COPY).

#[path = "bench_support/mod.rs"]
mod support;

use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use diesel::{Connection, ExecuteCopyFromDsl, PgConnection, RunQueryDsl};
use e2e::{credit_code, TestApp};
use persistence::premiums::NewPosting;
use serde_json::{json, Value};

const POLICIES_PER_INSURER: usize = 50;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Row {
    policy_number: String,
    policy_id: String,
    insurer_id: String,
    received_at: chrono::DateTime<Utc>,
    amount_fen: i64,
    external_ref: String,
}

struct Insurer {
    id: String,
    token: String,
    policies: Vec<(String, String)>,
}

async fn setup_insurers(app: &TestApp, clients: usize) -> Vec<Insurer> {
    let mut insurers = Vec::new();
    for c in 0..clients {
        let seed = u32::try_from(1000 + c).expect("seed");
        let org = app
            .organization(json!({"credit_code": credit_code(seed), "name": format!("保险公司{c}"), "kind": "insurer", "region_code": "410100"}))
            .await;
        let id = org["id"].as_str().expect("id").to_owned();
        let enterprise = app.enterprise(seed + 5000, "410100").await;
        let client = app.client("insurer", Some(&id), None).await;
        let mut policies = Vec::new();
        for p in 0..POLICIES_PER_INSURER {
            let number = format!("BENCH-{c}-{p}");
            let response = app
                .http
                .post(app.url("/api/v1/insurance/policies"))
                .bearer_auth(&client.token)
                .json(&json!({
                    "policy_number": number, "enterprise_id": enterprise["id"], "start_date": "2025-01-01",
                    "end_date": "2025-12-31", "insured_headcount": 10, "cover_per_person_fen": 40_000_000,
                    "base_premium_fen": 100_000, "charged_premium_fen": 100_000, "risk_adjustment_bp": 0
                }))
                .send()
                .await
                .expect("policy");
            assert_eq!(response.status(), 201, "policy creation failed");
            let body: Value = response.json().await.expect("policy body");
            policies.push((number, body["id"].as_str().expect("policy id").to_owned()));
        }
        insurers.push(Insurer { id, token: client.token, policies });
    }
    insurers
}

fn rows_for(insurers: &[Insurer], total: usize, tag: &str) -> Vec<Vec<Row>> {
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().expect("start");
    let per_client = total / insurers.len();
    insurers
        .iter()
        .enumerate()
        .map(|(c, insurer)| {
            (0..per_client)
                .map(|n| {
                    let (number, policy_id) = &insurer.policies[n % insurer.policies.len()];
                    Row {
                        policy_number: number.clone(),
                        policy_id: policy_id.clone(),
                        insurer_id: insurer.id.clone(),
                        received_at: start + Duration::seconds(i64::try_from(n * 7 % 31_000_000).unwrap_or(0)),
                        amount_fen: 1 + i64::try_from(n % 100_000).unwrap_or(0),
                        external_ref: format!("{tag}-{c}-{n}"),
                    }
                })
                .collect()
        })
        .collect()
}

fn bodies(rows: &[Row], batch: usize) -> Vec<String> {
    rows.chunks(batch)
        .map(|chunk| {
            let items: Vec<Value> = chunk
                .iter()
                .map(|r| {
                    json!({"policy_number": r.policy_number, "received_at": r.received_at.to_rfc3339(),
                           "amount_fen": r.amount_fen, "external_ref": r.external_ref})
                })
                .collect();
            json!({ "items": items }).to_string()
        })
        .collect()
}

async fn ingest(app: &TestApp, insurers: &[Insurer], rows: &[Vec<Row>], batch: usize, tag: &str) -> f64 {
    let prepared: Vec<(String, Vec<String>)> =
        insurers.iter().zip(rows).map(|(i, r)| (i.token.clone(), bodies(r, batch))).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (c, (token, batches)) in prepared.into_iter().enumerate() {
        let http = app.http.clone();
        let url = app.url("/api/v1/insurance/premium-postings");
        let tag = tag.to_owned();
        tasks.push(tokio::spawn(async move {
            for (b, body) in batches.into_iter().enumerate() {
                let response = http
                    .post(&url)
                    .bearer_auth(&token)
                    .header("Idempotency-Key", format!("{tag}-{c}-{b}"))
                    .header("Content-Type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .expect("post");
                assert_eq!(response.status(), 201, "{}", response.text().await.unwrap_or_default());
            }
        }));
    }
    for task in tasks {
        task.await.expect("client");
    }
    started.elapsed().as_secs_f64()
}

fn count_rows(url: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = PgConnection::establish(url).expect("connect");
    diesel::sql_query("SELECT COUNT(*) AS n FROM premium_postings").get_result::<Count>(&mut conn).expect("count").n
}

fn new_postings(rows: &[Row], batch_id: &str) -> Vec<NewPosting> {
    rows.iter()
        .map(|r| NewPosting {
            batch_id: batch_id.to_owned(),
            insurer_id: r.insurer_id.clone(),
            policy_id: r.policy_id.clone(),
            external_ref: r.external_ref.clone(),
            received_at: r.received_at.naive_utc(),
            received_on: domain::time::cst_date(r.received_at),
            amount_fen: r.amount_fen,
        })
        .collect()
}

/// Empties the table, then COPYs the same rows: one statement for all of
/// them, or one per client in parallel connections.
fn plain_copy(url: &str, rows: &[Vec<Row>], parallel: bool) -> f64 {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let mut conn = PgConnection::establish(url).expect("connect");
    diesel::sql_query("TRUNCATE premium_postings").execute(&mut conn).expect("truncate");
    let batch_id =
        diesel::sql_query("SELECT id FROM premium_batches LIMIT 1").get_result::<Id>(&mut conn).expect("batch").id;
    let per_client: Vec<Vec<NewPosting>> = rows.iter().map(|r| new_postings(r, &batch_id)).collect();
    let copy = |conn: &mut PgConnection, postings: &[NewPosting]| {
        diesel::copy_from(persistence::schema::premium_postings::table)
            .from_insertable(postings)
            .execute(conn)
            .expect("copy");
    };
    if parallel {
        let mut connections: Vec<PgConnection> =
            per_client.iter().map(|_| PgConnection::establish(url).expect("connect")).collect();
        let started = Instant::now();
        std::thread::scope(|scope| {
            for (conn, postings) in connections.iter_mut().zip(&per_client) {
                scope.spawn(move || copy(conn, postings));
            }
        });
        started.elapsed().as_secs_f64()
    } else {
        let all: Vec<NewPosting> = per_client.into_iter().flatten().collect();
        let started = Instant::now();
        copy(&mut conn, &all);
        started.elapsed().as_secs_f64()
    }
}

fn report(name: &str, seconds: f64, rows: usize, best: f64) -> String {
    let rate = rows as f64 / seconds;
    println!("{name:<44} {seconds:>8.2} {rate:>10.0} {:>8.0}%", 100.0 * rate / best);
    format!("| {name} | {seconds:.2} | {rate:.0} | {:.0} % |", 100.0 * rate / best)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    std::env::set_var("TEST_DATABASE", "postgres");
    let total = env_usize("BENCH_ROWS", 1_000_000);
    let clients = env_usize("BENCH_CLIENTS", 4).max(1);
    let sizes: Vec<usize> = std::env::var("BENCH_BATCHES")
        .ok()
        .map(|v| v.split(',').filter_map(|s| s.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1_000, 5_000]);
    println!("premium ingestion benchmark: {total} rows per scenario, {clients} concurrent clients, PostgreSQL");
    println!("{:<44} {:>8} {:>10} {:>9}", "scenario", "seconds", "rows/s", "vs best COPY");
    let mut lines = Vec::new();
    let mut verdicts = Vec::new();
    for batch in sizes {
        let app = TestApp::spawn_with(|s| s.db_pool_size = 8).await;
        let insurers = setup_insurers(&app, clients).await;
        let tag = format!("b{batch}");
        let rows = rows_for(&insurers, total, &tag);
        let stored: usize = rows.iter().map(Vec::len).sum();
        let http = ingest(&app, &insurers, &rows, batch, &tag).await;
        assert_eq!(count_rows(&app.db.url), i64::try_from(stored).expect("count"), "rows lost or doubled");
        let single = plain_copy(&app.db.url, &rows, false);
        let parallel = plain_copy(&app.db.url, &rows, true);
        let best = (stored as f64 / single).max(stored as f64 / parallel);
        lines.push(report(&format!("HTTP, batches of {batch}, {clients} clients"), http, stored, best));
        lines.push(report("plain COPY, one stream", single, stored, best));
        lines.push(report(&format!("plain COPY, {clients} parallel streams"), parallel, stored, best));
        let ratio = stored as f64 / http / best;
        verdicts.push(format!(
            "batches of {batch}: HTTP at {:.0} % of the faster COPY: {} the target (≥ 75 %)",
            ratio * 100.0,
            support::verdict(ratio >= 0.75)
        ));
    }
    support::append_section(&format!(
        "## Premium ingestion (bench-ingest)\n\n{total} postings per scenario from {clients} concurrent insurer \
         clients (`POST /api/v1/insurance/premium-postings`, idempotency keys, full validation), every row \
         counted afterwards; the ceiling is a plain `COPY` of the same rows into the same table in the same run \
         (one stream, and one per client).\n\n| scenario | seconds | rows/s | vs faster COPY |\n|---|---:|---:|---:|\n{}\n\n{}",
        lines.join("\n"),
        verdicts.iter().map(|v| format!("- {v}")).collect::<Vec<_>>().join("\n")
    ));
}
