//! The delivery queue the dispatcher works through: fan-out of outbox events, claims of due
//! deliveries (each attempt logged as it starts), results, pruning.

use std::collections::{BTreeSet, HashMap};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use peerbro_domain::DomainResult;
use peerbro_domain::ids::TenantId;
use peerbro_domain::webhooks::{
    AttemptResult, DeliveryQueue, DeliveryStatus, DueDelivery, EventType, INTERRUPTED, OutboxEvent,
    WebhookSecret,
};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _, QuerySelect as _,
};
use serde_json::json;
use uuid::Uuid;

use crate::entities::outbox;
use crate::entities::webhooks::{webhook_attempts, webhook_deliveries, webhook_endpoints};
use crate::errors::unexpected;
use crate::repositories::rows::claim;

use super::rows::*;

#[async_trait]
impl DeliveryQueue for SeaWebhookRepository {
    async fn fan_out(
        &self,
        tenant: TenantId,
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<OutboxEvent>> {
        let tx = self.db.begin(tenant).await?;
        let query = outbox::Entity::find()
            .filter(outbox::Column::TenantId.eq(tenant.as_uuid()))
            .filter(outbox::Column::DispatchedAt.is_null())
            .order_by_asc(outbox::Column::Id)
            .limit(u64::from(limit));
        let rows = claim(&tx, query).all(&tx).await.map_err(unexpected)?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let endpoints = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::TenantId.eq(tenant.as_uuid()))
            .filter(webhook_endpoints::Column::Enabled.eq(true))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(endpoint_from)
            .collect::<DomainResult<Vec<_>>>()?;
        let mut events = Vec::with_capacity(rows.len());
        let mut deliveries = Vec::new();
        for row in &rows {
            let Ok(event_type) = row.event_type.parse::<EventType>() else {
                tracing::warn!(event = %row.id, "outbox event of an unknown type skipped");
                continue;
            };
            // A row that cannot be read must not block every event behind it: it is marked
            // dispatched with the rest and reported.
            let Ok(data) = serde_json::from_str::<serde_json::Value>(&row.payload) else {
                tracing::error!(event = %row.id, "outbox event with an unreadable payload skipped");
                continue;
            };
            // The Standard Webhooks payload shape: type, timestamp, data.
            let body = json!({
                "type": event_type.as_str(),
                "timestamp": peerbro_domain::clock::wire_instant(row.created_at),
                "data": data,
            })
            .to_string();
            deliveries.extend(
                endpoints
                    .iter()
                    .filter(|e| e.event_types.contains(&event_type))
                    .map(|endpoint| webhook_deliveries::ActiveModel {
                        tenant_id: Set(tenant.as_uuid()),
                        id: Set(Uuid::now_v7()),
                        endpoint_id: Set(endpoint.id.as_uuid()),
                        event_id: Set(row.id),
                        event_type: Set(event_type.as_str().to_owned()),
                        payload: Set(body.clone()),
                        status: Set(DeliveryStatus::Pending.as_str().to_owned()),
                        attempts: Set(0),
                        next_attempt_at: Set(Some(now)),
                        last_status_code: Set(None),
                        last_error: Set(None),
                        delivered_at: Set(None),
                        created_at: Set(now),
                    }),
            );
            events.push(OutboxEvent {
                id: row.id,
                tenant_id: tenant,
                event_type,
                data,
                created_at: row.created_at,
            });
        }
        // 13 columns a row: 500 rows stay far below every backend's bound-parameter limit.
        for chunk in deliveries.chunks(500) {
            webhook_deliveries::Entity::insert_many(chunk.iter().cloned())
                .exec_without_returning(&tx)
                .await
                .map_err(unexpected)?;
        }
        outbox::Entity::update_many()
            .col_expr(
                outbox::Column::DispatchedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(outbox::Column::TenantId.eq(tenant.as_uuid()))
            .filter(outbox::Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(events)
    }

    async fn claim_due(
        &self,
        tenant: TenantId,
        now: DateTime<Utc>,
        lease: Duration,
        limit: u32,
    ) -> DomainResult<Vec<DueDelivery>> {
        let tx = self.db.begin(tenant).await?;
        let query = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::TenantId.eq(tenant.as_uuid()))
            .filter(webhook_deliveries::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_deliveries::Column::NextAttemptAt.lte(now))
            .order_by_asc(webhook_deliveries::Column::NextAttemptAt)
            .limit(u64::from(limit));
        let rows = claim(&tx, query).all(&tx).await.map_err(unexpected)?;
        if rows.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let endpoint_ids: BTreeSet<Uuid> = rows.iter().map(|r| r.endpoint_id).collect();
        let endpoints: HashMap<Uuid, webhook_endpoints::Model> = webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::TenantId.eq(tenant.as_uuid()))
            .filter(webhook_endpoints::Column::Id.is_in(endpoint_ids))
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let key = self.vault.tenant_key(&tx, tenant).await?;
        let mut due = Vec::with_capacity(rows.len());
        // Claimed, or waiting for a disabled endpoint: either way not due again for a lease.
        webhook_deliveries::Entity::update_many()
            .col_expr(
                webhook_deliveries::Column::NextAttemptAt,
                sea_orm::sea_query::Expr::value(now + lease),
            )
            .filter(webhook_deliveries::Column::TenantId.eq(tenant.as_uuid()))
            .filter(webhook_deliveries::Column::Id.is_in(rows.iter().map(|r| r.id)))
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        // Each attempt is logged as it starts, in the claim's transaction: one that is in flight
        // when the process dies stays in the log (and is marked interrupted at the next claim)
        // instead of vanishing.
        let starting: Vec<&webhook_deliveries::Model> = rows
            .iter()
            .filter(|r| endpoints.get(&r.endpoint_id).is_some_and(|e| e.enabled))
            .collect();
        if !starting.is_empty() {
            let ids = || starting.iter().map(|r| r.id);
            webhook_attempts::Entity::update_many()
                .col_expr(
                    webhook_attempts::Column::FinishedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .col_expr(
                    webhook_attempts::Column::Error,
                    sea_orm::sea_query::Expr::value(INTERRUPTED),
                )
                .filter(webhook_attempts::Column::TenantId.eq(tenant.as_uuid()))
                .filter(webhook_attempts::Column::DeliveryId.is_in(ids()))
                .filter(webhook_attempts::Column::FinishedAt.is_null())
                .exec(&tx)
                .await
                .map_err(unexpected)?;
            webhook_attempts::Entity::insert_many(starting.iter().map(|r| {
                webhook_attempts::ActiveModel {
                    tenant_id: Set(tenant.as_uuid()),
                    delivery_id: Set(r.id),
                    number: Set(r.attempts.saturating_add(1)),
                    at: Set(now),
                    status_code: Set(None),
                    error: Set(None),
                    duration_ms: Set(0),
                    finished_at: Set(None),
                }
            }))
            .exec_without_returning(&tx)
            .await
            .map_err(unexpected)?;
            webhook_deliveries::Entity::update_many()
                .col_expr(
                    webhook_deliveries::Column::Attempts,
                    sea_orm::sea_query::ExprTrait::add(
                        sea_orm::sea_query::Expr::col(webhook_deliveries::Column::Attempts),
                        1,
                    ),
                )
                .filter(webhook_deliveries::Column::TenantId.eq(tenant.as_uuid()))
                .filter(webhook_deliveries::Column::Id.is_in(ids()))
                .exec(&tx)
                .await
                .map_err(unexpected)?;
        }
        for row in rows {
            let Some(endpoint) = endpoints.get(&row.endpoint_id).filter(|e| e.enabled) else {
                continue;
            };
            let aad = secret_aad(tenant, endpoint.id);
            let mut secrets = vec![WebhookSecret::new(self.vault.open(
                &key,
                &aad,
                &endpoint.secret_sealed,
            )?)];
            if let (Some(previous), Some(until)) = (
                &endpoint.previous_secret_sealed,
                endpoint.previous_secret_until,
            ) && until > now
            {
                secrets.push(WebhookSecret::new(self.vault.open(&key, &aad, previous)?));
            }
            due.push(DueDelivery {
                url: endpoint.url.clone(),
                delivery: delivery_from(row)?,
                secrets,
            });
        }
        tx.commit().await?;
        Ok(due)
    }

    async fn prune(&self, tenant: TenantId, before: DateTime<Utc>) -> DomainResult<(u64, u64)> {
        const BATCH: u64 = 1000;
        let tx = self.db.begin(tenant).await?;
        let finished: Vec<Uuid> = webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::TenantId.eq(tenant.as_uuid()))
            .filter(webhook_deliveries::Column::Status.is_in([
                DeliveryStatus::Delivered.as_str(),
                DeliveryStatus::Failed.as_str(),
            ]))
            .filter(webhook_deliveries::Column::CreatedAt.lt(before))
            .limit(BATCH)
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|d| d.id)
            .collect();
        let mut deliveries = 0;
        if !finished.is_empty() {
            webhook_attempts::Entity::delete_many()
                .filter(webhook_attempts::Column::TenantId.eq(tenant.as_uuid()))
                .filter(webhook_attempts::Column::DeliveryId.is_in(finished.iter().copied()))
                .exec(&tx)
                .await
                .map_err(unexpected)?;
            deliveries = webhook_deliveries::Entity::delete_many()
                .filter(webhook_deliveries::Column::TenantId.eq(tenant.as_uuid()))
                .filter(webhook_deliveries::Column::Id.is_in(finished))
                .exec(&tx)
                .await
                .map_err(unexpected)?
                .rows_affected;
        }
        let old: Vec<Uuid> = outbox::Entity::find()
            .filter(outbox::Column::TenantId.eq(tenant.as_uuid()))
            .filter(outbox::Column::DispatchedAt.lt(before))
            .limit(BATCH)
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|e| e.id)
            .collect();
        let mut events = 0;
        if !old.is_empty() {
            let still_used: BTreeSet<Uuid> = webhook_deliveries::Entity::find()
                .filter(webhook_deliveries::Column::TenantId.eq(tenant.as_uuid()))
                .filter(webhook_deliveries::Column::EventId.is_in(old.iter().copied()))
                .all(&tx)
                .await
                .map_err(unexpected)?
                .into_iter()
                .map(|d| d.event_id)
                .collect();
            let unused: Vec<Uuid> = old
                .into_iter()
                .filter(|e| !still_used.contains(e))
                .collect();
            if !unused.is_empty() {
                events = outbox::Entity::delete_many()
                    .filter(outbox::Column::TenantId.eq(tenant.as_uuid()))
                    .filter(outbox::Column::Id.is_in(unused))
                    .exec(&tx)
                    .await
                    .map_err(unexpected)?
                    .rows_affected;
            }
        }
        tx.commit().await?;
        Ok((events, deliveries))
    }

    async fn record(&self, tenant: TenantId, result: &AttemptResult) -> DomainResult<()> {
        let tx = self.db.begin(tenant).await?;
        let row = Self::delivery_row(&tx, tenant, result.attempt.delivery_id).await?;
        // The attempt was logged when it was claimed; its outcome completes that entry.
        let number = i32::try_from(result.attempt.number).unwrap_or(i32::MAX);
        let attempt = webhook_attempts::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            delivery_id: Set(row.id),
            number: Set(number),
            at: Set(result.attempt.at),
            status_code: Set(result.attempt.status_code.map(i32::from)),
            error: Set(clip(result.attempt.error.clone())),
            duration_ms: Set(small(result.attempt.duration_ms)),
            finished_at: Set(Some(result.attempt.finished_at.unwrap_or_else(Utc::now))),
        };
        let updated = webhook_attempts::Entity::update_many()
            .set(attempt.clone())
            .filter(webhook_attempts::Column::TenantId.eq(tenant.as_uuid()))
            .filter(webhook_attempts::Column::DeliveryId.eq(row.id))
            .filter(webhook_attempts::Column::Number.eq(number))
            .exec(&tx)
            .await
            .map_err(unexpected)?;
        if updated.rows_affected == 0 {
            webhook_attempts::Entity::insert(attempt)
                .exec_without_returning(&tx)
                .await
                .map_err(unexpected)?;
        }
        let already_delivered = row.status == DeliveryStatus::Delivered.as_str();
        let number = number.max(row.attempts);
        let mut model = row.into_active_model();
        model.attempts = Set(number);
        model.last_status_code = Set(result.attempt.status_code.map(i32::from));
        model.last_error = Set(clip(result.attempt.error.clone()));
        if !already_delivered {
            model.status = Set(result.status.as_str().to_owned());
            model.next_attempt_at = Set(result.next_attempt_at);
            if result.status == DeliveryStatus::Delivered {
                model.delivered_at = Set(Some(result.attempt.at));
            }
        }
        model.update(&tx).await.map_err(unexpected)?;
        tx.commit().await
    }
}
