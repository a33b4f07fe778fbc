-- Liability insurance (豫安委〔2017〕17号 三): policies, premium postings,
-- the prevention fund ledger, accidents and the floating-rate table; plus the
-- idempotency store used by every machine-client POST.

CREATE TABLE idempotency_records (
    principal       TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    operation       TEXT NOT NULL,
    request_hash    TEXT NOT NULL,
    response_status INTEGER NOT NULL,
    response_body   TEXT NOT NULL,
    response_location TEXT,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (principal, idempotency_key)
);

CREATE TABLE insurance_policies (
    id                   TEXT PRIMARY KEY,
    insurer_id           TEXT NOT NULL REFERENCES organizations (id),
    policy_number        TEXT NOT NULL,
    enterprise_id        TEXT NOT NULL REFERENCES organizations (id),
    start_date           DATE NOT NULL,
    end_date             DATE NOT NULL,
    insured_headcount    INTEGER NOT NULL CHECK (insured_headcount > 0),
    cover_per_person_fen BIGINT NOT NULL CHECK (cover_per_person_fen > 0),
    base_premium_fen     BIGINT NOT NULL CHECK (base_premium_fen >= 0),
    charged_premium_fen  BIGINT NOT NULL CHECK (charged_premium_fen >= 0),
    risk_adjustment_bp   INTEGER NOT NULL,
    min_cover_rule       TEXT,
    created_at           TIMESTAMP NOT NULL,
    UNIQUE (insurer_id, policy_number),
    CHECK (end_date >= start_date)
);
CREATE INDEX insurance_policies_enterprise_idx ON insurance_policies (enterprise_id, start_date, end_date);

-- One row per insurer, locked FOR UPDATE by every money write of that
-- insurer so that balance and net-premium checks see a settled ledger.
CREATE TABLE insurer_ledger_locks (
    insurer_id TEXT PRIMARY KEY REFERENCES organizations (id)
);

CREATE TABLE premium_batches (
    id           TEXT PRIMARY KEY,
    insurer_id   TEXT NOT NULL REFERENCES organizations (id),
    item_count   INTEGER NOT NULL,
    stored_count INTEGER NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);

CREATE TABLE premium_postings (
    id           BIGSERIAL PRIMARY KEY,
    batch_id     TEXT NOT NULL REFERENCES premium_batches (id),
    insurer_id   TEXT NOT NULL REFERENCES organizations (id),
    policy_id    TEXT NOT NULL REFERENCES insurance_policies (id),
    external_ref TEXT NOT NULL,
    received_at  TIMESTAMP NOT NULL,
    -- The calendar date of received_at in China Standard Time: the year and
    -- month the premium counts in (三(二) levies per calendar year).
    received_on  DATE NOT NULL,
    amount_fen   BIGINT NOT NULL CHECK (amount_fen <> 0),
    UNIQUE (insurer_id, external_ref)
);
-- No index on (insurer_id, received_on): yearly and monthly figures read
-- premium_daily_totals, and look-ups by external reference must use the unique
-- index (an insurer-only index tempted the planner, before statistics existed,
-- into filtering all of the insurer's rows for every batch).
CREATE INDEX premium_postings_policy_idx ON premium_postings (policy_id);
-- The table grows by thousands of rows a second during ingestion; analyse it
-- often so the look-up by external reference keeps its index plan (without
-- statistics PostgreSQL filtered all of an insurer's rows per batch).
ALTER TABLE premium_postings SET (autovacuum_analyze_scale_factor = 0.01, autovacuum_analyze_threshold = 10000);

-- Net premium per insurer and CST day, kept in the same transaction as the
-- postings it sums: the levy of a year reads at most 366 rows, however many
-- postings the insurer has. A test reconciles it with premium_postings.
CREATE TABLE premium_daily_totals (
    insurer_id TEXT NOT NULL REFERENCES organizations (id),
    day        DATE NOT NULL,
    net_fen    BIGINT NOT NULL,
    PRIMARY KEY (insurer_id, day)
);

CREATE TABLE prevention_fund_expenditures (
    id             TEXT PRIMARY KEY,
    insurer_id     TEXT NOT NULL REFERENCES organizations (id),
    category       TEXT NOT NULL,
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    spent_on       DATE NOT NULL,
    description    TEXT NOT NULL,
    beneficiary_id TEXT REFERENCES organizations (id),
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX prevention_fund_expenditures_insurer_idx ON prevention_fund_expenditures (insurer_id, spent_on);

CREATE TABLE accidents (
    id            TEXT PRIMARY KEY,
    enterprise_id TEXT NOT NULL REFERENCES organizations (id),
    occurred_on   DATE NOT NULL,
    grade         TEXT NOT NULL,
    deaths        INTEGER NOT NULL CHECK (deaths >= 0),
    injuries      INTEGER NOT NULL CHECK (injuries >= 0),
    summary       TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX accidents_enterprise_idx ON accidents (enterprise_id, occurred_on);

CREATE TABLE rate_factors (
    id             BIGSERIAL PRIMARY KEY,
    province_code  TEXT NOT NULL,
    factor         TEXT NOT NULL,
    adjustment_bp  INTEGER NOT NULL,
    effective_from DATE NOT NULL,
    effective_to   DATE,
    source         TEXT NOT NULL,
    UNIQUE (province_code, factor, effective_from),
    CHECK (effective_to IS NULL OR effective_to >= effective_from)
);
