//! Complaint and report channels (举报投诉, 豫安委〔2017〕17号 八(二)): what a complaint may be
//! about, how it moves through handling, and the tracking code a complainant keeps.
//!
//! DOMAIN.md ("Supervision — 八"): 八(一) names the misconduct to crack down on (false reports,
//! leasing qualification certificates, illegal affiliation, staff absent from site, monopoly,
//! irregular or designated fees); 八(三) adds charging without serving and failing to perform a
//! contract. 八(二) asks for channels through which anyone can report them. A complainant, who may
//! be anonymous, follows their complaint with a tracking code: the code is the only thing that
//! links them to it, so it is long and random, and it is typed by hand, so its alphabet has no
//! look-alike characters.

use thiserror::Error;

use crate::vocabulary::string_enum;

/// Citation of the complaint and report channels.
pub const CLAUSE: &str = "豫安委〔2017〕17号 八(二)";

string_enum! {
    /// What a complaint is about (豫安委〔2017〕17号 八(一), 八(三)).
    pub enum ComplaintCategory ("complaint category", "invalid_complaint_category") {
        /// 出具虚假报告 (八(一)).
        FalseReport = "false_report",
        /// 租借资质 (八(一)).
        QualificationLeasing = "qualification_leasing",
        /// 违法挂靠 (八(一)).
        IllegalAffiliation = "illegal_affiliation",
        /// 应到而不到现场 (八(一)).
        StaffAbsentFromSite = "staff_absent_from_site",
        /// 只收费不服务 (八(三)).
        ChargingWithoutService = "charging_without_service",
        /// 不履行服务合同 (八(三)).
        FailureToPerformContract = "failure_to_perform_contract",
        /// 垄断收费、乱收费、指定收费 (八(一)).
        ImproperFees = "improper_fees",
        /// Anything else.
        Other = "other",
    }
}

string_enum! {
    /// Where a complaint stands (豫安委〔2017〕17号 八(二)); see [`may_move`].
    pub enum ComplaintStatus ("complaint status", "invalid_complaint_status") {
        /// 已收到: filed, not yet examined.
        Received = "received",
        /// 已受理: within the regulator's remit and being investigated.
        Accepted = "accepted",
        /// 不予受理 / 不属实: not taken up, or not borne out by the investigation. Final.
        Rejected = "rejected",
        /// 查证属实: borne out by the investigation. Final.
        Substantiated = "substantiated",
    }
}

impl ComplaintStatus {
    /// Whether handling is over: `rejected` and `substantiated` move nowhere.
    pub fn is_closed(self) -> bool {
        matches!(self, ComplaintStatus::Rejected | ComplaintStatus::Substantiated)
    }
}

/// Whether a complaint may move from `from` to `to` (豫安委〔2017〕17号 八(二)): a received
/// complaint is accepted or rejected; an accepted one is substantiated or rejected after
/// investigation. Nothing else, and in particular no move to the same status and no way back:
/// a substantiated complaint can lead to sanctions and credit events, so it is never reopened here.
pub fn may_move(from: ComplaintStatus, to: ComplaintStatus) -> bool {
    use ComplaintStatus::{Accepted, Received, Rejected, Substantiated};
    matches!((from, to), (Received, Accepted | Rejected) | (Accepted, Substantiated | Rejected))
}

/// The tracking-code alphabet: digits and upper-case Latin letters without `0`, `O`, `1`, `I`
/// and `L`, which are easily confused when read aloud or typed from paper. 31 characters.
pub const TRACKING_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Characters of a tracking code, not counting the dashes.
pub const TRACKING_CODE_CHARS: usize = 16;

/// 31^16, the number of distinct tracking codes (about 2^79.3).
const TRACKING_SPACE: u128 = 31u128.pow(TRACKING_CODE_CHARS as u32);

/// A string that is not a tracking code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum ComplaintError {
    /// Not 16 characters of [`TRACKING_ALPHABET`] once case and dashes are normalised. The input
    /// is deliberately not echoed: a tracking code is the complainant's only key to an anonymous
    /// complaint, and error messages end up in logs.
    #[error("not a tracking code: expected 16 characters of 23456789ABCDEFGHJKMNPQRSTUVWXYZ, as XXXX-XXXX-XXXX-XXXX")]
    InvalidTrackingCode,
}

impl ComplaintError {
    /// Stable machine code: `invalid_tracking_code`.
    pub fn code(&self) -> &'static str {
        match self {
            ComplaintError::InvalidTrackingCode => "invalid_tracking_code",
        }
    }
}

