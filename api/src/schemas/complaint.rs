//! Bodies of complaints and reports (豫安委〔2017〕17号 八(二) 举报投诉): what anyone may file,
//! the status a complainant may follow with a tracking code, and what regulators see and decide.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use domain::complaints::{ComplaintCategory, ComplaintStatus};
use domain::credit::Grade;
use persistence::complaints::Complaint;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::{Validate, ValidationError};

use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::GradeSchema;

/// The statuses a triage may move a complaint to (`received` is where every complaint starts).
pub const TRIAGE_STATUSES: [ComplaintStatus; 3] =
    [ComplaintStatus::Accepted, ComplaintStatus::Rejected, ComplaintStatus::Substantiated];

/// A string enum schema over `values`, documented with `description`.
fn string_enum_schema<'a>(description: &str, values: impl IntoIterator<Item = &'a str>) -> RefOr<Schema> {
    ObjectBuilder::new().schema_type(Type::String).description(Some(description)).enum_values(Some(values)).into()
}

/// What a complaint is about (八(一), 八(三)).
pub struct ComplaintCategorySchema;

impl utoipa::PartialSchema for ComplaintCategorySchema {
    fn schema() -> RefOr<Schema> {
        string_enum_schema(
            "What a complaint is about (八(一), 八(三)): false reports, leasing qualifications, illegal \
             affiliation, staff absent from site, charging without service, failing to perform a contract, \
             monopoly/irregular/designated fees, other.",
            ComplaintCategory::ALL.iter().map(|c| c.as_str()),
        )
    }
}

impl ToSchema for ComplaintCategorySchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ComplaintCategory")
    }
}

/// Where a complaint stands (八(二)).
pub struct ComplaintStatusSchema;

impl utoipa::PartialSchema for ComplaintStatusSchema {
    fn schema() -> RefOr<Schema> {
        string_enum_schema(
            "Where a complaint stands (八(二)): received → accepted or rejected; accepted → substantiated or \
             rejected. `rejected` and `substantiated` are final.",
            ComplaintStatus::ALL.iter().map(|s| s.as_str()),
        )
    }
}

impl ToSchema for ComplaintStatusSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ComplaintStatus")
    }
}

/// A triage decision's target status.
pub struct TriageStatusSchema;

impl utoipa::PartialSchema for TriageStatusSchema {
    fn schema() -> RefOr<Schema> {
        string_enum_schema(
            "The status a triage moves a complaint to (八(二)).",
            TRIAGE_STATUSES.iter().map(|s| s.as_str()),
        )
    }
}

impl ToSchema for TriageStatusSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("TriageStatus")
    }
}

/// Free text that may run over several lines: control characters other than
/// line breaks and tabs are refused (PostgreSQL refuses NUL; the rest hide
/// text from whoever reads it), and there must be something besides blanks.
/// Unlike [`plain_text`], newlines are allowed: a complaint or a decision
/// note is a narrative, often several paragraphs.
pub fn narrative_text(value: &str) -> Result<(), ValidationError> {
    if value.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        return Err(ValidationError::new("invalid_text"));
    }
    // The empty string is already a length error.
    if !value.is_empty() && value.trim().is_empty() {
        return Err(ValidationError::new("required").with_message(Cow::Borrowed("must not be only blanks")));
    }
    Ok(())
}

/// A complaint or report about an organisation, filed by anyone (八(二)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_credit_code": "91350100M000100Y43",
    "category": "charging_without_service",
    "description": "2026年9月签订安全评价服务合同并付款，至今未派人到现场，也未出具报告。",
    "contact": "13812345678"
}))]
pub struct CreateComplaint {
    /// Unified social credit code (GB 32100-2015) of the organisation complained about; it must be
    /// registered on the platform.
    #[schema(min_length = 18, max_length = 18)]
    pub organization_credit_code: String,
    #[schema(value_type = ComplaintCategorySchema)]
    pub category: String,
    /// What happened: 1–2000 characters of plain text (line breaks allowed, no other control
    /// characters).
    #[validate(length(min = 1, max = 2000), custom(function = "narrative_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
    /// How the regulator may reach the complainant (phone, e-mail), if they wish; personal data
    /// that only admins and regulators of the subject's jurisdiction ever see. Omit to stay anonymous.
    #[validate(length(min = 1, max = 100), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 100)]
    pub contact: Option<String>,
}

