//! Tenants as customers (issue 13, point 3): a tenant at its meeting limit or its user limit gets the documented
//! BBB error on create, while its running meetings and other tenants go on; the limit holds with creates sent at
//! once to two instances sharing PostgreSQL; limit hits and limits are in `/metrics`; limits are set by the CLI
//! and the admin API; a disabled tenant's calls fail clearly and its meetings are left alone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::pool::FakePool;
use common::{bbb_query, cli_with, connect, ok, send, Backend, Reply, TestApp};
use scalelite::admin::tenants::{self, TenantUpdate};

const MULTITENANT: [(&str, &str); 1] = [("MULTITENANCY_ENABLED", "true")];

async fn call(app: &TestApp, tenant: &str, name: &str, params: &[(&str, &str)]) -> Reply {
    let query = bbb_query(name, params, &format!("{tenant}-secret"));
    send(app.client.get(app.url(&format!("/{tenant}/bigbluebutton/api/{name}?{query}"))), None).await
}

async fn create(app: &TestApp, tenant: &str, meeting: &str) -> Reply {
    call(app, tenant, "create", &[("name", meeting), ("meetingID", meeting)]).await
}

fn returncode(reply: &Reply) -> (String, Option<String>) {
    (reply.xml("returncode").unwrap_or_default(), reply.xml("messageKey"))
}

fn limit(conn: &mut scalelite::db::DbConnection, name: &str, max_meetings: Option<i32>, max_users: Option<i32>) {
    let tenant = tenants::get_by_name_or_id(conn, name).unwrap();
    let change = TenantUpdate { max_meetings: Some(max_meetings), max_users: Some(max_users), ..Default::default() };
    tenants::update(conn, &tenant.id, change).unwrap();
}

