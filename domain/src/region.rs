//! Administrative division codes inside Henan (GB/T 2260) and regulators' jurisdictions.
//!
//! Every organisation has a home region, and every regulator sees its own jurisdiction only
//! (DOMAIN.md, "Parties"; CONVENTIONS.md, "Who may do what").

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// GB/T 2260 code of Henan Province.
const PROVINCE: &str = "410000";

/// Why a string is not a Henan administrative division code. Machine code `invalid_region_code`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum RegionCodeError {
    /// Not six ASCII digits.
    #[error("a region code is six digits (GB/T 2260), got {input:?}")]
    Malformed {
        /// The input received.
        input: String,
    },
    /// Six digits, but not a code inside Henan (`41xxxx`).
    #[error("region code {input} is outside Henan Province (codes start with 41)")]
    OutsideHenan {
        /// The input received.
        input: String,
    },
}

impl RegionCodeError {
    /// Stable machine code: always `invalid_region_code`.
    pub fn code(&self) -> &'static str {
        "invalid_region_code"
    }
}

crate::validation::impl_coded!(RegionCodeError);

/// A six-digit GB/T 2260 administrative division code inside Henan (`41xxxx`).
///
/// Only the shape is checked here. Whether the code names a division that exists is checked
/// against the seeded region table in the database, because divisions are created, merged and
/// renamed over time and must stay data, not code (DOMAIN.md, "Parties").
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(String);

impl RegionCode {
    /// Validates `input`: exactly six ASCII digits beginning with `41`.
    pub fn parse(input: &str) -> Result<Self, RegionCodeError> {
        if input.len() != 6 || !input.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::Malformed { input: input.to_owned() });
        }
        if !input.starts_with("41") {
            return Err(RegionCodeError::OutsideHenan { input: input.to_owned() });
        }
        Ok(Self(input.to_owned()))
    }

    /// Henan Province itself, 410000: the jurisdiction of the provincial regulator.
    pub fn province() -> Self {
        Self(PROVINCE.to_owned())
    }

    /// Whether this is the province code 410000.
    pub fn is_province(&self) -> bool {
        self.0 == PROVINCE
    }

    /// The six digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A region together with the prefecture-level unit it answers to.
///
/// `supervisor` is the unit whose regulator oversees the region: the region itself for a
/// prefecture city, for 济源 (419001, province-administered) and for a province-managed county
/// (省直管县 such as 410181 巩义, 410225 兰考, 410482 汝州, 410526 滑县, 411381 邓州, 411481 永城,
/// which answer to the province rather than their former city — DOMAIN.md, "Parties"); the
/// containing city for an ordinary county or district; and 410000 for the province. This pairing
/// comes from the seeded region table, never from the digits of the code, because the digits
/// of a province-managed county still carry its former city's prefix.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RegionInfo {
    /// The region.
    pub code: RegionCode,
    /// The prefecture-level unit whose regulator it answers to.
    pub supervisor: RegionCode,
}

/// Whether a regulator whose jurisdiction is `jurisdiction` may see something located in `region`.
///
/// The provincial regulator (410000) sees everything; any other regulator sees its own region
/// and the regions that answer to it. So 郑州 (410100) sees 410102 but not 410181 巩义, which is a
/// province-managed county supervised by itself (DOMAIN.md, "Parties"; CONVENTIONS.md, "Who may
/// do what": "a city regulator only its own jurisdiction").
pub fn jurisdiction_covers(jurisdiction: &RegionCode, region: &RegionInfo) -> bool {
    jurisdiction.is_province() || *jurisdiction == region.code || *jurisdiction == region.supervisor
}

impl fmt::Display for RegionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for RegionCode {
    type Err = RegionCodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<RegionCode> for String {
    fn from(code: RegionCode) -> Self {
        code.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> RegionCode {
        RegionCode::parse(s).unwrap()
    }

    fn info(code_: &str, supervisor: &str) -> RegionInfo {
        RegionInfo { code: code(code_), supervisor: code(supervisor) }
    }

    #[test]
    fn parses_henan_codes() {
        for ok in ["410000", "410100", "410181", "419001", "411728"] {
            assert_eq!(code(ok).as_str(), ok);
            assert_eq!(ok.parse::<RegionCode>().unwrap().to_string(), ok);
        }
    }

    #[test]
    fn rejects_malformed_and_foreign_codes() {
        for bad in ["", "41", "41010", "4101000", " 410100", "410100 ", "41010a", "４10100", "41-100", "+41010"] {
            let err = RegionCode::parse(bad).unwrap_err();
            assert!(matches!(err, RegionCodeError::Malformed { .. }), "{bad:?}");
            assert_eq!(err.code(), "invalid_region_code");
        }
        for foreign in ["420100", "110000", "000000", "140100"] {
            assert!(matches!(RegionCode::parse(foreign), Err(RegionCodeError::OutsideHenan { .. })));
        }
    }

    #[test]
    fn province() {
        assert_eq!(RegionCode::province().as_str(), "410000");
        assert!(RegionCode::province().is_province());
        assert!(!code("410100").is_province());
        assert!(!code("419001").is_province());
    }

    #[test]
    fn jurisdiction() {
        let province = RegionCode::province();
        let zhengzhou = code("410100");
        let kaifeng = code("410200");
        let district = info("410102", "410100");
        let gongyi = info("410181", "410181");
        let jiyuan = info("419001", "419001");
        let city = info("410100", "410100");
        let province_info = info("410000", "410000");

        assert!(jurisdiction_covers(&province, &district));
        assert!(jurisdiction_covers(&province, &gongyi));
        assert!(jurisdiction_covers(&province, &province_info));
        assert!(jurisdiction_covers(&zhengzhou, &district));
        assert!(jurisdiction_covers(&zhengzhou, &city));
        assert!(!jurisdiction_covers(&zhengzhou, &gongyi));
        assert!(!jurisdiction_covers(&zhengzhou, &province_info));
        assert!(!jurisdiction_covers(&kaifeng, &district));
        assert!(jurisdiction_covers(&code("410181"), &gongyi));
        assert!(!jurisdiction_covers(&code("410181"), &district));
        assert!(jurisdiction_covers(&code("419001"), &jiyuan));
        assert!(!jurisdiction_covers(&code("419001"), &city));
    }

    #[test]
    fn serde_validates() {
        let json = serde_json::to_string(&code("410100")).unwrap();
        assert_eq!(json, "\"410100\"");
        assert_eq!(serde_json::from_str::<RegionCode>(&json).unwrap(), code("410100"));
        assert!(serde_json::from_str::<RegionCode>("\"420100\"").is_err());
        let info_json = serde_json::to_value(info("410181", "410181")).unwrap();
        assert_eq!(info_json, serde_json::json!({"code": "410181", "supervisor": "410181"}));
    }
}
