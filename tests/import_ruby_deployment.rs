//! Switching a whole Ruby deployment over, then serving it: a Ruby-shaped Redis (three tenants with settings,
//! servers in every state, running meetings on fake BBB servers) and PostgreSQL (1,000 recordings, protected and
//! unpublished ones among them), `scalelite import-ruby`, then the BBB API: every meeting joins to its server
//! (or gets serverUnavailable on the disabled one, as in Ruby), every tenant secret works, and getRecordings of
//! each tenant returns exactly its recordings, with the fields Ruby's getRecordings showed for them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::fmt::Write;

use common::ruby::{RedisServer, RubyDatabase, RubyRedis};
use common::{bbb_query, cli_with, ok, send, Backend, TestApp, TestDb};
use fake_bbb::{FakeBbb, FakeMeeting, FakeServer};

const TENANTS: [(&str, &str, &str); 3] = [
    ("6f1c0000-0000-4000-8000-000000000001", "alpha", "alpha-1:alpha-2"),
    ("6f1c0000-0000-4000-8000-000000000002", "beta", "beta-1"),
    ("6f1c0000-0000-4000-8000-000000000003", "gamma", "gamma-1"),
];
/// (server ID, Ruby's state field, in server_enabled).
const SERVERS: [(&str, Option<&str>, bool); 4] = [
    ("en", Some("enabled"), true),
    ("co", Some("cordoned"), false),
    ("di", Some("disabled"), false),
    ("legacy", None, true),
];
const RECORDINGS: u32 = 1000;

/// What Ruby has of recording `i`.
struct RubyRecording {
    record_id: String,
    meeting_id: String,
    tenant: Option<usize>,
    published: bool,
    protected: bool,
    state: &'static str,
    participants: u32,
    /// Minutes after 2024-01-01 00:00 UTC.
    start_minute: u32,
    length: u32,
}

fn recording(i: u32) -> RubyRecording {
    let published = !i.is_multiple_of(5);
    RubyRecording {
        record_id: format!("{:040x}-{}", u64::from(i) * 7919, 1_704_067_200_000u64 + u64::from(i)),
        meeting_id: format!("course-{}", i % 50),
        tenant: [Some(0), Some(1), None][(i % 3) as usize],
        published,
        protected: i.is_multiple_of(7),
        state: if i.is_multiple_of(97) {
            "deleted"
        } else if published {
            "published"
        } else {
            "unpublished"
        },
        participants: i % 30,
        start_minute: i * 60,
        length: i % 90,
    }
}

fn metadata(r: &RubyRecording, i: u32) -> Vec<(String, String)> {
    let mut meta = vec![
        ("bbb-context".to_string(), format!("Course {}", i % 10)),
        ("gl-listed".to_string(), r.published.to_string()),
    ];
    if let Some(t) = r.tenant {
        meta.push(("tenant-id".into(), TENANTS[t].0.into()));
        meta.push(("tenant-name".into(), TENANTS[t].1.into()));
    }
    meta.sort();
    meta
}

fn fill_ruby_database(db: &RubyDatabase) {
    let (mut recordings, mut meta, mut formats, mut thumbs) =
        (String::new(), String::new(), String::new(), String::new());
    for i in 1..=RECORDINGS {
        let r = recording(i);
        let sep = if i == 1 { "" } else { "," };
        let _ = write!(
            recordings,
            "{sep}({i}, '{}', '{}', 'Lecture {i}', {}, {}, '{}', timestamp '2024-01-01' + interval '{} minutes', \
             timestamp '2024-01-01' + interval '{} minutes', {})",
            r.record_id,
            r.meeting_id,
            r.published,
            r.participants,
            r.state,
            r.start_minute,
            r.start_minute + 45,
            r.protected
        );
        for (k, v) in metadata(&r, i) {
            let sep = if meta.is_empty() { "" } else { "," };
            let _ = write!(meta, "{sep}({i}, '{k}', '{v}')");
        }
        let _ = write!(
            formats,
            "{sep}({i}, {i}, 'presentation', '/playback/presentation/2.3/{}', {})",
            r.record_id, r.length
        );
        for seq in 0..2 {
            let sep = if thumbs.is_empty() { "" } else { "," };
            let _ = write!(
                thumbs,
                "{sep}({i}, 176, 136, 'Slide {seq}', '/presentation/{}/presentation/d/thumbnails/thumb-{seq}.png', {seq})",
                r.record_id
            );
        }
    }
    db.execute(&format!(
        "INSERT INTO recordings (id, record_id, meeting_id, name, published, participants, state, starttime, endtime, protected) VALUES {recordings};
         INSERT INTO metadata (recording_id, key, value) VALUES {meta};
         INSERT INTO playback_formats (id, recording_id, format, url, length) VALUES {formats};
         INSERT INTO thumbnails (playback_format_id, width, height, alt, url, sequence) VALUES {thumbs};"
    ));
}

