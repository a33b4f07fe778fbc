//! Webhook subscriptions and deliveries: request and response bodies.
//!
//! A subscription's secret is accepted on creation and never rendered: no
//! view below has a field for it.

use chrono::{DateTime, Utc};
use persistence::webhooks::{Delivery, DeliveryStatus, Subscription, SubscriptionStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schemas::event::EventTypeSchema;
use crate::schemas::vocabulary::vocabulary_schema;

vocabulary_schema!(
    WebhookStatusSchema,
    "WebhookStatus",
    SubscriptionStatus,
    "`active` subscriptions are delivered to; `paused` ones keep their place and resume where they stopped."
);
vocabulary_schema!(
    DeliveryStatusSchema,
    "WebhookDeliveryStatus",
    DeliveryStatus,
    "`delivered` (a 2xx answer), `dead` (every attempt failed: a dead letter) or `redeliver` (a dead letter queued \
     for one more attempt)."
);

/// The shortest secret accepted.
pub const MIN_SECRET_CHARS: usize = 32;
/// The longest secret accepted.
pub const MAX_SECRET_CHARS: usize = 256;
/// The most event types one subscription may name.
pub const MAX_EVENT_TYPES: usize = 50;

/// A new subscription.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "url": "https://hooks.example.gov.cn/henan-safety",
    "event_types": ["organization_created", "blacklist_listed"],
    "secret": "0f9c2b7e5d4a4c1b8e6f3a2d9c7b5e1f"
}))]
pub struct CreateWebhook {
    /// `https` (or `http`) URL without user name or password, at most 2000
    /// characters. Its host must not resolve to a loopback, private,
    /// link-local or otherwise internal address (422
    /// `webhook_url_not_allowed`).
    #[schema(max_length = 2000, format = "uri")]
    pub url: String,
    /// Event types to deliver; empty or absent for every type the owner may
    /// see. At most 50, each once.
    #[serde(default)]
    #[schema(value_type = Vec<EventTypeSchema>, max_items = 50)]
    pub event_types: Vec<String>,
    /// The HMAC-SHA256 key of `X-Signature`, 32 to 256 visible ASCII
    /// characters. Stored to sign with; never returned. To rotate it,
    /// create a new subscription and delete the old one.
    #[schema(min_length = 32, max_length = 256, write_only)]
    pub secret: String,
    /// Deliver events after this position (0 for the whole history the
    /// owner may see); at most the current head. Default: the head, i.e.
    /// only events from now on.
    #[schema(minimum = 0)]
    pub after: Option<i64>,
}

/// Pause or resume a subscription.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"status": "paused"}))]
pub struct UpdateWebhook {
    #[schema(value_type = WebhookStatusSchema)]
    pub status: String,
}

/// A subscription as its owner sees it (never with its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    /// The API client that owns it and whose visibility it delivers with.
    pub owner_client_id: Uuid,
    pub url: String,
    /// Empty: every type.
    #[schema(value_type = Vec<EventTypeSchema>)]
    pub event_types: Vec<String>,
    #[schema(value_type = WebhookStatusSchema)]
    pub status: String,
    /// Position of the last event delivered or dead-lettered.
    pub cursor: i64,
    /// Failed attempts at the next event (0 when none is failing).
    pub attempts: i32,
    /// When the next event is due (the next retry while one is failing).
    pub next_attempt_at: DateTime<Utc>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Subscription> for WebhookView {
    fn from(s: &Subscription) -> Self {
        WebhookView {
            id: s.id,
            owner_client_id: s.owner_client_id,
            url: s.url.clone(),
            event_types: s.event_types.iter().map(|t| t.as_str().to_owned()).collect(),
            status: s.status.as_str().to_owned(),
            cursor: s.cursor,
            attempts: s.attempts,
            next_attempt_at: s.next_attempt_at,
            version: s.version,
            created_at: s.created_at,
            updated_at: s.updated_at,
        }
    }
}

/// One event's outcome for a subscription.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: Uuid,
    pub subscription_id: Uuid,
    /// The event's position in the feed.
    pub event_position: i64,
    /// The event's id, as sent in `X-Event-Id`.
    pub event_id: Uuid,
    #[schema(value_type = EventTypeSchema)]
    pub event_type: String,
    #[schema(value_type = DeliveryStatusSchema)]
    pub status: String,
    /// Attempts made, redeliveries included.
    pub attempts: i32,
    /// HTTP status of the last answer, if one came.
    pub last_status: Option<i32>,
    /// Why the last attempt failed, in a few words.
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Delivery> for DeliveryView {
    fn from(d: &Delivery) -> Self {
        DeliveryView {
            id: d.id,
            subscription_id: d.subscription_id,
            event_position: d.event_position,
            event_id: d.event_id,
            event_type: d.event_type.as_str().to_owned(),
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            last_status: d.last_status,
            last_error: d.last_error.clone(),
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// A page of subscriptions.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WebhookQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of a subscription's delivery log.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    /// Only outcomes in this status (`dead` lists the dead letters).
    #[param(value_type = Option<DeliveryStatusSchema>)]
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
