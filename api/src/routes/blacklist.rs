//! The blacklist (豫安委〔2017〕17号 八(三); 应急管理部令第11号): the public list, an
//! organisation's listings, and early removal — applied for by the listed party after 12 months,
//! decided by a regulator, and revoked when obtained by fraud.
//!
//! Listings are made only by `crate::credit::record_event` (a trigger event lists the party);
//! nothing here creates one.

use actix_web::http::header::{CacheControl, CacheDirective, ETag, EntityTag, CONTENT_TYPE};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use domain::blacklist::{
    check_removal_application, earliest_removal_application, listed_on_date, restore_after_fraudulent_removal,
    BlacklistError, RemovalDecision, RemovalStatus,
};
use domain::events::EventType;
use domain::organization::{OrganizationKind, Role};
use domain::region::RegionCode;
use domain::rules::RuleBook;
use domain::validation::{Collector, FieldError};
use persistence::blacklist::{self, BlacklistFilter, Listing, RemovalApplication};
use persistence::organizations::Organization;
use persistence::{organizations, rules, DbConnection, StoreError};
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;
use validator::Validate;

use crate::access::Sight;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::clock::today;
use crate::credit::blacklist_subject;
use crate::error::ApiError;
use crate::events;
use crate::extractors::StrictJson;
use crate::idempotency::{self, Done, Target};
use crate::middleware::request_id::RequestId;
use crate::pagination::{self, Page};
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::routes::organizations::{region_info, visible_organization};
use crate::schemas::blacklist::{
    BlacklistQuery, CreateRemovalApplication, CreateRemovalDecision, CreateRemovalRevocation, ListingView,
    OrganizationBlacklist, PublicBlacklistEntry, RemovalApplicationView,
};
use crate::schemas::fields::{collect_validator, past_date};
use crate::state::AppState;
use crate::{db, etag};

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(public_blacklist)
        .service(organization_blacklist)
        .service(create_removal_application)
        .service(decide_removal_application)
        .service(revoke_removal);
}

/// An optional date of the body: today (CST) when absent; never in the future.
fn date_or_today(field: &str, text: Option<&str>, v: &mut Collector) -> Option<NaiveDate> {
    match text {
        Some(text) => past_date(field, text, v),
        None => Some(today()),
    }
}

fn organization_of(conn: &mut DbConnection, listing: &Listing) -> Result<Organization, ApiError> {
    organizations::find(conn, listing.organization_id)?
        .ok_or_else(|| ApiError::internal(format!("listing {} of an unknown organisation", listing.id)))
}

fn listing_view(
    conn: &mut DbConnection,
    book: &RuleBook,
    listing: &Listing,
    full: bool,
    on: NaiveDate,
) -> Result<ListingView, ApiError> {
    let applications = blacklist::applications_of(conn, listing.id)?
        .iter()
        .map(|a| RemovalApplicationView::new(a, listing.organization_id, full))
        .collect();
    // A listing made before the removal rule took effect has no application date to show.
    let from = earliest_removal_application(book, listing.listed_on).ok().map(|applied| applied.value);
    Ok(ListingView::new(listing, from, listed_on_date(&listing.term(), on), applications))
}

