//! Small-enterprise subsidy programmes (豫安委〔2017〕17号 九(三)).
//!
//! DOMAIN.md ("Policy and organisation — 九"): the platform serves "enterprises, especially small
//! ones". A regulator's programme pays a share of small or micro enterprises' service contracts,
//! high-risk sectors first, up to a cap per enterprise, and never more than its budget. Whether an
//! enterprise qualifies, how it is prioritised and how much it gets are decided here; the budget
//! reservation itself is a conditional database update (it must be race-free), not a rule.

use chrono::NaiveDate;
use thiserror::Error;

use crate::money::{share_of, BasisPoints, Fen, MoneyError};
use crate::organization::Sector;
use crate::region::{jurisdiction_covers, RegionCode, RegionInfo};
use crate::vocabulary::string_enum;

/// Citation of subsidies for small enterprises' service purchases.
pub const CLAUSE: &str = "豫安委〔2017〕17号 九(三)";

string_enum! {
    /// The order in which applications are considered (九(三)): enterprises in the high-risk
    /// sectors of 三(一) first. Declaration order is the order of consideration.
    pub enum Priority ("subsidy priority", "invalid_subsidy_priority") {
        /// The enterprise's sector is one of the eight high-risk sectors (三(一)).
        HighRisk = "high_risk",
        /// Any other sector, or none recorded.
        Standard = "standard",
    }
}

string_enum! {
    /// Where a subsidy application stands.
    pub enum ApplicationStatus ("application status", "invalid_application_status") {
        /// Awaiting a regulator's decision; no budget reserved.
        Pending = "pending",
        /// Budget reserved for the amount.
        Approved = "approved",
        /// Refused; nothing reserved.
        Rejected = "rejected",
    }
}

/// Why an application is not possible or not approvable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum SubsidyError {
    /// The enterprise is not located in the programme's region.
    #[error("the enterprise is not located in the programme's region")]
    OutsideRegion,
    /// The registry does not record the enterprise's headcount, so its size cannot be judged.
    #[error("the enterprise's employee count is not recorded")]
    EmployeeCountUnknown,
    /// More employees than the programme's small-enterprise limit.
    #[error("the enterprise has {count} employees; the programme is for at most {max}")]
    TooManyEmployees {
        /// Recorded headcount.
        count: i32,
        /// The programme's limit.
        max: i32,
    },
    /// The engagement was signed outside the programme's period.
    #[error("the engagement was signed on {signed_on}, outside the programme period {opens_on} to {closes_on}")]
    OutsidePeriod {
        /// Signing date.
        signed_on: NaiveDate,
        /// First day of the programme.
        opens_on: NaiveDate,
        /// Last day of the programme, inclusive.
        closes_on: NaiveDate,
    },
    /// The share of the contract fee rounds to nothing.
    #[error("the programme's share of the contract fee is zero")]
    NothingToSubsidise,
    /// The enterprise has already been granted its cap (or the amount would exceed it).
    #[error("the enterprise's cap of {cap} fen is reached ({already} fen already approved)")]
    CapReached {
        /// The cap per enterprise, in fen.
        cap: i64,
        /// What is already approved, in fen.
        already: i64,
    },
    /// The amounts do not fit in fen.
    #[error("amount is out of range")]
    Overflow,
}

impl SubsidyError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            SubsidyError::OutsideRegion => "outside_programme_region",
            SubsidyError::EmployeeCountUnknown => "employee_count_unknown",
            SubsidyError::TooManyEmployees { .. } => "not_small_enterprise",
            SubsidyError::OutsidePeriod { .. } => "outside_programme_period",
            SubsidyError::NothingToSubsidise => "nothing_to_subsidise",
            SubsidyError::CapReached { .. } => "enterprise_cap_reached",
            SubsidyError::Overflow => "amount_overflow",
        }
    }
}

crate::validation::impl_coded!(SubsidyError);

impl From<MoneyError> for SubsidyError {
    fn from(_: MoneyError) -> Self {
        SubsidyError::Overflow
    }
}

/// Whether an enterprise may apply to a programme (豫安委〔2017〕17号 九(三): small enterprises of
/// the programme's region). The region counts as a regulator's jurisdiction does: a city's
/// programme covers its districts and counties but not the province-managed counties (see
/// [`jurisdiction_covers`]); the province's covers everyone. Small means at most
/// `max_employees` employees, inclusive; an unrecorded headcount cannot be judged and is refused.
pub fn eligibility(
    employee_count: Option<i32>,
    max_employees: i32,
    enterprise_region: &RegionInfo,
    programme_region: &RegionCode,
) -> Result<(), SubsidyError> {
    if !jurisdiction_covers(programme_region, enterprise_region) {
        return Err(SubsidyError::OutsideRegion);
    }
    match employee_count {
        None => Err(SubsidyError::EmployeeCountUnknown),
        Some(count) if count > max_employees => Err(SubsidyError::TooManyEmployees { count, max: max_employees }),
        Some(_) => Ok(()),
    }
}

