//! What the admin API and the dashboard both do to a running pool, in one place: panic a server (disable it,
//! forget its meetings, end them on the server) and end one meeting (forget it, then ask its server to end it).

use super::on_db;
use crate::admin::{meetings, servers};
use crate::app::AppState;
use crate::bbb::client::BbbClient;
use crate::db::models::server::Server;
use crate::error::AdminError;

/// Panics a server (`keep_state`: its state stays); returns it and how many meetings it had.
pub async fn panic(state: &AppState, id: String, keep_state: bool) -> Result<(Server, usize), AdminError> {
    let (server, ended) = on_db(state, move |c| servers::panic(c, &id, keep_state)).await?;
    state.shared.forget_server(&server.id);
    let client = BbbClient::new(state.config.connect_timeout, state.config.response_timeout);
    servers::end_meetings(&client, &server, &ended).await;
    Ok((server, ended.len()))
}

/// Ends a meeting of a tenant (by name or ID; `None`: no tenant); says what happened, in words.
pub async fn end_meeting(state: &AppState, tenant: Option<String>, id: String) -> Result<String, AdminError> {
    let view = on_db(state, move |c| meetings::find(c, tenant.as_deref(), &id)).await?;
    let forgotten = view.clone();
    on_db(state, move |c| meetings::forget(c, &forgotten)).await?;
    let m = &view.meeting;
    state.shared.forget(&m.tenant_id, &m.meeting_id);
    let client = BbbClient::of_this_thread(state.config.connect_timeout, state.config.response_timeout);
    let failed = meetings::send_end(&client, &view).await;
    let what = if failed { "was forgotten; its server did not confirm the end" } else { "was ended" };
    Ok(format!("Meeting id={} {what}", m.meeting_id))
}
