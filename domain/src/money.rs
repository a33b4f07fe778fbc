//! Money in fen and rates in basis points, with the platform's single rounding rule.
//!
//! CONVENTIONS.md ("Values"): money is an integer number of fen, never a float — not in the
//! database, not in JSON, not in intermediate arithmetic — and rounding of a share is defined once,
//! here ([`share_of`]). Rates are integer basis points.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Arithmetic on money that would leave the `i64` range of fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum MoneyError {
    /// The result does not fit in an `i64` number of fen (about ±92 billion billion fen).
    #[error("amount is out of range")]
    Overflow,
}

impl MoneyError {
    /// Stable machine code: `amount_overflow`.
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::Overflow => "amount_overflow",
        }
    }
}

crate::validation::impl_coded!(MoneyError);

/// An amount of money in fen (分, 0.01 yuan). Negative amounts are allowed: refunds are
/// negative premium postings (豫安委〔2017〕17号 三(二)). Serialises as a bare JSON integer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fen(i64);

impl Fen {
    /// Zero fen.
    pub const ZERO: Fen = Fen(0);

    /// `value` fen.
    pub const fn new(value: i64) -> Self {
        Self(value)
    }

    /// The number of fen.
    pub const fn value(self) -> i64 {
        self.0
    }

    /// Whole yuan converted to fen (× 100), e.g. the 300,000-yuan minimum cover of 三(一).
    pub fn from_yuan(yuan: i64) -> Result<Self, MoneyError> {
        yuan.checked_mul(100).map(Self).ok_or(MoneyError::Overflow)
    }

    /// `self + other`, or [`MoneyError::Overflow`].
    pub fn checked_add(self, other: Fen) -> Result<Self, MoneyError> {
        self.0.checked_add(other.0).map(Self).ok_or(MoneyError::Overflow)
    }

    /// `self - other`, or [`MoneyError::Overflow`].
    pub fn checked_sub(self, other: Fen) -> Result<Self, MoneyError> {
        self.0.checked_sub(other.0).map(Self).ok_or(MoneyError::Overflow)
    }

    /// `-self`, or [`MoneyError::Overflow`] for `i64::MIN` fen.
    pub fn checked_neg(self) -> Result<Self, MoneyError> {
        self.0.checked_neg().map(Self).ok_or(MoneyError::Overflow)
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Whether the amount is exactly zero.
    pub const fn is_zero(self) -> bool {
        self.0 == 0
    }
}

impl fmt::Display for Fen {
    /// Yuan with exactly two decimals and no grouping: `-12.34`, `0.05`, `1000.00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let magnitude = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", magnitude / 100, magnitude % 100)
    }
}

/// A rate in basis points: 1% = 100 bp, 100% = 10,000 bp. Serialises as a bare JSON integer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct BasisPoints(u32);

impl BasisPoints {
    /// `value` basis points. Any value is representable (a surcharge may exceed 100%); rules that
    /// bound a rate, such as the 21% cap on prevention spending, are checked where they apply.
    pub const fn new(value: u32) -> Self {
        Self(value)
    }

    /// The number of basis points.
    pub const fn value(self) -> u32 {
        self.0
    }
}

/// Basis points in 100%.
const FULL: i128 = 10_000;

