//! One actor per BBB server: it polls `getMeetings` every `POLL_INTERVAL`, tracks the server's health, records
//! the figures in the database, forgets meetings that ended (or all of them when the server goes offline),
//! disables a cordoned server once it is empty, and reports the load to the scheduler.
//!
//! Polls of one server never overlap; each server has its own actor, so a hanging server delays no other.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use actix::prelude::*;

use crate::metrics::METRICS;

use super::cycle::Cycle;
use super::messages::{Configure, LoadReport, PollNow, Retire};
use crate::balancer::health::{Health, Transition};
use crate::balancer::{self, MeetingFigures};
use crate::bbb::client::CallError;
use crate::bbb::meetings::{parse_get_meetings, parse_version, ListedMeeting};
use crate::context::Deps;
use crate::db::blocking;
use crate::db::models::meeting::Meeting;
use crate::db::models::meeting_history::MeetingHistory;
use crate::db::models::server::{PollRecord, Server, ServerState};
use crate::db::{now_ms, DbError};
use crate::pool::ServerView;

/// Polls the BBB version again after this many polls.
const VERSION_EVERY: u32 = 30;

/// The poller of one server.
pub struct ServerActor {
    server: Server,
    deps: Deps,
    /// Where the poll results go (the scheduler).
    reports: Recipient<LoadReport>,
    health: Health,
    /// The poll under way and who waits for it.
    polls: Cycle<()>,
    /// Counts the polls started, so that a poll's watchdog knows whether that poll is still the one under way.
    poll_number: u64,
    polls_since_version: u32,
    /// The tenants whose users this server's last poll reported (metric labels to clear next time).
    tenants_reported: Vec<String>,
    /// The peak users of each meeting listed at the last successful poll (its session's, for the history).
    peaks: HashMap<String, u32>,
}

impl ServerActor {
    pub fn new(server: Server, deps: Deps, reports: Recipient<LoadReport>) -> ServerActor {
        let health = Health::new(server.online);
        ServerActor {
            server,
            deps,
            reports,
            health,
            polls: Cycle::default(),
            poll_number: 0,
            polls_since_version: VERSION_EVERY,
            tenants_reported: Vec::new(),
            peaks: HashMap::new(),
        }
    }

    fn poll(&mut self, ctx: &mut Context<Self>) {
        if self.polls.is_running() {
            return;
        }
        if !self.deps.leadership.is_leader() {
            // The leader polls; this instance reads its findings from the database.
            self.polls.skip(());
            return;
        }
        self.polls.start();
        self.watch_poll(ctx);
        let view = ServerView::from_row(&self.server);
        let client = self.deps.config.bbb_client();
        let want_version = self.server.bbb_version.is_none() || self.polls_since_version >= VERSION_EVERY;
        let server_id = self.server.id.clone();
        METRICS.actor_in_flight.with_label_values(&["server_poll"]).inc();
        let poll_started = std::time::Instant::now();
        let fetch = async move {
            let started = poll_started;
            let target = view.target();
            let listed = match client.fetch(&target, "getMeetings", &[], None, None).await {
                Ok(text) => parse_get_meetings(&text, now_ms()),
                Err(e) => Err(e),
            };
            let version = match (&listed, want_version) {
                (Ok(_), true) => client.index(&target).await.ok().as_deref().and_then(parse_version),
                _ => None,
            };
            METRICS.poll_duration.with_label_values(&[&server_id]).observe(started.elapsed().as_secs_f64());
            (listed, version)
        };
        ctx.spawn(
            fetch
                .into_actor(self)
                .then(move |(listed, version), act, _| act.record(listed, version, poll_started).into_actor(act))
                .map(|(), act, ctx| {
                    METRICS.actor_in_flight.with_label_values(&["server_poll"]).dec();
                    if act.polls.finish(()) {
                        act.poll(ctx);
                    }
                }),
        );
    }

