//! Prevention-fund expenditures (三(二)): what each insurer spent its
//! earmarked levy on.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::insurance::ExpenditureCategory;
use domain::money::Fen;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::prevention_fund_expenditures;
use crate::DbConnection;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expenditure {
    pub id: Uuid,
    pub insurer_id: Uuid,
    pub category: ExpenditureCategory,
    pub amount: Fen,
    pub spent_on: NaiveDate,
    pub description: String,
    pub beneficiary_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewExpenditure {
    pub insurer_id: Uuid,
    pub category: ExpenditureCategory,
    pub amount: Fen,
    pub spent_on: NaiveDate,
    pub description: String,
    pub beneficiary_id: Option<Uuid>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = prevention_fund_expenditures)]
struct ExpenditureRow {
    id: String,
    insurer_id: String,
    category: String,
    amount_fen: i64,
    spent_on: NaiveDate,
    description: String,
    beneficiary_id: Option<String>,
    created_at: NaiveDateTime,
}

impl TryFrom<ExpenditureRow> for Expenditure {
    type Error = StoreError;

    fn try_from(row: ExpenditureRow) -> StoreResult<Expenditure> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("prevention_fund_expenditures.{what} of {}", row.id));
        Ok(Expenditure {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            insurer_id: Uuid::parse_str(&row.insurer_id).map_err(|_| corrupt("insurer_id"))?,
            category: ExpenditureCategory::parse(&row.category).map_err(|_| corrupt("category"))?,
            amount: Fen::new(row.amount_fen),
            spent_on: row.spent_on,
            beneficiary_id: row
                .beneficiary_id
                .as_deref()
                .map(|b| Uuid::parse_str(b).map_err(|_| corrupt("beneficiary_id")))
                .transpose()?,
            description: row.description,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn insert(conn: &mut DbConnection, spend: &NewExpenditure, now: DateTime<Utc>) -> StoreResult<Expenditure> {
    let row = ExpenditureRow {
        id: Uuid::now_v7().to_string(),
        insurer_id: spend.insurer_id.to_string(),
        category: spend.category.as_str().to_owned(),
        amount_fen: spend.amount.value(),
        spent_on: spend.spent_on,
        description: spend.description.clone(),
        beneficiary_id: spend.beneficiary_id.map(|b| b.to_string()),
        created_at: now.naive_utc(),
    };
    let stored: ExpenditureRow = with_conn!(conn, c => diesel::insert_into(prevention_fund_expenditures::table)
        .values(&row)
        .returning(ExpenditureRow::as_returning())
        .get_result(c))?;
    Expenditure::try_from(stored)
}

/// Every expenditure of the insurer dated within `from..=to`, oldest first.
pub fn list(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> StoreResult<Vec<Expenditure>> {
    let insurer = insurer_id.to_string();
    let rows: Vec<ExpenditureRow> = with_conn!(conn, c => prevention_fund_expenditures::table
        .filter(prevention_fund_expenditures::insurer_id.eq(&insurer))
        .filter(prevention_fund_expenditures::spent_on.between(from, to))
        .select(ExpenditureRow::as_select())
        .order((prevention_fund_expenditures::spent_on, prevention_fund_expenditures::id))
        .load(c))?;
    rows.into_iter().map(Expenditure::try_from).collect()
}
