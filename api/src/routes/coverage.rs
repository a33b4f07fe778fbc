//! Insurance coverage (三(一)): one enterprise on a date, and the regulators'
//! list of uncovered high-risk enterprises.

use actix_web::{get, web};
use chrono::NaiveDate;
use domain::insurance::insurance_mandatory;
use domain::organization::{OrganizationKind, Role, Sector};
use domain::region::RegionCode;
use domain::time::cst_date;
use domain::validation::Collector;
use persistence::organizations;
use persistence::policies::{self, PolicyFilter};
use uuid::Uuid;

use crate::access::{organization_list_scope, ListScope, Sight};
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::pagination::{self, Page};
use crate::problem::{BadRequest, Forbidden, NotFound, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::routes::organizations::visible_organization;
use crate::schemas::coverage::{CoverageQuery, CoverageView, UncoveredEnterprise, UncoveredQuery};
use crate::schemas::fields::parse_date;
use crate::schemas::policy::PolicyView;
use crate::state::AppState;

/// The most policies one coverage answer lists.
const MAX_POLICIES_SHOWN: i64 = 100;

fn date_or_today(field: &str, text: Option<&str>, v: &mut Collector) -> Option<NaiveDate> {
    match text {
        Some(text) => parse_date(field, text, v),
        None => Some(cst_date(crate::clock::now())),
    }
}

/// Is an enterprise insured on a date?
///
/// Covered when a policy is in force on `on` (both ends inclusive);
/// `mandatory` when its sector is one of the eight high-risk sectors. The
/// enterprise itself, admins and regulators of its jurisdiction.
#[utoipa::path(
    tag = "insurance",
    params(("id" = Uuid, Path, description = "Organisation id"), CoverageQuery),
    responses(
        (status = 200, description = "Coverage on the date", body = CoverageView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/insurance-coverage")]
pub async fn coverage(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<CoverageQuery>,
) -> Result<web::Json<CoverageView>, ApiError> {
    let id = id.into_inner();
    let mut v = Collector::new();
    let on = date_or_today("on", query.on.as_deref(), &mut v);
    v.finish()?;
    let on = on.ok_or_else(|| ApiError::internal("date parsed without error"))?;
    let view = db::run(&state.pool, move |conn| {
        // Policies are the insurers' and the enterprise's business: full sight only.
        let (org, _, sight) = visible_organization(conn, &caller, id)?;
        if sight != Sight::Full {
            return Err(ApiError::not_found());
        }
        let filter = PolicyFilter { enterprise_id: Some(org.id), in_force_on: Some(on), ..PolicyFilter::default() };
        let in_force = if org.kind == OrganizationKind::Enterprise {
            policies::list(conn, &filter, None, MAX_POLICIES_SHOWN)?.items
        } else {
            Vec::new()
        };
        Ok(CoverageView {
            organization_id: org.id,
            on,
            sector: org.sector,
            mandatory: org.sector.is_some_and(insurance_mandatory),
            covered: !in_force.is_empty(),
            policies: in_force.iter().map(PolicyView::from).collect(),
        })
    })
    .await?;
    Ok(web::Json(view))
}

/// High-risk enterprises without a policy in force (admins, regulators).
///
/// Enterprises of the eight high-risk sectors of 三(一) (or the one asked
/// for), not revoked, with no policy in force on `on`, within the caller's
/// jurisdiction. Ordered by registration (ascending id).
#[utoipa::path(
    tag = "insurance",
    params(UncoveredQuery),
    responses(
        (status = 200, description = "One page", body = Page<UncoveredEnterprise>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/insurance/uncovered")]
pub async fn uncovered(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UncoveredQuery>,
) -> Result<web::Json<Page<UncoveredEnterprise>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let mut v = Collector::new();
    let on = date_or_today("on", query.on.as_deref(), &mut v);
    let region = query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r)));
    let sectors: Vec<Sector> = match query.sector.as_deref() {
        None => Sector::ALL.iter().copied().filter(|s| insurance_mandatory(*s)).collect(),
        Some(text) => match v.check("sector", Sector::parse(text)) {
            Some(sector) if insurance_mandatory(sector) => vec![sector],
            Some(_) => {
                v.push("sector", "not_high_risk", "insurance is mandatory only in the eight high-risk sectors");
                Vec::new()
            }
            None => Vec::new(),
        },
    };
    v.finish()?;
    let on = on.ok_or_else(|| ApiError::internal("date parsed without error"))?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let jurisdiction = match organization_list_scope(&caller) {
        ListScope::Jurisdiction(j) => Some(j),
        _ => None,
    };
    let page = db::run(&state.pool, move |conn| {
        Ok(organizations::uncovered(conn, on, &sectors, region.as_ref(), jurisdiction.as_ref(), after, limit)?)
    })
    .await?;
    Ok(web::Json(Page::from_store(page, |o| UncoveredEnterprise {
        id: o.id,
        credit_code: o.credit_code.as_str().to_owned(),
        name: o.name,
        region_code: o.region_code.as_str().to_owned(),
        sector: o.sector,
    })))
}
