//! What the admin API says beyond Ruby Scalelite's, the same as the CLI: tenant settings (#1183), switching a
//! tenant off (#972), meetings with their server (#725), the declarative state (CLI YAML and admin JSON), and
//! the OpenAPI document, checked against the real routes; on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::pool::FakePool;
use common::{bbb_query, cli_with, fails, ok, send, Backend, TestApp};
use serde_json::{json, Value};

const MT: [(&str, &str); 1] = [("MULTITENANCY_ENABLED", "true")];

async fn add_tenant(app: &TestApp, name: &str, secrets: &str) -> String {
    let reply = app.admin_post("addTenant", &json!({"tenant": {"name": name, "secrets": secrets}})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()["tenant"]["id"].as_str().unwrap().to_string()
}

async fn tenant_settings_and_switching_a_tenant_off(backend: Backend) {
    let app = TestApp::new(backend).envs(&MT).start().await;
    let bn = add_tenant(&app, "bn", "bn-secret").await;
    let setting = |param: &str, value: &str, over: &str| json!({"tenant_setting": {"tenant_id": bn, "param": param, "value": value, "override": over}});
    let added = app.admin_post("addTenantSetting", &setting("record", "false", "true")).await;
    assert_eq!(added.status, 201, "{}", added.body);
    assert_eq!(added.json()["override"], "true");
    let id = added.json()["id"].as_str().unwrap().to_string();
    let twice = app.admin_post("addTenantSetting", &setting("record", "true", "true")).await;
    assert_eq!(twice.status, 422, "{}", twice.body);
    let partial = app.admin_post("addTenantSetting", &json!({"tenant_setting": {"tenant_id": bn, "param": "x"}})).await;
    assert_eq!(partial.status, 400, "{}", partial.body);
    let listed = app.admin_get("getTenantSettings", &format!("tenant_id={bn}")).await.json();
    assert_eq!(listed, json!([{"id": id, "tenant_id": bn, "param": "record", "value": "false", "override": "true"}]));
    // The CLI lists what the admin API added.
    let cli_list = ok(cli_with(&app.db, &MT, &["tenant-settings"]));
    assert!(cli_list.contains("record") && cli_list.contains("false"), "{cli_list}");
    let gone = app.admin_post("deleteTenantSetting", &json!({"id": id})).await;
    assert_eq!(gone.status, 200, "{}", gone.body);
    assert_eq!(app.admin_get("getTenantSettings", "").await.json(), json!([]));
    assert_eq!(app.admin_post("deleteTenantSetting", &json!({"id": id})).await.status, 404);

    // A disabled tenant's calls get a clear BBB error; enabled again, they work.
    let host_call = |app: &TestApp| {
        let query = bbb_query("getMeetings", &[], "bn-secret");
        app.client.get(app.url(&format!("/bn/bigbluebutton/api/getMeetings?{query}")))
    };
    assert_eq!(send(host_call(&app), None).await.xml("returncode").as_deref(), Some("SUCCESS"));
    let off = app.admin_post("updateTenant", &json!({"id": bn, "tenant": {"enabled": false}})).await;
    assert_eq!(off.json()["tenant"]["enabled"], false, "{}", off.body);
    app.reload().await;
    let refused = send(host_call(&app), None).await;
    assert_eq!(refused.xml("messageKey").as_deref(), Some("tenantDisabled"), "{}", refused.body);
    assert!(ok(cli_with(&app.db, &MT, &["tenants"])).contains("disabled"));
    ok(cli_with(&app.db, &MT, &["tenants", "enable", "bn"]));
    app.reload().await;
    assert_eq!(send(host_call(&app), None).await.xml("returncode").as_deref(), Some("SUCCESS"));
    let unknown = fails(cli_with(&app.db, &MT, &["tenants", "disable", "nobody"]));
    assert!(unknown.contains("Couldn't find Tenant"), "{unknown}");
    app.stop().await;
}

async fn meetings_through_the_admin_api(backend: Backend) {
    let app = TestApp::new(backend).env("POLL_INTERVAL", "3600").start().await;
    let pool = FakePool::untagged(&app, 2).await;
    let created = app.bbb("create", &[("name", "Chemistry"), ("meetingID", "chem"), ("maxParticipants", "25")]).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    let server = pool.servers[pool.holder("chem").unwrap()].name.clone();

    let listed = app.admin_get("getMeetings", "").await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let first = &listed.json()[0];
    assert_eq!((first["meeting_id"].as_str(), first["server_id"].as_str()), (Some("chem"), Some(server.as_str())));
    let of_server = app.admin_get("getMeetings", &format!("server_id={server}")).await.json();
    assert_eq!(of_server.as_array().unwrap().len(), 1);
    assert_eq!(app.admin_get("getMeetings", "server_id=nowhere").await.status, 404);

    let info = app.admin_get("getMeetingInfo", "id=chem").await;
    assert_eq!(info.status, 200, "{}", info.body);
    let info = info.json();
    assert_eq!(info["server_says"]["fields"]["meetingName"], "Chemistry", "{info}");
    assert!(info["server_url"].as_str().unwrap().contains(&server), "{info}");
    assert_eq!(app.admin_get("getMeetingInfo", "id=biology").await.status, 404);

    let ended = app.admin_post("endMeeting", &json!({"id": "chem"})).await;
    assert_eq!(ended.status, 200, "{}", ended.body);
    assert!(ended.json()["success"].as_str().unwrap().contains("was ended"), "{}", ended.body);
    assert_eq!(pool.holder("chem"), None);
    assert_eq!(app.admin_get("getMeetings", "").await.json(), json!([]));
    app.stop().await;
}

async fn the_declarative_state(backend: Backend) {
    let app = TestApp::new(backend).envs(&MT).start().await;
    let env = MT;
    ok(cli_with(&app.db, &env, &["servers", "add", "https://bbb1.example.com/bigbluebutton/api", "s1"]));
    let old = add_tenant(&app, "old", "old-secret").await;
    let bn = add_tenant(&app, "bn", "bn-secret").await;
    ok(cli_with(&app.db, &env, &["tenant-settings", "add", &bn, "record", "false", "true"]));

    let exported = ok(cli_with(&app.db, &env, &["state", "export"]));
    assert!(exported.contains("servers:") && exported.contains("tenants:"), "{exported}");
    assert!(exported.contains("param: record") && exported.contains(&format!("id: {bn}")), "{exported}");

    // The file wants: bn's setting changed and a default added, a new tenant, `old` gone (disabled by default).
    let wanted = "tenants:\n  bn:\n    secrets: bn-secret\n    settings:\n      - {param: record, value: true, override: true}\n      - {param: welcome, value: Hello, override: false}\n  cs:\n    secrets: cs-secret\n    limits: {max_meetings: 3, recording: false}\n";
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), wanted).unwrap();
    let path = file.path().to_str().unwrap();
    let dry = ok(cli_with(&app.db, &env, &["state", "import", path, "--dry-run"]));
    assert_eq!(
        dry.lines().collect::<Vec<_>>(),
        [
            "would update tenant bn: remove setting record, set override record=true, set default welcome=Hello",
            "would add tenant cs with 0 setting(s)",
            "would disable tenant old (not in the file)",
        ],
        "{dry}"
    );
    assert_eq!(app.admin_get("getTenants", "").await.json().as_array().unwrap().len(), 2, "a dry run changes nothing");
    ok(cli_with(&app.db, &env, &["state", "import", path]));
    let again = ok(cli_with(&app.db, &env, &["state", "import", path]));
    assert_eq!(again.trim(), "Nothing to change", "{again}");
    let info = app.admin_get("getTenantInfo", &format!("id={old}")).await.json();
    assert_eq!(info["enabled"], false, "{info}");
    let settings = app.admin_get("getTenantSettings", &format!("tenant_id={bn}")).await.json();
    assert_eq!(settings.as_array().unwrap().len(), 2, "{settings}");
    let cs = scalelite::admin::tenants::get_by_name_or_id(&mut common::connect(&app.db), "cs").unwrap();
    assert_eq!((cs.max_meetings, cs.recording_enabled), (Some(3), false), "the new tenant's limits");
    let exported = ok(cli_with(&app.db, &env, &["state", "export"]));
    assert!(exported.contains("max_meetings: 3") && exported.contains("recording: false"), "{exported}");
    // The servers section was absent: the server is left alone.
    assert_eq!(app.admin_get("getServers", "").await.json().as_array().unwrap().len(), 1);

    // The admin API: the same state as JSON, and the same plan.
    let state = app.admin_get("getState", "").await.json();
    assert_eq!(state["tenants"]["cs"]["secrets"], "cs-secret", "{state}");
    let mut changed = state.clone();
    changed["tenants"]["cs"]["enabled"] = json!(false);
    let dry = app.admin_post("applyState", &json!({"state": changed, "mode": "keep", "dry_run": true})).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert_eq!(dry.json()["changes"], json!(["would update tenant cs: disable"]));
    let applied = app.admin_post("applyState", &json!({"state": changed, "mode": "keep"})).await.json();
    assert_eq!(applied["changes"], json!(["update tenant cs: disable"]));
    let bad = app.admin_post("applyState", &json!({"state": {"tenants": {"x": {"secret": "s"}}}})).await;
    assert_eq!(bad.status, 400, "{}", bad.body);
    let bad_mode = app.admin_post("applyState", &json!({"state": {}, "mode": "wipe"})).await;
    assert_eq!(bad_mode.status, 400, "{}", bad_mode.body);
    app.stop().await;
}

