//! The event feed (issue 8): query and response bodies.

use chrono::{DateTime, Utc};
use domain::events::EventType;
use persistence::outbox::Event;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schemas::vocabulary::vocabulary_schema;

/// Default and largest `limit` of one read of the feed.
pub const DEFAULT_LIMIT: i64 = 100;
pub const MAX_LIMIT: i64 = 1000;

// The same schema, name and description as the webhook subscriptions'
// (schemas::webhook), so the contract has one `EventType`.
vocabulary_schema!(
    EventTypeSchema,
    "EventType",
    EventType,
    "What happened: the event feed's and webhooks' event type names."
);

/// Where to read from and what.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// Answer the events with a position greater than this (default 0: from
    /// the beginning). Pass the previous answer's `next_after`.
    #[param(minimum = 0)]
    pub after: Option<i64>,
    /// Comma-separated event type names (e.g.
    /// `certificate_revoked,blacklist_listed`); every type when absent or empty.
    pub types: Option<String>,
    /// 1–1000, default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<i64>,
}

/// The resource an event is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventResource {
    /// Its kind, e.g. `organization`, `certificate`, `engagement`.
    #[serde(rename = "type")]
    pub resource_type: String,
    /// Its id (a UUID); for `credit_score` the organisation's id.
    pub id: String,
}

/// One change, as the feed tells it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "position": 42,
    "id": "0193a4f2-7c1e-7b7a-9d1e-3f5a2b6c8d90",
    "type": "certificate_revoked",
    "occurred_at": "2026-03-02T09:15:27.123456Z",
    "resource": {"type": "certificate", "id": "0193a4f2-1111-7b7a-9d1e-3f5a2b6c8d90"},
    "region_code": "410100",
    "organization_id": null,
    "counterparty_id": null,
    "data": {"category": "electrician", "revoked_on": "2026-03-02"}
}))]
pub struct EventView {
    /// Dense, strictly increasing, in commit order: 1, 2, 3, … with no gaps
    /// in the whole feed (a caller sees the subset it may see).
    pub position: i64,
    /// Stable id for de-duplication.
    pub id: Uuid,
    #[serde(rename = "type")]
    #[schema(value_type = EventTypeSchema)]
    pub event_type: EventType,
    /// When the change was committed (the transaction's clock).
    pub occurred_at: DateTime<Utc>,
    pub resource: EventResource,
    /// The region whose regulators supervise the resource.
    pub region_code: Option<String>,
    /// The organisation the change is about.
    pub organization_id: Option<Uuid>,
    /// A second organisation party to it (the insurer of a policy, the
    /// provider of an engagement, the evaluating organisation).
    pub counterparty_id: Option<Uuid>,
    /// The event's facts: ids, codes, statuses, dates and amounts in fen;
    /// never names of persons, identity numbers or phone numbers.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
}

impl From<Event> for EventView {
    fn from(e: Event) -> EventView {
        EventView {
            position: e.position,
            id: e.id,
            event_type: e.event_type,
            occurred_at: e.occurred_at.and_utc(),
            resource: EventResource { resource_type: e.resource_type, id: e.resource_id },
            region_code: e.region_code,
            organization_id: e.organization_id,
            counterparty_id: e.counterparty_id,
            data: e.data,
        }
    }
}

/// One read of the feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventPage {
    /// In strictly increasing `position`.
    pub items: Vec<EventView>,
    /// Pass as `after` next time: the last item's position, or the request's
    /// `after` when there was none.
    pub next_after: i64,
    /// The newest position among the events this caller may see (with the
    /// same `types`), `null` when there is none: the caller has caught up
    /// when `next_after` reaches it. For admins and the province's regulators
    /// without `types`, the feed's head.
    pub head: Option<i64>,
}
