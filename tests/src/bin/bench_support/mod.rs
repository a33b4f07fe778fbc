//! What the `make bench` programs share: sizes from the environment, the
//! report file each appends its section to, the release server as a child
//! process, its resident memory, and a closed-loop HTTP load generator.
//!
//! Included by each benchmark binary with `#[path]`; each uses only part of
//! it, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

pub fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

/// `BENCH_REPORT`, default `bench/REPORT.md` (relative to where `make bench` runs).
pub fn report_path() -> PathBuf {
    std::env::var("BENCH_REPORT").map(PathBuf::from).unwrap_or_else(|_| PathBuf::from("bench/REPORT.md"))
}

/// Appends one section (Markdown) to the report and prints it.
pub fn append_section(markdown: &str) {
    println!("{markdown}");
    let path = report_path();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).expect("report directory");
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path).expect("open report");
    writeln!(file, "{markdown}\n").expect("write report");
}

/// `meets` / `misses` for the report's verdict column.
pub fn verdict(ok: bool) -> &'static str {
    if ok {
        "meets"
    } else {
        "**misses**"
    }
}

/// Resident memory of a process (VmRSS), KiB; 0 when unreadable.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmRSS:")).map(str::to_owned))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The release server (`BENCH_SERVER`, default `target/release/henan-safety`)
/// as a child process on a free port; killed when dropped.
pub struct Server {
    child: Child,
    pub port: u16,
    envs: Vec<(String, String)>,
    binary: String,
}

impl Server {
    pub fn binary() -> String {
        std::env::var("BENCH_SERVER").unwrap_or_else(|_| "target/release/henan-safety".into())
    }