/// A strong entity tag over the exact bytes of a response body.
fn body_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    digest.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// The public blacklist (八(三): trust rewarded, dishonesty punished — the list is public).
///
/// The parties on the blacklist today (CST): listed, term not over, not removed early. Each
/// with its organisation's name, credit code, kind and region, the act that triggered the
/// listing, the listing date, `ends_on` (the first day off the list, 3 years after listing) and
/// `listed_until` (the last day on it). Nothing personal. Ordered by listing (stable across
/// pages). No authentication; cacheable for 60 s with a strong `ETag` over the body;
/// `If-None-Match` naming it gets a 304. An unknown `kind` or `region` is a 422.
#[utoipa::path(
    tag = "public",
    params(BlacklistQuery),
    responses(
        (status = 200, description = "One page", body = Page<PublicBlacklistEntry>,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = BadRequest),
        (status = 422, response = Unprocessable),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/public/blacklist")]
pub async fn public_blacklist(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<BlacklistQuery>,
) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let mut v = Collector::new();
    let kind = query.kind.as_deref().and_then(|k| v.check("kind", OrganizationKind::parse(k)));
    let region = query.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r)));
    v.finish()?;
    let limit = pagination::limit(query.limit)?;
    let after = pagination::decode_cursor(query.cursor.as_deref(), |k| Uuid::parse_str(k).ok())?;
    let page = db::run(&state.read_pool, move |conn| {
        if let Some(region) = &region {
            if region_info(conn, region)?.is_none() {
                return Err(ApiError::invalid_field("region", "unknown_region", "no such region in Henan"));
            }
        }
        let filter = BlacklistFilter { kind, region };
        Ok(blacklist::in_force_page(conn, today(), &filter, after, limit)?)
    })
    .await?;
    let page = Page::from_store(page, |(listing, org)| PublicBlacklistEntry::new(&listing, &org));
    let body = serde_json::to_vec(&page).map_err(ApiError::internal)?;
    let tag = body_etag(&body);
    let cache = CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(60)]);
    if etag::not_modified(&req, &format!("\"{tag}\"")) {
        return Ok(HttpResponse::NotModified()
            .insert_header(ETag(EntityTag::new_strong(tag)))
            .insert_header(cache)
            .finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header(ETag(EntityTag::new_strong(tag)))
        .insert_header(cache)
        .insert_header((CONTENT_TYPE, "application/json"))
        .body(body))
}

/// An organisation's blacklist record (八(三)).
///
/// Every listing, oldest first, with its term, whether it is in force today (CST), the first
/// day early removal may be applied for, and its applications for early removal. Admins,
/// regulators of the organisation's jurisdiction and the organisation itself see everything;
/// portals see it too (the blacklist is public) without the applicants' reasons; anyone else
/// gets 404.
#[utoipa::path(
    tag = "blacklist",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The listings", body = OrganizationBlacklist),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/organizations/{id}/blacklist")]
pub async fn organization_blacklist(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<OrganizationBlacklist>, ApiError> {
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| {
        let (org, _, sight) = visible_organization(conn, &caller, id)?;
        let full = sight == Sight::Full;
        let book = rules::load_rule_book(conn)?;
        let on = today();
        let items = blacklist::listings_of(conn, org.id)?
            .iter()
            .map(|listing| listing_view(conn, &book, listing, full, on))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(OrganizationBlacklist { organization_id: org.id, listed_today: items.iter().any(|l| l.in_force), items })
    })
    .await?;
    Ok(web::Json(body))
}

/// Why an application cannot be accepted, as HTTP: too early is the applicant's 422 naming the
/// first accepted date; a date before the listing is a 422 too; a listing that has ended or was
/// removed is a 409.
fn application_refused(error: BlacklistError, listing: &Listing, applied_on: NaiveDate) -> ApiError {
    match error {
        BlacklistError::TooEarly { earliest } => ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "removal_too_early")
            .with_detail(format!("提前移出申请须在列入满12个月后提出，最早 {earliest}"), error.to_string())
            .with_errors(vec![FieldError {
                field: "applied_on".to_owned(),
                code: "removal_too_early",
                message: format!("early removal may be requested from {earliest} (12 months after listing)"),
            }]),
        BlacklistError::NotListed if applied_on < listing.listed_on => ApiError::invalid_field(
            "applied_on",
            "not_listed",
            format!("the listing starts on {}; apply on or after it", listing.listed_on),
        ),
        BlacklistError::NotListed => ApiError::conflict("not_listed").with_detail(
            format!("申请日 {applied_on} 该单位不在黑名单上（期满或已移出）"),
            format!("the party is not on the blacklist on {applied_on}: the term has ended or it was removed"),
        ),
        BlacklistError::Rule(rule) => ApiError::internal(rule),
    }
}

