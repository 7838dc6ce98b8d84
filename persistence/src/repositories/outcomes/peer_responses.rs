//! [`PeerResponseRepository`] on sea-orm: peers' answers to their own rounds, sealed with the
//! peer's key (destroying it leaves them unreadable; they are then left out).

use std::collections::HashMap;

use async_trait::async_trait;
use peerbro_domain::ids::{InstrumentId, PeerId, PeerResponseId};
use peerbro_domain::outcomes::{PeerResponse, PeerResponseRepository};
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _, QueryFilter as _,
    QueryOrder as _,
};
use uuid::Uuid;

use super::supports::corrupt;
use crate::db::Database;
use crate::entities::peer_responses as rows;
use crate::errors::{map_db, unexpected};
use crate::vault::{Vault, field_aad};

/// [`PeerResponseRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaPeerResponseRepository {
    db: Database,
    vault: Vault,
}

impl SeaPeerResponseRepository {
    /// Over `db`, sealing with `vault`.
    #[must_use]
    pub const fn new(db: Database, vault: Vault) -> Self {
        Self { db, vault }
    }
}

fn aad(tenant: peerbro_domain::ids::TenantId, id: Uuid) -> Vec<u8> {
    field_aad(tenant, "peer_responses", "answers_sealed", id)
}

#[async_trait]
impl PeerResponseRepository for SeaPeerResponseRepository {
    async fn record(&self, ctx: &RequestContext, response: &PeerResponse) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let text = serde_json::to_string(&response.answers).map_err(|_| corrupt("answers"))?;
        let sealed = self
            .vault
            .seal_for_subject(
                &tx,
                tenant,
                response.peer_id.as_uuid(),
                &aad(tenant, response.id.as_uuid()),
                &text,
            )
            .await?
            .ok_or(DomainError::NotFound { resource: "peer" })?;
        rows::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(response.id.as_uuid()),
            peer_id: Set(response.peer_id.as_uuid()),
            round: Set(i32::try_from(response.round).map_err(|_| corrupt("round"))?),
            instrument_id: Set(response.instrument_id.as_uuid()),
            answers_sealed: Set(Some(sealed)),
            answered_at: Set(response.answered_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::Response))?;
        tx.commit().await
    }

    async fn responses(
        &self,
        ctx: &RequestContext,
        peer: Option<PeerId>,
        instruments: &[InstrumentId],
    ) -> DomainResult<Vec<PeerResponse>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query = rows::Entity::find().filter(rows::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(peer) = peer {
            query = query.filter(rows::Column::PeerId.eq(peer.as_uuid()));
        }
        if !instruments.is_empty() {
            query = query
                .filter(rows::Column::InstrumentId.is_in(instruments.iter().map(|i| i.as_uuid())));
        }
        let found = query
            .order_by_asc(rows::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let mut subjects: Vec<Uuid> = found.iter().map(|r| r.peer_id).collect();
        subjects.sort_unstable();
        subjects.dedup();
        let keys: HashMap<Uuid, _> = self.vault.subject_keys(&tx, tenant, &subjects).await?;
        tx.commit().await?;
        let mut out = Vec::with_capacity(found.len());
        for row in found {
            let (Some(key), Some(sealed)) = (keys.get(&row.peer_id), &row.answers_sealed) else {
                continue;
            };
            let text = self.vault.open(key, &aad(tenant, row.id), sealed)?;
            let answers: Vec<u8> = serde_json::from_str(&text).map_err(|_| corrupt("answers"))?;
            out.push(PeerResponse {
                id: PeerResponseId::from_uuid(row.id),
                peer_id: PeerId::from_uuid(row.peer_id),
                round: u32::try_from(row.round).map_err(|_| corrupt("round"))?,
                instrument_id: InstrumentId::from_uuid(row.instrument_id),
                answers,
                answered_at: row.answered_at,
            });
        }
        Ok(out)
    }
}
