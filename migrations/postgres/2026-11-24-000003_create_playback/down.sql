DROP TABLE recording_tokens;
