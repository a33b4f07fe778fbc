//! Bodies about the blacklist (豫安委〔2017〕17号 八(三); 应急管理部令第11号): the public list,
//! an organisation's listings, and applications for early removal.

use chrono::{DateTime, Days, NaiveDate, Utc};
use domain::blacklist::{RemovalDecision, RemovalStatus};
use domain::organization::OrganizationKind;
use persistence::blacklist::{Listing, RemovalApplication};
use persistence::organizations::Organization;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::vocabulary_schema;
use crate::schemas::vocabulary::OrganizationKindSchema;

vocabulary_schema!(
    RemovalStatusSchema,
    "RemovalStatus",
    RemovalStatus,
    "Status of an application for early removal from the blacklist (应急管理部令第11号); `revoked` is an approval found fraudulent."
);
vocabulary_schema!(
    RemovalDecisionSchema,
    "RemovalDecision",
    RemovalDecision,
    "A regulator's decision on an application for early removal."
);

/// The last day a listing ending on `ends_on` (the first day off) is in force.
fn last_day(ends_on: NaiveDate) -> NaiveDate {
    ends_on.checked_sub_days(Days::new(1)).unwrap_or(ends_on)
}

/// Filters of the public blacklist. Order: listing id (the order listings
/// were made), stable across pages.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BlacklistQuery {
    /// Only organisations of this kind.
    #[param(value_type = Option<OrganizationKindSchema>)]
    pub kind: Option<String>,
    /// Only organisations registered in this region or, for a city, in one of its counties; the
    /// province is everything.
    #[param(example = "410100")]
    pub region: Option<String>,
    /// 1–500, default 50.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One party on the public blacklist today: who, why, and for how long. Nothing personal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicBlacklistEntry {
    pub organization_name: String,
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: String,
    #[schema(value_type = OrganizationKindSchema)]
    pub kind: OrganizationKind,
    /// Region the organisation is registered in.
    #[schema(example = "410100")]
    pub region_code: String,
    /// The dishonest act (credit event type) or sanction that led to the listing.
    #[schema(example = "false_report")]
    pub trigger: String,
    /// First day on the list.
    pub listed_on: NaiveDate,
    /// First day off the list when the term runs out (3 years after `listed_on`).
    pub ends_on: NaiveDate,
    /// Last day on the list: the day before `ends_on`.
    pub listed_until: NaiveDate,
}

impl PublicBlacklistEntry {
    pub fn new(listing: &Listing, org: &Organization) -> PublicBlacklistEntry {
        PublicBlacklistEntry {
            organization_name: org.name.clone(),
            credit_code: org.credit_code.as_str().to_owned(),
            kind: org.kind,
            region_code: org.region_code.as_str().to_owned(),
            trigger: listing.trigger_type.clone(),
            listed_on: listing.listed_on,
            ends_on: listing.ends_on,
            listed_until: last_day(listing.ends_on),
        }
    }
}

/// Apply for early removal from the blacklist (the listed organisation).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "已完成整改并履行全部服务合同", "applied_on": "2025-01-15"}))]
pub struct CreateRemovalApplication {
    /// Why the listing should end early (rectification done, obligations met).
    #[validate(length(min = 1, max = 2000), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
    /// Application date (CST); defaults to today, not in the future. Accepted from 12 months
    /// after listing.
    #[schema(value_type = Option<NaiveDate>)]
    pub applied_on: Option<String>,
}

/// Decide a pending application for early removal.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"decision": "approved", "decided_on": "2025-02-01"}))]
pub struct CreateRemovalDecision {
    #[schema(value_type = RemovalDecisionSchema)]
    pub decision: String,
    /// Decision date (CST); defaults to today, not in the future nor before the application.
    /// An approval takes the party off the list from this day.
    #[schema(value_type = Option<NaiveDate>)]
    pub decided_on: Option<String>,
}

/// Revoke an approved early removal found to have been obtained by fraud.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"revoked_on": "2025-06-01"}))]
pub struct CreateRemovalRevocation {
    /// Date of the revocation (CST); defaults to today, not in the future nor before the
    /// approval.
    #[schema(value_type = Option<NaiveDate>)]
    pub revoked_on: Option<String>,
}

/// An application for early removal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RemovalApplicationView {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub organization_id: Uuid,
    pub applied_on: NaiveDate,
    /// The applicant's reason; `null` for portals.
    pub reason: Option<String>,
    #[schema(value_type = RemovalStatusSchema)]
    pub status: RemovalStatus,
    /// Client that made the last decision (approval, rejection or revocation).
    pub decided_by: Option<String>,
    /// Date of the last decision.
    pub decided_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl RemovalApplicationView {
    pub fn new(application: &RemovalApplication, organization_id: Uuid, full: bool) -> RemovalApplicationView {
        RemovalApplicationView {
            id: application.id,
            listing_id: application.listing_id,
            organization_id,
            applied_on: application.applied_on,
            reason: full.then(|| application.reason.clone()),
            status: application.status,
            decided_by: application.decided_by.clone(),
            decided_on: application.decided_on,
            created_at: application.created_at,
        }
    }
}

/// One listing with its term, its standing today and its applications for early removal.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingView {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The dishonest act (credit event type) or sanction that led to the listing.
    #[schema(example = "false_report")]
    pub trigger: String,
    /// The credit event that listed the organisation, if any.
    pub credit_event_id: Option<Uuid>,
    /// Client of the deciding regulator.
    pub decided_by: String,
    /// Jurisdiction of the deciding regulator.
    #[schema(example = "410100")]
    pub decided_region: String,
    pub listed_on: NaiveDate,
    /// First day off the list when the term runs out.
    pub ends_on: NaiveDate,
    /// Last day of the term: the day before `ends_on`.
    pub listed_until: NaiveDate,
    /// The rule version that set the term, e.g. `blacklist_term_months@2023-10-01`.
    pub term_rule_version: String,
    /// First day off the list after an approved early removal; `null` while not removed (or
    /// after the removal was revoked for fraud).
    pub removed_on: Option<NaiveDate>,
    /// First day an application for early removal is accepted (12 months after listing);
    /// `null` when no rule was in force on the listing date.
    pub removal_applications_from: Option<NaiveDate>,
    /// Whether the listing is in force today (CST).
    pub in_force: bool,
    pub created_at: DateTime<Utc>,
    /// Oldest first.
    pub removal_applications: Vec<RemovalApplicationView>,
}

impl ListingView {
    pub fn new(
        listing: &Listing,
        removal_applications_from: Option<NaiveDate>,
        in_force: bool,
        removal_applications: Vec<RemovalApplicationView>,
    ) -> ListingView {
        ListingView {
            id: listing.id,
            organization_id: listing.organization_id,
            trigger: listing.trigger_type.clone(),
            credit_event_id: listing.credit_event_id,
            decided_by: listing.decided_by.clone(),
            decided_region: listing.decided_region.as_str().to_owned(),
            listed_on: listing.listed_on,
            ends_on: listing.ends_on,
            listed_until: last_day(listing.ends_on),
            term_rule_version: listing.term_rule_version.clone(),
            removed_on: listing.removed_on,
            removal_applications_from,
            in_force,
            created_at: listing.created_at,
            removal_applications,
        }
    }
}

/// Every listing of an organisation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrganizationBlacklist {
    pub organization_id: Uuid,
    /// Whether any listing is in force today (CST).
    pub listed_today: bool,
    /// Oldest listing first.
    pub items: Vec<ListingView>,
}
