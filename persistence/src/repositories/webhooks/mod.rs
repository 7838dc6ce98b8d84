//! Webhook endpoints, the fan-out of outbox events into deliveries, and the delivery log.
//! Secrets are sealed with the tenant key; payloads hold ids, states and times only.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use peerbro_domain::ids::{WebhookDeliveryId, WebhookEndpointId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::webhooks::{
    DeliveryAttempt, DeliveryFilter, DeliveryStatus, EndpointChange, WebhookDelivery,
    WebhookEndpoint, WebhookRepository, WebhookSecret,
};
use peerbro_domain::{DomainResult, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _,
};

use crate::entities::webhooks::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::errors::unexpected;
use crate::repositories::keyset;

mod queue;
mod rows;

pub use self::rows::SeaWebhookRepository;
pub(crate) use self::rows::secret_aad;
use self::rows::*;

#[async_trait]
impl WebhookRepository for SeaWebhookRepository {
    async fn create(
        &self,
        ctx: &RequestContext,
        endpoint: &WebhookEndpoint,
        secret: &WebhookSecret,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let key = self.vault.tenant_key_to_seal(&tx, tenant).await?;
        let id = endpoint.id.as_uuid();
        let sealed = self
            .vault
            .seal(&key, &secret_aad(tenant, id), secret.expose())?;
        webhook_endpoints::Entity::insert(webhook_endpoints::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(id),
            url: Set(endpoint.url.clone()),
            description: Set(endpoint.description.clone()),
            event_types: Set(event_types_text(&endpoint.event_types)),
            enabled: Set(endpoint.enabled),
            secret_sealed: Set(sealed),
            previous_secret_sealed: Set(None),
            previous_secret_until: Set(None),
            secret_rotated_at: Set(None),
            created_by: Set(endpoint.created_by.map(|u| u.as_uuid())),
            created_at: Set(endpoint.created_at),
        })
        .exec_without_returning(&tx)
        .await
        .map_err(unexpected)?;
        tx.commit().await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookEndpoint>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::TenantId.eq(tenant.as_uuid()));
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, webhook_endpoints::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let items = rows
            .into_iter()
            .map(endpoint_from)
            .collect::<DomainResult<_>>()?;
        Ok(Page::from_probe(items, page).with_total(total))
    }

    async fn by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[WebhookEndpointId],
    ) -> DomainResult<Vec<WebhookEndpoint>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::TenantId.eq(tenant.as_uuid()))
            .filter(webhook_endpoints::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(endpoint_from).collect()
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
    ) -> DomainResult<WebhookEndpoint> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = Self::endpoint_row(&tx, tenant, id, false).await?;
        tx.commit().await?;
        endpoint_from(row)
    }

    async fn update(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        change: EndpointChange,
    ) -> DomainResult<WebhookEndpoint> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = Self::endpoint_row(&tx, tenant, id, true).await?;
        let mut endpoint = endpoint_from(row.clone())?;
        change(&mut endpoint)?;
        let mut model = row.into_active_model();
        model.url = Set(endpoint.url.clone());
        model.description = Set(endpoint.description.clone());
        model.event_types = Set(event_types_text(&endpoint.event_types));
        model.enabled = Set(endpoint.enabled);
        model.update(&tx).await.map_err(unexpected)?;
        tx.commit().await?;
        Ok(endpoint)
    }

    async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        id: WebhookEndpointId,
        secret: &WebhookSecret,
        at: DateTime<Utc>,
        previous_until: DateTime<Utc>,
    ) -> DomainResult<WebhookEndpoint> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = Self::endpoint_row(&tx, tenant, id, true).await?;
        let key = self.vault.tenant_key_to_seal(&tx, tenant).await?;
        let sealed = self
            .vault
            .seal(&key, &secret_aad(tenant, row.id), secret.expose())?;
        let previous = row.secret_sealed.clone();
        let mut model = row.into_active_model();
        model.previous_secret_sealed = Set(Some(previous));
        model.previous_secret_until = Set(Some(previous_until));
        model.secret_sealed = Set(sealed);
        model.secret_rotated_at = Set(Some(at));
        let row = model.update(&tx).await.map_err(unexpected)?;
        tx.commit().await?;
        endpoint_from(row)
    }

    async fn deliveries(
        &self,
        ctx: &RequestContext,
        filter: &DeliveryFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<WebhookDelivery>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(endpoint) = filter.endpoint_id {
            query = query.filter(webhook_deliveries::Column::EndpointId.eq(endpoint.as_uuid()));
        }
        if let Some(status) = filter.status {
            query = query.filter(webhook_deliveries::Column::Status.eq(status.as_str()));
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, webhook_deliveries::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let items = rows
            .into_iter()
            .map(delivery_from)
            .collect::<DomainResult<_>>()?;
        Ok(Page::from_probe(items, page).with_total(total))
    }

    async fn attempts(
        &self,
        ctx: &RequestContext,
        deliveries: &[WebhookDeliveryId],
    ) -> DomainResult<Vec<DeliveryAttempt>> {
        if deliveries.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = webhook_attempts::Entity::find()
            .filter(webhook_attempts::Column::TenantId.eq(tenant.as_uuid()))
            .filter(
                webhook_attempts::Column::DeliveryId.is_in(deliveries.iter().map(|d| d.as_uuid())),
            )
            .order_by_asc(webhook_attempts::Column::DeliveryId)
            .order_by_asc(webhook_attempts::Column::Number)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(attempt_from).collect()
    }

    async fn redeliver(
        &self,
        ctx: &RequestContext,
        id: WebhookDeliveryId,
        at: DateTime<Utc>,
    ) -> DomainResult<WebhookDelivery> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = Self::delivery_row(&tx, tenant, id).await?;
        let mut model = row.into_active_model();
        model.status = Set(DeliveryStatus::Pending.as_str().to_owned());
        model.next_attempt_at = Set(Some(at));
        let row = model.update(&tx).await.map_err(unexpected)?;
        tx.commit().await?;
        delivery_from(row)
    }
}
