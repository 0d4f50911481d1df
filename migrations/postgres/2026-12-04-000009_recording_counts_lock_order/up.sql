-- The count rows are locked in one order — sorted by key — before they change. Each count function changed a
-- statement's rows in one UPDATE … FROM whose order follows the plan, not the key: two transactions moving
-- counts in opposite directions (one recording's `gl-listed` true → false while another's goes false → true; one
-- recording published while another is unpublished) could each hold the row the other waited for, and PostgreSQL
-- aborted one with "deadlock detected". Locked in order first, the second waits for the first instead.
CREATE OR REPLACE FUNCTION recording_state_counts_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO recording_state_counts (tenant_id, state, n)
        SELECT tenant_id, state, 0 FROM new_rows GROUP BY tenant_id, state ORDER BY tenant_id, state
        ON CONFLICT (tenant_id, state) DO NOTHING;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM 1 FROM recording_state_counts c
        WHERE (c.tenant_id, c.state) IN (SELECT tenant_id, state FROM new_rows)
        ORDER BY c.tenant_id, c.state FOR UPDATE;
        UPDATE recording_state_counts c SET n = c.n + d.n
        FROM (SELECT tenant_id, state, count(*) AS n FROM new_rows GROUP BY tenant_id, state) d
        WHERE (c.tenant_id, c.state) = (d.tenant_id, d.state);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM recording_state_counts c
        WHERE (c.tenant_id, c.state) IN (SELECT tenant_id, state FROM old_rows)
        ORDER BY c.tenant_id, c.state FOR UPDATE;
        UPDATE recording_state_counts c SET n = c.n - d.n
        FROM (SELECT tenant_id, state, count(*) AS n FROM old_rows GROUP BY tenant_id, state) d
        WHERE (c.tenant_id, c.state) = (d.tenant_id, d.state);
    ELSE
        PERFORM 1 FROM recording_state_counts c
        WHERE (c.tenant_id, c.state) IN (SELECT tenant_id, state FROM (
                SELECT tenant_id, state, -1 AS n FROM old_rows UNION ALL SELECT tenant_id, state, 1 FROM new_rows
            ) moves GROUP BY tenant_id, state HAVING sum(n) <> 0)
        ORDER BY c.tenant_id, c.state FOR UPDATE;
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
        PERFORM 1 FROM recording_value_counts c
        WHERE (c.tenant_id, c.key, c.value, c.state) IN (SELECT tenant_id, key, value, state FROM new_rows)
        ORDER BY c.tenant_id, c.key, c.value, c.state FOR UPDATE;
        UPDATE recording_value_counts c SET n = c.n + d.n
        FROM (SELECT tenant_id, key, value, state, count(*) AS n FROM new_rows GROUP BY tenant_id, key, value, state) d
        WHERE (c.tenant_id, c.key, c.value, c.state) = (d.tenant_id, d.key, d.value, d.state);
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM 1 FROM recording_value_counts c
        WHERE (c.tenant_id, c.key, c.value, c.state) IN (SELECT tenant_id, key, value, state FROM old_rows)
        ORDER BY c.tenant_id, c.key, c.value, c.state FOR UPDATE;
        UPDATE recording_value_counts c SET n = c.n - d.n
        FROM (SELECT tenant_id, key, value, state, count(*) AS n FROM old_rows GROUP BY tenant_id, key, value, state) d
        WHERE (c.tenant_id, c.key, c.value, c.state) = (d.tenant_id, d.key, d.value, d.state);
    ELSE
        PERFORM 1 FROM recording_value_counts c
        WHERE (c.tenant_id, c.key, c.value, c.state) IN (SELECT tenant_id, key, value, state FROM (
                SELECT tenant_id, key, value, state, -1 AS n FROM old_rows
                UNION ALL SELECT tenant_id, key, value, state, 1 FROM new_rows
            ) moves GROUP BY tenant_id, key, value, state HAVING sum(n) <> 0)
        ORDER BY c.tenant_id, c.key, c.value, c.state FOR UPDATE;
        UPDATE recording_value_counts c SET n = c.n + d.n
        FROM (SELECT tenant_id, key, value, state, sum(n) AS n FROM (
                SELECT tenant_id, key, value, state, -1 AS n FROM old_rows
                UNION ALL SELECT tenant_id, key, value, state, 1 FROM new_rows
            ) moves GROUP BY tenant_id, key, value, state HAVING sum(n) <> 0) d
        WHERE (c.tenant_id, c.key, c.value, c.state) = (d.tenant_id, d.key, d.value, d.state);
    END IF;
    RETURN NULL;
END $$;
