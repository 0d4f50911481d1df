//! What handlers read off a request, in one place: the host's first label (where a tenant's name is), the base
//! URL the client used, and a bearer token.

use actix_web::http::header;
use actix_web::HttpRequest;

/// The first label of the Host header (as X-Forwarded-Host gives it, when set): where a tenant's name is.
pub fn host_label(request: &HttpRequest) -> String {
    let host = request.connection_info().host().to_string();
    host.split(['.', ':']).next().unwrap_or_default().to_string()
}

/// `scheme://host` as the client used it (X-Forwarded-Proto and X-Forwarded-Host honoured), for the URLs
/// Scalelite writes into its answers.
pub fn base_url(request: &HttpRequest) -> String {
    let info = request.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// The token of an `Authorization: Bearer …` header.
pub fn bearer(request: &HttpRequest) -> Option<&str> {
    request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn reads_the_host_label_base_url_and_bearer() {
        let request = TestRequest::default()
            .insert_header(("Host", "t1.sl.example.com:8443"))
            .insert_header(("Authorization", "Bearer abc"))
            .to_http_request();
        assert_eq!(host_label(&request), "t1");
        assert_eq!(base_url(&request), "http://t1.sl.example.com:8443");
        assert_eq!(bearer(&request), Some("abc"));
        assert_eq!(bearer(&TestRequest::default().to_http_request()), None);
    }
}
