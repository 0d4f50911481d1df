//! `/metrics`, parsed by the reference Prometheus parser (Python's `prometheus_client`), moves as meetings
//! are created, servers stop and recordings are imported; `METRICS_TOKEN` guards it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};

use common::pool::FakePool;
use common::{send, Backend, TestApp};
use scalelite::actors::messages::ImportNow;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";

/// Samples by name and sorted `k=v` labels, from the text format, through `prometheus_client`'s parser.
struct Scrape(HashMap<String, f64>);

impl Scrape {
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let mut labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
        labels.sort();
        let key = format!("{name}{{{}}}", labels.join(","));
        self.0.get(&key).copied().unwrap_or(0.0)
    }
}

fn parse(text: &str) -> Scrape {
    let script = "import sys, json\n\
        from prometheus_client.parser import text_string_to_metric_families\n\
        out = {}\n\
        for family in text_string_to_metric_families(sys.stdin.read()):\n\
        \x20   for s in family.samples:\n\
        \x20       labels = ','.join(sorted(f'{k}={v}' for k, v in s.labels.items()))\n\
        \x20       out[s.name + '{' + labels + '}'] = s.value\n\
        print(json.dumps(out))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "not the text format: {}\n{text}", String::from_utf8_lossy(&output.stderr));
    Scrape(serde_json::from_slice(&output.stdout).unwrap())
}

async fn scrape(app: &TestApp) -> Scrape {
    let reply = send(app.client.get(app.url("/metrics")), None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("text/plain; version=0.0.4"), "{}", reply.content_type);
    parse(&reply.body)
}

fn write_tar(path: &std::path::Path, files: &[(String, &[u8])]) {
    let mut builder = tar::Builder::new(std::fs::File::create(path).unwrap());
    for (name, content) in files {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder.append_data(&mut header, name, *content).unwrap();
    }
    builder.finish().unwrap();
}

async fn metrics_follow_meetings_servers_and_imports(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).start().await;
    // Metrics are per process and both backends run at once: each names its server after itself.
    let prefix = if backend == Backend::Sqlite { "sqlite" } else { "postgres" };
    let mut pool = FakePool::start_named(&app, 1, prefix).await;
    let name = format!("{prefix}0");
    let before = scrape(&app).await;
    let server = [("server", name.as_str())];
    assert_eq!(before.get("scalelite_server_online", &server), 1.0);
    assert_eq!(before.get("scalelite_server_state", &[("server", &name), ("state", "enabled")]), 1.0);
    assert_eq!(before.get("scalelite_server_meetings", &server), 0.0);
    assert!(before.get("scalelite_db_pool_connections", &[("state", "max")]) >= 1.0);

    let created = app.bbb("create", &[("meetingID", "m1"), ("name", "Metrics")]).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    app.bbb("getMeetingInfo", &[("meetingID", "nope")]).await;
    pool.servers[0].state().meetings.get_mut("m1").unwrap().participants = 3;
    app.poll_all().await;
    let after = scrape(&app).await;
    let created_ok = [("call", "create"), ("returncode", "SUCCESS")];
    assert!(
        after.get("scalelite_api_requests_total", &created_ok)
            >= before.get("scalelite_api_requests_total", &created_ok) + 1.0
    );
    let info_failed = [("call", "getMeetingInfo"), ("returncode", "FAILED")];
    assert!(after.get("scalelite_api_requests_total", &info_failed) >= 1.0);
    assert!(after.get("scalelite_api_request_duration_seconds_count", &[("call", "create")]) >= 1.0);
    assert!(after.get("scalelite_tenant_api_requests_total", &[("tenant", "")]) >= 2.0);
    assert_eq!(after.get("scalelite_server_meetings", &server), 1.0);
    assert_eq!(after.get("scalelite_server_users", &server), 3.0);
    assert_eq!(after.get("scalelite_tenant_users", &[("tenant", ""), ("server", &name)]), 3.0);
    assert!(after.get("scalelite_server_load", &server) >= 3.0);
    assert_eq!(after.get("scalelite_tenant_meetings", &[("tenant", "")]), 1.0);
    assert!(
        after.get("scalelite_server_poll_duration_seconds_count", &server)
            > before.get("scalelite_server_poll_duration_seconds_count", &server)
    );

    pool.fakes[0].stop().await;
    app.poll_all().await;
    app.poll_all().await;
    let down = scrape(&app).await;
    assert_eq!(down.get("scalelite_server_online", &server), 0.0, "a stopped server is offline");
    assert_eq!(down.get("scalelite_tenant_users", &[("tenant", ""), ("server", &name)]), 0.0);
    assert!(
        down.get("scalelite_server_poll_failures_total", &server)
            >= after.get("scalelite_server_poll_failures_total", &server) + 2.0
    );

    let spool = root.path().join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    write_tar(&spool.join(format!("{ID}.tar")), &[(format!("presentation/{ID}/metadata.xml"), SAMPLE.as_bytes())]);
    std::fs::write(spool.join("garbage.tar"), b"not a tar at all").unwrap();
    assert_eq!(scrape(&app).await.get("scalelite_recordings_spool_backlog", &[]), 2.0);
    app.state.recordings.send(ImportNow).await.unwrap();
    let imported = scrape(&app).await;
    assert!(
        imported.get("scalelite_recordings_imported_total", &[])
            >= down.get("scalelite_recordings_imported_total", &[]) + 1.0
    );
    assert!(
        imported.get("scalelite_recordings_failed_total", &[])
            >= down.get("scalelite_recordings_failed_total", &[]) + 1.0
    );
    assert!(imported.get("scalelite_recording_import_duration_seconds_count", &[("outcome", "imported")]) >= 1.0);
    assert_eq!(imported.get("scalelite_recordings_spool_backlog", &[]), 0.0);
    app.stop().await;
}

async fn a_token_guards_the_metrics(backend: Backend) {
    let app = TestApp::new(backend).env("METRICS_TOKEN", "scrape-me").start().await;
    let refused = send(app.client.get(app.url("/metrics")), None).await;
    assert_eq!(refused.status, 401);
    let wrong = send(app.client.get(app.url("/metrics")).insert_header(("Authorization", "Bearer nope")), None).await;
    assert_eq!(wrong.status, 401);
    let request = app.client.get(app.url("/metrics")).insert_header(("Authorization", "Bearer scrape-me"));
    let reply = send(request, None).await;
    assert_eq!(reply.status, 200);
    assert!(parse(&reply.body).get("scalelite_db_pool_connections", &[("state", "max")]) >= 1.0);
    app.stop().await;
}

on_both_backends!(metrics_follow_meetings_servers_and_imports, a_token_guards_the_metrics);
