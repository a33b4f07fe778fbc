//! Object-level authorisation (OWASP API1): what each role may see of an
//! object. Deny by default: a role not named here sees nothing.

use domain::organization::Role;
use domain::region::{jurisdiction_covers, RegionInfo};
use uuid::Uuid;

use crate::auth::Caller;
use crate::error::ApiError;

/// How much of an organisation a caller may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Everything, personal data included.
    Full,
    /// Everything but personal data, which is masked.
    Masked,
    /// Nothing: answered as 404.
    Hidden,
}

/// Admins and regulators of its jurisdiction see an organisation whole, and
/// so does the organisation itself; portals see registry data with personal
/// data masked; other organisations see nothing.
pub fn organization_sight(caller: &Caller, org_id: Uuid, region: &RegionInfo) -> Sight {
    match caller.role {
        Role::Admin => Sight::Full,
        Role::Regulator => match caller.jurisdiction() {
            Some(j) if jurisdiction_covers(j, region) => Sight::Full,
            _ => Sight::Hidden,
        },
        Role::Portal => Sight::Masked,
        Role::Insurer | Role::Agency | Role::Enterprise => {
            if caller.organization_id == Some(org_id) {
                Sight::Full
            } else {
                Sight::Hidden
            }
        }
    }
}

/// Registry writes: admins anywhere, regulators inside their jurisdiction.
/// Call after the role check; outside the jurisdiction is 403 for a region
/// named in the request.
pub fn may_register_in(caller: &Caller, region: &RegionInfo) -> Result<(), ApiError> {
    match caller.role {
        Role::Admin => Ok(()),
        Role::Regulator => match caller.jurisdiction() {
            Some(j) if jurisdiction_covers(j, region) => Ok(()),
            _ => Err(ApiError::new(actix_web::http::StatusCode::FORBIDDEN, "outside_jurisdiction")),
        },
        _ => Err(ApiError::forbidden()),
    }
}

/// The part of the registry a caller's lists cover.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListScope {
    Everything,
    Jurisdiction(domain::region::RegionCode),
    Only(Uuid),
    Nothing,
}

pub fn organization_list_scope(caller: &Caller) -> ListScope {
    match caller.role {
        Role::Admin | Role::Portal => ListScope::Everything,
        Role::Regulator => match caller.jurisdiction() {
            Some(j) if j.is_province() => ListScope::Everything,
            Some(j) => ListScope::Jurisdiction(j.clone()),
            None => ListScope::Nothing,
        },
        Role::Insurer | Role::Agency | Role::Enterprise => {
            caller.organization_id.map_or(ListScope::Nothing, ListScope::Only)
        }
    }
}
