//! Webhook subscriptions (issue 8; docs/decisions/0015): an API client
//! registers a URL and is sent, signed, the events it may see, in order.
//!
//! Every authenticated role may subscribe: a subscription delivers with its
//! owner's visibility, looked up at every delivery, so subscribing grants
//! nothing the event feed would not. A subscription is its owner's object:
//! another client's is a 404, except for admins, who see and manage every
//! subscription (to pause an endpoint that misbehaves, or requeue its dead
//! letters).

use actix_web::http::header::ETAG;
use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use domain::events::EventType;
use domain::organization::Role;
use domain::validation::{Collector, FieldError};
use persistence::webhooks::{self, DeliveryStatus, NewSubscription, Subscription, SubscriptionStatus};
use persistence::{outbox, DbConnection};
use uuid::Uuid;

use crate::audit::Actor;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::etag;
use crate::extractors::{typed_body, StrictJson};
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, NotFound, PayloadTooLarge, PreconditionFailed, PreconditionRequired, ServiceUnavailable,
    Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::schemas::webhook::{
    CreateWebhook, DeliveryQuery, DeliveryView, UpdateWebhook, WebhookQuery, WebhookView, MAX_EVENT_TYPES,
    MAX_SECRET_CHARS, MIN_SECRET_CHARS,
};
use crate::state::AppState;
use crate::webhook_delivery::guard::{self, Refusal};
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_webhook)
        .service(list_webhooks)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(redeliver);
}

/// The caller's client id as the owner of its subscriptions.
fn owner_id(caller: &Caller) -> Result<Uuid, ApiError> {
    // Tokens name their API client by id; anything else cannot own one.
    Uuid::parse_str(&caller.client_id).map_err(|_| ApiError::forbidden())
}

/// The subscription if the caller owns it or is an admin; 404 otherwise.
fn owned(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Subscription, ApiError> {
    let subscription = webhooks::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let mine = Uuid::parse_str(&caller.client_id).is_ok_and(|me| me == subscription.owner_client_id);
    if mine || caller.role == Role::Admin {
        Ok(subscription)
    } else {
        Err(ApiError::not_found())
    }
}

/// A refused URL: 422 `webhook_url_not_allowed` naming `url`.
fn url_refused(refusal: &Refusal) -> ApiError {
    let zh = match refusal {
        Refusal::Malformed => "URL 格式不正确",
        Refusal::Scheme => "URL 必须使用 https 或 http",
        Refusal::Credentials => "URL 不得包含用户名或密码",
        Refusal::TooLong => "URL 过长",
        Refusal::NoHost => "URL 缺少主机名",
        Refusal::Unresolvable => "URL 的主机名无法解析",
        Refusal::InternalAddress => "URL 指向回环、内网、链路本地或其他内部地址",
    };
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "webhook_url_not_allowed")
        .with_detail(zh, refusal.to_string())
        .with_errors(vec![FieldError {
            field: "url".into(),
            code: "webhook_url_not_allowed",
            message: refusal.to_string(),
        }])
}

/// The checked parts of a new subscription (the URL's addresses are
/// checked separately, asynchronously).
struct Checked {
    url: String,
    event_types: Vec<EventType>,
    secret: String,
    after: Option<i64>,
}

fn check_create(body: CreateWebhook) -> Result<Checked, ApiError> {
    let mut v = Collector::new();
    if body.event_types.len() > MAX_EVENT_TYPES {
        v.push("event_types", "invalid_length", format!("at most {MAX_EVENT_TYPES} event types"));
    }
    let mut event_types = Vec::new();
    for (i, name) in body.event_types.iter().enumerate() {
        let field = format!("event_types[{i}]");
        if let Some(t) = v.check(&field, EventType::parse(name)) {
            if event_types.contains(&t) {
                v.push(&field, "duplicate", "each event type once");
            } else {
                event_types.push(t);
            }
        }
    }
    let length = body.secret.chars().count();
    if !(MIN_SECRET_CHARS..=MAX_SECRET_CHARS).contains(&length) {
        v.push("secret", "invalid_length", format!("{MIN_SECRET_CHARS} to {MAX_SECRET_CHARS} characters"));
    } else if !body.secret.bytes().all(|b| b.is_ascii_graphic()) {
        v.push("secret", "invalid_value", "visible ASCII characters only, no spaces");
    }
    if body.after.is_some_and(|a| a < 0) {
        v.push("after", "invalid_range", "a position, 0 or more");
    }
    let url = guard::parse_url(&body.url);
    if !v.is_empty() {
        if let Err(refusal) = &url {
            v.push("url", "webhook_url_not_allowed", refusal.to_string());
        }
    }
    v.finish()?;
    url.map_err(|r| url_refused(&r))?;
    Ok(Checked { url: body.url, event_types, secret: body.secret, after: body.after })
}

