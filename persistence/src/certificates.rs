//! Special-operation certificates (五(二)) with the facts their standing
//! depends on: the holder's work history and violations, and the reviews.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::certificates::{
    CertificateFacts, CertificateNumber, ReviewFailure, ReviewRecord, Violation, WorkCategory, WorkPeriod,
};
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{certificate_reviews, certificate_violations, certificate_work_periods, certificates};
use crate::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    pub id: Uuid,
    pub number: CertificateNumber,
    pub person_id: Uuid,
    pub category: WorkCategory,
    pub issuing_region: RegionCode,
    pub issued_on: NaiveDate,
    /// The training institution that issued it, if not a regulator.
    pub issued_by: Option<Uuid>,
    pub revoked_on: Option<NaiveDate>,
    pub revocation_reason: Option<String>,
    pub obtained_by_fraud: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewCertificate {
    pub number: CertificateNumber,
    pub person_id: Uuid,
    pub category: WorkCategory,
    pub issuing_region: RegionCode,
    pub issued_on: NaiveDate,
    pub issued_by: Option<Uuid>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = certificates)]
struct CertificateRow {
    id: String,
    number: String,
    person_id: String,
    category: String,
    issuing_region: String,
    issued_on: NaiveDate,
    issued_by: Option<String>,
    revoked_on: Option<NaiveDate>,
    revocation_reason: Option<String>,
    obtained_by_fraud: bool,
    created_at: NaiveDateTime,
}

impl TryFrom<CertificateRow> for Certificate {
    type Error = StoreError;

