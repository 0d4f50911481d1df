//! The `scalelite` command line: every servers, status, tenants, tenant-settings and db command, with its
//! errors and exit status, on SQLite and PostgreSQL; and that the admin API sees what the CLI changed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{cli, cli_with, fails, ok, scalelite, send, sign, Backend, TestApp, TestDb, SECRET};
use scalelite::bbb::checksum::Algorithm;
use scalelite::db::models::server_figures::ServerFigures;
use serde_json::Value;

/// The id printed by `add` (`OK\nid: …`).
fn added_id(stdout: &str) -> String {
    assert!(stdout.starts_with("OK\n"), "{stdout}");
    stdout.lines().find_map(|l| l.strip_prefix("id: ")).unwrap().to_string()
}

/// The block of `servers` output for one id.
fn listing_of(db: &TestDb, id: &str) -> String {
    let out = ok(cli(db, &["servers"]));
    let start = out.find(&format!("id: {id}\n")).unwrap_or_else(|| panic!("{id} not listed:\n{out}"));
    out[start..].split("\nid: ").next().unwrap().to_string()
}

/// The server as getServers shows it, or the 404 body once none is left.
async fn server_info(app: &TestApp, id: &str) -> Value {
    let sum = sign(Algorithm::Sha256, "getServers", "", "", SECRET);
    let reply = send(app.client.get(app.url(&format!("/scalelite/api/getServers?checksum={sum}"))), None).await;
    match reply.json() {
        Value::Array(servers) => servers.into_iter().find(|s| s["id"] == id).unwrap_or(Value::Null),
        other => other,
    }
}

fn place_meeting(db: &TestDb, server_id: &str, meeting_id: &str) {
    common::place_meeting(db, server_id, meeting_id, None);
}

fn meetings_on(db: &TestDb, server_id: &str) -> usize {
    common::meetings_on(db, server_id)
}

async fn server_changes_show_in_the_cli_and_the_admin_api(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let db = &app.db;
    let id = added_id(&ok(cli(db, &["servers", "add", "https://bbb1.example.com/bigbluebutton/api", "SECRET"])));
    let listing = listing_of(db, &id);
    for line in [
        "\turl: https://bbb1.example.com/bigbluebutton/api",
        "\tsecret: SECRET",
        "\tdisabled",
        "\tload: unavailable",
        "\tload multiplier: 1.0",
        "\toffline",
    ] {
        assert!(listing.contains(line), "{line:?} missing in:\n{listing}");
    }
    assert_eq!(server_info(&app, &id).await["state"], "disabled");

    for (command, state) in
        [("enable", "enabled"), ("cordon", "cordoned"), ("disable", "disabled"), ("enable", "enabled")]
    {
        assert_eq!(ok(cli(db, &["servers", command, &id])), "OK\n");
        assert!(listing_of(db, &id).contains(&format!("\t{state}\n")), "{command}");
        assert_eq!(server_info(&app, &id).await["state"], state, "{command}");
    }

    ok(cli(db, &["servers", "tag", &id, "east"]));
    assert!(listing_of(db, &id).contains("\ttag: east\n"));
    assert_eq!(server_info(&app, &id).await["tag"], "east");
    ok(cli(db, &["servers", "tag", &id]));
    assert!(listing_of(db, &id).contains("\ttag: \n"));
    assert_eq!(server_info(&app, &id).await["tag"], "");

    ok(cli(db, &["servers", "load-multiplier", &id, "2.5"]));
    assert!(listing_of(db, &id).contains("\tload multiplier: 2.5\n"));
    assert_eq!(server_info(&app, &id).await["load_multiplier"], "2.5");

    ok(cli(db, &["servers", "update", &id, "--secret", "NEW", "--url", "https://bbb9.example.com/bigbluebutton/api"]));
    let info = server_info(&app, &id).await;
    assert_eq!(info["secret"], "NEW");
    assert_eq!(info["url"], "https://bbb9.example.com/bigbluebutton/api");

    assert_eq!(ok(cli(db, &["servers", "remove", &id])), "OK\n");
    assert!(!ok(cli(db, &["servers"])).contains(&id));
    assert_eq!(server_info(&app, &id).await["error"], "No servers are configured");
    app.stop().await;
}

