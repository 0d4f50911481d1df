-- getRecordings at a million recordings: every single-filter page is a range of one index, and totalElements a
-- lookup.
--
-- recording_metadata carries its recording's tenant, state and start time (kept by triggers), so a `meta_` filter
-- reads its page in order from recording_metadata_listing.
--
-- recording_state_counts: recordings per tenant and state. recording_value_counts: metadata rows per tenant, key,
-- value and state, only for the values that a wide filter asked for (rows made by the application under an
-- exclusive advisory lock, which every trigger below takes shared; the triggers keep every existing row exact).
ALTER TABLE recording_metadata ADD COLUMN tenant_id TEXT NOT NULL DEFAULT '';
ALTER TABLE recording_metadata ADD COLUMN state TEXT NOT NULL DEFAULT '';
ALTER TABLE recording_metadata ADD COLUMN start_time BIGINT NOT NULL DEFAULT 0;
UPDATE recording_metadata m SET tenant_id = r.tenant_id, state = r.state, start_time = r.start_time
FROM recordings r WHERE r.record_id = m.record_id;
DROP INDEX recording_metadata_by_value;
CREATE INDEX recording_metadata_listing ON recording_metadata (key, value, tenant_id, state, start_time DESC, record_id);

-- The state index holds the record ID too: a plain page is read from it alone, in order, ties included.
DROP INDEX recordings_by_state;
CREATE INDEX recordings_by_state ON recordings (tenant_id, state, start_time DESC, record_id);

CREATE TABLE recording_state_counts (
    tenant_id TEXT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, state)
);
INSERT INTO recording_state_counts (tenant_id, state, n)
SELECT tenant_id, state, count(*) FROM recordings GROUP BY tenant_id, state;

CREATE TABLE recording_value_counts (
    tenant_id TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    state TEXT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, key, value, state)
);

-- The counts change once per statement, by the changed rows' sum (a row updated once per row inserted would grow a
-- chain of versions that every later update in the transaction walks).
CREATE FUNCTION recording_state_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO recording_state_counts (tenant_id, state, n)
        SELECT tenant_id, state, 0 FROM new_rows GROUP BY tenant_id, state ORDER BY tenant_id, state
        ON CONFLICT (tenant_id, state) DO NOTHING;
    END IF;
    IF TG_OP = 'INSERT' THEN
        UPDATE recording_state_counts c SET n = c.n + d.n
        FROM (SELECT tenant_id, state, count(*) AS n FROM new_rows GROUP BY tenant_id, state) d
        WHERE (c.tenant_id, c.state) = (d.tenant_id, d.state);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE recording_state_counts c SET n = c.n - d.n
        FROM (SELECT tenant_id, state, count(*) AS n FROM old_rows GROUP BY tenant_id, state) d
        WHERE (c.tenant_id, c.state) = (d.tenant_id, d.state);
    ELSE
        UPDATE recording_state_counts c SET n = c.n + d.n
        FROM (SELECT tenant_id, state, sum(n) AS n FROM (
                SELECT tenant_id, state, -1 AS n FROM old_rows UNION ALL SELECT tenant_id, state, 1 FROM new_rows
            ) moves GROUP BY tenant_id, state HAVING sum(n) <> 0) d
        WHERE (c.tenant_id, c.state) = (d.tenant_id, d.state);
    END IF;
    RETURN NULL;
END $$;
-- Triggers fire in the order of their names: the counts first, then the metadata.
CREATE TRIGGER recordings_1_counted AFTER INSERT ON recordings REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recording_state_counts_add();
CREATE TRIGGER recordings_1_uncounted AFTER DELETE ON recordings REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recording_state_counts_add();
CREATE TRIGGER recordings_1_recounted AFTER UPDATE ON recordings REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recording_state_counts_add();

CREATE FUNCTION recordings_spread() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE recording_metadata SET tenant_id = NEW.tenant_id, state = NEW.state, start_time = NEW.start_time
    WHERE record_id = NEW.record_id;
    RETURN NULL;
END $$;
CREATE TRIGGER recordings_2_spread AFTER UPDATE OF tenant_id, state, start_time ON recordings FOR EACH ROW
    WHEN ((OLD.tenant_id, OLD.state, OLD.start_time) IS DISTINCT FROM (NEW.tenant_id, NEW.state, NEW.start_time))
    EXECUTE FUNCTION recordings_spread();

CREATE FUNCTION recording_metadata_fill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT r.tenant_id, r.state, r.start_time INTO NEW.tenant_id, NEW.state, NEW.start_time
    FROM recordings r WHERE r.record_id = NEW.record_id;
    RETURN NEW;
END $$;
CREATE TRIGGER recording_metadata_filled BEFORE INSERT OR UPDATE OF record_id ON recording_metadata
    FOR EACH ROW EXECUTE FUNCTION recording_metadata_fill();

CREATE FUNCTION recording_value_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7307001);
    IF TG_OP = 'INSERT' THEN
        UPDATE recording_value_counts c SET n = c.n + d.n
        FROM (SELECT tenant_id, key, value, state, count(*) AS n FROM new_rows GROUP BY tenant_id, key, value, state) d
        WHERE (c.tenant_id, c.key, c.value, c.state) = (d.tenant_id, d.key, d.value, d.state);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE recording_value_counts c SET n = c.n - d.n
        FROM (SELECT tenant_id, key, value, state, count(*) AS n FROM old_rows GROUP BY tenant_id, key, value, state) d
        WHERE (c.tenant_id, c.key, c.value, c.state) = (d.tenant_id, d.key, d.value, d.state);
    ELSE
        UPDATE recording_value_counts c SET n = c.n + d.n
        FROM (SELECT tenant_id, key, value, state, sum(n) AS n FROM (
                SELECT tenant_id, key, value, state, -1 AS n FROM old_rows
                UNION ALL SELECT tenant_id, key, value, state, 1 FROM new_rows
            ) moves GROUP BY tenant_id, key, value, state HAVING sum(n) <> 0) d
        WHERE (c.tenant_id, c.key, c.value, c.state) = (d.tenant_id, d.key, d.value, d.state);
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER recording_metadata_counted AFTER INSERT ON recording_metadata REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recording_value_counts_add();
CREATE TRIGGER recording_metadata_uncounted AFTER DELETE ON recording_metadata REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recording_value_counts_add();
CREATE TRIGGER recording_metadata_recounted AFTER UPDATE ON recording_metadata
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recording_value_counts_add();
