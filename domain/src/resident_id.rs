//! Resident identity number (公民身份号码), GB 11643-1999.
//!
//! Persons on the platform (certificate holders, registered safety engineers, experts) are
//! identified by this number (CONVENTIONS.md, "Values"); a special-operation certificate number
//! is `T` + the holder's number (豫安委〔2017〕17号 五(二), 总局令第30号). It is personal data, so
//! public and third-party responses show only [`ResidentId::masked`].

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Weights of positions 1..=17 (GB 11643-1999, 7.2: W_i = 2^(18-i) mod 11).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// Check character indexed by the weighted sum modulo 11 (ISO 7064 MOD 11-2).
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Earliest birth year accepted. Nobody born before 1900 holds a work-safety certificate, and
/// the cut-off rules out date-shaped typos such as `1849`.
const MIN_BIRTH_YEAR: i32 = 1900;

/// Why a string is not a resident identity number. All variants share the machine code
/// `invalid_resident_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum ResidentIdError {
    /// Not exactly 18 characters.
    #[error("a resident identity number has 18 characters, got {length}")]
    WrongLength {
        /// Number of characters received.
        length: usize,
    },
    /// A non-digit in positions 1-17, or something other than a digit or uppercase `X` last.
    #[error(
        "character {position} ({found:?}) is not allowed in a resident identity number \
         (17 digits, then a digit or uppercase X)"
    )]
    InvalidCharacter {
        /// 1-based position.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Positions 7-14 are not a calendar date from 1900 on. The digits are not echoed: error
    /// messages end up in logs, and a birth date is personal data.
    #[error(
        "positions 7 to 14 of a resident identity number are not a birth date on or after \
         1900-01-01"
    )]
    InvalidBirthDate,
    /// The 18th character does not match the one computed from the first 17.
    #[error("check character of the resident identity number is {found:?}, expected {expected:?}")]
    CheckMismatch {
        /// Check character computed from the first 17 digits.
        expected: char,
        /// Check character received.
        found: char,
    },
}

impl ResidentIdError {
    /// Stable machine code: always `invalid_resident_id`.
    pub fn code(&self) -> &'static str {
        "invalid_resident_id"
    }
}

crate::validation::impl_coded!(ResidentIdError);

/// A valid 18-character resident identity number (GB 11643-1999).
///
/// Layout: positions 1-6 address code (GB/T 2260, any province — holders come from everywhere),
/// 7-14 birth date `YYYYMMDD`, 15-17 sequence number, 18 check character (digit or `X`).
/// Parsing is strict: no whitespace trimming, lowercase `x` is refused, the birth date must be a
/// real calendar date in or after 1900. Whether the birth date lies in the past depends on "today",
/// which this crate never reads; callers compare [`ResidentId::birth_date`] with their date.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ResidentId {
    number: String,
    birth_date: NaiveDate,
}

impl ResidentId {
    /// Validates `input` as a resident identity number.
    pub fn parse(input: &str) -> Result<Self, ResidentIdError> {
        let length = input.chars().count();
        if length != 18 {
            return Err(ResidentIdError::WrongLength { length });
        }
        for (index, ch) in input.chars().enumerate() {
            let allowed = ch.is_ascii_digit() || (index == 17 && ch == 'X');
            if !allowed {
                return Err(ResidentIdError::InvalidCharacter { position: index + 1, found: ch });
            }
        }
        // All 18 characters are ASCII now, so byte slicing is character slicing.
        let birth_date = parse_birth_date(&input[6..14]).ok_or(ResidentIdError::InvalidBirthDate)?;
        let expected = check_byte(&input.as_bytes()[..17]);
        let found = input.as_bytes()[17];
        if expected != found {
            return Err(ResidentIdError::CheckMismatch { expected: char::from(expected), found: char::from(found) });
        }
        Ok(Self { number: input.to_owned(), birth_date })
    }

    /// The full number. Personal data: show it only to the owning organisation and regulators.
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// Birth date encoded in positions 7-14.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth_date
    }

    /// The number with its middle eleven characters replaced by `*` (first 3 and last 4 kept),
    /// as every public or third-party response must show it (CONVENTIONS.md, "Personal data").
    pub fn masked(&self) -> String {
        format!("{}{}{}", &self.number[..3], "*".repeat(11), &self.number[14..])
    }
}

/// Computes the GB 11643-1999 check character for the first 17 characters of a number.
///
/// Returns `None` unless `first17` is exactly 17 ASCII digits. Does not validate the birth date.
pub fn check_character(first17: &str) -> Option<char> {
    let bytes = first17.as_bytes();
    if bytes.len() != 17 || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(char::from(check_byte(bytes)))
}

/// Check character for 17 ASCII digits (callers guarantee the input).
fn check_byte(digits: &[u8]) -> u8 {
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| u32::from(d.saturating_sub(b'0')) * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// `YYYYMMDD` (eight ASCII digits) as a date from [`MIN_BIRTH_YEAR`] on.
fn parse_birth_date(digits: &str) -> Option<NaiveDate> {
    let year: i32 = digits.get(0..4)?.parse().ok()?;
    let month: u32 = digits.get(4..6)?.parse().ok()?;
    let day: u32 = digits.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(year, month, day).filter(|d| d.year() >= MIN_BIRTH_YEAR)
}

impl fmt::Display for ResidentId {
    /// Displays the full number; use [`ResidentId::masked`] for anything public.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.number)
    }
}

