//! Engagements: contracts, status, payments, evaluations, cross-region notices and the charging-without-service flag (二, 八(三)).

use std::collections::HashSet;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::credit::CreditEventType;
use domain::engagements::{
    charging_without_service, check_payment, check_reports, evaluation_event, may_move, notice_needed, notice_timing,
    requires_engineer, EngagementStatus, PaymentError, ReportType,
};
use domain::events::EventType;
use domain::organization::{OrganizationKind, Role, ServiceType};
use domain::region::{jurisdiction_covers, RegionCode};
use domain::rules::RuleParameter;
use domain::validation::Collector;
use persistence::engagements::{
    self, Assignment, CrossRegionNotice, Engagement, EngagementScope, Evaluation, NewEngagement, NewNotice,
    ServiceLine, StatusChange,
};
use persistence::organizations::{self, Organization};
use persistence::{engineers, holidays, people, regions, rules, DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::audit::Actor;
use crate::auth::Caller;
use crate::credit::{record_event, EventInput};
use crate::db;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::{typed_body, StrictJson};
use crate::idempotency::{self, Done, Scope, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::people::check_person;
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::organization_region;
use crate::schemas::engagement::{
    AcceptEngagement, ChargingConfirmed, ChargingFlagView, ChargingQuery, ConfirmCharging, CreateEngagement,
    CreateEvaluation, CreatePayment, DeliverEngagement, DisputeEngagement, EngagementQuery, EngagementView,
    EvaluationView, NoticeQuery, NoticeView, PaymentView, PersonnelView, StartEngagement,
};
use crate::schemas::fields::{collect_validator, date_or_today, parse_date, past_date};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`. The fixed paths come
/// before `/engagements/{id}` so that they are never read as an id.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(list_charging_without_service)
        .service(create_engagement)
        .service(list_engagements)
        .service(get_engagement)
        .service(start_engagement)
        .service(deliver_engagement)
        .service(accept_engagement)
        .service(dispute_engagement)
        .service(create_payment)
        .service(create_evaluation)
        .service(confirm_charging_without_service)
        .service(list_cross_region_notices);
}

// ---------------------------------------------------------------------------
// Shared helpers

fn organization(conn: &mut DbConnection, id: Uuid) -> Result<Organization, ApiError> {
    organizations::find(conn, id)?
        .ok_or_else(|| ApiError::internal(format!("engagement names unknown organisation {id}")))
}

/// The event subject of an engagement: the enterprise's regulators, the
/// enterprise and the provider see its events.
fn engagement_subject<'a>(engagement: &Engagement, enterprise: &'a Organization) -> Subject<'a> {
    Subject {
        resource_type: "engagement",
        resource_id: engagement.id.to_string(),
        region: Some(&enterprise.region_code),
        organization_id: Some(engagement.enterprise_id),
        counterparty_id: Some(engagement.provider_id),
    }
}

/// Publishes `engagement_status_changed`: `previous` is `None` for a new
/// engagement, `on` the date the change took effect.
fn publish_status(
    conn: &mut DbConnection,
    engagement: &Engagement,
    enterprise: &Organization,
    previous: Option<EngagementStatus>,
    on: Option<NaiveDate>,
) -> Result<i64, ApiError> {
    events::publish(
        conn,
        EventType::EngagementStatusChanged,
        engagement_subject(engagement, enterprise),
        serde_json::json!({
            "previous_status": previous.map(|s| s.as_str()),
            "status": engagement.status.as_str(),
            "on": on,
            "contract_fee_fen": engagement.contract_fee_fen,
            "demand_id": engagement.demand_id,
        }),
    )
}

/// The regions a regulator's lists cover: `None` for the province (everything).
fn supervised(conn: &mut DbConnection, jurisdiction: &RegionCode) -> Result<Option<Vec<String>>, ApiError> {
    if jurisdiction.is_province() {
        Ok(None)
    } else {
        Ok(Some(regions::supervised_codes(conn, jurisdiction)?))
    }
}

/// Which side of an engagement the caller acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Admin,
    Enterprise,
    Provider,
    Regulator,
}

/// The engagement if the caller may see it: its two parties, regulators
/// whose jurisdiction covers the enterprise's or the provider's region, and
/// admins; 404 for anyone else.
fn visible_engagement(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<(Engagement, Side), ApiError> {
    let engagement = engagements::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let side = match caller.role {
        Role::Admin => Some(Side::Admin),
        Role::Regulator => {
            let jurisdiction = caller.jurisdiction().cloned().ok_or_else(ApiError::not_found)?;
            let mut covered = false;
            for org_id in [engagement.enterprise_id, engagement.provider_id] {
                let org = organization(conn, org_id)?;
                covered = covered || jurisdiction_covers(&jurisdiction, &organization_region(conn, &org)?);
            }
            covered.then_some(Side::Regulator)
        }
        Role::Enterprise if caller.organization_id == Some(engagement.enterprise_id) => Some(Side::Enterprise),
        Role::Agency if caller.organization_id == Some(engagement.provider_id) => Some(Side::Provider),
        _ => None,
    };
    match side {
        Some(side) => Ok((engagement, side)),
        None => Err(ApiError::not_found()),
    }
}

fn notice_view(conn: &mut DbConnection, notice: &CrossRegionNotice) -> Result<NoticeView, ApiError> {
    let calendar = holidays::calendar(conn)?;
    Ok(NoticeView::new(notice, calendar.covers_span(notice.notified_on, notice.earliest_on_site)))
}

/// The full view: service lines, personnel by name and engineer number, and
/// the cross-region notice.
fn engagement_view(conn: &mut DbConnection, engagement: &Engagement) -> Result<EngagementView, ApiError> {
    let services = engagements::services_of(conn, engagement.id)?;
    let mut personnel = Vec::new();
    for assignment in engagements::personnel_of(conn, engagement.id)? {
        let person = people::find(conn, assignment.person_id)?
            .ok_or_else(|| ApiError::internal(format!("engagement {} names an unknown person", engagement.id)))?;
        let registration_number = match assignment.engineer_id {
            Some(engineer_id) => engineers::find(conn, engineer_id)?.map(|e| e.registration_number),
            None => None,
        };
        personnel.push(PersonnelView {
            person_id: person.id,
            name: person.name,
            engineer_id: assignment.engineer_id,
            registration_number,
        });
    }
    let notice = match engagements::notice_of(conn, engagement.id)? {
        Some(notice) => Some(notice_view(conn, &notice)?),
        None => None,
    };
    Ok(EngagementView::new(engagement, &services, personnel, notice))
}

// ---------------------------------------------------------------------------
// Creation

const MAX_SERVICES: usize = 20;
const MAX_REPORTS: usize = 20;
const MAX_ON_SITE_DATES: usize = 100;
const MAX_PERSONNEL: usize = 50;

/// The checked parts of a new engagement.
struct Checked {
    new: NewEngagement,
    enterprise: Organization,
    provider: Organization,
}

fn check_services(body: &CreateEngagement, v: &mut Collector) -> Vec<ServiceLine> {
    let mut lines = Vec::new();
    let mut seen = HashSet::new();
    let mut total: Option<i64> = Some(0);
    for (i, line) in body.services.iter().enumerate() {
        let service_type = v.check(&format!("services[{i}].service_type"), ServiceType::parse(&line.service_type));
        if let Some(service_type) = service_type {
            if !seen.insert(service_type) {
                v.push(&format!("services[{i}].service_type"), "duplicate", "each service type once per engagement");
            }
        }
        if line.fee_fen < 0 {
            v.push(&format!("services[{i}].fee_fen"), "invalid_amount", "a fee is not negative");
        }
        total = total.and_then(|t| t.checked_add(line.fee_fen.max(0)));
        if let Some(service_type) = service_type {
            lines.push(ServiceLine { service_type, fee_fen: line.fee_fen });
        }
    }
    if total.is_none() {
        v.push("services", "amount_overflow", "the contract fee is too large");
    }
    lines
}

fn check_report_list(body: &CreateEngagement, v: &mut Collector) -> Vec<Vec<ReportType>> {
    let mut reports = Vec::new();
    let mut parsed_all = true;
    for (i, document) in body.reports.iter().enumerate() {
        let mut types = Vec::new();
        for (j, text) in document.iter().enumerate() {
            match v.check(&format!("reports[{i}][{j}]"), ReportType::parse(text)) {
                Some(t) => types.push(t),
                None => parsed_all = false,
            }
        }
        reports.push(types);
    }
    if parsed_all {
        if let Err(errors) = check_reports(&reports) {
            for error in errors {
                v.push(&format!("reports[{}]", error.index), error.code(), error.to_string());
            }
        }
    }
    reports
}

/// The organisation named in `field`, if it exists and is of the right kind.
fn party_of(
    conn: &mut DbConnection,
    field: &str,
    id: Uuid,
    want_enterprise: bool,
    v: &mut Collector,
) -> Result<Option<Organization>, ApiError> {
    let Some(org) = organizations::find(conn, id)? else {
        v.push(field, "unknown_organization", "no organisation has this id");
        return Ok(None);
    };
    if want_enterprise && org.kind != OrganizationKind::Enterprise {
        v.push(field, "not_an_enterprise", "the enterprise must be an organisation of kind enterprise");
        return Ok(None);
    }
    if !want_enterprise && matches!(org.kind, OrganizationKind::Enterprise | OrganizationKind::Insurer) {
        v.push(field, "not_a_provider", "the provider must be a service provider (not an enterprise or insurer)");
        return Ok(None);
    }
    Ok(Some(org))
}

/// Personnel: each a known person employed by the provider on the signing
/// date, with the engineer registration in force then (四(一)).
fn check_personnel(
    conn: &mut DbConnection,
    body: &CreateEngagement,
    provider: Option<&Organization>,
    signed_on: Option<NaiveDate>,
    v: &mut Collector,
) -> Result<Vec<Assignment>, ApiError> {
    let mut assignments: Vec<Assignment> = Vec::new();
    for (i, input) in body.personnel.iter().enumerate() {
        let prefix = format!("personnel[{i}]");
        let Some(named) = check_person(&prefix, input, v) else { continue };
        let (Some(provider), Some(signed_on)) = (provider, signed_on) else { continue };
        let Some(person) = people::find_by_resident_id(conn, &named.resident_id)? else {
            v.push(&prefix, "not_employed", "the provider does not employ this person on the signing date");
            continue;
        };
        if person.name != named.name {
            v.push(
                &format!("{prefix}.name"),
                "name_mismatch",
                "a person with this identity number is recorded under another name",
            );
            continue;
        }
        if assignments.iter().any(|a| a.person_id == person.id) {
            v.push(&prefix, "duplicate", "each person once per engagement");
            continue;
        }
        if !people::employs(conn, provider.id, person.id, signed_on)? {
            v.push(&prefix, "not_employed", "the provider does not employ this person on the signing date");
            continue;
        }
        let in_force: Vec<_> = engineers::of_person(conn, person.id)?
            .into_iter()
            .filter(|e| e.registered_on <= signed_on && signed_on <= e.valid_until)
            .collect();
        let engineer = in_force.iter().find(|e| e.employer_id == provider.id).or(in_force.first());
        assignments.push(Assignment { person_id: person.id, engineer_id: engineer.map(|e| e.id) });
    }
    Ok(assignments)
}

fn check_engagement(conn: &mut DbConnection, actor: &Actor, body: &CreateEngagement) -> Result<Checked, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    for (field, len, min, max) in [
        ("services", body.services.len(), 1, MAX_SERVICES),
        ("reports", body.reports.len(), 0, MAX_REPORTS),
        ("planned_on_site_dates", body.planned_on_site_dates.len(), 0, MAX_ON_SITE_DATES),
        ("personnel", body.personnel.len(), 0, MAX_PERSONNEL),
    ] {
        if !(min..=max).contains(&len) {
            v.push(field, "invalid_length", format!("between {min} and {max} items"));
        }
    }
    let enterprise = party_of(conn, "enterprise_id", body.enterprise_id, true, &mut v)?;
    let provider = party_of(conn, "provider_id", body.provider_id, false, &mut v)?;
    let services = check_services(body, &mut v);
    let reports = check_report_list(body, &mut v);
    let signed_on = past_date("signed_on", &body.signed_on, &mut v);
    let starts_on = parse_date("starts_on", &body.starts_on, &mut v);
    let ends_on = parse_date("ends_on", &body.ends_on, &mut v);
    let deadline = parse_date("delivery_deadline", &body.delivery_deadline, &mut v);
    if let (Some(starts_on), Some(ends_on)) = (starts_on, ends_on) {
        if ends_on < starts_on {
            v.push("ends_on", "invalid_period", "the contract cannot end before it starts");
        }
    }
    if let (Some(signed_on), Some(deadline)) = (signed_on, deadline) {
        if deadline < signed_on {
            v.push("delivery_deadline", "invalid_range", "the delivery deadline cannot precede the signing");
        }
    }
    let planned: Vec<NaiveDate> = body
        .planned_on_site_dates
        .iter()
        .enumerate()
        .filter_map(|(i, text)| parse_date(&format!("planned_on_site_dates[{i}]"), text, &mut v))
        .collect();
    let personnel = check_personnel(conn, body, provider.as_ref(), signed_on, &mut v)?;
    let needs_engineer = services.iter().any(|s| requires_engineer(s.service_type));
    if needs_engineer && provider.is_some() && signed_on.is_some() && personnel.iter().all(|p| p.engineer_id.is_none())
    {
        v.push(
            "personnel",
            "engineer_required",
            "safety assessment, testing and inspection and occupational-health services need a registered safety \
             engineer among the personnel (四(一))",
        );
    }
    if let (Some(demand_id), Some(enterprise), Some(provider)) = (body.demand_id, &enterprise, &provider) {
        if engagements::demand_awarded_to(conn, demand_id, enterprise.id, provider.id)? != Some(true) {
            v.push("demand_id", "demand_not_awarded", "the demand is not awarded to this provider for this enterprise");
        }
    }
    v.finish()?;
    let (Some(enterprise), Some(provider), Some(signed_on), Some(starts_on), Some(ends_on), Some(deadline)) =
        (enterprise, provider, signed_on, starts_on, ends_on, deadline)
    else {
        return Err(ApiError::internal("engagement validated without its parts"));
    };
    Ok(Checked {
        new: NewEngagement {
            enterprise_id: enterprise.id,
            provider_id: provider.id,
            demand_id: body.demand_id,
            signed_on,
            starts_on,
            ends_on,
            delivery_deadline: deadline,
            reports,
            planned_on_site: planned,
            services,
            personnel,
            recorded_by: actor.caller.client_id.clone(),
        },
        enterprise,
        provider,
    })
}

/// 二(一): the notice to the enterprise's regulator when the provider's home
/// unit (prefecture city or province-managed county) differs.
fn record_notice(
    conn: &mut DbConnection,
    actor: &Actor,
    engagement: &Engagement,
    enterprise: &Organization,
    provider: &Organization,
) -> Result<Option<CrossRegionNotice>, ApiError> {
    let enterprise_unit = organization_region(conn, enterprise)?.supervisor;
    let provider_unit = organization_region(conn, provider)?.supervisor;
    if !notice_needed(&provider_unit, &enterprise_unit) {
        return Ok(None);
    }
    let book = rules::load_rule_book(conn)?;
    let lead = book
        .count(RuleParameter::CrossRegionNoticeWorkingDays, engagement.signed_on)
        .map_err(|e| ApiError::rule("signed_on", e))?;
    let calendar = holidays::calendar(conn)?;
    let timing = notice_timing(&calendar, engagement.signed_on, lead.value, &engagement.planned_on_site);
    let notice = engagements::insert_notice(
        conn,
        &NewNotice {
            engagement_id: engagement.id,
            regulator_region: enterprise_unit.clone(),
            provider_region: provider_unit,
            notified_on: engagement.signed_on,
            earliest_on_site: timing.earliest_on_site,
            late_dates: timing.late_dates,
        },
        crate::clock::now(),
    )?;
    actor.record(
        conn,
        "cross_region_notice.create",
        "cross_region_notice",
        &notice.id.to_string(),
        Some(&enterprise_unit),
    )?;
    // In the enterprise's region, so that its city's regulators (to whom the
    // notice goes) and the province see it; the provider as counterparty.
    events::publish(
        conn,
        EventType::NoticeCreated,
        Subject {
            resource_type: "cross_region_notice",
            resource_id: notice.id.to_string(),
            region: Some(&enterprise.region_code),
            organization_id: Some(enterprise.id),
            counterparty_id: Some(provider.id),
        },
        serde_json::json!({
            "engagement_id": engagement.id,
            "regulator_region": notice.regulator_region.as_str(),
            "provider_region": notice.provider_region.as_str(),
            "notified_on": notice.notified_on,
            "earliest_on_site": notice.earliest_on_site,
            "late_dates": notice.late_dates,
            "flagged": notice.flagged,
        }),
    )?;
    Ok(Some(notice))
}

fn record_engagement(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateEngagement,
) -> Result<Done<EngagementView>, ApiError> {
    let checked = check_engagement(conn, actor, &body)?;
    let engagement = engagements::insert(conn, &checked.new, crate::clock::now())?;
    actor.record(
        conn,
        "engagement.create",
        "engagement",
        &engagement.id.to_string(),
        Some(&checked.enterprise.region_code),
    )?;
    publish_status(conn, &engagement, &checked.enterprise, None, Some(engagement.signed_on))?;
    record_notice(conn, actor, &engagement, &checked.enterprise, &checked.provider)?;
    let view = engagement_view(conn, &engagement)?;
    Ok(Done::created(view, format!("/api/v1/engagements/{}", engagement.id)))
}

/// Record a service contract (豫安委〔2017〕17号 二).
///
/// Admins; an agency acting for `provider_id`; an enterprise acting for
/// `enterprise_id` (any other pairing is a 403). Every bad field is named at
/// once (422): an unknown organisation (`unknown_organization`), an
/// enterprise that is not one (`not_an_enterprise`) or a provider that is an
/// enterprise or insurer (`not_a_provider`); no services, a service type
/// twice (`duplicate`) or a negative fee; a report document that combines
/// types other than the three pairs of 二(二) (`invalid_report_combination`
/// on `reports[i]`); `signed_on` in the future, `ends_on` before `starts_on`,
/// `delivery_deadline` before `signed_on`; personnel not employed by the
/// provider on `signed_on` (`not_employed`); no registered engineer in force
/// among the personnel when a service is safety assessment, testing and
/// inspection or occupational health (`engineer_required`, 四(一)); a
/// `demand_id` not awarded to this provider for this enterprise
/// (`demand_not_awarded`).
///
/// The contract fee is the sum of the service fees. When the provider's
/// home city (or province-managed county) differs from the enterprise's, a
/// cross-region notice to the enterprise's regulator is recorded with the
/// engagement (二(一)): the earliest on-site date is
/// `cross_region_notice_working_days` working days after signing (weekends
/// and listed holidays skipped, make-up workdays counted), and planned
/// on-site dates before it are flagged. An optional `Idempotency-Key` makes
/// retries safe.
#[utoipa::path(
    tag = "engagements",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateEngagement,
    responses(
        (status = 201, description = "Recorded, with its cross-region notice if any", body = EngagementView,
            headers(("Location" = String, description = "URL of the engagement"))),
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
#[post("/engagements")]
pub async fn create_engagement(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Agency, Role::Enterprise])?;
    let (scope, body) = idempotency::scoped_body::<CreateEngagement>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/engagements",
        Target::Collection,
        body.into_inner(),
    )?;
    let acts_for = match caller.role {
        Role::Agency => Some(body.provider_id),
        Role::Enterprise => Some(body.enterprise_id),
        _ => None,
    };
    if acts_for.is_some() && acts_for != caller.organization_id {
        return Err(ApiError::forbidden());
    }
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_engagement(conn, &actor, body))
        .await
}

/// Fetch an engagement (豫安委〔2017〕17号 二).
///
/// Its two parties (the enterprise and the provider), regulators whose
/// jurisdiction covers the enterprise's or the provider's region, and
/// admins; 404 for anyone else bound to an organisation or a regulator
/// elsewhere; insurers and portals 403. Personnel appear by name and engineer
/// registration number, never by identity number.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id")),
    responses(
        (status = 200, description = "The engagement", body = EngagementView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/engagements/{id}")]
pub async fn get_engagement(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<EngagementView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Agency, Role::Enterprise])?;
    let id = id.into_inner();
    let view = db::run(&state.pool, move |conn| {
        let (engagement, _) = visible_engagement(conn, &caller, id)?;
        engagement_view(conn, &engagement)
    })
    .await?;
    Ok(web::Json(view))
}

/// List engagements (豫安委〔2017〕17号 二).
///
/// Admins see all; regulators those whose enterprise or provider lies in
/// their jurisdiction (the province all); an enterprise or agency those it
/// is a party to; insurers and portals 403. `status` filters. In recording
/// order (ascending id), cursor-paginated.
#[utoipa::path(
    tag = "engagements",
    params(EngagementQuery),
    responses(
        (status = 200, description = "One page", body = Page<EngagementView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/engagements")]
pub async fn list_engagements(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<EngagementQuery>,
) -> Result<web::Json<Page<EngagementView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Agency, Role::Enterprise])?;
    let query = query.into_inner();
    let mut v = Collector::new();
    let status = query.status.as_deref().and_then(|s| v.check("status", EngagementStatus::parse(s)));
    v.finish()?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let page = db::run(&state.pool, move |conn| {
        let scope = match caller.role {
            Role::Admin => EngagementScope::All,
            Role::Regulator => {
                let jurisdiction = caller.jurisdiction().cloned().ok_or_else(ApiError::forbidden)?;
                match supervised(conn, &jurisdiction)? {
                    None => EngagementScope::All,
                    Some(codes) => EngagementScope::Regions(codes),
                }
            }
            _ => EngagementScope::Party(caller.organization_id.ok_or_else(ApiError::forbidden)?),
        };
        let page = engagements::page(conn, &scope, status, after, limit)?;
        let mut items = Vec::with_capacity(page.items.len());
        for engagement in &page.items {
            items.push(engagement_view(conn, engagement)?);
        }
        Ok(Page { items, next_cursor: page.next_after.map(|k| pagination::encode_cursor(&k)) })
    })
    .await?;
    Ok(web::Json(page))
}

// ---------------------------------------------------------------------------
// Transitions

/// Which party may make a change: the provider starts and delivers, the
/// enterprise accepts and disputes; admins may do either.
fn may_act(side: Side, change: &StatusChange) -> bool {
    matches!(
        (side, change),
        (Side::Admin, _)
            | (Side::Provider, StatusChange::Start | StatusChange::Deliver { .. })
            | (Side::Enterprise, StatusChange::Accept { .. } | StatusChange::Dispute { .. })
    )
}

/// A transition date: not in the future, and not before `earliest`.
fn transition_date(field: &str, text: &str, earliest: Option<NaiveDate>, v: &mut Collector) -> Option<NaiveDate> {
    let date = past_date(field, text, v)?;
    if let Some(earliest) = earliest.filter(|e| date < *e) {
        v.push(field, "invalid_range", format!("must not be before {earliest}"));
        return None;
    }
    Some(date)
}

/// A transition request, parsed against the engagement it applies to.
enum Request {
    Start(StartEngagement),
    Deliver(DeliverEngagement),
    Accept(AcceptEngagement),
    Dispute(DisputeEngagement),
}

impl Request {
    fn action(&self) -> &'static str {
        match self {
            Request::Start(_) => "engagement.start",
            Request::Deliver(_) => "engagement.deliver",
            Request::Accept(_) => "engagement.accept",
            Request::Dispute(_) => "engagement.dispute",
        }
    }

    fn change(&self, engagement: &Engagement) -> Result<StatusChange, ApiError> {
        let mut v = Collector::new();
        let closing_after = engagement.delivered_on.unwrap_or(engagement.signed_on);
        let change = match self {
            Request::Start(body) => {
                transition_date("started_on", &body.started_on, Some(engagement.signed_on), &mut v);
                Some(StatusChange::Start)
            }
            Request::Deliver(body) => {
                collect_validator(body.validate(), &mut v);
                transition_date("delivered_on", &body.delivered_on, Some(engagement.signed_on), &mut v).map(
                    |delivered_on| StatusChange::Deliver {
                        delivered_on,
                        procedure_text: body.procedure.clone(),
                        main_content: body.main_content.clone(),
                    },
                )
            }
            Request::Accept(body) => transition_date("accepted_on", &body.accepted_on, Some(closing_after), &mut v)
                .map(|accepted_on| StatusChange::Accept { accepted_on }),
            Request::Dispute(body) => {
                collect_validator(body.validate(), &mut v);
                transition_date("disputed_on", &body.disputed_on, Some(closing_after), &mut v)
                    .map(|disputed_on| StatusChange::Dispute { disputed_on, reason: body.reason.clone() })
            }
        };
        v.finish()?;
        change.ok_or_else(|| ApiError::internal("transition validated without its date"))
    }

    /// The change this request makes, before the body is looked at (for the
    /// party and state checks).
    fn target(&self) -> StatusChange {
        match self {
            Request::Start(_) => StatusChange::Start,
            Request::Deliver(_) => StatusChange::Deliver {
                delivered_on: NaiveDate::MIN,
                procedure_text: String::new(),
                main_content: String::new(),
            },
            Request::Accept(_) => StatusChange::Accept { accepted_on: NaiveDate::MIN },
            Request::Dispute(_) => StatusChange::Dispute { disputed_on: NaiveDate::MIN, reason: String::new() },
        }
    }
}

fn invalid_transition(from: EngagementStatus, to: EngagementStatus) -> ApiError {
    ApiError::conflict("invalid_transition").with_detail(
        format!("服务合同当前状态为 {from}，不能变更为 {to}"),
        format!("the engagement is {from} and cannot become {to}"),
    )
}

fn transition(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    request: Request,
) -> Result<Done<EngagementView>, ApiError> {
    let (engagement, side) = visible_engagement(conn, &actor.caller, id)?;
    let target = request.target();
    if !may_act(side, &target) {
        return Err(ApiError::forbidden());
    }
    let to = target.target();
    if !may_move(engagement.status, to) {
        return Err(invalid_transition(engagement.status, to));
    }
    let change = request.change(&engagement)?;
    let updated = engagements::change_status(conn, id, engagement.status, &change, crate::clock::now())?
        .ok_or_else(|| invalid_transition(engagement.status, to))?;
    let enterprise = organization(conn, updated.enterprise_id)?;
    actor.record(conn, request.action(), "engagement", &id.to_string(), Some(&enterprise.region_code))?;
    let on = match &change {
        // Validated by `change` above; the start date is not stored, so read it again.
        StatusChange::Start => match &request {
            Request::Start(body) => body.started_on.parse::<NaiveDate>().ok(),
            _ => None,
        },
        StatusChange::Deliver { delivered_on, .. } => Some(*delivered_on),
        StatusChange::Accept { accepted_on } => Some(*accepted_on),
        StatusChange::Dispute { disputed_on, .. } => Some(*disputed_on),
    };
    publish_status(conn, &updated, &enterprise, Some(engagement.status), on)?;
    Ok(Done::ok(engagement_view(conn, &updated)?))
}

/// A transition endpoint: its name in idempotency scopes and how its body is read.
struct Operation {
    name: &'static str,
    parse: fn(&serde_json::Value) -> Result<Request, ApiError>,
}

async fn run_transition(
    req: &HttpRequest,
    state: &AppState,
    caller: Caller,
    request_id: &RequestId,
    id: Uuid,
    body: serde_json::Value,
    operation: Operation,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Agency, Role::Enterprise])?;
    let key = idempotency::key(req)?;
    let scope = key.map(|key| Scope::on_object(caller.client_id.clone(), key, operation.name, id, &body));
    let request = (operation.parse)(&body)?;
    let actor = Actor::new(&caller, request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::OK, move |conn| transition(conn, &actor, id, request)).await
}

/// The provider starts serving: `signed` → `in_progress` (豫安委〔2017〕17号 二).
///
/// The provider party (or an admin); the enterprise is 403, anyone who may
/// not see the engagement 404. `started_on` is not before signing nor in
/// the future. From any status but `signed`: 409 `invalid_transition`.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = StartEngagement,
    responses(
        (status = 200, description = "Started", body = EngagementView),
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
#[post("/engagements/{id}/start")]
pub async fn start_engagement(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    run_transition(
        &req,
        &state,
        caller,
        &request_id,
        id.into_inner(),
        body.into_inner().0,
        Operation { name: "POST /api/v1/engagements/{id}/start", parse: |b| Ok(Request::Start(typed_body(b)?)) },
    )
    .await
}

/// The provider delivers: `in_progress` → `delivered` (豫安委〔2017〕17号 二(三)).
///
/// The provider party (or an admin); the enterprise is 403. `procedure` and
/// `main_content` are the service's public disclosure (二(三)).
/// `delivered_on` is not before signing nor in the future. From any status
/// but `in_progress`: 409 `invalid_transition`.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = DeliverEngagement,
    responses(
        (status = 200, description = "Delivered", body = EngagementView),
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
#[post("/engagements/{id}/delivery")]
pub async fn deliver_engagement(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    run_transition(
        &req,
        &state,
        caller,
        &request_id,
        id.into_inner(),
        body.into_inner().0,
        Operation { name: "POST /api/v1/engagements/{id}/delivery", parse: |b| Ok(Request::Deliver(typed_body(b)?)) },
    )
    .await
}

/// The enterprise accepts the delivery: `delivered` → `accepted` (豫安委〔2017〕17号 二).
///
/// The enterprise party (or an admin); the provider is 403. `accepted_on`
/// is not before delivery nor in the future. From any status but
/// `delivered`: 409 `invalid_transition`. Acceptance opens the evaluation.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = AcceptEngagement,
    responses(
        (status = 200, description = "Accepted", body = EngagementView),
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
#[post("/engagements/{id}/acceptance")]
pub async fn accept_engagement(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    run_transition(
        &req,
        &state,
        caller,
        &request_id,
        id.into_inner(),
        body.into_inner().0,
        Operation { name: "POST /api/v1/engagements/{id}/acceptance", parse: |b| Ok(Request::Accept(typed_body(b)?)) },
    )
    .await
}

/// The enterprise disputes the delivery: `delivered` → `disputed` (豫安委〔2017〕17号 二).
///
/// The enterprise party (or an admin); the provider is 403. `disputed_on`
/// is not before delivery nor in the future. From any status but
/// `delivered`: 409 `invalid_transition`.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = DisputeEngagement,
    responses(
        (status = 200, description = "Disputed", body = EngagementView),
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
#[post("/engagements/{id}/dispute")]
pub async fn dispute_engagement(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    run_transition(
        &req,
        &state,
        caller,
        &request_id,
        id.into_inner(),
        body.into_inner().0,
        Operation { name: "POST /api/v1/engagements/{id}/dispute", parse: |b| Ok(Request::Dispute(typed_body(b)?)) },
    )
    .await
}

// ---------------------------------------------------------------------------
// Payments

fn outside_contract(error: &PaymentError) -> ApiError {
    match error {
        PaymentError::ChargeOutsideContract { fee_fen, paid_fen, amount_fen } => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "charge_outside_contract")
                .with_detail(
                    format!("合同费用 {fee_fen} 分，已付 {paid_fen} 分，再付 {amount_fen} 分将超出合同约定收费"),
                    format!(
                        "the contract fee is {fee_fen} fen and {paid_fen} fen is paid; {amount_fen} fen more would be \
                         charged outside the contract"
                    ),
                )
                .with_errors(vec![domain::validation::FieldError {
                    field: "amount_fen".to_owned(),
                    code: error.code(),
                    message: error.to_string(),
                }])
        }
        other => ApiError::invalid_field("amount_fen", other.code(), other.to_string()),
    }
}

fn record_payment(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreatePayment,
) -> Result<Done<PaymentView>, ApiError> {
    let (engagement, side) = visible_engagement(conn, &actor.caller, id)?;
    if side == Side::Regulator {
        return Err(ApiError::forbidden());
    }
    let mut v = Collector::new();
    if body.amount_fen <= 0 {
        v.push("amount_fen", "invalid_amount", "a payment amount must be positive");
    }
    let paid_on = transition_date("paid_on", &body.paid_on, Some(engagement.signed_on), &mut v);
    v.finish()?;
    let paid_on = paid_on.ok_or_else(|| ApiError::internal("payment validated without its date"))?;
    check_payment(engagement.contract_fee_fen, engagement.paid_fen, body.amount_fen)
        .map_err(|e| outside_contract(&e))?;
    let payment = match engagements::add_payment(
        conn,
        id,
        body.amount_fen,
        paid_on,
        &actor.caller.client_id,
        crate::clock::now(),
    )? {
        Some(payment) => payment,
        None => {
            // A concurrent payment got there first: report against the fresh total.
            let fresh = engagements::find(conn, id)?.ok_or_else(ApiError::not_found)?;
            let error = check_payment(fresh.contract_fee_fen, fresh.paid_fen, body.amount_fen).err().unwrap_or(
                PaymentError::ChargeOutsideContract {
                    fee_fen: fresh.contract_fee_fen,
                    paid_fen: fresh.paid_fen,
                    amount_fen: body.amount_fen,
                },
            );
            return Err(outside_contract(&error));
        }
    };
    let enterprise = organization(conn, engagement.enterprise_id)?;
    actor.record(
        conn,
        "engagement.payment",
        "engagement_payment",
        &payment.id.to_string(),
        Some(&enterprise.region_code),
    )?;
    let total = engagements::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    Ok(Done::created(
        PaymentView {
            id: payment.id,
            engagement_id: id,
            amount_fen: payment.amount_fen,
            paid_on: payment.paid_on,
            paid_fen: total.paid_fen,
            contract_fee_fen: total.contract_fee_fen,
            created_at: payment.created_at,
        },
        format!("/api/v1/engagements/{id}"),
    ))
}

/// Record a payment under the contract (豫安委〔2017〕17号 二(三)).
///
/// Either party (the enterprise or the provider) or an admin; regulators,
/// insurers and portals 403; anyone who may not see the engagement 404.
/// `amount_fen` is positive and `paid_on` neither before signing nor in the
/// future. A payment that would take the total paid beyond the contract fee
/// is a 422 `charge_outside_contract` whose detail states the fee, the
/// amount paid and the amount refused: fees are fixed by contract and
/// nothing may be charged outside it. Concurrent payments can never
/// together exceed the fee. `Idempotency-Key` is required (money; 400
/// `idempotency_key_required` without it): a retry returns the first
/// response and never pays twice.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id"),
        ("Idempotency-Key" = String, Header, description = "Required; a retry returns the first response")),
    request_body = CreatePayment,
    responses(
        (status = 201, description = "Recorded, with the new total", body = PaymentView,
            headers(("Location" = String, description = "URL of the engagement"))),
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
#[post("/engagements/{id}/payments")]
pub async fn create_payment(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Agency, Role::Enterprise])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::required_scoped_body::<CreatePayment>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/engagements/{id}/payments",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, Some(scope), StatusCode::CREATED, move |conn| {
        record_payment(conn, &actor, id, body)
    })
    .await
}

// ---------------------------------------------------------------------------
// Evaluation

fn already_evaluated() -> ApiError {
    ApiError::conflict("already_evaluated")
        .with_detail("该服务合同已有评价", "this engagement has already been evaluated")
}

fn record_evaluation(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateEvaluation,
) -> Result<Done<EvaluationView>, ApiError> {
    let (engagement, side) = visible_engagement(conn, &actor.caller, id)?;
    if side != Side::Enterprise {
        return Err(ApiError::forbidden());
    }
    if engagement.status != EngagementStatus::Accepted {
        return Err(ApiError::conflict("not_accepted").with_detail(
            "服务合同验收后方可评价",
            format!("an engagement is evaluated after acceptance; this one is {}", engagement.status),
        ));
    }
    if engagements::evaluation_of(conn, id)?.is_some() {
        return Err(already_evaluated());
    }
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let event_type = v.check("rating", evaluation_event(body.rating));
    let evaluated_on = transition_date("evaluated_on", &body.evaluated_on, engagement.closed_on, &mut v);
    v.finish()?;
    let (Some(event_type), Some(evaluated_on)) = (event_type, evaluated_on) else {
        return Err(ApiError::internal("evaluation validated without its parts"));
    };
    let provider = organization(conn, engagement.provider_id)?;
    let evidence = format!("评价 {} 分: {}", body.rating, body.comment);
    let recorded = record_event(
        conn,
        actor,
        &provider,
        &EventInput { event_type, occurred_on: evaluated_on, evidence: &evidence, source: Some(("engagement", id)) },
    )
    .map_err(|e| if e.code() == "credit_event_exists" { already_evaluated() } else { e })?;
    let rating = i32::try_from(body.rating).map_err(ApiError::internal)?;
    let evaluation = engagements::insert_evaluation(
        conn,
        &Evaluation {
            engagement_id: id,
            rating,
            comment: body.comment,
            evaluated_on,
            credit_event_id: Some(recorded.event.id),
            created_by: actor.caller.client_id.clone(),
            created_at: crate::clock::now(),
        },
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => already_evaluated(),
        other => other.into(),
    })?;
    let enterprise = organization(conn, engagement.enterprise_id)?;
    actor.record(conn, "engagement.evaluate", "engagement", &id.to_string(), Some(&enterprise.region_code))?;
    // The rating and its credit event; the comment is free text and stays out.
    events::publish(
        conn,
        EventType::EvaluationRecorded,
        engagement_subject(&engagement, &enterprise),
        serde_json::json!({
            "subject": "engagement",
            "engagement_id": id,
            "rating": evaluation.rating,
            "evaluated_on": evaluation.evaluated_on,
            "credit_event_id": evaluation.credit_event_id,
            "credit_event_type": recorded.event.event_type.as_str(),
            "points": recorded.event.points,
        }),
    )?;
    Ok(Done::created(
        EvaluationView {
            engagement_id: id,
            rating: evaluation.rating,
            comment: evaluation.comment,
            evaluated_on: evaluation.evaluated_on,
            credit_event_id: evaluation.credit_event_id,
            event_type: recorded.event.event_type.as_str().to_owned(),
            points: recorded.event.points,
        },
        format!("/api/v1/engagements/{id}"),
    ))
}

/// Evaluate an accepted engagement (豫安委〔2017〕17号 八(三), 九(三)).
///
/// The enterprise party only (other roles 403; another enterprise 404).
/// Before acceptance: 409 `not_accepted`; a second evaluation: 409
/// `already_evaluated`. `rating` 1–5 records a credit event against the
/// provider: 4–5 `service_evaluation_positive`, 3
/// `service_evaluation_neutral`, 1–2 `service_evaluation_negative`.
/// `evaluated_on` is not before acceptance nor in the future. An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateEvaluation,
    responses(
        (status = 201, description = "Recorded, with its credit event", body = EvaluationView,
            headers(("Location" = String, description = "URL of the engagement"))),
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
#[post("/engagements/{id}/evaluation")]
pub async fn create_evaluation(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Enterprise])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateEvaluation>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/engagements/{id}/evaluation",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response = idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        record_evaluation(conn, &actor, id, body)
    })
    .await?;
    state.public_credit.invalidate_all();
    Ok(response)
}

// ---------------------------------------------------------------------------
// Charging without service (八(三))

/// The scope of a regulator's or admin's charging list: engagements whose
/// enterprise lies in the jurisdiction.
fn enterprise_scope(conn: &mut DbConnection, caller: &Caller) -> Result<EngagementScope, ApiError> {
    match caller.role {
        Role::Admin => Ok(EngagementScope::All),
        Role::Regulator => {
            let jurisdiction = caller.jurisdiction().cloned().ok_or_else(ApiError::forbidden)?;
            Ok(match supervised(conn, &jurisdiction)? {
                None => EngagementScope::All,
                Some(codes) => EngagementScope::EnterpriseRegions(codes),
            })
        }
        _ => Err(ApiError::forbidden()),
    }
}

/// Engagements charging without service on a date (豫安委〔2017〕17号 八(三) 只收费不服务).
///
/// An engagement is flagged on `on` (CST, default today) when something was
/// paid on or before `on`, its delivery deadline is before `on` (the
/// deadline day itself is still in time) and it was not delivered by the
/// deadline. Admins see all; regulators those whose enterprise lies in
/// their jurisdiction; every other role 403. In recording order (ascending
/// id), cursor-paginated.
#[utoipa::path(
    tag = "engagements",
    params(ChargingQuery),
    responses(
        (status = 200, description = "One page", body = Page<ChargingFlagView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/engagements/charging-without-service")]
pub async fn list_charging_without_service(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ChargingQuery>,
) -> Result<web::Json<Page<ChargingFlagView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let on = date_or_today("on", query.on.as_deref())?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let page = db::run(&state.pool, move |conn| {
        let scope = enterprise_scope(conn, &caller)?;
        Ok(engagements::charging_page(conn, &scope, on, after, limit)?)
    })
    .await?;
    let next_cursor = page.next_after.map(|k| pagination::encode_cursor(&k));
    // The query mirrors the domain rule; the rule has the last word.
    let items = page
        .items
        .iter()
        .filter(|e| charging_without_service(true, e.delivery_deadline, e.delivered_on, on))
        .map(ChargingFlagView::from)
        .collect();
    Ok(web::Json(Page { items, next_cursor }))
}

fn confirm_charging(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: ConfirmCharging,
) -> Result<Done<ChargingConfirmed>, ApiError> {
    let engagement = engagements::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let enterprise = organization(conn, engagement.enterprise_id)?;
    if let Some(jurisdiction) = actor.caller.jurisdiction() {
        if !jurisdiction_covers(jurisdiction, &organization_region(conn, &enterprise)?) {
            return Err(ApiError::not_found());
        }
    }
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let decided_on = past_date("decided_on", &body.decided_on, &mut v);
    v.finish()?;
    let decided_on = decided_on.ok_or_else(|| ApiError::internal("confirmation validated without its date"))?;
    let paid = engagements::paid_by(conn, id, decided_on)?;
    if !charging_without_service(paid, engagement.delivery_deadline, engagement.delivered_on, decided_on) {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "not_flagged").with_detail(
            format!("该服务合同在 {decided_on} 不属于只收费不服务：须已付费、已过交付期限且未按期交付"),
            format!(
                "the engagement is not charging without service on {decided_on}: it must be paid, past its delivery \
                 deadline and not delivered by it"
            ),
        ));
    }
    let provider = organization(conn, engagement.provider_id)?;
    let recorded = record_event(
        conn,
        actor,
        &provider,
        &EventInput {
            event_type: CreditEventType::ChargingWithoutService,
            occurred_on: decided_on,
            evidence: &body.note,
            source: Some(("engagement", id)),
        },
    )
    .map_err(|e| {
        if e.code() == "credit_event_exists" {
            ApiError::conflict("already_confirmed").with_detail(
                "该服务合同的只收费不服务已确认",
                "charging without service is already confirmed for this engagement",
            )
        } else {
            e
        }
    })?;
    actor.record(
        conn,
        "engagement.charging_without_service",
        "engagement",
        &id.to_string(),
        Some(&enterprise.region_code),
    )?;
    Ok(Done::created(
        ChargingConfirmed {
            engagement_id: id,
            provider_id: provider.id,
            credit_event_id: recorded.event.id,
            event_type: recorded.event.event_type.as_str().to_owned(),
            points: recorded.event.points,
            blacklist_listing_id: recorded.listing.map(|l| l.id),
        },
        format!("/api/v1/engagements/{id}"),
    ))
}

/// Confirm charging without service (豫安委〔2017〕17号 八(三) 只收费不服务).
///
/// Admins and regulators whose jurisdiction covers the enterprise (404 for
/// a regulator elsewhere); every other role 403. The engagement must be
/// flagged on `decided_on` (paid by then, past its deadline, not delivered
/// by it), else 422 `not_flagged`. Records the `charging_without_service`
/// credit event against the provider, which lists it on the blacklist;
/// confirming twice is a 409 `already_confirmed`. An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "engagements",
    params(("id" = Uuid, Path, description = "Engagement id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = ConfirmCharging,
    responses(
        (status = 201, description = "Recorded, with the credit event and blacklist listing", body = ChargingConfirmed,
            headers(("Location" = String, description = "URL of the engagement"))),
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
#[post("/engagements/{id}/charging-without-service")]
pub async fn confirm_charging_without_service(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<ConfirmCharging>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/engagements/{id}/charging-without-service",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response = idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        confirm_charging(conn, &actor, id, body)
    })
    .await?;
    state.public_credit.invalidate_all();
    Ok(response)
}

// ---------------------------------------------------------------------------
// Cross-region notices (二(一))

/// Cross-region notices (豫安委〔2017〕17号 二(一)).
///
/// A notice goes to the regulator of the enterprise's city (or
/// province-managed county) when the provider comes from another. Admins
/// see all; regulators the notices addressed within their jurisdiction (the
/// province all); every other role 403. `flagged=true` lists only notices
/// with a planned on-site date fewer than the lead time's working days after
/// the notice. In recording order (ascending id), cursor-paginated.
#[utoipa::path(
    tag = "engagements",
    params(NoticeQuery),
    responses(
        (status = 200, description = "One page", body = Page<NoticeView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/cross-region-notices")]
pub async fn list_cross_region_notices(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<NoticeQuery>,
) -> Result<web::Json<Page<NoticeView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let page = db::run(&state.pool, move |conn| {
        let regions = match caller.jurisdiction() {
            Some(jurisdiction) => supervised(conn, jurisdiction)?,
            None => None,
        };
        let page = engagements::notices_page(conn, regions.as_deref(), query.flagged, after, limit)?;
        let calendar = holidays::calendar(conn)?;
        Ok(Page::from_store(page, |n| NoticeView::new(&n, calendar.covers_span(n.notified_on, n.earliest_on_site))))
    })
    .await?;
    Ok(web::Json(page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parties_act_on_their_side_only() {
        let deliver = StatusChange::Deliver {
            delivered_on: NaiveDate::MIN,
            procedure_text: String::new(),
            main_content: String::new(),
        };
        let accept = StatusChange::Accept { accepted_on: NaiveDate::MIN };
        assert!(may_act(Side::Provider, &StatusChange::Start));
        assert!(may_act(Side::Provider, &deliver));
        assert!(!may_act(Side::Provider, &accept));
        assert!(may_act(Side::Enterprise, &accept));
        assert!(!may_act(Side::Enterprise, &StatusChange::Start));
        assert!(!may_act(Side::Regulator, &StatusChange::Start));
        assert!(may_act(Side::Admin, &accept));
    }
}
