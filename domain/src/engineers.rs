//! Registered safety engineers (注册安全工程师): levels, categories, registration validity and
//! whether an organisation's staffing meets the rule (豫安委〔2017〕17号 四(一)).
//!
//! DOMAIN.md ("Registered safety engineers — 四"): units producing or storing dangerous goods,
//! mines, metal smelting units and technical service agencies must employ registered safety
//! engineers; the head of a safety management department should normally hold the qualification.
//! A registration is valid 5 years (rule parameter `engineer_registration_validity_years`). The
//! platform reports, per organisation, whether its staffing meets the rule.

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::organization::{OrganizationKind, Sector};
use crate::rules::{Applied, RuleBook, RuleError, RuleParameter};
use crate::vocabulary::string_enum;

/// Citation of the staffing rule.
pub const CLAUSE: &str = "豫安委〔2017〕17号 四(一)";

string_enum! {
    /// Level of a registered safety engineer (豫安委〔2017〕17号 四(一)).
    pub enum EngineerLevel ("engineer level", "invalid_engineer_level") {
        /// 高级注册安全工程师.
        Senior = "senior",
        /// 中级注册安全工程师.
        Intermediate = "intermediate",
        /// 初级注册安全工程师 (助理).
        Assistant = "assistant",
    }
}

string_enum! {
    /// Professional category of a registered safety engineer (豫安委〔2017〕17号 四(一)).
    pub enum EngineerCategory ("engineer category", "invalid_engineer_category") {
        /// 煤矿安全.
        CoalMine = "coal_mine",
        /// 金属非金属矿山安全.
        MetalNonmetalMine = "metal_nonmetal_mine",
        /// 化工安全.
        Chemical = "chemical",
        /// 金属冶炼安全.
        MetalSmelting = "metal_smelting",
        /// 建筑施工安全.
        Construction = "construction",
        /// 道路运输安全.
        RoadTransport = "road_transport",
        /// 其他安全 (不包括消防安全).
        Other = "other",
    }
}

/// Last day of a registration made on `registered_on` (豫安委〔2017〕17号 四(一): a registration
/// is valid 5 years): `registered_on + engineer_registration_validity_years − 1 day`, with the
/// parameter in force on the registration date. A registration of 2020-03-15 is valid through
/// 2025-03-14. Years are calendar years (chrono's `checked_add_months`, 29 February clamps to
/// 28 February); a date beyond chrono's range saturates at [`NaiveDate::MAX`].
pub fn registration_valid_until(book: &RuleBook, registered_on: NaiveDate) -> Result<Applied<NaiveDate>, RuleError> {
    let years = book.count(RuleParameter::EngineerRegistrationValidityYears, registered_on)?;
    let anniversary = years
        .value
        .checked_mul(12)
        .and_then(|months| registered_on.checked_add_months(Months::new(months)))
        .unwrap_or(NaiveDate::MAX);
    let valid_until =
        if anniversary == NaiveDate::MAX { anniversary } else { anniversary.pred_opt().unwrap_or(anniversary) };
    Ok(Applied { value: valid_until, version: years.version })
}

/// Whether a registration made on `registered_on` is in force on `on` (豫安委〔2017〕17号
/// 四(一)): from the registration date through [`registration_valid_until`], both included.
pub fn registration_in_force(book: &RuleBook, registered_on: NaiveDate, on: NaiveDate) -> Result<bool, RuleError> {
    Ok(registered_on <= on && on <= registration_valid_until(book, registered_on)?.value)
}

/// How many of the registrations (given by their registration dates) are in force on `on`, for
/// [`StaffingFacts::valid_registrations`] (豫安委〔2017〕17号 四(一)).
pub fn count_valid_registrations(
    book: &RuleBook,
    registered_on: &[NaiveDate],
    on: NaiveDate,
) -> Result<u32, RuleError> {
    let mut count: u32 = 0;
    for &date in registered_on {
        if registration_in_force(book, date, on)? {
            count = count.saturating_add(1);
        }
    }
    Ok(count)
}

/// Whether an organisation must employ registered safety engineers (豫安委〔2017〕17号 四(一)):
/// every technical service agency, and enterprises that produce or store dangerous goods
/// (sectors `dangerous_goods`, `hazardous_chemicals`, `fireworks`, `civil_explosives`), mines
/// (`mining`) and metal smelting units (`metal_smelting`). Other kinds of party are not named by
/// the rule, whatever sector they record.
pub fn must_employ_engineers(kind: OrganizationKind, sector: Option<Sector>) -> bool {
    match kind {
        OrganizationKind::TechnicalServiceAgency => true,
        OrganizationKind::Enterprise => sector.is_some_and(sector_requires_engineers),
        _ => false,
    }
}