crate::validation::impl_coded!(ComplaintError);

/// Groups 16 alphabet characters as `XXXX-XXXX-XXXX-XXXX`.
fn grouped(chars: &[u8]) -> String {
    let mut code = String::with_capacity(TRACKING_CODE_CHARS + 3);
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && i % 4 == 0 {
            code.push('-');
        }
        code.push(char::from(c));
    }
    code
}

/// A complaint's tracking code from 10 random bytes supplied by the caller (this crate has no
/// randomness source), as `XXXX-XXXX-XXXX-XXXX` over [`TRACKING_ALPHABET`] (豫安委〔2017〕17号
/// 八(二)).
///
/// The bytes are read as an 80-bit big-endian number, reduced modulo 31^16 and written as 16
/// base-31 digits, most significant first. Because 2^80 is not a multiple of 31^16, some codes
/// come from two byte strings and the rest from one; the code still carries about 79 bits of
/// entropy, far beyond guessing, and every well-formed code can occur.
pub fn tracking_code(random: [u8; 10]) -> String {
    let mut value = random.iter().fold(0u128, |acc, &b| (acc << 8) | u128::from(b)) % TRACKING_SPACE;
    let mut chars = [0u8; TRACKING_CODE_CHARS];
    for slot in chars.iter_mut().rev() {
        *slot = TRACKING_ALPHABET[(value % 31) as usize];
        value /= 31;
    }
    grouped(&chars)
}

