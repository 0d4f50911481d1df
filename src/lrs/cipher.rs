//! The encryption of `meta_secret-lrs-payload`, as Ruby Scalelite's `LrsPayloadService` does it: a key and IV
//! derived from the server's secret with PBKDF2-HMAC-SHA256 (10,000 rounds, 8-byte salt), AES-256-CBC with
//! PKCS#7 padding, and `Base64(8 random bytes ‖ salt ‖ ciphertext)` (OpenSSL's salted layout, with random bytes
//! where OpenSSL writes `Salted__`).

use aes::cipher::{block_padding::Pkcs7, BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine;

type Encryptor = cbc::Encryptor<aes::Aes256>;
type Decryptor = cbc::Decryptor<aes::Aes256>;

/// PBKDF2 rounds, as Ruby's.
const ROUNDS: u32 = 10_000;

/// The key (32 bytes) and IV (16 bytes) for this secret and salt.
fn key_and_iv(secret: &str, salt: &[u8; 8]) -> ([u8; 32], [u8; 16]) {
    let mut derived = [0u8; 48];
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(secret.as_bytes(), salt, ROUNDS, &mut derived);
    let (mut key, mut iv) = ([0u8; 32], [0u8; 16]);
    key.copy_from_slice(&derived[..32]);
    iv.copy_from_slice(&derived[32..]);
    (key, iv)
}

/// Encrypts `plain` for a server with this secret; `prefix` and `salt` are the random bytes (given, so that a
/// test can fix them).
pub fn encrypt(plain: &[u8], secret: &str, prefix: [u8; 8], salt: [u8; 8]) -> String {
    let (key, iv) = key_and_iv(secret, &salt);
    let mut out = Vec::with_capacity(16 + plain.len() + 16);
    out.extend_from_slice(&prefix);
    out.extend_from_slice(&salt);
    let mut buffer = plain.to_vec();
    buffer.resize(plain.len() / 16 * 16 + 16, 0);
    if let Ok(ciphertext) =
        Encryptor::new(&key.into(), &iv.into()).encrypt_padded_mut::<Pkcs7>(&mut buffer, plain.len())
    {
        out.extend_from_slice(ciphertext);
    }
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Decrypts a payload made by [`encrypt`] (what BigBlueButton does with it); `None` if it is not one.
pub fn decrypt(payload: &str, secret: &str) -> Option<Vec<u8>> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(payload).ok()?;
    if bytes.len() < 32 || !(bytes.len() - 16).is_multiple_of(16) {
        return None;
    }
    let mut salt = [0u8; 8];
    salt.copy_from_slice(&bytes[8..16]);
    let (key, iv) = key_and_iv(secret, &salt);
    let mut buffer = bytes[16..].to_vec();
    let plain = Decryptor::new(&key.into(), &iv.into()).decrypt_padded_mut::<Pkcs7>(&mut buffer).ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_what_ruby_and_openssl_compute() {
        // The ciphertext OpenSSL (which Ruby's OpenSSL::PKCS5 and OpenSSL::Cipher call) makes of the same input:
        // printf '{"a":1}' | openssl enc -aes-256-cbc -pbkdf2 -iter 10000 -md sha256 -S 73616c7473616c74 \
        //   -pass pass:secret | base64
        let openssl = base64::engine::general_purpose::STANDARD.decode("qdlDy8PsdNTRyfdK918cAg==").unwrap();
        let payload = encrypt(br#"{"a":1}"#, "secret", *b"RANDOM!!", *b"saltsalt");
        let bytes = base64::engine::general_purpose::STANDARD.decode(&payload).unwrap();
        assert_eq!(&bytes[..8], b"RANDOM!!");
        assert_eq!(&bytes[8..16], b"saltsalt");
        assert_eq!(&bytes[16..], &openssl[..]);
        assert_eq!(decrypt(&payload, "secret").unwrap(), br#"{"a":1}"#);
        assert!(decrypt(&payload, "other secret").is_none_or(|plain| plain != br#"{"a":1}"#));
        assert!(decrypt("not base64!", "secret").is_none());
    }

    #[test]
    fn a_whole_block_gets_a_whole_block_of_padding() {
        let payload = encrypt(&[b'x'; 16], "s", [0; 8], [1; 8]);
        let bytes = base64::engine::general_purpose::STANDARD.decode(&payload).unwrap();
        assert_eq!(bytes.len(), 16 + 32);
        assert_eq!(decrypt(&payload, "s").unwrap(), vec![b'x'; 16]);
    }
}
