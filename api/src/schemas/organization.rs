//! Bodies of the organisation registry and their mapping to the domain.

use chrono::{DateTime, NaiveDate, Utc};
use domain::credit_code::CreditCode;
use domain::organization::{OrganizationKind, OrganizationStatus, Sector, ServiceType};
use domain::phone::PhoneNumber;
use domain::profile::{check_profile, Profile};
use domain::region::{RegionCode, RegionInfo};
use domain::validation::{Collector, FieldError};
use persistence::organizations::{Organization, OrganizationFields, Qualification};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::{collect_validator, parse_date, plain_text};
use crate::schemas::vocabulary::{OrganizationKindSchema, OrganizationStatusSchema, SectorSchema, ServiceTypeSchema};

/// An organisation to register. Every invalid field is reported at once.
#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "credit_code": "91350100M000100Y43",
    "name": "郑州安泰安全评价有限公司",
    "kind": "technical_service_agency",
    "region_code": "410100",
    "address": "郑州市金水区花园路 1 号",
    "legal_representative": "王建国",
    "contact_phone": "13812345678",
    "service_types": ["safety_assessment"],
    "qualification": {"number": "APJ-(豫)-001", "scope": "金属冶炼", "valid_from": "2024-01-01", "valid_until": "2028-12-31"}
}))]
pub struct CreateOrganization {
    /// Unified social credit code (GB 32100-2015), check character verified.
    #[schema(min_length = 18, max_length = 18, example = "91350100M000100Y43")]
    pub credit_code: String,
    #[validate(length(min = 1, max = 200), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(value_type = OrganizationKindSchema)]
    pub kind: String,
    /// GB/T 2260 division code inside Henan, present in `/api/v1/regions`.
    #[schema(min_length = 6, max_length = 6, example = "410100")]
    pub region_code: String,
    #[validate(length(max = 500), custom(function = "plain_text"))]
    #[schema(max_length = 500)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[validate(length(max = 100), custom(function = "plain_text"))]
    #[schema(max_length = 100)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_representative: Option<String>,
    /// Mainland mobile (`13812345678`) or landline (`0371-12345678`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_phone: Option<String>,
    /// Required for enterprises; not allowed for other kinds.
    #[schema(value_type = Option<SectorSchema>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
    #[validate(range(min = 0, max = 10_000_000))]
    #[schema(minimum = 0, maximum = 10_000_000)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_count: Option<i64>,
    /// Services sold (service providers only).
    #[validate(length(max = 20))]
    #[schema(value_type = Option<Vec<ServiceTypeSchema>>, max_items = 20)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_types: Option<Vec<String>>,
    /// Qualification certificate (service providers only).
    #[validate(nested)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qualification: Option<QualificationInput>,
    /// Defaults to `active`.
    #[schema(value_type = Option<OrganizationStatusSchema>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QualificationInput {
    #[validate(length(min = 1, max = 100), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 100)]
    pub number: String,
    #[validate(length(max = 500), custom(function = "plain_text"))]
    #[schema(max_length = 500)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<String>,
    #[schema(value_type = Option<NaiveDate>)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<String>,
}

/// A validated registration, ready to store.
#[derive(Debug, Clone)]
pub struct OrganizationDraft {
    pub credit_code: CreditCode,
    pub kind: OrganizationKind,
    pub fields: OrganizationFields,
    pub region: RegionInfo,
}

impl CreateOrganization {
    /// The region code as given, if it is well-formed (to look it up).
    pub fn region_code(&self) -> Option<RegionCode> {
        RegionCode::parse(&self.region_code).ok()
    }

