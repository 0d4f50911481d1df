DROP TABLE meeting_forecasts;
