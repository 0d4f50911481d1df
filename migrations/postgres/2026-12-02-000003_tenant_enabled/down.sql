ALTER TABLE tenants DROP COLUMN enabled;
