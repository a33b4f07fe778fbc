-- Integration (issue 8): the transactional outbox behind the event feed and
-- the webhook subscriptions that deliver from it.

-- The outbox. Every change another system could care about writes one row
-- here in the transaction of the change. Positions are dense and assigned in
-- commit order: the writer takes the single event_head row FOR UPDATE (on
-- SQLite write transactions are serialised anyway), so position N+1 cannot
-- be assigned until the transaction holding N has committed or rolled back.
-- A reader asking for "after N" therefore never skips an event that commits
-- later with a smaller position (docs/decisions/0014).
CREATE TABLE event_head (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_position BIGINT NOT NULL
);
INSERT INTO event_head (id, last_position) VALUES (1, 0);

CREATE TABLE events (
    position        BIGINT PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    event_type      TEXT NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    -- Visibility: regulators see events of their jurisdiction's regions,
    -- organisations the events naming them, portals the public ones.
    region_code     TEXT,
    organization_id TEXT,
    counterparty_id TEXT,
    public          BOOLEAN NOT NULL,
    -- JSON object: the event's facts, never personal data.
    data            TEXT NOT NULL
);
CREATE INDEX events_type_idx ON events (event_type, position);
CREATE INDEX events_region_idx ON events (region_code, position);
CREATE INDEX events_organization_idx ON events (organization_id, position);
CREATE INDEX events_counterparty_idx ON events (counterparty_id, position);

-- A subscriber's endpoint. The worker delivers the events after `cursor`
-- that the owner may see, in position order; `attempts` and
-- `next_attempt_at` belong to the event at the head. One instance holds a
-- subscription at a time: the lease is taken with a conditional UPDATE
-- (FOR UPDATE SKIP LOCKED on PostgreSQL) and expires if its holder dies.
CREATE TABLE webhook_subscriptions (
    id              TEXT PRIMARY KEY,
    owner_client_id TEXT NOT NULL REFERENCES api_clients (id),
    url             TEXT NOT NULL,
    -- JSON array of event type names; empty = every type.
    event_types     TEXT NOT NULL,
    secret          TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('active', 'paused')),
    cursor          BIGINT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_owner     TEXT,
    lease_until     TIMESTAMP,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX webhook_subscriptions_owner_idx ON webhook_subscriptions (owner_client_id);
CREATE INDEX webhook_subscriptions_due_idx ON webhook_subscriptions (status, next_attempt_at);

-- The outcome of delivering one event to one subscription: `delivered`, or
-- `dead` after the last attempt (dead letter); a manual redelivery of a dead
-- letter sets `redeliver` and the worker sends it again.
CREATE TABLE webhook_deliveries (
    id              TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id),
    event_position  BIGINT NOT NULL REFERENCES events (position),
    status          TEXT NOT NULL CHECK (status IN ('delivered', 'dead', 'redeliver')),
    attempts        INTEGER NOT NULL,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (subscription_id, event_position)
);
CREATE INDEX webhook_deliveries_status_idx ON webhook_deliveries (status, subscription_id);
