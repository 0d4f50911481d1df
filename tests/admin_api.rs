//! The admin API (`/scalelite/api/*`): every endpoint, its JSON and status codes, and its error cases,
//! on SQLite and PostgreSQL, over real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use common::{send, sign, Backend, Reply, TestApp, SECRET};
use scalelite::bbb::checksum::{self, Algorithm};
use scalelite::secret::Secret;
use serde_json::{json, Value};

async fn admin_get(app: &TestApp, call: &str, query: &str) -> Reply {
    app.admin_get(call, query).await
}

async fn admin_post(app: &TestApp, call: &str, body: &Value) -> Reply {
    app.admin_post(call, body).await
}

async fn add_server(app: &TestApp, url: &str) -> Value {
    let reply = admin_post(app, "addServer", &json!({"server": {"url": url, "secret": "s3cret"}})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.json()
}

fn assert_bbb_error(reply: &Reply, key: &str) {
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert!(reply.content_type.starts_with("text/xml"), "{}", reply.content_type);
    assert_eq!(reply.xml("returncode").as_deref(), Some("FAILED"), "{}", reply.body);
    assert_eq!(reply.xml("messageKey").as_deref(), Some(key), "{}", reply.body);
}

fn assert_json_error(reply: &Reply, status: u16, field: &str, message: &str) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(reply.content_type.starts_with("application/json"), "{}", reply.content_type);
    let text = reply.json()[field].as_str().unwrap_or_default().to_string();
    assert!(text.contains(message), "expected {field} containing {message:?}: {}", reply.body);
}

