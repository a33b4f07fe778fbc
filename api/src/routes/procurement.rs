//! Government purchase of services (豫安委〔2017〕17号 九(二)): a regulator
//! awards a project in one of the catalogue areas to an eligible provider;
//! the purchaser, a recipient and a third-party institution each evaluate
//! it once; the weighted composite is published and becomes a credit event
//! of the provider (八(三)).

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::events::EventType;
use domain::organization::Role;
use domain::procurement::{band, composite, format_hundredths, EvaluationParty, ProcurementArea, ProcurementStatus};
use domain::region::{jurisdiction_covers, RegionCode};
use domain::rules::RuleParameter;
use domain::validation::{Collector, FieldError};
use domain::Fen;
use persistence::organizations::{self, Organization};
use persistence::procurement::{self, Evaluation, EvaluationResult, NewProject, Project, ProjectScope};
use persistence::{rules, DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::access::may_register_in;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::credit::{record_event, EventInput};
use crate::db;
use crate::eligibility::exclusion;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::routes::organizations::region_info;
use crate::schemas::fields::{collect_validator, past_date};
use crate::schemas::procurement::{
    CreateEvaluation, CreateProject, ProjectQuery, ProjectView, PublicProjectResult, MAX_RECIPIENTS,
};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_project)
        .service(list_projects)
        .service(get_project)
        .service(create_evaluation)
        .service(public_project);
}

/// The checked fields of a project.
struct ProjectFields {
    area: ProcurementArea,
    region: Option<RegionCode>,
    awarded_on: chrono::NaiveDate,
}

fn check_project(caller: &Caller, body: &CreateProject) -> Result<ProjectFields, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let area = v.check("area", ProcurementArea::parse(&body.area));
    if body.budget_fen < 0 {
        v.push("budget_fen", "invalid_range", "must not be negative");
    }
    let region = match &body.region_code {
        Some(code) => v.check("region_code", RegionCode::parse(code)),
        None if caller.jurisdiction().is_none() => {
            v.push("region_code", "required", "an admin names the project's region");
            None
        }
        None => None,
    };
    let awarded_on = past_date("awarded_on", &body.awarded_on, &mut v);
    let recipients = &body.recipient_ids;
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        v.push("recipient_ids", "invalid_length", format!("between 1 and {MAX_RECIPIENTS} recipients"));
    }
    for (i, id) in recipients.iter().enumerate() {
        if recipients[..i].contains(id) {
            v.push(&format!("recipient_ids[{i}]"), "duplicate", "named twice");
        } else if *id == body.provider_id {
            v.push(&format!("recipient_ids[{i}]"), "provider_is_recipient", "the provider cannot be a recipient");
        } else if *id == body.third_party_id {
            v.push(&format!("recipient_ids[{i}]"), "third_party_is_recipient", "the third party cannot be a recipient");
        }
    }
    if body.third_party_id == body.provider_id {
        v.push("third_party_id", "same_as_provider", "the third party must be another organisation than the provider");
    }
    v.finish()?;
    let (Some(area), Some(awarded_on)) = (area, awarded_on) else {
        return Err(ApiError::internal("project validated without its parts"));
    };
    Ok(ProjectFields { area, region, awarded_on })
}

fn existing(conn: &mut DbConnection, field: &str, id: Uuid) -> Result<Organization, ApiError> {
    organizations::find(conn, id)?
        .ok_or_else(|| ApiError::invalid_field(field, "unknown_organization", "no such organisation"))
}

