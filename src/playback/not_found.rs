//! The page shown for any playback URL that cannot be served (missing, unpublished, another tenant's,
//! protected without a valid token or cookie), as Ruby Scalelite shows it.

use actix_web::http::header::ContentType;
use actix_web::HttpResponse;

/// The 404 page, in English (the only locale so far).
pub fn page() -> HttpResponse {
    HttpResponse::NotFound().content_type(ContentType::html()).body(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Recording Not Found</title></head>\n\
         <body><h1>Recording Not Found</h1>\n\
         <p>The recording URL is invalid. This recording may have been either protected or deleted.</p>\n\
         </body></html>\n",
    )
}
