-- The operator's dashboard: its accounts (argon2 hashes, a role each), their sessions (the token's SHA-256, the
-- session's CSRF token, its end), and each server's load sampled over time for the load chart.
CREATE TABLE dashboard_users (
    name TEXT PRIMARY KEY NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('viewer', 'operator')),
    created_at BIGINT NOT NULL
);
CREATE TABLE dashboard_sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_name TEXT NOT NULL REFERENCES dashboard_users (name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX dashboard_sessions_user ON dashboard_sessions (user_name);
CREATE TABLE server_load_samples (
    server_id TEXT NOT NULL,
    sampled_at BIGINT NOT NULL,
    load DOUBLE PRECISION,
    users INTEGER NOT NULL,
    meetings INTEGER NOT NULL,
    PRIMARY KEY (server_id, sampled_at)
);
CREATE INDEX server_load_samples_time ON server_load_samples (sampled_at);
