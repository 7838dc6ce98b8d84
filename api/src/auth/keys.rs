//! Key material from configuration. The algorithm is fixed here, once, and every token is
//! verified with it: EdDSA, RS256 or ES256 from a PEM public key or a local JWKS file (key
//! chosen by `kid`), or HS256 with a generated development key, which exists only for the
//! embedded default and tests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use crate::config::{JwtAlgorithm, Settings};

enum Verify {
    Single(DecodingKey),
    ByKid(HashMap<String, DecodingKey>),
}

/// The verification key(s), and optionally a signing key, for one pinned algorithm.
pub struct KeyMaterial {
    algorithm: Algorithm,
    verify: Verify,
    signing: Option<(EncodingKey, Option<String>)>,
    dev_key_file: Option<PathBuf>,
}

impl std::fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl KeyMaterial {
    /// The pinned algorithm.
    #[must_use]
    pub const fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The key that verifies a token with header `kid`.
    #[must_use]
    pub fn decoding_key(&self, kid: Option<&str>) -> Option<&DecodingKey> {
        match &self.verify {
            Verify::Single(key) => Some(key),
            Verify::ByKid(keys) => kid.and_then(|k| keys.get(k)),
        }
    }

    /// The signing key, if any.
    #[must_use]
    pub fn encoding_key(&self) -> Option<&EncodingKey> {
        self.signing.as_ref().map(|(k, _)| k)
    }

    /// The `kid` written into minted tokens.
    #[must_use]
    pub fn signing_kid(&self) -> Option<&str> {
        self.signing.as_ref().and_then(|(_, kid)| kid.as_deref())
    }

    /// The development key file in use, if the development key is in use.
    #[must_use]
    pub fn dev_key_file(&self) -> Option<&Path> {
        self.dev_key_file.as_deref()
    }
}

const fn algorithm(alg: JwtAlgorithm) -> Algorithm {
    match alg {
        JwtAlgorithm::EdDSA => Algorithm::EdDSA,
        JwtAlgorithm::RS256 => Algorithm::RS256,
        JwtAlgorithm::ES256 => Algorithm::ES256,
    }
}

fn read(path: &Path, var: &str) -> anyhow::Result<Vec<u8>> {
    std::fs::read(path).with_context(|| format!("{var}: cannot read {}", path.display()))
}

fn decoding_from_pem(
    alg: Algorithm,
    pem: &[u8],
) -> Result<DecodingKey, jsonwebtoken::errors::Error> {
    match alg {
        Algorithm::EdDSA => DecodingKey::from_ed_pem(pem),
        Algorithm::ES256 => DecodingKey::from_ec_pem(pem),
        _ => DecodingKey::from_rsa_pem(pem),
    }
}

fn encoding_from_pem(
    alg: Algorithm,
    pem: &[u8],
) -> Result<EncodingKey, jsonwebtoken::errors::Error> {
    match alg {
        Algorithm::EdDSA => EncodingKey::from_ed_pem(pem),
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem),
        _ => EncodingKey::from_rsa_pem(pem),
    }
}

/// Loads the keys the settings name, creating the development key when that is what they
/// call for.
///
/// # Errors
/// A message naming the variable whose key is missing or unusable.
pub fn load_keys(settings: &Settings) -> anyhow::Result<KeyMaterial> {
    if let Some(alg) = settings.jwt_algorithm {
        let alg = algorithm(alg);
        let verify = if let Some(path) = &settings.jwt_public_key_file {
            let pem = read(path, "PEERBRO_JWT_PUBLIC_KEY_FILE")?;
            Verify::Single(decoding_from_pem(alg, &pem).with_context(|| {
                format!("PEERBRO_JWT_PUBLIC_KEY_FILE is not a PEM public key for {alg:?}")
            })?)
        } else if let Some(path) = &settings.jwt_jwks_file {
            let raw = read(path, "PEERBRO_JWT_JWKS_FILE")?;
            let set: JwkSet =
                serde_json::from_slice(&raw).context("PEERBRO_JWT_JWKS_FILE is not a JWK set")?;
            let mut keys = HashMap::new();
            for jwk in &set.keys {
                let kid = jwk
                    .common
                    .key_id
                    .clone()
                    .context("PEERBRO_JWT_JWKS_FILE: every key needs a kid")?;
                if let Some(key_alg) = jwk.common.key_algorithm
                    && format!("{key_alg:?}") != format!("{alg:?}")
                {
                    anyhow::bail!(
                        "PEERBRO_JWT_JWKS_FILE: key {kid} is for {key_alg:?}, not the configured {alg:?}"
                    );
                }
                let key = DecodingKey::from_jwk(jwk)
                    .with_context(|| format!("PEERBRO_JWT_JWKS_FILE: key {kid} is unusable"))?;
                keys.insert(kid, key);
            }
            Verify::ByKid(keys)
        } else {
            anyhow::bail!(
                "PEERBRO_JWT_ALGORITHM is set but neither PEERBRO_JWT_PUBLIC_KEY_FILE nor \
                 PEERBRO_JWT_JWKS_FILE is"
            );
        };
        let signing = match &settings.jwt_private_key_file {
            Some(path) => {
                let pem = read(path, "PEERBRO_JWT_PRIVATE_KEY_FILE")?;
                let key = encoding_from_pem(alg, &pem).with_context(|| {
                    format!("PEERBRO_JWT_PRIVATE_KEY_FILE is not a PEM private key for {alg:?}")
                })?;
                Some((key, settings.jwt_key_id.clone()))
            }
            None => None,
        };
        return Ok(KeyMaterial {
            algorithm: alg,
            verify,
            signing,
            dev_key_file: None,
        });
    }

    let dev_file = settings.jwt_dev_key_file.clone().or_else(|| {
        settings.sqlite_file().map(|db| {
            let mut name = db.into_os_string();
            name.push(".dev-key");
            PathBuf::from(name)
        })
    });
    let secret = match &dev_file {
        Some(path) => crate::secrets::load_or_create_key(path)?.to_vec(),
        None if settings.database_url.contains(":memory:") => random_secret().to_vec(),
        None => anyhow::bail!(
            "no JWT verification key is configured: set PEERBRO_JWT_ALGORITHM with \
             PEERBRO_JWT_PUBLIC_KEY_FILE or PEERBRO_JWT_JWKS_FILE (a development key is only \
             generated for a SQLite database, or with PEERBRO_JWT_DEV_KEY_FILE)"
        ),
    };
    Ok(KeyMaterial {
        algorithm: Algorithm::HS256,
        verify: Verify::Single(DecodingKey::from_secret(&secret)),
        signing: Some((EncodingKey::from_secret(&secret), None)),
        dev_key_file: dev_file,
    })
}

fn random_secret() -> [u8; 32] {
    crate::secrets::random_key()
}