/// The sectors named by 四(一): dangerous goods production and storage, mining, metal smelting.
fn sector_requires_engineers(sector: Sector) -> bool {
    matches!(
        sector,
        Sector::DangerousGoods
            | Sector::HazardousChemicals
            | Sector::Fireworks
            | Sector::CivilExplosives
            | Sector::Mining
            | Sector::MetalSmelting
    )
}

/// An organisation's engineer staffing on a date, as far as 四(一) asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct StaffingFacts {
    /// Employed engineers whose registration is in force on the date (see
    /// [`count_valid_registrations`]).
    pub valid_registrations: u32,
    /// Whether the head of the safety management department holds a registration in force;
    /// `None` when no head is recorded.
    pub head_of_safety_registered: Option<bool>,
}

/// Whether an organisation's staffing meets 豫安委〔2017〕17号 四(一), and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct StaffingVerdict {
    /// Whether the rule requires the organisation to employ registered safety engineers.
    pub required: bool,
    /// Whether the staffing meets the rule: not required, or at least one registration in force.
    pub compliant: bool,
    /// English explanations: why the rule applies or not, the count, and notes on the head of the
    /// safety management department.
    pub reasons: Vec<String>,
    /// Warning field, echoed from the facts: `Some(false)` when the head of the safety
    /// management department is not registered. The policy says "should normally", so this never
    /// makes the organisation non-compliant.
    pub head_of_safety_registered: Option<bool>,
    /// The clause applied.
    pub clause: &'static str,
}

