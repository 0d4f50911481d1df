//! Benchmark of the recordings' storage (`bash benches/run.sh storage`): local folders against an S3-compatible
//! bucket — moto's server on loopback (a Python server: the bucket's own cost dominates, so the figures show
//! what Scalelite adds in front of a slow S3, not AWS's speed). SQLite.
//!
//! For local folders, the bucket with playback redirects and the bucket with proxied playback: `scalelite serve`
//! (release build) imports 300 small tars dropped into the spool at once (recordings/s); then 500 plays of one
//! file, one request at a time (p50/p99 ms: a redirect is Scalelite's answer alone — a HEAD to the bucket and a
//! signature — a proxied play carries the bucket's bytes), against the API index as the reference. Then
//! `scalelite recordings migrate-storage` copies the local run's library into an empty bucket, and runs again
//! with everything there (listing and verifying only).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{database, free_port, http, recording_tars, signed, tars_in, wait_for, Proc, SECRET};

const IMPORTS: usize = 300;
const PLAYS: usize = 500;

/// The S3 server's endpoint (benches/run.sh starts it).
fn endpoint() -> String {
    std::env::var("SCALELITE_TEST_S3_ENDPOINT").expect("SCALELITE_TEST_S3_ENDPOINT (benches/run.sh starts moto)")
}

/// Creates a bucket with an unsigned `PUT /<bucket>`, which moto takes.
fn create_bucket(name: &str) {
    let url = url::Url::parse(&endpoint()).unwrap();
    let mut stream = TcpStream::connect((url.host_str().unwrap(), url.port().unwrap())).unwrap();
    write!(stream, "PUT /{name} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

fn bucket_env(bucket: &str, playback: &str) -> Vec<(String, String)> {
    [
        ("S3_RECORDING", "true"),
        ("S3_BUCKET_NAME", bucket),
        ("S3_ENDPOINT", &endpoint()),
        ("S3_PATH_STYLE", "true"),
        ("S3_PLAYBACK", playback),
        ("AWS_ACCESS_KEY_ID", "bench"),
        ("AWS_SECRET_ACCESS_KEY", "bench"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

fn folders(root: &Path) -> Vec<(String, String)> {
    ["spool", "work", "published", "unpublished"]
        .iter()
        .map(|name| {
            let path = root.join(name);
            std::fs::create_dir_all(&path).unwrap();
            let key = match *name {
                "spool" => "RECORDING_SPOOL_DIR",
                "work" => "RECORDING_WORK_DIR",
                "published" => "RECORDING_PUBLISH_DIR",
                _ => "RECORDING_UNPUBLISH_DIR",
            };
            (key.to_string(), path.to_string_lossy().into_owned())
        })
        .collect()
}

fn scalelite(url: &str, env: &[(String, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalelite"));
    command.env_clear().env("DATABASE_URL", url).env("RUST_LOG", "error").envs(env.iter().cloned());
    command
}

/// Latencies of GETs of `path`, one at a time, each answered with `status`: (p50, p99) in ms.
fn latencies(port: u16, path: &str, status: u16, n: usize) -> (f64, f64) {
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let started = Instant::now();
            let (got, body) = http("GET", port, path);
            assert_eq!(got, status, "{path}: {body}");
            started.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    (at(0.50), at(0.99))
}

/// One storage: imports, plays; returns the report's lines.
fn run(name: &str, storage: &[(String, String)], report: &mut Vec<String>) -> tempfile::TempDir {
    let db = database("sqlite");
    let root = tempfile::tempdir().unwrap();
    let port = free_port();
    let mut env = folders(root.path());
    env.extend(storage.iter().cloned());
    env.extend([
        ("LOADBALANCER_SECRET".to_string(), SECRET.to_string()),
        ("BIND".to_string(), format!("127.0.0.1:{port}")),
        ("RECORDING_IMPORT_POLL_INTERVAL".to_string(), "0.1".to_string()),
    ]);
    let _server = Proc(scalelite(&db.url, &env).stdout(Stdio::null()).arg("serve").spawn().unwrap());
    wait_for("scalelite", Duration::from_secs(60), || {
        TcpStream::connect(("127.0.0.1", port)).is_ok() && http("GET", port, "/health_check").0 == 200
    });
    let spool = root.path().join("spool");
    let tars = recording_tars(&root.path().join("staging"), IMPORTS, "bench-storage");
    let started = Instant::now();
    for tar in &tars {
        std::fs::rename(tar, spool.join(tar.file_name().unwrap())).unwrap();
    }
    wait_for("the import", Duration::from_secs(900), || tars_in(&spool) == 0);
    let took = started.elapsed().as_secs_f64();
    assert_eq!(tars_in(&spool.join("failed")), 0, "no tar failed");
    let (_, body) = http("GET", port, &signed("getRecordings", &[("meetingID", "bench-storage"), ("limit", "1")]));
    let id = body.split("<recordID>").nth(1).unwrap().split('<').next().unwrap().to_string();
    report.push(format!(
        "{name}: import of {IMPORTS} small tars (3 files each): {took:.1} s = {:.0} recordings/s",
        IMPORTS as f64 / took
    ));
    let index = latencies(port, "/bigbluebutton/api", 200, PLAYS);
    let status = if name.contains("redirect") { 302 } else { 200 };
    let play = latencies(port, &format!("/presentation/{id}/shapes.svg"), status, PLAYS);
    report.push(format!(
        "{name}: play a file (HTTP {status}): p50 {:.2} ms, p99 {:.2} ms; API index (reference) p50 {:.2} ms, p99 {:.2} ms",
        play.0, play.1, index.0, index.1
    ));
    root
}

fn main() {
    let mut report = Vec::new();
    let local = run("local folders", &[], &mut report);
    for playback in ["redirect", "proxy"] {
        let bucket = format!("bench-{playback}-{}", std::process::id());
        create_bucket(&bucket);
        run(&format!("bucket, {playback}"), &bucket_env(&bucket, playback), &mut report);
    }
    // The local run's library (300 recordings, 900 files) into an empty bucket, then again with all of it there.
    let bucket = format!("bench-migrate-{}", std::process::id());
    create_bucket(&bucket);
    let mut env = folders(local.path());
    env.extend(bucket_env(&bucket, "redirect"));
    let db = database("sqlite");
    for round in ["copy and verify", "again, all there: list and verify"] {
        let started = Instant::now();
        let done = scalelite(&db.url, &env).args(["recordings", "migrate-storage"]).output().unwrap();
        let took = started.elapsed().as_secs_f64();
        let out = String::from_utf8_lossy(&done.stdout).into_owned();
        assert!(
            done.status.success() && out.contains("OK: 900 file(s) verified"),
            "{out}{}",
            String::from_utf8_lossy(&done.stderr)
        );
        report.push(format!("migrate-storage of 900 files, {round}: {took:.1} s = {:.0} files/s", 900.0 / took));
    }
    println!(
        "\n== Scalelite storage benchmark ({} cores) ==",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    for line in report {
        println!("{line}");
    }
}
