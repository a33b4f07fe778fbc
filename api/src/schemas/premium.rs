//! Bodies of the premium batch ingestion path.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Most items one batch may carry (more → 422 `too_many_items`).
pub const MAX_BATCH_ITEMS: usize = 5_000;

/// Largest amount of one posting either way: 10^15 fen (10 trillion yuan),
/// far beyond any premium, so that no realistic ledger total overflows.
pub const MAX_POSTING_FEN: i64 = 1_000_000_000_000_000;

/// A batch of premium postings. Stored atomically: every item or none.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"items": [
    {"policy_number": "PICC-HN-2025-000123", "received_at": "2025-12-31T23:30:00+08:00", "amount_fen": 3240000, "external_ref": "RCPT-20251231-0001"},
    {"policy_number": "PICC-HN-2025-000123", "received_at": "2026-01-05T10:00:00+08:00", "amount_fen": -40000, "external_ref": "RFND-20260105-0001"}
]}))]
pub struct PremiumBatch {
    /// 1 to 5 000 items.
    #[schema(min_items = 1, max_items = 5000)]
    pub items: Vec<PremiumItem>,
}

/// One premium received (positive) or refunded (negative).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PremiumItem {
    /// A policy the insurer wrote.
    #[schema(min_length = 1, max_length = 64)]
    pub policy_number: String,
    /// RFC 3339 instant with offset; its CST calendar year is the year the
    /// premium counts in.
    #[schema(value_type = chrono::DateTime<chrono::Utc>, example = "2025-12-31T23:30:00+08:00")]
    pub received_at: String,
    /// Fen; positive = premium received, negative = refund, never zero;
    /// at most 10^15 either way.
    #[schema(minimum = -1_000_000_000_000_000_i64, maximum = 1_000_000_000_000_000_i64)]
    pub amount_fen: i64,
    /// The insurer's own reference, unique among all its postings.
    #[schema(min_length = 1, max_length = 100)]
    pub external_ref: String,
}

/// The levy accrued on one calendar year's net premium after the batch.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct YearLevy {
    pub year: i32,
    pub net_premium_fen: i64,
    /// `null` for a year before the levy rule was in force.
    pub levy_rate_bp: Option<u32>,
    #[schema(example = "prevention_fund_share_bp@2017-11-08")]
    pub rule_version: Option<String>,
    /// Levy rate × the yearly net premium, rounded half away from zero to
    /// the fen — computed on the yearly total, never per item.
    pub levy_fen: i64,
}

/// What a batch did.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchReceipt {
    pub batch_id: Uuid,
    /// Items in the request.
    pub received: usize,
    /// Items stored by this batch.
    pub stored: usize,
    /// Indexes of items already stored by an earlier batch with identical
    /// content (not counted again).
    pub already_recorded: Vec<usize>,
    /// The insurer's levy for each calendar year the batch touched.
    pub levy_accrued: Vec<YearLevy>,
}
