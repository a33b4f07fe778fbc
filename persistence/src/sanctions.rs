//! Sanctions (豫安委〔2017〕17号 八(一) exit ladder) and bans (八(二):
//! 行业禁入 on an organisation, 职业禁入 on a person).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::region::RegionCode;
use domain::sanctions::{BanKind, RectificationStatus, SanctionKind};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{bans, organizations, sanctions};
use crate::{DbConnection, Page};

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

impl SanctionRecord {
    /// The decision as the domain rules read it (豫安委〔2017〕17号 八(一)).
    pub fn decision(&self) -> domain::sanctions::Sanction {
        domain::sanctions::Sanction {
            kind: self.kind,
            decided_on: self.decided_on,
            deadline: self.deadline,
            complied_on: self.complied_on,
            from: self.from,
            to: self.to,
        }
    }
}

impl BanRecord {
    /// The ban as the domain rules read it (豫安委〔2017〕17号 八(二)).
    pub fn term(&self) -> domain::sanctions::Ban {
        domain::sanctions::Ban { kind: self.kind, from: self.from, to: self.to }
    }
}

pub fn find_ban(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<BanRecord>> {
    let key = id.to_string();
    let row: Option<BanRow> =
        with_conn!(conn, c => bans::table.find(&key).select(BanRow::as_select()).first(c).optional())?;
    row.map(BanRecord::try_from).transpose()
}

/// Which of `organization_ids` are under a service suspension in force on `on` (八(一) 中止服务),
/// in one query.
///
/// This mirrors `domain::sanctions::suspended_on` in SQL so that a page of organisations costs
/// one query: a `service_suspension` with `decided_on <= on` and `from <= on <= to`. The rule
/// itself stays in the domain; tests/tests/sanctions.rs checks that the two agree.
pub fn suspended_among(
    conn: &mut DbConnection,
    organization_ids: &[Uuid],
    on: NaiveDate,
) -> StoreResult<HashSet<Uuid>> {
    if organization_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let keys: Vec<String> = organization_ids.iter().map(Uuid::to_string).collect();
    let rows: Vec<String> = with_conn!(conn, c => sanctions::table
        .select(sanctions::organization_id)
        .distinct()
        .filter(sanctions::organization_id.eq_any(&keys))
        .filter(sanctions::kind.eq(SanctionKind::ServiceSuspension.as_str()))
        .filter(sanctions::decided_on.le(on))
        .filter(sanctions::from_date.le(on))
        .filter(sanctions::to_date.ge(on))
        .load(c))?;
    rows.iter()
        .map(|id| Uuid::parse_str(id).map_err(|_| StoreError::Corrupt(format!("sanctions.organization_id = {id:?}"))))
        .collect()
}

/// Filter of the rectification-order list.
#[derive(Debug, Clone, Default)]
pub struct RectificationFilter {
    /// Only orders in this status on the date; `None` for every order decided by then.
    pub status: Option<RectificationStatus>,
    /// Only orders on organisations a regulator of this jurisdiction supervises (the province
    /// supervises all).
    pub jurisdiction: Option<RegionCode>,
}

/// Rectification orders (八(一) 责令整改) decided on or before `on`, with their status on `on`
/// as the filter asks, in id order (recording order), `limit` per page after the id `after`.
///
/// The status conditions mirror `domain::sanctions::rectification_status` in SQL so that the
/// list is filtered by the database, page by page:
///
/// - `complied`: `complied_on <= on`;
/// - `overdue`: not complied by `on` and `deadline < on`;
/// - `open`: not complied by `on` and no deadline passed (`deadline >= on`, or none).
///
/// The rule itself stays in the domain; tests/tests/sanctions.rs checks that the two agree.
pub fn rectification_page(
    conn: &mut DbConnection,
    on: NaiveDate,
    filter: &RectificationFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<SanctionRecord>> {
    let supervised = match filter.jurisdiction.as_ref().filter(|j| !j.is_province()) {
        Some(code) => Some(crate::regions::supervised_codes(conn, code)?),
        None => None,
    };
    let status = filter.status;
    let after = after.map(|id| id.to_string());
    let rows: Vec<SanctionRow> = with_conn!(conn, c => {
        let mut query = sanctions::table
            .select(SanctionRow::as_select())
            .filter(sanctions::kind.eq(SanctionKind::RectificationOrder.as_str()))
            .filter(sanctions::decided_on.le(on))
            .into_boxed();
        let complied = sanctions::complied_on.is_not_null().and(sanctions::complied_on.le(on));
        let not_complied = sanctions::complied_on.is_null().or(sanctions::complied_on.gt(on));
        match status {
            Some(RectificationStatus::Complied) => query = query.filter(complied),
            Some(RectificationStatus::Overdue) => {
                query = query
                    .filter(not_complied)
                    .filter(sanctions::deadline.is_not_null().and(sanctions::deadline.lt(on)));
            }
            Some(RectificationStatus::Open) => {
                query = query
                    .filter(not_complied)
                    .filter(sanctions::deadline.is_null().or(sanctions::deadline.ge(on)));
            }
            None => {}
        }
        if let Some(codes) = &supervised {
            query = query.filter(
                sanctions::organization_id.eq_any(
                    organizations::table.select(organizations::id).filter(organizations::region_code.eq_any(codes)),
                ),
            );
        }
        if let Some(after) = &after {
            query = query.filter(sanctions::id.gt(after));
        }
        query.order(sanctions::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(SanctionRecord::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |s| s.id.to_string()))
}
