//! The BBB meeting API through Scalelite against fake BBB servers: the whole flow, placement, tags, server
//! states, faults, bad input, concurrency and multitenancy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::pool::FakePool;
use common::{bbb_query, send, Backend, TestApp, SECRET};
use fake_bbb::Mode;
use scalelite::admin::servers;
use scalelite::bbb::checksum::{self, Algorithm};
use scalelite::db::models::meeting::Meeting;
use scalelite::db::models::server::ServerState;
use scalelite::secret::Secret;

fn set_state(app: &TestApp, id: &str, state: ServerState) {
    servers::set_state(&mut common::connect(&app.db), id, state).unwrap();
}

fn stored(app: &TestApp, meeting_id: &str) -> Option<Meeting> {
    Meeting::find(&mut common::connect(&app.db), "", meeting_id).unwrap()
}

async fn create(app: &TestApp, meeting_id: &str) -> common::Reply {
    app.bbb("create", &[("name", "Test Meeting"), ("meetingID", meeting_id)]).await
}

async fn runs_the_whole_meeting_flow(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 3).await;

    let created = app
        .bbb("create", &[("name", "Class 1"), ("meetingID", "class-1"), ("attendeePW", "ap"), ("moderatorPW", "mp")])
        .await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    assert_eq!(created.xml("meetingID").as_deref(), Some("class-1"));
    assert!(created.content_type.starts_with("text/xml"));
    let holder = pool.holder("class-1").expect("one fake server holds the meeting");
    assert_eq!(stored(&app, "class-1").unwrap().server_id, format!("bbb{holder}"));

    // join: a 302 to the holder, signed with the holder's secret.
    let joined = app.bbb("join", &[("fullName", "Ada"), ("meetingID", "class-1"), ("password", "mp")]).await;
    assert_eq!(joined.status, 302, "{}", joined.body);
    let location = joined.location().to_string();
    let prefix = format!("{}/join?", pool.fakes[holder].url(&format!("bbb{holder}")));
    assert!(location.starts_with(&prefix), "{location}");
    let query = &location[prefix.len()..];
    let secret = Secret::new(format!("secret-{holder}"));
    assert!(checksum::verify("join", query, b"", &[secret], &Algorithm::ALL).is_ok(), "{location}");
    assert!(query.contains("fullName=Ada") && query.contains("meetingID=class-1"));
    let at_server = send(app.client.get(location.clone()), None).await;
    assert_eq!(at_server.status, 302, "the fake server accepts the join: {}", at_server.body);

    let info = app.bbb("getMeetingInfo", &[("meetingID", "class-1")]).await;
    assert_eq!(info.xml("returncode").as_deref(), Some("SUCCESS"), "{}", info.body);
    assert_eq!(info.xml("participantCount").as_deref(), Some("1"));
    assert_eq!(info.xml("meetingID").as_deref(), Some("class-1"));
    let running = app.bbb("isMeetingRunning", &[("meetingID", "class-1")]).await;
    assert_eq!(running.xml("running").as_deref(), Some("true"), "{}", running.body);

    app.bbb("create", &[("name", "Class 2"), ("meetingID", "class-2")]).await;
    let all = app.bbb("getMeetings", &[]).await;
    assert_eq!(all.xml("returncode").as_deref(), Some("SUCCESS"));
    assert!(
        all.body.contains("<meetingID>class-1</meetingID>") && all.body.contains("<meetingID>class-2</meetingID>"),
        "{}",
        all.body
    );

    let ended = app.bbb("end", &[("meetingID", "class-1"), ("password", "mp")]).await;
    assert_eq!(ended.xml("messageKey").as_deref(), Some("sentEndMeetingRequest"), "{}", ended.body);
    assert!(stored(&app, "class-1").is_none());
    assert!(pool.holder("class-1").is_none(), "the server ended it");
    let calls_before = pool.servers[holder].calls_of("isMeetingRunning");
    let running = app.bbb("isMeetingRunning", &[("meetingID", "class-1")]).await;
    assert_eq!(running.xml("running").as_deref(), Some("false"));
    assert_eq!(pool.servers[holder].calls_of("isMeetingRunning"), calls_before, "no call for an unknown meeting");
    assert_eq!(
        app.bbb("getMeetingInfo", &[("meetingID", "class-1")]).await.xml("messageKey").as_deref(),
        Some("notFound")
    );
    assert_eq!(
        app.bbb("join", &[("fullName", "A"), ("meetingID", "class-1")]).await.xml("messageKey").as_deref(),
        Some("notFound")
    );
    assert_eq!(app.bbb("end", &[("meetingID", "class-1")]).await.xml("messageKey").as_deref(), Some("notFound"));
    app.stop().await;
}

