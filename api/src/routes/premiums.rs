//! Premium batches: `/api/v1/insurance/premium-postings` — the insurers'
//! ingestion path, atomic per batch and idempotent per key.

use std::collections::{BTreeSet, HashMap, HashSet};

use actix_web::http::StatusCode;
use actix_web::{post, web, FromRequest, HttpRequest, HttpResponse};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::events::EventType;
use domain::insurance::first_negative_running_net;
use domain::money::Fen;
use domain::time::{cst_date, truncate_to_micros};
use domain::validation::{Collector, FieldError};
use persistence::premiums::{self, NewBatch, NewPosting};
use persistence::{organizations, policies, rules, DbConnection};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::Actor;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::extractors::{content_type_is_csv, typed_body, StrictJson};
use crate::funds::{ledger, ledger_start};
use crate::idempotency::{self, Done, Scope};
use crate::middleware::request_id::RequestId;
use crate::problem::{
    BadRequest, Conflict, Forbidden, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::routes::policies::acting_insurer;
use crate::schemas::premium::{
    parse_csv, BatchReceipt, PremiumBatch, PremiumItem, YearLevy, MAX_BATCH_ITEMS, MAX_POSTING_FEN,
};
use crate::state::AppState;

/// Tolerated clock skew for `received_at` in the future.
const FUTURE_SKEW: Duration = Duration::minutes(5);
const MAX_REF_LENGTH: usize = 100;

/// An item that passed the per-item checks.
struct Posting {
    index: usize,
    policy_id: Uuid,
    received_at: DateTime<Utc>,
    amount: Fen,
    external_ref: String,
}

fn item_field(index: usize, name: &str) -> String {
    format!("items[{index}].{name}")
}

/// Every per-item check at once; the 422 names each bad item and field.
fn check_items(
    items: &[PremiumItem],
    policy_ids: &HashMap<String, Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<Posting>, Vec<FieldError>> {
    let mut v = Collector::new();
    let mut seen_refs = HashSet::new();
    let earliest = DateTime::<Utc>::from_naive_utc_and_offset(ledger_start().and_time(chrono::NaiveTime::MIN), Utc);
    let mut postings = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let policy_id = policy_ids.get(&item.policy_number).copied();
        if policy_id.is_none() {
            v.push(&item_field(index, "policy_number"), "unknown_policy", "no policy of this insurer has this number");
        }
        let received_at = match DateTime::parse_from_rfc3339(&item.received_at) {
            Ok(at) => {
                let at = truncate_to_micros(at.with_timezone(&Utc));
                if at < earliest || at > now + FUTURE_SKEW {
                    v.push(&item_field(index, "received_at"), "out_of_range", "must lie between 2000-01-01 and now");
                    None
                } else {
                    Some(at)
                }
            }
            Err(_) => {
                v.push(
                    &item_field(index, "received_at"),
                    "invalid_instant",
                    "expected an RFC 3339 instant with offset",
                );
                None
            }
        };
        if item.amount_fen == 0 {
            v.push(&item_field(index, "amount_fen"), "invalid_amount", "amount must not be zero");
        } else if item.amount_fen.unsigned_abs() > MAX_POSTING_FEN.unsigned_abs() {
            v.push(&item_field(index, "amount_fen"), "out_of_range", "at most 10^15 fen either way");
        }
        let reference = item.external_ref.as_str();
        if reference.is_empty() || reference.chars().count() > MAX_REF_LENGTH {
            v.push(&item_field(index, "external_ref"), "invalid_length", "1 to 100 characters");
        } else if reference.chars().any(char::is_control) {
            v.push(&item_field(index, "external_ref"), "invalid_text", "control characters are not allowed");
        } else if !seen_refs.insert(reference) {
            v.push(&item_field(index, "external_ref"), "duplicate_in_batch", "appears earlier in this batch");
        }
        if let (Some(policy_id), Some(received_at)) = (policy_id, received_at) {
            postings.push(Posting {
                index,
                policy_id,
                received_at,
                amount: Fen::new(item.amount_fen),
                external_ref: item.external_ref.clone(),
            });
        }
    }
    v.finish()?;
    Ok(postings)
}

/// Items whose refunds would take their policy's net premium below zero.
/// Only policies with a refund in the batch can go negative: stored nets
/// never are.
fn check_net_premiums(conn: &mut DbConnection, postings: &[&Posting]) -> Result<(), ApiError> {
    let refunded: HashSet<Uuid> = postings.iter().filter(|p| p.amount.is_negative()).map(|p| p.policy_id).collect();
    let mut by_policy: HashMap<Uuid, Vec<(usize, Fen)>> = HashMap::new();
    for p in postings.iter().filter(|p| refunded.contains(&p.policy_id)) {
        by_policy.entry(p.policy_id).or_default().push((p.index, p.amount));
    }
    if by_policy.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = by_policy.keys().copied().collect();
    let stored = premiums::net_by_policy(conn, &ids)?;
    let mut v = Collector::new();
    for (policy_id, amounts) in &by_policy {
        let net = stored.get(policy_id).copied().unwrap_or(Fen::ZERO);
        let first_negative = match first_negative_running_net(net, amounts) {
            Ok(found) => found,
            Err(_) => {
                let index = amounts.first().map_or(0, |(i, _)| *i);
                v.push(&item_field(index, "amount_fen"), "amount_overflow", "the policy's net premium would overflow");
                continue;
            }
        };
        if let Some(index) = first_negative {
            v.push(
                &item_field(index, "amount_fen"),
                "negative_net_premium",
                "this refund would take the policy's net premium below zero",
            );
        }
    }
    Ok(v.finish()?)
}

/// The insurer's day and year totals after the batch must stay within the
/// range of `Fen`; the first item that would overflow one is named.
fn check_totals(conn: &mut DbConnection, insurer_id: Uuid, postings: &[&Posting]) -> Result<(), ApiError> {
    let years: BTreeSet<i32> = postings.iter().map(|p| domain::time::cst_year(p.received_at)).collect();
    let mut day_totals: HashMap<NaiveDate, Fen> = HashMap::new();
    let mut year_totals: HashMap<i32, Fen> = HashMap::new();
    for year in years {
        let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            continue;
        };
        for (day, net) in premiums::daily_net(conn, insurer_id, first, last)? {
            day_totals.insert(day, net);
            let total = year_totals.entry(year).or_insert(Fen::ZERO);
            *total = total.checked_add(net).map_err(ApiError::internal)?;
        }
    }
    let mut v = Collector::new();
    let mut overflowed = HashSet::new();
    for p in postings {
        let day = cst_date(p.received_at);
        if overflowed.contains(&day.year()) {
            continue;
        }
        let day_total = day_totals.get(&day).copied().unwrap_or(Fen::ZERO).checked_add(p.amount);
        let year_total = year_totals.get(&day.year()).copied().unwrap_or(Fen::ZERO).checked_add(p.amount);
        match (day_total, year_total) {
            (Ok(d), Ok(y)) => {
                day_totals.insert(day, d);
                year_totals.insert(day.year(), y);
            }
            _ => {
                overflowed.insert(day.year());
                v.push(
                    &item_field(p.index, "amount_fen"),
                    "amount_overflow",
                    "the insurer's premium total would overflow",
                );
            }
        }
    }
    Ok(v.finish()?)
}

