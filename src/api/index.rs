//! `GET|POST /bigbluebutton/api`: the version document; no checksum.

use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::bbb::xml;

/// The API index document.
pub async fn index(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(xml::CONTENT_TYPE)
        .insert_header(("Cache-Control", "no-cache"))
        .body(xml::index_document(state.config.build_number.as_deref()))
}