fn apply_for_removal(
    conn: &mut DbConnection,
    actor: &Actor,
    listing_id: Uuid,
    body: CreateRemovalApplication,
) -> Result<Done<RemovalApplicationView>, ApiError> {
    let listing = blacklist::lock_listing(conn, listing_id)?.ok_or_else(ApiError::not_found)?;
    // Only the listed party applies; to anyone else its listings are not there to apply to.
    if actor.caller.organization_id != Some(listing.organization_id) {
        return Err(ApiError::not_found());
    }
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let applied_on = date_or_today("applied_on", body.applied_on.as_deref(), &mut v);
    v.finish()?;
    let applied_on = applied_on.ok_or_else(|| ApiError::internal("application validated without its date"))?;
    let book = rules::load_rule_book(conn)?;
    check_removal_application(&book, &listing.term(), applied_on)
        .map_err(|e| application_refused(e, &listing, applied_on))?;
    if blacklist::applications_of(conn, listing.id)?.iter().any(|a| a.status == RemovalStatus::Pending) {
        return Err(ApiError::conflict("removal_pending").with_detail(
            "该列入已有待决定的提前移出申请",
            "an application for early removal of this listing is already awaiting a decision",
        ));
    }
    let org = organization_of(conn, &listing)?;
    let application =
        blacklist::insert_application(conn, listing.id, applied_on, body.reason.trim(), crate::clock::now())?;
    actor.record(
        conn,
        "blacklist.apply_removal",
        "blacklist_removal_application",
        &application.id.to_string(),
        Some(&org.region_code),
    )?;
    Ok(Done::created(
        RemovalApplicationView::new(&application, org.id, true),
        format!("/api/v1/organizations/{}/blacklist", org.id),
    ))
}

/// Apply for early removal from the blacklist (应急管理部令第11号; 豫安委〔2017〕17号 八(三)).
///
/// Only the listed organisation itself, for its own listing; another organisation gets 404,
/// and admins, regulators and portals (who never apply) 403. Accepted from 12 months after
/// listing: earlier is a 422 `removal_too_early` whose `errors` entry on `applied_on` names
/// the first accepted date. A listing whose term has ended or that was already removed is a
/// 409 `not_listed` (a date before the listing, a 422 `not_listed`); an application already
/// awaiting a decision is a 409 `removal_pending`. An optional `Idempotency-Key` makes retries
/// safe.
#[utoipa::path(
    tag = "blacklist",
    params(
        ("id" = Uuid, Path, description = "Listing id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateRemovalApplication,
    responses(
        (status = 201, description = "Accepted for review (`pending`)", body = RemovalApplicationView),
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
#[post("/blacklist/{id}/removal-applications")]
pub async fn create_removal_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    listing_id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Enterprise, Role::Agency, Role::Insurer])?;
    let listing_id = listing_id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateRemovalApplication>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/blacklist/{id}/removal-applications",
        Target::Object(listing_id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        apply_for_removal(conn, &actor, listing_id, body)
    })
    .await
}

