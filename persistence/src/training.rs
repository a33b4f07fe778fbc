//! Training institutions' exam results and the publication of their pass
//! rates (豫安委〔2017〕17号 五(一)).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::dsl::{case_when, count, count_star, exists};
use diesel::prelude::*;
use domain::certificates::WorkCategory;
use domain::region::RegionCode;
use domain::training::Period;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{exam_results, organizations, pass_rate_publications, regions};
use crate::{DbConnection, Page};

/// Rows per multi-row INSERT: 9 columns × 500 stays well below the bound
/// parameter caps of SQLite (32,766) and PostgreSQL (65,535).
const INSERT_CHUNK: usize = 500;

/// One exam sitting of a candidate at a training institution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExamRecord {
    pub id: Uuid,
    pub institution_id: Uuid,
    pub person_id: Uuid,
    pub category: WorkCategory,
    pub exam_on: NaiveDate,
    pub theory_score: u8,
    pub practical_score: Option<u8>,
    pub passed: bool,
    pub created_at: DateTime<Utc>,
}

/// What a new exam result is; the id is generated here.
#[derive(Debug, Clone)]
pub struct NewExamRecord {
    pub institution_id: Uuid,
    pub person_id: Uuid,
    pub category: WorkCategory,
    pub exam_on: NaiveDate,
    pub theory_score: u8,
    pub practical_score: Option<u8>,
    pub passed: bool,
}

// `None` is NULL, not DEFAULT: SQLite has no DEFAULT inside VALUES, and
// Diesel would otherwise split a batch into one INSERT per row.
#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = exam_results, treat_none_as_default_value = false)]
struct ExamRow {
    id: String,
    institution_id: String,
    person_id: String,
    category: String,
    exam_on: NaiveDate,
    theory_score: i32,
    practical_score: Option<i32>,
    passed: bool,
    created_at: NaiveDateTime,
}

impl TryFrom<ExamRow> for ExamRecord {
    type Error = StoreError;

    fn try_from(row: ExamRow) -> StoreResult<ExamRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("exam_results.{what} of {}", row.id));
        Ok(ExamRecord {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            institution_id: Uuid::parse_str(&row.institution_id).map_err(|_| corrupt("institution_id"))?,
            person_id: Uuid::parse_str(&row.person_id).map_err(|_| corrupt("person_id"))?,
            category: WorkCategory::parse(&row.category).map_err(|_| corrupt("category"))?,
            exam_on: row.exam_on,
            theory_score: u8::try_from(row.theory_score).map_err(|_| corrupt("theory_score"))?,
            practical_score: row
                .practical_score
                .map(|s| u8::try_from(s).map_err(|_| corrupt("practical_score")))
                .transpose()?,
            passed: row.passed,
            created_at: row.created_at.and_utc(),
        })
    }
}

impl NewExamRecord {
    fn row(&self, now: NaiveDateTime) -> ExamRow {
        ExamRow {
            id: Uuid::now_v7().to_string(),
            institution_id: self.institution_id.to_string(),
            person_id: self.person_id.to_string(),
            category: self.category.as_str().to_owned(),
            exam_on: self.exam_on,
            theory_score: i32::from(self.theory_score),
            practical_score: self.practical_score.map(i32::from),
            passed: self.passed,
            created_at: now,
        }
    }
}

/// The stored result with the same natural key (institution, person,
/// category, exam date).
pub fn find_same(conn: &mut DbConnection, new: &NewExamRecord) -> StoreResult<Option<ExamRecord>> {
    let institution = new.institution_id.to_string();
    let person = new.person_id.to_string();
    let row: Option<ExamRow> = with_conn!(conn, c => exam_results::table
        .filter(exam_results::institution_id.eq(&institution))
        .filter(exam_results::person_id.eq(&person))
        .filter(exam_results::category.eq(new.category.as_str()))
        .filter(exam_results::exam_on.eq(new.exam_on))
        .select(ExamRow::as_select())
        .first(c)
        .optional())?;
    row.map(ExamRecord::try_from).transpose()
}