fn record_project(conn: &mut DbConnection, actor: &Actor, body: CreateProject) -> Result<Done<ProjectView>, ApiError> {
    let caller = &actor.caller;
    let fields = check_project(caller, &body)?;
    let code = match (fields.region, caller.jurisdiction()) {
        (Some(code), _) => code,
        (None, Some(jurisdiction)) => jurisdiction.clone(),
        (None, None) => return Err(ApiError::internal("project region neither given nor defaulted")),
    };
    let region = region_info(conn, &code)?
        .ok_or_else(|| ApiError::invalid_field("region_code", "unknown_region", "no such region in Henan"))?;
    may_register_in(caller, &region)?;
    let provider = existing(conn, "provider_id", body.provider_id)?;
    if let Some(excluded) = exclusion(conn, &provider, None, fields.awarded_on)? {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "provider_not_eligible")
            .with_detail(
                format!("中标服务机构在授予之日不符合条件：{excluded}"),
                format!("the provider is not eligible on the award date: {excluded}"),
            )
            .with_errors(vec![FieldError {
                field: "provider_id".to_owned(),
                code: excluded.code(),
                message: excluded.to_string(),
            }]));
    }
    let third_party = existing(conn, "third_party_id", body.third_party_id)?;
    if !Role::Agency.may_bind_to(third_party.kind) {
        return Err(ApiError::invalid_field(
            "third_party_id",
            "invalid_third_party",
            "the third party must be a technical service agency, training institution, social organisation or \
             engineer firm",
        ));
    }
    for (i, id) in body.recipient_ids.iter().enumerate() {
        existing(conn, &format!("recipient_ids[{i}]"), *id)?;
    }
    let project = procurement::insert(
        conn,
        &NewProject {
            area: fields.area,
            title: body.title,
            region_code: code.clone(),
            budget: Fen::new(body.budget_fen),
            provider_id: provider.id,
            third_party_id: third_party.id,
            recipient_ids: body.recipient_ids,
            awarded_on: fields.awarded_on,
            created_by: caller.client_id.clone(),
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "procurement_project.create", "procurement_project", &project.id.to_string(), Some(&code))?;
    Ok(Done::created(ProjectView::new(&project, &[]), format!("/api/v1/procurement/projects/{}", project.id)))
}

/// Award a government purchase of services (豫安委〔2017〕17号 九(二)).
///
/// Admins, and regulators for a region within their jurisdiction
/// (`region_code` defaults to the jurisdiction; another region is a 403
/// `outside_jurisdiction`; an admin must name it). `area` is one of the
/// eight catalogue areas. The provider must be eligible on `awarded_on` as
/// in matching (九(三)): a provider kind, not revoked, suspended, banned or
/// blacklisted, with a qualification valid that day — otherwise 422
/// `provider_not_eligible`, whose `errors` name `provider_id` with the
/// exclusion's code (`blacklisted`, `suspended`, …). Social organisations are
/// providers like any other. The third party is an organisation an agency
/// client can act for (422 `invalid_third_party`), other than the provider
/// (`same_as_provider`) and the recipients; 1 to 50 distinct recipients,
/// not the provider. Unknown organisations are 422 `unknown_organization`
/// on their field. An optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "procurement",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateProject,
    responses(
        (status = 201, description = "Awarded", body = ProjectView,
            headers(("Location" = String, description = "URL of the project"))),
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
#[post("/procurement/projects")]
pub async fn create_project(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateProject>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/procurement/projects",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_project(conn, &actor, body)).await
}

/// Whether the caller takes part in or supervises the project: admins;
/// regulators whose jurisdiction covers its region; callers acting for the
/// provider, the third party or a recipient.
fn sees_project(conn: &mut DbConnection, caller: &Caller, project: &Project) -> Result<bool, ApiError> {
    Ok(match caller.role {
        Role::Admin => true,
        Role::Regulator => match (caller.jurisdiction(), region_info(conn, &project.region_code)?) {
            (Some(jurisdiction), Some(region)) => jurisdiction_covers(jurisdiction, &region),
            _ => false,
        },
        Role::Agency | Role::Enterprise | Role::Insurer => caller.organization_id.is_some_and(|org| {
            org == project.provider_id || org == project.third_party_id || project.recipient_ids.contains(&org)
        }),
        Role::Portal => false,
    })
}

/// The project if the caller may see it; 404 otherwise.
fn visible_project(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Project, ApiError> {
    let project = procurement::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    if sees_project(conn, caller, &project)? {
        Ok(project)
    } else {
        Err(ApiError::not_found())
    }
}

/// Fetch a government purchase with its evaluations (豫安委〔2017〕17号 九(二)).
///
/// Admins, regulators whose jurisdiction covers the project's region, and
/// callers acting for its provider, third party or one of its recipients;
/// 404 for anyone else with a role that may take part; portals 403 (they
/// read evaluated results under `/public/procurement/projects/{id}`).
#[utoipa::path(
    tag = "procurement",
    params(("id" = Uuid, Path, description = "Project id")),
    responses(
        (status = 200, description = "The project", body = ProjectView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/procurement/projects/{id}")]
pub async fn get_project(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<ProjectView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Agency, Role::Enterprise, Role::Insurer])?;
    let id = id.into_inner();
    let view = db::run(&state.pool, move |conn| {
        let project = visible_project(conn, &caller, id)?;
        let evaluations = procurement::evaluations_of(conn, id)?;
        Ok(ProjectView::new(&project, &evaluations))
    })
    .await?;
    Ok(web::Json(view))
}

/// List government purchases (豫安委〔2017〕17号 九(二)).
///
/// Admins see every project; a regulator those located in its jurisdiction
/// (the province all); a caller acting for an organisation those it takes
/// part in (as provider, third party or recipient). Portals and callers
/// acting for no organisation get 403. In recording order (oldest first),
/// cursor-paginated; items carry their evaluations.
#[utoipa::path(
    tag = "procurement",
    params(ProjectQuery),
    responses(
        (status = 200, description = "One page", body = Page<ProjectView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/procurement/projects")]
pub async fn list_projects(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ProjectQuery>,
) -> Result<web::Json<Page<ProjectView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Agency, Role::Enterprise, Role::Insurer])?;
    let scope = match caller.role {
        Role::Admin => ProjectScope::Everything,
        Role::Regulator => ProjectScope::Jurisdiction(caller.jurisdiction().cloned().ok_or_else(ApiError::forbidden)?),
        _ => ProjectScope::Party(caller.organization_id.ok_or_else(ApiError::forbidden)?),
    };
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let (page, evaluations) = db::run(&state.pool, move |conn| {
        let page = procurement::list(conn, &scope, after, limit)?;
        let evaluations = page
            .items
            .iter()
            .map(|p| procurement::evaluations_of(conn, p.id))
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok((page, evaluations))
    })
    .await?;
    let mut evaluations = evaluations.into_iter();
    Ok(web::Json(Page::from_store(page, |p| ProjectView::new(&p, &evaluations.next().unwrap_or_default()))))
}

/// The checked parts of an evaluation.
struct Scored {
    party: EvaluationParty,
    score: u8,
    evaluated_on: chrono::NaiveDate,
}

fn check_evaluation(project: &Project, body: &CreateEvaluation) -> Result<Scored, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let party = v.check("party", EvaluationParty::parse(&body.party));
    let score = match u8::try_from(body.score) {
        Ok(score) if score <= domain::procurement::MAX_SCORE => Some(score),
        _ => {
            v.push("score", "invalid_range", "value must be between 0 and 100");
            None
        }
    };
    let evaluated_on = past_date("evaluated_on", &body.evaluated_on, &mut v);
    if evaluated_on.is_some_and(|on| on < project.awarded_on) {
        v.push("evaluated_on", "out_of_range", "must not be before the award date");
    }
    v.finish()?;
    let (Some(party), Some(score), Some(evaluated_on)) = (party, score, evaluated_on) else {
        return Err(ApiError::internal("evaluation validated without its parts"));
    };
    Ok(Scored { party, score, evaluated_on })
}

