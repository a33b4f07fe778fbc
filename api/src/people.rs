//! Persons named in writes, and who may see a person whole.
//!
//! Persons are identified by their resident identity number (GB 11643-1999).
//! Certificates, exam results, engineers and employments name a person
//! inline; the first write creates it, later writes must agree on the name.

use chrono::NaiveDate;
use domain::organization::Role;
use domain::phone::PhoneNumber;
use domain::region::{jurisdiction_covers, RegionCode};
use domain::resident_id::ResidentId;
use domain::validation::Collector;
use persistence::people::{self, Person};
use persistence::DbConnection;
use persistence::{certificates, engineers, organizations};
use uuid::Uuid;

use crate::access::Sight;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::routes::organizations::region_info;
use crate::schemas::person::PersonInput;

/// A person named in a request, checked but not yet looked up.
#[derive(Debug, Clone)]
pub struct NamedPerson {
    pub resident_id: ResidentId,
    pub name: String,
    pub phone: Option<PhoneNumber>,
}

/// Checks the identity number's check character and the phone; every
/// failure is named under `prefix` (e.g. `holder.resident_id`).
pub fn check_person(prefix: &str, input: &PersonInput, v: &mut Collector) -> Option<NamedPerson> {
    let resident_id = v.check(&format!("{prefix}.resident_id"), ResidentId::parse(&input.resident_id));
    let phone = match &input.phone {
        Some(phone) => Some(v.check(&format!("{prefix}.phone"), PhoneNumber::parse(phone))?),
        None => None,
    };
    Some(NamedPerson { resident_id: resident_id?, name: input.name.clone(), phone })
}

/// The stored person with this identity number, created when unknown. A
/// known person under another name is a 422 on `{prefix}.name`: the public
/// certificate check relies on the name, so it must not drift silently.
pub fn find_or_create(conn: &mut DbConnection, prefix: &str, named: &NamedPerson) -> Result<Person, ApiError> {
    let person =
        people::find_or_create(conn, &named.resident_id, &named.name, named.phone.as_ref(), crate::clock::now())?;
    if person.name != named.name {
        return Err(ApiError::invalid_field(
            &format!("{prefix}.name"),
            "name_mismatch",
            "a person with this identity number is recorded under another name",
        ));
    }
    Ok(person)
}

/// How much of a person a caller may see (CONVENTIONS.md, personal data):
/// admins whole; a regulator whole when its jurisdiction covers the person
/// ([`regulator_covers`]), masked otherwise; the organisation employing the
/// person on `today` whole; portals masked; everyone else nothing.
pub fn person_sight(
    conn: &mut DbConnection,
    caller: &Caller,
    person_id: Uuid,
    today: NaiveDate,
) -> Result<Sight, ApiError> {
    Ok(match caller.role {
        Role::Admin => Sight::Full,
        Role::Regulator => match caller.jurisdiction() {
            Some(jurisdiction) if regulator_covers(conn, jurisdiction, person_id, today)? => Sight::Full,
            _ => Sight::Masked,
        },
        Role::Portal => Sight::Masked,
        Role::Insurer | Role::Agency | Role::Enterprise => match caller.organization_id {
            Some(org) if people::employs(conn, org, person_id, today)? => Sight::Full,
            _ => Sight::Hidden,
        },
    })
}

/// Whether a regulator's jurisdiction covers a person (a city regulator
/// sees only its own jurisdiction): the province covers everyone; a city or
/// county covers a person employed on `today` by an organisation in it,
/// holding a certificate issued in it, or registered as an engineer with an
/// employer in it.
fn regulator_covers(
    conn: &mut DbConnection,
    jurisdiction: &RegionCode,
    person_id: Uuid,
    today: NaiveDate,
) -> Result<bool, ApiError> {
    if jurisdiction.is_province() {
        return Ok(true);
    }
    let mut employers: Vec<Uuid> =
        people::employments_of(conn, person_id)?.iter().filter(|e| e.on(today)).map(|e| e.organization_id).collect();
    employers.extend(engineers::of_person(conn, person_id)?.iter().map(|e| e.employer_id));
    let mut regions: Vec<RegionCode> =
        certificates::of_person(conn, person_id)?.into_iter().map(|c| c.issuing_region).collect();
    for employer in employers {
        if let Some(org) = organizations::find(conn, employer)? {
            regions.push(org.region_code);
        }
    }
    for region in regions {
        if region_info(conn, &region)?.is_some_and(|info| jurisdiction_covers(jurisdiction, &info)) {
            return Ok(true);
        }
    }
    Ok(false)
}
