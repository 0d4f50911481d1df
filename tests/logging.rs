//! The log of a whole run (`scalelite serve` at RUST_LOG=info, a `fake-bbb` server, every API call, the admin
//! API, playback, a SIGTERM): one line per request with a request id, and no secret and no checksum anywhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{bbb_query, free_port, scalelite, send, sign, Backend, Killed, TestDb};
use scalelite::bbb::checksum::Algorithm;

const LB_SECRET: &str = "lb-secret-5c0ffee5";
const ADDED_SECRET: &str = "added-server-secret-77aa";

/// Every checksum sent, to look for afterwards.
#[derive(Default)]
struct Sent {
    checksums: Vec<String>,
}

impl Sent {
    fn query(&mut self, call: &str, params: &[(&str, &str)]) -> String {
        let query = bbb_query(call, params, LB_SECRET);
        self.checksums.push(query.rsplit("checksum=").next().unwrap().to_string());
        query
    }

    fn admin(&mut self, call: &str, body: &str) -> String {
        let sum = sign(Algorithm::Sha256, call, "", body, LB_SECRET);
        self.checksums.push(sum.clone());
        format!("/scalelite/api/{call}?checksum={sum}")
    }
}

#[actix_web::test]
async fn the_log_has_a_line_per_request_and_no_secret() {
    let db = TestDb::new(Backend::Sqlite);
    let root = tempfile::tempdir().unwrap();
    let (_fake, _) = common::fake_bbb_process(&db);

    let port = free_port();
    let folder = |name: &str| root.path().join(name).to_string_lossy().into_owned();
    let (log_out, log_err) = (root.path().join("stdout.log"), root.path().join("stderr.log"));
    let child = scalelite(
        &[
            ("DATABASE_URL", &db.url),
            ("LOADBALANCER_SECRET", LB_SECRET),
            ("BIND", &format!("127.0.0.1:{port}")),
            ("RUST_LOG", "info"),
            ("POLL_INTERVAL", "1"),
            ("RECORDING_SPOOL_DIR", &folder("spool")),
            ("RECORDING_WORK_DIR", &folder("work")),
            ("RECORDING_PUBLISH_DIR", &folder("published")),
            ("RECORDING_UNPUBLISH_DIR", &folder("unpublished")),
        ],
        &["serve"],
    )
    .stdout(std::fs::File::create(&log_out).unwrap())
    .stderr(std::fs::File::create(&log_err).unwrap())
    .spawn()
    .unwrap();
    let mut child = Killed(child);
    let base = format!("http://127.0.0.1:{port}");
    let client = awc::Client::builder().disable_redirects().timeout(Duration::from_secs(30)).finish();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut sent = Sent::default();
    loop {
        let query = sent.query("isMeetingRunning", &[("meetingID", "warm-up")]);
        let ready = client.get(format!("{base}/bigbluebutton/api/isMeetingRunning?{query}")).send().await;
        if ready.is_ok_and(|r| r.status() == 200) {
            break;
        }
        assert!(Instant::now() < deadline, "scalelite did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The server goes online after its first poll.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let query = sent.query("create", &[("meetingID", "m1"), ("name", "Log test"), ("moderatorPW", "mod-pw-91")]);
        let created = send(client.get(format!("{base}/bigbluebutton/api/create?{query}")), None).await;
        if created.xml("returncode").as_deref() == Some("SUCCESS") {
            break;
        }
        assert!(Instant::now() < deadline, "no server came online: {}", created.body);
        std::thread::sleep(Duration::from_millis(200));
    }

    let mut requests = 0;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("join", vec![("meetingID", "m1"), ("fullName", "Ann"), ("password", "mod-pw-91")]),
        ("isMeetingRunning", vec![("meetingID", "m1")]),
        ("getMeetingInfo", vec![("meetingID", "m1")]),
        ("getMeetings", vec![]),
        ("sendChatMessage", vec![("meetingID", "m1"), ("message", "hello")]),
        ("getRecordings", vec![("meetingID", "m1")]),
        ("publishRecordings", vec![("recordID", "r1"), ("publish", "true")]),
        ("updateRecordings", vec![("recordID", "r1"), ("meta_x", "y")]),
        ("deleteRecordings", vec![("recordID", "r1")]),
        ("getRecordingTextTracks", vec![("recordID", "r1")]),
        ("end", vec![("meetingID", "m1")]),
    ];
    for (call, params) in &calls {
        let query = sent.query(call, params);
        let reply = send(client.get(format!("{base}/bigbluebutton/api/{call}?{query}")), None).await;
        assert_eq!(reply.status, if *call == "join" { 302 } else { 200 }, "{call}: {}", reply.body);
        requests += 1;
    }
    let query = sent.query("insertDocument", &[("meetingID", "m1")]);
    let xml = "<modules><module name=\"presentation\"><document url=\"https://example.com/a.pdf\"/></module></modules>";
    send(client.post(format!("{base}/bigbluebutton/api/insertDocument?{query}")), Some(("application/xml", xml))).await;
    let query = sent.query("putRecordingTextTrack", &[("recordID", "r1"), ("kind", "subtitles"), ("lang", "en")]);
    let multipart = "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nWEBVTT\r\n--b--\r\n";
    let url = format!("{base}/bigbluebutton/api/putRecordingTextTrack?{query}");
    send(client.post(url), Some(("multipart/form-data; boundary=b", multipart))).await;
    send(
        client.get(format!("{base}/bigbluebutton/api/getMeetings?checksum=0123456789abcdef0123456789abcdef01234567")),
        None,
    )
    .await;
    let tar_sum = sign(Algorithm::Sha256, "uploadRecording", "recordID=r1", "", "secret-0");
    sent.checksums.push(tar_sum.clone());
    let url = format!("{base}/bigbluebutton/api/uploadRecording?recordID=r1&checksum={tar_sum}");
    send(client.post(url), Some(("application/x-tar", "not a tar"))).await;
    let bearer = client
        .post(format!("{base}/bigbluebutton/api/analytics_callback"))
        .insert_header(("Authorization", format!("Bearer {LB_SECRET}.not.a.jwt")));
    send(bearer, Some(("application/json", "{}"))).await;
    let body =
        format!(r#"{{"server":{{"url":"https://bbb9.example.com/bigbluebutton/api","secret":"{ADDED_SECRET}"}}}}"#);
    let url = format!("{base}{}", sent.admin("addServer", &body));
    let reply = send(client.post(url), Some(("application/json", &body))).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let url = format!("{base}{}", sent.admin("getServers", ""));
    assert_eq!(send(client.get(url), None).await.status, 200);
    send(client.get(format!("{base}/recording/r1/presentation?token={}", "a".repeat(64))), None).await;
    send(client.get(format!("{base}/presentation/r1/slides.svg")), None).await;
    let given =
        send(client.get(format!("{base}/bigbluebutton/api")).insert_header(("X-Request-Id", "given-id-42")), None);
    given.await;
    requests += 12;

    let pid = child.0.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.0.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "scalelite did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }

    let log = std::fs::read_to_string(&log_out).unwrap() + &std::fs::read_to_string(&log_err).unwrap();
    for secret in [LB_SECRET, "secret-0", ADDED_SECRET, "mod-pw-91"] {
        assert!(!log.contains(secret), "the log shows {secret}:\n{log}");
    }
    for checksum in &sent.checksums {
        assert!(!log.contains(checksum.as_str()), "the log shows a checksum {checksum}:\n{log}");
    }
    assert!(!log.contains("0123456789abcdef0123456789abcdef01234567"), "a wrong checksum is not logged either");
    assert!(!log.contains(&"a".repeat(64)), "nor a playback token");
    let lines: Vec<&str> = log.lines().filter(|l| l.contains(" request ")).collect();
    assert!(lines.len() >= requests, "{} request lines for {requests} requests:\n{log}", lines.len());
    assert!(lines.iter().any(|l| l.contains("\"GET /bigbluebutton/api/join\" 302")), "{log}");
    assert!(lines.iter().any(|l| l.contains(" request given-id-42 ")), "a client's request id is kept:\n{log}");
    let ids: std::collections::HashSet<&str> =
        lines.iter().filter_map(|l| l.split(" request ").nth(1)?.split(' ').next()).collect();
    assert!(ids.len() >= requests, "every request has its own id:\n{log}");
}
