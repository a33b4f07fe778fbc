-- People and qualifications (豫安委〔2017〕17号 四, 五): persons, their
-- employment, special-operation certificates with work history, violations,
-- reviews and revocation.

CREATE TABLE persons (
    id          TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    phone       TEXT,
    created_at  TIMESTAMP NOT NULL
);

CREATE TABLE employments (
    id              TEXT PRIMARY KEY,
    person_id       TEXT NOT NULL REFERENCES persons (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    position        TEXT NOT NULL,
    safety_head     BOOLEAN NOT NULL,
    from_date       DATE NOT NULL,
    to_date         DATE,
    created_at      TIMESTAMP NOT NULL,
    CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE INDEX employments_person_idx ON employments (person_id, from_date);
CREATE INDEX employments_organization_idx ON employments (organization_id, from_date);

CREATE TABLE certificates (
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
CREATE INDEX certificates_person_idx ON certificates (person_id);

CREATE TABLE certificate_work_periods (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    from_date      DATE NOT NULL,
    to_date        DATE,
    CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE INDEX certificate_work_periods_idx ON certificate_work_periods (certificate_id);

CREATE TABLE certificate_violations (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    certificate_id         TEXT NOT NULL REFERENCES certificates (id),
    occurred_on            DATE NOT NULL,
    serious                BOOLEAN NOT NULL,
    administrative_penalty BOOLEAN NOT NULL
);
CREATE INDEX certificate_violations_idx ON certificate_violations (certificate_id);

CREATE TABLE certificate_reviews (
    id             TEXT PRIMARY KEY,
    certificate_id TEXT NOT NULL REFERENCES certificates (id),
    applied_on     DATE NOT NULL,
    due_on         DATE NOT NULL,
    passed         BOOLEAN NOT NULL,
    failures       TEXT NOT NULL DEFAULT '[]',
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX certificate_reviews_idx ON certificate_reviews (certificate_id, applied_on);