/// Inserts all rows, one multi-row INSERT per chunk of at most 500, and
/// returns them in input order. A natural-key collision (with a stored row or
/// within `rows`) is [`StoreError::Duplicate`]; run it in a transaction for
/// all or nothing.
pub fn insert_all(conn: &mut DbConnection, rows: &[NewExamRecord], now: DateTime<Utc>) -> StoreResult<Vec<ExamRecord>> {
    let now = now.naive_utc();
    let mut records = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_CHUNK) {
        let values: Vec<ExamRow> = chunk.iter().map(|r| r.row(now)).collect();
        let order: Vec<String> = values.iter().map(|r| r.id.clone()).collect();
        let stored: Vec<ExamRow> = with_conn!(conn, c => diesel::insert_into(exam_results::table)
            .values(&values)
            .returning(ExamRow::as_returning())
            .get_results(c))?;
        // RETURNING does not promise the order of VALUES.
        let mut by_id: HashMap<String, ExamRow> = stored.into_iter().map(|r| (r.id.clone(), r)).collect();
        for id in order {
            let row =
                by_id.remove(&id).ok_or_else(|| StoreError::Corrupt(format!("exam_results.id {id} not returned")))?;
            records.push(ExamRecord::try_from(row)?);
        }
    }
    Ok(records)
}

/// Whether the person passed an exam of this institution in this category
/// on or before `on_or_before` (a certificate cannot predate its exam).
pub fn has_passed(
    conn: &mut DbConnection,
    institution_id: Uuid,
    person_id: Uuid,
    category: WorkCategory,
    on_or_before: NaiveDate,
) -> StoreResult<bool> {
    let institution = institution_id.to_string();
    let person = person_id.to_string();
    Ok(with_conn!(conn, c => diesel::select(exists(
            exam_results::table
                .filter(exam_results::institution_id.eq(&institution))
                .filter(exam_results::person_id.eq(&person))
                .filter(exam_results::category.eq(category.as_str()))
                .filter(exam_results::passed.eq(true))
                .filter(exam_results::exam_on.le(on_or_before)),
        ))
        .get_result::<bool>(c))?)
}

/// One institution's results over a date range, as published (五(一):
/// candidates, passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstitutionTally {
    pub institution_id: Uuid,
    pub institution_name: String,
    pub region_code: RegionCode,
    /// Exam sittings: a candidate who sat twice counts twice.
    pub candidates: u64,
    pub passed: u64,
}

