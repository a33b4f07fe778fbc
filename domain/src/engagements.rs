//! Engagements (service contracts) between an enterprise and a provider (豫安委〔2017〕17号 二, 八(三)).
//!
//! An engagement records the services contracted, the report types delivered (二(二) allows three
//! pairs to be combined in one report), the contract fee (nothing may be charged outside it,
//! 二(三)), planned on-site dates (a provider from another city notifies the local regulator at
//! least 7 working days before, 二(一)), its status, payments and the enterprise's evaluation.
//! Being paid and not delivering by the deadline is "charging without service" (八(三)).

use chrono::NaiveDate;
use thiserror::Error;

use crate::credit::CreditEventType;
use crate::organization::ServiceType;
use crate::region::RegionCode;
use crate::vocabulary::string_enum;
use crate::working_days::Calendar;

string_enum! {
    /// A kind of report a provider issues (豫安委〔2017〕17号 二(二)).
    pub enum ReportType ("report type", "invalid_report_type") {
        /// 职业病危害预评价报告.
        OccupationalDiseasePreAssessment = "occupational_disease_pre_assessment",
        /// 安全预评价报告.
        SafetyPreAssessment = "safety_pre_assessment",
        /// 职业病防护设施设计专篇.
        OccupationalProtectionDesign = "occupational_protection_design",
        /// 安全设施设计专篇.
        SafetyFacilitiesDesign = "safety_facilities_design",
        /// 职业病危害控制效果评价报告.
        OccupationalControlEffectEvaluation = "occupational_control_effect_evaluation",
        /// 安全验收评价报告.
        SafetyAcceptanceEvaluation = "safety_acceptance_evaluation",
        /// 安全现状评价报告.
        SafetyStatusAssessment = "safety_status_assessment",
        /// 检测检验报告.
        TestingReport = "testing_report",
        /// Any other report.
        Other = "other",
    }
}

string_enum! {
    /// Where an engagement stands: `signed` → `in_progress` → `delivered` → `accepted` |
    /// `disputed` (豫安委〔2017〕17号 二(三), 八(三)).
    pub enum EngagementStatus ("engagement status", "invalid_engagement_status") {
        /// The contract is signed; work has not started.
        Signed = "signed",
        /// The provider is serving.
        InProgress = "in_progress",
        /// The provider delivered; its disclosure is published.
        Delivered = "delivered",
        /// The enterprise accepted the delivery.
        Accepted = "accepted",
        /// The enterprise disputes the delivery.
        Disputed = "disputed",
    }
}

/// The pairs of report types that may be issued as one combined report (豫安委〔2017〕17号 二(二)).
pub const COMBINABLE_PAIRS: [(ReportType, ReportType); 3] = [
    (ReportType::OccupationalDiseasePreAssessment, ReportType::SafetyPreAssessment),
    (ReportType::OccupationalProtectionDesign, ReportType::SafetyFacilitiesDesign),
    (ReportType::OccupationalControlEffectEvaluation, ReportType::SafetyAcceptanceEvaluation),
];

/// A report document whose types may not be combined. Code `invalid_report_combination`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("report {index} combines {types:?}; only one type, or one of the three pairs of 二(二), may make one report")]
pub struct ReportCombinationError {
    /// Position of the report in the list.
    pub index: usize,
    /// Its types, as given.
    pub types: Vec<ReportType>,
}

impl ReportCombinationError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        "invalid_report_combination"
    }
}

crate::validation::impl_coded!(ReportCombinationError);

