//! One log line per request (`actix_web::middleware::Logger`, info level) with a request id: the client's
//! `X-Request-Id` if it is short and plain, else a new one, echoed in the response. The line shows the path
//! without its query string, so checksums and the parameters of joins never reach the log.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::{Logger, Next};
use actix_web::Error;

/// The header that carries the request id.
pub const REQUEST_ID: &str = "x-request-id";

/// The access log: id, client address, method and path (no query), status, bytes, milliseconds.
pub fn logger() -> Logger {
    Logger::new(r#"request %{x-request-id}o %a "%{method}xi %U" %s %b %Dms"#)
        .custom_request_replace("method", |request| request.method().to_string())
}

/// Whether a client's request id may be reused: 1–64 characters of `[A-Za-z0-9._-]`.
fn acceptable(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
}

/// Gives each request an id and echoes it in the response.
pub async fn request_id(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let given = request.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).filter(|id| acceptable(id));
    let id = given.map(String::from).unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let mut response = next.call(request).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HeaderName::from_static(REQUEST_ID), value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reuses_only_plain_short_ids() {
        assert!(acceptable("abc-123_x.y"));
        assert!(!acceptable(""));
        assert!(!acceptable(&"a".repeat(65)));
        assert!(!acceptable("a b"));
        assert!(!acceptable("a\"b"));
    }
}
