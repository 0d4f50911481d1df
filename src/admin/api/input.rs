//! The input of an admin call: its JSON body (an object) and its query, with the typed readers of their fields.

use actix_web::HttpRequest;
use serde_json::{json, Value};

use crate::error::AdminError;

/// Whether a JSON value holds a NUL character in any string or key.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(key, v)| key.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

/// The JSON body (an empty object when there is none) and the query parameters.
pub struct Input {
    pub body: Value,
    pub query: Vec<(String, String)>,
}

impl Input {
    pub fn parse(request: &HttpRequest, body: &[u8]) -> Result<Input, AdminError> {
        let body = if body.is_empty() {
            json!({})
        } else {
            serde_json::from_slice(body).map_err(|e| AdminError::bad_request(format!("Invalid JSON: {e}")))?
        };
        if !body.is_object() {
            return Err(AdminError::bad_request("The request body must be a JSON object"));
        }
        let query: Vec<(String, String)> =
            url::form_urlencoded::parse(request.query_string().as_bytes()).into_owned().collect();
        // No database stores a NUL in text (PostgreSQL refuses it), and no name, URL or secret holds one.
        if holds_nul(&body) || query.iter().any(|(k, v)| k.contains('\0') || v.contains('\0')) {
            return Err(AdminError::bad_request("The request holds a NUL character"));
        }
        Ok(Input { body, query })
    }

    /// The object under `key` of the body (`server`, `tenant`), or an empty one.
    pub fn object(&self, key: &str) -> Result<&Value, AdminError> {
        static EMPTY: std::sync::LazyLock<Value> = std::sync::LazyLock::new(|| json!({}));
        match self.body.get(key) {
            None | Some(Value::Null) => Ok(&EMPTY),
            Some(v) if v.is_object() => Ok(v),
            Some(_) => Err(AdminError::bad_request(format!("'{key}' must be a JSON object"))),
        }
    }

    /// The `id` of the body, or of the query string.
    pub fn id(&self) -> Result<String, AdminError> {
        match text(&self.body, "id")? {
            Some(id) if !id.is_empty() => Ok(id),
            _ => self
                .query
                .iter()
                .find(|(k, _)| k == "id")
                .map(|(_, v)| v.clone())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| AdminError::bad_request("The parameter 'id' is required")),
        }
    }
}

/// A string field; numbers are taken as their text.
pub fn text(object: &Value, key: &str) -> Result<Option<String>, AdminError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(AdminError::bad_request(format!("'{key}' must be a string"))),
    }
}

/// A load multiplier given as a number or a numeric string.
pub fn multiplier(object: &Value) -> Result<Option<f64>, AdminError> {
    let invalid = || AdminError::bad_request("Load-multiplier must be a non-zero number");
    match object.get("load_multiplier") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_f64().map(Some).ok_or_else(invalid),
        Some(Value::String(s)) => s.trim().parse::<f64>().map(Some).map_err(|_| invalid()),
        Some(_) => Err(invalid()),
    }
}

/// A boolean given as `true`, `"true"`, … ; absent: false.
pub fn flag(object: &Value, key: &str) -> Result<bool, AdminError> {
    Ok(optional_flag(object, key)?.unwrap_or(false))
}

/// A boolean given as `true`, `"true"`, … , if given.
pub fn optional_flag(object: &Value, key: &str) -> Result<Option<bool>, AdminError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(Value::String(s)) if matches!(s.as_str(), "true" | "1") => Ok(Some(true)),
        Some(Value::String(s)) if matches!(s.as_str(), "false" | "0" | "") => Ok(Some(false)),
        Some(_) => Err(AdminError::bad_request(format!("'{key}' must be true or false"))),
    }
}

/// A limit: absent → unchanged (`None`); `null` → no limit (`Some(None)`); a whole number ≥ 0 → that limit.
pub fn optional_limit(object: &Value, key: &str) -> Result<Option<Option<i32>>, AdminError> {
    match object.get(key) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(value) => {
            let number = value.as_i64().or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()));
            match number.and_then(|n| i32::try_from(n).ok()).filter(|n| *n >= 0) {
                Some(n) => Ok(Some(Some(n))),
                None => Err(AdminError::bad_request(format!("'{key}' must be a whole number of 0 or more, or null"))),
            }
        }
    }
}

impl Input {
    /// A query parameter, if given and not empty.
    pub fn param(&self, key: &str) -> Option<String> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).filter(|v| !v.is_empty())
    }
}
