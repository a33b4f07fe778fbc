//! Regional indicators of the safety-service system (豫安委〔2017〕17号 九(四)): what each figure
//! counts, over which dates, and how a province's figures are the sum of its parts.
//!
//! 九(四) asks every region to make the safety-service work part of its yearly target
//! responsibility assessment (纳入年度安全生产目标责任制考核). The platform supports that with
//! yearly figures per supervising unit (a prefecture city, 济源 or a province-managed county; see
//! [`crate::region::RegionInfo`]) and for the province, each computed from the stored data.
//!
//! # The arithmetic, once
//!
//! - **Attribution.** Every counted object belongs to exactly one supervising unit: the
//!   supervisor of the region of the organisation it is about (for a cross-region notice: of the
//!   region whose regulator received it). Objects whose supervising unit is the province itself
//!   (an organisation registered at 410000) belong to no unit and are counted in the explicit
//!   `unattributed` part, so that the province equals the sum of its parts.
//! - **Summation.** A province's counts, numerators, denominators and fen are the sums of its
//!   parts' ([`UnitCounts::checked_add`]); its ratios are recomputed from those sums, never
//!   averaged. The prevention levy is rounded once per insurer and year (docs/decisions/0003) and
//!   the rounded levies are summed, so a unit's levy is exactly the sum of its insurers' and the
//!   province's exactly the sum of its units'.
//! - **Ratios** are integer basis points rounded half up ([`ratio_bp`]), as pass rates are
//!   (docs/decisions/0011). A zero denominator has no value (`None`, JSON `null`), never 0.
//! - **Dates.** A year is a China Standard Time calendar year. Its figures are cut at
//!   [`Period::as_of`]: 31 December for a year that is over, today (CST) for the current year.
//!   Flows count what is dated from 1 January to the cut; stocks are taken on the cut date.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use thiserror::Error;

use crate::insurance::levy;
use crate::money::{BasisPoints, Fen};
use crate::rules::Applied;
use crate::sanctions::criticism_listed_until;

/// The clause the indicators serve.
pub const CLAUSE: &str = "豫安委〔2017〕17号 九(四)";

/// The first year with figures: the policy dates from 2017-11-08.
pub const FIRST_YEAR: i32 = 2017;

/// 100% in basis points.
const FULL_BP: u128 = 10_000;

/// Why indicators cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum IndicatorError {
    /// The year is before [`FIRST_YEAR`] or after the current year (CST).
    #[error("year {year} is not between {first} and {last}")]
    YearOutOfRange {
        /// The requested year.
        year: i32,
        /// [`FIRST_YEAR`].
        first: i32,
        /// The current year.
        last: i32,
    },
    /// A sum left the range of `u64` counts or `i64` fen.
    #[error("the figures are out of range")]
    Overflow,
}

impl IndicatorError {
    /// Stable machine code: `invalid_year` or `amount_overflow`.
    pub fn code(&self) -> &'static str {
        match self {
            IndicatorError::YearOutOfRange { .. } => "invalid_year",
            IndicatorError::Overflow => "amount_overflow",
        }
    }
}

crate::validation::impl_coded!(IndicatorError);

/// The dates one year's figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    /// The CST calendar year.
    pub year: i32,
    /// 1 January of the year.
    pub first_day: NaiveDate,
    /// The cut: 31 December for a year that is over, else today (CST). Flows count what is dated
    /// `first_day..=as_of`; stocks (policies, registrations, listings and sanctions in force) are
    /// taken on `as_of`.
    pub as_of: NaiveDate,
    /// `first_day` 00:00 CST as a UTC instant: instants are counted from here (inclusive).
    pub start: DateTime<Utc>,
    /// The day after `as_of`, 00:00 CST, as a UTC instant: instants are counted before here
    /// (exclusive).
    pub end: DateTime<Utc>,
    /// Whether the year was over on the day asked (its flows are final): a year before today's.
    pub complete: bool,
}

