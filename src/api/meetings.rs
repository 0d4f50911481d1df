//! Shared steps of the meeting calls: finding a front-end's meeting and its server (cache, then database,
//! reading only; the database is asked whenever the cache cannot serve, so no answer is older than it),
//! calling its server, and relaying the server's answer with tenant meeting IDs shown as the tenant sent them.

use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;

use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::bbb::client::CallError;
use crate::bbb::xml;
use crate::db::models::meeting::Meeting;
use crate::db::models::server::Server;
use crate::db::{self, DbError};
use crate::error::BbbError;
use crate::pool::ServerView;

/// BBB's answer for an unknown meeting.
pub fn not_found() -> BbbError {
    BbbError::new(
        "notFound",
        "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?",
    )
}

/// The front-end's meeting, or `None`. A cached meeting is used while fresh and while its server can be
/// joined; otherwise the database decides (and refreshes the cache). Expired meetings count as gone.
pub async fn find(state: &AppState, call: &ApiCall, meeting_id: &str) -> Result<Option<Arc<Meeting>>, BbbError> {
    Ok(find_with_server(state, call, meeting_id).await?.map(|(meeting, _)| meeting))
}

/// [`find`], with the meeting's server (if it still exists).
pub async fn find_with_server(
    state: &AppState,
    call: &ApiCall,
    meeting_id: &str,
) -> Result<Option<(Arc<Meeting>, Option<Arc<ServerView>>)>, BbbError> {
    let tenant_id = call.tenant_id();
    if let Some(meeting) = state.shared.meeting(tenant_id, meeting_id) {
        let server = state.shared.server(&meeting.server_id);
        if server.as_ref().is_some_and(|s| s.can_join()) {
            return Ok(Some((meeting, server)));
        }
    }
    let (tenant, id) = (tenant_id.to_string(), meeting_id.to_string());
    let found =
        db::run(&state.pool, move |conn| -> Result<Option<Meeting>, DbError> { Meeting::find(conn, &tenant, &id) })
            .await?;
    let ttl = state.config.default_meeting_ttl.as_millis() as i64;
    match found {
        Some(meeting) if meeting.created_at + ttl > db::now_ms() => {
            let meeting = Arc::new(meeting);
            state.shared.remember(meeting.clone());
            let server = server_of(state, &meeting.server_id).await?;
            Ok(Some((meeting, server)))
        }
        _ => Ok(None),
    }
}

/// A meeting's server: from this instance's view if it can be joined there, else as the database has it now (the
/// view may only be older than the database: another instance added the server, or saw it come online).
pub async fn server_of(state: &AppState, server_id: &str) -> Result<Option<Arc<ServerView>>, BbbError> {
    match state.shared.server(server_id).filter(|s| s.can_join()) {
        Some(server) => Ok(Some(server)),
        None => fresh_server(state, server_id).await,
    }
}

/// A server as the database has it now.
async fn fresh_server(state: &AppState, server_id: &str) -> Result<Option<Arc<ServerView>>, BbbError> {
    let id = server_id.to_string();
    let row = db::run(&state.pool, move |conn| -> Result<Option<Server>, DbError> { Server::find(conn, &id) }).await?;
    Ok(row.map(|row| Arc::new(ServerView::from_row(&row))))
}

/// The timeout for a call to this server: the usual one, or a short one when the server is offline.
pub fn timeout_for(state: &AppState, server: &ServerView) -> Option<Duration> {
    (!server.online).then(|| (state.config.response_timeout / 10).max(Duration::from_millis(200)))
}

/// An unreachable or garbled server, as the front-end sees it.
pub fn unreachable(error: CallError, message: &str) -> BbbError {
    log::warn!("{message} {error}");
    BbbError::internal(message)
}

/// Shows tenant meeting IDs (`<tenant>~<id>`) as the tenant sent them, in `<meetingID>` elements.
pub fn rewrite_meeting_ids(document: String, prefix: &str) -> String {
    let Ok(doc) = crate::bbb::bounded::parse(&document) else {
        return document;
    };
    let mut cuts: Vec<std::ops::Range<usize>> = doc
        .descendants()
        .filter(|n| n.has_tag_name("meetingID"))
        .filter_map(|n| n.first_child())
        .filter(|t| t.is_text() && t.text().is_some_and(|text| text.starts_with(prefix)))
        .map(|t| t.range().start..t.range().start + prefix.len())
        .collect();
    if cuts.is_empty() {
        return document;
    }
    cuts.sort_by_key(|r| r.start);
    let mut out = String::with_capacity(document.len());
    let mut at = 0;
    for cut in cuts {
        out.push_str(&document[at..cut.start]);
        at = cut.end;
    }
    out.push_str(&document[at..]);
    out
}

/// Relays a server's document to the front-end.
pub fn relay(call: &ApiCall, document: String) -> HttpResponse {
    match &call.tenant {
        Some(tenant) => xml::response(rewrite_meeting_ids(document, &format!("{}~", tenant.name))),
        None => xml::response(document),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rewrites_only_the_tenants_meeting_ids() {
        let doc = "<response><meetingID>t1~class-1</meetingID><meetings><meeting><meetingID>t1~a&amp;b</meetingID>\
                   </meeting><meeting><meetingID>other</meetingID></meeting></meetings><name>t1~x</name></response>";
        let out = rewrite_meeting_ids(doc.to_string(), "t1~");
        assert_eq!(
            out,
            "<response><meetingID>class-1</meetingID><meetings><meeting><meetingID>a&amp;b</meetingID>\
             </meeting><meeting><meetingID>other</meetingID></meeting></meetings><name>t1~x</name></response>"
        );
        assert_eq!(rewrite_meeting_ids("<broken".to_string(), "t1~"), "<broken");
    }
}
