//! A provider's annual report: narrative drafts and publication (豫安委〔2017〕17号 二(三)).
//!
//! The figures are never typed in: they are built from the engagements
//! signed in the year (CST) and the sanctions decided in it, by
//! `domain::annual_report::build`. The provider adds its own narrative,
//! versioned; publication, once the year is over, freezes the figures and
//! the latest narrative version, and nothing of the year's report can change
//! after it.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use domain::annual_report::{self, check_publishable, check_year, Figures, ReportError, SanctionFacts};
use domain::organization::{OrganizationKind, Role};
use persistence::annual_reports::{self, NewPublishedReport};
use persistence::organizations::Organization;
use persistence::{disclosures, sanctions, DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::access::Sight;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::db;
use crate::error::ApiError;
use crate::extractors::{typed_body, StrictJson};
use crate::idempotency::{self, Done, Scope};
use crate::middleware::request_id::RequestId;
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::visible_organization;
use crate::schemas::annual_report::{
    AnnualFiguresView, AnnualReportDraft, NarrativeView, NarrativeWritten, PublishAnnualReport, PublishedAnnualReport,
    WriteNarrative,
};
use crate::schemas::fields::collect_validator;
use crate::state::AppState;
use domain::validation::Collector;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(write_narrative).service(get_annual_report).service(publish_annual_report);
}

/// Attempts at appending a narrative version when another writer takes the
/// same version number at the same moment (PostgreSQL only; SQLite
/// serialises writers).
const NARRATIVE_ATTEMPTS: usize = 3;

/// The year of the path: 2017 to the current year (CST), else 422 on `year`.
fn reportable_year(year: i32) -> Result<i32, ApiError> {
    check_year(year, today()).map_err(|e| ApiError::invalid_field("year", e.code(), e.to_string()))?;
    Ok(year)
}

/// The provider whose report this is, if the caller sees it whole (admins,
/// regulators of its jurisdiction, the provider itself); 404 otherwise. An
/// enterprise or an insurer has no report: 422 `not_a_provider`.
fn report_owner(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Organization, ApiError> {
    let org = match visible_organization(conn, caller, id)? {
        (org, _, Sight::Full) => org,
        _ => return Err(ApiError::not_found()),
    };
    if matches!(org.kind, OrganizationKind::Enterprise | OrganizationKind::Insurer) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_a_provider")
            .with_detail("只有技术服务机构等服务提供方发布年度报告", "only service providers publish annual reports"));
    }
    Ok(org)
}

/// The year's figures as they stand (豫安委〔2017〕17号 二(三)).
fn live_figures(conn: &mut DbConnection, provider: &Organization, year: i32) -> Result<Figures, ApiError> {
    let engagements = disclosures::year_facts(conn, provider.id, year)?;
    let sanctions: Vec<SanctionFacts> = sanctions::of_organization(conn, provider.id)?
        .iter()
        .map(|s| SanctionFacts { kind: s.kind, decided_on: s.decided_on })
        .collect();
    annual_report::build(year, &engagements, &sanctions).map_err(|e| match e {
        ReportError::Overflow | ReportError::InvalidRating(_) => ApiError::internal(e),
        other => ApiError::invalid_field("year", other.code(), other.to_string()),
    })
}

fn published_conflict() -> ApiError {
    ApiError::conflict("report_published")
        .with_detail("该年度报告已发布，不能再修改", "the year's report is published and can no longer change")
}

