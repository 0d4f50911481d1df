//! `publishRecordings`, `updateRecordings` and `deleteRecordings`: the index and the files, tenant-scoped.
//! Record IDs are exact here (a comma list).

use actix_web::{web, HttpResponse};

use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::bbb::xml;
use crate::db::models::recording::Recording;
use crate::db::models::recording_trash::{self, TRASHED};
use crate::db::{self, DbConnection, DbError};
use crate::error::BbbError;
use crate::recordings::trash;

fn record_ids(call: &ApiCall) -> Result<Vec<String>, BbbError> {
    let mut ids: Vec<String> = call
        .get("recordID")
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
        .unwrap_or_default();
    if ids.is_empty() {
        return Err(BbbError::new("missingParamRecordID", "You must specify a recordID."));
    }
    ids.sort();
    ids.dedup();
    Ok(ids)
}

fn not_found() -> BbbError {
    BbbError::new("notFound", "We could not find recordings")
}

/// A recording to change and its formats, read before any file is touched.
struct Target {
    recording: Recording,
    formats: Vec<String>,
}

/// Runs `change` on each target's files on a blocking thread that holds no database connection (a slow bucket
/// must not keep the pool's connections), stopping at the first failure: the targets done, and the failure.
async fn change_files<F>(targets: Vec<Target>, change: F) -> Result<(Vec<Target>, Option<String>), BbbError>
where
    F: Fn(&Target) -> Result<(), String> + Send + 'static,
{
    Ok(db::blocking(move || {
        let mut done = Vec::with_capacity(targets.len());
        for target in targets {
            if let Err(e) = change(&target) {
                return Ok((done, Some(e)));
            }
            done.push(target);
        }
        Ok((done, None))
    })
    .await?)
}

/// `publishRecordings` (GET): moves the folders between the published and unpublished trees, then marks the
/// recordings moved (a move cut off is finished by the next call: a format's objects are copied, then deleted).
pub async fn publish(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let ids = record_ids(&call)?;
    let publish = call
        .get("publish")
        .map(|p| p.eq_ignore_ascii_case("true"))
        .ok_or_else(|| BbbError::new("missingParamPublish", "You must specify a publish value true or false."))?;
    let tenant = call.tenant_id().to_string();
    let targets = db::run(&state.pool, move |conn| -> Result<Option<Vec<Target>>, DbError> {
        let found: Vec<Recording> = Recording::find_many(conn, &tenant, &ids)?
            .into_iter()
            .filter(|r| matches!(r.state.as_str(), "published" | "unpublished"))
            .collect();
        if found.is_empty() {
            return Ok(None);
        }
        let to_move = found.into_iter().filter(|r| r.published != publish);
        let targets =
            to_move.map(|recording| Ok(Target { formats: Recording::formats(conn, &recording.record_id)?, recording }));
        Ok(Some(targets.collect::<Result<_, DbError>>()?))
    })
    .await?
    .ok_or_else(not_found)?;
    let storage = state.storage.clone();
    let (moved, failure) = change_files(targets, move |target| {
        let id = &target.recording.record_id;
        target.formats.iter().try_for_each(|format| storage.move_format(publish, format, id).map(|_| ()))
    })
    .await?;
    db::run(&state.pool, move |conn| {
        moved.iter().try_for_each(|t| Recording::set_published(conn, &t.recording.record_id, publish))
    })
    .await?;
    if let Some(e) = failure {
        log::error!("publishing recordings failed: {e}");
        return Err(BbbError::internal("Unable to publish/unpublish recording."));
    }
    Ok(xml::response(format!("<response><returncode>SUCCESS</returncode><published>{publish}</published></response>")))
}

/// `updateRecordings`: `meta_*` set (or removed when blank) and `protect` on every listed recording.
pub async fn update(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let ids = record_ids(&call)?;
    let changes: Vec<(String, Option<String>)> = call
        .params
        .iter()
        .filter_map(|(k, v)| {
            let key = k.strip_prefix("meta_").filter(|key| !key.is_empty())?.to_ascii_lowercase();
            // What XML cannot hold could never be shown: it is not stored either.
            let value: String = v.chars().filter(|c| xml::is_xml_char(*c)).collect();
            Some((key, Some(value).filter(|v| !v.trim().is_empty())))
        })
        .collect();
    if let Some((key, _)) = changes.iter().find(|(key, _)| !xml::is_name(key)) {
        return Err(BbbError::new(
            "invalidMetadataKey",
            format!("meta_{key}: a metadata key must start with a letter and hold only letters, digits, - . _"),
        ));
    }
    let protect = call.get("protect").map(|p| p.eq_ignore_ascii_case("true"));
    let tenant = call.tenant_id().to_string();
    let updated = db::run(&state.pool, move |conn| -> Result<bool, DbError> {
        if Recording::find_many(conn, &tenant, &ids)?.len() != ids.len() {
            return Ok(false);
        }
        Recording::update_metadata(conn, &ids, &changes, protect)
    })
    .await?;
    Ok(xml::response(format!("<response><returncode>SUCCESS</returncode><updated>{updated}</updated></response>")))
}

/// `deleteRecordings` (GET): files removed from both trees; the row kept with state `deleted`. With
/// `RECORDING_DELETE_TO_TRASH`, the recordings go to the trash instead (`recordings::trash`). Files first (holding
/// no database connection), then the index, for the recordings whose files were dealt with.
pub async fn delete(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let ids = record_ids(&call)?;
    let tenant = call.tenant_id().to_string();
    let to_trash = state.config.retention.delete_to_trash;
    // Asked once by each of the three steps below: they must agree on every recording.
    let goes_to_trash = move |r: &Recording| to_trash && r.state != TRASHED;
    let targets = db::run(&state.pool, move |conn| -> Result<Vec<Target>, DbError> {
        let found = Recording::find_many(conn, &tenant, &ids)?;
        let formats = |conn: &mut DbConnection, r: &Recording| {
            if goes_to_trash(r) && r.published {
                Recording::formats(conn, &r.record_id)
            } else {
                Ok(Vec::new())
            }
        };
        found.into_iter().map(|recording| Ok(Target { formats: formats(conn, &recording)?, recording })).collect()
    })
    .await?;
    if targets.is_empty() {
        return Err(not_found());
    }
    let storage = state.storage.clone();
    let (done, failure) = change_files(targets, move |target| {
        let recording = &target.recording;
        if goes_to_trash(recording) {
            trash::hide_files(&storage, &recording.record_id, &target.formats);
            Ok(())
        } else {
            storage.remove_record(&recording.record_id)
        }
    })
    .await?;
    let now = db::now_ms();
    db::run(&state.pool, move |conn| -> Result<(), DbError> {
        for Target { recording, .. } in &done {
            if goes_to_trash(recording) {
                recording_trash::mark_trashed(conn, &recording.record_id, now)?;
            } else {
                Recording::mark_deleted(conn, &recording.record_id)?;
            }
        }
        Ok(())
    })
    .await?;
    if let Some(e) = failure {
        log::error!("deleting recordings failed: {e}");
        return Err(BbbError::internal("Unable to delete recording."));
    }
    Ok(xml::response("<response><returncode>SUCCESS</returncode><deleted>true</deleted></response>".into()))
}
