//! Training institutions' exams and their published pass rates (豫安委〔2017〕17号 五(一)).
//!
//! DOMAIN.md ("Training — 五", 五(一)): training institutions' exam pass rates are published
//! periodically, e.g. half-yearly (candidates, passed, rate). This module decides whether one
//! candidate passed, names the half-year periods, and computes a rate exactly in integer basis
//! points (no floating point anywhere).

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Citation of the pass-rate publication rule.
pub const CLAUSE: &str = "豫安委〔2017〕17号 五(一)";

/// Highest score of an exam part: both parts are marked out of 100 (总局令第30号 special-operation
/// exams).
pub const MAX_SCORE: u8 = 100;

/// The usual pass mark of each exam part, 80 out of 100 (special-operation exams under
/// 总局令第30号). The platform reads the mark in force on the exam date from the rule book
/// (`exam_theory_pass_mark`); this constant is the seeded value, used by tests.
pub const DEFAULT_PASS_MARK: u8 = 80;

/// Basis points in 100%.
const FULL_BP: u128 = 10_000;

/// A value this module does not accept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum TrainingError {
    /// A score above [`MAX_SCORE`].
    #[error("{part} score {score} is out of range (0 to 100)")]
    InvalidScore {
        /// `theory` or `practical`.
        part: &'static str,
        /// The score given.
        score: u8,
    },
    /// Not a half-year period such as `2026H1`.
    #[error("{input:?} is not a half-year period such as 2026H1")]
    InvalidPeriod {
        /// The rejected input.
        input: String,
    },
    /// More candidates passed than sat the exam.
    #[error("{passed} passed out of {candidates} candidates")]
    InvalidPassRate {
        /// Candidates.
        candidates: u64,
        /// Passed.
        passed: u64,
    },
}

impl TrainingError {
    /// Stable machine code: `invalid_score`, `invalid_period` or `invalid_pass_rate`.
    pub fn code(&self) -> &'static str {
        match self {
            TrainingError::InvalidScore { .. } => "invalid_score",
            TrainingError::InvalidPeriod { .. } => "invalid_period",
            TrainingError::InvalidPassRate { .. } => "invalid_pass_rate",
        }
    }
}

crate::validation::impl_coded!(TrainingError);

/// One candidate's exam scores: the theory exam and, once taken, the practical exam
/// (豫安委〔2017〕17号 五(一)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExamResult {
    /// Theory score, 0 to 100.
    pub theory: u8,
    /// Practical score, 0 to 100; `None` when not (yet) taken.
    pub practical: Option<u8>,
}

impl ExamResult {
    /// Validates both scores (0 to [`MAX_SCORE`]).
    pub fn new(theory: u8, practical: Option<u8>) -> Result<Self, TrainingError> {
        if theory > MAX_SCORE {
            return Err(TrainingError::InvalidScore { part: "theory", score: theory });
        }
        if let Some(score) = practical.filter(|&score| score > MAX_SCORE) {
            return Err(TrainingError::InvalidScore { part: "practical", score });
        }
        Ok(Self { theory, practical })
    }
}

/// Whether a candidate passed (豫安委〔2017〕17号 五(一); special-operation exams under
/// 总局令第30号): the theory score reaches `pass_mark`, and then the practical score does too. A
/// practical score counts only after the theory exam is passed; a missing practical score is not
/// a pass. A score exactly at the mark passes. See [`DEFAULT_PASS_MARK`].
pub fn passed(r: &ExamResult, pass_mark: u8) -> bool {
    r.theory >= pass_mark && r.practical.is_some_and(|practical| practical >= pass_mark)
}

/// Half of a calendar year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Half {
    /// 1 January to 30 June (`H1`).
    H1,
    /// 1 July to 31 December (`H2`).
    H2,
}

/// A half-year publication period such as `2026H1` (豫安委〔2017〕17号 五(一): pass rates are
/// published periodically, e.g. half-yearly). Ordered chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    year: i32,
    half: Half,
}

