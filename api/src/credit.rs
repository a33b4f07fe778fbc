//! Credit (豫安委〔2017〕17号 八(三)): the one path by which credit events are
//! recorded — directly by regulators, or by sanctions, complaints and later
//! modules — and the stored scores they keep current.
//!
//! A score is stored per organisation so a read costs one indexed lookup.
//! A new event updates it incrementally (`domain::credit::add_event`); an
//! expiry changes it on `next_change_on`, when the sweeper recomputes it
//! from the events. Until the sweeper has run, reads compute the score from
//! the events instead of trusting a stale row. `recompute_all` is the full
//! recompute the incremental path must agree with.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use domain::blacklist::Listing as ListingTerm;
use domain::credit::{
    add_event, score, CreditError, CreditEventType, Grade, RecordedEvent, Score, ScoreScale, StoredScore,
};
use domain::events::EventType;
use domain::region::RegionCode;
use domain::time::cst_date;
use persistence::blacklist::{self, Listing, NewListing};
use persistence::credit::{self, CreditEvent, CreditScore, NewCreditEvent, NewScore};
use persistence::organizations::{self, Organization};
use persistence::outbox::{self, NewEvent};
use persistence::{rules, DbConnection, DbPool, StoreError};
use uuid::Uuid;

use crate::audit::Actor;
use crate::error::ApiError;
use crate::events::{self, Subject};
use crate::public_cache::PublicCreditCache;

/// A credit event to record.
#[derive(Debug, Clone)]
pub struct EventInput<'a> {
    pub event_type: CreditEventType,
    pub occurred_on: NaiveDate,
    pub evidence: &'a str,
    /// The record that gives rise to the event (`("sanction", id)`), if any.
    pub source: Option<(&'static str, Uuid)>,
}

/// What recording an event did.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub event: CreditEvent,
    pub score: CreditScore,
    /// The blacklist listing the event triggered (八(三)), if it is a trigger.
    pub listing: Option<Listing>,
}

fn scale(conn: &mut DbConnection, on: NaiveDate) -> Result<ScoreScale, ApiError> {
    let book = rules::load_rule_book(conn)?;
    ScoreScale::from_book(&book, on).map_err(ApiError::internal)
}

fn to_new_score(score: &Score, as_of: NaiveDate) -> Result<NewScore, ApiError> {
    Ok(NewScore {
        score: score.value,
        grade: score.grade,
        events_sum: score.events_sum,
        in_force: u32::try_from(score.in_force).map_err(ApiError::internal)?,
        next_change_on: score.next_change_on,
        as_of,
        scale_versions: score.versions.clone(),
    })
}

fn recorded_events(events: &[CreditEvent]) -> Vec<RecordedEvent> {
    events
        .iter()
        .map(|e| RecordedEvent { occurred_on: e.occurred_on, points: e.points, expires_on: e.expires_on })
        .collect()
}

/// The score computed from every recorded event of the organisation.
pub fn computed(conn: &mut DbConnection, organization_id: Uuid, on: NaiveDate) -> Result<Score, ApiError> {
    let scale = scale(conn, on)?;
    computed_under(conn, &scale, organization_id, on)
}

/// [`computed`] under a scale the caller already holds.
fn computed_under(
    conn: &mut DbConnection,
    scale: &ScoreScale,
    organization_id: Uuid,
    on: NaiveDate,
) -> Result<Score, ApiError> {
    let events = credit::events_of(conn, organization_id)?;
    Ok(score(scale, &recorded_events(&events), on))
}

/// Who a `credit_score_changed` event names: its organisation's id, credit
/// code and region.
struct Named {
    id: Uuid,
    credit_code: String,
    region_code: RegionCode,
}

impl Named {
    /// Looks the organisation up (one primary-key read), for a single score.
    fn lookup(conn: &mut DbConnection, organization_id: Uuid) -> Result<Named, ApiError> {
        let org = organizations::find(conn, organization_id)?
            .ok_or_else(|| ApiError::internal(format!("score of unknown organisation {organization_id}")))?;
        Ok(Named { id: org.id, credit_code: org.credit_code.as_str().to_owned(), region_code: org.region_code })
    }
}

/// Why a stored score was rewritten, as the `credit_score_changed` event
/// says: a new credit event, an expiry caught up by the sweeper, or an
/// operator's full recompute.
#[derive(Debug, Clone, Copy)]
enum Cause {
    Event(Uuid),
    Expiry,
    Recompute,
}

