//! Premium postings: the insurers' batch ledger of premiums received and
//! refunded (三(二): the prevention levy is drawn from this income).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use domain::money::Fen;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{insurer_ledger_locks, premium_batches, premium_daily_totals, premium_postings};
use crate::DbConnection;

/// SQLite binds at most 32 766 parameters per statement; 1 000 rows of seven
/// columns stay well under it.
const INSERT_CHUNK: usize = 1_000;
/// Bounded IN lists for look-ups by key.
const LOOKUP_CHUNK: usize = 900;

/// One posting as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPosting {
    pub policy_id: Uuid,
    pub received_at: DateTime<Utc>,
    pub amount: Fen,
}

/// One posting to store.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = premium_postings, treat_none_as_default_value = false)]
pub struct NewPosting {
    pub batch_id: String,
    pub insurer_id: String,
    pub policy_id: String,
    pub external_ref: String,
    pub received_at: NaiveDateTime,
    pub received_on: NaiveDate,
    pub amount_fen: i64,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = premium_batches)]
pub struct NewBatch {
    pub id: String,
    pub insurer_id: String,
    pub item_count: i32,
    pub stored_count: i32,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

/// Serialises every money write of one insurer: PostgreSQL locks the
/// insurer's ledger row until the transaction ends; SQLite transactions are
/// already serialised by `BEGIN IMMEDIATE`.
pub fn lock_insurer_ledger(conn: &mut DbConnection, insurer_id: Uuid) -> StoreResult<()> {
    let key = insurer_id.to_string();
    with_conn!(conn, c => diesel::insert_into(insurer_ledger_locks::table)
        .values(insurer_ledger_locks::insurer_id.eq(&key))
        .on_conflict_do_nothing()
        .execute(c))?;
    if let DbConnection::Postgres(c) = conn {
        insurer_ledger_locks::table
            .find(&key)
            .select(insurer_ledger_locks::insurer_id)
            .for_update()
            .first::<String>(c)?;
    }
    Ok(())
}

/// Postings the insurer already stored under these external references.
pub fn find_by_external_refs(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    refs: &[&str],
) -> StoreResult<HashMap<String, StoredPosting>> {
    let insurer = insurer_id.to_string();
    let rows: Vec<PostingByRef> = match conn {
        // One probe of the unique index per reference, whatever the
        // statistics say. While the table had none yet (its first minute, or
        // a bulk load before autovacuum analyses it), PostgreSQL planned
        // `external_ref = ANY($2)`, and a plain join with the unnested list,
        // as a read of every posting of the insurer: each batch cost more
        // than the one before (measured in bench-ingest). The `LIMIT` keeps
        // the lateral look-up from being flattened into such a join; the
        // unique index allows one row per reference anyway (docs/decisions/0017).
        DbConnection::Postgres(c) => diesel::sql_query(
            "SELECT wanted.external_ref, p.policy_id, p.received_at, p.amount_fen \
             FROM unnest($1::text[]) AS wanted(external_ref) \
             CROSS JOIN LATERAL (SELECT policy_id, received_at, amount_fen FROM premium_postings \
                 WHERE insurer_id = $2 AND external_ref = wanted.external_ref LIMIT 1) p",
        )
        .bind::<Array<Text>, _>(refs)
        .bind::<Text, _>(&insurer)
        .load(c)?,
        DbConnection::Sqlite(c) => {
            let mut rows = Vec::with_capacity(refs.len());
            for chunk in refs.chunks(LOOKUP_CHUNK) {
                rows.extend(
                    premium_postings::table
                        .filter(premium_postings::insurer_id.eq(&insurer))
                        .filter(premium_postings::external_ref.eq_any(chunk))
                        .select(PostingByRef::as_select())
                        .load(c)?,
                );
            }
            rows
        }
    };
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let policy_id = Uuid::parse_str(&row.policy_id)
            .map_err(|_| StoreError::Corrupt(format!("premium_postings.policy_id = {:?}", row.policy_id)))?;
        found.insert(
            row.external_ref,
            StoredPosting { policy_id, received_at: row.received_at.and_utc(), amount: Fen::new(row.amount_fen) },
        );
    }
    Ok(found)
}

/// A stored posting as [`find_by_external_refs`] reads it on either backend.
#[derive(QueryableByName, Queryable, Selectable)]
#[diesel(table_name = premium_postings)]
struct PostingByRef {
    external_ref: String,
    policy_id: String,
    received_at: NaiveDateTime,
    amount_fen: i64,
}

/// `SUM` of a `BIGINT` is `NUMERIC` in PostgreSQL; casting keeps one type
/// for both backends.
fn sum_amount() -> diesel::expression::SqlLiteral<Nullable<BigInt>> {
    diesel::dsl::sql::<Nullable<BigInt>>("CAST(SUM(amount_fen) AS BIGINT)")
}