    fn try_from(row: CertificateRow) -> StoreResult<Certificate> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("certificates.{what} of {}", row.id));
        Ok(Certificate {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            number: CertificateNumber::parse(&row.number).map_err(|_| corrupt("number"))?,
            person_id: Uuid::parse_str(&row.person_id).map_err(|_| corrupt("person_id"))?,
            category: WorkCategory::parse(&row.category).map_err(|_| corrupt("category"))?,
            issuing_region: RegionCode::parse(&row.issuing_region).map_err(|_| corrupt("issuing_region"))?,
            issued_by: row
                .issued_by
                .as_deref()
                .map(|b| Uuid::parse_str(b).map_err(|_| corrupt("issued_by")))
                .transpose()?,
            issued_on: row.issued_on,
            revoked_on: row.revoked_on,
            revocation_reason: row.revocation_reason,
            obtained_by_fraud: row.obtained_by_fraud,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores a certificate; a number with a current (unrevoked) certificate in
/// the category is [`StoreError::Duplicate`]. After a revocation the same
/// number may be issued again in the category.
pub fn insert(conn: &mut DbConnection, new: &NewCertificate, now: DateTime<Utc>) -> StoreResult<Certificate> {
    let row = CertificateRow {
        id: Uuid::now_v7().to_string(),
        number: new.number.as_str().to_owned(),
        person_id: new.person_id.to_string(),
        category: new.category.as_str().to_owned(),
        issuing_region: new.issuing_region.as_str().to_owned(),
        issued_on: new.issued_on,
        issued_by: new.issued_by.map(|b| b.to_string()),
        revoked_on: None,
        revocation_reason: None,
        obtained_by_fraud: false,
        created_at: now.naive_utc(),
    };
    let stored: CertificateRow = with_conn!(conn, c => diesel::insert_into(certificates::table)
        .values(&row)
        .returning(CertificateRow::as_returning())
        .get_result(c))?;
    Certificate::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Certificate>> {
    let key = id.to_string();
    let row: Option<CertificateRow> =
        with_conn!(conn, c => certificates::table.find(&key).select(CertificateRow::as_select()).first(c).optional())?;
    row.map(Certificate::try_from).transpose()
}

/// Every certificate with this number (at most one current per category),
/// oldest first.
pub fn with_number(conn: &mut DbConnection, number: &CertificateNumber) -> StoreResult<Vec<Certificate>> {
    let rows: Vec<CertificateRow> = with_conn!(conn, c => certificates::table
        .filter(certificates::number.eq(number.as_str()))
        .select(CertificateRow::as_select())
        .order(certificates::id)
        .load(c))?;
    rows.into_iter().map(Certificate::try_from).collect()
}

/// Every certificate of a person, oldest first.
pub fn of_person(conn: &mut DbConnection, person_id: Uuid) -> StoreResult<Vec<Certificate>> {
    let key = person_id.to_string();
    let rows: Vec<CertificateRow> = with_conn!(conn, c => certificates::table
        .filter(certificates::person_id.eq(&key))
        .select(CertificateRow::as_select())
        .order(certificates::id)
        .load(c))?;
    rows.into_iter().map(Certificate::try_from).collect()
}

/// Records the revocation; a certificate already revoked is
/// [`StoreError::VersionConflict`].
pub fn revoke(conn: &mut DbConnection, id: Uuid, on: NaiveDate, reason: &str, fraud: bool) -> StoreResult<Certificate> {
    let key = id.to_string();
    let updated: Option<CertificateRow> = with_conn!(conn, c => diesel::update(
            certificates::table.filter(certificates::id.eq(&key)).filter(certificates::revoked_on.is_null()),
        )
        .set((
            certificates::revoked_on.eq(Some(on)),
            certificates::revocation_reason.eq(Some(reason)),
            certificates::obtained_by_fraud.eq(fraud),
        ))
        .returning(CertificateRow::as_returning())
        .get_result(c)
        .optional())?;
    match updated {
        Some(row) => Certificate::try_from(row),
        None if find(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}

pub fn add_work_period(conn: &mut DbConnection, certificate_id: Uuid, period: &WorkPeriod) -> StoreResult<()> {
    let key = certificate_id.to_string();
    with_conn!(conn, c => diesel::insert_into(certificate_work_periods::table)
        .values((
            certificate_work_periods::certificate_id.eq(&key),
            certificate_work_periods::from_date.eq(period.from),
            certificate_work_periods::to_date.eq(period.to),
        ))
        .execute(c))?;
    Ok(())
}

pub fn add_violation(conn: &mut DbConnection, certificate_id: Uuid, violation: &Violation) -> StoreResult<()> {
    let key = certificate_id.to_string();
    with_conn!(conn, c => diesel::insert_into(certificate_violations::table)
        .values((
            certificate_violations::certificate_id.eq(&key),
            certificate_violations::occurred_on.eq(violation.on),
            certificate_violations::serious.eq(violation.serious),
            certificate_violations::administrative_penalty.eq(violation.administrative_penalty),
        ))
        .execute(c))?;
    Ok(())
}

/// One recorded review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub id: Uuid,
    pub certificate_id: Uuid,
    pub applied_on: NaiveDate,
    pub due_on: NaiveDate,
    pub passed: bool,
    pub failures: Vec<ReviewFailure>,
}

pub fn insert_review(
    conn: &mut DbConnection,
    certificate_id: Uuid,
    applied_on: NaiveDate,
    due_on: NaiveDate,
    failures: &[ReviewFailure],
    now: DateTime<Utc>,
) -> StoreResult<Review> {
    let id = Uuid::now_v7();
    let names: Vec<&str> = failures.iter().map(|f| f.as_str()).collect();
    let encoded = serde_json::to_string(&names).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    with_conn!(conn, c => diesel::insert_into(certificate_reviews::table)
        .values((
            certificate_reviews::id.eq(id.to_string()),
            certificate_reviews::certificate_id.eq(certificate_id.to_string()),
            certificate_reviews::applied_on.eq(applied_on),
            certificate_reviews::due_on.eq(due_on),
            certificate_reviews::passed.eq(failures.is_empty()),
            certificate_reviews::failures.eq(&encoded),
            certificate_reviews::created_at.eq(now.naive_utc()),
        ))
        .execute(c))?;
    Ok(Review { id, certificate_id, applied_on, due_on, passed: failures.is_empty(), failures: failures.to_vec() })
}

/// Everything the certificate's standing depends on.
pub fn facts(conn: &mut DbConnection, certificate: &Certificate) -> StoreResult<CertificateFacts> {
    let key = certificate.id.to_string();
    let work: Vec<(NaiveDate, Option<NaiveDate>)> = with_conn!(conn, c => certificate_work_periods::table
        .filter(certificate_work_periods::certificate_id.eq(&key))
        .select((certificate_work_periods::from_date, certificate_work_periods::to_date))
        .order(certificate_work_periods::id)
        .load(c))?;
    let violations: Vec<(NaiveDate, bool, bool)> = with_conn!(conn, c => certificate_violations::table
        .filter(certificate_violations::certificate_id.eq(&key))
        .select((
            certificate_violations::occurred_on,
            certificate_violations::serious,
            certificate_violations::administrative_penalty,
        ))
        .order(certificate_violations::id)
        .load(c))?;
    let reviews: Vec<(NaiveDate, bool)> = with_conn!(conn, c => certificate_reviews::table
        .filter(certificate_reviews::certificate_id.eq(&key))
        .select((certificate_reviews::applied_on, certificate_reviews::passed))
        .order((certificate_reviews::applied_on, certificate_reviews::id))
        .load(c))?;
    Ok(CertificateFacts {
        issued_on: certificate.issued_on,
        revoked_on: certificate.revoked_on,
        reviews: reviews.into_iter().map(|(on, passed)| ReviewRecord { on, passed }).collect(),
        violations: violations
            .into_iter()
            .map(|(on, serious, administrative_penalty)| Violation { on, serious, administrative_penalty })
            .collect(),
        work: work.into_iter().map(|(from, to)| WorkPeriod { from, to }).collect(),
    })
}

/// Every review of a certificate, in application order.
pub fn reviews_of(conn: &mut DbConnection, certificate_id: Uuid) -> StoreResult<Vec<Review>> {
    let key = certificate_id.to_string();
    let rows: Vec<(String, NaiveDate, NaiveDate, bool, String)> = with_conn!(conn, c => certificate_reviews::table
        .filter(certificate_reviews::certificate_id.eq(&key))
        .select((
            certificate_reviews::id,
            certificate_reviews::applied_on,
            certificate_reviews::due_on,
            certificate_reviews::passed,
            certificate_reviews::failures,
        ))
        .order((certificate_reviews::applied_on, certificate_reviews::id))
        .load(c))?;
    rows.into_iter()
        .map(|(id, applied_on, due_on, passed, failures)| {
            let corrupt = |what: &str| StoreError::Corrupt(format!("certificate_reviews.{what} of {id}"));
            let names: Vec<String> = serde_json::from_str(&failures).map_err(|_| corrupt("failures"))?;
            let failures = names
                .iter()
                .map(|n| ReviewFailure::parse(n).map_err(|_| corrupt("failures")))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(Review {
                id: Uuid::parse_str(&id).map_err(|_| corrupt("id"))?,
                certificate_id,
                applied_on,
                due_on,
                passed,
                failures,
            })
        })
        .collect()
}
