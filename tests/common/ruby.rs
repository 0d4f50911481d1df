//! A Ruby Scalelite deployment's stores for the import tests: a real `redis-server` on loopback, and a real
//! PostgreSQL database with Ruby's schema (`tests/fixtures/ruby_schema.sql`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use diesel::{Connection, PgConnection, RunQueryDsl};

use super::{free_port, postgres_admin_url, Killed};

/// Ruby Scalelite's PostgreSQL schema.
pub const RUBY_SCHEMA: &str = include_str!("../fixtures/ruby_schema.sql");

/// A `redis-server` with nothing saved to disk, stopped when dropped.
pub struct RedisServer {
    _process: Killed,
    _dir: tempfile::TempDir,
    pub url: String,
}

impl RedisServer {
    pub fn start() -> RedisServer {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let process = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(dir.path())
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}); tests/run.sh installs it (apt-get install redis-server)")
            });
        let url = format!("redis://127.0.0.1:{port}/0");
        let server = RedisServer { _process: Killed(process), _dir: dir, url };
        let started = Instant::now();
        loop {
            if let Ok(mut conn) = redis::Client::open(server.url.as_str()).unwrap().get_connection() {
                if redis::cmd("PING").query::<String>(&mut conn).is_ok() {
                    return server;
                }
            }
            assert!(started.elapsed() < Duration::from_secs(20), "redis-server did not answer");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url.as_str()).unwrap().get_connection().unwrap()
    }
}

/// Writes Ruby Scalelite's keys, under the namespace `scalelite`.
pub struct RubyRedis {
    conn: redis::Connection,
}

impl RubyRedis {
    pub fn new(server: &RedisServer) -> RubyRedis {
        RubyRedis { conn: server.connection() }
    }

    fn key(name: &str) -> String {
        format!("scalelite:{name}")
    }

    pub fn hset(&mut self, key: &str, fields: &[(&str, &str)]) {
        let mut cmd = redis::cmd("HSET");
        cmd.arg(Self::key(key));
        for (k, v) in fields {
            cmd.arg(*k).arg(*v);
        }
        cmd.query::<i64>(&mut self.conn).unwrap();
    }

    pub fn sadd(&mut self, key: &str, member: &str) {
        redis::cmd("SADD").arg(Self::key(key)).arg(member).query::<i64>(&mut self.conn).unwrap();
    }

    /// A server as Ruby's `Server#save` leaves it (`state` absent for a legacy server).
    pub fn server(&mut self, id: &str, fields: &[(&str, &str)], enabled: bool) {
        self.hset(&format!("server:{id}"), fields);
        self.sadd("servers", id);
        if enabled {
            self.sadd("server_enabled", id);
        }
    }

    /// A tenant with its name index.
    pub fn tenant(&mut self, id: &str, fields: &[(&str, &str)]) {
        self.hset(&format!("tenant:{id}"), fields);
        self.sadd("tenants", id);
        let name = fields.iter().find(|(k, _)| *k == "name").unwrap().1;
        self.hset(&format!("tenant_name:{name}"), &[("id", id)]);
    }

    pub fn setting(&mut self, id: &str, tenant_id: &str, param: &str, value: &str, over: &str) {
        let fields = [("param", param), ("value", value), ("override", over), ("tenant_id", tenant_id)];
        self.hset(&format!("tenant_setting:{id}"), &fields);
        self.sadd(&format!("tenant_settings:{tenant_id}"), id);
    }

    /// A meeting; `None`: listed in `meetings` but its hash expired.
    pub fn meeting(&mut self, id: &str, fields: Option<&[(&str, &str)]>) {
        if let Some(fields) = fields {
            self.hset(&format!("meeting:{id}"), fields);
        }
        self.sadd("meetings", id);
    }
}

/// A PostgreSQL database with Ruby Scalelite's schema, dropped when dropped.
pub struct RubyDatabase {
    pub url: String,
    name: String,
}

impl RubyDatabase {
    pub fn create() -> RubyDatabase {
        let admin = postgres_admin_url();
        let name = format!("ruby_scalelite_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::establish(&admin).unwrap();
        diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut conn).unwrap();
        let mut url = url::Url::parse(&admin).unwrap();
        url.set_path(&format!("/{name}"));
        let db = RubyDatabase { url: url.to_string(), name };
        db.execute(RUBY_SCHEMA);
        db
    }

    /// Runs SQL statements.
    pub fn execute(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        PgConnection::establish(&self.url).unwrap().batch_execute(sql).unwrap();
    }
}

impl Drop for RubyDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&postgres_admin_url()) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name)).execute(&mut conn);
        }
    }
}
