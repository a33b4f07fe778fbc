//! Registering API clients: the rules shared by `POST /api/v1/clients` and
//! the `clients create` command.

use domain::organization::Role;
use domain::region::RegionCode;
use domain::validation::Collector;
use persistence::clients::{self, ApiClient, NewApiClient};
use persistence::{organizations, regions, DbConnection};
use validator::Validate;

use crate::auth::secrets;
use crate::error::ApiError;
use crate::schemas::client::CreateClient;
use crate::schemas::fields::collect_validator;

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
