//! Bodies of insurance coverage (三(一)).

use chrono::NaiveDate;
use domain::organization::Sector;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schemas::policy::PolicyView;
use crate::schemas::vocabulary::SectorSchema;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// CST date; defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// Whether an enterprise is insured on a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CoverageView {
    pub organization_id: Uuid,
    pub on: NaiveDate,
    #[schema(value_type = Option<SectorSchema>)]
    pub sector: Option<Sector>,
    /// Liability insurance is mandatory for the sector (三(一) high-risk sectors).
    pub mandatory: bool,
    /// At least one policy is in force on `on`.
    pub covered: bool,
    pub policies: Vec<PolicyView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UncoveredQuery {
    /// CST date; defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// Exact region code of the enterprise.
    pub region: Option<String>,
    /// One of the eight high-risk sectors; all of them by default.
    #[param(value_type = Option<SectorSchema>)]
    pub sector: Option<String>,
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// A high-risk enterprise without a policy in force.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UncoveredEnterprise {
    pub id: Uuid,
    pub credit_code: String,
    pub name: String,
    pub region_code: String,
    #[schema(value_type = SectorSchema)]
    pub sector: Option<Sector>,
}
