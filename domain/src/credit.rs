//! Credit of service providers: recorded credit events, the effective-dated points table, the
//! score scale and grades (豫安委〔2017〕17号 八(三); sanctions of 八(一), complaints of 八(二),
//! service evaluations of 九(二)).
//!
//! DOMAIN.md ("Supervision — 八", 八(三)): agency credit is part of the work-safety integrity
//! system, trust is rewarded and dishonesty punished (守信激励、失信惩戒), and credit must be
//! explainable: **a score is the sum of recorded events, each citing its rule**. So a score is
//! never stored as an opaque number: it is `base + Σ points` of the events in force on the date,
//! clamped to the scale, and every part names its source: each event's points and expiry come from
//! a [`CreditRule`] (cited by [`CreditRule::version_label`]), and the base, bounds and grade bands
//! come from rule parameters ([`ScoreScale::versions`]).
//!
//! The numbers themselves (points per event, validity, base 80, bands 90/75/60) are platform
//! choices: the policy names the behaviours, not their weights. They are data (seed files
//! `credit_event_rules.csv` and `rule_parameters.csv`, "platform scoring table v1" / "platform
//! credit scale v1"), never constants in code, so they can change with a new effective-dated
//! version.
//!
//! Dates are CST calendar dates. An event counts from the day it occurred up to, excluding, its
//! expiry date: it stops counting at 00:00 CST on `expires_on`.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::rules::{RuleBook, RuleError, RuleParameter};
use crate::vocabulary::string_enum;

/// Citation of the credit rules.
pub const CLAUSE: &str = "豫安委〔2017〕17号 八(三)";

string_enum! {
    /// A kind of credit event recorded against a service provider (豫安委〔2017〕17号 八(一)–八(三),
    /// 九(二)).
    pub enum CreditEventType ("credit event type", "invalid_credit_event_type") {
        /// 责令整改: rectification order with a deadline, first step of the exit ladder (八(一)).
        RectificationOrder = "rectification_order",
        /// 通报批评: public criticism, second step of the exit ladder (八(一)).
        PublicCriticism = "public_criticism",
        /// 中止服务: service suspension for a period, third step of the exit ladder (八(一)).
        ServiceSuspension = "service_suspension",
        /// 吊销资格证书: revocation of the qualification, last step of the exit ladder (八(一)).
        QualificationRevocation = "qualification_revocation",
        /// 举报投诉查实: a complaint or report found to be true (八(二)).
        ComplaintSubstantiated = "complaint_substantiated",
        /// 服务评价良好: a good evaluation of a purchased service by purchaser, recipient and third
        /// party (九(二)).
        ServiceEvaluationPositive = "service_evaluation_positive",
        /// 服务评价较差: a poor evaluation of a purchased service (九(二)).
        ServiceEvaluationNegative = "service_evaluation_negative",
        /// 服务评价一般: an evaluation neither good nor poor; recorded so that every evaluation is
        /// explainable, worth no points (九(二), 九(三)).
        ServiceEvaluationNeutral = "service_evaluation_neutral",
        /// 弄虚作假、出具虚假报告: false reports or certificates (八(一), 八(三); 应急管理部令第11号).
        FalseReport = "false_report",
        /// 租借资质: leasing qualification certificates (八(一), 八(三); 应急管理部令第11号).
        QualificationLeasing = "qualification_leasing",
        /// 挂靠: illegal affiliation (八(一), 八(三); 应急管理部令第11号).
        IllegalAffiliation = "illegal_affiliation",
        /// 应到而不到现场: staff who should be on site and are not (八(一)).
        StaffAbsentFromSite = "staff_absent_from_site",
        /// 只收费不服务: charging without serving (八(三)).
        ChargingWithoutService = "charging_without_service",
        /// 不履行服务合同: failing to perform the contracted service (八(三)).
        FailureToPerformContract = "failure_to_perform_contract",
        /// 表彰奖励: a commendation, rewarding trust (守信激励, 八(三)).
        Commendation = "commendation",
    }
}

impl CreditEventType {
    /// Whether an event of this type puts the party on the blacklist (黑名单) as well as costing
    /// points: false reports, leasing qualifications and affiliation (应急管理部令第11号),
    /// charging without serving and failing to perform the contracted service (豫安委〔2017〕17号
    /// 八(三)), and revocation of the qualification (the end of 八(一)'s exit ladder, which the
    /// platform treats as serious dishonesty). See [`crate::blacklist`].
    pub fn blacklist_trigger(self) -> bool {
        use CreditEventType as E;
        matches!(
            self,
            E::FalseReport
                | E::QualificationLeasing
                | E::IllegalAffiliation
                | E::ChargingWithoutService
                | E::FailureToPerformContract
                | E::QualificationRevocation
        )
    }

    /// The clause that names the behaviour. The points of an event cite their [`CreditRule`].
    pub fn clause(self) -> &'static str {
        use CreditEventType as E;
        match self {
            E::RectificationOrder | E::PublicCriticism | E::ServiceSuspension | E::StaffAbsentFromSite => {
                "豫安委〔2017〕17号 八(一)"
            }
            E::QualificationRevocation => "豫安委〔2017〕17号 八(一), 八(三)",
            E::ComplaintSubstantiated => "豫安委〔2017〕17号 八(二)",
            E::ServiceEvaluationPositive | E::ServiceEvaluationNegative | E::ServiceEvaluationNeutral => {
                "豫安委〔2017〕17号 九(二), 八(三)"
            }
            E::FalseReport | E::QualificationLeasing | E::IllegalAffiliation => {
                "豫安委〔2017〕17号 八(一), 八(三); 应急管理部令第11号"
            }
            E::ChargingWithoutService | E::FailureToPerformContract | E::Commendation => CLAUSE,
        }
    }
}

