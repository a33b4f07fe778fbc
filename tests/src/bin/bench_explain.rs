//! `make bench`, query plans at scale: a PostgreSQL database with
//! BENCH_ORGS organisations (default 1,000,000) and BENCH_POSTINGS premium
//! postings (default 10,000,000), plus policies, credit events and scores,
//! persons and certificates, sanctions, blacklist listings and BENCH_EVENTS
//! outbox events (default 2,000,000), bulk-loaded with `COPY` from rows
//! generated here, then `ANALYZE`d. Each hot read is then run through the
//! persistence functions the handlers call, on a connection whose Diesel
//! instrumentation records every statement with its binds; each recorded
//! statement is prepared and run again under `EXPLAIN (ANALYZE, BUFFERS)`
//! with the same values. The section of bench/REPORT.md lists, per
//! statement, the scans, the execution time and a verdict (an index serves
//! it, or a sequential scan of a large table does), with the plans below.
//!
//! BENCH_KEEP_DB=1 keeps the database (its URL is printed) for inspection.

#[path = "bench_support/mod.rs"]
mod support;
use support::copy;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use diesel::connection::{Connection, InstrumentationEvent};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use domain::certificates::CertificateNumber;
use domain::credit_code::CreditCode;
use domain::organization::{OrganizationKind, Sector};
use domain::region::RegionCode;
use domain::resident_id::ResidentId;
use e2e::{credit_code, Backend, TestDatabase};
use persistence::outbox::EventSight;
use persistence::schema::{
    certificates, events, insurance_policies, organizations, persons, premium_batches, premium_postings,
};
use persistence::{
    blacklist, certificates as certs, credit, expenditures, organizations as orgs, outbox, people, policies, premiums,
    sanctions, DbConnection,
};
use support::{append_section, env_usize, since};
use uuid::Uuid;

const INSURERS: usize = 50;
const POSTINGS_PER_POLICY: usize = 50;
const SECTORS: [&str; 11] = [
    "mining",
    "hazardous_chemicals",
    "fireworks",
    "transportation",
    "construction",
    "civil_explosives",
    "metal_smelting",
    "fishery",
    "dangerous_goods",
    "road_transport",
    "other",
];
const EVENT_TYPES: [&str; 6] = [
    "organization_updated",
    "premiums_posted",
    "credit_score_changed",
    "certificate_issued",
    "policy_created",
    "engagement_status_changed",
];
/// A sequential scan of a table with more rows than this is a finding;
/// below it (reference data, the empty supervision tables of this data set)
/// a scan is what the planner should choose.
const SMALL_TABLE_ROWS: i64 = 10_000;

fn org_id(n: usize) -> String {
    format!("00000000-0000-7000-8000-{n:012}")
}

fn uuid(id: &str) -> Uuid {
    Uuid::parse_str(id).expect("uuid")
}

fn policy_id(p: usize) -> String {
    format!("00000000-0000-7000-9000-{p:012}")
}

/// The kind of organisation `n`: the first INSURERS are insurers, then a
/// quarter service providers of every kind and three quarters enterprises.
fn kind_of(n: usize) -> &'static str {
    if n < INSURERS {
        return "insurer";
    }
    match n % 20 {
        0 | 1 => "technical_service_agency",
        2 => "training_institution",
        3 => "social_organization",
        4 => "engineer_firm",
        _ => "enterprise",
    }
}

/// Enterprise number `e` (0-based) among organisations: the policy holders.
fn enterprises(orgs: usize) -> Vec<usize> {
    (INSURERS..orgs).filter(|&n| kind_of(n) == "enterprise").collect()
}

