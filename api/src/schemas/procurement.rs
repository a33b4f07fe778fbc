//! Government purchase projects: request and response bodies.

use chrono::{DateTime, NaiveDate, Utc};
use domain::procurement::{format_hundredths, EvaluationParty, ProcurementArea, ProcurementStatus};
use persistence::organizations::Organization;
use persistence::procurement::{Evaluation, Project};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use validator::Validate;

use crate::schemas::complaint::narrative_text;
use crate::schemas::fields::plain_text;
use crate::schemas::vocabulary::vocabulary_schema;

vocabulary_schema!(
    ProcurementAreaSchema,
    "ProcurementArea",
    ProcurementArea,
    "The catalogue of services the government purchases (九(二))."
);
vocabulary_schema!(
    EvaluationPartySchema,
    "EvaluationParty",
    EvaluationParty,
    "Who evaluates a purchase (九(二)): purchaser, recipient or third-party institution."
);
vocabulary_schema!(
    ProcurementStatusSchema,
    "ProcurementStatus",
    ProcurementStatus,
    "`awarded` until all three parties have evaluated, then `evaluated`."
);

/// The most recipients one project may name.
pub const MAX_RECIPIENTS: usize = 50;

/// A government purchase of services (九(二)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "area": "safety_inspection",
    "title": "2026年郑州市小微企业安全检查服务",
    "budget_fen": 50_000_000,
    "region_code": "410100",
    "recipient_ids": ["0190f0a2-7b3c-7d4e-8f90-123456789abc"],
    "provider_id": "0190f0a2-7b3c-7d4e-8f90-123456789abd",
    "third_party_id": "0190f0a2-7b3c-7d4e-8f90-123456789abe",
    "awarded_on": "2026-03-01"
}))]
pub struct CreateProject {
    #[schema(value_type = ProcurementAreaSchema)]
    pub area: String,
    #[validate(length(min = 1, max = 200), custom(function = "plain_text"))]
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    /// The contract value, in fen; not negative.
    #[schema(minimum = 0)]
    pub budget_fen: i64,
    /// Where the service is delivered; within the regulator's jurisdiction
    /// (403 `outside_jurisdiction` otherwise). Defaults to the regulator's
    /// jurisdiction; an admin must give it.
    #[serde(default)]
    #[schema(example = "410100")]
    pub region_code: Option<String>,
    /// The organisations served: 1 to 50, distinct, not the provider or the third party.
    #[schema(min_items = 1, max_items = 50)]
    pub recipient_ids: Vec<Uuid>,
    /// The awarded provider: eligible on `awarded_on` as in matching (九(三));
    /// otherwise 422 `provider_not_eligible`.
    pub provider_id: Uuid,
    /// The third-party evaluator: an organisation an agency client can act
    /// for (technical service agency, training institution, social
    /// organisation, engineer firm), neither the provider nor a recipient.
    pub third_party_id: Uuid,
    /// The award date (CST); not in the future.
    #[schema(value_type = NaiveDate)]
    pub awarded_on: String,
}

/// One party's evaluation (九(二)).
#[derive(Debug, Clone, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "party": "purchaser",
    "score": 88,
    "comment": "按合同完成检查并提交整改建议",
    "evaluated_on": "2026-06-30"
}))]
pub struct CreateEvaluation {
    #[schema(value_type = EvaluationPartySchema)]
    pub party: String,
    /// 0 to 100.
    #[schema(minimum = 0, maximum = 100)]
    pub score: i64,
    #[validate(length(min = 1, max = 2000), custom(function = "narrative_text"))]
    #[schema(min_length = 1, max_length = 2000)]
    pub comment: String,
    /// The evaluation date (CST): not before the award, not in the future.
    #[schema(value_type = NaiveDate)]
    pub evaluated_on: String,
}

/// One party's evaluation as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EvaluationView {
    #[schema(value_type = EvaluationPartySchema)]
    pub party: EvaluationParty,
    pub score: u8,
    pub comment: String,
    /// The organisation the evaluator acted for; `null` for the purchaser.
    pub evaluator_org: Option<Uuid>,
    pub evaluated_on: NaiveDate,
}

impl From<&Evaluation> for EvaluationView {
    fn from(e: &Evaluation) -> Self {
        EvaluationView {
            party: e.party,
            score: e.score,
            comment: e.comment.clone(),
            evaluator_org: e.evaluator_org,
            evaluated_on: e.evaluated_on,
        }
    }
}

