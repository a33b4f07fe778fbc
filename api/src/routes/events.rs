//! The event feed: `GET /api/v1/events` (issue 8), read from the
//! transactional outbox (docs/decisions/0014).

use actix_web::{get, web};
use domain::events::EventType;
use domain::validation::Collector;
use persistence::outbox;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::events::sight;
use crate::problem::{BadRequest, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::schemas::event::{EventPage, EventQuery, EventView, DEFAULT_LIMIT, MAX_LIMIT};
use crate::state::AppState;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}

/// The distinct types named in `types` (comma-separated; empty segments are
/// ignored), or every unknown name reported on `types` at once.
fn parse_types(text: Option<&str>, v: &mut Collector) -> Vec<EventType> {
    let mut types = Vec::new();
    for name in text.unwrap_or("").split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if let Some(t) = v.check("types", EventType::parse(name)) {
            if !types.contains(&t) {
                types.push(t);
            }
        }
    }
    types
}

/// Read the event feed (every authenticated caller).
///
/// The changes other systems care about — registry, insurance, certificates,
/// engineers, credit, blacklist, sanctions, cross-region notices,
/// engagements and evaluations — in strictly increasing `position`. Positions
/// are dense and assigned in commit order, so a reader that passes each
/// answer's `next_after` as the next `after` sees every event it may see
/// exactly once and never misses one that committed late (docs/decisions/0014).
///
/// Each caller sees what it may (docs/decisions/0004): admins and the
/// province's regulators every event; a city or county regulator the events
/// in the regions of its jurisdiction; an insurer, agency or enterprise the
/// events naming its organisation (as subject or counterparty); a portal the
/// public types only (`organization_*`, `certificate_issued`,
/// `certificate_revoked`, `credit_score_changed`, `blacklist_*`). Events carry
/// no personal data, so every caller who sees one sees the same row.
///
/// `after` defaults to 0 (from the beginning); `limit` is 1–1000, default
/// 100; `types` is a comma-separated list of type names (an unknown name is a
/// 422 whose `errors` entry on `types` has code `invalid_event_type`).
/// `next_after` is the last item's position, or `after` when there is none.
/// `head` is the newest position among the events the caller may see with
/// these `types`: not the feed's global head, which would tell other callers
/// how busy the platform is, except for admins and the province's
/// regulators, who see everything anyway.
#[utoipa::path(
    tag = "integration",
    params(EventQuery),
    responses(
        (status = 200, description = "The next events the caller may see, in position order", body = EventPage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<EventQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let query = query.into_inner();
    let mut v = Collector::new();
    let after = query.after.unwrap_or(0);
    if after < 0 {
        v.push("after", "invalid_range", "after must be 0 or a position");
    }
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        v.push("limit", "invalid_range", format!("limit must be between 1 and {MAX_LIMIT}"));
    }
    let types = parse_types(query.types.as_deref(), &mut v);
    v.finish()?;
    let sight = sight(&caller);
    // The primary, not the read pool: a client that has just written reads
    // its own event back.
    let page = db::run(&state.pool, move |conn| {
        let events = outbox::after(conn, after, &types, &sight, limit)?;
        // Read after the items, so it is never older than the last of them.
        let head = outbox::newest(conn, &types, &sight)?;
        let next_after = events.last().map_or(after, |e| e.position);
        Ok(EventPage { items: events.into_iter().map(EventView::from).collect(), next_after, head })
    })
    .await?;
    Ok(web::Json(page))
}
