DROP TABLE thumbnails;
DROP TABLE playback_formats;
DROP TABLE recording_metadata;
DROP TABLE recordings;
