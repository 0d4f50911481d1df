//! A stand-in BBB server for Scalelite's tests and benchmarks (the `fake-bbb` binary). It behaves like bbb-web
//! where a load balancer can tell: it checks checksums with its own secret (SHA-1/256/384/512 by length), keeps
//! meetings, answers with BBB's XML, and counts a participant on each join. Each fake server lives under
//! `/<name>/bigbluebutton/api`, so one listener can play many servers.
//!
//! Faults on demand, per server (`Mode`); to play a server that is down, stop its listener.

mod api;
mod checksum;
mod control;
mod faults;
mod xml;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::{web, App, HttpServer};

pub use faults::Mode;

/// A meeting on a fake server.
#[derive(Clone, Debug, Default)]
pub struct FakeMeeting {
    pub id: String,
    pub name: String,
    pub internal_id: String,
    pub create_time: i64,
    pub voice_bridge: String,
    pub attendee_pw: String,
    pub moderator_pw: String,
    pub participants: u32,
    pub moderators: u32,
    pub videos: u32,
    pub metadata: BTreeMap<String, String>,
    pub is_breakout: bool,
    /// Every parameter of the create call, decoded.
    pub create_params: Vec<(String, String)>,
}

/// What a fake server holds.
#[derive(Default)]
pub struct FakeState {
    pub meetings: BTreeMap<String, FakeMeeting>,
    /// Every call that passed the checksum: (call, raw query).
    pub calls: Vec<(String, String)>,
    mode: Option<Mode>,
    /// The checksum lengths it accepts; `None`: every algorithm.
    accepted: Option<Vec<usize>>,
}

/// One fake BBB server.
pub struct FakeServer {
    pub name: String,
    pub secret: String,
    state: Mutex<FakeState>,
}

impl FakeServer {
    pub fn new(name: &str, secret: &str) -> Arc<FakeServer> {
        Arc::new(FakeServer { name: name.into(), secret: secret.into(), state: Mutex::default() })
    }

    /// The server's state, locked.
    pub fn state(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state().mode = Some(mode);
    }

    /// Accepts checksums of these algorithms only (bbb-web's `supportedChecksumAlgorithms`: `sha1`, `sha256`,
    /// `sha384`, `sha512`); others get `checksumError`.
    pub fn accept_only(&self, algorithms: &[&str]) {
        self.state().accepted = Some(algorithms.iter().filter_map(|a| checksum::hex_len(a)).collect());
    }

    fn mode(&self) -> Mode {
        self.state().mode.unwrap_or(Mode::Normal)
    }

    /// The number of meetings it holds.
    pub fn meeting_count(&self) -> usize {
        self.state().meetings.len()
    }

    /// How many calls of this name it answered.
    pub fn calls_of(&self, call: &str) -> usize {
        self.state().calls.iter().filter(|(c, _)| c == call).count()
    }
}

/// The fake servers of one listener, by name.
type Servers = HashMap<String, Arc<FakeServer>>;

/// A listener playing some fake servers.
pub struct FakeBbb {
    pub port: u16,
    servers: Arc<Servers>,
    handle: Option<actix_web::dev::ServerHandle>,
}

impl FakeBbb {
    /// Starts a listener on `127.0.0.1:port` (0: any free port) for these servers, in the current actix system.
    pub fn start(servers: Vec<Arc<FakeServer>>, port: u16, workers: usize) -> std::io::Result<FakeBbb> {
        let servers: Arc<Servers> = Arc::new(servers.into_iter().map(|s| (s.name.clone(), s)).collect());
        let mut fake = FakeBbb { port, servers, handle: None };
        fake.listen(workers)?;
        Ok(fake)
    }

    fn listen(&mut self, workers: usize) -> std::io::Result<()> {
        let servers = self.servers.clone();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(web::Data::from(servers.clone()))
                .app_data(web::PayloadConfig::new(16 << 20))
                .configure(control::routes)
                .configure(api::routes)
        })
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(0)
        .bind(("127.0.0.1", self.port))?;
        self.port = server.addrs()[0].port();
        let server = server.run();
        self.handle = Some(server.handle());
        actix_web::rt::spawn(server);
        Ok(())
    }

    /// The API URL of one of its servers.
    pub fn url(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/{name}/bigbluebutton/api", self.port)
    }

    /// Stops listening: connections are refused, as from a server that is down. (Stopping does not wait for
    /// the workers, so the servers refuse whatever reaches them meanwhile.)
    pub async fn stop(&mut self) {
        for server in self.servers.values() {
            server.set_mode(Mode::Down);
        }
        if let Some(handle) = self.handle.take() {
            handle.stop(false).await;
        }
    }

    /// Listens again on the same port, keeping the servers' meetings.
    pub fn restart(&mut self) -> std::io::Result<()> {
        for server in self.servers.values() {
            server.set_mode(Mode::Normal);
        }
        self.listen(1)
    }
}

/// Milliseconds since the Unix epoch.
fn now_ms() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or(Duration::ZERO);
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// The `fake-bbb` binary of the build that runs this test or benchmark (`target/<profile>/fake-bbb`), for tests
/// that need the fake in a process of its own. Cargo builds it with `cargo build -p fake-bbb` (`--release` for
/// benchmarks), as `tests/run.sh` and `benches/run.sh` do first.
pub fn binary() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let profile = exe.parent().and_then(|deps| deps.parent()).ok_or(std::io::ErrorKind::NotFound)?;
    let path = profile.join(format!("fake-bbb{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        Ok(path)
    } else {
        let message = format!("{} is missing: build it first with `cargo build -p fake-bbb`", path.display());
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, message))
    }
}
