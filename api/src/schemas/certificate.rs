//! Bodies about special-operation certificates (五(二), 总局令第30号).

use chrono::{DateTime, NaiveDate, Utc};
use domain::certificates::{CertificateStatus, ReviewFailure, StatusKind, WorkCategory};
use persistence::certificates::Certificate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::person::{PersonInput, PersonView};
use crate::schemas::vocabulary::{CertificateStatusSchema, ReviewFailureSchema, WorkCategorySchema};

/// Issue a certificate: by a regulator of the issuing region, or by a
/// training institution for a candidate who passed its exam in the category.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "holder": {"resident_id": "11010519491231002X", "name": "张伟"},
    "number": "T11010519491231002X",
    "category": "electrical",
    "issuing_region": "410100",
    "issued_on": "2020-02-29"
}))]
pub struct CreateCertificate {
    #[validate(nested)]
    pub holder: PersonInput,
    /// `T` followed by the holder's identity number.
    #[schema(min_length = 19, max_length = 19)]
    pub number: String,
    #[schema(value_type = WorkCategorySchema)]
    pub category: String,
    /// Region code of the issuing authority (考核发证机关).
    #[schema(example = "410100")]
    pub issuing_region: String,
    /// CST date, not in the future.
    #[schema(value_type = NaiveDate)]
    pub issued_on: String,
}

/// A certificate with its standing today (CST).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateView {
    pub id: Uuid,
    /// Whole for admins, regulators and the holder's current employer.
    #[schema(example = "T110***********002X")]
    pub number: String,
    pub holder: PersonView,
    #[schema(value_type = WorkCategorySchema)]
    pub category: WorkCategory,
    pub issuing_region: String,
    pub issued_on: NaiveDate,
    /// The training institution that recorded it, if not a regulator.
    pub issued_by: Option<Uuid>,
    pub valid_until: NaiveDate,
    #[schema(value_type = CertificateStatusSchema)]
    pub status: StatusKind,
    pub revoked_on: Option<NaiveDate>,
    pub revocation_reason: Option<String>,
    pub obtained_by_fraud: bool,
    /// When revoked for fraud: the first day the holder may be issued a certificate again.
    pub reissue_barred_until: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl CertificateView {
    pub fn new(
        certificate: &Certificate,
        holder: PersonView,
        standing: &CertificateStatus,
        reissue_barred_until: Option<NaiveDate>,
        full: bool,
    ) -> CertificateView {
        CertificateView {
            id: certificate.id,
            number: if full { certificate.number.as_str().to_owned() } else { certificate.number.masked() },
            holder,
            category: certificate.category,
            issuing_region: certificate.issuing_region.as_str().to_owned(),
            issued_on: certificate.issued_on,
            issued_by: certificate.issued_by,
            valid_until: standing.valid_until,
            status: standing.status,
            revoked_on: certificate.revoked_on,
            revocation_reason: certificate.revocation_reason.clone(),
            obtained_by_fraud: certificate.obtained_by_fraud,
            reissue_barred_until,
            created_at: certificate.created_at,
        }
    }
}

/// A period of work in the certificate's category (for the 6-year review interval).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"from": "2010-03-01", "to": null}))]
pub struct CreateWorkPeriod {
    #[schema(value_type = NaiveDate)]
    pub from: String,
    /// `null` while the holder still works in the category.
    #[schema(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
}

/// A violation by the holder (违章行为).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"occurred_on": "2022-05-10", "serious": false, "administrative_penalty": false}))]
pub struct CreateViolation {
    #[schema(value_type = NaiveDate)]
    pub occurred_on: String,
    /// Caused serious consequences (造成严重后果).
    pub serious: bool,
    /// Drew an administrative penalty (给予行政处罚).
    pub administrative_penalty: bool,
}

