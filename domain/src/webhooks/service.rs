//! Webhook use cases: tenant admins register endpoints and read the delivery log; the
//! dispatcher (run by the server's background worker) fans outbox events out to endpoints and
//! delivers them.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::Duration;

use crate::authz::{TenancyAction, authorize, require_actor};
use crate::clock::Clock;
use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::{WebhookDeliveryId, WebhookEndpointId};
use crate::page::{Page, PageRequest};
use crate::webhooks::model::{
    DeliveryAttempt, EventType, PREVIOUS_SECRET_GRACE_HOURS, WebhookDelivery, WebhookEndpoint,
    WebhookSecret, validate_endpoint_fields, validate_url_length,
};
use crate::webhooks::ports::{DeliveryFilter, SecretSource, UrlGuard, WebhookRepository};

/// An endpoint as an admin registers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEndpoint {
    /// Where to POST.
    pub url: String,
    /// A note for the admins.
    pub description: Option<String>,
    /// What it receives.
    pub event_types: BTreeSet<EventType>,
}

/// Changes to an endpoint; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointUpdate {
    /// A new URL (checked like a new one).
    pub url: Option<String>,
    /// A new description (`Some(None)` clears it).
    pub description: Option<Option<String>>,
    /// New event types.
    pub event_types: Option<BTreeSet<EventType>>,
    /// Enable or disable.
    pub enabled: Option<bool>,
}

fn normalise(description: Option<String>) -> Option<String> {
    description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
}

/// The admin use cases.
#[derive(Clone)]
pub struct WebhookService {
    repo: Arc<dyn WebhookRepository>,
    guard: Arc<dyn UrlGuard>,
    secrets: SecretSource,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").finish_non_exhaustive()
    }
}

impl WebhookService {
    /// Wires the service.
    #[must_use]
    pub fn new(
        repo: Arc<dyn WebhookRepository>,
        guard: Arc<dyn UrlGuard>,
        secrets: SecretSource,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            repo,
            guard,
            secrets,
            clock,
        }
    }

    /// Registers an endpoint; the secret is returned this once.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `Validation` for a bad or refused URL, a long
    /// description or no event types.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn create(
        &self,
        ctx: &RequestContext,
        new: NewEndpoint,
    ) -> DomainResult<(WebhookEndpoint, WebhookSecret)> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        let url = new.url.trim().to_owned();
        let description = normalise(new.description);
        validate_endpoint_fields(&url, description.as_deref(), &new.event_types)?;
        self.guard.check(&url).await?;
        let endpoint = WebhookEndpoint {
            id: WebhookEndpointId::new(),
            url,
            description,
            event_types: new.event_types,
            enabled: true,
            created_by: ctx.actor().map(crate::context::Actor::user_id),
            created_at: self.clock.now(),
            secret_rotated_at: None,
        };
        let secret = (self.secrets)();
        self.repo.create(ctx, &endpoint, &secret).await?;
        Ok((endpoint, secret))
    }

    /// A page of the tenant's endpoints.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookEndpoint>> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.list(ctx, page).await
    }

    /// The endpoints among `ids`, in one read: what a page of deliveries links
    /// to.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[WebhookEndpointId],
    ) -> DomainResult<Vec<WebhookEndpoint>> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.by_ids(ctx, ids).await
    }

    /// One endpoint.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    pub async fn get(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
    ) -> DomainResult<WebhookEndpoint> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.get(ctx, id).await
    }

    /// Changes an endpoint.
    ///
    /// # Errors
    /// As for [`Self::create`]; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn update(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        update: EndpointUpdate,
    ) -> DomainResult<WebhookEndpoint> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        let url = update.url.map(|u| u.trim().to_owned());
        if let Some(url) = &url {
            // Checked before the lock: a DNS look-up must not hold a row lock.
            validate_url_length(url)?;
            self.guard.check(url).await?;
        }
        let EndpointUpdate {
            description,
            event_types,
            enabled,
            ..
        } = update;
        self.repo
            .update(
                ctx,
                id,
                Box::new(move |endpoint| {
                    if let Some(url) = url {
                        endpoint.url = url;
                    }
                    if let Some(description) = description {
                        endpoint.description = normalise(description);
                    }
                    if let Some(types) = event_types {
                        endpoint.event_types = types;
                    }
                    if let Some(enabled) = enabled {
                        endpoint.enabled = enabled;
                    }
                    validate_endpoint_fields(
                        &endpoint.url,
                        endpoint.description.as_deref(),
                        &endpoint.event_types,
                    )
                }),
            )
            .await
    }

    /// Replaces an endpoint's secret, returned this once; the old one keeps signing beside it
    /// for [`PREVIOUS_SECRET_GRACE_HOURS`].
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
    ) -> DomainResult<(WebhookEndpoint, WebhookSecret)> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        let secret = (self.secrets)();
        let now = self.clock.now();
        let endpoint = self
            .repo
            .rotate_secret(
                ctx,
                id,
                &secret,
                now,
                now + Duration::hours(PREVIOUS_SECRET_GRACE_HOURS),
            )
            .await?;
        Ok((endpoint, secret))
    }

    /// A page of the delivery log, newest first.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn deliveries(
        &self,
        ctx: &RequestContext,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookDelivery>> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.deliveries(ctx, filter, page).await
    }

    /// The attempts of several deliveries (for a batched loader).
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin.
    pub async fn attempts(
        &self,
        ctx: &RequestContext,
        deliveries: &[WebhookDeliveryId],
    ) -> DomainResult<Vec<DeliveryAttempt>> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        self.repo.attempts(ctx, deliveries).await
    }

    /// Sends a delivery again, now, under its original `webhook-id`.
    ///
    /// # Errors
    /// `Forbidden` unless a tenant admin; `NotFound`.
    #[tracing::instrument(skip_all, fields(request_id = ctx.request_id()))]
    pub async fn redeliver(
        &self,
        ctx: &RequestContext,
        id: WebhookDeliveryId,
    ) -> DomainResult<WebhookDelivery> {
        authorize(ctx, TenancyAction::ManageWebhooks)?;
        require_actor(ctx)?;
        self.repo.redeliver(ctx, id, self.clock.now()).await
    }
}
