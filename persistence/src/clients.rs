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
