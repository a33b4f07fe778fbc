//! Spot-check draws (豫安委〔2017〕17号 八(二) 双随机): the recorded inputs of
//! every draw, so anyone can re-derive it, and the results per target.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use domain::organization::{OrganizationKind, OrganizationStatus, Sector};
use domain::region::RegionCode;
use uuid::Uuid;

use crate::error::{StoreError, StoreResult};
use crate::schema::{organizations, regions, spot_check_draws, spot_check_targets};
use crate::DbConnection;

/// A draw with the inputs its seed was derived from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawRecord {
    pub id: Uuid,
    pub criteria: String,
    /// The population snapshot: candidate organisation ids, sorted.
    pub population: Vec<String>,
    pub population_digest: String,
    pub inspectors: Vec<String>,
    pub sample_size: u32,
    pub inspectors_per_target: u32,
    pub beacon: String,
    pub seed_hex: String,
    pub drawn_by: String,
    pub region_code: RegionCode,
    pub created_at: DateTime<Utc>,
}

/// One drawn target and what the inspection found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetRecord {
    pub position: u32,
    pub organization_id: Uuid,
    pub inspectors: Vec<String>,
    pub findings: Option<String>,
    pub sanction_id: Option<Uuid>,
    pub recorded_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = spot_check_draws)]
struct DrawRow {
    id: String,
    criteria: String,
    population: String,
    population_digest: String,
    inspectors: String,
    sample_size: i32,
    inspectors_per_target: i32,
    beacon: String,
    seed_hex: String,
    drawn_by: String,
    region_code: String,
    created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = spot_check_targets)]
struct TargetRow {
    draw_id: String,
    position: i32,
    organization_id: String,
    inspectors: String,
    findings: Option<String>,
    sanction_id: Option<String>,
    recorded_at: Option<NaiveDateTime>,
}

fn json<T: serde::Serialize>(value: &T) -> StoreResult<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl TryFrom<DrawRow> for DrawRecord {
    type Error = StoreError;

    fn try_from(row: DrawRow) -> StoreResult<DrawRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("spot_check_draws.{what} of {}", row.id));
        Ok(DrawRecord {
            id: Uuid::parse_str(&row.id).map_err(|_| corrupt("id"))?,
            population: serde_json::from_str(&row.population).map_err(|_| corrupt("population"))?,
            inspectors: serde_json::from_str(&row.inspectors).map_err(|_| corrupt("inspectors"))?,
            sample_size: u32::try_from(row.sample_size).map_err(|_| corrupt("sample_size"))?,
            inspectors_per_target: u32::try_from(row.inspectors_per_target)
                .map_err(|_| corrupt("inspectors_per_target"))?,
            region_code: RegionCode::parse(&row.region_code).map_err(|_| corrupt("region_code"))?,
            criteria: row.criteria,
            population_digest: row.population_digest,
            beacon: row.beacon,
            seed_hex: row.seed_hex,
            drawn_by: row.drawn_by,
            created_at: row.created_at.and_utc(),
        })
    }
}

impl TryFrom<TargetRow> for TargetRecord {
    type Error = StoreError;

    fn try_from(row: TargetRow) -> StoreResult<TargetRecord> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("spot_check_targets.{what} of {}", row.draw_id));
        Ok(TargetRecord {
            position: u32::try_from(row.position).map_err(|_| corrupt("position"))?,
            organization_id: Uuid::parse_str(&row.organization_id).map_err(|_| corrupt("organization_id"))?,
            inspectors: serde_json::from_str(&row.inspectors).map_err(|_| corrupt("inspectors"))?,
            sanction_id: row
                .sanction_id
                .as_deref()
                .map(|id| Uuid::parse_str(id).map_err(|_| corrupt("sanction_id")))
                .transpose()?,
            findings: row.findings,
            recorded_at: row.recorded_at.map(|at| at.and_utc()),
        })
    }
}

/// What a new draw records; the targets come from the domain's draw.
#[derive(Debug, Clone)]
pub struct NewDraw {
    pub criteria: String,
    pub population: Vec<String>,
    pub population_digest: String,
    pub inspectors: Vec<String>,
    pub sample_size: u32,
    pub inspectors_per_target: u32,
    pub beacon: String,
    pub seed_hex: String,
    pub drawn_by: String,
    pub region_code: RegionCode,
    /// `(organisation id, inspectors)` in draw order.
    pub targets: Vec<(Uuid, Vec<String>)>,
}

pub fn insert_draw(conn: &mut DbConnection, new: &NewDraw, now: DateTime<Utc>) -> StoreResult<Uuid> {
    let id = Uuid::now_v7();
    let count = |n: u32| i32::try_from(n).map_err(|_| StoreError::Corrupt("count beyond i32".into()));
    let row = DrawRow {
        id: id.to_string(),
        criteria: new.criteria.clone(),
        population: json(&new.population)?,
        population_digest: new.population_digest.clone(),
        inspectors: json(&new.inspectors)?,
        sample_size: count(new.sample_size)?,
        inspectors_per_target: count(new.inspectors_per_target)?,
        beacon: new.beacon.clone(),
        seed_hex: new.seed_hex.clone(),
        drawn_by: new.drawn_by.clone(),
        region_code: new.region_code.as_str().to_owned(),
        created_at: now.naive_utc(),
    };
    with_conn!(conn, c => diesel::insert_into(spot_check_draws::table).values(&row).execute(c))?;
    let mut targets = Vec::with_capacity(new.targets.len());
    for (position, (organization_id, inspectors)) in new.targets.iter().enumerate() {
        targets.push(TargetRow {
            draw_id: id.to_string(),
            position: i32::try_from(position).map_err(|_| StoreError::Corrupt("position beyond i32".into()))?,
            organization_id: organization_id.to_string(),
            inspectors: json(inspectors)?,
            findings: None,
            sanction_id: None,
            recorded_at: None,
        });
    }
    for chunk in targets.chunks(500) {
        with_conn!(conn, c => diesel::insert_into(spot_check_targets::table).values(chunk).execute(c))?;
    }
    Ok(id)
}

