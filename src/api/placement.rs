//! Where a created meeting lives: found in the database, kept on its server while that server can take it, or
//! placed anew through the scheduler and stored in one database call.
//!
//! An existing meeting keeps its server while that server is online and enabled, or cordoned and still
//! running it; otherwise it is placed anew. Concurrent creates of one meeting, in one instance or several,
//! store one row (the database's primary key decides) and so reach one server.

use diesel::Connection;
use rand::Rng;

use crate::actors::messages::{Place, Reload, Reprior, Unreserve};
use crate::api::meetings::server_of;
use crate::api::request::ApiCall;
use crate::api::tenant_limits::{self, LimitHit};
use crate::app::AppState;
use crate::balancer::forecast::{self, Forecast, Source};
use crate::balancer::{PlaceError, TagRequest};
use crate::db::models::meeting::{Meeting, Placement};
use crate::db::models::meeting_history::MeetingHistory;
use crate::db::models::server::ServerState;
use crate::db::models::tenant::Tenant;
use crate::db::{self, DbConnection, DbError};
use crate::error::BbbError;
use crate::pool::ServerView;

/// Voice bridges to try: the front-end's first (with `USE_EXTERNAL_VOICE_BRIDGE`), then random ones of
/// `VOICE_BRIDGE_LEN` digits (never starting with 0), then, for small spaces, the following numbers in turn.
fn voice_bridges(length: u32, external: Option<String>) -> impl Iterator<Item = String> {
    let low = 10u64.pow(length.saturating_sub(1));
    let span = 9 * low;
    let start = rand::rng().random_range(0..span);
    let random = (0..10).map(move |_| rand::rng().random_range(0..span));
    let scan = (0..span.min(10_000)).map(move |i| (start + i) % span);
    external.into_iter().chain(random.chain(scan).map(move |n| (low + n).to_string()))
}

fn random_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..8).map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())])).collect()
}

fn place_error(error: PlaceError) -> BbbError {
    match error {
        PlaceError::NoServers => BbbError::internal(error.to_string()),
        PlaceError::TagUnavailable(_) => BbbError::new("serverTagUnavailable", error.to_string()),
    }
}

/// Whether a meeting may stay on its server, asking a cordoned server if the meeting still runs there.
async fn keeps_its_server(state: &AppState, server: Option<&ServerView>, meeting: &Meeting) -> bool {
    let Some(server) = server.filter(|s| s.online) else {
        return false;
    };
    match server.state {
        ServerState::Enabled => true,
        ServerState::Disabled => false,
        ServerState::Cordoned => {
            let client = state.config.bbb_client();
            let params = [("meetingID", meeting.bbb_meeting_id.as_str())];
            match client.get(&server.target(), "isMeetingRunning", &params).await {
                Ok(text) => text.contains("<running>true</running>"),
                Err(_) => false,
            }
        }
    }
}

/// What the database call of a placement found or did.
enum Stored {
    /// A new row, and the mean peak of the meeting's earlier sessions, if it had any (asked for a meeting placed
    /// without a size hint).
    Inserted(Meeting, Option<f64>),
    /// The meeting exists (stored earlier, or concurrently by another create).
    Existing(Meeting),
    NoVoiceBridge,
    /// Another row holds the BBB meeting ID.
    IdTaken,
    /// The chosen server was cordoned, disabled or removed since this instance last loaded the servers.
    ServerNotEnabled,
    /// One more meeting would pass a limit of its tenant.
    LimitHit(LimitHit),
}

/// The insert of a new meeting, and what it needs.
struct Insert {
    template: Meeting,
    /// The front-end's voice bridge, to try first.
    external: Option<String>,
    /// Digits of a voice bridge.
    length: u32,
    /// Whether to read the meeting's history with it (no size hint).
    wants_history: bool,
}

