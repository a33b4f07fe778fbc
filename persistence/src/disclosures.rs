//! Reads of engagements for public disclosure and annual figures (豫安委〔2017〕17号 二(三)), and
//! for the part-time safety manager equivalence (九(三)). Engagements are written by
//! `crate::engagements`; this module only reads them.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use domain::annual_report::EngagementFacts;
use domain::organization::ServiceType;
use domain::region::RegionCode;
use domain::Fen;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{
    engagement_evaluations, engagement_personnel, engagement_services, engagements, engineers, organizations, persons,
};
use crate::{DbConnection, Page};

/// The status of an engagement that does not retain its provider (九(三)): the enterprise
/// disputes the delivery.
const DISPUTED: &str = "disputed";

/// A person named in a disclosure: the name and, for a registered safety engineer, the
/// registration number. Never the identity number or phone (二(三), CONVENTIONS.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisclosedPerson {
    pub name: String,
    pub registration_number: Option<String>,
}

/// One delivered engagement as the public sees it (二(三)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disclosure {
    pub engagement_id: Uuid,
    /// The services of the contract, in the vocabulary's order.
    pub services: Vec<ServiceType>,
    pub enterprise_name: String,
    pub enterprise_region: RegionCode,
    /// By name.
    pub personnel: Vec<DisclosedPerson>,
    pub procedure: Option<String>,
    pub main_content: Option<String>,
    pub delivered_on: NaiveDate,
}

/// Where a page of disclosures continues: after this delivery date and engagement id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DisclosureKey {
    pub delivered_on: NaiveDate,
    pub engagement_id: Uuid,
}

impl DisclosureKey {
    /// `YYYY-MM-DD|uuid`.
    pub fn encode(&self) -> String {
        format!("{}|{}", self.delivered_on, self.engagement_id)
    }

    /// The inverse of [`DisclosureKey::encode`]; `None` for anything else.
    pub fn decode(text: &str) -> Option<DisclosureKey> {
        let (date, id) = text.split_once('|')?;
        Some(DisclosureKey {
            delivered_on: NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?,
            engagement_id: Uuid::parse_str(id).ok()?,
        })
    }
}

fn corrupt(what: &str, value: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} = {value:?}"))
}

fn uuid(what: &str, text: &str) -> StoreResult<Uuid> {
    Uuid::parse_str(text).map_err(|_| corrupt(what, text))
}

fn service(text: &str) -> StoreResult<ServiceType> {
    ServiceType::parse(text).map_err(|_| corrupt("engagement_services.service_type", text))
}

fn region(text: &str) -> StoreResult<RegionCode> {
    RegionCode::parse(text).map_err(|_| corrupt("organizations.region_code", text))
}

#[derive(Queryable)]
struct DeliveredRow {
    id: String,
    enterprise_id: String,
    procedure_text: Option<String>,
    main_content: Option<String>,
    delivered_on: Option<NaiveDate>,
}

