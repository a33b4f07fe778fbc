//! The marketplace of 豫安委〔2017〕17号 九(三): which providers may serve a demand, and in what order.
//!
//! 九(三) asks for one platform where the demand of enterprises (small ones above all) meets the
//! supply of qualified providers. A provider is matched only while it may lawfully serve: it is
//! not suspended or revoked (八(一)), not under an industry ban (八(二)), not on the blacklist
//! (八(三)), and its qualification covers the service and is valid on the demand's deadline.
//! The eligible are ranked by credit grade, then same city before other cities, then score.

use std::cmp::Ordering;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::credit::Grade;
use crate::organization::{OrganizationKind, OrganizationStatus, ServiceType};
use crate::region::{RegionCode, RegionInfo};
use crate::vocabulary::string_enum;

string_enum! {
    /// Where a demand stands (豫安委〔2017〕17号 九(三)). `expired` is never stored: an `open`
    /// demand whose deadline has passed reads as expired ([`effective_status`]).
    pub enum DemandStatus ("demand status", "invalid_demand_status") {
        /// Accepting bids.
        Open = "open",
        /// A bid was chosen.
        Awarded = "awarded",
        /// Withdrawn by the enterprise or the regulator who posted it.
        Withdrawn = "withdrawn",
        /// Open, but its deadline has passed (derived, not stored).
        Expired = "expired",
    }
}

/// The status a demand stored as `stored` reads as on `today` (豫安委〔2017〕17号 九(三)): an
/// `open` demand whose `deadline` is before `today` is `expired`; on the deadline itself it is
/// still open. Every other status is final and reads as stored.
pub fn effective_status(stored: DemandStatus, deadline: NaiveDate, today: NaiveDate) -> DemandStatus {
    match stored {
        DemandStatus::Open if deadline < today => DemandStatus::Expired,
        other => other,
    }
}

/// The demand types an entrusted-management firm covers besides `entrusted_management` itself:
/// 托管服务 by registered safety engineer firms (豫安委〔2017〕17号 四(二)) takes on the
/// enterprise's hazard investigation, standardisation and emergency planning (九(三)).
pub const ENTRUSTED_MANAGEMENT_COVERS: [ServiceType; 3] =
    [ServiceType::HazardInvestigation, ServiceType::Standardisation, ServiceType::EmergencyPlanning];

/// Whether a provider offering `service_types` covers a demand for `demand` (豫安委〔2017〕17号
/// 九(三), 四(二)): it lists `demand`, or it lists `entrusted_management` and `demand` is one of
/// [`ENTRUSTED_MANAGEMENT_COVERS`].
pub fn covers(service_types: &[ServiceType], demand: ServiceType) -> bool {
    service_types.contains(&demand)
        || (service_types.contains(&ServiceType::EntrustedManagement) && ENTRUSTED_MANAGEMENT_COVERS.contains(&demand))
}

/// Why a provider may not be matched with a demand or awarded work (豫安委〔2017〕17号 九(三),
/// 八(一), 八(二), 八(三)). [`check_provider`] returns the first that applies, in declaration
/// order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exclusion {
    /// An enterprise or an insurer: not a provider of technical services.
    NotAProvider,
    /// Qualification revoked (八(一) 吊销资格证书).
    Revoked,
    /// Service suspended (八(一) 中止服务).
    Suspended,
    /// Under an industry ban (八(二) 行业禁入).
    Banned,
    /// On the blacklist (八(三)).
    Blacklisted,
    /// Does not offer the demanded service (九(三)).
    WrongScope,
    /// Holds no qualification certificate.
    NoQualification,
    /// The qualification is not valid on the date that matters (the demand's deadline).
    QualificationExpired,
}

