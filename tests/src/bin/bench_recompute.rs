//! `make bench`, full credit recompute: BENCH_RECOMPUTE_ORGS organisations
//! (default 100,000) with BENCH_CREDIT_EVENTS credit events between them
//! (default 5,000,000), loaded with `COPY`, then the release binary's
//! `henan-safety credit-recompute --fix` (every score recomputed from its
//! events and stored) and `henan-safety credit-recompute` again (recomputed
//! and compared, nothing left to store), each timed. The ceiling is the
//! database reading every event once (`SUM(points) GROUP BY organization_id`)
//! in the same run. Target: under 30 s. Appends its section to bench/REPORT.md.

#[path = "bench_support/mod.rs"]
mod support;
use support::copy;

use std::io::Write;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use diesel::connection::Connection;
use diesel::{PgConnection, RunQueryDsl};
use e2e::{credit_code, Backend, TestDatabase};
use persistence::schema::{credit_events, organizations};
use support::{append_section, env_usize, since, verdict, Server};

fn org_id(n: usize) -> String {
    format!("00000000-0000-7000-8000-{n:012}")
}

fn main() {
    let orgs = env_usize("BENCH_RECOMPUTE_ORGS", 100_000).max(1);
    let events = env_usize("BENCH_CREDIT_EVENTS", 5_000_000).max(1);
    let binary = Server::binary();
    let db = TestDatabase::create(Backend::Postgres);
    let dir = tempfile::tempdir().expect("dir");
    let envs = Server::envs(&db.url, &dir.path().join("keys"), Server::free_port(), &[]);
    Server::command(&binary, &envs, &["migrate"]);
    let loading = Instant::now();
    copy!(
        &db.url,
        organizations::table,
        (
            organizations::id,
            organizations::credit_code,
            organizations::name,
            organizations::kind,
            organizations::region_code,
            organizations::service_types,
            organizations::status,
            organizations::version,
            organizations::created_at,
            organizations::updated_at,
        ),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for n in 0..orgs {
                writeln!(
                    w,
                    "{}\t{}\t重算基准机构{n}\ttechnical_service_agency\t410100\t[]\tactive\t1\t2025-01-01 00:00:00\t2025-01-01 00:00:00",
                    org_id(n),
                    credit_code(u32::try_from(n + 1).expect("seed"))
                )?;
            }
            Ok(())
        },
    );
    // Events spread over three years, a third of them expired by now; the
    // points are what was fixed when each was recorded.
    let today = chrono::Utc::now().date_naive();
    let first = today - Duration::days(3 * 365);
    copy!(
        &db.url,
        credit_events::table,
        (
            credit_events::id,
            credit_events::organization_id,
            credit_events::event_type,
            credit_events::occurred_on,
            credit_events::points,
            credit_events::expires_on,
            credit_events::rule_version,
            credit_events::clause,
            credit_events::evidence,
            credit_events::recorded_by,
            credit_events::created_at,
        ),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for i in 0..events {
                let on: NaiveDate = first + Duration::days(((i * 37) % (3 * 365)) as i64);
                let points = if i % 3 == 0 { 2 } else { -1 };
                writeln!(
                    w,
                    "00000000-0000-7000-e000-{i:012}\t{}\tstaff_absent_from_site\t{on}\t{points}\t{}\t\
                     staff_absent_from_site@2017-11-08\t豫安委〔2017〕17号 八(一)\tbench\tbench\t2025-01-01 00:00:00",
                    org_id(i % orgs),
                    on + Duration::days(730),
                )?;
            }
            Ok(())
        },
    );
    let mut conn = PgConnection::establish(&db.url).expect("connect");
    diesel::sql_query("VACUUM ANALYZE").execute(&mut conn).expect("analyze");
    let load_seconds = since(loading);
    println!("bench-recompute: loaded {orgs} organisations and {events} events in {load_seconds:.1} s");

    let t = Instant::now();
    diesel::sql_query("SELECT organization_id, SUM(points), COUNT(*) FROM credit_events GROUP BY organization_id")
        .execute(&mut conn)
        .expect("ceiling");
    let ceiling = since(t);
    let t = Instant::now();
    println!("{}", Server::command(&binary, &envs, &["credit-recompute", "--fix"]).lines().last().unwrap_or(""));
    let storing = since(t);
    let t = Instant::now();
    println!("{}", Server::command(&binary, &envs, &["credit-recompute"]).lines().last().unwrap_or(""));
    let checking = since(t);
    append_section(&format!(
        "## Full credit recompute (bench-recompute)\n\n{orgs} organisations, {events} credit events (loaded with \
         `COPY` in {load_seconds:.0} s), PostgreSQL, the release binary's `credit-recompute` (a transaction per 500 organisations). \
         The ceiling is PostgreSQL reading every event once (`SUM(points) … GROUP BY organization_id`).\n\n\
         | run | seconds | organisations/s | events/s | vs ceiling |\n|---|---:|---:|---:|---:|\n\
         | ceiling: one aggregate over all events | {ceiling:.1} | {:.0} | {:.0} | 100 % |\n\
         | `credit-recompute --fix` (recompute and store every score) | {storing:.1} | {:.0} | {:.0} | {:.0} % |\n\
         | `credit-recompute` (recompute and compare, all agree) | {checking:.1} | {:.0} | {:.0} | {:.0} % |\n\n\
         - full recompute storing every score in {storing:.1} s: {} the target (< 30 s)\n\
         - full recompute checking every score in {checking:.1} s: {} the target (< 30 s)",
        orgs as f64 / ceiling,
        events as f64 / ceiling,
        orgs as f64 / storing,
        events as f64 / storing,
        100.0 * ceiling / storing,
        orgs as f64 / checking,
        events as f64 / checking,
        100.0 * ceiling / checking,
        verdict(storing < 30.0),
        verdict(checking < 30.0),
    ));
}
