-- A tenant can be switched off without deleting it: its API calls are refused until it is enabled again.
ALTER TABLE tenants ADD COLUMN enabled BOOLEAN NOT NULL DEFAULT 1;
