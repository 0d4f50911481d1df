//! kill -9 or SIGTERM in the middle of an import, then a restart: the recording is imported exactly once, with
//! its files.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{free_port, scalelite, Backend, TestDb};
use scalelite::db::models::recording::Recording;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";

fn write_big_tar(path: &std::path::Path) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    let mut header = tar::Header::new_gnu();
    header.set_size(SAMPLE.len() as u64);
    header.set_mode(0o644);
    builder.append_data(&mut header, format!("presentation/{ID}/metadata.xml"), SAMPLE.as_bytes()).unwrap();
    let big = vec![7u8; 64 << 20];
    for i in 0..3 {
        let mut header = tar::Header::new_gnu();
        header.set_size(big.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, format!("presentation/{ID}/video-{i}.webm"), big.as_slice()).unwrap();
    }
    builder.finish().unwrap();
}

/// Stops the process with a signal (`KILL` or `TERM`) and waits for it to end.
fn stop(child: &mut std::process::Child, signal: &str) {
    let pid = child.id().to_string();
    assert!(std::process::Command::new("kill").args([&format!("-{signal}"), &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "scalelite did not stop on SIG{signal}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn crash_during_import_then_restart(backend: Backend) {
    stopped_during_import_then_restart(backend, "KILL");
}

fn sigterm_during_import_then_restart(backend: Backend) {
    stopped_during_import_then_restart(backend, "TERM");
}

fn stopped_during_import_then_restart(backend: Backend, signal: &str) {
    let db = TestDb::new(backend);
    let root = tempfile::tempdir().unwrap();
    let folder = |name: &str| root.path().join(name).to_string_lossy().into_owned();
    let (spool, work, published, unpublished) =
        (folder("spool"), folder("work"), folder("published"), folder("unpublished"));
    std::fs::create_dir_all(&spool).unwrap();
    let tar_path = root.path().join("spool").join(format!("{ID}.tar"));
    let start = |port: u16| {
        let port = port.to_string();
        scalelite(
            &[
                ("DATABASE_URL", &db.url),
                ("LOADBALANCER_SECRET", "s"),
                ("PORT", &port),
                ("RUST_LOG", "warn"),
                ("RECORDING_SPOOL_DIR", &spool),
                ("RECORDING_WORK_DIR", &work),
                ("RECORDING_PUBLISH_DIR", &published),
                ("RECORDING_UNPUBLISH_DIR", &unpublished),
                ("RECORDING_IMPORT_POLL_INTERVAL", "1"),
            ],
            &[],
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
    };
    let imported = || {
        let mut conn = common::connect(&db);
        Recording::find(&mut conn, ID).ok().flatten()
    };
    // Kill at several moments of the import; each time, a restart must finish the job.
    for delay in [150, 400, 800] {
        write_big_tar(&tar_path);
        let mut child = start(free_port());
        std::thread::sleep(Duration::from_millis(delay));
        stop(&mut child, signal);
        let mut child = start(free_port());
        let deadline = Instant::now() + Duration::from_secs(60);
        while tar_path.exists() || imported().is_none() {
            assert!(Instant::now() < deadline, "the restart did not finish the import (SIG{signal} after {delay} ms)");
            std::thread::sleep(Duration::from_millis(100));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        let dir = root.path().join(format!("published/presentation/{ID}"));
        for i in 0..3 {
            let size = std::fs::metadata(dir.join(format!("video-{i}.webm"))).unwrap().len();
            assert_eq!(size, 64 << 20, "file {i} whole (SIG{signal} after {delay} ms)");
        }
        let mut conn = common::connect(&db);
        let filter = scalelite::recordings::search::Filter { states: None, ..Default::default() };
        let (total, _) = scalelite::recordings::search::search(&mut conn, &filter).unwrap();
        assert_eq!(total, 1, "imported exactly once (SIG{signal} after {delay} ms)");
        assert!(!root.path().join(format!("unpublished/presentation/{ID}")).exists());
        let leftovers = std::fs::read_dir(&work).map(|d| d.count()).unwrap_or(0);
        assert_eq!(leftovers, 0, "no work folder left behind (SIG{signal} after {delay} ms)");
    }
}

on_both_backends_blocking!(crash_during_import_then_restart, sigterm_during_import_then_restart);
