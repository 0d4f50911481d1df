//! Several Scalelite instances sharing one PostgreSQL agree through the database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pool::FakePool;
use common::{Backend, TestApp};
use fake_bbb::{FakeBbb, FakeServer};
use scalelite::admin::servers::{self, NewServer};
use scalelite::db::models::meeting::Meeting;
use scalelite::db::models::server::ServerState;

#[actix_web::test]
async fn two_instances_place_a_meeting_created_through_both_once() {
    let first = TestApp::new(Backend::Postgres).start().await;
    let second = TestApp::on(first.db.share()).start().await;
    let pool = FakePool::untagged(&first, 3).await;
    second.reload().await;
    second.poll_all().await;

    let creates = (0..100).flat_map(|_| {
        [
            first.bbb("create", &[("name", "x"), ("meetingID", "shared")]),
            second.bbb("create", &[("name", "x"), ("meetingID", "shared")]),
        ]
    });
    let replies = futures_util::future::join_all(creates).await;
    for reply in &replies {
        assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    }
    assert_eq!(pool.counts().iter().sum::<usize>(), 1, "{:?}", pool.counts());
    let row = Meeting::find(&mut common::connect(&first.db), "", "shared").unwrap().unwrap();
    let holder = pool.holder("shared").unwrap();
    assert_eq!(row.server_id, format!("bbb{holder}"));

    // A meeting created through one instance is joined through the other.
    let joined = second.bbb("join", &[("fullName", "A"), ("meetingID", "shared"), ("role", "VIEWER")]).await;
    assert!(joined.location().starts_with(&pool.fakes[holder].url(&format!("bbb{holder}"))), "{}", joined.location());
    second.stop().await;
    first.stop().await;
}

/// Ends the database session that holds the leader lock, as the death of the leader's process would.
fn kill_leader_session(db: &common::TestDb) {
    use diesel::RunQueryDsl;
    let mut conn = common::connect(db);
    let ended = diesel::sql_query(
        "SELECT pg_terminate_backend(l.pid) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
         WHERE l.locktype = 'advisory' AND l.classid = 1935764588 AND d.datname = current_database()",
    )
    .execute(&mut conn)
    .unwrap();
    assert_eq!(ended, 1, "one session holds the lock");
}

