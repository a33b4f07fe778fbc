//! Engagements, their service lines, personnel, payments, evaluations and cross-region notices.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::engagements::{EngagementStatus, ReportType};
use domain::organization::ServiceType;
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{
    bids, cross_region_notices, demands, engagement_evaluations, engagement_payments, engagement_personnel,
    engagement_services, engagements, organizations,
};
use crate::{DbConnection, Page};

/// A service contract between an enterprise and a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub provider_id: Uuid,
    pub demand_id: Option<Uuid>,
    pub contract_fee_fen: i64,
    pub paid_fen: i64,
    pub signed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub delivery_deadline: NaiveDate,
    /// Report documents, each of one type or one combinable pair (二(二)).
    pub reports: Vec<Vec<ReportType>>,
    pub planned_on_site: Vec<NaiveDate>,
    pub status: EngagementStatus,
    pub delivered_on: Option<NaiveDate>,
    pub procedure_text: Option<String>,
    pub main_content: Option<String>,
    /// The day the enterprise accepted or disputed the delivery.
    pub closed_on: Option<NaiveDate>,
    pub dispute_reason: Option<String>,
    pub recorded_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The fields of a new engagement; it starts `signed` with nothing paid.
#[derive(Debug, Clone)]
pub struct NewEngagement {
    pub enterprise_id: Uuid,
    pub provider_id: Uuid,
    pub demand_id: Option<Uuid>,
    pub signed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub delivery_deadline: NaiveDate,
    pub reports: Vec<Vec<ReportType>>,
    pub planned_on_site: Vec<NaiveDate>,
    pub services: Vec<ServiceLine>,
    pub personnel: Vec<Assignment>,
    pub recorded_by: String,
}

/// One contracted service and its fee.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceLine {
    pub service_type: ServiceType,
    pub fee_fen: i64,
}

/// A person assigned to an engagement, with the engineer registration in force when signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    pub person_id: Uuid,
    pub engineer_id: Option<Uuid>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = engagements)]
struct EngagementRow {
    id: String,
    enterprise_id: String,
    provider_id: String,
    demand_id: Option<String>,
    contract_fee_fen: i64,
    paid_fen: i64,
    signed_on: NaiveDate,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    delivery_deadline: NaiveDate,
    reports: String,
    planned_on_site: String,
    status: String,
    delivered_on: Option<NaiveDate>,
    procedure_text: Option<String>,
    main_content: Option<String>,
    closed_on: Option<NaiveDate>,
    dispute_reason: Option<String>,
    recorded_by: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

fn parse_uuid(text: &str, what: impl Fn() -> String) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| StoreError::Corrupt(what()))
}

impl TryFrom<EngagementRow> for Engagement {
    type Error = StoreError;

    fn try_from(row: EngagementRow) -> StoreResult<Engagement> {
        let corrupt = |what: &str| format!("engagements.{what} of {}", row.id);
        Ok(Engagement {
            id: parse_uuid(&row.id, || corrupt("id"))?,
            enterprise_id: parse_uuid(&row.enterprise_id, || corrupt("enterprise_id"))?,
            provider_id: parse_uuid(&row.provider_id, || corrupt("provider_id"))?,
            demand_id: row.demand_id.as_deref().map(|d| parse_uuid(d, || corrupt("demand_id"))).transpose()?,
            reports: serde_json::from_str(&row.reports).map_err(|_| StoreError::Corrupt(corrupt("reports")))?,
            planned_on_site: serde_json::from_str(&row.planned_on_site)
                .map_err(|_| StoreError::Corrupt(corrupt("planned_on_site")))?,
            status: EngagementStatus::parse(&row.status).map_err(|_| StoreError::Corrupt(corrupt("status")))?,
            contract_fee_fen: row.contract_fee_fen,
            paid_fen: row.paid_fen,
            signed_on: row.signed_on,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            delivery_deadline: row.delivery_deadline,
            delivered_on: row.delivered_on,
            procedure_text: row.procedure_text,
            main_content: row.main_content,
            closed_on: row.closed_on,
            dispute_reason: row.dispute_reason,
            recorded_by: row.recorded_by,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = engagement_services)]
struct ServiceRow {
    engagement_id: String,
    service_type: String,
    fee_fen: i64,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = engagement_personnel)]
struct PersonnelRow {
    engagement_id: String,
    person_id: String,
    engineer_id: Option<String>,
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(format!("unserialisable value: {e}")))
}

