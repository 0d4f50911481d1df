//! `scalelite meetings …`: Ruby Scalelite's `meetings`, `meetings:info` and `meetings:end` tasks — which server
//! each meeting runs on, with its forecast; what the server says of one; ending them.

use std::io::{BufRead, Write};

use clap::Subcommand;

use super::{connect, Failure};
use crate::admin::meetings::{self, MeetingView};
use crate::bbb::client::BbbClient;
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub enum MeetingsCommand {
    /// List the meetings with the server each runs on and its forecast (from the database; no BBB call).
    List {
        /// Only the meetings of this server.
        #[arg(long)]
        server: Option<String>,
    },
    /// What a meeting's server says of it (getMeetingInfo), where it runs, and its forecast.
    Info {
        id: String,
        /// The meeting's tenant (name or ID).
        #[arg(long)]
        tenant: Option<String>,
    },
    /// End meetings: forget them and send `end` to their servers (asks first).
    End {
        /// Meeting IDs; none with --all.
        ids: Vec<String>,
        /// Every meeting.
        #[arg(long, conflicts_with = "ids")]
        all: bool,
        /// The meetings' tenant (name or ID).
        #[arg(long)]
        tenant: Option<String>,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
}

pub(super) fn run(config: &Config, command: MeetingsCommand) -> Result<(), Failure> {
    let mut conn = connect(config)?;
    let conn = &mut conn;
    match command {
        MeetingsCommand::List { server } => {
            let views = meetings::list(conn, server.as_deref())?;
            if views.is_empty() {
                eprintln!("No meetings are running");
            }
            print_list(&views)
        }
        MeetingsCommand::Info { id, tenant } => {
            let view = meetings::find(conn, tenant.as_deref(), &id)?;
            let history = meetings::history(conn, &view)?;
            print_place(&view, history)?;
            let client = || BbbClient::new(config.connect_timeout, config.response_timeout);
            match actix_rt::System::new().block_on(async { meetings::ask_server(&client(), &view).await }) {
                Ok(says) => {
                    let mut out = std::io::stdout().lock();
                    for (name, value) in &says.fields {
                        writeln!(out, "{name}: {value}")?;
                    }
                    if !says.metadata.is_empty() {
                        writeln!(out, "metadata:")?;
                        for (key, value) in &says.metadata {
                            writeln!(out, "\t{key}: {value}")?;
                        }
                    }
                    Ok(())
                }
                Err(e) => Err(Failure(format!("its server did not answer getMeetingInfo: {e}"))),
            }
        }
        MeetingsCommand::End { ids, all, tenant, yes } => {
            let views: Vec<MeetingView> = if all {
                meetings::list(conn, None)?
            } else if ids.is_empty() {
                return Err(Failure("give meeting IDs, or --all".into()));
            } else {
                ids.iter().map(|id| meetings::find(conn, tenant.as_deref(), id)).collect::<Result<_, _>>()?
            };
            if views.is_empty() {
                println!("No meetings to end");
                return Ok(());
            }
            if !yes && !confirm(views.len())? {
                return Err(Failure("no meeting was ended".into()));
            }
            let client = BbbClient::new(config.connect_timeout, config.response_timeout);
            let failed = actix_rt::System::new().block_on(async {
                let mut failed = 0;
                for view in &views {
                    meetings::forget(conn, view)?;
                    if meetings::send_end(&client, view).await {
                        failed += 1;
                    }
                }
                Ok::<_, Failure>(failed)
            })?;
            if failed > 0 {
                eprintln!("WARNING: {failed} of {} end call(s) failed; the meetings are forgotten", views.len());
            }
            println!("OK: {} meeting(s) ended", views.len());
            Ok(())
        }
    }
}

fn confirm(count: usize) -> Result<bool, Failure> {
    print!("{count} meeting(s) will be ended. Type 'yes' to go on: ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(answer.trim() == "yes")
}

fn forecast_text(view: &MeetingView) -> String {
    view.forecast.as_ref().map_or(String::new(), |f| format!("{:.0} ({})", f.users, f.source))
}

fn print_list(views: &[MeetingView]) -> Result<(), Failure> {
    let header = ["MEETING ID", "TENANT", "SERVER", "SERVER URL", "AGE", "FORECAST", "IN FLIGHT"];
    let rows: Vec<Vec<String>> = views
        .iter()
        .map(|v| {
            vec![
                v.meeting.meeting_id.clone(),
                v.tenant_name.clone().unwrap_or_default(),
                v.meeting.server_id.clone(),
                v.server.as_ref().map_or(String::new(), |s| s.url.clone()),
                age_text(meetings::age_seconds(v)),
                forecast_text(v),
                v.forecast.as_ref().map_or(String::new(), |f| f.in_flight.to_string()),
            ]
        })
        .collect();
    super::table::print(&header, &rows)?;
    Ok(())
}

fn age_text(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

fn print_place(view: &MeetingView, history: Option<f64>) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let m = &view.meeting;
    writeln!(out, "meeting: {}", m.meeting_id)?;
    if let Some(tenant) = &view.tenant_name {
        writeln!(out, "tenant: {tenant} ({})", m.tenant_id)?;
    }
    let url = view.server.as_ref().map_or("not configured", |s| s.url.as_str());
    writeln!(out, "server: {} ({url})", m.server_id)?;
    writeln!(out, "age: {}", age_text(meetings::age_seconds(view)))?;
    if let Some(bridge) = &m.voice_bridge {
        writeln!(out, "voice bridge: {bridge}")?;
    }
    match &view.forecast {
        Some(f) => writeln!(
            out,
            "forecast: {:.1} users (source: {}), {} join(s) in flight, weighs {:.1}",
            f.users, f.source, f.in_flight, f.load
        )?,
        None => writeln!(out, "forecast: none written yet (the instance that polls writes it every second)")?,
    }
    if let Some(peak) = history {
        writeln!(out, "earlier sessions: mean peak {peak:.1} users")?;
    }
    Ok(())
}
