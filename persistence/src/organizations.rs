//! The organisation registry: every party of the policy, keyed by a server
//! UUID and unique by its unified social credit code.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::credit_code::CreditCode;
use domain::organization::{OrganizationKind, OrganizationStatus, Sector, ServiceType};
use domain::phone::PhoneNumber;
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{organizations, regions};
use crate::{DbConnection, Page};

/// An agency's qualification certificate (八(一)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qualification {
    pub number: String,
    pub scope: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
}

/// An organisation as stored, with every field in its domain type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organization {
    pub id: Uuid,
    pub credit_code: CreditCode,
    pub name: String,
    pub kind: OrganizationKind,
    pub region_code: RegionCode,
    pub address: Option<String>,
    pub legal_representative: Option<String>,
    pub contact_phone: Option<PhoneNumber>,
    pub sector: Option<Sector>,
    pub employee_count: Option<i32>,
    pub service_types: Vec<ServiceType>,
    pub qualification: Option<Qualification>,
    pub status: OrganizationStatus,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The writable fields of an organisation (everything but identity,
/// version and timestamps).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationFields {
    pub name: String,
    pub region_code: RegionCode,
    pub address: Option<String>,
    pub legal_representative: Option<String>,
    pub contact_phone: Option<PhoneNumber>,
    pub sector: Option<Sector>,
    pub employee_count: Option<i32>,
    pub service_types: Vec<ServiceType>,
    pub qualification: Option<Qualification>,
    pub status: OrganizationStatus,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = organizations)]
pub(crate) struct OrganizationRow {
    id: String,
    credit_code: String,
    name: String,
    kind: String,
    region_code: String,
    address: Option<String>,
    legal_representative: Option<String>,
    contact_phone: Option<String>,
    sector: Option<String>,
    employee_count: Option<i32>,
    service_types: String,
    qualification_number: Option<String>,
    qualification_scope: Option<String>,
    qualification_valid_from: Option<NaiveDate>,
    qualification_valid_until: Option<NaiveDate>,
    status: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
struct OrganizationChangeset {
    name: String,
    region_code: String,
    address: Option<String>,
    legal_representative: Option<String>,
    contact_phone: Option<String>,
    sector: Option<String>,
    employee_count: Option<i32>,
    service_types: String,
    qualification_number: Option<String>,
    qualification_scope: Option<String>,
    qualification_valid_from: Option<NaiveDate>,
    qualification_valid_until: Option<NaiveDate>,
    status: String,
    version: i64,
    updated_at: NaiveDateTime,
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("organizations.{what} = {value:?}"))
}

fn service_types_json(types: &[ServiceType]) -> String {
    let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
    serde_json::to_string(&names).unwrap_or_else(|_| "[]".to_owned())
}

impl OrganizationFields {
    fn changeset(&self, version: i64, now: NaiveDateTime) -> OrganizationChangeset {
        let q = self.qualification.as_ref();
        OrganizationChangeset {
            name: self.name.clone(),
            region_code: self.region_code.as_str().to_owned(),
            address: self.address.clone(),
            legal_representative: self.legal_representative.clone(),
            contact_phone: self.contact_phone.as_ref().map(|p| p.as_str().to_owned()),
            sector: self.sector.map(|s| s.as_str().to_owned()),
            employee_count: self.employee_count,
            service_types: service_types_json(&self.service_types),
            qualification_number: q.map(|q| q.number.clone()),
            qualification_scope: q.and_then(|q| q.scope.clone()),
            qualification_valid_from: q.and_then(|q| q.valid_from),
            qualification_valid_until: q.and_then(|q| q.valid_until),
            status: self.status.as_str().to_owned(),
            version,
            updated_at: now,
        }
    }
}

impl TryFrom<OrganizationRow> for Organization {
    type Error = StoreError;

