//! Bodies of the exit ladder of sanctions (豫安委〔2017〕17号 八(一)) and of
//! industry and occupational bans (八(二)).

use chrono::{DateTime, NaiveDate, Utc};
use domain::credit::Grade;
use domain::sanctions::{
    ban_in_force, complied_late, in_force, rectification_status, BanKind, RectificationStatus, SanctionKind,
};
use persistence::sanctions::{BanRecord, SanctionRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::person::{PersonInput, PersonView};
use crate::schemas::vocabulary::vocabulary_schema;
use crate::schemas::vocabulary::{GradeSchema, SanctionKindSchema};

vocabulary_schema!(
    RectificationStatusSchema,
    "RectificationStatus",
    RectificationStatus,
    "Where a rectification order stands on a date (八(一) 责令整改)."
);
vocabulary_schema!(BanKindSchema, "BanKind", BanKind, "行业禁入 on an organisation or 职业禁入 on a person (八(二)).");

/// A sanction decision on an organisation (八(一)). Which dates it takes
/// depends on the kind: a `rectification_order` needs a `deadline` after
/// `decided_on`; a `service_suspension` needs `from` and `to`
/// (`decided_on <= from <= to`, both days included); a `public_criticism`
/// and a `qualification_revocation` take none of them.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "0190f0a2-7b3c-7d4e-8f90-123456789abc",
    "kind": "rectification_order",
    "decided_on": "2026-03-10",
    "deadline": "2026-04-10",
    "reason": "评价报告未按规定进行现场勘验",
    "case_ref": "豫应急罚〔2026〕12号"
}))]
pub struct CreateSanction {
    /// The sanctioned organisation; one outside the caller's jurisdiction is a 404.
    pub organization_id: Uuid,
    #[schema(value_type = SanctionKindSchema)]
    pub kind: String,
    /// The decision date (CST); not in the future.
    #[schema(value_type = NaiveDate)]
    pub decided_on: String,
    /// Rectification orders only: the last day to comply.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub deadline: Option<String>,
    /// Service suspensions only: the first day.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Service suspensions only: the last day (inclusive).
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    #[validate(length(min = 1, max = 2000), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// The decision document or case number.
    #[validate(length(min = 1, max = 100), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 100)]
    #[serde(default)]
    pub case_ref: Option<String>,
}

/// Compliance with a rectification order.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"complied_on": "2026-04-08"}))]
pub struct CreateCompliance {
    /// The day compliance was confirmed (CST): not before the order, not in
    /// the future. After the deadline it is accepted as late.
    #[schema(value_type = NaiveDate)]
    pub complied_on: String,
}

/// A sanction with where it stands on `on`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionView {
    pub id: Uuid,
    pub organization_id: Uuid,
    #[schema(value_type = SanctionKindSchema)]
    pub kind: SanctionKind,
    pub decided_on: NaiveDate,
    /// Rectification orders: the last day to comply.
    pub deadline: Option<NaiveDate>,
    /// Rectification orders: the day compliance was confirmed.
    pub complied_on: Option<NaiveDate>,
    /// Service suspensions: the first day.
    pub from: Option<NaiveDate>,
    /// Service suspensions: the last day (inclusive).
    pub to: Option<NaiveDate>,
    pub reason: String,
    pub case_ref: Option<String>,
    /// The jurisdiction that decided.
    #[schema(example = "410100")]
    pub decided_region: String,
    /// The date the status fields describe (CST).
    pub on: NaiveDate,
    /// Rectification orders decided by `on`: `open`, `complied` or `overdue`; otherwise `null`.
    #[schema(value_type = Option<RectificationStatusSchema>)]
    pub rectification_status: Option<RectificationStatus>,
    /// Rectification orders: complied with after the deadline.
    pub complied_late: bool,
    /// On the public "sanctions in force" list on `on`: an open or overdue
    /// order, a criticism for 12 months, a suspension within its period, a
    /// revocation from its decision on.
    pub in_force: bool,
    pub created_at: DateTime<Utc>,
}

