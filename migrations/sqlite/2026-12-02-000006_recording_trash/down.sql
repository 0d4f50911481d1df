ALTER TABLE tenants DROP COLUMN recording_enabled;
ALTER TABLE tenants DROP COLUMN recording_retention_days;
ALTER TABLE recordings DROP COLUMN trashed_from;
ALTER TABLE recordings DROP COLUMN trashed_at;
