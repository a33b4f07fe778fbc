//! `make bench` public credit lookups: the release server on PostgreSQL with
//! 100,000 organisations (a tenth with credit events and a stored score),
//! `GET /api/v1/public/credit/{code}` for random codes measured beside the
//! trivial `/health/live` of the same server in the same run, each at 64
//! concurrent connections for BENCH_SECONDS (default 20): once cold (most
//! cards read for the first time, from the database) and once in steady
//! state (every card read within its 60 s time to live). The target, for the
//! steady state: at least half the trivial endpoint's rate, p99 under 10 ms.
//! Also the public certificate check (`GET /api/v1/public/certificates?number=&name=`,
//! BENCH_CERTIFICATES holders, default 10,000) at the same concurrency, and the
//! server's resident memory (VmRSS) at idle and its peak under each load
//! (target: under 100 MiB). Appends its section to bench/REPORT.md; fails only
//! on errors.

#[path = "bench_support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::{credit_code, Backend, TestDatabase};
use rand::Rng;
use support::{append_section, env_u64, env_usize, load, mib, rss_kib, verdict, Run, Server, UrlFn};

const ORGANIZATIONS: u32 = 100_000;
const CONNECTIONS: usize = 64;

/// 100,000 agencies across the cities, and for every tenth a credit event
/// and its stored score — inserted in bulk, as an import would.
fn seed(db: &TestDatabase) {
    let regions = ["410100", "410200", "410300", "410400", "410500", "410700", "411300", "419001"];
    for chunk in (0..ORGANIZATIONS).collect::<Vec<_>>().chunks(2_000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|&n| {
                format!(
                    "('00000000-0000-7000-8000-{n:012}', '{}', '基准测试机构{n}', 'technical_service_agency', '{}', \
                     '[]', 'active', 1, now(), now())",
                    credit_code(n + 1),
                    regions[n as usize % regions.len()]
                )
            })
            .collect();
        db.execute(&format!(
            "INSERT INTO organizations (id, credit_code, name, kind, region_code, service_types, status, version, \
             created_at, updated_at) VALUES {}",
            values.join(",")
        ));
    }
    db.execute(
        "INSERT INTO credit_events (id, organization_id, event_type, occurred_on, points, expires_on, rule_version, \
         clause, evidence, recorded_by, created_at) \
         SELECT 'e' || id, id, 'staff_absent_from_site', current_date - 30, -10, current_date + 600, \
         'staff_absent_from_site@2017-11-08', '豫安委〔2017〕17号 八(一)', 'bench', 'bench', now() \
         FROM organizations WHERE right(id, 1) = '0'",
    );
    db.execute(
        "INSERT INTO credit_scores (organization_id, score, grade, events_sum, in_force, next_change_on, as_of, \
         scale_versions, change_seq, updated_at) \
         SELECT organization_id, 70, 'c', -10, 1, expires_on, current_date, '[]', \
         row_number() OVER (ORDER BY organization_id), now() FROM credit_events",
    );
    db.execute("UPDATE credit_feed_lock SET last_seq = (SELECT count(*) FROM credit_scores)");
    db.execute("ANALYZE");
}