/// Checks the report documents of an engagement (豫安委〔2017〕17号 二(二)): each document is one
/// report type, or exactly two types forming one of [`COMBINABLE_PAIRS`] in either order. An
/// empty document, three or more types, a type twice or any other pair is an error naming the
/// document's index; every bad document is reported.
pub fn check_reports(reports: &[Vec<ReportType>]) -> Result<(), Vec<ReportCombinationError>> {
    let errors: Vec<ReportCombinationError> = reports
        .iter()
        .enumerate()
        .filter(|(_, types)| !combinable(types))
        .map(|(index, types)| ReportCombinationError { index, types: types.clone() })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn combinable(types: &[ReportType]) -> bool {
    match types {
        [_] => true,
        [a, b] => COMBINABLE_PAIRS.iter().any(|&(x, y)| (*a, *b) == (x, y) || (*a, *b) == (y, x)),
        _ => false,
    }
}

/// Whether an engagement may move from `from` to `to` (豫安委〔2017〕17号 二(三)): signed →
/// in_progress → delivered → accepted or disputed, one step at a time, never back.
pub fn may_move(from: EngagementStatus, to: EngagementStatus) -> bool {
    use EngagementStatus as S;
    matches!(
        (from, to),
        (S::Signed, S::InProgress)
            | (S::InProgress, S::Delivered)
            | (S::Delivered, S::Accepted)
            | (S::Delivered, S::Disputed)
    )
}

/// Whether a service must be staffed by a registered safety engineer (豫安委〔2017〕17号 四(一)):
/// safety assessment, testing and inspection, and occupational-health technical services.
pub fn requires_engineer(service: ServiceType) -> bool {
    matches!(service, ServiceType::SafetyAssessment | ServiceType::TestingInspection | ServiceType::OccupationalHealth)
}

/// Why a payment cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PaymentError {
    /// Zero or negative amount. Code `invalid_amount`.
    #[error("a payment amount must be positive, got {amount_fen} fen")]
    NotPositive {
        /// The amount given.
        amount_fen: i64,
    },
    /// The total paid would exceed the contract fee (二(三)). Code `charge_outside_contract`.
    #[error(
        "the contract fee is {fee_fen} fen and {paid_fen} fen is paid; {amount_fen} fen more would be charged outside \
         the contract"
    )]
    ChargeOutsideContract {
        /// The contract fee.
        fee_fen: i64,
        /// Paid so far.
        paid_fen: i64,
        /// The amount refused.
        amount_fen: i64,
    },
}

impl PaymentError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            PaymentError::NotPositive { .. } => "invalid_amount",
            PaymentError::ChargeOutsideContract { .. } => "charge_outside_contract",
        }
    }
}

crate::validation::impl_coded!(PaymentError);

/// Checks a payment against the contract (豫安委〔2017〕17号 二(三): fees are fixed by contract and
/// nothing may be charged outside it): the amount is positive and the total paid stays within the
/// fee; paying exactly the fee is allowed. Arithmetic never overflows: an amount that would
/// overflow is outside the contract by definition.
pub fn check_payment(contract_fee_fen: i64, paid_so_far_fen: i64, amount_fen: i64) -> Result<(), PaymentError> {
    if amount_fen <= 0 {
        return Err(PaymentError::NotPositive { amount_fen });
    }
    match paid_so_far_fen.checked_add(amount_fen) {
        Some(total) if total <= contract_fee_fen => Ok(()),
        _ => Err(PaymentError::ChargeOutsideContract {
            fee_fen: contract_fee_fen,
            paid_fen: paid_so_far_fen,
            amount_fen,
        }),
    }
}

/// Whether an engagement is "charging without service" on `on` (只收费不服务, 豫安委〔2017〕17号
/// 八(三)): something was paid on or before `on` (`paid_by_on`), the delivery deadline has passed
/// (`on > deadline`; the deadline day itself is still in time), and the provider had not
/// delivered by the deadline (`delivered_on` is `None` or after it).
pub fn charging_without_service(
    paid_by_on: bool,
    deadline: NaiveDate,
    delivered_on: Option<NaiveDate>,
    on: NaiveDate,
) -> bool {
    paid_by_on && on > deadline && delivered_on.is_none_or(|delivered| delivered > deadline)
}

/// Why an evaluation cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("a rating is 1 to 5, got {rating}")]
pub struct RatingError {
    /// The rating given.
    pub rating: i64,
}

impl RatingError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        "invalid_rating"
    }
}

crate::validation::impl_coded!(RatingError);

