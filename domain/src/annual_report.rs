//! The annual performance report a provider publishes (豫安委〔2017〕17号 二(三), 七).
//!
//! 二(三) asks each technical service agency to disclose its work; 七 holds social organisations that
//! take on public services to the same standard. The platform builds the figures of a provider's
//! report from its engagements: the year of an engagement is the CST calendar year of the day the
//! contract was signed (`signed_on` is already a CST date). The value by service type adds up the
//! service lines of each contract, so a contract with two services counts once in each of its
//! services and its fee once in the total. Evaluations are those of the year's engagements; the
//! sanctions are those decided in the year. No float is used anywhere: the mean rating is carried
//! as an exact sum and count, and as hundredths of a point rounded half up.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use thiserror::Error;

use crate::money::{Fen, MoneyError};
use crate::organization::ServiceType;
use crate::region::RegionCode;
use crate::sanctions::SanctionKind;

/// Citation of the disclosure duty the report fulfils.
pub const CLAUSE: &str = "豫安委〔2017〕17号 二(三)";

/// The first year a report can cover: the year of 豫安委〔2017〕17号 (2017-11-08).
pub const FIRST_YEAR: i32 = 2017;

/// Why figures cannot be built or a year cannot be reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum ReportError {
    /// A sum left the `i64` range of fen or the `u64` range of counts.
    #[error("the figures are out of range")]
    Overflow,
    /// A stored rating is not 1 to 5.
    #[error("rating {0} is not between 1 and 5")]
    InvalidRating(i32),
    /// The year is before [`FIRST_YEAR`] or after the current year.
    #[error("year {year} is not between {first} and {last}")]
    YearOutOfRange {
        /// The requested year.
        year: i32,
        /// The first reportable year.
        first: i32,
        /// The current year.
        last: i32,
    },
    /// The year has not ended, so its report cannot be published yet.
    #[error("year {0} has not ended")]
    YearNotEnded(i32),
}

impl ReportError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::Overflow => "amount_overflow",
            ReportError::InvalidRating(_) => "invalid_rating",
            ReportError::YearOutOfRange { .. } => "invalid_range",
            ReportError::YearNotEnded(_) => "year_not_ended",
        }
    }
}

crate::validation::impl_coded!(ReportError);

impl From<MoneyError> for ReportError {
    fn from(_: MoneyError) -> Self {
        ReportError::Overflow
    }
}

/// Whether a report on `year` may be asked for on `today` (CST): from [`FIRST_YEAR`] to the
/// current year, both included (豫安委〔2017〕17号 二(三)). The current year's report is a draft
/// that grows until the year ends.
pub fn check_year(year: i32, today: NaiveDate) -> Result<(), ReportError> {
    if (FIRST_YEAR..=today.year()).contains(&year) {
        Ok(())
    } else {
        Err(ReportError::YearOutOfRange { year, first: FIRST_YEAR, last: today.year() })
    }
}

/// Whether the report on `year` may be published on `today` (CST): only once the year is over,
/// from 1 January of the next year, so that a published report covers the whole year and never
/// has to change (豫安委〔2017〕17号 二(三)).
pub fn check_publishable(year: i32, today: NaiveDate) -> Result<(), ReportError> {
    check_year(year, today)?;
    if today.year() > year {
        Ok(())
    } else {
        Err(ReportError::YearNotEnded(year))
    }
}

/// One engagement as the report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngagementFacts {
    /// The day the contract was signed (CST); decides the year.
    pub signed_on: NaiveDate,
    /// Region of the enterprise served.
    pub enterprise_region: RegionCode,
    /// The service lines and their fees; the contract fee is their sum.
    pub services: Vec<(ServiceType, Fen)>,
    /// The enterprise's evaluation (1 to 5), once given.
    pub rating: Option<i32>,
}

/// A sanction on the provider as the report lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SanctionFacts {
    /// The rung of the exit ladder (八(一)).
    pub kind: SanctionKind,
    /// The day it was decided; decides the year.
    pub decided_on: NaiveDate,
}

/// Count and value of one service type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceFigures {
    /// The service.
    pub service_type: ServiceType,
    /// Engagements with a line of this service.
    pub engagements: u64,
    /// Sum of the fees of those lines.
    pub value: Fen,
}