    /// Checks every field; `region` is the looked-up region of
    /// `region_code` (`None` when the table has no such region).
    pub fn into_draft(self, region: Option<RegionInfo>) -> Result<OrganizationDraft, Vec<FieldError>> {
        let mut v = Collector::new();
        collect_validator(self.validate(), &mut v);
        let credit_code = v.check("credit_code", CreditCode::parse(&self.credit_code));
        let kind = v.check("kind", OrganizationKind::parse(&self.kind));
        if v.check("region_code", RegionCode::parse(&self.region_code)).is_some() && region.is_none() {
            v.push("region_code", "unknown_region", "no such region in the region table");
        }
        let contact_phone = self.contact_phone.as_deref().and_then(|p| v.check("contact_phone", PhoneNumber::parse(p)));
        let sector = self.sector.as_deref().and_then(|s| v.check("sector", Sector::parse(s)));
        let status = match self.status.as_deref() {
            Some(s) => v.check("status", OrganizationStatus::parse(s)),
            None => Some(OrganizationStatus::Active),
        };
        let service_types: Vec<ServiceType> = self
            .service_types
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, s)| v.check(&format!("service_types[{i}]"), ServiceType::parse(s)))
            .collect();
        let qualification = self.qualification.map(|q| Qualification {
            valid_from: q.valid_from.as_deref().and_then(|d| parse_date("qualification.valid_from", d, &mut v)),
            valid_until: q.valid_until.as_deref().and_then(|d| parse_date("qualification.valid_until", d, &mut v)),
            number: q.number,
            scope: q.scope,
        });
        if let Some(kind) = kind {
            check_profile(
                &Profile {
                    kind,
                    sector,
                    service_types: &service_types,
                    has_qualification: qualification.is_some(),
                    qualification_valid_from: qualification.as_ref().and_then(|q| q.valid_from),
                    qualification_valid_until: qualification.as_ref().and_then(|q| q.valid_until),
                },
                &mut v,
            );
        }
        v.finish()?;
        let (Some(credit_code), Some(kind), Some(region), Some(status)) = (credit_code, kind, region, status) else {
            return Err(vec![FieldError {
                field: "body".into(),
                code: "invalid_value",
                message: "incomplete organisation".into(),
            }]);
        };
        Ok(OrganizationDraft {
            credit_code,
            kind,
            fields: OrganizationFields {
                name: self.name,
                region_code: region.code.clone(),
                address: self.address,
                legal_representative: self.legal_representative,
                contact_phone,
                sector,
                // The validator bounded it to 0..=10_000_000.
                employee_count: self.employee_count.and_then(|n| i32::try_from(n).ok()),
                service_types,
                qualification,
                status,
            },
            region,
        })
    }

    /// The stored organisation in request form: the base a merge patch applies to.
    pub fn from_stored(org: &Organization) -> CreateOrganization {
        CreateOrganization {
            credit_code: org.credit_code.as_str().to_owned(),
            name: org.name.clone(),
            kind: org.kind.as_str().to_owned(),
            region_code: org.region_code.as_str().to_owned(),
            address: org.address.clone(),
            legal_representative: org.legal_representative.clone(),
            contact_phone: org.contact_phone.as_ref().map(|p| p.as_str().to_owned()),
            sector: org.sector.map(|s| s.as_str().to_owned()),
            employee_count: org.employee_count.map(i64::from),
            service_types: Some(org.service_types.iter().map(|t| t.as_str().to_owned()).collect()),
            qualification: org.qualification.as_ref().map(|q| QualificationInput {
                number: q.number.clone(),
                scope: q.scope.clone(),
                valid_from: q.valid_from.map(|d| d.to_string()),
                valid_until: q.valid_until.map(|d| d.to_string()),
            }),
            status: Some(org.status.as_str().to_owned()),
        }
    }
}

/// A JSON Merge Patch (RFC 7396) of an organisation: present fields replace,
/// `null` clears. `credit_code` and `kind` cannot change. The merged result is
/// validated exactly like a registration.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"contact_phone": "0371-65432100", "status": "suspended"}))]
pub struct UpdateOrganization {
    #[schema(value_type = Option<String>)]
    pub name: Option<Value>,
    #[schema(value_type = Option<String>)]
    pub region_code: Option<Value>,
    #[schema(value_type = Option<String>, nullable)]
    pub address: Option<Value>,
    #[schema(value_type = Option<String>, nullable)]
    pub legal_representative: Option<Value>,
    #[schema(value_type = Option<String>, nullable)]
    pub contact_phone: Option<Value>,
    #[schema(value_type = Option<SectorSchema>, nullable)]
    pub sector: Option<Value>,
    #[schema(value_type = Option<i64>, nullable)]
    pub employee_count: Option<Value>,
    #[schema(value_type = Option<Vec<ServiceTypeSchema>>, nullable)]
    pub service_types: Option<Value>,
    #[schema(value_type = Option<QualificationInput>, nullable)]
    pub qualification: Option<Value>,
    #[schema(value_type = Option<OrganizationStatusSchema>)]
    pub status: Option<Value>,
}

/// Applies an RFC 7396 merge patch to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QualificationView {
    pub number: String,
    pub scope: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

impl From<&Qualification> for QualificationView {
    fn from(q: &Qualification) -> Self {
        QualificationView {
            number: q.number.clone(),
            scope: q.scope.clone(),
            valid_from: q.valid_from,
            valid_until: q.valid_until,
        }
    }
}