impl Period {
    /// The figures of `year` as they stand on `today` (CST). The year runs from [`FIRST_YEAR`]
    /// to `today`'s year, both included; a later or earlier year is
    /// [`IndicatorError::YearOutOfRange`].
    pub fn new(year: i32, today: NaiveDate) -> Result<Period, IndicatorError> {
        let out_of_range = || IndicatorError::YearOutOfRange { year, first: FIRST_YEAR, last: today.year() };
        if !(FIRST_YEAR..=today.year()).contains(&year) {
            return Err(out_of_range());
        }
        let first_day = NaiveDate::from_ymd_opt(year, 1, 1).ok_or_else(out_of_range)?;
        let last_day = NaiveDate::from_ymd_opt(year, 12, 31).ok_or_else(out_of_range)?;
        let as_of = last_day.min(today);
        let start = cst_midnight(first_day).ok_or_else(out_of_range)?;
        let end = as_of.checked_add_days(Days::new(1)).and_then(cst_midnight).ok_or_else(out_of_range)?;
        Ok(Period { year, first_day, as_of, start, end, complete: year < today.year() })
    }
}

/// 00:00 CST of `day` as a UTC instant.
fn cst_midnight(day: NaiveDate) -> Option<DateTime<Utc>> {
    day.and_hms_opt(0, 0, 0)?.and_local_timezone(crate::time::cst()).single().map(|t| t.with_timezone(&Utc))
}

/// `numerator / denominator` in basis points (10,000 = 100%), rounded half up, exactly in
/// integers: 1 of 3 is 3,333, 2 of 3 is 6,667, 1 of 8 is 1,250, 1 of 16 (625.0) is 625, 1 of
/// 32 (312.5) is 313. `None` when the denominator is 0: a region with nothing to count has no
/// rate, which is not the same as a rate of 0. A numerator above the denominator gives more than
/// 10,000 (prevention spending may exceed the year's levy from earlier years' balance).
pub fn ratio_bp(numerator: u64, denominator: u64) -> Option<u64> {
    if denominator == 0 {
        return None;
    }
    let (n, d) = (u128::from(numerator), u128::from(denominator));
    u64::try_from((2 * n * FULL_BP + d) / (2 * d)).ok()
}

/// `spent / owed` in basis points by [`ratio_bp`]; `None` when nothing is owed (a levy of 0 or
/// less, after refunds) or when `spent` is negative, since neither is a share.
pub fn fen_ratio_bp(spent: Fen, owed: Fen) -> Option<u64> {
    let spent = u64::try_from(spent.value()).ok()?;
    let owed = u64::try_from(owed.value()).ok().filter(|&o| o > 0)?;
    ratio_bp(spent, owed)
}

/// The earliest decision date of a public criticism (通报批评) still listed as in force on
/// `as_of` (豫安委〔2017〕17号 八(一); see [`crate::sanctions::in_force`]): a criticism decided
/// on `d` is in force on `as_of` exactly when `since <= d <= as_of`. Lets a database count
/// criticisms in force with one comparison while the 12-month rule stays in
/// [`criticism_listed_until`].
pub fn criticism_listed_since(as_of: NaiveDate) -> NaiveDate {
    // `criticism_listed_until` is non-decreasing in the decision date, so the answer is the first
    // date from a few days before "as_of minus 12 months" whose listing reaches `as_of`.
    let Some(mut day) = as_of.checked_sub_months(Months::new(12)).and_then(|d| d.checked_sub_days(Days::new(4))) else {
        return NaiveDate::MIN;
    };
    for _ in 0..40 {
        if criticism_listed_until(day) >= as_of {
            return day;
        }
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    day
}

/// A share: how many of `denominator` qualify.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Share {
    /// Those that qualify (a subset of the denominator).
    pub numerator: u64,
    /// Those counted.
    pub denominator: u64,
}

impl Share {
    fn checked_add(self, other: Share) -> Result<Share, IndicatorError> {
        Ok(Share {
            numerator: add_count(self.numerator, other.numerator)?,
            denominator: add_count(self.denominator, other.denominator)?,
        })
    }
}

fn add_count(a: u64, b: u64) -> Result<u64, IndicatorError> {
    a.checked_add(b).ok_or(IndicatorError::Overflow)
}

fn add_fen(a: Fen, b: Fen) -> Result<Fen, IndicatorError> {
    a.checked_add(b).map_err(|_| IndicatorError::Overflow)
}