impl Period {
    /// The period; the year must be one of chrono's calendar years.
    pub fn new(year: i32, half: Half) -> Result<Self, TrainingError> {
        if NaiveDate::from_ymd_opt(year, 1, 1).is_none() || NaiveDate::from_ymd_opt(year, 12, 31).is_none() {
            return Err(TrainingError::InvalidPeriod { input: format!("{year}") });
        }
        Ok(Self { year, half })
    }

    /// Parses `YYYYH1` or `YYYYH2`: exactly four ASCII digits (year 1 to 9999), an uppercase `H`
    /// and `1` or `2`; no whitespace.
    pub fn parse(input: &str) -> Result<Self, TrainingError> {
        let invalid = || TrainingError::InvalidPeriod { input: input.to_owned() };
        let bytes = input.as_bytes();
        if bytes.len() != 6 || !bytes[..4].iter().all(u8::is_ascii_digit) || bytes[4] != b'H' {
            return Err(invalid());
        }
        let half = match bytes[5] {
            b'1' => Half::H1,
            b'2' => Half::H2,
            _ => return Err(invalid()),
        };
        let year: i32 = input[..4].parse().map_err(|_| invalid())?;
        if year < 1 {
            return Err(invalid());
        }
        Self::new(year, half).map_err(|_| invalid())
    }

    /// The period containing `date`.
    pub fn of(date: NaiveDate) -> Self {
        let half = if date.month() <= 6 { Half::H1 } else { Half::H2 };
        Self { year: date.year(), half }
    }

    /// The calendar year.
    pub fn year(&self) -> i32 {
        self.year
    }

    /// The half.
    pub fn half(&self) -> Half {
        self.half
    }

    /// 1 January or 1 July.
    pub fn first_day(&self) -> NaiveDate {
        let month = match self.half {
            Half::H1 => 1,
            Half::H2 => 7,
        };
        // Valid for every year of a constructed period.
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// 30 June or 31 December.
    pub fn last_day(&self) -> NaiveDate {
        let (month, day) = match self.half {
            Half::H1 => (6, 30),
            Half::H2 => (12, 31),
        };
        // Valid for every year of a constructed period.
        NaiveDate::from_ymd_opt(self.year, month, day).unwrap_or(NaiveDate::MAX)
    }

    /// Whether `date` lies in the period (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first_day() <= date && date <= self.last_day()
    }
}

impl fmt::Display for Period {
    /// `2026H1`; the year has at least four digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let half = match self.half {
            Half::H1 => "H1",
            Half::H2 => "H2",
        };
        write!(f, "{:04}{half}", self.year)
    }
}

impl FromStr for Period {
    type Err = TrainingError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Period {
    type Error = TrainingError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Period> for String {
    fn from(period: Period) -> Self {
        period.to_string()
    }
}

/// An institution's exam results over a period, as published (豫安委〔2017〕17号 五(一):
/// candidates, passed, rate).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassRate {
    /// Candidates who sat the exam.
    pub candidates: u64,
    /// Candidates who passed.
    pub passed: u64,
}

impl PassRate {
    /// Validates `passed <= candidates`.
    pub fn new(candidates: u64, passed: u64) -> Result<Self, TrainingError> {
        if passed > candidates {
            return Err(TrainingError::InvalidPassRate { candidates, passed });
        }
        Ok(Self { candidates, passed })
    }

    /// Counts `results`, each judged by [`passed`] with `pass_mark`.
    pub fn tally<'a>(results: impl IntoIterator<Item = &'a ExamResult>, pass_mark: u8) -> Self {
        results.into_iter().fold(Self::default(), |rate, result| Self {
            candidates: rate.candidates.saturating_add(1),
            passed: rate.passed.saturating_add(u64::from(passed(result, pass_mark))),
        })
    }

    /// The pass rate in basis points (10,000 = 100%), rounded half up, computed exactly in
    /// integers: 1 of 3 is 3,333, 2 of 3 is 6,667. `None` when there are no candidates (no rate
    /// is published) or when `passed > candidates` (not a rate).
    pub fn basis_points(&self) -> Option<u32> {
        if self.candidates == 0 || self.passed > self.candidates {
            return None;
        }
        let (passed, candidates) = (u128::from(self.passed), u128::from(self.candidates));
        let rounded = (2 * passed * FULL_BP + candidates) / (2 * candidates);
        u32::try_from(rounded).ok()
    }