/// A government purchase with its evaluations and, once all three parties
/// have evaluated, the composite.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProjectView {
    pub id: Uuid,
    #[schema(value_type = ProcurementAreaSchema)]
    pub area: ProcurementArea,
    pub title: String,
    #[schema(example = "410100")]
    pub region_code: String,
    pub budget_fen: i64,
    pub provider_id: Uuid,
    pub third_party_id: Uuid,
    pub recipient_ids: Vec<Uuid>,
    pub awarded_on: NaiveDate,
    #[schema(value_type = ProcurementStatusSchema)]
    pub status: ProcurementStatus,
    /// In party order: purchaser, recipient, third party.
    pub evaluations: Vec<EvaluationView>,
    /// The composite with two decimals, e.g. `"87.50"`; `null` until evaluated.
    #[schema(example = "87.50")]
    pub composite: Option<String>,
    /// The composite in hundredths of a point (8750 = 87.50).
    pub composite_hundredths: Option<u32>,
    /// The rule versions of the weights applied.
    pub weights_version: Option<String>,
    /// The date of the last evaluation.
    pub evaluated_on: Option<NaiveDate>,
    /// The credit event recorded for the provider.
    pub credit_event_id: Option<Uuid>,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl ProjectView {
    pub fn new(project: &Project, evaluations: &[Evaluation]) -> Self {
        ProjectView {
            id: project.id,
            area: project.area,
            title: project.title.clone(),
            region_code: project.region_code.as_str().to_owned(),
            budget_fen: project.budget.value(),
            provider_id: project.provider_id,
            third_party_id: project.third_party_id,
            recipient_ids: project.recipient_ids.clone(),
            awarded_on: project.awarded_on,
            status: project.status,
            evaluations: evaluations.iter().map(EvaluationView::from).collect(),
            composite: project.composite_hundredths.map(format_hundredths),
            composite_hundredths: project.composite_hundredths,
            weights_version: project.weights_version.clone(),
            evaluated_on: project.evaluated_on,
            credit_event_id: project.credit_event_id,
            version: project.version,
            created_at: project.created_at,
            updated_at: project.updated_at,
        }
    }
}

/// `GET /procurement/projects` query.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The provider as the public sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicProvider {
    pub name: String,
    #[schema(example = "91350100M000100Y43")]
    pub credit_code: String,
}

/// The three parties' scores.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PartyScores {
    pub purchaser: u8,
    pub recipient: u8,
    pub third_party: u8,
}

/// The published result of an evaluated purchase (九(二)).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PublicProjectResult {
    pub id: Uuid,
    #[schema(value_type = ProcurementAreaSchema)]
    pub area: ProcurementArea,
    pub title: String,
    #[schema(example = "410100")]
    pub region_code: String,
    pub provider: PublicProvider,
    /// Two decimals, e.g. `"87.50"`.
    #[schema(example = "87.50")]
    pub composite: String,
    /// The same in hundredths of a point.
    #[schema(example = 8750)]
    pub composite_hundredths: u32,
    pub scores: PartyScores,
    pub weights_version: Option<String>,
    pub evaluated_on: NaiveDate,
}

impl PublicProjectResult {
    /// The result of an evaluated project; `None` while not evaluated.
    pub fn new(project: &Project, provider: &Organization, evaluations: &[Evaluation]) -> Option<Self> {
        let score = |party: EvaluationParty| evaluations.iter().find(|e| e.party == party).map(|e| e.score);
        Some(PublicProjectResult {
            id: project.id,
            area: project.area,
            title: project.title.clone(),
            region_code: project.region_code.as_str().to_owned(),
            provider: PublicProvider {
                name: provider.name.clone(),
                credit_code: provider.credit_code.as_str().to_owned(),
            },
            composite: format_hundredths(project.composite_hundredths?),
            composite_hundredths: project.composite_hundredths?,
            scores: PartyScores {
                purchaser: score(EvaluationParty::Purchaser)?,
                recipient: score(EvaluationParty::Recipient)?,
                third_party: score(EvaluationParty::ThirdParty)?,
            },
            weights_version: project.weights_version.clone(),
            evaluated_on: project.evaluated_on?,
        })
    }
}