/// Engagements for enterprises of one region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionFigures {
    /// The enterprise's region.
    pub region_code: RegionCode,
    /// Engagements for enterprises there.
    pub engagements: u64,
}

/// The evaluations of the year's engagements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Evaluations {
    /// Engagements evaluated.
    pub count: u64,
    /// How many of them got 1, 2, 3, 4 and 5 (index 0 is rating 1).
    pub by_rating: [u64; 5],
    /// Sum of the ratings: the mean is exactly `rating_sum / count`.
    pub rating_sum: u64,
    /// The mean in hundredths of a point, rounded half up (4.335 → 434); `None` without
    /// evaluations.
    pub mean_hundredths: Option<u64>,
}

/// The figures of a provider's annual report (豫安委〔2017〕17号 二(三)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    /// The calendar year (CST).
    pub year: i32,
    /// Engagements signed in the year.
    pub engagements: u64,
    /// Sum of their contract fees (the sum of every service line).
    pub value: Fen,
    /// By service type, in the vocabulary's order; only services with an engagement.
    pub by_service: Vec<ServiceFigures>,
    /// By the region of the enterprise served, in code order.
    pub regions: Vec<RegionFigures>,
    /// The evaluations of those engagements.
    pub evaluations: Evaluations,
    /// Sanctions decided in the year, oldest first.
    pub sanctions: Vec<SanctionFacts>,
}

fn add(count: u64, more: u64) -> Result<u64, ReportError> {
    count.checked_add(more).ok_or(ReportError::Overflow)
}

/// `sum / count` in hundredths, rounded half up: `(200 × sum + count) / (2 × count)`.
fn mean_hundredths(sum: u64, count: u64) -> Result<Option<u64>, ReportError> {
    if count == 0 {
        return Ok(None);
    }
    let numerator = sum.checked_mul(200).and_then(|n| n.checked_add(count)).ok_or(ReportError::Overflow)?;
    let denominator = count.checked_mul(2).ok_or(ReportError::Overflow)?;
    Ok(Some(numerator / denominator))
}

