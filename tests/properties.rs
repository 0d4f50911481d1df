//! Property tests: arbitrary and mutated input never panics the query and checksum check, the BBB XML readers,
//! `metadata.xml`, the tar importer or the admin API; what Scalelite writes parses back to what went in.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config as RunnerConfig, TestRunner};

use common::{send, sign, Backend, TestApp, SECRET};
use scalelite::bbb::bounded;
use scalelite::bbb::checksum::{self, Algorithm};
use scalelite::bbb::client::check_returncode;
use scalelite::bbb::meetings::{parse_get_meetings, parse_version};
use scalelite::bbb::params::encode_query;
use scalelite::bbb::xml::{element, escape, is_xml_char};
use scalelite::recordings::importer::{import_tar, Folders, Settings};
use scalelite::recordings::metadata;
use scalelite::secret::Secret;

const SAMPLE: &str = include_str!("fixtures/sample-metadata.xml");
const FIXTURES: &[&str] = &[
    SAMPLE,
    include_str!("fixtures/get_meetings.xml"),
    include_str!("fixtures/get_meeting_info.xml"),
    include_str!("fixtures/get_recordings.xml"),
];
const ID: &str = "b27af2f930d418879550e09c7548d1cdd0be25cf-1504122319984";

/// Every reader of outside XML, on one document: none may panic, whatever it is given.
fn read_everything(text: &str) {
    let _ = bounded::parse(text);
    let _ = bounded::nesting_depth(text.as_bytes(), bounded::MAX_DEPTH);
    let _ = parse_get_meetings(text, 0);
    let _ = parse_version(text);
    let _ = check_returncode(text);
    let _ = metadata::parse(text);
}

/// Byte edits: (where, new byte, 0 replace / 1 insert / 2 delete).
fn apply(bytes: &mut Vec<u8>, edits: &[(Index, u8, u8)]) {
    for (at, byte, kind) in edits {
        if bytes.is_empty() {
            bytes.push(*byte);
            continue;
        }
        let i = at.index(bytes.len());
        match kind {
            0 => bytes[i] = *byte,
            1 => bytes.insert(i, *byte),
            _ => {
                bytes.remove(i);
            }
        }
    }
}

