-- Training exams and published pass rates (豫安委〔2017〕17号 五(一)), registered
-- safety engineers (四(一)), and certificate numbers that may be re-issued.

-- A certificate revoked for fraud bars re-application for 3 years only
-- (五(二)), after which the same number (T + identity number) is issued again
-- in the same category: only one current certificate per number and category.
--
-- SQLite cannot drop a table constraint, so certificates is rebuilt. Dropping
-- a parent whose rows are still referenced fails even with defer_foreign_keys
-- (the implicit delete counts violations that the rename does not undo, and
-- foreign_keys cannot be switched off inside the migration's transaction), so
-- the three child tables are rebuilt too, pointing at certificates_new: the
-- rename to certificates rewrites their references, and AUTOINCREMENT
-- counters follow the renamed tables.
CREATE TABLE certificates_new (
    id                TEXT PRIMARY KEY,
    number            TEXT NOT NULL,
    person_id         TEXT NOT NULL REFERENCES persons (id),
    category          TEXT NOT NULL,
    issuing_region    TEXT NOT NULL REFERENCES regions (code),
    issued_on         DATE NOT NULL,
    issued_by         TEXT REFERENCES organizations (id),
    revoked_on        DATE,
    revocation_reason TEXT,
    obtained_by_fraud BOOLEAN NOT NULL DEFAULT 0,
    created_at        TIMESTAMP NOT NULL
);
INSERT INTO certificates_new (id, number, person_id, category, issuing_region, issued_on, issued_by, revoked_on,
                              revocation_reason, obtained_by_fraud, created_at)
SELECT id, number, person_id, category, issuing_region, issued_on, issued_by, revoked_on,
       revocation_reason, obtained_by_fraud, created_at
FROM certificates;

CREATE TABLE certificate_work_periods_new (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id TEXT NOT NULL REFERENCES certificates_new (id),
    from_date      DATE NOT NULL,
    to_date        DATE,
    CHECK (to_date IS NULL OR to_date >= from_date)
);
INSERT INTO certificate_work_periods_new (id, certificate_id, from_date, to_date)
SELECT id, certificate_id, from_date, to_date FROM certificate_work_periods;

CREATE TABLE certificate_violations_new (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id         TEXT NOT NULL REFERENCES certificates_new (id),
    occurred_on            DATE NOT NULL,
    serious                BOOLEAN NOT NULL,
    administrative_penalty BOOLEAN NOT NULL
);
INSERT INTO certificate_violations_new (id, certificate_id, occurred_on, serious, administrative_penalty)
SELECT id, certificate_id, occurred_on, serious, administrative_penalty FROM certificate_violations;

CREATE TABLE certificate_reviews_new (
    id             TEXT PRIMARY KEY,
    certificate_id TEXT NOT NULL REFERENCES certificates_new (id),
    applied_on     DATE NOT NULL,
    due_on         DATE NOT NULL,
    passed         BOOLEAN NOT NULL,
    failures       TEXT NOT NULL DEFAULT '[]',
    created_at     TIMESTAMP NOT NULL
);
INSERT INTO certificate_reviews_new (id, certificate_id, applied_on, due_on, passed, failures, created_at)
SELECT id, certificate_id, applied_on, due_on, passed, failures, created_at FROM certificate_reviews;

DROP TABLE certificate_reviews;
DROP TABLE certificate_violations;
DROP TABLE certificate_work_periods;
DROP TABLE certificates;
ALTER TABLE certificates_new RENAME TO certificates;
ALTER TABLE certificate_work_periods_new RENAME TO certificate_work_periods;
ALTER TABLE certificate_violations_new RENAME TO certificate_violations;
ALTER TABLE certificate_reviews_new RENAME TO certificate_reviews;

CREATE INDEX certificates_person_idx ON certificates (person_id);
CREATE UNIQUE INDEX certificates_current_number_idx ON certificates (number, category) WHERE revoked_on IS NULL;
CREATE INDEX certificate_work_periods_idx ON certificate_work_periods (certificate_id);
CREATE INDEX certificate_violations_idx ON certificate_violations (certificate_id);
CREATE INDEX certificate_reviews_idx ON certificate_reviews (certificate_id, applied_on);

-- Each exam sitting is one candidate entry of its institution's pass rate.
CREATE TABLE exam_results (
    id              TEXT PRIMARY KEY,
    institution_id  TEXT NOT NULL REFERENCES organizations (id),
    person_id       TEXT NOT NULL REFERENCES persons (id),
    category        TEXT NOT NULL,
    exam_on         DATE NOT NULL,
    theory_score    INTEGER NOT NULL CHECK (theory_score BETWEEN 0 AND 100),
    practical_score INTEGER CHECK (practical_score IS NULL OR practical_score BETWEEN 0 AND 100),
    passed          BOOLEAN NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (institution_id, person_id, category, exam_on)
);
-- The half-year tally reads a date range grouped by institution.
CREATE INDEX exam_results_tally_idx ON exam_results (exam_on, institution_id);

-- Half-year periods whose pass rates have been published (五(一)), once each.
CREATE TABLE pass_rate_publications (
    period       TEXT PRIMARY KEY,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL
);

CREATE TABLE engineers (
    id                         TEXT PRIMARY KEY,
    person_id                  TEXT NOT NULL REFERENCES persons (id),
    level                      TEXT NOT NULL,
    category                   TEXT NOT NULL,
    registration_number        TEXT NOT NULL UNIQUE,
    registered_on              DATE NOT NULL,
    valid_until                DATE NOT NULL,
    -- The rule version that gave valid_until (engineer_registration_validity_years@…).
    validity_rule_version      TEXT NOT NULL,
    employer_id                TEXT NOT NULL REFERENCES organizations (id),
    continuing_education_hours INTEGER NOT NULL CHECK (continuing_education_hours >= 0),
    created_at                 TIMESTAMP NOT NULL,
    CHECK (valid_until >= registered_on)
);
CREATE INDEX engineers_employer_idx ON engineers (employer_id, valid_until);
CREATE INDEX engineers_person_idx ON engineers (person_id);