/// The delivered engagements of a provider (二(三): disclosed on delivery), newest delivery
/// first (then by descending engagement id), `limit` per page after `after`. An engagement is
/// delivered once it has a delivery date, whatever happened after (accepted or disputed).
pub fn delivered_page(
    conn: &mut DbConnection,
    provider_id: Uuid,
    after: Option<DisclosureKey>,
    limit: i64,
) -> StoreResult<Page<Disclosure>> {
    let provider = provider_id.to_string();
    let after = after.map(|k| (k.delivered_on, k.engagement_id.to_string()));
    let rows: Vec<DeliveredRow> = with_conn!(conn, c => {
        let mut query = engagements::table
            .select((
                engagements::id,
                engagements::enterprise_id,
                engagements::procedure_text,
                engagements::main_content,
                engagements::delivered_on,
            ))
            .filter(engagements::provider_id.eq(&provider))
            .filter(engagements::delivered_on.is_not_null())
            .into_boxed();
        if let Some((on, id)) = &after {
            query = query.filter(
                engagements::delivered_on
                    .lt(*on)
                    .or(engagements::delivered_on.eq(*on).and(engagements::id.lt(id))),
            );
        }
        query.order((engagements::delivered_on.desc(), engagements::id.desc())).limit(limit + 1).load(c)
    })?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let enterprise_ids: Vec<String> = rows.iter().map(|r| r.enterprise_id.clone()).collect();

    let service_rows: Vec<(String, String)> = with_conn!(conn, c => engagement_services::table
        .select((engagement_services::engagement_id, engagement_services::service_type))
        .filter(engagement_services::engagement_id.eq_any(&ids))
        .load(c))?;
    let mut services: HashMap<String, Vec<ServiceType>> = HashMap::new();
    for (engagement_id, service_type) in service_rows {
        services.entry(engagement_id).or_default().push(service(&service_type)?);
    }

    let enterprise_rows: Vec<(String, String, String)> = with_conn!(conn, c => organizations::table
        .select((organizations::id, organizations::name, organizations::region_code))
        .filter(organizations::id.eq_any(&enterprise_ids))
        .load(c))?;
    let enterprises: HashMap<String, (String, String)> =
        enterprise_rows.into_iter().map(|(id, name, region)| (id, (name, region))).collect();

    let personnel = personnel_of(conn, &ids)?;

    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        let (name, region_code) = enterprises
            .get(&row.enterprise_id)
            .ok_or_else(|| corrupt("engagements.enterprise_id", &row.enterprise_id))?;
        let mut services = services.remove(&row.id).unwrap_or_default();
        services.sort_by_key(|s| ServiceType::ALL.iter().position(|t| t == s));
        items.push(Disclosure {
            engagement_id: uuid("engagements.id", &row.id)?,
            services,
            enterprise_name: name.clone(),
            enterprise_region: region(region_code)?,
            personnel: personnel.get(&row.id).cloned().unwrap_or_default(),
            procedure: row.procedure_text,
            main_content: row.main_content,
            delivered_on: row.delivered_on.ok_or_else(|| corrupt("engagements.delivered_on", &row.id))?,
        });
    }
    Ok(Page::from_rows(items, limit, |d| {
        DisclosureKey { delivered_on: d.delivered_on, engagement_id: d.engagement_id }.encode()
    }))
}

/// The names and engineer registration numbers of the personnel of `engagement_ids`, by
/// engagement, each list by name. Identity numbers are not even read.
fn personnel_of(
    conn: &mut DbConnection,
    engagement_ids: &[String],
) -> StoreResult<HashMap<String, Vec<DisclosedPerson>>> {
    let assigned: Vec<(String, String, Option<String>)> = with_conn!(conn, c => engagement_personnel::table
        .select((engagement_personnel::engagement_id, engagement_personnel::person_id, engagement_personnel::engineer_id))
        .filter(engagement_personnel::engagement_id.eq_any(engagement_ids))
        .load(c))?;
    let person_ids: Vec<&String> = assigned.iter().map(|(_, p, _)| p).collect();
    let engineer_ids: Vec<&String> = assigned.iter().filter_map(|(_, _, e)| e.as_ref()).collect();
    let names: HashMap<String, String> = with_conn!(conn, c => persons::table
        .select((persons::id, persons::name))
        .filter(persons::id.eq_any(&person_ids))
        .load::<(String, String)>(c))?
    .into_iter()
    .collect();
    let numbers: HashMap<String, String> = with_conn!(conn, c => engineers::table
        .select((engineers::id, engineers::registration_number))
        .filter(engineers::id.eq_any(&engineer_ids))
        .load::<(String, String)>(c))?
    .into_iter()
    .collect();
    let mut by_engagement: HashMap<String, Vec<DisclosedPerson>> = HashMap::new();
    for (engagement_id, person_id, engineer_id) in assigned {
        let name = names.get(&person_id).ok_or_else(|| corrupt("engagement_personnel.person_id", &person_id))?;
        let registration_number = match engineer_id {
            Some(id) => Some(numbers.get(&id).ok_or_else(|| corrupt("engagement_personnel.engineer_id", &id))?.clone()),
            None => None,
        };
        by_engagement
            .entry(engagement_id)
            .or_default()
            .push(DisclosedPerson { name: name.clone(), registration_number });
    }
    for people in by_engagement.values_mut() {
        people.sort_by(|a, b| (&a.name, &a.registration_number).cmp(&(&b.name, &b.registration_number)));
    }
    Ok(by_engagement)
}

