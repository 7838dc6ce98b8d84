//! Partner API clients: a tenant admin registers a client for one organisation; the partner's
//! system exchanges its client id and secret for a short-lived token (OAuth 2.0 client
//! credentials) and then acts as a referrer of that organisation.
//!
//! Each client has a service user (no roles, e-mail `<id>@api-clients.invalid`) so that what
//! it submits has a referrer like any other; its rights come from the client record, not from
//! memberships, so no identity-provider token for that user can borrow them.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::authz::{TenancyAction, authorize};
use crate::context::{Actor, RequestContext, Role};
use crate::error::{Conflict, DomainError, DomainResult};
use crate::ids::{ApiClientId, OrganisationId, TenantId, UserId};
use crate::page::{Page, PageRequest};
use crate::tenancy::model::{DisplayName, Email, User};
use crate::tenancy::ports::OrganisationRepository;

/// How long a rotated-out secret still works, so that the partner can deploy the new one.
pub const PREVIOUS_CLIENT_SECRET_GRACE_HOURS: i64 = 24;
/// The longest client name.
pub const MAX_CLIENT_NAME_CHARS: usize = 100;

/// A registered API client (never with its secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiClient {
    /// Id.
    pub id: ApiClientId,
    /// The service user it acts as.
    pub user_id: UserId,
    /// The organisation it refers for.
    pub organisation_id: OrganisationId,
    /// A name for the admins, e.g. the partner system's.
    pub name: String,
    /// Registered.
    pub created_at: DateTime<Utc>,
    /// By whom.
    pub created_by: Option<UserId>,
    /// When the secret was last rotated.
    pub secret_rotated_at: Option<DateTime<Utc>>,
    /// When it was revoked; a revoked client gets no tokens and its tokens stop working.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiClient {
    /// The public client id the partner sends: names the tenant and the client.
    #[must_use]
    pub fn client_id(&self, tenant: TenantId) -> String {
        client_id(tenant, self.id)
    }
}

/// `pbc_<tenant>_<client>` (UUIDs without dashes).
#[must_use]
pub fn client_id(tenant: TenantId, id: ApiClientId) -> String {
    format!(
        "pbc_{}_{}",
        tenant.as_uuid().simple(),
        id.as_uuid().simple()
    )
}

/// The tenant and client named by a client id.
#[must_use]
pub fn parse_client_id(raw: &str) -> Option<(TenantId, ApiClientId)> {
    let rest = raw.strip_prefix("pbc_")?;
    let (tenant, client) = rest.split_once('_')?;
    Some((
        TenantId::from_uuid(Uuid::try_parse(tenant).ok()?),
        ApiClientId::from_uuid(Uuid::try_parse(client).ok()?),
    ))
}

/// What is stored to check a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCredentials {
    /// The client.
    pub client: ApiClient,
    /// The hash of the current secret.
    pub secret_hash: String,
    /// The hash of the rotated-out secret, and until when it works.
    pub previous: Option<(String, DateTime<Utc>)>,
}

/// API clients of the context's tenant.
#[async_trait]
pub trait ApiClientRepository: Send + Sync {
    /// Stores the client and its service user, in one transaction.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn create(
        &self,
        ctx: &RequestContext,
        client: &ApiClient,
        service_user: &User,
        secret_hash: &str,
    ) -> DomainResult<()>;

    /// A page of clients, ascending by id.
    ///
    /// # Errors
    /// `Unknown` on storage failure.
    async fn list(&self, ctx: &RequestContext, page: &PageRequest)
    -> DomainResult<Page<ApiClient>>;

    /// One client with what checks its secret.
    ///
    /// # Errors
    /// `NotFound`.
    async fn get(&self, ctx: &RequestContext, id: ApiClientId) -> DomainResult<StoredCredentials>;

    /// Replaces the secret's hash; the old one works until `previous_until`.
    ///
    /// # Errors
    /// `NotFound`.
    async fn rotate(
        &self,
        ctx: &RequestContext,
        id: ApiClientId,
        secret_hash: &str,
        at: DateTime<Utc>,
        previous_until: DateTime<Utc>,
    ) -> DomainResult<ApiClient>;

    /// Marks the client revoked (and forgets both secrets).
    ///
    /// # Errors
    /// `NotFound`.
    async fn revoke(
        &self,
        ctx: &RequestContext,
        id: ApiClientId,
        at: DateTime<Utc>,
    ) -> DomainResult<ApiClient>;
}

/// Makes a new random secret.
pub type ClientSecretSource = Arc<dyn Fn() -> String + Send + Sync>;
/// Hashes a secret for storage and comparison (the secrets are random, so a fast hash is
/// enough).
pub type SecretHash = Arc<dyn Fn(&str) -> String + Send + Sync>;

/// Constant-time equality of two hashes.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The API client use cases.
#[derive(Clone)]
pub struct ApiClientService {
    repo: Arc<dyn ApiClientRepository>,
    organisations: Arc<dyn OrganisationRepository>,
    secrets: ClientSecretSource,
    hash: SecretHash,
}

impl std::fmt::Debug for ApiClientService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClientService").finish_non_exhaustive()
    }
}