string_enum! {
    /// Credit grade of a score (豫安委〔2017〕17号 八(三); bands are the rule parameters
    /// `credit_grade_a_min`, `credit_grade_b_min`, `credit_grade_c_min`).
    pub enum Grade ("credit grade", "invalid_grade") {
        /// A级, 信用优良: at least `credit_grade_a_min`.
        A = "a",
        /// B级, 信用良好: at least `credit_grade_b_min`.
        B = "b",
        /// C级, 信用一般: at least `credit_grade_c_min`.
        C = "c",
        /// D级, 信用较差: below `credit_grade_c_min`.
        D = "d",
    }
}

/// Why a points table cannot be built, an event cannot be scored, or a scale is unusable.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum CreditError {
    /// `effective_to` is before `effective_from`.
    #[error("credit rule {version}: effective_to is before effective_from")]
    InvalidPeriod {
        /// Label of the offending rule.
        version: String,
    },
    /// No clause cited: every point must be explainable by its source.
    #[error("credit rule {version}: clause is empty")]
    MissingClause {
        /// Label of the offending rule.
        version: String,
    },
    /// A validity of zero months: the event would never count.
    #[error("credit rule {version}: validity_months must be at least 1")]
    InvalidValidity {
        /// Label of the offending rule.
        version: String,
    },
    /// Two versions of one event type apply on a common day.
    #[error("credit rules {first} and {second} overlap")]
    Overlap {
        /// Label of the earlier version.
        first: String,
        /// Label of the later version.
        second: String,
    },
    /// A line of the points-table CSV is malformed.
    #[error("credit rule CSV line {line}: {reason}")]
    Csv {
        /// 1-based line number (the header is line 1).
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// No rule of the event type is in force on the date.
    #[error("no credit rule for {event_type} is in force on {on}")]
    NotInForce {
        /// The event type asked for.
        event_type: CreditEventType,
        /// The date asked about.
        on: NaiveDate,
    },
    /// A scale parameter cannot be read; the code is the rule error's.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// The scale parameters in force are inconsistent.
    #[error("credit scale {versions:?} is inconsistent: {reason}")]
    InvalidScale {
        /// Labels of the scale's rule versions.
        versions: Vec<String>,
        /// Which condition fails.
        reason: String,
    },
    /// A stored score is not valid for the day an event is added: the date went past its
    /// `next_change_on`, or back before its `as_of`. Recompute it from the events.
    #[error("stored credit score as of {as_of} (next change {next_change_on:?}) is not current on {today}")]
    StaleScore {
        /// Date the stored score was computed for.
        as_of: NaiveDate,
        /// Its next change date.
        next_change_on: Option<NaiveDate>,
        /// The day the event was added.
        today: NaiveDate,
    },
}

impl CreditError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            CreditError::InvalidPeriod { .. } => "invalid_credit_rule_period",
            CreditError::MissingClause { .. } => "credit_rule_clause_missing",
            CreditError::InvalidValidity { .. } => "invalid_credit_rule_validity",
            CreditError::Overlap { .. } => "credit_rule_overlap",
            CreditError::Csv { .. } => "invalid_credit_rule_csv",
            CreditError::NotInForce { .. } => "credit_rule_not_in_force",
            CreditError::Rule(error) => error.code(),
            CreditError::InvalidScale { .. } => "invalid_credit_scale",
            CreditError::StaleScore { .. } => "credit_score_stale",
        }
    }
}

crate::validation::impl_coded!(CreditError);

/// One version of the points of an event type (豫安委〔2017〕17号 八(三): credit is the sum of
/// recorded events, each citing its rule).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditRule {
    /// The event type.
    pub event_type: CreditEventType,
    /// Points added to the score while an event is in force; negative for dishonesty.
    pub points: i32,
    /// Calendar months an event counts, from the day it occurred (at least 1).
    pub validity_months: u32,
    /// First day (CST) on which events are scored by this version.
    pub effective_from: NaiveDate,
    /// Last day on which it applies, inclusive; `None` while open-ended.
    pub effective_to: Option<NaiveDate>,
    /// The clause or document the rule comes from.
    pub clause: String,
}

impl CreditRule {
    /// `{event_type}@{effective_from}`, e.g. `false_report@2017-11-08`: the name by which a
    /// recorded event cites the rule that fixed its points.
    pub fn version_label(&self) -> String {
        format!("{}@{}", self.event_type, self.effective_from)
    }

    /// Whether the version applies on `on`.
    pub fn is_in_force(&self, on: NaiveDate) -> bool {
        self.effective_from <= on && self.effective_to.is_none_or(|to| on <= to)
    }
}

/// A consistent, effective-dated points table: each rule has a well-formed period, a validity of
/// at least one month and a clause, and no two versions of one event type overlap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CreditTable {
    /// Sorted by event type (declaration order), then `effective_from`.
    rules: Vec<CreditRule>,
}

impl CreditTable {
    /// Header line of the points-table CSV (`persistence/seed/credit_event_rules.csv`).
    pub const CSV_HEADER: &'static str = "event_type,points,validity_months,effective_from,effective_to,clause";

    /// Checks and indexes `rules`. Gaps between versions are allowed (recording an event in a gap
    /// is [`CreditError::NotInForce`]); overlaps are not.
    pub fn new(mut rules: Vec<CreditRule>) -> Result<Self, CreditError> {
        for rule in &rules {
            if rule.effective_to.is_some_and(|to| to < rule.effective_from) {
                return Err(CreditError::InvalidPeriod { version: rule.version_label() });
            }
            if rule.validity_months == 0 {
                return Err(CreditError::InvalidValidity { version: rule.version_label() });
            }
            if rule.clause.trim().is_empty() {
                return Err(CreditError::MissingClause { version: rule.version_label() });
            }
        }
        rules.sort_by_key(|r| (r.event_type, r.effective_from));
        // Sorted by start, two periods of one type overlap only if some adjacent pair does.
        for pair in rules.windows(2) {
            let (earlier, later) = (&pair[0], &pair[1]);
            if earlier.event_type == later.event_type
                && earlier.effective_to.is_none_or(|to| to >= later.effective_from)
            {
                return Err(CreditError::Overlap { first: earlier.version_label(), second: later.version_label() });
            }
        }
        Ok(Self { rules })
    }

