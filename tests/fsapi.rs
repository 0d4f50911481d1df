//! Dial-in through FreeSWITCH: `POST /fsapi` answers what FreeSWITCH's mod_xml_curl posts for a dial plan with
//! the documents Ruby Scalelite writes, byte for byte (expected here as text, apart from the code that writes
//! them): the PIN prompt, the bridge to the meeting's server (tenant meetings and breakout PINs too), the
//! reprompt, the reject; HTTP basic auth with FSAPI_PASSWORD; on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use base64::Engine;
use common::pool::FakePool;
use common::{bbb_query, connect, send, Backend, Reply, TestApp};
use scalelite::db::models::meeting::Meeting;

/// What mod_xml_curl posts for a dial plan lookup (its `REQUEST_PARAMS` event and the channel's variables), with
/// the caller's name and, after the prompt, the PIN typed.
fn freeswitch_form(section: &str, pin: Option<&str>, caller_name: &str) -> String {
    let mut fields: Vec<(&str, &str)> = vec![
        ("hostname", "fs1"),
        ("section", section),
        ("tag_name", ""),
        ("key_name", ""),
        ("key_value", ""),
        ("Event-Name", "REQUEST_PARAMS"),
        ("Core-UUID", "f2b4c34a-8ae5-4d51-9a7a-8e4f0b8c5d11"),
        ("FreeSWITCH-Hostname", "fs1"),
        ("FreeSWITCH-Switchname", "fs1"),
        ("FreeSWITCH-IPv4", "10.0.0.5"),
        ("FreeSWITCH-IPv6", "::1"),
        ("Event-Date-Local", "2026-12-02 10:15:00"),
        ("Event-Date-GMT", "Wed, 02 Dec 2026 10:15:00 GMT"),
        ("Event-Date-Timestamp", "1796206500000000"),
        ("Event-Calling-File", "mod_dialplan_xml.c"),
        ("Event-Calling-Function", "dialplan_xml_locate"),
        ("Event-Calling-Line-Number", "637"),
        ("Event-Sequence", "612"),
        ("Channel-State", "CS_ROUTING"),
        ("Channel-Call-State", "RINGING"),
        ("Channel-State-Number", "2"),
        ("Channel-Name", "sofia/external/+15551234567@203.0.113.9"),
        ("Unique-ID", "0c5d9e0e-52a4-4d7a-b1f2-7d64b2a9e3c1"),
        ("Call-Direction", "inbound"),
        ("Presence-Call-Direction", "inbound"),
        ("Channel-HIT-Dialplan", "true"),
        ("Caller-Direction", "inbound"),
        ("Caller-Logical-Direction", "inbound"),
        ("Caller-Username", "+15551234567"),
        ("Caller-Dialplan", "XML"),
        ("Caller-Caller-ID-Name", caller_name),
        ("Caller-Caller-ID-Number", "+15551234567"),
        ("Caller-Orig-Caller-ID-Name", caller_name),
        ("Caller-Orig-Caller-ID-Number", "+15551234567"),
        ("Caller-Network-Addr", "203.0.113.9"),
        ("Caller-ANI", "+15551234567"),
        ("Caller-Destination-Number", "6135550100"),
        ("Caller-Unique-ID", "0c5d9e0e-52a4-4d7a-b1f2-7d64b2a9e3c1"),
        ("Caller-Source", "mod_sofia"),
        ("Caller-Context", "public"),
        ("Caller-Channel-Name", "sofia/external/+15551234567@203.0.113.9"),
        ("Caller-Profile-Index", "1"),
        ("Caller-Profile-Created-Time", "1796206500000000"),
        ("Caller-Screen-Bit", "true"),
        ("Caller-Privacy-Hide-Name", "false"),
        ("Caller-Privacy-Hide-Number", "false"),
        ("Hunt-Username", "+15551234567"),
        ("Hunt-Dialplan", "XML"),
        ("Hunt-Caller-ID-Name", caller_name),
        ("Hunt-Caller-ID-Number", "+15551234567"),
        ("Hunt-Network-Addr", "203.0.113.9"),
        ("Hunt-Destination-Number", "6135550100"),
        ("Hunt-Source", "mod_sofia"),
        ("Hunt-Context", "public"),
        ("variable_direction", "inbound"),
        ("variable_sip_from_user", "+15551234567"),
        ("variable_sip_to_user", "6135550100"),
    ];
    if let Some(pin) = pin {
        fields.push(("variable_pin", pin));
        fields.push(("variable_read_result", "success"));
    }
    url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish()
}

