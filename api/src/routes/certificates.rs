//! Special-operation certificates (豫安委〔2017〕17号 五(二); 总局令第30号):
//! issue, work history, violations, reviews, standing and revocation.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::certificates::{
    check_review_application, reissue_barred_until, review_outcome, status, violation_failures, CertificateFacts,
    CertificateNumber, ReviewError, ReviewFailure, Violation, WorkCategory, WorkPeriod,
};
use domain::events::EventType;
use domain::organization::{OrganizationKind, Role};
use domain::region::{jurisdiction_covers, RegionCode};
use domain::rules::RuleBook;
use domain::validation::{Collector, FieldError};
use persistence::certificates::{self, Certificate, NewCertificate};
use persistence::{organizations, people, rules, training, DbConnection, StoreError};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::access::{may_register_in, Sight};
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::people::{check_person, find_or_create, person_sight};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::{organization_region, region_info};
use crate::schemas::certificate::{
    CertificateHistory, CertificateStatusView, CertificateView, CreateCertificate, CreateReview, CreateRevocation,
    CreateViolation, CreateWorkPeriod, ReviewView, ViolationView, WorkPeriodView,
};
use crate::schemas::fields::{collect_validator, parse_date, past_date};
use crate::schemas::person::PersonView;
use crate::state::AppState;

/// The event subject of a certificate: the issuing region's regulators and
/// the issuing institution, if any, see its events. The number (`T` + the
/// holder's identity number) and the holder never go into an event.
fn certificate_subject(certificate: &Certificate) -> Subject<'_> {
    Subject {
        resource_type: "certificate",
        resource_id: certificate.id.to_string(),
        region: Some(&certificate.issuing_region),
        organization_id: certificate.issued_by,
        counterparty_id: None,
    }
}

/// How much of a certificate a caller may see: admins whole; regulators as
/// they see the holder (whole when their jurisdiction covers the holder,
/// e.g. issued or employed in it; masked otherwise); the holder's current
/// employer whole; the training institution that recorded it and portals
/// masked; anyone else nothing.
fn certificate_sight(conn: &mut DbConnection, caller: &Caller, certificate: &Certificate) -> Result<Sight, ApiError> {
    Ok(match caller.role {
        Role::Admin => Sight::Full,
        Role::Regulator => person_sight(conn, caller, certificate.person_id, today())?,
        Role::Portal => Sight::Masked,
        Role::Insurer | Role::Agency | Role::Enterprise => match caller.organization_id {
            Some(org) if people::employs(conn, org, certificate.person_id, today())? => Sight::Full,
            Some(org) if certificate.issued_by == Some(org) => Sight::Masked,
            _ => Sight::Hidden,
        },
    })
}

