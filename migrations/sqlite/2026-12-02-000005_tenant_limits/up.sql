-- Tenants as customers: limits (NULL: none), and what each used, per UTC day.
ALTER TABLE tenants ADD COLUMN max_meetings INTEGER;
ALTER TABLE tenants ADD COLUMN max_users INTEGER;
ALTER TABLE tenants ADD COLUMN rate_limit INTEGER;
-- The users a poll saw in each meeting, beside its forecast: a tenant's users are the sum of its meetings'.
ALTER TABLE meeting_forecasts ADD COLUMN polled_users INTEGER NOT NULL DEFAULT 0;
CREATE TABLE tenant_usage (
    tenant_id TEXT NOT NULL,
    day TEXT NOT NULL,
    meeting_ms BIGINT NOT NULL DEFAULT 0,
    user_ms BIGINT NOT NULL DEFAULT 0,
    peak_meetings INTEGER NOT NULL DEFAULT 0,
    peak_users INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, day)
);
CREATE INDEX tenant_usage_day ON tenant_usage (day);
