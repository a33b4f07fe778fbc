//! Bodies about training institutions' exams and pass rates (五(一)).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::person::PersonInput;
use crate::schemas::vocabulary::WorkCategorySchema;

/// Largest batch of exam results.
pub const MAX_EXAM_ITEMS: usize = 1000;

/// Exam results of the calling training institution's candidates.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [{
    "candidate": {"resident_id": "11010519491231002X", "name": "张伟"},
    "category": "electrical",
    "exam_on": "2026-03-18",
    "theory_score": 86,
    "practical_score": 90
}]}))]
pub struct ExamBatch {
    /// 1 to 1 000 results, stored all or none.
    #[validate(nested)]
    #[schema(min_items = 1, max_items = 1000)]
    pub items: Vec<ExamItem>,
}

#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExamItem {
    #[validate(nested)]
    pub candidate: PersonInput,
    #[schema(value_type = WorkCategorySchema)]
    pub category: String,
    /// Exam date (CST), not in the future.
    #[schema(value_type = NaiveDate)]
    pub exam_on: String,
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub theory_score: i64,
    /// Only after the theory exam is passed; `null` when not taken.
    #[validate(range(min = 0, max = 100))]
    #[schema(minimum = 0, maximum = 100)]
    pub practical_score: Option<i64>,
}

/// What became of one item.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExamItemReceipt {
    pub index: usize,
    pub id: Uuid,
    pub passed: bool,
    /// The same result was already stored (by an earlier batch): not counted twice.
    pub already_recorded: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExamReceipt {
    pub institution_id: Uuid,
    /// Results stored by this batch.
    pub recorded: usize,
    /// Results identical to ones already stored.
    pub already_recorded: usize,
    /// Passes among the items.
    pub passed: usize,
    /// Pass mark applied, with its rule version.
    pub pass_mark: u8,
    pub pass_mark_rule_version: String,
    pub items: Vec<ExamItemReceipt>,
}

/// One institution's pass rate in a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstitutionPassRate {
    pub institution_id: Uuid,
    pub institution_name: String,
    pub region_code: String,
    /// Exam sittings in the period (a retake counts again).
    pub candidates: u64,
    pub passed: u64,
    /// `passed/candidates` as an exact fraction, e.g. `17/20`.
    #[schema(example = "17/20")]
    pub pass_rate: String,
    /// The rate in basis points, rounded half up; `null` with no candidates.
    #[schema(example = 8500)]
    pub pass_rate_bp: Option<u32>,
}

/// Pass rates of a half-year period, one page of institutions in id order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PassRatePage {
    #[schema(example = "2026H1")]
    pub period: String,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    /// Published periods are frozen: no result dated inside them is accepted.
    pub published: bool,
    pub published_at: Option<DateTime<Utc>>,
    pub items: Vec<InstitutionPassRate>,
    pub next_cursor: Option<String>,
}

/// Publish a half-year period's pass rates.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"period": "2026H1"}))]
pub struct CreatePublication {
    #[schema(example = "2026H1", pattern = "^[0-9]{4}H[12]$")]
    pub period: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicationView {
    pub period: String,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}
