//! The messages of the actors, in one place: what the handlers and the actors ask of each other. The actors
//! import these; no actor imports another actor's file.

use std::time::Instant;

use actix::prelude::*;

use crate::balancer::forecast::Forecast;
use crate::balancer::ledger::ServerLoad;
use crate::balancer::{MeetingFigures, PlaceError, TagRequest};
use crate::db::models::server::Server;

/// Places a new meeting: the id of the chosen server, where the meeting weighs its prior at once.
#[derive(Message)]
#[rtype(result = "Result<String, PlaceError>")]
pub struct Place {
    pub tag: TagRequest,
    pub bbb_meeting_id: String,
    /// What the meeting is expected to reach, from its create (size hint) or its history.
    pub prior: Forecast,
}

/// A better prior for a meeting just placed (its history, read with its insert).
#[derive(Message)]
#[rtype(result = "()")]
pub struct Reprior {
    pub server_id: String,
    pub bbb_meeting_id: String,
    pub prior: Forecast,
}

/// A join redirected to a meeting's server: a user about to arrive there.
#[derive(Message)]
#[rtype(result = "()")]
pub struct Joined {
    pub server_id: String,
    pub bbb_meeting_id: String,
}

/// Every server's figures as the scheduler sees them now, for `/metrics`.
#[derive(Message)]
#[rtype(result = "Vec<LiveFigures>")]
pub struct Figures;

/// One server's figures: the ledger's, and the load placement uses (multiplier applied; `None` when the server
/// takes no new meeting).
#[derive(Clone, Debug)]
pub struct LiveFigures {
    pub server_id: String,
    pub ledger: ServerLoad,
    pub placement_load: Option<f64>,
}

/// Gives back a placement (the meeting went elsewhere after all).
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
    /// The poll's load (`None`: the server takes no new meeting: offline, or disabled).
    pub load: Option<f64>,
    /// When the poll started: joins redirected since are not in its figures.
    pub started: Instant,
    /// The meetings the server listed (BBB meeting IDs) and their figures; `None` when the poll failed.
    pub meetings: Option<Vec<(String, MeetingFigures)>>,
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
