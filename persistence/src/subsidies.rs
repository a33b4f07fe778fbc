//! Subsidy programmes and applications (九(三)).
//!
//! A programme's `committed_fen` only ever grows through [`reserve`], a
//! conditional update that cannot take it past the budget however many
//! approvals run at once; the table's CHECK is the backstop.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::money::{BasisPoints, Fen};
use domain::region::RegionCode;
use domain::subsidies::{ApplicationStatus, Priority};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{engagements, subsidy_applications, subsidy_programmes};
use crate::{DbConnection, Page};

/// A subsidy programme as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Programme {
    pub id: Uuid,
    pub title: String,
    pub region_code: RegionCode,
    pub budget: Fen,
    /// Reserved by approved applications; never above `budget`.
    pub committed: Fen,
    pub share: BasisPoints,
    pub cap_per_enterprise: Fen,
    pub max_employees: i32,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub created_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub title: String,
    pub region_code: RegionCode,
    pub budget: Fen,
    pub share: BasisPoints,
    pub cap_per_enterprise: Fen,
    pub max_employees: i32,
    pub opens_on: NaiveDate,
    pub closes_on: NaiveDate,
    pub created_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = subsidy_programmes)]
struct ProgrammeRow {
    id: String,
    title: String,
    region_code: String,
    budget_fen: i64,
    committed_fen: i64,
    share_bp: i32,
    cap_per_enterprise_fen: i64,
    max_employees: i32,
    opens_on: NaiveDate,
    closes_on: NaiveDate,
    created_by: String,
    version: i64,
    created_at: NaiveDateTime,
}

impl TryFrom<ProgrammeRow> for Programme {
    type Error = StoreError;

