//! Memory under endless answers: 8, then five times 32 concurrent getMeetings against a BBB server that streams
//! a body without end keep Scalelite's peak resident size growth under 128 MiB in all: unbounded buffers would
//! take gigabytes within the response timeout, and a leak of 20 MiB a round would pass the bound. (The answers'
//! budget is 24 MiB; allocator arenas and worker threads add a noisy 20–45 MiB: 44–69 MiB were measured after a
//! first round of 32, too close to the former bound of 64 MiB.) The fake server is another process, so only
//! Scalelite's memory is measured, and this test is alone in its binary, so no other test moves it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{fake_bbb_process, Backend, TestApp, TestDb};

/// The peak resident size of this process so far, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[actix_web::test]
async fn endless_answers_do_not_grow_memory() {
    let db = TestDb::new(Backend::Sqlite);
    let (_fake, port) = fake_bbb_process(&db);
    let app = TestApp::on(db).env("RESPONSE_TIMEOUT", "5").start().await;
    app.poll_all().await;
    let created = app.bbb("create", &[("name", "Room"), ("meetingID", "m")]).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    let control = |mode: &str| app.client.post(format!("http://127.0.0.1:{port}/_control/bbb0/{mode}")).send();
    assert!(control("endless").await.unwrap().status().is_success());
    let before = peak_rss_kib();
    for concurrent in [8, 32, 32, 32, 32, 32] {
        let started = Instant::now();
        let calls = (0..concurrent).map(|_| app.bbb("getMeetings", &[]));
        for reply in futures_util::future::join_all(calls).await {
            assert_eq!(reply.xml("messageKey").as_deref(), Some("noMeetings"), "{}", reply.body);
        }
        assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
        let grown = peak_rss_kib().saturating_sub(before);
        eprintln!("{concurrent} at once: peak resident size grown by {grown} KiB");
        assert!(grown < 128 * 1024, "{concurrent} at once: peak resident size grew by {} MiB", grown / 1024);
    }
    assert!(control("normal").await.unwrap().status().is_success());
    app.stop().await;
}
