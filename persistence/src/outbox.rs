//! The transactional outbox behind the event feed (issue 8): one row per
//! change, written in the change's own transaction, read in position order.
//!
//! Positions are dense and follow commit order: [`append`] locks the single
//! `event_head` row until the caller's transaction ends (PostgreSQL
//! `FOR UPDATE`; SQLite write transactions are serialised), so a reader that
//! has seen position N can never later find a committed N−1 it skipped
//! (docs/decisions/0014).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use domain::events::EventType;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{event_head, events, regions};
use crate::DbConnection;

/// An event to append. `region_code`, `organization_id` and
/// `counterparty_id` decide who may read it; `data` is a JSON object of
/// facts without personal data.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: EventType,
    pub occurred_at: NaiveDateTime,
    pub resource_type: &'static str,
    pub resource_id: String,
    pub region_code: Option<String>,
    pub organization_id: Option<Uuid>,
    pub counterparty_id: Option<Uuid>,
    pub data: serde_json::Value,
}

/// A stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub position: i64,
    pub id: Uuid,
    pub event_type: EventType,
    pub occurred_at: NaiveDateTime,
    pub resource_type: String,
    pub resource_id: String,
    pub region_code: Option<String>,
    pub organization_id: Option<Uuid>,
    pub counterparty_id: Option<Uuid>,
    pub public: bool,
    pub data: serde_json::Value,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = events)]
struct EventRow {
    position: i64,
    id: String,
    event_type: String,
    occurred_at: NaiveDateTime,
    resource_type: String,
    resource_id: String,
    region_code: Option<String>,
    organization_id: Option<String>,
    counterparty_id: Option<String>,
    public: bool,
    data: String,
}

fn parse_uuid(text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("event uuid {text:?}: {e}")))
}

impl TryFrom<EventRow> for Event {
    type Error = StoreError;

    fn try_from(row: EventRow) -> StoreResult<Event> {
        Ok(Event {
            position: row.position,
            id: parse_uuid(&row.id)?,
            event_type: EventType::parse(&row.event_type).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            occurred_at: row.occurred_at,
            resource_type: row.resource_type,
            resource_id: row.resource_id,
            region_code: row.region_code,
            organization_id: row.organization_id.as_deref().map(parse_uuid).transpose()?,
            counterparty_id: row.counterparty_id.as_deref().map(parse_uuid).transpose()?,
            public: row.public,
            data: serde_json::from_str(&row.data).map_err(|e| StoreError::Corrupt(format!("event data: {e}")))?,
        })
    }
}

/// Appends one event; call inside the transaction of the change. Returns its
/// position.
pub fn append(conn: &mut DbConnection, event: &NewEvent) -> StoreResult<i64> {
    let positions = append_many(conn, std::slice::from_ref(event))?;
    positions.first().copied().ok_or_else(|| StoreError::Corrupt("no position for an appended event".into()))
}

/// Locks the outbox head until the transaction ends and returns the last
/// position (PostgreSQL `FOR UPDATE`; SQLite write transactions are
/// serialised). The lock order every writer follows is: audit chain head,
/// then this, then the credit feed lock (`credit::lock_feed` takes this
/// first), so two writers never wait for each other in a cycle.
pub fn lock_head(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(match conn {
        DbConnection::Postgres(c) => {
            event_head::table.find(1).select(event_head::last_position).for_update().first(c)?
        }
        DbConnection::Sqlite(c) => event_head::table.find(1).select(event_head::last_position).first(c)?,
    })
}

