//! Special-operation certificates (特种作业操作证): certificate numbers, validity, the periodic
//! review and its extension, the review window, review failures and the re-application bar
//! after revocation (豫安委〔2017〕17号 五(二); national rule 总局令第30号
//! 《特种作业人员安全技术培训考核管理规定》).
//!
//! DOMAIN.md ("Training — 五", 五(二)): a certificate is valid 6 years and reviewed every 3 years;
//! the review may be extended to once every 6 years when, within the validity, the holder worked
//! at least 10 years continuously in the same work type with no violations (Henan applies the
//! extension); review applications are accepted within 60 days before the due date; a late review
//! makes the certificate invalid; a certificate obtained by fraud is revoked and bars
//! re-application for 3 years; the number is `T` + the holder's identity number. A reported
//! (unconfirmed) change abolishes the periodic review from 2026-06-01 in favour of renewal every
//! 6 years.
//!
//! Every duration comes from the [`RuleBook`] ("Effective-dated rule parameters"), and every
//! computed status lists the rule versions that produced it. Dates are CST calendar dates.
//! "N years after `d`" is chrono's `checked_add_months(12 × N)`, which keeps the day of month and
//! clamps it to the month's last day: 2020-02-29 + 3 years = 2023-02-28. Dates beyond chrono's
//! range saturate at [`NaiveDate::MAX`] / [`NaiveDate::MIN`] instead of failing.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::resident_id::{ResidentId, ResidentIdError};
use crate::rules::{Applied, ReviewRegime, RuleBook, RuleError, RuleParameter};
use crate::vocabulary::string_enum;

/// Citation of the special-operation certificate rules.
pub const CLAUSE: &str = "豫安委〔2017〕17号 五(二); 总局令第30号";

string_enum! {
    /// Work category (作业类别) of a special-operation certificate: the ten categories of the
    /// special-operation catalogue of 总局令第30号 (豫安委〔2017〕17号 五(二)).
    pub enum WorkCategory ("work category", "invalid_work_category") {
        /// 电工作业.
        Electrical = "electrical",
        /// 焊接与热切割作业.
        WeldingCutting = "welding_cutting",
        /// 高处作业.
        WorkingAtHeight = "working_at_height",
        /// 制冷与空调作业.
        RefrigerationAc = "refrigeration_ac",
        /// 煤矿安全作业.
        CoalMine = "coal_mine",
        /// 金属非金属矿山安全作业.
        MetalNonmetalMine = "metal_nonmetal_mine",
        /// 石油天然气安全作业.
        OilGas = "oil_gas",
        /// 冶金(有色)生产安全作业.
        Metallurgy = "metallurgy",
        /// 危险化学品安全作业.
        HazardousChemicals = "hazardous_chemicals",
        /// 烟花爆竹安全作业.
        Fireworks = "fireworks",
    }
}

impl WorkCategory {
    /// The category's name in the special-operation catalogue (总局令第30号).
    pub fn chinese_name(self) -> &'static str {
        match self {
            WorkCategory::Electrical => "电工作业",
            WorkCategory::WeldingCutting => "焊接与热切割作业",
            WorkCategory::WorkingAtHeight => "高处作业",
            WorkCategory::RefrigerationAc => "制冷与空调作业",
            WorkCategory::CoalMine => "煤矿安全作业",
            WorkCategory::MetalNonmetalMine => "金属非金属矿山安全作业",
            WorkCategory::OilGas => "石油天然气安全作业",
            WorkCategory::Metallurgy => "冶金(有色)生产安全作业",
            WorkCategory::HazardousChemicals => "危险化学品安全作业",
            WorkCategory::Fireworks => "烟花爆竹安全作业",
        }
    }
}

string_enum! {
    /// A ground on which a certificate review is not passed (豫安委〔2017〕17号 五(二);
    /// 总局令第30号).
    pub enum ReviewFailure ("review failure", "invalid_review_failure") {
        /// The health check was failed (健康体检不合格).
        FailedHealthCheck = "failed_health_check",
        /// A violation with serious consequences, or two or more violations (违章操作造成严重后果
        /// 或者有2次以上违章行为).
        SeriousViolationOrRepeated = "serious_violation_or_repeated",
        /// An administrative penalty for a work-safety violation (有安全生产违法行为，并给予行政处罚).
        AdministrativePenalty = "administrative_penalty",
        /// The holder refused, obstructed or evaded inspection (拒绝、阻碍安全生产监管监察部门监督检查).
        RefusedInspection = "refused_inspection",
        /// No review training (at least 8 hours) or a failed exam (未按规定参加安全培训，或者考试不合格).
        TrainingOrExamFailed = "training_or_exam_failed",
    }
}

string_enum! {
    /// A certificate's standing on a date (豫安委〔2017〕17号 五(二)); see [`status`].
    pub enum StatusKind ("certificate status", "invalid_certificate_status") {
        /// Valid; no review or renewal window is open.
        Valid = "valid",
        /// Valid, and the window to apply for the review due next (or, under the renewal
        /// regime, for renewal) is open.
        ReviewWindowOpen = "review_window_open",
        /// The review due date has passed with no review recorded. The certificate no longer
        /// counts as valid (a late review makes it invalid); this status only says that nothing
        /// was recorded after the due date yet.
        ReviewOverdue = "review_overdue",
        /// Invalid: a review was failed twice, or was recorded only after its due date.
        Invalid = "invalid",
        /// The validity has ended.
        Expired = "expired",
        /// Revoked by the issuing authority.
        Revoked = "revoked",
        /// The date asked about is before the issue date.
        NotYetIssued = "not_yet_issued",
    }
}

/// Why a string is not a certificate number. Every variant has the machine code
/// `invalid_certificate_number`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum CertificateNumberError {
    /// The number does not start with an uppercase `T`.
    #[error("a special-operation certificate number starts with an uppercase T")]
    MissingPrefix,
    /// What follows the `T` is not a valid resident identity number.
    #[error("a special-operation certificate number is T followed by the holder's identity number: {0}")]
    Holder(ResidentIdError),
}

impl CertificateNumberError {
    /// Stable machine code: always `invalid_certificate_number`.
    pub fn code(&self) -> &'static str {
        "invalid_certificate_number"
    }
}

/// A special-operation certificate number: `T` followed by the holder's resident identity number
/// (豫安委〔2017〕17号 五(二); 总局令第30号).
///
/// Parsing is strict (uppercase `T`, no whitespace, a valid [`ResidentId`]). The number contains
/// personal data: public and third-party responses show [`CertificateNumber::masked`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificateNumber {
    number: String,
    holder: ResidentId,
}

impl CertificateNumber {
    /// Validates `input` as a certificate number.
    pub fn parse(input: &str) -> Result<Self, CertificateNumberError> {
        let rest = input.strip_prefix('T').ok_or(CertificateNumberError::MissingPrefix)?;
        let holder = ResidentId::parse(rest).map_err(CertificateNumberError::Holder)?;
        Ok(Self::for_holder(&holder))
    }

    /// The number of the certificate held by `holder`.
    pub fn for_holder(holder: &ResidentId) -> Self {
        Self { number: format!("T{}", holder.as_str()), holder: holder.clone() }
    }

    /// The full number. Personal data: show it only to the holder's organisation and regulators.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The holder's identity number.
    pub fn holder_id(&self) -> &ResidentId {
        &self.holder
    }

    /// `T` + [`ResidentId::masked`], for every public or third-party response.
    pub fn masked(&self) -> String {
        format!("T{}", self.holder.masked())
    }
}

