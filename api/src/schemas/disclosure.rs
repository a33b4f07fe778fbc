//! Disclosures: request and response bodies (豫安委〔2017〕17号 二(三)).

use chrono::NaiveDate;
use domain::organization::ServiceType;
use persistence::disclosures::{DisclosedPerson, Disclosure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::schemas::vocabulary::ServiceTypeSchema;

/// A page of an organisation's disclosures.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisclosureQuery {
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A person who worked on the engagement: the name and, for a registered
/// safety engineer, the registration number. Never an identity number or a
/// phone.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisclosedPersonView {
    #[schema(example = "王五")]
    pub name: String,
    /// The registered safety engineer's registration number; `null` for
    /// other staff.
    pub registration_number: Option<String>,
}

impl From<&DisclosedPerson> for DisclosedPersonView {
    fn from(person: &DisclosedPerson) -> Self {
        DisclosedPersonView { name: person.name.clone(), registration_number: person.registration_number.clone() }
    }
}

/// The enterprise served.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServedEnterprise {
    #[schema(example = "测试企业1")]
    pub name: String,
    #[schema(example = "410100")]
    pub region_code: String,
}

/// One delivered engagement, as published on delivery (二(三)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DisclosureView {
    pub engagement_id: Uuid,
    /// The services of the contract.
    #[schema(value_type = Vec<ServiceTypeSchema>)]
    pub services: Vec<ServiceType>,
    pub enterprise: ServedEnterprise,
    /// By name.
    pub personnel: Vec<DisclosedPersonView>,
    /// The procedure followed, as recorded on delivery.
    pub procedure: Option<String>,
    /// The main content of the work, as recorded on delivery.
    pub main_content: Option<String>,
    pub delivered_on: NaiveDate,
}

impl From<Disclosure> for DisclosureView {
    fn from(d: Disclosure) -> Self {
        DisclosureView {
            engagement_id: d.engagement_id,
            services: d.services,
            enterprise: ServedEnterprise {
                name: d.enterprise_name,
                region_code: d.enterprise_region.as_str().to_owned(),
            },
            personnel: d.personnel.iter().map(DisclosedPersonView::from).collect(),
            procedure: d.procedure,
            main_content: d.main_content,
            delivered_on: d.delivered_on,
        }
    }
}
