//! `scalelite serve` as a newcomer runs it: no configuration, SQLite in the working folder, a generated
//! secret printed once; the health check and the API index; and bad configuration stopping the start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, scalelite, send, sign, Backend, TestApp};
use scalelite::bbb::checksum::Algorithm;

/// A running `scalelite` process, killed when dropped.
struct Running {
    child: Child,
    stdout: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `scalelite` (no arguments) in `dir` and reads its standard output up to the listening line.
fn start(dir: &std::path::Path, port: u16) -> Running {
    let port = port.to_string();
    let mut child = scalelite(&[("PORT", &port), ("RUST_LOG", "warn")], &[])
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut stdout = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let mut line = String::new();
        assert!(reader.read_line(&mut line).unwrap() > 0, "scalelite exited early: {stdout:?}");
        stdout.push(line.trim_end().to_string());
        if line.contains("then enable it") {
            break;
        }
        assert!(Instant::now() < deadline, "no listening line: {stdout:?}");
    }
    Running { child, stdout }
}

async fn get(client: &awc::Client, url: String) -> common::Reply {
    send(client.get(url), None).await
}

#[actix_web::test]
async fn starts_with_no_setup_and_generates_a_secret_once() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let first = start(dir.path(), port);
    let secret_line = first.stdout.iter().find_map(|l| l.trim().strip_prefix("LOADBALANCER_SECRET=")).unwrap();
    let secret = secret_line.to_string();
    assert_eq!(secret.len(), 64);
    assert!(
        first.stdout.iter().any(|l| l.contains(&format!(":{port}")) && l.contains("listening")),
        "{:?}",
        first.stdout
    );
    assert!(first.stdout.iter().any(|l| l.contains("scalelite servers add")), "{:?}", first.stdout);
    assert!(dir.path().join("scalelite.sqlite3").exists(), "the default database is a file in the working folder");

    let client = awc::Client::default();
    let base = format!("http://127.0.0.1:{port}");
    let health = get(&client, format!("{base}/health_check")).await;
    assert_eq!((health.status, health.body.as_str()), (200, "success"));
    assert_eq!(get(&client, format!("{base}/")).await.body, "success");
    let index = get(&client, format!("{base}/bigbluebutton/api")).await;
    assert_eq!(index.xml("returncode").as_deref(), Some("SUCCESS"));
    assert_eq!(index.xml("version").as_deref(), Some("2.0"));
    assert!(index.content_type.starts_with("text/xml"));

    // The printed secret signs admin calls.
    let sum = sign(Algorithm::Sha1, "getServers", "", "", &secret);
    let reply = get(&client, format!("{base}/scalelite/api/getServers?checksum={sum}")).await;
    assert_eq!(reply.status, 404, "{}", reply.body);
    drop(first);

    // A second start keeps the secret and does not print it again.
    let second = start(dir.path(), port);
    let client = awc::Client::default(); // the old one pools connections to the first process
    assert!(
        second.stdout.iter().all(|l| !l.contains(&secret) && !l.contains("LOADBALANCER_SECRET=")),
        "{:?}",
        second.stdout
    );
    let reply = get(&client, format!("{base}/scalelite/api/getServers?checksum={sum}")).await;
    assert_eq!(reply.status, 404, "{}", reply.body);
}

