//! A pool of fake BBB servers registered in a test app, each on its own loopback listener.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use fake_bbb::{FakeBbb, FakeServer};
use scalelite::admin::servers::{self, NewServer};
use scalelite::db::models::server::ServerState;

use super::{connect, TestApp};

/// Fake servers `bbb0`, `bbb1`, …, enabled and polled online.
pub struct FakePool {
    pub fakes: Vec<FakeBbb>,
    pub servers: Vec<Arc<FakeServer>>,
}

impl FakePool {
    /// Starts `tags.len()` fake servers with these tags, adds them to the app, and polls them online.
    pub async fn start(app: &TestApp, tags: &[Option<&str>]) -> FakePool {
        FakePool::start_prefixed(app, tags, "bbb").await
    }

    /// `n` untagged servers named `<prefix>0`, `<prefix>1`, …
    pub async fn start_named(app: &TestApp, n: usize, prefix: &str) -> FakePool {
        FakePool::start_prefixed(app, &vec![None; n], prefix).await
    }

    async fn start_prefixed(app: &TestApp, tags: &[Option<&str>], prefix: &str) -> FakePool {
        let mut pool = FakePool { fakes: Vec::new(), servers: Vec::new() };
        let mut conn = connect(&app.db);
        for (i, tag) in tags.iter().enumerate() {
            let name = format!("{prefix}{i}");
            let server = FakeServer::new(&name, &format!("secret-{i}"));
            let fake = FakeBbb::start(vec![server.clone()], 0, 1).unwrap();
            let new = NewServer {
                url: fake.url(&name),
                secret: format!("secret-{i}"),
                tag: tag.map(String::from),
                ..Default::default()
            };
            servers::add_with_id(&mut conn, name.clone(), new).unwrap();
            servers::set_state(&mut conn, &name, ServerState::Enabled).unwrap();
            pool.fakes.push(fake);
            pool.servers.push(server);
        }
        app.reload().await;
        app.poll_all().await;
        pool
    }

    /// `n` untagged servers.
    pub async fn untagged(app: &TestApp, n: usize) -> FakePool {
        FakePool::start(app, &vec![None; n]).await
    }

    /// The fake server holding a BBB meeting ID, by index.
    pub fn holder(&self, bbb_meeting_id: &str) -> Option<usize> {
        self.servers.iter().position(|s| s.state().meetings.contains_key(bbb_meeting_id))
    }

    /// Meetings per fake server.
    pub fn counts(&self) -> Vec<usize> {
        self.servers.iter().map(|s| s.meeting_count()).collect()
    }
}
