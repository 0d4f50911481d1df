//! The CLI's rake-task commands about meetings and recordings, on a pool of fake BBB servers: `meetings` (with
//! each meeting's server and forecast), `meetings info`, `meetings end`, `servers meetings`, `poll`, and
//! `recordings list/show/add-to-tenant/update/spool/retry`; on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::pool::FakePool;
use common::{cli, cli_with, connect, fails, ok, Backend, TestApp, TestDb};
use scalelite::db::models::meeting::Meeting;
use scalelite::db::models::meeting_forecast::MeetingForecast;
use scalelite::db::models::recording::{FormatRow, ImportRows, Recording};

/// The line of a table that mentions `needle`.
fn line_with<'a>(table: &'a str, needle: &str) -> &'a str {
    table.lines().find(|l| l.contains(needle)).unwrap_or_else(|| panic!("no line with {needle}:\n{table}"))
}

async fn meetings_show_their_server_and_forecast(backend: Backend) {
    let app = TestApp::new(backend).env("POLL_INTERVAL", "3600").start().await;
    let pool = FakePool::untagged(&app, 2).await;
    let reply =
        app.bbb("create", &[("name", "Algebra"), ("meetingID", "algebra"), ("meta_bbb-meeting-size-hint", "40")]).await;
    assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    for i in 0..3 {
        let name = format!("Student {i}");
        let reply = app.bbb("join", &[("fullName", &name), ("meetingID", "algebra"), ("role", "VIEWER")]).await;
        assert_eq!(reply.status, 302);
    }
    let server = pool.servers[pool.holder("algebra").unwrap()].name.clone();
    // The instance that polls writes each meeting's forecast within a second or so.
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let written = MeetingForecast::all(&mut connect(&app.db)).unwrap();
        if written.iter().any(|f| f.bbb_meeting_id == "algebra" && f.in_flight == 3 && f.source == "hint") {
            break;
        }
        assert!(Instant::now() < deadline, "no forecast written: {written:?}");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }

    let list = ok(cli(&app.db, &["meetings"]));
    assert!(list.starts_with("MEETING ID"), "{list}");
    let row: Vec<&str> = line_with(&list, "algebra").split_whitespace().collect();
    assert_eq!(row[0], "algebra", "{list}");
    assert_eq!(row[1], server, "{list}");
    assert!(row.contains(&"40") && row.contains(&"(hint)") && row.last() == Some(&"3"), "{list}");
    let other = pool.servers.iter().find(|s| s.name != server).unwrap().name.clone();
    let none = ok(cli(&app.db, &["meetings", "list", "--server", &other]));
    assert!(!none.contains("algebra"), "{none}");

    let info = ok(cli(&app.db, &["meetings", "info", "algebra"]));
    assert!(info.contains(&format!("server: {server} (http://")), "{info}");
    assert!(info.contains("forecast: 40.0 users (source: hint), 3 join(s) in flight"), "{info}");
    assert!(
        info.contains("meetingName: Algebra") && info.contains("meetingID: algebra"),
        "what the server says: {info}"
    );
    let missing = fails(cli(&app.db, &["meetings", "info", "geometry"]));
    assert!(missing.contains("Couldn't find meeting with id=geometry"), "{missing}");

    let on_server = ok(cli(&app.db, &["servers", "meetings", &server]));
    let row = line_with(&on_server, "algebra");
    assert!(row.ends_with("algebra"), "placed by Scalelite: {on_server}");
    pool.servers[pool.holder("algebra").unwrap()].state().meetings.get_mut("algebra").unwrap().participants = 3;
    let polled = ok(cli(&app.db, &["poll"]));
    let row: Vec<&str> = line_with(&polled, &format!("{server} ")).split_whitespace().collect();
    assert_eq!(row[3..], ["online", "1", "3", "3", "0"], "{polled}");

    // Ending asks first; --yes does not.
    let refused = fails(cli(&app.db, &["meetings", "end", "algebra"]));
    assert!(refused.contains("no meeting was ended"), "{refused}");
    assert!(pool.holder("algebra").is_some());
    let ended = ok(cli(&app.db, &["meetings", "end", "algebra", "--yes"]));
    assert!(ended.contains("OK: 1 meeting(s) ended"), "{ended}");
    assert_eq!(pool.holder("algebra"), None, "the server got `end`");
    assert!(Meeting::find(&mut connect(&app.db), "", "algebra").unwrap().is_none());
    app.stop().await;
}

fn recording(id: &str, meeting: &str, published: bool, start: i64) -> ImportRows {
    ImportRows {
        recording: Recording {
            record_id: id.into(),
            tenant_id: String::new(),
            meeting_id: meeting.into(),
            bbb_meeting_id: meeting.into(),
            internal_meeting_id: None,
            name: format!("Recording of {meeting}"),
            is_breakout: false,
            published,
            protected: false,
            publish_updated: false,
            state: if published { "published" } else { "unpublished" }.into(),
            start_time: start,
            end_time: start + 60_000,
            participants: Some(4),
            raw_size: None,
            parent_meeting_id: None,
            breakout_sequence: None,
            breakout_rooms: String::new(),
            updated_at: 0,
        },
        metadata: vec![("gl-listed".into(), if published { "true" } else { "false" }.into())],
        format: FormatRow {
            record_id: id.into(),
            format: "presentation".into(),
            url: format!("/playback/presentation/2.3/{id}"),
            length: 1,
            processing_time: None,
            size: None,
        },
        thumbnails: vec![],
    }
}

