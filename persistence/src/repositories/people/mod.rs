//! Citizens: personal fields sealed with the citizen's own key, every access audited in the
//! same transaction.

use std::collections::HashMap;

use async_trait::async_trait;
use peerbro_domain::ids::{CitizenId, UserId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::people::{
    Citizen, CitizenChange, CitizenFilter, CitizenRepository, ConsentPurpose, ConsentRecord,
};
use peerbro_domain::privacy::{AuditAction, LegalHold, Purpose};
use peerbro_domain::{DomainError, DomainResult, RequestContext};
use sea_orm::{
    ActiveModelTrait as _, ActiveValue::Set, ColumnTrait as _, EntityTrait as _,
    IntoActiveModel as _, QueryFilter as _, QueryOrder as _,
};

use crate::audit::{append, append_reads};
use crate::entities::privacy::{citizens, consents};
use crate::errors::unexpected;
use crate::repositories::erasure;
use crate::repositories::keyset;

mod sealing;
mod store;
mod texts;

pub use self::sealing::SeaCitizenRepository;
use self::sealing::*;
pub use self::texts::SeaConsentTexts;
use crate::citizens::{CitizenKeys, KIND, event, insert_citizen, seal_citizen};

#[async_trait]
impl CitizenRepository for SeaCitizenRepository {
    #[tracing::instrument(skip_all, fields(citizen = %citizen.id))]
    async fn create(
        &self,
        ctx: &RequestContext,
        citizen: &Citizen,
        consents: &[ConsentRecord],
        purpose: Purpose,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        insert_citizen(&self.vault, &tx, ctx, citizen, consents, purpose).await?;
        tx.commit().await
    }

    async fn get(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, false).await?;
        let citizen = self
            .decrypt_all(&tx, tenant, vec![row])
            .await?
            .pop()
            .ok_or(DomainError::NotFound {
                resource: "citizen",
            })?;
        append_reads(&tx, ctx, KIND, [id.as_uuid()], purpose).await?;
        tx.commit().await?;
        Ok(citizen)
    }

    async fn find_by_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
        purpose: Purpose,
    ) -> DomainResult<Option<Citizen>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let Some(row) = row_of_user(&tx, tenant, user).await? else {
            tx.commit().await?;
            return Ok(None);
        };
        let id = row.id;
        let citizen = self.decrypt_all(&tx, tenant, vec![row]).await?.pop();
        append_reads(&tx, ctx, KIND, [id], purpose).await?;
        tx.commit().await?;
        Ok(citizen)
    }

    async fn citizen_id_of_user(
        &self,
        ctx: &RequestContext,
        user: UserId,
    ) -> DomainResult<Option<CitizenId>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = row_of_user(&tx, tenant, user).await?;
        tx.commit().await?;
        Ok(row.map(|r| CitizenId::from_uuid(r.id)))
    }

    #[tracing::instrument(skip_all)]
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: &CitizenFilter,
        page: &PageRequest,
        purpose: Purpose,
    ) -> DomainResult<Page<Citizen>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query =
            citizens::Entity::find().filter(citizens::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(name) = &filter.name {
            let index = self
                .vault
                .blind_index(&tx, tenant, &name.normalised())
                .await?;
            query = query.filter(citizens::Column::NameIndex.eq(index));
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, citizens::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let page =
            Page::from_probe(self.decrypt_all(&tx, tenant, rows).await?, page).with_total(total);
        append_reads(
            &tx,
            ctx,
            KIND,
            page.items.iter().map(|x| x.id.as_uuid()),
            purpose,
        )
        .await?;
        tx.commit().await?;
        Ok(page)
    }

    #[tracing::instrument(skip_all, fields(citizen = %id))]
    async fn update(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        change: CitizenChange,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        let keys = self.vault.subject_keys(&tx, tenant, &[row.id]).await?;
        let key = keys.get(&row.id).cloned();
        let mut citizen = self.decrypt(tenant, row.clone(), key.as_ref())?;
        change(&mut citizen)?;
        let key =
            key.ok_or_else(|| DomainError::Conflict(peerbro_domain::Conflict::CitizenErased))?;
        let mut model = row.into_active_model();
        // After the citizen's row lock, as a rotation takes them (ADR 0043).
        let tenant_key = self.vault.tenant_key_to_seal(&tx, tenant).await?;
        let keys = CitizenKeys {
            subject: &key,
            tenant: &tenant_key,
        };
        seal_citizen(&self.vault, tenant, &keys, &citizen, &mut model)?;
        model.update(&tx).await.map_err(unexpected)?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Update, id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await?;
        Ok(citizen)
    }

    #[tracing::instrument(skip_all, fields(citizen = %id))]
    async fn erase(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: Purpose,
    ) -> DomainResult<Citizen> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        if row.erased_at.is_some() {
            return Err(DomainError::Conflict(
                peerbro_domain::Conflict::AlreadyErased,
            ));
        }
        let now = chrono::Utc::now();
        let account = row.user_id.map(UserId::from_uuid);
        erasure::shred(&self.vault, &tx, tenant, row.id, account, now).await?;
        let mut model = row.clone().into_active_model();
        model.erased_at = Set(Some(now));
        // The name's keyed digest would still confirm a guessed name to anyone holding the
        // tenant key: replaced by random bytes that match nothing.
        model.name_index = Set(crate::vault::digests::unmatchable_index());
        model.update(&tx).await.map_err(unexpected)?;
        append(
            &tx,
            ctx,
            &[event(AuditAction::Erase, id.as_uuid(), purpose)],
        )
        .await?;
        tx.commit().await?;
        erasure::settle(&self.db, tenant, account).await;
        let mut erased = self.decrypt(tenant, row, None)?;
        erased.erased_at = Some(now);
        Ok(erased)
    }

    async fn place_hold(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        hold: &LegalHold,
    ) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        if row.erased_at.is_some() {
            return Err(DomainError::Conflict(
                peerbro_domain::Conflict::AlreadyErased,
            ));
        }
        erasure::place(&tx, tenant, row.id, KIND.as_str(), hold).await?;
        tx.commit().await
    }

    async fn release_hold(&self, ctx: &RequestContext, id: CitizenId) -> DomainResult<bool> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_row(&tx, tenant, id, true).await?;
        let released = erasure::release(&tx, tenant, row.id).await?;
        tx.commit().await?;
        Ok(released)
    }

    async fn consent_history(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
    ) -> DomainResult<Vec<ConsentRecord>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        find_row(&tx, tenant, id, false).await?;
        let rows = consents::Entity::find()
            .filter(consents::Column::TenantId.eq(tenant.as_uuid()))
            .filter(consents::Column::CitizenId.eq(id.as_uuid()))
            .order_by_asc(consents::Column::At)
            .order_by_asc(consents::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(consent_from).collect()
    }

    async fn consent_given(
        &self,
        ctx: &RequestContext,
        id: CitizenId,
        purpose: ConsentPurpose,
    ) -> DomainResult<bool> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let latest = consents::Entity::find()
            .filter(consents::Column::TenantId.eq(tenant.as_uuid()))
            .filter(consents::Column::CitizenId.eq(id.as_uuid()))
            .filter(consents::Column::Purpose.eq(purpose.as_str()))
            .order_by_desc(consents::Column::At)
            .order_by_desc(consents::Column::Id)
            .one(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        Ok(latest.is_some_and(|row| row.given))
    }

    async fn consent_histories(
        &self,
        ctx: &RequestContext,
        ids: &[CitizenId],
    ) -> DomainResult<HashMap<CitizenId, Vec<ConsentRecord>>> {
        let tenant = ctx.tenant_id()?;
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let tx = self.db.begin(tenant).await?;
        let rows = consents::Entity::find()
            .filter(consents::Column::TenantId.eq(tenant.as_uuid()))
            .filter(consents::Column::CitizenId.is_in(ids.iter().map(CitizenId::as_uuid)))
            .order_by_asc(consents::Column::At)
            .order_by_asc(consents::Column::Id)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        let existing = citizens::Entity::find()
            .filter(citizens::Column::TenantId.eq(tenant.as_uuid()))
            .filter(citizens::Column::Id.is_in(ids.iter().map(CitizenId::as_uuid)))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let mut out: HashMap<CitizenId, Vec<ConsentRecord>> = existing
            .into_iter()
            .map(|c| (CitizenId::from_uuid(c.id), Vec::new()))
            .collect();
        for row in rows {
            let id = CitizenId::from_uuid(row.citizen_id);
            out.entry(id).or_default().push(consent_from(row)?);
        }
        Ok(out)
    }
}
