//! The scheduler: keeps one server actor per server row (reloading the rows every second, or at once when told
//! of a change), keeps every server's load, and places new meetings on the least-loaded candidate.
//!
//! A placed meeting weighs its forecast on the chosen server at once, and every join redirected counts at once
//! (see [`crate::balancer::ledger`]), so a burst of creates and the users arriving spread over the pool between
//! two polls.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use actix::prelude::*;

mod forecasts;
mod sharing;

use crate::actors::join_sync::{JoinSync, SYNC_INTERVAL};
use crate::actors::messages::{
    Configure, Figures, Joined, LiveFigures, LoadReport, Place, PollAll, PollNow, Reload, Reprior, Retire, Unreserve,
};
use crate::actors::server::ServerActor;
use crate::balancer::ledger::Ledger;
use crate::balancer::{self, Candidate, PlaceError};
use crate::context::Deps;
use crate::db::models::server::{Server, ServerState};
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::db::url::DatabaseUrl;
use crate::db::{blocking, now_ms};
use crate::pool::{PoolView, ServerView, TenantView};

/// How often the server rows are reloaded.
pub const RELOAD_INTERVAL: Duration = Duration::from_secs(1);

/// What a reload reads, and when it started reading.
struct Rows {
    read_at: Instant,
    servers: Vec<Server>,
    tenants: HashMap<String, std::sync::Arc<TenantView>>,
}

struct Slot {
    row: Server,
    actor: Addr<ServerActor>,
    /// Load from the last poll (multiplier applied): this instance's poll, or the row's (the poll of the
    /// instance that polls). `None`: the server takes no new meeting.
    polled_load: Option<f64>,
    /// When the server actor last reported (a report is newer than rows read before it).
    reported_at: Option<Instant>,
    /// Whether the ledger holds this server's meetings from a poll of this instance; if not, its load is the
    /// row's plus what the ledger knows (placements and joins through this instance).
    ledger_polled: bool,
}

/// The scheduler actor.
pub struct Scheduler {
    deps: Deps,
    /// The clock of the ledger.
    epoch: Instant,
    slots: HashMap<String, Slot>,
    tenants: HashMap<String, std::sync::Arc<TenantView>>,
    reloading: bool,
    ledger: Ledger,
    /// On PostgreSQL, where several instances may place meetings: the joins shared with the others.
    joins: Option<JoinSync>,
    syncing: bool,
    syncs: u32,
    /// The figures last written for `scalelite status`, to write only changes.
    written: HashMap<String, (i32, i64, Option<i64>)>,
    /// The meetings' forecasts last written.
    forecasts: forecasts::ForecastWriter,
}

impl Scheduler {
    pub fn new(deps: Deps) -> Scheduler {
        Scheduler {
            epoch: Instant::now(),
            slots: HashMap::new(),
            tenants: HashMap::new(),
            reloading: false,
            ledger: Ledger::default(),
            joins: matches!(deps.config.database_url, DatabaseUrl::Postgres(_))
                .then(|| JoinSync::new(uuid::Uuid::new_v4().to_string(), now_ms())),
            syncing: false,
            syncs: 0,
            written: HashMap::new(),
            forecasts: forecasts::ForecastWriter::new(),
            deps,
        }
    }

    fn publish(&self) {
        let servers = self
            .slots
            .iter()
            .map(|(id, slot)| (id.clone(), std::sync::Arc::new(ServerView::from_row(&slot.row))))
            .collect();
        self.deps.shared.set_view(PoolView { servers, tenants: self.tenants.clone() });
    }