/// Ruby's running meetings: (meeting ID, server index, tenant index). With multitenancy on, every call has a
/// tenant, so every running meeting has one (recordings of no tenant, from before, remain).
fn meetings() -> Vec<(String, usize, Option<usize>)> {
    (0..12).map(|i| (format!("live-{i}"), i % 4, Some(i % 3))).collect()
}

fn fill_redis(redis: &RedisServer, fake: &FakeBbb, servers: &[std::sync::Arc<FakeServer>]) {
    let mut r = RubyRedis::new(redis);
    for (i, (id, state, enabled)) in SERVERS.iter().enumerate() {
        let url = fake.url(id);
        let secret = format!("secret-{id}");
        let mut fields =
            vec![("url", url.as_str()), ("secret", secret.as_str()), ("online", "true"), ("load_multiplier", "1.0")];
        if let Some(state) = state {
            fields.push(("state", state));
        }
        r.server(id, &fields, *enabled);
        assert_eq!(servers[i].name, *id);
    }
    for (id, name, secrets) in TENANTS {
        r.tenant(id, &[("name", name), ("secrets", secrets)]);
        r.setting(&format!("{name}-record"), id, "record", "true", "false");
        r.setting(&format!("{name}-welcome"), id, "welcome", &format!("Welcome to {name}"), "true");
    }
    for (n, (id, server, tenant)) in meetings().into_iter().enumerate() {
        let tenant_id = tenant.map_or("", |t| TENANTS[t].0);
        let bridge = format!("{}", 700_000_000 + n);
        let fields = [
            ("server_id", SERVERS[server].0),
            ("moderator_pw", "mp"),
            ("voice_bridge", &bridge),
            ("tenant_id", tenant_id),
        ];
        r.meeting(&id, Some(&fields));
        // The meeting runs on its BBB server, with the metadata Ruby's create gave it.
        let mut metadata = BTreeMap::new();
        if let Some(t) = tenant {
            metadata.insert("tenant-id".to_string(), TENANTS[t].0.to_string());
        }
        let meeting =
            FakeMeeting { id: id.clone(), name: id.clone(), moderator_pw: "mp".into(), metadata, ..Default::default() };
        servers[server].state().meetings.insert(id, meeting);
    }
}

/// The text of each child element of a node.
fn children(node: roxmltree::Node<'_, '_>) -> BTreeMap<String, String> {
    node.children()
        .filter(|n| n.is_element())
        .map(|n| (n.tag_name().name().to_string(), n.text().unwrap_or("").to_string()))
        .collect()
}

