//! Retention and the trash (issue 14, point 3), with an injected clock: recordings past their tenant's retention
//! (its own, or RECORDING_RETENTION_DAYS; 0: for ever) move to the trash — unlisted, their files out of the
//! published tree — come back whole on a restore, and are purged after RECORDING_TRASH_DAYS; a dry run lists what
//! would go; deleteRecordings goes through the trash when asked; a tenant without recording gets record=false;
//! storage per tenant in the CLI and /metrics. Both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::files::Files;
use common::pool::FakePool;
use common::{bbb_query, cli_with, connect, ok, send, Backend, Reply, TestApp};
use diesel::{QueryDsl, RunQueryDsl};
use scalelite::admin::tenants::{self, TenantUpdate};
use scalelite::db::models::recording::FormatRow;
use scalelite::db::models::recording_trash;
use scalelite::db::schema::{playback_formats, recordings};
use scalelite::recordings::trash;

const DAY: i64 = 86_400_000;

/// A published recording with a presentation folder, ended `age_days` before `now`.
fn recording(app: &TestApp, root: &Path, tenant_id: &str, id: &str, now: i64, age_days: i64) {
    let mut conn = connect(&app.db);
    let end = now - age_days * DAY;
    let row = common::published_recording(tenant_id, id, end - 3_600_000);
    diesel::insert_into(recordings::table).values(row).execute(&mut conn).unwrap();
    let format = FormatRow {
        record_id: id.into(),
        format: "presentation".into(),
        url: format!("https://sl.example.com/playback/presentation/2.3/{id}"),
        length: 60,
        processing_time: None,
        size: Some(1_000),
    };
    diesel::insert_into(playback_formats::table).values(format).execute(&mut conn).unwrap();
    Files::of(root).put(&format!("published/presentation/{id}/metadata.xml"), b"<recording/>");
}

fn where_is(root: &Path, id: &str) -> (bool, bool) {
    let files = Files::of(root);
    (files.exists(&format!("published/presentation/{id}")), files.exists(&format!("unpublished/presentation/{id}")))
}

fn state_of(app: &TestApp, id: &str) -> String {
    let mut conn = connect(&app.db);
    recordings::table.find(id).select(recordings::state).first::<String>(&mut conn).unwrap()
}

async fn listed(app: &TestApp, tenant: &str, secret: &str) -> Vec<String> {
    let query = bbb_query("getRecordings", &[("state", "any")], secret);
    let reply: Reply =
        send(app.client.get(app.url(&format!("/{tenant}/bigbluebutton/api/getRecordings?{query}"))), None).await;
    let doc = roxmltree::Document::parse(&reply.body).unwrap();
    doc.descendants().filter(|n| n.has_tag_name("recordID")).map(|n| n.text().unwrap_or("").to_string()).collect()
}

