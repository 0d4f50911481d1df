//! Meeting ends that arrive at once (issue 13, point 2): every create gives the BBB server Scalelite's signed
//! `meetingEndedURL`. Ending a meeting on its (fake, separate-process) BBB server makes Scalelite forget it within
//! a second, with no poll; the front-end's `meta_endCallbackUrl` gets its own meeting ID (not the tenant-scoped one
//! the server knows) and its `meetingEndedURL` is called too — and a Scalelite killed while the front-end still
//! fails delivers them after its restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use common::{bbb_query, cli_with, connect, fake_bbb_process, free_port, ok, scalelite, send, Backend, Killed, TestDb};
use scalelite::db::models::callback_delivery::CallbackDelivery;
use scalelite::db::models::meeting::Meeting;

/// Each request a front-end saw: its path and query, and whether it answered 200.
type Seen = Arc<Mutex<Vec<(String, bool)>>>;

/// A front-end that records each request and fails with 503 until told.
fn front_end(up: Arc<AtomicBool>) -> (String, Seen, actix_web::dev::ServerHandle) {
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let server = HttpServer::new(move || {
        let (log, up) = (log.clone(), up.clone());
        App::new().default_service(web::to(move |request: HttpRequest| {
            let (log, up) = (log.clone(), up.clone());
            async move {
                let ok = up.load(Ordering::SeqCst);
                log.lock().unwrap().push((request.uri().to_string(), ok));
                if ok {
                    HttpResponse::Ok().finish()
                } else {
                    HttpResponse::ServiceUnavailable().finish()
                }
            }
        }))
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, seen, handle)
}

fn serve(db: &TestDb, port: u16) -> Killed {
    let port = port.to_string();
    let env = [
        ("DATABASE_URL", db.url.as_str()),
        ("PORT", port.as_str()),
        ("LOADBALANCER_SECRET", common::SECRET),
        ("MULTITENANCY_ENABLED", "true"),
        ("POLL_INTERVAL", "3600"),
        ("RUST_LOG", "info"),
    ];
    Killed(
        scalelite(&env, &["serve"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    )
}

async fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "{what} did not happen within {limit:?}");
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn an_ended_meeting_is_forgotten_at_once_and_its_callbacks_survive_a_restart(backend: Backend) {
    let db = TestDb::new(backend);
    let (_fake, fake_port) = fake_bbb_process(&db);
    ok(cli_with(&db, &[("MULTITENANCY_ENABLED", "true")], &["tenants", "add", "t1", "t1-secret"]));
    let up = Arc::new(AtomicBool::new(false));
    let (front, seen, front_handle) = front_end(up.clone());
    let client = awc::Client::builder().timeout(Duration::from_secs(10)).finish();

    let port = free_port();
    let mut first = serve(&db, port);
    let base = format!("http://127.0.0.1:{port}");
    let (end_url, ended_url) = (format!("{front}/end"), format!("{front}/ended"));
    let params = [
        ("name", "Math"),
        ("meetingID", "math"),
        ("meta_endCallbackUrl", end_url.as_str()),
        ("meetingEndedURL", ended_url.as_str()),
    ];
    let query = bbb_query("create", &params, "t1-secret");
    let create_url = format!("{base}/t1/bigbluebutton/api/create?{query}");
    // Scalelite polls its server at start; the create succeeds once it is online.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(mut response) = client.get(&create_url).send().await {
            let body = response.body().await.unwrap_or_default();
            if String::from_utf8_lossy(&body).contains("<returncode>SUCCESS</returncode>") {
                break;
            }
        }
        assert!(Instant::now() < deadline, "no create succeeded");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let meeting = Meeting::find(&mut connect(&db), &tenant_id(&db), "math").unwrap().unwrap();
    assert_eq!(meeting.bbb_meeting_id, "t1~math");

    // Nobody else can end it through that URL: a forged token changes nothing.
    let forged = format!(
        "{base}/bigbluebutton/api/meeting_ended?meetingID=t1~math&created={}&token={}",
        meeting.created_at,
        "0".repeat(64)
    );
    assert_eq!(send(client.get(forged), None).await.status, 200);
    assert!(Meeting::find(&mut connect(&db), &tenant_id(&db), "math").unwrap().is_some(), "a forged end is ignored");

    // The meeting ends on its server (a moderator ended it there): no call through Scalelite, no poll.
    let end = bbb_query("end", &[("meetingID", "t1~math")], "secret-0");
    let ended = send(client.get(format!("http://127.0.0.1:{fake_port}/bbb0/bigbluebutton/api/end?{end}")), None).await;
    assert_eq!(ended.xml("returncode").as_deref(), Some("SUCCESS"), "{}", ended.body);
    let at = Instant::now();
    wait_for("forgetting the meeting", Duration::from_secs(1), || {
        Meeting::find(&mut connect(&db), &tenant_id(&db), "math").unwrap().is_none()
    })
    .await;
    eprintln!("meeting forgotten {} ms after its end", at.elapsed().as_millis());

    // The front-end is down: its callbacks fail, and Scalelite is killed before it comes back.
    wait_for("a first attempt of each callback", Duration::from_secs(5), || {
        let seen = seen.lock().unwrap();
        seen.iter().any(|(uri, _)| uri.starts_with("/end?")) && seen.iter().any(|(uri, _)| uri == "/ended")
    })
    .await;
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    assert_eq!(CallbackDelivery::count(&mut connect(&db)).unwrap(), 2, "both callbacks wait in the database");
    up.store(true, Ordering::SeqCst);
    let _second = serve(&db, free_port());
    wait_for("the callbacks after the restart", Duration::from_secs(10), || {
        let seen = seen.lock().unwrap();
        seen.iter().any(|(uri, ok)| *ok && uri == "/end?meetingID=math&recordingmarks=false")
            && seen.iter().any(|(uri, ok)| *ok && uri == "/ended")
    })
    .await;
    wait_for("an empty queue", Duration::from_secs(5), || CallbackDelivery::count(&mut connect(&db)).unwrap() == 0)
        .await;
    assert!(
        !seen.lock().unwrap().iter().any(|(uri, _)| uri.contains("t1~math") || uri.contains("t1%7Emath")),
        "the front-end never sees the tenant-scoped ID"
    );
    front_handle.stop(true).await;
}

fn tenant_id(db: &TestDb) -> String {
    scalelite::db::models::tenant::Tenant::find_by_name(&mut connect(db), "t1").unwrap().unwrap().id
}

on_both_backends!(an_ended_meeting_is_forgotten_at_once_and_its_callbacks_survive_a_restart);