    /// Parses a points table in the CSV shape of [`CreditTable::CSV_HEADER`] and checks it with
    /// [`CreditTable::new`]. The first line must be the header; blank lines are skipped; a line
    /// has six comma-separated fields, the last (the clause) may contain commas. `points` is an
    /// integer with an optional leading `-`; `validity_months` plain digits; dates `YYYY-MM-DD`;
    /// an empty `effective_to` is open-ended. The one parser of that file, for tests and for the
    /// persistence seed loader alike.
    pub fn from_csv(text: &str) -> Result<Self, CreditError> {
        let mut lines = text.lines().map(|line| line.strip_suffix('\r').unwrap_or(line));
        let csv_error = |line: usize, reason: String| CreditError::Csv { line, reason };
        match lines.next() {
            Some(header) if header == Self::CSV_HEADER => {}
            Some(header) => return Err(csv_error(1, format!("header must be {:?}, got {header:?}", Self::CSV_HEADER))),
            None => return Err(csv_error(1, "missing header".into())),
        }
        let mut rules = Vec::new();
        for (index, line) in lines.enumerate() {
            let number = index + 2;
            if line.trim().is_empty() {
                continue;
            }
            rules.push(parse_csv_rule(line).map_err(|reason| csv_error(number, reason))?);
        }
        Self::new(rules)
    }

    /// Every rule, sorted by event type and then `effective_from`.
    pub fn rules(&self) -> &[CreditRule] {
        &self.rules
    }

    /// The rules in force on `on`, one per event type at most.
    pub fn in_force(&self, on: NaiveDate) -> Vec<&CreditRule> {
        self.rules.iter().filter(|r| r.is_in_force(on)).collect()
    }

    /// The rule of `event_type` in force on `on`: the one that scores an event that occurred
    /// that day.
    pub fn rule(&self, event_type: CreditEventType, on: NaiveDate) -> Result<&CreditRule, CreditError> {
        self.rules
            .iter()
            .find(|r| r.event_type == event_type && r.is_in_force(on))
            .ok_or(CreditError::NotInForce { event_type, on })
    }

    /// The event of `event_type` that occurred on `occurred_on`, with points and expiry fixed by
    /// the rule in force that day. Store [`CreditRule::version_label`] of that rule with it.
    pub fn record(&self, event_type: CreditEventType, occurred_on: NaiveDate) -> Result<RecordedEvent, CreditError> {
        Ok(RecordedEvent::from_rule(self.rule(event_type, occurred_on)?, occurred_on))
    }
}

/// One data line of the points-table CSV.
fn parse_csv_rule(line: &str) -> Result<CreditRule, String> {
    let fields: Vec<&str> = line.splitn(6, ',').collect();
    let [event_type, points, validity_months, from, to, clause] = fields.as_slice() else {
        return Err(format!("expected 6 fields, got {}", fields.len()));
    };
    let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    let date = |name: &str, text: &str| {
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .ok()
            .filter(|_| text.len() == 10)
            .ok_or_else(|| format!("{name} {text:?} is not a YYYY-MM-DD date"))
    };
    let event_type = CreditEventType::parse(event_type).map_err(|e| e.to_string())?;
    let points = Some(points.strip_prefix('-').unwrap_or(points))
        .filter(|magnitude| digits(magnitude))
        .and_then(|_| points.parse::<i32>().ok())
        .ok_or_else(|| format!("points {points:?} is not an integer"))?;
    let validity_months = Some(*validity_months)
        .filter(|text| digits(text))
        .and_then(|text| text.parse::<u32>().ok())
        .ok_or_else(|| format!("validity_months {validity_months:?} is not a whole number"))?;
    Ok(CreditRule {
        event_type,
        points,
        validity_months,
        effective_from: date("effective_from", from)?,
        effective_to: if to.is_empty() { None } else { Some(date("effective_to", to)?) },
        clause: (*clause).to_owned(),
    })
}

/// The day an event that occurred on `occurred_on` stops counting (豫安委〔2017〕17号 八(三)):
/// `occurred_on + validity_months` calendar months of `rule`. The event counts on the days
/// `occurred_on <= d < expires_on`, so it stops at 00:00 CST on that day. Months are chrono's
/// `checked_add_months`, which keeps the day of month and clamps it to the month's last day:
/// 2024-02-29 + 12 months = 2025-02-28, 2025-01-31 + 1 month = 2025-02-28. A date beyond chrono's
/// range saturates at [`NaiveDate::MAX`].
pub fn expires_on(rule: &CreditRule, occurred_on: NaiveDate) -> NaiveDate {
    occurred_on.checked_add_months(Months::new(rule.validity_months)).unwrap_or(NaiveDate::MAX)
}

/// An event as recorded against a party (豫安委〔2017〕17号 八(三)). Its points and expiry are
/// fixed when it is recorded, from the rule in force on the day it occurred, so a later change of
/// the points table never rewrites history. The event type and the rule's version label are
/// stored beside it (by persistence) to explain it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedEvent {
    /// The day the behaviour or decision occurred: the first day the event counts.
    pub occurred_on: NaiveDate,
    /// Points added while in force.
    pub points: i32,
    /// The first day it no longer counts (see [`expires_on`]).
    pub expires_on: NaiveDate,
}

impl RecordedEvent {
    /// The event that occurred on `occurred_on`, scored by `rule` (the caller passes the rule in
    /// force that day, see [`CreditTable::rule`]).
    pub fn from_rule(rule: &CreditRule, occurred_on: NaiveDate) -> Self {
        Self { occurred_on, points: rule.points, expires_on: expires_on(rule, occurred_on) }
    }

