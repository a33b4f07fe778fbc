//! Complaints and reports (豫安委〔2017〕17号 八(二) 举报投诉): anyone files one through the
//! public channel and follows it with a tracking code; admins and the regulators of the subject's
//! jurisdiction triage it; a substantiated complaint becomes a credit event (八(三)).

use actix_web::error::{JsonPayloadError, PayloadError};
use actix_web::http::header::{CacheControl, CacheDirective, LOCATION};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::complaints::{may_move, parse_tracking_code, tracking_code, ComplaintCategory, ComplaintStatus};
use domain::credit::CreditEventType;
use domain::credit_code::CreditCode;
use domain::organization::Role;
use domain::region::{jurisdiction_covers, RegionCode};
use domain::validation::Collector;
use persistence::audit::{self, NewAuditEntry};
use persistence::complaints::{self, Complaint, ComplaintFilter, NewComplaint, Transition};
use persistence::organizations::{self, Organization};
use persistence::{DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::credit::{record_event, EventInput};
use crate::db;
use crate::error::ApiError;
use crate::extractors::{typed_body, StrictJson};
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::routes::organizations::organization_region;
use crate::schemas::complaint::{
    ComplaintCreditOutcome, ComplaintQuery, ComplaintReceipt, ComplaintTracking, ComplaintView, CreateComplaint,
    TriageComplaint, TriageResult, TRIAGE_STATUSES,
};
use crate::schemas::fields::collect_validator;
use crate::state::AppState;

/// Largest complaint body. A complaint is at most a 2000-character description and a
/// 100-character contact (≤ 6.3 KB of UTF-8, more when escaped): 16 KiB leaves room for that
/// and no more, where the platform-wide 8 MiB is sized for premium batches. The channel is
/// anonymous, so it must not be a cheap way to make the server buffer megabytes.
pub const COMPLAINT_BODY_LIMIT: usize = 16 * 1024;

/// How anonymous filings are named in the audit trail. `Actor` stands for an authenticated
/// caller with a `Role`, and no role fits nobody; the complainant's address is personal data
/// and is not recorded either.
const ANONYMOUS: &str = "anonymous";

/// Drawing a tracking code that is already taken is a 1-in-2^79 event per stored complaint;
/// a few draws make a second clash practically impossible, and a bound keeps a broken random
/// source from looping forever.
const TRACKING_CODE_DRAWS: usize = 5;

/// The answer to a body the JSON reader refused, as `extractors::json_config` answers for
/// every other route.
fn body_error(error: JsonPayloadError) -> ApiError {
    match error {
        JsonPayloadError::OverflowKnownLength { .. }
        | JsonPayloadError::Overflow { .. }
        | JsonPayloadError::Payload(PayloadError::Overflow) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
                .with_detail("投诉请求体不得超过 16 KiB", "A complaint body may not exceed 16 KiB")
        }
        JsonPayloadError::ContentType => ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        // The only data error a `StrictJson` reports is a repeated member name.
        JsonPayloadError::Deserialize(e) if e.is_data() => {
            ApiError::invalid_field("body", "invalid_value", e.to_string())
        }
        _ => ApiError::bad_request("malformed_json"),
    }
}

/// Reads the filing body under [`COMPLAINT_BODY_LIMIT`] instead of the app-wide JSON limit.
///
/// The handler takes the raw payload and hands it to actix-web's own `JsonBody` reader with the
/// smaller limit, the reader that `web::Json` uses, so both ways of sending a body are bounded:
/// a declared `Content-Length` above the limit is refused before a byte is read, and a chunked
/// body (no length) is counted as it streams and refused at the first chunk that passes the
/// limit. It also counts decoded bytes when a content encoding is in use, so a compressed body
/// cannot expand past the limit either. The content type was already checked by
/// `extractors::require_json` (415), like every other write.
async fn complaint_body(req: &HttpRequest, payload: web::Payload) -> Result<serde_json::Value, ApiError> {
    let mut payload = payload.into_inner();
    actix_web::dev::JsonBody::<StrictJson>::new(req, &mut payload, None, false)
        .limit(COMPLAINT_BODY_LIMIT)
        .await
        .map(|body| body.0)
        .map_err(body_error)
}

