//! Sanctions (豫安委〔2017〕17号 八(一) exit ladder) and bans (八(二):
//! 行业禁入 on an organisation, 职业禁入 on a person).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::region::RegionCode;
use domain::sanctions::{BanKind, SanctionKind};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{bans, sanctions};
use crate::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanctionRecord {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: SanctionKind,
    pub decided_on: NaiveDate,
    /// Rectification orders: the deadline.
    pub deadline: Option<NaiveDate>,
    /// Rectification orders: the day compliance was confirmed.
    pub complied_on: Option<NaiveDate>,
    /// Service suspensions: first and last day, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub reason: String,
    pub case_ref: Option<String>,
    pub decided_by: String,
    pub decided_region: RegionCode,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewSanction {
    pub organization_id: Uuid,
    pub kind: SanctionKind,
    pub decided_on: NaiveDate,
    pub deadline: Option<NaiveDate>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub reason: String,
    pub case_ref: Option<String>,
    pub decided_by: String,
    pub decided_region: RegionCode,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = sanctions)]
struct SanctionRow {
    id: String,
    organization_id: String,
    kind: String,
    decided_on: NaiveDate,
    deadline: Option<NaiveDate>,
    complied_on: Option<NaiveDate>,
    from_date: Option<NaiveDate>,
    to_date: Option<NaiveDate>,
    reason: String,
    case_ref: Option<String>,
    decided_by: String,
    decided_region: String,
    created_at: NaiveDateTime,
}

impl TryFrom<SanctionRow> for SanctionRecord {
    type Error = StoreError;

