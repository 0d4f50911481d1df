//! Rate limits (issue 13, point 5): a burst of 10,000 calls from one tenant beyond its limit is refused (HTTP 429,
//! BBB's `FAILED` with `tooManyRequests`, `Retry-After`) while another tenant's calls in the same moment succeed;
//! per client address (behind a local proxy, by `X-Forwarded-For`); a back-off for an address that keeps failing
//! the checksum; and the limit shared by the instances on one PostgreSQL (each allows its share).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{bbb_query, connect, send, Backend, Reply, TestApp};
use futures_util::StreamExt;
use scalelite::admin::tenants::{self, TenantUpdate};

async fn call(app: &TestApp, tenant: &str, client: Option<&str>, secret: &str) -> Reply {
    let query = bbb_query("isMeetingRunning", &[("meetingID", "m")], secret);
    let mut request = app.client.get(app.url(&format!("/{tenant}/bigbluebutton/api/isMeetingRunning?{query}")));
    if let Some(client) = client {
        request = request.insert_header(("X-Forwarded-For", client));
    }
    send(request, None).await
}

fn add_tenant(app: &TestApp, name: &str, rate_limit: Option<i32>) {
    let mut conn = connect(&app.db);
    let tenant = tenants::add(&mut conn, name, &format!("{name}-secret")).unwrap();
    tenants::update(&mut conn, &tenant.id, TenantUpdate { rate_limit: Some(rate_limit), ..Default::default() })
        .unwrap();
}

fn throttled(reply: &Reply) -> bool {
    reply.status == 429 && reply.xml("messageKey").as_deref() == Some("tooManyRequests")
}

