//! JSON Web Tokens signed with HMAC (HS256, HS384, HS512), as BBB and Scalelite sign callbacks.

use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};

use crate::secret::Secret;

/// An HMAC algorithm of JWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Hs384,
    Hs512,
}

impl JwtAlgorithm {
    fn name(self) -> &'static str {
        match self {
            JwtAlgorithm::Hs256 => "HS256",
            JwtAlgorithm::Hs384 => "HS384",
            JwtAlgorithm::Hs512 => "HS512",
        }
    }

    fn parse(name: &str) -> Option<JwtAlgorithm> {
        match name {
            "HS256" => Some(JwtAlgorithm::Hs256),
            "HS384" => Some(JwtAlgorithm::Hs384),
            "HS512" => Some(JwtAlgorithm::Hs512),
            _ => None,
        }
    }

    fn mac(self, key: &[u8], data: &[u8]) -> Vec<u8> {
        fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], data: &[u8]) -> Vec<u8> {
            match <M as hmac::digest::KeyInit>::new_from_slice(key) {
                Ok(mut mac) => {
                    mac.update(data);
                    mac.finalize().into_bytes().to_vec()
                }
                Err(_) => Vec::new(),
            }
        }
        match self {
            JwtAlgorithm::Hs256 => run::<Hmac<Sha256>>(key, data),
            JwtAlgorithm::Hs384 => run::<Hmac<Sha384>>(key, data),
            JwtAlgorithm::Hs512 => run::<Hmac<Sha512>>(key, data),
        }
    }
}

/// Why a token was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JwtError {
    #[error("the token is not three base64url parts")]
    Malformed,
    #[error("the token's algorithm is not HMAC")]
    Algorithm,
    #[error("the token's signature matches no secret")]
    Signature,
    #[error("the token has expired")]
    Expired,
}

fn encode(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn decode(text: &str) -> Result<Vec<u8>, JwtError> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).map_err(|_| JwtError::Malformed)
}

/// Signs the claims.
pub fn sign(algorithm: JwtAlgorithm, claims: &Value, secret: &Secret) -> String {
    let header = encode(format!(r#"{{"alg":"{}","typ":"JWT"}}"#, algorithm.name()).as_bytes());
    let payload = encode(claims.to_string().as_bytes());
    let signing_input = format!("{header}.{payload}");
    let signature = encode(&algorithm.mac(secret.expose().as_bytes(), signing_input.as_bytes()));
    format!("{signing_input}.{signature}")
}

/// Checks a token's signature against each secret (constant-time) and its `exp`; returns the claims.
pub fn verify(token: &str, secrets: &[Secret], now_secs: i64) -> Result<Value, JwtError> {
    let token = token.trim();
    let (signing_input, signature) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(JwtError::Malformed)?;
    if payload.contains('.') {
        return Err(JwtError::Malformed);
    }
    let header: Value = serde_json::from_slice(&decode(header)?).map_err(|_| JwtError::Malformed)?;
    let algorithm = header["alg"].as_str().and_then(JwtAlgorithm::parse).ok_or(JwtError::Algorithm)?;
    let signature = decode(signature)?;
    let mut matched = false;
    for secret in secrets {
        let expected = algorithm.mac(secret.expose().as_bytes(), signing_input.as_bytes());
        matched |= bool::from(subtle::ConstantTimeEq::ct_eq(expected.as_slice(), signature.as_slice()));
    }
    if !matched {
        return Err(JwtError::Signature);
    }
    let claims: Value = serde_json::from_slice(&decode(payload)?).map_err(|_| JwtError::Malformed)?;
    if claims["exp"].as_i64().is_some_and(|exp| exp < now_secs) {
        return Err(JwtError::Expired);
    }
    Ok(claims)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn signs_a_known_token() {
        // jwt.io's HS256 example, with the secret "your-256-bit-secret".
        let claims: Value = serde_json::from_str(r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#).unwrap();
        let secret = Secret::new("your-256-bit-secret");
        let token = sign(JwtAlgorithm::Hs256, &claims, &secret);
        assert_eq!(verify(&token, &[secret], 0).unwrap(), claims);
        let known = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
        assert_eq!(verify(known, &[Secret::new("your-256-bit-secret")], 0).unwrap()["name"], "John Doe");
    }

    #[test]
    fn refuses_wrong_secrets_tampering_expiry_and_garbage() {
        let secret = Secret::new("s1");
        let token = sign(JwtAlgorithm::Hs512, &json!({"meeting_id": "m", "exp": 100}), &secret);
        assert!(verify(&token, &[Secret::new("other"), secret.clone()], 50).is_ok());
        assert_eq!(verify(&token, &[Secret::new("other")], 50), Err(JwtError::Signature));
        assert_eq!(verify(&token, std::slice::from_ref(&secret), 101), Err(JwtError::Expired));
        let tampered = token.replacen('.', ".e30", 1);
        assert!(verify(&tampered, std::slice::from_ref(&secret), 50).is_err());
        assert_eq!(verify("a.b", std::slice::from_ref(&secret), 0), Err(JwtError::Malformed));
        let none = format!("{}.{}.", encode(br#"{"alg":"none"}"#), encode(b"{}"));
        assert_eq!(verify(&none, &[secret], 0), Err(JwtError::Algorithm));
    }
}