/// Whether an engagement signed on `signed_on` falls in the programme's period, both ends
/// included (九(三)).
pub fn signed_within(signed_on: NaiveDate, opens_on: NaiveDate, closes_on: NaiveDate) -> Result<(), SubsidyError> {
    if opens_on <= signed_on && signed_on <= closes_on {
        Ok(())
    } else {
        Err(SubsidyError::OutsidePeriod { signed_on, opens_on, closes_on })
    }
}

/// Where an application queues (九(三): high-risk sectors first): the eight sectors of 三(一)
/// ([`Sector::is_high_risk`]) are [`Priority::HighRisk`]; anything else, or no recorded sector,
/// [`Priority::Standard`].
pub fn priority(sector: Option<Sector>) -> Priority {
    match sector {
        Some(sector) if sector.is_high_risk() => Priority::HighRisk,
        _ => Priority::Standard,
    }
}

/// The subsidy for one contract (九(三)): the programme's share of the contract fee, rounded by
/// the platform's one rule ([`share_of`]: nearest fen, halves away from zero), and no more than
/// what remains of the enterprise's cap after `already` (amounts already approved for it in this
/// programme). A cap already used up is [`SubsidyError::CapReached`]; a share that rounds to zero
/// fen is [`SubsidyError::NothingToSubsidise`].
pub fn amount(contract_fee: Fen, share: BasisPoints, cap: Fen, already: Fen) -> Result<Fen, SubsidyError> {
    let remaining = cap.checked_sub(already)?;
    if remaining.value() <= 0 {
        return Err(SubsidyError::CapReached { cap: cap.value(), already: already.value() });
    }
    let share = share_of(contract_fee, share)?;
    let amount = share.min(remaining);
    if amount.value() <= 0 {
        return Err(SubsidyError::NothingToSubsidise);
    }
    Ok(amount)
}

