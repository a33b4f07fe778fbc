//! The exit ladder of sanctions on service providers (豫安委〔2017〕17号 八(一)) and industry and
//! occupational bans (八(二)).
//!
//! DOMAIN.md ("Supervision — 八"): 八(一) sets the exit ladder 责令整改 (rectification order, with a
//! deadline), 通报批评 (public criticism), 中止服务 (service suspension for a period) and 吊销资格证书
//! (revocation); 八(二) bars an organisation from the industry (行业禁入) or a person from the
//! occupation (职业禁入) after accident-investigation findings. This module checks a decision's
//! dates and says, for any date, whether a sanction or ban is in force. Every period here includes
//! both its first and its last day.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::validation::{Collector, FieldError};
use crate::vocabulary::string_enum;

/// Citation of the exit ladder.
pub const CLAUSE: &str = "豫安委〔2017〕17号 八(一)";

/// Citation of industry and occupational bans.
pub const BAN_CLAUSE: &str = "豫安委〔2017〕17号 八(二)";

/// How long a public criticism stays on the public "sanctions in force" list, in months from its
/// decision date. The policy sets no period; 12 months is a platform choice, matching the time after
/// which a blacklisted party may apply for early removal (应急管理部令第11号), so that a lesser
/// sanction is not published for longer than the shortest possible blacklisting.
pub const CRITICISM_PUBLIC_MONTHS: u32 = 12;

string_enum! {
    /// A rung of the exit ladder (豫安委〔2017〕17号 八(一)). Declaration order is ascending
    /// severity, so `Ord` compares severity.
    pub enum SanctionKind ("sanction kind", "invalid_sanction_kind") {
        /// 责令整改: put things right by a deadline.
        RectificationOrder = "rectification_order",
        /// 通报批评: named publicly.
        PublicCriticism = "public_criticism",
        /// 中止服务: may not serve for a period.
        ServiceSuspension = "service_suspension",
        /// 吊销资格证书: the qualification certificate is revoked.
        QualificationRevocation = "qualification_revocation",
    }
}

string_enum! {
    /// A ban following accident-investigation findings (豫安委〔2017〕17号 八(二)).
    pub enum BanKind ("ban kind", "invalid_ban_kind") {
        /// 行业禁入: an organisation may not work in the industry.
        IndustryBan = "industry_ban",
        /// 职业禁入: a person may not work in the occupation.
        OccupationalBan = "occupational_ban",
    }
}

string_enum! {
    /// Where a rectification order stands on a date (豫安委〔2017〕17号 八(一) 责令整改).
    pub enum RectificationStatus ("rectification status", "invalid_rectification_status") {
        /// Not complied with, and the deadline has not passed.
        Open = "open",
        /// Compliance recorded on or before the date.
        Complied = "complied",
        /// Not complied with by the date, and the deadline has passed.
        Overdue = "overdue",
    }
}

/// One sanction decision (豫安委〔2017〕17号 八(一)). Which dates apply depends on the kind; see
/// [`check_sanction`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanction {
    /// The rung of the ladder.
    pub kind: SanctionKind,
    /// The date of the decision.
    pub decided_on: NaiveDate,
    /// Rectification orders only: the last day to comply.
    pub deadline: Option<NaiveDate>,
    /// Rectification orders only: the day compliance was recorded.
    pub complied_on: Option<NaiveDate>,
    /// Suspensions only: the first day of the suspension.
    pub from: Option<NaiveDate>,
    /// Suspensions only: the last day of the suspension (inclusive).
    pub to: Option<NaiveDate>,
}

