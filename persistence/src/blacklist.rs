//! The blacklist (豫安委〔2017〕17号 八(三); 应急管理部令第11号): listings
//! with their term, and applications for early removal.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::blacklist::RemovalStatus;
use domain::organization::OrganizationKind;
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::organizations::{Organization, OrganizationRow};
use crate::schema::{blacklist_listings, blacklist_removal_applications, organizations};
use crate::{DbConnection, Page};

/// One listing of an organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The credit event type (or sanction) that triggered the listing.
    pub trigger_type: String,
    pub credit_event_id: Option<Uuid>,
    pub decided_by: String,
    pub decided_region: RegionCode,
    pub listed_on: NaiveDate,
    /// The first day the party is no longer listed.
    pub ends_on: NaiveDate,
    pub term_rule_version: String,
    /// Early removal (approved application), if any.
    pub removed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

impl Listing {
    /// The listing's dates as the domain reasons about them.
    pub fn term(&self) -> domain::blacklist::Listing {
        domain::blacklist::Listing { listed_on: self.listed_on, ends_on: self.ends_on, removed_on: self.removed_on }
    }
}

#[derive(Debug, Clone)]
pub struct NewListing {
    pub organization_id: Uuid,
    pub trigger_type: String,
    pub credit_event_id: Option<Uuid>,
    pub decided_by: String,
    pub decided_region: RegionCode,
    pub listed_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub term_rule_version: String,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = blacklist_listings)]
struct ListingRow {
    id: String,
    organization_id: String,
    trigger_type: String,
    credit_event_id: Option<String>,
    decided_by: String,
    decided_region: String,
    listed_on: NaiveDate,
    ends_on: NaiveDate,
    term_rule_version: String,
    removed_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
}

impl TryFrom<ListingRow> for Listing {
    type Error = StoreError;