async fn create_is_idempotent(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 3).await;
    let first = create(&app, "same").await;
    let holder = pool.holder("same").unwrap();
    let generated = first.xml("moderatorPW").unwrap();
    assert_eq!(generated.len(), 8, "a moderator password is generated when none is given");
    for _ in 0..3 {
        let again = create(&app, "same").await;
        assert_eq!(again.xml("returncode").as_deref(), Some("SUCCESS"));
        assert_eq!(again.xml("messageKey").as_deref(), Some("duplicateWarning"), "{}", again.body);
        assert_eq!(again.xml("moderatorPW").unwrap(), generated);
    }
    assert_eq!(pool.counts().iter().sum::<usize>(), 1);
    assert_eq!(pool.holder("same"), Some(holder));
    // The stored moderator password wins over a different one, as in Ruby Scalelite.
    let other = app.bbb("create", &[("name", "x"), ("meetingID", "same"), ("moderatorPW", "other")]).await;
    assert_eq!(other.xml("moderatorPW").unwrap(), generated, "{}", other.body);
    // A BBB FAILED answer is relayed as it is.
    pool.servers[holder].state().meetings.clear();
    let gone = app.bbb("getMeetingInfo", &[("meetingID", "same")]).await;
    assert_eq!(gone.xml("returncode").as_deref(), Some("FAILED"));
    assert_eq!(gone.xml("message").as_deref(), Some("A meeting with that ID does not exist"), "{}", gone.body);
    app.stop().await;
}

async fn spreads_a_burst_of_creates_evenly(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 3).await;
    for i in 0..300 {
        let reply = create(&app, &format!("burst-{i}")).await;
        assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    }
    let counts = pool.counts();
    assert_eq!(counts.iter().sum::<usize>(), 300);
    assert!(counts.iter().all(|c| (90..=110).contains(c)), "{counts:?}");
    app.stop().await;
}

async fn routes_by_tag(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::start(&app, &[None, Some("east"), Some("west")]).await;
    create(&app, "plain").await;
    assert_eq!(pool.holder("plain"), Some(0), "no tag: untagged servers only");
    app.bbb("create", &[("name", "e"), ("meetingID", "e"), ("meta_server-tag", "east")]).await;
    assert_eq!(pool.holder("e"), Some(1));
    let east = pool.servers[1].state().meetings["e"].metadata.clone();
    assert_eq!(east.get("server-tag").map(String::as_str), Some("east"), "BBB sees the server's tag");
    app.bbb("create", &[("name", "w"), ("meetingID", "w"), ("meta_server-tag", "west!")]).await;
    assert_eq!(pool.holder("w"), Some(2));
    let west = pool.servers[2].state().meetings["w"].metadata.clone();
    assert!(!west["server-tag"].contains('!'));
    app.bbb("create", &[("name", "n"), ("meetingID", "n"), ("meta_server-tag", "north")]).await;
    assert_eq!(pool.holder("n"), Some(0), "an optional tag with no match falls back to untagged servers");
    let plain = pool.servers[0].state().meetings["n"].metadata.clone();
    assert!(!plain.contains_key("server-tag"));
    let required = app.bbb("create", &[("name", "r"), ("meetingID", "r"), ("meta_server-tag", "north!")]).await;
    assert_eq!(required.xml("messageKey").as_deref(), Some("serverTagUnavailable"), "{}", required.body);
    assert!(stored(&app, "r").is_none());
    app.stop().await;
}

