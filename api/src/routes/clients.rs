//! API client registration: `/api/v1/clients` (admins only).

use actix_web::{post, web, HttpResponse};
use chrono::{DateTime, Utc};
use domain::organization::Role;
use domain::region::RegionCode;
use domain::validation::Collector;
use persistence::clients::{self, ApiClient, NewApiClient};
use persistence::{organizations, regions, DbConnection};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::audit::Actor;
use crate::auth::{secrets, Caller};
use crate::db;
use crate::error::ApiError;
use crate::middleware::request_id::RequestId;
use crate::problem::{
    BadRequest, Forbidden, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::schemas::fields::{collect_validator, plain_text};
use crate::schemas::vocabulary::RoleSchema;
use crate::state::AppState;

/// A machine client to create.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "郑州市应急管理局业务系统", "role": "regulator", "region_code": "410100"}))]
pub struct CreateClient {
    #[validate(length(min = 1, max = 200), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(value_type = RoleSchema)]
    pub role: String,
    /// Required for `insurer`, `agency` and `enterprise`: the organisation
    /// the client acts for (its kind must fit the role).
    pub organization_id: Option<Uuid>,
    /// Required for `regulator`: its jurisdiction (410000 = the province).
    pub region_code: Option<String>,
}

/// The new client. `client_secret` is shown once and never again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedClient {
    pub client_id: Uuid,
    pub client_secret: String,
    pub name: String,
    #[schema(value_type = RoleSchema)]
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub region_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A fresh secret and its hash, made before any transaction opens because
/// hashing is deliberately slow.
pub fn new_secret() -> Result<(String, String), ApiError> {
    let secret = secrets::generate_secret();
    let hash = secrets::hash_secret(&secret).map_err(ApiError::internal)?;
    Ok((secret, hash))
}

/// Validates a client against the registry and stores it with the given
/// secret hash. Shared by the HTTP endpoint and the `clients create` command.
pub fn register_client(
    conn: &mut DbConnection,
    body: CreateClient,
    secret_hash: String,
) -> Result<ApiClient, ApiError> {
    let mut v = Collector::new();
    collect_validator(body.validate(), &mut v);
    let role = v.check("role", Role::parse(&body.role));
    let region = body.region_code.as_deref().and_then(|r| v.check("region_code", RegionCode::parse(r)));
    if let Some(code) = &region {
        if regions::find(conn, code)?.is_none() {
            v.push("region_code", "unknown_region", "no such region in the region table");
        }
    }
    if let Some(role) = role {
        match (organization_bound(role), body.organization_id) {
            (true, None) => v.push("organization_id", "required", "this role acts for an organisation"),
            (false, Some(_)) => v.push("organization_id", "not_applicable", "this role acts for no organisation"),
            (true, Some(id)) => match organizations::find(conn, id)? {
                None => v.push("organization_id", "unknown_organization", "no such organisation"),
                Some(org) if !role.may_bind_to(org.kind) => {
                    v.push("organization_id", "kind_mismatch", "the organisation's kind does not fit the role");
                }
                Some(_) => {}
            },
            (false, None) => {}
        }
        match (role == Role::Regulator, body.region_code.is_some()) {
            (true, false) => v.push("region_code", "required", "a regulator needs a jurisdiction"),
            (false, true) => v.push("region_code", "not_applicable", "only regulators have a jurisdiction"),
            _ => {}
        }
    }
    v.finish()?;
    let role = role.ok_or_else(|| ApiError::internal("role parsed without error"))?;
    Ok(clients::insert(
        conn,
        &NewApiClient {
            name: body.name,
            secret_hash,
            role,
            organization_id: body.organization_id,
            region_code: region,
        },
        crate::clock::now(),
    )?)
}

fn organization_bound(role: Role) -> bool {
    matches!(role, Role::Insurer | Role::Agency | Role::Enterprise)
}

/// Create an API client (admins only).
#[utoipa::path(
    tag = "auth",
    request_body = CreateClient,
    responses(
        (status = 201, description = "Created; the secret is shown only now", body = CreatedClient),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[post("/clients")]
pub async fn create_client(
    state: web::Data<AppState>,
    caller: Caller,
    request_id: RequestId,
    body: web::Json<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let body = body.into_inner();
    let actor = Actor::new(&caller, &request_id);
    let (secret, secret_hash) = new_secret()?;
    let client = db::transaction(&state.pool, move |conn| {
        let client = register_client(conn, body, secret_hash)?;
        actor.record(conn, "client.create", "client", &client.id.to_string(), client.region_code.as_ref())?;
        Ok(client)
    })
    .await?;
    Ok(HttpResponse::Created().json(CreatedClient {
        client_id: client.id,
        client_secret: secret,
        name: client.name,
        role: client.role,
        organization_id: client.organization_id,
        region_code: client.region_code.map(|r| r.as_str().to_owned()),
        created_at: client.created_at,
    }))
}
