//! `make bench` public credit lookups: the release server on PostgreSQL with
//! 100,000 organisations (a tenth with credit events and a stored score),
//! `GET /api/v1/public/credit/{code}` for random codes measured beside the
//! trivial `/health/live` of the same server in the same run, each at 64
//! concurrent connections for BENCH_SECONDS (default 20): once cold (most
//! cards read for the first time, from the database) and once in steady
//! state (every card read within its 60 s time to live). The target, for the
//! steady state: at least half the trivial endpoint's rate, p99 under 10 ms.
//! Reports the figures; fails only on errors.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use e2e::{credit_code, Backend, TestDatabase};
use rand::Rng;

const ORGANIZATIONS: u32 = 100_000;
const CONNECTIONS: usize = 64;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

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

struct Run {
    requests: usize,
    errors: usize,
    seconds: f64,
    p50_us: u64,
    p99_us: u64,
}

impl Run {
    fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

async fn load(
    http: &reqwest::Client,
    urls: Arc<dyn Fn(&mut rand::rngs::ThreadRng) -> String + Send + Sync>,
    seconds: u64,
) -> Run {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(CONNECTIONS);
    for _ in 0..CONNECTIONS {
        let (http, urls) = (http.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let url = urls(&mut rand::thread_rng());
                let t = Instant::now();
                let ok = match http.get(&url).send().await {
                    Ok(response) => response.status().is_success() && response.bytes().await.is_ok(),
                    Err(_) => false,
                };
                latencies.push(t.elapsed().as_micros() as u64);
                if !ok {
                    errors += 1;
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (latencies, e) = task.await.expect("worker");
        all.extend(latencies);
        errors += e;
    }
    let seconds = started.elapsed().as_secs_f64();
    all.sort_unstable();
    let at = |p: f64| all.get(((all.len().saturating_sub(1)) as f64 * p).round() as usize).copied().unwrap_or(0);
    Run { requests: all.len(), errors, seconds, p50_us: at(0.50), p99_us: at(0.99) }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = env_u64("BENCH_SECONDS", 20);
    let binary = std::env::var("BENCH_SERVER").unwrap_or_else(|_| "target/release/henan-safety".into());
    let db = TestDatabase::create(Backend::Postgres);
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let envs = [
        ("DATABASE_URL", db.url.clone()),
        ("HSP_KEYS_DIR", dir.path().join("keys").display().to_string()),
        ("HSP_BIND", format!("127.0.0.1:{port}")),
        ("HSP_RATE_LIMIT_PER_MINUTE", "0".into()),
        ("HSP_DB_POOL_SIZE", "16".into()),
        ("RUST_LOG", "warn".into()),
    ];
    // `migrate` prepares the schema and seed data before the bulk insert.
    let migrated = Command::new(&binary).arg("migrate").envs(envs.iter().cloned()).status().expect("migrate");
    assert!(migrated.success(), "migrate failed");
    let seeding = Instant::now();
    seed(&db);
    println!("bench-credit: seeded {ORGANIZATIONS} organisations in {:.1} s", seeding.elapsed().as_secs_f64());
    let _server = Server(
        Command::new(&binary).arg("serve").envs(envs.iter().cloned()).stderr(Stdio::null()).spawn().expect("serve"),
    );
    let http = reqwest::Client::builder().pool_max_idle_per_host(CONNECTIONS).build().expect("client");
    for _ in 0..100 {
        if http.get(format!("http://127.0.0.1:{port}/health/ready")).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let trivial_url = format!("http://127.0.0.1:{port}/health/live");
    let trivial: Arc<dyn Fn(&mut rand::rngs::ThreadRng) -> String + Send + Sync> =
        Arc::new(move |_| trivial_url.clone());
    let base = format!("http://127.0.0.1:{port}/api/v1/public/credit/");
    let credit: Arc<dyn Fn(&mut rand::rngs::ThreadRng) -> String + Send + Sync> =
        Arc::new(move |rng| format!("{base}{}", credit_code(rng.gen_range(1..=ORGANIZATIONS))));
    // Warm the connections and the trivial path before measuring.
    load(&http, trivial.clone(), 3).await;
    let health = load(&http, trivial, seconds).await;
    // Cold: most codes are read for the first time (each miss reads the database).
    let cold = load(&http, credit.clone(), seconds).await;
    // Steady state: every card has been read within its 60 s time to live, as
    // under continuous portal and public traffic. Fill the rest, then measure.
    let fill = Instant::now();
    let codes: Vec<u32> = (1..=ORGANIZATIONS).collect();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let base_fill = format!("http://127.0.0.1:{port}/api/v1/public/credit/");
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
    let lookups = load(&http, credit, seconds).await;
    println!("bench-credit: {CONNECTIONS} connections, {seconds} s each, release server on PostgreSQL, 2 cores shared with the client");
    println!("{:<34} {:>10} {:>8} {:>10} {:>10}", "endpoint", "req/s", "errors", "p50 ms", "p99 ms");
    for (name, run) in [
        ("GET /health/live", &health),
        ("GET /public/credit/{code} (cold)", &cold),
        ("GET /public/credit/{code} (warm)", &lookups),
    ] {
        println!(
            "{name:<34} {:>10.0} {:>8} {:>10.2} {:>10.2}",
            run.rate(),
            run.errors,
            run.p50_us as f64 / 1000.0,
            run.p99_us as f64 / 1000.0
        );
    }
    let ratio = lookups.rate() / health.rate().max(1.0);
    let verdict = if ratio >= 0.5 && lookups.p99_us < 10_000 { "meets" } else { "misses" };
    println!("bench-credit: lookups at {:.0} % of the trivial rate, p99 {:.2} ms: {verdict} the target (≥ 50 %, p99 < 10 ms)", ratio * 100.0, lookups.p99_us as f64 / 1000.0);
    let errors = health.errors + cold.errors + lookups.errors;
    if errors > 0 {
        eprintln!("bench-credit: {errors} errors");
        std::process::exit(1);
    }
}
