//! Engagements: request and response bodies.

use chrono::{DateTime, NaiveDate, Utc};
use domain::engagements::{EngagementStatus, ReportType};
use persistence::engagements::{CrossRegionNotice, Engagement, ServiceLine};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::person::PersonInput;
use crate::schemas::vocabulary::vocabulary_schema;
use crate::schemas::vocabulary::ServiceTypeSchema;

vocabulary_schema!(ReportTypeSchema, "ReportType", ReportType, "A kind of report a provider issues (二(二)).");
vocabulary_schema!(
    EngagementStatusSchema,
    "EngagementStatus",
    EngagementStatus,
    "signed → in_progress → delivered → accepted | disputed."
);

/// One contracted service and its fee.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceLineInput {
    #[schema(value_type = ServiceTypeSchema)]
    pub service_type: String,
    /// Fee of this service in fen; not negative.
    #[schema(minimum = 0)]
    pub fee_fen: i64,
}

/// A service contract between an enterprise and a provider (豫安委〔2017〕17号 二).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "enterprise_id": "0190f0a2-7b3c-7d4e-8f90-123456789abc",
    "provider_id": "0190f0a2-7b3c-7d4e-8f90-123456789abd",
    "demand_id": null,
    "services": [{"service_type": "consulting", "fee_fen": 100000}],
    "reports": [["occupational_disease_pre_assessment", "safety_pre_assessment"]],
    "signed_on": "2026-11-02",
    "starts_on": "2026-11-02",
    "ends_on": "2027-11-01",
    "delivery_deadline": "2026-12-31",
    "planned_on_site_dates": ["2026-11-20"],
    "personnel": [{"resident_id": "11010519491231002X", "name": "张伟"}]
}))]
pub struct CreateEngagement {
    /// The enterprise served (an organisation of kind `enterprise`).
    pub enterprise_id: Uuid,
    /// The provider serving (any kind but `enterprise` and `insurer`).
    pub provider_id: Uuid,
    /// The demand this contract answers, awarded to this provider (九(三)).
    #[serde(default)]
    pub demand_id: Option<Uuid>,
    /// At least one, each service type once; the contract fee is the sum of the fees.
    #[schema(min_items = 1, max_items = 20)]
    pub services: Vec<ServiceLineInput>,
    /// Report documents: each one type, or one of the three pairs of 二(二) in either order.
    #[serde(default)]
    #[schema(value_type = Vec<Vec<ReportTypeSchema>>, max_items = 20)]
    pub reports: Vec<Vec<String>>,
    /// The signing date (CST); not in the future.
    #[schema(value_type = NaiveDate)]
    pub signed_on: String,
    #[schema(value_type = NaiveDate)]
    pub starts_on: String,
    /// Not before `starts_on`.
    #[schema(value_type = NaiveDate)]
    pub ends_on: String,
    /// Not before `signed_on`.
    #[schema(value_type = NaiveDate)]
    pub delivery_deadline: String,
    /// Days the provider plans to be on site.
    #[serde(default)]
    #[schema(value_type = Vec<NaiveDate>, max_items = 100)]
    pub planned_on_site_dates: Vec<String>,
    /// Assigned personnel, each employed by the provider on `signed_on`.
    #[serde(default)]
    #[validate(nested)]
    #[schema(max_items = 50)]
    pub personnel: Vec<PersonInput>,
}

/// One contracted service.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceLineView {
    #[schema(value_type = ServiceTypeSchema)]
    pub service_type: String,
    pub fee_fen: i64,
}

impl From<&ServiceLine> for ServiceLineView {
    fn from(line: &ServiceLine) -> Self {
        ServiceLineView { service_type: line.service_type.as_str().to_owned(), fee_fen: line.fee_fen }
    }
}

/// A person assigned to an engagement: name and engineer registration, never the identity number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonnelView {
    pub person_id: Uuid,
    pub name: String,
    /// The engineer registration in force on the signing date, if any.
    pub engineer_id: Option<Uuid>,
    pub registration_number: Option<String>,
}

