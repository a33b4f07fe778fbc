//! Webhook subscriptions and their delivery log (issue 8).
//!
//! A subscription delivers the outbox's events after its `cursor`, one at a
//! time, in position order. Which instance delivers is decided here, in the
//! database, never in process memory: a worker takes a *lease* on a due
//! subscription ([`lease_due`]) and every later write of that worker is a
//! conditional `UPDATE … WHERE lease_owner = me AND cursor = <what it read>`.
//! A worker whose lease expired and was taken over therefore cannot move the
//! cursor: the new holder decides (docs/decisions/0015).
//!
//! The delivery log holds one row per event and subscription that reached an
//! outcome: `delivered`, `dead` (a dead letter after the last attempt) or
//! `redeliver` (a dead letter queued again by hand).

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::events::EventType;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{events, webhook_deliveries, webhook_subscriptions};
use crate::{DbConnection, Page};

/// Whether the worker delivers to a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SubscriptionStatus {
    Active,
    Paused,
}

impl SubscriptionStatus {
    pub const ALL: [SubscriptionStatus; 2] = [SubscriptionStatus::Active, SubscriptionStatus::Paused];

    pub const fn as_str(self) -> &'static str {
        match self {
            SubscriptionStatus::Active => "active",
            SubscriptionStatus::Paused => "paused",
        }
    }

    pub fn parse(text: &str) -> Option<SubscriptionStatus> {
        SubscriptionStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// The outcome of one event for one subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// A 2xx answer was received.
    Delivered,
    /// Every attempt failed: a dead letter.
    Dead,
    /// A dead letter queued for one more attempt.
    Redeliver,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 3] = [DeliveryStatus::Delivered, DeliveryStatus::Dead, DeliveryStatus::Redeliver];

    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
            DeliveryStatus::Redeliver => "redeliver",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        DeliveryStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// A stored subscription. `secret` is the HMAC key as given: signing needs
/// it in clear, so it is stored, never returned by the API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub id: Uuid,
    pub owner_client_id: Uuid,
    pub url: String,
    /// Empty: every type.
    pub event_types: Vec<EventType>,
    pub secret: String,
    pub status: SubscriptionStatus,
    /// The position of the last event delivered (or dead-lettered).
    pub cursor: i64,
    /// Failed attempts at the event after `cursor`.
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<DateTime<Utc>>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a new subscription is; the id is generated here.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub owner_client_id: Uuid,
    pub url: String,
    pub event_types: Vec<EventType>,
    pub secret: String,
    pub cursor: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_subscriptions)]
