//! Part-time safety manager equivalence (豫安委〔2017〕17号 九(三); 安全生产法 第二十四条).
//!
//! 安全生产法 第二十四条 requires mines, metal smelting, building construction, road transport units
//! and units producing, trading or storing dangerous goods to have a safety department or full-time
//! safety staff, and every other unit with more than 100 employees likewise; a smaller unit may have
//! part-time staff instead. 九(三) lets such a small enterprise that retains a service agency or a
//! registered safety engineer long-term be deemed to have part-time safety management staff. The
//! platform reads "long-term" as an engagement of at least `LongTermRetentionMonths` (12) calendar
//! months that covers the day asked about; both figures come from the rule book.
//!
//! Dates are CST calendar dates and an engagement's term includes its first and last day. "N months
//! after `d`" is chrono's `checked_add_months`, which keeps the day of month and falls back to the
//! month's last day (2024-02-29 + 12 months = 2025-02-28).

use chrono::{Days, Months, NaiveDate};

use crate::organization::Sector;
use crate::vocabulary::string_enum;

/// Citation of the equivalence.
pub const CLAUSE: &str = "豫安委〔2017〕17号 九(三); 安全生产法 第二十四条";

string_enum! {
    /// Why an enterprise is or is not deemed to have part-time safety management staff
    /// (豫安委〔2017〕17号 九(三)).
    pub enum Reason ("equivalence reason", "invalid_equivalence_reason") {
        /// Deemed: a long-term engagement with a provider covers the day.
        RetainsProviderLongTerm = "retains_provider_long_term",
        /// Its sector must have a safety department or full-time staff (安全生产法 第二十四条).
        SectorRequiresFullTimeStaff = "sector_requires_full_time_staff",
        /// It has more employees than part-time staff may serve.
        MoreThanMaxEmployees = "more_than_max_employees",
        /// Its sector is not recorded, so the sector rule cannot be ruled out.
        SectorUnknown = "sector_unknown",
        /// Its number of employees is not recorded, so the size rule cannot be ruled out.
        EmployeeCountUnknown = "employee_count_unknown",
        /// Small enough, but no engagement of the required length covers the day.
        NoLongTermRetention = "no_long_term_retention",
    }
}

impl Reason {
    /// One English sentence explaining the answer.
    pub fn explanation(self) -> &'static str {
        match self {
            Reason::RetainsProviderLongTerm => {
                "The enterprise retains a service provider under a long-term engagement covering the date, so it is \
                 deemed to have part-time safety management staff."
            }
            Reason::SectorRequiresFullTimeStaff => {
                "The enterprise's sector must have a safety department or full-time safety staff, so retaining a \
                 provider does not take their place."
            }
            Reason::MoreThanMaxEmployees => {
                "The enterprise has more employees than the limit for part-time safety staff, so it must have a \
                 safety department or full-time safety staff."
            }
            Reason::SectorUnknown => {
                "The enterprise's sector is not recorded, so it cannot be deemed to have part-time safety staff."
            }
            Reason::EmployeeCountUnknown => {
                "The enterprise's number of employees is not recorded, so it cannot be deemed to have part-time \
                 safety staff."
            }
            Reason::NoLongTermRetention => {
                "No engagement with a service provider of the required length covers the date."
            }
        }
    }
}

/// The answer for one enterprise on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assessment {
    /// Whether it is deemed to have part-time safety management staff.
    pub deemed: bool,
    /// Why.
    pub reason: Reason,
    /// When deemed: the index, in the retentions given, of the engagement that counts.
    pub retention: Option<usize>,
}

/// Whether units of `sector` must have a safety department or full-time safety staff whatever
/// their size (安全生产法 第二十四条: 矿山、金属冶炼、建筑施工、运输单位 and units producing, trading
/// or storing dangerous goods — here also hazardous chemicals, fireworks and civil explosives).
pub fn requires_full_time_staff(sector: Sector) -> bool {
    matches!(
        sector,
        Sector::Mining
            | Sector::MetalSmelting
            | Sector::Construction
            | Sector::RoadTransport
            | Sector::Transportation
            | Sector::DangerousGoods
            | Sector::HazardousChemicals
            | Sector::Fireworks
            | Sector::CivilExplosives
    )
}

