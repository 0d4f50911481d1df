//! A job the leading instance runs every so often on a database connection, one run at a time: the tenants'
//! usage samples ([`usage`]), the recordings' retention sweep ([`retention`]) and the servers' load samples
//! ([`server_load`]). A run may say what it did (logged at info), or fail (logged as a warning); the next run
//! comes at the next interval.

use std::time::Duration;

use actix::prelude::*;

use crate::context::Deps;
use crate::db::{blocking, now_ms, DbConnection};

/// One run: the connection, the shared context and the time; what it did worth logging, if anything.
pub type Run = fn(&mut DbConnection, &Deps, i64) -> Result<Option<String>, String>;

pub struct LeaderJob {
    deps: Deps,
    name: &'static str,
    interval: Duration,
    run: Run,
    busy: bool,
}

impl LeaderJob {
    pub fn new(deps: Deps, name: &'static str, interval: Duration, run: Run) -> LeaderJob {
        LeaderJob { deps, name, interval, run, busy: false }
    }

    fn tick(&mut self, ctx: &mut Context<Self>) {
        if self.busy || !self.deps.leadership.is_leader() {
            return;
        }
        self.busy = true;
        let (deps, run) = (self.deps.clone(), self.run);
        let work = blocking(move || Ok(run(&mut *deps.pool.get()?, &deps, now_ms())));
        ctx.spawn(work.into_actor(self).map(|done, act, _| {
            act.busy = false;
            match done {
                Ok(Ok(None)) => {}
                Ok(Ok(Some(what))) => log::info!("{}: {what}", act.name),
                Ok(Err(e)) => log::warn!("{}: {e}", act.name),
                Err(e) => log::warn!("{}: {e}", act.name),
            }
        }));
    }
}

impl Actor for LeaderJob {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(self.interval, |act, ctx| act.tick(ctx));
    }
}

impl Supervised for LeaderJob {}

/// The tenants' usage: the time since the last sample (at most three intervals: a stopped pool's gap is not
/// billed) added to each tenant's day (`db::models::tenant_usage::sample`).
pub mod usage {
    use crate::context::Deps;
    use crate::db::models::tenant_usage;
    use crate::db::DbConnection;

    pub fn run(conn: &mut DbConnection, deps: &Deps, now: i64) -> Result<Option<String>, String> {
        let max_gap = 3 * deps.config.limits.usage_sample_interval.as_millis() as i64;
        tenant_usage::sample(conn, now, max_gap).map(|()| None).map_err(|e| format!("not sampled: {e}"))
    }
}

/// The recordings past their tenant's retention to the trash, the trash's expired ones purged
/// (`recordings::trash::sweep`).
pub mod retention {
    use crate::context::Deps;
    use crate::db::DbConnection;
    use crate::recordings::trash;

    pub fn run(conn: &mut DbConnection, deps: &Deps, now: i64) -> Result<Option<String>, String> {
        let retention = &deps.config.retention;
        let done = trash::sweep(conn, &deps.storage, retention, now, false).map_err(|e| e.to_string())?;
        Ok((!done.trashed.is_empty() || !done.purged.is_empty())
            .then(|| format!("{} recording(s) moved to the trash, {} purged", done.trashed.len(), done.purged.len())))
    }
}

/// Each server's load as its last poll left it, sampled for the dashboard's chart (`db::models::server_load`).
pub mod server_load {
    use crate::context::Deps;
    use crate::db::models::server_load;
    use crate::db::DbConnection;

    pub fn run(conn: &mut DbConnection, _deps: &Deps, now: i64) -> Result<Option<String>, String> {
        server_load::sample(conn, now).map(|_| None).map_err(|e| format!("not sampled: {e}"))
    }
}
