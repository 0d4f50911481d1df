DROP TABLE server_figures;
DROP TABLE meeting_joins;
DROP TABLE meeting_history;
