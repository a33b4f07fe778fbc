//! The idempotency store: the first response to a `(principal, key)` pair,
//! kept so that a retry gets it again instead of a second effect.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::error::StoreResult;
use crate::schema::idempotency_records;
use crate::DbConnection;

/// A stored first response.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_records)]
pub struct IdempotencyRecord {
    /// Whose key space the key lives in (an organisation or client id).
    pub principal: String,
    pub idempotency_key: String,
    /// Method and route template, e.g. `POST /api/v1/insurance/premium-postings`.
    pub operation: String,
    /// SHA-256 of the canonical request body.
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
    /// `Location` of a 201, if the first response had one.
    pub response_location: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConnection, principal: &str, key: &str) -> StoreResult<Option<IdempotencyRecord>> {
    Ok(with_conn!(conn, c => idempotency_records::table
        .find((principal, key))
        .select(IdempotencyRecord::as_select())
        .first(c)
        .optional())?)
}

/// Records the response; a concurrent first use of the same key makes this a
/// [`crate::StoreError::Duplicate`] (PostgreSQL waits for the other
/// transaction and then refuses).
pub fn insert(conn: &mut DbConnection, record: &IdempotencyRecord) -> StoreResult<()> {
    with_conn!(conn, c => diesel::insert_into(idempotency_records::table).values(record).execute(c))?;
    Ok(())
}