fn write(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    year: i32,
    text: &str,
) -> Result<NarrativeWritten, ApiError> {
    let provider = report_owner(conn, &actor.caller, id)?;
    if annual_reports::find_published(conn, provider.id, year)?.is_some() {
        return Err(published_conflict());
    }
    // Sending the latest text again is a retry, not a new version.
    let latest = annual_reports::latest_narrative(conn, provider.id, year)?;
    let narrative = match latest {
        Some(latest) if latest.narrative == text => latest,
        _ => {
            let narrative = annual_reports::append_narrative(
                conn,
                provider.id,
                year,
                text,
                &actor.caller.client_id,
                crate::clock::now(),
            )
            .map_err(|e| match e {
                StoreError::Duplicate(_) => ApiError::conflict("concurrent_update"),
                other => other.into(),
            })?;
            actor.record(
                conn,
                "annual_report.write_narrative",
                "annual_report",
                &format!("{}/{year}", provider.id),
                Some(&provider.region_code),
            )?;
            narrative
        }
    };
    Ok(NarrativeWritten { organization_id: provider.id, year, narrative: NarrativeView::from(&narrative) })
}

/// Write the narrative of a provider's annual report (豫安委〔2017〕17号 二(三)).
///
/// The provider itself (an agency client acting for it) and admins; 404 for
/// another organisation, 403 for other roles. Every write appends a version
/// (1, 2, 3, …) and returns it; sending the latest version's text again
/// returns that version without writing a new one, so a retry is safe. The
/// year is 2017 to the current year (422 on `year`). Once the year's report
/// is published nothing can be written: 409 `report_published`. An
/// enterprise or insurer has no report: 422 `not_a_provider`.
#[utoipa::path(
    tag = "disclosure",
    params(
        ("id" = Uuid, Path, description = "Provider id"),
        ("year" = i32, Path, description = "Calendar year (CST), 2017 to the current year", example = 2025),
    ),
    request_body = WriteNarrative,
    responses(
        (status = 200, description = "The version written (or the latest, when unchanged)", body = NarrativeWritten),
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
#[put("/organizations/{id}/annual-reports/{year}")]
pub async fn write_narrative(
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    path: web::Path<(Uuid, i32)>,
    body: web::Json<StrictJson>,
) -> Result<web::Json<NarrativeWritten>, ApiError> {
    caller.require(&[Role::Admin, Role::Agency])?;
    let (id, year) = path.into_inner();
    let body: WriteNarrative = typed_body(&body.into_inner().0)?;
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    if let Err(e) = check_year(year, today()) {
        v.push("year", e.code(), e.to_string());
    }
    v.finish()?;
    let actor = Actor::new(&caller, &request_id);
    let mut attempt = 1;
    loop {
        let (actor, text) = (actor.clone(), body.narrative.clone());
        match db::transaction(&state.pool, move |conn| write(conn, &actor, id, year, &text)).await {
            Err(e) if e.code() == "concurrent_update" && attempt < NARRATIVE_ATTEMPTS => attempt += 1,
            result => return result.map(web::Json),
        }
    }
}

/// A provider's annual report as it stands (豫安委〔2017〕17号 二(三)).
///
/// The live figures of the year (engagements signed in it, by service type
/// and region; the evaluations of those engagements; sanctions decided in
/// it), the latest narrative version and whether the report is published.
/// The provider itself, regulators whose jurisdiction covers it and admins;
/// 404 for another organisation or a regulator elsewhere; 403 for other
/// roles. The year is 2017 to the current year (422 on `year`).
#[utoipa::path(
    tag = "disclosure",
    params(
        ("id" = Uuid, Path, description = "Provider id"),
        ("year" = i32, Path, description = "Calendar year (CST), 2017 to the current year", example = 2025),
    ),
    responses(
        (status = 200, description = "The report as it stands", body = AnnualReportDraft),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/annual-reports/{year}")]
pub async fn get_annual_report(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(Uuid, i32)>,
) -> Result<web::Json<AnnualReportDraft>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Agency])?;
    let (id, year) = path.into_inner();
    let year = reportable_year(year)?;
    let draft = db::run(&state.pool, move |conn| {
        let provider = report_owner(conn, &caller, id)?;
        let figures = live_figures(conn, &provider, year)?;
        let narrative = annual_reports::latest_narrative(conn, provider.id, year)?;
        let published = annual_reports::find_published(conn, provider.id, year)?;
        Ok(AnnualReportDraft {
            organization_id: provider.id,
            year,
            published: published.is_some(),
            published_on: published.map(|p| p.published_on),
            figures: AnnualFiguresView::from(&figures),
            narrative: narrative.as_ref().map(NarrativeView::from),
        })
    })
    .await?;
    Ok(web::Json(draft))
}