/// Per training institution with at least one result dated `first..=last`:
/// its sittings and passes (五(一)), optionally of one category only, and
/// optionally only institutions a regulator of `region` supervises (the
/// province sees all). In institution id order, `limit` per page, starting
/// after the institution `after`.
pub fn tally(
    conn: &mut DbConnection,
    first: NaiveDate,
    last: NaiveDate,
    category: Option<WorkCategory>,
    region: Option<&RegionCode>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<InstitutionTally>> {
    let category = category.map(|c| c.as_str());
    let region = region.filter(|r| !r.is_province()).map(|r| r.as_str().to_owned());
    let after = after.map(|id| id.to_string());
    let rows: Vec<(String, String, String, i64, i64)> = with_conn!(conn, c => {
        let mut query = exam_results::table
            .inner_join(organizations::table)
            .filter(exam_results::exam_on.between(first, last))
            .group_by(organizations::id)
            .select((
                organizations::id,
                organizations::name,
                organizations::region_code,
                count_star(),
                count(case_when(exam_results::passed, exam_results::id)),
            ))
            .into_boxed();
        if let Some(category) = category {
            query = query.filter(exam_results::category.eq(category));
        }
        if let Some(region) = &region {
            query = query.filter(
                organizations::region_code.eq_any(
                    regions::table
                        .select(regions::code)
                        .filter(regions::code.eq(region).or(regions::supervisor_code.eq(region))),
                ),
            );
        }
        if let Some(after) = &after {
            query = query.filter(organizations::id.gt(after));
        }
        query.order(organizations::id).limit(limit + 1).load(c)
    })?;
    let items = rows
        .into_iter()
        .map(|(id, name, region_code, candidates, passed)| {
            let corrupt = |what: &str| StoreError::Corrupt(format!("exam tally {what} of {id}"));
            Ok(InstitutionTally {
                institution_id: Uuid::parse_str(&id).map_err(|_| corrupt("institution_id"))?,
                region_code: RegionCode::parse(&region_code).map_err(|_| corrupt("region_code"))?,
                candidates: u64::try_from(candidates).map_err(|_| corrupt("candidates"))?,
                passed: u64::try_from(passed).map_err(|_| corrupt("passed"))?,
                institution_name: name,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |t| t.institution_id.to_string()))
}

/// The publication of one half-year's pass rates (五(一)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publication {
    pub period: Period,
    pub published_at: DateTime<Utc>,
    pub published_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = pass_rate_publications)]
struct PublicationRow {
    period: String,
    published_at: NaiveDateTime,
    published_by: String,
}

impl TryFrom<PublicationRow> for Publication {
    type Error = StoreError;

    fn try_from(row: PublicationRow) -> StoreResult<Publication> {
        Ok(Publication {
            period: Period::parse(&row.period)
                .map_err(|_| StoreError::Corrupt(format!("pass_rate_publications.period = {:?}", row.period)))?,
            published_at: row.published_at.and_utc(),
            published_by: row.published_by,
        })
    }
}

pub fn publication(conn: &mut DbConnection, period: Period) -> StoreResult<Option<Publication>> {
    let key = period.to_string();
    let row: Option<PublicationRow> = with_conn!(conn, c => pass_rate_publications::table
        .find(&key)
        .select(PublicationRow::as_select())
        .first(c)
        .optional())?;
    row.map(Publication::try_from).transpose()
}

/// Orders result writes and publications (五(一): published figures never
/// change): PostgreSQL takes `SHARE` on `pass_rate_publications` until the
/// transaction ends, which a concurrent publication's insert (`ROW
/// EXCLUSIVE`) waits for, and which waits for a publication in flight, so a
/// batch checked against the publications commits before any new one, or
/// sees it. SQLite transactions are already serialised by `BEGIN IMMEDIATE`.
/// Call before [`published_among`] in the transaction that stores results.
pub fn lock_publications(conn: &mut DbConnection) -> StoreResult<()> {
    if let DbConnection::Postgres(c) = conn {
        diesel::sql_query("LOCK TABLE pass_rate_publications IN SHARE MODE").execute(c)?;
    }
    Ok(())
}

/// Records the publication of `period`; a period already published is
/// [`StoreError::Duplicate`].
pub fn publish(conn: &mut DbConnection, period: Period, by: &str, now: DateTime<Utc>) -> StoreResult<Publication> {
    let row = PublicationRow { period: period.to_string(), published_at: now.naive_utc(), published_by: by.to_owned() };
    let stored: PublicationRow = with_conn!(conn, c => diesel::insert_into(pass_rate_publications::table)
        .values(&row)
        .returning(PublicationRow::as_returning())
        .get_result(c))?;
    Publication::try_from(stored)
}

/// The published periods among `periods`, oldest first (`YYYYHn` sorts
/// chronologically as text): one query for a whole batch of results.
pub fn published_among(conn: &mut DbConnection, periods: &[Period]) -> StoreResult<Vec<Period>> {
    let keys: Vec<String> = periods.iter().map(ToString::to_string).collect();
    let rows: Vec<String> = with_conn!(conn, c => pass_rate_publications::table
        .filter(pass_rate_publications::period.eq_any(&keys))
        .select(pass_rate_publications::period)
        .order(pass_rate_publications::period)
        .load(c))?;
    rows.iter()
        .map(|p| Period::parse(p).map_err(|_| StoreError::Corrupt(format!("pass_rate_publications.period = {p:?}"))))
        .collect()
}