/// The engagements of a provider signed in `year` (1 January to 31 December; `signed_on` is a
/// CST date), as the annual report reads them (二(三)): service lines, the enterprise's region
/// and the evaluation, if any. Four queries whatever the number of engagements.
pub fn year_facts(conn: &mut DbConnection, provider_id: Uuid, year: i32) -> StoreResult<Vec<EngagementFacts>> {
    let (Some(first), Some(last)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Ok(Vec::new());
    };
    let provider = provider_id.to_string();
    let rows: Vec<(String, String, NaiveDate)> = with_conn!(conn, c => engagements::table
        .select((engagements::id, engagements::enterprise_id, engagements::signed_on))
        .filter(engagements::provider_id.eq(&provider))
        .filter(engagements::signed_on.between(first, last))
        .order(engagements::id)
        .load(c))?;
    // The same selection as a subquery, so that no list of ids is bound.
    let of_year = |provider: &String| {
        engagements::table
            .select(engagements::id)
            .filter(engagements::provider_id.eq(provider.clone()))
            .filter(engagements::signed_on.between(first, last))
    };
    let lines: Vec<(String, String, i64)> = with_conn!(conn, c => engagement_services::table
        .select((engagement_services::engagement_id, engagement_services::service_type, engagement_services::fee_fen))
        .filter(engagement_services::engagement_id.eq_any(of_year(&provider)))
        .order((engagement_services::engagement_id, engagement_services::service_type))
        .load(c))?;
    let ratings: HashMap<String, i32> = with_conn!(conn, c => engagement_evaluations::table
        .select((engagement_evaluations::engagement_id, engagement_evaluations::rating))
        .filter(engagement_evaluations::engagement_id.eq_any(of_year(&provider)))
        .load::<(String, i32)>(c))?
    .into_iter()
    .collect();
    let regions: HashMap<String, String> = with_conn!(conn, c => organizations::table
        .select((organizations::id, organizations::region_code))
        .filter(organizations::id.eq_any(
            engagements::table
                .select(engagements::enterprise_id)
                .filter(engagements::provider_id.eq(&provider))
                .filter(engagements::signed_on.between(first, last)),
        ))
        .load::<(String, String)>(c))?
    .into_iter()
    .collect();
    let mut services: HashMap<String, Vec<(ServiceType, Fen)>> = HashMap::new();
    for (engagement_id, service_type, fee) in lines {
        services.entry(engagement_id).or_default().push((service(&service_type)?, Fen::new(fee)));
    }
    rows.into_iter()
        .map(|(id, enterprise_id, signed_on)| {
            let region_code =
                regions.get(&enterprise_id).ok_or_else(|| corrupt("engagements.enterprise_id", &enterprise_id))?;
            Ok(EngagementFacts {
                signed_on,
                enterprise_region: region(region_code)?,
                services: services.remove(&id).unwrap_or_default(),
                rating: ratings.get(&id).copied(),
            })
        })
        .collect()
}

/// An engagement by which an enterprise may retain a provider (九(三)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retention {
    pub engagement_id: Uuid,
    pub provider_id: Uuid,
    pub provider_name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// The engagements of an enterprise with any provider, except disputed ones, earliest start
/// first (then by id): the retentions the equivalence of 九(三) weighs.
pub fn retentions(conn: &mut DbConnection, enterprise_id: Uuid) -> StoreResult<Vec<Retention>> {
    let enterprise = enterprise_id.to_string();
    let rows: Vec<(String, String, NaiveDate, NaiveDate)> = with_conn!(conn, c => engagements::table
        .select((engagements::id, engagements::provider_id, engagements::starts_on, engagements::ends_on))
        .filter(engagements::enterprise_id.eq(&enterprise))
        .filter(engagements::status.ne(DISPUTED))
        .order((engagements::starts_on, engagements::id))
        .load(c))?;
    let provider_ids: Vec<&String> = rows.iter().map(|(_, p, _, _)| p).collect();
    let names: HashMap<String, String> = with_conn!(conn, c => organizations::table
        .select((organizations::id, organizations::name))
        .filter(organizations::id.eq_any(&provider_ids))
        .load::<(String, String)>(c))?
    .into_iter()
    .collect();
    rows.into_iter()
        .map(|(id, provider_id, starts_on, ends_on)| {
            Ok(Retention {
                engagement_id: uuid("engagements.id", &id)?,
                provider_name: names
                    .get(&provider_id)
                    .cloned()
                    .ok_or_else(|| corrupt("engagements.provider_id", &provider_id))?,
                provider_id: uuid("engagements.provider_id", &provider_id)?,
                starts_on,
                ends_on,
            })
        })
        .collect()
}
