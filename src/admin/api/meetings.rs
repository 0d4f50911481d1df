//! The meeting actions of the admin API (Scalelite #725): which server each meeting runs on with its forecast,
//! one meeting with what its server says, and ending one.

use actix_web::HttpResponse;
use serde_json::{json, Value};

use super::actions::MeetingAction;
use super::input::{text, Input};
use super::on_db;
use crate::admin::meetings;
use crate::app::AppState;
use crate::bbb::client::BbbClient;
use crate::error::AdminError;

pub(super) async fn run(action: MeetingAction, input: Input, state: &AppState) -> Result<HttpResponse, AdminError> {
    let client = || BbbClient::of_this_thread(state.config.connect_timeout, state.config.response_timeout);
    match action {
        MeetingAction::List => {
            let server = input.param("server_id");
            let views = on_db(state, move |c| meetings::list(c, server.as_deref())).await?;
            Ok(HttpResponse::Ok().json(Value::Array(views.iter().map(meetings::to_json).collect())))
        }
        MeetingAction::Info => {
            let id = input.id()?;
            let tenant = input.param("tenant");
            let (view, history) = on_db(state, move |c| {
                let view = meetings::find(c, tenant.as_deref(), &id)?;
                let history = meetings::history(c, &view)?;
                Ok((view, history))
            })
            .await?;
            let mut answer = meetings::to_json(&view);
            answer["earlier_sessions_mean_peak"] = json!(history);
            answer["server_says"] = match meetings::ask_server(&client(), &view).await {
                Ok(says) => {
                    let object = |pairs: Vec<(String, String)>| {
                        Value::Object(pairs.into_iter().map(|(k, v)| (k, Value::from(v))).collect())
                    };
                    json!({ "fields": object(says.fields), "metadata": object(says.metadata) })
                }
                Err(e) => json!({ "error": e.to_string() }),
            };
            Ok(HttpResponse::Ok().json(answer))
        }
        MeetingAction::End => {
            let id = input.id()?;
            let tenant = text(&input.body, "tenant")?;
            let done = super::urgent::end_meeting(state, tenant, id).await?;
            Ok(HttpResponse::Ok().json(json!({ "success": done })))
        }
    }
}
