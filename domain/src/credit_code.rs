//! Unified social credit code (统一社会信用代码), GB 32100-2015.
//!
//! Every organisation on the platform (enterprise, agency, insurer, training institution, social
//! organisation, engineer firm) is identified by this code (DOMAIN.md, "Parties"). Its check
//! character catches every single-character typo, so a mistyped code is refused at the door with
//! `invalid_credit_code` rather than creating a phantom organisation (CONVENTIONS.md, "Values").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The 31 characters GB 32100-2015 allows, in the order of their numeric values 0..=30.
/// I, O, Z, S and V are excluded because they are easily confused with digits.
const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// Weights W_i = 3^(i-1) mod 31 for positions i = 1..=17 (GB 32100-2015, 5.2).
const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Length of a code, in characters.
const LENGTH: usize = 18;

/// Positions (1-based) of the registration authority's administrative division code (GB/T 2260),
/// which is always numeric.
const REGION_POSITIONS: std::ops::RangeInclusive<usize> = 3..=8;

/// Why a string is not a unified social credit code. All variants share the machine code
/// `invalid_credit_code`; the variant only sharpens the English message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum CreditCodeError {
    /// Not exactly 18 characters.
    #[error("a unified social credit code has 18 characters, got {length}")]
    WrongLength {
        /// Number of characters received.
        length: usize,
    },
    /// A character outside `0-9 A-H J-N P-R T U W-Y` (lowercase is not accepted either).
    #[error("character {position} ({found:?}) is not allowed in a unified social credit code")]
    InvalidCharacter {
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// One of positions 3-8 (administrative division code) is not a digit.
    #[error(
        "characters 3 to 8 of a unified social credit code are a region code and must be digits; \
         character {position} is {found:?}"
    )]
    NonDigitRegion {
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// The 18th character does not match the one computed from the first 17.
    #[error("check character of the unified social credit code is {found:?}, expected {expected:?}")]
    CheckMismatch {
        /// Check character computed from the first 17 characters.
        expected: char,
        /// Check character received.
        found: char,
    },
}

impl CreditCodeError {
    /// Stable machine code: always `invalid_credit_code`.
    pub fn code(&self) -> &'static str {
        "invalid_credit_code"
    }
}

crate::validation::impl_coded!(CreditCodeError);

/// A valid unified social credit code (GB 32100-2015).
///
/// Layout: position 1 registration authority, 2 organisation type, 3-8 the registration
/// authority's administrative division code (GB/T 2260), 9-17 the organisation code
/// (GB 11714), 18 the check character. Parsing is strict: exactly 18 characters from the
/// GB 32100 character set, uppercase only, no surrounding whitespace is trimmed (a client that
/// sends padding has a bug worth hearing about), digits in positions 3-8, and a correct check
/// character. The value sets of positions 1 and 2 are not enforced, because the standard lets
/// the registration authorities extend them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

impl CreditCode {
    /// Validates `input` as a unified social credit code.
    pub fn parse(input: &str) -> Result<Self, CreditCodeError> {
        let length = input.chars().count();
        if length != LENGTH {
            return Err(CreditCodeError::WrongLength { length });
        }
        let mut values = [0u32; LENGTH];
        for (index, ch) in input.chars().enumerate() {
            let position = index + 1;
            let value = char_value(ch).ok_or(CreditCodeError::InvalidCharacter { position, found: ch })?;
            if REGION_POSITIONS.contains(&position) && !ch.is_ascii_digit() {
                return Err(CreditCodeError::NonDigitRegion { position, found: ch });
            }
            values[index] = value;
        }
        let expected = check_value(&values[..17]);
        if expected != values[17] {
            return Err(CreditCodeError::CheckMismatch {
                expected: value_char(expected),
                found: value_char(values[17]),
            });
        }
        Ok(Self(input.to_owned()))
    }

