//! Work safety liability insurance (安全生产责任保险): who must insure, minimum cover, policy
//! periods, floating premium rates and the accident prevention fund (豫安委〔2017〕17号 三).
//!
//! DOMAIN.md ("Liability insurance — 三"): insurance is mandatory in eight high-risk sectors
//! (三(一)); each insurer draws a share of its premium income into an earmarked prevention fund
//! (三(二)); premiums float with the enterprise's accident record and credit (三(三)). Values that
//! change over time (the minimum cover, the levy share and its cap) come from the [`RuleBook`]
//! ("Effective-dated rule parameters"), and every figure computed here names the rule or rate
//! version that produced it. All money goes through [`share_of`], the platform's one rounding
//! rule.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::money::{share_of, BasisPoints, Fen, MoneyError};
use crate::organization::Sector;
use crate::rules::{Applied, RuleBook, RuleError, RuleParameter};
use crate::vocabulary::string_enum;

/// Basis points in 100%.
const FULL_BP: i64 = 10_000;

string_enum! {
    /// Grade of a production safety accident (生产安全事故等级, 《生产安全事故报告和调查处理条例》
    /// 第三条). The grade of the worst recent accident decides the surcharge of
    /// 豫安委〔2017〕17号 三(三).
    pub enum AccidentGrade ("accident grade", "invalid_accident_grade") {
        /// 一般事故.
        General = "general",
        /// 较大事故.
        Larger = "larger",
        /// 重大事故.
        Major = "major",
        /// 特别重大事故.
        EspeciallyMajor = "especially_major",
    }
}

impl AccidentGrade {
    /// 1 (一般) to 4 (特别重大); a higher number is a more severe accident.
    pub fn severity(self) -> u8 {
        match self {
            AccidentGrade::General => 1,
            AccidentGrade::Larger => 2,
            AccidentGrade::Major => 3,
            AccidentGrade::EspeciallyMajor => 4,
        }
    }

    /// The rate factor an accident of this grade triggers (三(三)).
    fn rate_factor(self) -> RateFactor {
        match self {
            AccidentGrade::General => RateFactor::AccidentGeneral,
            AccidentGrade::Larger => RateFactor::AccidentLarger,
            AccidentGrade::Major => RateFactor::AccidentMajor,
            AccidentGrade::EspeciallyMajor => RateFactor::AccidentEspeciallyMajor,
        }
    }
}

string_enum! {
    /// What the accident prevention fund may be spent on. 豫安委〔2017〕17号 三(二) earmarks the
    /// fund for prevention only; these are the uses it names, and nothing else.
    pub enum ExpenditureCategory ("expenditure category", "invalid_expenditure_category") {
        /// 宣传教育: safety publicity and education.
        PublicityEducation = "publicity_education",
        /// 聘请专家: hiring experts for safety inspections.
        ExpertInspection = "expert_inspection",
        /// 隐患排查: hidden-hazard investigation.
        HazardInvestigation = "hazard_investigation",
        /// 标准化建设: work-safety standardisation.
        Standardization = "standardization",
        /// 应急演练: emergency drills.
        EmergencyDrill = "emergency_drill",
        /// 事故预防技术: accident prevention technology.
        PreventionTechnology = "prevention_technology",
    }
}

string_enum! {
    /// A reason to adjust a liability-insurance premium up or down (差别费率、浮动费率,
    /// 豫安委〔2017〕17号 三(三)). The adjustment of each factor is per-province configuration
    /// (a [`RateTable`]).
    pub enum RateFactor ("rate factor", "invalid_rate_factor") {
        /// No accident in the last year (e.g. −10%).
        NoAccidentLastYear = "no_accident_last_year",
        /// Worst accident in the last year was 一般 (e.g. +10%).
        AccidentGeneral = "accident_general",
        /// Worst accident in the last year was 较大 (e.g. +20%).
        AccidentLarger = "accident_larger",
        /// Worst accident in the last year was 重大 (e.g. +30%).
        AccidentMajor = "accident_major",
        /// Worst accident in the last year was 特别重大.
        AccidentEspeciallyMajor = "accident_especially_major",
        /// The enterprise is on the blacklist (八(三); e.g. +10%).
        Blacklisted = "blacklisted",
    }
}

/// Whether an enterprise in `sector` must carry work safety liability insurance: the eight
/// high-risk sectors of 豫安委〔2017〕17号 三(一) (矿山、危险化学品、烟花爆竹、交通运输、建筑施工、
/// 民用爆炸物品、金属冶炼、渔业生产); see [`Sector::is_high_risk`].
pub fn insurance_mandatory(sector: Sector) -> bool {
    sector.is_high_risk()
}

/// A policy's death/disability cover per person that the rule does not accept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum CoverError {
    /// The cover is zero or negative.
    #[error("cover per person must be positive")]
    NotPositive,
    /// The cover is below the minimum in force on the policy's start date.
    #[error("cover per person is below the minimum of {minimum} yuan ({version}, {clause})")]
    BelowMinimum {
        /// The minimum cover per person.
        minimum: Fen,
        /// Label of the rule version that set it, e.g. `min_cover_per_person_fen@2025-03-29`.
        version: String,
        /// The clause that version cites.
        clause: String,
    },
    /// The rule book could not answer (a wrongly typed rule; not expected with a valid book).
    #[error(transparent)]
    Rule(#[from] RuleError),
}

impl CoverError {
    /// Stable machine code: `invalid_amount`, `cover_below_minimum`, or the rule error's code.
    pub fn code(&self) -> &'static str {
        match self {
            CoverError::NotPositive => "invalid_amount",
            CoverError::BelowMinimum { .. } => "cover_below_minimum",
            CoverError::Rule(error) => error.code(),
        }
    }
}

/// Checks a policy's death/disability cover per person against the national minimum
/// (豫安委〔2017〕17号 三(一); rule parameter `min_cover_per_person_fen`: 300,000 yuan from
/// 2018-01-01, 400,000 yuan from 2025-03-29 under 应急〔2025〕27号).
///
/// The minimum in force on the policy's **start date** applies for the whole policy: a policy
/// that started on 2025-03-28 with 300,000 yuan stays compliant. Cover exactly at the minimum is
/// enough. Returns the label of the rule version that applied, or `None` when no minimum was in
/// force on that date (before 2018-01-01); cover must still be positive then.
pub fn check_minimum_cover(
    book: &RuleBook,
    start_date: NaiveDate,
    cover_per_person: Fen,
) -> Result<Option<String>, CoverError> {
    if cover_per_person.value() <= 0 {
        return Err(CoverError::NotPositive);
    }
    let parameter = RuleParameter::MinCoverPerPersonFen;
    let minimum = match book.fen(parameter, start_date) {
        Ok(applied) => applied,
        Err(RuleError::NotInForce { .. }) => return Ok(None),
        Err(other) => return Err(other.into()),
    };
    if cover_per_person >= minimum.value {
        return Ok(Some(minimum.version));
    }
    let clause = book
        .in_force(start_date)
        .into_iter()
        .find(|v| v.parameter == parameter)
        .map_or_else(|| parameter.clause().to_owned(), |v| v.clause.clone());
    Err(CoverError::BelowMinimum { minimum: minimum.value, version: minimum.version, clause })
}

/// A policy period that cannot exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum PeriodError {
    /// The last day of cover is before the first.
    #[error("policy end {end} is before its start {start}")]
    EndBeforeStart {
        /// First day of cover.
        start: NaiveDate,
        /// Last day of cover.
        end: NaiveDate,
    },
}

impl PeriodError {
    /// Stable machine code: `invalid_period`.
    pub fn code(&self) -> &'static str {
        match self {
            PeriodError::EndBeforeStart { .. } => "invalid_period",
        }
    }
}

