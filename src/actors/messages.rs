//! The messages of the actors, in one place: what the handlers and the actors ask of each other. The actors
//! import these; no actor imports another actor's file.

use std::collections::HashSet;

use actix::prelude::*;

use crate::balancer::{PlaceError, TagRequest};
use crate::db::models::server::Server;

/// Places a new meeting: the id of the chosen server, whose capacity is reserved for it.
#[derive(Message)]
#[rtype(result = "Result<String, PlaceError>")]
pub struct Place {
    pub tag: TagRequest,
    pub bbb_meeting_id: String,
}

/// Gives back a reservation (the meeting went elsewhere after all).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Unreserve {
    pub server_id: String,
    pub bbb_meeting_id: String,
}

/// A server actor's poll result.
#[derive(Message)]
#[rtype(result = "()")]
pub struct LoadReport {
    pub server_id: String,
    pub online: bool,
    pub load: Option<f64>,
    /// The BBB meeting IDs the server listed.
    pub seen: HashSet<String>,
}

/// Reloads the servers now and answers when the actors match the rows.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reload;

/// Polls every server now and answers when all polls are recorded.
#[derive(Message)]
#[rtype(result = "()")]
pub struct PollAll;

/// New settings for the server (an administrator changed it).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Configure(pub Server);

/// Polls now (after the poll under way, if any) and answers when that poll is recorded. Tests use it instead
/// of sleeping.
#[derive(Message)]
#[rtype(result = "()")]
pub struct PollNow;

/// Stops the actor for good (its server was removed).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Retire;

/// Scans the spool now (after the scan under way, if any); answers how many recordings it imported.
#[derive(Message)]
#[rtype(result = "usize")]
pub struct ImportNow;