impl Exclusion {
    /// Every exclusion, in the order [`check_provider`] checks them.
    pub const ALL: [Exclusion; 8] = [
        Exclusion::NotAProvider,
        Exclusion::Revoked,
        Exclusion::Suspended,
        Exclusion::Banned,
        Exclusion::Blacklisted,
        Exclusion::WrongScope,
        Exclusion::NoQualification,
        Exclusion::QualificationExpired,
    ];

    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Exclusion::NotAProvider => "not_a_provider",
            Exclusion::Revoked => "revoked",
            Exclusion::Suspended => "suspended",
            Exclusion::Banned => "banned",
            Exclusion::Blacklisted => "blacklisted",
            Exclusion::WrongScope => "wrong_scope",
            Exclusion::NoQualification => "no_qualification",
            Exclusion::QualificationExpired => "qualification_expired",
        }
    }

    /// The rule that excludes, in words, with its clause.
    pub fn message(&self) -> &'static str {
        match self {
            Exclusion::NotAProvider => "only service providers can be matched with demand (九(三))",
            Exclusion::Revoked => "the provider's qualification is revoked (八(一))",
            Exclusion::Suspended => "the provider's service is suspended (八(一))",
            Exclusion::Banned => "the provider is under an industry ban (八(二))",
            Exclusion::Blacklisted => "the provider is on the blacklist (八(三))",
            Exclusion::WrongScope => "the provider does not offer the demanded service (九(三))",
            Exclusion::NoQualification => "the provider holds no qualification certificate (九(三))",
            Exclusion::QualificationExpired => "the provider's qualification is not valid on the deadline (九(三))",
        }
    }
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

crate::validation::impl_coded!(Exclusion);

/// The validity period of a qualification certificate; an open end is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct Validity {
    /// First day of validity, if stated.
    pub valid_from: Option<NaiveDate>,
    /// Last day of validity (inclusive), if stated.
    pub valid_until: Option<NaiveDate>,
}

impl Validity {
    /// Whether the certificate is valid on `on`: `valid_from <= on <= valid_until`, each bound
    /// only where stated.
    pub fn covers(&self, on: NaiveDate) -> bool {
        self.valid_from.is_none_or(|from| from <= on) && self.valid_until.is_none_or(|until| on <= until)
    }
}

/// What [`check_provider`] needs to know about a provider. The sanction, ban and blacklist flags
/// are already judged on the day that matters for them (usually today).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderFacts {
    /// The organisation's kind.
    pub kind: OrganizationKind,
    /// The status stored in the registry.
    pub status: OrganizationStatus,
    /// The services it offers.
    pub service_types: Vec<ServiceType>,
    /// Its qualification certificate, if it holds one.
    pub qualification: Option<Validity>,
    /// A service suspension is in force (八(一) 中止服务).
    pub suspended_on: bool,
    /// An industry ban is in force (八(二) 行业禁入).
    pub banned: bool,
    /// A blacklist listing is in force (八(三)).
    pub blacklisted: bool,
}

/// Whether a provider may be matched with (or awarded) a demand for `service`, with its
/// qualification judged on `on` (豫安委〔2017〕17号 九(三); exit ladder 八(一), bans 八(二),
/// blacklist 八(三)). The first failing check wins, in this order: not a provider (enterprise or
/// insurer), revoked, suspended (stored or by a suspension in force), banned, blacklisted, wrong
/// scope (only when `service` is given; see [`covers`]), no qualification, qualification not
/// valid on `on` ([`Validity::covers`]).
pub fn check_provider(facts: &ProviderFacts, service: Option<ServiceType>, on: NaiveDate) -> Result<(), Exclusion> {
    if matches!(facts.kind, OrganizationKind::Enterprise | OrganizationKind::Insurer) {
        return Err(Exclusion::NotAProvider);
    }
    if facts.status == OrganizationStatus::Revoked {
        return Err(Exclusion::Revoked);
    }
    if facts.status == OrganizationStatus::Suspended || facts.suspended_on {
        return Err(Exclusion::Suspended);
    }
    if facts.banned {
        return Err(Exclusion::Banned);
    }
    if facts.blacklisted {
        return Err(Exclusion::Blacklisted);
    }
    if let Some(service) = service {
        if !covers(&facts.service_types, service) {
            return Err(Exclusion::WrongScope);
        }
    }
    match facts.qualification {
        None => Err(Exclusion::NoQualification),
        Some(validity) if !validity.covers(on) => Err(Exclusion::QualificationExpired),
        Some(_) => Ok(()),
    }
}

/// Whether two regions lie in the same prefecture-level city (豫安委〔2017〕17号 九(三)): the
/// units their regulators answer to ([`RegionInfo::supervisor`]) are the same. A province-managed
/// county (省直管县) and 济源 are their own city.
pub fn same_city(a: &RegionInfo, b: &RegionInfo) -> bool {
    a.supervisor == b.supervisor
}