async fn places_nothing_on_cordoned_disabled_or_offline_servers(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let mut pool = FakePool::untagged(&app, 4).await;
    set_state(&app, "bbb0", ServerState::Cordoned);
    set_state(&app, "bbb1", ServerState::Disabled);
    pool.fakes[2].stop().await;
    app.reload().await;
    app.poll_all().await;
    app.poll_all().await;
    for i in 0..20 {
        create(&app, &format!("m{i}")).await;
    }
    assert_eq!(pool.counts(), vec![0, 0, 0, 20]);
    set_state(&app, "bbb3", ServerState::Cordoned);
    app.reload().await;
    let none = create(&app, "nowhere").await;
    assert_eq!(none.xml("messageKey").as_deref(), Some("internalError"), "{}", none.body);
    assert_eq!(none.xml("message").as_deref(), Some("Could not find any available servers."));
    app.stop().await;
}

async fn a_stopped_server_goes_offline_and_its_meetings_move(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let mut pool = FakePool::untagged(&app, 2).await;
    create(&app, "moving").await;
    let first = pool.holder("moving").unwrap();
    pool.fakes[first].stop().await;
    app.poll_all().await;
    let view = app.state.shared.server(&format!("bbb{first}")).unwrap();
    assert!(view.online, "one failure is not enough (SERVER_UNHEALTHY_THRESHOLD=2)");
    app.poll_all().await;
    let row = servers::get(&mut common::connect(&app.db), &format!("bbb{first}")).unwrap();
    let view = app.state.shared.server(&format!("bbb{first}")).unwrap();
    assert!(
        !view.online,
        "two failures take it offline (row online: {}, polls: {})",
        row.online,
        pool.servers[first].calls_of("getMeetings")
    );
    assert!(stored(&app, "moving").is_none(), "an offline server's meetings are forgotten");
    let joined = app.bbb("join", &[("fullName", "A"), ("meetingID", "moving"), ("role", "VIEWER")]).await;
    assert_eq!(joined.xml("messageKey").as_deref(), Some("notFound"));

    let again = create(&app, "moving").await;
    assert_eq!(again.xml("returncode").as_deref(), Some("SUCCESS"), "{}", again.body);
    assert_eq!(stored(&app, "moving").unwrap().server_id, format!("bbb{}", 1 - first));

    // Back up: one good poll brings it online (SERVER_HEALTHY_THRESHOLD=1).
    pool.fakes[first].restart().unwrap();
    app.poll_all().await;
    assert!(app.state.shared.server(&format!("bbb{first}")).unwrap().online);
    app.stop().await;
}

async fn re_places_meetings_of_disabled_and_removed_servers(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 2).await;
    create(&app, "m").await;
    let first = pool.holder("m").unwrap();
    set_state(&app, &format!("bbb{first}"), ServerState::Disabled);
    app.reload().await;
    let joined = app.bbb("join", &[("fullName", "A"), ("meetingID", "m"), ("role", "VIEWER")]).await;
    assert_eq!(joined.xml("messageKey").as_deref(), Some("serverUnavailable"), "{}", joined.body);
    create(&app, "m").await;
    assert_eq!(stored(&app, "m").unwrap().server_id, format!("bbb{}", 1 - first));

    // A cordoned server keeps a meeting that still runs there, and gives up one that does not.
    let other = 1 - first;
    set_state(&app, &format!("bbb{first}"), ServerState::Enabled);
    app.reload().await;
    app.poll_all().await;
    app.bbb("join", &[("fullName", "A"), ("meetingID", "m"), ("role", "VIEWER")]).await;
    let location =
        app.bbb("join", &[("fullName", "B"), ("meetingID", "m"), ("role", "VIEWER")]).await.location().to_string();
    send(app.client.get(location), None).await;
    set_state(&app, &format!("bbb{other}"), ServerState::Cordoned);
    app.reload().await;
    create(&app, "m").await;
    assert_eq!(stored(&app, "m").unwrap().server_id, format!("bbb{other}"), "still running: it stays");
    pool.servers[other].state().meetings.get_mut("m").unwrap().participants = 0;
    create(&app, "m").await;
    assert_eq!(stored(&app, "m").unwrap().server_id, format!("bbb{first}"), "not running: it moves");

    set_state(&app, &format!("bbb{other}"), ServerState::Enabled);
    servers::remove(&mut common::connect(&app.db), &format!("bbb{first}")).unwrap();
    app.reload().await;
    create(&app, "m").await;
    assert_eq!(stored(&app, "m").unwrap().server_id, format!("bbb{other}"), "removed server: placed anew");
    app.stop().await;
}

