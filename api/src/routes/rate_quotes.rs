//! Floating-rate premium quotes (三(三)).

use actix_web::{post, web};
use domain::blacklist::listed_on_date;
use domain::credit_code::CreditCode;
use domain::insurance::{quote, AccidentRecord};
use domain::money::Fen;
use domain::organization::{OrganizationKind, Role};
use domain::time::cst_date;
use domain::validation::Collector;
use persistence::organizations::{self, Organization};
use persistence::{accidents, blacklist, rate_factors, regions, DbConnection};
use validator::Validate;

use crate::access::{organization_sight, Sight};
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::extractors::Body;
use crate::problem::{
    BadRequest, Forbidden, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::schemas::fields::{collect_validator, parse_date};
use crate::schemas::quote::{QuoteFactor, QuoteRequest, QuoteView};
use crate::state::AppState;

/// The province whose rate table applies (per-province configuration).
const PROVINCE: &str = "410000";

/// The enterprise to price: insurers may price any enterprise, regulators
/// those of their jurisdiction, admins all.
fn enterprise(
    conn: &mut DbConnection,
    caller: &Caller,
    body: &QuoteRequest,
    v: &mut Collector,
) -> Result<Option<Organization>, ApiError> {
    let found = match (&body.enterprise_id, &body.enterprise_credit_code) {
        (Some(id), None) => organizations::find(conn, *id)?,
        (None, Some(code)) => match v.check("enterprise_credit_code", CreditCode::parse(code)) {
            Some(code) => organizations::find_by_credit_code(conn, &code)?,
            None => return Ok(None),
        },
        _ => {
            v.push("enterprise_id", "required", "give exactly one of enterprise_id and enterprise_credit_code");
            return Ok(None);
        }
    };
    let visible = match &found {
        Some(org) if org.kind == OrganizationKind::Enterprise => match caller.role {
            Role::Insurer | Role::Admin => true,
            _ => match regions::find(conn, &org.region_code)? {
                Some(region) => organization_sight(caller, org.id, &region.info()?) == Sight::Full,
                None => false,
            },
        },
        _ => false,
    };
    if !visible {
        let field = if body.enterprise_id.is_some() { "enterprise_id" } else { "enterprise_credit_code" };
        v.push(field, "unknown_organization", "no such enterprise");
        return Ok(None);
    }
    Ok(found)
}

/// Quote a premium under the floating-rate table.
///
/// Base premium × (1 + the sum of the factors that apply): no accident in
/// the last year, or the most severe accident grade within it; and the
/// `blacklisted` factor when the enterprise is on the blacklist on the quote
/// date (八(三): listed, term not over, not removed early). Each factor is
/// itemised with its table version.
#[utoipa::path(
    tag = "insurance",
    request_body = QuoteRequest,
    responses(
        (status = 200, description = "The quote", body = QuoteView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/insurance/rate-quotes")]
pub async fn rate_quote(
    state: web::Data<AppState>,
    caller: Caller,
    body: Body<QuoteRequest>,
) -> Result<web::Json<QuoteView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Insurer])?;
    let body = body.0;
    let view = db::run(&state.pool, move |conn| {
        let mut v = Collector::new();
        collect_validator(body.validate(), &mut v);
        let on = match body.on.as_deref() {
            Some(text) => parse_date("on", text, &mut v),
            None => Some(cst_date(crate::clock::now())),
        };
        let org = enterprise(conn, &caller, &body, &mut v)?;
        v.finish()?;
        let (Some(on), Some(org)) = (on, org) else {
            return Err(ApiError::internal("quote validated without its parts"));
        };
        let table = rate_factors::load(conn, PROVINCE)?;
        let history: Vec<AccidentRecord> = accidents::for_enterprise(conn, org.id)?
            .iter()
            .map(|a| AccidentRecord { occurred_on: a.occurred_on, grade: a.grade })
            .collect();
        // Dishonesty costs the listed party on every quote dated inside its listing (八(三)).
        let blacklisted = blacklist::listings_of(conn, org.id)?.iter().any(|l| listed_on_date(&l.term(), on));
        let quoted = quote(&table, Fen::new(body.base_premium_fen), on, &history, blacklisted)
            .map_err(|e| ApiError::invalid_field("base_premium_fen", e.code(), e.to_string()))?;
        Ok(QuoteView {
            enterprise_id: org.id,
            quoted_on: on,
            base_premium_fen: quoted.base.value(),
            factors: quoted
                .factors
                .iter()
                .map(|f| QuoteFactor {
                    factor: f.factor,
                    adjustment_bp: f.adjustment_bp,
                    version: f.version.clone(),
                    evidence_occurred_on: f.evidence,
                })
                .collect(),
            total_adjustment_bp: quoted.total_adjustment_bp,
            charged_premium_fen: quoted.charged.value(),
            table_version: quoted.table_version,
            missing_factors: quoted.missing_factors,
        })
    })
    .await?;
    Ok(web::Json(view))
}
