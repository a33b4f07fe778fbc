//! Keyset-paginated reads for the bulk exports (`/api/v1/exports`) that no
//! list endpoint already offers: certificates by the caller's scope and one
//! insurer's fund-year ledger (premium postings, then expenditures). Each
//! call reads one page; the exporter streams page after page, so memory is
//! bounded by the page size whatever the table holds.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use domain::insurance::ExpenditureCategory;
use domain::money::Fen;
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::page::Page;
use crate::schema::{
    certificates, employments, insurance_policies, premium_postings, prevention_fund_expenditures, regions,
};
use crate::DbConnection;

/// Which certificates an export covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertificateScope {
    /// Every certificate.
    All,
    /// Certificates issued in this region or in a region it supervises (a
    /// city and its counties).
    IssuedIn(RegionCode),
    /// Certificates of persons the organisation employs on the date, and
    /// those it recorded as the issuing training institution.
    Organization { id: Uuid, on: NaiveDate },
}

/// Ids of the certificates in `scope`, in id order (UUIDv7: issue order),
/// `limit` per page, after the id `after`.
pub fn certificate_ids(
    conn: &mut DbConnection,
    scope: &CertificateScope,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Uuid>> {
    let after = after.map(|id| id.to_string());
    let ids: Vec<String> = with_conn!(conn, c => {
        let mut query = certificates::table.select(certificates::id).into_boxed();
        match scope {
            CertificateScope::All => {}
            CertificateScope::IssuedIn(region) => {
                let code = region.as_str().to_owned();
                query = query.filter(
                    certificates::issuing_region.eq_any(
                        regions::table
                            .select(regions::code)
                            .filter(regions::code.eq(code.clone()).or(regions::supervisor_code.eq(code))),
                    ),
                );
            }
            CertificateScope::Organization { id, on } => {
                let org = id.to_string();
                let employed = employments::table
                    .select(employments::person_id)
                    .filter(employments::organization_id.eq(org.clone()))
                    .filter(employments::from_date.le(*on))
                    .filter(employments::to_date.is_null().or(employments::to_date.ge(*on)));
                query = query.filter(certificates::person_id.eq_any(employed).or(certificates::issued_by.eq(org)));
            }
        }
        if let Some(after) = &after {
            query = query.filter(certificates::id.gt(after));
        }
        query.order(certificates::id).limit(limit + 1).load(c)
    })?;
    let ids = ids
        .into_iter()
        .map(|id| Uuid::parse_str(&id).map_err(|_| StoreError::Corrupt(format!("certificates.id = {id:?}"))))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(ids, limit, Uuid::to_string))
}

/// One premium posting of a fund-year export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingLine {
    pub id: i64,
    pub batch_id: Uuid,
    pub policy_id: Uuid,
    pub policy_number: String,
    pub external_ref: String,
    pub received_at: NaiveDateTime,
    pub received_on: NaiveDate,
    pub amount: Fen,
}

/// Where a page of postings ends: the CST day and the stored id.
pub type PostingKey = (NaiveDate, i64);

/// The insurer's premium postings received on `from..=to` (CST days),
/// ordered by day and then by storage order, after `after`.
pub fn postings_page(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<PostingKey>,
    limit: i64,
) -> StoreResult<(Vec<PostingLine>, Option<PostingKey>)> {
    type Row = (i64, String, String, String, String, NaiveDateTime, NaiveDate, i64);
    let insurer = insurer_id.to_string();
    let rows: Vec<Row> = with_conn!(conn, c => {
        let mut query = premium_postings::table
            .inner_join(insurance_policies::table)
            .filter(premium_postings::insurer_id.eq(&insurer))
            .filter(premium_postings::received_on.between(from, to))
            .select((
                premium_postings::id,
                premium_postings::batch_id,
                premium_postings::policy_id,
                insurance_policies::policy_number,
                premium_postings::external_ref,
                premium_postings::received_at,
                premium_postings::received_on,
                premium_postings::amount_fen,
            ))
            .into_boxed();
        if let Some((day, id)) = after {
            query = query.filter(
                premium_postings::received_on
                    .gt(day)
                    .or(premium_postings::received_on.eq(day).and(premium_postings::id.gt(id))),
            );
        }
        query.order((premium_postings::received_on, premium_postings::id)).limit(limit + 1).load(c)
    })?;
    let corrupt = |what: &str, id: i64| StoreError::Corrupt(format!("premium_postings.{what} of {id}"));
    let mut lines = rows
        .into_iter()
        .map(|(id, batch_id, policy_id, policy_number, external_ref, received_at, received_on, amount)| {
            Ok(PostingLine {
                id,
                batch_id: Uuid::parse_str(&batch_id).map_err(|_| corrupt("batch_id", id))?,
                policy_id: Uuid::parse_str(&policy_id).map_err(|_| corrupt("policy_id", id))?,
                policy_number,
                external_ref,
                received_at,
                received_on,
                amount: Fen::new(amount),
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let next = more(&mut lines, limit).map(|last| (last.received_on, last.id));
    Ok((lines, next))
}

/// One prevention-fund expenditure of a fund-year export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenditureLine {
    pub id: Uuid,
    pub category: ExpenditureCategory,
    pub amount: Fen,
    pub spent_on: NaiveDate,
    pub description: String,
    pub beneficiary_id: Option<Uuid>,
    pub created_at: NaiveDateTime,
}

/// Where a page of expenditures ends: the day spent and the id.
pub type ExpenditureKey = (NaiveDate, Uuid);

/// The insurer's expenditures dated `from..=to`, ordered by day and id,
/// after `after`.
pub fn expenditures_page(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    after: Option<ExpenditureKey>,
    limit: i64,
) -> StoreResult<(Vec<ExpenditureLine>, Option<ExpenditureKey>)> {
    type Row = (String, String, i64, NaiveDate, String, Option<String>, NaiveDateTime);
    use prevention_fund_expenditures as e;
    let insurer = insurer_id.to_string();
    let after = after.map(|(day, id)| (day, id.to_string()));
    let rows: Vec<Row> = with_conn!(conn, c => {
        let mut query = e::table
            .filter(e::insurer_id.eq(&insurer))
            .filter(e::spent_on.between(from, to))
            .select((e::id, e::category, e::amount_fen, e::spent_on, e::description, e::beneficiary_id, e::created_at))
            .into_boxed();
        if let Some((day, id)) = &after {
            query = query.filter(e::spent_on.gt(*day).or(e::spent_on.eq(*day).and(e::id.gt(id))));
        }
        query.order((e::spent_on, e::id)).limit(limit + 1).load(c)
    })?;
    let mut lines = rows
        .into_iter()
        .map(|(id, category, amount, spent_on, description, beneficiary_id, created_at)| {
            let corrupt = |what: &str| StoreError::Corrupt(format!("prevention_fund_expenditures.{what} of {id}"));
            Ok(ExpenditureLine {
                id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
                category: ExpenditureCategory::parse(&category).map_err(|_| corrupt("category"))?,
                amount: Fen::new(amount),
                spent_on,
                beneficiary_id: beneficiary_id
                    .as_deref()
                    .map(|b| Uuid::parse_str(b).map_err(|_| corrupt("beneficiary_id")))
                    .transpose()?,
                description,
                created_at,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    let next = more(&mut lines, limit).map(|last| (last.spent_on, last.id));
    Ok((lines, next))
}

/// Queries fetch `limit + 1` rows: with the extra one there is more, and
/// the page ends at the last row kept.
fn more<T>(rows: &mut Vec<T>, limit: i64) -> Option<&T> {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        rows.last()
    } else {
        None
    }
}