/// The `credit_score_changed` event of `org`'s score going from `before`
/// to `after` (value, grade, as of): one body for the single-score and the
/// batched paths.
fn score_changed(org: &Named, before: (i32, Grade), after: (i32, Grade, NaiveDate), cause: Cause) -> NewEvent {
    let (cause, credit_event_id) = match cause {
        Cause::Event(id) => ("credit_event", Some(id)),
        Cause::Expiry => ("expiry", None),
        Cause::Recompute => ("recompute", None),
    };
    events::new_event(
        EventType::CreditScoreChanged,
        Subject {
            resource_type: "credit_score",
            resource_id: org.id.to_string(),
            region: Some(&org.region_code),
            organization_id: Some(org.id),
            counterparty_id: None,
        },
        serde_json::json!({
            "credit_code": org.credit_code,
            "previous_score": before.0,
            "score": after.0,
            "previous_grade": before.1.as_str(),
            "grade": after.1.as_str(),
            "as_of": after.2,
            "cause": cause,
            "credit_event_id": credit_event_id,
        }),
    )
}

/// Stores `fresh` as the organisation's score and, when its value or grade
/// differs from the stored row before it (the scale's base score when there
/// was none), publishes `credit_score_changed` in the same transaction. Each
/// event's previous score is therefore the score of the one before it for
/// that organisation: the feed replays the stored score exactly.
///
/// `scale` is the scale in force on `today` (for the base score); `named`
/// gives the event's organisation, asked only when the score changed.
#[allow(clippy::too_many_arguments)]
fn store(
    conn: &mut DbConnection,
    scale: &ScoreScale,
    organization_id: Uuid,
    named: impl FnOnce(&mut DbConnection) -> Result<Named, ApiError>,
    previous: Option<&CreditScore>,
    fresh: &Score,
    cause: Cause,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CreditScore, ApiError> {
    let before: (i32, Grade) = match previous {
        Some(stored) => (stored.score, stored.grade),
        None => {
            let base = score(scale, &[], today);
            (base.value, base.grade)
        }
    };
    let saved = credit::save_score(conn, organization_id, &to_new_score(fresh, today)?, now)?;
    if (saved.score, saved.grade) != before {
        let org = named(conn)?;
        let event = score_changed(&org, before, (saved.score, saved.grade, saved.as_of), cause);
        outbox::append(conn, &event)?;
    }
    Ok(saved)
}

/// Recomputes the organisation's score from its events and stores it.
pub fn recompute(
    conn: &mut DbConnection,
    organization_id: Uuid,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CreditScore, ApiError> {
    // Before reading: a concurrent writer of this score waits (see lock_feed).
    credit::lock_feed(conn)?;
    recompute_for(conn, organization_id, Cause::Expiry, today, now)
}

fn recompute_for(
    conn: &mut DbConnection,
    organization_id: Uuid,
    cause: Cause,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CreditScore, ApiError> {
    let scale = scale(conn, today)?;
    let fresh = computed_under(conn, &scale, organization_id, today)?;
    let previous = credit::score_of(conn, organization_id)?;
    store(
        conn,
        &scale,
        organization_id,
        |conn| Named::lookup(conn, organization_id),
        previous.as_ref(),
        &fresh,
        cause,
        today,
        now,
    )
}

/// Adds one new event to the stored score (or recomputes when the stored
/// score is not current for `today`).
fn apply(
    conn: &mut DbConnection,
    organization_id: Uuid,
    event_id: Uuid,
    event: &RecordedEvent,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<CreditScore, ApiError> {
    // Before reading the stored score: a recompute or sweep of the same
    // organisation commits first or waits for this transaction (see lock_feed).
    credit::lock_feed(conn)?;
    let scale = scale(conn, today)?;
    let previous = credit::score_of(conn, organization_id)?;
    let mut stored = match &previous {
        Some(s) => StoredScore {
            events_sum: s.events_sum,
            in_force: usize::try_from(s.in_force).map_err(ApiError::internal)?,
            next_change_on: s.next_change_on,
            as_of: s.as_of,
        },
        None => StoredScore::from_events(&[], today),
    };
    match add_event(&mut stored, &scale, event, today) {
        Ok(score) => store(
            conn,
            &scale,
            organization_id,
            |conn| Named::lookup(conn, organization_id),
            previous.as_ref(),
            &score,
            Cause::Event(event_id),
            today,
            now,
        ),
        // The stored row missed an expiry: the new event is already stored, so recompute.
        Err(CreditError::StaleScore { .. }) => recompute_for(conn, organization_id, Cause::Event(event_id), today, now),
        Err(other) => Err(ApiError::internal(other)),
    }
}

/// Records a credit event against `org` — the only way events are made —
/// keeps the stored score current, writes the audit record, and lists the
/// organisation on the blacklist when the event type is a trigger (八(三);
/// 应急管理部令第11号). The event's points and expiry come from the rule in
/// force on the date it occurred; no rule then is a 422 on `occurred_on`.
pub fn record_event(
    conn: &mut DbConnection,
    actor: &Actor,
    org: &Organization,
    input: &EventInput<'_>,
) -> Result<Recorded, ApiError> {
    let now = crate::clock::now();
    let today = cst_date(now);
    let table = credit::load_table(conn)?;
    let rule = table.rule(input.event_type, input.occurred_on).map_err(|e| match e {
        CreditError::NotInForce { .. } => ApiError::invalid_field("occurred_on", e.code(), e.to_string()),
        other => ApiError::internal(other),
    })?;
    let recorded = RecordedEvent::from_rule(rule, input.occurred_on);
    let event = credit::insert_event(
        conn,
        &NewCreditEvent {
            organization_id: org.id,
            event_type: input.event_type,
            occurred_on: input.occurred_on,
            points: recorded.points,
            expires_on: recorded.expires_on,
            rule_version: rule.version_label(),
            clause: rule.clause.clone(),
            evidence: input.evidence.to_owned(),
            source: input.source.map(|(kind, id)| (kind.to_owned(), id.to_string())),
            recorded_by: actor.caller.client_id.clone(),
        },
        now,
    )
    .map_err(|e| match e {
        StoreError::Duplicate(_) => ApiError::conflict("credit_event_exists"),
        other => other.into(),
    })?;
    actor.record(conn, "credit_event.record", "credit_event", &event.id.to_string(), Some(&org.region_code))?;
    let score = apply(conn, org.id, event.id, &recorded, today, now)?;
    let listing = if input.event_type.blacklist_trigger() {
        list_on_blacklist(conn, actor, org, input.event_type.as_str(), Some(event.id), input.occurred_on)?
    } else {
        None
    };
    Ok(Recorded { event, score, listing })
}

/// Lists the organisation on the blacklist from `listed_on` for the term in
/// force then (3 years; 应急管理部令第11号). An act before the national
/// rule took effect (2023-10-01) costs its points but lists nobody: no
/// blacklist term was in force to apply.
fn list_on_blacklist(
    conn: &mut DbConnection,
    actor: &Actor,
    org: &Organization,
    trigger: &str,
    credit_event_id: Option<Uuid>,
    listed_on: NaiveDate,
) -> Result<Option<Listing>, ApiError> {
    let book = rules::load_rule_book(conn)?;
    let term = match ListingTerm::new(&book, listed_on) {
        Ok(term) => term,
        Err(domain::rules::RuleError::NotInForce { .. }) => return Ok(None),
        Err(other) => return Err(ApiError::internal(other)),
    };
    let decided_region = actor.caller.jurisdiction().cloned().unwrap_or_else(|| org.region_code.clone());
    let listing = blacklist::insert_listing(
        conn,
        &NewListing {
            organization_id: org.id,
            trigger_type: trigger.to_owned(),
            credit_event_id,
            decided_by: actor.caller.client_id.clone(),
            decided_region,
            listed_on,
            ends_on: term.value.ends_on,
            term_rule_version: term.version,
        },
        crate::clock::now(),
    )?;
    actor.record(conn, "blacklist.list", "blacklist_listing", &listing.id.to_string(), Some(&org.region_code))?;
    events::publish(
        conn,
        EventType::BlacklistListed,
        blacklist_subject(&listing, org),
        serde_json::json!({
            "credit_code": org.credit_code.as_str(),
            "trigger_type": listing.trigger_type,
            "credit_event_id": listing.credit_event_id,
            "listed_on": listing.listed_on,
            "ends_on": listing.ends_on,
        }),
    )?;
    Ok(Some(listing))
}

/// The event subject of a blacklist listing: the listed organisation, in its
/// region.
pub fn blacklist_subject<'a>(listing: &Listing, org: &'a Organization) -> Subject<'a> {
    Subject {
        resource_type: "blacklist_listing",
        resource_id: listing.id.to_string(),
        region: Some(&org.region_code),
        organization_id: Some(org.id),
        counterparty_id: None,
    }
}

/// The stored score when it is current for `today`; `None` when it has
/// missed an expiry and must be computed from the events.
fn stored_if_current(stored: CreditScore, today: NaiveDate) -> Result<Option<Score>, ApiError> {
    let state = StoredScore {
        events_sum: stored.events_sum,
        in_force: usize::try_from(stored.in_force).map_err(ApiError::internal)?,
        next_change_on: stored.next_change_on,
        as_of: stored.as_of,
    };
    Ok(state.is_current(today).then_some(Score {
        value: stored.score,
        grade: stored.grade,
        events_sum: stored.events_sum,
        in_force: state.in_force,
        next_change_on: stored.next_change_on,
        versions: stored.scale_versions,
    }))
}

/// The organisation's current score: the stored row when it is current for
/// `today` (one indexed read), otherwise computed from the events.
pub fn current(conn: &mut DbConnection, organization_id: Uuid, today: NaiveDate) -> Result<Score, ApiError> {
    if let Some(stored) = credit::score_of(conn, organization_id)? {
        if let Some(score) = stored_if_current(stored, today)? {
            return Ok(score);
        }
    }
    computed(conn, organization_id, today)
}

/// The current scores of many organisations, as [`current`] gives them one
/// by one, in one query per 500 ids: an organisation without a stored row
/// has never had an event, so it has the scale's base score (the scale is
/// read once); only a row that missed an expiry is computed from its events.
pub fn current_among(
    conn: &mut DbConnection,
    organization_ids: &[Uuid],
    today: NaiveDate,
) -> Result<std::collections::HashMap<Uuid, Score>, ApiError> {
    let mut scores = std::collections::HashMap::with_capacity(organization_ids.len());
    for stored in credit::scores_among(conn, organization_ids)? {
        let id = stored.organization_id;
        let score = match stored_if_current(stored, today)? {
            Some(score) => score,
            None => computed(conn, id, today)?,
        };
        scores.insert(id, score);
    }
    if scores.len() < organization_ids.len() {
        let base = score(&scale(conn, today)?, &[], today);
        for id in organization_ids {
            scores.entry(*id).or_insert_with(|| base.clone());
        }
    }
    Ok(scores)
}

/// A stored score that disagrees with the full recompute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub organization_id: Uuid,
    pub stored: Option<(i32, i64, Option<NaiveDate>)>,
    pub computed: (i32, i64, Option<NaiveDate>),
}

/// Organisations a full recompute reads and stores per transaction. Each
/// chunk commits on its own: a run stopped part-way leaves whole chunks
/// stored (each with its events and feed positions), and the single-row
/// counters every stored score updates (the event outbox head and the feed
/// lock) are not rewritten thousands of times inside one transaction, where
/// PostgreSQL cannot prune their old row versions and each update gets
/// slower than the last.
const RECOMPUTE_CHUNK: i64 = 500;

/// Recomputes every organisation with events (or a stored score) from
/// scratch and compares with the stored score; with `fix`, stores the
/// recomputed one where they differ. Walks the organisations in id order,
/// [`RECOMPUTE_CHUNK`] per transaction, reading a chunk's events and scores
/// in a few queries; the scale is read once, for `today`.
pub fn recompute_all(
    conn: &mut DbConnection,
    today: NaiveDate,
    fix: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Mismatch>, ApiError> {
    let scale = scale(conn, today)?;
    let mut mismatches = Vec::new();
    let mut after = None;
    loop {
        let ids = credit::organization_ids_after(conn, after, RECOMPUTE_CHUNK)?;
        let Some(last) = ids.last() else { break };
        after = Some(*last);
        let found = conn.transaction(|conn| recompute_chunk(conn, &scale, &ids, today, fix, now))?;
        mismatches.extend(found);
    }
    Ok(mismatches)
}

/// One chunk of [`recompute_all`], inside its transaction. With `fix` the
/// feed lock is taken before anything is read, so a score stored
/// concurrently for one of the chunk's organisations (a new event) is
/// either committed before the read or waits for the chunk: a stale
/// recomputed score never overwrites it.
fn recompute_chunk(
    conn: &mut DbConnection,
    scale: &ScoreScale,
    organization_ids: &[Uuid],
    today: NaiveDate,
    fix: bool,
    now: DateTime<Utc>,
) -> Result<Vec<Mismatch>, ApiError> {
    if fix {
        credit::lock_feed(conn)?;
    }
    let mut mismatches = Vec::new();
    let mut changed = Vec::new();
    for unit in credit::recompute_units(conn, organization_ids)? {
        let fresh = score(scale, &unit.events, today);
        let key = |s: &CreditScore| (s.score, s.events_sum, s.next_change_on);
        let wanted = (fresh.value, fresh.events_sum, fresh.next_change_on);
        let stored = unit.stored.as_ref().map(key);
        if stored != Some(wanted) {
            mismatches.push(Mismatch { organization_id: unit.organization_id, stored, computed: wanted });
            if fix {
                changed.push((unit, fresh));
            }
        }
    }
    store_units(conn, scale, changed, Cause::Recompute, today, now)?;
    Ok(mismatches)
}

/// Stores recomputed scores of organisations read by
/// [`credit::recompute_units`] with the same semantics as [`store`] — the
/// score stored at the next feed position, `credit_score_changed` published
/// where value or grade differs — in a few statements for all of them: the
/// feed positions reserved at once, the scores upserted together, the
/// events appended together, each in the order given. Call after
/// [`credit::lock_feed`], in the transaction that read the units.
fn store_units(
    conn: &mut DbConnection,
    scale: &ScoreScale,
    units: Vec<(credit::RecomputeUnit, Score)>,
    cause: Cause,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    if units.is_empty() {
        return Ok(());
    }
    let writes = units
        .iter()
        .map(|(unit, fresh)| {
            Ok(credit::ScoreWrite { organization_id: unit.organization_id, score: to_new_score(fresh, today)? })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    credit::save_scores(conn, &writes, now)?;
    let base = score(scale, &[], today);
    let events: Vec<NewEvent> = units
        .into_iter()
        .filter_map(|(unit, fresh)| {
            let before = match &unit.stored {
                Some(stored) => (stored.score, stored.grade),
                None => (base.value, base.grade),
            };
            if (fresh.value, fresh.grade) == before {
                return None;
            }
            let org = Named {
                id: unit.organization_id,
                credit_code: unit.credit_code.as_str().to_owned(),
                region_code: unit.region_code,
            };
            Some(score_changed(&org, before, (fresh.value, fresh.grade, today), cause))
        })
        .collect();
    outbox::append_many(conn, &events)?;
    Ok(())
}

/// Recomputes the scores whose next change (an expiry) is due; returns how
/// many were brought up to date. The feed lock is taken before the due
/// organisations' events and scores are read (in a few queries; the scale
/// once), and their scores are stored together.
pub fn sweep_due(conn: &mut DbConnection, today: NaiveDate, limit: i64) -> Result<usize, ApiError> {
    let due = credit::due_for_recompute(conn, today, limit)?;
    if due.is_empty() {
        return Ok(0);
    }
    credit::lock_feed(conn)?;
    let now = crate::clock::now();
    let scale = scale(conn, today)?;
    let units = credit::recompute_units(conn, &due)?
        .into_iter()
        .map(|unit| {
            let fresh = score(&scale, &unit.events, today);
            (unit, fresh)
        })
        .collect();
    store_units(conn, &scale, units, Cause::Expiry, today, now)?;
    Ok(due.len())
}

/// Runs [`sweep_due`] every `every` on a thread of its own for as long as
/// the process runs (Diesel is blocking). Several instances may sweep at
/// once: a recompute is idempotent.
pub fn spawn_sweeper(pool: DbPool, cards: Arc<PublicCreditCache>, every: Duration) -> std::io::Result<()> {
    std::thread::Builder::new().name("credit-sweeper".into()).spawn(move || loop {
        std::thread::sleep(every);
        let today = cst_date(crate::clock::now());
        let swept = pool
            .get()
            .map_err(|e| ApiError::from(StoreError::from(e)))
            .and_then(|mut conn| conn.transaction(|conn| sweep_due(conn, today, 500)));
        match swept {
            Ok(0) => {}
            Ok(n) => {
                cards.invalidate_all();
                tracing::info!(recomputed = n, "credit scores brought past their expiries");
            }
            Err(error) => tracing::warn!(code = error.code(), "credit sweep failed; retrying next tick"),
        }
    })?;
    Ok(())
}