async fn a_burst_from_one_tenant_slows_only_that_tenant(backend: Backend) {
    let suffix = if backend == Backend::Sqlite { "s" } else { "p" };
    let (noisy, quiet) = (format!("noisy-{suffix}"), format!("quiet-{suffix}"));
    let app = TestApp::new(backend).envs(&[("MULTITENANCY_ENABLED", "true")]).start().await;
    add_tenant(&app, &noisy, Some(100));
    add_tenant(&app, &quiet, None);
    app.reload().await;

    let started = Instant::now();
    let secret = format!("{noisy}-secret");
    let burst = futures_util::stream::iter(0..10_000)
        .map(|_| call(&app, &noisy, None, &secret))
        .buffer_unordered(32)
        .collect::<Vec<Reply>>();
    let quiet_secret = format!("{quiet}-secret");
    let others = async {
        let mut answered = Vec::new();
        for _ in 0..20 {
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
            let reply = call(&app, &quiet, None, &quiet_secret).await;
            answered.push((reply, Instant::now()));
        }
        answered
    };
    let (noisy_replies, quiet_replies) = futures_util::future::join(burst, others).await;
    let elapsed = started.elapsed();
    let burst_end = started + elapsed;

    let allowed = noisy_replies.iter().filter(|r| r.status == 200 && r.xml("returncode").as_deref() == Some("SUCCESS"));
    let allowed = allowed.count();
    let refused: Vec<&Reply> = noisy_replies.iter().filter(|r| throttled(r)).collect();
    assert_eq!(allowed + refused.len(), 10_000, "every call is answered or refused, nothing else");
    let most = 200.0 + 100.0 * elapsed.as_secs_f64() + 5.0;
    assert!((allowed as f64) <= most, "{allowed} allowed in {elapsed:?}: the limit is 100/s with a burst of 200");
    assert!(allowed >= 200, "the burst is allowed: {allowed}");
    assert!(refused[0].body.contains("Too many calls for this tenant"), "{}", refused[0].body);
    for (reply, at) in &quiet_replies {
        assert_eq!((reply.status, reply.xml("returncode").as_deref()), (200, Some("SUCCESS")), "{}", reply.body);
        assert!(*at <= burst_end);
    }
    eprintln!("burst: {allowed} allowed, {} refused in {elapsed:?}; the other tenant: 20 of 20", refused.len());
    let during = quiet_replies.iter().filter(|(_, at)| at.duration_since(started) < elapsed / 2).count();
    assert!(during > 0, "the other tenant was answered while the burst went on ({elapsed:?})");

    let metrics = send(app.client.get(app.url("/metrics")), None).await.body;
    let hits = format!(r#"scalelite_tenant_limit_hits_total{{limit="rate",tenant="{noisy}"}} {}"#, refused.len());
    assert!(metrics.contains(&hits), "{hits} not in the metrics");
    assert!(metrics.contains(&format!(r#"scalelite_tenant_limit{{limit="rate",tenant="{noisy}"}} 100"#)));
    app.stop().await;
}

async fn clients_are_limited_by_address_and_backed_off_after_checksum_failures(backend: Backend) {
    let app = TestApp::new(backend)
        .envs(&[("MULTITENANCY_ENABLED", "true"), ("CLIENT_RATE_LIMIT", "10"), ("CHECKSUM_FAILURE_LIMIT", "3")])
        .start()
        .await;
    add_tenant(&app, "shared", None);
    app.reload().await;
    let (greedy, polite, careless) = (Some("198.51.100.1"), Some("198.51.100.2"), Some("6.6.6.6, 198.51.100.3"));
    let mut greedy_allowed = 0;
    for _ in 0..100 {
        let reply = call(&app, "shared", greedy, "shared-secret").await;
        if throttled(&reply) {
            assert!(reply.body.contains("from this address"), "{}", reply.body);
        } else {
            greedy_allowed += 1;
        }
    }
    assert!((20..=25).contains(&greedy_allowed), "a burst of 2 s at 10/s: {greedy_allowed}");
    assert_eq!(call(&app, "shared", polite, "shared-secret").await.status, 200, "another address has its own bucket");

    for _ in 0..4 {
        let wrong = call(&app, "shared", careless, "wrong-secret").await;
        assert_eq!(wrong.xml("messageKey").as_deref(), Some("checksumError"));
    }
    let backed_off = call(&app, "shared", careless, "shared-secret").await;
    assert!(throttled(&backed_off), "{} {}", backed_off.status, backed_off.body);
    assert!(backed_off.body.contains("checksum"), "{}", backed_off.body);
    assert_eq!(call(&app, "shared", polite, "shared-secret").await.status, 200);
    actix_web::rt::time::sleep(Duration::from_millis(1_100)).await;
    let again = call(&app, "shared", careless, "shared-secret").await;
    assert_eq!(again.status, 200, "the first back-off lasts a second: {}", again.body);
    let metrics = send(app.client.get(app.url("/metrics")), None).await.body;
    for line in [r#"scalelite_client_limit{limit="rate"} 10"#, r#"scalelite_client_limit{limit="checksum_failures"} 3"#]
    {
        assert!(metrics.contains(line), "{line} not in the metrics");
    }
    for reason in ["rate", "checksum"] {
        assert!(metrics.contains(&format!(r#"scalelite_client_limited_total{{reason="{reason}"}}"#)), "{reason}");
    }
    app.stop().await;
}

/// Two instances on one PostgreSQL each allow half the limit; a lone instance (SQLite) all of it.
async fn the_instances_share_a_limit(backend: Backend) {
    let suffix = if backend == Backend::Sqlite { "s" } else { "p" };
    let name = format!("split-{suffix}");
    let first = TestApp::new(backend).envs(&[("MULTITENANCY_ENABLED", "true")]).start().await;
    add_tenant(&first, &name, Some(20));
    let second = match backend {
        Backend::Postgres => {
            Some(TestApp::on(first.db.share()).envs(&[("MULTITENANCY_ENABLED", "true")]).start().await)
        }
        Backend::Sqlite => None,
    };
    let expected = if second.is_some() { 2 } else { 1 };
    let deadline = Instant::now() + Duration::from_secs(10);
    let apps: Vec<&TestApp> = std::iter::once(&first).chain(second.as_ref()).collect();
    while apps.iter().any(|a| a.state.leadership.instances() != expected) {
        assert!(Instant::now() < deadline, "the instances were not counted");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    for app in &apps {
        app.reload().await;
    }
    let secret = format!("{name}-secret");
    for app in &apps {
        let mut allowed = 0;
        for _ in 0..100 {
            if call(app, &name, None, &secret).await.status == 200 {
                allowed += 1;
            }
        }
        let share = 40 / expected;
        assert!((share..=share + 3).contains(&allowed), "{allowed} allowed, a 2 s burst of 20/s over {expected}");
    }
    if let Some(second) = second {
        second.stop().await;
    }
    first.stop().await;
}

on_both_backends!(
    a_burst_from_one_tenant_slows_only_that_tenant,
    clients_are_limited_by_address_and_backed_off_after_checksum_failures,
    the_instances_share_a_limit
);