/// An eligible provider to be ranked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate<T> {
    /// Whatever the caller carries along (the organisation).
    pub provider: T,
    /// Unified social credit code: the last, stable tie-break.
    pub credit_code: String,
    /// Credit grade today.
    pub grade: Grade,
    /// Credit score today.
    pub score: i32,
    /// The provider's home region.
    pub region: RegionInfo,
}

/// A ranked provider with the reasons for its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match<T> {
    /// What the caller carried along.
    pub provider: T,
    /// Unified social credit code.
    pub credit_code: String,
    /// Credit grade.
    pub grade: Grade,
    /// Credit score.
    pub score: i32,
    /// Whether the provider's home is in the demand's city ([`same_city`]).
    pub same_city: bool,
    /// Why it ranks where it does, in the order of the ranking keys.
    pub reasons: Vec<String>,
}

fn order<T>(a: &Match<T>, b: &Match<T>) -> Ordering {
    a.grade
        .cmp(&b.grade)
        .then_with(|| b.same_city.cmp(&a.same_city))
        .then_with(|| b.score.cmp(&a.score))
        .then_with(|| a.credit_code.cmp(&b.credit_code))
}

/// Ranks eligible providers for a demand located in `demand_region` (豫安委〔2017〕17号 九(三)):
/// by credit grade (A before B before C before D), then providers at home in the demand's city
/// before others ([`same_city`]), then score, highest first, then credit code so the order is
/// stable. Each match states its grade, city and score as reasons.
pub fn rank<T>(demand_region: &RegionInfo, candidates: Vec<Candidate<T>>) -> Vec<Match<T>> {
    let city = &demand_region.supervisor;
    let mut matches: Vec<Match<T>> = candidates
        .into_iter()
        .map(|c| {
            let same = same_city(&c.region, demand_region);
            let reasons = vec![
                format!("grade {}", c.grade.as_str().to_uppercase()),
                city_reason(same, &c.region.supervisor, city),
                format!("score {}", c.score),
            ];
            Match {
                provider: c.provider,
                credit_code: c.credit_code,
                grade: c.grade,
                score: c.score,
                same_city: same,
                reasons,
            }
        })
        .collect();
    matches.sort_by(order);
    matches
}

