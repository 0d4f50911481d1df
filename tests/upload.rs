//! Recordings uploaded over HTTP by BBB servers, with the shipped post-publish script (bash and curl).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pool::FakePool;
use common::{send, Backend, TestApp};
use scalelite::actors::messages::ImportNow;
use scalelite::bbb::checksum::{self, Algorithm};
use scalelite::secret::Secret;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";

fn run_script(base: &str, secret: &str, published: &std::path::Path) -> std::process::Output {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/config/bbb/scalelite_upload.sh");
    std::process::Command::new("bash")
        .arg(script)
        .args(["-m", ID])
        .env("SCALELITE_URL", base)
        .env("BBB_SECRET", secret)
        .env("PUBLISHED_DIR", published)
        .env("UPLOAD_RETRIES", "0")
        .output()
        .unwrap()
}

async fn the_post_publish_script_uploads_a_recording(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).start().await;
    let spool = root.path().join("spool");
    let _pool = FakePool::untagged(&app, 1).await;
    // The BBB server's own published tree.
    let bbb = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(bbb.path().join(format!("presentation/{ID}"))).unwrap();
    std::fs::write(bbb.path().join(format!("presentation/{ID}/metadata.xml")), SAMPLE).unwrap();
    std::fs::write(bbb.path().join(format!("presentation/{ID}/slide.png")), b"png").unwrap();

    let base = app.url("/bigbluebutton/api");
    let (b, p) = (base.clone(), bbb.path().to_path_buf());
    let wrong = actix_web::rt::task::spawn_blocking(move || run_script(&b, "not-a-server-secret", &p)).await.unwrap();
    assert!(!wrong.status.success(), "a secret of no server is refused");
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("checksumError"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );

    let (b, p) = (base.clone(), bbb.path().to_path_buf());
    let sent = actix_web::rt::task::spawn_blocking(move || run_script(&b, "secret-0", &p)).await.unwrap();
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    app.state.recordings.send(ImportNow).await.unwrap();
    let files = common::files::Files::of(root.path());
    assert_eq!(files.read(&format!("published/presentation/{ID}/slide.png")).as_deref(), Some(&b"png"[..]));
    let listed = app.bbb("getRecordings", &[("recordID", ID)]).await;
    assert!(listed.body.contains(&format!("<recordID>{ID}</recordID>")), "{}", listed.body);

    // A signed URL cannot carry another body.
    let query = format!("recordID={ID}&sha256={}", "0".repeat(64));
    let sum = checksum::sign(Algorithm::Sha256, "uploadRecording", &query, b"", &Secret::new("secret-0"));
    let request = app.client.post(app.url(&format!("/bigbluebutton/api/uploadRecording?{query}&checksum={sum}")));
    let reply = send(request, Some(("application/x-tar", "not the signed tar"))).await;
    assert_eq!(reply.xml("messageKey").as_deref(), Some("checksumError"), "{}", reply.body);
    let left: Vec<_> = std::fs::read_dir(&spool).unwrap().filter_map(Result::ok).map(|e| e.file_name()).collect();
    assert!(left.iter().all(|n| n == "failed"), "nothing left in the spool: {left:?}");
    app.stop().await;
}

on_both_backends!(the_post_publish_script_uploads_a_recording);