/// Checks a policy period given as first and last day of cover, both inclusive (CST calendar
/// dates). `end == start` is a valid one-day policy. Whether an enterprise is covered on a date
/// (豫安委〔2017〕17号 三(一)) is decided by [`in_force`] over such periods.
pub fn check_policy_period(start: NaiveDate, end: NaiveDate) -> Result<(), PeriodError> {
    if end < start {
        return Err(PeriodError::EndBeforeStart { start, end });
    }
    Ok(())
}

/// Whether a policy covering `start..=end` (both days inclusive) is in force on `on`
/// (豫安委〔2017〕17号 三(一): the platform tells whether an enterprise is covered on a date).
/// A policy ending 2025-06-30 does not cover 2025-07-01; one starting 2025-07-01 does.
pub fn in_force(start: NaiveDate, end: NaiveDate, on: NaiveDate) -> bool {
    start <= on && on <= end
}

/// A premium adjustment that cannot be applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum AdjustmentError {
    /// Below −10,000 bp (a premium cannot fall below zero), or a total that does not fit `i32`.
    #[error("premium adjustment {adjustment_bp} bp is out of range (at least -10000 bp)")]
    OutOfRange {
        /// The adjustment asked for, in basis points.
        adjustment_bp: i64,
    },
    /// The adjusted premium does not fit in `i64` fen.
    #[error(transparent)]
    Money(#[from] MoneyError),
}

impl AdjustmentError {
    /// Stable machine code: `invalid_adjustment` or `amount_overflow`.
    pub fn code(&self) -> &'static str {
        match self {
            AdjustmentError::OutOfRange { .. } => "invalid_adjustment",
            AdjustmentError::Money(error) => error.code(),
        }
    }
}

/// A floating premium (豫安委〔2017〕17号 三(三)): `base × (10,000 + adjustment_bp) / 10,000`.
///
/// The product is taken by [`share_of`] (exact `i128` arithmetic, rounded to the nearest fen with
/// halves away from zero), so −10% of 5 fen is 4.5 → 5 fen. −10,000 bp (−100%) gives zero; below
/// that is [`AdjustmentError::OutOfRange`]. There is no upper bound on a surcharge other than the
/// result fitting in `i64` fen.
pub fn apply_adjustment(base: Fen, adjustment_bp: i32) -> Result<Fen, AdjustmentError> {
    let factor = i64::from(adjustment_bp) + FULL_BP;
    // At most i32::MAX + 10,000 < u32::MAX, so it fits in u32 exactly when it is non-negative,
    // that is when the adjustment is at least −10,000 bp.
    let factor =
        u32::try_from(factor).map_err(|_| AdjustmentError::OutOfRange { adjustment_bp: adjustment_bp.into() })?;
    Ok(share_of(base, BasisPoints::new(factor))?)
}

/// One province's adjustment for one rate factor over one period (豫安委〔2017〕17号 三(三)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateFactorVersion {
    /// Which factor.
    pub factor: RateFactor,
    /// Adjustment in basis points: −1,000 is −10%, +3,000 is +30%.
    pub adjustment_bp: i32,
    /// First day on which the adjustment applies.
    pub effective_from: NaiveDate,
    /// Last day on which it applies, inclusive; `None` while open-ended.
    pub effective_to: Option<NaiveDate>,
    /// The document the adjustment comes from.
    pub source: String,
}

impl RateFactorVersion {
    /// `{factor}@{effective_from}`, e.g. `accident_general@2020-01-01`.
    pub fn version_label(&self) -> String {
        format!("{}@{}", self.factor, self.effective_from)
    }

    /// Whether the version applies on `on`.
    pub fn is_in_force(&self, on: NaiveDate) -> bool {
        self.effective_from <= on && self.effective_to.is_none_or(|to| on <= to)
    }
}

/// Why a set of rate factor versions cannot form a [`RateTable`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum RateTableError {
    /// Two versions of the same factor apply on a common day.
    #[error("rate factor versions {first} and {second} overlap")]
    Overlap {
        /// Label of the earlier version.
        first: String,
        /// Label of the later version.
        second: String,
    },
    /// `effective_to` is before `effective_from`.
    #[error("rate factor version {version}: effective_to is before effective_from")]
    InvalidPeriod {
        /// Label of the offending version.
        version: String,
    },
    /// No source cited: every adjustment must be explainable.
    #[error("rate factor version {version}: source is empty")]
    MissingSource {
        /// Label of the offending version.
        version: String,
    },
}

impl RateTableError {
    /// Stable machine code: `rate_table_overlap`, `invalid_period` or `rate_source_missing`.
    pub fn code(&self) -> &'static str {
        match self {
            RateTableError::Overlap { .. } => "rate_table_overlap",
            RateTableError::InvalidPeriod { .. } => "invalid_period",
            RateTableError::MissingSource { .. } => "rate_source_missing",
        }
    }
}

/// A province's floating-rate table (豫安委〔2017〕17号 三(三); DOMAIN.md: "The table is
/// per-province configuration"): for each factor, at most one adjustment on any date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateTable {
    province: String,
    /// Sorted by factor, then `effective_from`.
    versions: Vec<RateFactorVersion>,
}

impl RateTable {
    /// Checks and indexes `versions`: each period well formed and citing a source, and no two
    /// versions of one factor overlapping. Gaps are allowed (a factor in a gap is not applied).
    pub fn new(province: String, mut versions: Vec<RateFactorVersion>) -> Result<Self, RateTableError> {
        for version in &versions {
            if version.effective_to.is_some_and(|to| to < version.effective_from) {
                return Err(RateTableError::InvalidPeriod { version: version.version_label() });
            }
            if version.source.trim().is_empty() {
                return Err(RateTableError::MissingSource { version: version.version_label() });
            }
        }
        versions.sort_by_key(|v| (v.factor, v.effective_from));
        // Sorted by start, two periods of one factor overlap only if some adjacent pair does.
        for pair in versions.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            if earlier.factor == later.factor && earlier.effective_to.is_none_or(|to| to >= later.effective_from) {
                return Err(RateTableError::Overlap { first: earlier.version_label(), second: later.version_label() });
            }
        }
        Ok(Self { province, versions })
    }

    /// The province the table belongs to.
    pub fn province(&self) -> &str {
        &self.province
    }

    /// Every version, sorted by factor and then `effective_from`.
    pub fn versions(&self) -> &[RateFactorVersion] {
        &self.versions
    }

    /// The version of `factor` in force on `on`, if any.
    pub fn version_in_force(&self, factor: RateFactor, on: NaiveDate) -> Option<&RateFactorVersion> {
        self.versions.iter().find(|v| v.factor == factor && v.is_in_force(on))
    }

    /// `{province}-rate-table@{date}`, where the date is the latest `effective_from` among the
    /// versions in force on `on`: it changes exactly when some factor's adjustment changes.
    /// `{province}-rate-table@none` when no factor is in force on `on`.
    pub fn version_label(&self, on: NaiveDate) -> String {
        match self.versions.iter().filter(|v| v.is_in_force(on)).map(|v| v.effective_from).max() {
            Some(from) => format!("{}-rate-table@{from}", self.province),
            None => format!("{}-rate-table@none", self.province),
        }
    }
}

/// An accident of the insured enterprise, as far as rating needs it (三(三)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccidentRecord {
    /// CST calendar date of the accident.
    pub occurred_on: NaiveDate,
    /// Its grade.
    pub grade: AccidentGrade,
}

/// One factor that adjusted a quote.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct AppliedFactor {
    /// Which factor.
    pub factor: RateFactor,
    /// Its adjustment on the quote date, in basis points.
    pub adjustment_bp: i32,
    /// [`RateFactorVersion::version_label`] of the version applied, `{factor}@{effective_from}`.
    pub version: String,
    /// Date of the accident that triggered the factor; `None` for the no-accident and blacklist
    /// factors.
    pub evidence: Option<NaiveDate>,
}

