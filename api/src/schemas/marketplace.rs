//! Demands, bids and matches: request and response bodies.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};
use domain::credit::Grade;
use domain::marketplace::{effective_status, DemandStatus};
use persistence::marketplace::{Bid, Demand};
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::complaint::narrative_text;
use crate::schemas::vocabulary::{GradeSchema, ServiceTypeSchema};

/// The states of a demand (九(三)); `expired` is derived from the deadline.
pub struct DemandStatusSchema;

impl utoipa::PartialSchema for DemandStatusSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Where a demand stands (九(三)); an open demand past its deadline reads `expired`."))
            .enum_values(Some(DemandStatus::ALL.iter().map(|v| v.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for DemandStatusSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DemandStatus")
    }
}

/// Why a provider is excluded from matching (九(三), 八(一)–八(三)).
pub struct ExclusionSchema;

impl utoipa::PartialSchema for ExclusionSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Why a provider may not be matched with or awarded a demand."))
            .enum_values(Some(domain::marketplace::Exclusion::ALL.iter().map(|e| e.code())))
            .into()
    }
}

impl utoipa::ToSchema for ExclusionSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Exclusion")
    }
}

/// A service need posted on the marketplace (九(三)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "enterprise_id": "0190f0a2-7b3c-7d4e-8f90-123456789abc",
    "service_type": "hazard_investigation",
    "region_code": "410102",
    "budget_fen": 5000000,
    "deadline": "2026-12-31",
    "description": "年度隐患排查治理服务，含两次现场排查及整改复查"
}))]
pub struct CreateDemand {
    /// The enterprise in need. An enterprise posting for itself may omit it; a regulator or an
    /// admin must name it.
    #[serde(default)]
    pub enterprise_id: Option<Uuid>,
    #[schema(value_type = ServiceTypeSchema)]
    pub service_type: String,
    /// Where the service is needed: a division code in the region table.
    #[schema(example = "410102")]
    pub region_code: String,
    /// Budget in fen (integer, at least 0).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub budget_fen: i64,
    /// Last day for the service (CST); today or later.
    #[schema(value_type = NaiveDate)]
    pub deadline: String,
    #[validate(length(min = 1, max = 2000), custom(function = "narrative_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub description: String,
}

/// A demand with its status on `on`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DemandView {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    #[schema(value_type = ServiceTypeSchema)]
    pub service_type: String,
    #[schema(example = "410102")]
    pub region_code: String,
    pub budget_fen: i64,
    pub deadline: NaiveDate,
    pub description: String,
    /// Status on `on`: an open demand past its deadline reads `expired`.
    #[schema(value_type = DemandStatusSchema)]
    pub status: DemandStatus,
    /// The date `status` describes (CST).
    pub on: NaiveDate,
    pub awarded_bid_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl DemandView {
    pub fn new(d: &Demand, on: NaiveDate) -> DemandView {
        DemandView {
            id: d.id,
            enterprise_id: d.enterprise_id,
            service_type: d.service_type.as_str().to_owned(),
            region_code: d.region_code.as_str().to_owned(),
            budget_fen: d.budget_fen,
            deadline: d.deadline,
            description: d.description.clone(),
            status: effective_status(d.status, d.deadline, on),
            on,
            awarded_bid_id: d.awarded_bid_id,
            version: d.version,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// `?on=`: the date statuses are judged on (CST), today when absent.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandOnQuery {
    /// Judge statuses on this date (CST); default today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// The demand list's filters and page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DemandQuery {
    /// Only demands in this status on `on`.
    #[param(value_type = Option<DemandStatusSchema>)]
    pub status: Option<String>,
    /// Judge statuses on this date (CST); default today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// An eligible provider, ranked (九(三)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchView {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    /// The provider's home region.
    #[schema(example = "410105")]
    pub region_code: String,
    #[schema(value_type = GradeSchema)]
    pub grade: Grade,
    pub score: i32,
    /// Home in the demand's prefecture-level city.
    pub same_city: bool,
    /// Why it ranks where it does: grade, city, score.
    #[schema(example = json!(["grade A", "same city as the demand (410100)", "score 92"]))]
    pub reasons: Vec<String>,
}

/// A provider left out, with the rule that excludes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExcludedView {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    #[schema(value_type = ExclusionSchema)]
    pub code: &'static str,
    /// The rule in words, with its clause.
    pub reason: &'static str,
}

/// The providers matched with a demand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatchList {
    pub demand_id: Uuid,
    #[schema(value_type = ServiceTypeSchema)]
    pub service_type: String,
    /// Status, suspensions, bans and blacklist are judged on this date.
    pub on: NaiveDate,
    /// Qualifications must be valid on this date: the demand's deadline.
    pub qualification_on: NaiveDate,
    /// Eligible providers, best first.
    pub matches: Vec<MatchView>,
    /// Providers left out and why; regulators and admins only (absent for the enterprise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excluded: Option<Vec<ExcludedView>>,
}

/// A provider's expression of interest (九(三)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"price_fen": 4500000, "plan": "两名注册安全工程师，两周内完成现场排查并出具报告"}))]
pub struct CreateBid {
    /// Offered price in fen (integer, at least 0).
    #[validate(range(min = 0))]
    #[schema(minimum = 0)]
    pub price_fen: i64,
    #[validate(length(min = 1, max = 2000), custom(function = "narrative_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub plan: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidView {
    pub id: Uuid,
    pub demand_id: Uuid,
    pub provider_id: Uuid,
    pub price_fen: i64,
    pub plan: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Bid> for BidView {
    fn from(b: &Bid) -> BidView {
        BidView {
            id: b.id,
            demand_id: b.demand_id,
            provider_id: b.provider_id,
            price_fen: b.price_fen,
            plan: b.plan.clone(),
            created_at: b.created_at,
        }
    }
}

/// The bids on a demand the caller may see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BidList {
    pub items: Vec<BidView>,
}

/// The bid chosen.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"bid_id": "0190f0a2-7b3c-7d4e-8f90-123456789abc"}))]
pub struct CreateAward {
    pub bid_id: Uuid,
}
