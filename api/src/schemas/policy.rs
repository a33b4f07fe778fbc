//! Bodies of liability-insurance policies (三(一)).

use chrono::{DateTime, NaiveDate, Utc};
use persistence::policies::Policy;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;

/// A policy an insurer writes. The insurer is the caller's organisation; an
/// `insurer_id` in the body is refused as an unknown field.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "policy_number": "PICC-HN-2025-000123",
    "enterprise_credit_code": "91410100MA0000001X",
    "start_date": "2025-04-01",
    "end_date": "2026-03-31",
    "insured_headcount": 120,
    "cover_per_person_fen": 40000000,
    "base_premium_fen": 3600000,
    "charged_premium_fen": 3240000,
    "risk_adjustment_bp": -1000
}))]
pub struct CreatePolicy {
    /// Unique among the insurer's policies.
    #[validate(length(min = 1, max = 64), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 64)]
    pub policy_number: String,
    /// The insured enterprise by id …
    pub enterprise_id: Option<Uuid>,
    /// … or by unified social credit code (exactly one of the two).
    pub enterprise_credit_code: Option<String>,
    /// First day of cover (CST calendar date).
    #[schema(value_type = NaiveDate)]
    pub start_date: String,
    /// Last day of cover, inclusive.
    #[schema(value_type = NaiveDate)]
    pub end_date: String,
    #[validate(range(min = 1, max = 1_000_000))]
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub insured_headcount: i64,
    /// Death/disability cover per person in fen; at least the minimum in
    /// force on `start_date` (rule `min_cover_per_person_fen`).
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub cover_per_person_fen: i64,
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub base_premium_fen: i64,
    /// Must equal base × (10000 + risk_adjustment_bp) / 10000, rounded half
    /// away from zero to the fen.
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub charged_premium_fen: i64,
    /// Floating-rate adjustment applied (三(三)), in basis points: −1000 = −10 %.
    #[validate(range(min = -10_000, max = 100_000))]
    #[schema(minimum = -10000, maximum = 100000)]
    pub risk_adjustment_bp: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PolicyView {
    pub id: Uuid,
    pub insurer_id: Uuid,
    pub policy_number: String,
    pub enterprise_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub insured_headcount: i32,
    pub cover_per_person_fen: i64,
    pub base_premium_fen: i64,
    pub charged_premium_fen: i64,
    pub risk_adjustment_bp: i32,
    /// Version of the minimum-cover rule checked (`null` when none was in force).
    pub min_cover_rule: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Policy> for PolicyView {
    fn from(p: &Policy) -> Self {
        PolicyView {
            id: p.id,
            insurer_id: p.insurer_id,
            policy_number: p.policy_number.clone(),
            enterprise_id: p.enterprise_id,
            start_date: p.start_date,
            end_date: p.end_date,
            insured_headcount: p.insured_headcount,
            cover_per_person_fen: p.cover_per_person.value(),
            base_premium_fen: p.base_premium.value(),
            charged_premium_fen: p.charged_premium.value(),
            risk_adjustment_bp: p.risk_adjustment_bp,
            min_cover_rule: p.min_cover_rule.clone(),
            created_at: p.created_at,
        }
    }
}

/// Filters of the policy list. Order: creation (ascending id).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PolicyQuery {
    /// Insured enterprise id.
    pub enterprise: Option<Uuid>,
    /// Only policies in force on this CST date.
    #[param(value_type = Option<NaiveDate>)]
    pub in_force_on: Option<String>,
    /// Region code of the insured enterprise.
    pub region: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}
