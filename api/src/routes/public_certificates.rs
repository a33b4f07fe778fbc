//! Public certificate checks (五(二); 五(一): certificate information is
//! queryable online): by number and name together, never by listing, and a
//! signed attestation an inspector can verify offline.

use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::Duration;
use domain::certificates::{status, CertificateNumber, WorkCategory};
use domain::time::cst_date;
use domain::validation::Collector;
use jsonwebtoken::{encode, Algorithm, Header};
use persistence::{certificates, people, rules, DbConnection};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;
use crate::problem::{BadRequest, NotFound, ServiceUnavailable, TooManyRequests, Unprocessable};
use crate::schemas::certificate::{Attestation, AttestationClaims, PublicCertificate, PublicCertificateList};
use crate::schemas::fields::query_text;
use crate::state::AppState;
use crate::{db, qr};

/// Audience of attestations: never accepted as an access token.
pub const ATTESTATION_AUDIENCE: &str = "certificate-attestation";
/// How long an attestation stays valid: long enough to scan and check.
const ATTESTATION_TTL: Duration = Duration::minutes(15);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertificateCheck {
    /// Certificate number: `T` + the holder's identity number.
    #[param(example = "T11010519491231002X")]
    pub number: String,
    /// The holder's name, exactly as on the certificate.
    #[param(example = "张伟")]
    pub name: String,
    /// Only this work category.
    #[param(value_type = Option<crate::schemas::vocabulary::WorkCategorySchema>)]
    pub category: Option<String>,
}

/// The certificates under `number` whose holder is `name`, by issue date;
/// 404 when none, whichever of the two did not match.
fn checked(conn: &mut DbConnection, query: CertificateCheck) -> Result<Vec<PublicCertificate>, ApiError> {
    let mut v = Collector::new();
    let number = v.check("number", CertificateNumber::parse(query.number.trim()));
    let name = query_text("name", Some(query.name), 50, &mut v);
    let category = query.category.as_deref().and_then(|c| v.check("category", WorkCategory::parse(c)));
    v.finish()?;
    let (Some(number), Some(name)) = (number, name) else {
        return Err(ApiError::internal("check validated without its parts"));
    };
    let today = cst_date(crate::clock::now());
    let book = rules::load_rule_book(conn)?;
    let mut found = Vec::new();
    for certificate in certificates::with_number(conn, &number)? {
        if category.is_some_and(|c| c != certificate.category) {
            continue;
        }
        let holder = people::find(conn, certificate.person_id)?
            .ok_or_else(|| ApiError::internal("certificate of an unknown person"))?;
        if holder.name != name.trim() {
            continue;
        }
        let facts = certificates::facts(conn, &certificate)?;
        let standing = status(&book, &facts, today).map_err(ApiError::internal)?;
        found.push(PublicCertificate {
            number: certificate.number.masked(),
            holder: domain::person_name::masked(&holder.name),
            category: certificate.category,
            category_name: certificate.category.chinese_name().to_owned(),
            issuing_region: certificate.issuing_region.as_str().to_owned(),
            issued_on: certificate.issued_on,
            valid_until: standing.valid_until,
            status: standing.status,
        });
    }
    if found.is_empty() {
        return Err(ApiError::not_found());
    }
    found.sort_by_key(|c| (c.issued_on, c.category.as_str()));
    Ok(found)
}

fn private_no_store() -> CacheControl {
    CacheControl(vec![CacheDirective::NoStore])
}

/// Check a special-operation certificate.
///
/// Both the number and the holder's name must match; otherwise 404, without
/// saying which. Returns category, validity end and status with the holder
/// masked. No listing; rate-limited per client address.
#[utoipa::path(
    tag = "public",
    params(CertificateCheck),
    responses(
        (status = 200, description = "The matching certificates", body = PublicCertificateList),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/certificates")]
pub async fn check_certificate(
    state: web::Data<AppState>,
    query: web::Query<CertificateCheck>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    // A pure read: the replica when one is configured (docs/deploy.md).
    let items = db::run(&state.read_pool, move |conn| checked(conn, query)).await?;
    Ok(HttpResponse::Ok().insert_header(private_no_store()).json(PublicCertificateList { items }))
}

/// A signed attestation of a certificate check.
///
/// The same check as `/public/certificates`, answered as a compact JWS
/// (EdDSA, `kid` of the key set published at `/api/v1/auth/jwks.json`) that
/// states the masked number and holder and each certificate's category,
/// status and validity end, issued now and valid 15 minutes. With
/// `Accept: image/png` the JWS comes as a QR code.
#[utoipa::path(
    tag = "public",
    params(CertificateCheck),
    responses(
        (status = 200, description = "The attestation (JSON), or its QR code (PNG)",
            content(
                (Attestation = "application/json"),
                (Vec<u8> = "image/png"),
            )),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/certificates/attestation")]
pub async fn attest_certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<CertificateCheck>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let number_masked = CertificateNumber::parse(query.number.trim()).map(|n| n.masked()).unwrap_or_default();
    // A pure read: the replica when one is configured (docs/deploy.md).
    let items = db::run(&state.read_pool, move |conn| checked(conn, query)).await?;
    let now = crate::clock::now();
    let expires_at = now + ATTESTATION_TTL;
    let claims = AttestationClaims {
        iss: state.settings.jwt_issuer.clone(),
        aud: ATTESTATION_AUDIENCE.to_owned(),
        sub: number_masked,
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
        certificates: items,
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(state.keys.active_kid().to_owned());
    let token = encode(&header, &claims, state.keys.signing_key()).map_err(ApiError::internal)?;
    if wants_png(&req) {
        let image = qr::png(token.as_bytes()).map_err(ApiError::internal)?;
        return Ok(HttpResponse::Ok().insert_header(private_no_store()).content_type("image/png").body(image));
    }
    Ok(HttpResponse::Ok().insert_header(private_no_store()).json(Attestation {
        token,
        kid: state.keys.active_kid().to_owned(),
        expires_at,
    }))
}

/// `Accept` names `image/png` (or `image/*`) ahead of (or without) JSON.
fn wants_png(req: &HttpRequest) -> bool {
    let Some(accept) = req.headers().get(header::ACCEPT).and_then(|a| a.to_str().ok()) else { return false };
    let position = |media: &[&str]| accept.split(',').position(|part| media.iter().any(|m| part.trim().starts_with(m)));
    match (position(&["image/png", "image/*"]), position(&["application/json"])) {
        (Some(png), Some(json)) => png < json,
        (Some(_), None) => true,
        _ => false,
    }
}
