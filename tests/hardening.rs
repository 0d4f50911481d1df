//! Scalelite against hostile BBB servers and requests: deep, stalled, dripping and endless answers are failed
//! polls and BBB errors within RESPONSE_TIMEOUT; a signed query carries no unsigned body; the empty-string
//! form signature is off unless asked for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::pool::FakePool;
use common::{bbb_query, send, sign, Backend, TestApp, SECRET};
use fake_bbb::Mode;
use scalelite::admin::servers;
use scalelite::bbb::checksum::Algorithm;

const FORM: &str = "application/x-www-form-urlencoded";

async fn create(app: &TestApp, meeting_id: &str) -> common::Reply {
    app.bbb("create", &[("name", "Room"), ("meetingID", meeting_id), ("moderatorPW", &format!("mp-{meeting_id}"))])
        .await
}

fn online(app: &TestApp, id: &str) -> bool {
    servers::get(&mut common::connect(&app.db), id).unwrap().online
}

async fn hostile_servers_are_failed_polls_and_bbb_errors(backend: Backend) {
    let app = TestApp::new(backend).env("RESPONSE_TIMEOUT", "1").env("CONNECT_TIMEOUT", "1").start().await;
    let pool = FakePool::untagged(&app, 1).await;
    for mode in [Mode::Deep, Mode::Stall, Mode::Drip, Mode::Endless] {
        assert_eq!(create(&app, "m").await.xml("returncode").as_deref(), Some("SUCCESS"), "{mode:?}");
        pool.servers[0].set_mode(mode);
        for call in ["getMeetingInfo", "isMeetingRunning"] {
            let started = Instant::now();
            let reply = app.bbb(call, &[("meetingID", "m")]).await;
            assert!(started.elapsed() < Duration::from_millis(2500), "{mode:?} {call}: {:?}", started.elapsed());
            assert_eq!(reply.xml("messageKey").as_deref(), Some("internalError"), "{mode:?} {call}: {}", reply.body);
        }
        let started = Instant::now();
        let listed = app.bbb("getMeetings", &[]).await;
        assert!(started.elapsed() < Duration::from_millis(2500), "{mode:?} getMeetings: {:?}", started.elapsed());
        assert_eq!(listed.xml("messageKey").as_deref(), Some("noMeetings"), "{mode:?}: {}", listed.body);
        // SERVER_UNHEALTHY_THRESHOLD is 2: two failed polls and the server is offline.
        app.poll_all().await;
        app.poll_all().await;
        assert!(!online(&app, "bbb0"), "{mode:?}: a server that answers like this is offline");
        pool.servers[0].set_mode(Mode::Normal);
        app.poll_all().await;
        assert!(online(&app, "bbb0"), "{mode:?}: back online once it answers");
    }
    app.stop().await;
}

async fn signed_queries_carry_no_unsigned_body(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 1).await;
    assert_eq!(create(&app, "other").await.xml("returncode").as_deref(), Some("SUCCESS"));

    // The query signs meetingID=a; the body's meetingID=b is not signed and must not win.
    let query = bbb_query("create", &[("meetingID", "a"), ("name", "x")], SECRET);
    let request = app.client.post(app.url(&format!("/bigbluebutton/api/create?{query}")));
    let reply = send(request, Some((FORM, "meetingID=b&moderatorPW=chosen"))).await;
    assert_eq!(reply.xml("meetingID").as_deref(), Some("a"), "{}", reply.body);
    assert!(pool.holder("a").is_some() && pool.holder("b").is_none(), "{:?}", pool.counts());
    let created = pool.servers[0].state().meetings["a"].create_params.clone();
    assert!(!created.iter().any(|(k, v)| k == "moderatorPW" && v == "chosen"), "{created:?}");

    // A signed getMeetingInfo of one room, with another room's ID in the body: the signed room answers.
    let query = bbb_query("getMeetingInfo", &[("meetingID", "a")], SECRET);
    let request = app.client.post(app.url(&format!("/bigbluebutton/api/getMeetingInfo?{query}")));
    let reply = send(request, Some((FORM, "meetingID=other"))).await;
    assert_eq!(reply.xml("meetingID").as_deref(), Some("a"), "{}", reply.body);
    assert!(!reply.body.contains("mp-other"), "another room's moderator password leaked: {}", reply.body);
    app.stop().await;
}

