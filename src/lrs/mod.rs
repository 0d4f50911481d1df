//! A tenant's learning record store (LRS): the `meta_secret-lrs-payload` every create of that tenant carries,
//! built as Ruby Scalelite's `LrsPayloadService` builds it: `{lrs_endpoint, lrs_username, lrs_password}` with basic
//! credentials, else `{lrs_endpoint, lrs_token}` with a token fetched from the tenant's Keycloak first (no
//! payload when that fails), encrypted for the meeting's server ([`cipher`]). Unlike Ruby, a token is reused until
//! shortly before it expires (Keycloak's `expires_in`), so that creates do not wait for Keycloak each time.

pub mod cipher;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

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

    /// A token: a fresh enough one fetched before with the same credentials, else a new one.
    async fn fetch_token(&self, client: &BbbClient) -> Result<String, String> {
        let key = self.access_key().map(|parts| parts.join("\0")).unwrap_or_default();
        if let Some(token) = TOKENS.cached(&key, Instant::now()) {
            return Ok(token);
        }
        let (token, lifetime) = self.request_token(client).await?;
        if let Some(lifetime) = lifetime.and_then(|l| l.checked_sub(TOKEN_MARGIN)) {
            TOKENS.keep(key, token.clone(), Instant::now() + lifetime);
        }
        Ok(token)
    }

    /// What identifies the credentials a token was fetched with.
    fn access_key(&self) -> Option<[&str; 5]> {
        let LrsAccess::Keycloak { token_url, client_id, client_secret, username, password } = &self.access else {
            return None;
        };
        Some([token_url, text_of(client_id), secret_of(client_secret), text_of(username), secret_of(password)])
    }

    /// Keycloak's OAuth2 password grant: a form of the client and user credentials; the answer must be 200 with
    /// an `access_token` (and its lifetime, `expires_in`, if given).
    async fn request_token(&self, client: &BbbClient) -> Result<(String, Option<Duration>), String> {
        let LrsAccess::Keycloak { token_url, client_id, client_secret, username, password } = &self.access else {
            return Err("no token URL".into());
        };
        let form = [
            ("client_id", text_of(client_id)),
            ("client_secret", secret_of(client_secret)),
            ("username", text_of(username)),
            ("password", secret_of(password)),
            ("grant_type", "password"),
        ];
        let (status, body) = client.post_form_answer(token_url, &form).await.map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("{token_url} answered HTTP {status}"));
        }
        access_token(&body).ok_or_else(|| format!("{token_url} answered no access_token"))
    }
}

fn text_of(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("")
}

fn secret_of(value: &Option<Secret>) -> &str {
    value.as_ref().map_or("", Secret::expose)
}

/// How long before its expiry a token is no longer handed out (BBB uses it during the meeting).
const TOKEN_MARGIN: Duration = Duration::from_secs(60);
/// The most tokens kept (one per tenant with Keycloak, in practice).
const MAX_TOKENS: usize = 10_000;

/// Tokens by the credentials they were fetched with, and when they stop being handed out.
struct TokenCache(Mutex<Option<HashMap<String, (String, Instant)>>>);

impl TokenCache {
    fn cached(&self, key: &str, now: Instant) -> Option<String> {
        let tokens = self.0.lock().unwrap_or_else(|e| e.into_inner());
        tokens.as_ref()?.get(key).filter(|(_, until)| *until > now).map(|(token, _)| token.clone())
    }

    fn keep(&self, key: String, token: String, until: Instant) {
        let mut tokens = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let tokens = tokens.get_or_insert_with(HashMap::new);
        if tokens.len() >= MAX_TOKENS {
            let now = Instant::now();
            tokens.retain(|_, (_, until)| *until > now);
            if tokens.len() >= MAX_TOKENS {
                tokens.clear();
            }
        }
        tokens.insert(key, (token, until));
    }
}

static TOKENS: TokenCache = TokenCache(Mutex::new(None));

/// The `access_token` of a token endpoint's JSON answer, and its lifetime (`expires_in`, seconds) if given.
fn access_token(body: &str) -> Option<(String, Option<Duration>)> {
    #[derive(serde::Deserialize)]
    struct Answer {
        access_token: Option<String>,
        expires_in: Option<u64>,
    }
    let answer = serde_json::from_str::<Answer>(body).ok()?;
    let token = answer.access_token.filter(|t| !t.is_empty())?;
    Some((token, answer.expires_in.map(Duration::from_secs)))
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
    fn tokens_are_kept_until_shortly_before_they_expire() {
        let cache = TokenCache(Mutex::new(None));
        let now = Instant::now();
        assert_eq!(cache.cached("k", now), None);
        cache.keep("k".into(), "t".into(), now + Duration::from_secs(10));
        assert_eq!(cache.cached("k", now).as_deref(), Some("t"));
        assert_eq!(cache.cached("other credentials", now), None);
        assert_eq!(cache.cached("k", now + Duration::from_secs(10)), None, "expired");
    }

    #[test]
    fn token_answers() {
        assert_eq!(
            access_token(r#"{"access_token":"abc","expires_in":300}"#),
            Some(("abc".into(), Some(Duration::from_secs(300))))
        );
        assert_eq!(access_token(r#"{"access_token":"abc"}"#), Some(("abc".into(), None)));
        assert_eq!(access_token(r#"{"error":"invalid_grant"}"#), None);
        assert_eq!(access_token("<html>"), None);
    }
}
