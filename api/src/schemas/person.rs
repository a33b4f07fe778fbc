//! Bodies about persons and their employment (四(一): who staffs whom).

use chrono::{DateTime, NaiveDate, Utc};
use persistence::people::{Employment, Person};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;

/// A person named in a write: found by identity number, created when new.
/// The name must match the stored one for a known person.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"resident_id": "11010519491231002X", "name": "张伟", "phone": "13812345678"}))]
pub struct PersonInput {
    /// Resident identity number (GB 11643-1999), check character verified.
    #[schema(min_length = 18, max_length = 18)]
    pub resident_id: String,
    #[validate(length(min = 1, max = 50), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// Mainland mobile number; kept only when the person is new.
    pub phone: Option<String>,
}

/// A person. The identity number and phone are whole only for admins,
/// regulators and the person's current employer; masked for everyone else.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub id: Uuid,
    #[schema(example = "110***********002X")]
    pub resident_id: String,
    pub name: String,
    pub phone: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl PersonView {
    /// `full` decides whether personal data is shown whole.
    pub fn new(person: &Person, full: bool) -> PersonView {
        PersonView {
            id: person.id,
            resident_id: if full { person.resident_id.as_str().to_owned() } else { person.resident_id.masked() },
            name: person.name.clone(),
            phone: person.phone.as_ref().map(|p| if full { p.as_str().to_owned() } else { p.masked() }),
            created_at: person.created_at,
        }
    }
}

/// Employment of a person by the organisation in the path.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "person": {"resident_id": "11010519491231002X", "name": "张伟"},
    "position": "安全管理部部长",
    "safety_head": true,
    "from": "2024-03-01",
    "to": null
}))]
pub struct CreateEmployment {
    #[validate(nested)]
    pub person: PersonInput,
    #[validate(length(min = 1, max = 100), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 100)]
    pub position: String,
    /// Head of the safety management department (安全生产管理机构负责人).
    pub safety_head: bool,
    /// First day (CST), inclusive.
    #[schema(value_type = NaiveDate)]
    pub from: String,
    /// Last day (CST), inclusive; `null` while employed.
    #[schema(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EmploymentView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub position: String,
    pub safety_head: bool,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl From<&Employment> for EmploymentView {
    fn from(e: &Employment) -> Self {
        EmploymentView {
            id: e.id,
            person_id: e.person_id,
            organization_id: e.organization_id,
            position: e.position.clone(),
            safety_head: e.safety_head,
            from: e.from,
            to: e.to,
        }
    }
}

/// One employment with the person employed, as the employer sees its staff.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffMember {
    pub employment: EmploymentView,
    pub person: PersonView,
}

/// A person with every employment on record, oldest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonDetail {
    pub person: PersonView,
    pub employments: Vec<EmploymentView>,
}
