DROP TABLE callback_deliveries;
ALTER TABLE meeting_callbacks DROP COLUMN end_callback_url;
ALTER TABLE meeting_callbacks DROP COLUMN meeting_ended_url;
