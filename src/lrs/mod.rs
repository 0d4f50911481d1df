//! A tenant's learning record store (LRS): the `meta_secret-lrs-payload` every create of that tenant carries,
//! built as Ruby Scalelite's `LrsPayloadService` builds it: `{lrs_endpoint, lrs_username, lrs_password}` with basic
//! credentials, else `{lrs_endpoint, lrs_token}` with a token fetched from the tenant's Keycloak first (no
//! payload when that fails), encrypted for the meeting's server ([`cipher`]).

pub mod cipher;

use serde::Serialize;

use crate::bbb::client::BbbClient;
use crate::db::models::tenant::Tenant;
use crate::secret::Secret;

/// How a tenant's LRS is reached.
#[derive(Clone, Debug, PartialEq)]
pub enum LrsAccess {
    /// With a user name and password, passed on to BigBlueButton.
    Basic { username: String, password: Option<Secret> },
    /// With a token from Keycloak's password grant.
    Keycloak {
        token_url: String,
        client_id: Option<String>,
        client_secret: Option<Secret>,
        username: Option<String>,
        password: Option<Secret>,
    },
}

/// A tenant's LRS settings.
#[derive(Clone, Debug, PartialEq)]
pub struct Lrs {
    pub endpoint: String,
    pub access: LrsAccess,
}

impl Lrs {
    /// The settings of a tenant that has an LRS endpoint (Ruby: `lrs_endpoint.present?`). Without a user name the
    /// token URL is used, as Ruby does; a tenant with neither gets no payload.
    pub fn of(tenant: &Tenant) -> Option<Lrs> {
        let present = |value: &Option<String>| value.as_ref().filter(|v| !v.trim().is_empty()).cloned();
        let endpoint = present(&tenant.lrs_endpoint)?;
        let access = match present(&tenant.lrs_username) {
            Some(username) => LrsAccess::Basic { username, password: tenant.lrs_password.clone().map(Secret::new) },
            None => LrsAccess::Keycloak {
                token_url: present(&tenant.kc_token_url)?,
                client_id: tenant.kc_client_id.clone(),
                client_secret: tenant.kc_client_secret.clone().map(Secret::new),
                username: tenant.kc_username.clone(),
                password: tenant.kc_password.clone().map(Secret::new),
            },
        };
        Some(Lrs { endpoint, access })
    }

    /// The payload for a meeting on the server with this secret, or `None` (logged) when it cannot be made.
    pub async fn payload(&self, server_secret: &Secret, client: &BbbClient) -> Option<String> {
        let json = match &self.access {
            LrsAccess::Basic { username, password } => basic_json(&self.endpoint, username, password.as_ref()),
            LrsAccess::Keycloak { .. } => match self.fetch_token(client).await {
                Ok(token) => token_json(&self.endpoint, &token),
                Err(why) => {
                    log::warn!("LRS token not fetched, the create goes without an LRS payload: {why}");
                    return None;
                }
            },
        };
        Some(cipher::encrypt(json.as_bytes(), server_secret.expose(), rand::random(), rand::random()))
    }

    /// Keycloak's OAuth2 password grant: a form of the client and user credentials; the answer must be 200 with
    /// an `access_token`.
    async fn fetch_token(&self, client: &BbbClient) -> Result<String, String> {
        let LrsAccess::Keycloak { token_url, client_id, client_secret, username, password } = &self.access else {
            return Err("no token URL".into());
        };
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let secret = |v: &Option<Secret>| v.as_ref().map(|s| s.expose().to_string()).unwrap_or_default();
        let (client_id, username) = (text(client_id), text(username));
        let (client_secret, password) = (secret(client_secret), secret(password));
        let form = [
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
            ("username", username.as_str()),
            ("password", password.as_str()),
            ("grant_type", "password"),
        ];
        let (status, body) = client.post_form_answer(token_url, &form).await.map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("{token_url} answered HTTP {status}"));
        }
        access_token(&body).ok_or_else(|| format!("{token_url} answered no access_token"))
    }
}

/// The `access_token` of a token endpoint's JSON answer.
fn access_token(body: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Answer {
        access_token: Option<String>,
    }
    serde_json::from_str::<Answer>(body).ok()?.access_token.filter(|t| !t.is_empty())
}

fn basic_json(endpoint: &str, username: &str, password: Option<&Secret>) -> String {
    #[derive(Serialize)]
    struct Basic<'a> {
        lrs_endpoint: &'a str,
        lrs_username: &'a str,
        lrs_password: Option<&'a str>,
    }
    as_rails_json(&Basic { lrs_endpoint: endpoint, lrs_username: username, lrs_password: password.map(Secret::expose) })
}

fn token_json(endpoint: &str, token: &str) -> String {
    #[derive(Serialize)]
    struct Token<'a> {
        lrs_endpoint: &'a str,
        lrs_token: &'a str,
    }
    as_rails_json(&Token { lrs_endpoint: endpoint, lrs_token: token })
}

/// JSON as Rails' `to_json` writes it: like serde_json, but `<`, `>`, `&`, U+2028 and U+2029 escaped (which can
/// only occur inside strings).
fn as_rails_json(value: &impl Serialize) -> String {
    let json = serde_json::to_string(value).unwrap_or_default();
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tenant() -> Tenant {
        Tenant::new("t1".into(), "t1", "s", 0)
    }

    #[test]
    fn basic_credentials_make_rubys_json() {
        let json = basic_json("https://lrs.example/x?a=1&b=<2>", "u\"1", Some(&Secret::new("p/w")));
        assert_eq!(
            json,
            r#"{"lrs_endpoint":"https://lrs.example/x?a=1\u0026b=\u003c2\u003e","lrs_username":"u\"1","lrs_password":"p/w"}"#
        );
        assert_eq!(basic_json("e", "u", None), r#"{"lrs_endpoint":"e","lrs_username":"u","lrs_password":null}"#);
        assert_eq!(token_json("e", "tok"), r#"{"lrs_endpoint":"e","lrs_token":"tok"}"#);
    }

    #[test]
    fn settings_are_read_as_ruby_reads_them() {
        let mut t = tenant();
        assert_eq!(Lrs::of(&t), None, "no endpoint: no payload");
        t.lrs_endpoint = Some("https://lrs".into());
        assert_eq!(Lrs::of(&t), None, "neither a user nor a token URL");
        t.kc_token_url = Some("https://kc/token".into());
        assert!(matches!(Lrs::of(&t).unwrap().access, LrsAccess::Keycloak { .. }));
        t.lrs_username = Some("user".into());
        assert!(matches!(Lrs::of(&t).unwrap().access, LrsAccess::Basic { .. }), "a user name wins");
        t.lrs_endpoint = Some(" ".into());
        assert_eq!(Lrs::of(&t), None, "a blank endpoint is no endpoint");
    }

    #[test]
    fn token_answers() {
        assert_eq!(access_token(r#"{"access_token":"abc","expires_in":300}"#).as_deref(), Some("abc"));
        assert_eq!(access_token(r#"{"error":"invalid_grant"}"#), None);
        assert_eq!(access_token("<html>"), None);
    }
}