fn publish(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    year: i32,
) -> Result<Done<PublishedAnnualReport>, ApiError> {
    let provider = report_owner(conn, &actor.caller, id)?;
    let today = today();
    check_publishable(year, today).map_err(|e| match e {
        ReportError::YearNotEnded(_) => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "year_not_ended").with_detail(
            format!("{year}年尚未结束，次年1月1日起方可发布"),
            format!("{year} has not ended; publish from 1 January {}", year.saturating_add(1)),
        ),
        other => ApiError::invalid_field("year", other.code(), other.to_string()),
    })?;
    if annual_reports::find_published(conn, provider.id, year)?.is_some() {
        return Err(ApiError::conflict("already_published"));
    }
    let figures = live_figures(conn, &provider, year)?;
    let narrative = annual_reports::latest_narrative(conn, provider.id, year)?;
    let report = PublishedAnnualReport {
        organization_id: provider.id,
        credit_code: provider.credit_code.as_str().to_owned(),
        name: provider.name.clone(),
        year,
        published_on: today,
        figures: AnnualFiguresView::from(&figures),
        narrative: narrative.as_ref().map(NarrativeView::from),
    };
    let body = serde_json::to_string(&report).map_err(ApiError::internal)?;
    annual_reports::publish(
        conn,
        &NewPublishedReport {
            organization_id: provider.id,
            year,
            narrative_version: narrative.as_ref().map(|n| n.version),
            body,
            published_on: today,
            published_by: actor.caller.client_id.clone(),
        },
        crate::clock::now(),
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => ApiError::conflict("already_published"),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "annual_report.publish",
        "annual_report",
        &format!("{}/{year}", provider.id),
        Some(&provider.region_code),
    )?;
    let location = format!("/api/v1/public/organizations/{}/annual-reports/{year}", provider.credit_code.as_str());
    Ok(Done::created(report, location))
}

/// Publish a provider's annual report (豫安委〔2017〕17号 二(三)).
///
/// The provider itself (an agency client acting for it) and admins; 404 for
/// another organisation, 403 for other roles. Only once the year is over in
/// CST (from 1 January of the next year): before, 422 `year_not_ended`.
/// Freezes the figures as they stand and the latest narrative version (none
/// is fine); the public reads exactly this from then on, and neither the
/// narrative nor the published figures can change. Publishing twice is a
/// 409 `already_published`. The body is `{}`; an optional `Idempotency-Key`
/// makes a retry return the first response.
#[utoipa::path(
    tag = "disclosure",
    params(
        ("id" = Uuid, Path, description = "Provider id"),
        ("year" = i32, Path, description = "Calendar year (CST), 2017 to last year", example = 2025),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = PublishAnnualReport,
    responses(
        (status = 201, description = "Published", body = PublishedAnnualReport,
            headers(("Location" = String, description = "URL of the public report"))),
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
#[post("/organizations/{id}/annual-reports/{year}/publication")]
pub async fn publish_annual_report(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    path: web::Path<(Uuid, i32)>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Agency])?;
    let (id, year) = path.into_inner();
    let key = idempotency::key(&req)?;
    let body = body.into_inner().0;
    let scope = key.map(|key| {
        Scope::new(
            caller.client_id.clone(),
            key,
            "POST /api/v1/organizations/{id}/annual-reports/{year}/publication",
            &serde_json::json!({"object": id, "year": year, "body": body}),
        )
    });
    let _: PublishAnnualReport = typed_body(&body)?;
    let year = reportable_year(year)?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| publish(conn, &actor, id, year)).await
}