impl SanctionView {
    pub fn new(sanction: &SanctionRecord, on: NaiveDate) -> SanctionView {
        let decision = sanction.decision();
        SanctionView {
            id: sanction.id,
            organization_id: sanction.organization_id,
            kind: sanction.kind,
            decided_on: sanction.decided_on,
            deadline: sanction.deadline,
            complied_on: sanction.complied_on,
            from: sanction.from,
            to: sanction.to,
            reason: sanction.reason.clone(),
            case_ref: sanction.case_ref.clone(),
            decided_region: sanction.decided_region.as_str().to_owned(),
            on,
            rectification_status: rectification_status(&decision, on),
            complied_late: complied_late(&decision),
            in_force: in_force(&decision, on),
            created_at: sanction.created_at,
        }
    }
}

/// The credit event a sanction recorded (八(三)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionCreditEvent {
    pub id: Uuid,
    /// The event type: the sanction's kind.
    #[schema(example = "rectification_order")]
    pub event_type: String,
    /// Points from the table in force on the decision date.
    #[schema(example = -5)]
    pub points: i32,
    /// The first day the event no longer counts.
    pub expires_on: NaiveDate,
    /// The points-table version that gave the points.
    pub rule_version: String,
}

/// A recorded sanction, its credit event and what it did to the score.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionCreated {
    pub sanction: SanctionView,
    pub credit_event: SanctionCreditEvent,
    /// The organisation's credit score after the event.
    #[schema(example = 55)]
    pub score: i32,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    /// A revocation lists the organisation on the blacklist (八(三)); the listing's id.
    pub blacklist_listing_id: Option<Uuid>,
}

/// An organisation's sanctions, oldest decision first, with their status on `on`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionList {
    pub on: NaiveDate,
    pub items: Vec<SanctionView>,
}

/// The date a status is asked for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OnQuery {
    /// The date asked about (CST); defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// The rectification-order list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RectificationQuery {
    /// Only orders in this status on `on`; all orders decided by `on` when absent.
    #[param(value_type = Option<RectificationStatusSchema>)]
    pub status: Option<String>,
    /// The date asked about (CST); defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A ban following accident-investigation findings (八(二)): `industry_ban`
/// names `organization_id`, `occupational_ban` names `person`. `to` is the
/// last day (inclusive); `null` or absent makes the ban permanent.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "occupational_ban",
    "person": {"resident_id": "11010519491231002X", "name": "张伟"},
    "from": "2026-03-01",
    "to": "2031-02-28",
    "case_ref": "郑州市“2025·11·3”较大事故调查报告",
    "reason": "对事故发生负有主要责任"
}))]
pub struct CreateBan {
    #[schema(value_type = BanKindSchema)]
    pub kind: String,
    /// Industry bans only: the banned organisation; one outside the caller's
    /// jurisdiction is a 404.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// Occupational bans only: the banned person.
    #[validate(nested)]
    #[serde(default)]
    pub person: Option<PersonInput>,
    /// The first day (CST).
    #[schema(value_type = NaiveDate)]
    pub from: String,
    /// The last day (inclusive); `null` for a permanent ban.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// The accident or case the ban comes from.
    #[validate(length(min = 1, max = 200), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 200)]
    pub case_ref: String,
    #[validate(length(min = 1, max = 2000), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// A ban with whether it is in force on `on`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BanView {
    pub id: Uuid,
    #[schema(value_type = BanKindSchema)]
    pub kind: BanKind,
    /// Industry bans: the banned organisation.
    pub organization_id: Option<Uuid>,
    /// Occupational bans: the banned person; the identity number whole for
    /// admins and regulators only.
    pub person: Option<PersonView>,
    pub from: NaiveDate,
    /// The last day (inclusive); `null` when permanent.
    pub to: Option<NaiveDate>,
    pub permanent: bool,
    pub case_ref: String,
    pub reason: String,
    #[schema(example = "410100")]
    pub decided_region: String,
    /// The date `in_force` describes (CST): today.
    pub on: NaiveDate,
    pub in_force: bool,
    pub created_at: DateTime<Utc>,
}

impl BanView {
    pub fn new(ban: &BanRecord, person: Option<PersonView>, on: NaiveDate) -> BanView {
        BanView {
            id: ban.id,
            kind: ban.kind,
            organization_id: ban.organization_id,
            person,
            from: ban.from,
            to: ban.to,
            permanent: ban.to.is_none(),
            case_ref: ban.case_ref.clone(),
            reason: ban.reason.clone(),
            decided_region: ban.decided_region.as_str().to_owned(),
            on,
            in_force: ban_in_force(&ban.term(), on),
            created_at: ban.created_at,
        }
    }
}
