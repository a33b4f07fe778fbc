//! Random spot checks (豫安委〔2017〕17号 八(二) 随机抽查, "double random"): draws of targets
//! and inspectors whose seed nobody chooses, a public re-derivation of every draw, and the
//! results per target.

use actix_web::http::header::{CacheControl, CacheDirective, ETag, EntityTag};
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use domain::organization::{OrganizationKind, Role, Sector};
use domain::region::{jurisdiction_covers, RegionCode};
use domain::spot_check::{self, DrawError, DrawInputs, DrawnTarget};
use domain::validation::Collector;
use persistence::spot_checks::{self, DrawRecord, NewDraw, PopulationFilter, TargetRecord};
use persistence::{sanctions, DbConnection, StoreError};
use serde_json::json;
use sha2::{Digest, Sha256};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::access::may_register_in;
use crate::audit::Actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extractors::{typed_body, StrictJson};
use crate::idempotency::{self, Done, Scope, Target};
use crate::middleware::request_id::RequestId;
use crate::problem::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::routes::organizations::region_info;
use crate::schemas::spot_check::{
    CreateSpotCheckDraw, CreateSpotCheckResult, SpotCheckDrawView, SpotCheckInputs, SpotCheckSanction,
    SpotCheckSelection, SpotCheckTargetView, SpotCheckVerification,
};
use crate::state::AppState;
use crate::{db, etag};

/// Registers this module's routes under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.service(create_spot_check_draw)
        .service(get_spot_check_draw)
        .service(verify_spot_check_draw)
        .service(record_spot_check_result);
}

const DRAWS: &str = "/api/v1/supervision/spot-check-draws";
const MAX_INSPECTORS: usize = 200;
const MAX_INSPECTOR_CHARS: usize = 50;
const MAX_BEACON_CHARS: usize = 200;
const MAX_FINDINGS_CHARS: usize = 2000;

/// The region a caller may draw in: a regulator's jurisdiction, the whole province for admins;
/// nobody else (deny by default, even if a role gate upstream is loosened).
fn drawing_jurisdiction(caller: &Caller) -> Result<RegionCode, ApiError> {
    match caller.role {
        Role::Admin => Ok(RegionCode::province()),
        Role::Regulator => caller.jurisdiction().cloned().ok_or_else(ApiError::forbidden),
        _ => Err(ApiError::forbidden()),
    }
}

