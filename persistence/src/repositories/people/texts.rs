//! Consent texts (ADR 0044): published versions per purpose, append-only; and the citizens
//! whose consent stands under an older version.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use peerbro_domain::ids::{CitizenId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::ConsentPurpose;
use peerbro_domain::people::consent_texts::{
    AskAgain, ConsentText, ConsentTextBody, ConsentTextStore,
};
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _, SqlErr,
};
use uuid::Uuid;

use crate::db::{Database, Tx};
use crate::entities::privacy::{citizens, consent_texts, consents};
use crate::errors::unexpected;
use crate::repositories::page::{keyset, total_of};

/// Consent texts over sea-orm.
#[derive(Clone, Debug)]
pub struct SeaConsentTexts {
    db: Database,
}

impl SeaConsentTexts {
    /// The store over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

fn text_from(row: consent_texts::Model) -> DomainResult<ConsentText> {
    Ok(ConsentText {
        purpose: row.purpose.parse().map_err(|_| corrupt("purpose"))?,
        version: u32::try_from(row.version).map_err(|_| corrupt("version"))?,
        body: row.body,
        published_at: row.published_at,
        published_by: row.published_by.map(UserId::from_uuid),
    })
}

fn corrupt(what: &str) -> DomainError {
    DomainError::Unknown(anyhow::anyhow!("stored consent text {what} does not parse"))
}

/// The purpose's current version, if any is published.
async fn current(tx: &Tx, tenant: Uuid, purpose: ConsentPurpose) -> DomainResult<Option<i32>> {
    consent_texts::Entity::find()
        .select_only()
        .column(consent_texts::Column::Version)
        .filter(consent_texts::Column::TenantId.eq(tenant))
        .filter(consent_texts::Column::Purpose.eq(purpose.as_str()))
        .order_by_desc(consent_texts::Column::Version)
        .limit(1)
        .into_tuple::<i32>()
        .one(tx)
        .await
        .map_err(unexpected)
}

#[async_trait]
impl ConsentTextStore for SeaConsentTexts {
    async fn publish(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
        body: &ConsentTextBody,
        at: DateTime<Utc>,
    ) -> DomainResult<ConsentText> {
        let tenant = ctx.tenant_id()?;
        // Two publications at once both read the same newest version; the primary key lets
        // one of them have the next number, and the other tries again with the one after.
        for _ in 0..3 {
            let tx = self.db.begin_write(tenant).await?;
            let next = current(&tx, tenant.as_uuid(), purpose).await?.unwrap_or(0) + 1;
            let row = consent_texts::Model {
                tenant_id: tenant.as_uuid(),
                purpose: purpose.as_str().to_owned(),
                version: next,
                body: body.as_str().to_owned(),
                published_at: at,
                published_by: ctx.actor().map(|a| a.user_id().as_uuid()),
            };
            let inserted =
                consent_texts::Entity::insert(consent_texts::ActiveModel::from(row.clone()))
                    .exec_without_returning(&tx)
                    .await;
            match inserted {
                Ok(_) => {
                    tx.commit().await?;
                    return text_from(row);
                }
                Err(e) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {}
                Err(e) => return Err(unexpected(e)),
            }
        }
        Err(DomainError::Unavailable(
            "the consent text is being published by someone else; try again",
        ))
    }

    async fn texts(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
    ) -> DomainResult<Vec<ConsentText>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin_read(tenant).await?;
        let rows = consent_texts::Entity::find()
            .filter(consent_texts::Column::TenantId.eq(tenant.as_uuid()))
            .filter(consent_texts::Column::Purpose.eq(purpose.as_str()))
            .order_by_desc(consent_texts::Column::Version)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(text_from).collect()
    }

    async fn to_ask_again(
        &self,
        ctx: &RequestContext,
        purpose: ConsentPurpose,
        page: &PageRequest,
    ) -> DomainResult<Page<AskAgain>> {
        let tenant = ctx.tenant_id()?;
        let t = tenant.as_uuid();
        let tx = self.db.begin_read(tenant).await?;
        let Some(version) = current(&tx, t, purpose).await? else {
            tx.commit().await?;
            return Ok(Page::from_probe(Vec::new(), page));
        };
        // Each citizen's latest record for the purpose (no later one exists), if it is a
        // consent given under an older text or none.
        let (c, later) = (Alias::new("c"), Alias::new("later"));
        let newer = Query::select()
            .expr(Expr::val(1))
            .from_as(consents::Entity, later.clone())
            .and_where(
                Expr::col((later.clone(), consents::Column::TenantId))
                    .equals((c.clone(), consents::Column::TenantId)),
            )
            .and_where(
                Expr::col((later.clone(), consents::Column::CitizenId))
                    .equals((c.clone(), consents::Column::CitizenId)),
            )
            .and_where(
                Expr::col((later.clone(), consents::Column::Purpose))
                    .equals((c.clone(), consents::Column::Purpose)),
            )
            .and_where(
                Expr::col((later, consents::Column::Id))
                    .gt(Expr::col((c.clone(), consents::Column::Id))),
            )
            .to_owned();
        let stale = Query::select()
            .column((c.clone(), consents::Column::CitizenId))
            .from_as(consents::Entity, c.clone())
            .and_where(Expr::col((c.clone(), consents::Column::TenantId)).eq(t))
            .and_where(Expr::col((c.clone(), consents::Column::Purpose)).eq(purpose.as_str()))
            .and_where(Expr::col((c.clone(), consents::Column::Given)).eq(true))
            .and_where(
                Expr::col((c.clone(), consents::Column::TextVersion))
                    .is_null()
                    .or(Expr::col((c, consents::Column::TextVersion)).lt(version)),
            )
            .and_where(Expr::exists(newer).not())
            .to_owned();
        let query = citizens::Entity::find()
            .filter(citizens::Column::TenantId.eq(t))
            .filter(citizens::Column::ErasedAt.is_null())
            .filter(citizens::Column::Id.in_subquery(stale));
        let total = total_of(&tx, &query, page).await?;
        let rows = keyset(query, citizens::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        // What each of them gave, and under which version.
        let given: HashMap<Uuid, consents::Model> = consents::Entity::find()
            .filter(consents::Column::TenantId.eq(t))
            .filter(consents::Column::Purpose.eq(purpose.as_str()))
            .filter(consents::Column::CitizenId.is_in(rows.iter().map(|r| r.id)))
            .order_by_asc(consents::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?
            .into_iter()
            .map(|r| (r.citizen_id, r))
            .collect();
        tx.commit().await?;
        let found = rows
            .into_iter()
            .filter_map(|row| {
                let record = given.get(&row.id)?;
                Some(AskAgain {
                    citizen: CitizenId::from_uuid(row.id),
                    pseudonym: row.pseudonym,
                    seen_version: record.text_version.and_then(|v| u32::try_from(v).ok()),
                    given_at: record.at,
                })
            })
            .collect();
        Ok(Page::from_probe(found, page).with_total(total))
    }
}
