DROP TABLE engineers;
DROP TABLE pass_rate_publications;
DROP TABLE exam_results;

-- Back to one certificate per number and category (fails while a number has
-- been re-issued). Rebuilt with its children for the reason given in up.sql.
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
    created_at        TIMESTAMP NOT NULL,
    UNIQUE (number, category)
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
CREATE INDEX certificate_work_periods_idx ON certificate_work_periods (certificate_id);
CREATE INDEX certificate_violations_idx ON certificate_violations (certificate_id);
CREATE INDEX certificate_reviews_idx ON certificate_reviews (certificate_id, applied_on);
