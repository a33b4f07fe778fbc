//! Effective-dated rule parameters: `/api/v1/rules`.

use actix_web::{get, web};
use chrono::NaiveDate;
use domain::validation::Collector;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::Caller;
use crate::db;
use crate::error::ApiError;
use crate::problem::{BadRequest, ServiceUnavailable, Unauthorized, Unprocessable};
use crate::schemas::fields::parse_date;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RulesQuery {
    /// Calendar date (CST); defaults to today in China Standard Time.
    #[param(value_type = Option<NaiveDate>, example = "2025-03-29")]
    pub on: Option<String>,
}

/// One version of one rule parameter.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleView {
    #[schema(example = "min_cover_per_person_fen")]
    pub name: String,
    /// The value as text; `unit` says how to read it.
    #[schema(example = "40000000")]
    pub value: String,
    /// `bp`, `fen`, `years`, `months`, `days`, `points` or `regime`.
    #[schema(example = "fen")]
    pub unit: String,
    pub effective_from: NaiveDate,
    /// Last day in force (inclusive); `null` while open-ended.
    pub effective_to: Option<NaiveDate>,
    #[schema(example = "应急〔2025〕27号; 豫安委〔2017〕17号 三(一)")]
    pub clause: String,
    /// What computed figures cite: `<name>@<effective_from>`.
    #[schema(example = "min_cover_per_person_fen@2025-03-29")]
    pub version: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RulesInForce {
    pub on: NaiveDate,
    /// Sorted by name; a small fixed set, not paginated.
    pub items: Vec<RuleView>,
}

/// Rule parameters in force on a date.
#[utoipa::path(
    tag = "reference",
    params(RulesQuery),
    responses(
        (status = 200, description = "Parameters in force", body = RulesInForce),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 422, response = Unprocessable),
        (status = 503, response = ServiceUnavailable),
    ),
    security(("bearer" = []))
)]
#[get("/rules")]
pub async fn rules_in_force(
    state: web::Data<AppState>,
    _caller: Caller,
    query: web::Query<RulesQuery>,
) -> Result<web::Json<RulesInForce>, ApiError> {
    let on = match query.on.as_deref() {
        Some(text) => {
            let mut v = Collector::new();
            let date = parse_date("on", text, &mut v);
            v.finish()?;
            date.ok_or_else(|| ApiError::internal("date parsed without error"))?
        }
        None => domain::time::cst_date(crate::clock::now()),
    };
    let book = db::run(&state.pool, |conn| Ok(persistence::rules::load_rule_book(conn)?)).await?;
    let items = book
        .in_force(on)
        .into_iter()
        .map(|r| RuleView {
            name: r.parameter.as_str().to_owned(),
            value: r.value.clone(),
            unit: r.unit.clone(),
            effective_from: r.effective_from,
            effective_to: r.effective_to,
            clause: r.clause.clone(),
            version: r.version_label(),
        })
        .collect();
    Ok(web::Json(RulesInForce { on, items }))
}
