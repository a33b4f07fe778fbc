//! Regional indicators (豫安委〔2017〕17号 九(四)): the query and the report.

use chrono::NaiveDate;
use domain::indicators::{CountFigure, Figures, LevyFigure, RatioFigure};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// `?region=&year=` of `GET /indicators`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IndicatorQuery {
    /// `410000` for the province (its figures and every supervising unit's), or a supervising
    /// unit: a prefecture city, 济源 (419001) or a province-managed county (a region whose
    /// `supervisor_code` is itself in `/api/v1/regions`). A region that answers to
    /// another is a 422 `not_supervising_unit` naming its supervisor. Defaults to the caller's
    /// jurisdiction (admins: the province).
    #[param(example = "410100")]
    pub region: Option<String>,
    /// Calendar year (CST), 2017 to the current year; defaults to the current year.
    #[param(example = 2025, minimum = 2017)]
    pub year: Option<i32>,
}

/// A region by code and name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorRegion {
    /// GB/T 2260 code.
    #[schema(example = "410100")]
    pub code: String,
    #[schema(example = "郑州市")]
    pub name: String,
}

/// A share: `numerator` of `denominator`, and the share in basis points.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RatioFigureView {
    pub numerator: u64,
    pub denominator: u64,
    /// `numerator / denominator` in basis points (10,000 = 100%), rounded half up; `null` when
    /// the denominator is 0 (nothing to count is not a share of 0).
    pub value_bp: Option<u64>,
    /// What was counted, the date cut and the clause.
    pub computation: String,
}

impl From<&RatioFigure> for RatioFigureView {
    fn from(f: &RatioFigure) -> Self {
        RatioFigureView {
            numerator: f.numerator,
            denominator: f.denominator,
            value_bp: f.value_bp,
            computation: f.computation.clone(),
        }
    }
}

/// A count.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CountFigureView {
    pub count: u64,
    /// What was counted, the date cut and the clause.
    pub computation: String,
}

impl From<&CountFigure> for CountFigureView {
    fn from(f: &CountFigure) -> Self {
        CountFigureView { count: f.count, computation: f.computation.clone() }
    }
}

/// The prevention levy owed by the region's insurers and what they spent (三(二)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LevyFigureView {
    /// Spent: prevention-fund expenditures dated in the year, in fen.
    pub numerator_fen: i64,
    /// Owed: the sum over insurers of the levy on each insurer's net premium of the year,
    /// rounded once per insurer, in fen. Negative when refunds exceed income.
    pub denominator_fen: i64,
    /// Spent as a share of owed, in basis points rounded half up; `null` when nothing (or less)
    /// is owed. May exceed 10,000 when earlier years' balance is spent.
    pub value_bp: Option<u64>,
    /// Net premium income of the year (refunds reduce it), in fen.
    pub net_premium_fen: i64,
    /// Insurers with premium postings in the year.
    pub insurers: u64,
    /// The levy share applied; `null` when no version was in force.
    pub rate_bp: Option<u32>,
    /// The rule version of `rate_bp`.
    #[schema(example = "prevention_fund_share_bp@2017-11-08")]
    pub rule_version: Option<String>,
    /// What was counted, the date cut and the clause.
    pub computation: String,
}

impl From<&LevyFigure> for LevyFigureView {
    fn from(f: &LevyFigure) -> Self {
        LevyFigureView {
            numerator_fen: f.spent.value(),
            denominator_fen: f.owed.value(),
            value_bp: f.value_bp,
            net_premium_fen: f.net_premium.value(),
            insurers: f.insurers,
            rate_bp: f.rate.as_ref().map(|r| r.value.value()),
            rule_version: f.rate.as_ref().map(|r| r.version.clone()),
            computation: f.computation.clone(),
        }
    }
}

/// Every figure of one region or part.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorFigures {
    /// High-risk enterprises (三(一)) insured on the cut date.
    pub high_risk_insured: RatioFigureView,
    /// Prevention levy spent vs owed (三(二)).
    pub prevention_levy: LevyFigureView,
    /// Technical service agencies with a published annual report on the year (二(三)).
    pub annual_reports_published: RatioFigureView,
    /// Organisations meeting the engineer staffing rule on the cut date (四(一)).
    pub staffing_compliant: RatioFigureView,
    /// Exam sittings passed at the region's training institutions (五(一)).
    pub training_passed: RatioFigureView,
    /// Blacklist listings made in the year (八(三)).
    pub blacklist_listed: CountFigureView,
    /// Organisations on the blacklist on the cut date (八(三)).
    pub blacklist_in_force: CountFigureView,
    /// Sanctions decided in the year (八(一)).
    pub sanctions_decided: CountFigureView,
    /// Sanctions in force on the cut date (八(一)).
    pub sanctions_in_force: CountFigureView,
    /// Spot-check targets drawn in the year whose findings are recorded (八(二)).
    pub spot_checks_completed: RatioFigureView,
    /// Cross-region notices received in the year (二(一)).
    pub cross_region_notices_received: CountFigureView,
    /// Of those, notices flagged as too late (二(一)).
    pub cross_region_notices_flagged: CountFigureView,
}

impl From<&Figures> for IndicatorFigures {
    fn from(f: &Figures) -> Self {
        IndicatorFigures {
            high_risk_insured: (&f.high_risk_insured).into(),
            prevention_levy: (&f.prevention_levy).into(),
            annual_reports_published: (&f.annual_reports_published).into(),
            staffing_compliant: (&f.staffing_compliant).into(),
            training_passed: (&f.training_passed).into(),
            blacklist_listed: (&f.blacklist_listed).into(),
            blacklist_in_force: (&f.blacklist_in_force).into(),
            sanctions_decided: (&f.sanctions_decided).into(),
            sanctions_in_force: (&f.sanctions_in_force).into(),
            spot_checks_completed: (&f.spot_checks_completed).into(),
            cross_region_notices_received: (&f.cross_region_notices_received).into(),
            cross_region_notices_flagged: (&f.cross_region_notices_flagged).into(),
        }
    }
}

/// One supervising unit's figures within the province.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorPart {
    pub region: IndicatorRegion,
    pub figures: IndicatorFigures,
}

/// The indicators of a region for a year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorReport {
    pub region: IndicatorRegion,
    pub year: i32,
    /// The cut: 31 December for a year that is over, today (CST) for the current year.
    pub as_of: NaiveDate,
    /// Whether the year was over when asked (its flows are final); never for the current year.
    pub complete: bool,
    #[schema(example = "豫安委〔2017〕17号 九(四)")]
    pub clause: String,
    /// The region's figures.
    pub figures: IndicatorFigures,
    /// For the province: every supervising unit (prefecture cities, 济源, province-managed
    /// counties) in code order, including units with nothing counted. Empty for a unit.
    pub parts: Vec<IndicatorPart>,
    /// For the province: objects registered at the province level (410000), which no unit
    /// supervises. `figures` = Σ `parts` + `unattributed`. `null` for a unit.
    pub unattributed: Option<IndicatorFigures>,
    /// For the province: how its figures are summed from the parts. `null` for a unit.
    pub summation: Option<String>,
}