    fn try_from(row: OrganizationRow) -> StoreResult<Organization> {
        let names: Vec<String> =
            serde_json::from_str(&row.service_types).map_err(|_| corrupt("service_types", &row.service_types))?;
        let service_types = names
            .iter()
            .map(|n| ServiceType::parse(n).map_err(|_| corrupt("service_types", n)))
            .collect::<StoreResult<Vec<_>>>()?;
        let qualification = row.qualification_number.map(|number| Qualification {
            number,
            scope: row.qualification_scope,
            valid_from: row.qualification_valid_from,
            valid_until: row.qualification_valid_until,
        });
        Ok(Organization {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id", &row.id))?,
            credit_code: CreditCode::parse(&row.credit_code).map_err(|_| corrupt("credit_code", &row.credit_code))?,
            kind: OrganizationKind::parse(&row.kind).map_err(|_| corrupt("kind", &row.kind))?,
            region_code: RegionCode::parse(&row.region_code).map_err(|_| corrupt("region_code", &row.region_code))?,
            contact_phone: row
                .contact_phone
                .as_deref()
                .map(|p| PhoneNumber::parse(p).map_err(|_| corrupt("contact_phone", p)))
                .transpose()?,
            sector: row.sector.as_deref().map(|s| Sector::parse(s).map_err(|_| corrupt("sector", s))).transpose()?,
            status: OrganizationStatus::parse(&row.status).map_err(|_| corrupt("status", &row.status))?,
            name: row.name,
            address: row.address,
            legal_representative: row.legal_representative,
            employee_count: row.employee_count,
            service_types,
            qualification,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// Stores a new organisation with version 1. A taken credit code is
/// [`StoreError::Duplicate`].
pub fn insert(
    conn: &mut DbConnection,
    credit_code: &CreditCode,
    kind: OrganizationKind,
    fields: &OrganizationFields,
    now: DateTime<Utc>,
) -> StoreResult<Organization> {
    let now = now.naive_utc();
    let c = fields.changeset(1, now);
    let row = OrganizationRow {
        id: Uuid::now_v7().to_string(),
        credit_code: credit_code.as_str().to_owned(),
        name: c.name,
        kind: kind.as_str().to_owned(),
        region_code: c.region_code,
        address: c.address,
        legal_representative: c.legal_representative,
        contact_phone: c.contact_phone,
        sector: c.sector,
        employee_count: c.employee_count,
        service_types: c.service_types,
        qualification_number: c.qualification_number,
        qualification_scope: c.qualification_scope,
        qualification_valid_from: c.qualification_valid_from,
        qualification_valid_until: c.qualification_valid_until,
        status: c.status,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let stored: OrganizationRow = with_conn!(conn, c => diesel::insert_into(organizations::table)
        .values(&row)
        .returning(OrganizationRow::as_returning())
        .get_result(c))?;
    Organization::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Organization>> {
    let id = id.to_string();
    let row: Option<OrganizationRow> = with_conn!(conn, c => organizations::table
        .find(&id)
        .select(OrganizationRow::as_select())
        .first(c)
        .optional())?;
    row.map(Organization::try_from).transpose()
}

pub fn find_by_credit_code(conn: &mut DbConnection, code: &CreditCode) -> StoreResult<Option<Organization>> {
    let row: Option<OrganizationRow> = with_conn!(conn, c => organizations::table
        .filter(organizations::credit_code.eq(code.as_str()))
        .select(OrganizationRow::as_select())
        .first(c)
        .optional())?;
    row.map(Organization::try_from).transpose()
}

/// Replaces the writable fields if the stored version is still `expected`.
/// Returns [`StoreError::NotFound`] or [`StoreError::VersionConflict`].
pub fn update(
    conn: &mut DbConnection,
    id: Uuid,
    expected_version: i64,
    fields: &OrganizationFields,
    now: DateTime<Utc>,
) -> StoreResult<Organization> {
    let key = id.to_string();
    let changes = fields.changeset(expected_version + 1, now.naive_utc());
    let updated: Option<OrganizationRow> = with_conn!(conn, c => diesel::update(
            organizations::table
                .filter(organizations::id.eq(&key))
                .filter(organizations::version.eq(expected_version)),
        )
        .set(&changes)
        .returning(OrganizationRow::as_returning())
        .get_result(c)
        .optional())?;
    match updated {
        Some(row) => Organization::try_from(row),
        None if find(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}

/// Sets the registry status, bumping the version as [`update`] does so that
/// tags and conditional requests see the change (八(一): a revocation makes the
/// organisation `revoked`). Returns [`StoreError::NotFound`] for an unknown id.
pub fn set_status(
    conn: &mut DbConnection,
    id: Uuid,
    status: OrganizationStatus,
    now: DateTime<Utc>,
) -> StoreResult<Organization> {
    let key = id.to_string();
    let updated: Option<OrganizationRow> = with_conn!(conn, c => diesel::update(organizations::table.find(&key))
        .set((
            organizations::status.eq(status.as_str()),
            organizations::version.eq(organizations::version + 1),
            organizations::updated_at.eq(now.naive_utc()),
        ))
        .returning(OrganizationRow::as_returning())
        .get_result(c)
        .optional())?;
    updated.map(Organization::try_from).transpose()?.ok_or(StoreError::NotFound)
}

/// Filters of the registry list; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub region: Option<RegionCode>,
    pub sector: Option<Sector>,
    pub credit_code: Option<CreditCode>,
    /// Substring of the name.
    pub name_contains: Option<String>,
    /// Only organisations a regulator of this jurisdiction supervises.
    pub jurisdiction: Option<RegionCode>,
    /// Only this organisation (callers bound to one organisation).
    pub only_id: Option<Uuid>,
}

/// Escapes LIKE wildcards so user text matches literally.
fn like_pattern(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 2);
    escaped.push('%');
    for ch in text.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(ch);
    }
    escaped.push('%');
    escaped
}

/// Lists organisations in id order (UUIDv7, so creation order), `limit` per
/// page, starting after the id `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &OrganizationFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Organization>> {
    let kind = filter.kind.map(|k| k.as_str());
    let region = filter.region.as_ref().map(|r| r.as_str().to_owned());
    let sector = filter.sector.map(|s| s.as_str());
    let credit_code = filter.credit_code.as_ref().map(|c| c.as_str().to_owned());
    let pattern = filter.name_contains.as_deref().map(like_pattern);
    let jurisdiction = filter.jurisdiction.as_ref().filter(|j| !j.is_province()).map(|j| j.as_str().to_owned());
    let only_id = filter.only_id.map(|id| id.to_string());
    let after = after.map(|id| id.to_string());

    let rows: Vec<OrganizationRow> = with_conn!(conn, c => {
        let mut query = organizations::table.select(OrganizationRow::as_select()).into_boxed();
        if let Some(kind) = kind {
            query = query.filter(organizations::kind.eq(kind));
        }
        if let Some(region) = &region {
            query = query.filter(organizations::region_code.eq(region));
        }
        if let Some(sector) = sector {
            query = query.filter(organizations::sector.eq(sector));
        }
        if let Some(code) = &credit_code {
            query = query.filter(organizations::credit_code.eq(code));
        }
        if let Some(pattern) = &pattern {
            query = query.filter(organizations::name.like(pattern).escape('\\'));
        }
        if let Some(jurisdiction) = &jurisdiction {
            query = query.filter(
                organizations::region_code.eq_any(
                    regions::table
                        .select(regions::code)
                        .filter(regions::code.eq(jurisdiction).or(regions::supervisor_code.eq(jurisdiction))),
                ),
            );
        }
        if let Some(id) = &only_id {
            query = query.filter(organizations::id.eq(id));
        }
        if let Some(after) = &after {
            query = query.filter(organizations::id.gt(after));
        }
        query.order(organizations::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Organization::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |o| o.id.to_string()))
}

/// Enterprises of the given sectors, not revoked, without a policy in force
/// on `on` (三(一) uncovered list), in id order.
pub fn uncovered(
    conn: &mut DbConnection,
    on: NaiveDate,
    sectors: &[Sector],
    region: Option<&RegionCode>,
    jurisdiction: Option<&RegionCode>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Organization>> {
    use crate::schema::insurance_policies;
    let sectors: Vec<&str> = sectors.iter().map(|s| s.as_str()).collect();
    let region = region.map(|r| r.as_str().to_owned());
    let supervised = match jurisdiction.filter(|j| !j.is_province()) {
        Some(code) => Some(crate::regions::supervised_codes(conn, code)?),
        None => None,
    };
    let after = after.map(|id| id.to_string());
    let rows: Vec<OrganizationRow> = with_conn!(conn, c => {
        let mut query = organizations::table
            .select(OrganizationRow::as_select())
            .filter(organizations::kind.eq(OrganizationKind::Enterprise.as_str()))
            .filter(organizations::status.ne(OrganizationStatus::Revoked.as_str()))
            .filter(organizations::sector.assume_not_null().eq_any(&sectors))
            .filter(diesel::dsl::not(diesel::dsl::exists(
                insurance_policies::table
                    .filter(insurance_policies::enterprise_id.eq(organizations::id))
                    .filter(insurance_policies::start_date.le(on))
                    .filter(insurance_policies::end_date.ge(on)),
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

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn like_wildcards_are_escaped() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }
}