/// A JSON count as the domain takes it; out-of-range values stay out of range so that the
/// domain's own check reports them.
fn count(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The inspector pool, trimmed, sorted and de-duplicated, with every bad entry reported.
fn inspector_pool(raw: &[String], v: &mut Collector) -> Vec<String> {
    if !(1..=MAX_INSPECTORS).contains(&raw.len()) {
        v.push("inspectors", "invalid_length", format!("between 1 and {MAX_INSPECTORS} inspectors"));
    }
    let mut pool = Vec::with_capacity(raw.len());
    for (i, name) in raw.iter().enumerate() {
        let field = format!("inspectors[{i}]");
        let name = name.trim();
        if name.is_empty() {
            v.push(&field, "required", "must not be blank");
        } else if name.chars().count() > MAX_INSPECTOR_CHARS {
            v.push(&field, "invalid_length", format!("at most {MAX_INSPECTOR_CHARS} characters"));
        } else if name.chars().any(char::is_control) {
            v.push(&field, "invalid_text", "control characters are not allowed");
        } else {
            pool.push(name.to_owned());
        }
    }
    pool.sort_unstable();
    pool.dedup();
    pool
}

/// The domain's verdict on the sizes, per field. The domain reports its first failure only, so
/// a failing sample size is probed again with a valid one to find an inspector shortfall too.
fn size_errors(pool: &[String], sample_size: u32, per_target: u32) -> Vec<(&'static str, DrawError)> {
    let probe = |sample_size: u32| {
        spot_check::draw(&DrawInputs {
            population: Vec::new(),
            inspectors: pool.to_vec(),
            sample_size,
            inspectors_per_target: per_target,
            criteria: String::new(),
            beacon: String::new(),
        })
        .err()
    };
    match probe(sample_size) {
        None => Vec::new(),
        Some(error @ DrawError::NotEnoughInspectors { .. }) => vec![("inspectors_per_target", error)],
        Some(error) => {
            let mut errors = vec![("sample_size", error)];
            errors.extend(probe(1).map(|more| ("inspectors_per_target", more)));
            errors
        }
    }
}

/// The draw, if the caller may see it: admins all, regulators those whose region their
/// jurisdiction covers; anyone else 404 (the role gate answers 403 before).
fn visible_draw(
    conn: &mut DbConnection,
    caller: &Caller,
    id: Uuid,
) -> Result<(DrawRecord, Vec<TargetRecord>), ApiError> {
    let (draw, targets) = spot_checks::find_draw(conn, id)?.ok_or_else(ApiError::not_found)?;
    let visible = match caller.role {
        Role::Admin => true,
        Role::Regulator => {
            let region = region_info(conn, &draw.region_code)?
                .ok_or_else(|| ApiError::internal(format!("spot-check draw {id} has an unknown region")))?;
            caller.jurisdiction().is_some_and(|j| jurisdiction_covers(j, &region))
        }
        _ => false,
    };
    if visible {
        Ok((draw, targets))
    } else {
        Err(ApiError::not_found())
    }
}

fn target_views(conn: &mut DbConnection, targets: &[TargetRecord]) -> Result<Vec<SpotCheckTargetView>, ApiError> {
    let ids: Vec<Uuid> = targets.iter().map(|t| t.organization_id).collect();
    let organizations = spot_checks::target_organizations(conn, &ids)?;
    let mut views = Vec::with_capacity(targets.len());
    for target in targets {
        let org = organizations
            .get(&target.organization_id)
            .ok_or_else(|| ApiError::internal(format!("spot-check target {} is unknown", target.organization_id)))?;
        let sanction = match target.sanction_id {
            Some(id) => {
                let s =
                    sanctions::find(conn, id)?.ok_or_else(|| ApiError::internal(format!("sanction {id} vanished")))?;
                Some(SpotCheckSanction { id: s.id, kind: s.kind, decided_on: s.decided_on })
            }
            None => None,
        };
        views.push(SpotCheckTargetView {
            position: target.position,
            organization_id: target.organization_id,
            name: org.name.clone(),
            credit_code: org.credit_code.clone(),
            inspectors: target.inspectors.clone(),
            findings: target.findings.clone(),
            sanction,
            recorded_at: target.recorded_at,
        });
    }
    Ok(views)
}

fn draw_view(
    conn: &mut DbConnection,
    draw: &DrawRecord,
    targets: &[TargetRecord],
) -> Result<SpotCheckDrawView, ApiError> {
    Ok(SpotCheckDrawView {
        id: draw.id,
        criteria: draw.criteria.clone(),
        region_code: draw.region_code.as_str().to_owned(),
        population_size: draw.population.len(),
        population_digest: draw.population_digest.clone(),
        seed: draw.seed_hex.clone(),
        beacon: draw.beacon.clone(),
        sample_size: draw.sample_size,
        inspectors_per_target: draw.inspectors_per_target,
        inspectors: draw.inspectors.clone(),
        algorithm: spot_check::VERSION_TAG.to_owned(),
        drawn_by: draw.drawn_by.clone(),
        created_at: draw.created_at,
        verification: format!("{DRAWS}/{}/verification", draw.id),
        targets: target_views(conn, targets)?,
    })
}

fn make_draw(
    conn: &mut DbConnection,
    actor: &Actor,
    body: CreateSpotCheckDraw,
) -> Result<Done<SpotCheckDrawView>, ApiError> {
    let mut v = Collector::new();
    let kind = body.kind.as_deref().and_then(|k| v.check("kind", OrganizationKind::parse(k)));
    let sector = body.sector.as_deref().and_then(|s| v.check("sector", Sector::parse(s)));
    let region = body.region.as_deref().and_then(|r| v.check("region", RegionCode::parse(r)));
    let region_info = match &region {
        Some(code) => {
            let info = region_info(conn, code)?;
            if info.is_none() {
                v.push("region", "unknown_region", "no such region in Henan");
            }
            info
        }
        None => None,
    };
    let pool = inspector_pool(&body.inspectors, &mut v);
    if body.beacon.trim().is_empty() {
        v.push("beacon", "required", "must not be blank");
    } else if body.beacon.chars().count() > MAX_BEACON_CHARS {
        v.push("beacon", "invalid_length", format!("at most {MAX_BEACON_CHARS} characters"));
    } else if body.beacon.chars().any(char::is_control) {
        v.push("beacon", "invalid_text", "control characters are not allowed");
    }
    let sample_size = count(body.sample_size);
    let per_target = count(body.inspectors_per_target);
    for (field, error) in size_errors(&pool, sample_size, per_target) {
        v.push(field, error.code(), error.to_string());
    }
    v.finish()?;
    if let Some(info) = &region_info {
        may_register_in(&actor.caller, info)?;
    }

    let jurisdiction = drawing_jurisdiction(&actor.caller)?;
    // Stable field order: the text is hashed into the seed.
    let criteria = format!(
        "kind={};region={};sector={};jurisdiction={};status=not_revoked",
        kind.map_or("", |k| k.as_str()),
        region.as_ref().map_or("", |r| r.as_str()),
        sector.map_or("", |s| s.as_str()),
        jurisdiction.as_str(),
    );
    let filter = PopulationFilter { kind, sector, region: region.clone(), jurisdiction: Some(jurisdiction.clone()) };
    let population = spot_checks::population(conn, &filter)?;
    let inputs = DrawInputs {
        population,
        inspectors: pool,
        sample_size,
        inspectors_per_target: per_target,
        criteria,
        beacon: body.beacon,
    };
    let drawn = spot_check::draw(&inputs).map_err(|e| ApiError::internal(format!("checked draw failed: {e}")))?;
    let targets = drawn
        .targets
        .iter()
        .map(|t| Uuid::parse_str(&t.target).map(|id| (id, t.inspectors.clone())))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::internal(format!("population id is not a UUID: {e}")))?;
    let region_code = region.unwrap_or(jurisdiction);
    let id = spot_checks::insert_draw(
        conn,
        &NewDraw {
            population_digest: spot_check::population_digest(&inputs.population),
            criteria: inputs.criteria,
            population: inputs.population,
            inspectors: inputs.inspectors,
            sample_size,
            inspectors_per_target: per_target,
            beacon: inputs.beacon,
            seed_hex: drawn.seed_hex,
            drawn_by: actor.caller.client_id.clone(),
            region_code: region_code.clone(),
            targets,
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "spot_check.draw", "spot_check_draw", &id.to_string(), Some(&region_code))?;
    let (draw, targets) = spot_checks::find_draw(conn, id)?.ok_or_else(|| ApiError::internal("draw vanished"))?;
    Ok(Done::created(draw_view(conn, &draw, &targets)?, format!("{DRAWS}/{id}")))
}

/// Draw spot-check targets and inspectors at random (豫安委〔2017〕17号 八(二) 随机抽查).
///
/// Admins (the whole province) and regulators (their jurisdiction). The population is every
/// organisation matching `kind`, `region` (that region and the regions answering to it) and
/// `sector` inside the caller's jurisdiction that is not revoked, as sorted ids. The server does
/// not choose the seed: it is SHA-256 over the algorithm version, the canonical `criteria`, the
/// sizes, the population snapshot, the inspector pool and the `beacon` announced beforehand, so
/// the same inputs always give the same draw and anyone can re-derive it at the
/// `verification` link. A sample larger than the population draws everyone; an empty
/// population is recorded as a draw with no targets (201), so the attempt stays on record.
///
/// 403 `outside_jurisdiction`: `region` lies outside the caller's jurisdiction. 422 lists every
/// bad field: `invalid_kind`, `invalid_sector`, `invalid_region_code`/`unknown_region`
/// (`region`), `invalid_sample_size` (`sample_size`), `not_enough_inspectors`
/// (`inspectors_per_target`: 0 or more than the distinct inspectors), `invalid_length`,
/// `required` or `invalid_text` (`inspectors`, `inspectors[i]`, `beacon`). An optional
/// `Idempotency-Key` makes retries safe.
#[utoipa::path(
    tag = "supervision",
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response")),
    request_body = CreateSpotCheckDraw,
    responses(
        (status = 201, description = "Drawn and recorded", body = SpotCheckDrawView,
            headers(("Location" = String, description = "The draw"))),
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
#[post("/supervision/spot-check-draws")]
pub async fn create_spot_check_draw(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (scope, body) = idempotency::scoped_body::<CreateSpotCheckDraw>(
        &req,
        caller.client_id.clone(),
        "POST /api/v1/supervision/spot-check-draws",
        Target::Collection,
        body.into_inner(),
    )?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| make_draw(conn, &actor, body)).await
}

/// Fetch a spot-check draw with each target's recorded findings and linked sanction
/// (豫安委〔2017〕17号 八(二)).
///
/// Admins, and regulators whose jurisdiction covers the draw's region; for other regulators
/// the draw does not exist (404). Other roles: 403.
#[utoipa::path(
    tag = "supervision",
    params(("id" = Uuid, Path, description = "Draw id")),
    responses(
        (status = 200, description = "The draw", body = SpotCheckDrawView),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/supervision/spot-check-draws/{id}")]
pub async fn get_spot_check_draw(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> Result<web::Json<SpotCheckDrawView>, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let id = id.into_inner();
    let body = db::run(&state.pool, move |conn| {
        let (draw, targets) = visible_draw(conn, &caller, id)?;
        draw_view(conn, &draw, &targets)
    })
    .await?;
    Ok(web::Json(body))
}

fn verification(draw: &DrawRecord, targets: &[TargetRecord]) -> SpotCheckVerification {
    let inputs = DrawInputs {
        population: draw.population.clone(),
        inspectors: draw.inspectors.clone(),
        sample_size: draw.sample_size,
        inspectors_per_target: draw.inspectors_per_target,
        criteria: draw.criteria.clone(),
        beacon: draw.beacon.clone(),
    };
    let recorded = spot_check::Draw {
        seed_hex: draw.seed_hex.clone(),
        targets: targets
            .iter()
            .map(|t| DrawnTarget { target: t.organization_id.to_string(), inspectors: t.inspectors.clone() })
            .collect(),
    };
    SpotCheckVerification {
        draw_id: draw.id,
        algorithm: spot_check::VERSION_TAG.to_owned(),
        clause: spot_check::CLAUSE.to_owned(),
        drawn_at: draw.created_at,
        verified: spot_check::verify(&inputs, &recorded),
        digest_matches: spot_check::population_digest(&draw.population) == draw.population_digest,
        rederived: spot_check::draw(&inputs).ok().as_ref().map(SpotCheckSelection::from),
        recorded: SpotCheckSelection::from(&recorded),
        inputs: SpotCheckInputs {
            criteria: inputs.criteria,
            population: inputs.population,
            population_digest: draw.population_digest.clone(),
            inspectors: inputs.inspectors,
            sample_size: inputs.sample_size,
            inspectors_per_target: inputs.inspectors_per_target,
            beacon: inputs.beacon,
        },
    }
}

/// Check that a spot-check draw was not steered (豫安委〔2017〕17号 八(二)). Anyone may call.
///
/// Returns the recorded inputs, the recorded selection, the selection re-derived from those
/// inputs, `verified` (the recorded seed and selection are exactly what the inputs give) and
/// `digest_matches` (the recorded digest is that of the recorded population). Organisation ids
/// are registry data, public. Cacheable for 60 s; honours `If-None-Match`.
///
/// The algorithm (`hsp-spot-check-v1`), for independent re-implementation: a *field* is its
/// UTF-8 byte length as 8 bytes big-endian then the bytes; a *list* is its item count as 8 bytes
/// big-endian then each item as a field, items sorted byte-wise and de-duplicated. The seed is
/// SHA-256 of: the version tag as a field, `criteria` as a field, `sample_size` and
/// `inspectors_per_target` as 4 bytes big-endian each, the population as a list, the
/// inspectors as a list, `beacon` as a field. The population digest is SHA-256 of the population
/// as a list. The stream's block `i` (from 0) is SHA-256(seed ‖ `i` as 8 bytes big-endian), read
/// as four big-endian u64 words; a uniform integer below `n` rejects words below `2^64 mod n`
/// and takes `word mod n`. Targets: partial Fisher–Yates over the sorted population — for `i`
/// in `0..min(sample_size, len)` swap `i` with `i + uniform(len − i)`. Then for each target in
/// draw order the same partial shuffle over a fresh copy of the sorted pool picks
/// `inspectors_per_target` inspectors, continuing the same stream.
#[utoipa::path(
    tag = "supervision",
    params(("id" = Uuid, Path, description = "Draw id")),
    responses(
        (status = 200, description = "The verification", body = SpotCheckVerification,
            headers(("ETag" = String), ("Cache-Control" = String))),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[get("/supervision/spot-check-draws/{id}/verification")]
pub async fn verify_spot_check_draw(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (draw, targets) =
        db::run(&state.pool, move |conn| spot_checks::find_draw(conn, id)?.ok_or_else(ApiError::not_found)).await?;
    let body = serde_json::to_vec(&verification(&draw, &targets)).map_err(ApiError::internal)?;
    let digest: String = Sha256::digest(&body).iter().take(16).map(|b| format!("{b:02x}")).collect();
    let tag = format!("\"{digest}\"");
    let unchanged = etag::not_modified(&req, &tag);
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response
        .insert_header(ETag(EntityTag::new_strong(digest)))
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(60)]));
    if unchanged {
        return Ok(response.finish());
    }
    Ok(response.content_type("application/json").body(body))
}

