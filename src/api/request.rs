//! What every checked BBB API call goes through, as the `ApiCall` extractor: the call's row of the table (method),
//! the body (read within its bounds), a switched-off feature's stand-in answer, the tenant (first host label or path prefix), the
//! checksum (raw query as sent; for form POSTs with no query, the body or BBB's sorted form of it, and the empty
//! string only when `CHECKSUM_EMPTY_FORM_ALLOWED` is set), the content type, and the decoded parameters: those
//! of the signed part only.

use std::sync::Arc;

use actix_web::http::{header, Method};
use actix_web::{dev, web, FromRequest, HttpRequest};
use bytes::Bytes;
use futures_util::future::LocalBoxFuture;

use super::calls::{BodyKind, Call};
use super::stand_ins::stand_in;
use crate::app::AppState;
use crate::bbb::checksum::{self, ChecksumError};
use crate::bbb::params::encode_query;
use crate::db::models::tenant::Tenant;
use crate::db::models::tenant_setting::TenantSetting;
use crate::db::{self, DbError};
use crate::error::BbbError;
use crate::http::host_label;
use crate::metrics::METRICS;
use crate::pool::TenantView;
use crate::secret::Secret;

/// A checked call: the extractor of every BBB API handler.
#[derive(Debug)]
pub struct ApiCall {
    pub call: Call,
    /// Decoded parameters: the query's, then the form body's.
    pub params: Vec<(String, String)>,
    /// The body of an XML POST.
    pub xml_body: Option<Bytes>,
    /// The body as it came (a multipart upload's, for one).
    pub body: Bytes,
    pub tenant: Option<Arc<TenantView>>,
    /// The secret that signed the call.
    pub secret: Secret,
}

impl ApiCall {
    /// A parameter (the last one of that name).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.params.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// `meetingID`, which must be present and not empty.
    pub fn meeting_id(&self) -> Result<&str, BbbError> {
        self.get("meetingID")
            .filter(|id| !id.trim().is_empty())
            .ok_or_else(|| BbbError::new("missingParamMeetingID", "You must specify a meeting ID for the meeting."))
    }

    /// The tenant's id, or `""` without multitenancy.
    pub fn tenant_id(&self) -> &str {
        self.tenant.as_ref().map_or("", |t| t.id.as_str())
    }

    /// The meeting ID the BBB server knows for a front-end's meeting ID.
    pub fn bbb_meeting_id(&self, meeting_id: &str) -> String {
        match &self.tenant {
            Some(tenant) => tenant.bbb_meeting_id(meeting_id),
            None => meeting_id.to_string(),
        }
    }
}

/// The kind of a request body, from its content type; `None` for any other type.
pub fn body_kind(request: &HttpRequest) -> Option<BodyKind> {
    let value = request.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    match essence.as_str() {
        "application/x-www-form-urlencoded" | "multipart/form-data" => Some(BodyKind::Form),
        "application/xml" | "text/xml" | "application/x-xml" => Some(BodyKind::Xml),
        _ => None,
    }
}

/// The tenant of a request: the path prefix, else the first label of the Host header. A name this instance's
/// view does not know is looked up in the database (another instance may have added the tenant a moment ago).
async fn tenant(
    request: &HttpRequest,
    state: &AppState,
    path_tenant: Option<&str>,
) -> Result<Arc<TenantView>, BbbError> {
    let name = match path_tenant {
        Some(name) => name.to_string(),
        None => host_label(request),
    };
    if let Some(tenant) = state.shared.tenant(&name) {
        return Ok(tenant);
    }
    let found = db::run(&state.pool, move |conn| -> Result<Option<TenantView>, DbError> {
        let Some(tenant) = Tenant::find_by_label(conn, &name)? else { return Ok(None) };
        Ok(Some(TenantView::from_rows(&tenant, &TenantSetting::of_tenant(conn, &tenant.id)?)))
    })
    .await?;
    found.map(Arc::new).ok_or_else(BbbError::checksum)
}

/// BBB's sorted form of form parameters (2.4–3.0 rebuild the query this way for form POSTs).
fn canonical_form(params: &[(String, String)]) -> String {
    let mut sorted: Vec<(&str, &str)> =
        params.iter().filter(|(k, _)| k != "checksum").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    encode_query(sorted)
}

fn verify(
    call: &str,
    request: &HttpRequest,
    form_body: Option<&[u8]>,
    form_params: &[(String, String)],
    secrets: &[Secret],
    state: &AppState,
) -> Result<usize, ChecksumError> {
    let algorithms = &state.config.checksum_algorithms;
    let query = request.query_string();
    match checksum::find_checksum(query) {
        Err(ChecksumError::Missing) => {}
        other => return checksum::verify_given(other?, call, query, b"", secrets, algorithms),
    }
    let (Some(body), true) = (form_body, query.is_empty()) else {
        return Err(ChecksumError::Missing);
    };
    let given = form_params.iter().rev().find(|(k, _)| k == "checksum").map(|(_, v)| v.as_str());
    let given = given.filter(|g| !g.is_empty()).ok_or(ChecksumError::Missing)?;
    let raw = String::from_utf8_lossy(body);
    let signed = checksum::verify_given(given, call, &raw, b"", secrets, algorithms)
        .or_else(|_| checksum::verify_given(given, call, &canonical_form(form_params), b"", secrets, algorithms));
    if state.config.checksum_empty_form_allowed {
        // Old front-ends sign the empty string: the body is then unsigned, so this is opt-in.
        return signed.or_else(|_| checksum::verify_given(given, call, "", b"", secrets, algorithms));
    }
    signed
}

