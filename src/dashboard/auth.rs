//! Signing in to the dashboard: passwords hashed with argon2 (its defaults, a salt each), sessions as a random
//! token in an `HttpOnly`, `SameSite=Strict` cookie scoped to the dashboard (`Secure` when the request came over
//! TLS), and a CSRF token per session that every action must carry.

use std::sync::OnceLock;

use actix_web::HttpRequest;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use subtle::ConstantTimeEq;

/// The session cookie's name.
pub const COOKIE: &str = "scalelite_dashboard";
/// Where the dashboard lives (the cookie's path).
pub const BASE: &str = "/scalelite/dashboard";

/// The two roles: a viewer looks, an operator acts.
pub const ROLES: [&str; 2] = ["viewer", "operator"];

/// The argon2 PHC string of a password.
pub fn hash_password(password: &str) -> Result<String, String> {
    Argon2::default().hash_password(password.as_bytes()).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// A hash no password matches, verified when the account does not exist so that it takes as long.
fn absent_account() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

/// Whether a password matches a stored hash (`None`: no such account, which takes as long and fails).
pub fn verify_password(stored: Option<&str>, password: &str) -> bool {
    let hash = stored.unwrap_or_else(|| absent_account());
    let Ok(parsed) = PasswordHash::new(hash) else { return false };
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && stored.is_some()
}

/// A new random token (a session's, or its CSRF token): 64 hex digits.
pub fn new_token() -> String {
    let bytes: [u8; 32] = rand::random();
    hex::encode(bytes)
}

/// Whether two tokens are the same, in constant time.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// Whether the request came over TLS (directly, or as a proxy in front says with `X-Forwarded-Proto`).
pub fn over_tls(request: &HttpRequest) -> bool {
    request.connection_info().scheme() == "https"
}

/// The `Set-Cookie` value of a session (`max_age` in seconds; 0 removes the cookie).
pub fn cookie(token: &str, secure: bool, max_age: u64) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!("{COOKIE}={token}; Path={BASE}; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}")
}

/// The session token the request carries, if it has the shape of one.
pub fn token_of(request: &HttpRequest) -> Option<String> {
    let prefix = format!("{COOKIE}=");
    let value = request
        .headers()
        .get_all(actix_web::http::header::COOKIE)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(prefix.as_str()))?;
    (value.len() == 64 && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(Some(&hash), "correct horse"));
        assert!(!verify_password(Some(&hash), "correct horsE"));
        assert!(!verify_password(None, "correct horse"), "no account");
        assert!(!verify_password(Some("not a hash"), "x"));
        assert_ne!(hash, hash_password("correct horse").unwrap(), "a salt each");
    }

    #[test]
    fn the_cookie_is_kept_from_scripts_and_other_sites() {
        let set = cookie(&"a".repeat(64), true, 60);
        assert!(set.contains("; Path=/scalelite/dashboard;") && set.contains("; HttpOnly; SameSite=Strict; Secure"));
        assert!(!cookie("x", false, 0).contains("Secure"));
        assert!(same_token("abc", "abc") && !same_token("abc", "abd") && !same_token("abc", "ab"));
    }
}
