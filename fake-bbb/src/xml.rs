//! The little XML the fake writes: escaped elements and BBB's FAILED document.

use std::fmt::Write;

use actix_web::HttpResponse;

/// Text with XML's five special characters escaped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Appends `<name>text</name>`.
pub fn element(out: &mut String, name: &str, text: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", escape(text));
}

/// An XML answer, as bbb-web sends it.
pub fn xml(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/xml;charset=utf-8").insert_header(("Cache-Control", "no-cache")).body(body)
}

/// A FAILED answer with this message key.
pub fn failed(key: &str, message: &str) -> HttpResponse {
    let mut out = String::from("<response><returncode>FAILED</returncode>");
    element(&mut out, "messageKey", key);
    element(&mut out, "message", message);
    out.push_str("</response>");
    xml(out)
}
