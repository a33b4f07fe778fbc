//! Bodies of random spot checks (豫安委〔2017〕17号 八(二) 随机抽查, "double random"): the
//! draw request, the recorded draw with its results, and the public verification.

use chrono::{DateTime, NaiveDate, Utc};
use domain::sanctions::SanctionKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::schemas::vocabulary::{OrganizationKindSchema, SanctionKindSchema, SectorSchema};

/// Draw targets and inspectors at random.
///
/// The population is every organisation matching `kind`, `region` and `sector` inside the
/// caller's jurisdiction that is not revoked. The seed is derived from the recorded inputs and
/// `beacon`, never chosen by the server, so anyone can re-derive the draw.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "kind": "technical_service_agency",
    "region": "410100",
    "sector": null,
    "sample_size": 4,
    "inspectors": ["郑应急执001", "郑应急执002", "郑应急执003", "郑应急执004", "郑应急执005"],
    "inspectors_per_target": 2,
    "beacon": "2026-03-02 中国福利彩票3D第2026055期 开奖号码 7 3 1"
}))]
pub struct CreateSpotCheckDraw {
    /// Only organisations of this kind.
    #[schema(value_type = Option<OrganizationKindSchema>)]
    pub kind: Option<String>,
    /// Only organisations registered in this region or in a region answering to it; it must lie
    /// inside the caller's jurisdiction (403 `outside_jurisdiction` otherwise).
    #[schema(example = "410100", min_length = 6, max_length = 6)]
    pub region: Option<String>,
    /// Only enterprises of this sector.
    #[schema(value_type = Option<SectorSchema>)]
    pub sector: Option<String>,
    /// How many targets to draw; a sample larger than the population draws everyone.
    #[schema(minimum = 1, maximum = 10000)]
    pub sample_size: i64,
    /// The inspector pool: names or staff numbers, 1–50 characters each, trimmed; duplicates
    /// count once, and the pool is recorded sorted.
    #[schema(min_items = 1, max_items = 200)]
    pub inspectors: Vec<String>,
    /// Distinct inspectors drawn for each target: at least 1, at most the pool's size.
    #[schema(minimum = 1)]
    pub inspectors_per_target: i64,
    /// A value announced before the draw (a lottery result, a published date string), taken
    /// exactly as sent: it is hashed into the seed.
    #[schema(min_length = 1, max_length = 200)]
    pub beacon: String,
}

/// Record what the inspection of one target found.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "findings": "现场检查发现项目负责人未到现场，已责令限期整改。",
    "sanction_id": "01934f0e-7b7a-7c1e-9d0b-2f3a4b5c6d7e"
}))]
pub struct CreateSpotCheckResult {
    /// What the inspection found; line breaks allowed.
    #[schema(min_length = 1, max_length = 2000)]
    pub findings: String,
    /// A sanction decided on the target organisation as a result, if any.
    pub sanction_id: Option<Uuid>,
}

/// The sanction a result links to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpotCheckSanction {
    pub id: Uuid,
    #[schema(value_type = SanctionKindSchema)]
    pub kind: SanctionKind,
    pub decided_on: NaiveDate,
}

/// One drawn target, its inspectors and, once recorded, what was found.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpotCheckTargetView {
    /// Place in draw order, from 0; results are recorded against it.
    pub position: u32,
    pub organization_id: Uuid,
    pub name: String,
    pub credit_code: String,
    /// Distinct inspectors, in the order they were drawn.
    pub inspectors: Vec<String>,
    pub findings: Option<String>,
    pub sanction: Option<SpotCheckSanction>,
    pub recorded_at: Option<DateTime<Utc>>,
}

/// A recorded draw.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpotCheckDrawView {
    pub id: Uuid,
    /// Canonical text of the population filter and the drawing jurisdiction, hashed into the
    /// seed: `kind=…;region=…;sector=…;jurisdiction=…;status=not_revoked` (empty means any).
    #[schema(example = "kind=technical_service_agency;region=410100;sector=;jurisdiction=410100;status=not_revoked")]
    pub criteria: String,
    /// The region the draw covers (its `region`, else the caller's jurisdiction); regulators
    /// whose jurisdiction covers it may see the draw.
    pub region_code: String,
    pub population_size: usize,
    /// Lower-case hex SHA-256 fingerprint of the population snapshot.
    pub population_digest: String,
    /// Lower-case hex SHA-256 seed derived from the inputs.
    pub seed: String,
    pub beacon: String,
    pub sample_size: u32,
    pub inspectors_per_target: u32,
    /// The inspector pool, sorted.
    pub inspectors: Vec<String>,
    /// Version of the draw algorithm, hashed into the seed.
    #[schema(example = "hsp-spot-check-v1")]
    pub algorithm: String,
    /// API client that made the draw.
    pub drawn_by: String,
    pub created_at: DateTime<Utc>,
    /// Where anyone can re-derive this draw.
    pub verification: String,
    /// In draw order; empty when nothing matched the filter.
    pub targets: Vec<SpotCheckTargetView>,
}

/// The recorded inputs of a draw: everything its seed and selection depend on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpotCheckInputs {
    pub criteria: String,
    /// The population snapshot: candidate organisation ids, sorted.
    pub population: Vec<String>,
    /// The digest recorded at draw time.
    pub population_digest: String,
    pub inspectors: Vec<String>,
    pub sample_size: u32,
    pub inspectors_per_target: u32,
    pub beacon: String,
}

/// A target and its inspectors, as the algorithm sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SpotCheckSelected {
    pub organization_id: String,
    pub inspectors: Vec<String>,
}

/// A seed and the selection it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SpotCheckSelection {
    /// Lower-case hex SHA-256.
    pub seed: String,
    /// In draw order.
    pub targets: Vec<SpotCheckSelected>,
}

impl From<&domain::spot_check::Draw> for SpotCheckSelection {
    fn from(draw: &domain::spot_check::Draw) -> SpotCheckSelection {
        SpotCheckSelection {
            seed: draw.seed_hex.clone(),
            targets: draw
                .targets
                .iter()
                .map(|t| SpotCheckSelected { organization_id: t.target.clone(), inspectors: t.inspectors.clone() })
                .collect(),
        }
    }
}

/// Anyone's check of a draw: the recorded inputs, the recorded selection and the selection the
/// documented algorithm derives from those inputs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpotCheckVerification {
    pub draw_id: Uuid,
    /// Version of the draw algorithm (documented on this endpoint).
    #[schema(example = "hsp-spot-check-v1")]
    pub algorithm: String,
    #[schema(example = "豫安委〔2017〕17号 八(二)")]
    pub clause: String,
    pub drawn_at: DateTime<Utc>,
    pub inputs: SpotCheckInputs,
    pub recorded: SpotCheckSelection,
    /// `null` when the recorded inputs cannot be drawn at all.
    pub rederived: Option<SpotCheckSelection>,
    /// Whether the recorded seed and selection are exactly what the inputs give.
    pub verified: bool,
    /// Whether the recorded population digest is the digest of the recorded population.
    pub digest_matches: bool,
}
