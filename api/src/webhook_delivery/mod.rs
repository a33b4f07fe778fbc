//! The webhook delivery worker (issue 8; docs/decisions/0015).
//!
//! Every instance may run a worker; which one delivers to a subscription is
//! decided by a lease in the database ([`persistence::webhooks::lease_due`]),
//! never by in-process state. A worker holding a subscription's lease sends
//! the events after its cursor one at a time, in position order, and moves
//! the cursor past an event only after a 2xx answer (at-least-once, in order
//! per subscription). A failed attempt is retried after an exponential
//! back-off with jitter ([`backoff`]); after `webhook_max_attempts` failures
//! the event becomes a dead letter and the cursor moves on — the one break
//! of order: a dead letter redelivered by hand arrives after later events.
//!
//! Only events the owning API client may see *now* are sent: the client is
//! looked up around every read of the outbox, a disabled client gets nothing, and its role,
//! organisation and jurisdiction give the same [`EventSight`] as the event
//! feed's ([`crate::events::sight`]).

pub mod guard;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use hmac::{Hmac, KeyInit, Mac};
use persistence::outbox::{self, Event, EventSight};
use persistence::webhooks::{self, DeliveryStatus, Outcome, Subscription};
use persistence::{clients, DbConnection, DbPool, StoreError};
use rand::Rng;
use reqwest::header::{HeaderValue, CONTENT_TYPE};
use sha2::Sha256;
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::auth::Caller;
use crate::config::Settings;
use crate::schemas::event::EventView;

/// Subscriptions one worker leases per poll; they are served concurrently,
/// each one event at a time.
const LEASE_BATCH: i64 = 32;
/// Events sent under one lease before it is given back, so that one busy
/// subscription does not hold an instance's attention for ever.
const EVENTS_PER_LEASE: usize = 200;
/// Events read from the outbox per query.
const EVENTS_PER_READ: i64 = 50;
/// Dead letters redelivered per lease.
const REDELIVERIES_PER_LEASE: i64 = 20;
/// How long a subscription whose owner is disabled or gone waits before
/// its owner is looked up again.
const OWNER_RECHECK: Duration = Duration::from_secs(30);
/// Longest back-off between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(3600);

/// The worker's tunables, from [`Settings`].
#[derive(Debug, Clone)]
pub struct Tuning {
    pub poll: Duration,
    pub backoff_base: Duration,
    pub max_attempts: u32,
    pub timeout: Duration,
    pub allow_private: bool,
    /// Database connections the worker may hold at once: a quarter of the
    /// pool (at least one), so deliveries never starve request handlers.
    pub db_connections: usize,
}

impl Tuning {
    pub fn from_settings(settings: &Settings) -> Tuning {
        Tuning {
            poll: Duration::from_millis(settings.webhook_poll_millis.max(1)),
            backoff_base: Duration::from_millis(settings.webhook_backoff_millis),
            max_attempts: settings.webhook_max_attempts.max(1),
            timeout: Duration::from_secs(settings.webhook_timeout_seconds.max(1)),
            allow_private: settings.webhook_allow_private,
            db_connections: usize::try_from(settings.db_pool_size / 4).unwrap_or(1).max(1),
        }
    }

    /// How long a lease lasts: room for every send it may still start (one
    /// is started only while a full timeout plus a margin remains) and for
    /// clock differences between instances.
    fn lease(&self) -> Duration {
        self.timeout * 4 + Duration::from_secs(30)
    }

    /// Below this much lease left, no new request is started.
    fn lease_margin(&self) -> Duration {
        self.timeout + Duration::from_secs(5)
    }
}

/// The delay before the attempt after `failed` failed attempts (1, 2, …):
/// `d = min(base · 2^(failed−1), 1 h)`, waited as `d/2 + random(0, d/2)`
/// ("equal jitter"). The random half spreads retries of many subscriptions
/// failing at once; the fixed half keeps every delay at least as long as the
/// previous one's floor, so later retries really do wait longer. `unit` is
/// the random draw in `[0, 1)`.
pub fn backoff(base: Duration, failed: u32, unit: f64) -> Duration {
    let base_ms = u64::try_from(base.as_millis()).unwrap_or(u64::MAX);
    let cap_ms = u64::try_from(MAX_BACKOFF.as_millis()).unwrap_or(u64::MAX);
    let exponent = failed.saturating_sub(1);
    let full = base_ms.saturating_mul(2u64.saturating_pow(exponent)).min(cap_ms);
    let half = full / 2;
    let unit = unit.clamp(0.0, 1.0);
    // Both factors are at most an hour in milliseconds: exact in f64.
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let jitter = ((full - half) as f64 * unit) as u64;
    Duration::from_millis(half + jitter.min(full - half))
}