/// The certificate, if the caller may see it at all (404 otherwise).
fn visible_certificate(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<(Certificate, Sight), ApiError> {
    let certificate = certificates::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    match certificate_sight(conn, caller, &certificate)? {
        Sight::Hidden => Err(ApiError::not_found()),
        sight => Ok((certificate, sight)),
    }
}

/// The certificate, if the caller is the issuing authority: an admin or a
/// regulator whose jurisdiction covers the issuing region.
fn certificate_for_authority(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Certificate, ApiError> {
    let certificate = certificates::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let region = region_info(conn, &certificate.issuing_region)?
        .ok_or_else(|| ApiError::internal(format!("certificate {id} has an unknown region")))?;
    may_register_in(caller, &region)?;
    Ok(certificate)
}

fn view(
    conn: &mut DbConnection,
    certificate: &Certificate,
    sight: Sight,
    on: NaiveDate,
) -> Result<CertificateView, ApiError> {
    let book = rules::load_rule_book(conn)?;
    view_under(conn, &book, certificate, sight, on)
}

/// A certificate as `GET /certificates/{id}` shows it with `sight`, under a
/// rule book the caller already holds (exports load it once per export).
pub(crate) fn view_under(
    conn: &mut DbConnection,
    book: &RuleBook,
    certificate: &Certificate,
    sight: Sight,
    on: NaiveDate,
) -> Result<CertificateView, ApiError> {
    let holder = people::find(conn, certificate.person_id)?
        .ok_or_else(|| ApiError::internal("certificate of an unknown person"))?;
    let facts = certificates::facts(conn, certificate)?;
    let standing = status(book, &facts, on).map_err(ApiError::internal)?;
    let bar = match certificate.revoked_on {
        Some(revoked_on) => reissue_barred_until(book, revoked_on, certificate.obtained_by_fraud)
            .map_err(ApiError::internal)?
            .map(|applied| applied.value),
        None => None,
    };
    let full = sight == Sight::Full;
    Ok(CertificateView::new(certificate, PersonView::new(&holder, full), &standing, bar, full))
}

/// Who issues: `None` for an admin or regulator (checked against the
/// issuing region), the institution's id for a training institution, whose
/// certificates are issued in the region that covers it.
fn issuer(conn: &mut DbConnection, caller: &Caller, issuing_region: &RegionCode) -> Result<Option<Uuid>, ApiError> {
    let region = region_info(conn, issuing_region)?;
    match caller.role {
        Role::Admin | Role::Regulator => {
            let region = region.ok_or_else(|| {
                ApiError::invalid_field("issuing_region", "unknown_region", "no such region in Henan")
            })?;
            may_register_in(caller, &region)?;
            Ok(None)
        }
        Role::Agency => {
            let org_id = caller.organization_id.ok_or_else(ApiError::forbidden)?;
            let org = organizations::find(conn, org_id)?.ok_or_else(ApiError::forbidden)?;
            if org.kind != OrganizationKind::TrainingInstitution {
                return Err(ApiError::forbidden());
            }
            let home = organization_region(conn, &org)?;
            if region.is_none() || !jurisdiction_covers(issuing_region, &home) {
                return Err(ApiError::invalid_field(
                    "issuing_region",
                    "not_institution_region",
                    "the issuing authority must cover the training institution's region",
                ));
            }
            Ok(Some(org.id))
        }
        _ => Err(ApiError::forbidden()),
    }
}

/// 422 when a certificate revoked for fraud bars this issue (五(二): no
/// re-application for 3 years after revocation).
fn check_fraud_bar(
    conn: &mut DbConnection,
    book: &RuleBook,
    person_id: Uuid,
    issued_on: NaiveDate,
) -> Result<(), ApiError> {
    for earlier in certificates::of_person(conn, person_id)? {
        let Some(revoked_on) = earlier.revoked_on else { continue };
        let bar = reissue_barred_until(book, revoked_on, earlier.obtained_by_fraud).map_err(ApiError::internal)?;
        if let Some(until) = bar.map(|applied| applied.value) {
            if revoked_on <= issued_on && issued_on < until {
                return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "reissue_barred").with_errors(vec![
                    FieldError {
                        field: "holder.resident_id".to_owned(),
                        code: "reissue_barred",
                        message: format!(
                            "a certificate of this holder was revoked on {revoked_on} as obtained by fraud; \
                             no certificate may be issued before {until}"
                        ),
                    },
                ]));
            }
        }
    }
    Ok(())
}

fn issue_certificate(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateCertificate,
) -> Result<Done<CertificateView>, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let named = check_person("holder", &body.holder, &mut v);
    let number = v.check("number", CertificateNumber::parse(&body.number));
    let category = v.check("category", WorkCategory::parse(&body.category));
    let region = v.check("issuing_region", RegionCode::parse(&body.issuing_region));
    let issued_on = past_date("issued_on", &body.issued_on, &mut v);
    if let (Some(number), Some(named)) = (&number, &named) {
        if number.holder_id() != &named.resident_id {
            v.push("number", "number_holder_mismatch", "must be T followed by the holder's identity number");
        }
    }
    v.finish()?;
    let (Some(named), Some(number), Some(category), Some(region), Some(issued_on)) =
        (named, number, category, region, issued_on)
    else {
        return Err(ApiError::internal("certificate validated without its parts"));
    };
    let issued_by = issuer(conn, &actor.caller, &region)?;
    // The rules in force on the issue date must give the whole schedule
    // (validity, reviews): a date before them is the caller's 422, not a 500
    // when the standing is computed.
    let book = rules::load_rule_book(conn)?;
    let schedule = CertificateFacts { issued_on, revoked_on: None, reviews: vec![], violations: vec![], work: vec![] };
    status(&book, &schedule, issued_on).map_err(|e| ApiError::rule("issued_on", e))?;
    let person = find_or_create(conn, "holder", &named)?;
    if let Some(institution) = issued_by {
        if !training::has_passed(conn, institution, person.id, category, issued_on)? {
            return Err(ApiError::invalid_field(
                "holder.resident_id",
                "not_a_passed_candidate",
                "the holder has not passed this institution's exam in this category",
            ));
        }
    }
    check_fraud_bar(conn, &book, person.id, issued_on)?;
    let certificate = certificates::insert(
        conn,
        &NewCertificate { number, person_id: person.id, category, issuing_region: region, issued_on, issued_by },
        crate::clock::now(),
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => ApiError::conflict("certificate_exists"),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "certificate.issue",
        "certificate",
        &certificate.id.to_string(),
        Some(&certificate.issuing_region),
    )?;
    events::publish(
        conn,
        EventType::CertificateIssued,
        certificate_subject(&certificate),
        serde_json::json!({
            "category": certificate.category.as_str(),
            "issuing_region": certificate.issuing_region.as_str(),
            "issued_on": certificate.issued_on,
            "issued_by": certificate.issued_by,
        }),
    )?;
    // The institution sees what its GET shows: the holder masked.
    let sight = if issued_by.is_some() { Sight::Masked } else { Sight::Full };
    let body = view(conn, &certificate, sight, today())?;
    Ok(Done::created(body, format!("/api/v1/certificates/{}", certificate.id)))
}