    fn try_from(row: ListingRow) -> StoreResult<Listing> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("blacklist_listings.{what} of {}", row.id));
        Ok(Listing {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            organization_id: Uuid::parse_str(&row.organization_id).map_err(|_| corrupt("organization_id"))?,
            credit_event_id: row
                .credit_event_id
                .as_deref()
                .map(|id| Uuid::parse_str(id).map_err(|_| corrupt("credit_event_id")))
                .transpose()?,
            decided_region: RegionCode::parse(&row.decided_region).map_err(|_| corrupt("decided_region"))?,
            trigger_type: row.trigger_type,
            decided_by: row.decided_by,
            listed_on: row.listed_on,
            ends_on: row.ends_on,
            term_rule_version: row.term_rule_version,
            removed_on: row.removed_on,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn insert_listing(conn: &mut DbConnection, new: &NewListing, now: DateTime<Utc>) -> StoreResult<Listing> {
    let row = ListingRow {
        id: Uuid::now_v7().to_string(),
        organization_id: new.organization_id.to_string(),
        trigger_type: new.trigger_type.clone(),
        credit_event_id: new.credit_event_id.map(|id| id.to_string()),
        decided_by: new.decided_by.clone(),
        decided_region: new.decided_region.as_str().to_owned(),
        listed_on: new.listed_on,
        ends_on: new.ends_on,
        term_rule_version: new.term_rule_version.clone(),
        removed_on: None,
        created_at: now.naive_utc(),
    };
    let stored: ListingRow = with_conn!(conn, c => diesel::insert_into(blacklist_listings::table)
        .values(&row)
        .returning(ListingRow::as_returning())
        .get_result(c))?;
    Listing::try_from(stored)
}

pub fn find_listing(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Listing>> {
    let key = id.to_string();
    let row: Option<ListingRow> = with_conn!(conn, c => blacklist_listings::table
        .find(&key)
        .select(ListingRow::as_select())
        .first(c)
        .optional())?;
    row.map(Listing::try_from).transpose()
}

/// The listing, locked until the transaction ends so that writes about it
/// (applications, decisions) queue: PostgreSQL takes the row lock; SQLite
/// transactions are already serialised by `BEGIN IMMEDIATE`.
pub fn lock_listing(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<Listing>> {
    let key = id.to_string();
    let row: Option<ListingRow> = match conn {
        DbConnection::Postgres(c) => {
            blacklist_listings::table.find(&key).select(ListingRow::as_select()).for_update().first(c).optional()?
        }
        DbConnection::Sqlite(c) => {
            blacklist_listings::table.find(&key).select(ListingRow::as_select()).first(c).optional()?
        }
    };
    row.map(Listing::try_from).transpose()
}

/// Every listing of an organisation, oldest first.
pub fn listings_of(conn: &mut DbConnection, organization_id: Uuid) -> StoreResult<Vec<Listing>> {
    let key = organization_id.to_string();
    let rows: Vec<ListingRow> = with_conn!(conn, c => blacklist_listings::table
        .filter(blacklist_listings::organization_id.eq(&key))
        .select(ListingRow::as_select())
        .order((blacklist_listings::listed_on, blacklist_listings::id))
        .load(c))?;
    rows.into_iter().map(Listing::try_from).collect()
}

/// Records (or, with `None`, revokes) an early removal.
pub fn set_removed(conn: &mut DbConnection, id: Uuid, removed_on: Option<NaiveDate>) -> StoreResult<()> {
    let key = id.to_string();
    let updated = with_conn!(conn, c => diesel::update(blacklist_listings::table.find(&key))
        .set(blacklist_listings::removed_on.eq(removed_on))
        .execute(c))?;
    if updated == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// Filter of the public blacklist.
#[derive(Debug, Clone, Default)]
pub struct BlacklistFilter {
    pub kind: Option<OrganizationKind>,
    /// Only organisations registered in this region or a region it supervises.
    pub region: Option<RegionCode>,
}

/// Listings in force on `on` (listed, not ended, not removed), with the
/// organisation, in listing id order.
pub fn in_force_page(
    conn: &mut DbConnection,
    on: NaiveDate,
    filter: &BlacklistFilter,
    after: Option<Uuid>,
    limit: i64,
) -> StoreResult<Page<(Listing, Organization)>> {
    let kind = filter.kind.map(|k| k.as_str());
    let supervised = match filter.region.as_ref().filter(|r| !r.is_province()) {
        Some(region) => Some(crate::regions::supervised_codes(conn, region)?),
        None => None,
    };
    let after = after.map(|id| id.to_string());
    let rows: Vec<(ListingRow, OrganizationRow)> = with_conn!(conn, c => {
        let mut query = blacklist_listings::table
            .inner_join(organizations::table)
            .filter(blacklist_listings::listed_on.le(on))
            .filter(blacklist_listings::ends_on.gt(on))
            .filter(blacklist_listings::removed_on.is_null().or(blacklist_listings::removed_on.gt(on)))
            .select((ListingRow::as_select(), OrganizationRow::as_select()))
            .into_boxed();
        if let Some(kind) = kind {
            query = query.filter(organizations::kind.eq(kind));
        }
        if let Some(codes) = &supervised {
            query = query.filter(organizations::region_code.eq_any(codes));
        }
        if let Some(after) = &after {
            query = query.filter(blacklist_listings::id.gt(after));
        }
        query.order(blacklist_listings::id).limit(limit + 1).load(c)
    })?;
    let items = rows
        .into_iter()
        .map(|(listing, org)| Ok((Listing::try_from(listing)?, Organization::try_from(org)?)))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Page::from_rows(items, limit, |(l, _)| l.id.to_string()))
}

/// An application for early removal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovalApplication {
    pub id: Uuid,
    pub listing_id: Uuid,
    pub applied_on: NaiveDate,
    pub reason: String,
    /// `revoked` is an approval found fraudulent.
    pub status: RemovalStatus,
    pub decided_by: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = blacklist_removal_applications)]
struct ApplicationRow {
    id: String,
    listing_id: String,
    applied_on: NaiveDate,
    reason: String,
    status: String,
    decided_by: Option<String>,
    decided_on: Option<NaiveDate>,
    created_at: NaiveDateTime,
}

impl TryFrom<ApplicationRow> for RemovalApplication {
    type Error = StoreError;

    fn try_from(row: ApplicationRow) -> StoreResult<RemovalApplication> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("blacklist_removal_applications.{what} of {}", row.id));
        Ok(RemovalApplication {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            listing_id: Uuid::parse_str(&row.listing_id).map_err(|_| corrupt("listing_id"))?,
            applied_on: row.applied_on,
            status: RemovalStatus::parse(&row.status).map_err(|_| corrupt("status"))?,
            reason: row.reason,
            decided_by: row.decided_by,
            decided_on: row.decided_on,
            created_at: row.created_at.and_utc(),
        })
    }
}

