//! What keeps one front-end from starving the others: token buckets per tenant and per client address, and a
//! back-off for addresses that keep failing the checksum. Each instance keeps its own buckets and allows its share
//! of a limit (the limit over the instances counted on the database: [`crate::db::leader`]): no database write per
//! call, and the pool as a whole allows about the limit as long as a load balancer in front spreads the calls.

pub mod backoff;
pub mod bucket;
pub mod sign_in;

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::bbb::xml;
use crate::config::limits::Limits;
use crate::error::Failed;
use crate::metrics::METRICS;
use backoff::Backoff;
use bucket::TokenBucket;

/// The most entries of one map; past it, those idle for a minute are dropped (a full bucket is as good as none),
/// and if that is not enough, all of them.
const MAX_ENTRIES: usize = 100_000;
const IDLE: Duration = Duration::from_secs(60);

/// A burst is this many seconds of an instance's share.
const BURST_SECONDS: f64 = 2.0;

/// A call refused for its rate: HTTP 429 with `Retry-After`, and a BBB error document.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Throttled {
    pub message: &'static str,
    pub retry_after: Duration,
}

impl ResponseError for Throttled {
    fn status_code(&self) -> StatusCode {
        StatusCode::TOO_MANY_REQUESTS
    }

    fn error_response(&self) -> HttpResponse {
        let seconds = self.retry_after.as_secs_f64().ceil().max(1.0) as u64;
        let mut response = HttpResponse::TooManyRequests()
            .content_type(xml::CONTENT_TYPE)
            .insert_header(("Retry-After", seconds.to_string()))
            .insert_header(("Cache-Control", "no-cache"))
            .body(xml::error_document("tooManyRequests", self.message));
        response.extensions_mut().insert(Failed);
        response
    }
}

/// Takes a token from the bucket of `key`, making room in the map if it is full.
fn take<K: Eq + Hash + Clone>(
    map: &Mutex<HashMap<K, TokenBucket>>,
    key: &K,
    rate: f64,
    now: Instant,
) -> Result<(), Duration> {
    let burst = (rate * BURST_SECONDS).max(1.0);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if !map.contains_key(key) && map.len() >= MAX_ENTRIES {
        map.retain(|_, b| now.saturating_duration_since(b.used_at()) < IDLE);
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
    }
    map.entry(key.clone()).or_insert_with(|| TokenBucket::full(burst, now)).take(rate, burst, now)
}

/// The buckets and back-offs of this instance.
pub struct Limiter {
    limits: Limits,
    tenants: Mutex<HashMap<String, TokenBucket>>,
    clients: Mutex<HashMap<IpAddr, TokenBucket>>,
    failures: Mutex<HashMap<IpAddr, Backoff>>,
}

impl Limiter {
    pub fn new(limits: Limits) -> Limiter {
        Limiter { limits, tenants: Mutex::default(), clients: Mutex::default(), failures: Mutex::default() }
    }

    /// Refuses a call from an address that is backed off or past its rate.
    pub fn check_client(&self, address: IpAddr, instances: u32) -> Result<(), Throttled> {
        let now = Instant::now();
        if self.limits.checksum_failures > 0 {
            let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(wait) = failures.get(&address).and_then(|b| b.blocked(now)) {
                METRICS.client_limited.with_label_values(&["checksum"]).inc();
                let message = "Too many calls from this address failed the checksum: wait before calling again.";
                return Err(Throttled { message, retry_after: wait });
            }
        }
        if self.limits.client_rate > 0 {
            let rate = f64::from(self.limits.client_rate) / f64::from(instances.max(1));
            if let Err(wait) = take(&self.clients, &address, rate, now) {
                METRICS.client_limited.with_label_values(&["rate"]).inc();
                let message = "Too many calls from this address: slow down.";
                return Err(Throttled { message, retry_after: wait });
            }
        }
        Ok(())
    }

    /// Refuses a tenant's call past its rate (its own limit, else `TENANT_RATE_LIMIT`).
    pub fn check_tenant(&self, tenant: &str, own_limit: Option<u32>, instances: u32) -> Result<(), Throttled> {
        let limit = own_limit.unwrap_or(self.limits.tenant_rate);
        if limit == 0 {
            return Ok(());
        }
        let rate = f64::from(limit) / f64::from(instances.max(1));
        take(&self.tenants, &tenant.to_string(), rate, Instant::now()).map_err(|wait| {
            METRICS.tenant_limit_hits.with_label_values(&[tenant, "rate"]).inc();
            Throttled { message: "Too many calls for this tenant: slow down.", retry_after: wait }
        })
    }

    /// Counts a checksum failure of an address.
    pub fn checksum_failed(&self, address: IpAddr) {
        let limit = self.limits.checksum_failures;
        if limit == 0 {
            return;
        }
        let now = Instant::now();
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if !failures.contains_key(&address) && failures.len() >= MAX_ENTRIES {
            failures.retain(|_, b| now.saturating_duration_since(b.last_seen()) < IDLE);
            if failures.len() >= MAX_ENTRIES {
                failures.clear();
            }
        }
        failures.entry(address).or_insert_with(|| Backoff::new(now)).failed(limit, now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(tenant_rate: u32, client_rate: u32, checksum_failures: u32) -> Limits {
        Limits { tenant_rate, client_rate, checksum_failures, usage_sample_interval: Duration::from_secs(10) }
    }

    #[test]
    fn tenants_are_limited_apart_and_share_the_limit_between_instances() {
        let limiter = Limiter::new(limits(10, 0, 0));
        let allowed = |tenant: &str, own, instances| {
            (0..1000).filter(|_| limiter.check_tenant(tenant, own, instances).is_ok()).count()
        };
        assert_eq!(allowed("a", None, 1), 20, "a burst of two seconds of 10/s");
        assert_eq!(allowed("b", None, 1), 20, "another tenant has its own bucket");
        assert_eq!(allowed("c", None, 2), 10, "two instances: half each");
        assert_eq!(allowed("d", Some(100), 1), 200, "a tenant's own limit");
        assert_eq!(allowed("e", Some(0), 1), 1000, "its own 0: no limit");
    }

    #[test]
    fn clients_are_limited_and_backed_off() {
        let limiter = Limiter::new(limits(0, 5, 2));
        let (one, two): (IpAddr, IpAddr) = ("192.0.2.1".parse().unwrap(), "192.0.2.2".parse().unwrap());
        assert_eq!((0..100).filter(|_| limiter.check_client(one, 1).is_ok()).count(), 10);
        assert!(limiter.check_client(two, 1).is_ok());
        for _ in 0..3 {
            limiter.checksum_failed(two);
        }
        let refused = limiter.check_client(two, 1).unwrap_err();
        assert!(refused.message.contains("checksum"), "{refused}");
        assert_eq!(refused.error_response().status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.error_response().headers().get("Retry-After").unwrap(), "1");
    }

    #[test]
    fn the_maps_stay_bounded() {
        let limiter = Limiter::new(limits(1, 0, 0));
        for i in 0..(MAX_ENTRIES + 10) {
            let _ = limiter.check_tenant(&i.to_string(), None, 1);
        }
        assert!(limiter.tenants.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
