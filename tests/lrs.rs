//! A tenant's learning record store (issue 13, point 4): every create of a tenant with LRS settings carries
//! `meta_secret-lrs-payload` as Ruby Scalelite builds it — the credentials (basic) or a token fetched from the
//! tenant's Keycloak first (reused while it lives), as JSON, encrypted with a key derived from the meeting's
//! server's secret — and no payload when the token cannot be had. The payload the fake BBB server received is decrypted here with its
//! secret, by our code and (where the tool is installed) by `openssl enc -d`, an independent implementation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::Engine;
use common::pool::FakePool;
use common::{bbb_query, connect, send, Backend, TestApp};
use scalelite::admin::tenants::{self, LrsSettings};

/// Every form a token endpoint received.
type Forms = Arc<Mutex<Vec<Vec<(String, String)>>>>;

/// A Keycloak token endpoint: records each form posted; answers a token to the right client, 401 otherwise.
fn keycloak() -> (String, Forms, actix_web::dev::ServerHandle) {
    let forms: Forms = Arc::default();
    let log = forms.clone();
    let server = HttpServer::new(move || {
        let log = log.clone();
        App::new().route(
            "/realms/school/protocol/openid-connect/token",
            web::post().to(move |form: web::Form<Vec<(String, String)>>| {
                let log = log.clone();
                async move {
                    let form = form.into_inner();
                    let good = form.contains(&("client_id".into(), "bbb".into()))
                        && form.contains(&("client_secret".into(), "kc-client-secret".into()))
                        && form.contains(&("grant_type".into(), "password".into()));
                    log.lock().unwrap().push(form);
                    if good {
                        HttpResponse::Ok().json(serde_json::json!({"access_token": "tok-123", "expires_in": 300}))
                    } else {
                        HttpResponse::Unauthorized().json(serde_json::json!({"error": "unauthorized_client"}))
                    }
                }
            }),
        )
    })
    .workers(1)
    .disable_signals()
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/realms/school/protocol/openid-connect/token", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, forms, handle)
}

