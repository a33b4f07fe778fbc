//! The exit ladder (豫安委〔2017〕17号 八(一)): rectification orders, public
//! criticism, service suspension and revocation, each recorded with the
//! credit event of the same name (八(三)); and industry and occupational
//! bans after accident investigations (八(二)).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::credit::CreditEventType;
use domain::events::EventType;
use domain::organization::{OrganizationStatus, Role};
use domain::region::{jurisdiction_covers, RegionCode};
use domain::sanctions::{check_ban, check_compliance, check_sanction, BanKind, RectificationStatus, SanctionKind};
use domain::validation::Collector;
use persistence::organizations::{self, Organization};
use persistence::sanctions::{self, NewBan, NewSanction, RectificationFilter, SanctionRecord};
use persistence::{credit as credit_store, people, DbConnection, StoreError};
use uuid::Uuid;
use validator::Validate;

use crate::access::Sight;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::credit::{record_event, EventInput};
use crate::db;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::people::{check_person, find_or_create, person_sight};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::organizations::{publish_status_change, region_info, visible_organization};
use crate::schemas::fields::{collect_validator, date_or_today, parse_date, past_date};
use crate::schemas::person::PersonView;
use crate::schemas::sanction::{
    BanView, CreateBan, CreateCompliance, CreateSanction, OnQuery, RectificationQuery, SanctionCreated,
    SanctionCreditEvent, SanctionList, SanctionView,
};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_sanction)
        .service(list_rectification_orders)
        .service(get_sanction)
        .service(record_compliance)
        .service(organization_sanctions)
        .service(create_ban)
        .service(get_ban);
}

/// The organisation if the caller sees it whole (admins, regulators of its
/// jurisdiction, the organisation itself); 404 otherwise.
fn organization_in_sight(conn: &mut DbConnection, caller: &Caller, id: Uuid) -> Result<Organization, ApiError> {
    match visible_organization(conn, caller, id)? {
        (org, _, Sight::Full) => Ok(org),
        _ => Err(ApiError::not_found()),
    }
}

/// The region a decision is recorded under: the regulator's jurisdiction, or
/// for an admin `fallback` (the organisation's region, or the province).
fn deciding_region(caller: &Caller, fallback: &RegionCode) -> RegionCode {
    caller.jurisdiction().cloned().unwrap_or_else(|| fallback.clone())
}

/// Each rung of the ladder has a credit event of the same name (八(三)).
fn credit_event_of(kind: SanctionKind) -> CreditEventType {
    match kind {
        SanctionKind::RectificationOrder => CreditEventType::RectificationOrder,
        SanctionKind::PublicCriticism => CreditEventType::PublicCriticism,
        SanctionKind::ServiceSuspension => CreditEventType::ServiceSuspension,
        SanctionKind::QualificationRevocation => CreditEventType::QualificationRevocation,
    }
}

/// The checked parts of a sanction.
struct Decision {
    kind: SanctionKind,
    decided_on: NaiveDate,
    deadline: Option<NaiveDate>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

fn check_decision(body: &CreateSanction) -> Result<Decision, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let kind = v.check("kind", SanctionKind::parse(&body.kind));
    let decided_on = past_date("decided_on", &body.decided_on, &mut v);
    let mut date = |field: &str, text: &Option<String>| text.as_deref().and_then(|t| parse_date(field, t, &mut v));
    let (deadline, from, to) = (date("deadline", &body.deadline), date("from", &body.from), date("to", &body.to));
    // The combination is checked only when every given date parsed, so that
    // a typo is not also reported as a missing date.
    let parsed = |text: &Option<String>, date: Option<NaiveDate>| text.is_none() || date.is_some();
    if let (Some(kind), Some(decided_on)) = (kind, decided_on) {
        if parsed(&body.deadline, deadline) && parsed(&body.from, from) && parsed(&body.to, to) {
            if let Err(errors) = check_sanction(kind, decided_on, deadline, from, to) {
                for error in errors {
                    v.push(&error.field, error.code, error.message);
                }
            }
        }
    }
    v.finish()?;
    let (Some(kind), Some(decided_on)) = (kind, decided_on) else {
        return Err(ApiError::internal("sanction validated without its parts"));
    };
    Ok(Decision { kind, decided_on, deadline, from, to })
}

/// The credit rule must be in force on the decision date: a date before it
/// is the caller's 422 on `decided_on`, checked before anything is stored.
/// (A revocation before the blacklist rule took effect lists nobody; see
/// `api::credit::record_event`.)
fn check_rules_in_force(conn: &mut DbConnection, decision: &Decision) -> Result<(), ApiError> {
    let table = credit_store::load_table(conn)?;
    if let Err(error) = table.rule(credit_event_of(decision.kind), decision.decided_on) {
        return Err(ApiError::invalid_field("decided_on", error.code(), error.to_string()));
    }
    Ok(())
}