/// The certificate's work history and violations after a write.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateHistory {
    pub certificate_id: Uuid,
    pub work_periods: Vec<WorkPeriodView>,
    pub violations: Vec<ViolationView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WorkPeriodView {
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ViolationView {
    pub occurred_on: NaiveDate,
    pub serious: bool,
    pub administrative_penalty: bool,
}

/// A review (复审) decided by the issuing authority.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"applied_on": "2023-01-15", "outcome": "failed", "failures": ["failed_health_check"]}))]
pub struct CreateReview {
    /// Application date (CST): within the window before the due date.
    #[schema(value_type = NaiveDate)]
    pub applied_on: String,
    /// `passed` or `failed`.
    #[schema(pattern = "^(passed|failed)$", example = "passed")]
    pub outcome: String,
    /// Grounds of a failed review; empty when passed. Grounds that the recorded
    /// violations give are added.
    #[serde(default)]
    #[validate(length(max = 5))]
    #[schema(value_type = Vec<ReviewFailureSchema>, max_items = 5)]
    pub failures: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReviewView {
    pub id: Uuid,
    pub certificate_id: Uuid,
    pub applied_on: NaiveDate,
    /// The review (or renewal) due date this application serves.
    pub due_on: NaiveDate,
    pub passed: bool,
    #[schema(value_type = Vec<ReviewFailureSchema>)]
    pub failures: Vec<ReviewFailure>,
    /// A second failure for the same due date: under periodic review the
    /// certificate is invalid; a twice-failed renewal is not renewed and the
    /// certificate expires at the end of its validity.
    pub second_failure: bool,
    /// A first failure: one re-review is allowed.
    pub re_review_allowed: bool,
    /// Standing on the application date after this review.
    #[schema(value_type = CertificateStatusSchema)]
    pub status: StatusKind,
}

/// Revoke a certificate (regulator of the issuing region).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "以欺骗手段取得", "obtained_by_fraud": true}))]
pub struct CreateRevocation {
    /// Defaults to today (CST); not in the future.
    #[schema(value_type = Option<NaiveDate>)]
    pub revoked_on: Option<String>,
    #[validate(length(min = 1, max = 500), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
    /// Obtained by fraud or bribery: bars re-issue to the holder for 3 years.
    pub obtained_by_fraud: bool,
}

/// Whether the extended (6-year) review interval applies, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ExtendedIntervalView {
    pub applies: bool,
    #[schema(example = "10 continuous years in the category and no violations")]
    pub reason: String,
}

/// A certificate's standing on a date, with the rule versions that produced it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CertificateStatusView {
    pub certificate_id: Uuid,
    pub on: NaiveDate,
    #[schema(value_type = CertificateStatusSchema)]
    pub status: StatusKind,
    pub valid_until: NaiveDate,
    /// The periodic review due next (or the missed one when overdue); `null`
    /// when none remains (renewal regime) or the certificate no longer counts.
    pub next_review_due: Option<NaiveDate>,
    /// First day of the review (or renewal) application window.
    pub review_window_opens: Option<NaiveDate>,
    pub extended_interval: ExtendedIntervalView,
    /// Rule parameter versions used, e.g. `certificate_review_interval_years@2010-07-01`.
    pub rule_versions: Vec<String>,
    pub reason: String,
    pub clause: String,
}

impl CertificateStatusView {
    pub fn new(certificate_id: Uuid, on: NaiveDate, s: CertificateStatus) -> CertificateStatusView {
        CertificateStatusView {
            certificate_id,
            on,
            status: s.status,
            valid_until: s.valid_until,
            next_review_due: s.next_review_due,
            review_window_opens: s.review_window_opens,
            extended_interval: ExtendedIntervalView {
                applies: s.extended_interval.applies,
                reason: s.extended_interval.reason,
            },
            rule_versions: s.rule_versions,
            reason: s.reason,
            clause: domain::certificates::CLAUSE.to_owned(),
        }
    }
}

/// What the public may know of a certificate: nothing personal beyond a
/// masked holder.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublicCertificate {
    #[schema(example = "T110***********002X")]
    pub number: String,
    #[schema(example = "张*")]
    pub holder: String,
    #[schema(value_type = WorkCategorySchema)]
    pub category: WorkCategory,
    #[schema(example = "电工作业")]
    pub category_name: String,
    pub issuing_region: String,
    pub issued_on: NaiveDate,
    pub valid_until: NaiveDate,
    #[schema(value_type = CertificateStatusSchema)]
    pub status: StatusKind,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicCertificateList {
    /// One per work category held under the number, by category.
    pub items: Vec<PublicCertificate>,
}

/// A signed attestation: a compact JWS (EdDSA) verifiable offline with the
/// keys published at `/api/v1/auth/jwks`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Attestation {
    /// Compact JWS; its payload is an [`AttestationClaims`].
    pub token: String,
    /// The signing key's id (also in the JWS header).
    pub kid: String,
    pub expires_at: DateTime<Utc>,
}

/// The payload of an attestation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AttestationClaims {
    pub iss: String,
    /// `certificate-attestation`.
    pub aud: String,
    /// The masked certificate number.
    pub sub: String,
    pub iat: i64,
    pub exp: i64,
    pub certificates: Vec<PublicCertificate>,
}