/// What the database counted for one supervising unit (or a sum of units) in one [`Period`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct UnitCounts {
    /// High-risk enterprises (not revoked) and those with a policy in force on the cut.
    pub insured: Share,
    /// Each insurer's net premium of the year (received `first_day..=as_of`), one entry per
    /// insurer with postings: the levy is rounded per insurer.
    pub insurer_net_premiums: Vec<Fen>,
    /// Prevention-fund expenditures of the year by the unit's insurers.
    pub prevention_spent: Fen,
    /// Technical service agencies (not revoked) and those with a published report on the year.
    pub annual_reports: Share,
    /// Organisations the engineer rule names (not revoked) and those with a registration in
    /// force on the cut.
    pub staffing: Share,
    /// Exam sittings at the unit's training institutions and those passed.
    pub exams: Share,
    /// Blacklist listings made in the year.
    pub blacklist_listed: u64,
    /// Parties (organisations) on the blacklist on the cut.
    pub blacklist_in_force: u64,
    /// Sanctions decided in the year.
    pub sanctions_decided: u64,
    /// Sanctions in force on the cut.
    pub sanctions_in_force: u64,
    /// Spot-check targets drawn in the year and those with findings recorded by the cut.
    pub spot_checks: Share,
    /// Cross-region notices received in the year.
    pub notices_received: u64,
    /// Of those, notices flagged because a planned on-site date was too early.
    pub notices_flagged: u64,
}

impl UnitCounts {
    /// `self + other`, field by field; the insurers' premiums are concatenated, since an insurer
    /// belongs to one unit only.
    pub fn checked_add(&self, other: &UnitCounts) -> Result<UnitCounts, IndicatorError> {
        let mut premiums = Vec::with_capacity(self.insurer_net_premiums.len() + other.insurer_net_premiums.len());
        premiums.extend_from_slice(&self.insurer_net_premiums);
        premiums.extend_from_slice(&other.insurer_net_premiums);
        Ok(UnitCounts {
            insured: self.insured.checked_add(other.insured)?,
            insurer_net_premiums: premiums,
            prevention_spent: add_fen(self.prevention_spent, other.prevention_spent)?,
            annual_reports: self.annual_reports.checked_add(other.annual_reports)?,
            staffing: self.staffing.checked_add(other.staffing)?,
            exams: self.exams.checked_add(other.exams)?,
            blacklist_listed: add_count(self.blacklist_listed, other.blacklist_listed)?,
            blacklist_in_force: add_count(self.blacklist_in_force, other.blacklist_in_force)?,
            sanctions_decided: add_count(self.sanctions_decided, other.sanctions_decided)?,
            sanctions_in_force: add_count(self.sanctions_in_force, other.sanctions_in_force)?,
            spot_checks: self.spot_checks.checked_add(other.spot_checks)?,
            notices_received: add_count(self.notices_received, other.notices_received)?,
            notices_flagged: add_count(self.notices_flagged, other.notices_flagged)?,
        })
    }
}

/// The sum of `parts` (see the module documentation).
pub fn sum<'a>(parts: impl IntoIterator<Item = &'a UnitCounts>) -> Result<UnitCounts, IndicatorError> {
    parts.into_iter().try_fold(UnitCounts::default(), |total, part| total.checked_add(part))
}

/// Splits per-unit counts into the listed `units` (in their order, zeros where nothing was
/// counted) and the unattributed rest: counts keyed by anything not in `units` (in practice the
/// province itself, 410000). The parts and the rest together hold every count exactly once.
pub fn split<K: Ord + Clone>(
    units: &[K],
    mut counts: std::collections::BTreeMap<K, UnitCounts>,
) -> Result<(Vec<(K, UnitCounts)>, UnitCounts), IndicatorError> {
    let parts = units.iter().map(|unit| (unit.clone(), counts.remove(unit).unwrap_or_default())).collect();
    let rest = sum(counts.values())?;
    Ok((parts, rest))
}

/// A ratio figure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RatioFigure {
    pub numerator: u64,
    pub denominator: u64,
    /// [`ratio_bp`]; `None` when the denominator is 0.
    pub value_bp: Option<u64>,
    /// What was counted, the date cut and the rule.
    pub computation: String,
}

/// A count figure.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CountFigure {
    pub count: u64,
    /// What was counted, the date cut and the rule.
    pub computation: String,
}

/// The prevention levy owed and spent (豫安委〔2017〕17号 三(二)).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LevyFigure {
    /// Insurers with premium postings in the year.
    pub insurers: u64,
    /// Net premium income of those insurers in the year (refunds reduce it).
    pub net_premium: Fen,
    /// The levy share applied and its rule version; `None` if no version was in force.
    pub rate: Option<Applied<BasisPoints>>,
    /// Σ per insurer of the levy on its yearly net premium: the denominator.
    pub owed: Fen,
    /// Prevention-fund expenditures dated in the year: the numerator.
    pub spent: Fen,
    /// `spent / owed` by [`fen_ratio_bp`].
    pub value_bp: Option<u64>,
    /// What was counted, the date cut and the rule.
    pub computation: String,
}

