//! Guards the dashboard's sign-in against floods and guessing: at most a few password checks at once (each
//! argon2 check costs ~19 MiB and tens of milliseconds), and an account name refused for a while after repeated
//! failures (whether or not the account exists, so a refusal tells no names). The failures are counted in the
//! database, by every instance alike; this decides, from a name's count, whether it is locked.

use std::time::Duration;

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
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            concurrent: std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1)),
            wait: Duration::from_secs(5),
            failures: 5,
            window: Duration::from_secs(15 * 60),
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

pub struct SignInGuard {
    limits: Limits,
    checks: Semaphore,
}

/// The longest name counted as it is (longer ones are counted by their first bytes).
const NAME_BYTES: usize = 128;

/// The name under which a sign-in's failures are counted.
pub fn key(name: &str) -> &str {
    let mut end = name.len().min(NAME_BYTES);
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

impl SignInGuard {
    pub fn new(limits: Limits) -> Self {
        SignInGuard { limits, checks: Semaphore::new(limits.concurrent) }
    }

    /// The window over which failures are counted, in milliseconds.
    pub fn window_ms(&self) -> i64 {
        self.limits.window.as_millis() as i64
    }

    /// A turn for a password check (held until the check is done), or `Busy` after waiting too long for one.
    pub async fn turn(&self) -> Result<SemaphorePermit<'_>, Refusal> {
        match tokio::time::timeout(self.limits.wait, self.checks.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(Refusal::Busy),
        }
    }

    /// `Locked` with the time left if a name with `count` failures since `first_at` is locked at `now` (all in
    /// milliseconds since the epoch).
    pub fn lock(&self, count: i32, first_at: i64, now: i64) -> Result<(), Refusal> {
        let ends = first_at.saturating_add(self.window_ms());
        if count >= self.limits.failures as i32 && now < ends {
            return Err(Refusal::Locked(Duration::from_millis((ends - now) as u64)));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> SignInGuard {
        SignInGuard::new(Limits {
            concurrent: 1,
            wait: Duration::from_millis(50),
            failures: 3,
            window: Duration::from_secs(60),
        })
    }

    #[test]
    fn a_name_is_locked_from_its_last_allowed_failure_until_the_window_passes() {
        let guard = guard();
        assert_eq!(guard.lock(2, 1_000, 2_000), Ok(()), "two failures: not yet");
        assert_eq!(guard.lock(3, 1_000, 21_000), Err(Refusal::Locked(Duration::from_secs(40))));
        assert_eq!(guard.lock(3, 1_000, 61_000), Ok(()), "the window passed");
        assert!(guard.lock(i32::MAX, i64::MAX, 0).is_err(), "no overflow");
    }

    #[actix_rt::test]
    async fn checks_beyond_the_limit_wait_then_are_told_to_come_back() {
        let guard = guard();
        let first = guard.turn().await;
        assert!(first.is_ok());
        assert_eq!(guard.turn().await.err(), Some(Refusal::Busy));
        drop(first);
        assert!(guard.turn().await.is_ok(), "its turn once the first is done");
    }

    #[test]
    fn long_names_are_counted_by_their_first_bytes() {
        assert_eq!(key("ops"), "ops");
        let long = "é".repeat(100);
        assert!(key(&long).len() <= NAME_BYTES && long.starts_with(key(&long)));
        assert_eq!(key(&long).len(), NAME_BYTES, "é is 2 bytes: 64 of them");
    }
}
