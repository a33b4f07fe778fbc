//! Effective-dated rule parameters.
//!
//! DOMAIN.md ("Effective-dated rule parameters"): where a rule has changed over time, its value
//! is data with a validity period, never a constant buried in code, so that every decision can
//! name the rule version that applied on its date, and regulators can list the parameters in force
//! on any date. A [`RuleBook`] holds those versions (seeded and maintained in the database) and
//! answers typed questions with an [`Applied`] value that carries its version label.

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::money::{BasisPoints, Fen};
use crate::vocabulary::string_enum;

string_enum! {
    /// A rule parameter whose value may change over time.
    pub enum RuleParameter ("rule parameter", "invalid_rule_parameter") {
        /// Share of liability-insurance premium income an insurer draws into the accident
        /// prevention fund each year: Henan 10% (豫安委〔2017〕17号 三(二)).
        PreventionFundShareBp = "prevention_fund_share_bp",
        /// National cap on prevention spending as a share of premium actually collected: 21%
        /// from 2025-03-29.
        PreventionFundCapBp = "prevention_fund_cap_bp",
        /// Minimum death/disability cover per person of work safety liability insurance
        /// (三(一)): 300,000 yuan from 2018, 400,000 yuan from 2025-03-29 (应急〔2025〕27号).
        MinCoverPerPersonFen = "min_cover_per_person_fen",
        /// Validity of a special-operation certificate: 6 years (五(二), 总局令第30号).
        CertificateValidityYears = "certificate_validity_years",
        /// Normal review interval of a special-operation certificate: 3 years (五(二)).
        CertificateReviewIntervalYears = "certificate_review_interval_years",
        /// Extended review interval for long-serving holders without violations: 6 years
        /// (五(二); Henan applies the extension).
        CertificateExtendedReviewIntervalYears = "certificate_extended_review_interval_years",
        /// Continuous years in the same work type needed for the extended interval: 10 (五(二)).
        CertificateExtensionMinContinuousYears = "certificate_extension_min_continuous_years",
        /// Review applications are accepted within this many days before the due date: 60
        /// (五(二), 总局令第30号).
        CertificateReviewWindowDays = "certificate_review_window_days",
        /// Whether certificates are periodically reviewed or renewed: periodic review, reportedly
        /// replaced by 6-year renewal from 2026-06-01 (五(二); DOMAIN.md, unconfirmed).
        CertificateReviewRegime = "certificate_review_regime",
        /// How long a party stays on the blacklist: 36 months (八(三), 应急管理部令第11号).
        BlacklistTermMonths = "blacklist_term_months",
        /// Months on the blacklist after which early removal may be requested: 12
        /// (八(三), 应急管理部令第11号).
        BlacklistEarlyRemovalMonths = "blacklist_early_removal_months",
        /// Years a holder whose certificate was revoked as obtained by fraud (欺骗、贿赂等不正当
        /// 手段) may not be issued one again: 3 (五(二), 总局令第30号).
        CertificateFraudReapplicationBarYears = "certificate_fraud_reapplication_bar_years",
        /// Validity of a registered safety engineer's registration: 5 years (四(一)).
        EngineerRegistrationValidityYears = "engineer_registration_validity_years",
        /// Pass mark of the theory exam, marked out of 100: 80 (豫安委〔2017〕17号 五(一); 安全生产培训
        /// 管理办法; 特种作业人员安全技术培训考核管理规定, 总局令第30号).
        ExamTheoryPassMark = "exam_theory_pass_mark",
        /// Credit score of a party with no event in force: 80 points (豫安委〔2017〕17号 八(三);
        /// platform credit scale).
        CreditBaseScore = "credit_base_score",
        /// Lowest credit score: 0 points (八(三); platform credit scale).
        CreditScoreMin = "credit_score_min",
        /// Highest credit score: 100 points (八(三); platform credit scale).
        CreditScoreMax = "credit_score_max",
        /// Lowest score of credit grade A: 90 points (八(三); platform credit scale).
        CreditGradeAMin = "credit_grade_a_min",
        /// Lowest score of credit grade B: 75 points (八(三); platform credit scale).
        CreditGradeBMin = "credit_grade_b_min",
        /// Lowest score of credit grade C: 60 points (八(三); platform credit scale); below it, D.
        CreditGradeCMin = "credit_grade_c_min",
        /// Working days between the cross-region notice and the first on-site service: at least
        /// 7 (豫安委〔2017〕17号 二(一); national rule on cross-region technical services).
        CrossRegionNoticeWorkingDays = "cross_region_notice_working_days",
        /// Weight of the purchaser's score in a government purchase's composite evaluation
        /// (豫安委〔2017〕17号 九(二); platform weights).
        ProcurementWeightPurchaserBp = "procurement_weight_purchaser_bp",
        /// Weight of the service recipient's score (九(二); platform weights).
        ProcurementWeightRecipientBp = "procurement_weight_recipient_bp",
        /// Weight of the third-party institution's score (九(二); platform weights).
        ProcurementWeightThirdPartyBp = "procurement_weight_third_party_bp",
        /// Lowest composite of a good government-purchase evaluation (九(二), 八(三)).
        ProcurementGoodMin = "procurement_good_min",
        /// Lowest composite of an adequate one; below it the evaluation is poor (九(二), 八(三)).
        ProcurementAdequateMin = "procurement_adequate_min",
        /// Employees above which a unit must have its own safety department or full-time
        /// safety staff, so cannot be deemed to have part-time staff by retaining an agency:
        /// 100 (豫安委〔2017〕17号 九(三); 安全生产法 第二十四条).
        PartTimeSafetyMaxEmployees = "part_time_safety_max_employees",
        /// Shortest engagement that counts as retaining an agency long-term: 12 months
        /// (豫安委〔2017〕17号 九(三); platform reading of 长期).
        LongTermRetentionMonths = "long_term_retention_months",
    }
}

