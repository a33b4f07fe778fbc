//! API client registration: `/api/v1/clients` (admins only).

use actix_web::{post, web, HttpResponse};
use domain::organization::Role;

use crate::audit::Actor;
use crate::auth::Caller;
use crate::clients::{new_secret, register_client};
use crate::db;
use crate::error::ApiError;
use crate::extractors::Body;
use crate::middleware::request_id::RequestId;
use crate::problem::{
    BadRequest, Forbidden, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::schemas::client::{CreateClient, CreatedClient};
use crate::state::AppState;

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
    body: Body<CreateClient>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let body = body.0;
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
