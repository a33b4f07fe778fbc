//! Bodies of the prevention fund (三(二)).

use chrono::{DateTime, NaiveDate, Utc};
use domain::insurance::ExpenditureCategory;
use persistence::expenditures::Expenditure;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::ExpenditureCategorySchema;

/// One month of a fund year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundMonth {
    /// 1–12.
    pub month: u32,
    pub net_premium_fen: i64,
    /// levy(cumulative net through this month) − levy(through the month
    /// before): the twelve accruals add up exactly to the year's levy.
    pub levy_accrued_fen: i64,
    pub spent_fen: i64,
}

/// Spending of one category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategoryAmount {
    #[schema(value_type = ExpenditureCategorySchema)]
    pub category: ExpenditureCategory,
    pub amount_fen: i64,
}

/// An insurer's prevention fund for one calendar year (CST).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundYearView {
    pub insurer_id: Uuid,
    pub year: i32,
    /// Premiums received minus refunds in the year.
    pub net_premium_fen: i64,
    /// The share in force on 31 December (Henan: 1000 bp); `null` before
    /// any levy rule was in force.
    pub levy_rate_bp: Option<u32>,
    #[schema(example = "prevention_fund_share_bp@2017-11-08")]
    pub rule_version: Option<String>,
    /// Levy rate × yearly net premium, rounded half away from zero.
    pub levy_fen: i64,
    pub spent_fen: i64,
    pub spent_by_category: Vec<CategoryAmount>,
    /// Unspent balance of all earlier years.
    pub carried_in_fen: i64,
    /// carried_in + levy − spent.
    pub balance_fen: i64,
    /// The year is over and less was spent than the levy.
    pub underspent: bool,
    pub months: Vec<FundMonth>,
}

/// One insurer in the regulators' overview.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundOverviewItem {
    pub insurer_id: Uuid,
    pub insurer_name: String,
    pub credit_code: String,
    pub year: i32,
    pub net_premium_fen: i64,
    pub levy_fen: i64,
    pub spent_fen: i64,
    pub balance_fen: i64,
    pub underspent: bool,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FundOverviewQuery {
    /// Calendar year (CST).
    #[param(minimum = 2000, maximum = 9998)]
    pub year: i32,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Prevention money spent (三(二): only on prevention).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "category": "expert_inspection",
    "amount_fen": 1500000,
    "spent_on": "2025-06-18",
    "description": "聘请专家参与危化企业安全检查",
    "beneficiary_organization_id": null
}))]
pub struct CreateExpenditure {
    #[schema(value_type = ExpenditureCategorySchema)]
    pub category: String,
    /// Positive fen; at most the available balance.
    #[validate(range(min = 1))]
    #[schema(minimum = 1)]
    pub amount_fen: i64,
    /// CST date; not in the future.
    #[schema(value_type = NaiveDate)]
    pub spent_on: String,
    #[validate(length(min = 1, max = 500), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 500)]
    pub description: String,
    /// The organisation that received the service or money, if any.
    pub beneficiary_organization_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExpenditureView {
    pub id: Uuid,
    pub insurer_id: Uuid,
    #[schema(value_type = ExpenditureCategorySchema)]
    pub category: ExpenditureCategory,
    pub amount_fen: i64,
    pub spent_on: NaiveDate,
    pub description: String,
    pub beneficiary_organization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    /// The insurer's whole fund balance after this expenditure.
    pub balance_after_fen: i64,
}

impl ExpenditureView {
    pub fn new(e: &Expenditure, balance_after: i64) -> ExpenditureView {
        ExpenditureView {
            id: e.id,
            insurer_id: e.insurer_id,
            category: e.category,
            amount_fen: e.amount.value(),
            spent_on: e.spent_on,
            description: e.description.clone(),
            beneficiary_organization_id: e.beneficiary_id,
            created_at: e.created_at,
            balance_after_fen: balance_after,
        }
    }
}