/// Whether approving `amount` keeps the enterprise within its cap (九(三)), given what is already
/// approved for it in the programme: `already + amount <= cap`, equality allowed.
pub fn within_cap(already: Fen, amount: Fen, cap: Fen) -> Result<(), SubsidyError> {
    if already.checked_add(amount)? <= cap {
        Ok(())
    } else {
        Err(SubsidyError::CapReached { cap: cap.value(), already: already.value() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).expect("region")
    }

    fn region(code_: &str, supervisor: &str) -> RegionInfo {
        RegionInfo { code: code(code_), supervisor: code(supervisor) }
    }

    fn fen(v: i64) -> Fen {
        Fen::new(v)
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn names_round_trip() {
        assert_string_enum!(Priority, "invalid_subsidy_priority");
        assert_string_enum!(ApplicationStatus, "invalid_application_status");
        assert!(Priority::HighRisk < Priority::Standard);
    }

    #[test]
    fn small_means_at_most_the_limit() {
        let zhengzhou = code("410100");
        let district = region("410102", "410100");
        assert_eq!(eligibility(Some(100), 100, &district, &zhengzhou), Ok(()));
        assert_eq!(eligibility(Some(0), 100, &district, &zhengzhou), Ok(()));
        assert_eq!(
            eligibility(Some(101), 100, &district, &zhengzhou),
            Err(SubsidyError::TooManyEmployees { count: 101, max: 100 })
        );
        assert_eq!(
            eligibility(Some(i32::MAX), 1, &district, &zhengzhou),
            Err(SubsidyError::TooManyEmployees { count: i32::MAX, max: 1 })
        );
        assert_eq!(eligibility(None, 100, &district, &zhengzhou), Err(SubsidyError::EmployeeCountUnknown));
        assert_eq!(SubsidyError::EmployeeCountUnknown.code(), "employee_count_unknown");
        assert_eq!(SubsidyError::TooManyEmployees { count: 1, max: 0 }.code(), "not_small_enterprise");
    }

    #[test]
    fn the_region_counts_as_a_jurisdiction() {
        let zhengzhou = code("410100");
        assert_eq!(eligibility(Some(10), 100, &region("410100", "410100"), &zhengzhou), Ok(()));
        assert_eq!(eligibility(Some(10), 100, &region("410102", "410100"), &zhengzhou), Ok(()));
        // 巩义 is province-managed: not in 郑州's programme, but in the province's.
        let gongyi = region("410181", "410181");
        assert_eq!(eligibility(Some(10), 100, &gongyi, &zhengzhou), Err(SubsidyError::OutsideRegion));
        assert_eq!(eligibility(Some(10), 100, &gongyi, &RegionCode::province()), Ok(()));
        assert_eq!(
            eligibility(Some(10), 100, &region("410302", "410300"), &zhengzhou),
            Err(SubsidyError::OutsideRegion)
        );
        // The region is checked first: an unknown headcount elsewhere is still "outside".
        assert_eq!(eligibility(None, 100, &gongyi, &zhengzhou), Err(SubsidyError::OutsideRegion));
        assert_eq!(SubsidyError::OutsideRegion.code(), "outside_programme_region");
    }

    #[test]
    fn the_period_includes_both_ends() {
        let (opens, closes) = (day("2026-01-01"), day("2026-12-31"));
        assert!(signed_within(day("2025-12-31"), opens, closes).is_err());
        assert_eq!(signed_within(day("2026-01-01"), opens, closes), Ok(()));
        assert_eq!(signed_within(day("2026-12-31"), opens, closes), Ok(()));
        let late = signed_within(day("2027-01-01"), opens, closes).unwrap_err();
        assert_eq!(late.code(), "outside_programme_period");
        assert_eq!(signed_within(day("2026-05-05"), day("2026-05-05"), day("2026-05-05")), Ok(()));
    }

    #[test]
    fn high_risk_sectors_first() {
        assert_eq!(priority(Some(Sector::Mining)), Priority::HighRisk);
        assert_eq!(priority(Some(Sector::Fishery)), Priority::HighRisk);
        assert_eq!(priority(Some(Sector::DangerousGoods)), Priority::Standard);
        assert_eq!(priority(Some(Sector::Other)), Priority::Standard);
        assert_eq!(priority(None), Priority::Standard);
        for &sector in Sector::ALL {
            assert_eq!(priority(Some(sector)) == Priority::HighRisk, sector.is_high_risk());
        }
    }

    #[test]
    fn the_amount_is_the_share_up_to_the_cap() {
        let half = BasisPoints::new(5000);
        assert_eq!(amount(fen(100_000), half, fen(1_000_000), fen(0)), Ok(fen(50_000)));
        // Rounded by share_of: 50 % of 3 fen = 1.5 → 2 fen; 1 bp of 49 fen → 0.
        assert_eq!(amount(fen(3), half, fen(10), fen(0)), Ok(fen(2)));
        assert_eq!(amount(fen(49), BasisPoints::new(1), fen(10), fen(0)), Err(SubsidyError::NothingToSubsidise));
        assert_eq!(amount(fen(5000), BasisPoints::new(1), fen(10), fen(0)), Ok(fen(1))); // 0.5 → 1
        assert_eq!(amount(fen(4999), BasisPoints::new(1), fen(10), fen(0)), Err(SubsidyError::NothingToSubsidise));
        assert_eq!(amount(fen(0), half, fen(10), fen(0)), Err(SubsidyError::NothingToSubsidise));
        assert_eq!(SubsidyError::NothingToSubsidise.code(), "nothing_to_subsidise");
    }

    #[test]
    fn the_cap_bounds_the_amount() {
        let full = BasisPoints::new(10_000);
        // Remaining cap exactly the share, one fen less, and one fen left.
        assert_eq!(amount(fen(30_000), full, fen(100_000), fen(70_000)), Ok(fen(30_000)));
        assert_eq!(amount(fen(30_000), full, fen(100_000), fen(70_001)), Ok(fen(29_999)));
        assert_eq!(amount(fen(30_000), full, fen(100_000), fen(99_999)), Ok(fen(1)));
        assert_eq!(
            amount(fen(30_000), full, fen(100_000), fen(100_000)),
            Err(SubsidyError::CapReached { cap: 100_000, already: 100_000 })
        );
        assert_eq!(
            amount(fen(30_000), full, fen(100_000), fen(100_001)),
            Err(SubsidyError::CapReached { cap: 100_000, already: 100_001 })
        );
        assert_eq!(SubsidyError::CapReached { cap: 1, already: 1 }.code(), "enterprise_cap_reached");
    }

    #[test]
    fn the_largest_amounts_do_not_overflow() {
        let full = BasisPoints::new(10_000);
        assert_eq!(amount(fen(i64::MAX), full, fen(i64::MAX), fen(0)), Ok(fen(i64::MAX)));
        assert_eq!(amount(fen(i64::MAX), BasisPoints::new(1), fen(i64::MAX), fen(0)), Ok(fen(922_337_203_685_478)));
        assert_eq!(amount(fen(i64::MAX), full, fen(1), fen(0)), Ok(fen(1)));
        assert_eq!(amount(fen(1), full, fen(i64::MAX), fen(i64::MAX - 1)), Ok(fen(1)));
        // A cap minus a negative "already" that leaves the i64 range is an error, not a wrap.
        assert_eq!(amount(fen(1), full, fen(i64::MAX), fen(-1)), Err(SubsidyError::Overflow));
        assert_eq!(SubsidyError::Overflow.code(), "amount_overflow");
    }

    #[test]
    fn approval_keeps_within_the_cap() {
        assert_eq!(within_cap(fen(0), fen(100), fen(100)), Ok(()));
        assert_eq!(within_cap(fen(60), fen(40), fen(100)), Ok(()));
        assert_eq!(within_cap(fen(60), fen(41), fen(100)), Err(SubsidyError::CapReached { cap: 100, already: 60 }));
        assert_eq!(within_cap(fen(0), fen(i64::MAX), fen(i64::MAX)), Ok(()));
        assert_eq!(within_cap(fen(1), fen(i64::MAX), fen(i64::MAX)), Err(SubsidyError::Overflow));
    }
}
