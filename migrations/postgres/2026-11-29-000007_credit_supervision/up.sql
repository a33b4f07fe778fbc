-- Credit, blacklist and supervision (豫安委〔2017〕17号 八): credit events and
-- the stored scores with their change feed, the blacklist and removal
-- applications, sanctions and bans, spot-check draws, and complaints.

-- The effective-dated points table (seeded from persistence/seed/credit_event_rules.csv).
CREATE TABLE credit_event_rules (
    event_type      TEXT NOT NULL,
    points          INTEGER NOT NULL,
    validity_months INTEGER NOT NULL CHECK (validity_months >= 0),
    effective_from  DATE NOT NULL,
    effective_to    DATE,
    clause          TEXT NOT NULL,
    PRIMARY KEY (event_type, effective_from)
);

-- Points and expiry are fixed when the event is recorded, from the rule in
-- force on the date it occurred; the rule version says which.
CREATE TABLE credit_events (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    event_type      TEXT NOT NULL,
    occurred_on     DATE NOT NULL,
    points          INTEGER NOT NULL,
    expires_on      DATE NOT NULL,
    rule_version    TEXT NOT NULL,
    clause          TEXT NOT NULL,
    evidence        TEXT NOT NULL,
    source_type     TEXT,
    source_id       TEXT,
    recorded_by     TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    CHECK (expires_on >= occurred_on)
);
CREATE INDEX credit_events_organization_idx ON credit_events (organization_id, occurred_on);
-- A sanction or complaint creates its event once.
CREATE UNIQUE INDEX credit_events_source_idx ON credit_events (source_type, source_id, event_type)
    WHERE source_type IS NOT NULL;

-- The current score of every organisation with events: one indexed read.
-- change_seq orders the portal change feed; writers take credit_feed_lock
-- first, so sequence numbers commit in order and a reader never skips one.
CREATE TABLE credit_scores (
    organization_id TEXT PRIMARY KEY REFERENCES organizations (id),
    score           INTEGER NOT NULL,
    grade           TEXT NOT NULL,
    events_sum      BIGINT NOT NULL,
    in_force        INTEGER NOT NULL,
    next_change_on  DATE,
    as_of           DATE NOT NULL,
    scale_versions  TEXT NOT NULL,
    change_seq      BIGINT NOT NULL UNIQUE,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX credit_scores_next_change_idx ON credit_scores (next_change_on);
CREATE INDEX credit_scores_updated_idx ON credit_scores (updated_at);

CREATE TABLE credit_feed_lock (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    last_seq BIGINT NOT NULL
);
INSERT INTO credit_feed_lock (id, last_seq) VALUES (1, 0);

CREATE TABLE blacklist_listings (
    id                TEXT PRIMARY KEY,
    organization_id   TEXT NOT NULL REFERENCES organizations (id),
    trigger_type      TEXT NOT NULL,
    credit_event_id   TEXT REFERENCES credit_events (id),
    decided_by        TEXT NOT NULL,
    decided_region    TEXT NOT NULL REFERENCES regions (code),
    listed_on         DATE NOT NULL,
    ends_on           DATE NOT NULL,
    term_rule_version TEXT NOT NULL,
    removed_on        DATE,
    created_at        TIMESTAMP NOT NULL,
    CHECK (ends_on > listed_on)
);
CREATE INDEX blacklist_listings_organization_idx ON blacklist_listings (organization_id, listed_on);
CREATE INDEX blacklist_listings_ends_idx ON blacklist_listings (ends_on);

CREATE TABLE blacklist_removal_applications (
    id          TEXT PRIMARY KEY,
    listing_id  TEXT NOT NULL REFERENCES blacklist_listings (id),
    applied_on  DATE NOT NULL,
    reason      TEXT NOT NULL,
    status      TEXT NOT NULL,
    decided_by  TEXT,
    decided_on  DATE,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX blacklist_removal_applications_listing_idx ON blacklist_removal_applications (listing_id);

CREATE TABLE sanctions (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    kind            TEXT NOT NULL,
    decided_on      DATE NOT NULL,
    deadline        DATE,
    complied_on     DATE,
    from_date       DATE,
    to_date         DATE,
    reason          TEXT NOT NULL,
    case_ref        TEXT,
    decided_by      TEXT NOT NULL,
    decided_region  TEXT NOT NULL REFERENCES regions (code),
    created_at      TIMESTAMP NOT NULL
);
CREATE INDEX sanctions_organization_idx ON sanctions (organization_id, decided_on);

CREATE TABLE bans (
    id              TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    organization_id TEXT REFERENCES organizations (id),
    person_id       TEXT REFERENCES persons (id),
    from_date       DATE NOT NULL,
    to_date         DATE,
    case_ref        TEXT NOT NULL,
    reason          TEXT NOT NULL,
    decided_by      TEXT NOT NULL,
    decided_region  TEXT NOT NULL REFERENCES regions (code),
    created_at      TIMESTAMP NOT NULL,
    CHECK ((organization_id IS NULL) <> (person_id IS NULL)),
    CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE INDEX bans_organization_idx ON bans (organization_id);
CREATE INDEX bans_person_idx ON bans (person_id);

CREATE TABLE spot_check_draws (
    id                    TEXT PRIMARY KEY,
    criteria              TEXT NOT NULL,
    population            TEXT NOT NULL,
    population_digest     TEXT NOT NULL,
    inspectors            TEXT NOT NULL,
    sample_size           INTEGER NOT NULL,
    inspectors_per_target INTEGER NOT NULL,
    beacon                TEXT NOT NULL,
    seed_hex              TEXT NOT NULL,
    drawn_by              TEXT NOT NULL,
    region_code           TEXT NOT NULL REFERENCES regions (code),
    created_at            TIMESTAMP NOT NULL
);

CREATE TABLE spot_check_targets (
    draw_id         TEXT NOT NULL REFERENCES spot_check_draws (id),
    position        INTEGER NOT NULL,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    inspectors      TEXT NOT NULL,
    findings        TEXT,
    sanction_id     TEXT REFERENCES sanctions (id),
    recorded_at     TIMESTAMP,
    PRIMARY KEY (draw_id, position)
);

CREATE TABLE complaints (
    id                TEXT PRIMARY KEY,
    tracking_code     TEXT NOT NULL UNIQUE,
    organization_id   TEXT NOT NULL REFERENCES organizations (id),
    category          TEXT NOT NULL,
    description       TEXT NOT NULL,
    contact           TEXT,
    status            TEXT NOT NULL,
    decided_by        TEXT,
    decision_note     TEXT,
    credit_event_id   TEXT REFERENCES credit_events (id),
    status_changed_at TIMESTAMP NOT NULL,
    created_at        TIMESTAMP NOT NULL
);
CREATE INDEX complaints_organization_idx ON complaints (organization_id, created_at);
