//! Bodies of API client registration.

use chrono::{DateTime, Utc};
use domain::organization::Role;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::RoleSchema;

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
