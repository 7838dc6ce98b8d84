//! JWT authentication: verifies a bearer token with the algorithm pinned by configuration
//! (never the one in the token's header) and `exp`, `nbf`, `iss`, `aud`, then resolves the
//! subject's membership of the token's tenant into a request context. No token means an
//! anonymous context; a bad token, or a subject who is not a member, is refused.

mod clients;
pub mod exchange;
mod keys;

use std::collections::BTreeSet;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use peerbro_domain::ids::{ApiClientId, TenantId, UserId};
use peerbro_domain::tenancy::{ApiClientService, TenancyService};
use peerbro_domain::{DomainError, RequestContext, Role};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use clients::{api_client_token_key, hash_client_secret, new_client_secret};
pub use keys::{KeyMaterial, load_keys};

/// The claims peerbro reads and writes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id in the tenant.
    pub sub: String,
    /// The tenant's id.
    pub tenant: String,
    /// Roles; when present, they narrow the roles granted in the tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<String>>,
    /// The identity provider's subject of the person (ADR 0028): proves them to be the
    /// person their membership is linked to, which lists and opens their other memberships.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp_sub: Option<String>,
    /// Issuer.
    pub iss: String,
    /// Audience: one, or several of which one must be ours (identity providers send either).
    pub aud: Audience,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Not before.
    pub nbf: i64,
    /// Issued at.
    pub iat: i64,
}

/// The `aud` claim, a string or an array of strings.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// One audience.
    One(String),
    /// Several.
    Many(Vec<String>),
}

/// Why a request was refused authentication. The reason goes to the log at debug level only;
/// clients get one generic message so that the refusal reveals nothing.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The `Authorization` header or token is malformed, badly signed, expired or for someone
    /// who is not a member of the tenant.
    #[error("invalid or expired token")]
    Invalid(&'static str),
    /// The look-up of the caller failed (the database is unavailable, or worse).
    #[error(transparent)]
    Lookup(DomainError),
}

/// Who a verified token names, before anything is looked up in the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verified {
    /// A user of a tenant, with the roles the token narrows them to.
    User {
        /// The tenant.
        tenant: TenantId,
        /// The user.
        user: UserId,
        /// Roles named in the token.
        roles: Option<BTreeSet<Role>>,
        /// The identity provider's subject the token names the person by.
        identity: Option<String>,
    },
    /// A partner API client.
    Client {
        /// The tenant.
        tenant: TenantId,
        /// The client.
        client: ApiClientId,
    },
}

/// The `kid` of tokens issued to partner API clients by the token endpoint.
pub const API_CLIENT_KID: &str = "peerbro-api-client";

/// Tokens for partner API clients: HS256 under a key derived from the master key, told apart
/// from identity-provider tokens by their `kid` and verified only with this key and algorithm.
struct ClientTokens {
    service: ApiClientService,
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

/// Verifies tokens and mints them for development.
pub struct Authenticator {
    keys: KeyMaterial,
    validation: Validation,
    issuer: String,
    audience: String,
    tenancy: TenancyService,
    clients: Option<ClientTokens>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithm", &self.keys.algorithm())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator over `keys`.
    #[must_use]
    pub fn new(
        keys: KeyMaterial,
        issuer: &str,
        audience: &str,
        leeway_seconds: u64,
        tenancy: TenancyService,
    ) -> Self {
        let mut validation = Validation::new(keys.algorithm());
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = leeway_seconds;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        Self {
            keys,
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            tenancy,
            clients: None,
        }
    }

    /// Accepts (and can issue) tokens for partner API clients, signed with `key`.
    #[must_use]
    pub fn with_api_clients(mut self, service: ApiClientService, key: &[u8; 32]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = self.validation.leeway;
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        self.clients = Some(ClientTokens {
            service,
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            validation,
        });
        self
    }

    /// The API client use cases, when enabled.
    #[must_use]
    pub fn api_clients(&self) -> Option<&ApiClientService> {
        self.clients.as_ref().map(|c| &c.service)
    }

