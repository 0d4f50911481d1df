//! Scalelite tried as a new user would: an unmodified BBB client library from PyPI
//! (bigbluebutton-api-python, installed by tests/run.sh) against Scalelite and three fake BBB servers.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pool::FakePool;
use common::{Backend, TestApp, SECRET};
use scalelite::bbb::checksum::{self, Algorithm};
use scalelite::secret::Secret;

async fn a_python_client_library_runs_meetings_through_scalelite(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 3).await;
    let script = format!("{}/tests/client/bbb_client_check.py", env!("CARGO_MANIFEST_DIR"));
    let base = app.url("/bigbluebutton/api/");
    // The script blocks on HTTP to this test's own server, so it runs on a thread while the server serves.
    let output = actix_web::rt::task::spawn_blocking(move || {
        std::process::Command::new("python3").arg(script).arg(base).arg(SECRET).output().unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the client script failed (install it with: pip install -r tests/client/requirements.txt):\n{stderr}"
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(seen["version"], "2.0");
    assert_eq!(seen["create"]["returncode"], "SUCCESS");
    assert_eq!(seen["create"]["meetingID"], "lib-1");
    assert_eq!(seen["join"]["status"], 302, "{seen}");
    let location = seen["join"]["location"].as_str().unwrap();
    let holder = (0..3)
        .find(|i| location.starts_with(&format!("{}/join?", pool.fakes[*i].url(&format!("bbb{i}")))))
        .unwrap_or_else(|| panic!("the join goes to no fake server: {location}"));
    let created_on = (0..3).find(|i| {
        pool.servers[*i]
            .state()
            .calls
            .iter()
            .any(|(call, query)| call == "create" && query.contains("meetingID=lib-1&"))
    });
    assert_eq!(created_on, Some(holder), "the join goes to the meeting's server");
    assert!(pool.holder("lib-1").is_none(), "the end reached the server");
    let query = location.split_once('?').unwrap().1;
    let secret = Secret::new(format!("secret-{holder}"));
    assert!(checksum::verify("join", query, b"", &[secret], &Algorithm::ALL).is_ok(), "{location}");
    assert_eq!(seen["getMeetingInfo"]["returncode"], "SUCCESS");
    assert_eq!(seen["getMeetingInfo"]["meetingID"], "lib-1");
    assert_eq!(seen["isMeetingRunning"], false, "nobody followed the join yet");
    assert_eq!(seen["getMeetings"], serde_json::json!(["lib-1", "lib-2"]));
    assert_eq!(seen["end"], "sentEndMeetingRequest");
    assert_eq!(seen["isMeetingRunningAfterEnd"], false);
    assert_eq!(seen["getMeetingInfoAfterEnd"], "notFound");
    assert_eq!(seen["wrongSecret"], "checksumError");
    app.stop().await;
}

on_both_backends!(a_python_client_library_runs_meetings_through_scalelite);
