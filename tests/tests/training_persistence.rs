//! Storage of exam results, pass-rate publications (五(一)), registered
//! safety engineers (四(一)) and re-issued certificate numbers (五(二)) on the
//! backend TEST_DATABASE names, including migration 000006 over existing data.

use std::path::Path;

use chrono::{NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use domain::certificates::{CertificateNumber, ReviewFailure, Violation, WorkCategory, WorkPeriod};
use domain::credit_code::CreditCode;
use domain::engineers::{EngineerCategory, EngineerLevel};
use domain::organization::{OrganizationKind, OrganizationStatus, Sector};
use domain::region::RegionCode;
use domain::resident_id::ResidentId;
use domain::training::Period;
use e2e::{credit_code, Backend, TestDatabase};
use persistence::certificates::{self, NewCertificate};
use persistence::engineers::{self, NewEngineer};
use persistence::organizations::{self, Organization, OrganizationFields};
use persistence::people::{self, NewEmployment, Person};
use persistence::training::{self, NewExamRecord};
use persistence::{seed, DbConnection, StoreError};
use uuid::Uuid;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

fn region(code: &str) -> RegionCode {
    RegionCode::parse(code).expect("region")
}

fn migrated() -> (TestDatabase, DbConnection) {
    let db = TestDatabase::create(Backend::from_env());
    let mut conn = db.connect();
    conn.run_migrations().expect("migrate");
    seed::apply(&mut conn).expect("seed");
    (db, conn)
}

/// A valid resident identity number (GB 11643) for `seed`, distinct per seed.
fn resident_id(seed: u32) -> ResidentId {
    let first17 = format!("41010519800101{:03}", seed % 1000);
    let check = domain::resident_id::check_character(&first17).expect("17 digits");
    ResidentId::parse(&format!("{first17}{check}")).expect("resident id")
}

fn person(conn: &mut DbConnection, seed: u32) -> Person {
    people::find_or_create(conn, &resident_id(seed), "李娜", None, Utc::now()).expect("person")
}

fn organization(
    conn: &mut DbConnection,
    seed: u32,
    kind: OrganizationKind,
    region_code: &str,
    sector: Option<Sector>,
) -> Organization {
    organizations::insert(
        conn,
        &CreditCode::parse(&credit_code(seed)).expect("credit code"),
        kind,
        &e2e::bare_fields(format!("单位{seed}"), region_code, sector),
        Utc::now(),
    )
    .expect("organisation")
}

fn institution(conn: &mut DbConnection, seed: u32, region_code: &str) -> Organization {
    organization(conn, seed, OrganizationKind::TrainingInstitution, region_code, None)
}

fn exam(
    institution: &Organization,
    person: &Person,
    category: WorkCategory,
    on: NaiveDate,
    passed: bool,
) -> NewExamRecord {
    NewExamRecord {
        institution_id: institution.id,
        person_id: person.id,
        category,
        exam_on: on,
        theory_score: if passed { 80 } else { 79 },
        practical_score: passed.then_some(80),
        passed,
    }
}

fn period(text: &str) -> Period {
    Period::parse(text).expect("period")
}

#[test]
fn exam_results_are_stored_once_per_natural_key() {
    let (_db, mut conn) = migrated();
    let school = institution(&mut conn, 1, "410100");
    let other_school = institution(&mut conn, 2, "410100");
    let (first, second) = (person(&mut conn, 1), person(&mut conn, 2));
    let rows = vec![
        exam(&school, &second, WorkCategory::Electrical, date(2026, 3, 1), true),
        exam(&school, &first, WorkCategory::Electrical, date(2026, 3, 1), false),
        exam(&school, &first, WorkCategory::WeldingCutting, date(2026, 3, 2), true),
    ];
    let stored = training::insert_all(&mut conn, &rows, Utc::now()).expect("insert");
    let keys: Vec<(Uuid, WorkCategory, Option<u8>)> =
        stored.iter().map(|r| (r.person_id, r.category, r.practical_score)).collect();
    assert_eq!(
        keys,
        [
            (second.id, WorkCategory::Electrical, Some(80)),
            (first.id, WorkCategory::Electrical, None),
            (first.id, WorkCategory::WeldingCutting, Some(80)),
        ]
    );
    assert_eq!(training::find_same(&mut conn, &rows[1]).expect("find"), Some(stored[1].clone()));
    let unknown = exam(&school, &first, WorkCategory::Electrical, date(2026, 3, 2), true);
    assert_eq!(training::find_same(&mut conn, &unknown).expect("find"), None);

    let again = training::insert_all(&mut conn, &rows[1..2], Utc::now());
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");
    let twice_in_batch = training::insert_all(&mut conn, &[unknown.clone(), unknown.clone()], Utc::now());
    assert!(matches!(twice_in_batch, Err(StoreError::Duplicate(_))), "{twice_in_batch:?}");

    let passed =
        |conn: &mut DbConnection, school: &Organization, who: &Person, category: WorkCategory, on: NaiveDate| {
            training::has_passed(conn, school.id, who.id, category, on).expect("query")
        };
    let later = date(2026, 12, 31);
    assert!(passed(&mut conn, &school, &second, WorkCategory::Electrical, later));
    // Only a pass on or before the date counts: the exam was on 2026-03-01.
    assert!(passed(&mut conn, &school, &second, WorkCategory::Electrical, date(2026, 3, 1)));
    assert!(!passed(&mut conn, &school, &second, WorkCategory::Electrical, date(2026, 2, 28)));
    assert!(!passed(&mut conn, &school, &first, WorkCategory::Electrical, later));
    assert!(passed(&mut conn, &school, &first, WorkCategory::WeldingCutting, later));
    assert!(!passed(&mut conn, &other_school, &second, WorkCategory::Electrical, later));
    assert!(!passed(&mut conn, &school, &second, WorkCategory::WorkingAtHeight, later));
}

#[test]
fn a_large_batch_is_chunked_and_keeps_its_order() {
    let (_db, mut conn) = migrated();
    let school = institution(&mut conn, 1, "410100");
    let candidate = person(&mut conn, 1);
    let start = date(2020, 1, 1);
    let rows: Vec<NewExamRecord> = (0..1_201)
        .map(|i| exam(&school, &candidate, WorkCategory::Electrical, start + chrono::Days::new(i), i % 3 == 0))
        .collect();
    let stored = training::insert_all(&mut conn, &rows, Utc::now()).expect("insert");
    assert_eq!(stored.len(), rows.len());
    assert!(stored.iter().zip(&rows).all(|(s, r)| s.exam_on == r.exam_on && s.passed == r.passed));
    let page = training::tally(&mut conn, start, date(2030, 1, 1), None, None, None, 50).expect("tally");
    assert_eq!((page.items[0].candidates, page.items[0].passed), (1_201, 401));
    assert!(training::insert_all(&mut conn, &[], Utc::now()).expect("empty").is_empty());
}

#[test]
fn tally_counts_sittings_and_passes_per_institution() {
    let (_db, mut conn) = migrated();
    let zhengzhou = institution(&mut conn, 1, "410100");
    let luoyang = institution(&mut conn, 2, "410300");
    let _idle = institution(&mut conn, 3, "410100");
    let (a, b) = (person(&mut conn, 1), person(&mut conn, 2));
    let (first, last) = (date(2026, 1, 1), date(2026, 6, 30));
    let rows = vec![
        exam(&zhengzhou, &a, WorkCategory::Electrical, first, true),
        exam(&zhengzhou, &b, WorkCategory::Electrical, last, false),
        exam(&zhengzhou, &a, WorkCategory::WeldingCutting, date(2026, 3, 1), true),
        exam(&zhengzhou, &b, WorkCategory::Electrical, date(2025, 12, 31), true),
        exam(&zhengzhou, &a, WorkCategory::Electrical, date(2026, 7, 1), true),
        exam(&luoyang, &a, WorkCategory::Electrical, date(2026, 2, 1), true),
    ];
    training::insert_all(&mut conn, &rows, Utc::now()).expect("insert");
    let counts = |conn: &mut DbConnection, category: Option<WorkCategory>, code: Option<&str>| {
        let code = code.map(region);
        let page = training::tally(conn, first, last, category, code.as_ref(), None, 50).expect("tally");
        assert_eq!(page.next_after, None);
        page.items.iter().map(|t| (t.institution_id, t.candidates, t.passed)).collect::<Vec<_>>()
    };

    // The first and last day count; the day before and after do not.
    assert_eq!(counts(&mut conn, None, None), [(zhengzhou.id, 3, 2), (luoyang.id, 1, 1)]);
    let page = training::tally(&mut conn, first, last, None, None, None, 50).expect("tally");
    assert_eq!(page.items[0].institution_name, zhengzhou.name);
    assert_eq!(page.items[1].region_code, region("410300"));

    assert_eq!(counts(&mut conn, Some(WorkCategory::Electrical), None), [(zhengzhou.id, 2, 1), (luoyang.id, 1, 1)]);
    assert_eq!(counts(&mut conn, Some(WorkCategory::WeldingCutting), None), [(zhengzhou.id, 1, 1)]);
    assert!(counts(&mut conn, Some(WorkCategory::Fireworks), None).is_empty());

    assert_eq!(counts(&mut conn, None, Some("410100")), [(zhengzhou.id, 3, 2)]);
    assert_eq!(counts(&mut conn, None, Some("410300")), [(luoyang.id, 1, 1)]);
    assert_eq!(counts(&mut conn, None, Some("410000")), [(zhengzhou.id, 3, 2), (luoyang.id, 1, 1)]);

    let empty = training::tally(&mut conn, date(2027, 1, 1), date(2027, 6, 30), None, None, None, 50).expect("tally");
    assert!(empty.items.is_empty());
    assert_eq!(empty.next_after, None);

    let page = training::tally(&mut conn, first, last, None, None, None, 1).expect("page 1");
    assert_eq!(page.items.iter().map(|t| t.institution_id).collect::<Vec<_>>(), [zhengzhou.id]);
    let after = page.next_after.expect("more").parse::<Uuid>().expect("uuid");
    assert_eq!(after, zhengzhou.id);
    let page = training::tally(&mut conn, first, last, None, None, Some(after), 1).expect("page 2");
    assert_eq!(page.items.iter().map(|t| t.institution_id).collect::<Vec<_>>(), [luoyang.id]);
    assert_eq!(page.next_after, None);
}

#[test]
fn a_period_is_published_once() {
    let (_db, mut conn) = migrated();
    assert_eq!(training::publication(&mut conn, period("2026H1")).expect("query"), None);
    let now = Utc::now();
    let published = training::publish(&mut conn, period("2026H1"), "regulator-410000", now).expect("publish");
    assert_eq!((published.period, published.published_by.as_str()), (period("2026H1"), "regulator-410000"));
    assert_eq!(training::publication(&mut conn, period("2026H1")).expect("query"), Some(published));
    let twice = training::publish(&mut conn, period("2026H1"), "someone else", now);
    assert!(matches!(twice, Err(StoreError::Duplicate(_))), "{twice:?}");

    training::publish(&mut conn, period("2025H2"), "regulator-410000", now).expect("publish");
    let among = training::published_among(&mut conn, &[period("2026H2"), period("2026H1"), period("2025H2")]);
    assert_eq!(among.expect("query"), [period("2025H2"), period("2026H1")]);
    assert!(training::published_among(&mut conn, &[period("2024H1")]).expect("query").is_empty());
    assert!(training::published_among(&mut conn, &[]).expect("query").is_empty());
}

fn registration(
    person: &Person,
    employer: &Organization,
    number: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> NewEngineer {
    NewEngineer {
        person_id: person.id,
        level: EngineerLevel::Intermediate,
        category: EngineerCategory::MetalNonmetalMine,
        registration_number: number.to_owned(),
        registered_on: from,
        valid_until: until,
        validity_rule_version: "engineer_registration_validity_years@2017-11-08".to_owned(),
        employer_id: employer.id,
        continuing_education_hours: 24,
    }
}

#[test]
fn engineer_registrations_are_in_force_through_their_last_day() {
    let (_db, mut conn) = migrated();
    let mine = organization(&mut conn, 1, OrganizationKind::Enterprise, "410300", Some(Sector::Mining));
    let engineer = person(&mut conn, 1);
    let (from, until) = (date(2021, 3, 15), date(2026, 3, 14));
    let stored = engineers::insert(&mut conn, &registration(&engineer, &mine, "AQ2021001", from, until), Utc::now())
        .expect("insert");
    assert_eq!((stored.level, stored.continuing_education_hours), (EngineerLevel::Intermediate, 24));
    assert_eq!(engineers::find(&mut conn, stored.id).expect("find"), Some(stored.clone()));
    assert_eq!(engineers::find(&mut conn, Uuid::now_v7()).expect("find"), None);

    let colleague = person(&mut conn, 2);
    let again = engineers::insert(&mut conn, &registration(&colleague, &mine, "AQ2021001", from, until), Utc::now());
    assert!(matches!(again, Err(StoreError::Duplicate(_))), "{again:?}");

    let earlier = engineers::insert(
        &mut conn,
        &registration(&engineer, &mine, "AQ2015001", date(2015, 1, 1), date(2019, 12, 31)),
        Utc::now(),
    )
    .expect("earlier registration");
    let history: Vec<Uuid> =
        engineers::of_person(&mut conn, engineer.id).expect("history").iter().map(|e| e.id).collect();
    assert_eq!(history, [earlier.id, stored.id]);

    for (on, expected) in
        [(from.pred_opt().expect("day"), 0), (from, 1), (until, 1), (until.succ_opt().expect("day"), 0)]
    {
        assert_eq!(engineers::count_in_force(&mut conn, mine.id, on).expect("count"), expected, "{on}");
        assert_eq!(engineers::person_registered(&mut conn, engineer.id, on).expect("query"), expected == 1, "{on}");
    }
    let elsewhere = organization(&mut conn, 2, OrganizationKind::TechnicalServiceAgency, "410100", None);
    assert_eq!(engineers::count_in_force(&mut conn, elsewhere.id, until).expect("count"), 0);
}

#[test]
fn noncompliant_lists_who_must_employ_engineers_and_has_none_in_force() {
    let (_db, mut conn) = migrated();
    let on = date(2026, 3, 1);
    let agency = organization(&mut conn, 1, OrganizationKind::TechnicalServiceAgency, "410100", None);
    let mine = organization(&mut conn, 2, OrganizationKind::Enterprise, "410100", Some(Sector::Mining));
    let _haulier = organization(&mut conn, 3, OrganizationKind::Enterprise, "410100", Some(Sector::RoadTransport));
    let chemicals =
        organization(&mut conn, 4, OrganizationKind::Enterprise, "410100", Some(Sector::HazardousChemicals));
    let smelter = organization(&mut conn, 5, OrganizationKind::Enterprise, "410300", Some(Sector::MetalSmelting));
    let _insurer = organization(&mut conn, 6, OrganizationKind::Insurer, "410100", Some(Sector::Mining));
    let revoked = organization(&mut conn, 7, OrganizationKind::TechnicalServiceAgency, "410100", None);
    let fields = OrganizationFields {
        status: OrganizationStatus::Revoked,
        ..e2e::bare_fields(revoked.name.clone(), revoked.region_code.as_str(), None)
    };
    organizations::update(&mut conn, revoked.id, revoked.version, &fields, Utc::now()).expect("revoke");

    let engineer = person(&mut conn, 1);
    // In force on its last day.
    engineers::insert(&mut conn, &registration(&engineer, &chemicals, "AQ1", date(2021, 3, 2), on), Utc::now())
        .expect("in force");
    // Expired the day before.
    let expired = registration(&engineer, &smelter, "AQ2", date(2021, 3, 1), on.pred_opt().expect("day"));
    engineers::insert(&mut conn, &expired, Utc::now()).expect("expired");
    // Not yet in force.
    engineers::insert(
        &mut conn,
        &registration(&engineer, &mine, "AQ3", date(2026, 3, 2), date(2031, 3, 1)),
        Utc::now(),
    )
    .expect("future");

    let kinds = [OrganizationKind::TechnicalServiceAgency];
    let sectors = [
        Sector::DangerousGoods,
        Sector::HazardousChemicals,
        Sector::Fireworks,
        Sector::CivilExplosives,
        Sector::Mining,
        Sector::MetalSmelting,
    ];
    let list = |conn: &mut DbConnection, region_code: Option<&str>, jurisdiction: Option<&str>| {
        let (region_code, jurisdiction) = (region_code.map(region), jurisdiction.map(region));
        let page =
            engineers::noncompliant(conn, on, &kinds, &sectors, region_code.as_ref(), jurisdiction.as_ref(), None, 50)
                .expect("noncompliant");
        assert_eq!(page.next_after, None);
        page.items.iter().map(|o| o.id).collect::<Vec<_>>()
    };
    assert_eq!(list(&mut conn, None, None), [agency.id, mine.id, smelter.id]);
    assert_eq!(list(&mut conn, Some("410100"), None), [agency.id, mine.id]);
    assert_eq!(list(&mut conn, None, Some("410300")), [smelter.id]);
    assert_eq!(list(&mut conn, None, Some("410000")), [agency.id, mine.id, smelter.id]);
    // With the registration in force one day earlier, the smelter complies.
    let earlier =
        engineers::noncompliant(&mut conn, on.pred_opt().expect("day"), &kinds, &sectors, None, None, None, 50)
            .expect("noncompliant");
    assert_eq!(earlier.items.iter().map(|o| o.id).collect::<Vec<_>>(), [agency.id, mine.id]);

    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = engineers::noncompliant(&mut conn, on, &kinds, &sectors, None, None, after, 1).expect("page");
        seen.extend(page.items.iter().map(|o| o.id));
        match page.next_after {
            Some(key) => after = Some(key.parse::<Uuid>().expect("uuid")),
            None => break,
        }
    }
    assert_eq!(seen, [agency.id, mine.id, smelter.id]);
    assert!(engineers::noncompliant(&mut conn, on, &[], &[], None, None, None, 50).expect("none").items.is_empty());
}

#[test]
fn staff_of_lists_an_organisations_employments_oldest_first() {
    let (_db, mut conn) = migrated();
    let agency = organization(&mut conn, 1, OrganizationKind::TechnicalServiceAgency, "410100", None);
    let other = organization(&mut conn, 2, OrganizationKind::TechnicalServiceAgency, "410100", None);
    let employ = |conn: &mut DbConnection, who: &Person, at: &Organization, from: NaiveDate| {
        people::insert_employment(
            conn,
            &NewEmployment {
                person_id: who.id,
                organization_id: at.id,
                position: "安全工程师".into(),
                safety_head: false,
                from,
                to: None,
            },
            Utc::now(),
        )
        .expect("employment")
    };
    let (a, b) = (person(&mut conn, 1), person(&mut conn, 2));
    let later = employ(&mut conn, &a, &agency, date(2024, 5, 1));
    let earlier = employ(&mut conn, &b, &agency, date(2019, 1, 1));
    employ(&mut conn, &a, &other, date(2018, 1, 1));
    let staff = people::staff_of(&mut conn, agency.id).expect("staff");
    assert_eq!(staff, [earlier, later]);
    assert!(people::staff_of(&mut conn, Uuid::now_v7()).expect("staff").is_empty());
}

fn new_certificate(holder: &ResidentId, person: &Person, issued_on: NaiveDate) -> NewCertificate {
    NewCertificate {
        number: CertificateNumber::for_holder(holder),
        person_id: person.id,
        category: WorkCategory::Electrical,
        issuing_region: region("410100"),
        issued_on,
        issued_by: None,
    }
}

#[test]
fn a_revoked_certificate_number_can_be_issued_again() {
    let (_db, mut conn) = migrated();
    let holder = person(&mut conn, 1);
    let first =
        certificates::insert(&mut conn, &new_certificate(&resident_id(1), &holder, date(2018, 1, 1)), Utc::now())
            .expect("first");
    let current_twice =
        certificates::insert(&mut conn, &new_certificate(&resident_id(1), &holder, date(2019, 1, 1)), Utc::now());
    assert!(matches!(current_twice, Err(StoreError::Duplicate(_))), "{current_twice:?}");

    certificates::revoke(&mut conn, first.id, date(2020, 1, 1), "以欺骗手段取得", true).expect("revoke");
    let reissued =
        certificates::insert(&mut conn, &new_certificate(&resident_id(1), &holder, date(2023, 1, 2)), Utc::now())
            .expect("re-issued after the bar");
    let current_twice =
        certificates::insert(&mut conn, &new_certificate(&resident_id(1), &holder, date(2023, 2, 1)), Utc::now());
    assert!(matches!(current_twice, Err(StoreError::Duplicate(_))), "{current_twice:?}");

    let number = CertificateNumber::for_holder(&resident_id(1));
    let ids: Vec<Uuid> = certificates::with_number(&mut conn, &number).expect("query").iter().map(|c| c.id).collect();
    assert_eq!(ids, [first.id, reissued.id]);
}

/// Applies this backend's migrations before 000006 by hand, recording them
/// the way Diesel does, so that `run_migrations` then applies 000006 over
/// existing rows.
fn migrated_before_000006() -> (TestDatabase, DbConnection) {
    let backend = Backend::from_env();
    let db = TestDatabase::create(backend);
    let mut conn = db.connect();
    let tree = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations").join(tree);
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .expect("migrations directory")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.as_str() < "2026-11-29-000006")
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    let mut script = String::from(diesel::migration::CREATE_MIGRATIONS_TABLE);
    for name in &names {
        script.push_str(&std::fs::read_to_string(root.join(name).join("up.sql")).expect("up.sql"));
        let version = name.split('_').next().expect("version").replace('-', "");
        script.push_str(&format!("\nINSERT INTO __diesel_schema_migrations (version) VALUES ('{version}');\n"));
    }
    match &mut conn {
        DbConnection::Postgres(c) => c.batch_execute(&script),
        DbConnection::Sqlite(c) => c.batch_execute(&script),
    }
    .expect("migrations up to 000005");
    // The seed of today's tree needs later tables: only the regions the certificates name.
    db.execute(
        "INSERT INTO regions (code, name, level, supervisor_code) VALUES \
         ('410000', '河南省', 'province', '410000'), ('410100', '郑州市', 'city', '410100')",
    );
    (db, conn)
}