/// Whether an engagement from `starts_on` to `ends_on` (both included) lasts at least
/// `min_months` calendar months: the day after it ends is no earlier than `starts_on` plus
/// `min_months` months (豫安委〔2017〕17号 九(三), 长期). A date beyond the calendar is never reached.
pub fn is_long_term(starts_on: NaiveDate, ends_on: NaiveDate, min_months: u32) -> bool {
    match (ends_on.checked_add_days(Days::new(1)), starts_on.checked_add_months(Months::new(min_months))) {
        (Some(after_end), Some(needed)) => after_end >= needed,
        // The term runs to the end of the calendar: long enough unless the months cannot be added.
        (None, Some(_)) => true,
        (_, None) => false,
    }
}

/// Whether an engagement from `starts_on` to `ends_on` retains its provider long-term on `on`
/// (豫安委〔2017〕17号 九(三)): the term covers `on` and [`is_long_term`].
pub fn retains_on(starts_on: NaiveDate, ends_on: NaiveDate, on: NaiveDate, min_months: u32) -> bool {
    starts_on <= on && on <= ends_on && is_long_term(starts_on, ends_on, min_months)
}

/// Whether an enterprise is deemed on `on` to have part-time safety management staff because it
/// retains a provider long-term (豫安委〔2017〕17号 九(三); 安全生产法 第二十四条).
///
/// In order: a sector that must have full-time staff is never deemed; nor is an enterprise with
/// more than `max_employees` employees (`PartTimeSafetyMaxEmployees`, 100 — exactly 100 may); an
/// unrecorded sector or size cannot be deemed; otherwise it is deemed when one of `retentions`
/// (each `(starts_on, ends_on)`, both included) [`retains_on`] `on` for `min_months`
/// (`LongTermRetentionMonths`, 12). The first such retention is named.
pub fn assess(
    sector: Option<Sector>,
    employee_count: Option<u32>,
    retentions: &[(NaiveDate, NaiveDate)],
    on: NaiveDate,
    max_employees: u32,
    min_months: u32,
) -> Assessment {
    let refuse = |reason| Assessment { deemed: false, reason, retention: None };
    match sector {
        Some(sector) if requires_full_time_staff(sector) => return refuse(Reason::SectorRequiresFullTimeStaff),
        Some(_) => {}
        None => return refuse(Reason::SectorUnknown),
    }
    match employee_count {
        None => return refuse(Reason::EmployeeCountUnknown),
        Some(count) if count > max_employees => return refuse(Reason::MoreThanMaxEmployees),
        Some(_) => {}
    }
    match retentions.iter().position(|&(starts_on, ends_on)| retains_on(starts_on, ends_on, on, min_months)) {
        Some(index) => Assessment { deemed: true, reason: Reason::RetainsProviderLongTerm, retention: Some(index) },
        None => refuse(Reason::NoLongTermRetention),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn term(starts_on: &str, ends_on: &str) -> (NaiveDate, NaiveDate) {
        (date(starts_on), date(ends_on))
    }

    #[test]
    fn reasons_round_trip() {
        assert_string_enum!(Reason, "invalid_equivalence_reason");
        assert_eq!(Reason::ALL.len(), 6);
        for reason in Reason::ALL {
            assert!(reason.explanation().ends_with('.'));
        }
    }

    #[test]
    fn exactly_twelve_months_is_long_term_and_one_day_short_is_not() {
        assert!(is_long_term(date("2025-01-01"), date("2025-12-31"), 12));
        assert!(!is_long_term(date("2025-01-01"), date("2025-12-30"), 12));
        assert!(is_long_term(date("2025-03-15"), date("2026-03-14"), 12));
        assert!(!is_long_term(date("2025-03-15"), date("2026-03-13"), 12));
        assert!(is_long_term(date("2025-03-15"), date("2030-03-13"), 12));
        // Zero months: any term counts, a one-day one included.
        assert!(is_long_term(date("2025-03-15"), date("2025-03-15"), 0));
    }

    #[test]
    fn a_leap_day_start_counts_twelve_months_to_the_end_of_february() {
        // 2024-02-29 + 12 months = 2025-02-28, so the term may end on 2025-02-27.
        assert!(is_long_term(date("2024-02-29"), date("2025-02-27"), 12));
        assert!(!is_long_term(date("2024-02-29"), date("2025-02-26"), 12));
        // Ending on the last day of the calendar is long enough.
        assert!(is_long_term(NaiveDate::MAX - Days::new(400), NaiveDate::MAX, 12));
        // Months that cannot be added are never reached.
        assert!(!is_long_term(NaiveDate::MAX - Days::new(10), NaiveDate::MAX, 12));
    }

    #[test]
    fn the_term_covers_its_first_and_last_day_only() {
        let (starts_on, ends_on) = term("2025-01-01", "2025-12-31");
        assert!(!retains_on(starts_on, ends_on, date("2024-12-31"), 12));
        assert!(retains_on(starts_on, ends_on, date("2025-01-01"), 12));
        assert!(retains_on(starts_on, ends_on, date("2025-12-31"), 12));
        assert!(!retains_on(starts_on, ends_on, date("2026-01-01"), 12));
    }

    #[test]
    fn one_hundred_employees_may_be_deemed_and_one_hundred_and_one_may_not() {
        let retentions = [term("2025-01-01", "2025-12-31")];
        let on = date("2025-06-30");
        let hundred = assess(Some(Sector::Other), Some(100), &retentions, on, 100, 12);
        assert_eq!(hundred, Assessment { deemed: true, reason: Reason::RetainsProviderLongTerm, retention: Some(0) });
        let more = assess(Some(Sector::Other), Some(101), &retentions, on, 100, 12);
        assert_eq!(more, Assessment { deemed: false, reason: Reason::MoreThanMaxEmployees, retention: None });
        assert!(assess(Some(Sector::Other), Some(0), &retentions, on, 100, 12).deemed);
        // The limit comes from the rule book.
        assert!(assess(Some(Sector::Other), Some(101), &retentions, on, 101, 12).deemed);
    }

    #[test]
    fn sectors_that_need_full_time_staff_are_never_deemed() {
        let retentions = [term("2025-01-01", "2025-12-31")];
        let on = date("2025-06-30");
        let full_time: Vec<&str> =
            Sector::ALL.iter().filter(|&&s| requires_full_time_staff(s)).map(|s| s.as_str()).collect();
        assert_eq!(
            full_time,
            [
                "mining",
                "hazardous_chemicals",
                "fireworks",
                "transportation",
                "construction",
                "civil_explosives",
                "metal_smelting",
                "dangerous_goods",
                "road_transport"
            ]
        );
        for &sector in Sector::ALL {
            let assessment = assess(Some(sector), Some(10), &retentions, on, 100, 12);
            if requires_full_time_staff(sector) {
                assert_eq!(assessment.reason, Reason::SectorRequiresFullTimeStaff, "{sector}");
                assert!(!assessment.deemed);
            } else {
                assert_eq!(assessment.reason, Reason::RetainsProviderLongTerm, "{sector}");
            }
        }
        // The sector decides before the size.
        assert_eq!(
            assess(Some(Sector::Mining), Some(1000), &retentions, on, 100, 12).reason,
            Reason::SectorRequiresFullTimeStaff
        );
    }

    #[test]
    fn unknown_sector_or_size_is_not_deemed() {
        let retentions = [term("2025-01-01", "2025-12-31")];
        let on = date("2025-06-30");
        assert_eq!(assess(None, Some(10), &retentions, on, 100, 12).reason, Reason::SectorUnknown);
        assert_eq!(assess(Some(Sector::Other), None, &retentions, on, 100, 12).reason, Reason::EmployeeCountUnknown);
    }

    #[test]
    fn the_retention_must_cover_the_day_and_be_long_enough() {
        let short = term("2025-01-01", "2025-12-30");
        let long = term("2025-02-01", "2026-01-31");
        let assess_on = |retentions: &[(NaiveDate, NaiveDate)], on: &str| {
            assess(Some(Sector::Fishery), Some(5), retentions, date(on), 100, 12)
        };
        assert_eq!(assess_on(&[], "2025-06-30").reason, Reason::NoLongTermRetention);
        assert_eq!(assess_on(&[short], "2025-06-30").reason, Reason::NoLongTermRetention);
        assert_eq!(assess_on(&[short, long], "2025-06-30").retention, Some(1));
        assert_eq!(assess_on(&[short, long], "2025-01-31").reason, Reason::NoLongTermRetention);
        assert_eq!(assess_on(&[short, long], "2025-02-01").retention, Some(1));
        assert_eq!(assess_on(&[short, long], "2026-01-31").retention, Some(1));
        assert_eq!(assess_on(&[short, long], "2026-02-01").reason, Reason::NoLongTermRetention);
        assert_eq!(assess_on(&[long, long], "2025-06-30").retention, Some(0));
    }
}