fn adds_servers_with_optional_arguments_and_validation(backend: Backend) {
    let db = TestDb::new(backend);
    let id =
        added_id(&ok(cli(&db, &["servers", "add", "https://bbb2.example.com/bigbluebutton/api", "S", "3", "west"])));
    let listing = listing_of(&db, &id);
    assert!(listing.contains("\tload multiplier: 3.0\n") && listing.contains("\ttag: west\n"), "{listing}");

    let zero = cli(&db, &["servers", "add", "https://bbb3.example.com/bigbluebutton/api", "S", "0"]);
    assert!(String::from_utf8_lossy(&zero.stderr).contains("using 1.0"));
    let id = added_id(&ok(zero));
    assert!(listing_of(&db, &id).contains("\tload multiplier: 1.0\n"));

    let bad_url = fails(cli(&db, &["servers", "add", "bbb4.example.com/bigbluebutton/api", "S"]));
    assert!(bad_url.contains("http:// or https://"), "{bad_url}");
    assert_eq!(bad_url.lines().count(), 1);
    assert!(fails(cli(&db, &["servers", "add", "https://bbb5.example.com/", "S", "-1"])).contains("Load-multiplier"));
    assert!(fails(cli(&db, &["servers", "add", "https://bbb5.example.com/", "S", "many"])).contains("Load-multiplier"));
    assert!(fails(cli(&db, &["servers", "add", "https://bbb5.example.com/", " "])).contains("secret"));

    let by_host =
        cli_with(&db, &[("SERVER_ID_IS_HOSTNAME", "true")], &["servers", "add", "https://BBB6.example.com/b", "S"]);
    assert_eq!(added_id(&ok(by_host)), "bbb6.example.com");
    let again =
        cli_with(&db, &[("SERVER_ID_IS_HOSTNAME", "true")], &["servers", "add", "https://bbb6.example.com/b", "S"]);
    assert!(fails(again).contains("already exists"));

    for command in ["enable", "cordon", "disable", "remove", "panic"] {
        let error = fails(cli(&db, &["servers", command, "nope"]));
        assert!(error.contains("Couldn't find server with id=nope"), "{command}: {error}");
    }
    assert!(fails(cli(&db, &["servers", "tag", "nope", "x"])).contains("id=nope"));
    assert!(fails(cli(&db, &["servers", "load-multiplier", &id, "-3"])).contains("Load-multiplier"));
    assert!(fails(cli(&db, &["servers", "update", &id, "--url", "gopher://x"])).contains("http:// or https://"));
}

fn disable_asks_before_ending_meetings(backend: Backend) {
    let db = TestDb::new(backend);
    let id = added_id(&ok(cli(&db, &["servers", "add", "http://127.0.0.1:9/bigbluebutton/api", "S"])));
    ok(cli(&db, &["servers", "enable", &id]));
    place_meeting(&db, &id, "m1");

    // Without --yes, no answer on standard input: nothing changes.
    let refused = fails(cli(&db, &["servers", "disable", &id]));
    assert!(refused.contains("not disabled"), "{refused}");
    assert!(listing_of(&db, &id).contains("\tenabled\n"));
    assert_eq!(meetings_on(&db, &id), 1);

    // Answering yes disables it and forgets its meetings (the end call to the dead server is best effort).
    let mut child = scalelite(&[("DATABASE_URL", &db.url), ("CONNECT_TIMEOUT", "0.5")], &["servers", "disable", &id])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"yes\n").unwrap();
    let output = child.wait_with_output().unwrap();
    ok(output);
    assert!(listing_of(&db, &id).contains("\tdisabled\n"));
    assert_eq!(meetings_on(&db, &id), 0);

    // An empty server is disabled without a question; --yes skips it for a busy one.
    ok(cli(&db, &["servers", "enable", &id]));
    ok(cli(&db, &["servers", "disable", &id]));
    ok(cli(&db, &["servers", "enable", &id]));
    place_meeting(&db, &id, "m2");
    ok(cli_with(&db, &[("CONNECT_TIMEOUT", "0.5")], &["servers", "disable", "--yes", &id]));
    assert_eq!(meetings_on(&db, &id), 0);
}

