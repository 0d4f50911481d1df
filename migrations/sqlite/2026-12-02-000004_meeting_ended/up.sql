-- The front-end's own end callbacks, called by Scalelite when the meeting's server says it ended
-- (meetingEndedURL), with the front-end's meeting ID.
ALTER TABLE meeting_callbacks ADD COLUMN meeting_ended_url TEXT;
ALTER TABLE meeting_callbacks ADD COLUMN end_callback_url TEXT;

-- Callbacks to front-ends still to deliver (a GET, or a POST of `form` when set): kept in the database so that a
-- restart loses none; retried with growing delays while the front-end fails.
CREATE TABLE callback_deliveries (
    id TEXT PRIMARY KEY,
    what TEXT NOT NULL,
    url TEXT NOT NULL,
    form TEXT,
    attempts INTEGER NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX callback_deliveries_due ON callback_deliveries (next_attempt_at);
