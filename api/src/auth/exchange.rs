//! The token exchange (RFC 8693, ADR 0028): a token of one partnership, for a person proven to
//! be the identity provider's subject their membership is linked to, is exchanged for a token
//! of another partnership where the same person is an active member. The new token carries
//! that membership's id and the roles granted there, and never outlives the token it replaces.

use peerbro_domain::DomainError;
use peerbro_domain::tenancy::TenantSlug;

use super::{API_CLIENT_KID, AuthError, Authenticator};

/// The longest an exchanged token lives (it also never outlives the subject token).
pub const EXCHANGED_TOKEN_MAX_TTL_SECONDS: u64 = 3600;

/// Why an exchange was refused, in the terms of RFC 8693 §2.2.2.
#[derive(Debug)]
pub enum ExchangeError {
    /// The subject token is unusable (`invalid_request`).
    InvalidSubject(&'static str),
    /// No membership of the person in the audience (`invalid_target`): the same whether the
    /// tenant exists or not.
    NoMembership,
    /// This server cannot sign user tokens (`unsupported_grant_type`).
    CannotMint,
    /// The look-up failed (`temporarily_unavailable` when the database is down).
    Lookup(DomainError),
    /// Signing failed.
    Signing(anyhow::Error),
}

/// A token issued by the exchange.
#[derive(Debug)]
pub struct Exchanged {
    /// The new bearer token.
    pub access_token: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

impl Authenticator {
    /// Exchanges `subject_token` for a token of the tenant `audience` (see the module).
    ///
    /// # Errors
    /// See [`ExchangeError`].
    pub async fn exchange(
        &self,
        subject_token: &str,
        audience: &TenantSlug,
        request_id: &str,
    ) -> Result<Exchanged, ExchangeError> {
        if !self.can_mint() {
            return Err(ExchangeError::CannotMint);
        }
        let header = jsonwebtoken::decode_header(subject_token)
            .map_err(|_| ExchangeError::InvalidSubject("subject_token does not parse"))?;
        if header.kid.as_deref() == Some(API_CLIENT_KID) {
            return Err(ExchangeError::InvalidSubject(
                "an API client's token cannot be exchanged",
            ));
        }
        let claims = self
            .verify(subject_token)
            .map_err(|_| ExchangeError::InvalidSubject("subject_token is invalid or expired"))?;
        let expires_at = claims.exp;
        let verified = Self::user_of(claims)
            .map_err(|_| ExchangeError::InvalidSubject("subject_token is invalid or expired"))?;
        let ctx = self
            .resolve(verified, request_id)
            .await
            .map_err(|err| match err {
                AuthError::Invalid(_) => {
                    ExchangeError::InvalidSubject("subject_token is invalid or expired")
                }
                AuthError::Lookup(err) => ExchangeError::Lookup(err),
            })?;
        let (tenant, user) = match self.tenancy.membership_in(&ctx, audience).await {
            Ok(found) => found,
            Err(DomainError::NotFound { .. }) => return Err(ExchangeError::NoMembership),
            Err(err) => return Err(ExchangeError::Lookup(err)),
        };
        let left = expires_at
            .saturating_sub(chrono::Utc::now().timestamp())
            .max(0);
        let ttl = u64::try_from(left)
            .unwrap_or(0)
            .min(EXCHANGED_TOKEN_MAX_TTL_SECONDS);
        if ttl == 0 {
            return Err(ExchangeError::InvalidSubject(
                "subject_token is invalid or expired",
            ));
        }
        let identity = user.idp_subject.as_ref().map(|s| s.as_str());
        let access_token = self
            .mint(tenant.id, user.id, None, identity, ttl)
            .map_err(ExchangeError::Signing)?;
        tracing::info!(
            from = %ctx.tenant_id().map(|t| t.to_string()).unwrap_or_default(),
            to = %tenant.id,
            "token exchanged for another partnership"
        );
        Ok(Exchanged {
            access_token,
            expires_in: ttl,
        })
    }
}
