//! Prometheus metrics. Counters and histograms are updated where things happen (API calls, polls, imports,
//! actor restarts); gauges of servers, tenants, the spool and the database pool are read at scrape time, from
//! the database, so every instance of a shared PostgreSQL reports the same figures.

use std::sync::LazyLock;

use prometheus::{
    Encoder, GaugeVec, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

/// Every metric of the process.
pub struct Metrics {
    registry: Registry,
    pub api_requests: IntCounterVec,
    pub api_duration: HistogramVec,
    pub tenant_requests: IntCounterVec,
    pub poll_duration: HistogramVec,
    pub poll_failures: IntCounterVec,
    pub actor_restarts: IntCounterVec,
    pub actor_in_flight: IntGaugeVec,
    pub recordings_imported: IntCounter,
    pub recordings_failed: IntCounter,
    pub formats_failed: IntCounter,
    pub import_duration: HistogramVec,
    pub server_online: IntGaugeVec,
    pub server_state: IntGaugeVec,
    pub server_load: GaugeVec,
    pub server_forecast_load: GaugeVec,
    pub server_users_in_flight: IntGaugeVec,
    pub server_meetings: IntGaugeVec,
    pub server_users: IntGaugeVec,
    pub server_videos: IntGaugeVec,
    pub tenant_meetings: IntGaugeVec,
    pub tenant_users: IntGaugeVec,
    pub tenant_limit: IntGaugeVec,
    pub tenant_recording_bytes: IntGaugeVec,
    pub tenant_limit_hits: IntCounterVec,
    pub client_limited: IntCounterVec,
    pub client_limit: IntGaugeVec,
    pub spool_backlog: IntGauge,
    pub db_connections: IntGaugeVec,
}

/// Seconds, from a millisecond to a minute.
const LATENCY_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

fn register<T: prometheus::core::Collector + Clone + 'static>(registry: &Registry, metric: T) -> T {
    // Names are fixed and distinct: registering cannot fail; a failure would only leave the metric out.
    if let Err(e) = registry.register(Box::new(metric.clone())) {
        log::error!("metric not registered: {e}");
    }
    metric
}