async fn forgets_ended_meetings_and_disables_empty_cordoned_servers(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 2).await;
    create(&app, "ends").await;
    let holder = pool.holder("ends").unwrap();
    // The server forgets the meeting (it ended); a young meeting is kept for its grace period...
    pool.servers[holder].state().meetings.clear();
    app.poll_all().await;
    assert!(stored(&app, "ends").is_some(), "a new meeting has a grace period");
    // ...an older one is forgotten.
    diesel::RunQueryDsl::execute(
        diesel::sql_query("UPDATE meetings SET created_at = 0"),
        &mut common::connect(&app.db),
    )
    .unwrap();
    app.poll_all().await;
    assert!(stored(&app, "ends").is_none());

    set_state(&app, &format!("bbb{holder}"), ServerState::Cordoned);
    app.reload().await;
    app.poll_all().await;
    let row = servers::get(&mut common::connect(&app.db), &format!("bbb{holder}")).unwrap();
    assert_eq!(row.state(), ServerState::Disabled, "an empty cordoned server is disabled");
    app.stop().await;
}

async fn faults_of_a_server_are_bbb_errors(backend: Backend) {
    let app = TestApp::new(backend).env("RESPONSE_TIMEOUT", "1").env("CONNECT_TIMEOUT", "1").start().await;
    let pool = FakePool::untagged(&app, 1).await;
    create(&app, "m").await;
    for mode in [Mode::Garbage, Mode::Http500, Mode::Hang] {
        pool.servers[0].set_mode(mode);
        for call in ["getMeetingInfo", "isMeetingRunning", "end"] {
            let reply = app.bbb(call, &[("meetingID", "m")]).await;
            assert_eq!(reply.status, 200, "{mode:?} {call}");
            assert_eq!(reply.xml("returncode").as_deref(), Some("FAILED"), "{mode:?} {call}: {}", reply.body);
            assert_eq!(reply.xml("messageKey").as_deref(), Some("internalError"), "{mode:?} {call}");
            create(&app, "m").await;
        }
        let created = create(&app, "other").await;
        assert_eq!(created.xml("messageKey").as_deref(), Some("internalError"), "{mode:?}: {}", created.body);
        assert_eq!(created.xml("message").as_deref(), Some("Unable to create meeting on server."));
        let listed = app.bbb("getMeetings", &[]).await;
        assert_eq!(
            listed.xml("messageKey").as_deref(),
            Some("noMeetings"),
            "a failing server is left out: {}",
            listed.body
        );
    }
    pool.servers[0].set_mode(Mode::Normal);
    app.stop().await;
}

async fn a_hanging_server_delays_no_one_beyond_one_timeout(backend: Backend) {
    let app = TestApp::new(backend).env("RESPONSE_TIMEOUT", "1").env("CONNECT_TIMEOUT", "1").start().await;
    let pool = FakePool::untagged(&app, 3).await;
    for i in 0..6 {
        create(&app, &format!("m{i}")).await;
    }
    pool.servers[0].set_mode(Mode::Hang);
    let started = Instant::now();
    let listed = app.bbb("getMeetings", &[]).await;
    let waited = started.elapsed();
    assert!(waited < Duration::from_millis(1900), "{waited:?}");
    let shown = listed.body.matches("<meeting>").count();
    assert_eq!(shown, 6 - pool.servers[0].meeting_count(), "{}", listed.body);

    // The other servers' polls finish while the hanging one is still waiting.
    let healthy = app.state.scheduler.clone();
    let started = Instant::now();
    let ids: Vec<_> = (1..3).map(|i| format!("bbb{i}")).collect();
    let _ = healthy;
    for id in &ids {
        let before = pool.servers[id[3..].parse::<usize>().unwrap()].calls_of("getMeetings");
        let poll_done = app.poll_all();
        let _ = tokio::time::timeout(Duration::from_millis(300), poll_done).await;
        let after = pool.servers[id[3..].parse::<usize>().unwrap()].calls_of("getMeetings");
        assert!(after > before, "server {id} was polled while bbb0 hangs");
    }
    assert!(started.elapsed() < Duration::from_secs(3));
    pool.servers[0].set_mode(Mode::Normal);
    app.stop().await;
}