/// `rate` of `amount`: THE rounding rule of the platform.
///
/// The exact product `amount × rate / 10,000` is computed in `i128` (so it never overflows) and
/// rounded to the nearest fen, halves away from zero (the commercial rounding of 四舍五入, applied
/// symmetrically so a refund's share exactly cancels the premium's share). Every share on the
/// platform — the prevention-fund levy of 10% of premium income (豫安委〔2017〕17号 三(二)), the
/// national 21% cap, floating-rate adjustments (三(三)) — goes through this function, so the same
/// inputs always give the same fen.
///
/// Examples: 10% of 5 fen = 0.5 → 1 fen; 10% of −5 fen = −0.5 → −1 fen; 10% of 4 fen = 0.4 → 0;
/// 10% of 12,345 fen = 1,234.5 → 1,235 fen.
///
/// Returns [`MoneyError::Overflow`] only when the rounded result does not fit in `i64` fen, which
/// needs a rate above 100%.
pub fn share_of(amount: Fen, rate: BasisPoints) -> Result<Fen, MoneyError> {
    let product = i128::from(amount.0) * i128::from(rate.0);
    let quotient = product / FULL;
    let remainder = product % FULL;
    // Division truncates toward zero; a remainder of at least half moves one fen further away.
    let rounded = if remainder.abs() * 2 >= FULL { quotient + product.signum() } else { quotient };
    i64::try_from(rounded).map(Fen).map_err(|_| MoneyError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TEN_PERCENT: BasisPoints = BasisPoints::new(1_000);

    fn share(amount: i64, bp: u32) -> Result<i64, MoneyError> {
        share_of(Fen::new(amount), BasisPoints::new(bp)).map(Fen::value)
    }

    #[test]
    fn documented_rounding_examples() {
        assert_eq!(share_of(Fen::new(5), TEN_PERCENT), Ok(Fen::new(1)));
        assert_eq!(share_of(Fen::new(-5), TEN_PERCENT), Ok(Fen::new(-1)));
        assert_eq!(share_of(Fen::new(4), TEN_PERCENT), Ok(Fen::new(0)));
        assert_eq!(share_of(Fen::new(-4), TEN_PERCENT), Ok(Fen::new(0)));
        assert_eq!(share(12_345, 1_000), Ok(1_235));
        assert_eq!(share(-12_345, 1_000), Ok(-1_235));
        assert_eq!(share(14, 1_000), Ok(1));
        assert_eq!(share(15, 1_000), Ok(2));
        assert_eq!(share(16, 1_000), Ok(2));
    }

    #[test]
    fn share_boundaries() {
        assert_eq!(share(0, 1_000), Ok(0));
        assert_eq!(share(0, u32::MAX), Ok(0));
        assert_eq!(share(123, 0), Ok(0));
        assert_eq!(share(i64::MAX, 0), Ok(0));
        assert_eq!(share(i64::MAX, 10_000), Ok(i64::MAX));
        assert_eq!(share(i64::MIN, 10_000), Ok(i64::MIN));
        assert_eq!(share(i64::MAX, 1_000), Ok(922_337_203_685_477_581)); // ...580.7 → 581
        assert_eq!(share(i64::MIN, 1_000), Ok(-922_337_203_685_477_581)); // ...580.8 → 581
        assert_eq!(share(i64::MAX, 2_100), Ok(1_936_908_127_739_502_919)); // ...919.47
        assert_eq!(share(i64::MAX, 10_001), Err(MoneyError::Overflow));
        assert_eq!(share(i64::MIN, 10_001), Err(MoneyError::Overflow));
        assert_eq!(share(i64::MAX, u32::MAX), Err(MoneyError::Overflow));
        assert_eq!(share(1, 1), Ok(0));
        assert_eq!(share(1, 5_000), Ok(1));
        assert_eq!(share(-1, 5_000), Ok(-1));
        assert_eq!(share(1, 4_999), Ok(0));
    }

    #[test]
    fn arithmetic_overflows_are_errors() {
        let max = Fen::new(i64::MAX);
        let min = Fen::new(i64::MIN);
        assert_eq!(max.checked_add(Fen::new(1)), Err(MoneyError::Overflow));
        assert_eq!(min.checked_sub(Fen::new(1)), Err(MoneyError::Overflow));
        assert_eq!(min.checked_neg(), Err(MoneyError::Overflow));
        assert_eq!(max.checked_neg(), Ok(Fen::new(-i64::MAX)));
        assert_eq!(max.checked_sub(max), Ok(Fen::ZERO));
        assert_eq!(min.checked_add(max), Ok(Fen::new(-1)));
        assert_eq!(Fen::new(250).checked_add(Fen::new(-300)), Ok(Fen::new(-50)));
        assert_eq!(MoneyError::Overflow.code(), "amount_overflow");
    }

    #[test]
    fn from_yuan() {
        assert_eq!(Fen::from_yuan(300_000), Ok(Fen::new(30_000_000)));
        assert_eq!(Fen::from_yuan(-1), Ok(Fen::new(-100)));
        assert_eq!(Fen::from_yuan(0), Ok(Fen::ZERO));
        assert_eq!(Fen::from_yuan(i64::MAX / 100), Ok(Fen::new(i64::MAX / 100 * 100)));
        assert_eq!(Fen::from_yuan(i64::MAX / 100 + 1), Err(MoneyError::Overflow));
        assert_eq!(Fen::from_yuan(i64::MIN), Err(MoneyError::Overflow));
    }

    #[test]
    fn predicates() {
        assert!(Fen::new(-1).is_negative());
        assert!(!Fen::ZERO.is_negative());
        assert!(Fen::ZERO.is_zero());
        assert!(!Fen::new(1).is_zero());
        assert_eq!(Fen::default(), Fen::ZERO);
        assert_eq!(BasisPoints::new(2_100).value(), 2_100);
    }

    #[test]
    fn display_as_yuan() {
        assert_eq!(Fen::new(-1_234).to_string(), "-12.34");
        assert_eq!(Fen::new(1_234).to_string(), "12.34");
        assert_eq!(Fen::new(5).to_string(), "0.05");
        assert_eq!(Fen::new(-5).to_string(), "-0.05");
        assert_eq!(Fen::ZERO.to_string(), "0.00");
        assert_eq!(Fen::new(100_000).to_string(), "1000.00");
        assert_eq!(Fen::new(i64::MAX).to_string(), "92233720368547758.07");
        assert_eq!(Fen::new(i64::MIN).to_string(), "-92233720368547758.08");
    }

    #[test]
    fn serde_is_a_bare_integer() {
        assert_eq!(serde_json::to_string(&Fen::new(-1_234)).unwrap(), "-1234");
        assert_eq!(serde_json::from_str::<Fen>("42").unwrap(), Fen::new(42));
        assert!(serde_json::from_str::<Fen>("4.2").is_err());
        assert!(serde_json::from_str::<Fen>("\"42\"").is_err());
        assert_eq!(serde_json::to_string(&BasisPoints::new(1_000)).unwrap(), "1000");
        assert!(serde_json::from_str::<BasisPoints>("-1").is_err());
    }

    proptest! {
        #[test]
        fn share_is_nearest_fen_with_halves_away_from_zero(amount: i64, bp in 0u32..=10_000) {
            let got = i128::from(share_of(Fen::new(amount), BasisPoints::new(bp)).unwrap().value());
            let exact_times_full = i128::from(amount) * i128::from(bp);
            // |got·10000 − exact| ≤ 5000, with equality only when rounding away from zero.
            let diff = got * FULL - exact_times_full;
            prop_assert!(diff.abs() <= FULL / 2);
            if diff.abs() == FULL / 2 {
                prop_assert_eq!(diff.signum(), exact_times_full.signum());
            }
        }

        #[test]
        fn share_is_odd_symmetric(amount in -i64::MAX..=i64::MAX, bp in 0u32..=20_000) {
            let pos = share_of(Fen::new(amount), BasisPoints::new(bp));
            let neg = share_of(Fen::new(-amount), BasisPoints::new(bp));
            match (pos, neg) {
                (Ok(p), Ok(n)) => prop_assert_eq!(p.value(), -n.value()),
                (p, n) => prop_assert_eq!(p.is_err(), n.is_err()),
            }
        }
    }
}
