-- Servers, tenants, tenant settings, meetings and Scalelite's own settings.
-- Times are milliseconds since the Unix epoch (INTEGER), the same type on both backends.

CREATE TABLE servers (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    tag TEXT,
    state TEXT NOT NULL DEFAULT 'disabled' CHECK (state IN ('enabled', 'cordoned', 'disabled')),
    online BOOLEAN NOT NULL DEFAULT FALSE,
    load REAL,
    load_multiplier REAL NOT NULL DEFAULT 1.0 CHECK (load_multiplier > 0),
    meetings INTEGER NOT NULL DEFAULT 0,
    users INTEGER NOT NULL DEFAULT 0,
    largest_meeting INTEGER NOT NULL DEFAULT 0,
    videos INTEGER NOT NULL DEFAULT 0,
    bbb_version TEXT,
    checksum_algorithm TEXT NOT NULL DEFAULT 'SHA256',
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    secrets TEXT NOT NULL,
    lrs_endpoint TEXT,
    lrs_username TEXT,
    lrs_password TEXT,
    kc_token_url TEXT,
    kc_client_id TEXT,
    kc_client_secret TEXT,
    kc_username TEXT,
    kc_password TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE tenant_settings (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    param TEXT NOT NULL,
    value TEXT NOT NULL,
    override BOOLEAN NOT NULL DEFAULT FALSE,
    UNIQUE (tenant_id, param, override)
);

CREATE TABLE meetings (
    tenant_id TEXT NOT NULL DEFAULT '',
    meeting_id TEXT NOT NULL,
    bbb_meeting_id TEXT NOT NULL UNIQUE,
    server_id TEXT NOT NULL,
    moderator_pw TEXT,
    voice_bridge TEXT UNIQUE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, meeting_id)
);
CREATE INDEX meetings_server_id ON meetings (server_id);

-- What a meeting's create asked for callbacks; kept after the meeting ends, for the recording-ready callback.
CREATE TABLE meeting_callbacks (
    bbb_meeting_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL DEFAULT '',
    recording_ready_url TEXT,
    analytics_callback_url TEXT,
    secret_fingerprint TEXT,
    updated_at INTEGER NOT NULL
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
