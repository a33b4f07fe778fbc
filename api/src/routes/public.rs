//! Unauthenticated reads under `/api/v1/public`: only what the policy makes
//! public, nothing personal.

use actix_web::http::header::{CacheControl, CacheDirective, ETag, EntityTag};
use actix_web::{get, web, HttpRequest, HttpResponse};
use domain::credit_code::CreditCode;
use persistence::organizations;

use crate::error::ApiError;
use crate::problem::{NotFound, ServiceUnavailable, TooManyRequests, Unprocessable};
use crate::routes::organizations::status_today;
use crate::schemas::organization::{entity_tag, PublicOrganizationCard};
use crate::state::AppState;
use crate::{db, etag};

/// Public card of an organisation by credit code.
///
/// Name, kind, region, status and qualification validity; no phone, no
/// representative. `status` is the status in effect today (豫安委〔2017〕17号
/// 八(一)): `suspended` while a service suspension is in force, `revoked`
/// after a revocation; the ETag changes with it. Cacheable for 60 s; honours
/// `If-None-Match`.
#[utoipa::path(
    tag = "public",
    params(("credit_code" = String, Path, description = "Unified social credit code (GB 32100-2015)", example = "91350100M000100Y43", min_length = 18, max_length = 18)),
    responses(
        (status = 200, description = "The public card", body = PublicOrganizationCard,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/organizations/{credit_code}")]
pub async fn public_organization(
    req: HttpRequest,
    state: web::Data<AppState>,
    credit_code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code =
        CreditCode::parse(&credit_code).map_err(|e| ApiError::invalid_field("credit_code", e.code(), e.to_string()))?;
    // A pure read: the replica when one is configured (docs/deploy.md).
    let (org, status) = db::run(&state.read_pool, move |conn| {
        let org = organizations::find_by_credit_code(conn, &code)?.ok_or_else(ApiError::not_found)?;
        let status = status_today(conn, &org)?;
        Ok((org, status))
    })
    .await?;
    let tag = entity_tag(&org, status);
    let not_modified = etag::not_modified(&req, &format!("\"{tag}\""));
    let mut response = if not_modified { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header(ETag(EntityTag::new_strong(tag)))
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(60)]));
    if not_modified {
        return Ok(response.finish());
    }
    Ok(response.json(PublicOrganizationCard::from(&org).with_status(status)))
}
