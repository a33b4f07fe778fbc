//! Storage of persons, employment and special-operation certificates on the
//! backend TEST_DATABASE names, and the standing computed from what is stored.

use chrono::{NaiveDate, Utc};
use domain::certificates::{status, CertificateNumber, ReviewFailure, StatusKind, Violation, WorkCategory, WorkPeriod};
use domain::organization::{OrganizationKind, Sector};
use domain::region::RegionCode;
use domain::resident_id::ResidentId;
use e2e::{credit_code, Backend, TestDatabase};
use persistence::certificates::{self, NewCertificate};
use persistence::organizations::{self};
use persistence::people::{self, NewEmployment};
use persistence::{rules, seed, DbConnection, StoreError};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn migrated() -> (TestDatabase, DbConnection) {
    let db = TestDatabase::create(Backend::from_env());
    let mut conn = db.connect();
    conn.run_migrations().expect("migrate");
    seed::apply(&mut conn).expect("seed");
    (db, conn)
}

fn holder() -> ResidentId {
    ResidentId::parse("11010519491231002X").expect("resident id")
}

fn certificate(conn: &mut DbConnection, issued_on: NaiveDate) -> certificates::Certificate {
    let person = people::find_or_create(conn, &holder(), "张伟", None, Utc::now()).expect("person");
    certificates::insert(
        conn,
        &NewCertificate {
            number: CertificateNumber::for_holder(&holder()),
            person_id: person.id,
            category: WorkCategory::Electrical,
            issuing_region: RegionCode::parse("410100").expect("region"),
            issued_on,
            issued_by: None,
        },
        Utc::now(),
    )
    .expect("certificate")
}

#[test]
fn a_person_is_found_again_by_identity_number() {
    let (_db, mut conn) = migrated();
    let first = people::find_or_create(&mut conn, &holder(), "张伟", None, Utc::now()).expect("create");
    let again = people::find_or_create(&mut conn, &holder(), "别名", None, Utc::now()).expect("find");
    assert_eq!(first, again);
    assert_eq!(again.name, "张伟");
}

#[test]
fn employment_decides_who_employs_whom_on_a_date() {
    let (_db, mut conn) = migrated();
    let person = people::find_or_create(&mut conn, &holder(), "张伟", None, Utc::now()).expect("person");
    let org = organizations::insert(
        &mut conn,
        &domain::credit_code::CreditCode::parse(&credit_code(1)).expect("code"),
        OrganizationKind::Enterprise,
        &e2e::bare_fields("矿业公司", "410100", Some(Sector::Mining)),
        Utc::now(),
    )
    .expect("organisation");
    people::insert_employment(
        &mut conn,
        &NewEmployment {
            person_id: person.id,
            organization_id: org.id,
            position: "安全管理部负责人".into(),
            safety_head: true,
            from: date(2020, 1, 1),
            to: Some(date(2024, 2, 29)),
        },
        Utc::now(),
    )
    .expect("employment");
    assert!(people::employs(&mut conn, org.id, person.id, date(2024, 2, 29)).expect("query"));
    assert!(!people::employs(&mut conn, org.id, person.id, date(2024, 3, 1)).expect("query"));
    assert!(!people::employs(&mut conn, org.id, person.id, date(2019, 12, 31)).expect("query"));
}

#[test]
fn a_certificate_is_unique_per_number_and_category_and_revoked_once() {
    let (_db, mut conn) = migrated();
    let stored = certificate(&mut conn, date(2020, 2, 29));
    assert_eq!(certificates::find(&mut conn, stored.id).expect("find"), Some(stored.clone()));
    let person = people::find_by_resident_id(&mut conn, &holder()).expect("query").expect("person");
    let again = certificates::insert(
        &mut conn,
        &NewCertificate {
            number: CertificateNumber::for_holder(&holder()),
            person_id: person.id,
            category: WorkCategory::Electrical,
            issuing_region: RegionCode::parse("410100").expect("region"),
            issued_on: date(2021, 1, 1),
            issued_by: None,
        },
        Utc::now(),
    );
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
    let revoked = certificates::revoke(&mut conn, stored.id, date(2022, 5, 1), "以欺骗手段取得", true).expect("revoke");
    assert_eq!((revoked.revoked_on, revoked.obtained_by_fraud), (Some(date(2022, 5, 1)), true));
    let twice = certificates::revoke(&mut conn, stored.id, date(2022, 6, 1), "again", false);
    assert!(matches!(twice, Err(StoreError::VersionConflict)), "{twice:?}");
}

#[test]
fn stored_facts_drive_the_certificate_standing() {
    let (_db, mut conn) = migrated();
    let book = rules::load_rule_book(&mut conn).expect("rules");
    let stored = certificate(&mut conn, date(2020, 2, 29));
    // Issued on a leap day: the first review falls due on 2023-02-28.
    let facts = certificates::facts(&mut conn, &stored).expect("facts");
    assert_eq!(status(&book, &facts, date(2023, 2, 28)).expect("status").status, StatusKind::ReviewWindowOpen);
    assert_eq!(status(&book, &facts, date(2023, 3, 1)).expect("status").status, StatusKind::ReviewOverdue);

    // Ten continuous years in the category before the first due date, no violation: 6-year interval.
    certificates::add_work_period(&mut conn, stored.id, &WorkPeriod { from: date(2013, 2, 28), to: None })
        .expect("work");
    let facts = certificates::facts(&mut conn, &stored).expect("facts");
    let standing = status(&book, &facts, date(2023, 3, 1)).expect("status");
    assert!(standing.extended_interval.applies, "{standing:?}");
    assert_eq!(standing.status, StatusKind::Valid);

    // A violation within the validity takes the extension away again.
    certificates::add_violation(
        &mut conn,
        stored.id,
        &Violation { on: date(2021, 5, 1), serious: false, administrative_penalty: false },
    )
    .expect("violation");
    let facts = certificates::facts(&mut conn, &stored).expect("facts");
    assert!(!status(&book, &facts, date(2023, 3, 1)).expect("status").extended_interval.applies);

    // Reviews are stored with their grounds and read back as facts.
    let review = certificates::insert_review(
        &mut conn,
        stored.id,
        date(2023, 1, 10),
        date(2023, 2, 28),
        &[ReviewFailure::FailedHealthCheck],
        Utc::now(),
    )
    .expect("review");
    assert!(!review.passed);
    let facts = certificates::facts(&mut conn, &stored).expect("facts");
    assert_eq!(facts.reviews.len(), 1);
    assert_eq!(facts.work.len(), 1);
    assert_eq!(facts.violations.len(), 1);
}
