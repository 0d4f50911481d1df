//! `scalelite import-ruby` against a real Ruby Scalelite's stores: a `redis-server` holding Ruby's key layout
//! and a PostgreSQL database with Ruby's schema, filled by the test from the spec (§5, §10). On both of our
//! backends: what it imports, what it skips and why, that a second run changes nothing, that a run after Ruby
//! changed picks the changes up, the dry run, missing recording files, and its errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::ruby::{RedisServer, RubyDatabase, RubyRedis};
use common::{bbb_query, cli_with, connect, fails, ok, send, Backend, TestApp, TestDb, SECRET};
use scalelite::db::models::callback::MeetingCallback;
use scalelite::db::models::meeting::Meeting;
use scalelite::db::models::recording::Recording;
use scalelite::db::models::server::Server;
use scalelite::db::models::tenant::Tenant;
use scalelite::db::models::tenant_setting::TenantSetting;

const T1: &str = "7a1c7c36-0d6c-4b8e-9f5e-1d2b3c4d5e01";
const T2: &str = "7a1c7c36-0d6c-4b8e-9f5e-1d2b3c4d5e02";
const T3: &str = "7a1c7c36-0d6c-4b8e-9f5e-1d2b3c4d5e03";

/// A Ruby deployment: three usable servers and one with a bad URL, three tenants (two with one name), three
/// settings, four meetings (one expired, one on a server that is gone), four recordings (one without an ID),
/// three callback rows (one unreadable).
fn ruby_deployment() -> (RedisServer, RubyDatabase) {
    let redis = RedisServer::start();
    let mut r = RubyRedis::new(&redis);
    r.server(
        "bbb1",
        &[
            ("url", "https://bbb1.example.com/bigbluebutton/api"),
            ("secret", "secret-1"),
            ("online", "true"),
            ("load_multiplier", "2.5"),
            ("state", "enabled"),
            ("bbb_version", "2.7.3"),
            ("meetings", "1"),
            ("users", "12"),
        ],
        true,
    );
    // A server from before states: enabled through `server_enabled`.
    r.server(
        "bbb2",
        &[("url", "https://bbb2.example.com/bigbluebutton/api"), ("secret", "secret-2"), ("online", "false")],
        true,
    );
    r.server(
        "bbb3",
        &[
            ("url", "https://bbb3.example.com/bigbluebutton/api"),
            ("secret", "secret-3"),
            ("online", "true"),
            ("load_multiplier", "1.0"),
            ("state", "cordoned"),
            ("tag", "lab"),
        ],
        false,
    );
    r.server("broken", &[("url", "ftp://old.example.com/"), ("secret", "x")], false);
    r.tenant(T1, &[("name", "alpha"), ("secrets", "alpha-1:alpha-2"), ("lrs_endpoint", "https://lrs.example.com")]);
    r.tenant(T2, &[("name", "beta"), ("secrets", "beta-1")]);
    r.tenant(T3, &[("name", "alpha"), ("secrets", "alpha-old")]);
    // Ruby's name index reaches the first alpha.
    r.hset("tenant_name:alpha", &[("id", T1)]);
    r.setting("s1", T1, "record", "false", "true");
    r.setting("s2", T1, "welcome", "Hello", "false");
    r.setting("s3", T2, "record", "true", "true");
    r.meeting(
        "m1",
        Some(&[("server_id", "bbb1"), ("moderator_pw", "mp1"), ("voice_bridge", "111111111"), ("tenant_id", "")]),
    );
    r.meeting(
        "m2",
        Some(&[("server_id", "bbb3"), ("moderator_pw", "mp2"), ("voice_bridge", "222222222"), ("tenant_id", T1)]),
    );
    r.meeting("m3", None);
    r.meeting(
        "m4",
        Some(&[("server_id", "gone"), ("moderator_pw", "mp4"), ("voice_bridge", "444444444"), ("tenant_id", "")]),
    );

    let db = RubyDatabase::create();
    db.execute(&format!(
        "INSERT INTO recordings (id, record_id, meeting_id, name, published, participants, state, starttime, endtime, protected) VALUES
           (1, 'rec-1', 'm1', 'Math', true, 12, 'published', '2024-01-02 10:00:00', '2024-01-02 10:45:00', false),
           (2, 'rec-2', 'm2', 'Lab', false, 5, 'unpublished', '2024-01-03 09:00:00', '2024-01-03 09:30:00', true),
           (3, 'rec-3', 'm9', 'Old', true, NULL, NULL, NULL, NULL, false),
           (4, NULL, 'm9', 'Broken', true, NULL, 'published', NULL, NULL, false);
         INSERT INTO metadata (recording_id, key, value) VALUES
           (1, 'gl-listed', 'true'), (1, 'bbb-context', 'Algebra'),
           (2, 'tenant-id', '{T1}'), (2, 'tenant-name', 'alpha');
         INSERT INTO playback_formats (id, recording_id, format, url, length) VALUES
           (10, 1, 'presentation', '/playback/presentation/2.3/rec-1', 45),
           (20, 2, 'video', '/playback/video/rec-2/', 30);
         INSERT INTO thumbnails (playback_format_id, width, height, alt, url, sequence) VALUES
           (10, 176, 136, 'Welcome', '/presentation/rec-1/presentation/d1/thumbnails/thumb-1.png', 0),
           (10, 176, 136, 'Fractions', '/presentation/rec-1/presentation/d1/thumbnails/thumb-2.png', 1);
         INSERT INTO callback_data (meeting_id, callback_attributes, created_at, updated_at) VALUES
           ('m1', E'---\\n:recording_ready_url: https://gl.example.com/recording_ready\\n', now(), now()),
           ('m2', E'--- !ruby/hash:ActiveSupport::HashWithIndifferentAccess\\nanalytics_callback_url: https://alpha.example.com/analytics\\n', now(), now()),
           ('m7', 'not yaml: [', now(), now());"
    ));
    (redis, db)
}

