//! A shared secret that never shows itself in `Debug` or `Display`, so it cannot leak into logs.

use std::fmt;

/// A secret string (load-balancer, server or tenant secret). `Debug` and `Display` print `[redacted]`;
/// only [`Secret::expose`] reveals it, and only code that signs or compares should call it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret's text, for hashing and comparing only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A new random secret: 64 lower-case hex characters (256 bits).
    pub fn generate() -> Self {
        let bytes: [u8; 32] = rand::random();
        Secret(hex::encode(bytes))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<Secret> for String {
    fn from(secret: Secret) -> Self {
        secret.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("hunter2-very-secret");
        assert!(!format!("{secret:?}").contains("hunter2"));
        assert!(!format!("{secret}").contains("hunter2"));
        assert_eq!(secret.expose(), "hunter2-very-secret");
    }

    #[test]
    fn generated_secrets_are_long_hex_and_distinct() {
        let a = Secret::generate();
        let b = Secret::generate();
        assert_eq!(a.expose().len(), 64);
        assert!(a.expose().chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