/// The notice to the enterprise's regulator of a provider from another city (二(一)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NoticeView {
    pub id: Uuid,
    pub engagement_id: Uuid,
    /// The enterprise's prefecture city (or province-managed county) whose regulator is notified.
    #[schema(value_type = String, example = "410200")]
    pub regulator_region: String,
    /// The provider's home city (or province-managed county).
    #[schema(value_type = String, example = "410100")]
    pub provider_region: String,
    pub notified_on: NaiveDate,
    /// The first day on-site service may take place: the notice lead time in working days later.
    pub earliest_on_site: NaiveDate,
    /// Planned on-site dates before `earliest_on_site`.
    pub late_dates: Vec<NaiveDate>,
    /// Whether any planned date is late.
    pub flagged: bool,
    /// False when the holiday calendar does not cover every year counted: weekends only were
    /// skipped for those years, so `earliest_on_site` is an estimate.
    pub calendar_covered: bool,
    pub created_at: DateTime<Utc>,
}

impl NoticeView {
    pub fn new(notice: &CrossRegionNotice, calendar_covered: bool) -> Self {
        NoticeView {
            id: notice.id,
            engagement_id: notice.engagement_id,
            regulator_region: notice.regulator_region.as_str().to_owned(),
            provider_region: notice.provider_region.as_str().to_owned(),
            notified_on: notice.notified_on,
            earliest_on_site: notice.earliest_on_site,
            late_dates: notice.late_dates.clone(),
            flagged: notice.flagged,
            calendar_covered,
            created_at: notice.created_at,
        }
    }
}

/// An engagement (豫安委〔2017〕17号 二, 八(三)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EngagementView {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub provider_id: Uuid,
    pub demand_id: Option<Uuid>,
    pub services: Vec<ServiceLineView>,
    #[schema(value_type = Vec<Vec<ReportTypeSchema>>)]
    pub reports: Vec<Vec<String>>,
    /// Sum of the service fees; nothing may be charged beyond it (二(三)).
    pub contract_fee_fen: i64,
    pub paid_fen: i64,
    #[schema(value_type = EngagementStatusSchema)]
    pub status: String,
    pub signed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub delivery_deadline: NaiveDate,
    pub planned_on_site_dates: Vec<NaiveDate>,
    pub personnel: Vec<PersonnelView>,
    pub delivered_on: Option<NaiveDate>,
    /// The procedure followed, published on delivery (二(三)).
    pub procedure: Option<String>,
    /// The main content of the service, published on delivery (二(三)).
    pub main_content: Option<String>,
    /// The day the enterprise accepted or disputed the delivery.
    pub closed_on: Option<NaiveDate>,
    pub dispute_reason: Option<String>,
    /// The notice of 二(一) when the provider comes from another city; `null` otherwise.
    pub cross_region_notice: Option<NoticeView>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl EngagementView {
    pub fn new(
        e: &Engagement,
        services: &[ServiceLine],
        personnel: Vec<PersonnelView>,
        notice: Option<NoticeView>,
    ) -> Self {
        EngagementView {
            id: e.id,
            enterprise_id: e.enterprise_id,
            provider_id: e.provider_id,
            demand_id: e.demand_id,
            services: services.iter().map(ServiceLineView::from).collect(),
            reports: e.reports.iter().map(|r| r.iter().map(|t| t.as_str().to_owned()).collect()).collect(),
            contract_fee_fen: e.contract_fee_fen,
            paid_fen: e.paid_fen,
            status: e.status.as_str().to_owned(),
            signed_on: e.signed_on,
            starts_on: e.starts_on,
            ends_on: e.ends_on,
            delivery_deadline: e.delivery_deadline,
            planned_on_site_dates: e.planned_on_site.clone(),
            personnel,
            delivered_on: e.delivered_on,
            procedure: e.procedure_text.clone(),
            main_content: e.main_content.clone(),
            closed_on: e.closed_on,
            dispute_reason: e.dispute_reason.clone(),
            cross_region_notice: notice,
            version: e.version,
            created_at: e.created_at,
            updated_at: e.updated_at,
        }
    }
}

/// The provider starts serving.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"started_on": "2026-11-03"}))]
pub struct StartEngagement {
    /// Not before `signed_on`, not in the future.
    #[schema(value_type = NaiveDate)]
    pub started_on: String,
}

/// The provider delivers; procedure and main content are the public disclosure (二(三)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"delivered_on": "2026-11-20", "procedure": "现场勘查、资料审查、编制报告", "main_content": "安全现状评价报告一份"}))]
pub struct DeliverEngagement {
    /// Not before `signed_on`, not in the future.
    #[schema(value_type = NaiveDate)]
    pub delivered_on: String,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub procedure: String,
    #[validate(length(min = 1, max = 4000))]
    #[schema(min_length = 1, max_length = 4000)]
    pub main_content: String,
}