    /// Brings the actors in line with the rows.
    fn apply(&mut self, Rows { read_at, servers: rows, tenants }: Rows, ctx: &mut Context<Self>) {
        self.tenants = tenants;
        let ids: HashSet<String> = rows.iter().map(|r| r.id.clone()).collect();
        let ledger = &mut self.ledger;
        self.slots.retain(|id, slot| {
            let keep = ids.contains(id);
            if !keep {
                slot.actor.do_send(Retire);
                ledger.forget_server(id);
                log::info!("server {id} was removed; its poller stops");
            }
            keep
        });
        for mut row in rows {
            match self.slots.get_mut(&row.id) {
                Some(slot) => {
                    if slot.reported_at.is_some_and(|at| at >= read_at) {
                        // The actor reported after these rows were read: its health is the newer.
                        row.online = slot.row.online;
                    } else if slot.reported_at.is_none() {
                        slot.polled_load = row.load;
                    }
                    if row.state() == ServerState::Disabled {
                        slot.polled_load = None;
                        slot.ledger_polled = false;
                        self.ledger.forget_server(&row.id);
                    }
                    if slot.row != row {
                        slot.actor.do_send(Configure(row.clone()));
                        slot.row = row;
                    }
                }
                None => {
                    let deps = self.deps.clone();
                    let me = ctx.address().recipient();
                    let for_actor = row.clone();
                    let actor = actix::Supervisor::start(move |_| ServerActor::new(for_actor, deps, me));
                    log::info!("polling server {} ({})", row.id, row.url);
                    let polled_load = row.load;
                    self.slots.insert(
                        row.id.clone(),
                        Slot { row, actor, polled_load, reported_at: None, ledger_polled: false },
                    );
                }
            }
        }
        self.publish();
    }

    fn reload(&mut self) -> ResponseActFuture<Self, ()> {
        if self.reloading {
            return Box::pin(actix::fut::ready(()));
        }
        self.reloading = true;
        let db = self.deps.pool.clone();
        let multitenancy = self.deps.config.multitenancy_enabled;
        Box::pin(
            async move {
                blocking(move || {
                    let read_at = Instant::now();
                    let mut conn = db.get()?;
                    let servers = Server::all(&mut conn)?;
                    let mut tenants = HashMap::new();
                    if multitenancy {
                        let settings = TenantSetting::all(&mut conn)?;
                        for tenant in Tenant::all(&mut conn)? {
                            let view = TenantView::from_rows(&tenant, &settings);
                            // Keyed in lower case: tenants are found by host labels, which are case-insensitive.
                            tenants.insert(tenant.name.to_ascii_lowercase(), std::sync::Arc::new(view));
                        }
                    }
                    Ok(Rows { read_at, servers, tenants })
                })
                .await
            }
            .into_actor(self)
            .map(|rows, act, ctx| {
                act.reloading = false;
                match rows {
                    Ok(rows) => act.apply(rows, ctx),
                    Err(e) => log::warn!("cannot load the servers: {e}"),
                }
            }),
        )
    }

    fn now(&self) -> f64 {
        self.epoch.elapsed().as_secs_f64()
    }

    /// The servers that may take a new meeting, with the load placement uses.
    fn candidates(&mut self) -> Vec<(String, Option<String>, f64)> {
        self.figures()
            .into_iter()
            .filter_map(|f| {
                Some((f.server_id.clone(), self.slots.get(&f.server_id)?.row.tag.clone(), f.placement_load?))
            })
            .collect()
    }

    /// Every server's figures now.
    fn figures(&mut self) -> Vec<LiveFigures> {
        let (now, weights) = (self.now(), self.deps.config.load_weights());
        let ledger = self.ledger.servers(now, &weights);
        self.slots
            .iter()
            .map(|(id, slot)| {
                let figures = ledger.get(id.as_str()).copied().unwrap_or_default();
                let open = slot.row.state() == ServerState::Enabled && slot.row.online;
                let placement_load = slot.polled_load.filter(|_| open).map(|polled| {
                    let ledger_load = figures.load * slot.row.load_multiplier;
                    if slot.ledger_polled {
                        ledger_load
                    } else {
                        polled + ledger_load
                    }
                });
                LiveFigures { server_id: id.clone(), ledger: figures, placement_load }
            })
            .collect()
    }

    /// Seconds on the scheduler's clock at an instant.
    fn at(&self, instant: Instant) -> f64 {
        instant.saturating_duration_since(self.epoch).as_secs_f64()
    }
}

impl Actor for Scheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(1 << 16);
        let first = self.reload();
        ctx.wait(first);
        ctx.run_interval(SYNC_INTERVAL, |act, ctx| act.sync_joins(ctx));
        ctx.run_interval(RELOAD_INTERVAL, |act, ctx| {
            let reload = act.reload();
            ctx.spawn(reload);
            let (now, weights) = (act.now(), act.deps.config.load_weights());
            act.ledger.expire_unpolled(now, &weights);
            act.write_figures();
        });
    }
}

