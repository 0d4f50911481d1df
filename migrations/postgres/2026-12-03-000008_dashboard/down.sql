DROP TABLE server_load_samples;
DROP TABLE dashboard_sessions;
DROP TABLE dashboard_users;