#[test]
fn bad_configuration_stops_the_start_with_one_line_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    for (key, value) in [
        ("LOADBALANCER_CHECKSUM_ALGORITHM", "MD5"),
        ("DATABASE_URL", "mysql://root:pw@localhost/scalelite"),
        ("PORT", "abc"),
        ("MULTITENANCY_ENABLED", "perhaps"),
        ("POLL_INTERVAL", "soon"),
    ] {
        let output = scalelite(&[(key, value)], &[]).current_dir(dir.path()).output().unwrap();
        assert_eq!(output.status.code(), Some(1), "{key}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(stderr.lines().count(), 1, "{key}: {stderr}");
        assert!(stderr.contains(key), "{key}: {stderr}");
        assert!(!stderr.contains("pw@"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
    assert!(!dir.path().join("scalelite.sqlite3").exists(), "nothing started");
}

#[test]
fn reads_a_toml_file_and_the_environment_wins() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scalelite.toml");
    std::fs::write(&file, "port = \"abc\"\n").unwrap();
    let file = file.to_string_lossy().into_owned();
    let output = scalelite(&[], &["--config", &file, "status"]).current_dir(dir.path()).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("PORT=abc"));
    let output =
        scalelite(&[("PORT", "3000")], &["--config", &file, "status"]).current_dir(dir.path()).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    std::fs::write(dir.path().join("typo.toml"), "prot = 3000\n").unwrap();
    let output = scalelite(&[("SCALELITE_CONFIG", "typo.toml")], &["status"]).current_dir(dir.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown key 'prot'"));
}

#[test]
fn an_unreachable_database_is_a_clear_error() {
    let port = free_port();
    let url = format!("postgres://nobody:pw@127.0.0.1:{port}/scalelite");
    let output = scalelite(&[("DATABASE_URL", &url)], &["servers"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("PostgreSQL database scalelite on 127.0.0.1"), "{stderr}");
    assert!(!stderr.contains("pw"), "{stderr}");
}

#[actix_web::test]
async fn health_check_fails_with_503_when_the_database_is_gone() {
    let mut app = TestApp::new(Backend::Postgres).start().await;
    let healthy = send(app.client.get(app.url("/health_check")), None).await;
    assert_eq!(healthy.status, 200);
    assert_eq!(send(app.client.get(app.url("/readyz")), None).await.status, 200);
    app.db.destroy();
    let sick = send(app.client.get(app.url("/health_check")), None).await;
    assert_eq!(sick.status, 503, "{}", sick.body);
    assert!(sick.body.starts_with("Health Check Failure: "), "{}", sick.body);
    assert_eq!(send(app.client.get(app.url("/readyz")), None).await.status, 503, "not ready without a database");
    assert_eq!(send(app.client.get(app.url("/livez")), None).await.status, 200, "but alive");
    app.stop().await;
}

#[actix_web::test]
async fn health_check_fails_while_migrations_are_pending() {
    let app = TestApp::new(Backend::Sqlite).start().await;
    let mut conn = scalelite::db::connect(&scalelite::db::url::DatabaseUrl::parse(&app.db.url).unwrap()).unwrap();
    scalelite::db::revert_all(&mut conn).unwrap();
    let sick = send(app.client.get(app.url("/health_check")), None).await;
    assert_eq!(sick.status, 503, "{}", sick.body);
    assert!(sick.body.contains("migrations are pending"), "{}", sick.body);
    assert_eq!(send(app.client.get(app.url("/readyz")), None).await.status, 503);
    app.stop().await;
}

#[actix_web::test]
async fn unknown_routes_get_the_bbb_error() {
    let app = TestApp::new(Backend::Sqlite).start().await;
    for path in ["/bigbluebutton/api/getJoinUrl", "/favicon.ico", "/scalelite/api"] {
        let reply = send(app.client.get(app.url(path)), None).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(reply.xml("messageKey").as_deref(), Some("unsupportedRequest"), "{path}");
    }
    let reply = send(app.client.post(app.url("/bigbluebutton/api")), None).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"));
    app.stop().await;
}

#[actix_web::test]
async fn a_second_instance_on_one_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = start(dir.path(), free_port());
    let port = free_port().to_string();
    let second = scalelite(&[("PORT", &port), ("RUST_LOG", "warn")], &[]).current_dir(dir.path()).output().unwrap();
    assert!(!second.status.success());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(stderr.contains("another Scalelite instance is serving the SQLite database"), "{stderr}");
    assert!(stderr.contains("PostgreSQL"), "{stderr}");
    drop(first);
    let mut third = start(dir.path(), free_port());
    assert!(third.child.try_wait().unwrap().is_none(), "the lock goes with the instance that held it");
}

#[test]
fn warns_once_about_each_ruby_setting_it_does_not_implement() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port().to_string();
    let mut child = scalelite(
        &[
            ("PORT", &port),
            ("RUST_LOG", "warn"),
            ("CLOUDFRONT_URL", "https://cdn.example"),
            ("CF_PRIVATE_KEY_B64", "pin-secret"),
        ],
        &[],
    )
    .current_dir(dir.path())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    while !line.contains("then enable it") {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "scalelite exited early");
    }
    child.kill().unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    for name in ["CLOUDFRONT_URL", "CF_PRIVATE_KEY_B64"] {
        let warnings = stderr.lines().filter(|l| l.contains(&format!("{name} is set"))).count();
        assert_eq!(warnings, 1, "{name}: {stderr}");
    }
    assert!(stderr.contains("CloudFront playback is not supported"), "{stderr}");
    assert!(!stderr.contains("pin-secret"), "values are not logged: {stderr}");
    assert!(!stderr.contains("REDIS_URL"), "only what is set: {stderr}");
}
