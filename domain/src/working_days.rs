//! Working days: weekends and official holidays skipped, make-up working days counted (二(一)).
//!
//! 豫安委〔2017〕17号 二(一) asks a provider serving outside its home city to notify the local
//! regulator at least 7 working days before going on site. "Working day" follows the State
//! Council's holiday arrangement of each year: Monday to Friday, except the official holidays,
//! plus the make-up working days (调休) that fall on a weekend. The arrangement is data (the
//! `holidays` table), so a [`Calendar`] is built from its rows; a year without any row is not
//! covered and falls back to weekends only, which the caller must say.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};

use crate::vocabulary::string_enum;

/// Citation of the working-day rule.
pub const CLAUSE: &str = "豫安委〔2017〕17号 二(一)";

string_enum! {
    /// What a listed day is in the official arrangement.
    pub enum DayKind ("day kind", "invalid_day_kind") {
        /// 法定节假日: a day off, even on a weekday.
        Holiday = "holiday",
        /// 调休上班: a working day, even on a weekend.
        Workday = "workday",
    }
}

/// The official holiday arrangement of the years it has rows for (二(一)).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    days: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

impl Calendar {
    /// A calendar of the listed days. A year is covered when any of its days is listed.
    pub fn new(rows: impl IntoIterator<Item = (NaiveDate, DayKind)>) -> Self {
        let days: BTreeMap<NaiveDate, DayKind> = rows.into_iter().collect();
        let years = days.keys().map(|d| d.year()).collect();
        Self { days, years }
    }

    /// Whether the arrangement of `year` is known. For a year not covered, only weekends are
    /// skipped, and a count that touches it is an estimate.
    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether `day` is a working day (二(一)): a listed `workday` (调休) is, a listed `holiday`
    /// is not, and any other day is when it falls Monday to Friday.
    pub fn is_working_day(&self, day: NaiveDate) -> bool {
        match self.days.get(&day) {
            Some(DayKind::Workday) => true,
            Some(DayKind::Holiday) => false,
            None => !matches!(day.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`-th working day after `from` (二(一)), `from` itself not counted; `from` when `n`
    /// is 0. A notice on Friday with `n = 1` gives the next Monday (when it is not a holiday).
    /// Saturates at [`NaiveDate::MAX`].
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> NaiveDate {
        let mut day = from;
        let mut left = n;
        while left > 0 {
            let Some(next) = day.succ_opt() else { return NaiveDate::MAX };
            day = next;
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Whether every year from `from` to `to` (inclusive) is covered.
    pub fn covers_span(&self, from: NaiveDate, to: NaiveDate) -> bool {
        (from.year()..=to.year()).all(|y| self.covers(y))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// The 2026 National Day arrangement used in the tests: Oct 1–7 off (Oct 8 too in the
    /// official notice is not needed here), make-up workdays Sep 20 (Sun) and Oct 10 (Sat).
    fn calendar_2026() -> Calendar {
        let mut rows: Vec<(NaiveDate, DayKind)> =
            (1..=7).map(|day| (NaiveDate::from_ymd_opt(2026, 10, day).unwrap(), DayKind::Holiday)).collect();
        rows.push((d("2026-09-20"), DayKind::Workday));
        rows.push((d("2026-10-10"), DayKind::Workday));
        Calendar::new(rows)
    }

    #[test]
    fn day_kind_vocabulary() {
        assert_string_enum!(DayKind, "invalid_day_kind");
    }

    #[test]
    fn weekdays_and_weekends() {
        let c = Calendar::default();
        assert!(c.is_working_day(d("2026-11-27"))); // Friday
        assert!(!c.is_working_day(d("2026-11-28"))); // Saturday
        assert!(!c.is_working_day(d("2026-11-29"))); // Sunday
        assert!(c.is_working_day(d("2026-11-30"))); // Monday
    }

    #[test]
    fn zero_days_is_the_same_day() {
        assert_eq!(Calendar::default().add_working_days(d("2026-11-28"), 0), d("2026-11-28"));
    }

    #[test]
    fn across_a_weekend() {
        let c = Calendar::default();
        // Friday + 1 = Monday; Friday + 7 = the Tuesday after next.
        assert_eq!(c.add_working_days(d("2026-11-27"), 1), d("2026-11-30"));
        assert_eq!(c.add_working_days(d("2026-11-27"), 7), d("2026-12-08"));
        // Saturday + 1 = Monday.
        assert_eq!(c.add_working_days(d("2026-11-28"), 1), d("2026-11-30"));
    }

    #[test]
    fn across_national_day() {
        let c = calendar_2026();
        assert!(c.covers(2026));
        assert!(!c.covers(2027));
        assert!(!c.is_working_day(d("2026-10-01")));
        assert!(c.is_working_day(d("2026-09-20"))); // Sunday, 调休
        assert!(c.is_working_day(d("2026-10-10"))); // Saturday, 调休
                                                    // Tue 29 Sep: 30 Sep (1), Oct 1–7 off, 8 (2), 9 (3), 10 Sat workday (4), 11 Sun off,
                                                    // 12 (5), 13 (6), 14 (7).
        assert_eq!(c.add_working_days(d("2026-09-29"), 7), d("2026-10-14"));
        assert_eq!(c.add_working_days(d("2026-09-29"), 4), d("2026-10-10"));
        // Sat 19 Sep: Sun 20 Sep is a make-up workday.
        assert_eq!(c.add_working_days(d("2026-09-19"), 1), d("2026-09-20"));
        // Without the arrangement the same count would end a week earlier.
        assert_eq!(Calendar::default().add_working_days(d("2026-09-29"), 7), d("2026-10-08"));
    }

    #[test]
    fn across_a_leap_day() {
        let c = Calendar::default();
        // Thu 2028-02-24 + 3 = Tue 29 Feb (the 26th and 27th are a weekend).
        assert_eq!(c.add_working_days(d("2028-02-24"), 3), d("2028-02-29"));
        assert_eq!(c.add_working_days(d("2028-02-28"), 2), d("2028-03-01"));
    }

    #[test]
    fn coverage_of_a_span() {
        let c = calendar_2026();
        assert!(c.covers_span(d("2026-01-01"), d("2026-12-31")));
        assert!(!c.covers_span(d("2026-12-30"), d("2027-01-05")));
    }

    #[test]
    fn saturates_at_the_end_of_time() {
        assert_eq!(Calendar::default().add_working_days(NaiveDate::MAX, 1), NaiveDate::MAX);
    }
}