/// Inserts the engagement with its service lines and personnel; the contract fee is the sum of
/// the lines. Run inside the caller's transaction.
pub fn insert(conn: &mut DbConnection, new: &NewEngagement, now: DateTime<Utc>) -> StoreResult<Engagement> {
    let fee = new
        .services
        .iter()
        .try_fold(0_i64, |sum, line| sum.checked_add(line.fee_fen))
        .ok_or_else(|| StoreError::Corrupt("contract fee overflows".to_owned()))?;
    let id = Uuid::now_v7().to_string();
    let row = EngagementRow {
        id: id.clone(),
        enterprise_id: new.enterprise_id.to_string(),
        provider_id: new.provider_id.to_string(),
        demand_id: new.demand_id.map(|d| d.to_string()),
        contract_fee_fen: fee,
        paid_fen: 0,
        signed_on: new.signed_on,
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        delivery_deadline: new.delivery_deadline,
        reports: json(&new.reports)?,
        planned_on_site: json(&new.planned_on_site)?,
        status: EngagementStatus::Signed.as_str().to_owned(),
        delivered_on: None,
        procedure_text: None,
        main_content: None,
        closed_on: None,
        dispute_reason: None,
        recorded_by: new.recorded_by.clone(),
        version: 1,
        created_at: now.naive_utc(),
        updated_at: now.naive_utc(),
    };
    let services: Vec<ServiceRow> = new
        .services
        .iter()
        .map(|s| ServiceRow {
            engagement_id: id.clone(),
            service_type: s.service_type.as_str().to_owned(),
            fee_fen: s.fee_fen,
        })
        .collect();
    let personnel: Vec<PersonnelRow> = new
        .personnel
        .iter()
        .map(|p| PersonnelRow {
            engagement_id: id.clone(),
            person_id: p.person_id.to_string(),
            engineer_id: p.engineer_id.map(|e| e.to_string()),
        })
        .collect();
    let stored: EngagementRow = with_conn!(conn, c => {
        let stored = diesel::insert_into(engagements::table)
            .values(&row)
            .returning(EngagementRow::as_returning())
            .get_result(c)?;
        for line in &services {
            diesel::insert_into(engagement_services::table).values(line).execute(c)?;
        }
        for person in &personnel {
            diesel::insert_into(engagement_personnel::table).values(person).execute(c)?;
        }
        Ok::<EngagementRow, diesel::result::Error>(stored)
    })?;
    Engagement::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Engagement>> {
    let key = id.to_string();
    let row: Option<EngagementRow> =
        with_conn!(conn, c => engagements::table.find(&key).select(EngagementRow::as_select()).first(c).optional())?;
    row.map(Engagement::try_from).transpose()
}

/// The service lines of an engagement, in service-type order.
pub fn services_of(conn: &mut DbConnection, id: Uuid) -> StoreResult<Vec<ServiceLine>> {
    let key = id.to_string();
    let rows: Vec<ServiceRow> = with_conn!(conn, c => engagement_services::table
        .filter(engagement_services::engagement_id.eq(&key))
        .select(ServiceRow::as_select())
        .order(engagement_services::service_type)
        .load(c))?;
    rows.into_iter()
        .map(|r| {
            let service_type = ServiceType::parse(&r.service_type)
                .map_err(|_| StoreError::Corrupt(format!("engagement_services.service_type of {key}")))?;
            Ok(ServiceLine { service_type, fee_fen: r.fee_fen })
        })
        .collect()
}

/// The personnel of an engagement, in person-id order.
pub fn personnel_of(conn: &mut DbConnection, id: Uuid) -> StoreResult<Vec<Assignment>> {
    let key = id.to_string();
    let rows: Vec<PersonnelRow> = with_conn!(conn, c => engagement_personnel::table
        .filter(engagement_personnel::engagement_id.eq(&key))
        .select(PersonnelRow::as_select())
        .order(engagement_personnel::person_id)
        .load(c))?;
    rows.into_iter()
        .map(|r| {
            let what = || format!("engagement_personnel of {key}");
            Ok(Assignment {
                person_id: parse_uuid(&r.person_id, what)?,
                engineer_id: r.engineer_id.as_deref().map(|e| parse_uuid(e, what)).transpose()?,
            })
        })
        .collect()
}

/// A change of status and what it records.
#[derive(Debug, Clone)]
pub enum StatusChange {
    /// signed → in_progress.
    Start,
    /// in_progress → delivered, with the public disclosure (二(三)).
    Deliver { delivered_on: NaiveDate, procedure_text: String, main_content: String },
    /// delivered → accepted.
    Accept { accepted_on: NaiveDate },
    /// delivered → disputed.
    Dispute { disputed_on: NaiveDate, reason: String },
}

impl StatusChange {
    /// The status the change leads to.
    pub fn target(&self) -> EngagementStatus {
        match self {
            StatusChange::Start => EngagementStatus::InProgress,
            StatusChange::Deliver { .. } => EngagementStatus::Delivered,
            StatusChange::Accept { .. } => EngagementStatus::Accepted,
            StatusChange::Dispute { .. } => EngagementStatus::Disputed,
        }
    }
}

/// Applies `change` if the engagement is still in `from`; `None` when it has moved on (or does
/// not exist), so that two concurrent transitions cannot both succeed.
pub fn change_status(
    conn: &mut DbConnection,
    id: Uuid,
    from: EngagementStatus,
    change: &StatusChange,
    now: DateTime<Utc>,
) -> StoreResult<Option<Engagement>> {
    let key = id.to_string();
    let to = change.target().as_str();
    let at = now.naive_utc();
    let row: Option<EngagementRow> = with_conn!(conn, c => {
        let target = engagements::table.filter(engagements::id.eq(&key)).filter(engagements::status.eq(from.as_str()));
        let common = (
            engagements::status.eq(to),
            engagements::version.eq(engagements::version + 1),
            engagements::updated_at.eq(at),
        );
        match change {
            StatusChange::Start => diesel::update(target)
                .set(common)
                .returning(EngagementRow::as_returning())
                .get_result(c)
                .optional(),
            StatusChange::Deliver { delivered_on, procedure_text, main_content } => diesel::update(target)
                .set((
                    common,
                    engagements::delivered_on.eq(Some(*delivered_on)),
                    engagements::procedure_text.eq(Some(procedure_text)),
                    engagements::main_content.eq(Some(main_content)),
                ))
                .returning(EngagementRow::as_returning())
                .get_result(c)
                .optional(),
            StatusChange::Accept { accepted_on } => diesel::update(target)
                .set((common, engagements::closed_on.eq(Some(*accepted_on))))
                .returning(EngagementRow::as_returning())
                .get_result(c)
                .optional(),
            StatusChange::Dispute { disputed_on, reason } => diesel::update(target)
                .set((
                    common,
                    engagements::closed_on.eq(Some(*disputed_on)),
                    engagements::dispute_reason.eq(Some(reason)),
                ))
                .returning(EngagementRow::as_returning())
                .get_result(c)
                .optional(),
        }
    })?;
    row.map(Engagement::try_from).transpose()
}

/// Whether the demand exists, and whether it is awarded to a bid of `provider_id` and belongs
/// to `enterprise_id` (九(三)). `None` when there is no such demand.
pub fn demand_awarded_to(
    conn: &mut DbConnection,
    demand_id: Uuid,
    enterprise_id: Uuid,
    provider_id: Uuid,
) -> StoreResult<Option<bool>> {
    let key = demand_id.to_string();
    let demand: Option<(String, String, Option<String>)> = with_conn!(conn, c => demands::table
        .find(&key)
        .select((demands::enterprise_id, demands::status, demands::awarded_bid_id))
        .first(c)
        .optional())?;
    let Some((enterprise, status, awarded_bid)) = demand else { return Ok(None) };
    if enterprise != enterprise_id.to_string() || status != "awarded" {
        return Ok(Some(false));
    }
    let Some(bid) = awarded_bid else { return Ok(Some(false)) };
    let bidder: Option<String> =
        with_conn!(conn, c => bids::table.find(&bid).select(bids::provider_id).first(c).optional())?;
    Ok(Some(bidder.as_deref() == Some(provider_id.to_string().as_str())))
}

/// A payment recorded against an engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub amount_fen: i64,
    pub paid_on: NaiveDate,
    pub recorded_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = engagement_payments)]