/// What a parameter's value measures; decides how its text is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Bp,
    Fen,
    Years,
    Months,
    Days,
    /// Whole points from 0 to 100: exam marks and credit scores.
    Points,
    Regime,
    WorkingDays,
    Persons,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Unit::Bp => "bp",
            Unit::Fen => "fen",
            Unit::Years => "years",
            Unit::Months => "months",
            Unit::Days => "days",
            Unit::Points => "points",
            Unit::Regime => "regime",
            Unit::WorkingDays => "working_days",
            Unit::Persons => "persons",
        }
    }
}

impl RuleParameter {
    fn unit_kind(self) -> Unit {
        use RuleParameter as P;
        match self {
            P::PreventionFundShareBp | P::PreventionFundCapBp => Unit::Bp,
            P::MinCoverPerPersonFen => Unit::Fen,
            P::CertificateValidityYears
            | P::CertificateReviewIntervalYears
            | P::CertificateExtendedReviewIntervalYears
            | P::CertificateExtensionMinContinuousYears
            | P::CertificateFraudReapplicationBarYears
            | P::EngineerRegistrationValidityYears => Unit::Years,
            P::CertificateReviewWindowDays => Unit::Days,
            P::CertificateReviewRegime => Unit::Regime,
            P::BlacklistTermMonths | P::BlacklistEarlyRemovalMonths | P::LongTermRetentionMonths => Unit::Months,
            P::CrossRegionNoticeWorkingDays => Unit::WorkingDays,
            P::PartTimeSafetyMaxEmployees => Unit::Persons,
            P::ProcurementWeightPurchaserBp | P::ProcurementWeightRecipientBp | P::ProcurementWeightThirdPartyBp => {
                Unit::Bp
            }
            P::ExamTheoryPassMark
            | P::CreditBaseScore
            | P::CreditScoreMin
            | P::CreditScoreMax
            | P::CreditGradeAMin
            | P::CreditGradeBMin
            | P::CreditGradeCMin
            | P::ProcurementGoodMin
            | P::ProcurementAdequateMin => Unit::Points,
        }
    }

    /// The unit of the parameter's value: `bp`, `fen`, `years`, `months`, `days`, `points` or
    /// `regime`.
    pub fn unit(self) -> &'static str {
        self.unit_kind().as_str()
    }

    /// Default citation of the parameter, for versions and documentation that do not name a
    /// more specific source.
    pub fn clause(self) -> &'static str {
        use RuleParameter as P;
        match self {
            P::PreventionFundShareBp => "豫安委〔2017〕17号 三(二)",
            P::PreventionFundCapBp => "豫安委〔2017〕17号 三(二); 应急〔2025〕27号",
            P::MinCoverPerPersonFen => "豫安委〔2017〕17号 三(一)",
            P::CertificateValidityYears
            | P::CertificateReviewIntervalYears
            | P::CertificateExtendedReviewIntervalYears
            | P::CertificateExtensionMinContinuousYears
            | P::CertificateReviewWindowDays
            | P::CertificateFraudReapplicationBarYears => "豫安委〔2017〕17号 五(二); 总局令第30号",
            P::CertificateReviewRegime => "豫安委〔2017〕17号 五(二)",
            P::BlacklistTermMonths | P::BlacklistEarlyRemovalMonths => "豫安委〔2017〕17号 八(三); 应急管理部令第11号",
            P::EngineerRegistrationValidityYears => "豫安委〔2017〕17号 四(一)",
            P::ExamTheoryPassMark => "豫安委〔2017〕17号 五(一); 总局令第30号",
            P::CreditBaseScore
            | P::CreditScoreMin
            | P::CreditScoreMax
            | P::CreditGradeAMin
            | P::CreditGradeBMin
            | P::CreditGradeCMin => "豫安委〔2017〕17号 八(三)",
            P::CrossRegionNoticeWorkingDays => "豫安委〔2017〕17号 二(一)",
            P::ProcurementWeightPurchaserBp
            | P::ProcurementWeightRecipientBp
            | P::ProcurementWeightThirdPartyBp
            | P::ProcurementGoodMin
            | P::ProcurementAdequateMin => "豫安委〔2017〕17号 九(二)",
            P::PartTimeSafetyMaxEmployees => "豫安委〔2017〕17号 九(三); 安全生产法 第二十四条",
            P::LongTermRetentionMonths => "豫安委〔2017〕17号 九(三)",
        }
    }
}

