DROP TABLE tenant_usage;
ALTER TABLE meeting_forecasts DROP COLUMN polled_users;
ALTER TABLE tenants DROP COLUMN rate_limit;
ALTER TABLE tenants DROP COLUMN max_users;
ALTER TABLE tenants DROP COLUMN max_meetings;
