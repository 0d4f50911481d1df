//! The OpenAPI 3 document of the admin API, made from the table of actions (so it lists exactly the routes),
//! served at `/scalelite/api/openapi.json`.

use actix_web::HttpResponse;
use serde_json::{json, Map, Value};

use super::actions::{ActionDef, ACTIONS};

const DESCRIPTION: &str = "The admin API of Scalelite (Ruby Scalelite's, and more). Every call carries \
`checksum` = hex(SHA-1/256/384/512 of action name + query string without the checksum + request body + a \
load-balancer secret), like a BBB API call; a POST's body is JSON. Checksum and content-type errors answer with \
BBB's XML error (returncode FAILED, messageKey checksumError or unsupportedContentType); other errors are JSON \
objects with an `error` or `message` field. The tenant actions need MULTITENANCY_ENABLED (else 412).";

fn checksum_parameter() -> Value {
    json!({
        "name": "checksum",
        "in": "query",
        "required": true,
        "description": "hex(H(action + query without checksum + body + secret)); H by length: SHA-1, -256, -384 or -512",
        "schema": { "type": "string", "pattern": "^[0-9a-fA-F]{40,128}$" },
    })
}

fn operation(def: &ActionDef) -> Value {
    let mut parameters = vec![checksum_parameter()];
    let mut op = Map::new();
    op.insert("operationId".into(), json!(def.name));
    op.insert("summary".into(), json!(def.summary));
    let tag = match def.action {
        super::actions::Action::Servers(_) => "servers",
        super::actions::Action::Tenants(_) => "tenants",
        super::actions::Action::Meetings(_) => "meetings",
        super::actions::Action::State(_) => "state",
    };
    op.insert("tags".into(), json!([tag]));
    if def.post {
        let example: Value = serde_json::from_str(def.input).unwrap_or(Value::Null);
        op.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "content": { "application/json": { "schema": { "type": "object" }, "example": example } },
            }),
        );
    } else {
        for name in def.input.split(',').filter(|n| !n.is_empty()) {
            parameters.push(json!({
                "name": name,
                "in": "query",
                "required": name == "id",
                "schema": { "type": "string" },
            }));
        }
    }
    op.insert("parameters".into(), Value::Array(parameters));
    let json_body =
        |description: &str| json!({ "description": description, "content": { "application/json": { "schema": {} } } });
    let mut responses = Map::new();
    responses.insert("200".into(), json_body("Done: the JSON answer."));
    if def.post {
        responses.insert("201".into(), json_body("Created (addServer, addTenant, addTenantSetting)."));
    }
    responses.insert("400".into(), json_body("Invalid input."));
    responses.insert("404".into(), json_body("No such server, tenant, setting or meeting."));
    if def.tenants_only {
        responses.insert("412".into(), json_body("Multitenancy is disabled."));
    }
    op.insert("responses".into(), Value::Object(responses));
    Value::Object(op)
}

/// The document.
pub fn document() -> Value {
    let mut paths = Map::new();
    for def in ACTIONS {
        let method = if def.post { "post" } else { "get" };
        paths.insert(format!("/scalelite/api/{}", def.name), json!({ method: operation(def) }));
    }
    json!({
        "openapi": "3.0.3",
        "info": { "title": "Scalelite admin API", "version": env!("CARGO_PKG_VERSION"), "description": DESCRIPTION },
        "paths": paths,
    })
}

/// `GET /scalelite/api/openapi.json` (no checksum: it holds nothing of the pool).
pub async fn serve() -> HttpResponse {
    HttpResponse::Ok().json(document())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_every_action_once_with_its_method_and_a_parsable_example() {
        let doc = document();
        let paths = doc["paths"].as_object().unwrap();
        assert_eq!(paths.len(), ACTIONS.len());
        for def in ACTIONS {
            let path = &paths[&format!("/scalelite/api/{}", def.name)];
            let op = if def.post { &path["post"] } else { &path["get"] };
            assert_eq!(op["operationId"], def.name);
            if def.post {
                assert!(op["requestBody"]["content"]["application/json"]["example"].is_object(), "{}", def.name);
            }
        }
    }
}
