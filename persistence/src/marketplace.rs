//! Demands and bids (九(三)), and the facts matching reads about many
//! providers at once: their sanctions, bans and blacklist listings, one query
//! each for a whole candidate list.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::marketplace::DemandStatus;
use domain::organization::{OrganizationKind, Role, ServiceType};
use domain::region::RegionCode;
use domain::sanctions::{Ban, BanKind, Sanction, SanctionKind};
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::organizations::{Organization, OrganizationRow};
use crate::schema::{bans, bids, blacklist_listings, demands, organizations, sanctions};
use crate::{DbConnection, Page};

/// Ids per `IN (...)` list, well below both backends' bind-parameter limits.
const CHUNK: usize = 500;

fn parse_uuid(table: &str, text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| StoreError::Corrupt(format!("{table}.organization_id = {text:?}")))
}

// ---------------------------------------------------------------------------
// Candidate providers and the facts about them
// ---------------------------------------------------------------------------

/// Every organisation of a kind an agency acts for (technical service
/// agency, training institution, social organisation, engineer firm), in
/// credit-code order: the candidates of matching (九(三)). One query; the
/// domain decides who is eligible.
pub fn provider_candidates(conn: &mut DbConnection) -> StoreResult<Vec<Organization>> {
    let kinds: Vec<&str> =
        OrganizationKind::ALL.iter().filter(|k| Role::Agency.may_bind_to(**k)).map(|k| k.as_str()).collect();
    let rows: Vec<OrganizationRow> = with_conn!(conn, c => organizations::table
        .filter(organizations::kind.eq_any(&kinds))
        .select(OrganizationRow::as_select())
        .order(organizations::credit_code)
        .load(c))?;
    rows.into_iter().map(Organization::try_from).collect()
}

/// The sanctions of each of `ids` as the domain reads them (八(一)), one
/// query per 500 ids. Organisations without sanctions are absent.
pub fn sanctions_among(conn: &mut DbConnection, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, Vec<Sanction>>> {
    type Row = (String, String, NaiveDate, Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>, Option<NaiveDate>);
    let mut out: HashMap<Uuid, Vec<Sanction>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let keys: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        let rows: Vec<Row> = with_conn!(conn, c => sanctions::table
            .filter(sanctions::organization_id.eq_any(&keys))
            .select((
                sanctions::organization_id,
                sanctions::kind,
                sanctions::decided_on,
                sanctions::deadline,
                sanctions::complied_on,
                sanctions::from_date,
                sanctions::to_date,
            ))
            .order((sanctions::decided_on, sanctions::id))
            .load(c))?;
        for (org, kind, decided_on, deadline, complied_on, from, to) in rows {
            let kind =
                SanctionKind::parse(&kind).map_err(|_| StoreError::Corrupt(format!("sanctions.kind = {kind:?}")))?;
            out.entry(parse_uuid("sanctions", &org)?).or_default().push(Sanction {
                kind,
                decided_on,
                deadline,
                complied_on,
                from,
                to,
            });
        }
    }
    Ok(out)
}

/// The bans on each of `ids` (八(二) 行业禁入), one query per 500 ids.
pub fn bans_among(conn: &mut DbConnection, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, Vec<Ban>>> {
    let mut out: HashMap<Uuid, Vec<Ban>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let keys: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        let rows: Vec<(Option<String>, String, NaiveDate, Option<NaiveDate>)> = with_conn!(conn, c => bans::table
            .filter(bans::organization_id.eq_any(&keys))
            .select((bans::organization_id, bans::kind, bans::from_date, bans::to_date))
            .order((bans::from_date, bans::id))
            .load(c))?;
        for (org, kind, from, to) in rows {
            let Some(org) = org else { continue };
            let kind = BanKind::parse(&kind).map_err(|_| StoreError::Corrupt(format!("bans.kind = {kind:?}")))?;
            out.entry(parse_uuid("bans", &org)?).or_default().push(Ban { kind, from, to });
        }
    }
    Ok(out)
}