    /// Whether the event counts on `on`: `occurred_on <= on < expires_on`.
    pub fn is_in_force(&self, on: NaiveDate) -> bool {
        self.occurred_on <= on && on < self.expires_on
    }

    /// Whether the event will start counting after `on`: a future-dated event (with a non-empty
    /// period).
    fn starts_after(&self, on: NaiveDate) -> bool {
        on < self.occurred_on && self.occurred_on < self.expires_on
    }
}

/// The score scale in force on a date: base, bounds and grade bands, with the rule versions
/// that supplied them (豫安委〔2017〕17号 八(三); rule parameters `credit_*`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ScoreScale {
    /// Score with no event in force (`credit_base_score`).
    pub base: i32,
    /// Lowest score (`credit_score_min`).
    pub min: i32,
    /// Highest score (`credit_score_max`).
    pub max: i32,
    /// Lowest score of grade A (`credit_grade_a_min`).
    pub a_min: i32,
    /// Lowest score of grade B (`credit_grade_b_min`).
    pub b_min: i32,
    /// Lowest score of grade C (`credit_grade_c_min`); below it, D.
    pub c_min: i32,
    /// Labels of the rule versions read, in the order base, min, max, a, b, c.
    pub versions: Vec<String>,
}

impl ScoreScale {
    /// The scale in force on `on`, checked with [`ScoreScale::check`].
    pub fn from_book(book: &RuleBook, on: NaiveDate) -> Result<Self, CreditError> {
        use RuleParameter as P;
        let mut versions = Vec::with_capacity(6);
        let mut read = |parameter| {
            book.points(parameter, on).map(|applied| {
                versions.push(applied.version);
                i32::from(applied.value)
            })
        };
        let base = read(P::CreditBaseScore)?;
        let min = read(P::CreditScoreMin)?;
        let max = read(P::CreditScoreMax)?;
        let a_min = read(P::CreditGradeAMin)?;
        let b_min = read(P::CreditGradeBMin)?;
        let c_min = read(P::CreditGradeCMin)?;
        let scale = Self { base, min, max, a_min, b_min, c_min, versions };
        scale.check()?;
        Ok(scale)
    }

    /// Checks that the scale can be used: `min <= base <= max`, and every grade is reachable
    /// with bands in order, `min < c_min < b_min < a_min <= max`.
    pub fn check(&self) -> Result<(), CreditError> {
        let reason = if !(self.min <= self.base && self.base <= self.max) {
            "base must lie within min..=max"
        } else if !(self.c_min < self.b_min && self.b_min < self.a_min) {
            "grade bands must satisfy c_min < b_min < a_min"
        } else if !(self.min < self.c_min && self.a_min <= self.max) {
            "every grade must be reachable: min < c_min and a_min <= max"
        } else {
            return Ok(());
        };
        Err(CreditError::InvalidScale { versions: self.versions.clone(), reason: reason.into() })
    }

    /// The grade of `score`: A from `a_min`, B from `b_min`, C from `c_min`, D below.
    pub fn grade(&self, score: i32) -> Grade {
        if score >= self.a_min {
            Grade::A
        } else if score >= self.b_min {
            Grade::B
        } else if score >= self.c_min {
            Grade::C
        } else {
            Grade::D
        }
    }

    /// `base + events_sum`, clamped to `min..=max` (computed in `i64`, saturating, so no sum
    /// overflows).
    pub fn value(&self, events_sum: i64) -> i32 {
        let raw = i64::from(self.base).saturating_add(events_sum);
        let clamped = raw.clamp(i64::from(self.min), i64::from(self.max.max(self.min)));
        i32::try_from(clamped).unwrap_or(if clamped < 0 { self.min } else { self.max })
    }
}

/// A party's credit on a date and how it came about (豫安委〔2017〕17号 八(三)).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Score {
    /// `base + events_sum`, clamped to the scale.
    pub value: i32,
    /// Grade of `value`.
    pub grade: Grade,
    /// Sum of the points of the events in force, unclamped.
    pub events_sum: i64,
    /// Number of events in force.
    pub in_force: usize,
    /// The next date on which the set of events in force changes without a new event being
    /// recorded: the earliest expiry of an event in force, or the earliest start of a
    /// future-dated event. `None` when nothing is pending. (The value may stay the same that day,
    /// e.g. when clamped; a change of the scale's rule versions is not included.)
    pub next_change_on: Option<NaiveDate>,
    /// Labels of the scale's rule versions ([`ScoreScale::versions`]).
    pub versions: Vec<String>,
}

/// The score-independent part of a credit score, kept per party so that recording an event does
/// not rescan the history (see [`add_event`]). It stays valid from `as_of` up to, excluding,
/// `next_change_on`; after that, recompute it with [`StoredScore::from_events`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoredScore {
    /// Sum of the points of the events in force on `as_of`.
    pub events_sum: i64,
    /// Number of events in force on `as_of`.
    pub in_force: usize,
    /// See [`Score::next_change_on`].
    pub next_change_on: Option<NaiveDate>,
    /// Date the figures were computed for (or last confirmed by [`add_event`]).
    pub as_of: NaiveDate,
}

impl StoredScore {
    /// The figures of `events` on `on`, from scratch. Events in any order.
    pub fn from_events(events: &[RecordedEvent], on: NaiveDate) -> Self {
        let mut stored = Self { events_sum: 0, in_force: 0, next_change_on: None, as_of: on };
        for event in events {
            stored.include(event);
        }
        stored
    }

    /// Whether the figures are still those of `today`: no change is pending between `as_of` and
    /// `today` (`next_change_on` is after `today`) and `today` is not before `as_of`.
    pub fn is_current(&self, today: NaiveDate) -> bool {
        self.as_of <= today && self.next_change_on.is_none_or(|next| today < next)
    }

