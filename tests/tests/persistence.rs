//! The storage layer on the backend TEST_DATABASE names: migrations, seed,
//! transactions, optimistic concurrency and value round-trips.

use chrono::{TimeZone, Utc};
use domain::credit_code::CreditCode;
use domain::organization::{OrganizationKind, Sector};
use domain::region::RegionCode;
use e2e::{credit_code, Backend, TestDatabase};
use persistence::organizations::{self, OrganizationFields};
use persistence::{regions, rules, seed, DbConnection, StoreError};

fn migrated() -> (TestDatabase, DbConnection) {
    let db = TestDatabase::create(Backend::from_env());
    let mut conn = db.connect();
    assert!(!conn.run_migrations().expect("migrate").is_empty());
    seed::apply(&mut conn).expect("seed");
    (db, conn)
}

fn fields(name: &str) -> OrganizationFields {
    OrganizationFields { employee_count: Some(120), ..e2e::bare_fields(name, "410100", Some(Sector::Mining)) }
}

fn code(seed: u32) -> CreditCode {
    CreditCode::parse(&credit_code(seed)).expect("credit code")
}

#[test]
fn migrations_and_seed_are_idempotent() {
    let (_db, mut conn) = migrated();
    assert!(conn.run_migrations().expect("again").is_empty());
    seed::apply(&mut conn).expect("seed again");
    assert_eq!(regions::list(&mut conn).expect("regions").len(), 29);
    let book = rules::load_rule_book(&mut conn).expect("rule book");
    assert_eq!(book.versions().count(), 30);
    let rate_table = persistence::rate_factors::load(&mut conn, "410000").expect("rate table");
    assert_eq!(rate_table.versions().len(), 6);
}

#[test]
fn a_failed_transaction_leaves_nothing_behind() {
    let (_db, mut conn) = migrated();
    let now = Utc::now();
    let result: Result<(), StoreError> = conn.transaction(|conn| {
        organizations::insert(conn, &code(1), OrganizationKind::Enterprise, &fields("一"), now)?;
        // The second insert violates the credit code's uniqueness.
        organizations::insert(conn, &code(1), OrganizationKind::Enterprise, &fields("二"), now)?;
        Ok(())
    });
    assert!(matches!(result, Err(StoreError::Duplicate(_))), "{result:?}");
    assert!(organizations::list(&mut conn, &Default::default(), None, 10).expect("list").items.is_empty());
}

#[test]
fn unknown_regions_are_refused_by_the_foreign_key() {
    let (_db, mut conn) = migrated();
    let mut bad = fields("外省");
    bad.region_code = RegionCode::parse("419999").expect("well-formed");
    let result = organizations::insert(&mut conn, &code(2), OrganizationKind::Enterprise, &bad, Utc::now());
    assert!(matches!(result, Err(StoreError::ForeignKey(_))), "{result:?}");
}

#[test]
fn updates_check_the_version() {
    let (_db, mut conn) = migrated();
    let org = organizations::insert(&mut conn, &code(3), OrganizationKind::Enterprise, &fields("原名"), Utc::now())
        .expect("insert");
    let updated = organizations::update(&mut conn, org.id, 1, &fields("新名"), Utc::now()).expect("update");
    assert_eq!((updated.version, updated.name.as_str()), (2, "新名"));
    let stale = organizations::update(&mut conn, org.id, 1, &fields("旧版本"), Utc::now());
    assert!(matches!(stale, Err(StoreError::VersionConflict)), "{stale:?}");
    let missing = organizations::update(&mut conn, uuid::Uuid::now_v7(), 1, &fields("无"), Utc::now());
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
}

#[test]
fn instants_round_trip_at_microsecond_precision() {
    let (_db, mut conn) = migrated();
    let at = Utc.with_ymd_and_hms(2024, 2, 29, 15, 59, 59).single().expect("instant")
        + chrono::Duration::microseconds(123_456);
    let org =
        organizations::insert(&mut conn, &code(4), OrganizationKind::Enterprise, &fields("时间"), at).expect("insert");
    let stored = organizations::find(&mut conn, org.id).expect("find").expect("row");
    assert_eq!(stored.created_at, at);
    assert_eq!(stored, org);
}
