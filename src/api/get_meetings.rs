//! `getMeetings`: every online server that is not disabled (as the database has them) is asked at once, each within the response
//! timeout; a server that fails or hangs is left out, not fatal. The `<meeting>` elements are copied as the
//! servers wrote them, keeping only the calling tenant's meetings (or, without multitenancy, meetings of no
//! tenant).

use std::sync::Arc;

use actix_web::{web, HttpResponse};

use crate::api::meetings::rewrite_meeting_ids;
use crate::api::request::ApiCall;
use crate::api::stand_ins::no_meetings;
use crate::app::AppState;
use crate::bbb::meetings::parse_get_meetings;
use crate::bbb::xml;
use crate::db::models::server::{Server, ServerState};
use crate::db::{self, now_ms, DbError};
use crate::error::BbbError;
use crate::pool::ServerView;

/// The servers as the database has them now (another instance may have added one, or seen one come online, since
/// this one last loaded them); this instance's view if the database cannot answer.
async fn current_servers(state: &AppState) -> Vec<Arc<ServerView>> {
    match db::run(&state.pool, |conn| -> Result<Vec<Server>, DbError> { Server::all(conn) }).await {
        Ok(rows) => rows.iter().map(|row| Arc::new(ServerView::from_row(row))).collect(),
        Err(e) => {
            log::warn!("getMeetings asks the servers this instance last loaded: {e}");
            state.shared.view().servers.values().cloned().collect()
        }
    }
}

/// Handles `getMeetings`.
pub async fn get_meetings(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let servers = current_servers(&state).await;
    let client = state.config.bbb_client();
    let asks = servers.iter().filter(|s| s.online && s.state != ServerState::Disabled).map(|server| {
        let client = client.clone();
        async move { (server, client.fetch(&server.target(), "getMeetings", &[], None, None).await) }
    });
    let answers = futures_util::future::join_all(asks).await;
    let prefix = call.tenant.as_ref().map(|t| format!("{}~", t.name));
    let now = now_ms();
    let mut out = String::from("<response><returncode>SUCCESS</returncode><meetings>");
    let mut shown = 0usize;
    for (server, answer) in answers {
        let document = match answer {
            Ok(document) => document,
            Err(e) => {
                log::warn!("getMeetings leaves out server {}: {e}", server.id);
                continue;
            }
        };
        let listed = match parse_get_meetings(&document, now) {
            Ok(listed) => listed,
            Err(e) => {
                log::warn!("getMeetings leaves out server {}: {e}", server.id);
                continue;
            }
        };
        for meeting in listed {
            let mine = match &call.tenant {
                Some(tenant) => meeting.tenant_id.as_deref() == Some(tenant.id.as_str()),
                None => meeting.tenant_id.is_none(),
            };
            if !mine {
                continue;
            }
            let element = &document[meeting.range.clone()];
            match &prefix {
                Some(prefix) => out.push_str(&rewrite_meeting_ids(element.to_string(), prefix)),
                None => out.push_str(element),
            }
            shown += 1;
        }
    }
    if shown == 0 {
        return Ok(no_meetings());
    }
    out.push_str("</meetings></response>");
    Ok(xml::response(out))
}
