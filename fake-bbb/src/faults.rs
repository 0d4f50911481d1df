//! The faults a fake server plays on demand: hang, slow, garbage, HTTP 500, stall, drip, endless, deep.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpResponse};

use crate::xml::xml;
use crate::FakeServer;

/// How a fake server answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// Never answers (until the mode changes).
    Hang,
    /// Answers after this delay.
    Slow(Duration),
    /// Answers with text that is not XML.
    Garbage,
    /// Answers HTTP 500 with an HTML page.
    Http500,
    /// Set while the listener stops: a worker still finishing a connection refuses it.
    Down,
    /// Sends its headers and the start of a document, then nothing more (until the mode changes).
    Stall,
    /// Sends a byte every 100 ms, without end (until the mode changes).
    Drip,
    /// Sends a body without end, 64 KiB at a time, as fast as it is read (until the mode changes).
    Endless,
    /// Answers SUCCESS with 20,000 nested elements.
    Deep,
}

impl Mode {
    /// Parses a mode's control name: `normal`, `hang`, `garbage`, `http500`, `stall`, `drip`, `endless`,
    /// `deep`, or `slow-<ms>`.
    pub fn parse(name: &str) -> Option<Mode> {
        Some(match name {
            "normal" => Mode::Normal,
            "hang" => Mode::Hang,
            "garbage" => Mode::Garbage,
            "http500" => Mode::Http500,
            "stall" => Mode::Stall,
            "drip" => Mode::Drip,
            "endless" => Mode::Endless,
            "deep" => Mode::Deep,
            other => Mode::Slow(Duration::from_millis(other.strip_prefix("slow-")?.parse().ok()?)),
        })
    }
}

/// Plays the server's fault: `Some(answer)` instead of the real one, or `None` to answer normally (after a
/// hang ends or a delay passes).
pub async fn play(server: &Arc<FakeServer>) -> Option<HttpResponse> {
    const START: &str = "<response><returncode>SUCCESS";
    let tick = Duration::from_millis(100);
    match server.mode() {
        Mode::Normal => None,
        Mode::Hang => {
            while server.mode() == Mode::Hang {
                actix_web::rt::time::sleep(tick).await;
            }
            None
        }
        Mode::Slow(delay) => {
            actix_web::rt::time::sleep(delay).await;
            None
        }
        Mode::Garbage => Some(HttpResponse::Ok().content_type("text/html").body("<html><body>Welcome to nginx")),
        Mode::Http500 => Some(HttpResponse::InternalServerError().content_type("text/html").body("<h1>500</h1>")),
        Mode::Down => Some(HttpResponse::ServiceUnavailable().force_close().finish()),
        Mode::Stall => Some(streamed(server.clone(), Mode::Stall, START, web::Bytes::new(), tick)),
        Mode::Drip => Some(streamed(server.clone(), Mode::Drip, START, web::Bytes::from_static(b" "), tick)),
        Mode::Endless => {
            let chunk = web::Bytes::from(vec![b' '; 64 << 10]);
            Some(streamed(server.clone(), Mode::Endless, START, chunk, Duration::ZERO))
        }
        Mode::Deep => {
            let levels = 20_000;
            let mut out = String::from("<response><returncode>SUCCESS</returncode><meetings>");
            out.push_str(&"<meeting>".repeat(levels));
            out.push_str(&"</meeting>".repeat(levels));
            out.push_str("</meetings></response>");
            Some(xml(out))
        }
    }
}

/// A streamed body: `first`, then `chunk` every `pause` while the server stays in `mode` (a stall sends no
/// chunks but keeps the body open).
fn streamed(
    server: Arc<FakeServer>,
    mode: Mode,
    first: &'static str,
    chunk: web::Bytes,
    pause: Duration,
) -> HttpResponse {
    let start =
        futures_util::stream::once(async move { Ok::<_, actix_web::Error>(web::Bytes::from_static(first.as_bytes())) });
    let rest = futures_util::stream::unfold((), move |()| {
        let (server, chunk) = (server.clone(), chunk.clone());
        async move {
            if pause.is_zero() {
                actix_web::rt::task::yield_now().await;
            } else {
                actix_web::rt::time::sleep(pause).await;
            }
            (server.mode() == mode).then_some((Ok(chunk), ()))
        }
    });
    let rest = futures_util::StreamExt::filter(rest, move |_| {
        let stalled = mode == Mode::Stall;
        async move { !stalled }
    });
    HttpResponse::Ok().content_type("text/xml;charset=utf-8").streaming(futures_util::StreamExt::chain(start, rest))
}