/// Appends the audit record of an anonymous write, in its transaction (the fields
/// `Actor::record` writes, with `anonymous` as actor and role).
fn record_anonymous(
    conn: &mut DbConnection,
    request_id: &RequestId,
    action: &str,
    complaint: &Complaint,
    region: &RegionCode,
) -> Result<(), ApiError> {
    audit::append(
        conn,
        &NewAuditEntry {
            at: crate::clock::now().naive_utc(),
            actor: ANONYMOUS.to_owned(),
            role: ANONYMOUS.to_owned(),
            actor_region: None,
            action: action.to_owned(),
            resource_type: "complaint".to_owned(),
            resource_id: complaint.id.to_string(),
            resource_region: Some(region.as_str().to_owned()),
            request_id: request_id.0.clone(),
        },
    )?;
    Ok(())
}

fn file(conn: &mut DbConnection, request_id: &RequestId, body: CreateComplaint) -> Result<Complaint, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let category = v.check("category", ComplaintCategory::parse(&body.category));
    let code = v.check("organization_credit_code", CreditCode::parse(&body.organization_credit_code));
    // The registry is public (the organisation card), so saying the code is unknown reveals nothing.
    let subject = match &code {
        Some(code) => organizations::find_by_credit_code(conn, code)?,
        None => None,
    };
    if code.is_some() && subject.is_none() {
        v.push(
            "organization_credit_code",
            "unknown_organization",
            "no organisation with this credit code is registered",
        );
    }
    v.finish()?;
    let (Some(category), Some(subject)) = (category, subject) else {
        return Err(ApiError::internal("complaint validated without its parts"));
    };
    let now = crate::clock::now();
    let mut draws = 0;
    let complaint = loop {
        draws += 1;
        let new = NewComplaint {
            tracking_code: tracking_code(rand::random::<[u8; 10]>()),
            organization_id: subject.id,
            category,
            description: body.description.clone(),
            contact: body.contact.clone(),
        };
        match complaints::insert(conn, &new, now) {
            Ok(complaint) => break complaint,
            Err(StoreError::Duplicate(_)) if draws < TRACKING_CODE_DRAWS => continue,
            Err(other) => return Err(other.into()),
        }
    };
    record_anonymous(conn, request_id, "complaint.file", &complaint, &subject.region_code)?;
    Ok(complaint)
}

/// File a complaint or report about an organisation (豫安委〔2017〕17号 八(二) 举报投诉).
///
/// Anyone may file, without credentials: an `Authorization` header is ignored, and nothing
/// about the caller is stored but what the body says. The subject is named by its unified
/// social credit code and must be registered (422 `unknown_organization` on
/// `organization_credit_code`; the registry is public, so this reveals nothing). `contact` is
/// optional; only admins and the regulators of the subject's jurisdiction ever see it.
///
/// The answer carries the tracking code, the complainant's only key to the complaint: keep it
/// to follow the status at `GET /api/v1/public/complaints/{tracking_code}`. There is no
/// `Idempotency-Key`: anonymous callers have no key space of their own, and a shared one would
/// hand one caller another's tracking code.
///
/// The body is limited to 16 KiB (413 `payload_too_large` beyond, whether the length is
/// declared or the body is chunked). Requests are rate-limited per client address together
/// with every `/api/v1/public/` read (429 with `Retry-After`).
#[utoipa::path(
    tag = "public",
    request_body = CreateComplaint,
    responses(
        (status = 201, description = "Received; keep the tracking code", body = ComplaintReceipt,
            headers(("Location" = String, description = "Where the status can be followed"))),
        (status = 400, response = BadRequest),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[post("/public/complaints")]
pub async fn file_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = complaint_body(&req, payload).await?;
    let body: CreateComplaint = typed_body(&body)?;
    let complaint = db::transaction(&state.pool, move |conn| file(conn, &request_id, body)).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, format!("/api/v1/public/complaints/{}", complaint.tracking_code)))
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(ComplaintReceipt::from(&complaint)))
}