struct SubscriptionRow {
    id: String,
    owner_client_id: String,
    url: String,
    event_types: String,
    secret: String,
    status: String,
    cursor: i64,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    lease_owner: Option<String>,
    lease_until: Option<NaiveDateTime>,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<SubscriptionRow> for Subscription {
    type Error = StoreError;

    fn try_from(row: SubscriptionRow) -> StoreResult<Subscription> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("webhook_subscriptions.{what} of {}", row.id));
        let names: Vec<String> = serde_json::from_str(&row.event_types).map_err(|_| corrupt("event_types"))?;
        let event_types = names
            .iter()
            .map(|n| EventType::parse(n))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| corrupt("event_types"))?;
        Ok(Subscription {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            owner_client_id: Uuid::parse_str(&row.owner_client_id).map_err(|_| corrupt("owner_client_id"))?,
            status: SubscriptionStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
            event_types,
            url: row.url,
            secret: row.secret,
            cursor: row.cursor,
            attempts: row.attempts,
            next_attempt_at: row.next_attempt_at.and_utc(),
            lease_owner: row.lease_owner,
            lease_until: row.lease_until.map(|t| t.and_utc()),
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

fn event_types_json(types: &[EventType]) -> String {
    serde_json::Value::from(types.iter().map(|t| t.as_str()).collect::<Vec<_>>()).to_string()
}

pub fn insert(conn: &mut DbConnection, new: &NewSubscription, now: DateTime<Utc>) -> StoreResult<Subscription> {
    let now = now.naive_utc();
    let row = SubscriptionRow {
        id: Uuid::now_v7().to_string(),
        owner_client_id: new.owner_client_id.to_string(),
        url: new.url.clone(),
        event_types: event_types_json(&new.event_types),
        secret: new.secret.clone(),
        status: SubscriptionStatus::Active.as_str().to_owned(),
        cursor: new.cursor,
        attempts: 0,
        next_attempt_at: now,
        lease_owner: None,
        lease_until: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let stored: SubscriptionRow = with_conn!(conn, c => diesel::insert_into(webhook_subscriptions::table)
        .values(&row)
        .returning(SubscriptionRow::as_returning())
        .get_result(c))?;
    Subscription::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Subscription>> {
    let key = id.to_string();
    let row: Option<SubscriptionRow> = with_conn!(conn, c => webhook_subscriptions::table
        .find(&key)
        .select(SubscriptionRow::as_select())
        .first(c)
        .optional())?;
    row.map(Subscription::try_from).transpose()
}

/// Subscriptions in id (= creation) order after `after`; only those of
/// `owner` when given.
pub fn list(
    conn: &mut DbConnection,
    owner: Option<Uuid>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Subscription>> {
    let owner = owner.map(|o| o.to_string());
    let after = after.map(|a| a.to_string());
    let rows: Vec<SubscriptionRow> = with_conn!(conn, c => {
        let mut query = webhook_subscriptions::table.select(SubscriptionRow::as_select()).into_boxed();
        if let Some(owner) = &owner {
            query = query.filter(webhook_subscriptions::owner_client_id.eq(owner));
        }
        if let Some(after) = &after {
            query = query.filter(webhook_subscriptions::id.gt(after));
        }
        query.order(webhook_subscriptions::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Subscription::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |s| s.id.to_string()))
}

/// Pauses or resumes if the version is still `expected_version`;
/// [`StoreError::VersionConflict`] otherwise. Resuming makes the head event
/// due at once.
pub fn set_status(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i64,
    status: SubscriptionStatus,
    now: DateTime<Utc>,
) -> StoreResult<Subscription> {
    let key = id.to_string();
    let now = now.naive_utc();
    let updated = with_conn!(conn, c => {
        let target = webhook_subscriptions::table
            .filter(webhook_subscriptions::id.eq(&key))
            .filter(webhook_subscriptions::version.eq(expected_version));
        match status {
            SubscriptionStatus::Active => diesel::update(target)
                .set((
                    webhook_subscriptions::status.eq(status.as_str()),
                    webhook_subscriptions::next_attempt_at.eq(now),
                    webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
                    webhook_subscriptions::updated_at.eq(now),
                ))
                .execute(c),
            SubscriptionStatus::Paused => diesel::update(target)
                .set((
                    webhook_subscriptions::status.eq(status.as_str()),
                    webhook_subscriptions::version.eq(webhook_subscriptions::version + 1),
                    webhook_subscriptions::updated_at.eq(now),
                ))
                .execute(c),
        }
    })?;
    if updated == 0 {
        return Err(StoreError::VersionConflict);
    }
    find(conn, id)?.ok_or(StoreError::NotFound)
}

/// Deletes a subscription and its delivery log; call inside a transaction.
/// A worker still holding its lease finds nothing to update and stops.
/// `false` when there was none.
///
/// On PostgreSQL the subscription's row is locked first: a worker recording
/// an outcome (cursor update, then a delivery row, in one transaction) has
/// either committed — and its row is deleted with the log — or waits and
/// then finds no subscription, so no delivery row can appear between the
/// two deletes and trip the foreign key.
pub fn delete(conn: &mut DbConnection, id: Uuid) -> StoreResult<bool> {
    let key = id.to_string();
    if let DbConnection::Postgres(c) = conn {
        let locked: Option<String> = webhook_subscriptions::table
            .find(&key)
            .select(webhook_subscriptions::id)
            .for_update()
            .first(c)
            .optional()?;
        if locked.is_none() {
            return Ok(false);
        }
    }
    let removed = with_conn!(conn, c => {
        diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(&key))).execute(c)?;
        diesel::delete(webhook_subscriptions::table.filter(webhook_subscriptions::id.eq(&key))).execute(c)
    })?;
    Ok(removed == 1)
}

/// Leases up to `limit` due subscriptions to `owner` until `until`: active,
/// due (`next_attempt_at <= now`), with something to do (events after the
/// cursor, or a dead letter queued for redelivery) and not leased by anyone
/// else (no lease, or an expired one). Call inside a short transaction of
/// its own. Subscriptions caught up with the outbox are not leased at all,
/// so an idle subscription costs nothing per poll.
///
/// On PostgreSQL the candidates are read `FOR UPDATE SKIP LOCKED`, so two
/// instances polling at once split the due subscriptions between them
/// instead of queueing on the same rows; the UPDATE repeats the conditions,
/// so a row leased in between is not taken twice. SQLite serialises write
/// transactions (`BEGIN IMMEDIATE`), which gives the same result.
pub fn lease_due(
    conn: &mut DbConnection,
    owner: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> StoreResult<Vec<Subscription>> {
    let now = now.naive_utc();
    let until = until.naive_utc();
    let head = crate::outbox::head(conn)?;
    let queued = diesel::dsl::exists(
        webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(webhook_subscriptions::id))
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Redeliver.as_str())),
    );
    let due = webhook_subscriptions::status
        .eq(SubscriptionStatus::Active.as_str())
        .and(webhook_subscriptions::next_attempt_at.le(now))
        .and(webhook_subscriptions::lease_until.is_null().or(webhook_subscriptions::lease_until.lt(now)))
        .and(webhook_subscriptions::cursor.lt(head).or(queued));
    let candidates: Vec<String> = match conn {
        DbConnection::Postgres(c) => webhook_subscriptions::table
            .select(webhook_subscriptions::id)
            .filter(due)
            .order(webhook_subscriptions::next_attempt_at)
            .limit(limit)
            .for_update()
            .skip_locked()
            .load(c)?,
        DbConnection::Sqlite(c) => webhook_subscriptions::table
            .select(webhook_subscriptions::id)
            .filter(due)
            .order(webhook_subscriptions::next_attempt_at)
            .limit(limit)
            .load(c)?,
    };
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<SubscriptionRow> = with_conn!(conn, c => diesel::update(
            webhook_subscriptions::table.filter(webhook_subscriptions::id.eq_any(&candidates)).filter(due),
        )
        .set((webhook_subscriptions::lease_owner.eq(owner), webhook_subscriptions::lease_until.eq(until)))
        .returning(SubscriptionRow::as_returning())
        .get_results(c))?;
    let mut leased = rows.into_iter().map(Subscription::try_from).collect::<StoreResult<Vec<_>>>()?;
    leased.sort_by_key(|s| s.next_attempt_at);
    Ok(leased)
}

/// The conditions every write of a lease holder carries: the lease is still
/// `owner`'s and the cursor has not moved since it was read.
macro_rules! held_by {
    ($id:expr, $owner:expr, $cursor:expr) => {
        webhook_subscriptions::table
            .filter(webhook_subscriptions::id.eq($id))
            .filter(webhook_subscriptions::lease_owner.eq($owner))
            .filter(webhook_subscriptions::cursor.eq($cursor))
    };
}

/// Moves the cursor from `from` to `to` (the event just delivered or
/// dead-lettered, or the head when nothing visible lies between) and resets
/// the attempts, keeping the lease. `false` when the lease was lost or the
/// cursor moved: the caller must stop delivering to this subscription.
pub fn advance(
    conn: &mut DbConnection,
    id: Uuid,
    owner: &str,
    from: i64,
    to: i64,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let key = id.to_string();
    let now = now.naive_utc();
    let updated = with_conn!(conn, c => diesel::update(held_by!(&key, owner, from))
        .set((
            webhook_subscriptions::cursor.eq(to),
            webhook_subscriptions::attempts.eq(0),
            webhook_subscriptions::next_attempt_at.eq(now),
            webhook_subscriptions::updated_at.eq(now),
        ))
        .execute(c))?;
    Ok(updated == 1)
}

/// Records a failed attempt at the event after `cursor`: `attempts` so far
/// and when to try again; gives the lease up so that any instance may retry.
pub fn schedule_retry(
    conn: &mut DbConnection,
    id: Uuid,
    owner: &str,
    cursor: i64,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let key = id.to_string();
    let updated = with_conn!(conn, c => diesel::update(held_by!(&key, owner, cursor))
        .set((
            webhook_subscriptions::attempts.eq(attempts),
            webhook_subscriptions::next_attempt_at.eq(next_attempt_at.naive_utc()),
            webhook_subscriptions::lease_owner.eq(None::<String>),
            webhook_subscriptions::lease_until.eq(None::<NaiveDateTime>),
            webhook_subscriptions::updated_at.eq(now.naive_utc()),
        ))
        .execute(c))?;
    Ok(updated == 1)
}

/// Gives a lease up (nothing more to do now, or the holder stops) and
/// makes the subscription due again at `next_attempt_at`: `now` puts it at
/// the back of the due queue, so that with more due subscriptions than one
/// poll leases, every one of them is served in turn. A no-op once the lease
/// is no longer `owner`'s (a retry was scheduled, or another instance took
/// over).
pub fn release(conn: &mut DbConnection, id: Uuid, owner: &str, next_attempt_at: DateTime<Utc>) -> StoreResult<()> {
    let key = id.to_string();
    let now = next_attempt_at.naive_utc();
    with_conn!(conn, c => diesel::update(
            webhook_subscriptions::table
                .filter(webhook_subscriptions::id.eq(&key))
                .filter(webhook_subscriptions::lease_owner.eq(owner)),
        )
        .set((
            webhook_subscriptions::lease_owner.eq(None::<String>),
            webhook_subscriptions::lease_until.eq(None::<NaiveDateTime>),
            webhook_subscriptions::next_attempt_at.eq(now),
        ))
        .execute(c))?;
    Ok(())
}

/// One event's outcome for one subscription, with the event's id and type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_position: i64,
    pub event_id: Uuid,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: i32,
    /// The HTTP status of the last attempt, when an answer came.
    pub last_status: Option<i32>,
    /// Why the last attempt failed, in a few words (no response body).
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An outcome to record.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: String,
    subscription_id: String,
    event_position: i64,
    status: String,
    attempts: i32,
    last_status: Option<i32>,
    last_error: Option<String>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

type DeliveryJoin = (DeliveryRow, String, String);

fn delivery_from(row: DeliveryJoin) -> StoreResult<Delivery> {
    let (row, event_id, event_type) = row;
    let corrupt = |what: &str| StoreError::Corrupt(format!("webhook_deliveries.{what} of {}", row.id));
    Ok(Delivery {
        id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
        subscription_id: Uuid::parse_str(&row.subscription_id).map_err(|_| corrupt("subscription_id"))?,
        event_id: Uuid::parse_str(&event_id).map_err(|_| corrupt("event id"))?,
        event_type: EventType::parse(&event_type).map_err(|_| corrupt("event type"))?,
        status: DeliveryStatus::parse(&row.status).ok_or_else(|| corrupt("status"))?,
        event_position: row.event_position,
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

/// Records the outcome of the event at `position` and moves the cursor past
/// it, both or neither: `false` (nothing written) when the lease was lost.
/// Call inside a transaction.
pub fn conclude(
    conn: &mut DbConnection,
    id: Uuid,
    owner: &str,
    cursor: i64,
    position: i64,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    if !advance(conn, id, owner, cursor, position, now)? {
        return Ok(false);
    }
    let now = now.naive_utc();
    let row = DeliveryRow {
        id: Uuid::now_v7().to_string(),
        subscription_id: id.to_string(),
        event_position: position,
        status: outcome.status.as_str().to_owned(),
        attempts: outcome.attempts,
        last_status: outcome.last_status,
        last_error: outcome.last_error.clone(),
        created_at: now,
        updated_at: now,
    };
    with_conn!(conn, c => diesel::insert_into(webhook_deliveries::table).values(&row).execute(c))?;
    Ok(true)
}

/// A subscription's delivery log, newest event first, after the cursor
/// position `before` (exclusive), optionally of one status.
pub fn deliveries(
    conn: &mut DbConnection,
    subscription_id: Uuid,
    status: Option<DeliveryStatus>,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Page<Delivery>> {
    let key = subscription_id.to_string();
    let rows: Vec<DeliveryJoin> = with_conn!(conn, c => {
        let mut query = webhook_deliveries::table
            .inner_join(events::table)
            .select((DeliveryRow::as_select(), events::id, events::event_type))
            .filter(webhook_deliveries::subscription_id.eq(&key))
            .into_boxed();
        if let Some(status) = status {
            query = query.filter(webhook_deliveries::status.eq(status.as_str()));
        }
        if let Some(before) = before {
            query = query.filter(webhook_deliveries::event_position.lt(before));
        }
        query.order(webhook_deliveries::event_position.desc()).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(delivery_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |d| d.event_position.to_string()))
}

/// One delivery of a subscription.
pub fn find_delivery(conn: &mut DbConnection, subscription_id: Uuid, id: Uuid) -> StoreResult<Option<Delivery>> {
    let (sub, key) = (subscription_id.to_string(), id.to_string());
    let row: Option<DeliveryJoin> = with_conn!(conn, c => webhook_deliveries::table
        .inner_join(events::table)
        .select((DeliveryRow::as_select(), events::id, events::event_type))
        .filter(webhook_deliveries::id.eq(&key))
        .filter(webhook_deliveries::subscription_id.eq(&sub))
        .first(c)
        .optional())?;
    row.map(delivery_from).transpose()
}

/// Queues a dead letter for one more attempt. `false` when the delivery is
/// not a dead letter (already delivered or already queued).
pub fn request_redelivery(conn: &mut DbConnection, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let key = id.to_string();
    let updated = with_conn!(conn, c => diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(&key))
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Dead.as_str())),
        )
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Redeliver.as_str()),
            webhook_deliveries::updated_at.eq(now.naive_utc()),
        ))
        .execute(c))?;
    Ok(updated == 1)
}

