//! Signed webhooks delivered from the outbox (issue 8) over real HTTP, on the backend
//! TEST_DATABASE names: a receiver started here records what the worker sends. Delivery in
//! order with a signature verified here (with hmac/sha2, not the server's code), type filters
//! and the owner's visibility, retries with growing delays, dead letters and redelivery, the
//! SSRF guard at creation and at delivery, owner isolation, and two instances on one database
//! delivering every event exactly once, in order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::events::EventType;
use e2e::insurance::{count, field_errors, get_json, id_of, post, status_json};
use e2e::{credit_code, Backend, TestApp};
use hmac::{Hmac, KeyInit, Mac};
use persistence::outbox::{self, NewEvent};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use uuid::Uuid;

const WEBHOOKS: &str = "/api/v1/webhooks";
const SECRET: &str = "s3cr3t-0123456789-abcdefghijklmnop-XYZ";
const ZHENGZHOU: &str = "410100";

// ---------------------------------------------------------------------------
// The receiver
// ---------------------------------------------------------------------------

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: HashMap<String, String>,
    body: Vec<u8>,
    at: Instant,
    answered: u16,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn position(&self) -> i64 {
        self.header("x-event-position").parse().expect("X-Event-Position")
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }
}

/// A tiny HTTP/1.1 server on 127.0.0.1 that records every request and
/// answers 500 while told to fail, else 200.
#[derive(Clone)]
struct Receiver {
    url: String,
    log: Arc<Mutex<Vec<Received>>>,
    /// Requests still to fail before answering 200.
    fail_next: Arc<AtomicUsize>,
    fail_always: Arc<AtomicBool>,
}

