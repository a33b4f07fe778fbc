//! Public disclosures and published annual reports (豫安委〔2017〕17号 二(三), 七).
//!
//! Both are public: anyone may read what a provider did, for whom, with whom
//! and how — but no identity number or phone of anyone who did it.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{get, web, HttpResponse};
use domain::annual_report::check_year;
use domain::credit_code::CreditCode;
use persistence::disclosures::{self, DisclosureKey};
use persistence::organizations::{self, Organization};
use persistence::{annual_reports, DbConnection};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::pagination::{self, Page};
use crate::problem::{BadRequest, NotFound, ServiceUnavailable, TooManyRequests, Unprocessable};
use crate::schemas::annual_report::PublishedAnnualReport;
use crate::schemas::disclosure::{DisclosureQuery, DisclosureView};
use crate::state::AppState;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(public_disclosures).service(public_annual_report);
}

/// The credit code of the path, or a 422 naming `credit_code`.
fn parse_credit_code(text: &str) -> Result<CreditCode, ApiError> {
    CreditCode::parse(text).map_err(|e| ApiError::invalid_field("credit_code", e.code(), e.to_string()))
}

/// The service provider with this credit code; 404 for an unknown code and
/// for an enterprise, which has nothing to disclose.
fn provider_by_code(conn: &mut DbConnection, code: &CreditCode) -> Result<Organization, ApiError> {
    organizations::find_by_credit_code(conn, code)?
        .filter(|org| org.kind.is_service_provider())
        .ok_or_else(ApiError::not_found)
}

/// A provider's disclosures (豫安委〔2017〕17号 二(三), 七(三)).
///
/// Public. Each delivered engagement, published on delivery: the services,
/// the enterprise served (name and region), the personnel (names and
/// registered safety engineers' registration numbers — never identity
/// numbers or phones), the procedure followed, the main content and the
/// delivery date. Engagements not yet delivered are not shown. Newest
/// delivery first (then by descending engagement id), cursor-paginated. An
/// invalid credit code is a 422 naming `credit_code`; an unknown one, or an
/// enterprise's, a 404.
#[utoipa::path(
    tag = "disclosure",
    params(
        ("credit_code" = String, Path, description = "Unified social credit code (GB 32100-2015)", example = "91350100M000100Y43", min_length = 18, max_length = 18),
        DisclosureQuery,
    ),
    responses(
        (status = 200, description = "One page", body = Page<DisclosureView>),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/organizations/{credit_code}/disclosures")]
pub async fn public_disclosures(
    state: web::Data<AppState>,
    credit_code: web::Path<String>,
    query: web::Query<DisclosureQuery>,
) -> Result<web::Json<Page<DisclosureView>>, ApiError> {
    let code = parse_credit_code(&credit_code)?;
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), DisclosureKey::decode)?;
    let page = db::run(&state.read_pool, move |conn| {
        let provider = provider_by_code(conn, &code)?;
        Ok(disclosures::delivered_page(conn, provider.id, after, limit)?)
    })
    .await?;
    Ok(web::Json(Page::from_store(page, DisclosureView::from)))
}

/// A provider's published annual report (豫安委〔2017〕17号 二(三), 七).
///
/// Public. The report as frozen at publication — figures of the engagements
/// signed in the year, evaluations and sanctions, and the provider's
/// narrative — never changed afterwards; 404 until published, for an
/// unknown credit code and for an enterprise's. A year before 2017 or after
/// the current year, or an invalid credit code, is a 422. Cacheable for an
/// hour: a published report does not change.
#[utoipa::path(
    tag = "disclosure",
    params(
        ("credit_code" = String, Path, description = "Unified social credit code (GB 32100-2015)", example = "91350100M000100Y43", min_length = 18, max_length = 18),
        ("year" = i32, Path, description = "Calendar year (CST), 2017 to the current year", example = 2025),
    ),
    responses(
        (status = 200, description = "The published report", body = PublishedAnnualReport,
            headers(("Cache-Control" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/organizations/{credit_code}/annual-reports/{year}")]
pub async fn public_annual_report(
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (credit_code, year) = path.into_inner();
    let code = parse_credit_code(&credit_code)?;
    check_year(year, today()).map_err(|e| ApiError::invalid_field("year", e.code(), e.to_string()))?;
    let report = db::run(&state.read_pool, move |conn| {
        let provider = provider_by_code(conn, &code)?;
        annual_reports::find_published(conn, provider.id, year)?.ok_or_else(ApiError::not_found)
    })
    .await?;
    let body: PublishedAnnualReport = serde_json::from_str(&report.body).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(3600)]))
        .json(body))
}