/// Checks the dates of a sanction decision (豫安委〔2017〕17号 八(一)), reporting every bad field
/// at once:
///
/// - a rectification order needs a `deadline` strictly after `decided_on` (a deadline on the
///   decision day leaves no time to comply) and takes no `from`/`to`;
/// - a service suspension needs `from` and `to` with `decided_on <= from <= to` (a one-day
///   suspension is allowed; it cannot start before it was decided) and takes no `deadline`;
/// - a public criticism and a revocation take effect on `decided_on` and take none of the three.
///
/// Codes: `required` (missing), `not_applicable` (given for a kind that does not take it),
/// `invalid_range` (deadline not after the decision, suspension starting before it) and
/// `invalid_period` (suspension ending before it starts).
pub fn check_sanction(
    kind: SanctionKind,
    decided_on: NaiveDate,
    deadline: Option<NaiveDate>,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(), Vec<FieldError>> {
    let mut errors = Collector::new();
    let takes_deadline = kind == SanctionKind::RectificationOrder;
    let takes_period = kind == SanctionKind::ServiceSuspension;
    match deadline {
        None if takes_deadline => errors.push("deadline", "required", "a rectification order needs a deadline"),
        Some(_) if !takes_deadline => {
            errors.push("deadline", "not_applicable", format!("a {kind} has no deadline"));
        }
        Some(deadline) if deadline <= decided_on => {
            errors.push("deadline", "invalid_range", "the deadline must be after the decision date");
        }
        _ => {}
    }
    for (field, value) in [("from", from), ("to", to)] {
        match value {
            None if takes_period => errors.push(field, "required", "a service suspension needs a period"),
            Some(_) if !takes_period => errors.push(field, "not_applicable", format!("a {kind} has no period")),
            _ => {}
        }
    }
    if takes_period {
        if let Some(from) = from {
            if from < decided_on {
                errors.push("from", "invalid_range", "a suspension cannot start before it was decided");
            }
            if to.is_some_and(|to| to < from) {
                errors.push("to", "invalid_period", "a suspension cannot end before it starts");
            }
        }
    }
    errors.finish()
}

/// Checks a compliance date before it is recorded on `sanction` (豫安委〔2017〕17号 八(一)): only a
/// rectification order can be complied with (`not_applicable`), and not before it was decided
/// (`invalid_range`). Compliance after the deadline is accepted: it is late, not impossible (see
/// [`rectification_status`]).
pub fn check_compliance(sanction: &Sanction, complied_on: NaiveDate) -> Result<(), Vec<FieldError>> {
    let mut errors = Collector::new();
    if sanction.kind != SanctionKind::RectificationOrder {
        errors.push("complied_on", "not_applicable", format!("a {} cannot be complied with", sanction.kind));
    } else if complied_on < sanction.decided_on {
        errors.push("complied_on", "invalid_range", "compliance cannot precede the order");
    }
    errors.finish()
}

/// Where a rectification order stands on `on` (豫安委〔2017〕17号 八(一) 责令整改); `None` for other
/// kinds and for dates before the decision.
///
/// - `complied` from `complied_on` on (`complied_on <= on`), whether or not that was in time;
/// - otherwise `overdue` once the deadline has passed (`on > deadline`);
/// - otherwise `open` (up to and including the deadline day).
///
/// Late compliance therefore reads `overdue` from the day after the deadline up to the day before
/// `complied_on`, and `complied` from then on; [`complied_late`] keeps the fact that it was late.
/// An order recorded without a deadline (which [`check_sanction`] rejects) never becomes overdue.
pub fn rectification_status(sanction: &Sanction, on: NaiveDate) -> Option<RectificationStatus> {
    if sanction.kind != SanctionKind::RectificationOrder || on < sanction.decided_on {
        return None;
    }
    Some(if sanction.complied_on.is_some_and(|complied| complied <= on) {
        RectificationStatus::Complied
    } else if sanction.deadline.is_some_and(|deadline| on > deadline) {
        RectificationStatus::Overdue
    } else {
        RectificationStatus::Open
    })
}

/// Whether a rectification order was complied with after its deadline (豫安委〔2017〕17号 八(一)).
/// False for other kinds, for orders not complied with, and for compliance on the deadline day.
pub fn complied_late(sanction: &Sanction) -> bool {
    sanction.kind == SanctionKind::RectificationOrder
        && matches!((sanction.complied_on, sanction.deadline), (Some(complied), Some(deadline)) if complied > deadline)
}

/// The last day a public criticism decided on `decided_on` is listed as in force:
/// `decided_on` + [`CRITICISM_PUBLIC_MONTHS`] months − 1 day (a criticism of 2025-03-15 is listed
/// through 2026-03-14). Months are calendar months (chrono's `checked_add_months`; 29 February
/// clamps to 28 February); a date beyond chrono's range saturates at [`NaiveDate::MAX`].
pub fn criticism_listed_until(decided_on: NaiveDate) -> NaiveDate {
    match decided_on.checked_add_months(Months::new(CRITICISM_PUBLIC_MONTHS)) {
        Some(anniversary) => anniversary.pred_opt().unwrap_or(anniversary),
        None => NaiveDate::MAX,
    }
}

/// Whether `sanction` belongs on the public "sanctions in force" list on `on`
/// (豫安委〔2017〕17号 八(一)). Never before `decided_on`; then:
///
/// - rectification order: while [`rectification_status`] is `open` or `overdue`;
/// - public criticism: through [`criticism_listed_until`] (12 months, a platform choice);
/// - service suspension: from `from` through `to`, both included;
/// - revocation: from `decided_on` on, with no end.
pub fn in_force(sanction: &Sanction, on: NaiveDate) -> bool {
    if on < sanction.decided_on {
        return false;
    }
    match sanction.kind {
        SanctionKind::RectificationOrder => {
            matches!(rectification_status(sanction, on), Some(RectificationStatus::Open | RectificationStatus::Overdue))
        }
        SanctionKind::PublicCriticism => on <= criticism_listed_until(sanction.decided_on),
        SanctionKind::ServiceSuspension => match (sanction.from, sanction.to) {
            (Some(from), Some(to)) => from <= on && on <= to,
            _ => false,
        },
        SanctionKind::QualificationRevocation => true,
    }
}

/// Whether any of `sanctions` suspends service on `on` (豫安委〔2017〕17号 八(一) 中止服务): a
/// service suspension with `from <= on <= to`. A suspended provider is not matched with demand
/// (九(三)).
pub fn suspended_on(sanctions: &[Sanction], on: NaiveDate) -> bool {
    sanctions.iter().any(|s| s.kind == SanctionKind::ServiceSuspension && in_force(s, on))
}

/// Whether any of `sanctions` revokes the qualification on `on` (豫安委〔2017〕17号 八(一)
/// 吊销资格证书): a qualification revocation decided on or before `on`.
pub fn revoked_on(sanctions: &[Sanction], on: NaiveDate) -> bool {
    sanctions.iter().any(|s| s.kind == SanctionKind::QualificationRevocation && s.decided_on <= on)
}

/// An industry or occupational ban (豫安委〔2017〕17号 八(二)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ban {
    /// On an organisation (`industry_ban`) or a person (`occupational_ban`).
    pub kind: BanKind,
    /// The first day of the ban.
    pub from: NaiveDate,
    /// The last day of the ban (inclusive); `None` for a permanent ban.
    pub to: Option<NaiveDate>,
}

