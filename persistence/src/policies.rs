//! Liability-insurance policies (三(一)).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::money::Fen;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{insurance_policies, organizations};
use crate::{DbConnection, Page};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: Uuid,
    pub insurer_id: Uuid,
    pub policy_number: String,
    pub enterprise_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub insured_headcount: i32,
    pub cover_per_person: Fen,
    pub base_premium: Fen,
    pub charged_premium: Fen,
    pub risk_adjustment_bp: i32,
    /// The minimum-cover rule version checked at creation, if one was in force.
    pub min_cover_rule: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a new policy is; the id is generated here.
#[derive(Debug, Clone)]
pub struct NewPolicy {
    pub insurer_id: Uuid,
    pub policy_number: String,
    pub enterprise_id: Uuid,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub insured_headcount: i32,
    pub cover_per_person: Fen,
    pub base_premium: Fen,
    pub charged_premium: Fen,
    pub risk_adjustment_bp: i32,
    pub min_cover_rule: Option<String>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = insurance_policies)]
struct PolicyRow {
    id: String,
    insurer_id: String,
    policy_number: String,
    enterprise_id: String,
    start_date: NaiveDate,
    end_date: NaiveDate,
    insured_headcount: i32,
    cover_per_person_fen: i64,
    base_premium_fen: i64,
    charged_premium_fen: i64,
    risk_adjustment_bp: i32,
    min_cover_rule: Option<String>,
    created_at: NaiveDateTime,
}

fn uuid(column: &str, value: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(value).map_err(|_| StoreError::Corrupt(format!("insurance_policies.{column} = {value:?}")))
}

impl TryFrom<PolicyRow> for Policy {
    type Error = StoreError;

    fn try_from(row: PolicyRow) -> StoreResult<Policy> {
        Ok(Policy {
            id: uuid("id", &row.id)?,
            insurer_id: uuid("insurer_id", &row.insurer_id)?,
            enterprise_id: uuid("enterprise_id", &row.enterprise_id)?,
            policy_number: row.policy_number,
            start_date: row.start_date,
            end_date: row.end_date,
            insured_headcount: row.insured_headcount,
            cover_per_person: Fen::new(row.cover_per_person_fen),
            base_premium: Fen::new(row.base_premium_fen),
            charged_premium: Fen::new(row.charged_premium_fen),
            risk_adjustment_bp: row.risk_adjustment_bp,
            min_cover_rule: row.min_cover_rule,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores a policy; a policy number the insurer already used is
/// [`StoreError::Duplicate`].
pub fn insert(conn: &mut DbConnection, policy: &NewPolicy, now: DateTime<Utc>) -> StoreResult<Policy> {
    let row = PolicyRow {
        id: Uuid::now_v7().to_string(),
        insurer_id: policy.insurer_id.to_string(),
        policy_number: policy.policy_number.clone(),
        enterprise_id: policy.enterprise_id.to_string(),
        start_date: policy.start_date,
        end_date: policy.end_date,
        insured_headcount: policy.insured_headcount,
        cover_per_person_fen: policy.cover_per_person.value(),
        base_premium_fen: policy.base_premium.value(),
        charged_premium_fen: policy.charged_premium.value(),
        risk_adjustment_bp: policy.risk_adjustment_bp,
        min_cover_rule: policy.min_cover_rule.clone(),
        created_at: now.naive_utc(),
    };
    let stored: PolicyRow = with_conn!(conn, c => diesel::insert_into(insurance_policies::table)
        .values(&row)
        .returning(PolicyRow::as_returning())
        .get_result(c))?;
    Policy::try_from(stored)
}

pub fn find(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Policy>> {
    let key = id.to_string();
    let row: Option<PolicyRow> = with_conn!(conn, c => insurance_policies::table
        .find(&key)
        .select(PolicyRow::as_select())
        .first(c)
        .optional())?;
    row.map(Policy::try_from).transpose()
}

/// The insurer's policies with these numbers, keyed by number.
pub fn find_by_numbers(
    conn: &mut DbConnection,
    insurer_id: Uuid,
    numbers: &[&str],
) -> StoreResult<std::collections::HashMap<String, Policy>> {
    let insurer = insurer_id.to_string();
    let mut found = std::collections::HashMap::new();
    // Bounded IN lists keep SQLite under its bound-parameter limit.
    for chunk in numbers.chunks(900) {
        let rows: Vec<PolicyRow> = with_conn!(conn, c => insurance_policies::table
            .filter(insurance_policies::insurer_id.eq(&insurer))
            .filter(insurance_policies::policy_number.eq_any(chunk))
            .select(PolicyRow::as_select())
            .load(c))?;
        for row in rows {
            let policy = Policy::try_from(row)?;
            found.insert(policy.policy_number.clone(), policy);
        }
    }
    Ok(found)
}

/// Filters of the policy list; `None` means any.
#[derive(Debug, Clone, Default)]
pub struct PolicyFilter {
    pub insurer_id: Option<Uuid>,
    pub enterprise_id: Option<Uuid>,
    pub in_force_on: Option<NaiveDate>,
    /// Exact region of the insured enterprise.
    pub region: Option<String>,
    /// Only enterprises a regulator of this jurisdiction supervises.
    pub jurisdiction: Option<String>,
}

/// Policies in id (creation) order, keyset-paginated.
pub fn list(
    conn: &mut DbConnection,
    filter: &PolicyFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Policy>> {
    let insurer = filter.insurer_id.map(|id| id.to_string());
    let enterprise = filter.enterprise_id.map(|id| id.to_string());
    let after = after.map(|id| id.to_string());
    let supervised = match &filter.jurisdiction {
        Some(code) => {
            let code = domain::region::RegionCode::parse(code).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            Some(crate::regions::supervised_codes(conn, &code)?)
        }
        None => None,
    };
    let rows: Vec<PolicyRow> = with_conn!(conn, c => {
        let mut query = insurance_policies::table
            .inner_join(organizations::table.on(organizations::id.eq(insurance_policies::enterprise_id)))
            .select(PolicyRow::as_select())
            .into_boxed();
        if let Some(insurer) = &insurer {
            query = query.filter(insurance_policies::insurer_id.eq(insurer));
        }
        if let Some(enterprise) = &enterprise {
            query = query.filter(insurance_policies::enterprise_id.eq(enterprise));
        }
        if let Some(on) = filter.in_force_on {
            query = query.filter(insurance_policies::start_date.le(on)).filter(insurance_policies::end_date.ge(on));
        }
        if let Some(region) = &filter.region {
            query = query.filter(organizations::region_code.eq(region));
        }
        if let Some(codes) = &supervised {
            query = query.filter(organizations::region_code.eq_any(codes));
        }
        if let Some(after) = &after {
            query = query.filter(insurance_policies::id.gt(after));
        }
        query.order(insurance_policies::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Policy::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |p| p.id.to_string()))
}
