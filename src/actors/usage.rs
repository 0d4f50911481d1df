//! Samples the tenants' usage every `USAGE_SAMPLE_INTERVAL` on the instance that leads: the time since the last
//! sample is added to each tenant's day at its current meetings and users (`tenant_usage`). The sample time is
//! kept in the database, so a new leader carries on where the last one stopped (gaps of a stopped pool are not
//! billed: at most three intervals are added at once).

use actix::prelude::*;

use crate::context::Deps;
use crate::db::models::tenant_usage;
use crate::db::{blocking, now_ms};

pub struct UsageSampler {
    deps: Deps,
    busy: bool,
}

impl UsageSampler {
    pub fn new(deps: Deps) -> UsageSampler {
        UsageSampler { deps, busy: false }
    }

    fn sample(&mut self, ctx: &mut Context<Self>) {
        if self.busy || !self.deps.leadership.is_leader() {
            return;
        }
        self.busy = true;
        let pool = self.deps.pool.clone();
        let max_gap = 3 * self.deps.config.limits.usage_sample_interval.as_millis() as i64;
        let work = blocking(move || tenant_usage::sample(&mut *pool.get()?, now_ms(), max_gap));
        ctx.spawn(work.into_actor(self).map(|sampled, act, _| {
            act.busy = false;
            if let Err(e) = sampled {
                log::warn!("tenant usage not sampled: {e}");
            }
        }));
    }
}

impl Actor for UsageSampler {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        let interval = self.deps.config.limits.usage_sample_interval;
        ctx.run_interval(interval, |act, ctx| act.sample(ctx));
    }
}

impl Supervised for UsageSampler {}
