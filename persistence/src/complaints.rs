//! Complaints and reports (豫安委〔2017〕17号 八(二) 举报投诉), filed by the
//! public and triaged by regulators.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::complaints::{ComplaintCategory, ComplaintStatus};
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{complaints, organizations, regions};
use crate::{DbConnection, Page};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Complaint {
    pub id: Uuid,
    pub tracking_code: String,
    pub organization_id: Uuid,
    pub category: ComplaintCategory,
    pub description: String,
    pub contact: Option<String>,
    pub status: ComplaintStatus,
    pub decided_by: Option<String>,
    pub decision_note: Option<String>,
    pub credit_event_id: Option<Uuid>,
    pub status_changed_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewComplaint {
    pub tracking_code: String,
    pub organization_id: Uuid,
    pub category: ComplaintCategory,
    pub description: String,
    pub contact: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = complaints)]
struct ComplaintRow {
    id: String,
    tracking_code: String,
    organization_id: String,
    category: String,
    description: String,
    contact: Option<String>,
    status: String,
    decided_by: Option<String>,
    decision_note: Option<String>,
    credit_event_id: Option<String>,
    status_changed_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

impl TryFrom<ComplaintRow> for Complaint {
    type Error = StoreError;

    fn try_from(row: ComplaintRow) -> StoreResult<Complaint> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("complaints.{what} of {}", row.id));
        Ok(Complaint {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            organization_id: Uuid::parse_str(&row.organization_id).map_err(|_| corrupt("organization_id"))?,
            category: ComplaintCategory::parse(&row.category).map_err(|_| corrupt("category"))?,
            status: ComplaintStatus::parse(&row.status).map_err(|_| corrupt("status"))?,
            credit_event_id: row
                .credit_event_id
                .as_deref()
                .map(|id| Uuid::parse_str(id).map_err(|_| corrupt("credit_event_id")))
                .transpose()?,
            tracking_code: row.tracking_code,
            description: row.description,
            contact: row.contact,
            decided_by: row.decided_by,
            decision_note: row.decision_note,
            status_changed_at: row.status_changed_at.and_utc(),
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores a complaint as `received`; a tracking code already used is
/// [`StoreError::Duplicate`] (the caller draws another). The clash is
/// detected with `ON CONFLICT DO NOTHING` rather than a failed insert, so it
/// does not abort the surrounding PostgreSQL transaction and the caller can
/// retry inside it.
pub fn insert(conn: &mut DbConnection, new: &NewComplaint, now: DateTime<Utc>) -> StoreResult<Complaint> {
    let row = ComplaintRow {
        id: Uuid::now_v7().to_string(),
        tracking_code: new.tracking_code.clone(),
        organization_id: new.organization_id.to_string(),
        category: new.category.as_str().to_owned(),
        description: new.description.clone(),
        contact: new.contact.clone(),
        status: ComplaintStatus::Received.as_str().to_owned(),
        decided_by: None,
        decision_note: None,
        credit_event_id: None,
        status_changed_at: now.naive_utc(),
        created_at: now.naive_utc(),
    };
    let stored: Option<ComplaintRow> = with_conn!(conn, c => diesel::insert_into(complaints::table)
        .values(&row)
        .on_conflict(complaints::tracking_code)
        .do_nothing()
        .returning(ComplaintRow::as_returning())
        .get_result(c)
        .optional())?;
    match stored {
        Some(stored) => Complaint::try_from(stored),
        None => Err(StoreError::Duplicate("complaints.tracking_code".to_owned())),
    }
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Complaint>> {
    let key = id.to_string();
    let row: Option<ComplaintRow> =
        with_conn!(conn, c => complaints::table.find(&key).select(ComplaintRow::as_select()).first(c).optional())?;
    row.map(Complaint::try_from).transpose()
}

pub fn find_by_tracking_code(conn: &mut DbConnection, code: &str) -> StoreResult<Option<Complaint>> {
    let row: Option<ComplaintRow> = with_conn!(conn, c => complaints::table
        .filter(complaints::tracking_code.eq(code))
        .select(ComplaintRow::as_select())
        .first(c)
        .optional())?;
    row.map(Complaint::try_from).transpose()
}

/// A triage decision: the move and who made it.
#[derive(Debug, Clone)]
pub struct Transition<'a> {
    pub from: ComplaintStatus,
    pub to: ComplaintStatus,
    pub by: &'a str,
    pub note: Option<&'a str>,
    /// The credit event a substantiated complaint created.
    pub credit_event_id: Option<Uuid>,
}

/// Moves a complaint from `t.from` to `t.to` (the caller checked the move
/// is allowed); a concurrent move is [`StoreError::VersionConflict`].
pub fn transition(conn: &mut DbConnection, id: Uuid, t: &Transition<'_>, now: DateTime<Utc>) -> StoreResult<Complaint> {
    let (from, to, by, note, credit_event_id) = (t.from, t.to, t.by, t.note, t.credit_event_id);
    let key = id.to_string();
    let row: Option<ComplaintRow> = with_conn!(conn, c => diesel::update(
            complaints::table.filter(complaints::id.eq(&key)).filter(complaints::status.eq(from.as_str())),
        )
        .set((
            complaints::status.eq(to.as_str()),
            complaints::decided_by.eq(Some(by)),
            complaints::decision_note.eq(note),
            complaints::credit_event_id.eq(credit_event_id.map(|id| id.to_string())),
            complaints::status_changed_at.eq(now.naive_utc()),
        ))
        .returning(ComplaintRow::as_returning())
        .get_result(c)
        .optional())?;
    match row {
        Some(row) => Complaint::try_from(row),
        None if find(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}

/// Which complaints a list shows.
#[derive(Debug, Clone, Default)]
pub struct ComplaintFilter {
    pub status: Option<ComplaintStatus>,
    /// Only complaints about organisations registered in this jurisdiction
    /// (the region itself and the regions it supervises); the province, or
    /// `None`, is everything.
    pub jurisdiction: Option<RegionCode>,
}

/// One page of complaints in id order (ids are UUIDv7, so this is the order
/// of filing, oldest first), after the id `after`.
pub fn list(
    conn: &mut DbConnection,
    filter: &ComplaintFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Complaint>> {
    let status = filter.status.map(|s| s.as_str());
    let jurisdiction = filter.jurisdiction.as_ref().filter(|j| !j.is_province()).map(|j| j.as_str().to_owned());
    let after = after.map(|id| id.to_string());
    let rows: Vec<ComplaintRow> = with_conn!(conn, c => {
        let mut query = complaints::table.select(ComplaintRow::as_select()).into_boxed();
        if let Some(status) = status {
            query = query.filter(complaints::status.eq(status));
        }
        if let Some(jurisdiction) = &jurisdiction {
            query = query.filter(
                complaints::organization_id.eq_any(
                    organizations::table.select(organizations::id).filter(
                        organizations::region_code.eq_any(
                            regions::table
                                .select(regions::code)
                                .filter(regions::code.eq(jurisdiction).or(regions::supervisor_code.eq(jurisdiction))),
                        ),
                    ),
                ),
            );
        }
        if let Some(after) = &after {
            query = query.filter(complaints::id.gt(after));
        }
        query.order(complaints::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Complaint::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |c| c.id.to_string()))
}
