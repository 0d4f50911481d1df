-- The peaks of a meeting's earlier sessions, by the meeting ID the BBB servers know: its next session's forecast.
CREATE TABLE meeting_history (
    bbb_meeting_id TEXT PRIMARY KEY,
    sessions INTEGER NOT NULL,
    mean_peak REAL NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The joins each instance redirected, per meeting and server (running totals), so that every instance sharing
-- the database counts them in its placements within a second.
CREATE TABLE meeting_joins (
    instance_id TEXT NOT NULL,
    bbb_meeting_id TEXT NOT NULL,
    server_id TEXT NOT NULL,
    joins INTEGER NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (instance_id, bbb_meeting_id, server_id)
);
CREATE INDEX meeting_joins_by_time ON meeting_joins (updated_at);

-- What the instance that polls sees of each server between polls (for `scalelite status`): joins not yet seen
-- by a poll, the forecast load, and the load placement uses.
CREATE TABLE server_figures (
    server_id TEXT PRIMARY KEY,
    users_in_flight INTEGER NOT NULL,
    forecast_load REAL NOT NULL,
    placement_load REAL,
    updated_at BIGINT NOT NULL
);
