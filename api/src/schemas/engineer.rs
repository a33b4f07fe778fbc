//! Bodies about registered safety engineers and staffing (四(一)).

use chrono::{DateTime, NaiveDate, Utc};
use domain::engineers::{EngineerCategory, EngineerLevel};
use domain::organization::{OrganizationKind, Sector};
use persistence::engineers::Engineer;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::person::{PersonInput, PersonView};
use crate::schemas::vocabulary::{EngineerCategorySchema, EngineerLevelSchema, OrganizationKindSchema, SectorSchema};

/// Register a safety engineer with an employer.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "person": {"resident_id": "11010519491231002X", "name": "张伟"},
    "level": "intermediate",
    "category": "chemical",
    "registration_number": "ZJ4100202000123",
    "registered_on": "2022-03-15",
    "employer_id": "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e",
    "continuing_education_hours": 48
}))]
pub struct CreateEngineer {
    #[validate(nested)]
    pub person: PersonInput,
    #[schema(value_type = EngineerLevelSchema)]
    pub level: String,
    #[schema(value_type = EngineerCategorySchema)]
    pub category: String,
    #[validate(length(min = 1, max = 50), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 50)]
    pub registration_number: String,
    /// CST date, not in the future.
    #[schema(value_type = NaiveDate)]
    pub registered_on: String,
    pub employer_id: Uuid,
    #[validate(range(min = 0, max = 100000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub continuing_education_hours: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngineerView {
    pub id: Uuid,
    pub person: PersonView,
    #[schema(value_type = EngineerLevelSchema)]
    pub level: EngineerLevel,
    #[schema(value_type = EngineerCategorySchema)]
    pub category: EngineerCategory,
    pub registration_number: String,
    pub registered_on: NaiveDate,
    /// Last day of the registration (5 years, from the rule in force on the registration date).
    pub valid_until: NaiveDate,
    #[schema(example = "engineer_registration_validity_years@2017-11-08")]
    pub rule_version: String,
    pub employer_id: Uuid,
    pub continuing_education_hours: u32,
    pub created_at: DateTime<Utc>,
}

impl EngineerView {
    pub fn new(engineer: &Engineer, person: PersonView) -> EngineerView {
        EngineerView {
            id: engineer.id,
            person,
            level: engineer.level,
            category: engineer.category,
            registration_number: engineer.registration_number.clone(),
            registered_on: engineer.registered_on,
            valid_until: engineer.valid_until,
            rule_version: engineer.validity_rule_version.clone(),
            employer_id: engineer.employer_id,
            continuing_education_hours: engineer.continuing_education_hours,
            created_at: engineer.created_at,
        }
    }
}

/// Whether an organisation's engineer staffing meets 四(一) on a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffingView {
    pub organization_id: Uuid,
    pub on: NaiveDate,
    /// The rule names the organisation (dangerous goods, mining, metal smelting, technical service agency).
    pub required: bool,
    pub compliant: bool,
    /// Registrations of engineers employed by the organisation in force on the date.
    pub valid_registrations: u32,
    /// Whether the head of the safety management department holds a registration in force;
    /// `null` when no head is recorded. Advisory ("should normally").
    pub head_of_safety_registered: Option<bool>,
    pub reasons: Vec<String>,
    pub clause: String,
}

/// A non-compliant organisation in a regulator's list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoncompliantOrganization {
    pub organization_id: Uuid,
    pub name: String,
    pub credit_code: String,
    #[schema(value_type = OrganizationKindSchema)]
    pub kind: OrganizationKind,
    #[schema(value_type = Option<SectorSchema>)]
    pub sector: Option<Sector>,
    pub region_code: String,
    pub staffing: StaffingView,
}