/// Whether the caller is `party` of the project: the purchaser is an admin
/// or a regulator whose jurisdiction covers the project (already checked by
/// visibility); a recipient a caller acting for one of the recipients; the
/// third party an agency caller acting for the third-party institution.
fn is_party(caller: &Caller, project: &Project, party: EvaluationParty) -> bool {
    match party {
        EvaluationParty::Purchaser => matches!(caller.role, Role::Admin | Role::Regulator),
        EvaluationParty::Recipient => {
            matches!(caller.role, Role::Enterprise | Role::Agency)
                && caller.organization_id.is_some_and(|org| project.recipient_ids.contains(&org))
        }
        EvaluationParty::ThirdParty => {
            caller.role == Role::Agency && caller.organization_id == Some(project.third_party_id)
        }
    }
}

fn already_evaluated() -> ApiError {
    ApiError::conflict("already_evaluated")
        .with_detail("该评价方已对本项目作出评价", "this party has already evaluated the project")
}

/// With all three evaluations in: the composite with the weights in force on
/// the last evaluation date, its band's credit event for the provider, and
/// the stored result (九(二), 八(三)).
fn conclude(
    conn: &mut DbConnection,
    actor: &Actor,
    project: &Project,
    evaluations: &[Evaluation],
) -> Result<Project, ApiError> {
    let last = evaluations
        .iter()
        .map(|e| e.evaluated_on)
        .max()
        .ok_or_else(|| ApiError::internal("concluding a project without evaluations"))?;
    let book = rules::load_rule_book(conn)?;
    let weight = |parameter| book.basis_points(parameter, last).map_err(|e| ApiError::rule("evaluated_on", e));
    let weights = [
        weight(RuleParameter::ProcurementWeightPurchaserBp)?,
        weight(RuleParameter::ProcurementWeightRecipientBp)?,
        weight(RuleParameter::ProcurementWeightThirdPartyBp)?,
    ];
    let points = |parameter| book.points(parameter, last).map_err(|e| ApiError::rule("evaluated_on", e));
    let good = points(RuleParameter::ProcurementGoodMin)?;
    let adequate = points(RuleParameter::ProcurementAdequateMin)?;
    let mut scores = [0u8; 3];
    for e in evaluations {
        scores[e.party.index()] = e.score;
    }
    let hundredths = composite([weights[0].value, weights[1].value, weights[2].value], scores)
        .map_err(|e| ApiError::internal(format!("procurement weights in force on {last}: {e}")))?;
    let event_type = band(hundredths, good.value, adequate.value);
    let provider = organizations::find(conn, project.provider_id)?
        .ok_or_else(|| ApiError::internal(format!("project {} names an unknown provider", project.id)))?;
    let evidence = format!(
        "政府购买服务《{}》三方综合评价 {} 分（购买方 {}、服务对象 {}、第三方 {}）",
        project.title,
        format_hundredths(hundredths),
        scores[0],
        scores[1],
        scores[2]
    );
    let recorded = record_event(
        conn,
        actor,
        &provider,
        &EventInput {
            event_type,
            occurred_on: last,
            evidence: &evidence,
            source: Some(("procurement_project", project.id)),
        },
    )?;
    let weights_version = weights.iter().map(|w| w.version.as_str()).collect::<Vec<_>>().join(",");
    let concluded = procurement::record_result(
        conn,
        project.id,
        &EvaluationResult {
            composite_hundredths: hundredths,
            weights_version,
            evaluated_on: last,
            credit_event_id: recorded.event.id,
        },
        crate::clock::now(),
    )
    .map_err(|e| match e {
        StoreError::VersionConflict => already_evaluated(),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "procurement_project.evaluate",
        "procurement_project",
        &project.id.to_string(),
        Some(&project.region_code),
    )?;
    events::publish(
        conn,
        EventType::EvaluationRecorded,
        project_subject(&concluded, None),
        serde_json::json!({
            "subject": "procurement_result",
            "project_id": concluded.id,
            "composite_hundredths": hundredths,
            "weights_version": concluded.weights_version,
            "evaluated_on": last,
            "credit_event_id": recorded.event.id,
            "credit_event_type": recorded.event.event_type.as_str(),
            "points": recorded.event.points,
        }),
    )?;
    Ok(concluded)
}

/// The event subject of a procurement project: the project's region, the
/// provider evaluated and, for one party's evaluation, the organisation that
/// evaluated (none for a regulator).
fn project_subject(project: &Project, evaluator: Option<Uuid>) -> Subject<'_> {
    Subject {
        resource_type: "procurement_project",
        resource_id: project.id.to_string(),
        region: Some(&project.region_code),
        organization_id: Some(project.provider_id),
        counterparty_id: evaluator,
    }
}