/// Appends `events` at consecutive positions, in the order given; call
/// inside the transaction of the change. Locks the head once, inserts the
/// rows in one statement (a few hundred at a time, within both backends'
/// bind limits) and advances the head by their number, so positions stay
/// dense. Returns each event's position, in the same order.
pub fn append_many(conn: &mut DbConnection, events: &[NewEvent]) -> StoreResult<Vec<i64>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let last = lock_head(conn)?;
    let rows: Vec<EventRow> = events
        .iter()
        .zip(last + 1..)
        .map(|(event, position)| EventRow {
            position,
            id: Uuid::now_v7().to_string(),
            event_type: event.event_type.as_str().to_owned(),
            occurred_at: event.occurred_at,
            resource_type: event.resource_type.to_owned(),
            resource_id: event.resource_id.clone(),
            region_code: event.region_code.clone(),
            organization_id: event.organization_id.map(|id| id.to_string()),
            counterparty_id: event.counterparty_id.map(|id| id.to_string()),
            public: event.event_type.is_public(),
            data: event.data.to_string(),
        })
        .collect();
    // 11 binds a row: 500 rows stay well below SQLite's 32,766 and PostgreSQL's 65,535.
    for batch in rows.chunks(500) {
        with_conn!(conn, c => diesel::insert_into(events::table).values(batch).execute(c))?;
    }
    let positions: Vec<i64> = rows.iter().map(|r| r.position).collect();
    let head = positions.last().copied().unwrap_or(last);
    with_conn!(conn, c => diesel::update(event_head::table.find(1)).set(event_head::last_position.eq(head)).execute(c))?;
    Ok(positions)
}

/// The position of the newest committed event (0 when there is none).
pub fn head(conn: &mut DbConnection) -> StoreResult<i64> {
    Ok(with_conn!(conn, c => event_head::table.find(1).select(event_head::last_position).first(c))?)
}

/// Which events a reader may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventSight {
    /// Every event (admins, the province's regulators).
    All,
    /// Events in the regions of this jurisdiction: the code itself and the
    /// regions it supervises.
    Jurisdiction(String),
    /// Events naming this organisation as subject or counterparty.
    Organization(Uuid),
    /// Public events only (portals).
    Public,
    /// Nothing.
    Nothing,
}

/// Narrows a boxed `events` query to `types` (all when empty) and to what
/// `sight` allows; one body for both backends inside `with_conn!`.
macro_rules! visible {
    ($query:expr, $types:expr, $sight:expr) => {{
        let mut query = $query;
        if !$types.is_empty() {
            query = query.filter(events::event_type.eq_any($types));
        }
        match $sight {
            EventSight::All | EventSight::Nothing => {}
            EventSight::Jurisdiction(code) => {
                query = query.filter(
                    events::region_code.eq_any(
                        regions::table
                            .select(regions::code.nullable())
                            .filter(regions::code.eq(code).or(regions::supervisor_code.eq(code))),
                    ),
                );
            }
            EventSight::Organization(id) => {
                let id = id.to_string();
                query = query.filter(events::organization_id.eq(id.clone()).or(events::counterparty_id.eq(id)));
            }
            EventSight::Public => query = query.filter(events::public.eq(true)),
        }
        query
    }};
}

/// Up to `limit` events after `after`, in position order, of the given
/// types (all when empty), that `sight` allows.
pub fn after(
    conn: &mut DbConnection,
    after: i64,
    types: &[EventType],
    sight: &EventSight,
    limit: i64,
) -> StoreResult<Vec<Event>> {
    if *sight == EventSight::Nothing {
        return Ok(Vec::new());
    }
    let types: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    let rows: Vec<EventRow> = with_conn!(conn, c => {
        let query = events::table.select(EventRow::as_select()).filter(events::position.gt(after)).into_boxed();
        visible!(query, &types, sight).order(events::position).limit(limit).load(c)
    })?;
    rows.into_iter().map(Event::try_from).collect()
}

/// The position of the newest event of the given types (all when empty)
/// that `sight` allows, if any: for [`EventSight::All`] and no types, the
/// head itself. Lets a reader tell it has caught up without learning how
/// many events it may not see.
pub fn newest(conn: &mut DbConnection, types: &[EventType], sight: &EventSight) -> StoreResult<Option<i64>> {
    match sight {
        EventSight::Nothing => return Ok(None),
        EventSight::All if types.is_empty() => return head(conn).map(|h| (h > 0).then_some(h)),
        _ => {}
    }
    let types: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    Ok(with_conn!(conn, c => {
        let query = events::table.select(events::position).into_boxed();
        visible!(query, &types, sight).order(events::position.desc()).first::<i64>(c).optional()
    })?)
}

/// One event by position, whoever may see it (the caller checks).
pub fn find(conn: &mut DbConnection, position: i64) -> StoreResult<Option<Event>> {
    let row: Option<EventRow> = with_conn!(conn, c => events::table
        .find(position)
        .select(EventRow::as_select())
        .first(c)
        .optional())?;
    row.map(Event::try_from).transpose()
}