impl Insert {
    /// Inserts the meeting (see [`Meeting::insert_new`]) and reads its history.
    fn run(self, conn: &mut DbConnection, in_transaction: bool) -> Result<Stored, DbError> {
        let Insert { template, external, length, wants_history } = self;
        let mut placed = template.insert_new(conn, voice_bridges(length, external.clone()), in_transaction)?;
        if let Some(Placement::BbbIdTaken(holder)) = &placed {
            // A row of a tenant that is gone holds the BBB meeting ID: it is a leftover, not a meeting anyone can
            // reach any more. It is dropped, and the insert tried once more.
            if Tenant::find(conn, &holder.tenant_id)?.is_none() && !holder.tenant_id.is_empty() {
                Meeting::delete_on_server(conn, &holder.tenant_id, &holder.meeting_id, &holder.server_id)?;
                placed = template.insert_new(conn, voice_bridges(length, external), in_transaction)?;
            }
        }
        Ok(match placed {
            Some(Placement::Inserted(meeting)) => {
                // Read in the same call: the placement weighs the default until the scheduler hears of it.
                let history =
                    if wants_history { MeetingHistory::mean_peak(conn, &meeting.bbb_meeting_id)? } else { None };
                Stored::Inserted(meeting, history)
            }
            Some(Placement::Existing(meeting)) => Stored::Existing(meeting),
            Some(Placement::BbbIdTaken(_)) => Stored::IdTaken,
            Some(Placement::ServerNotEnabled) => Stored::ServerNotEnabled,
            None => Stored::NoVoiceBridge,
        })
    }
}

/// How many times a create places its meeting again after the database said the chosen server is no longer
/// enabled (each time after reloading the servers): more means the servers keep changing under it.
const MAX_STALE_PLACEMENTS: u32 = 3;