fn ingest(
    conn: &mut DbConnection,
    actor: &Actor,
    insurer_id: Uuid,
    items: Vec<PremiumItem>,
) -> Result<Done<BatchReceipt>, ApiError> {
    premiums::lock_insurer_ledger(conn, insurer_id)?;
    // A number with control characters cannot exist (and PostgreSQL refuses NUL): it stays unknown.
    let numbers: Vec<&str> = items
        .iter()
        .map(|i| i.policy_number.as_str())
        .filter(|n| !n.chars().any(char::is_control))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let policy_ids: HashMap<String, Uuid> =
        policies::find_by_numbers(conn, insurer_id, &numbers)?.into_iter().map(|(n, p)| (n, p.id)).collect();
    let postings = check_items(&items, &policy_ids, crate::clock::now())?;

    // Items stored before: identical content is "already recorded", anything else a conflict.
    let refs: Vec<&str> = postings.iter().map(|p| p.external_ref.as_str()).collect();
    let stored = premiums::find_by_external_refs(conn, insurer_id, &refs)?;
    let mut already_recorded = Vec::new();
    let mut conflicts = Vec::new();
    let mut fresh = Vec::with_capacity(postings.len());
    for posting in &postings {
        match stored.get(&posting.external_ref) {
            None => fresh.push(posting),
            Some(s)
                if s.policy_id == posting.policy_id
                    && s.received_at == posting.received_at
                    && s.amount == posting.amount =>
            {
                already_recorded.push(posting.index);
            }
            Some(_) => conflicts.push(FieldError {
                field: item_field(posting.index, "external_ref"),
                code: "external_reference_conflict",
                message: "stored earlier with different content".into(),
            }),
        }
    }
    if !conflicts.is_empty() {
        return Err(ApiError::conflict("external_reference_conflict").with_errors(conflicts));
    }
    check_net_premiums(conn, &fresh)?;
    check_totals(conn, insurer_id, &fresh)?;

    let batch_id = Uuid::now_v7();
    let now = crate::clock::now();
    let rows: Vec<NewPosting> = fresh
        .iter()
        .map(|p| NewPosting {
            batch_id: batch_id.to_string(),
            insurer_id: insurer_id.to_string(),
            policy_id: p.policy_id.to_string(),
            external_ref: p.external_ref.clone(),
            received_at: p.received_at.naive_utc(),
            received_on: cst_date(p.received_at),
            amount_fen: p.amount.value(),
        })
        .collect();
    let count = |n: usize| i32::try_from(n).map_err(ApiError::internal);
    premiums::insert_batch(
        conn,
        &NewBatch {
            id: batch_id.to_string(),
            insurer_id: insurer_id.to_string(),
            item_count: count(items.len())?,
            stored_count: count(rows.len())?,
            created_by: actor.caller.client_id.clone(),
            created_at: now.naive_utc(),
        },
        &rows,
    )
    .map_err(|e| match e {
        // The ledger lock makes this unreachable; never let it become a 500.
        persistence::StoreError::Duplicate(_) => ApiError::conflict("external_reference_conflict"),
        other => other.into(),
    })?;

    let years: BTreeSet<i32> = postings.iter().map(|p| domain::time::cst_year(p.received_at)).collect();
    let book = rules::load_rule_book(conn)?;
    let through = years.last().copied().unwrap_or_else(|| domain::time::cst_year(now));
    let levy_accrued = ledger(conn, &book, insurer_id, through)?
        .into_iter()
        .filter(|y| years.contains(&y.year))
        .map(|y| YearLevy {
            year: y.year,
            net_premium_fen: y.net_premium.value(),
            levy_rate_bp: y.rate.as_ref().map(|r| r.value.value()),
            rule_version: y.rate.map(|r| r.version),
            levy_fen: y.levy.value(),
        })
        .collect();
    let region = organizations::find(conn, insurer_id)?.map(|o| o.region_code);
    actor.record(conn, "premium_batch.create", "premium_batch", &batch_id.to_string(), region.as_ref())?;
    // Every batch is announced, also one whose items were all recorded
    // before (`items` 0): the batch exists. A replay never gets here.
    let total_fen = rows.iter().try_fold(0_i64, |sum, r| sum.checked_add(r.amount_fen));
    events::publish(
        conn,
        EventType::PremiumsPosted,
        Subject {
            resource_type: "premium_batch",
            resource_id: batch_id.to_string(),
            region: region.as_ref(),
            organization_id: Some(insurer_id),
            counterparty_id: None,
        },
        serde_json::json!({
            "batch_id": batch_id,
            "items": rows.len(),
            "total_fen": total_fen.ok_or_else(|| ApiError::internal("batch total overflows"))?,
        }),
    )?;
    Ok(Done::ok(BatchReceipt { batch_id, received: items.len(), stored: rows.len(), already_recorded, levy_accrued }))
}

