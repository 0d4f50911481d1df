//! Meetings for administrators (CLI and admin API alike): which server each runs on with its forecast, what its
//! server says of it (getMeetingInfo), and ending it.

use std::collections::HashMap;

use serde_json::{json, Value};

use crate::admin::servers;
use crate::bbb::client::{BbbClient, CallError};
use crate::db::models::meeting::Meeting;
use crate::db::models::meeting_forecast::MeetingForecast;
use crate::db::models::meeting_history::MeetingHistory;
use crate::db::models::server::Server;
use crate::db::models::tenant::Tenant;
use crate::db::{now_ms, DbConnection};
use crate::error::AdminError;
use crate::pool::ServerView;

/// A meeting with where it runs and what is forecast for it.
#[derive(Debug, Clone)]
pub struct MeetingView {
    pub meeting: Meeting,
    /// Its tenant's name; `None` without a tenant.
    pub tenant_name: Option<String>,
    pub server: Option<Server>,
    pub forecast: Option<MeetingForecast>,
}

/// The getMeetingInfo fields shown, in order.
pub const INFO_FIELDS: [&str; 12] = [
    "meetingName",
    "meetingID",
    "internalMeetingID",
    "createTime",
    "running",
    "participantCount",
    "listenerCount",
    "voiceParticipantCount",
    "videoCount",
    "moderatorCount",
    "isBreakout",
    "recording",
];

/// What a meeting's server says of it: the fields of [`INFO_FIELDS`] it gave, and its metadata.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServerSays {
    pub fields: Vec<(String, String)>,
    pub metadata: Vec<(String, String)>,
}

/// Every meeting (of one server, if given), by tenant then meeting ID.
pub fn list(conn: &mut DbConnection, server_id: Option<&str>) -> Result<Vec<MeetingView>, AdminError> {
    let meetings = match server_id {
        Some(id) => {
            servers::get(conn, id)?;
            Meeting::on_server(conn, id)?
        }
        None => Meeting::all(conn)?,
    };
    let tenants: HashMap<String, String> = Tenant::all(conn)?.into_iter().map(|t| (t.id, t.name)).collect();
    let servers: HashMap<String, Server> = Server::all(conn)?.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut forecasts: HashMap<(String, String), MeetingForecast> =
        MeetingForecast::all(conn)?.into_iter().map(|f| ((f.server_id.clone(), f.bbb_meeting_id.clone()), f)).collect();
    let mut views: Vec<MeetingView> = meetings
        .into_iter()
        .map(|meeting| MeetingView {
            tenant_name: tenants.get(&meeting.tenant_id).cloned(),
            server: servers.get(&meeting.server_id).cloned(),
            forecast: forecasts.remove(&(meeting.server_id.clone(), meeting.bbb_meeting_id.clone())),
            meeting,
        })
        .collect();
    views.sort_by(|a, b| (&a.tenant_name, &a.meeting.meeting_id).cmp(&(&b.tenant_name, &b.meeting.meeting_id)));
    Ok(views)
}

/// The meeting with this ID, of the tenant with this name or ID (none: the meeting of no tenant).
pub fn find(conn: &mut DbConnection, tenant: Option<&str>, meeting_id: &str) -> Result<MeetingView, AdminError> {
    let tenant_row = match tenant.filter(|t| !t.is_empty()) {
        Some(t) => Some(crate::admin::tenants::get_by_name_or_id(conn, t)?),
        None => None,
    };
    let tenant_id = tenant_row.as_ref().map_or("", |t| t.id.as_str());
    let meeting = Meeting::find(conn, tenant_id, meeting_id)?.ok_or_else(|| {
        AdminError::not_found(match &tenant_row {
            Some(t) => format!("Couldn't find meeting with id={meeting_id} of tenant {}", t.name),
            None => format!("Couldn't find meeting with id={meeting_id}"),
        })
    })?;
    let server = Server::find(conn, &meeting.server_id)?;
    let forecast = MeetingForecast::find(conn, &meeting.server_id, &meeting.bbb_meeting_id)?;
    Ok(MeetingView { tenant_name: tenant_row.map(|t| t.name), server, forecast, meeting })
}