string_enum! {
    /// How special-operation certificates are kept valid (豫安委〔2017〕17号 五(二)).
    pub enum ReviewRegime ("review regime", "invalid_review_regime") {
        /// Reviewed every 3 years (6 with the extension) within a 6-year validity (总局令第30号).
        PeriodicReview = "periodic_review",
        /// No periodic review; renewed every 6 years (reported change from 2026-06-01).
        Renewal = "renewal",
    }
}

/// One value of a parameter over one period, as stored in the rule table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleVersion {
    /// Which parameter.
    pub parameter: RuleParameter,
    /// The value as text, interpreted according to `unit`: a non-negative integer for `bp`,
    /// `fen`, `years`, `months` and `days`; an integer from 0 to 100 for `points`;
    /// `periodic_review` or `renewal` for `regime`.
    pub value: String,
    /// Must equal [`RuleParameter::unit`]; stored so the table is readable on its own.
    pub unit: String,
    /// First day (CST calendar date) on which the value applies.
    pub effective_from: NaiveDate,
    /// Last day on which the value applies, inclusive; `None` while open-ended.
    pub effective_to: Option<NaiveDate>,
    /// The clause or document the value comes from.
    pub clause: String,
}

impl RuleVersion {
    /// `{parameter}@{effective_from}`, e.g. `min_cover_per_person_fen@2025-03-29`: the name by
    /// which a computed figure cites the version that produced it.
    pub fn version_label(&self) -> String {
        format!("{}@{}", self.parameter, self.effective_from)
    }

    /// Whether the version applies on `on`.
    pub fn is_in_force(&self, on: NaiveDate) -> bool {
        self.effective_from <= on && self.effective_to.is_none_or(|to| on <= to)
    }
}

/// A typed rule value together with the version it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Applied<T> {
    /// The value in force.
    pub value: T,
    /// [`RuleVersion::version_label`] of the version that supplied it.
    pub version: String,
}

/// Why a set of rule versions cannot form a [`RuleBook`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum RuleBookError {
    /// The value text does not parse for the parameter's unit.
    #[error("rule {version}: value {value:?} is not valid for unit {unit}")]
    InvalidValue {
        /// Label of the offending version.
        version: String,
        /// The value text.
        value: String,
        /// The parameter's unit.
        unit: &'static str,
    },
    /// The stored unit is not the parameter's unit.
    #[error("rule {version}: unit must be {expected}, got {found:?}")]
    UnitMismatch {
        /// Label of the offending version.
        version: String,
        /// The parameter's unit.
        expected: &'static str,
        /// The stored unit.
        found: String,
    },
    /// `effective_to` is before `effective_from`.
    #[error("rule {version}: effective_to is before effective_from")]
    InvalidPeriod {
        /// Label of the offending version.
        version: String,
    },
    /// No clause cited: every decision must be explainable by its source.
    #[error("rule {version}: clause is empty")]
    MissingClause {
        /// Label of the offending version.
        version: String,
    },
    /// Two versions of the same parameter apply on a common day.
    #[error("rules {first} and {second} overlap")]
    Overlap {
        /// Label of the earlier version.
        first: String,
        /// Label of the later version.
        second: String,
    },
}

impl RuleBookError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            RuleBookError::InvalidValue { .. } => "invalid_rule_value",
            RuleBookError::UnitMismatch { .. } => "rule_unit_mismatch",
            RuleBookError::InvalidPeriod { .. } => "invalid_rule_period",
            RuleBookError::MissingClause { .. } => "rule_clause_missing",
            RuleBookError::Overlap { .. } => "rule_overlap",
        }
    }
}

/// A typed lookup that cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum RuleError {
    /// No version of the parameter covers the date.
    #[error("no version of rule {parameter} is in force on {on}")]
    NotInForce {
        /// The parameter asked for.
        parameter: RuleParameter,
        /// The date asked about.
        on: NaiveDate,
    },
    /// The caller asked for a value of the wrong kind (a programming error, reported rather
    /// than panicking).
    #[error("rule {parameter} is measured in {unit}, not {requested}")]
    WrongUnit {
        /// The parameter asked for.
        parameter: RuleParameter,
        /// Its unit.
        unit: &'static str,
        /// What the lookup expected.
        requested: &'static str,
    },
}