/// The `X-Signature` header value: `t=<unix seconds>,v1=<hex HMAC-SHA256>`
/// of `"<t>.<body>"` under the subscription's secret. A receiver recomputes
/// it over the raw body and refuses stale `t` to stop replays.
pub fn signature(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    // HMAC takes keys of any length: new_from_slice cannot fail for it.
    let Ok(mut mac) = <Hmac<Sha256> as KeyInit>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

/// The body sent for an event: exactly one item of `GET /api/v1/events`.
pub fn payload(event: &Event) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&EventView::from(event.clone()))
}

/// Why an attempt failed, in words safe to show the subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub status: Option<u16>,
    pub error: String,
}

/// What an API client may see now, as the event feed would show it
/// ([`crate::events::sight`]); `None` when the client is gone or disabled.
fn sight_of(conn: &mut DbConnection, owner: Uuid) -> Result<Option<EventSight>, StoreError> {
    let client = clients::find(conn, owner)?;
    Ok(client.filter(|c| !c.disabled).map(|c| {
        crate::events::sight(&Caller {
            client_id: c.id.to_string(),
            role: c.role,
            organization_id: c.organization_id,
            region: c.region_code,
        })
    }))
}

/// A worker of one instance.
pub struct Worker {
    pool: DbPool,
    /// Random per process: the lease owner's name.
    instance: String,
    tuning: Tuning,
    client: reqwest::Client,
    db_slots: Arc<Semaphore>,
}

/// Database work on the blocking pool.
async fn blocking<T, F>(pool: &DbPool, work: F) -> Result<T, StoreError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let pool = pool.clone();
    tokio::task::spawn_blocking(move || {
        let mut conn = pool.get()?;
        work(&mut conn)
    })
    .await
    .map_err(|e| StoreError::Unavailable(format!("webhook worker task: {e}")))?
}

