//! API clients: machine callers that exchange a secret for a token.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::organization::Role;
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::api_clients;
use crate::DbConnection;

#[derive(Debug, Clone)]
pub struct ApiClient {
    pub id: Uuid,
    pub name: String,
    /// PHC string of the secret's password hash; never the secret itself.
    pub secret_hash: String,
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub region_code: Option<RegionCode>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
    /// Wrong secrets since the last success or lock.
    pub failed_attempts: i32,
    /// Until when logins are refused after repeated wrong secrets.
    pub locked_until: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = api_clients)]
struct ClientRow {
    id: String,
    name: String,
    secret_hash: String,
    role: String,
    organization_id: Option<String>,
    region_code: Option<String>,
    disabled: bool,
    created_at: NaiveDateTime,
    failed_attempts: i32,
    locked_until: Option<NaiveDateTime>,
}

impl TryFrom<ClientRow> for ApiClient {
    type Error = StoreError;

    fn try_from(row: ClientRow) -> StoreResult<ApiClient> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("api_clients.{what} of {}", row.id));
        Ok(ApiClient {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            role: Role::parse(&row.role).map_err(|_| corrupt("role"))?,
            organization_id: row
                .organization_id
                .as_deref()
                .map(|s| Uuid::parse_str(s).map_err(|_| corrupt("organization_id")))
                .transpose()?,
            region_code: row
                .region_code
                .as_deref()
                .map(|s| RegionCode::parse(s).map_err(|_| corrupt("region_code")))
                .transpose()?,
            name: row.name,
            secret_hash: row.secret_hash,
            disabled: row.disabled,
            created_at: row.created_at.and_utc(),
            failed_attempts: row.failed_attempts,
            locked_until: row.locked_until.map(|t| t.and_utc()),
        })
    }
}

/// What a new client is; the id is generated here.
#[derive(Debug, Clone)]
pub struct NewApiClient {
    pub name: String,
    pub secret_hash: String,
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub region_code: Option<RegionCode>,
}

pub fn insert(conn: &mut DbConnection, client: &NewApiClient, now: DateTime<Utc>) -> StoreResult<ApiClient> {
    let row = ClientRow {
        id: Uuid::now_v7().to_string(),
        name: client.name.clone(),
        secret_hash: client.secret_hash.clone(),
        role: client.role.as_str().to_owned(),
        organization_id: client.organization_id.map(|id| id.to_string()),
        region_code: client.region_code.as_ref().map(|r| r.as_str().to_owned()),
        disabled: false,
        created_at: now.naive_utc(),
        failed_attempts: 0,
        locked_until: None,
    };
    let stored: ClientRow = with_conn!(conn, c => diesel::insert_into(api_clients::table)
        .values(&row)
        .returning(ClientRow::as_returning())
        .get_result(c))?;
    ApiClient::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<ApiClient>> {
    let key = id.to_string();
    let row: Option<ClientRow> = with_conn!(conn, c => api_clients::table
        .find(&key)
        .select(ClientRow::as_select())
        .first(c)
        .optional())?;
    row.map(ApiClient::try_from).transpose()
}

pub fn count_with_role(conn: &mut DbConnection, role: Role) -> StoreResult<i64> {
    Ok(with_conn!(conn, c => api_clients::table
        .filter(api_clients::role.eq(role.as_str()))
        .count()
        .get_result(c))?)
}

/// Counts a wrong secret; at `max_attempts` the client is locked until
/// `lock_until` and the count starts again. Returns the lock, if one was set.
pub fn record_failed_login(
    conn: &mut DbConnection,
    id: Uuid,
    max_attempts: i32,
    lock_until: DateTime<Utc>,
) -> StoreResult<Option<DateTime<Utc>>> {
    let key = id.to_string();
    let attempts: i32 = with_conn!(conn, c => diesel::update(api_clients::table.find(&key))
        .set(api_clients::failed_attempts.eq(api_clients::failed_attempts + 1))
        .returning(api_clients::failed_attempts)
        .get_result(c))?;
    if attempts < max_attempts {
        return Ok(None);
    }
    let until = lock_until.naive_utc();
    with_conn!(conn, c => diesel::update(api_clients::table.find(&key))
        .set((api_clients::failed_attempts.eq(0), api_clients::locked_until.eq(Some(until))))
        .execute(c))?;
    Ok(Some(lock_until))
}

/// A successful login clears the failure count.
pub fn record_successful_login(conn: &mut DbConnection, id: Uuid) -> StoreResult<()> {
    let key = id.to_string();
    with_conn!(conn, c => diesel::update(api_clients::table.find(&key))
        .set((api_clients::failed_attempts.eq(0), api_clients::locked_until.eq(None::<NaiveDateTime>)))
        .execute(c))?;
    Ok(())
}