/// Builds the figures of `year` from a provider's engagements and sanctions (豫安委〔2017〕17号
/// 二(三)). Engagements signed in another year and sanctions decided in another year are left out,
/// so callers may pass more than the year's rows. Every sum is checked: an amount beyond the `i64`
/// range of fen is [`ReportError::Overflow`], never a wrapped number.
pub fn build(year: i32, engagements: &[EngagementFacts], sanctions: &[SanctionFacts]) -> Result<Figures, ReportError> {
    let mut count = 0u64;
    let mut value = Fen::ZERO;
    let mut by_service: BTreeMap<usize, (u64, Fen)> = BTreeMap::new();
    let mut regions: BTreeMap<RegionCode, u64> = BTreeMap::new();
    let mut evaluations = Evaluations::default();
    for engagement in engagements.iter().filter(|e| e.signed_on.year() == year) {
        count = add(count, 1)?;
        for &(service, fee) in &engagement.services {
            value = value.checked_add(fee)?;
            let position = ServiceType::ALL.iter().position(|&s| s == service).unwrap_or(usize::MAX);
            let entry = by_service.entry(position).or_insert((0, Fen::ZERO));
            entry.0 = add(entry.0, 1)?;
            entry.1 = entry.1.checked_add(fee)?;
        }
        let region = regions.entry(engagement.enterprise_region.clone()).or_insert(0);
        *region = add(*region, 1)?;
        if let Some(rating) = engagement.rating {
            let index =
                usize::try_from(rating - 1).ok().filter(|&i| i < 5).ok_or(ReportError::InvalidRating(rating))?;
            evaluations.by_rating[index] = add(evaluations.by_rating[index], 1)?;
            evaluations.count = add(evaluations.count, 1)?;
            evaluations.rating_sum = add(evaluations.rating_sum, u64::try_from(rating).unwrap_or(0))?;
        }
    }
    evaluations.mean_hundredths = mean_hundredths(evaluations.rating_sum, evaluations.count)?;
    let mut sanctions: Vec<SanctionFacts> = sanctions.iter().filter(|s| s.decided_on.year() == year).copied().collect();
    sanctions.sort_by_key(|s| (s.decided_on, s.kind));
    Ok(Figures {
        year,
        engagements: count,
        value,
        by_service: by_service
            .into_iter()
            .filter_map(|(position, (engagements, value))| {
                ServiceType::ALL.get(position).map(|&service_type| ServiceFigures { service_type, engagements, value })
            })
            .collect(),
        regions: regions
            .into_iter()
            .map(|(region_code, engagements)| RegionFigures { region_code, engagements })
            .collect(),
        evaluations,
        sanctions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("date")
    }

    fn region(code: &str) -> RegionCode {
        RegionCode::parse(code).expect("region")
    }

    fn engagement(
        signed_on: &str,
        region_code: &str,
        services: &[(ServiceType, i64)],
        rating: Option<i32>,
    ) -> EngagementFacts {
        EngagementFacts {
            signed_on: date(signed_on),
            enterprise_region: region(region_code),
            services: services.iter().map(|&(s, fee)| (s, Fen::new(fee))).collect(),
            rating,
        }
    }

    #[test]
    fn an_empty_year_has_zero_figures_and_no_mean() {
        let figures = build(2025, &[], &[]).expect("figures");
        assert_eq!(figures.year, 2025);
        assert_eq!(figures.engagements, 0);
        assert_eq!(figures.value, Fen::ZERO);
        assert!(figures.by_service.is_empty());
        assert!(figures.regions.is_empty());
        assert_eq!(figures.evaluations, Evaluations::default());
        assert_eq!(figures.evaluations.mean_hundredths, None);
        assert!(figures.sanctions.is_empty());
    }

    #[test]
    fn the_year_runs_from_1_january_to_31_december() {
        let engagements = [
            engagement("2024-12-31", "410100", &[(ServiceType::Consulting, 1)], None),
            engagement("2025-01-01", "410100", &[(ServiceType::Consulting, 10)], None),
            engagement("2025-12-31", "410300", &[(ServiceType::Consulting, 100)], None),
            engagement("2026-01-01", "410100", &[(ServiceType::Consulting, 1000)], None),
        ];
        let sanctions = [
            SanctionFacts { kind: SanctionKind::PublicCriticism, decided_on: date("2024-12-31") },
            SanctionFacts { kind: SanctionKind::RectificationOrder, decided_on: date("2025-12-31") },
            SanctionFacts { kind: SanctionKind::RectificationOrder, decided_on: date("2025-01-01") },
            SanctionFacts { kind: SanctionKind::ServiceSuspension, decided_on: date("2026-01-01") },
        ];
        let figures = build(2025, &engagements, &sanctions).expect("figures");
        assert_eq!(figures.engagements, 2);
        assert_eq!(figures.value, Fen::new(110));
        assert_eq!(
            figures.sanctions,
            [
                SanctionFacts { kind: SanctionKind::RectificationOrder, decided_on: date("2025-01-01") },
                SanctionFacts { kind: SanctionKind::RectificationOrder, decided_on: date("2025-12-31") },
            ]
        );
        assert_eq!(
            figures.regions,
            [
                RegionFigures { region_code: region("410100"), engagements: 1 },
                RegionFigures { region_code: region("410300"), engagements: 1 },
            ]
        );
    }

    #[test]
    fn service_lines_are_counted_per_service_and_the_fee_once_in_the_total() {
        let engagements = [
            engagement(
                "2025-03-01",
                "410100",
                &[(ServiceType::SafetyAssessment, 300_000), (ServiceType::Consulting, 50_000)],
                Some(5),
            ),
            engagement("2025-04-01", "410100", &[(ServiceType::Consulting, 20_000)], Some(4)),
            engagement("2025-05-01", "410200", &[(ServiceType::Training, 0)], Some(4)),
            engagement("2025-06-01", "410200", &[(ServiceType::Training, 7)], None),
        ];
        let figures = build(2025, &engagements, &[]).expect("figures");
        assert_eq!(figures.engagements, 4);
        assert_eq!(figures.value, Fen::new(370_007));
        assert_eq!(
            figures.by_service,
            [
                ServiceFigures {
                    service_type: ServiceType::SafetyAssessment,
                    engagements: 1,
                    value: Fen::new(300_000)
                },
                ServiceFigures { service_type: ServiceType::Consulting, engagements: 2, value: Fen::new(70_000) },
                ServiceFigures { service_type: ServiceType::Training, engagements: 2, value: Fen::new(7) },
            ]
        );
        assert_eq!(figures.evaluations.count, 3);
        assert_eq!(figures.evaluations.by_rating, [0, 0, 0, 2, 1]);
        assert_eq!(figures.evaluations.rating_sum, 13);
        // 13 / 3 = 4.333… → 433.
        assert_eq!(figures.evaluations.mean_hundredths, Some(433));
    }

    #[test]
    fn the_mean_rounds_half_up_in_hundredths() {
        let ratings = |rs: &[i32]| -> Vec<EngagementFacts> {
            rs.iter().map(|&r| engagement("2025-06-01", "410100", &[(ServiceType::Consulting, 1)], Some(r))).collect()
        };
        let mean = |rs: &[i32]| build(2025, &ratings(rs), &[]).expect("figures").evaluations.mean_hundredths;
        // 5/3 = 1.666… → 1.67; 13/8 = 1.625 → 1.63 (half up).
        assert_eq!(mean(&[1, 2, 2]), Some(167));
        assert_eq!(mean(&[1, 1, 1, 2, 2, 2, 2, 2]), Some(163));
        assert_eq!(mean(&[5]), Some(500));
        assert_eq!(mean(&[1]), Some(100));
    }

    #[test]
    fn a_rating_outside_1_to_5_is_refused() {
        for rating in [0, 6, -1] {
            let engagements = [engagement("2025-06-01", "410100", &[(ServiceType::Consulting, 1)], Some(rating))];
            assert_eq!(build(2025, &engagements, &[]), Err(ReportError::InvalidRating(rating)));
        }
    }

    #[test]
    fn the_largest_amounts_add_up_and_one_fen_more_overflows() {
        let half = i64::MAX / 2;
        let fits = [
            engagement("2025-01-01", "410100", &[(ServiceType::Consulting, half)], None),
            engagement("2025-01-02", "410100", &[(ServiceType::Consulting, i64::MAX - half)], None),
        ];
        let figures = build(2025, &fits, &[]).expect("figures");
        assert_eq!(figures.value, Fen::new(i64::MAX));
        assert_eq!(figures.by_service[0].value, Fen::new(i64::MAX));
        let over = [
            engagement("2025-01-01", "410100", &[(ServiceType::Consulting, i64::MAX)], None),
            engagement("2025-01-02", "410100", &[(ServiceType::Training, 1)], None),
        ];
        assert_eq!(build(2025, &over, &[]), Err(ReportError::Overflow));
        // Outside the year, the same amounts are not added at all.
        assert!(build(2024, &over, &[]).is_ok());
    }

    #[test]
    fn reportable_years_run_from_2017_to_the_current_year() {
        let today = date("2026-11-29");
        assert_eq!(check_year(2016, today).map_err(|e| e.code()), Err("invalid_range"));
        assert!(check_year(2017, today).is_ok());
        assert!(check_year(2026, today).is_ok());
        assert_eq!(check_year(2027, today), Err(ReportError::YearOutOfRange { year: 2027, first: 2017, last: 2026 }));
    }

    #[test]
    fn a_year_is_publishable_from_the_first_of_january_after_it() {
        assert_eq!(check_publishable(2025, date("2025-12-31")), Err(ReportError::YearNotEnded(2025)));
        assert_eq!(check_publishable(2025, date("2025-12-31")).map_err(|e| e.code()), Err("year_not_ended"));
        assert!(check_publishable(2025, date("2026-01-01")).is_ok());
        assert!(check_publishable(2017, date("2026-11-29")).is_ok());
        assert_eq!(check_publishable(2026, date("2026-11-29")), Err(ReportError::YearNotEnded(2026)));
        assert_eq!(check_publishable(2016, date("2026-11-29")).map_err(|e| e.code()), Err("invalid_range"));
    }
}