/// Every figure of one unit, or of a sum of units.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Figures {
    pub high_risk_insured: RatioFigure,
    pub prevention_levy: LevyFigure,
    pub annual_reports_published: RatioFigure,
    pub staffing_compliant: RatioFigure,
    pub training_passed: RatioFigure,
    pub blacklist_listed: CountFigure,
    pub blacklist_in_force: CountFigure,
    pub sanctions_decided: CountFigure,
    pub sanctions_in_force: CountFigure,
    pub spot_checks_completed: RatioFigure,
    pub cross_region_notices_received: CountFigure,
    pub cross_region_notices_flagged: CountFigure,
}

fn ratio(share: Share, computation: String) -> RatioFigure {
    RatioFigure {
        numerator: share.numerator,
        denominator: share.denominator,
        value_bp: ratio_bp(share.numerator, share.denominator),
        computation,
    }
}

fn count(count: u64, computation: String) -> CountFigure {
    CountFigure { count, computation }
}

const ROUNDING: &str = "in basis points rounded half up; no value when the denominator is 0";

/// The figures of `counts` for `period`, with the prevention levy share `rate` in force for the
/// year (`None` when no version was in force: nothing is owed). Fails only on overflow.
pub fn figures(
    counts: &UnitCounts,
    period: &Period,
    rate: Option<&Applied<BasisPoints>>,
) -> Result<Figures, IndicatorError> {
    let (first, cut, year) = (period.first_day, period.as_of, period.year);
    let flow = format!("dated {first} to {cut} (CST)");
    let mut owed = Fen::ZERO;
    let mut net_premium = Fen::ZERO;
    for &net in &counts.insurer_net_premiums {
        net_premium = add_fen(net_premium, net)?;
        if let Some(rate) = rate {
            owed = add_fen(owed, levy(net, rate.value).map_err(|_| IndicatorError::Overflow)?)?;
        }
    }
    let levy_rule = match rate {
        Some(rate) => format!("{} bp ({})", rate.value.value(), rate.version),
        None => "no levy rule in force for the year, so nothing is owed".to_owned(),
    };
    Ok(Figures {
        high_risk_insured: ratio(
            counts.insured,
            format!(
                "Denominator: enterprises of the eight high-risk sectors (mining, hazardous chemicals, fireworks, \
                 transportation, construction, civil explosives, metal smelting, fishery) located in the region, not \
                 revoked. Numerator: those with a liability-insurance policy in force on {cut} (start and end dates \
                 inclusive). Share {ROUNDING}. 豫安委〔2017〕17号 三(一)."
            ),
        ),
        prevention_levy: LevyFigure {
            insurers: u64::try_from(counts.insurer_net_premiums.len()).map_err(|_| IndicatorError::Overflow)?,
            net_premium,
            rate: rate.cloned(),
            owed,
            spent: counts.prevention_spent,
            value_bp: fen_ratio_bp(counts.prevention_spent, owed),
            computation: format!(
                "Insurers located in the region. Denominator (owed_fen): for each insurer, the levy share {levy_rule} \
                 of its net premium income received {first} to {cut} (CST days; refunds reduce it), rounded half away \
                 from zero to the fen once per insurer (docs/decisions/0003), then summed. Numerator (spent_fen): their \
                 prevention-fund expenditures {flow}. Spent share {ROUNDING} or when nothing is owed; it can exceed \
                 10,000 when earlier years' balance is spent. 豫安委〔2017〕17号 三(二)."
            ),
        },
        annual_reports_published: ratio(
            counts.annual_reports,
            format!(
                "Denominator: technical service agencies located in the region, not revoked. Numerator: those whose \
                 annual performance report on {year} is published (a year's report can be published only after the \
                 year ends, so the current year's numerator is 0). Share {ROUNDING}. 豫安委〔2017〕17号 二(三)."
            ),
        ),
        staffing_compliant: ratio(
            counts.staffing,
            format!(
                "Denominator: organisations located in the region that must employ registered safety engineers \
                 (technical service agencies; enterprises producing or storing dangerous goods, hazardous chemicals, \
                 fireworks or civil explosives, mines and metal smelting units), not revoked. Numerator: those \
                 employing at least one engineer whose registration is in force on {cut}. Share {ROUNDING}. \
                 豫安委〔2017〕17号 四(一)."
            ),
        ),
        training_passed: ratio(
            counts.exams,
            format!(
                "Denominator: exam sittings {flow} at training institutions located in the region (a candidate who \
                 sat twice counts twice). Numerator: sittings passed. Pass rate {ROUNDING}. 豫安委〔2017〕17号 五(一)."
            ),
        ),
        blacklist_listed: count(
            counts.blacklist_listed,
            format!(
                "Blacklist listings {flow} (listing date) of organisations located in the region. \
                 豫安委〔2017〕17号 八(三); 应急管理部令第11号."
            ),
        ),
        blacklist_in_force: count(
            counts.blacklist_in_force,
            format!(
                "Organisations located in the region on the blacklist on {cut}: listed on or before it, term not \
                 ended and not removed early by then. 豫安委〔2017〕17号 八(三); 应急管理部令第11号."
            ),
        ),
        sanctions_decided: count(
            counts.sanctions_decided,
            format!(
                "Sanctions (rectification orders, public criticisms, service suspensions, revocations) decided {flow} \
                 against organisations located in the region. 豫安委〔2017〕17号 八(一)."
            ),
        ),
        sanctions_in_force: count(
            counts.sanctions_in_force,
            format!(
                "Sanctions against organisations located in the region in force on {cut}: rectification orders not \
                 complied with by then, public criticisms within 12 months of the decision, service suspensions whose \
                 period covers the date, revocations decided by then. 豫安委〔2017〕17号 八(一)."
            ),
        ),
        spot_checks_completed: ratio(
            counts.spot_checks,
            format!(
                "Denominator: spot-check targets located in the region drawn from {first} 00:00 to the end of {cut} \
                 (CST), whichever regulator drew them. Numerator: those whose findings were recorded by the end of \
                 {cut}. Share {ROUNDING}. 豫安委〔2017〕17号 八(二)."
            ),
        ),
        cross_region_notices_received: count(
            counts.notices_received,
            format!(
                "Cross-region service notices addressed to the regulator of the region (the enterprise's location), \
                 notified {flow}. 豫安委〔2017〕17号 二(一)."
            ),
        ),
        cross_region_notices_flagged: count(
            counts.notices_flagged,
            format!(
                "Of the notices received {flow}, those flagged because a planned on-site date came before the \
                 notice lead time in working days. 豫安委〔2017〕17号 二(一)."
            ),
        ),
    })
}