impl RuleError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            RuleError::NotInForce { .. } => "rule_not_in_force",
            RuleError::WrongUnit { .. } => "rule_wrong_unit",
        }
    }
}

crate::validation::impl_coded!(RuleBookError, RuleError);

/// A parsed rule value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Value {
    Bp(BasisPoints),
    Fen(Fen),
    Count(u32),
    Points(u8),
    Regime(ReviewRegime),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    version: RuleVersion,
    value: Value,
}

/// A consistent set of rule versions: every value parses for its unit, every period is well
/// formed and cites a clause, and no two versions of one parameter overlap, so each parameter
/// has at most one value on any date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuleBook {
    /// Sorted by parameter name, then `effective_from`.
    entries: Vec<Entry>,
}

impl RuleBook {
    /// Checks and indexes `versions`. Gaps between versions are allowed (a lookup in a gap is
    /// [`RuleError::NotInForce`]); overlaps are not.
    pub fn new(versions: Vec<RuleVersion>) -> Result<Self, RuleBookError> {
        let mut entries = versions
            .into_iter()
            .map(|version| {
                let value = check_version(&version)?;
                Ok(Entry { version, value })
            })
            .collect::<Result<Vec<_>, RuleBookError>>()?;
        entries.sort_by(|a, b| {
            (a.version.parameter.as_str(), a.version.effective_from)
                .cmp(&(b.version.parameter.as_str(), b.version.effective_from))
        });
        // Sorted by start, two periods of one parameter overlap only if some adjacent pair does.
        for pair in entries.windows(2) {
            let (earlier, later) = (&pair[0].version, &pair[1].version);
            if earlier.parameter == later.parameter && earlier.effective_to.is_none_or(|to| to >= later.effective_from)
            {
                return Err(RuleBookError::Overlap { first: earlier.version_label(), second: later.version_label() });
            }
        }
        Ok(Self { entries })
    }

    /// Every version, sorted by parameter name and then `effective_from`.
    pub fn versions(&self) -> impl Iterator<Item = &RuleVersion> {
        self.entries.iter().map(|e| &e.version)
    }

    /// The versions in force on `on`, one per parameter at most, sorted by parameter name.
    pub fn in_force(&self, on: NaiveDate) -> Vec<&RuleVersion> {
        self.versions().filter(|v| v.is_in_force(on)).collect()
    }

    /// A rate parameter (unit `bp`) in force on `on`.
    pub fn basis_points(&self, parameter: RuleParameter, on: NaiveDate) -> Result<Applied<BasisPoints>, RuleError> {
        self.lookup(parameter, on, "bp", |value| match value {
            Value::Bp(bp) => Some(bp),
            _ => None,
        })
    }

    /// A money parameter (unit `fen`) in force on `on`.
    pub fn fen(&self, parameter: RuleParameter, on: NaiveDate) -> Result<Applied<Fen>, RuleError> {
        self.lookup(parameter, on, "fen", |value| match value {
            Value::Fen(fen) => Some(fen),
            _ => None,
        })
    }

    /// A count parameter (unit `years`, `months`, `days`, `working_days` or `persons`) in
    /// force on `on`.
    pub fn count(&self, parameter: RuleParameter, on: NaiveDate) -> Result<Applied<u32>, RuleError> {
        self.lookup(parameter, on, "years, months, days, working days or persons", |value| match value {
            Value::Count(n) => Some(n),
            _ => None,
        })
    }

    /// A points parameter (unit `points`, 0 to 100) in force on `on`: an exam mark such as
    /// [`RuleParameter::ExamTheoryPassMark`] (五(一)) or a point of the credit scale such as
    /// [`RuleParameter::CreditBaseScore`] (八(三)).
    pub fn points(&self, parameter: RuleParameter, on: NaiveDate) -> Result<Applied<u8>, RuleError> {
        self.lookup(parameter, on, "points", |value| match value {
            Value::Points(points) => Some(points),
            _ => None,
        })
    }

    /// The special-operation certificate review regime in force on `on` (五(二)).
    pub fn review_regime(&self, on: NaiveDate) -> Result<Applied<ReviewRegime>, RuleError> {
        self.lookup(RuleParameter::CertificateReviewRegime, on, "regime", |value| match value {
            Value::Regime(regime) => Some(regime),
            _ => None,
        })
    }

