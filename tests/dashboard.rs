//! The operator's dashboard (issue 15): off and silent without an account; sign-in with argon2 passwords and a
//! session cookie; CSRF and roles on every action; an ended session sends back to sign-in — over HTTP on both
//! backends, and in a real headless Chromium (Selenium, tests/browser/dashboard.py) against a busy fake pool.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};

use common::pool::FakePool;
use common::{send, Backend, Reply, TestApp};
use diesel::{ExpressionMethods, RunQueryDsl};
use scalelite::dashboard::auth;
use scalelite::db::models::dashboard_user::DashboardUser;
use scalelite::db::schema::dashboard_sessions;

const OPERATOR_PASSWORD: &str = "operator-password";
const VIEWER_PASSWORD: &str = "viewer-password";

fn add_account(app: &TestApp, name: &str, role: &str, password: &str) {
    let user = DashboardUser {
        name: name.into(),
        password_hash: auth::hash_password(password).unwrap(),
        role: role.into(),
        created_at: 0,
    };
    DashboardUser::save(&mut common::connect(&app.db), &user).unwrap();
}

fn server_state(app: &TestApp, id: &str) -> String {
    scalelite::admin::servers::get(&mut common::connect(&app.db), id).unwrap().state
}

/// Meetings on the pool, some of them busy, as the poller then sees them.
async fn busy(app: &TestApp, pool: &FakePool, meetings: usize) {
    for i in 0..meetings {
        let id = format!("class-{i:02}");
        let created = app.bbb("create", &[("name", &id), ("meetingID", &id)]).await;
        assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    }
    for (n, server) in pool.servers.iter().enumerate() {
        for (i, meeting) in server.state().meetings.values_mut().enumerate() {
            meeting.participants = (7 * (n + 1) + 5 * i) as u32;
            meeting.videos = (i % 3) as u32;
        }
    }
    app.poll_all().await;
}

/// Six hours of load samples for `n` servers (a school day's curve), as the leading instance would have taken.
fn history(app: &TestApp, n: usize) {
    use scalelite::db::schema::server_load_samples as samples;
    let now = scalelite::db::now_ms();
    let mut conn = common::connect(&app.db);
    for server in 0..n {
        for step in 1..72_i64 {
            let at = now - step * 300_000;
            let load = 40.0 + 30.0 * ((step as f64) / 9.0 + server as f64).sin() + 10.0 * server as f64;
            diesel::insert_into(samples::table)
                .values((
                    samples::server_id.eq(format!("bbb{server}")),
                    samples::sampled_at.eq(at),
                    samples::load.eq(Some(load)),
                    samples::users.eq(load as i32),
                    samples::meetings.eq(3),
                ))
                .execute(&mut conn)
                .unwrap();
        }
    }
}

struct Signed {
    cookie: String,
    csrf: String,
}

async fn sign_in(app: &TestApp, name: &str, password: &str) -> Reply {
    let body = format!("name={name}&password={password}");
    send(app.client.post(app.url("/scalelite/dashboard/sign-in")), Some(("application/x-www-form-urlencoded", &body)))
        .await
}

/// The sign-in's raw answer, headers and all.
async fn post_sign_in(
    app: &TestApp,
    name: &str,
    password: &str,
) -> awc::ClientResponse<impl futures_util::Stream<Item = Result<actix_web::web::Bytes, awc::error::PayloadError>>> {
    app.client
        .post(app.url("/scalelite/dashboard/sign-in"))
        .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
        .send_body(format!("name={name}&password={password}"))
        .await
        .unwrap()
}