impl fmt::Display for CertificateNumber {
    /// Displays the full number; use [`CertificateNumber::masked`] for anything public.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl FromStr for CertificateNumber {
    type Err = CertificateNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CertificateNumber {
    type Error = CertificateNumberError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CertificateNumber> for String {
    fn from(number: CertificateNumber) -> Self {
        number.number
    }
}

/// A recorded violation of the holder (违章行为), as far as the review rules need it
/// (豫安委〔2017〕17号 五(二)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Violation {
    /// Date of the violation.
    pub on: NaiveDate,
    /// Whether it had serious consequences (造成严重后果).
    pub serious: bool,
    /// Whether an administrative penalty was imposed for it (给予行政处罚).
    pub administrative_penalty: bool,
}

/// A period in which the holder worked in the certificate's work category (the caller passes
/// only periods in that category).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkPeriod {
    /// First day of work.
    pub from: NaiveDate,
    /// Last day of work, inclusive; `None` while the work goes on.
    pub to: Option<NaiveDate>,
}

/// A length of time in whole calendar years plus remaining days.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ContinuousYears {
    /// Whole years: the largest `n` with `start + n years <= end`.
    pub years: u32,
    /// Days from `start + years` to `end`.
    pub days: u32,
}

impl ContinuousYears {
    /// The time from `start` to `end` (`end` not counted), zero when `end <= start`.
    fn between(start: NaiveDate, end: NaiveDate) -> Self {
        if end <= start {
            return Self::default();
        }
        let mut years = u32::try_from(end.year() - start.year()).unwrap_or(0);
        while years > 0 && add_years(start, years) > end {
            years -= 1;
        }
        let days = (end - add_years(start, years)).num_days();
        Self { years, days: u32::try_from(days).unwrap_or(0) }
    }

    /// Whether the length is at least `years` whole years.
    pub fn at_least_years(&self, years: u32) -> bool {
        self.years >= years
    }
}

impl fmt::Display for ContinuousYears {
    /// `9 years 364 days`, `10 years`, `1 year 1 day`, `0 days`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: u32| if n == 1 { "" } else { "s" };
        match (self.years, self.days) {
            (0, days) => write!(f, "{days} day{}", plural(days)),
            (years, 0) => write!(f, "{years} year{}", plural(years)),
            (years, days) => write!(f, "{years} year{} {days} day{}", plural(years), plural(days)),
        }
    }
}

/// How long the holder has worked continuously in the work category up to `on`, for the extended
/// review interval of 豫安委〔2017〕17号 五(二) (连续从事本工种10年以上).
///
/// Periods that touch (one ends the day before the next starts) or overlap form one unbroken run;
/// a gap of one day or more breaks it. Only the run that is ongoing on `on`, or ended the day
/// before, counts; it is measured from its first day to `on` in calendar years (so a run from
/// `from` has lasted 10 years when `on >= from + 10 years`) plus days. Work after `on` is ignored,
/// and so are malformed periods (`to` before `from`). No qualifying run gives zero.
pub fn continuous_years(periods: &[WorkPeriod], on: NaiveDate) -> ContinuousYears {
    let mut spans: Vec<(NaiveDate, NaiveDate)> = periods
        .iter()
        .filter_map(|p| {
            let last = p.to.map_or(on, |to| to.min(on));
            (p.from <= last).then_some((p.from, last))
        })
        .collect();
    spans.sort_unstable();
    let mut run: Option<(NaiveDate, NaiveDate)> = None;
    for (from, last) in spans {
        run = match run {
            Some((start, end)) if end.succ_opt().is_none_or(|next| from <= next) => Some((start, end.max(last))),
            _ => Some((from, last)),
        };
    }
    match run {
        Some((start, end)) if end >= on || end.succ_opt() == Some(on) => ContinuousYears::between(start, on),
        _ => ContinuousYears::default(),
    }
}

/// A review of the certificate (复审), as recorded by the issuing authority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRecord {
    /// Date of the review decision.
    pub on: NaiveDate,
    /// Whether the review was passed.
    pub passed: bool,
}

/// What is known about one certificate; the input of [`status`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateFacts {
    /// Issue date: the first day of the validity.
    pub issued_on: NaiveDate,
    /// Date of revocation, if revoked.
    pub revoked_on: Option<NaiveDate>,
    /// Reviews, in any order.
    pub reviews: Vec<ReviewRecord>,
    /// The holder's violations, in any order.
    pub violations: Vec<Violation>,
    /// The holder's work in the certificate's category, in any order.
    pub work: Vec<WorkPeriod>,
}

/// Whether the extended review interval applies, and why (豫安委〔2017〕17号 五(二)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ExtendedInterval {
    /// Whether reviews are due every `certificate_extended_review_interval_years` instead of
    /// every `certificate_review_interval_years`.
    pub applies: bool,
    /// Why, e.g. `10 continuous years in the category and no violations`,
    /// `only 9 years 364 days continuous`, `1 violation recorded within the validity`.
    pub reason: String,
}

/// A certificate's standing on a date, with the rule versions that produced it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct CertificateStatus {
    /// The standing.
    pub status: StatusKind,
    /// Last day of the validity: the day before the issue date's anniversary.
    pub valid_until: NaiveDate,
    /// The periodic review due next, or the missed one when the status is `review_overdue`;
    /// `None` when no periodic review remains (under the renewal regime) and for a revoked,
    /// expired, invalid or not yet issued certificate.
    pub next_review_due: Option<NaiveDate>,
    /// First day of the application window for `next_review_due`, or of the renewal window when
    /// no periodic review remains and the renewal regime applies at the end of the validity.
    pub review_window_opens: Option<NaiveDate>,
    /// Whether the extended review interval applies.
    pub extended_interval: ExtendedInterval,
    /// Labels of the rule versions consulted (see [`crate::RuleVersion::version_label`]), in the
    /// order of first use.
    pub rule_versions: Vec<String>,
    /// A short English explanation of the status.
    pub reason: String,
}

/// The standing of a special-operation certificate on `on` (豫安委〔2017〕17号 五(二); 总局令第30号).
///
/// **Validity.** `certificate_validity_years` in force on the issue date: the certificate is valid
/// from `issued_on` through the day before the anniversary (`valid_until = issued_on + 6 years −
/// 1 day`).
///
/// **Review schedule.** When the regime in force on the issue date is `periodic_review`, reviews
/// are due on the anniversaries `issued_on + k × interval` (k = 1, 2, …) up to and including the
/// end of the validity, with `interval = certificate_review_interval_years` in force on the issue
/// date (3). The interval becomes `certificate_extended_review_interval_years` (6) when, on the
/// first due date (or on `on`, if earlier — the facts known then), the holder has worked at least
/// `certificate_extension_min_continuous_years` (10) continuously in the category
/// ([`continuous_years`]) and no violation is recorded between the issue date and that date. The
/// extension parameters are read on the first due date; where they are not in force (the Henan
/// extension dates from 2017-11-08) the extension does not apply. The platform treats eligibility
/// as granting the extension, since Henan applies it. A zero interval schedules no review.
///
/// **Regime per due date.** The regime in force on a review's due date decides: a review due on or
/// after 2026-06-01 (`renewal`) is not held, and `next_review_due` is `None`; the certificate runs
/// to the end of its validity and its renewal window is the 60 days ending on `valid_until`
/// (first day = anniversary − `certificate_review_window_days`). The seeded window parameter ends
/// on 2026-05-31; when no version is in force on the anniversary, the latest version that started
/// before it is carried forward, and its label is listed.
///
/// **Window.** A review's application window runs from `due − certificate_review_window_days`
/// (window parameter in force on the due date) to the due date, both included. The review at
/// the end of the validity falls due on the anniversary, when the certificate has already
/// expired, so its window effectively ends on `valid_until`.
///
/// **Status**, first match wins (facts dated after `on` are ignored):
/// 1. `revoked` when `revoked_on <= on`; `not_yet_issued` when `on < issued_on`;
/// 2. `expired` when `on > valid_until`;
/// 3. for each due date in order, with the reviews recorded from its window's first day until the
///    next window opens: `invalid` on a second failed review, or when a review is recorded after
///    the due date (a late review does not restore validity); satisfied by a passed review on or
///    before the due date; otherwise `valid` before the window opens, `review_window_open` inside
///    it (also after one failed review, which may be retaken), and `review_overdue` after the due
///    date while no review is recorded;
/// 4. when every periodic review is satisfied: `review_window_open` inside the renewal window,
///    otherwise `valid`.
pub fn status(book: &RuleBook, facts: &CertificateFacts, on: NaiveDate) -> Result<CertificateStatus, RuleError> {
    Ok(Plan::new(book, facts, on)?.status_on(facts, on))
}

