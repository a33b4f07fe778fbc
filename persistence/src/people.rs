//! Persons, identified by their resident identity number (GB 11643), and
//! their employment by organisations (四(一): who staffs whom).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::phone::PhoneNumber;
use domain::resident_id::ResidentId;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{employments, persons};
use crate::{DbConnection, Page};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: Uuid,
    pub resident_id: ResidentId,
    pub name: String,
    pub phone: Option<PhoneNumber>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = persons)]
struct PersonRow {
    id: String,
    resident_id: String,
    name: String,
    phone: Option<String>,
    created_at: NaiveDateTime,
}

impl TryFrom<PersonRow> for Person {
    type Error = StoreError;

    fn try_from(row: PersonRow) -> StoreResult<Person> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("persons.{what} of {}", row.id));
        Ok(Person {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            resident_id: ResidentId::parse(&row.resident_id).map_err(|_| corrupt("resident_id"))?,
            phone: row.phone.as_deref().map(|p| PhoneNumber::parse(p).map_err(|_| corrupt("phone"))).transpose()?,
            name: row.name,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn find_by_resident_id(conn: &mut DbConnection, resident_id: &ResidentId) -> StoreResult<Option<Person>> {
    let row: Option<PersonRow> = with_conn!(conn, c => persons::table
        .filter(persons::resident_id.eq(resident_id.as_str()))
        .select(PersonRow::as_select())
        .first(c)
        .optional())?;
    row.map(Person::try_from).transpose()
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Person>> {
    let key = id.to_string();
    let row: Option<PersonRow> =
        with_conn!(conn, c => persons::table.find(&key).select(PersonRow::as_select()).first(c).optional())?;
    row.map(Person::try_from).transpose()
}

/// The person with this identity number, created with `name` and `phone`
/// when unknown. An existing person keeps the stored name and phone.
pub fn find_or_create(
    conn: &mut DbConnection,
    resident_id: &ResidentId,
    name: &str,
    phone: Option<&PhoneNumber>,
    now: DateTime<Utc>,
) -> StoreResult<Person> {
    if let Some(person) = find_by_resident_id(conn, resident_id)? {
        return Ok(person);
    }
    let row = PersonRow {
        id: Uuid::now_v7().to_string(),
        resident_id: resident_id.as_str().to_owned(),
        name: name.to_owned(),
        phone: phone.map(|p| p.as_str().to_owned()),
        created_at: now.naive_utc(),
    };
    let stored: PersonRow = with_conn!(conn, c => diesel::insert_into(persons::table)
        .values(&row)
        .returning(PersonRow::as_returning())
        .get_result(c))?;
    Person::try_from(stored)
}

/// A person's employment by an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Employment {
    pub id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub position: String,
    /// Head of the safety management department (安全生产管理机构负责人).
    pub safety_head: bool,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Employment {
    /// Employed on `on` (both ends inclusive).
    pub fn on(&self, on: NaiveDate) -> bool {
        self.from <= on && self.to.is_none_or(|to| on <= to)
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = employments)]
struct EmploymentRow {
    id: String,
    person_id: String,
    organization_id: String,
    position: String,
    safety_head: bool,
    from_date: NaiveDate,
    to_date: Option<NaiveDate>,
    created_at: NaiveDateTime,
}

impl TryFrom<EmploymentRow> for Employment {
    type Error = StoreError;

    fn try_from(row: EmploymentRow) -> StoreResult<Employment> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("employments.{what} of {}", row.id));
        Ok(Employment {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            person_id: Uuid::parse_str(&row.person_id).map_err(|_| corrupt("person_id"))?,
            organization_id: Uuid::parse_str(&row.organization_id).map_err(|_| corrupt("organization_id"))?,
            position: row.position,
            safety_head: row.safety_head,
            from: row.from_date,
            to: row.to_date,
        })
    }
}

/// What a new employment is; the id is generated here.
#[derive(Debug, Clone)]
pub struct NewEmployment {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub position: String,
    pub safety_head: bool,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

pub fn insert_employment(conn: &mut DbConnection, e: &NewEmployment, now: DateTime<Utc>) -> StoreResult<Employment> {
    let row = EmploymentRow {
        id: Uuid::now_v7().to_string(),
        person_id: e.person_id.to_string(),
        organization_id: e.organization_id.to_string(),
        position: e.position.clone(),
        safety_head: e.safety_head,
        from_date: e.from,
        to_date: e.to,
        created_at: now.naive_utc(),
    };
    let stored: EmploymentRow = with_conn!(conn, c => diesel::insert_into(employments::table)
        .values(&row)
        .returning(EmploymentRow::as_returning())
        .get_result(c))?;
    Employment::try_from(stored)
}

/// Every employment of a person, oldest first.
pub fn employments_of(conn: &mut DbConnection, person_id: Uuid) -> StoreResult<Vec<Employment>> {
    let key = person_id.to_string();
    let rows: Vec<EmploymentRow> = with_conn!(conn, c => employments::table
        .filter(employments::person_id.eq(&key))
        .select(EmploymentRow::as_select())
        .order((employments::from_date, employments::id))
        .load(c))?;
    rows.into_iter().map(Employment::try_from).collect()
}

/// Every employment at an organisation, oldest first (from_date, id): its
/// staff for the engineer staffing verdict (四(一)).
pub fn staff_of(conn: &mut DbConnection, organization_id: Uuid) -> StoreResult<Vec<Employment>> {
    let key = organization_id.to_string();
    let rows: Vec<EmploymentRow> = with_conn!(conn, c => employments::table
        .filter(employments::organization_id.eq(&key))
        .select(EmploymentRow::as_select())
        .order((employments::from_date, employments::id))
        .load(c))?;
    rows.into_iter().map(Employment::try_from).collect()
}

/// One page of an organisation's employments in id (recording) order,
/// starting after the employment id `after`.
pub fn staff_page(
    conn: &mut DbConnection,
    organization_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Employment>> {
    let key = organization_id.to_string();
    let after = after.map(|id| id.to_string());
    let rows: Vec<EmploymentRow> = with_conn!(conn, c => {
        let mut query = employments::table
            .filter(employments::organization_id.eq(&key))
            .select(EmploymentRow::as_select())
            .into_boxed();
        if let Some(after) = &after {
            query = query.filter(employments::id.gt(after));
        }
        query.order(employments::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Employment::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |e| e.id.to_string()))
}

/// Whether `organization_id` employs `person_id` on `on`: the employer sees
/// its staff's identity numbers whole.
pub fn employs(conn: &mut DbConnection, organization_id: Uuid, person_id: Uuid, on: NaiveDate) -> StoreResult<bool> {
    Ok(employments_of(conn, person_id)?.iter().any(|e| e.organization_id == organization_id && e.on(on)))
}
