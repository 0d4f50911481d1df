-- What the instance that polls forecasts for each meeting it knows (for `scalelite meetings` and the admin API):
-- the users it expects, why, and the joins no poll has seen yet. Written when they change.
CREATE TABLE meeting_forecasts (
    server_id TEXT NOT NULL,
    bbb_meeting_id TEXT NOT NULL,
    users DOUBLE PRECISION NOT NULL,
    source TEXT NOT NULL,
    in_flight INTEGER NOT NULL,
    load DOUBLE PRECISION NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (server_id, bbb_meeting_id)
);
CREATE INDEX meeting_forecasts_by_meeting ON meeting_forecasts (bbb_meeting_id);
