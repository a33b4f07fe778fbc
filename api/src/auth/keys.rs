//! The platform's Ed25519 signing keys and their public JWKS.
//!
//! Keys are PKCS#8 PEM files `<kid>.pem` in one directory. Every key there is
//! published in the JWKS and accepted for verification; the one with the
//! greatest `kid` signs. Rotation: add a key with a later `kid`, wait one token
//! lifetime, then delete the old file (docs/decisions/0002).

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
use ed25519_dalek::SigningKey;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key directory {0}: {1}")]
    Io(String, std::io::Error),
    #[error("key {0}: {1}")]
    Invalid(String, String),
}

/// One public key in JWK form (RFC 8037 OKP).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Jwk {
    #[schema(example = "OKP")]
    pub kty: String,
    #[schema(example = "Ed25519")]
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    pub kid: String,
    #[schema(example = "EdDSA")]
    pub alg: String,
    #[serde(rename = "use")]
    #[schema(example = "sig")]
    pub key_use: String,
}

/// The published key set (`/api/v1/auth/jwks.json`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

pub struct KeySet {
    active_kid: String,
    signing: EncodingKey,
    verifying: BTreeMap<String, DecodingKey>,
    jwks: Jwks,
}

fn valid_kid(kid: &str) -> bool {
    (1..=64).contains(&kid.len()) && kid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl KeySet {
    /// Builds the set from `(kid, PKCS#8 PEM)` pairs.
    pub fn from_pems(pems: Vec<(String, String)>) -> Result<KeySet, KeyError> {
        let mut verifying = BTreeMap::new();
        let mut keys = Vec::new();
        let mut active: Option<(String, EncodingKey)> = None;
        let mut sorted = pems;
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        for (kid, pem) in sorted {
            if !valid_kid(&kid) {
                return Err(KeyError::Invalid(kid, "kid must be 1-64 of [A-Za-z0-9_-]".into()));
            }
            let signing =
                SigningKey::from_pkcs8_pem(&pem).map_err(|e| KeyError::Invalid(kid.clone(), e.to_string()))?;
            let x = URL_SAFE_NO_PAD.encode(signing.verifying_key().to_bytes());
            let decoding =
                DecodingKey::from_ed_components(&x).map_err(|e| KeyError::Invalid(kid.clone(), e.to_string()))?;
            let encoding =
                EncodingKey::from_ed_pem(pem.as_bytes()).map_err(|e| KeyError::Invalid(kid.clone(), e.to_string()))?;
            verifying.insert(kid.clone(), decoding);
            keys.push(Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x,
                kid: kid.clone(),
                alg: "EdDSA".into(),
                key_use: "sig".into(),
            });
            active = Some((kid, encoding));
        }
        let (active_kid, signing) = active.ok_or_else(|| KeyError::Invalid("-".into(), "no keys".into()))?;
        Ok(KeySet { active_kid, signing, verifying, jwks: Jwks { keys } })
    }

    /// Loads every `*.pem` in `dir`; generates the first key when there is none.
    pub fn load_or_generate(dir: &Path, now: DateTime<Utc>) -> Result<KeySet, KeyError> {
        let io = |e| KeyError::Io(dir.display().to_string(), e);
        fs::create_dir_all(dir).map_err(io)?;
        let mut pems = read_pems(dir)?;
        if pems.is_empty() {
            let (kid, pem) = generate_key(now)?;
            write_private(&dir.join(format!("{kid}.pem")), &pem).map_err(io)?;
            tracing::info!(kid = %kid, dir = %dir.display(), "generated a new token signing key");
            pems.push((kid, pem));
        }
        KeySet::from_pems(pems)
    }

    pub fn active_kid(&self) -> &str {
        &self.active_kid
    }

    pub fn signing_key(&self) -> &EncodingKey {
        &self.signing
    }

    pub fn verifying_key(&self, kid: &str) -> Option<&DecodingKey> {
        self.verifying.get(kid)
    }

    pub fn jwks(&self) -> &Jwks {
        &self.jwks
    }
}

/// A fresh key: `kid` is the creation date plus random hex, so later keys
/// sort after earlier ones.
pub fn generate_key(now: DateTime<Utc>) -> Result<(String, String), KeyError> {
    let mut seed = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut seed);
    let key = SigningKey::from_bytes(&seed);
    let suffix: String = seed[..4].iter().map(|b| format!("{b:02x}")).collect();
    let kid = format!("{}-{suffix}", now.format("%Y%m%d%H%M%S"));
    let pem = key.to_pkcs8_pem(Default::default()).map_err(|e| KeyError::Invalid(kid.clone(), e.to_string()))?;
    Ok((kid, pem.to_string()))
}

/// A private key file must be readable by its owner only.
fn check_permissions(path: &Path) -> Result<(), KeyError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(path).map_err(|e| KeyError::Io(path.display().to_string(), e))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(KeyError::Invalid(
                path.display().to_string(),
                format!("mode {:o} lets others read a private key; chmod 600 it", mode & 0o777),
            ));
        }
    }
    Ok(())
}

fn read_pems(dir: &Path) -> Result<Vec<(String, String)>, KeyError> {
    let io = |e| KeyError::Io(dir.display().to_string(), e);
    let mut pems = Vec::new();
    for entry in fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().and_then(|e| e.to_str()) != Some("pem") {
            continue;
        }
        check_permissions(&path)?;
        let Some(kid) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
            continue;
        };
        let pem = fs::read_to_string(&path).map_err(|e| KeyError::Io(path.display().to_string(), e))?;
        pems.push((kid, pem));
    }
    Ok(pems)
}

fn write_private(path: &Path, pem: &str) -> std::io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(pem.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_kid_signs_and_all_are_published() {
        let now = Utc::now();
        let (kid_a, pem_a) = generate_key(now).expect("key");
        let (_, pem_b) = generate_key(now).expect("key");
        let set = KeySet::from_pems(vec![("zz-new".into(), pem_b), (kid_a.clone(), pem_a)]).expect("set");
        assert_eq!(set.active_kid(), "zz-new");
        assert_eq!(set.jwks().keys.len(), 2);
        assert!(set.verifying_key(&kid_a).is_some());
        assert!(set.verifying_key("other").is_none());
    }

    #[cfg(unix)]
    #[test]
    fn private_keys_readable_by_others_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("hsp-keys-{}", uuid::Uuid::new_v4()));
        let set = KeySet::load_or_generate(&dir, Utc::now()).expect("generated");
        let file = dir.join(format!("{}.pem", set.active_kid()));
        assert_eq!(fs::metadata(&file).expect("key").permissions().mode() & 0o777, 0o600);
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).expect("chmod");
        let refused = KeySet::load_or_generate(&dir, Utc::now());
        assert!(matches!(refused, Err(KeyError::Invalid(_, ref why)) if why.contains("chmod 600")));
        fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn bad_kids_and_pems_are_refused() {
        let (_, pem) = generate_key(Utc::now()).expect("key");
        assert!(KeySet::from_pems(vec![("../x".into(), pem)]).is_err());
        assert!(KeySet::from_pems(vec![("k".into(), "not a pem".into())]).is_err());
        assert!(KeySet::from_pems(vec![]).is_err());
    }
}
