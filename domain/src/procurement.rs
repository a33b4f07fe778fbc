//! Government purchase of services and its three-party evaluation (豫安委〔2017〕17号 九(二)).
//!
//! DOMAIN.md ("Policy and organisation — 九"): the government buys services in eight catalogue
//! areas; each purchase is evaluated by the **purchaser, the service recipient and a third-party
//! institution** together, and the result is an important basis for choosing providers — it
//! feeds the provider's credit (八(三)). The weights of the three scores and the bands that turn a
//! composite into a credit event are effective-dated rule parameters, passed in here as values.

use thiserror::Error;

use crate::credit::CreditEventType;
use crate::money::BasisPoints;
use crate::vocabulary::string_enum;

/// Citation of government purchase of services.
pub const CLAUSE: &str = "豫安委〔2017〕17号 九(二)";

/// The weights of the three parties must add up to 100 % (10,000 bp).
const WHOLE_BP: u32 = 10_000;

/// The highest score a party may give.
pub const MAX_SCORE: u8 = 100;

string_enum! {
    /// The catalogue of services the government may purchase (豫安委〔2017〕17号 九(二)).
    pub enum ProcurementArea ("procurement area", "invalid_procurement_area") {
        /// 行政许可审查.
        PermitReview = "permit_review",
        /// 安全检查.
        SafetyInspection = "safety_inspection",
        /// 事故分析.
        AccidentAnalysis = "accident_analysis",
        /// 专项整治.
        SpecialRectification = "special_rectification",
        /// 宣传教育.
        Publicity = "publicity",
        /// 公共应急防范.
        PublicEmergencyPrevention = "public_emergency_prevention",
        /// 应急救援.
        EmergencyRescue = "emergency_rescue",
        /// 风险评估.
        RiskAssessment = "risk_assessment",
    }
}

string_enum! {
    /// Who evaluates a purchase (豫安委〔2017〕17号 九(二)): 购买方, 服务对象 and 第三方机构.
    /// Declaration order is the order of the weights passed to [`composite`].
    pub enum EvaluationParty ("evaluation party", "invalid_evaluation_party") {
        /// The purchasing department (a regulator).
        Purchaser = "purchaser",
        /// An organisation that received the service.
        Recipient = "recipient",
        /// The independent third-party institution.
        ThirdParty = "third_party",
    }
}

string_enum! {
    /// Where a purchase stands: awarded until all three parties have evaluated it.
    pub enum ProcurementStatus ("procurement status", "invalid_procurement_status") {
        /// Awarded; evaluations are being collected.
        Awarded = "awarded",
        /// All three parties evaluated; the composite and its credit event are recorded.
        Evaluated = "evaluated",
    }
}

impl EvaluationParty {
    /// Position of the party in the weight and score arrays of [`composite`].
    pub const fn index(self) -> usize {
        match self {
            EvaluationParty::Purchaser => 0,
            EvaluationParty::Recipient => 1,
            EvaluationParty::ThirdParty => 2,
        }
    }
}

/// Why a composite cannot be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum ProcurementError {
    /// The weights in force do not add up to 10,000 bp: the rule book is inconsistent.
    #[error("the evaluation weights add up to {sum} bp, not 10000 bp")]
    WeightsNotWhole {
        /// Their sum.
        sum: u32,
    },
    /// A score above 100.
    #[error("score {score} is above {MAX_SCORE}")]
    ScoreOutOfRange {
        /// The score given.
        score: u8,
    },
}

impl ProcurementError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            ProcurementError::WeightsNotWhole { .. } => "invalid_weights",
            ProcurementError::ScoreOutOfRange { .. } => "out_of_range",
        }
    }
}

crate::validation::impl_coded!(ProcurementError);

