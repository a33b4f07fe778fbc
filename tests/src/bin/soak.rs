//! `make bench` soak run: the real server binary under a fixed-rate mixed
//! workload (portal reads, premium batches, public organisation and certificate checks) for SOAK_SECONDS
//! (default 600) on PostgreSQL. Reports per minute: requests, errors, latency
//! percentiles and the server's resident memory. Fails on any error.

use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use e2e::{credit_code, Backend, TestDatabase};
use serde_json::{json, Value};

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

struct Server {
    child: Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let index = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let seconds = env_u64("SOAK_SECONDS", 600);
    let rate = env_u64("SOAK_RATE", 40).max(1);
    let binary = std::env::var("SOAK_SERVER").unwrap_or_else(|_| "target/release/henan-safety".into());
    let db = TestDatabase::create(Backend::Postgres);
    let dir = tempfile::tempdir().expect("dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let envs = [
        ("DATABASE_URL", db.url.clone()),
        ("HSP_KEYS_DIR", dir.path().join("keys").display().to_string()),
        ("HSP_BIND", format!("127.0.0.1:{port}")),
        ("HSP_RATE_LIMIT_PER_MINUTE", "0".into()),
        ("RUST_LOG", "warn".into()),
    ];
    let created = Command::new(&binary)
        .args(["clients", "create", "--role", "admin", "--name", "soak"])
        .envs(envs.iter().cloned())
        .stderr(Stdio::null())
        .output()
        .expect("clients create");
    let text = String::from_utf8_lossy(&created.stdout).to_string();
    let field =
        |name: &str| text.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).expect("client line");
    let (admin_id, admin_secret) = (field("client_id:"), field("client_secret:"));
    let server = Server {
        child: Command::new(&binary)
            .arg("serve")
            .envs(envs.iter().cloned())
            .stderr(Stdio::null())
            .spawn()
            .expect("serve"),
    };
    let pid = server.child.id();
    let base = format!("http://127.0.0.1:{port}/api/v1");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("http://127.0.0.1:{port}/health/ready")).send().await.is_ok_and(|r| r.status() == 200) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let token = |id: String, secret: String| {
        let http = http.clone();
        let url = format!("{base}/auth/token");
        async move {
            let body: Value = http
                .post(url)
                .json(&json!({"client_id": id, "client_secret": secret}))
                .send()
                .await
                .expect("token")
                .json()
                .await
                .expect("token body");
            body["access_token"].as_str().expect("access_token").to_owned()
        }
    };
    let admin = token(admin_id, admin_secret).await;
    let post = |path: &str, bearer: &str, body: Value| {
        let request = http.post(format!("{base}{path}")).bearer_auth(bearer).json(&body);
        async move { request.send().await.expect("post").json::<Value>().await.expect("json") }
    };
    let insurer = post(
        "/organizations",
        &admin,
        json!({"credit_code": credit_code(1), "name": "浸泡测试保险", "kind": "insurer", "region_code": "410100"}),
    )
    .await;
    let enterprise = post("/organizations", &admin, json!({"credit_code": credit_code(2), "name": "浸泡测试企业", "kind": "enterprise", "region_code": "410100", "sector": "mining"})).await;
    let client =
        post("/clients", &admin, json!({"name": "soak insurer", "role": "insurer", "organization_id": insurer["id"]}))
            .await;
    let insurer_token = token(
        client["client_id"].as_str().expect("id").into(),
        client["client_secret"].as_str().expect("secret").into(),
    )
    .await;
    let portal = post("/clients", &admin, json!({"name": "soak portal", "role": "portal"})).await;
    let portal_token = token(
        portal["client_id"].as_str().expect("id").into(),
        portal["client_secret"].as_str().expect("secret").into(),
    )
    .await;
    post("/insurance/policies", &insurer_token, json!({
        "policy_number": "SOAK-1", "enterprise_id": enterprise["id"], "start_date": "2025-01-01", "end_date": "2025-12-31",
        "insured_headcount": 10, "cover_per_person_fen": 40_000_000, "base_premium_fen": 100_000,
        "charged_premium_fen": 100_000, "risk_adjustment_bp": 0
    })).await;

    // A special-operation certificate for the public certificate checks.
    let holder = "11010519491231002X";
    let issued = post(
        "/certificates",
        &admin,
        json!({
            "holder": {"resident_id": holder, "name": "张伟"}, "number": format!("T{holder}"),
            "category": "electrical", "issuing_region": "410100", "issued_on": "2024-01-10"
        }),
    )
    .await;
    assert!(issued["id"].is_string(), "soak certificate: {issued}");

    let latencies: Arc<Mutex<Vec<u64>>> = Arc::new(Mutex::new(Vec::new()));
    let errors = Arc::new(AtomicU64::new(0));
    let sequence = Arc::new(AtomicU64::new(0));
    println!("soak: {seconds} s at {rate} requests/s against {binary} (pid {pid}), PostgreSQL");
    println!(
        "{:>6} {:>9} {:>7} {:>8} {:>8} {:>8} {:>10}",
        "minute", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "RSS KiB"
    );
    let started = Instant::now();
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate));
    let mut minute_start = Instant::now();
    let mut minute = 0;
    let mut total_errors = 0;
    while started.elapsed() < Duration::from_secs(seconds) {
        ticker.tick().await;
        let n = sequence.fetch_add(1, Ordering::Relaxed);
        let (task_latencies, task_errors) = (latencies.clone(), errors.clone());
        let request = match n % 10 {
            // Premium batches of 100 items, each batch its own key and references.
            0..=1 => {
                let items: Vec<Value> = (0..100)
                    .map(|i| json!({"policy_number": "SOAK-1", "received_at": "2025-06-01T10:00:00+08:00", "amount_fen": 100 + i, "external_ref": format!("soak-{n}-{i}")}))
                    .collect();
                http.post(format!("{base}/insurance/premium-postings"))
                    .bearer_auth(&insurer_token)
                    .header("Idempotency-Key", format!("soak-{n}"))
                    .json(&json!({"items": items}))
            }
            // Public checks of an organisation card and of a certificate (number and name).
            2..=3 => http.get(format!("{base}/public/organizations/{}", credit_code(2))),
            4 => http.get(format!("{base}/public/certificates?number=T{holder}&name=张伟")),
            // Portal reads of the registry.
            _ => http.get(format!("{base}/organizations?limit=50")).bearer_auth(&portal_token),
        };
        tokio::spawn(async move {
            let t = Instant::now();
            let ok = request.send().await.is_ok_and(|r| r.status().is_success());
            if !ok {
                task_errors.fetch_add(1, Ordering::Relaxed);
            }
            task_latencies.lock().expect("latencies").push(t.elapsed().as_millis() as u64);
        });
        if minute_start.elapsed() >= Duration::from_secs(60) || started.elapsed() >= Duration::from_secs(seconds) {
            minute += 1;
            let mut sample = std::mem::take(&mut *latencies.lock().expect("latencies"));
            sample.sort_unstable();
            let minute_errors = errors.swap(0, Ordering::Relaxed);
            total_errors += minute_errors;
            println!(
                "{minute:>6} {:>9} {minute_errors:>7} {:>8} {:>8} {:>8} {:>10}",
                sample.len(),
                percentile(&sample, 0.50),
                percentile(&sample, 0.95),
                percentile(&sample, 0.99),
                rss_kib(pid)
            );
            minute_start = Instant::now();
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    total_errors += errors.load(Ordering::Relaxed);
    drop(server);
    if total_errors > 0 {
        eprintln!("soak: {total_errors} errors");
        std::process::exit(1);
    }
    println!("soak: 0 errors");
}
