//! Signed calls from Scalelite to BBB servers, over HTTP or HTTPS, with the configured timeouts.
//!
//! A server's answer is untrusted: `RESPONSE_TIMEOUT` bounds the whole call, body included (a server that
//! sends its headers and then stalls or drips fails like one that never answers), at most [`MAX_ANSWER_BYTES`]
//! of one answer are read, and all answers being read hold [`ANSWER_BUDGET_KIB`] beyond their first
//! [`FREE_ANSWER_KIB`] each, so endless bodies cannot grow memory without bound.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::bbb::checksum::{self, Algorithm};
use crate::bbb::params::encode_query;
use crate::secret::Secret;

/// The most bytes of one answer that are read: the XML parser's own bound.
pub const MAX_ANSWER_BYTES: usize = crate::bbb::bounded::MAX_BYTES;

/// What every call may read without asking the budget: BBB's answers are mostly far smaller.
pub const FREE_ANSWER_KIB: usize = 64;

/// The most bytes, in KiB, that the calls reading answers hold beyond their first [`FREE_ANSWER_KIB`], in this
/// process. A call takes its share chunk by chunk as the bytes arrive; when the budget is spent, the call that
/// needs more fails at once (waiting could only wait for other calls that wait too), so endless answers hold
/// this much at most and fail fast, while small answers never touch the budget.
pub const ANSWER_BUDGET_KIB: usize = 24 << 10;

static BUDGET: Semaphore = Semaphore::const_new(ANSWER_BUDGET_KIB);

/// Reads a response's body within [`MAX_ANSWER_BYTES`] and the memory [`BUDGET`].
async fn read_body<S>(response: &mut awc::ClientResponse<S>) -> Result<Vec<u8>, CallError>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, awc::error::PayloadError>> + Unpin,
{
    use futures_util::StreamExt;
    let mut body = Vec::new();
    let mut held: Option<tokio::sync::SemaphorePermit<'static>> = None;
    while let Some(chunk) = response.next().await {
        let chunk = chunk.map_err(|e| CallError::Transport(e.to_string()))?;
        let len = body.len() + chunk.len();
        if len > MAX_ANSWER_BYTES {
            return Err(CallError::BadResponse(format!("the answer is larger than {MAX_ANSWER_BYTES} bytes")));
        }
        if len > body.capacity() {
            // The budget counts what is allocated: the buffer doubles, as a Vec would, but never past the cap.
            let capacity = (body.capacity() * 2).max(len).min(MAX_ANSWER_BYTES);
            let held_kib = held.as_ref().map_or(0, |p| p.num_permits());
            let needed = capacity.div_ceil(1024).saturating_sub(FREE_ANSWER_KIB + held_kib);
            if needed > 0 {
                let more = u32::try_from(needed).unwrap_or(u32::MAX);
                let permit = BUDGET.try_acquire_many(more).map_err(|_| {
                    CallError::BadResponse(format!("answers being read hold more than {ANSWER_BUDGET_KIB} KiB"))
                })?;
                match &mut held {
                    Some(all) => all.merge(permit),
                    None => held = Some(permit),
                }
            }
            body.reserve_exact(capacity - body.len());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

thread_local! {
    static THREAD_CLIENT: std::cell::RefCell<Option<BbbClient>> = const { std::cell::RefCell::new(None) };
}

/// Where to send a call and how to sign it.
pub struct Target<'a> {
    /// The server's API URL, e.g. `https://bbb1.example.com/bigbluebutton/api`.
    pub url: &'a str,
    pub secret: &'a Secret,
    pub algorithm: Algorithm,
}

/// The URL of a signed call: `<url>/<call>?<query>&checksum=<H(call + query + secret)>`.
pub fn signed_url(target: &Target<'_>, call: &str, params: &[(&str, &str)]) -> String {
    let query = encode_query(params.iter().copied());
    let sum = checksum::sign(target.algorithm, call, &query, b"", target.secret);
    let slash = if target.url.ends_with('/') { "" } else { "/" };
    let join = if query.is_empty() { "" } else { "&" };
    format!("{}{slash}{call}?{query}{join}checksum={sum}", target.url)
}

/// Why a call to a BBB server failed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("could not reach the server: {0}")]
    Transport(String),
    #[error("the server's answer is not BBB XML: {0}")]
    BadResponse(String),
    #[error("the server answered FAILED: {key}: {message}")]
    Failed { key: String, message: String },
}

/// An HTTP client for BBB servers. It is `!Send` (awc): build one per actor or per worker.
#[derive(Clone)]
pub struct BbbClient {
    http: awc::Client,
    response_timeout: Duration,
}

fn tls_config() -> Option<Arc<rustls::ClientConfig>> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Some(Arc::new(config))
}

