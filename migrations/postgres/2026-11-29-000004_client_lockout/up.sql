-- Repeated wrong client secrets lock that client for a while (kept in the
-- database so every instance enforces the same lock).
ALTER TABLE api_clients ADD COLUMN failed_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE api_clients ADD COLUMN locked_until TIMESTAMP;
