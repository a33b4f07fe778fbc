//! The one place the HTTP layer reads the clock.

use chrono::{DateTime, Utc};

/// Now, truncated to microseconds: PostgreSQL keeps microseconds and SQLite
/// would keep nanoseconds, so both backends must store the same value.
pub fn now() -> DateTime<Utc> {
    domain::time::truncate_to_micros(Utc::now())
}

/// Today's calendar date in China Standard Time (CONVENTIONS.md: dates and
/// year boundaries follow CST).
pub fn today() -> chrono::NaiveDate {
    domain::time::cst_date(now())
}
