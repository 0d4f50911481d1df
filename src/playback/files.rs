//! Delivery of playback files: served by Scalelite itself (ranges, content types and caching headers from
//! `actix-files`), or handed to nginx with `X-Accel-Redirect` as Ruby Scalelite does.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse};

use crate::playback::not_found;

/// The formats a browser shows inline; files of the others are downloads.
const INLINE_FORMATS: &[&str] = &["presentation", "video", "screenshare"];

/// A request path's tail as a relative path, if every segment is a plain name (no `..`, no backslash, no NUL).
pub fn safe_relative(tail: &str) -> Option<PathBuf> {
    let mut path = PathBuf::new();
    for segment in tail.split('/').filter(|s| !s.is_empty() && *s != ".") {
        if segment == ".." || segment.contains(['\\', '\0']) {
            return None;
        }
        path.push(segment);
    }
    Some(path)
}

/// Serves `<root>/<relative>` (its `index.html` for a folder), or the 404 page.
pub async fn serve(request: &HttpRequest, root: &Path, relative: &Path, format: Option<&str>) -> HttpResponse {
    let mut file = root.join(relative);
    if tokio::fs::metadata(&file).await.is_ok_and(|m| m.is_dir()) {
        file.push("index.html");
    }
    let Ok(named) = NamedFile::open_async(&file).await else {
        return not_found::page();
    };
    let named = match format {
        Some(format) if !INLINE_FORMATS.contains(&format) => {
            let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            named.set_content_disposition(ContentDisposition {
                disposition: DispositionType::Attachment,
                parameters: vec![DispositionParam::Filename(name)],
            })
        }
        _ => named.disable_content_disposition(),
    };
    named.into_response(request)
}

/// The answer for nginx: an empty 200 with `X-Accel-Redirect: /static-resource<path and query>`.
pub fn accel_redirect(request: &HttpRequest, format: &str) -> HttpResponse {
    let mut target = format!("/static-resource{}", request.uri().path());
    if let Some(query) = request.uri().query() {
        target.push('?');
        target.push_str(query);
    }
    let mut response = HttpResponse::Ok();
    response.insert_header(("X-Accel-Redirect", target));
    if !INLINE_FORMATS.contains(&format) {
        response.insert_header(("Content-Disposition", "attachment"));
    }
    response.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_pass() {
        assert_eq!(safe_relative("a/b.svg"), Some(PathBuf::from("a/b.svg")));
        assert_eq!(safe_relative("/a//./b"), Some(PathBuf::from("a/b")));
        assert_eq!(safe_relative(""), Some(PathBuf::new()));
        assert_eq!(safe_relative("a/../../etc/passwd"), None);
        assert_eq!(safe_relative(".."), None);
        assert_eq!(safe_relative("a\\..\\b"), None);
    }
}