/// The credit event an enterprise's evaluation records against the provider (豫安委〔2017〕17号
/// 八(三), 九(三)): 4–5 positive, 3 neutral, 1–2 negative; anything outside 1..=5 is invalid.
pub fn evaluation_event(rating: i64) -> Result<CreditEventType, RatingError> {
    match rating {
        4 | 5 => Ok(CreditEventType::ServiceEvaluationPositive),
        3 => Ok(CreditEventType::ServiceEvaluationNeutral),
        1 | 2 => Ok(CreditEventType::ServiceEvaluationNegative),
        _ => Err(RatingError { rating }),
    }
}

/// Whether a provider serving an enterprise must notify the enterprise's regulator (豫安委〔2017〕
/// 17号 二(一)): when their home units differ. The units are the prefecture-level units the
/// regions answer to (`RegionInfo::supervisor`), so a province-managed county is its own unit
/// and two districts of one city are one.
pub fn notice_needed(provider_unit: &RegionCode, enterprise_unit: &RegionCode) -> bool {
    provider_unit != enterprise_unit
}

/// The cross-region notice of an engagement (豫安委〔2017〕17号 二(一)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeTiming {
    /// The first day on-site service may take place: `lead` working days after the notice.
    pub earliest_on_site: NaiveDate,
    /// Planned on-site dates before that day, in the order given.
    pub late_dates: Vec<NaiveDate>,
}