/// Why a review application is refused (豫安委〔2017〕17号 五(二); 总局令第30号).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum ReviewError {
    /// The application is not within the window before the review (or renewal) due date.
    #[error("review applications for the review due {due} are accepted from {opens} to {due}")]
    OutsideWindow {
        /// First day of the window.
        opens: NaiveDate,
        /// The due date (last day of the window).
        due: NaiveDate,
    },
    /// The certificate is revoked, expired, invalid or not yet issued.
    #[error("a certificate with status {status} cannot be reviewed")]
    NotReviewable {
        /// The certificate's status on the application date.
        status: StatusKind,
    },
    /// The rule book could not answer.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

impl ReviewError {
    /// Stable machine code: `outside_review_window`, `certificate_not_reviewable`, or the rule
    /// error's code.
    pub fn code(&self) -> &'static str {
        match self {
            ReviewError::OutsideWindow { .. } => "outside_review_window",
            ReviewError::NotReviewable { .. } => "certificate_not_reviewable",
            ReviewError::Rule(error) => error.code(),
        }
    }
}

crate::validation::impl_coded!(CertificateNumberError, ReviewError);

/// Checks a review application made on `applied_on` and returns the due date it serves
/// (豫安委〔2017〕17号 五(二); 总局令第30号: apply within 60 days before the due date).
///
/// Accepted exactly when [`status`] on `applied_on` is `review_window_open`: from the window's
/// first day through the due date. Under the renewal regime the same window before the end of the
/// validity accepts the renewal application, which serves the anniversary (`valid_until + 1`).
/// Before the window, and after a missed due date (`review_overdue`: the window has closed and the
/// certificate has lapsed), the answer is [`ReviewError::OutsideWindow`]; a revoked, expired,
/// invalid or not yet issued certificate is [`ReviewError::NotReviewable`].
pub fn check_review_application(
    book: &RuleBook,
    facts: &CertificateFacts,
    applied_on: NaiveDate,
) -> Result<NaiveDate, ReviewError> {
    let plan = Plan::new(book, facts, applied_on)?;
    let current = plan.status_on(facts, applied_on);
    let due = current.next_review_due.unwrap_or(plan.renewal_on);
    match (current.status, current.review_window_opens) {
        (StatusKind::ReviewWindowOpen, _) => Ok(due),
        (StatusKind::Valid | StatusKind::ReviewOverdue, Some(opens)) => Err(ReviewError::OutsideWindow { opens, due }),
        (status, _) => Err(ReviewError::NotReviewable { status }),
    }
}

/// The result of one review (豫安委〔2017〕17号 五(二); 总局令第30号).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ReviewOutcome {
    /// Passed: no ground for failure.
    pub passed: bool,
    /// The grounds for failure, sorted and without repeats.
    pub failures: Vec<ReviewFailure>,
    /// Failed again after an earlier failed review of the same due date: the certificate becomes
    /// invalid (再复审仍不合格的，特种作业操作证失效).
    pub second_failure: bool,
    /// Failed for the first time: one re-review is allowed.
    pub re_review_allowed: bool,
}

/// Decides a review from its grounds for failure and the number of failed reviews already
/// recorded for the same due date (豫安委〔2017〕17号 五(二); 总局令第30号): passed when there is
/// no ground; a first failure allows one re-review; a failure after at least one earlier failure
/// is the second failure, which invalidates the certificate.
pub fn review_outcome(failures: &[ReviewFailure], prior_failures: usize) -> ReviewOutcome {
    let mut grounds = failures.to_vec();
    grounds.sort_unstable();
    grounds.dedup();
    let passed = grounds.is_empty();
    let second_failure = !passed && prior_failures >= 1;
    ReviewOutcome { passed, failures: grounds, second_failure, re_review_allowed: !passed && !second_failure }
}

/// The review-failure grounds that the holder's violations dated `from..=to` give
/// (豫安委〔2017〕17号 五(二); 总局令第30号): `serious_violation_or_repeated` for a violation with
/// serious consequences or at least two violations, `administrative_penalty` when any violation
/// drew an administrative penalty. The caller chooses the period (normally since the previous
/// review or the issue date, up to the review).
pub fn violation_failures(violations: &[Violation], from: NaiveDate, to: NaiveDate) -> Vec<ReviewFailure> {
    let within: Vec<&Violation> = violations.iter().filter(|v| from <= v.on && v.on <= to).collect();
    let mut failures = Vec::new();
    if within.len() >= 2 || within.iter().any(|v| v.serious) {
        failures.push(ReviewFailure::SeriousViolationOrRepeated);
    }
    if within.iter().any(|v| v.administrative_penalty) {
        failures.push(ReviewFailure::AdministrativePenalty);
    }
    failures
}

/// The first day on which a holder may be issued a certificate again after a revocation on
/// `revoked_on` (豫安委〔2017〕17号 五(二); 总局令第30号): when the certificate was obtained by fraud,
/// `revoked_on + certificate_fraud_reapplication_bar_years` (3, the version in force on the
/// revocation date; the bar covers `revoked_on` up to the day before); otherwise `None`, no bar.
pub fn reissue_barred_until(
    book: &RuleBook,
    revoked_on: NaiveDate,
    fraud: bool,
) -> Result<Option<Applied<NaiveDate>>, RuleError> {
    if !fraud {
        return Ok(None);
    }
    let years = book.count(RuleParameter::CertificateFraudReapplicationBarYears, revoked_on)?;
    Ok(Some(Applied { value: add_years(revoked_on, years.value), version: years.version }))
}

/// `date` + `years` calendar years, saturating at [`NaiveDate::MAX`].
fn add_years(date: NaiveDate, years: u32) -> NaiveDate {
    years.checked_mul(12).and_then(|months| date.checked_add_months(Months::new(months))).unwrap_or(NaiveDate::MAX)
}

/// `date` − `days` days, saturating at [`NaiveDate::MIN`].
fn sub_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_sub_days(Days::new(u64::from(days))).unwrap_or(NaiveDate::MIN)
}

/// Labels of the rule versions consulted, in order of first use, without repeats.
#[derive(Debug, Default)]
struct Versions(Vec<String>);

impl Versions {
    fn note(&mut self, label: &str) {
        if !self.0.iter().any(|l| l == label) {
            self.0.push(label.to_owned());
        }
    }

    fn take<T>(&mut self, applied: Applied<T>) -> T {
        self.note(&applied.version);
        applied.value
    }
}

