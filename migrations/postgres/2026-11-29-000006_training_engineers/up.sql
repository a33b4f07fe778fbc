-- Training exams and published pass rates (豫安委〔2017〕17号 五(一)), registered
-- safety engineers (四(一)), and certificate numbers that may be re-issued.

-- A certificate revoked for fraud bars re-application for 3 years only
-- (五(二)), after which the same number (T + identity number) is issued again
-- in the same category: only one current certificate per number and category.
ALTER TABLE certificates DROP CONSTRAINT certificates_number_category_key;
CREATE UNIQUE INDEX certificates_current_number_idx ON certificates (number, category) WHERE revoked_on IS NULL;

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