    /// Finds the version of `parameter` in force on `on` and extracts its typed value. The unit
    /// is checked first so that asking for the wrong kind fails the same way on every date.
    fn lookup<T>(
        &self,
        parameter: RuleParameter,
        on: NaiveDate,
        requested: &'static str,
        extract: impl Fn(Value) -> Option<T>,
    ) -> Result<Applied<T>, RuleError> {
        let wrong_unit = RuleError::WrongUnit { parameter, unit: parameter.unit(), requested };
        if extract(sample_value(parameter.unit_kind())).is_none() {
            return Err(wrong_unit);
        }
        let entry = self
            .entries
            .iter()
            .find(|e| e.version.parameter == parameter && e.version.is_in_force(on))
            .ok_or(RuleError::NotInForce { parameter, on })?;
        let value = extract(entry.value).ok_or(wrong_unit)?;
        Ok(Applied { value, version: entry.version.version_label() })
    }
}

/// A value of the right shape for `unit`, used to test an extractor before any lookup.
fn sample_value(unit: Unit) -> Value {
    match unit {
        Unit::Bp => Value::Bp(BasisPoints::new(0)),
        Unit::Fen => Value::Fen(Fen::ZERO),
        Unit::Years | Unit::Months | Unit::Days | Unit::WorkingDays | Unit::Persons => Value::Count(0),
        Unit::Points => Value::Points(0),
        Unit::Regime => Value::Regime(ReviewRegime::PeriodicReview),
    }
}

/// Validates one version on its own and parses its value.
fn check_version(version: &RuleVersion) -> Result<Value, RuleBookError> {
    let unit = version.parameter.unit_kind();
    if version.unit != unit.as_str() {
        return Err(RuleBookError::UnitMismatch {
            version: version.version_label(),
            expected: unit.as_str(),
            found: version.unit.clone(),
        });
    }
    if version.effective_to.is_some_and(|to| to < version.effective_from) {
        return Err(RuleBookError::InvalidPeriod { version: version.version_label() });
    }
    if version.clause.trim().is_empty() {
        return Err(RuleBookError::MissingClause { version: version.version_label() });
    }
    parse_value(unit, &version.value).ok_or_else(|| RuleBookError::InvalidValue {
        version: version.version_label(),
        value: version.value.clone(),
        unit: unit.as_str(),
    })
}

/// Parses value text for `unit`. Integers are plain ASCII digits: no sign, no spaces, no
/// separators, no decimals. Points are whole points out of 100 (exam marks, credit scores).
fn parse_value(unit: Unit, text: &str) -> Option<Value> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    match unit {
        Unit::Bp if digits => text.parse().ok().map(|n| Value::Bp(BasisPoints::new(n))),
        Unit::Fen if digits => text.parse().ok().map(|n| Value::Fen(Fen::new(n))),
        Unit::Years | Unit::Months | Unit::Days | Unit::WorkingDays | Unit::Persons if digits => {
            text.parse().ok().map(Value::Count)
        }
        Unit::Points if digits => text.parse().ok().filter(|&n: &u8| n <= 100).map(Value::Points),
        Unit::Regime => ReviewRegime::parse(text).ok().map(Value::Regime),
        _ => None,
    }
}

impl fmt::Display for RuleVersion {
    /// `{label} = {value} {unit} ({clause})`, for logs and explanations.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} = {} {} ({})", self.version_label(), self.value, self.unit, self.clause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;
    use RuleParameter as P;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

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

    /// The table of DOMAIN.md, "Effective-dated rule parameters".
    fn domain_table() -> Vec<RuleVersion> {
        let review_end = Some(date(2026, 5, 31));
        let thirty = date(2010, 7, 1);
        let henan = date(2017, 11, 8);
        vec![
            version(P::PreventionFundShareBp, "1000", date(2017, 11, 8), None),
            version(P::PreventionFundCapBp, "2100", date(2025, 3, 29), None),
            version(P::MinCoverPerPersonFen, "30000000", date(2018, 1, 1), Some(date(2025, 3, 28))),
            version(P::MinCoverPerPersonFen, "40000000", date(2025, 3, 29), None),
            version(P::CertificateValidityYears, "6", thirty, None),
            version(P::CertificateReviewIntervalYears, "3", thirty, review_end),
            version(P::CertificateExtendedReviewIntervalYears, "6", thirty, review_end),
            version(P::CertificateExtensionMinContinuousYears, "10", thirty, review_end),
            version(P::CertificateReviewWindowDays, "60", thirty, review_end),
            version(P::CertificateReviewRegime, "periodic_review", thirty, review_end),
            version(P::CertificateReviewRegime, "renewal", date(2026, 6, 1), None),
            version(P::BlacklistTermMonths, "36", date(2023, 10, 1), None),
            version(P::BlacklistEarlyRemovalMonths, "12", date(2023, 10, 1), None),
            version(P::EngineerRegistrationValidityYears, "5", date(2019, 1, 25), None),
            version(P::ExamTheoryPassMark, "80", thirty, None),
            version(P::CertificateFraudReapplicationBarYears, "3", thirty, None),
            version(P::CreditBaseScore, "80", henan, None),
            version(P::CreditScoreMin, "0", henan, None),
            version(P::CreditScoreMax, "100", henan, None),
            version(P::CreditGradeAMin, "90", henan, None),
            version(P::CreditGradeBMin, "75", henan, None),
            version(P::CreditGradeCMin, "60", henan, None),
            version(P::CrossRegionNoticeWorkingDays, "7", henan, None),
            version(P::ProcurementWeightPurchaserBp, "4000", henan, None),
            version(P::ProcurementWeightRecipientBp, "3000", henan, None),
            version(P::ProcurementWeightThirdPartyBp, "3000", henan, None),
            version(P::ProcurementGoodMin, "85", henan, None),
            version(P::ProcurementAdequateMin, "60", henan, None),
            version(P::PartTimeSafetyMaxEmployees, "100", henan, None),
            version(P::LongTermRetentionMonths, "12", henan, None),
        ]
    }