impl FromStr for ResidentId {
    type Err = ResidentIdError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ResidentId {
    type Error = ResidentIdError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ResidentId> for String {
    fn from(id: ResidentId) -> Self {
        id.number
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const VALID: &str = "11010519491231002X";

    fn with_check(first17: &str) -> String {
        format!("{first17}{}", check_character(first17).unwrap())
    }

    #[test]
    fn known_number_is_valid() {
        let id = ResidentId::parse(VALID).unwrap();
        assert_eq!(id.as_str(), VALID);
        assert_eq!(id.to_string(), VALID);
        assert_eq!(id.birth_date(), NaiveDate::from_ymd_opt(1949, 12, 31).unwrap());
        assert_eq!(id.masked(), "110***********002X");
        assert_eq!(VALID.parse::<ResidentId>().unwrap(), id);
    }

    #[test]
    fn every_single_character_corruption_is_rejected() {
        let mut candidates: Vec<char> = ('0'..='9').collect();
        candidates.extend(['X', 'x', 'A', 'O', ' ', '-', '*', '\0', '１', '中']);
        let original: Vec<char> = VALID.chars().collect();
        for position in 0..original.len() {
            for &candidate in &candidates {
                if candidate == original[position] {
                    continue;
                }
                let mut corrupted = original.clone();
                corrupted[position] = candidate;
                let corrupted: String = corrupted.into_iter().collect();
                let error = ResidentId::parse(&corrupted).expect_err(&format!("{corrupted:?} must be rejected"));
                assert_eq!(error.code(), "invalid_resident_id");
            }
        }
    }

    #[test]
    fn birth_date_must_be_real_and_from_1900() {
        let leap_2000 = with_check("41010220000229123");
        assert!(ResidentId::parse(&leap_2000).is_ok());
        let first_day = with_check("41010219000101123");
        assert!(ResidentId::parse(&first_day).is_ok());
        for first17 in [
            "41010219000229123", // 1900 is not a leap year
            "41010218991231123", // before 1900
            "41010220230229123",
            "41010220231301123",
            "41010220230001123",
            "41010220230100123",
            "41010220230431123",
        ] {
            let id = with_check(first17);
            assert!(matches!(ResidentId::parse(&id), Err(ResidentIdError::InvalidBirthDate)), "{id}");
        }
    }

    #[test]
    fn structure_errors() {
        assert_eq!(ResidentId::parse(&VALID[..17]), Err(ResidentIdError::WrongLength { length: 17 }));
        assert_eq!(
            ResidentId::parse("11010519491231002x"),
            Err(ResidentIdError::InvalidCharacter { position: 18, found: 'x' })
        );
        assert_eq!(
            ResidentId::parse("1101051949123100X2"),
            Err(ResidentIdError::InvalidCharacter { position: 17, found: 'X' })
        );
        assert_eq!(
            ResidentId::parse("110105194912310021"),
            Err(ResidentIdError::CheckMismatch { expected: 'X', found: '1' })
        );
        assert!(ResidentId::parse(&format!(" {}", &VALID[..17])).is_err());
        assert!(ResidentId::parse("１1010519491231002X").is_err());
    }

    #[test]
    fn check_character_helper() {
        assert_eq!(check_character(&VALID[..17]), Some('X'));
        assert_eq!(check_character("1101051949123100"), None);
        assert_eq!(check_character("1101051949123100A"), None);
    }

    #[test]
    fn serde_round_trips_as_string_and_validates() {
        let id = ResidentId::parse(VALID).unwrap();
        let json = serde_json::to_string(&id).unwrap();
        assert_eq!(json, format!("\"{VALID}\""));
        assert_eq!(serde_json::from_str::<ResidentId>(&json).unwrap(), id);
        assert!(serde_json::from_str::<ResidentId>("\"110105194912310021\"").is_err());
    }

    fn valid_id() -> impl Strategy<Value = (String, NaiveDate)> {
        let first = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        (proptest::collection::vec(proptest::char::range('0', '9'), 6), 0u32..73_000, 0u32..1000).prop_map(
            move |(region, offset, seq)| {
                let birth = first + chrono::Days::new(u64::from(offset));
                let region: String = region.into_iter().collect();
                let first17 = format!("{region}{}{seq:03}", birth.format("%Y%m%d"));
                (with_check(&first17), birth)
            },
        )
    }

    proptest! {
        #[test]
        fn generated_numbers_round_trip((number, birth) in valid_id()) {
            let id = ResidentId::parse(&number).unwrap();
            prop_assert_eq!(id.as_str(), number.as_str());
            prop_assert_eq!(id.birth_date(), birth);
            let masked = id.masked();
            prop_assert_eq!(masked.len(), 18);
            prop_assert_eq!(&masked[..3], &number[..3]);
            prop_assert_eq!(&masked[14..], &number[14..]);
            prop_assert_eq!(&masked[3..14], "***********");
        }

        #[test]
        fn arbitrary_strings_never_panic(input in ".{0,24}") {
            let _ = ResidentId::parse(&input);
        }

        #[test]
        fn random_digit_strings_never_panic(input in "[0-9]{17}[0-9Xx]") {
            if let Ok(id) = ResidentId::parse(&input) {
                prop_assert_eq!(id.as_str(), input.as_str());
            }
        }
    }
}