/// Decrypts with `openssl enc -d` (OpenSSL's salted layout: `Salted__` where Ruby writes random bytes), if
/// openssl is installed.
fn openssl_decrypt(payload: &str, secret: &str) -> Option<String> {
    use std::io::Write;
    let mut bytes = base64::engine::general_purpose::STANDARD.decode(payload).unwrap();
    bytes[..8].copy_from_slice(b"Salted__");
    let mut child = std::process::Command::new("openssl")
        .args(["enc", "-d", "-aes-256-cbc", "-pbkdf2", "-iter", "10000", "-md", "sha256", "-pass"])
        .arg(format!("pass:{secret}"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take().unwrap().write_all(&bytes).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "openssl could not decrypt the payload");
    Some(String::from_utf8(output.stdout).unwrap())
}

fn lrs(endpoint: &str) -> LrsSettings {
    LrsSettings {
        endpoint: endpoint.into(),
        username: None,
        password: None,
        kc_token_url: None,
        kc_client_id: None,
        kc_client_secret: None,
        kc_username: None,
        kc_password: None,
    }
}

async fn creates_carry_the_tenants_lrs_payload(backend: Backend) {
    let (token_url, forms, keycloak) = keycloak();
    let app = TestApp::new(backend).envs(&[("MULTITENANCY_ENABLED", "true")]).start().await;
    let pool = FakePool::untagged(&app, 1).await;
    let mut conn = connect(&app.db);
    let basic = tenants::add(&mut conn, "basic", "basic-secret").unwrap();
    let settings = LrsSettings {
        username: Some("lrs-user".into()),
        password: Some("p&ss<word>".into()),
        ..lrs("https://lrs.example.com/xapi")
    };
    tenants::update_lrs(&mut conn, &basic.id, settings).unwrap();
    let kc = tenants::add(&mut conn, "kc", "kc-secret").unwrap();
    let settings = LrsSettings {
        kc_token_url: Some(token_url.clone()),
        kc_client_id: Some("bbb".into()),
        kc_client_secret: Some("kc-client-secret".into()),
        kc_username: Some("teacher".into()),
        kc_password: Some("teacher-pw".into()),
        ..lrs("https://lrs.example.com/kc")
    };
    tenants::update_lrs(&mut conn, &kc.id, settings).unwrap();
    let refused = tenants::add(&mut conn, "refused", "refused-secret").unwrap();
    let settings = LrsSettings {
        kc_token_url: Some(token_url.clone()),
        kc_client_id: Some("someone-else".into()),
        ..lrs("https://lrs.example.com/refused")
    };
    tenants::update_lrs(&mut conn, &refused.id, settings).unwrap();
    tenants::add(&mut conn, "plain", "plain-secret").unwrap();
    app.reload().await;

    let mut payloads = std::collections::HashMap::new();
    for (tenant, secret) in
        [("basic", "basic-secret"), ("kc", "kc-secret"), ("refused", "refused-secret"), ("plain", "plain-secret")]
    {
        let params = [("name", "Class"), ("meetingID", "class"), ("meta_secret-lrs-payload", "from-the-front-end")];
        let query = bbb_query("create", &params, secret);
        let created = send(app.client.get(app.url(&format!("/{tenant}/bigbluebutton/api/create?{query}"))), None).await;
        assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{tenant}: {}", created.body);
        let server = pool.servers[0].state();
        let meeting = &server.meetings[&format!("{tenant}~class")];
        let sent = meeting.create_params.iter().find(|(k, _)| k == "meta_secret-lrs-payload").map(|(_, v)| v.clone());
        payloads.insert(tenant, sent);
    }
    let server_secret = pool.servers[0].secret.clone();
    let decrypt = |payload: &str| {
        let plain = String::from_utf8(scalelite::lrs::cipher::decrypt(payload, &server_secret).unwrap()).unwrap();
        if let Some(independent) = openssl_decrypt(payload, &server_secret) {
            assert_eq!(independent, plain, "openssl reads what we wrote");
        }
        plain
    };
    assert_eq!(
        decrypt(payloads["basic"].as_deref().unwrap()),
        r#"{"lrs_endpoint":"https://lrs.example.com/xapi","lrs_username":"lrs-user","lrs_password":"p\u0026ss\u003cword\u003e"}"#
    );
    assert_eq!(
        decrypt(payloads["kc"].as_deref().unwrap()),
        r#"{"lrs_endpoint":"https://lrs.example.com/kc","lrs_token":"tok-123"}"#
    );
    assert_eq!(payloads["refused"], Some("from-the-front-end".into()), "no token: the parameter is left as it came");
    assert_eq!(payloads["plain"], Some("from-the-front-end".into()), "no LRS: nothing added");
    let forms_seen = forms.clone();
    let forms = forms.lock().unwrap().clone();
    assert_eq!(forms.len(), 2, "one token fetch for each Keycloak tenant");
    let mut expected: Vec<(String, String)> = [
        ("client_id", "bbb"),
        ("client_secret", "kc-client-secret"),
        ("username", "teacher"),
        ("password", "teacher-pw"),
        ("grant_type", "password"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(forms[0], expected);
    expected[0].1 = "someone-else".into();
    assert_eq!(forms[1][0], expected[0]);
    // A create of another meeting of a tenant, and the payload its server got.
    let create_another = |tenant: &'static str, meeting: &'static str| {
        let query = bbb_query("create", &[("name", meeting), ("meetingID", meeting)], &format!("{tenant}-secret"));
        let request = app.client.get(app.url(&format!("/{tenant}/bigbluebutton/api/create?{query}")));
        let server = pool.servers[0].clone();
        async move {
            send(request, None).await;
            let state = server.state();
            let params = &state.meetings[&format!("{tenant}~{meeting}")].create_params;
            params.iter().find(|(k, _)| k == "meta_secret-lrs-payload").map(|(_, v)| v.clone()).unwrap()
        }
    };
    // The token is kept while it lives (expires_in 300 s): a second create of the Keycloak tenant asks no more.
    let again = create_another("kc", "again").await;
    assert!(decrypt(&again).contains(r#""lrs_token":"tok-123""#));
    assert_eq!(forms_seen.lock().unwrap().len(), 2, "the token was reused");
    // Each payload is salted afresh: a second create of another meeting encrypts differently.
    let second = create_another("basic", "other").await;
    assert_ne!(Some(second.clone()), payloads["basic"]);
    assert_eq!(decrypt(&second), decrypt(payloads["basic"].as_deref().unwrap()));
    keycloak.stop(false).await;
    app.stop().await;
}

on_both_backends!(creates_carry_the_tenants_lrs_payload);
