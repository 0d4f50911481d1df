//! The counts and listing index that make getRecordings' pages cheap (migration 000007) must always agree with
//! the recordings themselves: after any mix of imports, publication changes, metadata updates, trash, restore,
//! deletion and tenant moves, every listing's total and page equal what is computed here from the rows, and every
//! kept count equals a count of its rows. On both backends; on PostgreSQL also while recordings change during
//! the making of a kept count.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use common::{connect, Backend, TestDb};
use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use scalelite::db::models::recording::Recording;
use scalelite::db::models::recording_counts::{self, KEPT_FROM};
use scalelite::db::models::recording_trash;
use scalelite::db::schema::{recording_metadata, recording_value_counts, recordings};
use scalelite::db::DbConnection;
use scalelite::recordings::search::{search, Filter};

const TENANTS: [&str; 2] = ["", "acme"];

fn new_recording(conn: &mut DbConnection, rng: &mut StdRng, i: usize) {
    let mut row = common::published_recording(TENANTS[i % 2], &format!("rec-{i:04}"), 0);
    row.start_time = 1_700_000_000_000 + rng.random_range(0..150) * 1_000; // many ties
    if rng.random_bool(0.3) {
        row.state = "unpublished".into();
        row.published = false;
    }
    diesel::insert_into(recordings::table).values(row.clone()).execute(conn).unwrap();
    let listed = if rng.random_bool(0.5) { "true" } else { "false" };
    let context = format!("c{}", rng.random_range(0..4));
    for (key, value) in [("gl-listed", listed), ("ctx", context.as_str()), ("name", &row.record_id)] {
        diesel::insert_into(recording_metadata::table)
            .values((
                recording_metadata::record_id.eq(&row.record_id),
                recording_metadata::key.eq(key),
                recording_metadata::value.eq(value),
            ))
            .execute(conn)
            .unwrap();
    }
}

/// One random change, through the code that makes it in Scalelite where there is such code.
fn change(conn: &mut DbConnection, rng: &mut StdRng) {
    let ids: Vec<String> = recordings::table.select(recordings::record_id).load(conn).unwrap();
    let id = &ids[rng.random_range(0..ids.len())];
    match rng.random_range(0..7) {
        0 => Recording::set_published(conn, id, rng.random_bool(0.5)).unwrap(),
        1 => {
            let value = if rng.random_bool(0.5) { "true" } else { "false" };
            Recording::update_metadata(
                conn,
                std::slice::from_ref(id),
                &[("gl-listed".into(), Some(value.into()))],
                None,
            )
            .unwrap();
        }
        2 => {
            let changes = [("ctx".to_string(), None), ("gl-listed".to_string(), Some("true".to_string()))];
            Recording::update_metadata(conn, std::slice::from_ref(id), &changes, None).unwrap();
        }
        3 => {
            recording_trash::mark_trashed(conn, id, 1).unwrap();
        }
        4 => {
            recording_trash::mark_restored(conn, id).unwrap();
        }
        5 => Recording::mark_deleted(conn, id).unwrap(),
        _ => {
            let tenant = TENANTS[rng.random_range(0..2)];
            diesel::update(recordings::table.find(id)).set(recordings::tenant_id.eq(tenant)).execute(conn).unwrap();
        }
    }
}

/// The rows, as this test reads them: recordings and their metadata.
fn rows(conn: &mut DbConnection) -> (Vec<Recording>, HashMap<(String, String), String>) {
    let all: Vec<Recording> = recordings::table.select(Recording::as_select()).load(conn).unwrap();
    let metadata: Vec<(String, String, String)> = recording_metadata::table
        .select((recording_metadata::record_id, recording_metadata::key, recording_metadata::value))
        .load(conn)
        .unwrap();
    (all, metadata.into_iter().map(|(id, key, value)| ((id, key), value)).collect())
}

