//! `POST /bigbluebutton/api/uploadRecording?recordID=…&sha256=…&checksum=…`: a BBB server sends a recording tar
//! (the body, `application/x-tar`) instead of copying it to the spool. The checksum is signed with that server's
//! secret (any server of the pool) and covers the SHA-256 of the body, so a captured URL cannot carry another
//! tar. The body streams to a hidden file in the spool, renamed when complete and verified; the importer takes
//! it from there.

use std::io::Write;
use std::path::PathBuf;

use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use crate::actors::messages::ImportNow;
use crate::app::AppState;
use crate::bbb::checksum::{self, Algorithm};
use crate::bbb::xml;
use crate::error::BbbError;
use crate::secret::Secret;

/// The largest recording accepted over HTTP.
pub const MAX_UPLOAD: u64 = 16 << 30;

/// The record ID and the announced SHA-256 of a signed upload.
fn check(request: &HttpRequest, state: &AppState) -> Result<(String, String), BbbError> {
    let secrets: Vec<Secret> = state.shared.view().servers.values().map(|s| s.secret.clone()).collect();
    checksum::verify("uploadRecording", request.query_string(), b"", &secrets, &Algorithm::ALL)
        .map_err(|_| BbbError::checksum())?;
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect();
    let get = |key: &str| params.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let record_id = get("recordID")
        .filter(|id| !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .ok_or_else(|| BbbError::new("missingParamRecordID", "You must specify a recordID."))?;
    let sha256 = get("sha256")
        .filter(|s| s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()))
        .ok_or_else(|| BbbError::new("missingParamSha256", "You must give the sha256 of the body."))?;
    Ok((record_id, sha256.to_ascii_lowercase()))
}

/// Streams the body to `partial`; returns its SHA-256.
async fn receive(mut payload: web::Payload, partial: &PathBuf) -> Result<String, String> {
    let mut file = std::fs::File::create(partial).map_err(|e| e.to_string())?;
    let mut hasher = Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| e.to_string())?;
        size += chunk.len() as u64;
        if size > MAX_UPLOAD {
            return Err(format!("larger than {MAX_UPLOAD} bytes"));
        }
        hasher.update(&chunk);
        file.write_all(&chunk).map_err(|e| e.to_string())?;
    }
    file.sync_all().map_err(|e| e.to_string())?;
    Ok(hex::encode(hasher.finalize()))
}

/// Handles an upload.
pub async fn upload_recording(request: HttpRequest, payload: web::Payload, state: web::Data<AppState>) -> HttpResponse {
    if state.config.recording_disabled {
        return BbbError::unsupported_request().error_response();
    }
    let (record_id, announced) = match check(&request, &state) {
        Ok(checked) => checked,
        Err(e) => return e.error_response(),
    };
    let spool = state.config.recording_spool_dir.clone();
    if let Err(e) = std::fs::create_dir_all(&spool) {
        log::error!("cannot create the spool {}: {e}", spool.display());
        return BbbError::internal("Unable to store the recording.").error_response();
    }
    let partial = spool.join(format!(".{record_id}.tar.{}", uuid::Uuid::new_v4().simple()));
    let received = receive(payload, &partial).await;
    let outcome = match received {
        Ok(digest) if digest == announced => {
            std::fs::rename(&partial, spool.join(format!("{record_id}.tar"))).map_err(|e| e.to_string())
        }
        Ok(_) => {
            let _ = std::fs::remove_file(&partial);
            return BbbError::new("checksumError", "The body does not match its sha256 parameter.").error_response();
        }
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => {
            state.recordings.do_send(ImportNow);
            log::info!("recording {record_id} received over HTTP");
            xml::response(format!(
                "<response><returncode>SUCCESS</returncode><recordID>{record_id}</recordID><received>true</received></response>"
            ))
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            log::error!("cannot receive recording {record_id}: {e}");
            BbbError::internal("Unable to store the recording.").error_response()
        }
    }
}
