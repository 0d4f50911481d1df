DROP TABLE settings;
DROP TABLE meeting_callbacks;
DROP TABLE meetings;
DROP TABLE tenant_settings;
DROP TABLE tenants;
DROP TABLE servers;