fn record_create(
    conn: &mut DbConnection,
    actor: &Actor,
    owner: Uuid,
    checked: Checked,
) -> Result<Done<WebhookView>, ApiError> {
    let head = outbox::head(conn)?;
    let cursor = match checked.after {
        Some(after) if after > head => {
            return Err(ApiError::invalid_field(
                "after",
                "out_of_range",
                format!("at most the newest event position, {head}"),
            ))
        }
        Some(after) => after,
        None => head,
    };
    let subscription = webhooks::insert(
        conn,
        &NewSubscription {
            owner_client_id: owner,
            url: checked.url,
            event_types: checked.event_types,
            secret: checked.secret,
            cursor,
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "webhook.create", "webhook", &subscription.id.to_string(), actor.caller.region.as_ref())?;
    Ok(Done::created(WebhookView::from(&subscription), format!("/api/v1/webhooks/{}", subscription.id)))
}

/// Subscribe to events by webhook.
///
/// Any authenticated caller. The platform POSTs each event the caller's API
/// client may see (as `GET /events` shows it; looked up again at every
/// delivery, so a disabled client receives nothing) and whose type is in
/// `event_types` (all when empty) to `url`, one at a time in position order,
/// with headers `X-Event-Id` (for de-duplication: delivery is at least
/// once), `X-Event-Type`, `X-Event-Position`, `X-Webhook-Id` and
/// `X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
/// Any 2xx answer within the timeout is success; anything else (redirects
/// included) is retried with exponential back-off and jitter, and after the
/// configured number of attempts (8 by default) the event becomes a dead
/// letter and later events follow; see the delivery log. Delivery starts
/// after `after` (default: the current head, so only new events).
///
/// The URL must be `https` or `http` without credentials, and its host must
/// not be or resolve to a loopback, private, link-local, CGNAT, multicast or
/// otherwise internal address (422 `webhook_url_not_allowed`; checked again
/// at every delivery). The secret is never returned. An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "integration",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateWebhook,
    responses(
        (status = 201, description = "Subscribed", body = WebhookView,
            headers(("Location" = String, description = "URL of the subscription"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks")]
pub async fn create_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    let owner = owner_id(&caller)?;
    let (scope, body) = idempotency::scoped_body::<CreateWebhook>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/webhooks",
        Target::Collection,
        body.into_inner(),
    )?;
    let checked = check_create(body)?;
    guard::check_url(&checked.url, state.settings.webhook_allow_private).await.map_err(|r| url_refused(&r))?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        record_create(conn, &actor, owner, checked)
    })
    .await
}

/// List webhook subscriptions.
///
/// The caller's own subscriptions (an admin's list holds every client's),
/// oldest first.
#[utoipa::path(
    tag = "integration",
    params(WebhookQuery),
    responses(
        (status = 200, description = "One page", body = Page<WebhookView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<WebhookQuery>,
) -> Result<web::Json<Page<WebhookView>>, ApiError> {
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let owner = if caller.role == Role::Admin { None } else { Some(owner_id(&caller)?) };
    let page = db::run(&state.pool, move |conn| Ok(webhooks::list(conn, owner, after, limit)?)).await?;
    Ok(web::Json(Page::from_store(page, |s| WebhookView::from(&s))))
}

fn respond(status: StatusCode, subscription: &Subscription) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((ETAG, etag::of_version(subscription.version)))
        .json(WebhookView::from(subscription))
}

/// Fetch a webhook subscription.
///
/// Its owner or an admin; anyone else 404. The ETag is the `If-Match` of a
/// status change.
#[utoipa::path(
    tag = "integration",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookView,
            headers(("ETag" = String, description = "Version tag for If-Match"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let subscription = db::run(&state.pool, move |conn| owned(conn, &caller, id)).await?;
    Ok(respond(StatusCode::OK, &subscription))
}

/// Pause or resume a webhook subscription.
///
/// Its owner or an admin; anyone else 404. `If-Match` with the current ETag
/// is required (428 without, 412 when stale). A paused subscription keeps
/// its place; resumed, it continues with the event after its cursor. A send
/// already under way when it is paused may still complete.
#[utoipa::path(
    tag = "integration",
    params(
        ("id" = Uuid, Path, description = "Subscription id"),
        ("If-Match" = String, Header, description = "The current ETag"),
    ),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "Updated", body = WebhookView,
            headers(("ETag" = String, description = "The new version tag"))),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 412, response = PreconditionFailed),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 428, response = PreconditionRequired),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[patch("/webhooks/{id}")]
