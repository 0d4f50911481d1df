-- getRecordings at a million recordings: every single-filter page is a range of one index, and totalElements a
-- lookup.
--
-- recording_metadata carries its recording's tenant, state and start time (kept by triggers), so a `meta_` filter
-- reads its page in order from recording_metadata_listing; it is WITHOUT ROWID, which also drops the separate
-- primary-key index it had.
--
-- recording_state_counts: recordings per tenant and state. recording_value_counts: metadata rows per tenant, key,
-- value and state, only for the values that a wide filter asked for (rows made by the application; the
-- triggers keep every existing row exact).
CREATE TABLE recording_metadata_listed (
    record_id TEXT NOT NULL REFERENCES recordings (record_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    tenant_id TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '',
    start_time BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (record_id, key)
) WITHOUT ROWID;
INSERT INTO recording_metadata_listed (record_id, key, value, tenant_id, state, start_time)
SELECT m.record_id, m.key, m.value, r.tenant_id, r.state, r.start_time
FROM recording_metadata m JOIN recordings r ON r.record_id = m.record_id;
DROP TABLE recording_metadata;
ALTER TABLE recording_metadata_listed RENAME TO recording_metadata;
CREATE INDEX recording_metadata_listing ON recording_metadata (key, value, tenant_id, state, start_time DESC);

-- The state index holds the record ID too: a plain page is read from it alone, in order, ties included.
DROP INDEX recordings_by_state;
CREATE INDEX recordings_by_state ON recordings (tenant_id, state, start_time DESC, record_id);

CREATE TABLE recording_state_counts (
    tenant_id TEXT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, state)
) WITHOUT ROWID;
INSERT INTO recording_state_counts (tenant_id, state, n)
SELECT tenant_id, state, count(*) FROM recordings GROUP BY tenant_id, state;

CREATE TABLE recording_value_counts (
    tenant_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key, value, state)
) WITHOUT ROWID;

CREATE TRIGGER recordings_counted AFTER INSERT ON recordings BEGIN
    INSERT INTO recording_state_counts (tenant_id, state, n) VALUES (NEW.tenant_id, NEW.state, 1)
        ON CONFLICT (tenant_id, state) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER recordings_uncounted AFTER DELETE ON recordings BEGIN
    UPDATE recording_state_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND state = OLD.state;
END;

CREATE TRIGGER recordings_moved AFTER UPDATE OF tenant_id, state, start_time ON recordings
WHEN OLD.tenant_id <> NEW.tenant_id OR OLD.state <> NEW.state OR OLD.start_time <> NEW.start_time BEGIN
    UPDATE recording_state_counts SET n = n - 1 WHERE tenant_id = OLD.tenant_id AND state = OLD.state;
    INSERT INTO recording_state_counts (tenant_id, state, n) VALUES (NEW.tenant_id, NEW.state, 1)
        ON CONFLICT (tenant_id, state) DO UPDATE SET n = n + 1;
    UPDATE recording_metadata SET tenant_id = NEW.tenant_id, state = NEW.state, start_time = NEW.start_time
    WHERE record_id = NEW.record_id;
END;

CREATE TRIGGER recording_metadata_counted AFTER INSERT ON recording_metadata BEGIN
    UPDATE recording_value_counts SET n = n + 1
    WHERE tenant_id = NEW.tenant_id AND key = NEW.key AND value = NEW.value AND state = NEW.state;
    UPDATE recording_metadata SET (tenant_id, state, start_time) =
        (SELECT tenant_id, state, start_time FROM recordings WHERE record_id = NEW.record_id)
    WHERE record_id = NEW.record_id AND key = NEW.key;
END;

CREATE TRIGGER recording_metadata_uncounted AFTER DELETE ON recording_metadata BEGIN
    UPDATE recording_value_counts SET n = n - 1
    WHERE tenant_id = OLD.tenant_id AND key = OLD.key AND value = OLD.value AND state = OLD.state;
END;

CREATE TRIGGER recording_metadata_recounted AFTER UPDATE ON recording_metadata
WHEN OLD.tenant_id <> NEW.tenant_id OR OLD.key <> NEW.key OR OLD.value <> NEW.value OR OLD.state <> NEW.state BEGIN
    UPDATE recording_value_counts SET n = n - 1
    WHERE tenant_id = OLD.tenant_id AND key = OLD.key AND value = OLD.value AND state = OLD.state;
    UPDATE recording_value_counts SET n = n + 1
    WHERE tenant_id = NEW.tenant_id AND key = NEW.key AND value = NEW.value AND state = NEW.state;
END;