/// `Ok(None)` for a parameter not in force, other errors passed on.
fn optional<T>(result: Result<Applied<T>, RuleError>) -> Result<Option<Applied<T>>, RuleError> {
    match result {
        Ok(applied) => Ok(Some(applied)),
        Err(RuleError::NotInForce { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

/// The renewal window length on `renewal_on`: the version in force then, or else the latest
/// version that started before it (the seeded window parameter ends with the periodic regime).
fn renewal_window_days(book: &RuleBook, renewal_on: NaiveDate) -> Result<Applied<u32>, RuleError> {
    let parameter = RuleParameter::CertificateReviewWindowDays;
    match book.count(parameter, renewal_on) {
        Err(RuleError::NotInForce { .. }) => book
            .versions()
            .filter(|v| v.parameter == parameter && v.effective_from <= renewal_on)
            .last()
            .and_then(|v| v.value.parse().ok().map(|value| Applied { value, version: v.version_label() }))
            .ok_or(RuleError::NotInForce { parameter, on: renewal_on }),
        other => other,
    }
}

/// One periodic review due date and the first day of its application window.
#[derive(Debug, Clone, Copy)]
struct Due {
    date: NaiveDate,
    opens: NaiveDate,
}

/// A certificate's schedule as the rules in force make it.
#[derive(Debug)]
struct Plan {
    valid_until: NaiveDate,
    /// The anniversary at the end of the validity: `valid_until + 1`.
    renewal_on: NaiveDate,
    /// Periodic reviews within the validity, ascending, up to the first whose window opens after
    /// the evaluation date.
    dues: Vec<Due>,
    /// First day of the renewal window when the renewal regime applies on `renewal_on`.
    renewal_window_opens: Option<NaiveDate>,
    extended_interval: ExtendedInterval,
    versions: Vec<String>,
}

impl Plan {
    fn new(book: &RuleBook, facts: &CertificateFacts, on: NaiveDate) -> Result<Self, RuleError> {
        let issued = facts.issued_on;
        let mut versions = Versions::default();
        let validity = versions.take(book.count(RuleParameter::CertificateValidityYears, issued)?);
        let renewal_on = add_years(issued, validity);
        let valid_until = renewal_on.pred_opt().unwrap_or(NaiveDate::MIN);

        let (interval, extended_interval) = review_interval(book, facts, on, &mut versions)?;
        let mut dues = Vec::new();
        if let Some(interval) = interval.filter(|&years| years > 0) {
            let mut previous = issued;
            for k in 1u32.. {
                let Some(years) = interval.checked_mul(k) else { break };
                let date = add_years(issued, years);
                if date > renewal_on || date <= previous {
                    break;
                }
                previous = date;
                if versions.take(book.review_regime(date)?) == ReviewRegime::Renewal {
                    continue;
                }
                let window = versions.take(book.count(RuleParameter::CertificateReviewWindowDays, date)?);
                let opens = sub_days(date, window);
                dues.push(Due { date, opens });
                if opens > on {
                    break;
                }
            }
        }

        let regime_at_end = book.review_regime(renewal_on)?;
        let renewal_window_opens = if regime_at_end.value == ReviewRegime::Renewal {
            versions.note(&regime_at_end.version);
            let window = versions.take(renewal_window_days(book, renewal_on)?);
            Some(sub_days(renewal_on, window))
        } else {
            None
        };

        Ok(Self { valid_until, renewal_on, dues, renewal_window_opens, extended_interval, versions: versions.0 })
    }

    fn status_on(&self, facts: &CertificateFacts, on: NaiveDate) -> CertificateStatus {
        let result = |status, next_review_due, review_window_opens, reason: String| CertificateStatus {
            status,
            valid_until: self.valid_until,
            next_review_due,
            review_window_opens,
            extended_interval: self.extended_interval.clone(),
            rule_versions: self.versions.clone(),
            reason,
        };
        if let Some(revoked) = facts.revoked_on.filter(|&revoked| revoked <= on) {
            return result(StatusKind::Revoked, None, None, format!("revoked on {revoked}"));
        }
        if on < facts.issued_on {
            return result(StatusKind::NotYetIssued, None, None, format!("issued only on {}", facts.issued_on));
        }
        if on > self.valid_until {
            return result(StatusKind::Expired, None, None, format!("the validity ended on {}", self.valid_until));
        }

        let mut reviews: Vec<ReviewRecord> = facts.reviews.iter().copied().filter(|r| r.on <= on).collect();
        reviews.sort_by_key(|r| (r.on, r.passed));
        for (index, due) in self.dues.iter().enumerate() {
            let (date, opens) = (due.date, due.opens);
            if opens > on {
                return result(StatusKind::Valid, Some(date), Some(opens), format!("next review due {date}"));
            }
            let next_opens = self.dues.get(index + 1).map(|next| next.opens);
            let mut failures = 0;
            let mut satisfied = false;
            for review in reviews.iter().filter(|r| r.on >= opens && next_opens.is_none_or(|next| r.on < next)) {
                if review.on > date {
                    let reason = format!(
                        "the review due {date} was recorded late, on {}; a late review does not restore validity",
                        review.on
                    );
                    return result(StatusKind::Invalid, None, None, reason);
                }
                if review.passed {
                    satisfied = true;
                    break;
                }
                failures += 1;
                if failures >= 2 {
                    let reason = format!("the review due {date} was failed a second time on {}", review.on);
                    return result(StatusKind::Invalid, None, None, reason);
                }
            }
            if satisfied {
                continue;
            }
            if on <= date {
                let retake = if failures == 1 { "; failed once, one re-review allowed" } else { "" };
                let reason = format!("review due {date}; the application window opened on {opens}{retake}");
                return result(StatusKind::ReviewWindowOpen, Some(date), Some(opens), reason);
            }
            let reason = format!("the review due {date} was not taken; the certificate has lapsed");
            return result(StatusKind::ReviewOverdue, Some(date), Some(opens), reason);
        }

        let renewal_on = self.renewal_on;
        match self.renewal_window_opens {
            Some(opens) if opens <= on => {
                let reason = format!("renewal due {renewal_on}; the application window opened on {opens}");
                result(StatusKind::ReviewWindowOpen, None, Some(opens), reason)
            }
            Some(opens) => result(StatusKind::Valid, None, Some(opens), format!("renewal due {renewal_on}")),
            None => result(StatusKind::Valid, None, None, "no review pending".to_owned()),
        }
    }
}

/// The review interval in years (`None`: no periodic review) and whether the extension applies
/// (豫安委〔2017〕17号 五(二)); see [`status`].
fn review_interval(
    book: &RuleBook,
    facts: &CertificateFacts,
    on: NaiveDate,
    versions: &mut Versions,
) -> Result<(Option<u32>, ExtendedInterval), RuleError> {
    let not_applied = |reason: String| ExtendedInterval { applies: false, reason };
    let issued = facts.issued_on;
    if versions.take(book.review_regime(issued)?) == ReviewRegime::Renewal {
        return Ok((None, not_applied("no periodic review under the renewal regime".to_owned())));
    }
    let base = versions.take(book.count(RuleParameter::CertificateReviewIntervalYears, issued)?);
    let first_due = add_years(issued, base);
    if versions.take(book.review_regime(first_due)?) == ReviewRegime::Renewal {
        return Ok((Some(base), not_applied("no periodic review under the renewal regime".to_owned())));
    }
    let extended = optional(book.count(RuleParameter::CertificateExtendedReviewIntervalYears, first_due))?;
    let minimum = optional(book.count(RuleParameter::CertificateExtensionMinContinuousYears, first_due))?;
    let (Some(extended), Some(minimum)) = (extended, minimum) else {
        return Ok((Some(base), not_applied(format!("the extended review interval is not in force on {first_due}"))));
    };
    let (extended, minimum) = (versions.take(extended), versions.take(minimum));

    let as_of = on.min(first_due);
    let worked = continuous_years(&facts.work, as_of);
    let violations = facts.violations.iter().filter(|v| issued <= v.on && v.on <= as_of).count();
    if worked.at_least_years(minimum) && violations == 0 {
        let reason = format!("{} continuous years in the category and no violations", worked.years);
        return Ok((Some(extended), ExtendedInterval { applies: true, reason }));
    }
    let mut reasons = Vec::new();
    if !worked.at_least_years(minimum) {
        reasons.push(format!("only {worked} continuous"));
    }
    if violations > 0 {
        let plural = if violations == 1 { "" } else { "s" };
        reasons.push(format!("{violations} violation{plural} recorded within the validity"));
    }
    Ok((Some(base), not_applied(reasons.join("; "))))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::rules::RuleVersion;
    use crate::validation::Coded;
    use crate::vocabulary::assert_string_enum;
    use proptest::prelude::*;

    /// Verbatim copy of `persistence/seed/rule_parameters.csv`.
    const SEED_RULES: &str = "\
name,value,unit,effective_from,effective_to,clause
prevention_fund_share_bp,1000,bp,2017-11-08,,豫安委〔2017〕17号 三(二)
prevention_fund_cap_bp,2100,bp,2025-03-29,,应急〔2025〕27号 (national cap on the prevention share of premium collected)
min_cover_per_person_fen,30000000,fen,2018-01-01,2025-03-28,安监总办〔2017〕140号; 豫安委〔2017〕17号 三(一)
min_cover_per_person_fen,40000000,fen,2025-03-29,,应急〔2025〕27号; 豫安委〔2017〕17号 三(一)
certificate_validity_years,6,years,2010-07-01,,总局令第30号 第二十一条
certificate_review_interval_years,3,years,2010-07-01,2026-05-31,总局令第30号 第二十一条
certificate_extended_review_interval_years,6,years,2017-11-08,2026-05-31,豫安委〔2017〕17号 五(二); 总局令第30号 第二十一条
certificate_extension_min_continuous_years,10,years,2010-07-01,2026-05-31,总局令第30号 第二十一条
certificate_review_window_days,60,days,2010-07-01,2026-05-31,总局令第30号 第二十二条
certificate_review_regime,periodic_review,regime,2010-07-01,2026-05-31,总局令第30号 第二十一条
certificate_review_regime,renewal,regime,2026-06-01,,reported change (unconfirmed): periodic review replaced by 6-year renewal
certificate_fraud_reapplication_bar_years,3,years,2010-07-01,,总局令第30号; 豫安委〔2017〕17号 五(二)
blacklist_term_months,36,months,2023-10-01,,应急管理部令第11号
blacklist_early_removal_months,12,months,2023-10-01,,应急管理部令第11号
engineer_registration_validity_years,5,years,2017-11-08,,注册安全工程师管理规定; 豫安委〔2017〕17号 四(一)
exam_theory_pass_mark,80,points,2010-07-01,,总局令第30号 第十条; 豫安委〔2017〕17号 五(一)
credit_base_score,80,points,2017-11-08,,豫安委〔2017〕17号 八(三); platform credit scale v1
credit_score_min,0,points,2017-11-08,,豫安委〔2017〕17号 八(三); platform credit scale v1
credit_score_max,100,points,2017-11-08,,豫安委〔2017〕17号 八(三); platform credit scale v1
credit_grade_a_min,90,points,2017-11-08,,豫安委〔2017〕17号 八(三); platform credit scale v1
credit_grade_b_min,75,points,2017-11-08,,豫安委〔2017〕17号 八(三); platform credit scale v1
credit_grade_c_min,60,points,2017-11-08,,豫安委〔2017〕17号 八(三); platform credit scale v1
";

    /// The rule book of the seeded rule table.
    pub(crate) fn seed_book() -> RuleBook {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let versions = SEED_RULES
            .lines()
            .skip(1)
            .map(|line| {
                let fields: Vec<&str> = line.splitn(6, ',').collect();
                RuleVersion {
                    parameter: RuleParameter::parse(fields[0]).unwrap(),
                    value: fields[1].to_owned(),
                    unit: fields[2].to_owned(),
                    effective_from: day(fields[3]),
                    effective_to: (!fields[4].is_empty()).then(|| day(fields[4])),
                    clause: fields[5].to_owned(),
                }
            })
            .collect();
        RuleBook::new(versions).unwrap()
    }

    pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn facts(issued_on: NaiveDate) -> CertificateFacts {
        CertificateFacts { issued_on, revoked_on: None, reviews: vec![], violations: vec![], work: vec![] }
    }

    fn worked_since(from: NaiveDate) -> Vec<WorkPeriod> {
        vec![WorkPeriod { from, to: None }]
    }

    fn review(on: NaiveDate, passed: bool) -> ReviewRecord {
        ReviewRecord { on, passed }
    }

    fn violation(on: NaiveDate) -> Violation {
        Violation { on, serious: false, administrative_penalty: false }
    }

    fn kind(book: &RuleBook, facts: &CertificateFacts, on: NaiveDate) -> StatusKind {
        status(book, facts, on).unwrap().status
    }

    const HOLDER: &str = "11010519491231002X";

    #[test]
    fn vocabularies() {
        assert_string_enum!(WorkCategory, "invalid_work_category");
        assert_string_enum!(ReviewFailure, "invalid_review_failure");
        assert_string_enum!(StatusKind, "invalid_certificate_status");
        assert_eq!(WorkCategory::ALL.len(), 10);
        assert_eq!(WorkCategory::Metallurgy.chinese_name(), "冶金(有色)生产安全作业");
        assert!(WorkCategory::ALL.iter().all(|c| c.chinese_name().ends_with("作业")));
    }

    #[test]
    fn certificate_number() {
        let number = CertificateNumber::parse(&format!("T{HOLDER}")).unwrap();
        assert_eq!(number.as_str(), "T11010519491231002X");
        assert_eq!(number.to_string(), "T11010519491231002X");
        assert_eq!(number.holder_id().as_str(), HOLDER);
        assert_eq!(number.masked(), "T110***********002X");
        let holder = ResidentId::parse(HOLDER).unwrap();
        assert_eq!(CertificateNumber::for_holder(&holder), number);
        assert_eq!("T11010519491231002X".parse::<CertificateNumber>().unwrap(), number);

        for bad in ["", "T", HOLDER, "t11010519491231002X", " T11010519491231002X", "TT11010519491231002X"] {
            let error = CertificateNumber::parse(bad).unwrap_err();
            assert_eq!(error.code(), "invalid_certificate_number", "{bad:?}");
        }
        assert_eq!(CertificateNumber::parse(HOLDER), Err(CertificateNumberError::MissingPrefix));
        assert!(matches!(
            CertificateNumber::parse("T110105194912310021"),
            Err(CertificateNumberError::Holder(ResidentIdError::CheckMismatch { .. }))
        ));

        let json = serde_json::to_string(&number).unwrap();
        assert_eq!(json, "\"T11010519491231002X\"");
        assert_eq!(serde_json::from_str::<CertificateNumber>(&json).unwrap(), number);
        assert!(serde_json::from_str::<CertificateNumber>("\"11010519491231002X\"").is_err());
    }

    #[test]
    fn continuous_years_runs() {
        let period = |from, to| WorkPeriod { from, to };
        let on = date(2020, 1, 1);
        // Touching periods form one run.
        let touching = [period(date(2016, 1, 1), None), period(date(2010, 1, 1), Some(date(2015, 12, 31)))];
        assert_eq!(continuous_years(&touching, on), ContinuousYears { years: 10, days: 0 });
        // A one-day gap (2015-12-31) breaks it.
        let gap = [period(date(2010, 1, 1), Some(date(2015, 12, 30))), period(date(2016, 1, 1), None)];
        assert_eq!(continuous_years(&gap, on), ContinuousYears { years: 4, days: 0 });
        // Overlapping and contained periods.
        let overlapping = [
            period(date(2009, 6, 1), Some(date(2012, 1, 1))),
            period(date(2010, 1, 1), Some(date(2011, 1, 1))),
            period(date(2011, 6, 1), None),
        ];
        assert_eq!(continuous_years(&overlapping, on), ContinuousYears { years: 10, days: 214 });
        // A run that ended the day before counts, up to `on`; two days before does not.
        let ended = [period(date(2010, 1, 1), Some(date(2019, 12, 31)))];
        assert_eq!(continuous_years(&ended, on), ContinuousYears { years: 10, days: 0 });
        let ended_earlier = [period(date(2010, 1, 1), Some(date(2019, 12, 30)))];
        assert_eq!(continuous_years(&ended_earlier, on), ContinuousYears::default());
        // Work after `on` is ignored; a run starting on `on` has length zero.
        assert_eq!(continuous_years(&[period(date(2020, 1, 2), None)], on), ContinuousYears::default());
        assert_eq!(continuous_years(&[period(on, None)], on), ContinuousYears::default());
        assert_eq!(continuous_years(&[], on), ContinuousYears::default());
        // Malformed periods are ignored.
        let malformed = [period(date(2000, 1, 1), Some(date(1999, 1, 1))), period(date(2019, 1, 1), None)];
        assert_eq!(continuous_years(&malformed, on), ContinuousYears { years: 1, days: 0 });
        // Future work does not bridge a gap.
        let bridge = [period(date(2010, 1, 1), Some(date(2015, 1, 1))), period(date(2015, 1, 3), None)];
        assert_eq!(continuous_years(&bridge, date(2015, 1, 2)), ContinuousYears { years: 5, days: 1 });
        assert_eq!(continuous_years(&bridge, date(2015, 1, 3)), ContinuousYears::default());
    }

    #[test]
    fn continuous_years_calendar_arithmetic() {
        let leap = worked_since(date(2016, 2, 29));
        assert_eq!(continuous_years(&leap, date(2026, 2, 28)), ContinuousYears { years: 10, days: 0 });
        assert_eq!(continuous_years(&leap, date(2026, 2, 27)), ContinuousYears { years: 9, days: 364 });
        assert_eq!(continuous_years(&leap, date(2024, 2, 29)), ContinuousYears { years: 8, days: 0 });
        let plain = worked_since(date(2012, 3, 2));
        let short = continuous_years(&plain, date(2022, 3, 1));
        assert_eq!(short, ContinuousYears { years: 9, days: 364 });
        assert!(short.at_least_years(9) && !short.at_least_years(10));
        assert_eq!(short.to_string(), "9 years 364 days");
        assert_eq!(ContinuousYears { years: 10, days: 0 }.to_string(), "10 years");
        assert_eq!(ContinuousYears { years: 1, days: 1 }.to_string(), "1 year 1 day");
        assert_eq!(ContinuousYears::default().to_string(), "0 days");
        let far = continuous_years(&worked_since(NaiveDate::MIN), NaiveDate::MAX);
        assert!(far.years > 500_000);
    }

    #[test]
    fn leap_day_issue_and_window_boundaries() {
        let book = seed_book();
        let cert = facts(date(2020, 2, 29));
        // 36 months after 2020-02-29 is 2023-02-28 (chrono clamps to the month's last day).
        let before = status(&book, &cert, date(2022, 12, 29)).unwrap();
        assert_eq!(before.status, StatusKind::Valid);
        assert_eq!(before.valid_until, date(2026, 2, 27));
        assert_eq!(before.next_review_due, Some(date(2023, 2, 28)));
        assert_eq!(before.review_window_opens, Some(date(2022, 12, 30)));
        assert!(!before.extended_interval.applies);
        assert_eq!(before.extended_interval.reason, "only 0 days continuous");
        assert_eq!(
            before.rule_versions,
            [
                "certificate_validity_years@2010-07-01",
                "certificate_review_regime@2010-07-01",
                "certificate_review_interval_years@2010-07-01",
                "certificate_extended_review_interval_years@2017-11-08",
                "certificate_extension_min_continuous_years@2010-07-01",
                "certificate_review_window_days@2010-07-01",
            ]
        );
        // First and last day of the window.
        assert_eq!(kind(&book, &cert, date(2022, 12, 30)), StatusKind::ReviewWindowOpen);
        let last = status(&book, &cert, date(2023, 2, 28)).unwrap();
        assert_eq!(last.status, StatusKind::ReviewWindowOpen);
        assert_eq!(last.next_review_due, Some(date(2023, 2, 28)));
        // The day after the due date with no review.
        let overdue = status(&book, &cert, date(2023, 3, 1)).unwrap();
        assert_eq!(overdue.status, StatusKind::ReviewOverdue);
        assert_eq!(overdue.next_review_due, Some(date(2023, 2, 28)));
        assert_eq!(kind(&book, &cert, date(2025, 12, 31)), StatusKind::ReviewOverdue);

        // Passed on the due date: the next review falls due on the anniversary.
        let mut reviewed = cert.clone();
        reviewed.reviews.push(review(date(2023, 2, 28), true));
        let after = status(&book, &reviewed, date(2023, 3, 1)).unwrap();
        assert_eq!(after.status, StatusKind::Valid);
        assert_eq!(after.next_review_due, Some(date(2026, 2, 28)));
        assert_eq!(after.review_window_opens, Some(date(2025, 12, 30)));
        assert_eq!(kind(&book, &reviewed, date(2025, 12, 29)), StatusKind::Valid);
        assert_eq!(kind(&book, &reviewed, date(2025, 12, 30)), StatusKind::ReviewWindowOpen);
        assert_eq!(kind(&book, &reviewed, date(2026, 2, 27)), StatusKind::ReviewWindowOpen);
        assert_eq!(kind(&book, &reviewed, date(2026, 2, 28)), StatusKind::Expired);
        // A review recorded after `on` is not known yet on `on`.
        assert_eq!(kind(&book, &reviewed, date(2023, 2, 27)), StatusKind::ReviewWindowOpen);

        // A late review does not restore validity.
        let mut late = cert.clone();
        late.reviews.push(review(date(2023, 3, 5), true));
        assert_eq!(kind(&book, &late, date(2023, 3, 4)), StatusKind::ReviewOverdue);
        let invalid = status(&book, &late, date(2023, 3, 5)).unwrap();
        assert_eq!(invalid.status, StatusKind::Invalid);
        assert_eq!(invalid.next_review_due, None);
        assert!(invalid.reason.contains("late"));

        // A review before the window is not the review.
        let mut early = cert;
        early.reviews.push(review(date(2022, 12, 29), true));
        assert_eq!(kind(&book, &early, date(2023, 3, 1)), StatusKind::ReviewOverdue);
    }

    #[test]
    fn extension_at_ten_years_exactly() {
        let book = seed_book();
        let mut cert = facts(date(2019, 3, 1));
        cert.work = worked_since(date(2012, 3, 1));
        let granted = status(&book, &cert, date(2022, 3, 2)).unwrap();
        assert!(granted.extended_interval.applies);
        assert_eq!(granted.extended_interval.reason, "10 continuous years in the category and no violations");
        assert_eq!(granted.status, StatusKind::Valid);
        assert_eq!(granted.next_review_due, Some(date(2025, 3, 1)));
        assert_eq!(granted.review_window_opens, Some(date(2024, 12, 31)));
        assert_eq!(kind(&book, &cert, date(2024, 12, 31)), StatusKind::ReviewWindowOpen);
        // Before the holder reaches ten years, the three-year review is due.
        let pending = status(&book, &cert, date(2022, 2, 28)).unwrap();
        assert_eq!(pending.status, StatusKind::ReviewWindowOpen);
        assert_eq!(pending.next_review_due, Some(date(2022, 3, 1)));
        assert_eq!(pending.extended_interval.reason, "only 9 years 364 days continuous");
        assert_eq!(kind(&book, &cert, date(2022, 3, 1)), StatusKind::Valid);
    }

    #[test]
    fn extension_refused_one_day_short() {
        let book = seed_book();
        let mut cert = facts(date(2019, 3, 1));
        cert.work = worked_since(date(2012, 3, 2));
        let refused = status(&book, &cert, date(2022, 3, 2)).unwrap();
        assert!(!refused.extended_interval.applies);
        assert_eq!(refused.extended_interval.reason, "only 9 years 364 days continuous");
        assert_eq!(refused.status, StatusKind::ReviewOverdue);
        assert_eq!(refused.next_review_due, Some(date(2022, 3, 1)));
        // Reaching ten years after the due date does not forgive the missed review.
        assert_eq!(kind(&book, &cert, date(2022, 3, 5)), StatusKind::ReviewOverdue);
    }

    #[test]
    fn extension_refused_with_one_violation() {
        let book = seed_book();
        let mut cert = facts(date(2019, 3, 1));
        cert.work = worked_since(date(2000, 1, 1));
        cert.violations.push(violation(date(2020, 5, 1)));
        let refused = status(&book, &cert, date(2022, 3, 2)).unwrap();
        assert!(!refused.extended_interval.applies);
        assert_eq!(refused.extended_interval.reason, "1 violation recorded within the validity");
        assert_eq!(refused.status, StatusKind::ReviewOverdue);

        cert.work = worked_since(date(2015, 1, 1));
        cert.violations.push(violation(date(2021, 5, 1)));
        let both = status(&book, &cert, date(2021, 6, 1)).unwrap();
        assert_eq!(
            both.extended_interval.reason,
            "only 6 years 151 days continuous; 2 violations recorded within the validity"
        );

        // A violation before the issue date, or after the first due date, does not count.
        cert.work = worked_since(date(2000, 1, 1));
        cert.violations = vec![violation(date(2019, 2, 28)), violation(date(2022, 3, 2))];
        let granted = status(&book, &cert, date(2022, 3, 3)).unwrap();
        assert!(granted.extended_interval.applies);
        assert_eq!(granted.extended_interval.reason, "22 continuous years in the category and no violations");
    }

    #[test]
    fn extension_not_in_force_before_the_henan_policy() {
        let book = seed_book();
        let mut cert = facts(date(2012, 1, 1));
        cert.work = worked_since(date(1990, 1, 1));
        let old = status(&book, &cert, date(2014, 12, 1)).unwrap();
        assert!(!old.extended_interval.applies);
        assert_eq!(old.extended_interval.reason, "the extended review interval is not in force on 2015-01-01");
        assert_eq!(old.status, StatusKind::ReviewWindowOpen);
        assert_eq!(old.next_review_due, Some(date(2015, 1, 1)));
        assert!(!old.rule_versions.iter().any(|v| v.starts_with("certificate_extended")));
    }

    #[test]
    fn regime_switch_on_the_due_date() {
        let book = seed_book();
        // Due 2026-05-31: periodic review.
        let periodic = facts(date(2023, 5, 31));
        let open = status(&book, &periodic, date(2026, 4, 1)).unwrap();
        assert_eq!(open.status, StatusKind::ReviewWindowOpen);
        assert_eq!(open.next_review_due, Some(date(2026, 5, 31)));
        assert_eq!(open.review_window_opens, Some(date(2026, 4, 1)));
        assert_eq!(kind(&book, &periodic, date(2026, 3, 31)), StatusKind::Valid);
        assert_eq!(kind(&book, &periodic, date(2026, 6, 1)), StatusKind::ReviewOverdue);
        assert_eq!(check_review_application(&book, &periodic, date(2026, 5, 31)), Ok(date(2026, 5, 31)));

        // Due 2026-06-01: renewal, no periodic review.
        let renewal = facts(date(2023, 6, 1));
        for on in [date(2026, 4, 2), date(2026, 6, 1), date(2026, 6, 2), date(2029, 4, 1)] {
            let s = status(&book, &renewal, on).unwrap();
            assert_eq!(s.status, StatusKind::Valid, "{on}");
            assert_eq!(s.next_review_due, None);
            assert_eq!(s.review_window_opens, Some(date(2029, 4, 2)));
        }
        let s = status(&book, &renewal, date(2026, 6, 2)).unwrap();
        assert!(!s.extended_interval.applies);
        assert_eq!(s.extended_interval.reason, "no periodic review under the renewal regime");
        assert_eq!(
            s.rule_versions,
            [
                "certificate_validity_years@2010-07-01",
                "certificate_review_regime@2010-07-01",
                "certificate_review_interval_years@2010-07-01",
                "certificate_review_regime@2026-06-01",
                "certificate_review_window_days@2010-07-01",
            ]
        );
        // The renewal window: the 60 days ending on valid_until.
        assert_eq!(s.valid_until, date(2029, 5, 31));
        assert_eq!(kind(&book, &renewal, date(2029, 4, 2)), StatusKind::ReviewWindowOpen);
        assert_eq!(kind(&book, &renewal, date(2029, 5, 31)), StatusKind::ReviewWindowOpen);
        assert_eq!(kind(&book, &renewal, date(2029, 6, 1)), StatusKind::Expired);
        assert_eq!(check_review_application(&book, &renewal, date(2029, 4, 2)), Ok(date(2029, 6, 1)));
        assert_eq!(
            check_review_application(&book, &renewal, date(2029, 4, 1)),
            Err(ReviewError::OutsideWindow { opens: date(2029, 4, 2), due: date(2029, 6, 1) })
        );
    }

    #[test]
    fn periodic_review_then_renewal_at_the_end_of_validity() {
        let book = seed_book();
        let mut cert = facts(date(2021, 6, 1));
        cert.reviews.push(review(date(2024, 5, 20), true));
        let s = status(&book, &cert, date(2024, 6, 2)).unwrap();
        assert_eq!(s.status, StatusKind::Valid);
        assert_eq!(s.next_review_due, None);
        assert_eq!(s.review_window_opens, Some(date(2027, 4, 2)));
        assert!(s.rule_versions.contains(&"certificate_review_regime@2026-06-01".to_owned()));
        // Issued under the renewal regime: no periodic review at all.
        let new = facts(date(2026, 7, 1));
        let s = status(&book, &new, date(2029, 7, 2)).unwrap();
        assert_eq!(
            (s.status, s.next_review_due, s.review_window_opens),
            (StatusKind::Valid, None, Some(date(2032, 5, 2)))
        );
        assert_eq!(s.valid_until, date(2032, 6, 30));
    }

    #[test]
    fn failed_reviews() {
        let book = seed_book();
        let mut cert = facts(date(2020, 1, 1));
        cert.reviews.push(review(date(2022, 11, 10), false));
        let once = status(&book, &cert, date(2022, 11, 20)).unwrap();
        assert_eq!(once.status, StatusKind::ReviewWindowOpen);
        assert!(once.reason.contains("one re-review allowed"));
        assert_eq!(check_review_application(&book, &cert, date(2022, 11, 20)), Ok(date(2023, 1, 1)));

        let mut retaken = cert.clone();
        retaken.reviews.push(review(date(2022, 12, 1), true));
        assert_eq!(kind(&book, &retaken, date(2023, 1, 2)), StatusKind::Valid);

        cert.reviews.push(review(date(2022, 12, 1), false));
        assert_eq!(kind(&book, &cert, date(2022, 11, 30)), StatusKind::ReviewWindowOpen);
        let twice = status(&book, &cert, date(2022, 12, 1)).unwrap();
        assert_eq!(twice.status, StatusKind::Invalid);
        assert!(twice.reason.contains("second time"));
        assert_eq!(
            check_review_application(&book, &cert, date(2022, 12, 2)),
            Err(ReviewError::NotReviewable { status: StatusKind::Invalid })
        );
    }

    #[test]
    fn application_window_boundaries() {
        let book = seed_book();
        let cert = facts(date(2020, 1, 1));
        let outside = Err(ReviewError::OutsideWindow { opens: date(2022, 11, 2), due: date(2023, 1, 1) });
        assert_eq!(check_review_application(&book, &cert, date(2022, 11, 1)), outside);
        assert_eq!(check_review_application(&book, &cert, date(2022, 11, 2)), Ok(date(2023, 1, 1)));
        assert_eq!(check_review_application(&book, &cert, date(2023, 1, 1)), Ok(date(2023, 1, 1)));
        assert_eq!(check_review_application(&book, &cert, date(2023, 1, 2)), outside);
        let error = check_review_application(&book, &cert, date(2023, 1, 2)).unwrap_err();
        assert_eq!(error.code(), "outside_review_window");
    }

    #[test]
    fn revoked_expired_and_not_yet_issued() {
        let book = seed_book();
        let mut cert = facts(date(2020, 1, 1));
        cert.revoked_on = Some(date(2021, 5, 1));
        assert_eq!(kind(&book, &cert, date(2021, 4, 30)), StatusKind::Valid);
        assert_eq!(kind(&book, &cert, date(2021, 5, 1)), StatusKind::Revoked);
        let error = check_review_application(&book, &cert, date(2022, 12, 1)).unwrap_err();
        assert_eq!(error, ReviewError::NotReviewable { status: StatusKind::Revoked });
        assert_eq!(error.code(), "certificate_not_reviewable");

        let mut reviewed = facts(date(2020, 1, 1));
        reviewed.reviews.push(review(date(2022, 12, 1), true));
        assert_eq!(kind(&book, &reviewed, date(2025, 12, 31)), StatusKind::ReviewWindowOpen);
        assert_eq!(kind(&book, &reviewed, date(2026, 1, 1)), StatusKind::Expired);
        assert_eq!(
            check_review_application(&book, &reviewed, date(2026, 1, 1)),
            Err(ReviewError::NotReviewable { status: StatusKind::Expired })
        );
        assert_eq!(kind(&book, &reviewed, date(2019, 12, 31)), StatusKind::NotYetIssued);
        assert_eq!(kind(&book, &reviewed, date(2020, 1, 1)), StatusKind::Valid);
    }

    #[test]
    fn rule_errors_are_passed_on() {
        let book = seed_book();
        let error = status(&book, &facts(date(2010, 6, 30)), date(2011, 1, 1)).unwrap_err();
        assert_eq!(
            error,
            RuleError::NotInForce { parameter: RuleParameter::CertificateValidityYears, on: date(2010, 6, 30) }
        );
        let wrapped = check_review_application(&book, &facts(date(2010, 6, 30)), date(2011, 1, 1)).unwrap_err();
        assert_eq!(wrapped.code(), "rule_not_in_force");
        assert!(status(&RuleBook::default(), &facts(date(2020, 1, 1)), date(2020, 1, 1)).is_err());
    }

    #[test]
    fn review_outcomes() {
        let passed = review_outcome(&[], 0);
        assert!(passed.passed && !passed.second_failure && !passed.re_review_allowed);
        assert!(review_outcome(&[], 1).passed);
        let first = review_outcome(&[ReviewFailure::TrainingOrExamFailed, ReviewFailure::FailedHealthCheck], 0);
        assert!(!first.passed && !first.second_failure && first.re_review_allowed);
        assert_eq!(first.failures, [ReviewFailure::FailedHealthCheck, ReviewFailure::TrainingOrExamFailed]);
        let second = review_outcome(&[ReviewFailure::RefusedInspection, ReviewFailure::RefusedInspection], 1);
        assert!(!second.passed && second.second_failure && !second.re_review_allowed);
        assert_eq!(second.failures, [ReviewFailure::RefusedInspection]);
        assert!(review_outcome(&[ReviewFailure::AdministrativePenalty], 5).second_failure);
    }

    #[test]
    fn violations_as_review_failures() {
        let (from, to) = (date(2020, 1, 1), date(2022, 12, 31));
        assert!(violation_failures(&[], from, to).is_empty());
        assert!(violation_failures(&[violation(date(2021, 1, 1))], from, to).is_empty());
        let two = [violation(date(2020, 1, 1)), violation(date(2022, 12, 31))];
        assert_eq!(violation_failures(&two, from, to), [ReviewFailure::SeriousViolationOrRepeated]);
        let outside = [violation(date(2019, 12, 31)), violation(date(2021, 1, 1)), violation(date(2023, 1, 1))];
        assert!(violation_failures(&outside, from, to).is_empty());
        let serious = [Violation { on: date(2021, 1, 1), serious: true, administrative_penalty: true }];
        assert_eq!(
            violation_failures(&serious, from, to),
            [ReviewFailure::SeriousViolationOrRepeated, ReviewFailure::AdministrativePenalty]
        );
        let penalty = [Violation { on: date(2021, 1, 1), serious: false, administrative_penalty: true }];
        assert_eq!(violation_failures(&penalty, from, to), [ReviewFailure::AdministrativePenalty]);
    }

    #[test]
    fn reissue_bar() {
        let book = seed_book();
        let until = |on: NaiveDate, fraud: bool| reissue_barred_until(&book, on, fraud).unwrap().map(|a| a.value);
        assert_eq!(until(date(2024, 2, 29), true), Some(date(2027, 2, 28)));
        assert_eq!(until(date(2024, 3, 1), true), Some(date(2027, 3, 1)));
        assert_eq!(until(date(2024, 3, 1), false), None);
        assert_eq!(until(NaiveDate::MAX, true), Some(NaiveDate::MAX));
        let applied = reissue_barred_until(&book, date(2024, 3, 1), true).unwrap().unwrap();
        assert_eq!(applied.version, "certificate_fraud_reapplication_bar_years@2010-07-01");
        // No bar parameter in force before 2010-07-01: the caller learns it rather than a guess.
        assert!(reissue_barred_until(&book, date(2010, 6, 30), true).is_err());
        assert_eq!(reissue_barred_until(&book, date(2010, 6, 30), false), Ok(None));
    }

    #[test]
    fn every_error_is_coded() {
        let coded: [&dyn Coded; 4] = [
            &CertificateNumberError::MissingPrefix,
            &ReviewError::OutsideWindow { opens: date(2022, 11, 2), due: date(2023, 1, 1) },
            &ReviewError::NotReviewable { status: StatusKind::Expired },
            &ReviewError::Rule(RuleError::NotInForce {
                parameter: RuleParameter::CertificateValidityYears,
                on: date(2000, 1, 1),
            }),
        ];
        let codes: Vec<&str> = coded.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            ["invalid_certificate_number", "outside_review_window", "certificate_not_reviewable", "rule_not_in_force"]
        );
    }

    #[test]
    fn facts_serde_is_strict() {
        let json = serde_json::json!({
            "issued_on": "2020-01-01",
            "revoked_on": null,
            "reviews": [{"on": "2022-12-01", "passed": true}],
            "violations": [{"on": "2021-01-01", "serious": false, "administrative_penalty": false}],
            "work": [{"from": "2010-01-01", "to": null}],
        });
        let parsed: CertificateFacts = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), json);
        let mut extra = json;
        extra["note"] = serde_json::json!("x");
        assert!(serde_json::from_value::<CertificateFacts>(extra).is_err());
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0i64..12_000).prop_map(|offset| date(2012, 1, 1) + chrono::Duration::days(offset))
    }

    proptest! {
        #[test]
        fn status_never_panics_and_applications_agree(
            issued in any_date(),
            on in any_date(),
            revoked in proptest::option::of(any_date()),
            reviews in proptest::collection::vec((any_date(), any::<bool>()), 0..4),
            violations in proptest::collection::vec(any_date(), 0..3),
            work in proptest::collection::vec((any_date(), proptest::option::of(any_date())), 0..4),
        ) {
            let book = seed_book();
            let facts = CertificateFacts {
                issued_on: issued,
                revoked_on: revoked,
                reviews: reviews.into_iter().map(|(on, passed)| ReviewRecord { on, passed }).collect(),
                violations: violations.into_iter().map(violation).collect(),
                work: work.into_iter().map(|(from, to)| WorkPeriod { from, to }).collect(),
            };
            let s = status(&book, &facts, on).unwrap();
            prop_assert_eq!(s.valid_until, add_years(issued, 6).pred_opt().unwrap());
            if let (Some(due), Some(opens)) = (s.next_review_due, s.review_window_opens) {
                prop_assert!(opens < due && due <= s.valid_until.succ_opt().unwrap());
            }
            match check_review_application(&book, &facts, on) {
                Ok(due) => {
                    prop_assert_eq!(s.status, StatusKind::ReviewWindowOpen);
                    prop_assert!(on <= due);
                }
                Err(ReviewError::OutsideWindow { opens, due }) => {
                    prop_assert!(on < opens || on > due);
                }
                Err(ReviewError::NotReviewable { status }) => prop_assert_eq!(status, s.status),
                Err(ReviewError::Rule(error)) => prop_assert!(false, "{}", error),
            }
        }

        #[test]
        fn continuous_years_matches_calendar_years(from in any_date(), on in any_date()) {
            let run = continuous_years(&worked_since(from), on);
            if on <= from {
                prop_assert_eq!(run, ContinuousYears::default());
            } else {
                prop_assert!(add_years(from, run.years) <= on);
                prop_assert!(add_years(from, run.years + 1) > on);
                prop_assert!(run.days < 366);
                prop_assert_eq!(add_years(from, run.years) + chrono::Days::new(u64::from(run.days)), on);
            }
        }
    }
}