    fn book() -> RuleBook {
        RuleBook::new(domain_table()).unwrap()
    }

    #[test]
    fn parameter_names_units_and_clauses() {
        assert_string_enum!(RuleParameter, "invalid_rule_parameter");
        assert_string_enum!(ReviewRegime, "invalid_review_regime");
        for &p in RuleParameter::ALL {
            assert!(["bp", "fen", "years", "months", "days", "points", "regime", "working_days", "persons"]
                .contains(&p.unit()));
            assert!(p.clause().contains('号'), "{p}");
            let suffix = match p.as_str().rsplit('_').next().unwrap() {
                "days" if p.as_str().ends_with("_working_days") => "working_days",
                other => other,
            };
            if ["bp", "fen", "years", "months", "days", "working_days"].contains(&suffix) {
                assert_eq!(p.unit(), suffix, "{p}");
            }
        }
        assert_eq!(P::CertificateReviewRegime.unit(), "regime");
        assert_eq!(P::ExamTheoryPassMark.unit(), "points");
        assert_eq!(P::CreditGradeAMin.unit(), "points");
        assert_eq!(P::CreditBaseScore.clause(), "豫安委〔2017〕17号 八(三)");
    }

    #[test]
    fn min_cover_boundaries() {
        let book = book();
        let cover = |d| book.fen(P::MinCoverPerPersonFen, d);
        let before = cover(date(2025, 3, 28)).unwrap();
        assert_eq!(before.value, Fen::new(30_000_000));
        assert_eq!(before.version, "min_cover_per_person_fen@2018-01-01");
        let on = cover(date(2025, 3, 29)).unwrap();
        assert_eq!(on.value, Fen::new(40_000_000));
        assert_eq!(on.version, "min_cover_per_person_fen@2025-03-29");
        assert_eq!(cover(date(2025, 3, 30)).unwrap().value, Fen::new(40_000_000));
        assert_eq!(cover(date(2018, 1, 1)).unwrap().value, Fen::new(30_000_000));
        assert_eq!(cover(date(2024, 2, 29)).unwrap().value, Fen::new(30_000_000));
        let error = cover(date(2017, 12, 31)).unwrap_err();
        assert_eq!(error, RuleError::NotInForce { parameter: P::MinCoverPerPersonFen, on: date(2017, 12, 31) });
        assert_eq!(error.code(), "rule_not_in_force");
        assert_eq!(Fen::from_yuan(300_000).unwrap(), Fen::new(30_000_000));
    }

    #[test]
    fn review_regime_boundaries() {
        let book = book();
        let before = book.review_regime(date(2026, 5, 31)).unwrap();
        assert_eq!(before.value, ReviewRegime::PeriodicReview);
        assert_eq!(before.version, "certificate_review_regime@2010-07-01");
        let on = book.review_regime(date(2026, 6, 1)).unwrap();
        assert_eq!(on.value, ReviewRegime::Renewal);
        assert_eq!(on.version, "certificate_review_regime@2026-06-01");
        assert_eq!(book.review_regime(date(2026, 6, 2)).unwrap().value, ReviewRegime::Renewal);
        assert!(book.review_regime(date(2010, 6, 30)).is_err());
        let interval = |d| book.count(P::CertificateReviewIntervalYears, d);
        assert_eq!(interval(date(2026, 5, 31)).unwrap().value, 3);
        assert!(interval(date(2026, 6, 1)).is_err());
    }

