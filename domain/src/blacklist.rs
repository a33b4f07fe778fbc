//! The blacklist (黑名单): how long a listing lasts, when early removal may be requested, and
//! what happens when a removal turns out to have been obtained by fraud (豫安委〔2017〕17号 八(三);
//! national rule 应急管理部令第11号, 2023).
//!
//! DOMAIN.md ("Supervision — 八", 八(三)): failing to perform contracted service, charging without
//! serving and similar dishonesty put a provider on the blacklist (the triggering credit events
//! are [`crate::credit::CreditEventType::blacklist_trigger`]). A listed party stays 3 years
//! (`blacklist_term_months`, 36), may apply for early removal after 12 months
//! (`blacklist_early_removal_months`), and a removal obtained by fraud is revoked. Both durations
//! are rule parameters in force from 2023-10-01, read on the listing date.
//!
//! Dates are CST calendar dates. "N months after `d`" is chrono's `checked_add_months`, which
//! keeps the day of month and clamps it to the month's last day: a listing of 2024-02-29 ends on
//! 2027-02-28 (the party is listed through 2027-02-27) and may apply for removal from 2025-02-28.
//! Dates beyond chrono's range saturate at [`NaiveDate::MAX`].

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::rules::{Applied, RuleBook, RuleError, RuleParameter};

/// Citation of the blacklist rules.
pub const CLAUSE: &str = "豫安委〔2017〕17号 八(三); 应急管理部令第11号";

/// A party's listing on the blacklist (豫安委〔2017〕17号 八(三); 应急管理部令第11号).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// First day on the blacklist.
    pub listed_on: NaiveDate,
    /// First day off the blacklist when the term runs out ([`listing_term`]).
    pub ends_on: NaiveDate,
    /// First day off the blacklist after an approved early removal; `None` while not removed.
    pub removed_on: Option<NaiveDate>,
}

impl Listing {
    /// A new listing from `listed_on`, with the term in force that day ([`listing_term`]) and the
    /// version that supplied it.
    pub fn new(book: &RuleBook, listed_on: NaiveDate) -> Result<Applied<Listing>, RuleError> {
        let term = listing_term(book, listed_on)?;
        Ok(Applied { value: Listing { listed_on, ends_on: term.value, removed_on: None }, version: term.version })
    }
}

/// Why a request about a listing cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Error)]
pub enum BlacklistError {
    /// Early removal was requested before it may be (应急管理部令第11号: after 12 months).
    #[error("early removal may be requested from {earliest}")]
    TooEarly {
        /// The first day an application is accepted ([`earliest_removal_application`]).
        earliest: NaiveDate,
    },
    /// The party is not on the blacklist on the date: the listing has not started, its term has
    /// ended, or it was removed.
    #[error("the party is not on the blacklist on that date")]
    NotListed,
    /// A duration parameter cannot be read; the code is the rule error's.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

impl BlacklistError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            BlacklistError::TooEarly { .. } => "removal_too_early",
            BlacklistError::NotListed => "not_listed",
            BlacklistError::Rule(error) => error.code(),
        }
    }
}

crate::validation::impl_coded!(BlacklistError);

/// `date` + `months` calendar months, clamped to the month's last day, saturating at
/// [`NaiveDate::MAX`].
fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// The day a listing made on `listed_on` ends (豫安委〔2017〕17号 八(三); 应急管理部令第11号: 3
/// years): `listed_on + blacklist_term_months`, with the parameter in force on `listed_on`. The
/// party is listed on the days `listed_on <= d < ends_on`, so the term ends exactly 3 years after
/// listing: listed 2024-01-15, off the list from 2027-01-15. A listing of 2024-02-29 ends on
/// 2027-02-28 (chrono clamps to the month's last day), one day earlier than "the day after
/// 2027-02-28" would give; the party is listed through 2027-02-27.
pub fn listing_term(book: &RuleBook, listed_on: NaiveDate) -> Result<Applied<NaiveDate>, RuleError> {
    let months = book.count(RuleParameter::BlacklistTermMonths, listed_on)?;
    Ok(Applied { value: add_months(listed_on, months.value), version: months.version })
}

