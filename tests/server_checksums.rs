//! Each server has the checksum algorithm its calls are signed with (Scalelite #905, #985): a BBB server that
//! accepts only SHA-512 stays offline while it is signed with SHA-256, and comes online and takes meetings once
//! it is set to SHA-512 — through the CLI, the admin API or the sync YAML. New servers default to the strongest of
//! LOADBALANCER_CHECKSUM_ALGORITHM when it is set, else SHA-256, as Ruby Scalelite does.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{cli, cli_with, connect, fails, ok, send, Backend, TestApp};
use fake_bbb::{FakeBbb, FakeServer};
use scalelite::db::models::server::Server;
use serde_json::json;

fn added_id(stdout: &str) -> String {
    stdout.lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_string()
}

async fn poll_until(app: &TestApp, id: &str, online: bool) -> Server {
    for _ in 0..5 {
        app.reload().await;
        app.poll_all().await;
        let server = Server::find(&mut connect(&app.db), id).unwrap().unwrap();
        if server.online == online {
            return server;
        }
    }
    panic!("server {id} did not become {}", if online { "online" } else { "offline" });
}

async fn a_sha512_only_server_takes_meetings_once_signed_with_sha512(backend: Backend) {
    let app = TestApp::new(backend).env("POLL_INTERVAL", "3600").start().await;
    let strict = FakeServer::new("strict", "strict-secret");
    strict.accept_only(&["sha512"]);
    let _fake = FakeBbb::start(vec![strict.clone()], 0, 1).unwrap();
    let url = _fake.url("strict");

    let id = added_id(&ok(cli(&app.db, &["servers", "add", &url, "strict-secret"])));
    ok(cli(&app.db, &["servers", "enable", &id]));
    let server = poll_until(&app, &id, false).await;
    assert_eq!(server.checksum_algorithm, "SHA256", "Ruby's default when LOADBALANCER_CHECKSUM_ALGORITHM is unset");
    let refused = app.bbb("create", &[("name", "Lab"), ("meetingID", "lab")]).await;
    assert_eq!(refused.xml("returncode").as_deref(), Some("FAILED"), "{}", refused.body);

    let bad = fails(cli(&app.db, &["servers", "update", &id, "--checksum-algorithm", "MD5"]));
    assert!(bad.contains("Unknown checksum algorithm 'MD5'"), "{bad}");
    ok(cli(&app.db, &["servers", "update", &id, "--checksum-algorithm", "sha-512"]));
    let server = poll_until(&app, &id, true).await;
    assert_eq!(server.checksum_algorithm, "SHA512");
    let listed = ok(cli(&app.db, &["servers"]));
    assert!(listed.contains("checksum: SHA512"), "{listed}");

    let created = app.bbb("create", &[("name", "Lab"), ("meetingID", "lab")]).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    assert!(strict.state().meetings.contains_key("lab"));
    let joined = app.bbb("join", &[("fullName", "Ada"), ("meetingID", "lab"), ("role", "MODERATOR")]).await;
    assert_eq!(joined.status, 302, "{}", joined.body);
    let sum = joined.location().split("checksum=").nth(1).unwrap();
    assert_eq!(sum.len(), 128, "the join URL is signed with SHA-512: {}", joined.location());
    let followed = send(app.client.get(joined.location()), None).await;
    assert!(!followed.body.contains("checksumError"), "the server accepts the join: {}", followed.body);

    // The admin API sets and shows it too, and refuses an unknown one.
    let info = app.admin_post("updateServer", &json!({"id": id, "server": {"checksum_algorithm": "SHA384"}})).await;
    assert_eq!(info.status, 200, "{}", info.body);
    assert_eq!(info.json()["checksum_algorithm"], "SHA384");
    let bad = app.admin_post("updateServer", &json!({"id": id, "server": {"checksum_algorithm": "SHA3"}})).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let added = app
        .admin_post("addServer", &json!({"server": {"url": "https://b.example.com/bigbluebutton/api", "secret": "s", "checksum_algorithm": "SHA1"}}))
        .await;
    assert_eq!(added.json()["checksum_algorithm"], "SHA1", "{}", added.body);
    app.stop().await;
}

async fn the_default_follows_loadbalancer_checksum_algorithm_and_sync_sets_it(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let env = [("LOADBALANCER_CHECKSUM_ALGORITHM", "SHA1:SHA256:SHA512")];
    let id =
        added_id(&ok(cli_with(&app.db, &env, &["servers", "add", "https://a.example.com/bigbluebutton/api", "s"])));
    assert_eq!(Server::find(&mut connect(&app.db), &id).unwrap().unwrap().checksum_algorithm, "SHA512");

    let yaml = format!("servers:\n  {id}:\n    url: https://a.example.com/bigbluebutton/api\n    secret: s\n    enabled: false\n    checksum_algorithm: SHA1\n  fresh:\n    secret: t\n");
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), yaml).unwrap();
    let path = file.path().to_str().unwrap();
    let dry = ok(cli(&app.db, &["servers", "sync", path, "--dry-run"]));
    assert!(dry.contains(&format!("would update {id}: checksum SHA1")), "{dry}");
    ok(cli_with(&app.db, &env, &["servers", "sync", path]));
    let conn = &mut connect(&app.db);
    assert_eq!(Server::find(conn, &id).unwrap().unwrap().checksum_algorithm, "SHA1");
    assert_eq!(
        Server::find(conn, "fresh").unwrap().unwrap().checksum_algorithm,
        "SHA512",
        "a new one gets the default"
    );
    let exported = ok(cli(&app.db, &["servers", "export"]));
    assert!(
        exported.contains("checksum_algorithm: SHA1") && exported.contains("checksum_algorithm: SHA512"),
        "{exported}"
    );
    std::fs::write(file.path(), "servers:\n  x:\n    secret: s\n    checksum_algorithm: crc32\n").unwrap();
    let bad = fails(cli(&app.db, &["servers", "sync", path]));
    assert!(bad.contains("Server x: Unknown checksum algorithm 'crc32'"), "{bad}");
    app.stop().await;
}

on_both_backends!(
    a_sha512_only_server_takes_meetings_once_signed_with_sha512,
    the_default_follows_loadbalancer_checksum_algorithm_and_sync_sets_it
);