async fn post(app: &TestApp, form: &str, password: Option<&str>) -> Reply {
    let mut request = app.client.post(app.url("/fsapi")).insert_header(("User-Agent", "freeswitch-xml/1.0"));
    if let Some(password) = password {
        let credentials = base64::engine::general_purpose::STANDARD.encode(format!("fsapi:{password}"));
        request = request.insert_header(("Authorization", format!("Basic {credentials}")));
    }
    send(request, Some(("application/x-www-form-urlencoded", form))).await
}

const PROMPT: &str = r#"<document type="freeswitch/xml">
  <section name="dialplan" description="Match DID and Pin for Conference">
    <context name="public">
      <extension name="match_did_and_prompt_for_pin">
        <condition field="destination_number" expression="^6135550100$">
          <action application="answer"/>
          <action application="sleep" data="500"/>
          <action application="playback" data="ivr/ivr-welcome.wav"/>
          <action application="sleep" data="200"/>
          <action application="play_and_get_digits" data="5 9 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin \d+"/>
          <action application="transfer" data="${pin} XML public"/>
        </condition>
      </extension>
    </context>
  </section>
</document>
"#;

const REPROMPT: &str = r#"<document type="freeswitch/xml">
  <section name="dialplan" description="Reprompt Pin for Conference">
    <context name="public">
      <extension name="reprompt_for_pin">
        <condition field="destination_number" expression="^6135550100$">
          <action application="playback" data="conference/conf-bad-pin.wav"/>
          <action application="sleep" data="500"/>
          <action application="play_and_get_digits" data="5 9 3 7000 # conference/conf-enter_conf_pin.wav conference/conf-bad-pin.wav pin d+"/>
          <action application="transfer" data="${pin} XML public"/>
        </condition>
      </extension>
    </context>
  </section>
</document>
"#;

const REJECT: &str = "<document type=\"freeswitch/xml\">\n  <section name=\"result\">\n    <result status=\"not found\"/>\n  </section>\n</document>\n";

fn bridge(meeting_id: &str, caller: &str, pin: &str) -> String {
    format!(
        r#"<document type="freeswitch/xml">
  <section name="dialplan" description="Bridge Call to BBB Server">
    <context name="public">
      <extension name="bridge_to_bbb_server">
        <condition field="destination_number" expression="^6135550100$">
          <action application="set" data="meeting_id={meeting_id}"/>
          <action application="set" data="effective_caller_id_name={caller}"/>
          <action application="bridge" data="sofia/external/{pin}@127.0.0.1"/>
        </condition>
      </extension>
    </context>
  </section>
</document>
"#
    )
}