/// A premium quote with its explanation (三(三)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Quote {
    /// The base premium.
    pub base: Fen,
    /// The factors applied, accident record first, then blacklist.
    pub factors: Vec<AppliedFactor>,
    /// Sum of the applied factors' adjustments.
    pub total_adjustment_bp: i32,
    /// `apply_adjustment(base, total_adjustment_bp)`.
    pub charged: Fen,
    /// [`RateTable::version_label`] on the quote date.
    pub table_version: String,
    /// Factors that apply to the enterprise but have no version in force on the quote date; they
    /// are not applied, and are reported so the gap in the table is visible.
    pub missing_factors: Vec<RateFactor>,
}

/// A quote that cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum QuoteError {
    /// The total adjustment is out of range, or the charged premium overflows.
    #[error(transparent)]
    Adjustment(#[from] AdjustmentError),
}

impl QuoteError {
    /// Stable machine code of the underlying error: `invalid_adjustment` or `amount_overflow`.
    pub fn code(&self) -> &'static str {
        match self {
            QuoteError::Adjustment(error) => error.code(),
        }
    }
}

/// Quotes a floating premium on date `on` (豫安委〔2017〕17号 三(三): premium = base premium × risk
/// adjustment by accident record and credit).
///
/// *Accidents in the last year* are those with `on − 1 year < occurred_on <= on`, where
/// `on − 1 year` is `on.checked_sub_months(12)` (month ends clamp: a year before 2024-02-29 is
/// 2023-02-28). The day exactly a year before does **not** count: quoted on 2025-06-30, an
/// accident on 2024-07-01 counts and one on 2024-06-30 does not. Accidents after `on` are
/// ignored.
///
/// Factors: with no accident in the last year, `no_accident_last_year`; otherwise the one factor
/// of the most severe grade among them (not one per accident), with the most recent accident of
/// that grade as evidence. Then `blacklisted` when `blacklisted` is true. A factor with no
/// version in force on `on` is not applied and is listed in [`Quote::missing_factors`].
pub fn quote(
    table: &RateTable,
    base: Fen,
    on: NaiveDate,
    accidents: &[AccidentRecord],
    blacklisted: bool,
) -> Result<Quote, QuoteError> {
    let window_start = on.checked_sub_months(Months::new(12));
    let worst = accidents
        .iter()
        .filter(|a| a.occurred_on <= on && window_start.is_none_or(|start| start < a.occurred_on))
        .max_by_key(|a| (a.grade.severity(), a.occurred_on));
    let mut wanted = vec![match worst {
        None => (RateFactor::NoAccidentLastYear, None),
        Some(accident) => (accident.grade.rate_factor(), Some(accident.occurred_on)),
    }];
    if blacklisted {
        wanted.push((RateFactor::Blacklisted, None));
    }

    let mut factors = Vec::new();
    let mut missing_factors = Vec::new();
    // At most two i32 terms: the sum cannot overflow i64.
    let mut total: i64 = 0;
    for (factor, evidence) in wanted {
        match table.version_in_force(factor, on) {
            Some(version) => {
                total += i64::from(version.adjustment_bp);
                factors.push(AppliedFactor {
                    factor,
                    adjustment_bp: version.adjustment_bp,
                    version: version.version_label(),
                    evidence,
                });
            }
            None => missing_factors.push(factor),
        }
    }
    let total_adjustment_bp = i32::try_from(total).map_err(|_| AdjustmentError::OutOfRange { adjustment_bp: total })?;
    let charged = apply_adjustment(base, total_adjustment_bp)?;
    Ok(Quote { base, factors, total_adjustment_bp, charged, table_version: table.version_label(on), missing_factors })
}

/// The share of premium income an insurer draws into the prevention fund for CST year `year`
/// (豫安委〔2017〕17号 三(二): 10% "each year"; rule parameter `prevention_fund_share_bp`), limited
/// by the national cap (`prevention_fund_cap_bp`, 21% of premium actually collected, from
/// 2025-03-29) when a cap is in force and lower.
///
/// The rate is the one in force on **31 December** of `year`: the levy is computed once, on the
/// year's total net premium, so one rate must hold for the whole year, and the rate in force at
/// the close of the year is the one under which the yearly account is settled. The returned
/// version names whichever rule supplied the rate (the share, or the cap when it binds).
///
/// A year without a 31 December in chrono's range is reported as
/// [`RuleError::NotInForce`] on [`NaiveDate::MIN`] or [`NaiveDate::MAX`].
pub fn levy_rate_for_year(book: &RuleBook, year: i32) -> Result<Applied<BasisPoints>, RuleError> {
    let share = RuleParameter::PreventionFundShareBp;
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).ok_or(RuleError::NotInForce {
        parameter: share,
        on: if year < 0 { NaiveDate::MIN } else { NaiveDate::MAX },
    })?;
    let rate = book.basis_points(share, year_end)?;
    match book.basis_points(RuleParameter::PreventionFundCapBp, year_end) {
        Ok(cap) if cap.value < rate.value => Ok(cap),
        Ok(_) | Err(RuleError::NotInForce { .. }) => Ok(rate),
        Err(other) => Err(other),
    }
}

/// The prevention-fund levy on a year's total net premium (豫安委〔2017〕17号 三(二)): `rate` of
/// `net_premium` by [`share_of`]. Refunds reduce the base, so a negative net premium gives a
/// negative levy (10% of −5 fen is −1 fen).
pub fn levy(net_premium: Fen, rate: BasisPoints) -> Result<Fen, MoneyError> {
    share_of(net_premium, rate)
}

/// Monthly accruals of the yearly levy (豫安委〔2017〕17号 三(二)), for insurers that book the levy
/// as premiums come in.
///
/// The accrual of month `m` is `levy(net through m) − levy(net through m − 1)`, so rounding never
/// accumulates: the twelve accruals always sum to exactly `levy(yearly total)`. A month with net
/// refunds may accrue a negative amount. Fails only if a running total or accrual leaves `i64`.
pub fn monthly_accruals(monthly_net: &[Fen; 12], rate: BasisPoints) -> Result<[Fen; 12], MoneyError> {
    let mut accruals = [Fen::ZERO; 12];
    let mut cumulative = Fen::ZERO;
    let mut levied = Fen::ZERO;
    for (accrual, &net) in accruals.iter_mut().zip(monthly_net) {
        cumulative = cumulative.checked_add(net)?;
        let to_date = levy(cumulative, rate)?;
        *accrual = to_date.checked_sub(levied)?;
        levied = to_date;
    }
    Ok(accruals)
}

/// One insurer's prevention fund for one CST year (豫安委〔2017〕17号 三(二)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundYear {
    /// The CST year.
    pub year: i32,
    /// Levy drawn for the year.
    pub levy: Fen,
    /// Prevention spending booked in the year.
    pub spent: Fen,
}

/// `levy − spent` of one year, exactly.
fn net_of(year: &FundYear) -> i128 {
    i128::from(year.levy.value()) - i128::from(year.spent.value())
}

/// The prevention fund's balance year by year (豫安委〔2017〕17号 三(二): the platform keeps, per
/// insurer and year, the levy, what was spent and the balance).
///
/// Returns `(year, carried in, balance at year end)` sorted ascending by year, where carried in
/// is the sum of `levy − spent` over all earlier rows and the balance adds the year's own
/// `levy − spent`. Rows of the same year (not expected) stay separate, in input order. Fails
/// only if a balance leaves `i64`.
pub fn balances(years: &[FundYear]) -> Result<Vec<(i32, Fen, Fen)>, MoneyError> {
    let mut sorted: Vec<&FundYear> = years.iter().collect();
    sorted.sort_by_key(|y| y.year);
    let mut carried = Fen::ZERO;
    sorted
        .into_iter()
        .map(|y| {
            let balance = i128::from(carried.value()) + net_of(y);
            let balance = i64::try_from(balance).map(Fen::new).map_err(|_| MoneyError::Overflow)?;
            let row = (y.year, carried, balance);
            carried = balance;
            Ok(row)
        })
        .collect()
}