    fn try_from(row: ProgrammeRow) -> StoreResult<Programme> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("subsidy_programmes.{what} of {}", row.id));
        Ok(Programme {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            region_code: RegionCode::parse(&row.region_code).map_err(|_| corrupt("region_code"))?,
            share: BasisPoints::new(u32::try_from(row.share_bp).map_err(|_| corrupt("share_bp"))?),
            title: row.title,
            budget: Fen::new(row.budget_fen),
            committed: Fen::new(row.committed_fen),
            cap_per_enterprise: Fen::new(row.cap_per_enterprise_fen),
            max_employees: row.max_employees,
            opens_on: row.opens_on,
            closes_on: row.closes_on,
            created_by: row.created_by,
            version: row.version,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn insert_programme(conn: &mut DbConnection, new: &NewProgramme, now: DateTime<Utc>) -> StoreResult<Programme> {
    let row = ProgrammeRow {
        id: Uuid::now_v7().to_string(),
        title: new.title.clone(),
        region_code: new.region_code.as_str().to_owned(),
        budget_fen: new.budget.value(),
        committed_fen: 0,
        share_bp: i32::try_from(new.share.value())
            .map_err(|_| StoreError::Corrupt(format!("share {} bp out of range", new.share.value())))?,
        cap_per_enterprise_fen: new.cap_per_enterprise.value(),
        max_employees: new.max_employees,
        opens_on: new.opens_on,
        closes_on: new.closes_on,
        created_by: new.created_by.clone(),
        version: 1,
        created_at: now.naive_utc(),
    };
    let stored: ProgrammeRow = with_conn!(conn, c => diesel::insert_into(subsidy_programmes::table)
        .values(&row)
        .returning(ProgrammeRow::as_returning())
        .get_result(c))?;
    Programme::try_from(stored)
}

pub fn find_programme(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Programme>> {
    let key = id.to_string();
    let row: Option<ProgrammeRow> = with_conn!(conn, c => subsidy_programmes::table
        .find(&key)
        .select(ProgrammeRow::as_select())
        .first(c)
        .optional())?;
    row.map(Programme::try_from).transpose()
}

/// Reserves `amount` of the programme's budget if it fits: one conditional
/// `UPDATE … SET committed_fen = committed_fen + amount WHERE committed_fen +
/// amount <= budget_fen`. `false` when it does not fit (or there is no such
/// programme). On PostgreSQL the update holds the programme's row lock until
/// the transaction ends, and a concurrent reservation re-evaluates the
/// condition against the committed value once it gets the lock, so the
/// budget can never be over-committed; SQLite serialises writers outright.
pub fn reserve(conn: &mut DbConnection, programme_id: Uuid, amount: Fen) -> StoreResult<bool> {
    let key = programme_id.to_string();
    let amount = amount.value();
    let updated = with_conn!(conn, c => diesel::update(
            subsidy_programmes::table
                .filter(subsidy_programmes::id.eq(&key))
                .filter((subsidy_programmes::committed_fen + amount).le(subsidy_programmes::budget_fen)),
        )
        .set((
            subsidy_programmes::committed_fen.eq(subsidy_programmes::committed_fen + amount),
            subsidy_programmes::version.eq(subsidy_programmes::version + 1),
        ))
        .execute(c))?;
    Ok(updated == 1)
}

/// What a subsidy needs to know of an engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngagementTerms {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub contract_fee: Fen,
    pub signed_on: NaiveDate,
}

/// The subsidy-relevant terms of an engagement, if it exists.
pub fn engagement_terms(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<EngagementTerms>> {
    let key = id.to_string();
    let row: Option<(String, i64, NaiveDate)> = with_conn!(conn, c => engagements::table
        .find(&key)
        .select((engagements::enterprise_id, engagements::contract_fee_fen, engagements::signed_on))
        .first(c)
        .optional())?;
    row.map(|(enterprise, fee, signed_on)| {
        let enterprise_id = Uuid::parse_str(&enterprise)
            .map_err(|_| StoreError::Corrupt(format!("engagements.enterprise_id of {id}")))?;
        Ok(EngagementTerms { id, enterprise_id, contract_fee: Fen::new(fee), signed_on })
    })
    .transpose()
}

/// An enterprise's application for one engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub enterprise_id: Uuid,
    pub engagement_id: Uuid,
    pub amount: Fen,
    pub priority: Priority,
    pub status: ApplicationStatus,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewApplication {
    pub programme_id: Uuid,
    pub enterprise_id: Uuid,
    pub engagement_id: Uuid,
    pub amount: Fen,
    pub priority: Priority,
    pub created_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = subsidy_applications)]
struct ApplicationRow {
    id: String,
    programme_id: String,
    enterprise_id: String,
    engagement_id: String,
    amount_fen: i64,
    priority: String,
    status: String,
    decided_on: Option<NaiveDate>,
    decided_by: Option<String>,
    note: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
}

impl TryFrom<ApplicationRow> for Application {
    type Error = StoreError;

    fn try_from(row: ApplicationRow) -> StoreResult<Application> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("subsidy_applications.{what} of {}", row.id));
        let uuid = |text: &str, what: &str| Uuid::parse_str(text).map_err(|_| corrupt(what));
        Ok(Application {
            id: uuid(&row.id, "id")?,
            programme_id: uuid(&row.programme_id, "programme_id")?,
            enterprise_id: uuid(&row.enterprise_id, "enterprise_id")?,
            engagement_id: uuid(&row.engagement_id, "engagement_id")?,
            priority: Priority::parse(&row.priority).map_err(|_| corrupt("priority"))?,
            status: ApplicationStatus::parse(&row.status).map_err(|_| corrupt("status"))?,
            amount: Fen::new(row.amount_fen),
            decided_on: row.decided_on,
            decided_by: row.decided_by,
            note: row.note,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores a pending application; a second one for the same engagement in
/// the programme is [`StoreError::Duplicate`].
pub fn insert_application(
    conn: &mut DbConnection,
    new: &NewApplication,
    now: DateTime<Utc>,
) -> StoreResult<Application> {
    let row = ApplicationRow {
        id: Uuid::now_v7().to_string(),
        programme_id: new.programme_id.to_string(),
        enterprise_id: new.enterprise_id.to_string(),
        engagement_id: new.engagement_id.to_string(),
        amount_fen: new.amount.value(),
        priority: new.priority.as_str().to_owned(),
        status: ApplicationStatus::Pending.as_str().to_owned(),
        decided_on: None,
        decided_by: None,
        note: None,
        created_by: new.created_by.clone(),
        created_at: now.naive_utc(),
    };
    let stored: ApplicationRow = with_conn!(conn, c => diesel::insert_into(subsidy_applications::table)
        .values(&row)
        .returning(ApplicationRow::as_returning())
        .get_result(c))?;
    Application::try_from(stored)
}

pub fn find_application(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Application>> {
    let key = id.to_string();
    let row: Option<ApplicationRow> = with_conn!(conn, c => subsidy_applications::table
        .find(&key)
        .select(ApplicationRow::as_select())
        .first(c)
        .optional())?;
    row.map(Application::try_from).transpose()
}

/// The sum of the amounts approved for the enterprise in the programme,
/// leaving out `except` (the application being decided).
pub fn approved_for(
    conn: &mut DbConnection,
    programme_id: Uuid,
    enterprise_id: Uuid,
    except: Option<Uuid>,
) -> StoreResult<Fen> {
    let (programme, enterprise) = (programme_id.to_string(), enterprise_id.to_string());
    let except = except.map(|id| id.to_string()).unwrap_or_default();
    // Summed here rather than by SUM(), whose type differs by backend
    // (NUMERIC on PostgreSQL); an enterprise has few applications.
    let amounts: Vec<i64> = with_conn!(conn, c => subsidy_applications::table
        .filter(subsidy_applications::programme_id.eq(&programme))
        .filter(subsidy_applications::enterprise_id.eq(&enterprise))
        .filter(subsidy_applications::status.eq(ApplicationStatus::Approved.as_str()))
        .filter(subsidy_applications::id.ne(&except))
        .select(subsidy_applications::amount_fen)
        .load(c))?;
    amounts
        .into_iter()
        .try_fold(Fen::ZERO, |sum, a| sum.checked_add(Fen::new(a)))
        .map_err(|_| StoreError::Corrupt(format!("approved subsidies of {enterprise_id} in {programme_id} overflow")))
}

/// A decision on a pending application.
#[derive(Debug, Clone)]
pub struct Decision {
    pub status: ApplicationStatus,
    pub decided_on: NaiveDate,
    pub decided_by: String,
    pub note: Option<String>,
}

/// Decides a pending application once; an application no longer pending is
/// [`StoreError::VersionConflict`].
pub fn decide(conn: &mut DbConnection, id: Uuid, decision: &Decision) -> StoreResult<Application> {
    let key = id.to_string();
    let row: Option<ApplicationRow> = with_conn!(conn, c => diesel::update(
            subsidy_applications::table
                .filter(subsidy_applications::id.eq(&key))
                .filter(subsidy_applications::status.eq(ApplicationStatus::Pending.as_str())),
        )
        .set((
            subsidy_applications::status.eq(decision.status.as_str()),
            subsidy_applications::decided_on.eq(Some(decision.decided_on)),
            subsidy_applications::decided_by.eq(Some(decision.decided_by.clone())),
            subsidy_applications::note.eq(decision.note.clone()),
        ))
        .returning(ApplicationRow::as_returning())
        .get_result(c)
        .optional())?;
    match row {
        Some(row) => Application::try_from(row),
        None if find_application(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}

/// The queue position of an application: pending high-risk first, then
/// pending standard, then decided ones (九(三): high-risk sectors first).
fn rank(status: ApplicationStatus, priority: Priority) -> u8 {
    match (status, priority) {
        (ApplicationStatus::Pending, Priority::HighRisk) => 0,
        (ApplicationStatus::Pending, Priority::Standard) => 1,
        _ => 2,
    }
}

/// The cursor key of an application: its rank and id (`1:0190…`).
pub fn queue_key(application: &Application) -> String {
    format!("{}:{}", rank(application.status, application.priority), application.id)
}

/// Parses a [`queue_key`].
pub fn parse_queue_key(key: &str) -> Option<(u8, Uuid)> {
    let (rank, id) = key.split_once(':')?;
    let rank: u8 = rank.parse().ok().filter(|r| *r <= 2)?;
    Some((rank, Uuid::parse_str(id).ok()?))
}

/// One page of a programme's applications in queue order: pending
/// applications of high-risk enterprises, then the other pending ones, then
/// the decided ones; within each group by id (UUIDv7: the order of filing).
/// `after` is a [`parse_queue_key`] of the last item seen.
pub fn queue(
    conn: &mut DbConnection,
    programme_id: Uuid,
    after: Option<(u8, Uuid)>,
    limit: i64,
) -> StoreResult<Page<Application>> {
    let programme = programme_id.to_string();
    let pending = ApplicationStatus::Pending.as_str();
    let high = Priority::HighRisk.as_str();
    let start = after.map_or(0, |(rank, _)| rank);
    let mut items = Vec::new();
    for rank in start..=2u8 {
        let wanted = limit + 1 - i64::try_from(items.len()).unwrap_or(i64::MAX);
        if wanted <= 0 {
            break;
        }
        let after_id = after.filter(|(r, _)| *r == rank).map(|(_, id)| id.to_string());
        let rows: Vec<ApplicationRow> = with_conn!(conn, c => {
            let mut query = subsidy_applications::table
                .select(ApplicationRow::as_select())
                .filter(subsidy_applications::programme_id.eq(&programme))
                .into_boxed();
            query = match rank {
                0 => query.filter(subsidy_applications::status.eq(pending)).filter(subsidy_applications::priority.eq(high)),
                1 => query.filter(subsidy_applications::status.eq(pending)).filter(subsidy_applications::priority.ne(high)),
                _ => query.filter(subsidy_applications::status.ne(pending)),
            };
            if let Some(after_id) = &after_id {
                query = query.filter(subsidy_applications::id.gt(after_id.clone()));
            }
            query.order(subsidy_applications::id).limit(wanted).load(c)
        })?;
        for row in rows {
            items.push(Application::try_from(row)?);
        }
    }
    Ok(Page::from_rows(items, limit, queue_key))
}