impl Receiver {
    async fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let receiver = Receiver {
            url,
            log: Arc::new(Mutex::new(Vec::new())),
            fail_next: Arc::new(AtomicUsize::new(0)),
            fail_always: Arc::new(AtomicBool::new(false)),
        };
        let serving = receiver.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let serving = serving.clone();
                tokio::spawn(async move { serving.serve(stream).await });
            }
        });
        receiver
    }

    async fn serve(&self, mut stream: tokio::net::TcpStream) {
        let mut buffer = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break end + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
        let headers: HashMap<String, String> = head
            .lines()
            .skip(1)
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        let length: usize = headers.get("content-length").and_then(|v| v.parse().ok()).unwrap_or(0);
        while buffer.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
        }
        let fail = self.fail_always.load(Ordering::SeqCst)
            || self.fail_next.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok();
        let answered = if fail { 500 } else { 200 };
        self.log.lock().expect("log").push(Received {
            headers,
            body: buffer[head_end..head_end + length].to_vec(),
            at: Instant::now(),
            answered,
        });
        let reason = if fail { "Internal Server Error" } else { "OK" };
        let response = format!("HTTP/1.1 {answered} {reason}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }

    fn received(&self) -> Vec<Received> {
        self.log.lock().expect("log").clone()
    }

    /// The requests for one subscription.
    fn for_webhook(&self, id: &str) -> Vec<Received> {
        self.received().into_iter().filter(|r| r.header("x-webhook-id") == id).collect()
    }

    /// Waits until `done` holds for what was received; panics after `limit`.
    async fn wait(&self, limit: Duration, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(start.elapsed() < limit, "timed out waiting for {what}; received {} requests", got.len());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Verifies `X-Signature` independently of the server: HMAC-SHA256 of
/// "<t>.<body>" under `secret`, hex, and a timestamp within a minute.
fn assert_signed(request: &Received, secret: &str) {
    let header = request.header("x-signature");
    let (t, v1) = header
        .split_once(',')
        .and_then(|(t, v)| Some((t.strip_prefix("t=")?, v.strip_prefix("v1=")?)))
        .unwrap_or_else(|| panic!("malformed X-Signature {header:?}"));
    let timestamp: i64 = t.parse().expect("signature timestamp");
    assert!((chrono::Utc::now().timestamp() - timestamp).abs() < 60, "stale signature timestamp {timestamp}");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(&request.body);
    let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(v1, expected, "signature does not verify");
}

/// Appends an event straight to the outbox (as a handler's transaction
/// would); its position.
fn append(app: &TestApp, event_type: EventType, organization: Option<&str>, region: Option<&str>) -> i64 {
    let mut conn = app.db.connect();
    let organization_id = organization.map(|o| Uuid::parse_str(o).expect("org id"));
    conn.transaction(|conn| {
        outbox::append(
            conn,
            &NewEvent {
                event_type,
                occurred_at: chrono::Utc::now().naive_utc(),
                resource_type: "organization",
                resource_id: organization.unwrap_or("none").to_owned(),
                region_code: region.map(str::to_owned),
                organization_id,
                counterparty_id: None,
                data: json!({"note": "test"}),
            },
        )
    })
    .expect("append event")
}

fn head(app: &TestApp) -> i64 {
    outbox::head(&mut app.db.connect()).expect("head")
}

async fn subscribe(app: &TestApp, token: &str, body: &Value) -> Value {
    let (status, created) = status_json(post(app, token, WEBHOOKS, None, body).await).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

fn subscription(url: &str, types: &[&str]) -> Value {
    json!({"url": url, "event_types": types, "secret": SECRET})
}

async fn patch(app: &TestApp, token: &str, path: &str, if_match: Option<&str>, body: &Value) -> (StatusCode, Value) {
    let mut request = app.http.patch(app.url(path)).bearer_auth(token).json(body);
    if let Some(tag) = if_match {
        request = request.header("If-Match", tag);
    }
    status_json(request.send().await.expect("PATCH")).await
}

/// Waits until the subscription's cursor reaches `position`.
async fn wait_for_cursor(app: &TestApp, token: &str, id: &str, position: i64) {
    let start = Instant::now();
    loop {
        let (status, view) = get_json(app, token, &format!("{WEBHOOKS}/{id}")).await;
        assert_eq!(status, StatusCode::OK, "{view}");
        if view["cursor"].as_i64() >= Some(position) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "cursor stuck at {} (want {position})", view["cursor"]);
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn deliveries(app: &TestApp, token: &str, id: &str, query: &str) -> Vec<Value> {
    let (status, page) = get_json(app, token, &format!("{WEBHOOKS}/{id}/deliveries{query}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().expect("items").clone()
}

const WAIT: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn events_are_delivered_in_order_signed_with_their_id_type_and_position() {
    let app = TestApp::spawn_with(|s| s.webhook_worker = true).await;
    let receiver = Receiver::start().await;
    let admin = app.admin_token().to_owned();
    let before = append(&app, EventType::OrganizationCreated, None, Some(ZHENGZHOU));
    let created = subscribe(&app, &admin, &subscription(&receiver.url, &[])).await;
    let id = id_of(&created);
    // New events only: the cursor starts at the head.
    assert_eq!(created["cursor"], json!(before));
    assert_eq!(created["status"], "active");
    let types = [
        EventType::OrganizationCreated,
        EventType::PolicyCreated,
        EventType::BlacklistListed,
        EventType::SanctionIssued,
        EventType::CreditScoreChanged,
    ];
    let positions: Vec<i64> = types.iter().map(|t| append(&app, *t, None, Some(ZHENGZHOU))).collect();
    receiver.wait(WAIT, "five deliveries", |r| r.len() >= 5).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.received().into_iter().filter(|r| r.answered == 200).collect::<Vec<_>>();
    assert_eq!(got.len(), 5, "each event once: {:?}", got.iter().map(Received::position).collect::<Vec<_>>());
    assert_eq!(got.iter().map(Received::position).collect::<Vec<_>>(), positions, "in position order");
    let mut conn = app.db.connect();
    // The body is the feed's item, byte for byte in meaning.
    let (status, feed) = get_json(&app, &admin, &format!("/api/v1/events?after={before}&limit=5")).await;
    assert_eq!(status, StatusCode::OK, "{feed}");
    let items = feed["items"].as_array().expect("feed items");
    assert_eq!(got.iter().map(Received::json).collect::<Vec<_>>(), *items);
    for (request, event_type) in got.iter().zip(types) {
        assert_signed(request, SECRET);
        let stored = outbox::find(&mut conn, request.position()).expect("find").expect("event");
        let body = request.json();
        assert_eq!(request.header("x-event-id"), stored.id.to_string());
        assert_eq!(request.header("x-event-type"), event_type.as_str());
        assert_eq!(request.header("x-webhook-id"), id);
        assert_eq!(request.header("content-type"), "application/json");
        assert_eq!(body["id"], json!(stored.id));
        assert_eq!(body["position"], json!(stored.position));
        assert_eq!(body["type"], event_type.as_str());
        assert_eq!(body["resource"]["type"], "organization");
        assert_eq!(body["region_code"], ZHENGZHOU);
        assert_eq!(body["data"], json!({"note": "test"}));
        assert!(body["occurred_at"].as_str().is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok()));
    }
    // A tampered body would not verify.
    let mut forged = got[0].clone();
    forged.body.push(b' ');
    assert!(std::panic::catch_unwind(|| assert_signed(&forged, SECRET)).is_err());
    // The log and the cursor.
    wait_for_cursor(&app, &admin, &id, positions[4]).await;
    let log = deliveries(&app, &admin, &id, "").await;
    assert_eq!(log.len(), 5);
    assert_eq!(log.iter().map(|d| d["event_position"].as_i64().unwrap_or(0)).rev().collect::<Vec<_>>(), positions);
    assert!(log.iter().all(|d| d["status"] == "delivered" && d["attempts"] == 1 && d["last_status"] == 200));
    assert_eq!(
        count(&mut conn, &format!("webhook_deliveries WHERE subscription_id = '{id}' AND status = 'delivered'")),
        5
    );
    // Paging is newest first and complete.
    let (_, first) = get_json(&app, &admin, &format!("{WEBHOOKS}/{id}/deliveries?limit=3")).await;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(3));
    let cursor = first["next_cursor"].as_str().expect("next cursor");
    let (_, second) = get_json(&app, &admin, &format!("{WEBHOOKS}/{id}/deliveries?limit=3&cursor={cursor}")).await;
    assert_eq!(second["items"][1]["event_position"], json!(positions[0]));
    assert_eq!(second["next_cursor"], Value::Null);
}

#[tokio::test]
async fn types_filter_and_owners_only_receive_what_they_may_see() {
    let app = TestApp::spawn_with(|s| s.webhook_worker = true).await;
    let receiver = Receiver::start().await;
    let ours = id_of(&app.enterprise(101, ZHENGZHOU).await);
    let theirs = id_of(&app.enterprise(102, "410300").await);
    let enterprise = app.client("enterprise", Some(&ours), None).await;
    let filtered = id_of(
        &subscribe(
            &app,
            &enterprise.token,
            &subscription(&receiver.url, &["blacklist_listed", "organization_updated"]),
        )
        .await,
    );
    let everything = id_of(&subscribe(&app, &enterprise.token, &subscription(&receiver.url, &[])).await);
    let portal = app.client("portal", None, None).await;
    let public = id_of(&subscribe(&app, &portal.token, &subscription(&receiver.url, &[])).await);

    let other_listed = append(&app, EventType::BlacklistListed, Some(&theirs), Some("410300"));
    let listed = append(&app, EventType::BlacklistListed, Some(&ours), Some(ZHENGZHOU));
    let sanction = append(&app, EventType::SanctionIssued, Some(&ours), Some(ZHENGZHOU));
    let other_updated = append(&app, EventType::OrganizationUpdated, Some(&theirs), Some("410300"));
    let updated = append(&app, EventType::OrganizationUpdated, Some(&ours), Some(ZHENGZHOU));
    let other_sanction = append(&app, EventType::SanctionIssued, Some(&theirs), Some("410300"));
    let last = head(&app);
    for id in [&filtered, &everything, &public] {
        wait_for_cursor(&app, app.admin_token(), id, last).await;
    }
    let positions = |id: &str| receiver.for_webhook(id).iter().map(Received::position).collect::<Vec<_>>();
    assert_eq!(positions(&filtered), vec![listed, updated], "types filtered, other organisations' events unseen");
    assert_eq!(positions(&everything), vec![listed, sanction, updated]);
    // A portal sees public types only (the blacklist and the registry), of anyone.
    assert_eq!(positions(&public), vec![other_listed, listed, other_updated, updated]);
    assert!(!positions(&public).contains(&other_sanction));

    // A disabled owner receives nothing more.
    app.db.execute(&format!("UPDATE api_clients SET disabled = TRUE WHERE id = '{}'", enterprise.id));
    let after = append(&app, EventType::BlacklistListed, Some(&ours), Some(ZHENGZHOU));
    wait_for_cursor(&app, app.admin_token(), &public, after).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(positions(&everything), vec![listed, sanction, updated], "a disabled client's webhooks stop");
    assert_eq!(positions(&public).last(), Some(&after));
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_on_the_third_attempt_after_growing_delays() {
    let app = TestApp::spawn_with(|s| {
        s.webhook_worker = true;
        s.webhook_backoff_millis = 200;
        s.webhook_poll_millis = 20;
    })
    .await;
    let receiver = Receiver::start().await;
    receiver.fail_next.store(2, Ordering::SeqCst);
    let admin = app.admin_token().to_owned();
    let id = id_of(&subscribe(&app, &admin, &subscription(&receiver.url, &[])).await);
    let first = append(&app, EventType::CertificateIssued, None, Some(ZHENGZHOU));
    let second = append(&app, EventType::CertificateRevoked, None, Some(ZHENGZHOU));
    receiver.wait(WAIT, "three attempts and the next event", |r| r.len() >= 4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let got = receiver.received();
    assert_eq!(got.len(), 4, "no extra sends");
    assert_eq!(got.iter().map(Received::position).collect::<Vec<_>>(), vec![first, first, first, second]);
    assert_eq!(got.iter().map(|r| r.answered).collect::<Vec<_>>(), vec![500, 500, 200, 200]);
    // The same event each time, each attempt signed afresh, same id.
    assert!(got[..3].iter().all(|r| r.header("x-event-id") == got[0].header("x-event-id")));
    got.iter().for_each(|r| assert_signed(r, SECRET));
    // Back-off: d/2 + jitter(d/2) with d = 200 ms, then 400 ms.
    let (gap1, gap2) = (got[1].at - got[0].at, got[2].at - got[1].at);
    assert!(gap1 >= Duration::from_millis(100), "first retry after {gap1:?}");
    assert!(gap2 >= Duration::from_millis(200), "second retry after {gap2:?}");
    assert!(gap2 + Duration::from_millis(60) >= gap1, "delays grow: {gap1:?} then {gap2:?}");
    wait_for_cursor(&app, &admin, &id, second).await;
    let log = deliveries(&app, &admin, &id, "").await;
    assert_eq!(log[1]["event_position"], json!(first));
    assert_eq!(log[1]["attempts"], 3);
    assert_eq!(log[1]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 1);
}

#[tokio::test]
async fn a_dead_letter_lets_later_events_through_and_is_sent_again_on_request() {
    let app = TestApp::spawn_with(|s| s.webhook_worker = true).await;
    let receiver = Receiver::start().await;
    receiver.fail_always.store(true, Ordering::SeqCst);
    let admin = app.admin_token().to_owned();
    let owner = app.client("regulator", None, Some(ZHENGZHOU)).await;
    let id = id_of(&subscribe(&app, &owner.token, &subscription(&receiver.url, &[])).await);
    let doomed = append(&app, EventType::SanctionIssued, None, Some(ZHENGZHOU));
    receiver.wait(WAIT, "three failed attempts", |r| r.len() >= 3).await;
    wait_for_cursor(&app, &owner.token, &id, doomed).await;
    assert_eq!(receiver.received().len(), 3, "max attempts 3, then no more");
    let dead = deliveries(&app, &owner.token, &id, "?status=dead").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["event_position"], json!(doomed));
    assert_eq!(dead[0]["attempts"], 3);
    assert_eq!(dead[0]["last_status"], 500);
    assert!(dead[0]["last_error"].as_str().is_some_and(|e| e.contains("500")));
    assert!(deliveries(&app, &owner.token, &id, "?status=delivered").await.is_empty());
    let (status, problem) = get_json(&app, &owner.token, &format!("{WEBHOOKS}/{id}/deliveries?status=lost")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

    // Later events still flow.
    receiver.fail_always.store(false, Ordering::SeqCst);
    let later = append(&app, EventType::SanctionIssued, None, Some(ZHENGZHOU));
    receiver.wait(WAIT, "the later event", |r| r.iter().any(|x| x.position() == later && x.answered == 200)).await;

    // Redelivery sends the dead letter again, late.
    let delivery = dead[0]["id"].as_str().expect("delivery id").to_owned();
    let path = format!("{WEBHOOKS}/{id}/deliveries/{delivery}/redelivery");
    let (status, queued) = status_json(post(&app, &owner.token, &path, None, &json!({})).await).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{queued}");
    assert_eq!(queued["status"], "redeliver");
    let got = receiver.wait(WAIT, "the redelivery", |r| r.iter().filter(|x| x.position() == doomed).count() == 4).await;
    let order: Vec<(i64, u16)> = got.iter().map(|r| (r.position(), r.answered)).collect();
    assert_eq!(order, vec![(doomed, 500), (doomed, 500), (doomed, 500), (later, 200), (doomed, 200)]);
    assert_signed(&got[4], SECRET);
    let start = Instant::now();
    loop {
        let log = deliveries(&app, &owner.token, &id, "").await;
        let entry = log.iter().find(|d| d["id"] == json!(delivery)).expect("delivery").clone();
        if entry["status"] == "delivered" {
            assert_eq!(entry["attempts"], 4);
            break;
        }
        assert!(start.elapsed() < WAIT, "redelivery not recorded: {entry}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A delivered event is not a dead letter; others' deliveries are invisible.
    let (status, problem) = status_json(post(&app, &owner.token, &path, None, &json!({})).await).await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::CONFLICT, Some("not_dead_letter")));
    let stranger = app.client("regulator", None, Some(ZHENGZHOU)).await;
    let (status, _) = status_json(post(&app, &stranger.token, &path, None, &json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let wrong = format!("{WEBHOOKS}/{id}/deliveries/{}/redelivery", Uuid::new_v4());
    let (status, _) = status_json(post(&app, &admin, &wrong, None, &json!({})).await).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(count(&mut app.db.connect(), "audit_log WHERE action = 'webhook_delivery.redeliver'"), 1);
}

#[tokio::test]
async fn internal_urls_are_refused_at_creation_and_at_delivery() {
    let app = TestApp::spawn_with(|s| s.webhook_allow_private = false).await;
    let admin = app.admin_token().to_owned();
    for url in [
        "http://127.0.0.1/hook",
        "http://169.254.169.254/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]:8080/",
        "http://[::ffff:10.0.0.1]/",
        "http://10.1.2.3/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://2130706433/",
        "http://localhost:9/",
        "ftp://example.com/hook",
        "https://user:password@example.com/hook",
        "not a url",
    ] {
        let (status, problem) = status_json(post(&app, &admin, WEBHOOKS, None, &subscription(url, &[])).await).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {problem}");
        assert_eq!(problem["code"], "webhook_url_not_allowed", "{url}");
        assert_eq!(field_errors(&problem), vec![("url".to_owned(), "webhook_url_not_allowed".to_owned())]);
    }
    assert_eq!(count(&mut app.db.connect(), "webhook_subscriptions"), 0);

    // A subscription made where private addresses are allowed is still not
    // delivered by an instance that forbids them: the check is repeated on
    // the address connected to.
    let receiver = Receiver::start().await;
    let allowed = app.spawn_twin(|s| s.webhook_allow_private = true).await;
    let response = app
        .http
        .post(format!("{allowed}{WEBHOOKS}"))
        .bearer_auth(&admin)
        .json(&subscription(&receiver.url, &[]))
        .send()
        .await
        .expect("POST");
    let (status, created) = status_json(response).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = id_of(&created);
    app.spawn_twin(|s| {
        s.webhook_allow_private = false;
        s.webhook_worker = true;
    })
    .await;
    let position = append(&app, EventType::OrganizationCreated, None, Some(ZHENGZHOU));
    wait_for_cursor(&app, &admin, &id, position).await;
    assert!(receiver.received().is_empty(), "nothing may reach a loopback receiver");
    let dead = deliveries(&app, &admin, &id, "?status=dead").await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0]["last_status"], Value::Null);
    assert_eq!(dead[0]["last_error"], "the address is not allowed");
}

#[tokio::test]
async fn subscriptions_belong_to_their_owner_and_never_show_the_secret() {
    let app = TestApp::spawn_with(|s| s.webhook_worker = true).await;
    let receiver = Receiver::start().await;
    let admin = app.admin_token().to_owned();
    let org = id_of(&app.enterprise(201, ZHENGZHOU).await);
    let owner = app.client("enterprise", Some(&org), None).await;
    let other = app.client("enterprise", Some(&org), None).await;
    let mut bodies = Vec::new();

    // Validation: every bad field at once.
    let bad = json!({"url": "https://hooks.example.com/", "event_types": ["organization_created", "nope",
        "organization_created"], "secret": "short", "after": -1});
    let (status, problem) = status_json(post(&app, &owner.token, WEBHOOKS, None, &bad).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields = field_errors(&problem);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            ("after".to_owned(), "invalid_range".to_owned()),
            ("event_types[1]".to_owned(), "invalid_event_type".to_owned()),
            ("event_types[2]".to_owned(), "duplicate".to_owned()),
            ("secret".to_owned(), "invalid_length".to_owned()),
        ]
    );
    let beyond = json!({"url": receiver.url, "secret": SECRET, "after": head(&app) + 1});
    let (status, problem) = status_json(post(&app, &owner.token, WEBHOOKS, None, &beyond).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_errors(&problem), vec![("after".to_owned(), "out_of_range".to_owned())]);
    let unknown = json!({"url": receiver.url, "secret": SECRET, "hmac": "sha1"});
    let (status, _) = status_json(post(&app, &owner.token, WEBHOOKS, None, &unknown).await).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Idempotent creation.
    let body = subscription(&receiver.url, &["organization_updated"]);
    let first = post(&app, &owner.token, WEBHOOKS, Some("hook-1"), &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let text = first.text().await.expect("body");
    let created: Value = serde_json::from_str(&text).expect("JSON");
    bodies.push(text);
    let id = id_of(&created);
    assert_eq!(location.as_deref(), Some(format!("{WEBHOOKS}/{id}").as_str()));
    let replay = post(&app, &owner.token, WEBHOOKS, Some("hook-1"), &body).await;
    assert_eq!(replay.status(), StatusCode::CREATED);
    let (_, replayed) = status_json(replay).await;
    assert_eq!(replayed["id"], created["id"]);
    let (status, _) =
        status_json(post(&app, &owner.token, WEBHOOKS, Some("hook-1"), &subscription(&receiver.url, &[])).await).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let mut conn = app.db.connect();
    assert_eq!(count(&mut conn, "webhook_subscriptions"), 1);
    assert_eq!(count(&mut conn, &format!("audit_log WHERE action = 'webhook.create' AND resource_id = '{id}'")), 1);
    assert_eq!(count(&mut conn, &format!("webhook_subscriptions WHERE owner_client_id = '{}'", owner.id)), 1);

    // Another client, even of the same organisation, sees nothing of it.
    let path = format!("{WEBHOOKS}/{id}");
    for (status, _) in [
        get_json(&app, &other.token, &path).await,
        get_json(&app, &other.token, &format!("{path}/deliveries")).await,
        patch(&app, &other.token, &path, Some("*"), &json!({"status": "paused"})).await,
    ] {
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let gone = app.http.delete(app.url(&path)).bearer_auth(&other.token).send().await.expect("DELETE");
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let (_, list) = get_json(&app, &other.token, WEBHOOKS).await;
    assert_eq!(list["items"], json!([]));
    let (_, list) = get_json(&app, &owner.token, WEBHOOKS).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    bodies.push(list.to_string());
    // Admins see every subscription.
    let (status, seen) = get_json(&app, &admin, &path).await;
    assert_eq!(status, StatusCode::OK);
    bodies.push(seen.to_string());

    // Pause under If-Match: nothing is sent while paused; resumed, it catches up.
    let response = app.http.get(app.url(&path)).bearer_auth(&owner.token).send().await.expect("GET");
    let tag = response.headers().get("etag").and_then(|v| v.to_str().ok()).expect("ETag").to_owned();
    bodies.push(response.text().await.expect("body"));
    let (status, _) = patch(&app, &owner.token, &path, None, &json!({"status": "paused"})).await;
    assert_eq!(status, StatusCode::PRECONDITION_REQUIRED);
    let (status, _) = patch(&app, &owner.token, &path, Some("\"999\""), &json!({"status": "paused"})).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED);
    let (status, _) = patch(&app, &owner.token, &path, Some(&tag), &json!({"status": "stopped"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, paused) = patch(&app, &owner.token, &path, Some(&tag), &json!({"status": "paused"})).await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["status"], "paused");
    bodies.push(paused.to_string());
    let position = append(&app, EventType::OrganizationUpdated, Some(&org), Some(ZHENGZHOU));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(receiver.received().is_empty(), "paused subscriptions receive nothing");
    let tag = format!("\"{}\"", paused["version"]);
    let (status, resumed) = patch(&app, &owner.token, &path, Some(&tag), &json!({"status": "active"})).await;
    assert_eq!(status, StatusCode::OK, "{resumed}");
    let got = receiver.wait(WAIT, "the event after resuming", |r| !r.is_empty()).await;
    assert_eq!(got[0].position(), position);
    assert_signed(&got[0], SECRET);
    bodies.push(json!(deliveries(&app, &owner.token, &id, "").await).to_string());

    // The secret appears in no response, and is stored only in its row.
    for body in &bodies {
        assert!(!body.contains(SECRET), "secret leaked in {body}");
        assert!(!body.contains("secret"), "a secret field in {body}");
    }
    assert_eq!(count(&mut conn, &format!("webhook_subscriptions WHERE secret = '{SECRET}'")), 1);

    // Deletion: owner only, audited, log gone.
    let deleted = app.http.delete(app.url(&path)).bearer_auth(&owner.token).send().await.expect("DELETE");
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let (status, _) = get_json(&app, &owner.token, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(count(&mut conn, "webhook_subscriptions"), 0);
    assert_eq!(count(&mut conn, "webhook_deliveries"), 0);
    assert_eq!(count(&mut conn, "audit_log WHERE action IN ('webhook.update', 'webhook.delete')"), 3);
}

/// Creates an organisation through the instance at `address`.
async fn register_at(http: reqwest::Client, token: String, address: String, seed: u32) -> StatusCode {
    http.post(format!("{address}/api/v1/organizations"))
        .bearer_auth(token)
        .json(&json!({
            "credit_code": credit_code(seed),
            "name": format!("双实例企业{seed}"),
            "kind": "enterprise",
            "region_code": ZHENGZHOU,
            "sector": "mining",
        }))
        .send()
        .await
        .expect("create organisation")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_database_deliver_every_event_once_in_order() {
    if Backend::from_env() == Backend::Sqlite {
        // Several instances are a PostgreSQL deployment (docs/deploy.md).
        return;
    }
    let app = TestApp::spawn_with(|s| s.webhook_worker = true).await;
    let twin = app.spawn_twin(|_| {}).await;
    let receiver = Receiver::start().await;
    let admin = app.admin_token().to_owned();
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(id_of(&subscribe(&app, &admin, &subscription(&receiver.url, &[])).await));
    }
    let start = head(&app);
    // Fifty registrations, alternately through each instance, concurrently:
    // commits interleave while both workers deliver.
    let requests: Vec<_> = (0..50u32)
        .map(|i| {
            let address = if i % 2 == 0 { app.address.clone() } else { twin.clone() };
            tokio::spawn(register_at(app.http.clone(), admin.clone(), address, 300 + i))
        })
        .collect();
    let mut statuses = Vec::new();
    for request in requests {
        statuses.push(request.await.expect("registration task"));
    }
    assert!(statuses.iter().all(|s| *s == StatusCode::CREATED), "{statuses:?}");
    let end = head(&app);
    assert!(end - start >= 50, "every registration is an event ({} events)", end - start);
    let expected: Vec<i64> = (start + 1..=end).collect();
    for id in &ids {
        wait_for_cursor(&app, &admin, id, end).await;
    }
    // Anything sent twice would show up by now.
    tokio::time::sleep(Duration::from_millis(500)).await;
    for id in &ids {
        let got: Vec<i64> = receiver.for_webhook(id).iter().map(Received::position).collect();
        assert_eq!(got, expected, "subscription {id}: every event exactly once, in position order");
    }
    let mut conn = app.db.connect();
    assert_eq!(count(&mut conn, "webhook_deliveries WHERE status = 'delivered'"), 3 * (end - start));
    assert_eq!(count(&mut conn, "webhook_subscriptions WHERE lease_owner IS NOT NULL AND attempts > 0"), 0);
}