/// The mean peak of the meeting's earlier sessions, if any.
pub fn history(conn: &mut DbConnection, view: &MeetingView) -> Result<Option<f64>, AdminError> {
    Ok(MeetingHistory::mean_peak(conn, &view.meeting.bbb_meeting_id)?)
}

/// Asks the meeting's server about it (getMeetingInfo).
pub async fn ask_server(client: &BbbClient, view: &MeetingView) -> Result<ServerSays, CallError> {
    let Some(server) = &view.server else {
        return Err(CallError::Transport(format!("server {} is not configured", view.meeting.server_id)));
    };
    let server = ServerView::from_row(server);
    let xml = client.get(&server.target(), "getMeetingInfo", &[("meetingID", &view.meeting.bbb_meeting_id)]).await?;
    parse_info(&xml)
}

/// The shown fields and the metadata of a getMeetingInfo answer.
pub fn parse_info(xml: &str) -> Result<ServerSays, CallError> {
    let doc = crate::bbb::bounded::parse(xml).map_err(|e| CallError::BadResponse(e.to_string()))?;
    let root = doc.root_element();
    let text = |node: roxmltree::Node<'_, '_>| node.text().unwrap_or("").trim().to_string();
    let mut says = ServerSays::default();
    for name in INFO_FIELDS {
        if let Some(node) = root.children().find(|n| n.has_tag_name(name)) {
            says.fields.push((name.to_string(), text(node)));
        }
    }
    if let Some(metadata) = root.children().find(|n| n.has_tag_name("metadata")) {
        says.metadata = metadata
            .children()
            .filter(|n| n.is_element())
            .map(|n| (n.tag_name().name().to_string(), text(n)))
            .collect();
    }
    Ok(says)
}

/// Forgets a meeting, if it is still on the server it was found on (then [`send_end`]).
pub fn forget(conn: &mut DbConnection, view: &MeetingView) -> Result<(), AdminError> {
    let m = &view.meeting;
    Meeting::delete_on_server(conn, &m.tenant_id, &m.meeting_id, &m.server_id)?;
    Ok(())
}

/// Sends a forgotten meeting's server `end`; returns whether that failed.
pub async fn send_end(client: &BbbClient, view: &MeetingView) -> bool {
    match &view.server {
        Some(server) => servers::end_meetings(client, server, std::slice::from_ref(&view.meeting)).await > 0,
        None => false,
    }
}

/// How long ago, in whole seconds, the meeting was created.
pub fn age_seconds(view: &MeetingView) -> i64 {
    (now_ms() - view.meeting.created_at).max(0) / 1000
}

/// The JSON of a meeting for the admin API.
pub fn to_json(view: &MeetingView) -> Value {
    let m = &view.meeting;
    json!({
        "meeting_id": m.meeting_id,
        "tenant": view.tenant_name,
        "tenant_id": (!m.tenant_id.is_empty()).then_some(&m.tenant_id),
        "bbb_meeting_id": m.bbb_meeting_id,
        "server_id": m.server_id,
        "server_url": view.server.as_ref().map(|s| &s.url),
        "voice_bridge": m.voice_bridge,
        "created_at": m.created_at,
        "age_seconds": age_seconds(view),
        "forecast": view.forecast.as_ref().map(|f| json!({
            "users": f.users,
            "source": f.source,
            "in_flight": f.in_flight,
            "load": f.load,
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_and_metadata_of_get_meeting_info() {
        let xml = include_str!("../../tests/fixtures/get_meeting_info.xml");
        let says = parse_info(xml).unwrap();
        let field = |name: &str| says.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        assert!(field("meetingID").is_some_and(|v| !v.is_empty()), "{says:?}");
        assert!(field("participantCount").is_some_and(|v| v.parse::<u32>().is_ok()), "{says:?}");
        assert!(says.fields.iter().all(|(k, _)| INFO_FIELDS.contains(&k.as_str())));
    }

    #[test]
    fn deep_or_broken_answers_are_errors() {
        assert!(parse_info("<response><returncode>").is_err());
        let deep = format!("<response>{}</response>", "<a>".repeat(5000));
        assert!(parse_info(&deep).is_err());
    }
}
