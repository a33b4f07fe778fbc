-- Indexes for the list and lookup endpoints that the earlier migrations left
-- to a sequential scan or to a sort of every matching row (issue 8: every list
-- and lookup endpoint indexed; bench/REPORT.md shows the plans at 1 million
-- organisations and 10 million premium postings). Lists page by keyset on
-- their id, so an index on (filter column, id) serves both the filter and the
-- order and a page costs the page, whatever the table's size. Indexes that a
-- PRIMARY KEY or UNIQUE constraint already provides are not repeated.

-- Public certificate check (GET /public/certificates?number=&name=) looks up
-- every certificate under a number, revoked ones included; the unique index
-- on (number, category) is partial (current certificates only), so it cannot
-- answer this.
CREATE INDEX IF NOT EXISTS certificates_number_idx ON certificates (number);

-- A provider's bids (and the foreign key to the organisation); the unique
-- (demand_id, provider_id) only serves look-ups within one demand.
CREATE INDEX IF NOT EXISTS bids_provider_idx ON bids (provider_id);

-- GET /insurance/policies for an insurer, in id order: the unique
-- (insurer_id, policy_number) finds the rows but not in page order.
CREATE INDEX IF NOT EXISTS insurance_policies_insurer_idx ON insurance_policies (insurer_id, id);

-- GET /audit?resource= without resource_type, and a regulator's audit view
-- (resource_region within its jurisdiction), newest first by id.
CREATE INDEX IF NOT EXISTS audit_log_resource_id_idx ON audit_log (resource_id, id);
CREATE INDEX IF NOT EXISTS audit_log_region_idx ON audit_log (resource_region, id);

-- GET /complaints?status= in id order.
CREATE INDEX IF NOT EXISTS complaints_status_idx ON complaints (status, id);

-- GET /organizations?sector= in id order.
CREATE INDEX IF NOT EXISTS organizations_sector_idx ON organizations (sector, id);

-- Public disclosures of a provider: delivered engagements, newest delivery
-- first (delivered_on DESC, id DESC), read backwards.
CREATE INDEX IF NOT EXISTS engagements_delivered_idx ON engagements (provider_id, delivered_on, id);

-- The event feed for portals (public events only) after a position: without
-- it a sparse public stream would be filtered out of the whole outbox.
CREATE INDEX IF NOT EXISTS events_public_idx ON events (public, position);

-- Procurement projects an organisation is party to (provider, third party or
-- recipient); the recipients' primary key leads with the project.
CREATE INDEX IF NOT EXISTS procurement_projects_provider_idx ON procurement_projects (provider_id);
CREATE INDEX IF NOT EXISTS procurement_projects_third_party_idx ON procurement_projects (third_party_id);
CREATE INDEX IF NOT EXISTS procurement_recipients_organization_idx ON procurement_recipients (organization_id);

-- An enterprise's subsidy applications (the per-enterprise cap sums them).
CREATE INDEX IF NOT EXISTS subsidy_applications_enterprise_idx ON subsidy_applications (enterprise_id);

-- GET /sanctions (rectification orders by status) in id order.
CREATE INDEX IF NOT EXISTS sanctions_kind_idx ON sanctions (kind, id);
