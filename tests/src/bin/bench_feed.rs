//! `make bench`, integration: the event feed and webhook deliveries.
//!
//! BENCH_FEED_EVENTS outbox events (default 1,000,000) are loaded with
//! `COPY`; the release server runs on PostgreSQL with its webhook worker on
//! and private receivers allowed.
//!
//! - Feed: BENCH_FEED_READERS (default 8) admin readers page through
//!   `GET /api/v1/events?after=&limit=1000` from random positions for
//!   BENCH_SECONDS; events/s against the ceiling of the same pages read
//!   straight from PostgreSQL by as many connections of the benchmark.
//! - Webhooks: BENCH_WEBHOOK_SUBSCRIPTIONS subscriptions (default 4), each
//!   starting BENCH_WEBHOOK_EVENTS (default 5,000) events before the head, to
//!   a receiver in this process that answers 204; deliveries/s until every
//!   one has arrived, against the ceiling of this process posting the same
//!   number of signed-size bodies to the same receiver, one sequential poster
//!   per subscription (deliveries are in order per subscription).
//!
//! Also samples the server's RSS under each load. Appends its section to
//! bench/REPORT.md.

#[path = "bench_support/mod.rs"]
mod support;

use std::io::{BufWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::Connection;
use diesel::pg::CopyFormat;
use diesel::{ExecuteCopyFromDsl, PgConnection, RunQueryDsl};
use e2e::{Backend, TestDatabase};
use persistence::schema::events;
use rand::Rng;
use serde_json::{json, Value};
use support::{append_section, env_u64, env_usize, mib, rss_kib, since, token, Server};

const EVENT_TYPES: [&str; 4] =
    ["organization_updated", "premiums_posted", "credit_score_changed", "certificate_issued"];

fn load_events(url: &str, n: usize) -> f64 {
    let mut conn = PgConnection::establish(url).expect("connect");
    let started = Instant::now();
    diesel::copy_from(events::table)
        .from_raw_data(
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
            |sink: &mut dyn Write| -> Result<(), diesel::result::Error> {
                let mut out = BufWriter::with_capacity(1 << 20, sink);
                let mut written = Ok(());
                for i in 0..n {
                    written = writeln!(
                        out,
                        "{}\t00000000-0000-7000-c000-{i:012}\t{}\t2025-06-01 00:00:00\torganization\t\
                         00000000-0000-7000-8000-{:012}\t410100\t00000000-0000-7000-8000-{:012}\t{}\t\
                         {{\"credit_code\":\"91410100MA00000000\",\"score\":70,\"grade\":\"c\"}}",
                        i + 1,
                        EVENT_TYPES[i % EVENT_TYPES.len()],
                        i % 100_000,
                        i % 100_000,
                        if i % 10 == 0 { "t" } else { "f" },
                    );
                    if written.is_err() {
                        break;
                    }
                }
                written.and_then(|()| out.flush()).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
            },
        )
        .with_format(CopyFormat::Text)
        .execute(&mut conn)
        .expect("copy");
    diesel::sql_query(format!("UPDATE event_head SET last_position = {n}")).execute(&mut conn).expect("head");
    diesel::sql_query("VACUUM ANALYZE events").execute(&mut conn).expect("analyze");
    since(started)
}

/// Readers paging through the feed over HTTP: (events, requests, seconds, peak RSS KiB).
async fn feed_over_http(
    server: &Server,
    bearer: &str,
    readers: usize,
    total: usize,
    seconds: u64,
) -> (usize, usize, f64, u64) {
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let pid = server.pid();
    let sampler = tokio::spawn(async move {
        let mut peak = 0;
        while Instant::now() < deadline {
            peak = peak.max(rss_kib(pid));
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        peak
    });
    let mut tasks = Vec::new();
    for _ in 0..readers {
        let (http, url, bearer) = (http.clone(), server.url("/api/v1/events"), bearer.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut events, mut requests) = (0usize, 0usize);
            let mut after = rand::thread_rng().gen_range(0..total.saturating_sub(50_000).max(1));
            while Instant::now() < deadline {
                let page: Value = http
                    .get(format!("{url}?after={after}&limit=1000"))
                    .bearer_auth(&bearer)
                    .send()
                    .await
                    .expect("feed")
                    .json()
                    .await
                    .expect("feed page");
                let items = page["items"].as_array().map(Vec::len).unwrap_or(0);
                assert!(items > 0 || after >= total, "empty page after {after}: {page}");
                events += items;
                requests += 1;
                after = page["next_after"].as_u64().map_or(after + items, |n| n as usize);
                if after >= total {
                    after = 0;
                }
            }
            (events, requests)
        }));
    }
    let (mut events, mut requests) = (0, 0);
    for task in tasks {
        let (e, r) = task.await.expect("reader");
        events += e;
        requests += r;
    }
    (events, requests, since(started), sampler.await.unwrap_or(0))
}