/// A valid resident identity number (GB 11643-1999) for holder `n`.
fn resident_id(n: usize) -> String {
    let born = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("date") + chrono::Duration::days((n / 1000) as i64);
    let first17 = format!("410105{}{:03}", born.format("%Y%m%d"), n % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    format!("{first17}{check}")
}

/// `holders` persons, each with an electrical certificate issued 100 days ago.
fn seed_certificates(db: &TestDatabase, holders: usize) {
    for chunk in (0..holders).collect::<Vec<_>>().chunks(2_000) {
        let persons: Vec<String> = chunk
            .iter()
            .map(|&n| format!("('00000000-0000-7000-a000-{n:012}', '{}', '持证人{n}', now())", resident_id(n)))
            .collect();
        db.execute(&format!("INSERT INTO persons (id, resident_id, name, created_at) VALUES {}", persons.join(",")));
        let certificates: Vec<String> = chunk
            .iter()
            .map(|&n| {
                format!(
                    "('00000000-0000-7000-b000-{n:012}', 'T{}', '00000000-0000-7000-a000-{n:012}', 'electrical', \
                     '410100', current_date - 100, now())",
                    resident_id(n)
                )
            })
            .collect();
        db.execute(&format!(
            "INSERT INTO certificates (id, number, person_id, category, issuing_region, issued_on, created_at) VALUES {}",
            certificates.join(",")
        ));
    }
    db.execute("ANALYZE");
}

fn row(name: &str, run: &Run, trivial: &Run) -> String {
    println!(
        "{name:<44} {:>10.0} {:>8} {:>10.2} {:>10.2} {:>8.1}",
        run.rate(),
        run.errors,
        run.p50_ms(),
        run.p99_ms(),
        mib(run.peak_rss_kib)
    );
    format!(
        "| {name} | {:.0} | {:.0} % | {} | {:.2} | {:.2} | {:.1} |",
        run.rate(),
        100.0 * run.rate() / trivial.rate().max(1.0),
        run.errors,
        run.p50_ms(),
        run.p99_ms(),
        mib(run.peak_rss_kib)
    )
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = env_u64("BENCH_SECONDS", 20);
    let holders = env_usize("BENCH_CERTIFICATES", 10_000).max(1);
    let binary = Server::binary();
    let db = TestDatabase::create(Backend::Postgres);
    let dir = tempfile::tempdir().expect("dir");
    let port = Server::free_port();
    let envs = Server::envs(&db.url, &dir.path().join("keys"), port, &[]);
    // `migrate` prepares the schema and seed data before the bulk insert.
    Server::command(&binary, &envs, &["migrate"]);
    let seeding = Instant::now();
    seed(&db);
    seed_certificates(&db, holders);
    println!(
        "bench-credit: seeded {ORGANIZATIONS} organisations and {holders} certificates in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let server = Server::start(&binary, envs, port).await;
    let pid = Some(server.pid());
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = rss_kib(server.pid());
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build().expect("client");
    let trivial_url = server.url("/health/live");
    let trivial: UrlFn = Arc::new(move |_| trivial_url.clone());
    let base = server.url("/api/v1/public/credit/");
    let credit: UrlFn = Arc::new(move |rng| format!("{base}{}", credit_code(rng.gen_range(1..=ORGANIZATIONS))));
    let check = server.url("/api/v1/public/certificates");
    let certificates: UrlFn = Arc::new(move |rng| {
        let n = rng.gen_range(0..holders);
        format!("{check}?number=T{}&name=持证人{n}", resident_id(n))
    });
    // Warm the connections and the trivial path before measuring.
    load(&http, trivial.clone(), CONNECTIONS, 3, None).await;
    let health = load(&http, trivial, CONNECTIONS, seconds, pid).await;
    // Cold: most codes are read for the first time (each miss reads the database).
    let cold = load(&http, credit.clone(), CONNECTIONS, seconds, pid).await;
    // Steady state: every card has been read within its 60 s time to live, as
    // under continuous portal and public traffic. Fill the rest, then measure.
    let fill = Instant::now();
    let codes: Vec<u32> = (1..=ORGANIZATIONS).collect();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let base_fill = server.url("/api/v1/public/credit/");
    let mut fillers = Vec::new();
    for _ in 0..CONNECTIONS {
        let (http, next, codes, base) = (http.clone(), next.clone(), codes.clone(), base_fill.clone());
        fillers.push(tokio::spawn(async move {
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(code) = codes.get(i) else { break };
                let _ = http.get(format!("{base}{}", credit_code(*code))).send().await.map(|r| r.bytes());
            }
        }));
    }
    for filler in fillers {
        filler.await.expect("filler");
    }
    println!("bench-credit: filled the remaining cards in {:.1} s", fill.elapsed().as_secs_f64());
    let lookups = load(&http, credit, CONNECTIONS, seconds, pid).await;
    let checks = load(&http, certificates, CONNECTIONS, seconds, pid).await;
    println!("bench-credit: {CONNECTIONS} connections, {seconds} s each, release server on PostgreSQL, 2 cores shared with the client");
    println!("{:<44} {:>10} {:>8} {:>10} {:>10} {:>8}", "endpoint", "req/s", "errors", "p50 ms", "p99 ms", "RSS MiB");
    let rows = [
        row("GET /health/live (trivial ceiling)", &health, &health),
        row("GET /public/credit/{code}, cold", &cold, &health),
        row("GET /public/credit/{code}, steady state", &lookups, &health),
        row("GET /public/certificates?number=&name=", &checks, &health),
    ];
    let ratio = lookups.rate() / health.rate().max(1.0);
    let credit_ok = ratio >= 0.5 && lookups.p99_us < 10_000;
    let peak = [&health, &cold, &lookups, &checks].iter().map(|r| r.peak_rss_kib).max().unwrap_or(0);
    append_section(&format!(
        "## Public reads (bench-credit)\n\nRelease server on PostgreSQL, {ORGANIZATIONS} organisations (a tenth \
         with a credit event and a stored score) and {holders} certificate holders; {CONNECTIONS} closed-loop \
         connections for {seconds} s per row, the load generator on the same 2 cores. The ceiling is the \
         trivial `/health/live` of the same server in the same run.\n\n\
         | endpoint | req/s | vs trivial | errors | p50 ms | p99 ms | peak RSS MiB |\n|---|---:|---:|---:|---:|---:|---:|\n{}\n\n\
         - credit lookups (steady state) at {:.0} % of the trivial rate, p99 {:.2} ms: {} the target (≥ 50 %, p99 < 10 ms)\n\
         - certificate checks at {:.0} % of the trivial rate, p99 {:.2} ms\n\
         - server RSS {:.1} MiB at idle, {:.1} MiB at most under load: {} the target (< 100 MiB)",
        rows.join("\n"),
        ratio * 100.0,
        lookups.p99_ms(),
        verdict(credit_ok),
        100.0 * checks.rate() / health.rate().max(1.0),
        checks.p99_ms(),
        mib(idle_rss),
        mib(peak),
        verdict(peak < 100 * 1024),
    ));
    let errors = health.errors + cold.errors + lookups.errors + checks.errors;
    drop(server);
    if errors > 0 {
        eprintln!("bench-credit: {errors} errors");
        std::process::exit(1);
    }
}