async fn the_empty_string_signs_no_body_unless_allowed(backend: Backend) {
    let body = |meeting_id: &str| {
        format!("meetingID={meeting_id}&checksum={}", sign(Algorithm::Sha256, "getMeetingInfo", "", "", SECRET))
    };
    let db = common::TestDb::new(backend);
    let app = TestApp::on(db.share()).start().await;
    let _pool = FakePool::untagged(&app, 1).await;
    create(&app, "m").await;
    let request = app.client.post(app.url("/bigbluebutton/api/getMeetingInfo"));
    let reply = send(request, Some((FORM, &body("m")))).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("checksumError"), "{}", reply.body);
    // The body-signed form still works.
    let signed =
        format!("meetingID=m&checksum={}", sign(Algorithm::Sha256, "getMeetingInfo", "meetingID=m", "", SECRET));
    let reply = send(app.client.post(app.url("/bigbluebutton/api/getMeetingInfo")), Some((FORM, &signed))).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    app.stop().await;

    let app = TestApp::on(db.share()).env("CHECKSUM_EMPTY_FORM_ALLOWED", "true").start().await;
    app.poll_all().await;
    let request = app.client.post(app.url("/bigbluebutton/api/getMeetingInfo"));
    let reply = send(request, Some((FORM, &body("m")))).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "opted in: {}", reply.body);
    app.stop().await;
}

async fn tenants_by_any_host_case_leftovers_and_ends_by_bbb_id(backend: Backend) {
    let app = TestApp::new(backend).env("MULTITENANCY_ENABLED", "true").start().await;
    let pool = FakePool::untagged(&app, 1).await;
    let old = scalelite::admin::tenants::add(&mut common::connect(&app.db), "t1", "secret-t1").unwrap();
    app.reload().await;
    let call = |host: &'static str, name: &'static str, meeting_id: &'static str| {
        let query = bbb_query(name, &[("name", "x"), ("meetingID", meeting_id)], "secret-t1");
        let request =
            app.client.get(app.url(&format!("/bigbluebutton/api/{name}?{query}"))).insert_header(("Host", host));
        send(request, None)
    };
    // Host names are case-insensitive: the tenant's label in any case names it.
    let created = call("T1.SL.Example.COM", "create", "class").await;
    assert_eq!(created.xml("meetingID").as_deref(), Some("class"), "{}", created.body);
    let info = call("t1.sl.example.com", "getMeetingInfo", "class").await;
    assert_eq!(info.xml("returncode").as_deref(), Some("SUCCESS"), "{}", info.body);
    assert!(pool.holder("t1~class").is_some());

    // The tenant is removed and added again (a new id): its old meeting row is a leftover holding the BBB ID
    // (the meeting itself ended on its server, which the next poll would notice).
    pool.servers[0].state().meetings.remove("t1~class");
    scalelite::admin::tenants::remove(&mut common::connect(&app.db), &old.id).unwrap();
    scalelite::admin::tenants::add(&mut common::connect(&app.db), "t1", "secret-t1").unwrap();
    app.reload().await;
    let started = Instant::now();
    let again = call("t1.sl.example.com", "create", "class").await;
    assert_eq!(again.xml("returncode").as_deref(), Some("SUCCESS"), "{}", again.body);
    assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
    assert_eq!(common::meetings_on(&app.db, "bbb0"), 1, "the leftover row is replaced");

    // A panic forgets the server's meetings and ends them by the ID the BBB server knows.
    let body = serde_json::json!({"id": "bbb0", "keep_state": true}).to_string();
    let sum = sign(Algorithm::Sha256, "panicServer", "", &body, SECRET);
    let request = app.client.post(app.url(&format!("/scalelite/api/panicServer?checksum={sum}")));
    let reply = send(request, Some(("application/json", &body))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let ends: Vec<String> =
        pool.servers[0].state().calls.iter().filter(|(c, _)| c == "end").map(|(_, q)| q.clone()).collect();
    assert!(ends.iter().any(|q| q.starts_with("meetingID=t1%7Eclass&")), "{ends:?}");
    assert!(pool.holder("t1~class").is_none(), "the BBB server ended the meeting");
    app.stop().await;
}

async fn a_cordon_takes_effect_when_the_command_returns(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 2).await;
    // As `scalelite servers cordon bbb0` does, from another process: the running instance is not told.
    servers::set_state(&mut common::connect(&app.db), "bbb0", scalelite::db::models::server::ServerState::Cordoned)
        .unwrap();
    let app = &app;
    let creates = (0..20).map(|i| async move { create(app, &format!("m{i}")).await });
    for reply in futures_util::future::join_all(creates).await {
        assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    }
    assert_eq!(pool.counts(), [0, 20]);
}