/// The canonical form `XXXX-XXXX-XXXX-XXXX` of a tracking code as a person typed it
/// (豫安委〔2017〕17号 八(二)): surrounding whitespace, every `-` and every space are dropped and
/// letters are upper-cased; what remains must be exactly 16 characters of [`TRACKING_ALPHABET`].
/// Look-alikes (`0`, `O`, `1`, `I`, `L`) are rejected rather than guessed at.
pub fn parse_tracking_code(input: &str) -> Result<String, ComplaintError> {
    let mut chars = Vec::with_capacity(TRACKING_CODE_CHARS);
    for c in input.trim().chars().filter(|&c| c != '-' && c != ' ') {
        let upper = c.to_ascii_uppercase();
        let byte = u8::try_from(upper).map_err(|_| ComplaintError::InvalidTrackingCode)?;
        if chars.len() == TRACKING_CODE_CHARS || !TRACKING_ALPHABET.contains(&byte) {
            return Err(ComplaintError::InvalidTrackingCode);
        }
        chars.push(byte);
    }
    if chars.len() != TRACKING_CODE_CHARS {
        return Err(ComplaintError::InvalidTrackingCode);
    }
    Ok(grouped(&chars))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Coded;
    use crate::vocabulary::assert_string_enum;
    use proptest::prelude::*;
    use std::collections::HashSet;

    #[test]
    fn vocabularies() {
        assert_string_enum!(ComplaintCategory, "invalid_complaint_category");
        assert_string_enum!(ComplaintStatus, "invalid_complaint_status");
        assert_eq!(ComplaintCategory::ALL.len(), 8);
    }

    #[test]
    fn status_moves() {
        use ComplaintStatus::{Accepted, Received, Rejected, Substantiated};
        let allowed = [(Received, Accepted), (Received, Rejected), (Accepted, Substantiated), (Accepted, Rejected)];
        for &from in ComplaintStatus::ALL {
            for &to in ComplaintStatus::ALL {
                assert_eq!(may_move(from, to), allowed.contains(&(from, to)), "{from} -> {to}");
            }
            // A closed complaint moves nowhere; an open one can always move somewhere.
            assert_eq!(from.is_closed(), ComplaintStatus::ALL.iter().all(|&to| !may_move(from, to)), "{from}");
        }
        assert!(!Received.is_closed() && !Accepted.is_closed());
        assert!(Rejected.is_closed() && Substantiated.is_closed());
    }

    #[test]
    fn alphabet_has_no_look_alikes() {
        assert_eq!(TRACKING_ALPHABET.len(), 31);
        assert_eq!(TRACKING_ALPHABET.iter().collect::<HashSet<_>>().len(), 31);
        for c in *b"01OIL" {
            assert!(!TRACKING_ALPHABET.contains(&c), "{}", char::from(c));
        }
        assert!(TRACKING_ALPHABET.iter().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert!(TRACKING_ALPHABET.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn known_codes() {
        assert_eq!(tracking_code([0; 10]), "2222-2222-2222-2222");
        assert_eq!(tracking_code([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]), "2222-2222-2222-2223");
        assert_eq!(tracking_code([0, 0, 0, 0, 0, 0, 0, 0, 0, 30]), "2222-2222-2222-222Z");
        assert_eq!(tracking_code([0, 0, 0, 0, 0, 0, 0, 0, 0, 31]), "2222-2222-2222-2232");
        // 2^80 − 1 reduced modulo 31^16.
        let max = (1u128 << 80) - 1 - TRACKING_SPACE;
        let mut expected = [0u8; TRACKING_CODE_CHARS];
        let mut value = max;
        for slot in expected.iter_mut().rev() {
            *slot = TRACKING_ALPHABET[(value % 31) as usize];
            value /= 31;
        }
        assert_eq!(tracking_code([0xff; 10]), grouped(&expected));
        // The largest value below 31^16 is the all-Z code.
        let top = (TRACKING_SPACE - 1).to_be_bytes();
        let mut bytes = [0u8; 10];
        bytes.copy_from_slice(&top[6..]);
        assert_eq!(tracking_code(bytes), "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        let wrapped = (TRACKING_SPACE).to_be_bytes();
        bytes.copy_from_slice(&wrapped[6..]);
        assert_eq!(tracking_code(bytes), "2222-2222-2222-2222");
    }

    #[test]
    fn parsing_normalises_case_and_dashes() {
        let canonical = "7KQM-2ZXD-9HRT-4WPA";
        assert_eq!(parse_tracking_code(canonical).as_deref(), Ok(canonical));
        for typed in [
            "7kqm-2zxd-9hrt-4wpa",
            "7KQM2ZXD9HRT4WPA",
            "7kqm2zxd9hrt4wpa",
            " 7KQM 2ZXD 9HRT 4WPA\n",
            "7-K-Q-M-2-Z-X-D-9-H-R-T-4-W-P-A",
            "7KQM--2ZXD-9HRT-4WPA-",
            "-7KQm-2ZxD-9HRT-4WPA",
        ] {
            assert_eq!(parse_tracking_code(typed).as_deref(), Ok(canonical), "{typed:?}");
        }
    }

    #[test]
    fn parsing_rejects_anything_else() {
        for bad in [
            "",
            "----",
            "7KQM-2ZXD-9HRT-4WP",
            "7KQM-2ZXD-9HRT-4WPAA",
            "7KQM-2ZXD-9HRT-4WP0",
            "7KQM-2ZXD-9HRT-4WPO",
            "7KQM-2ZXD-9HRT-4WP1",
            "7KQM-2ZXD-9HRT-4WPI",
            "7KQM-2ZXD-9HRT-4WPl",
            "7KQM-2ZXD-9HRT-4WPi",
            "7KQM_2ZXD_9HRT_4WPA",
            "7KQM-2ZXD-9HRT-4WP\u{0410}",
            "７KQM-2ZXD-9HRT-4WPA",
            "7KQM-2ZXD-9HRT-4WPA\u{0}",
            "7KQM\t2ZXD-9HRT-4WPA",
        ] {
            let error = parse_tracking_code(bad).unwrap_err();
            assert_eq!(error, ComplaintError::InvalidTrackingCode, "{bad:?}");
            assert_eq!(error.code(), "invalid_tracking_code");
            assert_eq!(Coded::code(&error), "invalid_tracking_code");
            assert!(!error.to_string().contains("7KQM"), "the input is not echoed");
        }
        assert!(parse_tracking_code(&"2".repeat(10_000)).is_err());
    }

    #[test]
    fn distinct_bytes_give_distinct_codes() {
        let codes: HashSet<String> = (0u16..2_000)
            .map(|i| {
                let mut bytes = [0u8; 10];
                bytes[0..2].copy_from_slice(&i.to_be_bytes());
                bytes[8..].copy_from_slice(&i.to_be_bytes());
                tracking_code(bytes)
            })
            .collect();
        assert_eq!(codes.len(), 2_000);
    }

    proptest! {
        #[test]
        fn codes_are_well_formed_and_parse_to_themselves(random in any::<[u8; 10]>()) {
            let code = tracking_code(random);
            prop_assert_eq!(code.len(), 19);
            for (i, c) in code.bytes().enumerate() {
                if i % 5 == 4 {
                    prop_assert_eq!(c, b'-');
                } else {
                    prop_assert!(TRACKING_ALPHABET.contains(&c));
                }
            }
            prop_assert_eq!(parse_tracking_code(&code), Ok(code.clone()));
            prop_assert_eq!(parse_tracking_code(&code.to_lowercase().replace('-', "")), Ok(code));
        }
    }
}