/// A prevention-fund expenditure that is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum FundError {
    /// The amount is zero or negative.
    #[error("expenditure must be positive")]
    NotPositive,
    /// The fund does not hold enough.
    #[error("prevention fund balance {available} yuan is insufficient")]
    Insufficient {
        /// The most that could be spent (never negative).
        available: Fen,
    },
}

impl FundError {
    /// Stable machine code: `invalid_amount` or `insufficient_prevention_fund`.
    pub fn code(&self) -> &'static str {
        match self {
            FundError::NotPositive => "invalid_amount",
            FundError::Insufficient { .. } => "insufficient_prevention_fund",
        }
    }
}

/// Whether the prevention fund can pay `amount` in `spend_year` (豫安委〔2017〕17号 三(二): the
/// fund is earmarked; spending more than the balance is refused).
///
/// The earmark means money is spent only out of levy already drawn: the cumulative balance
/// (sum of `levy − spent` over all years up to and including `k`) must stay non-negative. A spend
/// dated in an earlier year also lowers every later year's cumulative balance, so it may not
/// take any later year's balance below zero either. The spend is therefore allowed only if the
/// cumulative balance through `spend_year` and through every later year present in `years` is
/// at least `amount` (a later year absent from `years` has the same cumulative balance as the
/// last present year before it). Otherwise [`FundError::Insufficient`] reports the smallest of
/// those balances, clamped at zero, as `available`.
pub fn check_expenditure(years: &[FundYear], spend_year: i32, amount: Fen) -> Result<(), FundError> {
    if amount.value() <= 0 {
        return Err(FundError::NotPositive);
    }
    // Exact in i128: a sum of i64 terms cannot overflow it.
    let through = |k: i32| -> i128 { years.iter().filter(|y| y.year <= k).map(net_of).sum() };
    let lowest =
        years.iter().map(|y| y.year).filter(|&k| k > spend_year).map(through).fold(through(spend_year), i128::min);
    if lowest >= i128::from(amount.value()) {
        return Ok(());
    }
    // 0 <= lowest.max(0) < amount <= i64::MAX, so the conversion cannot fail.
    let available = i64::try_from(lowest.max(0)).unwrap_or(i64::MAX);
    Err(FundError::Insufficient { available: Fen::new(available) })
}

/// Whether a closed year left part of its levy unspent (豫安委〔2017〕17号 三(二): a year with
/// unspent balance is visible to regulators): `year` is before `current_year` and its spending
/// is below its levy.
pub fn underspent_at_year_end(year: &FundYear, current_year: i32) -> bool {
    year.year < current_year && year.spent < year.levy
}

/// Finds the first premium posting of a batch that would take one policy's net premium below
/// zero (豫安委〔2017〕17号 三(二); DOMAIN.md: "Refunds (negative premium postings) reduce the
/// base" — a policy cannot refund more than was paid on it).
///
/// Starting from the stored net premium, adds the items' amounts in the order given (the batch's
/// index order) and returns the index carried by the first item after which the running net is
/// negative, or `None` when it never is. Fails only if the running net leaves `i64`.
pub fn first_negative_running_net(
    stored_net: Fen,
    amounts_in_order: &[(usize, Fen)],
) -> Result<Option<usize>, MoneyError> {
    let mut running = stored_net;
    for &(index, amount) in amounts_in_order {
        running = running.checked_add(amount)?;
        if running.is_negative() {
            return Ok(Some(index));
        }
    }
    Ok(None)
}

