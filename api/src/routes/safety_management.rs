//! Part-time safety manager equivalence (豫安委〔2017〕17号 九(三); 安全生产法 第二十四条).

use actix_web::http::StatusCode;
use actix_web::{get, web};
use domain::organization::OrganizationKind;
use domain::rules::RuleParameter;
use domain::safety_management::assess;
use persistence::disclosures;
use persistence::rules::load_rule_book;
use uuid::Uuid;

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::problem::{BadRequest, NotFound, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::routes::organizations::visible_organization;
use crate::schemas::fields::date_or_today;
use crate::schemas::safety_management::{RetainingEngagement, SafetyManagementQuery, SafetyManagementView};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(safety_management);
}

/// Whether an enterprise is deemed to have part-time safety management staff
/// (豫安委〔2017〕17号 九(三); 安全生产法 第二十四条).
///
/// On `on` (CST, default today): an enterprise retaining a service provider
/// (an agency, or an engineer firm for a registered safety engineer) under
/// an engagement that covers the day and lasts at least
/// `long_term_retention_months` (12) months is deemed to have part-time
/// safety staff — unless its sector must have a safety department or
/// full-time staff (`sector_requires_full_time_staff`: mining, metal
/// smelting, construction, road transport, transportation, dangerous goods,
/// hazardous chemicals, fireworks, civil explosives) or it has more than
/// `part_time_safety_max_employees` (100) employees
/// (`more_than_max_employees`). An unrecorded sector or size is
/// `sector_unknown` / `employee_count_unknown`; otherwise
/// `no_long_term_retention`. Disputed engagements do not count. The answer
/// names the rule versions applied and, when deemed, the engagement.
///
/// The enterprise itself, regulators whose jurisdiction covers it, admins
/// and portals; 404 for anyone else. Another kind of organisation is a 422
/// `not_an_enterprise`; a date before the rules took effect a 422 on `on`.
#[utoipa::path(
    tag = "disclosure",
    params(("id" = Uuid, Path, description = "Enterprise id"), SafetyManagementQuery),
    responses(
        (status = 200, description = "The answer on the date", body = SafetyManagementView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/safety-management")]
pub async fn safety_management(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<SafetyManagementQuery>,
) -> Result<web::Json<SafetyManagementView>, ApiError> {
    let id = id.into_inner();
    let on = date_or_today("on", query.into_inner().on.as_deref())?;
    let view = db::run(&state.pool, move |conn| {
        // Whole or masked alike: nothing here is personal.
        let (org, _, _) = visible_organization(conn, &caller, id)?;
        if org.kind != OrganizationKind::Enterprise {
            return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_an_enterprise")
                .with_detail("该机构不是生产经营单位", "only an enterprise can be deemed to have safety staff"));
        }
        let book = load_rule_book(conn)?;
        let max_employees =
            book.count(RuleParameter::PartTimeSafetyMaxEmployees, on).map_err(|e| ApiError::rule("on", e))?;
        let min_months = book.count(RuleParameter::LongTermRetentionMonths, on).map_err(|e| ApiError::rule("on", e))?;
        let retentions = disclosures::retentions(conn, org.id)?;
        let terms: Vec<_> = retentions.iter().map(|r| (r.starts_on, r.ends_on)).collect();
        // A negative count cannot be stored; were one there, it would not be a size.
        let employees = org.employee_count.and_then(|n| u32::try_from(n).ok());
        let assessment = assess(org.sector, employees, &terms, on, max_employees.value, min_months.value);
        let retaining = assessment.retention.and_then(|i| retentions.get(i)).map(|r| RetainingEngagement {
            engagement_id: r.engagement_id,
            provider_id: r.provider_id,
            provider_name: r.provider_name.clone(),
            starts_on: r.starts_on,
            ends_on: r.ends_on,
        });
        Ok(SafetyManagementView {
            organization_id: org.id,
            on,
            deemed: assessment.deemed,
            reason: assessment.reason,
            explanation: assessment.reason.explanation().to_owned(),
            sector: org.sector,
            employee_count: org.employee_count,
            retaining_engagement: retaining,
            rule_versions: vec![max_employees.version, min_months.version],
        })
    })
    .await?;
    Ok(web::Json(view))
}
