-- The service marketplace (豫安委〔2017〕17号 二, 七, 九(二), 九(三)): demands
-- and bids, engagements (service contracts) with their services, personnel,
-- payments, evaluations and cross-region notices, annual performance reports,
-- government purchase of services, and small-enterprise subsidy programmes.

-- Official holidays and make-up working days (调休), for counting working
-- days (二(一): notice at least 7 working days before on-site service).
-- Seeded from persistence/seed/holidays.csv; a new year is a data change.
CREATE TABLE holidays (
    day  DATE PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name TEXT NOT NULL
);

-- 九(三): a need posted by an enterprise, or by a regulator for a small one.
-- `expired` is not stored: an open demand past its deadline reads as expired.
CREATE TABLE demands (
    id             TEXT PRIMARY KEY,
    enterprise_id  TEXT NOT NULL REFERENCES organizations (id),
    service_type   TEXT NOT NULL,
    region_code    TEXT NOT NULL REFERENCES regions (code),
    budget_fen     BIGINT NOT NULL CHECK (budget_fen >= 0),
    deadline       DATE NOT NULL,
    description    TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'awarded', 'withdrawn')),
    awarded_bid_id TEXT,
    posted_by      TEXT NOT NULL,
    version        BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    updated_at     TIMESTAMP NOT NULL
);
CREATE INDEX demands_region_idx ON demands (region_code, status, deadline);
CREATE INDEX demands_enterprise_idx ON demands (enterprise_id);

-- A provider's expression of interest; one per provider and demand.
CREATE TABLE bids (
    id          TEXT PRIMARY KEY,
    demand_id   TEXT NOT NULL REFERENCES demands (id),
    provider_id TEXT NOT NULL REFERENCES organizations (id),
    price_fen   BIGINT NOT NULL CHECK (price_fen >= 0),
    plan        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (demand_id, provider_id)
);

-- A service contract between an enterprise and a provider. The fee is the
-- sum of the service lines; paid_fen can never exceed it (二(三): nothing
-- charged outside the contract) — the payment insert checks first, the
-- CHECK is the backstop.
CREATE TABLE engagements (
    id                TEXT PRIMARY KEY,
    enterprise_id     TEXT NOT NULL REFERENCES organizations (id),
    provider_id       TEXT NOT NULL REFERENCES organizations (id),
    demand_id         TEXT REFERENCES demands (id),
    contract_fee_fen  BIGINT NOT NULL CHECK (contract_fee_fen >= 0),
    paid_fen          BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0 AND paid_fen <= contract_fee_fen),
    signed_on         DATE NOT NULL,
    starts_on         DATE NOT NULL,
    ends_on           DATE NOT NULL,
    delivery_deadline DATE NOT NULL,
    reports           TEXT NOT NULL,
    planned_on_site   TEXT NOT NULL,
    status            TEXT NOT NULL,
    delivered_on      DATE,
    procedure_text    TEXT,
    main_content      TEXT,
    closed_on         DATE,
    dispute_reason    TEXT,
    recorded_by       TEXT NOT NULL,
    version           BIGINT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    CHECK (ends_on >= starts_on)
);
CREATE INDEX engagements_provider_idx ON engagements (provider_id, signed_on);
CREATE INDEX engagements_enterprise_idx ON engagements (enterprise_id, starts_on);
CREATE INDEX engagements_deadline_idx ON engagements (delivery_deadline, status);

-- The service lines of an engagement: the contract fee is their sum, so the
-- value by service type of the annual report never counts a fee twice.
CREATE TABLE engagement_services (
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    service_type  TEXT NOT NULL,
    fee_fen       BIGINT NOT NULL CHECK (fee_fen >= 0),
    PRIMARY KEY (engagement_id, service_type)
);

-- Assigned personnel; engineer_id is the registration in force when signed.
CREATE TABLE engagement_personnel (
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    person_id     TEXT NOT NULL REFERENCES persons (id),
    engineer_id   TEXT REFERENCES engineers (id),
    PRIMARY KEY (engagement_id, person_id)
);

