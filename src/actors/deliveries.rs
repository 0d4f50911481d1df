//! Delivers the callbacks to front-ends kept in `callback_deliveries` (a GET, or a form POST): every second, or at once when
//! poked, the instance that leads takes those due, and deletes each delivered one (a 2xx, or a 404/410: the
//! front-end does not want it) or puts it off with a growing delay; after `ATTEMPTS` it gives up, with an error in
//! the log. The rows are the truth: a restart resumes where the last process stopped.

use std::time::Duration;

use actix::prelude::*;

use crate::context::Deps;
use crate::db::models::callback_delivery::CallbackDelivery;
use crate::db::{blocking, now_ms, DbError};

/// Attempts before giving up, the first delay and the longest one.
const ATTEMPTS: i32 = 12;
const FIRST_DELAY_MS: i64 = 1_000;
const LONGEST_DELAY_MS: i64 = 600_000;
/// Deliveries taken at a time.
const BATCH: i64 = 20;

/// Delivers what is due now.
#[derive(Message)]
#[rtype(result = "()")]
pub struct DeliverNow;

pub struct Deliveries {
    deps: Deps,
    busy: bool,
}

impl Deliveries {
    pub fn new(deps: Deps) -> Deliveries {
        Deliveries { deps, busy: false }
    }

    fn run(&mut self, ctx: &mut Context<Self>) {
        if self.busy || !self.deps.leadership.is_leader() {
            return;
        }
        self.busy = true;
        let deps = self.deps.clone();
        let work = async move {
            let pool = deps.pool.clone();
            let due = blocking(move || CallbackDelivery::due(&mut *pool.get()?, now_ms(), BATCH)).await;
            let due = match due {
                Ok(due) => due,
                Err(e) => return log::warn!("callback deliveries: {e}"),
            };
            let client = deps.config.bbb_client();
            for delivery in due {
                let outcome = match &delivery.form {
                    Some(form) => client.post_form_body(&delivery.url, form.clone()).await,
                    None => client.get_status(&delivery.url).await,
                };
                let done =
                    matches!(outcome, Ok(status) if (200..300).contains(&status) || status == 404 || status == 410);
                let attempts = delivery.attempts + 1;
                match &outcome {
                    Ok(status) if done => log::info!("callback ({}) delivered: HTTP {status}", delivery.what),
                    Ok(status) => log::warn!("callback ({}), attempt {attempts}: HTTP {status}", delivery.what),
                    Err(e) => log::warn!("callback ({}), attempt {attempts}: {e}", delivery.what),
                }
                let give_up = !done && attempts >= ATTEMPTS;
                if give_up {
                    log::error!("callback ({}) given up after {attempts} attempts", delivery.what);
                }
                let delay = (FIRST_DELAY_MS << (attempts - 1).clamp(0, 20)).min(LONGEST_DELAY_MS);
                let pool = deps.pool.clone();
                let id = delivery.id.clone();
                let stored = blocking(move || -> Result<(), DbError> {
                    let mut conn = pool.get()?;
                    if done || give_up {
                        CallbackDelivery::delete(&mut conn, &id)
                    } else {
                        CallbackDelivery::retry_at(&mut conn, &id, attempts, now_ms() + delay)
                    }
                })
                .await;
                if let Err(e) = stored {
                    log::warn!("callback deliveries: {e}");
                }
            }
        };
        ctx.spawn(work.into_actor(self).map(|(), act, _| act.busy = false));
    }
}

impl Actor for Deliveries {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.run_interval(Duration::from_secs(1), |act, ctx| act.run(ctx));
    }
}

impl Supervised for Deliveries {}

impl Handler<DeliverNow> for Deliveries {
    type Result = ();

    fn handle(&mut self, _: DeliverNow, ctx: &mut Context<Self>) {
        self.run(ctx);
    }
}
