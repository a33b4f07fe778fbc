//! Subsidy programmes: request and response bodies.

use chrono::{DateTime, NaiveDate, Utc};
use domain::subsidies::{ApplicationStatus, Priority};
use persistence::subsidies::{Application, Programme};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::complaint::narrative_text;
use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::vocabulary_schema;

vocabulary_schema!(
    SubsidyPrioritySchema,
    "SubsidyPriority",
    Priority,
    "`high_risk` for the eight high-risk sectors of 三(一), considered first (九(三)); otherwise `standard`."
);
vocabulary_schema!(
    SubsidyApplicationStatusSchema,
    "SubsidyApplicationStatus",
    ApplicationStatus,
    "`pending` until a regulator approves (reserving budget) or rejects it."
);

/// A subsidy programme for small enterprises' service contracts (九(三)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "title": "2026年郑州市小微企业安全服务补贴",
    "region_code": "410100",
    "budget_fen": 100_000_000,
    "share_bp": 5000,
    "cap_per_enterprise_fen": 2_000_000,
    "max_employees": 100,
    "opens_on": "2026-01-01",
    "closes_on": "2026-12-31"
}))]
pub struct CreateProgramme {
    #[validate(length(min = 1, max = 200), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// Within the regulator's jurisdiction (403 `outside_jurisdiction` otherwise).
    #[schema(example = "410100")]
    pub region_code: String,
    /// Total budget in fen; positive.
    #[schema(minimum = 1)]
    pub budget_fen: i64,
    /// The share of a contract fee subsidised, 1 to 10,000 bp.
    #[schema(minimum = 1, maximum = 10000)]
    pub share_bp: i64,
    /// The most one enterprise may receive from the programme, in fen; positive.
    #[schema(minimum = 1)]
    pub cap_per_enterprise_fen: i64,
    /// The small-enterprise limit: at most this many employees; positive.
    #[schema(minimum = 1)]
    pub max_employees: i64,
    /// Engagements signed from this day (CST)…
    #[schema(value_type = NaiveDate)]
    pub opens_on: String,
    /// …to this day inclusive qualify; not before `opens_on`.
    #[schema(value_type = NaiveDate)]
    pub closes_on: String,
}

/// A programme with what it has committed so far.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProgrammeView {
    pub id: Uuid,
    pub title: String,
    #[schema(example = "410100")]
    pub region_code: String,
    pub budget_fen: i64,
    /// Reserved by approved applications.
    pub committed_fen: i64,
    /// `budget_fen - committed_fen`.
    pub remaining_fen: i64,
    pub share_bp: u32,
    pub cap_per_enterprise_fen: i64,
    pub max_employees: i32,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

impl From<&Programme> for ProgrammeView {
    fn from(p: &Programme) -> Self {
        ProgrammeView {
            id: p.id,
            title: p.title.clone(),
            region_code: p.region_code.as_str().to_owned(),
            budget_fen: p.budget.value(),
            committed_fen: p.committed.value(),
            remaining_fen: p.budget.value().saturating_sub(p.committed.value()),
            share_bp: p.share.value(),
            cap_per_enterprise_fen: p.cap_per_enterprise.value(),
            max_employees: p.max_employees,
            opens_on: p.opens_on,
            closes_on: p.closes_on,
            version: p.version,
            created_at: p.created_at,
        }
    }
}

/// An application for one of the caller's engagements.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"engagement_id": "0190f0a2-7b3c-7d4e-8f90-123456789abc"}))]
pub struct CreateApplication {
    pub engagement_id: Uuid,
}

/// An approval; the note is optional.
#[derive(Debug, Clone, Default, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "符合小微企业条件"}))]
pub struct Approval {
    #[validate(length(min = 1, max = 2000), custom(function = "narrative_text"))]
    #[serde(default)]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: Option<String>,
}

/// A rejection, with its reason.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"note": "企业从业人员超过100人"}))]
pub struct Rejection {
    #[validate(length(min = 1, max = 2000), custom(function = "narrative_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// An application as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub enterprise_id: Uuid,
    pub engagement_id: Uuid,
    /// The subsidy asked for: the programme's share of the contract fee, up
    /// to what remained of the enterprise's cap when it applied.
    pub amount_fen: i64,
    #[schema(value_type = SubsidyPrioritySchema)]
    pub priority: Priority,
    #[schema(value_type = SubsidyApplicationStatusSchema)]
    pub status: ApplicationStatus,
    pub decided_on: Option<NaiveDate>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Application> for ApplicationView {
    fn from(a: &Application) -> Self {
        ApplicationView {
            id: a.id,
            programme_id: a.programme_id,
            enterprise_id: a.enterprise_id,
            engagement_id: a.engagement_id,
            amount_fen: a.amount.value(),
            priority: a.priority,
            status: a.status,
            decided_on: a.decided_on,
            note: a.note.clone(),
            created_at: a.created_at,
        }
    }
}

/// A decision and what the programme has committed after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub application: ApplicationView,
    pub programme: ProgrammeView,
}

/// `GET …/applications` query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