#[actix_web::test]
async fn one_instance_polls_and_another_takes_over_when_it_dies() {
    let first = TestApp::new(Backend::Postgres).env("POLL_INTERVAL", "1").start().await;
    let second = TestApp::on(first.db.share()).env("POLL_INTERVAL", "1").start().await;
    assert!(first.state.leadership.is_leader(), "the first instance leads");
    assert!(!second.state.leadership.is_leader(), "the second follows");

    // Only the leader polls; the follower places meetings with the loads the leader wrote.
    let pool = FakePool::untagged(&first, 1).await;
    second.reload().await;
    let polls = pool.servers[0].calls_of("getMeetings");
    second.poll_all().await;
    assert_eq!(pool.servers[0].calls_of("getMeetings"), polls, "a follower does not poll");
    let created = second.bbb("create", &[("name", "x"), ("meetingID", "through-the-follower")]).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);

    // The leader dies: the follower leads within two poll intervals, and polls.
    kill_leader_session(&first.db);
    let died = std::time::Instant::now();
    while !second.state.leadership.is_leader() {
        assert!(died.elapsed() < std::time::Duration::from_secs(2), "no takeover within two poll intervals");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let polls = pool.servers[0].calls_of("getMeetings");
    while pool.servers[0].calls_of("getMeetings") == polls {
        assert!(died.elapsed() < std::time::Duration::from_secs(2), "the new leader did not poll");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let old_leader_knows = std::time::Instant::now();
    while first.state.leadership.is_leader() {
        assert!(old_leader_knows.elapsed() < std::time::Duration::from_secs(3), "the old leader still thinks it leads");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }

    // A server added through the old leader is polled by the new one, without a restart.
    let added = FakePool::start_named(&first, 1, "late").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while added.servers[0].calls_of("getMeetings") == 0 {
        assert!(std::time::Instant::now() < deadline, "the added server was not polled");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    second.stop().await;
    first.stop().await;
}

/// How many getMeetings the fake server `bbb0` answered.
async fn polls(client: &awc::Client, fake_port: u16) -> usize {
    let url = format!("http://127.0.0.1:{fake_port}/_control/calls/bbb0/getMeetings");
    common::send(client.get(url), None).await.body.trim().parse().unwrap()
}

#[actix_web::test]
async fn kill_9_of_the_leader_process_hands_polling_to_the_other() {
    use common::{free_port, scalelite, Killed};
    use std::process::Stdio;
    use std::time::{Duration, Instant};

    let db = common::TestDb::new(Backend::Postgres);
    let (_fake, fake_port) = common::fake_bbb_process(&db);
    let client = awc::Client::default();
    let instance = |port: u16| {
        let env = [
            ("DATABASE_URL", db.url.as_str()),
            ("LOADBALANCER_SECRET", "s"),
            ("BIND", &format!("127.0.0.1:{port}")),
            ("RUST_LOG", "warn"),
            ("POLL_INTERVAL", "1"),
            ("RECORDING_DISABLED", "true"),
        ];
        let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, v.to_string())).collect();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        Killed(scalelite(&env, &["serve"]).stdout(Stdio::null()).spawn().unwrap())
    };
    let mut leader = instance(free_port());
    let started = Instant::now();
    while polls(&client, fake_port).await == 0 {
        assert!(started.elapsed() < Duration::from_secs(30), "the first instance did not poll");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    let _follower = instance(free_port());
    actix_web::rt::time::sleep(Duration::from_secs(2)).await;
    let before = polls(&client, fake_port).await;
    actix_web::rt::time::sleep(Duration::from_secs(3)).await;
    let in_three_seconds = polls(&client, fake_port).await - before;
    assert!((2..=4).contains(&in_three_seconds), "one instance polls, once a second: {in_three_seconds} polls in 3 s");

    leader.0.kill().unwrap();
    leader.0.wait().unwrap();
    let killed = Instant::now();
    let at_kill = polls(&client, fake_port).await;
    while polls(&client, fake_port).await == at_kill {
        assert!(killed.elapsed() < Duration::from_secs(2), "no poll within two poll intervals of the leader's death");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates `n` meetings through each instance at once; every one must succeed.
async fn create_through_both(first: &TestApp, second: &TestApp, prefix: &str, n: usize) {
    let ids: Vec<String> = (0..n).map(|i| format!("{prefix}-{i}")).collect();
    let creates = ids.iter().enumerate().map(|(i, id)| async move {
        let app = if i % 2 == 0 { first } else { second };
        app.bbb("create", &[("name", "x"), ("meetingID", id.as_str())]).await
    });
    for reply in futures_util::future::join_all(creates).await {
        assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    }
}

#[actix_web::test]
async fn a_server_cordoned_disabled_or_removed_gets_no_new_meeting_from_any_instance_at_once() {
    let first = TestApp::new(Backend::Postgres).start().await;
    let second = TestApp::on(first.db.share()).start().await;
    let pool = FakePool::untagged(&first, 3).await;
    second.reload().await;
    let mut conn = common::connect(&first.db);

    // As `scalelite servers cordon bbb0` does; the instances are not told.
    servers::set_state(&mut conn, "bbb0", ServerState::Cordoned).unwrap();
    create_through_both(&first, &second, "after-cordon", 30).await;
    assert_eq!(pool.counts()[0], 0, "{:?}", pool.counts());

    let on_bbb1 = pool.counts()[1];
    servers::set_state(&mut conn, "bbb1", ServerState::Disabled).unwrap();
    create_through_both(&first, &second, "after-disable", 30).await;
    assert_eq!(pool.counts()[..2], [0, on_bbb1], "{:?}", pool.counts());

    servers::set_state(&mut conn, "bbb0", ServerState::Enabled).unwrap();
    servers::remove(&mut conn, "bbb2").unwrap();
    let on_bbb2 = pool.counts()[2];
    create_through_both(&first, &second, "after-remove", 30).await;
    assert_eq!(pool.counts()[2], on_bbb2, "{:?}", pool.counts());
    assert_eq!(pool.counts()[0], 30, "{:?}", pool.counts());
    second.stop().await;
    first.stop().await;
}

#[actix_web::test]
async fn a_meeting_placed_by_one_instance_is_reachable_through_another_at_once() {
    let first = TestApp::new(Backend::Postgres).start().await;
    let second = TestApp::on(first.db.share()).start().await;
    let mut conn = common::connect(&first.db);
    let mut fakes = Vec::new();
    // Each round adds a server (the earlier ones cordoned, so the new one takes the meeting), lets the first
    // instance poll it, creates through the first and at once uses the meeting through the second, whose view
    // of the servers has not been reloaded since.
    for round in 0..5 {
        let name = format!("new{round}");
        let server = FakeServer::new(&name, "secret");
        let fake = FakeBbb::start(vec![server.clone()], 0, 1).unwrap();
        for earlier in 0..round {
            servers::set_state(&mut conn, &format!("new{earlier}"), ServerState::Cordoned).unwrap();
        }
        let new = NewServer { url: fake.url(&name), secret: "secret".into(), ..Default::default() };
        servers::add_with_id(&mut conn, name.clone(), new).unwrap();
        servers::set_state(&mut conn, &name, ServerState::Enabled).unwrap();
        first.reload().await;
        first.poll_all().await;
        let meeting_id = format!("m{round}");
        let created = first.bbb("create", &[("name", "x"), ("meetingID", &meeting_id)]).await;
        assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
        assert_eq!(server.meeting_count(), 1, "round {round}");
        let info = second.bbb("getMeetingInfo", &[("meetingID", &meeting_id)]).await;
        assert_eq!(info.xml("returncode").as_deref(), Some("SUCCESS"), "round {round}: {}", info.body);
        let running = second.bbb("isMeetingRunning", &[("meetingID", &meeting_id)]).await;
        assert_eq!(running.xml("returncode").as_deref(), Some("SUCCESS"), "round {round}: {}", running.body);
        let again = second.bbb("create", &[("name", "x"), ("meetingID", &meeting_id)]).await;
        assert_eq!(again.xml("returncode").as_deref(), Some("SUCCESS"), "round {round}: {}", again.body);
        assert_eq!(server.meeting_count(), 1, "round {round}: the create through the other instance kept its server");
        let row = Meeting::find(&mut common::connect(&first.db), "", &meeting_id).unwrap().unwrap();
        assert_eq!(row.server_id, name, "round {round}");
        let listed = second.bbb("getMeetings", &[]).await;
        assert!(
            listed.body.contains(&format!("<meetingID>{meeting_id}</meetingID>")),
            "round {round}: {}",
            listed.body
        );
        let joined = second.bbb("join", &[("fullName", "A"), ("meetingID", &meeting_id), ("role", "VIEWER")]).await;
        assert!(joined.location().starts_with(&fake.url(&name)), "round {round}: {}", joined.location());
        fakes.push(fake);
    }
    second.stop().await;
    first.stop().await;
}