    /// The code as 18 uppercase characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Computes the GB 32100-2015 check character for the first 17 characters of a code.
///
/// C18 = (31 − Σ C_i·W_i mod 31) mod 31, with W_i = 3^(i−1) mod 31, mapped back through the
/// character set. Returns `None` unless `first17` is exactly 17 characters of the GB 32100 set.
/// It does not check that positions 3-8 are digits; [`CreditCode::parse`] does.
pub fn check_character(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut values = [0u32; 17];
    for (slot, ch) in values.iter_mut().zip(first17.chars()) {
        *slot = char_value(ch)?;
    }
    Some(value_char(check_value(&values)))
}

/// Numeric value of a GB 32100 character, or `None` outside the set.
fn char_value(ch: char) -> Option<u32> {
    let byte = u8::try_from(ch).ok()?;
    CHARSET.iter().position(|&c| c == byte).and_then(|p| u32::try_from(p).ok())
}

/// Character for a value in 0..=30. Callers only pass values computed modulo 31 or read from
/// the charset, so the fallback is unreachable.
fn value_char(value: u32) -> char {
    usize::try_from(value).ok().and_then(|v| CHARSET.get(v)).map_or('?', |&b| char::from(b))
}

/// Check value for 17 character values.
fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditCode {
    type Err = CreditCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = CreditCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<CreditCode> for String {
    fn from(code: CreditCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "91350100M000100Y43";

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for expected in WEIGHTS {
            assert_eq!(w, expected);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn known_code_is_valid() {
        let code = CreditCode::parse(VALID).unwrap();
        assert_eq!(code.as_str(), VALID);
        assert_eq!(code.to_string(), VALID);
        assert_eq!(VALID.parse::<CreditCode>().unwrap(), code);
        assert_eq!(check_character(&VALID[..17]), Some('3'));
    }

    #[test]
    fn every_single_character_substitution_is_rejected() {
        let mut candidates: Vec<char> = CHARSET.iter().map(|&b| char::from(b)).collect();
        candidates.extend('a'..='z');
        candidates.extend(['I', 'O', 'Z', 'S', 'V', ' ', '-', '*', '\0', '中', 'Ａ', '０']);
        let original: Vec<char> = VALID.chars().collect();
        let mut tried = 0;
        for position in 0..original.len() {
            for &candidate in &candidates {
                if candidate == original[position] {
                    continue;
                }
                let mut corrupted = original.clone();
                corrupted[position] = candidate;
                let corrupted: String = corrupted.into_iter().collect();
                let error = CreditCode::parse(&corrupted).expect_err(&format!("{corrupted:?} must be rejected"));
                assert_eq!(error.code(), "invalid_credit_code");
                tried += 1;
            }
        }
        assert!(tried > 18 * 60);
    }

    #[test]
    fn lengths_whitespace_and_case_are_strict() {
        for input in [
            "",
            &VALID[..17],
            &format!("{VALID}0"),
            &format!(" {VALID}"),
            &format!("{VALID} "),
            &format!("{VALID}\n"),
            "91350100m000100y43",
        ] {
            assert!(CreditCode::parse(input).is_err(), "{input:?}");
        }
        assert_eq!(CreditCode::parse(&VALID[..17]), Err(CreditCodeError::WrongLength { length: 17 }));
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(
            CreditCode::parse("91350100M000100Y44"),
            Err(CreditCodeError::CheckMismatch { expected: '3', found: '4' })
        );
        assert_eq!(
            CreditCode::parse("913I0100M000100Y43"),
            Err(CreditCodeError::InvalidCharacter { position: 4, found: 'I' })
        );
        assert_eq!(
            CreditCode::parse("9135A100M000100Y43"),
            Err(CreditCodeError::NonDigitRegion { position: 5, found: 'A' })
        );
        // Multi-byte input is counted in characters and never sliced mid-character.
        assert_eq!(
            CreditCode::parse("９1350100M000100Y43"),
            Err(CreditCodeError::InvalidCharacter { position: 1, found: '９' })
        );
    }

    #[test]
    fn check_character_rejects_bad_input() {
        assert_eq!(check_character(""), None);
        assert_eq!(check_character(VALID), None);
        assert_eq!(check_character("91350100M000100YI"), None);
        assert_eq!(check_character("91350100m000100Y4"), None);
    }

    #[test]
    fn serde_round_trips_as_string_and_validates() {
        let code = CreditCode::parse(VALID).unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{VALID}\""));
        assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), code);
        assert!(serde_json::from_str::<CreditCode>("\"91350100M000100Y44\"").is_err());
        assert!(serde_json::from_str::<CreditCode>("12").is_err());
    }

    fn charset_char() -> impl Strategy<Value = char> {
        proptest::sample::select(CHARSET.to_vec()).prop_map(char::from)
    }

    fn valid_code() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(charset_char(), 2),
            proptest::collection::vec(proptest::char::range('0', '9'), 6),
            proptest::collection::vec(charset_char(), 9),
        )
            .prop_map(|(head, region, tail)| {
                let first17: String = head.into_iter().chain(region).chain(tail).collect();
                let check = check_character(&first17).unwrap();
                format!("{first17}{check}")
            })
    }

    proptest! {
        #[test]
        fn generated_codes_round_trip(code in valid_code()) {
            let parsed = CreditCode::parse(&code).unwrap();
            prop_assert_eq!(parsed.as_str(), code.as_str());
            let json = serde_json::to_string(&parsed).unwrap();
            prop_assert_eq!(serde_json::from_str::<CreditCode>(&json).unwrap(), parsed);
        }

        #[test]
        fn arbitrary_strings_never_panic(input in ".{0,24}") {
            if let Ok(code) = CreditCode::parse(&input) {
                prop_assert_eq!(code.as_str(), input.as_str());
            }
        }

        #[test]
        fn random_18_char_strings_are_mostly_rejected(
            chars in proptest::collection::vec(charset_char(), 18)
        ) {
            // Random check characters match 1 time in 31; only assert consistency with the
            // check function, which is what makes the rejection rate ~97%.
            let input: String = chars.into_iter().collect();
            let digits_ok = input[2..8].bytes().all(|b| b.is_ascii_digit());
            let check_ok = check_character(&input[..17]) == input[17..].chars().next();
            prop_assert_eq!(CreditCode::parse(&input).is_ok(), digits_ok && check_ok);
        }
    }
}
