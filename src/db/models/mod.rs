//! Rows of the schema and the queries on them; no HTTP, no validation beyond what the database enforces.

pub mod callback;
pub mod callback_delivery;
pub mod dashboard_user;
pub mod meeting;
pub mod meeting_forecast;
pub mod meeting_history;
pub mod meeting_joins;
pub mod recording;
pub mod recording_counts;
pub mod recording_trash;
pub mod server;
pub mod server_figures;
pub mod server_load;
pub mod setting;
pub mod sign_in_failure;
pub mod tenant;
pub mod tenant_setting;
pub mod tenant_usage;
pub mod token;
