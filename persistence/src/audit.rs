//! The audit trail: one row per state change, written in the same
//! transaction as the change it records.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::schema::{audit_log, regions};
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
}

impl AuditEntry {
    pub fn at_utc(&self) -> DateTime<Utc> {
        self.at.and_utc()
    }
}

/// A record to append. `resource_region` scopes what regulators may read.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
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

pub fn append(conn: &mut DbConnection, entry: &NewAuditEntry) -> StoreResult<()> {
    with_conn!(conn, c => diesel::insert_into(audit_log::table).values(entry).execute(c))?;
    Ok(())
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
