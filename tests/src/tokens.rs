//! Hand-made tokens for the authentication tests: signed with the server's
//! own key but wrong claims, or signed with a stranger's key.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// `(kid, PEM)` of the server's signing key.
pub fn server_key(keys_dir: &Path) -> (String, String) {
    let entry = std::fs::read_dir(keys_dir)
        .expect("keys dir")
        .filter_map(Result::ok)
        .find(|e| e.path().extension().is_some_and(|x| x == "pem"))
        .expect("a key file");
    let kid = entry.path().file_stem().and_then(|s| s.to_str()).expect("kid").to_owned();
    let pem = std::fs::read_to_string(entry.path()).expect("pem");
    (kid, pem)
}

/// Claims a valid admin token would carry, issued `now`.
pub fn admin_claims(subject: &str, now: i64) -> Value {
    json!({
        "sub": subject, "role": "admin", "iat": now, "nbf": now, "exp": now + 600,
        "aud": "henan-safety-api", "iss": "henan-safety-platform", "jti": "test",
    })
}

pub fn sign(kid: &str, pem: &str, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some(kid.to_owned());
    encode(&header, claims, &EncodingKey::from_ed_pem(pem.as_bytes()).expect("key")).expect("sign")
}

/// An unsigned token (`alg: none`), which must never be accepted.
pub fn unsigned(kid: &str, claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": kid}).to_string());
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.")
}