async fn a_ruby_deployment_serves_after_the_import(backend: Backend) {
    let servers: Vec<_> = SERVERS.iter().map(|(id, _, _)| FakeServer::new(id, &format!("secret-{id}"))).collect();
    let fake = FakeBbb::start(servers.clone(), 0, 1).unwrap();
    let redis = RedisServer::start();
    fill_redis(&redis, &fake, &servers);
    let ruby = RubyDatabase::create();
    fill_ruby_database(&ruby);

    let db = TestDb::new(backend);
    let root = tempfile::tempdir().unwrap();
    let env = [("MULTITENANCY_ENABLED", "true")];
    let summary =
        ok(cli_with(&db, &env, &["import-ruby", "--redis-url", &redis.url, "--ruby-database-url", &ruby.url]));
    assert!(
        summary
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["recordings", "1000", "1000", "0", "0", "0"]),
        "{summary}"
    );

    let app = TestApp::on(db)
        .env("MULTITENANCY_ENABLED", "true")
        .env("POLL_INTERVAL", "3600")
        .recordings(root.path())
        .start()
        .await;
    app.reload().await;
    app.poll_all().await;
    app.poll_all().await;

    // Every meeting joins to its server; the disabled server's meetings get serverUnavailable, as in Ruby.
    for (id, server, tenant) in meetings() {
        let (path, secret) = match tenant {
            Some(t) => {
                (format!("/{}/bigbluebutton/api", TENANTS[t].1), TENANTS[t].2.split(':').next().unwrap().to_string())
            }
            None => ("/bigbluebutton/api".to_string(), common::SECRET.to_string()),
        };
        let query = bbb_query("join", &[("fullName", "Ada"), ("meetingID", &id), ("role", "VIEWER")], &secret);
        let reply = send(app.client.get(app.url(&format!("{path}/join?{query}"))), None).await;
        if SERVERS[server].1 == Some("disabled") {
            assert_eq!(reply.xml("messageKey").as_deref(), Some("serverUnavailable"), "{id}: {}", reply.body);
        } else {
            assert_eq!(reply.status, 302, "{id}: {}", reply.body);
            let location = reply.location();
            assert!(location.starts_with(&format!("{}/join?", fake.url(SERVERS[server].0))), "{id}: {location}");
            assert!(location.contains(&format!("meetingID={id}&")), "the ID its server knows: {location}");
        }
    }

    // Every tenant secret works; a tenant's getMeetings shows its meetings (Ruby's, by their tenant-id).
    for (t, (_, name, secrets)) in TENANTS.iter().enumerate() {
        for secret in secrets.split(':') {
            let query = bbb_query("getMeetings", &[], secret);
            let reply =
                send(app.client.get(app.url(&format!("/{name}/bigbluebutton/api/getMeetings?{query}"))), None).await;
            assert_eq!(reply.xml("returncode").as_deref(), Some("SUCCESS"), "{name} {secret}: {}", reply.body);
            let live = meetings()
                .iter()
                .filter(|(_, s, tenant)| *tenant == Some(t) && SERVERS[*s].1 != Some("disabled"))
                .count();
            assert_eq!(reply.body.matches("<meeting>").count(), live, "{name}: {}", reply.body);
        }
    }

    // getRecordings of each tenant: exactly its published and unpublished recordings, with Ruby's fields.
    for (t, (tenant_id, name, secrets)) in TENANTS.iter().enumerate() {
        let secret = secrets.split(':').next_back().unwrap();
        let query = bbb_query("getRecordings", &[], secret);
        let reply =
            send(app.client.get(app.url(&format!("/{name}/bigbluebutton/api/getRecordings?{query}"))), None).await;
        let doc = roxmltree::Document::parse(&reply.body).unwrap();
        let got: BTreeMap<String, roxmltree::Node<'_, '_>> = doc
            .descendants()
            .filter(|n| n.has_tag_name("recording"))
            .map(|n| (children(n)["recordID"].clone(), n))
            .collect();
        let expected: Vec<(u32, RubyRecording)> = (1..=RECORDINGS)
            .map(|i| (i, recording(i)))
            .filter(|(_, r)| r.tenant == Some(t) && r.state != "deleted")
            .collect();
        assert_eq!(got.len(), expected.len(), "{name}: {} recordings", got.len());
        if t == 2 {
            assert!(expected.is_empty() && reply.body.contains("noRecordings"), "gamma has none");
        }
        for (i, r) in &expected {
            let node = got.get(&r.record_id).unwrap_or_else(|| panic!("{name}: {} missing", r.record_id));
            let fields = children(*node);
            let start = 1_704_067_200_000u64 + u64::from(r.start_minute) * 60_000;
            assert_eq!(fields["meetingID"], r.meeting_id);
            assert_eq!(fields["internalMeetingID"], r.record_id);
            assert_eq!(fields["name"], format!("Lecture {i}"));
            assert_eq!(fields["published"], r.published.to_string());
            assert_eq!(fields["state"], r.state);
            assert_eq!(fields["startTime"], start.to_string());
            assert_eq!(fields["endTime"], (start + 45 * 60_000).to_string());
            assert_eq!(fields["participants"], r.participants.to_string());
            let meta_node = node.children().find(|n| n.has_tag_name("metadata")).unwrap();
            let meta: Vec<(String, String)> = children(meta_node).into_iter().collect();
            assert_eq!(meta, metadata(r, *i), "{}", r.record_id);
            assert!(meta.contains(&("tenant-id".to_string(), tenant_id.to_string())));
            let format = node.descendants().find(|n| n.has_tag_name("format")).unwrap();
            let format_fields = children(format);
            assert_eq!(format_fields["type"], "presentation");
            // As Ruby: a protected recording's URL is a one-time play URL, whatever PROTECTED_RECORDINGS_ENABLED.
            let url = &format_fields["url"];
            if r.protected {
                let token = url.split("?token=").nth(1).unwrap_or("");
                assert!(url.contains(&format!("/recording/{}/presentation?token=", r.record_id)), "{url}");
                assert!(token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit()), "{url}");
            } else {
                assert!(url.ends_with(&format!("/playback/presentation/2.3/{}", r.record_id)), "{url}");
            }
            assert_eq!(format_fields["length"], r.length.to_string());
            let images = format.descendants().filter(|n| n.has_tag_name("image")).count();
            assert_eq!(images, if r.protected { 0 } else { 2 }, "Ruby shows no thumbnails of a protected recording");
        }
    }
    app.stop().await;
}

on_both_backends!(a_ruby_deployment_serves_after_the_import);