/// The earliest on-site date after a notice given on `notified_on` and the planned dates that
/// come too early (豫安委〔2017〕17号 二(一): notice at least `lead` working days before service,
/// `lead` being the rule `cross_region_notice_working_days` in force on the notice date). A date
/// on the earliest day is in time; the day before is late.
pub fn notice_timing(calendar: &Calendar, notified_on: NaiveDate, lead: u32, planned: &[NaiveDate]) -> NoticeTiming {
    let earliest_on_site = calendar.add_working_days(notified_on, lead);
    let late_dates = planned.iter().copied().filter(|d| *d < earliest_on_site).collect();
    NoticeTiming { earliest_on_site, late_dates }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;
    use crate::working_days::DayKind;
    use ReportType as R;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn vocabularies() {
        assert_string_enum!(ReportType, "invalid_report_type");
        assert_string_enum!(EngagementStatus, "invalid_engagement_status");
    }

    #[test]
    fn single_reports_and_the_three_pairs_are_allowed() {
        let singles: Vec<Vec<ReportType>> = ReportType::ALL.iter().map(|&t| vec![t]).collect();
        assert_eq!(check_reports(&singles), Ok(()));
        assert_eq!(check_reports(&[]), Ok(()));
        for (a, b) in COMBINABLE_PAIRS {
            assert_eq!(check_reports(&[vec![a, b]]), Ok(()));
            assert_eq!(check_reports(&[vec![b, a]]), Ok(()));
        }
    }

    #[test]
    fn other_combinations_name_the_document() {
        let reports = vec![
            vec![R::SafetyPreAssessment],
            vec![R::SafetyPreAssessment, R::SafetyFacilitiesDesign],
            vec![],
            vec![R::OccupationalDiseasePreAssessment, R::SafetyPreAssessment, R::TestingReport],
            vec![R::TestingReport, R::TestingReport],
            vec![R::OccupationalDiseasePreAssessment, R::SafetyAcceptanceEvaluation],
        ];
        let errors = check_reports(&reports).unwrap_err();
        let indexes: Vec<usize> = errors.iter().map(|e| e.index).collect();
        assert_eq!(indexes, vec![1, 2, 3, 4, 5]);
        assert!(errors.iter().all(|e| e.code() == "invalid_report_combination"));
    }

    #[test]
    fn transitions_go_forward_one_step() {
        use EngagementStatus as S;
        let allowed = [
            (S::Signed, S::InProgress),
            (S::InProgress, S::Delivered),
            (S::Delivered, S::Accepted),
            (S::Delivered, S::Disputed),
        ];
        for &from in S::ALL {
            for &to in S::ALL {
                assert_eq!(may_move(from, to), allowed.contains(&(from, to)), "{from} -> {to}");
            }
        }
    }

    #[test]
    fn engineer_services() {
        let required: Vec<ServiceType> = ServiceType::ALL.iter().copied().filter(|&s| requires_engineer(s)).collect();
        assert_eq!(
            required,
            vec![ServiceType::SafetyAssessment, ServiceType::TestingInspection, ServiceType::OccupationalHealth]
        );
    }

    #[test]
    fn payments_stay_within_the_fee() {
        assert_eq!(check_payment(100_000, 0, 100_000), Ok(()));
        assert_eq!(check_payment(100_000, 99_999, 1), Ok(()));
        assert_eq!(
            check_payment(100_000, 0, 100_001),
            Err(PaymentError::ChargeOutsideContract { fee_fen: 100_000, paid_fen: 0, amount_fen: 100_001 })
        );
        assert_eq!(check_payment(100_000, 100_000, 1).unwrap_err().code(), "charge_outside_contract");
        assert_eq!(check_payment(100_000, 0, 0).unwrap_err().code(), "invalid_amount");
        assert_eq!(check_payment(100_000, 0, -1).unwrap_err().code(), "invalid_amount");
        assert_eq!(check_payment(0, 0, 1).unwrap_err().code(), "charge_outside_contract");
        assert_eq!(check_payment(i64::MAX, i64::MAX - 1, 1), Ok(()));
        assert_eq!(check_payment(i64::MAX, i64::MAX, i64::MAX).unwrap_err().code(), "charge_outside_contract");
    }

    #[test]
    fn charging_without_service_from_the_day_after_the_deadline() {
        let deadline = d("2026-10-31");
        assert!(!charging_without_service(true, deadline, None, d("2026-10-31")));
        assert!(charging_without_service(true, deadline, None, d("2026-11-01")));
        // Unpaid: never flagged.
        assert!(!charging_without_service(false, deadline, None, d("2026-11-01")));
        // Delivered on the deadline: in time.
        assert!(!charging_without_service(true, deadline, Some(deadline), d("2026-11-01")));
        // Delivered late: flagged, also after delivery.
        assert!(charging_without_service(true, deadline, Some(d("2026-11-01")), d("2026-11-02")));
        // Before the deadline nothing is flagged.
        assert!(!charging_without_service(true, deadline, None, d("2026-10-30")));
    }

    #[test]
    fn ratings_map_to_events() {
        assert_eq!(evaluation_event(5), Ok(CreditEventType::ServiceEvaluationPositive));
        assert_eq!(evaluation_event(4), Ok(CreditEventType::ServiceEvaluationPositive));
        assert_eq!(evaluation_event(3), Ok(CreditEventType::ServiceEvaluationNeutral));
        assert_eq!(evaluation_event(2), Ok(CreditEventType::ServiceEvaluationNegative));
        assert_eq!(evaluation_event(1), Ok(CreditEventType::ServiceEvaluationNegative));
        assert_eq!(evaluation_event(0).unwrap_err().code(), "invalid_rating");
        assert_eq!(evaluation_event(6).unwrap_err().code(), "invalid_rating");
        assert!(evaluation_event(-1).is_err());
    }

    #[test]
    fn notice_between_units() {
        let zhengzhou = RegionCode::parse("410100").unwrap();
        let gongyi = RegionCode::parse("410181").unwrap();
        assert!(!notice_needed(&zhengzhou, &zhengzhou));
        assert!(notice_needed(&zhengzhou, &gongyi));
    }

    #[test]
    fn notice_timing_across_national_day() {
        let mut rows: Vec<(NaiveDate, DayKind)> =
            (1..=7).map(|day| (NaiveDate::from_ymd_opt(2026, 10, day).unwrap(), DayKind::Holiday)).collect();
        rows.push((d("2026-10-10"), DayKind::Workday));
        let calendar = Calendar::new(rows);
        let planned = [d("2026-10-13"), d("2026-10-14"), d("2026-09-30")];
        let timing = notice_timing(&calendar, d("2026-09-29"), 7, &planned);
        assert_eq!(timing.earliest_on_site, d("2026-10-14"));
        assert_eq!(timing.late_dates, vec![d("2026-10-13"), d("2026-09-30")]);
    }
}
