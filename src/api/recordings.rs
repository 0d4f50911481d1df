//! `getRecordings`, answered from the index: filters as BBB 2.6+ (meetingID list, recordID prefixes, states,
//! `meta_*` ANDed, offset/limit with `totalElements`), newest first, scoped to the tenant.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::api::request::ApiCall;
use crate::app::AppState;
use crate::bbb::xml;
use crate::db::models::recording::Recording;
use crate::db::models::token;
use crate::db::{self, DbError};
use crate::error::BbbError;
use crate::recordings::search::{search, Filter};
use crate::recordings::xml::{recordings_document, Presentation, Tokens};

/// A comma-separated parameter as a list (empty entries dropped).
fn list(call: &ApiCall, key: &str) -> Vec<String> {
    call.get(key)
        .map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
        .unwrap_or_default()
}

/// The filter a call asks for. Pagination applies only when `limit` is 1–100 (and `offset`, if given, ≥ 0).
pub fn filter_of(call: &ApiCall) -> Filter {
    let states = list(call, "state");
    let states = if states.iter().any(|s| s == "any") {
        None
    } else if states.is_empty() {
        Some(vec!["published".to_string(), "unpublished".to_string()])
    } else {
        Some(states)
    };
    let mut meta: Vec<(String, Vec<String>)> = Vec::new();
    for (key, value) in &call.params {
        if let Some(name) = key.strip_prefix("meta_").filter(|n| !n.is_empty()) {
            let values = value.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
            meta.retain(|(k, _)| k != &name.to_ascii_lowercase());
            meta.push((name.to_ascii_lowercase(), values));
        }
    }
    let limit = call.get("limit").and_then(|l| l.trim().parse::<i64>().ok()).filter(|l| (1..=100).contains(l));
    let offset = call.get("offset").and_then(|o| o.trim().parse::<i64>().ok());
    let (offset, limit) = match (limit, offset) {
        (Some(limit), None) => (0, Some(limit)),
        (Some(limit), Some(offset)) if offset >= 0 => (offset, Some(limit)),
        _ => (0, None),
    };
    Filter {
        tenant_id: call.tenant_id().to_string(),
        meeting_ids: list(call, "meetingID"),
        record_id_prefixes: list(call, "recordID"),
        states,
        meta,
        offset,
        limit,
    }
}

/// Handles `getRecordings`.
pub async fn get_recordings(
    state: web::Data<AppState>,
    call: ApiCall,
    request: HttpRequest,
) -> Result<HttpResponse, BbbError> {
    if state.config.get_recordings_api_filtered && call.get("meetingID").is_none() && call.get("recordID").is_none() {
        return Err(BbbError::new("missingParameters", "param meetingID or recordID must be included."));
    }
    let filter = filter_of(&call);
    let paginated = filter.limit.is_some();
    let token_lifetime = state.config.protected_recordings_token_timeout.as_millis() as i64;
    let (total, page, tokens) = db::run(&state.pool, move |conn| -> Result<_, DbError> {
        let (total, page) = search(conn, &filter)?;
        let page = Recording::complete(conn, page)?;
        let wanted: Vec<(String, String)> = page
            .iter()
            .filter(|full| full.recording.protected)
            .flat_map(|full| full.formats.iter().map(|(f, _)| (f.record_id.clone(), f.format.clone())))
            .collect();
        let minted = token::mint(conn, &wanted, token_lifetime)?;
        let tokens: Tokens = wanted.into_iter().zip(minted).collect();
        Ok((total, page, tokens))
    })
    .await?;
    let base_url = crate::http::base_url(&request);
    let how = Presentation {
        base_url: &base_url,
        show_protected: state.config.protected_recordings_enabled,
        tokens: &tokens,
    };
    Ok(xml::response(recordings_document(&page, &how, paginated.then_some(total))))
}