fn import(
    db: &TestDb,
    redis: &RedisServer,
    ruby: &RubyDatabase,
    root: &std::path::Path,
    extra: &[&str],
) -> std::process::Output {
    let published = root.join("published").to_string_lossy().into_owned();
    let unpublished = root.join("unpublished").to_string_lossy().into_owned();
    let env = [("RECORDING_PUBLISH_DIR", published.as_str()), ("RECORDING_UNPUBLISH_DIR", unpublished.as_str())];
    let mut args = vec!["import-ruby", "--redis-url", &redis.url, "--ruby-database-url", &ruby.url];
    args.extend_from_slice(extra);
    cli_with(db, &env, &args)
}

/// The numbers of a summary row: found, imported, updated, already there, skipped.
fn row(summary: &str, label: &str) -> Vec<u64> {
    let line = summary.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("no row {label}:\n{summary}"));
    line[label.len()..].split_whitespace().map(|n| n.parse().unwrap()).collect()
}

async fn imports_a_ruby_deployment(backend: Backend) {
    let (redis, ruby) = ruby_deployment();
    let db = TestDb::new(backend);
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("published/presentation/rec-1")).unwrap();

    let first = ok(import(&db, &redis, &ruby, root.path(), &[]));
    assert_eq!(row(&first, "servers"), [4, 3, 0, 0, 1], "{first}");
    assert_eq!(row(&first, "tenants"), [3, 2, 0, 0, 1], "{first}");
    assert_eq!(row(&first, "tenant settings"), [3, 3, 0, 0, 0], "{first}");
    assert_eq!(row(&first, "meetings"), [4, 2, 0, 0, 2], "{first}");
    assert_eq!(row(&first, "recordings"), [4, 3, 0, 0, 1], "{first}");
    assert_eq!(row(&first, "callback data"), [3, 2, 0, 0, 1], "{first}");
    assert!(first.contains("servers broken: its URL 'ftp://old.example.com/' is not http(s) with a host"), "{first}");
    assert!(
        first.contains(&format!("tenants {T3}: its name 'alpha' is also tenant {T1}'s, which Ruby's hosts reached")),
        "{first}"
    );
    assert!(first.contains("meetings m3: its record expired in Redis"), "{first}");
    assert!(first.contains("meetings m4: its server 'gone' is not here"), "{first}");
    assert!(first.contains("recordings row 4: it has no record ID"), "{first}");
    assert!(first.contains("recordings whose files are missing (1):\n  rec-2 (video)"), "{first}");

    let conn = &mut connect(&db);
    let bbb1 = Server::find(conn, "bbb1").unwrap().unwrap();
    assert_eq!((bbb1.state.as_str(), bbb1.online, bbb1.load_multiplier), ("enabled", true, 2.5));
    assert_eq!((bbb1.secret.expose(), bbb1.bbb_version.as_deref(), bbb1.users), ("secret-1", Some("2.7.3"), 12));
    assert_eq!(
        bbb1.checksum_algorithm, "SHA256",
        "Ruby signs with SHA-256 when LOADBALANCER_CHECKSUM_ALGORITHM is unset"
    );
    let bbb2 = Server::find(conn, "bbb2").unwrap().unwrap();
    assert_eq!((bbb2.state.as_str(), bbb2.online, bbb2.load_multiplier), ("enabled", false, 1.0));
    let bbb3 = Server::find(conn, "bbb3").unwrap().unwrap();
    assert_eq!((bbb3.state.as_str(), bbb3.tag.as_deref()), ("cordoned", Some("lab")));

    let alpha = Tenant::find(conn, T1).unwrap().unwrap();
    assert_eq!((alpha.name.as_str(), alpha.secrets.expose()), ("alpha", "alpha-1:alpha-2"));
    assert_eq!(alpha.lrs_endpoint.as_deref(), Some("https://lrs.example.com"));
    assert!(Tenant::find(conn, T3).unwrap().is_none());
    let mut settings: Vec<(String, String, String, bool)> =
        TenantSetting::all(conn).unwrap().into_iter().map(|s| (s.tenant_id, s.param, s.value, s.is_override)).collect();
    settings.sort();
    assert_eq!(
        settings,
        [
            (T1.into(), "record".into(), "false".into(), true),
            (T1.into(), "welcome".into(), "Hello".into(), false),
            (T2.into(), "record".into(), "true".into(), true)
        ]
    );

    let m2 = Meeting::find(conn, T1, "m2").unwrap().unwrap();
    assert_eq!((m2.server_id.as_str(), m2.bbb_meeting_id.as_str()), ("bbb3", "m2"));
    assert_eq!((m2.moderator_pw.as_deref(), m2.voice_bridge.as_deref()), (Some("mp2"), Some("222222222")));
    assert!(Meeting::find(conn, "", "m1").unwrap().is_some());

    let rec2 = Recording::find(conn, "rec-2").unwrap().unwrap();
    assert_eq!((rec2.tenant_id.as_str(), rec2.meeting_id.as_str()), (T1, "m2"));
    assert_eq!((rec2.published, rec2.protected, rec2.state.as_str()), (false, true, "unpublished"));
    let rec3 = Recording::find(conn, "rec-3").unwrap().unwrap();
    assert_eq!((rec3.state.as_str(), rec3.start_time), ("published", 0), "a NULL state follows published");

    let m1 = MeetingCallback::find(conn, "m1").unwrap().unwrap();
    assert_eq!(m1.recording_ready_url.as_deref(), Some("https://gl.example.com/recording_ready"));
    let m2 = MeetingCallback::find(conn, "m2").unwrap().unwrap();
    assert_eq!(
        (m2.tenant_id.as_str(), m2.analytics_callback_url.as_deref()),
        (T1, Some("https://alpha.example.com/analytics"))
    );

    // A second run changes nothing and says so.
    let second = ok(import(&db, &redis, &ruby, root.path(), &[]));
    assert_eq!(row(&second, "servers"), [4, 0, 0, 3, 1], "{second}");
    assert_eq!(row(&second, "tenant settings"), [3, 0, 0, 3, 0], "{second}");
    assert_eq!(row(&second, "meetings"), [4, 0, 0, 2, 2], "{second}");
    assert_eq!(row(&second, "recordings"), [4, 0, 0, 3, 1], "{second}");
    assert_eq!(row(&second, "callback data"), [3, 0, 0, 2, 1], "{second}");
    assert!(second.contains("Nothing changed: everything was already here."), "{second}");

    // Ruby goes on serving: a server is cordoned, a recording renamed, another one made; the next run picks
    // that up.
    RubyRedis::new(&redis).hset("server:bbb1", &[("state", "cordoned")]);
    ruby.execute(
        "UPDATE recordings SET name = 'Algebra' WHERE id = 1;
         INSERT INTO recordings (id, record_id, meeting_id, name, published, state, starttime, endtime)
           VALUES (5, 'rec-5', 'm1', 'Math 2', true, 'published', '2024-01-09 10:00:00', '2024-01-09 10:45:00');
         INSERT INTO metadata (recording_id, key, value) VALUES (5, 'gl-listed', 'false');",
    );
    let third = ok(import(&db, &redis, &ruby, root.path(), &[]));
    assert_eq!(row(&third, "servers"), [4, 0, 1, 2, 1], "{third}");
    assert_eq!(row(&third, "recordings"), [5, 1, 1, 2, 1], "{third}");
    assert_eq!(Server::find(conn, "bbb1").unwrap().unwrap().state, "cordoned");

    // The index answers getRecordings as Ruby's did: times, metadata, playback, thumbnails.
    let app = TestApp::on(db).recordings(root.path()).start().await;
    let query = bbb_query("getRecordings", &[("meetingID", "m1")], SECRET);
    let reply = send(app.client.get(app.url(&format!("/bigbluebutton/api/getRecordings?{query}"))), None).await;
    let body = &reply.body;
    assert!(body.contains("<recordID>rec-1</recordID>") && body.contains("<recordID>rec-5</recordID>"), "{body}");
    assert!(body.contains("<name>Algebra</name>"), "{body}");
    assert!(body.contains("<startTime>1704189600000</startTime>"), "{body}");
    assert!(
        body.contains("<bbb-context>Algebra</bbb-context>") && body.contains("<gl-listed>true</gl-listed>"),
        "{body}"
    );
    assert!(body.contains("/playback/presentation/2.3/rec-1</url>") && body.contains("<length>45</length>"), "{body}");
    assert!(body.contains(r#"alt="Fractions""#), "{body}");
}

async fn a_dry_run_writes_nothing(backend: Backend) {
    let (redis, ruby) = ruby_deployment();
    let db = TestDb::new(backend);
    let root = tempfile::tempdir().unwrap();
    let out = ok(import(&db, &redis, &ruby, root.path(), &["--dry-run"]));
    assert!(out.contains("would import") && out.contains("Dry run: nothing was written."), "{out}");
    assert_eq!(row(&out, "servers"), [4, 3, 0, 0, 1], "{out}");
    assert_eq!(row(&out, "meetings"), [4, 2, 0, 0, 2], "the servers it would import count: {out}");
    assert_eq!(row(&out, "recordings"), [4, 3, 0, 0, 1], "{out}");
    let conn = &mut connect(&db);
    assert!(Server::all(conn).unwrap().is_empty());
    assert!(Tenant::all(conn).unwrap().is_empty());
    assert!(Recording::find(conn, "rec-1").unwrap().is_none());
    assert!(MeetingCallback::find(conn, "m1").unwrap().is_none());
}

async fn unreachable_or_foreign_sources_are_clear_errors(backend: Backend) {
    let db = TestDb::new(backend);
    let root = tempfile::tempdir().unwrap();
    let redis = RedisServer::start();
    let ruby = RubyDatabase::create();
    let port = common::free_port();
    let nowhere = format!("redis://127.0.0.1:{port}/0");
    let err = fails(cli_with(&db, &[], &["import-ruby", "--redis-url", &nowhere, "--ruby-database-url", &ruby.url]));
    assert!(err.contains("cannot read Ruby Scalelite's Redis"), "{err}");
    // Our own database is not Ruby's.
    let not_ruby = TestDb::new(Backend::Postgres);
    ok(cli_with(&not_ruby, &[], &["db", "migrate"]));
    let err =
        fails(cli_with(&db, &[], &["import-ruby", "--redis-url", &redis.url, "--ruby-database-url", &not_ruby.url]));
    assert!(err.contains("cannot read Ruby Scalelite's database"), "{err}");
    // Nothing was half-written by the failed runs.
    let out = ok(import(&db, &redis, &ruby, root.path(), &[]));
    assert_eq!(row(&out, "servers"), [0, 0, 0, 0, 0], "{out}");
}

on_both_backends!(imports_a_ruby_deployment, a_dry_run_writes_nothing, unreachable_or_foreign_sources_are_clear_errors);
