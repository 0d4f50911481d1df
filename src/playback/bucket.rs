//! Playback of a recording kept in the bucket, once the handler has checked that it may be played (published,
//! the host's tenant's, its cookie if protected): a redirect to a short-lived pre-signed URL, or (`S3_PLAYBACK=
//! proxy`) the object passed through, single byte ranges included so that players can seek.

use std::path::Path as FsPath;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use bytes::Bytes;
use futures_util::StreamExt;
use object_store::{Attribute, GetOptions, GetRange, ObjectStore, ObjectStoreExt};

use crate::config::s3::S3Playback;
use crate::playback::not_found;
use crate::recordings::bucket::{self, Bucket};

/// The formats a browser shows inline; files of the others are downloads (as [`super::files`] serves them).
const INLINE_FORMATS: &[&str] = &["presentation", "video", "screenshare"];

/// Chunks of a proxied body in flight between the bucket's runtime and the response.
const CHANNEL_CHUNKS: usize = 4;

fn unavailable(e: String) -> HttpResponse {
    log::warn!("playback from the bucket: {e}");
    HttpResponse::BadGateway().body("The recordings storage is unavailable; try again shortly.\n")
}

/// The key of a requested file: the file itself, or its folder's `index.html`.
fn keys(format: &str, id: &str, relative: &FsPath) -> [object_store::path::Path; 2] {
    let relative = relative.to_string_lossy().replace('\\', "/");
    [bucket::key(true, format, id, &relative), bucket::key(true, format, id, &format!("{relative}/index.html"))]
}

/// Serves a published recording's file from the bucket.
pub async fn serve(request: &HttpRequest, bucket: &Bucket, format: &str, id: &str, relative: &FsPath) -> HttpResponse {
    let [file, index] = keys(format, id, relative);
    match bucket.settings.playback {
        S3Playback::Redirect => {
            let mut found = bucket.signed_url(file).await;
            if matches!(found, Ok(None)) {
                found = bucket.signed_url(index).await;
            }
            match found {
                Ok(Some(url)) => HttpResponse::Found()
                    .insert_header((header::LOCATION, url.to_string()))
                    .insert_header((header::CACHE_CONTROL, "no-store"))
                    .finish(),
                Ok(None) => not_found::page(),
                Err(e) => unavailable(e),
            }
        }
        S3Playback::Proxy => {
            let range = request.headers().get(header::RANGE).and_then(|v| v.to_str().ok()).and_then(parse_range);
            let mut got = proxy(bucket, file, range.clone(), format).await;
            if matches!(got, Ok(None)) {
                got = proxy(bucket, index, range, format).await;
            }
            match got {
                Ok(Some(response)) => response,
                Ok(None) => not_found::page(),
                Err(e) => unavailable(e),
            }
        }
    }
}

/// A single `bytes=` range (`a-b`, `a-`, `-n`); anything else is ignored (the whole file is sent).
pub fn parse_range(value: &str) -> Option<GetRange> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (start, end) = spec.split_once('-')?;
    let (start, end) = (start.trim(), end.trim());
    match (start.is_empty(), end.is_empty()) {
        (true, false) => Some(GetRange::Suffix(end.parse().ok().filter(|n| *n > 0)?)),
        (false, true) => Some(GetRange::Offset(start.parse().ok()?)),
        (false, false) => {
            let (a, b): (u64, u64) = (start.parse().ok()?, end.parse().ok()?);
            (a <= b).then(|| GetRange::Bounded(a..b.saturating_add(1)))
        }
        (true, true) => None,
    }
}

/// The object as a response (206 for a range), streamed from the bucket's runtime; `None` if it is not there.
async fn proxy(
    bucket: &Bucket,
    key: object_store::path::Path,
    range: Option<GetRange>,
    format: &str,
) -> Result<Option<HttpResponse>, String> {
    let (s3, ranged) = (bucket.store(), range.is_some());
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL_CHUNKS);
    let name: String = key.filename().unwrap_or_default().chars().filter(|c| !c.is_control() && *c != '"').collect();
    let head = bucket
        .run(async move {
            let options = GetOptions { range: range.clone(), ..Default::default() };
            let got = match s3.get_opts(&key, options).await {
                Ok(got) => got,
                Err(object_store::Error::NotFound { .. }) => return Ok(None),
                Err(e) => {
                    // A range past the object's end, or a failing bucket: the object's size tells which.
                    let size = match (&range, s3.head(&key).await) {
                        (Some(range), Ok(meta)) if beyond(range, meta.size) => meta.size,
                        _ => return Err(format!("{key}: {e}")),
                    };
                    return Ok(Some(Err(size)));
                }
            };
            let (size, served, content_type) =
                (got.meta.size, got.range.clone(), got.attributes.get(&Attribute::ContentType).map(|v| v.to_string()));
            let mut body = got.into_stream();
            tokio::spawn(async move {
                while let Some(chunk) = body.next().await {
                    if sender.send(chunk.map_err(std::io::Error::other)).await.is_err() {
                        break;
                    }
                }
            });
            Ok(Some(Ok((size, served, content_type))))
        })
        .await?;
    let (size, served, content_type) = match head {
        None => return Ok(None),
        Some(Err(size)) => {
            let unsatisfiable = HttpResponse::RangeNotSatisfiable()
                .insert_header((header::CONTENT_RANGE, format!("bytes */{size}")))
                .finish();
            return Ok(Some(unsatisfiable));
        }
        Some(Ok(head)) => head,
    };
    let content_type =
        content_type.unwrap_or_else(|| mime_guess::from_path(&name).first_or_octet_stream().essence_str().to_string());
    let mut response = if ranged { HttpResponse::PartialContent() } else { HttpResponse::Ok() };
    response
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .no_chunking(served.end - served.start);
    if ranged {
        let last = served.end.saturating_sub(1);
        response.insert_header((header::CONTENT_RANGE, format!("bytes {}-{last}/{size}", served.start)));
    }
    if !INLINE_FORMATS.contains(&format) {
        response.insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")));
    }
    let body = futures_util::stream::poll_fn(move |cx| receiver.poll_recv(cx));
    Ok(Some(response.streaming(body)))
}

/// Whether a range asks for nothing of an object of `size` bytes: it starts at or past the end (a suffix asks
/// for nothing only of an empty object).
fn beyond(range: &GetRange, size: u64) -> bool {
    match range {
        GetRange::Bounded(bytes) => bytes.start >= size,
        GetRange::Offset(start) => *start >= size,
        GetRange::Suffix(_) => size == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_single_byte_ranges_only() {
        assert_eq!(parse_range("bytes=0-99"), Some(GetRange::Bounded(0..100)));
        assert_eq!(parse_range("bytes=100-"), Some(GetRange::Offset(100)));
        assert_eq!(parse_range("bytes=-500"), Some(GetRange::Suffix(500)));
        for ignored in ["bytes=5-1", "bytes=0-1,4-5", "items=0-1", "bytes=-", "bytes=a-b", "bytes=-0"] {
            assert_eq!(parse_range(ignored), None, "{ignored}");
        }
    }

    #[test]
    fn a_range_is_beyond_an_object_only_from_its_end() {
        assert!(!beyond(&GetRange::Bounded(19..30), 20));
        assert!(beyond(&GetRange::Bounded(20..30), 20));
        assert!(!beyond(&GetRange::Offset(0), 1));
        assert!(beyond(&GetRange::Offset(500), 20));
        assert!(!beyond(&GetRange::Suffix(500), 20), "the whole object");
        assert!(beyond(&GetRange::Suffix(1), 0));
    }
}