fn panic_clears_meetings(backend: Backend) {
    let db = TestDb::new(backend);
    let id = added_id(&ok(cli(&db, &["servers", "add", "http://127.0.0.1:9/bigbluebutton/api", "S"])));
    ok(cli(&db, &["servers", "enable", &id]));
    place_meeting(&db, &id, "m1");
    place_meeting(&db, &id, "m2");
    let out = ok(cli(&db, &["servers", "panic", "--keep-state", "--skip-end-calls", &id]));
    assert!(out.contains("2 meeting(s) cleared"), "{out}");
    assert!(listing_of(&db, &id).contains("\tenabled\n"));
    place_meeting(&db, &id, "m3");
    ok(cli_with(&db, &[("CONNECT_TIMEOUT", "0.5")], &["servers", "panic", &id]));
    assert!(listing_of(&db, &id).contains("\tdisabled\n"));
    assert_eq!(meetings_on(&db, &id), 0);
}

const SYNC_A: &str = "servers:
  bbb1:
    secret: one
  bbb2:
    url: https://bbb2.example.com/bigbluebutton/api
    secret: two
    enabled: false
    load_multiplier: 5.0
  bbb3:
    secret: three
    tag: east
";

const SYNC_B: &str = "servers:
  bbb1:
    url: https://bbb1.example.org/bigbluebutton/api
    secret: one-b
    enabled: false
    load_multiplier: 23.0
  bbb2:
    url: https://bbb2.example.com/bigbluebutton/api
    secret: two
    enabled: false
    load_multiplier: 5.0
";

