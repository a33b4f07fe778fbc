//! Government purchase projects and their evaluations (九(二)).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::money::Fen;
use domain::procurement::{EvaluationParty, ProcurementArea, ProcurementStatus};
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{procurement_evaluations, procurement_projects, procurement_recipients, regions};
use crate::{DbConnection, Page};

/// A purchase as stored, with its recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Project {
    pub id: Uuid,
    pub area: ProcurementArea,
    pub title: String,
    pub region_code: RegionCode,
    pub budget: Fen,
    pub provider_id: Uuid,
    pub third_party_id: Uuid,
    /// The organisations served, sorted by id.
    pub recipient_ids: Vec<Uuid>,
    pub awarded_on: NaiveDate,
    pub status: ProcurementStatus,
    /// Once evaluated: the composite in hundredths of a point.
    pub composite_hundredths: Option<u32>,
    /// Once evaluated: the rule versions of the weights applied.
    pub weights_version: Option<String>,
    /// Once evaluated: the date of the last of the three evaluations.
    pub evaluated_on: Option<NaiveDate>,
    pub credit_event_id: Option<Uuid>,
    pub created_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewProject {
    pub area: ProcurementArea,
    pub title: String,
    pub region_code: RegionCode,
    pub budget: Fen,
    pub provider_id: Uuid,
    pub third_party_id: Uuid,
    pub recipient_ids: Vec<Uuid>,
    pub awarded_on: NaiveDate,
    pub created_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = procurement_projects)]
struct ProjectRow {
    id: String,
    area: String,
    title: String,
    region_code: String,
    budget_fen: i64,
    provider_id: String,
    third_party_id: String,
    awarded_on: NaiveDate,
    status: String,
    composite_hundredths: Option<i32>,
    weights_version: Option<String>,
    evaluated_on: Option<NaiveDate>,
    credit_event_id: Option<String>,
    created_by: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn project(row: ProjectRow, recipients: Vec<String>) -> StoreResult<Project> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("procurement_projects.{what} of {}", row.id));
    let uuid = |text: &str, what: &str| Uuid::parse_str(text).map_err(|_| corrupt(what));
    let mut recipient_ids = recipients.iter().map(|r| uuid(r, "recipients")).collect::<StoreResult<Vec<_>>>()?;
    recipient_ids.sort();
    Ok(Project {
        id: uuid(&row.id, "id")?,
        area: ProcurementArea::parse(&row.area).map_err(|_| corrupt("area"))?,
        region_code: RegionCode::parse(&row.region_code).map_err(|_| corrupt("region_code"))?,
        budget: Fen::new(row.budget_fen),
        provider_id: uuid(&row.provider_id, "provider_id")?,
        third_party_id: uuid(&row.third_party_id, "third_party_id")?,
        recipient_ids,
        awarded_on: row.awarded_on,
        status: ProcurementStatus::parse(&row.status).map_err(|_| corrupt("status"))?,
        composite_hundredths: row
            .composite_hundredths
            .map(|c| u32::try_from(c).map_err(|_| corrupt("composite_hundredths")))
            .transpose()?,
        credit_event_id: row.credit_event_id.as_deref().map(|id| uuid(id, "credit_event_id")).transpose()?,
        title: row.title,
        weights_version: row.weights_version,
        evaluated_on: row.evaluated_on,
        created_by: row.created_by,
        version: row.version,
        created_at: row.created_at.and_utc(),
        updated_at: row.updated_at.and_utc(),
    })
}

fn recipients_of(conn: &mut DbConnection, id: &str) -> StoreResult<Vec<String>> {
    Ok(with_conn!(conn, c => procurement_recipients::table
        .filter(procurement_recipients::project_id.eq(id))
        .select(procurement_recipients::organization_id)
        .order(procurement_recipients::organization_id)
        .load(c))?)
}