/// The composite evaluation of a purchase (豫安委〔2017〕17号 九(二): purchaser, recipient and
/// third party evaluate together), in hundredths of a point: `Σ wᵢ·sᵢ / 10,000` points, i.e.
/// `Σ wᵢ·sᵢ / 100` hundredths, rounded to the nearest hundredth with halves up.
///
/// `weights` and `scores` are in [`EvaluationParty`] order (purchaser, recipient, third party).
/// The arithmetic is exact integer arithmetic: the largest sum is 10,000 × 100 = 1,000,000, so
/// nothing overflows and 100/100/100 is exactly 10,000 hundredths (100.00 points).
pub fn composite(weights: [BasisPoints; 3], scores: [u8; 3]) -> Result<u32, ProcurementError> {
    let sum: u32 = weights.iter().map(|w| w.value()).fold(0u32, u32::saturating_add);
    if sum != WHOLE_BP {
        return Err(ProcurementError::WeightsNotWhole { sum });
    }
    if let Some(&score) = scores.iter().find(|&&s| s > MAX_SCORE) {
        return Err(ProcurementError::ScoreOutOfRange { score });
    }
    let weighted: u32 = weights.iter().zip(scores).map(|(w, s)| w.value() * u32::from(s)).sum();
    Ok((weighted + 50) / 100)
}

/// The credit event a composite earns the provider (豫安委〔2017〕17号 九(二): the evaluation
/// feeds credit, 八(三)). `good_min` and `adequate_min` are whole points: a composite at or above
/// `good_min` is [`CreditEventType::ServiceEvaluationPositive`], at or above `adequate_min`
/// [`CreditEventType::ServiceEvaluationNeutral`], below it
/// [`CreditEventType::ServiceEvaluationNegative`]. Both bounds are inclusive: 85.00 against a
/// minimum of 85 is good, 84.99 is not.
pub fn band(composite_hundredths: u32, good_min: u8, adequate_min: u8) -> CreditEventType {
    if composite_hundredths >= u32::from(good_min) * 100 {
        CreditEventType::ServiceEvaluationPositive
    } else if composite_hundredths >= u32::from(adequate_min) * 100 {
        CreditEventType::ServiceEvaluationNeutral
    } else {
        CreditEventType::ServiceEvaluationNegative
    }
}

