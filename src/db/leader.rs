//! Leader election. Of several instances sharing one PostgreSQL, only the leader polls the BBB servers and
//! imports recordings: the instance whose dedicated session holds an advisory lock keyed by the database.
//! The others serve every API call from the database (loads and health as the leader writes them). A dead
//! leader's session ends and frees the lock; another instance takes it at its next try, within a second.
//! With SQLite there is one instance (see [`crate::db::single_instance`]), and it leads.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};

/// How often a follower tries to take the lead, and a leader checks its session.
pub const CAMPAIGN_INTERVAL: Duration = Duration::from_secs(1);

/// The lock: a fixed class and the hash of the database's name, so databases of one cluster do not compete.
const TAKE_LOCK: &str = "SELECT pg_try_advisory_lock(1935764588, hashtext(current_database())) AS held";

/// The `application_name` of each instance's campaign session: counting them counts the live instances.
const SESSION_NAME: &str = "scalelite-instance";

/// The live instances: the campaign sessions open on this database (a dead instance's session ends with it).
const COUNT_INSTANCES: &str = "SELECT count(*)::int AS instances FROM pg_stat_activity \
     WHERE datname = current_database() AND application_name = 'scalelite-instance'";

/// Whether this instance leads, and how many instances share the database.
#[derive(Debug)]
pub struct Leadership {
    leader: AtomicBool,
    instances: AtomicU32,
}

impl Default for Leadership {
    fn default() -> Leadership {
        Leadership { leader: AtomicBool::new(false), instances: AtomicU32::new(1) }
    }
}

impl Leadership {
    /// A leadership that is held from the start (SQLite).
    pub fn always() -> Leadership {
        Leadership { leader: AtomicBool::new(true), instances: AtomicU32::new(1) }
    }

    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
    }

    /// The instances sharing the database, this one included (at least 1), as last counted.
    pub fn instances(&self) -> u32 {
        self.instances.load(Ordering::Relaxed).max(1)
    }

    fn set(&self, leader: bool) {
        self.leader.store(leader, Ordering::SeqCst);
    }
}

#[derive(diesel::QueryableByName)]
struct Instances {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    instances: i32,
}

#[derive(diesel::QueryableByName)]
struct Held {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    held: bool,
}

/// Rounds a leader that lost its session sits out, so that the others (trying every round) take over.
const ROUNDS_OUT_AFTER_LOSS: u32 = 3;

/// The session that holds (or tries for) the lock.
pub struct Campaign {
    url: String,
    session: Mutex<Option<PgConnection>>,
    rounds_out: AtomicU32,
    pub leadership: Arc<Leadership>,
}

impl Campaign {
    pub fn new(url: String) -> Campaign {
        Campaign {
            url,
            session: Mutex::new(None),
            rounds_out: AtomicU32::new(0),
            leadership: Arc::new(Leadership::default()),
        }
    }

    /// One round, blocking: a leader checks that its session lives (counting the instances); a follower tries
    /// to take the lock. Returns true when this round made the instance leader.
    pub fn step(&self) -> bool {
        let Ok(mut session) = self.session.lock() else {
            return false;
        };
        if self.leadership.is_leader() {
            let counted = session.as_mut().map(|c| diesel::sql_query(COUNT_INSTANCES).get_result::<Instances>(c));
            if let Some(Ok(Instances { instances })) = counted {
                self.leadership.instances.store(u32::try_from(instances).unwrap_or(1), Ordering::Relaxed);
                return false;
            }
            *session = None;
            self.leadership.set(false);
            self.rounds_out.store(ROUNDS_OUT_AFTER_LOSS, Ordering::SeqCst);
            log::warn!("lost the leadership (its database session ended); another instance takes over");
            return false;
        }
        if self.rounds_out.load(Ordering::SeqCst) > 0 {
            self.rounds_out.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        if session.is_none() {
            *session = PgConnection::establish(&self.url).ok().and_then(|mut c| {
                diesel::sql_query(format!("SET application_name = '{SESSION_NAME}'")).execute(&mut c).ok().map(|_| c)
            });
        }
        let Some(conn) = session.as_mut() else {
            return false;
        };
        if let Ok(Instances { instances }) = diesel::sql_query(COUNT_INSTANCES).get_result::<Instances>(conn) {
            self.leadership.instances.store(u32::try_from(instances).unwrap_or(1), Ordering::Relaxed);
        }
        match diesel::sql_query(TAKE_LOCK).get_result::<Held>(conn) {
            Ok(Held { held: true }) => {
                self.leadership.set(true);
                log::info!("this instance leads: it polls the servers and imports recordings");
                true
            }
            Ok(Held { held: false }) => false,
            Err(e) => {
                log::warn!("leader election: {e}");
                *session = None;
                false
            }
        }
    }
}

/// Runs the campaign every [`CAMPAIGN_INTERVAL`] in the current actix system; `elected` runs on taking the lead.
pub fn campaign_forever(campaign: Arc<Campaign>, elected: impl Fn() + 'static) {
    actix_web::rt::spawn(async move {
        loop {
            actix_web::rt::time::sleep(CAMPAIGN_INTERVAL).await;
            let round = campaign.clone();
            if actix_web::rt::task::spawn_blocking(move || round.step()).await.unwrap_or(false) {
                elected();
            }
        }
    });
}
