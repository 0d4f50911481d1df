//! The application: shared state and start-up preparation (database, secrets, actors). The routes are in
//! [`crate::routes`].

use std::sync::Arc;

use crate::actors::deliveries::Deliveries;
use crate::actors::leader_job::{self, LeaderJob};
use crate::actors::messages::{ImportNow, PollAll};
use crate::actors::recordings::RecordingsActor;
use crate::actors::scheduler::Scheduler;
use crate::config::Config;
use crate::context::Deps;
use crate::db::leader::{campaign_forever, Campaign, Leadership};
use crate::db::models::setting;
use crate::db::url::DatabaseUrl;
use crate::db::{self, DbError, Pool};
use crate::pool::Shared;
use crate::rate_limit::sign_in::{Limits, SignInGuard};
use crate::rate_limit::Limiter;
use crate::recordings::storage::Storage;
use crate::secret::Secret;
use actix::Addr;

/// What every handler can reach: the shared context (`state.config`, `state.pool`, … through `Deref`) and the
/// actors' addresses.
pub struct AppState {
    pub context: Deps,
    pub scheduler: Addr<Scheduler>,
    pub recordings: Addr<RecordingsActor>,
    pub deliveries: Addr<Deliveries>,
    /// Signs playback cookies: `SECRET_KEY_BASE`, or one generated and kept in the database.
    pub cookie_key: Secret,
    /// This instance's rate limits and checksum back-off.
    pub limiter: Arc<Limiter>,
    /// The dashboard's sign-in: password checks at once, and when a name's failures (in the database) lock it.
    pub sign_ins: SignInGuard,
}

impl std::ops::Deref for AppState {
    type Target = Deps;

    fn deref(&self) -> &Deps {
        &self.context
    }
}

/// The result of [`prepare`]: what the application needs before its actors start, and the secret generated
/// by this start, if one was.
pub struct Prepared {
    pub config: Config,
    pub pool: Pool,
    pub secrets: Arc<[Secret]>,
    pub generated_secret: Option<Secret>,
    pub cookie_key: Secret,
    /// Where the recordings' files are.
    pub storage: Storage,
}

/// Why Scalelite could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("recordings storage: {0}")]
    Storage(String),
}

impl Prepared {
    /// Starts the scheduler (which starts one poller per server) and the recordings importer in the current
    /// actix system.
    pub fn start(self) -> AppState {
        let config = Arc::new(self.config);
        let shared = Arc::new(Shared::default());
        let campaign = match &config.database_url {
            DatabaseUrl::Postgres(url) => Some(Arc::new(Campaign::new(url.clone()))),
            DatabaseUrl::Sqlite(_) => None,
        };
        let leadership = campaign.as_ref().map_or_else(|| Arc::new(Leadership::always()), |c| c.leadership.clone());
        if let Some(campaign) = &campaign {
            // A first round now, so that a lone instance leads from its first poll.
            campaign.step();
        }
        let deps = Deps {
            config: config.clone(),
            pool: self.pool.clone(),
            shared: shared.clone(),
            secrets: self.secrets.clone(),
            leadership: leadership.clone(),
            storage: self.storage.clone(),
        };
        let (scheduler_deps, importer_deps, delivery_deps) = (deps.clone(), deps.clone(), deps.clone());
        let jobs: [(&'static str, _, leader_job::Run); 3] = [
            ("tenant usage", config.limits.usage_sample_interval, leader_job::usage::run),
            ("retention sweep", config.retention.sweep_interval, leader_job::retention::run),
            ("server load samples", config.dashboard.sample_interval, leader_job::server_load::run),
        ];
        for (name, interval, run) in jobs {
            let job_deps = deps.clone();
            actix::Supervisor::start(move |_| LeaderJob::new(job_deps, name, interval, run));
        }
        let deliveries = actix::Supervisor::start(move |_| Deliveries::new(delivery_deps));
        let scheduler = actix::Supervisor::start(move |_| Scheduler::new(scheduler_deps));
        let recordings = actix::Supervisor::start(move |_| RecordingsActor::new(importer_deps));
        if let Some(campaign) = campaign {
            let (scheduler, recordings) = (scheduler.clone(), recordings.clone());
            campaign_forever(campaign, move || {
                scheduler.do_send(PollAll);
                recordings.do_send(ImportNow);
            });
        }
        let cookie_key = self.cookie_key;
        let limiter = Arc::new(Limiter::new(config.limits.clone()));
        let sign_ins = SignInGuard::new(Limits::default());
        AppState { context: deps, scheduler, recordings, deliveries, cookie_key, limiter, sign_ins }
    }
}

/// Opens the pool, runs pending migrations, and settles the load-balancer secrets. Without configured
/// secrets, the one kept in the database is used, and generated at the first start.
pub fn prepare(config: Config) -> Result<Prepared, StartError> {
    let storage = Storage::open(&config).map_err(StartError::Storage)?;
    let pool = db::pool(&config.database_url, config.db_pool_size);
    let mut conn = pool.get().map_err(DbError::from)?;
    db::migrate(&mut conn)?;
    db::pin_statistics(&mut conn)?;
    let mut generated_secret = None;
    let secrets: Arc<[Secret]> = if config.loadbalancer_secrets.is_empty() {
        let candidate = Secret::generate();
        let kept = setting::get_or_insert(&mut conn, setting::GENERATED_SECRET, candidate.expose())?;
        if kept == candidate.expose() {
            generated_secret = Some(candidate);
        }
        Arc::from(vec![Secret::new(kept)])
    } else {
        Arc::from(config.loadbalancer_secrets.clone())
    };
    let cookie_key = match &config.secret_key_base {
        Some(key) => key.clone(),
        None => Secret::new(setting::get_or_insert(&mut conn, setting::COOKIE_KEY, Secret::generate().expose())?),
    };
    drop(conn);
    Ok(Prepared { config, pool, secrets, generated_secret, cookie_key, storage })
}
