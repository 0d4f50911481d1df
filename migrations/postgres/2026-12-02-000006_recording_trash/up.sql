-- Retention and trash: a trashed recording is unlisted (state 'trashed', its former state kept), its files kept in
-- the unpublished tree until it is restored or purged. Tenants: how long their recordings are kept (NULL: the
-- global default), and whether their meetings may record at all.
ALTER TABLE recordings ADD COLUMN trashed_at BIGINT;
ALTER TABLE recordings ADD COLUMN trashed_from TEXT;
ALTER TABLE tenants ADD COLUMN recording_retention_days INTEGER;
ALTER TABLE tenants ADD COLUMN recording_enabled BOOLEAN NOT NULL DEFAULT TRUE;
