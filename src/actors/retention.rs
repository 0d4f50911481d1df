//! Sweeps the recordings every `RECORDING_RETENTION_INTERVAL` on the instance that leads: those past their
//! tenant's retention go to the trash, those in the trash past `RECORDING_TRASH_DAYS` are purged
//! (`recordings::trash::sweep`).

use actix::prelude::*;

use crate::context::Deps;
use crate::db::{blocking, now_ms};
use crate::recordings::store::Store;
use crate::recordings::trash;

pub struct RetentionSweeper {
    deps: Deps,
    busy: bool,
}

impl RetentionSweeper {
    pub fn new(deps: Deps) -> RetentionSweeper {
        RetentionSweeper { deps, busy: false }
    }

    fn sweep(&mut self, ctx: &mut Context<Self>) {
        if self.busy || !self.deps.leadership.is_leader() {
            return;
        }
        self.busy = true;
        let (pool, config) = (self.deps.pool.clone(), self.deps.config.clone());
        let work = blocking(move || {
            let mut conn = pool.get()?;
            Ok(trash::sweep(&mut conn, &Store::of(&config), &config.retention, now_ms(), false))
        });
        ctx.spawn(work.into_actor(self).map(|swept, act, _| {
            act.busy = false;
            match swept {
                Ok(Ok(done)) if done.trashed.is_empty() && done.purged.is_empty() => {}
                Ok(Ok(done)) => log::info!(
                    "retention: {} recording(s) moved to the trash, {} purged",
                    done.trashed.len(),
                    done.purged.len()
                ),
                Ok(Err(e)) => log::warn!("retention sweep: {e}"),
                Err(e) => log::warn!("retention sweep: {e}"),
            }
        }));
    }
}

impl Actor for RetentionSweeper {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let interval = self.deps.config.retention.sweep_interval;
        ctx.run_interval(interval, |act, ctx| act.sweep(ctx));
    }
}

impl Supervised for RetentionSweeper {}