CREATE TABLE engagement_payments (
    id            TEXT PRIMARY KEY,
    engagement_id TEXT NOT NULL REFERENCES engagements (id),
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_on       DATE NOT NULL,
    recorded_by   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX engagement_payments_engagement_idx ON engagement_payments (engagement_id);

-- The enterprise's evaluation after acceptance: one per engagement.
CREATE TABLE engagement_evaluations (
    engagement_id   TEXT PRIMARY KEY REFERENCES engagements (id),
    rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment         TEXT NOT NULL,
    evaluated_on    DATE NOT NULL,
    credit_event_id TEXT REFERENCES credit_events (id),
    created_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);

-- 二(一): the notice to the regulator of the enterprise's location when the
-- provider's home city differs; exactly one per engagement.
CREATE TABLE cross_region_notices (
    id                TEXT PRIMARY KEY,
    engagement_id     TEXT NOT NULL UNIQUE REFERENCES engagements (id),
    regulator_region  TEXT NOT NULL REFERENCES regions (code),
    provider_region   TEXT NOT NULL REFERENCES regions (code),
    notified_on       DATE NOT NULL,
    earliest_on_site  DATE NOT NULL,
    late_dates        TEXT NOT NULL,
    flagged           BOOLEAN NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX cross_region_notices_region_idx ON cross_region_notices (regulator_region, notified_on);

-- 二(三): the provider's own narrative of its annual performance report,
-- versioned; publication freezes the figures and one narrative version.
CREATE TABLE annual_report_narratives (
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    year            INTEGER NOT NULL,
    version         INTEGER NOT NULL,
    narrative       TEXT NOT NULL,
    written_by      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, year, version)
);

CREATE TABLE annual_reports (
    organization_id   TEXT NOT NULL REFERENCES organizations (id),
    year              INTEGER NOT NULL,
    narrative_version INTEGER,
    body              TEXT NOT NULL,
    published_on      DATE NOT NULL,
    published_by      TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (organization_id, year)
);

-- 九(二): government purchase of services, evaluated by purchaser, recipient
-- and a third-party institution.
CREATE TABLE procurement_projects (
    id                   TEXT PRIMARY KEY,
    area                 TEXT NOT NULL,
    title                TEXT NOT NULL,
    region_code          TEXT NOT NULL REFERENCES regions (code),
    budget_fen           BIGINT NOT NULL CHECK (budget_fen >= 0),
    provider_id          TEXT NOT NULL REFERENCES organizations (id),
    third_party_id       TEXT NOT NULL REFERENCES organizations (id),
    awarded_on           DATE NOT NULL,
    status               TEXT NOT NULL,
    composite_hundredths INTEGER,
    weights_version      TEXT,
    evaluated_on         DATE,
    credit_event_id      TEXT REFERENCES credit_events (id),
    created_by           TEXT NOT NULL,
    version              BIGINT NOT NULL,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    CHECK (provider_id <> third_party_id)
);
CREATE INDEX procurement_projects_region_idx ON procurement_projects (region_code, awarded_on);

CREATE TABLE procurement_recipients (
    project_id      TEXT NOT NULL REFERENCES procurement_projects (id),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (project_id, organization_id)
);

-- Each party evaluates once: the primary key makes a second one a 409.
CREATE TABLE procurement_evaluations (
    project_id      TEXT NOT NULL REFERENCES procurement_projects (id),
    party           TEXT NOT NULL CHECK (party IN ('purchaser', 'recipient', 'third_party')),
    score           INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    comment         TEXT NOT NULL,
    evaluator       TEXT NOT NULL,
    evaluator_org   TEXT REFERENCES organizations (id),
    evaluated_on    DATE NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, party)
);

-- 九(三): subsidies for small enterprises' service contracts. committed_fen
-- only grows by a conditional update, so concurrent approvals can never
-- commit more than the budget; the CHECK is the backstop.
CREATE TABLE subsidy_programmes (
    id                     TEXT PRIMARY KEY,
    title                  TEXT NOT NULL,
    region_code            TEXT NOT NULL REFERENCES regions (code),
    budget_fen             BIGINT NOT NULL CHECK (budget_fen > 0),
    committed_fen          BIGINT NOT NULL DEFAULT 0 CHECK (committed_fen >= 0 AND committed_fen <= budget_fen),
    share_bp               INTEGER NOT NULL CHECK (share_bp BETWEEN 1 AND 10000),
    cap_per_enterprise_fen BIGINT NOT NULL CHECK (cap_per_enterprise_fen > 0),
    max_employees          INTEGER NOT NULL CHECK (max_employees > 0),
    opens_on               DATE NOT NULL,
    closes_on              DATE NOT NULL,
    created_by             TEXT NOT NULL,
    version                BIGINT NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    CHECK (closes_on >= opens_on)
);

CREATE TABLE subsidy_applications (
    id             TEXT PRIMARY KEY,
    programme_id   TEXT NOT NULL REFERENCES subsidy_programmes (id),
    enterprise_id  TEXT NOT NULL REFERENCES organizations (id),
    engagement_id  TEXT NOT NULL REFERENCES engagements (id),
    amount_fen     BIGINT NOT NULL CHECK (amount_fen > 0),
    priority       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    decided_on     DATE,
    decided_by     TEXT,
    note           TEXT,
    created_by     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    UNIQUE (programme_id, engagement_id)
);
CREATE INDEX subsidy_applications_programme_idx ON subsidy_applications (programme_id, status);