async fn refuses_bad_input_with_the_right_key(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let _pool = FakePool::untagged(&app, 1).await;
    create(&app, "m").await;
    let raw = |path: String| send(app.client.get(app.url(&path)), None);
    let key = |reply: common::Reply| reply.xml("messageKey");
    assert_eq!(
        key(raw("/bigbluebutton/api/getMeetingInfo?meetingID=m".into()).await).as_deref(),
        Some("checksumError")
    );
    let wrong = bbb_query("getMeetingInfo", &[("meetingID", "m")], "not-the-secret");
    assert_eq!(key(raw(format!("/bigbluebutton/api/getMeetingInfo?{wrong}")).await).as_deref(), Some("checksumError"));
    assert_eq!(
        key(raw("/bigbluebutton/api/getMeetingInfo?meetingID=m&checksum=abc123".into()).await).as_deref(),
        Some("checksumError")
    );
    let signed_for_other_call = bbb_query("isMeetingRunning", &[("meetingID", "m")], SECRET);
    assert_eq!(
        key(raw(format!("/bigbluebutton/api/getMeetingInfo?{signed_for_other_call}")).await).as_deref(),
        Some("checksumError")
    );
    for call in ["create", "join", "end", "getMeetingInfo", "isMeetingRunning"] {
        assert_eq!(key(app.bbb(call, &[("name", "x")]).await).as_deref(), Some("missingParamMeetingID"), "{call}");
        assert_eq!(key(app.bbb(call, &[("meetingID", "")]).await).as_deref(), Some("missingParamMeetingID"), "{call}");
    }
    assert_eq!(key(app.bbb("getMeetingInfo", &[("meetingID", "unknown")]).await).as_deref(), Some("notFound"));
    assert_eq!(key(app.bbb("getJoinUrl", &[("sessionToken", "x")]).await).as_deref(), Some("unsupportedRequest"));
    assert_eq!(key(app.bbb("explode", &[]).await).as_deref(), Some("unsupportedRequest"));

    let huge = "x".repeat(60_000);
    let reply = app.bbb("getMeetingInfo", &[("meetingID", &huge)]).await;
    assert_eq!(reply.status, 200);
    assert_eq!(key(reply).as_deref(), Some("notFound"));
    let malformed = raw("/bigbluebutton/api/getMeetingInfo?%zz&&=&meetingID".into()).await;
    assert_eq!(key(malformed).as_deref(), Some("checksumError"));

    // Wrong methods and content types.
    let post = |call: &str, content_type: &'static str, body: &'static str| {
        let query = bbb_query(call, &[("meetingID", "m")], SECRET);
        send(app.client.post(app.url(&format!("/bigbluebutton/api/{call}?{query}"))), Some((content_type, body)))
    };
    assert_eq!(
        key(post("join", "application/x-www-form-urlencoded", "a=b").await).as_deref(),
        Some("unsupportedRequest")
    );
    assert_eq!(key(post("getMeetingInfo", "application/json", "{}").await).as_deref(), Some("unsupportedContentType"));
    assert_eq!(key(post("getMeetingInfo", "text/xml", "<x/>").await).as_deref(), Some("unsupportedContentType"));
    assert_eq!(
        key(post("insertDocument", "application/x-www-form-urlencoded", "a=b").await).as_deref(),
        Some("unsupportedContentType")
    );
    assert_eq!(
        post("insertDocument", "application/xml", "<modules/>").await.xml("returncode").as_deref(),
        Some("SUCCESS")
    );
    let get_insert = app.bbb("insertDocument", &[("meetingID", "m")]).await;
    assert_eq!(key(get_insert).as_deref(), Some("unsupportedRequest"));
    app.stop().await;
}