/// Stores a project and its recipients (call inside a transaction).
pub fn insert(conn: &mut DbConnection, new: &NewProject, now: DateTime<Utc>) -> StoreResult<Project> {
    let id = Uuid::now_v7().to_string();
    let row = ProjectRow {
        id: id.clone(),
        area: new.area.as_str().to_owned(),
        title: new.title.clone(),
        region_code: new.region_code.as_str().to_owned(),
        budget_fen: new.budget.value(),
        provider_id: new.provider_id.to_string(),
        third_party_id: new.third_party_id.to_string(),
        awarded_on: new.awarded_on,
        status: ProcurementStatus::Awarded.as_str().to_owned(),
        composite_hundredths: None,
        weights_version: None,
        evaluated_on: None,
        credit_event_id: None,
        created_by: new.created_by.clone(),
        version: 1,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    let recipients: Vec<_> = new
        .recipient_ids
        .iter()
        .map(|r| {
            (
                procurement_recipients::project_id.eq(id.clone()),
                procurement_recipients::organization_id.eq(r.to_string()),
            )
        })
        .collect();
    let stored: ProjectRow = with_conn!(conn, c => {
        let stored = diesel::insert_into(procurement_projects::table)
            .values(&row)
            .returning(ProjectRow::as_returning())
            .get_result(c)?;
        diesel::insert_into(procurement_recipients::table).values(&recipients).execute(c)?;
        Ok::<_, diesel::result::Error>(stored)
    })?;
    let recipients = recipients_of(conn, &id)?;
    project(stored, recipients)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Project>> {
    let key = id.to_string();
    let row: Option<ProjectRow> = with_conn!(conn, c => procurement_projects::table
        .find(&key)
        .select(ProjectRow::as_select())
        .first(c)
        .optional())?;
    match row {
        Some(row) => {
            let recipients = recipients_of(conn, &key)?;
            project(row, recipients).map(Some)
        }
        None => Ok(None),
    }
}

/// Takes the project's row lock for the rest of the transaction by bumping
/// its version, so that concurrent evaluations of one project queue up and
/// exactly one of them sees all three (PostgreSQL row lock; SQLite
/// transactions already serialise writers). `false` when there is no such
/// project.
pub fn lock(conn: &mut DbConnection, id: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let key = id.to_string();
    let updated = with_conn!(conn, c => diesel::update(procurement_projects::table.find(&key))
        .set((
            procurement_projects::version.eq(procurement_projects::version + 1),
            procurement_projects::updated_at.eq(now.naive_utc()),
        ))
        .execute(c))?;
    Ok(updated == 1)
}

/// The result of the three-party evaluation.
#[derive(Debug, Clone)]
pub struct EvaluationResult {
    pub composite_hundredths: u32,
    pub weights_version: String,
    pub evaluated_on: NaiveDate,
    pub credit_event_id: Uuid,
}

/// Records the result once: only an `awarded` project becomes `evaluated`;
/// a second time is [`StoreError::VersionConflict`].
pub fn record_result(
    conn: &mut DbConnection,
    id: Uuid,
    result: &EvaluationResult,
    now: DateTime<Utc>,
) -> StoreResult<Project> {
    let key = id.to_string();
    let composite = i32::try_from(result.composite_hundredths)
        .map_err(|_| StoreError::Corrupt(format!("composite of {id} out of range")))?;
    let row: Option<ProjectRow> = with_conn!(conn, c => diesel::update(
            procurement_projects::table
                .filter(procurement_projects::id.eq(&key))
                .filter(procurement_projects::status.eq(ProcurementStatus::Awarded.as_str())),
        )
        .set((
            procurement_projects::status.eq(ProcurementStatus::Evaluated.as_str()),
            procurement_projects::composite_hundredths.eq(Some(composite)),
            procurement_projects::weights_version.eq(Some(result.weights_version.clone())),
            procurement_projects::evaluated_on.eq(Some(result.evaluated_on)),
            procurement_projects::credit_event_id.eq(Some(result.credit_event_id.to_string())),
            procurement_projects::version.eq(procurement_projects::version + 1),
            procurement_projects::updated_at.eq(now.naive_utc()),
        ))
        .returning(ProjectRow::as_returning())
        .get_result(c)
        .optional())?;
    match row {
        Some(row) => {
            let recipients = recipients_of(conn, &key)?;
            project(row, recipients)
        }
        None if find(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}

/// Which projects a list shows.
#[derive(Debug, Clone)]
pub enum ProjectScope {
    Everything,
    /// Projects located in the jurisdiction (the region itself and the
    /// regions it supervises); the province sees everything.
    Jurisdiction(RegionCode),
    /// Projects the organisation takes part in: as provider, third party or
    /// recipient.
    Party(Uuid),
}

/// One page of projects in id order (UUIDv7: the order of recording, oldest
/// first), after the id `after`.
pub fn list(
    conn: &mut DbConnection,
    scope: &ProjectScope,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Project>> {
    let after = after.map(|id| id.to_string());
    let scope = match scope {
        ProjectScope::Jurisdiction(j) if j.is_province() => ProjectScope::Everything,
        other => other.clone(),
    };
    let rows: Vec<ProjectRow> = with_conn!(conn, c => {
        let mut query = procurement_projects::table.select(ProjectRow::as_select()).into_boxed();
        match &scope {
            ProjectScope::Everything => {}
            ProjectScope::Jurisdiction(j) => {
                let j = j.as_str().to_owned();
                query = query.filter(
                    procurement_projects::region_code.eq_any(
                        regions::table.select(regions::code).filter(regions::code.eq(j.clone()).or(regions::supervisor_code.eq(j))),
                    ),
                );
            }
            ProjectScope::Party(org) => {
                let org = org.to_string();
                query = query.filter(
                    procurement_projects::provider_id
                        .eq(org.clone())
                        .or(procurement_projects::third_party_id.eq(org.clone()))
                        .or(procurement_projects::id.eq_any(
                            procurement_recipients::table
                                .select(procurement_recipients::project_id)
                                .filter(procurement_recipients::organization_id.eq(org)),
                        )),
                );
            }
        }
        if let Some(after) = &after {
            query = query.filter(procurement_projects::id.gt(after.clone()));
        }
        query.order(procurement_projects::id).limit(limit + 1).load(c)
    })?;
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let recipients = recipients_of(conn, &row.id)?;
        items.push(project(row, recipients)?);
    }
    Ok(Page::from_rows(items, limit, |p| p.id.to_string()))
}

/// One party's evaluation of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub project_id: Uuid,
    pub party: EvaluationParty,
    pub score: u8,
    pub comment: String,
    /// The client that evaluated.
    pub evaluator: String,
    /// The organisation it acted for (none for a regulator or admin).
    pub evaluator_org: Option<Uuid>,
    pub evaluated_on: NaiveDate,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = procurement_evaluations)]
struct EvaluationRow {
    project_id: String,
    party: String,
    score: i32,
    comment: String,
    evaluator: String,
    evaluator_org: Option<String>,
    evaluated_on: NaiveDate,
    created_at: NaiveDateTime,
}

impl TryFrom<EvaluationRow> for Evaluation {
    type Error = StoreError;

    fn try_from(row: EvaluationRow) -> StoreResult<Evaluation> {
        let corrupt = |what: &str| {
            StoreError::Corrupt(format!("procurement_evaluations.{what} of {}/{}", row.project_id, row.party))
        };
        Ok(Evaluation {
            project_id: Uuid::parse_str(&row.project_id).map_err(|_| corrupt("project_id"))?,
            party: EvaluationParty::parse(&row.party).map_err(|_| corrupt("party"))?,
            score: u8::try_from(row.score).map_err(|_| corrupt("score"))?,
            evaluator_org: row
                .evaluator_org
                .as_deref()
                .map(|o| Uuid::parse_str(o).map_err(|_| corrupt("evaluator_org")))
                .transpose()?,
            comment: row.comment,
            evaluator: row.evaluator,
            evaluated_on: row.evaluated_on,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores one party's evaluation; the primary key (project, party) makes a
/// second one by the same party [`StoreError::Duplicate`].
pub fn insert_evaluation(conn: &mut DbConnection, evaluation: &Evaluation) -> StoreResult<Evaluation> {
    let row = EvaluationRow {
        project_id: evaluation.project_id.to_string(),
        party: evaluation.party.as_str().to_owned(),
        score: i32::from(evaluation.score),
        comment: evaluation.comment.clone(),
        evaluator: evaluation.evaluator.clone(),
        evaluator_org: evaluation.evaluator_org.map(|o| o.to_string()),
        evaluated_on: evaluation.evaluated_on,
        created_at: evaluation.created_at.naive_utc(),
    };
    let stored: EvaluationRow = with_conn!(conn, c => diesel::insert_into(procurement_evaluations::table)
        .values(&row)
        .returning(EvaluationRow::as_returning())
        .get_result(c))?;
    Evaluation::try_from(stored)
}

/// The project's evaluations in party order (purchaser, recipient, third party).
pub fn evaluations_of(conn: &mut DbConnection, project_id: Uuid) -> StoreResult<Vec<Evaluation>> {
    let key = project_id.to_string();
    let rows: Vec<EvaluationRow> = with_conn!(conn, c => procurement_evaluations::table
        .filter(procurement_evaluations::project_id.eq(&key))
        .select(EvaluationRow::as_select())
        .load(c))?;
    let mut evaluations = rows.into_iter().map(Evaluation::try_from).collect::<StoreResult<Vec<_>>>()?;
    evaluations.sort_by_key(|e| e.party.index());
    Ok(evaluations)
}