    /// A poll that does not end within its deadline is stuck where no timeout reaches (a database write waiting
    /// on a lock, say): the actor cannot mend that itself, so it stops, and its supervisor restarts it afresh
    /// (counted in `scalelite_actor_restarts_total{actor="server"}`). The deadline: the two calls to the server
    /// and the database write, each given a connect and a response timeout.
    fn watch_poll(&mut self, ctx: &mut Context<Self>) {
        self.poll_number += 1;
        let number = self.poll_number;
        let config = &self.deps.config;
        let deadline = (config.connect_timeout + config.response_timeout) * 3;
        ctx.run_later(deadline, move |act, ctx| {
            if act.polls.is_running() && act.poll_number == number {
                log::error!("the poll of server {} did not end within {deadline:?}; its actor restarts", act.server.id);
                ctx.stop();
            }
        });
    }

    /// Sets `scalelite_tenant_users{tenant, server}` from a poll (the tenant is the `<tenant>~` prefix of the
    /// BBB-side meeting ID; `""` without multitenancy).
    fn report_tenant_users(&mut self, listed: &[ListedMeeting]) {
        let mut users: std::collections::BTreeMap<&str, i64> = Default::default();
        for meeting in listed {
            let tenant = meeting.meeting_id.split_once('~').map_or("", |(tenant, _)| tenant);
            *users.entry(tenant).or_default() += i64::from(meeting.figures.participants);
        }
        let gauge = &METRICS.tenant_users;
        for tenant in self.tenants_reported.drain(..) {
            let _ = gauge.remove_label_values(&[&tenant, &self.server.id]);
        }
        for (tenant, count) in users {
            gauge.with_label_values(&[tenant, &self.server.id]).set(count);
            self.tenants_reported.push(tenant.to_string());
        }
    }

    /// Keeps the peak users of each meeting listed; returns the peaks of those this poll no longer lists (their
    /// session ended), for the history.
    fn track_peaks(&mut self, listed: &[(String, MeetingFigures)]) -> Vec<(String, u32)> {
        let mut peaks = HashMap::with_capacity(listed.len());
        for (meeting, figures) in listed {
            let earlier = self.peaks.remove(meeting).unwrap_or(0);
            peaks.insert(meeting.clone(), earlier.max(figures.participants));
        }
        let ended = std::mem::replace(&mut self.peaks, peaks);
        ended.into_iter().filter(|(_, peak)| *peak > 0).collect()
    }

