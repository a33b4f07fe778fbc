//! Registered safety engineers (注册安全工程师) and the organisations that
//! must employ them (豫安委〔2017〕17号 四(一)).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::{exists, not};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use domain::engineers::{EngineerCategory, EngineerLevel};
use domain::organization::{OrganizationKind, OrganizationStatus, Sector};
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::organizations::{Organization, OrganizationRow};
use crate::schema::{engineers, organizations};
use crate::{DbConnection, Page};

/// One registration of a registered safety engineer with an employer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engineer {
    pub id: Uuid,
    pub person_id: Uuid,
    pub level: EngineerLevel,
    pub category: EngineerCategory,
    pub registration_number: String,
    pub registered_on: NaiveDate,
    /// Last day in force (inclusive).
    pub valid_until: NaiveDate,
    /// The rule version that gave `valid_until`.
    pub validity_rule_version: String,
    pub employer_id: Uuid,
    pub continuing_education_hours: u32,
    pub created_at: DateTime<Utc>,
}

/// What a new registration is; the id is generated here.
#[derive(Debug, Clone)]
pub struct NewEngineer {
    pub person_id: Uuid,
    pub level: EngineerLevel,
    pub category: EngineerCategory,
    pub registration_number: String,
    pub registered_on: NaiveDate,
    pub valid_until: NaiveDate,
    pub validity_rule_version: String,
    pub employer_id: Uuid,
    pub continuing_education_hours: u32,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = engineers)]
struct EngineerRow {
    id: String,
    person_id: String,
    level: String,
    category: String,
    registration_number: String,
    registered_on: NaiveDate,
    valid_until: NaiveDate,
    validity_rule_version: String,
    employer_id: String,
    continuing_education_hours: i32,
    created_at: NaiveDateTime,
}

impl TryFrom<EngineerRow> for Engineer {
    type Error = StoreError;