/// The enterprise accepts the delivery.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"accepted_on": "2026-11-25"}))]
pub struct AcceptEngagement {
    /// Not before delivery, not in the future.
    #[schema(value_type = NaiveDate)]
    pub accepted_on: String,
}

/// The enterprise disputes the delivery.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"disputed_on": "2026-11-25", "reason": "报告未覆盖合同约定的车间"}))]
pub struct DisputeEngagement {
    /// Not before delivery, not in the future.
    #[schema(value_type = NaiveDate)]
    pub disputed_on: String,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// A payment under the contract (二(三)).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"amount_fen": 50000, "paid_on": "2026-11-05"}))]
pub struct CreatePayment {
    /// Positive; the total paid may not exceed the contract fee.
    #[schema(minimum = 1)]
    pub amount_fen: i64,
    /// Not before `signed_on`, not in the future.
    #[schema(value_type = NaiveDate)]
    pub paid_on: String,
}

/// A recorded payment and the engagement's totals after it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    /// Total paid after this payment.
    pub paid_fen: i64,
    pub contract_fee_fen: i64,
    pub created_at: DateTime<Utc>,
}

/// The enterprise's evaluation after acceptance.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"rating": 5, "comment": "服务规范，报告质量高", "evaluated_on": "2026-11-26"}))]
pub struct CreateEvaluation {
    /// 1 to 5: 4–5 positive, 3 neutral, 1–2 negative credit event.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i64,
    #[validate(length(min = 1, max = 2000))]
    #[schema(min_length = 1, max_length = 2000)]
    pub comment: String,
    /// Not before acceptance, not in the future.
    #[schema(value_type = NaiveDate)]
    pub evaluated_on: String,
}

/// A recorded evaluation and the credit event it made.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationView {
    pub engagement_id: Uuid,
    pub rating: i32,
    pub comment: String,
    pub evaluated_on: NaiveDate,
    pub credit_event_id: Option<Uuid>,
    pub event_type: String,
    pub points: i32,
}

/// An engagement paid and not delivered by its deadline (八(三) 只收费不服务).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChargingFlagView {
    pub engagement_id: Uuid,
    pub enterprise_id: Uuid,
    pub provider_id: Uuid,
    pub contract_fee_fen: i64,
    pub paid_fen: i64,
    pub delivery_deadline: NaiveDate,
    pub delivered_on: Option<NaiveDate>,
    #[schema(value_type = EngagementStatusSchema)]
    pub status: String,
}

impl From<&Engagement> for ChargingFlagView {
    fn from(e: &Engagement) -> Self {
        ChargingFlagView {
            engagement_id: e.id,
            enterprise_id: e.enterprise_id,
            provider_id: e.provider_id,
            contract_fee_fen: e.contract_fee_fen,
            paid_fen: e.paid_fen,
            delivery_deadline: e.delivery_deadline,
            delivered_on: e.delivered_on,
            status: e.status.as_str().to_owned(),
        }
    }
}

/// A regulator's confirmation of charging without service.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decided_on": "2026-11-10", "note": "已收取全部费用，逾期未出具报告"}))]
pub struct ConfirmCharging {
    /// The engagement must be flagged on this day; not in the future.
    #[schema(value_type = NaiveDate)]
    pub decided_on: String,
    #[validate(length(min = 1, max = 2000), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub note: String,
}

/// The credit event and blacklist listing of a confirmation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChargingConfirmed {
    pub engagement_id: Uuid,
    pub provider_id: Uuid,
    pub credit_event_id: Uuid,
    pub event_type: String,
    pub points: i32,
    /// The blacklist listing (八(三)); `null` only when no blacklist term was in force.
    pub blacklist_listing_id: Option<Uuid>,
}

/// The engagement list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EngagementQuery {
    /// Only engagements in this status.
    #[param(value_type = Option<EngagementStatusSchema>)]
    pub status: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The charging-without-service list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChargingQuery {
    /// The date asked about (CST); defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The cross-region notice list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// `true` for only the notices with a late planned date.
    pub flagged: Option<bool>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}
