//! Memory under an endless answer: 8 concurrent getMeetings against a server that streams a body without end
//! keep the resident size growth under 64 MiB. Alone in its binary, so no other test moves the figure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::pool::FakePool;
use common::{Backend, TestApp};
use scalelite::fake_bbb::Mode;

/// The peak resident size of this process so far, in KiB (`VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[actix_web::test]
async fn endless_answers_do_not_grow_memory() {
    let app = TestApp::start_with(Backend::Sqlite, &[("RESPONSE_TIMEOUT", "5")]).await;
    let pool = FakePool::untagged(&app, 1).await;
    app.bbb("create", &[("name", "Room"), ("meetingID", "m")]).await;
    pool.servers[0].set_mode(Mode::Endless);
    let before = peak_rss_kib();
    for _ in 0..3 {
        let started = Instant::now();
        let calls = (0..8).map(|_| app.bbb("getMeetings", &[]));
        for reply in futures_util::future::join_all(calls).await {
            assert_eq!(reply.xml("messageKey").as_deref(), Some("noMeetings"), "{}", reply.body);
        }
        assert!(started.elapsed() < Duration::from_secs(6), "{:?}", started.elapsed());
    }
    let grown = peak_rss_kib().saturating_sub(before);
    eprintln!("grown {grown} KiB");
    assert!(grown < 64 * 1024, "peak resident size grew by {} MiB", grown / 1024);
    pool.servers[0].set_mode(Mode::Normal);
    app.stop().await;
}