pub fn insert_application(
    conn: &mut DbConnection,
    listing_id: Uuid,
    applied_on: NaiveDate,
    reason: &str,
    now: DateTime<Utc>,
) -> StoreResult<RemovalApplication> {
    let row = ApplicationRow {
        id: Uuid::now_v7().to_string(),
        listing_id: listing_id.to_string(),
        applied_on,
        reason: reason.to_owned(),
        status: RemovalStatus::Pending.as_str().to_owned(),
        decided_by: None,
        decided_on: None,
        created_at: now.naive_utc(),
    };
    let stored: ApplicationRow = with_conn!(conn, c => diesel::insert_into(blacklist_removal_applications::table)
        .values(&row)
        .returning(ApplicationRow::as_returning())
        .get_result(c))?;
    RemovalApplication::try_from(stored)
}

pub fn find_application(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<RemovalApplication>> {
    let key = id.to_string();
    let row: Option<ApplicationRow> = with_conn!(conn, c => blacklist_removal_applications::table
        .find(&key)
        .select(ApplicationRow::as_select())
        .first(c)
        .optional())?;
    row.map(RemovalApplication::try_from).transpose()
}

/// Every application for a listing, oldest first.
pub fn applications_of(conn: &mut DbConnection, listing_id: Uuid) -> StoreResult<Vec<RemovalApplication>> {
    let key = listing_id.to_string();
    let rows: Vec<ApplicationRow> = with_conn!(conn, c => blacklist_removal_applications::table
        .filter(blacklist_removal_applications::listing_id.eq(&key))
        .select(ApplicationRow::as_select())
        .order((blacklist_removal_applications::applied_on, blacklist_removal_applications::id))
        .load(c))?;
    rows.into_iter().map(RemovalApplication::try_from).collect()
}

/// Moves an application from `from` to `to`; another current status is
/// [`StoreError::VersionConflict`] (a concurrent decision won).
pub fn decide_application(
    conn: &mut DbConnection,
    id: Uuid,
    from: RemovalStatus,
    to: RemovalStatus,
    by: &str,
    on: NaiveDate,
) -> StoreResult<RemovalApplication> {
    let key = id.to_string();
    let row: Option<ApplicationRow> = with_conn!(conn, c => diesel::update(
            blacklist_removal_applications::table
                .filter(blacklist_removal_applications::id.eq(&key))
                .filter(blacklist_removal_applications::status.eq(from.as_str())),
        )
        .set((
            blacklist_removal_applications::status.eq(to.as_str()),
            blacklist_removal_applications::decided_by.eq(Some(by)),
            blacklist_removal_applications::decided_on.eq(Some(on)),
        ))
        .returning(ApplicationRow::as_returning())
        .get_result(c)
        .optional())?;
    match row {
        Some(row) => RemovalApplication::try_from(row),
        None if find_application(conn, id)?.is_some() => Err(StoreError::VersionConflict),
        None => Err(StoreError::NotFound),
    }
}