/// A request body: JSON as it came (kept for the request hash) or CSV bytes.
enum RawBatch {
    Json(serde_json::Value),
    Csv(web::Bytes),
}

/// The idempotency scope of a CSV body: its exact bytes (a BOM, another
/// line ending or column order is another request). The prefix keeps it
/// apart from every JSON body's hash under the same key and operation.
fn csv_scope(insurer_id: Uuid, key: String, bytes: &[u8]) -> Scope {
    let mut hasher = Sha256::new();
    hasher.update(b"text/csv\0");
    hasher.update(bytes);
    Scope {
        principal: insurer_id.to_string(),
        key,
        operation: OPERATION,
        request_hash: hasher.finalize().iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// Names each item error of a CSV batch by the line its row starts on:
/// `items[3].amount_fen` becomes `rows[5].amount_fen` (header on line 1).
fn by_line(error: ApiError, lines: &[u64]) -> ApiError {
    if error.field_errors().is_empty() {
        return error;
    }
    let errors = error
        .field_errors()
        .iter()
        .map(|e| {
            let renamed = e.field.strip_prefix("items[").and_then(|rest| {
                let (index, tail) = rest.split_once(']')?;
                let line = lines.get(index.parse::<usize>().ok()?)?;
                Some(format!("rows[{line}]{tail}"))
            });
            FieldError { field: renamed.unwrap_or_else(|| e.field.clone()), ..e.clone() }
        })
        .collect();
    error.with_errors(errors)
}

fn batch_size(field: &str, items: usize) -> Result<(), ApiError> {
    if items == 0 || items > MAX_BATCH_ITEMS {
        return Err(ApiError::invalid_field(
            field,
            "too_many_items",
            format!("a batch holds 1 to {MAX_BATCH_ITEMS} items"),
        ));
    }
    Ok(())
}

const OPERATION: &str = "POST /api/v1/insurance/premium-postings";

/// Post a batch of premium receipts and refunds (insurers), as JSON or CSV.
///
/// Requires `Idempotency-Key`: the same key and body return the first
/// response without storing anything twice; the same key with another body is
/// 409 `idempotency_conflict`. At most 5 000 items. The batch is atomic: one
/// invalid item stores nothing and the 422 names every bad item by index and
/// field. An item whose `external_ref` was stored earlier with identical
/// content is reported in `already_recorded`; with different content the
/// batch is 409 `external_reference_conflict`. A refund that would take a
/// policy's net premium below zero is 422 `negative_net_premium`.
///
/// `Content-Type: text/csv` (UTF-8, with or without a byte order mark; a
/// `charset` other than UTF-8 is 415) posts the same batch as CSV: RFC 4180,
/// a header row naming the columns `policy_number`, `received_at`,
/// `amount_fen`, `external_ref` in any order, one item per row. It goes
/// through the same checks, storage and idempotency: the same key with the
/// same bytes replays, other bytes are 409. Errors name the row by the line
/// it starts on (header = line 1, as a spreadsheet numbers rows):
/// `rows[19].amount_fen`; header problems are on `header` (`missing_column`,
/// `unknown_column`, `duplicate_column`). The receipt is the JSON batch's:
/// `already_recorded` holds 0-based item positions.
#[utoipa::path(
    tag = "insurance",
    params(("Idempotency-Key" = String, Header, description = "Required; 1–200 visible ASCII characters")),
    request_body(content(
        (PremiumBatch = "application/json"),
        (String = "text/csv", example = json!("policy_number,received_at,amount_fen,external_ref\r\nPICC-HN-2025-000123,2025-12-31T23:30:00+08:00,3240000,RCPT-20251231-0001\r\n")),
    )),
    responses(
        (status = 201, description = "Stored (or replayed: header Idempotent-Replayed: true)", body = BatchReceipt),
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
#[post("/insurance/premium-postings")]
pub async fn post_premiums(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    payload: web::Payload,
) -> Result<HttpResponse, actix_web::Error> {
    // The body is read first, as an extractor would: a malformed or
    // oversized body is refused before the caller's role is looked at.
    let raw = if content_type_is_csv(&req) {
        let limit = state.settings.max_body_bytes;
        let bytes = payload
            .to_bytes_limited(limit)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"))??;
        RawBatch::Csv(bytes)
    } else {
        let mut payload = payload.into_inner();
        RawBatch::Json(web::Json::<StrictJson>::from_request(&req, &mut payload).await?.into_inner().0)
    };
    let insurer_id = acting_insurer(&caller)?;
    let key = idempotency::required_key(&req)?;
    let (scope, batch, lines) = match raw {
        RawBatch::Json(body) => {
            let scope = Scope::new(insurer_id.to_string(), key, OPERATION, &body);
            let batch: PremiumBatch = typed_body(&body)?;
            batch_size("items", batch.items.len())?;
            (scope, batch, None)
        }
        RawBatch::Csv(bytes) => {
            let scope = csv_scope(insurer_id, key, &bytes);
            let parsed = parse_csv(&bytes).map_err(ApiError::validation)?;
            drop(bytes);
            batch_size("rows", parsed.batch.items.len())?;
            (scope, parsed.batch, Some(parsed.lines))
        }
    };
    let actor = Actor::new(&caller, &request_id);
    let result = idempotency::run_once(&state.pool, Some(scope), StatusCode::CREATED, move |conn| {
        ingest(conn, &actor, insurer_id, batch.items)
    })
    .await;
    match (result, lines) {
        (Err(error), Some(lines)) => Err(by_line(error, &lines).into()),
        (result, _) => Ok(result?),
    }
}