async fn signed_in(app: &TestApp, name: &str, password: &str) -> Signed {
    let mut response = post_sign_in(app, name, password).await;
    assert_eq!(response.status().as_u16(), 303);
    let set = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(set.contains("; HttpOnly; SameSite=Strict") && set.contains("Path=/scalelite/dashboard"), "{set}");
    let _ = response.body().await;
    let cookie = set.split(';').next().unwrap().to_string();
    let page = get(app, "/scalelite/dashboard", &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = page.body.split("name=\"csrf\" value=\"").nth(1).unwrap()[..64].to_string();
    Signed { cookie, csrf }
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> Reply {
    send(app.client.get(app.url(path)).insert_header(("Cookie", cookie)), None).await
}

async fn act(app: &TestApp, who: &Signed, csrf: &str, fields: &str) -> Reply {
    let request =
        app.client.post(app.url("/scalelite/dashboard/action")).insert_header(("Cookie", who.cookie.as_str()));
    send(request, Some(("application/x-www-form-urlencoded", &format!("csrf={csrf}&{fields}")))).await
}

async fn signs_in_checks_every_action_and_ends_sessions(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let pool = FakePool::untagged(&app, 3).await;
    busy(&app, &pool, 6).await;

    // Off without an account: nothing at all, and nothing of the pool.
    for path in ["/scalelite/dashboard", "/scalelite/dashboard/sign-in", "/scalelite/dashboard/live"] {
        let reply = get(&app, path, "").await;
        assert_eq!(reply.status, 404, "{path}");
        assert!(!reply.body.contains("bbb0") && !reply.body.contains("class-"), "{path}: {}", reply.body);
    }
    assert_eq!(sign_in(&app, "ops", OPERATOR_PASSWORD).await.status, 404);

    add_account(&app, "ops", "operator", OPERATOR_PASSWORD);
    add_account(&app, "eyes", "viewer", VIEWER_PASSWORD);
    let anonymous = get(&app, "/scalelite/dashboard", "").await;
    assert_eq!((anonymous.status, anonymous.location()), (303, "/scalelite/dashboard/sign-in?expired=1"));
    let forged = get(&app, "/scalelite/dashboard/live", &format!("{}={}", auth::COOKIE, "a".repeat(64))).await;
    assert_eq!(forged.status, 401);
    assert!(!forged.body.contains("bbb0"), "{}", forged.body);
    let wrong = sign_in(&app, "ops", "guess").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("do not match") && !wrong.body.contains("bbb0"), "{}", wrong.body);
    assert_eq!(sign_in(&app, "nobody", OPERATOR_PASSWORD).await.status, 401);

    let ops = signed_in(&app, "ops", OPERATOR_PASSWORD).await;
    let page = get(&app, "/scalelite/dashboard?q=CLASS-03", &ops.cookie).await;
    for shown in ["bbb0", "bbb1", "bbb2", "<th scope=\"row\">class-03</th>", "Signed in as <strong id=\"user\">ops"] {
        assert!(page.body.contains(shown), "{shown}: {}", page.body);
    }
    assert!(!page.body.contains("class-04"), "the search narrows the meetings");
    let live = get(&app, "/scalelite/dashboard/live", &ops.cookie).await;
    assert!(live.body.contains("id=\"servers\"") && !live.body.contains("<html"), "a fragment: {}", live.body);

    // CSRF, then roles, then the action.
    let stale = act(&app, &ops, &"0".repeat(64), "action=cordon&target=bbb1").await;
    assert_eq!(stale.status, 403);
    let eyes = signed_in(&app, "eyes", VIEWER_PASSWORD).await;
    let refused = act(&app, &eyes, &eyes.csrf, "action=cordon&target=bbb1").await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("may look but not act"), "{}", refused.body);
    assert_eq!(server_state(&app, "bbb1"), "enabled");
    let cordoned = act(&app, &ops, &ops.csrf, "action=cordon&target=bbb1").await;
    assert_eq!(cordoned.status, 303, "{}", cordoned.body);
    assert_eq!(server_state(&app, "bbb1"), "cordoned");
    let asks = act(&app, &ops, &ops.csrf, "action=panic&target=bbb2").await;
    assert!(asks.status == 200 && asks.body.contains("Panic this server?"), "{}", asks.body);
    assert_eq!(server_state(&app, "bbb2"), "enabled", "nothing before the confirmation");
    let panicked = act(&app, &ops, &ops.csrf, "action=panic&target=bbb2&confirm=yes").await;
    assert_eq!(panicked.status, 303, "{}", panicked.body);
    assert_eq!(server_state(&app, "bbb2"), "disabled");
    assert_eq!(pool.servers[2].meeting_count(), 0, "its meetings were ended");
    let unknown = act(&app, &ops, &ops.csrf, "action=cordon&target=nope").await;
    assert_eq!(unknown.status, 422);

    // An ended session: the page sends to sign-in, the refresh gets 401.
    diesel::update(dashboard_sessions::table)
        .set(dashboard_sessions::expires_at.eq(0))
        .execute(&mut common::connect(&app.db))
        .unwrap();
    assert_eq!(
        get(&app, "/scalelite/dashboard", &ops.cookie).await.location(),
        "/scalelite/dashboard/sign-in?expired=1"
    );
    assert_eq!(get(&app, "/scalelite/dashboard/live", &ops.cookie).await.status, 401);
    assert_eq!(act(&app, &ops, &ops.csrf, "action=enable&target=bbb1").await.status, 303);
    assert_eq!(server_state(&app, "bbb1"), "cordoned", "an ended session acts no more");
    app.stop().await;
}

