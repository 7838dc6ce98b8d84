//! A tenant's organisations.

use async_trait::async_trait;
use peerbro_domain::context::RequestContext;
use peerbro_domain::ids::{OrganisationId, TenantId};
use peerbro_domain::page::{Page, PageRequest};
use peerbro_domain::tenancy::{
    Organisation, OrganisationChange, OrganisationFilter, OrganisationRepository,
};
use peerbro_domain::{DomainResult, Duplicate};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter,
};

use crate::db::{Database, Tx};
use crate::entities::organisations;
use crate::errors::{map_db, unexpected};
use crate::repositories::page::keyset;
use crate::repositories::rows::by_id;

use crate::repositories::rows::organisation_from;

/// [`OrganisationRepository`] on sea-orm.
#[derive(Clone, Debug)]
pub struct SeaOrganisationRepository {
    db: Database,
}

impl SeaOrganisationRepository {
    /// Over `db`.
    #[must_use]
    pub const fn new(db: Database) -> Self {
        Self { db }
    }
}

pub(super) async fn find_organisation(
    tx: &Tx,
    tenant: TenantId,
    id: OrganisationId,
    for_update: bool,
) -> DomainResult<organisations::Model> {
    by_id::<organisations::Entity>(tx, tenant, id.as_uuid(), for_update, "organisation").await
}

#[async_trait]
impl OrganisationRepository for SeaOrganisationRepository {
    #[tracing::instrument(skip_all)]
    async fn list(
        &self,
        ctx: &RequestContext,
        filter: OrganisationFilter,
        page: &PageRequest,
    ) -> DomainResult<Page<Organisation>> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let mut query = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()));
        if let Some(kind) = filter.kind {
            query = query.filter(organisations::Column::Kind.eq(kind.as_str()));
        }
        let total = crate::repositories::total_of(&tx, &query, page).await?;
        let rows = keyset(query, organisations::Column::Id, page)
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        let rows = rows
            .into_iter()
            .map(organisation_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_probe(rows, page).with_total(total))
    }

    async fn get(&self, ctx: &RequestContext, id: OrganisationId) -> DomainResult<Organisation> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_organisation(&tx, tenant, id, false).await?;
        tx.commit().await?;
        organisation_from(row)
    }

    async fn get_many(
        &self,
        ctx: &RequestContext,
        ids: &[OrganisationId],
    ) -> DomainResult<Vec<Organisation>> {
        let tenant = ctx.tenant_id()?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.db.begin(tenant).await?;
        let rows = organisations::Entity::find()
            .filter(organisations::Column::TenantId.eq(tenant.as_uuid()))
            .filter(organisations::Column::Id.is_in(ids.iter().map(OrganisationId::as_uuid)))
            .all(&tx)
            .await
            .map_err(unexpected)?;
        tx.commit().await?;
        rows.into_iter().map(organisation_from).collect()
    }

    #[tracing::instrument(skip_all, fields(organisation = %org.id))]
    async fn create(&self, ctx: &RequestContext, org: &Organisation) -> DomainResult<()> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        organisations::ActiveModel {
            tenant_id: Set(tenant.as_uuid()),
            id: Set(org.id.as_uuid()),
            name: Set(org.name.as_str().to_owned()),
            kind: Set(org.kind.as_str().to_owned()),
            created_at: Set(org.created_at),
            updated_at: Set(org.updated_at),
        }
        .insert(&tx)
        .await
        .map_err(|e| map_db(e, Duplicate::OrganisationName))?;
        tx.commit().await
    }

    #[tracing::instrument(skip_all, fields(organisation = %id))]
    async fn update(
        &self,
        ctx: &RequestContext,
        id: OrganisationId,
        change: OrganisationChange,
    ) -> DomainResult<Organisation> {
        let tenant = ctx.tenant_id()?;
        let tx = self.db.begin(tenant).await?;
        let row = find_organisation(&tx, tenant, id, true).await?;
        let mut org = organisation_from(row.clone())?;
        change(&mut org)?;
        let mut active = row.into_active_model();
        active.name = Set(org.name.as_str().to_owned());
        active.kind = Set(org.kind.as_str().to_owned());
        active.updated_at = Set(org.updated_at);
        active
            .update(&tx)
            .await
            .map_err(|e| map_db(e, Duplicate::OrganisationName))?;
        tx.commit().await?;
        Ok(org)
    }
}