    #[test]
    fn other_typed_lookups() {
        let book = book();
        let day = date(2025, 6, 30);
        let share = book.basis_points(P::PreventionFundShareBp, day).unwrap();
        assert_eq!(share.value, BasisPoints::new(1_000));
        assert_eq!(share.version, "prevention_fund_share_bp@2017-11-08");
        let cap = |d| book.basis_points(P::PreventionFundCapBp, d);
        assert_eq!(cap(day).unwrap().value, BasisPoints::new(2_100));
        assert!(cap(date(2025, 3, 28)).is_err());
        assert_eq!(book.count(P::BlacklistTermMonths, day).unwrap().value, 36);
        assert_eq!(book.count(P::BlacklistEarlyRemovalMonths, day).unwrap().value, 12);
        assert!(book.count(P::BlacklistTermMonths, date(2023, 9, 30)).is_err());
        assert_eq!(book.count(P::CertificateReviewWindowDays, day).unwrap().value, 60);
        assert_eq!(book.count(P::CertificateValidityYears, day).unwrap().value, 6);
        assert_eq!(book.count(P::EngineerRegistrationValidityYears, day).unwrap().value, 5);
        let mark = book.points(P::ExamTheoryPassMark, day).unwrap();
        assert_eq!(mark.value, 80);
        assert_eq!(mark.version, "exam_theory_pass_mark@2010-07-01");
        assert!(book.points(P::ExamTheoryPassMark, date(2010, 6, 30)).is_err());
        let base = |d| book.points(P::CreditBaseScore, d);
        assert_eq!(base(date(2017, 11, 8)).unwrap().value, 80);
        assert_eq!(base(date(2017, 11, 8)).unwrap().version, "credit_base_score@2017-11-08");
        assert!(base(date(2017, 11, 7)).is_err());
        let scale = [P::CreditScoreMin, P::CreditGradeCMin, P::CreditGradeBMin, P::CreditGradeAMin, P::CreditScoreMax]
            .map(|p| book.points(p, day).unwrap().value);
        assert_eq!(scale, [0, 60, 75, 90, 100]);
        assert!(book.count(P::CreditBaseScore, day).is_err());
    }

    #[test]
    fn points_are_whole_marks_out_of_100() {
        let day = date(2020, 1, 1);
        let mark = |text: &str| {
            RuleBook::new(vec![version(P::ExamTheoryPassMark, text, day, None)])
                .map(|book| book.points(P::ExamTheoryPassMark, day).unwrap().value)
                .map_err(|e| e.code())
        };
        assert_eq!(mark("0"), Ok(0));
        assert_eq!(mark("80"), Ok(80));
        assert_eq!(mark("100"), Ok(100));
        assert_eq!(mark("0100"), Ok(100));
        for bad in ["101", "255", "256", "", "-1", "+80", " 80", "80.0", "eighty"] {
            assert_eq!(mark(bad), Err("invalid_rule_value"), "{bad:?}");
        }
    }

    #[test]
    fn wrong_unit_is_an_error_not_a_panic() {
        let book = book();
        let day = date(2025, 6, 30);
        let error = book.fen(P::PreventionFundShareBp, day).unwrap_err();
        assert_eq!(error, RuleError::WrongUnit { parameter: P::PreventionFundShareBp, unit: "bp", requested: "fen" });
        assert_eq!(error.code(), "rule_wrong_unit");
        assert!(book.basis_points(P::MinCoverPerPersonFen, day).is_err());
        assert!(book.count(P::PreventionFundCapBp, day).is_err());
        assert!(book.count(P::CertificateReviewRegime, day).is_err());
        assert!(book.count(P::ExamTheoryPassMark, day).is_err());
        assert!(book.points(P::EngineerRegistrationValidityYears, day).is_err());
        // Reported as a wrong unit even on a date where nothing is in force.
        assert!(matches!(book.fen(P::BlacklistTermMonths, date(2000, 1, 1)), Err(RuleError::WrongUnit { .. })));
    }

    #[test]
    fn in_force_lists_one_version_per_parameter_sorted_by_name() {
        let book = book();
        let on = book.in_force(date(2025, 3, 29));
        let names: Vec<&str> = on.iter().map(|v| v.parameter.as_str()).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        assert_eq!(names, sorted);
        assert_eq!(names.len(), RuleParameter::ALL.len());
        let cover = on.iter().find(|v| v.parameter == P::MinCoverPerPersonFen).unwrap();
        assert_eq!(cover.value, "40000000");

        let before = book.in_force(date(2025, 3, 28));
        assert_eq!(before.len(), RuleParameter::ALL.len() - 1); // no cap yet
        assert_eq!(book.in_force(date(2026, 6, 1)).len(), RuleParameter::ALL.len() - 4);
        assert!(book.in_force(date(2000, 1, 1)).is_empty());
        assert_eq!(book.versions().count(), domain_table().len());
    }