/// XML's line-end normalisation, as a parser applies it to text.
fn normalise_line_ends(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

proptest! {
    #![proptest_config(RunnerConfig { cases: 256, ..RunnerConfig::default() })]

    #[test]
    fn the_checksum_check_never_panics(call in ".{0,20}", query in ".{0,300}", secrets in prop::collection::vec(".{0,40}", 0..3)) {
        let secrets: Vec<Secret> = secrets.into_iter().map(Secret::new).collect();
        let _ = checksum::find_checksum(&query);
        let _ = checksum::verify(&call, &query, b"", &secrets, &Algorithm::ALL);
        let _ = checksum::verify(&call, &query, query.as_bytes(), &secrets, &[Algorithm::Sha1]);
    }

    #[test]
    fn a_signed_query_verifies_decodes_to_its_parameters_and_refuses_any_change(
        params in prop::collection::vec(("[a-zA-Z_][a-zA-Z0-9_]{0,11}", ".{0,30}"), 0..8),
        secret in "[ -~]{1,40}",
        algorithm in 0usize..4,
        flip in any::<Index>(),
    ) {
        prop_assume!(params.iter().all(|(k, _)| k != "checksum"));
        let query = encode_query(params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let secret = Secret::new(secret);
        let sum = checksum::sign(Algorithm::ALL[algorithm], "create", &query, b"", &secret);
        let signed = if query.is_empty() { format!("checksum={sum}") } else { format!("{query}&checksum={sum}") };
        let secrets = [secret];
        prop_assert_eq!(checksum::verify("create", &signed, b"", &secrets, &Algorithm::ALL), Ok(0));
        let decoded: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        prop_assert_eq!(&decoded, &params);
        if !query.is_empty() {
            let mut bytes = query.into_bytes();
            let i = flip.index(bytes.len());
            bytes[i] ^= 0x01;
            if let Ok(changed) = String::from_utf8(bytes) {
                prop_assume!(!changed.contains("checksum"));
                let tampered = format!("{changed}&checksum={sum}");
                prop_assert!(checksum::verify("create", &tampered, b"", &secrets, &Algorithm::ALL).is_err());
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_xml_readers(text in ".{0,2000}") {
        read_everything(&text);
    }

    #[test]
    fn mutated_documents_never_panic_the_xml_readers(
        which in 0usize..4,
        edits in prop::collection::vec((any::<Index>(), any::<u8>(), 0u8..3), 1..24),
        cut in any::<Option<Index>>(),
    ) {
        let mut bytes = FIXTURES[which].as_bytes().to_vec();
        apply(&mut bytes, &edits);
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        read_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn nesting_is_measured_and_bounded(depth in 0usize..200, leaf in "[a-z]{0,5}") {
        let doc = format!("{}{leaf}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        let measured = bounded::nesting_depth(doc.as_bytes(), bounded::MAX_DEPTH);
        prop_assert_eq!(measured, depth.min(bounded::MAX_DEPTH + 1));
        prop_assert_eq!(bounded::parse(&doc).is_ok(), (1..=bounded::MAX_DEPTH).contains(&depth));
    }

    #[test]
    fn escaped_text_is_well_formed_and_reads_back(text in any::<String>()) {
        let doc = format!("<r a=\"{}\">{}</r>", escape(&text), escape(&text));
        let parsed = roxmltree::Document::parse(&doc);
        prop_assert!(parsed.is_ok(), "{:?}: {}", parsed.err(), doc);
        let parsed = parsed.unwrap();
        let kept: String = text.chars().filter(|c| is_xml_char(*c)).collect();
        prop_assert_eq!(parsed.root_element().text().unwrap_or(""), normalise_line_ends(&kept));
    }

    #[test]
    fn get_meetings_written_as_bbb_does_reads_back(
        meetings in prop::collection::vec(("[!-~]([ -~]{0,18}[!-~])?", 0u32..5000, 0u32..500, 0u32..5000, any::<bool>()), 0..12),
    ) {
        let mut doc = String::from("<response><returncode>SUCCESS</returncode><meetings>");
        for (id, participants, videos, voice, breakout) in &meetings {
            doc.push_str("<meeting>");
            element(&mut doc, "meetingID", id);
            doc.push_str(&format!(
                "<createTime>1000</createTime><participantCount>{participants}</participantCount>\
                 <videoCount>{videos}</videoCount><voiceParticipantCount>{voice}</voiceParticipantCount>\
                 <isBreakout>{breakout}</isBreakout></meeting>"
            ));
        }
        doc.push_str("</meetings></response>");
        let read = parse_get_meetings(&doc, 1000).unwrap();
        prop_assert_eq!(read.len(), meetings.len());
        for (got, (id, participants, videos, voice, breakout)) in read.iter().zip(&meetings) {
            prop_assert_eq!(&got.meeting_id, id);
            prop_assert_eq!(got.figures.participants, *participants);
            prop_assert_eq!(got.figures.videos, *videos);
            prop_assert_eq!(got.figures.voice_participants, *voice);
            prop_assert_eq!(got.is_breakout, *breakout);
            prop_assert!(doc[got.range.clone()].starts_with("<meeting>"));
        }
    }

    #[test]
    fn metadata_written_as_bbb_does_reads_back(
        name in "[!-~]([ -~\u{a0}-\u{2000}]{0,30}[!-~])?",
        meta in prop::collection::btree_map("[a-z_][a-z0-9_.-]{0,12}", "[ -~\u{a0}-\u{2000}]{0,40}", 0..8),
    ) {
        prop_assume!(!meta.keys().any(|k| matches!(k.as_str(), "meetingid" | "meetingname" | "isbreakout")));
        let mut block = String::from("<meta>");
        element(&mut block, "meetingName", &name);
        element(&mut block, "meetingId", "external-1");
        for (key, value) in &meta {
            element(&mut block, key, value);
        }
        block.push_str("</meta>");
        let start = SAMPLE.find("<meta>").unwrap();
        let end = SAMPLE.find("</meta>").unwrap() + "</meta>".len();
        let xml = format!("{}{block}{}", &SAMPLE[..start], &SAMPLE[end..]);
        let read = metadata::parse(&xml).unwrap();
        prop_assert_eq!(&read.name, &name);
        prop_assert_eq!(&read.meeting_id, "external-1");
        let expected: BTreeMap<String, String> = meta.iter().map(|(k, v)| (k.clone(), v.trim().to_string())).collect();
        prop_assert_eq!(read.metadata, expected);
    }
}

/// The sample recording as a tar, as the post-publish script writes it.
fn sample_tar() -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (path, content) in [
        (format!("presentation/{ID}/metadata.xml"), SAMPLE.as_bytes()),
        (format!("presentation/{ID}/slides/slide-1.png"), b"png".as_slice()),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(content.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, path, content).unwrap();
    }
    builder.into_inner().unwrap()
}

fn mutated_tars_never_panic_the_importer(backend: Backend) {
    let db = common::TestDb::new(backend);
    let mut conn = common::connect(&db);
    scalelite::db::migrate(&mut conn).unwrap();
    let conn = std::cell::RefCell::new(conn);
    let root = tempfile::tempdir().unwrap();
    let folders = Folders {
        spool: root.path().join("spool"),
        work: root.path().join("work"),
        storage: scalelite::recordings::storage::Storage::Folders(scalelite::recordings::store::Store {
            published: root.path().join("published"),
            unpublished: root.path().join("unpublished"),
        }),
    };
    std::fs::create_dir_all(&folders.spool).unwrap();
    let settings = Settings { import_unpublished: false, protected: false };
    let valid = sample_tar();
    let mut runner = TestRunner::new(RunnerConfig { cases: 48, ..RunnerConfig::default() });
    let edits = (prop::collection::vec((any::<Index>(), any::<u8>(), 0u8..3), 1..16), any::<Option<Index>>());
    runner
        .run(&edits, |(edits, cut)| {
            let mut bytes = valid.clone();
            apply(&mut bytes, &edits);
            if let Some(cut) = cut {
                bytes.truncate(cut.index(bytes.len() + 1));
            }
            let tar = folders.spool.join("fuzzed.tar");
            std::fs::write(&tar, &bytes).unwrap();
            match import_tar(&mut conn.borrow_mut(), &tar, &folders, &settings) {
                // Imported: the tar is gone, or kept in failed/ for a refused format.
                Ok(_) => prop_assert!(!tar.exists()),
                Err(e) => prop_assert!(e.is_bad_tar(), "a broken tar is the tar's fault: {e}"),
            }
            let _ = std::fs::remove_file(&tar);
            Ok(())
        })
        .unwrap();
}

/// Arbitrary JSON, nested a little.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::Value::from("http://127.0.0.1:9/bigbluebutton/api")),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("server".to_string()),
                    Just("tenant".to_string()),
                    Just("id".to_string()),
                    Just("url".to_string()),
                    Just("secret".to_string()),
                    Just("secrets".to_string()),
                    Just("name".to_string()),
                    Just("state".to_string()),
                    Just("load_multiplier".to_string()),
                    Just("tag".to_string()),
                    ".{0,10}"
                ],
                inner,
                0..6
            )
            .prop_map(|map| serde_json::Value::Object(map.into_iter().collect())),
        ]
    })
}