async fn a_tenant_at_its_limit_is_refused_and_the_others_are_not(backend: Backend) {
    // Names of their own: the metrics are the process's, and the other backend's test runs beside this one.
    let suffix = if backend == Backend::Sqlite { "s" } else { "p" };
    let (small, crowded, free) =
        (&*format!("small-{suffix}"), &*format!("crowded-{suffix}"), &*format!("free-{suffix}"));
    let app = TestApp::new(backend).envs(&MULTITENANT).start().await;
    let _pool = FakePool::untagged(&app, 2).await;
    let mut conn = connect(&app.db);
    for name in [small, crowded, free] {
        tenants::add(&mut conn, name, &format!("{name}-secret")).unwrap();
    }
    limit(&mut conn, small, Some(2), None);
    limit(&mut conn, crowded, None, Some(10));
    app.reload().await;

    // The meeting limit: two meetings, not three; the same meeting again is no new meeting.
    for meeting in ["m1", "m2"] {
        assert_eq!(returncode(&create(&app, small, meeting).await).0, "SUCCESS");
    }
    let refused = create(&app, small, "m3").await;
    assert_eq!(returncode(&refused), ("FAILED".into(), Some("maxMeetingsReached".into())), "{}", refused.body);
    assert!(refused.xml("message").unwrap().contains("limit of 2 concurrent meetings"), "{}", refused.body);
    assert_eq!(returncode(&create(&app, small, "m1").await).0, "SUCCESS", "a running meeting is created again");
    for meeting in ["a", "b", "c", "d"] {
        assert_eq!(returncode(&create(&app, free, meeting).await).0, "SUCCESS", "another tenant is unaffected");
    }
    // Ending a meeting (its server calls Scalelite's meetingEndedURL) frees its place at once.
    let end = call(&app, small, "end", &[("meetingID", "m1")]).await;
    assert_eq!(returncode(&end).0, "SUCCESS", "{}", end.body);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let again = create(&app, small, "m3").await;
        if returncode(&again).0 == "SUCCESS" {
            break;
        }
        assert!(Instant::now() < deadline, "the ended meeting still counts: {}", again.body);
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }

    // The user limit (soft): users joining a running meeting count; past the limit, no new meeting.
    assert_eq!(returncode(&create(&app, crowded, "class1").await).0, "SUCCESS");
    for i in 0..10 {
        let name = format!("student{i}");
        let params = [("meetingID", "class1"), ("fullName", name.as_str()), ("role", "VIEWER")];
        let joined = call(&app, crowded, "join", &params).await;
        assert_eq!(joined.status, 302, "{}", joined.body);
        assert!(joined.location().contains("/join?"), "{}", joined.location());
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    let refused = loop {
        let reply = create(&app, crowded, "class2").await;
        if returncode(&reply).0 == "FAILED" {
            break reply;
        }
        // Counted a second at most after the joins (the leader writes them each second): until then, class2 starts.
        call(&app, crowded, "end", &[("meetingID", "class2")]).await;
        assert!(Instant::now() < deadline, "the joins were not counted");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(returncode(&refused).1.as_deref(), Some("maxUsersReached"), "{}", refused.body);
    let info = call(&app, crowded, "getMeetingInfo", &[("meetingID", "class1")]).await;
    assert_eq!(returncode(&info).0, "SUCCESS", "its running meeting goes on");
    assert_eq!(returncode(&create(&app, free, "e").await).0, "SUCCESS");

    // /metrics: the hits, by tenant and limit, and the limits.
    let metrics = send(app.client.get(app.url("/metrics")), None).await.body;
    for expected in [
        format!(r#"scalelite_tenant_limit_hits_total{{limit="meetings",tenant="{small}"}} 1"#),
        format!(r#"scalelite_tenant_limit_hits_total{{limit="users",tenant="{crowded}"}} 1"#),
        format!(r#"scalelite_tenant_limit{{limit="meetings",tenant="{small}"}} 2"#),
        format!(r#"scalelite_tenant_limit{{limit="users",tenant="{crowded}"}} 10"#),
    ] {
        assert!(metrics.contains(&expected), "{expected} not in {metrics}");
    }
    let unlimited = format!(r#"scalelite_tenant_limit{{limit="meetings",tenant="{free}"}}"#);
    assert!(!metrics.contains(&unlimited), "no limit, no gauge");
    app.stop().await;
}

/// Creates sent at once, to two instances on PostgreSQL (to one on SQLite): the limit holds exactly.
async fn the_meeting_limit_holds_under_concurrent_creates(backend: Backend) {
    let first = TestApp::new(backend).envs(&MULTITENANT).start().await;
    let _pool = FakePool::untagged(&first, 2).await;
    let mut conn = connect(&first.db);
    tenants::add(&mut conn, "busy", "busy-secret").unwrap();
    limit(&mut conn, "busy", Some(5), None);
    let second = match backend {
        Backend::Postgres => Some(TestApp::on(first.db.share()).envs(&MULTITENANT).start().await),
        Backend::Sqlite => None,
    };
    first.reload().await;
    if let Some(second) = &second {
        second.reload().await;
    }
    let apps: Vec<&TestApp> = std::iter::once(&first).chain(second.as_ref()).collect();
    let names: Vec<String> = (0..24).map(|i| format!("room{i}")).collect();
    let creates = names.iter().enumerate().map(|(i, name)| create(apps[i % apps.len()], "busy", name));
    let replies = futures_util::future::join_all(creates).await;
    let codes: Vec<(String, Option<String>)> = replies.iter().map(returncode).collect();
    let created = codes.iter().filter(|(code, _)| code == "SUCCESS").count();
    let refused = codes.iter().filter(|(_, key)| key.as_deref() == Some("maxMeetingsReached")).count();
    assert_eq!((created, refused), (5, 19), "{codes:?}");
    let rows = scalelite::db::models::meeting::Meeting::all(&mut connect(&first.db)).unwrap();
    assert_eq!(rows.len(), 5);
    if let Some(second) = second {
        second.stop().await;
    }
    first.stop().await;
}

/// The CLI and the admin API set and show the limits (`none`/null removes one).
async fn limits_are_set_by_the_cli_and_the_admin_api(backend: Backend) {
    let app = TestApp::new(backend).envs(&MULTITENANT).start().await;
    tenants::add(&mut connect(&app.db), "acme", "acme-secret").unwrap();
    let env = [("MULTITENANCY_ENABLED", "true")];
    let shown =
        ok(cli_with(&app.db, &env, &["tenants", "limits", "acme", "--max-meetings", "3", "--rate-limit", "50"]));
    assert_eq!(shown, "max_meetings: 3\nmax_users: none\nrate_limit: 50\n");
    let bad = cli_with(&app.db, &env, &["tenants", "limits", "acme", "--max-users", "lots"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--max-users must be a whole number"));
    let tenant = tenants::get_by_name_or_id(&mut connect(&app.db), "acme").unwrap();
    let body = serde_json::json!({"id": tenant.id, "tenant": {"max_users": 200, "max_meetings": null}});
    let updated = app.admin_post("updateTenant", &body).await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let json = updated.json();
    assert_eq!(
        (&json["tenant"]["max_meetings"], &json["tenant"]["max_users"], &json["tenant"]["rate_limit"]),
        (&serde_json::Value::Null, &serde_json::json!(200), &serde_json::json!(50))
    );
    let wrong =
        app.admin_post("updateTenant", &serde_json::json!({"id": tenant.id, "tenant": {"max_users": "many"}})).await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    let listed = ok(cli_with(&app.db, &env, &["tenants", "limits", "acme"]));
    assert_eq!(listed, "max_meetings: none\nmax_users: 200\nrate_limit: 50\n");
    app.stop().await;
}

/// A disabled tenant's calls fail clearly, and its running meetings are left alone: on their servers, in the
/// database, through a poll; enabled again, the tenant finds them.
async fn a_disabled_tenants_meetings_are_left_alone(backend: Backend) {
    let app = TestApp::new(backend).envs(&MULTITENANT).start().await;
    let pool = FakePool::untagged(&app, 1).await;
    let tenant = tenants::add(&mut connect(&app.db), "paused", "paused-secret").unwrap();
    app.reload().await;
    assert_eq!(returncode(&create(&app, "paused", "lecture").await).0, "SUCCESS");
    let off = TenantUpdate { enabled: Some(false), ..Default::default() };
    tenants::update(&mut connect(&app.db), &tenant.id, off).unwrap();
    app.reload().await;
    for name in ["getMeetingInfo", "end", "create", "join"] {
        let reply = call(&app, "paused", name, &[("meetingID", "lecture"), ("name", "x"), ("fullName", "x")]).await;
        assert_eq!(returncode(&reply), ("FAILED".into(), Some("tenantDisabled".into())), "{name}: {}", reply.body);
    }
    app.poll_all().await;
    assert_eq!(pool.servers[0].meeting_count(), 1, "nothing was ended on its server");
    let rows = scalelite::db::models::meeting::Meeting::all(&mut connect(&app.db)).unwrap();
    assert_eq!(rows.len(), 1, "nor forgotten");
    let on = TenantUpdate { enabled: Some(true), ..Default::default() };
    tenants::update(&mut connect(&app.db), &tenant.id, on).unwrap();
    app.reload().await;
    let info = call(&app, "paused", "getMeetingInfo", &[("meetingID", "lecture")]).await;
    assert_eq!(returncode(&info).0, "SUCCESS", "{}", info.body);
    app.stop().await;
}

on_both_backends!(
    a_disabled_tenants_meetings_are_left_alone,
    a_tenant_at_its_limit_is_refused_and_the_others_are_not,
    the_meeting_limit_holds_under_concurrent_creates,
    limits_are_set_by_the_cli_and_the_admin_api
);
