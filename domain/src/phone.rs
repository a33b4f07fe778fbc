//! Mainland China telephone numbers of contacts.
//!
//! Phone numbers are personal data: public and third-party responses show only
//! [`PhoneNumber::masked`] (CONVENTIONS.md, "Personal data").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why a string is not an accepted phone number. Machine code `invalid_phone`.
///
/// The input is deliberately not echoed: error messages end up in logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
#[error(
    "a phone number is a mainland mobile number (11 digits starting 13-19) or a landline \
     written 0AA-NNNNNNN[N] or 0AAA-NNNNNNN[N], optionally followed by -extension (1-6 digits)"
)]
pub struct PhoneNumberError;

impl PhoneNumberError {
    /// Stable machine code: `invalid_phone`.
    pub fn code(&self) -> &'static str {
        "invalid_phone"
    }
}

crate::validation::impl_coded!(PhoneNumberError);

/// A mainland China phone number in one canonical spelling.
///
/// Accepted forms (no spaces, no `+86`, exactly as stored and displayed):
/// - mobile: `1`, a digit 3-9, then 9 digits (`13812345678`), per the MIIT numbering plan;
/// - landline: `0` + 2 or 3 further area-code digits, `-`, a 7 or 8 digit local number, and
///   optionally `-` + a 1-6 digit extension (`0371-65512345`, `010-12345678-123`). The digit after
///   the leading `0` must not be `0`, because `00` is the international call prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Validates `input` as a mobile or landline number.
    pub fn parse(input: &str) -> Result<Self, PhoneNumberError> {
        if is_mobile(input) || is_landline(input) {
            Ok(Self(input.to_owned()))
        } else {
            Err(PhoneNumberError)
        }
    }

    /// The full number. Personal data: show it only to the owning organisation and regulators.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first 3 and last 4 characters with `*` in between: `138****5678`,
    /// `037******2345`.
    pub fn masked(&self) -> String {
        // Every accepted number is ASCII and at least 11 characters long.
        let len = self.0.len();
        format!("{}{}{}", &self.0[..3], "*".repeat(len - 7), &self.0[len - 4..])
    }
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn is_mobile(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && all_digits(s)
}

fn is_landline(s: &str) -> bool {
    let mut parts = s.split('-');
    let (Some(area), Some(local)) = (parts.next(), parts.next()) else {
        return false;
    };
    let extension = parts.next();
    if parts.next().is_some() {
        return false;
    }
    let area_ok = matches!(area.len(), 3 | 4) && all_digits(area) && area.starts_with('0') && !area.starts_with("00");
    let local_ok = matches!(local.len(), 7 | 8) && all_digits(local);
    let extension_ok = extension.is_none_or(|e| (1..=6).contains(&e.len()) && all_digits(e));
    area_ok && local_ok && extension_ok
}

impl fmt::Display for PhoneNumber {
    /// Displays the full number; use [`PhoneNumber::masked`] for anything public.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PhoneNumber {
    type Err = PhoneNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = PhoneNumberError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PhoneNumber> for String {
    fn from(phone: PhoneNumber) -> Self {
        phone.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_mobile_and_landline() {
        for ok in [
            "13812345678",
            "19912345678",
            "15000000000",
            "010-12345678",
            "0371-6551234",
            "0371-65512345",
            "0371-65512345-1",
            "010-1234567-123456",
        ] {
            assert_eq!(PhoneNumber::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            "",
            "1381234567",
            "138123456789",
            "12812345678",
            "10812345678",
            "23812345678",
            "1381234567a",
            "+8613812345678",
            "138 1234 5678",
            " 13812345678",
            "13812345678 ",
            "１3812345678",
            "03716551234",
            "0371 65512345",
            "371-65512345",
            "01-12345678",
            "03712-1234567",
            "001-12345678",
            "0010-12345678",
            "0371-123456",
            "0371-123456789",
            "0371-65512345-",
            "0371-65512345-1234567",
            "0371-65512345-12-3",
            "0371--65512345",
            "-0371-65512345",
            "0a71-65512345",
        ] {
            let error = PhoneNumber::parse(bad).expect_err(bad);
            assert_eq!(error.code(), "invalid_phone");
        }
    }

    #[test]
    fn masking_keeps_first_three_and_last_four() {
        let mask = |s: &str| PhoneNumber::parse(s).unwrap().masked();
        assert_eq!(mask("13812345678"), "138****5678");
        assert_eq!(mask("0371-65512345"), "037******2345");
        assert_eq!(mask("010-1234567"), "010****4567");
        assert_eq!(mask("0371-65512345-801"), "037**********-801");
    }

    #[test]
    fn serde_validates() {
        let phone = PhoneNumber::parse("13812345678").unwrap();
        let json = serde_json::to_string(&phone).unwrap();
        assert_eq!(json, "\"13812345678\"");
        assert_eq!(serde_json::from_str::<PhoneNumber>(&json).unwrap(), phone);
        assert!(serde_json::from_str::<PhoneNumber>("\"12345\"").is_err());
    }

    proptest! {
        #[test]
        fn generated_numbers_are_accepted_and_masked(
            number in "(1[3-9][0-9]{9})|(0[1-9][0-9]{1,2}-[0-9]{7,8}(-[0-9]{1,6})?)"
        ) {
            let phone = PhoneNumber::parse(&number).unwrap();
            let masked = phone.masked();
            prop_assert_eq!(masked.len(), number.len());
            prop_assert_eq!(&masked[..3], &number[..3]);
            prop_assert_eq!(&masked[masked.len() - 4..], &number[number.len() - 4..]);
        }

        #[test]
        fn arbitrary_strings_never_panic(input in ".{0,24}") {
            if let Ok(phone) = PhoneNumber::parse(&input) {
                let _ = phone.masked();
            }
        }
    }
}