fn recordings_from_the_command_line(backend: Backend) {
    let db = TestDb::new(backend);
    let root = tempfile::tempdir().unwrap();
    let dir = |name: &str| root.path().join(name).to_string_lossy().into_owned();
    let (spool, published, unpublished) = (dir("spool"), dir("published"), dir("unpublished"));
    let env = [
        ("RECORDING_SPOOL_DIR", spool.as_str()),
        ("RECORDING_PUBLISH_DIR", published.as_str()),
        ("RECORDING_UNPUBLISH_DIR", unpublished.as_str()),
        ("MULTITENANCY_ENABLED", "true"),
    ];
    ok(cli_with(&db, &env, &["db", "migrate"]));
    let conn = &mut connect(&db);
    Recording::import(conn, &recording("rec-a", "math", true, 1_704_189_600_000), false).unwrap();
    Recording::import(conn, &recording("rec-b", "math", false, 1_704_189_700_000), false).unwrap();
    Recording::import(conn, &recording("rec-c", "art", true, 1_704_189_800_000), false).unwrap();
    // rec-b is unpublished, but its files are still in the published tree (Ruby's recordings:update case).
    std::fs::create_dir_all(root.path().join("published/presentation/rec-b")).unwrap();
    std::fs::create_dir_all(root.path().join("published/presentation/rec-a")).unwrap();

    let list = ok(cli_with(&db, &env, &["recordings", "list", "--meeting-id", "math"]));
    let ids: Vec<&str> = list.lines().skip(1).map(|l| l.split_whitespace().next().unwrap()).collect();
    assert_eq!(ids, ["rec-b", "rec-a"], "newest first: {list}");
    assert!(line_with(&list, "rec-a").contains("2024-01-02 10:00:00"), "{list}");
    let listed = ok(cli_with(&db, &env, &["recordings", "list", "--meta", "gl-listed=true"]));
    assert!(listed.contains("rec-a") && listed.contains("rec-c") && !listed.contains("rec-b"), "{listed}");
    let bad = fails(cli_with(&db, &env, &["recordings", "list", "--meta", "gl-listed"]));
    assert!(bad.contains("KEY=VALUE"), "{bad}");

    let shown = ok(cli_with(&db, &env, &["recordings", "show", "rec-c"]));
    assert!(shown.contains("meeting id: art") && shown.contains("gl-listed: true"), "{shown}");
    assert!(
        shown.contains("format presentation: /playback/presentation/2.3/rec-c") && shown.contains("(missing)"),
        "{shown}"
    );

    let updated = ok(cli_with(&db, &env, &["recordings", "update"]));
    assert!(updated.contains("OK: 1 format folder(s) moved, 1 missing"), "{updated}");
    assert!(root.path().join("unpublished/presentation/rec-b").is_dir());
    assert!(!root.path().join("published/presentation/rec-b").exists());

    let added = ok(cli_with(&db, &env, &["tenants", "add", "alpha", "alpha-secret"]));
    assert!(added.starts_with("OK"), "{added}");
    let given = ok(cli_with(&db, &env, &["recordings", "add-to-tenant", "alpha"]));
    assert!(given.contains("OK: 3 recording(s) given to tenant alpha"), "{given}");
    let of_alpha = ok(cli_with(&db, &env, &["recordings", "list", "--tenant", "alpha", "--meta", "gl-listed=true"]));
    assert!(of_alpha.contains("rec-a") && of_alpha.contains("rec-c"), "{of_alpha}");
    let shown = ok(cli_with(&db, &env, &["recordings", "show", "rec-a"]));
    assert!(shown.contains("tenant-id: "), "the metadata Ruby's getRecordings filters on: {shown}");
    let of_none = ok(cli_with(&db, &env, &["recordings", "list"]));
    assert_eq!(of_none.lines().count(), 1, "{of_none}");

    // The spool: one waiting, one failed with its reason; retry puts it back.
    std::fs::create_dir_all(root.path().join("spool/failed")).unwrap();
    std::fs::write(root.path().join("spool/new.tar"), b"").unwrap();
    std::fs::write(root.path().join("spool/failed/bad.tar"), b"").unwrap();
    std::fs::write(root.path().join("spool/failed/bad.tar.reason"), "metadata.xml: not XML\n").unwrap();
    let status = ok(cli_with(&db, &env, &["recordings", "spool"]));
    assert!(status.contains("waiting: 1\n\tnew.tar\nfailed: 1\n\tbad.tar: metadata.xml: not XML"), "{status}");
    let retried = ok(cli_with(&db, &env, &["recordings", "retry", "bad.tar"]));
    assert!(retried.contains("bad.tar is back in the spool"), "{retried}");
    assert!(root.path().join("spool/bad.tar").is_file() && !root.path().join("spool/failed/bad.tar.reason").exists());
    let again = fails(cli_with(&db, &env, &["recordings", "retry", "bad.tar"]));
    assert!(again.contains("no failed tar bad.tar"), "{again}");
    let escape = fails(cli_with(&db, &env, &["recordings", "retry", "../../etc/passwd"]));
    assert!(escape.contains("is not a tar"), "{escape}");
}

on_both_backends!(meetings_show_their_server_and_forecast);
on_both_backends_blocking!(recordings_from_the_command_line);