    /// Applies a poll's outcome: health, database, scheduler. Returns when all is recorded.
    fn record(
        &mut self,
        listed: Result<Vec<ListedMeeting>, CallError>,
        version: Option<String>,
        started: std::time::Instant,
    ) -> impl std::future::Future<Output = ()> + 'static {
        self.report_tenant_users(listed.as_deref().unwrap_or(&[]));
        let deps = self.deps.clone();
        let config = &deps.config;
        let success = listed.is_ok();
        if let Err(e) = &listed {
            log::warn!("poll of server {} failed: {e}", self.server.id);
            METRICS.poll_failures.with_label_values(&[&self.server.id]).inc();
        }
        let transition =
            self.health.record(success, config.server_healthy_threshold, config.server_unhealthy_threshold);
        match transition {
            Transition::CameOnline => log::info!("server {} is online", self.server.id),
            Transition::WentOffline => log::warn!("server {} is offline; its meetings are forgotten", self.server.id),
            Transition::None => {}
        }
        if version.is_some() {
            self.polls_since_version = 0;
            self.server.bbb_version = version.clone();
        } else {
            self.polls_since_version += 1;
        }
        let listed = listed.unwrap_or_default();
        let weights = config.load_weights();
        let online = self.health.online;
        let load = (online && self.server.state() != ServerState::Disabled)
            .then(|| balancer::server_load(&weights, listed.iter().map(|m| &m.figures), self.server.load_multiplier));
        let record = PollRecord {
            online,
            load,
            meetings: count(listed.len()),
            users: count(listed.iter().map(|m| m.figures.participants as usize).sum()),
            largest_meeting: count(listed.iter().map(|m| m.figures.participants as usize).max().unwrap_or(0)),
            videos: count(listed.iter().map(|m| m.figures.videos as usize).sum()),
            bbb_version: version,
        };
        let meetings: Vec<(String, MeetingFigures)> = listed.into_iter().map(|m| (m.meeting_id, m.figures)).collect();
        let ended_peaks = if success { self.track_peaks(&meetings) } else { Vec::new() };
        if transition == Transition::WentOffline {
            self.peaks.clear();
        }
        let listed_ids: HashSet<String> = meetings.iter().map(|(id, _)| id.clone()).collect();
        let meetings = success.then_some(meetings);
        let went_offline = transition == Transition::WentOffline;
        let empty = success && listed_ids.is_empty();
        let id = self.server.id.clone();
        let db = self.deps.pool.clone();
        let grace = config.new_meeting_grace().as_millis() as i64;
        let ttl = config.default_meeting_ttl.as_millis() as i64;
        let shared = self.deps.shared.clone();
        let reports = self.reports.clone();
        let server = self.server.clone();
        let report_id = server.id.clone();
        let end_client = config.bbb_client();
        async move {
            let written = blocking(move || -> Result<(Vec<Meeting>, bool), DbError> {
                let mut conn = db.get()?;
                Server::record_poll(&mut conn, &id, &record)?;
                let now = now_ms();
                for (meeting, peak) in &ended_peaks {
                    MeetingHistory::record(&mut conn, meeting, *peak, now)?;
                }
                let forgotten = if went_offline {
                    Meeting::take_all_on_server(&mut conn, &id)?
                } else if success {
                    Meeting::forget_unlisted(&mut conn, &id, &listed_ids, now - grace, now - ttl)?
                } else {
                    Vec::new()
                };
                let disabled = empty && Server::disable_if_cordoned(&mut conn, &id)?;
                Ok((forgotten, disabled))
            })
            .await;
            match written {
                Ok((forgotten, disabled)) => {
                    for meeting in &forgotten {
                        shared.forget(&meeting.tenant_id, &meeting.meeting_id);
                    }
                    if disabled {
                        log::info!("cordoned server {} is empty and now disabled", server.id);
                    }
                    if went_offline && !forgotten.is_empty() {
                        // Best effort: the server is probably down, so this must not hold up the next poll.
                        actix_web::rt::spawn(async move {
                            let view = ServerView::from_row(&server);
                            end_client.end_meetings(&view.target(), &Meeting::end_calls(&forgotten)).await;
                        });
                    }
                }
                Err(e) => log::error!("recording the poll of server {id_} failed: {e}", id_ = server.id),
            }
            // Awaited, so that a PollNow answers only once the scheduler knows the outcome.
            let _ = reports.send(LoadReport { server_id: report_id, online, load, started, meetings }).await;
        }
    }
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Actor for ServerActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        self.poll(ctx);
        // Later polls start at a random phase, so a large pool is not polled all at once.
        let interval = self.deps.config.poll_interval;
        let phase = interval.mul_f64(rand::random::<f64>());
        ctx.run_later(phase, move |_, ctx| {
            ctx.run_interval(interval, |act, ctx| act.poll(ctx));
        });
    }
}

impl Supervised for ServerActor {
    fn restarting(&mut self, _: &mut Context<Self>) {
        log::warn!("server actor {} restarts", self.server.id);
        METRICS.actor_restarts.with_label_values(&["server"]).inc();
        if self.polls.is_running() {
            METRICS.actor_in_flight.with_label_values(&["server_poll"]).dec();
        }
        self.polls.reset();
    }
}

impl Handler<Configure> for ServerActor {
    type Result = ();

    fn handle(&mut self, Configure(server): Configure, _: &mut Context<Self>) {
        if server.url != self.server.url || server.secret != self.server.secret {
            self.polls_since_version = VERSION_EVERY;
        }
        self.server = Server { bbb_version: server.bbb_version.clone().or(self.server.bbb_version.take()), ..server };
    }
}

impl Handler<PollNow> for ServerActor {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: PollNow, ctx: &mut Context<Self>) -> Self::Result {
        let (wait, start) = self.polls.ask();
        if start {
            self.poll(ctx);
        }
        Box::pin(async move {
            let _ = tokio::time::timeout(Duration::from_secs(120), wait).await;
        })
    }
}

impl Handler<Retire> for ServerActor {
    type Result = ();

    fn handle(&mut self, _: Retire, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}