fn write_file(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn sync_applies_a_yaml_file_and_dry_runs_change_nothing(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let file_a = write_file(&dir, "a.yml", SYNC_A);
    let file_b = write_file(&dir, "b.yml", SYNC_B);

    let dry = ok(cli(&db, &["servers", "sync", &file_a, "--dry-run"]));
    assert!(dry.contains("would add bbb1 (https://bbb1/bigbluebutton/api), enabled"), "{dry}");
    assert_eq!(ok(cli(&db, &["servers", "export"])), "servers: {}\n");

    ok(cli(&db, &["servers", "sync", &file_a]));
    let bbb1 = listing_of(&db, "bbb1");
    assert!(bbb1.contains("\turl: https://bbb1/bigbluebutton/api\n") && bbb1.contains("\tenabled\n"), "{bbb1}");
    let bbb2 = listing_of(&db, "bbb2");
    assert!(bbb2.contains("\tdisabled\n") && bbb2.contains("\tload multiplier: 5.0\n"), "{bbb2}");
    assert!(listing_of(&db, "bbb3").contains("\ttag: east\n"));
    assert_eq!(ok(cli(&db, &["servers", "sync", &file_a])), "Nothing to change\n");

    // bbb3 is not in file B; it has a meeting, so the default mode (cordon) cordons it.
    place_meeting(&db, "bbb3", "m1");
    let before = ok(cli(&db, &["servers", "export", "--verbose"]));
    let dry = ok(cli(&db, &["servers", "sync", &file_b, "--dry-run"]));
    assert!(
        dry.contains(
            "would update bbb1: url https://bbb1.example.org/bigbluebutton/api, secret, load multiplier 23.0, cordon"
        ),
        "{dry}"
    );
    assert!(dry.contains("would cordon bbb3"), "{dry}");
    assert_eq!(ok(cli(&db, &["servers", "export", "--verbose"])), before, "a dry run changed the pool");

    ok(cli(&db, &["servers", "sync", &file_b]));
    let bbb1 = listing_of(&db, "bbb1");
    assert!(
        bbb1.contains("\tsecret: one-b\n")
            && bbb1.contains("\tcordoned\n")
            && bbb1.contains("\tload multiplier: 23.0\n"),
        "{bbb1}"
    );
    assert!(listing_of(&db, "bbb3").contains("\tcordoned\n"));

    // keep leaves it; force ends its meetings and removes it.
    ok(cli(&db, &["servers", "sync", &file_b, "--mode", "keep"]));
    assert!(ok(cli(&db, &["servers"])).contains("id: bbb3\n"));
    ok(cli_with(&db, &[("CONNECT_TIMEOUT", "0.5")], &["servers", "sync", &file_b, "--mode", "force"]));
    assert!(!ok(cli(&db, &["servers"])).contains("id: bbb3\n"));
    assert_eq!(meetings_on(&db, "bbb3"), 0);

    // cordon mode removes an empty server that is not in the file.
    let file_c = write_file(&dir, "c.yml", "servers:\n  bbb2:\n    url: https://bbb2.example.com/bigbluebutton/api\n    secret: two\n    enabled: false\n    load_multiplier: 5.0\n");
    let out = ok(cli(&db, &["servers", "sync", &file_c]));
    assert!(out.contains("remove bbb1 (not in the file, empty)"), "{out}");
    assert!(!ok(cli(&db, &["servers"])).contains("id: bbb1\n"));
}

fn sync_reads_standard_input_and_refuses_bad_files(backend: Backend) {
    let db = TestDb::new(backend);
    let mut child = scalelite(&[("DATABASE_URL", &db.url)], &["servers", "sync", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(SYNC_A.as_bytes()).unwrap();
    ok(child.wait_with_output().unwrap());
    assert!(ok(cli(&db, &["servers"])).contains("id: bbb2\n"));

    let dir = tempfile::tempdir().unwrap();
    let before = ok(cli(&db, &["servers", "export"]));
    for (name, text, message) in [
        ("unknown.yml", "servers:\n  bbb9:\n    secret: s\n    colour: red\n", "unknown field"),
        ("nosecret.yml", "servers:\n  bbb9:\n    url: https://bbb9/bigbluebutton/api\n", "secret"),
        ("badid.yml", "servers:\n  'bbb 9':\n    secret: s\n", "Invalid server id"),
        ("badurl.yml", "servers:\n  bbb9:\n    secret: s\n    url: bbb9\n", "http:// or https://"),
        ("zero.yml", "servers:\n  bbb9:\n    secret: s\n    load_multiplier: 0\n", "Load-multiplier"),
        ("broken.yml", "servers: [", "Invalid sync file"),
    ] {
        let path = write_file(&dir, name, text);
        let error = fails(cli(&db, &["servers", "sync", &path]));
        assert!(error.contains(message), "{name}: {error}");
    }
    assert!(fails(cli(&db, &["servers", "sync", "/nonexistent/servers.yml"])).contains("cannot read"));
    // Ruby's servers:addAll list is explained, not "invalid type: sequence, expected a map".
    let list = write_file(&dir, "list.yml", "servers:\n  - url: https://bbb9/bigbluebutton/api\n    secret: s\n");
    let error = fails(cli(&db, &["servers", "sync", &list]));
    assert!(error.contains("servers:addAll format") && error.contains("servers add-all"), "{error}");
    assert_eq!(ok(cli(&db, &["servers", "export"])), before, "a refused file changed the pool");
}

fn reads_rubys_environment_file(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let file = write_file(
        &dir,
        "scalelite",
        "# /etc/default/scalelite\nMULTITENANCY_ENABLED=true\nURL_HOST=sl.example.com\nREDIS_URL=redis://redis:6379\nRAILS_ENV=production\n",
    );
    assert_eq!(
        ok(cli(&db, &["--env-file", &file, "tenants"])),
        "Total number of tenants: 0\n",
        "multitenancy from the file"
    );
    let env_wins = fails(cli_with(&db, &[("MULTITENANCY_ENABLED", "false")], &["tenants", "--env-file", &file]));
    assert!(env_wins.contains("multitenancy is disabled"), "{env_wins}");
    let by_variable = ok(cli_with(&db, &[("SCALELITE_ENV_FILE", file.as_str())], &["tenants"]));
    assert!(by_variable.contains("Total number of tenants"), "{by_variable}");
    let bad = write_file(&dir, "bad", "URL_HOST=x\nthis is not a setting\n");
    let error = fails(cli(&db, &["--env-file", &bad, "servers"]));
    assert!(error.contains("SCALELITE_ENV_FILE") && error.contains("line 2"), "{error}");
}

fn add_all_takes_rubys_server_list(backend: Backend) {
    let db = TestDb::new(backend);
    let dir = tempfile::tempdir().unwrap();
    let list = write_file(
        &dir,
        "servers.yml",
        "servers:\n  - url: https://bbb1.example.com/bigbluebutton/api\n    secret: s1\n  - url: https://bbb2.example.com/bigbluebutton/api\n    secret: s2\n",
    );
    let out = ok(cli(&db, &["servers", "add-all", &list]));
    assert_eq!(out.matches("server: https://bbb").count(), 2, "{out}");
    assert_eq!(out.matches("id: ").count(), 2, "{out}");
    let listed = ok(cli(&db, &["servers"]));
    assert_eq!(listed.matches("\tdisabled\n").count(), 2, "added disabled, as Ruby does: {listed}");
    let bad = write_file(&dir, "bad.yml", "servers:\n  - url: ftp://x\n    secret: s\n");
    assert!(fails(cli(&db, &["servers", "add-all", &bad])).contains("http:// or https://"));
}

fn export_round_trips_through_sync(backend: Backend) {
    let db = TestDb::new(backend);
    let id =
        added_id(&ok(cli(&db, &["servers", "add", "https://bbb1.example.com/bigbluebutton/api", "S", "2.5", "east"])));
    ok(cli(&db, &["servers", "cordon", &id]));
    let exported = ok(cli(&db, &["servers", "export"]));
    assert!(
        exported.contains(&format!("  {id}:\n"))
            && exported.contains("tag: east")
            && exported.contains("enabled: false"),
        "{exported}"
    );
    let verbose = ok(cli(&db, &["servers", "export", "--verbose"]));
    assert!(
        verbose.contains("state: cordoned") && verbose.contains("load: -1.0") && verbose.contains("online: false"),
        "{verbose}"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = write_file(&dir, "verbose.yml", &verbose);
    assert_eq!(ok(cli(&db, &["servers", "sync", &path, "--mode", "force"])), "Nothing to change\n");
}

fn status_prints_a_table_sorted_by_host(backend: Backend) {
    let db = TestDb::new(backend);
    ok(cli(&db, &["servers", "add", "https://zeta.example.com/bigbluebutton/api", "S"]));
    let id =
        added_id(&ok(cli(&db, &["servers", "add", "https://alpha.example.com/bigbluebutton/api", "S", "1", "east"])));
    ok(cli(&db, &["servers", "enable", &id]));
    let table = ok(cli(&db, &["status"]));
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 3, "{table}");
    let header: Vec<&str> = lines[0].split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
    assert_eq!(
        header,
        [
            "HOSTNAME",
            "STATE",
            "STATUS",
            "MEETINGS",
            "USERS",
            "IN FLIGHT",
            "LARGEST MEETING",
            "VIDEOS",
            "FORECAST",
            "LOAD",
            "BBB VERSION",
            "TAG"
        ]
    );
    let first: Vec<&str> = lines[1].split_whitespace().collect();
    assert_eq!(first, ["alpha.example.com", "enabled", "offline", "0", "0", "0", "0", "unavailable", "east"]);
    let second: Vec<&str> = lines[2].split_whitespace().collect();
    assert_eq!(second, ["zeta.example.com", "disabled", "offline", "0", "0", "0", "0", "unavailable"], "{table}");

    // What the instance that polls saw between polls: joins in flight, the forecast, the load placement uses.
    let seen = ServerFigures {
        server_id: id,
        users_in_flight: 7,
        forecast_load: 31.25,
        placement_load: Some(62.5),
        updated_at: 0,
    };
    ServerFigures::store(&mut common::connect(&db), &[seen]).unwrap();
    let table = ok(cli(&db, &["status"]));
    let first: Vec<&str> = table.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(first, ["alpha.example.com", "enabled", "offline", "0", "0", "7", "0", "0", "31.2", "62.5", "east"]);
}

fn tenants_need_multitenancy(backend: Backend) {
    let db = TestDb::new(backend);
    assert!(fails(cli(&db, &["tenants"])).contains("MULTITENANCY_ENABLED"));
    assert!(fails(cli(&db, &["tenants", "add", "t", "s"])).contains("MULTITENANCY_ENABLED"));
    assert!(fails(cli(&db, &["tenant-settings"])).contains("MULTITENANCY_ENABLED"));
}

fn manages_tenants_and_their_settings(backend: Backend) {
    let db = TestDb::new(backend);
    let on = [("MULTITENANCY_ENABLED", "true")];
    let run = |args: &[&str]| cli_with(&db, &on, args);
    assert_eq!(ok(run(&["tenants"])), "Total number of tenants: 0\n", "as Ruby's rake task, on stdout");
    let id = added_id(&ok(run(&["tenants", "add", "bn", "one:two"])));
    let listed = ok(run(&["tenants"]));
    assert!(listed.contains(&format!("id: {id}\n\tname: bn\n\tsecrets: one:two\n")), "{listed}");
    assert!(listed.ends_with("Total number of tenants: 1\n"), "{listed}");
    assert!(fails(run(&["tenants", "add", "bn", "x"])).contains("already exists"));
    assert!(fails(run(&["tenants", "add", "a.b", "x"])).contains("Invalid tenant name"));
    assert!(fails(run(&["tenants", "add", "cd", "x::y"])).contains("secrets"));

    ok(run(&["tenants", "update", &id, "--name", "bn2", "--secrets", "three"]));
    assert!(ok(run(&["tenants"])).contains("\tname: bn2\n\tsecrets: three\n"));
    assert!(fails(run(&["tenants", "update", &id])).contains("nothing to update"));
    assert!(fails(run(&["tenants", "update", "nope", "--name", "x"])).contains("Couldn't find Tenant with id=nope"));

    ok(run(&["tenants", "update-lrs-basic", &id, "https://lrs.example.com/xapi", "user", "pass"]));
    assert!(ok(run(&["tenants"])).contains("\tlrs_endpoint: https://lrs.example.com/xapi\n"));
    ok(run(&[
        "tenants",
        "update-lrs-kc",
        &id,
        "https://lrs2.example.com/",
        "https://kc/token",
        "cid",
        "csecret",
        "u",
        "p",
    ]));
    assert!(ok(run(&["tenants"])).contains("lrs_endpoint: https://lrs2.example.com/"));
    assert!(fails(run(&["tenants", "update-lrs-basic", &id, "not a url", "u", "p"])).contains("Invalid LRS endpoint"));

    let setting = added_id(&ok(run(&["tenant-settings", "add", &id, "record", "true", "false"])));
    ok(run(&["tenant-settings", "add", &id, "record", "false", "true"]));
    let listed = ok(run(&["tenant-settings"]));
    assert!(listed.contains(&format!("Tenant bn2 ({id}):")), "{listed}");
    assert!(
        listed.contains(&format!("\tid: {setting}\n\t\tparam: record\n\t\tvalue: true\n\t\toverride: false\n")),
        "{listed}"
    );
    assert!(fails(run(&["tenant-settings", "add", &id, "record", "x", "false"])).contains("already has a default"));
    assert!(
        fails(run(&["tenant-settings", "add", &id, "record", "x", "maybe"])).contains("OVERRIDE must be true or false")
    );
    assert!(fails(run(&["tenant-settings", "add", "nope", "record", "x", "true"])).contains("Couldn't find Tenant"));
    ok(run(&["tenant-settings", "remove", &setting]));
    assert!(!ok(run(&["tenant-settings"])).contains(&setting));
    assert!(fails(run(&["tenant-settings", "remove", &setting])).contains("Couldn't find TenantSetting"));

    ok(run(&["tenants", "remove", &id]));
    let output = run(&["tenant-settings"]);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("No tenant settings exist"),
        "settings go with their tenant"
    );
    assert!(fails(run(&["tenants", "remove", &id])).contains("Couldn't find Tenant"));
}

fn liveness_says_success_while_the_database_answers(backend: Backend) {
    let mut db = TestDb::new(backend);
    assert_eq!(ok(cli(&db, &["liveness"])), "success\n");
    if backend == Backend::Postgres {
        db.destroy();
        assert!(!fails(cli(&db, &["liveness"])).is_empty(), "a database that is gone is not live");
    }
    let bad = fails(cli_with(&db, &[("POLL_INTERVAL", "soon")], &["liveness"]));
    assert!(bad.contains("POLL_INTERVAL"), "{bad}");
}

fn db_migrate_applies_once(backend: Backend) {
    let db = TestDb::new(backend);
    let first = ok(cli(&db, &["db", "migrate"]));
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    assert!(first.starts_with(&format!("{migrations} migration(s) applied")), "{first}");
    let second = ok(cli(&db, &["db", "migrate"]));
    assert!(second.starts_with("0 migration(s) applied"), "{second}");
}

on_both_backends!(server_changes_show_in_the_cli_and_the_admin_api);
on_both_backends_blocking!(
    adds_servers_with_optional_arguments_and_validation,
    disable_asks_before_ending_meetings,
    panic_clears_meetings,
    sync_applies_a_yaml_file_and_dry_runs_change_nothing,
    sync_reads_standard_input_and_refuses_bad_files,
    add_all_takes_rubys_server_list,
    reads_rubys_environment_file,
    export_round_trips_through_sync,
    status_prints_a_table_sorted_by_host,
    tenants_need_multitenancy,
    manages_tenants_and_their_settings,
    db_migrate_applies_once,
    liveness_says_success_while_the_database_answers,
);

#[test]
fn every_command_has_help() {
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["servers"],
        &["servers", "add"],
        &["servers", "update"],
        &["servers", "remove"],
        &["servers", "enable"],
        &["servers", "cordon"],
        &["servers", "disable"],
        &["servers", "panic"],
        &["servers", "load-multiplier"],
        &["servers", "tag"],
        &["servers", "sync"],
        &["servers", "add-all"],
        &["servers", "meetings"],
        &["servers", "export"],
        &["status"],
        &["poll"],
        &["meetings"],
        &["meetings", "list"],
        &["meetings", "info"],
        &["meetings", "end"],
        &["recordings"],
        &["recordings", "list"],
        &["recordings", "show"],
        &["recordings", "add-to-tenant"],
        &["recordings", "update"],
        &["recordings", "spool"],
        &["recordings", "retry"],
        &["state"],
        &["state", "export"],
        &["state", "import"],
        &["import-ruby"],
        &["tenants"],
        &["tenants", "add"],
        &["tenants", "update"],
        &["tenants", "update-lrs-basic"],
        &["tenants", "update-lrs-kc"],
        &["tenants", "enable"],
        &["tenants", "disable"],
        &["tenants", "remove"],
        &["tenant-settings"],
        &["tenant-settings", "add"],
        &["tenant-settings", "remove"],
        &["db"],
        &["db", "migrate"],
        &["liveness"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let output = scalelite(&[], &args).output().unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(output.status.success(), "{args:?}");
        assert!(text.contains("Usage: scalelite"), "{args:?}: {text}");
    }
}

#[test]
fn unknown_commands_and_missing_arguments_are_usage_errors() {
    let output = scalelite(&[], &["servers", "explode"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = scalelite(&[], &["servers", "add", "https://x/"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("SECRET"));
}