async fn accepts_every_checksum_form(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 1).await;
    create(&app, "m").await;
    let query = "meetingID=m";
    for algorithm in Algorithm::ALL {
        let sum = common::sign(algorithm, "getMeetingInfo", query, "", SECRET);
        for given in [sum.clone(), sum.to_uppercase()] {
            let reply = send(
                app.client.get(app.url(&format!("/bigbluebutton/api/getMeetingInfo?{query}&checksum={given}"))),
                None,
            )
            .await;
            assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{algorithm:?}: {}", reply.body);
        }
    }
    // Form POSTs with the parameters in the body: the checksum may cover the body or the sorted form (the empty
    // string only when asked for: tests/hardening.rs).
    let body = "name=x&meetingID=m";
    for signed in [body, "meetingID=m&name=x"] {
        let sum = common::sign(Algorithm::Sha256, "getMeetingInfo", signed, "", SECRET);
        let request = app.client.post(app.url("/bigbluebutton/api/getMeetingInfo"));
        let reply = send(request, Some(("application/x-www-form-urlencoded", &format!("{body}&checksum={sum}")))).await;
        assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "signed {signed:?}: {}", reply.body);
    }
    let sum = common::sign(Algorithm::Sha256, "getMeetingInfo", "name=y", "", SECRET);
    let request = app.client.post(app.url("/bigbluebutton/api/getMeetingInfo"));
    let reply = send(request, Some(("application/x-www-form-urlencoded", &format!("{body}&checksum={sum}")))).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("checksumError"));
    // A create may carry an XML body (pre-uploaded slides); it reaches the server.
    let query = bbb_query("create", &[("name", "x"), ("meetingID", "slides")], SECRET);
    let request = app.client.post(app.url(&format!("/bigbluebutton/api/create?{query}")));
    let reply = send(request, Some(("text/xml", "<modules><module name=\"presentation\"/></modules>"))).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    assert!(pool.holder("slides").is_some());
    app.stop().await;
}

async fn concurrent_creates_of_one_meeting_place_it_once(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 3).await;
    let creates = (0..200).map(|_| create(&app, "rush"));
    let replies = futures_util::future::join_all(creates).await;
    let ok = replies.iter().filter(|r| r.xml("returncode").as_deref() == Some("SUCCESS")).count();
    assert_eq!(
        ok,
        200,
        "{}",
        replies
            .iter()
            .find(|r| r.xml("returncode").as_deref() != Some("SUCCESS"))
            .map(|r| r.body.clone())
            .unwrap_or_default()
    );
    assert_eq!(pool.counts().iter().sum::<usize>(), 1, "{:?}", pool.counts());
    let row = stored(&app, "rush").unwrap();
    assert_eq!(pool.holder("rush"), Some(row.server_id[3..].parse().unwrap()));
    app.stop().await;
}

async fn applies_the_parameter_policy(backend: Backend) {
    let app = TestApp::new(backend)
        .env("CREATE_EXCLUDE_PARAMS", "logo")
        .env("DEFAULT_CREATE_PARAMS", "record=true,welcome=Hello")
        .env("OVERRIDE_CREATE_PARAMS", "muteOnStart=true")
        .env("JOIN_EXCLUDE_PARAMS", "avatarURL")
        .env("OVERRIDE_JOIN_PARAMS", "userdata-bbb_auto_join_audio=true")
        .env("MAX_MEETING_DURATION", "60")
        .env("VOICE_BRIDGE_LEN", "7")
        .start()
        .await;
    let pool = FakePool::untagged(&app, 1).await;
    let params = [
        ("name", "x"),
        ("meetingID", "m"),
        ("logo", "https://evil/logo.png"),
        ("welcome", "Mine"),
        ("muteOnStart", "false"),
        ("duration", "600"),
        ("voiceBridge", "12345"),
        ("meta_bbb-recording-ready-url", "https://front/ready"),
    ];
    app.bbb("create", &params).await;
    let sent = pool.servers[0].state().meetings["m"].create_params.clone();
    let get = |k: &str| sent.iter().rev().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    assert_eq!(get("logo"), None);
    assert_eq!(get("welcome").as_deref(), Some("Mine"));
    assert_eq!(get("record").as_deref(), Some("true"));
    assert_eq!(get("muteOnStart").as_deref(), Some("true"));
    assert_eq!(get("duration").as_deref(), Some("60"));
    assert_eq!(get("meta_bbb-recording-ready-url"), None, "Scalelite keeps the callback and calls it itself");
    let voice_bridge = get("voiceBridge").unwrap();
    assert_eq!(voice_bridge.len(), 7);
    assert_eq!(stored(&app, "m").unwrap().voice_bridge.as_deref(), Some(voice_bridge.as_str()));
    let callback =
        scalelite::db::models::callback::MeetingCallback::find(&mut common::connect(&app.db), "m").unwrap().unwrap();
    assert_eq!(callback.recording_ready_url.as_deref(), Some("https://front/ready"));
    assert_eq!(callback.secret_fingerprint.as_deref(), Some(checksum::fingerprint(&Secret::new(SECRET)).as_str()));

    let joined = app
        .bbb("join", &[("fullName", "A"), ("meetingID", "m"), ("role", "VIEWER"), ("avatarURL", "https://x/a.png")])
        .await;
    let location = joined.location();
    assert!(!location.contains("avatarURL"), "{location}");
    assert!(location.contains("userdata-bbb_auto_join_audio=true"), "{location}");
    app.stop().await;
}