/// Findings: non-blank, at most 2000 characters, no control characters but line breaks and tabs.
fn check_findings(findings: &str, v: &mut Collector) {
    if findings.trim().is_empty() {
        v.push("findings", "required", "must not be blank");
    } else if findings.chars().count() > MAX_FINDINGS_CHARS {
        v.push("findings", "invalid_length", format!("at most {MAX_FINDINGS_CHARS} characters"));
    } else if findings.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t')) {
        v.push("findings", "invalid_text", "control characters other than line breaks are not allowed");
    }
}

fn record_result(
    conn: &mut DbConnection,
    actor: &Actor,
    id: Uuid,
    position: u32,
    body: CreateSpotCheckResult,
) -> Result<Done<SpotCheckTargetView>, ApiError> {
    let mut v = Collector::new();
    check_findings(&body.findings, &mut v);
    v.finish()?;
    let (draw, targets) = visible_draw(conn, &actor.caller, id)?;
    let target = targets.iter().find(|t| t.position == position).ok_or_else(ApiError::not_found)?;
    if target.recorded_at.is_some() {
        return Err(ApiError::conflict("result_already_recorded"));
    }
    if let Some(sanction_id) = body.sanction_id {
        // One answer for "no such sanction" and "another organisation's": sanction ids of other
        // jurisdictions are not confirmed.
        let concerns_target =
            sanctions::find(conn, sanction_id)?.is_some_and(|s| s.organization_id == target.organization_id);
        if !concerns_target {
            return Err(ApiError::invalid_field(
                "sanction_id",
                "sanction_not_of_target",
                "no sanction with this id concerns the target organisation",
            ));
        }
    }
    let findings = body.findings.trim();
    spot_checks::record_result(conn, id, position, findings, body.sanction_id, crate::clock::now()).map_err(
        |e| match e {
            // A concurrent request recorded it first.
            StoreError::VersionConflict => ApiError::conflict("result_already_recorded"),
            other => other.into(),
        },
    )?;
    actor.record(conn, "spot_check.result", "spot_check_draw", &id.to_string(), Some(&draw.region_code))?;
    let (_, targets) = spot_checks::find_draw(conn, id)?.ok_or_else(|| ApiError::internal("draw vanished"))?;
    let target: Vec<TargetRecord> = targets.into_iter().filter(|t| t.position == position).collect();
    let view = target_views(conn, &target)?.pop().ok_or_else(|| ApiError::internal("target vanished"))?;
    Ok(Done::created(view, format!("{DRAWS}/{id}")))
}

