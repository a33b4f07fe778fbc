//! The authenticated caller, extracted from `Authorization: Bearer …`.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{web, FromRequest, HttpRequest};
use domain::organization::Role;
use domain::region::RegionCode;
use uuid::Uuid;

use crate::auth::token;
use crate::error::ApiError;
use crate::state::AppState;

/// Who is calling, as the verified token says.
#[derive(Debug, Clone)]
pub struct Caller {
    pub client_id: String,
    pub role: Role,
    pub organization_id: Option<Uuid>,
    pub region: Option<RegionCode>,
}

impl Caller {
    /// Deny by default: 403 unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), ApiError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(ApiError::forbidden())
        }
    }

    /// The jurisdiction of a regulator; `None` for every other role.
    pub fn jurisdiction(&self) -> Option<&RegionCode> {
        match self.role {
            Role::Regulator => self.region.as_ref(),
            _ => None,
        }
    }

    fn from_claims(claims: token::Claims) -> Result<Caller, ApiError> {
        let invalid = || ApiError::unauthorized("invalid_token");
        let role = Role::parse(&claims.role).map_err(|_| invalid())?;
        let organization_id = claims.org.as_deref().map(|id| Uuid::parse_str(id).map_err(|_| invalid())).transpose()?;
        let region = claims.region.as_deref().map(|code| RegionCode::parse(code).map_err(|_| invalid())).transpose()?;
        // A regulator without a jurisdiction could see nothing sensible.
        if role == Role::Regulator && region.is_none() {
            return Err(invalid());
        }
        Ok(Caller { client_id: claims.sub, role, organization_id, region })
    }
}

fn authenticate(req: &HttpRequest) -> Result<Caller, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(|| ApiError::internal("application state missing"))?;
    let header = req.headers().get(AUTHORIZATION).ok_or_else(|| ApiError::unauthorized("unauthorized"))?;
    let value = header.to_str().map_err(|_| ApiError::unauthorized("invalid_token"))?;
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| ApiError::unauthorized("invalid_token"))?;
    let claims = token::verify(&state.keys, &state.settings, token)?;
    Caller::from_claims(claims)
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Ready<Result<Caller, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authenticate(req))
    }
}