async fn dial_in_reaches_the_meetings_server(backend: Backend) {
    let app = TestApp::new(backend)
        .envs(&[("MULTITENANCY_ENABLED", "true"), ("URL_HOST", "sl.example.com"), ("FSAPI_PASSWORD", "fs-pass")])
        .start()
        .await;
    let _pool = FakePool::untagged(&app, 1).await;
    for (name, secret) in [("t1", "t1-secret"), ("t2", "t2-secret")] {
        scalelite::admin::tenants::add(&mut connect(&app.db), name, secret).unwrap();
    }
    app.reload().await;
    // Two tenants, the same meeting ID: two meetings, two voice bridges.
    let mut bridges = HashMap::new();
    for (name, secret) in [("t1", "t1-secret"), ("t2", "t2-secret")] {
        let query = bbb_query("create", &[("name", "Math"), ("meetingID", "math")], secret);
        let created = send(app.client.get(app.url(&format!("/{name}/bigbluebutton/api/create?{query}"))), None).await;
        assert_eq!(created.xml("returncode").as_deref(), Some("SUCCESS"), "{}", created.body);
        let meeting = Meeting::find_by_bbb_meeting_id(&mut connect(&app.db), &format!("{name}~math")).unwrap().unwrap();
        let bridge = meeting.voice_bridge.unwrap();
        assert_eq!(created.xml("voiceBridge").as_deref(), Some(bridge.as_str()), "BBB got the pool-unique bridge");
        bridges.insert(name, bridge);
    }
    assert_ne!(bridges["t1"], bridges["t2"]);
    assert_eq!(bridges["t1"].len(), 9);

    // Authentication: user fsapi with FSAPI_PASSWORD.
    let denied = post(&app, &freeswitch_form("dialplan", None, "15551234567"), None).await;
    assert_eq!(denied.status, 401);
    let wrong = post(&app, &freeswitch_form("dialplan", None, "15551234567"), Some("guess")).await;
    assert_eq!(wrong.status, 401);
    let authenticate = app.client.post(app.url("/fsapi")).send().await.unwrap();
    assert_eq!(authenticate.headers().get("www-authenticate").unwrap(), "Basic realm=\"sl.example.com\"");

    let prompt = post(&app, &freeswitch_form("dialplan", None, "15551234567"), Some("fs-pass")).await;
    assert_eq!(prompt.status, 200);
    assert!(prompt.content_type.starts_with("application/xml"), "{}", prompt.content_type);
    assert_eq!(prompt.body, PROMPT);

    let pin = &bridges["t1"];
    let bridged = post(&app, &freeswitch_form("dialplan", Some(pin), "15551234567"), Some("fs-pass")).await;
    assert_eq!(bridged.body, bridge("t1~math", "1555123XXXX", pin), "the meeting ID its server knows");
    let breakout = format!("{}7", bridges["t2"]);
    let to_breakout = post(&app, &freeswitch_form("dialplan", Some(&breakout), "Ada Lovelace"), Some("fs-pass")).await;
    assert_eq!(to_breakout.body, bridge("t2~math", "Ada Lovelace", &breakout), "a breakout PIN: one digit more");

    let unknown = post(&app, &freeswitch_form("dialplan", Some("999999999"), "Ada"), Some("fs-pass")).await;
    assert_eq!(unknown.body, REPROMPT);
    let directory = post(&app, &freeswitch_form("directory", None, "Ada"), Some("fs-pass")).await;
    assert_eq!(directory.body, REJECT);
    let no_destination = post(&app, "section=dialplan&Caller-Destination-Number=", Some("fs-pass")).await;
    assert_eq!(no_destination.body, REJECT);
    app.stop().await;
}

async fn an_empty_password_turns_authentication_off_and_calls_hang_up_in_time(backend: Backend) {
    let app = TestApp::new(backend).envs(&[("FSAPI_PASSWORD", ""), ("MAX_MEETING_DURATION", "90")]).start().await;
    let prompt = post(&app, &freeswitch_form("dialplan", None, "Ada"), None).await;
    assert_eq!(prompt.status, 200, "{}", prompt.body);
    let expected = PROMPT.replace(
        "          <action application=\"answer\"/>\n",
        "          <action application=\"answer\"/>\n          <action application=\"sched_hangup\" data=\"+5400 normal_clearing\"/>\n",
    );
    assert_eq!(prompt.body, expected, "FSAPI_MAX_DURATION defaults to MAX_MEETING_DURATION");
    app.stop().await;
    // Unset, the password is the first load-balancer secret.
    let app = TestApp::new(backend).start().await;
    assert_eq!(post(&app, &freeswitch_form("dialplan", None, "Ada"), None).await.status, 401);
    assert_eq!(post(&app, &freeswitch_form("dialplan", None, "Ada"), Some(common::SECRET)).await.status, 200);
    app.stop().await;
}

#[test]
fn voice_bridges_must_fit_the_pin_prompt() {
    let load = |pairs: &[(&str, &str)]| {
        let values: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        scalelite::config::Config::load(&values)
    };
    let error = load(&[("VOICE_BRIDGE_LEN", "4")]).unwrap_err().to_string();
    assert!(error.contains("VOICE_BRIDGE_LEN=4") && error.contains("5..9"), "{error}");
    assert!(load(&[("VOICE_BRIDGE_LEN", "4"), ("VOICE_BRIDGE_MIN", "4")]).is_ok());
    assert!(load(&[("VOICE_BRIDGE_MIN", "7"), ("VOICE_BRIDGE_MAX", "6")]).is_err());
}

on_both_backends!(
    dial_in_reaches_the_meetings_server,
    an_empty_password_turns_authentication_off_and_calls_hang_up_in_time
);