/// Whether the party of `listing` is on the blacklist on `on`: `listed_on <= on < ends_on`, and
/// not on or after `removed_on` (豫安委〔2017〕17号 八(三)).
pub fn listed_on_date(listing: &Listing, on: NaiveDate) -> bool {
    listing.listed_on <= on && on < listing.ends_on && listing.removed_on.is_none_or(|removed| on < removed)
}

/// The first day a party listed on `listed_on` may apply for early removal (应急管理部令第11号:
/// after 12 months): `listed_on + blacklist_early_removal_months`, with the parameter in force on
/// `listed_on`. Listed 2024-01-15, an application is accepted from 2025-01-15; listed 2024-02-29,
/// from 2025-02-28 (clamped).
pub fn earliest_removal_application(book: &RuleBook, listed_on: NaiveDate) -> Result<Applied<NaiveDate>, RuleError> {
    let months = book.count(RuleParameter::BlacklistEarlyRemovalMonths, listed_on)?;
    Ok(Applied { value: add_months(listed_on, months.value), version: months.version })
}

/// Whether an application for early removal made on `applied_on` may be accepted (豫安委〔2017〕
/// 17号 八(三); 应急管理部令第11号). [`BlacklistError::NotListed`] when the party is not listed
/// that day ([`listed_on_date`]: before the listing, from `ends_on`, or from `removed_on`);
/// otherwise [`BlacklistError::TooEarly`] before [`earliest_removal_application`].
pub fn check_removal_application(
    book: &RuleBook,
    listing: &Listing,
    applied_on: NaiveDate,
) -> Result<(), BlacklistError> {
    if !listed_on_date(listing, applied_on) {
        return Err(BlacklistError::NotListed);
    }
    let earliest = earliest_removal_application(book, listing.listed_on)?.value;
    if applied_on < earliest {
        return Err(BlacklistError::TooEarly { earliest });
    }
    Ok(())
}