    #[test]
    fn overlaps_are_rejected() {
        let mut table = domain_table();
        table.push(version(P::MinCoverPerPersonFen, "35000000", date(2025, 3, 28), Some(date(2025, 3, 28))));
        let error = RuleBook::new(table).unwrap_err();
        assert_eq!(error.code(), "rule_overlap");
        assert_eq!(
            error,
            RuleBookError::Overlap {
                first: "min_cover_per_person_fen@2018-01-01".into(),
                second: "min_cover_per_person_fen@2025-03-28".into(),
            }
        );

        // An open-ended version overlaps anything later.
        let open = vec![
            version(P::BlacklistTermMonths, "36", date(2023, 10, 1), None),
            version(P::BlacklistTermMonths, "24", date(2030, 1, 1), None),
        ];
        assert!(matches!(RuleBook::new(open), Err(RuleBookError::Overlap { .. })));

        // Same start date.
        let twins = vec![
            version(P::BlacklistTermMonths, "36", date(2023, 10, 1), Some(date(2023, 10, 1))),
            version(P::BlacklistTermMonths, "24", date(2023, 10, 1), Some(date(2024, 1, 1))),
        ];
        assert!(RuleBook::new(twins).is_err());

        // Adjacent periods and gaps are fine; input order does not matter.
        let mut gapped = vec![
            version(P::BlacklistTermMonths, "24", date(2030, 1, 1), None),
            version(P::BlacklistTermMonths, "36", date(2023, 10, 1), Some(date(2024, 12, 31))),
            version(P::BlacklistTermMonths, "30", date(2025, 2, 1), Some(date(2029, 12, 31))),
        ];
        gapped.reverse();
        let book = RuleBook::new(gapped).unwrap();
        let months = |d| book.count(P::BlacklistTermMonths, d).map(|a| a.value);
        assert_eq!(months(date(2024, 12, 31)), Ok(36));
        assert!(months(date(2025, 1, 15)).is_err());
        assert_eq!(months(date(2029, 12, 31)), Ok(30));
        assert_eq!(months(date(2030, 1, 1)), Ok(24));
    }

    #[test]
    fn ill_formed_versions_are_rejected() {
        let day = date(2020, 1, 1);
        let reject = |v: RuleVersion| RuleBook::new(vec![v]).unwrap_err().code();
        for bad in ["", "-1", "+5", " 5", "5 ", "1.5", "1e3", "abc", "4294967296"] {
            assert_eq!(reject(version(P::BlacklistTermMonths, bad, day, None)), "invalid_rule_value", "{bad:?}");
            assert_eq!(reject(version(P::PreventionFundShareBp, bad, day, None)), "invalid_rule_value");
        }
        assert_eq!(reject(version(P::MinCoverPerPersonFen, "9223372036854775808", day, None)), "invalid_rule_value");
        assert!(RuleBook::new(vec![version(P::MinCoverPerPersonFen, "9223372036854775807", day, None)]).is_ok());
        for bad in ["", "Renewal", "periodic", "3", "renewal "] {
            assert_eq!(reject(version(P::CertificateReviewRegime, bad, day, None)), "invalid_rule_value");
        }

        let mut wrong_unit = version(P::BlacklistTermMonths, "36", day, None);
        wrong_unit.unit = "years".into();
        assert_eq!(
            RuleBook::new(vec![wrong_unit]).unwrap_err(),
            RuleBookError::UnitMismatch {
                version: "blacklist_term_months@2020-01-01".into(),
                expected: "months",
                found: "years".into(),
            }
        );

        assert_eq!(reject(version(P::BlacklistTermMonths, "36", day, Some(date(2019, 12, 31)))), "invalid_rule_period");
        // A single-day version is fine.
        assert!(RuleBook::new(vec![version(P::BlacklistTermMonths, "36", day, Some(day))]).is_ok());

        let mut no_clause = version(P::BlacklistTermMonths, "36", day, None);
        no_clause.clause = "  ".into();
        assert_eq!(reject(no_clause), "rule_clause_missing");
    }

    #[test]
    fn version_label_and_display() {
        let v = version(P::MinCoverPerPersonFen, "40000000", date(2025, 3, 29), None);
        assert_eq!(v.version_label(), "min_cover_per_person_fen@2025-03-29");
        assert_eq!(v.to_string(), "min_cover_per_person_fen@2025-03-29 = 40000000 fen (豫安委〔2017〕17号 三(一))");
    }

    #[test]
    fn rule_version_serde() {
        let v = version(P::CertificateReviewRegime, "renewal", date(2026, 6, 1), None);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "parameter": "certificate_review_regime",
                "value": "renewal",
                "unit": "regime",
                "effective_from": "2026-06-01",
                "effective_to": null,
                "clause": "豫安委〔2017〕17号 五(二)",
            })
        );
        assert_eq!(serde_json::from_value::<RuleVersion>(json).unwrap(), v);
        let applied = Applied { value: ReviewRegime::Renewal, version: v.version_label() };
        assert_eq!(
            serde_json::to_value(applied).unwrap(),
            serde_json::json!({"value": "renewal", "version": "certificate_review_regime@2026-06-01"})
        );
    }
}