/// Decides whether an organisation's engineer staffing meets 豫安委〔2017〕17号 四(一): an
/// organisation the rule names ([`must_employ_engineers`]) with no registration in force is
/// non-compliant; one with at least one is compliant. For those organisations, a head of the
/// safety management department without a registration, or no head recorded, is noted as a
/// reason but does not affect compliance ("should normally hold the qualification").
pub fn staffing_verdict(kind: OrganizationKind, sector: Option<Sector>, facts: StaffingFacts) -> StaffingVerdict {
    let required = must_employ_engineers(kind, sector);
    let mut reasons = Vec::new();
    if !required {
        reasons.push("not a unit that must employ registered safety engineers".to_owned());
        return StaffingVerdict {
            required,
            compliant: true,
            reasons,
            head_of_safety_registered: facts.head_of_safety_registered,
            clause: CLAUSE,
        };
    }
    match (kind, sector) {
        (OrganizationKind::TechnicalServiceAgency, _) => {
            reasons.push("technical service agencies must employ registered safety engineers".to_owned());
        }
        (_, Some(sector)) => reasons.push(format!("units in sector {sector} must employ registered safety engineers")),
        (_, None) => {}
    }
    let compliant = facts.valid_registrations > 0;
    reasons.push(match facts.valid_registrations {
        0 => "no registered safety engineer with a registration in force".to_owned(),
        1 => "1 registered safety engineer with a registration in force".to_owned(),
        n => format!("{n} registered safety engineers with a registration in force"),
    });
    match facts.head_of_safety_registered {
        Some(true) => {}
        Some(false) => reasons.push(
            "the head of the safety management department should normally be a registered safety engineer".to_owned(),
        ),
        None => reasons.push("no head of the safety management department is recorded".to_owned()),
    }
    StaffingVerdict {
        required,
        compliant,
        reasons,
        head_of_safety_registered: facts.head_of_safety_registered,
        clause: CLAUSE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::certificates::tests::{date, seed_book};
    use crate::vocabulary::assert_string_enum;

    #[test]
    fn vocabularies() {
        assert_string_enum!(EngineerLevel, "invalid_engineer_level");
        assert_string_enum!(EngineerCategory, "invalid_engineer_category");
        assert_eq!(EngineerCategory::ALL.len(), 7);
    }

    #[test]
    fn registration_validity() {
        let book = seed_book();
        let until = registration_valid_until(&book, date(2020, 3, 15)).unwrap();
        assert_eq!(until.value, date(2025, 3, 14));
        assert_eq!(until.version, "engineer_registration_validity_years@2017-11-08");
        assert_eq!(registration_valid_until(&book, date(2020, 2, 29)).unwrap().value, date(2025, 2, 27));
        assert_eq!(registration_valid_until(&book, date(2017, 11, 8)).unwrap().value, date(2022, 11, 7));
        let error = registration_valid_until(&book, date(2017, 11, 7)).unwrap_err();
        assert_eq!(
            error,
            RuleError::NotInForce {
                parameter: RuleParameter::EngineerRegistrationValidityYears,
                on: date(2017, 11, 7)
            }
        );
        assert_eq!(registration_valid_until(&book, NaiveDate::MAX).unwrap().value, NaiveDate::MAX);
    }

    #[test]
    fn registration_expired_yesterday_is_not_counted() {
        let book = seed_book();
        let registered = date(2020, 3, 15);
        // Valid until 2025-03-14: on 2025-03-15 it expired yesterday.
        assert!(registration_in_force(&book, registered, date(2025, 3, 14)).unwrap());
        assert!(!registration_in_force(&book, registered, date(2025, 3, 15)).unwrap());
        assert!(registration_in_force(&book, registered, registered).unwrap());
        assert!(!registration_in_force(&book, registered, date(2020, 3, 14)).unwrap());

        let engineers = [registered, date(2022, 1, 1), date(2025, 3, 16)];
        assert_eq!(count_valid_registrations(&book, &engineers, date(2025, 3, 14)).unwrap(), 2);
        assert_eq!(count_valid_registrations(&book, &engineers, date(2025, 3, 15)).unwrap(), 1);
        assert_eq!(count_valid_registrations(&book, &engineers, date(2025, 3, 16)).unwrap(), 2);
        assert_eq!(count_valid_registrations(&book, &[], date(2025, 3, 16)).unwrap(), 0);
        assert!(count_valid_registrations(&book, &[date(2010, 1, 1)], date(2011, 1, 1)).is_err());

        let only_expired = count_valid_registrations(&book, &[registered], date(2025, 3, 15)).unwrap();
        let facts = StaffingFacts { valid_registrations: only_expired, head_of_safety_registered: Some(true) };
        let verdict = staffing_verdict(OrganizationKind::Enterprise, Some(Sector::Mining), facts);
        assert!(verdict.required && !verdict.compliant);
    }

    #[test]
    fn who_must_employ_engineers() {
        use OrganizationKind as K;
        for sector in [
            Sector::DangerousGoods,
            Sector::HazardousChemicals,
            Sector::Fireworks,
            Sector::CivilExplosives,
            Sector::Mining,
            Sector::MetalSmelting,
        ] {
            assert!(must_employ_engineers(K::Enterprise, Some(sector)), "{sector}");
            assert!(!must_employ_engineers(K::Insurer, Some(sector)), "{sector}");
        }
        for sector in
            [Sector::Transportation, Sector::Construction, Sector::Fishery, Sector::RoadTransport, Sector::Other]
        {
            assert!(!must_employ_engineers(K::Enterprise, Some(sector)), "{sector}");
        }
        assert!(!must_employ_engineers(K::Enterprise, None));
        assert!(must_employ_engineers(K::TechnicalServiceAgency, None));
        assert!(must_employ_engineers(K::TechnicalServiceAgency, Some(Sector::Other)));
        for kind in [K::Insurer, K::TrainingInstitution, K::SocialOrganization, K::EngineerFirm] {
            assert!(!must_employ_engineers(kind, None), "{kind}");
        }
    }

    #[test]
    fn staffing_verdicts() {
        let facts = |valid_registrations, head_of_safety_registered| StaffingFacts {
            valid_registrations,
            head_of_safety_registered,
        };
        let mine = Some(Sector::Mining);
        let ok = staffing_verdict(OrganizationKind::Enterprise, mine, facts(2, Some(true)));
        assert!(ok.required && ok.compliant);
        assert_eq!(ok.clause, "豫安委〔2017〕17号 四(一)");
        assert_eq!(
            ok.reasons,
            [
                "units in sector mining must employ registered safety engineers",
                "2 registered safety engineers with a registration in force"
            ]
        );

        let none = staffing_verdict(OrganizationKind::Enterprise, mine, facts(0, Some(true)));
        assert!(none.required && !none.compliant);
        assert!(none.reasons.contains(&"no registered safety engineer with a registration in force".to_owned()));

        // An unregistered head is a warning, not a breach.
        let head = staffing_verdict(OrganizationKind::TechnicalServiceAgency, None, facts(1, Some(false)));
        assert!(head.required && head.compliant);
        assert_eq!(head.head_of_safety_registered, Some(false));
        assert_eq!(
            head.reasons,
            [
                "technical service agencies must employ registered safety engineers",
                "1 registered safety engineer with a registration in force",
                "the head of the safety management department should normally be a registered safety engineer",
            ]
        );
        let no_head = staffing_verdict(OrganizationKind::Enterprise, Some(Sector::MetalSmelting), facts(1, None));
        assert!(no_head.compliant);
        assert_eq!(no_head.head_of_safety_registered, None);
        assert!(no_head.reasons.last().unwrap().contains("no head"));

        let other = staffing_verdict(OrganizationKind::Enterprise, Some(Sector::Construction), facts(0, Some(false)));
        assert!(!other.required && other.compliant);
        assert_eq!(other.reasons, ["not a unit that must employ registered safety engineers"]);
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(json["clause"], "豫安委〔2017〕17号 四(一)");
        assert_eq!(json["head_of_safety_registered"], true);
    }
}
