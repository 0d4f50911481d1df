-- The recordings index. Record IDs sort bytewise (COLLATE "C") so that prefix searches use the primary key.
CREATE TABLE recordings (
    record_id TEXT COLLATE "C" PRIMARY KEY,
    tenant_id TEXT NOT NULL DEFAULT '',
    -- The meeting ID as the front-end knows it, and as the BBB server knew it.
    meeting_id TEXT NOT NULL,
    bbb_meeting_id TEXT NOT NULL,
    internal_meeting_id TEXT,
    name TEXT NOT NULL DEFAULT '',
    is_breakout BOOLEAN NOT NULL DEFAULT FALSE,
    published BOOLEAN NOT NULL DEFAULT FALSE,
    protected BOOLEAN NOT NULL DEFAULT FALSE,
    publish_updated BOOLEAN NOT NULL DEFAULT FALSE,
    state TEXT NOT NULL,
    start_time BIGINT NOT NULL DEFAULT 0,
    end_time BIGINT NOT NULL DEFAULT 0,
    participants INTEGER,
    raw_size BIGINT,
    parent_meeting_id TEXT,
    breakout_sequence INTEGER,
    breakout_rooms TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);
CREATE INDEX recordings_by_meeting ON recordings (tenant_id, meeting_id, start_time DESC);
CREATE INDEX recordings_by_state ON recordings (tenant_id, state, start_time DESC);

CREATE TABLE recording_metadata (
    record_id TEXT COLLATE "C" NOT NULL REFERENCES recordings (record_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (record_id, key)
);
CREATE INDEX recording_metadata_by_value ON recording_metadata (key, value, record_id);

CREATE TABLE playback_formats (
    record_id TEXT COLLATE "C" NOT NULL REFERENCES recordings (record_id) ON DELETE CASCADE,
    format TEXT NOT NULL,
    url TEXT NOT NULL,
    length INTEGER NOT NULL DEFAULT 0,
    processing_time INTEGER,
    size BIGINT,
    PRIMARY KEY (record_id, format)
);

CREATE TABLE thumbnails (
    record_id TEXT COLLATE "C" NOT NULL,
    format TEXT NOT NULL,
    sequence INTEGER NOT NULL,
    width INTEGER,
    height INTEGER,
    alt TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL,
    PRIMARY KEY (record_id, format, sequence),
    FOREIGN KEY (record_id, format) REFERENCES playback_formats (record_id, format) ON DELETE CASCADE
);
