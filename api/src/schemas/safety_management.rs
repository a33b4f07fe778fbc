//! Safety-management equivalence: request and response bodies (豫安委〔2017〕17号
//! 九(三); 安全生产法 第二十四条).

use std::borrow::Cow;

use chrono::NaiveDate;
use domain::organization::Sector;
use domain::safety_management::Reason;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schemas::vocabulary::SectorSchema;

/// Why an enterprise is or is not deemed to have part-time safety staff (九(三)).
pub struct EquivalenceReasonSchema;

impl utoipa::PartialSchema for EquivalenceReasonSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("Why an enterprise is or is not deemed to have part-time safety staff (九(三))."))
            .enum_values(Some(Reason::ALL.iter().map(|v| v.as_str())))
            .into()
    }
}

impl ToSchema for EquivalenceReasonSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("EquivalenceReason")
    }
}

/// The date asked about.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SafetyManagementQuery {
    /// The date asked about (CST); defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// The engagement by which the enterprise retains a provider long-term.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RetainingEngagement {
    pub engagement_id: Uuid,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// Whether an enterprise is deemed on a date to have part-time safety
/// management staff because it retains a provider long-term (九(三)).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "organization_id": "0190f0a2-7b3c-7d4e-8f90-123456789abc",
    "on": "2026-06-30",
    "deemed": true,
    "reason": "retains_provider_long_term",
    "explanation": "The enterprise retains a service provider under a long-term engagement covering the date, so it is deemed to have part-time safety management staff.",
    "sector": "other",
    "employee_count": 100,
    "retaining_engagement": {
        "engagement_id": "0190f0a2-7b3c-7d4e-8f90-123456789abd",
        "provider_id": "0190f0a2-7b3c-7d4e-8f90-123456789abe",
        "provider_name": "河南安全技术服务有限公司1",
        "starts_on": "2026-01-01",
        "ends_on": "2026-12-31"
    },
    "rule_versions": ["part_time_safety_max_employees@2017-11-08", "long_term_retention_months@2017-11-08"]
}))]
pub struct SafetyManagementView {
    pub organization_id: Uuid,
    pub on: NaiveDate,
    pub deemed: bool,
    #[schema(value_type = EquivalenceReasonSchema)]
    pub reason: Reason,
    /// One English sentence.
    pub explanation: String,
    #[schema(value_type = Option<SectorSchema>)]
    pub sector: Option<Sector>,
    pub employee_count: Option<i32>,
    /// When deemed: the engagement that counts.
    pub retaining_engagement: Option<RetainingEngagement>,
    /// The rule versions applied: the employee limit and the shortest
    /// long-term engagement.
    pub rule_versions: Vec<String>,
}