/// A composite written with exactly two decimals, as published (九(二)): 8750 → `"87.50"`.
pub fn format_hundredths(hundredths: u32) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    fn bp(values: [u32; 3]) -> [BasisPoints; 3] {
        values.map(BasisPoints::new)
    }

    #[test]
    fn names_round_trip() {
        assert_string_enum!(ProcurementArea, "invalid_procurement_area");
        assert_string_enum!(EvaluationParty, "invalid_evaluation_party");
        assert_string_enum!(ProcurementStatus, "invalid_procurement_status");
        assert_eq!(ProcurementArea::ALL.len(), 8);
        for (i, party) in EvaluationParty::ALL.iter().enumerate() {
            assert_eq!(party.index(), i);
        }
    }

    #[test]
    fn default_weights_give_exact_hundredths() {
        let default = bp([4000, 3000, 3000]);
        // 0.4 × 100 + 0.3 × 50 + 0.3 × 80 = 79.00
        assert_eq!(composite(default, [100, 50, 80]), Ok(7900));
        assert_eq!(composite(default, [0, 0, 0]), Ok(0));
        assert_eq!(composite(default, [100, 100, 100]), Ok(10_000));
        // 0.4 × 91 + 0.3 × 87 + 0.3 × 77 = 85.60
        assert_eq!(composite(default, [91, 87, 77]), Ok(8560));
        assert_eq!(composite(default, [1, 0, 0]), Ok(40));
        assert_eq!(composite(default, [0, 1, 0]), Ok(30));
    }

    #[test]
    fn one_party_carrying_all_the_weight_decides_alone() {
        assert_eq!(composite(bp([10_000, 0, 0]), [100, 0, 0]), Ok(10_000));
        assert_eq!(composite(bp([10_000, 0, 0]), [0, 100, 100]), Ok(0));
        assert_eq!(composite(bp([10_000, 0, 0]), [73, 100, 0]), Ok(7300));
        assert_eq!(composite(bp([0, 0, 10_000]), [100, 100, 0]), Ok(0));
        assert_eq!(composite(bp([0, 0, 10_000]), [0, 0, 100]), Ok(10_000));
        assert_eq!(composite(bp([0, 10_000, 0]), [0, 59, 0]), Ok(5900));
    }

    #[test]
    fn halves_round_up_and_less_rounds_down() {
        // 3333 bp × 1 point = 33.33 hundredths → 33; exactly half a hundredth rounds up.
        assert_eq!(composite(bp([3333, 3333, 3334]), [1, 0, 0]), Ok(33));
        assert_eq!(composite(bp([3350, 3350, 3300]), [1, 0, 0]), Ok(34)); // 33.50 → 34
        assert_eq!(composite(bp([3349, 3351, 3300]), [1, 0, 0]), Ok(33)); // 33.49 → 33
        assert_eq!(composite(bp([3333, 3333, 3334]), [100, 100, 99]), Ok(9967)); // 99.6666 → 99.67
        assert_eq!(composite(bp([3333, 3333, 3334]), [99, 100, 100]), Ok(9967));
        // 99.6667 → 99.67
    }

    #[test]
    fn weights_must_be_whole_and_scores_at_most_100() {
        assert_eq!(composite(bp([4000, 3000, 2999]), [1, 1, 1]), Err(ProcurementError::WeightsNotWhole { sum: 9999 }));
        assert_eq!(
            composite(bp([4000, 3000, 3001]), [1, 1, 1]),
            Err(ProcurementError::WeightsNotWhole { sum: 10_001 })
        );
        assert_eq!(
            composite(bp([u32::MAX, 1, 0]), [1, 1, 1]),
            Err(ProcurementError::WeightsNotWhole { sum: u32::MAX })
        );
        assert_eq!(
            composite(bp([4000, 3000, 3000]), [100, 101, 0]),
            Err(ProcurementError::ScoreOutOfRange { score: 101 })
        );
        assert_eq!(ProcurementError::WeightsNotWhole { sum: 0 }.code(), "invalid_weights");
        assert_eq!(ProcurementError::ScoreOutOfRange { score: 255 }.code(), "out_of_range");
    }

    #[test]
    fn bands_include_their_lower_bounds() {
        use CreditEventType as E;
        assert_eq!(band(10_000, 85, 60), E::ServiceEvaluationPositive);
        assert_eq!(band(8500, 85, 60), E::ServiceEvaluationPositive);
        assert_eq!(band(8499, 85, 60), E::ServiceEvaluationNeutral);
        assert_eq!(band(6000, 85, 60), E::ServiceEvaluationNeutral);
        assert_eq!(band(5999, 85, 60), E::ServiceEvaluationNegative);
        assert_eq!(band(0, 85, 60), E::ServiceEvaluationNegative);
        // A minimum of 0 puts everything in that band; equal bounds leave no neutral band.
        assert_eq!(band(0, 85, 0), E::ServiceEvaluationNeutral);
        assert_eq!(band(7000, 70, 70), E::ServiceEvaluationPositive);
        assert_eq!(band(6999, 70, 70), E::ServiceEvaluationNegative);
    }

    #[test]
    fn composites_computed_at_the_band_edges() {
        let default = bp([4000, 3000, 3000]);
        // 85.00 exactly from 85/85/85; 84.99 needs weights that give hundredths.
        assert_eq!(
            composite(default, [85, 85, 85]).map(|c| band(c, 85, 60)),
            Ok(CreditEventType::ServiceEvaluationPositive)
        );
        let c = composite(bp([9999, 1, 0]), [85, 0, 0]).expect("composite"); // 84.9915 → 84.99
        assert_eq!(c, 8499);
        assert_eq!(band(c, 85, 60), CreditEventType::ServiceEvaluationNeutral);
        assert_eq!(composite(default, [60, 60, 60]), Ok(6000));
        let c = composite(bp([9999, 1, 0]), [60, 0, 0]).expect("composite"); // 59.994 → 59.99
        assert_eq!(c, 5999);
        assert_eq!(band(c, 85, 60), CreditEventType::ServiceEvaluationNegative);
    }

    #[test]
    fn published_with_two_decimals() {
        assert_eq!(format_hundredths(0), "0.00");
        assert_eq!(format_hundredths(5), "0.05");
        assert_eq!(format_hundredths(8750), "87.50");
        assert_eq!(format_hundredths(8499), "84.99");
        assert_eq!(format_hundredths(10_000), "100.00");
    }
}
