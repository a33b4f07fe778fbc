//! Which registry fields apply to which kind of organisation.
//!
//! An enterprise is described by its sector (三(一) decides insurance duty by
//! it, 四(一) engineer staffing); service providers by the services they sell
//! and their qualification certificate (二, 八(一)). A field that does not
//! apply is refused rather than stored, so a record never says two things.

use chrono::NaiveDate;

use crate::organization::{OrganizationKind, Sector, ServiceType};
use crate::validation::Collector;

/// The kind-dependent part of an organisation's profile.
#[derive(Debug, Clone, Copy)]
pub struct Profile<'a> {
    pub kind: OrganizationKind,
    pub sector: Option<Sector>,
    pub service_types: &'a [ServiceType],
    pub has_qualification: bool,
    pub qualification_valid_from: Option<NaiveDate>,
    pub qualification_valid_until: Option<NaiveDate>,
}

/// Records every inconsistency of `profile` in `errors`.
pub fn check_profile(profile: &Profile<'_>, errors: &mut Collector) {
    if profile.kind == OrganizationKind::Enterprise {
        if profile.sector.is_none() {
            errors.push("sector", "required", "an enterprise needs a sector (三(一))");
        }
        if !profile.service_types.is_empty() {
            errors.push("service_types", "not_applicable", "enterprises do not sell services");
        }
        if profile.has_qualification {
            errors.push("qualification", "not_applicable", "enterprises hold no service qualification");
        }
    } else if profile.sector.is_some() {
        errors.push("sector", "not_applicable", "only enterprises have a sector");
    }
    if let (Some(from), Some(until)) = (profile.qualification_valid_from, profile.qualification_valid_until) {
        if until < from {
            errors.push("qualification.valid_until", "invalid_date", "the qualification cannot end before it starts");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn fields(profile: Profile<'_>) -> Vec<String> {
        let mut errors = Collector::new();
        check_profile(&profile, &mut errors);
        errors.finish().err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    const ENTERPRISE: Profile<'static> = Profile {
        kind: OrganizationKind::Enterprise,
        sector: Some(Sector::Mining),
        service_types: &[],
        has_qualification: false,
        qualification_valid_from: None,
        qualification_valid_until: None,
    };

    #[test]
    fn an_enterprise_needs_a_sector_and_sells_nothing() {
        assert!(fields(ENTERPRISE).is_empty());
        assert_eq!(fields(Profile { sector: None, ..ENTERPRISE }), ["sector"]);
        assert_eq!(
            fields(Profile { service_types: &[ServiceType::Consulting], has_qualification: true, ..ENTERPRISE }),
            ["service_types", "qualification"]
        );
    }

    #[test]
    fn only_enterprises_have_a_sector() {
        let agency = Profile { kind: OrganizationKind::TechnicalServiceAgency, sector: None, ..ENTERPRISE };
        assert!(fields(agency).is_empty());
        assert_eq!(fields(Profile { sector: Some(Sector::Other), ..agency }), ["sector"]);
    }

    #[test]
    fn a_qualification_may_end_on_its_first_day_but_not_before() {
        let agency = Profile {
            kind: OrganizationKind::TechnicalServiceAgency,
            sector: None,
            has_qualification: true,
            qualification_valid_from: date(2024, 2, 29),
            qualification_valid_until: date(2024, 2, 29),
            ..ENTERPRISE
        };
        assert!(fields(agency).is_empty());
        assert_eq!(
            fields(Profile { qualification_valid_until: date(2024, 2, 28), ..agency }),
            ["qualification.valid_until"]
        );
    }
}
