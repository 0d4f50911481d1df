//! What each tenant used, per UTC day (issue 13, point 3): meeting-minutes and user-minutes (the time between two
//! samples, at the meetings and users of that moment), peaks, and the recordings started that day with the bytes
//! of their formats; sampled with an injected clock here, and by the leading instance's sampler in a running app;
//! exported as CSV and JSON by the CLI and the admin API.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::{cli_with, connect, ok, Backend, TestApp, TestDb};
use diesel::RunQueryDsl;
use scalelite::admin::tenants;
use scalelite::admin::usage::{self, UsageQuery};
use scalelite::db::models::meeting::Meeting;
use scalelite::db::models::meeting_forecast::MeetingForecast;
use scalelite::db::models::recording::FormatRow;
use scalelite::db::models::tenant_usage::{self, TenantUsage};
use scalelite::db::schema::{playback_formats, recordings};
use scalelite::utc;

const DAY: i64 = 86_400_000;

/// A meeting of a tenant with `users` polled and `in_flight` joins not yet polled.
fn meeting(conn: &mut scalelite::db::DbConnection, tenant_id: &str, id: &str, users: i32, in_flight: i32) {
    let bbb_meeting_id = format!("{tenant_id}~{id}");
    let row = Meeting {
        tenant_id: tenant_id.into(),
        meeting_id: id.into(),
        bbb_meeting_id: bbb_meeting_id.clone(),
        server_id: "bbb0".into(),
        moderator_pw: None,
        voice_bridge: None,
        created_at: 0,
    };
    row.insert(conn).unwrap();
    let forecast = MeetingForecast {
        server_id: "bbb0".into(),
        bbb_meeting_id,
        users: 30.0,
        source: "hint".into(),
        in_flight,
        load: 30.0,
        updated_at: 0,
        polled_users: users,
    };
    MeetingForecast::store(conn, &[forecast], &[]).unwrap();
}

fn recording(conn: &mut scalelite::db::DbConnection, tenant_id: &str, id: &str, start_time: i64, sizes: &[i64]) {
    let row = common::published_recording(tenant_id, id, start_time);
    diesel::insert_into(recordings::table).values(row).execute(conn).unwrap();
    for (i, size) in sizes.iter().enumerate() {
        let format = FormatRow {
            record_id: id.into(),
            format: format!("f{i}"),
            url: "https://x".into(),
            length: 1,
            processing_time: None,
            size: Some(*size),
        };
        diesel::insert_into(playback_formats::table).values(format).execute(conn).unwrap();
    }
}

fn usage_of(conn: &mut scalelite::db::DbConnection, day: &str) -> Vec<TenantUsage> {
    tenant_usage::between(conn, day, day, None).unwrap()
}