/// Checks a ban's period (豫安委〔2017〕17号 八(二)): a fixed-term ban cannot end before it starts
/// (`to`, `invalid_period`); a one-day ban is allowed.
pub fn check_ban(from: NaiveDate, to: Option<NaiveDate>) -> Result<(), Vec<FieldError>> {
    let mut errors = Collector::new();
    if to.is_some_and(|to| to < from) {
        errors.push("to", "invalid_period", "a ban cannot end before it starts");
    }
    errors.finish()
}

/// Whether `ban` is in force on `on` (豫安委〔2017〕17号 八(二)): from `from` through `to`, both
/// included, or from `from` on for a permanent ban.
pub fn ban_in_force(ban: &Ban, on: NaiveDate) -> bool {
    ban.from <= on && ban.to.is_none_or(|to| on <= to)
}

/// The status an organisation is in on a day (豫安委〔2017〕17号 八(一) exit ladder): `revoked`
/// when the registry says so (a revocation is stored, and ends the ladder); otherwise `suspended`
/// when a service suspension is in force that day ([`suspended_on`]) or the registry says
/// suspended; otherwise the stored status. A suspension ends by itself after its last day, so it
/// is read from the sanctions rather than stored.
pub fn effective_status(
    stored: crate::organization::OrganizationStatus,
    suspension_in_force: bool,
) -> crate::organization::OrganizationStatus {
    use crate::organization::OrganizationStatus as S;
    match stored {
        S::Revoked => S::Revoked,
        _ if suspension_in_force => S::Suspended,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn fields(result: Result<(), Vec<FieldError>>) -> Vec<(String, &'static str)> {
        result.err().unwrap_or_default().into_iter().map(|e| (e.field, e.code)).collect()
    }

    fn pairs(expected: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
        expected.iter().map(|&(field, code)| (field.to_owned(), code)).collect()
    }

    /// The decision date of every sanction in these tests.
    fn decided() -> NaiveDate {
        date(2025, 3, 10)
    }

    fn order(deadline: NaiveDate, complied_on: Option<NaiveDate>) -> Sanction {
        Sanction {
            kind: SanctionKind::RectificationOrder,
            decided_on: decided(),
            deadline: Some(deadline),
            complied_on,
            from: None,
            to: None,
        }
    }

    fn plain(kind: SanctionKind) -> Sanction {
        Sanction { kind, decided_on: decided(), deadline: None, complied_on: None, from: None, to: None }
    }

    fn suspension(from: NaiveDate, to: NaiveDate) -> Sanction {
        Sanction { from: Some(from), to: Some(to), ..plain(SanctionKind::ServiceSuspension) }
    }

    #[test]
    fn vocabularies() {
        assert_string_enum!(SanctionKind, "invalid_sanction_kind");
        assert_string_enum!(BanKind, "invalid_ban_kind");
        assert_string_enum!(RectificationStatus, "invalid_rectification_status");
        assert!(SanctionKind::RectificationOrder < SanctionKind::PublicCriticism);
        assert!(SanctionKind::ServiceSuspension < SanctionKind::QualificationRevocation);
    }

    #[test]
    fn rectification_needs_a_deadline_after_the_decision() {
        use SanctionKind::RectificationOrder as R;
        let d = decided();
        assert_eq!(check_sanction(R, d, Some(date(2025, 3, 11)), None, None), Ok(()));
        assert_eq!(fields(check_sanction(R, d, Some(d), None, None)), pairs(&[("deadline", "invalid_range")]));
        assert_eq!(
            fields(check_sanction(R, d, Some(date(2025, 3, 9)), None, None)),
            pairs(&[("deadline", "invalid_range")])
        );
        assert_eq!(fields(check_sanction(R, d, None, None, None)), pairs(&[("deadline", "required")]));
        assert_eq!(
            fields(check_sanction(R, d, None, Some(d), Some(d))),
            pairs(&[("deadline", "required"), ("from", "not_applicable"), ("to", "not_applicable")])
        );
    }

    #[test]
    fn suspension_needs_a_period_from_the_decision() {
        use SanctionKind::ServiceSuspension as S;
        let d = decided();
        let next = date(2025, 3, 11);
        assert_eq!(check_sanction(S, d, None, Some(d), Some(d)), Ok(()));
        assert_eq!(check_sanction(S, d, None, Some(next), Some(date(2025, 6, 10))), Ok(()));
        assert_eq!(
            fields(check_sanction(S, d, None, Some(date(2025, 3, 9)), Some(next))),
            pairs(&[("from", "invalid_range")])
        );
        assert_eq!(fields(check_sanction(S, d, None, Some(next), Some(d))), pairs(&[("to", "invalid_period")]));
        assert_eq!(
            fields(check_sanction(S, d, Some(next), None, None)),
            pairs(&[("deadline", "not_applicable"), ("from", "required"), ("to", "required")])
        );
        assert_eq!(fields(check_sanction(S, d, None, Some(d), None)), pairs(&[("to", "required")]));
        assert_eq!(
            fields(check_sanction(S, d, None, Some(date(2025, 3, 8)), Some(date(2025, 3, 7)))),
            pairs(&[("from", "invalid_range"), ("to", "invalid_period")])
        );
        let errors = check_sanction(S, d, None, None, None).unwrap_err();
        assert!(errors.iter().all(|e| !e.message.is_empty()));
    }

    #[test]
    fn criticism_and_revocation_take_no_dates() {
        let d = decided();
        for kind in [SanctionKind::PublicCriticism, SanctionKind::QualificationRevocation] {
            assert_eq!(check_sanction(kind, d, None, None, None), Ok(()), "{kind}");
            assert_eq!(
                fields(check_sanction(kind, d, Some(date(2025, 4, 1)), Some(d), Some(d))),
                pairs(&[("deadline", "not_applicable"), ("from", "not_applicable"), ("to", "not_applicable")]),
                "{kind}"
            );
        }
    }

    #[test]
    fn rectification_status_around_the_deadline() {
        let deadline = date(2025, 4, 10);
        let open = order(deadline, None);
        assert_eq!(rectification_status(&open, date(2025, 3, 9)), None);
        assert_eq!(rectification_status(&open, decided()), Some(RectificationStatus::Open));
        assert_eq!(rectification_status(&open, date(2025, 4, 9)), Some(RectificationStatus::Open));
        assert_eq!(rectification_status(&open, deadline), Some(RectificationStatus::Open));
        assert_eq!(rectification_status(&open, date(2025, 4, 11)), Some(RectificationStatus::Overdue));
        assert!(!complied_late(&open));

        // Complied on the deadline day: in time.
        let on_time = order(deadline, Some(deadline));
        assert_eq!(rectification_status(&on_time, date(2025, 4, 9)), Some(RectificationStatus::Open));
        assert_eq!(rectification_status(&on_time, deadline), Some(RectificationStatus::Complied));
        assert_eq!(rectification_status(&on_time, date(2025, 4, 11)), Some(RectificationStatus::Complied));
        assert!(!complied_late(&on_time));

        // Complied on the decision day.
        let at_once = order(deadline, Some(decided()));
        assert_eq!(rectification_status(&at_once, decided()), Some(RectificationStatus::Complied));

        // Complied late: overdue from the day after the deadline until the day before compliance.
        let late = order(deadline, Some(date(2025, 4, 20)));
        assert_eq!(rectification_status(&late, deadline), Some(RectificationStatus::Open));
        assert_eq!(rectification_status(&late, date(2025, 4, 11)), Some(RectificationStatus::Overdue));
        assert_eq!(rectification_status(&late, date(2025, 4, 19)), Some(RectificationStatus::Overdue));
        assert_eq!(rectification_status(&late, date(2025, 4, 20)), Some(RectificationStatus::Complied));
        assert_eq!(rectification_status(&late, date(2030, 1, 1)), Some(RectificationStatus::Complied));
        assert!(complied_late(&late));

        let no_deadline = Sanction { deadline: None, ..open };
        assert_eq!(rectification_status(&no_deadline, date(2030, 1, 1)), Some(RectificationStatus::Open));

        for kind in
            [SanctionKind::PublicCriticism, SanctionKind::ServiceSuspension, SanctionKind::QualificationRevocation]
        {
            assert_eq!(rectification_status(&plain(kind), date(2025, 4, 1)), None, "{kind}");
            let odd = Sanction { deadline: Some(deadline), complied_on: Some(date(2025, 4, 20)), ..plain(kind) };
            assert!(!complied_late(&odd), "{kind}");
        }
    }

    #[test]
    fn compliance_dates() {
        let open = order(date(2025, 4, 10), None);
        assert_eq!(check_compliance(&open, decided()), Ok(()));
        assert_eq!(check_compliance(&open, date(2025, 5, 1)), Ok(()));
        assert_eq!(fields(check_compliance(&open, date(2025, 3, 9))), pairs(&[("complied_on", "invalid_range")]));
        assert_eq!(
            fields(check_compliance(&plain(SanctionKind::PublicCriticism), date(2025, 4, 1))),
            pairs(&[("complied_on", "not_applicable")])
        );
    }

    #[test]
    fn rectification_in_force_until_complied() {
        let late = order(date(2025, 4, 10), Some(date(2025, 4, 20)));
        assert!(!in_force(&late, date(2025, 3, 9)));
        assert!(in_force(&late, decided()));
        assert!(in_force(&late, date(2025, 4, 10)));
        assert!(in_force(&late, date(2025, 4, 19)));
        assert!(!in_force(&late, date(2025, 4, 20)));
        assert!(!in_force(&late, date(2025, 4, 21)));
        let open = order(date(2025, 4, 10), None);
        assert!(in_force(&open, date(2035, 4, 11)));
    }

    #[test]
    fn criticism_is_listed_for_twelve_months() {
        let criticism = plain(SanctionKind::PublicCriticism);
        assert_eq!(criticism_listed_until(decided()), date(2026, 3, 9));
        assert!(!in_force(&criticism, date(2025, 3, 9)));
        assert!(in_force(&criticism, decided()));
        assert!(in_force(&criticism, date(2026, 3, 9)));
        assert!(!in_force(&criticism, date(2026, 3, 10)));

        assert_eq!(criticism_listed_until(date(2024, 2, 29)), date(2025, 2, 27));
        assert_eq!(criticism_listed_until(date(2025, 1, 1)), date(2025, 12, 31));
        assert_eq!(criticism_listed_until(NaiveDate::MAX), NaiveDate::MAX);
    }

    #[test]
    fn suspension_in_force_within_its_period() {
        let from = date(2025, 3, 15);
        let to = date(2025, 6, 14);
        let sanctions = [suspension(from, to)];
        for (on, expected) in [
            (decided(), false),
            (date(2025, 3, 14), false),
            (from, true),
            (date(2025, 3, 16), true),
            (date(2025, 6, 13), true),
            (to, true),
            (date(2025, 6, 15), false),
        ] {
            assert_eq!(in_force(&sanctions[0], on), expected, "{on}");
            assert_eq!(suspended_on(&sanctions, on), expected, "{on}");
        }
        let one_day = suspension(decided(), decided());
        assert!(!suspended_on(&[one_day], date(2025, 3, 9)));
        assert!(suspended_on(&[one_day], decided()));
        assert!(!suspended_on(&[one_day], date(2025, 3, 11)));

        // An unchecked suspension without a period is never in force.
        let no_period = plain(SanctionKind::ServiceSuspension);
        assert!(!in_force(&no_period, date(2025, 4, 1)));
        assert!(!suspended_on(&[no_period], date(2025, 4, 1)));
        assert!(!suspended_on(&[], date(2025, 4, 1)));
    }

    #[test]
    fn only_suspensions_suspend_and_only_revocations_revoke() {
        let on = date(2025, 4, 1);
        let others = [
            order(date(2025, 4, 10), None),
            plain(SanctionKind::PublicCriticism),
            plain(SanctionKind::QualificationRevocation),
        ];
        assert!(others.iter().all(|s| in_force(s, on)));
        assert!(!suspended_on(&others, on));
        let not_revoking =
            [order(date(2025, 4, 10), None), plain(SanctionKind::PublicCriticism), suspension(decided(), on)];
        assert!(suspended_on(&not_revoking, on));
        assert!(!revoked_on(&not_revoking, on));
    }

    #[test]
    fn revocation_from_its_decision_on() {
        let revocation = plain(SanctionKind::QualificationRevocation);
        let sanctions = [plain(SanctionKind::PublicCriticism), revocation];
        assert!(!revoked_on(&sanctions, date(2025, 3, 9)));
        assert!(revoked_on(&sanctions, decided()));
        assert!(revoked_on(&sanctions, date(2025, 3, 11)));
        assert!(revoked_on(&sanctions, date(2099, 12, 31)));
        assert!(!in_force(&revocation, date(2025, 3, 9)));
        assert!(in_force(&revocation, decided()));
        assert!(in_force(&revocation, date(2099, 12, 31)));
        assert!(!revoked_on(&[], decided()));
    }

    #[test]
    fn bans_in_force_within_their_period() {
        let from = date(2025, 5, 1);
        let to = date(2030, 4, 30);
        assert_eq!(check_ban(from, Some(to)), Ok(()));
        assert_eq!(check_ban(from, Some(from)), Ok(()));
        assert_eq!(check_ban(from, None), Ok(()));
        assert_eq!(fields(check_ban(from, Some(date(2025, 4, 30)))), pairs(&[("to", "invalid_period")]));

        let fixed = Ban { kind: BanKind::IndustryBan, from, to: Some(to) };
        assert!(!ban_in_force(&fixed, date(2025, 4, 30)));
        assert!(ban_in_force(&fixed, from));
        assert!(ban_in_force(&fixed, date(2025, 5, 2)));
        assert!(ban_in_force(&fixed, date(2030, 4, 29)));
        assert!(ban_in_force(&fixed, to));
        assert!(!ban_in_force(&fixed, date(2030, 5, 1)));

        let permanent = Ban { kind: BanKind::OccupationalBan, from, to: None };
        assert!(!ban_in_force(&permanent, date(2025, 4, 30)));
        assert!(ban_in_force(&permanent, from));
        assert!(ban_in_force(&permanent, NaiveDate::MAX));

        let one_day = Ban { to: Some(from), ..fixed };
        assert!(!ban_in_force(&one_day, date(2025, 4, 30)));
        assert!(ban_in_force(&one_day, from));
        assert!(!ban_in_force(&one_day, date(2025, 5, 2)));
    }

    #[test]
    fn serde_shapes() {
        let json = serde_json::to_value(order(date(2025, 4, 10), None)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "rectification_order",
                "decided_on": "2025-03-10",
                "deadline": "2025-04-10",
                "complied_on": null,
                "from": null,
                "to": null,
            })
        );
        let ban: Ban =
            serde_json::from_value(serde_json::json!({"kind": "industry_ban", "from": "2025-05-01", "to": null}))
                .unwrap();
        assert_eq!(ban, Ban { kind: BanKind::IndustryBan, from: date(2025, 5, 1), to: None });
    }
}