/// The same pages straight from PostgreSQL: events/s.
fn feed_from_database(url: &str, readers: usize, total: usize, seconds: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let counted: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..readers)
            .map(|_| {
                scope.spawn(move || {
                    #[derive(diesel::QueryableByName)]
                    #[allow(dead_code)]
                    struct Row {
                        #[diesel(sql_type = diesel::sql_types::BigInt)]
                        position: i64,
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        id: String,
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        event_type: String,
                        #[diesel(sql_type = diesel::sql_types::Timestamp)]
                        occurred_at: chrono::NaiveDateTime,
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        resource_type: String,
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        resource_id: String,
                        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
                        region_code: Option<String>,
                        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
                        organization_id: Option<String>,
                        #[diesel(sql_type = diesel::sql_types::Bool)]
                        public: bool,
                        #[diesel(sql_type = diesel::sql_types::Text)]
                        data: String,
                    }
                    let mut conn = PgConnection::establish(url).expect("connect");
                    let mut after = rand::thread_rng().gen_range(0..total.saturating_sub(50_000).max(1)) as i64;
                    let mut n = 0usize;
                    while Instant::now() < deadline {
                        let rows: Vec<Row> = diesel::sql_query(
                            "SELECT position, id, event_type, occurred_at, resource_type, resource_id, region_code, \
                             organization_id, public, data FROM events WHERE position > $1 ORDER BY position LIMIT 1000",
                        )
                        .bind::<diesel::sql_types::BigInt, _>(after)
                        .load(&mut conn)
                        .expect("page");
                        n += rows.len();
                        after = rows.last().map_or(0, |r| r.position);
                        if after as usize >= total {
                            after = 0;
                        }
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("reader")).sum()
    });
    counted as f64 / since(started)
}

/// A receiver on 127.0.0.1 answering 204 and counting deliveries.
async fn receiver(count: Arc<AtomicUsize>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = actix_web::HttpServer::new(move || {
        let count = count.clone();
        actix_web::App::new().default_service(actix_web::web::to(move |_body: actix_web::web::Bytes| {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                actix_web::HttpResponse::NoContent().finish()
            }
        }))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);
    port
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total = env_usize("BENCH_FEED_EVENTS", 1_000_000).max(60_000);
    let readers = env_usize("BENCH_FEED_READERS", 8).max(1);
    let seconds = env_u64("BENCH_SECONDS", 20);
    let subscriptions = env_usize("BENCH_WEBHOOK_SUBSCRIPTIONS", 4).max(1);
    let per_subscription = env_usize("BENCH_WEBHOOK_EVENTS", 5_000).clamp(1, total);
    let binary = Server::binary();
    let db = TestDatabase::create(Backend::Postgres);
    let dir = tempfile::tempdir().expect("dir");
    let port = Server::free_port();
    let envs = Server::envs(
        &db.url,
        &dir.path().join("keys"),
        port,
        &[
            ("HSP_WEBHOOK_WORKER", "true"),
            ("HSP_WEBHOOK_ALLOW_PRIVATE", "true"),
            ("HSP_WEBHOOK_POLL_MILLIS", "20"),
            ("HSP_WEBHOOK_BACKOFF_MILLIS", "100"),
        ],
    );
    Server::command(&binary, &envs, &["migrate"]);
    let load_seconds = load_events(&db.url, total);
    println!("bench-feed: loaded {total} events in {load_seconds:.1} s");
    let server = Server::start(&binary, envs, port).await;
    let (id, secret) = server.admin_client();
    let http = reqwest::Client::new();
    let admin = token(&http, &server, &id, &secret).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let idle_rss = rss_kib(server.pid());

    // The event feed.
    let (events_read, requests, feed_seconds, feed_rss) =
        feed_over_http(&server, &admin, readers, total, seconds).await;
    let feed_rate = events_read as f64 / feed_seconds;
    let ceiling_url = db.url.clone();
    let feed_ceiling = tokio::task::spawn_blocking(move || feed_from_database(&ceiling_url, readers, total, seconds))
        .await
        .expect("ceiling");
    println!("bench-feed: feed {feed_rate:.0} events/s over HTTP ({requests} pages), {feed_ceiling:.0} events/s from the database");

    // Webhooks: the ceiling first (the receiver alone), then the worker.
    let delivered = Arc::new(AtomicUsize::new(0));
    let receiver_port = receiver(delivered.clone()).await;
    let receiver_url = format!("http://127.0.0.1:{receiver_port}/hook");
    let body = json!({"id": "00000000-0000-7000-c000-000000000001", "position": 1, "event_type": "premiums_posted",
                      "occurred_at": "2025-06-01T00:00:00Z", "resource": {"type": "organization", "id": "x"},
                      "data": {"credit_code": "91410100MA00000000", "score": 70, "grade": "c"}})
    .to_string();
    let started = Instant::now();
    let mut posters = Vec::new();
    for _ in 0..subscriptions {
        let (http, url, body) = (http.clone(), receiver_url.clone(), body.clone());
        posters.push(tokio::spawn(async move {
            for _ in 0..per_subscription {
                let response = http
                    .post(&url)
                    .header("Content-Type", "application/json")
                    .header("X-Signature", "t=0,v1=00")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("post");
                assert_eq!(response.status(), 204);
            }
        }));
    }
    for poster in posters {
        poster.await.expect("poster");
    }
    let webhook_ceiling = (subscriptions * per_subscription) as f64 / since(started);
    delivered.store(0, Ordering::Relaxed);

    let head = i64::try_from(total).expect("head");
    let after = head - i64::try_from(per_subscription).expect("events");
    let started = Instant::now();
    for s in 0..subscriptions {
        let response = http
            .post(server.url("/api/v1/webhooks"))
            .bearer_auth(&admin)
            .json(&json!({"url": receiver_url, "event_types": [], "secret": format!("bench-secret-{s}-0123456789abcdefghijklmnop"), "after": after}))
            .send()
            .await
            .expect("subscribe");
        let status = response.status();
        assert_eq!(status, 201, "subscription: {}", response.text().await.unwrap_or_default());
    }
    let wanted = subscriptions * per_subscription;
    let limit = Duration::from_secs(env_u64("BENCH_WEBHOOK_TIMEOUT", 600));
    let mut webhook_rss = 0;
    while delivered.load(Ordering::Relaxed) < wanted && started.elapsed() < limit {
        webhook_rss = webhook_rss.max(rss_kib(server.pid()));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let webhook_seconds = since(started);
    let got = delivered.load(Ordering::Relaxed);
    let webhook_rate = got as f64 / webhook_seconds;
    println!("bench-feed: {got} of {wanted} deliveries in {webhook_seconds:.1} s ({webhook_rate:.0}/s), ceiling {webhook_ceiling:.0}/s");
    append_section(&format!(
        "## Event feed and webhooks (bench-feed)\n\n{total} outbox events (loaded with `COPY` in {load_seconds:.0} s), \
         release server on PostgreSQL, the load generator and the receiver in one process on the same 2 cores.\n\n\
         | workload | figure | ceiling (same run) | ratio | server peak RSS MiB |\n|---|---:|---:|---:|---:|\n\
         | `GET /events?after=&limit=1000`, {readers} admin readers, {seconds} s | {feed_rate:.0} events/s ({:.0} pages/s) | \
         {feed_ceiling:.0} events/s: the same pages read from PostgreSQL directly | {:.0} % | {:.1} |\n\
         | webhook deliveries, {subscriptions} subscriptions × {per_subscription} events | {webhook_rate:.0} deliveries/s \
         ({got} of {wanted} in {webhook_seconds:.1} s) | {webhook_ceiling:.0} posts/s: this process posting to the same \
         receiver, one sequential poster per subscription | {:.0} % | {:.1} |\n\n\
         Server RSS at idle: {:.1} MiB.",
        requests as f64 / feed_seconds,
        100.0 * feed_rate / feed_ceiling.max(1.0),
        mib(feed_rss),
        100.0 * webhook_rate / webhook_ceiling.max(1.0),
        mib(webhook_rss),
        mib(idle_rss),
    ));
    drop(server);
    if got < wanted {
        eprintln!("bench-feed: only {got} of {wanted} webhook deliveries arrived");
        std::process::exit(1);
    }
}