on_both_backends!(signs_in_checks_every_action_and_ends_sessions);

/// Guessing: after five failures a name is locked for a while, even to its right password, with `Retry-After`;
/// other accounts still sign in, and a name that does not exist is locked alike (a lock tells no names).
async fn guessing_locks_the_name(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    add_account(&app, "ops", "operator", OPERATOR_PASSWORD);
    add_account(&app, "eyes", "viewer", VIEWER_PASSWORD);
    for name in ["ops", "nobody"] {
        for _ in 0..5 {
            assert_eq!(sign_in(&app, name, "guess").await.status, 401, "{name}");
        }
    }
    let mut locked = post_sign_in(&app, "ops", OPERATOR_PASSWORD).await;
    assert_eq!(locked.status().as_u16(), 429);
    let retry: u64 = locked.headers().get("retry-after").unwrap().to_str().unwrap().parse().unwrap();
    assert!((800..=900).contains(&retry), "Retry-After {retry}");
    let body = String::from_utf8(locked.body().await.unwrap().to_vec()).unwrap();
    assert!(body.contains("Too many failed sign-ins as this account: try again in 15 min."), "{body}");
    let nobody = sign_in(&app, "nobody", OPERATOR_PASSWORD).await;
    assert_eq!(nobody.status, 429, "{}", nobody.body);
    let eyes = signed_in(&app, "eyes", VIEWER_PASSWORD).await;
    assert_eq!(get(&app, "/scalelite/dashboard", &eyes.cookie).await.status, 200);
    app.stop().await;
}

on_both_backends!(guessing_locks_the_name);

