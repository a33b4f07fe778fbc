//! The official holiday calendar (二(一)).

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::working_days::{Calendar, DayKind};

use crate::error::{StoreError, StoreResult};
use crate::schema::holidays;
use crate::DbConnection;

/// One listed day of the official arrangement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    pub day: NaiveDate,
    pub kind: DayKind,
    pub name: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = holidays)]
struct HolidayRow {
    day: NaiveDate,
    kind: String,
    name: String,
}

impl TryFrom<HolidayRow> for Holiday {
    type Error = StoreError;

    fn try_from(row: HolidayRow) -> StoreResult<Holiday> {
        let kind =
            DayKind::parse(&row.kind).map_err(|_| StoreError::Corrupt(format!("holidays.kind of {}", row.day)))?;
        Ok(Holiday { day: row.day, kind, name: row.name })
    }
}

fn year_bounds(year: i32) -> StoreResult<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::from_ymd_opt(year, 1, 1);
    let last = NaiveDate::from_ymd_opt(year, 12, 31);
    first.zip(last).ok_or_else(|| StoreError::Corrupt(format!("year {year} out of range")))
}

/// The listed days of `year`, in date order.
pub fn of_year(conn: &mut DbConnection, year: i32) -> StoreResult<Vec<Holiday>> {
    let (first, last) = year_bounds(year)?;
    let rows: Vec<HolidayRow> = with_conn!(conn, c => holidays::table
        .filter(holidays::day.ge(first))
        .filter(holidays::day.le(last))
        .select(HolidayRow::as_select())
        .order(holidays::day)
        .load(c))?;
    rows.into_iter().map(Holiday::try_from).collect()
}

/// Every listed day, as a working-day calendar.
pub fn calendar(conn: &mut DbConnection) -> StoreResult<Calendar> {
    let rows: Vec<HolidayRow> =
        with_conn!(conn, c => holidays::table.select(HolidayRow::as_select()).order(holidays::day).load(c))?;
    let days = rows.into_iter().map(Holiday::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Calendar::new(days.into_iter().map(|h| (h.day, h.kind))))
}

/// Replaces the listed days of `year` with `days` (all of which the caller has checked lie in
/// `year`). Run inside the caller's transaction.
pub fn replace_year(conn: &mut DbConnection, year: i32, days: &[Holiday]) -> StoreResult<()> {
    let (first, last) = year_bounds(year)?;
    let rows: Vec<HolidayRow> = days
        .iter()
        .map(|h| HolidayRow { day: h.day, kind: h.kind.as_str().to_owned(), name: h.name.clone() })
        .collect();
    with_conn!(conn, c => {
        diesel::delete(holidays::table.filter(holidays::day.ge(first)).filter(holidays::day.le(last))).execute(c)?;
        if !rows.is_empty() {
            diesel::insert_into(holidays::table).values(&rows).execute(c)?;
        }
        Ok::<(), diesel::result::Error>(())
    })?;
    Ok(())
}
