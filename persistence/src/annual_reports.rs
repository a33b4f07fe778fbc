//! Annual report narratives and published reports (豫安委〔2017〕17号 二(三)).
//!
//! A provider's narrative is versioned: every write appends a version and none is ever changed.
//! Publication stores the report as it then stood — figures and one narrative version — as a JSON
//! body written once; the primary key (organisation, year) makes a second publication a
//! [`StoreError::Duplicate`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::max;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{annual_report_narratives, annual_reports};
use crate::DbConnection;

/// One version of a provider's narrative for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Narrative {
    pub organization_id: Uuid,
    pub year: i32,
    /// 1, 2, 3, … in order of writing.
    pub version: i32,
    pub narrative: String,
    pub written_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = annual_report_narratives)]
struct NarrativeRow {
    organization_id: String,
    year: i32,
    version: i32,
    narrative: String,
    written_by: String,
    created_at: NaiveDateTime,
}

impl TryFrom<NarrativeRow> for Narrative {
    type Error = StoreError;

    fn try_from(row: NarrativeRow) -> StoreResult<Narrative> {
        Ok(Narrative {
            organization_id: Uuid::parse_str(&row.organization_id).map_err(|_| {
                StoreError::Corrupt(format!("annual_report_narratives.organization_id = {:?}", row.organization_id))
            })?,
            year: row.year,
            version: row.version,
            narrative: row.narrative,
            written_by: row.written_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// The latest narrative version of a provider for a year, if any.
pub fn latest_narrative(conn: &mut DbConnection, organization_id: Uuid, year: i32) -> StoreResult<Option<Narrative>> {
    let key = organization_id.to_string();
    let row: Option<NarrativeRow> = with_conn!(conn, c => annual_report_narratives::table
        .filter(annual_report_narratives::organization_id.eq(&key))
        .filter(annual_report_narratives::year.eq(year))
        .select(NarrativeRow::as_select())
        .order(annual_report_narratives::version.desc())
        .first(c)
        .optional())?;
    row.map(Narrative::try_from).transpose()
}

/// One narrative version of a provider for a year.
pub fn find_narrative(
    conn: &mut DbConnection,
    organization_id: Uuid,
    year: i32,
    version: i32,
) -> StoreResult<Option<Narrative>> {
    let key = organization_id.to_string();
    let row: Option<NarrativeRow> = with_conn!(conn, c => annual_report_narratives::table
        .find((&key, year, version))
        .select(NarrativeRow::as_select())
        .first(c)
        .optional())?;
    row.map(Narrative::try_from).transpose()
}

/// Appends the next narrative version (the latest plus one, or 1). Two writers racing for the
/// same version: the second insert is a [`StoreError::Duplicate`] and may be retried.
pub fn append_narrative(
    conn: &mut DbConnection,
    organization_id: Uuid,
    year: i32,
    narrative: &str,
    written_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<Narrative> {
    let key = organization_id.to_string();
    let latest: Option<i32> = with_conn!(conn, c => annual_report_narratives::table
        .filter(annual_report_narratives::organization_id.eq(&key))
        .filter(annual_report_narratives::year.eq(year))
        .select(max(annual_report_narratives::version))
        .first(c))?;
    let version = latest
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| StoreError::Corrupt(format!("annual_report_narratives.version of {key}/{year}")))?;
    let row = NarrativeRow {
        organization_id: key,
        year,
        version,
        narrative: narrative.to_owned(),
        written_by: written_by.to_owned(),
        created_at: now.naive_utc(),
    };
    let stored: NarrativeRow = with_conn!(conn, c => diesel::insert_into(annual_report_narratives::table)
        .values(&row)
        .returning(NarrativeRow::as_returning())
        .get_result(c))?;
    Narrative::try_from(stored)
}

/// A published annual report: frozen once written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedReport {
    pub organization_id: Uuid,
    pub year: i32,
    /// The narrative version published with it; `None` when there was none.
    pub narrative_version: Option<i32>,
    /// The report as published, as JSON.
    pub body: String,
    pub published_on: NaiveDate,
    pub published_by: String,
    pub created_at: DateTime<Utc>,
}

/// What publication stores.
#[derive(Debug, Clone)]
pub struct NewPublishedReport {
    pub organization_id: Uuid,
    pub year: i32,
    pub narrative_version: Option<i32>,
    pub body: String,
    pub published_on: NaiveDate,
    pub published_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = annual_reports)]
struct ReportRow {
    organization_id: String,
    year: i32,
    narrative_version: Option<i32>,
    body: String,
    published_on: NaiveDate,
    published_by: String,
    created_at: NaiveDateTime,
}

impl TryFrom<ReportRow> for PublishedReport {
    type Error = StoreError;

    fn try_from(row: ReportRow) -> StoreResult<PublishedReport> {
        Ok(PublishedReport {
            organization_id: Uuid::parse_str(&row.organization_id).map_err(|_| {
                StoreError::Corrupt(format!("annual_reports.organization_id = {:?}", row.organization_id))
            })?,
            year: row.year,
            narrative_version: row.narrative_version,
            body: row.body,
            published_on: row.published_on,
            published_by: row.published_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// The published report of a provider for a year, if any.
pub fn find_published(
    conn: &mut DbConnection,
    organization_id: Uuid,
    year: i32,
) -> StoreResult<Option<PublishedReport>> {
    let key = organization_id.to_string();
    let row: Option<ReportRow> = with_conn!(conn, c => annual_reports::table
        .find((&key, year))
        .select(ReportRow::as_select())
        .first(c)
        .optional())?;
    row.map(PublishedReport::try_from).transpose()
}

/// Stores a published report once; a second one for the same provider and year is
/// [`StoreError::Duplicate`].
pub fn publish(conn: &mut DbConnection, new: &NewPublishedReport, now: DateTime<Utc>) -> StoreResult<PublishedReport> {
    let row = ReportRow {
        organization_id: new.organization_id.to_string(),
        year: new.year,
        narrative_version: new.narrative_version,
        body: new.body.clone(),
        published_on: new.published_on,
        published_by: new.published_by.clone(),
        created_at: now.naive_utc(),
    };
    let stored: ReportRow = with_conn!(conn, c => diesel::insert_into(annual_reports::table)
        .values(&row)
        .returning(ReportRow::as_returning())
        .get_result(c))?;
    PublishedReport::try_from(stored)
}
