//! The route table of Scalelite, used by `serve` and by the tests alike: the BBB API, the admin API, dial-in
//! (`/fsapi`), the operator's dashboard, playback, and BBB's `unsupportedRequest` for anything else.

use actix_web::web;

use crate::app::AppState;
use crate::{admin, api, dashboard, fsapi, ops, playback};

/// Every route of Scalelite.
pub fn configure_app(cfg: &mut web::ServiceConfig, state: web::Data<AppState>) {
    cfg.app_data(state)
        .app_data(web::PayloadConfig::new(admin::api::MAX_BODY))
        .configure(ops::configure)
        .configure(api::configure)
        .configure(admin::api::configure)
        .configure(fsapi::configure)
        .configure(dashboard::configure)
        .configure(playback::configure)
        .default_service(web::to(api::unsupported_request));
}