pub fn find_draw(conn: &mut DbConnection, id: Uuid) -> StoreResult<Option<(DrawRecord, Vec<TargetRecord>)>> {
    let key = id.to_string();
    let row: Option<DrawRow> = with_conn!(conn, c => spot_check_draws::table
        .find(&key)
        .select(DrawRow::as_select())
        .first(c)
        .optional())?;
    let Some(row) = row else { return Ok(None) };
    let targets: Vec<TargetRow> = with_conn!(conn, c => spot_check_targets::table
        .filter(spot_check_targets::draw_id.eq(&key))
        .select(TargetRow::as_select())
        .order(spot_check_targets::position)
        .load(c))?;
    let targets = targets.into_iter().map(TargetRecord::try_from).collect::<StoreResult<Vec<_>>>()?;
    Ok(Some((DrawRecord::try_from(row)?, targets)))
}

/// Records the findings at one target (once; again is
/// [`StoreError::VersionConflict`]).
pub fn record_result(
    conn: &mut DbConnection,
    draw_id: Uuid,
    position: u32,
    findings: &str,
    sanction_id: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let key = draw_id.to_string();
    let position = i32::try_from(position).map_err(|_| StoreError::NotFound)?;
    let updated = with_conn!(conn, c => diesel::update(
            spot_check_targets::table
                .filter(spot_check_targets::draw_id.eq(&key))
                .filter(spot_check_targets::position.eq(position))
                .filter(spot_check_targets::recorded_at.is_null()),
        )
        .set((
            spot_check_targets::findings.eq(Some(findings)),
            spot_check_targets::sanction_id.eq(sanction_id.map(|id| id.to_string())),
            spot_check_targets::recorded_at.eq(Some(now.naive_utc())),
        ))
        .execute(c))?;
    if updated == 1 {
        return Ok(());
    }
    let exists: i64 = with_conn!(conn, c => spot_check_targets::table
        .filter(spot_check_targets::draw_id.eq(&key))
        .filter(spot_check_targets::position.eq(position))
        .count()
        .get_result(c))?;
    Err(if exists == 0 { StoreError::NotFound } else { StoreError::VersionConflict })
}

/// The population filter of a draw; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct PopulationFilter {
    pub kind: Option<OrganizationKind>,
    pub sector: Option<Sector>,
    /// Only organisations registered in this region or in a region answering to it.
    pub region: Option<RegionCode>,
    /// Only organisations a regulator of this jurisdiction supervises.
    pub jurisdiction: Option<RegionCode>,
}

/// The population snapshot of a draw: ids of the organisations matching
/// `filter` that are not revoked, sorted byte-wise (the order the draw's
/// documented algorithm uses, whatever the database's collation).
pub fn population(conn: &mut DbConnection, filter: &PopulationFilter) -> StoreResult<Vec<String>> {
    let kind = filter.kind.map(|k| k.as_str());
    let sector = filter.sector.map(|s| s.as_str());
    // The province is everywhere: no sub-select, as in the registry list.
    let within = |code: &Option<RegionCode>| code.as_ref().filter(|c| !c.is_province()).map(|c| c.as_str().to_owned());
    let region = within(&filter.region);
    let jurisdiction = within(&filter.jurisdiction);
    let mut ids: Vec<String> = with_conn!(conn, c => {
        let mut query = organizations::table
            .select(organizations::id)
            .filter(organizations::status.ne(OrganizationStatus::Revoked.as_str()))
            .into_boxed();
        if let Some(kind) = kind {
            query = query.filter(organizations::kind.eq(kind));
        }
        if let Some(sector) = sector {
            query = query.filter(organizations::sector.eq(sector));
        }
        for code in [&region, &jurisdiction].into_iter().flatten() {
            query = query.filter(
                organizations::region_code.eq_any(
                    regions::table
                        .select(regions::code)
                        .filter(regions::code.eq(code).or(regions::supervisor_code.eq(code))),
                ),
            );
        }
        query.load(c)
    })?;
    ids.sort_unstable();
    Ok(ids)
}

/// What a draw shows of a target organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetOrganization {
    pub name: String,
    pub credit_code: String,
}

/// Name and credit code of each of `ids` that exists, by id.
pub fn target_organizations(conn: &mut DbConnection, ids: &[Uuid]) -> StoreResult<HashMap<Uuid, TargetOrganization>> {
    let keys: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let mut found = HashMap::with_capacity(keys.len());
    for chunk in keys.chunks(500) {
        let rows: Vec<(String, String, String)> = with_conn!(conn, c => organizations::table
            .select((organizations::id, organizations::name, organizations::credit_code))
            .filter(organizations::id.eq_any(chunk))
            .load(c))?;
        for (id, name, credit_code) in rows {
            let id = Uuid::parse_str(&id).map_err(|_| StoreError::Corrupt(format!("organizations.id = {id:?}")))?;
            found.insert(id, TargetOrganization { name, credit_code });
        }
    }
    Ok(found)
}
