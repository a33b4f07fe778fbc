//! Training institutions (豫安委〔2017〕17号 五(一)): exam results posted in
//! batches, and half-yearly pass rates published for the public.

use std::collections::{HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::certificates::WorkCategory;
use domain::organization::{OrganizationKind, Role};
use domain::region::RegionCode;
use domain::rules::{Applied, RuleBook, RuleError, RuleParameter};
use domain::time::cst_date;
use domain::training::{passed, ExamResult, PassRate, Period};
use domain::validation::{Collector, FieldError};
use persistence::training::{self, ExamRecord, NewExamRecord, Publication};
use persistence::{organizations, people, rules, DbConnection, StoreError};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;
use validator::Validate;

use crate::audit::Actor;
use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::extractors::{typed_body, StrictJson};
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination;
use crate::people::{check_person, NamedPerson};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::schemas::fields::{collect_validator, parse_date};
use crate::schemas::training::{
    CreatePublication, ExamBatch, ExamItemReceipt, ExamReceipt, InstitutionPassRate, PassRatePage, PublicationView,
    MAX_EXAM_ITEMS,
};
use crate::state::AppState;

fn item_field(index: usize, name: &str) -> String {
    format!("items[{index}].{name}")
}

/// The theory pass mark in force on the exam date (五(一); 总局令第30号: 80 of 100).
fn pass_mark(book: &RuleBook, on: NaiveDate) -> Result<Applied<u8>, ApiError> {
    book.points(RuleParameter::ExamTheoryPassMark, on).map_err(ApiError::internal)
}

/// The calling training institution (403 for any other caller).
fn calling_institution(conn: &mut DbConnection, caller: &Caller) -> Result<Uuid, ApiError> {
    let org_id = caller.organization_id.ok_or_else(ApiError::forbidden)?;
    match organizations::find(conn, org_id)? {
        Some(org) if org.kind == OrganizationKind::TrainingInstitution => Ok(org.id),
        _ => Err(ApiError::forbidden()),
    }
}

/// An item that passed the per-item checks.
struct Checked {
    index: usize,
    candidate: NamedPerson,
    category: WorkCategory,
    exam_on: NaiveDate,
    result: ExamResult,
    passed: bool,
}

/// Every per-item check at once; the 422 names each bad item and field.
fn check_items(conn: &mut DbConnection, book: &RuleBook, batch: &ExamBatch) -> Result<Vec<Checked>, ApiError> {
    let mut v = Collector::new();
    collect_validator(batch.validate(), &mut v);
    if batch.items.is_empty() || batch.items.len() > MAX_EXAM_ITEMS {
        return Err(ApiError::invalid_field("items", "invalid_length", format!("1 to {MAX_EXAM_ITEMS} results")));
    }
    let today = cst_date(crate::clock::now());
    let mut checked = Vec::with_capacity(batch.items.len());
    let mut seen = HashSet::new();
    for (index, item) in batch.items.iter().enumerate() {
        let candidate = check_person(&item_field(index, "candidate"), &item.candidate, &mut v);
        let category = v.check(&item_field(index, "category"), WorkCategory::parse(&item.category));
        let exam_on = parse_date(&item_field(index, "exam_on"), &item.exam_on, &mut v);
        if exam_on.is_some_and(|d| d > today) {
            v.push(&item_field(index, "exam_on"), "out_of_range", "must not be in the future (CST)");
            continue;
        }
        let (Ok(theory), practical) = (u8::try_from(item.theory_score), item.practical_score.map(u8::try_from)) else {
            continue;
        };
        let Ok(practical) = practical.transpose() else { continue };
        let Ok(result) = ExamResult::new(theory, practical) else { continue };
        let (Some(candidate), Some(category), Some(exam_on)) = (candidate, category, exam_on) else { continue };
        // No mark in force on the date names the item, like every other bad field.
        let mark = match book.points(RuleParameter::ExamTheoryPassMark, exam_on) {
            Ok(mark) => mark.value,
            Err(RuleError::NotInForce { .. }) => {
                v.push(
                    &item_field(index, "exam_on"),
                    "rule_not_in_force",
                    "no exam pass mark is in force on this date",
                );
                continue;
            }
            Err(other) => return Err(ApiError::internal(other)),
        };
        if result.practical.is_some() && result.theory < mark {
            v.push(
                &item_field(index, "practical_score"),
                "practical_before_theory_passed",
                format!("the practical exam follows a passed theory exam ({mark} of 100)"),
            );
            continue;
        }
        if !seen.insert((candidate.resident_id.clone(), category, exam_on)) {
            v.push(
                &item_field(index, "candidate"),
                "duplicate_in_batch",
                "the same candidate, category and date appear earlier in this batch",
            );
            continue;
        }
        checked.push(Checked { index, candidate, category, exam_on, result, passed: passed(&result, mark) });
    }
    let periods: Vec<Period> = {
        let set: HashSet<Period> = checked.iter().map(|c| Period::of(c.exam_on)).collect();
        set.into_iter().collect()
    };
    training::lock_publications(conn)?;
    let published = training::published_among(conn, &periods)?;
    for item in checked.iter().filter(|c| published.contains(&Period::of(c.exam_on))) {
        v.push(
            &item_field(item.index, "exam_on"),
            "period_published",
            format!("the pass rates of {} are published and can no longer change", Period::of(item.exam_on)),
        );
    }
    v.finish()?;
    Ok(checked)
}

fn ingest(
    conn: &mut DbConnection,
    actor: &Actor,
    institution_id: Uuid,
    batch: ExamBatch,
) -> Result<Done<ExamReceipt>, ApiError> {
    let book = rules::load_rule_book(conn)?;
    let checked = check_items(conn, &book, &batch)?;
    let now = crate::clock::now();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut fresh: Vec<(usize, NewExamRecord)> = Vec::new();
    let mut receipts: HashMap<usize, ExamItemReceipt> = HashMap::new();
    for item in &checked {
        let person = people::find_or_create(
            conn,
            &item.candidate.resident_id,
            &item.candidate.name,
            item.candidate.phone.as_ref(),
            now,
        )?;
        if person.name != item.candidate.name {
            errors.push(FieldError {
                field: item_field(item.index, "candidate.name"),
                code: "name_mismatch",
                message: "a person with this identity number is recorded under another name".to_owned(),
            });
            continue;
        }
        let new = NewExamRecord {
            institution_id,
            person_id: person.id,
            category: item.category,
            exam_on: item.exam_on,
            theory_score: item.result.theory,
            practical_score: item.result.practical,
            passed: item.passed,
        };
        match training::find_same(conn, &new)? {
            Some(stored) if same_scores(&stored, &new) => {
                receipts.insert(
                    item.index,
                    ExamItemReceipt { index: item.index, id: stored.id, passed: stored.passed, already_recorded: true },
                );
            }
            Some(_) => errors.push(FieldError {
                field: item_field(item.index, "theory_score"),
                code: "conflicts_with_recorded",
                message: "a different result is already recorded for this candidate, category and date".to_owned(),
            }),
            None => fresh.push((item.index, new)),
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| a.field.cmp(&b.field));
        return Err(ApiError::validation(errors));
    }
    let rows: Vec<NewExamRecord> = fresh.iter().map(|(_, r)| r.clone()).collect();
    let stored = training::insert_all(conn, &rows, now)?;
    for ((index, _), record) in fresh.iter().zip(&stored) {
        receipts.insert(
            *index,
            ExamItemReceipt { index: *index, id: record.id, passed: record.passed, already_recorded: false },
        );
    }
    actor.record(conn, "exam_results.post", "organization", &institution_id.to_string(), None)?;
    let mut items: Vec<ExamItemReceipt> = receipts.into_values().collect();
    items.sort_by_key(|r| r.index);
    let latest = checked.iter().map(|c| c.exam_on).max().unwrap_or_else(|| cst_date(now));
    let mark = pass_mark(&book, latest)?;
    Ok(Done::created(
        ExamReceipt {
            institution_id,
            recorded: stored.len(),
            already_recorded: items.iter().filter(|i| i.already_recorded).count(),
            passed: items.iter().filter(|i| i.passed).count(),
            pass_mark: mark.value,
            pass_mark_rule_version: mark.version,
            items,
        },
        format!("/api/v1/training/pass-rates?period={}", Period::of(latest)),
    ))
}

fn same_scores(stored: &ExamRecord, new: &NewExamRecord) -> bool {
    stored.theory_score == new.theory_score && stored.practical_score == new.practical_score
}

/// Post exam results of the calling training institution's candidates.
///
/// 1 to 1 000 results, stored all or none; every bad item is named in one
/// 422. The theory pass mark comes from the rule table (80 of 100); a
/// practical score needs a passed theory exam. A result identical to one
/// already stored is reported as `already_recorded`, never counted twice; a
/// different result for the same candidate, category and date is refused.
/// Results dated in a published period are refused. Requires an
/// `Idempotency-Key`.
#[utoipa::path(
    tag = "training",
    params(("Idempotency-Key" = String, Header, description = "Required; a retry returns the first response")),
    request_body = ExamBatch,
    responses(
        (status = 201, description = "Stored", body = ExamReceipt),
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
#[post("/training/exam-results")]
pub async fn post_exam_results(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Agency])?;
    let (scope, batch) = idempotency::required_scoped_body::<ExamBatch>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/training/exam-results",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, Some(scope), StatusCode::CREATED, move |conn| {
        let institution = calling_institution(conn, &actor.caller)?;
        ingest(conn, &actor, institution, batch)
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PassRateQuery {
    /// Half-year period, e.g. `2026H1`.
    #[param(example = "2026H1", pattern = "^[0-9]{4}H[12]$")]
    pub period: String,
    /// Only institutions in this region (a city includes its counties).
    #[param(example = "410100")]
    pub region: Option<String>,
    /// Only results in this work category.
    #[param(value_type = Option<crate::schemas::vocabulary::WorkCategorySchema>)]
    pub category: Option<String>,
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of pass rates; `None` when the period is unpublished and
/// `published_only`.
fn pass_rates(conn: &mut DbConnection, query: PassRateQuery, published_only: bool) -> Result<PassRatePage, ApiError> {
    let mut v = Collector::new();
    let period = v.check("period", Period::parse(&query.period));
    let region = query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r)));
    let category = query.category.as_deref().and_then(|c| v.check("category", WorkCategory::parse(c)));
    v.finish()?;
    let period = period.ok_or_else(|| ApiError::internal("period validated without a value"))?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let publication: Option<Publication> = training::publication(conn, period)?;
    if published_only && publication.is_none() {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "period_not_published"));
    }
    let page = training::tally(conn, period.first_day(), period.last_day(), category, region.as_ref(), after, limit)?;
    let items = page
        .items
        .into_iter()
        .map(|t| {
            let rate = PassRate::new(t.candidates, t.passed).map_err(ApiError::internal)?;
            Ok(InstitutionPassRate {
                institution_id: t.institution_id,
                institution_name: t.institution_name,
                region_code: t.region_code.as_str().to_owned(),
                candidates: t.candidates,
                passed: t.passed,
                pass_rate: format!("{}/{}", t.passed, t.candidates),
                pass_rate_bp: rate.basis_points(),
            })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(PassRatePage {
        period: period.to_string(),
        first_day: period.first_day(),
        last_day: period.last_day(),
        published: publication.is_some(),
        published_at: publication.map(|p| p.published_at),
        items,
        next_cursor: page.next_after.map(|key| pagination::encode_cursor(&key)),
    })
}

/// Published pass rates of training institutions.
///
/// Per institution with results in the half-year period: candidates (exam
/// sittings), passes, and the rate as an exact fraction and in basis
/// points. Only published periods (404 `period_not_published` otherwise);
/// published figures never change. Institutions in id order.
#[utoipa::path(
    tag = "public",
    params(PassRateQuery),
    responses(
        (status = 200, description = "One page", body = PassRatePage),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/training/pass-rates")]
pub async fn public_pass_rates(
    state: web::Data<AppState>,
    query: web::Query<PassRateQuery>,
) -> Result<web::Json<PassRatePage>, ApiError> {
    let query = query.into_inner();
    Ok(web::Json(db::run(&state.read_pool, move |conn| pass_rates(conn, query, true)).await?))
}

/// Pass rates of any period, published or not (regulators, admins).
///
/// The same figures as the public list, including the current, unpublished
/// period.
#[utoipa::path(
    tag = "training",
    params(PassRateQuery),
    responses(
        (status = 200, description = "One page", body = PassRatePage),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/training/pass-rates")]
pub async fn pass_rates_any_period(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PassRateQuery>,
) -> Result<web::Json<PassRatePage>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    Ok(web::Json(db::run(&state.pool, move |conn| pass_rates(conn, query, false)).await?))
}

fn publish(conn: &mut DbConnection, actor: &Actor, body: CreatePublication) -> Result<Done<PublicationView>, ApiError> {
    let period = Period::parse(&body.period).map_err(|e| ApiError::invalid_field("period", e.code(), e.to_string()))?;
    let today = cst_date(crate::clock::now());
    if period.last_day() >= today {
        return Err(ApiError::invalid_field(
            "period",
            "period_not_ended",
            format!("{period} ends on {}; publish it from the day after", period.last_day()),
        ));
    }
    let publication =
        training::publish(conn, period, &actor.caller.client_id, crate::clock::now()).map_err(|e| match e {
            StoreError::Duplicate(_) => ApiError::conflict("already_published"),
            other => other.into(),
        })?;
    actor.record(conn, "pass_rates.publish", "pass_rate_period", &period.to_string(), None)?;
    Ok(Done::created(
        PublicationView {
            period: period.to_string(),
            published_at: publication.published_at,
            published_by: publication.published_by,
        },
        format!("/api/v1/public/training/pass-rates?period={period}"),
    ))
}

/// Publish a half-year period's pass rates (provincial regulators, admins).
///
/// Only after the period has ended; once published, the period's figures
/// are frozen: results dated inside it are refused. Publishing twice is a
/// 409 `already_published`.
#[utoipa::path(
    tag = "training",
    request_body = CreatePublication,
    responses(
        (status = 201, description = "Published", body = PublicationView),
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
#[post("/training/pass-rate-publications")]
pub async fn publish_pass_rates(
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    if caller.role == Role::Regulator && !caller.jurisdiction().is_some_and(RegionCode::is_province) {
        return Err(ApiError::forbidden());
    }
    let body: CreatePublication = typed_body(&body.into_inner().0)?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, None, StatusCode::CREATED, move |conn| publish(conn, &actor, body)).await
}