fn resident_id(n: usize) -> String {
    let born = NaiveDate::from_ymd_opt(1960, 1, 1).expect("date") + Duration::days((n / 1000) as i64);
    let first17 = format!("410102{}{:03}", born.format("%Y%m%d"), n % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

fn pg(url: &str) -> PgConnection {
    PgConnection::establish(url).expect("connect")
}

fn sql(conn: &mut PgConnection, statement: &str) {
    diesel::sql_query(statement).execute(conn).unwrap_or_else(|e| panic!("{statement}: {e}"));
}

struct Sizes {
    orgs: usize,
    postings: usize,
    events: usize,
    certificates: usize,
}

struct Loaded {
    lines: Vec<String>,
    seconds: f64,
}

fn load(url: &str, sizes: &Sizes) -> Loaded {
    let mut conn = pg(url);
    let mut lines = Vec::new();
    let started = Instant::now();
    #[derive(QueryableByName)]
    struct Code {
        #[diesel(sql_type = diesel::sql_types::Text)]
        code: String,
    }
    let regions: Vec<String> = diesel::sql_query("SELECT code FROM regions WHERE level <> 'province' ORDER BY code")
        .load::<Code>(&mut conn)
        .expect("regions")
        .into_iter()
        .map(|c| c.code)
        .collect();
    let mut step = |name: &str, rows: usize, seconds: f64| {
        println!("bench-explain: {name}: {rows} rows in {seconds:.1} s");
        lines.push(format!("| {name} | {rows} | {seconds:.1} | {:.0} |", rows as f64 / seconds.max(1e-9)));
    };

    // Organisations.
    let n_orgs = sizes.orgs;
    let seconds = copy!(
        url,
        organizations::table,
        (
            organizations::id,
            organizations::credit_code,
            organizations::name,
            organizations::kind,
            organizations::region_code,
            organizations::sector,
            organizations::service_types,
            organizations::status,
            organizations::version,
            organizations::created_at,
            organizations::updated_at,
        ),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for n in 0..n_orgs {
                let kind = kind_of(n);
                let sector = if kind == "enterprise" { SECTORS[n % SECTORS.len()] } else { "\\N" };
                let status = if n % 101 == 0 { "revoked" } else { "active" };
                writeln!(
                    w,
                    "{}\t{}\t基准测试单位{n}\t{kind}\t{}\t{sector}\t[]\t{status}\t1\t2025-01-01 00:00:00\t2025-01-01 00:00:00",
                    org_id(n),
                    credit_code(u32::try_from(n + 1).expect("seed")),
                    regions[n % regions.len()],
                )?;
            }
            Ok(())
        },
    );
    step("organizations", n_orgs, seconds);

    // Policies: POSTINGS_PER_POLICY postings each, on the first enterprises.
    let holders = enterprises(n_orgs);
    let n_policies = sizes.postings.div_ceil(POSTINGS_PER_POLICY).min(holders.len()).max(1);
    let t = Instant::now();
    sql(&mut conn, "INSERT INTO insurer_ledger_locks (insurer_id) SELECT id FROM organizations WHERE kind = 'insurer'");
    let seconds = since(t)
        + copy!(
            url,
            insurance_policies::table,
            (
                insurance_policies::id,
                insurance_policies::insurer_id,
                insurance_policies::policy_number,
                insurance_policies::enterprise_id,
                insurance_policies::start_date,
                insurance_policies::end_date,
                insurance_policies::insured_headcount,
                insurance_policies::cover_per_person_fen,
                insurance_policies::base_premium_fen,
                insurance_policies::charged_premium_fen,
                insurance_policies::risk_adjustment_bp,
                insurance_policies::created_at,
            ),
            |w: &mut dyn Write| -> std::io::Result<()> {
                for (p, holder) in holders.iter().enumerate().take(n_policies) {
                    writeln!(
                        w,
                        "{}\t{}\tP{p:09}\t{}\t2025-01-01\t2025-12-31\t10\t40000000\t100000\t100000\t0\t2025-01-01 00:00:00",
                        policy_id(p),
                        org_id(p % INSURERS),
                        org_id(*holder),
                    )?;
                }
                Ok(())
            },
        );
    step("insurance_policies", n_policies, seconds);

    // Premium postings, in policy order (each insurer's references ascend), one batch per 1,000 of an insurer.
    let n_postings = sizes.postings;
    let batch_of = |i: usize| format!("B{:02}-{:06}", (i / POSTINGS_PER_POLICY) % INSURERS, i / (1000 * INSURERS));
    let n_batches = n_postings / (1000 * INSURERS) + 1;
    let seconds = copy!(
        url,
        premium_batches::table,
        (
            premium_batches::id,
            premium_batches::insurer_id,
            premium_batches::item_count,
            premium_batches::stored_count,
            premium_batches::created_by,
            premium_batches::created_at,
        ),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for b in 0..n_batches {
                for insurer in 0..INSURERS {
                    writeln!(w, "B{insurer:02}-{b:06}\t{}\t1000\t1000\tbench\t2025-01-01 00:00:00", org_id(insurer))?;
                }
            }
            Ok(())
        },
    );
    step("premium_batches", n_batches * INSURERS, seconds);
    let start = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).single().expect("start");
    let seconds = copy!(
        url,
        premium_postings::table,
        (
            premium_postings::batch_id,
            premium_postings::insurer_id,
            premium_postings::policy_id,
            premium_postings::external_ref,
            premium_postings::received_at,
            premium_postings::received_on,
            premium_postings::amount_fen,
        ),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for i in 0..n_postings {
                let p = (i / POSTINGS_PER_POLICY).min(n_policies - 1);
                let at = start + Duration::seconds(((i * 7919) % 31_500_000) as i64);
                let amount = if i % 97 == 0 { -100 } else { 1 + (i % 100_000) as i64 };
                writeln!(
                    w,
                    "{}\t{}\t{}\tR{i:010}\t{}\t{}\t{amount}",
                    batch_of(i),
                    org_id(p % INSURERS),
                    policy_id(p),
                    at.naive_utc().format("%Y-%m-%d %H:%M:%S"),
                    domain::time::cst_date(at),
                )?;
            }
            Ok(())
        },
    );
    step("premium_postings", n_postings, seconds);
    let t = Instant::now();
    sql(
        &mut conn,
        "INSERT INTO premium_daily_totals (insurer_id, day, net_fen) \
         SELECT insurer_id, received_on, SUM(amount_fen) FROM premium_postings GROUP BY insurer_id, received_on",
    );
    step("premium_daily_totals (from the postings)", INSURERS * 365, since(t));

    // Credit: an event and a stored score for every tenth organisation; sanctions and listings for a few.
    let t = Instant::now();
    sql(
        &mut conn,
        "INSERT INTO credit_events (id, organization_id, event_type, occurred_on, points, expires_on, rule_version, \
         clause, evidence, recorded_by, created_at) \
         SELECT 'e' || substr(id, 2), id, 'staff_absent_from_site', DATE '2025-06-01', -10, DATE '2027-06-01', \
         'staff_absent_from_site@2017-11-08', '豫安委〔2017〕17号 八(一)', 'bench', 'bench', now() \
         FROM organizations WHERE right(id, 1) = '0'",
    );
    sql(
        &mut conn,
        "INSERT INTO credit_scores (organization_id, score, grade, events_sum, in_force, next_change_on, as_of, \
         scale_versions, change_seq, updated_at) \
         SELECT organization_id, 70, 'c', -10, 1, expires_on, current_date, '[]', \
         row_number() OVER (ORDER BY organization_id), now() FROM credit_events",
    );
    sql(&mut conn, "UPDATE credit_feed_lock SET last_seq = (SELECT count(*) FROM credit_scores)");
    sql(
        &mut conn,
        "INSERT INTO sanctions (id, organization_id, kind, decided_on, deadline, reason, decided_by, decided_region, created_at) \
         SELECT 'd' || substr(id, 2), id, 'rectification_order', DATE '2025-03-01', DATE '2025-04-01', 'bench', 'bench', region_code, now() \
         FROM organizations WHERE right(id, 3) = '007'",
    );
    sql(
        &mut conn,
        "INSERT INTO blacklist_listings (id, organization_id, trigger_type, decided_by, decided_region, listed_on, \
         ends_on, term_rule_version, created_at) \
         SELECT 'b' || substr(id, 2), id, 'fraud', 'bench', region_code, DATE '2025-01-01', DATE '2028-01-01', 'bench', now() \
         FROM organizations WHERE kind = 'technical_service_agency' AND right(id, 3) = '020'",
    );
    step("credit events, scores, sanctions, listings", n_orgs / 10, since(t));

    // Persons and one certificate each.
    let n_certs = sizes.certificates;
    let person = |n: usize| format!("00000000-0000-7000-a000-{n:012}");
    let seconds = copy!(
        url,
        persons::table,
        (persons::id, persons::resident_id, persons::name, persons::created_at),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for n in 0..n_certs {
                writeln!(w, "{}\t{}\t持证人{n}\t2025-01-01 00:00:00", person(n), resident_id(n))?;
            }
            Ok(())
        }
    ) + copy!(
        url,
        certificates::table,
        (
            certificates::id,
            certificates::number,
            certificates::person_id,
            certificates::category,
            certificates::issuing_region,
            certificates::issued_on,
            certificates::created_at,
        ),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for n in 0..n_certs {
                writeln!(
                    w,
                    "00000000-0000-7000-b000-{n:012}\tT{}\t{}\telectrical\t{}\t2024-01-10\t2025-01-01 00:00:00",
                    resident_id(n),
                    person(n),
                    regions[n % regions.len()],
                )?;
            }
            Ok(())
        },
    );
    step("persons + certificates", 2 * n_certs, seconds);

    // The outbox.
    let n_events = sizes.events;
    let seconds = copy!(
        url,
        events::table,
        (
            events::position,
            events::id,
            events::event_type,
            events::occurred_at,
            events::resource_type,
            events::resource_id,
            events::region_code,
            events::organization_id,
            events::public,
            events::data,
        ),
        |w: &mut dyn Write| -> std::io::Result<()> {
            for i in 0..n_events {
                let org = (i * 7) % n_orgs;
                writeln!(
                    w,
                    "{}\t00000000-0000-7000-c000-{i:012}\t{}\t2025-06-01 00:00:00\torganization\t{}\t{}\t{}\t{}\t{{}}",
                    i + 1,
                    EVENT_TYPES[i % EVENT_TYPES.len()],
                    org_id(org),
                    regions[org % regions.len()],
                    org_id(org),
                    if i % 10 == 0 { "t" } else { "f" },
                )?;
            }
            Ok(())
        },
    );
    sql(&mut conn, &format!("UPDATE event_head SET last_position = {n_events}"));
    step("events", n_events, seconds);

    let t = Instant::now();
    sql(&mut conn, "VACUUM ANALYZE");
    step("VACUUM ANALYZE", 0, since(t));
    Loaded { lines, seconds: since(started) }
}

