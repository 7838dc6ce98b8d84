//! [`InstrumentRepository`] on sea-orm: scale and items stored as JSON text.

use async_trait::async_trait;
use peerbro_domain::ids::InstrumentId;
use peerbro_domain::outcomes::{
    ChimeDimension, Instrument, InstrumentDraft, InstrumentRepository, Item, Respondent,
    StoredInstrument,
};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::{DomainError, DomainResult, Duplicate, RequestContext};
use sea_orm::{ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _};
use sea_orm::{QueryFilter as _, QueryOrder as _};

use super::page::{keyset, total_of};
use crate::db::Database;
use crate::entities::instruments;
use crate::errors::{map_db, unexpected};

/// [`InstrumentRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaInstrumentRepository {
    db: Database,
}

impl SeaInstrumentRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

fn corrupt(what: &'static str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!(
        "a stored instrument's {what} does not read"
    ))
}

fn instrument_from(m: instruments::Model) -> DomainResult<StoredInstrument> {
    let scale: Vec<String> = serde_json::from_str(&m.scale).map_err(|_| corrupt("scale"))?;
    let items: Vec<serde_json::Value> =
        serde_json::from_str(&m.items).map_err(|_| corrupt("items"))?;
    let items = items
        .into_iter()
        .map(|i| {
            let dimension: ChimeDimension = i["dimension"]
                .as_str()
                .and_then(|d| d.parse().ok())
                .ok_or_else(|| corrupt("dimension"))?;
            Ok(Item {
                text: i["text"]
                    .as_str()
                    .ok_or_else(|| corrupt("items"))?
                    .to_owned(),
                dimension,
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    let respondent = match m.respondent.as_str() {
        "CITIZEN" => Respondent::Citizen,
        "PEER" => Respondent::Peer,
        _ => return Err(corrupt("respondent")),
    };
    let draft = InstrumentDraft {
        key: m.key,
        title: m.title,
        version: u32::try_from(m.version).map_err(|_| corrupt("version"))?,
        respondent,
        scale,
        items,
    };
    Ok(StoredInstrument {
        id: InstrumentId::from_uuid(m.id),
        instrument: Instrument::new(draft).map_err(|_| corrupt("definition"))?,
        created_at: m.created_at,
    })
}

#[async_trait]
impl InstrumentRepository for SeaInstrumentRepository {
    async fn create(&self, ctx: &RequestContext, stored: &StoredInstrument) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let d = stored.instrument.definition();
        let items: Vec<serde_json::Value> = d
            .items
            .iter()
            .map(|i| serde_json::json!({ "text": i.text, "dimension": i.dimension.as_str() }))
            .collect();
        let tx = self.db.begin(tenant).await?;
        instruments::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(stored.id.as_uuid()),
            key: Set(d.key.clone()),
            version: Set(i32::try_from(d.version).map_err(|_| corrupt("version"))?),
            title: Set(d.title.clone()),
            respondent: Set(match d.respondent {
                Respondent::Citizen => "CITIZEN",
                Respondent::Peer => "PEER",
            }
            .to_owned()),
            scale: Set(serde_json::to_string(&d.scale).map_err(|_| corrupt("scale"))?),
            items: Set(serde_json::to_string(&items).map_err(|_| corrupt("items"))?),
            created_at: Set(stored.created_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::InstrumentVersion))?;
        tx.commit().await
    }

    async fn list(
        &self,
        ctx: &RequestContext,
        page: &PageRequest,
    ) -> DomainResult<Page<StoredInstrument>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let query =
            instruments::Entity::find().filter(instruments::Column::TenantId.eq(tenant.as_uuid()));
        let total = total_of(&tx, &query, page).await?;
        let rows = keyset(query, instruments::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Page::from_probe(rows, page)
            .with_total(total)
            .try_map(instrument_from)
    }

    async fn versions(
        &self,
        ctx: &RequestContext,
        key: &str,
    ) -> DomainResult<Vec<StoredInstrument>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = instruments::Entity::find()
            .filter(instruments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(instruments::Column::Key.eq(key))
            .order_by_asc(instruments::Column::Version)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(instrument_from).collect()
    }

    async fn by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[InstrumentId],
    ) -> DomainResult<Vec<StoredInstrument>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let rows = instruments::Entity::find()
            .filter(instruments::Column::TenantId.eq(tenant.as_uuid()))
            .filter(instruments::Column::Id.is_in(ids.iter().map(|i| i.as_uuid())))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(instrument_from).collect()
    }
}