/// The blacklist listings of each of `ids` (八(三)), one query per 500 ids.
pub fn listings_among(
    conn: &mut DbConnection,
    ids: &[Uuid],
) -> StoreResult<HashMap<Uuid, Vec<domain::blacklist::Listing>>> {
    let mut out: HashMap<Uuid, Vec<domain::blacklist::Listing>> = HashMap::new();
    for chunk in ids.chunks(CHUNK) {
        let keys: Vec<String> = chunk.iter().map(Uuid::to_string).collect();
        type Row = (String, NaiveDate, NaiveDate, Option<NaiveDate>);
        let rows: Vec<Row> = with_conn!(conn, c => blacklist_listings::table
            .filter(blacklist_listings::organization_id.eq_any(&keys))
            .select((
                blacklist_listings::organization_id,
                blacklist_listings::listed_on,
                blacklist_listings::ends_on,
                blacklist_listings::removed_on,
            ))
            .order((blacklist_listings::listed_on, blacklist_listings::id))
            .load(c))?;
        for (org, listed_on, ends_on, removed_on) in rows {
            out.entry(parse_uuid("blacklist_listings", &org)?).or_default().push(domain::blacklist::Listing {
                listed_on,
                ends_on,
                removed_on,
            });
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Demands
// ---------------------------------------------------------------------------

/// A demand as stored. `status` is the stored status (never `expired`; see
/// `domain::marketplace::effective_status`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Demand {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub service_type: ServiceType,
    pub region_code: RegionCode,
    pub budget_fen: i64,
    pub deadline: NaiveDate,
    pub description: String,
    pub status: DemandStatus,
    pub awarded_bid_id: Option<Uuid>,
    pub posted_by: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewDemand {
    pub enterprise_id: Uuid,
    pub service_type: ServiceType,
    pub region_code: RegionCode,
    pub budget_fen: i64,
    pub deadline: NaiveDate,
    pub description: String,
    pub posted_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = demands)]
struct DemandRow {
    id: String,
    enterprise_id: String,
    service_type: String,
    region_code: String,
    budget_fen: i64,
    deadline: NaiveDate,
    description: String,
    status: String,
    awarded_bid_id: Option<String>,
    posted_by: String,
    version: i64,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

impl TryFrom<DemandRow> for Demand {
    type Error = StoreError;

    fn try_from(row: DemandRow) -> StoreResult<Demand> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("demands.{what} of {}", row.id));
        Ok(Demand {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            enterprise_id: Uuid::parse_str(&row.enterprise_id).map_err(|_| corrupt("enterprise_id"))?,
            service_type: ServiceType::parse(&row.service_type).map_err(|_| corrupt("service_type"))?,
            region_code: RegionCode::parse(&row.region_code).map_err(|_| corrupt("region_code"))?,
            status: DemandStatus::parse(&row.status).map_err(|_| corrupt("status"))?,
            awarded_bid_id: row
                .awarded_bid_id
                .as_deref()
                .map(|id| Uuid::parse_str(id).map_err(|_| corrupt("awarded_bid_id")))
                .transpose()?,
            budget_fen: row.budget_fen,
            deadline: row.deadline,
            description: row.description,
            posted_by: row.posted_by,
            version: row.version,
            created_at: row.created_at.and_utc(),
            updated_at: row.updated_at.and_utc(),
        })
    }
}

/// Stores a new `open` demand with version 1.
pub fn insert_demand(conn: &mut DbConnection, new: &NewDemand, now: DateTime<Utc>) -> StoreResult<Demand> {
    let now = now.naive_utc();
    let row = DemandRow {
        id: Uuid::now_v7().to_string(),
        enterprise_id: new.enterprise_id.to_string(),
        service_type: new.service_type.as_str().to_owned(),
        region_code: new.region_code.as_str().to_owned(),
        budget_fen: new.budget_fen,
        deadline: new.deadline,
        description: new.description.clone(),
        status: DemandStatus::Open.as_str().to_owned(),
        awarded_bid_id: None,
        posted_by: new.posted_by.clone(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let stored: DemandRow = with_conn!(conn, c => diesel::insert_into(demands::table)
        .values(&row)
        .returning(DemandRow::as_returning())
        .get_result(c))?;
    Demand::try_from(stored)
}

pub fn find_demand(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Demand>> {
    let key = id.to_string();
    let row: Option<DemandRow> =
        with_conn!(conn, c => demands::table.find(&key).select(DemandRow::as_select()).first(c).optional())?;
    row.map(Demand::try_from).transpose()
}

/// The demand, locked until the transaction ends so that bids, awards and
/// withdrawals of one demand queue: PostgreSQL takes the row lock; SQLite
/// transactions are already serialised by `BEGIN IMMEDIATE`.
pub fn lock_demand(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Demand>> {
    let key = id.to_string();
    let row: Option<DemandRow> = match conn {
        DbConnection::Postgres(c) => {
            demands::table.find(&key).select(DemandRow::as_select()).for_update().first(c).optional()?
        }
        DbConnection::Sqlite(c) => demands::table.find(&key).select(DemandRow::as_select()).first(c).optional()?,
    };
    row.map(Demand::try_from).transpose()
}

/// Filter of the demand list.
#[derive(Debug, Clone, Default)]
pub struct DemandFilter {
    /// Only demands in this status on `on` (`open` and `expired` are told
    /// apart by the deadline, as `domain::marketplace::effective_status`
    /// does).
    pub status: Option<DemandStatus>,
    /// Only demands of this enterprise.
    pub enterprise_id: Option<Uuid>,
    /// Only demands located in this region or a region it supervises (the
    /// province supervises all).
    pub jurisdiction: Option<RegionCode>,
}

/// Demands matching `filter` on `on`, in id (posting) order, `limit` per page
/// after the id `after`.
///
/// The status conditions mirror `domain::marketplace::effective_status` in
/// SQL so the database filters page by page: `open` is stored open with
/// `deadline >= on`; `expired` stored open with `deadline < on`; the others
/// as stored.
pub fn demand_page(
    conn: &mut DbConnection,
    on: NaiveDate,
    filter: &DemandFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<Demand>> {
    let supervised = match filter.jurisdiction.as_ref().filter(|j| !j.is_province()) {
        Some(code) => Some(crate::regions::supervised_codes(conn, code)?),
        None => None,
    };
    let status = filter.status;
    let enterprise = filter.enterprise_id.map(|id| id.to_string());
    let after = after.map(|id| id.to_string());
    let rows: Vec<DemandRow> = with_conn!(conn, c => {
        let mut query = demands::table.select(DemandRow::as_select()).into_boxed();
        match status {
            Some(DemandStatus::Open) => {
                query = query.filter(demands::status.eq(DemandStatus::Open.as_str())).filter(demands::deadline.ge(on));
            }
            Some(DemandStatus::Expired) => {
                query = query.filter(demands::status.eq(DemandStatus::Open.as_str())).filter(demands::deadline.lt(on));
            }
            Some(other) => query = query.filter(demands::status.eq(other.as_str())),
            None => {}
        }
        if let Some(enterprise) = &enterprise {
            query = query.filter(demands::enterprise_id.eq(enterprise));
        }
        if let Some(codes) = &supervised {
            query = query.filter(demands::region_code.eq_any(codes));
        }
        if let Some(after) = &after {
            query = query.filter(demands::id.gt(after));
        }
        query.order(demands::id).limit(limit + 1).load(c)
    })?;
    let items = rows.into_iter().map(Demand::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |d| d.id.to_string()))
}

/// Sets the stored status (and the awarded bid) of a demand at `version`,
/// bumping the version. A demand whose version moved on is
/// [`StoreError::VersionConflict`]; a missing one [`StoreError::NotFound`].
pub fn set_demand_status(
    conn: &mut DbConnection,
    id: Uuid,
    version: i64,
    status: DemandStatus,
    awarded_bid_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<Demand> {
    if status == DemandStatus::Expired {
        return Err(StoreError::Corrupt("demands.status: expired is never stored".to_owned()));
    }
    let key = id.to_string();
    let row: Option<DemandRow> = with_conn!(conn, c => diesel::update(
            demands::table.filter(demands::id.eq(&key)).filter(demands::version.eq(version)),
        )
        .set((
            demands::status.eq(status.as_str()),
            demands::awarded_bid_id.eq(awarded_bid_id.map(|b| b.to_string())),
            demands::version.eq(version + 1),
            demands::updated_at.eq(now.naive_utc()),
        ))
        .returning(DemandRow::as_returning())
        .get_result(c)
        .optional())?;
    match row {
        Some(row) => Demand::try_from(row),
        None if find_demand(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}

// ---------------------------------------------------------------------------
// Bids
// ---------------------------------------------------------------------------

/// A provider's expression of interest in a demand.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bid {
    pub id: Uuid,
    pub demand_id: Uuid,
    pub provider_id: Uuid,
    pub price_fen: i64,
    pub plan: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NewBid {
    pub demand_id: Uuid,
    pub provider_id: Uuid,
    pub price_fen: i64,
    pub plan: String,
    pub created_by: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = bids)]
struct BidRow {
    id: String,
    demand_id: String,
    provider_id: String,
    price_fen: i64,
    plan: String,
    created_by: String,
    created_at: NaiveDateTime,
}

impl TryFrom<BidRow> for Bid {
    type Error = StoreError;

    fn try_from(row: BidRow) -> StoreResult<Bid> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("bids.{what} of {}", row.id));
        Ok(Bid {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            demand_id: Uuid::parse_str(&row.demand_id).map_err(|_| corrupt("demand_id"))?,
            provider_id: Uuid::parse_str(&row.provider_id).map_err(|_| corrupt("provider_id"))?,
            price_fen: row.price_fen,
            plan: row.plan,
            created_by: row.created_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

/// Stores a bid. A second bid by the same provider on the same demand is
/// [`StoreError::Duplicate`] (UNIQUE (demand_id, provider_id)).
pub fn insert_bid(conn: &mut DbConnection, new: &NewBid, now: DateTime<Utc>) -> StoreResult<Bid> {
    let row = BidRow {
        id: Uuid::now_v7().to_string(),
        demand_id: new.demand_id.to_string(),
        provider_id: new.provider_id.to_string(),
        price_fen: new.price_fen,
        plan: new.plan.clone(),
        created_by: new.created_by.clone(),
        created_at: now.naive_utc(),
    };
    let stored: BidRow = with_conn!(conn, c => diesel::insert_into(bids::table)
        .values(&row)
        .returning(BidRow::as_returning())
        .get_result(c))?;
    Bid::try_from(stored)
}

pub fn find_bid(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Bid>> {
    let key = id.to_string();
    let row: Option<BidRow> =
        with_conn!(conn, c => bids::table.find(&key).select(BidRow::as_select()).first(c).optional())?;
    row.map(Bid::try_from).transpose()
}

/// The bids on a demand in the order they were made; with `provider`, only
/// that provider's.
pub fn bids_of_demand(conn: &mut DbConnection, demand_id: Uuid, provider: Option<Uuid>) -> StoreResult<Vec<Bid>> {
    let key = demand_id.to_string();
    let provider = provider.map(|p| p.to_string());
    let rows: Vec<BidRow> = with_conn!(conn, c => {
        let mut query = bids::table.filter(bids::demand_id.eq(&key)).select(BidRow::as_select()).into_boxed();
        if let Some(provider) = &provider {
            query = query.filter(bids::provider_id.eq(provider));
        }
        query.order(bids::id).load(c)
    })?;
    rows.into_iter().map(Bid::try_from).collect()
}