/// Follow a complaint by its tracking code (豫安委〔2017〕17号 八(二)).
///
/// No credentials. Only the status and when it last changed: never the subject, the
/// description or the contact, since whoever holds the code need not be the complainant.
/// The code may be typed in any case, with or without dashes or spaces; a string that cannot be
/// a tracking code is 422 `invalid_tracking_code` on `tracking_code`, an unknown code is 404.
/// Not cacheable (the status changes, and the URL is the complainant's key). Rate-limited per
/// client address with every `/api/v1/public/` request (429).
#[utoipa::path(
    tag = "public",
    params(("tracking_code" = String, Path, description = "The tracking code, e.g. `7KQM-2ZXD-9HRT-4WPA`",
        example = "7KQM-2ZXD-9HRT-4WPA")),
    responses(
        (status = 200, description = "The status", body = ComplaintTracking),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/complaints/{tracking_code}")]
pub async fn track_complaint(
    state: web::Data<AppState>,
    tracking_code: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let code = parse_tracking_code(&tracking_code)
        .map_err(|e| ApiError::invalid_field("tracking_code", e.code(), e.to_string()))?;
    let complaint = db::run(&state.pool, move |conn| {
        complaints::find_by_tracking_code(conn, &code)?.ok_or_else(ApiError::not_found)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::NoStore]))
        .json(ComplaintTracking::from(&complaint)))
}