/// Record what the inspection of one drawn target found (豫安委〔2017〕17号 八(二)).
///
/// Admins, and regulators whose jurisdiction covers the draw's region (404 for other
/// regulators, 403 for other roles). `position` is the target's place in draw order, from 0
/// (404 beyond the draw). A result is recorded once: a second is 409
/// `result_already_recorded`. `sanction_id` links a sanction already decided on the target
/// organisation; any other id is 422 `sanction_not_of_target`. An optional `Idempotency-Key`
/// makes retries safe.
#[utoipa::path(
    tag = "supervision",
    params(
        ("id" = Uuid, Path, description = "Draw id"),
        ("position" = u32, Path, description = "The target's place in draw order, from 0"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry return the first response"),
    ),
    request_body = CreateSpotCheckResult,
    responses(
        (status = 201, description = "Recorded; the target with its result", body = SpotCheckTargetView,
            headers(("Location" = String, description = "The draw"))),
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
#[post("/supervision/spot-check-draws/{id}/targets/{position}/result")]
pub async fn record_spot_check_result(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    path: web::Path<(Uuid, u32)>,
    body: web::Json<StrictJson>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin, Role::Regulator])?;
    let (id, position) = path.into_inner();
    let key = idempotency::key(&req)?;
    let body = body.into_inner().0;
    // The position is part of the request: the same key for another target is a conflict.
    let scope = key.map(|key| {
        let request = json!({"position": position, "body": body});
        Scope::on_object(
            caller.client_id.clone(),
            key,
            "POST /api/v1/supervision/spot-check-draws/result",
            id,
            &request,
        )
    });
    let body: CreateSpotCheckResult = typed_body(&body)?;
    let actor = Actor::new(&caller, &request_id);
    idempotency::run_once(&state.pool, scope, StatusCode::CREATED, move |conn| {
        record_result(conn, &actor, id, position, body)
    })
    .await
}
