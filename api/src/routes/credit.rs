//! Credit (豫安委〔2017〕17号 八(三)): regulators record credit events;
//! anyone entitled reads an explained score; portals mirror every score
//! through a change feed; the public reads a card and a signed statement.

use actix_web::http::header::{CacheControl, CacheDirective, ETag, EntityTag};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use domain::credit::{CreditEventType, ScoreScale};
use domain::credit_code::CreditCode;
use domain::organization::Role;
use domain::sanctions::{self as sanction_rules, Sanction, SanctionKind};
use domain::validation::Collector;
use jsonwebtoken::{encode, Algorithm, Header};
use persistence::organizations::Organization;
use persistence::{blacklist, credit as store, organizations, rules, sanctions, DbConnection};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::access::{may_register_in, Sight};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::credit::{current, record_event, EventInput};
use crate::error::ApiError;
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::routes::organizations::visible_organization;
use crate::schemas::credit::{
    CreateCreditEvent, CreditAttestation, CreditClaims, CreditEventReceipt, CreditEventView, CreditReport,
    PublicCredit, PublicSanction, ScoreChange, ScoreView,
};
use crate::schemas::fields::{collect_validator, past_date};
use crate::state::AppState;
use crate::{db, etag};

/// Audience of credit attestations: never accepted as an access token.
pub const CREDIT_ATTESTATION_AUDIENCE: &str = "credit-attestation";
/// How long a credit statement stays valid.
const ATTESTATION_TTL: Duration = Duration::minutes(15);

pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_credit_event)
        .service(credit_report)
        .service(score_feed)
        .service(public_credit)
        .service(credit_attestation);
}

fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateCreditEvent,
) -> Result<Done<CreditEventReceipt>, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let event_type = v.check("event_type", CreditEventType::parse(&body.event_type));
    let occurred_on = past_date("occurred_on", &body.occurred_on, &mut v);
    // An organisation outside the caller's sight is as unknown as a missing one.
    let org = match visible_organization(conn, &actor.caller, body.organization_id) {
        Ok((org, region, Sight::Full)) => Some((org, region)),
        Ok(_) | Err(_) => {
            v.push("organization_id", "unknown_organization", "no such organisation in your jurisdiction");
            None
        }
    };
    if let Some((org, _)) = &org {
        if !org.kind.is_service_provider() {
            v.push(
                "organization_id",
                "not_a_service_provider",
                "credit events concern service providers (agencies, insurers, training institutions, …)",
            );
        }
    }
    v.finish()?;
    let (Some(event_type), Some(occurred_on), Some((org, region))) = (event_type, occurred_on, org) else {
        return Err(ApiError::internal("credit event validated without its parts"));
    };
    may_register_in(&actor.caller, &region)?;
    let input = EventInput { event_type, occurred_on, evidence: &body.evidence, source: None };
    let recorded = record_event(conn, actor, &org, &input)?;
    Ok(Done::created(
        CreditEventReceipt {
            event: CreditEventView::new(&recorded.event, today()),
            score: ScoreView { score: recorded.score.score, grade: recorded.score.grade, as_of: recorded.score.as_of },
            blacklist_listing_id: recorded.listing.map(|l| l.id),
        },
        format!("/api/v1/credit/organizations/{}", org.id),
    ))
}

/// Record a credit event (regulators of the organisation's jurisdiction, admins).
///
/// Points and validity come from the points table in force on
/// `occurred_on`; the stored score is updated at once. The listed dishonest
/// acts (false reports, qualification leasing, illegal affiliation,
/// charging without service, failure to perform contracted service) and a
/// qualification revocation also put the organisation on the blacklist for
/// the term in force (3 years; 应急管理部令第11号). Sanctions and
/// complaints record their events through the same path. An organisation
/// outside the caller's jurisdiction is `unknown_organization`. An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "credit",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateCreditEvent,
    responses(
        (status = 201, description = "Recorded", body = CreditEventReceipt),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/credit/events")]
pub async fn create_credit_event(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateCreditEvent>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/credit/events",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response =
        idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record(conn, &actor, body)).await?;
    state.public_credit.invalidate_all();
    Ok(response)
}

/// Whether the organisation is on the blacklist on `on` (八(三)).
fn listed(conn: &mut DbConnection, organization_id: Uuid, on: NaiveDate) -> Result<bool, ApiError> {
    let listings = blacklist::listings_of(conn, organization_id)?;
    Ok(listings.iter().any(|l| domain::blacklist::listed_on_date(&l.term(), on)))
}