/// Guesses sent together stop at the lock their forerunners made: of twelve at once, at most the failures allowed
/// plus the checks that run at once, less one, are checked (401); the rest are refused (429).
async fn guesses_sent_together_stop_at_the_lock(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    add_account(&app, "ops", "operator", OPERATOR_PASSWORD);
    let guesses = (0..12).map(|_| sign_in(&app, "ops", "guess"));
    let statuses: Vec<u16> = futures_util::future::join_all(guesses).await.iter().map(|r| r.status).collect();
    let at_once = std::thread::available_parallelism().map_or(1, |cores| (cores.get() / 2).max(1));
    let checked = statuses.iter().filter(|s| **s == 401).count();
    assert!((5..5 + at_once).contains(&checked), "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 401 || *s == 429), "{statuses:?}");
    app.stop().await;
}

on_both_backends!(guesses_sent_together_stop_at_the_lock);

/// Instances on one PostgreSQL count a name's failures together: guesses spread over two instances lock the name
/// on both, and a success on either forgets them on both.
#[actix_web::test]
async fn failures_count_on_every_instance() {
    let first = TestApp::new(Backend::Postgres).start().await;
    let second = TestApp::on(first.db.share()).start().await;
    add_account(&first, "ops", "operator", OPERATOR_PASSWORD);
    for app in [&first, &second, &first, &second] {
        assert_eq!(sign_in(app, "ops", "guess").await.status, 401);
    }
    signed_in(&second, "ops", OPERATOR_PASSWORD).await;
    for app in [&first, &second, &first, &second, &first] {
        assert_eq!(sign_in(app, "ops", "guess").await.status, 401);
    }
    for app in [&first, &second] {
        let locked = sign_in(app, "ops", OPERATOR_PASSWORD).await;
        assert_eq!(locked.status, 429, "{}", locked.body);
    }
    first.stop().await;
    second.stop().await;
}

/// The CLI manages the accounts; the password comes from standard input.
#[test]
fn accounts_are_made_with_the_cli() {
    let db = common::TestDb::new(Backend::Sqlite);
    let add = |name: &str, role: &str, password: &str| {
        let mut child =
            common::scalelite(&[("DATABASE_URL", db.url.as_str())], &["dashboard-user", "add", name, "--role", role])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let added = common::ok(add("ops", "operator", "long enough password"));
    assert_eq!(added, "OK: dashboard account ops (operator)\n");
    assert!(common::fails(add("x", "operator", "short")).contains("10 characters"));
    assert!(common::fails(add("x", "admin", "long enough password")).contains("not a role"));
    let listed = common::ok(common::cli(&db, &["dashboard-user", "list"]));
    assert!(listed.starts_with("ops\toperator\t"), "{listed}");
    let stored = DashboardUser::find(&mut common::connect(&db), "ops").unwrap().unwrap();
    assert!(auth::verify_password(Some(&stored.password_hash), "long enough password"));
    assert!(!stored.password_hash.contains("long enough"));
    common::ok(common::cli(&db, &["dashboard-user", "remove", "ops"]));
    assert!(common::fails(common::cli(&db, &["dashboard-user", "remove", "ops"])).contains("no dashboard account"));
}

/// A real browser: signs in, sees the pool's servers and load, finds a meeting and its server, cordons a server
/// and sees new meetings go elsewhere without reloading, is refused as a viewer, and is sent to sign in when the
/// session ends. SCALELITE_DASHBOARD_SCREENSHOT=<file.png> keeps a screenshot of the busy pool.
#[actix_web::test]
async fn a_browser_runs_the_dashboard() {
    let app = TestApp::new(Backend::Sqlite).env("SERVER_LOAD_SAMPLE_INTERVAL", "1").start().await;
    let pool = FakePool::untagged(&app, 4).await;
    busy(&app, &pool, 12).await;
    add_account(&app, "ops", "operator", OPERATOR_PASSWORD);
    add_account(&app, "eyes", "viewer", VIEWER_PASSWORD);
    history(&app, 4);
    let counts = pool.counts();
    let find = "class-07";
    let holder = pool.holder(find).map(|i| format!("bbb{i}")).unwrap();
    let cordon = if holder == "bbb0" { "bbb1" } else { "bbb0" };
    let screenshot = std::env::var("SCALELITE_DASHBOARD_SCREENSHOT").unwrap_or_default();
    let args = serde_json::json!({
        "base": app.base, "secret": common::SECRET, "find": find, "cordon": cordon, "viewer_tries": holder,
        "operator": {"name": "ops", "password": OPERATOR_PASSWORD},
        "viewer": {"name": "eyes", "password": VIEWER_PASSWORD},
        "screenshot": screenshot,
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/browser/dashboard.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(args.to_string())
        .env("SE_OFFLINE", "true")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut stdin, stdout) = (child.stdin.take().unwrap(), child.stdout.take().unwrap());
    let db = app.db.share();
    let lines = actix_web::rt::task::spawn_blocking(move || {
        let mut lines = Vec::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line == "expire" {
                // The session ends, as if its time had run out.
                diesel::update(dashboard_sessions::table)
                    .set(dashboard_sessions::expires_at.eq(0))
                    .execute(&mut common::connect(&db))
                    .unwrap();
                stdin.write_all(b"ok\n").unwrap();
            }
            lines.push(line);
        }
        lines
    })
    .await
    .unwrap();
    assert!(child.wait().unwrap().success(), "the browser script failed: {lines:?}");
    let report: serde_json::Value = serde_json::from_str(lines.last().unwrap()).unwrap();

    assert!(report["wrong_password"].as_str().unwrap().contains("do not match"), "{report}");
    let servers = report["servers"].as_object().unwrap();
    assert_eq!(servers.len(), 4, "{report}");
    for (id, shown) in servers {
        let n: usize = id.trim_start_matches("bbb").parse().unwrap();
        assert_eq!(shown["meetings"], counts[n].to_string(), "{id}: {report}");
        let load: f64 = shown["load"].as_str().unwrap().parse().unwrap();
        assert!(load > 0.0, "{id} is busy: {report}");
    }
    assert_eq!(report["charts"], 4);
    assert_eq!(report["found"][find], holder, "the meeting and its server: {report}");
    assert_eq!(report["found"].as_object().unwrap().len(), 1, "{report}");
    assert_eq!(report["after_cordon"], "cordoned", "{report}");
    assert_eq!(server_state(&app, cordon), "cordoned");
    let new_meetings = report["new_meetings"].as_object().unwrap();
    assert_eq!(new_meetings.len(), 6, "{report}");
    assert!(new_meetings.values().all(|s| s != cordon), "a cordoned server gets no new meeting: {report}");
    assert_eq!(report["live_without_reload"], true, "{report}");
    assert_eq!(report["panic_asks"], "Panic this server?");
    assert!(report["viewer_refused"].as_str().unwrap().contains("may look but not act"), "{report}");
    assert_eq!(report["viewer_sees_state"], "enabled");
    assert_eq!(server_state(&app, &holder), "enabled", "the viewer changed nothing");
    assert_eq!(report["expired_to"], "/scalelite/dashboard/sign-in", "{report}");
    assert!(report["expired_notice"].as_str().unwrap().contains("session has ended"), "{report}");
    assert_eq!(report["reload_goes_to"], "/scalelite/dashboard/sign-in");
    app.stop().await;
}