    /// The score with `scale` (the scale in force on the day asked about).
    pub fn score(&self, scale: &ScoreScale) -> Score {
        let value = scale.value(self.events_sum);
        Score {
            value,
            grade: scale.grade(value),
            events_sum: self.events_sum,
            in_force: self.in_force,
            next_change_on: self.next_change_on,
            versions: scale.versions.clone(),
        }
    }

    /// Adds one event to the figures of `as_of`.
    fn include(&mut self, event: &RecordedEvent) {
        let pending = if event.is_in_force(self.as_of) {
            self.events_sum = self.events_sum.saturating_add(i64::from(event.points));
            self.in_force = self.in_force.saturating_add(1);
            Some(event.expires_on)
        } else if event.starts_after(self.as_of) {
            Some(event.occurred_on)
        } else {
            None
        };
        if let Some(date) = pending {
            self.next_change_on = Some(self.next_change_on.map_or(date, |next| next.min(date)));
        }
    }
}

/// A party's credit score on `on` from its recorded events (豫安委〔2017〕17号 八(三): the score is
/// the sum of recorded events): `clamp(base + Σ points of the events in force on on, min, max)`,
/// graded by `scale`. Events in any order; the sum is taken in `i64` (saturating), so millions of
/// events cannot overflow it.
pub fn score(scale: &ScoreScale, events: &[RecordedEvent], on: NaiveDate) -> Score {
    StoredScore::from_events(events, on).score(scale)
}