fn evaluate(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateEvaluation,
) -> Result<Done<ProjectView>, ApiError> {
    let caller = &actor.caller;
    let project = visible_project(conn, caller, id)?;
    if caller.organization_id == Some(project.provider_id) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "self_evaluation")
            .with_detail("服务机构不得评价自己承接的项目", "a provider cannot evaluate its own project"));
    }
    let scored = check_evaluation(&project, &body)?;
    if !is_party(caller, &project, scored.party) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "not_evaluating_party").with_detail(
            format!("调用方不是本项目的{}评价方", scored.party),
            format!("the caller is not the {} of this project", scored.party),
        ));
    }
    if project.status == ProcurementStatus::Evaluated {
        return Err(already_evaluated());
    }
    let now = crate::clock::now();
    // Concurrent evaluations of the project queue here, so exactly one of
    // them finds all three in and concludes.
    if !procurement::lock(conn, id, now)? {
        return Err(ApiError::not_found());
    }
    procurement::insert_evaluation(
        conn,
        &Evaluation {
            project_id: id,
            party: scored.party,
            score: scored.score,
            comment: body.comment,
            evaluator: caller.client_id.clone(),
            evaluator_org: caller.organization_id,
            evaluated_on: scored.evaluated_on,
            created_at: now,
        },
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => already_evaluated(),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "procurement_evaluation.create",
        "procurement_project",
        &id.to_string(),
        Some(&project.region_code),
    )?;
    // One party's score; the comment is free text and stays out.
    events::publish(
        conn,
        EventType::EvaluationRecorded,
        project_subject(&project, caller.organization_id),
        serde_json::json!({
            "subject": "procurement_evaluation",
            "project_id": id,
            "party": scored.party.as_str(),
            "score": scored.score,
            "evaluated_on": scored.evaluated_on,
        }),
    )?;
    let evaluations = procurement::evaluations_of(conn, id)?;
    let project = if evaluations.len() == EvaluationParty::ALL.len() {
        conclude(conn, actor, &project, &evaluations)?
    } else {
        procurement::find(conn, id)?.ok_or_else(ApiError::not_found)?
    };
    Ok(Done::created(ProjectView::new(&project, &evaluations), format!("/api/v1/procurement/projects/{id}")))
}

