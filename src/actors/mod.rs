//! The actors: one [`server::ServerActor`] per BBB server polls it; the [`scheduler::Scheduler`] keeps the
//! pool in step with the database and places new meetings; the [`recordings::RecordingsActor`] imports the
//! spool; [`deliveries::Deliveries`] calls front-ends back; [`usage::UsageSampler`] adds up what tenants use;
//! [`retention::RetentionSweeper`] keeps recordings as long as they should be.
//! Their messages are in [`messages`].

pub mod cycle;
pub mod deliveries;
pub mod join_sync;
pub mod messages;
pub mod recordings;
pub mod retention;
pub mod scheduler;
pub mod server;
pub mod usage;