fn report(conn: &mut DbConnection, org: &Organization, on: NaiveDate) -> Result<CreditReport, ApiError> {
    let book = rules::load_rule_book(conn)?;
    let scale = ScoreScale::from_book(&book, on).map_err(ApiError::internal)?;
    let score = current(conn, org.id, on)?;
    let events = store::events_of(conn, org.id)?;
    Ok(CreditReport {
        organization_id: org.id,
        credit_code: org.credit_code.as_str().to_owned(),
        name: org.name.clone(),
        as_of: on,
        score: score.value,
        grade: score.grade,
        base: scale.base,
        events_sum: score.events_sum,
        unclamped: i64::from(scale.base).saturating_add(score.events_sum),
        min: scale.min,
        max: scale.max,
        a_min: scale.a_min,
        b_min: scale.b_min,
        c_min: scale.c_min,
        next_change_on: score.next_change_on,
        rule_versions: scale.versions,
        blacklisted: listed(conn, org.id, on)?,
        events: events.iter().map(|e| CreditEventView::new(e, on)).collect(),
        clause: domain::credit::CLAUSE.to_owned(),
    })
}

/// An organisation's credit, explained.
///
/// Score and grade today (CST), every recorded event with its points,
/// clause, rule version and expiry, and the scale (base, range, grade bands)
/// with its rule versions: `score = clamp(base + Σ points in force)`.
/// Admins, regulators of its jurisdiction, the organisation itself and
/// portals; anyone else gets 404.
#[utoipa::path(
    tag = "credit",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The explained score", body = CreditReport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/credit/organizations/{id}")]
