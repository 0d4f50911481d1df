ALTER TABLE tenants DROP COLUMN recording_enabled;
ALTER TABLE tenants DROP COLUMN recording_retention_days;
DROP INDEX recordings_retention;
ALTER TABLE recordings DROP COLUMN trashed_from;
ALTER TABLE recordings DROP COLUMN trashed_at;
