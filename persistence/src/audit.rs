//! The audit trail: one row per state change, written in the same
//! transaction as the change it records.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use domain::audit_chain::{link_hash, ChainedRecord, GENESIS_HASH};

use crate::error::StoreResult;
use crate::schema::{audit_chain_head, audit_log, regions};
use crate::{DbConnection, Page};

/// Who did what to which resource, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditEntry {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor: String,
    pub role: String,
    pub actor_region: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub resource_region: Option<String>,
    pub request_id: String,
    /// Hash of the previous record ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Hash of `prev_hash` and this record's content.
    pub hash: String,
}

impl AuditEntry {
    pub fn at_utc(&self) -> DateTime<Utc> {
        self.at.and_utc()
    }
}

/// A record to append. `resource_region` scopes what regulators may read.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: NaiveDateTime,
    pub actor: String,
    pub role: String,
    pub actor_region: Option<String>,
    pub action: String,
    pub resource_type: String,
    pub resource_id: String,
    pub resource_region: Option<String>,
    pub request_id: String,
}

#[derive(Insertable)]
#[diesel(table_name = audit_log)]
struct ChainedRow<'a> {
    at: NaiveDateTime,
    actor: &'a str,
    role: &'a str,
    actor_region: Option<&'a str>,
    action: &'a str,
    resource_type: &'a str,
    resource_id: &'a str,
    resource_region: Option<&'a str>,
    request_id: &'a str,
    prev_hash: &'a str,
    hash: &'a str,
}

/// The instant as the chain hashes it.
fn chain_instant(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn link(prev_hash: &str, at: &str, e: &NewAuditEntry) -> String {
    link_hash(
        prev_hash,
        &ChainedRecord {
            at,
            actor: &e.actor,
            role: &e.role,
            actor_region: e.actor_region.as_deref(),
            action: &e.action,
            resource_type: &e.resource_type,
            resource_id: &e.resource_id,
            resource_region: e.resource_region.as_deref(),
            request_id: &e.request_id,
        },
    )
}

/// Appends one record to the chain. The chain head is locked until the
/// caller's transaction ends (PostgreSQL `FOR UPDATE`; SQLite transactions
/// are serialised), so records are chained in id order.
pub fn append(conn: &mut DbConnection, entry: &NewAuditEntry) -> StoreResult<()> {
    let (_, prev_hash): (i64, String) = match conn {
        DbConnection::Postgres(c) => audit_chain_head::table
            .find(1)
            .select((audit_chain_head::last_id, audit_chain_head::last_hash))
            .for_update()
            .first(c)?,
        DbConnection::Sqlite(c) => {
            audit_chain_head::table.find(1).select((audit_chain_head::last_id, audit_chain_head::last_hash)).first(c)?
        }
    };
    let at = entry.at.and_utc().naive_utc();
    let hash = link(&prev_hash, &chain_instant(at), entry);
    let row = ChainedRow {
        at,
        actor: &entry.actor,
        role: &entry.role,
        actor_region: entry.actor_region.as_deref(),
        action: &entry.action,
        resource_type: &entry.resource_type,
        resource_id: &entry.resource_id,
        resource_region: entry.resource_region.as_deref(),
        request_id: &entry.request_id,
        prev_hash: &prev_hash,
        hash: &hash,
    };
    let id: i64 = with_conn!(conn, c => diesel::insert_into(audit_log::table)
        .values(&row)
        .returning(audit_log::id)
        .get_result(c))?;
    with_conn!(conn, c => diesel::update(audit_chain_head::table.find(1))
        .set((audit_chain_head::last_id.eq(id), audit_chain_head::last_hash.eq(&hash)))
        .execute(c))?;
    Ok(())
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainVerification {
    pub records_checked: u64,
    /// The first record whose links do not hold, and why.
    pub first_broken: Option<(i64, &'static str)>,
}

/// Walks every record in id order and recomputes its links; the head must
/// name the last record, so deleting the newest records is detected too.
pub fn verify_chain(conn: &mut DbConnection) -> StoreResult<ChainVerification> {
    const PAGE: i64 = 1_000;
    let mut expected_prev = GENESIS_HASH.to_owned();
    let mut last_id = 0_i64;
    let mut checked = 0_u64;
    loop {
        let rows: Vec<AuditEntry> = with_conn!(conn, c => audit_log::table
            .filter(audit_log::id.gt(last_id))
            .order(audit_log::id)
            .limit(PAGE)
            .select(AuditEntry::as_select())
            .load(c))?;
        let Some(last) = rows.last() else { break };
        let next_last_id = last.id;
        for row in &rows {
            checked += 1;
            if row.prev_hash != expected_prev {
                return Ok(ChainVerification {
                    records_checked: checked,
                    first_broken: Some((row.id, "previous_hash_mismatch")),
                });
            }
            let entry = NewAuditEntry {
                at: row.at,
                actor: row.actor.clone(),
                role: row.role.clone(),
                actor_region: row.actor_region.clone(),
                action: row.action.clone(),
                resource_type: row.resource_type.clone(),
                resource_id: row.resource_id.clone(),
                resource_region: row.resource_region.clone(),
                request_id: row.request_id.clone(),
            };
            if link(&row.prev_hash, &chain_instant(row.at), &entry) != row.hash {
                return Ok(ChainVerification {
                    records_checked: checked,
                    first_broken: Some((row.id, "content_hash_mismatch")),
                });
            }
            expected_prev = row.hash.clone();
        }
        last_id = next_last_id;
    }
    let (head_id, head_hash): (i64, String) = with_conn!(conn, c => audit_chain_head::table
        .find(1)
        .select((audit_chain_head::last_id, audit_chain_head::last_hash))
        .first(c))?;
    if head_id != last_id || head_hash != expected_prev {
        return Ok(ChainVerification {
            records_checked: checked,
            first_broken: Some((head_id, "chain_head_mismatch")),
        });
    }
    Ok(ChainVerification { records_checked: checked, first_broken: None })
}

#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub resource_id: Option<String>,
    pub resource_type: Option<String>,
    pub actor: Option<String>,
    /// Only entries about resources this regulator supervises.
    pub jurisdiction: Option<String>,
}

/// Newest first, keyset-paginated on the entry id.
pub fn list(
    conn: &mut DbConnection,
    filter: &AuditFilter,
    before: Option<i64>,
    limit: i64,
) -> StoreResult<Page<AuditEntry>> {
    let rows: Vec<AuditEntry> = with_conn!(conn, c => {
        let mut query = audit_log::table.select(AuditEntry::as_select()).into_boxed();
        if let Some(id) = &filter.resource_id {
            query = query.filter(audit_log::resource_id.eq(id));
        }
        if let Some(kind) = &filter.resource_type {
            query = query.filter(audit_log::resource_type.eq(kind));
        }
        if let Some(actor) = &filter.actor {
            query = query.filter(audit_log::actor.eq(actor));
        }
        if let Some(jurisdiction) = &filter.jurisdiction {
            query = query.filter(
                audit_log::resource_region.assume_not_null().eq_any(
                    regions::table
                        .select(regions::code)
                        .filter(regions::code.eq(jurisdiction).or(regions::supervisor_code.eq(jurisdiction))),
                ),
            );
        }
        if let Some(before) = before {
            query = query.filter(audit_log::id.lt(before));
        }
        query.order(audit_log::id.desc()).limit(limit + 1).load(c)
    })?;
    Ok(Page::from_rows(rows, limit, |e| e.id.to_string()))
}