/// Net premium stored so far per policy.
pub fn net_by_policy(conn: &mut DbConnection, policy_ids: &[Uuid]) -> StoreResult<HashMap<Uuid, Fen>> {
    let keys: Vec<String> = policy_ids.iter().map(Uuid::to_string).collect();
    let mut net = HashMap::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let rows: Vec<(String, Option<i64>)> = with_conn!(conn, c => premium_postings::table
            .filter(premium_postings::policy_id.eq_any(chunk))
            .group_by(premium_postings::policy_id)
            .select((premium_postings::policy_id, sum_amount()))
            .load(c))?;
        for (policy_id, sum) in rows {
            let id = Uuid::parse_str(&policy_id)
                .map_err(|_| StoreError::Corrupt(format!("premium_postings.policy_id = {policy_id:?}")))?;
            net.insert(id, Fen::new(sum.unwrap_or(0)));
        }
    }
    Ok(net)
}

/// Stores a batch and its postings, and adds them to the daily totals.
/// PostgreSQL receives the rows with `COPY … FROM STDIN (FORMAT binary)`;
/// SQLite with multi-row inserts.
pub fn insert_batch(conn: &mut DbConnection, batch: &NewBatch, postings: &[NewPosting]) -> StoreResult<()> {
    with_conn!(conn, c => diesel::insert_into(premium_batches::table).values(batch).execute(c))?;
    match conn {
        DbConnection::Postgres(c) => {
            crate::db::with_cached_plans(c, |c| {
                Ok(diesel::copy_from(premium_postings::table).from_insertable(postings).execute(c)?)
            })?;
        }
        DbConnection::Sqlite(c) => {
            for chunk in postings.chunks(INSERT_CHUNK) {
                diesel::insert_into(premium_postings::table).values(chunk).execute(c)?;
            }
        }
    }
    let mut by_day: std::collections::BTreeMap<NaiveDate, i64> = std::collections::BTreeMap::new();
    for posting in postings {
        let day = by_day.entry(posting.received_on).or_insert(0);
        *day = day
            .checked_add(posting.amount_fen)
            .ok_or_else(|| StoreError::Corrupt("daily premium total overflows".into()))?;
    }
    for (day, net) in by_day {
        with_conn!(conn, c => diesel::insert_into(premium_daily_totals::table)
            .values((
                premium_daily_totals::insurer_id.eq(&batch.insurer_id),
                premium_daily_totals::day.eq(day),
                premium_daily_totals::net_fen.eq(net),
            ))
            .on_conflict((premium_daily_totals::insurer_id, premium_daily_totals::day))
            .do_update()
            .set(premium_daily_totals::net_fen.eq(premium_daily_totals::net_fen + net))
            .execute(c))?;
    }
    Ok(())
}

/// Net premium per CST calendar day of one insurer within `from..=to`
/// (days without postings are absent).
pub fn daily_net(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<(NaiveDate, Fen)>> {
    let insurer = insurer_id.to_string();
    let rows: Vec<(NaiveDate, i64)> = with_conn!(conn, c => premium_daily_totals::table
        .filter(premium_daily_totals::insurer_id.eq(&insurer))
        .filter(premium_daily_totals::day.between(from, to))
        .select((premium_daily_totals::day, premium_daily_totals::net_fen))
        .order(premium_daily_totals::day)
        .load(c))?;
    Ok(rows.into_iter().map(|(day, net)| (day, Fen::new(net))).collect())
}

/// The same figures summed from the postings themselves, to reconcile the
/// daily totals with the ledger they summarise.
pub fn daily_net_from_postings(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<(NaiveDate, Fen)>> {
    let insurer = insurer_id.to_string();
    let rows: Vec<(NaiveDate, Option<i64>)> = with_conn!(conn, c => premium_postings::table
        .filter(premium_postings::insurer_id.eq(&insurer))
        .filter(premium_postings::received_on.between(from, to))
        .group_by(premium_postings::received_on)
        .select((premium_postings::received_on, sum_amount()))
        .order(premium_postings::received_on)
        .load(c))?;
    Ok(rows.into_iter().map(|(day, sum)| (day, Fen::new(sum.unwrap_or(0)))).collect())
}

/// Total of every posting of the insurer (for reconciliation in tests and
/// reports).
pub fn total(conn: &mut DbConnection, insurer_id: Uuid) -> StoreResult<(i64, Fen)> {
    let insurer = insurer_id.to_string();
    let (count, sum): (i64, Option<i64>) = with_conn!(conn, c => premium_postings::table
        .filter(premium_postings::insurer_id.eq(&insurer))
        .select((diesel::dsl::count_star(), sum_amount()))
        .first(c))?;
    Ok((count, Fen::new(sum.unwrap_or(0))))
}
