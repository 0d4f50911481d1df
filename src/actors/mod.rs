//! The actors: one [`server::ServerActor`] per BBB server polls it; the [`scheduler::Scheduler`] keeps the
//! pool in step with the database and places new meetings; the [`recordings::RecordingsActor`] imports the
//! spool; [`deliveries::Deliveries`] calls front-ends back; [`leader_job::LeaderJob`]s add up what tenants use
//! and keep recordings as long as they should be.
//! Their messages are in [`messages`].

pub mod cycle;
pub mod deliveries;
pub mod join_sync;
pub mod leader_job;
pub mod messages;
pub mod recordings;
pub mod scheduler;
pub mod server;
