-- One-time playback tokens of protected recordings: minted by getRecordings, consumed by the first play.
CREATE TABLE recording_tokens (
    token TEXT PRIMARY KEY NOT NULL,
    record_id TEXT NOT NULL,
    format TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX recording_tokens_by_expiry ON recording_tokens (expires_at);