/// Dead letters of a subscription queued for redelivery, oldest event first.
pub fn queued_redeliveries(conn: &mut DbConnection, subscription_id: Uuid, limit: i64) -> StoreResult<Vec<Delivery>> {
    let key = subscription_id.to_string();
    let rows: Vec<DeliveryJoin> = with_conn!(conn, c => webhook_deliveries::table
        .inner_join(events::table)
        .select((DeliveryRow::as_select(), events::id, events::event_type))
        .filter(webhook_deliveries::subscription_id.eq(&key))
        .filter(webhook_deliveries::status.eq(DeliveryStatus::Redeliver.as_str()))
        .order(webhook_deliveries::event_position)
        .limit(limit)
        .load(c))?;
    rows.into_iter().map(delivery_from).collect()
}

/// Records the attempt at a queued redelivery: `delivered`, or back to
/// `dead` with one more attempt counted. Only a still-queued row changes, so
/// one attempt is recorded once. The attempts counter adds one to the
/// stored count.
pub fn record_redelivery(
    conn: &mut DbConnection,
    id: Uuid,
    delivered: bool,
    last_status: Option<i32>,
    last_error: Option<String>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let key = id.to_string();
    let status = if delivered { DeliveryStatus::Delivered } else { DeliveryStatus::Dead };
    let updated = with_conn!(conn, c => diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(&key))
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Redeliver.as_str())),
        )
        .set((
            webhook_deliveries::status.eq(status.as_str()),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
            webhook_deliveries::last_status.eq(last_status),
            webhook_deliveries::last_error.eq(last_error),
            webhook_deliveries::updated_at.eq(now.naive_utc()),
        ))
        .execute(c))?;
    Ok(updated == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in SubscriptionStatus::ALL {
            assert_eq!(SubscriptionStatus::parse(s.as_str()), Some(s));
        }
        for s in DeliveryStatus::ALL {
            assert_eq!(DeliveryStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(SubscriptionStatus::parse("deleted"), None);
        assert_eq!(DeliveryStatus::parse("pending"), None);
    }

    #[test]
    fn event_types_are_stored_as_a_json_array_of_names() {
        assert_eq!(event_types_json(&[]), "[]");
        assert_eq!(
            event_types_json(&[EventType::OrganizationCreated, EventType::BlacklistListed]),
            r#"["organization_created","blacklist_listed"]"#
        );
    }
}
