//! Placement between polls: every join redirected counts at once, a size hint or the meeting's history weighs a
//! young meeting, and joins through one instance reach another within a second. Polls happen only when a test
//! asks (`POLL_INTERVAL` is an hour), so what moves placement here is what Scalelite counts itself.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use common::pool::FakePool;
use common::{Backend, TestApp};
use scalelite::actors::messages::{Figures, LiveFigures};
use scalelite::db::models::meeting_history::MeetingHistory;
use scalelite::db::models::server_figures::ServerFigures;

async fn figures(app: &TestApp) -> HashMap<String, LiveFigures> {
    let all = app.state.scheduler.send(Figures).await.unwrap();
    all.into_iter().map(|f| (f.server_id.clone(), f)).collect()
}

async fn create(app: &TestApp, meeting_id: &str, extra: &[(&str, &str)]) {
    let mut params = vec![("name", "Class"), ("meetingID", meeting_id)];
    params.extend_from_slice(extra);
    let reply = app.bbb("create", &params).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
}

async fn join(app: &TestApp, meeting_id: &str, n: usize) {
    for i in 0..n {
        let name = format!("Student {i}");
        let reply = app.bbb("join", &[("fullName", &name), ("meetingID", meeting_id), ("role", "VIEWER")]).await;
        assert_eq!(reply.status, 302, "{}", reply.body);
    }
}

fn quiet_app(backend: Backend) -> common::TestAppBuilder {
    TestApp::new(backend).env("POLL_INTERVAL", "3600")
}

async fn joins_count_at_once(backend: Backend) {
    let app = quiet_app(backend).start().await;
    let pool = FakePool::untagged(&app, 2).await;
    create(&app, "a", &[]).await;
    create(&app, "b", &[]).await;
    let (busy, other) = (pool.holder("a").unwrap(), pool.holder("b").unwrap());
    assert_ne!(busy, other, "two new meetings of the same forecast go to two servers");
    join(&app, "a", 40).await;
    let seen = figures(&app).await;
    let busy_id = pool.servers[busy].name.clone();
    let other_id = pool.servers[other].name.clone();
    assert_eq!((seen[&busy_id].ledger.in_flight, seen[&other_id].ledger.in_flight), (40, 0));
    // 40 users on their way to one server: the next classes go to the other, no poll needed.
    create(&app, "c", &[]).await;
    create(&app, "d", &[]).await;
    assert_eq!((pool.holder("c"), pool.holder("d")), (Some(other), Some(other)));
    // `scalelite status` shows them too, from the figures the scheduler writes every second.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        let written = ServerFigures::all(&mut common::connect(&app.db)).unwrap();
        if written.iter().any(|f| f.server_id == busy_id && f.users_in_flight == 40) {
            break;
        }
        assert!(Instant::now() < deadline, "no figures written for status: {written:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    // /metrics shows them too.
    let metrics = common::send(app.client.get(app.url("/metrics")), None).await.body;
    let line = format!("scalelite_server_users_in_flight{{server=\"{busy_id}\"}} 40");
    assert!(metrics.contains(&line), "{line} missing:\n{metrics}");
    // A poll that saw them takes over: 40 polled users, none in flight.
    pool.servers[busy].state().meetings.get_mut("a").unwrap().participants = 40;
    app.poll_all().await;
    let seen = figures(&app).await;
    assert_eq!((seen[&busy_id].ledger.polled_users, seen[&busy_id].ledger.in_flight), (40, 0));
    assert!(seen[&busy_id].placement_load.unwrap() >= 40.0, "{:?}", seen[&busy_id]);
    app.stop().await;
}

async fn a_size_hint_weighs_a_young_meeting(backend: Backend) {
    for (cap, third_goes_to_the_big_one) in [("300", false), ("20", true)] {
        let app = quiet_app(backend).env("LOAD_SIZE_HINT_MAX", cap).start().await;
        let pool = FakePool::untagged(&app, 2).await;
        create(&app, "big", &[("meta_bbb-meeting-size-hint", "100")]).await;
        for id in ["s1", "s2", "s3"] {
            create(&app, id, &[]).await;
        }
        let big = pool.holder("big");
        assert_ne!(pool.holder("s1"), big, "cap {cap}");
        assert_ne!(pool.holder("s2"), big, "cap {cap}");
        // 100 expected users outweigh three meetings of 15; capped at 20, they do not.
        assert_eq!(pool.holder("s3") == big, third_goes_to_the_big_one, "cap {cap}");
        app.stop().await;
    }
}

async fn a_meetings_history_forecasts_its_next_session(backend: Backend) {
    let app = quiet_app(backend).start().await;
    let pool = FakePool::untagged(&app, 2).await;
    create(&app, "weekly", &[]).await;
    let holder = pool.holder("weekly").unwrap();
    pool.servers[holder].state().meetings.get_mut("weekly").unwrap().participants = 25;
    app.poll_all().await;
    // The session ends: the next poll no longer lists it, and its peak is kept.
    pool.servers[holder].state().meetings.clear();
    app.poll_all().await;
    let mut conn = common::connect(&app.db);
    assert_eq!(MeetingHistory::mean_peak(&mut conn, "weekly").unwrap(), Some(25.0));
    // Next week: placed anew (the old row is gone), it weighs 25 at once.
    let delete = diesel::sql_query("DELETE FROM meetings");
    diesel::RunQueryDsl::execute(delete, &mut conn).unwrap();
    create(&app, "weekly", &[]).await;
    let server = pool.servers[pool.holder("weekly").unwrap()].name.clone();
    let load = figures(&app).await[&server].ledger.load;
    assert!((load - 25.0).abs() < 0.5, "the history's 25 users, not the default 15: {load}");
    app.stop().await;
}

#[actix_web::test]
async fn joins_through_another_instance_count_within_a_second() {
    let first = quiet_app(Backend::Postgres).start().await;
    let pool = FakePool::untagged(&first, 2).await;
    let second = TestApp::on(first.db.share()).env("POLL_INTERVAL", "3600").start().await;
    create(&first, "shared", &[]).await;
    let server = pool.servers[pool.holder("shared").unwrap()].name.clone();
    join(&second, "shared", 30).await;
    let sent = Instant::now();
    loop {
        if figures(&first).await[&server].ledger.in_flight == 30 {
            break;
        }
        // Written and read four times a second on both sides: half a second, and the database's answers.
        assert!(sent.elapsed() < Duration::from_secs(1), "the first instance does not see the joins within a second");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    println!("the first instance saw the second's joins after {:?}", sent.elapsed());
    second.stop().await;
    first.stop().await;
}

on_both_backends!(
    joins_count_at_once,
    a_size_hint_weighs_a_young_meeting,
    a_meetings_history_forecasts_its_next_session
);