/// The application, its listing (locked) and the organisation, when the caller may decide
/// about it: admins, and regulators whose jurisdiction covers the organisation (404 for the
/// others, who cannot see the organisation).
fn application_for_authority(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(RemovalApplication, Listing, Organization), ApiError> {
    let application = blacklist::find_application(conn, id)?.ok_or_else(ApiError::not_found)?;
    let listing = blacklist::lock_listing(conn, application.listing_id)?
        .ok_or_else(|| ApiError::internal(format!("application {id} of an unknown listing")))?;
    let (org, _, sight) = visible_organization(conn, caller, listing.organization_id)?;
    if sight != Sight::Full {
        return Err(ApiError::not_found());
    }
    // Read again under the listing's lock: a decision that committed meanwhile is seen.
    let application = blacklist::find_application(conn, id)?.ok_or_else(ApiError::not_found)?;
    Ok((application, listing, org))
}

fn already_decided() -> ApiError {
    ApiError::conflict("removal_already_decided")
        .with_detail("该申请已有决定", "the application has already been decided")
}

fn decide(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateRemovalDecision,
) -> Result<Done<ListingView>, ApiError> {
    let (application, listing, org) = application_for_authority(conn, &actor.caller, id)?;
    let mut v = Collector::new();
    let decision = v.check("decision", RemovalDecision::parse(&body.decision));
    let decided_on = date_or_today("decided_on", body.decided_on.as_deref(), &mut v);
    if decided_on.is_some_and(|on| on < application.applied_on) {
        v.push("decided_on", "out_of_range", "must not be before the application date");
    }
    v.finish()?;
    let (Some(decision), Some(decided_on)) = (decision, decided_on) else {
        return Err(ApiError::internal("decision validated without its parts"));
    };
    if application.status != RemovalStatus::Pending {
        return Err(already_decided());
    }
    if decision == RemovalDecision::Approved {
        // Nothing to remove once the term has run out (or the party is already off the list).
        if !listed_on_date(&listing.term(), decided_on) {
            return Err(ApiError::conflict("not_listed").with_detail(
                format!("决定日 {decided_on} 该单位不在黑名单上（期满或已移出）"),
                format!("the party is not on the blacklist on {decided_on}: the term has ended or it was removed"),
            ));
        }
        blacklist::set_removed(conn, listing.id, Some(decided_on))?;
        actor.record(conn, "blacklist.remove", "blacklist_listing", &listing.id.to_string(), Some(&org.region_code))?;
        events::publish(
            conn,
            EventType::BlacklistRemoved,
            blacklist_subject(&listing, &org),
            serde_json::json!({
                "credit_code": org.credit_code.as_str(),
                "removal_application_id": application.id,
                "listed_on": listing.listed_on,
                "ends_on": listing.ends_on,
                "removed_on": decided_on,
            }),
        )?;
    }
    blacklist::decide_application(
        conn,
        application.id,
        RemovalStatus::Pending,
        decision.status(),
        &actor.caller.client_id,
        decided_on,
    )
    .map_err(|e| match e {
        StoreError::VersionConflict => already_decided(),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "blacklist.decide_removal",
        "blacklist_removal_application",
        &application.id.to_string(),
        Some(&org.region_code),
    )?;
    let listing = blacklist::find_listing(conn, listing.id)?.ok_or_else(|| ApiError::internal("listing vanished"))?;
    let book = rules::load_rule_book(conn)?;
    Ok(Done::ok(listing_view(conn, &book, &listing, true, today())?))
}

/// Decide an application for early removal (应急管理部令第11号; 豫安委〔2017〕17号 八(三)).
///
/// Admins, and regulators whose jurisdiction covers the organisation (other regulators get 404;
/// other roles 403). `approved` takes the party off the list from `decided_on` (default today,
/// CST); `rejected` leaves the listing running. An application already decided is a 409
/// `removal_already_decided`; approving when the party is no longer listed that day, a 409
/// `not_listed`. Answers the listing with its applications. An optional `Idempotency-Key` makes
/// retries safe.
#[utoipa::path(
    tag = "blacklist",
    params(
        ("id" = Uuid, Path, description = "Removal application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateRemovalDecision,
    responses(
        (status = 200, description = "Decided; the listing", body = ListingView),
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
#[post("/blacklist/removal-applications/{id}/decision")]
pub async fn decide_removal_application(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateRemovalDecision>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/blacklist/removal-applications/{id}/decision",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response =
        idempotency::run_once(&state.pool, scope, StatusCode::OK, move |conn| decide(conn, &actor, id, body)).await?;
    // The public credit card says whether the organisation is blacklisted.
    state.public_credit.invalidate_all();
    Ok(response)
}

fn not_approved() -> ApiError {
    ApiError::conflict("removal_not_approved")
        .with_detail("只有已批准的提前移出才能撤销", "only an approved early removal can be revoked")
}

fn revoke(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    body: CreateRemovalRevocation,
) -> Result<Done<ListingView>, ApiError> {
    let (application, listing, org) = application_for_authority(conn, &actor.caller, id)?;
    let mut v = Collector::new();
    let revoked_on = date_or_today("revoked_on", body.revoked_on.as_deref(), &mut v);
    if let (Some(on), Some(approved_on)) = (revoked_on, application.decided_on) {
        if on < approved_on {
            v.push("revoked_on", "out_of_range", "must not be before the approval");
        }
    }
    v.finish()?;
    let revoked_on = revoked_on.ok_or_else(|| ApiError::internal("revocation validated without its date"))?;
    if application.status != RemovalStatus::Approved {
        return Err(not_approved());
    }
    // The original term comes back; it is not restarted (应急管理部令第11号).
    let restored = restore_after_fraudulent_removal(listing.term());
    blacklist::set_removed(conn, listing.id, restored.removed_on)?;
    actor.record(conn, "blacklist.restore", "blacklist_listing", &listing.id.to_string(), Some(&org.region_code))?;
    // Back on the list with the original term: listed again, as the feed tells it.
    events::publish(
        conn,
        EventType::BlacklistListed,
        blacklist_subject(&listing, &org),
        serde_json::json!({
            "credit_code": org.credit_code.as_str(),
            "trigger_type": listing.trigger_type,
            "credit_event_id": listing.credit_event_id,
            "listed_on": listing.listed_on,
            "ends_on": listing.ends_on,
            "restored_after_removal_revoked_on": revoked_on,
            "removal_application_id": application.id,
        }),
    )?;
    blacklist::decide_application(
        conn,
        application.id,
        RemovalStatus::Approved,
        RemovalStatus::Revoked,
        &actor.caller.client_id,
        revoked_on,
    )
    .map_err(|e| match e {
        StoreError::VersionConflict => not_approved(),
        other => other.into(),
    })?;
    actor.record(
        conn,
        "blacklist.revoke_removal",
        "blacklist_removal_application",
        &application.id.to_string(),
        Some(&org.region_code),
    )?;
    let listing = blacklist::find_listing(conn, listing.id)?.ok_or_else(|| ApiError::internal("listing vanished"))?;
    let book = rules::load_rule_book(conn)?;
    Ok(Done::ok(listing_view(conn, &book, &listing, true, today())?))
}

/// Revoke an early removal obtained by fraud (应急管理部令第11号; 豫安委〔2017〕17号 八(三)).
///
/// The application becomes `revoked` and the party is back on the list with its original term:
/// `ends_on` is unchanged, so a revocation after that date leaves the listing ended. Only an
/// `approved` application can be revoked (otherwise 409 `removal_not_approved`). Admins, and
/// regulators whose jurisdiction covers the organisation (other regulators get 404; other roles
/// 403). Answers the listing with its applications. An optional `Idempotency-Key` makes retries
/// safe.
#[utoipa::path(
    tag = "blacklist",
    params(
        ("id" = Uuid, Path, description = "Removal application id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateRemovalRevocation,
    responses(
        (status = 200, description = "Revoked; the restored listing", body = ListingView),
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
#[post("/blacklist/removal-applications/{id}/revocation")]
pub async fn revoke_removal(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    id: web::Path<Uuid>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let (scope, body) = idempotency::scoped_body::<CreateRemovalRevocation>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/blacklist/removal-applications/{id}/revocation",
        Target::Object(id),
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    let response =
        idempotency::run_once(&state.pool, scope, StatusCode::OK, move |conn| revoke(conn, &actor, id, body)).await?;
    state.public_credit.invalidate_all();
    Ok(response)
}