    fn try_from(row: EngineerRow) -> StoreResult<Engineer> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("engineers.{what} of {}", row.id));
        Ok(Engineer {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            person_id: Uuid::parse_str(&row.person_id).map_err(|_| corrupt("person_id"))?,
            level: EngineerLevel::parse(&row.level).map_err(|_| corrupt("level"))?,
            category: EngineerCategory::parse(&row.category).map_err(|_| corrupt("category"))?,
            employer_id: Uuid::parse_str(&row.employer_id).map_err(|_| corrupt("employer_id"))?,
            continuing_education_hours: u32::try_from(row.continuing_education_hours)
                .map_err(|_| corrupt("continuing_education_hours"))?,
            registration_number: row.registration_number,
            registered_on: row.registered_on,
            valid_until: row.valid_until,
            validity_rule_version: row.validity_rule_version,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores a registration; a registration number already stored is
/// [`StoreError::Duplicate`].
pub fn insert(conn: &mut DbConnection, new: &NewEngineer, now: DateTime<Utc>) -> StoreResult<Engineer> {
    // The column is a 32-bit INTEGER on both backends.
    let hours = i32::try_from(new.continuing_education_hours)
        .map_err(|e| StoreError::Database(DieselError::SerializationError(Box::new(e))))?;
    let row = EngineerRow {
        id: Uuid::now_v7().to_string(),
        person_id: new.person_id.to_string(),
        level: new.level.as_str().to_owned(),
        category: new.category.as_str().to_owned(),
        registration_number: new.registration_number.clone(),
        registered_on: new.registered_on,
        valid_until: new.valid_until,
        validity_rule_version: new.validity_rule_version.clone(),
        employer_id: new.employer_id.to_string(),
        continuing_education_hours: hours,
        created_at: now.naive_utc(),
    };
    let stored: EngineerRow = with_conn!(conn, c => diesel::insert_into(engineers::table)
        .values(&row)
        .returning(EngineerRow::as_returning())
        .get_result(c))?;
    Engineer::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Engineer>> {
    let key = id.to_string();
    let row: Option<EngineerRow> =
        with_conn!(conn, c => engineers::table.find(&key).select(EngineerRow::as_select()).first(c).optional())?;
    row.map(Engineer::try_from).transpose()
}

/// Every registration of a person, oldest first (registered_on, id).
pub fn of_person(conn: &mut DbConnection, person_id: Uuid) -> StoreResult<Vec<Engineer>> {
    let key = person_id.to_string();
    let rows: Vec<EngineerRow> = with_conn!(conn, c => engineers::table
        .filter(engineers::person_id.eq(&key))
        .select(EngineerRow::as_select())
        .order((engineers::registered_on, engineers::id))
        .load(c))?;
    rows.into_iter().map(Engineer::try_from).collect()
}

/// Registrations of this employer in force on `on` (registered_on <= on <=
/// valid_until), for its staffing verdict (四(一)).
pub fn count_in_force(conn: &mut DbConnection, employer_id: Uuid, on: NaiveDate) -> StoreResult<u32> {
    let key = employer_id.to_string();
    let n: i64 = with_conn!(conn, c => engineers::table
        .filter(engineers::employer_id.eq(&key))
        .filter(engineers::registered_on.le(on))
        .filter(engineers::valid_until.ge(on))
        .count()
        .get_result(c))?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Whether the person holds a registration in force on `on`, with any
/// employer.
pub fn person_registered(conn: &mut DbConnection, person_id: Uuid, on: NaiveDate) -> StoreResult<bool> {
    let key = person_id.to_string();
    Ok(with_conn!(conn, c => diesel::select(exists(
            engineers::table
                .filter(engineers::person_id.eq(&key))
                .filter(engineers::registered_on.le(on))
                .filter(engineers::valid_until.ge(on)),
        ))
        .get_result::<bool>(c))?)
}

/// Organisations that must employ registered safety engineers and have no
/// registration in force on `on` (四(一) non-compliant list), not revoked, in
/// id order. The caller decides who must: every organisation of `kinds`, and
/// enterprises of `enterprise_sectors`.
#[allow(clippy::too_many_arguments)]
pub fn noncompliant(
    conn: &mut DbConnection,
    on: NaiveDate,
    kinds: &[OrganizationKind],
    enterprise_sectors: &[Sector],
    region: Option<&RegionCode>,
    jurisdiction: Option<&RegionCode>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Organization>> {
    let kinds: Vec<&str> = kinds.iter().map(|k| k.as_str()).collect();
    let sectors: Vec<&str> = enterprise_sectors.iter().map(|s| s.as_str()).collect();
    let region = region.map(|r| r.as_str().to_owned());
    let supervised = match jurisdiction.filter(|j| !j.is_province()) {
        Some(code) => Some(crate::regions::supervised_codes(conn, code)?),
        None => None,
    };
    let after = after.map(|id| id.to_string());
    let rows: Vec<OrganizationRow> = with_conn!(conn, c => {
        let mut query = organizations::table
            .select(OrganizationRow::as_select())
            .filter(organizations::status.ne(OrganizationStatus::Revoked.as_str()))
            .filter(
                organizations::kind.eq_any(&kinds).or(organizations::kind
                    .eq(OrganizationKind::Enterprise.as_str())
                    .and(organizations::sector.assume_not_null().eq_any(&sectors))),
            )
            .filter(not(exists(
                engineers::table
                    .filter(engineers::employer_id.eq(organizations::id))
                    .filter(engineers::registered_on.le(on))
                    .filter(engineers::valid_until.ge(on)),
            )))
            .into_boxed();
        if let Some(region) = &region {
            query = query.filter(organizations::region_code.eq(region));
        }
        if let Some(codes) = &supervised {
            query = query.filter(organizations::region_code.eq_any(codes));
        }
        if let Some(after) = &after {
            query = query.filter(organizations::id.gt(after));
        }
        query.order(organizations::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Organization::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |o| o.id.to_string()))
}
