//! Test harness: a fresh database per test on either backend, the app on a real loopback port, the CLI
//! binary, and signing helpers.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};

use actix_web::{web, App, HttpServer};
use diesel::{Connection, PgConnection, RunQueryDsl};
use scalelite::app::prepare;
use scalelite::bbb::checksum::{self, Algorithm};
use scalelite::config::Config;
use scalelite::routes::configure_app;
use scalelite::secret::Secret;

pub mod files;

/// The recordings' settings of a test rooted at `root`: its folders, and in S3 mode its bucket (created).
pub fn recordings_env(root: &std::path::Path) -> Vec<(String, String)> {
    let folder = |name: &str| root.join(name).to_string_lossy().into_owned();
    let mut env: Vec<(String, String)> =
        [("spool", "RECORDING_SPOOL_DIR"), ("work", "RECORDING_WORK_DIR"), ("published", "RECORDING_PUBLISH_DIR")]
            .into_iter()
            .chain([("unpublished", "RECORDING_UNPUBLISH_DIR")])
            .map(|(name, key)| (key.to_string(), folder(name)))
            .collect();
    if files::s3_mode() {
        env.extend(files::Files::of(root).env());
    }
    env
}

/// The load-balancer secret of test apps.
pub const SECRET: &str = "test-loadbalancer-secret";

/// Which database a test runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Generates `mod NAME { sqlite, postgres }` tests calling the async `NAME(Backend)`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await
            }
            #[actix_web::test]
            async fn postgres() {
                super::$name($crate::common::Backend::Postgres).await
            }
        }
    )*};
}

/// Generates `mod NAME { sqlite, postgres }` tests calling the blocking `NAME(Backend)`.
#[macro_export]
macro_rules! on_both_backends_blocking {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::common::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name($crate::common::Backend::Postgres)
            }
        }
    )*};
}

/// The PostgreSQL server the test command started (`tests/run.sh`), as a URL to its maintenance database.
pub fn postgres_admin_url() -> String {
    std::env::var("SCALELITE_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!(
            "SCALELITE_TEST_POSTGRES_URL is not set. Run the suite with `bash tests/run.sh`, which starts a \
             throwaway PostgreSQL, or point the variable at a PostgreSQL database (postgres://USER@HOST:PORT/postgres)."
        )
    })
}

/// A fresh database, removed when dropped.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("scalelite.sqlite3").display());
                TestDb { backend, url, _dir: Some(dir), pg_name: None }
            }
            Backend::Postgres => {
                let admin = postgres_admin_url();
                let name = format!("scalelite_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&admin)
                    .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL at SCALELITE_TEST_POSTGRES_URL: {e}"));
                diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
                let url = replace_database(&admin, &name);
                TestDb { backend, url, _dir: None, pg_name: Some(name) }
            }
        }
    }

    /// The same database, for a second instance: dropping it removes nothing.
    pub fn share(&self) -> TestDb {
        TestDb { backend: self.backend, url: self.url.clone(), _dir: None, pg_name: None }
    }

    /// Makes the database unreachable for everyone (PostgreSQL: drops it, ending its connections).
    pub fn destroy(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let mut conn = PgConnection::establish(&postgres_admin_url()).unwrap();
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn).unwrap();
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut conn);
            }
        }
    }
}

/// The same URL with another database name.
fn replace_database(url: &str, name: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("SCALELITE_TEST_POSTGRES_URL is a URL");
    parsed.set_path(&format!("/{name}"));
    parsed.to_string()
}

/// Configuration for a test: the database, the test secret, and any extra keys.
pub fn config(db: &TestDb, extra: &[(&str, &str)]) -> Config {
    let mut values: HashMap<String, String> = HashMap::new();
    values.insert("DATABASE_URL".into(), db.url.clone());
    values.insert("LOADBALANCER_SECRET".into(), SECRET.into());
    for (k, v) in extra {
        values.insert(k.to_string(), v.to_string());
    }
    Config::load(&values).unwrap()
}

/// Scalelite running in this test's actix system, on a loopback port.
pub struct TestApp {
    pub db: TestDb,
    pub base: String,
    pub client: awc::Client,
    pub state: web::Data<scalelite::app::AppState>,
    server: actix_web::dev::ServerHandle,
}

/// How a `TestApp` starts: `TestApp::new(backend).env("KEY", "value").start().await`.
pub struct TestAppBuilder {
    db: TestDb,
    env: Vec<(String, String)>,
}

