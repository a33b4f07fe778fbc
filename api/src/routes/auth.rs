//! Token issuance and the public key set: `/api/v1/auth`.

use actix_web::http::header::{CacheControl, CacheDirective};
use actix_web::{get, post, web, HttpResponse};
use persistence::clients;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::auth::keys::Jwks;
use crate::auth::secrets;
use crate::auth::token::{self, Claims};
use crate::db;
use crate::error::ApiError;
use crate::problem::{
    BadRequest, PayloadTooLarge, ServiceUnavailable, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;

/// OAuth 2.0 client-credentials grant (RFC 6749 §4.4) as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e", "client_secret": "…"}))]
pub struct TokenRequest {
    /// Only `client_credentials`.
    #[schema(example = "client_credentials")]
    pub grant_type: Option<String>,
    pub client_id: String,
    #[schema(max_length = 200)]
    pub client_secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// EdDSA-signed JWT; verify with `/api/v1/auth/jwks.json`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until expiry.
    #[schema(example = 900)]
    pub expires_in: i64,
}

/// Exchange client credentials for an access token.
///
/// Unknown client, disabled client and wrong secret are one answer: 401
/// `invalid_client`, in the same time.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[post("/auth/token")]
pub async fn issue_token(state: web::Data<AppState>, body: web::Json<TokenRequest>) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    if body.grant_type.as_deref().is_some_and(|g| g != "client_credentials") {
        return Err(ApiError::invalid_field("grant_type", "invalid_value", "only client_credentials is supported"));
    }
    let client = match Uuid::parse_str(&body.client_id) {
        Ok(id) => db::run(&state.pool, move |conn| Ok(clients::find(conn, id)?)).await?,
        Err(_) => None,
    };
    let secret = body.client_secret;
    // Argon2 is slow by design: keep it off the async executor.
    let client = web::block(move || match client {
        Some(client) if !client.disabled && secrets::verify_secret(&secret, &client.secret_hash) => Some(client),
        _ => {
            secrets::burn_verification(&secret);
            None
        }
    })
    .await
    .map_err(ApiError::internal)?
    .ok_or_else(|| ApiError::unauthorized("invalid_client"))?;
    let claims = Claims::new(
        &state.settings,
        client.id.to_string(),
        client.role.as_str().to_owned(),
        client.organization_id.map(|id| id.to_string()),
        client.region_code.map(|r| r.as_str().to_owned()),
        crate::clock::now(),
    );
    let access_token = token::sign(&state.keys, &claims)?;
    Ok(HttpResponse::Ok().insert_header(CacheControl(vec![CacheDirective::NoStore])).json(TokenResponse {
        access_token,
        token_type: "Bearer".into(),
        expires_in: state.settings.token_ttl_seconds,
    }))
}

/// The public keys that verify the platform's tokens (RFC 7517).
#[utoipa::path(
    tag = "auth",
    responses((status = 200, description = "JSON Web Key Set", body = Jwks)),
    security(())
)]
#[get("/auth/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(CacheControl(vec![CacheDirective::Public, CacheDirective::MaxAge(300)]))
        .json(state.keys.jwks())
}