async fn voice_bridges_are_unique_across_the_pool(backend: Backend) {
    let app = TestApp::new(backend)
        .envs(&[("VOICE_BRIDGE_LEN", "1"), ("VOICE_BRIDGE_MIN", "1"), ("USE_EXTERNAL_VOICE_BRIDGE", "true")])
        .start()
        .await;
    let _pool = FakePool::untagged(&app, 3).await;
    let mut bridges = std::collections::HashSet::new();
    for i in 0..9 {
        let reply = app.bbb("create", &[("name", "x"), ("meetingID", &format!("m{i}")), ("voiceBridge", "5")]).await;
        assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
        assert!(bridges.insert(reply.xml("voiceBridge").unwrap()), "{}", reply.body);
    }
    assert!(bridges.contains("5"), "the front-end's bridge is used first when allowed");
    let full = create(&app, "m9").await;
    assert_eq!(
        full.xml("message").as_deref(),
        Some("Could not allocate a unique voice bridge."),
        "all nine one-digit bridges are taken: {}",
        full.body
    );
    app.stop().await;
}

async fn tenants_share_meeting_ids_and_see_only_their_own(backend: Backend) {
    let app = TestApp::new(backend).env("MULTITENANCY_ENABLED", "true").start().await;
    let pool = FakePool::untagged(&app, 2).await;
    let mut conn = common::connect(&app.db);
    scalelite::admin::tenants::add(&mut conn, "t1", "secret-t1").unwrap();
    scalelite::admin::tenants::add(&mut conn, "t2", "secret-t2a:secret-t2b").unwrap();
    app.reload().await;
    let call =
        |tenant: &'static str, secret: &'static str, name: &'static str, params: Vec<(&'static str, &'static str)>| {
            let query = bbb_query(name, &params, secret);
            send(app.client.get(app.url(&format!("/{tenant}/bigbluebutton/api/{name}?{query}"))), None)
        };
    let one = call("t1", "secret-t1", "create", vec![("name", "x"), ("meetingID", "class-1")]).await;
    let two = call("t2", "secret-t2b", "create", vec![("name", "x"), ("meetingID", "class-1")]).await;
    assert_eq!(one.xml("meetingID").as_deref(), Some("class-1"), "{}", one.body);
    assert_eq!(two.xml("meetingID").as_deref(), Some("class-1"), "{}", two.body);
    assert!(pool.holder("t1~class-1").is_some() && pool.holder("t2~class-1").is_some());

    let listed = call("t1", "secret-t1", "getMeetings", vec![]).await;
    assert_eq!(listed.body.matches("<meeting>").count(), 1, "{}", listed.body);
    assert!(listed.body.contains("<meetingID>class-1</meetingID>"));
    assert!(listed.body.contains("<tenant-name>t1</tenant-name>"));
    // A tenant's secret is not accepted for another tenant, nor the load-balancer secret for a tenant.
    let crossed = call("t1", "secret-t2a", "getMeetings", vec![]).await;
    assert_eq!(crossed.xml("messageKey").as_deref(), Some("checksumError"));
    let global = call("t1", SECRET, "getMeetings", vec![]).await;
    assert_eq!(global.xml("messageKey").as_deref(), Some("checksumError"));
    let unknown = call("t9", "secret-t1", "getMeetings", vec![]).await;
    assert_eq!(unknown.xml("messageKey").as_deref(), Some("checksumError"));

    // The host's first label names the tenant too.
    let query = bbb_query("getMeetingInfo", &[("meetingID", "class-1")], "secret-t2a");
    let request = app
        .client
        .get(app.url(&format!("/bigbluebutton/api/getMeetingInfo?{query}")))
        .insert_header(("Host", "t2.sl.example.com"));
    let info = send(request, None).await;
    assert_eq!(info.xml("meetingID").as_deref(), Some("class-1"), "{}", info.body);
    assert!(info.body.contains("<tenant-name>t2</tenant-name>"), "{}", info.body);

    call("t1", "secret-t1", "end", vec![("meetingID", "class-1")]).await;
    let still = call("t2", "secret-t2a", "isMeetingRunning", vec![("meetingID", "class-1")]).await;
    assert_eq!(still.xml("returncode").as_deref(), Some("SUCCESS"));
    assert!(pool.holder("t2~class-1").is_some() && pool.holder("t1~class-1").is_none());
    app.stop().await;
}