fn check_listings(conn: &mut DbConnection) {
    let (all, metadata) = rows(conn);
    let state_sets: [Option<Vec<String>>; 3] =
        [None, Some(vec!["published".into(), "unpublished".into()]), Some(vec!["unpublished".into()])];
    let metas: [Vec<(String, Vec<String>)>; 4] = [
        vec![],
        vec![("gl-listed".into(), vec!["true".into()])],
        vec![("ctx".into(), vec!["c1".into(), "c2".into(), "c1".into()])],
        vec![("name".into(), vec!["rec-0003".into()])],
    ];
    for tenant in TENANTS {
        for states in &state_sets {
            for meta in &metas {
                let mut expected: Vec<&Recording> = all
                    .iter()
                    .filter(|r| r.tenant_id == tenant)
                    .filter(|r| match states {
                        Some(states) => states.contains(&r.state),
                        None => r.state != "trashed",
                    })
                    .filter(|r| {
                        meta.iter().all(|(key, values)| {
                            metadata.get(&(r.record_id.clone(), key.clone())).is_some_and(|v| values.contains(v))
                        })
                    })
                    .collect();
                expected.sort_by(|a, b| b.start_time.cmp(&a.start_time).then_with(|| a.record_id.cmp(&b.record_id)));
                for (offset, limit) in [(0, 10), (7, 25), (60, 100), (0, 1000)] {
                    let filter = Filter {
                        tenant_id: tenant.into(),
                        states: states.clone(),
                        meta: meta.clone(),
                        offset,
                        limit: Some(limit),
                        ..Filter::default()
                    };
                    let (total, page) = search(conn, &filter).unwrap();
                    let what = format!("tenant {tenant:?}, states {states:?}, meta {meta:?}, {offset}+{limit}");
                    assert_eq!(total, expected.len() as i64, "{what}");
                    let got: Vec<&str> = page.iter().map(|r| r.record_id.as_str()).collect();
                    let want: Vec<&str> = expected
                        .iter()
                        .skip(offset as usize)
                        .take(limit as usize)
                        .map(|r| r.record_id.as_str())
                        .collect();
                    assert_eq!(got, want, "{what}");
                }
            }
        }
    }
}

/// Every kept count equals a count of its rows.
fn check_kept(conn: &mut DbConnection) -> usize {
    let kept: Vec<(String, String, String, String, i64)> = recording_value_counts::table
        .select((
            recording_value_counts::tenant_id,
            recording_value_counts::key,
            recording_value_counts::value,
            recording_value_counts::state,
            recording_value_counts::n,
        ))
        .load(conn)
        .unwrap();
    for (tenant, key, value, state, n) in &kept {
        let exact: i64 = recordings::table
            .inner_join(recording_metadata::table)
            .filter(recordings::tenant_id.eq(tenant))
            .filter(recordings::state.eq(state))
            .filter(recording_metadata::key.eq(key))
            .filter(recording_metadata::value.eq(value))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!(*n, exact, "kept count of {tenant:?} {key}={value} {state}");
    }
    kept.len()
}

fn counts_and_pages_follow_every_change(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let mut rng = StdRng::seed_from_u64(7);
    for i in 0..240 {
        new_recording(&mut conn, &mut rng, i);
    }
    // Kept counts for the values the listings ask for, as a wide filter would have made them.
    for tenant in TENANTS {
        let states = ["published".to_string(), "unpublished".to_string(), "deleted".to_string()];
        for (key, value) in [("gl-listed", "true"), ("gl-listed", "false"), ("ctx", "c1")] {
            recording_counts::keep(&mut conn, tenant, key, &[value.to_string()], &states).unwrap();
        }
    }
    assert_eq!(check_kept(&mut conn), 18);
    check_listings(&mut conn);
    for round in 0..6 {
        for _ in 0..60 {
            change(&mut conn, &mut rng);
        }
        for i in 0..4 {
            new_recording(&mut conn, &mut rng, 240 + round * 4 + i);
        }
        diesel::delete(recordings::table.find(format!("rec-{:04}", rng.random_range(0..240))))
            .execute(&mut conn)
            .unwrap();
        check_kept(&mut conn);
        check_listings(&mut conn);
    }
}

/// A value matching `KEPT_FROM` recordings or more gets its kept count when first counted; the triggers keep it.
fn a_wide_value_gets_a_kept_count(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let n = KEPT_FROM + 5;
    let series = format!("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n})");
    diesel::sql_query(format!(
        "{series} INSERT INTO recordings (record_id, tenant_id, meeting_id, bbb_meeting_id, state, start_time, \
         updated_at) SELECT 'r-' || i, '', 'm', 'm', 'published', i, 0 FROM s"
    ))
    .execute(&mut conn)
    .unwrap();
    diesel::sql_query(
        "INSERT INTO recording_metadata (record_id, key, value) SELECT record_id, 'gl-listed', 'true' FROM recordings",
    )
    .execute(&mut conn)
    .unwrap();
    // Statistics for this test's own count (a nested loop over both tables without them, on PostgreSQL).
    diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();
    let published = vec!["published".to_string()];
    let values = vec!["true".to_string()];
    assert_eq!(recording_value_counts::table.count().get_result::<i64>(&mut conn).unwrap(), 0);
    assert_eq!(recording_counts::with_value(&mut conn, "", "gl-listed", &values, &published).unwrap(), n);
    assert_eq!(check_kept(&mut conn), 1, "the wide value is kept");
    Recording::set_published(&mut conn, "r-1", false).unwrap();
    Recording::update_metadata(&mut conn, &["r-2".to_string()], &[("gl-listed".into(), None)], None).unwrap();
    assert_eq!(recording_counts::with_value(&mut conn, "", "gl-listed", &values, &published).unwrap(), n - 2);
    assert_eq!(check_kept(&mut conn), 1);
    let filter = Filter { meta: vec![("gl-listed".into(), values)], limit: Some(3), offset: 2, ..Filter::default() };
    let (total, page) = search(&mut conn, &filter).unwrap();
    let got: Vec<&str> = page.iter().map(|r| r.record_id.as_str()).collect();
    let last = n;
    let expected = [format!("r-{}", last - 2), format!("r-{}", last - 3), format!("r-{}", last - 4)];
    // r-1 is still listed, unpublished.
    assert_eq!((total, got), (n - 1, expected.iter().map(String::as_str).collect()));
}

