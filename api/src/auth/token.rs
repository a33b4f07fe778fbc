//! Access tokens: RFC 7519 JWTs signed with EdDSA (Ed25519).

use chrono::{DateTime, Utc};
use jsonwebtoken::{decode, decode_header, encode, Algorithm, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::keys::KeySet;
use crate::config::Settings;
use crate::error::ApiError;

/// Clock skew tolerated between this platform and token holders.
const LEEWAY_SECONDS: u64 = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The API client id.
    pub sub: String,
    pub role: String,
    /// The organisation the client acts for, if bound to one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    /// A regulator's jurisdiction (GB/T 2260 code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    pub aud: String,
    pub iss: String,
    pub jti: String,
}

impl Claims {
    pub fn new(
        settings: &Settings,
        subject: String,
        role: String,
        org: Option<String>,
        region: Option<String>,
        now: DateTime<Utc>,
    ) -> Claims {
        let iat = now.timestamp();
        Claims {
            sub: subject,
            role,
            org,
            region,
            iat,
            nbf: iat,
            exp: iat + settings.token_ttl_seconds,
            aud: settings.jwt_audience.clone(),
            iss: settings.jwt_issuer.clone(),
            jti: Uuid::new_v4().to_string(),
        }
    }
}

pub fn sign(keys: &KeySet, claims: &Claims) -> Result<String, ApiError> {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(keys.active_kid().to_owned());
    encode(&header, claims, keys.signing_key()).map_err(ApiError::internal)
}

/// Verifies signature, algorithm, `kid`, `exp`, `nbf`, `aud` and `iss`.
/// Every failure is the same 401 `invalid_token`: callers learn nothing
/// about which check failed.
pub fn verify(keys: &KeySet, settings: &Settings, token: &str) -> Result<Claims, ApiError> {
    let invalid = |reason: &str| {
        tracing::debug!(reason, "token rejected");
        ApiError::unauthorized("invalid_token")
    };
    let header = decode_header(token).map_err(|_| invalid("malformed header"))?;
    if header.alg != Algorithm::EdDSA {
        return Err(invalid("algorithm"));
    }
    let key = header.kid.as_deref().and_then(|kid| keys.verifying_key(kid)).ok_or_else(|| invalid("unknown kid"))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.leeway = LEEWAY_SECONDS;
    validation.validate_nbf = true;
    validation.set_audience(&[&settings.jwt_audience]);
    validation.set_issuer(&[&settings.jwt_issuer]);
    validation.set_required_spec_claims(&["exp", "nbf", "aud", "iss", "sub"]);
    decode::<Claims>(token, key, &validation).map(|data| data.claims).map_err(|_| invalid("signature or claims"))
}