fn sampled_with_an_injected_clock_and_reported(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let acme = tenants::add(&mut conn, "acme", "acme-secret").unwrap();
    let beta = tenants::add(&mut conn, "beta", "beta-secret").unwrap();
    meeting(&mut conn, &acme.id, "a1", 20, 5);
    meeting(&mut conn, &acme.id, "a2", 10, 0);
    meeting(&mut conn, &beta.id, "b1", 3, 0);
    let start = utc::day_start("2026-12-01").unwrap() + 10 * 3_600_000;
    let max_gap = 30_000;

    tenant_usage::sample(&mut conn, start, max_gap).unwrap();
    let first = usage_of(&mut conn, "2026-12-01");
    assert_eq!(first.iter().map(|u| (u.meeting_ms, u.user_ms)).collect::<Vec<_>>(), [(0, 0), (0, 0)]);
    let peak = |id: &str| first.iter().find(|u| u.tenant_id == id).unwrap().peak_users;
    assert_eq!((peak(&acme.id), peak(&beta.id)), (35, 3), "the joins in flight count");

    tenant_usage::sample(&mut conn, start + 10_000, max_gap).unwrap();
    let acme_day = |conn: &mut scalelite::db::DbConnection| {
        usage_of(conn, "2026-12-01").into_iter().find(|u| u.tenant_id == acme.id).unwrap()
    };
    let after = acme_day(&mut conn);
    assert_eq!(
        (after.meeting_ms, after.user_ms, after.peak_meetings),
        (20_000, 350_000, 2),
        "10 s × 2 meetings, × 35 users"
    );

    // A stopped pool (no sample for an hour) is not billed past the gap.
    Meeting::delete(&mut conn, &acme.id, "a2").unwrap();
    tenant_usage::sample(&mut conn, start + 10_000 + 3_600_000, max_gap).unwrap();
    let later = acme_day(&mut conn);
    assert_eq!(
        (later.meeting_ms, later.user_ms),
        (50_000, 1_100_000),
        "at most 30 s added: 30 s × 1 meeting, × 25 users"
    );
    assert_eq!((later.peak_meetings, later.peak_users), (2, 35), "peaks stay");
    // A sample that comes twice at the same time adds nothing (a leader change).
    tenant_usage::sample(&mut conn, start + 10_000 + 3_600_000, max_gap).unwrap();
    assert_eq!(acme_day(&mut conn), later);

    // The next day is a day of its own: a sample's time goes to the day it ends in.
    let next_day = utc::day_start("2026-12-02").unwrap() + 5_000;
    tenant_usage::sample(&mut conn, next_day - 10_000, max_gap).unwrap();
    tenant_usage::sample(&mut conn, next_day, max_gap).unwrap();
    let second = usage_of(&mut conn, "2026-12-02");
    assert_eq!(second.iter().find(|u| u.tenant_id == acme.id).unwrap().meeting_ms, 10_000);
    assert_eq!(acme_day(&mut conn).meeting_ms, 80_000, "the evening's 30 s (the most) on the first day");

    recording(&mut conn, &acme.id, "r1", start, &[1_000, 500]);
    recording(&mut conn, &acme.id, "r2", start + 1, &[250]);
    recording(&mut conn, &beta.id, "r3", next_day, &[7]);
    recording(&mut conn, &beta.id, "r-old", start - 40 * DAY, &[9]);

    let query = UsageQuery { from: Some("2026-12-01".into()), to: Some("2026-12-02".into()), tenant: None };
    let rows = usage::report(&mut conn, &query).unwrap();
    let summary: Vec<(&str, &str, i64, i64)> =
        rows.iter().map(|r| (r.day.as_str(), r.tenant_name.as_str(), r.recordings, r.recording_bytes)).collect();
    assert_eq!(
        summary,
        [
            ("2026-12-01", "acme", 2, 1_750),
            ("2026-12-01", "beta", 0, 0),
            ("2026-12-02", "acme", 0, 0),
            ("2026-12-02", "beta", 1, 7)
        ]
    );
    assert_eq!(rows[0].meeting_minutes, 1.3, "80 s");
    assert_eq!(rows[0].user_minutes, 30.8, "1,850 s");
    let csv = usage::to_csv(&rows[..1]);
    let header =
        "day,tenant_id,tenant_name,meeting_minutes,user_minutes,peak_meetings,peak_users,recordings,recording_bytes";
    assert_eq!(csv, format!("{header}\n2026-12-01,{},acme,1.3,30.8,2,35,2,1750\n", acme.id));
    let only_beta = UsageQuery { tenant: Some("beta".into()), ..query.clone() };
    let beta_rows = usage::report(&mut conn, &only_beta).unwrap();
    assert!(beta_rows.iter().all(|r| r.tenant_name == "beta"));
    let beta_recorded: Vec<(&str, i64, i64)> =
        beta_rows.iter().map(|r| (r.day.as_str(), r.recordings, r.recording_bytes)).collect();
    assert_eq!(beta_recorded, [("2026-12-01", 0, 0), ("2026-12-02", 1, 7)]);
    for bad in [
        UsageQuery { from: Some("2026-12-32".into()), ..query.clone() },
        UsageQuery { from: Some("2026-12-03".into()), ..query.clone() },
        UsageQuery { tenant: Some("nobody".into()), ..query.clone() },
    ] {
        assert!(usage::report(&mut conn, &bad).is_err(), "{bad:?}");
    }
}

/// A running app samples by itself; the CLI and the admin API export the days.
async fn a_running_app_samples_and_exports(backend: Backend) {
    let app =
        TestApp::new(backend).envs(&[("MULTITENANCY_ENABLED", "true"), ("USAGE_SAMPLE_INTERVAL", "0.2")]).start().await;
    let mut conn = connect(&app.db);
    let acme = tenants::add(&mut conn, "acme", "acme-secret").unwrap();
    meeting(&mut conn, &acme.id, "a1", 4, 0);
    let today = utc::day(scalelite::db::now_ms());
    let deadline = Instant::now() + Duration::from_secs(10);
    while usage_of(&mut conn, &today).iter().all(|u| u.meeting_ms < 1_000) {
        assert!(Instant::now() < deadline, "the sampler did not count the meeting");
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let env = [("MULTITENANCY_ENABLED", "true")];
    let csv = ok(cli_with(&app.db, &env, &["tenants", "usage", "--tenant", "acme", "--format", "csv"]));
    let line = csv.lines().nth(1).unwrap_or_default();
    assert!(line.starts_with(&format!("{today},{},acme,", acme.id)), "{csv}");
    assert!(line.ends_with(",1,4,0,0"), "peaks 1 meeting, 4 users; no recordings: {csv}");
    let json = ok(cli_with(&app.db, &env, &["tenants", "usage", "--format", "json"]));
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed[0]["tenant_name"], "acme");
    assert_eq!(parsed[0]["peak_users"], 4);
    let bad = cli_with(&app.db, &env, &["tenants", "usage", "--format", "xml"]);
    assert!(!bad.status.success());

    let api = app.admin_get("getTenantUsage", &format!("tenant=acme&from={today}&to={today}")).await;
    assert_eq!(api.status, 200, "{}", api.body);
    assert_eq!(api.json()[0]["peak_users"], 4);
    let api_csv = app.admin_get("getTenantUsage", "format=csv").await;
    assert!(api_csv.content_type.starts_with("text/csv"), "{}", api_csv.content_type);
    assert!(api_csv.body.starts_with("day,tenant_id,tenant_name,"), "{}", api_csv.body);
    let wrong = app.admin_get("getTenantUsage", "from=yesterday").await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    app.stop().await;
}

on_both_backends_blocking!(sampled_with_an_injected_clock_and_reported);
on_both_backends!(a_running_app_samples_and_exports);