async fn recordings_age_into_the_trash_and_out(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend)
        .recordings(root.path())
        .envs(&[
            ("MULTITENANCY_ENABLED", "true"),
            ("RECORDING_RETENTION_DAYS", "30"),
            ("RECORDING_TRASH_DAYS", "7"),
            ("RECORDING_DELETE_TO_TRASH", "true"),
        ])
        .start()
        .await;
    let mut conn = connect(&app.db);
    let short = tenants::add(&mut conn, "short", "short-secret").unwrap();
    let keep = tenants::add(&mut conn, "keep", "keep-secret").unwrap();
    let usual = tenants::add(&mut conn, "usual", "usual-secret").unwrap();
    let days = |d| TenantUpdate { recording_retention_days: Some(d), ..Default::default() };
    tenants::update(&mut conn, &short.id, days(Some(10))).unwrap();
    tenants::update(&mut conn, &keep.id, days(Some(0))).unwrap();
    app.reload().await;
    let now = scalelite::db::now_ms();
    recording(&app, root.path(), &short.id, "short-old", now, 15);
    recording(&app, root.path(), &short.id, "short-new", now, 5);
    recording(&app, root.path(), &keep.id, "keep-ancient", now, 400);
    recording(&app, root.path(), &usual.id, "usual-40", now, 40);
    recording(&app, root.path(), &usual.id, "usual-20", now, 20);
    let store = app.state.storage.clone();
    let retention = &app.state.config.retention;

    // A dry run lists, changes nothing.
    let dry = trash::sweep(&mut conn, &store, retention, now, true).unwrap();
    assert_eq!(dry.trashed, ["short-old", "usual-40"]);
    assert_eq!(state_of(&app, "short-old"), "published");
    let env = [("MULTITENANCY_ENABLED", "true")];
    let mut cli_env: Vec<(&str, String)> = env.iter().map(|(k, v)| (*k, v.to_string())).collect();
    let recordings_env = common::recordings_env(root.path());
    for (key, value) in &recordings_env {
        cli_env.push((key.as_str(), value.clone()));
    }
    cli_env.push(("RECORDING_RETENTION_DAYS", "30".into()));
    let cli_env: Vec<(&str, &str)> = cli_env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let printed = ok(cli_with(&app.db, &cli_env, &["recordings", "trash", "sweep", "--dry-run"]));
    assert!(
        printed.contains("would trash short-old") && printed.ends_with("2 would trash, 0 would purge\n"),
        "{printed}"
    );

    // The sweep: unlisted, the files out of the published tree; the others stay.
    let swept = trash::sweep(&mut conn, &store, retention, now, false).unwrap();
    assert_eq!(swept.trashed, ["short-old", "usual-40"]);
    assert_eq!(state_of(&app, "short-old"), "trashed");
    assert_eq!(where_is(root.path(), "short-old"), (false, true));
    assert_eq!(listed(&app, "short", "short-secret").await, ["short-new"], "a trashed recording is not listed");
    assert_eq!(listed(&app, "keep", "keep-secret").await, ["keep-ancient"], "retention 0: kept for ever");
    let trash_list = ok(cli_with(&app.db, &cli_env, &["recordings", "trash", "list"]));
    assert!(
        trash_list.contains("short-old\tshort\t") && trash_list.ends_with("2 recording(s) in the trash\n"),
        "{trash_list}"
    );

    // A restore gives it back whole.
    let restored = ok(cli_with(&app.db, &cli_env, &["recordings", "trash", "restore", "short-old"]));
    assert_eq!(restored, "restored short-old\n");
    assert_eq!(state_of(&app, "short-old"), "published");
    assert_eq!(where_is(root.path(), "short-old"), (true, false));
    assert_eq!(listed(&app, "short", "short-secret").await.len(), 2);
    assert!(!cli_with(&app.db, &cli_env, &["recordings", "trash", "restore", "short-new"]).status.success());

    // deleteRecordings goes through the trash (RECORDING_DELETE_TO_TRASH).
    let query = bbb_query("deleteRecordings", &[("recordID", "usual-20")], "usual-secret");
    let deleted =
        send(app.client.get(app.url(&format!("/usual/bigbluebutton/api/deleteRecordings?{query}"))), None).await;
    assert_eq!(deleted.xml("deleted").as_deref(), Some("true"), "{}", deleted.body);
    assert_eq!(state_of(&app, "usual-20"), "trashed");
    assert_eq!(where_is(root.path(), "usual-20"), (false, true), "its files are kept");

    // Storage per tenant, trash apart.
    let storage = ok(cli_with(&app.db, &cli_env, &["recordings", "storage"]));
    assert!(storage.contains("usual\t2\t2000\t2\t2000"), "{storage}");
    let metrics = send(app.client.get(app.url("/metrics")), None).await.body;
    assert!(metrics.contains(r#"scalelite_tenant_recording_bytes{tenant="usual",where="trash"} 2000"#), "{metrics}");
    assert!(metrics.contains(r#"scalelite_tenant_recording_bytes{tenant="short",where="listed"} 2000"#), "{metrics}");

    // Eight days later, the trash is purged: files gone, the rows kept as deleted; short-old is trashed again.
    let later = now + 8 * DAY;
    let swept = trash::sweep(&mut conn, &store, retention, later, false).unwrap();
    assert_eq!(swept.purged, ["usual-20", "usual-40"], "both trashed 8 days before");
    for id in ["usual-20", "usual-40"] {
        assert_eq!(state_of(&app, id), "deleted");
        assert_eq!(where_is(root.path(), id), (false, false));
    }
    assert_eq!(swept.trashed, ["short-new", "short-old"], "13 and 23 days old then, past 10");
    assert!(recording_trash::find(&mut conn, "short-old").unwrap().is_some());
    app.stop().await;
}

/// A tenant whose meetings may not record: every create gets record=false, whatever the front-end asked.
async fn a_tenant_without_recording_never_records(backend: Backend) {
    let app = TestApp::new(backend).envs(&[("MULTITENANCY_ENABLED", "true")]).start().await;
    let pool = FakePool::untagged(&app, 1).await;
    let tenant = tenants::add(&mut connect(&app.db), "norec", "norec-secret").unwrap();
    let env = [("MULTITENANCY_ENABLED", "true")];
    let shown = ok(cli_with(
        &app.db,
        &env,
        &["tenants", "recordings", "norec", "--recording", "off", "--retention-days", "90"],
    ));
    assert_eq!(shown, "recording: off\nretention_days: 90\n");
    app.reload().await;
    let params = [("name", "x"), ("meetingID", "x"), ("record", "true"), ("autoStartRecording", "true")];
    let query = bbb_query("create", &params, "norec-secret");
    let created = send(app.client.get(app.url(&format!("/norec/bigbluebutton/api/create?{query}"))), None).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    let sent = pool.servers[0].state().meetings["norec~x"].create_params.clone();
    for key in ["record", "autoStartRecording", "allowStartStopRecording"] {
        assert!(sent.contains(&(key.to_string(), "false".to_string())), "{key}: {sent:?}");
    }
    let body =
        serde_json::json!({"id": tenant.id, "tenant": {"recording_enabled": true, "recording_retention_days": null}});
    let updated = app.admin_post("updateTenant", &body).await;
    assert_eq!(updated.json()["tenant"]["recording_enabled"], true, "{}", updated.body);
    assert_eq!(updated.json()["tenant"]["recording_retention_days"], serde_json::Value::Null);
    app.stop().await;
}

on_both_backends!(recordings_age_into_the_trash_and_out, a_tenant_without_recording_never_records);
