//! Callbacks kept at create: the analytics callback relayed to the front-end, signed with the secret the
//! front-end used.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use common::pool::FakePool;
use common::{bbb_query, send, Backend, TestApp};
use scalelite::jwt::{self, JwtAlgorithm};
use scalelite::secret::Secret;
use serde_json::{json, Value};

type Received = Arc<Mutex<Vec<(String, String, Value)>>>;

/// A front-end that records what is posted to `/analytics`: (authorization, user agent, body).
fn front_end() -> (String, Received, actix_web::dev::ServerHandle) {
    let received: Received = Arc::default();
    let log = received.clone();
    let server = HttpServer::new(move || {
        let log = log.clone();
        App::new().route(
            "/analytics",
            web::post().to(move |request: HttpRequest, body: web::Bytes| {
                let log = log.clone();
                async move {
                    let header = |name: &str| {
                        request.headers().get(name).map(|v| v.to_str().unwrap().to_string()).unwrap_or_default()
                    };
                    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    log.lock().unwrap().push((header("authorization"), header("user-agent"), body));
                    HttpResponse::Ok().finish()
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/analytics", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, received, handle)
}

async fn post_analytics(app: &TestApp, path: &str, token: &str, body: &Value) -> common::Reply {
    let request = app.client.post(app.url(path)).insert_header(("Authorization", format!("Bearer {token}")));
    send(request, Some(("application/json", &body.to_string()))).await
}

async fn relays_the_analytics_callback_to_the_front_end(backend: Backend) {
    let app = TestApp::new(backend).env("MULTITENANCY_ENABLED", "true").env("URL_HOST", "sl.example.com").start().await;
    let pool = FakePool::untagged(&app, 1).await;
    scalelite::admin::tenants::add(&mut common::connect(&app.db), "t1", "old-secret:new-secret").unwrap();
    app.reload().await;
    let (url, received, front) = front_end();
    let query = bbb_query(
        "create",
        &[("name", "x"), ("meetingID", "class-1"), ("meta_analytics-callback-url", &url)],
        "new-secret",
    );
    let created = send(app.client.get(app.url(&format!("/t1/bigbluebutton/api/create?{query}"))), None).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
    let meta = pool.servers[0].state().meetings["t1~class-1"].metadata.clone();
    assert_eq!(
        meta["analytics-callback-url"], "https://t1.sl.example.com/bigbluebutton/api/analytics_callback",
        "BBB calls Scalelite, not the front-end"
    );

    let data = json!({"version": "1.0", "meeting_id": "t1~class-1", "data": {"duration": 60}});
    let bbb_token = jwt::sign(JwtAlgorithm::Hs512, &json!({"exp": 4_000_000_000i64}), &Secret::new("secret-0"));
    let reply = post_analytics(&app, "/bigbluebutton/api/analytics_callback", &bbb_token, &data).await;
    assert_eq!(reply.status, 204);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "{got:?}");
    let (authorization, agent, body) = &got[0];
    assert_eq!(agent, "BigBlueButton Analytics Callback");
    assert_eq!(body["meeting_id"], "class-1", "the front-end sees its own meeting ID");
    assert_eq!(body["customer"], "t1");
    assert_eq!(body["data"]["duration"], 60);
    let token = authorization.strip_prefix("Bearer ").unwrap();
    assert!(jwt::verify(token, &[Secret::new("new-secret")], 0).is_ok(), "signed with the secret the create used");
    assert!(jwt::verify(token, &[Secret::new("old-secret")], 0).is_err());

    // A form-encoded body is relayed like a JSON one (Rails reads both into params).
    let form = app
        .client
        .post(app.url("/bigbluebutton/api/analytics_callback"))
        .insert_header(("Authorization", format!("Bearer {bbb_token}")));
    let body = "version=1.0&meeting_id=t1%7Eclass-1&data%5Bduration%5D=90&data%5Battendees%5D%5B%5D=ada";
    assert_eq!(send(form, Some(("application/x-www-form-urlencoded", body))).await.status, 204);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1].2["meeting_id"], "class-1");
    assert_eq!(got[1].2["data"], json!({"duration": "90", "attendees": ["ada"]}));
    assert_eq!(got[1].2["customer"], "t1");

    // A token not signed by a pool server is refused (still 204, nothing relayed).
    let forged = jwt::sign(JwtAlgorithm::Hs512, &json!({}), &Secret::new("not-a-server-secret"));
    assert_eq!(post_analytics(&app, "/bigbluebutton/api/analytics_callback", &forged, &data).await.status, 204);
    let unknown = json!({"meeting_id": "nope"});
    assert_eq!(post_analytics(&app, "/bigbluebutton/api/analytics_callback", &bbb_token, &unknown).await.status, 204);
    let garbage = app.client.post(app.url("/bigbluebutton/api/analytics_callback"));
    assert_eq!(send(garbage, Some(("application/json", "{not json"))).await.status, 204);
    assert_eq!(received.lock().unwrap().len(), 2);
    front.stop(true).await;
    app.stop().await;
}

/// A front-end whose `/ready` fails `failures` times with 503, then answers 200; records the form bodies.
fn ready_endpoint(failures: usize) -> (String, Arc<Mutex<Vec<String>>>, actix_web::dev::ServerHandle) {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = received.clone();
    let server = HttpServer::new(move || {
        let log = log.clone();
        App::new().route(
            "/ready",
            web::post().to(move |body: web::Bytes| {
                let log = log.clone();
                async move {
                    let mut seen = log.lock().unwrap();
                    seen.push(String::from_utf8_lossy(&body).into_owned());
                    if seen.len() <= failures {
                        HttpResponse::ServiceUnavailable().finish()
                    } else {
                        HttpResponse::Ok().finish()
                    }
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/ready", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, received, handle)
}

async fn calls_the_front_end_back_when_a_recording_is_imported(backend: Backend) {
    let root = tempfile::tempdir().unwrap();
    let app = TestApp::new(backend).recordings(root.path()).start().await;
    let spool = root.path().join("spool").to_string_lossy().into_owned();
    let _pool = FakePool::untagged(&app, 1).await;
    let (url, received, front) = ready_endpoint(2);
    let created =
        app.bbb("create", &[("name", "x"), ("meetingID", "rec-1"), ("meta_bbb-recording-ready-url", &url)]).await;
    assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);

    const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
    const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";
    let xml = SAMPLE
        .replace("<meetingId>5bd0e35013bc9761d06f01d4bfd9b4ae1c8df289</meetingId>", "<meetingId>rec-1</meetingId>");
    std::fs::create_dir_all(&spool).unwrap();
    let mut builder = tar::Builder::new(std::fs::File::create(format!("{spool}/{ID}.tar")).unwrap());
    let mut header = tar::Header::new_gnu();
    header.set_size(xml.len() as u64);
    header.set_mode(0o644);
    builder.append_data(&mut header, format!("presentation/{ID}/metadata.xml"), xml.as_bytes()).unwrap();
    builder.finish().unwrap();
    drop(builder);
    app.state.recordings.send(scalelite::actors::messages::ImportNow).await.unwrap();

    // Two failures, then success: three calls, one and two seconds apart.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while received.lock().unwrap().len() < 3 {
        assert!(std::time::Instant::now() < deadline, "only {} calls", received.lock().unwrap().len());
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let body = received.lock().unwrap()[2].clone();
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let token = &form.iter().find(|(k, _)| k == "signed_parameters").unwrap().1;
    let claims = jwt::verify(token, &[Secret::new(common::SECRET)], 0).unwrap();
    assert_eq!(claims["meeting_id"], "rec-1");
    assert_eq!(claims["record_id"], ID);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(received.lock().unwrap().len(), 3, "no call after a success");
    front.stop(true).await;
    app.stop().await;
}

on_both_backends!(
    relays_the_analytics_callback_to_the_front_end,
    calls_the_front_end_back_when_a_recording_is_imported
);