impl BbbClient {
    /// A client with these connect and response timeouts; it follows no redirects.
    pub fn new(connect_timeout: Duration, response_timeout: Duration) -> BbbClient {
        let mut connector = awc::Connector::new().timeout(connect_timeout);
        if let Some(tls) = tls_config() {
            connector = connector.rustls_0_23(tls);
        }
        let http = awc::Client::builder().connector(connector).timeout(response_timeout).disable_redirects().finish();
        BbbClient { http, response_timeout }
    }

    /// The client of this thread, made with these timeouts at its first use (awc clients are not `Send`: one
    /// per thread, shared by its actors and handlers).
    pub fn of_this_thread(connect_timeout: Duration, response_timeout: Duration) -> BbbClient {
        THREAD_CLIENT.with(|cell| {
            cell.borrow_mut().get_or_insert_with(|| BbbClient::new(connect_timeout, response_timeout)).clone()
        })
    }

    /// Sends a request and reads its whole answer within `deadline` and [`MAX_ANSWER_BYTES`].
    async fn whole_answer(
        &self,
        request: awc::ClientRequest,
        body: Option<bytes::Bytes>,
        deadline: Duration,
    ) -> Result<String, CallError> {
        let call = async {
            let sent = match body {
                Some(body) => request.timeout(deadline).send_body(body).await,
                None => request.timeout(deadline).send().await,
            };
            let mut response = sent.map_err(|e| CallError::Transport(e.to_string()))?;
            let body = read_body(&mut response).await?;
            String::from_utf8(body).map_err(|_| CallError::BadResponse("not UTF-8".into()))
        };
        match actix_web::rt::time::timeout(deadline, call).await {
            Ok(answer) => answer,
            Err(_) => Err(CallError::Transport(format!("no whole answer within {} ms", deadline.as_millis()))),
        }
    }

    /// Sends a signed call and returns the body as it came, unchecked: for callers that parse it anyway
    /// (`parse_get_meetings` checks the returncode itself). A body, if given, is POSTed as XML; `timeout`
    /// replaces the client's response timeout.
    pub async fn fetch(
        &self,
        target: &Target<'_>,
        call: &str,
        params: &[(&str, &str)],
        xml_body: Option<bytes::Bytes>,
        timeout: Option<Duration>,
    ) -> Result<String, CallError> {
        let url = signed_url(target, call, params);
        let request = match xml_body {
            Some(_) => self.http.post(url).insert_header(("Content-Type", "application/xml")),
            None => self.http.get(url),
        };
        self.whole_answer(request, xml_body, timeout.unwrap_or(self.response_timeout)).await
    }

    /// Sends a signed call and returns the body of any BBB answer, `SUCCESS` or `FAILED` (to be relayed).
    pub async fn call(
        &self,
        target: &Target<'_>,
        call: &str,
        params: &[(&str, &str)],
        xml_body: Option<bytes::Bytes>,
        timeout: Option<Duration>,
    ) -> Result<String, CallError> {
        let text = self.fetch(target, call, params, xml_body, timeout).await?;
        match check_returncode(&text) {
            Ok(()) | Err(CallError::Failed { .. }) => Ok(text),
            Err(e) => Err(e),
        }
    }

    /// GETs a signed call and returns the body of a `SUCCESS` answer.
    pub async fn get(&self, target: &Target<'_>, call: &str, params: &[(&str, &str)]) -> Result<String, CallError> {
        let text = self.fetch(target, call, params, None, None).await?;
        check_returncode(&text)?;
        Ok(text)
    }

    /// Sends `end` for each meeting, given as its BBB meeting ID (the one the server knows: tenant-scoped) and
    /// moderator password; best effort: failures are logged and counted, never fatal.
    pub async fn end_meetings(&self, target: &Target<'_>, meetings: &[(&str, Option<&str>)]) -> usize {
        let mut failed = 0;
        for (bbb_meeting_id, password) in meetings {
            let mut params = vec![("meetingID", *bbb_meeting_id)];
            if let Some(password) = password {
                params.push(("password", *password));
            }
            if let Err(e) = self.get(target, "end", &params).await {
                failed += 1;
                log::warn!("end of meeting {bbb_meeting_id} on {} failed: {e}", target.url);
            }
        }
        failed
    }

    /// POSTs JSON to a front-end's callback URL with a bearer token; returns the HTTP status.
    pub async fn post_json(&self, url: &str, bearer: &str, user_agent: &str, body: String) -> Result<u16, CallError> {
        let response = self
            .http
            .post(url)
            .insert_header(("Content-Type", "application/json"))
            .insert_header(("User-Agent", user_agent))
            .insert_header(("Authorization", format!("Bearer {bearer}")))
            .send_body(body)
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        Ok(response.status().as_u16())
    }