/// What the complainant keeps: the tracking code is their only key to the complaint.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "tracking_code": "7KQM-2ZXD-9HRT-4WPA",
    "status": "received",
    "received_at": "2026-11-30T08:15:00Z"
}))]
pub struct ComplaintReceipt {
    /// `XXXX-XXXX-XXXX-XXXX` over `23456789ABCDEFGHJKMNPQRSTUVWXYZ`; case and dashes do not matter
    /// when it is typed back.
    pub tracking_code: String,
    #[schema(value_type = ComplaintStatusSchema)]
    pub status: ComplaintStatus,
    pub received_at: DateTime<Utc>,
}

impl From<&Complaint> for ComplaintReceipt {
    fn from(c: &Complaint) -> Self {
        ComplaintReceipt { tracking_code: c.tracking_code.clone(), status: c.status, received_at: c.created_at }
    }
}

/// The only thing a tracking code reveals: where the complaint stands.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "tracking_code": "7KQM-2ZXD-9HRT-4WPA",
    "status": "accepted",
    "updated_at": "2026-12-02T01:30:00Z"
}))]
pub struct ComplaintTracking {
    pub tracking_code: String,
    #[schema(value_type = ComplaintStatusSchema)]
    pub status: ComplaintStatus,
    /// When the status last changed (the filing instant while `received`).
    pub updated_at: DateTime<Utc>,
}

impl From<&Complaint> for ComplaintTracking {
    fn from(c: &Complaint) -> Self {
        ComplaintTracking { tracking_code: c.tracking_code.clone(), status: c.status, updated_at: c.status_changed_at }
    }
}

/// A complaint as admins and regulators of the subject's jurisdiction see it: everything,
/// the complainant's contact included.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintView {
    pub id: Uuid,
    pub tracking_code: String,
    /// The organisation complained about.
    pub organization_id: Uuid,
    #[schema(value_type = ComplaintCategorySchema)]
    pub category: ComplaintCategory,
    pub description: String,
    /// The complainant's contact, if they left one (personal data).
    pub contact: Option<String>,
    #[schema(value_type = ComplaintStatusSchema)]
    pub status: ComplaintStatus,
    /// The client that made the last triage decision.
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    /// The `complaint_substantiated` credit event, once substantiated (八(三)).
    pub credit_event_id: Option<Uuid>,
    pub received_at: DateTime<Utc>,
    /// When the status last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<&Complaint> for ComplaintView {
    fn from(c: &Complaint) -> Self {
        ComplaintView {
            id: c.id,
            tracking_code: c.tracking_code.clone(),
            organization_id: c.organization_id,
            category: c.category,
            description: c.description.clone(),
            contact: c.contact.clone(),
            status: c.status,
            decided_by: c.decided_by.clone(),
            decision_note: c.decision_note.clone(),
            credit_event_id: c.credit_event_id,
            received_at: c.created_at,
            updated_at: c.status_changed_at,
        }
    }
}

/// A triage decision (八(二)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "status": "substantiated",
    "note": "经现场核查，该机构收取服务费后未开展评价工作，情况属实。"
}))]
pub struct TriageComplaint {
    #[schema(value_type = TriageStatusSchema)]
    pub status: String,
    /// The reasons, seen by admins and regulators only.
    #[validate(length(min = 1, max = 2000), custom(function = "narrative_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

/// The credit event a substantiated complaint recorded, and the score it left.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ComplaintCreditOutcome {
    pub credit_event_id: Uuid,
    /// Points of the `complaint_substantiated` rule in force on the decision date.
    pub points: i32,
    /// The first day the event no longer counts.
    pub expires_on: NaiveDate,
    /// The points-table version used, e.g. `complaint_substantiated@2017-11-08`.
    pub rule_version: String,
    /// The organisation's score and grade after the event.
    pub score: i32,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    pub as_of: NaiveDate,
    /// The blacklist listing the event triggered, if its type is a trigger (八(三)).
    pub blacklist_listing_id: Option<Uuid>,
}

/// The complaint after a triage decision.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TriageResult {
    pub complaint: ComplaintView,
    /// Present when the complaint was substantiated.
    pub credit: Option<ComplaintCreditOutcome>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplaintQuery {
    /// Only complaints in this status.
    #[param(value_type = Option<ComplaintStatusSchema>)]
    pub status: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narratives_keep_line_breaks_but_not_other_controls() {
        assert!(narrative_text("第一段。\n第二段。\r\n\t第三段。").is_ok());
        assert!(narrative_text("a\u{0}b").is_err());
        assert!(narrative_text("a\u{1b}[31mb").is_err());
        assert!(narrative_text(" \n\t ").is_err());
    }
}