/// How a province's figures relate to its parts, for the response.
pub const SUMMATION: &str = "The province's counts, numerators, denominators and fen are the sums of the parts' \
     (every supervising unit, then the unattributed part: objects registered at the province level, 410000, which no \
     prefecture-level unit supervises). Its ratios are recomputed from those sums, never averaged. 豫安委〔2017〕17号 九(四).";

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::sanctions::{in_force, Sanction, SanctionKind};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ten_percent() -> Applied<BasisPoints> {
        Applied { value: BasisPoints::new(1_000), version: "prevention_fund_share_bp@2017-11-08".into() }
    }

    #[test]
    fn ratios_round_half_up_and_zero_denominators_have_no_value() {
        assert_eq!(ratio_bp(0, 0), None);
        assert_eq!(ratio_bp(5, 0), None);
        assert_eq!(ratio_bp(0, 7), Some(0));
        assert_eq!(ratio_bp(7, 7), Some(10_000));
        assert_eq!(ratio_bp(1, 3), Some(3_333));
        assert_eq!(ratio_bp(2, 3), Some(6_667));
        assert_eq!(ratio_bp(1, 32), Some(313), "312.5 rounds up");
        assert_eq!(ratio_bp(1, 16), Some(625));
        assert_eq!(ratio_bp(1, 20_001), Some(0), "0.49995 rounds down");
        assert_eq!(ratio_bp(1, 20_000), Some(1), "0.5 rounds up");
        assert_eq!(ratio_bp(3, 2), Some(15_000));
        assert_eq!(ratio_bp(u64::MAX, u64::MAX), Some(10_000));
        assert_eq!(ratio_bp(u64::MAX, 1), None, "beyond u64");
    }

    #[test]
    fn spent_share_needs_a_positive_levy() {
        assert_eq!(fen_ratio_bp(Fen::new(50), Fen::new(100)), Some(5_000));
        assert_eq!(fen_ratio_bp(Fen::new(0), Fen::new(100)), Some(0));
        assert_eq!(fen_ratio_bp(Fen::new(150), Fen::new(100)), Some(15_000));
        assert_eq!(fen_ratio_bp(Fen::new(50), Fen::ZERO), None);
        assert_eq!(fen_ratio_bp(Fen::new(50), Fen::new(-3)), None);
        assert_eq!(fen_ratio_bp(Fen::new(-1), Fen::new(100)), None);
    }

    #[test]
    fn a_past_year_is_cut_on_31_december_in_cst() {
        let period = Period::new(2025, date(2026, 11, 29)).unwrap();
        assert_eq!(period.first_day, date(2025, 1, 1));
        assert_eq!(period.as_of, date(2025, 12, 31));
        assert!(period.complete);
        assert_eq!(period.start, utc("2024-12-31T16:00:00Z"));
        assert_eq!(period.end, utc("2025-12-31T16:00:00Z"));
        // 2025-12-31T23:30+08:00 is inside 2025; 2026-01-01T00:00+08:00 is not.
        let late = utc("2025-12-31T23:30:00+08:00");
        assert!(period.start <= late && late < period.end);
        assert!(utc("2026-01-01T00:00:00+08:00") >= period.end);
        assert!(utc("2025-01-01T00:00:00+08:00") >= period.start);
        assert!(utc("2024-12-31T23:59:59+08:00") < period.start);
    }

    #[test]
    fn the_current_year_is_cut_today() {
        let period = Period::new(2026, date(2026, 11, 29)).unwrap();
        assert_eq!(period.as_of, date(2026, 11, 29));
        assert!(!period.complete);
        assert_eq!(period.end, utc("2026-11-29T16:00:00Z"));
        // On its last day the year is cut on 31 December but is not over yet.
        let last_day = Period::new(2026, date(2026, 12, 31)).unwrap();
        assert_eq!((last_day.as_of, last_day.complete), (date(2026, 12, 31), false));
        assert!(Period::new(2026, date(2027, 1, 1)).unwrap().complete);
        // On 1 January the new year has one day.
        let new_year = Period::new(2027, date(2027, 1, 1)).unwrap();
        assert_eq!((new_year.first_day, new_year.as_of), (date(2027, 1, 1), date(2027, 1, 1)));
        assert_eq!(new_year.end - new_year.start, chrono::Duration::days(1));
    }

    #[test]
    fn years_outside_the_policy_and_the_future_are_refused() {
        let today = date(2026, 11, 29);
        for year in [2016, 2027, 0, -1, i32::MAX, i32::MIN] {
            let error = Period::new(year, today).unwrap_err();
            assert_eq!(error, IndicatorError::YearOutOfRange { year, first: 2017, last: 2026 });
            assert_eq!(error.code(), "invalid_year");
        }
        assert!(Period::new(2017, today).is_ok());
    }

    #[test]
    fn criticism_threshold_matches_the_sanction_rule() {
        let criticism = |decided_on| Sanction {
            kind: SanctionKind::PublicCriticism,
            decided_on,
            deadline: None,
            complied_on: None,
            from: None,
            to: None,
        };
        let mut as_of = date(2023, 1, 1);
        while as_of <= date(2029, 3, 31) {
            let since = criticism_listed_since(as_of);
            assert!(criticism_listed_until(since) >= as_of, "{as_of}");
            assert!(criticism_listed_until(since.pred_opt().unwrap()) < as_of, "{as_of}");
            // Around the threshold and the cut, one comparison agrees with the rule.
            for offset in -3..=3_i64 {
                for base in [since, as_of] {
                    let decided = base + chrono::Duration::days(offset);
                    let expected = in_force(&criticism(decided), as_of);
                    assert_eq!(since <= decided && decided <= as_of, expected, "{as_of} {decided}");
                }
            }
            as_of = as_of.succ_opt().unwrap();
        }
        assert_eq!(criticism_listed_since(date(2026, 3, 14)), date(2025, 3, 15));
        assert_eq!(criticism_listed_since(NaiveDate::MIN), NaiveDate::MIN);
    }

    fn unit(insured: (u64, u64), premiums: &[i64], spent: i64, notices: u64) -> UnitCounts {
        UnitCounts {
            insured: Share { numerator: insured.0, denominator: insured.1 },
            insurer_net_premiums: premiums.iter().copied().map(Fen::new).collect(),
            prevention_spent: Fen::new(spent),
            notices_received: notices,
            ..UnitCounts::default()
        }
    }

    #[test]
    fn the_province_is_the_sum_of_its_parts() {
        let mut counts = BTreeMap::new();
        counts.insert("410100", unit((1, 2), &[15], 1, 3));
        counts.insert("410200", unit((2, 2), &[15, 5], 0, 1));
        counts.insert("410000", unit((0, 1), &[25], 2, 0));
        let (parts, rest) = split(&["410100", "410200", "410300"], counts).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2], ("410300", UnitCounts::default()));
        assert_eq!(rest, unit((0, 1), &[25], 2, 0));
        let province = sum(parts.iter().map(|(_, c)| c).chain([&rest])).unwrap();
        assert_eq!(province.insured, Share { numerator: 3, denominator: 5 });
        assert_eq!(province.notices_received, 4);
        let period = Period::new(2025, date(2026, 1, 5)).unwrap();
        let rate = ten_percent();
        let figures = figures(&province, &period, Some(&rate)).unwrap();
        assert_eq!(figures.high_risk_insured.value_bp, Some(6_000));
        // Rounded per insurer: 1.5 → 2, 1.5 → 2, 0.5 → 1, 2.5 → 3; not 10% of 60 = 6.
        assert_eq!(figures.prevention_levy.owed, Fen::new(8));
        assert_eq!(figures.prevention_levy.net_premium, Fen::new(60));
        assert_eq!(figures.prevention_levy.insurers, 4);
        assert_eq!(figures.prevention_levy.spent, Fen::new(3));
        assert_eq!(figures.prevention_levy.value_bp, Some(3_750));
        let part_owed: i64 = parts
            .iter()
            .map(|(_, c)| c)
            .chain([&rest])
            .map(|c| super::figures(c, &period, Some(&rate)).unwrap().prevention_levy.owed.value())
            .sum();
        assert_eq!(part_owed, 8);
    }

    #[test]
    fn zero_denominators_give_no_value() {
        let period = Period::new(2025, date(2026, 1, 5)).unwrap();
        let figures = figures(&UnitCounts::default(), &period, Some(&ten_percent())).unwrap();
        for figure in [
            &figures.high_risk_insured,
            &figures.annual_reports_published,
            &figures.staffing_compliant,
            &figures.training_passed,
            &figures.spot_checks_completed,
        ] {
            assert_eq!((figure.numerator, figure.denominator, figure.value_bp), (0, 0, None));
            assert!(figure.computation.contains("2025-12-31") || figure.computation.contains("2025"));
        }
        assert_eq!(figures.prevention_levy.value_bp, None);
        assert_eq!(figures.prevention_levy.owed, Fen::ZERO);
        assert_eq!(figures.blacklist_listed.count, 0);
    }

    #[test]
    fn without_a_levy_rule_nothing_is_owed() {
        let period = Period::new(2025, date(2026, 1, 5)).unwrap();
        let figures = figures(&unit((0, 0), &[1_000], 10, 0), &period, None).unwrap();
        assert_eq!(figures.prevention_levy.owed, Fen::ZERO);
        assert_eq!(figures.prevention_levy.net_premium, Fen::new(1_000));
        assert_eq!(figures.prevention_levy.value_bp, None);
        assert!(figures.prevention_levy.computation.contains("no levy rule"));
    }

    #[test]
    fn refunds_reduce_the_levy_and_a_negative_levy_has_no_share() {
        let period = Period::new(2025, date(2026, 1, 5)).unwrap();
        let figures = figures(&unit((0, 0), &[-55], 10, 0), &period, Some(&ten_percent())).unwrap();
        assert_eq!(figures.prevention_levy.owed, Fen::new(-6));
        assert_eq!(figures.prevention_levy.value_bp, None);
    }

    #[test]
    fn sums_overflow_as_errors() {
        let big = UnitCounts { blacklist_listed: u64::MAX, ..UnitCounts::default() };
        let one = UnitCounts { blacklist_listed: 1, ..UnitCounts::default() };
        assert_eq!(sum([&big, &one]), Err(IndicatorError::Overflow));
        let rich = UnitCounts { prevention_spent: Fen::new(i64::MAX), ..UnitCounts::default() };
        let more = UnitCounts { prevention_spent: Fen::new(1), ..UnitCounts::default() };
        assert_eq!(rich.checked_add(&more).unwrap_err().code(), "amount_overflow");
    }
}
