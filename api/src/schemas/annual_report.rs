//! Annual reports: request and response bodies (豫安委〔2017〕17号 二(三)).
//!
//! [`PublishedAnnualReport`] is also what publication stores: the JSON of a
//! published report is written once and served as it was, so its shape is
//! the contract of old and new reports alike.

use chrono::{DateTime, NaiveDate, Utc};
use domain::annual_report::Figures;
use domain::organization::ServiceType;
use domain::sanctions::SanctionKind;
use persistence::annual_reports::Narrative;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use validator::Validate;

use crate::schemas::complaint::narrative_text;
use crate::schemas::vocabulary::{SanctionKindSchema, ServiceTypeSchema};

/// The provider's own account of its year. Several paragraphs are fine.
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"narrative": "本年度共完成安全评价项目12项，未发生投诉。"}))]
pub struct WriteNarrative {
    /// 1–20,000 characters; no control characters other than line breaks and tabs.
    #[validate(length(min = 1, max = 20000), custom(function = "narrative_text"))]
    pub narrative: String,
}

/// Publication takes no fields: send `{}`. What is published is the
/// report as it stands.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({}))]
pub struct PublishAnnualReport {}

/// One version of the narrative.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct NarrativeView {
    /// 1, 2, 3, … in order of writing.
    pub version: i32,
    pub narrative: String,
    pub written_at: DateTime<Utc>,
}

impl From<&Narrative> for NarrativeView {
    fn from(n: &Narrative) -> Self {
        NarrativeView { version: n.version, narrative: n.narrative.clone(), written_at: n.created_at }
    }
}

/// The narrative version a write produced (or the latest one, when the text
/// was already the latest).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NarrativeWritten {
    pub organization_id: Uuid,
    pub year: i32,
    #[serde(flatten)]
    pub narrative: NarrativeView,
}

/// Count and value of one service type.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceFiguresView {
    #[schema(value_type = ServiceTypeSchema)]
    pub service_type: ServiceType,
    /// Engagements with a line of this service.
    pub engagements: u64,
    /// Sum of the fees of those lines, in fen.
    pub value_fen: i64,
}

/// Engagements for enterprises of one region.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegionFiguresView {
    #[schema(example = "410100")]
    pub region_code: String,
    pub engagements: u64,
}

/// How many evaluations gave one rating.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RatingCountView {
    /// 1 to 5.
    pub rating: u8,
    pub count: u64,
}

/// The enterprises' evaluations of the year's engagements.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct EvaluationFiguresView {
    /// Engagements evaluated.
    pub count: u64,
    /// One entry per rating, 1 to 5.
    pub by_rating: Vec<RatingCountView>,
    /// Sum of the ratings: the mean is exactly `rating_sum / count`.
    pub rating_sum: u64,
    /// The mean in hundredths of a point, rounded half up (433 = 4.33);
    /// `null` without evaluations.
    pub mean_hundredths: Option<u64>,
}

/// A sanction decided in the year (八(一)).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportedSanction {
    #[schema(value_type = SanctionKindSchema)]
    pub kind: SanctionKind,
    pub decided_on: NaiveDate,
}

/// The figures of an annual report, from the engagements signed in the year
/// (CST) (二(三)).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AnnualFiguresView {
    pub year: i32,
    /// Engagements signed in the year.
    pub engagements: u64,
    /// Sum of their contract fees, in fen.
    pub value_fen: i64,
    /// By service type; a contract with two services counts in each.
    pub by_service: Vec<ServiceFiguresView>,
    /// By the region of the enterprise served, in code order.
    pub regions: Vec<RegionFiguresView>,
    pub evaluations: EvaluationFiguresView,
    /// Sanctions decided in the year, oldest first.
    pub sanctions: Vec<ReportedSanction>,
}

impl From<&Figures> for AnnualFiguresView {
    fn from(f: &Figures) -> Self {
        let e = &f.evaluations;
        AnnualFiguresView {
            year: f.year,
            engagements: f.engagements,
            value_fen: f.value.value(),
            by_service: f
                .by_service
                .iter()
                .map(|s| ServiceFiguresView {
                    service_type: s.service_type,
                    engagements: s.engagements,
                    value_fen: s.value.value(),
                })
                .collect(),
            regions: f
                .regions
                .iter()
                .map(|r| RegionFiguresView {
                    region_code: r.region_code.as_str().to_owned(),
                    engagements: r.engagements,
                })
                .collect(),
            evaluations: EvaluationFiguresView {
                count: e.count,
                by_rating: (1u8..=5)
                    .zip(e.by_rating)
                    .map(|(rating, count)| RatingCountView { rating, count })
                    .collect(),
                rating_sum: e.rating_sum,
                mean_hundredths: e.mean_hundredths,
            },
            sanctions: f
                .sanctions
                .iter()
                .map(|s| ReportedSanction { kind: s.kind, decided_on: s.decided_on })
                .collect(),
        }
    }
}

/// The report as it stands: live figures, the latest narrative and whether
/// the year's report is published.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnnualReportDraft {
    pub organization_id: Uuid,
    pub year: i32,
    /// Whether the report is published (and can no longer change).
    pub published: bool,
    pub published_on: Option<NaiveDate>,
    /// Figures from the engagements as they are now.
    pub figures: AnnualFiguresView,
    /// The latest narrative version; `null` before the first.
    pub narrative: Option<NarrativeView>,
}

/// A published annual report, frozen at publication (二(三)).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PublishedAnnualReport {
    pub organization_id: Uuid,
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: String,
    pub name: String,
    pub year: i32,
    pub published_on: NaiveDate,
    /// The figures at publication.
    pub figures: AnnualFiguresView,
    /// The narrative version published; `null` when there was none.
    pub narrative: Option<NarrativeView>,
}
