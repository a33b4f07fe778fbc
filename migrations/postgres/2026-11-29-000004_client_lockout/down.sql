ALTER TABLE api_clients DROP COLUMN locked_until;
ALTER TABLE api_clients DROP COLUMN failed_attempts;