fn city_reason(same: bool, provider_city: &RegionCode, demand_city: &RegionCode) -> String {
    if same {
        format!("same city as the demand ({demand_city})")
    } else {
        format!("other city ({provider_city}) than the demand ({demand_city})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::assert_string_enum;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn info(code: &str, supervisor: &str) -> RegionInfo {
        RegionInfo { code: RegionCode::parse(code).unwrap(), supervisor: RegionCode::parse(supervisor).unwrap() }
    }

    fn deadline() -> NaiveDate {
        date(2026, 12, 31)
    }

    fn eligible() -> ProviderFacts {
        ProviderFacts {
            kind: OrganizationKind::TechnicalServiceAgency,
            status: OrganizationStatus::Active,
            service_types: vec![ServiceType::SafetyAssessment],
            qualification: Some(Validity { valid_from: Some(date(2020, 1, 1)), valid_until: Some(deadline()) }),
            suspended_on: false,
            banned: false,
            blacklisted: false,
        }
    }

    fn check(facts: &ProviderFacts) -> Result<(), Exclusion> {
        check_provider(facts, Some(ServiceType::SafetyAssessment), deadline())
    }

    #[test]
    fn demand_status_names_round_trip() {
        assert_string_enum!(DemandStatus, "invalid_demand_status");
        assert_eq!(DemandStatus::ALL.len(), 4);
    }

    #[test]
    fn open_demand_expires_the_day_after_its_deadline() {
        let d = date(2026, 11, 29);
        assert_eq!(effective_status(DemandStatus::Open, d, date(2026, 11, 28)), DemandStatus::Open);
        assert_eq!(effective_status(DemandStatus::Open, d, d), DemandStatus::Open);
        assert_eq!(effective_status(DemandStatus::Open, d, date(2026, 11, 30)), DemandStatus::Expired);
        for stored in [DemandStatus::Awarded, DemandStatus::Withdrawn] {
            assert_eq!(effective_status(stored, d, date(2027, 1, 1)), stored);
        }
    }

    #[test]
    fn coverage_table() {
        use ServiceType as S;
        let em = [S::EntrustedManagement];
        for &demand in S::ALL {
            let expected = matches!(
                demand,
                S::EntrustedManagement | S::HazardInvestigation | S::Standardisation | S::EmergencyPlanning
            );
            assert_eq!(covers(&em, demand), expected, "entrusted management covers {demand}?");
            assert!(covers(&[demand], demand), "{demand} covers itself");
            assert!(!covers(&[], demand), "nothing covers {demand}");
        }
        assert!(!covers(&[S::Consulting], S::SafetyAssessment));
        assert!(covers(&[S::Consulting, S::SafetyAssessment], S::SafetyAssessment));
        assert!(!covers(&[S::HazardInvestigation], S::EntrustedManagement));
        assert!(!covers(&[S::Standardisation], S::EmergencyPlanning));
    }

    #[test]
    fn an_eligible_provider_passes() {
        assert_eq!(check(&eligible()), Ok(()));
        assert_eq!(check_provider(&eligible(), None, deadline()), Ok(()));
    }

    #[test]
    fn each_exclusion_has_its_code() {
        let codes: Vec<_> = Exclusion::ALL.iter().map(|e| e.code()).collect();
        assert_eq!(
            codes,
            [
                "not_a_provider",
                "revoked",
                "suspended",
                "banned",
                "blacklisted",
                "wrong_scope",
                "no_qualification",
                "qualification_expired"
            ]
        );
        for e in Exclusion::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), serde_json::json!(e.code()));
            assert!(e.to_string().contains('('), "{e:?} cites its clause");
        }
    }

    #[test]
    fn enterprises_and_insurers_are_not_providers() {
        for kind in OrganizationKind::ALL {
            let facts = ProviderFacts { kind: *kind, ..eligible() };
            let expected = if matches!(kind, OrganizationKind::Enterprise | OrganizationKind::Insurer) {
                Err(Exclusion::NotAProvider)
            } else {
                Ok(())
            };
            assert_eq!(check(&facts), expected, "{kind}");
        }
    }

    #[test]
    fn each_fact_excludes_alone() {
        let cases = [
            (ProviderFacts { status: OrganizationStatus::Revoked, ..eligible() }, Exclusion::Revoked),
            (ProviderFacts { status: OrganizationStatus::Suspended, ..eligible() }, Exclusion::Suspended),
            (ProviderFacts { suspended_on: true, ..eligible() }, Exclusion::Suspended),
            (ProviderFacts { banned: true, ..eligible() }, Exclusion::Banned),
            (ProviderFacts { blacklisted: true, ..eligible() }, Exclusion::Blacklisted),
            (ProviderFacts { service_types: vec![ServiceType::Consulting], ..eligible() }, Exclusion::WrongScope),
            (ProviderFacts { qualification: None, ..eligible() }, Exclusion::NoQualification),
        ];
        for (facts, expected) in cases {
            assert_eq!(check(&facts), Err(expected), "{facts:?}");
        }
    }

    #[test]
    fn the_first_failing_check_wins() {
        let everything_wrong = ProviderFacts {
            kind: OrganizationKind::Insurer,
            status: OrganizationStatus::Revoked,
            service_types: vec![],
            qualification: Some(Validity { valid_from: None, valid_until: Some(date(2000, 1, 1)) }),
            suspended_on: true,
            banned: true,
            blacklisted: true,
        };
        let mut facts = everything_wrong;
        assert_eq!(check(&facts), Err(Exclusion::NotAProvider));
        facts.kind = OrganizationKind::EngineerFirm;
        assert_eq!(check(&facts), Err(Exclusion::Revoked));
        facts.status = OrganizationStatus::Active;
        assert_eq!(check(&facts), Err(Exclusion::Suspended));
        facts.suspended_on = false;
        assert_eq!(check(&facts), Err(Exclusion::Banned));
        facts.banned = false;
        assert_eq!(check(&facts), Err(Exclusion::Blacklisted));
        facts.blacklisted = false;
        assert_eq!(check(&facts), Err(Exclusion::WrongScope));
        // Without a service, scope is not judged.
        assert_eq!(check_provider(&facts, None, deadline()), Err(Exclusion::QualificationExpired));
        facts.service_types = vec![ServiceType::SafetyAssessment];
        assert_eq!(check(&facts), Err(Exclusion::QualificationExpired));
        facts.qualification = None;
        assert_eq!(check(&facts), Err(Exclusion::NoQualification));
    }

    #[test]
    fn entrusted_management_firm_is_in_scope_for_hazard_investigation() {
        let facts = ProviderFacts {
            kind: OrganizationKind::EngineerFirm,
            service_types: vec![ServiceType::EntrustedManagement],
            ..eligible()
        };
        assert_eq!(check_provider(&facts, Some(ServiceType::HazardInvestigation), deadline()), Ok(()));
        assert_eq!(check_provider(&facts, Some(ServiceType::SafetyAssessment), deadline()), Err(Exclusion::WrongScope));
    }

    #[test]
    fn qualification_ending_around_the_deadline() {
        let until = |d| ProviderFacts {
            qualification: Some(Validity { valid_from: Some(date(2020, 1, 1)), valid_until: Some(d) }),
            ..eligible()
        };
        assert_eq!(check(&until(date(2026, 12, 30))), Err(Exclusion::QualificationExpired), "day before");
        assert_eq!(check(&until(date(2026, 12, 31))), Ok(()), "on the deadline");
        assert_eq!(check(&until(date(2027, 1, 1))), Ok(()), "day after");
    }

    #[test]
    fn qualification_starting_around_the_deadline() {
        let from = |d| ProviderFacts {
            qualification: Some(Validity { valid_from: Some(d), valid_until: None }),
            ..eligible()
        };
        assert_eq!(check(&from(date(2026, 12, 30))), Ok(()), "day before");
        assert_eq!(check(&from(date(2026, 12, 31))), Ok(()), "on the deadline");
        assert_eq!(check(&from(date(2027, 1, 1))), Err(Exclusion::QualificationExpired), "day after");
        let open = ProviderFacts { qualification: Some(Validity::default()), ..eligible() };
        assert_eq!(check(&open), Ok(()));
        assert!(Validity::default().covers(NaiveDate::MIN) && Validity::default().covers(NaiveDate::MAX));
    }

    #[test]
    fn same_city_compares_supervisors() {
        let zhengzhou = info("410100", "410100");
        let district = info("410102", "410100");
        let gongyi = info("410181", "410181");
        let kaifeng = info("410200", "410200");
        assert!(same_city(&zhengzhou, &district));
        assert!(same_city(&district, &district));
        assert!(!same_city(&gongyi, &district), "a province-managed county is its own city");
        assert!(same_city(&gongyi, &gongyi));
        assert!(!same_city(&kaifeng, &zhengzhou));
    }

    fn candidate(name: &'static str, grade: Grade, score: i32, region: RegionInfo) -> Candidate<&'static str> {
        Candidate { provider: name, credit_code: format!("CODE-{name}"), grade, score, region }
    }

    #[test]
    fn ranks_by_grade_then_city_then_score_then_code() {
        let demand = info("410102", "410100");
        let here = || info("410105", "410100");
        let away = || info("410200", "410200");
        let ranked = rank(
            &demand,
            vec![
                candidate("b_here", Grade::B, 89, here()),
                candidate("a_away_high", Grade::A, 100, away()),
                candidate("a_here_low", Grade::A, 90, here()),
                candidate("d_here", Grade::D, 10, here()),
                candidate("c_away", Grade::C, 70, away()),
                candidate("a_here_high", Grade::A, 95, here()),
                candidate("a_here_tie_2", Grade::A, 92, here()),
                candidate("a_here_tie_1", Grade::A, 92, here()),
            ],
        );
        let names: Vec<_> = ranked.iter().map(|m| m.provider).collect();
        assert_eq!(
            names,
            ["a_here_high", "a_here_tie_1", "a_here_tie_2", "a_here_low", "a_away_high", "b_here", "c_away", "d_here"]
        );
        assert_eq!(ranked[0].reasons, ["grade A", "same city as the demand (410100)", "score 95"]);
        assert_eq!(ranked[4].reasons, ["grade A", "other city (410200) than the demand (410100)", "score 100"]);
        assert!(ranked[0].same_city && !ranked[4].same_city);
        assert!(rank::<()>(&demand, vec![]).is_empty());
    }

    #[test]
    fn a_province_managed_county_is_not_its_former_citys_neighbour() {
        let demand = info("410181", "410181");
        let ranked = rank(
            &demand,
            vec![
                candidate("zhengzhou", Grade::A, 99, info("410100", "410100")),
                candidate("gongyi", Grade::A, 90, demand.clone()),
            ],
        );
        assert_eq!(ranked.iter().map(|m| m.provider).collect::<Vec<_>>(), ["gongyi", "zhengzhou"]);
    }
}
