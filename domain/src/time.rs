//! China Standard Time: calendar dates and years of instants.
//!
//! CONVENTIONS.md ("Values"): instants are stored in UTC, but calendar dates and year boundaries
//! follow China Standard Time (UTC+08:00, no daylight saving). A premium received at
//! 2025-12-31T23:30:00+08:00 belongs to 2025 even though it is 15:30 UTC; one received at
//! 2025-12-31T16:30:00Z is 00:30 on 2026-01-01 in Zhengzhou and belongs to 2026. The yearly
//! prevention-fund ledger (豫安委〔2017〕17号 三(二)) is kept per CST year.
//!
//! Nothing here reads the clock; "now" is always a parameter.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, SubsecRound, Utc};
use thiserror::Error;

/// UTC+08:00. Evaluated at compile time, so an invalid offset would fail the build.
const CST: FixedOffset = match FixedOffset::east_opt(8 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+08:00 is a valid offset"),
};

/// Earliest year [`cst_year_bounds`] accepts.
pub const MIN_YEAR: i32 = 1;
/// Latest year [`cst_year_bounds`] accepts: its end bound is still a four-digit year, which
/// RFC 3339 (the JSON form of instants) requires.
pub const MAX_YEAR: i32 = 9998;

/// A calendar year the platform cannot represent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum TimeError {
    /// Outside [`MIN_YEAR`]..=[`MAX_YEAR`].
    #[error("year {year} is out of range (1..=9998)")]
    YearOutOfRange {
        /// The year requested.
        year: i32,
    },
}

impl TimeError {
    /// Stable machine code: `invalid_year`.
    pub fn code(&self) -> &'static str {
        match self {
            TimeError::YearOutOfRange { .. } => "invalid_year",
        }
    }
}

crate::validation::impl_coded!(TimeError);

/// The China Standard Time offset, UTC+08:00.
pub fn cst() -> FixedOffset {
    CST
}

/// The calendar date of `instant` in China Standard Time.
pub fn cst_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&CST).date_naive()
}

/// The calendar year of `instant` in China Standard Time.
pub fn cst_year(instant: DateTime<Utc>) -> i32 {
    cst_date(instant).year()
}

/// The half-open UTC interval `[start, end)` of CST year `year`: from `year`-01-01T00:00+08:00
/// (= (`year`−1)-12-31T16:00Z) up to, excluding, the same moment of the next year. Use it to
/// select a year's postings with `start <= t < end`.
pub fn cst_year_bounds(year: i32) -> Result<(DateTime<Utc>, DateTime<Utc>), TimeError> {
    if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
        return Err(TimeError::YearOutOfRange { year });
    }
    let start = cst_new_year(year).ok_or(TimeError::YearOutOfRange { year })?;
    let end = cst_new_year(year + 1).ok_or(TimeError::YearOutOfRange { year })?;
    Ok((start, end))
}

/// `year`-01-01T00:00:00+08:00 as a UTC instant.
fn cst_new_year(year: i32) -> Option<DateTime<Utc>> {
    let local = NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?;
    local.and_local_timezone(CST).single().map(|t| t.with_timezone(&Utc))
}

/// `instant` truncated to whole microseconds.
///
/// PostgreSQL `timestamptz` keeps microseconds, so an instant is truncated before it is stored or
/// compared with a stored one; otherwise a value read back would differ from the value written
/// (breaking idempotent replays and ETags) and the two database backends would disagree.
pub fn truncate_to_micros(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant.trunc_subsecs(6)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Timelike};
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn offset_is_eight_hours() {
        assert_eq!(cst().local_minus_utc(), 8 * 3600);
    }

    #[test]
    fn year_end_belongs_to_cst_year() {
        let late_cst = utc("2025-12-31T23:30:00+08:00");
        assert_eq!(cst_year(late_cst), 2025);
        assert_eq!(cst_date(late_cst), date(2025, 12, 31));

        let after_midnight_cst = utc("2025-12-31T16:30:00Z");
        assert_eq!(cst_year(after_midnight_cst), 2026);
        assert_eq!(cst_date(after_midnight_cst), date(2026, 1, 1));

        assert_eq!(cst_year(utc("2025-12-31T15:59:59.999999Z")), 2025);
        assert_eq!(cst_year(utc("2025-12-31T16:00:00Z")), 2026);
        assert_eq!(cst_date(utc("2024-02-28T16:00:00Z")), date(2024, 2, 29));
    }

    #[test]
    fn year_bounds_are_half_open_in_cst() {
        let (start, end) = cst_year_bounds(2025).unwrap();
        assert_eq!(start, utc("2024-12-31T16:00:00Z"));
        assert_eq!(end, utc("2025-12-31T16:00:00Z"));
        assert_eq!(cst_year(start), 2025);
        assert_eq!(cst_year(end), 2026);
        assert_eq!(cst_year(end - chrono::Duration::microseconds(1)), 2025);
        assert_eq!(cst_year_bounds(2026).unwrap().0, end);
    }

    #[test]
    fn year_bounds_range() {
        assert!(cst_year_bounds(MIN_YEAR).is_ok());
        assert!(cst_year_bounds(MAX_YEAR).is_ok());
        for year in [0, -1, MAX_YEAR + 1, i32::MIN, i32::MAX] {
            let error = cst_year_bounds(year).unwrap_err();
            assert_eq!(error, TimeError::YearOutOfRange { year });
            assert_eq!(error.code(), "invalid_year");
        }
    }

    #[test]
    fn truncation_keeps_microseconds() {
        let t = Utc.with_ymd_and_hms(2025, 3, 29, 1, 2, 3).unwrap().with_nanosecond(123_456_789).unwrap();
        let truncated = truncate_to_micros(t);
        assert_eq!(truncated.nanosecond(), 123_456_000);
        assert_eq!(truncated.timestamp(), t.timestamp());
        assert_eq!(truncate_to_micros(truncated), truncated);
        let negative = utc("1969-12-31T23:59:59.999999999Z");
        assert_eq!(truncate_to_micros(negative), utc("1969-12-31T23:59:59.999999Z"));
    }

    proptest! {
        #[test]
        fn every_instant_lies_within_its_years_bounds(
            secs in -62_000_000_000i64..253_000_000_000,
            nanos in 0u32..1_000_000_000,
        ) {
            let instant = DateTime::from_timestamp(secs, nanos).unwrap();
            let year = cst_year(instant);
            let (start, end) = cst_year_bounds(year).unwrap();
            prop_assert!(start <= instant && instant < end);
            prop_assert!(truncate_to_micros(instant) <= instant);
            prop_assert!(instant - truncate_to_micros(instant) < chrono::Duration::microseconds(1));
        }
    }
}