async fn disabled_get_meetings_answers_no_meetings_without_checksum(backend: Backend) {
    let app = TestApp::new(backend).env("GET_MEETINGS_API_DISABLED", "true").start().await;
    let _pool = FakePool::untagged(&app, 1).await;
    create(&app, "m").await;
    let reply = send(app.client.get(app.url("/bigbluebutton/api/getMeetings")), None).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("noMeetings"));
    app.stop().await;
}

async fn servers_added_through_the_admin_api_are_polled(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let server = fake_bbb::FakeServer::new("late", "late-secret");
    let fake = fake_bbb::FakeBbb::start(vec![server.clone()], 0, 1).unwrap();
    let mut conn = common::connect(&app.db);
    let new = servers::NewServer { url: fake.url("late"), secret: "late-secret".into(), ..Default::default() };
    servers::add_with_id(&mut conn, "late".into(), new).unwrap();
    servers::set_state(&mut conn, "late", ServerState::Enabled).unwrap();
    // No explicit reload: the scheduler picks the change up from the database within its reload interval.
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.calls_of("getMeetings") == 0 {
        assert!(Instant::now() < deadline, "the new server was never polled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.poll_all().await;
    let row = servers::get(&mut conn, "late").unwrap();
    assert!(row.online);
    assert_eq!(row.load, Some(0.0));
    assert_eq!(row.bbb_version.as_deref(), Some("3.0.4"));
    assert_eq!(create(&app, "m").await.xml("returncode").as_deref(), Some("SUCCESS"));
    app.stop().await;
}

async fn expired_meetings_are_gone_and_placed_anew(backend: Backend) {
    let app = TestApp::new(backend).env("DEFAULT_MEETING_TTL", "3600").start().await;
    let _pool = FakePool::untagged(&app, 2).await;
    create(&app, "old").await;
    let first = stored(&app, "old").unwrap();
    let two_hours_ago = scalelite::db::now_ms() - 7_200_000;
    let sql = format!("UPDATE meetings SET created_at = {two_hours_ago}");
    diesel::RunQueryDsl::execute(diesel::sql_query(sql), &mut common::connect(&app.db)).unwrap();
    tokio::time::sleep(scalelite::pool::MEETING_CACHE_TTL).await;
    let joined = app.bbb("join", &[("fullName", "A"), ("meetingID", "old"), ("role", "VIEWER")]).await;
    assert_eq!(joined.xml("messageKey").as_deref(), Some("notFound"), "past DEFAULT_MEETING_TTL a meeting is gone");
    let again = create(&app, "old").await;
    assert_eq!(again.xml("returncode").as_deref(), Some("SUCCESS"), "{}", again.body);
    let second = stored(&app, "old").unwrap();
    assert!(second.created_at > first.created_at, "placed anew");
    app.stop().await;
}

on_both_backends!(
    expired_meetings_are_gone_and_placed_anew,
    runs_the_whole_meeting_flow,
    create_is_idempotent,
    spreads_a_burst_of_creates_evenly,
    routes_by_tag,
    places_nothing_on_cordoned_disabled_or_offline_servers,
    a_stopped_server_goes_offline_and_its_meetings_move,
    re_places_meetings_of_disabled_and_removed_servers,
    forgets_ended_meetings_and_disables_empty_cordoned_servers,
    faults_of_a_server_are_bbb_errors,
    a_hanging_server_delays_no_one_beyond_one_timeout,
    refuses_bad_input_with_the_right_key,
    accepts_every_checksum_form,
    concurrent_creates_of_one_meeting_place_it_once,
    applies_the_parameter_policy,
    voice_bridges_are_unique_across_the_pool,
    tenants_share_meeting_ids_and_see_only_their_own,
    disabled_get_meetings_answers_no_meetings_without_checksum,
    servers_added_through_the_admin_api_are_polled,
);