/// The complaint and its subject, if the caller handles complaints about that subject: admins,
/// and regulators whose jurisdiction covers the subject's region. For anyone else it does not
/// exist (404): whether an organisation has been complained about is not theirs to know.
fn handled_complaint(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(Complaint, Organization), ApiError> {
    let complaint = complaints::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let subject = organizations::find(conn, complaint.organization_id)?
        .ok_or_else(|| ApiError::internal(format!("complaint {id} about an unknown organisation")))?;
    let region = organization_region(conn, &subject)?;
    let handles = match caller.role {
        Role::Admin => true,
        Role::Regulator => caller.jurisdiction().is_some_and(|j| jurisdiction_covers(j, &region)),
        _ => false,
    };
    if !handles {
        return Err(ApiError::not_found());
    }
    Ok((complaint, subject))
}

/// List complaints (豫安委〔2017〕17号 八(二)).
///
/// Admins see every complaint; a regulator those about organisations registered in its
/// jurisdiction (the province sees all); any other role gets 403. Ordered by id, which is the
/// order of filing (oldest first: a triage queue), and cursor-paginated. `status` narrows to
/// one status (422 `invalid_complaint_status` for an unknown one). Items carry everything,
/// the complainant's contact included.
#[utoipa::path(
    tag = "supervision",
    params(ComplaintQuery),
    responses(
        (status = 200, description = "One page", body = Page<ComplaintView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/complaints")]
pub async fn list_complaints(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ComplaintQuery>,
) -> Result<web::Json<Page<ComplaintView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let mut v = Collector::new();
    let status = query.status.as_deref().and_then(|s| v.check("status", ComplaintStatus::parse(s)));
    v.finish()?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    // `jurisdiction()` is `None` for admins: everything.
    let filter = ComplaintFilter { status, jurisdiction: caller.jurisdiction().cloned() };
    let page = db::run(&state.pool, move |conn| Ok(complaints::list(conn, &filter, after, limit)?)).await?;
    Ok(web::Json(Page::from_store(page, |c| ComplaintView::from(&c))))
}

/// Fetch a complaint whole (豫安委〔2017〕17号 八(二)).
///
/// Admins, and regulators whose jurisdiction covers the subject organisation's region; other
/// regulators get 404, other roles 403. Everything is shown, the complainant's contact (personal
/// data) included: only these callers ever see it.
#[utoipa::path(
    tag = "supervision",
    params(("id" = Uuid, Path, description = "Complaint id")),
    responses(
        (status = 200, description = "The complaint", body = ComplaintView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/complaints/{id}")]
pub async fn get_complaint(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ComplaintView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let complaint = db::run(&state.pool, move |conn| Ok(handled_complaint(conn, &caller, id)?.0)).await?;
    Ok(web::Json(ComplaintView::from(&complaint)))
}

fn triage(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: TriageComplaint,
) -> Result<Done<TriageResult>, ApiError> {
    let (complaint, subject) = handled_complaint(conn, &actor.caller, id)?;
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let to = match ComplaintStatus::parse(&body.status) {
        Ok(status) if TRIAGE_STATUSES.contains(&status) => Some(status),
        _ => {
            v.push("status", "invalid_complaint_status", "expected one of: accepted, rejected, substantiated");
            None
        }
    };
    v.finish()?;
    let to = to.ok_or_else(|| ApiError::internal("triage validated without its status"))?;
    if !may_move(complaint.status, to) {
        return Err(invalid_transition(complaint.status, to));
    }
    let recorded = if to == ComplaintStatus::Substantiated {
        // Today (CST): the day the complaint was found true is when the misconduct is on record.
        // The credit report shows evidence to the organisation and to portals: never the
        // complainant's tracking code (their key to the case) nor the regulator's note.
        let evidence = format!("complaint {} substantiated", complaint.id);
        Some(record_event(
            conn,
            actor,
            &subject,
            &EventInput {
                event_type: CreditEventType::ComplaintSubstantiated,
                occurred_on: today(),
                evidence: &evidence,
                source: Some(("complaint", id)),
            },
        )?)
    } else {
        None
    };
    let transition = Transition {
        from: complaint.status,
        to,
        by: &actor.caller.client_id,
        note: body.note.as_deref(),
        credit_event_id: recorded.as_ref().map(|r| r.event.id),
    };
    // A concurrent triage moved it first: this decision was made on a stale status.
    let updated = complaints::transition(conn, id, &transition, crate::clock::now()).map_err(|e| match e {
        StoreError::VersionConflict => invalid_transition(complaint.status, to),
        other => other.into(),
    })?;
    actor.record(conn, "complaint.triage", "complaint", &id.to_string(), Some(&subject.region_code))?;
    let credit = recorded.map(|r| ComplaintCreditOutcome {
        credit_event_id: r.event.id,
        points: r.event.points,
        expires_on: r.event.expires_on,
        rule_version: r.event.rule_version,
        score: r.score.score,
        grade: r.score.grade,
        as_of: r.score.as_of,
        blacklist_listing_id: r.listing.map(|l| l.id),
    });
    Ok(Done::ok(TriageResult { complaint: ComplaintView::from(&updated), credit }))
}

fn invalid_transition(from: ComplaintStatus, to: ComplaintStatus) -> ApiError {
    ApiError::conflict("invalid_transition").with_detail(
        format!("投诉处理状态不能从 {from} 变为 {to}"),
        format!("a complaint cannot move from {from} to {to}"),
    )
}

/// Triage a complaint (豫安委〔2017〕17号 八(二)): accept, reject or substantiate it.
///
/// Admins, and regulators whose jurisdiction covers the subject organisation's region; other
/// regulators get 404, other roles 403. A received complaint is accepted or rejected; an
/// accepted one substantiated or rejected; anything else (a closed complaint, a repeated
/// decision, a concurrent decision that came first) is 409 `invalid_transition`.
///
/// Substantiating records the `complaint_substantiated` credit event against the subject
/// (八(三)), dated today (CST), with evidence naming the complaint (the note and the tracking
/// code stay with regulators and the complainant: the credit report is read by the organisation
/// and by portals); the answer then carries the event's points and the subject's new score. The note, if given,
/// replaces the previous decision's. An optional `Idempotency-Key` makes a retry return the
/// first answer instead of a 409.
#[utoipa::path(
    tag = "supervision",
    params(
        ("id" = Uuid, Path, description = "Complaint id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = TriageComplaint,
    responses(
        (status = 200, description = "Decided", body = TriageResult),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/complaints/{id}/triage")]
pub async fn triage_complaint(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<TriageComplaint>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/complaints/{id}/triage",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response =
        idempotency::run_once(&state.pool, scope, StatusCode::OK, move |conn| triage(conn, &actor, id, body)).await?;
    // A substantiated complaint changes the subject's score on its public credit card.
    state.public_credit.invalidate_all();
    Ok(response)
}

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(file_complaint)
        .service(track_complaint)
        .service(list_complaints)
        .service(get_complaint)
        .service(triage_complaint);
}
