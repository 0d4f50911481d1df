//! `getRecordingTextTracks` and `putRecordingTextTrack` (JSON, as BBB answers them) on the captions kept in a
//! recording's presentation folder; tenant-scoped. An upload is stored at once (BBB converts it later).

use actix_web::{web, HttpRequest, HttpResponse};
use bytes::Bytes;
use serde_json::{json, Value};

use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::db::models::recording::Recording;
use crate::db::{self, DbError};
use crate::error::BbbError;
use crate::recordings::captions::{self, CaptionError};

fn json_response(response: Value) -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").json(json!({ "response": response }))
}

fn failed(key: &str, message: String) -> HttpResponse {
    json_response(json!({"returncode": "FAILED", "messageKey": key, "message": message}))
}

/// The tenant's recording with this ID, if any.
async fn recording(state: &AppState, call: &ApiCall, record_id: &str) -> Result<Option<Recording>, BbbError> {
    let (tenant, id) = (call.tenant_id().to_string(), vec![record_id.to_string()]);
    let found =
        db::run(&state.pool, move |conn| -> Result<_, DbError> { Recording::find_many(conn, &tenant, &id) }).await?;
    Ok(found.into_iter().next())
}

/// `getRecordingTextTracks`: the tracks of one recording, with URLs under this Scalelite.
pub async fn get_text_tracks(
    state: web::Data<AppState>,
    call: ApiCall,
    request: HttpRequest,
) -> Result<HttpResponse, BbbError> {
    let base_url = crate::http::base_url(&request);
    let record_id = call
        .get("recordID")
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or_else(|| BbbError::new("missingParamRecordID", "You must specify a recordID."))?
        .to_string();
    let Some(recording) = recording(&state, &call, &record_id).await? else {
        return Ok(failed("noRecordings", format!("No recording found for {record_id}")));
    };
    let storage = state.storage.clone();
    let entries = web::block(move || captions::read(&storage, recording.published, &recording.record_id))
        .await
        .unwrap_or_default();
    if entries.is_empty() {
        return Ok(failed("noCaptionsFound", format!("No captions found for {record_id}")));
    }
    let tracks: Vec<Value> = entries
        .into_iter()
        .map(|e| {
            json!({
                "href": format!("{base_url}/presentation/{record_id}/caption_{}.vtt", e.locale),
                "kind": e.kind.unwrap_or_else(|| "subtitles".to_string()),
                "label": if e.locale_name.is_empty() { e.locale.clone() } else { e.locale_name },
                "lang": e.locale,
                "source": e.source.unwrap_or_else(|| "live".to_string()),
            })
        })
        .collect();
    Ok(json_response(json!({"returncode": "SUCCESS", "tracks": tracks})))
}

/// The `file` field of a multipart body.
async fn uploaded_file(content_type: &str, body: Bytes) -> Option<Bytes> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<Bytes, std::io::Error>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("file") {
            return field.bytes().await.ok();
        }
    }
    None
}

/// `putRecordingTextTrack` (multipart POST): stores the `file` field as the recording's track for `lang`.
pub async fn put_text_track(
    state: web::Data<AppState>,
    call: ApiCall,
    request: HttpRequest,
) -> Result<HttpResponse, BbbError> {
    let param = |key: &str| call.get(key).map(str::trim).filter(|v| !v.is_empty()).map(String::from);
    let (Some(record_id), Some(kind), Some(lang)) = (param("recordID"), param("kind"), param("lang")) else {
        let missing = ["recordID", "kind", "lang"].into_iter().find(|k| param(k).is_none()).unwrap_or("recordID");
        return Ok(failed("paramError", format!("Missing param {missing}.")));
    };
    if kind != "subtitles" && kind != "captions" {
        return Ok(failed(
            "invalidKind",
            format!("Invalid kind parameter, expected='subtitles|captions' actual={kind}"),
        ));
    }
    if !captions::valid_lang(&lang) {
        return Ok(failed("invalidLang", format!("Malformed lang param, received={lang}")));
    }
    let label = param("label").unwrap_or_else(|| lang.clone());
    let Some(recording) = recording(&state, &call, &record_id).await? else {
        return Ok(failed("noRecordings", format!("No recording was found for {record_id}")));
    };
    let content_type = request.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    let file = uploaded_file(content_type, call.body.clone()).await.unwrap_or_default();
    if file.iter().all(u8::is_ascii_whitespace) {
        return Ok(failed("empty_uploaded_text_track", "Empty uploaded text track.".to_string()));
    }
    let storage = state.storage.clone();
    let text = String::from_utf8_lossy(&file).into_owned();
    let (published, id) = (recording.published, recording.record_id);
    let stored = web::block(move || captions::store(&storage, published, &id, (&kind, &lang, &label), &text))
        .await
        .unwrap_or_else(|e| Err(CaptionError::Storage(e.to_string())));
    let (returncode, key, message) = match stored {
        Ok(()) => ("SUCCESS", "upload_text_track_success", "Text track uploaded successfully"),
        Err(e) => {
            log::warn!("putRecordingTextTrack {record_id}: {e}");
            ("FAILED", "upload_text_track_failed", "Text track upload failed.")
        }
    };
    Ok(json_response(json!({"returncode": returncode, "recordId": record_id, "messageKey": key, "message": message})))
}