    /// Issues a token for an API client (the token endpoint).
    ///
    /// # Errors
    /// When API clients are not enabled, or signing fails.
    pub fn mint_for_client(
        &self,
        tenant: TenantId,
        client: ApiClientId,
        ttl_seconds: u64,
    ) -> anyhow::Result<String> {
        let clients = self
            .clients
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("API clients are not enabled"))?;
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl_seconds).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: client.to_string(),
            tenant: tenant.to_string(),
            roles: None,
            idp_sub: None,
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            exp: now.saturating_add(ttl),
            nbf: now,
            iat: now,
        };
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(API_CLIENT_KID.to_owned());
        Ok(jsonwebtoken::encode(&header, &claims, &clients.encoding)?)
    }

    fn verify_client(clients: &ClientTokens, token: &str) -> Result<Verified, AuthError> {
        let claims = jsonwebtoken::decode::<Claims>(token, &clients.decoding, &clients.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(reason = ?err.kind(), "client token refused");
                AuthError::Invalid("token does not verify")
            })?;
        let tenant = Uuid::parse_str(&claims.tenant)
            .map(TenantId::from_uuid)
            .map_err(|_| AuthError::Invalid("tenant claim is not a UUID"))?;
        let client = Uuid::parse_str(&claims.sub)
            .map(ApiClientId::from_uuid)
            .map_err(|_| AuthError::Invalid("subject claim is not a UUID"))?;
        Ok(Verified::Client { tenant, client })
    }

    /// Builds the request context from an `Authorization` header value (or its absence).
    ///
    /// # Errors
    /// `Invalid` for any unusable token; `Lookup` when the membership look-up fails.
    pub async fn context(
        &self,
        authorization: Option<&str>,
        request_id: &str,
    ) -> Result<RequestContext, AuthError> {
        let Some(value) = authorization else {
            return Ok(RequestContext::anonymous(request_id));
        };
        let verified = self.verify_header(value)?;
        self.resolve(verified, request_id).await
    }

    /// Checks an `Authorization` header value: a bearer token with a good signature, issuer,
    /// audience and times. Only CPU work: nothing is looked up.
    ///
    /// # Errors
    /// `Invalid` for any unusable token.
    pub fn verify_header(&self, value: &str) -> Result<Verified, AuthError> {
        let token = value
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::Invalid(
                "authorization header is not a bearer token",
            ))?;
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("token header does not parse"))?;
        if header.kid.as_deref() == Some(API_CLIENT_KID) {
            let clients = self
                .clients
                .as_ref()
                .ok_or(AuthError::Invalid("API client tokens are not accepted"))?;
            return Self::verify_client(clients, token);
        }
        Self::user_of(self.verify(token)?)
    }

    /// Who the verified claims of a user's token name.
    fn user_of(claims: Claims) -> Result<Verified, AuthError> {
        let tenant = Uuid::parse_str(&claims.tenant)
            .map(TenantId::from_uuid)
            .map_err(|_| AuthError::Invalid("tenant claim is not a UUID"))?;
        let subject = Uuid::parse_str(&claims.sub)
            .map(UserId::from_uuid)
            .map_err(|_| AuthError::Invalid("subject claim is not a UUID"))?;
        let roles: Option<BTreeSet<Role>> = claims
            .roles
            .as_ref()
            .map(|rs| rs.iter().filter_map(|r| r.parse().ok()).collect());
        Ok(Verified::User {
            tenant,
            user: subject,
            roles,
            identity: claims.idp_sub,
        })
    }

    /// Looks up the caller a verified token names: a member of its tenant, or an active API
    /// client.
    ///
    /// # Errors
    /// `Invalid` when they are not (any more); `Lookup` when the look-up fails.
    pub async fn resolve(
        &self,
        verified: Verified,
        request_id: &str,
    ) -> Result<RequestContext, AuthError> {
        let found = match verified {
            Verified::User {
                tenant,
                user,
                roles,
                identity,
            } => {
                self.tenancy
                    .authenticate(
                        tenant,
                        user,
                        roles.as_ref(),
                        identity.as_deref(),
                        request_id,
                    )
                    .await
            }
            Verified::Client { tenant, client } => match &self.clients {
                Some(clients) => {
                    clients
                        .service
                        .authenticate(tenant, client, request_id)
                        .await
                }
                None => Err(DomainError::Unauthenticated),
            },
        };
        match found {
            Ok(ctx) => Ok(ctx),
            Err(DomainError::Unauthenticated) => Err(AuthError::Invalid(
                "the subject is not a member of the tenant, or the client is revoked",
            )),
            Err(other) => Err(AuthError::Lookup(other)),
        }
    }

    fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| AuthError::Invalid("token header does not parse"))?;
        let key = self
            .keys
            .decoding_key(header.kid.as_deref())
            .ok_or(AuthError::Invalid("no key for the token's kid"))?;
        jsonwebtoken::decode::<Claims>(token, key, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| {
                tracing::debug!(reason = ?err.kind(), "token refused");
                AuthError::Invalid("token does not verify")
            })
    }

    /// Whether tokens can be minted (a development key or a configured private key).
    #[must_use]
    pub fn can_mint(&self) -> bool {
        self.keys.encoding_key().is_some()
    }

    /// Mints a token for `user` in `tenant`, valid for `ttl_seconds`, naming the person by
    /// `identity` (the identity provider's subject their membership is linked to) if given.
    ///
    /// # Errors
    /// When no signing key is configured, or signing fails.
    pub fn mint(
        &self,
        tenant: TenantId,
        user: UserId,
        roles: Option<&BTreeSet<Role>>,
        identity: Option<&str>,
        ttl_seconds: u64,
    ) -> anyhow::Result<String> {
        let key = self.keys.encoding_key().ok_or_else(|| {
            anyhow::anyhow!(
                "no signing key is configured: set PEERBRO_JWT_PRIVATE_KEY_FILE, or use the \
                 development key of the embedded SQLite default"
            )
        })?;
        let now = chrono::Utc::now().timestamp();
        let ttl = i64::try_from(ttl_seconds).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            sub: user.to_string(),
            tenant: tenant.to_string(),
            roles: roles.map(|rs| rs.iter().map(|r| r.as_str().to_owned()).collect()),
            idp_sub: identity.map(str::to_owned),
            iss: self.issuer.clone(),
            aud: Audience::One(self.audience.clone()),
            exp: now.saturating_add(ttl),
            nbf: now,
            iat: now,
        };
        let mut header = Header::new(self.keys.algorithm());
        header.kid = self.keys.signing_kid().map(str::to_owned);
        Ok(jsonwebtoken::encode(&header, &claims, key)?)
    }
}
