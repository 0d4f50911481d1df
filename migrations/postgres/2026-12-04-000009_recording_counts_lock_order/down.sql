-- The count functions as migration 000007 made them.
CREATE OR REPLACE FUNCTION recording_state_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE OR REPLACE FUNCTION recording_value_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
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