crate::validation::impl_coded!(CoverError, PeriodError, AdjustmentError, RateTableError, QuoteError, FundError);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::RuleVersion;
    use crate::validation::Coded;
    use crate::vocabulary::assert_string_enum;
    use chrono::Days;
    use proptest::prelude::*;
    use RuleParameter as P;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fen(value: i64) -> Fen {
        Fen::new(value)
    }

    /// As in `rules.rs` tests.
    fn version(parameter: RuleParameter, value: &str, from: NaiveDate, to: Option<NaiveDate>) -> RuleVersion {
        RuleVersion {
            parameter,
            value: value.to_owned(),
            unit: parameter.unit().to_owned(),
            effective_from: from,
            effective_to: to,
            clause: parameter.clause().to_owned(),
        }
    }

    /// The insurance rows of DOMAIN.md, "Effective-dated rule parameters".
    fn book() -> RuleBook {
        RuleBook::new(vec![
            version(P::PreventionFundShareBp, "1000", date(2017, 11, 8), None),
            version(P::PreventionFundCapBp, "2100", date(2025, 3, 29), None),
            version(P::MinCoverPerPersonFen, "30000000", date(2018, 1, 1), Some(date(2025, 3, 28))),
            version(P::MinCoverPerPersonFen, "40000000", date(2025, 3, 29), None),
        ])
        .unwrap()
    }

    fn rate(factor: RateFactor, bp: i32, from: NaiveDate, to: Option<NaiveDate>) -> RateFactorVersion {
        RateFactorVersion {
            factor,
            adjustment_bp: bp,
            effective_from: from,
            effective_to: to,
            source: "豫安委〔2017〕17号 三(三)".to_owned(),
        }
    }

    /// The example adjustments of DOMAIN.md; no version for `accident_especially_major`.
    fn table() -> RateTable {
        let from = date(2020, 1, 1);
        RateTable::new(
            "henan".to_owned(),
            vec![
                rate(RateFactor::NoAccidentLastYear, -1_000, from, None),
                rate(RateFactor::AccidentGeneral, 1_000, from, None),
                rate(RateFactor::AccidentLarger, 2_000, from, None),
                rate(RateFactor::AccidentMajor, 3_000, from, None),
                rate(RateFactor::Blacklisted, 1_000, date(2023, 10, 1), None),
            ],
        )
        .unwrap()
    }

    fn accident(occurred_on: NaiveDate, grade: AccidentGrade) -> AccidentRecord {
        AccidentRecord { occurred_on, grade }
    }

    fn fund(year: i32, levy: i64, spent: i64) -> FundYear {
        FundYear { year, levy: fen(levy), spent: fen(spent) }
    }

    #[test]
    fn vocabularies() {
        assert_string_enum!(AccidentGrade, "invalid_accident_grade");
        assert_string_enum!(ExpenditureCategory, "invalid_expenditure_category");
        assert_string_enum!(RateFactor, "invalid_rate_factor");
        let severities: Vec<u8> = AccidentGrade::ALL.iter().map(|g| g.severity()).collect();
        assert_eq!(severities, [1, 2, 3, 4]);
        assert_eq!(ExpenditureCategory::ALL.len(), 6);
        assert_eq!(RateFactor::ALL.len(), 6);
        let triggered: Vec<RateFactor> = AccidentGrade::ALL.iter().map(|g| g.rate_factor()).collect();
        assert_eq!(
            triggered,
            [
                RateFactor::AccidentGeneral,
                RateFactor::AccidentLarger,
                RateFactor::AccidentMajor,
                RateFactor::AccidentEspeciallyMajor
            ]
        );
    }

    #[test]
    fn mandatory_in_exactly_the_high_risk_sectors() {
        for &sector in Sector::ALL {
            assert_eq!(insurance_mandatory(sector), sector.is_high_risk(), "{sector}");
        }
        assert_eq!(Sector::ALL.iter().filter(|s| insurance_mandatory(**s)).count(), 8);
        assert!(insurance_mandatory(Sector::Fishery));
        assert!(!insurance_mandatory(Sector::DangerousGoods));
    }

    #[test]
    fn minimum_cover_boundaries() {
        let book = book();
        let check = |d, cover| check_minimum_cover(&book, d, fen(cover));
        let old = Some("min_cover_per_person_fen@2018-01-01".to_owned());
        let new = Some("min_cover_per_person_fen@2025-03-29".to_owned());
        let below = |minimum, version: &str| {
            Err(CoverError::BelowMinimum {
                minimum: fen(minimum),
                version: version.to_owned(),
                clause: "豫安委〔2017〕17号 三(一)".to_owned(),
            })
        };

        assert_eq!(check(date(2025, 3, 28), 30_000_000), Ok(old.clone()));
        assert_eq!(check(date(2025, 3, 28), 29_999_999), below(30_000_000, "min_cover_per_person_fen@2018-01-01"));
        assert_eq!(check(date(2025, 3, 29), 30_000_000), below(40_000_000, "min_cover_per_person_fen@2025-03-29"));
        assert_eq!(check(date(2025, 3, 29), 39_999_999), below(40_000_000, "min_cover_per_person_fen@2025-03-29"));
        assert_eq!(check(date(2025, 3, 29), 40_000_000), Ok(new.clone()));
        assert_eq!(check(date(2025, 3, 30), 40_000_000), Ok(new.clone()));
        assert_eq!(check(date(2025, 3, 30), 39_999_999).unwrap_err().code(), "cover_below_minimum");
        assert_eq!(check(date(2025, 3, 30), i64::MAX), Ok(new));
        assert_eq!(check(date(2018, 1, 1), 30_000_000), Ok(old));
        assert!(check(date(2018, 1, 1), 29_999_999).is_err());

        // No minimum in force before 2018-01-01.
        assert_eq!(check(date(2017, 12, 31), 1), Ok(None));
        assert_eq!(check_minimum_cover(&RuleBook::default(), date(2025, 3, 30), fen(1)), Ok(None));

        for bad in [0, -1, i64::MIN] {
            assert_eq!(check(date(2025, 3, 30), bad), Err(CoverError::NotPositive));
            assert_eq!(check(date(2017, 12, 31), bad), Err(CoverError::NotPositive));
        }
        assert_eq!(CoverError::NotPositive.code(), "invalid_amount");
    }

    #[test]
    fn minimum_cover_cites_the_versions_own_clause() {
        let mut cover = version(P::MinCoverPerPersonFen, "50000000", date(2026, 1, 1), None);
        cover.clause = "豫应急〔2026〕1号".to_owned();
        let book = RuleBook::new(vec![cover]).unwrap();
        let error = check_minimum_cover(&book, date(2026, 1, 1), fen(40_000_000)).unwrap_err();
        assert_eq!(
            error,
            CoverError::BelowMinimum {
                minimum: fen(50_000_000),
                version: "min_cover_per_person_fen@2026-01-01".to_owned(),
                clause: "豫应急〔2026〕1号".to_owned(),
            }
        );
    }

    #[test]
    fn policy_period() {
        let start = date(2025, 7, 1);
        assert_eq!(check_policy_period(start, start), Ok(()));
        assert_eq!(check_policy_period(start, date(2026, 6, 30)), Ok(()));
        let error = check_policy_period(start, date(2025, 6, 30)).unwrap_err();
        assert_eq!(error, PeriodError::EndBeforeStart { start, end: date(2025, 6, 30) });
        assert_eq!(error.code(), "invalid_period");
    }

    #[test]
    fn in_force_is_inclusive_at_both_ends() {
        let (start, end) = (date(2024, 2, 29), date(2025, 2, 28));
        assert!(!in_force(start, end, date(2024, 2, 28)));
        assert!(in_force(start, end, date(2024, 2, 29)));
        assert!(in_force(start, end, date(2024, 3, 1)));
        assert!(in_force(start, end, date(2025, 2, 27)));
        assert!(in_force(start, end, date(2025, 2, 28)));
        assert!(!in_force(start, end, date(2025, 3, 1)));

        // A policy ending on a leap day.
        let (start, end) = (date(2023, 3, 1), date(2024, 2, 29));
        assert!(in_force(start, end, date(2024, 2, 29)));
        assert!(!in_force(start, end, date(2024, 3, 1)));

        // Consecutive policies hand over at midnight.
        let old = (date(2024, 7, 1), date(2025, 6, 30));
        let new = (date(2025, 7, 1), date(2026, 6, 30));
        assert!(in_force(old.0, old.1, date(2025, 6, 30)));
        assert!(!in_force(old.0, old.1, date(2025, 7, 1)));
        assert!(!in_force(new.0, new.1, date(2025, 6, 30)));
        assert!(in_force(new.0, new.1, date(2025, 7, 1)));

        // A one-day policy.
        let day = date(2025, 7, 1);
        assert!(in_force(day, day, day));
        assert!(!in_force(day, day, date(2025, 6, 30)));
        assert!(!in_force(day, day, date(2025, 7, 2)));
    }

    #[test]
    fn adjustment_rounding_and_range() {
        assert_eq!(apply_adjustment(fen(5), -1_000), Ok(fen(5))); // 4.5 → 5
        assert_eq!(apply_adjustment(fen(-5), -1_000), Ok(fen(-5))); // −4.5 → −5
        assert_eq!(apply_adjustment(fen(4), -1_000), Ok(fen(4))); // 3.6 → 4
        assert_eq!(apply_adjustment(fen(12_345), 1_000), Ok(fen(13_580))); // 13,579.5 → 13,580
        assert_eq!(apply_adjustment(fen(100_000), 3_000), Ok(fen(130_000)));
        assert_eq!(apply_adjustment(fen(100_000), 0), Ok(fen(100_000)));
        assert_eq!(apply_adjustment(fen(i64::MAX), 0), Ok(fen(i64::MAX)));
        assert_eq!(apply_adjustment(fen(i64::MIN), 0), Ok(fen(i64::MIN)));

        let overflow = apply_adjustment(fen(i64::MAX), 3_000).unwrap_err();
        assert_eq!(overflow, AdjustmentError::Money(MoneyError::Overflow));
        assert_eq!(overflow.code(), "amount_overflow");
        assert_eq!(apply_adjustment(fen(i64::MAX), 1), Err(AdjustmentError::Money(MoneyError::Overflow)));

        assert_eq!(apply_adjustment(fen(100_000), -10_000), Ok(Fen::ZERO));
        assert_eq!(apply_adjustment(fen(i64::MAX), -10_000), Ok(Fen::ZERO));
        let low = apply_adjustment(fen(100_000), -10_001).unwrap_err();
        assert_eq!(low, AdjustmentError::OutOfRange { adjustment_bp: -10_001 });
        assert_eq!(low.code(), "invalid_adjustment");
        assert!(apply_adjustment(fen(100_000), i32::MIN).is_err());
        assert_eq!(apply_adjustment(fen(1), i32::MAX), Ok(fen(214_749))); // 214,749.3647 → 214,749
    }

    #[test]
    fn rate_table_validation() {
        let from = date(2020, 1, 1);
        let g = RateFactor::AccidentGeneral;
        let overlap = RateTable::new(
            "henan".into(),
            vec![rate(g, 1_000, from, Some(date(2024, 12, 31))), rate(g, 1_500, date(2024, 12, 31), None)],
        )
        .unwrap_err();
        assert_eq!(
            overlap,
            RateTableError::Overlap {
                first: "accident_general@2020-01-01".into(),
                second: "accident_general@2024-12-31".into()
            }
        );
        assert_eq!(overlap.code(), "rate_table_overlap");
        // Open-ended overlaps anything later; input order does not matter.
        let open = vec![rate(g, 1_500, date(2030, 1, 1), None), rate(g, 1_000, from, None)];
        assert_eq!(RateTable::new("henan".into(), open).unwrap_err().code(), "rate_table_overlap");
        let twins = vec![rate(g, 1_500, from, Some(from)), rate(g, 1_000, from, Some(from))];
        assert!(RateTable::new("henan".into(), twins).is_err());

        // Adjacent periods of one factor, and equal periods of different factors, are fine.
        let ok = RateTable::new(
            "henan".into(),
            vec![
                rate(g, 1_500, date(2025, 1, 1), None),
                rate(g, 1_000, from, Some(date(2024, 12, 31))),
                rate(RateFactor::AccidentMajor, 3_000, from, None),
            ],
        )
        .unwrap();
        assert_eq!(ok.province(), "henan");
        let labels: Vec<String> = ok.versions().iter().map(RateFactorVersion::version_label).collect();
        assert_eq!(labels, ["accident_general@2020-01-01", "accident_general@2025-01-01", "accident_major@2020-01-01"]);
        assert_eq!(ok.version_in_force(g, date(2024, 12, 31)).map(|v| v.adjustment_bp), Some(1_000));
        assert_eq!(ok.version_in_force(g, date(2025, 1, 1)).map(|v| v.adjustment_bp), Some(1_500));
        assert_eq!(ok.version_in_force(g, date(2019, 12, 31)), None);

        let inverted = RateTable::new("henan".into(), vec![rate(g, 1_000, from, Some(date(2019, 12, 31)))]);
        assert_eq!(
            inverted.unwrap_err(),
            RateTableError::InvalidPeriod { version: "accident_general@2020-01-01".into() }
        );
        assert!(RateTable::new("henan".into(), vec![rate(g, 1_000, from, Some(from))]).is_ok());
        let mut unsourced = rate(g, 1_000, from, None);
        unsourced.source = " ".into();
        assert_eq!(RateTable::new("henan".into(), vec![unsourced]).unwrap_err().code(), "rate_source_missing");
        assert!(RateTable::new("henan".into(), Vec::new()).is_ok());
    }

    #[test]
    fn rate_table_version_label() {
        let table = table();
        assert_eq!(table.version_label(date(2025, 6, 30)), "henan-rate-table@2023-10-01");
        assert_eq!(table.version_label(date(2023, 10, 1)), "henan-rate-table@2023-10-01");
        assert_eq!(table.version_label(date(2023, 9, 30)), "henan-rate-table@2020-01-01");
        assert_eq!(table.version_label(date(2019, 12, 31)), "henan-rate-table@none");
    }

    #[test]
    fn quote_without_accidents() {
        let on = date(2025, 6, 30);
        let q = quote(&table(), fen(100_000), on, &[], false).unwrap();
        assert_eq!(
            q,
            Quote {
                base: fen(100_000),
                factors: vec![AppliedFactor {
                    factor: RateFactor::NoAccidentLastYear,
                    adjustment_bp: -1_000,
                    version: "no_accident_last_year@2020-01-01".into(),
                    evidence: None,
                }],
                total_adjustment_bp: -1_000,
                charged: fen(90_000),
                table_version: "henan-rate-table@2023-10-01".into(),
                missing_factors: vec![],
            }
        );
    }

    #[test]
    fn quote_last_year_window() {
        let on = date(2025, 6, 30);
        let general_on = on.checked_sub_days(Days::new(364)).unwrap();
        assert_eq!(general_on, date(2024, 7, 1));
        let exactly_a_year = date(2024, 6, 30);
        let accidents = [accident(exactly_a_year, AccidentGrade::Major), accident(general_on, AccidentGrade::General)];
        let q = quote(&table(), fen(100_000), on, &accidents, false).unwrap();
        assert_eq!(
            q.factors,
            [AppliedFactor {
                factor: RateFactor::AccidentGeneral,
                adjustment_bp: 1_000,
                version: "accident_general@2020-01-01".into(),
                evidence: Some(general_on),
            }]
        );
        assert_eq!(q.total_adjustment_bp, 1_000);
        assert_eq!(q.charged, fen(110_000));

        // One day later the major accident counts, and only the most severe grade applies.
        let q = quote(&table(), fen(100_000), date(2025, 6, 29), &accidents, false).unwrap();
        assert_eq!(q.factors.len(), 1);
        assert_eq!(q.factors[0].factor, RateFactor::AccidentMajor);
        assert_eq!(q.factors[0].evidence, Some(exactly_a_year));
        assert_eq!(q.charged, fen(130_000));

        // Only a year-old accident: the enterprise counts as accident-free.
        let q = quote(&table(), fen(100_000), on, &accidents[..1], false).unwrap();
        assert_eq!(q.factors[0].factor, RateFactor::NoAccidentLastYear);

        // An accident on the quote date counts; one after it is ignored.
        let today = [accident(on, AccidentGrade::Larger)];
        assert_eq!(quote(&table(), fen(100_000), on, &today, false).unwrap().charged, fen(120_000));
        let later = [accident(date(2025, 7, 1), AccidentGrade::Larger)];
        let q = quote(&table(), fen(100_000), on, &later, false).unwrap();
        assert_eq!(q.factors[0].factor, RateFactor::NoAccidentLastYear);

        // Leap day: a year before 2024-02-29 is 2023-02-28.
        let leap = date(2024, 2, 29);
        let q = quote(&table(), fen(100), leap, &[accident(date(2023, 2, 28), AccidentGrade::General)], false);
        assert_eq!(q.unwrap().factors[0].factor, RateFactor::NoAccidentLastYear);
        let q = quote(&table(), fen(100), leap, &[accident(date(2023, 3, 1), AccidentGrade::General)], false);
        assert_eq!(q.unwrap().factors[0].factor, RateFactor::AccidentGeneral);
    }

    #[test]
    fn quote_evidence_is_the_latest_accident_of_the_worst_grade() {
        let on = date(2025, 6, 30);
        let accidents = [
            accident(date(2024, 9, 1), AccidentGrade::Larger),
            accident(date(2025, 3, 1), AccidentGrade::Larger),
            accident(date(2025, 6, 1), AccidentGrade::General),
            accident(date(2024, 12, 1), AccidentGrade::Larger),
        ];
        let q = quote(&table(), fen(100_000), on, &accidents, false).unwrap();
        assert_eq!(q.factors.len(), 1);
        assert_eq!(q.factors[0].factor, RateFactor::AccidentLarger);
        assert_eq!(q.factors[0].evidence, Some(date(2025, 3, 1)));
    }

    #[test]
    fn quote_blacklist_surcharge() {
        let on = date(2025, 6, 30);
        let q = quote(&table(), fen(100_000), on, &[], true).unwrap();
        let factors: Vec<(RateFactor, i32)> = q.factors.iter().map(|f| (f.factor, f.adjustment_bp)).collect();
        assert_eq!(factors, [(RateFactor::NoAccidentLastYear, -1_000), (RateFactor::Blacklisted, 1_000)]);
        assert_eq!(q.factors[1].version, "blacklisted@2023-10-01");
        assert_eq!(q.factors[1].evidence, None);
        assert_eq!(q.total_adjustment_bp, 0);
        assert_eq!(q.charged, fen(100_000));

        let general = [accident(date(2025, 1, 1), AccidentGrade::General)];
        let q = quote(&table(), fen(100_000), on, &general, true).unwrap();
        assert_eq!(q.total_adjustment_bp, 2_000);
        assert_eq!(q.charged, fen(120_000));
    }

    #[test]
    fn quote_reports_missing_factors() {
        let on = date(2025, 6, 30);
        let worst = [accident(date(2025, 1, 1), AccidentGrade::EspeciallyMajor)];
        let q = quote(&table(), fen(100_000), on, &worst, true).unwrap();
        assert_eq!(q.missing_factors, [RateFactor::AccidentEspeciallyMajor]);
        assert_eq!(q.factors.iter().map(|f| f.factor).collect::<Vec<_>>(), [RateFactor::Blacklisted]);
        assert_eq!(q.charged, fen(110_000));

        // Before the blacklist factor took effect.
        let q = quote(&table(), fen(100_000), date(2023, 9, 30), &[], true).unwrap();
        assert_eq!(q.missing_factors, [RateFactor::Blacklisted]);
        assert_eq!(q.total_adjustment_bp, -1_000);
        assert_eq!(q.table_version, "henan-rate-table@2020-01-01");

        // Nothing in force at all: the base is charged.
        let q = quote(&table(), fen(100_000), date(2019, 6, 30), &[], true).unwrap();
        assert_eq!(q.missing_factors, [RateFactor::NoAccidentLastYear, RateFactor::Blacklisted]);
        assert!(q.factors.is_empty());
        assert_eq!(q.charged, fen(100_000));
        assert_eq!(q.table_version, "henan-rate-table@none");
    }

    #[test]
    fn quote_errors() {
        let from = date(2020, 1, 1);
        let odd = RateTable::new(
            "test".into(),
            vec![
                rate(RateFactor::NoAccidentLastYear, -6_000, from, None),
                rate(RateFactor::Blacklisted, -6_000, from, None),
            ],
        )
        .unwrap();
        let error = quote(&odd, fen(100), date(2025, 1, 1), &[], true).unwrap_err();
        assert_eq!(error, QuoteError::Adjustment(AdjustmentError::OutOfRange { adjustment_bp: -12_000 }));
        assert_eq!(error.code(), "invalid_adjustment");
        assert!(quote(&odd, fen(100), date(2025, 1, 1), &[], false).is_ok());

        let huge = RateTable::new(
            "test".into(),
            vec![
                rate(RateFactor::NoAccidentLastYear, i32::MAX, from, None),
                rate(RateFactor::Blacklisted, i32::MAX, from, None),
            ],
        )
        .unwrap();
        let error = quote(&huge, fen(1), date(2025, 1, 1), &[], true).unwrap_err();
        assert_eq!(error.code(), "invalid_adjustment");
        let general = [accident(date(2024, 12, 1), AccidentGrade::General)];
        let error = quote(&table(), fen(i64::MAX), date(2025, 1, 1), &general, true).unwrap_err();
        assert_eq!(error, QuoteError::Adjustment(AdjustmentError::Money(MoneyError::Overflow)));
        assert_eq!(error.code(), "amount_overflow");
    }

    #[test]
    fn levy_rounding_boundaries() {
        let ten = BasisPoints::new(1_000);
        assert_eq!(levy(fen(5), ten), Ok(fen(1)));
        assert_eq!(levy(fen(4), ten), Ok(fen(0)));
        assert_eq!(levy(fen(-5), ten), Ok(fen(-1)));
        assert_eq!(levy(fen(-4), ten), Ok(fen(0)));
        assert_eq!(levy(fen(12_345), ten), Ok(fen(1_235)));
        assert_eq!(levy(fen(i64::MAX), ten), Ok(fen(922_337_203_685_477_581)));
        assert_eq!(levy(fen(i64::MIN), ten), Ok(fen(-922_337_203_685_477_581)));
        assert_eq!(levy(fen(i64::MAX), BasisPoints::new(10_001)), Err(MoneyError::Overflow));
    }

    #[test]
    fn levy_rate_is_the_one_in_force_on_31_december() {
        let book = book();
        let rate_2024 = levy_rate_for_year(&book, 2024).unwrap();
        assert_eq!(rate_2024.value, BasisPoints::new(1_000));
        assert_eq!(rate_2024.version, "prevention_fund_share_bp@2017-11-08");
        // The share took effect on 2017-11-08, so it governs the whole of 2017.
        assert_eq!(levy_rate_for_year(&book, 2017).unwrap().value, BasisPoints::new(1_000));
        // The cap (21%) is in force from 2025 but does not bind a 10% share.
        assert_eq!(levy_rate_for_year(&book, 2025).unwrap().version, "prevention_fund_share_bp@2017-11-08");

        let not_in_force = |on| RuleError::NotInForce { parameter: P::PreventionFundShareBp, on };
        assert_eq!(levy_rate_for_year(&book, 2016), Err(not_in_force(date(2016, 12, 31))));
        let error = levy_rate_for_year(&book, 1990).unwrap_err();
        assert_eq!(error, not_in_force(date(1990, 12, 31)));
        assert_eq!(error.code(), "rule_not_in_force");
        assert_eq!(levy_rate_for_year(&book, i32::MAX), Err(not_in_force(NaiveDate::MAX)));
        assert_eq!(levy_rate_for_year(&book, i32::MIN), Err(not_in_force(NaiveDate::MIN)));
    }

    #[test]
    fn levy_rate_is_capped_where_the_cap_binds() {
        let book = RuleBook::new(vec![
            version(P::PreventionFundShareBp, "2500", date(2017, 11, 8), Some(date(2025, 12, 30))),
            version(P::PreventionFundShareBp, "2000", date(2025, 12, 31), None),
            version(P::PreventionFundCapBp, "2100", date(2025, 3, 29), None),
        ])
        .unwrap();
        let rate_2024 = levy_rate_for_year(&book, 2024).unwrap();
        assert_eq!(
            (rate_2024.value, rate_2024.version.as_str()),
            (BasisPoints::new(2_500), "prevention_fund_share_bp@2017-11-08")
        );
        // A share of 25% on 2025-12-30 would be capped, but 31 December decides: 20%.
        let rate_2025 = levy_rate_for_year(&book, 2025).unwrap();
        assert_eq!(
            (rate_2025.value, rate_2025.version.as_str()),
            (BasisPoints::new(2_000), "prevention_fund_share_bp@2025-12-31")
        );

        let capped = RuleBook::new(vec![
            version(P::PreventionFundShareBp, "2500", date(2017, 11, 8), None),
            version(P::PreventionFundCapBp, "2100", date(2025, 3, 29), None),
        ])
        .unwrap();
        let rate_2025 = levy_rate_for_year(&capped, 2025).unwrap();
        assert_eq!(
            (rate_2025.value, rate_2025.version.as_str()),
            (BasisPoints::new(2_100), "prevention_fund_cap_bp@2025-03-29")
        );
    }

    #[test]
    fn monthly_accruals_telescope() {
        let ten = BasisPoints::new(1_000);
        let accruals = monthly_accruals(&[fen(5); 12], ten).unwrap();
        assert_eq!(accruals.map(Fen::value), [1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]);

        let mut with_refund = [fen(0); 12];
        with_refund[0] = fen(1_000);
        with_refund[5] = fen(-1_005);
        let accruals = monthly_accruals(&with_refund, ten).unwrap();
        assert_eq!(accruals[0], fen(100));
        assert_eq!(accruals[5], fen(-101)); // cumulative −5 → levy −1
        assert_eq!(accruals.iter().map(|a| a.value()).sum::<i64>(), -1);

        let mut overflow = [fen(0); 12];
        overflow[0] = fen(i64::MAX);
        overflow[1] = fen(1);
        assert_eq!(monthly_accruals(&overflow, ten), Err(MoneyError::Overflow));
    }

    #[test]
    fn balances_carry_forward() {
        let years = [fund(2025, 100, 30), fund(2023, 50, 80), fund(2024, 200, 0)];
        assert_eq!(
            balances(&years),
            Ok(vec![(2023, fen(0), fen(-30)), (2024, fen(-30), fen(170)), (2025, fen(170), fen(240))])
        );
        assert_eq!(balances(&[]), Ok(vec![]));
        // Exact intermediate arithmetic: levy and spending both huge is fine.
        assert_eq!(balances(&[fund(2024, i64::MAX, i64::MAX)]), Ok(vec![(2024, fen(0), fen(0))]));
        assert_eq!(balances(&[fund(2023, i64::MAX, 0), fund(2024, 1, 0)]), Err(MoneyError::Overflow));
    }

    #[test]
    fn expenditure_is_limited_by_every_later_balance() {
        // Cumulative balances: 2023 → 1,000; 2024 → 300; 2025 → 1,300.
        let years = [fund(2024, 500, 1_200), fund(2023, 1_000, 0), fund(2025, 1_000, 0)];
        let insufficient = |available| Err(FundError::Insufficient { available: fen(available) });

        assert_eq!(check_expenditure(&years, 2025, fen(1_300)), Ok(()));
        assert_eq!(check_expenditure(&years, 2025, fen(1_301)), insufficient(1_300));
        assert_eq!(check_expenditure(&years, 2026, fen(1_300)), Ok(()));
        assert_eq!(check_expenditure(&years, 2026, fen(1_301)), insufficient(1_300));
        // 2023 holds 1,000, but 2024's balance of 300 limits a 2023 spend.
        assert_eq!(check_expenditure(&years, 2023, fen(300)), Ok(()));
        assert_eq!(check_expenditure(&years, 2023, fen(301)), insufficient(300));
        assert_eq!(check_expenditure(&years, 2024, fen(301)), insufficient(300));
        // Nothing drawn before 2023.
        assert_eq!(check_expenditure(&years, 2022, fen(1)), insufficient(0));
        assert_eq!(check_expenditure(&[], 2025, fen(1)), insufficient(0));
        // An overdrawn history is clamped at zero.
        assert_eq!(check_expenditure(&[fund(2024, 100, 150)], 2024, fen(1)), insufficient(0));

        for bad in [0, -1, i64::MIN] {
            assert_eq!(check_expenditure(&years, 2025, fen(bad)), Err(FundError::NotPositive));
        }
        let error = check_expenditure(&years, 2025, fen(1_301)).unwrap_err();
        assert_eq!(error.code(), "insufficient_prevention_fund");
        assert_eq!(FundError::NotPositive.code(), "invalid_amount");

        // Huge histories do not overflow.
        let rich = [fund(2023, i64::MAX, 0), fund(2024, i64::MAX, 0)];
        assert_eq!(check_expenditure(&rich, 2024, fen(i64::MAX)), Ok(()));
    }

    #[test]
    fn underspent_years() {
        assert!(underspent_at_year_end(&fund(2024, 100, 99), 2025));
        assert!(!underspent_at_year_end(&fund(2024, 100, 100), 2025));
        assert!(!underspent_at_year_end(&fund(2024, 100, 101), 2025));
        assert!(!underspent_at_year_end(&fund(2024, 100, 0), 2024));
        assert!(!underspent_at_year_end(&fund(2025, 100, 0), 2024));
    }

    #[test]
    fn first_negative_running_net_cases() {
        let run = |stored, items: &[(usize, i64)]| {
            let items: Vec<(usize, Fen)> = items.iter().map(|&(i, a)| (i, fen(a))).collect();
            first_negative_running_net(fen(stored), &items)
        };
        assert_eq!(run(100, &[]), Ok(None));
        assert_eq!(run(100, &[(0, -50), (1, -50)]), Ok(None)); // exactly zero is fine
        assert_eq!(run(100, &[(0, -50), (1, -50), (2, -1)]), Ok(Some(2)));
        assert_eq!(run(100, &[(3, -101), (4, 200)]), Ok(Some(3))); // a later top-up does not help
        assert_eq!(run(100, &[(0, 20), (1, -120), (2, -1)]), Ok(Some(2)));
        assert_eq!(run(0, &[(7, -1)]), Ok(Some(7)));
        assert_eq!(run(-1, &[]), Ok(None));
        assert_eq!(run(-1, &[(0, 1)]), Ok(None));
        assert_eq!(run(-5, &[(0, 1)]), Ok(Some(0)));
        assert_eq!(run(i64::MAX, &[(0, 1)]), Err(MoneyError::Overflow));
    }

    #[test]
    fn every_error_is_coded() {
        let coded: [&dyn Coded; 6] = [
            &CoverError::NotPositive,
            &PeriodError::EndBeforeStart { start: date(2025, 1, 2), end: date(2025, 1, 1) },
            &AdjustmentError::OutOfRange { adjustment_bp: -10_001 },
            &RateTableError::Overlap { first: "a".into(), second: "b".into() },
            &QuoteError::Adjustment(AdjustmentError::Money(MoneyError::Overflow)),
            &FundError::Insufficient { available: Fen::ZERO },
        ];
        let codes: Vec<&str> = coded.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "invalid_amount",
                "invalid_period",
                "invalid_adjustment",
                "rate_table_overlap",
                "amount_overflow",
                "insufficient_prevention_fund"
            ]
        );
        let wrapped =
            CoverError::from(RuleError::NotInForce { parameter: P::MinCoverPerPersonFen, on: date(2017, 1, 1) });
        assert_eq!(wrapped.code(), "rule_not_in_force");
    }

    proptest! {
        #[test]
        fn accruals_sum_to_the_yearly_levy(
            months in proptest::array::uniform12(-1_000_000_000_000i64..=1_000_000_000_000),
            bp in 0u32..=10_000,
        ) {
            let monthly = months.map(Fen::new);
            let rate = BasisPoints::new(bp);
            let accruals = monthly_accruals(&monthly, rate).unwrap();
            let total: i64 = months.iter().sum();
            let accrued: i64 = accruals.iter().map(|a| a.value()).sum();
            prop_assert_eq!(Fen::new(accrued), levy(Fen::new(total), rate).unwrap());
            // No accrual strays more than one fen from its own month's share.
            for (accrual, month) in accruals.iter().zip(monthly) {
                let own = levy(month, rate).unwrap().value();
                prop_assert!((accrual.value() - own).abs() <= 1);
            }
        }

        #[test]
        fn expenditure_never_overdraws_any_year_and_available_is_the_maximum(
            ledger in proptest::collection::vec((2018i32..2026, 0i64..10_000, 0i64..10_000), 0..8),
            spend_year in 2017i32..2027,
            amount in 1i64..20_000,
        ) {
            let years: Vec<FundYear> = ledger.iter().map(|&(y, l, s)| fund(y, l, s)).collect();
            match check_expenditure(&years, spend_year, fen(amount)) {
                Ok(()) => {
                    // Book the spend (sorted after the year's other rows) and look at every
                    // year-end cumulative balance from spend_year on.
                    let mut booked = years.clone();
                    booked.push(fund(spend_year, 0, amount));
                    let rows = balances(&booked).unwrap();
                    for (i, row) in rows.iter().enumerate() {
                        let year_end = rows.get(i + 1).is_none_or(|next| next.0 != row.0);
                        if year_end && row.0 >= spend_year {
                            prop_assert!(!row.2.is_negative(), "{:?}", rows);
                        }
                    }
                }
                Err(FundError::Insufficient { available }) => {
                    prop_assert!(!available.is_negative() && available.value() < amount);
                    if available.value() > 0 {
                        prop_assert!(check_expenditure(&years, spend_year, available).is_ok());
                    }
                    let more = fen(available.value() + 1);
                    prop_assert!(check_expenditure(&years, spend_year, more).is_err());
                }
                Err(FundError::NotPositive) => prop_assert!(false, "amount is positive"),
            }
        }
    }
}