/// An organisation as the registry holds it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationView {
    pub id: Uuid,
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: String,
    pub name: String,
    #[schema(value_type = OrganizationKindSchema)]
    pub kind: OrganizationKind,
    #[schema(example = "410100")]
    pub region_code: String,
    pub address: Option<String>,
    pub legal_representative: Option<String>,
    /// Whole for the organisation itself, admins and regulators of its
    /// jurisdiction; masked (`138****5678`) for everyone else.
    pub contact_phone: Option<String>,
    #[schema(value_type = Option<SectorSchema>)]
    pub sector: Option<Sector>,
    pub employee_count: Option<i32>,
    #[schema(value_type = Vec<ServiceTypeSchema>)]
    pub service_types: Vec<ServiceType>,
    pub qualification: Option<QualificationView>,
    /// The status in effect today (CST), see [`effective_status`]: `revoked`
    /// once revoked, `suspended` while suspended (a service suspension in
    /// force, 八(一) 中止服务), `active` otherwise.
    #[schema(value_type = OrganizationStatusSchema)]
    pub status: OrganizationStatus,
    /// Increases with every change; the `ETag` is `"<version>"`, or
    /// `"<version>-<status>"` while a sanction makes the status in effect
    /// differ from the stored one.
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl OrganizationView {
    /// `full` decides whether personal data (the phone) is shown whole.
    pub fn new(org: &Organization, full: bool) -> OrganizationView {
        OrganizationView {
            id: org.id,
            credit_code: org.credit_code.as_str().to_owned(),
            name: org.name.clone(),
            kind: org.kind,
            region_code: org.region_code.as_str().to_owned(),
            address: org.address.clone(),
            legal_representative: org.legal_representative.clone(),
            contact_phone: org.contact_phone.as_ref().map(|p| if full { p.as_str().to_owned() } else { p.masked() }),
            sector: org.sector,
            employee_count: org.employee_count,
            service_types: org.service_types.clone(),
            qualification: org.qualification.as_ref().map(QualificationView::from),
            status: org.status,
            version: org.version,
            created_at: org.created_at,
            updated_at: org.updated_at,
        }
    }

    /// The view with the status in effect ([`effective_status`]) in place of the stored one.
    pub fn with_status(mut self, status: OrganizationStatus) -> OrganizationView {
        self.status = status;
        self
    }
}

pub use domain::sanctions::effective_status;

/// The raw entity tag of an organisation showing `status`: the version, with
/// the status appended while it differs from the stored one, so that a
/// suspension beginning or ending changes the tag without a write.
pub fn entity_tag(org: &Organization, status: OrganizationStatus) -> String {
    if status == org.status {
        org.version.to_string()
    } else {
        format!("{}-{}", org.version, status.as_str())
    }
}

/// The public card of an organisation: identity, status and qualification
/// validity, nothing personal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicOrganizationCard {
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: String,
    pub name: String,
    #[schema(value_type = OrganizationKindSchema)]
    pub kind: OrganizationKind,
    #[schema(example = "410100")]
    pub region_code: String,
    /// The status in effect today (CST): `revoked`, `suspended` while a
    /// service suspension is in force (八(一)), or `active`.
    #[schema(value_type = OrganizationStatusSchema)]
    pub status: OrganizationStatus,
    pub qualification_number: Option<String>,
    pub qualification_valid_from: Option<NaiveDate>,
    pub qualification_valid_until: Option<NaiveDate>,
}

impl From<&Organization> for PublicOrganizationCard {
    fn from(org: &Organization) -> Self {
        let q = org.qualification.as_ref();
        PublicOrganizationCard {
            credit_code: org.credit_code.as_str().to_owned(),
            name: org.name.clone(),
            kind: org.kind,
            region_code: org.region_code.as_str().to_owned(),
            status: org.status,
            qualification_number: q.map(|q| q.number.clone()),
            qualification_valid_from: q.and_then(|q| q.valid_from),
            qualification_valid_until: q.and_then(|q| q.valid_until),
        }
    }
}

impl PublicOrganizationCard {
    /// The card with the status in effect ([`effective_status`]) in place of the stored one.
    pub fn with_status(mut self, status: OrganizationStatus) -> PublicOrganizationCard {
        self.status = status;
        self
    }
}

/// Filters of the registry list. Order: registration order (ascending id).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrganizationQuery {
    #[param(value_type = Option<OrganizationKindSchema>)]
    pub kind: Option<String>,
    /// Exact region code.
    #[param(example = "410100")]
    pub region: Option<String>,
    #[param(value_type = Option<SectorSchema>)]
    pub sector: Option<String>,
    /// Part of the name.
    #[param(max_length = 100)]
    pub q: Option<String>,
    pub credit_code: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn revocation_outranks_suspension_and_suspension_outranks_active() {
        use OrganizationStatus::{Active, Revoked, Suspended};
        assert_eq!(effective_status(Active, false), Active);
        assert_eq!(effective_status(Active, true), Suspended);
        assert_eq!(effective_status(Suspended, false), Suspended);
        assert_eq!(effective_status(Suspended, true), Suspended);
        assert_eq!(effective_status(Revoked, false), Revoked);
        assert_eq!(effective_status(Revoked, true), Revoked);
    }

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(&mut target, &json!({"a": "z", "c": {"f": null}}));
        assert_eq!(target, json!({"a": "z", "c": {"d": "e"}}));
        merge_patch(&mut target, &json!({"c": null, "n": [1]}));
        assert_eq!(target, json!({"a": "z", "n": [1]}));
    }
}