/// Evaluate a government purchase as one of its three parties (豫安委〔2017〕17号 九(二)).
///
/// `party` is who the caller evaluates as: `purchaser` — an admin or a
/// regulator whose jurisdiction covers the project; `recipient` — an
/// enterprise or agency caller acting for one of the recipients;
/// `third_party` — an agency caller acting for the third-party institution.
/// A caller acting for the provider may never evaluate (403
/// `self_evaluation`, checked first); a party the caller is not is a 403
/// `not_evaluating_party`; a project the caller cannot see is a 404. `score`
/// is 0 to 100; `evaluated_on` not before the award and not in the future.
/// Each party evaluates once: a second time is a 409 `already_evaluated`.
///
/// The third evaluation concludes the project in the same transaction: the
/// composite with the weights in force on the last evaluation date
/// (`procurement_weight_*_bp`), rounded half up to hundredths, and the
/// provider's credit event by band (`procurement_good_min`,
/// `procurement_adequate_min`: positive, neutral or negative). Answers the
/// project as it stands.
#[utoipa::path(
    tag = "procurement",
    params(
        ("id" = Uuid, Path, description = "Project id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateEvaluation,
    responses(
        (status = 201, description = "Recorded; the project with its evaluations", body = ProjectView,
            headers(("Location" = String, description = "URL of the project"))),
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
#[post("/procurement/projects/{id}/evaluations")]
pub async fn create_evaluation(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Agency, Role::Enterprise])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateEvaluation>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/procurement/projects/{id}/evaluations",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response =
        idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| evaluate(conn, &actor, id, body))
            .await?;
    // The third evaluation records a credit event: public cards change.
    state.public_credit.invalidate_all();
    Ok(response)
}

/// The published result of a government purchase (豫安委〔2017〕17号 九(二)).
///
/// Public, no authentication: once all three parties have evaluated, the
/// area, title, provider (name and credit code), the composite as text with
/// two decimals and in hundredths, each party's score and the date of the
/// last evaluation. 404 before that, as for an unknown id. Cacheable for
/// 60 s; rate-limited like every public path.
#[utoipa::path(
    tag = "public",
    params(("id" = Uuid, Path, description = "Project id")),
    responses(
        (status = 200, description = "The result", body = PublicProjectResult,
            headers(("Cache-Control" = String))),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/procurement/projects/{id}")]
pub async fn public_project(state: web::Data<AppState>, id: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let result = db::run(&state.read_pool, move |conn| {
        let project = procurement::find(conn, id)?.ok_or_else(ApiError::not_found)?;
        if project.status != ProcurementStatus::Evaluated {
            return Err(ApiError::not_found());
        }
        let provider = organizations::find(conn, project.provider_id)?
            .ok_or_else(|| ApiError::internal(format!("project {id} names an unknown provider")))?;
        let evaluations = procurement::evaluations_of(conn, id)?;
        PublicProjectResult::new(&project, &provider, &evaluations)
            .ok_or_else(|| ApiError::internal(format!("evaluated project {id} lacks its result")))
    })
    .await?;
    Ok(HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(60)]))
        .json(result))
}