/// The listing after its early removal is found to have been obtained by fraud (应急管理部令
/// 第11号: the removal is revoked): the removal is undone and the original term restored, so
/// `ends_on` is unchanged. The term is not restarted: if fraud is found after the original
/// `ends_on`, the restored listing has ended as well.
pub fn restore_after_fraudulent_removal(listing: Listing) -> Listing {
    Listing { removed_on: None, ..listing }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificates::tests::{date, seed_book};
    use crate::validation::Coded;

    fn listing(book: &RuleBook, listed_on: NaiveDate) -> Listing {
        Listing::new(book, listed_on).unwrap().value
    }

    #[test]
    fn term_is_three_years_ending_at_midnight() {
        let book = seed_book();
        let term = listing_term(&book, date(2024, 1, 15)).unwrap();
        assert_eq!(term.value, date(2027, 1, 15));
        assert_eq!(term.version, "blacklist_term_months@2023-10-01");
        let l = listing(&book, date(2024, 1, 15));
        assert_eq!(l, Listing { listed_on: date(2024, 1, 15), ends_on: date(2027, 1, 15), removed_on: None });
        assert!(!listed_on_date(&l, date(2024, 1, 14)));
        assert!(listed_on_date(&l, date(2024, 1, 15)));
        assert!(listed_on_date(&l, date(2027, 1, 14)));
        assert!(!listed_on_date(&l, date(2027, 1, 15)));
        assert!(!listed_on_date(&l, date(2027, 1, 16)));
    }

    #[test]
    fn leap_day_listing_clamps_to_february_28() {
        let book = seed_book();
        let l = listing(&book, date(2024, 2, 29));
        assert_eq!(l.ends_on, date(2027, 2, 28));
        assert!(listed_on_date(&l, date(2027, 2, 27)));
        assert!(!listed_on_date(&l, date(2027, 2, 28)));
        assert_eq!(earliest_removal_application(&book, date(2024, 2, 29)).unwrap().value, date(2025, 2, 28));
        assert_eq!(
            check_removal_application(&book, &l, date(2025, 2, 27)),
            Err(BlacklistError::TooEarly { earliest: date(2025, 2, 28) })
        );
        assert_eq!(check_removal_application(&book, &l, date(2025, 2, 28)), Ok(()));
        // Month ends clamp too.
        assert_eq!(listing(&book, date(2023, 10, 31)).ends_on, date(2026, 10, 31));
        assert_eq!(earliest_removal_application(&book, date(2024, 3, 31)).unwrap().value, date(2025, 3, 31));
    }

    #[test]
    fn early_removal_after_twelve_months() {
        let book = seed_book();
        let listed_on = date(2024, 1, 15);
        let earliest = earliest_removal_application(&book, listed_on).unwrap();
        assert_eq!(earliest.value, date(2025, 1, 15));
        assert_eq!(earliest.version, "blacklist_early_removal_months@2023-10-01");
        let l = listing(&book, listed_on);
        // 11 months and 30 days after listing.
        let almost = date(2024, 12, 15) + chrono::Days::new(30);
        assert_eq!(almost, date(2025, 1, 14));
        let error = check_removal_application(&book, &l, almost).unwrap_err();
        assert_eq!(error, BlacklistError::TooEarly { earliest: date(2025, 1, 15) });
        assert_eq!(error.code(), "removal_too_early");
        assert_eq!(Coded::code(&error), "removal_too_early");
        assert_eq!(
            check_removal_application(&book, &l, listed_on),
            Err(BlacklistError::TooEarly { earliest: earliest.value })
        );
        assert_eq!(check_removal_application(&book, &l, date(2025, 1, 15)), Ok(()));
        assert_eq!(check_removal_application(&book, &l, date(2027, 1, 14)), Ok(()));
    }

    #[test]
    fn no_application_when_not_listed() {
        let book = seed_book();
        let l = listing(&book, date(2024, 1, 15));
        let not_listed = |on| check_removal_application(&book, &l, on).map_err(|e| e.code());
        assert_eq!(not_listed(date(2027, 1, 15)), Err("not_listed"));
        assert_eq!(not_listed(date(2030, 1, 1)), Err("not_listed"));
        assert_eq!(not_listed(date(2024, 1, 14)), Err("not_listed"));
        let removed = Listing { removed_on: Some(date(2025, 3, 1)), ..l };
        assert!(listed_on_date(&removed, date(2025, 2, 28)));
        assert!(!listed_on_date(&removed, date(2025, 3, 1)));
        assert_eq!(check_removal_application(&book, &removed, date(2025, 3, 1)), Err(BlacklistError::NotListed));
        assert_eq!(check_removal_application(&book, &removed, date(2025, 2, 28)), Ok(()));
    }

    #[test]
    fn fraudulent_removal_restores_the_original_term() {
        let book = seed_book();
        let l = listing(&book, date(2024, 1, 15));
        let removed = Listing { removed_on: Some(date(2025, 3, 1)), ..l };
        let restored = restore_after_fraudulent_removal(removed);
        assert_eq!(restored, l);
        assert!(listed_on_date(&restored, date(2025, 6, 1)));
        assert!(listed_on_date(&restored, date(2027, 1, 14)));
        assert!(!listed_on_date(&restored, date(2027, 1, 15)));
        assert_eq!(restore_after_fraudulent_removal(l), l);
    }

    #[test]
    fn parameters_are_read_on_the_listing_date() {
        let book = seed_book();
        let before = date(2023, 9, 30);
        assert_eq!(listing_term(&book, before).unwrap_err().code(), "rule_not_in_force");
        assert!(Listing::new(&book, before).is_err());
        assert_eq!(earliest_removal_application(&book, before).unwrap_err().code(), "rule_not_in_force");
        assert_eq!(listing(&book, date(2023, 10, 1)).ends_on, date(2026, 10, 1));
        let old = Listing { listed_on: before, ends_on: date(2026, 9, 30), removed_on: None };
        let error = check_removal_application(&book, &old, date(2025, 1, 1)).unwrap_err();
        assert!(matches!(error, BlacklistError::Rule(RuleError::NotInForce { .. })));
        assert_eq!(error.code(), "rule_not_in_force");
        // Far dates saturate instead of failing.
        assert_eq!(listing(&book, NaiveDate::MAX).ends_on, NaiveDate::MAX);
    }

    #[test]
    fn listing_serde() {
        let l = Listing { listed_on: date(2024, 1, 15), ends_on: date(2027, 1, 15), removed_on: None };
        let json = serde_json::to_value(l).unwrap();
        assert_eq!(json, serde_json::json!({"listed_on": "2024-01-15", "ends_on": "2027-01-15", "removed_on": null}));
        assert_eq!(serde_json::from_value::<Listing>(json).unwrap(), l);
        assert!(serde_json::from_str::<Listing>(
            r#"{"listed_on":"2024-01-15","ends_on":"2027-01-15","removed_on":null,"x":1}"#
        )
        .is_err());
    }
}