fn counter(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntCounterVec {
    register(registry, IntCounterVec::new(Opts::new(name, help), labels).unwrap_or_else(|_| unreachable!()))
}

fn gauge(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> IntGaugeVec {
    register(registry, IntGaugeVec::new(Opts::new(name, help), labels).unwrap_or_else(|_| unreachable!()))
}

fn float_gauge(registry: &Registry, name: &str, help: &str) -> GaugeVec {
    register(registry, GaugeVec::new(Opts::new(name, help), &["server"]).unwrap_or_else(|_| unreachable!()))
}

fn histogram(registry: &Registry, name: &str, help: &str, labels: &[&str]) -> HistogramVec {
    let opts = HistogramOpts::new(name, help).buckets(LATENCY_BUCKETS.to_vec());
    register(registry, HistogramVec::new(opts, labels).unwrap_or_else(|_| unreachable!()))
}

impl Metrics {
    fn new() -> Metrics {
        let r = Registry::new();
        let plain_counter = |name: &str, help: &str| {
            register(&r, IntCounter::with_opts(Opts::new(name, help)).unwrap_or_else(|_| unreachable!()))
        };
        Metrics {
            api_requests: counter(
                &r,
                "scalelite_api_requests_total",
                "BBB API calls answered, by call and returncode (FAILED: errors Scalelite answered itself)",
                &["call", "returncode"],
            ),
            api_duration: histogram(
                &r,
                "scalelite_api_request_duration_seconds",
                "Time to answer a BBB API call",
                &["call"],
            ),
            tenant_requests: counter(
                &r,
                "scalelite_tenant_api_requests_total",
                "BBB API calls by tenant (empty: no multitenancy)",
                &["tenant"],
            ),
            poll_duration: histogram(
                &r,
                "scalelite_server_poll_duration_seconds",
                "Time of one poll of a BBB server",
                &["server"],
            ),
            poll_failures: counter(
                &r,
                "scalelite_server_poll_failures_total",
                "Polls of a BBB server that failed",
                &["server"],
            ),
            actor_restarts: counter(
                &r,
                "scalelite_actor_restarts_total",
                "Actors restarted by their supervisor",
                &["actor"],
            ),
            actor_in_flight: gauge(
                &r,
                "scalelite_actor_in_flight",
                "Work under way in an actor (polls, imports)",
                &["actor"],
            ),
            recordings_imported: plain_counter(
                "scalelite_recordings_imported_total",
                "Recordings imported from the spool",
            ),
            recordings_failed: plain_counter(
                "scalelite_recordings_failed_total",
                "Recording tars set aside in failed/",
            ),
            formats_failed: plain_counter(
                "scalelite_recording_formats_failed_total",
                "Playback formats refused while the other formats of their recording were imported",
            ),
            import_duration: histogram(
                &r,
                "scalelite_recording_import_duration_seconds",
                "Time to import one recording tar",
                &["outcome"],
            ),
            server_online: gauge(&r, "scalelite_server_online", "1 if the server answers its polls", &["server"]),
            server_state: gauge(
                &r,
                "scalelite_server_state",
                "1 for the server's administrative state",
                &["server", "state"],
            ),
            server_load: float_gauge(
                &r,
                "scalelite_server_load",
                "The server's load as placement uses it now (users, weighted, multiplier applied)",
            ),
            server_forecast_load: float_gauge(
                &r,
                "scalelite_server_forecast_load",
                "The server's meetings' weights now: measured users, users still expected, weighted streams",
            ),
            server_users_in_flight: gauge(
                &r,
                "scalelite_server_users_in_flight",
                "Joins redirected to the server that no poll has seen yet",
                &["server"],
            ),
            server_meetings: gauge(
                &r,
                "scalelite_server_meetings",
                "Meetings on the server at its last poll",
                &["server"],
            ),
            server_users: gauge(&r, "scalelite_server_users", "Users on the server at its last poll", &["server"]),
            server_videos: gauge(
                &r,
                "scalelite_server_videos",
                "Webcam streams on the server at its last poll",
                &["server"],
            ),
            tenant_meetings: gauge(&r, "scalelite_tenant_meetings", "Meetings Scalelite knows, by tenant", &["tenant"]),
            tenant_users: gauge(
                &r,
                "scalelite_tenant_users",
                "Users of a tenant on a server at its last poll (reported by the leader)",
                &["tenant", "server"],
            ),
            tenant_limit: gauge(
                &r,
                "scalelite_tenant_limit",
                "A tenant's limit: meetings, users, rate (API calls per second over every instance)",
                &["tenant", "limit"],
            ),
            tenant_recording_bytes: gauge(
                &r,
                "scalelite_tenant_recording_bytes",
                "Bytes of a tenant's recordings' formats, by where they are (listed, trash)",
                &["tenant", "where"],
            ),
            tenant_limit_hits: counter(
                &r,
                "scalelite_tenant_limit_hits_total",
                "Calls refused because the tenant reached a limit (meetings, users, rate), by tenant",
                &["tenant", "limit"],
            ),
            client_limited: counter(
                &r,
                "scalelite_client_limited_total",
                "Calls refused to one client address: rate (its own limit) or checksum (back-off after failures)",
                &["reason"],
            ),
            client_limit: gauge(
                &r,
                "scalelite_client_limit",
                "Per client address: rate (API calls per second over every instance), checksum_failures (a minute, \
                 before a back-off); 0: off",
                &["limit"],
            ),
            spool_backlog: register(
                &r,
                IntGauge::with_opts(Opts::new(
                    "scalelite_recordings_spool_backlog",
                    "Recording tars waiting in the spool",
                ))
                .unwrap_or_else(|_| unreachable!()),
            ),
            db_connections: gauge(
                &r,
                "scalelite_db_pool_connections",
                "Database connections of this instance, by state (idle, in_use, max)",
                &["state"],
            ),
            registry: r,
        }
    }

    /// The text exposition of every metric.
    pub fn render(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = TextEncoder::new().encode(&self.registry.gather(), &mut out) {
            log::error!("metrics not rendered: {e}");
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

/// The metrics of this process.
pub static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
