//! getRecordings' pages of several states (its default: published and unpublished) are read one state at a time
//! and merged; every page must be the one a single sorted query gives: newest first, record ID on ties, the right
//! offset, the total of every state. Checked against an order computed here, on both backends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{connect, Backend, TestDb};
use diesel::RunQueryDsl;
use scalelite::db::schema::recordings;
use scalelite::recordings::search::{search, Filter};

fn pages_of_several_states_are_merged_right(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let states = ["published", "unpublished", "deleted", "processing"];
    let mut rows = Vec::new();
    for i in 0..300i64 {
        let mut row = common::published_recording("", &format!("rec-{:03}", (i * 37) % 300), 0);
        // Many ties in start time (i / 3), so that the record ID decides.
        row.start_time = 1_700_000_000_000 + (i / 3) * 1_000 + if i % 7 == 0 { 500 } else { 0 };
        row.state = states[(i % 4) as usize].to_string();
        row.published = row.state == "published";
        rows.push(row);
    }
    for row in &rows {
        diesel::insert_into(recordings::table).values(row.clone()).execute(&mut conn).unwrap();
    }
    let wanted = ["published".to_string(), "unpublished".to_string()];
    let mut expected: Vec<_> = rows.iter().filter(|r| wanted.contains(&r.state)).collect();
    expected.sort_by(|a, b| b.start_time.cmp(&a.start_time).then_with(|| a.record_id.cmp(&b.record_id)));
    let expected: Vec<&str> = expected.iter().map(|r| r.record_id.as_str()).collect();
    for (offset, limit) in [(0, 100), (0, 7), (5, 10), (140, 20), (149, 100), (150, 10), (0, 1)] {
        let filter = Filter { states: Some(wanted.to_vec()), offset, limit: Some(limit), ..Filter::default() };
        let (total, page) = search(&mut conn, &filter).unwrap();
        assert_eq!(total, 150);
        let got: Vec<&str> = page.iter().map(|r| r.record_id.as_str()).collect();
        let end = (offset + limit).min(150) as usize;
        let want = expected.get(offset as usize..end).unwrap_or(&[]);
        assert_eq!(got, want, "offset {offset}, limit {limit}");
    }
    // A state asked twice is read once.
    let doubled = vec!["published".to_string(), "published".to_string(), "unpublished".to_string()];
    let filter = Filter { states: Some(doubled), limit: Some(300), ..Filter::default() };
    let (_, page) = search(&mut conn, &filter).unwrap();
    assert_eq!(page.len(), 150);
}

on_both_backends_blocking!(pages_of_several_states_are_merged_right);