impl Worker {
    pub fn new(pool: DbPool, tuning: Tuning) -> Result<Worker, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(tuning.timeout)
            .connect_timeout(tuning.timeout)
            // A redirect would be a second, unchecked destination.
            .redirect(reqwest::redirect::Policy::none())
            // A proxy would connect on our behalf to addresses never checked.
            .no_proxy()
            .user_agent("henan-safety-webhooks/1");
        if let Some(resolver) = guard::resolver(tuning.allow_private) {
            builder = builder.dns_resolver(resolver);
        }
        let db_slots = Arc::new(Semaphore::new(tuning.db_connections));
        Ok(Worker { pool, instance: format!("worker-{}", Uuid::new_v4()), tuning, client: builder.build()?, db_slots })
    }

    /// Database work on the blocking pool, within the worker's share of
    /// connections.
    async fn db<T, F>(&self, work: F) -> Result<T, StoreError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let _slot =
            self.db_slots.acquire().await.map_err(|_| StoreError::Unavailable("webhook worker stopped".into()))?;
        blocking(&self.pool, work).await
    }

    /// This worker's lease-owner name.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Polls for due subscriptions until the task is dropped. Errors (the
    /// database away, say) are logged and retried at the next poll.
    pub async fn run(self) {
        tracing::info!(instance = %self.instance, "webhook worker started");
        loop {
            match self.cycle().await {
                // Progress (a send, or a cursor moved): more may be waiting.
                // Only subscriptions with work are leased, so this ends.
                Ok(true) => tokio::task::yield_now().await,
                Ok(false) => tokio::time::sleep(self.tuning.poll).await,
                Err(error) => {
                    tracing::warn!(error = %error, "webhook worker cycle failed");
                    tokio::time::sleep(self.tuning.poll).await;
                }
            }
        }
    }

    /// One poll: lease what is due and serve it. `true` when anything was
    /// sent or a cursor moved.
    pub async fn cycle(&self) -> Result<bool, StoreError> {
        let now = crate::clock::now();
        let until = now + self.tuning.lease();
        let me = self.instance.clone();
        let leased = self
            .db(move |conn| conn.transaction(|conn| webhooks::lease_due(conn, &me, now, until, LEASE_BATCH)))
            .await?;
        if leased.is_empty() {
            return Ok(false);
        }
        let served = join_all(leased.into_iter().map(|s| self.serve_logged(s))).await;
        Ok(served.into_iter().any(|worked| worked))
    }

    async fn serve_logged(&self, subscription: Subscription) -> bool {
        let (id, me) = (subscription.id, self.instance.clone());
        match self.serve(subscription).await {
            Ok(worked) => worked,
            Err(error) => {
                tracing::warn!(subscription = %id, error = %error, "webhook delivery failed");
                // Let another poll (or instance) try; the lease would expire anyway.
                let _ = self.db(move |conn| webhooks::release(conn, id, &me, crate::clock::now())).await;
                false
            }
        }
    }

    /// What the owner may see now; `None` when the owner is gone or disabled.
    async fn owner_sight(&self, subscription: &Subscription) -> Result<Option<EventSight>, StoreError> {
        let owner = subscription.owner_client_id;
        self.db(move |conn| sight_of(conn, owner)).await
    }

    /// Serves one leased subscription: queued redeliveries, then the events
    /// after its cursor. Gives the lease back before returning.
    async fn serve(&self, subscription: Subscription) -> Result<bool, StoreError> {
        let (id, me) = (subscription.id, self.instance.clone());
        let lease_end = crate::clock::now() + self.tuning.lease() - self.tuning.lease_margin();
        let Some(sight) = self.owner_sight(&subscription).await? else {
            // Checked again now and then: the client may be enabled again.
            let later = crate::clock::now() + OWNER_RECHECK;
            self.db(move |conn| webhooks::release(conn, id, &me, later)).await?;
            return Ok(false);
        };
        let mut worked = self.redeliver(&subscription, &sight).await?;
        let mut cursor = subscription.cursor;
        let mut attempts = subscription.attempts;
        let mut sent = 0;
        'lease: loop {
            let (types, owner, from) = (subscription.event_types.clone(), subscription.owner_client_id, cursor);
            let read = self
                .db(move |conn| {
                    let Some(sight) = sight_of(conn, owner)? else { return Ok(None) };
                    // The head first: every event at or below it has committed
                    // (positions follow commit order), so an empty answer means
                    // nothing up to the head is for this subscriber.
                    let head = outbox::head(conn)?;
                    let batch = outbox::after(conn, from, &types, &sight, EVENTS_PER_READ)?;
                    // The owner again, after the events: a client disabled (or
                    // given another scope) before an event of the batch
                    // committed is seen here, so that event is not sent.
                    if sight_of(conn, owner)?.as_ref() != Some(&sight) {
                        return Ok(None);
                    }
                    Ok(Some((head, batch)))
                })
                .await?;
            let Some((head, batch)) = read else { break };
            if batch.is_empty() {
                if head > cursor {
                    let (me, from) = (self.instance.clone(), cursor);
                    self.db(move |conn| webhooks::advance(conn, id, &me, from, head, crate::clock::now())).await?;
                    worked = true;
                }
                break;
            }
            for event in batch {
                if sent >= EVENTS_PER_LEASE || crate::clock::now() >= lease_end {
                    break 'lease;
                }
                sent += 1;
                worked = true;
                let result = self.send(&subscription, &event).await;
                attempts += 1;
                let outcome = match result {
                    Ok(status) => Outcome {
                        status: DeliveryStatus::Delivered,
                        attempts,
                        last_status: Some(i32::from(status)),
                        last_error: None,
                    },
                    Err(failure) if u32::try_from(attempts).unwrap_or(u32::MAX) >= self.tuning.max_attempts => {
                        tracing::warn!(subscription = %id, position = event.position, attempts, "webhook dead letter");
                        Outcome {
                            status: DeliveryStatus::Dead,
                            attempts,
                            last_status: failure.status.map(i32::from),
                            last_error: Some(failure.error),
                        }
                    }
                    Err(failure) => {
                        let failed = u32::try_from(attempts).unwrap_or(u32::MAX);
                        let delay = backoff(self.tuning.backoff_base, failed, rand::thread_rng().gen::<f64>());
                        tracing::info!(
                            subscription = %id, position = event.position, attempts, error = %failure.error,
                            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX), "webhook attempt failed"
                        );
                        let (me, at) = (self.instance.clone(), cursor);
                        self.db(move |conn| {
                            let now = crate::clock::now();
                            let next = now + delay;
                            webhooks::schedule_retry(conn, id, &me, at, attempts, next, now)
                        })
                        .await?;
                        return Ok(true);
                    }
                };
                let (me, from, position) = (self.instance.clone(), cursor, event.position);
                let kept = self
                    .db(move |conn| {
                        conn.transaction(|conn| {
                            webhooks::conclude(conn, id, &me, from, position, &outcome, crate::clock::now())
                        })
                    })
                    .await?;
                if !kept {
                    // Another instance holds the subscription now: it decides.
                    tracing::info!(subscription = %id, "webhook lease lost");
                    return Ok(true);
                }
                cursor = event.position;
                attempts = 0;
            }
        }
        let me = self.instance.clone();
        self.db(move |conn| webhooks::release(conn, id, &me, crate::clock::now())).await?;
        Ok(worked)
    }

    /// One attempt at each dead letter queued for redelivery, if the owner
    /// may still see its event.
    async fn redeliver(&self, subscription: &Subscription, sight: &EventSight) -> Result<bool, StoreError> {
        let id = subscription.id;
        let queued = self.db(move |conn| webhooks::queued_redeliveries(conn, id, REDELIVERIES_PER_LEASE)).await?;
        let mut worked = false;
        for delivery in queued {
            let (position, sight) = (delivery.event_position, sight.clone());
            let event = self
                .db(move |conn| {
                    Ok(outbox::after(conn, position - 1, &[], &sight, 1)?.into_iter().find(|e| e.position == position))
                })
                .await?;
            let result = match event {
                Some(event) => {
                    worked = true;
                    self.send(subscription, &event).await
                }
                None => Err(Failure { status: None, error: "the event is no longer visible to the subscriber".into() }),
            };
            let (ok, status, error) = match result {
                Ok(status) => (true, Some(i32::from(status)), None),
                Err(failure) => (false, failure.status.map(i32::from), Some(failure.error)),
            };
            self.db(move |conn| webhooks::record_redelivery(conn, delivery.id, ok, status, error, crate::clock::now()))
                .await?;
        }
        Ok(worked)
    }

    /// One signed POST of `event`; the HTTP status of a 2xx answer.
    async fn send(&self, subscription: &Subscription, event: &Event) -> Result<u16, Failure> {
        let refused = |error: &str| Failure { status: None, error: error.to_owned() };
        let url = guard::parse_url(&subscription.url).map_err(|r| refused(&r.to_string()))?;
        if !self.tuning.allow_private && guard::literal_address(&url).is_some_and(guard::is_internal) {
            return Err(refused("the address is not allowed"));
        }
        let body = payload(event).map_err(|_| refused("the event could not be rendered"))?;
        let timestamp = crate::clock::now().timestamp();
        let header = |text: String| HeaderValue::from_str(&text).map_err(|_| refused("invalid header value"));
        let request = self
            .client
            .post(url)
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .header("X-Signature", header(signature(subscription.secret.as_bytes(), timestamp, &body))?)
            .header("X-Event-Id", header(event.id.to_string())?)
            .header("X-Event-Type", HeaderValue::from_static(event.event_type.as_str()))
            .header("X-Event-Position", header(event.position.to_string())?)
            .header("X-Webhook-Id", header(subscription.id.to_string())?)
            .body(body);
        match request.send().await {
            Ok(response) if response.status().is_success() => Ok(response.status().as_u16()),
            Ok(response) => {
                let status = response.status().as_u16();
                Err(Failure { status: Some(status), error: format!("the receiver answered HTTP {status}") })
            }
            Err(error) => Err(refused(describe(&error))),
        }
    }
}