    fn try_from(row: SanctionRow) -> StoreResult<SanctionRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("sanctions.{what} of {}", row.id));
        Ok(SanctionRecord {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            organization_id: Uuid::parse_str(&row.organization_id).map_err(|_| corrupt("organization_id"))?,
            kind: SanctionKind::parse(&row.kind).map_err(|_| corrupt("kind"))?,
            decided_region: RegionCode::parse(&row.decided_region).map_err(|_| corrupt("decided_region"))?,
            decided_on: row.decided_on,
            deadline: row.deadline,
            complied_on: row.complied_on,
            from: row.from_date,
            to: row.to_date,
            reason: row.reason,
            case_ref: row.case_ref,
            decided_by: row.decided_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn insert(conn: &mut DbConnection, new: &NewSanction, now: DateTime<Utc>) -> StoreResult<SanctionRecord> {
    let row = SanctionRow {
        id: Uuid::now_v7().to_string(),
        organization_id: new.organization_id.to_string(),
        kind: new.kind.as_str().to_owned(),
        decided_on: new.decided_on,
        deadline: new.deadline,
        complied_on: None,
        from_date: new.from,
        to_date: new.to,
        reason: new.reason.clone(),
        case_ref: new.case_ref.clone(),
        decided_by: new.decided_by.clone(),
        decided_region: new.decided_region.as_str().to_owned(),
        created_at: now.naive_utc(),
    };
    let stored: SanctionRow = with_conn!(conn, c => diesel::insert_into(sanctions::table)
        .values(&row)
        .returning(SanctionRow::as_returning())
        .get_result(c))?;
    SanctionRecord::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<SanctionRecord>> {
    let key = id.to_string();
    let row: Option<SanctionRow> =
        with_conn!(conn, c => sanctions::table.find(&key).select(SanctionRow::as_select()).first(c).optional())?;
    row.map(SanctionRecord::try_from).transpose()
}

/// Every sanction of an organisation, oldest first.
pub fn of_organization(conn: &mut DbConnection, organization_id: Uuid) -> StoreResult<Vec<SanctionRecord>> {
    let key = organization_id.to_string();
    let rows: Vec<SanctionRow> = with_conn!(conn, c => sanctions::table
        .filter(sanctions::organization_id.eq(&key))
        .select(SanctionRow::as_select())
        .order((sanctions::decided_on, sanctions::id))
        .load(c))?;
    rows.into_iter().map(SanctionRecord::try_from).collect()
}

/// Records compliance with a rectification order once; a second time is
/// [`StoreError::VersionConflict`].
pub fn mark_complied(conn: &mut DbConnection, id: Uuid, on: NaiveDate) -> StoreResult<SanctionRecord> {
    let key = id.to_string();
    let row: Option<SanctionRow> = with_conn!(conn, c => diesel::update(
            sanctions::table.filter(sanctions::id.eq(&key)).filter(sanctions::complied_on.is_null()),
        )
        .set(sanctions::complied_on.eq(Some(on)))
        .returning(SanctionRow::as_returning())
        .get_result(c)
        .optional())?;
    match row {
        Some(row) => SanctionRecord::try_from(row),
        None if find(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}

/// A ban, on an organisation or on a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanRecord {
    pub id: Uuid,
    pub kind: BanKind,
    pub organization_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub from: NaiveDate,
    /// Last day, inclusive; `None` when permanent.
    pub to: Option<NaiveDate>,
    /// The accident or case the ban comes from.
    pub case_ref: String,
    pub reason: String,
    pub decided_by: String,
    pub decided_region: RegionCode,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewBan {
    pub kind: BanKind,
    pub organization_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
    pub case_ref: String,
    pub reason: String,
    pub decided_by: String,
    pub decided_region: RegionCode,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = bans)]
struct BanRow {
    id: String,
    kind: String,
    organization_id: Option<String>,
    person_id: Option<String>,
    from_date: NaiveDate,
    to_date: Option<NaiveDate>,
    case_ref: String,
    reason: String,
    decided_by: String,
    decided_region: String,
    created_at: NaiveDateTime,
}

impl TryFrom<BanRow> for BanRecord {
    type Error = StoreError;

    fn try_from(row: BanRow) -> StoreResult<BanRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("bans.{what} of {}", row.id));
        let uuid =
            |text: Option<&str>, what: &str| text.map(|t| Uuid::parse_str(t).map_err(|_| corrupt(what))).transpose();
        Ok(BanRecord {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            kind: BanKind::parse(&row.kind).map_err(|_| corrupt("kind"))?,
            organization_id: uuid(row.organization_id.as_deref(), "organization_id")?,
            person_id: uuid(row.person_id.as_deref(), "person_id")?,
            decided_region: RegionCode::parse(&row.decided_region).map_err(|_| corrupt("decided_region"))?,
            from: row.from_date,
            to: row.to_date,
            case_ref: row.case_ref,
            reason: row.reason,
            decided_by: row.decided_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn insert_ban(conn: &mut DbConnection, new: &NewBan, now: DateTime<Utc>) -> StoreResult<BanRecord> {
    let row = BanRow {
        id: Uuid::now_v7().to_string(),
        kind: new.kind.as_str().to_owned(),
        organization_id: new.organization_id.map(|id| id.to_string()),
        person_id: new.person_id.map(|id| id.to_string()),
        from_date: new.from,
        to_date: new.to,
        case_ref: new.case_ref.clone(),
        reason: new.reason.clone(),
        decided_by: new.decided_by.clone(),
        decided_region: new.decided_region.as_str().to_owned(),
        created_at: now.naive_utc(),
    };
    let stored: BanRow = with_conn!(conn, c => diesel::insert_into(bans::table)
        .values(&row)
        .returning(BanRow::as_returning())
        .get_result(c))?;
    BanRecord::try_from(stored)
}

/// Every ban on an organisation, oldest first.
pub fn bans_of_organization(conn: &mut DbConnection, organization_id: Uuid) -> StoreResult<Vec<BanRecord>> {
    let key = organization_id.to_string();
    let rows: Vec<BanRow> = with_conn!(conn, c => bans::table
        .filter(bans::organization_id.eq(&key))
        .select(BanRow::as_select())
        .order((bans::from_date, bans::id))
        .load(c))?;
    rows.into_iter().map(BanRecord::try_from).collect()
}

/// Every ban on a person, oldest first.
pub fn bans_of_person(conn: &mut DbConnection, person_id: Uuid) -> StoreResult<Vec<BanRecord>> {
    let key = person_id.to_string();
    let rows: Vec<BanRow> = with_conn!(conn, c => bans::table
        .filter(bans::person_id.eq(&key))
        .select(BanRow::as_select())
        .order((bans::from_date, bans::id))
        .load(c))?;
    rows.into_iter().map(BanRecord::try_from).collect()
}