#[test]
fn certificates_keep_their_history_through_migration_000006() {
    let (_db, mut conn) = migrated_before_000006();
    let holder = person(&mut conn, 1);
    let stored =
        certificates::insert(&mut conn, &new_certificate(&resident_id(1), &holder, date(2020, 2, 29)), Utc::now())
            .expect("certificate");
    certificates::add_work_period(
        &mut conn,
        stored.id,
        &WorkPeriod { from: date(2010, 1, 1), to: Some(date(2015, 1, 1)) },
    )
    .expect("work");
    certificates::add_work_period(&mut conn, stored.id, &WorkPeriod { from: date(2015, 1, 2), to: None })
        .expect("work");
    let violation = Violation { on: date(2021, 5, 1), serious: true, administrative_penalty: false };
    certificates::add_violation(&mut conn, stored.id, &violation).expect("violation");
    certificates::insert_review(
        &mut conn,
        stored.id,
        date(2023, 1, 10),
        date(2023, 2, 28),
        &[ReviewFailure::SeriousViolationOrRepeated],
        Utc::now(),
    )
    .expect("review");
    let before = certificates::facts(&mut conn, &stored).expect("facts");

    let applied = conn.run_migrations().expect("migration 000006");
    assert!(applied.first().is_some_and(|name| name.contains("000006")), "{applied:?}");
    assert!(!applied.iter().any(|name| name.contains("000005")), "{applied:?}");

    assert_eq!(certificates::find(&mut conn, stored.id).expect("find"), Some(stored.clone()));
    let after = certificates::facts(&mut conn, &stored).expect("facts");
    assert_eq!(after, before);
    assert_eq!((after.work.len(), after.violations.len(), after.reviews.len()), (2, 1, 1));

    // The children still reference certificates, and new rows continue the
    // existing id sequences.
    let orphan =
        certificates::add_work_period(&mut conn, Uuid::now_v7(), &WorkPeriod { from: date(2020, 1, 1), to: None });
    assert!(matches!(orphan, Err(StoreError::ForeignKey(_))), "{orphan:?}");
    certificates::add_work_period(
        &mut conn,
        stored.id,
        &WorkPeriod { from: date(2009, 1, 1), to: Some(date(2009, 12, 31)) },
    )
    .expect("work after migration");
    let work = certificates::facts(&mut conn, &stored).expect("facts").work;
    assert_eq!(work.last().map(|w| w.from), Some(date(2009, 1, 1)), "ordered by id: a fresh id is the highest");

    // The partial index replaced the table constraint.
    let current_twice =
        certificates::insert(&mut conn, &new_certificate(&resident_id(1), &holder, date(2021, 1, 1)), Utc::now());
    assert!(matches!(current_twice, Err(StoreError::Duplicate(_))), "{current_twice:?}");
    certificates::revoke(&mut conn, stored.id, date(2022, 1, 1), "以欺骗手段取得", true).expect("revoke");
    certificates::insert(&mut conn, &new_certificate(&resident_id(1), &holder, date(2025, 1, 2)), Utc::now())
        .expect("re-issued");
}