fn record_sanction(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateSanction,
) -> Result<Done<SanctionCreated>, ApiError> {
    let decision = check_decision(&body)?;
    let org = organization_in_sight(conn, &actor.caller, body.organization_id)?;
    if decision.kind == SanctionKind::QualificationRevocation && org.status == OrganizationStatus::Revoked {
        return Err(ApiError::conflict("already_revoked")
            .with_detail("该机构的资格证书已被吊销", "the organisation's qualification is already revoked"));
    }
    check_rules_in_force(conn, &decision)?;
    let sanction = sanctions::insert(
        conn,
        &NewSanction {
            organization_id: org.id,
            kind: decision.kind,
            decided_on: decision.decided_on,
            deadline: decision.deadline,
            from: decision.from,
            to: decision.to,
            reason: body.reason.clone(),
            case_ref: body.case_ref.clone(),
            decided_by: actor.caller.client_id.clone(),
            decided_region: deciding_region(&actor.caller, &org.region_code),
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "sanction.create", "sanction", &sanction.id.to_string(), Some(&org.region_code))?;
    // The decision's kind and dates; the reason and case reference stay out
    // of the feed (they may name people).
    events::publish(
        conn,
        EventType::SanctionIssued,
        Subject {
            resource_type: "sanction",
            resource_id: sanction.id.to_string(),
            region: Some(&org.region_code),
            organization_id: Some(org.id),
            counterparty_id: None,
        },
        serde_json::json!({
            "credit_code": org.credit_code.as_str(),
            "kind": decision.kind.as_str(),
            "decided_on": decision.decided_on,
            "deadline": decision.deadline,
            "from": decision.from,
            "to": decision.to,
        }),
    )?;
    let evidence = match &body.case_ref {
        Some(case_ref) => format!("{case_ref}: {}", body.reason),
        None => body.reason.clone(),
    };
    let recorded = record_event(
        conn,
        actor,
        &org,
        &EventInput {
            event_type: credit_event_of(decision.kind),
            occurred_on: decision.decided_on,
            evidence: &evidence,
            source: Some(("sanction", sanction.id)),
        },
    )?;
    if decision.kind == SanctionKind::QualificationRevocation {
        // Revocation ends the ladder: the registry says so from now on.
        let revoked = organizations::set_status(conn, org.id, OrganizationStatus::Revoked, crate::clock::now())?;
        actor.record(conn, "organization.revoke", "organization", &org.id.to_string(), Some(&org.region_code))?;
        publish_status_change(conn, &revoked, org.status)?;
    }
    let event = &recorded.event;
    Ok(Done::created(
        SanctionCreated {
            sanction: SanctionView::new(&sanction, today()),
            credit_event: SanctionCreditEvent {
                id: event.id,
                event_type: event.event_type.as_str().to_owned(),
                points: event.points,
                expires_on: event.expires_on,
                rule_version: event.rule_version.clone(),
            },
            score: recorded.score.score,
            grade: recorded.score.grade,
            blacklist_listing_id: recorded.listing.map(|l| l.id),
        },
        format!("/api/v1/sanctions/{}", sanction.id),
    ))
}

/// Sanction an organisation (豫安委〔2017〕17号 八(一) exit ladder).
///
/// Admins, and regulators whose jurisdiction covers the organisation; an
/// organisation outside the caller's jurisdiction is a 404, as if it did not
/// exist. `decided_on` is not in the future. A `rectification_order` needs a
/// `deadline` after `decided_on`; a `service_suspension` needs `from` and
/// `to` (`decided_on <= from <= to`; the organisation shows as `suspended`
/// on those days); `public_criticism` and `qualification_revocation` take no
/// dates. A date given for a kind that does not take it is a 422
/// `not_applicable`; every bad field is named at once.
///
/// The sanction records the credit event of the same name (八(三)), with
/// points from the table in force on `decided_on`. A
/// `qualification_revocation` makes the organisation `revoked` and lists it
/// on the blacklist (应急管理部令第11号); revoking twice is a 409
/// `already_revoked`. An optional `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "supervision",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateSanction,
    responses(
        (status = 201, description = "Recorded, with its credit event and the new score", body = SanctionCreated,
            headers(("Location" = String, description = "URL of the sanction"))),
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
#[post("/sanctions")]
pub async fn create_sanction(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateSanction>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/sanctions",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response =
        idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_sanction(conn, &actor, body))
            .await?;
    // The public credit card shows sanctions in force and the score.
    state.public_credit.invalidate_all();
    Ok(response)
}

/// The sanction and its organisation, if the caller sees the organisation
/// whole (admins, regulators of its jurisdiction, the organisation itself).
fn visible_sanction(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(SanctionRecord, Organization), ApiError> {
    let sanction = sanctions::find(conn, id)?.ok_or_else(ApiError::not_found)?;
    let org = organization_in_sight(conn, caller, sanction.organization_id)?;
    Ok((sanction, org))
}

/// Fetch a sanction with where it stands on a date (豫安委〔2017〕17号 八(一)).
///
/// `rectification_status` (`open` up to and including the deadline,
/// `overdue` from the day after, `complied` from the compliance date) and
/// `in_force` describe `on` (CST, default today). Admins, regulators of the
/// organisation's jurisdiction and the organisation itself; 404 for anyone
/// else bound to an organisation or a regulator elsewhere; portals 403 (they
/// read an organisation's sanctions through `/organizations/{id}/sanctions`).
#[utoipa::path(
    tag = "supervision",
    params(("id" = Uuid, Path, description = "Sanction id"), OnQuery),
    responses(
        (status = 200, description = "The sanction", body = SanctionView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/sanctions/{id}")]
pub async fn get_sanction(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<OnQuery>,
) -> Result<web::Json<SanctionView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Insurer, Role::Agency, Role::Enterprise])?;
    let id = id.into_inner();
    let on = date_or_today("on", query.on.as_deref())?;
    let sanction = db::run(&state.pool, move |conn| Ok(visible_sanction(conn, &caller, id)?.0)).await?;
    Ok(web::Json(SanctionView::new(&sanction, on)))
}

/// An organisation's sanctions (豫安委〔2017〕17号 八(一)).
///
/// Oldest decision first, each with its status on `on` (CST, default
/// today). Sanctions are public record: portals read them too, as do admins,
/// regulators of the organisation's jurisdiction and the organisation
/// itself; 404 for any other organisation-bound caller or a regulator
/// elsewhere.
#[utoipa::path(
    tag = "supervision",
    params(("id" = Uuid, Path, description = "Organisation id"), OnQuery),
    responses(
        (status = 200, description = "The sanctions", body = SanctionList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/sanctions")]
pub async fn organization_sanctions(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<OnQuery>,
) -> Result<web::Json<SanctionList>, ApiError> {
    let id = id.into_inner();
    let on = date_or_today("on", query.on.as_deref())?;
    let items = db::run(&state.pool, move |conn| {
        // Visible whole or masked alike: nothing in a sanction is personal.
        let (org, _, _) = visible_organization(conn, &caller, id)?;
        Ok(sanctions::of_organization(conn, org.id)?)
    })
    .await?;
    Ok(web::Json(SanctionList { on, items: items.iter().map(|s| SanctionView::new(s, on)).collect() }))
}

/// Rectification orders by their status on a date (豫安委〔2017〕17号 八(一) 责令整改).
///
/// `?status=overdue&on=2026-05-01` lists the orders not complied with by
/// 2026-05-01 whose deadline had passed, for any date past or future;
/// `open` and `complied` likewise. Without `status`, every order decided by
/// `on` (CST, default today). Admins see all; regulators their jurisdiction
/// (the province all); every other role 403. In recording order (ascending
/// id), cursor-paginated.
#[utoipa::path(
    tag = "supervision",
    params(RectificationQuery),
    responses(
        (status = 200, description = "One page", body = Page<SanctionView>),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/sanctions")]
pub async fn list_rectification_orders(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RectificationQuery>,
) -> Result<web::Json<Page<SanctionView>>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let query = query.into_inner();
    let mut v = Collector::new();
    let status = query.status.as_deref().and_then(|s| v.check("status", RectificationStatus::parse(s)));
    let on = match query.on.as_deref() {
        Some(text) => parse_date("on", text, &mut v),
        None => Some(today()),
    };
    v.finish()?;
    let on = on.ok_or_else(|| ApiError::internal("date validated without a value"))?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let jurisdiction = match caller.role {
        Role::Regulator => Some(caller.jurisdiction().cloned().ok_or_else(ApiError::forbidden)?),
        _ => None,
    };
    let filter = RectificationFilter { status, jurisdiction };
    let page =
        db::run(&state.pool, move |conn| Ok(sanctions::rectification_page(conn, on, &filter, after, limit)?)).await?;
    Ok(web::Json(Page::from_store(page, |s| SanctionView::new(&s, on))))
}

fn comply(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateCompliance,
) -> Result<Done<SanctionView>, ApiError> {
    let (sanction, org) = visible_sanction(conn, &actor.caller, id)?;
    let mut v = Collector::new();
    let complied_on = past_date("complied_on", &body.complied_on, &mut v);
    v.finish()?;
    let complied_on = complied_on.ok_or_else(|| ApiError::internal("compliance validated without its date"))?;
    check_compliance(&sanction.decision(), complied_on)?;
    let complied = sanctions::mark_complied(conn, id, complied_on).map_err(|e| match e {
        StoreError::VersionConflict => ApiError::conflict("already_complied")
            .with_detail("该整改令已记录整改完成", "compliance with this order is already recorded"),
        other => other.into(),
    })?;
    actor.record(conn, "sanction.comply", "sanction", &id.to_string(), Some(&org.region_code))?;
    Ok(Done::ok(SanctionView::new(&complied, today())))
}

/// Record compliance with a rectification order (豫安委〔2017〕17号 八(一) 责令整改).
///
/// Admins and regulators of the organisation's jurisdiction (404 for a
/// regulator elsewhere). `complied_on` is not before the order and not in
/// the future; compliance after the deadline is accepted and reads
/// `complied_late`. Another kind of sanction is a 422 `not_applicable`;
/// recording compliance twice is a 409 `already_complied`.
#[utoipa::path(
    tag = "supervision",
    params(
        ("id" = Uuid, Path, description = "Sanction id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateCompliance,
    responses(
        (status = 200, description = "Recorded; the order as it stands today", body = SanctionView),
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
#[post("/sanctions/{id}/compliance")]
pub async fn record_compliance(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateCompliance>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/sanctions/{id}/compliance",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response =
        idempotency::run_once(&state.pool, scope, StatusCode::OK, move |conn| comply(conn, &actor, id, body)).await?;
    state.public_credit.invalidate_all();
    Ok(response)
}

fn record_ban(conn: &mut DbConnection, actor: &Actor, body: CreateBan) -> Result<Done<BanView>, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let kind = v.check("kind", BanKind::parse(&body.kind));
    let from = parse_date("from", &body.from, &mut v);
    let to = body.to.as_deref().and_then(|t| parse_date("to", t, &mut v));
    if let (Some(from), Some(to)) = (from, to) {
        if let Err(errors) = check_ban(from, Some(to)) {
            for error in errors {
                v.push(&error.field, error.code, error.message);
            }
        }
    }
    let named = match (kind, &body.person) {
        (Some(BanKind::OccupationalBan), Some(person)) => check_person("person", person, &mut v),
        (Some(BanKind::OccupationalBan), None) => {
            v.push("person", "required", "an occupational ban names a person");
            None
        }
        (Some(BanKind::IndustryBan), Some(_)) => {
            v.push("person", "not_applicable", "an industry ban names an organisation, not a person");
            None
        }
        _ => None,
    };
    match (kind, body.organization_id) {
        (Some(BanKind::IndustryBan), None) => {
            v.push("organization_id", "required", "an industry ban names an organisation");
        }
        (Some(BanKind::OccupationalBan), Some(_)) => {
            v.push("organization_id", "not_applicable", "an occupational ban names a person, not an organisation");
        }
        _ => {}
    }
    v.finish()?;
    let (Some(kind), Some(from)) = (kind, from) else {
        return Err(ApiError::internal("ban validated without its parts"));
    };
    let (organization, person) = match (kind, body.organization_id, named) {
        (BanKind::IndustryBan, Some(org_id), _) => (Some(organization_in_sight(conn, &actor.caller, org_id)?), None),
        (BanKind::OccupationalBan, _, Some(named)) => (None, Some(find_or_create(conn, "person", &named)?)),
        _ => return Err(ApiError::internal("ban validated without its subject")),
    };
    let region = match &organization {
        Some(org) => deciding_region(&actor.caller, &org.region_code),
        None => deciding_region(&actor.caller, &RegionCode::province()),
    };
    let ban = sanctions::insert_ban(
        conn,
        &NewBan {
            kind,
            organization_id: organization.as_ref().map(|o| o.id),
            person_id: person.as_ref().map(|p| p.id),
            from,
            to,
            case_ref: body.case_ref,
            reason: body.reason,
            decided_by: actor.caller.client_id.clone(),
            decided_region: region.clone(),
        },
        crate::clock::now(),
    )?;
    let resource_region = organization.as_ref().map_or(&region, |o| &o.region_code);
    actor.record(conn, "ban.create", "ban", &ban.id.to_string(), Some(resource_region))?;
    // An industry ban sanctions an organisation (八(二)); an occupational ban
    // names a person and stays out of the feed, which carries no personal data.
    if let Some(org) = &organization {
        events::publish(
            conn,
            EventType::SanctionIssued,
            Subject {
                resource_type: "ban",
                resource_id: ban.id.to_string(),
                region: Some(&org.region_code),
                organization_id: Some(org.id),
                counterparty_id: None,
            },
            serde_json::json!({
                "credit_code": org.credit_code.as_str(),
                "kind": kind.as_str(),
                "from": from,
                "to": to,
            }),
        )?;
    }
    // Only admins and regulators decide bans: they see the person whole.
    let person = person.as_ref().map(|p| PersonView::new(p, true));
    Ok(Done::created(BanView::new(&ban, person, today()), format!("/api/v1/bans/{}", ban.id)))
}

/// Ban an organisation or a person (豫安委〔2017〕17号 八(二): 行业禁入, 职业禁入).
///
/// After accident-investigation findings; admins and regulators only. An
/// `industry_ban` names `organization_id`, which must lie in the
/// regulator's jurisdiction (404 otherwise); an
/// `occupational_ban` names `person` by identity number (created when new;
/// a known person under another name is a 422 `name_mismatch`) and is
/// decided in the regulator's jurisdiction. `to` is the last day
/// (inclusive) and not before `from`; `null` makes the ban permanent.
/// `case_ref` names the accident or case. An optional `Idempotency-Key`
/// makes retries safe.
#[utoipa::path(
    tag = "supervision",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateBan,
    responses(
        (status = 201, description = "Recorded", body = BanView,
            headers(("Location" = String, description = "URL of the ban"))),
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
#[post("/bans")]
pub async fn create_ban(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateBan>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/bans",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| record_ban(conn, &actor, body)).await
}

/// How much of an occupational ban a caller may see: admins whole; a
/// regulator whole when its jurisdiction covers the deciding region or the
/// person; the person's current employer with the identity number masked;
/// anyone else nothing.
fn person_ban_sight(
    conn: &mut DbConnection,
    caller: &Caller,
    decided_region: &RegionCode,
    person_id: Uuid,
) -> Result<Sight, ApiError> {
    Ok(match caller.role {
        Role::Admin => Sight::Full,
        Role::Regulator => {
            let decided_here = match (caller.jurisdiction(), region_info(conn, decided_region)?) {
                (Some(jurisdiction), Some(region)) => jurisdiction_covers(jurisdiction, &region),
                _ => false,
            };
            if decided_here || person_sight(conn, caller, person_id, today())? == Sight::Full {
                Sight::Full
            } else {
                Sight::Hidden
            }
        }
        Role::Insurer | Role::Agency | Role::Enterprise => match caller.organization_id {
            Some(org) if people::employs(conn, org, person_id, today())? => Sight::Masked,
            _ => Sight::Hidden,
        },
        Role::Portal => Sight::Hidden,
    })
}

/// Fetch a ban (豫安委〔2017〕17号 八(二)).
///
/// With whether it is in force today (CST). An industry ban: admins,
/// regulators of the organisation's jurisdiction and the banned
/// organisation itself. An occupational ban: admins and regulators whose
/// jurisdiction decided it or covers the person, with the identity number
/// whole; the person's current employer, with it masked. 404 for any other
/// regulator or organisation; portals 403 (bans are not on the public list
/// of 八(三)).
#[utoipa::path(
    tag = "supervision",
    params(("id" = Uuid, Path, description = "Ban id")),
    responses(
        (status = 200, description = "The ban", body = BanView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/bans/{id}")]
pub async fn get_ban(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<BanView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator, Role::Insurer, Role::Agency, Role::Enterprise])?;
    let id = id.into_inner();
    let view = db::run(&state.pool, move |conn| {
        let ban = sanctions::find_ban(conn, id)?.ok_or_else(ApiError::not_found)?;
        let person = match (ban.organization_id, ban.person_id) {
            (Some(org_id), _) => {
                organization_in_sight(conn, &caller, org_id)?;
                None
            }
            (None, Some(person_id)) => {
                let full = match person_ban_sight(conn, &caller, &ban.decided_region, person_id)? {
                    Sight::Hidden => return Err(ApiError::not_found()),
                    sight => sight == Sight::Full,
                };
                let person = people::find(conn, person_id)?
                    .ok_or_else(|| ApiError::internal(format!("ban {id} names an unknown person")))?;
                Some(PersonView::new(&person, full))
            }
            (None, None) => return Err(ApiError::internal(format!("ban {id} names nobody"))),
        };
        Ok(BanView::new(&ban, person, today()))
    })
    .await?;
    Ok(web::Json(view))
}