impl TestAppBuilder {
    /// Sets a configuration key (as an environment variable would).
    pub fn env(mut self, key: &str, value: &str) -> TestAppBuilder {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// Sets several configuration keys.
    pub fn envs(self, pairs: &[(&str, &str)]) -> TestAppBuilder {
        pairs.iter().fold(self, |builder, (key, value)| builder.env(key, value))
    }

    /// Puts the recording folders (spool, work, published, unpublished) under `root`; the importer scans only
    /// when told (`ImportNow`).
    /// With `SCALELITE_TEST_STORAGE=s3`, the published and unpublished trees are in the root's bucket instead
    /// (see [`files`]).
    pub fn recordings(self, root: &std::path::Path) -> TestAppBuilder {
        let env = recordings_env(root);
        let pairs: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        self.envs(&pairs).env("RECORDING_IMPORT_POLL_INTERVAL", "3600")
    }

    /// Starts the app: its actors, and its HTTP server on a free loopback port.
    pub async fn start(self) -> TestApp {
        let TestAppBuilder { db, env } = self;
        let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let prepared = prepare(config(&db, &extra)).unwrap();
        let state = web::Data::new(prepared.start());
        state.scheduler.send(scalelite::actors::messages::Reload).await.unwrap();
        let app_state = state.clone();
        let server = HttpServer::new(move || App::new().configure(|cfg| configure_app(cfg, app_state.clone())))
            .workers(1)
            .disable_signals()
            .bind("127.0.0.1:0")
            .unwrap();
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        let client = awc::Client::builder().disable_redirects().timeout(std::time::Duration::from_secs(60)).finish();
        TestApp { db, base: format!("http://{address}"), client, state, server: handle }
    }
}

impl TestApp {
    /// An app on a fresh database of this backend (a builder: `TestApp::new(backend).start().await`).
    #[allow(clippy::new_ret_no_self)]
    pub fn new(backend: Backend) -> TestAppBuilder {
        TestApp::on(TestDb::new(backend))
    }

    /// An app on a given database (a second instance: `TestDb::share`).
    pub fn on(db: TestDb) -> TestAppBuilder {
        TestAppBuilder { db, env: Vec::new() }
    }

    /// Makes the scheduler load the servers now.
    pub async fn reload(&self) {
        self.state.scheduler.send(scalelite::actors::messages::Reload).await.unwrap();
    }

    /// Polls every server now and waits for the polls to be recorded.
    pub async fn poll_all(&self) {
        self.state.scheduler.send(scalelite::actors::messages::PollAll).await.unwrap();
    }

