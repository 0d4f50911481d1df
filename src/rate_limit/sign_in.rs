//! Guards the dashboard's sign-in against floods and guessing: at most a few password checks at once (each
//! argon2 check costs ~19 MiB and tens of milliseconds), and an account name refused for a while after repeated
//! failures (counted per instance, whether or not the account exists, so a refusal tells no names).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

/// The guard's bounds.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Password checks at once: half the cores (at least one), so that the API keeps the rest.
    pub concurrent: usize,
    /// How long a sign-in waits for its turn before it is told to come back.
    pub wait: Duration,
    /// Failures of one name that lock it…
    pub failures: u32,
    /// …within this window, locked until the window from its first failure has passed.
    pub window: Duration,
    /// Names followed at once; at the checks' pace (27 a second measured with one check at once) a window
    /// holds far fewer, so a flood of made-up names cannot push a real one out.
    pub names: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrent: std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1)),
            wait: Duration::from_secs(5),
            failures: 5,
            window: Duration::from_secs(15 * 60),
            names: 100_000,
        }
    }
}

/// Why a sign-in is not even checked.
#[derive(Debug, PartialEq)]
pub enum Refusal {
    /// Too many checks at once: come back shortly.
    Busy,
    /// Too many failures for this name: come back after this long.
    Locked(Duration),
}

struct Failures {
    count: u32,
    first: Instant,
}

pub struct SignInGuard {
    limits: Limits,
    checks: Semaphore,
    failures: Mutex<HashMap<String, Failures>>,
}

/// The longest name followed as it is (longer ones are followed by their first bytes).
const NAME_BYTES: usize = 128;

fn key(name: &str) -> String {
    let mut end = name.len().min(NAME_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    name[..end].to_string()
}

impl SignInGuard {
    pub fn new(limits: Limits) -> Self {
        SignInGuard { limits, checks: Semaphore::new(limits.concurrent), failures: Mutex::new(HashMap::new()) }
    }

    /// Whether `name` may try now; if so, a turn for its password check (held until the check is done).
    pub async fn admit(&self, name: &str, now: Instant) -> Result<SemaphorePermit<'_>, Refusal> {
        if let Some(left) = self.locked_for(name, now) {
            return Err(Refusal::Locked(left));
        }
        let Ok(Ok(permit)) = tokio::time::timeout(self.limits.wait, self.checks.acquire()).await else {
            return Err(Refusal::Busy);
        };
        // Again after the wait: guesses queued together must not slip past a lock that their forerunners made.
        match self.locked_for(name, Instant::now().max(now)) {
            Some(left) => Err(Refusal::Locked(left)),
            None => Ok(permit),
        }
    }

    /// How much longer `name` is locked, if it is.
    fn locked_for(&self, name: &str, now: Instant) -> Option<Duration> {
        let failures = self.failures.lock().ok()?;
        let entry = failures.get(&key(name))?;
        let ends = entry.first + self.limits.window;
        (entry.count >= self.limits.failures && now < ends).then(|| ends - now)
    }

    /// Counts a failed sign-in of `name`.
    pub fn failed(&self, name: &str, now: Instant) {
        let Ok(mut failures) = self.failures.lock() else { return };
        let (window, name) = (self.limits.window, key(name));
        if failures.len() >= self.limits.names {
            failures.retain(|_, f| now.duration_since(f.first) < window);
        }
        if failures.len() >= self.limits.names && !failures.contains_key(&name) {
            return;
        }
        let entry = failures.entry(name).or_insert(Failures { count: 0, first: now });
        if now.duration_since(entry.first) >= window {
            *entry = Failures { count: 0, first: now };
        }
        entry.count += 1;
    }

    /// Forgets the failures of `name` after it signed in.
    pub fn succeeded(&self, name: &str) {
        if let Ok(mut failures) = self.failures.lock() {
            failures.remove(&key(name));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            concurrent: 1,
            wait: Duration::from_millis(50),
            failures: 3,
            window: Duration::from_secs(60),
            names: 4,
        }
    }

    #[actix_rt::test]
    async fn a_name_is_locked_after_its_failures_until_the_window_passes() {
        let guard = SignInGuard::new(limits());
        let start = Instant::now();
        for _ in 0..2 {
            guard.failed("ops", start);
        }
        assert!(guard.admit("ops", start).await.is_ok(), "two failures: not yet");
        guard.failed("ops", start + Duration::from_secs(10));
        let locked = guard.admit("ops", start + Duration::from_secs(20)).await.err();
        assert_eq!(locked, Some(Refusal::Locked(Duration::from_secs(40))));
        assert!(guard.admit("other", start).await.is_ok(), "other names are not locked");
        assert!(guard.admit("ops", start + Duration::from_secs(60)).await.is_ok(), "the window passed");
        guard.failed("ops", start + Duration::from_secs(61));
        assert!(guard.admit("ops", start + Duration::from_secs(62)).await.is_ok(), "counting starts again");
    }

    #[actix_rt::test]
    async fn a_success_forgets_the_failures() {
        let guard = SignInGuard::new(limits());
        let now = Instant::now();
        for _ in 0..2 {
            guard.failed("ops", now);
        }
        guard.succeeded("ops");
        guard.failed("ops", now);
        assert!(guard.admit("ops", now).await.is_ok());
    }

    #[actix_rt::test]
    async fn checks_beyond_the_limit_wait_then_are_told_to_come_back() {
        let guard = SignInGuard::new(limits());
        let now = Instant::now();
        let first = guard.admit("a", now).await;
        assert!(first.is_ok());
        assert_eq!(guard.admit("b", now).await.err(), Some(Refusal::Busy));
        drop(first);
        assert!(guard.admit("b", now).await.is_ok(), "its turn once the first is done");
    }

    #[actix_rt::test]
    async fn guesses_queued_together_stop_at_the_lock() {
        let guard = SignInGuard::new(Limits { wait: Duration::from_secs(5), ..limits() });
        let now = Instant::now();
        let first = guard.admit("ops", now).await;
        assert!(first.is_ok());
        let queued = guard.admit("ops", now);
        let meanwhile = async {
            for _ in 0..3 {
                guard.failed("ops", now);
            }
            drop(first);
        };
        let (queued, ()) = futures_util::future::join(queued, meanwhile).await;
        assert!(matches!(queued, Err(Refusal::Locked(_))), "the lock made while it waited holds");
    }

    #[actix_rt::test]
    async fn made_up_names_cannot_push_a_locked_one_out() {
        let guard = SignInGuard::new(limits());
        let now = Instant::now();
        for _ in 0..3 {
            guard.failed("ops", now);
        }
        for i in 0..10 {
            guard.failed(&format!("made-up-{i}"), now);
        }
        assert!(matches!(guard.admit("ops", now).await, Err(Refusal::Locked(_))));
        let later = now + Duration::from_secs(61);
        guard.failed("made-up-new", later);
        assert!(guard.failures.lock().unwrap().len() <= 4, "expired ones make room");
        let long = "é".repeat(100);
        guard.failed(&long, later);
        assert!(guard.failures.lock().unwrap().keys().all(|k| k.len() <= NAME_BYTES));
    }
}