impl Supervised for Scheduler {
    fn restarting(&mut self, _: &mut Self::Context) {
        crate::metrics::METRICS.actor_restarts.with_label_values(&["scheduler"]).inc();
    }
}

impl Handler<Place> for Scheduler {
    type Result = Result<String, PlaceError>;

    fn handle(&mut self, place: Place, _: &mut Context<Self>) -> Self::Result {
        let list = self.candidates();
        let candidates: Vec<Candidate<'_>> =
            list.iter().map(|(id, tag, load)| Candidate { id, tag: tag.as_deref(), load: *load }).collect();
        let chosen = balancer::choose(&candidates, &place.tag)?.to_string();
        let now = self.now();
        let weights = self.deps.config.load_weights();
        self.ledger.place(place.bbb_meeting_id, chosen.clone(), now, place.prior, &weights);
        Ok(chosen)
    }
}

impl Handler<Unreserve> for Scheduler {
    type Result = ();

    fn handle(&mut self, msg: Unreserve, _: &mut Context<Self>) {
        let (now, weights) = (self.now(), self.deps.config.load_weights());
        self.ledger.unplace(&msg.bbb_meeting_id, &msg.server_id, now, &weights);
    }
}

impl Handler<LoadReport> for Scheduler {
    type Result = ();

    fn handle(&mut self, report: LoadReport, _: &mut Context<Self>) {
        let Some(slot) = self.slots.get_mut(&report.server_id) else {
            return;
        };
        slot.reported_at = Some(Instant::now());
        slot.polled_load = report.load;
        let changed = slot.row.online != report.online;
        slot.row.online = report.online;
        let config = &self.deps.config;
        let (weights, grace) = (config.load_weights(), config.new_meeting_grace().as_secs_f64());
        match (&report.load, &report.meetings) {
            (None, _) => {
                slot.ledger_polled = false;
                self.ledger.forget_server(&report.server_id);
            }
            (Some(_), Some(meetings)) => {
                slot.ledger_polled = true;
                let (started, now) = (self.at(report.started), self.now());
                self.ledger.polled(&report.server_id, started, now, meetings, grace, &weights);
            }
            // A failed poll of a server still online changes nothing.
            (Some(_), None) => {}
        }
        if changed {
            self.publish();
        }
    }
}

impl Handler<Reprior> for Scheduler {
    type Result = ();

    fn handle(&mut self, msg: Reprior, _: &mut Context<Self>) {
        let (now, weights) = (self.now(), self.deps.config.load_weights());
        self.ledger.reprior(&msg.bbb_meeting_id, &msg.server_id, msg.prior, now, &weights);
    }
}

impl Handler<Joined> for Scheduler {
    type Result = ();

    fn handle(&mut self, joined: Joined, _: &mut Context<Self>) {
        let (now, weights) = (self.now(), self.deps.config.load_weights());
        self.ledger.joined(&joined.bbb_meeting_id, &joined.server_id, now, 1, &weights);
        if let Some(sync) = self.joins.as_mut() {
            sync.joined(&joined.bbb_meeting_id, &joined.server_id, now_ms());
        }
    }
}

impl Handler<Figures> for Scheduler {
    type Result = Vec<LiveFigures>;

    fn handle(&mut self, _: Figures, _: &mut Context<Self>) -> Self::Result {
        self.figures()
    }
}

impl Handler<Reload> for Scheduler {
    type Result = ResponseActFuture<Self, ()>;

    fn handle(&mut self, _: Reload, _ctx: &mut Context<Self>) -> Self::Result {
        if self.reloading {
            // A reload is under way; run another after it, so this one sees every change made before the call.
            return Box::pin(
                actix::fut::wrap_future::<_, Self>(tokio::time::sleep(Duration::from_millis(20)))
                    .then(|(), act: &mut Self, _: &mut Context<Self>| act.reload()),
            );
        }
        self.reload()
    }
}

impl Handler<PollAll> for Scheduler {
    type Result = ResponseFuture<()>;

    fn handle(&mut self, _: PollAll, _: &mut Context<Self>) -> Self::Result {
        let polls: Vec<_> = self.slots.values().map(|slot| slot.actor.send(PollNow)).collect();
        Box::pin(async move {
            futures_util::future::join_all(polls).await;
        })
    }
}