/// Whether an answer is BBB's `unsupportedRequest` (an action or method that is not routed).
fn unsupported(reply: &common::Reply) -> bool {
    reply.body.contains("<messageKey>unsupportedRequest</messageKey>")
}

async fn the_openapi_document_matches_the_routes(backend: Backend) {
    let app = TestApp::new(backend).envs(&MT).start().await;
    let reply = send(app.client.get(app.url("/scalelite/api/openapi.json")), None).await;
    assert_eq!(reply.status, 200);
    let doc: Value = reply.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 19, "{}", paths.len());
    for (path, item) in paths {
        let action = path.strip_prefix("/scalelite/api/").unwrap();
        for (method, _) in item.as_object().unwrap() {
            let answer = match method.as_str() {
                "get" => app.admin_get(action, "").await,
                "post" => app.admin_post(action, &json!({})).await,
                other => panic!("{path}: unexpected method {other}"),
            };
            assert!(!unsupported(&answer), "{method} {path} is not routed");
            // The other method is not.
            let other = if method == "get" {
                app.admin_post(action, &json!({})).await
            } else {
                app.admin_get(action, "").await
            };
            assert!(unsupported(&other), "{path} answers both methods");
        }
    }
    let unknown = app.admin_get("getEverything", "").await;
    assert!(unsupported(&unknown));
    // A reference validator of OpenAPI 3 documents (PyPI's openapi-spec-validator) accepts it.
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &reply.body).unwrap();
    let checked = std::process::Command::new("python3")
        .args(["-c", "import json,sys; from openapi_spec_validator import validate; validate(json.load(open(sys.argv[1]))); print('valid')"])
        .arg(file.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&checked.stdout).trim(),
        "valid",
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
    app.stop().await;
}

on_both_backends!(
    tenant_settings_and_switching_a_tenant_off,
    meetings_through_the_admin_api,
    the_declarative_state,
    the_openapi_document_matches_the_routes
);