/// Finds or places the meeting.
///
/// A new meeting costs one database call: the server is chosen (and reserved) first, then the meeting is
/// inserted (a meeting this instance saw recently is looked up first, as it most likely exists). An existing
/// meeting gives its placement back and keeps its server, unless that server can no longer take it, or the
/// meeting expired; then it is placed again.
pub async fn locate(
    state: &AppState,
    call: &ApiCall,
    meeting_id: &str,
    tag: TagRequest,
    prior: Forecast,
) -> Result<Meeting, BbbError> {
    let bbb_meeting_id = call.bbb_meeting_id(meeting_id);
    let ttl = state.config.default_meeting_ttl.as_millis() as i64;
    let mut replace: Option<Meeting> = None;
    let look_first = state.shared.meeting(call.tenant_id(), meeting_id).is_some();
    let mut stale_placements = 0;
    let mut reloaded = false;
    loop {
        let placed = state
            .scheduler
            .send(Place { tag: tag.clone(), bbb_meeting_id: bbb_meeting_id.clone(), prior })
            .await
            .map_err(|_| BbbError::internal("The scheduler is unavailable."))?;
        let server_id = match placed {
            Ok(server_id) => server_id,
            // No server fits in this instance's view, which may be older than the database (a server another
            // instance or the CLI just added or enabled): load the servers again, and try once more.
            Err(_) if !reloaded => {
                reloaded = true;
                state.scheduler.send(Reload).await.map_err(|_| BbbError::internal("The scheduler is unavailable."))?;
                continue;
            }
            Err(e) => return Err(place_error(e)),
        };
        let template = Meeting {
            tenant_id: call.tenant_id().to_string(),
            meeting_id: meeting_id.to_string(),
            bbb_meeting_id: bbb_meeting_id.clone(),
            server_id: server_id.clone(),
            moderator_pw: Some(
                call.get("moderatorPW").filter(|p| !p.is_empty()).map_or_else(random_password, String::from),
            ),
            voice_bridge: None,
            created_at: db::now_ms(),
        };
        let external =
            if state.config.use_external_voice_bridge { call.get("voiceBridge").map(String::from) } else { None };
        let length = state.config.voice_bridge_len;
        let replacing = replace.take();
        let second_try = replacing.is_some();
        let wants_history = prior.source == Source::Default;
        let insert = Insert { template, external, length, wants_history };
        let limited = call.tenant.as_deref().is_some_and(|t| t.limited) && replacing.is_none();
        let stored = db::run(&state.pool, move |conn| -> Result<Stored, DbError> {
            if limited {
                // The tenant's row is locked first, then the meeting looked for and the limits checked, in one
                // transaction with the insert.
                return conn.transaction(|conn| {
                    let hit = tenant_limits::lock_and_check(conn, &insert.template.tenant_id)?;
                    if let Some(existing) =
                        Meeting::find(conn, &insert.template.tenant_id, &insert.template.meeting_id)?
                    {
                        return Ok(Stored::Existing(existing));
                    }
                    match hit {
                        Some(hit) => Ok(Stored::LimitHit(hit)),
                        None => insert.run(conn, true),
                    }
                });
            }
            match replacing {
                Some(old) => {
                    Meeting::delete_on_server(conn, &old.tenant_id, &old.meeting_id, &old.server_id)?;
                }
                None if look_first => {
                    if let Some(existing) =
                        Meeting::find(conn, &insert.template.tenant_id, &insert.template.meeting_id)?
                    {
                        return Ok(Stored::Existing(existing));
                    }
                }
                None => {}
            }
            insert.run(conn, false)
        })
        .await?;
        let existing = match stored {
            Stored::Inserted(meeting, history) => {
                if let Some(peak) = history {
                    let prior = forecast::prior(&state.config.load_weights(), None, Some(peak));
                    state.scheduler.do_send(Reprior { server_id, bbb_meeting_id, prior });
                }
                return Ok(meeting);
            }
            Stored::NoVoiceBridge => {
                state.scheduler.do_send(Unreserve { server_id, bbb_meeting_id });
                return Err(BbbError::internal("Could not allocate a unique voice bridge."));
            }
            Stored::LimitHit(hit) => {
                state.scheduler.do_send(Unreserve { server_id, bbb_meeting_id });
                return Err(hit.error(call.tenant.as_deref().map_or("", |t| t.name.as_str())));
            }
            Stored::IdTaken => {
                state.scheduler.do_send(Unreserve { server_id, bbb_meeting_id });
                return Err(BbbError::new("idNotUnique", "A meeting with that ID is already in use on the servers."));
            }
            Stored::ServerNotEnabled => {
                state
                    .scheduler
                    .do_send(Unreserve { server_id: server_id.clone(), bbb_meeting_id: bbb_meeting_id.clone() });
                stale_placements += 1;
                if stale_placements > MAX_STALE_PLACEMENTS {
                    return Err(place_error(PlaceError::NoServers));
                }
                log::info!("server {server_id} is no longer enabled; meeting {meeting_id} is placed again");
                state.scheduler.send(Reload).await.map_err(|_| BbbError::internal("The scheduler is unavailable."))?;
                continue;
            }
            Stored::Existing(meeting) => meeting,
        };
        state.scheduler.do_send(Unreserve { server_id, bbb_meeting_id: bbb_meeting_id.clone() });
        let server = server_of(state, &existing.server_id).await?;
        let expired = existing.created_at + ttl <= db::now_ms();
        if second_try || (!expired && keeps_its_server(state, server.as_deref(), &existing).await) {
            return Ok(existing);
        }
        log::info!(
            "meeting {} leaves server {}, which cannot take it any more",
            existing.meeting_id,
            existing.server_id
        );
        replace = Some(existing);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voice_bridges_have_the_configured_length_and_no_leading_zero() {
        let mut bridges = voice_bridges(9, Some("72013".into()));
        assert_eq!(bridges.next().as_deref(), Some("72013"));
        for bridge in bridges {
            assert_eq!(bridge.len(), 9);
            assert!(bridge.chars().all(|c| c.is_ascii_digit()));
            assert!(!bridge.starts_with('0'));
        }
        assert_eq!(voice_bridges(5, None).count(), 10 + 10_000);
        let all: std::collections::HashSet<String> = voice_bridges(1, None).collect();
        assert_eq!(all.len(), 9, "a small space is scanned whole");
    }

    #[test]
    fn generated_passwords_are_eight_alphanumerics() {
        let password = random_password();
        assert_eq!(password.len(), 8);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