async fn manages_the_server_lifecycle(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    assert_json_error(&admin_get(&app, "getServers", "").await, 404, "error", "No servers are configured");

    let reply = admin_post(
        &app,
        "addServer",
        &json!({"server": {"url": "https://bbb1.example.com/bigbluebutton/api", "secret": "s3cret", "load_multiplier": 2.5, "tag": "east"}}),
    )
    .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let server = reply.json();
    let id = server["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36, "a UUID");
    assert_eq!(server["url"], "https://bbb1.example.com/bigbluebutton/api");
    assert_eq!(server["secret"], "s3cret");
    assert_eq!(server["state"], "disabled");
    assert_eq!(server["online"], "offline");
    assert_eq!(server["load"], "unavailable");
    assert_eq!(server["load_multiplier"], "2.5");
    assert_eq!(server["tag"], "east");
    assert_eq!(server["bbb_version"], "");

    let listed = admin_get(&app, "getServers", "").await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.json(), json!([server]));
    let info = admin_get(&app, "getServerInfo", &format!("id={id}")).await;
    assert_eq!(info.json(), server);

    for (state, shown) in [("enable", "enabled"), ("cordon", "cordoned"), ("disable", "disabled")] {
        let reply = admin_post(&app, "updateServer", &json!({"id": id, "server": {"state": state}})).await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert_eq!(reply.json()["state"], shown);
        assert_eq!(admin_get(&app, "getServerInfo", &format!("id={id}")).await.json()["state"], shown);
    }
    let reply = admin_post(
        &app,
        "updateServer",
        &json!({"id": id, "server": {"load_multiplier": "3", "secret": "new-secret", "tag": ""}}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let updated = reply.json();
    assert_eq!(updated["load_multiplier"], "3.0");
    assert_eq!(updated["secret"], "new-secret");
    assert_eq!(updated["tag"], "");

    let reply = admin_post(&app, "deleteServer", &json!({"id": id})).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.json()["success"], format!("Server id={id} was destroyed"));
    assert_json_error(
        &admin_get(&app, "getServerInfo", &format!("id={id}")).await,
        404,
        "error",
        &format!("Couldn't find server with id={id}"),
    );
    app.stop().await;
}

async fn refuses_invalid_servers(backend: Backend) {
    let app = TestApp::new(backend).env("SERVER_ID_IS_HOSTNAME", "true").start().await;
    for body in [
        json!({"server": {"url": "https://bbb1.example.com/bigbluebutton/api"}}),
        json!({"server": {"secret": "s"}}),
        json!({}),
    ] {
        assert_json_error(&admin_post(&app, "addServer", &body).await, 400, "error", "Server needs a URL and a secret");
    }
    let bad_url = json!({"server": {"url": "ftp://bbb1.example.com/", "secret": "s"}});
    assert_json_error(&admin_post(&app, "addServer", &bad_url).await, 400, "error", "http:// or https://");
    let negative = json!({"server": {"url": "https://bbb1.example.com/", "secret": "s", "load_multiplier": -2}});
    assert_json_error(&admin_post(&app, "addServer", &negative).await, 400, "error", "Load-multiplier");
    let not_object = json!({"server": "https://bbb1.example.com/"});
    assert_json_error(
        &admin_post(&app, "addServer", &not_object).await,
        400,
        "error",
        "'server' must be a JSON object",
    );

    let zero =
        json!({"server": {"url": "https://BBB1.example.com/bigbluebutton/api", "secret": "s", "load_multiplier": 0}});
    let reply = admin_post(&app, "addServer", &zero).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    assert_eq!(reply.json()["id"], "bbb1.example.com");
    assert_eq!(reply.json()["load_multiplier"], "1.0");
    assert_json_error(&admin_post(&app, "addServer", &zero).await, 409, "error", "already exists");

    let bad_state = json!({"id": "bbb1.example.com", "server": {"state": "explode"}});
    assert_json_error(
        &admin_post(&app, "updateServer", &bad_state).await,
        400,
        "error",
        "Invalid state parameter: explode",
    );
    let zero_multiplier = json!({"id": "bbb1.example.com", "server": {"load_multiplier": 0}});
    assert_json_error(
        &admin_post(&app, "updateServer", &zero_multiplier).await,
        400,
        "error",
        "Load-multiplier must be a non-zero number",
    );
    let unknown = json!({"id": "nope", "server": {"state": "enable"}});
    assert_json_error(
        &admin_post(&app, "updateServer", &unknown).await,
        404,
        "error",
        "Couldn't find server with id=nope",
    );
    assert_json_error(&admin_post(&app, "deleteServer", &json!({"id": "nope"})).await, 404, "error", "id=nope");
    assert_json_error(&admin_post(&app, "panicServer", &json!({"id": "nope"})).await, 404, "error", "id=nope");
    assert_json_error(&admin_post(&app, "deleteServer", &json!({})).await, 400, "error", "'id' is required");
    assert_json_error(&admin_get(&app, "getServerInfo", "").await, 400, "error", "'id' is required");
    app.stop().await;
}

/// A stand-in BBB server that checks the checksum of `end` calls with its own secret and records them.
async fn recording_bbb(secret: &'static str) -> (String, Arc<Mutex<Vec<String>>>, actix_web::dev::ServerHandle) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let server = HttpServer::new(move || {
        let log = log.clone();
        App::new().route(
            "/bigbluebutton/api/end",
            web::get().to(move |request: HttpRequest| {
                let log = log.clone();
                async move {
                    let valid =
                        checksum::verify("end", request.query_string(), b"", &[Secret::new(secret)], &Algorithm::ALL);
                    let body = if valid.is_ok() {
                        log.lock().unwrap().push(request.query_string().to_string());
                        "<response><returncode>SUCCESS</returncode><messageKey>sentEndMeetingRequest</messageKey></response>"
                    } else {
                        "<response><returncode>FAILED</returncode><messageKey>checksumError</messageKey></response>"
                    };
                    HttpResponse::Ok().content_type("text/xml").body(body)
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/bigbluebutton/api", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, seen, handle)
}

fn place_meetings(app: &TestApp, server_id: &str, ids: &[&str]) {
    for id in ids {
        common::place_meeting(&app.db, server_id, id, Some("mp"));
    }
}

fn meetings_on(app: &TestApp, server_id: &str) -> usize {
    common::meetings_on(&app.db, server_id)
}

async fn panics_a_server(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let (bbb_url, ended, bbb) = recording_bbb("bbb-secret").await;
    let reply = admin_post(&app, "addServer", &json!({"server": {"url": bbb_url, "secret": "bbb-secret"}})).await;
    let id = reply.json()["id"].as_str().unwrap().to_string();
    admin_post(&app, "updateServer", &json!({"id": id, "server": {"state": "enable"}})).await;
    place_meetings(&app, &id, &["m1", "m2"]);

    let reply = admin_post(&app, "panicServer", &json!({"id": id, "keep_state": true})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let success = format!("Server id={id} has been disabled and the meetings have been destroyed");
    assert_eq!(reply.json(), json!({ "success": success }), "Ruby's words, even when the state is kept");
    assert_eq!(meetings_on(&app, &id), 0);
    assert_eq!(admin_get(&app, "getServerInfo", &format!("id={id}")).await.json()["state"], "enabled");
    let calls = ended.lock().unwrap().clone();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].starts_with("meetingID=m1&password=mp&checksum="), "{calls:?}");

    place_meetings(&app, &id, &["m3"]);
    let reply = admin_post(&app, "panicServer", &json!({"id": id})).await;
    assert_eq!(
        reply.json()["success"],
        format!("Server id={id} has been disabled and the meetings have been destroyed")
    );
    assert_eq!(meetings_on(&app, &id), 0);
    assert_eq!(admin_get(&app, "getServerInfo", &format!("id={id}")).await.json()["state"], "disabled");
    assert_eq!(ended.lock().unwrap().len(), 3);
    bbb.stop(true).await;
    app.stop().await;
}

async fn panics_a_dead_server_best_effort(backend: Backend) {
    let app = TestApp::new(backend).env("CONNECT_TIMEOUT", "0.5").env("RESPONSE_TIMEOUT", "0.5").start().await;
    let server = add_server(&app, "http://127.0.0.1:9/bigbluebutton/api").await;
    let id = server["id"].as_str().unwrap();
    place_meetings(&app, id, &["m1"]);
    let reply = admin_post(&app, "panicServer", &json!({"id": id})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(meetings_on(&app, id), 0);
    app.stop().await;
}

async fn refuses_bad_checksums(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let get = |path: String| send(app.client.get(app.url(&path)), None);
    assert_bbb_error(&get("/scalelite/api/getServers".into()).await, "checksumError");
    assert_bbb_error(&get("/scalelite/api/getServers?checksum=".into()).await, "checksumError");
    let wrong = sign(Algorithm::Sha256, "getServers", "", "", "another-secret");
    assert_bbb_error(&get(format!("/scalelite/api/getServers?checksum={wrong}")).await, "checksumError");
    let other_call = sign(Algorithm::Sha256, "getTenants", "", "", SECRET);
    assert_bbb_error(&get(format!("/scalelite/api/getServers?checksum={other_call}")).await, "checksumError");
    assert_bbb_error(&get("/scalelite/api/getServers?checksum=abcdef".into()).await, "checksumError");

    let sha1_upper = sign(Algorithm::Sha1, "getServers", "", "", SECRET).to_uppercase();
    assert_eq!(get(format!("/scalelite/api/getServers?checksum={sha1_upper}")).await.status, 404);
    let sha384 = sign(Algorithm::Sha384, "getServers", "", "", SECRET);
    assert_eq!(get(format!("/scalelite/api/getServers?checksum={sha384}")).await.status, 404);

    // The checksum must cover the body: one computed without it, or for another body, is refused.
    let body = json!({"server": {"url": "https://bbb1.example.com/bigbluebutton/api", "secret": "s"}}).to_string();
    for signed_body in ["", r#"{"server":{}}"#] {
        let sum = sign(Algorithm::Sha256, "addServer", "", signed_body, SECRET);
        let request = app.client.post(app.url(&format!("/scalelite/api/addServer?checksum={sum}")));
        assert_bbb_error(&send(request, Some(("application/json", &body))).await, "checksumError");
    }
    assert_json_error(&admin_get(&app, "getServers", "").await, 404, "error", "No servers");
    app.stop().await;
}

async fn limits_checksum_algorithms(backend: Backend) {
    let app = TestApp::new(backend).env("LOADBALANCER_CHECKSUM_ALGORITHM", "SHA256").start().await;
    let sha1 = sign(Algorithm::Sha1, "getServers", "", "", SECRET);
    let reply = send(app.client.get(app.url(&format!("/scalelite/api/getServers?checksum={sha1}"))), None).await;
    assert_bbb_error(&reply, "checksumError");
    assert_eq!(admin_get(&app, "getServers", "").await.status, 404);
    app.stop().await;
}

async fn refuses_bad_requests_clearly(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    let post_raw = |call: &'static str, content_type: &'static str, body: &'static str| {
        let sum = sign(Algorithm::Sha256, call, "", body, SECRET);
        send(app.client.post(app.url(&format!("/scalelite/api/{call}?checksum={sum}"))), Some((content_type, body)))
    };
    assert_bbb_error(&post_raw("addServer", "text/plain", r#"{"server":{}}"#).await, "unsupportedContentType");
    // The content type is checked before the checksum, as Ruby does: a form body is refused whatever its checksum.
    let form = app.client.post(app.url("/scalelite/api/addServer?checksum=0000000000000000000000000000000000000000"));
    assert_bbb_error(&send(form, Some(("application/x-www-form-urlencoded", "url=x"))).await, "unsupportedContentType");
    assert_bbb_error(
        &post_raw("addServer", "application/x-www-form-urlencoded", "url=x").await,
        "unsupportedContentType",
    );
    assert_json_error(&post_raw("addServer", "application/json", "{not json").await, 400, "error", "Invalid JSON");
    assert_json_error(&post_raw("addServer", "application/json", "[1,2]").await, 400, "error", "JSON object");
    assert_json_error(
        &post_raw("addServer", "application/json; charset=utf-8", r#"{"server":{"url":1}}"#).await,
        400,
        "error",
        "Server needs a URL and a secret",
    );

    // Unknown actions and wrong methods are BBB's unsupportedRequest.
    let sum = sign(Algorithm::Sha256, "addServer", "", "", SECRET);
    let reply = send(app.client.get(app.url(&format!("/scalelite/api/addServer?checksum={sum}"))), None).await;
    assert_bbb_error(&reply, "unsupportedRequest");
    let reply = send(app.client.get(app.url("/scalelite/api/dropEverything")), None).await;
    assert_bbb_error(&reply, "unsupportedRequest");

    // A body over the limit is refused, not a crash.
    let huge = format!("{{\"x\":\"{}\"}}", "a".repeat(2 << 20));
    let sum = sign(Algorithm::Sha256, "addServer", "", &huge, SECRET);
    let request = app.client.post(app.url(&format!("/scalelite/api/addServer?checksum={sum}")));
    let reply = send(request, Some(("application/json", &huge))).await;
    assert_eq!(reply.status, 413);
    app.stop().await;
}

async fn tenant_endpoints_need_multitenancy(backend: Backend) {
    let app = TestApp::new(backend).start().await;
    assert_json_error(&admin_get(&app, "getTenants", "").await, 412, "message", "Multitenancy is disabled");
    let add = json!({"tenant": {"name": "t1", "secrets": "a"}});
    assert_json_error(&admin_post(&app, "addTenant", &add).await, 412, "message", "Multitenancy is disabled");
    app.stop().await;
}

async fn manages_tenants(backend: Backend) {
    let app = TestApp::new(backend).env("MULTITENANCY_ENABLED", "true").start().await;
    let empty = admin_get(&app, "getTenants", "").await;
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json(), json!({"message": "No tenants exist"}));

    let reply = admin_post(&app, "addTenant", &json!({"tenant": {"name": "bn", "secrets": "one:two"}})).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let tenant = reply.json()["tenant"].clone();
    let id = tenant["id"].as_str().unwrap().to_string();
    assert_eq!(tenant["name"], "bn");
    assert_eq!(tenant["secrets"], "one:two");

    let listed = admin_get(&app, "getTenants", "").await.json();
    assert_eq!(listed, json!([{"id": id, "name": "bn", "secrets": "one:two", "enabled": true}]));
    let info = admin_get(&app, "getTenantInfo", &format!("id={id}")).await;
    assert_eq!(info.status, 200);
    assert_eq!(info.json()["name"], "bn");
    assert!(info.json().get("lrs_endpoint").is_some());

    let dup = admin_post(&app, "addTenant", &json!({"tenant": {"name": "bn", "secrets": "x"}})).await;
    assert_json_error(&dup, 422, "error", "already exists");
    let missing = admin_post(&app, "addTenant", &json!({"tenant": {"name": "x"}})).await;
    assert_json_error(&missing, 400, "message", "both name and secrets are required");
    let bad_name = admin_post(&app, "addTenant", &json!({"tenant": {"name": "a.b", "secrets": "x"}})).await;
    assert_json_error(&bad_name, 400, "error", "Invalid tenant name");

    let reply =
        admin_post(&app, "updateTenant", &json!({"id": id, "tenant": {"name": "bn2", "secrets": "three"}})).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["tenant"]["name"], "bn2");
    assert_eq!(reply.json()["tenant"]["secrets"], "three");
    let unknown = admin_post(&app, "updateTenant", &json!({"id": "nope", "tenant": {"name": "z"}})).await;
    assert_json_error(&unknown, 404, "error", "Couldn't find Tenant with id=nope");

    let reply = admin_post(&app, "deleteTenant", &json!({"id": id})).await;
    assert_eq!(reply.json()["success"], format!("Tenant id={id} was destroyed"));
    assert_json_error(
        &admin_get(&app, "getTenantInfo", &format!("id={id}")).await,
        404,
        "error",
        "Couldn't find Tenant",
    );
    assert_json_error(
        &admin_post(&app, "deleteTenant", &json!({"id": id})).await,
        404,
        "error",
        "Couldn't find Tenant",
    );
    app.stop().await;
}

on_both_backends!(
    manages_the_server_lifecycle,
    refuses_invalid_servers,
    panics_a_server,
    panics_a_dead_server_best_effort,
    refuses_bad_checksums,
    limits_checksum_algorithms,
    refuses_bad_requests_clearly,
    tenant_endpoints_need_multitenancy,
    manages_tenants,
);