pub async fn update_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let if_match = etag::if_match(&req);
    let body: UpdateWebhook = typed_body(&body.into_inner().0)?;
    let status = SubscriptionStatus::parse(&body.status)
        .ok_or_else(|| ApiError::invalid_field("status", "invalid_value", "active or paused"))?;
    let actor = Actor::new(&caller, &request_id);
    let subscription = db::transaction(&state.pool, move |conn| {
        let current = owned(conn, &actor.caller, id)?;
        etag::require_if_match(if_match.as_deref(), current.version)?;
        let updated = webhooks::set_status(conn, id, current.version, status, crate::clock::now())?;
        actor.record(conn, "webhook.update", "webhook", &id.to_string(), actor.caller.region.as_ref())?;
        Ok(updated)
    })
    .await?;
    Ok(respond(StatusCode::OK, &subscription))
}

/// Delete a webhook subscription and its delivery log.
///
/// Its owner or an admin; anyone else 404. Nothing more is sent once a send
/// under way has finished.
#[utoipa::path(
    tag = "integration",
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[delete("/webhooks/{id}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let actor = Actor::new(&caller, &request_id);
    db::transaction(&state.pool, move |conn| {
        owned(conn, &actor.caller, id)?;
        if !webhooks::delete(conn, id)? {
            return Err(ApiError::not_found());
        }
        actor.record(conn, "webhook.delete", "webhook", &id.to_string(), actor.caller.region.as_ref())
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A subscription's delivery log: outcomes and dead letters.
///
/// Its owner or an admin; anyone else 404. One row per event that reached
/// an outcome, newest event first; `status=dead` lists the dead letters.
/// An event still being retried has no row yet: the subscription's
/// `attempts` and `next_attempt_at` describe it.
#[utoipa::path(
    tag = "integration",
    params(("id" = Uuid, Path, description = "Subscription id"), DeliveryQuery),
    responses(
        (status = 200, description = "One page", body = Page<DeliveryView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/webhooks/{id}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<DeliveryQuery>,
) -> Result<web::Json<Page<DeliveryView>>, ApiError> {
    let id = id.into_inner();
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let before = pagination::decode_cursor(query.cursor.as_deref(), |k| k.parse::<i64>().ok())?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            DeliveryStatus::parse(s)
                .ok_or_else(|| ApiError::invalid_field("status", "invalid_value", "delivered, dead or redeliver"))
        })
        .transpose()?;
    let page = db::run(&state.pool, move |conn| {
        owned(conn, &caller, id)?;
        Ok(webhooks::deliveries(conn, id, status, before, limit)?)
    })
    .await?;
    Ok(web::Json(Page::from_store(page, |d| DeliveryView::from(&d))))
}

/// Redeliver a dead letter.
///
/// Its subscription's owner or an admin; anyone else 404. Queues the dead
/// letter for one more attempt, made by the delivery worker at its next
/// poll, after (not before) events already delivered: a redelivered event
/// arrives out of order. If that attempt fails too it is a dead letter
/// again (`attempts` counts every try). A delivery that is not a dead
/// letter is a 409 `not_dead_letter`; one already queued is answered 202
/// again. The body is an empty JSON object `{}`.
#[utoipa::path(
    tag = "integration",
    params(
        ("id" = Uuid, Path, description = "Subscription id"),
        ("delivery_id" = Uuid, Path, description = "Delivery id"),
    ),
    responses(
        (status = 202, description = "Queued", body = DeliveryView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/webhooks/{id}/deliveries/{delivery_id}/redelivery")]
pub async fn redeliver(
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (id, delivery_id) = path.into_inner();
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, None, StatusCode::ACCEPTED, move |conn| {
        owned(conn, &actor.caller, id)?;
        let delivery = webhooks::find_delivery(conn, id, delivery_id)?.ok_or_else(ApiError::not_found)?;
        match delivery.status {
            DeliveryStatus::Redeliver => return Ok(Done::ok(DeliveryView::from(&delivery))),
            DeliveryStatus::Delivered => {
                return Err(ApiError::conflict("not_dead_letter")
                    .with_detail("该投递已成功，不是死信", "this delivery succeeded: it is not a dead letter"))
            }
            DeliveryStatus::Dead => {}
        }
        // A concurrent request may have queued it first: then this one
        // changes nothing and records nothing, and answers the same.
        if webhooks::request_redelivery(conn, delivery_id, crate::clock::now())? {
            actor.record(
                conn,
                "webhook_delivery.redeliver",
                "webhook_delivery",
                &delivery_id.to_string(),
                actor.caller.region.as_ref(),
            )?;
        }
        let queued = webhooks::find_delivery(conn, id, delivery_id)?.ok_or_else(ApiError::not_found)?;
        Ok(Done::ok(DeliveryView::from(&queued)))
    })
    .await
}
