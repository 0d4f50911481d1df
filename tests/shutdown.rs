//! SIGTERM during a burst of requests: every request already sent is answered in full, then the process ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{bbb_query, free_port, scalelite, send, Backend, Killed, TestDb};

const SECRET: &str = "shutdown-secret";

#[actix_web::test]
async fn sigterm_lets_requests_in_flight_finish() {
    let db = TestDb::new(Backend::Postgres);
    let (_fake, fake_port) = common::fake_bbb_process(&db);
    let port = free_port();
    let mut child = Killed(
        scalelite(
            &[
                ("DATABASE_URL", &db.url),
                ("LOADBALANCER_SECRET", SECRET),
                ("BIND", &format!("127.0.0.1:{port}")),
                ("RUST_LOG", "warn"),
                ("RECORDING_DISABLED", "true"),
            ],
            &["serve"],
        )
        .stdout(Stdio::null())
        .spawn()
        .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::builder().timeout(Duration::from_secs(30)).finish();
    let get_meetings = format!("{base}/bigbluebutton/api/getMeetings?{}", bbb_query("getMeetings", &[], SECRET));
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let create = bbb_query("create", &[("meetingID", "m1"), ("name", "Shutdown")], SECRET);
        if let Ok(mut reply) = client.get(format!("{base}/bigbluebutton/api/create?{create}")).send().await {
            if String::from_utf8_lossy(&reply.body().await.unwrap()).contains("SUCCESS") {
                break;
            }
        }
        assert!(Instant::now() < deadline, "scalelite did not start with its server online");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Every getMeetings now takes 1.5 s at the BBB server; twenty are under way when SIGTERM comes.
    let control = format!("http://127.0.0.1:{fake_port}/_control/bbb0/slow-1500");
    assert_eq!(send(client.post(control), None).await.status, 200);
    let burst: Vec<_> = (0..20).map(|_| send(client.get(&get_meetings), None)).collect();
    let signal = async {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        let pid = child.0.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    };
    let (replies, ()) = futures_util::future::join(futures_util::future::join_all(burst), signal).await;
    for reply in &replies {
        assert_eq!(reply.status, 200);
        assert!(reply.body.contains("<meetingID>m1</meetingID>"), "answered in full: {}", reply.body);
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "scalelite did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(child.0.try_wait().unwrap().unwrap().success(), "a clean exit");
    assert!(client.get(&get_meetings).send().await.is_err(), "no longer listening");
}
