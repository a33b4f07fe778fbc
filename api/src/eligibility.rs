//! Whether a provider may be matched with demand or awarded work on a date (九(三), 九(二)).
//!
//! The facts come from storage — the registry status, the sanctions (八(一)), the bans (八(二))
//! and the blacklist listings (八(三)) — and the decision from
//! `domain::marketplace::check_provider`. A list of providers costs three queries in all, not
//! three per provider.

use chrono::NaiveDate;
use domain::blacklist::listed_on_date;
use domain::marketplace::{check_provider, Exclusion, ProviderFacts, Validity};
use domain::organization::{OrganizationStatus, ServiceType};
use domain::sanctions::{ban_in_force, revoked_on, suspended_on, BanKind};
use persistence::marketplace;
use persistence::organizations::Organization;
use persistence::DbConnection;
use uuid::Uuid;

use crate::error::ApiError;

/// The facts `check_provider` reads about each of `providers`, with sanctions, bans and listings
/// judged on `on` (three queries for the whole list).
pub fn facts_among(
    conn: &mut DbConnection,
    providers: &[Organization],
    on: NaiveDate,
) -> Result<Vec<ProviderFacts>, ApiError> {
    let ids: Vec<Uuid> = providers.iter().map(|p| p.id).collect();
    let sanctions = marketplace::sanctions_among(conn, &ids)?;
    let bans = marketplace::bans_among(conn, &ids)?;
    let listings = marketplace::listings_among(conn, &ids)?;
    Ok(providers
        .iter()
        .map(|p| {
            let own_sanctions = sanctions.get(&p.id).map(Vec::as_slice).unwrap_or_default();
            let status = if revoked_on(own_sanctions, on) { OrganizationStatus::Revoked } else { p.status };
            ProviderFacts {
                kind: p.kind,
                status,
                service_types: p.service_types.clone(),
                qualification: p
                    .qualification
                    .as_ref()
                    .map(|q| Validity { valid_from: q.valid_from, valid_until: q.valid_until }),
                suspended_on: suspended_on(own_sanctions, on),
                banned: bans
                    .get(&p.id)
                    .is_some_and(|bans| bans.iter().any(|b| b.kind == BanKind::IndustryBan && ban_in_force(b, on))),
                blacklisted: listings.get(&p.id).is_some_and(|ls| ls.iter().any(|l| listed_on_date(l, on))),
            }
        })
        .collect())
}

/// For each of `providers`, why it may not serve `service` (九(三)), or `None`: the registry
/// status, suspensions, bans and blacklist listings judged on `status_on`, the qualification's
/// validity on `qualification_on` (matching judges it on the demand's deadline).
pub fn exclusions(
    conn: &mut DbConnection,
    providers: &[Organization],
    service: Option<ServiceType>,
    status_on: NaiveDate,
    qualification_on: NaiveDate,
) -> Result<Vec<Option<Exclusion>>, ApiError> {
    Ok(facts_among(conn, providers, status_on)?
        .iter()
        .map(|facts| check_provider(facts, service, qualification_on).err())
        .collect())
}

/// Like [`exclusion`], with standing judged on `status_on` and the qualification on
/// `qualification_on`.
pub fn exclusion_judged(
    conn: &mut DbConnection,
    provider: &Organization,
    service: Option<ServiceType>,
    status_on: NaiveDate,
    qualification_on: NaiveDate,
) -> Result<Option<Exclusion>, ApiError> {
    Ok(exclusions(conn, std::slice::from_ref(provider), service, status_on, qualification_on)?.pop().flatten())
}

/// Why a provider is excluded from matching or award (九(三)), or None when eligible.
///
/// Everything is judged on `on`: the kind, the registry status and a revocation (八(一)), a
/// service suspension in force (八(一) 中止服务), an industry ban in force (八(二)), a blacklist
/// listing in force (八(三)), the scope when `service` is given, and the qualification's validity.
pub fn exclusion(
    conn: &mut DbConnection,
    provider: &Organization,
    service: Option<ServiceType>,
    on: NaiveDate,
) -> Result<Option<Exclusion>, ApiError> {
    exclusion_judged(conn, provider, service, on, on)
}
