//! `scalelite poll` and `scalelite servers meetings ID`: ask servers now (getMeetings) and print what they say.
//! Nothing is written: the poller of the running Scalelite keeps the pool's state.

use std::collections::HashMap;

use super::{connect, Failure};
use crate::admin::servers;
use crate::bbb::client::BbbClient;
use crate::bbb::meetings::{parse_get_meetings, ListedMeeting};
use crate::config::Config;
use crate::db::models::meeting::Meeting;
use crate::db::models::server::Server;
use crate::db::now_ms;
use crate::pool::ServerView;

async fn ask(client: &BbbClient, server: &Server) -> Result<Vec<ListedMeeting>, String> {
    let view = ServerView::from_row(server);
    let xml = client.fetch(&view.target(), "getMeetings", &[], None, None).await.map_err(|e| e.to_string())?;
    parse_get_meetings(&xml, now_ms()).map_err(|e| e.to_string())
}

/// Polls every server once, at the same time, and prints a table.
pub(super) fn poll(config: &Config) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let all = Server::all(&mut conn)?;
    if all.is_empty() {
        eprintln!("No servers are configured");
        return Ok(());
    }
    let client = BbbClient::new(config.connect_timeout, config.response_timeout);
    let answers = actix_rt::System::new()
        .block_on(async { futures_util::future::join_all(all.iter().map(|s| ask(&client, s))).await });
    let header = ["SERVER", "URL", "STATE", "ANSWER", "MEETINGS", "USERS", "LARGEST MEETING", "VIDEOS"];
    let rows: Vec<Vec<String>> = all
        .iter()
        .zip(answers)
        .map(|(server, answer)| {
            let mut row = vec![server.id.clone(), server.url.clone(), server.state.clone()];
            match answer {
                Ok(listed) => {
                    let users = listed.iter().map(|m| m.figures.participants);
                    row.extend([
                        "online".to_string(),
                        listed.len().to_string(),
                        users.clone().sum::<u32>().to_string(),
                        users.max().unwrap_or(0).to_string(),
                        listed.iter().map(|m| m.figures.videos).sum::<u32>().to_string(),
                    ]);
                }
                Err(e) => row.push(format!("offline: {e}")),
            }
            row
        })
        .collect();
    super::table::print(&header, &rows)?;
    Ok(())
}

/// Prints the meetings a server reports, each with the meeting Scalelite has placed there, if any.
pub(super) fn server_meetings(config: &Config, id: &str) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let server = servers::get(&mut conn, id)?;
    let ours: HashMap<String, Meeting> =
        Meeting::on_server(&mut conn, id)?.into_iter().map(|m| (m.bbb_meeting_id.clone(), m)).collect();
    let client = BbbClient::new(config.connect_timeout, config.response_timeout);
    let listed = actix_rt::System::new()
        .block_on(async { ask(&client, &server).await })
        .map_err(|e| Failure(format!("server {id} did not answer getMeetings: {e}")))?;
    if listed.is_empty() {
        eprintln!("Server {id} has no meetings");
    }
    let header = ["BBB MEETING ID", "USERS", "VIDEOS", "AGE", "SCALELITE MEETING"];
    let rows: Vec<Vec<String>> = listed
        .iter()
        .map(|m| {
            let known = ours.get(&m.meeting_id).map_or("not placed by Scalelite".to_string(), |ours| {
                if ours.tenant_id.is_empty() {
                    ours.meeting_id.clone()
                } else {
                    format!("{} (tenant {})", ours.meeting_id, ours.tenant_id)
                }
            });
            vec![
                m.meeting_id.clone(),
                m.figures.participants.to_string(),
                m.figures.videos.to_string(),
                format!("{}s", m.figures.age.as_secs()),
                known,
            ]
        })
        .collect();
    super::table::print(&header, &rows)?;
    Ok(())
}