    /// A BBB API call signed with the test secret (SHA-1, as most client libraries do).
    pub async fn bbb(&self, call: &str, params: &[(&str, &str)]) -> Reply {
        let query = bbb_query(call, params, SECRET);
        send(self.client.get(self.url(&format!("/bigbluebutton/api/{call}?{query}"))), None).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A signed GET of the admin API.
    pub async fn admin_get(&self, call: &str, query: &str) -> Reply {
        let sum = sign(Algorithm::Sha256, call, query, "", SECRET);
        let join = if query.is_empty() { "" } else { "&" };
        send(self.client.get(self.url(&format!("/scalelite/api/{call}?{query}{join}checksum={sum}"))), None).await
    }

    /// A signed JSON POST of the admin API.
    pub async fn admin_post(&self, call: &str, body: &serde_json::Value) -> Reply {
        let body = body.to_string();
        let sum = sign(Algorithm::Sha256, call, "", &body, SECRET);
        let request = self.client.post(self.url(&format!("/scalelite/api/{call}?checksum={sum}")));
        send(request, Some(("application/json", &body))).await
    }

    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}

/// `k=v&…&checksum=…` for a BBB call, encoded and signed as a client library does.
pub fn bbb_query(call: &str, params: &[(&str, &str)], secret: &str) -> String {
    let query = scalelite::bbb::params::encode_query(params.iter().copied());
    let sum = sign(Algorithm::Sha1, call, &query, "", secret);
    if query.is_empty() {
        format!("checksum={sum}")
    } else {
        format!("{query}&checksum={sum}")
    }
}

/// A checksum as a client computes it (the admin API covers the body too).
pub fn sign(algorithm: Algorithm, call: &str, query: &str, body: &str, secret: &str) -> String {
    checksum::sign(algorithm, call, query, body.as_bytes(), &Secret::new(secret))
}

pub mod pool;
pub mod ruby;

/// A response, read whole.
pub struct Reply {
    pub status: u16,
    pub content_type: String,
    pub location: Option<String>,
    pub body: String,
}

impl Reply {
    /// The `Location` of a redirect.
    pub fn location(&self) -> &str {
        self.location.as_deref().unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.body))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The text of a child of `<response>`.
    pub fn xml(&self, name: &str) -> Option<String> {
        let doc = roxmltree::Document::parse(&self.body).unwrap_or_else(|e| panic!("not XML ({e}): {}", self.body));
        doc.root_element().children().find(|n| n.has_tag_name(name)).map(|n| n.text().unwrap_or("").to_string())
    }
}

/// Sends a request and reads the reply.
pub async fn send(request: awc::ClientRequest, body: Option<(&str, &str)>) -> Reply {
    let sent = match body {
        Some((content_type, body)) => request.insert_header(("Content-Type", content_type)).send_body(body.to_string()),
        None => request.send(),
    };
    let mut response = sent.await.unwrap();
    let status = response.status().as_u16();
    let content_type =
        response.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let location = response.headers().get("location").map(|v| v.to_str().unwrap().to_string());
    let body = String::from_utf8(response.body().limit(16 << 20).await.unwrap().to_vec()).unwrap();
    Reply { status, content_type, location, body }
}

/// A GET of a playback file as a player makes it: a redirect to the bucket's pre-signed URL is followed.
pub async fn play(client: &awc::Client, url: &str) -> Reply {
    let reply = send(client.get(url), None).await;
    match &reply.location {
        Some(location) if reply.status == 302 && location.starts_with(&files::endpoint()) => {
            send(client.get(location.as_str()), None).await
        }
        _ => reply,
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process, killed when dropped.
pub struct Killed(pub std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `fake-bbb` process playing server `bbb0` (secret `secret-0`), added to the database and enabled through
/// the CLI; returns the process and its port.
pub fn fake_bbb_process(db: &TestDb) -> (Killed, u16) {
    let port = free_port();
    let fake = Killed(
        Command::new(fake_bbb::binary().unwrap())
            .args(["--port", &port.to_string(), "--servers", "1", "--workers", "2"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let url = format!("http://127.0.0.1:{port}/bbb0/bigbluebutton/api");
    let added = ok(cli(db, &["servers", "add", &url, "secret-0"]));
    let id = added.lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_string();
    ok(cli(db, &["servers", "enable", &id]));
    (fake, port)
}

/// The `scalelite` binary with a clean environment: only the given variables.
pub fn scalelite(env: &[(&str, &str)], args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scalelite"));
    command.env_clear().args(args).stdin(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    command
}

/// Runs the CLI against a test database.
pub fn cli(db: &TestDb, args: &[&str]) -> Output {
    cli_with(db, &[], args)
}

/// Runs the CLI against a test database with extra variables.
pub fn cli_with(db: &TestDb, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut vars = vec![("DATABASE_URL", db.url.as_str())];
    vars.extend_from_slice(env);
    scalelite(&vars, args).output().unwrap()
}

/// Standard output as text, after checking the command succeeded.
pub fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "command failed ({:?}):\nstdout: {}\nstderr: {}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Standard error as text, after checking the command failed with status 1.
pub fn fails(output: Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "command should fail:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stderr).unwrap()
}

/// A connection to a test database.
pub fn connect(db: &TestDb) -> scalelite::db::DbConnection {
    scalelite::db::connect(&scalelite::db::url::DatabaseUrl::parse(&db.url).unwrap()).unwrap()
}

/// Puts a meeting row on a server, as if it had been created there.
pub fn place_meeting(db: &TestDb, server_id: &str, meeting_id: &str, moderator_pw: Option<&str>) {
    let meeting = scalelite::db::models::meeting::Meeting {
        tenant_id: String::new(),
        meeting_id: meeting_id.into(),
        bbb_meeting_id: meeting_id.into(),
        server_id: server_id.into(),
        moderator_pw: moderator_pw.map(String::from),
        voice_bridge: None,
        created_at: scalelite::db::now_ms(),
    };
    meeting.insert(&mut connect(db)).unwrap();
}

/// How many meeting rows a server has.
pub fn meetings_on(db: &TestDb, server_id: &str) -> usize {
    scalelite::db::models::meeting::Meeting::on_server(&mut connect(db), server_id).unwrap().len()
}

/// A published recording's row of a tenant, started at `start_time`, an hour long.
pub fn published_recording(tenant_id: &str, id: &str, start_time: i64) -> scalelite::db::models::recording::Recording {
    scalelite::db::models::recording::Recording {
        record_id: id.into(),
        tenant_id: tenant_id.into(),
        meeting_id: format!("meeting-{id}"),
        bbb_meeting_id: format!("meeting-{id}"),
        internal_meeting_id: None,
        name: id.into(),
        is_breakout: false,
        published: true,
        protected: false,
        publish_updated: false,
        state: "published".into(),
        start_time,
        end_time: start_time + 3_600_000,
        participants: None,
        raw_size: None,
        parent_meeting_id: None,
        breakout_sequence: None,
        breakout_rooms: String::new(),
        updated_at: 0,
    }
}
