//! Writing the audit trail: every state change records who, when, what,
//! the resource and the request id, in the change's own transaction.

use domain::region::RegionCode;
use persistence::audit::{self, NewAuditEntry};
use persistence::DbConnection;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::middleware::request_id::RequestId;

/// The actor of a write: the caller and the request it came in.
#[derive(Debug, Clone)]
pub struct Actor {
    pub caller: Caller,
    pub request_id: RequestId,
}

impl Actor {
    pub fn new(caller: &Caller, request_id: &RequestId) -> Actor {
        Actor { caller: caller.clone(), request_id: request_id.clone() }
    }

    /// The operator at the command line (`clients create`), recorded as an
    /// admin named after the OS user.
    pub fn operator() -> Actor {
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
        Actor {
            caller: Caller {
                client_id: format!("cli:{user}"),
                role: domain::organization::Role::Admin,
                organization_id: None,
                region: None,
            },
            request_id: RequestId(format!("cli-{}", uuid::Uuid::new_v4())),
        }
    }

    /// Appends one audit row; call inside the transaction of the change.
    pub fn record(
        &self,
        conn: &mut DbConnection,
        action: &str,
        resource_type: &str,
        resource_id: &str,
        resource_region: Option<&RegionCode>,
    ) -> Result<(), ApiError> {
        audit::append(
            conn,
            &NewAuditEntry {
                at: crate::clock::now().naive_utc(),
                actor: self.caller.client_id.clone(),
                role: self.caller.role.as_str().to_owned(),
                actor_region: self.caller.region.as_ref().map(|r| r.as_str().to_owned()),
                action: action.to_owned(),
                resource_type: resource_type.to_owned(),
                resource_id: resource_id.to_owned(),
                resource_region: resource_region.map(|r| r.as_str().to_owned()),
                request_id: self.request_id.0.clone(),
            },
        )?;
        Ok(())
    }
}