on_both_backends_blocking!(counts_and_pages_follow_every_change, a_wide_value_gets_a_kept_count);

/// PostgreSQL: recordings change (other connections, committing all the time) while kept counts are made again
/// and again; each must come out exact.
#[test]
fn kept_counts_are_exact_while_recordings_change() {
    let db = TestDb::new(Backend::Postgres);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let mut rng = StdRng::seed_from_u64(11);
    for i in 0..200 {
        new_recording(&mut conn, &mut rng, i);
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..2)
        .map(|w| {
            let (mut conn, stop) = (connect(&db), stop.clone());
            std::thread::spawn(move || {
                let mut rng = StdRng::seed_from_u64(w);
                let ids: Vec<String> = (0..200).map(|i| format!("rec-{i:04}")).collect();
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let id = &ids[rng.random_range(0..ids.len())];
                    let value = if rng.random_bool(0.5) { "true" } else { "false" };
                    Recording::update_metadata(
                        &mut conn,
                        std::slice::from_ref(id),
                        &[("gl-listed".into(), Some(value.into()))],
                        None,
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    let states = ["published".to_string(), "unpublished".to_string()];
    for _ in 0..100 {
        forget_kept(&mut conn);
        for value in ["true", "false"] {
            recording_counts::keep(&mut conn, "", "gl-listed", &[value.to_string()], &states).unwrap();
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for writer in writers {
        writer.join().unwrap();
    }
    assert_eq!(check_kept(&mut conn), 4);
}

/// Drops every kept count as Scalelite changes them: under the counts' exclusive advisory lock.
fn forget_kept(conn: &mut DbConnection) {
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7307001)").execute(conn)?;
        diesel::delete(recording_value_counts::table).execute(conn)
    })
    .unwrap();
}

/// PostgreSQL: recordings whose values move in opposite directions at once (one true → false while another goes
/// false → true, one published while another is unpublished) change the same count rows; each statement's
/// triggers lock them in one order, so statements run on their own, not tried again, never deadlock.
#[test]
fn opposite_changes_do_not_deadlock() {
    let db = TestDb::new(Backend::Postgres);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let mut rng = StdRng::seed_from_u64(12);
    for i in 0..40 {
        new_recording(&mut conn, &mut rng, i);
    }
    let states = ["published".to_string(), "unpublished".to_string()];
    for value in ["true", "false"] {
        recording_counts::keep(&mut conn, "", "gl-listed", &[value.to_string()], &states).unwrap();
    }
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
    let workers: Vec<_> = (0..4u64)
        .map(|w| {
            let (mut conn, barrier) = (connect(&db), barrier.clone());
            std::thread::spawn(move || {
                let mut rng = StdRng::seed_from_u64(w);
                barrier.wait();
                for _ in 0..400 {
                    let id = format!("rec-{:04}", 2 * rng.random_range(0..20)); // tenant ""
                    let flip = rng.random_bool(0.5);
                    if rng.random_bool(0.5) {
                        let value = if flip { "true" } else { "false" };
                        diesel::update(recording_metadata::table.find((&id, "gl-listed")))
                            .set(recording_metadata::value.eq(value))
                            .execute(&mut conn)
                            .unwrap();
                    } else {
                        let state = if flip { "published" } else { "unpublished" };
                        diesel::update(recordings::table.find(&id))
                            .set((recordings::state.eq(state), recordings::published.eq(flip)))
                            .execute(&mut conn)
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    assert_eq!(check_kept(&mut conn), 4);
}
