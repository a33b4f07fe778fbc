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
use crate::extractors::Body;
use crate::problem::{
    BadRequest, PayloadTooLarge, ServiceUnavailable, TooManyRequests, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;

/// Wrong secrets in a row that lock a client …
const MAX_FAILED_ATTEMPTS: i32 = 5;
/// … for this long (other clients are unaffected).
const LOCK_SECONDS: i64 = 15 * 60;

/// The one grant this platform supports.
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GrantType {
    ClientCredentials,
}

/// OAuth 2.0 client-credentials grant (RFC 6749 §4.4) as JSON.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"grant_type": "client_credentials", "client_id": "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e", "client_secret": "…"}))]
pub struct TokenRequest {
    /// Only `client_credentials`.
    #[schema(value_type = Option<GrantType>, example = "client_credentials")]
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
/// `invalid_client`, in the same time. Five wrong secrets in a row lock that
/// client for 15 minutes: 429 `client_locked` with `Retry-After`, even with
/// the right secret; other clients are unaffected.
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
        (status = 429, response = TooManyRequests),
        (status = 503, response = ServiceUnavailable),
    ),
    security(())
)]
#[post("/auth/token")]
pub async fn issue_token(state: web::Data<AppState>, body: Body<TokenRequest>) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    if body.grant_type.as_deref().is_some_and(|g| g != "client_credentials") {
        return Err(ApiError::invalid_field("grant_type", "invalid_value", "only client_credentials is supported"));
    }
    let client = match Uuid::parse_str(&body.client_id) {
        Ok(id) => db::run(&state.pool, move |conn| Ok(clients::find(conn, id)?)).await?,
        Err(_) => None,
    };
    let now = crate::clock::now();
    if let Some(until) = client.as_ref().and_then(|c| c.locked_until).filter(|until| *until > now) {
        let seconds = u64::try_from((until - now).num_seconds()).unwrap_or(1);
        return Err(ApiError::too_many_requests("client_locked", seconds));
    }
    let secret = body.client_secret;
    // Argon2 is slow by design: keep it off the async executor.
    let (client, verified) = web::block(move || match client {
        Some(client) if !client.disabled => {
            let ok = secrets::verify_secret(&secret, &client.secret_hash);
            (Some(client), ok)
        }
        other => {
            secrets::burn_verification(&secret);
            (other, false)
        }
    })
    .await
    .map_err(ApiError::internal)?;
    let client = match (client, verified) {
        (Some(client), true) => {
            if client.failed_attempts > 0 {
                let id = client.id;
                db::run(&state.pool, move |conn| Ok(clients::record_successful_login(conn, id)?)).await?;
            }
            client
        }
        (Some(client), false) => {
            let id = client.id;
            let lock_until = now + chrono::Duration::seconds(LOCK_SECONDS);
            let locked = db::run(&state.pool, move |conn| {
                Ok(clients::record_failed_login(conn, id, MAX_FAILED_ATTEMPTS, lock_until)?)
            })
            .await?;
            if locked.is_some() {
                tracing::warn!(client_id = %id, "client locked after repeated wrong secrets");
            }
            return Err(ApiError::unauthorized("invalid_client"));
        }
        (None, _) => return Err(ApiError::unauthorized("invalid_client")),
    };
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
