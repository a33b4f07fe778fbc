//! Bodies of floating-rate premium quotes (三(三)).

use chrono::NaiveDate;
use domain::insurance::RateFactor;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::vocabulary::RateFactorSchema;

/// What to price.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"enterprise_credit_code": "91410100MA0000001X", "base_premium_fen": 3600000}))]
pub struct QuoteRequest {
    pub enterprise_id: Option<Uuid>,
    pub enterprise_credit_code: Option<String>,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub base_premium_fen: i64,
    /// CST date the quote is for; defaults to today.
    #[schema(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// One factor applied.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteFactor {
    #[schema(value_type = RateFactorSchema)]
    pub factor: RateFactor,
    pub adjustment_bp: i32,
    #[schema(example = "accident_general@2017-11-08")]
    pub version: String,
    /// The date of the accident that triggered the factor.
    pub evidence_occurred_on: Option<NaiveDate>,
}

/// The charged premium with every factor itemised.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuoteView {
    pub enterprise_id: Uuid,
    pub quoted_on: NaiveDate,
    pub base_premium_fen: i64,
    pub factors: Vec<QuoteFactor>,
    pub total_adjustment_bp: i32,
    /// base × (10000 + total) / 10000, rounded half away from zero.
    pub charged_premium_fen: i64,
    #[schema(example = "410000-rate-table@2017-11-08")]
    pub table_version: String,
    /// Factors that would apply but have no version in force on the date.
    #[schema(value_type = Vec<RateFactorSchema>)]
    pub missing_factors: Vec<RateFactor>,
}
