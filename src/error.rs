//! The two errors a client can see: BBB XML errors on the BBB API, JSON errors with real status codes on
//! the admin API. Internal errors map into one of them; none becomes a panic.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};

use crate::bbb::xml;
use crate::db::DbError;

/// A BBB API error: HTTP 200, `returncode FAILED`, a `messageKey` and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key}: {message}")]
pub struct BbbError {
    pub key: &'static str,
    pub message: String,
}

impl BbbError {
    pub fn new(key: &'static str, message: impl Into<String>) -> Self {
        BbbError { key, message: message.into() }
    }

    pub fn checksum() -> Self {
        BbbError::new("checksumError", "You did not pass the checksum security check")
    }

    pub fn unsupported_request() -> Self {
        BbbError::new("unsupportedRequest", "This request is not supported.")
    }

    pub fn unsupported_content_type() -> Self {
        BbbError::new("unsupportedContentType", "POST request Content-Type is missing or unsupported")
    }

    pub fn internal(message: impl Into<String>) -> Self {
        BbbError::new("internalError", message)
    }
}

/// The mark of an answer that is a BBB error Scalelite gave itself (the API metrics count it as `FAILED`).
#[derive(Clone, Copy, Debug)]
pub struct Failed;

impl ResponseError for BbbError {
    fn status_code(&self) -> StatusCode {
        StatusCode::OK
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::Ok()
            .content_type(xml::CONTENT_TYPE)
            .insert_header(("Cache-Control", "no-cache"))
            .body(xml::error_document(self.key, &self.message));
        response.extensions_mut().insert(Failed);
        response
    }
}

impl From<DbError> for BbbError {
    fn from(error: DbError) -> Self {
        log::error!("{error}");
        BbbError::internal("The database is unavailable.")
    }
}

/// An admin API error: a JSON object `{"<field>": message}` with a real HTTP status.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct AdminError {
    pub status: StatusCode,
    /// `error` for most errors; `message` where Ruby Scalelite answers with that key.
    pub field: &'static str,
    pub message: String,
}

impl AdminError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        AdminError { status, field: "error", message: message.into() }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        AdminError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        AdminError::new(StatusCode::NOT_FOUND, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        AdminError::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// The same error under the key `message`.
    pub fn as_message(mut self) -> Self {
        self.field = "message";
        self
    }
}

impl ResponseError for AdminError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        HttpResponse::build(self.status).json(serde_json::json!({ self.field: self.message }))
    }
}

impl From<DbError> for AdminError {
    fn from(error: DbError) -> Self {
        log::error!("{error}");
        let status = match error {
            DbError::Pool(_) | DbError::Connection(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        AdminError::new(status, error.to_string())
    }
}
