DROP TRIGGER recording_metadata_recounted;
DROP TRIGGER recording_metadata_uncounted;
DROP TRIGGER recording_metadata_counted;
DROP TRIGGER recordings_moved;
DROP TRIGGER recordings_uncounted;
DROP TRIGGER recordings_counted;
DROP TABLE recording_value_counts;
DROP TABLE recording_state_counts;
CREATE TABLE recording_metadata_plain (
    record_id TEXT NOT NULL REFERENCES recordings (record_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (record_id, key)
);
INSERT INTO recording_metadata_plain (record_id, key, value) SELECT record_id, key, value FROM recording_metadata;
DROP TABLE recording_metadata;
ALTER TABLE recording_metadata_plain RENAME TO recording_metadata;
CREATE INDEX recording_metadata_by_value ON recording_metadata (key, value, record_id);
DROP INDEX recordings_by_state;
CREATE INDEX recordings_by_state ON recordings (tenant_id, state, start_time DESC);