/// Records `event` against `stored` on `today` and returns the new score (豫安委〔2017〕17号
/// 八(三)), without rescanning the history: the sum changes only if the event is in force today,
/// and `next_change_on` moves earlier if the event expires (or, future-dated, starts) sooner.
/// The event may have occurred on any date; an event already expired changes nothing.
///
/// `stored` must be current on `today` ([`StoredScore::is_current`]); otherwise nothing changes
/// and [`CreditError::StaleScore`] asks the caller to recompute from the events (including this
/// one). On success `stored.as_of` becomes `today`.
pub fn add_event(
    stored: &mut StoredScore,
    scale: &ScoreScale,
    event: &RecordedEvent,
    today: NaiveDate,
) -> Result<Score, CreditError> {
    if !stored.is_current(today) {
        return Err(CreditError::StaleScore { as_of: stored.as_of, next_change_on: stored.next_change_on, today });
    }
    stored.as_of = today;
    stored.include(event);
    Ok(stored.score(scale))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificates::tests::{date, seed_book};
    use crate::validation::Coded;
    use crate::vocabulary::assert_string_enum;
    use proptest::prelude::*;
    use CreditEventType as E;

    const SEED_TABLE: &str = include_str!("../../persistence/seed/credit_event_rules.csv");

    fn table() -> CreditTable {
        CreditTable::from_csv(SEED_TABLE).unwrap()
    }

    fn scale() -> ScoreScale {
        ScoreScale::from_book(&seed_book(), date(2025, 6, 30)).unwrap()
    }

    fn rule(event_type: CreditEventType, from: NaiveDate, to: Option<NaiveDate>) -> CreditRule {
        CreditRule {
            event_type,
            points: -5,
            validity_months: 12,
            effective_from: from,
            effective_to: to,
            clause: CLAUSE.into(),
        }
    }

    fn event(occurred_on: NaiveDate, points: i32, expires_on: NaiveDate) -> RecordedEvent {
        RecordedEvent { occurred_on, points, expires_on }
    }

    #[test]
    fn vocabularies() {
        assert_string_enum!(CreditEventType, "invalid_credit_event_type");
        assert_string_enum!(Grade, "invalid_grade");
        assert_eq!(CreditEventType::ALL.len(), 15);
        let triggers: Vec<&str> = E::ALL.iter().filter(|t| t.blacklist_trigger()).map(|t| t.as_str()).collect();
        assert_eq!(
            triggers,
            [
                "qualification_revocation",
                "false_report",
                "qualification_leasing",
                "illegal_affiliation",
                "charging_without_service",
                "failure_to_perform_contract",
            ]
        );
        for &t in E::ALL {
            assert!(t.clause().starts_with("豫安委〔2017〕17号 "), "{t}");
        }
        assert!(E::QualificationLeasing.clause().contains("应急管理部令第11号"));
    }

    #[test]
    fn seed_table_has_one_rule_per_type() {
        let table = table();
        let from = date(2017, 11, 8);
        assert_eq!(table.rules().len(), E::ALL.len());
        assert_eq!(table.in_force(from).len(), E::ALL.len());
        assert!(table.in_force(date(2017, 11, 7)).is_empty());
        for &t in E::ALL {
            let rule = table.rule(t, date(2025, 6, 30)).unwrap();
            assert_eq!(rule.version_label(), format!("{t}@2017-11-08"));
            assert!(rule.clause.contains("platform scoring table v1"), "{t}");
            assert!(rule.clause.starts_with("豫安委〔2017〕17号"), "{t}");
            assert!(rule.validity_months >= 12);
            // Rewards are positive, everything else costs points; blacklist triggers cost most.
            let reward = matches!(t, E::ServiceEvaluationPositive | E::Commendation);
            assert_eq!(rule.points > 0, reward, "{t}");
            if t.blacklist_trigger() {
                assert!(rule.points <= -20, "{t}");
            }
        }
        let leasing = table.rule(E::QualificationLeasing, from).unwrap();
        assert_eq!((leasing.points, leasing.validity_months), (-30, 36));
        let commendation = table.rule(E::Commendation, from).unwrap();
        assert_eq!((commendation.points, commendation.validity_months), (5, 24));
        let error = table.rule(E::FalseReport, date(2017, 11, 7)).unwrap_err();
        assert_eq!(error, CreditError::NotInForce { event_type: E::FalseReport, on: date(2017, 11, 7) });
        assert_eq!(error.code(), "credit_rule_not_in_force");
        assert_eq!(Coded::code(&error), "credit_rule_not_in_force");
    }

    #[test]
    fn table_versions_must_not_overlap() {
        let (a, b) = (date(2017, 11, 8), date(2025, 1, 1));
        let reject = |rules: Vec<CreditRule>| CreditTable::new(rules).unwrap_err();
        assert_eq!(
            reject(vec![rule(E::FalseReport, a, None), rule(E::FalseReport, b, None)]),
            CreditError::Overlap { first: "false_report@2017-11-08".into(), second: "false_report@2025-01-01".into() }
        );
        let last_day_shared = vec![rule(E::FalseReport, b, None), rule(E::FalseReport, a, Some(b))];
        assert_eq!(reject(last_day_shared).code(), "credit_rule_overlap");
        let same_start = vec![rule(E::FalseReport, a, Some(a)), rule(E::FalseReport, a, None)];
        assert_eq!(reject(same_start).code(), "credit_rule_overlap");

        // Adjacent versions, gaps and other types are fine; input order does not matter.
        let mut later = rule(E::FalseReport, b, None);
        later.points = -40;
        let table = CreditTable::new(vec![
            later,
            rule(E::FalseReport, a, Some(date(2020, 12, 31))),
            rule(E::FalseReport, date(2021, 1, 1), Some(date(2024, 6, 30))),
            rule(E::Commendation, a, None),
        ])
        .unwrap();
        assert_eq!(table.rule(E::FalseReport, date(2024, 12, 31)).unwrap_err().code(), "credit_rule_not_in_force");
        assert_eq!(table.rule(E::FalseReport, b).unwrap().points, -40);
        assert_eq!(table.rule(E::FalseReport, date(2024, 6, 30)).unwrap().version_label(), "false_report@2021-01-01");
        // An event keeps the points of the rule in force on the day it occurred.
        assert_eq!(table.record(E::FalseReport, date(2024, 6, 30)).unwrap().points, -5);
        assert_eq!(table.record(E::FalseReport, b).unwrap().points, -40);
    }

    #[test]
    fn ill_formed_rules_are_rejected() {
        let day = date(2020, 1, 1);
        let reject = |r: CreditRule| CreditTable::new(vec![r]).unwrap_err().code();
        assert_eq!(reject(rule(E::FalseReport, day, Some(date(2019, 12, 31)))), "invalid_credit_rule_period");
        assert!(CreditTable::new(vec![rule(E::FalseReport, day, Some(day))]).is_ok());
        let mut zero = rule(E::FalseReport, day, None);
        zero.validity_months = 0;
        assert_eq!(reject(zero), "invalid_credit_rule_validity");
        let mut blank = rule(E::FalseReport, day, None);
        blank.clause = " ".into();
        assert_eq!(reject(blank), "credit_rule_clause_missing");
    }

    #[test]
    fn csv_shape_is_checked() {
        let header = CreditTable::CSV_HEADER;
        let parse = |body: &str| CreditTable::from_csv(&format!("{header}\n{body}"));
        let table = parse("false_report,-30,36,2017-11-08,2024-12-31,a, b\r\n\n").unwrap();
        let rule = &table.rules()[0];
        assert_eq!(rule.clause, "a, b");
        assert_eq!(rule.effective_to, Some(date(2024, 12, 31)));
        assert_eq!((rule.points, rule.validity_months), (-30, 36));
        assert_eq!(parse("commendation,5,24,2017-11-08,,x").unwrap().rules()[0].points, 5);
        assert!(parse("").unwrap().rules().is_empty());

        let line_of = |result: Result<CreditTable, CreditError>| match result {
            Err(CreditError::Csv { line, .. }) => line,
            other => panic!("{other:?}"),
        };
        for bad in [
            "false_report,+30,36,2017-11-08,,x",
            "false_report,30.0,36,2017-11-08,,x",
            "false_report,- 3,36,2017-11-08,,x",
            "false_report,-,36,2017-11-08,,x",
            "false_report,2147483648,36,2017-11-08,,x",
            "false_report,-30,-36,2017-11-08,,x",
            "false_report,-30,,2017-11-08,,x",
            "false_report,-30,36,2017-11-8,,x",
            "false_report,-30,36,2017-02-30,,x",
            "false_report,-30,36,,,x",
            "false_report,-30,36,2017-11-08,never,x",
            "False_report,-30,36,2017-11-08,,x",
            "false_report,-30,36,2017-11-08",
        ] {
            let error = parse(&format!("commendation,5,24,2017-11-08,,x\n\n{bad}")).unwrap_err();
            assert_eq!(error.code(), "invalid_credit_rule_csv", "{bad}");
            assert_eq!(line_of(Err(error)), 4, "{bad}");
        }
        assert!(parse("false_report,-2147483648,36,2017-11-08,,x").is_ok());
        assert_eq!(line_of(CreditTable::from_csv("")), 1);
        assert_eq!(line_of(CreditTable::from_csv("event_type,points\nfalse_report,-30")), 1);
        // Rows are checked together after parsing.
        assert_eq!(parse("commendation,5,0,2017-11-08,,x").unwrap_err().code(), "invalid_credit_rule_validity");
        assert_eq!(
            parse("commendation,5,24,2017-11-08,,x\ncommendation,6,24,2020-01-01,,x").unwrap_err().code(),
            "credit_rule_overlap"
        );
    }

    #[test]
    fn expiry_is_calendar_months_and_ends_at_midnight() {
        let table = table();
        let order = table.rule(E::RectificationOrder, date(2025, 1, 1)).unwrap();
        assert_eq!(order.validity_months, 12);
        let e = RecordedEvent::from_rule(order, date(2025, 3, 15));
        assert_eq!(e, event(date(2025, 3, 15), -5, date(2026, 3, 15)));
        assert!(!e.is_in_force(date(2025, 3, 14)));
        assert!(e.is_in_force(date(2025, 3, 15)));
        assert!(e.is_in_force(date(2026, 3, 14)));
        assert!(!e.is_in_force(date(2026, 3, 15)));
        let scale = scale();
        assert_eq!(score(&scale, &[e], date(2026, 3, 14)).value, 75);
        assert_eq!(score(&scale, &[e], date(2026, 3, 15)).value, 80);
        assert_eq!(score(&scale, &[e], date(2025, 3, 14)).value, 80);

        // Leap day and month ends clamp to the month's last day.
        assert_eq!(expires_on(order, date(2024, 2, 29)), date(2025, 2, 28));
        let mut one_month = order.clone();
        one_month.validity_months = 1;
        assert_eq!(expires_on(&one_month, date(2025, 1, 31)), date(2025, 2, 28));
        assert_eq!(expires_on(&one_month, date(2024, 1, 31)), date(2024, 2, 29));
        let leap = table.record(E::RectificationOrder, date(2024, 2, 29)).unwrap();
        assert!(leap.is_in_force(date(2025, 2, 27)));
        assert!(!leap.is_in_force(date(2025, 2, 28)));
        // Beyond chrono's range the expiry saturates.
        let mut forever = order.clone();
        forever.validity_months = u32::MAX;
        assert_eq!(expires_on(&forever, date(2025, 1, 1)), NaiveDate::MAX);
        assert_eq!(expires_on(order, NaiveDate::MAX), NaiveDate::MAX);
    }

    #[test]
    fn scale_from_seed_and_grade_bands() {
        let scale = scale();
        assert_eq!((scale.base, scale.min, scale.max), (80, 0, 100));
        assert_eq!((scale.a_min, scale.b_min, scale.c_min), (90, 75, 60));
        assert_eq!(scale.versions[0], "credit_base_score@2017-11-08");
        assert_eq!(scale.versions.len(), 6);
        let bands = [
            (100, Grade::A),
            (90, Grade::A),
            (89, Grade::B),
            (75, Grade::B),
            (74, Grade::C),
            (60, Grade::C),
            (59, Grade::D),
            (0, Grade::D),
        ];
        for (value, grade) in bands {
            assert_eq!(scale.grade(value), grade, "{value}");
        }
        let error = ScoreScale::from_book(&seed_book(), date(2017, 11, 7)).unwrap_err();
        assert_eq!(error.code(), "rule_not_in_force");
    }

    #[test]
    fn inconsistent_scales_are_rejected() {
        let good = scale();
        assert_eq!(good.check(), Ok(()));
        let bad = |edit: fn(&mut ScoreScale)| {
            let mut scale = good.clone();
            edit(&mut scale);
            scale.check().map_err(|e| e.code())
        };
        assert_eq!(bad(|s| s.base = 101), Err("invalid_credit_scale"));
        assert_eq!(bad(|s| s.min = 81), Err("invalid_credit_scale"));
        assert_eq!(bad(|s| s.b_min = 90), Err("invalid_credit_scale"));
        assert_eq!(bad(|s| s.c_min = 75), Err("invalid_credit_scale"));
        assert_eq!(bad(|s| s.c_min = 0), Err("invalid_credit_scale"));
        assert_eq!(bad(|s| s.a_min = 101), Err("invalid_credit_scale"));
        assert_eq!(bad(|s| s.a_min = 100), Ok(()));
        assert_eq!(bad(|s| s.base = 0), Ok(()));

        // From the book: a version that breaks the order is reported with the versions read.
        let on = date(2025, 6, 30);
        let mut versions: Vec<_> = seed_book().versions().cloned().collect();
        for v in &mut versions {
            if v.parameter == RuleParameter::CreditGradeBMin {
                v.value = "95".into();
            }
        }
        let error = ScoreScale::from_book(&RuleBook::new(versions).unwrap(), on).unwrap_err();
        assert!(matches!(&error, CreditError::InvalidScale { versions, .. } if versions.len() == 6));
        assert_eq!(error.code(), "invalid_credit_scale");
    }

    #[test]
    fn scores_clamp_and_grade() {
        let scale = scale();
        let on = date(2025, 6, 30);
        let from = date(2025, 1, 1);
        let until = date(2026, 1, 1);
        let zero = score(&scale, &[], on);
        assert_eq!(
            zero,
            Score {
                value: 80,
                grade: Grade::B,
                events_sum: 0,
                in_force: 0,
                next_change_on: None,
                versions: scale.versions.clone()
            }
        );
        let many = |points: i32, n: usize| vec![event(from, points, until); n];
        assert_eq!(score(&scale, &many(5, 2), on).value, 90);
        assert_eq!(score(&scale, &many(5, 2), on).grade, Grade::A);
        let above = score(&scale, &many(5, 5), on);
        assert_eq!((above.value, above.events_sum, above.in_force), (100, 25, 5));
        let below = score(&scale, &many(-30, 3), on);
        assert_eq!((below.value, below.events_sum, below.grade), (0, -90, Grade::D));
        assert_eq!(score(&scale, &many(-5, 1), on).grade, Grade::B); // 75
        assert_eq!(score(&scale, &many(-6, 1), on).grade, Grade::C); // 74
        assert_eq!(score(&scale, &many(-20, 1), on).grade, Grade::C); // 60
        assert_eq!(score(&scale, &many(-21, 1), on).grade, Grade::D); // 59
        assert_eq!(score(&scale, &many(-80, 1), on).value, 0);
        assert_eq!(score(&scale, &many(20, 1), on).value, 100);

        // The largest sums: no overflow, clamped.
        let highest = score(&scale, &many(i32::MAX, 3), on);
        assert_eq!((highest.value, highest.events_sum), (100, 3 * i64::from(i32::MAX)));
        let lowest = score(&scale, &many(i32::MIN, 1_000_000), on);
        assert_eq!((lowest.value, lowest.events_sum, lowest.in_force), (0, 1_000_000 * i64::from(i32::MIN), 1_000_000));
        let saturated = StoredScore { events_sum: i64::MIN, in_force: 0, next_change_on: None, as_of: on };
        assert_eq!(saturated.score(&scale).value, 0);
        let mut stored = StoredScore { events_sum: i64::MAX, ..saturated };
        assert_eq!(add_event(&mut stored, &scale, &event(from, i32::MAX, until), on).unwrap().value, 100);
        assert_eq!(stored.events_sum, i64::MAX);
    }

    #[test]
    fn next_change_on_covers_expiries_and_future_events() {
        let scale = scale();
        let on = date(2025, 6, 30);
        let events = [
            event(date(2024, 7, 1), -5, date(2025, 7, 1)), // in force, expires tomorrow
            event(date(2025, 6, 30), -10, date(2027, 6, 30)), // in force from today
            event(date(2023, 1, 1), -30, date(2025, 6, 30)), // expired today at 00:00
            event(date(2025, 8, 1), 5, date(2027, 8, 1)),  // future-dated
        ];
        let today = score(&scale, &events, on);
        assert_eq!((today.value, today.events_sum, today.in_force), (65, -15, 2));
        assert_eq!(today.next_change_on, Some(date(2025, 7, 1)));
        let tomorrow = score(&scale, &events, date(2025, 7, 1));
        assert_eq!((tomorrow.value, tomorrow.next_change_on), (70, Some(date(2025, 8, 1))));
        let august = score(&scale, &events, date(2025, 8, 1));
        assert_eq!((august.value, august.next_change_on), (75, Some(date(2027, 6, 30))));
        let last = score(&scale, &events, date(2027, 6, 30));
        assert_eq!((last.value, last.next_change_on), (85, Some(date(2027, 8, 1))));
        assert_eq!(score(&scale, &events, date(2027, 8, 1)).next_change_on, None);
        // A malformed event (empty period) never counts and never schedules a change.
        let empty = event(date(2026, 1, 1), -5, date(2026, 1, 1));
        assert_eq!(score(&scale, &[empty], on), score(&scale, &[], on));
    }

    #[test]
    fn add_event_requires_a_current_stored_score() {
        let scale = scale();
        let events = [event(date(2025, 1, 1), -5, date(2025, 7, 1))];
        let mut stored = StoredScore::from_events(&events, date(2025, 6, 1));
        assert_eq!(stored.next_change_on, Some(date(2025, 7, 1)));
        assert!(stored.is_current(date(2025, 6, 30)));
        assert!(!stored.is_current(date(2025, 7, 1)));
        assert!(!stored.is_current(date(2025, 5, 31)));
        let late = event(date(2025, 6, 1), -3, date(2026, 6, 1));
        let before = stored;
        let error = add_event(&mut stored, &scale, &late, date(2025, 7, 1)).unwrap_err();
        assert_eq!(
            error,
            CreditError::StaleScore {
                as_of: date(2025, 6, 1),
                next_change_on: Some(date(2025, 7, 1)),
                today: date(2025, 7, 1)
            }
        );
        assert_eq!(error.code(), "credit_score_stale");
        assert_eq!(stored, before);

        let got = add_event(&mut stored, &scale, &late, date(2025, 6, 30)).unwrap();
        assert_eq!((got.value, got.in_force, stored.as_of), (72, 2, date(2025, 6, 30)));
        // An already expired event changes nothing but the date.
        let old = event(date(2020, 1, 1), -40, date(2023, 1, 1));
        assert_eq!(add_event(&mut stored, &scale, &old, date(2025, 6, 30)).unwrap(), got);
    }

    /// Days simulated per history in the property test.
    const DAYS: u16 = 240;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// Recording events one by one with [`add_event`] and recomputing only once the date
        /// passes `next_change_on` gives, on every day, the score computed from scratch.
        #[test]
        fn incremental_score_matches_recomputation(
            history in prop::collection::vec((0..DAYS, 0u16..1200, -40i32..=10, 1u32..=36), 0..3000)
        ) {
            let scale = scale();
            let start = date(2024, 1, 1);
            let day = |n: u16| start + chrono::Days::new(u64::from(n));
            let mut pending: Vec<(u16, RecordedEvent)> = history
                .into_iter()
                .map(|(recorded, lag, points, months)| {
                    let occurred_on = day(recorded) - chrono::Days::new(u64::from(lag));
                    let expires_on = occurred_on.checked_add_months(Months::new(months)).unwrap();
                    (recorded, event(occurred_on, points, expires_on))
                })
                .collect();
            // Stable: within a day, events keep their random order.
            pending.sort_by_key(|(recorded, _)| *recorded);
            let mut pending = pending.into_iter().peekable();
            let mut recorded: Vec<RecordedEvent> = Vec::new();
            let mut stored = StoredScore::from_events(&[], start);
            let mut recomputations = 0;
            for n in 0..DAYS {
                let today = day(n);
                if !stored.is_current(today) {
                    stored = StoredScore::from_events(&recorded, today);
                    recomputations += 1;
                }
                while let Some((_, e)) = pending.next_if(|(at, _)| *at == n) {
                    let got = add_event(&mut stored, &scale, &e, today);
                    recorded.push(e);
                    // Compared from scratch once per day below, which keeps the test linear per day.
                    prop_assert_eq!(got, Ok(stored.score(&scale)));
                }
                prop_assert_eq!(stored.score(&scale), score(&scale, &recorded, today));
            }
            prop_assert!(recomputations <= usize::from(DAYS));
        }
    }
}