struct PaymentRow {
    id: String,
    engagement_id: String,
    amount_fen: i64,
    paid_on: NaiveDate,
    recorded_by: String,
    created_at: NaiveDateTime,
}

impl TryFrom<PaymentRow> for Payment {
    type Error = StoreError;

    fn try_from(row: PaymentRow) -> StoreResult<Payment> {
        let what = || format!("engagement_payments of {}", row.id);
        Ok(Payment {
            id: parse_uuid(&row.id, what)?,
            engagement_id: parse_uuid(&row.engagement_id, what)?,
            amount_fen: row.amount_fen,
            paid_on: row.paid_on,
            recorded_by: row.recorded_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Records a payment if the total paid stays within the contract fee (二(三)): the engagement's
/// `paid_fen` grows by a conditional update (`paid_fen + amount <= contract_fee_fen`), so two
/// concurrent payments can never together exceed the fee; the table's CHECK is the backstop.
/// `None` when the condition failed (or the engagement does not exist).
pub fn add_payment(
    conn: &mut DbConnection,
    id: Uuid,
    amount_fen: i64,
    paid_on: NaiveDate,
    recorded_by: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Payment>> {
    let key = id.to_string();
    let at = now.naive_utc();
    let updated = with_conn!(conn, c => diesel::update(
            engagements::table
                .filter(engagements::id.eq(&key))
                .filter((engagements::paid_fen + amount_fen).le(engagements::contract_fee_fen)),
        )
        .set((
            engagements::paid_fen.eq(engagements::paid_fen + amount_fen),
            engagements::version.eq(engagements::version + 1),
            engagements::updated_at.eq(at),
        ))
        .execute(c))?;
    if updated != 1 {
        return Ok(None);
    }
    let row = PaymentRow {
        id: Uuid::now_v7().to_string(),
        engagement_id: key,
        amount_fen,
        paid_on,
        recorded_by: recorded_by.to_owned(),
        created_at: at,
    };
    let stored: PaymentRow = with_conn!(conn, c => diesel::insert_into(engagement_payments::table)
        .values(&row)
        .returning(PaymentRow::as_returning())
        .get_result(c))?;
    Payment::try_from(stored).map(Some)
}

/// The payments of an engagement, oldest first.
pub fn payments_of(conn: &mut DbConnection, id: Uuid) -> StoreResult<Vec<Payment>> {
    let key = id.to_string();
    let rows: Vec<PaymentRow> = with_conn!(conn, c => engagement_payments::table
        .filter(engagement_payments::engagement_id.eq(&key))
        .select(PaymentRow::as_select())
        .order((engagement_payments::paid_on, engagement_payments::id))
        .load(c))?;
    rows.into_iter().map(Payment::try_from).collect()
}

/// Whether anything was paid on the engagement on or before `on`.
pub fn paid_by(conn: &mut DbConnection, id: Uuid, on: NaiveDate) -> StoreResult<bool> {
    let key = id.to_string();
    Ok(with_conn!(conn, c => diesel::select(diesel::dsl::exists(
            engagement_payments::table
                .filter(engagement_payments::engagement_id.eq(&key))
                .filter(engagement_payments::paid_on.le(on)),
        ))
        .get_result::<bool>(c))?)
}

/// The enterprise's evaluation of an engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub engagement_id: Uuid,
    pub rating: i32,
    pub comment: String,
    pub evaluated_on: NaiveDate,
    pub credit_event_id: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = engagement_evaluations)]
struct EvaluationRow {
    engagement_id: String,
    rating: i32,
    comment: String,
    evaluated_on: NaiveDate,
    credit_event_id: Option<String>,
    created_by: String,
    created_at: NaiveDateTime,
}

impl TryFrom<EvaluationRow> for Evaluation {
    type Error = StoreError;

    fn try_from(row: EvaluationRow) -> StoreResult<Evaluation> {
        let what = || format!("engagement_evaluations of {}", row.engagement_id);
        Ok(Evaluation {
            engagement_id: parse_uuid(&row.engagement_id, what)?,
            credit_event_id: row.credit_event_id.as_deref().map(|e| parse_uuid(e, what)).transpose()?,
            rating: row.rating,
            comment: row.comment,
            evaluated_on: row.evaluated_on,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Records the evaluation; a second one for the engagement is [`StoreError::Duplicate`].
pub fn insert_evaluation(conn: &mut DbConnection, evaluation: &Evaluation) -> StoreResult<Evaluation> {
    let row = EvaluationRow {
        engagement_id: evaluation.engagement_id.to_string(),
        rating: evaluation.rating,
        comment: evaluation.comment.clone(),
        evaluated_on: evaluation.evaluated_on,
        credit_event_id: evaluation.credit_event_id.map(|e| e.to_string()),
        created_by: evaluation.created_by.clone(),
        created_at: evaluation.created_at.naive_utc(),
    };
    let stored: EvaluationRow = with_conn!(conn, c => diesel::insert_into(engagement_evaluations::table)
        .values(&row)
        .returning(EvaluationRow::as_returning())
        .get_result(c))?;
    Evaluation::try_from(stored)
}

pub fn evaluation_of(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Evaluation>> {
    let key = id.to_string();
    let row: Option<EvaluationRow> = with_conn!(conn, c => engagement_evaluations::table
        .find(&key)
        .select(EvaluationRow::as_select())
        .first(c)
        .optional())?;
    row.map(Evaluation::try_from).transpose()
}

/// The notice to the enterprise's regulator of a provider from another city (二(一)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrossRegionNotice {
    pub id: Uuid,
    pub engagement_id: Uuid,
    pub regulator_region: RegionCode,
    pub provider_region: RegionCode,
    pub notified_on: NaiveDate,
    pub earliest_on_site: NaiveDate,
    pub late_dates: Vec<NaiveDate>,
    pub flagged: bool,
    pub created_at: DateTime<Utc>,
}

/// The fields of a new notice.
#[derive(Debug, Clone)]
pub struct NewNotice {
    pub engagement_id: Uuid,
    pub regulator_region: RegionCode,
    pub provider_region: RegionCode,
    pub notified_on: NaiveDate,
    pub earliest_on_site: NaiveDate,
    pub late_dates: Vec<NaiveDate>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = cross_region_notices)]
struct NoticeRow {
    id: String,
    engagement_id: String,
    regulator_region: String,
    provider_region: String,
    notified_on: NaiveDate,
    earliest_on_site: NaiveDate,
    late_dates: String,
    flagged: bool,
    created_at: NaiveDateTime,
}

impl TryFrom<NoticeRow> for CrossRegionNotice {
    type Error = StoreError;

    fn try_from(row: NoticeRow) -> StoreResult<CrossRegionNotice> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("cross_region_notices.{what} of {}", row.id));
        Ok(CrossRegionNotice {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            engagement_id: Uuid::parse_str(&row.engagement_id).map_err(|_| corrupt("engagement_id"))?,
            regulator_region: RegionCode::parse(&row.regulator_region).map_err(|_| corrupt("regulator_region"))?,
            provider_region: RegionCode::parse(&row.provider_region).map_err(|_| corrupt("provider_region"))?,
            late_dates: serde_json::from_str(&row.late_dates).map_err(|_| corrupt("late_dates"))?,
            notified_on: row.notified_on,
            earliest_on_site: row.earliest_on_site,
            flagged: row.flagged,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Inserts the notice, flagged when any planned date is late; one per engagement (a second is
/// [`StoreError::Duplicate`]).
pub fn insert_notice(conn: &mut DbConnection, new: &NewNotice, now: DateTime<Utc>) -> StoreResult<CrossRegionNotice> {
    let row = NoticeRow {
        id: Uuid::now_v7().to_string(),
        engagement_id: new.engagement_id.to_string(),
        regulator_region: new.regulator_region.as_str().to_owned(),
        provider_region: new.provider_region.as_str().to_owned(),
        notified_on: new.notified_on,
        earliest_on_site: new.earliest_on_site,
        late_dates: json(&new.late_dates)?,
        flagged: !new.late_dates.is_empty(),
        created_at: now.naive_utc(),
    };
    let stored: NoticeRow = with_conn!(conn, c => diesel::insert_into(cross_region_notices::table)
        .values(&row)
        .returning(NoticeRow::as_returning())
        .get_result(c))?;
    CrossRegionNotice::try_from(stored)
}

pub fn notice_of(conn: &mut DbConnection, engagement_id: Uuid) -> StoreResult<Option<CrossRegionNotice>> {
    let key = engagement_id.to_string();
    let row: Option<NoticeRow> = with_conn!(conn, c => cross_region_notices::table
        .filter(cross_region_notices::engagement_id.eq(&key))
        .select(NoticeRow::as_select())
        .first(c)
        .optional())?;
    row.map(CrossRegionNotice::try_from).transpose()
}

/// Notices whose regulator region is one of `regions` (all when `None`), optionally only the
/// flagged ones, in id order (recording order), `limit` per page after the id `after`.
pub fn notices_page(
    conn: &mut DbConnection,
    regions: Option<&[String]>,
    flagged: Option<bool>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<CrossRegionNotice>> {
    let after = after.map(|a| a.to_string());
    let rows: Vec<NoticeRow> = with_conn!(conn, c => {
        let mut query = cross_region_notices::table.select(NoticeRow::as_select()).into_boxed();
        if let Some(codes) = regions {
            query = query.filter(cross_region_notices::regulator_region.eq_any(codes));
        }
        if let Some(flagged) = flagged {
            query = query.filter(cross_region_notices::flagged.eq(flagged));
        }
        if let Some(after) = &after {
            query = query.filter(cross_region_notices::id.gt(after));
        }
        query.order(cross_region_notices::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(CrossRegionNotice::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |n| n.id.to_string()))
}

/// Which engagements a list covers.
#[derive(Debug, Clone)]
pub enum EngagementScope {
    /// Every engagement.
    All,
    /// Those the organisation is a party to (as enterprise or provider).
    Party(Uuid),
    /// Those whose enterprise or provider is located in one of these regions.
    Regions(Vec<String>),
    /// Those whose enterprise is located in one of these regions.
    EnterpriseRegions(Vec<String>),
}

/// Engagements in `scope`, optionally of one status, in id order (recording order), `limit`
/// per page after the id `after`.
pub fn page(
    conn: &mut DbConnection,
    scope: &EngagementScope,
    status: Option<EngagementStatus>,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Engagement>> {
    let after = after.map(|a| a.to_string());
    let rows: Vec<EngagementRow> = with_conn!(conn, c => {
        let mut query = engagements::table.select(EngagementRow::as_select()).into_boxed();
        query = match scope {
            EngagementScope::All => query,
            EngagementScope::Party(org) => {
                let org = org.to_string();
                query.filter(engagements::enterprise_id.eq(org.clone()).or(engagements::provider_id.eq(org)))
            }
            EngagementScope::Regions(codes) => {
                let located = organizations::table.select(organizations::id).filter(organizations::region_code.eq_any(codes));
                let located_too =
                    organizations::table.select(organizations::id).filter(organizations::region_code.eq_any(codes));
                query.filter(engagements::enterprise_id.eq_any(located).or(engagements::provider_id.eq_any(located_too)))
            }
            EngagementScope::EnterpriseRegions(codes) => query.filter(
                engagements::enterprise_id.eq_any(
                    organizations::table.select(organizations::id).filter(organizations::region_code.eq_any(codes)),
                ),
            ),
        };
        if let Some(status) = status {
            query = query.filter(engagements::status.eq(status.as_str()));
        }
        if let Some(after) = &after {
            query = query.filter(engagements::id.gt(after));
        }
        query.order(engagements::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Engagement::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |e| e.id.to_string()))
}

/// Engagements that may be charging without service on `on` (八(三)), in `scope`: paid on or
/// before `on`, deadline before `on`, and not delivered by the deadline. This mirrors
/// `domain::engagements::charging_without_service` in SQL so that a page costs one query; the
/// caller applies the domain rule to each row as well, and tests/tests/engagements.rs checks the
/// flag's boundaries through the API.
pub fn charging_page(
    conn: &mut DbConnection,
    scope: &EngagementScope,
    on: NaiveDate,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Engagement>> {
    let after = after.map(|a| a.to_string());
    let rows: Vec<EngagementRow> = with_conn!(conn, c => {
        let mut query = engagements::table
            .select(EngagementRow::as_select())
            .filter(engagements::delivery_deadline.lt(on))
            .filter(
                engagements::delivered_on
                    .is_null()
                    .or(engagements::delivered_on.gt(engagements::delivery_deadline.nullable())),
            )
            .filter(engagements::id.eq_any(
                engagement_payments::table
                    .select(engagement_payments::engagement_id)
                    .filter(engagement_payments::paid_on.le(on)),
            ))
            .into_boxed();
        query = match scope {
            EngagementScope::All => query,
            EngagementScope::Party(org) => {
                let org = org.to_string();
                query.filter(engagements::enterprise_id.eq(org.clone()).or(engagements::provider_id.eq(org)))
            }
            EngagementScope::Regions(codes) | EngagementScope::EnterpriseRegions(codes) => query.filter(
                engagements::enterprise_id.eq_any(
                    organizations::table.select(organizations::id).filter(organizations::region_code.eq_any(codes)),
                ),
            ),
        };
        if let Some(after) = &after {
            query = query.filter(engagements::id.gt(after));
        }
        query.order(engagements::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Engagement::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |e| e.id.to_string()))
}