    /// GETs a front-end's callback URL; returns the HTTP status.
    pub async fn get_status(&self, url: &str) -> Result<u16, CallError> {
        let response = self.http.get(url).send().await.map_err(|e| CallError::Transport(e.to_string()))?;
        Ok(response.status().as_u16())
    }

    /// POSTs a form to a front-end's callback URL; returns the HTTP status.
    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<u16, CallError> {
        self.post_form_body(url, encode_query(form.iter().copied())).await
    }

    /// POSTs an encoded form to a front-end's callback URL; returns the HTTP status.
    pub async fn post_form_body(&self, url: &str, body: String) -> Result<u16, CallError> {
        let response = self
            .http
            .post(url)
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .send_body(body)
            .await
            .map_err(|e| CallError::Transport(e.to_string()))?;
        Ok(response.status().as_u16())
    }

    /// POSTs a form and reads the status and the whole answer (within the response timeout and
    /// [`MAX_ANSWER_BYTES`]): for a token endpoint, whose answer is needed.
    pub async fn post_form_answer(&self, url: &str, form: &[(&str, &str)]) -> Result<(u16, String), CallError> {
        let call = async {
            let request = self.http.post(url).insert_header(("Content-Type", "application/x-www-form-urlencoded"));
            let mut response = request
                .timeout(self.response_timeout)
                .send_body(encode_query(form.iter().copied()))
                .await
                .map_err(|e| CallError::Transport(e.to_string()))?;
            let body = read_body(&mut response).await?;
            let text = String::from_utf8(body).map_err(|_| CallError::BadResponse("not UTF-8".into()))?;
            Ok((response.status().as_u16(), text))
        };
        match actix_web::rt::time::timeout(self.response_timeout, call).await {
            Ok(answer) => answer,
            Err(_) => {
                Err(CallError::Transport(format!("no whole answer within {} ms", self.response_timeout.as_millis())))
            }
        }
    }

    /// GETs the API index (`<url>/?checksum=…`), which carries `bbbVersion`.
    pub async fn index(&self, target: &Target<'_>) -> Result<String, CallError> {
        let sum = checksum::sign(target.algorithm, "", "", b"", target.secret);
        let slash = if target.url.ends_with('/') { "" } else { "/" };
        let url = format!("{}{slash}?checksum={sum}", target.url);
        self.whole_answer(self.http.get(url), None, self.response_timeout).await
    }
}

/// Checks that a BBB document says `SUCCESS`, or returns its messageKey and message.
pub fn check_returncode(xml: &str) -> Result<(), CallError> {
    let doc = crate::bbb::bounded::parse(xml).map_err(|e| CallError::BadResponse(e.to_string()))?;
    check_returncode_doc(&doc)
}

/// [`check_returncode`] on a parsed document.
pub fn check_returncode_doc(doc: &roxmltree::Document<'_>) -> Result<(), CallError> {
    let root = doc.root_element();
    let child =
        |name: &str| root.children().find(|n| n.has_tag_name(name)).map(|n| n.text().unwrap_or("").trim().to_string());
    match child("returncode").as_deref() {
        Some("SUCCESS") => Ok(()),
        Some(_) => Err(CallError::Failed {
            key: child("messageKey").unwrap_or_default(),
            message: child("message").unwrap_or_default(),
        }),
        None => Err(CallError::BadResponse("Response did not include returncode".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_calls_as_scalelite_does() {
        let secret = Secret::new("test-1");
        let target = Target {
            url: "https://test-1.example.com/bigbluebutton/api",
            secret: &secret,
            algorithm: Algorithm::Sha256,
        };
        assert_eq!(
            signed_url(&target, "getMeetingInfo", &[("meetingID", "test-meeting-1")]),
            "https://test-1.example.com/bigbluebutton/api/getMeetingInfo?meetingID=test-meeting-1&checksum=7901d9cf0f7e63a7e5eacabfd75fabfb223259d6c045ac5b4d86fb774c371945"
        );
        let slash = Target { url: "http://h/bigbluebutton/api/", ..target };
        assert!(signed_url(&slash, "getMeetings", &[]).starts_with("http://h/bigbluebutton/api/getMeetings?checksum="));
    }

    #[test]
    fn reads_the_returncode() {
        assert!(check_returncode("<response><returncode>SUCCESS</returncode></response>").is_ok());
        let failed = check_returncode(
            "<response><returncode>FAILED</returncode><messageKey>notFound</messageKey><message>gone</message></response>",
        );
        assert!(matches!(failed, Err(CallError::Failed { key, .. }) if key == "notFound"));
        assert!(matches!(check_returncode("<response/>"), Err(CallError::BadResponse(_))));
        assert!(matches!(check_returncode("<html>oops"), Err(CallError::BadResponse(_))));
    }
}
