-- Foundation: regions, rule parameters, organisations, API clients, audit log.
-- Instants are stored as UTC in `timestamp` columns (see docs/decisions/0001).
-- UUIDs are stored as text so one Diesel schema serves both backends.

CREATE TABLE regions (
    code            TEXT PRIMARY KEY CHECK (code ~ '^41[0-9]{4}$'),
    name            TEXT NOT NULL,
    level           TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    supervisor_code TEXT NOT NULL REFERENCES regions (code)
);

CREATE TABLE rule_parameters (
    id             BIGSERIAL PRIMARY KEY,
    name           TEXT NOT NULL,
    value          TEXT NOT NULL,
    unit           TEXT NOT NULL,
    effective_from DATE NOT NULL,
    effective_to   DATE,
    clause         TEXT NOT NULL,
    UNIQUE (name, effective_from),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);

CREATE TABLE organizations (
    id                         TEXT PRIMARY KEY,
    credit_code                TEXT NOT NULL UNIQUE,
    name                       TEXT NOT NULL,
    kind                       TEXT NOT NULL,
    region_code                TEXT NOT NULL REFERENCES regions (code),
    address                    TEXT,
    legal_representative       TEXT,
    contact_phone              TEXT,
    sector                     TEXT,
    employee_count             INTEGER CHECK (employee_count IS NULL OR employee_count >= 0),
    service_types              TEXT NOT NULL DEFAULT '[]',
    qualification_number       TEXT,
    qualification_scope        TEXT,
    qualification_valid_from   DATE,
    qualification_valid_until  DATE,
    status                     TEXT NOT NULL DEFAULT 'active',
    version                    BIGINT NOT NULL DEFAULT 1,
    created_at                 TIMESTAMP NOT NULL,
    updated_at                 TIMESTAMP NOT NULL
);
CREATE INDEX organizations_region_idx ON organizations (region_code, id);
CREATE INDEX organizations_kind_idx ON organizations (kind, id);

CREATE TABLE api_clients (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    secret_hash     TEXT NOT NULL,
    role            TEXT NOT NULL,
    organization_id TEXT REFERENCES organizations (id),
    region_code     TEXT REFERENCES regions (code),
    disabled        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at      TIMESTAMP NOT NULL
);

CREATE TABLE audit_log (
    id              BIGSERIAL PRIMARY KEY,
    at              TIMESTAMP NOT NULL,
    actor           TEXT NOT NULL,
    role            TEXT NOT NULL,
    actor_region    TEXT,
    action          TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    resource_region TEXT,
    request_id      TEXT NOT NULL
);
CREATE INDEX audit_log_resource_idx ON audit_log (resource_type, resource_id, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, id);