    /// The environment of a server on `database_url`, rate limits off, with
    /// `extra` settings (which win).
    pub fn envs(
        database_url: &str,
        keys_dir: &std::path::Path,
        port: u16,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut envs: Vec<(String, String)> = vec![
            ("DATABASE_URL".into(), database_url.into()),
            ("HSP_KEYS_DIR".into(), keys_dir.display().to_string()),
            ("HSP_BIND".into(), format!("127.0.0.1:{port}")),
            ("HSP_RATE_LIMIT_PER_MINUTE".into(), "0".into()),
            ("HSP_DB_POOL_SIZE".into(), "16".into()),
            ("HSP_WEBHOOK_WORKER".into(), "false".into()),
            ("RUST_LOG".into(), "warn".into()),
        ];
        for (k, v) in extra {
            envs.retain(|(name, _)| name != k);
            envs.push(((*k).into(), (*v).into()));
        }
        envs
    }

    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port()
    }

    /// `henan-safety <args>` with the same environment; panics on failure.
    pub fn command(binary: &str, envs: &[(String, String)], args: &[&str]) -> String {
        let output = Command::new(binary)
            .args(args)
            .envs(envs.iter().cloned())
            .stderr(Stdio::inherit())
            .output()
            .unwrap_or_else(|e| panic!("{binary} {args:?}: {e}"));
        assert!(output.status.success(), "{binary} {args:?} failed");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Starts `serve` and waits until `/health/ready` answers 200.
    pub async fn start(binary: &str, envs: Vec<(String, String)>, port: u16) -> Server {
        let child =
            Command::new(binary).arg("serve").envs(envs.iter().cloned()).stderr(Stdio::null()).spawn().expect("serve");
        let server = Server { child, port, envs, binary: binary.to_owned() };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http.get(server.url("/health/ready")).send().await.is_ok_and(|r| r.status() == 200) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("server on port {port} never became ready");
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Creates an admin client with the CLI and returns (id, secret).
    pub fn admin_client(&self) -> (String, String) {
        let text =
            Server::command(&self.binary, &self.envs, &["clients", "create", "--role", "admin", "--name", "bench"]);
        let field = |name: &str| {
            text.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).expect("client line")
        };
        (field("client_id:"), field("client_secret:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `POST /api/v1/auth/token` for a client.
pub async fn token(http: &reqwest::Client, server: &Server, id: &str, secret: &str) -> String {
    let body: serde_json::Value = http
        .post(server.url("/api/v1/auth/token"))
        .json(&serde_json::json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}))
        .send()
        .await
        .expect("token")
        .json()
        .await
        .expect("token body");
    body["access_token"].as_str().expect("access_token").to_owned()
}

/// One measured run of the load generator.
#[derive(Debug, Clone)]
pub struct Run {
    pub requests: usize,
    pub errors: usize,
    pub seconds: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    /// Highest server RSS sampled during the run, KiB.
    pub peak_rss_kib: u64,
}

impl Run {
    pub fn rate(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    pub fn p50_ms(&self) -> f64 {
        self.p50_us as f64 / 1000.0
    }

    pub fn p99_ms(&self) -> f64 {
        self.p99_us as f64 / 1000.0
    }
}

pub type UrlFn = Arc<dyn Fn(&mut rand::rngs::ThreadRng) -> String + Send + Sync>;

/// `connections` closed-loop clients GET `urls(rng)` for `seconds`; a
/// request counts as an error unless it answers 2xx (or 304). Samples the
/// server's RSS (`pid`) every 200 ms.
pub async fn load(http: &reqwest::Client, urls: UrlFn, connections: usize, seconds: u64, pid: Option<u32>) -> Run {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let sampler = pid.map(|pid| {
        tokio::spawn(async move {
            let mut peak = 0;
            while Instant::now() < deadline {
                peak = peak.max(rss_kib(pid));
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            peak
        })
    });
    let mut tasks = Vec::with_capacity(connections);
    for _ in 0..connections {
        let (http, urls) = (http.clone(), urls.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            while Instant::now() < deadline {
                let url = urls(&mut rand::thread_rng());
                let t = Instant::now();
                let ok = match http.get(&url).send().await {
                    Ok(response) => {
                        (response.status().is_success() || response.status() == 304) && response.bytes().await.is_ok()
                    }
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
    let peak_rss_kib = match sampler {
        Some(s) => s.await.unwrap_or(0),
        None => 0,
    };
    all.sort_unstable();
    let at = |p: f64| all.get(((all.len().saturating_sub(1)) as f64 * p).round() as usize).copied().unwrap_or(0);
    Run { requests: all.len(), errors, seconds, p50_us: at(0.50), p99_us: at(0.99), peak_rss_kib }
}

/// Seconds since `started`, for the report.
pub fn since(started: Instant) -> f64 {
    started.elapsed().as_secs_f64()
}

/// `COPY $table ($columns) FROM STDIN` over a fresh connection to `$url`,
/// the rows written by `$write(&mut impl Write)` in text format through a
/// 1 MiB buffer; returns the seconds it took. A macro because the table and
/// column types differ per call.
#[allow(unused_macros)]
macro_rules! copy {
    ($url:expr, $table:expr, $columns:expr, $write:expr $(,)?) => {{
        use ::std::io::Write as _;
        let mut conn = <::diesel::PgConnection as ::diesel::Connection>::establish($url).expect("connect");
        let started = ::std::time::Instant::now();
        let write = $write;
        ::diesel::ExecuteCopyFromDsl::execute(
            ::diesel::copy_from($table)
                .from_raw_data($columns, |sink: &mut dyn ::std::io::Write| -> Result<(), ::diesel::result::Error> {
                    let mut out = ::std::io::BufWriter::with_capacity(1 << 20, sink);
                    let written: ::std::io::Result<()> = write(&mut out).and_then(|()| out.flush());
                    written.map_err(|e| ::diesel::result::Error::SerializationError(Box::new(e)))
                })
                .with_format(::diesel::pg::CopyFormat::Text),
            &mut conn,
        )
        .expect("copy");
        $crate::support::since(started)
    }};
}
#[allow(unused_imports)]
pub(crate) use copy;
