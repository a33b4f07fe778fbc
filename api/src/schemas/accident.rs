//! Bodies of accident records (三(三)).

use chrono::{DateTime, NaiveDate, Utc};
use domain::insurance::AccidentGrade;
use persistence::accidents::Accident;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::AccidentGradeSchema;

/// A production-safety accident, recorded by a regulator of the
/// enterprise's jurisdiction.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "enterprise_id": "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e",
    "occurred_on": "2025-08-02",
    "grade": "general",
    "deaths": 1,
    "injuries": 2,
    "summary": "井下运输巷道冒顶"
}))]
pub struct CreateAccident {
    pub enterprise_id: Uuid,
    /// CST date; not in the future.
    #[schema(value_type = NaiveDate)]
    pub occurred_on: String,
    #[schema(value_type = AccidentGradeSchema)]
    pub grade: String,
    #[validate(range(min = 0, max = 100_000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub deaths: i32,
    #[validate(range(min = 0, max = 100_000))]
    #[schema(minimum = 0, maximum = 100000)]
    pub injuries: i32,
    #[validate(length(min = 1, max = 2000), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccidentView {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub occurred_on: NaiveDate,
    #[schema(value_type = AccidentGradeSchema)]
    pub grade: AccidentGrade,
    pub deaths: i32,
    pub injuries: i32,
    pub summary: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Accident> for AccidentView {
    fn from(a: &Accident) -> Self {
        AccidentView {
            id: a.id,
            enterprise_id: a.enterprise_id,
            occurred_on: a.occurred_on,
            grade: a.grade,
            deaths: a.deaths,
            injuries: a.injuries,
            summary: a.summary.clone(),
            created_at: a.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccidentList {
    /// Most recent first; not paginated (an enterprise has few).
    pub items: Vec<AccidentView>,
}
