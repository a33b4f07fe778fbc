//! Holidays: request and response bodies.

use std::borrow::Cow;

use chrono::NaiveDate;
use domain::working_days::DayKind;
use persistence::holidays::Holiday;
use serde::{Deserialize, Serialize};
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::schemas::fields::plain_text;

/// `holiday` (a day off, even on a weekday) or `workday` (a make-up working day, 调休).
pub struct DayKindSchema;

impl utoipa::PartialSchema for DayKindSchema {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("`holiday` (a day off, even on a weekday) or `workday` (a make-up working day, 调休)."))
            .enum_values(Some(DayKind::ALL.iter().map(|v| v.as_str())))
            .into()
    }
}

impl ToSchema for DayKindSchema {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("DayKind")
    }
}

/// One listed day of the official arrangement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolidayView {
    pub day: NaiveDate,
    #[schema(value_type = DayKindSchema)]
    pub kind: String,
    pub name: String,
}

impl From<&Holiday> for HolidayView {
    fn from(h: &Holiday) -> Self {
        HolidayView { day: h.day, kind: h.kind.as_str().to_owned(), name: h.name.clone() }
    }
}

/// The listed days of a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HolidayList {
    pub year: i32,
    /// Whether the year's arrangement is known. When it is not, working days are counted
    /// skipping weekends only, and dates derived from them are estimates.
    pub covered: bool,
    /// In date order.
    pub items: Vec<HolidayView>,
}

/// The year asked about.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HolidayQuery {
    /// 1950–2100; defaults to the current year (CST).
    #[param(minimum = 1950, maximum = 2100)]
    pub year: Option<i32>,
}

/// One listed day in a replacement.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HolidayInput {
    /// A day of the year in the path.
    #[schema(value_type = NaiveDate)]
    pub day: String,
    #[schema(value_type = DayKindSchema)]
    pub kind: String,
    #[validate(length(min = 1, max = 50), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
}

/// The complete arrangement of one year, replacing what is listed.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"days": [
    {"day": "2027-01-01", "kind": "holiday", "name": "元旦"},
    {"day": "2027-02-07", "kind": "workday", "name": "春节调休"}
]}))]
pub struct ReplaceHolidays {
    /// At most 100 days, each once.
    #[validate(nested)]
    #[schema(max_items = 100)]
    pub days: Vec<HolidayInput>,
}