async fn arbitrary_admin_json_gets_a_clear_answer(backend: Backend) {
    let app = TestApp::new(backend).env("MULTITENANCY_ENABLED", "true").start().await;
    let mut runner = TestRunner::new(RunnerConfig { cases: 1, ..RunnerConfig::default() });
    let strategy = json_value();
    let calls =
        ["addServer", "updateServer", "deleteServer", "panicServer", "addTenant", "updateTenant", "deleteTenant"];
    for round in 0..120 {
        let body = strategy.new_tree(&mut runner).unwrap().current().to_string();
        let call = calls[round % calls.len()];
        let sum = sign(Algorithm::Sha256, call, "", &body, SECRET);
        let request = app.client.post(app.url(&format!("/scalelite/api/{call}?checksum={sum}")));
        let reply = send(request, Some(("application/json", &body))).await;
        assert!(reply.status < 500, "{call} {body}: {} {}", reply.status, reply.body);
        let json = serde_json::from_str::<serde_json::Value>(&reply.body).is_ok();
        assert!(json || reply.body.starts_with("<response>"), "{call} {body}: {}", reply.body);
    }
    let health = send(app.client.get(app.url("/health_check")), None).await;
    assert_eq!(health.status, 200);
    app.stop().await;
}

on_both_backends_blocking!(mutated_tars_never_panic_the_importer);
on_both_backends!(arbitrary_admin_json_gets_a_clear_answer);