impl ApiClientService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        repo: Arc<dyn ApiClientRepository>,
        organisations: Arc<dyn OrganisationRepository>,
        secrets: ClientSecretSource,
        hash: SecretHash,
    ) -> Self {
        Self {
            repo,
            organisations,
            secrets,
            hash,
        }
    }

    /// Registers a client for `organisation`; the secret is returned this once.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound` for an organisation not in the tenant;
    /// `Validation` for a bad name.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn register(
        &self,
        ctx: &RequestContext,
        organisation: OrganisationId,
        name: &str,
    ) -> DomainResult<(ApiClient, String)> {
        authorize(ctx, TenancyAction::ManageApiClients)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_CLIENT_NAME_CHARS {
            return Err(DomainError::validation(
                "name",
                format!("must be 1 to {MAX_CLIENT_NAME_CHARS} characters"),
            ));
        }
        self.organisations.get(ctx, organisation).await?;
        let id = ApiClientId::new();
        let now = Utc::now();
        let user = User {
            id: UserId::new(),
            email: Email::parse(&format!("{}@api-clients.invalid", id.as_uuid().simple()))?,
            display_name: DisplayName::parse(name)?,
            organisation_id: Some(organisation),
            roles: BTreeSet::new(),
            created_at: now,
            deactivated_at: None,
            idp_subject: None,
        };
        let client = ApiClient {
            id,
            user_id: user.id,
            organisation_id: organisation,
            name: name.to_owned(),
            created_at: now,
            created_by: ctx.actor().map(Actor::user_id),
            secret_rotated_at: None,
            revoked_at: None,
        };
        let secret = (self.secrets)();
        self.repo
            .create(ctx, &client, &user, &(self.hash)(&secret))
            .await?;
        Ok((client, secret))
    }

    /// A page of the tenant's clients.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<ApiClient>> {
        authorize(ctx, TenancyAction::ManageApiClients)?;
        self.repo.list(ctx, page).await
    }

    /// One client.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    pub async fn get(&self, ctx: &RequestContext, id: ApiClientId) -> DomainResult<ApiClient> {
        authorize(ctx, TenancyAction::ManageApiClients)?;
        Ok(self.repo.get(ctx, id).await?.client)
    }

    /// Replaces the secret (returned this once); the old one keeps working for
    /// [`PREVIOUS_CLIENT_SECRET_GRACE_HOURS`].
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`; `Conflict` for a revoked client.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        id: ApiClientId,
    ) -> DomainResult<(ApiClient, String)> {
        authorize(ctx, TenancyAction::ManageApiClients)?;
        if self.repo.get(ctx, id).await?.client.revoked_at.is_some() {
            return Err(DomainError::Conflict(Conflict::ApiClientRevoked));
        }
        let secret = (self.secrets)();
        let now = Utc::now();
        let client = self
            .repo
            .rotate(
                ctx,
                id,
                &(self.hash)(&secret),
                now,
                now + Duration::hours(PREVIOUS_CLIENT_SECRET_GRACE_HOURS),
            )
            .await?;
        Ok((client, secret))
    }

    /// Revokes a client: no new tokens, and its tokens stop working at once.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn revoke(&self, ctx: &RequestContext, id: ApiClientId) -> DomainResult<ApiClient> {
        authorize(ctx, TenancyAction::ManageApiClients)?;
        self.repo.revoke(ctx, id, Utc::now()).await
    }

    /// A client that exists and is not revoked, or `Unauthenticated`.
    async fn active(&self, tenant: TenantId, id: ApiClientId) -> DomainResult<StoredCredentials> {
        match self.repo.get(&RequestContext::system(tenant), id).await {
            Ok(stored) if stored.client.revoked_at.is_none() => Ok(stored),
            Ok(_) | Err(DomainError::NotFound { .. }) => Err(DomainError::Unauthenticated),
            Err(other) => Err(other),
        }
    }

    /// Checks a client id and secret (the token endpoint). Every failure is the same
    /// `Unauthenticated`, so that the answer tells nothing about which part was wrong.
    ///
    /// # Errors
    /// `Unauthenticated`; `Unknown` on storage failure.
    pub async fn exchange(
        &self,
        client_id: &str,
        secret: &str,
    ) -> DomainResult<(TenantId, ApiClient)> {
        let (tenant, id) = parse_client_id(client_id).ok_or(DomainError::Unauthenticated)?;
        let stored = self.active(tenant, id).await?;
        let presented = (self.hash)(secret);
        let now = Utc::now();
        let current = same(&presented, &stored.secret_hash);
        let previous = stored
            .previous
            .as_ref()
            .is_some_and(|(hash, until)| *until > now && same(&presented, hash));
        if current || previous {
            Ok((tenant, stored.client))
        } else {
            Err(DomainError::Unauthenticated)
        }
    }

    /// The request context of a client's token: a referrer of its organisation.
    ///
    /// # Errors
    /// `Unauthenticated` for an unknown or revoked client.
    pub async fn authenticate(
        &self,
        tenant: TenantId,
        id: ApiClientId,
        request_id: &str,
    ) -> DomainResult<RequestContext> {
        let stored = self.active(tenant, id).await?;
        Ok(RequestContext::user(
            tenant,
            Actor::new(
                stored.client.user_id,
                BTreeSet::from([Role::Referrer]),
                Some(stored.client.organisation_id),
            ),
            request_id,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_round_trip_and_junk_is_refused() {
        let (tenant, id) = (TenantId::new(), ApiClientId::new());
        assert_eq!(parse_client_id(&client_id(tenant, id)), Some((tenant, id)));
        for junk in [
            "",
            "pbc_",
            "pbc_x_y",
            "abc_1_2",
            &client_id(tenant, id)[1..],
        ] {
            assert_eq!(parse_client_id(junk), None, "{junk}");
        }
    }

    #[test]
    fn hashes_compare_in_full() {
        assert!(same("abcd", "abcd"));
        assert!(!same("abcd", "abce"));
        assert!(!same("abcd", "abc"));
    }
}
