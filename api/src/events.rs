//! Publishing to the event feed (issue 8): handlers call [`publish`] inside
//! the transaction of the change, next to the audit record, so an event
//! exists exactly when its change committed.

use domain::events::EventType;
use domain::organization::Role;
use domain::region::RegionCode;
use persistence::outbox::{self, EventSight, NewEvent};
use persistence::DbConnection;
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;

/// The resource an event is about and whom it concerns.
#[derive(Debug, Clone)]
pub struct Subject<'a> {
    /// The resource's kind as in its URL, e.g. `organization`, `certificate`.
    pub resource_type: &'static str,
    pub resource_id: String,
    /// Where it is: regulators of this region's jurisdiction see the event.
    pub region: Option<&'a RegionCode>,
    /// The organisation the change is about (sees the event).
    pub organization_id: Option<Uuid>,
    /// A second organisation party to it, e.g. the insurer of a policy or
    /// the provider of an engagement (also sees the event).
    pub counterparty_id: Option<Uuid>,
}

/// The outbox row of `event_type` about `subject` with the facts `data` (a
/// JSON object without personal data), occurring now. For callers that
/// append many events at once ([`outbox::append_many`]).
pub fn new_event(event_type: EventType, subject: Subject<'_>, data: serde_json::Value) -> NewEvent {
    NewEvent {
        event_type,
        occurred_at: crate::clock::now().naive_utc(),
        resource_type: subject.resource_type,
        resource_id: subject.resource_id,
        region_code: subject.region.map(|r| r.as_str().to_owned()),
        organization_id: subject.organization_id,
        counterparty_id: subject.counterparty_id,
        data,
    }
}

/// Appends `event_type` about `subject` with the facts `data` to the
/// outbox. Returns the event's position.
pub fn publish(
    conn: &mut DbConnection,
    event_type: EventType,
    subject: Subject<'_>,
    data: serde_json::Value,
) -> Result<i64, ApiError> {
    Ok(outbox::append(conn, &new_event(event_type, subject, data))?)
}

/// Which events a caller may read (docs/decisions/0004 applied to events):
/// admins all; regulators their jurisdiction; an organisation's clients the
/// events naming it; portals the public types.
pub fn sight(caller: &Caller) -> EventSight {
    match caller.role {
        Role::Admin => EventSight::All,
        Role::Regulator => match caller.jurisdiction() {
            Some(j) if j.is_province() => EventSight::All,
            Some(j) => EventSight::Jurisdiction(j.as_str().to_owned()),
            None => EventSight::Nothing,
        },
        Role::Insurer | Role::Agency | Role::Enterprise => {
            caller.organization_id.map_or(EventSight::Nothing, EventSight::Organization)
        }
        Role::Portal => EventSight::Public,
    }
}