pub async fn credit_report(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CreditReport>, ApiError> {
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| {
        let (org, _, _) = visible_organization(conn, &caller, id)?;
        report(conn, &org, today())
    })
    .await?;
    Ok(web::Json(body))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedQuery {
    /// Start with the scores changed at or after this instant (RFC 3339);
    /// ignored once a cursor is given.
    #[param(value_type = Option<DateTime<Utc>>)]
    pub updated_since: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; keep it to resume later.
    pub cursor: Option<String>,
}

/// The score change feed (portals, admins).
///
/// Every organisation's current score in the order of its last change.
/// Follow `next_cursor` to the end, keep the last cursor, and ask again
/// later: a score that changes again moves to the end of the feed, so each
/// change is delivered exactly once and nothing is skipped, even while
/// changes keep arriving. The last page of a pass still returns a cursor
/// (the position reached) when it has items.
#[utoipa::path(
    tag = "credit",
    params(FeedQuery),
    responses(
        (status = 200, description = "One page", body = Page<ScoreChange>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/credit/scores")]
pub async fn score_feed(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> Result<web::Json<Page<ScoreChange>>, ApiError> {
    caller.require(&[Role::Admin, Role::Portal])?;
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| k.parse::<i64>().ok())?;
    let since = match (&query.updated_since, after) {
        (Some(text), None) => Some(
            DateTime::parse_from_rfc3339(text)
                .map_err(|_| {
                    ApiError::invalid_field("updated_since", "invalid_instant", "expected an RFC 3339 instant")
                })?
                .with_timezone(&Utc),
        ),
        _ => None,
    };
    let page = db::run(&state.pool, move |conn| Ok(store::feed(conn, after, since, limit)?)).await?;
    // The position reached is returned even on the last page, so a mirror
    // resumes after it instead of from the start.
    let last = page.items.last().map(|e| e.score.change_seq);
    let items: Vec<ScoreChange> = page
        .items
        .into_iter()
        .map(|e| ScoreChange {
            organization_id: e.score.organization_id,
            credit_code: e.credit_code,
            score: e.score.score,
            grade: e.score.grade,
            as_of: e.score.as_of,
            sequence: e.score.change_seq,
            updated_at: e.score.updated_at,
        })
        .collect();
    let next_cursor = page
        .next_after
        .map(|key| pagination::encode_cursor(&key))
        .or_else(|| last.map(|seq| pagination::encode_cursor(&seq.to_string())));
    Ok(web::Json(Page { items, next_cursor }))
}

fn public_card(conn: &mut DbConnection, code: &CreditCode, on: NaiveDate) -> Result<PublicCredit, ApiError> {
    let org = organizations::find_by_credit_code(conn, code)?.ok_or_else(ApiError::not_found)?;
    let score = current(conn, org.id, on)?;
    let records = sanctions::of_organization(conn, org.id)?;
    let rules: Vec<Sanction> = records.iter().map(|s| s.decision()).collect();
    let sanctions_in_force = rules
        .iter()
        .filter(|s| sanction_rules::in_force(s, on))
        .map(|s| PublicSanction {
            kind: s.kind,
            decided_on: s.decided_on,
            until: match s.kind {
                SanctionKind::RectificationOrder => s.deadline,
                SanctionKind::ServiceSuspension => s.to,
                _ => None,
            },
        })
        .collect();
    Ok(PublicCredit {
        credit_code: org.credit_code.as_str().to_owned(),
        name: org.name.clone(),
        kind: org.kind,
        region_code: org.region_code.as_str().to_owned(),
        status: sanction_rules::effective_status(org.status, sanction_rules::suspended_on(&rules, on)),
        score: score.value,
        grade: score.grade,
        blacklisted: listed(conn, org.id, on)?,
        sanctions_in_force,
        as_of: on,
    })
}

fn parse_code(text: &str) -> Result<CreditCode, ApiError> {
    CreditCode::parse(text).map_err(|e| ApiError::invalid_field("credit_code", e.code(), e.to_string()))
}

/// The public credit card of an organisation.
///
/// Score, grade, blacklist status and sanctions in force today (CST), by
/// credit code. Cacheable for 60 s (and served from memory up to that age;
/// a change made on the same server shows at once); a strong `ETag` over
/// the content answers `If-None-Match` with 304.
#[utoipa::path(
    tag = "public",
    params(("credit_code" = String, Path, description = "Unified social credit code (GB 32100-2015)", example = "91350100M000100Y43", min_length = 18, max_length = 18)),
    responses(
        (status = 200, description = "The card", body = PublicCredit,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/credit/{credit_code}")]
pub async fn public_credit(
    req: HttpRequest,
    state: web::Data<AppState>,
    credit_code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = parse_code(&credit_code)?;
    let on = today();
    let card = match state.public_credit.get(code.as_str(), on) {
        Some(card) => card,
        None => {
            let key = code.as_str().to_owned();
            let card = db::run(&state.pool, move |conn| public_card(conn, &code, on)).await?;
            let body = serde_json::to_vec(&card).map_err(ApiError::internal)?;
            let tag: String = Sha256::digest(&body).iter().take(16).map(|b| format!("{b:02x}")).collect();
            state.public_credit.put(key, body, tag, on)
        }
    };
    let quoted = format!("\"{}\"", card.etag);
    let fresh = etag::not_modified(&req, &quoted);
    let mut response = if fresh { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header(ETag(EntityTag::new_strong(card.etag.clone())))
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(60)]));
    if fresh {
        return Ok(response.finish());
    }
    Ok(response.content_type("application/json").body(card.body.clone()))
}

/// A signed credit statement.
///
/// A compact JWS (EdDSA, a `kid` of `/api/v1/auth/jwks.json`) stating the
/// organisation's credit code, name, score, grade and blacklist status and
/// the instant — so a bank or purchaser can verify it offline (八(三):
/// credit serves qualification, support and financing decisions). Valid
/// 15 minutes; audience `credit-attestation`.
#[utoipa::path(
    tag = "public",
    params(("credit_code" = String, Path, description = "Unified social credit code (GB 32100-2015)", example = "91350100M000100Y43", min_length = 18, max_length = 18)),
    responses(
        (status = 200, description = "The statement", body = CreditAttestation),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/credit/{credit_code}/attestation")]
pub async fn credit_attestation(
    state: web::Data<AppState>,
    credit_code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = parse_code(&credit_code)?;
    let card = db::run(&state.pool, move |conn| public_card(conn, &code, today())).await?;
    let now = crate::clock::now();
    let expires_at = now + ATTESTATION_TTL;
    let claims = CreditClaims {
        iss: state.settings.jwt_issuer.clone(),
        aud: CREDIT_ATTESTATION_AUDIENCE.to_owned(),
        sub: card.credit_code,
        name: card.name,
        score: card.score,
        grade: card.grade,
        blacklisted: card.blacklisted,
        as_of: card.as_of,
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
    };
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(state.keys.active_kid().to_owned());
    let token = encode(&header, &claims, state.keys.signing_key()).map_err(ApiError::internal)?;
    Ok(HttpResponse::Ok().insert_header(CacheControl(vec![CacheDirective::NoStore])).json(CreditAttestation {
        token,
        kid: state.keys.active_kid().to_owned(),
        expires_at,
    }))
}