/// The largest body of a BBB API call (a form, a create's XML, a text track).
pub const MAX_BODY: usize = 1 << 20;

impl FromRequest for ApiCall {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<ApiCall, actix_web::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let request = request.clone();
        let payload = payload.take();
        Box::pin(async move { receive(request, payload).await })
    }
}

/// Receives a call of the resource's row (its `Call` is the resource's data): refuses what the row does not
/// take, reads the body, answers a switched-off feature with its stand-in, and checks the rest.
async fn receive(request: HttpRequest, payload: dev::Payload) -> Result<ApiCall, actix_web::Error> {
    let (Some(call), Some(state)) = (request.app_data::<Call>().copied(), request.app_data::<web::Data<AppState>>())
    else {
        return Err(BbbError::internal("The call is not routed.").into());
    };
    let path_tenant = request.match_info().get("tenant");
    let spec = call.spec();
    if (path_tenant.is_some() && !state.config.multitenancy_enabled) || !spec.methods.allow(request.method()) {
        return Err(BbbError::unsupported_request().into());
    }
    let (client, instances) = (crate::http::client_address(&request), state.leadership.instances());
    if let Some(client) = client {
        state.limiter.check_client(client, instances)?;
    }
    let body = crate::request_body::read(payload, MAX_BODY, state.config.request_body_timeout)
        .await
        .map_err(BbbError::from)?;
    if let Some(answer) = stand_in(call, &state.config) {
        return Err(actix_web::error::InternalError::from_response("switched off", answer).into());
    }
    let checked = match check(call, &request, body, state, path_tenant, spec.bodies).await {
        Ok(checked) => checked,
        Err(e) => {
            if let (Some(client), "checksumError") = (client, e.key) {
                state.limiter.checksum_failed(client);
            }
            return Err(e.into());
        }
    };
    if let Some(tenant) = &checked.tenant {
        state.limiter.check_tenant(&tenant.name, tenant.rate_limit, instances)?;
    }
    METRICS.tenant_requests.with_label_values(&[checked.tenant.as_ref().map_or("", |t| t.name.as_str())]).inc();
    Ok(checked)
}

/// Checks a call: tenant, checksum, content type; and decodes its parameters.
async fn check(
    call: Call,
    request: &HttpRequest,
    body: Bytes,
    state: &AppState,
    path_tenant: Option<&str>,
    accepts: &[BodyKind],
) -> Result<ApiCall, BbbError> {
    let name = call.spec().name;
    let tenant =
        if state.config.multitenancy_enabled { Some(tenant(request, state, path_tenant).await?) } else { None };
    let kind = if request.method() == Method::POST && !body.is_empty() { Some(body_kind(request)) } else { None };
    let urlencoded = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    let form_body = (kind == Some(Some(BodyKind::Form)) && urlencoded).then_some(&body[..]);
    let form_params: Vec<(String, String)> = match form_body {
        Some(form) => url::form_urlencoded::parse(form).into_owned().collect(),
        None => Vec::new(),
    };
    let secrets: &[Secret] = match &tenant {
        Some(tenant) => &tenant.secrets,
        None => &state.secrets,
    };
    let index = verify(name, request, form_body, &form_params, secrets, state).map_err(|e| {
        log::debug!("{name}: checksum refused: {e}");
        BbbError::checksum()
    })?;
    if tenant.as_ref().is_some_and(|t| !t.enabled) {
        return Err(BbbError::new("tenantDisabled", "This tenant is disabled: ask its provider to enable it."));
    }
    if let Some(kind) = kind {
        if !kind.is_some_and(|k| accepts.contains(&k)) {
            return Err(BbbError::unsupported_content_type());
        }
    }
    let mut params: Vec<(String, String)> =
        url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect();
    // `verify` accepted either a checksum in the query, which signs the query alone (a form body's parameters
    // are then unsigned and ignored, as bbb-web ignores them, never added to or put over the signed ones), or a
    // signed body with an empty query: only then do the body's parameters count.
    if request.query_string().is_empty() {
        params.extend(form_params);
    }
    params.retain(|(k, _)| k != "checksum");
    if params.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
        return Err(BbbError::new("paramError", "A parameter holds a NUL character."));
    }
    let xml_body = (kind == Some(Some(BodyKind::Xml))).then(|| body.clone());
    let secret = secrets[index].clone();
    Ok(ApiCall { call, params, xml_body, body, tenant, secret })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_is_sorted_and_encoded_like_java() {
        let params = vec![
            ("name".to_string(), "Test Meeting".to_string()),
            ("checksum".to_string(), "x".to_string()),
            ("meetingID".to_string(), "a~b".to_string()),
        ];
        assert_eq!(canonical_form(&params), "meetingID=a%7Eb&name=Test+Meeting");
    }
}
