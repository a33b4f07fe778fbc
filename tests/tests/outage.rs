//! A database outage (PostgreSQL): requests get 503 problems within the
//! documented pool timeout, readiness reports 503, and the service recovers
//! without a restart when the database returns. The outage is a TCP proxy
//! between the server and PostgreSQL that the test cuts and restores.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use e2e::{Backend, TestApp};
use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards every connection on `listen` to PostgreSQL until aborted.
fn proxy(listener: TcpListener, upstream: SocketAddr) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut connections = tokio::task::JoinSet::new();
        while let Ok((mut client, _)) = listener.accept().await {
            connections.spawn(async move {
                if let Ok(mut server) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                }
            });
        }
    })
}

fn postgres_address() -> SocketAddr {
    let url = std::env::var("TEST_POSTGRES_URL").unwrap_or_else(|_| e2e::DEFAULT_POSTGRES_URL.to_owned());
    let host_port = url.split('@').next_back().and_then(|rest| rest.split('/').next()).unwrap_or("127.0.0.1:5432");
    let host_port = if host_port.contains(':') { host_port.to_owned() } else { format!("{host_port}:5432") };
    host_port.replace("localhost", "127.0.0.1").parse().expect("PostgreSQL address")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_503_quickly_and_the_service_recovers() {
    if Backend::from_env() != Backend::Postgres {
        eprintln!("outage test: PostgreSQL only (TEST_DATABASE=postgres)");
        return;
    }
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
    let proxy_address = listener.local_addr().expect("proxy address");
    let mut running = proxy(listener, postgres_address());
    let app = TestApp::spawn_with(|s| {
        let (base, name) = s.database_url.rsplit_once('/').expect("database url");
        let (scheme_user, _) = base.rsplit_once('@').expect("user@host");
        s.database_url = format!("{scheme_user}@{proxy_address}/{name}");
        s.db_timeout_seconds = 2;
    })
    .await;
    let regions = |app: &TestApp| {
        let request = app.http.get(app.url("/api/v1/regions")).bearer_auth(app.admin_token());
        async move { request.send().await.expect("regions") }
    };
    assert_eq!(regions(&app).await.status(), StatusCode::OK);

    // Cut: stop the proxy and every connection through it.
    running.abort();
    let _ = running.await;
    let started = Instant::now();
    let down = regions(&app).await;
    let waited = started.elapsed();
    assert_eq!(down.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(waited < Duration::from_secs(6), "503 took {waited:?}");
    assert_eq!(down.headers()["content-type"], "application/problem+json");
    let ready = app.http.get(app.url("/health/ready")).send().await.expect("ready");
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);

    // Restore on the same address: the pool reconnects by itself.
    running = proxy(TcpListener::bind(proxy_address).await.expect("rebind proxy"), postgres_address());
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let status = app.http.get(app.url("/health/ready")).send().await.expect("ready").status();
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "not ready again 15 s after the database returned");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(regions(&app).await.status(), StatusCode::OK);
    running.abort();
}