/// One bound value of Diesel's debug output, as an SQL literal.
fn literal(text: &str) -> String {
    let text = text.trim();
    if let Some(inner) = text.strip_prefix("Some(").and_then(|t| t.strip_suffix(')')) {
        return literal(inner);
    }
    if text == "None" {
        return "NULL".into();
    }
    if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
        let items: Vec<String> = split_items(inner)
            .iter()
            .map(|item| format!("\"{}\"", unquote(item).replace('\\', "\\\\").replace('"', "\\\"")))
            .collect();
        return format!("'{{{}}}'", items.join(",").replace('\'', "''"));
    }
    format!("'{}'", unquote(text).replace('\'', "''"))
}

/// A Rust-debug string (`"a\"b"`) unescaped; anything else as it is.
fn unquote(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else { return text.to_owned() };
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => {}
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Splits `a, "b, c", [d, e]` at the top-level commas.
fn split_items(text: &str) -> Vec<String> {
    let mut items = Vec::new();
    let (mut depth, mut in_string, mut escaped) = (0i32, false, false);
    let mut current = String::new();
    for c in text.chars() {
        if in_string {
            current.push(c);
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '[' | '(' => depth += 1,
            ']' | ')' => depth -= 1,
            ',' if depth == 0 => {
                items.push(std::mem::take(&mut current).trim().to_owned());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        items.push(current.trim().to_owned());
    }
    items
}

/// A statement the instrumentation saw: the SQL and its binds as literals.
struct Statement {
    sql: String,
    binds: Vec<String>,
}

fn parse_statement(debug: &str) -> Option<Statement> {
    let (sql, binds) = debug.rsplit_once(" -- binds: ")?;
    let binds = binds.trim().strip_prefix('[')?.strip_suffix(']')?;
    Some(Statement { sql: sql.to_owned(), binds: split_items(binds).iter().map(|b| literal(b)).collect() })
}

struct Explained {
    workload: &'static str,
    sql: String,
    plan: Vec<String>,
    ms: f64,
    scans: Vec<String>,
    seq_large: Vec<String>,
}

#[derive(QueryableByName)]
struct PlanLine {
    #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
    line: String,
}

/// The planner's row count of a table (after ANALYZE).
fn table_rows(conn: &mut PgConnection, table: &str) -> i64 {
    #[derive(QueryableByName)]
    struct Rows {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query("SELECT reltuples::bigint AS n FROM pg_class WHERE relname = $1 AND relkind = 'r'")
        .bind::<diesel::sql_types::Text, _>(table)
        .get_result::<Rows>(conn)
        .map(|r| r.n)
        .unwrap_or(0)
}

fn explain(conn: &mut PgConnection, workload: &'static str, statement: &Statement) -> Explained {
    let _ = diesel::sql_query("DEALLOCATE bench_q").execute(conn);
    sql(conn, &format!("PREPARE bench_q AS {}", statement.sql));
    let execute = if statement.binds.is_empty() {
        "EXECUTE bench_q".to_owned()
    } else {
        format!("EXECUTE bench_q({})", statement.binds.join(", "))
    };
    // Once to warm the cache as a running server's would be, then measured.
    let _ = diesel::sql_query(&execute).execute(conn);
    let plan: Vec<String> = diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {execute}"))
        .load::<PlanLine>(conn)
        .unwrap_or_else(|e| panic!("explain {}: {e}", statement.sql))
        .into_iter()
        .map(|l| l.line)
        .collect();
    let ms = plan
        .iter()
        .find_map(|l| l.trim().strip_prefix("Execution Time: "))
        .and_then(|t| t.trim_end_matches(" ms").parse().ok())
        .unwrap_or(f64::NAN);
    let mut scans = Vec::new();
    let mut seq_large = Vec::new();
    for line in &plan {
        let node = line.trim().trim_start_matches("->").trim();
        for kind in ["Index Only Scan", "Index Scan Backward", "Index Scan", "Bitmap Index Scan", "Seq Scan"] {
            if let Some(rest) = node.strip_prefix(kind) {
                let target = rest.split("  (").next().unwrap_or("").trim().to_owned();
                let short = format!("{kind} {target}");
                if kind == "Seq Scan" {
                    let table = target.trim_start_matches("on ").split_whitespace().next().unwrap_or("").to_owned();
                    if table_rows(conn, &table) > SMALL_TABLE_ROWS {
                        seq_large.push(table);
                    }
                }
                if !scans.contains(&short) {
                    scans.push(short);
                }
                break;
            }
        }
    }
    Explained { workload, sql: statement.sql.clone(), plan, ms, scans, seq_large }
}

type Work = Box<dyn Fn(&mut DbConnection)>;

fn workloads(sizes: &Sizes) -> Vec<(&'static str, Work)> {
    let orgs = sizes.orgs;
    let mid = org_id(orgs / 2);
    let scored = org_id(((orgs / 2) / 10) * 10);
    let code = |n: usize| CreditCode::parse(&credit_code(u32::try_from(n + 1).expect("seed"))).expect("code");
    let scored_code = code(((orgs / 2) / 10) * 10);
    let insurer = uuid(&org_id(7));
    let policy = uuid(&policy_id(123));
    let on = NaiveDate::from_ymd_opt(2025, 6, 30).expect("date");
    let region = RegionCode::parse("410300").expect("region");
    let city = RegionCode::parse("410100").expect("region");
    let cert_n = sizes.certificates / 2;
    let number = CertificateNumber::for_holder(&ResidentId::parse(&resident_id(cert_n)).expect("resident id"));
    let cert_id = uuid(&format!("00000000-0000-7000-b000-{cert_n:012}"));
    let after_events = i64::try_from(sizes.events / 2).expect("position");
    let high_risk: Vec<Sector> = SECTORS[..8].iter().map(|s| Sector::parse(s).expect("sector")).collect();
    let policy_numbers: Vec<String> = (0..1000).map(|k| format!("P{:09}", 7 + INSURERS * k)).collect();
    let refs: Vec<String> = (0..1000).map(|k| format!("R{:010}", sizes.postings / 2 + k * INSURERS)).collect();
    let mut list: Vec<(&'static str, Work)> = Vec::new();
    let m = mid.clone();
    list.push((
        "organisation by id (GET /organizations/{id})",
        Box::new(move |c| {
            orgs::find(c, uuid(&m)).expect("find");
        }),
    ));
    let cc = code(orgs / 3);
    list.push((
        "organisation by credit code (GET /public/organizations/{code})",
        Box::new(move |c| {
            orgs::find_by_credit_code(c, &cc).expect("find");
        }),
    ));
    let (m, r) = (mid.clone(), region.clone());
    list.push((
        "organisations of a region, keyset page (GET /organizations?region=&cursor=)",
        Box::new(move |c| {
            let filter = orgs::OrganizationFilter { region: Some(r.clone()), ..Default::default() };
            orgs::list(c, &filter, Some(uuid(&m)), 50).expect("list");
        }),
    ));
    let m = mid.clone();
    list.push((
        "organisations of a kind, keyset page (GET /organizations?kind=&cursor=)",
        Box::new(move |c| {
            let filter =
                orgs::OrganizationFilter { kind: Some(OrganizationKind::TechnicalServiceAgency), ..Default::default() };
            orgs::list(c, &filter, Some(uuid(&m)), 50).expect("list");
        }),
    ));
    let (m, j) = (mid.clone(), city.clone());
    list.push((
        "organisations of a region and kind in a city's jurisdiction (regulator)",
        Box::new(move |c| {
            let filter = orgs::OrganizationFilter {
                kind: Some(OrganizationKind::Enterprise),
                jurisdiction: Some(j.clone()),
                ..Default::default()
            };
            orgs::list(c, &filter, Some(uuid(&m)), 50).expect("list");
        }),
    ));
    list.push((
        "public credit card (GET /public/credit/{code}, cache miss)",
        Box::new(move |c| {
            let org = orgs::find_by_credit_code(c, &scored_code).expect("find").expect("scored organisation");
            credit::score_of(c, org.id).expect("score");
            sanctions::of_organization(c, org.id).expect("sanctions");
            blacklist::listings_of(c, org.id).expect("listings");
        }),
    ));
    list.push((
        "credit events of an organisation (score computed from events)",
        Box::new(move |c| {
            credit::events_of(c, uuid(&scored)).expect("events");
        }),
    ));
    list.push((
        "certificate status by id (GET /certificates/{id}/status)",
        Box::new(move |c| {
            let cert = certs::find(c, cert_id).expect("find").expect("certificate");
            certs::facts(c, &cert).expect("facts");
        }),
    ));
    list.push((
        "public certificate check by number and name (GET /public/certificates)",
        Box::new(move |c| {
            for cert in certs::with_number(c, &number).expect("with number") {
                people::find(c, cert.person_id).expect("holder");
                certs::facts(c, &cert).expect("facts");
            }
        }),
    ));
    let numbers = policy_numbers.clone();
    list.push((
        "premium batch: policies by number (POST /insurance/premium-postings)",
        Box::new(move |c| {
            let numbers: Vec<&str> = numbers.iter().map(String::as_str).collect();
            policies::find_by_numbers(c, insurer, &numbers).expect("policies");
        }),
    ));
    list.push((
        "premium batch: already stored references (idempotent re-post)",
        Box::new(move |c| {
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            premiums::find_by_external_refs(c, insurer, &refs).expect("refs");
        }),
    ));
    list.push((
        "policies of an insurer, first page (GET /insurance/policies)",
        Box::new(move |c| {
            let filter = policies::PolicyFilter { insurer_id: Some(insurer), ..Default::default() };
            policies::list(c, &filter, None, 50).expect("policies");
        }),
    ));
    list.push((
        "net premium of a policy (coverage)",
        Box::new(move |c| {
            premiums::net_by_policy(c, &[policy]).expect("net");
        }),
    ));
    list.push((
        "fund year totals (GET /insurance/prevention-funds/{insurer}/{year})",
        Box::new(move |c| {
            let (from, to) =
                (NaiveDate::from_ymd_opt(2025, 1, 1).expect("d"), NaiveDate::from_ymd_opt(2025, 12, 31).expect("d"));
            premiums::daily_net(c, insurer, from, to).expect("daily");
            expenditures::list(c, insurer, from, to).expect("expenditures");
        }),
    ));
    let hr = high_risk.clone();
    list.push((
        "uncovered enterprises, province (GET /insurance/uncovered)",
        Box::new(move |c| {
            orgs::uncovered(c, on, &hr, None, None, None, 50).expect("uncovered");
        }),
    ));
    let j = city.clone();
    list.push((
        "uncovered enterprises, a city regulator",
        Box::new(move |c| {
            orgs::uncovered(c, on, &high_risk, None, Some(&j), None, 50).expect("uncovered");
        }),
    ));
    list.push((
        "event feed, all events after a position (GET /events?after=&limit=1000)",
        Box::new(move |c| {
            outbox::after(c, after_events, &[], &EventSight::All, 1000).expect("events");
        }),
    ));
    list.push((
        "event feed, one type",
        Box::new(move |c| {
            outbox::after(c, after_events, &[domain::events::EventType::PremiumsPosted], &EventSight::All, 1000)
                .expect("events");
        }),
    ));
    list.push((
        "event feed, a city regulator's jurisdiction",
        Box::new(move |c| {
            outbox::after(c, after_events, &[], &EventSight::Jurisdiction("410100".into()), 1000).expect("events");
        }),
    ));
    let o = mid.clone();
    list.push((
        "event feed, one organisation's events",
        Box::new(move |c| {
            outbox::after(c, after_events, &[], &EventSight::Organization(uuid(&o)), 1000).expect("events");
        }),
    ));
    list.push((
        "event feed, public events (portals)",
        Box::new(move |c| {
            outbox::after(c, after_events, &[], &EventSight::Public, 1000).expect("events");
        }),
    ));
    list.push((
        "blacklist in force, first page (GET /public/blacklist)",
        Box::new(move |c| {
            blacklist::in_force_page(c, on, &blacklist::BlacklistFilter::default(), None, 50).expect("blacklist");
        }),
    ));
    list
}

fn main() {
    let sizes = Sizes {
        orgs: env_usize("BENCH_ORGS", 1_000_000).max(1000),
        postings: env_usize("BENCH_POSTINGS", 10_000_000).max(1000),
        events: env_usize("BENCH_EVENTS", 2_000_000).max(1000),
        certificates: env_usize("BENCH_CERTIFICATES", 200_000).max(1000),
    };
    let db = TestDatabase::create(Backend::Postgres);
    let keys = tempfile::tempdir().expect("keys");
    let settings = e2e::test_settings(&db.url, keys.path().to_path_buf());
    let t = Instant::now();
    drop(api::startup::prepare_database(&settings).expect("migrate"));
    println!("bench-explain: migrated in {:.1} s", since(t));
    let loaded = load(&db.url, &sizes);

    let recorded: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
    let mut conn = DbConnection::establish(&db.url).expect("connect");
    if let DbConnection::Postgres(c) = &mut conn {
        let sink = recorded.clone();
        c.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                if let Ok(mut all) = sink.lock() {
                    all.push(query.to_string());
                }
            }
        });
    }
    let mut explain_conn = pg(&db.url);
    sql(&mut explain_conn, "SET plan_cache_mode = force_custom_plan");
    let mut results = Vec::new();
    for (name, work) in workloads(&sizes) {
        recorded.lock().expect("recorded").clear();
        work(&mut conn);
        let statements: Vec<String> = recorded.lock().expect("recorded").clone();
        for text in statements {
            match parse_statement(&text) {
                Some(statement) if statement.sql.trim_start().to_uppercase().starts_with("SELECT") => {
                    results.push(explain(&mut explain_conn, name, &statement));
                }
                _ => {}
            }
        }
    }

    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::Text)]
        size: String,
    }
    let size = diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS size")
        .get_result::<Size>(&mut explain_conn)
        .map(|s| s.size)
        .unwrap_or_default();
    let mut md = String::new();
    md.push_str(&format!(
        "## Query plans at scale (bench-explain)\n\n{} organisations, {} premium postings, {} events, {} certificates \
         on PostgreSQL (database {size}); rows generated by the client and loaded with `COPY` in {:.0} s, then \
         `VACUUM ANALYZE`. Each statement below is what the persistence function behind the endpoint sends \
         (recorded by Diesel's instrumentation), prepared and run with the same values under \
         `EXPLAIN (ANALYZE, BUFFERS)`, once warm.\n\n",
        sizes.orgs, sizes.postings, sizes.events, sizes.certificates, loaded.seconds
    ));
    md.push_str("| load step | rows | seconds | rows/s |\n|---|---:|---:|---:|\n");
    for line in &loaded.lines {
        md.push_str(line);
        md.push('\n');
    }
    md.push_str("\n| # | read | scans | ms | verdict |\n|---:|---|---|---:|---|\n");
    let mut misses = 0;
    for (i, r) in results.iter().enumerate() {
        let verdict = if r.seq_large.is_empty() {
            if r.scans.iter().any(|s| s.starts_with("Seq Scan")) {
                format!("index (sequential scans only of tables under {SMALL_TABLE_ROWS} rows)")
            } else {
                "index".to_owned()
            }
        } else {
            misses += 1;
            format!("**sequential scan of {}**", r.seq_large.join(", "))
        };
        md.push_str(&format!(
            "| {} | {} | {} | {:.2} | {verdict} |\n",
            i + 1,
            r.workload,
            r.scans.join("; ").replace('|', "\\|"),
            r.ms
        ));
    }
    md.push_str(&format!(
        "\n{} statements, {} served by indexes without a sequential scan of a large table; slowest {:.2} ms.\n\n",
        results.len(),
        results.len() - misses,
        results.iter().map(|r| r.ms).fold(0.0, f64::max)
    ));
    md.push_str("<details><summary>Statements and plans</summary>\n\n");
    for (i, r) in results.iter().enumerate() {
        md.push_str(&format!(
            "**{}. {}**\n\n```sql\n{}\n```\n\n```\n{}\n```\n\n",
            i + 1,
            r.workload,
            r.sql,
            r.plan.join("\n")
        ));
    }
    md.push_str("</details>");
    append_section(&md);
    if std::env::var("BENCH_KEEP_DB").is_ok_and(|v| v == "1") {
        println!("bench-explain: keeping {}", db.url);
        std::mem::forget(db);
    }
}