    /// The rate as a percentage with two decimals, e.g. `33.33%`; `None` when
    /// [`PassRate::basis_points`] is.
    pub fn percent_text(&self) -> Option<String> {
        self.basis_points().map(|bp| format!("{}.{:02}%", bp / 100, bp % 100))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Coded;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rate(candidates: u64, passed: u64) -> PassRate {
        PassRate { candidates, passed }
    }

    #[test]
    fn scores_are_validated() {
        assert_eq!(ExamResult::new(100, Some(0)), Ok(ExamResult { theory: 100, practical: Some(0) }));
        assert!(ExamResult::new(0, None).is_ok());
        let error = ExamResult::new(101, Some(90)).unwrap_err();
        assert_eq!(error, TrainingError::InvalidScore { part: "theory", score: 101 });
        assert_eq!(error.code(), "invalid_score");
        assert_eq!(ExamResult::new(90, Some(255)), Err(TrainingError::InvalidScore { part: "practical", score: 255 }));
    }

    #[test]
    fn pass_requires_theory_then_practical() {
        let mark = DEFAULT_PASS_MARK;
        let exam = |theory, practical| ExamResult::new(theory, practical).unwrap();
        assert!(passed(&exam(80, Some(80)), mark));
        assert!(passed(&exam(100, Some(95)), mark));
        assert!(!passed(&exam(79, Some(100)), mark));
        assert!(!passed(&exam(80, Some(79)), mark));
        assert!(!passed(&exam(95, None), mark));
        assert!(!passed(&exam(0, None), mark));
        // The mark is a parameter.
        assert!(passed(&exam(60, Some(60)), 60));
        assert!(!passed(&exam(100, Some(100)), 101));
    }

    #[test]
    fn pass_rates() {
        assert_eq!(rate(0, 0).basis_points(), None);
        assert_eq!(rate(0, 0).percent_text(), None);
        assert_eq!(rate(3, 1).basis_points(), Some(3_333));
        assert_eq!(rate(3, 2).basis_points(), Some(6_667));
        assert_eq!(rate(3, 2).percent_text().as_deref(), Some("66.67%"));
        assert_eq!(rate(7, 7).basis_points(), Some(10_000));
        assert_eq!(rate(7, 7).percent_text().as_deref(), Some("100.00%"));
        assert_eq!(rate(7, 0).basis_points(), Some(0));
        assert_eq!(rate(7, 0).percent_text().as_deref(), Some("0.00%"));
        // Exactly half a basis point rounds up; just under does not.
        assert_eq!(rate(20_000, 1).basis_points(), Some(1));
        assert_eq!(rate(20_001, 1).basis_points(), Some(0));
        assert_eq!(rate(32, 1).basis_points(), Some(313)); // 312.5
        assert_eq!(rate(u64::MAX, u64::MAX).basis_points(), Some(10_000));
        assert_eq!(rate(u64::MAX, u64::MAX / 2).basis_points(), Some(5_000));
        assert_eq!(rate(1, 2).basis_points(), None);

        assert_eq!(PassRate::new(3, 2), Ok(rate(3, 2)));
        assert_eq!(PassRate::new(0, 0), Ok(rate(0, 0)));
        let error = PassRate::new(2, 3).unwrap_err();
        assert_eq!(error.code(), "invalid_pass_rate");
    }

    #[test]
    fn tally_counts_passes() {
        let results = [
            ExamResult { theory: 85, practical: Some(90) },
            ExamResult { theory: 70, practical: Some(90) },
            ExamResult { theory: 90, practical: None },
        ];
        let tally = PassRate::tally(&results, DEFAULT_PASS_MARK);
        assert_eq!(tally, rate(3, 1));
        assert_eq!(tally.basis_points(), Some(3_333));
        assert_eq!(PassRate::tally(&[], DEFAULT_PASS_MARK), rate(0, 0));
    }

    #[test]
    fn periods() {
        let h1 = Period::parse("2026H1").unwrap();
        assert_eq!((h1.year(), h1.half()), (2026, Half::H1));
        assert_eq!(h1.to_string(), "2026H1");
        assert_eq!(h1.first_day(), date(2026, 1, 1));
        assert_eq!(h1.last_day(), date(2026, 6, 30));
        assert!(h1.contains(date(2026, 6, 30)));
        assert!(!h1.contains(date(2026, 7, 1)));
        assert!(!h1.contains(date(2025, 12, 31)));
        let h2 = Period::of(date(2026, 7, 1));
        assert_eq!(h2, Period::new(2026, Half::H2).unwrap());
        assert_eq!(h2.to_string(), "2026H2");
        assert_eq!((h2.first_day(), h2.last_day()), (date(2026, 7, 1), date(2026, 12, 31)));
        assert!(h2.contains(date(2026, 12, 31)));
        assert_eq!(Period::of(date(2026, 6, 30)), h1);
        assert_eq!(Period::of(date(2026, 1, 1)), h1);
        assert!(h1 < h2 && h2 < Period::parse("2027H1").unwrap());
        assert_eq!("0001H2".parse::<Period>().unwrap().to_string(), "0001H2");
        assert_eq!(Period::parse("9999H2").unwrap().last_day(), date(9999, 12, 31));

        for bad in ["", "2026", "2026H3", "2026H0", "2026h1", " 2026H1", "2026H1 ", "026H1", "20261H1", "0000H1"] {
            let error = Period::parse(bad).unwrap_err();
            assert_eq!(error.code(), "invalid_period", "{bad:?}");
        }
        assert_eq!(Period::parse("+026H1").unwrap_err().code(), "invalid_period");
        assert_eq!(Period::parse("２026H1").unwrap_err().code(), "invalid_period");
        assert!(Period::new(i32::MAX, Half::H1).is_err());

        let json = serde_json::to_string(&h1).unwrap();
        assert_eq!(json, "\"2026H1\"");
        assert_eq!(serde_json::from_str::<Period>(&json).unwrap(), h1);
        assert!(serde_json::from_str::<Period>("\"2026H3\"").is_err());
    }

    #[test]
    fn every_error_is_coded() {
        let coded: [&dyn Coded; 3] = [
            &TrainingError::InvalidScore { part: "theory", score: 101 },
            &TrainingError::InvalidPeriod { input: "x".into() },
            &TrainingError::InvalidPassRate { candidates: 1, passed: 2 },
        ];
        let codes: Vec<&str> = coded.iter().map(|e| e.code()).collect();
        assert_eq!(codes, ["invalid_score", "invalid_period", "invalid_pass_rate"]);
    }

    proptest! {
        #[test]
        fn basis_points_are_exact_and_rounded_half_up(candidates in 1u64..=u64::MAX, numerator in any::<u64>()) {
            let passed = numerator % (candidates.saturating_add(1)).max(1);
            let passed = passed.min(candidates);
            let bp = u128::from(rate(candidates, passed).basis_points().unwrap());
            let exact_times_two = 2 * u128::from(passed) * FULL_BP;
            let c = u128::from(candidates);
            // bp is the integer nearest to passed/candidates × 10,000, halves rounded up.
            prop_assert!(2 * bp * c <= exact_times_two + c);
            prop_assert!(exact_times_two + c < 2 * (bp + 1) * c);
            prop_assert!(bp <= FULL_BP);
        }

        #[test]
        fn period_round_trips(year in 1i32..=9999, second in any::<bool>(), offset in 0u32..366) {
            let half = if second { Half::H2 } else { Half::H1 };
            let period = Period::new(year, half).unwrap();
            prop_assert_eq!(Period::parse(&period.to_string()).unwrap(), period);
            let day = period.first_day().checked_add_days(chrono::Days::new(u64::from(offset % 181))).unwrap();
            prop_assert!(period.contains(day));
            prop_assert_eq!(Period::of(day), period);
            prop_assert_eq!(Period::of(period.last_day()), period);
        }

        #[test]
        fn period_parse_never_panics(input in ".{0,8}") {
            let _ = Period::parse(&input);
        }
    }
}
