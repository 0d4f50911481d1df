//! `publishRecordings`, `updateRecordings` and `deleteRecordings`: the index and the files, tenant-scoped.
//! Record IDs are exact here (a comma list).

use actix_web::{web, HttpResponse};

use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::bbb::xml;
use crate::db::models::recording::Recording;
use crate::db::models::recording_trash::TRASHED;
use crate::db::{self, DbConnection, DbError};
use crate::error::BbbError;
use crate::recordings::storage::Storage;
use crate::recordings::trash::{self, TrashError};

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

/// What went wrong while changing recordings.
enum Failure {
    NotFound,
    Db(DbError),
    Files(String),
}

impl From<DbError> for Failure {
    fn from(e: DbError) -> Self {
        Failure::Db(e)
    }
}

/// `publishRecordings` (GET): moves the folders between the published and unpublished trees.
pub async fn publish(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let ids = record_ids(&call)?;
    let publish = call
        .get("publish")
        .map(|p| p.eq_ignore_ascii_case("true"))
        .ok_or_else(|| BbbError::new("missingParamPublish", "You must specify a publish value true or false."))?;
    let tenant = call.tenant_id().to_string();
    let storage = state.storage.clone();
    let done = db::run(&state.pool, move |conn| -> Result<Result<(), Failure>, DbError> {
        Ok(publish_all(conn, &tenant, &ids, publish, &storage))
    })
    .await?;
    match done {
        Ok(()) => Ok(xml::response(format!(
            "<response><returncode>SUCCESS</returncode><published>{publish}</published></response>"
        ))),
        Err(Failure::NotFound) => Err(not_found()),
        Err(Failure::Db(e)) => Err(e.into()),
        Err(Failure::Files(e)) => {
            log::error!("publishing recordings failed: {e}");
            Err(BbbError::internal("Unable to publish/unpublish recording."))
        }
    }
}

fn publish_all(
    conn: &mut DbConnection,
    tenant: &str,
    ids: &[String],
    publish: bool,
    storage: &Storage,
) -> Result<(), Failure> {
    let found: Vec<Recording> = Recording::find_many(conn, tenant, ids)?
        .into_iter()
        .filter(|r| matches!(r.state.as_str(), "published" | "unpublished"))
        .collect();
    if found.is_empty() {
        return Err(Failure::NotFound);
    }
    for recording in found.iter().filter(|r| r.published != publish) {
        for format in Recording::formats(conn, &recording.record_id)? {
            storage.move_format(publish, &format, &recording.record_id).map_err(Failure::Files)?;
        }
        Recording::set_published(conn, &recording.record_id, publish)?;
    }
    Ok(())
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
/// `RECORDING_DELETE_TO_TRASH`, the recordings go to the trash instead (`recordings::trash`).
pub async fn delete(state: web::Data<AppState>, call: ApiCall) -> Result<HttpResponse, BbbError> {
    let ids = record_ids(&call)?;
    let tenant = call.tenant_id().to_string();
    let storage = state.storage.clone();
    let to_trash = state.config.retention.delete_to_trash;
    let done = db::run(&state.pool, move |conn| -> Result<Result<(), Failure>, DbError> {
        let found = Recording::find_many(conn, &tenant, &ids)?;
        if found.is_empty() {
            return Ok(Err(Failure::NotFound));
        }
        for recording in found {
            let outcome = if to_trash && recording.state != TRASHED {
                trash::trash(conn, &storage, &recording, db::now_ms()).map(|_| ())
            } else {
                trash::remove_files(&storage, &recording.record_id)
                    .and_then(|()| Ok(Recording::mark_deleted(conn, &recording.record_id)?))
            };
            match outcome {
                Ok(()) => {}
                Err(TrashError::Db(e)) => return Err(e),
                Err(TrashError::Files(e)) => return Ok(Err(Failure::Files(e))),
            }
        }
        Ok(Ok(()))
    })
    .await?;
    match done {
        Ok(()) => {
            Ok(xml::response("<response><returncode>SUCCESS</returncode><deleted>true</deleted></response>".into()))
        }
        Err(Failure::NotFound) => Err(not_found()),
        Err(Failure::Db(e)) => Err(e.into()),
        Err(Failure::Files(e)) => {
            log::error!("deleting recordings failed: {e}");
            Err(BbbError::internal("Unable to delete recording."))
        }
    }
}
