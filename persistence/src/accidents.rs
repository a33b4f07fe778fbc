//! Production-safety accidents recorded by regulators (三(三): they drive
//! the floating premium rate).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::insurance::AccidentGrade;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::accidents;
use crate::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accident {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub occurred_on: NaiveDate,
    pub grade: AccidentGrade,
    pub deaths: i32,
    pub injuries: i32,
    pub summary: String,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewAccident {
    pub enterprise_id: Uuid,
    pub occurred_on: NaiveDate,
    pub grade: AccidentGrade,
    pub deaths: i32,
    pub injuries: i32,
    pub summary: String,
    pub recorded_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = accidents)]
struct AccidentRow {
    id: String,
    enterprise_id: String,
    occurred_on: NaiveDate,
    grade: String,
    deaths: i32,
    injuries: i32,
    summary: String,
    recorded_by: String,
    created_at: NaiveDateTime,
}

impl TryFrom<AccidentRow> for Accident {
    type Error = StoreError;

    fn try_from(row: AccidentRow) -> StoreResult<Accident> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("accidents.{what} of {}", row.id));
        Ok(Accident {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            enterprise_id: Uuid::parse_str(&row.enterprise_id).map_err(|_| corrupt("enterprise_id"))?,
            grade: AccidentGrade::parse(&row.grade).map_err(|_| corrupt("grade"))?,
            occurred_on: row.occurred_on,
            deaths: row.deaths,
            injuries: row.injuries,
            summary: row.summary,
            recorded_by: row.recorded_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn insert(conn: &mut DbConnection, accident: &NewAccident, now: DateTime<Utc>) -> StoreResult<Accident> {
    let row = AccidentRow {
        id: Uuid::now_v7().to_string(),
        enterprise_id: accident.enterprise_id.to_string(),
        occurred_on: accident.occurred_on,
        grade: accident.grade.as_str().to_owned(),
        deaths: accident.deaths,
        injuries: accident.injuries,
        summary: accident.summary.clone(),
        recorded_by: accident.recorded_by.clone(),
        created_at: now.naive_utc(),
    };
    let stored: AccidentRow = with_conn!(conn, c => diesel::insert_into(accidents::table)
        .values(&row)
        .returning(AccidentRow::as_returning())
        .get_result(c))?;
    Accident::try_from(stored)
}

/// The enterprise's accidents, most recent first.
pub fn for_enterprise(conn: &mut DbConnection, enterprise_id: Uuid) -> StoreResult<Vec<Accident>> {
    let key = enterprise_id.to_string();
    let rows: Vec<AccidentRow> = with_conn!(conn, c => accidents::table
        .filter(accidents::enterprise_id.eq(&key))
        .select(AccidentRow::as_select())
        .order((accidents::occurred_on.desc(), accidents::id.desc()))
        .load(c))?;
    rows.into_iter().map(Accident::try_from).collect()
}
