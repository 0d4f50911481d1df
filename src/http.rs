//! What handlers read off a request, in one place: the host's first label (where a tenant's name is), the base
//! URL the client used, a bearer token, and the client's address.

use std::net::IpAddr;

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

/// Whether an address is a proxy's, trusted to say whom it forwards (as Rails' `remote_ip` trusts them): loopback
/// and private networks.
fn is_trusted_proxy(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_trusted_proxy(IpAddr::V4(v4)),
            None => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00 || (v6.segments()[0] & 0xffc0) == 0xfe80,
        },
    }
}

/// The client's address: the peer's, or behind trusted proxies, the last address of `X-Forwarded-For` that is not
/// a trusted proxy's (what a client writes there itself comes before what its proxies add, so it is skipped).
pub fn client_address(request: &HttpRequest) -> Option<IpAddr> {
    let peer = request.peer_addr()?.ip();
    if !is_trusted_proxy(peer) {
        return Some(peer);
    }
    let forwarded = request.headers().get_all("X-Forwarded-For").filter_map(|v| v.to_str().ok());
    let chain: Vec<IpAddr> = forwarded.flat_map(|v| v.split(',')).filter_map(|a| a.trim().parse().ok()).collect();
    Some(chain.iter().rev().find(|a| !is_trusted_proxy(**a)).or(chain.first()).copied().unwrap_or(peer))
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

    #[test]
    fn the_client_is_the_first_untrusted_address_from_the_right() {
        let from = |peer: &str, forwarded: Option<&str>| {
            let mut request = TestRequest::default().peer_addr(peer.parse().unwrap());
            if let Some(forwarded) = forwarded {
                request = request.insert_header(("X-Forwarded-For", forwarded));
            }
            client_address(&request.to_http_request()).unwrap().to_string()
        };
        assert_eq!(from("203.0.113.5:1234", Some("198.51.100.1")), "203.0.113.5", "a public peer is the client");
        assert_eq!(from("127.0.0.1:1234", None), "127.0.0.1");
        assert_eq!(from("127.0.0.1:1234", Some("198.51.100.1")), "198.51.100.1", "behind a local proxy");
        assert_eq!(
            from("10.0.0.2:1234", Some("6.6.6.6, 198.51.100.1, 10.0.0.9")),
            "198.51.100.1",
            "spoofed entry skipped"
        );
        assert_eq!(from("[::1]:1234", Some("10.0.0.7")), "10.0.0.7", "only proxies: the first");
        assert_eq!(from("127.0.0.1:1234", Some("garbage")), "127.0.0.1");
    }
}
