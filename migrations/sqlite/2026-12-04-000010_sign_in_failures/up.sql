-- Failed dashboard sign-ins per account name (existing or not), shared by every instance: a name locked on one
-- is locked on all. A row's window starts at its first failure; expired rows are pruned as failures come.
CREATE TABLE dashboard_sign_in_failures (
    name TEXT PRIMARY KEY NOT NULL,
    first_at BIGINT NOT NULL,
    failures INTEGER NOT NULL
);
CREATE INDEX dashboard_sign_in_failures_first ON dashboard_sign_in_failures (first_at);
