//! The scheduler: keeps one server actor per server row (reloading the rows every second, or at once when told
//! of a change), keeps every server's load, and places new meetings on the least-loaded candidate.
//!
//! A placement reserves capacity on the chosen server at once (see [`crate::balancer::reservation`]), so a
//! burst of creates spreads over the pool; the reservation ends when a poll lists the meeting.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use actix::prelude::*;

use super::messages::{Configure, LoadReport, Place, PollAll, PollNow, Reload, Retire, Unreserve};
use super::server::ServerActor;
use crate::balancer::reservations::Reservations;
use crate::balancer::{self, Candidate, PlaceError};
use crate::context::Deps;
use crate::db::blocking;
use crate::db::models::server::{Server, ServerState};
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
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
    /// Load from the last poll (multiplier applied), without reservations.
    polled_load: Option<f64>,
    /// When the server actor last reported (a report is newer than rows read before it).
    reported_at: Option<Instant>,
    reservations: Reservations,
}

/// The scheduler actor.
pub struct Scheduler {
    deps: Deps,
    /// The clock of the reservations.
    epoch: Instant,
    slots: HashMap<String, Slot>,
    tenants: HashMap<String, std::sync::Arc<TenantView>>,
    reloading: bool,
}

impl Scheduler {
    pub fn new(deps: Deps) -> Scheduler {
        Scheduler { deps, epoch: Instant::now(), slots: HashMap::new(), tenants: HashMap::new(), reloading: false }
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
        self.slots.retain(|id, slot| {
            let keep = ids.contains(id);
            if !keep {
                slot.actor.do_send(Retire);
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
                        Slot { row, actor, polled_load, reported_at: None, reservations: Reservations::default() },
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

    fn candidates(&mut self) -> Vec<(String, Option<String>, f64)> {
        let weights = self.deps.config.load_weights();
        let (now, buffer) = (self.now(), weights.join_buffer.as_secs_f64());
        let mut list = Vec::with_capacity(self.slots.len());
        for (id, slot) in &mut self.slots {
            let (Some(polled), ServerState::Enabled, true) = (slot.polled_load, slot.row.state(), slot.row.online)
            else {
                continue;
            };
            let reserved = slot.reservations.total(now, weights.min_users, buffer);
            list.push((id.clone(), slot.row.tag.clone(), polled + reserved * slot.row.load_multiplier));
        }
        list
    }
}

impl Actor for Scheduler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.set_mailbox_capacity(1 << 16);
        let first = self.reload();
        ctx.wait(first);
        ctx.run_interval(RELOAD_INTERVAL, |act, ctx| {
            let reload = act.reload();
            ctx.spawn(reload);
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
        if let Some(slot) = self.slots.get_mut(&chosen) {
            slot.reservations.add(place.bbb_meeting_id, now);
        }
        Ok(chosen)
    }
}

impl Handler<Unreserve> for Scheduler {
    type Result = ();

    fn handle(&mut self, msg: Unreserve, _: &mut Context<Self>) {
        if let Some(slot) = self.slots.get_mut(&msg.server_id) {
            slot.reservations.remove(&msg.bbb_meeting_id);
        }
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
        for meeting in &report.seen {
            slot.reservations.remove(meeting);
        }
        if slot.row.online != report.online {
            slot.row.online = report.online;
            self.publish();
        }
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