/// Issue a special-operation certificate.
///
/// Regulators of the issuing region (and admins), or a training
/// institution for a candidate who passed its exam in the category. The
/// number is `T` + the holder's identity number. A holder whose certificate
/// was revoked as obtained by fraud gets `reissue_barred` for 3 years. A
/// current certificate with the same number and category is a 409. An
/// optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "certificates",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateCertificate,
    responses(
        (status = 201, description = "Issued", body = CertificateView),
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
#[post("/certificates")]
pub async fn create_certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Agency])?;
    let (scope, body) = idempotency::scoped_body::<CreateCertificate>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/certificates",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| issue_certificate(conn, &actor, body))
        .await
}

/// Fetch a certificate with its standing today (CST).
///
/// Admins, the holder's current employer and regulators whose
/// jurisdiction covers the holder (issued or employed in it; the province
/// covers all) see the number whole; other regulators, the recording
/// training institution and portals see it masked; anyone else gets 404.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Certificate id")),
    responses(
        (status = 200, description = "The certificate", body = CertificateView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/certificates/{id}")]
pub async fn get_certificate(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<CertificateView>, ApiError> {
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| {
        let (certificate, sight) = visible_certificate(conn, &caller, id)?;
        view(conn, &certificate, sight, today())
    })
    .await?;
    Ok(web::Json(body))
}

fn history(conn: &mut DbConnection, certificate: &Certificate) -> Result<CertificateHistory, ApiError> {
    let facts = certificates::facts(conn, certificate)?;
    Ok(CertificateHistory {
        certificate_id: certificate.id,
        work_periods: facts.work.iter().map(|w| WorkPeriodView { from: w.from, to: w.to }).collect(),
        violations: facts
            .violations
            .iter()
            .map(|v| ViolationView {
                occurred_on: v.on,
                serious: v.serious,
                administrative_penalty: v.administrative_penalty,
            })
            .collect(),
    })
}

fn record_work_period(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateWorkPeriod,
) -> Result<Done<CertificateHistory>, ApiError> {
    let certificate = certificate_for_authority(conn, &actor.caller, id)?;
    let mut v = Collector::new();
    let from = past_date("from", &body.from, &mut v);
    let to = body.to.as_deref().and_then(|to| past_date("to", to, &mut v));
    if let (Some(from), Some(to)) = (from, to) {
        if to < from {
            v.push("to", "invalid_range", "must not be before from");
        }
    }
    v.finish()?;
    let from = from.ok_or_else(|| ApiError::internal("work period validated without from"))?;
    certificates::add_work_period(conn, certificate.id, &WorkPeriod { from, to })?;
    actor.record(conn, "certificate.work_period", "certificate", &id.to_string(), Some(&certificate.issuing_region))?;
    Ok(Done::created(history(conn, &certificate)?, format!("/api/v1/certificates/{id}")))
}

/// Record a period the holder worked in the certificate's category.
///
/// Continuous years in the same work type decide the 6-year review
/// interval. Regulators of the issuing region and admins.
#[utoipa::path(
    tag = "certificates",
    params(
        ("id" = Uuid, Path, description = "Certificate id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateWorkPeriod,
    responses(
        (status = 201, description = "Recorded; the whole history", body = CertificateHistory),
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
#[post("/certificates/{id}/work-periods")]
pub async fn create_work_period(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateWorkPeriod>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/certificates/{id}/work-periods",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        record_work_period(conn, &actor, id, body)
    })
    .await
}

fn record_violation(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateViolation,
) -> Result<Done<CertificateHistory>, ApiError> {
    let certificate = certificate_for_authority(conn, &actor.caller, id)?;
    let mut v = Collector::new();
    let on = past_date("occurred_on", &body.occurred_on, &mut v);
    v.finish()?;
    let on = on.ok_or_else(|| ApiError::internal("violation validated without its date"))?;
    let violation = Violation { on, serious: body.serious, administrative_penalty: body.administrative_penalty };
    certificates::add_violation(conn, certificate.id, &violation)?;
    actor.record(conn, "certificate.violation", "certificate", &id.to_string(), Some(&certificate.issuing_region))?;
    Ok(Done::created(history(conn, &certificate)?, format!("/api/v1/certificates/{id}")))
}

/// Record a violation by the holder.
///
/// Violations refuse the 6-year review interval, and a serious one, two or
/// more, or one with an administrative penalty fail the next review.
/// Regulators of the issuing region and admins.
#[utoipa::path(
    tag = "certificates",
    params(
        ("id" = Uuid, Path, description = "Certificate id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateViolation,
    responses(
        (status = 201, description = "Recorded; the whole history", body = CertificateHistory),
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
#[post("/certificates/{id}/violations")]
pub async fn create_violation(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateViolation>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/certificates/{id}/violations",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_violation(conn, &actor, id, body))
        .await
}

fn review_refused(error: ReviewError) -> ApiError {
    match error {
        ReviewError::OutsideWindow { .. } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "outside_review_window")
            .with_errors(vec![FieldError {
                field: "applied_on".to_owned(),
                code: error.code(),
                message: error.to_string(),
            }]),
        ReviewError::NotReviewable { .. } => {
            ApiError::conflict("certificate_not_reviewable").with_detail(error.to_string(), error.to_string())
        }
        ReviewError::Rule(rule) => ApiError::internal(rule),
    }
}

fn record_review(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateReview,
) -> Result<Done<ReviewView>, ApiError> {
    let certificate = certificate_for_authority(conn, &actor.caller, id)?;
    if certificate.revoked_on.is_some() {
        return Err(ApiError::conflict("certificate_not_reviewable")
            .with_detail("已吊销的证书不能复审", "a revoked certificate cannot be reviewed"));
    }
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let applied_on = past_date("applied_on", &body.applied_on, &mut v);
    let passed = match body.outcome.as_str() {
        "passed" => Some(true),
        "failed" => Some(false),
        _ => {
            v.push("outcome", "invalid_outcome", "passed or failed");
            None
        }
    };
    let mut grounds = Vec::new();
    for (index, name) in body.failures.iter().enumerate() {
        if let Some(ground) = v.check(&format!("failures[{index}]"), ReviewFailure::parse(name)) {
            grounds.push(ground);
        }
    }
    match passed {
        Some(true) if !body.failures.is_empty() => {
            v.push("failures", "failures_on_pass", "a passed review has no grounds for failure")
        }
        Some(false) if body.failures.is_empty() => {
            v.push("failures", "failure_without_ground", "name at least one ground")
        }
        _ => {}
    }
    v.finish()?;
    let (Some(applied_on), Some(passed)) = (applied_on, passed) else {
        return Err(ApiError::internal("review validated without its parts"));
    };
    let book = rules::load_rule_book(conn)?;
    let facts = certificates::facts(conn, &certificate)?;
    let due = check_review_application(&book, &facts, applied_on).map_err(review_refused)?;
    // Violations since the last passed review (or the issue) are grounds the
    // outcome cannot ignore.
    let since = facts.reviews.iter().filter(|r| r.passed && r.on <= applied_on).map(|r| r.on).max();
    let from = since.map_or(certificate.issued_on, |on| on.succ_opt().unwrap_or(on));
    let from_violations = violation_failures(&facts.violations, from, applied_on);
    if passed && !from_violations.is_empty() {
        let names: Vec<&str> = from_violations.iter().map(|f| f.as_str()).collect();
        return Err(ApiError::invalid_field(
            "outcome",
            "review_contradicts_violations",
            format!("the recorded violations fail the review: {}", names.join(", ")),
        ));
    }
    grounds.extend(from_violations);
    let prior_failures =
        certificates::reviews_of(conn, certificate.id)?.iter().filter(|r| r.due_on == due && !r.passed).count();
    let outcome = review_outcome(&grounds, prior_failures);
    let review =
        certificates::insert_review(conn, certificate.id, applied_on, due, &outcome.failures, crate::clock::now())?;
    actor.record(conn, "certificate.review", "certificate", &id.to_string(), Some(&certificate.issuing_region))?;
    let after = certificates::facts(conn, &certificate)?;
    let standing = status(&book, &after, applied_on).map_err(ApiError::internal)?;
    events::publish(
        conn,
        EventType::CertificateReviewed,
        certificate_subject(&certificate),
        serde_json::json!({
            "review_id": review.id,
            "applied_on": applied_on,
            "due_on": due,
            "passed": outcome.passed,
            "failures": outcome.failures.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "status": standing.status.as_str(),
        }),
    )?;
    Ok(Done::created(
        ReviewView {
            id: review.id,
            certificate_id: certificate.id,
            applied_on,
            due_on: due,
            passed: outcome.passed,
            failures: outcome.failures,
            second_failure: outcome.second_failure,
            re_review_allowed: outcome.re_review_allowed,
            status: standing.status,
        },
        format!("/api/v1/certificates/{id}/status"),
    ))
}

/// Record a review (复审) of the certificate.
///
/// Accepted only inside the application window before the due date (60 days
/// under the review regime): outside it, a 422 `outside_review_window`
/// naming the window. A failed review lists its grounds; violations recorded
/// since the last passed review add theirs. A second failure for the same
/// due date makes the certificate invalid. Regulators of the issuing region
/// and admins.
#[utoipa::path(
    tag = "certificates",
    params(
        ("id" = Uuid, Path, description = "Certificate id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateReview,
    responses(
        (status = 201, description = "Recorded", body = ReviewView),
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
#[post("/certificates/{id}/reviews")]
pub async fn create_review(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateReview>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/certificates/{id}/reviews",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_review(conn, &actor, id, body))
        .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StatusQuery {
    /// The date asked about (CST); defaults to today.
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
}

/// A certificate's standing on a date.
///
/// Status, validity end, next review due date and its window, whether the
/// 6-year review interval applies and why, and the rule versions used. A
/// review due on or after 2026-06-01 follows the renewal regime. Visible to
/// whoever may see the certificate.
#[utoipa::path(
    tag = "certificates",
    params(("id" = Uuid, Path, description = "Certificate id"), StatusQuery),
    responses(
        (status = 200, description = "The standing", body = CertificateStatusView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/certificates/{id}/status")]
pub async fn certificate_status(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<StatusQuery>,
) -> Result<web::Json<CertificateStatusView>, ApiError> {
    let id = id.into_inner();
    let mut v = Collector::new();
    let on = match query.into_inner().on {
        Some(text) => parse_date("on", &text, &mut v),
        None => Some(today()),
    };
    v.finish()?;
    let on = on.ok_or_else(|| ApiError::internal("date validated without a value"))?;
    let body = db::run(&state.pool, move |conn| {
        let (certificate, _) = visible_certificate(conn, &caller, id)?;
        let book = rules::load_rule_book(conn)?;
        let facts = certificates::facts(conn, &certificate)?;
        let standing = status(&book, &facts, on).map_err(ApiError::internal)?;
        Ok(CertificateStatusView::new(certificate.id, on, standing))
    })
    .await?;
    Ok(web::Json(body))
}

fn record_revocation(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateRevocation,
) -> Result<Done<CertificateView>, ApiError> {
    let certificate = certificate_for_authority(conn, &actor.caller, id)?;
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let on = match &body.revoked_on {
        Some(text) => past_date("revoked_on", text, &mut v),
        None => Some(today()),
    };
    if on.is_some_and(|on| on < certificate.issued_on) {
        v.push("revoked_on", "out_of_range", "must not be before the issue date");
    }
    v.finish()?;
    let on = on.ok_or_else(|| ApiError::internal("revocation validated without its date"))?;
    let revoked =
        certificates::revoke(conn, certificate.id, on, &body.reason, body.obtained_by_fraud).map_err(|e| match e {
            StoreError::VersionConflict => ApiError::conflict("already_revoked"),
            other => other.into(),
        })?;
    actor.record(conn, "certificate.revoke", "certificate", &id.to_string(), Some(&revoked.issuing_region))?;
    // Public: the date and the category, not the reason nor the fraud finding,
    // which concern the holder.
    events::publish(
        conn,
        EventType::CertificateRevoked,
        certificate_subject(&revoked),
        serde_json::json!({
            "category": revoked.category.as_str(),
            "revoked_on": on,
        }),
    )?;
    Ok(Done::ok(view(conn, &revoked, Sight::Full, today())?))
}

/// Revoke a certificate (regulators of the issuing region, admins).
///
/// With `obtained_by_fraud`, no certificate may be issued to the holder for
/// 3 years from the revocation date. Revoking twice is a 409
/// `already_revoked`.
#[utoipa::path(
    tag = "certificates",
    params(
        ("id" = Uuid, Path, description = "Certificate id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateRevocation,
    responses(
        (status = 200, description = "Revoked", body = CertificateView),
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
#[post("/certificates/{id}/revocation")]
pub async fn revoke_certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateRevocation>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/certificates/{id}/revocation",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::OK, move |conn| record_revocation(conn, &actor, id, body))
        .await
}