async fn a_slow_request_body_is_cut_off(backend: Backend) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::new(backend).env("REQUEST_BODY_TIMEOUT", "1").start().await;
    let address = app.base.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for path in ["/bigbluebutton/api/create", "/scalelite/api/addServer"] {
        let mut stream = actix_web::rt::net::TcpStream::connect(&address).await.unwrap();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: 100000\r\n\r\nmeetingID=a"
        );
        stream.write_all(head.as_bytes()).await.unwrap();
        slow.push(stream);
    }
    let started = Instant::now();
    let mut answers = Vec::new();
    for stream in &mut slow {
        let mut answer = vec![0u8; 4096];
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut answer)).await;
        let n = read.expect("an answer within the body timeout").unwrap();
        answers.push(String::from_utf8_lossy(&answer[..n]).into_owned());
    }
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(answers[0].starts_with("HTTP/1.1 200") && answers[0].contains("requestTimeout"), "{}", answers[0]);
    assert!(answers[1].starts_with("HTTP/1.1 408"), "{}", answers[1]);
    app.stop().await;
}

async fn a_tenant_added_by_another_process_is_served_at_once(backend: Backend) {
    let app = TestApp::new(backend).env("MULTITENANCY_ENABLED", "true").start().await;
    let _pool = FakePool::untagged(&app, 1).await;
    // As `scalelite tenants add` does, from another process: the running instance is not told.
    scalelite::admin::tenants::add(&mut common::connect(&app.db), "Fresh", "secret-fresh").unwrap();
    let query = bbb_query("create", &[("name", "x"), ("meetingID", "m")], "secret-fresh");
    let request =
        app.client.get(app.url(&format!("/bigbluebutton/api/create?{query}"))).insert_header(("Host", "fresh.sl"));
    let created = send(request, None).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    let query = bbb_query("getMeetings", &[], "secret-fresh");
    let listed = send(app.client.get(app.url(&format!("/FRESH/bigbluebutton/api/getMeetings?{query}"))), None).await;
    assert!(listed.body.contains("<meetingID>m</meetingID>"), "{}", listed.body);
    let query = bbb_query("getMeetings", &[], "secret-fresh");
    let unknown = send(app.client.get(app.url(&format!("/stale/bigbluebutton/api/getMeetings?{query}"))), None).await;
    assert_eq!(unknown.xml("messageKey").as_deref(), Some("checksumError"), "{}", unknown.body);
    app.stop().await;
}

on_both_backends!(
    a_tenant_added_by_another_process_is_served_at_once,
    a_slow_request_body_is_cut_off,
    a_cordon_takes_effect_when_the_command_returns,
    tenants_by_any_host_case_leftovers_and_ends_by_bbb_id,
    hostile_servers_are_failed_polls_and_bbb_errors,
    signed_queries_carry_no_unsigned_body,
    the_empty_string_signs_no_body_unless_allowed,
);

/// A poll stuck where no timeout reaches (its database write waits on a row lock held elsewhere) stops the server
/// actor, whose supervisor restarts it; the restart is counted in /metrics, and the next poll works.
#[actix_web::test]
async fn a_stuck_poll_restarts_its_actor() {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    use scalelite::metrics::METRICS;
    let app = TestApp::new(Backend::Postgres)
        .env("CONNECT_TIMEOUT", "0.3")
        .env("RESPONSE_TIMEOUT", "0.3")
        .env("POLL_INTERVAL", "3600")
        .start()
        .await;
    let _pool = FakePool::untagged(&app, 1).await;
    let restarts = || METRICS.actor_restarts.with_label_values(&["server"]).get();
    let before = restarts();
    let mut locker = diesel::PgConnection::establish(&app.db.url).unwrap();
    locker.batch_execute("BEGIN; SELECT id FROM servers WHERE id = 'bbb0' FOR UPDATE;").unwrap();
    let started = Instant::now();
    app.poll_all().await;
    assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
    assert!(restarts() > before, "the stuck poll's actor was restarted");
    let metrics = send(app.client.get(app.url("/metrics")), None).await;
    assert!(metrics.body.contains("scalelite_actor_restarts_total{actor=\"server\"}"), "{}", metrics.body);
    locker.batch_execute("ROLLBACK;").unwrap();
    let after_restart = restarts();
    app.poll_all().await;
    assert_eq!(restarts(), after_restart, "the restarted actor polls normally");
    assert!(online(&app, "bbb0"));
    app.stop().await;
}
