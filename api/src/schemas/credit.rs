//! Bodies about credit (豫安委〔2017〕17号 八(三)): events, explainable
//! scores, the public card and the portal change feed.

use chrono::{DateTime, NaiveDate, Utc};
use domain::credit::{CreditEventType, Grade};
use domain::organization::{OrganizationKind, OrganizationStatus};
use domain::sanctions::SanctionKind;
use persistence::credit::CreditEvent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::{
    CreditEventTypeSchema, GradeSchema, OrganizationKindSchema, OrganizationStatusSchema, SanctionKindSchema,
};

/// A credit event confirmed by a regulator.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e",
    "event_type": "staff_absent_from_site",
    "occurred_on": "2026-10-12",
    "evidence": "郑应急执〔2026〕118号 现场检查记录"
}))]
pub struct CreateCreditEvent {
    pub organization_id: Uuid,
    #[schema(value_type = CreditEventTypeSchema)]
    pub event_type: String,
    /// CST date, not in the future: the points and validity in force then apply.
    #[schema(value_type = NaiveDate)]
    pub occurred_on: String,
    /// Reference to the evidence (decision number, inspection record).
    #[validate(length(min = 1, max = 2000), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub evidence: String,
}

/// One recorded event and what it contributes.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditEventView {
    pub id: Uuid,
    #[schema(value_type = CreditEventTypeSchema)]
    pub event_type: CreditEventType,
    pub occurred_on: NaiveDate,
    pub points: i32,
    /// The first day the event no longer counts (it stops at 00:00 CST).
    pub expires_on: NaiveDate,
    /// Whether it counts on the report's date.
    pub in_force: bool,
    /// The points-table version used, e.g. `staff_absent_from_site@2017-11-08`.
    pub rule_version: String,
    pub clause: String,
    pub evidence: String,
    /// The record that created it (`sanction`, `complaint`), if not recorded directly.
    pub source_type: Option<String>,
    pub source_id: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

impl CreditEventView {
    pub fn new(event: &CreditEvent, on: NaiveDate) -> CreditEventView {
        CreditEventView {
            id: event.id,
            event_type: event.event_type,
            occurred_on: event.occurred_on,
            points: event.points,
            expires_on: event.expires_on,
            in_force: event.occurred_on <= on && on < event.expires_on,
            rule_version: event.rule_version.clone(),
            clause: event.clause.clone(),
            evidence: event.evidence.clone(),
            source_type: event.source.as_ref().map(|(kind, _)| kind.clone()),
            source_id: event.source.as_ref().map(|(_, id)| id.clone()),
            recorded_at: event.created_at,
        }
    }
}

/// A score and grade on a date.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScoreView {
    pub score: i32,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    pub as_of: NaiveDate,
}

/// The answer to a recorded event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditEventReceipt {
    pub event: CreditEventView,
    pub score: ScoreView,
    /// The blacklist listing the event triggered, if its type is a trigger (八(三)).
    pub blacklist_listing_id: Option<Uuid>,
}

/// An organisation's credit, explained: the score is `base + Σ points of the
/// events in force`, clamped to the scale's range.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditReport {
    pub organization_id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub as_of: NaiveDate,
    pub score: i32,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    /// The scale's base score.
    pub base: i32,
    /// Sum of the points of the events in force.
    pub events_sum: i64,
    /// `base + events_sum` before clamping to `[min, max]`.
    pub unclamped: i64,
    pub min: i32,
    pub max: i32,
    /// Grade bands: A from `a_min`, B from `b_min`, C from `c_min`, D below.
    pub a_min: i32,
    pub b_min: i32,
    pub c_min: i32,
    /// The next date the score changes without a new event (an expiry).
    pub next_change_on: Option<NaiveDate>,
    /// Rule versions of the scale (base, range, grade bands).
    pub rule_versions: Vec<String>,
    pub blacklisted: bool,
    /// Every recorded event, oldest first; those with `in_force` make up `events_sum`.
    pub events: Vec<CreditEventView>,
    pub clause: String,
}

/// A sanction in force, as the public card shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicSanction {
    #[schema(value_type = SanctionKindSchema)]
    pub kind: SanctionKind,
    pub decided_on: NaiveDate,
    /// Rectification deadline or last day of a suspension, if any.
    pub until: Option<NaiveDate>,
}

/// What anyone may know of an organisation's credit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicCredit {
    pub credit_code: String,
    pub name: String,
    #[schema(value_type = OrganizationKindSchema)]
    pub kind: OrganizationKind,
    pub region_code: String,
    /// Registry status on `as_of`: `suspended` during a service suspension.
    #[schema(value_type = OrganizationStatusSchema)]
    pub status: OrganizationStatus,
    pub score: i32,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    pub blacklisted: bool,
    pub sanctions_in_force: Vec<PublicSanction>,
    pub as_of: NaiveDate,
}

/// One change-feed entry: an organisation's score as it now stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScoreChange {
    pub organization_id: Uuid,
    pub credit_code: String,
    pub score: i32,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    /// The date the score was computed for.
    pub as_of: NaiveDate,
    /// Position in the feed; increases with every change.
    pub sequence: i64,
    pub updated_at: DateTime<Utc>,
}

/// A signed credit statement: a compact JWS (EdDSA) verifiable offline with
/// the keys at `/api/v1/auth/jwks.json`; its payload is a [`CreditClaims`].
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreditAttestation {
    pub token: String,
    pub kid: String,
    pub expires_at: DateTime<Utc>,
}

/// The payload of a credit attestation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreditClaims {
    pub iss: String,
    /// `credit-attestation`.
    pub aud: String,
    /// The credit code.
    pub sub: String,
    pub name: String,
    pub score: i32,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    pub blacklisted: bool,
    pub as_of: NaiveDate,
    pub iat: i64,
    pub exp: i64,
}