/// A transport error in a few words: never the receiver's body or our
/// internals.
fn describe(error: &reqwest::Error) -> &'static str {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if cause.is::<guard::GuardError>() {
            return "no address of the host is allowed";
        }
        source = cause.source();
    }
    if error.is_timeout() {
        "the receiver did not answer in time"
    } else if error.is_connect() {
        "could not connect to the receiver"
    } else {
        "the request failed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_equal_jitter_and_is_capped() {
        let base = Duration::from_millis(2000);
        assert_eq!(backoff(base, 1, 0.0), Duration::from_millis(1000));
        assert_eq!(backoff(base, 1, 0.999_999), Duration::from_millis(1999));
        assert_eq!(backoff(base, 2, 0.0), Duration::from_millis(2000));
        assert_eq!(backoff(base, 3, 0.0), Duration::from_millis(4000));
        assert_eq!(backoff(base, 3, 1.0), Duration::from_millis(8000));
        // Below the cap, each retry's floor is the previous retry's ceiling:
        // delays grow (2 s · 2^10 is the last uncapped step here).
        for failed in 1..11 {
            assert!(backoff(base, failed + 1, 0.0) >= backoff(base, failed, 1.0));
            assert_eq!(backoff(base, failed + 1, 0.0), (backoff(base, failed, 0.0) * 2).min(MAX_BACKOFF / 2));
        }
        assert_eq!(backoff(base, 40, 1.0), MAX_BACKOFF);
        assert_eq!(backoff(base, u32::MAX, 0.0), MAX_BACKOFF / 2);
        assert_eq!(backoff(Duration::ZERO, 5, 0.7), Duration::ZERO);
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        let value = signature(b"Jefe", 1_700_000_000, b"{\"a\":1}");
        assert!(value.starts_with("t=1700000000,v1="));
        assert_eq!(value.len(), "t=1700000000,v1=".len() + 64);
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"1700000000.{\"a\":1}");
        let expected: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(value, format!("t=1700000000,v1={expected}"));
        assert_ne!(value, signature(b"Jefe", 1_700_000_001, b"{\"a\":1}"));
        assert_ne!(value, signature(b"jefe", 1_700_000_000, b"{\"a\":1}"));
    }

    #[test]
    fn rfc_4231_vector_matches() {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(b"Jefe").expect("key");
        mac.update(b"what do ya want for nothing?");
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