// Early-removal applications (应急管理部令第11号): the statuses an application passes through.

use crate::vocabulary::string_enum;

string_enum! {
    /// Where an application for early removal stands (豫安委〔2017〕17号 八(三); 应急管理部令第11号).
    /// `pending` until a regulator decides; `approved` ends the listing early; `revoked` is an
    /// approval later found to have been obtained by fraud, which restores the listing
    /// ([`restore_after_fraudulent_removal`]).
    pub enum RemovalStatus ("removal application status", "invalid_removal_status") {
        /// Awaiting a regulator's decision.
        Pending = "pending",
        /// Granted: the party is off the list from the decision date.
        Approved = "approved",
        /// Refused: the listing runs on.
        Rejected = "rejected",
        /// An approval revoked as obtained by fraud: the listing is restored with its original term.
        Revoked = "revoked",
    }
}

string_enum! {
    /// A regulator's decision on a pending application for early removal (应急管理部令第11号).
    pub enum RemovalDecision ("removal decision", "invalid_decision") {
        /// Grant early removal.
        Approved = "approved",
        /// Refuse it.
        Rejected = "rejected",
    }
}

impl RemovalDecision {
    /// The status the application takes.
    pub fn status(self) -> RemovalStatus {
        match self {
            RemovalDecision::Approved => RemovalStatus::Approved,
            RemovalDecision::Rejected => RemovalStatus::Rejected,
        }
    }
}

impl RemovalStatus {
    /// Whether an application may move from `self` to `to` (应急管理部令第11号): a pending one is
    /// approved or rejected, once; only an approval can be revoked for fraud. Every other move,
    /// including deciding twice, is refused.
    pub fn may_become(self, to: RemovalStatus) -> bool {
        use RemovalStatus as S;
        matches!((self, to), (S::Pending, S::Approved) | (S::Pending, S::Rejected) | (S::Approved, S::Revoked))
    }
}

#[cfg(test)]
mod removal_status_tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    #[test]
    fn vocabularies() {
        assert_string_enum!(RemovalStatus, "invalid_removal_status");
        assert_string_enum!(RemovalDecision, "invalid_decision");
        assert_eq!(RemovalDecision::Approved.status(), RemovalStatus::Approved);
        assert_eq!(RemovalDecision::Rejected.status(), RemovalStatus::Rejected);
    }

    #[test]
    fn transitions() {
        use RemovalStatus as S;
        let allowed: Vec<(S, S)> = S::ALL
            .iter()
            .flat_map(|&from| S::ALL.iter().map(move |&to| (from, to)))
            .filter(|&(from, to)| from.may_become(to))
            .collect();
        assert_eq!(allowed, [(S::Pending, S::Approved), (S::Pending, S::Rejected), (S::Approved, S::Revoked)]);
    }
}
