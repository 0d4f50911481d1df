//! Several Scalelite instances sharing one PostgreSQL agree through the database.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pool::FakePool;
use common::{Backend, TestApp};
use scalelite::db::models::meeting::Meeting;

#[actix_web::test]
async fn two_instances_place_a_meeting_created_through_both_once() {
    let first = TestApp::start(Backend::Postgres).await;
    let second = TestApp::start_on(first.db.share(), &[]).await;
    let pool = FakePool::untagged(&first, 3).await;
    second.reload().await;
    second.poll_all().await;

    let creates = (0..100).flat_map(|_| {
        [
            first.bbb("create", &[("name", "x"), ("meetingID", "shared")]),
            second.bbb("create", &[("name", "x"), ("meetingID", "shared")]),
        ]
    });
    let replies = futures_util::future::join_all(creates).await;
    for reply in &replies {
        assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{}", reply.body);
    }
    assert_eq!(pool.counts().iter().sum::<usize>(), 1, "{:?}", pool.counts());
    let row = Meeting::find(&mut common::connect(&first.db), "", "shared").unwrap().unwrap();
    let holder = pool.holder("shared").unwrap();
    assert_eq!(row.server_id, format!("bbb{holder}"));

    // A meeting created through one instance is joined through the other.
    let joined = second.bbb("join", &[("fullName", "A"), ("meetingID", "shared"), ("role", "VIEWER")]).await;
    assert!(joined.location().starts_with(&pool.fakes[holder].url(&format!("bbb{holder}"))), "{}", joined.location());
    second.stop().await;
    first.stop().await;
}
